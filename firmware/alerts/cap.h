/* cap.h - read an OASIS CAP 1.2 XML alert into the alert model (alerts/alert.h).
 *
 * Used by `crierctl alert --from-cap FILE.xml` so existing national warning
 * feeds can drive the screens.  The parser is expat with every entity feature
 * off: a document with a DOCTYPE (and so any entity declaration) is refused, an
 * entity reference is an error, external entities are never fetched.  Limits:
 * CRIER_CAP_MAX_BYTES input, CRIER_CAP_MAX_DEPTH nesting, CRIER_CAP_MAX_ELEMENTS
 * elements, CRIER_ALERT_MAX_INFO info blocks, the alert.h string limits.
 *
 * Mapping (docs/alerts.md "CAP 1.2"): alert and info fields map one to one;
 * areaDesc of several <area>s are joined with "; " (cut at CRIER_ALERT_MAX_SHORT
 * bytes); <references> is parsed into refs; CAP <scope>, <restriction>,
 * <addresses>, <code>, <incidents>, <parameter>, <resource>, geometry and
 * elements from other namespaces (e.g. an XML signature) are ignored.  The
 * result has Crier scope "all" and seq 0: the caller (crierctl) sets both before
 * signing.  CAP 1.1 documents are read the same way. */
#ifndef CRIER_CAP_H
#define CRIER_CAP_H

#include "alerts/alert.h"
#include "base/error.h"

#include <stddef.h>

#define CRIER_CAP_MAX_BYTES (1024u * 1024u)
#define CRIER_CAP_MAX_DEPTH 32
#define CRIER_CAP_MAX_ELEMENTS 20000

/* Parse len bytes of CAP XML.  On success *out is a new alert owned by the
 * caller (crier_alert_validate passed, seq = 0).  Errors: CRIER_ERR_LIMIT (size,
 * depth, element count, more than CRIER_ALERT_MAX_INFO info blocks, a string
 * over its limit), CRIER_ERR_PARSE (not well-formed, DOCTYPE/entities, not a CAP
 * alert, bad enum or time), CRIER_ERR_INVAL (validation); err_msg gets one line. */
crier_err crier_cap_parse(const char *buf, size_t len, crier_alert **out, char *err_msg,
                          size_t err_len);

#endif
