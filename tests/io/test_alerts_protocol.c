/* test_alerts_protocol.c - the alert parts of remote/protocol.c: alert and receipt
 * topics, topic ids, receipts, envelope detection/peek and signed posts
 * (crier_post_open).  Pure logic; lives in tests/io with the alert tests. */
#include "content/content.h"
#include "remote/protocol.h"
#include "remote/sign.h"
#include "base/timeutil.h"

#include "../unit/check.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

TEST(alert_topics)
{
    char buf[CRIER_TOPIC_MAX];
    crier_topic t;
    CHECK(crier_topic_alert(buf, sizeof buf, CRIER_SCOPE_ALL, NULL, "evac-1") == CRIER_OK);
    CHECK_STR_EQ(buf, "crier/v1/all/alert/evac-1");
    CHECK(crier_topic_parse(buf, &t) == CRIER_OK && t.kind == CRIER_TOPIC_ALERT && t.scope == CRIER_SCOPE_ALL);
    CHECK_STR_EQ(t.name, "evac-1");
    CHECK(crier_topic_alert(buf, sizeof buf, CRIER_SCOPE_SITE, "townhall", "+") == CRIER_OK);
    CHECK_STR_EQ(buf, "crier/v1/site/townhall/alert/+");
    CHECK(crier_topic_parse("crier/v1/site/townhall/alert/x", &t) == CRIER_OK && t.kind == CRIER_TOPIC_ALERT);
    CHECK(crier_topic_is_for(&t, "townhall", "k1") && !crier_topic_is_for(&t, "library", "k1"));
    CHECK(crier_topic_parse("crier/v1/kiosk/k1/receipt/x", &t) == CRIER_OK && t.kind == CRIER_TOPIC_RECEIPT);
    CHECK_STR_EQ(t.target, "k1");
    CHECK(crier_topic_kiosk(buf, sizeof buf, CRIER_TOPIC_RECEIPT, "k1", "evac-1") == CRIER_OK);
    CHECK_STR_EQ(buf, "crier/v1/kiosk/k1/receipt/evac-1");
    CHECK(crier_topic_alert(buf, sizeof buf, CRIER_SCOPE_ALL, NULL, "a/b") == CRIER_ERR_INVAL);
    CHECK(crier_topic_parse("crier/v1/all/alert/a/b", &t) == CRIER_ERR_PARSE);
    CHECK(crier_topic_parse("crier/v1/site/x/alert", &t) == CRIER_ERR_PARSE);
}

TEST(topic_ids)
{
    char a[CRIER_NAME_MAX + 1], b[CRIER_NAME_MAX + 1];
    CHECK(crier_alert_topic_id("s@x", "evac-1", a, sizeof a) == CRIER_OK);
    CHECK_STR_EQ(a, "evac-1");
    /* not a topic level: hashed, per sender */
    CHECK(crier_alert_topic_id("s@x", "urn:oid:2.49.0.1/840", a, sizeof a) == CRIER_OK);
    CHECK(strncmp(a, "h-", 2) == 0 && strlen(a) == 34 && crier_name_valid(a));
    CHECK(crier_alert_topic_id("other@x", "urn:oid:2.49.0.1/840", b, sizeof b) == CRIER_OK);
    CHECK(strcmp(a, b) != 0);
    /* an identifier that looks like a hash is hashed too (no collisions by choice) */
    CHECK(crier_alert_topic_id("s@x", "h-0123", b, sizeof b) == CRIER_OK && strcmp(b, "h-0123") != 0);
    CHECK(crier_alert_topic_id(NULL, "x", a, sizeof a) == CRIER_ERR_INVAL);
}

TEST(receipt_json)
{
    crier_receipt r = {.kiosk = "k1", .identifier = "evac-1", .sender = "s@x", .issuer = "Town Hall",
                       .verdict = "accepted", .code = CRIER_OK, .received_ms = 1000, .presented_ms = 1016,
                       .ts_ms = 1020, .bytes = 12};
    char *s = crier_receipt_write(&r);
    cJSON *j = cJSON_Parse(s);
    CHECK(j != NULL);
    CHECK_STR_EQ(cJSON_GetObjectItem(j, "verdict")->valuestring, "accepted");
    CHECK_STR_EQ(cJSON_GetObjectItem(j, "code")->valuestring, "ok");
    CHECK_INT_EQ(cJSON_GetObjectItem(j, "presented_ms")->valuedouble, 1016);
    CHECK(cJSON_GetObjectItem(j, "sent_ms") == NULL); /* 0 = left out */
    cJSON_Delete(j);
    free(s);
    crier_receipt bad = {.kiosk = "k1", .reason = "bad \xff utf-8", .code = CRIER_ERR_AUTH};
    s = crier_receipt_write(&bad);
    CHECK(s && strstr(s, "\"verdict\":\"rejected\"") && !strstr(s, "reason"));
    free(s);
}

TEST(signed_posts)
{
    crier_key key, other;
    CHECK(crier_key_generate("Press Office", &key) == CRIER_OK);
    CHECK(crier_key_generate("Stranger", &other) == CRIER_OK);
    crier_keyring *ring = crier_keyring_new();
    crier_keyring_add(ring, &key);
    const char *post = "{\"title\":\"Closed Friday\"}";
    char *env = NULL, *env2 = NULL, *issuer = NULL, err[256];
    crier_envelope_seal(post, strlen(post), &key, &env, NULL);
    crier_envelope_seal(post, strlen(post), &other, &env2, NULL);
    crier_item it;
    int64_t now = crier_wall_ms();
    CHECK(crier_payload_is_envelope(env, strlen(env)));
    CHECK(!crier_payload_is_envelope(post, strlen(post)));
    /* signed, trusted */
    CHECK(crier_post_open(env, strlen(env), ring, 1, "p1", "mqtt", now, &it, &issuer, err, sizeof err) == CRIER_OK);
    CHECK_STR_EQ(it.title, "Closed Friday");
    CHECK_STR_EQ(issuer, "Press Office");
    crier_item_clear(&it);
    free(issuer);
    /* unsigned: refused when required, fine otherwise */
    CHECK(crier_post_open(post, strlen(post), ring, 1, "p1", "mqtt", now, &it, NULL, err, sizeof err) ==
          CRIER_ERR_AUTH);
    CHECK(strstr(err, "unsigned post") != NULL);
    CHECK(crier_post_open(post, strlen(post), ring, 0, "p1", "mqtt", now, &it, NULL, err, sizeof err) == CRIER_OK);
    crier_item_clear(&it);
    /* untrusted key, even when signatures are not required */
    CHECK(crier_post_open(env2, strlen(env2), ring, 0, "p1", "mqtt", now, &it, NULL, err, sizeof err) ==
          CRIER_ERR_AUTH);
    CHECK(strstr(err, "unknown key") != NULL);
    /* no keyring at all */
    CHECK(crier_post_open(env, strlen(env), NULL, 0, "p1", "mqtt", now, &it, NULL, err, sizeof err) ==
          CRIER_ERR_AUTH);
    /* peek (crierctl list): the payload without verifying */
    char *inner = NULL, *kid = NULL;
    size_t n = 0;
    CHECK(crier_envelope_peek(env2, strlen(env2), &inner, &n, &kid) == CRIER_OK);
    CHECK(n == strlen(post) && strcmp(inner, post) == 0);
    CHECK_STR_EQ(kid, other.id);
    free(inner);
    free(kid);
    CHECK(crier_envelope_peek(post, strlen(post), &inner, &n, NULL) == CRIER_ERR_PARSE);
    free(env);
    free(env2);
    crier_keyring_free(ring);
    crier_key_wipe(&key);
    crier_key_wipe(&other);
}

int main(void)
{
    RUN(alert_topics);
    RUN(topic_ids);
    RUN(receipt_json);
    RUN(signed_posts);
    return check_summary();
}
