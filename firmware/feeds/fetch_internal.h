/* fetch_internal.h - what the two halves of the fetcher share (internal to feeds/).
 *
 *   fetch.c         the thread: configuration, start/stop, the loop that starts
 *                   due transfers and waits in curl_multi_poll(), status.
 *   fetch_result.c  what a finished transfer means for its source: parse,
 *                   cache, images, post the list, or back off after a failure.
 *
 * Ownership: everything here belongs to the worker thread (or to the caller
 * before start / after stop), except status[], which `lock` guards. */
#ifndef CRIER_FETCH_INTERNAL_H
#define CRIER_FETCH_INTERNAL_H

#include "base/worker.h"
#include "feeds/cache.h"
#include "feeds/download.h"
#include "feeds/fetch.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct fetch_src fetch_src;

typedef enum fetch_xfer_kind { FETCH_X_FEED, FETCH_X_IMAGE } fetch_xfer_kind;

typedef struct fetch_xfer {
    fetch_xfer_kind kind;
    fetch_src *s;
    crier_download dl;
    char *url;  /* image URL */
    char *path; /* image cache path */
    struct fetch_xfer *next; /* the fetcher's list of transfers in flight */
} fetch_xfer;

struct fetch_src {
    crier_source_cfg cfg; /* name and url owned */
    size_t index;
    int64_t next_due;     /* monotonic ms */
    int busy;             /* a feed transfer or its images are in flight */
    int done_once;
    unsigned failures;
    crier_cache_meta meta; /* validators of the body in the cache */
    int have_meta;
    crier_item_list *pending; /* parsed, waiting for images */
    int64_t pending_success_ms;
    unsigned images_inflight;
};

struct crier_fetch {
    crier_fetch_cfg cfg; /* cache_dir and http strings owned; sources unused (see srcs) */
    fetch_src *srcs;
    size_t n;
    crier_mailbox *mb;
    CURLM *multi;
    crier_worker *worker;
    unsigned running; /* transfers in the multi handle */
    fetch_xfer *xfers; /* those transfers */
    uint64_t rng;
    atomic_int refresh; /* crier_fetch_refresh_all() asked (any thread) */
    int once;
    crier_item_list *once_out;

    pthread_mutex_t lock;
    crier_source_status *status; /* guarded by lock */
};

/* fetch_result.c */
void crier_fetch_start_feed(crier_fetch *f, fetch_src *s);
/* Parses, caches and posts (or backs off) every transfer libcurl finished. */
void crier_fetch_finish_completed(crier_fetch *f);
/* Posts a source's cached items (images from the cache, downloaded when network_ok). */
void crier_fetch_load_cache_and_post(crier_fetch *f, fetch_src *s, int network_ok);
void crier_fetch_xfer_free(fetch_xfer *x);

#endif
