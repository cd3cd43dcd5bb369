/* http.h - the HTTP side of crier-console: requests as handlers see them,
 * responses they fill, and the server (libmicrohttpd, one thread per
 * connection, poll(), optional TLS).
 *
 * http.c reads the whole body (up to the route's limit; more is 413 before
 * it is read), adds the security headers to every response
 * (Content-Security-Policy, nosniff, no-referrer, no-store for the API) and
 * hands the request to cn_api_handle (api.c), or to the static files
 * (static.c).  A handler that sets resp->sse streams events until the client
 * goes away or the server stops. */
#ifndef CRIER_CONSOLE_HTTP_H
#define CRIER_CONSOLE_HTTP_H

#include "console.h"
#include "session.h"

#include <stddef.h>

struct MHD_Connection;

typedef struct cn_req {
    const char *method, *path; /* path: decoded, without the query */
    const char *body;          /* NUL-terminated copy; NULL when none */
    size_t body_len;
    char addr[64];             /* client address */
    int tls;
    struct MHD_Connection *conn;
    /* filled by the authentication step (api.c) */
    int authed, via_token;
    cn_user user;
    char csrf[CN_SECRET_MAX];
    char session[CN_SECRET_MAX];
} cn_req;

const char *cn_req_header(const cn_req *r, const char *name);
const char *cn_req_query(const cn_req *r, const char *name);

typedef struct cn_resp {
    int status;
    const char *ctype;
    char *body; /* malloc()ed, owned */
    size_t len;
    char set_cookie[256];
    const char *cache; /* Cache-Control; default no-store */
    int sse;           /* stream events to req->user */
} cn_resp;

/* Fill the response (body ownership moves to resp). */
void cn_resp_json(cn_resp *resp, int status, cJSON *o); /* o is deleted */
void cn_resp_error(cn_resp *resp, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cn_resp_take(cn_resp *resp, int status, const char *ctype, char *body, size_t len);
void cn_resp_empty(cn_resp *resp, int status);

/* The body as a JSON object (cn_resp_error 400 and NULL when it is not one). */
cJSON *cn_req_json(const cn_req *r, cn_resp *resp);

/* The item a resource path names: rest is "/ID" or "/ID/ACTION" (after the
 * collection's prefix).  Copies ID into id, points *action at ACTION ("" if
 * none) and returns 0; else answers 404 "no such <what>" (or "no such
 * resource" when rest does not start with '/') and returns -1. */
int cn_route_item(const char *rest, char id[CN_NAME_MAX + 1], const char **action, cn_resp *resp, const char *what);

typedef struct cn_http cn_http;
crier_err cn_http_start(cn_http **out, cn_ctx *ctx, char *err, size_t err_len);
void cn_http_stop(cn_http *h); /* NULL-safe; closes SSE streams first */
int cn_http_port(const cn_http *h);

/* Routes (api.c, static.c). */
void cn_api_handle(cn_ctx *ctx, cn_req *req, cn_resp *resp);
void cn_static_serve(const cn_ctx *ctx, const cn_req *req, cn_resp *resp);
/* The body limit of a request before it is read (uploads get more). */
size_t cn_api_body_limit(const cn_ctx *ctx, const char *method, const char *path);

#endif
