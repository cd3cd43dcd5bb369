/* commands.h - staff commands the renderer carries out: identify (screenshots: screenshot.h). */
#ifndef CRIER_RENDER_COMMANDS_H
#define CRIER_RENDER_COMMANDS_H

#include "screen/internal.h"
#include "screen/render.h"

/* Draw the identify overlay (kiosk id and site, large, centred) on the current target. */
void crier_draw_identify(SDL_Renderer *r, crier_text_cache *texts, int w, int h, const char *kiosk,
                         const char *site);

#endif
