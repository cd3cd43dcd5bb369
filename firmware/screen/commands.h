/* commands.h - staff commands the renderer carries out: identify and screenshot. */
#ifndef CRIER_RENDER_COMMANDS_H
#define CRIER_RENDER_COMMANDS_H

#include "screen/internal.h"
#include "screen/render.h"

/* Read the frame texture (w x h) into a new surface on the render thread. */
SDL_Surface *crier_capture_frame(SDL_Renderer *r, SDL_Texture *frame, int w, int h);
/* Encode `frame` (taken) as PNG on a detached worker thread and hand the bytes
 * to hooks->screenshot(ud, req, png, len); png is NULL if encoding failed. */
void crier_screenshot_async(SDL_Surface *frame, const char *req, const crier_render_hooks *hooks);
/* Encode a surface as PNG in memory; *png is SDL_malloc'ed. */
crier_err crier_png_encode(SDL_Surface *s, void **png, size_t *len);
/* Draw the identify overlay (kiosk id and site, large, centred) on the current target. */
void crier_draw_identify(SDL_Renderer *r, crier_text_cache *texts, int w, int h, const char *kiosk,
                         const char *site);

#endif
