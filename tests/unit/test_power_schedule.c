/* test_power_schedule.c - display on/off schedule: parsing, decisions, next change. */
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "device/power_schedule.h"
#include "check.h"

enum { MON, TUE, WED, THU, FRI, SAT, SUN };
#define HM(h, m) ((h) * 60 + (m))

static crier_err parse(const char *text, crier_power_schedule *s)
{
    return crier_power_schedule_parse(text, strlen(text), s);
}

TEST(always_and_never)
{
    crier_power_schedule s;
    CHECK_INT_EQ(parse("", &s), CRIER_OK);
    CHECK(s.always_on);
    CHECK_INT_EQ(parse("  Always ", &s), CRIER_OK);
    crier_power_decision d = crier_power_decide(&s, SUN, HM(3, 0), 0);
    CHECK(d.on);
    CHECK_INT_EQ(d.reason, CRIER_POWER_ALWAYS);
    CHECK_INT_EQ(d.next_change_min, -1);

    CHECK_INT_EQ(parse("never", &s), CRIER_OK);
    CHECK(!s.always_on);
    CHECK_INT_EQ(s.count, 0);
    d = crier_power_decide(&s, MON, HM(12, 0), 0);
    CHECK(!d.on);
    CHECK_INT_EQ(d.reason, CRIER_POWER_OFF_HOURS);
    CHECK_INT_EQ(d.next_change_min, -1);
    d = crier_power_decide(&s, MON, HM(12, 0), 1);
    CHECK(d.on);
    CHECK_INT_EQ(d.reason, CRIER_POWER_ALERT);
}

/* Table: schedule text, weekday, minute, alert -> on, reason, next change. */
static const struct {
    const char *text;
    int wday, minute, alert;
    int on;
    crier_power_reason reason;
    int next;
} cases[] = {
    {"mon-fri 07:00-22:00", MON, HM(6, 59), 0, 0, CRIER_POWER_OFF_HOURS, 1},
    {"mon-fri 07:00-22:00", MON, HM(7, 0), 0, 1, CRIER_POWER_WINDOW, 15 * 60},
    {"mon-fri 07:00-22:00", FRI, HM(21, 59), 0, 1, CRIER_POWER_WINDOW, 1},
    {"mon-fri 07:00-22:00", FRI, HM(22, 0), 0, 0, CRIER_POWER_OFF_HOURS, 2 * 1440 + 9 * 60},
    {"mon-fri 07:00-22:00", SAT, HM(12, 0), 0, 0, CRIER_POWER_OFF_HOURS, 1440 + 19 * 60},
    {"mon-fri 07:00-22:00", SAT, HM(12, 0), 1, 1, CRIER_POWER_ALERT, 1440 + 19 * 60},
    {"mon-fri 07:00-22:00", TUE, HM(12, 0), 1, 1, CRIER_POWER_ALERT, 10 * 60},
    /* across midnight: Friday night into Saturday */
    {"fri 22:00-02:00", SAT, HM(1, 59), 0, 1, CRIER_POWER_WINDOW, 1},
    {"fri 22:00-02:00", SAT, HM(2, 0), 0, 0, CRIER_POWER_OFF_HOURS, 6 * 1440 + 20 * 60},
    {"fri 22:00-02:00", FRI, HM(1, 0), 0, 0, CRIER_POWER_OFF_HOURS, 21 * 60},
    /* across the week's end: Sunday night into Monday */
    {"sun 23:00-01:00", MON, HM(0, 30), 0, 1, CRIER_POWER_WINDOW, 30},
    /* overlapping and adjacent windows merge: no change at 12:00 */
    {"daily 08:00-12:00; daily 12:00-18:00; daily 10:00-11:00", WED, HM(9, 0), 0, 1,
     CRIER_POWER_WINDOW, 9 * 60},
    /* wrapping day range and a list */
    {"sat-mon 10:00-11:00", SUN, HM(10, 30), 0, 1, CRIER_POWER_WINDOW, 30},
    {"sat-mon 10:00-11:00", TUE, HM(10, 30), 0, 0, CRIER_POWER_OFF_HOURS, 3 * 1440 + 23 * 60 + 30},
    {"tue,thu 09:00-10:00", THU, HM(9, 15), 0, 1, CRIER_POWER_WINDOW, 45},
    /* whole days */
    {"mon 00:00-24:00", MON, HM(23, 59), 0, 1, CRIER_POWER_WINDOW, 1},
    {"daily 06:00-06:00", THU, HM(3, 0), 0, 1, CRIER_POWER_WINDOW, -1},
};

TEST(decisions_table)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        crier_power_schedule s;
        CHECK_INT_EQ(parse(cases[i].text, &s), CRIER_OK);
        crier_power_decision d = crier_power_decide(&s, cases[i].wday, cases[i].minute, cases[i].alert);
        if (d.on != cases[i].on || d.reason != cases[i].reason || d.next_change_min != cases[i].next)
            fprintf(stderr, "  case %zu \"%s\" day %d min %d: on %d reason %s next %d\n", i,
                    cases[i].text, cases[i].wday, cases[i].minute, d.on,
                    crier_power_reason_name(d.reason), (int)d.next_change_min);
        CHECK_INT_EQ(d.on, cases[i].on);
        CHECK_INT_EQ(d.reason, cases[i].reason);
        CHECK_INT_EQ(d.next_change_min, cases[i].next);
    }
}

/* next_change must agree with stepping minute by minute through the week. */
TEST(next_change_matches_brute_force)
{
    crier_power_schedule s;
    CHECK_INT_EQ(parse("mon-fri 07:30-09:00; mon-fri 16:00-23:15; sat 10:00-02:00; sun 12:00-13:00", &s),
                 CRIER_OK);
    int bad = 0;
    for (int wm = 0; wm < 7 * 1440 && bad < 3; wm += 7) {
        crier_power_decision d = crier_power_decide(&s, wm / 1440, wm % 1440, 0);
        int k = 1;
        while (k <= 7 * 1440 && crier_power_schedule_covers(&s, ((wm + k) / 1440) % 7, (wm + k) % 1440) == d.on)
            k++;
        if (k != d.next_change_min) {
            fprintf(stderr, "  week minute %d: next %d, stepping says %d\n", wm, (int)d.next_change_min, k);
            bad++;
        }
    }
    CHECK_INT_EQ(bad, 0);
}

TEST(struct_tm_counts_sunday_as_zero)
{
    crier_power_schedule s;
    CHECK_INT_EQ(parse("sun 10:00-12:00", &s), CRIER_OK);
    struct tm t;
    memset(&t, 0, sizeof t);
    t.tm_wday = 0; /* Sunday */
    t.tm_hour = 11;
    CHECK(crier_power_decide_tm(&s, &t, 0).on);
    t.tm_wday = 1; /* Monday */
    CHECK(!crier_power_decide_tm(&s, &t, 0).on);
    /* No time known: on. */
    CHECK(crier_power_decide_tm(&s, NULL, 0).on);
    CHECK(crier_power_decide(NULL, MON, 0, 0).on);
}

TEST(rejects_bad_text)
{
    static const char *const bad[] = {
        "mon 07:00-22:60",
        "mon 24:00-01:00", "mon 07:00-24:01", "mon-07:00-22:00", "mon 07:00-22:00 extra",
        "07:00-22:00", "mon-xyz 07:00-08:00", "mon,,tue 07:00-08:00", "mon 07:00-22:00; tue",
        "mon 25:00-26:00", "sometimes",
    };
    crier_power_schedule s, before;
    CHECK_INT_EQ(parse("tue 01:00-02:00", &before), CRIER_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = before;
        crier_err err = parse(bad[i], &s);
        if (err != CRIER_ERR_PARSE)
            fprintf(stderr, "  accepted or wrong error for \"%s\": %s\n", bad[i], crier_strerror(err));
        CHECK_INT_EQ(err, CRIER_ERR_PARSE);
        CHECK(memcmp(&s, &before, sizeof s) == 0); /* untouched on error */
    }
    CHECK_INT_EQ(crier_power_schedule_parse(NULL, 0, NULL), CRIER_ERR_INVAL);
}

/* The day/hour grammar is config/weekly.h's, shared with source.NAME.days/hours. */
TEST(one_grammar_with_source_keys)
{
    crier_power_schedule s;
    CHECK_INT_EQ(parse("weekdays 07:00-22:00", &s), CRIER_OK);
    CHECK_INT_EQ(s.count, 1);
    CHECK_INT_EQ(s.windows[0].days, 0x1F);
    CHECK_INT_EQ(parse("weekends 9-18; Monday - Wednesday 7:30-9", &s), CRIER_OK);
    CHECK_INT_EQ(s.count, 2);
    CHECK_INT_EQ(s.windows[0].days, 0x60);
    CHECK_INT_EQ(s.windows[0].start_min, HM(9, 0));
    CHECK_INT_EQ(s.windows[0].len_min, 9 * 60);
    CHECK_INT_EQ(s.windows[1].days, 0x07);
    CHECK_INT_EQ(s.windows[1].start_min, HM(7, 30));
    CHECK_INT_EQ(s.windows[1].len_min, 90);
    /* an hour list is one window per range */
    CHECK_INT_EQ(parse("mon-fri 7-12,13-18", &s), CRIER_OK);
    CHECK_INT_EQ(s.count, 2);
    CHECK(crier_power_decide(&s, TUE, HM(12, 30), 0).on == 0);
    CHECK(crier_power_decide(&s, TUE, HM(13, 0), 0).on == 1);
    /* a lone hour is that hour */
    CHECK_INT_EQ(parse("sun 12", &s), CRIER_OK);
    CHECK_INT_EQ(s.windows[0].len_min, 60);
    CHECK_INT_EQ(parse("*", &s), CRIER_OK);
    CHECK(s.always_on);
}

TEST(limits)
{
    char text[CRIER_POWER_MAX_TEXT + 64];
    crier_power_schedule s;
    size_t n = 0;
    /* 32 windows: fine; 33: limit. */
    for (int i = 0; i < CRIER_POWER_MAX_WINDOWS; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "mon 01:%02d-01:%02d;", i, i + 1);
    CHECK_INT_EQ(crier_power_schedule_parse(text, n, &s), CRIER_OK);
    CHECK_INT_EQ(s.count, CRIER_POWER_MAX_WINDOWS);
    n += (size_t)snprintf(text + n, sizeof text - n, "tue 01:00-02:00");
    CHECK_INT_EQ(crier_power_schedule_parse(text, n, &s), CRIER_ERR_LIMIT);
    memset(text, ' ', sizeof text);
    CHECK_INT_EQ(crier_power_schedule_parse(text, CRIER_POWER_MAX_TEXT + 1, &s), CRIER_ERR_LIMIT);
    /* Not NUL-terminated: only len bytes are read. */
    memcpy(text, "mon 07:00-08:00XXXX", 19);
    CHECK_INT_EQ(crier_power_schedule_parse(text, 15, &s), CRIER_OK);
    CHECK_INT_EQ(s.count, 1);
}

int main(void)
{
    crier_log_set_level(CRIER_LOG_OFF);
    RUN(always_and_never);
    RUN(decisions_table);
    RUN(next_change_matches_brute_force);
    RUN(struct_tm_counts_sunday_as_zero);
    RUN(rejects_bad_text);
    RUN(one_grammar_with_source_keys);
    RUN(limits);
    return check_summary();
}
