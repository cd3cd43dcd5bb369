/* feed_mastodon.c - a Mastodon account's statuses (GET /api/v1/accounts/:id/statuses).
 *
 * Design: the body is a JSON array of Status entities.  For each status:
 *   - reblogs ("reblog" not null) are skipped unless opts->include_boosts; when
 *     kept, the boosted status supplies the content but the id stays the outer
 *     one (stable: the boost is what appears on the timeline);
 *   - replies ("in_reply_to_id" not null, threads included) are skipped unless
 *     opts->include_replies;
 *   - private and direct statuses are always skipped (they should never be in a
 *     public timeline, but a token with more rights could return them);
 *   - custom emoji (":shortcode:" listed in the status's or the account's
 *     "emojis") are removed from the display name, the content and the content
 *     warning: a kiosk never shows the raw shortcode;
 *   - title = the account's display name (else @acct), body = content HTML as
 *     text (html_text: paragraphs, <br>, links, entities; capped at max_text, so
 *     10 MB of HTML costs one bounded pass), or the content warning
 *     (spoiler_text) alone when there is one;
 *   - image = the first media attachment of type "image" unless the status is
 *     marked sensitive; link = url (else uri); published = created_at; lang.
 * No pointer into the cJSON tree survives the parse. */
#include "feeds/feed.h"
#include "feeds/feed_json.h"
#include "feeds/html_text.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *clean(const char *s, size_t cap)
{
    return s ? crier_html_clean_text(s, strlen(s), cap, 0, NULL) : NULL;
}

/* Removes every ":shortcode:" of the custom emoji listed in emojis (an array
 * of {"shortcode": ...}) from s, in place; then the spaces that stood around
 * one collapse to one and the ends are trimmed.  A shortcode is letters,
 * digits and '_' (Mastodon's rule); anything else in the list is ignored. */
static void strip_custom_emoji(char *s, const cJSON *emojis)
{
    if (!s || !cJSON_IsArray(emojis))
        return;
    int removed = 0, n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, emojis)
    {
        if (++n > 256)
            break; /* a bounded pass over hostile input */
        const char *code = crier_feed_json_str(e, "shortcode");
        size_t len = code ? strlen(code) : 0;
        if (len == 0 || len > 64 || strspn(code, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != len)
            continue;
        char pat[68];
        snprintf(pat, sizeof pat, ":%s:", code);
        for (char *p = strstr(s, pat); p; p = strstr(p, pat)) {
            memmove(p, p + len + 2, strlen(p + len + 2) + 1);
            removed = 1;
        }
    }
    if (!removed)
        return;
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == ' ' && (w == s || w[-1] == ' ' || w[-1] == '\n' || r[1] == '\n' || r[1] == '\0'))
            continue;
        *w++ = *r;
    }
    while (w > s && w[-1] == ' ')
        w--;
    *w = '\0';
}

/* 0 keep, 1 skip (filtered), -1 malformed. */
static int status_to_item(const cJSON *js, const crier_feed_opts *o, crier_item *it, crier_err *rc)
{
    *rc = CRIER_OK;
    *it = (crier_item){.kind = CRIER_ITEM_POST, .weight = 1};
    const char *id = crier_feed_json_str(js, "id");
    if (!id || !*id)
        return -1;
    const char *vis = crier_feed_json_str(js, "visibility");
    if (vis && (!strcmp(vis, "private") || !strcmp(vis, "direct")))
        return 1;
    const cJSON *st = js;
    const cJSON *reblog = cJSON_GetObjectItemCaseSensitive(js, "reblog");
    if (cJSON_IsObject(reblog)) {
        if (!o->include_boosts)
            return 1;
        st = reblog;
    }
    const cJSON *reply = cJSON_GetObjectItemCaseSensitive(js, "in_reply_to_id");
    if (reply && !cJSON_IsNull(reply) && !o->include_replies)
        return 1;

    const cJSON *acct = cJSON_GetObjectItemCaseSensitive(st, "account");
    const cJSON *emojis = cJSON_GetObjectItemCaseSensitive(st, "emojis");
    it->id = crier_strdup(id);
    it->title = clean(crier_feed_json_str(acct, "display_name"), o->max_title);
    strip_custom_emoji(it->title, cJSON_GetObjectItemCaseSensitive(acct, "emojis"));
    if (!it->title || !*it->title) { /* no name, or only emoji */
        char handle[256];
        const char *a = crier_feed_json_str(acct, "acct");
        snprintf(handle, sizeof handle, "@%s", a ? a : "mastodon");
        free(it->title);
        it->title = clean(handle, o->max_title);
    }
    const char *spoiler = crier_feed_json_str(st, "spoiler_text");
    const char *content = crier_feed_json_str(st, "content");
    if (spoiler && *spoiler)
        it->body = clean(spoiler, o->max_text);
    else if (content)
        it->body = crier_html_to_text(content, strlen(content), o->max_text,
                                      o->link_urls ? CRIER_HTML_LINK_URLS : 0, NULL);
    strip_custom_emoji(it->body, emojis);
    const char *url = crier_feed_json_str(st, "url");
    if (!crier_feed_is_http_url(url))
        url = crier_feed_is_http_url(crier_feed_json_str(st, "uri")) ? crier_feed_json_str(st, "uri") : NULL;
    if (url)
        it->link = clean(url, 2048);
    const cJSON *sens = cJSON_GetObjectItemCaseSensitive(st, "sensitive");
    if (!cJSON_IsTrue(sens)) {
        const cJSON *m, *media = cJSON_GetObjectItemCaseSensitive(st, "media_attachments");
        cJSON_ArrayForEach(m, media)
        {
            const char *type = crier_feed_json_str(m, "type"), *u = crier_feed_json_str(m, "url");
            if (type && !strcmp(type, "image") && crier_feed_is_http_url(u)) {
                it->image = crier_strdup(u);
                break;
            }
        }
    }
    const char *lang = crier_feed_json_str(st, "language");
    if (lang)
        it->lang = clean(lang, 35);
    int64_t t;
    if (crier_parse_iso8601(crier_feed_json_str(js, "created_at"), &t) == 0)
        it->published_ms = t;
    if (!it->id || !it->title || (content && !it->body))
        *rc = CRIER_ERR_NOMEM;
    else
        *rc = crier_feed_finish_item(it, o);
    return 0;
}

static crier_err fill_statuses(const cJSON *root, const crier_feed_opts *opts, crier_item_list *list,
                               char *err, size_t err_len)
{
    crier_err rc = CRIER_OK;
    if (!cJSON_IsArray(root)) {
        const char *e = crier_feed_json_str(root, "error");
        char *ce = e ? clean(e, 120) : NULL;
        crier_errf(err, err_len, "mastodon: expected an array of statuses%s%s", ce ? ", server said: " : "",
                           ce ? ce : "");
        free(ce);
        return CRIER_ERR_PARSE;
    }
    size_t skipped = 0, filtered = 0, malformed = 0;
    const cJSON *js;
    cJSON_ArrayForEach(js, root)
    {
        if (list->count >= opts->max_items) {
            skipped++;
            continue;
        }
        crier_item it;
        int r = cJSON_IsObject(js) ? status_to_item(js, opts, &it, &rc) : (memset(&it, 0, sizeof it), -1);
        if (r == 0 && rc == CRIER_OK)
            rc = crier_item_list_take(list, &it);
        crier_item_clear(&it);
        if (rc != CRIER_OK) {
            crier_errf(err, err_len, "mastodon: %s", crier_strerror(rc));
            return rc;
        }
        filtered += r == 1;
        malformed += r < 0;
    }
    if (skipped || malformed)
        LOG_INFO("feed", "%s: kept %zu statuses, filtered %zu, skipped %zu over the limit, %zu malformed",
                 opts->source ? opts->source : "?", list->count, filtered, skipped, malformed);
    return CRIER_OK;
}

crier_err crier_feed_parse_mastodon(const char *buf, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                                    char *err, size_t err_len)
{
    return crier_feed_json_parse(buf, len, "mastodon", opts, out, fill_statuses, err, err_len);
}
