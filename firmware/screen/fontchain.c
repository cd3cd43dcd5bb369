/* fontchain.c - a font fallback chain with bidi and per-run shaping on SDL2_ttf.
 *
 * Design
 * ------
 * Files (fontfile.c).  Every font file is mmap()ed once per process and shared by all chains
 * (a reference-counted list, render thread only) with one small "probe" face
 * that answers which code points the file has (the cmap does not depend on the
 * size).  A chain opens its own TTF_Font per file, at its size, only when a line
 * first needs that file (Latin text: the primary font alone), with
 * TTF_OpenFontRW(SDL_RWFromConstMem(map)), so FreeType reads the glyphs it needs
 * from the page cache: resident memory grows with the glyphs used, not with the
 * file sizes (the emoji font is 11 MB of PNG strikes).
 * A file whose height does not change with the requested size is a fixed-strike
 * bitmap font (Noto Color Emoji: one 109 ppem CBDT strike); SDL2_ttf draws it at
 * its strike and the chain scales the run down (area averaging) to the chain's
 * pixel size.
 *
 * Lines.  layout_line() turns one line of UTF-8 into runs:
 *   1. decode to code points (invalid -> U+FFFD, controls -> space);
 *   2. FriBidi resolves embedding levels (rules P2..I2, brackets), L1 resets
 *      trailing whitespace to the paragraph level;
 *   3. each "strong" code point gets the first font that provides it (an emoji
 *      followed by U+FE0F prefers the colour font, U+FE0E skips it); combining
 *      marks, joiners, variation selectors and emoji modifiers stay with the font
 *      of their base; spaces and punctuation stay with the previous font if it has
 *      them, else take the next one's; a code point no font has is counted as
 *      missing and drawn with the first font (.notdef);
 *   4. a script (ISO 15924) per code point, inherited by common characters;
 *   5. runs = maximal spans of equal (font, level, script); their visual order
 *      follows rule L2 (reverse runs at each level >= the lowest odd level).
 * Each run is shaped by HarfBuzz inside SDL2_ttf with TTF_SetFontScriptName() and
 * TTF_SetFontDirection() (RTL for odd levels, so HarfBuzz returns the run's
 * glyphs in visual order), then the run surfaces are composited side by side on
 * a shared baseline with straight-alpha "over" (SDL's blit onto a transparent
 * surface would darken antialiased edges): fontraster.c.
 *
 * Scratch arrays live in the chain and only grow, so measuring during word
 * wrapping does not allocate. */
#include "screen/fontchain_int.h"

#include "base/log.h"
#include "base/utf8.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Noto Color Emoji's line height is 1.17 em; we scale its strike so that an
 * emoji is 1 em tall-ish, matching the text around it. */
#define BITMAP_HEIGHT_PER_EM 1.17

/* ---------------------------------------------------------------- missing glyphs */

#define MISSING_SLOTS 1024 /* distinct code points remembered (and logged) */

static uint32_t g_missing_set[MISSING_SLOTS]; /* 0 = empty; stores cp + 1 */
static size_t g_missing_distinct;

/* Returns 1 the first time cp is seen. */
static int missing_note(uint32_t cp)
{
    uint32_t key = cp + 1, h = (cp * 2654435761u) % MISSING_SLOTS;
    for (size_t i = 0; i < MISSING_SLOTS; i++, h = (h + 1) % MISSING_SLOTS) {
        if (g_missing_set[h] == key)
            return 0;
        if (g_missing_set[h] == 0) {
            g_missing_set[h] = key;
            g_missing_distinct++;
            return 1;
        }
    }
    g_missing_distinct++; /* table full: count, stay quiet */
    return 0;
}

size_t crier_fontchain_missing_count(void)
{
    return g_missing_distinct;
}

void crier_fontchain_missing_reset(void)
{
    memset(g_missing_set, 0, sizeof g_missing_set);
    g_missing_distinct = 0;
}

/* ---------------------------------------------------------------- lines */

static int provides(const crier_fontchain *fc, int i, uint32_t cp)
{
    return !fc->fonts[i].failed && crier_fontfile_has(fc->fonts[i].file, cp);
}

/* Font i may draw cp in this chain's Han class: a system face found for
 * another language does not draw Han (its forms are that region's), nor, when
 * skip_cjk, the bundled (Japanese) one. */
static int han_ok(const crier_fontchain *fc, int i, uint32_t cp, int skip_cjk)
{
    const chain_font *cf = &fc->fonts[i];
    if ((cf->sys_han < 0 || cf->sys_han == fc->han) && !(skip_cjk && cf->cjk))
        return 1;
    return !crier_fontchain__is_han_cp(cp);
}

/* First font providing cp; emoji presentation selects or skips bitmap fonts. */
static int pick_font_in(const crier_fontchain *fc, uint32_t cp, uint32_t next, int skip_cjk)
{
    int want_color = next == 0xFE0F, want_text = next == 0xFE0E;
    if (want_color)
        for (size_t i = 0; i < fc->nfonts; i++)
            if (fc->fonts[i].file->bitmap && provides(fc, (int)i, cp))
                return (int)i;
    for (size_t i = 0; i < fc->nfonts; i++) {
        if (want_text && fc->fonts[i].file->bitmap)
            continue;
        if (han_ok(fc, (int)i, cp, skip_cjk) && provides(fc, (int)i, cp))
            return (int)i;
    }
    if (want_text)
        return pick_font_in(fc, cp, 0, skip_cjk);
    return -1;
}

/* The chain's index of system face ff (appended on first use); -1 when the
 * chain is full or the face failed to open here. */
static int chain_add(crier_fontchain *fc, font_file *ff, int han)
{
    for (size_t i = fc->nbundled; i < fc->nfonts; i++)
        if (fc->fonts[i].file == ff && fc->fonts[i].sys_han == han)
            return fc->fonts[i].failed ? -1 : (int)i;
    if (fc->nfonts == CHAIN_MAX_FONTS)
        return -1;
    crier_fontfile_addref(ff);
    chain_font *cf = &fc->fonts[fc->nfonts];
    memset(cf, 0, sizeof *cf);
    cf->file = ff;
    cf->sys_han = han;
    cf->real_bold = ff->weight >= FONTSYS_WEIGHT_BOLD;
    cf->scale = 1.0;
    return (int)fc->nfonts++;
}

/* A system face for cp in the chain (see fontsys.c); -1 if none. */
static int sys_font(crier_fontchain *fc, uint32_t cp, int han, int bold)
{
    font_file *ff = crier_fontsys_find(cp, han, bold);
    return ff ? chain_add(fc, ff, han) : -1;
}

/* The font for a letter, digit or pictograph: the bundled files in order, then
 * the system's.  Han in a language with its own forms asks the system first;
 * a bold chain prefers a system bold cut over emboldening a regular face. */
static int pick_font(crier_fontchain *fc, uint32_t cp, uint32_t next)
{
    if (crier_fontscript_ignorable(cp))
        return pick_font_in(fc, cp, next, 0); /* drawn as nothing: never worth a lookup */
    int han = crier_fontchain__is_han_cp(cp) ? fc->han : CRIER_HAN_AUTO;
    int regional = han != CRIER_HAN_AUTO && han != CRIER_HAN_JA;
    if (regional || (han == CRIER_HAN_JA && fc->bold)) {
        int f = sys_font(fc, cp, han, fc->bold);
        if (f >= 0 && (!fc->bold || fc->fonts[f].real_bold || regional))
            return f;
    }
    int f = pick_font_in(fc, cp, next, regional);
    if (f < 0 && regional)
        f = pick_font_in(fc, cp, next, 0); /* no regional face installed: the bundled one */
    if (f >= 0 && fc->bold && !fc->fonts[f].real_bold && !fc->fonts[f].file->bitmap &&
        !fc->fonts[f].no_bold_up) {
        int bhan = han == CRIER_HAN_AUTO && fc->fonts[f].cjk ? CRIER_HAN_JA : han;
        int g = sys_font(fc, cp, bhan, 1);
        if (g >= 0 && fc->fonts[g].real_bold)
            return g;
        fc->fonts[f].no_bold_up = 1; /* this face's script has no bold cut installed */
    }
    if (f < 0)
        f = sys_font(fc, cp, han, fc->bold);
    return f;
}

static crier_err reserve(crier_fontchain *fc, size_t n)
{
    if (n <= fc->cap)
        return CRIER_OK;
    size_t cap = fc->cap ? fc->cap : 64;
    while (cap < n)
        cap *= 2;
#define GROW(field)                                                                        \
    do {                                                                                   \
        void *p_ = realloc(fc->field, cap * sizeof *fc->field);                            \
        if (!p_)                                                                           \
            return CRIER_ERR_NOMEM;                                                        \
        fc->field = p_;                                                                    \
    } while (0)
    GROW(cps);
    GROW(types);
    GROW(brackets);
    GROW(levels);
    GROW(font_of);
    GROW(script_of);
    GROW(runs);
    GROW(order);
#undef GROW
    fc->cap = cap;
    return CRIER_OK;
}

/* Decodes text into fc->cps; returns the count via *n. */
static crier_err decode_line(crier_fontchain *fc, const char *text, size_t len, size_t *n)
{
    size_t pos = 0, k = 0;
    crier_err err;
    while (pos < len) {
        if (k >= CRIER_FONTCHAIN_MAX_CPS)
            return CRIER_ERR_LIMIT;
        if ((err = reserve(fc, k + 1)) != CRIER_OK)
            return err;
        uint32_t cp = crier_utf8_next(text, len, &pos);
        if (cp == CRIER_UTF8_INVALID)
            cp = CRIER_UTF8_REPLACEMENT;
        else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            cp = ' ';
        fc->cps[k++] = cp;
    }
    if ((err = reserve(fc, k + 1)) != CRIER_OK)
        return err;
    *n = k;
    return CRIER_OK;
}

static FriBidiParType par_type(crier_text_dir dir)
{
    return dir == CRIER_DIR_RTL ? FRIBIDI_PAR_RTL
           : dir == CRIER_DIR_LTR ? FRIBIDI_PAR_LTR
                                  : FRIBIDI_PAR_ON;
}

static int note_missing(uint32_t cp, int *missing)
{
    (*missing)++;
    if (missing_note(cp))
        LOG_WARN(COMP, "no font provides U+%04X; it will show as a box", (unsigned)cp);
    return 0; /* drawn with the first font: its .notdef */
}

/* First font providing cp, text (outline) fonts first; -1 if none. */
static int pick_text_font(crier_fontchain *fc, uint32_t cp)
{
    return pick_font(fc, cp, 0xFE0E);
}

#define FO_NEUTRAL (-2) /* space/punctuation: decided by neighbours */
#define FO_EXTEND (-3)  /* mark/joiner/selector: follows its base */

static void assign_fonts(crier_fontchain *fc, size_t n, int *missing)
{
    const uint32_t *cps = fc->cps;
    signed char *fo = fc->font_of;
    /* pass 1: letters, digits and pictographs pick the first font that has them */
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = cps[i], next = i + 1 < n ? cps[i + 1] : 0;
        FriBidiCharType t = fc->types[i];
        if (i > 0 && crier_fontscript_extender(cp, t)) {
            fo[i] = FO_EXTEND;
            continue;
        }
        if ((crier_fontscript_neutral(t) || crier_fontscript_ignorable(cp)) && !crier_fontscript_pictographic(cp) && next != 0xFE0F) {
            fo[i] = FO_NEUTRAL;
            continue;
        }
        int f = pick_font(fc, cp, next);
        fo[i] = (signed char)(f >= 0 ? f : note_missing(cp, missing));
    }
    /* pass 2, left to right so fo[i - 1] is always final */
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = cps[i];
        int prev = i > 0 ? fo[i - 1] : -1, f = -1;
        if (fo[i] == FO_EXTEND) {
            if (prev >= 0 && (provides(fc, prev, cp) || crier_fontscript_ignorable(cp)))
                f = prev;
            else if ((f = pick_font(fc, cp, 0)) < 0)
                f = crier_fontscript_ignorable(cp) ? (prev >= 0 ? prev : 0) : note_missing(cp, missing);
            /* ZWJ inside an emoji sequence pulls the next pictograph into the
             * colour font even when a text font has a plain glyph for it */
            if (cp == 0x200D && i + 1 < n && fc->fonts[f].file->bitmap &&
                crier_fontscript_pictographic(cps[i + 1]) && provides(fc, f, cps[i + 1]))
                fo[i + 1] = (signed char)f;
            fo[i] = (signed char)f;
            continue;
        }
        if (fo[i] != FO_NEUTRAL)
            continue;
        /* spaces and punctuation keep the font of the text before them, but never
         * a bitmap emoji font (its space is an emoji wide) */
        if (prev >= 0 && !fc->fonts[prev].file->bitmap && provides(fc, prev, cp))
            f = prev;
        if (f < 0) {
            size_t j = i + 1;
            while (j < n && fo[j] < 0)
                j++;
            if (j < n && !fc->fonts[fo[j]].file->bitmap && provides(fc, fo[j], cp))
                f = fo[j];
        }
        if (f < 0)
            f = pick_text_font(fc, cp);
        if (f < 0)
            f = crier_fontscript_ignorable(cp) ? (prev >= 0 ? prev : 0) : note_missing(cp, missing);
        fo[i] = (signed char)f;
    }
}

static void assign_scripts(crier_fontchain *fc, size_t n)
{
    unsigned char *so = fc->script_of;
    for (size_t i = 0; i < n; i++)
        so[i] = (unsigned char)crier_fontscript_group(crier_fontscript_of(fc->cps[i], fc->types[i]));
    /* common/inherited take the previous real script, leading ones the next */
    int prev = -1;
    for (size_t i = 0; i < n; i++) {
        if (so[i] != CRIER_SC_COMMON && so[i] != CRIER_SC_INHERITED)
            prev = so[i];
        else if (prev >= 0)
            so[i] = (unsigned char)prev;
    }
    int next = CRIER_SC_COMMON;
    for (size_t i = n; i-- > 0;) {
        if (so[i] == CRIER_SC_INHERITED || so[i] == CRIER_SC_COMMON)
            so[i] = (unsigned char)next;
        else
            next = so[i];
    }
}

/* Runs in logical order, then fc->order[] = their visual order (rule L2). */
static void build_runs(crier_fontchain *fc, size_t n)
{
    size_t nr = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && fc->font_of[j] == fc->font_of[i] && fc->levels[j] == fc->levels[i] &&
               (fc->script_of[j] == fc->script_of[i] || fc->font_of[i] < 0 ||
                fc->fonts[(int)fc->font_of[i]].file->bitmap))
            j++;
        run *r = &fc->runs[nr++];
        memset(r, 0, sizeof *r);
        r->start = i;
        r->end = j;
        r->font = fc->font_of[i];
        r->level = fc->levels[i];
        r->script = fc->script_of[i];
        i = j;
    }
    fc->nruns = nr;
    int maxl = 0, minodd = INT_MAX;
    for (size_t k = 0; k < nr; k++) {
        fc->order[k] = (int)k;
        if (fc->runs[k].level > maxl)
            maxl = fc->runs[k].level;
        if ((fc->runs[k].level & 1) && fc->runs[k].level < minodd)
            minodd = fc->runs[k].level;
    }
    for (int l = maxl; l >= minodd && l > 0; l--) {
        for (size_t k = 0; k < nr;) {
            if (fc->runs[fc->order[k]].level < l) {
                k++;
                continue;
            }
            size_t e = k;
            while (e < nr && fc->runs[fc->order[e]].level >= l)
                e++;
            for (size_t a = k, b = e - 1; a < b; a++, b--) {
                int t = fc->order[a];
                fc->order[a] = fc->order[b];
                fc->order[b] = t;
            }
            k = e;
        }
    }
}


/* Opens font i of the chain at the chain's size (once).  A file whose face
 * cannot be opened at this size is marked failed: 0 is returned and its code
 * points go to the next font that has them. */
static int face_open(crier_fontchain *fc, size_t i)
{
    chain_font *cf = &fc->fonts[i];
    if (cf->font)
        return 1;
    if (cf->failed)
        return 0;
    font_file *ff = cf->file;
    int ptsize = ff->bitmap ? 0 : fc->px;
    /* the primary font is the chain's own (line metrics, most text); the
     * fallbacks are shared with the other sizes */
    TTF_Font *font = i == 0 ? crier_fontfile_open_face(ff, ptsize) : crier_fontfile_face_acquire(ff, ptsize);
    if (!font) {
        LOG_WARN(COMP, "font %s at %dpx skipped: %s", ff->path, fc->px, TTF_GetError());
        cf->failed = 1;
        return 0;
    }
    cf->font = font;
    cf->shared = i != 0;
    cf->scale = 1.0;
    cf->style = TTF_STYLE_NORMAL;
    if (!ff->bitmap && fc->bold && !cf->real_bold) {
        cf->style = TTF_STYLE_BOLD; /* synthetic emboldening: the last resort */
        if (!ff->synth_logged++)
            LOG_INFO(COMP, "no bold cut of %s installed: bold is synthesised", ff->path);
    }
    if (cf->shared)
        crier_fontfile_face_select(ff, ptsize, cf->style);
    else
        TTF_SetFontStyle(font, cf->style);
    if (ff->bitmap) {
        double target = fc->px * BITMAP_HEIGHT_PER_EM;
        cf->scale = target / TTF_FontHeight(font);
        if (cf->scale > 1.0)
            cf->scale = 1.0; /* never upscale a bitmap: blurry; rare at kiosk sizes */
    }
    cf->ascent = scaled(TTF_FontAscent(font), cf->scale);
    cf->descent = scaled(-TTF_FontDescent(font), cf->scale);
    return 1;
}

/* Every font the line uses is open; one that cannot be gives way (rare: its
 * file opened at start-up). */
static void open_used_faces(crier_fontchain *fc, size_t n, int *missing)
{
    for (size_t i = 0; i < n; i++) {
        int f = fc->font_of[i];
        if (f > 0 && !face_open(fc, (size_t)f)) {
            assign_fonts(fc, n, missing); /* provides() now skips it */
            i = (size_t)-1;
        }
    }
}

static crier_err layout_line(crier_fontchain *fc, const char *text, size_t len,
                             crier_text_dir dir, int *rtl, int *missing)
{
    size_t n = 0;
    crier_err err = decode_line(fc, text, len, &n);
    if (err != CRIER_OK)
        return err;
    *missing = 0;
    fc->nruns = 0;
    FriBidiParType par = par_type(dir);
    if (n == 0) {
        *rtl = dir == CRIER_DIR_RTL;
        return CRIER_OK;
    }
    fribidi_get_bidi_types(fc->cps, (FriBidiStrIndex)n, fc->types);
    fribidi_get_bracket_types(fc->cps, (FriBidiStrIndex)n, fc->types, fc->brackets);
    if (!fribidi_get_par_embedding_levels_ex(fc->types, fc->brackets, (FriBidiStrIndex)n, &par,
                                             fc->levels)) {
        LOG_WARN(COMP, "fribidi failed on a line of %zu code points", n);
        return CRIER_ERR_NOMEM;
    }
    *rtl = FRIBIDI_IS_RTL(par) ? 1 : 0;
    /* L1: trailing whitespace and isolate/format characters -> paragraph level */
    FriBidiLevel base = (FriBidiLevel)(*rtl ? 1 : 0);
    for (size_t i = n; i-- > 0;) {
        FriBidiCharType t = fc->types[i];
        if (t != FRIBIDI_TYPE_WS && t != FRIBIDI_TYPE_BN && t != FRIBIDI_TYPE_SS &&
            t != FRIBIDI_TYPE_BS && !FRIBIDI_IS_ISOLATE(t) && !FRIBIDI_IS_EXPLICIT(t))
            break;
        fc->levels[i] = base;
    }
    assign_fonts(fc, n, missing);
    open_used_faces(fc, n, missing);
    assign_scripts(fc, n);
    build_runs(fc, n);
    return CRIER_OK;
}

crier_err crier_fontchain__run_utf8(crier_fontchain *fc, const run *r)
{
    size_t need = (r->end - r->start) * 4 + 1;
    if (need > fc->utf8_cap) {
        char *p = realloc(fc->utf8, need);
        if (!p)
            return CRIER_ERR_NOMEM;
        fc->utf8 = p;
        fc->utf8_cap = need;
    }
    size_t o = 0;
    for (size_t i = r->start; i < r->end; i++)
        o += crier_utf8_encode(fc->cps[i], fc->utf8 + o);
    fc->utf8[o] = '\0';
    return CRIER_OK;
}

void crier_fontchain__run_prepare(crier_fontchain *fc, const run *r)
{
    chain_font *cf = &fc->fonts[r->font];
    if (cf->shared) {
        /* a system face may have been closed and opened again since */
        TTF_Font *now = crier_fontfile_face_select(cf->file, cf->file->bitmap ? 0 : fc->px, cf->style);
        cf->font = now ? now : fc->fonts[0].font; /* cannot reopen: .notdef of the first font */
    }
    TTF_Font *f = cf->font;
    TTF_SetFontDirection(f, (r->level & 1) ? TTF_DIRECTION_RTL : TTF_DIRECTION_LTR);
    TTF_SetFontScriptName(f, crier_fontscript_tag[r->script]);
}

/* Measures every run and the whole line. */
static crier_err measure_runs(crier_fontchain *fc, crier_text_metrics *m)
{
    int w = 0, asc = 0, desc = 0;
    for (size_t k = 0; k < fc->nruns; k++) {
        run *r = &fc->runs[k];
        const chain_font *cf = &fc->fonts[r->font];
        crier_err err = crier_fontchain__run_utf8(fc, r);
        if (err != CRIER_OK)
            return err;
        crier_fontchain__run_prepare(fc, r);
        int rw = 0, rh = 0;
        if (TTF_SizeUTF8(cf->font, fc->utf8, &rw, &rh) != 0) {
            LOG_WARN(COMP, "TTF_SizeUTF8: %s", TTF_GetError());
            return CRIER_ERR_SDL;
        }
        r->w = scaled(rw, cf->scale);
        r->h = scaled(rh, cf->scale);
        r->ascent = cf->ascent;
        if (r->h - r->ascent < cf->descent)
            r->h = r->ascent + cf->descent;
        w += r->w;
        if (r->ascent > asc)
            asc = r->ascent;
        if (r->h - r->ascent > desc)
            desc = r->h - r->ascent;
    }
    if (fc->nruns == 0) {
        asc = fc->fonts[0].ascent;
        desc = fc->fonts[0].descent;
    }
    m->w = w;
    m->h = asc + desc;
    m->ascent = asc;
    m->runs = (int)fc->nruns;
    return CRIER_OK;
}

crier_err crier_fontchain_measure(crier_fontchain *fc, const char *text, size_t len,
                                  crier_text_dir dir, crier_text_metrics *m)
{
    if (!fc || !m || (!text && len))
        return CRIER_ERR_INVAL;
    memset(m, 0, sizeof *m);
    if (!text)
        text = "";
    if (len == SIZE_MAX)
        len = strlen(text);
    crier_err err = layout_line(fc, text, len, dir, &m->rtl, &m->missing);
    if (err != CRIER_OK)
        return err;
    return measure_runs(fc, m);
}

int crier_fontchain_width(const char *text, size_t len, void *ud)
{
    crier_fontchain *fc = ud;
    crier_text_metrics m;
    return crier_fontchain_measure(fc, text, len, CRIER_DIR_AUTO, &m) == CRIER_OK ? m.w : 0;
}

crier_text_dir crier_fontchain_direction(const char *text, size_t len)
{
    if (!text)
        return CRIER_DIR_LTR;
    if (len == SIZE_MAX)
        len = strlen(text);
    size_t pos = 0;
    int isolate = 0;
    while (pos < len) {
        uint32_t cp = crier_utf8_next(text, len, &pos);
        if (cp == CRIER_UTF8_INVALID)
            continue;
        FriBidiCharType t = fribidi_get_bidi_type(cp);
        if (t == FRIBIDI_TYPE_LRI || t == FRIBIDI_TYPE_RLI || t == FRIBIDI_TYPE_FSI)
            isolate++;
        else if (t == FRIBIDI_TYPE_PDI && isolate > 0)
            isolate--;
        else if (isolate == 0 && FRIBIDI_IS_LETTER(t))
            return FRIBIDI_IS_RTL(t) ? CRIER_DIR_RTL : CRIER_DIR_LTR;
    }
    return CRIER_DIR_LTR;
}

/* ---------------------------------------------------------------- open/free */

/* dir/name, or dir/name with "-Regular." replaced by "-Bold." when bold and
 * that file exists (*real_bold = 1). */
static char *font_path(const char *dir, const char *name, int bold, int *real_bold)
{
    *real_bold = 0;
    size_t need = strlen(dir) + strlen(name) + 8;
    char *p = malloc(need);
    if (!p)
        return NULL;
    const char *reg = bold ? strstr(name, "-Regular.") : NULL;
    if (reg) {
        snprintf(p, need, "%s/%.*s-Bold.%s", dir, (int)(reg - name), name,
                 reg + strlen("-Regular."));
        if (access(p, R_OK) == 0) {
            *real_bold = 1;
            return p;
        }
    }
    snprintf(p, need, "%s/%s", dir, name);
    return p;
}

crier_err crier_fontchain_open(const char *dir, const char *const *files, size_t nfiles,
                               int px, int bold, crier_fontchain **out)
{
    if (out)
        *out = NULL;
    if (!dir || !files || !out || nfiles == 0 || nfiles > CRIER_FONTCHAIN_MAX_FONTS || px < 1 ||
        px > CRIER_FONTCHAIN_MAX_PX)
        return CRIER_ERR_INVAL;
    if (!TTF_WasInit()) {
        LOG_ERROR(COMP, "crier_fontchain_open before TTF_Init()");
        return CRIER_ERR_SDL;
    }
    crier_fontchain *fc = calloc(1, sizeof *fc);
    if (!fc)
        return CRIER_ERR_NOMEM;
    crier_fontsys_acquire(); /* released by crier_fontchain_free */
    fc->px = px;
    fc->bold = bold ? 1 : 0;
    crier_err err = CRIER_OK;
    for (size_t i = 0; i < nfiles; i++) {
        if (!files[i])
            continue;
        int real_bold = 0;
        char *path = font_path(dir, files[i], fc->bold, &real_bold);
        if (!path) {
            err = CRIER_ERR_NOMEM;
            goto fail;
        }
        font_file *ff = NULL;
        crier_err ferr = crier_fontfile_ref(path, 0, &ff);
        if (ferr == CRIER_ERR_NOMEM) {
            free(path);
            err = ferr;
            goto fail;
        }
        if (ferr != CRIER_OK) {
            LOG_WARN(COMP, "font %s skipped: %s", path, crier_strerror(ferr));
            free(path);
            continue;
        }
        free(path);
        chain_font *cf = &fc->fonts[fc->nfonts];
        cf->file = ff;
        cf->real_bold = real_bold;
        cf->sys_han = -1;
        cf->cjk = strstr(files[i], "CJK") != NULL;
        cf->scale = 1.0;
        if (fc->nfonts == 0 && !face_open(fc, 0)) { /* the primary font: always open */
            crier_fontfile_unref(ff);
            memset(cf, 0, sizeof *cf);
            continue;
        }
        fc->nfonts++;
    }
    fc->nbundled = fc->nfonts;
    if (fc->nfonts == 0) {
        LOG_ERROR(COMP, "no usable font in %s", dir);
        err = CRIER_ERR_NOTFOUND;
        goto fail;
    }
    if ((err = reserve(fc, 256)) != CRIER_OK)
        goto fail;
    *out = fc;
    return CRIER_OK;
fail:
    crier_fontchain_free(fc);
    return err;
}

void crier_fontchain_free(crier_fontchain *fc)
{
    if (!fc)
        return;
    for (size_t i = 0; i < fc->nfonts; i++) {
        if (fc->fonts[i].font && fc->fonts[i].shared)
            crier_fontfile_face_release(fc->fonts[i].file);
        else if (fc->fonts[i].font)
            TTF_CloseFont(fc->fonts[i].font);
        crier_fontfile_unref(fc->fonts[i].file);
    }
    free(fc->cps);
    free(fc->types);
    free(fc->brackets);
    free(fc->levels);
    free(fc->font_of);
    free(fc->script_of);
    free(fc->runs);
    free(fc->order);
    free(fc->utf8);
    free(fc);
    crier_fontsys_release();
}

void crier_fontchain_trim(void)
{
    /* the shared fallback faces' glyph caches (a text block is drawn once
     * into a texture), the font pages, fontconfig's configuration; the
     * chains' own primary faces keep theirs (Latin glyphs are drawn again
     * and again, and flushing them saved nothing measurable) */
    crier_fontfile_trim();
    crier_fontsys_idle();
}

void crier_fontchain_prewarm(void)
{
    crier_fontsys_prewarm();
}

void crier_fontchain_set_han(crier_fontchain *fc, crier_han han)
{
    if (fc)
        fc->han = han >= CRIER_HAN_AUTO && han <= CRIER_HAN_KO ? (int)han : CRIER_HAN_AUTO;
}

int crier_fontchain_px(const crier_fontchain *fc)
{
    return fc ? fc->px : 0;
}

int crier_fontchain_bold(const crier_fontchain *fc)
{
    return fc ? fc->bold : 0;
}

int crier_fontchain_line_height(const crier_fontchain *fc)
{
    return fc ? TTF_FontLineSkip(fc->fonts[0].font) : 0;
}

int crier_fontchain_ascent(const crier_fontchain *fc)
{
    return fc ? fc->fonts[0].ascent : 0;
}

size_t crier_fontchain_font_count(const crier_fontchain *fc)
{
    return fc ? fc->nfonts : 0;
}

size_t crier_fontchain_faces_open(const crier_fontchain *fc)
{
    size_t n = 0;
    for (size_t i = 0; fc && i < fc->nfonts; i++)
        n += fc->fonts[i].font != NULL;
    return n;
}