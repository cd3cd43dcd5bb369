/* loop.c - the render thread's loop.
 *
 *   take messages -> update playlist -> advance rotation/transition/clock ->
 *   draw only if something changed -> present -> sleep until next deadline
 *
 * Deadlines: the next rotation, the next clock minute (second, if the clock
 * format shows seconds), the next transition or ticker frame, the moment to
 * pre-build the next slide, the next validity change of any item, a periodic
 * screenshot, and the end of --run-for.  A message from another thread wakes
 * the loop at once (crier_display_wake).
 *
 * The frame is composed in a->screen, a texture of the *logical* size (the
 * layout's orientation: 1080x1920 on a 1920x1080 panel turned by 90 degrees)
 * and turned by `rotation` when it is copied to the output, because KMSDRM
 * does not rotate (headless without rotation composes straight into the
 * output: a->screen is NULL).  The frame keeps its pixels, so draw() only
 * redraws the zones marked dirty (a transition redraws the posts zone, a
 * scrolling ticker the ticker); DIRTY_ALL redraws everything (anything that
 * paints over several zones, like an alert, must set it).
 *
 * Transitions stay smooth because the next slide is composed ahead of time,
 * PREBUILD_MS before the current slot ends, while the screen is static; at
 * the transition only two ready textures are blended.  Each frame_presented
 * event carries draw_us (composing + copying out + present) and work_us (the
 * whole turn, including any slide built in it) for bench/bench_render.py. */
#include "base/log.h"
#include "content/playlist.h"
#include "base/timeutil.h"
#include "screen/fontchain.h"
#include "remote/protocol.h"
#include "alerts/alert_screen.h"
#include "alerts/alertview.h"
#include "alerts/alertsound.h" /* alert sound hook */
#include "screen/commands.h"
#include "screen/internal.h"
#include "screen/screenshot.h"
#include "base/hash.h"
#include "screen/scene.h"

#include <SDL_image.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MS 16
/* Compose the next slide this long before the current slot ends. */
#define PREBUILD_MS 1500

/* Zones to redraw (a->dirty). */
enum {
    DIRTY_HEADER = 1,
    DIRTY_POSTS = 2,
    DIRTY_EVENTS = 4,
    DIRTY_TICKER = 8,
    DIRTY_ALL = 15,
};

typedef struct slide {
    SDL_Texture *tex;
    char *source, *id;
    uint64_t built_version; /* playlist version it was built from */
    uint64_t item_hash;     /* of the post's fields it shows (item_hash) */
} slide;

typedef struct app {
    const crier_render_opts *o;
    crier_display d;
    crier_fonts *fonts;
    crier_text_cache *texts;
    crier_scene scene;
    SDL_Texture *screen; /* the composed frame, logical size lw x lh */
    int lw, lh;          /* logical frame size (the layout's orientation) */
    int rotation;        /* 0, 90, 180, 270: clockwise turn applied at present */
    int zones_overlap;   /* 1: a partial redraw could paint over a neighbour */
    int shot_output;     /* test hook: screenshots read the (rotated) output */
    crier_screenshots *shots; /* PNG encoder worker for screenshot commands; NULL without the hook */
    crier_playlist pl;
    slide cur, prev;
    slide next;          /* pre-built next slide (tex NULL: none) */
    int next_tried;      /* pre-building was attempted for this slot */
    int64_t slot_end_mono;   /* when the current post's slot ends */
    int64_t slot_ms;         /* the current post's slot length */
    int64_t trans_start_mono;
    int in_transition;
    int64_t start_mono;
    char clock_text[64], date_text[128];
    int ticker_scrolls;
    unsigned dirty;          /* DIRTY_* */
    int clock_period_ms;     /* 1000 when the clock shows seconds, else 60000 */
    int64_t next_change_wall; /* an item becomes valid or expires then */
    size_t glyphs_missing;   /* crier_fontchain_missing_count() last reported */
    int64_t turn_start_us;   /* start of this loop turn */
    int full_copy_needed;    /* the output has not received a whole frame yet */
    SDL_Rect damage[4];      /* what the last draw() changed, for the present */
    int n_damage;            /* 0: the whole frame */
    int64_t events_minute;   /* wall minute the events zone was last drawn for */
    uint64_t frames;
    int64_t last_screenshot_mono;
    int64_t next_alive_mono; /* next hooks.alive call */
    int64_t identify_until_mono; /* identify overlay shown until then (0: not shown) */
    /* Emergency alerts (alerts/alert_screen.h): the latest snapshot from the
     * alert service.  While one is on screen it owns the whole screen and the
     * rotation's clock stops. */
    crier_alert_screen *alerts;
    crier_alertsound *sound;    /* alert tone and speech (alertsound.c); NULL: off */
    int quit;
} app;

static void slide_clear(slide *s)
{
    if (s->tex)
        SDL_DestroyTexture(s->tex);
    free(s->source);
    free(s->id);
    memset(s, 0, sizeof *s);
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Reports code points that fell back to the .notdef box since the last call
 * (fontchain.c logs each one once); `id`/`source` name the post being composed
 * or are NULL for the other zones. */
static void note_missing_glyphs(app *a, const char *id, const char *source)
{
    size_t n = crier_fontchain_missing_count();
    if (n <= a->glyphs_missing)
        return;
    crier_eventlog_emit(a->o->events, "glyph_missing", "s:id", id ? id : "", "s:source", source ? source : "",
                        "i:new", (int64_t)(n - a->glyphs_missing), "i:total", (int64_t)n, NULL);
    a->glyphs_missing = n;
}

/* Hash of the fields a slide shows: a slide stays valid while its post's
 * hash is unchanged, whatever else the playlist receives (a feed refresh
 * replaces every item of its source with identical copies). */
static uint64_t item_hash(const crier_item *it)
{
    const char *fields[] = {it->id, it->source, it->title, it->body, it->link, it->image, it->lang};
    uint64_t h = CRIER_HASH_INIT;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        h = crier_hash_field(h, fields[i]); /* NULL differs from "" */
    return h;
}

static int same_post(const slide *s, const crier_item *post)
{
    return post && s->id && s->source && strcmp(s->id, post->id) == 0 && strcmp(s->source, post->source) == 0;
}

static SDL_Texture *build_slide(app *a, const crier_item *post)
{
    SDL_Texture *tex = post ? crier_scene_build_slide(&a->scene, post) : crier_scene_build_empty(&a->scene);
    note_missing_glyphs(a, post ? post->id : NULL, post ? post->source : NULL);
    return tex;
}

static int transition_ms(const app *a)
{
    if (a->o->cfg->transition == CRIER_TRANSITION_NONE)
        return 0;
    return a->o->cfg->transition_ms;
}

/* Show `post` (NULL: the empty slide), with a transition from what was shown. */
static void show_post(app *a, const crier_item *post, int64_t now_mono, int transition)
{
    SDL_Texture *tex = NULL;
    if (a->next.tex && same_post(&a->next, post) && a->next.item_hash == item_hash(post)) {
        tex = a->next.tex; /* composed ahead of time */
        a->next.tex = NULL;
    }
    slide_clear(&a->next);
    a->next_tried = 0;
    if (!tex)
        tex = build_slide(a, post);
    if (!tex)
        return; /* keep what is on screen */
    if (transition && a->cur.tex && transition_ms(a) > 0) {
        slide_clear(&a->prev);
        a->prev = a->cur;
        memset(&a->cur, 0, sizeof a->cur);
        a->in_transition = 1;
        a->trans_start_mono = now_mono;
        crier_eventlog_emit(a->o->events, "transition_start", "s:kind",
                            crier_config_enum_name("transition", (int)a->o->cfg->transition), "i:duration_ms",
                            (int64_t)transition_ms(a), NULL);
    } else {
        slide_clear(&a->cur);
    }
    a->cur.tex = tex;
    a->cur.built_version = a->pl.version;
    a->cur.item_hash = post ? item_hash(post) : 0;
    if (post) {
        a->cur.source = crier_strdup(post->source);
        a->cur.id = crier_strdup(post->id);
        int dur = post->duration_ms > 0 ? post->duration_ms : a->o->cfg->default_duration_s * 1000;
        a->slot_end_mono = now_mono + dur;
        a->slot_ms = dur;
        crier_eventlog_emit(a->o->events, "item_shown", "s:id", post->id, "s:source", post->source, "s:title",
                            post->title, "i:duration_ms", (int64_t)dur, NULL);
        LOG_DEBUG("render", "showing post '%s' from %s for %d ms", post->id, post->source, dur);
        if (a->o->hooks.shown)
            a->o->hooks.shown(a->o->hooks.ud, post->id, post->source, post->title);
    } else {
        a->slot_end_mono = INT64_MAX;
        if (a->o->hooks.shown)
            a->o->hooks.shown(a->o->hooks.ud, NULL, NULL, NULL);
    }
    a->dirty |= DIRTY_POSTS;
}

/* Compose the post that rotate() will show next, while the screen is static,
 * so the transition itself only blends two ready textures.  show_post() uses
 * it if the playlist has not changed since and the same post comes up. */
static int prebuild_due(const app *a)
{
    return !a->in_transition && !a->next_tried && a->cur.tex && a->slot_end_mono != INT64_MAX;
}

static void prebuild_next(app *a, int64_t now_mono, int64_t now_wall)
{
    a->next_tried = 1;
    int64_t at_wall = now_wall + (a->slot_end_mono - now_mono);
    const crier_item *next = crier_playlist_next_post(&a->pl, a->cur.source, a->cur.id, at_wall);
    if (next && a->next.tex && same_post(&a->next, next) && a->next.item_hash == item_hash(next))
        return; /* still valid after a content change */
    slide_clear(&a->next);
    if (!next || same_post(&a->cur, next))
        return; /* the only post stays: nothing to build */
    SDL_Texture *tex = build_slide(a, next);
    if (!tex)
        return;
    slide_clear(&a->next);
    a->next.tex = tex;
    a->next.source = crier_strdup(next->source);
    a->next.id = crier_strdup(next->id);
    a->next.built_version = a->pl.version;
    a->next.item_hash = item_hash(next);
    LOG_DEBUG("render", "pre-built the slide of post '%s'", next->id);
}

static void rotate(app *a, int64_t now_mono, int64_t now_wall)
{
    const crier_item *next = crier_playlist_next_post(&a->pl, a->cur.source, a->cur.id, now_wall);
    if (next && a->cur.id && strcmp(next->id, a->cur.id) == 0 && strcmp(next->source, a->cur.source) == 0 &&
        a->cur.item_hash == item_hash(next)) {
        /* The only post: keep it, no transition, no re-render. */
        int dur = next->duration_ms > 0 ? next->duration_ms : a->o->cfg->default_duration_s * 1000;
        a->slot_end_mono = now_mono + dur;
        a->slot_ms = dur;
        a->next_tried = 0; /* another post may become valid by the next slot */
        return;
    }
    show_post(a, next, now_mono, 1);
}

/* After content changed: rebuild the current slide if its post changed or went away. */
static void content_changed(app *a, int64_t now_mono, int64_t now_wall)
{
    if (a->o->hooks.content_updated)
        a->o->hooks.content_updated(a->o->hooks.ud, now_wall);
    a->dirty = DIRTY_ALL;
    a->next_tried = 0; /* the next post may differ now; a still valid pre-built slide is kept */
    if (!a->cur.tex) {
        rotate(a, now_mono, now_wall);
        return;
    }
    const crier_item *cur = a->cur.id ? crier_playlist_find(&a->pl, a->cur.source, a->cur.id) : NULL;
    const crier_item *top = crier_playlist_next_post(&a->pl, NULL, NULL, now_wall);
    if (!cur || !crier_playlist_item_live(&a->pl, cur, now_wall)) {
        /* Retracted or expired: off the screen in this very frame.  With the
         * next slide ready it comes at once; otherwise the posts zone is blank
         * for this frame and the next slide is composed on the next turn. */
        if (a->next.tex) {
            rotate(a, now_mono, now_wall);
        } else {
            slide_clear(&a->cur);
            a->slot_end_mono = now_mono; /* rotate on the next turn */
            crier_eventlog_emit(a->o->events, "posts_cleared", NULL);
        }
    } else if (top && top->priority > cur->priority) {
        show_post(a, top, now_mono, 1); /* a more important post interrupts the rotation */
    } else if (item_hash(cur) != a->cur.item_hash) {
        int64_t keep_end = a->slot_end_mono;
        show_post(a, cur, now_mono, 0);  /* refresh in place */
        a->slot_end_mono = keep_end;
    }
}

static int alerts_active(const app *a)
{
    return crier_alert_screen_active(a->alerts);
}

static void alert_snapshot_presented(void *ud, const char *key, int64_t presented_ms)
{
    const app *a = ud;
    if (a->o->hooks.alerts_frame_presented)
        a->o->hooks.alerts_frame_presented(a->o->hooks.ud, key, presented_ms);
}

static void alert_first_presented(void *ud, const crier_alert *al, int64_t presented_ms)
{
    const app *a = ud;
    if (a->o->hooks.alert_presented)
        a->o->hooks.alert_presented(a->o->hooks.ud, al->sender, al->identifier, presented_ms);
}

/* After a present: receipts for the snapshot and every alert on screen the first time. */
static void alerts_report_presented(app *a, int64_t presented_ms)
{
    crier_alert_screen_report r = {alert_snapshot_presented, alert_first_presented, a};
    crier_alert_screen_presented(a->alerts, presented_ms, &r);
}

/* identify and screenshot are the renderer's; anything else goes to the hook. */
static void run_command(app *a, const crier_msg *m)
{
    const crier_command *cmd = m->payload;
    const char *req = cmd ? cmd->req : "";
    if (m->key && strcmp(m->key, "identify") == 0) {
        int secs = cmd && cmd->seconds > 0 ? cmd->seconds : 10;
        a->identify_until_mono = crier_mono_ms() + (int64_t)secs * 1000;
        a->dirty = DIRTY_ALL;
        crier_eventlog_emit(a->o->events, "identify", "i:seconds", (int64_t)secs, NULL);
    } else if (m->key && strcmp(m->key, "screenshot") == 0) {
        SDL_Surface *frame = crier_capture_frame(a->d.renderer, a->screen, a->lw, a->lh);
        crier_eventlog_emit(a->o->events, "screenshot_requested", "s:req", req, NULL);
        crier_screenshots_request(a->shots, frame, req); /* NULL shots: frees the frame */
    } else if (a->o->hooks.command) {
        a->o->hooks.command(a->o->hooks.ud, m);
    }
}

static void apply_message(app *a, crier_msg *m, int *changed)
{
    switch (m->type) {
    case CRIER_MSG_SOURCE_ITEMS: {
        crier_item_list *list = m->payload;
        size_t n = list ? list->count : 0;
        if (list && crier_playlist_replace_source(&a->pl, m->source, list) == CRIER_OK) {
            LOG_INFO("render", "content from '%s': %zu items", m->source, n);
            crier_eventlog_emit(a->o->events, "content_updated", "s:source", m->source, "i:items", (int64_t)n,
                                NULL);
            *changed = 1;
        }
        break;
    }
    case CRIER_MSG_ITEM_UPSERT: {
        crier_item *it = m->payload;
        if (it && crier_playlist_upsert(&a->pl, it) == CRIER_OK)
            *changed = 1;
        break;
    }
    case CRIER_MSG_ITEM_RETRACT:
        if (crier_playlist_retract(&a->pl, m->source, m->key)) {
            crier_eventlog_emit(a->o->events, "item_retracted", "s:id", m->key, "s:source", m->source, NULL);
            *changed = 1;
        }
        break;
    case CRIER_MSG_COMMAND:
        run_command(a, m);
        break;
    case CRIER_MSG_ALERTS:
        crier_alert_screen_take(a->alerts, m->payload, m->key, crier_mono_ms()); /* takes the snapshot */
        m->payload = NULL;
        a->dirty = DIRTY_ALL; /* preempts whatever is on screen, this very turn */
        crier_alertsound_alert(a->sound, crier_alert_screen_list(a->alerts)); /* new alerts only, never blocks */
        break;
    case CRIER_MSG_QUIT:
        a->quit = 1;
        break;
    default:
        LOG_DEBUG("render", "message type %d ignored", (int)m->type);
        break;
    }
}

/* An alert stops the rotation's clock; the post it covered gets its slot
 * back when it goes (crier_alert_screen_slot_end). */
static void pause_rotation(app *a, int64_t now_mono)
{
    a->slot_end_mono =
        crier_alert_screen_slot_end(a->alerts, now_mono, a->slot_end_mono, a->slot_ms, a->cur.tex != NULL);
}

static void update_clock(app *a, int64_t now_wall)
{
    /* Events say "Now" by the minute; a clock showing seconds need not redraw them. */
    if (now_wall / 60000 != a->events_minute) {
        a->events_minute = now_wall / 60000;
        a->dirty |= DIRTY_EVENTS;
    }
    char c[64], d[128];
    time_t t = (time_t)(now_wall / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    /* The formats are the operator's own settings. */
    if (strftime(c, sizeof c, a->o->cfg->clock_format, &tm) == 0)
        c[0] = '\0';
    if (strftime(d, sizeof d, a->o->cfg->date_format, &tm) == 0)
        d[0] = '\0';
#pragma GCC diagnostic pop
    char stale[48];
    if (a->o->hooks.stale_label && a->o->hooks.stale_label(a->o->hooks.ud, now_wall, stale, sizeof stale)) {
        size_t n = strlen(d); /* discreetly, after the date */
        snprintf(d + n, sizeof d - n, "%s%s", n ? "  \xC2\xB7  " : "", stale);
    }
    if (strcmp(c, a->clock_text) != 0 || strcmp(d, a->date_text) != 0) {
        snprintf(a->clock_text, sizeof a->clock_text, "%s", c);
        snprintf(a->date_text, sizeof a->date_text, "%s", d);
        a->dirty |= DIRTY_HEADER;
        crier_eventlog_emit(a->o->events, "clock_updated", "s:clock", c, "s:date", d, NULL);
    }
}

/* Rectangles of the zones marked dirty (0 when everything is). */
static int dirty_rects(app *a, SDL_Rect out[4])
{
    static const crier_zone_type types[] = {CRIER_ZONE_HEADER, CRIER_ZONE_POSTS, CRIER_ZONE_EVENTS,
                                            CRIER_ZONE_TICKER};
    if (a->dirty == DIRTY_ALL)
        return 0;
    int n = 0;
    for (int i = 0; i < 4; i++) {
        const crier_zone *z = (a->dirty & (1u << i)) ? crier_layout_find(a->o->layout, types[i]) : NULL;
        if (z) {
            crier_rect c = crier_layout_zone_rect(z, a->lw, a->lh);
            out[n++] = (SDL_Rect){c.x, c.y, c.w, c.h};
        }
    }
    return n;
}

static void draw(app *a, int64_t now_mono, int64_t now_wall)
{
    SDL_Renderer *r = a->d.renderer;
    if (alerts_active(a)) {
        SDL_SetRenderTarget(r, a->screen);
        crier_alertview_draw(r, a->texts, a->fonts, a->lw, a->lh, crier_alert_screen_list(a->alerts),
                             crier_alert_screen_language(a->alerts));
        if (a->identify_until_mono)
            crier_draw_identify(r, a->texts, a->lw, a->lh, a->o->cfg->kiosk_id, a->o->cfg->site);
        crier_display_copy_out(&a->d, a->screen, a->rotation, a->lw, a->lh, NULL, 0);
        a->n_damage = 0;
        a->dirty = DIRTY_ALL; /* the normal screen is redrawn whole afterwards */
        return;
    }
    crier_rgba bg = a->o->layout->background;
    SDL_SetRenderTarget(r, a->screen);
    if (a->zones_overlap || a->identify_until_mono)
        a->dirty = DIRTY_ALL; /* something paints across zones */
    if (a->dirty == DIRTY_ALL) {
        SDL_SetRenderDrawColor(r, bg.r, bg.g, bg.b, 255);
        SDL_RenderClear(r);
    }
    if (a->dirty & DIRTY_HEADER)
        crier_scene_draw_header(&a->scene, a->clock_text, a->date_text);
    double t = 1.0;
    if (a->in_transition) {
        int tm = transition_ms(a);
        t = tm > 0 ? (double)(now_mono - a->trans_start_mono) / tm : 1.0;
        if (t >= 1.0) {
            t = 1.0;
            a->in_transition = 0;
            slide_clear(&a->prev);
            crier_eventlog_emit(a->o->events, "transition_end", NULL);
        }
    }
    if (a->dirty & DIRTY_POSTS)
        crier_scene_draw_posts(&a->scene, a->prev.tex, a->cur.tex, t);
    if (a->dirty & DIRTY_EVENTS)
        crier_scene_draw_events(&a->scene, &a->pl, now_wall);
    if (a->dirty & DIRTY_TICKER)
        a->ticker_scrolls = crier_scene_draw_ticker(&a->scene, &a->pl, now_wall, now_mono - a->start_mono);
    if (a->identify_until_mono)
        crier_draw_identify(r, a->texts, a->lw, a->lh, a->o->cfg->kiosk_id, a->o->cfg->site);
    note_missing_glyphs(a, NULL, NULL);
    a->n_damage = a->full_copy_needed ? 0 : dirty_rects(a, a->damage);
    a->full_copy_needed = 0;
    crier_display_copy_out(&a->d, a->screen, a->rotation, a->lw, a->lh, a->damage, a->n_damage); /* turns the rectangles with the frame */
}

static crier_err write_screenshot(app *a, const char *path)
{
    crier_err rc = CRIER_OK;
    char tmp[4096];
    /* The logical frame, upright (what a resident sees); the test hook
     * CRIER_SCREENSHOT_OUTPUT=1 reads the output instead, as turned. */
    int w = a->shot_output ? a->d.width : a->lw, h = a->shot_output ? a->d.height : a->lh;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return CRIER_ERR_NOMEM;
    SDL_SetRenderTarget(a->d.renderer, a->shot_output ? NULL : a->screen);
    if (SDL_RenderReadPixels(a->d.renderer, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) != 0) {
        LOG_ERROR("render", "cannot read the frame: %s", SDL_GetError());
        rc = CRIER_ERR_SDL;
        goto cleanup;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    if (IMG_SavePNG(s, tmp) != 0) {
        LOG_ERROR("render", "cannot write screenshot '%s': %s", tmp, IMG_GetError());
        rc = CRIER_ERR_IO;
        goto cleanup;
    }
    if (rename(tmp, path) != 0) {
        LOG_ERROR("render", "cannot rename screenshot to '%s': %s", path, strerror(errno));
        unlink(tmp);
        rc = CRIER_ERR_IO;
        goto cleanup;
    }
    crier_eventlog_emit(a->o->events, "screenshot_written", "s:path", path, NULL);
cleanup:
    SDL_SetRenderTarget(a->d.renderer, NULL);
    SDL_FreeSurface(s);
    return rc;
}

static int64_t min64(int64_t x, int64_t y)
{
    return x < y ? x : y;
}

/* 1 when two zones of the layout share pixels (as fractions). */
static int layout_zones_overlap(const crier_layout *l)
{
    const double eps = 1e-6;
    for (int i = 0; i < l->n_zones; i++)
        for (int j = i + 1; j < l->n_zones; j++) {
            const crier_zone *p = &l->zones[i], *q = &l->zones[j];
            if (p->x + eps < q->x + q->w && q->x + eps < p->x + p->w && p->y + eps < q->y + q->h &&
                q->y + eps < p->y + p->h)
                return 1;
        }
    return 0;
}

/* Draw a sample alert once, off screen, so the font sizes an alert uses are
 * open before a real one arrives: the first alert is then as fast as the rest. */
static void prewarm_alert_view(app *a)
{
    crier_alert *al = crier_alert_new();
    crier_alert_info *in = al ? crier_alert_add_info(al) : NULL;
    if (!in) {
        crier_alert_free(al);
        return;
    }
    al->identifier = crier_strdup("prewarm");
    al->sender = crier_strdup("crier");
    in->event = crier_strdup("Warning");
    in->headline = crier_strdup("Headline");
    in->instruction = crier_strdup("Instruction");
    in->description = crier_strdup("Description");
    in->area_desc = crier_strdup("Area");
    in->severity = CRIER_SEVERITY_EXTREME;
    crier_alert_list list = {&al, 1};
    crier_alertview_pin_fonts(a->fonts, a->lw, a->lh);
    SDL_Texture *target = SDL_GetRenderTarget(a->d.renderer);
    SDL_SetRenderTarget(a->d.renderer, a->screen);
    crier_alertview_draw(a->d.renderer, a->texts, a->fonts, a->lw, a->lh, &list, 0);
    SDL_SetRenderTarget(a->d.renderer, target);
    crier_alert_free(al);
}

/* The first picture on a real screen: the layout's background and its zones'
 * colours, before any font is opened or text drawn, so the screen is never
 * blank while the first full frame (text, images) is composed.  Window only:
 * nobody sees a headless frame.  Not counted as a frame (first_frame is still
 * the first full one). */
static void present_chrome(app *a)
{
    SDL_Renderer *r = a->d.renderer;
    const crier_layout *l = a->o->layout;
    SDL_SetRenderTarget(r, a->screen);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(r, l->background.r, l->background.g, l->background.b, 255);
    SDL_RenderClear(r);
    for (int i = 0; i < l->n_zones; i++) {
        const crier_zone *z = &l->zones[i];
        crier_rect c = crier_layout_zone_rect(z, a->lw, a->lh);
        SDL_Rect zr = {c.x, c.y, c.w, c.h};
        SDL_SetRenderDrawColor(r, z->background.r, z->background.g, z->background.b, z->background.a);
        SDL_RenderFillRect(r, &zr);
    }
    crier_display_copy_out(&a->d, a->screen, a->rotation, a->lw, a->lh, NULL, 0);
    a->d.backend->present(&a->d, NULL, 0);
    int64_t ms = crier_mono_ms() - a->o->start_mono_ms;
    crier_eventlog_emit(a->o->events, "chrome_presented", "i:since_start_ms", ms, NULL);
    LOG_INFO("render", "background and zones on screen after %lld ms", (long long)ms);
}

static crier_err app_open(app *a)
{
    const crier_config *cfg = a->o->cfg;
    a->d.backend = cfg->headless ? &crier_backend_headless : &crier_backend_window;
    crier_err rc = a->d.backend->open(&a->d, cfg);
    if (rc != CRIER_OK)
        return rc;
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    a->rotation = ((cfg->rotation % 360) + 360) % 360;
    if (a->rotation % 90 != 0) {
        LOG_WARN("render", "rotation %d is not 0, 90, 180 or 270; using 0", cfg->rotation);
        a->rotation = 0;
    }
    a->lw = a->rotation % 180 ? a->d.height : a->d.width;
    a->lh = a->rotation % 180 ? a->d.width : a->d.height;
    /* An output that keeps its pixels and needs no turn (headless, a window
     * presented in software) is the frame itself: no second 8 MB buffer, no copy. */
    int direct = a->d.keeps_frame && a->rotation == 0;
    if (!direct)
        a->screen = SDL_CreateTexture(a->d.renderer, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET, a->lw, a->lh);
    if (!direct && !a->screen) {
        LOG_ERROR("render", "cannot allocate the frame: %s", SDL_GetError());
        return CRIER_ERR_NOMEM;
    }
    if (a->screen)
        SDL_SetTextureBlendMode(a->screen, SDL_BLENDMODE_NONE); /* a plain copy out */
    if (!cfg->headless)
        present_chrome(a);
    if (TTF_Init() != 0) {
        LOG_ERROR("render", "cannot start SDL_ttf: %s", TTF_GetError());
        return CRIER_ERR_SDL;
    }
    IMG_Init(IMG_INIT_PNG | IMG_INIT_JPG | IMG_INIT_WEBP);
    a->fonts = crier_fonts_open(a->o->fonts_dir);
    if (!a->fonts)
        return CRIER_ERR_NOTFOUND;
    a->texts = crier_text_cache_new(a->d.renderer, a->fonts, 256);
    if (!a->texts) {
        LOG_ERROR("render", "cannot allocate the text cache");
        return CRIER_ERR_NOMEM;
    }
    if (a->rotation)
        LOG_INFO("render", "rotation %d: composing %dx%d frames for a %dx%d output", a->rotation, a->lw, a->lh,
                 a->d.width, a->d.height);
    int layout_portrait = a->o->layout->ref_height > a->o->layout->ref_width;
    if (layout_portrait != (a->lh > a->lw))
        LOG_WARN("render", "layout '%s' is %s but the screen is %dx%d after rotation %d", a->o->layout->name,
                 layout_portrait ? "portrait" : "landscape", a->lw, a->lh, a->rotation);
    a->scene = (crier_scene){a->d.renderer, a->o->layout, cfg, a->texts, a->fonts, a->lw, a->lh};
    a->zones_overlap = layout_zones_overlap(a->o->layout);
    crier_alert_screen_cfg asc = {(int64_t)cfg->alert_default_ttl_s * 1000, (int64_t)cfg->alert_language_s * 1000,
                                  a->o->events};
    if (!(a->alerts = crier_alert_screen_new(&asc)))
        return CRIER_ERR_NOMEM;
    prewarm_alert_view(a); /* after the chrome is on screen; the first frame draws over it */
    crier_alertsound_cfg snd = {cfg->alert_tone, cfg->alert_speech, cfg->alert_volume, cfg->audio_device,
                                a->o->events};
    char snd_err[200];
    if (crier_alertsound_start(&a->sound, &snd, snd_err, sizeof snd_err) != CRIER_OK) /* NULL when off */
        LOG_WARN("sound", "%s: alerts are shown without sound", snd_err);
    const char *hook = getenv("CRIER_SCREENSHOT_OUTPUT");
    a->shot_output = hook && strcmp(hook, "1") == 0;
    if (a->o->hooks.screenshot) {
        crier_screenshots_cfg sc = {.done = a->o->hooks.screenshot, .ud = a->o->hooks.ud};
        char err[160];
        if (crier_screenshots_start(&a->shots, &sc, err, sizeof err) != CRIER_OK)
            LOG_WARN("render", "screenshot commands unavailable: %s", err);
    }
    const char *f = cfg->clock_format;
    a->clock_period_ms = f && (strstr(f, "%S") || strstr(f, "%T") || strstr(f, "%r") || strstr(f, "%X") ||
                               strstr(f, "%s") || strstr(f, "%c"))
                             ? 1000
                             : 60000;
    return CRIER_OK;
}

static void app_close(app *a)
{
    crier_screenshots_stop(a->shots); /* joined: no screenshot hook runs after crier_render_run() */
    crier_alertsound_stop(a->sound); /* joined: no sound thread after crier_render_run() */
    crier_alert_screen_free(a->alerts);
    slide_clear(&a->cur);
    slide_clear(&a->prev);
    slide_clear(&a->next);
    crier_text_cache_free(a->texts);
    crier_fonts_close(a->fonts);
    if (a->screen)
        SDL_DestroyTexture(a->screen);
    crier_playlist_free(&a->pl);
    if (TTF_WasInit())
        TTF_Quit();
    IMG_Quit();
    if (a->d.backend)
        a->d.backend->close(&a->d);
}

crier_err crier_render_run(const crier_render_opts *o, crier_mailbox *mb)
{
    app a_, *a = &a_;
    memset(a, 0, sizeof *a);
    a->o = o;
    crier_playlist_init(&a->pl);
    for (int i = 0; i < o->cfg->n_sources; i++) { /* day-parting per source */
        crier_schedule sched;
        if (crier_config_source_schedule(&o->cfg->sources[i], &sched) == CRIER_OK)
            crier_playlist_set_schedule(&a->pl, o->cfg->sources[i].name, &sched);
    }
    if (o->cfg->locale && o->cfg->locale[0] && !setlocale(LC_TIME, o->cfg->locale))
        LOG_WARN("render", "locale '%s' is not available; dates use the default", o->cfg->locale);
    crier_err rc = app_open(a);
    if (rc != CRIER_OK)
        goto cleanup;
    crier_mailbox_set_wake(mb, crier_display_wake, &a->d);
    a->start_mono = crier_mono_ms();
    int64_t end_mono = o->run_for_ms > 0 ? o->start_mono_ms + o->run_for_ms : INT64_MAX;
    a->last_screenshot_mono = a->start_mono;
    a->slot_end_mono = 0; /* rotate at once */
    a->dirty = DIRTY_ALL;
    a->full_copy_needed = 1;
    a->next_change_wall = INT64_MAX;
    a->glyphs_missing = crier_fontchain_missing_count();

    while (!a->quit && !a->d.quit_requested) {
        int64_t now_mono = crier_mono_ms(), now_wall = crier_wall_ms();
        if (now_mono >= end_mono)
            break;
        a->turn_start_us = mono_us();
        int changed = 0;
        crier_msg *m = crier_mailbox_take_all(mb);
        while (m) {
            crier_msg *next = m->next;
            apply_message(a, m, &changed);
            crier_msg_free(m);
            m = next;
        }
        if (a->quit)
            break;
        pause_rotation(a, now_mono); /* before the rotation looks at its clock */
        if (changed)
            content_changed(a, now_mono, now_wall);
        else if (now_mono >= a->slot_end_mono && !alerts_active(a))
            rotate(a, now_mono, now_wall); /* paused under an alert: nothing invisible is "shown" */
        if (now_wall >= a->next_change_wall)
            a->dirty = DIRTY_ALL; /* an item became valid or expired */
        update_clock(a, now_wall);
        if (crier_alert_screen_tick(a->alerts, now_wall, now_mono)) /* expiry, language turns */
            a->dirty = DIRTY_ALL;
        pause_rotation(a, now_mono); /* an alert that expired just now */
        if (a->identify_until_mono && now_mono >= a->identify_until_mono) {
            a->identify_until_mono = 0; /* the overlay goes: redraw what it covered */
            a->dirty = DIRTY_ALL;
        }
        if (a->in_transition && !alerts_active(a))
            a->dirty |= DIRTY_POSTS;
        if (a->ticker_scrolls && !alerts_active(a))
            a->dirty |= DIRTY_TICKER; /* an alert covers the ticker: no frames for it */

        if (a->d.needs_full) { /* exposed, resized or a failed present */
            a->d.needs_full = 0;
            a->dirty = DIRTY_ALL;
            a->full_copy_needed = 1;
        }
        if (a->dirty) {
            int in_transition = a->in_transition;
            int64_t draw_start_us = mono_us();
            draw(a, now_mono, now_wall);
            a->d.backend->present(&a->d, a->damage, a->n_damage);
            int64_t done_us = mono_us();
            alerts_report_presented(a, crier_wall_ms());
            a->frames++;
            a->dirty = 0;
            if (a->frames == 1) {
                crier_eventlog_emit(o->events, "first_frame", "i:since_start_ms",
                                    (int64_t)(crier_mono_ms() - o->start_mono_ms), NULL);
                LOG_INFO("render", "first frame after %lld ms", (long long)(crier_mono_ms() - o->start_mono_ms));
                if (o->hooks.first_frame)
                    o->hooks.first_frame(o->hooks.ud);
            }
            crier_eventlog_emit(o->events, "frame_presented", "i:frame", (int64_t)a->frames, "i:text_renders",
                                (int64_t)crier_text_renders(), "i:draw_us", done_us - draw_start_us, "i:work_us",
                                done_us - a->turn_start_us, "i:transition", (int64_t)in_transition,
                                "i:glyphs_missing", (int64_t)a->glyphs_missing, NULL);
        }
        /* Work ahead after presenting, so no frame waits for it. */
        if (prebuild_due(a) && !alerts_active(a) && now_mono >= a->slot_end_mono - PREBUILD_MS)
            prebuild_next(a, now_mono, now_wall);
        if (o->screenshot_path && o->screenshot_every_ms > 0 &&
            now_mono - a->last_screenshot_mono >= o->screenshot_every_ms) {
            write_screenshot(a, o->screenshot_path);
            a->last_screenshot_mono = now_mono;
        }

        if (o->hooks.alive && now_mono >= a->next_alive_mono) {
            o->hooks.alive(o->hooks.ud, now_wall);
            a->next_alive_mono = now_mono + o->hooks.alive_every_ms;
        }

        /* Sleep until the nearest deadline. */
        int64_t deadline = min64(end_mono, alerts_active(a) ? INT64_MAX : a->slot_end_mono);
        if (o->hooks.alive)
            deadline = min64(deadline, a->next_alive_mono);
        if (a->identify_until_mono)
            deadline = min64(deadline, a->identify_until_mono);
        deadline = min64(deadline, crier_alert_screen_deadline(a->alerts, now_wall, now_mono));
        if ((a->in_transition || a->ticker_scrolls) && !alerts_active(a))
            deadline = min64(deadline, now_mono + FRAME_MS);
        if (prebuild_due(a) && !alerts_active(a))
            deadline = min64(deadline, a->slot_end_mono - PREBUILD_MS);
        int64_t next_tick_wall = (now_wall / a->clock_period_ms + 1) * a->clock_period_ms;
        deadline = min64(deadline, now_mono + (next_tick_wall - now_wall));
        int64_t change = crier_playlist_next_change(&a->pl, now_wall);
        a->next_change_wall = change;
        if (change != INT64_MAX)
            deadline = min64(deadline, now_mono + (change - now_wall));
        if (o->screenshot_path && o->screenshot_every_ms > 0)
            deadline = min64(deadline, a->last_screenshot_mono + o->screenshot_every_ms);
        int64_t wait = deadline - crier_mono_ms();
        if (wait > 0)
            a->d.backend->wait(&a->d, (int)min64(wait, 60000));
    }
    if (a->d.display_lost)
        rc = CRIER_ERR_SDL; /* exit status 4: systemd restarts crier until the display is back */
    else if (o->screenshot_path)
        rc = write_screenshot(a, o->screenshot_path);
    LOG_INFO("render", "stopped after %llu frames", (unsigned long long)a->frames);
cleanup:
    crier_mailbox_set_wake(mb, NULL, NULL);
    app_close(a);
    return rc;
}
