/* test_mqtt.c - the kiosk's MQTT thread against real mosquitto brokers.
 *
 * Each case starts a broker with scripts/broker.sh on a free loopback port,
 * starts the kiosk thread (remote/mqtt.c) with a mailbox, plays the central office
 * with a second libmosquitto client ("staff"), and asserts what reaches the
 * mailbox, what the kiosk publishes (status, heartbeat, rejections, replies)
 * and what it logs.  Every bad-input case of issue 5 is here. */
#include "base/log.h"
#include "base/mailbox.h"
#include "remote/protocol.h"
#include "base/timeutil.h"
#include "remote/mqtt.h"
#include "remote/proofplay.h"

#include "../unit/check.h"
#include "../unit/testutil.h"
#include "broker.h"
#include "logcap.h"
#include "staff.h"

#include <mosquitto.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- kiosk side -------------------------------------------------------------- */

#define GOT_MAX 256
typedef struct kiosk {
    crier_mailbox mb;
    crier_mqtt *mq;
    crier_msg *got[GOT_MAX];
    int ngot;
} kiosk;

static void kiosk_pump(kiosk *k)
{
    crier_msg *m = crier_mailbox_take_all(&k->mb);
    while (m) {
        crier_msg *next = m->next;
        m->next = NULL;
        if (k->ngot < GOT_MAX)
            k->got[k->ngot++] = m;
        else
            crier_msg_free(m);
        m = next;
    }
}

/* Waits for a mailbox message of type (key NULL = any).  Returns it or NULL. */
static crier_msg *kiosk_wait(kiosk *k, crier_msg_type type, const char *key, int timeout_ms)
{
    int64_t end = crier_mono_ms() + timeout_ms;
    do {
        kiosk_pump(k);
        for (int i = 0; i < k->ngot; i++) {
            crier_msg *m = k->got[i];
            if (m && m->type == type && (!key || (m->key && strcmp(m->key, key) == 0))) {
                k->got[i] = NULL; /* consumed: caller frees */
                return m;
            }
        }
        usleep(5000);
    } while (crier_mono_ms() < end);
    return NULL;
}

static int kiosk_pending(kiosk *k)
{
    kiosk_pump(k);
    int n = 0;
    for (int i = 0; i < k->ngot; i++)
        n += k->got[i] != NULL;
    return n;
}

static void kiosk_clear(kiosk *k)
{
    kiosk_pump(k);
    for (int i = 0; i < k->ngot; i++)
        crier_msg_free(k->got[i]);
    k->ngot = 0;
}

static crier_mqtt_cfg base_cfg(kiosk *k, const char *url, const char *id, const char *site)
{
    crier_mqtt_cfg c = {0};
    c.broker = url;
    c.kiosk = id;
    c.site = site;
    c.mailbox = &k->mb;
    c.heartbeat_s = 1;
    c.reconnect_min_ms = 100;
    c.reconnect_max_ms = 500;
    c.keepalive_s = 5;
    return c;
}

static int kiosk_start(kiosk *k, const crier_mqtt_cfg *c)
{
    memset(k, 0, sizeof *k);
    crier_mailbox_init(&k->mb, 0);
    crier_mqtt_cfg cc = *c;
    cc.mailbox = &k->mb;
    return crier_mqtt_start(&k->mq, &cc, NULL, 0) == CRIER_OK ? 0 : -1;
}

static void kiosk_stop(kiosk *k)
{
    crier_mqtt_stop(k->mq);
    k->mq = NULL;
    kiosk_clear(k);
    crier_mailbox_destroy(&k->mb);
}

static int wait_connected(kiosk *k, int timeout_ms)
{
    int64_t end = crier_mono_ms() + timeout_ms;
    crier_mqtt_stats st;
    do {
        crier_mqtt_get_stats(k->mq, &st);
        if (st.connected)
            return 1;
        usleep(10000);
    } while (crier_mono_ms() < end);
    return 0;
}

/* ---- tests ------------------------------------------------------------------- */

#define T_ALL "crier/v1/all/post/"
#define T_SITE "crier/v1/site/lobby/post/"
#define T_K1 "crier/v1/kiosk/k1/"

static char self_path[4096]; /* this binary, for fork + exec */
static test_broker B;
static staff *S;
static kiosk K;

static int rejected_with(int from, const char *needle)
{
    return staff_wait(S, from, T_K1 "rejected", needle, 3000) >= 0;
}

TEST(post_status_heartbeat)
{
    crier_msg *m = kiosk_wait(&K, CRIER_MSG_ITEM_UPSERT, "welcome", 5000);
    CHECK(m != NULL);
    if (m) {
        crier_item *it = m->payload;
        CHECK_STR_EQ(m->source, "mqtt");
        CHECK_STR_EQ(it->id, "welcome");
        CHECK_STR_EQ(it->source, "mqtt");
        CHECK_STR_EQ(it->title, "Welcome");
        CHECK_STR_EQ(it->body, "Town hall open 8-16");
        CHECK_STR_EQ(it->link, "https://example.org/x");
        CHECK_STR_EQ(it->image, "https://example.org/x.png");
        CHECK_STR_EQ(it->lang, "de");
        CHECK_INT_EQ(it->priority, 5);
        CHECK_INT_EQ(it->duration_ms, 12000);
        CHECK(it->valid_until_ms > crier_wall_ms());
        crier_msg_free(m);
    }
    CHECK(staff_wait(S, 0, T_K1 "status", "\"online\"", 3000) >= 0);
    crier_mqtt_report_showing(K.mq, "welcome", "mqtt", "Welcome");
    crier_mqtt_report_content_updated(K.mq, crier_wall_ms() - 5000);
    crier_mqtt_report_alerts(K.mq, 0);
    int from = staff_count(S);
    crier_mqtt_heartbeat_soon(K.mq);
    int i = staff_wait(S, from, T_K1 "heartbeat", "\"welcome\"", 4000);
    CHECK(i >= 0);
    if (i >= 0) {
        const char *p = S->msgs[i].payload;
        CHECK(strstr(p, "\"uptime_s\"") != NULL);
        CHECK(strstr(p, "\"version\"") != NULL);
        CHECK(strstr(p, "\"content_age_s\"") != NULL);
        CHECK(strstr(p, "\"mem_free_kb\"") != NULL);
        CHECK(strstr(p, "\"alerts\":0") != NULL);
        CHECK(strstr(p, "\"feeds\":{\"demo\":\"ok\"}") != NULL);
        CHECK(strstr(p, "\"proof_of_play\"") != NULL);
        CHECK(S->msgs[i].retain == 0 || S->msgs[i].retain == 1);
    }
}

TEST(duplicate_and_update)
{
    crier_mqtt_stats before, after;
    crier_mqtt_get_stats(K.mq, &before);
    staff_pubs(S, T_ALL "welcome", "{\"title\":\"Welcome\",\"body\":\"Town hall open 8-16\",\"priority\":5,"
                                   "\"duration_s\":12,\"languages\":[\"de\",\"en\"],"
                                   "\"link\":\"https://example.org/x\",\"image\":\"https://example.org/x.png\","
                                   "\"valid_until\":\"2099-01-01T00:00:00Z\"}");
    usleep(400000);
    crier_mqtt_get_stats(K.mq, &after);
    CHECK_INT_EQ(after.duplicates, before.duplicates + 1);
    CHECK(kiosk_wait(&K, CRIER_MSG_ITEM_UPSERT, "welcome", 10) == NULL);
    staff_pubs(S, T_ALL "welcome", "{\"title\":\"Welcome back\"}");
    crier_msg *m = kiosk_wait(&K, CRIER_MSG_ITEM_UPSERT, "welcome", 3000);
    CHECK(m != NULL);
    if (m)
        CHECK_STR_EQ(((crier_item *)m->payload)->title, "Welcome back");
    crier_msg_free(m);
}

/* Each bad post: published retained like a real post; nothing reaches the
 * mailbox, a warning is logged and a receipt names the problem. */
static void bad_post(const char *id, const void *payload, size_t len, const char *why)
{
    char topic[128];
    snprintf(topic, sizeof topic, T_ALL "%s", id);
    int from = staff_count(S);
    log_reset();
    staff_pub(S, topic, payload, len, 1);
    if (!rejected_with(from, why))
        fprintf(stderr, "  no rejection containing \"%s\" for %s\n", why, id);
    CHECK(rejected_with(from, why));
    CHECK(log_has("warn [mqtt] rejected message on crier/v1/all/post/"));
    CHECK(log_has(why));
    CHECK(kiosk_wait(&K, CRIER_MSG_ITEM_UPSERT, NULL, 50) == NULL);
    CHECK_INT_EQ(kiosk_pending(&K), 0);
    /* leave no bad retained message behind for later kiosks */
    staff_pub(S, topic, "", 0, 1);
    usleep(100000);
    kiosk_clear(&K);
}

TEST(malformed_json)
{
    const char *p = "{\"title\": \"x\", ";
    bad_post("bad-json", p, strlen(p), "malformed JSON");
    p = "[1,2,3]";
    bad_post("bad-array", p, strlen(p), "must be a JSON object");
    p = "{\"title\":{\"a\":{\"b\":{\"c\":{\"d\":1}}}}}";
    bad_post("bad-deep", p, strlen(p), "nested deeper");
}

TEST(ten_megabyte_payload)
{
    size_t n = 10u * 1024u * 1024u;
    char *p = malloc(n);
    memset(p, 'a', n);
    memcpy(p, "{\"title\":\"", 10);
    p[n - 2] = '"';
    p[n - 1] = '}';
    bad_post("huge", p, n, "exceeds the limit");
    free(p);
}

TEST(wrong_field_types)
{
    const char *p = "{\"title\":5}";
    bad_post("t1", p, strlen(p), "field 'title': expected a string");
    p = "{\"title\":\"x\",\"priority\":\"high\"}";
    bad_post("t2", p, strlen(p), "field 'priority': expected a number");
    p = "{\"title\":\"x\",\"languages\":\"de\"}";
    bad_post("t3", p, strlen(p), "field 'languages'");
    p = "{\"title\":\"x\",\"valid_until\":true}";
    bad_post("t4", p, strlen(p), "field 'valid_until'");
    p = "{\"title\":\"x\",\"link\":\"javascript:alert(1)\"}";
    bad_post("t5", p, strlen(p), "field 'link'");
    p = "{\"title\":\"x\",\"id\":\"other\"}";
    bad_post("t6", p, strlen(p), "field 'id'");
    p = "{\"body\":\"no title\"}";
    bad_post("t7", p, strlen(p), "'title' is required");
}

TEST(unknown_fields)
{
    const char *p = "{\"title\":\"x\",\"valid_untill\":\"2099-01-01T00:00:00Z\"}";
    bad_post("u1", p, strlen(p), "unknown field 'valid_untill'");
    /* x- extensions are ignored by design */
    staff_pubs(S, T_ALL "u2", "{\"title\":\"ext\",\"x-colour\":\"red\"}");
    crier_msg *m = kiosk_wait(&K, CRIER_MSG_ITEM_UPSERT, "u2", 3000);
    CHECK(m != NULL);
    crier_msg_free(m);
    staff_pub(S, T_ALL "u2", "", 0, 1);
    m = kiosk_wait(&K, CRIER_MSG_ITEM_RETRACT, "u2", 3000);
    CHECK(m != NULL);
    crier_msg_free(m);
}

TEST(invalid_utf8)
{
    const char p[] = "{\"title\":\"caf\xc3\x28\"}";
    bad_post("utf8", p, sizeof p - 1, "not valid UTF-8");
    const char q[] = "{\"title\":\"a\xed\xa0\x80\"}"; /* encoded surrogate */
    bad_post("utf8b", q, sizeof q - 1, "not valid UTF-8");
}

TEST(valid_until_in_the_past)
{
    const char *p = "{\"title\":\"old\",\"valid_until\":\"2001-01-01T00:00:00Z\"}";
    bad_post("old", p, strlen(p), "is in the past");
    p = "{\"title\":\"x\",\"valid_from\":\"2099-01-02T00:00:00Z\",\"valid_until\":\"2099-01-01T00:00:00Z\"}";
    bad_post("inverted", p, strlen(p), "not after valid_from");
}

TEST(post_for_another_site)
{
    crier_mqtt_stats before, after;
    crier_mqtt_get_stats(K.mq, &before);
    staff_pubs(S, "crier/v1/site/garage/post/other", "{\"title\":\"not for us\"}");
    staff_pubs(S, "crier/v1/kiosk/k2/post/other2", "{\"title\":\"not for us either\"}");
    staff_pubs(S, T_SITE "ours", "{\"title\":\"for the lobby\"}");
    crier_msg *m = kiosk_wait(&K, CRIER_MSG_ITEM_UPSERT, "ours", 3000);
    CHECK(m != NULL);
    crier_msg_free(m);
    usleep(200000);
    CHECK(kiosk_wait(&K, CRIER_MSG_ITEM_UPSERT, "other", 10) == NULL);
    CHECK(kiosk_wait(&K, CRIER_MSG_ITEM_UPSERT, "other2", 10) == NULL);
    crier_mqtt_get_stats(K.mq, &after);
    CHECK_INT_EQ(after.posts, before.posts + 1);
    /* and the scope check itself, should a broker deliver it anyway */
    crier_topic t;
    CHECK(crier_topic_parse("crier/v1/site/garage/post/other", &t) == CRIER_OK);
    CHECK(!crier_topic_is_for(&t, "lobby", "k1"));
    staff_pub(S, "crier/v1/site/garage/post/other", "", 0, 1);
    staff_pub(S, "crier/v1/kiosk/k2/post/other2", "", 0, 1);
}

TEST(retract_unknown_and_known)
{
    int from = staff_count(S);
    log_reset();
    staff_pub(S, T_ALL "never-posted", "", 0, 1);
    CHECK(rejected_with(from, "retraction of unknown post 'never-posted'"));
    CHECK(log_has("retraction of unknown post"));
    CHECK(kiosk_wait(&K, CRIER_MSG_ITEM_RETRACT, NULL, 100) == NULL);
    staff_pub(S, T_SITE "ours", "", 0, 1);
    crier_msg *m = kiosk_wait(&K, CRIER_MSG_ITEM_RETRACT, "ours", 3000);
    CHECK(m != NULL);
    if (m)
        CHECK_STR_EQ(m->source, "mqtt");
    crier_msg_free(m);
}

TEST(commands)
{
    char payload[256];
    int from = staff_count(S);
    snprintf(payload, sizeof payload, "{\"req\":\"r1\",\"sent\":%lld,\"seconds\":7}", (long long)crier_wall_ms());
    staff_pubs(S, T_K1 "cmd/identify", payload);
    crier_msg *m = kiosk_wait(&K, CRIER_MSG_COMMAND, "identify", 3000);
    CHECK(m != NULL);
    if (m) {
        crier_command *c = m->payload;
        CHECK_STR_EQ(c->req, "r1");
        CHECK_INT_EQ(c->seconds, 7);
    }
    crier_msg_free(m);
    CHECK(staff_wait(S, from, T_K1 "reply/r1", "\"ok\":true", 3000) >= 0);

    /* screenshot: the render thread answers with PNG bytes */
    snprintf(payload, sizeof payload, "{\"req\":\"r2\",\"sent\":%lld}", (long long)crier_wall_ms());
    staff_pubs(S, T_K1 "cmd/screenshot", payload);
    m = kiosk_wait(&K, CRIER_MSG_COMMAND, "screenshot", 3000);
    CHECK(m != NULL);
    if (m) {
        static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3};
        CHECK(crier_mqtt_reply_screenshot(K.mq, ((crier_command *)m->payload)->req, png, sizeof png) == CRIER_OK);
        int i = staff_wait(S, from, T_K1 "screenshot/r2", NULL, 3000);
        CHECK(i >= 0);
        if (i >= 0)
            CHECK(S->msgs[i].len == (int)sizeof png && memcmp(S->msgs[i].payload, png, sizeof png) == 0);
        /* over the cap: an error reply instead */
        size_t big = 5u * 1024u * 1024u;
        char *b = calloc(1, big);
        CHECK(crier_mqtt_reply_screenshot(K.mq, "r3", b, big) == CRIER_ERR_LIMIT);
        free(b);
        CHECK(staff_wait(S, from, T_K1 "reply/r3", "exceeds the cap", 3000) >= 0);
    }
    crier_msg_free(m);

    /* reload: forwarded, and every retained post is re-sent */
    snprintf(payload, sizeof payload, "{\"req\":\"r4\"}");
    staff_pubs(S, T_K1 "cmd/reload", payload);
    m = kiosk_wait(&K, CRIER_MSG_COMMAND, "reload", 3000);
    CHECK(m != NULL);
    crier_msg_free(m);
    m = kiosk_wait(&K, CRIER_MSG_ITEM_UPSERT, "welcome", 3000);
    CHECK(m != NULL);
    crier_msg_free(m);

    /* stale, unknown and malformed commands: receipts, nothing forwarded */
    staff_pubs(S, T_K1 "cmd/identify", "{\"req\":\"r5\",\"sent\":1000}");
    CHECK(staff_wait(S, from, T_K1 "reply/r5", "old", 3000) >= 0);
    staff_pubs(S, T_K1 "cmd/format-disk", "{\"req\":\"r6\"}");
    CHECK(rejected_with(from, "unknown command"));
    staff_pubs(S, T_K1 "cmd/identify", "not json");
    CHECK(rejected_with(from, "malformed JSON"));
    /* duplicate request id: dropped */
    staff_pubs(S, T_K1 "cmd/identify", "{\"req\":\"r1\"}");
    usleep(300000);
    CHECK(kiosk_wait(&K, CRIER_MSG_COMMAND, NULL, 10) == NULL);
    /* commands are never retained: clear the retained flags we used */
    staff_pub(S, T_K1 "cmd/identify", "", 0, 1);
    staff_pub(S, T_K1 "cmd/screenshot", "", 0, 1);
    staff_pub(S, T_K1 "cmd/reload", "", 0, 1);
    staff_pub(S, T_K1 "cmd/format-disk", "", 0, 1);
    usleep(200000);
    kiosk_clear(&K);
}

TEST(broker_restart_while_posts_arrive)
{
    char topic[64], json[128];
    for (int i = 0; i < 20; i++) {
        snprintf(topic, sizeof topic, T_ALL "burst-%d", i);
        snprintf(json, sizeof json, "{\"title\":\"burst %d\"}", i);
        staff_pubs(S, topic, json);
        if (i == 9) {
            usleep(100000);
            broker_restart(&B);
        }
        usleep(20000);
    }
    /* the staff client reconnects too and delivers its queued QoS 1 posts */
    int got = 0;
    for (int i = 0; i < 20; i++) {
        snprintf(topic, sizeof topic, "burst-%d", i);
        crier_msg *m = kiosk_wait(&K, CRIER_MSG_ITEM_UPSERT, topic, 8000);
        got += m != NULL;
        crier_msg_free(m);
    }
    CHECK_INT_EQ(got, 20);
    crier_mqtt_stats st;
    crier_mqtt_get_stats(K.mq, &st);
    CHECK(st.connects >= 2);
    CHECK(st.connected);
    for (int i = 0; i < 20; i++) {
        snprintf(topic, sizeof topic, T_ALL "burst-%d", i);
        staff_pub(S, topic, "", 0, 1);
    }
    usleep(300000);
    kiosk_clear(&K);
}

TEST(offline_command_reaches_kiosk_on_reconnect)
{
    /* persistent session: a QoS 1 command sent while the kiosk is away is
     * delivered when it comes back with the same client id */
    crier_mqtt_stop(K.mq);
    CHECK(staff_wait(S, 0, T_K1 "status", "\"offline\"", 3000) >= 0);
    char payload[128];
    snprintf(payload, sizeof payload, "{\"req\":\"away1\",\"sent\":%lld}", (long long)crier_wall_ms());
    staff_pub(S, T_K1 "cmd/identify", payload, strlen(payload), 0);
    usleep(200000);
    char url[64];
    broker_url(&B, 0, url, sizeof url);
    crier_mqtt_cfg c = base_cfg(&K, url, "k1", "lobby");
    CHECK(crier_mqtt_start(&K.mq, &c, NULL, 0) == CRIER_OK);
    crier_msg *m = kiosk_wait(&K, CRIER_MSG_COMMAND, "identify", 5000);
    CHECK(m != NULL);
    if (m)
        CHECK_STR_EQ(((crier_command *)m->payload)->req, "away1");
    crier_msg_free(m);
    kiosk_clear(&K);
}

TEST(last_will_on_crash)
{
    char url[64];
    broker_url(&B, 0, url, sizeof url);
    int from = staff_count(S);
    /* a separate process (fork + exec of ourselves) that we can SIGKILL */
    pid_t pid = fork();
    if (pid == 0) {
        execl(self_path, "test_mqtt", "--crash-child", url, (char *)NULL);
        _exit(127);
    }
    CHECK(staff_wait(S, from, "kiosk/crashy/status", "\"online\"", 5000) >= 0);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    CHECK(staff_wait(S, from, "kiosk/crashy/status", "\"offline\"", 5000) >= 0);
    staff_pub(S, "crier/v1/kiosk/crashy/status", "", 0, 1);
}

static char *test_feeds_json(void *ud)
{
    return strdup("{\"demo\":\"ok\"}");
}

/* Signed retractions (docs/protocol.md "Signed retractions") on a kiosk that
 * requires signed posts: a second kiosk k2 with one trusted key. */
static char *sealed(const crier_key *key, const char *json)
{
    char *env = NULL;
    return crier_envelope_seal(json, strlen(json), key, &env, NULL) == CRIER_OK ? env : NULL;
}

TEST(signed_retraction_replay_rules)
{
    char url[64];
    broker_url(&B, 0, url, sizeof url);
    crier_key key;
    CHECK_INT_EQ(crier_key_generate("Town Hall", &key), CRIER_OK);
    crier_keyring *ring = crier_keyring_new();
    CHECK(ring && crier_keyring_add(ring, &key) == CRIER_OK);
    kiosk k2;
    crier_mqtt_cfg c = base_cfg(&k2, url, "k2", "lobby");
    c.post_keyring = ring;
    c.require_signed_posts = 1;
    CHECK(kiosk_start(&k2, &c) == 0);
    CHECK(wait_connected(&k2, 5000));
    usleep(200000);
    int64_t t1 = crier_wall_ms() - 10000;
    char json[256];
    snprintf(json, sizeof json, "{\"title\":\"Evacuation route B\",\"sent\":%lld}", (long long)t1);
    char *post1 = sealed(&key, json);
    snprintf(json, sizeof json, "{\"retract\":\"evac\",\"sent\":%lld,\"by\":\"mallory\"}", (long long)(t1 - 1000));
    char *old_tomb = sealed(&key, json);
    snprintf(json, sizeof json, "{\"retract\":\"evac\",\"sent\":%lld,\"by\":\"alice\"}", (long long)(t1 + 1000));
    char *tomb = sealed(&key, json);
    snprintf(json, sizeof json, "{\"title\":\"Evacuation route B open\",\"sent\":%lld}", (long long)(t1 + 2000));
    char *post2 = sealed(&key, json);
    CHECK(post1 && old_tomb && tomb && post2);
    if (!post1 || !old_tomb || !tomb || !post2)
        goto done;

    staff_pubs(S, T_ALL "evac", post1);
    crier_msg *m = kiosk_wait(&k2, CRIER_MSG_ITEM_UPSERT, "evac", 3000);
    CHECK(m != NULL);
    crier_msg_free(m);

    int from = staff_count(S);
    staff_pub(S, T_ALL "evac", "", 0, 1); /* unsigned: refused, logged, post kept */
    CHECK(staff_wait(S, from, "crier/v1/kiosk/k2/rejected", "unsigned retraction of post 'evac' ignored", 3000) >= 0);
    CHECK(kiosk_wait(&k2, CRIER_MSG_ITEM_RETRACT, "evac", 300) == NULL);

    from = staff_count(S);
    staff_pubs(S, T_ALL "evac", old_tomb); /* signed, but older than the post */
    CHECK(staff_wait(S, from, "crier/v1/kiosk/k2/rejected", "is older than the post it would remove", 3000) >= 0);
    CHECK(kiosk_wait(&k2, CRIER_MSG_ITEM_RETRACT, "evac", 300) == NULL);

    staff_pubs(S, T_ALL "evac", tomb); /* signed and newer: removed */
    m = kiosk_wait(&k2, CRIER_MSG_ITEM_RETRACT, "evac", 3000);
    CHECK(m != NULL);
    crier_msg_free(m);
    CHECK(log_has("post 'evac' retracted (crier/v1/all/post/evac) by 'alice', signed by 'Town Hall'"));

    from = staff_count(S);
    staff_pubs(S, T_ALL "evac", post1); /* the old post replayed: refused */
    CHECK(staff_wait(S, from, "crier/v1/kiosk/k2/rejected", "was retracted", 3000) >= 0);
    CHECK(kiosk_wait(&k2, CRIER_MSG_ITEM_UPSERT, "evac", 300) == NULL);

    staff_pubs(S, T_ALL "evac", tomb); /* its retained tombstone again: nothing to do, nothing said */
    from = staff_count(S);
    usleep(300000);
    CHECK(staff_wait(S, from, "crier/v1/kiosk/k2/rejected", "evac", 200) < 0);

    staff_pubs(S, T_ALL "evac", post2); /* a newer post with the same id: shown */
    m = kiosk_wait(&k2, CRIER_MSG_ITEM_UPSERT, "evac", 3000);
    CHECK(m != NULL);
    crier_msg_free(m);
done:
    staff_pub(S, T_ALL "evac", "", 0, 1);
    usleep(100000);
    kiosk_stop(&k2);
    kiosk_clear(&K); /* k1 trusts no keys: it refused all of these */
    free(post1);
    free(old_tomb);
    free(tomb);
    free(post2);
    crier_keyring_free(ring);
    crier_key_wipe(&key);
}

static void run_main_broker(void)
{
    char url[64];
    if (broker_start(&B, NULL) != 0) {
        CHECK(!"broker start");
        return;
    }
    broker_url(&B, 0, url, sizeof url);
    S = staff_new(&B, NULL, NULL, NULL);
    staff_sub(S, "crier/v1/kiosk/#");
    /* a retained post exists before the kiosk boots */
    staff_pubs(S, T_ALL "welcome", "{\"title\":\"Welcome\",\"body\":\"Town hall open 8-16\",\"priority\":5,"
                                   "\"duration_s\":12,\"languages\":[\"de\",\"en\"],"
                                   "\"link\":\"https://example.org/x\",\"image\":\"https://example.org/x.png\","
                                   "\"valid_until\":\"2099-01-01T00:00:00Z\"}");
    usleep(100000);
    crier_mqtt_cfg c = base_cfg(&K, url, "k1", "lobby");
    char tmpl[] = "/tmp/crier-pp-XXXXXX";
    char *ppdir = mkdtemp(tmpl), pppath[128];
    snprintf(pppath, sizeof pppath, "%s/play.jsonl", ppdir);
    crier_proofplay *pp = crier_proofplay_new(pppath, 0, 0);
    c.proofplay = pp;
    c.feeds_json = test_feeds_json;
    CHECK(kiosk_start(&K, &c) == 0);
    crier_proofplay_showing(pp, "welcome", "mqtt", "Welcome");
    RUN(post_status_heartbeat);
    RUN(duplicate_and_update);
    RUN(malformed_json);
    RUN(ten_megabyte_payload);
    RUN(wrong_field_types);
    RUN(unknown_fields);
    RUN(invalid_utf8);
    RUN(valid_until_in_the_past);
    RUN(post_for_another_site);
    RUN(retract_unknown_and_known);
    RUN(commands);
    RUN(broker_restart_while_posts_arrive);
    RUN(offline_command_reaches_kiosk_on_reconnect);
    RUN(last_will_on_crash);
    RUN(signed_retraction_replay_rules);
    staff_pub(S, T_ALL "welcome", "", 0, 1);
    kiosk_stop(&K);
    crier_proofplay_free(pp);
    remove_tree(ppdir);
    staff_free(S);
    S = NULL;
    broker_stop(&B);
}

TEST(broker_down_when_kiosk_starts)
{
    /* pick a free port, start the kiosk first, the broker 1.5 s later */
    test_broker b;
    if (broker_start(&b, NULL) != 0) {
        CHECK(!"broker start");
        return;
    }
    int port = b.port;
    broker_stop(&b);
    char url[64], opts[64];
    snprintf(url, sizeof url, "mqtt://127.0.0.1:%d", port);
    kiosk k;
    crier_mqtt_cfg c = base_cfg(&k, url, "early", NULL);
    log_reset();
    CHECK(kiosk_start(&k, &c) == 0);
    usleep(1500000);
    crier_mqtt_stats st;
    crier_mqtt_get_stats(k.mq, &st);
    CHECK(!st.connected);
    CHECK(st.connect_failures >= 2);
    CHECK(log_has("cannot connect to 127.0.0.1"));
    snprintf(opts, sizeof opts, "--port %d", port);
    CHECK(broker_start(&b, opts) == 0);
    CHECK(wait_connected(&k, 5000));
    staff *s = staff_new(&b, NULL, NULL, NULL);
    staff_pubs(s, T_ALL "late", "{\"title\":\"late\"}");
    crier_msg *m = kiosk_wait(&k, CRIER_MSG_ITEM_UPSERT, "late", 5000);
    CHECK(m != NULL);
    crier_msg_free(m);
    kiosk_stop(&k);
    staff_free(s);
    broker_stop(&b);
}

TEST(posts_gone_from_the_broker_leave_the_screen)
{
    /* the broker loses its state (a fresh broker on the same port): posts the
     * kiosk showed are no longer retained anywhere, so they are retracted */
    test_broker b;
    if (broker_start(&b, NULL) != 0) {
        CHECK(!"broker start");
        return;
    }
    char url[64], opts[64];
    broker_url(&b, 0, url, sizeof url);
    staff *s = staff_new(&b, NULL, NULL, NULL);
    staff_pubs(s, T_ALL "stays", "{\"title\":\"stays\"}");
    staff_pubs(s, T_ALL "goes", "{\"title\":\"goes\"}");
    kiosk k;
    crier_mqtt_cfg c = base_cfg(&k, url, "sweeper", NULL);
    CHECK(kiosk_start(&k, &c) == 0);
    crier_msg *m = kiosk_wait(&k, CRIER_MSG_ITEM_UPSERT, "goes", 5000);
    CHECK(m != NULL);
    crier_msg_free(m);
    usleep(2500000); /* past the first sweep: nothing retracted while all is there */
    CHECK(kiosk_wait(&k, CRIER_MSG_ITEM_RETRACT, NULL, 10) == NULL);
    staff_free(s);
    int port = b.port;
    broker_stop(&b);
    snprintf(opts, sizeof opts, "--port %d", port);
    CHECK(broker_start(&b, opts) == 0);
    s = staff_new(&b, NULL, NULL, NULL);
    staff_pubs(s, T_ALL "stays", "{\"title\":\"stays\"}");
    m = kiosk_wait(&k, CRIER_MSG_ITEM_RETRACT, "goes", 8000);
    CHECK(m != NULL);
    crier_msg_free(m);
    CHECK(kiosk_wait(&k, CRIER_MSG_ITEM_RETRACT, "stays", 500) == NULL);
    kiosk_stop(&k);
    staff_pub(s, T_ALL "stays", "", 0, 1);
    staff_free(s);
    broker_stop(&b);
}

TEST(tls_with_test_ca)
{
    test_broker b;
    if (broker_start(&b, "--tls") != 0) {
        CHECK(!"broker start");
        return;
    }
    char url[64], ca[600], cert[600], key[600];
    broker_url(&b, 1, url, sizeof url);
    snprintf(ca, sizeof ca, "%s/ca.crt", b.dir);
    snprintf(cert, sizeof cert, "%s/client.crt", b.dir);
    snprintf(key, sizeof key, "%s/client.key", b.dir);
    staff *s = staff_new(&b, ca, NULL, NULL);
    staff_pubs(s, T_ALL "secure", "{\"title\":\"over TLS\"}");
    kiosk k;
    crier_mqtt_cfg c = base_cfg(&k, url, "tls1", NULL);
    c.cafile = ca;
    c.certfile = cert;
    c.keyfile = key;
    CHECK(kiosk_start(&k, &c) == 0);
    crier_msg *m = kiosk_wait(&k, CRIER_MSG_ITEM_UPSERT, "secure", 8000);
    CHECK(m != NULL);
    crier_msg_free(m);
    kiosk_stop(&k);

    /* a kiosk that does not trust the server's CA never connects */
    c.cafile = cert; /* a certificate, but not the CA */
    c.certfile = c.keyfile = NULL;
    c.kiosk = "tls2";
    CHECK(kiosk_start(&k, &c) == 0);
    usleep(1200000);
    crier_mqtt_stats st;
    crier_mqtt_get_stats(k.mq, &st);
    CHECK(!st.connected);
    CHECK(st.connects == 0);
    CHECK(kiosk_wait(&k, CRIER_MSG_ITEM_UPSERT, NULL, 10) == NULL);
    kiosk_stop(&k);
    staff_free(s);
    broker_stop(&b);
}

TEST(acl_forbids_other_kiosks_topics)
{
    char aclpath[] = "/tmp/crier-acl-XXXXXX";
    int fd = mkstemp(aclpath);
    const char *acl = "user staff\ntopic readwrite crier/v1/#\n\n"
                      "pattern read crier/v1/all/post/+\n"
                      "pattern readwrite crier/v1/kiosk/%u/#\n";
    CHECK(write(fd, acl, strlen(acl)) == (ssize_t)strlen(acl));
    close(fd);
    test_broker b;
    char opts[256];
    snprintf(opts, sizeof opts, "--acl %s --user staff:s3cret --user ka:pa --user kb:pb", aclpath);
    if (broker_start(&b, opts) != 0) {
        CHECK(!"broker start");
        unlink(aclpath);
        return;
    }
    unlink(aclpath);
    char url[64];
    broker_url(&b, 0, url, sizeof url);
    staff *s = staff_new(&b, NULL, "staff", "s3cret");
    staff_sub(s, "crier/v1/kiosk/#");
    kiosk k;
    crier_mqtt_cfg c = base_cfg(&k, url, "ka", NULL);
    c.username = "ka";
    c.password = "pa";
    CHECK(kiosk_start(&k, &c) == 0);
    CHECK(wait_connected(&k, 5000));
    CHECK(staff_wait(s, 0, "kiosk/ka/status", "online", 3000) >= 0);
    /* ka pretends to be kb: the broker drops it */
    log_reset();
    CHECK(crier_mqtt_publish(k.mq, "crier/v1/kiosk/kb/status", "{\"state\":\"online\"}", 18, 1, 1) == CRIER_OK);
    CHECK(crier_mqtt_publish(k.mq, "crier/v1/kiosk/kb/post/fake", "{\"title\":\"fake\"}", 16, 1, 1) == CRIER_OK);
    usleep(800000);
    CHECK(staff_wait(s, 0, "kiosk/kb/", NULL, 10) < 0);
    CHECK(log_has("broker refused a publish"));
    /* while its own topics work */
    CHECK(crier_mqtt_publish(k.mq, "crier/v1/kiosk/ka/rejected", "{}", 2, 1, 0) == CRIER_OK);
    CHECK(staff_wait(s, 0, "kiosk/ka/rejected", NULL, 3000) >= 0);
    kiosk_stop(&k);

    /* a wrong password: refused, logged, no crash */
    c.password = "wrong";
    log_reset();
    CHECK(kiosk_start(&k, &c) == 0);
    usleep(800000);
    crier_mqtt_stats st;
    crier_mqtt_get_stats(k.mq, &st);
    CHECK(!st.connected);
    CHECK(strstr(st.last_error, "refused") != NULL);
    CHECK(log_has("broker refused the connection"));
    kiosk_stop(&k);
    staff_free(s);
    broker_stop(&b);
}

TEST(mqtt_311_only)
{
    test_broker b;
    if (broker_start(&b, NULL) != 0) {
        CHECK(!"broker start");
        return;
    }
    char url[64];
    broker_url(&b, 0, url, sizeof url);
    staff *s = staff_new(&b, NULL, NULL, NULL);
    staff_pubs(s, T_ALL "old-proto", "{\"title\":\"3.1.1\"}");
    kiosk k;
    crier_mqtt_cfg c = base_cfg(&k, url, "k311", NULL);
    c.protocol = 4;
    CHECK(kiosk_start(&k, &c) == 0);
    crier_msg *m = kiosk_wait(&k, CRIER_MSG_ITEM_UPSERT, "old-proto", 5000);
    CHECK(m != NULL);
    crier_msg_free(m);
    crier_mqtt_stats st;
    crier_mqtt_get_stats(k.mq, &st);
    CHECK_INT_EQ(st.protocol, 4);
    kiosk_stop(&k);
    staff_pub(s, T_ALL "old-proto", "", 0, 1);
    staff_free(s);
    broker_stop(&b);
}

TEST(bad_config)
{
    crier_mailbox mb;
    crier_mailbox_init(&mb, 0);
    crier_mqtt *mq = NULL;
    crier_mqtt_cfg c = {.broker = "mqtt://127.0.0.1:1", .kiosk = "bad/id", .mailbox = &mb};
    char err[200] = "";
    CHECK(crier_mqtt_start(&mq, &c, err, sizeof err) == CRIER_ERR_INVAL);
    CHECK(strstr(err, "kiosk id") != NULL);
    c.kiosk = "ok";
    c.broker = "http://x";
    CHECK(crier_mqtt_start(&mq, &c, err, sizeof err) == CRIER_ERR_INVAL);
    CHECK(strstr(err, "bad broker URL") != NULL);
    c.broker = "mqtt://127.0.0.1:1";
    c.password_file = "/nonexistent/pw";
    c.username = "u";
    CHECK(crier_mqtt_start(&mq, &c, NULL, 0) == CRIER_ERR_IO); /* err may be NULL */
    CHECK(mq == NULL);
    crier_mqtt_stop(NULL);
    crier_mailbox_destroy(&mb);
}

/* --kiosk-sim URL KIOSK SITE: a stand-in kiosk for tests/scripts/test_remote_*.sh
 * until crier's main loop hosts the MQTT thread.  Prints one line per mailbox
 * message ("UPSERT id title", "RETRACT id", "COMMAND name req"), reports the
 * newest post as on screen, answers screenshots with a tiny PNG, runs until
 * SIGTERM/SIGINT. */
static volatile sig_atomic_t sim_stop;
static void sim_signal(int sig)
{
    sim_stop = 1;
}

static int kiosk_sim(const char *url, const char *id, const char *site)
{
    static const unsigned char png[] = {0x89, 'P',  'N',  'G',  '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                        'I',  'H',  'D',  'R',  0,    0,    0,    1,    0, 0, 0, 1};
    signal(SIGTERM, sim_signal);
    signal(SIGINT, sim_signal);
    crier_log_set_sink(NULL, NULL);
    crier_log_set_level(CRIER_LOG_WARN);
    kiosk k;
    crier_mqtt_cfg c = base_cfg(&k, url, id, site);
    c.heartbeat_s = 2;
    const char *user = getenv("SIM_USER"), *pwfile = getenv("SIM_PASSWORD_FILE"), *ca = getenv("SIM_CAFILE");
    c.username = user;
    c.password_file = pwfile;
    c.cafile = ca;
    if (kiosk_start(&k, &c) != 0)
        return 3;
    printf("READY\n");
    fflush(stdout);
    while (!sim_stop) {
        crier_msg *m = crier_mailbox_take_all(&k.mb);
        while (m) {
            crier_msg *next = m->next;
            if (m->type == CRIER_MSG_ITEM_UPSERT) {
                crier_item *it = m->payload;
                /* delivery latency: crierctl's "sent" stamp to the mailbox post */
                printf("UPSERT %s %s (latency_ms=%lld)\n", it->id, it->title,
                       it->published_ms ? (long long)(m->sent_wall_ms - it->published_ms) : -1LL);
                crier_mqtt_report_showing(k.mq, it->id, it->source, it->title);
                crier_mqtt_report_content_updated(k.mq, crier_wall_ms());
            } else if (m->type == CRIER_MSG_ITEM_RETRACT) {
                printf("RETRACT %s\n", m->key);
            } else if (m->type == CRIER_MSG_COMMAND) {
                crier_command *cmd = m->payload;
                printf("COMMAND %s %s\n", cmd->name, cmd->req);
                if (strcmp(cmd->name, "screenshot") == 0)
                    crier_mqtt_reply_screenshot(k.mq, cmd->req, png, sizeof png);
            }
            fflush(stdout);
            crier_msg_free(m);
            m = next;
        }
        usleep(10000);
    }
    kiosk_stop(&k);
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (!realpath(argv[0], self_path))
        snprintf(self_path, sizeof self_path, "/proc/self/exe");
    if (argc == 5 && strcmp(argv[1], "--kiosk-sim") == 0)
        return kiosk_sim(argv[2], argv[3], argv[4]);
    if (argc == 3 && strcmp(argv[1], "--crash-child") == 0) {
        crier_log_set_level(CRIER_LOG_OFF);
        kiosk k;
        crier_mqtt_cfg c = base_cfg(&k, argv[2], "crashy", NULL);
        if (kiosk_start(&k, &c) != 0)
            return 3;
        for (;;)
            pause();
    }
    crier_log_set_sink(log_sink, NULL);
    crier_log_set_level(CRIER_LOG_DEBUG);
    mosquitto_lib_init();
    run_main_broker();
    RUN(broker_down_when_kiosk_starts);
    RUN(posts_gone_from_the_broker_leave_the_screen);
    RUN(tls_with_test_ca);
    RUN(acl_forbids_other_kiosks_topics);
    RUN(mqtt_311_only);
    RUN(bad_config);
    mosquitto_lib_cleanup();
    return check_summary();
}
