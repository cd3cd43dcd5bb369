/* playlist.c - content store and rotation order (render thread only).
 *
 * Every item's strings are made displayable as the item enters the store
 * (crier_utf8_sanitize: invalid UTF-8 becomes U+FFFD, control characters go),
 * whatever produced it, with one log line per item that needed it. */
#include "content/playlist.h"
#include "base/log.h"
#include "base/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void crier_playlist_init(crier_playlist *pl)
{
    memset(pl, 0, sizeof *pl);
    crier_item_list_init(&pl->items);
}

void crier_playlist_free(crier_playlist *pl)
{
    crier_item_list_clear(&pl->items);
}

static int same(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* Replace *field by its sanitized copy and add the number of fixes to *fixes.
 * If that fails (over CRIER_UTF8_MAX_INPUT, no memory) the field is dropped
 * rather than kept raw. */
static void sanitize_field(char **field, size_t *fixes)
{
    if (!*field)
        return;
    char *clean = NULL;
    size_t n = 0;
    if (crier_utf8_sanitize(*field, strlen(*field), &clean, NULL, &n) != CRIER_OK) {
        free(*field);
        *field = NULL;
        *fixes += 1;
        return;
    }
    free(*field);
    *field = clean;
    *fixes += n;
}

static void sanitize_item(crier_item *it)
{
    size_t fixes = 0;
    sanitize_field(&it->id, &fixes);
    sanitize_field(&it->title, &fixes);
    sanitize_field(&it->body, &fixes);
    sanitize_field(&it->link, &fixes);
    sanitize_field(&it->location, &fixes);
    sanitize_field(&it->lang, &fixes);
    if (!it->id)
        it->id = crier_strdup("?");
    if (fixes)
        LOG_WARN("content", "item '%s' from '%s': %zu invalid UTF-8 sequences or control characters replaced",
                 it->id ? it->id : "?", it->source ? it->source : "?", fixes);
}

crier_err crier_playlist_set_schedule(crier_playlist *pl, const char *source, const crier_schedule *schedule)
{
    for (int i = 0; i < pl->n_rules; i++)
        if (strcmp(pl->rules[i].source, source) == 0) {
            pl->rules[i].schedule = *schedule;
            pl->version++;
            return CRIER_OK;
        }
    if (pl->n_rules >= CRIER_PLAYLIST_MAX_RULES || strlen(source) >= sizeof pl->rules[0].source)
        return CRIER_ERR_LIMIT;
    crier_playlist_rule *r = &pl->rules[pl->n_rules++];
    snprintf(r->source, sizeof r->source, "%s", source);
    r->schedule = *schedule;
    pl->version++;
    return CRIER_OK;
}

int crier_playlist_item_live(const crier_playlist *pl, const crier_item *item, int64_t now_ms)
{
    if (!crier_item_is_current(item, now_ms))
        return 0;
    for (int i = 0; i < pl->n_rules; i++)
        if (item->source && strcmp(pl->rules[i].source, item->source) == 0)
            return crier_schedule_allows(&pl->rules[i].schedule, now_ms);
    return 1;
}

crier_err crier_playlist_replace_source(crier_playlist *pl, const char *source, crier_item_list *list)
{
    size_t w = 0;
    for (size_t r = 0; r < pl->items.count; r++) {
        if (same(pl->items.items[r].source, source))
            crier_item_clear(&pl->items.items[r]);
        else
            pl->items.items[w++] = pl->items.items[r];
    }
    pl->items.count = w;
    crier_err rc = CRIER_OK;
    for (size_t i = 0; i < list->count; i++) {
        crier_item *it = &list->items[i];
        if (!it->source || !same(it->source, source)) {
            free(it->source);
            it->source = crier_strdup(source);
        }
        sanitize_item(it);
        if (rc == CRIER_OK)
            rc = crier_item_list_take(&pl->items, it);
        else
            crier_item_clear(it);
    }
    list->count = 0;
    pl->version++;
    return rc;
}

crier_err crier_playlist_upsert(crier_playlist *pl, crier_item *item)
{
    sanitize_item(item);
    for (size_t i = 0; i < pl->items.count; i++) {
        crier_item *cur = &pl->items.items[i];
        if (same(cur->source, item->source) && same(cur->id, item->id)) {
            crier_item_clear(cur);
            *cur = *item;
            memset(item, 0, sizeof *item);
            pl->version++;
            return CRIER_OK;
        }
    }
    crier_err rc = crier_item_list_take(&pl->items, item);
    if (rc == CRIER_OK)
        pl->version++;
    return rc;
}

int crier_playlist_retract(crier_playlist *pl, const char *source, const char *id)
{
    for (size_t i = 0; i < pl->items.count; i++) {
        crier_item *cur = &pl->items.items[i];
        if (same(cur->source, source) && same(cur->id, id)) {
            crier_item_clear(cur);
            memmove(cur, cur + 1, (pl->items.count - i - 1) * sizeof *cur);
            pl->items.count--;
            pl->version++;
            return 1;
        }
    }
    return 0;
}

const crier_item *crier_playlist_find(const crier_playlist *pl, const char *source, const char *id)
{
    for (size_t i = 0; i < pl->items.count; i++)
        if (same(pl->items.items[i].source, source) && same(pl->items.items[i].id, id))
            return &pl->items.items[i];
    return NULL;
}

/* Rotation order: priority descending, then position in the store. */
static int post_before(const crier_item *a, size_t ia, const crier_item *b, size_t ib)
{
    if (a->priority != b->priority)
        return a->priority > b->priority;
    return ia < ib;
}

const crier_item *crier_playlist_next_post(const crier_playlist *pl, const char *after_source,
                                           const char *after_id, int64_t now_ms)
{
    const crier_item *items = pl->items.items;
    size_t n = pl->items.count;
    /* Locate the current post's place in the order (it may have been removed:
     * then rotation restarts from the top, which is what a reader expects). */
    const crier_item *cur = NULL;
    size_t icur = 0;
    for (size_t i = 0; after_id && i < n; i++)
        if (items[i].kind == CRIER_ITEM_POST && same(items[i].source, after_source) && same(items[i].id, after_id)) {
            cur = &items[i];
            icur = i;
        }
    const crier_item *best_after = NULL, *first = NULL;
    size_t ibest = 0, ifirst = 0;
    for (size_t i = 0; i < n; i++) {
        const crier_item *it = &items[i];
        if (it->kind != CRIER_ITEM_POST || !crier_playlist_item_live(pl, it, now_ms))
            continue;
        if (!first || post_before(it, i, first, ifirst))
            first = it, ifirst = i;
        if (cur && post_before(cur, icur, it, i) && (!best_after || post_before(it, i, best_after, ibest)))
            best_after = it, ibest = i;
    }
    return best_after ? best_after : first;
}

static int cmp_event(const void *a, const void *b)
{
    const crier_item *x = *(const crier_item *const *)a, *y = *(const crier_item *const *)b;
    return (x->starts_ms > y->starts_ms) - (x->starts_ms < y->starts_ms);
}

int crier_playlist_events(const crier_playlist *pl, int64_t now_ms, const crier_item **out, int max)
{
    /* Collect all current events, sort, keep the first max. */
    size_t n = 0;
    for (size_t i = 0; i < pl->items.count; i++)
        if (pl->items.items[i].kind == CRIER_ITEM_EVENT && crier_playlist_item_live(pl, &pl->items.items[i], now_ms))
            n++;
    if (n == 0 || max <= 0)
        return 0;
    const crier_item **all = malloc(n * sizeof *all);
    if (!all)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < pl->items.count; i++)
        if (pl->items.items[i].kind == CRIER_ITEM_EVENT && crier_playlist_item_live(pl, &pl->items.items[i], now_ms))
            all[k++] = &pl->items.items[i];
    qsort(all, n, sizeof *all, cmp_event);
    int m = (int)(n < (size_t)max ? n : (size_t)max);
    memcpy(out, all, (size_t)m * sizeof *out);
    free(all);
    return m;
}

int crier_playlist_ticker(const crier_playlist *pl, int64_t now_ms, const crier_item **out, int max)
{
    int m = 0;
    for (size_t i = 0; i < pl->items.count && m < max; i++)
        if (pl->items.items[i].kind == CRIER_ITEM_TICKER && crier_playlist_item_live(pl, &pl->items.items[i], now_ms))
            out[m++] = &pl->items.items[i];
    return m;
}

int crier_playlist_post_count(const crier_playlist *pl, int64_t now_ms)
{
    int m = 0;
    for (size_t i = 0; i < pl->items.count; i++)
        if (pl->items.items[i].kind == CRIER_ITEM_POST && crier_playlist_item_live(pl, &pl->items.items[i], now_ms))
            m++;
    return m;
}

int64_t crier_playlist_next_change(const crier_playlist *pl, int64_t now_ms)
{
    int64_t next = INT64_MAX;
    /* Day-parting changes on the hour (local time zones are whole or half
     * hours from UTC at most, so the next quarter hour is a safe bound). */
    for (int i = 0; i < pl->n_rules; i++)
        if (pl->rules[i].schedule.hours_mask != CRIER_HOURS_ALL || pl->rules[i].schedule.days_mask != CRIER_DAYS_ALL) {
            next = (now_ms / 900000 + 1) * 900000;
            break;
        }
    for (size_t i = 0; i < pl->items.count; i++) {
        const crier_item *it = &pl->items.items[i];
        int64_t cands[3] = {it->valid_from_ms, it->valid_until_ms,
                            it->kind == CRIER_ITEM_EVENT ? (it->ends_ms ? it->ends_ms : it->starts_ms) : 0};
        for (int c = 0; c < 3; c++)
            if (cands[c] > now_ms && cands[c] < next)
                next = cands[c];
    }
    return next;
}
