/* timeutil.h - clocks and time formatting.
 *
 * Two clocks: wall time (epoch ms, for events, receipts and validity windows)
 * and monotonic time (ms, for deadlines and durations).  Tests may override
 * the wall clock with crier_wall_override() to exercise expiry and clock steps. */
#ifndef CRIER_TIMEUTIL_H
#define CRIER_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

int64_t crier_wall_ms(void);
int64_t crier_mono_ms(void);
/* Override the wall clock for tests: offset_ms is added to the real clock. */
void crier_wall_offset_set(int64_t offset_ms);

/* The CLOCK_MONOTONIC time ms_from_now from now: the deadline for
 * pthread_cond_timedwait on a condition variable set to that clock
 * (pthread_condattr_setclock), so wall-clock steps never stretch a wait. */
struct timespec crier_mono_deadline(int64_t ms_from_now);

/* "2026-11-26T03:00:00.123Z" */
void crier_format_utc_ms(int64_t epoch_ms, char *buf, size_t len);
/* Parse RFC 3339 / ISO 8601 ("2026-11-26T10:00:00Z", "...+01:00", "2026-11-26",
 * fractional seconds allowed).  A value without offset is local time.
 * Returns 0 and sets *epoch_ms, or -1. */
int crier_parse_iso8601(const char *s, int64_t *epoch_ms);

#endif
