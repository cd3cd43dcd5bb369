/* test_protocol.c - topics, post/command payload rules and writers (remote/protocol.h: topic.c,
 * payload.c, post.c, command.c, report.c, broker_url.c). */
#include "remote/protocol.h"
#include "base/timeutil.h"

#include "check.h"

#include <stdlib.h>
#include <string.h>

static const int64_t NOW = 1795000000000; /* 2026-11-18T11:06:40Z */

TEST(names)
{
    CHECK(crier_name_valid("k1"));
    CHECK(crier_name_valid("p-20261126-030000-ab12"));
    CHECK(!crier_name_valid(""));
    CHECK(!crier_name_valid(NULL));
    CHECK(!crier_name_valid("a/b"));
    CHECK(!crier_name_valid("+"));
    CHECK(!crier_name_valid("#"));
    CHECK(!crier_name_valid(".."));
    CHECK(!crier_name_valid("caf\xc3\xa9"));
    char long_name[70];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    CHECK(!crier_name_valid(long_name));
    long_name[64] = '\0';
    CHECK(crier_name_valid(long_name));
}

TEST(topic_builders)
{
    char t[CRIER_TOPIC_MAX];
    CHECK(crier_topic_post(t, sizeof t, CRIER_SCOPE_ALL, NULL, "p1") == CRIER_OK);
    CHECK_STR_EQ(t, "crier/v1/all/post/p1");
    CHECK(crier_topic_post(t, sizeof t, CRIER_SCOPE_SITE, "lobby", "p1") == CRIER_OK);
    CHECK_STR_EQ(t, "crier/v1/site/lobby/post/p1");
    CHECK(crier_topic_post(t, sizeof t, CRIER_SCOPE_KIOSK, "k1", "p1") == CRIER_OK);
    CHECK_STR_EQ(t, "crier/v1/kiosk/k1/post/p1");
    CHECK(crier_topic_post(t, sizeof t, CRIER_SCOPE_SITE, NULL, "p1") == CRIER_ERR_INVAL);
    CHECK(crier_topic_post(t, sizeof t, CRIER_SCOPE_ALL, NULL, "a/b") == CRIER_ERR_INVAL);
    CHECK(crier_topic_post(t, 10, CRIER_SCOPE_ALL, NULL, "p1") == CRIER_ERR_LIMIT);
    CHECK(crier_topic_post_filter(t, sizeof t, CRIER_SCOPE_SITE, "lobby") == CRIER_OK);
    CHECK_STR_EQ(t, "crier/v1/site/lobby/post/+");
    CHECK(crier_topic_kiosk(t, sizeof t, CRIER_TOPIC_STATUS, "k1", NULL) == CRIER_OK);
    CHECK_STR_EQ(t, "crier/v1/kiosk/k1/status");
    CHECK(crier_topic_kiosk(t, sizeof t, CRIER_TOPIC_HEARTBEAT, "k1", NULL) == CRIER_OK);
    CHECK_STR_EQ(t, "crier/v1/kiosk/k1/heartbeat");
    CHECK(crier_topic_kiosk(t, sizeof t, CRIER_TOPIC_REJECTED, "k1", NULL) == CRIER_OK);
    CHECK_STR_EQ(t, "crier/v1/kiosk/k1/rejected");
    CHECK(crier_topic_kiosk(t, sizeof t, CRIER_TOPIC_CMD, "k1", "identify") == CRIER_OK);
    CHECK_STR_EQ(t, "crier/v1/kiosk/k1/cmd/identify");
    CHECK(crier_topic_kiosk(t, sizeof t, CRIER_TOPIC_REPLY, "k1", "r1") == CRIER_OK);
    CHECK_STR_EQ(t, "crier/v1/kiosk/k1/reply/r1");
    CHECK(crier_topic_kiosk(t, sizeof t, CRIER_TOPIC_SCREENSHOT, "k1", "r1") == CRIER_OK);
    CHECK_STR_EQ(t, "crier/v1/kiosk/k1/screenshot/r1");
    CHECK(crier_topic_kiosk(t, sizeof t, CRIER_TOPIC_CMD, "k1", NULL) == CRIER_ERR_INVAL);
    CHECK(crier_topic_kiosk(t, sizeof t, CRIER_TOPIC_POST, "k1", "x") == CRIER_ERR_INVAL);
}

TEST(topic_parse)
{
    static const struct {
        const char *topic;
        crier_err rc;
        crier_topic_kind kind;
        crier_scope scope;
        const char *target, *name;
    } cases[] = {
        {"crier/v1/all/post/p1", CRIER_OK, CRIER_TOPIC_POST, CRIER_SCOPE_ALL, "", "p1"},
        {"crier/v1/site/lobby/post/p1", CRIER_OK, CRIER_TOPIC_POST, CRIER_SCOPE_SITE, "lobby", "p1"},
        {"crier/v1/kiosk/k1/post/p1", CRIER_OK, CRIER_TOPIC_POST, CRIER_SCOPE_KIOSK, "k1", "p1"},
        {"crier/v1/kiosk/k1/status", CRIER_OK, CRIER_TOPIC_STATUS, CRIER_SCOPE_KIOSK, "k1", ""},
        {"crier/v1/kiosk/k1/heartbeat", CRIER_OK, CRIER_TOPIC_HEARTBEAT, CRIER_SCOPE_KIOSK, "k1", ""},
        {"crier/v1/kiosk/k1/rejected", CRIER_OK, CRIER_TOPIC_REJECTED, CRIER_SCOPE_KIOSK, "k1", ""},
        {"crier/v1/kiosk/k1/cmd/reload", CRIER_OK, CRIER_TOPIC_CMD, CRIER_SCOPE_KIOSK, "k1", "reload"},
        {"crier/v1/kiosk/k1/reply/r9", CRIER_OK, CRIER_TOPIC_REPLY, CRIER_SCOPE_KIOSK, "k1", "r9"},
        {"crier/v1/kiosk/k1/screenshot/r9", CRIER_OK, CRIER_TOPIC_SCREENSHOT, CRIER_SCOPE_KIOSK, "k1", "r9"},
        {"crier/v2/all/post/p1", CRIER_ERR_PARSE, 0, 0, "", ""},
        {"crier/v1/all/post", CRIER_ERR_PARSE, 0, 0, "", ""},
        {"crier/v1/all/post/p1/x", CRIER_ERR_PARSE, 0, 0, "", ""},
        {"crier/v1/site/lobby/status", CRIER_ERR_PARSE, 0, 0, "", ""},
        {"crier/v1/planet/x/post/p1", CRIER_ERR_PARSE, 0, 0, "", ""},
        {"crier/v1/kiosk/k1/cmd/", CRIER_ERR_PARSE, 0, 0, "", ""},
        {"crier/v1/kiosk//post/p1", CRIER_ERR_PARSE, 0, 0, "", ""},
        {"", CRIER_ERR_PARSE, 0, 0, "", ""},
        {"/////////////", CRIER_ERR_PARSE, 0, 0, "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        crier_topic t;
        crier_err rc = crier_topic_parse(cases[i].topic, &t);
        if (rc != cases[i].rc)
            fprintf(stderr, "  topic %s\n", cases[i].topic);
        CHECK_INT_EQ(rc, cases[i].rc);
        CHECK_INT_EQ(t.kind, cases[i].kind);
        CHECK_INT_EQ(t.scope, cases[i].scope);
        CHECK_STR_EQ(t.target, cases[i].target);
        CHECK_STR_EQ(t.name, cases[i].name);
    }
    crier_topic t;
    CHECK(crier_topic_parse(NULL, &t) == CRIER_ERR_PARSE);
    crier_topic_parse("crier/v1/site/lobby/post/p", &t);
    CHECK(crier_topic_is_for(&t, "lobby", "k1"));
    CHECK(!crier_topic_is_for(&t, "garage", "k1"));
    CHECK(!crier_topic_is_for(&t, NULL, "k1"));
    crier_topic_parse("crier/v1/kiosk/k2/post/p", &t);
    CHECK(!crier_topic_is_for(&t, "lobby", "k1"));
    crier_topic_parse("crier/v1/all/post/p", &t);
    CHECK(crier_topic_is_for(&t, NULL, "k1"));
}

TEST(utf8)
{
    CHECK(crier_utf8_valid("abc", 3));
    CHECK(crier_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
    CHECK(!crier_utf8_valid("\xc3\x28", 2));
    CHECK(!crier_utf8_valid("\xc0\xaf", 2));         /* overlong */
    CHECK(!crier_utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
    CHECK(!crier_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!crier_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    CHECK(!crier_utf8_valid("\xe2\x82", 2));         /* truncated */
    CHECK(!crier_utf8_valid("a\0b", 3));
    CHECK(!crier_utf8_valid("\xff", 1));
}

static crier_err post(const char *json, crier_item *it, char *err)
{
    return crier_post_parse(json, strlen(json), "p1", "mqtt", NOW, it, err, 256);
}

TEST(post_good)
{
    crier_item it;
    char err[256];
    CHECK(post("{\"id\":\"p1\",\"title\":\"Hi\",\"body\":\"a\\n\\nb\",\"image\":\"https://x.org/i.png\","
               "\"link\":\"http://x.org\",\"valid_from\":\"2026-01-01T00:00:00Z\","
               "\"valid_until\":1900000000000,\"priority\":-3,\"duration_s\":7.5,"
               "\"languages\":[\"pt-BR\",\"en\"],\"sent\":1795000000000,\"x-note\":{\"any\":1}}",
               &it, err) == CRIER_OK);
    CHECK_STR_EQ(it.id, "p1");
    CHECK_STR_EQ(it.source, "mqtt");
    CHECK_STR_EQ(it.title, "Hi");
    CHECK_STR_EQ(it.body, "a\n\nb");
    CHECK_STR_EQ(it.image, "https://x.org/i.png");
    CHECK_STR_EQ(it.link, "http://x.org");
    CHECK_STR_EQ(it.lang, "pt-BR");
    CHECK_INT_EQ(it.kind, CRIER_ITEM_POST);
    CHECK_INT_EQ(it.priority, -3);
    CHECK_INT_EQ(it.duration_ms, 7500);
    CHECK_INT_EQ(it.valid_until_ms, 1900000000000);
    CHECK_INT_EQ(it.published_ms, 1795000000000);
    CHECK(it.valid_from_ms > 0);
    /* round trip through the writer */
    it.lang[0] = 'd';
    it.lang[1] = 'e';
    it.lang[2] = '\0';
    char *json = crier_post_write(&it);
    CHECK(json != NULL);
    crier_item back;
    CHECK(crier_post_parse(json, strlen(json), "p1", "mqtt", NOW, &back, err, sizeof err) == CRIER_OK);
    CHECK_STR_EQ(back.title, "Hi");
    CHECK_STR_EQ(back.lang, "de");
    CHECK_INT_EQ(back.valid_until_ms, 1900000000000);
    CHECK_INT_EQ(back.duration_ms, 7500);
    crier_item_clear(&back);
    free(json);
    crier_item_clear(&it);
}

TEST(post_bad)
{
    static const struct {
        const char *json;
        crier_err rc;
        const char *msg;
    } cases[] = {
        {"", CRIER_ERR_PARSE, "empty payload"},
        {"{", CRIER_ERR_PARSE, "malformed JSON"},
        {"{\"title\":\"x\"} trailing", CRIER_ERR_PARSE, "malformed JSON"},
        {"\"just a string\"", CRIER_ERR_INVAL, "JSON object"},
        {"{\"title\":\"x\",\"a\":[[[[[1]]]]]}", CRIER_ERR_LIMIT, "nested deeper"},
        {"{\"title\":1}", CRIER_ERR_INVAL, "field 'title': expected a string"},
        {"{\"title\":\"\"}", CRIER_ERR_INVAL, "must not be empty"},
        {"{\"title\":\"a\\u0001b\"}", CRIER_ERR_INVAL, "control characters"},
        {"{\"title\":\"x\",\"body\":5}", CRIER_ERR_INVAL, "field 'body'"},
        {"{\"title\":\"x\",\"image\":\"/etc/passwd\"}", CRIER_ERR_INVAL, "field 'image'"},
        {"{\"title\":\"x\",\"link\":\"https://a b\"}", CRIER_ERR_INVAL, "field 'link'"},
        {"{\"title\":\"x\",\"valid_until\":\"soon\"}", CRIER_ERR_INVAL, "not an RFC 3339"},
        {"{\"title\":\"x\",\"valid_until\":-5}", CRIER_ERR_INVAL, "non-negative integer"},
        {"{\"title\":\"x\",\"valid_until\":1.5}", CRIER_ERR_INVAL, "non-negative integer"},
        {"{\"title\":\"x\",\"valid_until\":\"2020-01-01T00:00:00Z\"}", CRIER_ERR_STALE, "in the past"},
        {"{\"title\":\"x\",\"valid_from\":1900000000001,\"valid_until\":1900000000000}", CRIER_ERR_STALE,
         "not after valid_from"},
        {"{\"title\":\"x\",\"priority\":1.5}", CRIER_ERR_INVAL, "expected an integer"},
        {"{\"title\":\"x\",\"priority\":1000}", CRIER_ERR_INVAL, "outside"},
        {"{\"title\":\"x\",\"duration_s\":0}", CRIER_ERR_INVAL, "outside"},
        {"{\"title\":\"x\",\"duration_s\":\"10\"}", CRIER_ERR_INVAL, "expected a number"},
        {"{\"title\":\"x\",\"languages\":[\"english!\"]}", CRIER_ERR_INVAL, "BCP 47"},
        {"{\"title\":\"x\",\"languages\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}", CRIER_ERR_LIMIT,
         "exceeds the limit"},
        {"{\"title\":\"x\",\"languages\":[1]}", CRIER_ERR_INVAL, "BCP 47"},
        {"{\"title\":\"x\",\"id\":\"p2\"}", CRIER_ERR_INVAL, "field 'id'"},
        {"{\"title\":\"x\",\"colour\":\"red\"}", CRIER_ERR_INVAL, "unknown field 'colour'"},
        {"{\"body\":\"x\"}", CRIER_ERR_INVAL, "'title' is required"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        crier_item it;
        char err[256] = "";
        crier_err rc = post(cases[i].json, &it, err);
        if (rc != cases[i].rc || !strstr(err, cases[i].msg))
            fprintf(stderr, "  case %zu %s -> %d \"%s\"\n", i, cases[i].json, rc, err);
        CHECK_INT_EQ(rc, cases[i].rc);
        CHECK(strstr(err, cases[i].msg) != NULL);
        CHECK(it.id == NULL && it.title == NULL);
    }
    /* size limits */
    size_t n = CRIER_POST_MAX_BYTES + 1;
    char *big = malloc(n);
    memset(big, ' ', n);
    crier_item it;
    char err[256];
    CHECK(crier_post_parse(big, n, "p1", "mqtt", NOW, &it, err, sizeof err) == CRIER_ERR_LIMIT);
    CHECK(strstr(err, "exceeds the limit") != NULL);
    free(big);
    char title[CRIER_POST_MAX_TITLE + 40];
    snprintf(title, sizeof title, "{\"title\":\"%0*d\"}", CRIER_POST_MAX_TITLE + 1, 0);
    CHECK(post(title, &it, err) == CRIER_ERR_LIMIT);
    CHECK(crier_post_parse("{\"title\":\"x\"}", 13, "bad/id", "mqtt", NOW, &it, err, sizeof err) == CRIER_ERR_INVAL);
    const char bad_utf8[] = "{\"title\":\"\xc3\x28\"}";
    CHECK(post(bad_utf8, &it, err) == CRIER_ERR_PARSE);
    CHECK(strstr(err, "UTF-8") != NULL);
    /* a NUL inside the buffer */
    CHECK(crier_post_parse("{\"title\":\"a\0b\"}", 15, "p1", "mqtt", NOW, &it, err, sizeof err) == CRIER_ERR_PARSE);
}

TEST(post_repeated_fields)
{
    /* cJSON keeps both copies: the member loop used to let the last win, so a
     * post already expired ("valid_until":1000) could be revived by a second,
     * future valid_until that other readers (first match) never see. */
    static const char *const cases[] = {
        "{\"title\":\"x\",\"valid_until\":1000,\"valid_until\":1900000000000}",
        "{\"title\":\"x\",\"valid_until\":1900000000000,\"valid_until\":1000}",
        "{\"title\":\"first\",\"body\":\"b\",\"title\":\"second\"}",
        "{\"title\":\"x\",\"priority\":1,\"body\":\"b\",\"link\":\"https://a.example/\",\"priority\":9}",
        "{\"title\":\"x\",\"x-note\":1,\"x-note\":2}",
        "{\"title\":\"x\",\"id\":\"p1\",\"id\":\"p1\"}",
    };
    static const char *const names[] = {"valid_until", "valid_until", "title", "priority", "x-note", "id"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        crier_item it;
        char err[256] = "";
        crier_err rc = post(cases[i], &it, err);
        char want[64];
        snprintf(want, sizeof want, "field '%s' repeated", names[i]);
        if (rc != CRIER_ERR_INVAL || !strstr(err, want))
            fprintf(stderr, "  case %zu %s -> %d \"%s\"\n", i, cases[i], rc, err);
        CHECK_INT_EQ(rc, CRIER_ERR_INVAL);
        CHECK(strstr(err, want) != NULL);
        CHECK(it.id == NULL && it.title == NULL);
    }
    /* a name with a control character is not echoed */
    crier_item it;
    char err[256] = "";
    CHECK_INT_EQ(post("{\"title\":\"x\",\"x-\\u0007\":1,\"x-\\u0007\":2}", &it, err), CRIER_ERR_INVAL);
    CHECK(strstr(err, "field '?' repeated") != NULL);
    /* the same names once each, and nested objects with equal keys, stay fine */
    CHECK_INT_EQ(post("{\"title\":\"x\",\"valid_until\":1900000000000,\"x-a\":{\"k\":1},\"x-b\":{\"k\":1}}", &it, err),
                 CRIER_OK);
    crier_item_clear(&it);
    /* commands follow the same rule */
    crier_command c;
    const char *p = "{\"req\":\"r1\",\"seconds\":5,\"seconds\":100}";
    CHECK_INT_EQ(crier_command_parse("identify", p, strlen(p), NOW, &c, err, sizeof err), CRIER_ERR_INVAL);
    CHECK(strstr(err, "field 'seconds' repeated") != NULL);
}

TEST(commands)
{
    crier_command c;
    char err[256];
    const char *p = "{\"req\":\"r1\",\"sent\":1795000000000,\"seconds\":5}";
    CHECK(crier_command_parse("identify", p, strlen(p), NOW + 1000, &c, err, sizeof err) == CRIER_OK);
    CHECK_STR_EQ(c.name, "identify");
    CHECK_STR_EQ(c.req, "r1");
    CHECK_INT_EQ(c.seconds, 5);
    CHECK(crier_command_parse("format", p, strlen(p), NOW, &c, err, sizeof err) == CRIER_ERR_UNSUPPORTED);
    CHECK(crier_command_parse("identify", p, strlen(p), NOW + 3600000, &c, err, sizeof err) == CRIER_ERR_STALE);
    CHECK_STR_EQ(c.req, "r1"); /* kept so the sender can be answered */
    p = "{\"sent\":1}";
    CHECK(crier_command_parse("reload", p, strlen(p), NOW, &c, err, sizeof err) == CRIER_ERR_INVAL);
    p = "{\"req\":\"a/b\"}";
    CHECK(crier_command_parse("reload", p, strlen(p), NOW, &c, err, sizeof err) == CRIER_ERR_INVAL);
    char *w = crier_command_write("r2", NOW, 0);
    CHECK(crier_command_parse("screenshot", w, strlen(w), NOW, &c, err, sizeof err) == CRIER_OK);
    CHECK_STR_EQ(c.req, "r2");
    CHECK_INT_EQ(c.seconds, 10);
    free(w);
}

TEST(writers)
{
    char *s = crier_status_write("k1", "lobby", 1, NOW, "0.1.0");
    CHECK(s && strstr(s, "\"state\":\"online\"") && strstr(s, "\"site\":\"lobby\""));
    free(s);
    s = crier_status_write("k1", NULL, 0, 0, "0.1.0");
    CHECK(s && strstr(s, "\"state\":\"offline\"") && !strstr(s, "\"ts\""));
    free(s);
    s = crier_rejection_write("k1", "crier/v1/all/post/x", "x", CRIER_ERR_STALE, "valid_until is in the past", 12, NOW);
    CHECK(s && strstr(s, "\"error\":\"valid_until is in the past\"") && strstr(s, "\"bytes\":12"));
    free(s);
    s = crier_rejection_write("k1", "bad\xff", NULL, CRIER_ERR_PARSE, "bad\xff", 1, NOW);
    CHECK(s && !strstr(s, "\"topic\"") && strstr(s, "\"error\""));
    free(s);
    s = crier_reply_write("k1", "r1", "screenshot", 0, "too big", 0, NOW);
    CHECK(s && strstr(s, "\"ok\":false") && strstr(s, "\"error\":\"too big\""));
    free(s);
    crier_heartbeat hb = {.kiosk = "k1", .site = "lobby", .version = "0.1.0", .ts_ms = NOW, .uptime_s = 5,
                          .showing_id = "p1", .showing_title = "Hi", .content_age_s = 3, .feeds_json = "{\"rss\":\"ok\"}",
                          .alerts = 2, .mem_free_kb = 1000, .temp_c = 47.25, .proofplay_json = "not json",
                          .mqtt_protocol = 5};
    s = crier_heartbeat_write(&hb);
    CHECK(s && strstr(s, "\"showing\":{\"id\":\"p1\"") && strstr(s, "\"feeds\":{\"rss\":\"ok\"}") &&
          strstr(s, "\"alerts\":2") && strstr(s, "\"temp_c\":47.3") && !strstr(s, "proof_of_play"));
    free(s);
}

TEST(retractions)
{
    /* the payload: parse, its rules, write and parse again */
    crier_retraction r;
    char err[256] = "";
    const char *good = "{\"retract\":\"p1\",\"sent\":1795000000000,\"by\":\"alice\",\"x-note\":1}";
    CHECK_INT_EQ(crier_retraction_parse(good, strlen(good), "p1", &r, err, sizeof err), CRIER_OK);
    CHECK_STR_EQ(r.id, "p1");
    CHECK_INT_EQ(r.sent_ms, 1795000000000LL);
    CHECK_STR_EQ(r.by, "alice");
    CHECK(crier_payload_is_retraction(good, strlen(good)));
    CHECK(!crier_payload_is_retraction("{\"title\":\"x\"}", 13));
    char *w = crier_retraction_write(&r);
    crier_retraction r2;
    CHECK(w && crier_retraction_parse(w, strlen(w), "p1", &r2, err, sizeof err) == CRIER_OK);
    CHECK(w && r2.sent_ms == r.sent_ms && !strcmp(r2.by, "alice"));
    free(w);
    static const struct {
        const char *json, *why;
        crier_err rc;
    } bad[] = {
        {"{\"retract\":\"p2\",\"sent\":1}", "equal to the topic's post id", CRIER_ERR_INVAL},
        {"{\"retract\":\"p1\"}", "field 'sent' is required", CRIER_ERR_INVAL},
        {"{\"sent\":1795000000000}", "field 'retract' is required", CRIER_ERR_INVAL},
        {"{\"retract\":\"p1\",\"sent\":1,\"title\":\"x\"}", "unknown field 'title'", CRIER_ERR_INVAL},
        {"{\"retract\":\"p1\",\"sent\":1,\"sent\":2}", "repeated", CRIER_ERR_INVAL},
        {"{\"retract\":\"p1\",\"sent\":1,\"by\":\"a\\nb\"}", "'by'", CRIER_ERR_INVAL},
        {"{\"retract\":\"p1\",\"sent\":\"yesterday\"}", "'sent'", CRIER_ERR_INVAL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        crier_err rc = crier_retraction_parse(bad[i].json, strlen(bad[i].json), "p1", &r, err, sizeof err);
        if (rc == CRIER_OK || !strstr(err, bad[i].why))
            fprintf(stderr, "    %s -> %d %s\n", bad[i].json, rc, err);
        CHECK(rc != CRIER_OK);
        CHECK(strstr(err, bad[i].why) != NULL);
        CHECK_STR_EQ(r.id, "");
    }

    /* signed: opened with the ring; unsigned, unknown key, far future refused */
    crier_key key, other;
    CHECK_INT_EQ(crier_key_generate("Town Hall", &key), CRIER_OK);
    CHECK_INT_EQ(crier_key_generate("Somebody", &other), CRIER_OK);
    crier_keyring *ring = crier_keyring_new();
    CHECK(ring && crier_keyring_add(ring, &key) == CRIER_OK);
    char *env = NULL, *env_other = NULL, *env_future = NULL, *issuer = NULL, *kid = NULL;
    CHECK_INT_EQ(crier_envelope_seal(good, strlen(good), &key, &env, NULL), CRIER_OK);
    CHECK_INT_EQ(crier_envelope_seal(good, strlen(good), &other, &env_other, NULL), CRIER_OK);
    const char *future = "{\"retract\":\"p1\",\"sent\":1795000400000}"; /* 400 s ahead of NOW */
    CHECK_INT_EQ(crier_envelope_seal(future, strlen(future), &key, &env_future, NULL), CRIER_OK);
    CHECK_INT_EQ(crier_retraction_open(env, strlen(env), ring, "p1", NOW, &r, &issuer, &kid, err, sizeof err), CRIER_OK);
    CHECK_STR_EQ(issuer, "Town Hall");
    CHECK(kid && !strcmp(kid, key.id));
    CHECK_STR_EQ(r.by, "alice");
    free(issuer);
    free(kid);
    CHECK_INT_EQ(crier_retraction_open(good, strlen(good), ring, "p1", NOW, &r, NULL, NULL, err, sizeof err),
                 CRIER_ERR_AUTH);
    CHECK(strstr(err, "unsigned retraction") != NULL);
    CHECK_INT_EQ(crier_retraction_open(env_other, strlen(env_other), ring, "p1", NOW, &r, NULL, NULL, err, sizeof err),
                 CRIER_ERR_AUTH);
    CHECK_INT_EQ(crier_retraction_open(env, strlen(env), ring, "p2", NOW, &r, NULL, NULL, err, sizeof err),
                 CRIER_ERR_INVAL);
    CHECK_INT_EQ(crier_retraction_open(env_future, strlen(env_future), ring, "p1", NOW, &r, NULL, NULL, err, sizeof err),
                 CRIER_ERR_STALE);
    CHECK(strstr(err, "ahead of this kiosk's clock") != NULL);
    CHECK_INT_EQ(crier_retraction_open(env, strlen(env), NULL, "p1", NOW, &r, NULL, NULL, err, sizeof err),
                 CRIER_ERR_AUTH);
    /* a tombstone is never a post */
    crier_item it;
    CHECK(crier_post_parse(good, strlen(good), "p1", "mqtt", NOW, &it, err, sizeof err) != CRIER_OK);
    free(env);
    free(env_other);
    free(env_future);
    crier_keyring_free(ring);
    crier_key_wipe(&key);
    crier_key_wipe(&other);
}

TEST(broker_url)
{
    crier_broker_url u;
    CHECK(crier_broker_url_parse("mqtt://127.0.0.1:1884", &u) == CRIER_OK);
    CHECK_STR_EQ(u.host, "127.0.0.1");
    CHECK_INT_EQ(u.port, 1884);
    CHECK_INT_EQ(u.tls, 0);
    CHECK(crier_broker_url_parse("mqtts://broker.example.org", &u) == CRIER_OK);
    CHECK_INT_EQ(u.port, 8883);
    CHECK_INT_EQ(u.tls, 1);
    CHECK(crier_broker_url_parse("localhost", &u) == CRIER_OK);
    CHECK_INT_EQ(u.port, 1883);
    CHECK(crier_broker_url_parse("mqtt://[::1]:1999", &u) == CRIER_OK);
    CHECK_STR_EQ(u.host, "::1");
    CHECK_INT_EQ(u.port, 1999);
    CHECK(crier_broker_url_parse("http://x", &u) == CRIER_ERR_INVAL);
    CHECK(crier_broker_url_parse("mqtt://x:0", &u) == CRIER_ERR_INVAL);
    CHECK(crier_broker_url_parse("mqtt://x:99999", &u) == CRIER_ERR_INVAL);
    CHECK(crier_broker_url_parse("mqtt://:1883", &u) == CRIER_ERR_INVAL);
    CHECK(crier_broker_url_parse("mqtt://x:12ab", &u) == CRIER_ERR_INVAL);
    CHECK(crier_broker_url_parse("", &u) == CRIER_ERR_INVAL);
}

TEST(retraction_retain)
{
    int64_t now = 1800000000000LL;
    /* no end, or an end already past: the longest */
    CHECK(crier_retraction_retain_s(0, now) == CRIER_RETRACT_RETAIN_MAX_S);
    CHECK(crier_retraction_retain_s(now - 1000, now) == CRIER_RETRACT_RETAIN_MAX_S);
    /* until the post would have ended, plus the grace */
    CHECK(crier_retraction_retain_s(now + 2 * 86400000LL, now) == 2 * 86400 + CRIER_RETRACT_RETAIN_GRACE_S);
    CHECK(crier_retraction_retain_s(now + 1000, now) == 1 + CRIER_RETRACT_RETAIN_GRACE_S);
    /* capped */
    CHECK(crier_retraction_retain_s(now + 30 * 86400000LL, now) == CRIER_RETRACT_RETAIN_MAX_S);
    CHECK(crier_retraction_retain_s(INT64_MAX, now) == CRIER_RETRACT_RETAIN_MAX_S);
}

int main(void)
{
    RUN(names);
    RUN(topic_builders);
    RUN(topic_parse);
    RUN(utf8);
    RUN(post_good);
    RUN(post_bad);
    RUN(post_repeated_fields);
    RUN(commands);
    RUN(writers);
    RUN(retractions);
    RUN(retraction_retain);
    RUN(broker_url);
    return check_summary();
}
