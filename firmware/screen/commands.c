/* commands.c - the identify overlay of the staff command "identify"
 * (screenshots: screenshot.c). */
#include "screen/commands.h"

#include <stdio.h>

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
