/* mqtt_session.c - the MQTT connection (see mqtt_internal.h, docs/protocol.md).
 *
 * MQTT 5 with a fallback to 3.1.1 when the broker refuses v5, a persistent
 * session (client id = kiosk id, clean start off, session expiry), reconnects
 * with exponential back-off and jitter, a retained "online" status with a Last
 * Will "offline", subscriptions to the post, command and extra filters.
 *
 * libmosquitto runs in its external-loop mode: the worker thread waits in
 * poll() on its wake descriptor and mosquitto_socket() (POLLOUT while
 * mosquitto_want_write()) and then runs mosquitto_loop_read / _write / _misc,
 * so every callback below runs on the worker thread.  Other threads only
 * queue packets (mosquitto_threaded_set) and wake the worker.
 *
 * Message path (on_message): topic parse -> posts (mqtt_posts.c), commands
 * (mqtt_commands.c) or the extra handler (the alert service).  The library
 * frees its message after the callback; nothing keeps a pointer into it. */
#include "remote/mqtt_internal.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "crier_version.h"

#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PACKET (16u * 1024u * 1024u) /* MQTT 5 Maximum Packet Size we accept */
#define REJECT_PER_S 20                  /* rejection receipts per second at most */
#define GOODBYE_ACK_MS 1000              /* wait this long for the "offline" PUBACK */
#define GOODBYE_CLOSE_MS 500             /* and this long for DISCONNECT to go out */

/* ---- incoming messages ------------------------------------------------------- */

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
        crier_mqtt__reject(mq, topic, NULL, CRIER_ERR_UNSUPPORTED, "unexpected topic", len);
        return;
    }
    if (t.kind == CRIER_TOPIC_POST)
        crier_mqtt__handle_post(mq, &t, topic, msg->payload, len);
    else if (strcmp(t.target, mq->kiosk) == 0)
        crier_mqtt__handle_command(mq, &t, topic, msg->payload, len);
    else
        crier_mqtt__reject(mq, topic, NULL, CRIER_ERR_INVAL, "command for another kiosk", len);
}

/* Logs a rejection and publishes a receipt (rate limited). */
void crier_mqtt__reject(crier_mqtt *mq, const char *topic, const char *id, crier_err code, const char *reason,
                        size_t bytes)
{
    LOG_WARN(CRIER_MQTT_COMP, "rejected message on %s (%zu bytes): %s", topic ? topic : "?", bytes, reason);
    pthread_mutex_lock(&mq->lock);
    mq->stats.rejected++;
    snprintf(mq->stats.last_error, sizeof mq->stats.last_error, "%s", reason);
    pthread_mutex_unlock(&mq->lock);
    int64_t now = crier_mono_ms();
    if (now - mq->reject_window_ms >= 1000) {
        if (mq->reject_suppressed)
            LOG_WARN(CRIER_MQTT_COMP, "%llu rejection receipts suppressed (rate limit %d/s)",
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
    crier_mqtt__publish_json(mq, mq->topic_rejected,
                 crier_rejection_write(mq->kiosk, topic, id, code, reason, bytes, crier_wall_ms()), 1, 0);
}

/* ---- connection ------------------------------------------------------------ */

void crier_mqtt__subscribe_all(crier_mqtt *mq)
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
    crier_mqtt__posts_unsee(mq);
    int rc = mosquitto_subscribe_multiple(mq->mosq, &mq->sub_mid, n, subs, 1, 0, NULL);
    if (rc != MOSQ_ERR_SUCCESS)
        LOG_WARN(CRIER_MQTT_COMP, "subscribe failed: %s", mosquitto_strerror(rc));
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
            LOG_ERROR(CRIER_MQTT_COMP, "broker refused subscription %d (%s): check the ACL", i,
                      mosquitto_reason_string(granted[i]));
    if (mid == mq->sub_mid)
        mq->sweep_at = crier_mono_ms() + SWEEP_DELAY_MS;
}

static void on_connect(struct mosquitto *mosq, void *ud, int rc, int flags, const mosquitto_property *props)
{
    crier_mqtt *mq = ud;
    if (rc != 0) {
        const char *why = mq->protocol == MQTT_PROTOCOL_V5 ? mosquitto_reason_string(rc) : mosquitto_connack_string(rc);
        if ((rc == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION || rc == CONNACK_REFUSED_PROTOCOL_VERSION) &&
            mq->protocol == MQTT_PROTOCOL_V5 && mq->protocol_cfg == 0) {
            LOG_WARN(CRIER_MQTT_COMP, "broker refused MQTT 5 (%s); falling back to MQTT 3.1.1", why);
            mq->fallback_now = 1;
            return;
        }
        char msg[160];
        snprintf(msg, sizeof msg, "broker refused the connection: %s", why);
        LOG_ERROR(CRIER_MQTT_COMP, "%s", msg);
        crier_mqtt__set_error(mq, msg);
        crier_mqtt__stat_inc(mq, &mq->stats.connect_failures);
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
    LOG_INFO(CRIER_MQTT_COMP, "connected to %s:%d (MQTT %s, session %s)", mq->url.host, mq->url.port,
             mq->protocol == MQTT_PROTOCOL_V5 ? "5" : "3.1.1", (flags & 1) ? "resumed" : "new");
    crier_mqtt__subscribe_all(mq);
    crier_mqtt__publish_json(mq, mq->topic_status, crier_status_write(mq->kiosk, mq->site, 1, crier_wall_ms(), CRIER_VERSION), 1,
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
        LOG_WARN(CRIER_MQTT_COMP, "connection lost (%s); content stays on screen", mosquitto_strerror(rc));
}

static void on_publish(struct mosquitto *mosq, void *ud, int mid, int reason, const mosquitto_property *props)
{
    crier_mqtt *mq = ud;
    if (reason >= 0x80)
        LOG_WARN(CRIER_MQTT_COMP, "broker refused a publish (mid %d): %s", mid, mosquitto_reason_string(reason));
    if (mid == mq->offline_mid)
        mq->offline_acked = 1;
}

static void on_log(struct mosquitto *mosq, void *ud, int level, const char *str)
{
    if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
        LOG_DEBUG(CRIER_MQTT_COMP, "libmosquitto: %s", str);
}

int crier_mqtt__next_backoff(crier_mqtt *mq)
{
    int b = mq->backoff_ms ? mq->backoff_ms * 2 : mq->reconnect_min_ms;
    if (b > mq->reconnect_max_ms)
        b = mq->reconnect_max_ms;
    mq->backoff_ms = b;
    /* +-20 % jitter so a fleet does not reconnect in lock-step */
    int j = b / 5;
    return j > 0 ? b - j + (int)(random() % (2 * j + 1)) : b;
}

int crier_mqtt__try_connect(crier_mqtt *mq)
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
        crier_mqtt__set_error(mq, msg);
        crier_mqtt__stat_inc(mq, &mq->stats.connect_failures);
        LOG_WARN(CRIER_MQTT_COMP, "%s", msg);
        return -1;
    }
    mq->sock_up = 1;
    return 0;
}

/* ---- the network loop (worker thread) ------------------------------------------ */

int crier_mqtt__pump(crier_mqtt *mq, int wake_fd, int timeout_ms)
{
    struct pollfd p[2];
    int n = 0, si = -1;
    if (wake_fd >= 0)
        p[n++] = (struct pollfd){.fd = wake_fd, .events = POLLIN};
    int sock = mq->sock_up ? mosquitto_socket(mq->mosq) : -1;
    if (mq->sock_up && sock < 0)
        return MOSQ_ERR_NO_CONN;
    if (sock >= 0) {
        si = n;
        p[n++] = (struct pollfd){.fd = sock, .events = POLLIN | (mosquitto_want_write(mq->mosq) ? POLLOUT : 0)};
    }
    int ready = poll(p, (nfds_t)n, timeout_ms);
    if (ready < 0 && errno != EINTR)
        LOG_DEBUG(CRIER_MQTT_COMP, "poll: %s", strerror(errno));
    if (si < 0)
        return MOSQ_ERR_SUCCESS;
    short ev = ready > 0 ? p[si].revents : 0;
    int rc = MOSQ_ERR_SUCCESS;
    /* read also when only writable: libmosquitto advances a TLS handshake in
     * loop_read (a read with nothing to read is a harmless EAGAIN) */
    if (ev)
        rc = mosquitto_loop_read(mq->mosq, 1);
    /* callbacks may have queued packets (PUBACK, SUBSCRIBE): write them now */
    if (rc == MOSQ_ERR_SUCCESS && ((ev & POLLOUT) || mosquitto_want_write(mq->mosq)))
        rc = mosquitto_loop_write(mq->mosq, 1);
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_loop_misc(mq->mosq); /* keep-alive PINGREQ, its timeout */
    return rc;
}

void crier_mqtt__connection_lost(crier_mqtt *mq, int rc)
{
    if (mq->session_ok || rc != MOSQ_ERR_CONN_REFUSED)
        LOG_DEBUG(CRIER_MQTT_COMP, "loop: %s", mosquitto_strerror(rc));
    mq->sock_up = 0;
    if (mq->session_ok) {
        mq->session_ok = 0;
        pthread_mutex_lock(&mq->lock);
        mq->stats.connected = 0;
        pthread_mutex_unlock(&mq->lock);
        LOG_WARN(CRIER_MQTT_COMP, "connection lost (%s); reconnecting", mosquitto_strerror(rc));
    }
    mosquitto_disconnect(mq->mosq); /* drop the dead socket */
    mq->retry_at = crier_mono_ms() + (mq->fallback_now ? 0 : crier_mqtt__next_backoff(mq));
}

void crier_mqtt__goodbye(crier_mqtt *mq)
{
    if (!mq->session_ok)
        return;
    int mid = 0;
    char *json = crier_status_write(mq->kiosk, mq->site, 0, crier_wall_ms(), CRIER_VERSION);
    mq->offline_acked = 0;
    if (json && crier_mqtt__publish_raw(mq, mq->topic_status, json, strlen(json), 1, 1, &mid) == MOSQ_ERR_SUCCESS) {
        mq->offline_mid = mid;
        int64_t deadline = crier_mono_ms() + GOODBYE_ACK_MS;
        while (!mq->offline_acked && crier_mono_ms() < deadline && crier_mqtt__pump(mq, -1, 100) == MOSQ_ERR_SUCCESS) {
        }
    }
    free(json);
    mosquitto_disconnect_v5(mq->mosq, MQTT_RC_NORMAL_DISCONNECTION, NULL);
    int64_t deadline = crier_mono_ms() + GOODBYE_CLOSE_MS;
    while (crier_mono_ms() < deadline && crier_mqtt__pump(mq, -1, 50) == MOSQ_ERR_SUCCESS) {
    }
}

void crier_mqtt__callbacks_set(crier_mqtt *mq)
{
    mosquitto_connect_v5_callback_set(mq->mosq, on_connect);
    mosquitto_disconnect_v5_callback_set(mq->mosq, on_disconnect);
    mosquitto_message_v5_callback_set(mq->mosq, on_message);
    mosquitto_publish_v5_callback_set(mq->mosq, on_publish);
    mosquitto_subscribe_v5_callback_set(mq->mosq, on_subscribe);
    mosquitto_log_callback_set(mq->mosq, on_log);
}
