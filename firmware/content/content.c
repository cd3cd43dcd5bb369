/* content.c - the item model and the local content file format.
 *
 * Items own their strings.  crier_content_parse() reads the demo/local JSON
 * format from (buf, len) with cJSON, enforcing size, count and string limits,
 * and produces an owned list; a malformed file yields an error and no items, so
 * the caller keeps showing what it had. */
#include "content/content.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *crier_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void crier_item_clear(crier_item *item)
{
    if (!item)
        return;
    free(item->id);
    free(item->source);
    free(item->title);
    free(item->body);
    free(item->link);
    free(item->image);
    free(item->location);
    free(item->lang);
    memset(item, 0, sizeof *item);
}

crier_err crier_item_copy(crier_item *dst, const crier_item *src)
{
    *dst = *src;
    dst->id = dst->source = dst->title = dst->body = dst->link = dst->image = dst->location =
        dst->lang = NULL;
#define COPY(f)                                                                                    \
    if (src->f && !(dst->f = crier_strdup(src->f)))                                                \
        goto fail;
    COPY(id) COPY(source) COPY(title) COPY(body) COPY(link) COPY(image) COPY(location) COPY(lang)
#undef COPY
    return CRIER_OK;
fail:
    crier_item_clear(dst);
    return CRIER_ERR_NOMEM;
}

void crier_item_list_init(crier_item_list *list)
{
    memset(list, 0, sizeof *list);
}

void crier_item_list_clear(crier_item_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        crier_item_clear(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

crier_err crier_item_list_take(crier_item_list *list, crier_item *item)
{
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        crier_item *n = realloc(list->items, cap * sizeof *n);
        if (!n)
            return CRIER_ERR_NOMEM;
        list->items = n;
        list->cap = cap;
    }
    list->items[list->count++] = *item;
    memset(item, 0, sizeof *item);
    return CRIER_OK;
}

crier_err crier_item_list_copy(crier_item_list *dst, const crier_item_list *src)
{
    crier_item_list_init(dst);
    for (size_t i = 0; i < src->count; i++) {
        crier_item tmp;
        if (crier_item_copy(&tmp, &src->items[i]) != CRIER_OK || crier_item_list_take(dst, &tmp) != CRIER_OK) {
            crier_item_clear(&tmp);
            crier_item_list_clear(dst);
            return CRIER_ERR_NOMEM;
        }
    }
    return CRIER_OK;
}

crier_item_list *crier_item_list_new(void)
{
    crier_item_list *l = malloc(sizeof *l);
    if (l)
        crier_item_list_init(l);
    return l;
}

void crier_item_list_free(crier_item_list *list)
{
    if (!list)
        return;
    crier_item_list_clear(list);
    free(list);
}

void crier_item_list_free_void(void *list)
{
    crier_item_list_free(list);
}

int crier_item_is_current(const crier_item *item, int64_t now_ms)
{
    if (item->valid_from_ms && now_ms < item->valid_from_ms)
        return 0;
    if (item->valid_until_ms && now_ms >= item->valid_until_ms)
        return 0;
    if (item->kind == CRIER_ITEM_EVENT) {
        int64_t end = item->ends_ms ? item->ends_ms : item->starts_ms;
        if (end && now_ms >= end)
            return 0;
    }
    return 1;
}

/* ---- local content file ------------------------------------------------ */

typedef struct parse_ctx {
    const char *source;
    const char *base_dir;
    char *err;
    size_t err_len;
} parse_ctx;

static void perr(parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void perr(parse_ctx *c, const char *fmt, ...)
{
    if (!c->err || !c->err_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->err_len, fmt, ap);
    va_end(ap);
}

/* Optional string field: absent/null -> NULL; wrong type or too long -> error. */
static crier_err get_str(parse_ctx *c, const cJSON *obj, const char *name, const char *what, size_t idx,
                         char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return CRIER_OK;
    if (!cJSON_IsString(v)) {
        perr(c, "%s[%zu].%s: expected a string", what, idx, name);
        return CRIER_ERR_PARSE;
    }
    if (strlen(v->valuestring) > CRIER_CONTENT_MAX_STRING) {
        perr(c, "%s[%zu].%s: longer than %u bytes", what, idx, name, CRIER_CONTENT_MAX_STRING);
        return CRIER_ERR_LIMIT;
    }
    *out = crier_strdup(v->valuestring);
    return *out ? CRIER_OK : CRIER_ERR_NOMEM;
}

static crier_err get_time(parse_ctx *c, const cJSON *obj, const char *name, const char *what, size_t idx,
                          int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    *out = 0;
    if (!v || cJSON_IsNull(v))
        return CRIER_OK;
    if (!cJSON_IsString(v) || crier_parse_iso8601(v->valuestring, out) != 0) {
        perr(c, "%s[%zu].%s: expected an ISO 8601 date-time such as 2026-11-26T10:00:00Z", what, idx, name);
        return CRIER_ERR_PARSE;
    }
    return CRIER_OK;
}

static crier_err get_int(parse_ctx *c, const cJSON *obj, const char *name, const char *what, size_t idx,
                         double min, double max, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!v || cJSON_IsNull(v))
        return CRIER_OK;
    if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > max) {
        perr(c, "%s[%zu].%s: expected a number from %g to %g", what, idx, name, min, max);
        return CRIER_ERR_PARSE;
    }
    *out = v->valuedouble;
    return CRIER_OK;
}

static char *resolve_path(const char *base_dir, const char *path)
{
    if (!path || path[0] == '/' || strstr(path, "://") || !base_dir)
        return crier_strdup(path);
    size_t n = strlen(base_dir) + strlen(path) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%s", base_dir, path);
    return out;
}

static crier_err parse_one(parse_ctx *c, const cJSON *o, crier_item_kind kind, const char *what, size_t idx,
                           crier_item *it)
{
    crier_err rc;
    char *image = NULL;
    double num;
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->weight = 1;
    if (!cJSON_IsObject(o)) {
        perr(c, "%s[%zu]: expected an object", what, idx);
        return CRIER_ERR_PARSE;
    }
    if ((rc = get_str(c, o, "id", what, idx, &it->id)) || (rc = get_str(c, o, "title", what, idx, &it->title)) ||
        (rc = get_str(c, o, "body", what, idx, &it->body)) || (rc = get_str(c, o, "link", what, idx, &it->link)) ||
        (rc = get_str(c, o, "image", what, idx, &image)) ||
        (rc = get_str(c, o, "location", what, idx, &it->location)) ||
        (rc = get_str(c, o, "lang", what, idx, &it->lang)) ||
        (rc = get_time(c, o, "valid_from", what, idx, &it->valid_from_ms)) ||
        (rc = get_time(c, o, "valid_until", what, idx, &it->valid_until_ms)) ||
        (rc = get_time(c, o, "published", what, idx, &it->published_ms)) ||
        (rc = get_time(c, o, "starts", what, idx, &it->starts_ms)) ||
        (rc = get_time(c, o, "ends", what, idx, &it->ends_ms)))
        goto fail;
    num = 0;
    if ((rc = get_int(c, o, "duration_s", what, idx, 1, 3600, &num)))
        goto fail;
    it->duration_ms = (int32_t)(num * 1000);
    num = 0;
    if ((rc = get_int(c, o, "priority", what, idx, -100, 100, &num)))
        goto fail;
    it->priority = (int32_t)num;
    num = 1;
    if ((rc = get_int(c, o, "weight", what, idx, 1, 100, &num)))
        goto fail;
    it->weight = (int32_t)num;
    if (image) {
        it->image = resolve_path(c->base_dir, image);
        if (!it->image) {
            rc = CRIER_ERR_NOMEM;
            goto fail;
        }
    }
    if (!it->title || !it->title[0]) {
        perr(c, "%s[%zu]: needs a non-empty \"title\"", what, idx);
        rc = CRIER_ERR_PARSE;
        goto fail;
    }
    if (kind == CRIER_ITEM_EVENT && !it->starts_ms) {
        perr(c, "%s[%zu]: an event needs \"starts\"", what, idx);
        rc = CRIER_ERR_PARSE;
        goto fail;
    }
    if (!it->id) {
        char buf[48];
        snprintf(buf, sizeof buf, "%s-%zu", kind == CRIER_ITEM_EVENT ? "event" : "post", idx);
        if (!(it->id = crier_strdup(buf))) {
            rc = CRIER_ERR_NOMEM;
            goto fail;
        }
    }
    if (!(it->source = crier_strdup(c->source))) {
        rc = CRIER_ERR_NOMEM;
        goto fail;
    }
    free(image);
    return CRIER_OK;
fail:
    free(image);
    crier_item_clear(it);
    return rc;
}

crier_err crier_content_parse(const char *buf, size_t len, const char *source, const char *base_dir,
                              crier_item_list *out, char *err_msg, size_t err_len)
{
    parse_ctx c = {source ? source : "local", base_dir, err_msg, err_len};
    crier_err rc = CRIER_OK;
    cJSON *root = NULL;
    crier_item it;
    size_t total = 0;
    crier_item_list_init(out);
    if (len > CRIER_CONTENT_MAX_BYTES) {
        perr(&c, "content is %zu bytes, more than the %u allowed", len, CRIER_CONTENT_MAX_BYTES);
        return CRIER_ERR_LIMIT;
    }
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    /* cJSON stops after the first value; anything but white space after it is an error. */
    while (root && end && end < buf + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (root && end && end < buf + len) {
        cJSON_Delete(root);
        root = NULL;
    }
    if (!root) {
        const char *at = end ? end : cJSON_GetErrorPtr();
        size_t off = (at && at >= buf && at <= buf + len) ? (size_t)(at - buf) : 0;
        perr(&c, "malformed JSON near byte %zu", off);
        rc = CRIER_ERR_PARSE;
        goto cleanup;
    }
    if (!cJSON_IsObject(root)) {
        perr(&c, "expected a JSON object with \"posts\", \"events\" and \"ticker\"");
        rc = CRIER_ERR_PARSE;
        goto cleanup;
    }
    static const struct {
        const char *name;
        crier_item_kind kind;
    } arrays[] = {{"posts", CRIER_ITEM_POST}, {"events", CRIER_ITEM_EVENT}, {"ticker", CRIER_ITEM_TICKER}};
    for (size_t a = 0; a < 3; a++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, arrays[a].name);
        if (!arr || cJSON_IsNull(arr))
            continue;
        if (!cJSON_IsArray(arr)) {
            perr(&c, "\"%s\" must be an array", arrays[a].name);
            rc = CRIER_ERR_PARSE;
            goto cleanup;
        }
        size_t idx = 0;
        const cJSON *el;
        cJSON_ArrayForEach(el, arr)
        {
            if (++total > CRIER_CONTENT_MAX_ITEMS) {
                perr(&c, "more than %d items", CRIER_CONTENT_MAX_ITEMS);
                rc = CRIER_ERR_LIMIT;
                goto cleanup;
            }
            if (arrays[a].kind == CRIER_ITEM_TICKER) {
                /* Ticker lines are plain strings. */
                if (!cJSON_IsString(el) || strlen(el->valuestring) > CRIER_CONTENT_MAX_STRING) {
                    perr(&c, "ticker[%zu]: expected a string of at most %u bytes", idx, CRIER_CONTENT_MAX_STRING);
                    rc = CRIER_ERR_PARSE;
                    goto cleanup;
                }
                char idbuf[32];
                snprintf(idbuf, sizeof idbuf, "ticker-%zu", idx);
                memset(&it, 0, sizeof it);
                it.kind = CRIER_ITEM_TICKER;
                it.weight = 1;
                it.id = crier_strdup(idbuf);
                it.body = crier_strdup(el->valuestring);
                it.source = crier_strdup(c.source);
                if (!it.id || !it.body || !it.source) {
                    crier_item_clear(&it);
                    rc = CRIER_ERR_NOMEM;
                    goto cleanup;
                }
            } else if ((rc = parse_one(&c, el, arrays[a].kind, arrays[a].name, idx, &it)) != CRIER_OK) {
                goto cleanup;
            }
            if ((rc = crier_item_list_take(out, &it)) != CRIER_OK) {
                crier_item_clear(&it);
                goto cleanup;
            }
            idx++;
        }
    }
cleanup:
    cJSON_Delete(root);
    if (rc != CRIER_OK)
        crier_item_list_clear(out);
    return rc;
}
