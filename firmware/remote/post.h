/* post.h - staff posts: the payload a kiosk accepts, signed or not.
 *
 * A post is a small JSON object (docs/protocol.md "Post payload") published
 * retained on a post topic (remote/topic.h); it may travel inside a signed
 * envelope (remote/sign.h, docs/protocol.md "Signed posts").  The kiosk's MQTT
 * thread and the staff tools parse it with the same function, so a post
 * crierctl accepts is exactly a post a kiosk accepts.
 *
 * Ownership: crier_post_parse() fills a caller-owned crier_item (free with
 * crier_item_clear()); writers return malloc()ed NUL-terminated JSON the
 * caller free()s.  Pure logic. */
#ifndef CRIER_POST_H
#define CRIER_POST_H

#include "base/error.h"
#include "content/content.h"
#include "remote/sign.h"

#include <stddef.h>
#include <stdint.h>

/* Post payload limits (docs/protocol.md). */
#define CRIER_POST_MAX_BYTES (64u * 1024u) /* whole JSON payload */
#define CRIER_POST_MAX_TITLE 300           /* bytes */
#define CRIER_POST_MAX_BODY (16u * 1024u)  /* bytes */
#define CRIER_POST_MAX_URL 2048            /* bytes */
#define CRIER_POST_MAX_LANGS 8
#define CRIER_POST_MAX_DEPTH 4             /* JSON nesting (every protocol payload) */
#define CRIER_POST_MIN_DURATION_S 1
#define CRIER_POST_MAX_DURATION_S 3600
#define CRIER_POST_MIN_PRIORITY (-100)
#define CRIER_POST_MAX_PRIORITY 100

/* Largest envelope that can hold a full-size post. */
#define CRIER_POST_ENVELOPE_MAX_BYTES (CRIER_POST_MAX_BYTES / 3u * 4u + 1024u)

/* Parses and validates a post payload (buf, len) for post id `id` (from the
 * topic) into *out (kind POST, source `source`), at wall time now_ms.
 * Rules (docs/protocol.md): an object; "title" string required; "body",
 * "image", "link" strings; "valid_from"/"valid_until" RFC 3339 strings or epoch-ms
 * integers; "priority" integer; "duration_s" number; "languages" array of tags;
 * "id" optional but must equal the topic id; fields starting with "x-" are
 * ignored, any other unknown field is rejected (a typo like "valid_untill" must
 * not make a post live forever).  valid_until in the past or before valid_from
 * is CRIER_ERR_STALE; over-size is CRIER_ERR_LIMIT; invalid UTF-8 / malformed
 * JSON is CRIER_ERR_PARSE; wrong types / ranges are CRIER_ERR_INVAL.
 * On error *out is left zeroed and err_msg (if given) gets a one-line reason. */
crier_err crier_post_parse(const char *buf, size_t len, const char *id, const char *source,
                           int64_t now_ms, crier_item *out, char *err_msg, size_t err_len);

/* Serialises a post (the fields crier_post_parse reads; languages from item->lang,
 * a comma-separated list) as JSON.  Returns malloc()ed text or NULL. */
char *crier_post_write(const crier_item *item);

/* ---- signed posts (post_signed.c) ---- */

/* Does buf look like a signed envelope (a JSON object with a "sig", "kid" or
 * "alg" member)?  Posts and alerts never have such fields, so this is how a
 * kiosk tells a signed post from an unsigned one.  1 or 0. */
int crier_payload_is_envelope(const char *buf, size_t len);

/* Decode an envelope WITHOUT verifying it (crierctl list / lookups; never on
 * a kiosk).  *payload (malloc()ed, NUL-terminated) and *key_id (may be NULL)
 * are the caller's.  CRIER_ERR_PARSE when it is not an envelope. */
crier_err crier_envelope_peek(const char *buf, size_t len, char **payload, size_t *payload_len,
                              char **key_id);

/* A post payload as a kiosk receives it, signed or not:
 *   - an envelope: verified with ring (crier_envelope_open), then the inner
 *     payload goes to crier_post_parse; *issuer (may be NULL) gets the key's
 *     issuer (malloc()ed);
 *   - plain JSON: rejected with CRIER_ERR_AUTH when require_signed, else
 *     crier_post_parse.
 * ring may be NULL (then every envelope is rejected: no trusted keys). */
crier_err crier_post_open(const char *buf, size_t len, const crier_keyring *ring, int require_signed,
                          const char *id, const char *source, int64_t now_ms, crier_item *out, char **issuer,
                          char *err_msg, size_t err_len);

/* ---- signed retractions (retract.c) ----
 *
 * Where posts must be signed, an empty retained message no longer takes a
 * post off a screen: a retraction is a tombstone, a signed envelope (same
 * keys as posts and alerts) whose payload is
 *   {"retract":"<post id>","sent":<epoch ms or RFC 3339>,"by":"<who asked>"}
 * published retained on the post's topic (so it replaces the post on the
 * broker, and a kiosk that was away gets it at its next connect).  "by" is
 * optional (a staff user name, 1..64 bytes of text); "x-" fields are ignored,
 * any other field is rejected.  Replay rules (the kiosk, mqtt_posts.c):
 * "sent" no more than CRIER_RETRACT_MAX_FUTURE_MS ahead of the kiosk clock;
 * a tombstone older than the post it would remove is refused; once a post is
 * retracted, a copy of it sent at or before the tombstone is refused. */
#define CRIER_RETRACT_MAX_BYTES 1024u
#define CRIER_RETRACT_MAX_BY 64
#define CRIER_RETRACT_MAX_FUTURE_MS (5 * 60 * 1000) /* as alerts' max_future_ms */

typedef struct crier_retraction {
    char id[65];                       /* the post it removes (the topic's id) */
    int64_t sent_ms;                   /* when it was sent */
    char by[CRIER_RETRACT_MAX_BY + 1]; /* who asked; "" when not given */
} crier_retraction;

/* Is this (inner, unsigned) payload a retraction: a JSON object with a
 * "retract" member?  1 or 0. */
int crier_payload_is_retraction(const char *buf, size_t len);
/* Parses and checks a retraction payload for post id `id` (from the topic);
 * CRIER_ERR_PARSE / _INVAL / _LIMIT like crier_post_parse; on error *out is zeroed. */
crier_err crier_retraction_parse(const char *buf, size_t len, const char *id, crier_retraction *out, char *err_msg,
                                 size_t err_len);
/* How long a tombstone stays retained on the broker (its MQTT 5 Message
 * Expiry, seconds): until the post it removes would have ended
 * (valid_until_ms, 0 = none) plus CRIER_RETRACT_RETAIN_GRACE_S, at most
 * CRIER_RETRACT_RETAIN_MAX_S, which is also the time for a post without an
 * end.  Long enough for a kiosk that was away to come back and get it. */
#define CRIER_RETRACT_RETAIN_MAX_S (7 * 86400)
#define CRIER_RETRACT_RETAIN_GRACE_S 3600
uint32_t crier_retraction_retain_s(int64_t valid_until_ms, int64_t now_ms);
/* {"retract":..,"sent":..,"by":..}: malloc()ed JSON or NULL. */
char *crier_retraction_write(const crier_retraction *r);
/* A signed retraction as a kiosk receives it: the envelope verified with ring,
 * its payload parsed (crier_retraction_parse), "sent" checked against now_ms
 * (CRIER_ERR_STALE when too far ahead).  *issuer and *key_id (either may be
 * NULL) get the key's issuer and id (malloc()ed).  CRIER_ERR_AUTH when buf is
 * not a verified envelope. */
crier_err crier_retraction_open(const char *buf, size_t len, const crier_keyring *ring, const char *id,
                                int64_t now_ms, crier_retraction *out, char **issuer, char **key_id, char *err_msg,
                                size_t err_len);

#endif
