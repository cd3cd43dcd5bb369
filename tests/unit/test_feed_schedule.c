/* test_feed_schedule.c - day-parting, priority/weight, validity, rotation, "as of". */
#include "check.h"
#include "feed_testutil.h"

#include "feeds/feed_schedule.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Local (TZ=Europe/Berlin in this test) wall time to epoch ms. */
static int64_t local_ms(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_isdst = -1};
    return (int64_t)mktime(&tm) * 1000;
}

TEST(parse_hours)
{
    uint32_t m;
    CHECK(crier_schedule_parse_hours("07-22", &m) == CRIER_OK && m == 0x3FFF80u);
    CHECK(crier_schedule_parse_hours("7-9,17-20", &m) == CRIER_OK && m == ((1u << 7) | (1u << 8) | (7u << 17)));
    CHECK(crier_schedule_parse_hours("22-06", &m) == CRIER_OK && m == (0x3Fu | (3u << 22)));
    CHECK(crier_schedule_parse_hours("07:00-22:00", &m) == CRIER_OK && m == 0x3FFF80u);
    CHECK(crier_schedule_parse_hours("0-24", &m) == CRIER_OK && m == CRIER_HOURS_ALL);
    CHECK(crier_schedule_parse_hours("12", &m) == CRIER_OK && m == 1u << 12);
    CHECK(crier_schedule_parse_hours(NULL, &m) == CRIER_OK && m == CRIER_HOURS_ALL);
    CHECK(crier_schedule_parse_hours("*", &m) == CRIER_OK && m == CRIER_HOURS_ALL);
    CHECK(crier_schedule_parse_hours("25-3", &m) == CRIER_ERR_INVAL);
    CHECK(crier_schedule_parse_hours("7:30-9", &m) == CRIER_ERR_INVAL);
    CHECK(crier_schedule_parse_hours("7-", &m) == CRIER_ERR_INVAL);
    CHECK(crier_schedule_parse_hours("8-8", &m) == CRIER_OK && m == CRIER_HOURS_ALL); /* a whole day from 8 */
    CHECK(crier_schedule_parse_hours("7 - 9, 22", &m) == CRIER_OK && m == ((3u << 7) | (1u << 22)));
    CHECK(crier_schedule_parse_hours("07:00-24:00", &m) == CRIER_OK && m == 0xFFFF80u);
    CHECK(crier_schedule_parse_hours("morning", &m) == CRIER_ERR_INVAL);
}

TEST(parse_days)
{
    uint8_t m;
    CHECK(crier_schedule_parse_days("mon-fri", &m) == CRIER_OK && m == 0x1F);
    CHECK(crier_schedule_parse_days("sat,sun", &m) == CRIER_OK && m == 0x60);
    CHECK(crier_schedule_parse_days("Friday-Monday", &m) == CRIER_OK && m == (0x70 | 0x01));
    CHECK(crier_schedule_parse_days("weekdays", &m) == CRIER_OK && m == 0x1F);
    CHECK(crier_schedule_parse_days("", &m) == CRIER_OK && m == CRIER_DAYS_ALL);
    CHECK(crier_schedule_parse_days("mon-xyz", &m) == CRIER_ERR_INVAL);
    CHECK(crier_schedule_parse_days("mon;tue", &m) == CRIER_ERR_INVAL);
    /* the one grammar (config/weekly.h): display_schedule's "daily" too */
    CHECK(crier_schedule_parse_days("daily", &m) == CRIER_OK && m == CRIER_DAYS_ALL);
    CHECK(crier_schedule_parse_days("weekends, wed", &m) == CRIER_OK && m == 0x64);
    CHECK(crier_schedule_parse_days("mon fri", &m) == CRIER_ERR_INVAL);
}

TEST(day_parting)
{
    crier_schedule s;
    crier_schedule_init(&s);
    crier_schedule_parse_hours("07-22", &s.hours_mask);
    crier_schedule_parse_days("mon-fri", &s.days_mask);
    CHECK(crier_schedule_allows(&s, local_ms(2026, 11, 26, 7, 0)));   /* Thu 07:00 */
    CHECK(crier_schedule_allows(&s, local_ms(2026, 11, 26, 21, 59))); /* Thu 21:59 */
    CHECK(!crier_schedule_allows(&s, local_ms(2026, 11, 26, 22, 0))); /* Thu 22:00 */
    CHECK(!crier_schedule_allows(&s, local_ms(2026, 11, 26, 6, 59)));
    CHECK(!crier_schedule_allows(&s, local_ms(2026, 11, 28, 12, 0))); /* Saturday */
    /* next change: Thursday 12:00 -> Thursday 22:00 */
    crier_item_list l;
    crier_item_list_init(&l);
    CHECK_INT_EQ(crier_schedule_next_change(&s, &l, local_ms(2026, 11, 26, 12, 0)), local_ms(2026, 11, 26, 22, 0));
    /* Friday 23:00 -> Monday 07:00 */
    CHECK_INT_EQ(crier_schedule_next_change(&s, &l, local_ms(2026, 11, 27, 23, 0)), local_ms(2026, 11, 30, 7, 0));
    crier_schedule_init(&s);
    CHECK_INT_EQ(crier_schedule_next_change(&s, &l, local_ms(2026, 11, 27, 23, 0)), INT64_MAX);
}

static crier_item post(const char *id, int64_t published, int64_t until)
{
    crier_item it = {.kind = CRIER_ITEM_POST, .weight = 1, .published_ms = published, .valid_until_ms = until};
    it.id = crier_strdup(id);
    it.source = crier_strdup("s");
    return it;
}

TEST(apply_and_prune)
{
    int64_t now = TEST_NOW_MS;
    crier_item_list l;
    crier_item_list_init(&l);
    crier_item a = post("a", now - 3600000, 0);          /* gets default validity: 1 day from publication */
    crier_item b = post("b", now - 3 * 86400000LL, 0);  /* published 3 days ago: already expired */
    crier_item c = post("c", 0, now + 60000);           /* own validity */
    crier_item e = {.kind = CRIER_ITEM_EVENT, .starts_ms = now - 7200000, .ends_ms = now - 3600000};
    e.id = crier_strdup("e");
    crier_item_list_take(&l, &a);
    crier_item_list_take(&l, &b);
    crier_item_list_take(&l, &c);
    crier_item_list_take(&l, &e);
    crier_schedule s;
    crier_schedule_init(&s);
    s.priority = 5;
    s.weight = 3;
    s.default_validity_ms = 86400000;
    crier_schedule_apply(&s, &l);
    CHECK_INT_EQ(l.items[0].priority, 5);
    CHECK_INT_EQ(l.items[0].weight, 3);
    CHECK_INT_EQ(l.items[0].valid_until_ms, now - 3600000 + 86400000);
    CHECK_INT_EQ(l.items[2].valid_until_ms, now + 60000);
    CHECK_INT_EQ(crier_schedule_next_change(NULL, &l, now), now + 60000);
    CHECK_INT_EQ(crier_schedule_prune(&l, now), 2); /* b expired, e ended */
    CHECK_INT_EQ(l.count, 2);
    CHECK_STR_EQ(l.items[0].id, "a");
    CHECK_STR_EQ(l.items[1].id, "c");
    /* a minute later c expires on its own, with no network */
    CHECK_INT_EQ(crier_schedule_prune(&l, now + 60000), 1);
    CHECK_INT_EQ(l.count, 1);
    crier_item_list_clear(&l);
}

TEST(weighted_pick)
{
    int64_t now = TEST_NOW_MS;
    crier_item_list l;
    crier_item_list_init(&l);
    crier_item a = post("a", 0, 0), b = post("b", 0, 0), x = post("x", 0, now - 1);
    a.weight = 3;
    b.weight = 1;
    crier_item_list_take(&l, &a);
    crier_item_list_take(&l, &b);
    crier_item_list_take(&l, &x); /* expired: never picked */
    int64_t credit[3] = {0};
    int counts[3] = {0};
    for (int i = 0; i < 400; i++) {
        size_t k = crier_schedule_pick(&l, credit, now);
        CHECK(k < 2);
        if (k < 3)
            counts[k]++;
    }
    CHECK_INT_EQ(counts[0], 300);
    CHECK_INT_EQ(counts[1], 100);
    CHECK_INT_EQ(counts[2], 0);
    crier_item_list_clear(&l);
    crier_item_list_init(&l);
    CHECK(crier_schedule_pick(&l, credit, now) == (size_t)-1);
}

TEST(stale_label)
{
    char buf[32] = "";
    int64_t ok = local_ms(2026, 11, 26, 9, 5);
    CHECK(crier_schedule_stale_label(ok, ok + 60000, ok + 3600000, 1800000, buf, sizeof buf) == 1);
    CHECK_STR_EQ(buf, "as of 09:05");
    CHECK(crier_schedule_stale_label(ok, ok + 60000, ok + 60000, 1800000, buf, sizeof buf) == 0); /* not long enough */
    CHECK(crier_schedule_stale_label(ok, ok - 1, ok + 3600000, 1800000, buf, sizeof buf) == 0);   /* recovered */
    CHECK(crier_schedule_stale_label(0, ok, ok + 3600000, 1800000, buf, sizeof buf) == 0);       /* never had content */
}

int main(void)
{
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    RUN(parse_hours);
    RUN(parse_days);
    RUN(day_parting);
    RUN(apply_and_prune);
    RUN(weighted_pick);
    RUN(stale_label);
    return check_summary();
}
