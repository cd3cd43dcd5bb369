/* db.h - the console's SQLite database: one connection, one lock.
 *
 * Tables (created on open, see db.c): users, sessions, tokens, posts,
 * post_versions, uploads, screens, shots, audit (append-only: triggers refuse
 * UPDATE and DELETE).  Every caller takes the lock around its statements:
 *     sqlite3 *s = cn_db_lock(db); ...; cn_db_unlock(db);
 * and never calls another module while holding it (db is a leaf lock). */
#ifndef CRIER_CONSOLE_DB_H
#define CRIER_CONSOLE_DB_H

#include "base/error.h"

#include <sqlite3.h>

typedef struct cn_db cn_db;

/* Opens (creating) the database file; ":memory:" for tests. */
crier_err cn_db_open(const char *path, cn_db **out, char *err, size_t err_len);
void cn_db_close(cn_db *db); /* NULL-safe */

sqlite3 *cn_db_lock(cn_db *db);
void cn_db_unlock(cn_db *db);

/* Runs one statement without results (locked by the caller). */
crier_err cn_db_exec(sqlite3 *s, const char *sql);

#endif
