/* proofplay.h - proof of play: what was shown, when, for how long.
 *
 * The render thread reports plays without blocking (memory only, one short
 * mutex); another thread (the MQTT thread, or main) calls crier_proofplay_flush()
 * to append them as JSON lines to disk:
 *   {"start":"2026-11-26T03:00:00.000Z","start_ms":..,"dur_ms":8000,"id":"p1","source":"mqtt","title":".."}
 * The file is rotated when it would exceed max_bytes (path -> path.1 -> ... ->
 * path.<keep>; the oldest is deleted), so disk use stays below
 * max_bytes * (keep + 1).  Pending lines are bounded too (oldest dropped and
 * counted).  The summary (for the heartbeat) counts plays per item since start.
 *
 * Ownership: crier_proofplay_new() copies path; crier_proofplay_free() flushes
 * and frees (NULL-safe).  All functions are thread-safe. */
#ifndef CRIER_PROOFPLAY_H
#define CRIER_PROOFPLAY_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

typedef struct crier_proofplay crier_proofplay;

#define CRIER_PROOFPLAY_MAX_PENDING 1024
#define CRIER_PROOFPLAY_MAX_TRACKED 64 /* items with per-item counts in the summary */

/* path: the JSON-lines file (its folder must exist); max_bytes: per file
 * (0 = 1 MiB); keep: rotated files kept (0 = 3). NULL on bad args / no memory. */
crier_proofplay *crier_proofplay_new(const char *path, size_t max_bytes, int keep);
void crier_proofplay_free(crier_proofplay *pp);

/* One finished play; strings are copied (title may be NULL). */
void crier_proofplay_record(crier_proofplay *pp, const char *id, const char *source, const char *title,
                            int64_t start_wall_ms, int64_t duration_ms);
/* Convenience for the render thread: the item now on screen (id NULL = nothing).
 * Closes the previous play (duration by the monotonic clock) and opens a new one. */
void crier_proofplay_showing(crier_proofplay *pp, const char *id, const char *source, const char *title);

/* A retraction of a post, accepted or refused, as a line of its own:
 *   {"retracted":"2026-..Z","retracted_ms":..,"id":"p1","source":"mqtt","accepted":true,
 *    "by":"alice","issuer":"Town Hall","kid":"3f2a..","sent_ms":..}
 * or with "accepted":false and "reason" (an unsigned retraction of a signed
 * post, a replayed one).  by, issuer, key_id, reason may be NULL; sent_ms 0 =
 * unknown.  Not counted as a play. */
void crier_proofplay_retraction(crier_proofplay *pp, const char *id, const char *source, int accepted,
                                const char *by, const char *issuer, const char *key_id, int64_t sent_ms,
                                const char *reason);

/* Writes pending lines (rotating as needed).  Call off the render thread. */
crier_err crier_proofplay_flush(crier_proofplay *pp);

/* {"plays":N,"play_ms":N,"since":ms,"dropped":N,"write_errors":N,
 *  "items":[{"id","source","plays","ms","last":ms}, ... most played first, at most 10]}
 * malloc()ed; NULL on allocation failure. */
char *crier_proofplay_summary_json(crier_proofplay *pp);

#endif
