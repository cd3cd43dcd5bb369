/* fontchain.h - a font fallback chain with bidi and per-run shaping on SDL2_ttf.
 *
 * SDL2_ttf 2.20 draws a string with one font.  A chain holds an ordered list of
 * fonts opened at one pixel size (e.g. Noto Sans, Arabic, Hebrew, Devanagari,
 * Thai, CJK, colour emoji); a line of text is split into runs, each drawn with
 * the first font that has its glyphs, shaped by HarfBuzz (inside SDL2_ttf) with
 * the run's script and direction, and the runs are placed in visual order by the
 * Unicode bidi algorithm (FriBidi).
 *
 *   const char *files[] = CRIER_FONTCHAIN_DEFAULT_FILES;
 *   crier_fontchain *fc = NULL;
 *   crier_fontchain_open("/usr/share/crier/fonts", files, CRIER_FONTCHAIN_DEFAULT_COUNT,
 *                        48, 0, &fc);
 *   crier_text_metrics m;
 *   SDL_Surface *s = NULL;
 *   crier_fontchain_render(fc, "Hello مرحبا", SIZE_MAX, CRIER_DIR_AUTO, white, &s, &m);
 *   ... blit s at (m.rtl ? right - m.w : left, baseline - m.ascent) ...
 *   SDL_FreeSurface(s);
 *   crier_fontchain_free(fc);
 *
 * Ownership: the chain owns its TTF_Font objects; font files are memory-mapped
 * once per process and shared (reference-counted) by every chain that uses them,
 * so many sizes cost one mapping per file.  Surfaces returned by render belong to
 * the caller (SDL_FreeSurface).  Threads: SDL2_ttf is not thread-safe; use chains
 * only from the render thread (TTF_Init() must have been called).
 *
 * Text is one line (the wrapper splits paragraphs): '\n', '\t' and other control
 * characters are drawn as spaces; invalid UTF-8 is drawn as U+FFFD.  Missing
 * glyphs (a code point no font of the chain provides, which would draw as the
 * .notdef "tofu" box) are counted and logged once per code point.
 *
 * After the bundled files, code points they lack (and Han in a language with
 * its own glyph forms, and bold text whose bundled face has no bold cut) are
 * looked up in the system's fonts with fontconfig (fontsys.c): found faces are
 * appended to the chain and opened, like the others, when a line first needs
 * them.  CRIER_SYSTEM_FONTS=0 in the environment turns that off (tests of a
 * bare board). */
#ifndef CRIER_RENDER_FONTCHAIN_H
#define CRIER_RENDER_FONTCHAIN_H

#include "screen/lang.h" /* crier_han */
#include "base/error.h"

#include <SDL2/SDL.h>
#include <stddef.h>

/* The bundled set (assets/fonts), in fallback order.  Bold chains replace
 * "-Regular." by "-Bold." where that file exists and embolden otherwise. */
#define CRIER_FONTCHAIN_DEFAULT_FILES                                                        \
    {                                                                                        \
        "NotoSans-Regular.ttf", "NotoSansArabic-Regular.ttf", "NotoSansHebrew-Regular.ttf",  \
            "NotoSansDevanagari-Regular.ttf", "NotoSansThai-Regular.ttf",                    \
            "NotoSansCJKjp-Subset-Regular.otf", "NotoColorEmoji.ttf"                         \
    }
#define CRIER_FONTCHAIN_DEFAULT_COUNT 7

#define CRIER_FONTCHAIN_MAX_FONTS 16
#define CRIER_FONTCHAIN_MAX_PX 1024
/* Longest line (code points) measure/render accept; longer -> CRIER_ERR_LIMIT. */
#define CRIER_FONTCHAIN_MAX_CPS 4096
/* Widest surface render makes (pixels); wider -> CRIER_ERR_LIMIT.  GPUs cap
 * textures (a Pi 4 at 4096 or 8192): split long ticker text into items. */
#define CRIER_FONTCHAIN_MAX_SURFACE_W 16384

typedef struct crier_fontchain crier_fontchain;


typedef enum crier_text_dir {
    CRIER_DIR_AUTO = 0, /* first strong character decides (UAX #9 P2/P3); LTR if none */
    CRIER_DIR_LTR,
    CRIER_DIR_RTL,
} crier_text_dir;

typedef struct crier_text_metrics {
    int w, h;    /* size of the rendered line surface in pixels (w is the advance) */
    int ascent;  /* baseline, in pixels from the top of the surface */
    int rtl;     /* 1 when the paragraph direction is right-to-left: align right */
    int runs;    /* number of font/direction/script runs */
    int missing; /* code points of this line no font provides (drawn as .notdef) */
} crier_text_metrics;

/* Opens files[0..nfiles) from dir at px pixels per em (bold: 1 for the bold
 * variant).  Fixed-size colour bitmap fonts (Noto Color Emoji) are scaled to
 * px.  A file that cannot be opened is logged and skipped; CRIER_ERR_NOTFOUND if
 * none opens.  Errors: CRIER_ERR_INVAL (bad arguments, px outside
 * 1..CRIER_FONTCHAIN_MAX_PX, nfiles > CRIER_FONTCHAIN_MAX_FONTS), CRIER_ERR_NOMEM,
 * CRIER_ERR_NOTFOUND, CRIER_ERR_SDL.  *out is a new chain the caller frees. */
crier_err crier_fontchain_open(const char *dir, const char *const *files, size_t nfiles,
                               int px, int bold, crier_fontchain **out);
void crier_fontchain_free(crier_fontchain *fc); /* NULL-safe */

/* The Han class of the lines measured and rendered from now on (the chain is
 * shared by texts of every language: set it before each text). */
void crier_fontchain_set_han(crier_fontchain *fc, crier_han han);

int crier_fontchain_px(const crier_fontchain *fc);
int crier_fontchain_bold(const crier_fontchain *fc);
/* Recommended distance between baselines (the first font's line skip) and the
 * first font's ascent: use these for a paragraph so line spacing stays even even
 * when a line's surface is taller (Devanagari, Arabic, emoji). */
int crier_fontchain_line_height(const crier_fontchain *fc);
int crier_fontchain_ascent(const crier_fontchain *fc);
/* Number of fonts in the chain: the bundled files that opened, and the system
 * faces lines needed so far. */
size_t crier_fontchain_font_count(const crier_fontchain *fc);
/* Faces opened at the chain's size so far: the primary font, then one per
 * fallback font a rendered or measured line needed. */
size_t crier_fontchain_faces_open(const crier_fontchain *fc);

/* Paragraph direction of text by its first strong character (LTR if none):
 * detect it once per paragraph and pass it to every wrapped line. */
crier_text_dir crier_fontchain_direction(const char *text, size_t len);

/* Measures one line; len may be SIZE_MAX for a NUL-terminated string.  Fills *m
 * exactly as render would.  Errors: CRIER_ERR_INVAL, CRIER_ERR_LIMIT, CRIER_ERR_NOMEM,
 * CRIER_ERR_SDL. */
crier_err crier_fontchain_measure(crier_fontchain *fc, const char *text, size_t len,
                                  crier_text_dir dir, crier_text_metrics *m);
/* Width in pixels of text[0..len) (0 on error), shaped as render would draw it;
 * ud is the crier_fontchain.  Matches screen/wrap.h's crier_measure_fn, so
 * crier_wrap(text, w, lines, crier_fontchain_width, fc, &out) wraps with it. */
int crier_fontchain_width(const char *text, size_t len, void *ud);

/* Renders one line into a new ARGB8888 surface of m->w x m->h (w at least 1),
 * alpha-blended (straight alpha, SDL_BLENDMODE_BLEND set), baseline at m->ascent.
 * CRIER_ERR_LIMIT when m->w > CRIER_FONTCHAIN_MAX_SURFACE_W (m is still filled).
 * Colour glyphs (emoji) keep their colours; color applies to the rest.
 * *out belongs to the caller.  m may be NULL. */
crier_err crier_fontchain_render(crier_fontchain *fc, const char *text, size_t len,
                                 crier_text_dir dir, SDL_Color color, SDL_Surface **out,
                                 crier_text_metrics *m);

/* Drops the font files' pages from the resident set (see fontfile.c); the
 * text layer calls it after composing a text block.  Cheap (one madvise per
 * file); the next line faults in what it needs from the page cache. */
void crier_fontchain_trim(void);

/* Looks up the system's regional CJK faces ahead (fontconfig, ~15 ms, no face
 * opened), so the first text in Chinese or Korean (an alert) waits for none. */
void crier_fontchain_prewarm(void);

/* Test hooks: distinct code points found missing (no font provides them) since
 * start or the last reset, by every chain of the process. */
size_t crier_fontchain_missing_count(void);
void crier_fontchain_missing_reset(void);

#endif
