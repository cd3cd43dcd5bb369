/* test_weekly.c - the one day/hour grammar of every schedule key (config/weekly.h). */
#include "check.h"

#include "config/weekly.h"

#include <string.h>

static crier_err days(const char *s, uint8_t *m, size_t *end)
{
    size_t pos = 0;
    crier_err rc = crier_weekly_days(s, strlen(s), &pos, m);
    *end = pos;
    return rc;
}

TEST(day_lists)
{
    static const struct {
        const char *text;
        uint8_t mask;
    } good[] = {
        {"mon", 0x01},          {"sun", 0x40},          {"mon-fri", 0x1F},       {"sat,sun", 0x60},
        {"sat-mon", 0x61},      {"weekdays", 0x1F},     {"weekends", 0x60},      {"daily", 0x7F},
        {"*", 0x7F},            {"Monday-Tuesday", 0x03}, {"tues,THU", 0x0A},    {"mon - wed , fri", 0x17},
        {"weekends,mon", 0x61}, {"fri-fri", 0x10},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint8_t m = 0;
        size_t end;
        crier_err rc = days(good[i].text, &m, &end);
        if (rc != CRIER_OK || m != good[i].mask || end != strlen(good[i].text))
            fprintf(stderr, "  \"%s\": rc %d mask %#x end %zu\n", good[i].text, rc, m, end);
        CHECK_INT_EQ(rc, CRIER_OK);
        CHECK_INT_EQ(m, good[i].mask);
        CHECK_INT_EQ(end, strlen(good[i].text));
    }
    static const char *const bad[] = {"", "xyz", "mon-", "mon,,tue", ",mon", "mo", "-fri", "weekdaysx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t m;
        size_t end;
        if (days(bad[i], &m, &end) != CRIER_ERR_PARSE)
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
        CHECK_INT_EQ(days(bad[i], &m, &end), CRIER_ERR_PARSE);
    }
}

TEST(days_then_hours_prefix)
{
    const char *w = "mon-fri 07:00-22:00";
    size_t pos = 0, n;
    uint8_t m;
    crier_time_range r[4];
    CHECK_INT_EQ(crier_weekly_days(w, strlen(w), &pos, &m), CRIER_OK);
    CHECK_INT_EQ(pos, 8); /* past the space */
    CHECK_INT_EQ(crier_weekly_hours(w, strlen(w), &pos, r, 4, &n), CRIER_OK);
    CHECK_INT_EQ(pos, strlen(w));
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(r[0].start_min, 7 * 60);
    CHECK_INT_EQ(r[0].len_min, 15 * 60);
    /* only len bytes are read */
    pos = 0;
    CHECK_INT_EQ(crier_weekly_days("monXYZ", 3, &pos, &m), CRIER_OK);
    CHECK_INT_EQ(m, 1);
}

TEST(hour_lists)
{
    static const struct {
        const char *text;
        size_t n;
        int start0, len0, start1, len1;
    } good[] = {
        {"07-22", 1, 420, 900, 0, 0},
        {"7-9,17-20", 2, 420, 120, 1020, 180},
        {"22-06", 1, 1320, 480, 0, 0},
        {"0-24", 1, 0, 1440, 0, 0},
        {"00:00-24:00", 1, 0, 1440, 0, 0},
        {"06:00-06:00", 1, 360, 1440, 0, 0},
        {"12", 1, 720, 60, 0, 0},
        {"23", 1, 1380, 60, 0, 0},
        {"7:30-9", 1, 450, 90, 0, 0},
        {"07:30 - 08:15 , 9", 2, 450, 45, 540, 60},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        crier_time_range r[4];
        size_t pos = 0, n = 0;
        crier_err rc = crier_weekly_hours(good[i].text, strlen(good[i].text), &pos, r, 4, &n);
        CHECK_INT_EQ(rc, CRIER_OK);
        CHECK_INT_EQ(pos, strlen(good[i].text));
        CHECK_INT_EQ(n, good[i].n);
        if (rc != CRIER_OK || n != good[i].n)
            continue;
        CHECK_INT_EQ(r[0].start_min, good[i].start0);
        CHECK_INT_EQ(r[0].len_min, good[i].len0);
        if (n > 1) {
            CHECK_INT_EQ(r[1].start_min, good[i].start1);
            CHECK_INT_EQ(r[1].len_min, good[i].len1);
        }
    }
    static const char *const bad[] = {"", "25-3", "24-1", "24", "7-", "7:6-8", "07:60-08:00", "7-24:01",
                                      "123", "morning", ",7", "7,,8", "7:-8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        crier_time_range r[4];
        size_t pos = 0, n;
        crier_err rc = crier_weekly_hours(bad[i], strlen(bad[i]), &pos, r, 4, &n);
        if (rc != CRIER_ERR_PARSE)
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
        CHECK_INT_EQ(rc, CRIER_ERR_PARSE);
    }
    crier_time_range one[1];
    size_t pos = 0, n;
    CHECK_INT_EQ(crier_weekly_hours("1,2", 3, &pos, one, 1, &n), CRIER_ERR_LIMIT);
}

TEST(whole_value_all)
{
    CHECK(crier_weekly_is_all(NULL, 0));
    CHECK(crier_weekly_is_all("", 0));
    CHECK(crier_weekly_is_all("  * ", 4));
    CHECK(crier_weekly_is_all("All", 3));
    CHECK(crier_weekly_is_all("always", 6));
    CHECK(!crier_weekly_is_all("daily", 5));
    CHECK(!crier_weekly_is_all("alwaysx", 7));
    CHECK(!crier_weekly_is_all("* 7-9", 5));
}

int main(void)
{
    RUN(day_lists);
    RUN(days_then_hours_prefix);
    RUN(hour_lists);
    RUN(whole_value_all);
    return check_summary();
}
