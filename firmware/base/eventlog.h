/* eventlog.h - machine-readable event stream (crier --events FILE|-).
 *
 * One JSON object per line, flushed at once, each with "t_ms" (wall clock,
 * epoch milliseconds) and "event", plus event-specific fields.  Thread-safe.
 * Events: started, config_loaded, first_frame, frame_presented, item_shown,
 * transition_start, transition_end, content_updated, screenshot_written, ... */
#ifndef CRIER_EVENTLOG_H
#define CRIER_EVENTLOG_H

#include "base/error.h"

#include <stdint.h>

typedef struct crier_eventlog crier_eventlog;

/* path "-" means stdout.  Returns NULL (and logs) if the file cannot be opened. */
crier_eventlog *crier_eventlog_open(const char *path);
void crier_eventlog_close(crier_eventlog *ev); /* NULL-safe */

/* Emit an event.  `fields` is a list of name/value pairs terminated by NULL;
 * each name is prefixed with its type: "s:" string, "i:" int64 (passed as
 * int64_t), "d:" double.  Example:
 *   crier_eventlog_emit(ev, "item_shown", "s:id", id, "i:duration_ms", (int64_t)d, NULL);
 * No-op when ev is NULL. */
void crier_eventlog_emit(crier_eventlog *ev, const char *event, ...);
/* Same with an explicit timestamp. */
void crier_eventlog_emit_at(crier_eventlog *ev, int64_t t_ms, const char *event, ...);

#endif
