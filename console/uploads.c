/* uploads.c - image uploads (uploads.h). */
#include "uploads.h"

#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *cn_upload_sniff(const void *body, size_t len)
{
    const unsigned char *b = body;
    if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return "image/jpeg";
    if (len >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
        return "image/webp";
    if (len >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0))
        return "image/gif";
    return NULL;
}

crier_err cn_upload_put(cn_db *db, const char *declared_type, const void *body, size_t len, const char *user,
                        char id[CN_NAME_MAX + 1], char *err, size_t err_len)
{
    char type[64] = "";
    if (declared_type) { /* "image/png; charset=..." -> "image/png" */
        size_t l = strcspn(declared_type, "; ");
        if (l < sizeof type) {
            memcpy(type, declared_type, l);
            type[l] = '\0';
        }
    }
    static const char *const allowed[] = {"image/png", "image/jpeg", "image/webp", "image/gif"};
    int ok = 0;
    for (size_t i = 0; i < 4; i++)
        ok |= strcasecmp(type, allowed[i]) == 0;
    if (!ok) {
        crier_errf(err, err_len, "Content-Type must be image/png, image/jpeg, image/webp or image/gif");
        return CRIER_ERR_INVAL;
    }
    const char *real = cn_upload_sniff(body, len);
    if (!real || strcasecmp(real, type) != 0) {
        crier_errf(err, err_len, "the body is not a %s image", type);
        return CRIER_ERR_INVAL;
    }
    char rnd[32];
    cn_random_b64(rnd, sizeof rnd, 16);
    snprintf(id, CN_NAME_MAX + 1, "u%s", rnd);
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    int done = sqlite3_prepare_v2(s, "INSERT INTO uploads(id, type, size, user, created, data) VALUES(?,?,?,?,?,?)", -1,
                                  &st, NULL) == SQLITE_OK;
    if (done) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, real, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)len);
        sqlite3_bind_text(st, 4, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, crier_wall_ms());
        sqlite3_bind_blob(st, 6, body, (int)len, SQLITE_STATIC);
        done = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    if (!done) {
        crier_errf(err, err_len, "cannot store the upload");
        return CRIER_ERR_IO;
    }
    return CRIER_OK;
}

crier_err cn_upload_get(cn_db *db, const char *id, char **bytes, size_t *len, char type[64])
{
    *bytes = NULL;
    *len = 0;
    if (!cn_name_ok(id))
        return CRIER_ERR_NOTFOUND;
    crier_err e = CRIER_ERR_NOTFOUND;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT type, data FROM uploads WHERE id=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            int n = sqlite3_column_bytes(st, 1);
            const void *b = sqlite3_column_blob(st, 1);
            snprintf(type, 64, "%s", (const char *)sqlite3_column_text(st, 0));
            if (b && n > 0 && (*bytes = malloc((size_t)n))) {
                memcpy(*bytes, b, (size_t)n);
                *len = (size_t)n;
                e = CRIER_OK;
            }
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return e;
}
