/* sse.h - Server-Sent Events to browsers: a ring of the latest events and
 * readers that block (each on its own MHD connection thread) until one
 * arrives.
 *
 * Events: "screen" (a screen object, only to users holding its site),
 * "post" (a post), "audit" (an audit line, publisher and admin only).  A
 * reader that falls more than CN_SSE_RING events behind skips ahead and gets
 * "event: resync" (reload the lists).  cn_sse_close() makes every reader
 * return end-of-stream so the server can stop. */
#ifndef CRIER_CONSOLE_SSE_H
#define CRIER_CONSOLE_SSE_H

#include "console.h"

#include <sys/types.h>

#define CN_SSE_RING 512
#define CN_SSE_MAX_READERS 256
#define CN_SSE_PING_MS 15000

typedef struct cn_sse cn_sse;
typedef struct cn_sse_reader cn_sse_reader;

cn_sse *cn_sse_new(void);
void cn_sse_free(cn_sse *h); /* after every reader detached */
void cn_sse_close(cn_sse *h);

/* Queue an event: type, one-line JSON data, the sites it concerns ("a,b";
 * NULL or "": any user may see it) and the lowest role that sees it. */
void cn_sse_publish(cn_sse *h, const char *type, const char *json, const char *sites, cn_role min_role);
/* Events published so far (for tests). */
uint64_t cn_sse_count(cn_sse *h);

/* Ends the streams of user `name` (deleted, or their role or sites changed):
 * their next read is end-of-stream.  A browser reconnects, and is asked who
 * it is again. */
void cn_sse_drop_user(cn_sse *h, const char *name);

/* A reader for user u; NULL when CN_SSE_MAX_READERS are attached or closed. */
cn_sse_reader *cn_sse_attach(cn_sse *h, const cn_user *u);
void cn_sse_detach(cn_sse_reader *r); /* NULL-safe */
/* Copies up to max bytes of the stream into buf, waiting up to wait_ms for an
 * event.  Returns the bytes written (a ping comment when nothing came), or -1
 * at the end of the stream. */
ssize_t cn_sse_read(cn_sse_reader *r, char *buf, size_t max, int wait_ms);

#endif
