/* test_alerts.c - the kiosk's alert service (alerts/alerts.c) against real mosquitto brokers.
 *
 * Each case starts a broker (scripts/broker.sh), a trusted key folder made at
 * test time, the alert service plus the kiosk's MQTT thread wired the way
 * main.c wires them, and a stand-in renderer thread that takes the mailbox,
 * keeps the latest alert snapshot and reports every snapshot as presented
 * (the real renderer's alert drawing is the lead's).  A second libmosquitto
 * client plays the central office: it signs alerts with Ed25519 and publishes
 * them retained, and collects the kiosk's receipts.  Every rejection case of
 * issue 6 is here, plus persistence across SIGKILL with the broker down, a
 * broker restart, a clock step backwards, expiry without a broker, a Cancel
 * that reaches a kiosk on reconnect, and signed staff posts. */
#include "alerts/alert.h"
#include "alerts/alert_set.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "base/mailbox.h"
#include "remote/protocol.h"
#include "remote/sign.h"
#include "base/timeutil.h"
#include "alerts/alerts.h"
#include "remote/mqtt.h"

#include "../unit/check.h"
#include "../unit/testutil.h"
#include "broker.h"
#include "logcap.h"
#include "staff.h"

#include <cjson/cJSON.h>
#include <mosquitto.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- staff client ------------------------------------------------------------ */

/* The central office: receipts, rejections and heartbeats of every kiosk. */
static staff *office_new(const test_broker *b)
{
    staff *s = staff_new(b, NULL, NULL, NULL);
    staff_sub(s, "crier/v1/kiosk/+/receipt/+");
    staff_sub(s, "crier/v1/kiosk/+/rejected");
    staff_sub(s, "crier/v1/kiosk/+/heartbeat");
    return s;
}

static cJSON *staff_json(staff *s, int i)
{
    pthread_mutex_lock(&s->lock);
    cJSON *j = i >= 0 && i < s->n ? cJSON_Parse(s->msgs[i].payload) : NULL;
    pthread_mutex_unlock(&s->lock);
    return j;
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* ---- keys and alerts ---------------------------------------------------------- */

static char g_tmp[512];
static char g_keys[600];
static crier_key g_key, g_stranger;

static void make_keys(void)
{
    snprintf(g_tmp, sizeof g_tmp, "/tmp/crier-test-alerts.XXXXXX");
    if (!mkdtemp(g_tmp))
        abort();
    snprintf(g_keys, sizeof g_keys, "%s/keys", g_tmp);
    mkdir(g_keys, 0755);
    crier_key_generate("Town Hall Emergency Office", &g_key);
    crier_key_generate("Nobody We Know", &g_stranger);
    char path[700];
    snprintf(path, sizeof path, "%s/townhall.pub", g_keys);
    crier_key_save_public(&g_key, path, 1);
}

typedef struct spec {
    const char *id, *sender, *type, *status, *scope;
    const char *refs[4];
    int64_t sent_ms, seq, expires_ms;
    int ninfo;
    const char *headline;
} spec;

static int64_t g_seq;

static char *alert_json(const spec *sp)
{
    int64_t now = crier_wall_ms();
    char t[40];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "alert");
    cJSON_AddNumberToObject(o, "v", 1);
    cJSON_AddStringToObject(o, "identifier", sp->id);
    cJSON_AddStringToObject(o, "sender", sp->sender ? sp->sender : "safety@town.example");
    crier_format_utc_ms(sp->sent_ms ? sp->sent_ms : now, t, sizeof t);
    cJSON_AddStringToObject(o, "sent", t);
    cJSON_AddNumberToObject(o, "seq", (double)(sp->seq ? sp->seq : ++g_seq));
    cJSON_AddStringToObject(o, "status", sp->status ? sp->status : "Actual");
    cJSON_AddStringToObject(o, "msgType", sp->type ? sp->type : "Alert");
    cJSON_AddStringToObject(o, "scope", sp->scope ? sp->scope : "all");
    if (sp->refs[0]) {
        cJSON *r = cJSON_AddArrayToObject(o, "references");
        for (int i = 0; i < 4 && sp->refs[i]; i++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "identifier", sp->refs[i]);
            cJSON_AddItemToArray(r, x);
        }
    }
    if (!sp->type || strcmp(sp->type, "Cancel") != 0) {
        cJSON *arr = cJSON_AddArrayToObject(o, "info");
        int n = sp->ninfo ? sp->ninfo : 1;
        for (int i = 0; i < n; i++) {
            cJSON *b = cJSON_CreateObject();
            char lang[16];
            snprintf(lang, sizeof lang, "x%d", i);
            cJSON_AddStringToObject(b, "language", i == 0 ? "en-GB" : lang);
            cJSON_AddStringToObject(b, "event", "Evacuation");
            cJSON_AddStringToObject(b, "urgency", "Immediate");
            cJSON_AddStringToObject(b, "severity", "Extreme");
            cJSON_AddStringToObject(b, "certainty", "Observed");
            crier_format_utc_ms(sp->expires_ms ? sp->expires_ms : now + 3600000, t, sizeof t);
            cJSON_AddStringToObject(b, "expires", t);
            cJSON_AddStringToObject(b, "headline", sp->headline ? sp->headline : "Evacuate the town hall now");
            cJSON_AddItemToArray(arr, b);
        }
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static char *sealed(const spec *sp, const crier_key *key)
{
    char *j = alert_json(sp), *env = NULL;
    crier_envelope_seal(j, strlen(j), key, &env, NULL);
    free(j);
    return env;
}

static void topic_for(const spec *sp, const char *thread_id, char *buf, size_t len)
{
    char tid[CRIER_NAME_MAX + 1];
    crier_alert_topic_id(sp->sender ? sp->sender : "safety@town.example", thread_id ? thread_id : sp->id, tid,
                         sizeof tid);
    crier_topic_alert(buf, len, CRIER_SCOPE_ALL, NULL, tid);
}

/* Signs and publishes (retained) on the thread topic (thread_id NULL = own id). */
static void send_alert(staff *s, const spec *sp, const char *thread_id, int retain)
{
    char topic[CRIER_TOPIC_MAX];
    topic_for(sp, thread_id, topic, sizeof topic);
    char *env = sealed(sp, &g_key);
    staff_pub(s, topic, env, strlen(env), retain);
    free(env);
}

/* ---- the kiosk: alert service + MQTT + a stand-in renderer ------------------------- */

typedef struct kiosk {
    crier_mailbox mb;
    crier_alerts *al;
    crier_mqtt *mq;
    crier_eventlog *ev;
    pthread_t render;
    int stop_render;
    pthread_mutex_t lock;
    int count;           /* alerts in the latest snapshot; -1 before the first */
    char ids[8][300];    /* their identifiers */
    int snapshots;
    int posts;           /* ITEM_UPSERT seen */
    int64_t first_snapshot_mono;
    int count_history_min_after_first; /* lowest count seen after the first non-empty one */
} kiosk;

static void *render_main(void *arg)
{
    kiosk *k = arg;
    for (;;) {
        pthread_mutex_lock(&k->lock);
        int stop = k->stop_render;
        pthread_mutex_unlock(&k->lock);
        if (stop)
            break;
        crier_msg *m = crier_mailbox_take_all(&k->mb);
        uint64_t gen = 0;
        while (m) {
            crier_msg *next = m->next;
            pthread_mutex_lock(&k->lock);
            if (m->type == CRIER_MSG_ALERTS) {
                crier_alert_list *l = m->payload;
                k->count = (int)l->count;
                for (size_t i = 0; i < l->count && i < 8; i++)
                    snprintf(k->ids[i], sizeof k->ids[i], "%s", l->items[i]->identifier);
                if (k->snapshots++ == 0)
                    k->first_snapshot_mono = crier_mono_ms();
                if (k->count > 0 && k->count_history_min_after_first < 0)
                    k->count_history_min_after_first = k->count;
                if (k->count_history_min_after_first >= 0 && k->count < k->count_history_min_after_first)
                    k->count_history_min_after_first = k->count;
                gen = crier_alerts_msg_generation(m);
                /* the real loop reports each alert it shows (hooks.alert_presented) */
                for (size_t i = 0; i < l->count; i++)
                    crier_alerts_presented(k->al, l->items[i]->sender, l->items[i]->identifier, crier_wall_ms());
            } else if (m->type == CRIER_MSG_ITEM_UPSERT) {
                k->posts++;
            }
            pthread_mutex_unlock(&k->lock);
            crier_msg_free(m);
            m = next;
        }
        if (gen) /* "the frame showing it was presented" */
            crier_alerts_snapshot_presented(k->al, gen, crier_wall_ms());
        usleep(2000);
    }
    return NULL;
}

static int kiosk_count(kiosk *k)
{
    pthread_mutex_lock(&k->lock);
    int n = k->count;
    pthread_mutex_unlock(&k->lock);
    return n;
}

static int wait_count(kiosk *k, int want, int timeout_ms)
{
    int64_t end = crier_mono_ms() + timeout_ms;
    while (kiosk_count(k) != want && crier_mono_ms() < end)
        usleep(5000);
    return kiosk_count(k) == want;
}

static int kiosk_shows(kiosk *k, const char *id)
{
    pthread_mutex_lock(&k->lock);
    int r = 0;
    for (int i = 0; i < k->count && i < 8; i++)
        r |= strcmp(k->ids[i], id) == 0;
    pthread_mutex_unlock(&k->lock);
    return r;
}

static char g_state[700], g_events[700];

static void kiosk_mqtt_start(kiosk *k, const test_broker *b)
{
    char url[64];
    snprintf(url, sizeof url, "mqtt://127.0.0.1:%d", b->port);
    crier_mqtt_cfg mc = {0};
    mc.broker = url;
    mc.kiosk = "k1";
    mc.site = "townhall";
    mc.mailbox = &k->mb;
    mc.reconnect_min_ms = 200;
    mc.reconnect_max_ms = 500;
    mc.heartbeat_s = 3600;
    crier_alerts_mqtt_hooks(k->al, &mc);
    CHECK(crier_mqtt_start(&k->mq, &mc, NULL, 0) == CRIER_OK);
    crier_alerts_set_mqtt(k->al, k->mq);
}

/* b NULL: no broker at all. */
static kiosk *kiosk_start(const test_broker *b, int require_signed)
{
    kiosk *k = calloc(1, sizeof *k);
    crier_mailbox_init(&k->mb, 0);
    pthread_mutex_init(&k->lock, NULL);
    k->count = -1;
    k->count_history_min_after_first = -1;
    k->ev = crier_eventlog_open(g_events);
    crier_alerts_cfg ac = {0};
    ac.keys_dir = g_keys;
    ac.state_path = g_state;
    ac.kiosk = "k1";
    ac.site = "townhall";
    ac.show_tests = 1;
    ac.max_future_ms = 300000;
    ac.default_ttl_ms = 86400000;
    ac.require_signed_posts = require_signed;
    ac.present_timeout_ms = 3000;
    ac.mailbox = &k->mb;
    ac.events = k->ev;
    char err[256] = "";
    CHECK(crier_alerts_start(&k->al, &ac, err, sizeof err) == CRIER_OK);
    CHECK(k->al != NULL);
    pthread_create(&k->render, NULL, render_main, k);
    if (b)
        kiosk_mqtt_start(k, b);
    return k;
}

static void kiosk_stop(kiosk *k)
{
    if (!k)
        return;
    crier_alerts_set_mqtt(k->al, NULL);
    crier_mqtt_stop(k->mq);
    pthread_mutex_lock(&k->lock);
    k->stop_render = 1;
    pthread_mutex_unlock(&k->lock);
    pthread_join(k->render, NULL);
    crier_alerts_stop(k->al);
    crier_mailbox_destroy(&k->mb);
    crier_eventlog_close(k->ev);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

static void fresh_state(const char *name)
{
    snprintf(g_state, sizeof g_state, "%s/%s.json", g_tmp, name);
    snprintf(g_events, sizeof g_events, "%s/%s.events", g_tmp, name);
    unlink(g_state);
}

static int file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

/* Waits for k1's receipt about id (by the identifier text in it). */
static cJSON *receipt(staff *s, int from, const char *id, int timeout_ms)
{
    char needle[400];
    snprintf(needle, sizeof needle, "\"identifier\":\"%s\"", id);
    int i = staff_wait(s, from, "crier/v1/kiosk/k1/receipt/", needle, timeout_ms);
    return i >= 0 ? staff_json(s, i) : NULL;
}

/* ---- cases ------------------------------------------------------------------------ */

TEST(accepted_shown_and_receipt)
{
    test_broker b;
    if (broker_start(&b, NULL) != 0) {
        CHECK(0);
        return;
    }
    fresh_state("accepted");
    kiosk *k = kiosk_start(&b, -1);
    staff *s = office_new(&b);
    CHECK(wait_count(k, 0, 2000)); /* the start-up snapshot: empty */
    usleep(500000);                /* MQTT connected and subscribed */
    int from = staff_count(s);
    spec sp = {.id = "evac-1"};
    int64_t t0 = crier_wall_ms();
    send_alert(s, &sp, NULL, 1);
    CHECK(wait_count(k, 1, 3000));
    CHECK(kiosk_shows(k, "evac-1"));
    cJSON *r = receipt(s, from, "evac-1", 3000);
    CHECK(r != NULL);
    CHECK_STR_EQ(jstr(r, "verdict"), "accepted");
    CHECK_STR_EQ(jstr(r, "issuer"), "Town Hall Emergency Office");
    CHECK_STR_EQ(jstr(r, "kiosk"), "k1");
    CHECK_STR_EQ(jstr(r, "sender"), "safety@town.example");
    CHECK(jnum(r, "received_ms") >= (double)t0);
    CHECK(jnum(r, "presented_ms") >= jnum(r, "received_ms"));
    CHECK(jnum(r, "presented_ms") - (double)t0 < 2000);
    cJSON_Delete(r);
    CHECK(crier_alerts_active_count(k->al) == 1);
    CHECK(log_has("signed by 'Town Hall Emergency Office'"));
    CHECK(file_has(g_events, "\"event\":\"alert_received\""));
    CHECK(file_has(g_state, "evac-1")); /* persisted */
    /* the heartbeat reports it */
    crier_mqtt_heartbeat_soon(k->mq);
    CHECK(staff_wait(s, from, "crier/v1/kiosk/k1/heartbeat", "\"alerts\":1", 3000) >= 0);
    kiosk_stop(k);
    staff_free(s);
    broker_stop(&b);
}

/* One bad message: published, answered with a rejection receipt naming
 * reason_part, nothing on screen changes. */
static void expect_reject(kiosk *k, staff *s, const char *topic, const char *payload, size_t len,
                          const char *reason_part, const char *issuer)
{
    int from = staff_count(s);
    int before = kiosk_count(k);
    staff_pub(s, topic, payload, len, 0);
    int i = staff_wait(s, from, "crier/v1/kiosk/k1/receipt/", "\"verdict\":\"rejected\"", 5000);
    CHECK(i >= 0);
    cJSON *r = staff_json(s, i);
    if (!strstr(jstr(r, "reason"), reason_part))
        fprintf(stderr, "  reason was: %s (wanted %s)\n", jstr(r, "reason"), reason_part);
    CHECK(strstr(jstr(r, "reason"), reason_part) != NULL);
    if (issuer)
        CHECK_STR_EQ(jstr(r, "issuer"), issuer);
    cJSON_Delete(r);
    usleep(50000);
    CHECK_INT_EQ(kiosk_count(k), before);
}

TEST(every_rejection)
{
    test_broker b;
    if (broker_start(&b, NULL) != 0) {
        CHECK(0);
        return;
    }
    fresh_state("reject");
    kiosk *k = kiosk_start(&b, -1);
    staff *s = office_new(&b);
    usleep(500000);
    char topic[CRIER_TOPIC_MAX];
    const char *issuer = "Town Hall Emergency Office";

    /* unsigned: the bare alert JSON */
    spec sp = {.id = "r-unsigned"};
    char *j = alert_json(&sp);
    topic_for(&sp, NULL, topic, sizeof topic);
    expect_reject(k, s, topic, j, strlen(j), "unsigned", NULL);
    free(j);
    CHECK(log_has("issuer unknown"));

    /* wrong signature: one bit of the signature flipped */
    spec sp2 = {.id = "r-badsig"};
    char *env = sealed(&sp2, &g_key);
    char *sig = strstr(env, "\"sig\":\"");
    sig[8] = sig[8] == 'A' ? 'B' : 'A';
    topic_for(&sp2, NULL, topic, sizeof topic);
    expect_reject(k, s, topic, env, strlen(env), "bad signature", NULL);
    free(env);

    /* unknown key */
    spec sp3 = {.id = "r-stranger"};
    env = sealed(&sp3, &g_stranger);
    topic_for(&sp3, NULL, topic, sizeof topic);
    expect_reject(k, s, topic, env, strlen(env), "unknown key", NULL);
    free(env);

    /* expired */
    spec sp4 = {.id = "r-expired", .sent_ms = crier_wall_ms() - 7200000, .expires_ms = crier_wall_ms() - 3600000};
    env = sealed(&sp4, &g_key);
    topic_for(&sp4, NULL, topic, sizeof topic);
    expect_reject(k, s, topic, env, strlen(env), "expired", issuer);
    free(env);
    CHECK(log_has("signed by 'Town Hall Emergency Office'"));

    /* far future */
    spec sp5 = {.id = "r-future", .sent_ms = crier_wall_ms() + 3600000, .expires_ms = crier_wall_ms() + 7200000};
    env = sealed(&sp5, &g_key);
    topic_for(&sp5, NULL, topic, sizeof topic);
    expect_reject(k, s, topic, env, strlen(env), "ahead of the kiosk clock", issuer);
    free(env);

    /* 50 languages */
    spec sp6 = {.id = "r-50", .ninfo = 50};
    env = sealed(&sp6, &g_key);
    topic_for(&sp6, NULL, topic, sizeof topic);
    expect_reject(k, s, topic, env, strlen(env), "50 info blocks", issuer);
    free(env);

    /* 10 MB */
    size_t big = 10u * 1024u * 1024u;
    char *huge = malloc(big);
    memset(huge, 'x', big);
    huge[0] = '{';
    spec sp7 = {.id = "r-huge"};
    topic_for(&sp7, NULL, topic, sizeof topic);
    expect_reject(k, s, topic, huge, big, "exceeds the limit", NULL);
    free(huge);

    /* malformed inner payload (signed garbage) */
    env = NULL;
    crier_envelope_seal("{\"type\":\"alert\",", 16, &g_key, &env, NULL);
    spec sp8 = {.id = "r-malformed"};
    topic_for(&sp8, NULL, topic, sizeof topic);
    expect_reject(k, s, topic, env, strlen(env), "JSON", issuer);
    free(env);

    /* scope of the alert does not match its topic (for another site) */
    spec sp9 = {.id = "r-scope", .scope = "site:library"};
    env = sealed(&sp9, &g_key);
    topic_for(&sp9, NULL, topic, sizeof topic);
    expect_reject(k, s, topic, env, strlen(env), "scope", issuer);
    free(env);

    /* accepted one, then its replay (same identifier, new message) and an older seq */
    spec ok = {.id = "r-ok", .seq = 5000000};
    int from = staff_count(s);
    send_alert(s, &ok, NULL, 0);
    cJSON *r = receipt(s, from, "r-ok", 3000);
    CHECK(r && strcmp(jstr(r, "verdict"), "accepted") == 0);
    cJSON_Delete(r);
    CHECK(wait_count(k, 1, 2000));
    spec replay = {.id = "r-ok", .seq = 6000000};
    env = sealed(&replay, &g_key);
    topic_for(&replay, NULL, topic, sizeof topic);
    expect_reject(k, s, topic, env, strlen(env), "replayed", issuer);
    free(env);
    spec older = {.id = "r-older", .seq = 4000000};
    env = sealed(&older, &g_key);
    topic_for(&older, NULL, topic, sizeof topic);
    expect_reject(k, s, topic, env, strlen(env), "not above the last accepted", issuer);
    free(env);
    CHECK(file_has(g_events, "\"event\":\"alert_rejected\""));

    crier_alerts_stats st;
    crier_alerts_get_stats(k->al, &st);
    CHECK(st.rejected >= 11);
    CHECK_INT_EQ(st.accepted, 1);
    kiosk_stop(k);
    staff_free(s);
    broker_stop(&b);
}

TEST(update_cancel_and_unknown_references)
{
    test_broker b;
    if (broker_start(&b, NULL) != 0) {
        CHECK(0);
        return;
    }
    fresh_state("update");
    kiosk *k = kiosk_start(&b, -1);
    staff *s = office_new(&b);
    usleep(500000);
    int from = staff_count(s);
    spec a = {.id = "flood-1"};
    send_alert(s, &a, NULL, 1);
    CHECK(wait_count(k, 1, 3000) && kiosk_shows(k, "flood-1"));
    /* Update on the same topic replaces it */
    spec u = {.id = "flood-2", .type = "Update", .refs = {"flood-1"}, .headline = "Water rising"};
    send_alert(s, &u, "flood-1", 1);
    int64_t end = crier_mono_ms() + 3000;
    while (!kiosk_shows(k, "flood-2") && crier_mono_ms() < end)
        usleep(5000);
    CHECK(kiosk_shows(k, "flood-2") && !kiosk_shows(k, "flood-1") && kiosk_count(k) == 1);
    /* Cancel removes it; its receipt says when the frame without it was presented */
    spec c = {.id = "flood-3", .type = "Cancel", .refs = {"flood-2", "flood-1"}};
    send_alert(s, &c, "flood-1", 1);
    CHECK(wait_count(k, 0, 3000));
    cJSON *r = receipt(s, from, "flood-3", 3000);
    CHECK(r && strcmp(jstr(r, "verdict"), "accepted") == 0 && jnum(r, "presented_ms") > 0);
    CHECK_STR_EQ(jstr(r, "msgType"), "Cancel");
    cJSON_Delete(r);

    /* an Update of an alert never seen is shown as new */
    spec u2 = {.id = "ghost-2", .type = "Update", .refs = {"ghost-1"}};
    send_alert(s, &u2, "ghost-1", 1);
    CHECK(wait_count(k, 1, 3000) && kiosk_shows(k, "ghost-2"));
    r = receipt(s, from, "ghost-2", 3000);
    CHECK(r && strstr(jstr(r, "reason"), "shown as new") != NULL);
    cJSON_Delete(r);
    /* ...and the original arriving late is not shown */
    spec g1 = {.id = "ghost-1"};
    int f2 = staff_count(s);
    send_alert(s, &g1, NULL, 0);
    r = receipt(s, f2, "ghost-1", 3000);
    CHECK(r && strcmp(jstr(r, "verdict"), "rejected") == 0);
    cJSON_Delete(r);
    CHECK(kiosk_count(k) == 1 && !kiosk_shows(k, "ghost-1"));

    /* a Cancel before its Alert: accepted, remembered; the Alert never shows */
    spec c2 = {.id = "early-cancel", .type = "Cancel", .refs = {"late-1"}};
    f2 = staff_count(s);
    send_alert(s, &c2, "late-1", 1);
    r = receipt(s, f2, "early-cancel", 3000);
    CHECK(r && strcmp(jstr(r, "verdict"), "accepted") == 0);
    cJSON_Delete(r);
    spec l1 = {.id = "late-1"};
    send_alert(s, &l1, NULL, 0);
    r = receipt(s, f2, "late-1", 3000);
    CHECK(r && strcmp(jstr(r, "verdict"), "rejected") == 0 && strstr(jstr(r, "reason"), "cancelled"));
    cJSON_Delete(r);
    CHECK(!kiosk_shows(k, "late-1"));
    kiosk_stop(k);
    staff_free(s);
    broker_stop(&b);
}

/* The child: a kiosk that receives an alert, then waits to be killed. */
static void sigkill_child(const test_broker *b, const char *ready_file)
{
    kiosk *k = kiosk_start(b, -1);
    if (wait_count(k, 1, 8000)) {
        /* the state is saved right after the snapshot is posted */
        usleep(300000);
        FILE *f = fopen(ready_file, "w");
        if (f)
            fclose(f);
    }
    for (;;)
        pause();
}

TEST(persistence_across_sigkill_with_broker_down)
{
    test_broker b;
    if (broker_start(&b, NULL) != 0) {
        CHECK(0);
        return;
    }
    fresh_state("sigkill");
    char ready[700];
    snprintf(ready, sizeof ready, "%s/child-ready", g_tmp);
    unlink(ready);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        sigkill_child(&b, ready);
        _exit(0);
    }
    usleep(800000); /* child connected */
    staff *s = office_new(&b);
    spec a = {.id = "kill-1"};
    send_alert(s, &a, NULL, 1);
    int64_t end = crier_mono_ms() + 8000;
    struct stat st;
    while (stat(ready, &st) != 0 && crier_mono_ms() < end)
        usleep(10000);
    CHECK(stat(ready, &st) == 0);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    staff_free(s);
    broker_stop(&b); /* the broker is gone for good */
    /* restart without a broker: the alert is on the first snapshot, at once */
    int64_t t0 = crier_mono_ms();
    kiosk *k = kiosk_start(NULL, -1);
    CHECK(wait_count(k, 1, 1000));
    CHECK(kiosk_shows(k, "kill-1"));
    CHECK(k->first_snapshot_mono - t0 < 500);
    kiosk_stop(k);
}

TEST(broker_restart_keeps_alert_without_duplicates)
{
    test_broker b;
    if (broker_start(&b, NULL) != 0) {
        CHECK(0);
        return;
    }
    fresh_state("restart");
    kiosk *k = kiosk_start(&b, -1);
    staff *s = office_new(&b);
    usleep(500000);
    int from = staff_count(s);
    spec a = {.id = "restart-1"};
    send_alert(s, &a, NULL, 1);
    CHECK(wait_count(k, 1, 3000));
    cJSON *r = receipt(s, from, "restart-1", 3000);
    CHECK(r != NULL);
    cJSON_Delete(r);
    crier_alerts_stats st0, st1;
    crier_alerts_get_stats(k->al, &st0);
    broker_restart(&b);
    /* wait for the kiosk to reconnect and get the retained alert again */
    crier_mqtt_stats ms;
    int64_t end = crier_mono_ms() + 8000;
    do {
        usleep(50000);
        crier_mqtt_get_stats(k->mq, &ms);
    } while (ms.connects < 2 && crier_mono_ms() < end);
    CHECK(ms.connects >= 2);
    end = crier_mono_ms() + 3000;
    do {
        usleep(50000);
        crier_alerts_get_stats(k->al, &st1);
    } while (st1.duplicates == st0.duplicates && crier_mono_ms() < end);
    CHECK(st1.duplicates > st0.duplicates); /* the retained copy came back, quietly */
    CHECK_INT_EQ(st1.rejected, st0.rejected);
    CHECK_INT_EQ(kiosk_count(k), 1);
    CHECK_INT_EQ(k->count_history_min_after_first, 1); /* never blanked */
    kiosk_stop(k);
    staff_free(s);
    broker_stop(&b);
}

TEST(cancel_reaches_kiosk_on_reconnect)
{
    test_broker b;
    if (broker_start(&b, NULL) != 0) {
        CHECK(0);
        return;
    }
    fresh_state("reconnect");
    kiosk *k = kiosk_start(&b, -1);
    staff *s = office_new(&b);
    usleep(500000);
    spec a = {.id = "storm-1"};
    send_alert(s, &a, NULL, 1);
    CHECK(wait_count(k, 1, 3000));
    kiosk_stop(k); /* the kiosk is off (state on disk) */
    spec c = {.id = "storm-2", .type = "Cancel", .refs = {"storm-1"}};
    send_alert(s, &c, "storm-1", 1); /* replaces the retained Alert */
    usleep(300000);
    kiosk *k2 = kiosk_start(NULL, -1); /* boots with the broker not yet reachable... */
    CHECK(wait_count(k2, 1, 1000) && kiosk_shows(k2, "storm-1"));
    kiosk_mqtt_start(k2, &b); /* ...then connects: the retained Cancel removes it */
    CHECK(wait_count(k2, 0, 5000));
    kiosk_stop(k2);
    /* and it stays cancelled after another restart */
    kiosk *k3 = kiosk_start(&b, -1);
    CHECK(wait_count(k3, 0, 1000));
    usleep(800000);
    CHECK_INT_EQ(kiosk_count(k3), 0);
    kiosk_stop(k3);
    staff_free(s);
    broker_stop(&b);
}

TEST(expiry_without_broker_and_clock_step_back)
{
    test_broker b;
    if (broker_start(&b, NULL) != 0) {
        CHECK(0);
        return;
    }
    fresh_state("clock");
    kiosk *k = kiosk_start(&b, -1);
    staff *s = office_new(&b);
    usleep(500000);
    int64_t now = crier_wall_ms();
    spec shortlived = {.id = "short-1", .expires_ms = now + 1500};
    spec longlived = {.id = "long-1", .expires_ms = now + 3600000};
    send_alert(s, &shortlived, NULL, 1);
    send_alert(s, &longlived, NULL, 1);
    CHECK(wait_count(k, 2, 3000));
    broker_kill(&b); /* no broker from here on */
    CHECK(wait_count(k, 1, 3000)); /* short-1 left the screen on the kiosk's own clock */
    CHECK(kiosk_shows(k, "long-1") && !kiosk_shows(k, "short-1"));
    /* the clock steps back two hours: the long alert stays, the expired one
     * does not come back, even when offered again */
    crier_wall_offset_set(-7200000);
    usleep(1500000);
    CHECK_INT_EQ(kiosk_count(k), 1);
    CHECK(kiosk_shows(k, "long-1"));
    char topic[CRIER_TOPIC_MAX];
    topic_for(&shortlived, NULL, topic, sizeof topic);
    char *env = sealed(&shortlived, &g_key); /* its sent is now "in the future" too */
    crier_alerts_submit(k->al, topic, env, strlen(env), 1);
    free(env);
    usleep(300000);
    CHECK_INT_EQ(kiosk_count(k), 1);
    CHECK(!kiosk_shows(k, "short-1"));
    crier_wall_offset_set(0);
    kiosk_stop(k);
    staff_free(s);
    broker_stop(&b);
}

TEST(signed_posts)
{
    test_broker b;
    if (broker_start(&b, NULL) != 0) {
        CHECK(0);
        return;
    }
    fresh_state("posts");
    kiosk *k = kiosk_start(&b, -1); /* auto: keys present, so signatures are required */
    CHECK(crier_alerts_require_signed_posts(k->al) == 1);
    staff *s = office_new(&b);
    usleep(500000);
    const char *post = "{\"title\":\"Town hall closed Friday\"}";
    int from = staff_count(s);
    staff_pub(s, "crier/v1/all/post/p1", post, strlen(post), 1);
    CHECK(staff_wait(s, from, "crier/v1/kiosk/k1/rejected", "unsigned post", 3000) >= 0);
    char *env = NULL;
    crier_envelope_seal(post, strlen(post), &g_key, &env, NULL);
    staff_pub(s, "crier/v1/all/post/p2", env, strlen(env), 1);
    int64_t end = crier_mono_ms() + 3000;
    while (crier_mono_ms() < end) {
        pthread_mutex_lock(&k->lock);
        int n = k->posts;
        pthread_mutex_unlock(&k->lock);
        if (n >= 1)
            break;
        usleep(5000);
    }
    CHECK(k->posts == 1);
    CHECK(log_has("signed by 'Town Hall Emergency Office'"));
    free(env);
    /* signed by a key the kiosk does not trust */
    crier_envelope_seal(post, strlen(post), &g_stranger, &env, NULL);
    from = staff_count(s);
    staff_pub(s, "crier/v1/all/post/p3", env, strlen(env), 1);
    CHECK(staff_wait(s, from, "crier/v1/kiosk/k1/rejected", "unknown key", 3000) >= 0);
    free(env);
    kiosk_stop(k);
    /* require_signed_posts = false: unsigned posts are welcome */
    kiosk *k2 = kiosk_start(&b, 0);
    end = crier_mono_ms() + 3000;
    while (crier_mono_ms() < end) {
        pthread_mutex_lock(&k2->lock);
        int n = k2->posts;
        pthread_mutex_unlock(&k2->lock);
        if (n >= 2) /* p1 (unsigned) and p2 (signed), retained */
            break;
        usleep(5000);
    }
    CHECK(k2->posts >= 2);
    kiosk_stop(k2);
    staff_free(s);
    broker_stop(&b);
}

/* --kiosk-sim URL KIOSK SITE KEYS_DIR STATE_FILE: a stand-in kiosk for
 * tests/scripts/test_alerts_crierctl.sh until crier's main loop hosts the
 * alert service: the alert service and the MQTT thread wired as main.c will,
 * and the stand-in renderer.  Prints "READY", then one line per change:
 * "ALERTS n id..." and "POST id".  Runs until SIGTERM/SIGINT. */
static volatile sig_atomic_t sim_stop;
static void sim_signal(int sig)
{
    sim_stop = 1;
}

static int kiosk_sim(char **argv)
{
    signal(SIGTERM, sim_signal);
    signal(SIGINT, sim_signal);
    crier_log_set_level(getenv("TEST_VERBOSE") ? CRIER_LOG_DEBUG : CRIER_LOG_WARN);
    kiosk *k = calloc(1, sizeof *k);
    crier_mailbox_init(&k->mb, 0);
    pthread_mutex_init(&k->lock, NULL);
    k->count = -1;
    k->count_history_min_after_first = -1;
    crier_alerts_cfg ac = {0};
    ac.keys_dir = argv[5];
    ac.state_path = argv[6];
    ac.kiosk = argv[3];
    ac.site = argv[4];
    ac.show_tests = 1;
    ac.max_future_ms = 300000;
    ac.default_ttl_ms = 86400000;
    ac.require_signed_posts = -1;
    ac.mailbox = &k->mb;
    char err[256] = "";
    if (crier_alerts_start(&k->al, &ac, err, sizeof err) != CRIER_OK) {
        fprintf(stderr, "%s\n", err);
        return 3;
    }
    pthread_create(&k->render, NULL, render_main, k);
    crier_mqtt_cfg mc = {0};
    mc.broker = argv[2];
    mc.kiosk = argv[3];
    mc.site = argv[4];
    mc.mailbox = &k->mb;
    mc.heartbeat_s = 2;
    crier_alerts_mqtt_hooks(k->al, &mc);
    if (crier_mqtt_start(&k->mq, &mc, NULL, 0) != CRIER_OK)
        return 3;
    crier_alerts_set_mqtt(k->al, k->mq);
    for (int i = 0; i < 200; i++) { /* READY once connected */
        crier_mqtt_stats st;
        crier_mqtt_get_stats(k->mq, &st);
        if (st.connected)
            break;
        usleep(10000);
    }
    usleep(200000);
    printf("READY\n");
    fflush(stdout);
    int last_snap = -1, last_posts = 0;
    while (!sim_stop) {
        pthread_mutex_lock(&k->lock);
        if (k->snapshots != last_snap) {
            last_snap = k->snapshots;
            printf("ALERTS %d", k->count);
            for (int i = 0; i < k->count && i < 8; i++)
                printf(" %s", k->ids[i]);
            printf("\n");
        }
        while (last_posts < k->posts)
            printf("POST %d\n", ++last_posts);
        pthread_mutex_unlock(&k->lock);
        fflush(stdout);
        usleep(10000);
    }
    kiosk_stop(k);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "--kiosk-sim") == 0)
        return kiosk_sim(argv);
    crier_log_set_sink(log_sink, NULL);
    crier_log_set_level(CRIER_LOG_DEBUG);
    mosquitto_lib_init();
    crier_sign_init();
    g_seq = crier_wall_ms();
    make_keys();
    /* fork-using case first: no other threads exist yet */
    RUN(persistence_across_sigkill_with_broker_down);
    RUN(accepted_shown_and_receipt);
    RUN(every_rejection);
    RUN(update_cancel_and_unknown_references);
    RUN(broker_restart_keeps_alert_without_duplicates);
    RUN(cancel_reaches_kiosk_on_reconnect);
    RUN(expiry_without_broker_and_clock_step_back);
    RUN(signed_posts);
    remove_tree(g_tmp);
    mosquitto_lib_cleanup();
    return check_summary();
}
