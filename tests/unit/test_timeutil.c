/* test_timeutil.c - clocks, ISO 8601 parsing and UTC formatting (base/timeutil.c). */
#include "base/timeutil.h"
#include "check.h"

#include <stdlib.h>
#include <time.h>

#define T0 1795687200000LL /* 2026-11-26T10:00:00Z */

static int64_t parse(const char *s)
{
    int64_t v = -12345;
    if (crier_parse_iso8601(s, &v) != 0) {
        fprintf(stderr, "    did not parse: \"%s\"\n", s);
        return -12345;
    }
    return v;
}

TEST(utc_forms)
{
    CHECK_INT_EQ(parse("2026-11-26T10:00:00Z"), T0);
    CHECK_INT_EQ(parse("2026-11-26t10:00:00z"), T0);
    CHECK_INT_EQ(parse("2026-11-26 10:00:00Z"), T0);
    CHECK_INT_EQ(parse("2026-11-26T10:00Z"), T0); /* no seconds */
    CHECK_INT_EQ(parse("1970-01-01T00:00:00Z"), 0);
    CHECK_INT_EQ(parse("2000-02-29T23:59:59Z"), 951868799000LL); /* leap day */
}

TEST(offsets)
{
    CHECK_INT_EQ(parse("2026-11-26T11:00:00+01:00"), T0);
    CHECK_INT_EQ(parse("2026-11-26T11:00:00+0100"), T0);
    CHECK_INT_EQ(parse("2026-11-26T11:00:00+01"), T0);
    CHECK_INT_EQ(parse("2026-11-26T04:30:00-0530"), T0);
    CHECK_INT_EQ(parse("2026-11-26T04:30:00-05:30"), T0);
    CHECK_INT_EQ(parse("2026-11-26T10:00:00+00:00"), T0);
    CHECK_INT_EQ(parse("2026-11-26T10:00:00-00:00"), T0);
    CHECK_INT_EQ(parse("2026-11-27T00:00:00+14:00"), T0);
    CHECK_INT_EQ(parse("2026-11-26T00:00:00-10:00"), T0);
}

TEST(fractions)
{
    CHECK_INT_EQ(parse("2026-11-26T10:00:00.5Z"), T0 + 500);
    CHECK_INT_EQ(parse("2026-11-26T10:00:00.05Z"), T0 + 50);
    CHECK_INT_EQ(parse("2026-11-26T10:00:00.123Z"), T0 + 123);
    CHECK_INT_EQ(parse("2026-11-26T10:00:00,123Z"), T0 + 123);
    CHECK_INT_EQ(parse("2026-11-26T10:00:00.123456789Z"), T0 + 123); /* truncated to ms */
    CHECK_INT_EQ(parse("2026-11-26T11:00:00.250+01:00"), T0 + 250);
    CHECK_INT_EQ(parse("1969-12-31T23:59:59.500Z"), -500);
}

TEST(local_time_and_date_only)
{
    /* Without an offset a value is local time: pin the zone. */
    setenv("TZ", "UTC", 1);
    tzset();
    CHECK_INT_EQ(parse("2026-11-26T10:00:00"), T0);
    CHECK_INT_EQ(parse("2026-11-26"), T0 - 10 * 3600 * 1000LL);
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
    tzset();
    CHECK_INT_EQ(parse("2026-11-26T11:00:00"), T0);              /* winter: UTC+1 */
    CHECK_INT_EQ(parse("2026-07-01T12:00:00"), 1782900000000LL); /* summer: UTC+2 -> 10:00Z */
    CHECK_INT_EQ(parse("2026-11-26"), T0 - 11 * 3600 * 1000LL);
    setenv("TZ", "UTC", 1);
    tzset();
}

TEST(rejects_garbage)
{
    static const char *const bad[] = {
        "",
        "garbage",
        "2026",
        "2026-11",
        "2026-11-",
        "26-11-2026",
        "2026/11/26",
        "2026-1-26",
        "2026-11-6",
        "2026-11-26T",
        "2026-11-26T10",
        "2026-11-26T10:",
        "2026-11-26T1:00",
        "2026-11-26T10:00:",
        "2026-11-26T10:00:0",
        "2026-11-26T10:00:00.Z",
        "2026-11-26T10:00:00Zjunk",
        "2026-11-26T10:00:00 Z",
        "2026-11-26T10:00:00+",
        "2026-11-26T10:00:00+1",
        "2026-11-26T10:00:00+01:0",
        "2026-11-26T10:00:00+01:00:00",
        "2026-11-26T10:00:00X",
        "2026-11-26+01:00",
        " 2026-11-26T10:00:00Z",
        "2026-11-26T10:00:00Z ",
        "２０２６-11-26",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 777;
        if (crier_parse_iso8601(bad[i], &v) != -1 || v != 777) {
            fprintf(stderr, "    accepted \"%s\" -> %lld\n", bad[i], (long long)v);
            check_current_failed = 1;
        }
    }
    int64_t v;
    CHECK_INT_EQ(crier_parse_iso8601(NULL, &v), -1);
}

TEST(rejects_out_of_range)
{
    static const char *const bad[] = {
        "2026-00-10T10:00:00Z", "2026-13-10T10:00:00Z", "2026-11-00T10:00:00Z", "2026-11-32T10:00:00Z",
        "2026-11-31T10:00:00Z", "2026-02-29T10:00:00Z", "2026-02-30",           "2026-04-31",
        "2100-02-29",           "2026-11-26T24:00:00Z", "2026-11-26T10:60:00Z", "2026-11-26T10:00:61Z",
        "2026-11-26T10:00:00+24:00", "2026-11-26T10:00:00+01:60",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 777;
        if (crier_parse_iso8601(bad[i], &v) != -1 || v != 777) {
            fprintf(stderr, "    accepted \"%s\" -> %lld\n", bad[i], (long long)v);
            check_current_failed = 1;
        }
    }
    /* Edge days that exist. */
    CHECK(parse("2024-02-29T00:00:00Z") != -12345);
    CHECK(parse("2000-02-29") != -12345);
    CHECK(parse("2026-12-31T23:59:59Z") != -12345);
    CHECK(parse("2026-04-30") != -12345);
}

TEST(format_round_trip)
{
    char buf[40];
    crier_format_utc_ms(T0 + 123, buf, sizeof buf);
    CHECK_STR_EQ(buf, "2026-11-26T10:00:00.123Z");
    crier_format_utc_ms(0, buf, sizeof buf);
    CHECK_STR_EQ(buf, "1970-01-01T00:00:00.000Z");
    crier_format_utc_ms(-1, buf, sizeof buf);
    CHECK_STR_EQ(buf, "1969-12-31T23:59:59.999Z");
    static const int64_t samples[] = {0, 1, 999, 1000, -1, -999, -1000, -1001, T0, T0 + 7, 951868799000LL,
                                      4102444800000LL /* 2100 */, 1795687200999LL};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        crier_format_utc_ms(samples[i], buf, sizeof buf);
        int64_t back = 0;
        CHECK_INT_EQ(crier_parse_iso8601(buf, &back), 0);
        CHECK_INT_EQ(back, samples[i]);
    }
    /* A short buffer is truncated, not overrun. */
    char small[8];
    crier_format_utc_ms(T0, small, sizeof small);
    CHECK_STR_EQ(small, "2026-11");
}

TEST(clocks)
{
    int64_t w = crier_wall_ms();
    CHECK(w > 1700000000000LL);
    crier_wall_offset_set(3600 * 1000LL);
    int64_t w2 = crier_wall_ms();
    CHECK(w2 - w >= 3600 * 1000LL && w2 - w < 3600 * 1000LL + 5000);
    crier_wall_offset_set(0);
    int64_t m1 = crier_mono_ms();
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    int64_t m2 = crier_mono_ms();
    CHECK(m2 - m1 >= 19 && m2 - m1 < 5000);
}

int main(void)
{
    RUN(utc_forms);
    RUN(offsets);
    RUN(fractions);
    RUN(local_time_and_date_only);
    RUN(rejects_garbage);
    RUN(rejects_out_of_range);
    RUN(format_round_trip);
    RUN(clocks);
    return check_summary();
}
