/* internal.h - shared between the render module's files; SDL lives here. */
#ifndef CRIER_RENDER_INTERNAL_H
#define CRIER_RENDER_INTERNAL_H

#include "base/error.h"
#include "screen/layout.h"
#include "screen/render.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <pthread.h>
#include <stdint.h>

/* ---- display backends (backend.c) ---------------------------------------
 * A backend opens a renderer of a given size and knows how to sleep until a
 * deadline or a wake-up.  "window" (desktop, KMSDRM) and "headless" (software
 * renderer into a memory surface).  The window backend presents in one of two
 * ways (`present`, chosen at open and logged): gpu, SDL's accelerated
 * renderer (the frame is copied whole to the back buffer and swapped; KMSDRM
 * page flips), or software, SDL's software renderer drawing straight into the
 * window surface (an X shared-memory image that keeps its pixels), of which
 * only the damaged rectangles are sent to the display; no GL library is
 * loaded then.  Waiting: where SDL can block on the OS
 * event queue (x11, wayland) we use SDL_WaitEventTimeout and wake it with
 * SDL_PushEvent; elsewhere (headless, KMSDRM, whose SDL wait polls every
 * millisecond) we sleep on a condition variable that wake() signals, so a
 * static screen costs no CPU. */
typedef struct crier_display {
    const struct crier_backend *backend;
    SDL_Window *window;
    SDL_Renderer *renderer;
    int video_up;             /* window: the SDL video subsystem is initialised */
    SDL_Surface *surface;     /* headless target */
    int width, height;        /* output size in pixels */
    int use_sdl_wait;         /* 1: SDL_WaitEventTimeout; 0: condvar */
    int pace_hz;              /* headless: present on a vsync-like grid (0 = at once) */
    int64_t pace_origin_us;   /* start of that grid */
    int keeps_frame;          /* 1: the output keeps its pixels between presents
                               * (headless, window in software), so only changed
                               * areas are drawn and presented */
    int software;             /* window: software presentation (see above) */
    int no_wm;                /* window: full screen as a borderless window (X, no window manager) */
    int needs_full;           /* the display lost the frame (exposed, resized,
                               * a failed present): the loop redraws it all */
    Uint32 wake_event;        /* SDL user event type for wake-ups */
    pthread_mutex_t lock;     /* guards woken */
    pthread_cond_t cond;
    int woken;
    int quit_requested;       /* window closed / SDL_QUIT */
    int display_lost;         /* the display went away: crier_render_run fails */
} crier_display;

typedef struct crier_backend {
    const char *name;
    crier_err (*open)(crier_display *d, const crier_config *cfg);
    /* Sleep until timeout_ms passes, wake() is called, or an SDL event arrives. */
    void (*wait)(crier_display *d, int timeout_ms);
    /* Show the frame: n rectangles changed since the last present (n == 0:
     * all of it).  Only an output that keeps its frame uses the rectangles. */
    void (*present)(crier_display *d, const SDL_Rect *rects, int n);
    void (*close)(crier_display *d);
} crier_backend;

extern const crier_backend crier_backend_window;
extern const crier_backend crier_backend_headless;
/* Thread-safe wake-up; suitable as a crier_mailbox wake function. */
void crier_display_wake(void *display);
/* Copy the logical frame (lw x lh; NULL: composed in place) to the output,
 * turned by rotation.  An output that keeps its pixels gets only the changed
 * rectangles, which are rewritten in output coordinates for the present
 * (n_changed == 0: all of it).  output.c. */
void crier_display_copy_out(crier_display *d, SDL_Texture *frame, int rotation, int lw, int lh, SDL_Rect *changed,
                            int n_changed);

/* ---- text (text.c) --------------------------------------------------------
 * Text is rendered to textures once and reused; a small cache keyed by the
 * text and its style keeps them.  crier_text_renders() counts real renders so
 * tests can prove a static screen renders no text. */
typedef struct crier_text_style {
    int px;
    int bold;
    SDL_Color color;
    int max_width;   /* wrap width; 0 = one line, no wrap */
    int max_lines;   /* ellipsis past this */
    int align;       /* 0 left, 1 centre, 2 right */
    double line_gap; /* extra line spacing as a fraction of px */
    int han;         /* crier_han (screen/fontchain.h) of the text's language:
                      * regional Han forms; 0 = by script */
} crier_text_style;

typedef struct crier_text {
    SDL_Texture *tex;
    int w, h;
    int n_lines;
    int truncated;
} crier_text;

typedef struct crier_fonts crier_fonts;

struct crier_fontchain;
crier_fonts *crier_fonts_open(const char *dir);
/* The chain for a size and weight (cached; NULL on failure, logged). */
struct crier_fontchain *crier_fonts_chain(crier_fonts *f, int px, int bold);
/* Opens the chain for (px, bold) and keeps it open for good (at most 8). 0 or -1. */
int crier_fonts_pin(crier_fonts *f, int px, int bold);
void crier_fonts_close(crier_fonts *f);
/* Measure one line of text in pixels. */
int crier_fonts_measure(crier_fonts *f, const char *s, int px, int bold);
int crier_fonts_line_height(crier_fonts *f, int px, int bold);

/* The renderer's measurer (screen/measure.h) for the pure layouts (alert view,
 * post slide): the font chains of fonts at each size, with the Han forms han
 * (a crier_han).  ctx must outlive the measurer; fit is left NULL. */
typedef struct crier_font_metrics {
    crier_fonts *fonts;
    int han;
} crier_font_metrics;
struct crier_measurer crier_fonts_measurer(crier_font_metrics *ctx);

typedef struct crier_text_cache crier_text_cache;
crier_text_cache *crier_text_cache_new(SDL_Renderer *r, crier_fonts *f, int capacity);
void crier_text_cache_free(crier_text_cache *c);
/* Returns a cached texture for s in style (NULL on failure, logged).  The
 * pointer stays valid until the cache evicts it: use it in the same frame. */
const crier_text *crier_text_get(crier_text_cache *c, const char *s, const crier_text_style *style);
/* Render without caching (for one-off slides); caller destroys tex. */
crier_err crier_text_render(crier_text_cache *c, const char *s, const crier_text_style *style, crier_text *out);
/* Draw without any block-sized buffer: line by line onto the current render
 * target, top-left at (x, y).  Fills out's size, line count and truncated
 * flag; out->tex stays NULL.  For text composed once into a slide. */
crier_err crier_text_draw(crier_text_cache *c, const char *s, const crier_text_style *style, int x, int y,
                          crier_text *out);
uint64_t crier_text_renders(void);

#endif
