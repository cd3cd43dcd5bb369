/* mailbox.h - owned messages from worker threads to one consumer thread.
 *
 * A producer allocates a crier_msg, fills it, and crier_mailbox_post()s it:
 * ownership moves to the mailbox at that moment (even on error, the message is
 * freed).  The consumer takes everything at once with crier_mailbox_take_all()
 * and frees each message with crier_msg_free() when done.  Posting calls the
 * wake function (outside the lock) so a sleeping consumer runs at once; the
 * render thread installs one that pushes an SDL event or signals its condvar.
 *
 * Lock contract: `lock` guards head/tail/count/closed; wake_fn/wake_ud are set
 * once before producers start and never change afterwards. */
#ifndef CRIER_MAILBOX_H
#define CRIER_MAILBOX_H

#include "base/error.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef enum crier_msg_type {
    CRIER_MSG_SOURCE_ITEMS = 1, /* payload crier_item_list*: replaces every item of `source` */
    CRIER_MSG_ITEM_UPSERT,      /* payload crier_item*: add or replace by (source, id) */
    CRIER_MSG_ITEM_RETRACT,     /* key = item id, source = its source */
    CRIER_MSG_ALERTS,           /* payload: alert snapshot (alert module) */
    CRIER_MSG_COMMAND,          /* key = command name ("screenshot", "reload", "identify") */
    CRIER_MSG_STATUS,           /* key = status name, payload module-defined */
    CRIER_MSG_JOB,              /* a worker's own job: `kind` says which, payload module-defined */
    CRIER_MSG_QUIT,             /* stop is a message (base/worker.h) */
} crier_msg_type;

typedef struct crier_msg {
    crier_msg_type type;
    int kind;                   /* CRIER_MSG_JOB: the module's job kind */
    char *source;               /* owned, may be NULL */
    char *key;                  /* owned, may be NULL */
    void *payload;              /* owned; freed with payload_free */
    void (*payload_free)(void *payload);
    int64_t sent_wall_ms;       /* when the producer posted it (for latency figures) */
    struct crier_msg *next;     /* mailbox link; producers leave it NULL */
} crier_msg;

/* Allocate a message; strings are copied.  Returns NULL on allocation failure. */
crier_msg *crier_msg_new(crier_msg_type type, const char *source, const char *key);
void crier_msg_free(crier_msg *msg); /* NULL-safe; frees payload and strings */

typedef void (*crier_wake_fn)(void *ud);

typedef struct crier_mailbox {
    pthread_mutex_t lock;
    crier_msg *head, *tail;
    size_t count, limit;
    int closed;
    crier_wake_fn wake_fn;
    void *wake_ud;
} crier_mailbox;

/* limit: most messages queued before post() refuses with CRIER_ERR_FULL (0 = 4096). */
crier_err crier_mailbox_init(crier_mailbox *mb, size_t limit);
void crier_mailbox_set_wake(crier_mailbox *mb, crier_wake_fn fn, void *ud);
/* Frees every message still queued. */
void crier_mailbox_destroy(crier_mailbox *mb);
/* Takes ownership of msg.  CRIER_ERR_FULL when over limit, CRIER_ERR_INVAL when closed. */
crier_err crier_mailbox_post(crier_mailbox *mb, crier_msg *msg);
/* Returns the queued messages as a list in posting order (NULL if none). */
crier_msg *crier_mailbox_take_all(crier_mailbox *mb);
/* After close, post() refuses. */
void crier_mailbox_close(crier_mailbox *mb);
size_t crier_mailbox_count(crier_mailbox *mb);

#endif
