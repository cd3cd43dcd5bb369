/* posts.c - post storage, moderation and publishing (posts.h). */
#include "posts.h"

#include "audit.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "fleet.h"
#include "post.h"
#include "sse.h"
#include "remote/post.h"
#include "remote/topic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUBACK_MS 5000

typedef struct post_row {
    char id[CN_NAME_MAX + 1];
    int version, live_version, on_air;
    char status[16], author[CN_NAME_MAX + 1], approver[CN_NAME_MAX + 1];
    int64_t created, updated;
    cJSON *data, *topics;
} post_row;

static void row_clear(post_row *r)
{
    cJSON_Delete(r->data);
    cJSON_Delete(r->topics);
    memset(r, 0, sizeof *r);
}

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

#define ROW_COLS "id, version, status, author, approver, created, updated, data, topics, on_air, live_version"

static void row_read(sqlite3_stmt *st, post_row *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", col(st, 0));
    r->version = sqlite3_column_int(st, 1);
    snprintf(r->status, sizeof r->status, "%s", col(st, 2));
    snprintf(r->author, sizeof r->author, "%s", col(st, 3));
    snprintf(r->approver, sizeof r->approver, "%s", col(st, 4));
    r->created = sqlite3_column_int64(st, 5);
    r->updated = sqlite3_column_int64(st, 6);
    r->data = cJSON_Parse(col(st, 7));
    r->topics = cJSON_Parse(col(st, 8));
    r->on_air = sqlite3_column_int(st, 9);
    r->live_version = sqlite3_column_int(st, 10);
}

/* Every row SQL (ROW_COLS, ?1 bound to arg when given) selects, in a malloc'd
 * array the caller clears and frees; rows whose data do not parse are skipped. */
static size_t rows_select(cn_db *db, const char *sql, const char *arg, post_row **out)
{
    post_row *rows = NULL;
    size_t n = 0, cap = 0;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK) {
        if (arg)
            sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                post_row *nr = realloc(rows, cap * sizeof *nr);
                if (!nr)
                    break;
                rows = nr;
            }
            row_read(st, &rows[n]);
            if (rows[n].data)
                n++;
            else
                row_clear(&rows[n]);
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    *out = rows;
    return n;
}

static crier_err row_load(cn_db *db, const char *id, post_row *r)
{
    crier_err e = CRIER_ERR_NOTFOUND;
    memset(r, 0, sizeof *r);
    if (!cn_name_ok(id))
        return e;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT " ROW_COLS " FROM posts WHERE id=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            row_read(st, r);
            e = r->data ? CRIER_OK : CRIER_ERR_PARSE;
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return e;
}

static cJSON *post_json(const post_row *r, int64_t now)
{
    cJSON *o = cJSON_Duplicate(r->data, 1);
    char t[32];
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", r->id);
    cJSON_AddStringToObject(o, "status", r->status);
    cJSON_AddStringToObject(o, "author", r->author);
    if (r->approver[0])
        cJSON_AddStringToObject(o, "approver", r->approver);
    else
        cJSON_AddNullToObject(o, "approver");
    cn_time_str(r->created, t, sizeof t);
    cJSON_AddStringToObject(o, "created", t);
    cn_time_str(r->updated, t, sizeof t);
    cJSON_AddStringToObject(o, "updated", t);
    cJSON_AddNumberToObject(o, "version", r->version);
    cJSON_AddBoolToObject(o, "live", r->on_air);
    if (!cJSON_GetObjectItemCaseSensitive(o, "schedule")) {
        cn_sched s;
        cn_sched_parse(NULL, &s, NULL, 0);
        cJSON_AddItemToObject(o, "schedule", cn_sched_json(&s));
    }
    cn_sched s;
    cn_post_sched(r->data, &s);
    char words[300];
    cn_sched_words(&s, now, words, sizeof words);
    cJSON_AddStringToObject(o, "words", words);
    return o;
}

/* ---- targets and permissions -------------------------------------------------- */

/* The sites a post concerns as "a,b" ("" = every site) for events and checks;
 * a screen the fleet does not know counts as site "?" (only all-site users). */
static void target_sites(cn_ctx *ctx, const cJSON *data, char *out, size_t len)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(data, "target");
    out[0] = '\0';
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "all")))
        return;
    const cJSON *sites = cJSON_GetObjectItemCaseSensitive(t, "sites");
    const cJSON *screens = cJSON_GetObjectItemCaseSensitive(t, "screens");
    size_t n = 0;
    for (const cJSON *e = sites ? sites->child : screens ? screens->child : NULL; e; e = e->next) {
        char site[CN_NAME_MAX + 1] = "?";
        const char *name = e->valuestring;
        if (!sites && (!cn_fleet_site_of(ctx->fleet, e->valuestring, site) || !site[0]))
            snprintf(site, sizeof site, "?");
        if (!sites)
            name = site;
        size_t l = strlen(name);
        if (n + l + 2 >= len)
            break;
        if (n)
            out[n++] = ',';
        memcpy(out + n, name, l + 1);
        n += l;
    }
    if (!n)
        snprintf(out, len, "?");
}

/* May u act on every screen the post reaches? */
static int may_target(cn_ctx *ctx, const cn_user *u, const cJSON *data)
{
    if (cn_user_all_sites(u))
        return 1;
    char sites[CN_SITES_MAX + 1], *save = NULL;
    target_sites(ctx, data, sites, sizeof sites);
    if (!sites[0])
        return 0; /* all screens */
    for (char *t = strtok_r(sites, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (!cn_user_has_site(u, t))
            return 0;
    return 1;
}

/* May u see the post (does it reach one of u's sites)? */
static int may_see(cn_ctx *ctx, const cn_user *u, const cJSON *data)
{
    if (cn_user_all_sites(u))
        return 1;
    char sites[CN_SITES_MAX + 1], *save = NULL;
    target_sites(ctx, data, sites, sizeof sites);
    if (!sites[0])
        return 1;
    for (char *t = strtok_r(sites, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (cn_user_has_site(u, t))
            return 1;
    return 0;
}

static void emit(cn_ctx *ctx, const post_row *r)
{
    char sites[CN_SITES_MAX + 1];
    target_sites(ctx, r->data, sites, sizeof sites);
    cJSON *o = post_json(r, crier_wall_ms());
    char *txt = cn_json_print(o);
    cn_sse_publish(ctx->sse, "post", txt, sites, CN_ROLE_VIEWER);
    free(txt);
    cJSON_Delete(o);
}

/* ---- the broker side ------------------------------------------------------------ */

static int in_list(const cJSON *arr, const char *s)
{
    for (const cJSON *e = arr ? arr->child : NULL; e; e = e->next)
        if (cJSON_IsString(e) && strcmp(e->valuestring, s) == 0)
            return 1;
    return 0;
}

/* Clears every topic of `old` that `keep` does not list.  CRIER_OK or the
 * first failure.  With the console's signing key the post is taken down with
 * a signed retraction naming `by` (docs/protocol.md "Signed retractions"):
 * kiosks that require signed posts ignore an empty message.  The tombstone
 * stays retained as crier_retraction_retain_s says for `data`, the post it
 * removes (NULL: the longest). */
static crier_err clear_topics(cn_ctx *ctx, const cJSON *old, const cJSON *keep, const char *by, const cJSON *data)
{
    crier_err first = CRIER_OK;
    cn_sched sc = {0};
    if (data)
        cn_post_sched(data, &sc);
    uint32_t retain_s = crier_retraction_retain_s(sc.until_ms, crier_wall_ms());
    for (const cJSON *e = old ? old->child : NULL; e; e = e->next) {
        if (!cJSON_IsString(e) || in_list(keep, e->valuestring))
            continue;
        char *env = NULL;
        crier_topic t;
        if (ctx->have_key && crier_topic_parse(e->valuestring, &t) == CRIER_OK) {
            crier_retraction r = {.sent_ms = crier_wall_ms()};
            snprintf(r.id, sizeof r.id, "%s", t.name);
            snprintf(r.by, sizeof r.by, "%s", by ? by : "");
            char *json = crier_retraction_write(&r);
            if (!json || crier_envelope_seal(json, strlen(json), &ctx->key, &env, NULL) != CRIER_OK)
                env = NULL;
            free(json);
            if (!env) {
                if (first == CRIER_OK)
                    first = CRIER_ERR_NOMEM;
                continue;
            }
        }
        crier_err rc = env ? cn_fleet_publish_ex(ctx->fleet, e->valuestring, env, strlen(env), 1, retain_s, PUBACK_MS)
                           : cn_fleet_publish(ctx->fleet, e->valuestring, "", 0, 1, PUBACK_MS);
        free(env);
        if (rc != CRIER_OK && first == CRIER_OK)
            first = rc;
    }
    return first;
}

/* Sends data to its topics (when its windows allow it now): *topics gets the
 * topic list, *on_air whether it is on the broker.  err for the user. */
static crier_err send_post(cn_ctx *ctx, const char *id, const cJSON *data, int64_t now, cJSON **topics, int *on_air,
                           char *err, size_t err_len)
{
    char t[CN_TARGETS_MAX][CRIER_TOPIC_MAX];
    int n = cn_post_topics(data, id, t, CN_TARGETS_MAX);
    *topics = cJSON_CreateArray();
    *on_air = 0;
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(*topics, cJSON_CreateString(t[i]));
    char *wire = cn_post_wire(data, id, ctx->cfg->public_url, now, err, err_len);
    if (!wire)
        return CRIER_ERR_INVAL;
    cn_sched s;
    cn_post_sched(data, &s);
    if (!cn_sched_allows(&s, now)) { /* outside its days/hours: cn_posts_tick sends it when a window opens */
        free(wire);
        return CRIER_OK;
    }
    char *env = NULL;
    if (ctx->have_key && crier_envelope_seal(wire, strlen(wire), &ctx->key, &env, NULL) != CRIER_OK) {
        crier_errf(err, err_len, "cannot sign the post");
        free(wire);
        return CRIER_ERR_AUTH;
    }
    const char *payload = env ? env : wire;
    crier_err rc = CRIER_OK;
    for (int i = 0; i < n && rc == CRIER_OK; i++)
        rc = cn_fleet_publish(ctx->fleet, t[i], payload, strlen(payload), 1, PUBACK_MS);
    free(env);
    free(wire);
    if (rc != CRIER_OK) {
        crier_errf(err, err_len, "the broker did not take the post (%s); nothing changed", crier_strerror(rc));
        clear_topics(ctx, *topics, NULL, "console", data); /* undo what did go out */
        return CRIER_ERR_NET;
    }
    *on_air = 1;
    return CRIER_OK;
}

/* ---- storage ---------------------------------------------------------------- */

static crier_err store_version(sqlite3 *s, const char *id, int version, const char *status, const char *user,
                               int64_t now, const char *data)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(s, "INSERT INTO post_versions(id, version, status, user, time, data) VALUES(?,?,?,?,?,?)",
                                -1, &st, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, version);
        sqlite3_bind_text(st, 3, status, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, now);
        sqlite3_bind_text(st, 6, data, -1, SQLITE_TRANSIENT);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return ok ? CRIER_OK : CRIER_ERR_IO;
}

/* Writes r (new when expect_version == 0, else only if the stored version is
 * still expect_version) plus a history row when new_version.  CRIER_ERR_STALE
 * when someone else changed the post meanwhile. */
static crier_err row_save(cn_db *db, const post_row *r, int expect_version, int new_version, const char *user)
{
    char *data = cn_json_print(r->data), *topics = cn_json_print(r->topics);
    cn_sched s;
    cn_post_sched(r->data, &s);
    crier_err e = CRIER_ERR_IO;
    sqlite3 *db3 = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    cn_db_exec(db3, "BEGIN IMMEDIATE");
    const char *sql = expect_version == 0
                          ? "INSERT INTO posts(id, version, status, author, approver, created, updated, data, topics,"
                            " on_air, live_version, windowed) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
                          : "UPDATE posts SET version=?2, status=?3, approver=?5, updated=?7, data=?8, topics=?9,"
                            " on_air=?10, live_version=?11, windowed=?12 WHERE id=?1 AND version=?13";
    if (data && topics && sqlite3_prepare_v2(db3, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, r->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, r->version);
        sqlite3_bind_text(st, 3, r->status, -1, SQLITE_TRANSIENT);
        if (expect_version == 0)
            sqlite3_bind_text(st, 4, r->author, -1, SQLITE_TRANSIENT);
        if (r->approver[0])
            sqlite3_bind_text(st, 5, r->approver, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 5);
        if (expect_version == 0)
            sqlite3_bind_int64(st, 6, r->created);
        sqlite3_bind_int64(st, 7, r->updated);
        sqlite3_bind_text(st, 8, data, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 9, topics, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 10, r->on_air);
        sqlite3_bind_int(st, 11, r->live_version);
        sqlite3_bind_int(st, 12, cn_sched_windowed(&s));
        if (expect_version)
            sqlite3_bind_int(st, 13, expect_version);
        if (sqlite3_step(st) == SQLITE_DONE)
            e = sqlite3_changes(db3) == 1 ? CRIER_OK : CRIER_ERR_STALE;
    }
    sqlite3_finalize(st);
    if (e == CRIER_OK && new_version)
        e = store_version(db3, r->id, r->version, r->status, user, r->updated, data);
    cn_db_exec(db3, e == CRIER_OK ? "COMMIT" : "ROLLBACK");
    cn_db_unlock(db);
    free(data);
    free(topics);
    return e;
}

/* ---- handlers ----------------------------------------------------------------- */

static void fail_audit(cn_ctx *ctx, cn_req *req, const char *action, const char *id, const char *why)
{
    cn_audit(ctx->db, ctx->sse, req->user.name, action, id, "refused", why);
}

static void list_posts(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    const char *status = cn_req_query(req, "status"), *screen = cn_req_query(req, "screen");
    if (status && strcmp(status, "draft") && strcmp(status, "pending") && strcmp(status, "published") &&
        strcmp(status, "retracted")) {
        cn_resp_error(resp, 400, "status must be draft, pending, published or retracted");
        return;
    }
    char screen_site[CN_NAME_MAX + 1] = "";
    if (screen && !cn_name_ok(screen)) {
        cn_resp_error(resp, 400, "screen: not a kiosk name");
        return;
    }
    if (screen)
        cn_fleet_site_of(ctx->fleet, screen, screen_site);
    int64_t now = crier_wall_ms();
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "posts");
    post_row *rows = NULL;
    size_t n = rows_select(ctx->db,
                           "SELECT " ROW_COLS " FROM posts WHERE ?1 IS NULL OR status=?1 ORDER BY updated DESC"
                           " LIMIT 2000",
                           status, &rows);
    for (size_t i = 0; i < n; i++) {
        post_row *r = &rows[i];
        int show = may_see(ctx, &req->user, r->data);
        if (show && screen) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(r->data, "target");
            show = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "all")) ||
                   in_list(cJSON_GetObjectItemCaseSensitive(t, "screens"), screen) ||
                   (screen_site[0] && in_list(cJSON_GetObjectItemCaseSensitive(t, "sites"), screen_site));
        }
        if (show)
            cJSON_AddItemToArray(arr, post_json(r, now));
        row_clear(r);
    }
    free(rows);
    cn_resp_json(resp, 200, root);
}

/* Publishes or asks for approval according to the user's role; r->data is
 * the version to publish.  Returns the HTTP status (fills resp on errors). */
static int publish_row(cn_ctx *ctx, cn_req *req, cn_resp *resp, post_row *r, const cJSON *old_topics, int64_t now)
{
    if (req->user.role < CN_ROLE_PUBLISHER) {
        snprintf(r->status, sizeof r->status, "pending");
        return 0;
    }
    char err[300];
    cJSON *topics = NULL;
    int on_air = 0;
    crier_err e = send_post(ctx, r->id, r->data, now, &topics, &on_air, err, sizeof err);
    if (e != CRIER_OK) {
        cJSON_Delete(topics);
        cn_resp_error(resp, e == CRIER_ERR_NET ? 502 : 400, "%s", err);
        return e == CRIER_ERR_NET ? 502 : 400;
    }
    clear_topics(ctx, old_topics, topics, req ? req->user.name : "console", NULL);
    cJSON_Delete(r->topics);
    r->topics = topics;
    r->on_air = on_air;
    r->live_version = r->version;
    snprintf(r->status, sizeof r->status, "published");
    snprintf(r->approver, sizeof r->approver, "%s", req->user.name);
    return 0;
}

static void create_post(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    cJSON *in = cn_req_json(req, resp);
    if (!in)
        return;
    char err[300];
    post_row r = {0};
    int64_t now = crier_wall_ms();
    if (req->user.role < CN_ROLE_EDITOR) {
        fail_audit(ctx, req, "post.create", "", "viewer");
        cn_resp_error(resp, 403, "a viewer cannot write posts");
        goto done;
    }
    if (cn_post_data(in, NULL, &r.data, err, sizeof err) != CRIER_OK) {
        cn_resp_error(resp, 400, "%s", err);
        goto done;
    }
    cn_post_new_id(now, r.id);
    char *wire = cn_post_wire(r.data, r.id, ctx->cfg->public_url, now, err, sizeof err);
    if (!wire) {
        cn_resp_error(resp, 400, "%s", err);
        goto done;
    }
    free(wire);
    if (!may_target(ctx, &req->user, r.data)) {
        fail_audit(ctx, req, "post.create", r.id, "target outside the user's sites");
        cn_resp_error(resp, 403, "you may only target screens of your sites");
        goto done;
    }
    r.version = 1;
    r.created = r.updated = now;
    r.topics = cJSON_CreateArray();
    snprintf(r.author, sizeof r.author, "%s", req->user.name);
    snprintf(r.status, sizeof r.status, "draft");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "publish")) && publish_row(ctx, req, resp, &r, NULL, now))
        goto done;
    if (row_save(ctx->db, &r, 0, 1, req->user.name) != CRIER_OK) {
        clear_topics(ctx, r.topics, NULL, req->user.name, r.data);
        cn_resp_error(resp, 500, "cannot store the post");
        goto done;
    }
    cn_audit(ctx->db, ctx->sse, req->user.name, "post.create", r.id, "ok", r.status);
    emit(ctx, &r);
    cn_resp_json(resp, 201, post_json(&r, now));
done:
    row_clear(&r);
    cJSON_Delete(in);
}

static void edit_post(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *id)
{
    cJSON *in = cn_req_json(req, resp);
    if (!in)
        return;
    char err[300];
    post_row r;
    cJSON *data = NULL;
    int64_t now = crier_wall_ms();
    if (row_load(ctx->db, id, &r) != CRIER_OK) {
        cn_resp_error(resp, 404, "no such post");
        cJSON_Delete(in);
        return;
    }
    int was = r.version;
    if (req->user.role < CN_ROLE_EDITOR || !may_target(ctx, &req->user, r.data)) {
        fail_audit(ctx, req, "post.edit", id, "not allowed");
        cn_resp_error(resp, 403, "you may not edit this post");
        goto done;
    }
    if (strcmp(r.status, "retracted") == 0) {
        cn_resp_error(resp, 409, "a retracted post cannot be edited; write a new one");
        goto done;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "version");
    if (cJSON_IsNumber(v) && (int)v->valuedouble != r.version) {
        cn_resp_error(resp, 409, "the post changed meanwhile (version %d); reload it", r.version);
        goto done;
    }
    if (cn_post_data(in, r.data, &data, err, sizeof err) != CRIER_OK) {
        cn_resp_error(resp, 400, "%s", err);
        goto done;
    }
    char *wire = cn_post_wire(data, r.id, ctx->cfg->public_url, now, err, sizeof err);
    if (!wire) {
        cn_resp_error(resp, 400, "%s", err);
        goto done;
    }
    free(wire);
    if (!may_target(ctx, &req->user, data)) {
        fail_audit(ctx, req, "post.edit", id, "target outside the user's sites");
        cn_resp_error(resp, 403, "you may only target screens of your sites");
        goto done;
    }
    cJSON_Delete(r.data);
    r.data = data;
    data = NULL;
    r.version++;
    r.updated = now;
    int republish = strcmp(r.status, "published") == 0 || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "publish"));
    cJSON *old_topics = cJSON_Duplicate(r.topics, 1);
    if (republish && publish_row(ctx, req, resp, &r, old_topics, now)) {
        cJSON_Delete(old_topics);
        goto done;
    }
    cJSON_Delete(old_topics);
    crier_err e = row_save(ctx->db, &r, was, 1, req->user.name);
    if (e != CRIER_OK) {
        cn_resp_error(resp, e == CRIER_ERR_STALE ? 409 : 500, "%s",
                      e == CRIER_ERR_STALE ? "the post changed meanwhile; reload it" : "cannot store the post");
        goto done;
    }
    cn_audit(ctx->db, ctx->sse, req->user.name, "post.edit", r.id, "ok", r.status);
    emit(ctx, &r);
    cn_resp_json(resp, 200, post_json(&r, now));
done:
    cJSON_Delete(data);
    row_clear(&r);
    cJSON_Delete(in);
}

static void approve_post(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *id)
{
    post_row r;
    int64_t now = crier_wall_ms();
    if (row_load(ctx->db, id, &r) != CRIER_OK) {
        cn_resp_error(resp, 404, "no such post");
        return;
    }
    int was = r.version;
    if (req->user.role < CN_ROLE_PUBLISHER || !may_target(ctx, &req->user, r.data)) {
        fail_audit(ctx, req, "post.approve", id, "not a publisher of its sites");
        cn_resp_error(resp, 403, "only a publisher of the post's sites can approve it");
    } else if (strcmp(r.status, "pending") != 0 && strcmp(r.status, "draft") != 0) {
        cn_resp_error(resp, 409, "the post is %s, not waiting for approval", r.status);
    } else {
        cJSON *old = cJSON_Duplicate(r.topics, 1);
        r.updated = now;
        if (!publish_row(ctx, req, resp, &r, old, now)) {
            crier_err e = row_save(ctx->db, &r, was, 0, req->user.name);
            if (e != CRIER_OK)
                cn_resp_error(resp, e == CRIER_ERR_STALE ? 409 : 500, "the post changed meanwhile; reload it");
            else {
                cn_audit(ctx->db, ctx->sse, req->user.name, "post.approve", r.id, "ok", r.author);
                emit(ctx, &r);
                cn_resp_json(resp, 200, post_json(&r, now));
            }
        } else {
            cn_audit(ctx->db, ctx->sse, req->user.name, "post.approve", r.id, "failed", "broker or validation");
        }
        cJSON_Delete(old);
    }
    row_clear(&r);
}

static void retract_post(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *id)
{
    post_row r;
    int64_t now = crier_wall_ms();
    if (row_load(ctx->db, id, &r) != CRIER_OK) {
        cn_resp_error(resp, 404, "no such post");
        return;
    }
    int was = r.version;
    int own_unpublished = strcmp(r.author, req->user.name) == 0 && r.live_version == 0;
    if (req->user.role < CN_ROLE_EDITOR || !may_target(ctx, &req->user, r.data) ||
        (req->user.role < CN_ROLE_PUBLISHER && !own_unpublished)) {
        fail_audit(ctx, req, "post.retract", id, "not allowed");
        cn_resp_error(resp, 403, "only a publisher of the post's sites can retract it");
    } else if (strcmp(r.status, "retracted") == 0) {
        cn_resp_json(resp, 200, post_json(&r, now));
    } else {
        crier_err e = clear_topics(ctx, r.topics, NULL, req->user.name, r.data);
        if (e != CRIER_OK) {
            cn_audit(ctx->db, ctx->sse, req->user.name, "post.retract", r.id, "failed", crier_strerror(e));
            cn_resp_error(resp, 502, "the broker did not take the retraction (%s); try again", crier_strerror(e));
        } else {
            cJSON_Delete(r.topics);
            r.topics = cJSON_CreateArray();
            r.on_air = 0;
            r.updated = now;
            snprintf(r.status, sizeof r.status, "retracted");
            if (row_save(ctx->db, &r, was, 0, req->user.name) != CRIER_OK)
                cn_resp_error(resp, 409, "the post changed meanwhile; reload it");
            else {
                cn_audit(ctx->db, ctx->sse, req->user.name, "post.retract", r.id, "ok", NULL);
                emit(ctx, &r);
                cn_resp_json(resp, 200, post_json(&r, now));
            }
        }
    }
    row_clear(&r);
}

static void history(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *id)
{
    post_row r;
    if (row_load(ctx->db, id, &r) != CRIER_OK || !may_see(ctx, &req->user, r.data)) {
        row_clear(&r);
        cn_resp_error(resp, 404, "no such post");
        return;
    }
    row_clear(&r);
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "versions");
    sqlite3 *s = cn_db_lock(ctx->db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT version, status, user, time, data FROM post_versions WHERE id=? ORDER BY version",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *v = cJSON_Parse(col(st, 4));
            if (!v)
                continue;
            char t[32];
            cn_time_str(sqlite3_column_int64(st, 3), t, sizeof t);
            cJSON_AddStringToObject(v, "id", id);
            cJSON_AddNumberToObject(v, "version", sqlite3_column_int(st, 0));
            cJSON_AddStringToObject(v, "status", col(st, 1));
            cJSON_AddStringToObject(v, "user", col(st, 2));
            cJSON_AddStringToObject(v, "time", t);
            cJSON_AddItemToArray(arr, v);
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(ctx->db);
    cn_resp_json(resp, 200, root);
}

void cn_posts_handle(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *rest)
{
    int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0,
        put = strcmp(req->method, "PUT") == 0;
    if (!rest[0]) {
        if (get)
            list_posts(ctx, req, resp);
        else if (post)
            create_post(ctx, req, resp);
        else
            cn_resp_error(resp, 405, "use GET or POST");
        return;
    }
    char id[CN_NAME_MAX + 1];
    const char *action;
    if (cn_route_item(rest, id, &action, resp, "post") != 0)
        return;
    if (!action[0] && get) {
        post_row r;
        if (row_load(ctx->db, id, &r) == CRIER_OK && may_see(ctx, &req->user, r.data))
            cn_resp_json(resp, 200, post_json(&r, crier_wall_ms()));
        else
            cn_resp_error(resp, 404, "no such post");
        row_clear(&r);
    } else if (!action[0] && put)
        edit_post(ctx, req, resp, id);
    else if (strcmp(action, "approve") == 0 && post)
        approve_post(ctx, req, resp, id);
    else if (strcmp(action, "retract") == 0 && post)
        retract_post(ctx, req, resp, id);
    else if (strcmp(action, "history") == 0 && get)
        history(ctx, req, resp, id);
    else
        cn_resp_error(resp, 404, "no such resource");
}

void cn_posts_tick(cn_ctx *ctx, int64_t now_ms)
{
    post_row *rows = NULL;
    size_t n = rows_select(ctx->db, "SELECT " ROW_COLS " FROM posts WHERE status='published' AND windowed=1", NULL,
                           &rows);
    for (size_t i = 0; i < n; i++) {
        post_row *r = &rows[i];
        cn_sched sc;
        cn_post_sched(r->data, &sc);
        int want = cn_sched_allows(&sc, now_ms) && (!sc.until_ms || now_ms < sc.until_ms);
        if (want != r->on_air) {
            char err[300];
            cJSON *topics = NULL;
            int on_air = 0;
            crier_err e = want ? send_post(ctx, r->id, r->data, now_ms, &topics, &on_air, err, sizeof err)
                               : clear_topics(ctx, r->topics, NULL, "console (schedule)", r->data);
            if (e == CRIER_OK) {
                if (topics) {
                    cJSON_Delete(r->topics);
                    r->topics = topics;
                    topics = NULL;
                }
                r->on_air = want ? on_air : 0;
                if (row_save(ctx->db, r, r->version, 0, "console") == CRIER_OK) {
                    cn_audit(ctx->db, ctx->sse, "console", want ? "post.window_open" : "post.window_close", r->id,
                             "ok", NULL);
                    emit(ctx, r);
                }
            } else {
                LOG_WARN("console", "post %s: window %s failed: %s", r->id, want ? "opening" : "closing",
                         want ? err : crier_strerror(e));
            }
            cJSON_Delete(topics);
        }
        row_clear(r);
    }
    free(rows);
}
