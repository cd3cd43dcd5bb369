/* sse.c - the Server-Sent Events hub (sse.h).
 *
 * One mutex and one condition variable (monotonic clock) guard the ring and
 * the reader count.  Publishing copies the text into the ring and broadcasts;
 * readers copy their next event out under the lock and write it to the
 * socket after unlocking (MHD does the writing after cn_sse_read returns). */
#include "sse.h"

#include "base/timeutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sse_event {
    uint64_t seq;
    char *text; /* "event: T\ndata: {...}\n\n" */
    char sites[CN_SITES_MAX + 1]; /* "" = everyone */
    cn_role min_role;
} sse_event;

struct cn_sse {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    sse_event ring[CN_SSE_RING];
    uint64_t next_seq; /* seq of the next event; ring[seq % N] holds seq */
    int readers;
    int closed;
    cn_sse_reader *list; /* attached readers */
};

struct cn_sse_reader {
    cn_sse *h;
    cn_sse_reader *prev, *next_reader;
    int dropped; /* cn_sse_drop_user: end the stream */
    cn_user user;
    uint64_t next; /* next seq to send */
    char *pending; /* event being sent */
    size_t off, len;
    int64_t last_write_ms;
};

cn_sse *cn_sse_new(void)
{
    cn_sse *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, &ca);
    pthread_condattr_destroy(&ca);
    h->next_seq = 1;
    return h;
}

void cn_sse_close(cn_sse *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->closed = 1;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

void cn_sse_free(cn_sse *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < CN_SSE_RING; i++)
        free(h->ring[i].text);
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void cn_sse_publish(cn_sse *h, const char *type, const char *json, const char *site, cn_role min_role)
{
    if (!h || !json)
        return;
    size_t n = strlen(type) + strlen(json) + 20;
    char *text = malloc(n);
    if (!text)
        return;
    snprintf(text, n, "event: %s\ndata: %s\n\n", type, json);
    pthread_mutex_lock(&h->lock);
    sse_event *e = &h->ring[h->next_seq % CN_SSE_RING];
    free(e->text);
    e->text = text;
    e->seq = h->next_seq++;
    snprintf(e->sites, sizeof e->sites, "%s", site ? site : "");
    e->min_role = min_role;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

uint64_t cn_sse_count(cn_sse *h)
{
    pthread_mutex_lock(&h->lock);
    uint64_t n = h->next_seq - 1;
    pthread_mutex_unlock(&h->lock);
    return n;
}

cn_sse_reader *cn_sse_attach(cn_sse *h, const cn_user *u)
{
    cn_sse_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_mutex_lock(&h->lock);
    if (h->closed || h->readers >= CN_SSE_MAX_READERS) {
        pthread_mutex_unlock(&h->lock);
        free(r);
        return NULL;
    }
    h->readers++;
    r->next = h->next_seq;
    r->h = h;
    r->user = *u;
    r->next_reader = h->list;
    if (h->list)
        h->list->prev = r;
    h->list = r;
    pthread_mutex_unlock(&h->lock);
    r->last_write_ms = crier_mono_ms();
    return r;
}

void cn_sse_detach(cn_sse_reader *r)
{
    if (!r)
        return;
    cn_sse *h = r->h;
    pthread_mutex_lock(&h->lock);
    h->readers--;
    if (r->prev)
        r->prev->next_reader = r->next_reader;
    else
        h->list = r->next_reader;
    if (r->next_reader)
        r->next_reader->prev = r->prev;
    pthread_mutex_unlock(&h->lock);
    free(r->pending);
    free(r);
}

void cn_sse_drop_user(cn_sse *h, const char *name)
{
    if (!h || !name)
        return;
    pthread_mutex_lock(&h->lock);
    for (cn_sse_reader *r = h->list; r; r = r->next_reader)
        if (strcmp(r->user.name, name) == 0)
            r->dropped = 1;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

static int visible(const cn_sse_reader *r, const sse_event *e)
{
    if (r->user.role < e->min_role)
        return 0;
    if (!e->sites[0] || cn_user_all_sites(&r->user))
        return 1;
    char list[CN_SITES_MAX + 1], *save = NULL;
    memcpy(list, e->sites, sizeof list);
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (cn_user_has_site(&r->user, t))
            return 1;
    return 0;
}

/* Takes the next visible event into r->pending (locked).  1 if one was found. */
static int take_next(cn_sse_reader *r)
{
    cn_sse *h = r->h;
    if (h->next_seq > CN_SSE_RING && r->next < h->next_seq - CN_SSE_RING) {
        r->next = h->next_seq - CN_SSE_RING;
        r->pending = strdup("event: resync\ndata: {}\n\n");
        r->off = 0;
        r->len = r->pending ? strlen(r->pending) : 0;
        return r->pending != NULL;
    }
    while (r->next < h->next_seq) {
        sse_event *e = &h->ring[r->next % CN_SSE_RING];
        r->next++;
        if (e->text && visible(r, e)) {
            r->pending = strdup(e->text);
            r->off = 0;
            r->len = r->pending ? strlen(r->pending) : 0;
            return r->pending != NULL;
        }
    }
    return 0;
}

ssize_t cn_sse_read(cn_sse_reader *r, char *buf, size_t max, int wait_ms)
{
    if (!r->pending) {
        cn_sse *h = r->h;
        struct timespec dl = crier_mono_deadline(wait_ms);
        pthread_mutex_lock(&h->lock);
        int got = 0;
        while (!h->closed && !r->dropped && !(got = take_next(r))) {
            if (pthread_cond_timedwait(&h->cond, &h->lock, &dl) != 0)
                break;
        }
        int closed = h->closed || r->dropped;
        pthread_mutex_unlock(&h->lock);
        if (closed)
            return -1;
        if (!got) {
            static const char ping[] = ": ping\n\n";
            size_t n = sizeof ping - 1 < max ? sizeof ping - 1 : max;
            memcpy(buf, ping, n);
            return (ssize_t)n;
        }
    }
    size_t n = r->len - r->off < max ? r->len - r->off : max;
    memcpy(buf, r->pending + r->off, n);
    r->off += n;
    if (r->off >= r->len) {
        free(r->pending);
        r->pending = NULL;
    }
    return (ssize_t)n;
}
