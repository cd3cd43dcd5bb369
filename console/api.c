/* api.c - the JSON API: who is asking (bearer token, session cookie, trusted
 * proxy header), the CSRF and Origin rules, and every route except posts
 * (posts.c).  docs/console.md is the reference. */
#include "audit.h"
#include "desk.h"
#include "relay.h"
#include "auth.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "fleet.h"
#include "http.h"
#include "post.h"
#include "posts.h"
#include "preview.h"
#include "schedule.h"
#include "uploads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is(const cn_req *r, const char *method, const char *path)
{
    return strcmp(r->method, method) == 0 && strcmp(r->path, path) == 0;
}

size_t cn_api_body_limit(const cn_ctx *ctx, const char *method, const char *path)
{
    if (strcmp(method, "POST") == 0 && strcmp(path, "/api/uploads") == 0)
        return ctx->cfg->max_upload;
    return ctx->cfg->max_body;
}

/* ---- who is asking ----------------------------------------------------------- */

static void authenticate(cn_ctx *ctx, cn_req *req)
{
    char name[CN_NAME_MAX + 1];
    const char *auth = cn_req_header(req, "Authorization");
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
        if (cn_token_find(ctx->db, auth + 7, name) == CRIER_OK && cn_user_get(ctx->db, name, &req->user) == CRIER_OK) {
            req->authed = 1;
            req->via_token = 1;
        }
        return; /* a bad token is not rescued by a cookie */
    }
    const char *cookie = cn_req_header(req, "Cookie");
    if (cookie && cn_cookie_get(cookie, CN_COOKIE, req->session, sizeof req->session) &&
        cn_session_find(ctx->db, req->session, name, req->csrf) == CRIER_OK &&
        cn_user_get(ctx->db, name, &req->user) == CRIER_OK) {
        req->authed = 1;
        return;
    }
    req->session[0] = req->csrf[0] = '\0';
    const char *h = ctx->cfg->trust_user_header;
    const char *who = h ? cn_req_header(req, h) : NULL;
    if (who && cn_user_get(ctx->db, who, &req->user) == CRIER_OK)
        req->authed = 1; /* no session yet: /api/me makes one (state changes need its CSRF token) */
}

static void set_session_cookie(const cn_ctx *ctx, cn_resp *resp, const char *secret)
{
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             CN_COOKIE "=%s; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=%d", secret,
             ctx->cfg->session_hours * 3600);
}

static cJSON *me_json(const cn_user *u, const char *csrf)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "user", u->name);
    cJSON_AddStringToObject(o, "role", cn_role_name(u->role));
    cJSON_AddItemToObject(o, "sites", cn_sites_json(u->sites));
    if (csrf)
        cJSON_AddStringToObject(o, "csrf", csrf);
    return o;
}

/* ---- sessions ----------------------------------------------------------------- */

static void login(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    cJSON *in = cn_req_json(req, resp);
    if (!in)
        return;
    const char *user = cn_jstr(in, "user"), *pw = cn_jstr(in, "password");
    if (!user || !pw) {
        cn_resp_error(resp, 400, "give \"user\" and \"password\"");
        cJSON_Delete(in);
        return;
    }
    int64_t now = crier_wall_ms();
    if (!cn_rate_allow(ctx->rate, user, req->addr, now)) {
        cn_audit(ctx->db, ctx->sse, user, "login", req->addr, "refused", "rate limited");
        cn_resp_error(resp, 429, "too many login attempts; wait a few minutes");
        cJSON_Delete(in);
        return;
    }
    cn_user u;
    int rehashed = 0;
    if (cn_user_login(ctx->db, &ctx->cfg->pwcost, user, pw, &u, &rehashed) != CRIER_OK) {
        cn_rate_fail(ctx->rate, user, now);
        cn_audit(ctx->db, ctx->sse, user, "login", req->addr, "refused", "wrong user name or password");
        cn_resp_error(resp, 401, "wrong user name or password");
        cJSON_Delete(in);
        return;
    }
    cJSON_Delete(in);
    cn_rate_clear(ctx->rate, u.name);
    char secret[CN_SECRET_MAX], csrf[CN_SECRET_MAX];
    if (cn_session_create(ctx->db, u.name, req->addr, ctx->cfg->session_hours, secret, csrf) != CRIER_OK) {
        cn_resp_error(resp, 500, "cannot create a session");
        return;
    }
    cn_audit(ctx->db, ctx->sse, u.name, "login", req->addr, "ok", rehashed ? "password rehashed" : NULL);
    set_session_cookie(ctx, resp, secret);
    cn_resp_json(resp, 200, me_json(&u, csrf));
}

static void logout(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    if (req->session[0])
        cn_session_delete(ctx->db, req->session);
    cn_audit(ctx->db, ctx->sse, req->user.name, "logout", req->addr, "ok", NULL);
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             CN_COOKIE "=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0");
    cn_resp_empty(resp, 204);
}

static void me(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    if (!req->session[0] && !req->via_token) { /* trusted proxy header: start a session */
        char secret[CN_SECRET_MAX];
        if (cn_session_create(ctx->db, req->user.name, req->addr, ctx->cfg->session_hours, secret, req->csrf) !=
            CRIER_OK) {
            cn_resp_error(resp, 500, "cannot create a session");
            return;
        }
        cn_audit(ctx->db, ctx->sse, req->user.name, "login", req->addr, "ok", "trusted proxy header");
        set_session_cookie(ctx, resp, secret);
    }
    cn_resp_json(resp, 200, me_json(&req->user, req->via_token ? NULL : req->csrf));
}

/* ---- screens ----------------------------------------------------------------- */

static int kiosk_visible(cn_ctx *ctx, const cn_user *u, const char *kiosk)
{
    char site[CN_NAME_MAX + 1];
    return cn_fleet_site_of(ctx->fleet, kiosk, site) && cn_user_has_site(u, site);
}

static void screens(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *rest)
{
    if (!rest[0]) {
        if (strcmp(req->method, "GET") != 0) {
            cn_resp_error(resp, 405, "use GET");
            return;
        }
        cn_resp_json(resp, 200, cn_fleet_screens_json(ctx->fleet, &req->user, cn_req_query(req, "site")));
        return;
    }
    char kiosk[CN_NAME_MAX + 1];
    const char *slash = rest[0] == '/' ? strchr(rest + 1, '/') : NULL;
    size_t l = slash ? (size_t)(slash - rest - 1) : 0;
    if (!slash || l == 0 || l > CN_NAME_MAX) {
        cn_resp_error(resp, 404, "no such resource");
        return;
    }
    memcpy(kiosk, rest + 1, l);
    kiosk[l] = '\0';
    if (!cn_name_ok(kiosk) || !kiosk_visible(ctx, &req->user, kiosk)) {
        cn_resp_error(resp, 404, "no such screen");
        return;
    }
    const char *what = slash + 1;
    if (strcmp(what, "screenshot") == 0 && strcmp(req->method, "POST") == 0) {
        if (req->user.role < CN_ROLE_EDITOR) {
            cn_resp_error(resp, 403, "a viewer cannot send commands to screens");
            return;
        }
        char rq[CN_NAME_MAX + 1];
        crier_err e = cn_fleet_request_shot(ctx->fleet, kiosk, rq);
        cn_audit(ctx->db, ctx->sse, req->user.name, "screen.screenshot", kiosk, e == CRIER_OK ? "ok" : "failed",
                 e == CRIER_OK ? rq : crier_strerror(e));
        if (e != CRIER_OK) {
            cn_resp_error(resp, 502, "the broker did not take the command (%s)", crier_strerror(e));
            return;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "request", rq);
        cn_resp_json(resp, 202, o);
    } else if ((strcmp(what, "screenshot.png") == 0 || strcmp(what, "thumb.png") == 0) &&
               strcmp(req->method, "GET") == 0) {
        char *png;
        size_t len;
        if (cn_fleet_shot(ctx->fleet, kiosk, what[0] == 't', &png, &len) != CRIER_OK) {
            cn_resp_error(resp, 404, "no screenshot of %s yet", kiosk);
            return;
        }
        cn_resp_take(resp, 200, "image/png", png, len);
    } else {
        cn_resp_error(resp, 404, "no such resource");
    }
}

/* ---- preview, schedule, uploads ----------------------------------------------------- */

static void preview(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    if (req->user.role < CN_ROLE_EDITOR) {
        cn_resp_error(resp, 403, "a viewer cannot compose posts");
        return;
    }
    cJSON *in = cn_req_json(req, resp);
    if (!in)
        return;
    char err[300];
    cJSON *data = NULL;
    cn_preview_spec specs[2];
    int n = 0;
    const char *layout = cn_jstr(in, "layout"), *orient = cn_jstr(in, "orientation");
    if (cn_post_data(cJSON_GetObjectItemCaseSensitive(in, "post"), NULL, &data, err, sizeof err) != CRIER_OK) {
        cn_resp_error(resp, 400, "post: %s", err);
    } else if (layout && !cn_preview_layout_ok(ctx, layout)) {
        cn_resp_error(resp, 400, "no layout named '%.64s'", layout);
    } else if (orient && strcmp(orient, "landscape") != 0 && strcmp(orient, "portrait") != 0) {
        cn_resp_error(resp, 400, "orientation must be landscape or portrait");
    } else {
        for (int p = 0; p < 2; p++) {
            if (orient && (strcmp(orient, "portrait") == 0) != p)
                continue;
            /* without a layout: crier's own choice per orientation */
            snprintf(specs[n].layout, sizeof specs[n].layout, "%s", layout ? layout : p ? "portrait" : "default");
            specs[n++].portrait = p;
        }
        cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "previews");
        int64_t t0 = crier_mono_ms();
        if (cn_preview_render(ctx, data, specs, n, arr, err, sizeof err) != CRIER_OK) {
            cJSON_Delete(root);
            cn_resp_error(resp, 500, "%s", err);
        } else {
            cJSON_AddNumberToObject(root, "render_ms", (double)(crier_mono_ms() - t0));
            cn_resp_json(resp, 200, root);
        }
    }
    cJSON_Delete(data);
    cJSON_Delete(in);
}

static void describe(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    cJSON *in = cn_req_json(req, resp);
    if (!in)
        return;
    cn_sched s;
    char err[300], words[400], t[32];
    if (cn_sched_parse(cJSON_GetObjectItemCaseSensitive(in, "schedule"), &s, err, sizeof err) != CRIER_OK) {
        cn_resp_error(resp, 400, "%s", err);
    } else {
        int64_t now = crier_wall_ms(), next[5];
        cn_sched_words(&s, now, words, sizeof words);
        int n = cn_sched_next(&s, now, next, 5);
        cJSON *o = cJSON_CreateObject(), *arr;
        cJSON_AddStringToObject(o, "words", words);
        arr = cJSON_AddArrayToObject(o, "next");
        for (int i = 0; i < n; i++) {
            cn_time_str(next[i], t, sizeof t);
            cJSON_AddItemToArray(arr, cJSON_CreateString(t));
        }
        cn_resp_json(resp, 200, o);
    }
    cJSON_Delete(in);
}

static void upload(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    if (req->user.role < CN_ROLE_EDITOR) {
        cn_resp_error(resp, 403, "a viewer cannot upload");
        return;
    }
    char id[CN_NAME_MAX + 1], err[200];
    if (!req->body_len) {
        cn_resp_error(resp, 400, "the body is empty: send the image bytes");
        return;
    }
    if (cn_upload_put(ctx->db, cn_req_header(req, "Content-Type"), req->body, req->body_len, req->user.name, id, err,
                      sizeof err) != CRIER_OK) {
        cn_audit(ctx->db, ctx->sse, req->user.name, "upload", "", "refused", err);
        cn_resp_error(resp, 415, "%s", err);
        return;
    }
    char url[CN_NAME_MAX + 16], detail[32];
    snprintf(url, sizeof url, "/uploads/%s", id);
    snprintf(detail, sizeof detail, "%zu bytes", req->body_len);
    cn_audit(ctx->db, ctx->sse, req->user.name, "upload", id, "ok", detail);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "url", url);
    cn_resp_json(resp, 201, o);
}

static void serve_upload(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    char *bytes, type[64];
    size_t len;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        cn_resp_error(resp, 405, "use GET");
        return;
    }
    if (cn_upload_get(ctx->db, req->path + 9, &bytes, &len, type) != CRIER_OK) {
        cn_resp_error(resp, 404, "no such upload");
        return;
    }
    resp->cache = "public, max-age=31536000, immutable";
    cn_resp_take(resp, 200, strcmp(type, "image/png") == 0    ? "image/png"
                            : strcmp(type, "image/jpeg") == 0 ? "image/jpeg"
                            : strcmp(type, "image/webp") == 0 ? "image/webp"
                                                              : "image/gif",
                 bytes, len);
}

/* ---- admin ----------------------------------------------------------------- */

static void audit_export(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    if (req->user.role < CN_ROLE_PUBLISHER) {
        cn_resp_error(resp, 403, "the audit log is for publishers and admins");
        return;
    }
    const char *f = cn_req_query(req, "format"), *lim = cn_req_query(req, "limit");
    cn_audit_format fmt = !f || strcmp(f, "json") == 0 ? CN_AUDIT_JSON
                          : strcmp(f, "jsonl") == 0    ? CN_AUDIT_JSONL
                          : strcmp(f, "csv") == 0      ? CN_AUDIT_CSV
                                                       : (cn_audit_format)-1;
    if ((int)fmt < 0) {
        cn_resp_error(resp, 400, "format must be json, jsonl or csv");
        return;
    }
    int limit = lim ? atoi(lim) : (fmt == CN_AUDIT_JSON ? 1000 : 0);
    size_t len;
    const char *ctype;
    char *text = cn_audit_export(ctx->db, fmt, limit, &len, &ctype);
    if (!text) {
        cn_resp_error(resp, 500, "cannot read the audit log");
        return;
    }
    cn_resp_take(resp, 200, ctype, text, len);
}

/* Only admins manage users and tokens: else 403, audited as `what`. */
static int admin_only(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *what)
{
    if (req->user.role >= CN_ROLE_ADMIN)
        return 1;
    cn_audit(ctx->db, ctx->sse, req->user.name, what, req->path, "refused", "not an admin");
    cn_resp_error(resp, 403, "only an admin manages users and API tokens");
    return 0;
}

static void user_delete(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *name)
{
    int sessions, tokens;
    crier_err e = strcmp(name, req->user.name) == 0 ? CRIER_ERR_INVAL
                                                    : cn_user_delete(ctx->db, name, &sessions, &tokens);
    char detail[100];
    if (e == CRIER_OK) {
        cn_sse_drop_user(ctx->sse, name);
        snprintf(detail, sizeof detail, "%d sessions ended, %d tokens revoked", sessions, tokens);
        cn_audit(ctx->db, ctx->sse, req->user.name, "user.delete", name, "ok", detail);
        cn_resp_empty(resp, 204);
        return;
    }
    const char *why = e == CRIER_ERR_INVAL    ? "you cannot delete yourself; ask another admin"
                      : e == CRIER_ERR_LIMIT  ? "this is the last admin: make another admin first"
                      : e == CRIER_ERR_NOTFOUND ? "no such user"
                                                : "cannot delete the user (database error)";
    cn_audit(ctx->db, ctx->sse, req->user.name, "user.delete", name, e == CRIER_ERR_IO ? "failed" : "refused", why);
    cn_resp_error(resp, e == CRIER_ERR_NOTFOUND ? 404 : e == CRIER_ERR_IO ? 500 : 409, "%s", why);
}

static void users(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *rest)
{
    if (!admin_only(ctx, req, resp, "users"))
        return;
    if (rest[0]) { /* /api/users/{name} */
        char name[CN_NAME_MAX + 1];
        const char *action;
        if (cn_route_item(rest, name, &action, resp, "user") != 0)
            return;
        if (action[0] || strcmp(req->method, "DELETE") != 0)
            cn_resp_error(resp, action[0] ? 404 : 405, action[0] ? "no such resource" : "use DELETE");
        else
            user_delete(ctx, req, resp, name);
        return;
    }
    if (strcmp(req->method, "GET") == 0) {
        cn_resp_json(resp, 200, cn_users_json(ctx->db));
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        cn_resp_error(resp, 405, "use GET or POST");
        return;
    }
    cJSON *in = cn_req_json(req, resp);
    if (!in)
        return;
    char sites[CN_SITES_MAX + 1], err[200];
    const char *name = cn_jstr(in, "user"), *pw = cn_jstr(in, "password"), *role = cn_jstr(in, "role");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(in, "sites");
    cn_user u;
    int existed = name && cn_user_get(ctx->db, name, &u) == CRIER_OK;
    const char *action = existed ? "user.update" : "user.create";
    if (!s)
        snprintf(sites, sizeof sites, "*");
    if (existed && strcmp(name, req->user.name) == 0 && cn_role_parse(role) != CN_ROLE_ADMIN) {
        /* as for deleting yourself: another admin must do it (and one is left) */
        cn_audit(ctx->db, ctx->sse, req->user.name, action, name, "refused", "own admin role");
        cn_resp_error(resp, 409, "you cannot take away your own admin role; ask another admin");
    } else if ((s && cn_sites_parse(s, sites, sizeof sites, err, sizeof err) != CRIER_OK) ||
        cn_user_put(ctx->db, &ctx->cfg->pwcost, name, pw, cn_role_parse(role), sites, err, sizeof err) != CRIER_OK) {
        cn_audit(ctx->db, ctx->sse, req->user.name, action, name ? name : "", "refused", err);
        cn_resp_error(resp, 400, "%s", err);
    } else {
        char detail[CN_SITES_MAX + 40];
        snprintf(detail, sizeof detail, "%s, sites %s", role, sites);
        if (existed) /* its event streams were opened with the old role and sites */
            cn_sse_drop_user(ctx->sse, name);
        cn_user_get(ctx->db, name, &u);
        cn_audit(ctx->db, ctx->sse, req->user.name, action, name, "ok", detail);
        cn_resp_json(resp, 201, me_json(&u, NULL));
    }
    cJSON_Delete(in);
}

static void token_create(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    cJSON *in = cn_req_json(req, resp);
    if (!in)
        return;
    const char *name = cn_jstr(in, "name"), *user = cn_jstr(in, "user");
    cn_user u;
    char token[CN_SECRET_MAX], ref[CN_TOKEN_REF_MAX];
    if (!name || !name[0] || strlen(name) > CN_TOKEN_NAME_MAX) {
        cn_resp_error(resp, 400, "give the token a \"name\" (1..%d bytes)", CN_TOKEN_NAME_MAX);
    } else if (cn_user_get(ctx->db, user ? user : req->user.name, &u) != CRIER_OK) {
        cn_resp_error(resp, 400, "no user '%.64s'", user);
    } else if (cn_token_create(ctx->db, name, u.name, token, ref) != CRIER_OK) {
        cn_resp_error(resp, 500, "cannot store the token");
    } else {
        cn_audit(ctx->db, ctx->sse, req->user.name, "token.create", name, "ok", u.name);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "token", token);
        cJSON_AddStringToObject(o, "id", ref);
        cJSON_AddStringToObject(o, "name", name);
        cJSON_AddStringToObject(o, "user", u.name);
        cn_resp_json(resp, 201, o);
    }
    cJSON_Delete(in);
}

static void tokens(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *rest)
{
    if (!admin_only(ctx, req, resp, "tokens"))
        return;
    if (!rest[0]) {
        if (strcmp(req->method, "GET") == 0)
            cn_resp_json(resp, 200, cn_tokens_json(ctx->db));
        else if (strcmp(req->method, "POST") == 0)
            token_create(ctx, req, resp);
        else
            cn_resp_error(resp, 405, "use GET or POST");
        return;
    }
    char ref[CN_NAME_MAX + 1], name[CN_TOKEN_NAME_MAX + 1], user[CN_NAME_MAX + 1], detail[CN_TOKEN_NAME_MAX + 80];
    const char *action;
    if (cn_route_item(rest, ref, &action, resp, "token") != 0)
        return;
    if (action[0] || strcmp(req->method, "DELETE") != 0) {
        cn_resp_error(resp, action[0] ? 404 : 405, action[0] ? "no such resource" : "use DELETE");
        return;
    }
    crier_err e = cn_token_revoke(ctx->db, ref, name, user);
    if (e != CRIER_OK) {
        cn_audit(ctx->db, ctx->sse, req->user.name, "token.revoke", ref, e == CRIER_ERR_NOTFOUND ? "refused" : "failed",
                 e == CRIER_ERR_NOTFOUND ? "no such token" : crier_strerror(e));
        cn_resp_error(resp, e == CRIER_ERR_NOTFOUND ? 404 : 500, "%s",
                      e == CRIER_ERR_NOTFOUND ? "no such token" : "cannot revoke the token (database error)");
        return;
    }
    snprintf(detail, sizeof detail, "'%s' acting as %s", name, user);
    cn_audit(ctx->db, ctx->sse, req->user.name, "token.revoke", ref, "ok", detail);
    cn_resp_empty(resp, 204);
}

static void health(cn_ctx *ctx, cn_resp *resp)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddBoolToObject(o, "broker", cn_fleet_connected(ctx->fleet));
    cJSON_AddNumberToObject(o, "screens", (double)cn_fleet_count(ctx->fleet));
    cJSON_AddBoolToObject(o, "signing", ctx->have_key);
    cn_resp_json(resp, 200, o);
}

/* ---- routing ----------------------------------------------------------------- */

void cn_api_handle(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    if (strncmp(req->path, "/uploads/", 9) == 0) {
        serve_upload(ctx, req, resp);
        return;
    }
    if (strncmp(req->path, "/api/", 5) != 0 && strcmp(req->path, "/api") != 0) {
        if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
            cn_resp_error(resp, 405, "use GET");
        else
            cn_static_serve(ctx, req, resp);
        return;
    }
    if (is(req, "GET", "/api/health")) {
        health(ctx, resp);
        return;
    }
    int changes = strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0;
    authenticate(ctx, req);
    const char *origin = cn_req_header(req, "Origin");
    int origin_ok = cn_origin_ok(origin, cn_req_header(req, "Host"), req->tls, ctx->origin);
    /* the Origin rule holds for every change (login too) and for the event stream */
    if ((changes || strcmp(req->path, "/api/events") == 0) && !req->via_token && !origin_ok) {
        cn_audit(ctx->db, ctx->sse, req->authed ? req->user.name : "-", "origin", req->path, "refused",
                 origin ? origin : "");
        cn_resp_error(resp, 403, "cross-origin request refused");
        return;
    }
    if (is(req, "POST", "/api/login")) {
        login(ctx, req, resp);
        return;
    }
    if (!req->authed) {
        cn_resp_error(resp, 401, "log in first");
        return;
    }
    if (changes && !req->via_token && !cn_csrf_ok(req->csrf, cn_req_header(req, "X-CSRF-Token"))) {
        cn_audit(ctx->db, ctx->sse, req->user.name, "csrf", req->path, "refused",
                 cn_req_header(req, "X-CSRF-Token") ? "wrong token" : "no token");
        cn_resp_error(resp, 403, "missing or wrong X-CSRF-Token (take it from /api/me)");
        return;
    }
    const char *p = req->path;
    if (is(req, "POST", "/api/logout"))
        logout(ctx, req, resp);
    else if (is(req, "GET", "/api/me"))
        me(ctx, req, resp);
    else if (strncmp(p, "/api/screens", 12) == 0 && (p[12] == '\0' || p[12] == '/'))
        screens(ctx, req, resp, p + 12);
    else if (strncmp(p, "/api/posts", 10) == 0 && (p[10] == '\0' || p[10] == '/'))
        cn_posts_handle(ctx, req, resp, p + 10);
    else if (strncmp(p, "/api/alerts", 11) == 0 && (p[11] == '\0' || p[11] == '/'))
        cn_desk_handle(ctx, req, resp, p + 11);
    else if (strncmp(p, "/api/alert-templates", 20) == 0 && (p[20] == '\0' || p[20] == '/'))
        cn_desk_templates_handle(ctx, req, resp, p + 20);
    else if (strncmp(p, "/api/relay", 10) == 0 && (p[10] == '\0' || p[10] == '/'))
        cn_relay_handle(ctx, req, resp, p + 10);
    else if (is(req, "POST", "/api/preview"))
        preview(ctx, req, resp);
    else if (is(req, "POST", "/api/schedule/describe"))
        describe(ctx, req, resp);
    else if (is(req, "POST", "/api/uploads"))
        upload(ctx, req, resp);
    else if (is(req, "GET", "/api/audit"))
        audit_export(ctx, req, resp);
    else if (strncmp(p, "/api/users", 10) == 0 && (p[10] == '\0' || p[10] == '/'))
        users(ctx, req, resp, p + 10);
    else if (strncmp(p, "/api/tokens", 11) == 0 && (p[11] == '\0' || p[11] == '/'))
        tokens(ctx, req, resp, p + 11);
    else if (is(req, "GET", "/api/events"))
        resp->sse = 1;
    else
        cn_resp_error(resp, 404, "no such API route: %s %.100s", req->method, req->path);
}
