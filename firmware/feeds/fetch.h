/* fetch.h - the feed fetcher: one worker thread (base/worker.h) driving
 * libcurl's multi interface for every network source (rss, atom, jsonfeed,
 * mastodon, ical).  Local `file` sources are content/filesource's job and are
 * refused here.  Every transfer follows the rules of feeds/download.h.
 *
 * Lifecycle (called from the main thread):
 *   crier_fetch_start(&f, &cfg, err, sizeof err);  // posts every source's cached
 *                        // items at once, then starts the thread that fetches them
 *   ... crier_fetch_status(f, snap, cap); crier_fetch_refresh_all(f); ...
 *   crier_fetch_stop(f); // stop message, join (transfers aborted), free
 *
 * Results: each successful refresh posts one CRIER_MSG_SOURCE_ITEMS message
 * (source = the source name, payload = an owned crier_item_list*, freed with
 * crier_item_list_free_void) that replaces every item of that source.  A failed
 * refresh posts no items, so the previous good content stays on screen; it is
 * logged ("source NAME: reason"), recorded in the status and announced with a
 * CRIER_MSG_STATUS "source_failed".  Items carry the source's schedule
 * (priority, weight, default validity); day-parting is the consumer's check
 * with crier_schedule_allows() on crier_fetch_schedule().
 *
 * The thread never touches the renderer: it blocks only in curl_multi_poll()
 * (with the worker's wake descriptor as an extra fd, so a stop or refresh
 * message wakes it) and does all parsing itself.
 * Lock contract: `lock` guards the status array only; it is never held while
 * parsing, doing I/O or posting, and no other module is called under it. */
#ifndef CRIER_FETCH_H
#define CRIER_FETCH_H

#include "content/content.h"
#include "base/error.h"
#include "feeds/download.h"
#include "feeds/feed.h"
#include "feeds/feed_schedule.h"
#include "base/mailbox.h"

#include <stddef.h>
#include <stdint.h>

typedef struct crier_source_cfg {
    const char *name;         /* [A-Za-z0-9._-]{1,64}: also the cache file name */
    crier_feed_type type;     /* not CRIER_FEED_FILE */
    const char *url;          /* http:// or https:// */
    int refresh_s;            /* seconds between successful fetches (default 300, min 10) */
    size_t max_bytes;         /* body cap, decoded (default 4 MiB) */
    crier_schedule schedule;  /* priority, weight, hours, days, default validity */
    crier_feed_opts parse;    /* window, limits, boosts/replies, link_urls; source/now set by the fetcher.
                                 Zero-initialised fields get crier_feed_opts_init() defaults. */
} crier_source_cfg;

typedef struct crier_fetch_cfg {
    const char *cache_dir;       /* required; created if missing */
    crier_http_cfg http;         /* TLS settings, timeouts, redirects (feeds/download.h) */
    size_t image_max_bytes;      /* per image (default 3 MiB) */
    unsigned max_images;         /* images fetched per source refresh (default 20) */
    int backoff_min_s;           /* first retry after a failure (default 15) */
    int backoff_max_s;           /* retry interval ceiling (default 1800) */
    int max_parallel;            /* transfers at once (default 4) */
    int parse_timeout_ms;        /* each body is parsed in a child killed after this long (default
                                  * CRIER_FEED_PARSE_TIMEOUT_MS, feeds/parse_child.h); < 0: in-process */
    const crier_source_cfg *sources; /* n_sources entries, copied by start */
    size_t n_sources;
    crier_mailbox *to;           /* where results go (the render mailbox); unused by once */
} crier_fetch_cfg;

/* Fill the defaults above (cache_dir, CA, sources and mailbox stay NULL). */
void crier_fetch_cfg_init(crier_fetch_cfg *cfg);
/* Fill a source's defaults (type rss, refresh 300 s, 4 MiB, default schedule and parse options). */
void crier_source_cfg_init(crier_source_cfg *src);

typedef struct crier_source_status {
    char name[65];
    crier_feed_type type;
    int64_t last_attempt_ms;   /* wall ms, 0 = never */
    int64_t last_success_ms;   /* wall ms of the content shown (from the cache at start-up) */
    int64_t last_error_ms;     /* wall ms, 0 = never failed */
    int64_t next_attempt_ms;   /* wall ms */
    char last_error[200];      /* "" if the last attempt succeeded */
    crier_err last_err;
    long http_status;          /* of the last completed attempt, 0 if none */
    size_t item_count;         /* items in the last list posted */
    unsigned failures;         /* consecutive */
    int from_cache;            /* the items shown came from the disk cache */
} crier_source_status;

typedef struct crier_fetch crier_fetch;

/* Copies cfg and its sources (strings included) and validates names, types
 * and URLs; loads and posts the cached items of every source, then starts the
 * thread.  On error *out is NULL and err (may be NULL) says why. */
crier_err crier_fetch_start(crier_fetch **out, const crier_fetch_cfg *cfg, char *err, size_t err_len);
/* Fetch every source now (the "reload" command); back-off is reset.  Any thread. */
void crier_fetch_refresh_all(crier_fetch *f);
/* NULL-safe: stop message, join (transfers in flight aborted), free everything. */
void crier_fetch_stop(crier_fetch *f);

/* Copy up to cap source statuses into out; returns the number of sources. */
size_t crier_fetch_status(crier_fetch *f, crier_source_status *out, size_t cap);
/* The schedule of source i (for day-parting checks); NULL if out of range. */
const crier_schedule *crier_fetch_schedule(const crier_fetch *f, size_t i);

/* For `crier --print-content`: fetch every source once in the calling thread
 * (no worker thread, no mailbox); a source that fails falls back to its cache.
 * Appends every source's items (schedule applied, not-current items pruned)
 * to *out.  If status is not NULL it receives cfg->n_sources statuses.  Returns CRIER_OK when
 * every source produced content (fresh or cached), else the first error. */
crier_err crier_fetch_once(const crier_fetch_cfg *cfg, crier_item_list *out, crier_source_status *status);

#endif
