/* payload.c - the front door of every protocol JSON payload and its field readers.
 *
 * Design: parsers take (buf, len) and check the cheap limits first (size,
 * UTF-8, nesting depth) before handing bytes to cJSON, then walk the object
 * field by field; the readers here check one field each and name it in the
 * error text.  docs/protocol.md is the human-readable version of these rules. */
#include "remote/payload.h"
#include "content/content.h"
#include "remote/post.h"
#include "remote/protocol_internal.h"
#include "base/timeutil.h"
#include "base/utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int crier_utf8_valid(const char *s, size_t len)
{
    return (len == 0 || !memchr(s, '\0', len)) && crier_utf8_is_valid(s, len);
}

/* Deepest bracket nesting outside strings; stops counting past limit. */
static int json_depth_ok(const char *buf, size_t len, int limit)
{
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > limit)
                return 0;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 1;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A member name that occurs more than once in obj (cJSON keeps every copy and
 * lookups see the first, a loop over members the last: {"valid_until":1000,
 * "valid_until":<future>} must not be read either way), else NULL.  Sorted
 * copy of the names, O(n log n): payloads are capped, a member costs >= 6
 * bytes.  Same rule as alert.c's check_members, which knows its names up front. */
static const char *json_repeated_key(const cJSON *obj, int *nomem)
{
    size_t n = 0;
    *nomem = 0;
    for (const cJSON *f = obj->child; f; f = f->next)
        n++;
    if (n < 2)
        return NULL;
    const char **keys = malloc(n * sizeof *keys);
    if (!keys) {
        *nomem = 1;
        return NULL;
    }
    n = 0;
    for (const cJSON *f = obj->child; f; f = f->next)
        keys[n++] = f->string ? f->string : "";
    qsort(keys, n, sizeof *keys, cmp_key);
    const char *dup = NULL;
    for (size_t i = 1; i < n && !dup; i++)
        if (strcmp(keys[i - 1], keys[i]) == 0)
            dup = keys[i];
    free(keys);
    return dup;
}

void crier_protocol__shown_name(const char *name, char out[40])
{
    snprintf(out, 40, "%s", name);
    if (!crier_protocol__text_ok(out, 0))
        strcpy(out, "?");
}

crier_err crier_protocol__unique_fields(const cJSON *root, char *err, size_t elen)
{
    int nomem = 0;
    const char *dup = json_repeated_key(root, &nomem);
    if (nomem) {
        crier_errf(err, elen, "out of memory");
        return CRIER_ERR_NOMEM;
    }
    if (!dup)
        return CRIER_OK;
    char shown[40];
    crier_protocol__shown_name(dup, shown);
    crier_errf(err, elen, "field '%s' repeated", shown);
    return CRIER_ERR_INVAL;
}

crier_err crier_protocol__json_open(const char *buf, size_t len, size_t max, cJSON **out, char *err, size_t elen)
{
    *out = NULL;
    if (!buf && len)
        return CRIER_ERR_INVAL;
    if (len > max) {
        crier_errf(err, elen, "payload of %zu bytes exceeds the limit of %zu bytes", len, max);
        return CRIER_ERR_LIMIT;
    }
    if (len == 0) {
        crier_errf(err, elen, "empty payload");
        return CRIER_ERR_PARSE;
    }
    if (!crier_utf8_valid(buf, len)) {
        crier_errf(err, elen, "payload is not valid UTF-8 (or contains a NUL byte)");
        return CRIER_ERR_PARSE;
    }
    if (!json_depth_ok(buf, len, CRIER_POST_MAX_DEPTH)) {
        crier_errf(err, elen, "JSON nested deeper than %d levels", CRIER_POST_MAX_DEPTH);
        return CRIER_ERR_LIMIT;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (!root) {
        size_t at = end && end >= buf ? (size_t)(end - buf) : 0;
        crier_errf(err, elen, "malformed JSON near byte %zu", at);
        return CRIER_ERR_PARSE;
    }
    /* cJSON stops after the first value: anything but whitespace after it is garbage */
    for (const char *q = end; q && q < buf + len; q++) {
        if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r') {
            cJSON_Delete(root);
            crier_errf(err, elen, "malformed JSON: trailing data at byte %zu", (size_t)(q - buf));
            return CRIER_ERR_PARSE;
        }
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        crier_errf(err, elen, "payload must be a JSON object");
        return CRIER_ERR_INVAL;
    }
    *out = root;
    return CRIER_OK;
}

int crier_protocol__text_ok(const char *s, int multiline)
{
    size_t n = strlen(s);
    if (!crier_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x7f || (c < 0x20 && !(multiline && (c == '\n' || c == '\t'))))
            return 0;
    }
    return 1;
}

static int url_ok(const char *s)
{
    if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return 0;
    return strlen(s) > 8;
}

crier_err crier_protocol__get_time(const cJSON *v, const char *name, int64_t *out, char *err, size_t elen)
{
    if (cJSON_IsString(v)) {
        if (crier_parse_iso8601(v->valuestring, out) != 0) {
            crier_errf(err, elen, "field '%s': not an RFC 3339 time", name);
            return CRIER_ERR_INVAL;
        }
        if (*out < 0 || *out > CRIER_PROTOCOL_TIME_MAX_MS) {
            *out = 0;
            crier_errf(err, elen, "field '%s': time before 1970 or after 9999", name);
            return CRIER_ERR_INVAL;
        }
        return CRIER_OK;
    }
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (!(d >= 0 && d <= (double)CRIER_PROTOCOL_TIME_MAX_MS) || floor(d) != d) {
            crier_errf(err, elen,
                       "field '%s': epoch milliseconds must be a non-negative integer up to %lld (year 9999)", name,
                       (long long)CRIER_PROTOCOL_TIME_MAX_MS);
            return CRIER_ERR_INVAL;
        }
        *out = (int64_t)d;
        return CRIER_OK;
    }
    crier_errf(err, elen, "field '%s': expected an RFC 3339 string or epoch milliseconds", name);
    return CRIER_ERR_INVAL;
}

crier_err crier_protocol__get_text(const cJSON *v, const char *name, size_t max, int multiline, int url, char **out,
                                   char *err, size_t elen)
{
    if (!cJSON_IsString(v)) {
        crier_errf(err, elen, "field '%s': expected a string", name);
        return CRIER_ERR_INVAL;
    }
    const char *s = v->valuestring;
    size_t n = strlen(s);
    if (n > max) {
        crier_errf(err, elen, "field '%s': %zu bytes exceeds the limit of %zu", name, n, max);
        return CRIER_ERR_LIMIT;
    }
    if (!crier_protocol__text_ok(s, multiline)) {
        crier_errf(err, elen, "field '%s': invalid UTF-8 or control characters", name);
        return CRIER_ERR_INVAL;
    }
    if (url && !url_ok(s)) {
        crier_errf(err, elen, "field '%s': expected an http:// or https:// URL", name);
        return CRIER_ERR_INVAL;
    }
    free(*out);
    *out = crier_strdup(s);
    return *out ? CRIER_OK : CRIER_ERR_NOMEM;
}

crier_err crier_protocol__get_number(const cJSON *v, const char *name, double lo, double hi, int integral,
                                     double *out, char *err, size_t elen)
{
    if (!cJSON_IsNumber(v)) {
        crier_errf(err, elen, "field '%s': expected a number", name);
        return CRIER_ERR_INVAL;
    }
    double d = v->valuedouble;
    if (integral && floor(d) != d) {
        crier_errf(err, elen, "field '%s': expected an integer", name);
        return CRIER_ERR_INVAL;
    }
    if (!(d >= lo && d <= hi)) {
        crier_errf(err, elen, "field '%s': %g is outside %g..%g", name, d, lo, hi);
        return CRIER_ERR_INVAL;
    }
    *out = d;
    return CRIER_OK;
}

void crier_protocol__add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
}

char *crier_protocol__print_and_free(cJSON *o)
{
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return s;
}
