/* layout.c - layout JSON parser and layout maths. */
#include "screen/layout.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int get_color(const cJSON *o, const char *name, crier_rgba def, crier_rgba *out, char *err, size_t len,
                     const char *zone)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!cJSON_IsString(v) || crier_color_parse(v->valuestring, out) != CRIER_OK) {
        crier_errf(err, len, "zone '%s': \"%s\" must be a colour like \"#12abef\"", zone, name);
        return -1;
    }
    return 0;
}

static int get_num(const cJSON *o, const char *name, double def, double min, double max, double *out, char *err,
                   size_t len, const char *zone)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < min || v->valuedouble > max) {
        crier_errf(err, len, "zone '%s': \"%s\" must be a number from %g to %g", zone, name, min, max);
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

crier_err crier_layout_parse(const char *buf, size_t len, crier_layout *out, char *err, size_t err_len)
{
    static const char *const type_names[] = {"header", "posts", "events", "ticker"};
    crier_err rc = CRIER_ERR_PARSE;
    cJSON *root = NULL;
    memset(out, 0, sizeof *out);
    if (len > CRIER_LAYOUT_MAX_BYTES) {
        crier_errf(err, err_len, "layout larger than %d bytes", CRIER_LAYOUT_MAX_BYTES);
        return CRIER_ERR_LIMIT;
    }
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    /* Only white space may follow the object. */
    while (root && end && end < buf + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (!root || !cJSON_IsObject(root) || (end && end < buf + len)) {
        crier_errf(err, err_len, "layout is not a JSON object");
        goto cleanup;
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    snprintf(out->name, sizeof out->name, "%s", cJSON_IsString(name) ? name->valuestring : "unnamed");
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(root, "reference");
    const cJSON *rw = cJSON_GetObjectItemCaseSensitive(ref, "width");
    const cJSON *rh = cJSON_GetObjectItemCaseSensitive(ref, "height");
    if (!cJSON_IsNumber(rw) || !cJSON_IsNumber(rh) || rw->valuedouble < 64 || rh->valuedouble < 64 ||
        rw->valuedouble > 16384 || rh->valuedouble > 16384) {
        crier_errf(err, err_len, "\"reference\" must be {\"width\": W, \"height\": H} with 64..16384");
        goto cleanup;
    }
    out->ref_width = (int)rw->valuedouble;
    out->ref_height = (int)rh->valuedouble;
    const cJSON *bg = cJSON_GetObjectItemCaseSensitive(root, "background");
    if (!bg || !cJSON_IsString(bg) || crier_color_parse(bg->valuestring, &out->background) != CRIER_OK) {
        crier_errf(err, err_len, "\"background\" must be a colour like \"#102030\"");
        goto cleanup;
    }
    const cJSON *zones = cJSON_GetObjectItemCaseSensitive(root, "zones");
    if (!cJSON_IsArray(zones) || cJSON_GetArraySize(zones) == 0) {
        crier_errf(err, err_len, "\"zones\" must be a non-empty array");
        goto cleanup;
    }
    if (cJSON_GetArraySize(zones) > CRIER_LAYOUT_MAX_ZONES) {
        crier_errf(err, err_len, "more than %d zones", CRIER_LAYOUT_MAX_ZONES);
        rc = CRIER_ERR_LIMIT;
        goto cleanup;
    }
    const cJSON *zj;
    cJSON_ArrayForEach(zj, zones)
    {
        crier_zone *z = &out->zones[out->n_zones];
        char zname[32];
        snprintf(zname, sizeof zname, "#%d", out->n_zones);
        if (!cJSON_IsObject(zj)) {
            crier_errf(err, err_len, "zone %s is not an object", zname);
            goto cleanup;
        }
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(zj, "type");
        int type = -1;
        for (int i = 0; i < 4 && cJSON_IsString(t); i++)
            if (strcmp(t->valuestring, type_names[i]) == 0)
                type = i;
        if (type < 0) {
            crier_errf(err, err_len, "zone %s: \"type\" must be header, posts, events or ticker", zname);
            goto cleanup;
        }
        z->type = (crier_zone_type)type;
        snprintf(z->name, sizeof z->name, "%s", type_names[type]);
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(zj, "rect");
        if (!cJSON_IsArray(r) || cJSON_GetArraySize(r) != 4) {
            crier_errf(err, err_len, "zone '%s': \"rect\" must be [x, y, w, h] fractions", z->name);
            goto cleanup;
        }
        double v[4];
        for (int i = 0; i < 4; i++) {
            const cJSON *e = cJSON_GetArrayItem(r, i);
            if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) || e->valuedouble < 0 || e->valuedouble > 1) {
                crier_errf(err, err_len, "zone '%s': \"rect\" values must be fractions from 0 to 1", z->name);
                goto cleanup;
            }
            v[i] = e->valuedouble;
        }
        if (v[2] <= 0 || v[3] <= 0 || v[0] + v[2] > 1.0001 || v[1] + v[3] > 1.0001) {
            crier_errf(err, err_len, "zone '%s': \"rect\" must lie inside the screen and not be empty", z->name);
            goto cleanup;
        }
        z->x = v[0], z->y = v[1], z->w = v[2], z->h = v[3];
        double max_items = 6;
        if (get_color(zj, "background", out->background, &z->background, err, err_len, z->name) ||
            get_color(zj, "color", (crier_rgba){255, 255, 255, 255}, &z->color, err, err_len, z->name) ||
            get_color(zj, "accent", z->color, &z->accent, err, err_len, z->name) ||
            get_num(zj, "title_px", 64, 4, 1000, &z->title_px, err, err_len, z->name) ||
            get_num(zj, "body_px", 40, 4, 1000, &z->body_px, err, err_len, z->name) ||
            get_num(zj, "min_px", 24, 4, 1000, &z->min_px, err, err_len, z->name) ||
            get_num(zj, "padding_px", 24, 0, 1000, &z->padding_px, err, err_len, z->name) ||
            get_num(zj, "max_items", 6, 1, 50, &max_items, err, err_len, z->name))
            goto cleanup;
        if (z->min_px > z->body_px) {
            crier_errf(err, err_len, "zone '%s': \"min_px\" is larger than \"body_px\"", z->name);
            goto cleanup;
        }
        z->max_items = (int)max_items;
        out->n_zones++;
    }
    rc = CRIER_OK;
cleanup:
    cJSON_Delete(root);
    return rc;
}

crier_rect crier_layout_zone_rect(const crier_zone *z, int width, int height)
{
    int x0 = (int)lround(z->x * width), y0 = (int)lround(z->y * height);
    int x1 = (int)lround((z->x + z->w) * width), y1 = (int)lround((z->y + z->h) * height);
    if (x1 > width)
        x1 = width;
    if (y1 > height)
        y1 = height;
    return (crier_rect){x0, y0, x1 - x0, y1 - y0};
}

int crier_layout_px(const crier_layout *l, double ref_px, int height)
{
    int px = (int)lround(ref_px * height / (l->ref_height > 0 ? l->ref_height : height));
    return px < 1 ? 1 : px;
}

const crier_zone *crier_layout_find(const crier_layout *l, crier_zone_type type)
{
    for (int i = 0; i < l->n_zones; i++)
        if (l->zones[i].type == type)
            return &l->zones[i];
    return NULL;
}
