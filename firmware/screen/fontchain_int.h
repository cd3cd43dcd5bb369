/* fontchain_int.h - shared by the font chain's files (not public):
 *   fontfile.c    font files, mapped once per process and shared by every chain
 *   fontchain.c   chains (open/free) and lines: bidi, font fallback, scripts,
 *                 runs, measuring
 *   fontraster.c  pixels: runs drawn, scaled and composited into one surface
 *   fontscript.c  code points: script, neutral/extender/ignorable/pictograph,
 *                 the Han forms of a language tag
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

/* ---- code points (fontscript.c) ---- */

/* Scripts we tag runs with; index 0 is "common". */
enum crier_script { CRIER_SC_COMMON = 0, CRIER_SC_INHERITED, SC_LATN, SC_GREK, SC_CYRL, SC_ARAB, SC_HEBR, SC_DEVA,
       SC_THAI, SC_HANG, SC_HANI, SC_KANA, SC_HIRA, SC_ARMN, SC_BENG, SC_GURU, SC_GUJR, SC_ORYA,
       SC_TAML, SC_TELU, SC_KNDA, SC_MLYM, SC_SINH, SC_LAOO, SC_TIBT, SC_MYMR, SC_GEOR, SC_ETHI,
       SC_KHMR, CRIER_SC__COUNT };
extern const char *const crier_fontscript_tag[CRIER_SC__COUNT]; /* ISO 15924 */
/* The script of cp (FriBidi type t); CRIER_SC_COMMON for neutral ones. */
int crier_fontscript_of(uint32_t cp, FriBidiCharType t);
/* Kana and kanji shape the same way and share the CJK font: one group. */
int crier_fontscript_group(int sc);
/* Default-ignorable format characters: never "missing" (HarfBuzz hides them). */
int crier_fontscript_ignorable(uint32_t cp);
/* Stays in the run of the preceding base character (marks, joiners, selectors). */
int crier_fontscript_extender(uint32_t cp, FriBidiCharType t);
/* Spaces and punctuation: take the font of their neighbours. */
int crier_fontscript_neutral(FriBidiCharType t);
/* Pictographs (emoji) choose a font like letters, never by their neighbours. */
int crier_fontscript_pictographic(uint32_t cp);

/* ---- font files (fontfile.c) ---- */

typedef struct font_file {
    char *path;
    long index;     /* face in a collection (.ttc); 0 for a single font */
    void *map;
    size_t size;
    int refs;
    int bitmap;     /* fixed-strike (colour bitmap) font */
    TTF_Font *probe; /* bundled: one face per file, opened with it: which code
                      * points it has (the cmap does not depend on the size);
                      * lazy (system) files: the face, opened to draw, NULL
                      * while closed */
    int lazy;        /* a system file: coverage from charset, face on demand */
    void *charset;   /* lazy: fontconfig's FcCharSet of the face (a reference) */
    uint64_t last_use;
    struct font_file *map_owner; /* another face of the same file whose mapping
                                  * this one uses (a reference), or NULL */
    int weight;     /* fontconfig weight (FC_WEIGHT_*) of a system face, 0 for bundled */
    int synth_logged; /* "synthetic bold" logged for this file */
    /* The probe doubles as the face every chain that uses this file as a
     * fallback draws with: sized (TTF_SetFontSize) and styled for the chain
     * that draws next, so a fallback costs one FreeType face and one HarfBuzz
     * font however many sizes are open (a CJK face's tables are megabytes). */
    int shared_users, shared_px, shared_style;
    struct font_file *next;
} font_file;

/* Face index of the file at path, mapped and probed on first use; a reference
 * either way.  CRIER_ERR_INVAL, CRIER_ERR_NOTFOUND, CRIER_ERR_IO, CRIER_ERR_PARSE
 * (not a font), CRIER_ERR_NOMEM. */
crier_err crier_fontfile_ref(const char *path, long index, font_file **out);
/* The same for a system face whose coverage fontconfig knows (charset, an
 * FcCharSet, copied) and whose face opens only to draw. */
crier_err crier_fontfile_ref_lazy(const char *path, long index, void *charset, int bitmap, font_file **out);
/* 1 when the file has a glyph for cp. */
int crier_fontfile_has(const font_file *f, uint32_t cp);
/* One more reference to f. */
void crier_fontfile_addref(font_file *f);
/* Drops the pages of every mapped font file from this process's resident set
 * (MADV_DONTNEED on a clean read-only mapping: they stay in the page cache and
 * come back on the next access, a minor fault).  FreeType reads the tables it
 * parses once at open and HarfBuzz copies the ones it shapes with, so most
 * resident pages of a 20 MB CJK collection are cold after a text is drawn. */
void crier_fontfile_trim(void);
/* Drops a reference; the last one unmaps the file.  NULL-safe. */
void crier_fontfile_unref(font_file *f);
/* A new face of the file at ptsize (0: a strike font's own size); NULL on failure. */
TTF_Font *crier_fontfile_open_face(font_file *f, int ptsize);
/* The file's shared face at ptsize, one more user; NULL if it cannot open.
 * Select before every use (a lazy face may have been closed meanwhile: use
 * the pointer select returns); release once per acquire. */
TTF_Font *crier_fontfile_face_acquire(font_file *f, int ptsize);
TTF_Font *crier_fontfile_face_select(font_file *f, int ptsize, int style);
void crier_fontfile_face_release(font_file *f);

/* ---- chains (fontchain.c) ---- */

/* System faces of at least this fontconfig weight (FC_WEIGHT_DEMIBOLD) are
 * bold cuts. */
#define FONTSYS_WEIGHT_BOLD 180

/* ---- system fonts (fontsys.c): fontconfig, after the bundled faces ---- */

/* Reference-counted by the chains: the registry lives while a chain does. */
void crier_fontsys_acquire(void);
void crier_fontsys_release(void);
/* Finds the regional CJK faces (regular and bold) now, so a first Chinese or
 * Korean alert asks fontconfig nothing; their faces stay closed. */
void crier_fontsys_prewarm(void);
/* Between texts: fontconfig's configuration (1.7 MB) is let go; the next miss
 * loads it again (10 ms).  The faces found stay. */
void crier_fontsys_idle(void);
/* An installed face that has cp, chosen for the Han class han (crier_han; its
 * language only matters for Han, kana, Hangul and CJK punctuation) and the
 * weight; NULL if none (or CRIER_SYSTEM_FONTS=0).  Borrowed: the registry
 * holds a reference until the last release; a chain that keeps it takes its
 * own (crier_fontfile_addref). */
font_file *crier_fontsys_find(uint32_t cp, int han, int bold);
/* Han, kana, Hangul, CJK punctuation and full-width forms: the code points whose
 * glyph forms differ by region. */
int crier_fontchain__is_han_cp(uint32_t cp);

/* Room for the bundled files and the system faces a chain adds. */
#define CHAIN_MAX_FONTS 32

typedef struct chain_font {
    font_file *file;
    int cjk;        /* a bundled CJK face (Japanese forms) */
    int sys_han;    /* a system face: the Han class it was found for; -1 bundled */
    int no_bold_up; /* no system bold cut found for a code point of this face */
    int shared;     /* font is the file's shared face (fallbacks: every font but the first) */
    int style;      /* TTF style this chain draws it with */
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
    chain_font fonts[CHAIN_MAX_FONTS];
    size_t nfonts;
    size_t nbundled; /* fonts[0..nbundled) are the bundled files */
    int px, bold;
    int han;         /* crier_han of the lines measured and drawn now */
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
