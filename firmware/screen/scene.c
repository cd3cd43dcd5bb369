/* scene.c - drawing the zones of a layout.
 *
 * Sizes come from the layout (pixels at its reference height, scaled to the
 * real height).  Body text auto-fits: it shrinks from body_px down to min_px,
 * and past that it is cut with an ellipsis.  Post slides are composed once into
 * a texture and reused for every frame of their rotation slot. */
#include "screen/scene.h"
#include "base/log.h"
#include "screen/datefmt.h"
#include "screen/qr.h"
#include "screen/slide_layout.h"
#include "screen/wrap.h"
#include "screen/fontchain.h"

#include <SDL_image.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define IMAGE_MAX_BYTES (20 * 1024 * 1024)
#define IMAGE_MAX_PIXELS (40 * 1000 * 1000)

static SDL_Color col(crier_rgba c)
{
    return (SDL_Color){c.r, c.g, c.b, c.a};
}

static int px(crier_scene *s, double ref_px)
{
    return crier_layout_px(s->layout, ref_px, s->height);
}

static void fill(crier_scene *s, const SDL_Rect *r, crier_rgba c)
{
    SDL_SetRenderDrawBlendMode(s->renderer, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(s->renderer, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(s->renderer, r);
}

static void blit(crier_scene *s, const crier_text *t, int x, int y)
{
    if (!t || !t->tex)
        return;
    SDL_Rect dst = {x, y, t->w, t->h};
    SDL_RenderCopy(s->renderer, t->tex, NULL, &dst);
}

static SDL_Rect zone_rect(crier_scene *s, const crier_zone *z)
{
    crier_rect r = crier_layout_zone_rect(z, s->width, s->height);
    return (SDL_Rect){r.x, r.y, r.w, r.h};
}

/* Draw a QR code for `link` in the square of `side` pixels at (x, y), aligned
 * to its bottom-right corner, including the 4-module quiet zone.  Returns the
 * side used (0 if the link cannot be encoded or a module would be under 2
 * pixels): the code occupies (x + side - used, y + side - used). */
static int draw_qr(crier_scene *s, const char *link, int x, int y, int side)
{
    crier_qr q;
    if (crier_qr_encode(link, &q) != CRIER_OK)
        return 0;
    int total = q.size + 8, mod = side / total;
    if (mod < 2) {
        crier_qr_free(&q);
        return 0;
    }
    int used = mod * total;
    x += side - used;
    y += side - used;
    SDL_Rect bg = {x, y, used, used};
    fill(s, &bg, (crier_rgba){255, 255, 255, 255});
    SDL_Rect *rects = SDL_malloc((size_t)q.size * (size_t)q.size * sizeof *rects);
    int n = 0;
    for (int my = 0; rects && my < q.size; my++)
        for (int mx = 0; mx < q.size; mx++)
            if (q.modules[my * q.size + mx])
                rects[n++] = (SDL_Rect){x + (mx + 4) * mod, y + (my + 4) * mod, mod, mod};
    SDL_SetRenderDrawColor(s->renderer, 0, 0, 0, 255);
    if (rects)
        SDL_RenderFillRects(s->renderer, rects, n);
    SDL_free(rects);
    crier_qr_free(&q);
    return used;
}

/* The zone of type t, its rectangle, its background painted; 0 (nothing
 * drawn) when the layout has no such zone. */
static int zone_begin(crier_scene *s, crier_zone_type t, const crier_zone **z, SDL_Rect *r)
{
    *z = crier_layout_find(s->layout, t);
    if (!*z)
        return 0;
    *r = zone_rect(s, *z);
    fill(s, r, (*z)->background);
    return 1;
}

/* ---- header ---------------------------------------------------------------- */

void crier_scene_draw_header(crier_scene *s, const char *clock, const char *date)
{
    const crier_zone *z;
    SDL_Rect r;
    if (!zone_begin(s, CRIER_ZONE_HEADER, &z, &r))
        return;
    int pad = px(s, z->padding_px);
    crier_text_style big = {.px = px(s, z->title_px), .bold = 1, .color = col(z->color), .max_lines = 1};
    crier_text_style clk = {.px = px(s, z->title_px), .bold = 1, .color = col(z->accent), .max_lines = 1};
    crier_text_style small = {.px = px(s, z->body_px), .color = col(z->color), .max_lines = 1};
    const crier_text *tc = crier_text_get(s->texts, clock, &clk);
    const crier_text *td = crier_text_get(s->texts, date, &small);
    int left = r.x + pad, right = r.x + r.w - pad;
    if (tc) {
        blit(s, tc, right - tc->w, r.y + (r.h - tc->h) / 2);
        right -= tc->w + pad;
    }
    /* The city name has priority over the date; the date shows only if it fits
     * beside the name (on a narrow screen it is left out rather than cut). */
    big.max_width = right - left;
    const crier_text *tn = big.max_width > 0 ? crier_text_get(s->texts, s->cfg->city_name, &big) : NULL;
    if (tn)
        blit(s, tn, left, r.y + (r.h - tn->h) / 2);
    if (td && right - td->w >= left + (tn ? tn->w : 0) + pad)
        blit(s, td, right - td->w, r.y + (r.h - td->h) / 2);
}

/* ---- post slides --------------------------------------------------------- */

/* Width of text measured with the chain at its own size, scaled to another
 * size: glyph advances scale linearly with the size (hinting moves them by a
 * pixel or so), so one chain can estimate every size.  ud is a scaled_measure. */
typedef struct scaled_measure {
    crier_fontchain *fc;
    double scale; /* target px / chain px */
} scaled_measure;

static int scaled_width(const char *text, size_t len, void *ud)
{
    const scaled_measure *m = ud;
    return (int)(crier_fontchain_width(text, len, m->fc) * m->scale + 0.999);
}

/* 1 when text wraps into w x h at size p (measured with sm, scaled to p). */
static int fits_at(scaled_measure *sm, const char *text, int chain_px, int chain_skip, int w, int h, int p)
{
    sm->scale = (double)p / chain_px;
    int skip = (int)(chain_skip * sm->scale + 0.999);
    int max_lines = skip > 0 ? h / skip : 0;
    crier_wrapped wr;
    if (max_lines < 1 || crier_wrap(text, w, max_lines, scaled_width, sm, &wr) != CRIER_OK)
        return 0;
    int ok = !wr.truncated;
    crier_wrapped_free(&wr);
    return ok;
}

/* Largest size from max_px down to min_px (in steps of 4 px above 40 px, else
 * 2) at which text fits in w x h, bold or regular; min_px if it fits at none
 * (the caller then cuts it with "…").  Sizes are estimated with the max_px
 * chain scaled (opening a chain per candidate size would cost a megabyte and
 * milliseconds each) and the answer is confirmed with its own chain. */
static int fit_px(crier_scene *s, const char *text, int bold, int han, int w, int h, int max_px, int min_px)
{
    if (min_px > max_px)
        min_px = max_px;
    crier_fontchain *fc = crier_fonts_chain(s->fonts, max_px, bold);
    if (!fc)
        return min_px;
    crier_fontchain_set_han(fc, (crier_han)han);
    scaled_measure sm = {fc, 1.0};
    int chain_px = max_px, chain_skip = crier_fontchain_line_height(fc);
    for (int p = max_px;;) {
        if (fits_at(&sm, text, chain_px, chain_skip, w, h, p)) {
            if (p == chain_px)
                return p;
            /* Confirm with the real chain of that size; rounding may differ. */
            crier_fontchain *real = crier_fonts_chain(s->fonts, p, bold);
            if (!real)
                return p;
            crier_fontchain_set_han(real, (crier_han)han);
            sm.fc = real;
            chain_px = p;
            chain_skip = crier_fontchain_line_height(real);
            if (fits_at(&sm, text, chain_px, chain_skip, w, h, p))
                return p;
        }
        if (p <= min_px)
            return min_px;
        int step = p > 40 ? 4 : 2;
        p = p - step < min_px ? min_px : p - step;
    }
}

/* The image at path, decoded, within the size limits; NULL (logged) if not. */
static SDL_Surface *load_image(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        LOG_WARN("image", "image '%s' not found; showing the post without it", path);
        return NULL;
    }
    if (st.st_size > IMAGE_MAX_BYTES) {
        LOG_WARN("image", "image '%s' is %lld bytes, over the %d limit; skipped", path, (long long)st.st_size,
                 IMAGE_MAX_BYTES);
        return NULL;
    }
    SDL_Surface *img = IMG_Load(path);
    if (!img) {
        LOG_WARN("image", "cannot decode image '%s': %s; skipped", path, IMG_GetError());
        return NULL;
    }
    if ((long long)img->w * img->h > IMAGE_MAX_PIXELS) {
        LOG_WARN("image", "image '%s' is %dx%d, over the %d pixel limit; skipped", path, img->w, img->h,
                 IMAGE_MAX_PIXELS);
        SDL_FreeSurface(img);
        return NULL;
    }
    return img;
}

/* img drawn into box, aspect kept: centred, or top-aligned (top = 1). */
static void draw_image(crier_scene *s, SDL_Surface *img, crier_rect box, int top, const char *path)
{
    double scale = SDL_min((double)box.w / img->w, (double)box.h / img->h);
    SDL_Rect dst = {0, 0, (int)(img->w * scale), (int)(img->h * scale)};
    dst.x = box.x + (box.w - dst.w) / 2;
    dst.y = box.y + (top ? 0 : (box.h - dst.h) / 2);
    SDL_Texture *tex = SDL_CreateTextureFromSurface(s->renderer, img);
    if (!tex) {
        LOG_WARN("image", "cannot upload image '%s': %s", path, SDL_GetError());
        return;
    }
    SDL_RenderCopy(s->renderer, tex, NULL, &dst);
    SDL_DestroyTexture(tex);
}

static SDL_Texture *new_zone_target(crier_scene *s, const crier_zone *z, SDL_Rect *r)
{
    *r = zone_rect(s, z);
    SDL_Texture *t = SDL_CreateTexture(s->renderer, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_TARGET, r->w, r->h);
    if (!t) {
        LOG_ERROR("render", "cannot create a %dx%d slide: %s", r->w, r->h, SDL_GetError());
        return NULL;
    }
    SDL_SetRenderTarget(s->renderer, t);
    SDL_SetRenderDrawBlendMode(s->renderer, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(s->renderer, z->background.r, z->background.g, z->background.b, 255);
    SDL_RenderClear(s->renderer);
    return t;
}

/* A new slide of the posts zone, made the render target; *prev is the target
 * to restore when the slide is composed.  NULL (logged) without a posts zone
 * or a texture. */
static SDL_Texture *new_slide(crier_scene *s, const crier_zone **z, SDL_Rect *r, SDL_Texture **prev)
{
    *z = crier_layout_find(s->layout, CRIER_ZONE_POSTS);
    if (!*z)
        return NULL;
    *prev = SDL_GetRenderTarget(s->renderer);
    return new_zone_target(s, *z, r);
}

/* The renderer's measurer for the slide layout (screen/slide_layout.c), with
 * the scene's own fit (fit_px). */
typedef struct slide_measure {
    crier_font_metrics fm; /* first: the shared measurer's callbacks get &fm */
    crier_scene *s;
} slide_measure;

static int sm_fit(void *ud, const char *text, int bold, int w, int h, int max_px, int min_px)
{
    slide_measure *m = ud;
    return fit_px(m->s, text, bold, m->fm.han, w, h, max_px, min_px);
}

static void draw_slide_text(crier_scene *s, const crier_slide_block *b, const char *text, SDL_Color color, int han,
                            crier_text *out)
{
    memset(out, 0, sizeof *out);
    if (!b->shown)
        return;
    crier_text_style st = {.px = b->px, .bold = b->bold, .color = color, .max_width = b->r.w,
                           .max_lines = b->lines, .align = b->align, .han = han};
    /* Drawn straight into the slide, not cached: it is composed once, and a
     * block texture of a title can take a megabyte. */
    crier_text_draw(s->texts, text, &st, b->r.x, b->r.y, out);
}

SDL_Texture *crier_scene_build_slide(crier_scene *s, const crier_item *post)
{
    const crier_zone *z;
    SDL_Texture *prev_target;
    SDL_Rect r;
    SDL_Texture *slide = new_slide(s, &z, &r, &prev_target);
    if (!slide)
        return NULL;
    int han = crier_lang_han(post->lang);
    /* The link's address is printed beside the code for residents without a
     * phone; a link that cannot be encoded gets neither. */
    const char *shown = NULL;
    crier_qr q;
    if (post->link && post->link[0] && crier_qr_encode(post->link, &q) == CRIER_OK) {
        crier_qr_free(&q);
        shown = post->link;
        if (strncmp(shown, "https://", 8) == 0)
            shown += 8;
        else if (strncmp(shown, "http://", 7) == 0)
            shown += 7;
    }
    SDL_Surface *img = post->image ? load_image(post->image) : NULL;
    crier_slide_layout_in li = {.w = r.w, .h = r.h, .pad = px(s, z->padding_px), .title = post->title,
                                .body = post->body, .title_px = px(s, z->title_px), .body_px = px(s, z->body_px),
                                .min_px = px(s, z->min_px), .has_image = img != NULL, .link = shown,
                                .hint = "Scan for details", .rule_w = px(s, 160), .rule_h = SDL_max(2, px(s, 6))};
    slide_measure sm = {{s->fonts, han}, s};
    crier_measurer m = crier_fonts_measurer(&sm.fm);
    m.fit = sm_fit; /* ud is &sm.fm == &sm */
    crier_slide_layout L;
    crier_slide_layout_compute(&li, &m, &L);
    const crier_slide_block *B = L.b;
    if (B[CRIER_SB_QR].shown)
        draw_qr(s, post->link, B[CRIER_SB_QR].r.x, B[CRIER_SB_QR].r.y, B[CRIER_SB_QR].r.w);
    crier_text t;
    draw_slide_text(s, &B[CRIER_SB_HINT], li.hint, col(z->accent), CRIER_HAN_AUTO, &t);
    draw_slide_text(s, &B[CRIER_SB_ADDR], shown, col(z->color), CRIER_HAN_AUTO, &t);
    if (img && B[CRIER_SB_IMAGE].shown)
        draw_image(s, img, B[CRIER_SB_IMAGE].r, r.h <= r.w, post->image);
    SDL_FreeSurface(img);
    draw_slide_text(s, &B[CRIER_SB_TITLE], post->title, col(z->accent), han, &t);
    if (B[CRIER_SB_RULE].shown)
        fill(s, &(SDL_Rect){B[CRIER_SB_RULE].r.x, B[CRIER_SB_RULE].r.y, B[CRIER_SB_RULE].r.w, B[CRIER_SB_RULE].r.h},
             z->accent);
    draw_slide_text(s, &B[CRIER_SB_BODY], post->body, col(z->color), han, &t);
    if (B[CRIER_SB_BODY].shown && B[CRIER_SB_BODY].cut)
        LOG_INFO("render", "post '%s' body shortened with an ellipsis to fit its zone", post->id);
    if (B[CRIER_SB_TITLE].shown && B[CRIER_SB_TITLE].cut)
        LOG_INFO("render", "post '%s' title shortened with an ellipsis to fit its zone", post->id);
    SDL_SetRenderTarget(s->renderer, prev_target);
    return slide;
}

SDL_Texture *crier_scene_build_empty(crier_scene *s)
{
    const crier_zone *z;
    SDL_Texture *prev_target;
    SDL_Rect r;
    SDL_Texture *slide = new_slide(s, &z, &r, &prev_target);
    if (!slide)
        return NULL;
    crier_text_style ts = {.px = px(s, z->body_px), .color = col(z->color), .max_width = r.w, .max_lines = 2,
                           .align = 1};
    const crier_text *t = crier_text_get(s->texts, s->cfg->city_name, &ts);
    if (t)
        blit(s, t, 0, (r.h - t->h) / 2);
    SDL_SetRenderTarget(s->renderer, prev_target);
    return slide;
}

void crier_scene_draw_posts(crier_scene *s, SDL_Texture *prev, SDL_Texture *cur, double t)
{
    const crier_zone *z;
    SDL_Rect r;
    if (!zone_begin(s, CRIER_ZONE_POSTS, &z, &r))
        return;
    int slide_mode = s->cfg->transition == CRIER_TRANSITION_SLIDE;
    if (prev && t < 1.0) {
        if (slide_mode) {
            SDL_RenderSetClipRect(s->renderer, &r);
            int off = (int)(t * r.w);
            SDL_Rect a = {r.x - off, r.y, r.w, r.h}, b = {r.x + r.w - off, r.y, r.w, r.h};
            SDL_SetTextureAlphaMod(prev, 255);
            SDL_RenderCopy(s->renderer, prev, NULL, &a);
            if (cur) {
                SDL_SetTextureAlphaMod(cur, 255);
                SDL_RenderCopy(s->renderer, cur, NULL, &b);
            }
            SDL_RenderSetClipRect(s->renderer, NULL);
            return;
        }
        SDL_SetTextureBlendMode(prev, SDL_BLENDMODE_NONE);
        SDL_RenderCopy(s->renderer, prev, NULL, &r);
        if (cur) {
            SDL_SetTextureBlendMode(cur, SDL_BLENDMODE_BLEND);
            SDL_SetTextureAlphaMod(cur, (Uint8)(t * 255));
            SDL_RenderCopy(s->renderer, cur, NULL, &r);
        }
        return;
    }
    if (cur) {
        SDL_SetTextureBlendMode(cur, SDL_BLENDMODE_NONE);
        SDL_SetTextureAlphaMod(cur, 255);
        SDL_RenderCopy(s->renderer, cur, NULL, &r);
    }
}

/* ---- events ---------------------------------------------------------------- */

void crier_scene_draw_events(crier_scene *s, const crier_playlist *pl, int64_t now_wall_ms)
{
    const crier_zone *z;
    SDL_Rect r;
    if (!zone_begin(s, CRIER_ZONE_EVENTS, &z, &r))
        return;
    int pad = px(s, z->padding_px);
    int w = r.w - 2 * pad, y = r.y + pad, bottom = r.y + r.h - pad;
    crier_text_style hs = {.px = px(s, z->title_px), .bold = 1, .color = col(z->accent), .max_width = w,
                           .max_lines = 1};
    const crier_text *head = crier_text_get(s->texts, "Upcoming events", &hs);
    if (head) {
        blit(s, head, r.x + pad, y);
        y += head->h + pad / 2;
    }
    const crier_item *evs[50];
    int n = crier_playlist_events(pl, now_wall_ms, evs, z->max_items < 50 ? z->max_items : 50);
    crier_text_style when_s = {.px = px(s, z->min_px), .bold = 1, .color = col(z->accent), .max_width = w,
                               .max_lines = 1};
    crier_text_style title_s = {.px = px(s, z->body_px), .bold = 1, .color = col(z->color), .max_width = w,
                                .max_lines = 2};
    crier_text_style loc_s = {.px = px(s, z->min_px), .color = col(z->color), .max_width = w, .max_lines = 1};
    for (int i = 0; i < n; i++) {
        char when[96];
        time_t t = (time_t)(evs[i]->starts_ms / 1000);
        struct tm tm;
        localtime_r(&t, &tm);
        if (evs[i]->starts_ms <= now_wall_ms)
            snprintf(when, sizeof when, "Now");
        else if (crier_datefmt_known(evs[i]->lang)) /* in the event's language */
            crier_datefmt(&tm, evs[i]->lang, NULL, when, sizeof when);
        else /* in the kiosk's (LC_TIME) */
            strftime(when, sizeof when, "%a %-d %b \xC2\xB7 %H:%M", &tm);
        int han = crier_lang_han(evs[i]->lang);
        when_s.han = title_s.han = loc_s.han = han;
        const crier_text *a = crier_text_get(s->texts, when, &when_s);
        const crier_text *b = crier_text_get(s->texts, evs[i]->title ? evs[i]->title : "", &title_s);
        const crier_text *c = evs[i]->location ? crier_text_get(s->texts, evs[i]->location, &loc_s) : NULL;
        int row_h = (a ? a->h : 0) + (b ? b->h : 0) + (c ? c->h : 0);
        if (y + row_h > bottom)
            break;
        blit(s, a, r.x + pad, y);
        y += a ? a->h : 0;
        blit(s, b, r.x + pad, y);
        y += b ? b->h : 0;
        blit(s, c, r.x + pad, y);
        y += (c ? c->h : 0) + pad;
    }
    if (n == 0) {
        crier_text_style ns = loc_s;
        ns.han = CRIER_HAN_AUTO;
        const crier_text *none = crier_text_get(s->texts, "No upcoming events", &ns);
        blit(s, none, r.x + pad, y);
    }
}

/* ---- ticker ---------------------------------------------------------------- */

int crier_scene_draw_ticker(crier_scene *s, const crier_playlist *pl, int64_t now_wall_ms, int64_t elapsed_ms)
{
    const crier_zone *z;
    SDL_Rect r;
    if (!zone_begin(s, CRIER_ZONE_TICKER, &z, &r))
        return 0;
    int pad = px(s, z->padding_px);
    const crier_item *lines[64];
    int n = crier_playlist_ticker(pl, now_wall_ms, lines, 64);
    if (n == 0)
        return 0;
    char buf[8192];
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        int k = snprintf(buf + used, sizeof buf - used, "%s%s", i ? "     \xE2\x80\xA2     " : "",
                         lines[i]->body ? lines[i]->body : "");
        if (k < 0 || (size_t)k >= sizeof buf - used)
            break;
        used += (size_t)k;
    }
    int still = s->cfg->ticker_motion == CRIER_TICKER_STATIC;
    crier_text_style ts = {.px = px(s, z->body_px), .bold = 1, .color = col(z->color), .max_lines = 1,
                           .max_width = still ? r.w - 2 * pad : 0};
    const crier_text *t = crier_text_get(s->texts, buf, &ts);
    if (!t)
        return 0;
    int ty = r.y + (r.h - t->h) / 2;
    if (t->w <= r.w - 2 * pad || still) {
        SDL_RenderSetClipRect(s->renderer, &r);
        blit(s, t, r.x + pad, ty);
        SDL_RenderSetClipRect(s->renderer, NULL);
        return 0;
    }
    /* Scroll right to left at a speed proportional to the screen height. */
    int gap = px(s, 200);
    int period = t->w + gap;
    double speed = s->height * 0.12; /* px per second */
    int off = (int)((double)elapsed_ms * speed / 1000.0) % period;
    SDL_RenderSetClipRect(s->renderer, &r);
    blit(s, t, r.x + pad - off, ty);
    blit(s, t, r.x + pad - off + period, ty);
    SDL_RenderSetClipRect(s->renderer, NULL);
    return 1;
}
