/* topic.c - topic names of Crier's MQTT protocol: builders, parser, scope check,
 * alert topic ids (see topic.h, docs/protocol.md).  Pure and re-entrant. */
#include "remote/topic.h"

#include <ctype.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* ---- alerts ------------------------------------------------------------------ */

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
