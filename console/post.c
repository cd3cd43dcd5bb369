/* post.c - post fields, the kiosk payload and topics (post.h). */
#include "post.h"

#include "base/timeutil.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fields[] = {"title", "body", "lang", "image", "link", "qr",
                                     "priority", "duration_s", "target", "schedule"};
#define NFIELDS (sizeof fields / sizeof fields[0])
/* Members of a post object that are not edited (sent back by clients as is). */
static const char *const readonly[] = {"id", "status", "author", "approver", "created",
                                       "updated", "version", "publish", "live", "words"};

static int known(const char *k, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(k, list[i]) == 0)
            return 1;
    return 0;
}

static crier_err check_target(const cJSON *t, char *err, size_t err_len)
{
    if (!cJSON_IsObject(t)) {
        crier_errf(err, err_len, "'target' must be {\"all\":true}, {\"sites\":[...]} or {\"screens\":[...]}");
        return CRIER_ERR_INVAL;
    }
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(t, "all");
    const cJSON *sites = cJSON_GetObjectItemCaseSensitive(t, "sites");
    const cJSON *screens = cJSON_GetObjectItemCaseSensitive(t, "screens");
    int kinds = (all != NULL) + (sites != NULL) + (screens != NULL);
    if (kinds != 1 || cJSON_GetArraySize(t) != 1) {
        crier_errf(err, err_len, "'target' must have exactly one of all, sites, screens");
        return CRIER_ERR_INVAL;
    }
    if (all) {
        if (!cJSON_IsTrue(all)) {
            crier_errf(err, err_len, "'target.all' must be true");
            return CRIER_ERR_INVAL;
        }
        return CRIER_OK;
    }
    const cJSON *list = sites ? sites : screens;
    int n = cJSON_GetArraySize(list);
    if (!cJSON_IsArray(list) || n < 1 || n > CN_TARGETS_MAX) {
        crier_errf(err, err_len, "'target.%s' must list 1..%d names", sites ? "sites" : "screens", CN_TARGETS_MAX);
        return CRIER_ERR_INVAL;
    }
    for (const cJSON *e = list->child; e; e = e->next) {
        if (!cJSON_IsString(e) || !cn_name_ok(e->valuestring)) {
            crier_errf(err, err_len, "'target.%s': a name is 1..64 letters, digits, '_', '.', '-'",
                       sites ? "sites" : "screens");
            return CRIER_ERR_INVAL;
        }
        for (const cJSON *f = list->child; f != e; f = f->next)
            if (strcmp(f->valuestring, e->valuestring) == 0) {
                crier_errf(err, err_len, "'target.%s': '%s' is listed twice", sites ? "sites" : "screens",
                           e->valuestring);
                return CRIER_ERR_INVAL;
            }
    }
    return CRIER_OK;
}

static crier_err check_field(const char *k, const cJSON *v, char *err, size_t err_len)
{
    if (strcmp(k, "title") == 0 || strcmp(k, "body") == 0 || strcmp(k, "lang") == 0 || strcmp(k, "image") == 0 ||
        strcmp(k, "link") == 0) {
        if (!cJSON_IsString(v)) {
            crier_errf(err, err_len, "field '%s': expected a string", k);
            return CRIER_ERR_INVAL;
        }
        return CRIER_OK; /* lengths, URLs, tags: the kiosks' parser checks them (cn_post_wire) */
    }
    if (strcmp(k, "qr") == 0) {
        if (!cJSON_IsBool(v)) {
            crier_errf(err, err_len, "field 'qr': expected true or false");
            return CRIER_ERR_INVAL;
        }
        return CRIER_OK;
    }
    if (strcmp(k, "priority") == 0 || strcmp(k, "duration_s") == 0) {
        if (!cJSON_IsNumber(v) && !cJSON_IsNull(v)) {
            crier_errf(err, err_len, "field '%s': expected a number", k);
            return CRIER_ERR_INVAL;
        }
        return CRIER_OK;
    }
    if (strcmp(k, "target") == 0)
        return check_target(v, err, err_len);
    cn_sched s;
    return cn_sched_parse(v, &s, err, err_len);
}

crier_err cn_post_data(const cJSON *in, const cJSON *base, cJSON **out, char *err, size_t err_len)
{
    *out = NULL;
    if (!cJSON_IsObject(in)) {
        crier_errf(err, err_len, "a post is a JSON object");
        return CRIER_ERR_INVAL;
    }
    for (const cJSON *f = in->child; f; f = f->next) {
        const char *k = f->string ? f->string : "";
        if (!known(k, fields, NFIELDS) && !known(k, readonly, sizeof readonly / sizeof readonly[0])) {
            char shown[40];
            snprintf(shown, sizeof shown, "%s", k);
            for (char *p = shown; *p; p++)
                if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                    *p = '?';
            crier_errf(err, err_len, "unknown field '%s'", shown);
            return CRIER_ERR_INVAL;
        }
    }
    cJSON *d = cJSON_CreateObject();
    if (!d)
        return CRIER_ERR_NOMEM;
    for (size_t i = 0; i < NFIELDS; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, fields[i]);
        if (!v && base)
            v = cJSON_GetObjectItemCaseSensitive(base, fields[i]);
        if (!v)
            continue;
        crier_err e = check_field(fields[i], v, err, err_len);
        if (e != CRIER_OK) {
            cJSON_Delete(d);
            return e;
        }
        if (cJSON_IsNull(v))
            continue;
        if (strcmp(fields[i], "schedule") == 0) {
            cn_sched s;
            cn_sched_parse(v, &s, NULL, 0);
            cJSON_AddItemToObject(d, "schedule", cn_sched_json(&s));
        } else {
            cJSON_AddItemToObject(d, fields[i], cJSON_Duplicate(v, 1));
        }
    }
    if (!cJSON_GetObjectItemCaseSensitive(d, "target"))
        cJSON_AddItemToObject(d, "target", cJSON_Parse("{\"all\":true}"));
    if (!cJSON_GetObjectItemCaseSensitive(d, "qr"))
        cJSON_AddBoolToObject(d, "qr", cJSON_GetObjectItemCaseSensitive(d, "link") != NULL);
    *out = d;
    return CRIER_OK;
}

int cn_upload_ref(const char *url, char id[CN_NAME_MAX + 1])
{
    if (!url || strncmp(url, "/uploads/", 9) != 0 || !cn_name_ok(url + 9))
        return 0;
    snprintf(id, CN_NAME_MAX + 1, "%s", url + 9);
    return 1;
}

char *cn_post_wire(const cJSON *data, const char *id, const char *public_url, int64_t now_ms, char *err,
                   size_t err_len)
{
    cJSON *p = cJSON_CreateObject();
    if (!p)
        return NULL;
    cJSON_AddStringToObject(p, "id", id);
    const char *title = cn_jstr(data, "title"), *body = cn_jstr(data, "body"), *image = cn_jstr(data, "image"),
               *link = cn_jstr(data, "link"), *lang = cn_jstr(data, "lang");
    cJSON_AddStringToObject(p, "title", title ? title : "");
    if (body && body[0])
        cJSON_AddStringToObject(p, "body", body);
    char upload[CN_NAME_MAX + 1];
    if (image && image[0]) {
        if (cn_upload_ref(image, upload)) {
            char url[2200];
            snprintf(url, sizeof url, "%s/uploads/%s", public_url ? public_url : "", upload);
            cJSON_AddStringToObject(p, "image", url);
        } else {
            cJSON_AddStringToObject(p, "image", image);
        }
    }
    if (link && link[0] && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data, "qr")))
        cJSON_AddStringToObject(p, "link", link);
    cn_sched s;
    cn_post_sched(data, &s);
    char t[32];
    if (s.from_ms) {
        cn_time_str(s.from_ms, t, sizeof t);
        cJSON_AddStringToObject(p, "valid_from", t);
    }
    if (s.until_ms) {
        cn_time_str(s.until_ms, t, sizeof t);
        cJSON_AddStringToObject(p, "valid_until", t);
    }
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(data, "priority");
    if (cJSON_IsNumber(pr))
        cJSON_AddItemToObject(p, "priority", cJSON_Duplicate(pr, 0));
    const cJSON *du = cJSON_GetObjectItemCaseSensitive(data, "duration_s");
    if (cJSON_IsNumber(du))
        cJSON_AddItemToObject(p, "duration_s", cJSON_Duplicate(du, 0));
    if (lang && lang[0]) {
        cJSON *arr = cJSON_AddArrayToObject(p, "languages");
        cJSON_AddItemToArray(arr, cJSON_CreateString(lang));
    }
    cJSON_AddNumberToObject(p, "sent", (double)now_ms);
    if (s.days_spec[0])
        cJSON_AddStringToObject(p, "x-days", s.days_spec);
    if (s.hours_spec[0])
        cJSON_AddStringToObject(p, "x-hours", s.hours_spec);
    char *json = cn_json_print(p);
    cJSON_Delete(p);
    if (!json) {
        crier_errf(err, err_len, "out of memory");
        return NULL;
    }
    crier_item check = {0};
    char why[256];
    if (crier_post_parse(json, strlen(json), id, "console", now_ms, &check, why, sizeof why) != CRIER_OK) {
        crier_errf(err, err_len, "kiosks would reject this post: %s", why);
        free(json);
        return NULL;
    }
    crier_item_clear(&check);
    return json;
}

int cn_post_topics(const cJSON *data, const char *id, char (*topics)[CRIER_TOPIC_MAX], int max)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(data, "target");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "all")))
        return max > 0 && crier_topic_post(topics[0], CRIER_TOPIC_MAX, CRIER_SCOPE_ALL, NULL, id) == CRIER_OK;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(t, "sites");
    crier_scope scope = CRIER_SCOPE_SITE;
    if (!list) {
        list = cJSON_GetObjectItemCaseSensitive(t, "screens");
        scope = CRIER_SCOPE_KIOSK;
    }
    int n = 0;
    for (const cJSON *e = list ? list->child : NULL; e && n < max; e = e->next)
        if (cJSON_IsString(e) && crier_topic_post(topics[n], CRIER_TOPIC_MAX, scope, e->valuestring, id) == CRIER_OK)
            n++;
    return n;
}

void cn_post_sched(const cJSON *data, cn_sched *out)
{
    if (cn_sched_parse(cJSON_GetObjectItemCaseSensitive(data, "schedule"), out, NULL, 0) != CRIER_OK)
        cn_sched_parse(NULL, out, NULL, 0);
}

void cn_post_new_id(int64_t now_ms, char id[CN_NAME_MAX + 1])
{
    char stamp[32];
    unsigned char r[4];
    randombytes_buf(r, sizeof r);
    cn_time_str(now_ms, stamp, sizeof stamp); /* 2026-12-06T06:36:05Z */
    snprintf(id, CN_NAME_MAX + 1, "c-%.4s%.2s%.2s-%.2s%.2s%.2s-%02x%02x%02x%02x", stamp, stamp + 5, stamp + 8,
             stamp + 11, stamp + 14, stamp + 17, r[0], r[1], r[2], r[3]);
}
