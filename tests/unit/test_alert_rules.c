/* The alert rules defined once (alerts/alert_rules.h): identity, expiry,
 * displayability and the "already seen" memory; the alert set's snapshot that
 * applies them (alerts/alert_set.h); and the render loop's alert state
 * (alerts/alert_screen.h): expiry on screen, language turns, presented
 * reports once per alert, the rotation paused under an alert. */
#include "check.h"
#include "alerts/alert_rules.h"
#include "alerts/alert_screen.h"
#include "alerts/alert_set.h"
#include "content/content.h"

#include <stdlib.h>

#define MIN_MS (60LL * 1000)
#define T0 1795687200000LL /* 2026-11-26T10:00:00Z */

/* An alert with one info block per (effective, expires) pair given. */
static crier_alert *mk_info(const char *sender, const char *id, int64_t sent, int blocks, int64_t effective,
                            int64_t expires)
{
    crier_alert *al = crier_alert_new();
    al->sender = crier_strdup(sender);
    al->identifier = crier_strdup(id);
    al->sent_ms = sent;
    al->seq = sent;
    for (int i = 0; i < blocks; i++) {
        crier_alert_info *in = crier_alert_add_info(al);
        in->event = crier_strdup("Flood");
        in->language = crier_strdup(i ? "de" : "en");
        in->severity = CRIER_SEVERITY_EXTREME;
        in->effective_ms = effective;
        in->expires_ms = expires;
    }
    return al;
}

static crier_alert *mk(const char *sender, const char *id, int64_t sent)
{
    return mk_info(sender, id, sent, 0, 0, 0);
}

TEST(identity_expiry_displayable)
{
    crier_alert *a = mk_info("city", "a", T0, 1, 0, T0 + 10 * MIN_MS), *a2 = mk("city", "a", T0),
                *later = mk("city", "a", T0 + 1), *other = mk("county", "a", T0);
    CHECK(crier_alert_same(a, a2));
    CHECK(!crier_alert_same(a, later)); /* same identifier, other sent time */
    CHECK(!crier_alert_same(a, other));
    CHECK(!crier_alert_same(a, NULL));
    /* expiry: the info's expires; none: sent + default ttl (0: never) */
    CHECK(!crier_alert_expired(a, T0 + 10 * MIN_MS - 1, 0));
    CHECK(crier_alert_expired(a, T0 + 10 * MIN_MS, 0));
    CHECK(!crier_alert_expired(a2, T0 + 1000 * MIN_MS, 0));
    CHECK(crier_alert_expired(a2, T0 + MIN_MS, MIN_MS));
    /* displayable: effective and not expired, or already on screen */
    crier_alert *future = mk_info("city", "f", T0, 1, T0 + 5 * MIN_MS, T0 + 10 * MIN_MS);
    CHECK(!crier_alert_displayable(future, T0, 0, 0));
    CHECK(crier_alert_displayable(future, T0, 0, 1)); /* a clock step back keeps it up */
    CHECK(crier_alert_displayable(future, T0 + 5 * MIN_MS, 0, 0));
    CHECK(!crier_alert_displayable(future, T0 + 10 * MIN_MS, 0, 1)); /* expired: gone, shown or not */
    CHECK(!crier_alert_displayable(NULL, T0, 0, 1));
    crier_alert_free(a);
    crier_alert_free(a2);
    crier_alert_free(later);
    crier_alert_free(other);
    crier_alert_free(future);
}

TEST(new_alerts_are_found_once)
{
    crier_alert_seen seen = {NULL, 0};
    crier_alert *a = mk("city", "a", 1000), *b = mk("city", "b", 2000), *b2 = mk("city", "b", 2000),
                *a_resent_later = mk("city", "a", 3000), *other_sender = mk("county", "a", 1000);
    unsigned char is_new[4];

    crier_alert *l1[] = {a};
    crier_alert_list list1 = {l1, 1};
    CHECK_INT_EQ(crier_alert_seen_update(&seen, &list1, is_new), 1);
    CHECK(is_new[0] == 1);
    CHECK(crier_alert_seen_has(&seen, a));
    CHECK(!crier_alert_seen_has(&seen, b));
    /* The same snapshot again (a re-send, a language turn): nothing new. */
    CHECK_INT_EQ(crier_alert_seen_update(&seen, &list1, is_new), 0);
    CHECK(is_new[0] == 0);
    /* b arrives and ranks first: only b is new. */
    crier_alert *l2[] = {b, a};
    crier_alert_list list2 = {l2, 2};
    CHECK_INT_EQ(crier_alert_seen_update(&seen, &list2, is_new), 1);
    CHECK(is_new[0] == 1 && is_new[1] == 0);
    /* An equal copy (a fresh snapshot holds copies) is not new. */
    crier_alert *l3[] = {b2, a};
    crier_alert_list list3 = {l3, 2};
    CHECK_INT_EQ(crier_alert_seen_update(&seen, &list3, NULL), 0);
    /* Same identifier, other sender or other sent time: a different alert. */
    crier_alert *l4[] = {b, a, other_sender, a_resent_later};
    crier_alert_list list4 = {l4, 4};
    CHECK_INT_EQ(crier_alert_seen_update(&seen, &list4, is_new), 2);
    CHECK(is_new[0] == 0 && is_new[1] == 0 && is_new[2] == 1 && is_new[3] == 1);
    /* Everything cancelled, then a comes back (restored): new again. */
    CHECK_INT_EQ(crier_alert_seen_update(&seen, NULL, NULL), 0);
    CHECK_INT_EQ(seen.count, 0);
    CHECK(!crier_alert_seen_has(&seen, a));
    CHECK_INT_EQ(crier_alert_seen_update(&seen, &list1, is_new), 1);
    crier_alert_list empty = {NULL, 0};
    CHECK_INT_EQ(crier_alert_seen_update(&seen, &empty, NULL), 0);
    crier_alert_seen_clear(&seen);
    crier_alert_seen_clear(&seen);
    crier_alert_seen_clear(NULL);
    CHECK(!crier_alert_seen_has(NULL, a));
    crier_alert_free(a);
    crier_alert_free(b);
    crier_alert_free(b2);
    crier_alert_free(a_resent_later);
    crier_alert_free(other_sender);
}


TEST(memory_within)
{
    crier_alert *a = mk("city", "a", 1), *b = mk("city", "b", 2);
    crier_alert *l1[] = {a}, *l2[] = {a, b};
    crier_alert_list one = {l1, 1}, two = {l2, 2};
    crier_alert_seen s1 = {NULL, 0}, s2 = {NULL, 0}, none = {NULL, 0};
    CHECK_INT_EQ(crier_alert_seen_update(&s1, &one, NULL), 1);
    CHECK_INT_EQ(crier_alert_seen_update(&s2, &two, NULL), 2);
    CHECK(crier_alert_seen_within(&s1, &s2));
    CHECK(!crier_alert_seen_within(&s2, &s1));
    CHECK(crier_alert_seen_within(&none, &s1));
    CHECK(!crier_alert_seen_within(&s1, &none));
    crier_alert_seen_clear(&s1);
    crier_alert_seen_clear(&s2);
    crier_alert_free(a);
    crier_alert_free(b);
}

static size_t snap_count(const crier_alert_set *set, int64_t now, const crier_alert_seen *on_screen)
{
    crier_alert_list *l = NULL;
    CHECK_INT_EQ(crier_alert_set_snapshot(set, now, on_screen, &l), CRIER_OK);
    size_t n = l ? l->count : 0;
    crier_alert_list_free(l);
    return n;
}

/* The set's snapshot is the one the service posts: effective alerts, and
 * alerts already on screen stay up when the clock steps back. */
TEST(set_snapshot_applies_the_rule)
{
    crier_alert_set_opts o;
    crier_alert_set_opts_default(&o);
    o.default_ttl_ms = 0;
    crier_alert_set *set = crier_alert_set_new(&o);
    crier_alert_result r;
    crier_alert_set_apply(set, mk_info("city", "f", T0, 1, T0 + 5 * MIN_MS, T0 + 10 * MIN_MS), NULL, NULL, T0, &r);
    CHECK_INT_EQ(r.verdict, CRIER_ALERT_ACCEPTED);
    crier_alert_seen shown = {NULL, 0};
    CHECK_INT_EQ(snap_count(set, T0, NULL), 0); /* not yet effective */
    CHECK(!crier_alert_set_snapshot_changed(set, T0, &shown));
    CHECK(crier_alert_set_snapshot_changed(set, T0 + 5 * MIN_MS, &shown));
    crier_alert_list *l = NULL;
    CHECK_INT_EQ(crier_alert_set_snapshot(set, T0 + 5 * MIN_MS, &shown, &l), CRIER_OK);
    CHECK_INT_EQ(l->count, 1);
    CHECK_INT_EQ(crier_alert_seen_update(&shown, l, NULL), 1);
    crier_alert_list_free(l);
    /* the clock steps back to before its effective time: it stays */
    CHECK_INT_EQ(snap_count(set, T0, &shown), 1);
    CHECK(!crier_alert_set_snapshot_changed(set, T0, &shown));
    CHECK_INT_EQ(snap_count(set, T0, NULL), 0);
    /* expired: gone, on screen or not */
    CHECK(crier_alert_set_snapshot_changed(set, T0 + 10 * MIN_MS, &shown));
    CHECK_INT_EQ(snap_count(set, T0 + 10 * MIN_MS, &shown), 0);
    crier_alert_seen_clear(&shown);
    crier_alert_set_free(set);
}

typedef struct reports {
    int snapshots, alerts;
    char key[32], last[64];
} reports;

static void on_snapshot(void *ud, const char *key, int64_t presented_ms)
{
    reports *r = ud;
    r->snapshots++;
    snprintf(r->key, sizeof r->key, "%s", key);
    (void)presented_ms;
}

static void on_alert(void *ud, const crier_alert *al, int64_t presented_ms)
{
    reports *r = ud;
    r->alerts++;
    snprintf(r->last, sizeof r->last, "%s", al->identifier);
    (void)presented_ms;
}

static crier_alert_list *list_of(crier_alert *a, crier_alert *b)
{
    crier_alert_list *l = calloc(1, sizeof *l);
    l->items = calloc(2, sizeof *l->items);
    if (a)
        l->items[l->count++] = a;
    if (b)
        l->items[l->count++] = b;
    return l;
}

TEST(screen_expiry_languages_reports)
{
    crier_alert_screen_cfg cfg = {0, 1000, NULL};
    crier_alert_screen *s = crier_alert_screen_new(&cfg);
    CHECK(s != NULL);
    CHECK(!crier_alert_screen_active(s));
    CHECK(!crier_alert_screen_active(NULL));
    CHECK(crier_alert_screen_list(s) == NULL);
    CHECK_INT_EQ(crier_alert_screen_deadline(s, T0, 0), INT64_MAX);

    crier_alert *a = mk_info("city", "a", T0, 2, 0, T0 + 10 * MIN_MS), *b = mk_info("city", "b", T0, 1, 0, T0 + MIN_MS);
    crier_alert_screen_take(s, list_of(a, b), "7", 0);
    CHECK(crier_alert_screen_active(s));
    CHECK_INT_EQ(crier_alert_screen_list(s)->count, 2);
    CHECK_INT_EQ(crier_alert_screen_language(s), 0);
    CHECK_INT_EQ(crier_alert_screen_tick(s, T0, 999), 0);
    CHECK_INT_EQ(crier_alert_screen_deadline(s, T0, 999), 1000); /* the language turn comes first */
    CHECK_INT_EQ(crier_alert_screen_tick(s, T0, 1000), 1);
    CHECK_INT_EQ(crier_alert_screen_language(s), 1);
    CHECK_INT_EQ(crier_alert_screen_deadline(s, T0, 1000), 2000);

    /* presented: the snapshot once, each alert once */
    reports rep = {0};
    crier_alert_screen_report r = {on_snapshot, on_alert, &rep};
    crier_alert_screen_presented(s, T0, &r);
    CHECK_INT_EQ(rep.snapshots, 1);
    CHECK_STR_EQ(rep.key, "7");
    CHECK_INT_EQ(rep.alerts, 2);
    crier_alert_screen_presented(s, T0 + 1, &r);
    CHECK_INT_EQ(rep.snapshots, 1);
    CHECK_INT_EQ(rep.alerts, 2);

    /* b expires on the kiosk's clock, without a new snapshot */
    CHECK_INT_EQ(crier_alert_screen_tick(s, T0 + MIN_MS, 1500), 1);
    CHECK_INT_EQ(crier_alert_screen_list(s)->count, 1);
    CHECK_INT_EQ(crier_alert_screen_deadline(s, T0 + MIN_MS, 1500), 2000);

    /* a new snapshot with a copy of a and a new c: only c is reported */
    crier_alert *a2 = crier_alert_copy(crier_alert_screen_list(s)->items[0]), *c = mk("city", "c", T0 + 5);
    crier_alert_screen_take(s, list_of(a2, c), "8", 2000);
    crier_alert_screen_presented(s, T0 + 2, &r);
    CHECK_INT_EQ(rep.snapshots, 2);
    CHECK_STR_EQ(rep.key, "8");
    CHECK_INT_EQ(rep.alerts, 3);
    CHECK_STR_EQ(rep.last, "c");

    /* all gone: an empty snapshot is reported too (receipts of a Cancel) */
    crier_alert_screen_take(s, NULL, "9", 3000);
    CHECK(!crier_alert_screen_active(s));
    crier_alert_screen_presented(s, T0 + 3, &r);
    CHECK_INT_EQ(rep.snapshots, 3);
    CHECK_INT_EQ(rep.alerts, 3);
    crier_alert_screen_free(s);
    crier_alert_screen_free(NULL);
    crier_alert_screen_take(NULL, list_of(mk("x", "y", 1), NULL), "1", 0); /* freed, not leaked */
}

TEST(screen_pauses_the_rotation)
{
    crier_alert_screen *s = crier_alert_screen_new(NULL);
    /* no alert: the slot is untouched */
    CHECK_INT_EQ(crier_alert_screen_slot_end(s, 100, 600, 1000, 1), 600);
    /* an alert comes with 500 ms of the slot left ... */
    crier_alert_screen_take(s, list_of(mk("city", "a", T0), NULL), "1", 100);
    CHECK_INT_EQ(crier_alert_screen_slot_end(s, 100, 600, 1000, 1), 600);
    CHECK_INT_EQ(crier_alert_screen_slot_end(s, 4000, 600, 1000, 1), 600); /* paused: no change while it stays */
    /* ... and goes: the post gets max(its 500 ms, min(slot, 2 s)) back */
    crier_alert_screen_take(s, NULL, "2", 5000);
    CHECK_INT_EQ(crier_alert_screen_slot_end(s, 5000, 600, 1000, 1), 6000);
    /* a long slot: 2 s at least */
    crier_alert_screen_take(s, list_of(mk("city", "a", T0), NULL), "3", 6000);
    CHECK_INT_EQ(crier_alert_screen_slot_end(s, 6000, 6100, 20000, 1), 6100);
    crier_alert_screen_take(s, NULL, "4", 9000);
    CHECK_INT_EQ(crier_alert_screen_slot_end(s, 9000, 6100, 20000, 1), 9000 + CRIER_ALERT_RESUME_MIN_MS);
    /* a new post took the slot under the alert */
    crier_alert_screen_take(s, list_of(mk("city", "a", T0), NULL), "5", 10000);
    CHECK_INT_EQ(crier_alert_screen_slot_end(s, 10000, 11000, 5000, 1), 11000);
    crier_alert_screen_take(s, NULL, "6", 12000);
    CHECK_INT_EQ(crier_alert_screen_slot_end(s, 12000, 30000, 5000, 1), 30000);
    /* nothing on screen under the alert, or no slot running: as before */
    crier_alert_screen_take(s, list_of(mk("city", "a", T0), NULL), "7", 13000);
    CHECK_INT_EQ(crier_alert_screen_slot_end(s, 13000, INT64_MAX, 0, 0), INT64_MAX);
    crier_alert_screen_take(s, NULL, "8", 14000);
    CHECK_INT_EQ(crier_alert_screen_slot_end(s, 14000, INT64_MAX, 0, 0), INT64_MAX);
    crier_alert_screen_free(s);
}

TEST(retain_expiry_outlives_the_alert_by_the_grace)
{
    int64_t now = 1700000000000;
    CHECK_INT_EQ(crier_alert_retain_expiry_s(now + 600 * 1000, now), 600 + CRIER_ALERT_RETAIN_GRACE_S);
    CHECK_INT_EQ(crier_alert_retain_expiry_s(now - 5000 * 1000, now), CRIER_ALERT_RETAIN_GRACE_S); /* expired */
    CHECK_INT_EQ(crier_alert_retain_expiry_s(INT64_MAX, now), 0);                              /* no expiry */
    CHECK_INT_EQ(crier_alert_retain_expiry_s(0, now), 0);
    CHECK_INT_EQ(crier_alert_retain_expiry_s(now + 401LL * 86400 * 1000, now), 0); /* too far: kept */
}

int main(void)
{
    RUN(identity_expiry_displayable);
    RUN(new_alerts_are_found_once);
    RUN(memory_within);
    RUN(set_snapshot_applies_the_rule);
    RUN(screen_expiry_languages_reports);
    RUN(screen_pauses_the_rotation);
    RUN(retain_expiry_outlives_the_alert_by_the_grace);
    return check_summary();
}
