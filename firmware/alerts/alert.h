/* alert.h - the emergency alert model (CAP 1.2 semantics) and its JSON wire format.
 *
 * An alert is what travels, signed, inside an envelope (remote/sign.h): one message
 * with an identifier, sender, sent time, status, message type, delivery scope, a
 * per-sender sequence number and up to CRIER_ALERT_MAX_INFO info blocks, one per
 * language.  The JSON wire format and every rule are in docs/alerts.md; CAP 1.2
 * XML is converted into the same model by alerts/cap.h.
 *
 * Ownership: a crier_alert and everything it points to is heap memory owned by
 * the alert; crier_alert_free() frees it all (NULL-safe).  Strings are UTF-8;
 * NULL means absent.  Times are epoch milliseconds, 0 = absent. */
#ifndef CRIER_ALERT_H
#define CRIER_ALERT_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_ALERT_MAX_BYTES (256u * 1024u) /* JSON wire payload */
#define CRIER_ALERT_MAX_INFO 16              /* info blocks (languages); more is rejected */
#define CRIER_ALERT_MAX_REFS 64              /* references of an Update / Cancel */
#define CRIER_ALERT_MAX_ID 256               /* identifier, sender, scope target, language */
#define CRIER_ALERT_MAX_SHORT 1024           /* event, headline, areaDesc, senderName */
#define CRIER_ALERT_MAX_URL 2048             /* web */
#define CRIER_ALERT_MAX_TEXT (32u * 1024u)   /* description, instruction */
#define CRIER_ALERT_MAX_SEQ 9007199254740991LL /* 2^53 - 1: exact in every JSON reader */

typedef enum crier_alert_status {
    CRIER_ALERT_ACTUAL = 0,
    CRIER_ALERT_EXERCISE,
    CRIER_ALERT_SYSTEM,
    CRIER_ALERT_TEST,
    CRIER_ALERT_DRAFT,
} crier_alert_status;

typedef enum crier_alert_msgtype {
    CRIER_ALERT_MSG_ALERT = 0,
    CRIER_ALERT_MSG_UPDATE,
    CRIER_ALERT_MSG_CANCEL,
    CRIER_ALERT_MSG_ACK,
    CRIER_ALERT_MSG_ERROR,
} crier_alert_msgtype;

typedef enum crier_alert_scope {
    CRIER_ALERT_SCOPE_ALL = 0, /* every kiosk */
    CRIER_ALERT_SCOPE_SITE,    /* kiosks whose site id equals scope_target */
    CRIER_ALERT_SCOPE_KIOSK,   /* the kiosk whose id equals scope_target */
} crier_alert_scope;

/* Ordered: a larger value ranks first on screen.  UNKNOWN is CAP's "Unknown". */
typedef enum crier_alert_urgency {
    CRIER_URGENCY_UNKNOWN = 0,
    CRIER_URGENCY_PAST,
    CRIER_URGENCY_FUTURE,
    CRIER_URGENCY_EXPECTED,
    CRIER_URGENCY_IMMEDIATE,
} crier_alert_urgency;

typedef enum crier_alert_severity {
    CRIER_SEVERITY_UNKNOWN = 0,
    CRIER_SEVERITY_MINOR,
    CRIER_SEVERITY_MODERATE,
    CRIER_SEVERITY_SEVERE,
    CRIER_SEVERITY_EXTREME,
} crier_alert_severity;

typedef enum crier_alert_certainty {
    CRIER_CERTAINTY_UNKNOWN = 0,
    CRIER_CERTAINTY_UNLIKELY,
    CRIER_CERTAINTY_POSSIBLE,
    CRIER_CERTAINTY_LIKELY,   /* CAP 1.0 "Very Likely" maps here */
    CRIER_CERTAINTY_OBSERVED,
} crier_alert_certainty;

typedef struct crier_alert_info {
    char *language;     /* RFC 3066 / BCP 47 tag; "en-US" when absent (CAP default) */
    char *event;        /* required */
    crier_alert_urgency urgency;
    crier_alert_severity severity;
    crier_alert_certainty certainty;
    int64_t effective_ms, onset_ms, expires_ms; /* 0 = absent */
    char *sender_name, *headline, *description, *instruction, *area_desc, *web;
} crier_alert_info;

typedef struct crier_alert_ref {
    char *sender;     /* never NULL after parsing (defaults to the alert's sender) */
    char *identifier; /* never NULL after parsing */
    int64_t sent_ms;  /* 0 = not given */
} crier_alert_ref;

typedef struct crier_alert {
    char *identifier, *sender;
    int64_t sent_ms;
    int64_t seq;                /* per-sender sequence, 1..CRIER_ALERT_MAX_SEQ; 0 = not set (CAP XML) */
    crier_alert_status status;
    crier_alert_msgtype msg_type;
    crier_alert_scope scope;
    char *scope_target;         /* site or kiosk id; NULL for SCOPE_ALL */
    char *note;                 /* CAP note, optional */
    crier_alert_ref *refs;
    size_t ref_count;
    crier_alert_info *info;
    size_t info_count;
    /* Provenance, filled by the kiosk when it accepts the alert (not on the wire
     * format, but persisted): who signed it and when it arrived. */
    char *issuer, *key_id;
    int64_t received_ms;
} crier_alert;

crier_alert *crier_alert_new(void);          /* zeroed; NULL on allocation failure */
void crier_alert_free(crier_alert *alert);   /* NULL-safe */
void crier_alert_free_void(void *alert);
crier_alert *crier_alert_copy(const crier_alert *src); /* deep copy; NULL on failure */
/* Append a zeroed info block / reference (owned by the alert); NULL on failure
 * or when the CRIER_ALERT_MAX_INFO / _REFS limit is reached. */
crier_alert_info *crier_alert_add_info(crier_alert *alert);
crier_alert_ref *crier_alert_add_ref(crier_alert *alert);

/* Parse the JSON wire format (docs/alerts.md) from len bytes.  Strict: unknown
 * fields, wrong types, invalid UTF-8, control characters, out-of-range values and
 * any limit above are errors (CRIER_ERR_PARSE / _INVAL / _LIMIT); err_msg gets one
 * line.  On success *out is a new alert owned by the caller that passed
 * crier_alert_validate(). */
crier_err crier_alert_parse(const char *buf, size_t len, crier_alert **out, char *err_msg,
                            size_t err_len);
/* Write the JSON wire format; *out is malloc'd and owned by the caller.  With
 * with_provenance the issuer/key_id/received fields are included (persistence
 * only; the parser accepts them only when allowed by crier_alert_parse_ex). */
crier_err crier_alert_to_json(const crier_alert *alert, int with_provenance, char **out,
                              size_t *out_len);
/* As crier_alert_parse; allow_provenance accepts the fields written by
 * crier_alert_to_json(.., 1, ..) (state file); never use it on network input. */
crier_err crier_alert_parse_ex(const char *buf, size_t len, int allow_provenance,
                               crier_alert **out, char *err_msg, size_t err_len);

/* Semantic checks shared by the JSON and CAP paths: required fields present,
 * identifier/sender syntax, references only on Update/Cancel (and required
 * there), at least one info block for Alert/Update, scope target present when
 * scope is site/kiosk, seq in range (require_seq: 1..MAX; else 0 allowed). */
crier_err crier_alert_validate(const crier_alert *alert, int require_seq, char *err_msg,
                               size_t err_len);

/* Ranking helpers: the highest severity / urgency over the info blocks. */
crier_alert_severity crier_alert_max_severity(const crier_alert *alert);
crier_alert_urgency crier_alert_max_urgency(const crier_alert *alert);
/* qsort-style order for display: severity desc, urgency desc, sent desc, identifier. */
int crier_alert_compare(const crier_alert *a, const crier_alert *b);
/* When the alert stops being shown: the latest info expiry; an info without
 * expires counts as sent + default_ttl_ms (default_ttl_ms = 0: never, returns
 * INT64_MAX). */
int64_t crier_alert_expiry(const crier_alert *alert, int64_t default_ttl_ms);
/* When it starts being shown: the earliest info effective time, else sent. */
int64_t crier_alert_effective(const crier_alert *alert);

/* Names as written on the wire ("Actual", "Update", "Extreme", ...) and parsers
 * (case-insensitive; -1 if unknown). */
const char *crier_alert_status_name(crier_alert_status v);
const char *crier_alert_msgtype_name(crier_alert_msgtype v);
const char *crier_alert_urgency_name(crier_alert_urgency v);
const char *crier_alert_severity_name(crier_alert_severity v);
const char *crier_alert_certainty_name(crier_alert_certainty v);
int crier_alert_status_parse(const char *s);
int crier_alert_msgtype_parse(const char *s);
int crier_alert_urgency_parse(const char *s);
int crier_alert_severity_parse(const char *s);
int crier_alert_certainty_parse(const char *s);
/* Scope text: "all", "site:<id>", "kiosk:<id>".  parse sets *scope and *target
 * (malloc'd or NULL). */
crier_err crier_alert_scope_parse(const char *s, crier_alert_scope *scope, char **target);

/* Is s valid UTF-8 of at most max bytes without control characters (allow_nl:
 * newline and tab allowed)? */
int crier_alert_text_ok(const char *s, size_t max, int allow_nl);

#endif
