/* fleet.c - MQTT client and fleet table (fleet.h). */
#include "fleet.h"

#include "audit.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "remote/mqtt.h"
#include "remote/protocol.h"

#include <math.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TITLE_MAX 300

typedef struct screen {
    char kiosk[CN_NAME_MAX + 1], site[CN_NAME_MAX + 1];
    int online;             /* status: 1 online, 0 offline, -1 not reported */
    int64_t status_ms, hb_ms; /* last status / heartbeat (the kiosk's ts, never ahead of arrival) */
    char version[40];
    double temp_c;          /* NAN unknown */
    int alerts;             /* -1 unknown */
    int64_t content_age_s;  /* -1 unknown */
    int showing;
    char show_id[CN_NAME_MAX + 1], show_source[CN_NAME_MAX + 1], show_title[TITLE_MAX + 1];
    int64_t show_since;
    int64_t shot_ms;        /* latest screenshot, 0 none */
    const char *sent_state; /* last state sent as an event */
    int dirty;              /* to be saved */
} screen;

typedef struct pub_wait {
    int mid, done, reason;
    struct pub_wait *next;
} pub_wait;

struct cn_fleet {
    cn_fleet_cfg cfg;
    struct mosquitto *mosq;
    int loop_started;
    pthread_mutex_t lock; /* screens, connected */
    screen *screens;
    size_t n, cap;
    int connected;
    pthread_mutex_t pub_lock; /* waits */
    pthread_cond_t pub_cond;
    pub_wait *waits;
    int64_t last_save_ms;
};

static const char *state_of(const cn_fleet *f, const screen *s, int64_t now)
{
    if (s->online == 0)
        return "offline";
    int64_t seen = s->hb_ms > s->status_ms ? s->hb_ms : s->status_ms;
    if (seen <= 0 || now - seen > (int64_t)f->cfg.stale_after_s * 1000)
        return "stale";
    return "online";
}

static screen *find(cn_fleet *f, const char *kiosk)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->screens[i].kiosk, kiosk) == 0)
            return &f->screens[i];
    return NULL;
}

static screen *find_or_add(cn_fleet *f, const char *kiosk)
{
    screen *s = find(f, kiosk);
    if (s)
        return s;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        screen *ns = realloc(f->screens, cap * sizeof *ns);
        if (!ns)
            return NULL;
        f->screens = ns;
        f->cap = cap;
    }
    s = &f->screens[f->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->kiosk, sizeof s->kiosk, "%s", kiosk);
    s->online = -1;
    s->temp_c = NAN;
    s->alerts = -1;
    s->content_age_s = -1;
    s->dirty = 1;
    return s;
}

static cJSON *screen_json(const cn_fleet *f, const screen *s, int64_t now)
{
    char t[32];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kiosk", s->kiosk);
    cJSON_AddStringToObject(o, "site", s->site);
    cJSON_AddStringToObject(o, "state", state_of(f, s, now));
    int64_t seen = s->hb_ms > s->status_ms ? s->hb_ms : s->status_ms;
    cn_time_str(seen, t, sizeof t);
    if (seen > 0)
        cJSON_AddStringToObject(o, "last_seen", t);
    else
        cJSON_AddNullToObject(o, "last_seen");
    if (s->showing) {
        cJSON *sh = cJSON_AddObjectToObject(o, "showing");
        cJSON_AddStringToObject(sh, "id", s->show_id);
        cJSON_AddStringToObject(sh, "title", s->show_title);
        cJSON_AddStringToObject(sh, "source", s->show_source);
        cn_time_str(s->show_since, t, sizeof t);
        cJSON_AddStringToObject(sh, "since", t);
    } else {
        cJSON_AddNullToObject(o, "showing");
    }
    if (s->content_age_s >= 0)
        cJSON_AddNumberToObject(o, "content_age_s", (double)s->content_age_s);
    else
        cJSON_AddNullToObject(o, "content_age_s");
    if (s->alerts >= 0)
        cJSON_AddNumberToObject(o, "alerts", s->alerts);
    else
        cJSON_AddNullToObject(o, "alerts");
    cJSON_AddStringToObject(o, "version", s->version);
    if (isnan(s->temp_c))
        cJSON_AddNullToObject(o, "temp_c");
    else
        cJSON_AddNumberToObject(o, "temp_c", s->temp_c);
    cJSON_AddNullToObject(o, "layout");      /* kiosks do not report it (yet) */
    cJSON_AddNullToObject(o, "orientation");
    cn_time_str(s->shot_ms, t, sizeof t);
    if (s->shot_ms)
        cJSON_AddStringToObject(o, "screenshot", t);
    else
        cJSON_AddNullToObject(o, "screenshot");
    return o;
}

/* Event for s (called with the lock held; the hub has its own lock and
 * never calls back). */
static void emit(cn_fleet *f, screen *s, int64_t now)
{
    s->sent_state = state_of(f, s, now);
    s->dirty = 1;
    cJSON *o = screen_json(f, s, now);
    char *txt = cn_json_print(o);
    cn_sse_publish(f->cfg.sse, "screen", txt, s->site, CN_ROLE_VIEWER);
    free(txt);
    cJSON_Delete(o);
}

static int64_t jms(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static void copy_str(char *dst, size_t len, const cJSON *o, const char *k)
{
    const char *v = cn_jstr(o, k);
    char *c = v ? cn_text_clean(v, len - 1) : NULL;
    snprintf(dst, len, "%s", c ? c : "");
    free(c);
}

/* A kiosk's own timestamp, never later than now (clocks drift). */
static int64_t seen_at(int64_t ts, int64_t now)
{
    return ts > 0 && ts < now ? ts : now;
}

static void on_status(cn_fleet *f, const char *kiosk, const cJSON *j, int64_t now)
{
    pthread_mutex_lock(&f->lock);
    screen *s = find_or_add(f, kiosk);
    if (s) {
        const char *st = cn_jstr(j, "state");
        s->online = st && strcmp(st, "online") == 0;
        s->status_ms = seen_at(jms(j, "ts"), now);
        if (cn_jstr(j, "site"))
            copy_str(s->site, sizeof s->site, j, "site");
        if (cn_jstr(j, "version"))
            copy_str(s->version, sizeof s->version, j, "version");
        emit(f, s, now);
    }
    pthread_mutex_unlock(&f->lock);
}

static void on_heartbeat(cn_fleet *f, const char *kiosk, const cJSON *j, int64_t now)
{
    pthread_mutex_lock(&f->lock);
    screen *s = find_or_add(f, kiosk);
    if (s) {
        s->hb_ms = seen_at(jms(j, "ts"), now);
        if (s->online < 0)
            s->online = 1;
        if (cn_jstr(j, "site"))
            copy_str(s->site, sizeof s->site, j, "site");
        if (cn_jstr(j, "version"))
            copy_str(s->version, sizeof s->version, j, "version");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "temp_c");
        s->temp_c = cJSON_IsNumber(t) ? t->valuedouble : NAN;
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "alerts");
        s->alerts = cJSON_IsNumber(a) ? (int)a->valuedouble : -1;
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "content_age_s");
        s->content_age_s = cJSON_IsNumber(c) ? (int64_t)c->valuedouble : -1;
        const cJSON *sh = cJSON_GetObjectItemCaseSensitive(j, "showing");
        s->showing = cJSON_IsObject(sh);
        if (s->showing) {
            copy_str(s->show_id, sizeof s->show_id, sh, "id");
            copy_str(s->show_source, sizeof s->show_source, sh, "source");
            copy_str(s->show_title, sizeof s->show_title, sh, "title");
            s->show_since = jms(sh, "since");
        }
        emit(f, s, now);
    }
    pthread_mutex_unlock(&f->lock);
}

static void on_shot(cn_fleet *f, const char *kiosk, const void *png, size_t len, int64_t now)
{
    static const unsigned char magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len < 8 || len > CN_SHOT_MAX || memcmp(png, magic, 8) != 0) {
        LOG_WARN("console", "kiosk %s sent a screenshot that is not a PNG (%zu bytes); ignored", kiosk, len);
        return;
    }
    char *thumb = NULL;
    size_t tlen = 0;
    if (cn_png_thumb(png, len, 320, &thumb, &tlen) != CRIER_OK)
        LOG_WARN("console", "no thumbnail for the screenshot of %s", kiosk);
    sqlite3 *s = cn_db_lock(f->cfg.db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "INSERT OR REPLACE INTO shots(kiosk, time, png, thumb) VALUES(?,?,?,?)", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, kiosk, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_blob(st, 3, png, (int)len, SQLITE_TRANSIENT);
        if (thumb)
            sqlite3_bind_blob(st, 4, thumb, (int)tlen, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    cn_db_unlock(f->cfg.db);
    free(thumb);
    pthread_mutex_lock(&f->lock);
    screen *sc = find_or_add(f, kiosk);
    if (sc) {
        sc->shot_ms = now;
        emit(f, sc, now);
    }
    pthread_mutex_unlock(&f->lock);
}

static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg,
                       const mosquitto_property *props)
{
    cn_fleet *f = ud;
    crier_topic t;
    if (crier_topic_parse(msg->topic, &t) != CRIER_OK || msg->payloadlen <= 0)
        return;
    int64_t now = crier_wall_ms();
    size_t len = (size_t)msg->payloadlen;
    if (t.kind == CRIER_TOPIC_SCREENSHOT) {
        on_shot(f, t.target, msg->payload, len, now);
        return;
    }
    if (len > 64 * 1024)
        return;
    cJSON *j = cJSON_ParseWithLength(msg->payload, len);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return;
    }
    if (t.kind == CRIER_TOPIC_STATUS)
        on_status(f, t.target, j, now);
    else if (t.kind == CRIER_TOPIC_HEARTBEAT)
        on_heartbeat(f, t.target, j, now);
    else if (t.kind == CRIER_TOPIC_REJECTED) {
        char detail[400];
        snprintf(detail, sizeof detail, "%s: %s", cn_jstr(j, "id") ? cn_jstr(j, "id") : "?",
                 cn_jstr(j, "error") ? cn_jstr(j, "error") : "rejected");
        cn_audit(f->cfg.db, f->cfg.sse, t.target, "kiosk.rejected", cn_jstr(j, "topic") ? cn_jstr(j, "topic") : "",
                 "refused", detail);
    } else if (t.kind == CRIER_TOPIC_RECEIPT) {
        if (f->cfg.on_receipt)
            f->cfg.on_receipt(f->cfg.receipt_ud, t.target, t.name, j, now);
    } else if (t.kind == CRIER_TOPIC_REPLY && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok"))) {
        cn_audit(f->cfg.db, f->cfg.sse, t.target, "kiosk.reply", t.name, "failed",
                 cn_jstr(j, "error") ? cn_jstr(j, "error") : "");
    }
    cJSON_Delete(j);
}

static void on_connect(struct mosquitto *m, void *ud, int rc, int flags, const mosquitto_property *p)
{
    cn_fleet *f = ud;
    if (rc != 0) {
        LOG_WARN("console", "the broker refused the connection: %s", mosquitto_reason_string(rc));
        return;
    }
    static const char *const subs[] = {CRIER_TOPIC_PREFIX "/kiosk/+/status", CRIER_TOPIC_PREFIX "/kiosk/+/heartbeat",
                                       CRIER_TOPIC_PREFIX "/kiosk/+/screenshot/+", CRIER_TOPIC_PREFIX "/kiosk/+/reply/+",
                                       CRIER_TOPIC_PREFIX "/kiosk/+/rejected",
                                       CRIER_TOPIC_PREFIX "/kiosk/+/receipt/+"};
    mosquitto_subscribe_multiple(m, NULL, 6, (char *const *const)subs, 1, 0, NULL);
    pthread_mutex_lock(&f->lock);
    f->connected = 1;
    pthread_mutex_unlock(&f->lock);
    LOG_INFO("console", "connected to the broker");
}

static void on_disconnect(struct mosquitto *m, void *ud, int rc, const mosquitto_property *p)
{
    cn_fleet *f = ud;
    pthread_mutex_lock(&f->lock);
    f->connected = 0;
    pthread_mutex_unlock(&f->lock);
    pthread_mutex_lock(&f->pub_lock);
    pthread_cond_broadcast(&f->pub_cond); /* waiters see the connection gone */
    pthread_mutex_unlock(&f->pub_lock);
    if (rc)
        LOG_WARN("console", "lost the broker connection (%s); reconnecting", mosquitto_strerror(rc));
}

static void on_publish(struct mosquitto *m, void *ud, int mid, int reason, const mosquitto_property *p)
{
    cn_fleet *f = ud;
    pthread_mutex_lock(&f->pub_lock);
    for (pub_wait *w = f->waits; w; w = w->next)
        if (w->mid == mid) {
            w->done = 1;
            w->reason = reason;
        }
    pthread_cond_broadcast(&f->pub_cond);
    pthread_mutex_unlock(&f->pub_lock);
}

int cn_fleet_connected(cn_fleet *f)
{
    pthread_mutex_lock(&f->lock);
    int c = f->connected;
    pthread_mutex_unlock(&f->lock);
    return c;
}

crier_err cn_fleet_publish(cn_fleet *f, const char *topic, const void *payload, size_t len, int retain,
                           int timeout_ms)
{
    return cn_fleet_publish_ex(f, topic, payload, len, retain, 0, timeout_ms);
}

crier_err cn_fleet_publish_ex(cn_fleet *f, const char *topic, const void *payload, size_t len, int retain,
                              uint32_t expiry_s, int timeout_ms)
{
    if (!f->mosq || !cn_fleet_connected(f))
        return CRIER_ERR_NET;
    pub_wait w = {0};
    mosquitto_property *props = NULL;
    if (expiry_s)
        mosquitto_property_add_int32(&props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, expiry_s);
    pthread_mutex_lock(&f->pub_lock); /* on_publish waits for us to be listed */
    int rc = mosquitto_publish_v5(f->mosq, &w.mid, topic, (int)len, payload, 1, retain ? true : false, props);
    mosquitto_property_free_all(&props);
    if (rc != MOSQ_ERR_SUCCESS) {
        pthread_mutex_unlock(&f->pub_lock);
        LOG_WARN("console", "publish to %s failed: %s", topic, mosquitto_strerror(rc));
        return CRIER_ERR_NET;
    }
    w.next = f->waits;
    f->waits = &w;
    struct timespec dl = crier_mono_deadline(timeout_ms);
    while (!w.done) {
        if (pthread_cond_timedwait(&f->pub_cond, &f->pub_lock, &dl) != 0)
            break;
        pthread_mutex_unlock(&f->pub_lock);
        int up = cn_fleet_connected(f);
        pthread_mutex_lock(&f->pub_lock);
        if (!up && !w.done)
            break;
    }
    for (pub_wait **p = &f->waits; *p; p = &(*p)->next)
        if (*p == &w) {
            *p = w.next;
            break;
        }
    pthread_mutex_unlock(&f->pub_lock);
    if (!w.done)
        return cn_fleet_connected(f) ? CRIER_ERR_TIMEOUT : CRIER_ERR_NET;
    if (w.reason >= 0x80) {
        LOG_WARN("console", "the broker refused the publish to %s: %s", topic, mosquitto_reason_string(w.reason));
        return CRIER_ERR_AUTH;
    }
    return CRIER_OK;
}

static void load_known(cn_fleet *f)
{
    sqlite3 *s = cn_db_lock(f->cfg.db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT kiosk, site, last_seen, info FROM screens", -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *k = (const char *)sqlite3_column_text(st, 0);
            screen *sc = k && cn_name_ok(k) ? find_or_add(f, k) : NULL;
            if (!sc)
                continue;
            snprintf(sc->site, sizeof sc->site, "%s", sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
            sc->hb_ms = sqlite3_column_int64(st, 2);
            cJSON *info = cJSON_Parse((const char *)sqlite3_column_text(st, 3));
            copy_str(sc->version, sizeof sc->version, info, "version");
            cJSON_Delete(info);
            sc->dirty = 0;
        }
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(s, "SELECT kiosk, time FROM shots", -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            screen *sc = find(f, (const char *)sqlite3_column_text(st, 0));
            if (sc)
                sc->shot_ms = sqlite3_column_int64(st, 1);
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(f->cfg.db);
}

crier_err cn_fleet_start(cn_fleet **out, const cn_fleet_cfg *cfg, char *err, size_t err_len)
{
    *out = NULL;
    cn_fleet *f = calloc(1, sizeof *f);
    if (!f)
        return CRIER_ERR_NOMEM;
    f->cfg = *cfg;
    pthread_mutex_init(&f->lock, NULL);
    pthread_mutex_init(&f->pub_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->pub_cond, &ca);
    pthread_condattr_destroy(&ca);
    load_known(f);
    f->last_save_ms = crier_wall_ms();
    if (!cfg->broker) {
        *out = f;
        return CRIER_OK;
    }
    crier_broker_url u;
    if (crier_broker_url_parse(cfg->broker, &u) != CRIER_OK) {
        crier_errf(err, err_len, "bad broker URL '%s' (want mqtt://host:port or mqtts://host:port)", cfg->broker);
        cn_fleet_stop(f);
        return CRIER_ERR_INVAL;
    }
    mosquitto_lib_init();
    char id[48], hex[12];
    cn_random_b64(hex, sizeof hex, 6);
    snprintf(id, sizeof id, "crier-console-%s", hex);
    if (!(f->mosq = mosquitto_new(id, true, f))) {
        cn_fleet_stop(f);
        return CRIER_ERR_NOMEM;
    }
    mosquitto_int_option(f->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_connect_v5_callback_set(f->mosq, on_connect);
    mosquitto_disconnect_v5_callback_set(f->mosq, on_disconnect);
    mosquitto_publish_v5_callback_set(f->mosq, on_publish);
    mosquitto_message_v5_callback_set(f->mosq, on_message);
    mosquitto_reconnect_delay_set(f->mosq, 1, 10, true);
    if (cfg->user) {
        char *pw = NULL;
        if (cfg->password_file && crier_mqtt_read_password(cfg->password_file, &pw) != CRIER_OK) {
            crier_errf(err, err_len, "cannot read the broker password file %s", cfg->password_file);
            cn_fleet_stop(f);
            return CRIER_ERR_IO;
        }
        mosquitto_username_pw_set(f->mosq, cfg->user, pw);
        if (pw) {
            sodium_memzero(pw, strlen(pw));
            free(pw);
        }
    }
    if (u.tls || cfg->cafile) {
        if (mosquitto_tls_set(f->mosq, cfg->cafile, cfg->cafile ? NULL : "/etc/ssl/certs", NULL, NULL, NULL) !=
            MOSQ_ERR_SUCCESS) {
            crier_errf(err, err_len, "broker TLS setup failed");
            cn_fleet_stop(f);
            return CRIER_ERR_INVAL;
        }
    }
    int rc = mosquitto_connect_bind_async(f->mosq, u.host, u.port, 30, NULL);
    if (rc != MOSQ_ERR_SUCCESS)
        LOG_WARN("console", "cannot reach the broker at %s:%d yet (%s); retrying", u.host, u.port,
                 mosquitto_strerror(rc));
    if (mosquitto_loop_start(f->mosq) != MOSQ_ERR_SUCCESS) {
        crier_errf(err, err_len, "cannot start the MQTT thread");
        cn_fleet_stop(f);
        return CRIER_ERR_NET;
    }
    f->loop_started = 1;
    *out = f;
    return CRIER_OK;
}

static void save(cn_fleet *f)
{
    /* copy the dirty rows out under the table lock, write them without it */
    pthread_mutex_lock(&f->lock);
    size_t k = 0;
    typedef struct row { char kiosk[CN_NAME_MAX + 1], site[CN_NAME_MAX + 1], version[40]; int64_t seen; } row;
    row *rows = malloc((f->n ? f->n : 1) * sizeof *rows);
    for (size_t i = 0; rows && i < f->n; i++) {
        screen *s = &f->screens[i];
        if (!s->dirty)
            continue;
        s->dirty = 0;
        row *r = &rows[k++];
        memcpy(r->kiosk, s->kiosk, sizeof r->kiosk);
        memcpy(r->site, s->site, sizeof r->site);
        memcpy(r->version, s->version, sizeof r->version);
        r->seen = s->hb_ms > s->status_ms ? s->hb_ms : s->status_ms;
    }
    pthread_mutex_unlock(&f->lock);
    if (k) {
        sqlite3 *s = cn_db_lock(f->cfg.db);
        sqlite3_stmt *st = NULL;
        cn_db_exec(s, "BEGIN");
        if (sqlite3_prepare_v2(s, "INSERT OR REPLACE INTO screens(kiosk, site, last_seen, info) VALUES(?,?,?,?)", -1,
                               &st, NULL) == SQLITE_OK) {
            for (size_t i = 0; i < k; i++) {
                char info[96];
                cJSON *v = cJSON_CreateString(rows[i].version);
                char *vs = cn_json_print(v);
                snprintf(info, sizeof info, "{\"version\":%s}", vs ? vs : "\"\"");
                free(vs);
                cJSON_Delete(v);
                sqlite3_bind_text(st, 1, rows[i].kiosk, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, rows[i].site, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 3, rows[i].seen);
                sqlite3_bind_text(st, 4, info, -1, SQLITE_TRANSIENT);
                sqlite3_step(st);
                sqlite3_reset(st);
            }
        }
        sqlite3_finalize(st);
        cn_db_exec(s, "COMMIT");
        cn_db_unlock(f->cfg.db);
    }
    free(rows);
}

void cn_fleet_stop(cn_fleet *f)
{
    if (!f)
        return;
    if (f->mosq) {
        mosquitto_disconnect(f->mosq);
        if (f->loop_started)
            mosquitto_loop_stop(f->mosq, true);
        mosquitto_destroy(f->mosq);
        mosquitto_lib_cleanup();
    }
    save(f);
    free(f->screens);
    pthread_cond_destroy(&f->pub_cond);
    pthread_mutex_destroy(&f->pub_lock);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

void cn_fleet_tick(cn_fleet *f, int64_t now_ms)
{
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->n; i++) {
        screen *s = &f->screens[i];
        if (s->sent_state && strcmp(s->sent_state, state_of(f, s, now_ms)) != 0)
            emit(f, s, now_ms);
    }
    pthread_mutex_unlock(&f->lock);
    if (now_ms - f->last_save_ms >= 10000) {
        f->last_save_ms = now_ms;
        save(f);
    }
}

static int by_kiosk(const void *a, const void *b)
{
    return strcmp(((const screen *)a)->kiosk, ((const screen *)b)->kiosk);
}

cJSON *cn_fleet_screens_json(cn_fleet *f, const cn_user *u, const char *site)
{
    int64_t now = crier_wall_ms();
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "screens");
    int on = 0, off = 0, stale = 0;
    pthread_mutex_lock(&f->lock);
    if (f->n > 1)
        qsort(f->screens, f->n, sizeof *f->screens, by_kiosk);
    for (size_t i = 0; i < f->n; i++) {
        const screen *s = &f->screens[i];
        if (!cn_user_has_site(u, s->site) || (site && site[0] && strcmp(site, s->site) != 0))
            continue;
        const char *st = state_of(f, s, now);
        on += st[1] == 'n';
        off += st[1] == 'f';
        stale += st[1] == 't';
        cJSON_AddItemToArray(arr, screen_json(f, s, now));
    }
    pthread_mutex_unlock(&f->lock);
    cJSON *c = cJSON_AddObjectToObject(root, "counts");
    cJSON_AddNumberToObject(c, "online", on);
    cJSON_AddNumberToObject(c, "offline", off);
    cJSON_AddNumberToObject(c, "stale", stale);
    return root;
}

int cn_fleet_site_of(cn_fleet *f, const char *kiosk, char site[CN_NAME_MAX + 1])
{
    pthread_mutex_lock(&f->lock);
    screen *s = find(f, kiosk);
    if (s)
        snprintf(site, CN_NAME_MAX + 1, "%s", s->site);
    pthread_mutex_unlock(&f->lock);
    return s != NULL;
}

size_t cn_fleet_count(cn_fleet *f)
{
    pthread_mutex_lock(&f->lock);
    size_t n = f->n;
    pthread_mutex_unlock(&f->lock);
    return n;
}

crier_err cn_fleet_request_shot(cn_fleet *f, const char *kiosk, char req[CN_NAME_MAX + 1])
{
    char topic[CRIER_TOPIC_MAX], hex[12];
    cn_random_b64(hex, sizeof hex, 6);
    for (char *p = hex; *p; p++) /* request ids are names: no '-'/'_' trouble, but keep them plain */
        if (*p == '-' || *p == '_')
            *p = 'x';
    snprintf(req, CN_NAME_MAX + 1, "shot-%s", hex);
    if (crier_topic_kiosk(topic, sizeof topic, CRIER_TOPIC_CMD, kiosk, "screenshot") != CRIER_OK)
        return CRIER_ERR_INVAL;
    char *payload = crier_command_write(req, crier_wall_ms(), 0);
    if (!payload)
        return CRIER_ERR_NOMEM;
    crier_err e = cn_fleet_publish(f, topic, payload, strlen(payload), 0, 5000);
    free(payload);
    return e;
}

crier_err cn_fleet_shot(cn_fleet *f, const char *kiosk, int thumb, char **png, size_t *len)
{
    *png = NULL;
    *len = 0;
    crier_err e = CRIER_ERR_NOTFOUND;
    sqlite3 *s = cn_db_lock(f->cfg.db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, thumb ? "SELECT coalesce(thumb, png) FROM shots WHERE kiosk=?" : "SELECT png FROM shots WHERE kiosk=?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, kiosk, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            int n = sqlite3_column_bytes(st, 0);
            const void *b = sqlite3_column_blob(st, 0);
            if (b && n > 0 && (*png = malloc((size_t)n))) {
                memcpy(*png, b, (size_t)n);
                *len = (size_t)n;
                e = CRIER_OK;
            }
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(f->cfg.db);
    return e;
}
