/* worker.h - the one way Crier runs a thread.
 *
 * Every thread of the firmware (feeds, file sources, MQTT, alerts, image relay,
 * alert sound, screenshot encoder) is a crier_worker: one thread, one inbox
 * (a crier_mailbox), one deadline, one wake-up descriptor, and one way to start,
 * feed and stop it:
 *
 *     crier_worker_start(&w, &ops, ud, 0);   thread runs ops->on_start, then its loop
 *     crier_worker_post(w, msg);             feed it (ownership of msg moves)
 *     crier_worker_wake(w);                  "look again" without a message
 *     crier_worker_stop(w);                  stop is a message, then join; frees w
 *
 * The loop (on the worker thread):
 *     for (;;) {
 *         take every message; QUIT ends the loop, others go to ops->on_msg;
 *         deadline = ops->on_tick(ud, now);           timers, retries, polls
 *         wait until a message, a wake-up or the deadline;
 *     }
 *     ops->on_stop(ud);                                orderly goodbye
 *
 * Waiting: by default poll() on the wake descriptor (an eventfd).  A module that
 * must also serve its own descriptors while it waits (curl_multi_poll's
 * extra_fds, a mosquitto socket) gives ops->wait, which must return when
 * wake_fd becomes readable; the worker drains wake_fd itself.  A wake-up is never
 * lost: the descriptor is drained before the inbox is read.
 *
 * Shutdown rule: whoever started a worker stops it before freeing anything the
 * worker's callbacks use; crier_worker_stop() returns only after the thread has
 * run on_stop and exited.  Messages still queued behind the stop message are
 * freed unhandled.
 *
 * Lock contract: the worker has no lock of its own besides its mailbox's; ud's
 * fields are the module's business.  Callbacks run only on the worker thread. */
#ifndef CRIER_WORKER_H
#define CRIER_WORKER_H

#include "base/error.h"
#include "base/mailbox.h"

#include <stdint.h>

#define CRIER_WORKER_NO_DEADLINE INT64_MAX

typedef struct crier_worker crier_worker;

typedef struct crier_worker_ops {
    const char *name; /* thread name (at most 15 bytes shown) and log component */
    /* Optional: first thing on the new thread. */
    void (*on_start)(void *ud);
    /* A message from the inbox (never CRIER_MSG_QUIT).  The worker frees *msg
     * after the call unless the callback takes it (sets *msg = NULL). */
    void (*on_msg)(void *ud, crier_msg **msg);
    /* Optional: after every wake-up; does timed work and returns the next
     * deadline (monotonic ms, crier_mono_ms()) or CRIER_WORKER_NO_DEADLINE. */
    int64_t (*on_tick)(void *ud, int64_t now_ms);
    /* Optional: custom wait (see above); timeout_ms < 0 means no deadline. */
    void (*wait)(void *ud, int wake_fd, int timeout_ms);
    /* Optional: last thing on the thread, after the stop message. */
    void (*on_stop)(void *ud);
} crier_worker_ops;

/* Starts the thread.  inbox_limit: most messages queued (0 = the mailbox
 * default).  ops must outlive the worker.  CRIER_ERR_NOMEM, CRIER_ERR_IO. */
crier_err crier_worker_start(crier_worker **out, const crier_worker_ops *ops, void *ud, size_t inbox_limit);
/* Any thread: queue msg (ownership moves, also on error) and wake the worker.
 * CRIER_ERR_FULL over the limit, CRIER_ERR_INVAL once stopping. */
crier_err crier_worker_post(crier_worker *w, crier_msg *msg);
/* Any thread: wake the worker so that on_tick runs again soon. */
void crier_worker_wake(crier_worker *w);
/* 1 once crier_worker_stop() has been called: long work inside a callback
 * checks it to cut short.  Any thread. */
int crier_worker_stopping(const crier_worker *w);
/* Messages waiting in the inbox (for status and tests). */
size_t crier_worker_queued(crier_worker *w);
/* Stop is a message: queues CRIER_MSG_QUIT, waits for the thread to run
 * on_stop and exit (join), frees w.  NULL-safe.  Never from the worker itself. */
void crier_worker_stop(crier_worker *w);

#endif
