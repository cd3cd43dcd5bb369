/* config.c - the one setter: defaults, a value from a file line or a flag, and
 * the listing of every key.
 *
 * Every value goes through apply(), so a flag and a file line are validated
 * identically.  Values are parsed strictly: trailing garbage, out-of-range
 * numbers and words that are not one of an enum key's are errors, and a
 * rejected value never replaces the previous good one.  The table itself is
 * keys.c; the file syntax parse.c; the cross-checks check.c. */
#include "config/keys.h"
#include "content/content.h"
#include "base/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *join_path(const char *base, const char *path)
{
    if (!path[0] || path[0] == '/' || !base || !base[0])
        return crier_strdup(path);
    size_t n = strlen(base) + strlen(path) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%s", base, path);
    return out;
}

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

/* "a, b or c" from an enum key's words, for messages. */
static void choice_list(const crier_config_choice *c, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; c[i].name && used < len; i++) {
        const char *sep = i == 0 ? "" : c[i + 1].name ? ", " : " or ";
        int n = snprintf(buf + used, len - used, "%s%s", sep, c[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Apply one value according to its row; `base` is the struct the offset is into. */
static crier_err apply(const crier_config_key *k, void *base, crier_config *cfg, const char *value,
                       const char *base_dir, char *why, size_t why_len)
{
    char *field = (char *)base + k->offset;
    if (!crier_utf8_is_valid(value, strlen(value))) {
        crier_errf(why, why_len, "value is not valid UTF-8");
        return CRIER_ERR_INVAL;
    }
    for (const unsigned char *c = (const unsigned char *)value; *c; c++)
        if (*c < 0x20 || *c == 0x7f) {
            crier_errf(why, why_len, "value contains a control character");
            return CRIER_ERR_INVAL;
        }
    switch (k->type) {
    case T_STRING:
    case T_PATH: {
        char *copy = k->type == T_PATH ? join_path(base_dir, value) : crier_strdup(value);
        if (!copy)
            return CRIER_ERR_NOMEM;
        free(*(char **)field);
        *(char **)field = copy;
        return CRIER_OK;
    }
    case T_ENUM: {
        for (const crier_config_choice *c = k->choices; c->name; c++)
            if (strcmp(c->name, value) == 0) {
                *(int *)field = c->value;
                return CRIER_OK;
            }
        char words[256];
        choice_list(k->choices, words, sizeof words);
        crier_errf(why, why_len, "'%s' is not one of %s", value, words);
        return CRIER_ERR_INVAL;
    }
    case T_INT: {
        long v;
        if (parse_long(value, &v) || v < k->min || v > k->max) {
            crier_errf(why, why_len, "'%s' is not a whole number from %ld to %ld", value, k->min, k->max);
            return CRIER_ERR_INVAL;
        }
        *(int *)field = (int)v;
        return CRIER_OK;
    }
    case T_BOOL: {
        int b;
        if (parse_bool(value, &b)) {
            crier_errf(why, why_len, "'%s' is not true or false", value);
            return CRIER_ERR_INVAL;
        }
        *(int *)field = b;
        return CRIER_OK;
    }
    case T_SIZE: {
        unsigned w, h;
        char tail;
        if (sscanf(value, "%ux%u%c", &w, &h, &tail) != 2 || w > 16384 || h > 16384 ||
            ((w == 0) != (h == 0)) || (w && (w < 64 || h < 64))) {
            crier_errf(why, why_len, "'%s' is not WIDTHxHEIGHT (64..16384 each, or 0x0)", value);
            return CRIER_ERR_INVAL;
        }
        cfg->width = (int)w;
        cfg->height = (int)h;
        return CRIER_OK;
    }
    }
    return CRIER_ERR_INVAL;
}

static int valid_name(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n >= max)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return 0;
    return 1;
}

static crier_source_config *find_or_add_source(crier_config *cfg, const char *name, int line)
{
    for (int i = 0; i < cfg->n_sources; i++)
        if (strcmp(cfg->sources[i].name, name) == 0)
            return &cfg->sources[i];
    if (cfg->n_sources >= CRIER_MAX_SOURCES)
        return NULL;
    crier_source_config *src = &cfg->sources[cfg->n_sources++];
    memset(src, 0, sizeof *src);
    snprintf(src->name, sizeof src->name, "%s", name);
    src->line = line;
    for (size_t i = 0; i < crier_config__n_source_keys; i++)
        if (crier_config__source_keys[i].def)
            apply(&crier_config__source_keys[i], src, cfg, crier_config__source_keys[i].def, NULL, NULL, 0);
    return src;
}

/* source.NAME.FIELD = value */
static crier_err set_source_key(crier_config *cfg, const char *key, const char *value, const char *where,
                                int line, const char *base_dir, char *err, size_t err_len)
{
    char why[256] = "";
    const char *name = key + 7, *dot = strrchr(name, '.');
    char sname[48];
    if (!dot || dot == name || (size_t)(dot - name) >= sizeof sname) {
        crier_errf(err, err_len, "%s: key '%s': expected source.NAME.FIELD", where, key);
        return CRIER_ERR_INVAL;
    }
    memcpy(sname, name, (size_t)(dot - name));
    sname[dot - name] = '\0';
    if (!valid_name(sname, sizeof sname)) {
        crier_errf(err, err_len, "%s: key '%s': source name must be letters, digits, '-' or '_'", where, key);
        return CRIER_ERR_INVAL;
    }
    const crier_config_key *k = crier_config__find(crier_config__source_keys, crier_config__n_source_keys, dot + 1);
    if (!k) {
        crier_errf(err, err_len, "%s: unknown key '%s'", where, key);
        return CRIER_ERR_NOTFOUND;
    }
    crier_source_config *src = find_or_add_source(cfg, sname, line);
    if (!src) {
        crier_errf(err, err_len, "%s: key '%s': more than %d sources", where, key, CRIER_MAX_SOURCES);
        return CRIER_ERR_LIMIT;
    }
    crier_err rc = apply(k, src, cfg, value, base_dir, why, sizeof why);
    if (rc != CRIER_OK)
        crier_errf(err, err_len, "%s: key '%s': %s", where, key, why[0] ? why : crier_strerror(rc));
    return rc;
}

crier_err crier_config_set(crier_config *cfg, const char *key, const char *value, const char *origin,
                           int line, const char *base_dir, char *err, size_t err_len)
{
    char why[256] = "";
    char where[300];
    if (line > 0)
        snprintf(where, sizeof where, "%s:%d", origin ? origin : "config", line);
    else
        snprintf(where, sizeof where, "%s", origin ? origin : "config");

    if (strncmp(key, "source.", 7) == 0)
        return set_source_key(cfg, key, value, where, line, base_dir, err, err_len);

    const crier_config_key *k = crier_config__find(crier_config__keys, crier_config__n_keys, key);
    if (!k) {
        crier_errf(err, err_len, "%s: unknown key '%s'", where, key);
        return CRIER_ERR_NOTFOUND;
    }
    /* Key-specific checks run before apply() so a rejected value never
     * replaces the previous good one. */
    crier_err rc = CRIER_OK;
    long rot;
    if ((strcmp(key, "kiosk_id") == 0 || strcmp(key, "site") == 0) && !valid_name(value, 64)) {
        crier_errf(why, sizeof why, "'%s' must be 1-63 letters, digits, '-' or '_'", value);
        rc = CRIER_ERR_INVAL;
    }
    if (strcmp(key, "rotation") == 0 && parse_long(value, &rot) == 0 && rot % 90 != 0) {
        crier_errf(why, sizeof why, "'%s' is not 0, 90, 180 or 270", value);
        rc = CRIER_ERR_INVAL;
    }
    if (rc == CRIER_OK)
        rc = apply(k, cfg, cfg, value, base_dir, why, sizeof why);
    if (rc != CRIER_OK)
        crier_errf(err, err_len, "%s: key '%s': %s", where, key, why[0] ? why : crier_strerror(rc));
    return rc;
}

crier_err crier_config_init(crier_config *cfg, const char *default_assets_dir)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < crier_config__n_keys; i++) {
        const crier_config_key *k = &crier_config__keys[i];
        const char *def = k->def;
        if (k->offset == offsetof(crier_config, assets_dir) && k->type == T_PATH)
            def = default_assets_dir ? default_assets_dir : "/usr/share/crier";
        if (!def)
            continue;
        if (apply(k, cfg, cfg, def, NULL, NULL, 0) != CRIER_OK)
            return CRIER_ERR_NOMEM;
    }
    return CRIER_OK;
}

static int is_text(const crier_config_key *k)
{
    return k->type == T_STRING || k->type == T_PATH;
}

void crier_config_free(crier_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < crier_config__n_keys; i++)
        if (is_text(&crier_config__keys[i]))
            free(*(char **)((char *)cfg + crier_config__keys[i].offset));
    for (int s = 0; s < cfg->n_sources; s++)
        for (size_t i = 0; i < crier_config__n_source_keys; i++)
            if (is_text(&crier_config__source_keys[i]))
                free(*(char **)((char *)&cfg->sources[s] + crier_config__source_keys[i].offset));
    free(cfg->config_path);
    free(cfg->config_dir);
    memset(cfg, 0, sizeof *cfg);
}

static const char *choice_name(const crier_config_choice *c, int value)
{
    for (; c && c->name; c++)
        if (c->value == value)
            return c->name;
    return "?";
}

const char *crier_config_enum_name(const char *key, int value)
{
    const crier_config_key *k = NULL;
    if (key && strncmp(key, "source.", 7) == 0)
        k = crier_config__find(crier_config__source_keys, crier_config__n_source_keys, key + 7);
    else if (key)
        k = crier_config__find(crier_config__keys, crier_config__n_keys, key);
    return k && k->type == T_ENUM ? choice_name(k->choices, value) : "?";
}

void crier_config_each(const crier_config *cfg, crier_config_emit_fn fn, void *ud)
{
    char buf[64];
    for (size_t i = 0; i < crier_config__n_keys; i++) {
        const crier_config_key *k = &crier_config__keys[i];
        const char *v = "";
        const char *field = (const char *)cfg + k->offset;
        switch (k->type) {
        case T_STRING:
        case T_PATH:
            v = *(char *const *)field ? *(char *const *)field : "";
            break;
        case T_ENUM:
            v = choice_name(k->choices, *(const int *)field);
            break;
        case T_INT:
            snprintf(buf, sizeof buf, "%d", *(const int *)field);
            v = buf;
            break;
        case T_BOOL:
            v = *(const int *)field ? "true" : "false";
            break;
        case T_SIZE:
            snprintf(buf, sizeof buf, "%dx%d", cfg->width, cfg->height);
            v = buf;
            break;
        }
        fn(k->name, v, k->help, ud);
    }
}
