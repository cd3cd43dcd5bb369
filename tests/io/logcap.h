/* logcap.h - the log lines of the code under test, kept for the C io tests.
 *
 *     crier_log_set_sink(log_sink, NULL);     then every line is kept (and, with
 *                                             TEST_VERBOSE set, echoed to stderr)
 *     log_reset();                            forget what was logged so far
 *     CHECK(log_has("[mqtt] connected"));     anywhere in what was kept
 *     CHECK(log_has_line("source town", "from cache"));   both in one line
 *
 * The buffer holds 256 KiB; a line that does not fit starts it again (the
 * tests look for recent lines).  Thread-safe: the sink runs on any thread. */
#ifndef CRIER_TEST_LOGCAP_H
#define CRIER_TEST_LOGCAP_H

#include "base/log.h"

/* A crier_log_sink (ud unused). */
void log_sink(crier_log_level level, const char *component, const char *msg, void *ud);
/* Forgets every line kept so far. */
void log_reset(void);
/* 1 when needle is in what was logged since the last log_reset(). */
int log_has(const char *needle);
/* 1 when one line logged since the last log_reset() contains a and (unless NULL) b. */
int log_has_line(const char *a, const char *b);

#endif
