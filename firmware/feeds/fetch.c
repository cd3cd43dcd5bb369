/* fetch.c - the fetch thread: one crier_worker, libcurl multi, every network
 * source (see fetch.h; what a finished transfer does is fetch_result.c).
 *
 * Design
 *   The worker owns a CURLM.  Its tick starts the transfers that are due (at
 *   most max_parallel at once), runs curl_multi_perform(), finishes completed
 *   transfers and returns the nearest deadline: the next source due.  Its wait
 *   is curl_multi_poll() with the worker's wake descriptor as an extra fd, so
 *   libcurl's sockets and timers, a refresh and the stop message all wake
 *   it.  No busy polling: an idle fetcher wakes once per due source.
 *
 *   At start (crier_fetch_start, caller's thread, before the worker exists)
 *   every source's cached body is parsed and posted, so the screen has content
 *   before any network answer.  All parsing afterwards happens on the worker,
 *   which keeps libical single-threaded.  crier_fetch_once() runs the same
 *   tick and poll in the caller's thread, without a worker.
 *
 * Locking: `lock` guards status[] (read by crier_fetch_status from any thread);
 * `refresh` is atomic; everything else belongs to the worker (or to the
 * caller before start / after stop). */
#include "feeds/fetch_internal.h"
#include "feeds/parse_child.h"

#include "base/log.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void crier_fetch_cfg_init(crier_fetch_cfg *cfg)
{
    *cfg = (crier_fetch_cfg){
        .image_max_bytes = 3u * 1024u * 1024u,
        .max_images = 20,
        .backoff_min_s = 15,
        .backoff_max_s = 1800,
        .max_parallel = 4,
        .parse_timeout_ms = CRIER_FEED_PARSE_TIMEOUT_MS,
    };
    crier_http_cfg_init(&cfg->http);
}

void crier_source_cfg_init(crier_source_cfg *s)
{
    *s = (crier_source_cfg){.type = CRIER_FEED_RSS, .refresh_s = 300, .max_bytes = 4u * 1024u * 1024u};
    crier_schedule_init(&s->schedule);
    crier_feed_opts_init(&s->parse);
}

/* ---- the loop ----------------------------------------------------------------- */

static int all_done_once(crier_fetch *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (!f->srcs[i].done_once || f->srcs[i].busy)
            return 0;
    return 1;
}

/* One round: start what is due, let libcurl work, finish what completed.
 * Returns how long to wait (ms), or -1 when a once-run is complete. */
static int64_t tick(crier_fetch *f)
{
    int64_t now = crier_mono_ms();
    if (atomic_exchange(&f->refresh, 0)) {
        for (size_t i = 0; i < f->n; i++)
            if (!f->srcs[i].busy) {
                f->srcs[i].next_due = now;
                f->srcs[i].failures = 0;
            }
    }
    for (size_t i = 0; i < f->n && f->running < (unsigned)f->cfg.max_parallel; i++) {
        fetch_src *s = &f->srcs[i];
        if (!s->busy && !(f->once && s->done_once) && s->next_due <= now)
            crier_fetch_start_feed(f, s);
    }
    if (f->once && all_done_once(f))
        return -1;
    int still = 0;
    curl_multi_perform(f->multi, &still);
    crier_fetch_finish_completed(f);
    if (f->once && all_done_once(f))
        return -1;
    /* Sleep until the next source is due (sources waiting for a free slot
     * are woken by the transfer that frees it). */
    now = crier_mono_ms();
    int64_t timeout = 60000;
    int slots = f->running < (unsigned)f->cfg.max_parallel;
    for (size_t i = 0; i < f->n; i++) {
        fetch_src *s = &f->srcs[i];
        if (s->busy || (f->once && s->done_once))
            continue;
        int64_t d = s->next_due - now;
        if (d <= 0 && !slots)
            continue;
        if (d < timeout)
            timeout = d < 0 ? 0 : d;
    }
    return timeout;
}

/* Aborts what is still in flight and drops half-done lists. */
static void abort_all(crier_fetch *f)
{
    while (f->xfers) {
        fetch_xfer *x = f->xfers;
        f->xfers = x->next;
        curl_multi_remove_handle(f->multi, x->dl.easy);
        crier_fetch_xfer_free(x);
    }
    f->running = 0;
    for (size_t i = 0; i < f->n; i++) {
        crier_item_list_free(f->srcs[i].pending);
        f->srcs[i].pending = NULL;
        f->srcs[i].busy = 0;
        f->srcs[i].images_inflight = 0;
    }
}

/* ---- worker callbacks ------------------------------------------------------------ */

static int64_t on_tick(void *ud, int64_t now_ms)
{
    return now_ms + tick(ud);
}

static void wait_io(void *ud, int wake_fd, int timeout_ms)
{
    crier_fetch *f = ud;
    struct curl_waitfd wake = {.fd = wake_fd, .events = CURL_WAIT_POLLIN};
    curl_multi_poll(f->multi, &wake, 1, timeout_ms < 0 ? 60000 : timeout_ms, NULL);
}

static void on_stop(void *ud)
{
    abort_all(ud);
}

static const crier_worker_ops fetch_ops = {
    .name = "crier-fetch",
    .on_tick = on_tick,
    .wait = wait_io,
    .on_stop = on_stop,
};

/* ---- set-up ------------------------------------------------------------------------ */

static void fetch_free(crier_fetch *f)
{
    if (!f)
        return;
    for (size_t i = 0; f->srcs && i < f->n; i++) {
        free((char *)f->srcs[i].cfg.name);
        free((char *)f->srcs[i].cfg.url);
        crier_item_list_free(f->srcs[i].pending);
    }
    if (f->multi)
        curl_multi_cleanup(f->multi);
    free(f->srcs);
    free(f->status);
    free((char *)f->cfg.cache_dir);
    crier_http_cfg_release(&f->cfg.http);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

static crier_err validate(const crier_fetch_cfg *cfg, char *err, size_t err_len)
{
    if (!cfg || !cfg->cache_dir || !*cfg->cache_dir) {
        crier_errf(err, err_len, "fetch: cache_dir is required");
        return CRIER_ERR_INVAL;
    }
    for (size_t i = 0; i < cfg->n_sources; i++) {
        const crier_source_cfg *s = &cfg->sources[i];
        if (!crier_cache_name_ok(s->name)) {
            crier_errf(err, err_len, "source '%s': name must be [A-Za-z0-9._-]{1,64}", s->name ? s->name : "");
            return CRIER_ERR_INVAL;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(cfg->sources[j].name, s->name)) {
                crier_errf(err, err_len, "source '%s': defined twice", s->name);
                return CRIER_ERR_INVAL;
            }
        if ((unsigned)s->type >= CRIER_FEED__COUNT || s->type == CRIER_FEED_FILE) {
            crier_errf(err, err_len, "source '%s': type %s is not fetched over the network", s->name,
                       crier_feed_type_name(s->type));
            return CRIER_ERR_INVAL;
        }
        if (!crier_feed_is_http_url(s->url)) {
            crier_errf(err, err_len, "source '%s': url must start with http:// or https://", s->name);
            return CRIER_ERR_INVAL;
        }
    }
    return CRIER_OK;
}

/* Zero-initialised limits get their defaults. */
static void source_defaults(crier_source_cfg *c)
{
    crier_feed_opts d;
    crier_feed_opts_init(&d);
    crier_feed_opts *o = &c->parse;
#define DEF(field)                                                                                                 \
    if (!o->field)                                                                                                 \
    o->field = d.field
    DEF(window_ms);
    DEF(max_items);
    DEF(max_text);
    DEF(max_title);
    DEF(max_depth);
    DEF(max_elements);
    DEF(max_instances);
    DEF(max_recur_steps);
#undef DEF
    if (c->refresh_s < 10)
        c->refresh_s = c->refresh_s <= 0 ? 300 : 10;
    if (!c->max_bytes)
        c->max_bytes = 4u * 1024u * 1024u;
    if (c->schedule.weight <= 0)
        c->schedule.weight = 1;
}

/* Copies and checks cfg: the fetcher, not yet running.  NULL with err set. */
static crier_fetch *fetch_new(const crier_fetch_cfg *cfg, char *err, size_t err_len)
{
    crier_download_global_init();
    if (validate(cfg, err, err_len) != CRIER_OK)
        return NULL;
    size_t n = cfg->n_sources;
    crier_fetch *f = calloc(1, sizeof *f);
    if (!f)
        goto nomem;
    pthread_mutex_init(&f->lock, NULL);
    crier_fetch_cfg def;
    crier_fetch_cfg_init(&def);
    f->cfg = *cfg;
    f->cfg.http = (crier_http_cfg){0};
    f->cfg.sources = NULL;
#define DEF(field)                                                                                                 \
    if (f->cfg.field <= 0)                                                                                         \
    f->cfg.field = def.field
    DEF(image_max_bytes);
    DEF(max_images);
    DEF(backoff_min_s);
    DEF(backoff_max_s);
    DEF(max_parallel);
    if (f->cfg.parse_timeout_ms == 0)
        f->cfg.parse_timeout_ms = def.parse_timeout_ms;
#undef DEF
    if (f->cfg.backoff_max_s < f->cfg.backoff_min_s)
        f->cfg.backoff_max_s = f->cfg.backoff_min_s;
    f->cfg.cache_dir = crier_strdup(cfg->cache_dir);
    f->mb = cfg->to;
    f->n = n;
    f->srcs = calloc(n ? n : 1, sizeof *f->srcs);
    f->status = calloc(n ? n : 1, sizeof *f->status);
    f->multi = curl_multi_init();
    if (!f->cfg.cache_dir || !f->srcs || !f->status || !f->multi ||
        crier_http_cfg_copy(&f->cfg.http, &cfg->http) != CRIER_OK)
        goto nomem;
    curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)f->cfg.max_parallel * 2);
    f->rng = (uint64_t)crier_mono_ms() * 0x9E3779B97F4A7C15ULL ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)f;
    if (!f->rng)
        f->rng = 1;
    for (size_t i = 0; i < n; i++) {
        fetch_src *s = &f->srcs[i];
        s->cfg = cfg->sources[i];
        s->index = i;
        s->cfg.name = crier_strdup(cfg->sources[i].name);
        s->cfg.url = crier_strdup(cfg->sources[i].url);
        if (!s->cfg.name || !s->cfg.url)
            goto nomem;
        source_defaults(&s->cfg);
        snprintf(f->status[i].name, sizeof f->status[i].name, "%s", s->cfg.name);
        f->status[i].type = s->cfg.type;
    }
    if (crier_cache_init(f->cfg.cache_dir) != CRIER_OK) {
        crier_errf(err, err_len, "fetch: cannot create cache folder %s", f->cfg.cache_dir);
        fetch_free(f);
        return NULL;
    }
    /* Validators of the cached bodies, for conditional GETs from the first fetch on. */
    for (size_t i = 0; i < n; i++) {
        fetch_src *s = &f->srcs[i];
        char *body = NULL;
        size_t len = 0;
        if (crier_cache_load(f->cfg.cache_dir, s->cfg.name, s->cfg.max_bytes, &body, &len, &s->meta) == CRIER_OK)
            s->have_meta = 1;
        free(body);
    }
    return f;
nomem:
    crier_errf(err, err_len, "fetch: out of memory");
    fetch_free(f);
    return NULL;
}

/* ---- public API ------------------------------------------------------------------ */

crier_err crier_fetch_start(crier_fetch **out, const crier_fetch_cfg *cfg, char *err, size_t err_len)
{
    *out = NULL;
    crier_fetch *f = fetch_new(cfg, err, err_len);
    if (!f)
        return CRIER_ERR_INVAL;
    /* Last good content first, before any network. */
    for (size_t i = 0; i < f->n; i++)
        crier_fetch_load_cache_and_post(f, &f->srcs[i], 0);
    int64_t now = crier_mono_ms();
    for (size_t i = 0; i < f->n; i++) {
        f->srcs[i].next_due = now;
        f->srcs[i].busy = 0;
    }
    crier_err rc = crier_worker_start(&f->worker, &fetch_ops, f, 0);
    if (rc != CRIER_OK) {
        crier_errf(err, err_len, "cannot start the fetch thread: %s", crier_strerror(rc));
        fetch_free(f);
        return rc;
    }
    *out = f;
    return CRIER_OK;
}

void crier_fetch_refresh_all(crier_fetch *f)
{
    if (!f)
        return;
    atomic_store(&f->refresh, 1);
    crier_worker_wake(f->worker);
}

void crier_fetch_stop(crier_fetch *f)
{
    if (!f)
        return;
    crier_worker_stop(f->worker); /* runs on_stop: transfers aborted */
    fetch_free(f);
}

size_t crier_fetch_status(crier_fetch *f, crier_source_status *out, size_t cap)
{
    if (!f)
        return 0;
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->n && i < cap; i++)
        out[i] = f->status[i];
    pthread_mutex_unlock(&f->lock);
    return f->n;
}

const crier_schedule *crier_fetch_schedule(const crier_fetch *f, size_t i)
{
    return f && i < f->n ? &f->srcs[i].cfg.schedule : NULL;
}

crier_err crier_fetch_once(const crier_fetch_cfg *cfg, crier_item_list *out, crier_source_status *status)
{
    char err[256] = "";
    crier_fetch *f = fetch_new(cfg, err, sizeof err);
    if (!f) {
        LOG_ERROR("feed", "%s", err);
        return CRIER_ERR_INVAL;
    }
    f->once = 1;
    f->once_out = out;
    int64_t now = crier_mono_ms();
    for (size_t i = 0; i < f->n; i++)
        f->srcs[i].next_due = now;
    int64_t timeout;
    while ((timeout = tick(f)) >= 0)
        curl_multi_poll(f->multi, NULL, 0, (int)timeout, NULL);
    abort_all(f);
    crier_err rc = CRIER_OK;
    for (size_t i = 0; i < f->n; i++) {
        if (status)
            status[i] = f->status[i];
        if (f->status[i].last_err != CRIER_OK && !f->status[i].from_cache && rc == CRIER_OK)
            rc = f->status[i].last_err;
    }
    crier_schedule_prune(out, crier_wall_ms());
    fetch_free(f);
    return rc;
}
