/* fetch_result.c - what a finished transfer means for its source (see
 * fetch_internal.h): on success (200) the content type is checked, the body
 * parsed (feed_*), cached atomically with its ETag / Last-Modified
 * (feeds/cache), the schedule applied, then the images the items reference are
 * resolved: already cached -> local path; else downloaded (feeds/download.h
 * rules) into the cache and the path set; failures drop the image, never the
 * item.  When the source's last image transfer ends, its list is posted as
 * CRIER_MSG_SOURCE_ITEMS.
 * On 304: the cached body is parsed again (the events window moves) and posted.
 * On failure: nothing is posted (the last good content stays), the error is
 * logged with the source name and kept in the status, and the next attempt
 * is scheduled with exponential back-off and jitter:
 *   delay = min(backoff_max, backoff_min * 2^(failures-1)) * uniform(0.5, 1.0).
 * Runs on the fetch thread only (or in the caller of crier_fetch_once). */
#include "feeds/fetch_internal.h"
#include "feeds/parse_child.h"

#include "base/log.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static crier_err parse_body(crier_fetch *f, fetch_src *s, const char *body, size_t len, crier_item_list **out,
                            char *err, size_t err_len);
static void finish_images_or_post(crier_fetch *f, fetch_src *s, crier_item_list *list, int64_t success_ms);

/* ---- helpers --------------------------------------------------------------- */

static uint64_t rng_next(crier_fetch *f)
{
    uint64_t x = f->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return f->rng = x;
}

static int64_t backoff_ms(crier_fetch *f, unsigned failures)
{
    int64_t d = (int64_t)f->cfg.backoff_min_s * 1000;
    for (unsigned i = 1; i < failures && d < (int64_t)f->cfg.backoff_max_s * 1000; i++)
        d *= 2;
    if (d > (int64_t)f->cfg.backoff_max_s * 1000)
        d = (int64_t)f->cfg.backoff_max_s * 1000;
    /* equal jitter: uniform in [d/2, d] */
    return d / 2 + (int64_t)(rng_next(f) % (uint64_t)(d / 2 + 1));
}

/* The source's status under f->lock; status_unlock() soon after (no I/O between). */
static crier_source_status *status_lock(crier_fetch *f, fetch_src *s)
{
    pthread_mutex_lock(&f->lock);
    return &f->status[s->index];
}

static void status_unlock(crier_fetch *f)
{
    pthread_mutex_unlock(&f->lock);
}

/* ---- posting ---------------------------------------------------------------- */

/* Hand the list over (mailbox, or once_out); always consumes list. */
static void post_list(crier_fetch *f, fetch_src *s, crier_item_list *list, int from_cache, int64_t success_ms)
{
    size_t count = list->count;
    if (!from_cache) {
        s->failures = 0;
        s->next_due = crier_mono_ms() + (int64_t)s->cfg.refresh_s * 1000;
    }
    LOG_INFO("feed", "source %s: %zu items%s", s->cfg.name, list->count, from_cache ? " (from cache)" : "");
    if (f->once) {
        if (crier_feed_append_all(f->once_out, list) != CRIER_OK)
            LOG_ERROR("feed", "source %s: out of memory", s->cfg.name);
        crier_item_list_free(list);
    } else {
        crier_msg *m = crier_msg_new(CRIER_MSG_SOURCE_ITEMS, s->cfg.name, NULL);
        if (!m) {
            crier_item_list_free(list);
        } else {
            m->payload = list;
            m->payload_free = crier_item_list_free_void;
            crier_err rc = crier_mailbox_post(f->mb, m);
            if (rc != CRIER_OK)
                LOG_WARN("feed", "source %s: cannot post items: %s", s->cfg.name, crier_strerror(rc));
        }
    }
    crier_source_status *st = status_lock(f, s);
    st->item_count = count;
    st->last_success_ms = success_ms;
    st->from_cache = from_cache;
    if (!from_cache) {
        st->failures = 0;
        st->last_error[0] = '\0';
        st->last_err = CRIER_OK;
        st->next_attempt_ms = crier_wall_ms() + (int64_t)s->cfg.refresh_s * 1000;
    }
    status_unlock(f);
}

static void source_failed(crier_fetch *f, fetch_src *s, crier_err err, long http, const char *msg)
{
    s->failures++;
    int64_t delay = backoff_ms(f, s->failures);
    s->next_due = crier_mono_ms() + delay;
    s->busy = 0;
    LOG_WARN("feed", "source %s: %s (failure %u, retry in %.1f s)", s->cfg.name, msg, s->failures,
             (double)delay / 1000.0);
    crier_source_status *st = status_lock(f, s);
    st->last_err = err;
    snprintf(st->last_error, sizeof st->last_error, "%s", msg);
    st->last_error_ms = crier_wall_ms();
    st->failures = s->failures;
    st->next_attempt_ms = st->last_error_ms + delay;
    if (http)
        st->http_status = http;
    status_unlock(f);
    if (f->once) {
        s->done_once = 1;
        crier_fetch_load_cache_and_post(f, s, 0);
    } else if (f->mb) {
        /* Tell the screen (no content changes): it may now say "as of HH:MM". */
        crier_mailbox_post(f->mb, crier_msg_new(CRIER_MSG_STATUS, s->cfg.name, "source_failed"));
    }
}


static const char *accept_for(crier_feed_type t)
{
    switch (t) {
    case CRIER_FEED_RSS:
    case CRIER_FEED_ATOM:
        return "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1";
    case CRIER_FEED_ICAL:
        return "text/calendar, */*;q=0.1";
    default:
        return "application/feed+json, application/json, */*;q=0.1";
    }
}

void crier_fetch_xfer_free(fetch_xfer *x)
{
    if (!x)
        return;
    crier_download_clear(&x->dl);
    free(x->url);
    free(x->path);
    free(x);
}

static fetch_xfer *xfer_new(crier_fetch *f, fetch_src *s, fetch_xfer_kind kind, const char *url, size_t max,
                            const char *accept)
{
    fetch_xfer *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->kind = kind;
    x->s = s;
    if (crier_download_init(&x->dl, &f->cfg.http, url, max, accept, x) != CRIER_OK) {
        crier_fetch_xfer_free(x);
        return NULL;
    }
    return x;
}

static int start_xfer(crier_fetch *f, fetch_xfer *x)
{
    if (curl_multi_add_handle(f->multi, x->dl.easy) != CURLM_OK)
        return -1;
    x->next = f->xfers;
    f->xfers = x;
    f->running++;
    return 0;
}

void crier_fetch_start_feed(crier_fetch *f, fetch_src *s)
{
    fetch_xfer *x = xfer_new(f, s, FETCH_X_FEED, s->cfg.url, s->cfg.max_bytes, accept_for(s->cfg.type));
    if (!x) {
        source_failed(f, s, CRIER_ERR_NOMEM, 0, "out of memory");
        return;
    }
    char line[400];
    crier_err rc = CRIER_OK;
    if (s->have_meta && s->meta.etag[0]) {
        snprintf(line, sizeof line, "If-None-Match: %s", s->meta.etag);
        rc = crier_download_header(&x->dl, line);
    }
    if (rc == CRIER_OK && s->have_meta && s->meta.last_modified[0]) {
        snprintf(line, sizeof line, "If-Modified-Since: %s", s->meta.last_modified);
        rc = crier_download_header(&x->dl, line);
    }
    s->busy = 1;
    status_lock(f, s)->last_attempt_ms = crier_wall_ms();
    status_unlock(f);
    if (rc != CRIER_OK || start_xfer(f, x) != 0) {
        crier_fetch_xfer_free(x);
        source_failed(f, s, CRIER_ERR_NOMEM, 0, "cannot start transfer");
    }
}

/* Classify a failed transfer into (error, message). */

static crier_err parse_body(crier_fetch *f, fetch_src *s, const char *body, size_t len, crier_item_list **out, char *err,
                            size_t err_len)
{
    crier_feed_opts o = s->cfg.parse;
    o.source = s->cfg.name;
    o.now_ms = crier_wall_ms();
    if (o.default_validity_ms == 0)
        o.default_validity_ms = s->cfg.schedule.default_validity_ms;
    crier_item_list *l = crier_item_list_new();
    if (!l) {
        crier_errf(err, err_len, "out of memory");
        return CRIER_ERR_NOMEM;
    }
    crier_err rc = crier_feed_parse_isolated(s->cfg.type, body, len, &o, f->cfg.parse_timeout_ms, l, err, err_len);
    if (rc != CRIER_OK) {
        crier_item_list_free(l);
        return rc;
    }
    crier_schedule_apply(&s->cfg.schedule, l);
    crier_schedule_prune(l, o.now_ms);
    *out = l;
    return CRIER_OK;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* Resolve images: cached ones get their path now; missing ones are downloaded
 * when `network` (else dropped).  Posts when nothing is left in flight. */
static void resolve_images(crier_fetch *f, fetch_src *s, crier_item_list *list, int network, int from_cache,
                           int64_t success_ms)
{
    unsigned started = 0;
    char path[4096];
    for (size_t i = 0; i < list->count; i++) {
        crier_item *it = &list->items[i];
        if (!it->image)
            continue;
        if (!crier_feed_is_http_url(it->image)) { /* feeds never name local files */
            free(it->image);
            it->image = NULL;
            continue;
        }
        crier_cache_image_path(f->cfg.cache_dir, it->image, path, sizeof path);
        if (file_exists(path)) {
            char *p = crier_strdup(path);
            if (p) {
                free(it->image);
                it->image = p;
            }
            continue;
        }
        /* Same URL already queued in this batch? It will be rewritten with that one. */
        int queued = 0;
        for (size_t j = 0; j < i && !queued; j++)
            queued = list->items[j].image && !strcmp(list->items[j].image, it->image);
        if (queued)
            continue;
        if (!network || started >= f->cfg.max_images) {
            free(it->image);
            it->image = NULL;
            continue;
        }
        fetch_xfer *x = xfer_new(f, s, FETCH_X_IMAGE, it->image, f->cfg.image_max_bytes, "image/*");
        if (x) {
            x->url = crier_strdup(it->image);
            x->path = crier_strdup(path);
        }
        if (!x || !x->url || !x->path || start_xfer(f, x) != 0) {
            crier_fetch_xfer_free(x);
            free(it->image);
            it->image = NULL;
            continue;
        }
        started++;
    }
    if (started == 0) {
        post_list(f, s, list, from_cache, success_ms);
        s->busy = 0;
        return;
    }
    s->pending = list;
    s->pending_success_ms = success_ms;
    s->images_inflight = started;
}

static void finish_images_or_post(crier_fetch *f, fetch_src *s, crier_item_list *list, int64_t success_ms)
{
    resolve_images(f, s, list, 1, 0, success_ms);
}

void crier_fetch_load_cache_and_post(crier_fetch *f, fetch_src *s, int network_ok)
{
    char *body = NULL;
    size_t len = 0;
    crier_cache_meta meta;
    crier_err rc = crier_cache_load(f->cfg.cache_dir, s->cfg.name, s->cfg.max_bytes, &body, &len, &meta);
    if (rc == CRIER_ERR_NOTFOUND)
        return;
    if (rc != CRIER_OK) {
        LOG_WARN("feed", "source %s: cache unusable: %s", s->cfg.name, crier_strerror(rc));
        return;
    }
    char err[400] = "";
    crier_item_list *l = NULL;
    rc = parse_body(f, s, body, len, &l, err, sizeof err);
    free(body);
    if (rc != CRIER_OK) {
        LOG_WARN("feed", "source %s: cached copy does not parse: %s", s->cfg.name, err);
        return;
    }
    s->meta = meta;
    s->have_meta = 1;
    resolve_images(f, s, l, network_ok, 1, meta.fetched_ms);
}

static void feed_done(crier_fetch *f, fetch_xfer *x, CURLcode code)
{
    fetch_src *s = x->s;
    long http = 0;
    char msg[400];
    curl_easy_getinfo(x->dl.easy, CURLINFO_RESPONSE_CODE, &http);
    if (code != CURLE_OK) {
        crier_err e = crier_download_failure(&x->dl, code, msg, sizeof msg);
        source_failed(f, s, e, http, msg);
        return;
    }
    if (http == 304) {
        if (f->once)
            s->done_once = 1;
        char *body = NULL;
        size_t len = 0;
        crier_cache_meta meta;
        crier_err rc = crier_cache_load(f->cfg.cache_dir, s->cfg.name, s->cfg.max_bytes, &body, &len, &meta);
        crier_item_list *l = NULL;
        char err[400] = "";
        if (rc == CRIER_OK)
            rc = parse_body(f, s, body, len, &l, err, sizeof err);
        free(body);
        if (rc != CRIER_OK) {
            s->have_meta = 0; /* ask for the full body next time */
            snprintf(msg, sizeof msg, "HTTP 304 but the cached copy is unusable (%s)", err[0] ? err : crier_strerror(rc));
            source_failed(f, s, CRIER_ERR_IO, http, msg);
            return;
        }
        LOG_DEBUG("feed", "source %s: not modified", s->cfg.name);
        finish_images_or_post(f, s, l, crier_wall_ms());
        return;
    }
    if (http < 200 || http > 299) {
        snprintf(msg, sizeof msg, "HTTP %ld", http);
        source_failed(f, s, CRIER_ERR_NET, http, msg);
        return;
    }
    char *ct = NULL;
    curl_easy_getinfo(x->dl.easy, CURLINFO_CONTENT_TYPE, &ct);
    if (!crier_feed_content_type_ok(s->cfg.type, ct)) {
        snprintf(msg, sizeof msg, "unexpected content type \"%.100s\" for a %s source", ct,
                 crier_feed_type_name(s->cfg.type));
        source_failed(f, s, CRIER_ERR_PARSE, http, msg);
        return;
    }
    crier_item_list *l = NULL;
    char err[400] = "";
    crier_err rc = parse_body(f, s, x->dl.body.data ? x->dl.body.data : "", x->dl.body.len, &l, err, sizeof err);
    if (rc != CRIER_OK) {
        snprintf(msg, sizeof msg, "%s", err);
        source_failed(f, s, rc, http, msg);
        return;
    }
    if (f->once)
        s->done_once = 1;
    crier_cache_meta meta = {.fetched_ms = crier_wall_ms()};
    snprintf(meta.etag, sizeof meta.etag, "%s", x->dl.etag);
    snprintf(meta.last_modified, sizeof meta.last_modified, "%s", x->dl.last_modified);
    snprintf(meta.content_type, sizeof meta.content_type, "%s", ct ? ct : "");
    if (crier_cache_store(f->cfg.cache_dir, s->cfg.name, x->dl.body.data ? x->dl.body.data : "", x->dl.body.len, &meta) == CRIER_OK) {
        s->meta = meta;
        s->have_meta = 1;
    } else {
        s->have_meta = 0;
        LOG_WARN("feed", "source %s: cannot write the cache", s->cfg.name);
    }
    status_lock(f, s)->http_status = http;
    status_unlock(f);
    finish_images_or_post(f, s, l, meta.fetched_ms);
}

static void image_done(crier_fetch *f, fetch_xfer *x, CURLcode code)
{
    fetch_src *s = x->s;
    char msg[256];
    int saved = crier_download_store_image(&x->dl, code, x->path, msg, sizeof msg) == CRIER_OK;
    if (!saved)
        LOG_WARN("feed", "source %s: image %s: %s", s->cfg.name, x->url, msg);
    crier_item_list *l = s->pending;
    for (size_t i = 0; l && i < l->count; i++) {
        crier_item *it = &l->items[i];
        if (it->image && !strcmp(it->image, x->url)) {
            free(it->image);
            it->image = saved ? crier_strdup(x->path) : NULL;
        }
    }
    if (s->images_inflight > 0 && --s->images_inflight == 0 && l) {
        s->pending = NULL;
        post_list(f, s, l, 0, s->pending_success_ms);
        s->busy = 0;
    }
}

void crier_fetch_finish_completed(crier_fetch *f)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        fetch_xfer *x = NULL;
        CURLcode code = m->data.result;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        curl_multi_remove_handle(f->multi, m->easy_handle);
        for (fetch_xfer **pp = &f->xfers; *pp; pp = &(*pp)->next)
            if (*pp == x) {
                *pp = x->next;
                break;
            }
        f->running--;
        if (x->kind == FETCH_X_FEED)
            feed_done(f, x, code);
        else
            image_done(f, x, code);
        crier_fetch_xfer_free(x);
    }
}

