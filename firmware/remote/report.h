/* report.h - what a kiosk publishes about itself: retained status, heartbeat,
 * rejection receipts, command replies and alert receipts (docs/protocol.md).
 *
 * Every writer returns malloc()ed JSON (NULL on allocation failure) the caller
 * free()s.  Strings a sender chose (topics, reasons, alert fields) are only
 * written when they are valid UTF-8.  Pure logic. */
#ifndef CRIER_REPORT_H
#define CRIER_REPORT_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

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

/* A receipt: what one kiosk did with one alert message (docs/protocol.md
 * "Alerts", docs/alerts.md).  Strings may be NULL (left out).
 * presented_ms = 0: not (yet) presented (left out). */
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
 * Strings that are not valid UTF-8 are left out. */
char *crier_receipt_write(const crier_receipt *r);

#endif
