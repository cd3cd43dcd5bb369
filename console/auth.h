/* auth.h - local accounts: Argon2id password hashes (libsodium
 * crypto_pwhash_str), rehash at login when the cost changed, roles and sites.
 *
 * At most two hashes run at once (each takes cost.mem bytes for ~0.1 s), so a
 * burst of logins cannot run the console out of memory. */
#ifndef CRIER_CONSOLE_AUTH_H
#define CRIER_CONSOLE_AUTH_H

#include "console.h"
#include "db.h"

#define CN_HASH_MAX 128         /* crypto_pwhash_STRBYTES */
#define CN_PASSWORD_MIN 8
#define CN_PASSWORD_MAX 1024

/* Hash pw with cost into out (NUL-terminated). */
crier_err cn_password_hash(const char *pw, const cn_pwcost *cost, char out[CN_HASH_MAX]);
/* 1 when pw matches hash. */
int cn_password_check(const char *hash, const char *pw);
/* 1 when hash was made with another cost than `cost`. */
int cn_password_needs_rehash(const char *hash, const cn_pwcost *cost);

/* Creates or replaces user `name`.  Checks the name, role, sites and password
 * length; err says what is wrong (CRIER_ERR_INVAL). */
crier_err cn_user_put(cn_db *db, const cn_pwcost *cost, const char *name, const char *pw, cn_role role,
                      const char *sites, char *err, size_t err_len);
/* The user (without password); CRIER_ERR_NOTFOUND if there is none. */
crier_err cn_user_get(cn_db *db, const char *name, cn_user *out);
/* Checks name + password.  CRIER_OK fills *out; CRIER_ERR_AUTH for a wrong
 * password or an unknown user (the same time either way).  When the stored
 * hash was made with another cost it is replaced (*rehashed = 1). */
crier_err cn_user_login(cn_db *db, const cn_pwcost *cost, const char *name, const char *pw, cn_user *out,
                        int *rehashed);
/* Deletes user `name` with all their sessions and API tokens, in one
 * transaction; *sessions and *tokens get how many went.  CRIER_ERR_NOTFOUND:
 * no such user; CRIER_ERR_LIMIT: the last admin (nothing changed). */
crier_err cn_user_delete(cn_db *db, const char *name, int *sessions, int *tokens);
/* {"users":[{"user","role","sites","created"}]}; NULL on failure. */
cJSON *cn_users_json(cn_db *db);
/* Number of users (0 on error). */
int cn_user_count(cn_db *db);

#endif
