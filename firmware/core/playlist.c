/* playlist.c - content store and rotation order (render thread only). */
#include "core/playlist.h"

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
        if (it->kind != CRIER_ITEM_POST || !crier_item_is_current(it, now_ms))
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
        if (pl->items.items[i].kind == CRIER_ITEM_EVENT && crier_item_is_current(&pl->items.items[i], now_ms))
            n++;
    if (n == 0 || max <= 0)
        return 0;
    const crier_item **all = malloc(n * sizeof *all);
    if (!all)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < pl->items.count; i++)
        if (pl->items.items[i].kind == CRIER_ITEM_EVENT && crier_item_is_current(&pl->items.items[i], now_ms))
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
        if (pl->items.items[i].kind == CRIER_ITEM_TICKER && crier_item_is_current(&pl->items.items[i], now_ms))
            out[m++] = &pl->items.items[i];
    return m;
}

int crier_playlist_post_count(const crier_playlist *pl, int64_t now_ms)
{
    int m = 0;
    for (size_t i = 0; i < pl->items.count; i++)
        if (pl->items.items[i].kind == CRIER_ITEM_POST && crier_item_is_current(&pl->items.items[i], now_ms))
            m++;
    return m;
}

int64_t crier_playlist_next_change(const crier_playlist *pl, int64_t now_ms)
{
    int64_t next = INT64_MAX;
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
