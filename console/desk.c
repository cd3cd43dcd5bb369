/* desk.c - the emergency desk (desk.h): templates, composing, the two-person
 * rule, sending signed alerts, Update / Cancel / All-clear, receipts. */
#include "desk.h"
#include "alerts/alert_rules.h"
#include "desk_text.h"

#include "alerts/alert.h"
#include "audit.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "db.h"
#include "fleet.h"
#include "preview.h"
#include "remote/protocol.h"
#include "sse.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUBACK_MS 5000
#define DEFAULT_TTL_MS (24LL * 3600 * 1000)
#define DEFAULT_EXPIRES_MIN 120
#define LIST_MAX 500

static pthread_mutex_t seq_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_seq;

/* crierctl's rule: the send time in ms, strictly increasing here. */
static int64_t next_seq(int64_t now)
{
    pthread_mutex_lock(&seq_lock);
    int64_t s = now > last_seq ? now : last_seq + 1;
    last_seq = s;
    pthread_mutex_unlock(&seq_lock);
    return s;
}

typedef struct row {
    char did[CN_NAME_MAX + 1];
    char identifier[CRIER_ALERT_MAX_ID + 1], sender[CRIER_ALERT_MAX_ID + 1];
    char kind[8], status[12], state[12];
    char author[CN_NAME_MAX + 8], approver[CN_NAME_MAX + 1], tmpl[CN_NAME_MAX + 1];
    int preapproved;
    int64_t created, sent_ms, expiry;
    char scope[CN_NAME_MAX + 8];
    char ref[CN_NAME_MAX + 1], replaced_by[CN_NAME_MAX + 1];
    char topic[CRIER_TOPIC_MAX], source[CN_NAME_MAX + 8];
    char note[504]; /* the composer's own note (500 bytes) */
    cJSON *info, *refs; /* arrays */
} row;

static void row_clear(row *r)
{
    cJSON_Delete(r->info);
    cJSON_Delete(r->refs);
    memset(r, 0, sizeof *r);
}

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

#define COLS                                                                                                       \
    "did, identifier, sender, kind, status, state, author, approver, template, preapproved, created, sent_ms,"   \
    " expiry, scope, ref, replaced_by, topic, source, note, info, refs"

static void row_read(sqlite3_stmt *st, row *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->did, sizeof r->did, "%s", col(st, 0));
    snprintf(r->identifier, sizeof r->identifier, "%s", col(st, 1));
    snprintf(r->sender, sizeof r->sender, "%s", col(st, 2));
    snprintf(r->kind, sizeof r->kind, "%s", col(st, 3));
    snprintf(r->status, sizeof r->status, "%s", col(st, 4));
    snprintf(r->state, sizeof r->state, "%s", col(st, 5));
    snprintf(r->author, sizeof r->author, "%s", col(st, 6));
    snprintf(r->approver, sizeof r->approver, "%s", col(st, 7));
    snprintf(r->tmpl, sizeof r->tmpl, "%s", col(st, 8));
    r->preapproved = sqlite3_column_int(st, 9);
    r->created = sqlite3_column_int64(st, 10);
    r->sent_ms = sqlite3_column_int64(st, 11);
    r->expiry = sqlite3_column_int64(st, 12);
    snprintf(r->scope, sizeof r->scope, "%s", col(st, 13));
    snprintf(r->ref, sizeof r->ref, "%s", col(st, 14));
    snprintf(r->replaced_by, sizeof r->replaced_by, "%s", col(st, 15));
    snprintf(r->topic, sizeof r->topic, "%s", col(st, 16));
    snprintf(r->source, sizeof r->source, "%s", col(st, 17));
    snprintf(r->note, sizeof r->note, "%s", col(st, 18));
    r->info = cJSON_Parse(col(st, 19));
    r->refs = cJSON_Parse(col(st, 20));
    if (!r->info)
        r->info = cJSON_CreateArray();
    if (!r->refs)
        r->refs = cJSON_CreateArray();
}

static crier_err row_load(cn_db *db, const char *did, row *r)
{
    crier_err e = CRIER_ERR_NOTFOUND;
    memset(r, 0, sizeof *r);
    if (!cn_name_ok(did))
        return e;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT " COLS " FROM desk_alerts WHERE did=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, did, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            row_read(st, r);
            e = CRIER_OK;
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return e;
}

/* Inserts r, or updates it when it exists and its state is still `expect`
 * (NULL: any).  CRIER_ERR_STALE when the state changed meanwhile. */
static crier_err row_save(cn_db *db, const row *r, const char *expect)
{
    char *info = cn_json_print(r->info), *refs = cn_json_print(r->refs);
    crier_err e = CRIER_ERR_IO;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    const char *sql = expect ? "UPDATE desk_alerts SET identifier=?2, sender=?3, kind=?4, status=?5, state=?6,"
                               " author=?7, approver=?8, template=?9, preapproved=?10, created=?11, sent_ms=?12,"
                               " expiry=?13, scope=?14, ref=?15, replaced_by=?16, topic=?17, source=?18, note=?19,"
                               " info=?20, refs=?21 WHERE did=?1 AND state=?22"
                             : "INSERT INTO desk_alerts(" COLS ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
                               "?14,?15,?16,?17,?18,?19,?20,?21)";
    if (info && refs && sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK) {
        const char *txt[] = {r->did, r->identifier, r->sender, r->kind, r->status, r->state, r->author, r->approver,
                             r->tmpl};
        for (int i = 0; i < 9; i++)
            sqlite3_bind_text(st, i + 1, txt[i], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 10, r->preapproved);
        sqlite3_bind_int64(st, 11, r->created);
        sqlite3_bind_int64(st, 12, r->sent_ms);
        sqlite3_bind_int64(st, 13, r->expiry);
        const char *txt2[] = {r->scope, r->ref, r->replaced_by, r->topic, r->source, r->note, info, refs};
        for (int i = 0; i < 8; i++)
            sqlite3_bind_text(st, 14 + i, txt2[i], -1, SQLITE_TRANSIENT);
        if (expect)
            sqlite3_bind_text(st, 22, expect, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_DONE)
            e = sqlite3_changes(s) == 1 ? CRIER_OK : CRIER_ERR_STALE;
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    free(info);
    free(refs);
    return e;
}

/* ---- scope and sites ------------------------------------------------------------ */

/* The sites a scope concerns ("" = every site; "?" an unknown kiosk). */
static void scope_sites(cn_ctx *ctx, const char *scope, char *out, size_t len)
{
    out[0] = '\0';
    if (strncmp(scope, "site:", 5) == 0)
        snprintf(out, len, "%s", scope + 5);
    else if (strncmp(scope, "kiosk:", 6) == 0) {
        char site[CN_NAME_MAX + 1];
        if (ctx->fleet && cn_fleet_site_of(ctx->fleet, scope + 6, site) && site[0])
            snprintf(out, len, "%s", site);
        else
            snprintf(out, len, "?");
    }
}

/* May u send to scope (every screen it reaches is in u's sites)? */
static int may_scope(cn_ctx *ctx, const cn_user *u, const char *scope)
{
    if (cn_user_all_sites(u))
        return 1;
    char sites[CN_NAME_MAX + 1];
    scope_sites(ctx, scope, sites, sizeof sites);
    return sites[0] && cn_user_has_site(u, sites);
}

/* May u see an alert of that scope? */
static int may_see(cn_ctx *ctx, const cn_user *u, const char *scope)
{
    char sites[CN_NAME_MAX + 1];
    scope_sites(ctx, scope, sites, sizeof sites);
    return !sites[0] || cn_user_has_site(u, sites);
}

/* "all", "site:NAME", "kiosk:NAME" with a valid name. */
static int scope_ok(const char *s)
{
    if (!s)
        return 0;
    if (strcmp(s, "all") == 0)
        return 1;
    if (strncmp(s, "site:", 5) == 0)
        return crier_name_valid(s + 5);
    if (strncmp(s, "kiosk:", 6) == 0)
        return crier_name_valid(s + 6);
    return 0;
}

static int scope_in(const char *scope, const char *kiosk, const char *site)
{
    if (strcmp(scope, "all") == 0)
        return 1;
    if (strncmp(scope, "site:", 5) == 0)
        return strcmp(scope + 5, site) == 0;
    return strncmp(scope, "kiosk:", 6) == 0 && strcmp(scope + 6, kiosk) == 0;
}

/* ---- JSON of a row ----------------------------------------------------------------- */

static void add_time(cJSON *o, const char *k, int64_t ms)
{
    char t[32];
    if (ms > 0) {
        cn_time_str(ms, t, sizeof t);
        cJSON_AddStringToObject(o, k, t);
    } else {
        cJSON_AddNullToObject(o, k);
    }
}

static void add_str_or_null(cJSON *o, const char *k, const char *v)
{
    if (v && v[0])
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static int needs_approval(const row *r)
{
    return strcmp(r->status, "Actual") == 0 && strcmp(r->kind, "Cancel") != 0 && !r->preapproved;
}

static cJSON *row_json(const row *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", r->did);
    cJSON_AddStringToObject(o, "identifier", r->identifier);
    cJSON_AddStringToObject(o, "sender", r->sender);
    cJSON_AddStringToObject(o, "msgType", r->kind);
    cJSON_AddStringToObject(o, "status", r->status);
    cJSON_AddStringToObject(o, "state", r->state);
    cJSON_AddStringToObject(o, "author", r->author);
    add_str_or_null(o, "approver", r->approver);
    add_str_or_null(o, "template", r->tmpl);
    cJSON_AddBoolToObject(o, "preapproved", r->preapproved);
    cJSON_AddBoolToObject(o, "needs_approval", needs_approval(r));
    add_time(o, "created", r->created);
    add_time(o, "sent", r->sent_ms);
    add_time(o, "expires", r->expiry);
    cJSON_AddStringToObject(o, "scope", r->scope);
    add_str_or_null(o, "refers_to", r->ref);
    add_str_or_null(o, "replaced_by", r->replaced_by);
    cJSON_AddStringToObject(o, "source", r->source);
    add_str_or_null(o, "note", r->note);
    cJSON_AddItemToObject(o, "references", cJSON_Duplicate(r->refs, 1));
    cJSON_AddItemToObject(o, "info", cJSON_Duplicate(r->info, 1));
    return o;
}

static void emit(cn_ctx *ctx, const row *r)
{
    char sites[CN_NAME_MAX + 1];
    scope_sites(ctx, r->scope, sites, sizeof sites);
    cJSON *o = row_json(r);
    char *txt = cn_json_print(o);
    cn_sse_publish(ctx->sse, "alert", txt, sites, CN_ROLE_VIEWER);
    free(txt);
    cJSON_Delete(o);
}

/* ---- templates ---------------------------------------------------------------------- */

static const char *const default_templates[] = {
    "{\"id\":\"boil-water\",\"name\":\"Boil-water notice\",\"preapproved\":false,\"msgType\":\"Alert\","
    "\"expires_minutes\":1440,\"info\":[{\"language\":\"en\",\"event\":\"Boil-water notice\",\"severity\":\"Moderate\","
    "\"urgency\":\"Expected\",\"certainty\":\"Likely\",\"headline\":\"Boil tap water before use: {area}\","
    "\"instruction\":\"Bring tap water to a rolling boil for one minute before drinking, cooking or brushing "
    "teeth.\\nBottled water: {place}.\",\"areaDesc\":\"{area}\"}]}",
    "{\"id\":\"evacuation\",\"name\":\"Evacuation: zone X\",\"preapproved\":false,\"msgType\":\"Alert\","
    "\"expires_minutes\":240,\"info\":[{\"language\":\"en\",\"event\":\"Evacuation\",\"severity\":\"Extreme\","
    "\"urgency\":\"Immediate\",\"certainty\":\"Observed\",\"headline\":\"Evacuate zone {zone} now\","
    "\"instruction\":\"Leave zone {zone} by {route}.\\nDo not use lifts. Help others if you can.\","
    "\"areaDesc\":\"Zone {zone}\"}]}",
    "{\"id\":\"shelter\",\"name\":\"Shelter in place\",\"preapproved\":false,\"msgType\":\"Alert\","
    "\"expires_minutes\":180,\"info\":[{\"language\":\"en\",\"event\":\"Shelter in place\",\"severity\":\"Severe\","
    "\"urgency\":\"Immediate\",\"certainty\":\"Observed\",\"headline\":\"Go indoors now and stay inside: {area}\","
    "\"instruction\":\"Close windows and doors. Switch off ventilation.\\nListen to {station} for updates.\","
    "\"areaDesc\":\"{area}\"}]}",
    "{\"id\":\"all-clear\",\"name\":\"All clear\",\"preapproved\":true,\"msgType\":\"Update\","
    "\"expires_minutes\":30,\"info\":[{\"language\":\"en\",\"event\":\"All clear\",\"severity\":\"Minor\","
    "\"urgency\":\"Past\",\"certainty\":\"Observed\",\"headline\":\"All clear: {area}\","
    "\"instruction\":\"The danger has passed. You may resume normal activities.\",\"areaDesc\":\"{area}\"}]}",
};

static cJSON *template_load(cn_db *db, const char *id)
{
    cJSON *t = NULL;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT data FROM desk_templates WHERE id=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            t = cJSON_Parse(col(st, 0));
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return t;
}

static crier_err template_store(cn_db *db, const cJSON *t, const char *user)
{
    char *txt = cn_json_print(t);
    crier_err e = CRIER_ERR_IO;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (txt && sqlite3_prepare_v2(s, "INSERT OR REPLACE INTO desk_templates(id, data, user, updated) VALUES(?,?,?,?)",
                                  -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, cn_jstr(t, "id"), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, txt, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, crier_wall_ms());
        if (sqlite3_step(st) == SQLITE_DONE)
            e = CRIER_OK;
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    free(txt);
    return e;
}

void cn_desk_seed_templates(cn_ctx *ctx)
{
    sqlite3 *s = cn_db_lock(ctx->db);
    /* an approval cut short by a stop or crash: waiting again (a second
     * send of the same identifier is a replay the kiosks ignore) */
    cn_db_exec(s, "UPDATE desk_alerts SET state='pending', approver='' WHERE state='sending'");
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_prepare_v2(s, "SELECT count(*) FROM desk_templates", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    cn_db_unlock(ctx->db);
    for (size_t i = 0; n == 0 && i < sizeof default_templates / sizeof default_templates[0]; i++) {
        cJSON *t = cJSON_Parse(default_templates[i]);
        if (t)
            template_store(ctx->db, t, "console");
        cJSON_Delete(t);
    }
}

static const char *const info_fields[] = {"language", "event", "severity", "urgency", "certainty", "headline",
                                          "description", "instruction", "areaDesc", "web", "senderName", "expires"};

/* Info blocks as the composer and templates give them: known string fields
 * only, 1..CRIER_ALERT_MAX_INFO blocks.  0 or 1 + err. */
static int info_shape_ok(const cJSON *info, int need, char *err, size_t err_len)
{
    if (!info && !need)
        return 1;
    int n = cJSON_GetArraySize(info);
    if (!cJSON_IsArray(info) || n < 1 || n > CRIER_ALERT_MAX_INFO) {
        crier_errf(err, err_len, "info: give 1..%d language blocks", CRIER_ALERT_MAX_INFO);
        return 0;
    }
    const cJSON *b, *f;
    int i = 0;
    cJSON_ArrayForEach(b, info)
    {
        i++;
        if (!cJSON_IsObject(b)) {
            crier_errf(err, err_len, "info block %d: not an object", i);
            return 0;
        }
        cJSON_ArrayForEach(f, b)
        {
            int known = 0;
            for (size_t k = 0; k < sizeof info_fields / sizeof info_fields[0]; k++)
                known |= strcmp(f->string, info_fields[k]) == 0;
            if (!known || !cJSON_IsString(f)) {
                crier_errf(err, err_len, "info block %d: field '%.40s' %s", i, f->string,
                           known ? "must be a string" : "is not an alert field");
                return 0;
            }
        }
    }
    return 1;
}

static cJSON *templates_json(cn_db *db)
{
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "templates");
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT data, user, updated FROM desk_templates ORDER BY id", -1, &st, NULL) ==
        SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *t = cJSON_Parse(col(st, 0));
            if (!t)
                continue;
            cJSON_AddItemToObject(t, "placeholders", cn_desk_placeholders(cJSON_GetObjectItemCaseSensitive(t, "info")));
            cJSON_AddStringToObject(t, "by", col(st, 1));
            add_time(t, "updated", sqlite3_column_int64(st, 2));
            cJSON_AddItemToArray(arr, t);
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return root;
}

void cn_desk_templates_handle(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *rest)
{
    if (strcmp(req->method, "GET") == 0 && !rest[0]) {
        cn_resp_json(resp, 200, templates_json(ctx->db));
        return;
    }
    if (strcmp(req->method, "POST") != 0 || rest[0]) {
        cn_resp_error(resp, 404, "no such resource");
        return;
    }
    if (req->user.role < CN_ROLE_ADMIN) {
        cn_audit(ctx->db, ctx->sse, req->user.name, "template.put", "", "refused", "not an admin");
        cn_resp_error(resp, 403, "only an admin edits templates");
        return;
    }
    cJSON *in = cn_req_json(req, resp);
    if (!in)
        return;
    char err[300];
    const char *id = cn_jstr(in, "id"), *name = cn_jstr(in, "name"), *mt = cn_jstr(in, "msgType");
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(in, "info");
    const cJSON *em = cJSON_GetObjectItemCaseSensitive(in, "expires_minutes");
    if (!id || !cn_name_ok(id))
        cn_resp_error(resp, 400, "id: 1..64 of A-Z a-z 0-9 . _ -");
    else if (!name || !name[0] || !crier_alert_text_ok(name, 100, 0))
        cn_resp_error(resp, 400, "name: 1..100 bytes of text");
    else if (mt && strcmp(mt, "Alert") != 0 && strcmp(mt, "Update") != 0)
        cn_resp_error(resp, 400, "msgType: Alert or Update");
    else if (em && (!cJSON_IsNumber(em) || em->valuedouble < 1 || em->valuedouble > 43200))
        cn_resp_error(resp, 400, "expires_minutes: 1..43200");
    else if (!info_shape_ok(info, 1, err, sizeof err))
        cn_resp_error(resp, 400, "%s", err);
    else {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "id", id);
        cJSON_AddStringToObject(t, "name", name);
        cJSON_AddBoolToObject(t, "preapproved", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "preapproved")));
        cJSON_AddStringToObject(t, "msgType", mt ? mt : "Alert");
        cJSON_AddNumberToObject(t, "expires_minutes", em ? (int)em->valuedouble : DEFAULT_EXPIRES_MIN);
        cJSON_AddItemToObject(t, "info", cJSON_Duplicate(info, 1));
        if (template_store(ctx->db, t, req->user.name) != CRIER_OK) {
            cn_resp_error(resp, 500, "cannot store the template");
        } else {
            cn_audit(ctx->db, ctx->sse, req->user.name, "template.put", id, "ok",
                     cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "preapproved")) ? "pre-approved" : NULL);
            cJSON_AddItemToObject(t, "placeholders", cn_desk_placeholders(info));
            cn_resp_json(resp, 201, t);
            t = NULL;
        }
        cJSON_Delete(t);
    }
    cJSON_Delete(in);
}

/* ---- building and sending ------------------------------------------------------------ */

static void new_did(int64_t now, char did[CN_NAME_MAX + 1])
{
    char stamp[32];
    unsigned char r[4];
    randombytes_buf(r, sizeof r);
    cn_time_str(now, stamp, sizeof stamp);
    snprintf(did, CN_NAME_MAX + 1, "d-%.4s%.2s%.2s-%.2s%.2s%.2s-%02x%02x%02x%02x", stamp, stamp + 5, stamp + 8,
             stamp + 11, stamp + 14, stamp + 17, r[0], r[1], r[2], r[3]);
}

/* The desk's CAP sender: the key's issuer with spaces and CAP-forbidden
 * characters replaced (as crierctl does). */
static void desk_sender(const cn_ctx *ctx, char *out, size_t len)
{
    const char *iss = ctx->have_key ? ctx->key.issuer : "crier-console";
    size_t n = 0;
    for (const char *p = iss; *p && n + 1 < len; p++)
        out[n++] = (*p == ' ' || *p == ',' || *p == '<' || *p == '&' || (unsigned char)*p < 0x20) ? '-' : *p;
    out[n] = '\0';
}

/* The wire JSON of r at send time (or for a check: now), with both names in
 * the note.  NULL + err when kiosks would refuse it. */
static char *build_wire(const row *r, int64_t sent_ms, int64_t seq, crier_alert **checked, char *err, size_t err_len)
{
    char t[40];
    crier_format_utc_ms(sent_ms, t, sizeof t);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "alert");
    cJSON_AddNumberToObject(o, "v", 1);
    cJSON_AddStringToObject(o, "identifier", r->identifier);
    cJSON_AddStringToObject(o, "sender", r->sender);
    cJSON_AddStringToObject(o, "sent", t);
    cJSON_AddNumberToObject(o, "seq", (double)seq);
    cJSON_AddStringToObject(o, "status", r->status);
    cJSON_AddStringToObject(o, "msgType", r->kind);
    cJSON_AddStringToObject(o, "scope", r->scope);
    if (cJSON_GetArraySize(r->refs) > 0)
        cJSON_AddItemToObject(o, "references", cJSON_Duplicate(r->refs, 1));
    char note[CRIER_ALERT_MAX_SHORT + 1];
    int n = strncmp(r->author, "relay:", 6) == 0 ? snprintf(note, sizeof note, "Relayed from CAP source %s", r->author + 6)
                                                 : snprintf(note, sizeof note, "Composed by %s", r->author);
    if (r->approver[0] && n > 0 && (size_t)n < sizeof note)
        n += snprintf(note + n, sizeof note - (size_t)n, ", approved by %s", r->approver);
    if (r->note[0] && n > 0 && (size_t)n < sizeof note)
        snprintf(note + n, sizeof note - (size_t)n, ". %s", r->note);
    cJSON_AddStringToObject(o, "note", note);
    if (strcmp(r->kind, "Cancel") != 0)
        cJSON_AddItemToObject(o, "info", cJSON_Duplicate(r->info, 1));
    char *wire = cn_json_print(o);
    cJSON_Delete(o);
    crier_alert *a = NULL;
    if (wire && crier_alert_parse(wire, strlen(wire), &a, err, err_len) != CRIER_OK) {
        free(wire);
        return NULL;
    }
    if (checked)
        *checked = a;
    else
        crier_alert_free(a);
    return wire;
}

/* The newest row of the chain starting at did (following replaced_by). */
static crier_err chain_head(cn_db *db, const char *did, row *r)
{
    crier_err e = row_load(db, did, r);
    for (int hops = 0; e == CRIER_OK && r->replaced_by[0] && hops < 1000; hops++) {
        char next[CN_NAME_MAX + 1];
        snprintf(next, sizeof next, "%s", r->replaced_by);
        row_clear(r);
        e = row_load(db, next, r);
    }
    return e;
}

/* r's references: head and everything head replaced (the chain), at most
 * CRIER_ALERT_MAX_REFS. */
static void refs_from(row *r, const row *head)
{
    cJSON_Delete(r->refs);
    r->refs = cJSON_CreateArray();
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "sender", head->sender);
    cJSON_AddStringToObject(x, "identifier", head->identifier);
    cJSON_AddItemToArray(r->refs, x);
    const cJSON *e;
    cJSON_ArrayForEach(e, head->refs)
    {
        if (cJSON_GetArraySize(r->refs) >= CRIER_ALERT_MAX_REFS)
            break;
        cJSON_AddItemToArray(r->refs, cJSON_Duplicate(e, 1));
    }
}

/* The retained topic of the thread whose first message is sender+identifier. */
static void thread_topic(row *r, const char *sender, const char *identifier)
{
    char tid[CRIER_NAME_MAX + 1];
    crier_alert_scope sc;
    char *target = NULL;
    crier_alert_topic_id(sender, identifier, tid, sizeof tid);
    crier_alert_scope_parse(r->scope, &sc, &target);
    crier_topic_alert(r->topic, sizeof r->topic,
                      sc == CRIER_ALERT_SCOPE_ALL    ? CRIER_SCOPE_ALL
                      : sc == CRIER_ALERT_SCOPE_SITE ? CRIER_SCOPE_SITE
                                                     : CRIER_SCOPE_KIOSK,
                      target, tid);
    free(target);
}

/* Signs and publishes r (state pending/new -> sent).  For an Update/Cancel,
 * the references and topic come from the head of the chain it refers to.
 * Returns the HTTP status for errors (0 = sent). */
static int send_row(cn_ctx *ctx, row *r, char *err, size_t err_len)
{
    if (!ctx->have_key) {
        crier_errf(err, err_len, "the console has no signing key (--signing-key): alerts cannot be signed");
        return 503;
    }
    int64_t now = crier_wall_ms();
    row head = {0};
    int have_head = 0;
    if (strcmp(r->kind, "Alert") != 0) {
        if (!r->ref[0] && cJSON_GetArraySize(r->refs) == 0) {
            crier_errf(err, err_len, "an %s must refer to a sent alert", r->kind);
            return 400;
        }
        if (!r->ref[0]) { /* a relayed Update/Cancel of something never relayed: crierctl's rule */
            const cJSON *r0 = cJSON_GetArrayItem(r->refs, 0);
            thread_topic(r, cn_jstr(r0, "sender") ? cn_jstr(r0, "sender") : r->sender,
                         cn_jstr(r0, "identifier") ? cn_jstr(r0, "identifier") : r->identifier);
        } else {
            if (chain_head(ctx->db, r->ref, &head) != CRIER_OK) {
                crier_errf(err, err_len, "the alert it refers to is gone");
                return 409;
            }
            have_head = 1;
            if (strcmp(head.kind, "Cancel") == 0) {
                crier_errf(err, err_len, "alert %s was already cancelled (by %s)", r->ref, head.did);
                row_clear(&head);
                return 409;
            }
            refs_from(r, &head); /* the chain as it is now */
            snprintf(r->topic, sizeof r->topic, "%s", head.topic);
            snprintf(r->scope, sizeof r->scope, "%s", head.scope);
        }
    }
    crier_alert *a = NULL;
    int64_t seq = next_seq(now);
    char *wire = build_wire(r, now, seq, &a, err, err_len);
    if (!wire) {
        row_clear(&head);
        return 400;
    }
    if (strcmp(r->kind, "Alert") == 0)
        thread_topic(r, r->sender, r->identifier);
    int64_t expiry = strcmp(r->kind, "Cancel") == 0
                         ? (have_head && head.expiry > 0 ? head.expiry : now + 7 * 86400000LL)
                         : crier_alert_expiry(a, DEFAULT_TTL_MS);
    crier_alert_free(a);
    char *env = NULL;
    crier_err e = crier_envelope_seal(wire, strlen(wire), &ctx->key, &env, NULL);
    free(wire);
    if (e != CRIER_OK) {
        row_clear(&head);
        crier_errf(err, err_len, "cannot sign the alert (%s)", crier_strerror(e));
        return 500;
    }
    e = cn_fleet_publish_ex(ctx->fleet, r->topic, env, strlen(env), 1, crier_alert_retain_expiry_s(expiry, now), PUBACK_MS);
    free(env);
    if (e != CRIER_OK) {
        row_clear(&head);
        crier_errf(err, err_len, "the broker did not take the alert (%s); nothing was sent", crier_strerror(e));
        return 502;
    }
    r->sent_ms = now;
    r->expiry = strcmp(r->kind, "Cancel") == 0 ? 0 : expiry;
    snprintf(r->state, sizeof r->state, "sent");
    if (have_head) { /* the head is replaced: later Updates/Cancels start from r */
        snprintf(head.replaced_by, sizeof head.replaced_by, "%s", r->did);
        row_save(ctx->db, &head, head.state);
        emit(ctx, &head);
    }
    row_clear(&head);
    return 0;
}

static void audit_row(cn_ctx *ctx, const char *user, const char *action, const row *r, const char *result,
                      const char *why)
{
    char detail[600];
    snprintf(detail, sizeof detail, "%s %s %s, scope %s, author %s%s%s%s%s%s%s", r->status, r->kind, r->identifier,
             r->scope, r->author, r->approver[0] ? ", approver " : "", r->approver,
             r->tmpl[0] ? ", template " : "", r->tmpl, why ? ": " : "", why ? why : "");
    cn_audit(ctx->db, ctx->sse, user, action, r->did, result, detail);
}

/* ---- handlers -------------------------------------------------------------------- */

/* Reads a compose body into r (kind already set; for Update/Cancel the
 * referenced head is `ref`).  Returns 0 or an HTTP status (resp filled). */
static int compose(cn_ctx *ctx, cn_req *req, cn_resp *resp, const cJSON *in, row *r, const row *ref)
{
    char err[300];
    const char *status = cn_jstr(in, "status"), *scope = cn_jstr(in, "scope"), *tid = cn_jstr(in, "template");
    const char *note = cn_jstr(in, "note");
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(in, "values");
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(in, "info");
    const cJSON *em = cJSON_GetObjectItemCaseSensitive(in, "expires_minutes");
    cJSON *tmpl = NULL, *filled = NULL;
    int rc = 400;
    if (!status)
        status = "Actual";
    if (strcmp(status, "Actual") != 0 && strcmp(status, "Exercise") != 0 && strcmp(status, "Test") != 0) {
        cn_resp_error(resp, 400, "status: Actual, Exercise or Test");
        goto out;
    }
    snprintf(r->status, sizeof r->status, "%s", status);
    if (ref) {
        snprintf(r->scope, sizeof r->scope, "%s", ref->scope);
        snprintf(r->ref, sizeof r->ref, "%s", ref->did);
        refs_from(r, ref);
        /* a Test alert's All-clear is a Test too */
        if (!cn_jstr(in, "status"))
            snprintf(r->status, sizeof r->status, "%s", ref->status);
    } else if (!scope_ok(scope)) {
        cn_resp_error(resp, 400, "scope: \"all\", \"site:NAME\" or \"kiosk:NAME\"");
        goto out;
    } else {
        snprintf(r->scope, sizeof r->scope, "%s", scope);
    }
    if (!may_scope(ctx, &req->user, r->scope)) {
        rc = 403;
        audit_row(ctx, req->user.name, "alert.create", r, "refused", "scope outside the user's sites");
        cn_resp_error(resp, 403, "you may only alert screens of your sites");
        goto out;
    }
    if (note && (strlen(note) > 500 || !crier_alert_text_ok(note, 500, 0))) {
        cn_resp_error(resp, 400, "note: at most 500 bytes of text on one line");
        goto out;
    }
    snprintf(r->note, sizeof r->note, "%s", note ? note : "");
    if (values && !cJSON_IsObject(values)) {
        cn_resp_error(resp, 400, "values: an object {\"placeholder\":\"text\"}");
        goto out;
    }
    if (em && (!cJSON_IsNumber(em) || em->valuedouble < 1 || em->valuedouble > 43200)) {
        cn_resp_error(resp, 400, "expires_minutes: 1..43200");
        goto out;
    }
    if (strcmp(r->kind, "Cancel") == 0) {
        r->info = cJSON_CreateArray();
        rc = 0;
        goto out;
    }
    if (tid) {
        if (!cn_name_ok(tid) || !(tmpl = template_load(ctx->db, tid))) {
            cn_resp_error(resp, 400, "template: no template '%.64s'", tid);
            goto out;
        }
        const char *tmt = cn_jstr(tmpl, "msgType");
        if (tmt && strcmp(tmt, "Update") == 0 && strcmp(r->kind, "Alert") == 0) {
            cn_resp_error(resp, 400, "template '%s' is for an Update of a sent alert (use its All clear button)", tid);
            goto out;
        }
        snprintf(r->tmpl, sizeof r->tmpl, "%s", tid);
        if (!(filled = cn_desk_fill(cJSON_GetObjectItemCaseSensitive(tmpl, "info"), values, err, sizeof err))) {
            cn_resp_error(resp, 400, "%s", err);
            goto out;
        }
    }
    if (info && !info_shape_ok(info, 1, err, sizeof err)) {
        cn_resp_error(resp, 400, "%s", err);
        goto out;
    }
    if (!info && !filled) {
        cn_resp_error(resp, 400, "give a template (with its values) or the info blocks");
        goto out;
    }
    /* pre-approved only when the text is the template's, unchanged */
    r->preapproved = tmpl && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tmpl, "preapproved")) &&
                     (!info || cJSON_Compare(info, filled, 1));
    r->info = cJSON_Duplicate(info ? info : filled, 1);
    int minutes = em ? (int)em->valuedouble
                  : cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(tmpl, "expires_minutes"))
                      ? (int)cJSON_GetObjectItemCaseSensitive(tmpl, "expires_minutes")->valuedouble
                      : DEFAULT_EXPIRES_MIN;
    char exp[40];
    crier_format_utc_ms(crier_wall_ms() + (int64_t)minutes * 60000, exp, sizeof exp);
    cJSON *b;
    cJSON_ArrayForEach(b, r->info)
    {
        cJSON *f = b->child, *next;
        for (; f; f = next) { /* empty optional fields are absent */
            next = f->next;
            if (cJSON_IsString(f) && !f->valuestring[0])
                cJSON_DeleteItemFromObjectCaseSensitive(b, f->string);
        }
        if (!cJSON_GetObjectItemCaseSensitive(b, "expires"))
            cJSON_AddStringToObject(b, "expires", exp);
    }
    rc = 0;
out:
    if (rc == 0) { /* the kiosks' own check, now */
        char *wire = build_wire(r, crier_wall_ms(), 1, NULL, err, sizeof err);
        if (!wire) {
            cn_resp_error(resp, 400, "kiosks would refuse this alert: %s", err);
            rc = 400;
        }
        free(wire);
    }
    cJSON_Delete(tmpl);
    cJSON_Delete(filled);
    return rc;
}

/* POST /api/alerts (ref NULL) or /api/alerts/{id}/update|cancel|allclear. */
static void create(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *kind, const char *ref_did, int allclear)
{
    cJSON *in = cn_req_json(req, resp);
    if (!in)
        return;
    row r = {0}, ref = {0};
    int64_t now = crier_wall_ms();
    char err[300];
    snprintf(r.kind, sizeof r.kind, "%s", kind);
    r.refs = cJSON_CreateArray();
    if (req->user.role < CN_ROLE_EDITOR) {
        cn_audit(ctx->db, ctx->sse, req->user.name, "alert.create", ref_did ? ref_did : "", "refused", "viewer");
        cn_resp_error(resp, 403, "a viewer cannot send alerts");
        goto done;
    }
    if (ref_did) {
        if (chain_head(ctx->db, ref_did, &ref) != CRIER_OK || !may_see(ctx, &req->user, ref.scope)) {
            cn_resp_error(resp, 404, "no such alert");
            goto done;
        }
        if (strcmp(ref.state, "sent") != 0) {
            cn_resp_error(resp, 409, "alert %s is %s: only a sent alert can be updated or cancelled", ref.did,
                          ref.state);
            goto done;
        }
        if (strcmp(ref.kind, "Cancel") == 0) {
            cn_resp_error(resp, 409, "alert %s was already cancelled", ref_did);
            goto done;
        }
        if (allclear && !cJSON_GetObjectItemCaseSensitive(in, "template") &&
            !cJSON_GetObjectItemCaseSensitive(in, "info"))
            cJSON_AddStringToObject(in, "template", "all-clear");
    }
    new_did(now, r.did);
    snprintf(r.identifier, sizeof r.identifier, "%s", r.did);
    desk_sender(ctx, r.sender, sizeof r.sender);
    snprintf(r.author, sizeof r.author, "%s", req->user.name);
    snprintf(r.source, sizeof r.source, "console");
    r.created = now;
    if (compose(ctx, req, resp, in, &r, ref_did ? &ref : NULL))
        goto done;
    if (needs_approval(&r)) {
        snprintf(r.state, sizeof r.state, "pending");
        if (row_save(ctx->db, &r, NULL) != CRIER_OK) {
            cn_resp_error(resp, 500, "cannot store the alert");
            goto done;
        }
        audit_row(ctx, req->user.name, "alert.request", &r, "ok", "waiting for a second person");
        emit(ctx, &r);
        cn_resp_json(resp, 202, row_json(&r));
        goto done;
    }
    int st = send_row(ctx, &r, err, sizeof err);
    if (st) {
        snprintf(r.state, sizeof r.state, "failed");
        audit_row(ctx, req->user.name, "alert.send", &r, "failed", err);
        cn_resp_error(resp, st, "%s", err);
        goto done;
    }
    if (row_save(ctx->db, &r, NULL) != CRIER_OK)
        LOG_ERROR("console", "alert %s was sent but could not be stored", r.did);
    audit_row(ctx, req->user.name, "alert.send", &r, "ok",
              strcmp(r.status, "Actual") != 0 ? "test/exercise: no approval needed"
              : strcmp(r.kind, "Cancel") == 0 ? "cancel: no approval needed"
                                              : "pre-approved template");
    emit(ctx, &r);
    cn_resp_json(resp, 201, row_json(&r));
done:
    row_clear(&r);
    row_clear(&ref);
    cJSON_Delete(in);
}

static void approve(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *did)
{
    row r;
    char err[300];
    if (row_load(ctx->db, did, &r) != CRIER_OK || !may_see(ctx, &req->user, r.scope)) {
        cn_resp_error(resp, 404, "no such alert");
        row_clear(&r);
        return;
    }
    if (req->user.role < CN_ROLE_PUBLISHER || !may_scope(ctx, &req->user, r.scope)) {
        audit_row(ctx, req->user.name, "alert.approve", &r, "refused", "not an approver of its sites");
        cn_resp_error(resp, 403, "only an approver (publisher or admin) of the alert's sites can approve it");
    } else if (strcmp(r.author, req->user.name) == 0) {
        audit_row(ctx, req->user.name, "alert.approve", &r, "refused", "the author cannot approve their own alert");
        cn_resp_error(resp, 403, "two-person rule: a second approver must confirm your own alert");
    } else if (strcmp(r.state, "pending") != 0) {
        cn_resp_error(resp, 409, "the alert is %s, not waiting for approval", r.state);
    } else {
        /* take it: two approvers clicking at once send it once */
        snprintf(r.state, sizeof r.state, "sending");
        if (row_save(ctx->db, &r, "pending") != CRIER_OK) {
            cn_resp_error(resp, 409, "someone else approved or rejected it meanwhile");
            row_clear(&r);
            return;
        }
        snprintf(r.approver, sizeof r.approver, "%s", req->user.name);
        int st = send_row(ctx, &r, err, sizeof err);
        if (st) {
            snprintf(r.state, sizeof r.state, "pending");
            r.approver[0] = '\0';
            row_save(ctx->db, &r, "sending");
            audit_row(ctx, req->user.name, "alert.approve", &r, "failed", err);
            cn_resp_error(resp, st, "%s", err);
        } else {
            row_save(ctx->db, &r, "sending");
            audit_row(ctx, req->user.name, "alert.approve", &r, "ok", "sent");
            emit(ctx, &r);
            cn_resp_json(resp, 200, row_json(&r));
        }
    }
    row_clear(&r);
}

static void reject(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *did)
{
    row r;
    if (row_load(ctx->db, did, &r) != CRIER_OK || !may_see(ctx, &req->user, r.scope)) {
        cn_resp_error(resp, 404, "no such alert");
        row_clear(&r);
        return;
    }
    int own = strcmp(r.author, req->user.name) == 0;
    if (!own && (req->user.role < CN_ROLE_PUBLISHER || !may_scope(ctx, &req->user, r.scope))) {
        audit_row(ctx, req->user.name, "alert.reject", &r, "refused", "not an approver of its sites");
        cn_resp_error(resp, 403, "only an approver of the alert's sites (or its author) can turn it down");
    } else if (strcmp(r.state, "pending") != 0) {
        cn_resp_error(resp, 409, "the alert is %s, not waiting for approval", r.state);
    } else {
        snprintf(r.state, sizeof r.state, "rejected");
        if (!own)
            snprintf(r.approver, sizeof r.approver, "%s", req->user.name);
        if (row_save(ctx->db, &r, "pending") != CRIER_OK) {
            cn_resp_error(resp, 409, "someone else approved or rejected it meanwhile");
        } else {
            audit_row(ctx, req->user.name, "alert.reject", &r, "ok", own ? "withdrawn by its author" : NULL);
            emit(ctx, &r);
            cn_resp_json(resp, 200, row_json(&r));
        }
    }
    row_clear(&r);
}

static void list(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    const char *state = cn_req_query(req, "state");
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "alerts");
    row *rows = calloc(LIST_MAX, sizeof *rows);
    size_t n = 0;
    sqlite3 *s = cn_db_lock(ctx->db);
    sqlite3_stmt *st = NULL;
    if (rows && sqlite3_prepare_v2(s, "SELECT " COLS " FROM desk_alerts WHERE ?1 IS NULL OR state=?1"
                                      " ORDER BY created DESC LIMIT 500", -1, &st, NULL) == SQLITE_OK) {
        if (state)
            sqlite3_bind_text(st, 1, state, -1, SQLITE_TRANSIENT);
        while (n < LIST_MAX && sqlite3_step(st) == SQLITE_ROW)
            row_read(st, &rows[n++]);
    }
    sqlite3_finalize(st);
    cn_db_unlock(ctx->db);
    for (size_t i = 0; i < n; i++) {
        if (may_see(ctx, &req->user, rows[i].scope))
            cJSON_AddItemToArray(arr, row_json(&rows[i]));
        row_clear(&rows[i]);
    }
    free(rows);
    cn_resp_json(resp, 200, root);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The alert with its receipts: one line per screen in scope (and per kiosk
 * that answered), a summary per site, p50 and send-to-last-screen. */
static cJSON *detail_json(cn_ctx *ctx, const cn_user *u, const row *r)
{
    cJSON *o = row_json(r);
    cJSON *lines = cJSON_AddArrayToObject(o, "receipts");
    cJSON *fleet = cn_fleet_screens_json(ctx->fleet, u, NULL);
    cJSON *screens = cJSON_GetObjectItemCaseSensitive(fleet, "screens");
    cJSON *got = cJSON_CreateObject(); /* kiosk -> receipt */
    sqlite3 *s = cn_db_lock(ctx->db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT kiosk, site, verdict, reason, received_ms, presented_ms FROM desk_receipts"
                              " WHERE did=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, r->did, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "site", col(st, 1));
            cJSON_AddStringToObject(x, "verdict", col(st, 2));
            cJSON_AddStringToObject(x, "reason", col(st, 3));
            int64_t rec = sqlite3_column_int64(st, 4), pres = sqlite3_column_int64(st, 5);
            if (rec > 0)
                cJSON_AddNumberToObject(x, "received_ms", (double)(rec - r->sent_ms));
            if (pres > 0)
                cJSON_AddNumberToObject(x, "presented_ms", (double)(pres - r->sent_ms));
            cJSON_AddItemToObject(got, col(st, 0), x);
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(ctx->db);
    int n_screens = cJSON_GetArraySize(screens) + cJSON_GetArraySize(got);
    int64_t *lat = calloc((size_t)n_screens + 1, sizeof *lat);
    int nlat = 0, waiting = 0, offline = 0, rejected = 0, presented = 0, answered = 0, expected = 0;
    cJSON *sites = cJSON_CreateObject();
    const cJSON *sc;
    int cancel = strcmp(r->kind, "Cancel") == 0;
    cJSON_ArrayForEach(sc, screens)
    {
        const char *k = cn_jstr(sc, "kiosk"), *site = cn_jstr(sc, "site"), *state = cn_jstr(sc, "state");
        cJSON *rc = cJSON_GetObjectItemCaseSensitive(got, k);
        if (!k || !site || (!scope_in(r->scope, k, site) && !rc))
            continue;
        cJSON *line = rc ? cJSON_DetachItemFromObjectCaseSensitive(got, k) : cJSON_CreateObject();
        cJSON_DeleteItemFromObjectCaseSensitive(line, "site");
        cJSON_AddStringToObject(line, "kiosk", k);
        cJSON_AddStringToObject(line, "site", site);
        cJSON_AddStringToObject(line, "screen_state", state ? state : "");
        cJSON *ps = cJSON_GetObjectItemCaseSensitive(sites, site);
        if (!ps) {
            ps = cJSON_AddObjectToObject(sites, site);
            static const char *const keys[] = {"screens", "answered", "presented", "rejected", "waiting", "offline"};
            for (int i = 0; i < 6; i++)
                cJSON_AddNumberToObject(ps, keys[i], 0);
        }
        expected++;
        cJSON_GetObjectItemCaseSensitive(ps, "screens")->valuedouble++;
        const char *v = cn_jstr(line, "verdict");
        const cJSON *pr = cJSON_GetObjectItemCaseSensitive(line, "presented_ms");
        if (v) {
            answered++;
            cJSON_GetObjectItemCaseSensitive(ps, "answered")->valuedouble++;
            if (strcmp(v, "rejected") == 0) {
                rejected++;
                cJSON_GetObjectItemCaseSensitive(ps, "rejected")->valuedouble++;
            }
            if (cJSON_IsNumber(pr)) {
                presented++;
                lat[nlat++] = (int64_t)pr->valuedouble;
                cJSON_GetObjectItemCaseSensitive(ps, "presented")->valuedouble++;
            }
        }
        int done = v && (strcmp(v, "rejected") == 0 || cJSON_IsNumber(pr) || cancel || strcmp(v, "ignored") == 0);
        cJSON_AddBoolToObject(line, "waiting", !done);
        if (!done && state && strcmp(state, "offline") == 0) {
            offline++; /* not answered, but nobody expects it to: it does not hold up "last screen" */
            cJSON_GetObjectItemCaseSensitive(ps, "offline")->valuedouble++;
        } else if (!done) {
            waiting++;
            cJSON_GetObjectItemCaseSensitive(ps, "waiting")->valuedouble++;
        }
        cJSON_AddItemToArray(lines, line);
    }
    /* answers from kiosks the fleet table does not know (or another site) */
    for (cJSON *x = got->child; x; x = x->next) {
        cJSON *line = cJSON_Duplicate(x, 1);
        cJSON_AddStringToObject(line, "kiosk", x->string);
        cJSON_AddStringToObject(line, "screen_state", "unknown");
        cJSON_AddBoolToObject(line, "waiting", 0);
        cJSON_AddItemToArray(lines, line);
        answered++;
    }
    cJSON *sum = cJSON_AddObjectToObject(o, "summary");
    cJSON_AddNumberToObject(sum, "screens", expected);
    cJSON_AddNumberToObject(sum, "answered", answered);
    cJSON_AddNumberToObject(sum, "presented", presented);
    cJSON_AddNumberToObject(sum, "rejected", rejected);
    cJSON_AddNumberToObject(sum, "waiting", waiting);
    cJSON_AddNumberToObject(sum, "offline", offline);
    qsort(lat, (size_t)nlat, sizeof *lat, cmp_i64);
    if (nlat) {
        cJSON_AddNumberToObject(sum, "p50_ms", (double)lat[(nlat - 1) / 2]);
        cJSON_AddNumberToObject(sum, "max_ms", (double)lat[nlat - 1]);
    } else {
        cJSON_AddNullToObject(sum, "p50_ms");
        cJSON_AddNullToObject(sum, "max_ms");
    }
    /* send to the last screen: known once no screen that is online or stale is waiting */
    if (!waiting && nlat && r->sent_ms)
        cJSON_AddNumberToObject(sum, "last_screen_ms", (double)lat[nlat - 1]);
    else
        cJSON_AddNullToObject(sum, "last_screen_ms");
    cJSON *sarr = cJSON_AddArrayToObject(sum, "sites");
    for (cJSON *x = sites->child; x; x = x->next) {
        cJSON *y = cJSON_Duplicate(x, 1);
        cJSON_AddStringToObject(y, "site", x->string);
        cJSON_AddItemToArray(sarr, y);
    }
    free(lat);
    cJSON_Delete(sites);
    cJSON_Delete(got);
    cJSON_Delete(fleet);
    return o;
}

/* POST /api/alerts/preview: one language block (body "block", default 0) of
 * the alert being composed, drawn by crier itself in landscape and portrait
 * as a kiosk that accepted it would draw it (TEST/EXERCISE band included). */
static void preview(cn_ctx *ctx, cn_req *req, cn_resp *resp)
{
    if (req->user.role < CN_ROLE_EDITOR) {
        cn_resp_error(resp, 403, "a viewer cannot compose alerts");
        return;
    }
    cJSON *in = cn_req_json(req, resp);
    if (!in)
        return;
    row r = {0}, ref = {0};
    char err[300];
    const char *ref_did = cn_jstr(in, "refers_to");
    const cJSON *blk = cJSON_GetObjectItemCaseSensitive(in, "block");
    int block = cJSON_IsNumber(blk) ? (int)blk->valuedouble : 0;
    snprintf(r.kind, sizeof r.kind, "%s", ref_did ? "Update" : "Alert");
    r.refs = cJSON_CreateArray();
    new_did(crier_wall_ms(), r.did);
    snprintf(r.identifier, sizeof r.identifier, "%s", r.did);
    desk_sender(ctx, r.sender, sizeof r.sender);
    snprintf(r.author, sizeof r.author, "%s", req->user.name);
    if (ref_did && (chain_head(ctx->db, ref_did, &ref) != CRIER_OK || !may_see(ctx, &req->user, ref.scope))) {
        cn_resp_error(resp, 404, "no such alert");
        goto done;
    }
    if (compose(ctx, req, resp, in, &r, ref_did ? &ref : NULL))
        goto done;
    if (block < 0 || block >= cJSON_GetArraySize(r.info)) {
        cn_resp_error(resp, 400, "block: 0..%d", cJSON_GetArraySize(r.info) - 1);
        goto done;
    }
    cJSON *one = cJSON_CreateArray();
    cJSON_AddItemToArray(one, cJSON_Duplicate(cJSON_GetArrayItem(r.info, block), 1));
    cJSON_Delete(r.info);
    r.info = one;
    int64_t now = crier_wall_ms();
    crier_alert *a = NULL;
    char *wire = build_wire(&r, now, 1, &a, err, sizeof err), *json = NULL;
    size_t jl = 0;
    if (!wire) {
        cn_resp_error(resp, 400, "kiosks would refuse this alert: %s", err);
        goto done;
    }
    free(wire);
    a->issuer = strdup(ctx->have_key ? ctx->key.issuer : "Preview");
    a->key_id = strdup("0000000000000000");
    a->received_ms = now;
    crier_err e = a->issuer && a->key_id ? crier_alert_to_json(a, 1, &json, &jl) : CRIER_ERR_NOMEM;
    crier_alert_free(a);
    char t[40];
    crier_format_utc_ms(now, t, sizeof t);
    size_t cap = jl + 200;
    char *state = e == CRIER_OK ? malloc(cap) : NULL;
    if (state)
        snprintf(state, cap, "{\"type\":\"crier-alert-state\",\"v\":1,\"saved\":\"%s\",\"senders\":[],\"seen\":[],"
                             "\"active\":[%s]}", t, json);
    free(json);
    if (!state) {
        cn_resp_error(resp, 500, "cannot build the preview");
        goto done;
    }
    cn_preview_spec specs[2] = {{"default", 0}, {"portrait", 1}};
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "previews");
    int64_t t0 = crier_mono_ms();
    if (cn_preview_render_alert(ctx, state, specs, 2, arr, err, sizeof err) != CRIER_OK) {
        cJSON_Delete(root);
        cn_resp_error(resp, 500, "%s", err);
    } else {
        cJSON_AddNumberToObject(root, "block", block);
        cJSON_AddStringToObject(root, "language", cn_jstr(cJSON_GetArrayItem(r.info, 0), "language")
                                                      ? cn_jstr(cJSON_GetArrayItem(r.info, 0), "language")
                                                      : "en-US");
        cJSON_AddBoolToObject(root, "needs_approval", needs_approval(&r));
        cJSON_AddBoolToObject(root, "preapproved", r.preapproved);
        cJSON_AddNumberToObject(root, "render_ms", (double)(crier_mono_ms() - t0));
        cn_resp_json(resp, 200, root);
    }
    free(state);
done:
    row_clear(&r);
    row_clear(&ref);
    cJSON_Delete(in);
}

void cn_desk_handle(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *rest)
{
    if (strcmp(rest, "/preview") == 0 && strcmp(req->method, "POST") == 0) {
        preview(ctx, req, resp);
        return;
    }
    int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    if (!rest[0]) {
        if (get)
            list(ctx, req, resp);
        else if (post)
            create(ctx, req, resp, "Alert", NULL, 0);
        else
            cn_resp_error(resp, 405, "use GET or POST");
        return;
    }
    char did[CN_NAME_MAX + 1];
    const char *action;
    if (cn_route_item(rest, did, &action, resp, "alert") != 0)
        return;
    if (!action[0] && get) {
        row r;
        if (row_load(ctx->db, did, &r) == CRIER_OK && may_see(ctx, &req->user, r.scope))
            cn_resp_json(resp, 200, detail_json(ctx, &req->user, &r));
        else
            cn_resp_error(resp, 404, "no such alert");
        row_clear(&r);
    } else if (post && strcmp(action, "approve") == 0)
        approve(ctx, req, resp, did);
    else if (post && strcmp(action, "reject") == 0)
        reject(ctx, req, resp, did);
    else if (post && strcmp(action, "update") == 0)
        create(ctx, req, resp, "Update", did, 0);
    else if (post && strcmp(action, "allclear") == 0)
        create(ctx, req, resp, "Update", did, 1);
    else if (post && strcmp(action, "cancel") == 0)
        create(ctx, req, resp, "Cancel", did, 0);
    else
        cn_resp_error(resp, 404, "no such resource");
}

/* ---- receipts ------------------------------------------------------------------------ */

void cn_desk_receipt(cn_ctx *ctx, const char *kiosk, const char *tid, const cJSON *j, int64_t now_ms)
{
    const char *id = cn_jstr(j, "identifier"), *snd = cn_jstr(j, "sender");
    char did[CN_NAME_MAX + 1] = "";
    int64_t sent_ms = 0;
    char scope[CN_NAME_MAX + 8] = "";
    sqlite3 *s = cn_db_lock(ctx->db);
    sqlite3_stmt *st = NULL;
    /* a receipt without identifier: the kiosk could not read the message; it
     * came on the topic it travelled on: the newest sent row there */
    const char *sql = id ? "SELECT did, sent_ms, scope FROM desk_alerts WHERE identifier=?1 AND (?2 IS NULL OR sender=?2)"
                           " AND state='sent' ORDER BY sent_ms DESC LIMIT 1"
                         : "SELECT did, sent_ms, scope FROM desk_alerts WHERE state='sent' AND topic LIKE '%/' || ?1"
                           " ORDER BY sent_ms DESC LIMIT 1";
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id ? id : tid, -1, SQLITE_TRANSIENT);
        if (id && snd)
            sqlite3_bind_text(st, 2, snd, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(did, sizeof did, "%s", col(st, 0));
            sent_ms = sqlite3_column_int64(st, 1);
            snprintf(scope, sizeof scope, "%s", col(st, 2));
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    char site[CN_NAME_MAX + 1] = "";
    char *reason = cn_text_clean(cn_jstr(j, "reason") ? cn_jstr(j, "reason") : "", 300);
    char *verdict = cn_text_clean(cn_jstr(j, "verdict") ? cn_jstr(j, "verdict") : "?", 16);
    const char *js = cn_jstr(j, "site");
    if (js && cn_name_ok(js))
        snprintf(site, sizeof site, "%s", js);
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(j, "received_ms");
    const cJSON *pres = cJSON_GetObjectItemCaseSensitive(j, "presented_ms");
    int64_t rec_ms = cJSON_IsNumber(rec) ? (int64_t)rec->valuedouble : now_ms;
    int64_t pres_ms = cJSON_IsNumber(pres) ? (int64_t)pres->valuedouble : 0;
    if (did[0] && sqlite3_prepare_v2(s, "INSERT OR REPLACE INTO desk_receipts(did, kiosk, site, verdict, reason,"
                                        " received_ms, presented_ms, time) VALUES(?,?,?,?,?,?,?,?)",
                                     -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, did, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, kiosk, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, site, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, verdict ? verdict : "?", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, reason ? reason : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 6, rec_ms);
        sqlite3_bind_int64(st, 7, pres_ms);
        sqlite3_bind_int64(st, 8, now_ms);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    cn_db_unlock(ctx->db);
    if (did[0]) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "alert", did);
        cJSON_AddStringToObject(o, "kiosk", kiosk);
        cJSON_AddStringToObject(o, "site", site);
        cJSON_AddStringToObject(o, "verdict", verdict ? verdict : "?");
        cJSON_AddStringToObject(o, "reason", reason ? reason : "");
        cJSON_AddNumberToObject(o, "received_ms", (double)(rec_ms - sent_ms));
        if (pres_ms)
            cJSON_AddNumberToObject(o, "presented_ms", (double)(pres_ms - sent_ms));
        char *txt = cn_json_print(o);
        char sites[CN_NAME_MAX + 1];
        scope_sites(ctx, scope, sites, sizeof sites);
        cn_sse_publish(ctx->sse, "receipt", txt, site[0] ? site : sites, CN_ROLE_VIEWER);
        free(txt);
        cJSON_Delete(o);
    }
    free(reason);
    free(verdict);
}

/* ---- the CAP relay's entry ------------------------------------------------------------- */

int cn_desk_find(cn_ctx *ctx, const char *sender, const char *identifier, char did[CN_NAME_MAX + 1])
{
    int found = 0;
    sqlite3 *s = cn_db_lock(ctx->db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT did FROM desk_alerts WHERE identifier=? AND sender=? ORDER BY created DESC"
                              " LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, identifier, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, sender, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(did, CN_NAME_MAX + 1, "%s", col(st, 0));
            found = 1;
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(ctx->db);
    return found;
}

crier_err cn_desk_relay(cn_ctx *ctx, const char *source, const cJSON *wire, const char *ref_did, int send,
                        char did[CN_NAME_MAX + 1], char *err, size_t err_len)
{
    row r = {0};
    int64_t now = crier_wall_ms();
    new_did(now, r.did);
    snprintf(did, CN_NAME_MAX + 1, "%s", r.did);
    snprintf(r.identifier, sizeof r.identifier, "%s", cn_jstr(wire, "identifier") ? cn_jstr(wire, "identifier") : "");
    snprintf(r.sender, sizeof r.sender, "%s", cn_jstr(wire, "sender") ? cn_jstr(wire, "sender") : "");
    snprintf(r.kind, sizeof r.kind, "%s", cn_jstr(wire, "msgType") ? cn_jstr(wire, "msgType") : "Alert");
    snprintf(r.status, sizeof r.status, "%s", cn_jstr(wire, "status") ? cn_jstr(wire, "status") : "Actual");
    snprintf(r.scope, sizeof r.scope, "%s", cn_jstr(wire, "scope") ? cn_jstr(wire, "scope") : "all");
    snprintf(r.author, sizeof r.author, "relay:%.60s", source);
    snprintf(r.source, sizeof r.source, "cap:%.60s", source);
    snprintf(r.ref, sizeof r.ref, "%s", ref_did ? ref_did : "");
    r.created = now;
    r.preapproved = send;
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(wire, "info");
    const cJSON *refs = cJSON_GetObjectItemCaseSensitive(wire, "references");
    r.info = info ? cJSON_Duplicate(info, 1) : cJSON_CreateArray();
    r.refs = refs ? cJSON_Duplicate(refs, 1) : cJSON_CreateArray();
    crier_err e = CRIER_OK;
    if (!send) {
        snprintf(r.state, sizeof r.state, "pending");
        e = row_save(ctx->db, &r, NULL);
        if (e == CRIER_OK) {
            audit_row(ctx, r.author, "alert.request", &r, "ok", "relayed CAP alert waiting for an approver");
            emit(ctx, &r);
        }
    } else {
        int st = send_row(ctx, &r, err, err_len);
        if (st) {
            snprintf(r.state, sizeof r.state, "failed");
            e = st == 502 ? CRIER_ERR_NET : CRIER_ERR_INVAL;
        }
        row_save(ctx->db, &r, NULL);
        audit_row(ctx, r.author, "alert.send", &r, st ? "failed" : "ok", st ? err : "relayed CAP alert (automatic rule)");
        emit(ctx, &r);
    }
    row_clear(&r);
    return e;
}

int cn_desk_state(cn_ctx *ctx, const char *did, char state[16])
{
    row r;
    int found = row_load(ctx->db, did, &r) == CRIER_OK;
    snprintf(state, 16, "%s", found ? r.state : "");
    row_clear(&r);
    return found;
}

void cn_desk_withdraw(cn_ctx *ctx, const char *did, const char *why)
{
    row r;
    if (row_load(ctx->db, did, &r) == CRIER_OK && strcmp(r.state, "pending") == 0) {
        snprintf(r.state, sizeof r.state, "rejected");
        if (row_save(ctx->db, &r, "pending") == CRIER_OK) {
            audit_row(ctx, r.author, "alert.reject", &r, "ok", why);
            emit(ctx, &r);
        }
    }
    row_clear(&r);
}
