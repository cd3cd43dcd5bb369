/* download.h - the one HTTP download of Crier: feeds, their images and the
 * images of staff posts (remote/imagerelay) all go through it, with one set of
 * rules:
 *   - http and https only, also after a redirect; at most max_redirects;
 *   - TLS always verified, against ca_file / ca_path when set (the feed_ca_file
 *     and feed_ca_path keys), else the system store;
 *   - connect, low-speed and total timeouts (feed_connect_timeout_s, ...);
 *   - a body cap enforced before (Content-Length) and while receiving, after
 *     decoding (gzip), so a compression bomb hits the cap too;
 *   - an image counts only when the answer is 200, its type is image/... and it
 *     is not empty; it is stored atomically, mode 0600, into the cache.
 *
 * Two ways to run a transfer: crier_download_init() prepares a libcurl easy
 * handle the caller adds to its own multi handle (the fetch thread); the
 * blocking crier_download_image() and crier_download_get() run one to its end
 * (the image relay; the console's CAP relay, crierctl).
 * Thread-safety: a crier_download belongs to one thread at a time. */
#ifndef CRIER_DOWNLOAD_H
#define CRIER_DOWNLOAD_H

#include "base/buf.h"
#include "base/error.h"
#include "config/config.h"

#include <curl/curl.h>
#include <stddef.h>

/* The TLS settings and limits every download honours. */
typedef struct crier_http_cfg {
    const char *ca_file;    /* PEM bundle to verify servers, NULL = system store */
    const char *ca_path;    /* hashed CA folder, NULL = system store */
    const char *user_agent; /* NULL = "Crier/<version> (+kiosk)" */
    int connect_timeout_s;  /* default 10 */
    int low_speed_time_s;   /* abort when slower than low_speed_bytes/s for this long (default 20) */
    int low_speed_bytes;    /* default 100 */
    int total_timeout_s;    /* whole transfer (default 60) */
    int max_redirects;      /* default 5; 0 = follow none */
} crier_http_cfg;

/* The defaults above (CA and user agent NULL). */
void crier_http_cfg_init(crier_http_cfg *c);
/* From the feed_* keys of the configuration (strings point into cfg). */
void crier_http_cfg_from_config(crier_http_cfg *c, const crier_config *cfg);
/* Deep copy with defaults for fields <= 0 (max_redirects < 0) and the default
 * user agent; release with crier_http_cfg_release().  CRIER_ERR_NOMEM. */
crier_err crier_http_cfg_copy(crier_http_cfg *dst, const crier_http_cfg *src);
void crier_http_cfg_release(crier_http_cfg *c);

/* curl_global_init(), once per process; any thread. */
void crier_download_global_init(void);

typedef struct crier_download {
    CURL *easy;
    struct curl_slist *headers;
    crier_buf body; /* the answer; body.max is the cap; body.data NULL until the first byte */
    int too_big;
    char etag[256], last_modified[64]; /* validators of the final answer */
    char errbuf[CURL_ERROR_SIZE];
    /* Optional: asked while the transfer runs; non-zero aborts it. */
    int (*cancel)(void *ud);
    void *cancel_ud;
} crier_download;

/* Prepares d (zeroed by the call) for url: every rule above, body cap max,
 * `accept` as the Accept header (NULL: none).  CURLOPT_PRIVATE is priv.
 * CRIER_ERR_NOMEM.  Release with crier_download_clear() in any case. */
crier_err crier_download_init(crier_download *d, const crier_http_cfg *c, const char *url, size_t max,
                              const char *accept, void *priv);
/* Adds a request header line ("If-None-Match: ..."). CRIER_ERR_NOMEM. */
crier_err crier_download_header(crier_download *d, const char *line);
void crier_download_clear(crier_download *d); /* NULL-safe */

/* Turns a failed transfer into an error and a short reason in msg. */
crier_err crier_download_failure(const crier_download *d, CURLcode code, char *msg, size_t len);

/* After an image transfer ended with code: stores the body at path when the
 * answer is a usable image (200, an image/... type, not empty).  Else msg says why:
 * "HTTP 404", "not an image (text/html)", the transfer error. */
crier_err crier_download_store_image(crier_download *d, CURLcode code, const char *path, char *msg, size_t len);

/* Blocking: downloads the image at url into path (crier_download_store_image's
 * rules).  cancel (may be NULL) cuts a transfer short. */
crier_err crier_download_image(const crier_http_cfg *c, const char *url, const char *path, size_t max,
                               int (*cancel)(void *ud), void *cancel_ud, char *msg, size_t len);

/* Blocking: GETs url (at most max bytes, accept as the Accept header or NULL).
 * CRIER_OK with *out (malloc()ed, NUL-terminated, *out_len bytes) when the
 * answer is 2xx and not empty; else msg says why: "HTTP 404", "empty answer",
 * "body over the N-byte cap" (CRIER_ERR_LIMIT), the transfer error.  cancel
 * (may be NULL) cuts a transfer short. */
crier_err crier_download_get(const crier_http_cfg *c, const char *url, size_t max, const char *accept,
                             int (*cancel)(void *ud), void *cancel_ud, char **out, size_t *out_len, char *msg,
                             size_t len);

#endif
