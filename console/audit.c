/* audit.c - the append-only audit log and its exports (audit.h). */
#include "audit.h"
#include "base/buf.h"

#include "base/timeutil.h"
#include "base/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DETAIL_MAX 1000

char *cn_text_clean(const char *s, size_t max)
{
    if (!s)
        s = "";
    size_t len = strlen(s), pos = 0, n = 0;
    char *out = malloc((len < max ? len : max) + 1);
    if (!out)
        return NULL;
    while (pos < len) {
        size_t start = pos;
        uint32_t cp = crier_utf8_next(s, len, &pos);
        size_t l = pos - start;
        int bad = cp == CRIER_UTF8_INVALID || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
        if (bad)
            l = 1;
        if (n + l > max)
            break;
        if (bad)
            out[n++] = '?';
        else {
            memcpy(out + n, s + start, l);
            n += l;
        }
    }
    out[n] = '\0';
    return out;
}

static cJSON *line_json(int64_t t, const char *user, const char *action, const char *object, const char *result,
                        const char *detail)
{
    char when[32];
    cn_time_str(t, when, sizeof when);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "time", when);
    cJSON_AddStringToObject(o, "user", user);
    cJSON_AddStringToObject(o, "action", action);
    cJSON_AddStringToObject(o, "object", object);
    cJSON_AddStringToObject(o, "result", result);
    cJSON_AddStringToObject(o, "detail", detail);
    return o;
}

void cn_audit(cn_db *db, cn_sse *sse, const char *user, const char *action, const char *object,
              const char *result, const char *detail)
{
    char *f[5] = {cn_text_clean(user && user[0] ? user : "-", 128), cn_text_clean(action, 64),
                  cn_text_clean(object, 256), cn_text_clean(result, 32), cn_text_clean(detail, DETAIL_MAX)};
    int64_t now = crier_wall_ms();
    if (f[0] && f[1] && f[2] && f[3] && f[4]) {
        sqlite3 *s = cn_db_lock(db);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s, "INSERT INTO audit(time, user, action, object, result, detail) VALUES(?,?,?,?,?,?)",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, now);
            for (int i = 0; i < 5; i++)
                sqlite3_bind_text(st, i + 2, f[i], -1, SQLITE_TRANSIENT);
            sqlite3_step(st);
        }
        sqlite3_finalize(st);
        cn_db_unlock(db);
        if (sse) {
            cJSON *o = line_json(now, f[0], f[1], f[2], f[3], f[4]);
            char *txt = cn_json_print(o);
            cn_sse_publish(sse, "audit", txt, NULL, CN_ROLE_PUBLISHER);
            free(txt);
            cJSON_Delete(o);
        }
    }
    for (int i = 0; i < 5; i++)
        free(f[i]);
}

typedef struct buf {
    crier_buf b;
    int oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (!b->oom && crier_buf_append(&b->b, s, n) != CRIER_OK)
        b->oom = 1;
}

static void put_csv(buf *b, const char *s, int last)
{
    put(b, "\"", 1);
    if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')
        put(b, "'", 1); /* a spreadsheet must not run it as a formula */
    for (const char *p = s; *p; p++)
        put(b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1); /* a quote is doubled */
    put(b, last ? "\"\r\n" : "\",", last ? 3 : 2);
}

char *cn_audit_export(cn_db *db, cn_audit_format format, int limit, size_t *len, const char **ctype)
{
    buf b = {.b = {.initial = 4096}};
    *ctype = format == CN_AUDIT_CSV     ? "text/csv; charset=utf-8"
             : format == CN_AUDIT_JSONL ? "application/x-ndjson; charset=utf-8"
                                        : "application/json; charset=utf-8";
    if (format == CN_AUDIT_CSV)
        put(&b, "time,user,action,object,result,detail\r\n", 39);
    else if (format == CN_AUDIT_JSON)
        put(&b, "{\"audit\":[", 10);
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    int first = 1;
    if (sqlite3_prepare_v2(s,
                           "SELECT time, user, action, object, result, detail FROM"
                           " (SELECT * FROM audit ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *v[5];
            for (int i = 0; i < 5; i++)
                v[i] = (const char *)sqlite3_column_text(st, i + 1);
            int64_t t = sqlite3_column_int64(st, 0);
            if (format == CN_AUDIT_CSV) {
                char when[32];
                cn_time_str(t, when, sizeof when);
                put_csv(&b, when, 0);
                for (int i = 0; i < 5; i++)
                    put_csv(&b, v[i] ? v[i] : "", i == 4);
            } else {
                cJSON *o = line_json(t, v[0], v[1], v[2], v[3], v[4]);
                char *txt = cn_json_print(o);
                cJSON_Delete(o);
                if (!txt) {
                    b.oom = 1;
                    break;
                }
                if (format == CN_AUDIT_JSON && !first)
                    put(&b, ",", 1);
                put(&b, txt, strlen(txt));
                if (format == CN_AUDIT_JSONL)
                    put(&b, "\n", 1);
                free(txt);
            }
            first = 0;
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    if (format == CN_AUDIT_JSON)
        put(&b, "]}", 2);
    if (b.oom) {
        crier_buf_free(&b.b);
        return NULL;
    }
    if (!b.b.data)
        put(&b, "", 0);
    if (b.oom)
        return NULL;
    *len = b.b.len;
    return crier_buf_take(&b.b);
}
