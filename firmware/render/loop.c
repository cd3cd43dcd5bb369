/* loop.c - the render thread's loop.
 *
 *   take messages -> update playlist -> advance rotation/transition/clock ->
 *   draw only if something changed -> present -> sleep until next deadline
 *
 * Deadlines: the next rotation, the next clock minute, the next transition or
 * ticker frame, the next validity change of any item, a periodic screenshot,
 * and the end of --run-for.  A message from another thread wakes the loop at
 * once (crier_display_wake). */
#include "core/log.h"
#include "core/playlist.h"
#include "core/timeutil.h"
#include "render/internal.h"
#include "render/scene.h"

#include <SDL_image.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MS 16

typedef struct slide {
    SDL_Texture *tex;
    char *source, *id;
    uint64_t built_version; /* playlist version it was built from */
} slide;

typedef struct app {
    const crier_render_opts *o;
    crier_display d;
    crier_fonts *fonts;
    crier_text_cache *texts;
    crier_scene scene;
    SDL_Texture *screen; /* the composed frame */
    crier_playlist pl;
    slide cur, prev;
    int64_t slot_end_mono;   /* when the current post's slot ends */
    int64_t trans_start_mono;
    int in_transition;
    int64_t start_mono;
    char clock_text[64], date_text[128];
    int ticker_scrolls;
    int dirty;
    uint64_t frames;
    int64_t last_screenshot_mono;
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

static int transition_ms(const app *a)
{
    if (strcmp(a->o->cfg->transition, "none") == 0)
        return 0;
    return a->o->cfg->transition_ms;
}

/* Show `post` (NULL: the empty slide), with a transition from what was shown. */
static void show_post(app *a, const crier_item *post, int64_t now_mono, int transition)
{
    SDL_Texture *tex = post ? crier_scene_build_slide(&a->scene, post) : crier_scene_build_empty(&a->scene);
    if (!tex)
        return; /* keep what is on screen */
    if (transition && a->cur.tex && transition_ms(a) > 0) {
        slide_clear(&a->prev);
        a->prev = a->cur;
        memset(&a->cur, 0, sizeof a->cur);
        a->in_transition = 1;
        a->trans_start_mono = now_mono;
        crier_eventlog_emit(a->o->events, "transition_start", "s:kind", a->o->cfg->transition, "i:duration_ms",
                            (int64_t)transition_ms(a), NULL);
    } else {
        slide_clear(&a->cur);
    }
    a->cur.tex = tex;
    a->cur.built_version = a->pl.version;
    if (post) {
        a->cur.source = crier_strdup(post->source);
        a->cur.id = crier_strdup(post->id);
        int dur = post->duration_ms > 0 ? post->duration_ms : a->o->cfg->default_duration_s * 1000;
        a->slot_end_mono = now_mono + dur;
        crier_eventlog_emit(a->o->events, "item_shown", "s:id", post->id, "s:source", post->source, "s:title",
                            post->title, "i:duration_ms", (int64_t)dur, NULL);
        LOG_DEBUG("render", "showing post '%s' from %s for %d ms", post->id, post->source, dur);
    } else {
        a->slot_end_mono = INT64_MAX;
    }
    a->dirty = 1;
}

static void rotate(app *a, int64_t now_mono, int64_t now_wall)
{
    const crier_item *next = crier_playlist_next_post(&a->pl, a->cur.source, a->cur.id, now_wall);
    if (next && a->cur.id && strcmp(next->id, a->cur.id) == 0 && strcmp(next->source, a->cur.source) == 0 &&
        a->cur.built_version == a->pl.version) {
        /* The only post: keep it, no transition, no re-render. */
        int dur = next->duration_ms > 0 ? next->duration_ms : a->o->cfg->default_duration_s * 1000;
        a->slot_end_mono = now_mono + dur;
        return;
    }
    show_post(a, next, now_mono, 1);
}

/* After content changed: rebuild the current slide if its post changed or went away. */
static void content_changed(app *a, int64_t now_mono, int64_t now_wall)
{
    a->dirty = 1;
    if (!a->cur.tex) {
        rotate(a, now_mono, now_wall);
        return;
    }
    const crier_item *cur = a->cur.id ? crier_playlist_find(&a->pl, a->cur.source, a->cur.id) : NULL;
    if (!cur || !crier_item_is_current(cur, now_wall)) {
        rotate(a, now_mono, now_wall); /* retracted or expired: move on at once */
    } else {
        int64_t keep_end = a->slot_end_mono;
        show_post(a, cur, now_mono, 0);  /* refresh in place */
        a->slot_end_mono = keep_end;
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
    case CRIER_MSG_QUIT:
        a->quit = 1;
        break;
    default:
        LOG_DEBUG("render", "message type %d ignored", (int)m->type);
        break;
    }
}

static void update_clock(app *a, int64_t now_wall)
{
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
    if (strcmp(c, a->clock_text) != 0 || strcmp(d, a->date_text) != 0) {
        snprintf(a->clock_text, sizeof a->clock_text, "%s", c);
        snprintf(a->date_text, sizeof a->date_text, "%s", d);
        a->dirty = 1;
    }
}

static void draw(app *a, int64_t now_mono, int64_t now_wall)
{
    SDL_Renderer *r = a->d.renderer;
    crier_rgba bg = a->o->layout->background;
    SDL_SetRenderTarget(r, a->screen);
    SDL_SetRenderDrawColor(r, bg.r, bg.g, bg.b, 255);
    SDL_RenderClear(r);
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
    crier_scene_draw_posts(&a->scene, a->prev.tex, a->cur.tex, t);
    crier_scene_draw_events(&a->scene, &a->pl, now_wall);
    a->ticker_scrolls = crier_scene_draw_ticker(&a->scene, &a->pl, now_wall, now_mono - a->start_mono);
    SDL_SetRenderTarget(r, NULL);
    SDL_RenderCopy(r, a->screen, NULL, NULL);
}

static crier_err write_screenshot(app *a, const char *path)
{
    crier_err rc = CRIER_OK;
    char tmp[4096];
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, a->scene.width, a->scene.height, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return CRIER_ERR_NOMEM;
    SDL_SetRenderTarget(a->d.renderer, a->screen);
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

static crier_err app_open(app *a)
{
    const crier_config *cfg = a->o->cfg;
    a->d.backend = cfg->headless ? &crier_backend_headless : &crier_backend_window;
    crier_err rc = a->d.backend->open(&a->d, cfg);
    if (rc != CRIER_OK)
        return rc;
    if (TTF_Init() != 0) {
        LOG_ERROR("render", "cannot start SDL_ttf: %s", TTF_GetError());
        return CRIER_ERR_SDL;
    }
    IMG_Init(IMG_INIT_PNG | IMG_INIT_JPG | IMG_INIT_WEBP);
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    a->fonts = crier_fonts_open(a->o->fonts_dir);
    if (!a->fonts)
        return CRIER_ERR_NOTFOUND;
    a->texts = crier_text_cache_new(a->d.renderer, a->fonts, 256);
    a->screen = SDL_CreateTexture(a->d.renderer, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET, a->d.width,
                                  a->d.height);
    if (!a->texts || !a->screen) {
        LOG_ERROR("render", "cannot allocate the frame: %s", SDL_GetError());
        return CRIER_ERR_NOMEM;
    }
    a->scene = (crier_scene){a->d.renderer, a->o->layout, cfg, a->texts, a->fonts, a->d.width, a->d.height};
    return CRIER_OK;
}

static void app_close(app *a)
{
    slide_clear(&a->cur);
    slide_clear(&a->prev);
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
    a->dirty = 1;

    while (!a->quit && !a->d.quit_requested) {
        int64_t now_mono = crier_mono_ms(), now_wall = crier_wall_ms();
        if (now_mono >= end_mono)
            break;
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
        if (changed)
            content_changed(a, now_mono, now_wall);
        else if (now_mono >= a->slot_end_mono)
            rotate(a, now_mono, now_wall);
        update_clock(a, now_wall);
        if (a->in_transition || a->ticker_scrolls)
            a->dirty = 1;

        if (a->dirty) {
            draw(a, now_mono, now_wall);
            a->d.backend->present(&a->d);
            a->frames++;
            a->dirty = 0;
            if (a->frames == 1) {
                crier_eventlog_emit(o->events, "first_frame", "i:since_start_ms",
                                    (int64_t)(crier_mono_ms() - o->start_mono_ms), NULL);
                LOG_INFO("render", "first frame after %lld ms", (long long)(crier_mono_ms() - o->start_mono_ms));
            }
            crier_eventlog_emit(o->events, "frame_presented", "i:frame", (int64_t)a->frames, "i:text_renders",
                                (int64_t)crier_text_renders(), NULL);
        }
        if (o->screenshot_path && o->screenshot_every_ms > 0 &&
            now_mono - a->last_screenshot_mono >= o->screenshot_every_ms) {
            write_screenshot(a, o->screenshot_path);
            a->last_screenshot_mono = now_mono;
        }

        /* Sleep until the nearest deadline. */
        int64_t deadline = min64(end_mono, a->slot_end_mono);
        if (a->in_transition || a->ticker_scrolls)
            deadline = min64(deadline, now_mono + FRAME_MS);
        int64_t next_minute_wall = (now_wall / 60000 + 1) * 60000;
        deadline = min64(deadline, now_mono + (next_minute_wall - now_wall));
        int64_t change = crier_playlist_next_change(&a->pl, now_wall);
        if (change != INT64_MAX)
            deadline = min64(deadline, now_mono + (change - now_wall));
        if (o->screenshot_path && o->screenshot_every_ms > 0)
            deadline = min64(deadline, a->last_screenshot_mono + o->screenshot_every_ms);
        int64_t wait = deadline - crier_mono_ms();
        if (wait > 0)
            a->d.backend->wait(&a->d, (int)min64(wait, 60000));
    }
    if (o->screenshot_path)
        rc = write_screenshot(a, o->screenshot_path);
    LOG_INFO("render", "stopped after %llu frames", (unsigned long long)a->frames);
cleanup:
    crier_mailbox_set_wake(mb, NULL, NULL);
    app_close(a);
    return rc;
}
