/* http.c - libmicrohttpd glue (http.h): one thread per connection (poll, so
 * more than 1024 sockets work), bodies read up to their route's limit,
 * security headers on every response, SSE streams. */
#include "http.h"

#include "audit.h"
#include "base/atomicfile.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/utf8.h"
#include "sse.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSP "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; " \
            "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

struct cn_http {
    struct MHD_Daemon *d;
    cn_ctx *ctx;
    int tls;
    char *cert, *key;
};

typedef struct req_state {
    crier_buf body; /* body.max: the route's body limit */
    size_t limit, seen;
    int too_big;
} req_state;

/* ---- responses --------------------------------------------------------------- */

void cn_resp_take(cn_resp *resp, int status, const char *ctype, char *body, size_t len)
{
    free(resp->body);
    resp->status = status;
    resp->ctype = ctype;
    resp->body = body;
    resp->len = len;
}

void cn_resp_json(cn_resp *resp, int status, cJSON *o)
{
    char *txt = cn_json_print(o);
    cJSON_Delete(o);
    if (!txt) {
        cn_resp_take(resp, 500, "application/json; charset=utf-8", strdup("{\"error\":\"out of memory\"}"), 26);
        return;
    }
    cn_resp_take(resp, status, "application/json; charset=utf-8", txt, strlen(txt));
}

void cn_resp_error(cn_resp *resp, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *clean = cn_text_clean(msg, sizeof msg); /* paths and names may hold any bytes */
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", clean ? clean : "error");
    free(clean);
    cn_resp_json(resp, status, o);
}

void cn_resp_empty(cn_resp *resp, int status)
{
    cn_resp_take(resp, status, NULL, NULL, 0);
}

/* ---- requests ------------------------------------------------------------------ */

const char *cn_req_header(const cn_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *cn_req_query(const cn_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int cn_route_item(const char *rest, char id[CN_NAME_MAX + 1], const char **action, cn_resp *resp, const char *what)
{
    if (rest[0] != '/') {
        cn_resp_error(resp, 404, "no such resource");
        return -1;
    }
    const char *slash = strchr(rest + 1, '/');
    size_t l = slash ? (size_t)(slash - rest - 1) : strlen(rest + 1);
    if (l == 0 || l > CN_NAME_MAX) {
        cn_resp_error(resp, 404, "no such %s", what);
        return -1;
    }
    memcpy(id, rest + 1, l);
    id[l] = '\0';
    *action = slash ? slash + 1 : "";
    return 0;
}

cJSON *cn_req_json(const cn_req *r, cn_resp *resp)
{
    if (!r->body || !r->body_len) {
        cn_resp_error(resp, 400, "the body must be a JSON object");
        return NULL;
    }
    if (!crier_utf8_is_valid(r->body, r->body_len) || memchr(r->body, '\0', r->body_len)) {
        cn_resp_error(resp, 400, "the body is not valid UTF-8");
        return NULL;
    }
    cJSON *o = cJSON_ParseWithLength(r->body, r->body_len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        cn_resp_error(resp, 400, "the body must be a JSON object");
        return NULL;
    }
    return o;
}

/* ---- MHD callbacks ------------------------------------------------------------------ */

static void add_headers(struct MHD_Response *r, const cn_resp *resp)
{
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cache-Control", resp->cache ? resp->cache : "no-store");
    if (resp->ctype)
        MHD_add_response_header(r, "Content-Type", resp->ctype);
    if (resp->set_cookie[0])
        MHD_add_response_header(r, "Set-Cookie", resp->set_cookie);
}

static enum MHD_Result send_resp(struct MHD_Connection *c, cn_resp *resp)
{
    struct MHD_Response *r = resp->body
                                 ? MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE)
                                 : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(resp->body);
        resp->body = NULL;
        return MHD_NO;
    }
    resp->body = NULL; /* MHD frees it */
    add_headers(r, resp);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *msg)
{
    cn_resp resp = {0};
    cn_resp_error(&resp, status, "%s", msg);
    return send_resp(c, &resp);
}

static ssize_t sse_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    ssize_t n = cn_sse_read(cls, buf, max, CN_SSE_PING_MS);
    return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void sse_free(void *cls)
{
    cn_sse_detach(cls);
}

static enum MHD_Result start_sse(struct MHD_Connection *c, cn_ctx *ctx, const cn_req *req)
{
    cn_sse_reader *rd = cn_sse_attach(ctx->sse, &req->user);
    if (!rd)
        return send_error(c, 503, "too many event streams; try again later");
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, sse_cb, rd, sse_free);
    if (!r) {
        cn_sse_detach(rd);
        return MHD_NO;
    }
    cn_resp resp = {.ctype = "text/event-stream; charset=utf-8"};
    add_headers(r, &resp);
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static void client_addr(struct MHD_Connection *c, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, len, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)len);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    cn_http *h = cls;
    req_state *rs = *con_cls;
    if (!rs) { /* headers only so far */
        if (!(rs = calloc(1, sizeof *rs)))
            return MHD_NO;
        *con_cls = rs;
        rs->limit = cn_api_body_limit(h->ctx, method, url);
        rs->body = (crier_buf){.max = rs->limit, .initial = 4096};
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > rs->limit) {
            char msg[96];
            snprintf(msg, sizeof msg, "the body is larger than %zu bytes", rs->limit);
            return send_error(c, 413, msg); /* MHD closes the connection without reading the body */
        }
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        rs->seen += n;
        *upload_size = 0;
        crier_err rc = rs->too_big || !rs->limit ? CRIER_ERR_LIMIT : crier_buf_append(&rs->body, upload_data, n);
        if (rc == CRIER_ERR_LIMIT) {
            rs->too_big = 1;
            return rs->seen > 4 * rs->limit + (1u << 20) ? MHD_NO : MHD_YES; /* a flood: hang up */
        }
        return rc == CRIER_OK ? MHD_YES : MHD_NO;
    }
    if (rs->too_big) {
        char msg[96];
        snprintf(msg, sizeof msg, "the body is larger than %zu bytes", rs->limit);
        return send_error(c, 413, msg);
    }
    cn_req req = {.method = method, .path = url, .body = rs->body.data, .body_len = rs->body.len, .tls = h->tls, .conn = c};
    client_addr(c, req.addr, sizeof req.addr);
    cn_resp resp = {0};
    cn_api_handle(h->ctx, &req, &resp);
    if (resp.sse) {
        free(resp.body);
        return start_sse(c, h->ctx, &req);
    }
    if (!resp.status)
        cn_resp_error(&resp, 500, "no response");
    return send_resp(c, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    req_state *rs = *con_cls;
    if (rs) {
        crier_buf_free(&rs->body);
        free(rs);
        *con_cls = NULL;
    }
}

/* URL decoding for MHD: %XX as usual, except that "%00" stays as it is (a
 * decoded NUL would silently cut the path: "/static/a.html%00.png" must not
 * become "/static/a.html"); the route checks then refuse the '%'. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    size_t r = 0, w = 0;
    while (s[r]) {
        int hi, lo;
        if (s[r] == '%' && (hi = s[r + 1] ? (s[r + 1] >= '0' && s[r + 1] <= '9'   ? s[r + 1] - '0'
                                             : (s[r + 1] | 32) >= 'a' && (s[r + 1] | 32) <= 'f' ? (s[r + 1] | 32) - 'a' + 10
                                                                                                  : -1)
                                          : -1) >= 0 &&
            (lo = s[r + 2] >= '0' && s[r + 2] <= '9'                       ? s[r + 2] - '0'
                  : (s[r + 2] | 32) >= 'a' && (s[r + 2] | 32) <= 'f' ? (s[r + 2] | 32) - 'a' + 10
                                                                     : -1) >= 0 &&
            (hi || lo)) {
            s[w++] = (char)(hi * 16 + lo);
            r += 3;
        } else {
            s[w++] = s[r++];
        }
    }
    s[w] = '\0';
    return w;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    LOG_DEBUG("http", "%s", msg);
}

static char *slurp(const char *path) /* a PEM file (certificate or key) */
{
    char *buf = NULL;
    size_t n = 0;
    return crier_atomicfile_read(path, 256 * 1024, &buf, &n) == CRIER_OK ? buf : NULL;
}

crier_err cn_http_start(cn_http **out, cn_ctx *ctx, char *err, size_t err_len)
{
    const cn_config *cfg = ctx->cfg;
    *out = NULL;
    cn_http *h = calloc(1, sizeof *h);
    if (!h)
        return CRIER_ERR_NOMEM;
    h->ctx = ctx;
    struct sockaddr_storage ss = {0};
    int v6 = strchr(cfg->listen_host, ':') != NULL;
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)cfg->listen_port);
        if (inet_pton(AF_INET6, cfg->listen_host, &a->sin6_addr) != 1)
            goto bad_addr;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)cfg->listen_port);
        if (inet_pton(AF_INET, cfg->listen_host, &a->sin_addr) != 1)
            goto bad_addr;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    if (cfg->tls_cert || cfg->tls_key) {
        if (!cfg->tls_cert || !cfg->tls_key) {
            crier_errf(err, err_len, "--tls-cert and --tls-key go together");
            free(h);
            return CRIER_ERR_INVAL;
        }
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            crier_errf(err, err_len, "this libmicrohttpd has no TLS support");
            free(h);
            return CRIER_ERR_UNSUPPORTED;
        }
        h->cert = slurp(cfg->tls_cert);
        h->key = slurp(cfg->tls_key);
        if (!h->cert || !h->key) {
            crier_errf(err, err_len, "cannot read %s or %s", cfg->tls_cert, cfg->tls_key);
            cn_http_stop(h);
            return CRIER_ERR_IO;
        }
        flags |= MHD_USE_TLS;
        h->tls = 1;
    }
    struct MHD_OptionItem tls_opts[] = {
        {h->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, h->cert},
        {h->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, h->key},
        {MHD_OPTION_END, 0, NULL},
    };
    h->d = MHD_start_daemon(flags, (uint16_t)cfg->listen_port, NULL, NULL, on_request, h,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                            MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, 0,
                            MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
                            MHD_OPTION_THREAD_STACK_SIZE, (size_t)(1024 * 1024),
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                            MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
                            MHD_OPTION_ARRAY, tls_opts,
                            MHD_OPTION_END);
    if (!h->d) {
        crier_errf(err, err_len, "cannot listen on %s:%d (in use? not an address of this machine?)", cfg->listen_host,
                   cfg->listen_port);
        cn_http_stop(h);
        return CRIER_ERR_IO;
    }
    *out = h;
    return CRIER_OK;
bad_addr:
    crier_errf(err, err_len, "--listen: '%s' is not an IP address", cfg->listen_host);
    free(h);
    return CRIER_ERR_INVAL;
}

int cn_http_port(const cn_http *h)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : 0;
}

void cn_http_stop(cn_http *h)
{
    if (!h)
        return;
    if (h->ctx && h->ctx->sse)
        cn_sse_close(h->ctx->sse); /* event streams end, so their threads can be joined */
    if (h->d)
        MHD_stop_daemon(h->d);
    free(h->cert);
    free(h->key);
    free(h);
}
