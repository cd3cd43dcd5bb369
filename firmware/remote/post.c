/* post.c - the post payload: parse and validate, write (see post.h, docs/protocol.md).
 *
 * Design: crier_post_parse() opens the payload through the protocol's front
 * door (payload.c: size, UTF-8, depth, cJSON, repeated names), then walks the
 * object field by field; every known field has one reader, so one rule decides
 * what is accepted and the error text names the offending field. */
#include "remote/post.h"
#include "remote/protocol_internal.h"
#include "remote/topic.h"
#include "base/timeutil.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        crier_errf(err_msg, err_len, "invalid post id");
        return CRIER_ERR_INVAL;
    }
    rc = crier_protocol__json_open(buf, len, CRIER_POST_MAX_BYTES, &root, err_msg, err_len);
    if (rc != CRIER_OK)
        goto cleanup;
    if ((rc = crier_protocol__unique_fields(root, err_msg, err_len)) != CRIER_OK)
        goto cleanup;
    it.kind = CRIER_ITEM_POST;
    it.weight = 1;
    int have_title = 0;
    for (const cJSON *f = root->child; f; f = f->next) {
        const char *k = f->string ? f->string : "";
        double d;
        if (strcmp(k, "id") == 0) {
            if (!cJSON_IsString(f) || strcmp(f->valuestring, id) != 0) {
                crier_errf(err_msg, err_len, "field 'id' must be a string equal to the topic's post id '%s'", id);
                rc = CRIER_ERR_INVAL;
                goto cleanup;
            }
        } else if (strcmp(k, "title") == 0) {
            if ((rc = crier_protocol__get_text(f, k, CRIER_POST_MAX_TITLE, 0, 0, &it.title, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
            if (!it.title[0]) {
                crier_errf(err_msg, err_len, "field 'title': must not be empty");
                rc = CRIER_ERR_INVAL;
                goto cleanup;
            }
            have_title = 1;
        } else if (strcmp(k, "body") == 0) {
            if ((rc = crier_protocol__get_text(f, k, CRIER_POST_MAX_BODY, 1, 0, &it.body, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "image") == 0) {
            if ((rc = crier_protocol__get_text(f, k, CRIER_POST_MAX_URL, 0, 1, &it.image, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "link") == 0) {
            if ((rc = crier_protocol__get_text(f, k, CRIER_POST_MAX_URL, 0, 1, &it.link, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "valid_from") == 0) {
            if ((rc = crier_protocol__get_time(f, k, &it.valid_from_ms, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "valid_until") == 0) {
            if ((rc = crier_protocol__get_time(f, k, &it.valid_until_ms, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "sent") == 0) {
            if ((rc = crier_protocol__get_time(f, k, &it.published_ms, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "priority") == 0) {
            if ((rc = crier_protocol__get_number(f, k, CRIER_POST_MIN_PRIORITY, CRIER_POST_MAX_PRIORITY, 1, &d, err_msg,
                                    err_len)) != CRIER_OK)
                goto cleanup;
            it.priority = (int32_t)d;
        } else if (strcmp(k, "duration_s") == 0) {
            if ((rc = crier_protocol__get_number(f, k, CRIER_POST_MIN_DURATION_S, CRIER_POST_MAX_DURATION_S, 0, &d, err_msg,
                                    err_len)) != CRIER_OK)
                goto cleanup;
            it.duration_ms = (int32_t)llround(d * 1000.0);
        } else if (strcmp(k, "languages") == 0) {
            if (!cJSON_IsArray(f)) {
                crier_errf(err_msg, err_len, "field 'languages': expected an array of language tags");
                rc = CRIER_ERR_INVAL;
                goto cleanup;
            }
            int n = cJSON_GetArraySize(f);
            if (n > CRIER_POST_MAX_LANGS) {
                crier_errf(err_msg, err_len, "field 'languages': %d tags exceeds the limit of %d", n,
                     CRIER_POST_MAX_LANGS);
                rc = CRIER_ERR_LIMIT;
                goto cleanup;
            }
            for (const cJSON *l = f->child; l; l = l->next) {
                if (!cJSON_IsString(l) || !lang_tag_ok(l->valuestring)) {
                    crier_errf(err_msg, err_len, "field 'languages': expected BCP 47 tags like \"en\" or \"pt-BR\"");
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
            crier_protocol__shown_name(k, shown);
            crier_errf(err_msg, err_len, "unknown field '%s' (extensions must start with \"x-\")", shown);
            rc = CRIER_ERR_INVAL;
            goto cleanup;
        }
    }
    if (!have_title) {
        crier_errf(err_msg, err_len, "field 'title' is required");
        rc = CRIER_ERR_INVAL;
        goto cleanup;
    }
    if (it.valid_until_ms && it.valid_from_ms && it.valid_until_ms <= it.valid_from_ms) {
        crier_errf(err_msg, err_len, "valid_until is not after valid_from");
        rc = CRIER_ERR_STALE;
        goto cleanup;
    }
    if (it.valid_until_ms && it.valid_until_ms <= now_ms) {
        char when[40];
        crier_format_utc_ms(it.valid_until_ms, when, sizeof when);
        crier_errf(err_msg, err_len, "valid_until %s is in the past", when);
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
        return crier_protocol__print_and_free(o);
    crier_protocol__add_str(o, "id", item->id);
    crier_protocol__add_str(o, "title", item->title);
    crier_protocol__add_str(o, "body", item->body);
    crier_protocol__add_str(o, "image", item->image);
    crier_protocol__add_str(o, "link", item->link);
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
    return crier_protocol__print_and_free(o);
}
