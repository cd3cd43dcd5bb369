/* alert_set_store.c - the alert set on disk: crier_alert_set_save / _load
 * (see alert_set.h).  The active set and the replay memory survive a restart,
 * so a kiosk that reboots shows what it showed and still refuses replays. */
#include "alerts/alert_set_internal.h"
#include "base/atomicfile.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <cjson/cJSON.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state file is written as text, not as a cJSON tree: with 4 096
 * remembered identifiers a tree costs ~2 MB for an instant at every save, and
 * the allocator keeps that peak for good (the soak saw RSS grow with the
 * replay memory).  Two passes over the same writer: the first (out->buf NULL)
 * measures, the second fills one buffer of exactly that size. */
typedef struct jout {
    char *buf;
    size_t len;
} jout;

static void jraw(jout *o, const char *s, size_t n)
{
    if (o->buf)
        memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void jstr(jout *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    jraw(o, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        char e[6] = {'\\', 0, 0, 0, 0, 0};
        if (*p == '"' || *p == '\\') {
            e[1] = (char)*p;
            jraw(o, e, 2);
        } else if (*p < 0x20) {
            memcpy(e + 1, "u00", 3);
            e[4] = hex[*p >> 4];
            e[5] = hex[*p & 15];
            jraw(o, e, 6);
        } else {
            jraw(o, (const char *)p, 1);
        }
    }
    jraw(o, "\"", 1);
}

static void jlit(jout *o, const char *s)
{
    jraw(o, s, strlen(s));
}

static void write_state(jout *o, const crier_alert_set *s, const char *when, char *const *active,
                        const size_t *active_len)
{
    char num[32];
    jlit(o, "{\"type\":\"crier-alert-state\",\"v\":1,\"saved\":");
    jstr(o, when);
    jlit(o, ",\"senders\":[");
    for (size_t i = 0; i < s->sender_count; i++) {
        jlit(o, i ? ",{\"sender\":" : "{\"sender\":");
        jstr(o, s->senders[i].sender);
        snprintf(num, sizeof num, ",\"seq\":%lld}", (long long)s->senders[i].last_seq);
        jlit(o, num);
    }
    jlit(o, "],\"seen\":[");
    for (size_t i = 0; i < s->seen_count; i++) {
        jlit(o, i ? ",{\"sender\":" : "{\"sender\":");
        jstr(o, s->seen[i].sender);
        jlit(o, ",\"identifier\":");
        jstr(o, s->seen[i].identifier);
        jlit(o, ",\"state\":");
        jstr(o, crier_alert_set__seen_names[s->seen[i].state]);
        jlit(o, "}");
    }
    jlit(o, "],\"active\":[");
    for (size_t i = 0; i < s->active_count; i++) {
        if (i)
            jlit(o, ",");
        jraw(o, active[i], active_len[i]);
    }
    jlit(o, "]}");
}

crier_err crier_alert_set_save(const crier_alert_set *s, const char *path)
{
    crier_err err = CRIER_ERR_NOMEM;
    if (!s || !path)
        return CRIER_ERR_INVAL;
    char when[40];
    crier_format_utc_ms(crier_wall_ms(), when, sizeof when);
    size_t n_active = s->active_count;
    char **active = calloc(n_active ? n_active : 1, sizeof *active);
    size_t *active_len = calloc(n_active ? n_active : 1, sizeof *active_len);
    jout o = {NULL, 0};
    if (!active || !active_len)
        goto cleanup;
    for (size_t i = 0; i < n_active; i++)
        if ((err = crier_alert_to_json(s->active[i], 1, &active[i], &active_len[i])) != CRIER_OK)
            goto cleanup;
    err = CRIER_ERR_NOMEM;
    write_state(&o, s, when, active, active_len); /* measure */
    size_t need = o.len;
    if (!(o.buf = malloc(need + 1)))
        goto cleanup;
    o.len = 0;
    write_state(&o, s, when, active, active_len); /* fill */
    o.buf[o.len] = '\0';
    err = crier_atomicfile_write(path, o.buf, o.len, 0600, 1);
    if (err != CRIER_OK)
        LOG_ERROR("alert", "cannot save alert state to %s: %s", path, crier_strerror(err));
cleanup:
    for (size_t i = 0; active && i < n_active; i++)
        free(active[i]);
    free(active);
    free(active_len);
    free(o.buf);
    return err;
}

static int seen_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(crier_alert_set__seen_names[i], name) == 0)
            return i;
    return -1;
}

/* Fill s from the parsed state file; any problem is reported through why. */
static crier_err load_state(crier_alert_set *s, const cJSON *root, char *why, size_t wlen)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "v");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "crier-alert-state") != 0 ||
        !cJSON_IsNumber(v) || v->valuedouble != 1.0) {
        crier_errf(why, wlen, "not a version 1 alert state file");
        return CRIER_ERR_PARSE;
    }
    const cJSON *senders = cJSON_GetObjectItemCaseSensitive(root, "senders");
    const cJSON *seen = cJSON_GetObjectItemCaseSensitive(root, "seen");
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(root, "active");
    if (!cJSON_IsArray(senders) || !cJSON_IsArray(seen) || !cJSON_IsArray(active)) {
        crier_errf(why, wlen, "senders, seen and active must be arrays");
        return CRIER_ERR_PARSE;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, senders)
    {
        const cJSON *sd = cJSON_GetObjectItemCaseSensitive(it, "sender");
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(it, "seq");
        if (!cJSON_IsString(sd) || !crier_alert_text_ok(sd->valuestring, CRIER_ALERT_MAX_ID, 0) ||
            !cJSON_IsNumber(seq) || seq->valuedouble < 0 || seq->valuedouble > (double)CRIER_ALERT_MAX_SEQ) {
            crier_errf(why, wlen, "bad sender entry");
            return CRIER_ERR_PARSE;
        }
        if (crier_alert_set__sender_put(s, sd->valuestring, (int64_t)seq->valuedouble) != CRIER_OK)
            return CRIER_ERR_NOMEM;
    }
    cJSON_ArrayForEach(it, seen)
    {
        const cJSON *sd = cJSON_GetObjectItemCaseSensitive(it, "sender");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "identifier");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "state");
        int state = cJSON_IsString(st) ? seen_parse(st->valuestring) : -1;
        if (!cJSON_IsString(sd) || !cJSON_IsString(id) || state < 0 ||
            !crier_alert_text_ok(sd->valuestring, CRIER_ALERT_MAX_ID, 0) ||
            !crier_alert_text_ok(id->valuestring, CRIER_ALERT_MAX_ID, 0)) {
            crier_errf(why, wlen, "bad seen entry");
            return CRIER_ERR_PARSE;
        }
        if (crier_alert_set__seen_put(s, sd->valuestring, id->valuestring, (seen_state)state) != CRIER_OK)
            return CRIER_ERR_NOMEM;
    }
    size_t i = 0;
    cJSON_ArrayForEach(it, active)
    {
        char *one = cJSON_PrintUnformatted(it);
        crier_alert *a = NULL;
        char msg[160];
        if (!one)
            return CRIER_ERR_NOMEM;
        crier_err e = crier_alert_parse_ex(one, strlen(one), 1, &a, msg, sizeof msg);
        free(one);
        if (e != CRIER_OK) {
            crier_errf(why, wlen, "active[%zu]: %s", i, msg);
            return CRIER_ERR_PARSE;
        }
        if (s->active_count >= s->opts.max_active || crier_alert_set__active_find(s, a->sender, a->identifier) >= 0) {
            crier_alert_free(a);
            crier_errf(why, wlen, "active[%zu]: over the limit or repeated", i);
            return CRIER_ERR_PARSE;
        }
        if (crier_alert_set__active_insert(s, a) != CRIER_OK) {
            crier_alert_free(a);
            return CRIER_ERR_NOMEM;
        }
        /* an active alert is always remembered, whatever the seen list says */
        if (crier_alert_set__seen_put(s, a->sender, a->identifier, SEEN_ACCEPTED) != CRIER_OK ||
            crier_alert_set__sender_put(s, a->sender, a->seq) != CRIER_OK)
            return CRIER_ERR_NOMEM;
        i++;
    }
    return CRIER_OK;
}

crier_err crier_alert_set_load(crier_alert_set *s, const char *path, int64_t now_ms, int *was_corrupt)
{
    char *buf = NULL, why[200] = "";
    size_t len = 0;
    if (was_corrupt)
        *was_corrupt = 0;
    if (!s || !path)
        return CRIER_ERR_INVAL;
    crier_alert_set__clear(s);
    char *folder = strdup(path); /* temp files of a kiosk killed while saving */
    if (folder) {
        (void)crier_atomicfile_sweep(dirname(folder));
        free(folder);
    }
    crier_err err = crier_atomicfile_read(path, CRIER_ALERT_STATE_MAX_BYTES, &buf, &len);
    if (err == CRIER_ERR_NOTFOUND) {
        LOG_INFO("alert", "no alert state at %s; starting empty", path);
        return CRIER_OK;
    }
    if (err == CRIER_ERR_LIMIT) {
        crier_errf(why, sizeof why, "larger than %u bytes", (unsigned)CRIER_ALERT_STATE_MAX_BYTES);
    } else if (err != CRIER_OK) {
        LOG_ERROR("alert", "cannot read alert state %s: %s", path, crier_strerror(err));
        return err;
    } else {
        cJSON *root = cJSON_ParseWithLength(buf, len);
        if (!cJSON_IsObject(root)) {
            crier_errf(why, sizeof why, "not JSON (truncated?)");
            err = CRIER_ERR_PARSE;
        } else {
            err = load_state(s, root, why, sizeof why);
        }
        cJSON_Delete(root);
    }
    free(buf);
    if (err == CRIER_ERR_NOMEM) {
        crier_alert_set__clear(s);
        return err;
    }
    if (err != CRIER_OK) {
        crier_alert_set__clear(s);
        size_t n = strlen(path) + 16;
        char *bad = malloc(n);
        if (bad) {
            snprintf(bad, n, "%s.corrupt", path);
            if (rename(path, bad) != 0)
                LOG_ERROR("alert", "cannot rename %s to %s", path, bad);
        }
        LOG_ERROR("alert", "alert state %s is corrupt (%s); starting empty, kept as %s", path, why,
                  bad ? bad : "(nothing)");
        free(bad);
        if (was_corrupt)
            *was_corrupt = 1;
        return CRIER_OK;
    }
    size_t expired = crier_alert_set_expire(s, now_ms);
    LOG_INFO("alert", "loaded %zu active alert(s) from %s (%zu expired while away)", s->active_count,
             path, expired);
    return CRIER_OK;
}
