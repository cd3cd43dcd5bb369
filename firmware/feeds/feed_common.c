/* feed_common.c - what every feed parser shares: option defaults, the type
 * table, content-type checks, RSS dates, stable ids and the final per-item
 * clean-up (source name, default validity, required fields).
 *
 * Pure functions; no I/O, no clock. */
#include "feeds/feed.h"
#include "feeds/html_text.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const type_names[CRIER_FEED__COUNT] = {
    [CRIER_FEED_RSS] = "rss",           [CRIER_FEED_ATOM] = "atom", [CRIER_FEED_JSONFEED] = "jsonfeed",
    [CRIER_FEED_MASTODON] = "mastodon", [CRIER_FEED_ICAL] = "ical", [CRIER_FEED_FILE] = "file",
};

int crier_feed_type_parse(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < CRIER_FEED__COUNT; i++)
        if (!strcasecmp(name, type_names[i]))
            return i;
    if (!strcasecmp(name, "ics") || !strcasecmp(name, "icalendar"))
        return CRIER_FEED_ICAL;
    if (!strcasecmp(name, "json") || !strcasecmp(name, "json_feed"))
        return CRIER_FEED_JSONFEED;
    return -1;
}

const char *crier_feed_type_name(crier_feed_type type)
{
    return (unsigned)type < CRIER_FEED__COUNT ? type_names[type] : "unknown";
}

void crier_feed_opts_init(crier_feed_opts *opts)
{
    *opts = (crier_feed_opts){
        .window_ms = 14LL * 24 * 3600 * 1000,
        .default_validity_ms = 0,
        .max_items = 200,
        .max_text = 4096,
        .max_title = 300,
        .max_depth = 64,
        .max_elements = 200000,
        .max_instances = 100,
        .max_recur_steps = 20000,
        .max_recur_total = CRIER_FEED_DEFAULT_RECUR_TOTAL,
        .include_boosts = 0, /* as the source settings boosts and replies */
        .include_replies = 0,
    };
}

int crier_feed_is_http_url(const char *s)
{
    return s && (!strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8));
}

int crier_feed_content_type_ok(crier_feed_type type, const char *ct)
{
    if (!ct || !*ct)
        return 1;
    char base[96];
    size_t k = 0;
    while (*ct == ' ')
        ct++;
    for (; *ct && *ct != ';' && *ct != ' ' && k < sizeof base - 1; ct++)
        base[k++] = (char)tolower((unsigned char)*ct);
    base[k] = '\0';
    if (!strcmp(base, "application/octet-stream") || !strcmp(base, "text/plain") || !base[0])
        return 1;
    switch (type) {
    case CRIER_FEED_RSS:
    case CRIER_FEED_ATOM:
        return strstr(base, "xml") != NULL;
    case CRIER_FEED_JSONFEED:
    case CRIER_FEED_MASTODON:
    case CRIER_FEED_FILE:
        return strstr(base, "json") != NULL;
    case CRIER_FEED_ICAL:
        return !strcmp(base, "text/calendar") || !strcmp(base, "application/ics") ||
               !strcmp(base, "text/x-vcalendar") || !strcmp(base, "application/calendar");
    default:
        return 0;
    }
}

/* ---- RFC 822 dates ------------------------------------------------------- */

static int month_index(const char *m)
{
    static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    for (int i = 0; i < 12; i++)
        if (!strncasecmp(m, months[i], 3))
            return i;
    return -1;
}

static int zone_offset_min(const char *z, int *off)
{
    static const struct {
        const char *name;
        int off;
    } zones[] = {{"GMT", 0},      {"UT", 0},       {"UTC", 0},      {"Z", 0},        {"EST", -300},
                 {"EDT", -240},   {"CST", -360},   {"CDT", -300},   {"MST", -420},   {"MDT", -360},
                 {"PST", -480},   {"PDT", -420},   {"CET", 60},     {"CEST", 120},   {"BST", 60}};
    if (*z == '+' || *z == '-') {
        int sign = *z == '-' ? -1 : 1;
        z++;
        if (!isdigit((unsigned char)z[0]) || !isdigit((unsigned char)z[1]))
            return -1;
        int hh = (z[0] - '0') * 10 + (z[1] - '0');
        z += 2;
        if (*z == ':')
            z++;
        int mm = 0;
        if (isdigit((unsigned char)z[0]) && isdigit((unsigned char)z[1]))
            mm = (z[0] - '0') * 10 + (z[1] - '0');
        if (hh > 23 || mm > 59)
            return -1;
        *off = sign * (hh * 60 + mm);
        return 0;
    }
    if (!*z) {
        *off = 0; /* no zone: RFC 822 says required; treat as UTC */
        return 0;
    }
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
        if (!strcasecmp(z, zones[i].name)) {
            *off = zones[i].off;
            return 0;
        }
    if (isalpha((unsigned char)z[0]) && z[1] == '\0') { /* military zones: unreliable, use UTC */
        *off = 0;
        return 0;
    }
    return -1;
}

int crier_feed_parse_rfc822(const char *s, int64_t *epoch_ms)
{
    if (!s)
        return -1;
    char buf[80];
    snprintf(buf, sizeof buf, "%s", s);
    char *p = buf;
    while (isspace((unsigned char)*p))
        p++;
    char *comma = strchr(p, ',');
    if (comma)
        p = comma + 1;
    char *tok[6] = {0};
    int n = 0;
    for (char *save = NULL, *t = strtok_r(p, " \t\r\n", &save); t && n < 6; t = strtok_r(NULL, " \t\r\n", &save))
        tok[n++] = t;
    if (n < 4)
        return -1;
    char *end;
    long day = strtol(tok[0], &end, 10);
    if (*end || day < 1 || day > 31)
        return -1;
    int mon = month_index(tok[1]);
    if (mon < 0)
        return -1;
    long year = strtol(tok[2], &end, 10);
    if (*end || year < 0 || year > 9999) /* larger years overflow tm_year and the ms below (fuzz_iso8601) */
        return -1;
    if (year < 50)
        year += 2000;
    else if (year < 100)
        year += 1900;
    int hh, mm, ss = 0;
    if (sscanf(tok[3], "%d:%d:%d", &hh, &mm, &ss) < 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 ||
        ss > 60)
        return -1;
    int off = 0;
    if (n >= 5 && zone_offset_min(tok[4], &off) != 0)
        return -1;
    struct tm tm = {.tm_year = (int)year - 1900, .tm_mon = mon, .tm_mday = (int)day,
                    .tm_hour = hh, .tm_min = mm, .tm_sec = ss};
    time_t t = timegm(&tm);
    *epoch_ms = ((int64_t)t - (int64_t)off * 60) * 1000;
    return 0;
}

int crier_feed_parse_date(const char *s, int64_t *epoch_ms)
{
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    if (crier_feed_parse_rfc822(s, epoch_ms) == 0)
        return 0;
    /* ISO 8601 with trailing whitespace trimmed. */
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);
    size_t l = strlen(buf);
    while (l > 0 && isspace((unsigned char)buf[l - 1]))
        buf[--l] = '\0';
    return crier_parse_iso8601(buf, epoch_ms);
}

void crier_feed_hash_id(const char *a, const char *b, char out[17])
{
    const char *tail = b ? b : "";
    uint64_t h = crier_hash_field(CRIER_HASH_INIT, a ? a : "");
    h = crier_hash_bytes(h, tail, strlen(tail));
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

crier_err crier_feed_finish_item(crier_item *item, const crier_feed_opts *opts)
{
    free(item->source);
    item->source = crier_strdup(opts->source ? opts->source : "feed");
    if (!item->source)
        return CRIER_ERR_NOMEM;
    if (!item->id || !*item->id) {
        char h[17];
        crier_feed_hash_id(item->link, item->title, h);
        free(item->id);
        if (!(item->id = crier_strdup(h)))
            return CRIER_ERR_NOMEM;
    }
    if (!item->title && !(item->title = crier_strdup("")))
        return CRIER_ERR_NOMEM;
    if (!item->body && !(item->body = crier_strdup("")))
        return CRIER_ERR_NOMEM;
    if (item->weight <= 0)
        item->weight = 1;
    if (item->kind == CRIER_ITEM_POST && item->valid_until_ms == 0 && opts->default_validity_ms > 0) {
        int64_t base = item->published_ms ? item->published_ms : opts->now_ms;
        item->valid_until_ms = base + opts->default_validity_ms;
    }
    return CRIER_OK;
}

crier_err crier_feed_append_all(crier_item_list *to, crier_item_list *from)
{
    crier_err rc = CRIER_OK;
    for (size_t i = 0; i < from->count && rc == CRIER_OK; i++)
        rc = crier_item_list_take(to, &from->items[i]);
    crier_item_list_clear(from);
    return rc;
}

/* ---- dispatch ------------------------------------------------------------ */

crier_err crier_feed_parse_file(const char *buf, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                                char *err, size_t err_len)
{
    crier_item_list tmp;
    crier_item_list_init(&tmp);
    char msg[160] = "";
    crier_err rc = crier_content_parse(buf, len, opts->source, opts->base_dir, &tmp, msg, sizeof msg);
    if (rc != CRIER_OK) {
        crier_errf(err, err_len, "%s", msg[0] ? msg : crier_strerror(rc));
        crier_item_list_clear(&tmp);
        return rc;
    }
    rc = crier_feed_append_all(out, &tmp);
    if (rc != CRIER_OK)
        crier_errf(err, err_len, "%s", crier_strerror(rc));
    return rc;
}

crier_err crier_feed_parse(crier_feed_type type, const char *buf, size_t len, const crier_feed_opts *opts,
                           crier_item_list *out, char *err, size_t err_len)
{
    switch (type) {
    case CRIER_FEED_RSS:
        return crier_feed_parse_rss(buf, len, opts, out, err, err_len);
    case CRIER_FEED_ATOM:
        return crier_feed_parse_atom(buf, len, opts, out, err, err_len);
    case CRIER_FEED_JSONFEED:
        return crier_feed_parse_jsonfeed(buf, len, opts, out, err, err_len);
    case CRIER_FEED_MASTODON:
        return crier_feed_parse_mastodon(buf, len, opts, out, err, err_len);
    case CRIER_FEED_ICAL:
        return crier_feed_parse_ical(buf, len, opts, out, err, err_len);
    case CRIER_FEED_FILE:
        return crier_feed_parse_file(buf, len, opts, out, err, err_len);
    default:
        crier_errf(err, err_len, "unknown source type %d", (int)type);
        return CRIER_ERR_INVAL;
    }
}
