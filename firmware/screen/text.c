/* text.c - fonts, measuring, and text rendered once into cached textures.
 *
 * Fonts: a fallback chain per (size, weight) opened on demand (fontchain.c:
 * every script, shaping, bidi).  A text block (wrapped lines, ellipsis) becomes one texture; the
 * cache keeps recently used blocks keyed by text + style, so a static screen
 * re-renders nothing (crier_text_renders() proves it). */
#include "base/log.h"
#include "screen/wrap.h"
#include "screen/fontchain.h"
#include "screen/internal.h"
#include "screen/measure.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A chain per (size, weight), opened on demand; the font files themselves are
 * mapped once and shared by every chain (fontchain.c).  A chain opens only the
 * faces its texts need (Latin text: one), so a chain costs its glyph cache and
 * one or two FreeType faces; the least recently used goes when MAX_OPEN_CHAINS
 * are open.  Pinned chains (the alert's sizes) never go: an alert must not
 * wait for fonts or glyphs. */
#define MAX_OPEN_CHAINS 16
#define MAX_PINNED_CHAINS 8
typedef struct open_chain {
    int px, bold;
    crier_fontchain *chain;
    uint64_t last_use;
    int pinned;
} open_chain;

struct crier_fonts {
    char *dir;
    open_chain open[MAX_OPEN_CHAINS];
    int n_open;
    uint64_t tick;
};

static atomic_uint_fast64_t text_render_count;
static crier_fontchain *fonts_chain(crier_fonts *f, int px, int bold);

uint64_t crier_text_renders(void)
{
    return atomic_load(&text_render_count);
}

crier_fonts *crier_fonts_open(const char *dir)
{
    crier_fonts *f = SDL_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->dir = SDL_strdup(dir);
    /* Open one chain now: a missing or corrupt primary font fails start-up
     * with a clear message instead of the first frame. */
    if (!f->dir || !crier_fonts_chain(f, 32, 0)) {
        LOG_ERROR("text", "cannot open the fonts in '%s'", dir);
        crier_fonts_close(f);
        return NULL;
    }
    return f;
}

void crier_fonts_close(crier_fonts *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n_open; i++)
        crier_fontchain_free(f->open[i].chain);
    SDL_free(f->dir);
    SDL_free(f);
}

crier_fontchain *crier_fonts_chain(crier_fonts *f, int px, int bold)
{
    crier_fontchain *fc = fonts_chain(f, px, bold);
    crier_fontchain_set_han(fc, CRIER_HAN_AUTO); /* the caller sets the text's language */
    return fc;
}

static crier_fontchain *fonts_chain(crier_fonts *f, int px, int bold)
{
    static const char *const files[] = CRIER_FONTCHAIN_DEFAULT_FILES;
    if (px < 4)
        px = 4;
    if (px > CRIER_FONTCHAIN_MAX_PX)
        px = CRIER_FONTCHAIN_MAX_PX;
    f->tick++;
    int lru = -1;
    for (int i = 0; i < f->n_open; i++) {
        if (f->open[i].px == px && f->open[i].bold == bold) {
            f->open[i].last_use = f->tick;
            return f->open[i].chain;
        }
        if (!f->open[i].pinned && (lru < 0 || f->open[i].last_use < f->open[lru].last_use))
            lru = i;
    }
    crier_fontchain *chain = NULL;
    Uint64 t0 = SDL_GetPerformanceCounter();
    crier_err rc = crier_fontchain_open(f->dir, files, CRIER_FONTCHAIN_DEFAULT_COUNT, px, bold, &chain);
    LOG_DEBUG("text", "opened the %dpx%s font chain in %.1f ms", px, bold ? " bold" : "",
              (double)(SDL_GetPerformanceCounter() - t0) * 1000.0 / (double)SDL_GetPerformanceFrequency());
    if (rc != CRIER_OK) {
        LOG_ERROR("text", "cannot open fonts at %dpx: %s", px, crier_strerror(rc));
        return NULL;
    }
    int slot = lru;
    if (f->n_open < MAX_OPEN_CHAINS)
        slot = f->n_open++;
    else
        crier_fontchain_free(f->open[slot].chain); /* lru >= 0: pins are capped below the total */
    f->open[slot] = (open_chain){px, bold, chain, f->tick, 0};
    return chain;
}

int crier_fonts_pin(crier_fonts *f, int px, int bold)
{
    px = SDL_clamp(px, 4, CRIER_FONTCHAIN_MAX_PX); /* as crier_fonts_chain stores it */
    int pinned = 0;
    for (int i = 0; i < f->n_open; i++)
        pinned += f->open[i].pinned;
    if (!crier_fonts_chain(f, px, bold))
        return -1;
    for (int i = 0; i < f->n_open; i++) {
        open_chain *oc = &f->open[i];
        if (oc->px != px || oc->bold != bold || oc->pinned)
            continue;
        if (pinned >= MAX_PINNED_CHAINS) {
            LOG_WARN("text", "more than %d pinned font sizes; %dpx is not pinned", MAX_PINNED_CHAINS, px);
            return -1;
        }
        oc->pinned = 1;
    }
    return 0;
}

int crier_fonts_measure(crier_fonts *f, const char *s, int px, int bold)
{
    crier_fontchain *fc = crier_fonts_chain(f, px, bold);
    return fc && s[0] ? crier_fontchain_width(s, SIZE_MAX, fc) : 0;
}

int crier_fonts_line_height(crier_fonts *f, int px, int bold)
{
    crier_fontchain *fc = crier_fonts_chain(f, px, bold);
    return fc ? crier_fontchain_line_height(fc) : 0;
}

/* ---- text cache --------------------------------------------------------- */

typedef struct cache_entry {
    char *text;
    crier_text_style style;
    crier_text value;
    uint64_t last_use; /* cache tick of the last lookup */
} cache_entry;

/* Least-recently-used eviction once the cache holds `cap` entries or more than
 * CACHE_MAX_BYTES of texture memory. */
#define CACHE_MAX_BYTES (8u * 1024u * 1024u)

struct crier_text_cache {
    SDL_Renderer *renderer;
    crier_fonts *fonts;
    cache_entry *entries;
    int n, cap;
    size_t bytes;
    uint64_t tick;
};

crier_text_cache *crier_text_cache_new(SDL_Renderer *r, crier_fonts *f, int capacity)
{
    crier_text_cache *c = SDL_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->renderer = r;
    c->fonts = f;
    c->cap = capacity > 0 ? capacity : 128;
    c->entries = SDL_calloc((size_t)c->cap, sizeof *c->entries);
    if (!c->entries) {
        SDL_free(c);
        return NULL;
    }
    return c;
}

static void entry_clear(cache_entry *e)
{
    free(e->text);
    if (e->value.tex)
        SDL_DestroyTexture(e->value.tex);
    memset(e, 0, sizeof *e);
}

void crier_text_cache_free(crier_text_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++)
        entry_clear(&c->entries[i]);
    SDL_free(c->entries);
    SDL_free(c);
}

static void evict_lru(crier_text_cache *c)
{
    int victim = 0;
    for (int i = 1; i < c->n; i++)
        if (c->entries[i].last_use < c->entries[victim].last_use)
            victim = i;
    c->bytes -= (size_t)c->entries[victim].value.w * (size_t)c->entries[victim].value.h * 4u;
    entry_clear(&c->entries[victim]);
    c->entries[victim] = c->entries[c->n - 1];
    memset(&c->entries[c->n - 1], 0, sizeof c->entries[0]);
    c->n--;
}

/* Direction of each wrapped line: that of its paragraph (text between '\n's),
 * so an Arabic line in a Latin post is right-aligned.  When every paragraph
 * has the block's direction (the usual case) nothing is wrapped twice;
 * otherwise each paragraph is wrapped alone to learn how many lines it made
 * (crier_wrap breaks each paragraph of a text exactly as it would alone). */
static void line_directions(const char *s, int max_w, crier_fontchain *fc, crier_text_dir block,
                            crier_text_dir *dirs, int n_lines)
{
    for (int i = 0; i < n_lines; i++)
        dirs[i] = block;
    if (!strchr(s, '\n'))
        return;
    int mixed = 0;
    for (const char *p = s; *p && !mixed;) {
        size_t len = strcspn(p, "\n");
        if (len > 0 && crier_fontchain_direction(p, len) != block)
            mixed = 1;
        p += len + (p[len] == '\n');
    }
    if (!mixed)
        return;
    int line = 0;
    for (const char *p = s; *p && line < n_lines;) {
        size_t len = strcspn(p, "\n");
        crier_text_dir d = len > 0 ? crier_fontchain_direction(p, len) : block;
        int count = 1;
        if (len > 0) {
            char *par = strndup(p, len);
            crier_wrapped one;
            if (par && crier_wrap(par, max_w, 1 << 20, crier_fontchain_width, fc, &one) == CRIER_OK) {
                count = one.n_lines > 0 ? one.n_lines : 1;
                crier_wrapped_free(&one);
            }
            free(par);
        }
        for (int k = 0; k < count && line < n_lines; k++)
            dirs[line++] = d;
        p += len + (p[len] == '\n');
    }
}

/* Composite src over dst at (x, y), both ARGB8888 with straight alpha (the
 * "over" operator).  Lines of a block overlap where a tall line (Arabic,
 * Devanagari, emoji) reaches into its neighbour's descenders; a plain copy
 * would erase them and SDL's blend assumes an opaque destination. */
static void blit_over(SDL_Surface *src, SDL_Surface *dst, int x, int y, int fresh_from)
{
    int x0 = SDL_max(0, -x), y0 = SDL_max(0, -y);
    int x1 = SDL_min(src->w, dst->w - x), y1 = SDL_min(src->h, dst->h - y);
    for (int j = y0; j < y1; j++) {
        const Uint32 *sp = (const Uint32 *)((const Uint8 *)src->pixels + (size_t)j * (size_t)src->pitch);
        Uint32 *dp = (Uint32 *)((Uint8 *)dst->pixels + (size_t)(j + y) * (size_t)dst->pitch) + x;
        if (j + y >= fresh_from && x1 > x0) {
            /* nothing drawn on this row yet: "over" a transparent row is a copy */
            memcpy(dp + x0, sp + x0, (size_t)(x1 - x0) * sizeof *sp);
            continue;
        }
        for (int i = x0; i < x1; i++) {
            Uint32 sv = sp[i], sa = sv >> 24;
            if (sa == 0)
                continue;
            Uint32 dv = dp[i], da = dv >> 24;
            if (sa == 255 || da == 0) {
                dp[i] = sv;
                continue;
            }
            /* out_a = sa + da (1 - sa); out_c = (c_s sa + c_d da (1 - sa)) / out_a, in 0..255 units. */
            Uint32 dw = da * (255 - sa) / 255, oa = sa + dw;
            Uint32 out = oa << 24;
            for (int sh = 0; sh <= 16; sh += 8) {
                Uint32 c = (((sv >> sh) & 255) * sa + ((dv >> sh) & 255) * dw + oa / 2) / oa;
                out |= (c > 255 ? 255 : c) << sh;
            }
            dp[i] = out;
        }
    }
}

static int style_eq(const crier_text_style *a, const crier_text_style *b)
{
    return a->px == b->px && a->bold == b->bold && a->color.r == b->color.r && a->color.g == b->color.g &&
           a->color.b == b->color.b && a->color.a == b->color.a && a->max_width == b->max_width &&
           a->max_lines == b->max_lines && a->align == b->align && a->line_gap == b->line_gap && a->han == b->han;
}

/* Lays out s and either composes it into one texture (direct = 0: out->tex)
 * or draws it line by line onto the current render target with its top-left
 * at (x, y) (direct = 1: no block-sized buffers; out->tex stays NULL). */
static crier_err render_block(crier_text_cache *c, const char *s, const crier_text_style *st, int direct, int x,
                              int y, crier_text *out)
{
    crier_err rc = CRIER_OK;
    crier_wrapped wr = {0};
    SDL_Surface *surf = NULL;
    crier_text_dir *dirs = NULL;
    memset(out, 0, sizeof *out);
    crier_fontchain *fc = crier_fonts_chain(c->fonts, st->px, st->bold);
    if (!fc)
        return CRIER_ERR_SDL;
    crier_fontchain_set_han(fc, (crier_han)st->han);
    int max_w = st->max_width > 0 ? st->max_width : 1 << 20;
    rc = crier_wrap(s, max_w, st->max_lines > 0 ? st->max_lines : 1000, crier_fontchain_width, fc, &wr);
    if (rc != CRIER_OK)
        goto cleanup;
    /* Each paragraph takes its direction from its first strong character;
     * right-to-left lines are right-aligned when the style says "start". */
    crier_text_dir dir = crier_fontchain_direction(s, SIZE_MAX);
    dirs = wr.n_lines > 0 ? calloc((size_t)wr.n_lines, sizeof *dirs) : NULL;
    if (wr.n_lines > 0 && !dirs) {
        rc = CRIER_ERR_NOMEM;
        goto cleanup;
    }
    line_directions(s, max_w, fc, dir, dirs, wr.n_lines);
    int any_rtl = 0;
    for (int i = 0; i < wr.n_lines; i++)
        any_rtl |= dirs[i] == CRIER_DIR_RTL;
    int line_h = crier_fontchain_line_height(fc) + (int)(st->line_gap * st->px);
    int width = 0;
    for (int i = 0; i < wr.n_lines; i++) {
        int w = crier_fontchain_width(wr.lines[i], SIZE_MAX, fc);
        if (w > width)
            width = w;
    }
    if (st->max_width > 0 && (st->align != 0 || any_rtl || width > st->max_width))
        width = st->max_width;
    if (width <= 0 || wr.n_lines == 0)
        goto cleanup; /* empty text: no texture */
    int height = line_h * wr.n_lines;
    int composed = 0; /* 1: surf already holds the whole block */
    if (!direct && wr.n_lines == 1 && wr.lines[0][0]) {
        /* One line that fills the block exactly (the common headline or
         * label): its surface is the block. */
        SDL_Surface *line = NULL;
        crier_text_metrics m;
        if (crier_fontchain_render(fc, wr.lines[0], SIZE_MAX, dirs[0], st->color, &line, &m) == CRIER_OK && line) {
            if (line->format->format == SDL_PIXELFORMAT_ARGB8888 && line->w == width && line->h == height &&
                m.ascent == crier_fontchain_ascent(fc)) {
                surf = line;
                composed = 1;
            } else {
                SDL_FreeSurface(line); /* rendered again below, placed in the block */
            }
        }
    }
    if (!direct && !surf) {
        surf = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_ARGB8888);
        if (!surf) {
            rc = CRIER_ERR_NOMEM;
            goto cleanup;
        }
        /* transparent in the text's colour (soft edges if it is ever scaled);
         * a plain loop: SDL_FillRect's streaming stores are slow on small surfaces */
        Uint32 clear = SDL_MapRGBA(surf->format, st->color.r, st->color.g, st->color.b, 0);
        for (int yy = 0; yy < surf->h; yy++) {
            Uint32 *row = (Uint32 *)((Uint8 *)surf->pixels + (size_t)yy * (size_t)surf->pitch);
            for (int xx = 0; xx < surf->w; xx++)
                row[xx] = clear;
        }
    }
    int fresh_from = 0; /* rows from here down hold no line yet */
    int ascent = crier_fontchain_ascent(fc);
    for (int i = 0; !composed && i < wr.n_lines; i++) {
        if (!wr.lines[i][0])
            continue;
        SDL_Surface *line = NULL;
        crier_text_metrics m;
        if (crier_fontchain_render(fc, wr.lines[i], SIZE_MAX, dirs[i], st->color, &line, &m) != CRIER_OK || !line) {
            LOG_WARN("text", "cannot render a line of %zu bytes", strlen(wr.lines[i]));
            continue;
        }
        SDL_Rect dst = {0, i * line_h + ascent - m.ascent, line->w, line->h};
        int align = st->align == 0 && dirs[i] == CRIER_DIR_RTL ? 2 : st->align;
        if (align == 1)
            dst.x = (width - line->w) / 2;
        else if (align == 2)
            dst.x = width - line->w;
        if (direct) {
            SDL_Texture *lt = SDL_CreateTextureFromSurface(c->renderer, line);
            if (lt) {
                SDL_SetTextureBlendMode(lt, SDL_BLENDMODE_BLEND);
                dst.x += x;
                dst.y += y;
                SDL_RenderCopy(c->renderer, lt, NULL, &dst);
                SDL_DestroyTexture(lt);
            }
        } else if (line->format->format == SDL_PIXELFORMAT_ARGB8888) {
            blit_over(line, surf, dst.x, dst.y, fresh_from);
            fresh_from = SDL_max(fresh_from, dst.y + line->h);
        } else {
            SDL_SetSurfaceBlendMode(line, SDL_BLENDMODE_BLEND);
            SDL_BlitSurface(line, NULL, surf, &dst);
        }
        SDL_FreeSurface(line);
    }
    if (!direct) {
        out->tex = SDL_CreateTextureFromSurface(c->renderer, surf);
        if (!out->tex) {
            LOG_ERROR("text", "cannot create a text texture: %s", SDL_GetError());
            rc = CRIER_ERR_SDL;
            goto cleanup;
        }
        SDL_SetTextureBlendMode(out->tex, SDL_BLENDMODE_BLEND);
    }
    out->w = width;
    out->h = height;
    out->n_lines = wr.n_lines;
    out->truncated = wr.truncated;
    atomic_fetch_add(&text_render_count, 1);
    crier_fontchain_trim(); /* the font pages this block touched leave the resident set */
cleanup:
    free(dirs);
    SDL_FreeSurface(surf);
    crier_wrapped_free(&wr);
    return rc;
}

crier_err crier_text_render(crier_text_cache *c, const char *s, const crier_text_style *st, crier_text *out)
{
    return render_block(c, s, st, 0, 0, 0, out);
}

crier_err crier_text_draw(crier_text_cache *c, const char *s, const crier_text_style *st, int x, int y,
                          crier_text *out)
{
    return render_block(c, s, st, 1, x, y, out);
}

const crier_text *crier_text_get(crier_text_cache *c, const char *s, const crier_text_style *style)
{
    c->tick++;
    for (int i = 0; i < c->n; i++) {
        cache_entry *e = &c->entries[i];
        if (style_eq(&e->style, style) && strcmp(e->text, s) == 0) {
            e->last_use = c->tick;
            return &e->value;
        }
    }
    while (c->n > 0 && (c->n == c->cap || c->bytes > CACHE_MAX_BYTES))
        evict_lru(c);
    cache_entry *e = &c->entries[c->n];
    e->text = strdup(s);
    if (!e->text)
        return NULL;
    if (crier_text_render(c, s, style, &e->value) != CRIER_OK) {
        free(e->text);
        e->text = NULL;
        return NULL;
    }
    e->style = *style;
    e->last_use = c->tick;
    c->bytes += (size_t)e->value.w * (size_t)e->value.h * 4u;
    c->n++;
    return &e->value;
}

/* ---- the measurer of the pure layouts ------------------------------------------- */

static crier_fontchain *measure_chain(crier_font_metrics *m, int px, int bold)
{
    crier_fontchain *fc = crier_fonts_chain(m->fonts, px, bold);
    crier_fontchain_set_han(fc, (crier_han)m->han);
    return fc;
}

static int measure_lines(void *ud, const char *text, int px, int bold, int w, int max_lines, int *cut)
{
    crier_fontchain *fc = measure_chain(ud, px, bold);
    crier_wrapped wr;
    *cut = 0;
    if (!fc || crier_wrap(text, w, max_lines, crier_fontchain_width, fc, &wr) != CRIER_OK)
        return 1;
    int n = wr.n_lines;
    *cut = wr.truncated;
    crier_wrapped_free(&wr);
    return n;
}

static int measure_line_height(void *ud, int px, int bold)
{
    crier_fontchain *fc = measure_chain(ud, px, bold);
    return fc ? crier_fontchain_line_height(fc) : 0;
}

static int measure_width(void *ud, const char *text, int px, int bold)
{
    crier_fontchain *fc = measure_chain(ud, px, bold);
    return fc ? crier_fontchain_width(text, SIZE_MAX, fc) : 0;
}

crier_measurer crier_fonts_measurer(crier_font_metrics *ctx)
{
    return (crier_measurer){ctx, measure_lines, measure_line_height, measure_width, NULL};
}
