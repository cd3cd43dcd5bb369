/* alert.c - alert model, validation, ranking and the JSON wire format.
 *
 * Design: the parser is strict because a typo in a safety message must not pass
 * silently (a misspelt "expires" would otherwise leave an alert on screen for
 * ever): every member of an object is looked up in a table of known fields,
 * duplicates and unknown names are errors, every string is checked for UTF-8,
 * control characters and length.  The input size is checked before cJSON sees
 * it.  Semantic rules common to the JSON and CAP paths live in
 * crier_alert_validate(); replay, expiry and scope belong to alert_set.c. */
#include "alerts/alert.h"
#include "base/timeutil.h"
#include "base/utf8.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- names ---- */

static const char *const status_names[] = {"Actual", "Exercise", "System", "Test", "Draft"};
static const char *const msgtype_names[] = {"Alert", "Update", "Cancel", "Ack", "Error"};
static const char *const urgency_names[] = {"Unknown", "Past", "Future", "Expected", "Immediate"};
static const char *const severity_names[] = {"Unknown", "Minor", "Moderate", "Severe", "Extreme"};
static const char *const certainty_names[] = {"Unknown", "Unlikely", "Possible", "Likely", "Observed"};

#define NAME_OF(tab, v) (((unsigned)(v) < sizeof(tab) / sizeof((tab)[0])) ? (tab)[v] : "?")

static int parse_name(const char *const *tab, size_t n, const char *s)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(tab[i], s) == 0)
            return (int)i;
    return -1;
}

const char *crier_alert_status_name(crier_alert_status v) { return NAME_OF(status_names, v); }
const char *crier_alert_msgtype_name(crier_alert_msgtype v) { return NAME_OF(msgtype_names, v); }
const char *crier_alert_urgency_name(crier_alert_urgency v) { return NAME_OF(urgency_names, v); }
const char *crier_alert_severity_name(crier_alert_severity v) { return NAME_OF(severity_names, v); }
const char *crier_alert_certainty_name(crier_alert_certainty v) { return NAME_OF(certainty_names, v); }

int crier_alert_status_parse(const char *s) { return parse_name(status_names, 5, s); }
int crier_alert_msgtype_parse(const char *s) { return parse_name(msgtype_names, 5, s); }
int crier_alert_urgency_parse(const char *s) { return parse_name(urgency_names, 5, s); }
int crier_alert_severity_parse(const char *s) { return parse_name(severity_names, 5, s); }
int crier_alert_certainty_parse(const char *s)
{
    if (s && strcasecmp(s, "Very Likely") == 0) /* CAP 1.0, still seen in feeds */
        return CRIER_CERTAINTY_LIKELY;
    return parse_name(certainty_names, 5, s);
}

/* ---- text checks ---- */

int crier_alert_text_ok(const char *s, size_t max, int allow_nl)
{
    if (!s)
        return 0;
    size_t len = strlen(s), pos = 0;
    if (len > max)
        return 0;
    while (pos < len) {
        uint32_t cp = crier_utf8_next(s, len, &pos);
        if (cp == CRIER_UTF8_INVALID || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
            return 0;
        if (cp < 0x20 && !(allow_nl && (cp == '\n' || cp == '\t' || cp == '\r')))
            return 0;
    }
    return 1;
}

/* CAP identifiers and senders: no whitespace, comma, '<' or '&'. */
static int id_ok(const char *s)
{
    if (!s || !*s || !crier_alert_text_ok(s, CRIER_ALERT_MAX_ID, 0))
        return 0;
    for (const char *p = s; *p; p++)
        if (*p == ' ' || *p == ',' || *p == '<' || *p == '&')
            return 0;
    return 1;
}

/* ---- model ---- */

crier_alert *crier_alert_new(void)
{
    return calloc(1, sizeof(crier_alert));
}

static void info_clear(crier_alert_info *in)
{
    free(in->language);
    free(in->event);
    free(in->sender_name);
    free(in->headline);
    free(in->description);
    free(in->instruction);
    free(in->area_desc);
    free(in->web);
    memset(in, 0, sizeof *in);
}

void crier_alert_free(crier_alert *a)
{
    if (!a)
        return;
    free(a->identifier);
    free(a->sender);
    free(a->scope_target);
    free(a->note);
    for (size_t i = 0; i < a->ref_count; i++) {
        free(a->refs[i].sender);
        free(a->refs[i].identifier);
    }
    free(a->refs);
    for (size_t i = 0; i < a->info_count; i++)
        info_clear(&a->info[i]);
    free(a->info);
    free(a->issuer);
    free(a->key_id);
    free(a);
}

void crier_alert_free_void(void *alert)
{
    crier_alert_free(alert);
}

crier_alert_info *crier_alert_add_info(crier_alert *a)
{
    if (!a || a->info_count >= CRIER_ALERT_MAX_INFO)
        return NULL;
    crier_alert_info *n = realloc(a->info, (a->info_count + 1) * sizeof *n);
    if (!n)
        return NULL;
    a->info = n;
    memset(&n[a->info_count], 0, sizeof *n);
    return &n[a->info_count++];
}

crier_alert_ref *crier_alert_add_ref(crier_alert *a)
{
    if (!a || a->ref_count >= CRIER_ALERT_MAX_REFS)
        return NULL;
    crier_alert_ref *n = realloc(a->refs, (a->ref_count + 1) * sizeof *n);
    if (!n)
        return NULL;
    a->refs = n;
    memset(&n[a->ref_count], 0, sizeof *n);
    return &n[a->ref_count++];
}

static int dup_into(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

crier_alert *crier_alert_copy(const crier_alert *s)
{
    if (!s)
        return NULL;
    crier_alert *d = crier_alert_new();
    if (!d)
        return NULL;
    d->sent_ms = s->sent_ms;
    d->seq = s->seq;
    d->status = s->status;
    d->msg_type = s->msg_type;
    d->scope = s->scope;
    d->received_ms = s->received_ms;
    if (dup_into(&d->identifier, s->identifier) || dup_into(&d->sender, s->sender) ||
        dup_into(&d->scope_target, s->scope_target) || dup_into(&d->note, s->note) ||
        dup_into(&d->issuer, s->issuer) || dup_into(&d->key_id, s->key_id))
        goto fail;
    for (size_t i = 0; i < s->ref_count; i++) {
        crier_alert_ref *r = crier_alert_add_ref(d);
        if (!r)
            goto fail;
        r->sent_ms = s->refs[i].sent_ms;
        if (dup_into(&r->sender, s->refs[i].sender) || dup_into(&r->identifier, s->refs[i].identifier))
            goto fail;
    }
    for (size_t i = 0; i < s->info_count; i++) {
        const crier_alert_info *si = &s->info[i];
        crier_alert_info *di = crier_alert_add_info(d);
        if (!di)
            goto fail;
        di->urgency = si->urgency;
        di->severity = si->severity;
        di->certainty = si->certainty;
        di->effective_ms = si->effective_ms;
        di->onset_ms = si->onset_ms;
        di->expires_ms = si->expires_ms;
        if (dup_into(&di->language, si->language) || dup_into(&di->event, si->event) ||
            dup_into(&di->sender_name, si->sender_name) || dup_into(&di->headline, si->headline) ||
            dup_into(&di->description, si->description) ||
            dup_into(&di->instruction, si->instruction) || dup_into(&di->area_desc, si->area_desc) ||
            dup_into(&di->web, si->web))
            goto fail;
    }
    return d;
fail:
    crier_alert_free(d);
    return NULL;
}

crier_err crier_alert_scope_parse(const char *s, crier_alert_scope *scope, char **target)
{
    if (!s || !scope || !target)
        return CRIER_ERR_INVAL;
    *target = NULL;
    const char *t = NULL;
    if (strcmp(s, "all") == 0) {
        *scope = CRIER_ALERT_SCOPE_ALL;
        return CRIER_OK;
    } else if (strncmp(s, "site:", 5) == 0) {
        *scope = CRIER_ALERT_SCOPE_SITE;
        t = s + 5;
    } else if (strncmp(s, "kiosk:", 6) == 0) {
        *scope = CRIER_ALERT_SCOPE_KIOSK;
        t = s + 6;
    } else {
        return CRIER_ERR_PARSE;
    }
    if (!id_ok(t) || strchr(t, '/') || strchr(t, '+') || strchr(t, '#'))
        return CRIER_ERR_PARSE;
    *target = strdup(t);
    return *target ? CRIER_OK : CRIER_ERR_NOMEM;
}

/* ---- validation and ranking ---- */

crier_err crier_alert_validate(const crier_alert *a, int require_seq, char *err_msg, size_t err_len)
{
    if (!a) {
        crier_errf(err_msg, err_len, "no alert");
        return CRIER_ERR_INVAL;
    }
    if (!id_ok(a->identifier)) {
        crier_errf(err_msg, err_len, "identifier missing or invalid (no spaces, commas, < or &)");
        return CRIER_ERR_INVAL;
    }
    if (!id_ok(a->sender)) {
        crier_errf(err_msg, err_len, "sender missing or invalid (no spaces, commas, < or &)");
        return CRIER_ERR_INVAL;
    }
    if (a->sent_ms <= 0) {
        crier_errf(err_msg, err_len, "sent missing");
        return CRIER_ERR_INVAL;
    }
    if (a->seq < 0 || a->seq > CRIER_ALERT_MAX_SEQ || (require_seq && a->seq == 0)) {
        crier_errf(err_msg, err_len, "seq must be an integer 1..2^53-1");
        return CRIER_ERR_INVAL;
    }
    if ((unsigned)a->status > CRIER_ALERT_DRAFT || (unsigned)a->msg_type > CRIER_ALERT_MSG_ERROR ||
        (unsigned)a->scope > CRIER_ALERT_SCOPE_KIOSK) {
        crier_errf(err_msg, err_len, "status, msgType or scope out of range");
        return CRIER_ERR_INVAL;
    }
    if ((a->scope == CRIER_ALERT_SCOPE_ALL) != (a->scope_target == NULL)) {
        crier_errf(err_msg, err_len, "scope target missing or unexpected");
        return CRIER_ERR_INVAL;
    }
    int wants_refs = a->msg_type == CRIER_ALERT_MSG_UPDATE || a->msg_type == CRIER_ALERT_MSG_CANCEL ||
                     a->msg_type == CRIER_ALERT_MSG_ACK || a->msg_type == CRIER_ALERT_MSG_ERROR;
    if (wants_refs && a->ref_count == 0) {
        crier_errf(err_msg, err_len, "%s needs references", crier_alert_msgtype_name(a->msg_type));
        return CRIER_ERR_INVAL;
    }
    if (!wants_refs && a->ref_count) {
        crier_errf(err_msg, err_len, "an Alert must not have references (use Update)");
        return CRIER_ERR_INVAL;
    }
    if (a->ref_count > CRIER_ALERT_MAX_REFS || a->info_count > CRIER_ALERT_MAX_INFO) {
        crier_errf(err_msg, err_len, "too many references or info blocks");
        return CRIER_ERR_LIMIT;
    }
    for (size_t i = 0; i < a->ref_count; i++) {
        if (!id_ok(a->refs[i].sender) || !id_ok(a->refs[i].identifier)) {
            crier_errf(err_msg, err_len, "reference %zu: sender/identifier missing or invalid", i);
            return CRIER_ERR_INVAL;
        }
        if (strcmp(a->refs[i].sender, a->sender) == 0 &&
            strcmp(a->refs[i].identifier, a->identifier) == 0) {
            crier_errf(err_msg, err_len, "an alert cannot reference itself");
            return CRIER_ERR_INVAL;
        }
    }
    if ((a->msg_type == CRIER_ALERT_MSG_ALERT || a->msg_type == CRIER_ALERT_MSG_UPDATE) &&
        a->info_count == 0) {
        crier_errf(err_msg, err_len, "%s without an info block", crier_alert_msgtype_name(a->msg_type));
        return CRIER_ERR_INVAL;
    }
    for (size_t i = 0; i < a->info_count; i++) {
        const crier_alert_info *in = &a->info[i];
        if (!in->event || !*in->event) {
            crier_errf(err_msg, err_len, "info %zu: event missing", i);
            return CRIER_ERR_INVAL;
        }
        if (in->expires_ms && in->effective_ms && in->expires_ms <= in->effective_ms) {
            crier_errf(err_msg, err_len, "info %zu: expires before effective", i);
            return CRIER_ERR_INVAL;
        }
    }
    return CRIER_OK;
}

crier_alert_severity crier_alert_max_severity(const crier_alert *a)
{
    crier_alert_severity m = CRIER_SEVERITY_UNKNOWN;
    for (size_t i = 0; a && i < a->info_count; i++)
        if (a->info[i].severity > m)
            m = a->info[i].severity;
    return m;
}

crier_alert_urgency crier_alert_max_urgency(const crier_alert *a)
{
    crier_alert_urgency m = CRIER_URGENCY_UNKNOWN;
    for (size_t i = 0; a && i < a->info_count; i++)
        if (a->info[i].urgency > m)
            m = a->info[i].urgency;
    return m;
}

int crier_alert_compare(const crier_alert *a, const crier_alert *b)
{
    int sa = (int)crier_alert_max_severity(a), sb = (int)crier_alert_max_severity(b);
    if (sa != sb)
        return sb - sa;
    int ua = (int)crier_alert_max_urgency(a), ub = (int)crier_alert_max_urgency(b);
    if (ua != ub)
        return ub - ua;
    if (a->sent_ms != b->sent_ms)
        return a->sent_ms > b->sent_ms ? -1 : 1; /* newest first */
    int c = strcmp(a->sender ? a->sender : "", b->sender ? b->sender : "");
    return c ? c : strcmp(a->identifier ? a->identifier : "", b->identifier ? b->identifier : "");
}

int64_t crier_alert_expiry(const crier_alert *a, int64_t default_ttl_ms)
{
    int64_t m = INT64_MIN;
    if (!a || a->info_count == 0)
        return default_ttl_ms > 0 && a ? a->sent_ms + default_ttl_ms : INT64_MAX;
    for (size_t i = 0; i < a->info_count; i++) {
        int64_t e = a->info[i].expires_ms;
        if (e == 0)
            e = default_ttl_ms > 0 ? a->sent_ms + default_ttl_ms : INT64_MAX;
        if (e > m)
            m = e;
    }
    return m;
}

int64_t crier_alert_effective(const crier_alert *a)
{
    int64_t m = INT64_MAX;
    for (size_t i = 0; a && i < a->info_count; i++) {
        int64_t e = a->info[i].effective_ms ? a->info[i].effective_ms : a->sent_ms;
        if (e < m)
            m = e;
    }
    return m == INT64_MAX ? (a ? a->sent_ms : 0) : m;
}

/* ---- JSON parsing ---- */

typedef struct field {
    const char *name;
    int seen;
} field;

/* Look every member of obj up in fields[]: unknown or repeated names fail. */
static int check_members(const cJSON *obj, field *fields, size_t n, const char *where, char *err_msg,
                         size_t err_len)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        size_t i;
        for (i = 0; i < n; i++)
            if (it->string && strcmp(fields[i].name, it->string) == 0)
                break;
        if (i == n) {
            crier_errf(err_msg, err_len, "%s: unknown field \"%.40s\"", where,
                    it->string ? it->string : "");
            return -1;
        }
        if (fields[i].seen++) {
            crier_errf(err_msg, err_len, "%s: field \"%s\" repeated", where, fields[i].name);
            return -1;
        }
    }
    return 0;
}

/* Optional string member: absent or null -> NULL; else checked and copied. */
static crier_err get_str(const cJSON *obj, const char *name, size_t max, int allow_nl, char **out,
                         const char *where, char *err_msg, size_t err_len)
{
    *out = NULL;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!it || cJSON_IsNull(it))
        return CRIER_OK;
    if (!cJSON_IsString(it)) {
        crier_errf(err_msg, err_len, "%s: %s must be a string", where, name);
        return CRIER_ERR_PARSE;
    }
    if (strlen(it->valuestring) > max) {
        crier_errf(err_msg, err_len, "%s: %s longer than %zu bytes", where, name, max);
        return CRIER_ERR_LIMIT;
    }
    if (!crier_alert_text_ok(it->valuestring, max, allow_nl)) {
        crier_errf(err_msg, err_len, "%s: %s is not valid UTF-8 text", where, name);
        return CRIER_ERR_PARSE;
    }
    *out = strdup(it->valuestring);
    return *out ? CRIER_OK : CRIER_ERR_NOMEM;
}

static crier_err get_time(const cJSON *obj, const char *name, int64_t *out, const char *where,
                          char *err_msg, size_t err_len)
{
    *out = 0;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!it || cJSON_IsNull(it))
        return CRIER_OK;
    if (!cJSON_IsString(it) || strlen(it->valuestring) > 40 ||
        crier_parse_iso8601(it->valuestring, out) != 0 || *out <= 0) {
        crier_errf(err_msg, err_len, "%s: %s must be an ISO 8601 time with offset", where, name);
        *out = 0;
        return CRIER_ERR_PARSE;
    }
    /* CAP requires an explicit offset; a bare local time would depend on the kiosk's zone */
    const char *s = it->valuestring;
    size_t n = strlen(s);
    if (n < 11 || !(s[n - 1] == 'Z' || s[n - 1] == 'z' || (n > 6 && (s[n - 6] == '+' || s[n - 6] == '-')) ||
                    (n > 5 && (s[n - 5] == '+' || s[n - 5] == '-')))) {
        crier_errf(err_msg, err_len, "%s: %s needs a time zone offset (Z or +hh:mm)", where, name);
        *out = 0;
        return CRIER_ERR_PARSE;
    }
    return CRIER_OK;
}

static crier_err get_enum(const cJSON *obj, const char *name, int (*parse)(const char *), int *out,
                          int required, const char *where, char *err_msg, size_t err_len)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!it || cJSON_IsNull(it)) {
        if (!required)
            return CRIER_OK;
        crier_errf(err_msg, err_len, "%s: %s missing", where, name);
        return CRIER_ERR_INVAL;
    }
    int v = cJSON_IsString(it) ? parse(it->valuestring) : -1;
    if (v < 0) {
        crier_errf(err_msg, err_len, "%s: %s has an unknown value", where, name);
        return CRIER_ERR_PARSE;
    }
    *out = v;
    return CRIER_OK;
}

static crier_err parse_info(const cJSON *o, crier_alert_info *in, size_t idx, char *err_msg,
                            size_t err_len)
{
    char where[24];
    snprintf(where, sizeof where, "info[%zu]", idx);
    if (!cJSON_IsObject(o)) {
        crier_errf(err_msg, err_len, "%s must be an object", where);
        return CRIER_ERR_PARSE;
    }
    field f[] = {{"language", 0}, {"event", 0}, {"urgency", 0}, {"severity", 0},
                 {"certainty", 0}, {"effective", 0}, {"onset", 0}, {"expires", 0},
                 {"senderName", 0}, {"headline", 0}, {"description", 0}, {"instruction", 0},
                 {"areaDesc", 0}, {"web", 0}};
    if (check_members(o, f, sizeof f / sizeof f[0], where, err_msg, err_len))
        return CRIER_ERR_PARSE;
    crier_err e;
    int v;
    if ((e = get_str(o, "language", CRIER_ALERT_MAX_ID, 0, &in->language, where, err_msg, err_len)) ||
        (e = get_str(o, "event", CRIER_ALERT_MAX_SHORT, 0, &in->event, where, err_msg, err_len)) ||
        (e = get_str(o, "senderName", CRIER_ALERT_MAX_SHORT, 0, &in->sender_name, where, err_msg, err_len)) ||
        (e = get_str(o, "headline", CRIER_ALERT_MAX_SHORT, 0, &in->headline, where, err_msg, err_len)) ||
        (e = get_str(o, "description", CRIER_ALERT_MAX_TEXT, 1, &in->description, where, err_msg, err_len)) ||
        (e = get_str(o, "instruction", CRIER_ALERT_MAX_TEXT, 1, &in->instruction, where, err_msg, err_len)) ||
        (e = get_str(o, "areaDesc", CRIER_ALERT_MAX_SHORT, 0, &in->area_desc, where, err_msg, err_len)) ||
        (e = get_str(o, "web", CRIER_ALERT_MAX_URL, 0, &in->web, where, err_msg, err_len)) ||
        (e = get_time(o, "effective", &in->effective_ms, where, err_msg, err_len)) ||
        (e = get_time(o, "onset", &in->onset_ms, where, err_msg, err_len)) ||
        (e = get_time(o, "expires", &in->expires_ms, where, err_msg, err_len)))
        return e;
    if ((e = get_enum(o, "urgency", crier_alert_urgency_parse, &v, 1, where, err_msg, err_len)))
        return e;
    in->urgency = (crier_alert_urgency)v;
    if ((e = get_enum(o, "severity", crier_alert_severity_parse, &v, 1, where, err_msg, err_len)))
        return e;
    in->severity = (crier_alert_severity)v;
    if ((e = get_enum(o, "certainty", crier_alert_certainty_parse, &v, 1, where, err_msg, err_len)))
        return e;
    in->certainty = (crier_alert_certainty)v;
    if (!in->language && !(in->language = strdup("en-US")))
        return CRIER_ERR_NOMEM;
    return CRIER_OK;
}

crier_err crier_alert_parse_ex(const char *buf, size_t len, int allow_provenance, crier_alert **out,
                               char *err_msg, size_t err_len)
{
    crier_err e = CRIER_ERR_PARSE;
    cJSON *root = NULL;
    crier_alert *a = NULL;
    char *scope = NULL;
    const char *where = "alert";
    if (!out)
        return CRIER_ERR_INVAL;
    *out = NULL;
    crier_errf(err_msg, err_len, "ok");
    if (!buf) {
        crier_errf(err_msg, err_len, "no input");
        return CRIER_ERR_INVAL;
    }
    if (len > CRIER_ALERT_MAX_BYTES) {
        crier_errf(err_msg, err_len, "alert of %zu bytes exceeds the limit of %u", len,
                (unsigned)CRIER_ALERT_MAX_BYTES);
        return CRIER_ERR_LIMIT;
    }
    root = cJSON_ParseWithLength(buf, len);
    if (!cJSON_IsObject(root)) {
        crier_errf(err_msg, err_len, "not a JSON object");
        goto cleanup;
    }
    field f[] = {{"type", 0}, {"v", 0}, {"identifier", 0}, {"sender", 0}, {"sent", 0},
                 {"seq", 0}, {"status", 0}, {"msgType", 0}, {"scope", 0}, {"references", 0},
                 {"note", 0}, {"info", 0}, {"issuer", 0}, {"keyId", 0}, {"received", 0}};
    size_t nf = sizeof f / sizeof f[0] - (allow_provenance ? 0 : 3);
    if (check_members(root, f, nf, where, err_msg, err_len))
        goto cleanup;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "v");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "alert") != 0) {
        crier_errf(err_msg, err_len, "type must be \"alert\"");
        e = CRIER_ERR_INVAL;
        goto cleanup;
    }
    if (!cJSON_IsNumber(ver) || ver->valuedouble != 1.0) {
        crier_errf(err_msg, err_len, "unsupported alert format version (v must be 1)");
        e = CRIER_ERR_UNSUPPORTED;
        goto cleanup;
    }
    a = crier_alert_new();
    if (!a) {
        e = CRIER_ERR_NOMEM;
        goto cleanup;
    }
    int v;
    if ((e = get_str(root, "identifier", CRIER_ALERT_MAX_ID, 0, &a->identifier, where, err_msg, err_len)) ||
        (e = get_str(root, "sender", CRIER_ALERT_MAX_ID, 0, &a->sender, where, err_msg, err_len)) ||
        (e = get_str(root, "note", CRIER_ALERT_MAX_SHORT, 1, &a->note, where, err_msg, err_len)) ||
        (e = get_time(root, "sent", &a->sent_ms, where, err_msg, err_len)) ||
        (e = get_str(root, "scope", CRIER_ALERT_MAX_ID + 8, 0, &scope, where, err_msg, err_len)))
        goto cleanup;
    if ((e = get_enum(root, "status", crier_alert_status_parse, &v, 1, where, err_msg, err_len)))
        goto cleanup;
    a->status = (crier_alert_status)v;
    if ((e = get_enum(root, "msgType", crier_alert_msgtype_parse, &v, 1, where, err_msg, err_len)))
        goto cleanup;
    a->msg_type = (crier_alert_msgtype)v;
    if (!scope) {
        crier_errf(err_msg, err_len, "scope missing (\"all\", \"site:<id>\" or \"kiosk:<id>\")");
        e = CRIER_ERR_INVAL;
        goto cleanup;
    }
    if ((e = crier_alert_scope_parse(scope, &a->scope, &a->scope_target)) != CRIER_OK) {
        crier_errf(err_msg, err_len, "scope must be \"all\", \"site:<id>\" or \"kiosk:<id>\"");
        goto cleanup;
    }
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(root, "seq");
    if (!cJSON_IsNumber(seq) || seq->valuedouble < 1 || seq->valuedouble > (double)CRIER_ALERT_MAX_SEQ ||
        seq->valuedouble != (double)(int64_t)seq->valuedouble) {
        crier_errf(err_msg, err_len, "seq must be an integer 1..2^53-1");
        e = CRIER_ERR_INVAL;
        goto cleanup;
    }
    a->seq = (int64_t)seq->valuedouble;

    const cJSON *refs = cJSON_GetObjectItemCaseSensitive(root, "references");
    if (refs && !cJSON_IsNull(refs)) {
        if (!cJSON_IsArray(refs)) {
            crier_errf(err_msg, err_len, "references must be an array");
            e = CRIER_ERR_PARSE;
            goto cleanup;
        }
        if (cJSON_GetArraySize(refs) > CRIER_ALERT_MAX_REFS) {
            crier_errf(err_msg, err_len, "more than %d references", CRIER_ALERT_MAX_REFS);
            e = CRIER_ERR_LIMIT;
            goto cleanup;
        }
        size_t i = 0;
        for (const cJSON *r = refs->child; r; r = r->next, i++) {
            char rw[32];
            snprintf(rw, sizeof rw, "references[%zu]", i);
            field rf[] = {{"sender", 0}, {"identifier", 0}, {"sent", 0}};
            if (!cJSON_IsObject(r)) {
                crier_errf(err_msg, err_len, "%s must be an object", rw);
                e = CRIER_ERR_PARSE;
                goto cleanup;
            }
            if (check_members(r, rf, 3, rw, err_msg, err_len)) {
                e = CRIER_ERR_PARSE;
                goto cleanup;
            }
            crier_alert_ref *ref = crier_alert_add_ref(a);
            if (!ref) {
                e = CRIER_ERR_NOMEM;
                goto cleanup;
            }
            if ((e = get_str(r, "sender", CRIER_ALERT_MAX_ID, 0, &ref->sender, rw, err_msg, err_len)) ||
                (e = get_str(r, "identifier", CRIER_ALERT_MAX_ID, 0, &ref->identifier, rw, err_msg, err_len)) ||
                (e = get_time(r, "sent", &ref->sent_ms, rw, err_msg, err_len)))
                goto cleanup;
            if (!ref->sender && a->sender && !(ref->sender = strdup(a->sender))) {
                e = CRIER_ERR_NOMEM;
                goto cleanup;
            }
        }
    }

    const cJSON *infos = cJSON_GetObjectItemCaseSensitive(root, "info");
    if (infos && !cJSON_IsNull(infos)) {
        if (!cJSON_IsArray(infos)) {
            crier_errf(err_msg, err_len, "info must be an array");
            e = CRIER_ERR_PARSE;
            goto cleanup;
        }
        int n = cJSON_GetArraySize(infos);
        if (n > CRIER_ALERT_MAX_INFO) {
            crier_errf(err_msg, err_len, "%d info blocks (languages); the limit is %d", n,
                    CRIER_ALERT_MAX_INFO);
            e = CRIER_ERR_LIMIT;
            goto cleanup;
        }
        size_t i = 0;
        for (const cJSON *o = infos->child; o; o = o->next, i++) {
            crier_alert_info *in = crier_alert_add_info(a);
            if (!in) {
                e = CRIER_ERR_NOMEM;
                goto cleanup;
            }
            if ((e = parse_info(o, in, i, err_msg, err_len)))
                goto cleanup;
        }
    }
    if (allow_provenance) {
        if ((e = get_str(root, "issuer", CRIER_ALERT_MAX_SHORT, 0, &a->issuer, where, err_msg, err_len)) ||
            (e = get_str(root, "keyId", CRIER_ALERT_MAX_ID, 0, &a->key_id, where, err_msg, err_len)) ||
            (e = get_time(root, "received", &a->received_ms, where, err_msg, err_len)))
            goto cleanup;
    }
    if ((e = crier_alert_validate(a, 1, err_msg, err_len)) != CRIER_OK)
        goto cleanup;
    *out = a;
    a = NULL;
    e = CRIER_OK;
cleanup:
    if (e == CRIER_ERR_NOMEM)
        crier_errf(err_msg, err_len, "out of memory");
    cJSON_Delete(root);
    crier_alert_free(a);
    free(scope);
    return e;
}

crier_err crier_alert_parse(const char *buf, size_t len, crier_alert **out, char *err_msg,
                            size_t err_len)
{
    return crier_alert_parse_ex(buf, len, 0, out, err_msg, err_len);
}

/* ---- JSON writing ---- */

static int add_str(cJSON *o, const char *name, const char *v)
{
    return !v || cJSON_AddStringToObject(o, name, v) ? 0 : -1;
}

static int add_time(cJSON *o, const char *name, int64_t ms)
{
    char buf[40];
    if (!ms)
        return 0;
    crier_format_utc_ms(ms, buf, sizeof buf);
    return cJSON_AddStringToObject(o, name, buf) ? 0 : -1;
}

crier_err crier_alert_to_json(const crier_alert *a, int with_provenance, char **out, size_t *out_len)
{
    crier_err e = CRIER_ERR_NOMEM;
    if (!a || !out)
        return CRIER_ERR_INVAL;
    *out = NULL;
    if (out_len)
        *out_len = 0;
    cJSON *root = cJSON_CreateObject();
    char scope[CRIER_ALERT_MAX_ID + 16];
    if (!root)
        return CRIER_ERR_NOMEM;
    if (a->scope == CRIER_ALERT_SCOPE_ALL)
        snprintf(scope, sizeof scope, "all");
    else
        snprintf(scope, sizeof scope, "%s:%s", a->scope == CRIER_ALERT_SCOPE_SITE ? "site" : "kiosk",
                 a->scope_target ? a->scope_target : "");
    if (add_str(root, "type", "alert") || !cJSON_AddNumberToObject(root, "v", 1) ||
        add_str(root, "identifier", a->identifier) || add_str(root, "sender", a->sender) ||
        add_time(root, "sent", a->sent_ms) ||
        (a->seq && !cJSON_AddNumberToObject(root, "seq", (double)a->seq)) ||
        add_str(root, "status", crier_alert_status_name(a->status)) ||
        add_str(root, "msgType", crier_alert_msgtype_name(a->msg_type)) ||
        add_str(root, "scope", scope) || add_str(root, "note", a->note))
        goto cleanup;
    if (a->ref_count) {
        cJSON *refs = cJSON_AddArrayToObject(root, "references");
        if (!refs)
            goto cleanup;
        for (size_t i = 0; i < a->ref_count; i++) {
            cJSON *r = cJSON_CreateObject();
            if (!r || !cJSON_AddItemToArray(refs, r)) {
                cJSON_Delete(r);
                goto cleanup;
            }
            if (add_str(r, "sender", a->refs[i].sender) ||
                add_str(r, "identifier", a->refs[i].identifier) || add_time(r, "sent", a->refs[i].sent_ms))
                goto cleanup;
        }
    }
    if (a->info_count) {
        cJSON *infos = cJSON_AddArrayToObject(root, "info");
        if (!infos)
            goto cleanup;
        for (size_t i = 0; i < a->info_count; i++) {
            const crier_alert_info *in = &a->info[i];
            cJSON *o = cJSON_CreateObject();
            if (!o || !cJSON_AddItemToArray(infos, o)) {
                cJSON_Delete(o);
                goto cleanup;
            }
            if (add_str(o, "language", in->language) || add_str(o, "event", in->event) ||
                add_str(o, "urgency", crier_alert_urgency_name(in->urgency)) ||
                add_str(o, "severity", crier_alert_severity_name(in->severity)) ||
                add_str(o, "certainty", crier_alert_certainty_name(in->certainty)) ||
                add_time(o, "effective", in->effective_ms) || add_time(o, "onset", in->onset_ms) ||
                add_time(o, "expires", in->expires_ms) || add_str(o, "senderName", in->sender_name) ||
                add_str(o, "headline", in->headline) || add_str(o, "description", in->description) ||
                add_str(o, "instruction", in->instruction) || add_str(o, "areaDesc", in->area_desc) ||
                add_str(o, "web", in->web))
                goto cleanup;
        }
    }
    if (with_provenance && (add_str(root, "issuer", a->issuer) || add_str(root, "keyId", a->key_id) ||
                            add_time(root, "received", a->received_ms)))
        goto cleanup;
    char *text = cJSON_PrintUnformatted(root);
    if (!text)
        goto cleanup;
    *out = text;
    if (out_len)
        *out_len = strlen(text);
    e = CRIER_OK;
cleanup:
    cJSON_Delete(root);
    return e;
}
