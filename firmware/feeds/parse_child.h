/* parse_child.h - a feed parse that can be abandoned: the parser of feed.h runs
 * in a forked child with a deadline.
 *
 * Why: libical looks for the next match of a recurrence rule inside one library
 * call, up to the year 2582 (20000 positioning a YEARLY iterator), and a
 * thread cannot be stopped inside a library call.  feed_ical.c refuses the
 * rules known to do that (impossible BY parts, long walks) and caps the rest,
 * but a rule nobody has thought of yet must not stall the fetch thread, which
 * refreshes every source.  So every feed body is parsed in a child process:
 *   - fork() from the fetch thread; the child parses with the same code and
 *     writes its items (and its log lines) down a pipe, then _exit()s;
 *   - the parent reads with poll() until timeout_ms; past it the child is
 *     SIGKILLed and the parse fails with CRIER_ERR_TIMEOUT, naming the source
 *     and the recurrence rule that was running (opts->on_rule);
 *   - RLIMIT_CPU in the child and PR_SET_PDEATHSIG are backstops;
 *   - a child that crashes (libical, expat) fails the parse, not the kiosk.
 * The child inherits one thread (the caller); locks other threads held at the
 * fork stay locked in it.  The logger's lock is made fork-safe
 * (base/log.c, pthread_atfork); glibc resets malloc's and stdio's.  A lock
 * inside glibc's time functions (tzset) held by another thread at the very
 * moment of the fork would make the child wait until the deadline: the parse
 * then fails as a timeout and is retried at the next refresh.
 * Items arrive owned, exactly as the in-process parser returns them. */
#ifndef CRIER_PARSE_CHILD_H
#define CRIER_PARSE_CHILD_H

#include "feeds/feed.h"

#include <stdint.h>

/* Default and bounds of feed_parse_timeout_ms. */
#define CRIER_FEED_PARSE_TIMEOUT_MS 5000

/* Same contract as crier_feed_parse() (items appended to *out, which is left
 * unchanged on error; err gets one line), plus: CRIER_ERR_TIMEOUT when the
 * parse ran past timeout_ms (err: "parse cut off after N ms while expanding
 * RRULE:... of event \"UID\""), CRIER_ERR_PARSE when the child died.
 * timeout_ms <= 0: parse in this process, no child. */
crier_err crier_feed_parse_isolated(crier_feed_type type, const char *buf, size_t len, const crier_feed_opts *opts,
                                    int64_t timeout_ms, crier_item_list *out, char *err, size_t err_len);

#endif
