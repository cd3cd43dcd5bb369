/* alerts.c - the kiosk's emergency alert service: lifecycle, the worker and
 * the public calls (see alerts.h, docs/alerts.md; the other parts are listed
 * in alerts_internal.h).
 *
 * Design: one worker (base/worker.h) owns the alert set (alerts/alert_set.h
 * is not locked), the pending receipts and the duplicate memory.  Everything
 * else talks to it through its inbox:
 *   - the MQTT thread's hook copies each alert message into a job (a message
 *     over CRIER_ENVELOPE_MAX_BYTES is not copied, only its size) and returns
 *     at once, so signature checks and fsync never stall the network loop;
 *   - the render thread's "presented" calls are jobs too.
 * on_msg moves each job into a batch; on_tick handles the batch (at once, or
 * once a burst of retained copies has settled: alerts_order.c), runs the
 * timers and publishes what the batch produced.  The worker sleeps until the
 * nearest deadline: the set's next expiry or effective time, a pending
 * receipt's timeout, a settling burst, or at most WAIT_MAX_MS, so a wall
 * clock step in either direction is noticed within a second (deadlines are
 * wall times; the wait itself is on the monotonic clock).
 *
 * Clock steps backwards: the set never resurrects an expired or cancelled
 * alert (replay memory).  An alert that was on screen stays on screen even if
 * its effective time is now "in the future" (the displayable rule of
 * alerts/alert_rules.h), so a clock step cannot blank a real alert either.
 *
 * Lock rule: `lock` is a leaf.  While holding it this module calls no other
 * module: not MQTT, not the render mailbox, not the event log.  Outgoing
 * publications (receipts, the active alert count, a heartbeat request) are
 * collected under the lock in the outbox and published after unlocking
 * (crier_alerts__flush).  Why: the MQTT thread calls into this module (the
 * alert hook takes `lock` to drop retained duplicates) from inside
 * libmosquitto's callbacks, and publishing takes MQTT's and libmosquitto's
 * locks; holding ours while taking theirs would give the opposite order
 * too, and a deadlock.  What replaces the lock's protection of the client
 * pointer: `publishing` counts publishes in flight, and
 * crier_alerts_set_mqtt(al, NULL) waits (on `idle`, lock released) until it is
 * 0, so the caller may stop and free the client as soon as it returns. */
#include "alerts/alerts_internal.h"

#include "alerts/alert.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "content/content.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WAIT_MAX_MS 1000
#define QUEUE_MAX_MSGS 4096
#define QUEUE_MAX_BYTES (64u * 1024u * 1024u)
#define QUEUE_MAX_OTHER 4096
#define RETRY_SNAPSHOT_MS 100

void crier_alerts__stat_add(crier_alerts *al, uint64_t *field, uint64_t n)
{
    pthread_mutex_lock(&al->lock);
    *field += n;
    pthread_mutex_unlock(&al->lock);
}

static void job_free(alerts_job *j)
{
    if (!j)
        return;
    free(j->topic);
    free(j->payload);
    free(j->sender);
    free(j->identifier);
    free(j);
}

static void job_free_void(void *j)
{
    job_free(j);
}

static void job_list_free(alerts_job *list)
{
    while (list) {
        alerts_job *next = list->next;
        job_free(list);
        list = next;
    }
}

/* Jobs queued in the inbox (delta +1 when queued, -1 when taken).  Under lock. */
static void count_job(crier_alerts *al, const alerts_job *j, int delta)
{
    if (j->kind == JOB_MSG) {
        al->nqueued_msgs += (size_t)delta;
        al->nqueued_bytes += (size_t)delta * j->len;
    } else {
        al->nqueued_other += (size_t)delta;
    }
}

/* ---- the worker --------------------------------------------------------------- */

static void on_msg(void *ud, crier_msg **msg)
{
    crier_alerts *al = ud;
    alerts_job *j = (*msg)->type == CRIER_MSG_JOB ? (*msg)->payload : NULL;
    if (!j)
        return;
    (*msg)->payload = NULL; /* the batch owns it now */
    pthread_mutex_lock(&al->lock);
    count_job(al, j, -1);
    pthread_mutex_unlock(&al->lock);
    int64_t now = crier_mono_ms();
    if (j->kind == JOB_MSG && j->retained && !al->batch_retained) {
        al->batch_retained = 1;
        al->settle_end_mono = now + ALERTS_SETTLE_MAX_MS;
    }
    al->batch_last_mono = now;
    j->next = NULL;
    *al->batch_tail = j;
    al->batch_tail = &j->next;
}

static void run_batch(crier_alerts *al)
{
    alerts_job *list = al->batch;
    if (al->batch_retained)
        list = crier_alerts__order(list);
    al->batch = NULL;
    al->batch_tail = &al->batch;
    al->batch_retained = 0;
    while (list) {
        alerts_job *j = list;
        list = j->next;
        if (j->kind == JOB_MSG)
            crier_alerts__handle_message(al, j);
        else
            crier_alerts__handle_presented(al, j);
        job_free(j);
    }
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t on_tick(void *ud, int64_t now_mono)
{
    crier_alerts *al = ud;
    int64_t settle = INT64_MAX;
    if (al->batch) {
        int64_t quiet = al->batch_last_mono + ALERTS_SETTLE_MS;
        if (al->batch_retained && now_mono < quiet && now_mono < al->settle_end_mono)
            settle = min64(quiet, al->settle_end_mono); /* gather the rest of the burst */
        else
            run_batch(al);
    }
    int64_t now = crier_wall_ms();
    crier_alerts__snapshot_timers(al, now);
    int64_t receipts = crier_alerts__receipt_timers(al, crier_mono_ms());
    crier_alerts__flush(al);

    int64_t wait = WAIT_MAX_MS;
    int64_t dl = crier_alert_set_next_deadline(al->set, now);
    if (dl != CRIER_ALERT_NO_DEADLINE && dl - now < wait)
        wait = dl - now;
    if (al->snapshot_retry && wait > RETRY_SNAPSHOT_MS)
        wait = RETRY_SNAPSHOT_MS;
    int64_t deadline = crier_mono_ms() + (wait < 0 ? 0 : wait);
    return min64(deadline, min64(receipts, settle));
}

static const crier_worker_ops worker_ops = {.name = "crier-alerts", .on_msg = on_msg, .on_tick = on_tick};

/* ---- lifecycle ------------------------------------------------------------------ */

static void alerts_free(crier_alerts *al)
{
    if (!al)
        return;
    job_list_free(al->batch);
    crier_alerts__receipts_free(al);
    crier_alert_seen_clear(&al->shown);
    crier_alert_set_free(al->set);
    crier_keyring_free(al->ring);
    free(al->kiosk);
    free(al->site);
    free(al->state_path);
    pthread_mutex_destroy(&al->lock);
    pthread_cond_destroy(&al->idle);
    free(al);
}

crier_err crier_alerts_start(crier_alerts **out, const crier_alerts_cfg *cfg, char *err, size_t err_len)
{
    *out = NULL;
    if (!cfg || !cfg->mailbox || !crier_name_valid(cfg->kiosk) || (cfg->site && *cfg->site && !crier_name_valid(cfg->site))) {
        crier_errf(err, err_len, "alerts: a mailbox and a valid kiosk id (and site, if any) are required");
        return CRIER_ERR_INVAL;
    }
    if (crier_sign_init() != CRIER_OK) {
        crier_errf(err, err_len, "alerts: libsodium cannot be initialised");
        return CRIER_ERR_UNSUPPORTED;
    }
    crier_alerts *al = calloc(1, sizeof *al);
    if (!al) {
        crier_errf(err, err_len, "alerts: out of memory");
        return CRIER_ERR_NOMEM;
    }
    pthread_mutex_init(&al->lock, NULL);
    pthread_cond_init(&al->idle, NULL);
    al->batch_tail = &al->batch;
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
        crier_errf(err, err_len, "alerts: out of memory");
        alerts_free(al);
        return CRIER_ERR_NOMEM;
    }

    size_t nkeys = 0;
    crier_err krc = CRIER_ERR_NOTFOUND;
    if (cfg->keys_dir && *cfg->keys_dir)
        krc = crier_keyring_load_dir(al->ring, cfg->keys_dir, &nkeys);
    if (nkeys == 0) /* one line, naming the cause */
        LOG_WARN(ALERTS_COMP, "no trusted alert keys in alert_keys_dir '%s'%s: alerts and signed posts cannot be accepted",
                 nz(cfg->keys_dir), krc == CRIER_ERR_NOTFOUND ? " (folder missing)" : "");
    else
        LOG_INFO(ALERTS_COMP, "%zu trusted alert key(s) from %s", nkeys, cfg->keys_dir);
    al->require_signed = cfg->require_signed_posts < 0 ? nkeys > 0 : cfg->require_signed_posts != 0;
    LOG_INFO(ALERTS_COMP, "staff posts: %s", al->require_signed ? "only signed posts are accepted"
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
            LOG_ERROR(ALERTS_COMP, "cannot load the alert state %s: %s", al->state_path, crier_strerror(rc));
        else if (corrupt)
            LOG_ERROR(ALERTS_COMP, "alert state %s was corrupt (kept as .corrupt); the broker's retained alerts will restore it",
                      al->state_path);
        else if (crier_alert_set_count(al->set))
            LOG_INFO(ALERTS_COMP, "%zu active alert(s) restored from %s", crier_alert_set_count(al->set), al->state_path);
    }
    crier_alerts__post_snapshot(al, now);

    crier_err rc = crier_worker_start(&al->worker, &worker_ops, al, QUEUE_MAX_MSGS + QUEUE_MAX_OTHER + 16);
    if (rc != CRIER_OK) {
        crier_errf(err, err_len, "alerts: cannot start the thread: %s", crier_strerror(rc));
        alerts_free(al);
        return rc;
    }
    *out = al;
    return CRIER_OK;
}


void crier_alerts_stop(crier_alerts *al)
{
    if (!al)
        return;
    crier_worker_stop(al->worker); /* jobs still queued are freed unhandled */
    alerts_free(al);
}

/* ---- the public calls ------------------------------------------------------------ */

static int on_extra(void *ud, const char *topic, const void *payload, size_t len, int retained)
{
    crier_topic t;
    if (crier_topic_parse(topic, &t) != CRIER_OK || t.kind != CRIER_TOPIC_ALERT)
        return -1;
    crier_err rc = crier_alerts_submit(ud, topic, payload, len, retained);
    if (rc == CRIER_ERR_FULL)
        LOG_ERROR(ALERTS_COMP, "alert queue full: message on %s dropped (the retained copy comes back on reconnect)",
                  topic);
    return 0;
}

void crier_alerts_mqtt_hooks(crier_alerts *al, crier_mqtt_cfg *mc)
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
    al->report_active = mq != NULL; /* the client learns the count at once; no heartbeat request */
    al->heartbeat_soon = 0;
    while (!mq && al->publishing) /* the old client may go once no publish uses it */
        pthread_cond_wait(&al->idle, &al->lock);
    pthread_mutex_unlock(&al->lock);
    if (mq)
        crier_alerts__flush(al); /* the receipts kept while there was no client */
}

static crier_err enqueue(crier_alerts *al, alerts_job *j)
{
    int msg = j->kind == JOB_MSG;
    pthread_mutex_lock(&al->lock);
    if ((msg && (al->nqueued_msgs >= QUEUE_MAX_MSGS || al->nqueued_bytes + j->len > QUEUE_MAX_BYTES)) ||
        (!msg && al->nqueued_other >= QUEUE_MAX_OTHER)) {
        pthread_mutex_unlock(&al->lock);
        job_free(j);
        return CRIER_ERR_FULL;
    }
    count_job(al, j, +1);
    pthread_mutex_unlock(&al->lock);
    crier_msg *m = crier_msg_new(CRIER_MSG_JOB, NULL, NULL);
    crier_err rc = CRIER_ERR_NOMEM;
    if (m) {
        m->kind = (int)j->kind;
        m->payload = j;
        m->payload_free = job_free_void;
        rc = crier_worker_post(al->worker, m) == CRIER_OK ? CRIER_OK : CRIER_ERR_FULL; /* frees m on error */
    }
    if (rc != CRIER_OK) {
        pthread_mutex_lock(&al->lock);
        count_job(al, j, -1);
        pthread_mutex_unlock(&al->lock);
        if (!m)
            job_free(j);
    }
    return rc;
}

crier_err crier_alerts_submit(crier_alerts *al, const char *topic, const void *payload, size_t len, int retained)
{
    if (!al || !topic || (len && !payload))
        return CRIER_ERR_INVAL;
    if (retained && len && len <= CRIER_ENVELOPE_MAX_BYTES && crier_alerts__seen_before(al, payload, len)) {
        crier_alerts__stat_add(al, &al->stats.duplicates, 1);
        return CRIER_OK; /* a retained copy we handled already */
    }
    alerts_job *j = calloc(1, sizeof *j);
    if (!j)
        return CRIER_ERR_NOMEM;
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
    alerts_job *j = calloc(1, sizeof *j);
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
    alerts_job *j = calloc(1, sizeof *j);
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
