/* alert_screen.c - the render loop's alert state (see alert_screen.h). */
#include "alerts/alert_screen.h"

#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct crier_alert_screen {
    crier_alert_screen_cfg cfg;
    crier_alert_list *list;    /* the snapshot on screen, most important first */
    char key[32];              /* key of the CRIER_MSG_ALERTS it came in */
    size_t language;           /* language turn of the first alert */
    int64_t next_language;     /* monotonic: the next turn */
    int unreported;            /* a snapshot taken and not yet reported presented */
    crier_alert_seen reported; /* alerts reported presented */
    /* the rotation's clock, paused under an alert */
    int paused;                /* an alert was on screen at the last call */
    int64_t paused_slot_left;  /* slot time left when it came (-1: no slot) */
    int64_t paused_slot_end;   /* the slot end when it came */
};

crier_alert_screen *crier_alert_screen_new(const crier_alert_screen_cfg *cfg)
{
    crier_alert_screen *s = calloc(1, sizeof *s);
    if (s && cfg)
        s->cfg = *cfg;
    return s;
}

void crier_alert_screen_free(crier_alert_screen *s)
{
    if (!s)
        return;
    crier_alert_list_free(s->list);
    crier_alert_seen_clear(&s->reported);
    free(s);
}

void crier_alert_screen_take(crier_alert_screen *s, crier_alert_list *snapshot, const char *key, int64_t now_mono)
{
    if (!s) {
        crier_alert_list_free(snapshot);
        return;
    }
    crier_alert_list_free(s->list);
    s->list = snapshot;
    snprintf(s->key, sizeof s->key, "%s", key ? key : "");
    crier_eventlog_emit(s->cfg.events, "alerts_updated", "i:count", (int64_t)(snapshot ? snapshot->count : 0), NULL);
    s->language = 0;
    s->next_language = now_mono + s->cfg.language_ms;
    s->unreported = 1;
}

int crier_alert_screen_active(const crier_alert_screen *s)
{
    return s && s->list && s->list->count > 0;
}

const crier_alert_list *crier_alert_screen_list(const crier_alert_screen *s)
{
    return crier_alert_screen_active(s) ? s->list : NULL;
}

size_t crier_alert_screen_language(const crier_alert_screen *s)
{
    return s ? s->language : 0;
}

static int multilingual(const crier_alert_screen *s)
{
    return crier_alert_screen_active(s) && s->list->items[0]->info_count > 1;
}

int crier_alert_screen_tick(crier_alert_screen *s, int64_t now_wall, int64_t now_mono)
{
    if (!s || !s->list)
        return 0;
    int redraw = 0;
    size_t w = 0;
    for (size_t i = 0; i < s->list->count; i++) {
        crier_alert *al = s->list->items[i];
        if (crier_alert_expired(al, now_wall, s->cfg.default_ttl_ms)) {
            LOG_INFO("alert", "alert '%s' from %s expired on screen", al->identifier, al->sender);
            crier_eventlog_emit(s->cfg.events, "alert_expired", "s:identifier", al->identifier, NULL);
            crier_alert_free(al);
            redraw = 1;
            continue;
        }
        s->list->items[w++] = al;
    }
    s->list->count = w;
    if (multilingual(s) && now_mono >= s->next_language) {
        s->language++;
        s->next_language = now_mono + s->cfg.language_ms;
        redraw = 1;
    }
    return redraw;
}

int64_t crier_alert_screen_deadline(const crier_alert_screen *s, int64_t now_wall, int64_t now_mono)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; s && s->list && i < s->list->count; i++) {
        int64_t end = crier_alert_expiry(s->list->items[i], s->cfg.default_ttl_ms);
        if (end != INT64_MAX && now_mono + (end - now_wall) < next)
            next = now_mono + (end - now_wall);
    }
    if (multilingual(s) && s->next_language < next)
        next = s->next_language;
    return next;
}

void crier_alert_screen_presented(crier_alert_screen *s, int64_t presented_ms, const crier_alert_screen_report *r)
{
    if (!s || !s->unreported)
        return;
    s->unreported = 0;
    if (r && r->snapshot && s->key[0])
        r->snapshot(r->ud, s->key, presented_ms);
    size_t count = s->list ? s->list->count : 0;
    unsigned char *is_new = calloc(count ? count : 1, 1);
    if (!is_new || crier_alert_seen_update(&s->reported, s->list, is_new) == (size_t)-1) {
        LOG_ERROR("alert", "out of memory: alerts on screen not reported");
        crier_alert_seen_clear(&s->reported);
        free(is_new);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        const crier_alert *al = s->list->items[i];
        if (!is_new[i])
            continue;
        crier_eventlog_emit(s->cfg.events, "alert_presented", "s:identifier", al->identifier, "s:sender", al->sender,
                            "i:received_ms", al->received_ms, "i:presented_ms", presented_ms, NULL);
        LOG_INFO("alert", "alert '%s' from %s on screen %lld ms after it arrived", al->identifier, al->sender,
                 (long long)(presented_ms - al->received_ms));
        if (r && r->alert)
            r->alert(r->ud, al, presented_ms);
    }
    free(is_new);
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

int64_t crier_alert_screen_slot_end(crier_alert_screen *s, int64_t now_mono, int64_t slot_end_mono, int64_t slot_ms,
                                    int has_slide)
{
    int active = crier_alert_screen_active(s);
    if (!s || active == s->paused)
        return slot_end_mono;
    s->paused = active;
    if (active) {
        s->paused_slot_end = slot_end_mono;
        s->paused_slot_left = slot_end_mono == INT64_MAX ? -1 : max64(0, slot_end_mono - now_mono);
        return slot_end_mono;
    }
    if (slot_end_mono == INT64_MAX || s->paused_slot_left < 0 || !has_slide)
        return slot_end_mono; /* no slot running, or nothing shown yet: rotate as before */
    int64_t least = slot_ms > 0 && slot_ms < CRIER_ALERT_RESUME_MIN_MS ? slot_ms : CRIER_ALERT_RESUME_MIN_MS;
    if (slot_end_mono == s->paused_slot_end) /* same slot: resume it */
        return now_mono + max64(s->paused_slot_left, least);
    return max64(slot_end_mono, now_mono + least); /* a new post took the slot under the alert */
}
