/* fetch.c - one worker thread, libcurl multi, every network source (see fetch.h).
 *
 * Design
 *   The thread owns a CURLM and loops: start the transfers that are due (at most
 *   max_parallel at once), curl_multi_perform(), finish completed transfers, then
 *   sleep in curl_multi_poll() until the nearest deadline: the next source due,
 *   or libcurl's own timers (timeouts), or a curl_multi_wakeup() from stop/refresh.
 *   No busy polling: an idle fetcher wakes once per due source.
 *
 *   A feed transfer's body goes into a growing buffer whose cap (max_bytes) is
 *   enforced in the write callback (returning 0 aborts the transfer), so a huge
 *   or endless body never costs more than the cap; CURLOPT_MAXFILESIZE rejects a
 *   too-large Content-Length before any byte.  Bodies are decoded (gzip) before
 *   they count, so a compression bomb hits the cap too.
 *
 *   On success (200): content type checked, body parsed (core/feed_*), cached
 *   atomically with its ETag / Last-Modified (io/cache), schedule applied, then
 *   the images the items reference are resolved: already cached -> local path;
 *   else downloaded (image_max_bytes, image types only) into the cache and the path
 *   set; failures drop the image, never the item.  When the source's last image
 *   transfer ends, its list is posted as CRIER_MSG_SOURCE_ITEMS.
 *   On 304: the cached body is parsed again (the events window moves) and posted.
 *   On failure: nothing is posted (the last good content stays), the error is
 *   logged with the source name and kept in the status, and the next attempt
 *   is scheduled with exponential back-off and jitter:
 *     delay = min(backoff_max, backoff_min * 2^(failures-1)) * uniform(0.5, 1.0).
 *
 *   At start-up (crier_fetch_start, caller's thread, before the worker exists)
 *   every source's cached body is parsed and posted, so the screen has content
 *   before any network answer.  All parsing afterwards happens in the worker,
 *   which keeps libical single-threaded.
 *
 * Locking: `lock` guards stop, refresh and status[]; everything else belongs to
 * the worker thread (or to the caller before start / after stop). */
#include "feeds/fetch.h"
#include "feeds/cache.h"
#include "base/atomicfile.h"
#include "base/log.h"
#include "base/timeutil.h"

#include "crier_version.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CRIER_VERSION
#define CRIER_VERSION "0"
#endif

typedef struct src src;

typedef enum xfer_kind { X_FEED, X_IMAGE } xfer_kind;

typedef struct xfer {
    xfer_kind kind;
    src *s;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    size_t len, cap, max;
    int too_big;
    char etag[256], last_modified[64];
    char *url;  /* image URL */
    char *path; /* image cache path */
    char errbuf[CURL_ERROR_SIZE];
    struct xfer *next; /* the fetcher's list of transfers in flight */
} xfer;

struct src {
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
    crier_fetch_cfg cfg; /* strings below owned */
    src *srcs;
    size_t n;
    crier_mailbox *mb;
    CURLM *multi;
    pthread_t thread;
    int started;
    unsigned running; /* transfers in the multi handle */
    xfer *xfers;      /* those transfers */
    uint64_t rng;
    int once;
    crier_item_list *once_out;

    pthread_mutex_t lock;
    int stop, refresh;            /* guarded by lock */
    crier_source_status *status;  /* guarded by lock */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void crier_fetch_cfg_init(crier_fetch_cfg *cfg)
{
    *cfg = (crier_fetch_cfg){
        .connect_timeout_s = 10,
        .low_speed_time_s = 20,
        .low_speed_bytes = 100,
        .total_timeout_s = 60,
        .max_redirects = 5,
        .image_max_bytes = 3u * 1024u * 1024u,
        .max_images = 20,
        .backoff_min_s = 15,
        .backoff_max_s = 1800,
        .max_parallel = 4,
    };
}

void crier_source_cfg_init(crier_source_cfg *s)
{
    *s = (crier_source_cfg){.type = CRIER_FEED_RSS, .refresh_s = 300, .max_bytes = 4u * 1024u * 1024u};
    crier_schedule_init(&s->schedule);
    crier_feed_opts_init(&s->parse);
}

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

static char *dup_or_null(const char *s)
{
    return s ? crier_strdup(s) : NULL;
}

static int is_http_url(const char *u)
{
    return u && (!strncasecmp(u, "http://", 7) || !strncasecmp(u, "https://", 8));
}

static void status_update(crier_fetch *f, src *s, void (*fn)(crier_source_status *, void *), void *ud)
{
    pthread_mutex_lock(&f->lock);
    fn(&f->status[s->index], ud);
    pthread_mutex_unlock(&f->lock);
}

/* ---- posting ---------------------------------------------------------------- */

typedef struct ok_info {
    size_t count;
    int64_t success_ms;
    int from_cache;
    int64_t next_ms;
} ok_info;

static void status_ok(crier_source_status *st, void *ud)
{
    ok_info *i = ud;
    st->item_count = i->count;
    st->last_success_ms = i->success_ms;
    st->from_cache = i->from_cache;
    if (!i->from_cache) {
        st->failures = 0;
        st->last_error[0] = '\0';
        st->last_err = CRIER_OK;
    }
    if (i->next_ms)
        st->next_attempt_ms = i->next_ms;
}

/* Hand the list over (mailbox, or once_out); always consumes list. */
static void post_list(crier_fetch *f, src *s, crier_item_list *list, int from_cache, int64_t success_ms)
{
    ok_info info = {.count = list->count, .success_ms = success_ms, .from_cache = from_cache};
    if (!from_cache) {
        s->failures = 0;
        s->next_due = crier_mono_ms() + (int64_t)s->cfg.refresh_s * 1000;
        info.next_ms = crier_wall_ms() + (int64_t)s->cfg.refresh_s * 1000;
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
    status_update(f, s, status_ok, &info);
}

typedef struct fail_info {
    crier_err err;
    const char *msg;
    long http;
    int64_t next_ms;
    unsigned failures;
} fail_info;

static void status_fail(crier_source_status *st, void *ud)
{
    fail_info *i = ud;
    st->last_err = i->err;
    snprintf(st->last_error, sizeof st->last_error, "%s", i->msg);
    st->last_error_ms = crier_wall_ms();
    st->failures = i->failures;
    st->next_attempt_ms = i->next_ms;
    if (i->http)
        st->http_status = i->http;
}

static crier_err parse_body(crier_fetch *f, src *s, const char *body, size_t len, crier_item_list **out, char *err,
                            size_t err_len);
static void finish_images_or_post(crier_fetch *f, src *s, crier_item_list *list, int64_t success_ms);

static void load_cache_and_post(crier_fetch *f, src *s, int network_ok);

static void source_failed(crier_fetch *f, src *s, crier_err err, long http, const char *msg)
{
    s->failures++;
    int64_t delay = backoff_ms(f, s->failures);
    s->next_due = crier_mono_ms() + delay;
    s->busy = 0;
    LOG_WARN("feed", "source %s: %s (failure %u, retry in %.1f s)", s->cfg.name, msg, s->failures,
             (double)delay / 1000.0);
    fail_info info = {.err = err, .msg = msg, .http = http, .next_ms = crier_wall_ms() + delay,
                      .failures = s->failures};
    status_update(f, s, status_fail, &info);
    if (f->once) {
        s->done_once = 1;
        load_cache_and_post(f, s, 0);
    } else if (f->mb) {
        /* Tell the screen (no content changes): it may now say "as of HH:MM". */
        crier_mailbox_post(f->mb, crier_msg_new(CRIER_MSG_STATUS, s->cfg.name, "source_failed"));
    }
}

/* ---- transfers ----------------------------------------------------------------- */

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    size_t n = size * nmemb;
    if (n > x->max - x->len) {
        x->too_big = 1;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    if (x->len + n + 1 > x->cap) {
        size_t nc = x->cap ? x->cap : 16384;
        while (nc < x->len + n + 1)
            nc *= 2;
        if (nc > x->max + 1)
            nc = x->max + 1;
        char *nb = realloc(x->body, nc);
        if (!nb)
            return 0;
        x->body = nb;
        x->cap = nc;
    }
    memcpy(x->body + x->len, ptr, n);
    x->len += n;
    x->body[x->len] = '\0';
    return n;
}

static void header_value(char *dst, size_t cap, const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\t'))
        v++, n--;
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
        n--;
    if (n >= cap)
        n = cap - 1; /* an over-long validator is cut: the server then just sends 200 */
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t on_header(char *buf, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    size_t n = size * nmemb;
    if (n >= 5 && !strncmp(buf, "HTTP/", 5)) { /* a new response (after a redirect) */
        x->etag[0] = x->last_modified[0] = '\0';
    } else if (n > 5 && !strncasecmp(buf, "etag:", 5)) {
        header_value(x->etag, sizeof x->etag, buf + 5, n - 5);
    } else if (n > 14 && !strncasecmp(buf, "last-modified:", 14)) {
        header_value(x->last_modified, sizeof x->last_modified, buf + 14, n - 14);
    }
    return n;
}

static void xfer_free(xfer *x)
{
    if (!x)
        return;
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    free(x->body);
    free(x->url);
    free(x->path);
    free(x);
}

static const char *accept_for(crier_feed_type t)
{
    switch (t) {
    case CRIER_FEED_RSS:
    case CRIER_FEED_ATOM:
        return "Accept: application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1";
    case CRIER_FEED_ICAL:
        return "Accept: text/calendar, */*;q=0.1";
    default:
        return "Accept: application/feed+json, application/json, */*;q=0.1";
    }
}

static xfer *xfer_new(crier_fetch *f, src *s, xfer_kind kind, const char *url, size_t max)
{
    xfer *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->kind = kind;
    x->s = s;
    x->max = max;
    x->easy = curl_easy_init();
    if (!x->easy) {
        free(x);
        return NULL;
    }
    CURL *e = x->easy;
    const crier_fetch_cfg *c = &f->cfg;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)c->max_redirects);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)c->connect_timeout_s);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)c->low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)c->low_speed_time_s);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)c->total_timeout_s);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
    if (c->ca_path)
        curl_easy_setopt(e, CURLOPT_CAPATH, c->ca_path);
    curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
    return x;
}

static int start_xfer(crier_fetch *f, xfer *x)
{
    if (curl_multi_add_handle(f->multi, x->easy) != CURLM_OK)
        return -1;
    x->next = f->xfers;
    f->xfers = x;
    f->running++;
    return 0;
}

static void set_attempt(crier_source_status *st, void *ud)
{
    st->last_attempt_ms = *(int64_t *)ud;
}

static void start_feed(crier_fetch *f, src *s)
{
    xfer *x = xfer_new(f, s, X_FEED, s->cfg.url, s->cfg.max_bytes);
    if (!x) {
        source_failed(f, s, CRIER_ERR_NOMEM, 0, "out of memory");
        return;
    }
    struct curl_slist *h = curl_slist_append(NULL, accept_for(s->cfg.type));
    char line[400];
    if (h && s->have_meta && s->meta.etag[0]) {
        snprintf(line, sizeof line, "If-None-Match: %s", s->meta.etag);
        h = curl_slist_append(h, line);
    }
    if (h && s->have_meta && s->meta.last_modified[0]) {
        snprintf(line, sizeof line, "If-Modified-Since: %s", s->meta.last_modified);
        h = curl_slist_append(h, line);
    }
    x->headers = h;
    curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, h);
    s->busy = 1;
    int64_t now = crier_wall_ms();
    status_update(f, s, set_attempt, &now);
    if (!h || start_xfer(f, x) != 0) {
        xfer_free(x);
        source_failed(f, s, CRIER_ERR_NOMEM, 0, "cannot start transfer");
    }
}

/* Classify a failed transfer into (error, message). */
static crier_err curl_failure(xfer *x, CURLcode code, char *msg, size_t len)
{
    const char *detail = x->errbuf[0] ? x->errbuf : curl_easy_strerror(code);
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(msg, len, "timed out: %.180s", detail);
        return CRIER_ERR_TIMEOUT;
    case CURLE_FILESIZE_EXCEEDED:
        snprintf(msg, len, "body over the %zu-byte cap (Content-Length)", x->max);
        return CRIER_ERR_LIMIT;
    case CURLE_WRITE_ERROR:
        if (x->too_big) {
            snprintf(msg, len, "body over the %zu-byte cap", x->max);
            return CRIER_ERR_LIMIT;
        }
        snprintf(msg, len, "out of memory receiving the body");
        return CRIER_ERR_NOMEM;
    case CURLE_TOO_MANY_REDIRECTS:
        snprintf(msg, len, "too many redirects: %.180s", detail);
        return CRIER_ERR_NET;
    case CURLE_COULDNT_CONNECT:
        snprintf(msg, len, "cannot connect: %.180s", detail);
        return CRIER_ERR_NET;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
        snprintf(msg, len, "TLS verification failed: %.180s", detail);
        return CRIER_ERR_AUTH;
    case CURLE_PARTIAL_FILE:
        snprintf(msg, len, "truncated body: %.180s", detail);
        return CRIER_ERR_NET;
    default:
        snprintf(msg, len, "%s", detail);
        return CRIER_ERR_NET;
    }
}

static crier_err parse_body(crier_fetch *f, src *s, const char *body, size_t len, crier_item_list **out, char *err,
                            size_t err_len)
{
    crier_feed_opts o = s->cfg.parse;
    o.source = s->cfg.name;
    o.now_ms = crier_wall_ms();
    if (o.default_validity_ms == 0)
        o.default_validity_ms = s->cfg.schedule.default_validity_ms;
    crier_item_list *l = crier_item_list_new();
    if (!l) {
        snprintf(err, err_len, "out of memory");
        return CRIER_ERR_NOMEM;
    }
    crier_err rc = crier_feed_parse(s->cfg.type, body, len, &o, l, err, err_len);
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
static void resolve_images(crier_fetch *f, src *s, crier_item_list *list, int network, int from_cache,
                           int64_t success_ms)
{
    unsigned started = 0;
    char path[4096];
    for (size_t i = 0; i < list->count; i++) {
        crier_item *it = &list->items[i];
        if (!it->image)
            continue;
        if (!is_http_url(it->image)) { /* feeds never name local files */
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
        xfer *x = xfer_new(f, s, X_IMAGE, it->image, f->cfg.image_max_bytes);
        if (x) {
            x->url = crier_strdup(it->image);
            x->path = crier_strdup(path);
            x->headers = curl_slist_append(NULL, "Accept: image/*");
            curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
        }
        if (!x || !x->url || !x->path || start_xfer(f, x) != 0) {
            xfer_free(x);
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

static void finish_images_or_post(crier_fetch *f, src *s, crier_item_list *list, int64_t success_ms)
{
    resolve_images(f, s, list, 1, 0, success_ms);
}

static void load_cache_and_post(crier_fetch *f, src *s, int network_ok)
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
    char err[256] = "";
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

static void feed_done(crier_fetch *f, xfer *x, CURLcode code)
{
    src *s = x->s;
    long http = 0;
    char msg[256];
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &http);
    if (code != CURLE_OK) {
        crier_err e = curl_failure(x, code, msg, sizeof msg);
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
        char err[200] = "";
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
    curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
    if (!crier_feed_content_type_ok(s->cfg.type, ct)) {
        snprintf(msg, sizeof msg, "unexpected content type \"%.100s\" for a %s source", ct,
                 crier_feed_type_name(s->cfg.type));
        source_failed(f, s, CRIER_ERR_PARSE, http, msg);
        return;
    }
    crier_item_list *l = NULL;
    char err[200] = "";
    crier_err rc = parse_body(f, s, x->body ? x->body : "", x->len, &l, err, sizeof err);
    if (rc != CRIER_OK) {
        snprintf(msg, sizeof msg, "%s", err);
        source_failed(f, s, rc, http, msg);
        return;
    }
    if (f->once)
        s->done_once = 1;
    crier_cache_meta meta = {.fetched_ms = crier_wall_ms()};
    snprintf(meta.etag, sizeof meta.etag, "%s", x->etag);
    snprintf(meta.last_modified, sizeof meta.last_modified, "%s", x->last_modified);
    snprintf(meta.content_type, sizeof meta.content_type, "%s", ct ? ct : "");
    if (crier_cache_store(f->cfg.cache_dir, s->cfg.name, x->body ? x->body : "", x->len, &meta) == CRIER_OK) {
        s->meta = meta;
        s->have_meta = 1;
    } else {
        s->have_meta = 0;
        LOG_WARN("feed", "source %s: cannot write the cache", s->cfg.name);
    }
    pthread_mutex_lock(&f->lock);
    f->status[s->index].http_status = http;
    pthread_mutex_unlock(&f->lock);
    finish_images_or_post(f, s, l, meta.fetched_ms);
}

static void image_done(crier_fetch *f, xfer *x, CURLcode code)
{
    src *s = x->s;
    long http = 0;
    char *ct = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &http);
    curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
    int saved = 0;
    if (code != CURLE_OK) {
        char msg[256];
        curl_failure(x, code, msg, sizeof msg);
        LOG_WARN("feed", "source %s: image %s: %s", s->cfg.name, x->url, msg);
    } else if (http != 200) {
        LOG_WARN("feed", "source %s: image %s: HTTP %ld", s->cfg.name, x->url, http);
    } else if (!ct || strncasecmp(ct, "image/", 6) != 0 || x->len == 0) {
        LOG_WARN("feed", "source %s: image %s: not an image (%s)", s->cfg.name, x->url, ct ? ct : "no type");
    } else if (crier_atomicfile_write(x->path, x->body, x->len, 0600, 1) == CRIER_OK) {
        saved = 1;
    }
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

static void finish_completed(crier_fetch *f)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        xfer *x = NULL;
        CURLcode code = m->data.result;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        curl_multi_remove_handle(f->multi, m->easy_handle);
        for (xfer **pp = &f->xfers; *pp; pp = &(*pp)->next)
            if (*pp == x) {
                *pp = x->next;
                break;
            }
        f->running--;
        if (x->kind == X_FEED)
            feed_done(f, x, code);
        else
            image_done(f, x, code);
        xfer_free(x);
    }
}

/* ---- the loop ----------------------------------------------------------------- */

static int all_done_once(crier_fetch *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (!f->srcs[i].done_once || f->srcs[i].busy)
            return 0;
    return 1;
}

static void run_loop(crier_fetch *f)
{
    for (;;) {
        pthread_mutex_lock(&f->lock);
        int stop = f->stop, refresh = f->refresh;
        f->refresh = 0;
        pthread_mutex_unlock(&f->lock);
        if (stop)
            break;
        int64_t now = crier_mono_ms();
        if (refresh)
            for (size_t i = 0; i < f->n; i++)
                if (!f->srcs[i].busy) {
                    f->srcs[i].next_due = now;
                    f->srcs[i].failures = 0;
                }
        for (size_t i = 0; i < f->n && f->running < (unsigned)f->cfg.max_parallel; i++) {
            src *s = &f->srcs[i];
            if (!s->busy && !(f->once && s->done_once) && s->next_due <= now)
                start_feed(f, s);
        }
        if (f->once && all_done_once(f))
            break;
        int still = 0;
        curl_multi_perform(f->multi, &still);
        finish_completed(f);
        if (f->once && all_done_once(f))
            break;
        /* Sleep until the next source is due (sources waiting for a free slot
         * are woken by the transfer that frees it). */
        now = crier_mono_ms();
        int64_t timeout = 60000;
        int slots = f->running < (unsigned)f->cfg.max_parallel;
        for (size_t i = 0; i < f->n; i++) {
            src *s = &f->srcs[i];
            if (s->busy || (f->once && s->done_once))
                continue;
            int64_t d = s->next_due - now;
            if (d <= 0 && !slots)
                continue;
            if (d < timeout)
                timeout = d < 0 ? 0 : d;
        }
        curl_multi_poll(f->multi, NULL, 0, (int)timeout, NULL);
    }
    /* abort what is still in flight */
    while (f->xfers) {
        xfer *x = f->xfers;
        f->xfers = x->next;
        curl_multi_remove_handle(f->multi, x->easy);
        xfer_free(x);
    }
    f->running = 0;
    for (size_t i = 0; i < f->n; i++) {
        crier_item_list_free(f->srcs[i].pending);
        f->srcs[i].pending = NULL;
        f->srcs[i].busy = 0;
        f->srcs[i].images_inflight = 0;
    }
}

static void *thread_main(void *arg)
{
    run_loop(arg);
    return NULL;
}

/* ---- public API ------------------------------------------------------------------ */

crier_fetch *crier_fetch_new(const crier_fetch_cfg *cfg, const crier_source_cfg *sources, size_t n,
                             crier_mailbox *to_render, char *err, size_t err_len)
{
    pthread_once(&curl_once, curl_init_once);
    if (!cfg || !cfg->cache_dir || !*cfg->cache_dir) {
        crier_errf(err, err_len, "fetch: cache_dir is required");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const crier_source_cfg *s = &sources[i];
        if (!crier_cache_name_ok(s->name)) {
            crier_errf(err, err_len, "source '%s': name must be [A-Za-z0-9._-]{1,64}", s->name ? s->name : "");
            return NULL;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(sources[j].name, s->name)) {
                crier_errf(err, err_len, "source '%s': defined twice", s->name);
                return NULL;
            }
        if ((unsigned)s->type >= CRIER_FEED__COUNT || s->type == CRIER_FEED_FILE) {
            crier_errf(err, err_len, "source '%s': type %s is not fetched over the network", s->name,
                               crier_feed_type_name(s->type));
            return NULL;
        }
        if (!is_http_url(s->url)) {
            crier_errf(err, err_len, "source '%s': url must start with http:// or https://", s->name);
            return NULL;
        }
    }
    crier_fetch *f = calloc(1, sizeof *f);
    if (!f)
        goto nomem;
    pthread_mutex_init(&f->lock, NULL);
    f->cfg = *cfg;
    crier_fetch_cfg def;
    crier_fetch_cfg_init(&def);
#define DEF(field)                                                                                                 \
    if (f->cfg.field <= 0)                                                                                         \
    f->cfg.field = def.field
    DEF(connect_timeout_s);
    DEF(low_speed_time_s);
    DEF(low_speed_bytes);
    DEF(total_timeout_s);
    DEF(image_max_bytes);
    DEF(max_images);
    DEF(backoff_min_s);
    DEF(backoff_max_s);
    DEF(max_parallel);
#undef DEF
    if (f->cfg.max_redirects < 0)
        f->cfg.max_redirects = def.max_redirects;
    if (f->cfg.backoff_max_s < f->cfg.backoff_min_s)
        f->cfg.backoff_max_s = f->cfg.backoff_min_s;
    char ua[64];
    snprintf(ua, sizeof ua, "Crier/%s (+kiosk)", CRIER_VERSION);
    f->cfg.cache_dir = dup_or_null(cfg->cache_dir);
    f->cfg.ca_file = dup_or_null(cfg->ca_file);
    f->cfg.ca_path = dup_or_null(cfg->ca_path);
    f->cfg.user_agent = dup_or_null(cfg->user_agent ? cfg->user_agent : ua);
    f->mb = to_render;
    f->n = n;
    f->srcs = calloc(n ? n : 1, sizeof *f->srcs);
    f->status = calloc(n ? n : 1, sizeof *f->status);
    f->multi = curl_multi_init();
    if (!f->cfg.cache_dir || !f->cfg.user_agent || !f->srcs || !f->status || !f->multi ||
        (cfg->ca_file && !f->cfg.ca_file) || (cfg->ca_path && !f->cfg.ca_path))
        goto nomem;
    curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)f->cfg.max_parallel * 2);
    f->rng = (uint64_t)crier_mono_ms() * 0x9E3779B97F4A7C15ULL ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)f;
    if (!f->rng)
        f->rng = 1;
    for (size_t i = 0; i < n; i++) {
        src *s = &f->srcs[i];
        s->cfg = sources[i];
        s->index = i;
        s->cfg.name = crier_strdup(sources[i].name);
        s->cfg.url = crier_strdup(sources[i].url);
        if (!s->cfg.name || !s->cfg.url)
            goto nomem;
        crier_feed_opts d;
        crier_feed_opts_init(&d);
        crier_feed_opts *o = &s->cfg.parse;
        if (!o->window_ms)
            o->window_ms = d.window_ms;
        if (!o->max_items)
            o->max_items = d.max_items;
        if (!o->max_text)
            o->max_text = d.max_text;
        if (!o->max_title)
            o->max_title = d.max_title;
        if (!o->max_depth)
            o->max_depth = d.max_depth;
        if (!o->max_elements)
            o->max_elements = d.max_elements;
        if (!o->max_instances)
            o->max_instances = d.max_instances;
        if (!o->max_recur_steps)
            o->max_recur_steps = d.max_recur_steps;
        if (s->cfg.refresh_s < 10)
            s->cfg.refresh_s = s->cfg.refresh_s <= 0 ? 300 : 10;
        if (!s->cfg.max_bytes)
            s->cfg.max_bytes = 4u * 1024u * 1024u;
        if (s->cfg.schedule.weight <= 0)
            s->cfg.schedule.weight = 1;
        snprintf(f->status[i].name, sizeof f->status[i].name, "%s", s->cfg.name);
        f->status[i].type = s->cfg.type;
    }
    if (crier_cache_init(f->cfg.cache_dir) != CRIER_OK) {
        crier_errf(err, err_len, "fetch: cannot create cache folder %s", f->cfg.cache_dir);
        crier_fetch_free(f);
        return NULL;
    }
    /* Validators of the cached bodies, for conditional GETs from the first fetch on. */
    for (size_t i = 0; i < n; i++) {
        src *s = &f->srcs[i];
        char *body = NULL;
        size_t len = 0;
        if (crier_cache_load(f->cfg.cache_dir, s->cfg.name, s->cfg.max_bytes, &body, &len, &s->meta) == CRIER_OK)
            s->have_meta = 1;
        free(body);
    }
    return f;
nomem:
    crier_errf(err, err_len, "fetch: out of memory");
    crier_fetch_free(f);
    return NULL;
}

crier_err crier_fetch_start(crier_fetch *f)
{
    if (!f || f->started)
        return CRIER_ERR_INVAL;
    /* Last good content first, before any network. */
    for (size_t i = 0; i < f->n; i++)
        load_cache_and_post(f, &f->srcs[i], 0);
    int64_t now = crier_mono_ms();
    for (size_t i = 0; i < f->n; i++) {
        f->srcs[i].next_due = now;
        f->srcs[i].busy = 0;
    }
    if (pthread_create(&f->thread, NULL, thread_main, f) != 0) {
        LOG_ERROR("feed", "cannot start the fetch thread");
        return CRIER_ERR_NOMEM;
    }
    f->started = 1;
    return CRIER_OK;
}

void crier_fetch_refresh_all(crier_fetch *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->lock);
    f->refresh = 1;
    pthread_mutex_unlock(&f->lock);
    curl_multi_wakeup(f->multi);
}

void crier_fetch_stop(crier_fetch *f)
{
    if (!f || !f->started)
        return;
    pthread_mutex_lock(&f->lock);
    f->stop = 1;
    pthread_mutex_unlock(&f->lock);
    curl_multi_wakeup(f->multi);
    pthread_join(f->thread, NULL);
    f->started = 0;
}

void crier_fetch_free(crier_fetch *f)
{
    if (!f)
        return;
    crier_fetch_stop(f);
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
    free((char *)f->cfg.ca_file);
    free((char *)f->cfg.ca_path);
    free((char *)f->cfg.user_agent);
    pthread_mutex_destroy(&f->lock);
    free(f);
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

crier_err crier_fetch_once(const crier_fetch_cfg *cfg, const crier_source_cfg *sources, size_t n,
                           crier_item_list *out, crier_source_status *status)
{
    char err[256] = "";
    crier_fetch *f = crier_fetch_new(cfg, sources, n, NULL, err, sizeof err);
    if (!f) {
        LOG_ERROR("feed", "%s", err);
        return CRIER_ERR_INVAL;
    }
    f->once = 1;
    f->once_out = out;
    int64_t now = crier_mono_ms();
    for (size_t i = 0; i < n; i++)
        f->srcs[i].next_due = now;
    run_loop(f);
    crier_err rc = CRIER_OK;
    for (size_t i = 0; i < n; i++) {
        if (status)
            status[i] = f->status[i];
        if (f->status[i].last_err != CRIER_OK && !f->status[i].from_cache && rc == CRIER_OK)
            rc = f->status[i].last_err;
    }
    crier_schedule_prune(out, crier_wall_ms());
    crier_fetch_free(f);
    return rc;
}
