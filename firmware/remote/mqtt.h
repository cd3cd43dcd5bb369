/* mqtt.h - the kiosk's MQTT client thread (libmosquitto).
 *
 * crier_mqtt_start() starts one worker thread (base/worker.h) that owns the
 * connection: MQTT 5 (falls back to 3.1.1 when the broker refuses v5),
 * persistent session (client id = kiosk id, clean start off, session expiry),
 * QoS 1, optional TLS and username/password, reconnect with exponential
 * back-off and jitter, a retained "online" status with a Last Will "offline",
 * and subscriptions to the all / site / kiosk post topics and the kiosk's
 * command topics (docs/protocol.md).
 *
 * Incoming messages are parsed and validated on that thread; only owned data
 * reaches the render thread, through cfg->mailbox:
 *   CRIER_MSG_ITEM_UPSERT   source "mqtt", key = post id, payload crier_item*
 *                           (heap; payload_free frees it; kind POST, source "mqtt")
 *   CRIER_MSG_ITEM_RETRACT  source "mqtt", key = post id (empty retained payload)
 *   CRIER_MSG_COMMAND       source "mqtt", key "screenshot"|"reload"|"identify",
 *                           payload crier_command* (remote/command.h; req id,
 *                           identify seconds)
 * Duplicates (same post id, topic and payload bytes; same command request id)
 * are dropped.  Bad input is logged and answered on the kiosk's "rejected"
 * topic (posts) or "reply/<req>" topic (commands); what is on screen is never
 * touched by a bad message.
 *
 * The report/reply/publish functions below may be called from any thread (the
 * render thread included): they only copy into a snapshot under a short mutex
 * or queue an outgoing packet inside libmosquitto and wake the worker; they
 * never wait for the network and never call back into the caller.
 *
 * Threads and locks: the worker thread calls cfg->on_extra (the alert service),
 * cfg->feeds_json, crier_proofplay_* and posts into cfg->mailbox, never while
 * holding its own lock; its lock is a leaf (held only to copy the snapshot and
 * the stats).  So another module may call the functions below while holding
 * its own lock.
 *
 * Ownership: the config's strings are copied at start; mailbox, proofplay and
 * post_keyring are borrowed and must outlive crier_mqtt_stop(). */
#ifndef CRIER_MQTT_H
#define CRIER_MQTT_H

#include "base/error.h"
#include "base/mailbox.h"
#include "remote/sign.h"
#include "remote/proofplay.h"

#include <stddef.h>
#include <stdint.h>

typedef struct crier_mqtt crier_mqtt;

typedef struct crier_mqtt_cfg {
    const char *broker;        /* "mqtt://host:port" or "mqtts://host:port" (required) */
    const char *kiosk;         /* kiosk id, also the MQTT client id (required, a protocol name) */
    const char *site;          /* site name or NULL (no site scope) */
    const char *username;      /* NULL = anonymous */
    const char *password;      /* wins over password_file */
    const char *password_file; /* first line is the password */
    const char *cafile;        /* CA bundle for TLS; NULL with mqtts:// = system CAs */
    const char *certfile;      /* optional client certificate (with keyfile) */
    const char *keyfile;
    int protocol;              /* 0 = auto (5, fallback 3.1.1), 5, or 4 (= 3.1.1 only) */
    int keepalive_s;           /* 0 = 30 */
    int heartbeat_s;           /* 0 = 60 */
    int session_expiry_s;      /* 0 = 86400 (MQTT 5) */
    int reconnect_min_ms;      /* 0 = 1000 */
    int reconnect_max_ms;      /* 0 = 60000 */
    size_t screenshot_max_bytes; /* 0 = 4 MiB */
    crier_mailbox *mailbox;    /* required: where items and commands go */
    crier_proofplay *proofplay; /* optional: flushed every 2 s, summarised in heartbeats */
    /* Optional: per-source feed status as a malloc()ed JSON text (caller of the
     * callback frees it); called on the MQTT thread at each heartbeat. */
    char *(*feeds_json)(void *ud);
    void *feeds_ud;
    /* Optional hook for other modules (alerts, issue 6): extra subscription
     * filters (QoS 1) and a handler for every message whose topic is not a
     * Crier post/command topic.  Runs on the MQTT thread; payload is only valid
     * during the call.  Return 0 if handled, -1 if not (logged as unexpected). */
    const char *const *extra_filters;
    size_t extra_filter_count;
    int (*on_extra)(void *ud, const char *topic, const void *payload, size_t len, int retained);
    void *extra_ud;
    /* Signed staff posts (issue 6; docs/protocol.md "Signed posts"): a post
     * payload that is an envelope is verified with post_keyring (borrowed; must
     * outlive crier_mqtt_stop; NULL = no trusted keys) and its inner payload
     * parsed as a post.  require_signed_posts: 1 = unsigned posts are rejected,
     * 0 = accepted (signed ones are still verified).  crier_alerts_mqtt_hooks()
     * fills both. */
    const crier_keyring *post_keyring;
    int require_signed_posts;
} crier_mqtt_cfg;

/* Validates the config, copies it and starts the thread.  The broker need not
 * be reachable: the thread keeps trying.  err may be NULL; on failure *out is
 * NULL and err says why: CRIER_ERR_INVAL on a bad config, CRIER_ERR_IO when
 * password_file/cafile cannot be read, CRIER_ERR_NOMEM. */
crier_err crier_mqtt_start(crier_mqtt **out, const crier_mqtt_cfg *cfg, char *err, size_t err_len);
/* Stop is the worker's quit message: the thread publishes the retained
 * "offline" status, disconnects cleanly (so the Will is not sent) and exits;
 * then everything is freed.  NULL-safe.  Takes up to ~1.5 s with a broker. */
void crier_mqtt_stop(crier_mqtt *mq);

/* --- reports from the render thread (non-blocking) --- */
/* What is on screen now (NULL id = nothing).  Strings are copied. */
void crier_mqtt_report_showing(crier_mqtt *mq, const char *id, const char *source, const char *title);
/* Wall time of the newest content the kiosk has (for "content age"). */
void crier_mqtt_report_content_updated(crier_mqtt *mq, int64_t wall_ms);
/* Active alerts count (issue 6). */
void crier_mqtt_report_alerts(crier_mqtt *mq, int count);
/* Ask for a heartbeat as soon as possible (e.g. right after a change). */
void crier_mqtt_heartbeat_soon(crier_mqtt *mq);

/* --- replies to commands (non-blocking) --- */
/* Publishes png (copied) to crier/v1/kiosk/<kiosk>/screenshot/<req> and an ok
 * reply; over screenshot_max_bytes it publishes an error reply instead and
 * returns CRIER_ERR_LIMIT.  png == NULL means "screenshot failed". */
crier_err crier_mqtt_reply_screenshot(crier_mqtt *mq, const char *req, const void *png, size_t len);
/* A JSON reply to crier/v1/kiosk/<kiosk>/reply/<req>. */
crier_err crier_mqtt_reply(crier_mqtt *mq, const char *req, const char *cmd, int ok, const char *error);
/* Any publish (issue 6 receipts).  Payload copied.  CRIER_ERR_NET if it could
 * not be queued (e.g. QoS 0 while disconnected). */
crier_err crier_mqtt_publish(crier_mqtt *mq, const char *topic, const void *payload, size_t len, int qos,
                             int retain);

typedef struct crier_mqtt_stats {
    int connected;            /* CONNACK accepted and not lost since */
    int protocol;             /* 5 or 4 (3.1.1) of the current/last connection */
    uint64_t connects;        /* successful CONNACKs */
    uint64_t connect_failures;
    uint64_t posts, retracts, commands; /* forwarded to the mailbox */
    uint64_t duplicates;      /* dropped as duplicates */
    uint64_t rejected;        /* bad messages (each logged, most answered) */
    uint64_t heartbeats;
    int64_t last_connect_ms;  /* wall ms */
    char last_error[160];     /* last rejection / connection error text */
} crier_mqtt_stats;
void crier_mqtt_get_stats(crier_mqtt *mq, crier_mqtt_stats *out);

/* Reads the first line of a password file (trailing CR/LF removed) into a
 * malloc()ed string.  CRIER_ERR_IO / CRIER_ERR_LIMIT (over 1 KiB). */
crier_err crier_mqtt_read_password(const char *path, char **out);

#endif
