/* desk_text.c - template placeholders (desk_text.h): pure functions. */
#include "desk_text.h"

#include "alerts/alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds every {name} of s to the array names (once each). */
static void scan_placeholders(const char *s, cJSON *names)
{
    for (const char *p = strchr(s, '{'); p; p = strchr(p + 1, '{')) {
        const char *q = p + 1;
        while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_')
            q++;
        if (*q != '}' || q == p + 1 || q - p > 33)
            continue;
        char name[40];
        snprintf(name, sizeof name, "%.*s", (int)(q - p - 1), p + 1);
        int dup = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, names) dup |= strcmp(e->valuestring, name) == 0;
        if (!dup)
            cJSON_AddItemToArray(names, cJSON_CreateString(name));
    }
}

cJSON *cn_desk_placeholders(const cJSON *info)
{
    cJSON *names = cJSON_CreateArray();
    const cJSON *b, *f;
    cJSON_ArrayForEach(b, info) cJSON_ArrayForEach(f, b) if (cJSON_IsString(f)) scan_placeholders(f->valuestring, names);
    return names;
}

/* Copy of s with every {name} replaced by values[name]; NULL and err when a
 * placeholder has no value. */
static char *fill_text(const char *s, const cJSON *values, char *err, size_t err_len)
{
    size_t cap = strlen(s) + 1, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    for (const char *p = s; *p;) {
        const char *q = p + 1;
        if (*p == '{') {
            while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_')
                q++;
        }
        if (*p == '{' && *q == '}' && q > p + 1 && q - p <= 33) {
            char name[40];
            snprintf(name, sizeof name, "%.*s", (int)(q - p - 1), p + 1);
            const char *v = cn_jstr(values, name);
            if (!v || !v[0]) {
                crier_errf(err, err_len, "fill in {%s}", name);
                free(out);
                return NULL;
            }
            size_t vl = strlen(v);
            if (n + vl + strlen(q + 1) + 1 > cap) {
                cap = n + vl + strlen(q + 1) + 1;
                char *no = realloc(out, cap);
                if (!no) {
                    free(out);
                    return NULL;
                }
                out = no;
            }
            memcpy(out + n, v, vl);
            n += vl;
            p = q + 1;
        } else {
            if (n + 2 > cap) {
                char *no = realloc(out, cap *= 2);
                if (!no) {
                    free(out);
                    return NULL;
                }
                out = no;
            }
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return out;
}

/* The template's info with values filled in (a new array) or NULL + err. */
cJSON *cn_desk_fill(const cJSON *info, const cJSON *values, char *err, size_t err_len)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, values)
    {
        if (!cJSON_IsString(v) || strlen(v->valuestring) > CN_DESK_VALUE_MAX ||
            !crier_alert_text_ok(v->valuestring, CN_DESK_VALUE_MAX, 0) || strpbrk(v->valuestring, "{}")) {
            crier_errf(err, err_len, "value of {%.40s}: text of at most %d bytes, no braces or control characters",
                       v->string ? v->string : "?", CN_DESK_VALUE_MAX);
            return NULL;
        }
    }
    cJSON *out = cJSON_Duplicate(info, 1);
    cJSON *b, *f;
    cJSON_ArrayForEach(b, out) cJSON_ArrayForEach(f, b)
    {
        if (!cJSON_IsString(f))
            continue;
        char *t = fill_text(f->valuestring, values, err, err_len);
        if (!t) {
            cJSON_Delete(out);
            return NULL;
        }
        cJSON_SetValuestring(f, t);
        free(t);
    }
    return out;
}
