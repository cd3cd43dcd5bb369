/* mqtt.c - the kiosk's MQTT client: configuration, start/stop, the worker's
 * timers and wait, publishing for other threads (see mqtt.h, mqtt_internal.h).
 *
 * Design: a crier_worker (base/worker.h) owns the libmosquitto instance.  Its
 * tick does the timed work (connect / reconnect with back-off, heartbeat,
 * sweep, proof-of-play flush, heap trim) and returns the nearest deadline (at
 * most LOOP_MAX_WAIT_MS away, so keep-alive is served); its wait polls the wake
 * descriptor together with the MQTT socket and runs libmosquitto's
 * read/write/misc steps (mqtt_session.c).  Stop is the worker's quit message;
 * the orderly goodbye (retained "offline", DISCONNECT) runs in on_stop.
 * Other threads publish through libmosquitto, which only queues the packet
 * (mosquitto_threaded_set), and wake the worker so it writes it out. */
#include "remote/mqtt_internal.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "crier_version.h"

#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMP CRIER_MQTT_COMP
#define LOOP_MAX_WAIT_MS 1000
#define TRIM_EVERY_MS 60000 /* free heap pages go back to the system this often */
#define PROOFPLAY_FLUSH_MS 2000

/* ---- shared helpers ---------------------------------------------------------- */

void crier_mqtt__set_error(crier_mqtt *mq, const char *msg)
{
    pthread_mutex_lock(&mq->lock);
    size_t n = strnlen(msg, sizeof mq->stats.last_error - 1); /* cut long messages */
    memcpy(mq->stats.last_error, msg, n);
    mq->stats.last_error[n] = '\0';
    pthread_mutex_unlock(&mq->lock);
}

void crier_mqtt__stat_inc(crier_mqtt *mq, uint64_t *field)
{
    pthread_mutex_lock(&mq->lock);
    (*field)++;
    pthread_mutex_unlock(&mq->lock);
}

int crier_mqtt__publish_raw(crier_mqtt *mq, const char *topic, const void *payload, size_t len, int qos, int retain,
                            int *mid)
{
    if (len > (size_t)INT32_MAX)
        return MOSQ_ERR_PAYLOAD_SIZE;
    return mosquitto_publish_v5(mq->mosq, mid, topic, (int)len, payload, qos, retain ? true : false, NULL);
}

void crier_mqtt__publish_json(crier_mqtt *mq, const char *topic, char *json, int qos, int retain)
{
    if (!json)
        return;
    int rc = crier_mqtt__publish_raw(mq, topic, json, strlen(json), qos, retain, NULL);
    if (rc != MOSQ_ERR_SUCCESS)
        LOG_DEBUG(COMP, "publish to %s not queued: %s", topic, mosquitto_strerror(rc));
    free(json);
}

/* ---- the worker ------------------------------------------------------------------ */

static int64_t earliest(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Timed work; returns the next deadline (monotonic ms).  A deadline in the past
 * makes the worker call this again without waiting (and without serving the
 * socket), so only work this call can do may be due. */
static int64_t mqtt_tick(void *ud, int64_t now)
{
    crier_mqtt *mq = ud;
    if (!mq->sock_up && (now >= mq->retry_at || mq->fallback_now)) {
        if (mq->fallback_now) {
            mq->protocol = MQTT_PROTOCOL_V311;
            mq->fallback_now = 0;
        }
        if (crier_mqtt__try_connect(mq) != 0)
            mq->retry_at = crier_mono_ms() + crier_mqtt__next_backoff(mq);
    }
    int soon = atomic_exchange(&mq->hb_soon, 0);
    if (mq->session_ok && (soon || !mq->next_hb || now >= mq->next_hb)) {
        crier_mqtt__send_heartbeat(mq);
        mq->next_hb = now + (int64_t)mq->heartbeat_s * 1000;
    }
    if (mq->session_ok && mq->sweep_at && now >= mq->sweep_at)
        crier_mqtt__sweep(mq);
    if (mq->proofplay && now >= mq->next_flush) {
        crier_proofplay_flush(mq->proofplay);
        mq->next_flush = now + PROOFPLAY_FLUSH_MS;
    }
    if (now >= mq->next_trim) {
        crier_mqtt__trim_heap();
        mq->next_trim = now + TRIM_EVERY_MS;
    }
    int64_t next = earliest(now + LOOP_MAX_WAIT_MS, mq->next_trim);
    if (mq->proofplay)
        next = earliest(next, mq->next_flush);
    if (!mq->sock_up)
        next = earliest(next, mq->fallback_now ? now : mq->retry_at);
    if (mq->session_ok && mq->next_hb) /* timers that run only while connected */
        next = earliest(next, mq->next_hb);
    if (mq->session_ok && mq->sweep_at)
        next = earliest(next, mq->sweep_at);
    return next;
}

/* Waits for a wake-up, the socket or the deadline, and serves the socket. */
static void mqtt_wait(void *ud, int wake_fd, int timeout_ms)
{
    crier_mqtt *mq = ud;
    int rc = crier_mqtt__pump(mq, wake_fd, timeout_ms);
    if (rc != MOSQ_ERR_SUCCESS)
        crier_mqtt__connection_lost(mq, rc);
}

static void mqtt_on_stop(void *ud)
{
    crier_mqtt *mq = ud;
    crier_mqtt__goodbye(mq);
    if (mq->proofplay)
        crier_proofplay_flush(mq->proofplay);
    LOG_INFO(COMP, "thread stopped");
}

static const crier_worker_ops mqtt_ops = {
    .name = "mqtt",
    .on_tick = mqtt_tick,
    .wait = mqtt_wait,
    .on_stop = mqtt_on_stop,
};

/* ---- configuration, start, stop ----------------------------------------------------- */

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

/* Checks cfg; CRIER_ERR_INVAL with err filled when it is unusable. */
static crier_err check_cfg(const crier_mqtt_cfg *cfg, char *err, size_t err_len)
{
    if (!cfg || !cfg->broker || !cfg->mailbox || !crier_name_valid(cfg->kiosk) ||
        (cfg->site && *cfg->site && !crier_name_valid(cfg->site))) {
        crier_errf(err, err_len, "config: broker, mailbox and a valid kiosk id ([A-Za-z0-9_.-], 1..64) are required");
        return CRIER_ERR_INVAL;
    }
    if (cfg->protocol != 0 && cfg->protocol != 4 && cfg->protocol != 5) {
        crier_errf(err, err_len, "config: protocol must be 0 (auto), 4 (3.1.1) or 5");
        return CRIER_ERR_INVAL;
    }
    if ((cfg->certfile && *cfg->certfile) != (cfg->keyfile && *cfg->keyfile)) {
        crier_errf(err, err_len, "config: certfile and keyfile go together");
        return CRIER_ERR_INVAL;
    }
    return CRIER_OK;
}

/* Copies cfg into mq (strings, password file, extra filters, defaults).
 * err is filled for every failure but CRIER_ERR_NOMEM. */
static crier_err copy_cfg(crier_mqtt *mq, const crier_mqtt_cfg *cfg, char *err, size_t err_len)
{
    if (crier_broker_url_parse(cfg->broker, &mq->url) != CRIER_OK) {
        crier_errf(err, err_len, "config: bad broker URL '%s' (want mqtt://host:port or mqtts://host:port)",
                   cfg->broker);
        return CRIER_ERR_INVAL;
    }
    if (dup_opt(&mq->kiosk, cfg->kiosk) || dup_opt(&mq->site, cfg->site) || dup_opt(&mq->username, cfg->username) ||
        dup_opt(&mq->cafile, cfg->cafile) || dup_opt(&mq->certfile, cfg->certfile) ||
        dup_opt(&mq->keyfile, cfg->keyfile) || dup_opt(&mq->password, cfg->password))
        return CRIER_ERR_NOMEM;
    if (!mq->password && cfg->password_file && *cfg->password_file) {
        crier_err rc = crier_mqtt_read_password(cfg->password_file, &mq->password);
        if (rc != CRIER_OK) {
            crier_errf(err, err_len, "cannot use the password file %s: %s", cfg->password_file, crier_strerror(rc));
            return rc;
        }
    }
    if (cfg->extra_filter_count) {
        mq->extra_filters = calloc(cfg->extra_filter_count, sizeof(char *));
        if (!mq->extra_filters)
            return CRIER_ERR_NOMEM;
        for (size_t i = 0; i < cfg->extra_filter_count; i++, mq->extra_count++)
            if (!(mq->extra_filters[i] = crier_strdup(cfg->extra_filters[i])))
                return CRIER_ERR_NOMEM;
    }
    mq->posts = calloc(CRIER_MQTT_MAX_POSTS, sizeof *mq->posts);
    if (!mq->posts)
        return CRIER_ERR_NOMEM;
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
    return CRIER_OK;
}

/* The libmosquitto instance: options, callbacks, credentials, TLS, the Will. */
static crier_err setup_mosquitto(crier_mqtt *mq, char *err, size_t err_len)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, lib_init_once);
    mq->mosq = mosquitto_new(mq->kiosk, false, mq); /* clean start off: persistent session */
    if (!mq->mosq) {
        crier_errf(err, err_len, "out of memory");
        return CRIER_ERR_NOMEM;
    }
    mosquitto_threaded_set(mq->mosq, true);
    mosquitto_int_option(mq->mosq, MOSQ_OPT_PROTOCOL_VERSION, mq->protocol);
    mosquitto_int_option(mq->mosq, MOSQ_OPT_TCP_NODELAY, 1);
    crier_mqtt__callbacks_set(mq);
    if (mq->username && mosquitto_username_pw_set(mq->mosq, mq->username, mq->password) != MOSQ_ERR_SUCCESS) {
        crier_errf(err, err_len, "config: bad username/password");
        return CRIER_ERR_INVAL;
    }
    if (mq->url.tls || mq->cafile) {
        /* no cafile: the system's CA folder */
        int trc = mosquitto_tls_set(mq->mosq, mq->cafile, mq->cafile ? NULL : "/etc/ssl/certs", mq->certfile,
                                    mq->keyfile, NULL);
        if (trc != MOSQ_ERR_SUCCESS) {
            crier_errf(err, err_len, "config: TLS setup failed (cafile %s, certfile %s): %s",
                       mq->cafile ? mq->cafile : "system", mq->certfile ? mq->certfile : "none",
                       mosquitto_strerror(trc));
            return trc == MOSQ_ERR_INVAL ? CRIER_ERR_IO : CRIER_ERR_INVAL;
        }
        mq->url.tls = 1;
    }
    char *will = crier_status_write(mq->kiosk, mq->site, 0, 0, CRIER_VERSION);
    int wrc = will ? mosquitto_will_set_v5(mq->mosq, mq->topic_status, (int)strlen(will), will, 1, true, NULL)
                   : MOSQ_ERR_NOMEM;
    free(will);
    if (wrc != MOSQ_ERR_SUCCESS) {
        crier_errf(err, err_len, "cannot set the Last Will: %s", mosquitto_strerror(wrc));
        return CRIER_ERR_INVAL;
    }
    return CRIER_OK;
}

crier_err crier_mqtt_start(crier_mqtt **out, const crier_mqtt_cfg *cfg, char *err, size_t err_len)
{
    *out = NULL;
    crier_err rc = check_cfg(cfg, err, err_len);
    if (rc != CRIER_OK)
        return rc;
    crier_mqtt *mq = calloc(1, sizeof *mq);
    if (!mq) {
        crier_errf(err, err_len, "out of memory");
        return CRIER_ERR_NOMEM;
    }
    pthread_mutex_init(&mq->lock, NULL);
    mq->alerts = -1;
    if ((rc = copy_cfg(mq, cfg, err, err_len)) != CRIER_OK) {
        if (rc == CRIER_ERR_NOMEM)
            crier_errf(err, err_len, "out of memory");
        goto fail;
    }
    mq->start_mono_ms = crier_mono_ms();
    mq->next_flush = mq->start_mono_ms + PROOFPLAY_FLUSH_MS;
    mq->next_trim = mq->start_mono_ms + TRIM_EVERY_MS;
    crier_topic_kiosk(mq->topic_status, sizeof mq->topic_status, CRIER_TOPIC_STATUS, mq->kiosk, NULL);
    crier_topic_kiosk(mq->topic_heartbeat, sizeof mq->topic_heartbeat, CRIER_TOPIC_HEARTBEAT, mq->kiosk, NULL);
    crier_topic_kiosk(mq->topic_rejected, sizeof mq->topic_rejected, CRIER_TOPIC_REJECTED, mq->kiosk, NULL);
    if ((rc = setup_mosquitto(mq, err, err_len)) != CRIER_OK)
        goto fail;
    if ((rc = crier_worker_start(&mq->worker, &mqtt_ops, mq, 0)) != CRIER_OK) {
        crier_errf(err, err_len, "cannot start the MQTT thread: %s", crier_strerror(rc));
        goto fail;
    }
    LOG_INFO(COMP, "kiosk '%s' (site '%s') using broker %s://%s:%d", mq->kiosk, mq->site ? mq->site : "",
             mq->url.tls ? "mqtts" : "mqtt", mq->url.host, mq->url.port);
    *out = mq;
    return CRIER_OK;
fail:
    mq_free(mq);
    return rc;
}

void crier_mqtt_stop(crier_mqtt *mq)
{
    if (!mq)
        return;
    crier_worker_stop(mq->worker); /* the worker says goodbye in on_stop, then joins */
    mq_free(mq);
}

/* ---- any thread ------------------------------------------------------------------------ */

crier_err crier_mqtt_publish(crier_mqtt *mq, const char *topic, const void *payload, size_t len, int qos, int retain)
{
    if (!mq || !topic || (len && !payload) || qos < 0 || qos > 2)
        return CRIER_ERR_INVAL;
    int rc = crier_mqtt__publish_raw(mq, topic, payload, len, qos, retain, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        LOG_WARN(COMP, "publish to %s failed: %s", topic, mosquitto_strerror(rc));
        return rc == MOSQ_ERR_PAYLOAD_SIZE || rc == MOSQ_ERR_OVERSIZE_PACKET ? CRIER_ERR_LIMIT : CRIER_ERR_NET;
    }
    crier_worker_wake(mq->worker); /* the packet is queued: the worker writes it out */
    return CRIER_OK;
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
