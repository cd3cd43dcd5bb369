/* mqtt.c - the kiosk's MQTT client thread (see mqtt.h, docs/protocol.md).
 *
 * Design: one thread owns the libmosquitto instance and runs its own loop
 * (mosquitto_threaded_set(true) + mosquitto_loop()), so timers (heartbeat,
 * proof-of-play flush, reconnect back-off) live beside the network loop and
 * sleep until the nearest deadline (at most LOOP_MAX_WAIT_MS).  Other threads
 * may publish through libmosquitto, which is thread-safe in this mode: it only
 * queues the packet and wakes the loop through its socket pair.
 *
 * Message path (on_message, MQTT thread): topic parse -> scope check ->
 * size/dup checks -> crier_post_parse()/crier_command_parse() -> owned
 * crier_item / crier_command posted to the mailbox.  The library frees its
 * message after the callback; nothing keeps a pointer into it.
 *
 * Lock contract: `lock` guards `stop`, `hb_soon`, the snapshot fields
 * (show_*, content_ms, alerts) and `stats`; the condition variable wakes
 * back-off sleeps on stop.  Everything else (posts table, command ring,
 * protocol, back-off state) belongs to the MQTT thread alone. */
#include "remote/mqtt.h"
#include "content/content.h"
#include "base/log.h"
#include "remote/protocol.h"
#include "base/timeutil.h"
#include "crier_version.h"

#include <errno.h>
#include <math.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMP "mqtt"
#define LOOP_MAX_WAIT_MS 1000
#define TRIM_EVERY_MS 60000 /* free heap pages go back to the system this often */
#define MAX_POSTS 2000              /* distinct posts tracked (dedup / retract) */
#define CMD_RING 32                 /* recent command request ids (dedup) */
#define MAX_PACKET (16u * 1024u * 1024u) /* MQTT 5 Maximum Packet Size we accept */
#define REJECT_PER_S 20             /* rejection receipts per second at most */
#define PROOFPLAY_FLUSH_MS 2000

typedef struct post_entry {
    char id[CRIER_NAME_MAX + 1];
    char topic[CRIER_TOPIC_MAX];
    uint64_t hash; /* FNV-1a of the payload */
    size_t len;
    int seen;      /* re-delivered since the last subscribe (see sweep) */
} post_entry;

struct crier_mqtt {
    /* config (immutable after start) */
    char *kiosk, *site, *username, *password, *cafile, *certfile, *keyfile;
    crier_broker_url url;
    int protocol_cfg, keepalive_s, heartbeat_s, session_expiry_s, reconnect_min_ms, reconnect_max_ms;
    size_t screenshot_max;
    crier_mailbox *mailbox;
    crier_proofplay *proofplay;
    char *(*feeds_json)(void *ud);
    void *feeds_ud;
    char **extra_filters;
    size_t extra_count;
    int (*on_extra)(void *, const char *, const void *, size_t, int);
    void *extra_ud;
    const crier_keyring *post_keyring; /* borrowed, read-only */
    int require_signed_posts;
    char topic_status[CRIER_TOPIC_MAX], topic_heartbeat[CRIER_TOPIC_MAX], topic_rejected[CRIER_TOPIC_MAX];
    int64_t start_mono_ms;

    struct mosquitto *mosq;
    pthread_t thread;
    int thread_started;

    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop;          /* guarded by lock */
    int hb_soon;       /* guarded by lock */
    char *show_id, *show_source, *show_title; /* guarded by lock */
    int64_t show_since_ms, content_ms;        /* guarded by lock */
    int alerts;                               /* guarded by lock; -1 unknown */
    crier_mqtt_stats stats;                   /* guarded by lock */

    /* MQTT thread only */
    int protocol;      /* MQTT_PROTOCOL_V5 or MQTT_PROTOCOL_V311 */
    int sock_up;       /* TCP/TLS connection exists (CONNACK may be pending) */
    int session_ok;    /* CONNACK accepted */
    int fallback_now;  /* reconnect at once with 3.1.1 */
    int backoff_ms;
    int sub_mid;       /* our post/command subscription */
    int64_t sweep_at;  /* mono ms: retract posts not re-delivered since subscribing; 0 = none */
    post_entry *posts;
    size_t nposts;
    char cmd_ring[CMD_RING][CRIER_NAME_MAX + 1];
    size_t cmd_next;
    int64_t reject_window_ms;
    int reject_in_window;
    uint64_t reject_suppressed;
    volatile int offline_mid; /* mid of the final "offline" publish */
    volatile int offline_acked;
};

/* ---- small helpers ------------------------------------------------------- */

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

static void set_error(crier_mqtt *mq, const char *msg)
{
    pthread_mutex_lock(&mq->lock);
    size_t n = strnlen(msg, sizeof mq->stats.last_error - 1); /* cut long messages */
    memcpy(mq->stats.last_error, msg, n);
    mq->stats.last_error[n] = '\0';
    pthread_mutex_unlock(&mq->lock);
}

static void stat_inc(crier_mqtt *mq, uint64_t *field)
{
    pthread_mutex_lock(&mq->lock);
    (*field)++;
    pthread_mutex_unlock(&mq->lock);
}

static int stopping(crier_mqtt *mq)
{
    pthread_mutex_lock(&mq->lock);
    int s = mq->stop;
    pthread_mutex_unlock(&mq->lock);
    return s;
}

crier_err crier_mqtt_read_password(const char *path, char **out)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        LOG_ERROR(COMP, "cannot read password file %s: %s", path, strerror(errno));
        return CRIER_ERR_IO;
    }
    char buf[1026];
    crier_err rc = CRIER_OK;
    if (!fgets(buf, sizeof buf, f))
        buf[0] = '\0';
    fclose(f);
    size_t n = strlen(buf);
    if (n > 1024) {
        LOG_ERROR(COMP, "password file %s: first line longer than 1024 bytes", path);
        return CRIER_ERR_LIMIT;
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    *out = crier_strdup(buf);
    if (!*out)
        rc = CRIER_ERR_NOMEM;
    return rc;
}

static int publish_raw(crier_mqtt *mq, const char *topic, const void *payload, size_t len, int qos, int retain,
                       int *mid)
{
    if (len > (size_t)INT32_MAX)
        return MOSQ_ERR_PAYLOAD_SIZE;
    return mosquitto_publish_v5(mq->mosq, mid, topic, (int)len, payload, qos, retain ? true : false, NULL);
}

static void publish_json(crier_mqtt *mq, const char *topic, char *json, int qos, int retain)
{
    if (!json)
        return;
    int rc = publish_raw(mq, topic, json, strlen(json), qos, retain, NULL);
    if (rc != MOSQ_ERR_SUCCESS)
        LOG_DEBUG(COMP, "publish to %s not queued: %s", topic, mosquitto_strerror(rc));
    free(json);
}

/* Logs a rejection and publishes a receipt (rate limited). */
static void reject(crier_mqtt *mq, const char *topic, const char *id, crier_err code, const char *reason,
                   size_t bytes)
{
    LOG_WARN(COMP, "rejected message on %s (%zu bytes): %s", topic ? topic : "?", bytes, reason);
    pthread_mutex_lock(&mq->lock);
    mq->stats.rejected++;
    snprintf(mq->stats.last_error, sizeof mq->stats.last_error, "%s", reason);
    pthread_mutex_unlock(&mq->lock);
    int64_t now = crier_mono_ms();
    if (now - mq->reject_window_ms >= 1000) {
        if (mq->reject_suppressed)
            LOG_WARN(COMP, "%llu rejection receipts suppressed (rate limit %d/s)",
                     (unsigned long long)mq->reject_suppressed, REJECT_PER_S);
        mq->reject_window_ms = now;
        mq->reject_in_window = 0;
        mq->reject_suppressed = 0;
    }
    if (mq->reject_in_window >= REJECT_PER_S) {
        mq->reject_suppressed++;
        return;
    }
    mq->reject_in_window++;
    publish_json(mq, mq->topic_rejected,
                 crier_rejection_write(mq->kiosk, topic, id, code, reason, bytes, crier_wall_ms()), 1, 0);
}

/* ---- posts table ----------------------------------------------------------- */

static post_entry *post_find(crier_mqtt *mq, const char *id)
{
    for (size_t i = 0; i < mq->nposts; i++)
        if (strcmp(mq->posts[i].id, id) == 0)
            return &mq->posts[i];
    return NULL;
}

static void post_remove(crier_mqtt *mq, post_entry *e)
{
    *e = mq->posts[--mq->nposts];
}

static void item_free(void *p)
{
    crier_item_clear(p);
    free(p);
}

static void handle_post(crier_mqtt *mq, const crier_topic *t, const char *topic, const void *payload, size_t len)
{
    char err[256];
    if (!crier_topic_is_for(t, mq->site, mq->kiosk)) {
        snprintf(err, sizeof err, "post for %s '%s' is not for this kiosk (site '%s')", crier_scope_name(t->scope),
                 t->target, mq->site ? mq->site : "");
        reject(mq, topic, t->name, CRIER_ERR_INVAL, err, len);
        return;
    }
    /* with trusted keys a post may come as an envelope (base64 adds a third) */
    size_t max = mq->post_keyring ? CRIER_POST_ENVELOPE_MAX_BYTES : CRIER_POST_MAX_BYTES;
    if (len > max) {
        snprintf(err, sizeof err, "payload of %zu bytes exceeds the limit of %zu bytes", len, max);
        reject(mq, topic, t->name, CRIER_ERR_LIMIT, err, len);
        return;
    }
    post_entry *e = post_find(mq, t->name);
    if (e && len > 0 && strcmp(e->topic, topic) == 0)
        e->seen = 1; /* still on the broker (even if this version is rejected) */
    if (len == 0) { /* retraction */
        if (!e || strcmp(e->topic, topic) != 0) {
            snprintf(err, sizeof err, "retraction of unknown post '%s'", t->name);
            reject(mq, topic, t->name, CRIER_ERR_NOTFOUND, err, len);
            return;
        }
        crier_msg *m = crier_msg_new(CRIER_MSG_ITEM_RETRACT, "mqtt", t->name);
        if (!m || crier_mailbox_post(mq->mailbox, m) != CRIER_OK) {
            LOG_ERROR(COMP, "retraction of '%s' could not be queued", t->name);
            return; /* keep the entry: a redelivery may succeed */
        }
        post_remove(mq, e);
        stat_inc(mq, &mq->stats.retracts);
        LOG_INFO(COMP, "post '%s' retracted (%s)", t->name, topic);
        return;
    }
    uint64_t h = fnv1a(payload, len);
    if (e && e->hash == h && e->len == len && strcmp(e->topic, topic) == 0) {
        stat_inc(mq, &mq->stats.duplicates);
        LOG_DEBUG(COMP, "duplicate of post '%s' dropped", t->name);
        return;
    }
    if (!e && mq->nposts >= MAX_POSTS) {
        snprintf(err, sizeof err, "too many posts (limit %d)", MAX_POSTS);
        reject(mq, topic, t->name, CRIER_ERR_LIMIT, err, len);
        return;
    }
    crier_item *item = calloc(1, sizeof *item);
    if (!item) {
        LOG_ERROR(COMP, "out of memory for post '%s'", t->name);
        return;
    }
    char *issuer = NULL;
    crier_err rc = crier_post_open(payload, len, mq->post_keyring, mq->require_signed_posts, t->name, "mqtt",
                                   crier_wall_ms(), item, &issuer, err, sizeof err);
    if (rc != CRIER_OK) {
        free(item);
        reject(mq, topic, t->name, rc, err, len);
        return;
    }
    LOG_INFO(COMP, "post '%s' %s from %s%s%s%s: \"%.60s\"", t->name, e ? "updated" : "received", topic,
             issuer ? " (signed by '" : " (unsigned", issuer ? issuer : "", issuer ? "')" : ")", item->title);
    free(issuer);
    crier_msg *m = crier_msg_new(CRIER_MSG_ITEM_UPSERT, "mqtt", t->name);
    if (!m) {
        item_free(item);
        return;
    }
    m->payload = item;
    m->payload_free = item_free;
    if (crier_mailbox_post(mq->mailbox, m) != CRIER_OK) {
        reject(mq, topic, t->name, CRIER_ERR_FULL, "kiosk busy: post not queued, will retry on redelivery", len);
        return;
    }
    if (!e)
        e = &mq->posts[mq->nposts++];
    snprintf(e->id, sizeof e->id, "%s", t->name);
    snprintf(e->topic, sizeof e->topic, "%s", topic);
    e->hash = h;
    e->len = len;
    e->seen = 1;
    stat_inc(mq, &mq->stats.posts);
}

static void subscribe_all(crier_mqtt *mq);

static void handle_command(crier_mqtt *mq, const crier_topic *t, const char *topic, const void *payload, size_t len)
{
    char err[256], reply_topic[CRIER_TOPIC_MAX];
    crier_command cmd;
    crier_err rc = crier_command_parse(t->name, payload, len, crier_wall_ms(), &cmd, err, sizeof err);
    if (rc != CRIER_OK) {
        reject(mq, topic, cmd.req[0] ? cmd.req : NULL, rc, err, len);
        /* answer on the reply topic too when the request id is readable */
        if (cmd.req[0] &&
            crier_topic_kiosk(reply_topic, sizeof reply_topic, CRIER_TOPIC_REPLY, mq->kiosk, cmd.req) == CRIER_OK)
            publish_json(mq, reply_topic, crier_reply_write(mq->kiosk, cmd.req, t->name, 0, err, 0, crier_wall_ms()),
                         1, 0);
        return;
    }
    for (size_t i = 0; i < CMD_RING; i++) {
        if (strcmp(mq->cmd_ring[i], cmd.req) == 0) {
            stat_inc(mq, &mq->stats.duplicates);
            LOG_DEBUG(COMP, "duplicate command %s/%s dropped", cmd.name, cmd.req);
            return;
        }
    }
    snprintf(mq->cmd_ring[mq->cmd_next], sizeof mq->cmd_ring[0], "%s", cmd.req);
    mq->cmd_next = (mq->cmd_next + 1) % CMD_RING;

    crier_command *payload_cmd = malloc(sizeof *payload_cmd);
    crier_msg *m = payload_cmd ? crier_msg_new(CRIER_MSG_COMMAND, "mqtt", cmd.name) : NULL;
    if (!m) {
        free(payload_cmd);
        return;
    }
    *payload_cmd = cmd;
    m->payload = payload_cmd;
    m->payload_free = free;
    LOG_INFO(COMP, "command %s (req %s)", cmd.name, cmd.req);
    if (crier_mailbox_post(mq->mailbox, m) != CRIER_OK) {
        if (crier_topic_kiosk(reply_topic, sizeof reply_topic, CRIER_TOPIC_REPLY, mq->kiosk, cmd.req) == CRIER_OK)
            publish_json(mq, reply_topic,
                         crier_reply_write(mq->kiosk, cmd.req, cmd.name, 0, "kiosk busy", 0, crier_wall_ms()), 1, 0);
        return;
    }
    stat_inc(mq, &mq->stats.commands);
    if (strcmp(cmd.name, "reload") == 0) {
        /* forget what we forwarded and subscribe again: the broker re-sends
         * every retained post, so the screen gets a fresh full set */
        mq->nposts = 0;
        if (mq->session_ok)
            subscribe_all(mq);
    }
    if (strcmp(cmd.name, "screenshot") != 0 &&
        crier_topic_kiosk(reply_topic, sizeof reply_topic, CRIER_TOPIC_REPLY, mq->kiosk, cmd.req) == CRIER_OK)
        publish_json(mq, reply_topic, crier_reply_write(mq->kiosk, cmd.req, cmd.name, 1, NULL, 0, crier_wall_ms()),
                     1, 0);
}

static void on_message(struct mosquitto *mosq, void *ud, const struct mosquitto_message *msg,
                       const mosquitto_property *props)
{
    crier_mqtt *mq = ud;
    const char *topic = msg->topic;
    size_t len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
    crier_topic t;
    if (crier_topic_parse(topic, &t) != CRIER_OK ||
        (t.kind != CRIER_TOPIC_POST && t.kind != CRIER_TOPIC_CMD)) {
        if (mq->on_extra && mq->on_extra(mq->extra_ud, topic, msg->payload, len, msg->retain) == 0)
            return;
        reject(mq, topic, NULL, CRIER_ERR_UNSUPPORTED, "unexpected topic", len);
        return;
    }
    if (t.kind == CRIER_TOPIC_POST)
        handle_post(mq, &t, topic, msg->payload, len);
    else if (strcmp(t.target, mq->kiosk) == 0)
        handle_command(mq, &t, topic, msg->payload, len);
    else
        reject(mq, topic, NULL, CRIER_ERR_INVAL, "command for another kiosk", len);
}

/* ---- connection ------------------------------------------------------------ */

static void subscribe_all(crier_mqtt *mq)
{
    char f[5][CRIER_TOPIC_MAX];
    char *subs[5 + 16];
    int n = 0;
    if (crier_topic_post_filter(f[0], sizeof f[0], CRIER_SCOPE_ALL, NULL) == CRIER_OK)
        subs[n++] = f[0];
    if (mq->site && crier_topic_post_filter(f[1], sizeof f[1], CRIER_SCOPE_SITE, mq->site) == CRIER_OK)
        subs[n++] = f[1];
    if (crier_topic_post_filter(f[2], sizeof f[2], CRIER_SCOPE_KIOSK, mq->kiosk) == CRIER_OK)
        subs[n++] = f[2];
    if (crier_topic_kiosk(f[3], sizeof f[3], CRIER_TOPIC_CMD, mq->kiosk, "+") == CRIER_OK)
        subs[n++] = f[3];
    for (size_t i = 0; i < mq->extra_count && i < 16; i++)
        subs[n++] = mq->extra_filters[i];
    /* retain handling 0: retained posts are re-sent on every subscribe, so a
     * restarted kiosk gets them all; the dedup table drops repeats. */
    for (size_t i = 0; i < mq->nposts; i++)
        mq->posts[i].seen = 0;
    mq->sweep_at = 0;
    int rc = mosquitto_subscribe_multiple(mq->mosq, &mq->sub_mid, n, subs, 1, 0, NULL);
    if (rc != MOSQ_ERR_SUCCESS)
        LOG_WARN(COMP, "subscribe failed: %s", mosquitto_strerror(rc));
}

/* The broker sends every retained post right after the SUBACK.  A post we
 * forwarded that did not come back was retracted while we were away (and the
 * retraction was not queued for us: session expired, broker state lost), so it
 * leaves the screen too: the broker's retained set is the truth. */
#define SWEEP_DELAY_MS 2000

static void on_subscribe(struct mosquitto *mosq, void *ud, int mid, int n, const int *granted,
                         const mosquitto_property *props)
{
    crier_mqtt *mq = ud;
    for (int i = 0; i < n; i++)
        if (granted[i] >= 0x80)
            LOG_ERROR(COMP, "broker refused subscription %d (%s): check the ACL", i,
                      mosquitto_reason_string(granted[i]));
    if (mid == mq->sub_mid)
        mq->sweep_at = crier_mono_ms() + SWEEP_DELAY_MS;
}

/* Once a minute, on this thread (never the render thread): give the free
 * pages inside the malloc arenas back to the system.  A burst (a retained
 * flood after a reconnect, 20 alerts at once) leaves the arenas of the MQTT,
 * alert and render threads with a high-water mark the allocator keeps for
 * good; over years of uptime RSS should follow what is live, not the worst
 * minute.  Costs about a millisecond. */
static void trim_heap(void)
{
#if defined(__GLIBC__)
    int64_t t0 = crier_mono_ms();
    malloc_trim(0);
    LOG_DEBUG(COMP, "heap trimmed in %lld ms", (long long)(crier_mono_ms() - t0));
#endif
}

static void sweep(crier_mqtt *mq)
{
    mq->sweep_at = 0;
    for (size_t i = 0; i < mq->nposts;) {
        post_entry *e = &mq->posts[i];
        if (e->seen) {
            i++;
            continue;
        }
        LOG_INFO(COMP, "post '%s' is no longer on the broker; retracting it", e->id);
        crier_msg *m = crier_msg_new(CRIER_MSG_ITEM_RETRACT, "mqtt", e->id);
        if (!m || crier_mailbox_post(mq->mailbox, m) != CRIER_OK) {
            i++; /* keep it; the next subscribe retries */
            continue;
        }
        stat_inc(mq, &mq->stats.retracts);
        post_remove(mq, e); /* moves the last entry here: do not advance */
    }
}

static void on_connect(struct mosquitto *mosq, void *ud, int rc, int flags, const mosquitto_property *props)
{
    crier_mqtt *mq = ud;
    if (rc != 0) {
        const char *why = mq->protocol == MQTT_PROTOCOL_V5 ? mosquitto_reason_string(rc) : mosquitto_connack_string(rc);
        if ((rc == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION || rc == CONNACK_REFUSED_PROTOCOL_VERSION) &&
            mq->protocol == MQTT_PROTOCOL_V5 && mq->protocol_cfg == 0) {
            LOG_WARN(COMP, "broker refused MQTT 5 (%s); falling back to MQTT 3.1.1", why);
            mq->fallback_now = 1;
            return;
        }
        char msg[160];
        snprintf(msg, sizeof msg, "broker refused the connection: %s", why);
        LOG_ERROR(COMP, "%s", msg);
        set_error(mq, msg);
        stat_inc(mq, &mq->stats.connect_failures);
        return;
    }
    mq->session_ok = 1;
    mq->backoff_ms = 0;
    pthread_mutex_lock(&mq->lock);
    mq->stats.connected = 1;
    mq->stats.connects++;
    mq->stats.protocol = mq->protocol == MQTT_PROTOCOL_V5 ? 5 : 4;
    mq->stats.last_connect_ms = crier_wall_ms();
    mq->hb_soon = 1;
    pthread_mutex_unlock(&mq->lock);
    LOG_INFO(COMP, "connected to %s:%d (MQTT %s, session %s)", mq->url.host, mq->url.port,
             mq->protocol == MQTT_PROTOCOL_V5 ? "5" : "3.1.1", (flags & 1) ? "resumed" : "new");
    subscribe_all(mq);
    publish_json(mq, mq->topic_status, crier_status_write(mq->kiosk, mq->site, 1, crier_wall_ms(), CRIER_VERSION), 1,
                 1);
}

static void on_disconnect(struct mosquitto *mosq, void *ud, int rc, const mosquitto_property *props)
{
    crier_mqtt *mq = ud;
    mq->session_ok = 0;
    pthread_mutex_lock(&mq->lock);
    mq->stats.connected = 0;
    pthread_mutex_unlock(&mq->lock);
    if (rc != 0)
        LOG_WARN(COMP, "connection lost (%s); content stays on screen", mosquitto_strerror(rc));
}

static void on_publish(struct mosquitto *mosq, void *ud, int mid, int reason, const mosquitto_property *props)
{
    crier_mqtt *mq = ud;
    if (reason >= 0x80)
        LOG_WARN(COMP, "broker refused a publish (mid %d): %s", mid, mosquitto_reason_string(reason));
    if (mid == mq->offline_mid)
        mq->offline_acked = 1;
}

static void on_log(struct mosquitto *mosq, void *ud, int level, const char *str)
{
    if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
        LOG_DEBUG(COMP, "libmosquitto: %s", str);
}

/* Sleeps up to ms, waking early on stop.  Returns 1 if stopping. */
static int sleep_unless_stopped(crier_mqtt *mq, int ms)
{
    struct timespec ts = crier_mono_deadline(ms);
    pthread_mutex_lock(&mq->lock);
    while (!mq->stop) {
        if (pthread_cond_timedwait(&mq->cond, &mq->lock, &ts) == ETIMEDOUT)
            break;
    }
    int s = mq->stop;
    pthread_mutex_unlock(&mq->lock);
    return s;
}

static int next_backoff(crier_mqtt *mq)
{
    int b = mq->backoff_ms ? mq->backoff_ms * 2 : mq->reconnect_min_ms;
    if (b > mq->reconnect_max_ms)
        b = mq->reconnect_max_ms;
    mq->backoff_ms = b;
    /* +-20 % jitter so a fleet does not reconnect in lock-step */
    int j = b / 5;
    return j > 0 ? b - j + (int)(random() % (2 * j + 1)) : b;
}

static int try_connect(crier_mqtt *mq)
{
    mosquitto_property *props = NULL;
    mosquitto_int_option(mq->mosq, MOSQ_OPT_PROTOCOL_VERSION, mq->protocol);
    if (mq->protocol == MQTT_PROTOCOL_V5) {
        mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, (uint32_t)mq->session_expiry_s);
        mosquitto_property_add_int32(&props, MQTT_PROP_MAXIMUM_PACKET_SIZE, MAX_PACKET);
    }
    int rc = mosquitto_connect_bind_v5(mq->mosq, mq->url.host, mq->url.port, mq->keepalive_s, NULL, props);
    mosquitto_property_free_all(&props);
    if (rc != MOSQ_ERR_SUCCESS) {
        char msg[400];
        snprintf(msg, sizeof msg, "cannot connect to %s:%d: %s", mq->url.host, mq->url.port,
                 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
        set_error(mq, msg);
        stat_inc(mq, &mq->stats.connect_failures);
        LOG_WARN(COMP, "%s", msg);
        return -1;
    }
    mq->sock_up = 1;
    return 0;
}

static int read_meminfo_kb(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    char line[128];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb > INT32_MAX ? INT32_MAX : (int)kb;
}

static double read_temp_c(void)
{
    FILE *f = fopen("/sys/class/thermal/thermal_zone0/temp", "r");
    if (!f)
        return NAN;
    long milli;
    int ok = fscanf(f, "%ld", &milli) == 1;
    fclose(f);
    return ok ? milli / 1000.0 : NAN;
}

static void send_heartbeat(crier_mqtt *mq)
{
    crier_heartbeat hb = {0};
    char id[CRIER_NAME_MAX * 2 + 1] = "", source[64] = "", title[CRIER_POST_MAX_TITLE + 1] = "";
    int64_t now = crier_wall_ms();
    pthread_mutex_lock(&mq->lock);
    if (mq->show_id) {
        snprintf(id, sizeof id, "%s", mq->show_id);
        snprintf(source, sizeof source, "%s", mq->show_source ? mq->show_source : "");
        snprintf(title, sizeof title, "%s", mq->show_title ? mq->show_title : "");
        hb.showing_id = id;
        hb.showing_source = source;
        hb.showing_title = mq->show_title ? title : NULL;
        hb.showing_since_ms = mq->show_since_ms;
    }
    hb.content_age_s = mq->content_ms ? (now - mq->content_ms) / 1000 : -1;
    hb.alerts = mq->alerts;
    mq->stats.heartbeats++;
    pthread_mutex_unlock(&mq->lock);
    hb.kiosk = mq->kiosk;
    hb.site = mq->site;
    hb.version = CRIER_VERSION;
    hb.ts_ms = now;
    hb.uptime_s = (crier_mono_ms() - mq->start_mono_ms) / 1000;
    hb.mem_free_kb = read_meminfo_kb();
    hb.temp_c = read_temp_c();
    hb.mqtt_protocol = mq->protocol == MQTT_PROTOCOL_V5 ? 5 : 4;
    char *feeds = mq->feeds_json ? mq->feeds_json(mq->feeds_ud) : NULL;
    char *pp = mq->proofplay ? crier_proofplay_summary_json(mq->proofplay) : NULL;
    hb.feeds_json = feeds;
    hb.proofplay_json = pp;
    publish_json(mq, mq->topic_heartbeat, crier_heartbeat_write(&hb), 0, 1);
    free(feeds);
    free(pp);
}

static void *thread_main(void *arg)
{
    crier_mqtt *mq = arg;
    int64_t next_hb = 0, next_flush = crier_mono_ms() + PROOFPLAY_FLUSH_MS;
    int64_t next_trim = crier_mono_ms() + TRIM_EVERY_MS;
    int retry_at_set = 0;
    int64_t retry_at = 0;

    while (!stopping(mq)) {
        int64_t now = crier_mono_ms();
        if (!mq->sock_up) {
            if (!retry_at_set || now >= retry_at || mq->fallback_now) {
                if (mq->fallback_now) {
                    mq->protocol = MQTT_PROTOCOL_V311;
                    mq->fallback_now = 0;
                }
                retry_at_set = 1;
                if (try_connect(mq) != 0) {
                    retry_at = crier_mono_ms() + next_backoff(mq);
                    continue;
                }
            }
        }
        int wait = LOOP_MAX_WAIT_MS;
        if (!mq->sock_up && retry_at - now < wait)
            wait = (int)(retry_at - now);
        if (mq->session_ok && next_hb && next_hb - now < wait)
            wait = (int)(next_hb - now);
        if (mq->sweep_at && mq->sweep_at - now < wait)
            wait = (int)(mq->sweep_at - now);
        if (wait < 0)
            wait = 0;
        if (mq->sock_up) {
            int rc = mosquitto_loop(mq->mosq, wait, 1);
            if (rc != MOSQ_ERR_SUCCESS) {
                if (mq->session_ok || rc != MOSQ_ERR_CONN_REFUSED)
                    LOG_DEBUG(COMP, "loop: %s", mosquitto_strerror(rc));
                mq->sock_up = 0;
                if (mq->session_ok) {
                    mq->session_ok = 0;
                    pthread_mutex_lock(&mq->lock);
                    mq->stats.connected = 0;
                    pthread_mutex_unlock(&mq->lock);
                    LOG_WARN(COMP, "connection lost (%s); reconnecting", mosquitto_strerror(rc));
                }
                mosquitto_disconnect(mq->mosq); /* drop the dead socket */
                retry_at = crier_mono_ms() + (mq->fallback_now ? 0 : next_backoff(mq));
                continue;
            }
        } else if (sleep_unless_stopped(mq, wait)) {
            break;
        }
        now = crier_mono_ms();
        int soon = 0;
        pthread_mutex_lock(&mq->lock);
        soon = mq->hb_soon;
        mq->hb_soon = 0;
        pthread_mutex_unlock(&mq->lock);
        if (mq->session_ok && (soon || (next_hb && now >= next_hb) || !next_hb)) {
            send_heartbeat(mq);
            next_hb = now + (int64_t)mq->heartbeat_s * 1000;
        }
        if (mq->session_ok && mq->sweep_at && now >= mq->sweep_at)
            sweep(mq);
        if (mq->proofplay && now >= next_flush) {
            crier_proofplay_flush(mq->proofplay);
            next_flush = now + PROOFPLAY_FLUSH_MS;
        }
        if (now >= next_trim) {
            trim_heap();
            next_trim = now + TRIM_EVERY_MS;
        }
    }

    /* orderly goodbye: retained offline, then DISCONNECT (so no Will) */
    if (mq->session_ok) {
        int mid = 0;
        char *json = crier_status_write(mq->kiosk, mq->site, 0, crier_wall_ms(), CRIER_VERSION);
        mq->offline_acked = 0;
        if (json && publish_raw(mq, mq->topic_status, json, strlen(json), 1, 1, &mid) == MOSQ_ERR_SUCCESS) {
            mq->offline_mid = mid;
            int64_t deadline = crier_mono_ms() + 1000;
            while (!mq->offline_acked && crier_mono_ms() < deadline &&
                   mosquitto_loop(mq->mosq, 100, 1) == MOSQ_ERR_SUCCESS) {
            }
        }
        free(json);
        mosquitto_disconnect_v5(mq->mosq, MQTT_RC_NORMAL_DISCONNECTION, NULL);
        int64_t deadline = crier_mono_ms() + 500;
        while (crier_mono_ms() < deadline && mosquitto_loop(mq->mosq, 50, 1) == MOSQ_ERR_SUCCESS) {
        }
    }
    if (mq->proofplay)
        crier_proofplay_flush(mq->proofplay);
    LOG_INFO(COMP, "thread stopped");
    return NULL;
}

/* ---- public API ------------------------------------------------------------ */

static void mq_free(crier_mqtt *mq)
{
    if (!mq)
        return;
    if (mq->mosq)
        mosquitto_destroy(mq->mosq);
    for (size_t i = 0; i < mq->extra_count; i++)
        free(mq->extra_filters[i]);
    free(mq->extra_filters);
    free(mq->kiosk);
    free(mq->site);
    free(mq->username);
    if (mq->password) {
        memset(mq->password, 0, strlen(mq->password));
        free(mq->password);
    }
    free(mq->cafile);
    free(mq->certfile);
    free(mq->keyfile);
    free(mq->show_id);
    free(mq->show_source);
    free(mq->show_title);
    free(mq->posts);
    pthread_mutex_destroy(&mq->lock);
    pthread_cond_destroy(&mq->cond);
    free(mq);
}

static void lib_init_once(void)
{
    mosquitto_lib_init();
}

static int dup_opt(char **dst, const char *src)
{
    if (!src || !*src)
        return 0;
    *dst = crier_strdup(src);
    return *dst ? 0 : -1;
}

crier_err crier_mqtt_start(const crier_mqtt_config *cfg, crier_mqtt **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    crier_err rc = CRIER_ERR_INVAL;
    *out = NULL;
    if (!cfg || !cfg->broker || !cfg->mailbox || !crier_name_valid(cfg->kiosk) ||
        (cfg->site && *cfg->site && !crier_name_valid(cfg->site))) {
        LOG_ERROR(COMP, "config: broker, mailbox and a valid kiosk id ([A-Za-z0-9_.-], 1..64) are required");
        return CRIER_ERR_INVAL;
    }
    if (cfg->protocol != 0 && cfg->protocol != 4 && cfg->protocol != 5) {
        LOG_ERROR(COMP, "config: protocol must be 0 (auto), 4 (3.1.1) or 5");
        return CRIER_ERR_INVAL;
    }
    if ((cfg->certfile && *cfg->certfile) != (cfg->keyfile && *cfg->keyfile)) {
        LOG_ERROR(COMP, "config: certfile and keyfile go together");
        return CRIER_ERR_INVAL;
    }
    crier_mqtt *mq = calloc(1, sizeof *mq);
    if (!mq)
        return CRIER_ERR_NOMEM;
    pthread_mutex_init(&mq->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&mq->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (crier_broker_url_parse(cfg->broker, &mq->url) != CRIER_OK) {
        LOG_ERROR(COMP, "config: bad broker URL '%s' (want mqtt://host:port or mqtts://host:port)", cfg->broker);
        goto cleanup;
    }
    rc = CRIER_ERR_NOMEM;
    if (dup_opt(&mq->kiosk, cfg->kiosk) || dup_opt(&mq->site, cfg->site) || dup_opt(&mq->username, cfg->username) ||
        dup_opt(&mq->cafile, cfg->cafile) || dup_opt(&mq->certfile, cfg->certfile) ||
        dup_opt(&mq->keyfile, cfg->keyfile) || dup_opt(&mq->password, cfg->password))
        goto cleanup;
    if (!mq->password && cfg->password_file && *cfg->password_file &&
        (rc = crier_mqtt_read_password(cfg->password_file, &mq->password)) != CRIER_OK)
        goto cleanup;
    rc = CRIER_ERR_NOMEM;
    if (cfg->extra_filter_count) {
        mq->extra_filters = calloc(cfg->extra_filter_count, sizeof(char *));
        if (!mq->extra_filters)
            goto cleanup;
        for (size_t i = 0; i < cfg->extra_filter_count; i++, mq->extra_count++)
            if (!(mq->extra_filters[i] = crier_strdup(cfg->extra_filters[i])))
                goto cleanup;
    }
    mq->posts = calloc(MAX_POSTS, sizeof *mq->posts);
    if (!mq->posts)
        goto cleanup;
    mq->protocol_cfg = cfg->protocol;
    mq->protocol = cfg->protocol == 4 ? MQTT_PROTOCOL_V311 : MQTT_PROTOCOL_V5;
    mq->keepalive_s = cfg->keepalive_s > 0 ? cfg->keepalive_s : 30;
    mq->heartbeat_s = cfg->heartbeat_s > 0 ? cfg->heartbeat_s : 60;
    mq->session_expiry_s = cfg->session_expiry_s > 0 ? cfg->session_expiry_s : 86400;
    mq->reconnect_min_ms = cfg->reconnect_min_ms > 0 ? cfg->reconnect_min_ms : 1000;
    mq->reconnect_max_ms = cfg->reconnect_max_ms > 0 ? cfg->reconnect_max_ms : 60000;
    if (mq->reconnect_max_ms < mq->reconnect_min_ms)
        mq->reconnect_max_ms = mq->reconnect_min_ms;
    mq->screenshot_max = cfg->screenshot_max_bytes ? cfg->screenshot_max_bytes : 4u * 1024u * 1024u;
    mq->mailbox = cfg->mailbox;
    mq->proofplay = cfg->proofplay;
    mq->feeds_json = cfg->feeds_json;
    mq->feeds_ud = cfg->feeds_ud;
    mq->on_extra = cfg->on_extra;
    mq->extra_ud = cfg->extra_ud;
    mq->post_keyring = cfg->post_keyring;
    mq->require_signed_posts = cfg->require_signed_posts ? 1 : 0;
    mq->alerts = -1;
    mq->start_mono_ms = crier_mono_ms();
    crier_topic_kiosk(mq->topic_status, sizeof mq->topic_status, CRIER_TOPIC_STATUS, mq->kiosk, NULL);
    crier_topic_kiosk(mq->topic_heartbeat, sizeof mq->topic_heartbeat, CRIER_TOPIC_HEARTBEAT, mq->kiosk, NULL);
    crier_topic_kiosk(mq->topic_rejected, sizeof mq->topic_rejected, CRIER_TOPIC_REJECTED, mq->kiosk, NULL);

    pthread_once(&once, lib_init_once);
    mq->mosq = mosquitto_new(mq->kiosk, false, mq); /* clean start off: persistent session */
    if (!mq->mosq)
        goto cleanup;
    rc = CRIER_ERR_INVAL;
    mosquitto_threaded_set(mq->mosq, true);
    mosquitto_int_option(mq->mosq, MOSQ_OPT_PROTOCOL_VERSION, mq->protocol);
    mosquitto_int_option(mq->mosq, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_connect_v5_callback_set(mq->mosq, on_connect);
    mosquitto_disconnect_v5_callback_set(mq->mosq, on_disconnect);
    mosquitto_message_v5_callback_set(mq->mosq, on_message);
    mosquitto_publish_v5_callback_set(mq->mosq, on_publish);
    mosquitto_subscribe_v5_callback_set(mq->mosq, on_subscribe);
    mosquitto_log_callback_set(mq->mosq, on_log);
    if (mq->username && mosquitto_username_pw_set(mq->mosq, mq->username, mq->password) != MOSQ_ERR_SUCCESS) {
        LOG_ERROR(COMP, "config: bad username/password");
        goto cleanup;
    }
    if (mq->url.tls || mq->cafile) {
        /* no cafile: the system's CA folder */
        int trc = mosquitto_tls_set(mq->mosq, mq->cafile, mq->cafile ? NULL : "/etc/ssl/certs", mq->certfile,
                                    mq->keyfile, NULL);
        if (trc != MOSQ_ERR_SUCCESS) {
            LOG_ERROR(COMP, "config: TLS setup failed (cafile %s, certfile %s): %s",
                      mq->cafile ? mq->cafile : "system", mq->certfile ? mq->certfile : "none",
                      mosquitto_strerror(trc));
            rc = trc == MOSQ_ERR_INVAL ? CRIER_ERR_IO : CRIER_ERR_INVAL;
            goto cleanup;
        }
        if (!mq->url.tls)
            mq->url.tls = 1;
    }
    char *will = crier_status_write(mq->kiosk, mq->site, 0, 0, CRIER_VERSION);
    int wrc = will ? mosquitto_will_set_v5(mq->mosq, mq->topic_status, (int)strlen(will), will, 1, true, NULL)
                   : MOSQ_ERR_NOMEM;
    free(will);
    if (wrc != MOSQ_ERR_SUCCESS) {
        LOG_ERROR(COMP, "cannot set the Last Will: %s", mosquitto_strerror(wrc));
        goto cleanup;
    }
    if (pthread_create(&mq->thread, NULL, thread_main, mq) != 0) {
        rc = CRIER_ERR_NOMEM;
        goto cleanup;
    }
    mq->thread_started = 1;
    LOG_INFO(COMP, "kiosk '%s' (site '%s') using broker %s://%s:%d", mq->kiosk, mq->site ? mq->site : "",
             mq->url.tls ? "mqtts" : "mqtt", mq->url.host, mq->url.port);
    *out = mq;
    return CRIER_OK;
cleanup:
    mq_free(mq);
    return rc;
}

void crier_mqtt_stop(crier_mqtt *mq)
{
    if (!mq)
        return;
    if (mq->thread_started) {
        pthread_mutex_lock(&mq->lock);
        mq->stop = 1;
        pthread_cond_broadcast(&mq->cond);
        pthread_mutex_unlock(&mq->lock);
        pthread_join(mq->thread, NULL);
    }
    mq_free(mq);
}

static void replace_str(char **dst, const char *src)
{
    free(*dst);
    *dst = src ? crier_strdup(src) : NULL;
}

void crier_mqtt_report_showing(crier_mqtt *mq, const char *id, const char *source, const char *title)
{
    if (!mq)
        return;
    pthread_mutex_lock(&mq->lock);
    replace_str(&mq->show_id, id);
    replace_str(&mq->show_source, id ? source : NULL);
    replace_str(&mq->show_title, id ? title : NULL);
    mq->show_since_ms = id ? crier_wall_ms() : 0;
    pthread_mutex_unlock(&mq->lock);
}

void crier_mqtt_report_content_updated(crier_mqtt *mq, int64_t wall_ms)
{
    if (!mq)
        return;
    pthread_mutex_lock(&mq->lock);
    mq->content_ms = wall_ms;
    pthread_mutex_unlock(&mq->lock);
}

void crier_mqtt_report_alerts(crier_mqtt *mq, int count)
{
    if (!mq)
        return;
    pthread_mutex_lock(&mq->lock);
    mq->alerts = count;
    pthread_mutex_unlock(&mq->lock);
}

void crier_mqtt_heartbeat_soon(crier_mqtt *mq)
{
    if (!mq)
        return;
    pthread_mutex_lock(&mq->lock);
    mq->hb_soon = 1;
    pthread_mutex_unlock(&mq->lock);
}

crier_err crier_mqtt_publish(crier_mqtt *mq, const char *topic, const void *payload, size_t len, int qos, int retain)
{
    if (!mq || !topic || (len && !payload) || qos < 0 || qos > 2)
        return CRIER_ERR_INVAL;
    int rc = publish_raw(mq, topic, payload, len, qos, retain, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        LOG_WARN(COMP, "publish to %s failed: %s", topic, mosquitto_strerror(rc));
        return rc == MOSQ_ERR_PAYLOAD_SIZE || rc == MOSQ_ERR_OVERSIZE_PACKET ? CRIER_ERR_LIMIT : CRIER_ERR_NET;
    }
    return CRIER_OK;
}

crier_err crier_mqtt_reply(crier_mqtt *mq, const char *req, const char *cmd, int ok, const char *error)
{
    char topic[CRIER_TOPIC_MAX];
    if (!mq || crier_topic_kiosk(topic, sizeof topic, CRIER_TOPIC_REPLY, mq->kiosk, req) != CRIER_OK)
        return CRIER_ERR_INVAL;
    char *json = crier_reply_write(mq->kiosk, req, cmd, ok, error, 0, crier_wall_ms());
    if (!json)
        return CRIER_ERR_NOMEM;
    crier_err rc = crier_mqtt_publish(mq, topic, json, strlen(json), 1, 0);
    free(json);
    return rc;
}

crier_err crier_mqtt_reply_screenshot(crier_mqtt *mq, const char *req, const void *png, size_t len)
{
    char topic[CRIER_TOPIC_MAX];
    if (!mq || crier_topic_kiosk(topic, sizeof topic, CRIER_TOPIC_SCREENSHOT, mq->kiosk, req) != CRIER_OK)
        return CRIER_ERR_INVAL;
    if (!png || !len) {
        crier_mqtt_reply(mq, req, "screenshot", 0, "screenshot failed on the kiosk");
        return CRIER_ERR_INVAL;
    }
    if (len > mq->screenshot_max) {
        char err[128];
        snprintf(err, sizeof err, "screenshot of %zu bytes exceeds the cap of %zu bytes", len, mq->screenshot_max);
        LOG_WARN(COMP, "%s", err);
        crier_mqtt_reply(mq, req, "screenshot", 0, err);
        return CRIER_ERR_LIMIT;
    }
    crier_err rc = crier_mqtt_publish(mq, topic, png, len, 1, 0);
    if (rc == CRIER_OK) {
        char rtopic[CRIER_TOPIC_MAX];
        crier_topic_kiosk(rtopic, sizeof rtopic, CRIER_TOPIC_REPLY, mq->kiosk, req);
        char *json = crier_reply_write(mq->kiosk, req, "screenshot", 1, NULL, len, crier_wall_ms());
        if (json)
            crier_mqtt_publish(mq, rtopic, json, strlen(json), 1, 0);
        free(json);
    }
    return rc;
}

void crier_mqtt_get_stats(crier_mqtt *mq, crier_mqtt_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!mq)
        return;
    pthread_mutex_lock(&mq->lock);
    *out = mq->stats;
    pthread_mutex_unlock(&mq->lock);
}
