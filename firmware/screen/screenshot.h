/* screenshot.h - screenshots asked for by staff commands.
 *
 * The frame is read back on the render thread (a copy, milliseconds) and
 * encoded as PNG on the screenshot worker, so the render loop never waits for
 * zlib and an alert is never delayed by it.  The worker is a crier_worker
 * (base/worker.h) that the render module starts with its display and stops,
 * joined, before crier_render_run() returns: no screenshot callback runs after
 * that, so the program may free what the callback uses.
 *
 * Threads: crier_screenshots_request() on the render thread; cfg->done on the
 * worker thread (or, for a refused request, on the caller's).  No lock of its
 * own besides the worker's inbox. */
#ifndef CRIER_RENDER_SCREENSHOT_H
#define CRIER_RENDER_SCREENSHOT_H

#include "base/error.h"

#include <SDL.h>
#include <stddef.h>

typedef struct crier_screenshots crier_screenshots;

typedef struct crier_screenshots_cfg {
    /* The PNG of a request (png NULL: capturing or encoding failed, or crier is
     * stopping); png is freed after the call. */
    void (*done)(void *ud, const char *req, const void *png, size_t len);
    void *ud;
    size_t max_queued; /* requests waiting to be encoded; more are refused (0: 4) */
} crier_screenshots_cfg;

/* Starts the worker.  err may be NULL.  CRIER_ERR_INVAL (no done), CRIER_ERR_NOMEM, CRIER_ERR_IO. */
crier_err crier_screenshots_start(crier_screenshots **out, const crier_screenshots_cfg *cfg, char *err,
                                  size_t err_len);
/* Queue frame (taken; NULL: the capture failed) for encoding as the answer to req. */
void crier_screenshots_request(crier_screenshots *s, SDL_Surface *frame, const char *req);
/* Stop message, join, free.  Requests still queued are answered with NULL.  NULL-safe. */
void crier_screenshots_stop(crier_screenshots *s);

/* Read the frame texture (w x h; NULL: the output) into a new surface, on the render thread. */
SDL_Surface *crier_capture_frame(SDL_Renderer *r, SDL_Texture *frame, int w, int h);
/* Encode a surface as PNG in memory; *png is malloc'ed (free() it). */
crier_err crier_png_encode(SDL_Surface *s, void **png, size_t *len);

#endif
