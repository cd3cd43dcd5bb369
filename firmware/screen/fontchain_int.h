/* fontchain_int.h - shared by the font chain's files (not public):
 *   fontfile.c    font files, mapped once per process and shared by every chain
 *   fontchain.c   chains (open/free) and lines: bidi, font fallback, scripts,
 *                 runs, measuring
 *   fontraster.c  pixels: runs drawn, scaled and composited into one surface
 * The design is described at the top of fontchain.c.  Render thread only. */
#ifndef CRIER_RENDER_FONTCHAIN_INT_H
#define CRIER_RENDER_FONTCHAIN_INT_H

#include "screen/fontchain.h"

#include <SDL2/SDL_ttf.h>
#include <fribidi/fribidi.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#define COMP "font"

/* ---- font files (fontfile.c) ---- */

typedef struct font_file {
    char *path;
    void *map;
    size_t size;
    int refs;
    int bitmap;     /* fixed-strike (colour bitmap) font */
    TTF_Font *probe; /* one small face per file: which code points it has (the
                      * cmap does not depend on the size) */
    struct font_file *next;
} font_file;

/* The file at path, mapped and probed on first use; a reference either way.
 * CRIER_ERR_NOTFOUND, CRIER_ERR_IO, CRIER_ERR_PARSE (not a font), CRIER_ERR_NOMEM. */
crier_err crier_fontfile_ref(const char *path, font_file **out);
/* Drops a reference; the last one unmaps the file.  NULL-safe. */
void crier_fontfile_unref(font_file *f);
/* A new face of the file at ptsize (0: a strike font's own size); NULL on failure. */
TTF_Font *crier_fontfile_open_face(font_file *f, int ptsize);

/* ---- chains (fontchain.c) ---- */

typedef struct chain_font {
    font_file *file;
    TTF_Font *font; /* opened at the chain's size on first use (NULL before) */
    int failed;     /* could not be opened at this size: runs use font 0 */
    int real_bold;  /* the file is a bold cut (else bold is synthesised) */
    double scale; /* 1.0, or < 1 for a strike font drawn larger than px */
    int ascent;   /* scaled, pixels above the baseline */
    int descent;  /* scaled, pixels below the baseline (positive) */
} chain_font;

typedef struct run {
    size_t start, end; /* code point indices [start, end) */
    int font;
    int level;
    int script;
    int w, h, ascent; /* measured, scaled */
} run;

struct crier_fontchain {
    chain_font fonts[CRIER_FONTCHAIN_MAX_FONTS];
    size_t nfonts;
    int px, bold;
    /* scratch, grown on demand */
    size_t cap;
    uint32_t *cps;
    FriBidiCharType *types;
    FriBidiBracketType *brackets;
    FriBidiLevel *levels;
    signed char *font_of;
    unsigned char *script_of;
    run *runs;
    int *order;
    char *utf8;
    size_t utf8_cap;
    size_t nruns;
};

static inline int scaled(int v, double s)
{
    return s == 1.0 ? v : (int)lround(v * s);
}

/* UTF-8 of run r into fc->utf8 (NUL-terminated). */
crier_err crier_fontchain__run_utf8(crier_fontchain *fc, const run *r);
/* Direction and script of run r set on its font, for shaping. */
void crier_fontchain__run_prepare(crier_fontchain *fc, const run *r);

#endif
