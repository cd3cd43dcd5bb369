/* relay.h - the CAP feed relay: official CAP 1.2 sources polled by the
 * console and forwarded to the screens by rules (docs/console.md "CAP relay").
 *
 * A source (table relay_sources) is a URL serving one CAP 1.2 alert or an
 * Atom / RSS index of them (as national warning services publish), a poll
 * interval, rules (area text, geocode prefixes, minimum severity, event
 * types), the screens it goes to (scope) and a mode: `auto` sends matching
 * alerts at once, `draft` leaves them waiting for an approver (the desk's
 * two-person rule, desk.h).  Each alert is handled once (table relay_seen,
 * by sender + identifier); an Update or Cancel of an alert the source sent
 * before is followed (to the same retained topic); expired alerts and alerts
 * outside the rules are skipped.  A source that fails (unreachable, HTTP
 * error, not XML) keeps its last state: nothing is withdrawn from the
 * screens, and the console shows a warning (SSE "relay", audit relay.error)
 * until it answers again.
 *
 * Thread: one worker sleeps until the next poll is due (or it is woken: a
 * source changed, "check now", stop); stopping is a flag + signal, then join.
 * The status table has its own mutex, never held while fetching, sending or
 * calling the database. */
#ifndef CRIER_CONSOLE_RELAY_H
#define CRIER_CONSOLE_RELAY_H

#include "console.h"
#include "http.h"

#define CN_RELAY_MAX_SOURCES 64
#define CN_RELAY_MAX_ITEMS 100            /* CAP links read from one index */
#define CN_RELAY_MAX_BYTES (1024u * 1024u) /* one document (CRIER_CAP_MAX_BYTES) */

typedef struct cn_relay cn_relay;

crier_err cn_relay_start(cn_relay **out, cn_ctx *ctx);
void cn_relay_stop(cn_relay *r); /* NULL-safe: wakes the worker, joins, frees */

/* Routes /api/relay... (rest: after the prefix). */
void cn_relay_handle(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *rest);

#endif
