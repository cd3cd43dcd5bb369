/* protocol.h - Crier's MQTT protocol: topic names, scopes and payload schemas.
 *
 * Pure logic (no mosquitto header): the kiosk's MQTT thread (remote/mqtt.c) and the
 * staff tool (tools/crierctl) share these builders, parsers and validators, so a
 * post crierctl accepts is exactly a post a kiosk accepts.  docs/protocol.md is
 * the reference for every topic, payload, QoS and retain flag.
 *
 * Topics (prefix CRIER_TOPIC_PREFIX = "crier/v1"):
 *   crier/v1/all/post/<id>                   post for every screen   (retained, QoS 1)
 *   crier/v1/site/<site>/post/<id>           post for one site       (retained, QoS 1)
 *   crier/v1/kiosk/<kiosk>/post/<id>         post for one kiosk      (retained, QoS 1)
 *   crier/v1/kiosk/<kiosk>/status            online/offline + LWT    (retained, QoS 1)
 *   crier/v1/kiosk/<kiosk>/heartbeat         periodic health         (retained, QoS 0)
 *   crier/v1/kiosk/<kiosk>/cmd/<name>        command to one kiosk    (QoS 1)
 *   crier/v1/kiosk/<kiosk>/reply/<req>       command reply (JSON)    (QoS 1)
 *   crier/v1/kiosk/<kiosk>/screenshot/<req>  screenshot PNG bytes    (QoS 1)
 *   crier/v1/kiosk/<kiosk>/rejected          rejection receipts      (QoS 1)
 *   crier/v1/all/alert/<tid>                 signed alert, every screen (retained, QoS 1)
 *   crier/v1/site/<site>/alert/<tid>         signed alert, one site  (retained, QoS 1)
 *   crier/v1/kiosk/<kiosk>/alert/<tid>       signed alert, one kiosk (retained, QoS 1)
 *   crier/v1/kiosk/<kiosk>/receipt/<tid>     alert receipt (JSON)    (QoS 1)
 * An empty retained payload on a post topic retracts that post.  <tid> is an
 * alert's topic id (crier_alert_topic_id); an Update or Cancel is published on
 * the topic of the alert it supersedes, so the retained message there is always
 * the latest word on that alert (docs/protocol.md "Alerts").
 *
 * Names (ids, sites, kiosks, request ids, command names) are 1..64 bytes of
 * [A-Za-z0-9_.-], never "." or ".." and never MQTT wildcards or '/'.
 *
 * Ownership: builders write into caller buffers; crier_post_parse() fills a
 * caller-owned crier_item (free with crier_item_clear()); writers return
 * malloc()ed NUL-terminated JSON the caller free()s. */
#ifndef CRIER_PROTOCOL_H
#define CRIER_PROTOCOL_H

#include "content/content.h"
#include "base/error.h"
#include "remote/sign.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_TOPIC_PREFIX "crier/v1"
#define CRIER_NAME_MAX 64          /* bytes in an id / site / kiosk / request id */
#define CRIER_TOPIC_MAX 256        /* bytes in any topic we build (with NUL) */

/* Post payload limits (docs/protocol.md). */
#define CRIER_POST_MAX_BYTES (64u * 1024u) /* whole JSON payload */
#define CRIER_POST_MAX_TITLE 300           /* bytes */
#define CRIER_POST_MAX_BODY (16u * 1024u)  /* bytes */
#define CRIER_POST_MAX_URL 2048            /* bytes */
#define CRIER_POST_MAX_LANGS 8
#define CRIER_POST_MAX_DEPTH 4             /* JSON nesting */
#define CRIER_POST_MIN_DURATION_S 1
#define CRIER_POST_MAX_DURATION_S 3600
#define CRIER_POST_MIN_PRIORITY (-100)
#define CRIER_POST_MAX_PRIORITY 100

/* Command payload limit and the most an offline-queued command may lag. */
#define CRIER_CMD_MAX_BYTES 4096u
#define CRIER_CMD_MAX_AGE_MS (5 * 60 * 1000)

typedef enum crier_scope {
    CRIER_SCOPE_ALL = 0,
    CRIER_SCOPE_SITE,
    CRIER_SCOPE_KIOSK,
} crier_scope;

typedef enum crier_topic_kind {
    CRIER_TOPIC_UNKNOWN = 0,
    CRIER_TOPIC_POST,       /* scope, target (site/kiosk; "" for all), name = post id */
    CRIER_TOPIC_STATUS,     /* target = kiosk */
    CRIER_TOPIC_HEARTBEAT,  /* target = kiosk */
    CRIER_TOPIC_CMD,        /* target = kiosk, name = command name */
    CRIER_TOPIC_REPLY,      /* target = kiosk, name = request id */
    CRIER_TOPIC_SCREENSHOT, /* target = kiosk, name = request id */
    CRIER_TOPIC_REJECTED,   /* target = kiosk */
    CRIER_TOPIC_ALERT,      /* scope, target (site/kiosk; "" for all), name = alert topic id */
    CRIER_TOPIC_RECEIPT,    /* target = kiosk, name = alert topic id */
} crier_topic_kind;

typedef struct crier_topic {
    crier_topic_kind kind;
    crier_scope scope;
    char target[CRIER_NAME_MAX + 1];
    char name[CRIER_NAME_MAX + 1];
} crier_topic;

/* Is s a valid name (see above)? 1 or 0. */
int crier_name_valid(const char *s);

const char *crier_scope_name(crier_scope scope); /* "all", "site", "kiosk" */

/* Topic builders: write a NUL-terminated topic into buf.  CRIER_ERR_INVAL when a
 * name is invalid (NULL allowed only where noted), CRIER_ERR_LIMIT when buf is small. */
crier_err crier_topic_post(char *buf, size_t len, crier_scope scope, const char *target, const char *id);
/* Subscription filter for every post of a scope ("crier/v1/site/<site>/post/+"). */
crier_err crier_topic_post_filter(char *buf, size_t len, crier_scope scope, const char *target);
/* kind is one of STATUS, HEARTBEAT, REJECTED (name unused, may be NULL) or CMD,
 * REPLY, SCREENSHOT, RECEIPT (name required; "+" allowed for filters). */
crier_err crier_topic_kiosk(char *buf, size_t len, crier_topic_kind kind, const char *kiosk, const char *name);

/* Parses a topic.  CRIER_ERR_PARSE when it is not a Crier v1 topic or a name
 * in it is invalid; *out is then zeroed (kind UNKNOWN). */
crier_err crier_topic_parse(const char *topic, crier_topic *out);

/* Is a parsed post (or alert) topic addressed to this kiosk (all, its site, or itself)? */
int crier_topic_is_for(const crier_topic *t, const char *site, const char *kiosk);

/* ---- alerts (docs/protocol.md "Alerts", docs/alerts.md) ---------------------
 *
 * Alert topic: crier/v1/<scope...>/alert/<tid>; id may be "+" for a filter. */
crier_err crier_topic_alert(char *buf, size_t len, crier_scope scope, const char *target, const char *tid);
/* The topic id of an alert: its identifier when that is a valid name not
 * starting with "h-", else "h-" + 32 hex digits of BLAKE2b-128(sender "\n"
 * identifier).  out needs CRIER_NAME_MAX + 1 bytes.  CRIER_ERR_INVAL for NULL. */
crier_err crier_alert_topic_id(const char *sender, const char *identifier, char *out, size_t out_len);

/* A receipt: what one kiosk did with one alert message.  Strings may be NULL
 * (left out).  presented_ms = 0: not (yet) presented (left out). */
typedef struct crier_receipt {
    const char *kiosk, *site;
    const char *identifier, *sender, *msg_type, *status;
    const char *issuer, *key_id;    /* from the kiosk's key file; NULL if unknown */
    const char *verdict;            /* "accepted", "ignored", "rejected" */
    const char *reason;             /* one line; NULL when accepted without remark */
    crier_err code;                 /* CRIER_OK when accepted */
    int64_t sent_ms, received_ms, presented_ms, ts_ms;
    size_t bytes;
} crier_receipt;
/* {"kiosk","site","identifier","sender","msgType","status","issuer","keyId",
 *  "verdict","reason","code","sent_ms","received_ms","presented_ms","bytes","ts"}.
 * Strings that are not valid UTF-8 are left out.  malloc()ed, NULL on failure. */
char *crier_receipt_write(const crier_receipt *r);

/* ---- signed payloads (envelopes, remote/sign.h) -------------------------------- */

/* Largest envelope that can hold a full-size post. */
#define CRIER_POST_ENVELOPE_MAX_BYTES (CRIER_POST_MAX_BYTES / 3u * 4u + 1024u)

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

/* Valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF)?  NUL bytes are refused. */
int crier_utf8_valid(const char *s, size_t len);

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

/* A command to one kiosk, parsed from crier/v1/kiosk/<k>/cmd/<name>. */
typedef struct crier_command {
    char name[CRIER_NAME_MAX + 1]; /* "screenshot", "reload", "identify" */
    char req[CRIER_NAME_MAX + 1];  /* request id the reply topics use */
    int32_t seconds;               /* identify: how long to show the id (default 10) */
    int64_t sent_ms;               /* wall ms the sender stamped; 0 = unknown */
} crier_command;

/* Is name a command kiosks understand? */
int crier_command_known(const char *name);
/* Parses {"req":"..","sent":ms,"seconds":n}; rejects stale (older than
 * CRIER_CMD_MAX_AGE_MS) and unknown commands. */
crier_err crier_command_parse(const char *name, const char *buf, size_t len, int64_t now_ms,
                              crier_command *out, char *err_msg, size_t err_len);
char *crier_command_write(const char *req, int64_t sent_ms, int32_t seconds);

/* Payload writers (malloc()ed JSON, NULL on allocation failure). */
/* Retained status: {"kiosk","site","state":"online"|"offline","ts","version"} */
char *crier_status_write(const char *kiosk, const char *site, int online, int64_t ts_ms, const char *version);
/* Rejection receipt: {"kiosk","topic","id","error","code","bytes","ts"}; id may be NULL. */
char *crier_rejection_write(const char *kiosk, const char *topic, const char *id, crier_err code,
                            const char *reason, size_t bytes, int64_t ts_ms);
/* Command reply: {"kiosk","req","cmd","ok","error","bytes","ts"}; error may be NULL. */
char *crier_reply_write(const char *kiosk, const char *req, const char *cmd, int ok, const char *error,
                        size_t bytes, int64_t ts_ms);

/* What the heartbeat reports; strings may be NULL, *_json are raw JSON texts
 * inserted verbatim when they parse (dropped otherwise). */
typedef struct crier_heartbeat {
    const char *kiosk, *site, *version;
    int64_t ts_ms;
    int64_t uptime_s;
    const char *showing_id, *showing_source, *showing_title;
    int64_t showing_since_ms;  /* 0 = nothing shown yet */
    int64_t content_age_s;     /* -1 = unknown */
    const char *feeds_json;    /* per-source feed status, opaque */
    int32_t alerts;            /* active alerts; -1 = unknown */
    int64_t mem_free_kb;       /* -1 = unknown */
    double temp_c;             /* NaN = unknown */
    const char *proofplay_json;
    int mqtt_protocol;         /* 5 or 4 (3.1.1) */
} crier_heartbeat;
char *crier_heartbeat_write(const crier_heartbeat *hb);

/* Broker URL "mqtt://host[:port]" (1883) or "mqtts://host[:port]" (8883);
 * "host[:port]" alone means mqtt://.  IPv6 as "[::1]:1883". */
typedef struct crier_broker_url {
    char host[256];
    int port;
    int tls;
} crier_broker_url;
crier_err crier_broker_url_parse(const char *url, crier_broker_url *out);

#endif
