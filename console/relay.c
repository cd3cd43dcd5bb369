/* relay.c - the CAP feed relay (relay.h). */
#include "relay.h"
#include "feeds/download.h"

#include "alerts/alert.h"
#include "alerts/cap.h"
#include "audit.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "db.h"
#include "desk.h"
#include "sse.h"

#include <ctype.h>
#include <curl/curl.h>
#include <expat.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_TTL_MS (24LL * 3600 * 1000)
#define FETCH_TIMEOUT_S 10
#define RULE_MAX 32         /* entries per rule list */
#define RULE_TEXT_MAX 200
#define WARN_MAX 5

typedef struct src_status {
    char id[CN_NAME_MAX + 1];
    int64_t next_ms, last_poll_ms, last_ok_ms, failing_since_ms;
    int failing, polled;
    char error[300];
    int items, forwarded, skipped;
    char warnings[WARN_MAX][300]; /* newest first */
    int nwarn;
} src_status;

struct cn_relay {
    cn_ctx *ctx;
    pthread_t thread;
    int started;
    pthread_mutex_t lock; /* everything below */
    pthread_cond_t cond;
    int stop, kick;
    char kick_id[CN_NAME_MAX + 1]; /* "" = every source */
    src_status st[CN_RELAY_MAX_SOURCES];
    size_t n;
};

/* ---- sources ------------------------------------------------------------------ */

static int str_list_ok(const cJSON *a)
{
    if (!a)
        return 1;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > RULE_MAX)
        return 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) if (!cJSON_IsString(e) || !e->valuestring[0] ||
                                 !crier_alert_text_ok(e->valuestring, RULE_TEXT_MAX, 0)) return 0;
    return 1;
}

/* A source as stored, checked.  NULL + err when it is not usable. */
static cJSON *source_check(const cJSON *in, char *err, size_t err_len)
{
    const char *id = cn_jstr(in, "id"), *url = cn_jstr(in, "url"), *mode = cn_jstr(in, "mode"),
               *scope = cn_jstr(in, "scope");
    const cJSON *iv = cJSON_GetObjectItemCaseSensitive(in, "interval_s");
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(in, "rules");
    const char *minsev = cn_jstr(rules, "min_severity");
    if (!id || !cn_name_ok(id)) {
        crier_errf(err, err_len, "id: 1..64 of A-Z a-z 0-9 . _ -");
        return NULL;
    }
    if (!url || strlen(url) > 2048 || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
        !crier_alert_text_ok(url, 2048, 0) || strchr(url, ' ')) {
        crier_errf(err, err_len, "url: an http:// or https:// address");
        return NULL;
    }
    if (iv && (!cJSON_IsNumber(iv) || iv->valuedouble < 1 || iv->valuedouble > 86400)) {
        crier_errf(err, err_len, "interval_s: 1..86400 seconds");
        return NULL;
    }
    if (mode && strcmp(mode, "auto") != 0 && strcmp(mode, "draft") != 0) {
        crier_errf(err, err_len, "mode: auto (send at once) or draft (wait for an approver)");
        return NULL;
    }
    if (scope && strcmp(scope, "all") != 0 &&
        !(strncmp(scope, "site:", 5) == 0 && cn_name_ok(scope + 5)) &&
        !(strncmp(scope, "kiosk:", 6) == 0 && cn_name_ok(scope + 6))) {
        crier_errf(err, err_len, "scope: all, site:NAME or kiosk:NAME");
        return NULL;
    }
    if (rules && !cJSON_IsObject(rules)) {
        crier_errf(err, err_len, "rules: an object");
        return NULL;
    }
    if (!str_list_ok(cJSON_GetObjectItemCaseSensitive(rules, "areas")) ||
        !str_list_ok(cJSON_GetObjectItemCaseSensitive(rules, "geocodes")) ||
        !str_list_ok(cJSON_GetObjectItemCaseSensitive(rules, "events"))) {
        crier_errf(err, err_len, "rules: areas, geocodes and events are lists of at most %d texts of %d bytes",
                   RULE_MAX, RULE_TEXT_MAX);
        return NULL;
    }
    if (minsev && crier_alert_severity_parse(minsev) < 0) {
        crier_errf(err, err_len, "rules.min_severity: Extreme, Severe, Moderate, Minor or Unknown");
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "url", url);
    cJSON_AddNumberToObject(o, "interval_s", iv ? (int)iv->valuedouble : 60);
    cJSON_AddStringToObject(o, "mode", mode ? mode : "draft");
    cJSON_AddStringToObject(o, "scope", scope ? scope : "all");
    cJSON_AddBoolToObject(o, "tests", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "tests")));
    cJSON *r = cJSON_AddObjectToObject(o, "rules");
    static const char *const lists[] = {"areas", "geocodes", "events"};
    for (int i = 0; i < 3; i++) {
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(rules, lists[i]);
        cJSON_AddItemToObject(r, lists[i], l ? cJSON_Duplicate(l, 1) : cJSON_CreateArray());
    }
    cJSON_AddStringToObject(r, "min_severity",
                            minsev ? crier_alert_severity_name((crier_alert_severity)crier_alert_severity_parse(minsev))
                                   : "Unknown");
    return o;
}

/* Every stored source (an array). */
static cJSON *sources_load(cn_db *db)
{
    cJSON *arr = cJSON_CreateArray();
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT data FROM relay_sources ORDER BY id LIMIT 64", -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            cJSON *o = t ? cJSON_Parse((const char *)t) : NULL;
            if (o)
                cJSON_AddItemToArray(arr, o);
        }
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return arr;
}

static src_status *status_of(cn_relay *r, const char *id, int add)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->st[i].id, id) == 0)
            return &r->st[i];
    if (!add || r->n == CN_RELAY_MAX_SOURCES)
        return NULL;
    src_status *s = &r->st[r->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", id);
    return s;
}

static cJSON *status_json(const src_status *s)
{
    cJSON *o = cJSON_CreateObject();
    char t[32];
    cJSON_AddStringToObject(o, "state", !s || !s->polled ? "new" : s->failing ? "failing" : "ok");
    if (s && s->failing) {
        cJSON_AddStringToObject(o, "error", s->error);
        cn_time_str(s->failing_since_ms, t, sizeof t);
        cJSON_AddStringToObject(o, "since", t);
    }
    if (s && s->last_poll_ms) {
        cn_time_str(s->last_poll_ms, t, sizeof t);
        cJSON_AddStringToObject(o, "last_poll", t);
    }
    if (s && s->last_ok_ms) {
        cn_time_str(s->last_ok_ms, t, sizeof t);
        cJSON_AddStringToObject(o, "last_ok", t);
    }
    cJSON_AddNumberToObject(o, "items", s ? s->items : 0);
    cJSON_AddNumberToObject(o, "forwarded", s ? s->forwarded : 0);
    cJSON_AddNumberToObject(o, "skipped", s ? s->skipped : 0);
    cJSON *w = cJSON_AddArrayToObject(o, "warnings");
    for (int i = 0; s && i < s->nwarn; i++)
        cJSON_AddItemToArray(w, cJSON_CreateString(s->warnings[i]));
    return o;
}

/* Sends the status of source id as an SSE "relay" event (publishers+). */
static void emit_status(cn_relay *r, const char *id)
{
    pthread_mutex_lock(&r->lock);
    src_status *s = status_of(r, id, 0);
    cJSON *o = status_json(s);
    pthread_mutex_unlock(&r->lock);
    cJSON_AddStringToObject(o, "id", id);
    char *txt = cn_json_print(o);
    cn_sse_publish(r->ctx->sse, "relay", txt, "", CN_ROLE_PUBLISHER);
    free(txt);
    cJSON_Delete(o);
}

/* A warning about one item of source id: "what: why". */
static void warn_item(cn_relay *r, const char *id, const char *what, const char *why)
{
    char line[300];
    snprintf(line, sizeof line, "%.120s: %.170s", what, why);
    int repeated = 0;
    pthread_mutex_lock(&r->lock);
    src_status *s = status_of(r, id, 1);
    if (s) { /* newest first; a repeated warning moves to the top instead of pushing others out */
        int at = s->nwarn < WARN_MAX ? s->nwarn : WARN_MAX - 1;
        for (int i = 0; i < s->nwarn; i++)
            if (strcmp(s->warnings[i], line) == 0) {
                at = i;
                s->nwarn--;
                repeated = 1;
                break;
            }
        memmove(&s->warnings[1], &s->warnings[0], sizeof s->warnings[0] * (size_t)at);
        snprintf(s->warnings[0], sizeof s->warnings[0], "%s", line);
        if (s->nwarn < WARN_MAX)
            s->nwarn++;
    }
    pthread_mutex_unlock(&r->lock);
    if (!repeated) /* once, not at every poll */
        LOG_WARN("console", "CAP source %s: %s", id, line);
}

/* ---- fetching ------------------------------------------------------------------ */

/* Cuts a transfer short when the relay is stopping (the flag is read without
 * the lock: an atomic load). */
static int stopping(void *ud)
{
    return __atomic_load_n((const int *)ud, __ATOMIC_RELAXED) ? 1 : 0;
}

/* GET url (at most CN_RELAY_MAX_BYTES) by the one download's rules
 * (feeds/download.h: http(s) only, TLS verified, timeouts, the cap also after
 * decoding).  CRIER_OK with *out (malloc()ed, NUL-terminated) or an error with
 * err.  *stop set: the transfer ends. */
static crier_err fetch(const int *stop, const char *url, char **out, size_t *len, char *err, size_t err_len)
{
    crier_http_cfg hc;
    crier_http_cfg_init(&hc);
    hc.user_agent = "crier-console CAP relay";
    hc.connect_timeout_s = 5;
    hc.total_timeout_s = FETCH_TIMEOUT_S;
    hc.max_redirects = 3;
    crier_err rc = crier_download_get(&hc, url, CN_RELAY_MAX_BYTES,
                                      "application/cap+xml, application/atom+xml, application/rss+xml, "
                                      "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
                                      stopping, (void *)stop, out, len, err, err_len);
    if (rc == CRIER_ERR_LIMIT)
        crier_errf(err, err_len, "larger than %u bytes: refused", CN_RELAY_MAX_BYTES);
    return rc;
}

/* ---- reading XML: an index's links, a CAP alert's geocodes ------------------------- */

typedef struct xml_scan {
    XML_Parser p;
    int depth, refused;
    char root[32];
    /* the element path we are in, local names: entry/item and link */
    int in_entry, in_link_text, in_geocode, in_value;
    char cur_href[2048];
    int cur_href_cap; /* the link is type application/cap+xml */
    char text[2048];
    size_t text_len;
    char **links;
    size_t nlinks;
    char **codes;
    size_t ncodes;
} xml_scan;

static const char *local(const char *name)
{
    const char *sp = strrchr(name, ' '); /* "uri local" with the namespace separator ' ' */
    return sp ? sp + 1 : name;
}

static void push(char ***arr, size_t *n, const char *s)
{
    if (*n >= CN_RELAY_MAX_ITEMS || !s[0])
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*arr)[i], s) == 0)
            return;
    char **na = realloc(*arr, (*n + 1) * sizeof *na);
    if (!na)
        return;
    *arr = na;
    if ((na[*n] = strdup(s)))
        (*n)++;
}

static void trim_text(xml_scan *x)
{
    x->text[x->text_len] = '\0';
    char *s = x->text;
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t l = strlen(s);
    while (l && isspace((unsigned char)s[l - 1]))
        s[--l] = '\0';
    memmove(x->text, s, l + 1);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    xml_scan *x = ud;
    const char *n = local(name);
    if (x->depth++ == 0)
        snprintf(x->root, sizeof x->root, "%s", n);
    if (strcmp(n, "entry") == 0 || strcmp(n, "item") == 0) {
        x->in_entry = 1;
        x->cur_href[0] = '\0';
        x->cur_href_cap = 0;
    } else if (strcmp(n, "link") == 0 && x->in_entry) {
        const char *href = NULL, *type = NULL, *rel = NULL;
        for (int i = 0; attrs[i]; i += 2) {
            const char *an = local(attrs[i]);
            if (strcmp(an, "href") == 0)
                href = attrs[i + 1];
            else if (strcmp(an, "type") == 0)
                type = attrs[i + 1];
            else if (strcmp(an, "rel") == 0)
                rel = attrs[i + 1];
        }
        if (href) { /* Atom: the CAP link first, else the alternate / first one */
            int cap = type && strstr(type, "cap");
            if (cap || (!x->cur_href_cap && (!x->cur_href[0] || (rel && strcmp(rel, "alternate") == 0)))) {
                snprintf(x->cur_href, sizeof x->cur_href, "%s", href);
                x->cur_href_cap = cap;
            }
        } else { /* RSS: <link>URL</link> */
            x->in_link_text = 1;
            x->text_len = 0;
        }
    } else if (strcmp(n, "enclosure") == 0 && x->in_entry) {
        for (int i = 0; attrs[i]; i += 2)
            if (strcmp(local(attrs[i]), "url") == 0 && !x->cur_href_cap) {
                snprintf(x->cur_href, sizeof x->cur_href, "%s", attrs[i + 1]);
                x->cur_href_cap = 1;
            }
    } else if (strcmp(n, "geocode") == 0) {
        x->in_geocode = 1;
    } else if (strcmp(n, "value") == 0 && x->in_geocode) {
        x->in_value = 1;
        x->text_len = 0;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    xml_scan *x = ud;
    const char *n = local(name);
    x->depth--;
    if (x->in_link_text && strcmp(n, "link") == 0) {
        trim_text(x);
        if (!x->cur_href_cap)
            snprintf(x->cur_href, sizeof x->cur_href, "%s", x->text);
        x->in_link_text = 0;
    } else if (strcmp(n, "entry") == 0 || strcmp(n, "item") == 0) {
        push(&x->links, &x->nlinks, x->cur_href);
        x->in_entry = 0;
    } else if (strcmp(n, "value") == 0 && x->in_value) {
        trim_text(x);
        push(&x->codes, &x->ncodes, x->text);
        x->in_value = 0;
    } else if (strcmp(n, "geocode") == 0) {
        x->in_geocode = 0;
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    xml_scan *x = ud;
    if (!x->in_link_text && !x->in_value)
        return;
    for (int i = 0; i < len && x->text_len + 1 < sizeof x->text; i++)
        x->text[x->text_len++] = s[i];
}

static void XMLCALL on_doctype(void *ud, const XML_Char *n, const XML_Char *sys, const XML_Char *pub, int internal)
{
    xml_scan *x = ud;
    x->refused = 1;
    XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL on_entity(void *ud, const XML_Char *n, int pe, const XML_Char *v, int vl, const XML_Char *b,
                              const XML_Char *sys, const XML_Char *pub, const XML_Char *notation)
{
    xml_scan *x = ud;
    x->refused = 1;
    XML_StopParser(x->p, XML_FALSE);
}

static void scan_free(xml_scan *x)
{
    for (size_t i = 0; i < x->nlinks; i++)
        free(x->links[i]);
    for (size_t i = 0; i < x->ncodes; i++)
        free(x->codes[i]);
    free(x->links);
    free(x->codes);
}

/* Reads buf: its root element, entry/item links, geocode values. */
static crier_err scan(const char *buf, size_t len, xml_scan *x, char *err, size_t err_len)
{
    memset(x, 0, sizeof *x);
    XML_Parser p = XML_ParserCreateNS(NULL, ' ');
    if (!p)
        return CRIER_ERR_NOMEM;
    x->p = p;
    XML_SetUserData(p, x);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    XML_SetStartDoctypeDeclHandler(p, on_doctype);
    XML_SetEntityDeclHandler(p, on_entity);
    XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
    enum XML_Status st = XML_Parse(p, buf, (int)len, XML_TRUE);
    crier_err e = CRIER_OK;
    if (x->refused) {
        crier_errf(err, err_len, "a DOCTYPE or entity declaration: refused");
        e = CRIER_ERR_PARSE;
    } else if (st != XML_STATUS_OK) {
        crier_errf(err, err_len, "not well-formed XML (line %lu: %s)", (unsigned long)XML_GetCurrentLineNumber(p),
                   XML_ErrorString(XML_GetErrorCode(p)));
        e = CRIER_ERR_PARSE;
    }
    XML_ParserFree(p);
    return e;
}

/* base + relative link -> absolute URL (malloc()ed) or NULL. */
static char *resolve(const char *base, const char *rel)
{
    CURLU *u = curl_url();
    char *out = NULL, *tmp = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, rel, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_URL, &tmp, 0) == CURLUE_OK) {
        if (strncmp(tmp, "http://", 7) == 0 || strncmp(tmp, "https://", 8) == 0)
            out = strdup(tmp);
        curl_free(tmp);
    }
    curl_url_cleanup(u);
    return out;
}

/* ---- the rules and one alert ------------------------------------------------------ */

static int icontains(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    for (const char *p = hay; p && *p; p++)
        if (strncasecmp(p, needle, nl) == 0)
            return 1;
    return 0;
}

/* Does the alert pass the source's rules?  why gets the reason when not. */
static int rules_match(const cJSON *src, const crier_alert *a, const xml_scan *codes, char *why, size_t wl)
{
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(src, "rules");
    const char *minsev = cn_jstr(rules, "min_severity");
    int min = minsev ? crier_alert_severity_parse(minsev) : 0;
    if ((int)crier_alert_max_severity(a) < (min < 0 ? 0 : min)) {
        crier_errf(why, wl, "severity %s below %s", crier_alert_severity_name(crier_alert_max_severity(a)), minsev);
        return 0;
    }
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(rules, "events"), *e;
    if (cJSON_GetArraySize(events) > 0) {
        int hit = 0;
        cJSON_ArrayForEach(e, events) for (size_t i = 0; i < a->info_count && !hit; i++) hit |=
            a->info[i].event && strcasecmp(a->info[i].event, e->valuestring) == 0;
        if (!hit) {
            crier_errf(why, wl, "event '%s' not in the source's events", a->info_count ? a->info[0].event : "");
            return 0;
        }
    }
    const cJSON *areas = cJSON_GetObjectItemCaseSensitive(rules, "areas");
    const cJSON *geos = cJSON_GetObjectItemCaseSensitive(rules, "geocodes");
    if (cJSON_GetArraySize(areas) == 0 && cJSON_GetArraySize(geos) == 0)
        return 1;
    cJSON_ArrayForEach(e, areas) for (size_t i = 0; i < a->info_count; i++) if (a->info[i].area_desc &&
                                                                                 icontains(a->info[i].area_desc,
                                                                                           e->valuestring)) return 1;
    cJSON_ArrayForEach(e, geos) for (size_t i = 0; i < codes->ncodes; i++) if (strncmp(codes->codes[i], e->valuestring,
                                                                                       strlen(e->valuestring)) == 0)
        return 1;
    crier_errf(why, wl, "area '%.100s' outside the source's areas and geocodes",
               a->info_count && a->info[0].area_desc ? a->info[0].area_desc : "");
    return 0;
}

static int seen(cn_db *db, const char *source, const char *key)
{
    int found = 0;
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "SELECT 1 FROM relay_seen WHERE source=? AND key=?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, source, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
    return found;
}

static void mark_seen(cn_db *db, const char *source, const char *key, const char *did)
{
    sqlite3 *s = cn_db_lock(db);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s, "INSERT OR REPLACE INTO relay_seen(source, key, did, time) VALUES(?,?,?,?)", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, source, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, did, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, crier_wall_ms());
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    cn_db_unlock(db);
}

static void count(cn_relay *r, const char *id, int forwarded)
{
    pthread_mutex_lock(&r->lock);
    src_status *s = status_of(r, id, 1);
    if (s) {
        if (forwarded)
            s->forwarded++;
        else
            s->skipped++;
    }
    pthread_mutex_unlock(&r->lock);
}

/* One CAP document of source src (where: its URL, for messages). */
static void one_alert(cn_relay *r, const cJSON *src, const char *where, const char *xml, size_t len)
{
    cn_ctx *ctx = r->ctx;
    const char *sid = cn_jstr(src, "id");
    char why[300];
    crier_alert *a = NULL;
    if (crier_cap_parse(xml, len, &a, why, sizeof why) != CRIER_OK) {
        char m[220];
        snprintf(m, sizeof m, "not a usable CAP alert: %.190s", why);
        warn_item(r, sid, where, m);
        return;
    }
    xml_scan codes;
    scan(xml, len, &codes, why, sizeof why); /* geocodes (it parsed once already) */
    char key[2 * CRIER_ALERT_MAX_ID + 2];
    snprintf(key, sizeof key, "%s\n%s", a->sender, a->identifier);
    int64_t now = crier_wall_ms();
    char did[CN_NAME_MAX + 1] = "", ref_did[CN_NAME_MAX + 1] = "";
    const char *skip = NULL;
    if (seen(ctx->db, sid, key)) {
        goto out; /* a duplicate: handled before */
    }
    if (a->msg_type == CRIER_ALERT_MSG_ACK || a->msg_type == CRIER_ALERT_MSG_ERROR ||
        a->status == CRIER_ALERT_SYSTEM || a->status == CRIER_ALERT_DRAFT)
        skip = "not for the public (Ack, Error, System or Draft)";
    else if ((a->status == CRIER_ALERT_TEST || a->status == CRIER_ALERT_EXERCISE) &&
             !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(src, "tests")))
        skip = "a Test or Exercise (the source does not relay them)";
    else if (a->msg_type != CRIER_ALERT_MSG_CANCEL && crier_alert_expiry(a, DEFAULT_TTL_MS) <= now)
        skip = "expired";
    /* an Update or Cancel of something this source relayed: followed */
    int ref_sent = 0, ref_pending = 0;
    for (size_t i = 0; !skip && i < a->ref_count && !ref_did[0]; i++)
        if (cn_desk_find(ctx, a->refs[i].sender, a->refs[i].identifier, ref_did)) {
            char state[16] = "";
            cn_desk_state(ctx, ref_did, state);
            ref_sent = strcmp(state, "sent") == 0;
            ref_pending = strcmp(state, "pending") == 0;
            if (!ref_sent && !ref_pending)
                ref_did[0] = '\0';
        }
    if (!skip && a->msg_type == CRIER_ALERT_MSG_CANCEL && !ref_did[0])
        skip = "a Cancel of nothing this source relayed";
    if (!skip && ref_pending) { /* the draft never went out: withdraw it */
        cn_desk_withdraw(ctx, ref_did, a->msg_type == CRIER_ALERT_MSG_CANCEL ? "cancelled at the source"
                                                                               : "replaced at the source");
        if (a->msg_type == CRIER_ALERT_MSG_CANCEL) {
            mark_seen(ctx->db, sid, key, ref_did);
            count(r, sid, 1);
            goto out;
        }
        ref_did[0] = '\0';
    }
    if (!skip && !ref_sent && !rules_match(src, a, &codes, why, sizeof why))
        skip = why;
    if (skip) {
        LOG_INFO("console", "CAP source %s: %s from %s skipped: %s", sid, a->identifier, a->sender, skip);
        mark_seen(ctx->db, sid, key, "");
        count(r, sid, 0);
        goto out;
    }
    /* forward: the source's alert with our scope (seq and sent are set when sent) */
    free(a->scope_target);
    a->scope_target = NULL;
    const char *scope = cn_jstr(src, "scope");
    crier_alert_scope_parse(scope ? scope : "all", &a->scope, &a->scope_target);
    a->seq = 1;
    char *json = NULL;
    size_t jl = 0;
    cJSON *wire = NULL;
    if (crier_alert_to_json(a, 0, &json, &jl) == CRIER_OK)
        wire = cJSON_ParseWithLength(json, jl);
    free(json);
    if (!wire) {
        warn_item(r, sid, where, "cannot convert the alert");
        goto out;
    }
    int send = a->msg_type == CRIER_ALERT_MSG_CANCEL || strcmp(cn_jstr(src, "mode") ? cn_jstr(src, "mode") : "", "auto") == 0;
    crier_err e = cn_desk_relay(ctx, sid, wire, ref_did[0] ? ref_did : NULL, send, did, why, sizeof why);
    cJSON_Delete(wire);
    if (e == CRIER_ERR_NET) {
        char m[320];
        snprintf(m, sizeof m, "%.150s (tried again at the next poll)", why);
        warn_item(r, sid, a->identifier, m);
        goto out; /* not marked seen: the next poll tries again */
    }
    if (e != CRIER_OK)
        warn_item(r, sid, a->identifier, why);
    mark_seen(ctx->db, sid, key, did);
    count(r, sid, e == CRIER_OK);
out:
    scan_free(&codes);
    crier_alert_free(a);
}

/* Polls one source: the document, and when it is an index, its CAP items. */
static void poll_source(cn_relay *r, const cJSON *src)
{
    const char *sid = cn_jstr(src, "id"), *url = cn_jstr(src, "url");
    char err[300] = "";
    char *body = NULL;
    size_t len = 0;
    int ok = 0, items = 0;
    crier_err e = fetch(&r->stop, url, &body, &len, err, sizeof err);
    xml_scan x;
    memset(&x, 0, sizeof x);
    if (e == CRIER_OK && scan(body, len, &x, err, sizeof err) == CRIER_OK) {
        if (strcmp(x.root, "alert") == 0) {
            one_alert(r, src, url, body, len);
            ok = 1;
            items = 1;
        } else if (strcmp(x.root, "feed") == 0 || strcmp(x.root, "rss") == 0 || strcmp(x.root, "RDF") == 0) {
            ok = 1;
            for (size_t i = 0; i < x.nlinks && !__atomic_load_n(&r->stop, __ATOMIC_RELAXED); i++) {
                char *abs = resolve(url, x.links[i]);
                char *doc = NULL, ierr[300];
                size_t dl = 0;
                items++;
                if (!abs) {
                    warn_item(r, sid, x.links[i], "not an http(s) address");
                    continue;
                }
                char key[2100];
                snprintf(key, sizeof key, "url:%s", abs);
                if (seen(r->ctx->db, sid, key)) { /* this document was read before */
                    free(abs);
                    continue;
                }
                crier_err fe = fetch(&r->stop, abs, &doc, &dl, ierr, sizeof ierr);
                if (fe == CRIER_OK) {
                    one_alert(r, src, abs, doc, dl);
                    mark_seen(r->ctx->db, sid, key, "");
                } else if (fe == CRIER_ERR_LIMIT) {
                    warn_item(r, sid, abs, ierr);
                    mark_seen(r->ctx->db, sid, key, "");
                } else {
                    char m[320];
                    snprintf(m, sizeof m, "%.150s (tried again at the next poll)", ierr);
                    warn_item(r, sid, abs, m);
                }
                free(doc);
                free(abs);
            }
        } else {
            crier_errf(err, sizeof err, "neither a CAP alert nor an Atom/RSS index (root element <%s>)", x.root);
        }
    }
    scan_free(&x);
    free(body);
    int64_t now = crier_wall_ms();
    int changed;
    pthread_mutex_lock(&r->lock);
    src_status *s = status_of(r, sid, 1);
    if (!s) {
        pthread_mutex_unlock(&r->lock);
        return;
    }
    changed = !s->polled || s->failing != !ok || (!ok && strcmp(s->error, err) != 0);
    int was_failing = s->failing;
    s->polled = 1;
    s->last_poll_ms = now;
    if (ok) {
        s->failing = 0;
        s->last_ok_ms = now;
        s->items = items;
        s->error[0] = '\0';
    } else {
        if (!s->failing)
            s->failing_since_ms = now;
        s->failing = 1;
        snprintf(s->error, sizeof s->error, "%s", err);
    }
    pthread_mutex_unlock(&r->lock);
    if (!ok && !was_failing) {
        LOG_WARN("console", "CAP source %s (%s) fails: %s; its alerts stay as they are", sid, url, err);
        char who[CN_NAME_MAX + 8];
        snprintf(who, sizeof who, "relay:%s", sid);
        cn_audit(r->ctx->db, r->ctx->sse, who, "relay.error", sid, "failed", err);
    } else if (ok && was_failing) {
        char who[CN_NAME_MAX + 8];
        snprintf(who, sizeof who, "relay:%s", sid);
        cn_audit(r->ctx->db, r->ctx->sse, who, "relay.ok", sid, "ok", "answers again");
    }
    (void)changed;
    emit_status(r, sid);
}

/* ---- the worker ------------------------------------------------------------------- */

#define SEEN_KEEP_MS (30LL * 86400 * 1000) /* what each source has seen: 30 days */

static void *worker(void *arg)
{
    cn_relay *r = arg;
    int64_t last_prune = 0;
    pthread_mutex_lock(&r->lock);
    while (!r->stop) {
        pthread_mutex_unlock(&r->lock);
        if (crier_wall_ms() - last_prune > 3600000) { /* hourly; an alert older than that has long expired */
            last_prune = crier_wall_ms();
            sqlite3 *s = cn_db_lock(r->ctx->db);
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v2(s, "DELETE FROM relay_seen WHERE time < ?", -1, &st, NULL) == SQLITE_OK) {
                sqlite3_bind_int64(st, 1, last_prune - SEEN_KEEP_MS);
                sqlite3_step(st);
            }
            sqlite3_finalize(st);
            cn_db_unlock(r->ctx->db);
        }
        cJSON *srcs = sources_load(r->ctx->db), *due = cJSON_CreateArray();
        int64_t now = crier_wall_ms(), next = now + 60000;
        pthread_mutex_lock(&r->lock);
        const cJSON *src;
        cJSON_ArrayForEach(src, srcs)
        {
            const char *id = cn_jstr(src, "id");
            src_status *s = id ? status_of(r, id, 1) : NULL;
            if (!s)
                continue;
            int kicked = r->kick && (!r->kick_id[0] || strcmp(r->kick_id, id) == 0);
            if (kicked || s->next_ms <= now) {
                cJSON_AddItemToArray(due, cJSON_Duplicate(src, 1));
                const cJSON *iv = cJSON_GetObjectItemCaseSensitive(src, "interval_s");
                s->next_ms = now + (cJSON_IsNumber(iv) ? (int64_t)iv->valuedouble : 60) * 1000;
            }
            if (s->next_ms < next)
                next = s->next_ms;
        }
        r->kick = 0;
        r->kick_id[0] = '\0';
        pthread_mutex_unlock(&r->lock);
        cJSON_ArrayForEach(src, due)
        {
            poll_source(r, src);
            pthread_mutex_lock(&r->lock);
            int stop = r->stop;
            pthread_mutex_unlock(&r->lock);
            if (stop)
                break;
        }
        cJSON_Delete(due);
        cJSON_Delete(srcs);
        pthread_mutex_lock(&r->lock);
        if (!r->stop && !r->kick) {
            int64_t wait = next - crier_wall_ms();
            if (wait > 0) {
                struct timespec dl = crier_mono_deadline((int)(wait > 600000 ? 600000 : wait));
                pthread_cond_timedwait(&r->cond, &r->lock, &dl);
            }
        }
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void wake(cn_relay *r, const char *id)
{
    pthread_mutex_lock(&r->lock);
    if (r->kick && r->kick_id[0] && id && strcmp(r->kick_id, id) != 0)
        r->kick_id[0] = '\0'; /* two different sources asked: poll all */
    else
        snprintf(r->kick_id, sizeof r->kick_id, "%s", id ? id : "");
    r->kick = 1;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

crier_err cn_relay_start(cn_relay **out, cn_ctx *ctx)
{
    *out = NULL;
    cn_relay *r = calloc(1, sizeof *r);
    if (!r)
        return CRIER_ERR_NOMEM;
    r->ctx = ctx;
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cond, &ca);
    pthread_condattr_destroy(&ca);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (pthread_create(&r->thread, NULL, worker, r) != 0) {
        cn_relay_stop(r);
        return CRIER_ERR_IO;
    }
    r->started = 1;
    *out = r;
    return CRIER_OK;
}

void cn_relay_stop(cn_relay *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    __atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED); /* also read by on_progress without the lock */
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    if (r->started)
        pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->lock);
    curl_global_cleanup();
    free(r);
}

/* ---- API ---------------------------------------------------------------------------- */

static cJSON *sources_json(cn_relay *r)
{
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "sources");
    cJSON *srcs = sources_load(r->ctx->db), *src;
    cJSON_ArrayForEach(src, srcs)
    {
        cJSON *o = cJSON_Duplicate(src, 1);
        pthread_mutex_lock(&r->lock);
        cJSON_AddItemToObject(o, "status", status_json(status_of(r, cn_jstr(src, "id"), 0)));
        pthread_mutex_unlock(&r->lock);
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_Delete(srcs);
    return root;
}

void cn_relay_handle(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *rest)
{
    cn_relay *r = ctx->relay;
    if (!r) {
        cn_resp_error(resp, 503, "the CAP relay is not running");
        return;
    }
    if (req->user.role < CN_ROLE_PUBLISHER) {
        cn_resp_error(resp, 403, "the CAP sources are for publishers and admins");
        return;
    }
    int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0,
        del = strcmp(req->method, "DELETE") == 0;
    if (!rest[0] && get) {
        cn_resp_json(resp, 200, sources_json(r));
        return;
    }
    char id[CN_NAME_MAX + 1] = "";
    const char *action = "";
    if (rest[0] && cn_route_item(rest, id, &action, resp, "source") != 0)
        return;
    if (post && !id[0]) {
        if (req->user.role < CN_ROLE_ADMIN) {
            cn_audit(ctx->db, ctx->sse, req->user.name, "relay.put", "", "refused", "not an admin");
            cn_resp_error(resp, 403, "only an admin adds or changes CAP sources");
            return;
        }
        cJSON *in = cn_req_json(req, resp);
        if (!in)
            return;
        char err[300];
        cJSON *src = source_check(in, err, sizeof err);
        cJSON_Delete(in);
        if (!src) {
            cn_resp_error(resp, 400, "%s", err);
            return;
        }
        char *txt = cn_json_print(src);
        crier_err e = CRIER_ERR_IO;
        sqlite3 *s = cn_db_lock(ctx->db);
        sqlite3_stmt *st = NULL;
        int n = -1;
        if (sqlite3_prepare_v2(s, "SELECT count(*) FROM relay_sources WHERE id<>?", -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, cn_jstr(src, "id"), -1, SQLITE_TRANSIENT);
            if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int(st, 0);
        }
        sqlite3_finalize(st);
        st = NULL;
        if (n >= 0 && n < CN_RELAY_MAX_SOURCES && txt &&
            sqlite3_prepare_v2(s, "INSERT OR REPLACE INTO relay_sources(id, data) VALUES(?,?)", -1, &st, NULL) ==
                SQLITE_OK) {
            sqlite3_bind_text(st, 1, cn_jstr(src, "id"), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, txt, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(st) == SQLITE_DONE)
                e = CRIER_OK;
        }
        sqlite3_finalize(st);
        cn_db_unlock(ctx->db);
        free(txt);
        if (e != CRIER_OK) {
            cJSON_Delete(src);
            cn_resp_error(resp, n >= CN_RELAY_MAX_SOURCES ? 409 : 500, "%s",
                          n >= CN_RELAY_MAX_SOURCES ? "too many CAP sources (64)" : "cannot store the source");
            return;
        }
        cn_audit(ctx->db, ctx->sse, req->user.name, "relay.put", cn_jstr(src, "id"), "ok", cn_jstr(src, "url"));
        wake(r, cn_jstr(src, "id"));
        cn_resp_json(resp, 201, src);
        return;
    }
    if (id[0] && del && !action[0]) {
        if (req->user.role < CN_ROLE_ADMIN) {
            cn_resp_error(resp, 403, "only an admin removes CAP sources");
            return;
        }
        sqlite3 *s = cn_db_lock(ctx->db);
        sqlite3_stmt *st = NULL;
        int gone = 0;
        if (sqlite3_prepare_v2(s, "DELETE FROM relay_sources WHERE id=?", -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
            gone = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(s) == 1;
        }
        sqlite3_finalize(st);
        cn_db_unlock(ctx->db);
        if (!gone) {
            cn_resp_error(resp, 404, "no such source");
            return;
        }
        cn_audit(ctx->db, ctx->sse, req->user.name, "relay.delete", id, "ok", NULL);
        cn_resp_empty(resp, 204);
        return;
    }
    if (id[0] && post && strcmp(action, "poll") == 0) {
        wake(r, id);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "polling", id);
        cn_resp_json(resp, 202, o);
        return;
    }
    cn_resp_error(resp, 404, "no such resource");
}
