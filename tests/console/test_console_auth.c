/* Passwords (Argon2id, rehash on login when the cost changes), users, roles, sites. */
#include "check.h"

#include "auth.h"
#include "db.h"
#include "session.h"

#include <sodium.h>
#include <string.h>

static const cn_pwcost cheap = {1, 8192}, other = {2, 16384};

static cn_db *open_db(void)
{
    cn_db *db = NULL;
    char err[200];
    CHECK(cn_db_open(":memory:", &db, err, sizeof err) == CRIER_OK);
    return db;
}

static const char *stored_hash(cn_db *db, const char *name, char *out)
{
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(s, "SELECT hash FROM users WHERE name=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            strcpy(out, (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return out;
}

TEST(hash_and_check)
{
    char h[CN_HASH_MAX];
    CHECK(cn_password_hash("correct horse", &cheap, h) == CRIER_OK);
    CHECK(strncmp(h, "$argon2id$", 10) == 0);
    CHECK(cn_password_check(h, "correct horse"));
    CHECK(!cn_password_check(h, "correct hors"));
    CHECK(!cn_password_check(h, ""));
    CHECK(!cn_password_needs_rehash(h, &cheap));
    CHECK(cn_password_needs_rehash(h, &other));
    char h2[CN_HASH_MAX];
    cn_password_hash("correct horse", &cheap, h2);
    CHECK(strcmp(h, h2) != 0); /* salted */
}

TEST(user_put_rules)
{
    cn_db *db = open_db();
    char err[200];
    CHECK(cn_user_put(db, &cheap, "ann", "long enough", CN_ROLE_EDITOR, "north,south", err, sizeof err) == CRIER_OK);
    CHECK(cn_user_put(db, &cheap, "bad name", "long enough", CN_ROLE_EDITOR, "*", err, sizeof err) == CRIER_ERR_INVAL);
    CHECK(cn_user_put(db, &cheap, "x'; DROP TABLE users;--", "long enough", CN_ROLE_EDITOR, "*", err, sizeof err) ==
          CRIER_ERR_INVAL);
    CHECK(cn_user_put(db, &cheap, "bob", "short", CN_ROLE_EDITOR, "*", err, sizeof err) == CRIER_ERR_INVAL);
    CHECK(cn_user_put(db, &cheap, "bob", "long enough", CN_ROLE_NONE, "*", err, sizeof err) == CRIER_ERR_INVAL);
    CHECK(cn_user_put(db, &cheap, "bob", "long enough", CN_ROLE_VIEWER, "", err, sizeof err) == CRIER_ERR_INVAL);
    cn_user u;
    CHECK(cn_user_get(db, "ann", &u) == CRIER_OK);
    CHECK_STR_EQ(u.name, "ann");
    CHECK_INT_EQ(u.role, CN_ROLE_EDITOR);
    CHECK_STR_EQ(u.sites, "north,south");
    CHECK(cn_user_get(db, "bob", &u) == CRIER_ERR_NOTFOUND);
    CHECK_INT_EQ(cn_user_count(db), 1);
    cn_db_close(db);
}

TEST(login_and_rehash)
{
    cn_db *db = open_db();
    char err[200], before[CN_HASH_MAX], after[CN_HASH_MAX];
    cn_user u;
    int rehashed = -1;
    cn_user_put(db, &cheap, "ann", "long enough", CN_ROLE_PUBLISHER, "*", err, sizeof err);
    CHECK(cn_user_login(db, &cheap, "ann", "long enough", &u, &rehashed) == CRIER_OK);
    CHECK_INT_EQ(rehashed, 0);
    CHECK_INT_EQ(u.role, CN_ROLE_PUBLISHER);
    CHECK(cn_user_login(db, &cheap, "ann", "wrong", &u, &rehashed) == CRIER_ERR_AUTH);
    CHECK(u.name[0] == '\0');
    CHECK(cn_user_login(db, &cheap, "nobody", "long enough", &u, &rehashed) == CRIER_ERR_AUTH);
    /* the cost changed: the next login rehashes with the new one, once */
    stored_hash(db, "ann", before);
    CHECK(cn_user_login(db, &other, "ann", "long enough", &u, &rehashed) == CRIER_OK);
    CHECK_INT_EQ(rehashed, 1);
    stored_hash(db, "ann", after);
    CHECK(strcmp(before, after) != 0);
    CHECK(!cn_password_needs_rehash(after, &other));
    CHECK(cn_user_login(db, &other, "ann", "long enough", &u, &rehashed) == CRIER_OK);
    CHECK_INT_EQ(rehashed, 0);
    /* a wrong password never rehashes */
    CHECK(cn_user_login(db, &cheap, "ann", "wrong password", &u, &rehashed) == CRIER_ERR_AUTH);
    CHECK_INT_EQ(rehashed, 0);
    cn_db_close(db);
}

TEST(roles_and_sites)
{
    CHECK_INT_EQ(cn_role_parse("viewer"), CN_ROLE_VIEWER);
    CHECK_INT_EQ(cn_role_parse("admin"), CN_ROLE_ADMIN);
    CHECK_INT_EQ(cn_role_parse("Admin"), CN_ROLE_NONE);
    CHECK_INT_EQ(cn_role_parse(NULL), CN_ROLE_NONE);
    CHECK(CN_ROLE_VIEWER < CN_ROLE_EDITOR && CN_ROLE_EDITOR < CN_ROLE_PUBLISHER && CN_ROLE_PUBLISHER < CN_ROLE_ADMIN);
    CHECK_STR_EQ(cn_role_name(CN_ROLE_PUBLISHER), "publisher");
    cn_user u = {.role = CN_ROLE_EDITOR};
    strcpy(u.sites, "north,south-2");
    CHECK(cn_user_has_site(&u, "north"));
    CHECK(cn_user_has_site(&u, "south-2"));
    CHECK(!cn_user_has_site(&u, "south"));
    CHECK(!cn_user_has_site(&u, "nort"));
    CHECK(!cn_user_has_site(&u, ""));
    CHECK(!cn_user_all_sites(&u));
    strcpy(u.sites, "*");
    CHECK(cn_user_has_site(&u, "anything"));
    char out[CN_SITES_MAX + 1], err[200];
    cJSON *a = cJSON_Parse("[\"a\",\"b.c\"]");
    CHECK(cn_sites_parse(a, out, sizeof out, err, sizeof err) == CRIER_OK);
    CHECK_STR_EQ(out, "a,b.c");
    cJSON_Delete(a);
    a = cJSON_Parse("[\"a,b\"]");
    CHECK(cn_sites_parse(a, out, sizeof out, err, sizeof err) == CRIER_ERR_INVAL);
    cJSON_Delete(a);
    a = cJSON_Parse("[]");
    CHECK(cn_sites_parse(a, out, sizeof out, err, sizeof err) == CRIER_ERR_INVAL);
    cJSON_Delete(a);
}

TEST(user_delete)
{
    cn_db *db = open_db();
    char err[200], secret[CN_SECRET_MAX], csrf[CN_SECRET_MAX], tok[CN_SECRET_MAX], who[CN_NAME_MAX + 1];
    int sessions, tokens;
    CHECK(cn_user_put(db, &cheap, "ann", "password-ann", CN_ROLE_ADMIN, "*", err, sizeof err) == CRIER_OK);
    CHECK(cn_user_put(db, &cheap, "bob", "password-bob", CN_ROLE_EDITOR, "north", err, sizeof err) == CRIER_OK);
    CHECK(cn_session_create(db, "bob", "127.0.0.1", 1, secret, csrf) == CRIER_OK);
    CHECK(cn_token_create(db, "bob's script", "bob", tok, NULL) == CRIER_OK);
    CHECK(cn_token_create(db, "ann's", "ann", tok, NULL) == CRIER_OK);
    CHECK(cn_user_delete(db, "bob", &sessions, &tokens) == CRIER_OK);
    CHECK_INT_EQ(sessions, 1);
    CHECK_INT_EQ(tokens, 1);
    cn_user u;
    CHECK(cn_user_get(db, "bob", &u) == CRIER_ERR_NOTFOUND);
    CHECK(cn_session_find(db, secret, who, csrf) == CRIER_ERR_NOTFOUND);
    CHECK(cn_token_find(db, tok, who) == CRIER_OK); /* ann's stays */
    CHECK(cn_user_delete(db, "bob", &sessions, &tokens) == CRIER_ERR_NOTFOUND);
    CHECK(cn_user_delete(db, "../x", &sessions, &tokens) == CRIER_ERR_NOTFOUND);
    /* the last admin stays, with her token */
    CHECK(cn_user_delete(db, "ann", &sessions, &tokens) == CRIER_ERR_LIMIT);
    CHECK(cn_user_get(db, "ann", &u) == CRIER_OK);
    CHECK(cn_token_find(db, tok, who) == CRIER_OK);
    /* with a second admin she may go */
    CHECK(cn_user_put(db, &cheap, "cy", "password-cy", CN_ROLE_ADMIN, "*", err, sizeof err) == CRIER_OK);
    CHECK(cn_user_delete(db, "ann", &sessions, &tokens) == CRIER_OK);
    CHECK_INT_EQ(tokens, 1);
    CHECK(cn_token_find(db, tok, who) == CRIER_ERR_NOTFOUND);
    CHECK(cn_user_delete(db, "cy", &sessions, &tokens) == CRIER_ERR_LIMIT);
    CHECK_INT_EQ(cn_user_count(db), 1);
    cn_db_close(db);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(hash_and_check);
    RUN(user_put_rules);
    RUN(login_and_rehash);
    RUN(roles_and_sites);
    RUN(user_delete);
    return check_summary();
}
