/* protocol.c - topic builders/parser and payload parsers/writers of Crier's MQTT protocol.
 *
 * Design: everything here is pure and re-entrant; it is shared by the kiosk's
 * MQTT thread and by crierctl.  Parsers take (buf, len), check the cheap limits
 * first (size, UTF-8, nesting depth) before handing bytes to cJSON, then walk
 * the object field by field against a table of known fields, so one rule
 * decides what is accepted and the error text names the offending field.
 * docs/protocol.md is the human-readable version of these rules. */
#include "remote/protocol.h"
#include "base/timeutil.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names and topics ---------------------------------------------------- */

int crier_name_valid(const char *s)
{
    if (!s || !*s)
        return 0;
    size_t n = 0;
    for (const char *p = s; *p; p++, n++) {
        unsigned char c = (unsigned char)*p;
        if (n >= CRIER_NAME_MAX)
            return 0;
        if (!(isalnum(c) || c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

const char *crier_scope_name(crier_scope scope)
{
    switch (scope) {
    case CRIER_SCOPE_ALL: return "all";
    case CRIER_SCOPE_SITE: return "site";
    case CRIER_SCOPE_KIOSK: return "kiosk";
    }
    return "?";
}

static crier_err put(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static crier_err put(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len) {
        if (len)
            buf[0] = '\0';
        return CRIER_ERR_LIMIT;
    }
    return CRIER_OK;
}

static crier_err post_prefix(char *buf, size_t len, crier_scope scope, const char *target, const char *tail)
{
    switch (scope) {
    case CRIER_SCOPE_ALL:
        return put(buf, len, CRIER_TOPIC_PREFIX "/all/post/%s", tail);
    case CRIER_SCOPE_SITE:
    case CRIER_SCOPE_KIOSK:
        if (!crier_name_valid(target))
            return CRIER_ERR_INVAL;
        return put(buf, len, CRIER_TOPIC_PREFIX "/%s/%s/post/%s", crier_scope_name(scope), target, tail);
    }
    return CRIER_ERR_INVAL;
}

crier_err crier_topic_post(char *buf, size_t len, crier_scope scope, const char *target, const char *id)
{
    if (!crier_name_valid(id))
        return CRIER_ERR_INVAL;
    return post_prefix(buf, len, scope, target, id);
}

crier_err crier_topic_post_filter(char *buf, size_t len, crier_scope scope, const char *target)
{
    return post_prefix(buf, len, scope, target, "+");
}

static const char *kiosk_leaf(crier_topic_kind kind, int *needs_name)
{
    *needs_name = 0;
    switch (kind) {
    case CRIER_TOPIC_STATUS: return "status";
    case CRIER_TOPIC_HEARTBEAT: return "heartbeat";
    case CRIER_TOPIC_REJECTED: return "rejected";
    case CRIER_TOPIC_CMD: *needs_name = 1; return "cmd";
    case CRIER_TOPIC_REPLY: *needs_name = 1; return "reply";
    case CRIER_TOPIC_SCREENSHOT: *needs_name = 1; return "screenshot";
    case CRIER_TOPIC_RECEIPT: *needs_name = 1; return "receipt";
    default: return NULL;
    }
}

crier_err crier_topic_kiosk(char *buf, size_t len, crier_topic_kind kind, const char *kiosk, const char *name)
{
    int needs_name;
    const char *leaf = kiosk_leaf(kind, &needs_name);
    if (!leaf || !crier_name_valid(kiosk))
        return CRIER_ERR_INVAL;
    if (!needs_name)
        return put(buf, len, CRIER_TOPIC_PREFIX "/kiosk/%s/%s", kiosk, leaf);
    /* "+" is allowed as a name so crierctl can build subscription filters. */
    if (!name || (strcmp(name, "+") != 0 && !crier_name_valid(name)))
        return CRIER_ERR_INVAL;
    return put(buf, len, CRIER_TOPIC_PREFIX "/kiosk/%s/%s/%s", kiosk, leaf, name);
}

crier_err crier_topic_parse(const char *topic, crier_topic *out)
{
    char parts[7][CRIER_NAME_MAX + 1];
    size_t np = 0;
    memset(out, 0, sizeof *out);
    if (!topic)
        return CRIER_ERR_PARSE;
    const char *p = topic;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (np >= 7 || n > CRIER_NAME_MAX)
            return CRIER_ERR_PARSE;
        memcpy(parts[np], p, n);
        parts[np][n] = '\0';
        np++;
        if (!slash)
            break;
        p = slash + 1;
    }
    if (np < 5 || strcmp(parts[0], "crier") != 0 || strcmp(parts[1], "v1") != 0)
        return CRIER_ERR_PARSE;
    crier_topic t = {0};
    if (strcmp(parts[2], "all") == 0) {
        if (np != 5 || (strcmp(parts[3], "post") != 0 && strcmp(parts[3], "alert") != 0) ||
            !crier_name_valid(parts[4]))
            return CRIER_ERR_PARSE;
        t.kind = strcmp(parts[3], "post") == 0 ? CRIER_TOPIC_POST : CRIER_TOPIC_ALERT;
        t.scope = CRIER_SCOPE_ALL;
        strcpy(t.name, parts[4]);
        *out = t;
        return CRIER_OK;
    }
    if (strcmp(parts[2], "site") == 0)
        t.scope = CRIER_SCOPE_SITE;
    else if (strcmp(parts[2], "kiosk") == 0)
        t.scope = CRIER_SCOPE_KIOSK;
    else
        return CRIER_ERR_PARSE;
    if (!crier_name_valid(parts[3]))
        return CRIER_ERR_PARSE;
    strcpy(t.target, parts[3]);
    const char *leaf = parts[4];
    if (np == 6 && strcmp(leaf, "post") == 0)
        t.kind = CRIER_TOPIC_POST;
    else if (np == 6 && strcmp(leaf, "alert") == 0)
        t.kind = CRIER_TOPIC_ALERT;
    else if (t.scope != CRIER_SCOPE_KIOSK)
        return CRIER_ERR_PARSE;
    else if (np == 5 && strcmp(leaf, "status") == 0)
        t.kind = CRIER_TOPIC_STATUS;
    else if (np == 5 && strcmp(leaf, "heartbeat") == 0)
        t.kind = CRIER_TOPIC_HEARTBEAT;
    else if (np == 5 && strcmp(leaf, "rejected") == 0)
        t.kind = CRIER_TOPIC_REJECTED;
    else if (np == 6 && strcmp(leaf, "cmd") == 0)
        t.kind = CRIER_TOPIC_CMD;
    else if (np == 6 && strcmp(leaf, "reply") == 0)
        t.kind = CRIER_TOPIC_REPLY;
    else if (np == 6 && strcmp(leaf, "screenshot") == 0)
        t.kind = CRIER_TOPIC_SCREENSHOT;
    else if (np == 6 && strcmp(leaf, "receipt") == 0)
        t.kind = CRIER_TOPIC_RECEIPT;
    else
        return CRIER_ERR_PARSE;
    if (np == 6) {
        if (!crier_name_valid(parts[5]))
            return CRIER_ERR_PARSE;
        strcpy(t.name, parts[5]);
    }
    *out = t;
    return CRIER_OK;
}

int crier_topic_is_for(const crier_topic *t, const char *site, const char *kiosk)
{
    if (!t || (t->kind != CRIER_TOPIC_POST && t->kind != CRIER_TOPIC_ALERT))
        return 0;
    switch (t->scope) {
    case CRIER_SCOPE_ALL: return 1;
    case CRIER_SCOPE_SITE: return site && strcmp(t->target, site) == 0;
    case CRIER_SCOPE_KIOSK: return kiosk && strcmp(t->target, kiosk) == 0;
    }
    return 0;
}

/* ---- UTF-8 --------------------------------------------------------------- */

int crier_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned char c = *p;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return 0;
        }
        if ((size_t)(end - p) <= n)
            return 0;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0u) != 0x80u)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n + 1;
    }
    return 1;
}

/* ---- post payload -------------------------------------------------------- */

static void emsg(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void emsg(char *buf, size_t len, const char *fmt, ...)
{
    if (!buf || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
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

static int text_ok(const char *s, int multiline);

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

/* CRIER_OK when every member name of root is unique, else CRIER_ERR_INVAL with
 * "field 'NAME' repeated" (the name shown only when it is printable). */
static crier_err check_unique_fields(const cJSON *root, char *err, size_t elen)
{
    int nomem = 0;
    const char *dup = json_repeated_key(root, &nomem);
    if (nomem) {
        emsg(err, elen, "out of memory");
        return CRIER_ERR_NOMEM;
    }
    if (!dup)
        return CRIER_OK;
    char shown[40];
    snprintf(shown, sizeof shown, "%s", dup);
    if (!text_ok(shown, 0))
        strcpy(shown, "?");
    emsg(err, elen, "field '%s' repeated", shown);
    return CRIER_ERR_INVAL;
}

/* Shared front door for JSON payloads: size, UTF-8, depth, then cJSON. */
static crier_err json_open(const char *buf, size_t len, size_t max, cJSON **out, char *err, size_t elen)
{
    *out = NULL;
    if (!buf && len)
        return CRIER_ERR_INVAL;
    if (len > max) {
        emsg(err, elen, "payload of %zu bytes exceeds the limit of %zu bytes", len, max);
        return CRIER_ERR_LIMIT;
    }
    if (len == 0) {
        emsg(err, elen, "empty payload");
        return CRIER_ERR_PARSE;
    }
    if (!crier_utf8_valid(buf, len)) {
        emsg(err, elen, "payload is not valid UTF-8 (or contains a NUL byte)");
        return CRIER_ERR_PARSE;
    }
    if (!json_depth_ok(buf, len, CRIER_POST_MAX_DEPTH)) {
        emsg(err, elen, "JSON nested deeper than %d levels", CRIER_POST_MAX_DEPTH);
        return CRIER_ERR_LIMIT;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (!root) {
        size_t at = end && end >= buf ? (size_t)(end - buf) : 0;
        emsg(err, elen, "malformed JSON near byte %zu", at);
        return CRIER_ERR_PARSE;
    }
    /* cJSON stops after the first value: anything but whitespace after it is garbage */
    for (const char *q = end; q && q < buf + len; q++) {
        if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r') {
            cJSON_Delete(root);
            emsg(err, elen, "malformed JSON: trailing data at byte %zu", (size_t)(q - buf));
            return CRIER_ERR_PARSE;
        }
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        emsg(err, elen, "payload must be a JSON object");
        return CRIER_ERR_INVAL;
    }
    *out = root;
    return CRIER_OK;
}

/* Text rules: valid UTF-8, no control characters except (if multiline) \n and \t. */
static int text_ok(const char *s, int multiline)
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

static int lang_tag_ok(const char *s)
{
    /* BCP 47 shape: 2-8 letters, then -subtags of 1-8 alphanumerics. */
    size_t n = 0;
    const char *p = s;
    while (isalpha((unsigned char)*p)) {
        p++;
        n++;
    }
    if (n < 2 || n > 8)
        return 0;
    while (*p == '-') {
        p++;
        n = 0;
        while (isalnum((unsigned char)*p)) {
            p++;
            n++;
        }
        if (n < 1 || n > 8)
            return 0;
    }
    return *p == '\0' && strlen(s) <= 35;
}

/* Latest time a post may carry: 9999-12-31T23:59:59.999Z.  crier_post_write
 * writes times as RFC 3339 with a 4-digit year, so anything later (or before
 * 1970) would not parse again (found by tests/fuzz/fuzz_post.c). */
#define POST_TIME_MAX_MS 253402300799999LL

/* Time field: RFC 3339 string or non-negative integer epoch ms, 1970..9999. */
static crier_err get_time(const cJSON *v, const char *name, int64_t *out, char *err, size_t elen)
{
    if (cJSON_IsString(v)) {
        if (crier_parse_iso8601(v->valuestring, out) != 0) {
            emsg(err, elen, "field '%s': not an RFC 3339 time", name);
            return CRIER_ERR_INVAL;
        }
        if (*out < 0 || *out > POST_TIME_MAX_MS) {
            *out = 0;
            emsg(err, elen, "field '%s': time before 1970 or after 9999", name);
            return CRIER_ERR_INVAL;
        }
        return CRIER_OK;
    }
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (!(d >= 0 && d <= (double)POST_TIME_MAX_MS) || floor(d) != d) {
            emsg(err, elen, "field '%s': epoch milliseconds must be a non-negative integer up to %lld (year 9999)", name,
                 (long long)POST_TIME_MAX_MS);
            return CRIER_ERR_INVAL;
        }
        *out = (int64_t)d;
        return CRIER_OK;
    }
    emsg(err, elen, "field '%s': expected an RFC 3339 string or epoch milliseconds", name);
    return CRIER_ERR_INVAL;
}

static crier_err get_text(const cJSON *v, const char *name, size_t max, int multiline, int url, char **out,
                          char *err, size_t elen)
{
    if (!cJSON_IsString(v)) {
        emsg(err, elen, "field '%s': expected a string", name);
        return CRIER_ERR_INVAL;
    }
    const char *s = v->valuestring;
    size_t n = strlen(s);
    if (n > max) {
        emsg(err, elen, "field '%s': %zu bytes exceeds the limit of %zu", name, n, max);
        return CRIER_ERR_LIMIT;
    }
    if (!text_ok(s, multiline)) {
        emsg(err, elen, "field '%s': invalid UTF-8 or control characters", name);
        return CRIER_ERR_INVAL;
    }
    if (url && !url_ok(s)) {
        emsg(err, elen, "field '%s': expected an http:// or https:// URL", name);
        return CRIER_ERR_INVAL;
    }
    free(*out);
    *out = crier_strdup(s);
    return *out ? CRIER_OK : CRIER_ERR_NOMEM;
}

static crier_err get_int_range(const cJSON *v, const char *name, double lo, double hi, int integral, double *out,
                               char *err, size_t elen)
{
    if (!cJSON_IsNumber(v)) {
        emsg(err, elen, "field '%s': expected a number", name);
        return CRIER_ERR_INVAL;
    }
    double d = v->valuedouble;
    if (integral && floor(d) != d) {
        emsg(err, elen, "field '%s': expected an integer", name);
        return CRIER_ERR_INVAL;
    }
    if (!(d >= lo && d <= hi)) {
        emsg(err, elen, "field '%s': %g is outside %g..%g", name, d, lo, hi);
        return CRIER_ERR_INVAL;
    }
    *out = d;
    return CRIER_OK;
}

crier_err crier_post_parse(const char *buf, size_t len, const char *id, const char *source,
                           int64_t now_ms, crier_item *out, char *err_msg, size_t err_len)
{
    crier_err rc;
    cJSON *root = NULL;
    crier_item it = {0};
    memset(out, 0, sizeof *out);
    if (err_msg && err_len)
        err_msg[0] = '\0';
    if (!crier_name_valid(id)) {
        emsg(err_msg, err_len, "invalid post id");
        return CRIER_ERR_INVAL;
    }
    rc = json_open(buf, len, CRIER_POST_MAX_BYTES, &root, err_msg, err_len);
    if (rc != CRIER_OK)
        goto cleanup;
    if ((rc = check_unique_fields(root, err_msg, err_len)) != CRIER_OK)
        goto cleanup;
    it.kind = CRIER_ITEM_POST;
    it.weight = 1;
    int have_title = 0;
    for (const cJSON *f = root->child; f; f = f->next) {
        const char *k = f->string ? f->string : "";
        double d;
        if (strcmp(k, "id") == 0) {
            if (!cJSON_IsString(f) || strcmp(f->valuestring, id) != 0) {
                emsg(err_msg, err_len, "field 'id' must be a string equal to the topic's post id '%s'", id);
                rc = CRIER_ERR_INVAL;
                goto cleanup;
            }
        } else if (strcmp(k, "title") == 0) {
            if ((rc = get_text(f, k, CRIER_POST_MAX_TITLE, 0, 0, &it.title, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
            if (!it.title[0]) {
                emsg(err_msg, err_len, "field 'title': must not be empty");
                rc = CRIER_ERR_INVAL;
                goto cleanup;
            }
            have_title = 1;
        } else if (strcmp(k, "body") == 0) {
            if ((rc = get_text(f, k, CRIER_POST_MAX_BODY, 1, 0, &it.body, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "image") == 0) {
            if ((rc = get_text(f, k, CRIER_POST_MAX_URL, 0, 1, &it.image, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "link") == 0) {
            if ((rc = get_text(f, k, CRIER_POST_MAX_URL, 0, 1, &it.link, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "valid_from") == 0) {
            if ((rc = get_time(f, k, &it.valid_from_ms, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "valid_until") == 0) {
            if ((rc = get_time(f, k, &it.valid_until_ms, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "sent") == 0) {
            if ((rc = get_time(f, k, &it.published_ms, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "priority") == 0) {
            if ((rc = get_int_range(f, k, CRIER_POST_MIN_PRIORITY, CRIER_POST_MAX_PRIORITY, 1, &d, err_msg,
                                    err_len)) != CRIER_OK)
                goto cleanup;
            it.priority = (int32_t)d;
        } else if (strcmp(k, "duration_s") == 0) {
            if ((rc = get_int_range(f, k, CRIER_POST_MIN_DURATION_S, CRIER_POST_MAX_DURATION_S, 0, &d, err_msg,
                                    err_len)) != CRIER_OK)
                goto cleanup;
            it.duration_ms = (int32_t)llround(d * 1000.0);
        } else if (strcmp(k, "languages") == 0) {
            if (!cJSON_IsArray(f)) {
                emsg(err_msg, err_len, "field 'languages': expected an array of language tags");
                rc = CRIER_ERR_INVAL;
                goto cleanup;
            }
            int n = cJSON_GetArraySize(f);
            if (n > CRIER_POST_MAX_LANGS) {
                emsg(err_msg, err_len, "field 'languages': %d tags exceeds the limit of %d", n,
                     CRIER_POST_MAX_LANGS);
                rc = CRIER_ERR_LIMIT;
                goto cleanup;
            }
            for (const cJSON *l = f->child; l; l = l->next) {
                if (!cJSON_IsString(l) || !lang_tag_ok(l->valuestring)) {
                    emsg(err_msg, err_len, "field 'languages': expected BCP 47 tags like \"en\" or \"pt-BR\"");
                    rc = CRIER_ERR_INVAL;
                    goto cleanup;
                }
            }
            free(it.lang);
            it.lang = f->child ? crier_strdup(f->child->valuestring) : NULL;
            if (f->child && !it.lang) {
                rc = CRIER_ERR_NOMEM;
                goto cleanup;
            }
        } else if (strncmp(k, "x-", 2) == 0) {
            /* extension field: ignored by design */
        } else {
            char shown[40];
            snprintf(shown, sizeof shown, "%s", k);
            if (!text_ok(shown, 0))
                strcpy(shown, "?");
            emsg(err_msg, err_len, "unknown field '%s' (extensions must start with \"x-\")", shown);
            rc = CRIER_ERR_INVAL;
            goto cleanup;
        }
    }
    if (!have_title) {
        emsg(err_msg, err_len, "field 'title' is required");
        rc = CRIER_ERR_INVAL;
        goto cleanup;
    }
    if (it.valid_until_ms && it.valid_from_ms && it.valid_until_ms <= it.valid_from_ms) {
        emsg(err_msg, err_len, "valid_until is not after valid_from");
        rc = CRIER_ERR_STALE;
        goto cleanup;
    }
    if (it.valid_until_ms && it.valid_until_ms <= now_ms) {
        char when[40];
        crier_format_utc_ms(it.valid_until_ms, when, sizeof when);
        emsg(err_msg, err_len, "valid_until %s is in the past", when);
        rc = CRIER_ERR_STALE;
        goto cleanup;
    }
    if (!(it.id = crier_strdup(id)) || !(it.source = crier_strdup(source ? source : "mqtt"))) {
        rc = CRIER_ERR_NOMEM;
        goto cleanup;
    }
    *out = it;
    memset(&it, 0, sizeof it);
    rc = CRIER_OK;
cleanup:
    crier_item_clear(&it);
    cJSON_Delete(root);
    return rc;
}

static char *print_and_free(cJSON *o)
{
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return s;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
}

static void add_time(cJSON *o, const char *k, int64_t ms)
{
    if (ms) {
        char buf[40];
        crier_format_utc_ms(ms, buf, sizeof buf);
        cJSON_AddStringToObject(o, k, buf);
    }
}

char *crier_post_write(const crier_item *item)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !item)
        return print_and_free(o);
    add_str(o, "id", item->id);
    add_str(o, "title", item->title);
    add_str(o, "body", item->body);
    add_str(o, "image", item->image);
    add_str(o, "link", item->link);
    add_time(o, "valid_from", item->valid_from_ms);
    add_time(o, "valid_until", item->valid_until_ms);
    if (item->priority)
        cJSON_AddNumberToObject(o, "priority", item->priority);
    if (item->duration_ms)
        cJSON_AddNumberToObject(o, "duration_s", item->duration_ms / 1000.0);
    if (item->lang && *item->lang) {
        cJSON *arr = cJSON_AddArrayToObject(o, "languages");
        char *copy = crier_strdup(item->lang), *save = NULL;
        for (char *tok = copy ? strtok_r(copy, ", ", &save) : NULL; tok && arr; tok = strtok_r(NULL, ", ", &save))
            cJSON_AddItemToArray(arr, cJSON_CreateString(tok));
        free(copy);
    }
    if (item->published_ms)
        cJSON_AddNumberToObject(o, "sent", (double)item->published_ms);
    return print_and_free(o);
}

/* ---- commands ------------------------------------------------------------ */

int crier_command_known(const char *name)
{
    return name && (strcmp(name, "screenshot") == 0 || strcmp(name, "reload") == 0 ||
                    strcmp(name, "identify") == 0);
}

crier_err crier_command_parse(const char *name, const char *buf, size_t len, int64_t now_ms,
                              crier_command *out, char *err_msg, size_t err_len)
{
    cJSON *root = NULL;
    crier_err rc;
    memset(out, 0, sizeof *out);
    if (!crier_command_known(name)) {
        emsg(err_msg, err_len, "unknown command '%s'", name && crier_name_valid(name) ? name : "?");
        return CRIER_ERR_UNSUPPORTED;
    }
    rc = json_open(buf, len, CRIER_CMD_MAX_BYTES, &root, err_msg, err_len);
    if (rc != CRIER_OK)
        return rc;
    crier_command c = {0};
    if ((rc = check_unique_fields(root, err_msg, err_len)) != CRIER_OK)
        goto cleanup;
    snprintf(c.name, sizeof c.name, "%s", name);
    c.seconds = 10;
    for (const cJSON *f = root->child; f; f = f->next) {
        const char *k = f->string ? f->string : "";
        double d;
        if (strcmp(k, "req") == 0) {
            if (!cJSON_IsString(f) || !crier_name_valid(f->valuestring)) {
                emsg(err_msg, err_len, "field 'req': expected a name of [A-Za-z0-9_.-], 1..64 bytes");
                rc = CRIER_ERR_INVAL;
                goto cleanup;
            }
            snprintf(c.req, sizeof c.req, "%s", f->valuestring);
        } else if (strcmp(k, "sent") == 0) {
            if ((rc = get_time(f, k, &c.sent_ms, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "seconds") == 0) {
            if ((rc = get_int_range(f, k, 1, 120, 1, &d, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
            c.seconds = (int32_t)d;
        } else if (strncmp(k, "x-", 2) != 0) {
            emsg(err_msg, err_len, "unknown field in command");
            rc = CRIER_ERR_INVAL;
            goto cleanup;
        }
    }
    if (!c.req[0]) {
        emsg(err_msg, err_len, "field 'req' is required");
        rc = CRIER_ERR_INVAL;
        goto cleanup;
    }
    if (c.sent_ms && now_ms - c.sent_ms > CRIER_CMD_MAX_AGE_MS) {
        emsg(err_msg, err_len, "command is %lld s old (limit %d s)", (long long)((now_ms - c.sent_ms) / 1000),
             CRIER_CMD_MAX_AGE_MS / 1000);
        rc = CRIER_ERR_STALE;
        goto cleanup;
    }
    *out = c;
    rc = CRIER_OK;
cleanup:
    if (rc != CRIER_OK) /* keep the request id so the sender can be answered */
        memcpy(out->req, c.req, sizeof out->req);
    cJSON_Delete(root);
    return rc;
}

char *crier_command_write(const char *req, int64_t sent_ms, int32_t seconds)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_str(o, "req", req);
    cJSON_AddNumberToObject(o, "sent", (double)sent_ms);
    if (seconds > 0)
        cJSON_AddNumberToObject(o, "seconds", seconds);
    return print_and_free(o);
}

/* ---- status, rejection, reply, heartbeat --------------------------------- */

char *crier_status_write(const char *kiosk, const char *site, int online, int64_t ts_ms, const char *version)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_str(o, "kiosk", kiosk);
    add_str(o, "site", site);
    cJSON_AddStringToObject(o, "state", online ? "online" : "offline");
    if (ts_ms)
        cJSON_AddNumberToObject(o, "ts", (double)ts_ms);
    add_str(o, "version", version);
    return print_and_free(o);
}

char *crier_rejection_write(const char *kiosk, const char *topic, const char *id, crier_err code,
                            const char *reason, size_t bytes, int64_t ts_ms)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_str(o, "kiosk", kiosk);
    /* Topics and reasons may quote attacker bytes: only valid UTF-8 goes out. */
    if (topic && crier_utf8_valid(topic, strlen(topic)))
        add_str(o, "topic", topic);
    add_str(o, "id", id);
    add_str(o, "error", reason && crier_utf8_valid(reason, strlen(reason)) ? reason : crier_strerror(code));
    add_str(o, "code", crier_strerror(code));
    cJSON_AddNumberToObject(o, "bytes", (double)bytes);
    cJSON_AddNumberToObject(o, "ts", (double)ts_ms);
    return print_and_free(o);
}

char *crier_reply_write(const char *kiosk, const char *req, const char *cmd, int ok, const char *error,
                        size_t bytes, int64_t ts_ms)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_str(o, "kiosk", kiosk);
    add_str(o, "req", req);
    add_str(o, "cmd", cmd);
    cJSON_AddBoolToObject(o, "ok", ok ? 1 : 0);
    add_str(o, "error", error);
    if (bytes)
        cJSON_AddNumberToObject(o, "bytes", (double)bytes);
    cJSON_AddNumberToObject(o, "ts", (double)ts_ms);
    return print_and_free(o);
}

static void add_raw_json(cJSON *o, const char *k, const char *json)
{
    if (!json)
        return;
    cJSON *v = cJSON_Parse(json);
    if (v)
        cJSON_AddItemToObject(o, k, v);
}

char *crier_heartbeat_write(const crier_heartbeat *hb)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_str(o, "kiosk", hb->kiosk);
    add_str(o, "site", hb->site);
    add_str(o, "version", hb->version);
    cJSON_AddNumberToObject(o, "ts", (double)hb->ts_ms);
    cJSON_AddNumberToObject(o, "uptime_s", (double)hb->uptime_s);
    if (hb->showing_id) {
        cJSON *s = cJSON_AddObjectToObject(o, "showing");
        if (s) {
            add_str(s, "id", hb->showing_id);
            add_str(s, "source", hb->showing_source);
            add_str(s, "title", hb->showing_title);
            if (hb->showing_since_ms)
                cJSON_AddNumberToObject(s, "since", (double)hb->showing_since_ms);
        }
    } else {
        cJSON_AddNullToObject(o, "showing");
    }
    if (hb->content_age_s >= 0)
        cJSON_AddNumberToObject(o, "content_age_s", (double)hb->content_age_s);
    add_raw_json(o, "feeds", hb->feeds_json);
    if (hb->alerts >= 0)
        cJSON_AddNumberToObject(o, "alerts", hb->alerts);
    if (hb->mem_free_kb >= 0)
        cJSON_AddNumberToObject(o, "mem_free_kb", (double)hb->mem_free_kb);
    if (!isnan(hb->temp_c))
        cJSON_AddNumberToObject(o, "temp_c", round(hb->temp_c * 10.0) / 10.0);
    add_raw_json(o, "proof_of_play", hb->proofplay_json);
    if (hb->mqtt_protocol)
        cJSON_AddNumberToObject(o, "mqtt", hb->mqtt_protocol);
    return print_and_free(o);
}

/* ---- broker URL ---------------------------------------------------------- */

crier_err crier_broker_url_parse(const char *url, crier_broker_url *out)
{
    memset(out, 0, sizeof *out);
    if (!url || !*url)
        return CRIER_ERR_INVAL;
    const char *p = url;
    if (strncmp(p, "mqtts://", 8) == 0) {
        out->tls = 1;
        p += 8;
    } else if (strncmp(p, "mqtt://", 7) == 0) {
        p += 7;
    } else if (strstr(p, "://")) {
        return CRIER_ERR_INVAL;
    }
    out->port = out->tls ? 8883 : 1883;
    const char *host_end, *port_s = NULL;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end)
            return CRIER_ERR_INVAL;
        p++;
        if (host_end[1] == ':')
            port_s = host_end + 2;
        else if (host_end[1] != '\0' && strcmp(host_end + 1, "/") != 0)
            return CRIER_ERR_INVAL;
    } else {
        host_end = p + strcspn(p, ":/");
        if (*host_end == ':')
            port_s = host_end + 1;
        else if (*host_end == '/' && host_end[1] != '\0')
            return CRIER_ERR_INVAL;
    }
    size_t hl = (size_t)(host_end - p);
    if (hl == 0 || hl >= sizeof out->host)
        return CRIER_ERR_INVAL;
    memcpy(out->host, p, hl);
    out->host[hl] = '\0';
    for (size_t i = 0; i < hl; i++)
        if ((unsigned char)out->host[i] <= 0x20)
            return CRIER_ERR_INVAL;
    if (port_s) {
        char *end = NULL;
        long port = strtol(port_s, &end, 10);
        if (end == port_s || (*end && strcmp(end, "/") != 0) || port < 1 || port > 65535)
            return CRIER_ERR_INVAL;
        out->port = (int)port;
    }
    return CRIER_OK;
}

/* ---- alerts: topics and receipts ------------------------------------------ */

crier_err crier_topic_alert(char *buf, size_t len, crier_scope scope, const char *target, const char *tid)
{
    if (!tid || (strcmp(tid, "+") != 0 && !crier_name_valid(tid)))
        return CRIER_ERR_INVAL;
    switch (scope) {
    case CRIER_SCOPE_ALL:
        return put(buf, len, CRIER_TOPIC_PREFIX "/all/alert/%s", tid);
    case CRIER_SCOPE_SITE:
    case CRIER_SCOPE_KIOSK:
        if (!target || (strcmp(target, "+") != 0 && !crier_name_valid(target)))
            return CRIER_ERR_INVAL;
        return put(buf, len, CRIER_TOPIC_PREFIX "/%s/%s/alert/%s", crier_scope_name(scope), target, tid);
    }
    return CRIER_ERR_INVAL;
}

crier_err crier_alert_topic_id(const char *sender, const char *identifier, char *out, size_t out_len)
{
    if (!sender || !identifier || !out || out_len < CRIER_NAME_MAX + 1)
        return CRIER_ERR_INVAL;
    if (crier_name_valid(identifier) && strncmp(identifier, "h-", 2) != 0)
        return put(out, out_len, "%s", identifier);
    /* not usable as a topic level ('/', '+', spaces, too long...): a hash of
     * sender and identifier, so different alerts get different topics */
    if (sodium_init() < 0)
        return CRIER_ERR_UNSUPPORTED;
    unsigned char h[16];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)sender, strlen(sender));
    crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
    crypto_generichash_update(&st, (const unsigned char *)identifier, strlen(identifier));
    crypto_generichash_final(&st, h, sizeof h);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    return put(out, out_len, "h-%s", hex);
}

static void add_utf8(cJSON *o, const char *k, const char *v)
{
    if (v && crier_utf8_valid(v, strlen(v)))
        cJSON_AddStringToObject(o, k, v);
}

char *crier_receipt_write(const crier_receipt *r)
{
    cJSON *o = r ? cJSON_CreateObject() : NULL;
    if (!o)
        return NULL;
    add_utf8(o, "kiosk", r->kiosk);
    add_utf8(o, "site", r->site);
    add_utf8(o, "identifier", r->identifier);
    add_utf8(o, "sender", r->sender);
    add_utf8(o, "msgType", r->msg_type);
    add_utf8(o, "status", r->status);
    add_utf8(o, "issuer", r->issuer);
    add_utf8(o, "keyId", r->key_id);
    add_utf8(o, "verdict", r->verdict ? r->verdict : "rejected");
    add_utf8(o, "reason", r->reason);
    add_str(o, "code", r->code == CRIER_OK ? "ok" : crier_strerror(r->code));
    if (r->sent_ms)
        cJSON_AddNumberToObject(o, "sent_ms", (double)r->sent_ms);
    if (r->received_ms)
        cJSON_AddNumberToObject(o, "received_ms", (double)r->received_ms);
    if (r->presented_ms)
        cJSON_AddNumberToObject(o, "presented_ms", (double)r->presented_ms);
    cJSON_AddNumberToObject(o, "bytes", (double)r->bytes);
    cJSON_AddNumberToObject(o, "ts", (double)r->ts_ms);
    return print_and_free(o);
}

/* ---- signed payloads -------------------------------------------------------- */

int crier_payload_is_envelope(const char *buf, size_t len)
{
    if (!buf || len == 0)
        return 0;
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
        i++;
    if (i >= len || buf[i] != '{')
        return 0;
    cJSON *root = cJSON_ParseWithLength(buf, len);
    int yes = cJSON_IsObject(root) && (cJSON_GetObjectItemCaseSensitive(root, "sig") ||
                                       cJSON_GetObjectItemCaseSensitive(root, "kid") ||
                                       cJSON_GetObjectItemCaseSensitive(root, "alg"));
    cJSON_Delete(root);
    return yes;
}

crier_err crier_envelope_peek(const char *buf, size_t len, char **payload, size_t *payload_len, char **key_id)
{
    *payload = NULL;
    if (payload_len)
        *payload_len = 0;
    if (key_id)
        *key_id = NULL;
    if (!buf || len == 0 || len > CRIER_ENVELOPE_MAX_BYTES || sodium_init() < 0)
        return CRIER_ERR_PARSE;
    cJSON *root = cJSON_ParseWithLength(buf, len);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "payload");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(root, "kid");
    crier_err rc = CRIER_ERR_PARSE;
    if (cJSON_IsString(p)) {
        size_t slen = strlen(p->valuestring), got = 0;
        char *bin = malloc(slen / 4 * 3 + 4);
        const char *end = NULL;
        if (bin && sodium_base642bin((unsigned char *)bin, slen / 4 * 3 + 3, p->valuestring, slen, NULL, &got, &end,
                                     sodium_base64_VARIANT_ORIGINAL) == 0 && end == p->valuestring + slen) {
            bin[got] = '\0';
            *payload = bin;
            if (payload_len)
                *payload_len = got;
            if (key_id && cJSON_IsString(k))
                *key_id = crier_strdup(k->valuestring);
            rc = CRIER_OK;
        } else {
            free(bin);
        }
    }
    cJSON_Delete(root);
    return rc;
}

crier_err crier_post_open(const char *buf, size_t len, const crier_keyring *ring, int require_signed,
                          const char *id, const char *source, int64_t now_ms, crier_item *out, char **issuer,
                          char *err_msg, size_t err_len)
{
    if (issuer)
        *issuer = NULL;
    memset(out, 0, sizeof *out);
    if (!crier_payload_is_envelope(buf, len)) {
        if (require_signed) {
            emsg(err_msg, err_len, "unsigned post: this kiosk accepts only signed posts");
            return CRIER_ERR_AUTH;
        }
        return crier_post_parse(buf, len, id, source, now_ms, out, err_msg, err_len);
    }
    if (len > CRIER_POST_ENVELOPE_MAX_BYTES) {
        emsg(err_msg, err_len, "signed post of %zu bytes exceeds the limit of %u bytes", len,
             CRIER_POST_ENVELOPE_MAX_BYTES);
        return CRIER_ERR_LIMIT;
    }
    if (!ring || crier_keyring_count(ring) == 0) {
        emsg(err_msg, err_len, "signed post, but this kiosk trusts no keys (alert_keys_dir is empty)");
        return CRIER_ERR_AUTH;
    }
    char *payload = NULL, *who = NULL, reason[200] = "";
    size_t plen = 0;
    crier_err rc = crier_envelope_open(buf, len, ring, &payload, &plen, &who, NULL, reason, sizeof reason);
    if (rc != CRIER_OK) {
        emsg(err_msg, err_len, "signed post: %s", reason[0] ? reason : crier_strerror(rc));
        return rc;
    }
    rc = crier_post_parse(payload, plen, id, source, now_ms, out, err_msg, err_len);
    free(payload);
    if (rc == CRIER_OK && issuer)
        *issuer = who;
    else
        free(who);
    return rc;
}
