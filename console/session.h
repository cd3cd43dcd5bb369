/* session.h - browser sessions, API tokens, CSRF and Origin checks, and the
 * login rate limit.
 *
 * A session is a random 256-bit secret in the cookie `crier_session`; the
 * database keeps only its BLAKE2b hash, the user, the CSRF token (random,
 * per session, sent back by /api/me) and the expiry.  API tokens ("crt_" +
 * 43 characters) are stored hashed the same way and act as their user. */
#ifndef CRIER_CONSOLE_SESSION_H
#define CRIER_CONSOLE_SESSION_H

#include "console.h"
#include "db.h"

#define CN_COOKIE "crier_session"
#define CN_SECRET_MAX 64

/* A new session for user: secret (cookie value) and csrf token out. */
crier_err cn_session_create(cn_db *db, const char *user, const char *addr, int hours, char secret[CN_SECRET_MAX],
                            char csrf[CN_SECRET_MAX]);
/* The session's user name and csrf token; CRIER_ERR_NOTFOUND when unknown or
 * expired. */
crier_err cn_session_find(cn_db *db, const char *secret, char user[CN_NAME_MAX + 1], char csrf[CN_SECRET_MAX]);
void cn_session_delete(cn_db *db, const char *secret);
/* Removes expired sessions; returns how many. */
int cn_session_sweep(cn_db *db);

/* A new API token named `name` acting as `user`; its public id (what lists
 * show and revoking names: neither the secret nor its hash) into ref unless
 * NULL. */
#define CN_TOKEN_REF_MAX 24
#define CN_TOKEN_NAME_MAX 100
crier_err cn_token_create(cn_db *db, const char *name, const char *user, char token[CN_SECRET_MAX],
                          char ref[CN_TOKEN_REF_MAX]);
crier_err cn_token_find(cn_db *db, const char *token, char user[CN_NAME_MAX + 1]);
/* {"tokens":[{"id","name","user","created"}]}, oldest first: never a secret
 * or its hash.  NULL on failure. */
cJSON *cn_tokens_json(cn_db *db);
/* Revokes the token whose public id is ref; its name and user out (for the
 * audit log).  CRIER_ERR_NOTFOUND when there is none. */
crier_err cn_token_revoke(cn_db *db, const char *ref, char name[CN_TOKEN_NAME_MAX + 1], char user[CN_NAME_MAX + 1]);

/* The CSRF rule: the header value equals the session's token (constant time). */
int cn_csrf_ok(const char *expected, const char *given);
/* The Origin rule: no Origin header passes; otherwise it must equal
 * "http(s)://" + host exactly (or `configured` when that is set). */
int cn_origin_ok(const char *origin, const char *host, int tls, const char *configured);
/* The cookie value of name in a Cookie header (copied into out), 0 if absent. */
int cn_cookie_get(const char *header, const char *name, char *out, size_t len);

/* Login rate limit: at most CN_RATE_USER_FAILS failed logins per user and
 * CN_RATE_ADDR_TRIES attempts per address in CN_RATE_WINDOW_S seconds. */
#define CN_RATE_USER_FAILS 5
#define CN_RATE_ADDR_TRIES 30
#define CN_RATE_WINDOW_S 300
typedef struct cn_rate cn_rate;
cn_rate *cn_rate_new(void);
void cn_rate_free(cn_rate *r);
/* 1 when a login for (user, addr) may be tried now (counts the attempt
 * against the address). */
int cn_rate_allow(cn_rate *r, const char *user, const char *addr, int64_t now_ms);
/* Records a failed login for user. */
void cn_rate_fail(cn_rate *r, const char *user, int64_t now_ms);
/* Forgets the user's failures (after a successful login). */
void cn_rate_clear(cn_rate *r, const char *user);

#endif
