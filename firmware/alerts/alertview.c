/* alertview.c - drawing the full-screen alert. */
#include "alerts/alertview.h"
#include "alerts/alert_style.h"
#include "base/log.h"
#include "screen/qr.h"
#include "screen/wrap.h"
#include "screen/fontchain.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static SDL_Color sdl(crier_rgba c)
{
    return (SDL_Color){c.r, c.g, c.b, 255};
}

static void fill(SDL_Renderer *r, const SDL_Rect *rect, crier_rgba c)
{
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
    SDL_RenderFillRect(r, rect);
}

static int blit(SDL_Renderer *r, const crier_text *t, int x, int y)
{
    if (!t || !t->tex)
        return 0;
    SDL_Rect d = {x, y, t->w, t->h};
    SDL_RenderCopy(r, t->tex, NULL, &d);
    return t->h;
}

/* The first of the candidate sizes (largest first) at which text fits w x
 * max_lines; the last one otherwise (then cut with an ellipsis).  A few
 * fixed sizes keep the fonts an alert needs few and open: an alert must not
 * wait for fonts to load. */
static int fit(crier_fonts *fonts, const char *text, int w, int max_lines, const int *sizes, int n, int bold)
{
    for (int i = 0; i < n - 1; i++) {
        int p = sizes[i];
        crier_fontchain *fc = crier_fonts_chain(fonts, p, bold);
        crier_wrapped wr;
        if (!fc || crier_wrap(text, w, max_lines, crier_fontchain_width, fc, &wr) != CRIER_OK)
            continue;
        int ok = !wr.truncated;
        crier_wrapped_free(&wr);
        if (ok)
            return p;
    }
    return sizes[n - 1];
}

static void draw_qr(SDL_Renderer *r, const char *link, int x, int y, int side)
{
    crier_qr q;
    if (crier_qr_encode(link, &q) != CRIER_OK)
        return;
    int mod = side / (q.size + 8);
    if (mod >= 2) {
        SDL_Rect bg = {x, y, mod * (q.size + 8), mod * (q.size + 8)};
        fill(r, &bg, (crier_rgba){255, 255, 255, 255});
        SDL_SetRenderDrawColor(r, 0, 0, 0, 255);
        for (int my = 0; my < q.size; my++)
            for (int mx = 0; mx < q.size; mx++)
                if (q.modules[my * q.size + mx]) {
                    SDL_Rect m = {x + (mx + 4) * mod, y + (my + 4) * mod, mod, mod};
                    SDL_RenderFillRect(r, &m);
                }
    }
    crier_qr_free(&q);
}

/* The alert's five text sizes: they follow the shorter side of the screen. */
typedef struct sizes {
    int unit, mid, small;
    int head[3];  /* headline candidates, largest first */
    int instr[2]; /* instruction candidates */
} sizes;

static sizes sizes_for(int w, int h)
{
    sizes z;
    z.unit = h < w ? h : w * 9 / 16;
    z.mid = z.unit / 18;
    z.small = z.unit / 28;
    z.head[0] = z.unit / 9;
    z.head[1] = z.unit / 11;
    z.head[2] = z.unit / 14;
    z.instr[0] = z.unit / 14;
    z.instr[1] = z.mid;
    return z;
}

void crier_alertview_pin_fonts(crier_fonts *fonts, int w, int h)
{
    sizes z = sizes_for(w, h);
    const int bold[] = {z.small, z.mid, z.head[0], z.head[1], z.head[2], z.instr[0]};
    crier_fonts_pin(fonts, z.small, 0);
    for (size_t i = 0; i < sizeof bold / sizeof bold[0]; i++)
        crier_fonts_pin(fonts, bold[i], 1);
}

static void fmt_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, len, "%a %-d %b %H:%M", &tm);
}

void crier_alertview_draw(SDL_Renderer *r, crier_text_cache *texts, crier_fonts *fonts, int w, int h,
                          const crier_alert_list *alerts, size_t lang_turn)
{
    if (!alerts || alerts->count == 0 || alerts->items[0]->info_count == 0)
        return;
    const crier_alert *al = alerts->items[0];
    size_t n_info = al->info_count;
    const crier_alert_info *in = &al->info[lang_turn % n_info];
    crier_alert_palette pal = crier_alert_palette_for(in->severity);
    SDL_Rect all = {0, 0, w, h};
    fill(r, &all, pal.background);
    const sizes z = sizes_for(w, h);
    const int unit = z.unit, mid = z.mid, small = z.small;
    const int *head_sizes = z.head, *instr_sizes = z.instr;
    int pad = unit / 24, y = 0;
    int text_w = w - 2 * pad;

    const char *band = crier_alert_band_label(al->status);
    if (band) {
        crier_text_style bs = {.px = small, .bold = 1, .color = sdl(pal.band_text), .max_width = text_w,
                               .max_lines = 1, .align = 1};
        const crier_text *bt = crier_text_get(texts, band, &bs);
        int bh = (bt ? bt->h : small) + pad / 2;
        SDL_Rect top = {0, 0, w, bh}, bottom = {0, h - bh, w, bh};
        fill(r, &top, pal.band);
        fill(r, &bottom, pal.band);
        blit(r, bt, (w - (bt ? bt->w : 0)) / 2, pad / 4);
        blit(r, bt, (w - (bt ? bt->w : 0)) / 2, h - bh + pad / 4);
        y = bh;
        h -= bh; /* keep clear of the bottom band */
    }
    y += pad;

    /* Top line: SEVERITY · event, and the language turn when there are several. */
    char top[512];
    snprintf(top, sizeof top, "\xE2\x9A\xA0 %s \xC2\xB7 %s", crier_alert_severity_label(in->severity),
             in->event ? in->event : "");
    char langs[64] = "";
    if (n_info > 1)
        snprintf(langs, sizeof langs, "%s  %zu/%zu", in->language ? in->language : "", lang_turn % n_info + 1,
                 n_info);
    crier_text_style ls = {.px = small, .color = sdl(pal.text), .max_lines = 1};
    const crier_text *lt = langs[0] ? crier_text_get(texts, langs, &ls) : NULL;
    crier_text_style ts = {.px = mid, .bold = 1, .color = sdl(pal.text),
                           .max_width = text_w - (lt ? lt->w + pad : 0), .max_lines = 1};
    const crier_text *tt = crier_text_get(texts, top, &ts);
    if (lt)
        blit(r, lt, w - pad - lt->w, y + ((tt ? tt->h : 0) - lt->h) / 2);
    y += blit(r, tt, pad, y) + pad / 2;
    SDL_Rect rule = {pad, y, text_w, SDL_max(2, unit / 200)};
    fill(r, &rule, pal.text);
    y += rule.h + pad / 2;

    /* QR code for the web link, bottom right; text stays left of it there. */
    int qr_side = in->web && in->web[0] ? unit / 4 : 0;
    int footer_h = unit / 14; /* area, times, other alerts */

    const char *headline = in->headline && in->headline[0] ? in->headline : in->event;
    if (headline) {
        int px = fit(fonts, headline, text_w, 2, head_sizes, 3, 1);
        crier_text_style hs = {.px = px, .bold = 1, .color = sdl(pal.text), .max_width = text_w, .max_lines = 2};
        y += blit(r, crier_text_get(texts, headline, &hs), pad, y) + pad / 2;
    }
    if (in->instruction && in->instruction[0]) {
        int box_w = text_w - (qr_side ? qr_side + pad : 0);
        int px = fit(fonts, in->instruction, box_w - 2 * pad, 4, instr_sizes, 2, 1);
        crier_text_style is = {.px = px, .bold = 1, .color = sdl(pal.background), .max_width = box_w - 2 * pad,
                               .max_lines = 4};
        crier_text body;
        if (crier_text_render(texts, in->instruction, &is, &body) == CRIER_OK && body.tex) {
            SDL_Rect box = {pad, y, box_w, body.h + pad};
            fill(r, &box, pal.text); /* inverted: it must stand out */
            blit(r, &body, pad + pad, y + pad / 2);
            y += box.h + pad / 2;
            SDL_DestroyTexture(body.tex);
        }
    }
    int bottom = h - pad - footer_h;
    if (in->description && in->description[0] && bottom - y > unit / 20) {
        int dw = text_w - (qr_side ? qr_side + pad : 0);
        int px = small;
        crier_fontchain *fc = crier_fonts_chain(fonts, px, 0);
        int lines = fc ? (bottom - y) / crier_fontchain_line_height(fc) : 1;
        crier_text_style ds = {.px = px, .color = sdl(pal.text), .max_width = dw, .max_lines = SDL_max(1, lines)};
        crier_text body;
        if (lines > 0 && crier_text_render(texts, in->description, &ds, &body) == CRIER_OK && body.tex) {
            blit(r, &body, pad, y);
            SDL_DestroyTexture(body.tex);
        }
    }
    if (qr_side)
        draw_qr(r, in->web, w - pad - qr_side, bottom - qr_side, qr_side);

    /* Footer: area and validity; other active alerts. */
    char foot[768], until[64] = "", from[64] = "";
    if (in->expires_ms)
        fmt_time(in->expires_ms, until, sizeof until);
    fmt_time(in->onset_ms ? in->onset_ms : al->sent_ms, from, sizeof from);
    snprintf(foot, sizeof foot, "%s%s%s%s%s", in->area_desc ? in->area_desc : "", in->area_desc ? "  \xC2\xB7  " : "",
             from, until[0] ? " \xE2\x80\x93 " : "", until);
    crier_text_style fs = {.px = small, .bold = 1, .color = sdl(pal.text), .max_width = text_w, .max_lines = 1};
    int fy = h - pad - footer_h;
    blit(r, crier_text_get(texts, foot, &fs), pad, fy);
    if (alerts->count > 1) {
        char more[1024];
        size_t used = (size_t)snprintf(more, sizeof more, "Also active: ");
        for (size_t i = 1; i < alerts->count && used < sizeof more - 64; i++) {
            const crier_alert *o = alerts->items[i];
            const crier_alert_info *oi = o->info_count ? &o->info[0] : NULL;
            const char *name = oi ? (oi->headline && oi->headline[0] ? oi->headline : oi->event) : o->identifier;
            used += (size_t)snprintf(more + used, sizeof more - used, "%s%s (%s)", i > 1 ? "  \xC2\xB7  " : "",
                                     name ? name : "", oi ? crier_alert_severity_label(oi->severity) : "");
        }
        crier_text_style ms = {.px = small, .color = sdl(pal.text), .max_width = text_w, .max_lines = 1};
        blit(r, crier_text_get(texts, more, &ms), pad, fy + footer_h / 2 + pad / 4);
    }
}
