/* screenshot.c - see screenshot.h: read-back, PNG in memory, the encoder worker. */
#include "screen/screenshot.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/worker.h"

#include <SDL_image.h>
#include <stdio.h>
#include <stdlib.h>
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

/* An in-memory SDL_RWops for IMG_SavePNG_RW, writing into a crier_buf. */
static size_t mem_write(SDL_RWops *rw, const void *ptr, size_t size, size_t num)
{
    crier_buf *m = rw->hidden.unknown.data1;
    return crier_buf_append(m, ptr, size * num) == CRIER_OK ? num : 0;
}

static Sint64 mem_size(SDL_RWops *rw)
{
    return (Sint64)((crier_buf *)rw->hidden.unknown.data1)->len;
}

static Sint64 mem_seek(SDL_RWops *rw, Sint64 offset, int whence)
{
    crier_buf *m = rw->hidden.unknown.data1;
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
    crier_buf m = {.initial = 65536};
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
        crier_buf_free(&m);
        return CRIER_ERR_SDL;
    }
    *png = m.data;
    *len = m.len;
    return CRIER_OK;
}

struct crier_screenshots {
    crier_screenshots_cfg cfg;
    crier_worker *worker;
};

enum { JOB_ENCODE = 1 };

static void free_surface(void *p)
{
    SDL_FreeSurface(p);
}

/* Worker thread: one request (key = req id, payload = the frame). */
static void on_msg(void *ud, crier_msg **msg)
{
    crier_screenshots *s = ud;
    crier_msg *m = *msg;
    void *png = NULL;
    size_t len = 0;
    if (m->type != CRIER_MSG_JOB || m->kind != JOB_ENCODE)
        return;
    if (m->payload && !crier_worker_stopping(s->worker))
        crier_png_encode(m->payload, &png, &len);
    s->cfg.done(s->cfg.ud, m->key ? m->key : "", png, len);
    free(png);
}

/* Requests queued before the stop message are answered NULL (on_msg sees
 * crier_worker_stopping()); nothing is posted after it. */
static const crier_worker_ops ops = {.name = "screenshot", .on_msg = on_msg};

crier_err crier_screenshots_start(crier_screenshots **out, const crier_screenshots_cfg *cfg, char *err,
                                  size_t err_len)
{
    *out = NULL;
    if (!cfg || !cfg->done) {
        crier_errf(err, err_len, "no screenshot callback");
        return CRIER_ERR_INVAL;
    }
    crier_screenshots *s = calloc(1, sizeof *s);
    if (!s) {
        crier_errf(err, err_len, "out of memory");
        return CRIER_ERR_NOMEM;
    }
    s->cfg = *cfg;
    crier_err rc = crier_worker_start(&s->worker, &ops, s, cfg->max_queued ? cfg->max_queued : 4);
    if (rc != CRIER_OK) {
        crier_errf(err, err_len, "cannot start the screenshot worker: %s", crier_strerror(rc));
        free(s);
        return rc;
    }
    *out = s;
    return CRIER_OK;
}

void crier_screenshots_request(crier_screenshots *s, SDL_Surface *frame, const char *req)
{
    crier_msg *m = s ? crier_msg_new(CRIER_MSG_JOB, NULL, req ? req : "") : NULL;
    if (!m) {
        SDL_FreeSurface(frame);
        if (s)
            s->cfg.done(s->cfg.ud, req ? req : "", NULL, 0);
        return;
    }
    m->kind = JOB_ENCODE;
    m->payload = frame;
    m->payload_free = free_surface;
    crier_err rc = crier_worker_post(s->worker, m); /* m is the worker's now, also on error */
    if (rc != CRIER_OK) {
        LOG_WARN("render", "screenshot '%s' refused: %s", req ? req : "", crier_strerror(rc));
        s->cfg.done(s->cfg.ud, req ? req : "", NULL, 0);
    }
}

void crier_screenshots_stop(crier_screenshots *s)
{
    if (!s)
        return;
    crier_worker_stop(s->worker);
    free(s);
}
