/* alerts.h - the kiosk's emergency alert service (issue 6, docs/alerts.md).
 *
 * crier_alerts_start() loads the trusted keys (one *.pub per issuer) and the
 * persisted alert state, posts the current snapshot to the render mailbox at
 * once (before any broker is contacted), and starts one thread that owns the
 * alert set.  Signed alert envelopes arrive from the MQTT thread (through the
 * hooks crier_alerts_mqtt_hooks() puts into the MQTT config), are copied and
 * queued, and the alert thread verifies (crier_envelope_open), parses
 * (crier_alert_parse), applies the rules (crier_alert_set_apply), hands the
 * renderer a new snapshot, persists the state (atomic write), and publishes a
 * receipt per alert message.  Expiry runs on the kiosk's own clock, broker or
 * not.
 *
 * To the render thread, through cfg->mailbox:
 *   CRIER_MSG_ALERTS  source "alerts", key = snapshot generation (decimal text,
 *                     1, 2, 3, ...; crier_alerts_msg_generation() reads it),
 *                     payload crier_alert_list* (alerts/alert_set.h, owned by the
 *                     message, display order, only displayable alerts; an empty
 *                     list means "no alert"), payload_free crier_alert_list_free_void.
 *                     Each message replaces the previous snapshot entirely.
 *
 * From the render thread (non-blocking: a malloc and a short mutex):
 *   crier_alerts_snapshot_presented(al, generation, presented_ms) once the
 *   first frame drawn from that snapshot (or a later one) was presented; this
 *   publishes the receipts of every accepted Alert, Update and Cancel that the
 *   snapshot reflects, with presented_ms.  crier_alerts_presented() does the
 *   same for one alert by sender + identifier.  Receipts of accepted messages
 *   not reported presented within present_timeout_ms go out without
 *   presented_ms.
 *
 * Receipts: crier/v1/kiosk/<kiosk>/receipt/<topic id of the message> (QoS 1,
 * not retained), JSON by crier_receipt_write (docs/protocol.md "Receipts").
 * Every rejection is also a log line naming the issuer when the signature was
 * good, and an alert_rejected event.
 *
 * Threads: one worker (base/worker.h, "crier-alerts"); start/stop from the
 * main thread; the hooks run on the MQTT thread; presented/active_count from
 * any thread.  Its lock is a leaf: the service never holds it while calling
 * MQTT, the mailbox or the event log (publications are collected under the
 * lock and published after it; alerts.c).
 *
 * The parts: alerts.c (lifecycle, worker, these calls), alerts_intake.c (one
 * message), alerts_order.c (retained bursts), alerts_snapshot.c (snapshots,
 * state file), alerts_receipts.c (receipts); the rules they apply are
 * alerts/alert_rules.h and alerts/alert_set.h.
 *
 * Ownership: the config's strings are copied; mailbox and events are borrowed
 * and must outlive crier_alerts_stop(); the keyring returned by
 * crier_alerts_keyring() lives until crier_alerts_stop(). */
#ifndef CRIER_ALERTS_H
#define CRIER_ALERTS_H

#include "base/error.h"
#include "base/eventlog.h"
#include "base/mailbox.h"
#include "remote/sign.h"
#include "remote/mqtt.h"

#include <stddef.h>
#include <stdint.h>

typedef struct crier_alerts crier_alerts;

typedef struct crier_alerts_cfg {
    const char *keys_dir;       /* alert_keys_dir: trusted *.pub keys; missing/empty = no keys (every
                                   alert and signed post is rejected, logged at start) */
    const char *state_path;     /* <state_dir>/alerts.json; NULL = not persisted */
    const char *kiosk;          /* required: kiosk id (scope kiosk:<id>, receipts) */
    const char *site;           /* site id or NULL (scope site:<id>) */
    int show_tests;             /* alert_show_tests */
    int64_t max_future_ms;      /* alert_max_future_s * 1000; 0 = 300000 */
    int64_t default_ttl_ms;     /* alert_default_ttl_s * 1000 (0 = until cancelled) */
    int require_signed_posts;   /* require_signed_posts: -1 auto (required when a key was loaded), 0, 1 */
    int64_t present_timeout_ms; /* receipt without presented_ms after this; 0 = 10000 */
    crier_mailbox *mailbox;     /* required: the render mailbox */
    crier_eventlog *events;     /* may be NULL: alert_received / alert_rejected (alert_presented
                                   is the renderer's) */
} crier_alerts_cfg;

/* Loads keys and state, posts the first snapshot, starts the thread.  On
 * failure *out is NULL and err (may be NULL) says why: CRIER_ERR_INVAL (bad
 * config), CRIER_ERR_NOMEM, CRIER_ERR_UNSUPPORTED (no libsodium),
 * CRIER_ERR_IO (no thread).  A missing key folder or state file is not a
 * failure. */
crier_err crier_alerts_start(crier_alerts **out, const crier_alerts_cfg *cfg, char *err, size_t err_len);
/* Stop is a message: the worker ends, is joined, everything is freed (pending
 * receipts are dropped).  Call after crier_mqtt_stop() (the hooks point into
 * al).  NULL-safe. */
void crier_alerts_stop(crier_alerts *al);

/* Fills mc->extra_filters / extra_filter_count / on_extra / extra_ud (the
 * three alert topic filters for this kiosk) and mc->post_keyring /
 * require_signed_posts.  The filter strings live in al. */
void crier_alerts_mqtt_hooks(crier_alerts *al, crier_mqtt_cfg *mc);
/* The client to publish receipts with, once it exists (receipts produced
 * before are kept, at most 64, and sent then).  NULL detaches: when it
 * returns, no publish to the old client is in progress or will start, so the
 * caller may stop and free it. */
void crier_alerts_set_mqtt(crier_alerts *al, crier_mqtt *mq);

/* Feed one message as if it came from the broker (what the MQTT hook does;
 * for tests and other transports).  Copies payload.  CRIER_ERR_FULL when 4096
 * messages are queued, CRIER_ERR_INVAL if topic is not an alert topic. */
crier_err crier_alerts_submit(crier_alerts *al, const char *topic, const void *payload, size_t len, int retained);

/* The render thread presented a frame showing snapshot `generation`. */
void crier_alerts_snapshot_presented(crier_alerts *al, uint64_t generation, int64_t presented_ms);
/* The render thread presented a frame showing this alert. */
void crier_alerts_presented(crier_alerts *al, const char *sender, const char *identifier, int64_t presented_ms);
/* The generation in a CRIER_MSG_ALERTS message's key (0 if none). */
uint64_t crier_alerts_msg_generation(const crier_msg *msg);

/* Displayable alerts in the last snapshot. */
int crier_alerts_active_count(crier_alerts *al);
/* Trusted keys (for signed posts); NULL-safe. */
const crier_keyring *crier_alerts_keyring(crier_alerts *al);
/* The effective require_signed_posts (auto resolved). */
int crier_alerts_require_signed_posts(crier_alerts *al);

typedef struct crier_alerts_stats {
    uint64_t received, accepted, ignored, rejected, duplicates, expired, receipts, saves, save_errors;
    uint64_t generation;
} crier_alerts_stats;
void crier_alerts_get_stats(crier_alerts *al, crier_alerts_stats *out);

#endif
