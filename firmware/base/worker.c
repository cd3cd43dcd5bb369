/* worker.c - see worker.h. */
#define _GNU_SOURCE
#include "base/worker.h"

#include "base/log.h"
#include "base/timeutil.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct crier_worker {
    const crier_worker_ops *ops;
    void *ud;
    crier_mailbox inbox;
    crier_msg *quit;       /* allocated at start, so stopping never needs memory */
    int wake_fd;           /* eventfd; written by wake, drained by the loop */
    atomic_int stopping;   /* set by crier_worker_stop() */
    atomic_int quit_lost;  /* the quit message could not be queued (inbox closed) */
    pthread_t thread;
};

static void wake_fn(void *ud)
{
    crier_worker *w = ud;
    uint64_t one = 1;
    ssize_t rc;
    do
        rc = write(w->wake_fd, &one, sizeof one);
    while (rc < 0 && errno == EINTR);
}

static void drain(int fd)
{
    uint64_t v;
    while (read(fd, &v, sizeof v) > 0)
        ;
}

static void default_wait(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR)
        ;
}

static void *run(void *arg)
{
    crier_worker *w = arg;
    const crier_worker_ops *ops = w->ops;
    if (ops->on_start)
        ops->on_start(w->ud);
    int64_t deadline = CRIER_WORKER_NO_DEADLINE;
    for (;;) {
        drain(w->wake_fd); /* before the inbox: a post after this wakes the wait below */
        int quit = atomic_load(&w->quit_lost);
        crier_msg *m = crier_mailbox_take_all(&w->inbox);
        while (m) {
            crier_msg *next = m->next;
            m->next = NULL;
            if (quit) {
                crier_msg_free(m);
            } else if (m->type == CRIER_MSG_QUIT) {
                quit = 1;
                crier_msg_free(m);
            } else {
                if (ops->on_msg)
                    ops->on_msg(w->ud, &m);
                crier_msg_free(m);
            }
            m = next;
        }
        if (quit)
            break;
        int64_t now = crier_mono_ms();
        if (ops->on_tick)
            deadline = ops->on_tick(w->ud, now);
        int timeout = -1;
        if (deadline != CRIER_WORKER_NO_DEADLINE) {
            int64_t d = deadline - crier_mono_ms();
            timeout = d <= 0 ? 0 : d > INT_MAX ? INT_MAX : (int)d;
        }
        if (timeout == 0 || crier_mailbox_count(&w->inbox) > 0 || atomic_load(&w->quit_lost))
            continue;
        if (ops->wait)
            ops->wait(w->ud, w->wake_fd, timeout);
        else
            default_wait(w->wake_fd, timeout);
    }
    if (ops->on_stop)
        ops->on_stop(w->ud);
    return NULL;
}

crier_err crier_worker_start(crier_worker **out, const crier_worker_ops *ops, void *ud, size_t inbox_limit)
{
    *out = NULL;
    crier_worker *w = calloc(1, sizeof *w);
    if (!w)
        return CRIER_ERR_NOMEM;
    w->ops = ops;
    w->ud = ud;
    w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    w->quit = crier_msg_new(CRIER_MSG_QUIT, NULL, NULL);
    if (w->wake_fd < 0 || !w->quit || crier_mailbox_init(&w->inbox, inbox_limit) != CRIER_OK) {
        crier_err rc = w->wake_fd < 0 ? CRIER_ERR_IO : CRIER_ERR_NOMEM;
        if (w->wake_fd >= 0)
            close(w->wake_fd);
        crier_msg_free(w->quit);
        free(w);
        return rc;
    }
    crier_mailbox_set_wake(&w->inbox, wake_fn, w);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        LOG_ERROR(ops->name ? ops->name : "worker", "cannot start a thread");
        crier_mailbox_destroy(&w->inbox);
        crier_msg_free(w->quit);
        close(w->wake_fd);
        free(w);
        return CRIER_ERR_NOMEM;
    }
    if (ops->name) {
        char name[16];
        snprintf(name, sizeof name, "%s", ops->name);
        pthread_setname_np(w->thread, name);
    }
    *out = w;
    return CRIER_OK;
}

crier_err crier_worker_post(crier_worker *w, crier_msg *msg)
{
    if (!w || atomic_load(&w->stopping)) {
        crier_msg_free(msg);
        return CRIER_ERR_INVAL;
    }
    return crier_mailbox_post(&w->inbox, msg);
}

void crier_worker_wake(crier_worker *w)
{
    if (w)
        wake_fn(w);
}

int crier_worker_stopping(const crier_worker *w)
{
    return w ? atomic_load(&((crier_worker *)w)->stopping) : 1;
}

size_t crier_worker_queued(crier_worker *w)
{
    return w ? crier_mailbox_count(&w->inbox) : 0;
}

void crier_worker_stop(crier_worker *w)
{
    if (!w)
        return;
    atomic_store(&w->stopping, 1);
    crier_msg *quit = w->quit;
    w->quit = NULL;
    /* The quit message bypasses the inbox limit: queue it even when full. */
    pthread_mutex_lock(&w->inbox.lock);
    int closed = w->inbox.closed;
    if (!closed) {
        if (w->inbox.tail)
            w->inbox.tail->next = quit;
        else
            w->inbox.head = quit;
        w->inbox.tail = quit;
        w->inbox.count++;
    }
    pthread_mutex_unlock(&w->inbox.lock);
    if (closed) {
        crier_msg_free(quit);
        atomic_store(&w->quit_lost, 1);
    }
    wake_fn(w);
    pthread_join(w->thread, NULL);
    crier_mailbox_set_wake(&w->inbox, NULL, NULL);
    crier_mailbox_destroy(&w->inbox);
    close(w->wake_fd);
    free(w);
}
