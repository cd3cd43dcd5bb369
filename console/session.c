/* session.c - sessions, tokens, CSRF/Origin and the login rate limit (session.h). */
#include "session.h"

#include "base/hash.h"
#include "base/timeutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

crier_err cn_session_create(cn_db *db, const char *user, const char *addr, int hours, char secret[CN_SECRET_MAX],
                            char csrf[CN_SECRET_MAX])
{
    char id[65];
    cn_random_b64(secret, CN_SECRET_MAX, 32);
    cn_random_b64(csrf, CN_SECRET_MAX, 32);
    cn_secret_hash(secret, id);
    int64_t now = crier_wall_ms();
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(s, "INSERT INTO sessions(id, user, csrf, created, expires, addr) VALUES(?,?,?,?,?,?)",
                                -1, &st, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, csrf, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, now);
        sqlite3_bind_int64(st, 5, now + (int64_t)hours * 3600000);
        sqlite3_bind_text(st, 6, addr ? addr : "", -1, SQLITE_TRANSIENT);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return ok ? CRIER_OK : CRIER_ERR_IO;
}

/* Looks one hashed secret up in `table`: user (and csrf for sessions). */
static crier_err secret_find(cn_db *db, const char *sql, const char *secret, char user[CN_NAME_MAX + 1],
                             char *csrf)
{
    if (!secret || !secret[0] || strlen(secret) >= CN_SECRET_MAX)
        return CRIER_ERR_NOTFOUND;
    char id[65];
    cn_secret_hash(secret, id);
    crier_err e = CRIER_ERR_NOTFOUND;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, crier_wall_ms());
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(user, CN_NAME_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
            if (csrf)
                snprintf(csrf, CN_SECRET_MAX, "%s", (const char *)sqlite3_column_text(st, 1));
            e = CRIER_OK;
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return e;
}

crier_err cn_session_find(cn_db *db, const char *secret, char user[CN_NAME_MAX + 1], char csrf[CN_SECRET_MAX])
{
    return secret_find(db, "SELECT user, csrf FROM sessions WHERE id=? AND expires>?", secret, user, csrf);
}

void cn_session_delete(cn_db *db, const char *secret)
{
    char id[65];
    if (!secret || !secret[0])
        return;
    cn_secret_hash(secret, id);
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "DELETE FROM sessions WHERE id=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
}

int cn_session_sweep(cn_db *db)
{
    int n = 0;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "DELETE FROM sessions WHERE expires<=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, crier_wall_ms());
        if (sqlite3_step(st) == SQLITE_DONE)
            n = sqlite3_changes(s);
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return n;
}

crier_err cn_token_create(cn_db *db, const char *name, const char *user, char token[CN_SECRET_MAX],
                          char ref[CN_TOKEN_REF_MAX])
{
    char raw[CN_SECRET_MAX - 4], id[65], pub[CN_TOKEN_REF_MAX];
    cn_random_b64(raw, sizeof raw, 32);
    snprintf(token, CN_SECRET_MAX, "crt_%s", raw);
    cn_secret_hash(token, id);
    cn_random_b64(pub, sizeof pub, 12); /* 16 characters, unrelated to the secret */
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(s, "INSERT INTO tokens(id, name, user, created, ref) VALUES(?,?,?,?,?)", -1, &st,
                                NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, crier_wall_ms());
        sqlite3_bind_text(st, 5, pub, -1, SQLITE_TRANSIENT);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    if (ok && ref)
        memcpy(ref, pub, sizeof pub);
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return ok ? CRIER_OK : CRIER_ERR_IO;
}

crier_err cn_token_find(cn_db *db, const char *token, char user[CN_NAME_MAX + 1])
{
    if (!token || strncmp(token, "crt_", 4) != 0)
        return CRIER_ERR_NOTFOUND;
    return secret_find(db, "SELECT user FROM tokens WHERE id=? AND ?>0", token, user, NULL);
}

cJSON *cn_tokens_json(cn_db *db)
{
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "tokens");
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (arr && sqlite3_prepare_v2(s, "SELECT ref, name, user, created FROM tokens ORDER BY created, ref", -1, &st,
                                  NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *t = cJSON_CreateObject();
            char when[32];
            cn_time_str(sqlite3_column_int64(st, 3), when, sizeof when);
            cJSON_AddStringToObject(t, "id", (const char *)sqlite3_column_text(st, 0));
            cJSON_AddStringToObject(t, "name", (const char *)sqlite3_column_text(st, 1));
            cJSON_AddStringToObject(t, "user", (const char *)sqlite3_column_text(st, 2));
            cJSON_AddStringToObject(t, "created", when);
            cJSON_AddItemToArray(arr, t);
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return root;
}

crier_err cn_token_revoke(cn_db *db, const char *ref, char name[CN_TOKEN_NAME_MAX + 1], char user[CN_NAME_MAX + 1])
{
    crier_err e = CRIER_ERR_NOTFOUND;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    /* one connection under one lock: nobody runs between the two statements */
    if (sqlite3_prepare_v2(s, "SELECT name, user FROM tokens WHERE ref=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(name, CN_TOKEN_NAME_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
            snprintf(user, CN_NAME_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 1));
            e = CRIER_OK;
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if (e == CRIER_OK && sqlite3_prepare_v2(s, "DELETE FROM tokens WHERE ref=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            e = CRIER_ERR_IO;
    } else if (e == CRIER_OK) {
        e = CRIER_ERR_IO;
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return e;
}

int cn_csrf_ok(const char *expected, const char *given)
{
    return cn_str_eq_ct(expected, given);
}

int cn_origin_ok(const char *origin, const char *host, int tls, const char *configured)
{
    if (!origin)
        return 1;
    char want[512];
    if (configured && configured[0])
        snprintf(want, sizeof want, "%s", configured);
    else if (host && host[0])
        snprintf(want, sizeof want, "%s://%s", tls ? "https" : "http", host);
    else
        return 0;
    return strcmp(origin, want) == 0;
}

int cn_cookie_get(const char *header, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);
    for (const char *p = header; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t l = end ? (size_t)(end - p) : strlen(p);
        if (l > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = l - nl - 1;
            if (vl >= len)
                return 0;
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            return 1;
        }
        p = end;
    }
    return 0;
}

/* ---- rate limit: a fixed table of counters, oldest slot reused ------------- */

#define RATE_SLOTS 1024

typedef struct rate_slot {
    uint64_t key;
    int64_t start_ms;
    int count;
} rate_slot;

struct cn_rate {
    pthread_mutex_t lock;
    rate_slot slots[RATE_SLOTS];
};

cn_rate *cn_rate_new(void)
{
    cn_rate *r = calloc(1, sizeof *r);
    if (r)
        pthread_mutex_init(&r->lock, NULL);
    return r;
}

void cn_rate_free(cn_rate *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static uint64_t rate_key(const char *kind, const char *v)
{
    return crier_hash_field(crier_hash_field(crier_hash64("", 0), kind), v ? v : "");
}

/* The slot for key (locked): a fresh window when the old one has passed. */
static rate_slot *rate_slot_for(cn_rate *r, uint64_t key, int64_t now)
{
    size_t i0 = (size_t)(key % RATE_SLOTS);
    rate_slot *oldest = NULL;
    for (size_t k = 0; k < 8; k++) {
        rate_slot *s = &r->slots[(i0 + k) % RATE_SLOTS];
        if (s->key == key) {
            if (now - s->start_ms >= CN_RATE_WINDOW_S * 1000LL) {
                s->start_ms = now;
                s->count = 0;
            }
            return s;
        }
        if (!oldest || s->start_ms < oldest->start_ms)
            oldest = s;
    }
    oldest->key = key;
    oldest->start_ms = now;
    oldest->count = 0;
    return oldest;
}

int cn_rate_allow(cn_rate *r, const char *user, const char *addr, int64_t now_ms)
{
    pthread_mutex_lock(&r->lock);
    rate_slot *a = rate_slot_for(r, rate_key("addr", addr), now_ms);
    int ok = a->count < CN_RATE_ADDR_TRIES;
    if (ok)
        a->count++;
    rate_slot *u = rate_slot_for(r, rate_key("user", user), now_ms);
    if (u->count >= CN_RATE_USER_FAILS)
        ok = 0;
    pthread_mutex_unlock(&r->lock);
    return ok;
}

void cn_rate_fail(cn_rate *r, const char *user, int64_t now_ms)
{
    pthread_mutex_lock(&r->lock);
    rate_slot_for(r, rate_key("user", user), now_ms)->count++;
    pthread_mutex_unlock(&r->lock);
}

void cn_rate_clear(cn_rate *r, const char *user)
{
    pthread_mutex_lock(&r->lock);
    rate_slot *u = rate_slot_for(r, rate_key("user", user), crier_wall_ms());
    u->count = 0;
    pthread_mutex_unlock(&r->lock);
}
