/* alerts.c - the kiosk's emergency alert service (see alerts.h, docs/alerts.md).
 *
 * Design: one worker thread owns the alert set (alerts/alert_set.h is not
 * locked), the pending receipts and the duplicate memory.  Everything else
 * talks to it through a job queue under `lock` with a condition variable
 * (redis bio.c style):
 *   - the MQTT thread's hook copies each alert message into a job (a message
 *     over CRIER_ENVELOPE_MAX_BYTES is not copied, only its size) and returns
 *     at once, so signature checks and fsync never stall the network loop;
 *   - the render thread's "presented" calls are jobs too.
 * The worker sleeps until the nearest deadline: the set's next expiry or
 * effective time, a pending receipt's timeout, or at most WAIT_MAX_MS, so a
 * wall clock step in either direction is noticed within a second (deadlines
 * are wall times; the wait itself is on the monotonic clock).
 *
 * Per message: topic check -> size -> crier_envelope_open (keyring) ->
 * crier_alert_parse -> scope/topic consistency -> crier_alert_set_apply ->
 * (changed) snapshot to the mailbox, then crier_alert_set_save (atomic) ->
 * receipt (accepted ones wait for the renderer's "presented").  A snapshot
 * is posted before the state is saved: the screen first, the disk second; the
 * retained topics cover the short window.
 *
 * Clock steps backwards: the set never resurrects an expired or cancelled
 * alert (replay memory).  An alert that was on screen stays on screen even if
 * its effective time is now "in the future" (snapshot membership is
 * remembered in `shown`), so a clock step cannot blank a real alert either.
 *
 * Lock contract: `lock` guards head/tail/nqueued, stop, mq, outbox/nout,
 * active and stats.  set, pend, hashes, shown, gen belong to the worker
 * (and to crier_alerts_start before the worker exists). */
#include "alerts/alerts.h"

#include "alerts/alert.h"
#include "alerts/alert_set.h"
#include "content/content.h"
#include "base/log.h"
#include "remote/protocol.h"
#include "base/timeutil.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMP "alerts"
#define WAIT_MAX_MS 1000
#define QUEUE_MAX_MSGS 4096
#define QUEUE_MAX_BYTES (64u * 1024u * 1024u)
#define SEEN_RING 4096 /* retained alert envelopes already handled (by payload hash) */
#define QUEUE_MAX_OTHER 4096
#define PENDING_MAX 256
#define OUTBOX_MAX 64
#define HASH_RING 512
#define RETRY_SNAPSHOT_MS 100

typedef enum job_kind { JOB_MSG, JOB_PRESENTED_GEN, JOB_PRESENTED_ALERT } job_kind;

typedef struct job {
    job_kind kind;
    char *topic, *payload; /* JOB_MSG; payload NULL when oversize */
    size_t len;
    int retained;
    int64_t received_ms;
    char *sender, *identifier; /* JOB_PRESENTED_ALERT */
    uint64_t gen;              /* JOB_PRESENTED_GEN */
    int64_t presented_ms;
    struct job *next;
} job;

/* An accepted message whose receipt waits for the renderer. */
typedef struct pending {
    char *tid, *sender, *identifier, *issuer, *key_id, *msg_type, *status, *reason;
    int64_t sent_ms, received_ms;
    size_t bytes;
    uint64_t gen;
    int64_t deadline_mono;
} pending;

typedef struct outmsg {
    char *topic, *json;
} outmsg;

struct crier_alerts {
    /* immutable after start */
    char *kiosk, *site, *state_path;
    crier_mailbox *mailbox;
    crier_eventlog *events;
    int64_t present_timeout_ms, default_ttl_ms;
    int require_signed;
    crier_keyring *ring;
    char filters[3][CRIER_TOPIC_MAX];
    const char *filter_ptrs[3];
    size_t nfilters;

    /* worker only */
    crier_alert_set *set;
    pending pend[PENDING_MAX];
    size_t npend;
    uint64_t hashes[HASH_RING];
    size_t hash_next;
    char **shown; /* "sender\nidentifier" of the last snapshot */
    size_t nshown;
    uint64_t gen;
    int snapshot_retry;

    /* guarded by lock */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    job *head, *tail;
    size_t nqueued_msgs, nqueued_other, nqueued_bytes;
    /* Hashes of retained envelopes already handled: the broker re-sends every
     * retained alert on each reconnect, and these are dropped before they
     * queue, so a burst of old copies never crowds out a new alert. */
    uint64_t seen[SEEN_RING];
    size_t seen_next;
    int stop;
    crier_mqtt *mq;
    outmsg outbox[OUTBOX_MAX];
    size_t nout;
    int active;
    crier_alerts_stats stats;

    pthread_t thread;
    int started;
};

/* ---- small helpers ------------------------------------------------------- */

static void stat_add(crier_alerts *al, uint64_t *field, uint64_t n)
{
    pthread_mutex_lock(&al->lock);
    *field += n;
    pthread_mutex_unlock(&al->lock);
}

static uint64_t fnv1a(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int hash_known(const crier_alerts *al, uint64_t h)
{
    for (size_t i = 0; i < HASH_RING; i++)
        if (al->hashes[i] == h)
            return 1;
    return 0;
}

static void remember_seen(crier_alerts *al, uint64_t h)
{
    pthread_mutex_lock(&al->lock);
    al->seen[al->seen_next] = h;
    al->seen_next = (al->seen_next + 1) % SEEN_RING;
    pthread_mutex_unlock(&al->lock);
}

static int seen_before(crier_alerts *al, uint64_t h)
{
    int found = 0;
    pthread_mutex_lock(&al->lock);
    for (size_t i = 0; i < SEEN_RING && !found; i++)
        found = al->seen[i] == h && h != 0;
    pthread_mutex_unlock(&al->lock);
    return found;
}

static void job_free(job *j)
{
    if (!j)
        return;
    free(j->topic);
    free(j->payload);
    free(j->sender);
    free(j->identifier);
    free(j);
}

static void pending_clear(pending *p)
{
    free(p->tid);
    free(p->sender);
    free(p->identifier);
    free(p->issuer);
    free(p->key_id);
    free(p->msg_type);
    free(p->status);
    free(p->reason);
    memset(p, 0, sizeof *p);
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* ---- receipts -------------------------------------------------------------- */

/* Publishes (or keeps for later) one receipt.  Worker thread. */
static void send_receipt(crier_alerts *al, const char *tid, const crier_receipt *r)
{
    char topic[CRIER_TOPIC_MAX];
    if (!tid || crier_topic_kiosk(topic, sizeof topic, CRIER_TOPIC_RECEIPT, al->kiosk, tid) != CRIER_OK)
        return;
    char *json = crier_receipt_write(r);
    if (!json)
        return;
    pthread_mutex_lock(&al->lock);
    al->stats.receipts++;
    if (al->mq) {
        /* non-blocking: libmosquitto queues it (QoS 1 survives a reconnect) */
        crier_mqtt_publish(al->mq, topic, json, strlen(json), 1, 0);
        free(json);
    } else {
        if (al->nout == OUTBOX_MAX) { /* drop the oldest */
            free(al->outbox[0].topic);
            free(al->outbox[0].json);
            memmove(al->outbox, al->outbox + 1, (OUTBOX_MAX - 1) * sizeof al->outbox[0]);
            al->nout--;
        }
        al->outbox[al->nout].topic = crier_strdup(topic);
        al->outbox[al->nout].json = json;
        if (al->outbox[al->nout].topic)
            al->nout++;
        else
            free(json);
    }
    pthread_mutex_unlock(&al->lock);
}

/* What we know about a message for its receipt and log line. */
typedef struct msg_info {
    char tid[CRIER_NAME_MAX + 1]; /* receipt topic id */
    const char *topic;
    char *identifier, *sender, *issuer, *key_id;
    const char *msg_type, *status;
    int64_t sent_ms, received_ms;
    size_t bytes;
    int retained;
} msg_info;

static void receipt_from(const crier_alerts *al, const msg_info *mi, const char *verdict, crier_err code,
                         const char *reason, crier_receipt *r)
{
    memset(r, 0, sizeof *r);
    r->kiosk = al->kiosk;
    r->site = al->site;
    r->identifier = mi->identifier;
    r->sender = mi->sender;
    r->msg_type = mi->msg_type;
    r->status = mi->status;
    r->issuer = mi->issuer;
    r->key_id = mi->key_id;
    r->verdict = verdict;
    r->reason = reason;
    r->code = code;
    r->sent_ms = mi->sent_ms;
    r->received_ms = mi->received_ms;
    r->bytes = mi->bytes;
    r->ts_ms = crier_wall_ms();
}

static void reject(crier_alerts *al, const msg_info *mi, crier_err code, const char *reason)
{
    if (mi->issuer && mi->identifier)
        LOG_WARN(COMP, "rejected alert '%s' from '%s' signed by '%s' (key %s) on %s (%zu bytes): %s",
                 mi->identifier, nz(mi->sender), mi->issuer, nz(mi->key_id), nz(mi->topic), mi->bytes, reason);
    else if (mi->issuer)
        LOG_WARN(COMP, "rejected alert message on %s (%zu bytes) signed by '%s' (key %s): %s", nz(mi->topic),
                 mi->bytes, mi->issuer, nz(mi->key_id), reason);
    else
        LOG_WARN(COMP, "rejected alert message on %s (%zu bytes, issuer unknown): %s", nz(mi->topic), mi->bytes,
                 reason);
    stat_add(al, &al->stats.rejected, 1);
    crier_eventlog_emit(al->events, "alert_rejected", "s:reason", reason, "s:identifier", nz(mi->identifier),
                        "s:sender", nz(mi->sender), "s:issuer", nz(mi->issuer), "s:topic", nz(mi->topic),
                        "i:received_ms", mi->received_ms, NULL);
    crier_receipt r;
    receipt_from(al, mi, "rejected", code, reason, &r);
    send_receipt(al, mi->tid, &r);
}

static void pending_publish(crier_alerts *al, size_t i, int64_t presented_ms, const char *reason)
{
    pending *p = &al->pend[i];
    crier_receipt r = {0};
    r.kiosk = al->kiosk;
    r.site = al->site;
    r.identifier = p->identifier;
    r.sender = p->sender;
    r.msg_type = p->msg_type;
    r.status = p->status;
    r.issuer = p->issuer;
    r.key_id = p->key_id;
    r.verdict = "accepted";
    r.reason = reason ? reason : p->reason;
    r.code = CRIER_OK;
    r.sent_ms = p->sent_ms;
    r.received_ms = p->received_ms;
    r.presented_ms = presented_ms;
    r.bytes = p->bytes;
    r.ts_ms = crier_wall_ms();
    send_receipt(al, p->tid, &r);
    if (presented_ms) { /* the renderer emits the alert_presented event itself */
        LOG_INFO(COMP, "alert '%s' from '%s' presented %" PRId64 " ms after it arrived", nz(p->identifier),
                 nz(p->sender), presented_ms - p->received_ms);
    }
    pending_clear(p);
    al->pend[i] = al->pend[--al->npend];
}

/* ---- snapshots ------------------------------------------------------------- */

static char *alert_key(const crier_alert *a)
{
    size_t n = strlen(a->sender) + strlen(a->identifier) + 2;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s\n%s", a->sender, a->identifier);
    return k;
}

static int was_shown(const crier_alerts *al, const crier_alert *a)
{
    for (size_t i = 0; i < al->nshown; i++) {
        const char *nl = strchr(al->shown[i], '\n');
        if (nl && strlen(a->sender) == (size_t)(nl - al->shown[i]) &&
            strncmp(al->shown[i], a->sender, (size_t)(nl - al->shown[i])) == 0 && strcmp(nl + 1, a->identifier) == 0)
            return 1;
    }
    return 0;
}

/* Which active alerts are on screen at now: in the window [effective, expiry),
 * or already shown and not expired (a clock step back keeps them up). */
static int displayable(const crier_alerts *al, const crier_alert *a, int64_t now, int64_t ttl)
{
    if (crier_alert_expiry(a, ttl) <= now)
        return 0;
    return crier_alert_effective(a) <= now || was_shown(al, a);
}

/* Would a snapshot now differ from the last one? */
static int membership_changed(const crier_alerts *al, int64_t now, int64_t ttl)
{
    size_t n = 0;
    for (size_t i = 0; i < crier_alert_set_count(al->set); i++) {
        const crier_alert *a = crier_alert_set_get(al->set, i);
        if (displayable(al, a, now, ttl)) {
            if (!was_shown(al, a))
                return 1;
            n++;
        }
    }
    return n != al->nshown;
}

static void post_snapshot(crier_alerts *al, int64_t now, int64_t ttl)
{
    crier_alert_list *l = calloc(1, sizeof *l);
    size_t total = crier_alert_set_count(al->set);
    char **shown = calloc(total ? total : 1, sizeof *shown);
    if (!l || !shown || (total && !(l->items = calloc(total, sizeof *l->items))))
        goto nomem;
    for (size_t i = 0; i < total; i++) {
        const crier_alert *a = crier_alert_set_get(al->set, i); /* display order */
        if (!displayable(al, a, now, ttl))
            continue;
        if (!(l->items[l->count] = crier_alert_copy(a)))
            goto nomem;
        l->count++;
        if (!(shown[l->count - 1] = alert_key(a)))
            goto nomem;
    }
    char key[32];
    uint64_t gen = al->gen + 1;
    snprintf(key, sizeof key, "%" PRIu64, gen);
    crier_msg *m = crier_msg_new(CRIER_MSG_ALERTS, "alerts", key);
    if (!m)
        goto nomem;
    int count = (int)l->count;
    m->payload = l;
    m->payload_free = crier_alert_list_free_void;
    l = NULL;
    if (crier_mailbox_post(al->mailbox, m) != CRIER_OK) {
        LOG_ERROR(COMP, "alert snapshot could not be queued for the screen; retrying");
        al->snapshot_retry = 1;
        for (size_t i = 0; i < total; i++)
            free(shown[i]);
        free(shown);
        return;
    }
    al->gen = gen;
    al->snapshot_retry = 0;
    for (size_t i = 0; i < al->nshown; i++)
        free(al->shown[i]);
    free(al->shown);
    al->shown = shown;
    al->nshown = (size_t)count;
    pthread_mutex_lock(&al->lock);
    int changed_count = al->active != count;
    al->active = count;
    al->stats.generation = gen;
    crier_mqtt *mq = al->mq;
    if (mq) {
        crier_mqtt_report_alerts(mq, count);
        if (changed_count)
            crier_mqtt_heartbeat_soon(mq);
    }
    pthread_mutex_unlock(&al->lock);
    LOG_DEBUG(COMP, "snapshot %" PRIu64 ": %d alert(s) on screen", gen, count);
    return;
nomem:
    LOG_ERROR(COMP, "out of memory building the alert snapshot; retrying");
    al->snapshot_retry = 1;
    crier_alert_list_free(l);
    for (size_t i = 0; shown && i < total; i++)
        free(shown[i]);
    free(shown);
}

static void save_state(crier_alerts *al)
{
    if (!al->state_path)
        return;
    crier_err rc = crier_alert_set_save(al->set, al->state_path);
    if (rc != CRIER_OK) {
        LOG_ERROR(COMP, "cannot save the alert state to %s: %s", al->state_path, crier_strerror(rc));
        stat_add(al, &al->stats.save_errors, 1);
    } else {
        stat_add(al, &al->stats.saves, 1);
    }
}

/* ---- one message ------------------------------------------------------------ */

static int scope_matches(const crier_alert *a, const crier_topic *t)
{
    switch (a->scope) {
    case CRIER_ALERT_SCOPE_ALL: return t->scope == CRIER_SCOPE_ALL;
    case CRIER_ALERT_SCOPE_SITE: return t->scope == CRIER_SCOPE_SITE && a->scope_target && strcmp(a->scope_target, t->target) == 0;
    case CRIER_ALERT_SCOPE_KIOSK: return t->scope == CRIER_SCOPE_KIOSK && a->scope_target && strcmp(a->scope_target, t->target) == 0;
    }
    return 0;
}

/* An alert travels on its own topic id; an Update or Cancel on the topic id of
 * one of the alerts it references (it replaces the retained message there). */
static int topic_id_matches(const crier_alert *a, const char *tid)
{
    char want[CRIER_NAME_MAX + 1];
    if (crier_alert_topic_id(a->sender, a->identifier, want, sizeof want) == CRIER_OK && strcmp(want, tid) == 0)
        return 1;
    for (size_t i = 0; i < a->ref_count; i++)
        if (crier_alert_topic_id(a->refs[i].sender, a->refs[i].identifier, want, sizeof want) == CRIER_OK &&
            strcmp(want, tid) == 0)
            return 1;
    return 0;
}

static void handle_message(crier_alerts *al, job *j)
{
    char reason[300];
    msg_info mi = {0};
    crier_topic t;
    crier_alert *a = NULL;
    char *payload = NULL;
    size_t plen = 0;
    mi.topic = j->topic;
    mi.received_ms = j->received_ms;
    mi.bytes = j->len;
    mi.retained = j->retained;
    stat_add(al, &al->stats.received, 1);

    if (crier_topic_parse(j->topic, &t) != CRIER_OK || t.kind != CRIER_TOPIC_ALERT) {
        LOG_WARN(COMP, "message on %s is not an alert topic; dropped", j->topic);
        return;
    }
    snprintf(mi.tid, sizeof mi.tid, "%s", t.name);
    if (!crier_topic_is_for(&t, al->site, al->kiosk)) {
        snprintf(reason, sizeof reason, "alert topic for %s '%s' is not for this kiosk (site '%s')",
                 crier_scope_name(t.scope), t.target, nz(al->site));
        reject(al, &mi, CRIER_ERR_INVAL, reason);
        return;
    }
    if (j->len == 0) { /* staff cleared a retained alert topic: nothing to do */
        LOG_DEBUG(COMP, "empty retained message on %s (topic cleared)", j->topic);
        return;
    }
    if (!j->payload) {
        snprintf(reason, sizeof reason, "alert message of %zu bytes exceeds the limit of %u bytes", j->len,
                 (unsigned)CRIER_ENVELOPE_MAX_BYTES);
        reject(al, &mi, CRIER_ERR_LIMIT, reason);
        return;
    }
    uint64_t h = fnv1a(j->payload, j->len);
    /* Its retained copies (every reconnect re-sends every retained alert, and a
     * live alert is retained too) are then dropped at the door, before any
     * signature check: a reconnect costs a hash per alert.  A live message with
     * the same bytes is still handled (and refused as a replay, with a receipt). */
    remember_seen(al, h);
    char why[200] = "";
    crier_err rc = crier_envelope_open(j->payload, j->len, al->ring, &payload, &plen, &mi.issuer, &mi.key_id, why,
                                       sizeof why);
    if (rc != CRIER_OK) {
        snprintf(reason, sizeof reason, "%s", why[0] ? why : crier_strerror(rc));
        reject(al, &mi, rc, reason);
        goto cleanup;
    }
    rc = crier_alert_parse(payload, plen, &a, why, sizeof why);
    if (rc != CRIER_OK) {
        snprintf(reason, sizeof reason, "%s", why[0] ? why : crier_strerror(rc));
        reject(al, &mi, rc, reason);
        goto cleanup;
    }
    mi.identifier = crier_strdup(a->identifier);
    mi.sender = crier_strdup(a->sender);
    mi.msg_type = crier_alert_msgtype_name(a->msg_type);
    mi.status = crier_alert_status_name(a->status);
    mi.sent_ms = a->sent_ms;
    /* receipts go to the message's own topic id (crierctl waits there) */
    crier_alert_topic_id(a->sender, a->identifier, mi.tid, sizeof mi.tid);
    if (!scope_matches(a, &t)) {
        snprintf(reason, sizeof reason, "the alert's scope does not match its topic %s", j->topic);
        reject(al, &mi, CRIER_ERR_INVAL, reason);
        goto cleanup;
    }
    if (!topic_id_matches(a, t.name)) {
        snprintf(reason, sizeof reason,
                 "topic id '%s' is neither the alert's own nor that of an alert it references", t.name);
        reject(al, &mi, CRIER_ERR_INVAL, reason);
        goto cleanup;
    }

    int64_t now = crier_wall_ms();
    crier_alert_result res;
    crier_alert *consumed = a;
    a = NULL;
    rc = crier_alert_set_apply(al->set, consumed, mi.issuer, mi.key_id, now, &res);
    if (res.verdict == CRIER_ALERT_ACCEPTED) {
        stat_add(al, &al->stats.accepted, 1);
        al->hashes[al->hash_next] = h;
        al->hash_next = (al->hash_next + 1) % HASH_RING;
        LOG_INFO(COMP, "%s '%s' from '%s' (%s) accepted, signed by '%s' (key %s)%s%s", mi.msg_type, mi.identifier,
                 mi.sender, mi.status, nz(mi.issuer), nz(mi.key_id), res.reason[0] ? ": " : "", res.reason);
        crier_eventlog_emit(al->events, "alert_received", "s:identifier", mi.identifier, "s:sender", mi.sender,
                            "s:issuer", nz(mi.issuer), "s:msgType", mi.msg_type, "i:received_ms", mi.received_ms,
                            NULL);
        if (res.changed || membership_changed(al, now, al->default_ttl_ms))
            post_snapshot(al, now, al->default_ttl_ms);
        save_state(al);
        if (res.changed && al->gen) {
            if (al->npend == PENDING_MAX)
                pending_publish(al, 0, 0, "accepted; no presentation report (too many pending receipts)");
            pending *p = &al->pend[al->npend++];
            p->tid = crier_strdup(mi.tid);
            p->sender = crier_strdup(mi.sender);
            p->identifier = crier_strdup(mi.identifier);
            p->issuer = crier_strdup(mi.issuer);
            p->key_id = crier_strdup(mi.key_id);
            p->msg_type = crier_strdup(mi.msg_type);
            p->status = crier_strdup(mi.status);
            p->reason = res.reason[0] ? crier_strdup(res.reason) : NULL;
            p->sent_ms = mi.sent_ms;
            p->received_ms = mi.received_ms;
            p->bytes = mi.bytes;
            p->gen = al->gen;
            p->deadline_mono = crier_mono_ms() + al->present_timeout_ms;
        } else {
            crier_receipt r;
            receipt_from(al, &mi, "accepted", CRIER_OK,
                         res.reason[0] ? res.reason : "accepted; nothing on screen changed", &r);
            send_receipt(al, mi.tid, &r);
        }
    } else if (res.verdict == CRIER_ALERT_IGNORED) {
        stat_add(al, &al->stats.ignored, 1);
        LOG_INFO(COMP, "%s '%s' from '%s' ignored: %s", mi.msg_type, mi.identifier, mi.sender, res.reason);
        save_state(al); /* the identifier is remembered */
        crier_receipt r;
        receipt_from(al, &mi, "ignored", CRIER_OK, res.reason, &r);
        send_receipt(al, mi.tid, &r);
    } else if (res.verdict == CRIER_ALERT_REJECT_REPLAY_ID && (j->retained || hash_known(al, h))) {
        /* the broker re-sent a retained alert we already handled (every
         * reconnect does), or a QoS 1 duplicate: not an attack, no receipt */
        stat_add(al, &al->stats.duplicates, 1);
        LOG_DEBUG(COMP, "%s '%s' from '%s' already handled (%s)", mi.msg_type, mi.identifier, mi.sender,
                  j->retained ? "retained copy" : "duplicate");
    } else {
        reject(al, &mi, rc != CRIER_OK ? rc : CRIER_ERR_INVAL, res.reason);
    }
cleanup:
    crier_alert_free(a);
    free(payload);
    free(mi.identifier);
    free(mi.sender);
    free(mi.issuer);
    free(mi.key_id);
}

/* ---- the worker ----------------------------------------------------------------- */

static void handle_presented(crier_alerts *al, const job *j)
{
    for (size_t i = 0; i < al->npend;) {
        pending *p = &al->pend[i];
        int match = j->kind == JOB_PRESENTED_GEN
                        ? p->gen <= j->gen
                        : (strcmp(nz(p->sender), nz(j->sender)) == 0 && strcmp(nz(p->identifier), nz(j->identifier)) == 0);
        if (match)
            pending_publish(al, i, j->presented_ms, NULL); /* moves the last entry here */
        else
            i++;
    }
}

static void run_timers(crier_alerts *al)
{
    int64_t now = crier_wall_ms(), ttl = al->default_ttl_ms;
    size_t n = crier_alert_set_expire(al->set, now);
    if (n) {
        LOG_INFO(COMP, "%zu alert(s) expired at the kiosk's clock", n);
        stat_add(al, &al->stats.expired, n);
    }
    if (n || al->snapshot_retry || membership_changed(al, now, ttl))
        post_snapshot(al, now, ttl);
    if (n)
        save_state(al);
    int64_t mono = crier_mono_ms();
    for (size_t i = 0; i < al->npend;) {
        if (al->pend[i].deadline_mono <= mono)
            pending_publish(al, i, 0, "accepted; the screen did not report presenting it in time");
        else
            i++;
    }
}

static int64_t next_wait_ms(crier_alerts *al)
{
    int64_t wait = WAIT_MAX_MS, now = crier_wall_ms(), mono = crier_mono_ms();
    int64_t dl = crier_alert_set_next_deadline(al->set, now);
    if (dl != CRIER_ALERT_NO_DEADLINE && dl - now < wait)
        wait = dl - now;
    for (size_t i = 0; i < al->npend; i++)
        if (al->pend[i].deadline_mono - mono < wait)
            wait = al->pend[i].deadline_mono - mono;
    if (al->snapshot_retry && wait > RETRY_SNAPSHOT_MS)
        wait = RETRY_SNAPSHOT_MS;
    return wait < 0 ? 0 : wait;
}

/* Retained copies come in a burst after every (re)connect, in the broker's
 * topic order, not in the order they were sent.  Applying them out of order
 * would make a later alert's sequence number refuse an earlier one that this
 * kiosk has not seen yet (e.g. its save was cut by a power loss).  So when a
 * batch holds retained copies, wait until the burst settles (no new message
 * for SETTLE_MS, at most SETTLE_MAX_MS) and apply the alert messages in
 * sequence order.  Live alerts (retain flag 0) are never delayed. */
#define SETTLE_MS 40
#define SETTLE_MAX_MS 500

typedef struct ordered {
    job *j;
    int64_t seq; /* INT64_MAX when it cannot be read: keeps its place at the end */
    size_t pos;
} ordered;

static int cmp_ordered(const void *a, const void *b)
{
    const ordered *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int64_t peek_seq(const job *j)
{
    char *payload = NULL, *key_id = NULL;
    size_t plen = 0;
    int64_t seq = INT64_MAX;
    if (j->payload && crier_envelope_peek(j->payload, j->len, &payload, &plen, &key_id) == CRIER_OK) {
        crier_alert *a = NULL;
        if (crier_alert_parse(payload, plen, &a, NULL, 0) == CRIER_OK && a->seq > 0)
            seq = a->seq;
        crier_alert_free(a);
    }
    free(payload);
    free(key_id);
    return seq;
}

static job *settle_and_order(crier_alerts *al, job *list)
{
    int retained = 0;
    for (job *j = list; j; j = j->next)
        retained |= j->kind == JOB_MSG && j->retained;
    if (!retained)
        return list;
    job **tail = &list;
    while (*tail)
        tail = &(*tail)->next;
    int64_t end = crier_mono_ms() + SETTLE_MAX_MS;
    for (;;) { /* gather the rest of the burst */
        pthread_mutex_lock(&al->lock);
        if (!al->head && !al->stop) {
            struct timespec ts = crier_mono_deadline(SETTLE_MS);
            pthread_cond_timedwait(&al->cond, &al->lock, &ts);
        }
        job *more = al->head;
        al->head = al->tail = NULL;
        al->nqueued_msgs = al->nqueued_other = al->nqueued_bytes = 0;
        int stop = al->stop;
        pthread_mutex_unlock(&al->lock);
        *tail = more;
        while (*tail)
            tail = &(*tail)->next;
        if (!more || stop || crier_mono_ms() >= end)
            break;
    }
    size_t n = 0;
    for (job *j = list; j; j = j->next)
        n += j->kind == JOB_MSG;
    ordered *v = n ? calloc(n, sizeof *v) : NULL;
    if (!v)
        return list; /* out of memory: arrival order */
    job *others = NULL, **otail = &others;
    size_t k = 0;
    for (job *j = list, *next; j; j = next) {
        next = j->next;
        j->next = NULL;
        if (j->kind == JOB_MSG) {
            v[k] = (ordered){j, peek_seq(j), k};
            k++;
        } else {
            *otail = j;
            otail = &j->next;
        }
    }
    qsort(v, n, sizeof *v, cmp_ordered);
    job *out = NULL, **t = &out;
    for (size_t i = 0; i < n; i++) {
        *t = v[i].j;
        t = &v[i].j->next;
    }
    *t = others;
    free(v);
    return out;
}

static void *worker(void *arg)
{
    crier_alerts *al = arg;
    for (;;) {
        int64_t wait = next_wait_ms(al);
        pthread_mutex_lock(&al->lock);
        if (!al->head && !al->stop && wait > 0) {
            struct timespec ts = crier_mono_deadline(wait);
            pthread_cond_timedwait(&al->cond, &al->lock, &ts);
        }
        if (al->stop) {
            pthread_mutex_unlock(&al->lock);
            break;
        }
        job *list = al->head;
        al->head = al->tail = NULL;
        al->nqueued_msgs = al->nqueued_other = al->nqueued_bytes = 0;
        pthread_mutex_unlock(&al->lock);
        list = settle_and_order(al, list);
        while (list) {
            job *j = list;
            list = j->next;
            if (j->kind == JOB_MSG)
                handle_message(al, j);
            else
                handle_presented(al, j);
            job_free(j);
        }
        run_timers(al);
    }
    return NULL;
}

/* ---- public API ------------------------------------------------------------------ */

static void emsg(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void emsg(char *err, size_t len, const char *fmt, ...)
{
    if (!err || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

static void alerts_free(crier_alerts *al)
{
    if (!al)
        return;
    while (al->head) {
        job *j = al->head;
        al->head = j->next;
        job_free(j);
    }
    for (size_t i = 0; i < al->npend; i++)
        pending_clear(&al->pend[i]);
    for (size_t i = 0; i < al->nout; i++) {
        free(al->outbox[i].topic);
        free(al->outbox[i].json);
    }
    for (size_t i = 0; i < al->nshown; i++)
        free(al->shown[i]);
    free(al->shown);
    crier_alert_set_free(al->set);
    crier_keyring_free(al->ring);
    free(al->kiosk);
    free(al->site);
    free(al->state_path);
    pthread_mutex_destroy(&al->lock);
    pthread_cond_destroy(&al->cond);
    free(al);
}

crier_alerts *crier_alerts_start(const crier_alerts_config *cfg, char *err, size_t err_len)
{
    if (!cfg || !cfg->mailbox || !crier_name_valid(cfg->kiosk) || (cfg->site && *cfg->site && !crier_name_valid(cfg->site))) {
        emsg(err, err_len, "alerts: a mailbox and a valid kiosk id (and site, if any) are required");
        return NULL;
    }
    if (crier_sign_init() != CRIER_OK) {
        emsg(err, err_len, "alerts: libsodium cannot be initialised");
        return NULL;
    }
    crier_alerts *al = calloc(1, sizeof *al);
    if (!al) {
        emsg(err, err_len, "alerts: out of memory");
        return NULL;
    }
    pthread_mutex_init(&al->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&al->cond, &ca);
    pthread_condattr_destroy(&ca);
    al->kiosk = crier_strdup(cfg->kiosk);
    al->site = cfg->site && *cfg->site ? crier_strdup(cfg->site) : NULL;
    al->state_path = cfg->state_path && *cfg->state_path ? crier_strdup(cfg->state_path) : NULL;
    al->ring = crier_keyring_new();
    al->mailbox = cfg->mailbox;
    al->events = cfg->events;
    al->present_timeout_ms = cfg->present_timeout_ms > 0 ? cfg->present_timeout_ms : 10000;
    al->default_ttl_ms = cfg->default_ttl_ms > 0 ? cfg->default_ttl_ms : 0;
    crier_alert_set_opts o;
    crier_alert_set_opts_default(&o);
    o.seq_window = 10 * 60 * 1000; /* seq is the send time in ms (crierctl) */
    o.kiosk_id = al->kiosk;
    o.site_id = al->site;
    o.show_tests = cfg->show_tests ? 1 : 0;
    if (cfg->max_future_ms > 0)
        o.max_future_ms = cfg->max_future_ms;
    o.default_ttl_ms = al->default_ttl_ms;
    al->set = crier_alert_set_new(&o);
    if (!al->kiosk || !al->ring || !al->set || (cfg->site && *cfg->site && !al->site) ||
        (cfg->state_path && *cfg->state_path && !al->state_path)) {
        emsg(err, err_len, "alerts: out of memory");
        alerts_free(al);
        return NULL;
    }

    size_t nkeys = 0;
    crier_err krc = CRIER_ERR_NOTFOUND;
    if (cfg->keys_dir && *cfg->keys_dir)
        krc = crier_keyring_load_dir(al->ring, cfg->keys_dir, &nkeys);
    if (nkeys == 0) /* one line, naming the cause */
        LOG_WARN(COMP, "no trusted alert keys in alert_keys_dir '%s'%s: alerts and signed posts cannot be accepted",
                 nz(cfg->keys_dir), krc == CRIER_ERR_NOTFOUND ? " (folder missing)" : "");
    else
        LOG_INFO(COMP, "%zu trusted alert key(s) from %s", nkeys, cfg->keys_dir);
    al->require_signed = cfg->require_signed_posts < 0 ? nkeys > 0 : cfg->require_signed_posts != 0;
    LOG_INFO(COMP, "staff posts: %s", al->require_signed ? "only signed posts are accepted"
                                                          : "unsigned posts are accepted (signed ones are verified)");

    /* filters for the MQTT thread */
    if (crier_topic_alert(al->filters[al->nfilters], CRIER_TOPIC_MAX, CRIER_SCOPE_ALL, NULL, "+") == CRIER_OK)
        al->nfilters++;
    if (al->site &&
        crier_topic_alert(al->filters[al->nfilters], CRIER_TOPIC_MAX, CRIER_SCOPE_SITE, al->site, "+") == CRIER_OK)
        al->nfilters++;
    if (crier_topic_alert(al->filters[al->nfilters], CRIER_TOPIC_MAX, CRIER_SCOPE_KIOSK, al->kiosk, "+") == CRIER_OK)
        al->nfilters++;
    for (size_t i = 0; i < al->nfilters; i++)
        al->filter_ptrs[i] = al->filters[i];

    /* what was on screen before the restart, at once, before any broker */
    int64_t now = crier_wall_ms();
    if (al->state_path) {
        int corrupt = 0;
        crier_err rc = crier_alert_set_load(al->set, al->state_path, now, &corrupt);
        if (rc != CRIER_OK)
            LOG_ERROR(COMP, "cannot load the alert state %s: %s", al->state_path, crier_strerror(rc));
        else if (corrupt)
            LOG_ERROR(COMP, "alert state %s was corrupt (kept as .corrupt); the broker's retained alerts will restore it",
                      al->state_path);
        else if (crier_alert_set_count(al->set))
            LOG_INFO(COMP, "%zu active alert(s) restored from %s", crier_alert_set_count(al->set), al->state_path);
    }
    post_snapshot(al, now, al->default_ttl_ms);

    if (pthread_create(&al->thread, NULL, worker, al) != 0) {
        emsg(err, err_len, "alerts: cannot start the thread");
        alerts_free(al);
        return NULL;
    }
    al->started = 1;
    return al;
}

void crier_alerts_stop(crier_alerts *al)
{
    if (!al)
        return;
    if (al->started) {
        pthread_mutex_lock(&al->lock);
        al->stop = 1;
        pthread_cond_signal(&al->cond);
        pthread_mutex_unlock(&al->lock);
        pthread_join(al->thread, NULL);
    }
    alerts_free(al);
}

static int on_extra(void *ud, const char *topic, const void *payload, size_t len, int retained)
{
    crier_topic t;
    if (crier_topic_parse(topic, &t) != CRIER_OK || t.kind != CRIER_TOPIC_ALERT)
        return -1;
    crier_err rc = crier_alerts_submit(ud, topic, payload, len, retained);
    if (rc == CRIER_ERR_FULL)
        LOG_ERROR(COMP, "alert queue full: message on %s dropped (the retained copy comes back on reconnect)", topic);
    return 0;
}

void crier_alerts_mqtt_hooks(crier_alerts *al, crier_mqtt_config *mc)
{
    if (!al || !mc)
        return;
    mc->extra_filters = al->filter_ptrs;
    mc->extra_filter_count = al->nfilters;
    mc->on_extra = on_extra;
    mc->extra_ud = al;
    mc->post_keyring = al->ring;
    mc->require_signed_posts = al->require_signed;
}

void crier_alerts_set_mqtt(crier_alerts *al, crier_mqtt *mq)
{
    if (!al)
        return;
    pthread_mutex_lock(&al->lock);
    al->mq = mq;
    if (mq) {
        for (size_t i = 0; i < al->nout; i++) {
            crier_mqtt_publish(mq, al->outbox[i].topic, al->outbox[i].json, strlen(al->outbox[i].json), 1, 0);
            free(al->outbox[i].topic);
            free(al->outbox[i].json);
        }
        al->nout = 0;
        crier_mqtt_report_alerts(mq, al->active);
    }
    pthread_mutex_unlock(&al->lock);
}

static crier_err enqueue(crier_alerts *al, job *j)
{
    pthread_mutex_lock(&al->lock);
    int msg = j->kind == JOB_MSG;
    if (al->stop || (msg && (al->nqueued_msgs >= QUEUE_MAX_MSGS || al->nqueued_bytes + j->len > QUEUE_MAX_BYTES)) ||
        (!msg && al->nqueued_other >= QUEUE_MAX_OTHER)) {
        pthread_mutex_unlock(&al->lock);
        job_free(j);
        return CRIER_ERR_FULL;
    }
    if (msg) {
        al->nqueued_msgs++;
        al->nqueued_bytes += j->len;
    }
    else
        al->nqueued_other++;
    if (al->tail)
        al->tail->next = j;
    else
        al->head = j;
    al->tail = j;
    pthread_cond_signal(&al->cond);
    pthread_mutex_unlock(&al->lock);
    return CRIER_OK;
}

crier_err crier_alerts_submit(crier_alerts *al, const char *topic, const void *payload, size_t len, int retained)
{
    if (!al || !topic || (len && !payload))
        return CRIER_ERR_INVAL;
    job *j = calloc(1, sizeof *j);
    if (!j)
        return CRIER_ERR_NOMEM;
    if (retained && len && len <= CRIER_ENVELOPE_MAX_BYTES && seen_before(al, fnv1a(payload, len))) {
        free(j);
        stat_add(al, &al->stats.duplicates, 1);
        return CRIER_OK; /* a retained copy we handled already */
    }
    j->kind = JOB_MSG;
    j->received_ms = crier_wall_ms();
    j->len = len;
    j->retained = retained;
    j->topic = crier_strdup(topic);
    if (!j->topic) {
        job_free(j);
        return CRIER_ERR_NOMEM;
    }
    if (len && len <= CRIER_ENVELOPE_MAX_BYTES) { /* larger: only its size travels */
        if (!(j->payload = malloc(len + 1))) {
            job_free(j);
            return CRIER_ERR_NOMEM;
        }
        memcpy(j->payload, payload, len);
        j->payload[len] = '\0';
    }
    return enqueue(al, j);
}

void crier_alerts_snapshot_presented(crier_alerts *al, uint64_t generation, int64_t presented_ms)
{
    if (!al || !generation)
        return;
    job *j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->kind = JOB_PRESENTED_GEN;
    j->gen = generation;
    j->presented_ms = presented_ms;
    enqueue(al, j);
}

void crier_alerts_presented(crier_alerts *al, const char *sender, const char *identifier, int64_t presented_ms)
{
    if (!al || !sender || !identifier)
        return;
    job *j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->kind = JOB_PRESENTED_ALERT;
    j->sender = crier_strdup(sender);
    j->identifier = crier_strdup(identifier);
    j->presented_ms = presented_ms;
    if (!j->sender || !j->identifier) {
        job_free(j);
        return;
    }
    enqueue(al, j);
}

uint64_t crier_alerts_msg_generation(const crier_msg *msg)
{
    if (!msg || msg->type != CRIER_MSG_ALERTS || !msg->key)
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(msg->key, &end, 10);
    return errno || !end || *end ? 0 : (uint64_t)v;
}

int crier_alerts_active_count(crier_alerts *al)
{
    if (!al)
        return 0;
    pthread_mutex_lock(&al->lock);
    int n = al->active;
    pthread_mutex_unlock(&al->lock);
    return n;
}

const crier_keyring *crier_alerts_keyring(crier_alerts *al)
{
    return al ? al->ring : NULL;
}

int crier_alerts_require_signed_posts(crier_alerts *al)
{
    return al ? al->require_signed : 0;
}

void crier_alerts_get_stats(crier_alerts *al, crier_alerts_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!al)
        return;
    pthread_mutex_lock(&al->lock);
    *out = al->stats;
    pthread_mutex_unlock(&al->lock);
}
