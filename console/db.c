/* db.c - opens the console database and creates its schema (db.h).
 *
 * WAL journal, synchronous=NORMAL: a committed row survives a crash of the
 * console; a power cut may lose the last transactions, never corrupt the file.
 * One connection shared by every thread under one mutex: the console's
 * writes are small and few, and one lock keeps transactions simple. */
#include "db.h"

#include "base/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cn_db {
    sqlite3 *s;
    pthread_mutex_t lock;
};

static const char *const schema[] = {
    "CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, hash TEXT NOT NULL, role TEXT NOT NULL,"
    " sites TEXT NOT NULL, created INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sessions(id TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL,"
    " created INTEGER NOT NULL, expires INTEGER NOT NULL, addr TEXT)",
    /* id: the hash of the secret; ref: the public id lists show and revoking names */
    "CREATE TABLE IF NOT EXISTS tokens(id TEXT PRIMARY KEY, name TEXT NOT NULL, user TEXT NOT NULL,"
    " created INTEGER NOT NULL, ref TEXT)",
    /* data: the editable fields as JSON (post.c); topics: where it is on the broker now */
    "CREATE TABLE IF NOT EXISTS posts(id TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL,"
    " author TEXT NOT NULL, approver TEXT, created INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " data TEXT NOT NULL, topics TEXT NOT NULL DEFAULT '[]', on_air INTEGER NOT NULL DEFAULT 0,"
    " live_version INTEGER NOT NULL DEFAULT 0, windowed INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS posts_status ON posts(status, updated)",
    "CREATE TABLE IF NOT EXISTS post_versions(id TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,"
    " user TEXT NOT NULL, time INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY(id, version))",
    "CREATE TABLE IF NOT EXISTS uploads(id TEXT PRIMARY KEY, type TEXT NOT NULL, size INTEGER NOT NULL,"
    " user TEXT NOT NULL, created INTEGER NOT NULL, data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS screens(kiosk TEXT PRIMARY KEY, site TEXT, last_seen INTEGER, info TEXT)",
    "CREATE TABLE IF NOT EXISTS shots(kiosk TEXT PRIMARY KEY, time INTEGER NOT NULL, png BLOB NOT NULL,"
    " thumb BLOB)",
    "CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,"
    " user TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL, result TEXT NOT NULL, detail TEXT NOT NULL)",
    /* the emergency desk (desk.c): alerts, their receipts, templates */
    "CREATE TABLE IF NOT EXISTS desk_alerts(did TEXT PRIMARY KEY, identifier TEXT NOT NULL, sender TEXT NOT NULL,"
    " kind TEXT NOT NULL, status TEXT NOT NULL, state TEXT NOT NULL, author TEXT NOT NULL, approver TEXT NOT NULL,"
    " template TEXT NOT NULL, preapproved INTEGER NOT NULL, created INTEGER NOT NULL, sent_ms INTEGER NOT NULL,"
    " expiry INTEGER NOT NULL, scope TEXT NOT NULL, ref TEXT NOT NULL, replaced_by TEXT NOT NULL, topic TEXT NOT NULL,"
    " source TEXT NOT NULL, note TEXT NOT NULL, info TEXT NOT NULL, refs TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS desk_alerts_id ON desk_alerts(identifier, sender)",
    "CREATE INDEX IF NOT EXISTS desk_alerts_created ON desk_alerts(created)",
    "CREATE TABLE IF NOT EXISTS desk_receipts(did TEXT NOT NULL, kiosk TEXT NOT NULL, site TEXT NOT NULL,"
    " verdict TEXT NOT NULL, reason TEXT NOT NULL, received_ms INTEGER NOT NULL, presented_ms INTEGER NOT NULL,"
    " time INTEGER NOT NULL, PRIMARY KEY(did, kiosk))",
    "CREATE TABLE IF NOT EXISTS desk_templates(id TEXT PRIMARY KEY, data TEXT NOT NULL, user TEXT NOT NULL,"
    " updated INTEGER NOT NULL)",
    /* the CAP relay (relay.c): sources and what each has seen */
    "CREATE TABLE IF NOT EXISTS relay_sources(id TEXT PRIMARY KEY, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS relay_seen(source TEXT NOT NULL, key TEXT NOT NULL, did TEXT NOT NULL,"
    " time INTEGER NOT NULL, PRIMARY KEY(source, key))",
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
};

/* Columns added after their table first shipped: an older database gets them
 * on open (ALTER TABLE), then `fill` gives its existing rows a value. */
static const struct {
    const char *table, *column, *decl, *fill;
} added[] = {
    {"tokens", "ref", "TEXT", "UPDATE tokens SET ref=lower(hex(randomblob(8))) WHERE ref IS NULL"},
};

/* After the schema and the added columns. */
static const char *const indexes[] = {
    "CREATE UNIQUE INDEX IF NOT EXISTS tokens_ref ON tokens(ref)",
};

static int has_column(sqlite3 *s, const char *table, const char *column)
{
    sqlite3_stmt *st = NULL;
    int has = 0;
    if (sqlite3_prepare_v2(s, "SELECT 1 FROM pragma_table_info(?) WHERE name=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
        has = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return has;
}

static crier_err migrate(sqlite3 *s)
{
    char sql[256];
    for (size_t i = 0; i < sizeof added / sizeof added[0]; i++) {
        if (!has_column(s, added[i].table, added[i].column)) {
            snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", added[i].table, added[i].column,
                     added[i].decl);
            if (cn_db_exec(s, sql) != CRIER_OK)
                return CRIER_ERR_IO;
        }
        if (cn_db_exec(s, added[i].fill) != CRIER_OK)
            return CRIER_ERR_IO;
    }
    for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++)
        if (cn_db_exec(s, indexes[i]) != CRIER_OK)
            return CRIER_ERR_IO;
    return CRIER_OK;
}

crier_err cn_db_exec(sqlite3 *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s, sql, NULL, NULL, &msg) != SQLITE_OK) {
        LOG_ERROR("console", "database: %s (%.60s)", msg ? msg : "?", sql);
        sqlite3_free(msg);
        return CRIER_ERR_IO;
    }
    return CRIER_OK;
}

crier_err cn_db_open(const char *path, cn_db **out, char *err, size_t err_len)
{
    *out = NULL;
    cn_db *db = calloc(1, sizeof *db);
    if (!db)
        return CRIER_ERR_NOMEM;
    pthread_mutex_init(&db->lock, NULL);
    int rc = sqlite3_open_v2(path, &db->s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        crier_errf(err, err_len, "cannot open database %s: %s", path, db->s ? sqlite3_errmsg(db->s) : "out of memory");
        cn_db_close(db);
        return CRIER_ERR_IO;
    }
    sqlite3_busy_timeout(db->s, 5000);
    const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                          " PRAGMA cache_size=-2000";
    if (cn_db_exec(db->s, pragmas) != CRIER_OK) {
        crier_errf(err, err_len, "cannot set up database %s: %s", path, sqlite3_errmsg(db->s));
        cn_db_close(db);
        return CRIER_ERR_IO;
    }
    for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++) {
        if (cn_db_exec(db->s, schema[i]) != CRIER_OK) {
            crier_errf(err, err_len, "cannot create the schema in %s: %s", path, sqlite3_errmsg(db->s));
            cn_db_close(db);
            return CRIER_ERR_IO;
        }
    }
    if (migrate(db->s) != CRIER_OK) {
        crier_errf(err, err_len, "cannot update the schema in %s: %s", path, sqlite3_errmsg(db->s));
        cn_db_close(db);
        return CRIER_ERR_IO;
    }
    *out = db;
    return CRIER_OK;
}

void cn_db_close(cn_db *db)
{
    if (!db)
        return;
    if (db->s)
        sqlite3_close_v2(db->s);
    pthread_mutex_destroy(&db->lock);
    free(db);
}

sqlite3 *cn_db_lock(cn_db *db)
{
    pthread_mutex_lock(&db->lock);
    return db->s;
}

void cn_db_unlock(cn_db *db)
{
    pthread_mutex_unlock(&db->lock);
}
