/* alert_set.c - the active alert set, replay memory and persistence.
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
#include "alerts/alert_set.h"
#include "base/atomicfile.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <cjson/cJSON.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum seen_state { SEEN_ACCEPTED = 0, SEEN_CANCELLED, SEEN_SUPERSEDED, SEEN_EXPIRED } seen_state;
static const char *const seen_names[] = {"accepted", "cancelled", "superseded", "expired"};

typedef struct seen_entry {
    char *sender, *identifier;
    seen_state state;
} seen_entry;

typedef struct sender_entry {
    char *sender;
    int64_t last_seq;
    uint64_t touched; /* set->tick when last updated; the smallest is forgotten first */
} sender_entry;

struct crier_alert_set {
    crier_alert_set_opts opts; /* strings owned below */
    char *kiosk_id, *site_id;
    crier_alert **active;
    size_t active_count, active_cap;
    seen_entry *seen;
    size_t seen_count, seen_cap;
    sender_entry *senders;
    size_t sender_count;
    uint64_t tick;
};

static void set_msg(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_msg(char *buf, size_t len, const char *fmt, ...)
{
    if (!buf || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

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

static void clear_state(crier_alert_set *s)
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
    clear_state(s);
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

/* Record (or update) an identifier's state.  The oldest entry goes when full. */
static crier_err seen_put(crier_alert_set *s, const char *sender, const char *id, seen_state st)
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

static crier_err sender_put(crier_alert_set *s, const char *sender, int64_t seq)
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

static ptrdiff_t active_find(const crier_alert_set *s, const char *sender, const char *id)
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

/* Insert keeping display order; takes ownership on success. */
static crier_err active_insert(crier_alert_set *s, crier_alert *a)
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
        if (crier_alert_expiry(a, s->opts.default_ttl_ms) <= now_ms) {
            LOG_INFO("alert", "alert %s from %s expired", a->identifier, a->sender);
            (void)seen_put(s, a->sender, a->identifier, SEEN_EXPIRED);
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
        set_msg(res->reason, sizeof res->reason, "no set or alert");
        return verdict(res, CRIER_ALERT_REJECT_INVALID, CRIER_ERR_INVAL);
    }
    if (crier_alert_set_expire(s, now_ms))
        res->changed = 1;

    char why[160];
    if (crier_alert_validate(a, 1, why, sizeof why) != CRIER_OK) {
        set_msg(res->reason, sizeof res->reason, "invalid: %s", why);
        err = verdict(res, CRIER_ALERT_REJECT_INVALID, CRIER_ERR_INVAL);
        goto consumed;
    }
    const char *kind = crier_alert_msgtype_name(a->msg_type);
    if (a->msg_type == CRIER_ALERT_MSG_ACK || a->msg_type == CRIER_ALERT_MSG_ERROR ||
        a->status == CRIER_ALERT_SYSTEM || a->status == CRIER_ALERT_DRAFT ||
        (!s->opts.show_tests && (a->status == CRIER_ALERT_TEST || a->status == CRIER_ALERT_EXERCISE))) {
        set_msg(res->reason, sizeof res->reason, "%s %s with status %s is not displayed", kind,
                a->identifier, crier_alert_status_name(a->status));
        err = verdict(res, CRIER_ALERT_IGNORED, CRIER_OK);
        goto consumed;
    }
    if (!scope_matches(s, a)) {
        set_msg(res->reason, sizeof res->reason, "%s %s is for %s %s, not this kiosk", kind,
                a->identifier, a->scope == CRIER_ALERT_SCOPE_SITE ? "site" : "kiosk",
                a->scope_target ? a->scope_target : "?");
        err = verdict(res, CRIER_ALERT_REJECT_SCOPE, CRIER_ERR_INVAL);
        goto consumed;
    }
    if (a->sent_ms > now_ms + s->opts.max_future_ms) {
        set_msg(res->reason, sizeof res->reason,
                "%s %s was sent %lld s ahead of the kiosk clock (limit %lld s)", kind,
                a->identifier, (long long)((a->sent_ms - now_ms) / 1000),
                (long long)(s->opts.max_future_ms / 1000));
        err = verdict(res, CRIER_ALERT_REJECT_FUTURE, CRIER_ERR_STALE);
        goto consumed;
    }
    seen_entry *prior = seen_find(s, a->sender, a->identifier);
    if (prior && (prior->state == SEEN_CANCELLED || prior->state == SEEN_SUPERSEDED)) {
        set_msg(res->reason, sizeof res->reason, "%s %s from %s was %s before it arrived", kind,
                a->identifier, a->sender, seen_names[prior->state]);
        err = verdict(res, CRIER_ALERT_REJECT_CANCELLED, CRIER_ERR_STALE);
        goto consumed;
    }
    if (prior || active_find(s, a->sender, a->identifier) >= 0) {
        set_msg(res->reason, sizeof res->reason, "replayed: %s %s from %s was seen before (%s)",
                kind, a->identifier, a->sender, prior ? seen_names[prior->state] : "active");
        err = verdict(res, CRIER_ALERT_REJECT_REPLAY_ID, CRIER_ERR_STALE);
        goto consumed;
    }
    sender_entry *se = sender_find(s, a->sender);
    if (se && (s->opts.seq_window > 0 ? a->seq < se->last_seq - s->opts.seq_window : a->seq <= se->last_seq)) {
        set_msg(res->reason, sizeof res->reason,
                "replayed: %s %s from %s has seq %lld, not above the last accepted %lld", kind,
                a->identifier, a->sender, (long long)a->seq, (long long)se->last_seq);
        err = verdict(res, CRIER_ALERT_REJECT_REPLAY_SEQ, CRIER_ERR_STALE);
        goto consumed;
    }
    int displayed = a->msg_type == CRIER_ALERT_MSG_ALERT || a->msg_type == CRIER_ALERT_MSG_UPDATE;
    if (displayed && crier_alert_expiry(a, s->opts.default_ttl_ms) <= now_ms) {
        char when[40];
        crier_format_utc_ms(crier_alert_expiry(a, s->opts.default_ttl_ms), when, sizeof when);
        set_msg(res->reason, sizeof res->reason, "%s %s from %s expired at %s", kind,
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
                if (active_find(s, a->refs[i].sender, a->refs[i].identifier) >= 0)
                    will_remove++;
        if (s->active_count - will_remove >= s->opts.max_active) {
            const crier_alert *last = s->active[s->active_count - 1];
            if (crier_alert_compare(a, last) >= 0) {
                set_msg(res->reason, sizeof res->reason,
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
    if (sender_put(s, a->sender, a->seq) != CRIER_OK ||
        seen_put(s, a->sender, a->identifier, SEEN_ACCEPTED) != CRIER_OK)
        goto nomem;
    if (a->msg_type == CRIER_ALERT_MSG_CANCEL || a->msg_type == CRIER_ALERT_MSG_UPDATE) {
        seen_state st = a->msg_type == CRIER_ALERT_MSG_CANCEL ? SEEN_CANCELLED : SEEN_SUPERSEDED;
        for (size_t i = 0; i < a->ref_count; i++) {
            const crier_alert_ref *r = &a->refs[i];
            ptrdiff_t at = active_find(s, r->sender, r->identifier);
            if (at >= 0) {
                active_remove_at(s, (size_t)at);
                res->removed++;
            } else {
                LOG_INFO("alert", "%s %s references %s from %s, which is not active; remembered",
                         kind, a->identifier, r->identifier, r->sender);
            }
            if (seen_put(s, r->sender, r->identifier, st) != CRIER_OK)
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
            set_msg(res->reason, sizeof res->reason,
                    "Update %s from %s (key %s, %s) references no active alert: shown as new",
                    a->identifier, a->sender, key_id ? key_id : "-", issuer ? issuer : "-");
        else
            set_msg(res->reason, sizeof res->reason, "%s %s from %s accepted (key %s, %s)%s", kind,
                    a->identifier, a->sender, key_id ? key_id : "-", issuer ? issuer : "-",
                    res->removed ? ", replacing what it references" : "");
        if (active_insert(s, a) != CRIER_OK)
            goto nomem;
        res->changed = 1;
    } else {
        set_msg(res->reason, sizeof res->reason, "Cancel %s from %s (key %s, %s) removed %zu alert(s)",
                a->identifier, a->sender, key_id ? key_id : "-", issuer ? issuer : "-", res->removed);
        crier_alert_free(a);
    }
    res->verdict = CRIER_ALERT_ACCEPTED;
    return CRIER_OK;
nomem:
    set_msg(res->reason, sizeof res->reason, "out of memory");
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

void crier_alert_list_free(crier_alert_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        crier_alert_free(l->items[i]);
    free(l->items);
    free(l);
}

void crier_alert_list_free_void(void *l)
{
    crier_alert_list_free(l);
}

crier_err crier_alert_set_snapshot(const crier_alert_set *s, int64_t now_ms, crier_alert_list **out)
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
        if (crier_alert_effective(a) > now_ms || crier_alert_expiry(a, s->opts.default_ttl_ms) <= now_ms)
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

/* ---- persistence ---- */

/* The state file is written as text, not as a cJSON tree: with 4 096
 * remembered identifiers a tree costs ~2 MB for an instant at every save, and
 * the allocator keeps that peak for good (the soak saw RSS grow with the
 * replay memory).  Two passes over the same writer: the first (out->buf NULL)
 * measures, the second fills one buffer of exactly that size. */
typedef struct jout {
    char *buf;
    size_t len;
} jout;

static void jraw(jout *o, const char *s, size_t n)
{
    if (o->buf)
        memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void jstr(jout *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    jraw(o, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        char e[6] = {'\\', 0, 0, 0, 0, 0};
        if (*p == '"' || *p == '\\') {
            e[1] = (char)*p;
            jraw(o, e, 2);
        } else if (*p < 0x20) {
            memcpy(e + 1, "u00", 3);
            e[4] = hex[*p >> 4];
            e[5] = hex[*p & 15];
            jraw(o, e, 6);
        } else {
            jraw(o, (const char *)p, 1);
        }
    }
    jraw(o, "\"", 1);
}

static void jlit(jout *o, const char *s)
{
    jraw(o, s, strlen(s));
}

static void write_state(jout *o, const crier_alert_set *s, const char *when, char *const *active,
                        const size_t *active_len)
{
    char num[32];
    jlit(o, "{\"type\":\"crier-alert-state\",\"v\":1,\"saved\":");
    jstr(o, when);
    jlit(o, ",\"senders\":[");
    for (size_t i = 0; i < s->sender_count; i++) {
        jlit(o, i ? ",{\"sender\":" : "{\"sender\":");
        jstr(o, s->senders[i].sender);
        snprintf(num, sizeof num, ",\"seq\":%lld}", (long long)s->senders[i].last_seq);
        jlit(o, num);
    }
    jlit(o, "],\"seen\":[");
    for (size_t i = 0; i < s->seen_count; i++) {
        jlit(o, i ? ",{\"sender\":" : "{\"sender\":");
        jstr(o, s->seen[i].sender);
        jlit(o, ",\"identifier\":");
        jstr(o, s->seen[i].identifier);
        jlit(o, ",\"state\":");
        jstr(o, seen_names[s->seen[i].state]);
        jlit(o, "}");
    }
    jlit(o, "],\"active\":[");
    for (size_t i = 0; i < s->active_count; i++) {
        if (i)
            jlit(o, ",");
        jraw(o, active[i], active_len[i]);
    }
    jlit(o, "]}");
}

crier_err crier_alert_set_save(const crier_alert_set *s, const char *path)
{
    crier_err err = CRIER_ERR_NOMEM;
    if (!s || !path)
        return CRIER_ERR_INVAL;
    char when[40];
    crier_format_utc_ms(crier_wall_ms(), when, sizeof when);
    size_t n_active = s->active_count;
    char **active = calloc(n_active ? n_active : 1, sizeof *active);
    size_t *active_len = calloc(n_active ? n_active : 1, sizeof *active_len);
    jout o = {NULL, 0};
    if (!active || !active_len)
        goto cleanup;
    for (size_t i = 0; i < n_active; i++)
        if ((err = crier_alert_to_json(s->active[i], 1, &active[i], &active_len[i])) != CRIER_OK)
            goto cleanup;
    err = CRIER_ERR_NOMEM;
    write_state(&o, s, when, active, active_len); /* measure */
    size_t need = o.len;
    if (!(o.buf = malloc(need + 1)))
        goto cleanup;
    o.len = 0;
    write_state(&o, s, when, active, active_len); /* fill */
    o.buf[o.len] = '\0';
    err = crier_atomicfile_write(path, o.buf, o.len, 0600, 1);
    if (err != CRIER_OK)
        LOG_ERROR("alert", "cannot save alert state to %s: %s", path, crier_strerror(err));
cleanup:
    for (size_t i = 0; active && i < n_active; i++)
        free(active[i]);
    free(active);
    free(active_len);
    free(o.buf);
    return err;
}

static int seen_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(seen_names[i], name) == 0)
            return i;
    return -1;
}

/* Fill s from the parsed state file; any problem is reported through why. */
static crier_err load_state(crier_alert_set *s, const cJSON *root, char *why, size_t wlen)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "v");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "crier-alert-state") != 0 ||
        !cJSON_IsNumber(v) || v->valuedouble != 1.0) {
        set_msg(why, wlen, "not a version 1 alert state file");
        return CRIER_ERR_PARSE;
    }
    const cJSON *senders = cJSON_GetObjectItemCaseSensitive(root, "senders");
    const cJSON *seen = cJSON_GetObjectItemCaseSensitive(root, "seen");
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(root, "active");
    if (!cJSON_IsArray(senders) || !cJSON_IsArray(seen) || !cJSON_IsArray(active)) {
        set_msg(why, wlen, "senders, seen and active must be arrays");
        return CRIER_ERR_PARSE;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, senders)
    {
        const cJSON *sd = cJSON_GetObjectItemCaseSensitive(it, "sender");
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(it, "seq");
        if (!cJSON_IsString(sd) || !crier_alert_text_ok(sd->valuestring, CRIER_ALERT_MAX_ID, 0) ||
            !cJSON_IsNumber(seq) || seq->valuedouble < 0 || seq->valuedouble > (double)CRIER_ALERT_MAX_SEQ) {
            set_msg(why, wlen, "bad sender entry");
            return CRIER_ERR_PARSE;
        }
        if (sender_put(s, sd->valuestring, (int64_t)seq->valuedouble) != CRIER_OK)
            return CRIER_ERR_NOMEM;
    }
    cJSON_ArrayForEach(it, seen)
    {
        const cJSON *sd = cJSON_GetObjectItemCaseSensitive(it, "sender");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "identifier");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "state");
        int state = cJSON_IsString(st) ? seen_parse(st->valuestring) : -1;
        if (!cJSON_IsString(sd) || !cJSON_IsString(id) || state < 0 ||
            !crier_alert_text_ok(sd->valuestring, CRIER_ALERT_MAX_ID, 0) ||
            !crier_alert_text_ok(id->valuestring, CRIER_ALERT_MAX_ID, 0)) {
            set_msg(why, wlen, "bad seen entry");
            return CRIER_ERR_PARSE;
        }
        if (seen_put(s, sd->valuestring, id->valuestring, (seen_state)state) != CRIER_OK)
            return CRIER_ERR_NOMEM;
    }
    size_t i = 0;
    cJSON_ArrayForEach(it, active)
    {
        char *one = cJSON_PrintUnformatted(it);
        crier_alert *a = NULL;
        char msg[160];
        if (!one)
            return CRIER_ERR_NOMEM;
        crier_err e = crier_alert_parse_ex(one, strlen(one), 1, &a, msg, sizeof msg);
        free(one);
        if (e != CRIER_OK) {
            set_msg(why, wlen, "active[%zu]: %s", i, msg);
            return CRIER_ERR_PARSE;
        }
        if (s->active_count >= s->opts.max_active || active_find(s, a->sender, a->identifier) >= 0) {
            crier_alert_free(a);
            set_msg(why, wlen, "active[%zu]: over the limit or repeated", i);
            return CRIER_ERR_PARSE;
        }
        if (active_insert(s, a) != CRIER_OK) {
            crier_alert_free(a);
            return CRIER_ERR_NOMEM;
        }
        /* an active alert is always remembered, whatever the seen list says */
        if (seen_put(s, a->sender, a->identifier, SEEN_ACCEPTED) != CRIER_OK ||
            sender_put(s, a->sender, a->seq) != CRIER_OK)
            return CRIER_ERR_NOMEM;
        i++;
    }
    return CRIER_OK;
}

crier_err crier_alert_set_load(crier_alert_set *s, const char *path, int64_t now_ms, int *was_corrupt)
{
    char *buf = NULL, why[200] = "";
    size_t len = 0;
    if (was_corrupt)
        *was_corrupt = 0;
    if (!s || !path)
        return CRIER_ERR_INVAL;
    clear_state(s);
    char *folder = strdup(path); /* temp files of a kiosk killed while saving */
    if (folder) {
        (void)crier_atomicfile_sweep(dirname(folder));
        free(folder);
    }
    crier_err err = crier_atomicfile_read(path, CRIER_ALERT_STATE_MAX_BYTES, &buf, &len);
    if (err == CRIER_ERR_NOTFOUND) {
        LOG_INFO("alert", "no alert state at %s; starting empty", path);
        return CRIER_OK;
    }
    if (err == CRIER_ERR_LIMIT) {
        set_msg(why, sizeof why, "larger than %u bytes", (unsigned)CRIER_ALERT_STATE_MAX_BYTES);
    } else if (err != CRIER_OK) {
        LOG_ERROR("alert", "cannot read alert state %s: %s", path, crier_strerror(err));
        return err;
    } else {
        cJSON *root = cJSON_ParseWithLength(buf, len);
        if (!cJSON_IsObject(root)) {
            set_msg(why, sizeof why, "not JSON (truncated?)");
            err = CRIER_ERR_PARSE;
        } else {
            err = load_state(s, root, why, sizeof why);
        }
        cJSON_Delete(root);
    }
    free(buf);
    if (err == CRIER_ERR_NOMEM) {
        clear_state(s);
        return err;
    }
    if (err != CRIER_OK) {
        clear_state(s);
        size_t n = strlen(path) + 16;
        char *bad = malloc(n);
        if (bad) {
            snprintf(bad, n, "%s.corrupt", path);
            if (rename(path, bad) != 0)
                LOG_ERROR("alert", "cannot rename %s to %s", path, bad);
        }
        LOG_ERROR("alert", "alert state %s is corrupt (%s); starting empty, kept as %s", path, why,
                  bad ? bad : "(nothing)");
        free(bad);
        if (was_corrupt)
            *was_corrupt = 1;
        return CRIER_OK;
    }
    size_t expired = crier_alert_set_expire(s, now_ms);
    LOG_INFO("alert", "loaded %zu active alert(s) from %s (%zu expired while away)", s->active_count,
             path, expired);
    return CRIER_OK;
}
