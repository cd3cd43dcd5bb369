/* scene.h - what is drawn where: header, post slides, events, ticker.
 * Used by loop.c; all functions run on the render thread. */
#ifndef CRIER_RENDER_SCENE_H
#define CRIER_RENDER_SCENE_H

#include "content/content.h"
#include "screen/layout.h"
#include "content/playlist.h"
#include "screen/internal.h"

typedef struct crier_scene {
    SDL_Renderer *renderer;
    const crier_layout *layout;
    const crier_config *cfg;
    crier_text_cache *texts;
    crier_fonts *fonts;
    int width, height; /* composed frame size */
} crier_scene;

/* Compose one post into a new target texture the size of the posts zone. */
SDL_Texture *crier_scene_build_slide(crier_scene *s, const crier_item *post);
/* Compose the "nothing to show" slide. */
SDL_Texture *crier_scene_build_empty(crier_scene *s);
void crier_scene_draw_header(crier_scene *s, const char *clock, const char *date);
void crier_scene_draw_events(crier_scene *s, const crier_playlist *pl, int64_t now_wall_ms);
/* Returns 1 if the ticker scrolls (needs a frame every refresh). */
int crier_scene_draw_ticker(crier_scene *s, const crier_playlist *pl, int64_t now_wall_ms, int64_t elapsed_ms);
/* Posts zone: a transition between two slides at progress t in [0,1]. */
void crier_scene_draw_posts(crier_scene *s, SDL_Texture *prev, SDL_Texture *cur, double t);

#endif
