/* util.c - roles, site lists, times, random tokens and JSON helpers shared by
 * every part of crier-console (console.h). */
#include "console.h"

#include "base/timeutil.h"
#include "remote/protocol.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const role_names[] = {"none", "viewer", "editor", "publisher", "admin"};

cn_role cn_role_parse(const char *s)
{
    for (int r = CN_ROLE_VIEWER; s && r <= CN_ROLE_ADMIN; r++)
        if (strcmp(s, role_names[r]) == 0)
            return (cn_role)r;
    return CN_ROLE_NONE;
}

const char *cn_role_name(cn_role r)
{
    return r >= CN_ROLE_NONE && r <= CN_ROLE_ADMIN ? role_names[r] : "none";
}

int cn_user_all_sites(const cn_user *u)
{
    return strcmp(u->sites, "*") == 0;
}

int cn_user_has_site(const cn_user *u, const char *site)
{
    if (cn_user_all_sites(u))
        return 1;
    if (!site || !site[0])
        return 0;
    size_t n = strlen(site);
    for (const char *p = u->sites; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && strncmp(p, site, n) == 0)
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

cJSON *cn_sites_json(const char *sites)
{
    cJSON *a = cJSON_CreateArray();
    char buf[CN_SITES_MAX + 1];
    snprintf(buf, sizeof buf, "%s", sites ? sites : "");
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); a && t; t = strtok_r(NULL, ",", &save))
        cJSON_AddItemToArray(a, cJSON_CreateString(t));
    return a;
}

crier_err cn_sites_parse(const cJSON *arr, char *out, size_t len, char *err, size_t err_len)
{
    size_t used = 0;
    out[0] = '\0';
    if (cJSON_IsString(arr) && strcmp(arr->valuestring, "*") == 0) {
        snprintf(out, len, "*");
        return CRIER_OK;
    }
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1) {
        crier_errf(err, err_len, "'sites' must be a non-empty array of site names (or [\"*\"])");
        return CRIER_ERR_INVAL;
    }
    for (const cJSON *s = arr->child; s; s = s->next) {
        if (!cJSON_IsString(s) || (strcmp(s->valuestring, "*") != 0 && !cn_name_ok(s->valuestring))) {
            crier_errf(err, err_len, "'sites': a site name is 1..64 letters, digits, '_', '.', '-'");
            return CRIER_ERR_INVAL;
        }
        if (strcmp(s->valuestring, "*") == 0) {
            snprintf(out, len, "*");
            return CRIER_OK;
        }
        size_t l = strlen(s->valuestring);
        if (used + l + 2 > len) {
            crier_errf(err, err_len, "'sites': too many sites");
            return CRIER_ERR_LIMIT;
        }
        if (used)
            out[used++] = ',';
        memcpy(out + used, s->valuestring, l + 1);
        used += l;
    }
    return CRIER_OK;
}

void cn_time_str(int64_t ms, char *buf, size_t len)
{
    if (ms <= 0) {
        snprintf(buf, len, "%s", "");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cn_time_parse(const char *s, int64_t *ms)
{
    if (!s || !s[0])
        return -1;
    return crier_parse_iso8601(s, ms);
}

void cn_random_b64(char *out, size_t out_len, size_t nbytes)
{
    unsigned char r[64];
    if (nbytes > sizeof r)
        nbytes = sizeof r;
    randombytes_buf(r, nbytes);
    sodium_bin2base64(out, out_len, r, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(r, sizeof r);
}

void cn_secret_hash(const char *s, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)s, strlen(s), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

int cn_str_eq_ct(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb || la == 0)
        return 0;
    return sodium_memcmp(a, b, la) == 0;
}

const char *cn_jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *cn_json_print(const cJSON *o)
{
    return o ? cJSON_PrintUnformatted(o) : NULL;
}

int cn_name_ok(const char *s)
{
    return s && crier_name_valid(s);
}
