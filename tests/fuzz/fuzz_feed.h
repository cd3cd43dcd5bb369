/* fuzz_feed.h - the part the feed harnesses (fuzz_rss.c, fuzz_jsonfeed.c,
 * fuzz_mastodon.c, fuzz_ical.c) share: run one parser of feeds/feed.h with the
 * default limits and check what every produced item must satisfy (an id, the
 * source name, valid UTF-8 text within the caps, at most max_items items).
 * Header-only, static; see fuzz_common.h. */
#ifndef CRIER_FUZZ_FEED_H
#define CRIER_FUZZ_FEED_H

#include "fuzz_common.h"

#include "content/content.h"
#include "feeds/feed.h"
#include "base/utf8.h"

#define FUZZ_FEED_NOW 1767225600000LL /* 2026-01-01T00:00:00Z */

static inline void fuzz_feed_check_text(const char *s, size_t cap)
{
    if (!s)
        return;
    size_t n = strlen(s);
    FUZZ_ASSERT(crier_utf8_is_valid(s, n));
    FUZZ_ASSERT(n <= cap);
}

static inline int fuzz_feed_run(crier_feed_type type, const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    crier_feed_opts o;
    crier_feed_opts_init(&o);
    o.source = "fuzz";
    o.now_ms = FUZZ_FEED_NOW;
    /* options a source config sets, chosen by the input's length so one input
     * always runs the same way */
    o.include_boosts = (int)(size & 1);
    o.include_replies = (int)((size >> 1) & 1);
    o.link_urls = (int)((size >> 2) & 1);
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    crier_err rc = crier_feed_parse(type, (const char *)data, size, &o, &l, err, sizeof err);
    if (rc == CRIER_OK) {
        FUZZ_ASSERT(l.count <= o.max_items);
        for (size_t i = 0; i < l.count; i++) {
            const crier_item *it = &l.items[i];
            FUZZ_ASSERT(it->id && *it->id);
            FUZZ_ASSERT(it->source && strcmp(it->source, "fuzz") == 0);
            fuzz_feed_check_text(it->title, o.max_title);
            fuzz_feed_check_text(it->body, o.max_text);
            fuzz_feed_check_text(it->location, o.max_text);
            fuzz_feed_check_text(it->link, 1u << 20);
            if (it->kind == CRIER_ITEM_EVENT && it->ends_ms)
                FUZZ_ASSERT(it->ends_ms >= it->starts_ms);
            (void)crier_item_is_current(it, FUZZ_FEED_NOW);
        }
    } else {
        FUZZ_ASSERT(err[0] != '\0');
    }
    crier_item_list_clear(&l);
    return 0;
}

#endif
