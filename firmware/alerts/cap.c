/* cap.c - CAP 1.2 XML -> crier_alert with expat; see cap.h.
 *
 * Design: a SAX walk with an explicit element stack.  Each open element gets a
 * kind from a fixed table keyed by (parent kind, local name); only leaf
 * elements that we map collect character data (bounded), everything else is
 * skipped, including whole subtrees in foreign namespaces.  Hostile input is
 * stopped early: a DOCTYPE start handler aborts the parse (no entity can ever be
 * declared), the entity-declaration and external-entity handlers abort too as a
 * second line, parameter entity parsing is off, and the size, depth and element
 * count are capped.  Errors stop the parser with XML_StopParser and are
 * reported through the state's message. */
#include "alerts/cap.h"
#include "base/timeutil.h"

#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_SEP ' '
#define CAP12_NS "urn:oasis:names:tc:emergency:cap:1.2"
#define CAP11_NS "urn:oasis:names:tc:emergency:cap:1.1"
#define TEXT_MAX (CRIER_ALERT_MAX_TEXT + 1024u)

typedef enum kind {
    K_SKIP = 0, /* ignored element or subtree */
    K_ALERT,
    K_INFO,
    K_AREA,
    /* alert leaves */
    K_IDENTIFIER, K_SENDER, K_SENT, K_STATUS, K_MSGTYPE, K_NOTE, K_REFERENCES,
    /* info leaves */
    K_LANGUAGE, K_EVENT, K_URGENCY, K_SEVERITY, K_CERTAINTY, K_EFFECTIVE, K_ONSET, K_EXPIRES,
    K_SENDERNAME, K_HEADLINE, K_DESCRIPTION, K_INSTRUCTION, K_WEB,
    /* area leaf */
    K_AREADESC,
} kind;

typedef struct child_def {
    kind parent;
    const char *name;
    kind kind;
} child_def;

static const child_def children[] = {
    {K_ALERT, "identifier", K_IDENTIFIER}, {K_ALERT, "sender", K_SENDER},
    {K_ALERT, "sent", K_SENT},             {K_ALERT, "status", K_STATUS},
    {K_ALERT, "msgType", K_MSGTYPE},       {K_ALERT, "note", K_NOTE},
    {K_ALERT, "references", K_REFERENCES}, {K_ALERT, "info", K_INFO},
    {K_INFO, "language", K_LANGUAGE},      {K_INFO, "event", K_EVENT},
    {K_INFO, "urgency", K_URGENCY},        {K_INFO, "severity", K_SEVERITY},
    {K_INFO, "certainty", K_CERTAINTY},    {K_INFO, "effective", K_EFFECTIVE},
    {K_INFO, "onset", K_ONSET},            {K_INFO, "expires", K_EXPIRES},
    {K_INFO, "senderName", K_SENDERNAME},  {K_INFO, "headline", K_HEADLINE},
    {K_INFO, "description", K_DESCRIPTION}, {K_INFO, "instruction", K_INSTRUCTION},
    {K_INFO, "web", K_WEB},                {K_INFO, "area", K_AREA},
    {K_AREA, "areaDesc", K_AREADESC},
};

typedef struct cap_state {
    XML_Parser parser;
    crier_alert *alert;
    crier_alert_info *info; /* the open <info>, or NULL */
    kind stack[CRIER_CAP_MAX_DEPTH + 1];
    int depth;
    size_t elements;
    char *text;             /* character data of the open leaf */
    size_t text_len;
    int collecting;
    int failed;
    crier_err err;
    char msg[200];
    const char *ns;         /* namespace of the root, "" if none */
    int seen_status, seen_msgtype;
} cap_state;

static void fail(cap_state *st, crier_err err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(cap_state *st, crier_err err, const char *fmt, ...)
{
    if (st->failed)
        return;
    st->failed = 1;
    st->err = err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->msg, sizeof st->msg, fmt, ap);
    va_end(ap);
    XML_StopParser(st->parser, XML_FALSE);
}

/* Split an expat namespaced name "uri local" into (uri, local). */
static const char *local_name(const char *name, const char **uri, size_t *uri_len)
{
    const char *sp = strchr(name, NS_SEP);
    if (!sp) {
        *uri = "";
        *uri_len = 0;
        return name;
    }
    *uri = name;
    *uri_len = (size_t)(sp - name);
    return sp + 1;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    cap_state *st = ud;
    (void)atts;
    if (st->failed)
        return;
    if (++st->elements > CRIER_CAP_MAX_ELEMENTS) {
        fail(st, CRIER_ERR_LIMIT, "more than %d elements", CRIER_CAP_MAX_ELEMENTS);
        return;
    }
    if (st->depth >= CRIER_CAP_MAX_DEPTH) {
        fail(st, CRIER_ERR_LIMIT, "elements nested deeper than %d", CRIER_CAP_MAX_DEPTH);
        return;
    }
    const char *uri;
    size_t uri_len;
    const char *local = local_name(name, &uri, &uri_len);
    kind k = K_SKIP;
    if (st->depth == 0) {
        int cap_ns = (uri_len == strlen(CAP12_NS) && strncmp(uri, CAP12_NS, uri_len) == 0) ||
                     (uri_len == strlen(CAP11_NS) && strncmp(uri, CAP11_NS, uri_len) == 0);
        if (strcmp(local, "alert") != 0 || (uri_len && !cap_ns)) {
            fail(st, CRIER_ERR_PARSE, "root element is not a CAP 1.2 <alert>");
            return;
        }
        st->ns = uri_len ? (strncmp(uri, CAP12_NS, uri_len) == 0 ? CAP12_NS : CAP11_NS) : "";
        k = K_ALERT;
    } else {
        kind parent = st->stack[st->depth - 1];
        int same_ns = strlen(st->ns) == uri_len && strncmp(uri, st->ns, uri_len) == 0;
        if (parent != K_SKIP && same_ns) {
            for (size_t i = 0; i < sizeof children / sizeof children[0]; i++)
                if (children[i].parent == parent && strcmp(children[i].name, local) == 0) {
                    k = children[i].kind;
                    break;
                }
        }
    }
    if (st->collecting) { /* a mapped leaf must not contain elements */
        fail(st, CRIER_ERR_PARSE, "unexpected <%s> inside a text element", local);
        return;
    }
    if (k == K_INFO) {
        if (st->alert->info_count >= CRIER_ALERT_MAX_INFO) {
            fail(st, CRIER_ERR_LIMIT, "more than %d info blocks (languages)", CRIER_ALERT_MAX_INFO);
            return;
        }
        st->info = crier_alert_add_info(st->alert);
        if (!st->info) {
            fail(st, CRIER_ERR_NOMEM, "out of memory");
            return;
        }
    } else if (k != K_SKIP && k != K_ALERT && k != K_AREA) {
        st->collecting = 1;
        st->text_len = 0;
    }
    st->stack[st->depth++] = k;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    cap_state *st = ud;
    if (st->failed || !st->collecting || len <= 0)
        return;
    if (st->text_len + (size_t)len > TEXT_MAX) {
        fail(st, CRIER_ERR_LIMIT, "an element's text exceeds %u bytes", (unsigned)TEXT_MAX);
        return;
    }
    memcpy(st->text + st->text_len, s, (size_t)len);
    st->text_len += (size_t)len;
}

/* Trimmed copy of the collected text; single-line fields get \r\n\t as spaces. */
static char *take_text(cap_state *st, int multiline)
{
    char *t = st->text;
    size_t n = st->text_len;
    while (n && (*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t')) {
        t++;
        n--;
    }
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == '\t'))
        n--;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    memcpy(out, t, n);
    out[n] = '\0';
    if (!multiline)
        for (size_t i = 0; i < n; i++)
            if (out[i] == '\n' || out[i] == '\r' || out[i] == '\t')
                out[i] = ' ';
    return out;
}

static int set_string(cap_state *st, char **field, const char *what, size_t max, int multiline)
{
    char *v = take_text(st, multiline);
    if (!v) {
        fail(st, CRIER_ERR_NOMEM, "out of memory");
        return -1;
    }
    if (*field) {
        free(v);
        fail(st, CRIER_ERR_PARSE, "<%s> repeated", what);
        return -1;
    }
    if (strlen(v) > max) {
        free(v);
        fail(st, CRIER_ERR_LIMIT, "<%s> longer than %zu bytes", what, max);
        return -1;
    }
    if (!crier_alert_text_ok(v, max, multiline)) {
        free(v);
        fail(st, CRIER_ERR_PARSE, "<%s> holds control characters", what);
        return -1;
    }
    *field = v;
    return 0;
}

static int set_time(cap_state *st, int64_t *field, const char *what)
{
    char *v = take_text(st, 0);
    if (!v) {
        fail(st, CRIER_ERR_NOMEM, "out of memory");
        return -1;
    }
    int64_t ms = 0;
    size_t n = strlen(v);
    /* CAP requires an explicit offset: "2003-04-02T14:39:01-05:00" */
    int has_offset = n >= 6 && (v[n - 1] == 'Z' || v[n - 6] == '+' || v[n - 6] == '-');
    if (n > 40 || !has_offset || crier_parse_iso8601(v, &ms) != 0 || ms <= 0) {
        fail(st, CRIER_ERR_PARSE, "<%s> is not a CAP date-time: \"%.40s\"", what, v);
        free(v);
        return -1;
    }
    free(v);
    *field = ms;
    return 0;
}

static int set_enum(cap_state *st, int (*parse)(const char *), int *field, const char *what)
{
    char *v = take_text(st, 0);
    if (!v) {
        fail(st, CRIER_ERR_NOMEM, "out of memory");
        return -1;
    }
    int e = parse(v);
    if (e < 0) {
        fail(st, CRIER_ERR_PARSE, "<%s> has an unknown value \"%.40s\"", what, v);
        free(v);
        return -1;
    }
    free(v);
    *field = e;
    return 0;
}

/* "sender,identifier,sent sender,identifier,sent ..." */
static void parse_references(cap_state *st)
{
    char *v = take_text(st, 0), *save = NULL;
    if (!v) {
        fail(st, CRIER_ERR_NOMEM, "out of memory");
        return;
    }
    for (char *tok = strtok_r(v, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        char *c1 = strchr(tok, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c1 || !c2 || strchr(c2 + 1, ',')) {
            fail(st, CRIER_ERR_PARSE, "<references> entry \"%.60s\" is not sender,identifier,sent", tok);
            break;
        }
        *c1 = *c2 = '\0';
        crier_alert_ref *r = crier_alert_add_ref(st->alert);
        if (!r) {
            fail(st, CRIER_ERR_LIMIT, "more than %d references", CRIER_ALERT_MAX_REFS);
            break;
        }
        r->sender = strdup(tok);
        r->identifier = strdup(c1 + 1);
        if (!r->sender || !r->identifier) {
            fail(st, CRIER_ERR_NOMEM, "out of memory");
            break;
        }
        if (crier_parse_iso8601(c2 + 1, &r->sent_ms) != 0 || r->sent_ms <= 0)
            r->sent_ms = 0; /* the sent part is informative (and must be after 1970 to be
                             * written back); matching uses sender+identifier */
    }
    free(v);
}

static void append_area(cap_state *st)
{
    char *v = take_text(st, 0);
    if (!v) {
        fail(st, CRIER_ERR_NOMEM, "out of memory");
        return;
    }
    if (!crier_alert_text_ok(v, TEXT_MAX, 0)) {
        free(v);
        fail(st, CRIER_ERR_PARSE, "<areaDesc> holds control characters");
        return;
    }
    crier_alert_info *in = st->info;
    size_t old = in->area_desc ? strlen(in->area_desc) : 0, add = strlen(v);
    size_t total = old + (old ? 2 : 0) + add;
    char *n = malloc(total + 1);
    if (!n) {
        free(v);
        fail(st, CRIER_ERR_NOMEM, "out of memory");
        return;
    }
    snprintf(n, total + 1, "%s%s%s", old ? in->area_desc : "", old ? "; " : "", v);
    if (total > CRIER_ALERT_MAX_SHORT) { /* long county lists: cut at a character boundary */
        size_t cut = CRIER_ALERT_MAX_SHORT - 4;
        while (cut > 0 && ((unsigned char)n[cut] & 0xc0) == 0x80)
            cut--;
        memcpy(n + cut, "...", 4);
    }
    free(in->area_desc);
    in->area_desc = n;
    free(v);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    cap_state *st = ud;
    (void)name;
    if (st->failed || st->depth == 0)
        return;
    kind k = st->stack[--st->depth];
    crier_alert *a = st->alert;
    crier_alert_info *in = st->info;
    int v = 0;
    st->collecting = 0;
    switch (k) {
    case K_SKIP:
    case K_ALERT:
    case K_AREA:
        break;
    case K_INFO:
        if (in && !in->language && !(in->language = strdup("en-US")))
            fail(st, CRIER_ERR_NOMEM, "out of memory");
        st->info = NULL;
        break;
    case K_IDENTIFIER: set_string(st, &a->identifier, "identifier", CRIER_ALERT_MAX_ID, 0); break;
    case K_SENDER: set_string(st, &a->sender, "sender", CRIER_ALERT_MAX_ID, 0); break;
    case K_SENT: set_time(st, &a->sent_ms, "sent"); break;
    case K_NOTE: set_string(st, &a->note, "note", CRIER_ALERT_MAX_SHORT, 1); break;
    case K_STATUS:
        if (set_enum(st, crier_alert_status_parse, &v, "status") == 0) {
            a->status = (crier_alert_status)v;
            st->seen_status = 1;
        }
        break;
    case K_MSGTYPE:
        if (set_enum(st, crier_alert_msgtype_parse, &v, "msgType") == 0) {
            a->msg_type = (crier_alert_msgtype)v;
            st->seen_msgtype = 1;
        }
        break;
    case K_REFERENCES: parse_references(st); break;
    case K_LANGUAGE: set_string(st, &in->language, "language", CRIER_ALERT_MAX_ID, 0); break;
    case K_EVENT: set_string(st, &in->event, "event", CRIER_ALERT_MAX_SHORT, 0); break;
    case K_URGENCY:
        if (set_enum(st, crier_alert_urgency_parse, &v, "urgency") == 0)
            in->urgency = (crier_alert_urgency)v;
        break;
    case K_SEVERITY:
        if (set_enum(st, crier_alert_severity_parse, &v, "severity") == 0)
            in->severity = (crier_alert_severity)v;
        break;
    case K_CERTAINTY:
        if (set_enum(st, crier_alert_certainty_parse, &v, "certainty") == 0)
            in->certainty = (crier_alert_certainty)v;
        break;
    case K_EFFECTIVE: set_time(st, &in->effective_ms, "effective"); break;
    case K_ONSET: set_time(st, &in->onset_ms, "onset"); break;
    case K_EXPIRES: set_time(st, &in->expires_ms, "expires"); break;
    case K_SENDERNAME: set_string(st, &in->sender_name, "senderName", CRIER_ALERT_MAX_SHORT, 0); break;
    case K_HEADLINE: set_string(st, &in->headline, "headline", CRIER_ALERT_MAX_SHORT, 0); break;
    case K_DESCRIPTION: set_string(st, &in->description, "description", CRIER_ALERT_MAX_TEXT, 1); break;
    case K_INSTRUCTION: set_string(st, &in->instruction, "instruction", CRIER_ALERT_MAX_TEXT, 1); break;
    case K_WEB: set_string(st, &in->web, "web", CRIER_ALERT_MAX_URL, 0); break;
    case K_AREADESC: append_area(st); break;
    }
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    fail(ud, CRIER_ERR_PARSE, "DOCTYPE is not allowed in a CAP alert (entities are off)");
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
                                   const XML_Char *value, int value_len, const XML_Char *base,
                                   const XML_Char *sysid, const XML_Char *pubid,
                                   const XML_Char *notation)
{
    (void)is_param, (void)value, (void)value_len, (void)base, (void)sysid, (void)pubid, (void)notation;
    fail(ud, CRIER_ERR_PARSE, "entity declaration \"%.40s\" refused", name ? name : "");
}

static int XMLCALL on_external_entity(XML_Parser p, const XML_Char *context, const XML_Char *base,
                                      const XML_Char *sysid, const XML_Char *pubid)
{
    (void)p, (void)context, (void)base, (void)sysid, (void)pubid;
    return XML_STATUS_ERROR; /* never fetch anything */
}

crier_err crier_cap_parse(const char *buf, size_t len, crier_alert **out, char *err_msg, size_t err_len)
{
    cap_state st;
    crier_err err = CRIER_ERR_PARSE;
    memset(&st, 0, sizeof st);
    if (!out)
        return CRIER_ERR_INVAL;
    *out = NULL;
    if (err_msg && err_len)
        snprintf(err_msg, err_len, "ok");
    if (!buf) {
        if (err_msg && err_len)
            snprintf(err_msg, err_len, "no input");
        return CRIER_ERR_INVAL;
    }
    if (len > CRIER_CAP_MAX_BYTES) {
        if (err_msg && err_len)
            snprintf(err_msg, err_len, "CAP document of %zu bytes exceeds the limit of %u", len,
                     (unsigned)CRIER_CAP_MAX_BYTES);
        return CRIER_ERR_LIMIT;
    }
    st.alert = crier_alert_new();
    st.text = malloc(TEXT_MAX);
    st.parser = XML_ParserCreateNS(NULL, NS_SEP);
    if (!st.alert || !st.text || !st.parser) {
        err = CRIER_ERR_NOMEM;
        snprintf(st.msg, sizeof st.msg, "out of memory");
        goto cleanup;
    }
    XML_SetUserData(st.parser, &st);
    XML_SetElementHandler(st.parser, on_start, on_end);
    XML_SetCharacterDataHandler(st.parser, on_text);
    XML_SetStartDoctypeDeclHandler(st.parser, on_doctype);
    XML_SetEntityDeclHandler(st.parser, on_entity_decl);
    XML_SetExternalEntityRefHandler(st.parser, on_external_entity);
    XML_SetParamEntityParsing(st.parser, XML_PARAM_ENTITY_PARSING_NEVER);
    enum XML_Status rc = XML_Parse(st.parser, buf, (int)len, XML_TRUE);
    if (st.failed) {
        err = st.err;
        goto cleanup;
    }
    if (rc != XML_STATUS_OK) {
        snprintf(st.msg, sizeof st.msg, "XML error at line %lu: %s",
                 (unsigned long)XML_GetCurrentLineNumber(st.parser),
                 XML_ErrorString(XML_GetErrorCode(st.parser)));
        err = CRIER_ERR_PARSE;
        goto cleanup;
    }
    if (!st.seen_status || !st.seen_msgtype) {
        snprintf(st.msg, sizeof st.msg, "CAP <status> and <msgType> are required");
        err = CRIER_ERR_INVAL;
        goto cleanup;
    }
    st.alert->scope = CRIER_ALERT_SCOPE_ALL;
    err = crier_alert_validate(st.alert, 0, st.msg, sizeof st.msg);
    if (err != CRIER_OK)
        goto cleanup;
    *out = st.alert;
    st.alert = NULL;
cleanup:
    if (err != CRIER_OK && err_msg && err_len)
        snprintf(err_msg, err_len, "%s", st.msg);
    if (st.parser)
        XML_ParserFree(st.parser);
    crier_alert_free(st.alert);
    free(st.text);
    return err;
}
