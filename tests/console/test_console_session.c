/* Sessions, API tokens, CSRF and Origin rules, cookies, the login rate limit,
 * and the append-only audit log. */
#include "check.h"

#include "audit.h"
#include "base/timeutil.h"
#include "session.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static cn_db *open_db(void)
{
    cn_db *db = NULL;
    char err[200];
    CHECK(cn_db_open(":memory:", &db, err, sizeof err) == CRIER_OK);
    return db;
}

TEST(sessions)
{
    cn_db *db = open_db();
    char secret[CN_SECRET_MAX], csrf[CN_SECRET_MAX], user[CN_NAME_MAX + 1], csrf2[CN_SECRET_MAX];
    CHECK(cn_session_create(db, "ann", "127.0.0.1", 1, secret, csrf) == CRIER_OK);
    CHECK_INT_EQ(strlen(secret), CN_TOKEN_LEN);
    CHECK_INT_EQ(strlen(csrf), CN_TOKEN_LEN);
    CHECK(strcmp(secret, csrf) != 0);
    CHECK(cn_session_find(db, secret, user, csrf2) == CRIER_OK);
    CHECK_STR_EQ(user, "ann");
    CHECK_STR_EQ(csrf2, csrf);
    /* only the hash is stored: the secret itself is nowhere in the table */
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(s, "SELECT count(*) FROM sessions WHERE id=?", -1, &st, NULL);
    sqlite3_bind_text(st, 1, secret, -1, SQLITE_STATIC);
    sqlite3_step(st);
    CHECK_INT_EQ(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    cn_db_unlock(db);
    CHECK(cn_session_find(db, "forged", user, csrf2) == CRIER_ERR_NOTFOUND);
    CHECK(cn_session_find(db, "", user, csrf2) == CRIER_ERR_NOTFOUND);
    char two[CN_SECRET_MAX], csrf_two[CN_SECRET_MAX];
    cn_session_create(db, "bob", NULL, 1, two, csrf_two);
    CHECK(strcmp(two, secret) != 0 && strcmp(csrf_two, csrf) != 0);
    cn_session_delete(db, secret);
    CHECK(cn_session_find(db, secret, user, csrf2) == CRIER_ERR_NOTFOUND);
    CHECK(cn_session_find(db, two, user, csrf2) == CRIER_OK);
    /* expiry: twelve hours later the session is gone */
    crier_wall_offset_set(2 * 3600 * 1000LL);
    CHECK(cn_session_find(db, two, user, csrf2) == CRIER_ERR_NOTFOUND);
    CHECK_INT_EQ(cn_session_sweep(db), 1);
    crier_wall_offset_set(0);
    cn_db_close(db);
}

TEST(tokens)
{
    cn_db *db = open_db();
    char tok[CN_SECRET_MAX], user[CN_NAME_MAX + 1];
    CHECK(cn_token_create(db, "city portal", "ann", tok, NULL) == CRIER_OK);
    CHECK(strncmp(tok, "crt_", 4) == 0);
    CHECK(cn_token_find(db, tok, user) == CRIER_OK);
    CHECK_STR_EQ(user, "ann");
    tok[10] ^= 1;
    CHECK(cn_token_find(db, tok, user) == CRIER_ERR_NOTFOUND);
    CHECK(cn_token_find(db, "nope", user) == CRIER_ERR_NOTFOUND);
    cn_db_close(db);
}

TEST(token_list_and_revoke)
{
    cn_db *db = open_db();
    char tok1[CN_SECRET_MAX], tok2[CN_SECRET_MAX], ref1[CN_TOKEN_REF_MAX], ref2[CN_TOKEN_REF_MAX];
    char user[CN_NAME_MAX + 1], name[CN_TOKEN_NAME_MAX + 1], hash[65];
    CHECK(cn_token_create(db, "portal", "ann", tok1, ref1) == CRIER_OK);
    CHECK(cn_token_create(db, "portal", "bob", tok2, ref2) == CRIER_OK); /* names may repeat */
    CHECK(strcmp(ref1, ref2) != 0);
    cJSON *list = cn_tokens_json(db);
    char *text = cn_json_print(list);
    cn_secret_hash(tok1, hash);
    CHECK(text && strstr(text, ref1) && strstr(text, "\"user\":\"bob\""));
    CHECK(text && !strstr(text, tok1) && !strstr(text, hash) && !strstr(text, tok1 + 4));
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(list, "tokens")), 2);
    free(text);
    cJSON_Delete(list);
    CHECK(cn_token_revoke(db, ref1, name, user) == CRIER_OK);
    CHECK_STR_EQ(name, "portal");
    CHECK_STR_EQ(user, "ann");
    CHECK(cn_token_find(db, tok1, user) == CRIER_ERR_NOTFOUND);
    CHECK(cn_token_find(db, tok2, user) == CRIER_OK);
    CHECK(cn_token_revoke(db, ref1, name, user) == CRIER_ERR_NOTFOUND);
    cn_db_close(db);
}

/* A database made before tokens had a public id gets one on open. */
TEST(token_ref_migration)
{
    char path[] = "/tmp/crier-console-migrate-XXXXXX", err[200], user[CN_NAME_MAX + 1];
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    sqlite3 *s = NULL;
    CHECK(sqlite3_open(path, &s) == SQLITE_OK);
    CHECK(sqlite3_exec(s, "CREATE TABLE tokens(id TEXT PRIMARY KEY, name TEXT NOT NULL, user TEXT NOT NULL,"
                          " created INTEGER NOT NULL); INSERT INTO tokens VALUES('h1','old','ann',1000),"
                          "('h2','old','bob',2000)", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(s);
    cn_db *db = NULL;
    CHECK(cn_db_open(path, &db, err, sizeof err) == CRIER_OK);
    cJSON *list = cn_tokens_json(db);
    const cJSON *arr = cJSON_GetObjectItem(list, "tokens");
    CHECK_INT_EQ(cJSON_GetArraySize(arr), 2);
    const char *r1 = cn_jstr(cJSON_GetArrayItem(arr, 0), "id"), *r2 = cn_jstr(cJSON_GetArrayItem(arr, 1), "id");
    CHECK(r1 && r2 && strlen(r1) == 16 && strcmp(r1, r2) != 0);
    CHECK_STR_EQ(cn_jstr(cJSON_GetArrayItem(arr, 0), "created"), "1970-01-01T00:00:01Z");
    char name[CN_TOKEN_NAME_MAX + 1];
    CHECK(r2 && cn_token_revoke(db, r2, name, user) == CRIER_OK);
    CHECK_STR_EQ(user, "bob");
    cJSON_Delete(list);
    cn_db_close(db);
    CHECK(cn_db_open(path, &db, err, sizeof err) == CRIER_OK); /* opening again changes nothing */
    list = cn_tokens_json(db);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(list, "tokens")), 1);
    cJSON_Delete(list);
    cn_db_close(db);
    unlink(path);
}

TEST(csrf)
{
    CHECK(cn_csrf_ok("abcDEF123", "abcDEF123"));
    CHECK(!cn_csrf_ok("abcDEF123", "abcDEF124"));
    CHECK(!cn_csrf_ok("abcDEF123", "abcDEF12"));
    CHECK(!cn_csrf_ok("abcDEF123", NULL));
    CHECK(!cn_csrf_ok("", ""));   /* no session token: nothing matches */
    CHECK(!cn_csrf_ok(NULL, "x"));
}

TEST(origin)
{
    CHECK(cn_origin_ok(NULL, "127.0.0.1:8080", 0, NULL)); /* no Origin header (curl, same-origin GET) */
    CHECK(cn_origin_ok("http://127.0.0.1:8080", "127.0.0.1:8080", 0, NULL));
    CHECK(!cn_origin_ok("https://127.0.0.1:8080", "127.0.0.1:8080", 0, NULL));
    CHECK(cn_origin_ok("https://console.city", "console.city", 1, NULL));
    CHECK(!cn_origin_ok("http://evil.example", "127.0.0.1:8080", 0, NULL));
    CHECK(!cn_origin_ok("http://127.0.0.1:8080.evil", "127.0.0.1:8080", 0, NULL));
    CHECK(!cn_origin_ok("null", "127.0.0.1:8080", 0, NULL));
    CHECK(!cn_origin_ok("http://x", NULL, 0, NULL));
    CHECK(cn_origin_ok("https://console.city", "10.0.0.5:8080", 0, "https://console.city"));
    CHECK(!cn_origin_ok("http://10.0.0.5:8080", "10.0.0.5:8080", 0, "https://console.city"));
}

TEST(cookies)
{
    char v[64];
    CHECK(cn_cookie_get("a=1; crier_session=XYZ; b=2", "crier_session", v, sizeof v));
    CHECK_STR_EQ(v, "XYZ");
    CHECK(cn_cookie_get("crier_session=Q", "crier_session", v, sizeof v));
    CHECK_STR_EQ(v, "Q");
    CHECK(!cn_cookie_get("xcrier_session=Q", "crier_session", v, sizeof v));
    CHECK(!cn_cookie_get("crier_sessionx=Q", "crier_session", v, sizeof v));
    CHECK(!cn_cookie_get("", "crier_session", v, sizeof v));
    char tiny[4];
    CHECK(!cn_cookie_get("crier_session=TOOLONG", "crier_session", tiny, sizeof tiny));
}

TEST(rate_limit)
{
    cn_rate *r = cn_rate_new();
    int64_t t = 1000000;
    for (int i = 0; i < CN_RATE_USER_FAILS; i++) {
        CHECK(cn_rate_allow(r, "ann", "10.0.0.1", t));
        cn_rate_fail(r, "ann", t);
    }
    CHECK(!cn_rate_allow(r, "ann", "10.0.0.2", t)); /* per user, from any address */
    CHECK(cn_rate_allow(r, "bob", "10.0.0.2", t));
    CHECK(cn_rate_allow(r, "ann", "10.0.0.2", t + CN_RATE_WINDOW_S * 1000LL)); /* the window passed */
    /* per address: many users from one address */
    int allowed = 0;
    for (int i = 0; i < 100; i++) {
        char u[16];
        snprintf(u, sizeof u, "u%d", i);
        allowed += cn_rate_allow(r, u, "10.9.9.9", t);
    }
    CHECK_INT_EQ(allowed, CN_RATE_ADDR_TRIES);
    cn_rate_free(r);
}

TEST(audit_append_only)
{
    cn_db *db = open_db();
    cn_audit(db, NULL, "ann", "login", "127.0.0.1", "ok", NULL);
    cn_audit(db, NULL, "eve\x01\xff", "post.create", "=cmd|' /C calc'!A0", "refused", "<script>alert(1)</script>");
    sqlite3 *s = cn_db_lock(db);
    CHECK(sqlite3_exec(s, "UPDATE audit SET result='ok'", NULL, NULL, NULL) != SQLITE_OK);
    CHECK(sqlite3_exec(s, "DELETE FROM audit", NULL, NULL, NULL) != SQLITE_OK);
    cn_db_unlock(db);
    size_t len;
    const char *ct;
    char *csv = cn_audit_export(db, CN_AUDIT_CSV, 0, &len, &ct);
    CHECK(csv && strstr(csv, "\"eve??\""));                   /* control and invalid bytes replaced */
    CHECK(csv && strstr(csv, "\"'=cmd|' /C calc'!A0\""));     /* no formula for a spreadsheet */
    CHECK(csv && strstr(csv, "<script>alert(1)</script>"));  /* text stays text */
    CHECK_STR_EQ(ct, "text/csv; charset=utf-8");
    free(csv);
    char *jl = cn_audit_export(db, CN_AUDIT_JSONL, 0, &len, &ct);
    int lines = 0;
    for (char *p = jl; p && *p; p++)
        lines += *p == '\n';
    CHECK_INT_EQ(lines, 2);
    free(jl);
    char *js = cn_audit_export(db, CN_AUDIT_JSON, 1, &len, &ct);
    cJSON *o = cJSON_Parse(js);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "audit")), 1);
    cJSON_Delete(o);
    free(js);
    cn_db_close(db);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(sessions);
    RUN(tokens);
    RUN(token_list_and_revoke);
    RUN(token_ref_migration);
    RUN(csrf);
    RUN(origin);
    RUN(cookies);
    RUN(rate_limit);
    RUN(audit_append_only);
    return check_summary();
}
