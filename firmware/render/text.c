/* text.c - fonts, measuring, and text rendered once into cached textures.
 *
 * Fonts are opened per (size, weight) on demand from one in-memory copy of each
 * font file.  A text block (wrapped lines, ellipsis) becomes one texture; the
 * cache keeps recently used blocks keyed by text + style, so a static screen
 * re-renders nothing (crier_text_renders() proves it). */
#include "core/log.h"
#include "core/wrap.h"
#include "render/internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPEN_FONTS 24

typedef struct font_file {
    void *data;
    size_t size;
} font_file;

typedef struct open_font {
    int px, bold;
    TTF_Font *font;
    uint64_t last_use;
} open_font;

struct crier_fonts {
    font_file regular, bold;
    open_font open[MAX_OPEN_FONTS];
    int n_open;
    uint64_t tick;
};

static atomic_uint_fast64_t text_render_count;

uint64_t crier_text_renders(void)
{
    return atomic_load(&text_render_count);
}

static int load_file(const char *path, font_file *out)
{
    SDL_RWops *rw = SDL_RWFromFile(path, "rb");
    if (!rw)
        return -1;
    Sint64 size = SDL_RWsize(rw);
    if (size <= 0 || size > 64 * 1024 * 1024) {
        SDL_RWclose(rw);
        return -1;
    }
    out->data = SDL_malloc((size_t)size);
    if (!out->data || SDL_RWread(rw, out->data, 1, (size_t)size) != (size_t)size) {
        SDL_free(out->data);
        out->data = NULL;
        SDL_RWclose(rw);
        return -1;
    }
    out->size = (size_t)size;
    SDL_RWclose(rw);
    return 0;
}

crier_fonts *crier_fonts_open(const char *dir)
{
    char path[1024];
    crier_fonts *f = SDL_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    snprintf(path, sizeof path, "%s/NotoSans-Regular.ttf", dir);
    if (load_file(path, &f->regular) != 0) {
        LOG_ERROR("text", "cannot read font '%s'", path);
        crier_fonts_close(f);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/NotoSans-Bold.ttf", dir);
    if (load_file(path, &f->bold) != 0) {
        LOG_WARN("text", "cannot read font '%s'; using regular for bold", path);
    }
    /* Prove the font parses now rather than on the first frame. */
    if (!crier_fonts_line_height(f, 16, 0)) {
        LOG_ERROR("text", "font '%s/NotoSans-Regular.ttf' is not a usable font", dir);
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
        TTF_CloseFont(f->open[i].font);
    SDL_free(f->regular.data);
    SDL_free(f->bold.data);
    SDL_free(f);
}

static TTF_Font *get_font(crier_fonts *f, int px, int bold)
{
    if (px < 4)
        px = 4;
    if (!f->bold.data)
        bold = 0;
    f->tick++;
    int lru = 0;
    for (int i = 0; i < f->n_open; i++) {
        if (f->open[i].px == px && f->open[i].bold == bold) {
            f->open[i].last_use = f->tick;
            return f->open[i].font;
        }
        if (f->open[i].last_use < f->open[lru].last_use)
            lru = i;
    }
    font_file *ff = bold ? &f->bold : &f->regular;
    SDL_RWops *rw = SDL_RWFromConstMem(ff->data, (int)ff->size);
    TTF_Font *font = rw ? TTF_OpenFontRW(rw, 1, px) : NULL;
    if (!font) {
        LOG_ERROR("text", "cannot open font at %dpx: %s", px, TTF_GetError());
        return NULL;
    }
    TTF_SetFontHinting(font, TTF_HINTING_LIGHT);
    int slot = f->n_open < MAX_OPEN_FONTS ? f->n_open++ : lru;
    if (slot == lru && f->n_open == MAX_OPEN_FONTS && f->open[slot].font)
        TTF_CloseFont(f->open[slot].font);
    f->open[slot] = (open_font){px, bold, font, f->tick};
    return font;
}

int crier_fonts_measure(crier_fonts *f, const char *s, int px, int bold)
{
    TTF_Font *font = get_font(f, px, bold);
    int w = 0, h = 0;
    if (!font || !s[0] || TTF_SizeUTF8(font, s, &w, &h) != 0)
        return 0;
    return w;
}

int crier_fonts_line_height(crier_fonts *f, int px, int bold)
{
    TTF_Font *font = get_font(f, px, bold);
    return font ? TTF_FontHeight(font) : 0;
}

typedef struct measure_ctx {
    crier_fonts *fonts;
    int px, bold;
    char *buf;
    size_t cap;
} measure_ctx;

static int measure_cb(const char *s, size_t len, void *ud)
{
    measure_ctx *m = ud;
    if (len + 1 > m->cap) {
        size_t cap = (len + 1) * 2;
        char *n = realloc(m->buf, cap);
        if (!n)
            return 1 << 30;
        m->buf = n;
        m->cap = cap;
    }
    memcpy(m->buf, s, len);
    m->buf[len] = '\0';
    return crier_fonts_measure(m->fonts, m->buf, m->px, m->bold);
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
#define CACHE_MAX_BYTES (48u * 1024u * 1024u)

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

static int style_eq(const crier_text_style *a, const crier_text_style *b)
{
    return a->px == b->px && a->bold == b->bold && a->color.r == b->color.r && a->color.g == b->color.g &&
           a->color.b == b->color.b && a->color.a == b->color.a && a->max_width == b->max_width &&
           a->max_lines == b->max_lines && a->align == b->align && a->line_gap == b->line_gap;
}

crier_err crier_text_render(crier_text_cache *c, const char *s, const crier_text_style *st, crier_text *out)
{
    crier_err rc = CRIER_OK;
    crier_wrapped wr = {0};
    SDL_Surface *surf = NULL;
    measure_ctx m = {c->fonts, st->px, st->bold, NULL, 0};
    memset(out, 0, sizeof *out);
    TTF_Font *font = get_font(c->fonts, st->px, st->bold);
    if (!font)
        return CRIER_ERR_SDL;
    int max_w = st->max_width > 0 ? st->max_width : 1 << 20;
    rc = crier_wrap(s, max_w, st->max_lines > 0 ? st->max_lines : 1000, measure_cb, &m, &wr);
    if (rc != CRIER_OK)
        goto cleanup;
    int line_h = TTF_FontLineSkip(font) + (int)(st->line_gap * st->px);
    int width = 0;
    for (int i = 0; i < wr.n_lines; i++) {
        int w = crier_fonts_measure(c->fonts, wr.lines[i], st->px, st->bold);
        if (w > width)
            width = w;
    }
    if (st->max_width > 0 && (st->align != 0 || width > st->max_width))
        width = st->max_width;
    if (width <= 0 || wr.n_lines == 0) {
        out->n_lines = 0;
        goto cleanup; /* empty text: no texture */
    }
    int height = line_h * (wr.n_lines - 1) + TTF_FontHeight(font);
    surf = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!surf) {
        rc = CRIER_ERR_NOMEM;
        goto cleanup;
    }
    SDL_FillRect(surf, NULL, SDL_MapRGBA(surf->format, st->color.r, st->color.g, st->color.b, 0));
    SDL_SetSurfaceBlendMode(surf, SDL_BLENDMODE_BLEND);
    for (int i = 0; i < wr.n_lines; i++) {
        if (!wr.lines[i][0])
            continue;
        SDL_Surface *line = TTF_RenderUTF8_Blended(font, wr.lines[i], st->color);
        if (!line) {
            LOG_WARN("text", "cannot render a line: %s", TTF_GetError());
            continue;
        }
        SDL_Rect dst = {0, i * line_h, line->w, line->h};
        if (st->align == 1)
            dst.x = (width - line->w) / 2;
        else if (st->align == 2)
            dst.x = width - line->w;
        SDL_SetSurfaceBlendMode(line, SDL_BLENDMODE_NONE);
        SDL_BlitSurface(line, NULL, surf, &dst);
        SDL_FreeSurface(line);
    }
    out->tex = SDL_CreateTextureFromSurface(c->renderer, surf);
    if (!out->tex) {
        LOG_ERROR("text", "cannot create a text texture: %s", SDL_GetError());
        rc = CRIER_ERR_SDL;
        goto cleanup;
    }
    SDL_SetTextureBlendMode(out->tex, SDL_BLENDMODE_BLEND);
    out->w = width;
    out->h = height;
    out->n_lines = wr.n_lines;
    out->truncated = wr.truncated;
    atomic_fetch_add(&text_render_count, 1);
cleanup:
    SDL_FreeSurface(surf);
    crier_wrapped_free(&wr);
    free(m.buf);
    return rc;
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
