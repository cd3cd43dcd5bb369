/* alert_set.h - the kiosk's set of active alerts and the rules that change it.
 *
 * crier_alert_set_apply() takes an alert whose envelope was verified and decides,
 * at wall time now, whether it is shown: it rejects replays (an identifier seen
 * before, or a per-sender sequence number not greater than the last accepted
 * one), alerts that have expired, alerts sent too far in the future, alerts for
 * another kiosk or site, and alerts cancelled or superseded before they arrived;
 * Updates replace what they reference, Cancels remove it.  Expiry runs on the
 * kiosk's own clock (crier_alert_set_expire / _next_deadline).  The active set
 * and the replay memory persist across restarts (crier_alert_set_save / _load).
 * Rules and their reasons: docs/alerts.md.
 *
 * Threads: a set is not locked; one thread (the alert/MQTT thread) owns it and
 * hands snapshots (owned copies) to the render thread.
 *
 * Which alerts are displayable, and when one has expired, is decided by
 * alerts/alert_rules.h.  Rules here; persistence in alert_set_store.c.
 *
 * Ownership: _apply consumes the alert in every case.  Snapshots are owned by
 * the caller (crier_alert_list_free, or crier_alert_list_free_void as a mailbox
 * payload_free).  Pointers from crier_alert_set_get() live until the next call
 * that changes the set. */
#ifndef CRIER_ALERT_SET_H
#define CRIER_ALERT_SET_H

#include "alerts/alert_rules.h"
#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_ALERT_NO_DEADLINE INT64_MAX
#define CRIER_ALERT_STATE_MAX_BYTES (32u * 1024u * 1024u)

typedef struct crier_alert_set_opts {
    const char *kiosk_id;     /* this kiosk (copied); NULL: only scope "all" matches */
    const char *site_id;      /* its site (copied); NULL: no site scope matches */
    int show_tests;           /* 1: Test/Exercise alerts are shown (with a band); 0: ignored */
    int64_t max_future_ms;    /* reject sent > now + this (default 5 min) */
    int64_t default_ttl_ms;   /* info without expires lasts sent + this (default 24 h; 0 = forever) */
    size_t max_active;        /* default 64 */
    size_t max_seen;          /* identifiers remembered for replay detection (default 4096) */
    size_t max_senders;       /* senders whose sequence is remembered (default 1024) */
    /* Out-of-order tolerance of the per-sender sequence: a new identifier is
     * refused as a replay only when its seq is more than this below the
     * highest accepted (0 = strictly increasing).  Identifiers seen within the
     * window are caught by the identifier memory.  Senders that send from
     * several desks at once, and retained copies a broker re-sends in topic
     * order, need a window; the kiosk uses 10 minutes (seq = send time in ms). */
    int64_t seq_window;
} crier_alert_set_opts;

typedef enum crier_alert_verdict {
    CRIER_ALERT_ACCEPTED = 0,
    CRIER_ALERT_IGNORED,          /* Test/Exercise with show_tests = 0, System, Draft, Ack, Error */
    CRIER_ALERT_REJECT_INVALID,   /* failed crier_alert_validate */
    CRIER_ALERT_REJECT_SCOPE,     /* for another kiosk or site */
    CRIER_ALERT_REJECT_FUTURE,    /* sent more than max_future_ms ahead of the kiosk clock */
    CRIER_ALERT_REJECT_REPLAY_ID, /* this sender+identifier was seen before */
    CRIER_ALERT_REJECT_REPLAY_SEQ,/* seq not greater than the sender's last accepted seq */
    CRIER_ALERT_REJECT_CANCELLED, /* a Cancel or Update referencing it arrived first */
    CRIER_ALERT_REJECT_EXPIRED,   /* every info block has expired */
    CRIER_ALERT_REJECT_FULL,      /* max_active alerts, all ranking above this one */
} crier_alert_verdict;

typedef struct crier_alert_result {
    crier_alert_verdict verdict;
    int changed;      /* the displayable set changed: send the renderer a new snapshot */
    size_t removed;   /* alerts removed by this Update/Cancel (or evicted) */
    char reason[200]; /* one line for the log and the rejection receipt */
} crier_alert_result;

typedef struct crier_alert_set crier_alert_set;

void crier_alert_set_opts_default(crier_alert_set_opts *opts);
crier_alert_set *crier_alert_set_new(const crier_alert_set_opts *opts); /* NULL opts: defaults */
void crier_alert_set_free(crier_alert_set *set);                         /* NULL-safe */

/* Apply a verified alert at wall time now_ms.  issuer / key_id (copied, may be
 * NULL) come from crier_envelope_open and are kept with the alert for the audit
 * trail.  Always consumes alert.  Returns CRIER_OK for ACCEPTED and IGNORED;
 * CRIER_ERR_STALE for FUTURE, REPLAY_*, CANCELLED, EXPIRED; CRIER_ERR_INVAL for
 * INVALID and SCOPE; CRIER_ERR_FULL for FULL; CRIER_ERR_NOMEM.  *res (may be
 * NULL) gets the verdict and reason. */
crier_err crier_alert_set_apply(crier_alert_set *set, crier_alert *alert, const char *issuer,
                                const char *key_id, int64_t now_ms, crier_alert_result *res);
/* Remove every alert whose expiry (crier_alert_expiry) is <= now_ms; returns the
 * number removed (so non-zero means "changed"). */
size_t crier_alert_set_expire(crier_alert_set *set, int64_t now_ms);
/* The next wall time > now_ms at which the displayable set changes by itself
 * (an expiry or an alert becoming effective), or CRIER_ALERT_NO_DEADLINE. */
int64_t crier_alert_set_next_deadline(const crier_alert_set *set, int64_t now_ms);

/* Active alerts in display order, including ones not yet effective. */
size_t crier_alert_set_count(const crier_alert_set *set);
const crier_alert *crier_alert_set_get(const crier_alert_set *set, size_t index);
/* A deep copy of the alerts displayable at now_ms (crier_alert_displayable:
 * not expired, and effective or in on_screen, the previous snapshot; NULL =
 * nothing on screen yet), in display order.  *out is owned by the caller. */
crier_err crier_alert_set_snapshot(const crier_alert_set *set, int64_t now_ms, const crier_alert_seen *on_screen,
                                   crier_alert_list **out);
/* 1 when a snapshot taken now would hold other alerts than on_screen. */
int crier_alert_set_snapshot_changed(const crier_alert_set *set, int64_t now_ms, const crier_alert_seen *on_screen);

/* Persist the active set and the replay memory (seen identifiers, last sequence
 * per sender) atomically (temp file, fsync, rename, mode 0600). */
crier_err crier_alert_set_save(const crier_alert_set *set, const char *path);
/* Replace the set's contents with the file's and drop what expired by now_ms.
 * A missing file is CRIER_OK with an empty set.  A corrupt or truncated file is
 * logged, renamed to "<path>.corrupt", the set is left empty and CRIER_OK is
 * returned with *was_corrupt = 1 (was_corrupt may be NULL). */
crier_err crier_alert_set_load(crier_alert_set *set, const char *path, int64_t now_ms,
                               int *was_corrupt);

const char *crier_alert_verdict_name(crier_alert_verdict v);

#endif
