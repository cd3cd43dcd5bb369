/* feed_jsonfeed.c - JSON Feed 1.1 (and 1.0) with cJSON.
 *
 * Design: cJSON_ParseWithLength() builds the tree (cJSON caps nesting at
 * CJSON_NESTING_LIMIT, so deep input cannot exhaust the stack), we walk
 * "items" once and copy what we keep into crier_items; no pointer into the
 * tree survives the cJSON_Delete().  Every string goes through html_text
 * (content_html, summary as HTML) or crier_html_clean_text (everything else), which
 * replaces invalid UTF-8 and caps sizes.
 * Field mapping: id (string or number) -> id; title (else the feed's title:
 * a title-less item is a status update, and the feed names who posted it); content_text, else
 * content_html as text, else summary -> body; url (else external_url) -> link;
 * image (else banner_image, else the first image attachment) -> image;
 * date_published (else date_modified) -> published; language (item, else feed). */
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
    return s ? crier_html_clean_text(s, strlen(s), cap, 1, NULL) : NULL;
}

static crier_err item_from_json(const cJSON *ji, const char *feed_lang, const char *feed_title,
                                const crier_feed_opts *o, crier_item *it)
{
    *it = (crier_item){.kind = CRIER_ITEM_POST, .weight = 1};
    const cJSON *jid = cJSON_GetObjectItemCaseSensitive(ji, "id");
    char num[32];
    const char *id = NULL;
    if (cJSON_IsString(jid))
        id = jid->valuestring;
    else if (cJSON_IsNumber(jid)) {
        snprintf(num, sizeof num, "%.0f", jid->valuedouble);
        id = num;
    }
    const char *url = crier_feed_json_str(ji, "url");
    if (!crier_feed_is_http_url(url))
        url = crier_feed_json_str(ji, "external_url");
    if (!crier_feed_is_http_url(url))
        url = NULL;
    if (!id)
        id = url;
    it->id = clean(id, 512);
    it->link = clean(url, 2048);
    const char *title = crier_feed_json_str(ji, "title");
    if (!title || !*title)
        title = feed_title;
    it->title = clean(title, o->max_title);
    unsigned hf = o->link_urls ? CRIER_HTML_LINK_URLS : 0;
    const char *text = crier_feed_json_str(ji, "content_text");
    const char *html = crier_feed_json_str(ji, "content_html");
    const char *summary = crier_feed_json_str(ji, "summary");
    if (text && *text)
        it->body = clean(text, o->max_text);
    else if (html && *html)
        it->body = crier_html_to_text(html, strlen(html), o->max_text, hf, NULL);
    else if (summary)
        it->body = crier_html_to_text(summary, strlen(summary), o->max_text, hf, NULL);
    const char *img = crier_feed_json_str(ji, "image");
    if (!crier_feed_is_http_url(img))
        img = crier_feed_json_str(ji, "banner_image");
    if (!crier_feed_is_http_url(img)) {
        img = NULL;
        const cJSON *att, *atts = cJSON_GetObjectItemCaseSensitive(ji, "attachments");
        cJSON_ArrayForEach(att, atts)
        {
            const char *mt = crier_feed_json_str(att, "mime_type"), *u = crier_feed_json_str(att, "url");
            if (mt && !strncasecmp(mt, "image/", 6) && crier_feed_is_http_url(u)) {
                img = u;
                break;
            }
        }
    }
    if (img)
        it->image = crier_strdup(img);
    const char *lang = crier_feed_json_str(ji, "language");
    if (!lang)
        lang = feed_lang;
    if (lang)
        it->lang = clean(lang, 35);
    int64_t t;
    if (crier_parse_iso8601(crier_feed_json_str(ji, "date_published"), &t) == 0 ||
        crier_parse_iso8601(crier_feed_json_str(ji, "date_modified"), &t) == 0)
        it->published_ms = t;
    if ((id && !it->id) || (url && !it->link) || (img && !it->image))
        return CRIER_ERR_NOMEM;
    return crier_feed_finish_item(it, o);
}

static crier_err fill_items(const cJSON *root, const crier_feed_opts *opts, crier_item_list *list,
                            char *err, size_t err_len)
{
    crier_err rc = CRIER_OK;
    const char *version = crier_feed_json_str(root, "version");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
    if (!cJSON_IsObject(root) || !version || !strstr(version, "jsonfeed.org/version/") || !cJSON_IsArray(items)) {
        crier_errf(err, err_len, "jsonfeed: not a JSON Feed (missing version or items)");
        return CRIER_ERR_PARSE;
    }
    const char *feed_lang = crier_feed_json_str(root, "language");
    const char *feed_title = crier_feed_json_str(root, "title");
    size_t skipped = 0;
    const cJSON *ji;
    cJSON_ArrayForEach(ji, items)
    {
        if (!cJSON_IsObject(ji))
            continue;
        if (list->count >= opts->max_items) {
            skipped++;
            continue;
        }
        crier_item it;
        rc = item_from_json(ji, feed_lang, feed_title, opts, &it);
        if (rc == CRIER_OK)
            rc = crier_item_list_take(list, &it);
        crier_item_clear(&it);
        if (rc != CRIER_OK) {
            crier_errf(err, err_len, "jsonfeed: %s", crier_strerror(rc));
            return rc;
        }
    }
    if (skipped)
        LOG_INFO("feed", "%s: kept %zu items, skipped %zu over the limit", opts->source ? opts->source : "?",
                 list->count, skipped);
    return CRIER_OK;
}

crier_err crier_feed_parse_jsonfeed(const char *buf, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                                    char *err, size_t err_len)
{
    return crier_feed_json_parse(buf, len, "jsonfeed", opts, out, fill_items, err, err_len);
}
