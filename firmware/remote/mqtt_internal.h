/* mqtt_internal.h - what the files of the MQTT client share (internal to remote/).
 *
 *   mqtt.c            configuration, start/stop, the worker's tick (timers) and
 *                     wait (the socket), publishing for other threads, stats
 *   mqtt_session.c    the connection: connect, back-off, libmosquitto callbacks,
 *                     subscriptions, incoming message dispatch, rejection
 *                     receipts, the orderly goodbye
 *   mqtt_posts.c      the posts table: posts in, retractions, the sweep
 *   mqtt_commands.c   commands in (dedup ring), replies out
 *   mqtt_heartbeat.c  what the heartbeat says (snapshot from the render thread,
 *                     /proc readings) and the once-a-minute heap trim
 *
 * Lock contract: `lock` guards the snapshot fields (show_*, content_ms, alerts)
 * and `stats`; hb_soon is atomic.  Everything under "MQTT thread only" belongs
 * to the worker thread (its callbacks and libmosquitto's, which run inside
 * mosquitto_loop_read/write on that thread).  The lock is never held while
 * calling libmosquitto or another module. */
#ifndef CRIER_MQTT_INTERNAL_H
#define CRIER_MQTT_INTERNAL_H

#include "base/worker.h"
#include "remote/mqtt.h"
#include "remote/protocol.h"

#include <pthread.h>
#include <stdatomic.h>

#define CRIER_MQTT_COMP "mqtt"
#define CRIER_MQTT_MAX_POSTS 2000  /* distinct posts tracked (dedup / retract) */
#define CRIER_MQTT_CMD_RING 32     /* recent command request ids (dedup) */

struct mosquitto;

typedef struct crier_mqtt_post_entry {
    char id[CRIER_NAME_MAX + 1];
    char topic[CRIER_TOPIC_MAX];
    uint64_t hash; /* crier_hash64 of the payload */
    size_t len;
    int seen;      /* re-delivered since the last subscribe (see sweep) */
    int64_t sent_ms; /* the post's "sent" (0 = none): a retraction must not be older */
} crier_mqtt_post_entry;

/* A post retracted with a signature: its id and the tombstone's "sent"; a copy
 * of the post sent at or before it is a replay (mqtt_posts.c). */
#define CRIER_MQTT_MAX_TOMBS 512
typedef struct crier_mqtt_tomb {
    char id[CRIER_NAME_MAX + 1];
    int64_t sent_ms;
} crier_mqtt_tomb;

struct crier_mqtt {
    /* config (immutable after start) */
    char *kiosk, *site, *username, *password, *cafile, *certfile, *keyfile;
    crier_broker_url url;
    int protocol_cfg, keepalive_s, heartbeat_s, session_expiry_s, reconnect_min_ms, reconnect_max_ms;
    size_t screenshot_max;
    crier_mailbox *mailbox;
    crier_proofplay *proofplay;
    char *(*feeds_json)(void *ud);
    void *feeds_ud;
    char **extra_filters;
    size_t extra_count;
    int (*on_extra)(void *, const char *, const void *, size_t, int);
    void *extra_ud;
    const crier_keyring *post_keyring; /* borrowed, read-only */
    int require_signed_posts;
    char topic_status[CRIER_TOPIC_MAX], topic_heartbeat[CRIER_TOPIC_MAX], topic_rejected[CRIER_TOPIC_MAX];
    int64_t start_mono_ms;

    struct mosquitto *mosq; /* thread-safe for publishing (mosquitto_threaded_set) */
    crier_worker *worker;

    pthread_mutex_t lock;
    atomic_int hb_soon;                       /* a heartbeat is wanted now */
    char *show_id, *show_source, *show_title; /* guarded by lock */
    int64_t show_since_ms, content_ms;        /* guarded by lock */
    int alerts;                               /* guarded by lock; -1 unknown */
    crier_mqtt_stats stats;                   /* guarded by lock */

    /* MQTT thread only */
    int protocol;      /* MQTT_PROTOCOL_V5 or MQTT_PROTOCOL_V311 */
    int sock_up;       /* TCP/TLS connection exists (CONNACK may be pending) */
    int session_ok;    /* CONNACK accepted */
    int fallback_now;  /* reconnect at once with 3.1.1 */
    int backoff_ms;
    int64_t retry_at;  /* mono ms of the next connection attempt */
    int64_t next_hb, next_flush, next_trim; /* mono ms; next_hb 0 = at once */
    int sub_mid;       /* our post/command subscription */
    int64_t sweep_at;  /* mono ms: retract posts not re-delivered since subscribing; 0 = none */
    crier_mqtt_post_entry *posts;
    size_t nposts;
    crier_mqtt_tomb tombs[CRIER_MQTT_MAX_TOMBS]; /* ring, oldest overwritten */
    size_t ntombs, tomb_next;
    char cmd_ring[CRIER_MQTT_CMD_RING][CRIER_NAME_MAX + 1];
    size_t cmd_next;
    int64_t reject_window_ms;
    int reject_in_window;
    uint64_t reject_suppressed;
    int offline_mid;   /* mid of the final "offline" publish */
    int offline_acked;
};

/* ---- mqtt.c ---- */
/* libmosquitto publish (any thread); returns a MOSQ_ERR_* code. */
int crier_mqtt__publish_raw(crier_mqtt *mq, const char *topic, const void *payload, size_t len, int qos, int retain,
                            int *mid);
/* Publishes json (taken, freed; NULL ignored); failures are logged at debug level. */
void crier_mqtt__publish_json(crier_mqtt *mq, const char *topic, char *json, int qos, int retain);
void crier_mqtt__stat_inc(crier_mqtt *mq, uint64_t *field);
void crier_mqtt__set_error(crier_mqtt *mq, const char *msg);

/* ---- mqtt_session.c ---- */
/* Installs the libmosquitto callbacks. */
void crier_mqtt__callbacks_set(crier_mqtt *mq);
/* Opens the connection (blocking TCP/TLS connect; CONNECT is queued). 0 or -1. */
int crier_mqtt__try_connect(crier_mqtt *mq);
/* Next reconnect delay in ms (exponential back-off with jitter). */
int crier_mqtt__next_backoff(crier_mqtt *mq);
/* Waits up to timeout_ms for the socket (and wake_fd when >= 0) and runs
 * libmosquitto's read, write and keep-alive steps.  MOSQ_ERR_* code. */
int crier_mqtt__pump(crier_mqtt *mq, int wake_fd, int timeout_ms);
/* The connection failed (rc from pump): drop the socket, schedule a retry. */
void crier_mqtt__connection_lost(crier_mqtt *mq, int rc);
/* Subscribes to the post, command and extra filters (again). */
void crier_mqtt__subscribe_all(crier_mqtt *mq);
/* Retained "offline", then DISCONNECT (so the broker sends no Will). */
void crier_mqtt__goodbye(crier_mqtt *mq);
/* Logs a rejection and publishes a receipt (rate limited). */
void crier_mqtt__reject(crier_mqtt *mq, const char *topic, const char *id, crier_err code, const char *reason,
                        size_t bytes);

/* ---- mqtt_posts.c ---- */
void crier_mqtt__handle_post(crier_mqtt *mq, const crier_topic *t, const char *topic, const void *payload,
                             size_t len);
/* Marks every tracked post unseen (a subscribe re-delivers the retained set). */
void crier_mqtt__posts_unsee(crier_mqtt *mq);
/* Retracts tracked posts the broker did not re-deliver. */
void crier_mqtt__sweep(crier_mqtt *mq);

/* ---- mqtt_commands.c ---- */
void crier_mqtt__handle_command(crier_mqtt *mq, const crier_topic *t, const char *topic, const void *payload,
                                size_t len);

/* ---- mqtt_heartbeat.c ---- */
void crier_mqtt__send_heartbeat(crier_mqtt *mq);
void crier_mqtt__trim_heap(void);

#endif
