/* download.c - the one HTTP download (see download.h).
 *
 * The body goes into a growing buffer whose cap is enforced in the write
 * callback (returning 0 aborts the transfer), so a huge or endless body never
 * costs more than the cap; CURLOPT_MAXFILESIZE rejects a too-large
 * Content-Length before any byte. */
#include "feeds/download.h"

#include "base/atomicfile.h"
#include "content/content.h"

#include "crier_version.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef CRIER_VERSION
#define CRIER_VERSION "0"
#endif

void crier_http_cfg_init(crier_http_cfg *c)
{
    *c = (crier_http_cfg){
        .connect_timeout_s = 10,
        .low_speed_time_s = 20,
        .low_speed_bytes = 100,
        .total_timeout_s = 60,
        .max_redirects = 5,
    };
}

void crier_http_cfg_from_config(crier_http_cfg *c, const crier_config *cfg)
{
    crier_http_cfg_init(c);
    c->ca_file = cfg->feed_ca_file && cfg->feed_ca_file[0] ? cfg->feed_ca_file : NULL;
    c->ca_path = cfg->feed_ca_path && cfg->feed_ca_path[0] ? cfg->feed_ca_path : NULL;
    c->connect_timeout_s = cfg->feed_connect_timeout_s;
    c->low_speed_time_s = cfg->feed_low_speed_time_s;
    c->low_speed_bytes = cfg->feed_low_speed_bytes;
    c->total_timeout_s = cfg->feed_timeout_s;
    c->max_redirects = cfg->feed_max_redirects;
}

static char *dup_or_null(const char *s)
{
    return s ? crier_strdup(s) : NULL;
}

crier_err crier_http_cfg_copy(crier_http_cfg *dst, const crier_http_cfg *src)
{
    crier_http_cfg def;
    crier_http_cfg_init(&def);
    *dst = *src;
    if (dst->connect_timeout_s <= 0)
        dst->connect_timeout_s = def.connect_timeout_s;
    if (dst->low_speed_time_s <= 0)
        dst->low_speed_time_s = def.low_speed_time_s;
    if (dst->low_speed_bytes <= 0)
        dst->low_speed_bytes = def.low_speed_bytes;
    if (dst->total_timeout_s <= 0)
        dst->total_timeout_s = def.total_timeout_s;
    if (dst->max_redirects < 0)
        dst->max_redirects = def.max_redirects;
    char ua[64];
    snprintf(ua, sizeof ua, "Crier/%s (+kiosk)", CRIER_VERSION);
    dst->ca_file = dup_or_null(src->ca_file && src->ca_file[0] ? src->ca_file : NULL);
    dst->ca_path = dup_or_null(src->ca_path && src->ca_path[0] ? src->ca_path : NULL);
    dst->user_agent = crier_strdup(src->user_agent ? src->user_agent : ua);
    if (!dst->user_agent || (src->ca_file && src->ca_file[0] && !dst->ca_file) ||
        (src->ca_path && src->ca_path[0] && !dst->ca_path)) {
        crier_http_cfg_release(dst);
        return CRIER_ERR_NOMEM;
    }
    return CRIER_OK;
}

void crier_http_cfg_release(crier_http_cfg *c)
{
    free((char *)c->ca_file);
    free((char *)c->ca_path);
    free((char *)c->user_agent);
    c->ca_file = c->ca_path = c->user_agent = NULL;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void crier_download_global_init(void)
{
    pthread_once(&curl_once, curl_init_once);
}

/* ---- callbacks ----------------------------------------------------------------- */

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    crier_download *d = ud;
    size_t n = size * nmemb;
    crier_err rc = crier_buf_append(&d->body, ptr, n);
    if (rc == CRIER_ERR_LIMIT)
        d->too_big = 1;
    return rc == CRIER_OK ? n : 0; /* 0 aborts the transfer: CURLE_WRITE_ERROR */
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
    crier_download *d = ud;
    size_t n = size * nmemb;
    if (n >= 5 && !strncmp(buf, "HTTP/", 5)) { /* a new response (after a redirect) */
        d->etag[0] = d->last_modified[0] = '\0';
    } else if (n > 5 && !strncasecmp(buf, "etag:", 5)) {
        header_value(d->etag, sizeof d->etag, buf + 5, n - 5);
    } else if (n > 14 && !strncasecmp(buf, "last-modified:", 14)) {
        header_value(d->last_modified, sizeof d->last_modified, buf + 14, n - 14);
    }
    return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    crier_download *d = ud;
    return d->cancel(d->cancel_ud);
}

/* ---- transfers ----------------------------------------------------------------- */

crier_err crier_download_init(crier_download *d, const crier_http_cfg *c, const char *url, size_t max,
                              const char *accept, void *priv)
{
    *d = (crier_download){.body = {.max = max, .initial = 16384}};
    crier_download_global_init();
    CURL *e = d->easy = curl_easy_init();
    if (!e)
        return CRIER_ERR_NOMEM;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, priv);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, d->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, d);
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
    if (accept) {
        char line[256];
        snprintf(line, sizeof line, "Accept: %s", accept);
        return crier_download_header(d, line);
    }
    return CRIER_OK;
}

crier_err crier_download_header(crier_download *d, const char *line)
{
    struct curl_slist *h = curl_slist_append(d->headers, line);
    if (!h)
        return CRIER_ERR_NOMEM;
    d->headers = h;
    curl_easy_setopt(d->easy, CURLOPT_HTTPHEADER, h);
    return CRIER_OK;
}

void crier_download_clear(crier_download *d)
{
    if (!d)
        return;
    if (d->easy)
        curl_easy_cleanup(d->easy);
    curl_slist_free_all(d->headers);
    crier_buf_free(&d->body);
    *d = (crier_download){0};
}

/* Transfer errors reported as "WHAT: libcurl's detail". */
static const struct {
    CURLcode code;
    const char *what;
    crier_err err;
} failures[] = {
    {CURLE_OPERATION_TIMEDOUT, "timed out", CRIER_ERR_TIMEOUT},
    {CURLE_TOO_MANY_REDIRECTS, "too many redirects", CRIER_ERR_NET},
    {CURLE_COULDNT_CONNECT, "cannot connect", CRIER_ERR_NET},
    {CURLE_PEER_FAILED_VERIFICATION, "TLS verification failed", CRIER_ERR_AUTH},
    {CURLE_SSL_CACERT_BADFILE, "TLS verification failed", CRIER_ERR_AUTH},
    {CURLE_SSL_CONNECT_ERROR, "TLS verification failed", CRIER_ERR_AUTH},
    {CURLE_SSL_CERTPROBLEM, "TLS verification failed", CRIER_ERR_AUTH},
    {CURLE_PARTIAL_FILE, "truncated body", CRIER_ERR_NET},
};

crier_err crier_download_failure(const crier_download *d, CURLcode code, char *msg, size_t len)
{
    const char *detail = d->errbuf[0] ? d->errbuf : curl_easy_strerror(code);
    if (code == CURLE_FILESIZE_EXCEEDED || (code == CURLE_WRITE_ERROR && d->too_big)) {
        crier_errf(msg, len, "body over the %zu-byte cap%s", d->body.max,
                   code == CURLE_FILESIZE_EXCEEDED ? " (Content-Length)" : "");
        return CRIER_ERR_LIMIT;
    }
    if (code == CURLE_WRITE_ERROR) {
        crier_errf(msg, len, "out of memory receiving the body");
        return CRIER_ERR_NOMEM;
    }
    if (code == CURLE_ABORTED_BY_CALLBACK) {
        crier_errf(msg, len, "cancelled");
        return CRIER_ERR_NET;
    }
    for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++)
        if (failures[i].code == code) {
            crier_errf(msg, len, "%s: %.180s", failures[i].what, detail);
            return failures[i].err;
        }
    crier_errf(msg, len, "%s", detail);
    return CRIER_ERR_NET;
}

crier_err crier_download_store_image(crier_download *d, CURLcode code, const char *path, char *msg, size_t len)
{
    long http = 0;
    char *ct = NULL;
    if (code != CURLE_OK)
        return crier_download_failure(d, code, msg, len);
    curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &http);
    curl_easy_getinfo(d->easy, CURLINFO_CONTENT_TYPE, &ct);
    if (http != 200) {
        crier_errf(msg, len, "HTTP %ld", http);
        return CRIER_ERR_NET;
    }
    if (!ct || strncasecmp(ct, "image/", 6) != 0 || d->body.len == 0) {
        crier_errf(msg, len, "not an image (%.100s)", ct ? ct : "no type");
        return CRIER_ERR_PARSE;
    }
    crier_err rc = crier_atomicfile_write(path, d->body.data, d->body.len, 0600, 1);
    if (rc != CRIER_OK)
        crier_errf(msg, len, "cannot store it in %s: %s", path, crier_strerror(rc));
    return rc;
}

static crier_err blocking_init(crier_download *d, const crier_http_cfg *c, const char *url, size_t max,
                               const char *accept, int (*cancel)(void *ud), void *cancel_ud)
{
    crier_err rc = crier_download_init(d, c, url, max, accept, NULL);
    if (rc == CRIER_OK && cancel) {
        d->cancel = cancel;
        d->cancel_ud = cancel_ud;
        curl_easy_setopt(d->easy, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(d->easy, CURLOPT_XFERINFODATA, d);
        curl_easy_setopt(d->easy, CURLOPT_NOPROGRESS, 0L);
    }
    return rc;
}

crier_err crier_download_image(const crier_http_cfg *c, const char *url, const char *path, size_t max,
                               int (*cancel)(void *ud), void *cancel_ud, char *msg, size_t len)
{
    crier_download d;
    crier_err rc = blocking_init(&d, c, url, max, "image/*", cancel, cancel_ud);
    if (rc == CRIER_OK)
        rc = crier_download_store_image(&d, curl_easy_perform(d.easy), path, msg, len);
    else
        crier_errf(msg, len, "out of memory");
    crier_download_clear(&d);
    return rc;
}

crier_err crier_download_get(const crier_http_cfg *c, const char *url, size_t max, const char *accept,
                             int (*cancel)(void *ud), void *cancel_ud, char **out, size_t *out_len, char *msg,
                             size_t len)
{
    *out = NULL;
    *out_len = 0;
    crier_download d;
    crier_err rc = blocking_init(&d, c, url, max, accept, cancel, cancel_ud);
    if (rc != CRIER_OK) {
        crier_errf(msg, len, "out of memory");
    } else {
        CURLcode code = curl_easy_perform(d.easy);
        long http = 0;
        curl_easy_getinfo(d.easy, CURLINFO_RESPONSE_CODE, &http);
        if (code != CURLE_OK) {
            rc = crier_download_failure(&d, code, msg, len);
        } else if (http < 200 || http > 299) {
            crier_errf(msg, len, "HTTP %ld", http);
            rc = CRIER_ERR_NET;
        } else if (d.body.len == 0) {
            crier_errf(msg, len, "empty answer");
            rc = CRIER_ERR_PARSE;
        } else {
            *out_len = d.body.len;
            *out = crier_buf_take(&d.body);
        }
    }
    crier_download_clear(&d);
    return rc;
}
