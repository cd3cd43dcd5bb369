/* topic.h - Crier's MQTT topic names: scopes, builders and the parser.
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
 * Builders write NUL-terminated topics into caller buffers.  Pure logic. */
#ifndef CRIER_TOPIC_H
#define CRIER_TOPIC_H

#include "base/error.h"

#include <stddef.h>

#define CRIER_TOPIC_PREFIX "crier/v1"
#define CRIER_NAME_MAX 64          /* bytes in an id / site / kiosk / request id */
#define CRIER_TOPIC_MAX 256        /* bytes in any topic we build (with NUL) */

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
/* Alert topic: crier/v1/<scope...>/alert/<tid>; tid (and a site/kiosk target)
 * may be "+" for a filter. */
crier_err crier_topic_alert(char *buf, size_t len, crier_scope scope, const char *target, const char *tid);

/* Parses a topic.  CRIER_ERR_PARSE when it is not a Crier v1 topic or a name
 * in it is invalid; *out is then zeroed (kind UNKNOWN). */
crier_err crier_topic_parse(const char *topic, crier_topic *out);

/* Is a parsed post (or alert) topic addressed to this kiosk (all, its site, or itself)? */
int crier_topic_is_for(const crier_topic *t, const char *site, const char *kiosk);

/* The topic id of an alert: its identifier when that is a valid name not
 * starting with "h-", else "h-" + 32 hex digits of BLAKE2b-128(sender "\n"
 * identifier).  out needs CRIER_NAME_MAX + 1 bytes.  CRIER_ERR_INVAL for NULL. */
crier_err crier_alert_topic_id(const char *sender, const char *identifier, char *out, size_t out_len);

#endif
