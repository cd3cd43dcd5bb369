/* alert_set.c - the active alert set, its replay memory and the rules that
 * change it (persistence: alert_set_store.c).
 *
 * Design: three small arrays, all bounded.
 *   active  - accepted alerts, kept sorted in display order (crier_alert_compare)
 *   seen    - (sender, identifier, state) of every message accepted and of every
 *             identifier a Cancel/Update referenced, FIFO-bounded by max_seen
 *   senders - the last accepted seq per sender, bounded by max_senders (the
 *             least recently updated sender is forgotten first)
 * The sequence memory is what makes replay protection independent of the clock:
 * once an alert expired or was cancelled, a copy of it (a retained MQTT message,
 * an attacker's replay) carries a seq not above the sender's last one and is
 * refused even if the wall clock was stepped back to before its expiry, and even
 * after its identifier fell out of the bounded seen list.
 * Nothing here reads a clock: every entry point takes now_ms, so tests drive
 * time explicitly.  Linear scans are fine at these sizes (a few thousand
 * strcmp per alert, microseconds). */
#include "alerts/alert_set_internal.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const crier_alert_set__seen_names[4] = {"accepted", "cancelled", "superseded", "expired"};

const char *crier_alert_verdict_name(crier_alert_verdict v)
{
    static const char *const names[] = {"accepted", "ignored",  "invalid",   "scope",   "future",
                                        "replayed", "old-sequence", "cancelled", "expired", "full"};
    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "?";
}

void crier_alert_set_opts_default(crier_alert_set_opts *o)
{
    memset(o, 0, sizeof *o);
    o->show_tests = 1;
    o->max_future_ms = 5 * 60 * 1000;
    o->default_ttl_ms = 24LL * 3600 * 1000;
    o->max_active = 64;
    o->max_seen = 4096;
    o->max_senders = 1024;
}

crier_alert_set *crier_alert_set_new(const crier_alert_set_opts *opts)
{
    crier_alert_set *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (opts)
        s->opts = *opts;
    else
        crier_alert_set_opts_default(&s->opts);
    crier_alert_set_opts d;
    crier_alert_set_opts_default(&d);
    if (s->opts.max_active == 0)
        s->opts.max_active = d.max_active;
    if (s->opts.max_seen == 0)
        s->opts.max_seen = d.max_seen;
    if (s->opts.max_senders == 0)
        s->opts.max_senders = d.max_senders;
    if (s->opts.max_future_ms < 0)
        s->opts.max_future_ms = 0;
    if (s->opts.default_ttl_ms < 0)
        s->opts.default_ttl_ms = 0;
    s->kiosk_id = opts && opts->kiosk_id ? strdup(opts->kiosk_id) : NULL;
    s->site_id = opts && opts->site_id ? strdup(opts->site_id) : NULL;
    s->opts.kiosk_id = s->kiosk_id;
    s->opts.site_id = s->site_id;
    if ((opts && opts->kiosk_id && !s->kiosk_id) || (opts && opts->site_id && !s->site_id)) {
        crier_alert_set_free(s);
        return NULL;
    }
    return s;
}

void crier_alert_set__clear(crier_alert_set *s)
{
    for (size_t i = 0; i < s->active_count; i++)
        crier_alert_free(s->active[i]);
    s->active_count = 0;
    for (size_t i = 0; i < s->seen_count; i++) {
        free(s->seen[i].sender);
        free(s->seen[i].identifier);
    }
    free(s->seen);
    s->seen = NULL;
    s->seen_count = s->seen_cap = 0;
    for (size_t i = 0; i < s->sender_count; i++)
        free(s->senders[i].sender);
    free(s->senders);
    s->senders = NULL;
    s->sender_count = 0;
}

void crier_alert_set_free(crier_alert_set *s)
{
    if (!s)
        return;
    crier_alert_set__clear(s);
    free(s->active);
    free(s->kiosk_id);
    free(s->site_id);
    free(s);
}

/* ---- small helpers ---- */

static seen_entry *seen_find(crier_alert_set *s, const char *sender, const char *id)
{
    for (size_t i = s->seen_count; i-- > 0;)
        if (strcmp(s->seen[i].identifier, id) == 0 && strcmp(s->seen[i].sender, sender) == 0)
            return &s->seen[i];
    return NULL;
}

crier_err crier_alert_set__seen_put(crier_alert_set *s, const char *sender, const char *id, seen_state st)
{
    seen_entry *e = seen_find(s, sender, id);
    if (e) {
        e->state = st;
        return CRIER_OK;
    }
    char *sd = strdup(sender), *idd = strdup(id);
    if (!sd || !idd) {
        free(sd);
        free(idd);
        return CRIER_ERR_NOMEM;
    }
    if (s->seen_count >= s->opts.max_seen) {
        free(s->seen[0].sender);
        free(s->seen[0].identifier);
        memmove(&s->seen[0], &s->seen[1], (s->seen_count - 1) * sizeof *s->seen);
        s->seen_count--;
    } else if (s->seen_count == s->seen_cap) { /* doubling, up to max_seen */
        size_t ncap = s->seen_cap ? s->seen_cap * 2 : 64;
        if (ncap > s->opts.max_seen)
            ncap = s->opts.max_seen;
        seen_entry *n = realloc(s->seen, ncap * sizeof *n);
        if (!n) {
            free(sd);
            free(idd);
            return CRIER_ERR_NOMEM;
        }
        s->seen = n;
        s->seen_cap = ncap;
    }
    s->seen[s->seen_count++] = (seen_entry){sd, idd, st};
    return CRIER_OK;
}

static sender_entry *sender_find(crier_alert_set *s, const char *sender)
{
    for (size_t i = 0; i < s->sender_count; i++)
        if (strcmp(s->senders[i].sender, sender) == 0)
            return &s->senders[i];
    return NULL;
}

crier_err crier_alert_set__sender_put(crier_alert_set *s, const char *sender, int64_t seq)
{
    sender_entry *e = sender_find(s, sender);
    s->tick++;
    if (e) {
        if (seq > e->last_seq)
            e->last_seq = seq;
        e->touched = s->tick;
        return CRIER_OK;
    }
    char *sd = strdup(sender);
    if (!sd)
        return CRIER_ERR_NOMEM;
    if (s->sender_count >= s->opts.max_senders) {
        size_t oldest = 0;
        for (size_t i = 1; i < s->sender_count; i++)
            if (s->senders[i].touched < s->senders[oldest].touched)
                oldest = i;
        LOG_WARN("alert", "forgetting the sequence of sender %s (more than %zu senders)",
                 s->senders[oldest].sender, s->opts.max_senders);
        free(s->senders[oldest].sender);
        s->senders[oldest] = (sender_entry){sd, seq, s->tick};
        return CRIER_OK;
    }
    sender_entry *n = realloc(s->senders, (s->sender_count + 1) * sizeof *n);
    if (!n) {
        free(sd);
        return CRIER_ERR_NOMEM;
    }
    s->senders = n;
    s->senders[s->sender_count++] = (sender_entry){sd, seq, s->tick};
    return CRIER_OK;
}

ptrdiff_t crier_alert_set__active_find(const crier_alert_set *s, const char *sender, const char *id)
{
    for (size_t i = 0; i < s->active_count; i++)
        if (strcmp(s->active[i]->identifier, id) == 0 && strcmp(s->active[i]->sender, sender) == 0)
            return (ptrdiff_t)i;
    return -1;
}

static void active_remove_at(crier_alert_set *s, size_t i)
{
    crier_alert_free(s->active[i]);
    memmove(&s->active[i], &s->active[i + 1], (s->active_count - i - 1) * sizeof *s->active);
    s->active_count--;
}

crier_err crier_alert_set__active_insert(crier_alert_set *s, crier_alert *a)
{
    if (s->active_count == s->active_cap) {
        size_t ncap = s->active_cap ? s->active_cap * 2 : 8;
        crier_alert **n = realloc(s->active, ncap * sizeof *n);
        if (!n)
            return CRIER_ERR_NOMEM;
        s->active = n;
        s->active_cap = ncap;
    }
    size_t pos = 0;
    while (pos < s->active_count && crier_alert_compare(s->active[pos], a) <= 0)
        pos++;
    memmove(&s->active[pos + 1], &s->active[pos], (s->active_count - pos) * sizeof *s->active);
    s->active[pos] = a;
    s->active_count++;
    return CRIER_OK;
}

static int scope_matches(const crier_alert_set *s, const crier_alert *a)
{
    switch (a->scope) {
    case CRIER_ALERT_SCOPE_ALL:
        return 1;
    case CRIER_ALERT_SCOPE_SITE:
        return s->site_id && a->scope_target && strcmp(s->site_id, a->scope_target) == 0;
    case CRIER_ALERT_SCOPE_KIOSK:
        return s->kiosk_id && a->scope_target && strcmp(s->kiosk_id, a->scope_target) == 0;
    }
    return 0;
}

/* ---- the rules ---- */

size_t crier_alert_set_expire(crier_alert_set *s, int64_t now_ms)
{
    size_t removed = 0;
    if (!s)
        return 0;
    for (size_t i = 0; i < s->active_count;) {
        crier_alert *a = s->active[i];
        if (crier_alert_expired(a, now_ms, s->opts.default_ttl_ms)) {
            LOG_INFO("alert", "alert %s from %s expired", a->identifier, a->sender);
            (void)crier_alert_set__seen_put(s, a->sender, a->identifier, SEEN_EXPIRED);
            active_remove_at(s, i);
            removed++;
        } else {
            i++;
        }
    }
    return removed;
}

static crier_err verdict(crier_alert_result *res, crier_alert_verdict v, crier_err e)
{
    if (res)
        res->verdict = v;
    return e;
}

crier_err crier_alert_set_apply(crier_alert_set *s, crier_alert *a, const char *issuer,
                                const char *key_id, int64_t now_ms, crier_alert_result *res)
{
    crier_alert_result local;
    crier_err err;
    if (!res)
        res = &local;
    memset(res, 0, sizeof *res);
    if (!s || !a) {
        crier_alert_free(a);
        crier_errf(res->reason, sizeof res->reason, "no set or alert");
        return verdict(res, CRIER_ALERT_REJECT_INVALID, CRIER_ERR_INVAL);
    }
    if (crier_alert_set_expire(s, now_ms))
        res->changed = 1;

    char why[160];
    if (crier_alert_validate(a, 1, why, sizeof why) != CRIER_OK) {
        crier_errf(res->reason, sizeof res->reason, "invalid: %s", why);
        err = verdict(res, CRIER_ALERT_REJECT_INVALID, CRIER_ERR_INVAL);
        goto consumed;
    }
    const char *kind = crier_alert_msgtype_name(a->msg_type);
    if (a->msg_type == CRIER_ALERT_MSG_ACK || a->msg_type == CRIER_ALERT_MSG_ERROR ||
        a->status == CRIER_ALERT_SYSTEM || a->status == CRIER_ALERT_DRAFT ||
        (!s->opts.show_tests && (a->status == CRIER_ALERT_TEST || a->status == CRIER_ALERT_EXERCISE))) {
        crier_errf(res->reason, sizeof res->reason, "%s %s with status %s is not displayed", kind,
                a->identifier, crier_alert_status_name(a->status));
        err = verdict(res, CRIER_ALERT_IGNORED, CRIER_OK);
        goto consumed;
    }
    if (!scope_matches(s, a)) {
        crier_errf(res->reason, sizeof res->reason, "%s %s is for %s %s, not this kiosk", kind,
                a->identifier, a->scope == CRIER_ALERT_SCOPE_SITE ? "site" : "kiosk",
                a->scope_target ? a->scope_target : "?");
        err = verdict(res, CRIER_ALERT_REJECT_SCOPE, CRIER_ERR_INVAL);
        goto consumed;
    }
    if (a->sent_ms > now_ms + s->opts.max_future_ms) {
        crier_errf(res->reason, sizeof res->reason,
                "%s %s was sent %lld s ahead of the kiosk clock (limit %lld s)", kind,
                a->identifier, (long long)((a->sent_ms - now_ms) / 1000),
                (long long)(s->opts.max_future_ms / 1000));
        err = verdict(res, CRIER_ALERT_REJECT_FUTURE, CRIER_ERR_STALE);
        goto consumed;
    }
    seen_entry *prior = seen_find(s, a->sender, a->identifier);
    if (prior && (prior->state == SEEN_CANCELLED || prior->state == SEEN_SUPERSEDED)) {
        crier_errf(res->reason, sizeof res->reason, "%s %s from %s was %s before it arrived", kind,
                a->identifier, a->sender, crier_alert_set__seen_names[prior->state]);
        err = verdict(res, CRIER_ALERT_REJECT_CANCELLED, CRIER_ERR_STALE);
        goto consumed;
    }
    if (prior || crier_alert_set__active_find(s, a->sender, a->identifier) >= 0) {
        crier_errf(res->reason, sizeof res->reason, "replayed: %s %s from %s was seen before (%s)",
                kind, a->identifier, a->sender, prior ? crier_alert_set__seen_names[prior->state] : "active");
        err = verdict(res, CRIER_ALERT_REJECT_REPLAY_ID, CRIER_ERR_STALE);
        goto consumed;
    }
    sender_entry *se = sender_find(s, a->sender);
    if (se && (s->opts.seq_window > 0 ? a->seq < se->last_seq - s->opts.seq_window : a->seq <= se->last_seq)) {
        crier_errf(res->reason, sizeof res->reason,
                "replayed: %s %s from %s has seq %lld, not above the last accepted %lld", kind,
                a->identifier, a->sender, (long long)a->seq, (long long)se->last_seq);
        err = verdict(res, CRIER_ALERT_REJECT_REPLAY_SEQ, CRIER_ERR_STALE);
        goto consumed;
    }
    int displayed = a->msg_type == CRIER_ALERT_MSG_ALERT || a->msg_type == CRIER_ALERT_MSG_UPDATE;
    if (displayed && crier_alert_expired(a, now_ms, s->opts.default_ttl_ms)) {
        char when[40];
        crier_format_utc_ms(crier_alert_expiry(a, s->opts.default_ttl_ms), when, sizeof when);
        crier_errf(res->reason, sizeof res->reason, "%s %s from %s expired at %s", kind,
                a->identifier, a->sender, when);
        err = verdict(res, CRIER_ALERT_REJECT_EXPIRED, CRIER_ERR_STALE);
        goto consumed;
    }
    /* Capacity: after this Update's own removals, is there room, or something to evict? */
    size_t evict = 0;
    if (displayed) {
        size_t will_remove = 0;
        if (a->msg_type == CRIER_ALERT_MSG_UPDATE)
            for (size_t i = 0; i < a->ref_count; i++)
                if (crier_alert_set__active_find(s, a->refs[i].sender, a->refs[i].identifier) >= 0)
                    will_remove++;
        if (s->active_count - will_remove >= s->opts.max_active) {
            const crier_alert *last = s->active[s->active_count - 1];
            if (crier_alert_compare(a, last) >= 0) {
                crier_errf(res->reason, sizeof res->reason,
                        "%s %s: %zu alerts active, all more important", kind, a->identifier,
                        s->active_count);
                err = verdict(res, CRIER_ALERT_REJECT_FULL, CRIER_ERR_FULL);
                goto consumed;
            }
            evict = 1;
        }
    }

    /* Accepted: from here on the set changes. */
    if (issuer && !(a->issuer = strdup(issuer)))
        goto nomem;
    if (key_id && !(a->key_id = strdup(key_id)))
        goto nomem;
    a->received_ms = now_ms;
    if (crier_alert_set__sender_put(s, a->sender, a->seq) != CRIER_OK ||
        crier_alert_set__seen_put(s, a->sender, a->identifier, SEEN_ACCEPTED) != CRIER_OK)
        goto nomem;
    if (a->msg_type == CRIER_ALERT_MSG_CANCEL || a->msg_type == CRIER_ALERT_MSG_UPDATE) {
        seen_state st = a->msg_type == CRIER_ALERT_MSG_CANCEL ? SEEN_CANCELLED : SEEN_SUPERSEDED;
        for (size_t i = 0; i < a->ref_count; i++) {
            const crier_alert_ref *r = &a->refs[i];
            ptrdiff_t at = crier_alert_set__active_find(s, r->sender, r->identifier);
            if (at >= 0) {
                active_remove_at(s, (size_t)at);
                res->removed++;
            } else {
                LOG_INFO("alert", "%s %s references %s from %s, which is not active; remembered",
                         kind, a->identifier, r->identifier, r->sender);
            }
            if (crier_alert_set__seen_put(s, r->sender, r->identifier, st) != CRIER_OK)
                goto nomem;
        }
    }
    if (evict && s->active_count >= s->opts.max_active) {
        crier_alert *last = s->active[s->active_count - 1];
        LOG_WARN("alert", "%zu alerts active: dropping the least important, %s from %s",
                 s->active_count, last->identifier, last->sender);
        active_remove_at(s, s->active_count - 1);
        res->removed++;
    }
    if (res->removed)
        res->changed = 1;
    if (displayed) {
        if (a->msg_type == CRIER_ALERT_MSG_UPDATE && res->removed == 0)
            crier_errf(res->reason, sizeof res->reason,
                    "Update %s from %s (key %s, %s) references no active alert: shown as new",
                    a->identifier, a->sender, key_id ? key_id : "-", issuer ? issuer : "-");
        else
            crier_errf(res->reason, sizeof res->reason, "%s %s from %s accepted (key %s, %s)%s", kind,
                    a->identifier, a->sender, key_id ? key_id : "-", issuer ? issuer : "-",
                    res->removed ? ", replacing what it references" : "");
        if (crier_alert_set__active_insert(s, a) != CRIER_OK)
            goto nomem;
        res->changed = 1;
    } else {
        crier_errf(res->reason, sizeof res->reason, "Cancel %s from %s (key %s, %s) removed %zu alert(s)",
                a->identifier, a->sender, key_id ? key_id : "-", issuer ? issuer : "-", res->removed);
        crier_alert_free(a);
    }
    res->verdict = CRIER_ALERT_ACCEPTED;
    return CRIER_OK;
nomem:
    crier_errf(res->reason, sizeof res->reason, "out of memory");
    err = verdict(res, CRIER_ALERT_REJECT_INVALID, CRIER_ERR_NOMEM);
consumed:
    crier_alert_free(a);
    return err;
}

int64_t crier_alert_set_next_deadline(const crier_alert_set *s, int64_t now_ms)
{
    int64_t best = CRIER_ALERT_NO_DEADLINE;
    for (size_t i = 0; s && i < s->active_count; i++) {
        int64_t e = crier_alert_expiry(s->active[i], s->opts.default_ttl_ms);
        int64_t f = crier_alert_effective(s->active[i]);
        if (e > now_ms && e < best)
            best = e;
        if (f > now_ms && f < best)
            best = f;
    }
    return best;
}

size_t crier_alert_set_count(const crier_alert_set *s)
{
    return s ? s->active_count : 0;
}

const crier_alert *crier_alert_set_get(const crier_alert_set *s, size_t i)
{
    return s && i < s->active_count ? s->active[i] : NULL;
}

crier_err crier_alert_set_snapshot(const crier_alert_set *s, int64_t now_ms, const crier_alert_seen *on_screen,
                                   crier_alert_list **out)
{
    if (!s || !out)
        return CRIER_ERR_INVAL;
    *out = NULL;
    crier_alert_list *l = calloc(1, sizeof *l);
    if (!l)
        return CRIER_ERR_NOMEM;
    if (s->active_count && !(l->items = calloc(s->active_count, sizeof *l->items))) {
        free(l);
        return CRIER_ERR_NOMEM;
    }
    for (size_t i = 0; i < s->active_count; i++) {
        const crier_alert *a = s->active[i];
        if (!crier_alert_displayable(a, now_ms, s->opts.default_ttl_ms, crier_alert_seen_has(on_screen, a)))
            continue;
        if (!(l->items[l->count] = crier_alert_copy(a))) {
            crier_alert_list_free(l);
            return CRIER_ERR_NOMEM;
        }
        l->count++;
    }
    *out = l;
    return CRIER_OK;
}

int crier_alert_set_snapshot_changed(const crier_alert_set *s, int64_t now_ms, const crier_alert_seen *on_screen)
{
    size_t n = 0;
    for (size_t i = 0; s && i < s->active_count; i++) {
        const crier_alert *a = s->active[i];
        int shown = crier_alert_seen_has(on_screen, a);
        if (crier_alert_displayable(a, now_ms, s->opts.default_ttl_ms, shown)) {
            if (!shown)
                return 1;
            n++;
        }
    }
    return n != (on_screen ? on_screen->count : 0);
}
