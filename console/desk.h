/* desk.h - the emergency desk: alerts composed from templates, the two-person
 * rule, Update / Cancel / All-clear of a sent alert, and live receipts.
 *
 * An alert on the desk is a row of table desk_alerts, keyed by a desk id
 * ("d-20261206-200000-3f2a19c0", a name usable in URLs); its CAP identifier is
 * the same for alerts composed here and the source's for relayed CAP alerts
 * (relay.c).  A row is `pending` (waiting for a second person), `sent`,
 * `rejected` (an approver said no) or `failed` (the broker did not take it).
 * A sent alert is never edited: Update, Cancel and All-clear are new rows that
 * reference it (references filled in from the chain it replaced) and go to its
 * retained topic.
 *
 * The two-person rule: an Actual Alert or Update that does not come unchanged
 * from a pre-approved template needs an approver (publisher or admin of its
 * sites) other than its author; the request goes to every approver's page at
 * once (SSE "alert").  Test and Exercise skip it (kiosks draw their band); a
 * Cancel skips it too (it can only take something off the screens).  Both
 * names go into the audit log and into the signed alert's note.
 *
 * Receipts: fleet.c hands every kiosk receipt to cn_desk_receipt, which stores
 * it (table desk_receipts) and sends an SSE "receipt" event.
 *
 * Lock: the desk has no state of its own but the sequence counter (its own
 * mutex, a leaf); rows live in the database. */
#ifndef CRIER_CONSOLE_DESK_H
#define CRIER_CONSOLE_DESK_H

#include "console.h"
#include "http.h"

/* Routes /api/alerts... and /api/alert-templates... (rest: after the prefix). */
void cn_desk_handle(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *rest);
void cn_desk_templates_handle(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *rest);

/* A receipt from kiosk (fleet.c, MQTT thread; no lock held). */
void cn_desk_receipt(cn_ctx *ctx, const char *kiosk, const char *tid, const cJSON *receipt, int64_t now_ms);

/* At start (main): the default templates when there are none; an approval
 * that was cut short by a stop or crash ("sending") waits again. */
void cn_desk_seed_templates(cn_ctx *ctx);

/* ---- for the CAP relay (relay.c) ------------------------------------------------- */

/* A relayed CAP alert as a desk row: `wire` is the checked alert (its
 * identifier, sender, references are the source's).  send: sign and publish
 * now (automatic rule); else it waits as `pending` for an approver.  The
 * relay's Update/Cancel go to the topic of the row they reference
 * (ref_did, or "" when unknown).  did gets the new row's desk id. */
crier_err cn_desk_relay(cn_ctx *ctx, const char *source, const cJSON *wire, const char *ref_did, int send,
                        char did[CN_NAME_MAX + 1], char *err, size_t err_len);
/* The desk id of the row carrying sender+identifier; 0 when none. */
int cn_desk_find(cn_ctx *ctx, const char *sender, const char *identifier, char did[CN_NAME_MAX + 1]);

/* The state of row did ("pending", "sent", ...) into state; 0 when none. */
int cn_desk_state(cn_ctx *ctx, const char *did, char state[16]);
/* A pending row turned down by the relay (the source cancelled or replaced it). */
void cn_desk_withdraw(cn_ctx *ctx, const char *did, const char *why);

#endif
