/* test_parse_child.c - the feed parse in a child with a deadline (feeds/parse_child.h):
 * every fixture gives the same items in the child as in this process; a calendar
 * that made libical loop is cut off at the deadline, the error names the rule
 * and its event, and no child is left behind; the child's log lines arrive. */
#include "../unit/check.h"
#include "../unit/feed_testutil.h"

#include "base/log.h"
#include "feeds/feed.h"
#include "feeds/parse_child.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

static crier_feed_opts opts(void)
{
    return feed_opts("src"); /* at TEST_NOW_MS: 2026-11-26T08:00:00Z */
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_item(const crier_item *a, const crier_item *b)
{
    return a->kind == b->kind && same_str(a->id, b->id) && same_str(a->source, b->source) &&
           same_str(a->title, b->title) && same_str(a->body, b->body) && same_str(a->link, b->link) &&
           same_str(a->image, b->image) && same_str(a->location, b->location) && same_str(a->lang, b->lang) &&
           a->starts_ms == b->starts_ms && a->ends_ms == b->ends_ms && a->valid_from_ms == b->valid_from_ms &&
           a->valid_until_ms == b->valid_until_ms && a->published_ms == b->published_ms &&
           a->duration_ms == b->duration_ms && a->priority == b->priority && a->weight == b->weight;
}

static int no_child_left(void)
{
    return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

TEST(child_gives_the_same_items)
{
    static const struct {
        const char *name;
        crier_feed_type type;
    } fx[] = {{"rss2.xml", CRIER_FEED_RSS},           {"atom.xml", CRIER_FEED_ATOM},
              {"jsonfeed.json", CRIER_FEED_JSONFEED}, {"mastodon.json", CRIER_FEED_MASTODON},
              {"events.ics", CRIER_FEED_ICAL},        {"many_recurrences.ics", CRIER_FEED_ICAL},
              {"truncated.xml", CRIER_FEED_RSS},      {"invalid_utf8.json", CRIER_FEED_JSONFEED}};
    for (size_t k = 0; k < sizeof fx / sizeof *fx; k++) {
        size_t len;
        char *buf = fixture(fx[k].name, &len);
        crier_feed_opts o = opts();
        crier_item_list a, b;
        crier_item_list_init(&a);
        crier_item_list_init(&b);
        char ea[256] = "", eb[256] = "";
        crier_err ra = crier_feed_parse(fx[k].type, buf, len, &o, &a, ea, sizeof ea);
        crier_err rb = crier_feed_parse_isolated(fx[k].type, buf, len, &o, 5000, &b, eb, sizeof eb);
        fprintf(stderr, "    %-22s in-process %d (%zu items) child %d (%zu items) %s\n", fx[k].name, ra, a.count, rb,
                b.count, eb);
        CHECK_INT_EQ(rb, ra);
        CHECK_STR_EQ(eb, ea);
        CHECK_INT_EQ(b.count, a.count);
        for (size_t i = 0; i < a.count && i < b.count; i++)
            CHECK(same_item(&a.items[i], &b.items[i]));
        if (ra == CRIER_OK && strstr(fx[k].name, "events"))
            CHECK(a.count > 0);
        crier_item_list_clear(&a);
        crier_item_list_clear(&b);
        free(buf);
    }
    CHECK(no_child_left());
}

static char logged[8][400];
static int n_logged;
static void sink(crier_log_level level, const char *component, const char *msg, void *ud)
{
    (void)level, (void)component, (void)ud;
    if (n_logged < 8)
        snprintf(logged[n_logged++], sizeof logged[0], "%s", msg);
}

TEST(looping_calendar_is_cut_off_at_the_deadline)
{
    size_t len;
    char *buf = fixture("looping_rules.ics", &len);
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    crier_item keep = {.kind = CRIER_ITEM_POST, .id = crier_strdup("already-there")};
    CHECK_INT_EQ(crier_item_list_take(&l, &keep), CRIER_OK);
    char err[400] = "";
    n_logged = 0;
    crier_log_set_sink(sink, NULL);
    int64_t t0 = crier_mono_ms();
    crier_err rc = crier_feed_parse_isolated(CRIER_FEED_ICAL, buf, len, &o, 300, &l, err, sizeof err);
    int64_t took = crier_mono_ms() - t0;
    crier_log_set_sink(NULL, NULL);
    fprintf(stderr, "    %lld ms: %s\n", (long long)took, err);
    CHECK_INT_EQ(rc, CRIER_ERR_TIMEOUT);
    CHECK(took >= 300 && took < 1500);
    CHECK(strstr(err, "parse cut off after") != NULL);
    CHECK(strstr(err, "RRULE:FREQ=MONTHLY;BYDAY=5MO;BYMONTHDAY=1") != NULL);
    CHECK(strstr(err, "of event \"fifth-monday-on-the-1st-") != NULL);
    CHECK_INT_EQ(l.count, 1); /* the list is left as it was */
    CHECK(no_child_left());
    /* the child's own log lines (the rules it refused before the slow ones) reached this process */
    int saw_never = 0;
    for (int i = 0; i < n_logged; i++)
        saw_never |= strstr(logged[i], "feb30-hourly@crier.test") && strstr(logged[i], "can never match");
    CHECK(saw_never);
    crier_item_list_clear(&l);
    free(buf);
}

TEST(in_process_without_timeout)
{
    const char *cal = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART:20261127T090000Z\r\nSUMMARY:S\r\n"
                      "END:VEVENT\r\nEND:VCALENDAR\r\n";
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[200] = "";
    CHECK_INT_EQ(crier_feed_parse_isolated(CRIER_FEED_ICAL, cal, strlen(cal), &o, 0, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, 1);
    crier_item_list_clear(&l);
    /* a parse error travels back with its message */
    CHECK_INT_EQ(crier_feed_parse_isolated(CRIER_FEED_ICAL, "nope", 4, &o, 2000, &l, err, sizeof err), CRIER_ERR_PARSE);
    CHECK(strstr(err, "not an iCalendar document") != NULL);
    CHECK_INT_EQ(l.count, 0);
}

int main(void)
{
    RUN(child_gives_the_same_items);
    RUN(looping_calendar_is_cut_off_at_the_deadline);
    RUN(in_process_without_timeout);
    return check_summary();
}
