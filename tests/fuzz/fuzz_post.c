/* fuzz_post.c - libFuzzer harness for MQTT post payloads (crier_post_parse).
 * A post the kiosk accepts is written back with crier_post_write (what
 * crierctl sends) and must parse again to the same fields.  The same bytes also
 * go through the small protocol parsers: topic, command and broker URL.
 * See fuzz_common.h. */
#include "fuzz_common.h"

#include "content/content.h"
#include "remote/protocol.h"

#define FUZZ_POST_NOW 1767225600000LL /* 2026-01-01T00:00:00Z */

static int fuzz_post_streq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int fuzz_post_one(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    crier_item it, again;
    char err[256] = "";
    memset(&it, 0, sizeof it);
    crier_err rc = crier_post_parse((const char *)data, size, "post-1", "mqtt", FUZZ_POST_NOW, &it, err, sizeof err);
    if (rc == CRIER_OK) {
        FUZZ_ASSERT(it.id && it.title);
        char *json = crier_post_write(&it);
        FUZZ_ASSERT(json != NULL);
        memset(&again, 0, sizeof again);
        rc = crier_post_parse(json, strlen(json), "post-1", "mqtt", FUZZ_POST_NOW, &again, err, sizeof err);
        if (rc != CRIER_OK)
            fprintf(stderr, "re-parse of written post failed (%s): %s\n", err, json);
        FUZZ_ASSERT(rc == CRIER_OK);
        FUZZ_ASSERT(fuzz_post_streq(it.title, again.title));
        FUZZ_ASSERT(fuzz_post_streq(it.body, again.body));
        FUZZ_ASSERT(fuzz_post_streq(it.link, again.link));
        FUZZ_ASSERT(fuzz_post_streq(it.image, again.image));
        FUZZ_ASSERT(it.valid_from_ms == again.valid_from_ms && it.valid_until_ms == again.valid_until_ms);
        FUZZ_ASSERT(it.priority == again.priority);
        crier_item_clear(&again);
        free(json);
        crier_item_clear(&it);
    } else {
        FUZZ_ASSERT(it.id == NULL && it.title == NULL && it.body == NULL); /* left zeroed */
    }

    /* The small parsers take C strings; MQTT topics are at most 64 KiB but ours are short. */
    char *s = fuzz_cstr(data, size < 1024 ? size : 1024);
    crier_topic t;
    if (crier_topic_parse(s, &t) == CRIER_OK) {
        FUZZ_ASSERT(t.kind != CRIER_TOPIC_UNKNOWN);
        if (t.kind == CRIER_TOPIC_POST) {
            char built[CRIER_TOPIC_MAX];
            FUZZ_ASSERT(crier_topic_post(built, sizeof built, t.scope, t.target[0] ? t.target : NULL, t.name) ==
                        CRIER_OK);
            FUZZ_ASSERT(strcmp(built, s) == 0);
        }
    } else {
        FUZZ_ASSERT(t.kind == CRIER_TOPIC_UNKNOWN);
    }
    crier_broker_url url;
    if (crier_broker_url_parse(s, &url) == CRIER_OK)
        FUZZ_ASSERT(url.port > 0 && url.port <= 65535);
    (void)crier_name_valid(s);
    crier_command cmd;
    (void)crier_command_parse("identify", (const char *)data, size, FUZZ_POST_NOW, &cmd, err, sizeof err);
    (void)crier_utf8_valid((const char *)data, size);
    /* the same bytes as a retraction (docs/protocol.md "Signed retractions"): an
     * accepted one, written again, parses to the same fields */
    crier_retraction r, r2;
    if (crier_retraction_parse((const char *)data, size, "p1", &r, err, sizeof err) == CRIER_OK) {
        FUZZ_ASSERT(!strcmp(r.id, "p1"));
        char *w = crier_retraction_write(&r);
        FUZZ_ASSERT(w && crier_retraction_parse(w, strlen(w), "p1", &r2, err, sizeof err) == CRIER_OK);
        FUZZ_ASSERT(r2.sent_ms == r.sent_ms && !strcmp(r2.by, r.by));
        free(w);
    } else {
        FUZZ_ASSERT(err[0] != '\0');
    }
    (void)crier_payload_is_retraction((const char *)data, size);
    free(s);
    return 0;
}

CRIER_FUZZ_ENTRY(fuzz_post_one)
