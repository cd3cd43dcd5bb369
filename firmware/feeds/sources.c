#include "feeds/sources.h"
#include "feeds/feed.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "feeds/fetch.h"
#include "content/filesource.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct crier_sources {
    crier_filesource *files;
    crier_fetch *fetch;
    int64_t stale_after_ms;
};

static void fetch_cfg(const crier_config *cfg, crier_fetch_cfg *fc)
{
    crier_fetch_cfg_init(fc);
    fc->cache_dir = cfg->cache_dir;
    crier_http_cfg_from_config(&fc->http, cfg);
    fc->image_max_bytes = (size_t)cfg->feed_image_max_bytes;
    fc->backoff_min_s = cfg->feed_backoff_min_s;
    fc->backoff_max_s = cfg->feed_backoff_max_s;
    fc->parse_timeout_ms = cfg->feed_parse_timeout_ms;
}

/* Network sources of the configuration; returns how many were written. */
static size_t network_sources(const crier_config *cfg, crier_source_cfg *out)
{
    size_t n = 0;
    for (int i = 0; i < cfg->n_sources; i++) {
        const crier_source_config *src = &cfg->sources[i];
        if (src->type == CRIER_FEED_FILE)
            continue;
        crier_source_cfg *s = &out[n++];
        crier_source_cfg_init(s);
        s->name = src->name;
        s->type = src->type;
        s->url = src->url;
        s->refresh_s = src->refresh_s;
        s->max_bytes = (size_t)src->max_bytes;
        crier_config_source_schedule(src, &s->schedule); /* validated by crier_config_check */
        s->parse.include_boosts = src->boosts;
        s->parse.include_replies = src->replies;
        s->parse.link_urls = src->link_urls;
        s->parse.max_items = (size_t)src->max_items;
        s->parse.window_ms = (int64_t)src->window_days * 86400000;
        s->parse.default_validity_ms = s->schedule.default_validity_ms;
    }
    return n;
}

crier_sources *crier_sources_start(const crier_config *cfg, crier_mailbox *to_render, char *err, size_t err_len)
{
    crier_sources *s = calloc(1, sizeof *s);
    crier_source_cfg net[CRIER_MAX_SOURCES];
    if (!s) {
        crier_errf(err, err_len, "out of memory");
        return NULL;
    }
    s->stale_after_ms = (int64_t)cfg->stale_after_s * 1000;
    size_t n = network_sources(cfg, net);
    if (n > 0) {
        crier_fetch_cfg fc;
        fetch_cfg(cfg, &fc);
        fc.sources = net;
        fc.n_sources = n;
        fc.to = to_render;
        if (crier_fetch_start(&s->fetch, &fc, err, err_len) != CRIER_OK) {
            crier_sources_stop(s);
            return NULL;
        }
    }
    crier_filesource_cfg fsc = {.config = cfg, .to = to_render, .poll_ms = 2000};
    if (crier_filesource_start(&s->files, &fsc, err, err_len) != CRIER_OK) {
        crier_sources_stop(s);
        return NULL;
    }
    return s;
}

void crier_sources_stop(crier_sources *s)
{
    if (!s)
        return;
    crier_filesource_stop(s->files);
    crier_fetch_stop(s->fetch);
    free(s);
}

void crier_sources_reload(crier_sources *s)
{
    if (!s)
        return;
    crier_filesource_reload(s->files);
    if (s->fetch)
        crier_fetch_refresh_all(s->fetch);
}

int crier_sources_stale_label(crier_sources *s, int64_t now_ms, char *buf, size_t len)
{
    crier_source_status st[CRIER_MAX_SOURCES];
    if (!s || !s->fetch)
        return 0;
    size_t n = crier_fetch_status(s->fetch, st, CRIER_MAX_SOURCES);
    int64_t oldest = INT64_MAX;
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        char label[32];
        if (crier_schedule_stale_label(st[i].last_success_ms, st[i].last_error_ms, now_ms, s->stale_after_ms, label,
                                       sizeof label) &&
            st[i].last_success_ms < oldest) {
            oldest = st[i].last_success_ms;
            snprintf(buf, len, "%s", label);
            found = 1;
        }
    }
    return found;
}

char *crier_sources_status_json(crier_sources *s)
{
    crier_source_status st[CRIER_MAX_SOURCES];
    size_t n = s && s->fetch ? crier_fetch_status(s->fetch, st, CRIER_MAX_SOURCES) : 0;
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", st[i].name);
        cJSON_AddStringToObject(o, "type", crier_feed_type_name(st[i].type));
        cJSON_AddNumberToObject(o, "last_success_ms", (double)st[i].last_success_ms);
        cJSON_AddNumberToObject(o, "last_error_ms", (double)st[i].last_error_ms);
        cJSON_AddStringToObject(o, "last_error", st[i].last_error);
        cJSON_AddNumberToObject(o, "items", (double)st[i].item_count);
        cJSON_AddNumberToObject(o, "failures", st[i].failures);
        cJSON_AddBoolToObject(o, "from_cache", st[i].from_cache);
        cJSON_AddItemToArray(arr, o);
    }
    char *out = arr ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    return out;
}

static void print_item(const crier_item *it)
{
    static const char *const kinds[] = {"post", "event", "ticker"};
    cJSON *o = cJSON_CreateObject();
    char buf[40];
    if (!o)
        return;
    cJSON_AddStringToObject(o, "kind", kinds[it->kind]);
    cJSON_AddStringToObject(o, "source", it->source ? it->source : "");
    cJSON_AddStringToObject(o, "id", it->id ? it->id : "");
    if (it->title)
        cJSON_AddStringToObject(o, "title", it->title);
    if (it->body)
        cJSON_AddStringToObject(o, "text", it->body);
    if (it->starts_ms) {
        crier_format_utc_ms(it->starts_ms, buf, sizeof buf);
        cJSON_AddStringToObject(o, "starts", buf);
    }
    if (it->ends_ms) {
        crier_format_utc_ms(it->ends_ms, buf, sizeof buf);
        cJSON_AddStringToObject(o, "ends", buf);
    }
    if (it->link)
        cJSON_AddStringToObject(o, "link", it->link);
    if (it->image)
        cJSON_AddStringToObject(o, "image", it->image);
    char *line = cJSON_PrintUnformatted(o);
    if (line)
        puts(line);
    cJSON_free(line);
    cJSON_Delete(o);
}

int crier_sources_print(const crier_config *cfg)
{
    int64_t now = crier_wall_ms();
    int failed = 0;
    crier_item_list all;
    crier_item_list_init(&all);
    for (int i = 0; i < cfg->n_sources; i++) {
        const crier_source_config *src = &cfg->sources[i];
        crier_item_list list;
        if (src->type != CRIER_FEED_FILE)
            continue;
        if (crier_filesource_load(src->path, src->name, &list) != CRIER_OK) {
            failed = 1;
            continue;
        }
        if (crier_feed_append_all(&all, &list) != CRIER_OK)
            failed = 1;
        crier_item_list_clear(&list);
    }
    crier_source_cfg net[CRIER_MAX_SOURCES];
    crier_source_status st[CRIER_MAX_SOURCES];
    size_t n = network_sources(cfg, net);
    if (n > 0) {
        crier_fetch_cfg fc;
        crier_item_list list;
        fetch_cfg(cfg, &fc);
        crier_item_list_init(&list);
        memset(st, 0, sizeof st);
        fc.sources = net;
        fc.n_sources = n;
        if (crier_fetch_once(&fc, &list, st) != CRIER_OK)
            failed = 1;
        for (size_t k = 0; k < n; k++)
            if (st[k].last_error[0]) {
                LOG_WARN("content", "source '%s': %s%s", st[k].name, st[k].last_error,
                         st[k].from_cache ? " (cached copy used)" : "");
                if (!st[k].from_cache)
                    failed = 1;
            }
        if (crier_feed_append_all(&all, &list) != CRIER_OK)
            failed = 1;
        crier_item_list_clear(&list);
    }
    /* Merged and scheduled: what a screen would rotate through now. */
    for (int i = 0; i < cfg->n_sources; i++) {
        crier_schedule sched;
        crier_config_source_schedule(&cfg->sources[i], &sched);
        for (size_t k = 0; k < all.count; k++) {
            crier_item *it = &all.items[k];
            if (!it->source || strcmp(it->source, cfg->sources[i].name) != 0)
                continue;
            if (crier_item_is_current(it, now) && crier_schedule_allows(&sched, now))
                print_item(it);
        }
    }
    crier_item_list_clear(&all);
    return failed;
}
