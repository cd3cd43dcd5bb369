/* commands.c - identify overlay and screenshots for staff commands.
 *
 * A screenshot is read back on the render thread (a copy of the frame,
 * milliseconds) and encoded as PNG on a short-lived worker thread, so the
 * render loop never waits for zlib and an alert is never delayed by it. */
#include "screen/commands.h"
#include "base/log.h"

#include <SDL_image.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

SDL_Surface *crier_capture_frame(SDL_Renderer *r, SDL_Texture *frame, int w, int h)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return NULL;
    SDL_Texture *prev = SDL_GetRenderTarget(r);
    SDL_SetRenderTarget(r, frame);
    int rc = SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch);
    SDL_SetRenderTarget(r, prev);
    if (rc != 0) {
        LOG_ERROR("render", "cannot read the frame: %s", SDL_GetError());
        SDL_FreeSurface(s);
        return NULL;
    }
    return s;
}

/* A growable in-memory SDL_RWops for IMG_SavePNG_RW. */
typedef struct membuf {
    unsigned char *data;
    size_t len, cap;
} membuf;

static size_t mem_write(SDL_RWops *rw, const void *ptr, size_t size, size_t num)
{
    membuf *m = rw->hidden.unknown.data1;
    size_t n = size * num;
    if (m->len + n > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < m->len + n)
            cap *= 2;
        unsigned char *d = SDL_realloc(m->data, cap);
        if (!d)
            return 0;
        m->data = d;
        m->cap = cap;
    }
    memcpy(m->data + m->len, ptr, n);
    m->len += n;
    return num;
}

static Sint64 mem_size(SDL_RWops *rw)
{
    return (Sint64)((membuf *)rw->hidden.unknown.data1)->len;
}

static Sint64 mem_seek(SDL_RWops *rw, Sint64 offset, int whence)
{
    membuf *m = rw->hidden.unknown.data1;
    /* PNG writing only appends; report the end for any query. */
    return whence == RW_SEEK_CUR && offset == 0 ? (Sint64)m->len : -1;
}

static int mem_close(SDL_RWops *rw)
{
    SDL_FreeRW(rw);
    return 0;
}

crier_err crier_png_encode(SDL_Surface *s, void **png, size_t *len)
{
    membuf m = {0};
    *png = NULL;
    *len = 0;
    SDL_RWops *rw = SDL_AllocRW();
    if (!rw)
        return CRIER_ERR_NOMEM;
    rw->type = SDL_RWOPS_UNKNOWN;
    rw->size = mem_size;
    rw->seek = mem_seek;
    rw->write = mem_write;
    rw->close = mem_close;
    rw->hidden.unknown.data1 = &m;
    int rc = IMG_SavePNG_RW(s, rw, 1);
    if (rc != 0 || m.len == 0) {
        LOG_ERROR("render", "cannot encode a PNG: %s", IMG_GetError());
        SDL_free(m.data);
        return CRIER_ERR_SDL;
    }
    *png = m.data;
    *len = m.len;
    return CRIER_OK;
}

typedef struct shot_job {
    SDL_Surface *frame;
    char req[128];
    crier_render_hooks hooks;
} shot_job;

static void *shot_thread(void *arg)
{
    shot_job *job = arg;
    void *png = NULL;
    size_t len = 0;
    crier_png_encode(job->frame, &png, &len);
    job->hooks.screenshot(job->hooks.ud, job->req, png, len);
    SDL_free(png);
    SDL_FreeSurface(job->frame);
    SDL_free(job);
    return NULL;
}

void crier_screenshot_async(SDL_Surface *frame, const char *req, const crier_render_hooks *hooks)
{
    if (!hooks->screenshot) {
        SDL_FreeSurface(frame);
        return;
    }
    shot_job *job = SDL_calloc(1, sizeof *job);
    pthread_t tid;
    pthread_attr_t attr;
    if (!job || !frame) {
        SDL_free(job);
        SDL_FreeSurface(frame);
        hooks->screenshot(hooks->ud, req, NULL, 0);
        return;
    }
    job->frame = frame;
    snprintf(job->req, sizeof job->req, "%s", req ? req : "");
    job->hooks = *hooks;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&tid, &attr, shot_thread, job) != 0) {
        LOG_WARN("render", "no thread for the screenshot; encoding it here");
        shot_thread(job);
    }
    pthread_attr_destroy(&attr);
}

void crier_draw_identify(SDL_Renderer *r, crier_text_cache *texts, int w, int h, const char *kiosk,
                         const char *site)
{
    int big = h / 8, small = h / 20;
    crier_text_style ks = {.px = big, .bold = 1, .color = {255, 255, 255, 255}, .max_width = w * 8 / 10,
                           .max_lines = 2, .align = 1};
    crier_text_style ss = {.px = small, .color = {255, 209, 102, 255}, .max_width = w * 8 / 10, .max_lines = 1,
                           .align = 1};
    char line[160];
    snprintf(line, sizeof line, "site %s", site);
    const crier_text *tk = crier_text_get(texts, kiosk, &ks);
    const crier_text *ts = crier_text_get(texts, line, &ss);
    int bh = (tk ? tk->h : 0) + (ts ? ts->h : 0) + h / 10;
    SDL_Rect box = {w / 10 - w / 40, (h - bh) / 2, w * 8 / 10 + w / 20, bh};
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(r, 0x0b, 0x1f, 0x33, 255);
    SDL_RenderFillRect(r, &box);
    SDL_SetRenderDrawColor(r, 255, 209, 102, 255);
    for (int i = 0; i < SDL_max(4, h / 150); i++) {
        SDL_Rect edge = {box.x + i, box.y + i, box.w - 2 * i, box.h - 2 * i};
        SDL_RenderDrawRect(r, &edge);
    }
    int y = box.y + h / 20;
    if (tk) {
        SDL_Rect d = {(w - tk->w) / 2, y, tk->w, tk->h};
        SDL_RenderCopy(r, tk->tex, NULL, &d);
        y += tk->h;
    }
    if (ts) {
        SDL_Rect d = {(w - ts->w) / 2, y, ts->w, ts->h};
        SDL_RenderCopy(r, ts->tex, NULL, &d);
    }
}
