/* test_feed_ical.c - iCalendar events: zones, all-day, recurrences, cancellations,
 * broken lines and runaway rules. */
#include "check.h"
#include "feed_testutil.h"

#include "core/feed.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static crier_feed_opts opts(void)
{
    crier_feed_opts o;
    crier_feed_opts_init(&o);
    o.source = "agenda";
    o.now_ms = TEST_NOW_MS; /* Thu 2026-11-26T08:00:00Z */
    return o;
}

static crier_err parse_fixture(const char *name, const crier_feed_opts *o, crier_item_list *l, char *err,
                               size_t err_len)
{
    size_t len;
    char *buf = fixture(name, &len);
    crier_err rc = crier_feed_parse_ical(buf, len, o, l, err, err_len);
    free(buf);
    return rc;
}

TEST(events)
{
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    CHECK_INT_EQ(parse_fixture("events.ics", &o, &l, err, sizeof err), CRIER_OK);
    for (size_t i = 0; i < l.count; i++) {
        char a[32];
        crier_format_utc_ms(l.items[i].starts_ms, a, sizeof a);
        fprintf(stderr, "    %s %s | %s\n", a, l.items[i].id, l.items[i].title);
    }
    CHECK_INT_EQ(l.count, 9);
    /* sorted by start; in-progress event first */
    CHECK(l.count > 0 && !strcmp(l.items[0].id, "now@montbrun.example"));
    for (size_t i = 1; i < l.count; i++)
        CHECK(l.items[i - 1].starts_ms <= l.items[i].starts_ms);
    for (size_t i = 0; i < l.count; i++) {
        CHECK_INT_EQ(l.items[i].kind, CRIER_ITEM_EVENT);
        CHECK_STR_EQ(l.items[i].source, "agenda");
        CHECK(crier_item_is_current(&l.items[i], o.now_ms));
    }
    const crier_item *c = find_item(&l, "council-2026-12@montbrun.example");
    CHECK(c != NULL);
    if (c) {
        CHECK_STR_EQ(c->title, "Council meeting, public session");
        CHECK_STR_EQ(c->location, "Town hall, room 2");
        CHECK_STR_EQ(c->body, "Agenda:\n1. Budget\n2. Snow plan");
        CHECK_STR_EQ(c->link, "https://montbrun.example/council");
        CHECK_INT_EQ(c->starts_ms, 1796146200000LL); /* 17:30Z (CET +1) */
        CHECK_INT_EQ(c->ends_ms, 1796153400000LL);
        CHECK_INT_EQ(c->valid_until_ms, c->ends_ms);
    }
    /* all-day, local midnight to local midnight (TZ=UTC in this test) */
    const crier_item *m = find_item(&l, "market-2026@montbrun.example");
    CHECK(m && m->starts_ms == 1796428800000LL && m->ends_ms == 1796601600000LL);
    /* TZID without VTIMEZONE: built-in zone database */
    const crier_item *t = find_item(&l, "twinning@montbrun.example");
    CHECK(t && t->starts_ms == 1796317200000LL); /* 12:00 EST = 17:00Z */
    /* daily COUNT=5 from Nov 28 with Dec 1 cancelled by a RECURRENCE-ID override */
    CHECK(find_item(&l, "recycling@montbrun.example@20261128T090000Z") != NULL);
    CHECK(find_item(&l, "recycling@montbrun.example@20261130T090000Z") != NULL);
    CHECK(find_item(&l, "recycling@montbrun.example@20261201T090000Z") == NULL);
    const crier_item *r = find_item(&l, "recycling@montbrun.example@20261202T090000Z");
    CHECK(r && r->ends_ms - r->starts_ms == 8LL * 3600 * 1000);
    /* weekly rule: Dec 2 excluded by EXDATE, Dec 9 replaced by its override (moved, new location) */
    CHECK(find_item(&l, "story-hour@montbrun.example@20261202T150000Z") == NULL);
    const crier_item *s = find_item(&l, "story-hour@montbrun.example@20261209T150000Z");
    CHECK(s != NULL);
    if (s) {
        CHECK_STR_EQ(s->title, "Library story hour (moved)");
        CHECK_STR_EQ(s->location, "Community centre");
        CHECK_INT_EQ(s->starts_ms, 1796832000000LL); /* 17:00 CET */
    }
    /* dropped: cancelled, past, beyond the window */
    CHECK(find_item(&l, "concert@montbrun.example") == NULL);
    CHECK(find_item(&l, "past@montbrun.example") == NULL);
    CHECK(find_item(&l, "spring@montbrun.example") == NULL);
    /* ids are stable across refreshes */
    crier_item_list l2;
    crier_item_list_init(&l2);
    o.now_ms += 1800 * 1000; /* half an hour later: the same set */
    CHECK_INT_EQ(parse_fixture("events.ics", &o, &l2, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l2.count, 9);
    for (size_t i = 0; i < l2.count && i < l.count; i++)
        CHECK_STR_EQ(l2.items[i].id, l.items[i].id);
    crier_item_list_clear(&l2);
    /* a day later the in-progress event and the first recycling day are gone */
    o.now_ms = TEST_NOW_MS + 3LL * 24 * 3600 * 1000;
    CHECK_INT_EQ(parse_fixture("events.ics", &o, &l2, err, sizeof err), CRIER_OK);
    CHECK(find_item(&l2, "now@montbrun.example") == NULL);
    CHECK(find_item(&l2, "recycling@montbrun.example@20261128T090000Z") == NULL);
    CHECK(find_item(&l2, "recycling@montbrun.example@20261129T090000Z") != NULL);
    crier_item_list_clear(&l2);
    crier_item_list_clear(&l);
}

TEST(max_items_keeps_soonest)
{
    crier_feed_opts o = opts();
    o.max_items = 3;
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    CHECK_INT_EQ(parse_fixture("events.ics", &o, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, 3);
    CHECK(l.count == 3 && !strcmp(l.items[0].id, "now@montbrun.example"));
    crier_item_list_clear(&l);
}

TEST(broken_lines)
{
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    CHECK_INT_EQ(parse_fixture("broken_line.ics", &o, &l, err, sizeof err), CRIER_OK);
    /* the good event survives, the one without a usable DTSTART is dropped;
     * the event with junk lines keeps its valid properties */
    CHECK(find_item(&l, "good@x") != NULL);
    CHECK(find_item(&l, "bad-start@x") == NULL);
    for (size_t i = 0; i < l.count; i++) {
        CHECK(utf8_valid(l.items[i].title));
        CHECK(utf8_valid(l.items[i].body));
    }
    crier_item_list_clear(&l);
}

TEST(hundred_thousand_recurrences)
{
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    long rss0 = peak_rss_kb();
    int64_t t0 = crier_mono_ms();
    CHECK_INT_EQ(parse_fixture("many_recurrences.ics", &o, &l, err, sizeof err), CRIER_OK);
    int64_t dt = crier_mono_ms() - t0;
    fprintf(stderr, "    100000-recurrence file: %lld ms, %zu items\n", (long long)dt, l.count);
    CHECK(dt < 3000);
    CHECK(peak_rss_kb() - rss0 < 32 * 1024);
    /* the minutely rule is capped at max_instances; the secondly rule from 2000 ends
     * long before now (COUNT) and the 1900 rule is bounded by max_recur_steps. */
    size_t minutely = 0;
    for (size_t i = 0; i < l.count; i++)
        minutely += strncmp(l.items[i].id, "minutely@x@", 11) == 0;
    CHECK_INT_EQ(minutely, o.max_instances);
    CHECK(l.count <= o.max_items);
    crier_item_list_clear(&l);
}

TEST(not_ical)
{
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    const char *html = "<html>nope</html>";
    CHECK_INT_EQ(crier_feed_parse_ical(html, strlen(html), &o, &l, err, sizeof err), CRIER_ERR_PARSE);
    CHECK(strstr(err, "not an iCalendar document") != NULL);
    const char *trunc = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:t@x\r\nDTSTART:20261201T1000";
    crier_err rc = crier_feed_parse_ical(trunc, strlen(trunc), &o, &l, err, sizeof err);
    CHECK(rc == CRIER_OK || rc == CRIER_ERR_PARSE);
    CHECK_INT_EQ(l.count, 0);
    const char nul[] = "BEGIN:VCALENDAR\r\nX\0Y\r\nEND:VCALENDAR\r\n";
    CHECK_INT_EQ(crier_feed_parse_ical(nul, sizeof nul - 1, &o, &l, err, sizeof err), CRIER_ERR_PARSE);
    crier_item_list_clear(&l);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    RUN(events);
    RUN(max_items_keeps_soonest);
    RUN(broken_lines);
    RUN(hundred_thousand_recurrences);
    RUN(not_ical);
    return check_summary();
}
