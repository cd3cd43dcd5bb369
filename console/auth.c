/* auth.c - password hashing and the users table (auth.h). */
#include "auth.h"

#include "base/log.h"
#include "base/timeutil.h"

#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static sem_t hash_slots;
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

static void hash_init(void)
{
    if (sodium_init() < 0)
        LOG_ERROR("console", "libsodium failed to initialise");
    sem_init(&hash_slots, 0, 2);
}

static void slot_take(void)
{
    pthread_once(&hash_once, hash_init);
    while (sem_wait(&hash_slots) != 0) {
    }
}

static void slot_give(void)
{
    sem_post(&hash_slots);
}

crier_err cn_password_hash(const char *pw, const cn_pwcost *cost, char out[CN_HASH_MAX])
{
    slot_take();
    int rc = crypto_pwhash_str(out, pw, strlen(pw), cost->ops, cost->mem);
    slot_give();
    return rc == 0 ? CRIER_OK : CRIER_ERR_NOMEM;
}

int cn_password_check(const char *hash, const char *pw)
{
    slot_take();
    int rc = crypto_pwhash_str_verify(hash, pw, strlen(pw));
    slot_give();
    return rc == 0;
}

int cn_password_needs_rehash(const char *hash, const cn_pwcost *cost)
{
    pthread_once(&hash_once, hash_init);
    return crypto_pwhash_str_needs_rehash(hash, cost->ops, cost->mem) != 0;
}

crier_err cn_user_put(cn_db *db, const cn_pwcost *cost, const char *name, const char *pw, cn_role role,
                      const char *sites, char *err, size_t err_len)
{
    if (!cn_name_ok(name)) {
        crier_errf(err, err_len, "a user name is 1..64 letters, digits, '_', '.', '-'");
        return CRIER_ERR_INVAL;
    }
    if (role == CN_ROLE_NONE) {
        crier_errf(err, err_len, "role must be viewer, editor, publisher or admin");
        return CRIER_ERR_INVAL;
    }
    size_t pl = pw ? strlen(pw) : 0;
    if (pl < CN_PASSWORD_MIN || pl > CN_PASSWORD_MAX) {
        crier_errf(err, err_len, "a password is %d..%d bytes", CN_PASSWORD_MIN, CN_PASSWORD_MAX);
        return CRIER_ERR_INVAL;
    }
    if (!sites || !sites[0] || strlen(sites) > CN_SITES_MAX) {
        crier_errf(err, err_len, "a user needs at least one site (or \"*\")");
        return CRIER_ERR_INVAL;
    }
    char hash[CN_HASH_MAX];
    if (cn_password_hash(pw, cost, hash) != CRIER_OK) {
        crier_errf(err, err_len, "cannot hash the password (out of memory)");
        return CRIER_ERR_NOMEM;
    }
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s,
                                "INSERT INTO users(name, hash, role, sites, created) VALUES(?,?,?,?,?)"
                                " ON CONFLICT(name) DO UPDATE SET hash=excluded.hash, role=excluded.role,"
                                " sites=excluded.sites",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, cn_role_name(role), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, sites, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, crier_wall_ms());
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc != SQLITE_OK)
        crier_errf(err, err_len, "database: %s", sqlite3_errmsg(s));
    sqlite3_finalize(st);
    cn_db_unlock(db);
    sodium_memzero(hash, sizeof hash);
    return rc == SQLITE_OK ? CRIER_OK : CRIER_ERR_IO;
}

/* The row of `name`: user fields and (if hash) its hash. */
static crier_err user_row(cn_db *db, const char *name, cn_user *out, char *hash)
{
    memset(out, 0, sizeof *out);
    if (!cn_name_ok(name))
        return CRIER_ERR_NOTFOUND;
    crier_err e = CRIER_ERR_NOTFOUND;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT role, sites, hash FROM users WHERE name=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(out->name, sizeof out->name, "%s", name);
            out->role = cn_role_parse((const char *)sqlite3_column_text(st, 0));
            snprintf(out->sites, sizeof out->sites, "%s", (const char *)sqlite3_column_text(st, 1));
            if (hash)
                snprintf(hash, CN_HASH_MAX, "%s", (const char *)sqlite3_column_text(st, 2));
            e = out->role == CN_ROLE_NONE ? CRIER_ERR_NOTFOUND : CRIER_OK;
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return e;
}

crier_err cn_user_get(cn_db *db, const char *name, cn_user *out)
{
    return user_row(db, name, out, NULL);
}

crier_err cn_user_login(cn_db *db, const cn_pwcost *cost, const char *name, const char *pw, cn_user *out,
                        int *rehashed)
{
    static char dummy[CN_HASH_MAX];
    static pthread_mutex_t dummy_lock = PTHREAD_MUTEX_INITIALIZER;
    char hash[CN_HASH_MAX] = "";
    *rehashed = 0;
    if (!pw || strlen(pw) > CN_PASSWORD_MAX)
        return CRIER_ERR_AUTH;
    if (user_row(db, name, out, hash) != CRIER_OK) {
        /* the same work as for a real user, so timing does not tell names apart */
        pthread_mutex_lock(&dummy_lock);
        if (!dummy[0])
            cn_password_hash("crier-console-dummy", cost, dummy);
        char copy[CN_HASH_MAX];
        memcpy(copy, dummy, sizeof copy);
        pthread_mutex_unlock(&dummy_lock);
        cn_password_check(copy, pw);
        memset(out, 0, sizeof *out);
        return CRIER_ERR_AUTH;
    }
    if (!cn_password_check(hash, pw)) {
        memset(out, 0, sizeof *out);
        return CRIER_ERR_AUTH;
    }
    if (cn_password_needs_rehash(hash, cost)) {
        char fresh[CN_HASH_MAX];
        if (cn_password_hash(pw, cost, fresh) == CRIER_OK) {
            sqlite3 *s = cn_db_lock(db);
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v2(s, "UPDATE users SET hash=? WHERE name=? AND hash=?", -1, &st, NULL) == SQLITE_OK) {
                sqlite3_bind_text(st, 1, fresh, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(st, 3, hash, -1, SQLITE_TRANSIENT);
                *rehashed = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(s) == 1;
            }
            sqlite3_finalize(st);
            cn_db_unlock(db);
            sodium_memzero(fresh, sizeof fresh);
        }
    }
    sodium_memzero(hash, sizeof hash);
    return CRIER_OK;
}

/* Runs sql with ?1 = name (locked): the first column of its row (a SELECT)
 * or the rows it changed; -1 on a database error. */
static int run_named(sqlite3 *s, const char *sql, const char *name)
{
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : rc == SQLITE_DONE ? sqlite3_changes(s) : -1;
    }
    sqlite3_finalize(st);
    return n;
}

crier_err cn_user_delete(cn_db *db, const char *name, int *sessions, int *tokens)
{
    *sessions = *tokens = 0;
    if (!cn_name_ok(name))
        return CRIER_ERR_NOTFOUND;
    sqlite3 *s = cn_db_lock(db);
    crier_err e = cn_db_exec(s, "BEGIN IMMEDIATE");
    if (e == CRIER_OK) {
        int admin = run_named(s, "SELECT count(*) FROM users WHERE name=?1 AND role='admin'", name);
        int others = run_named(s, "SELECT count(*) FROM users WHERE name<>?1 AND role='admin'", name);
        int users = 0;
        if (admin < 0 || others < 0)
            e = CRIER_ERR_IO;
        else if (admin > 0 && others == 0)
            e = CRIER_ERR_LIMIT;
        else if ((*sessions = run_named(s, "DELETE FROM sessions WHERE user=?1", name)) < 0 ||
                 (*tokens = run_named(s, "DELETE FROM tokens WHERE user=?1", name)) < 0 ||
                 (users = run_named(s, "DELETE FROM users WHERE name=?1", name)) < 0)
            e = CRIER_ERR_IO;
        else if (users == 0)
            e = CRIER_ERR_NOTFOUND;
        if (e == CRIER_OK && cn_db_exec(s, "COMMIT") != CRIER_OK)
            e = CRIER_ERR_IO;
        if (e != CRIER_OK)
            cn_db_exec(s, "ROLLBACK");
    }
    cn_db_unlock(db);
    if (e != CRIER_OK)
        *sessions = *tokens = 0;
    return e;
}

cJSON *cn_users_json(cn_db *db)
{
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "users");
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (arr && sqlite3_prepare_v2(s, "SELECT name, role, sites, created FROM users ORDER BY name", -1, &st, NULL) ==
                   SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            cJSON *u = cJSON_CreateObject();
            char when[32];
            cn_time_str(sqlite3_column_int64(st, 3), when, sizeof when);
            cJSON_AddStringToObject(u, "user", (const char *)sqlite3_column_text(st, 0));
            cJSON_AddStringToObject(u, "role", (const char *)sqlite3_column_text(st, 1));
            cJSON_AddItemToObject(u, "sites", cn_sites_json((const char *)sqlite3_column_text(st, 2)));
            cJSON_AddStringToObject(u, "created", when);
            cJSON_AddItemToArray(arr, u);
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return root;
}

int cn_user_count(cn_db *db)
{
    int n = 0;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT count(*) FROM users", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return n;
}
