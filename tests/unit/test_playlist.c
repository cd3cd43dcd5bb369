/* test_playlist.c - content store and rotation order (content/playlist.c). */
#include "content/playlist.h"
#include "check.h"

#include <stdint.h>
#include <stdlib.h>

#define NOW 1800000000000LL /* a fixed wall time (2027-01-15) */
#define MIN 60000LL

static crier_item mk(crier_item_kind kind, const char *source, const char *id, int priority)
{
    crier_item it = {.kind = kind, .priority = priority, .weight = 1};
    it.source = crier_strdup(source);
    it.id = crier_strdup(id);
    it.title = crier_strdup(id);
    return it;
}

static void add(crier_playlist *pl, crier_item it)
{
    crier_err rc = crier_playlist_upsert(pl, &it);
    CHECK_INT_EQ(rc, CRIER_OK);
    CHECK(it.id == NULL); /* taken */
}

/* The ids of the rotation starting from the first post, n steps. */
static void rotation(const crier_playlist *pl, int64_t now, int n, char *out, size_t out_len)
{
    out[0] = '\0';
    const crier_item *cur = NULL;
    for (int i = 0; i < n; i++) {
        cur = crier_playlist_next_post(pl, cur ? cur->source : NULL, cur ? cur->id : NULL, now);
        if (!cur) {
            strncat(out, "-", out_len - strlen(out) - 1);
            break;
        }
        if (i)
            strncat(out, " ", out_len - strlen(out) - 1);
        strncat(out, cur->id, out_len - strlen(out) - 1);
    }
}

TEST(empty)
{
    crier_playlist pl;
    crier_playlist_init(&pl);
    CHECK(crier_playlist_next_post(&pl, NULL, NULL, NOW) == NULL);
    CHECK(crier_playlist_next_post(&pl, "a", "b", NOW) == NULL);
    const crier_item *ev[4];
    CHECK_INT_EQ(crier_playlist_events(&pl, NOW, ev, 4), 0);
    CHECK_INT_EQ(crier_playlist_ticker(&pl, NOW, ev, 4), 0);
    CHECK_INT_EQ(crier_playlist_post_count(&pl, NOW), 0);
    CHECK(crier_playlist_next_change(&pl, NOW) == INT64_MAX);
    crier_playlist_free(&pl);
}

TEST(order_priority_then_arrival)
{
    crier_playlist pl;
    crier_playlist_init(&pl);
    add(&pl, mk(CRIER_ITEM_POST, "s", "a", 0));
    add(&pl, mk(CRIER_ITEM_POST, "s", "b", 5));
    add(&pl, mk(CRIER_ITEM_POST, "t", "c", 0));
    add(&pl, mk(CRIER_ITEM_TICKER, "s", "tick", 50)); /* not a post: never in the rotation */
    add(&pl, mk(CRIER_ITEM_POST, "s", "d", 5));
    add(&pl, mk(CRIER_ITEM_POST, "s", "e", -1));
    char got[128];
    /* b, d (priority 5, by arrival), a, c (0), e (-1), then wrap around to b. */
    rotation(&pl, NOW, 7, got, sizeof got);
    CHECK_STR_EQ(got, "b d a c e b d");
    CHECK_INT_EQ(crier_playlist_post_count(&pl, NOW), 5);
    /* After a post that no longer exists: restart at the top. */
    const crier_item *n = crier_playlist_next_post(&pl, "s", "gone", NOW);
    CHECK(n && strcmp(n->id, "b") == 0);
    /* Same id in another source is a different post. */
    n = crier_playlist_next_post(&pl, "t", "a", NOW);
    CHECK(n && strcmp(n->id, "b") == 0);
    n = crier_playlist_next_post(&pl, "s", "a", NOW);
    CHECK(n && strcmp(n->id, "c") == 0);
    crier_playlist_free(&pl);
}

TEST(single_post_repeats)
{
    crier_playlist pl;
    crier_playlist_init(&pl);
    add(&pl, mk(CRIER_ITEM_POST, "s", "only", 0));
    char got[64];
    rotation(&pl, NOW, 3, got, sizeof got);
    CHECK_STR_EQ(got, "only only only");
    crier_playlist_free(&pl);
}

TEST(validity_windows)
{
    crier_playlist pl;
    crier_playlist_init(&pl);
    crier_item a = mk(CRIER_ITEM_POST, "s", "a", 0);
    crier_item expired = mk(CRIER_ITEM_POST, "s", "expired", 0);
    expired.valid_until_ms = NOW - 1;
    crier_item future = mk(CRIER_ITEM_POST, "s", "future", 0);
    future.valid_from_ms = NOW + 10 * MIN;
    crier_item window = mk(CRIER_ITEM_POST, "s", "window", 0);
    window.valid_from_ms = NOW - MIN;
    window.valid_until_ms = NOW + 5 * MIN;
    add(&pl, a);
    add(&pl, expired);
    add(&pl, future);
    add(&pl, window);
    char got[128];
    rotation(&pl, NOW, 3, got, sizeof got);
    CHECK_STR_EQ(got, "a window a");
    CHECK_INT_EQ(crier_playlist_post_count(&pl, NOW), 2);
    /* The next change is the end of "window". */
    CHECK_INT_EQ(crier_playlist_next_change(&pl, NOW), NOW + 5 * MIN);
    rotation(&pl, NOW + 5 * MIN, 3, got, sizeof got);
    CHECK_STR_EQ(got, "a a a");
    CHECK_INT_EQ(crier_playlist_next_change(&pl, NOW + 5 * MIN), NOW + 10 * MIN);
    rotation(&pl, NOW + 10 * MIN, 3, got, sizeof got);
    CHECK_STR_EQ(got, "a future a");
    CHECK(crier_playlist_next_change(&pl, NOW + 10 * MIN) == INT64_MAX);
    /* From the expired post the rotation goes on with the next current one. */
    const crier_item *n = crier_playlist_next_post(&pl, "s", "expired", NOW);
    CHECK(n && strcmp(n->id, "window") == 0);
    /* Nothing current at all. */
    crier_playlist_retract(&pl, "s", "a");
    crier_playlist_retract(&pl, "s", "window");
    CHECK(crier_playlist_next_post(&pl, NULL, NULL, NOW) == NULL);
    crier_playlist_free(&pl);
}

TEST(replace_source)
{
    crier_playlist pl;
    crier_playlist_init(&pl);
    add(&pl, mk(CRIER_ITEM_POST, "feed", "old1", 0));
    add(&pl, mk(CRIER_ITEM_POST, "mqtt", "keep", 0));
    add(&pl, mk(CRIER_ITEM_POST, "feed", "old2", 0));
    uint64_t v = pl.version;
    crier_item_list l;
    crier_item_list_init(&l);
    crier_item n1 = mk(CRIER_ITEM_POST, "feed", "new1", 0);
    crier_item n2 = mk(CRIER_ITEM_EVENT, "wrong-name", "new2", 0); /* source rewritten */
    n2.starts_ms = NOW + MIN;
    crier_item n3 = {.kind = CRIER_ITEM_TICKER, .id = crier_strdup("t")}; /* no source */
    crier_item_list_take(&l, &n1);
    crier_item_list_take(&l, &n2);
    crier_item_list_take(&l, &n3);
    CHECK_INT_EQ(crier_playlist_replace_source(&pl, "feed", &l), CRIER_OK);
    CHECK(pl.version > v);
    CHECK_INT_EQ(l.count, 0);
    CHECK_INT_EQ(pl.items.count, 4);
    CHECK(crier_playlist_find(&pl, "feed", "old1") == NULL);
    CHECK(crier_playlist_find(&pl, "feed", "old2") == NULL);
    CHECK(crier_playlist_find(&pl, "mqtt", "keep") != NULL);
    CHECK(crier_playlist_find(&pl, "feed", "new1") != NULL);
    CHECK(crier_playlist_find(&pl, "feed", "new2") != NULL);
    CHECK(crier_playlist_find(&pl, "feed", "t") != NULL);
    crier_item_list_clear(&l);
    /* An empty list removes the source. */
    crier_item_list_init(&l);
    CHECK_INT_EQ(crier_playlist_replace_source(&pl, "feed", &l), CRIER_OK);
    CHECK_INT_EQ(pl.items.count, 1);
    crier_item_list_clear(&l);
    crier_playlist_free(&pl);
}

TEST(upsert_and_retract)
{
    crier_playlist pl;
    crier_playlist_init(&pl);
    add(&pl, mk(CRIER_ITEM_POST, "mqtt", "p1", 0));
    add(&pl, mk(CRIER_ITEM_POST, "mqtt", "p2", 0));
    add(&pl, mk(CRIER_ITEM_POST, "other", "p1", 0));
    CHECK_INT_EQ(pl.items.count, 3);
    uint64_t v = pl.version;
    crier_item repl = mk(CRIER_ITEM_POST, "mqtt", "p1", 9);
    free(repl.title);
    repl.title = crier_strdup("updated");
    add(&pl, repl);
    CHECK(pl.version > v);
    CHECK_INT_EQ(pl.items.count, 3); /* replaced in place, not added */
    const crier_item *f = crier_playlist_find(&pl, "mqtt", "p1");
    CHECK(f && strcmp(f->title, "updated") == 0 && f->priority == 9);
    f = crier_playlist_find(&pl, "other", "p1");
    CHECK(f && strcmp(f->title, "p1") == 0); /* other source untouched */
    /* Priority changed: p1 now first. */
    const crier_item *n = crier_playlist_next_post(&pl, NULL, NULL, NOW);
    CHECK(n && strcmp(n->source, "mqtt") == 0 && strcmp(n->id, "p1") == 0);

    v = pl.version;
    CHECK_INT_EQ(crier_playlist_retract(&pl, "mqtt", "p1"), 1);
    CHECK(pl.version > v);
    CHECK_INT_EQ(crier_playlist_retract(&pl, "mqtt", "p1"), 0);
    CHECK_INT_EQ(crier_playlist_retract(&pl, "nobody", "p2"), 0);
    CHECK_INT_EQ(pl.items.count, 2);
    CHECK(crier_playlist_find(&pl, "mqtt", "p1") == NULL);
    CHECK(crier_playlist_find(&pl, "mqtt", "p2") != NULL);
    CHECK(crier_playlist_find(&pl, "other", "p1") != NULL);
    crier_playlist_free(&pl);
}

TEST(events_sorted_and_past_dropped)
{
    crier_playlist pl;
    crier_playlist_init(&pl);
    static const struct {
        const char *id;
        int64_t starts, ends;
    } ev[] = {
        {"later", NOW + 300 * MIN, 0},
        {"past", NOW - 120 * MIN, NOW - 60 * MIN},
        {"soon", NOW + 10 * MIN, NOW + 70 * MIN},
        {"running", NOW - 30 * MIN, NOW + 30 * MIN}, /* started, not ended: still listed */
        {"started-no-end", NOW - MIN, 0},            /* no end: gone once started */
        {"middle", NOW + 60 * MIN, NOW + 90 * MIN},
    };
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++) {
        crier_item it = mk(CRIER_ITEM_EVENT, "cal", ev[i].id, 0);
        it.starts_ms = ev[i].starts;
        it.ends_ms = ev[i].ends;
        add(&pl, it);
    }
    add(&pl, mk(CRIER_ITEM_POST, "cal", "not-an-event", 0));
    const crier_item *out[8];
    int n = crier_playlist_events(&pl, NOW, out, 8);
    CHECK_INT_EQ(n, 4);
    if (n == 4) {
        CHECK_STR_EQ(out[0]->id, "running");
        CHECK_STR_EQ(out[1]->id, "soon");
        CHECK_STR_EQ(out[2]->id, "middle");
        CHECK_STR_EQ(out[3]->id, "later");
    }
    /* max caps the count, keeping the soonest. */
    n = crier_playlist_events(&pl, NOW, out, 2);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK_STR_EQ(out[0]->id, "running");
        CHECK_STR_EQ(out[1]->id, "soon");
    }
    CHECK_INT_EQ(crier_playlist_events(&pl, NOW, out, 0), 0);
    /* The next change is when "running" ends. */
    CHECK_INT_EQ(crier_playlist_next_change(&pl, NOW), NOW + 30 * MIN);
    n = crier_playlist_events(&pl, NOW + 30 * MIN, out, 8);
    CHECK_INT_EQ(n, 3);
    CHECK_INT_EQ(crier_playlist_next_change(&pl, NOW + 30 * MIN), NOW + 70 * MIN);
    crier_playlist_free(&pl);
}

TEST(ticker)
{
    crier_playlist pl;
    crier_playlist_init(&pl);
    add(&pl, mk(CRIER_ITEM_TICKER, "demo", "t0", 0));
    crier_item old = mk(CRIER_ITEM_TICKER, "demo", "t1", 0);
    old.valid_until_ms = NOW;
    add(&pl, old);
    add(&pl, mk(CRIER_ITEM_POST, "demo", "p", 0));
    add(&pl, mk(CRIER_ITEM_TICKER, "demo", "t2", 0));
    add(&pl, mk(CRIER_ITEM_TICKER, "demo", "t3", 0));
    const crier_item *out[8];
    int n = crier_playlist_ticker(&pl, NOW, out, 8);
    CHECK_INT_EQ(n, 3);
    if (n == 3) {
        CHECK_STR_EQ(out[0]->id, "t0");
        CHECK_STR_EQ(out[1]->id, "t2");
        CHECK_STR_EQ(out[2]->id, "t3");
    }
    CHECK_INT_EQ(crier_playlist_ticker(&pl, NOW, out, 2), 2);
    CHECK_INT_EQ(crier_playlist_ticker(&pl, NOW - 1, out, 8), 4);
    crier_playlist_free(&pl);
}

int main(void)
{
    RUN(empty);
    RUN(order_priority_then_arrival);
    RUN(single_post_repeats);
    RUN(validity_windows);
    RUN(replace_source);
    RUN(upsert_and_retract);
    RUN(events_sorted_and_past_dropped);
    RUN(ticker);
    return check_summary();
}
