/* alertview.c - drawing the full-screen alert. */
#include "alerts/alertview.h"
#include "alerts/alert_layout.h"
#include "alerts/alert_style.h"
#include "base/log.h"
#include "screen/qr.h"
#include "screen/wrap.h"
#include "screen/datefmt.h"
#include "screen/fontchain.h"

#include <locale.h>
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

static void draw_qr(SDL_Renderer *r, const char *link, int x, int y, int side)
{
    crier_qr q;
    if (crier_qr_encode(link, &q) != CRIER_OK)
        return;
    int mod = side / (q.size + 8);
    if (mod >= 2) {
        int used = mod * (q.size + 8); /* bottom-right in its square */
        x += side - used;
        y += side - used;
        SDL_Rect bg = {x, y, used, used};
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

void crier_alertview_pin_fonts(crier_fonts *fonts, int w, int h)
{
    int px[8], bold[8];
    int n = crier_alert_layout_sizes(w, h, px, bold, 8);
    for (int i = 0; i < n; i++)
        crier_fonts_pin(fonts, px[i], bold[i]);
    /* an alert in Chinese or Korean must not wait for fontconfig either */
    crier_fontchain_prewarm();
}

/* The validity line's date in the info block's language, else the kiosk's
 * (LC_TIME, set from the locale setting). */
static void fmt_time(int64_t ms, const char *lang, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    crier_datefmt(&tm, lang, setlocale(LC_TIME, NULL), buf, len);
}

/* Text of a block in its rectangle (the layout made it fit). */
static void draw_block(SDL_Renderer *r, crier_text_cache *texts, const crier_alert_block *b, const char *text,
                       crier_rgba color, int align, crier_han han)
{
    if (!b->shown || !text)
        return;
    crier_text_style st = {.px = b->px, .bold = b->bold, .color = sdl(color), .max_width = b->r.w,
                           .max_lines = b->lines, .align = align, .han = han};
    blit(r, crier_text_get(texts, text, &st), b->r.x, b->r.y);
}

/* The texts of the blocks of info block `in` of the alert list, and where
 * they go. */
typedef struct view_texts {
    char top[512], langs[64], times[256], more[1024];
    const char *headline;
} view_texts;

static void view_layout(crier_fonts *fonts, int w, int h, const crier_alert_list *alerts, size_t lang_turn,
                        view_texts *t, crier_alert_layout *L)
{
    const crier_alert *al = alerts->items[0];
    size_t n_info = al->info_count;
    const crier_alert_info *in = &al->info[lang_turn % n_info];
    snprintf(t->top, sizeof t->top, "\xE2\x9A\xA0 %s \xC2\xB7 %s", crier_alert_severity_label(in->severity),
             in->event ? in->event : "");
    t->langs[0] = '\0';
    if (n_info > 1)
        snprintf(t->langs, sizeof t->langs, "%s  %zu/%zu", in->language ? in->language : "", lang_turn % n_info + 1,
                 n_info);
    char until[96] = "", from[96] = "";
    if (in->expires_ms)
        fmt_time(in->expires_ms, in->language, until, sizeof until);
    fmt_time(in->onset_ms ? in->onset_ms : al->sent_ms, in->language, from, sizeof from);
    snprintf(t->times, sizeof t->times, "%s%s%s", from, until[0] ? " \xE2\x80\x93 " : "", until);
    t->more[0] = '\0';
    if (alerts->count > 1) {
        size_t used = (size_t)snprintf(t->more, sizeof t->more, "Also active: ");
        for (size_t i = 1; i < alerts->count && used < sizeof t->more - 64; i++) {
            const crier_alert *o = alerts->items[i];
            const crier_alert_info *oi = o->info_count ? &o->info[0] : NULL;
            const char *name = oi ? (oi->headline && oi->headline[0] ? oi->headline : oi->event) : o->identifier;
            used += (size_t)snprintf(t->more + used, sizeof t->more - used, "%s%s (%s)", i > 1 ? "  \xC2\xB7  " : "",
                                     name ? name : "", oi ? crier_alert_severity_label(oi->severity) : "");
        }
    }
    t->headline = in->headline && in->headline[0] ? in->headline : in->event;
    crier_alert_layout_in li = {.w = w, .h = h, .band = crier_alert_band_label(al->status), .top = t->top,
                                .lang = t->langs, .headline = t->headline, .instruction = in->instruction,
                                .description = in->description, .has_qr = in->web && in->web[0],
                                .area = in->area_desc, .times = t->times, .more = t->more};
    crier_font_metrics mc = {fonts, crier_lang_han(in->language)};
    crier_measurer m = crier_fonts_measurer(&mc);
    crier_alert_layout_compute(&li, &m, L);
}

int crier_alertview_layout(crier_fonts *fonts, int w, int h, const crier_alert_list *alerts, size_t lang_turn,
                           crier_alert_layout *out)
{
    if (!alerts || alerts->count == 0 || alerts->items[0]->info_count == 0)
        return -1;
    view_texts t;
    view_layout(fonts, w, h, alerts, lang_turn, &t, out);
    return 0;
}

void crier_alertview_draw(SDL_Renderer *r, crier_text_cache *texts, crier_fonts *fonts, int w, int h,
                          const crier_alert_list *alerts, size_t lang_turn)
{
    if (!alerts || alerts->count == 0 || alerts->items[0]->info_count == 0)
        return;
    const crier_alert *al = alerts->items[0];
    const crier_alert_info *in = &al->info[lang_turn % al->info_count];
    crier_alert_palette pal = crier_alert_palette_for(in->severity);
    crier_han han = crier_lang_han(in->language);
    SDL_Rect all = {0, 0, w, h};
    fill(r, &all, pal.background);
    view_texts vt;
    crier_alert_layout L;
    view_layout(fonts, w, h, alerts, lang_turn, &vt, &L);
    const char *top = vt.top, *langs = vt.langs, *times = vt.times, *more = vt.more, *headline = vt.headline;
    const char *band = crier_alert_band_label(al->status);
    const crier_alert_block *B = L.b;

    if (B[CRIER_AB_BAND_TOP].shown) {
        fill(r, &(SDL_Rect){B[CRIER_AB_BAND_TOP].r.x, B[CRIER_AB_BAND_TOP].r.y, B[CRIER_AB_BAND_TOP].r.w,
                            B[CRIER_AB_BAND_TOP].r.h}, pal.band);
        fill(r, &(SDL_Rect){B[CRIER_AB_BAND_BOTTOM].r.x, B[CRIER_AB_BAND_BOTTOM].r.y,
                            B[CRIER_AB_BAND_BOTTOM].r.w, B[CRIER_AB_BAND_BOTTOM].r.h}, pal.band);
        for (int k = CRIER_AB_BAND_TOP; k <= CRIER_AB_BAND_BOTTOM; k++) {
            crier_alert_block b = B[k];
            b.r.y += L.pad / 4;
            b.r.h -= L.pad / 4;
            draw_block(r, texts, &b, band, pal.band_text, 1, CRIER_HAN_AUTO);
        }
    }
    draw_block(r, texts, &B[CRIER_AB_TOP], top, pal.text, 0, han);
    draw_block(r, texts, &B[CRIER_AB_LANG], langs, pal.text, 2, CRIER_HAN_AUTO);
    if (B[CRIER_AB_RULE].shown)
        fill(r, &(SDL_Rect){B[CRIER_AB_RULE].r.x, B[CRIER_AB_RULE].r.y, B[CRIER_AB_RULE].r.w, B[CRIER_AB_RULE].r.h},
             pal.text);
    draw_block(r, texts, &B[CRIER_AB_HEADLINE], headline, pal.text, 0, han);
    if (B[CRIER_AB_INSTRUCTION].shown) {
        const crier_alert_block *ib = &B[CRIER_AB_INSTRUCTION];
        fill(r, &(SDL_Rect){ib->r.x, ib->r.y, ib->r.w, ib->r.h}, pal.text); /* inverted: it must stand out */
        crier_alert_block inner = *ib;
        inner.r = L.inner;
        /* rendered once per frame it is needed, not cached: a big block */
        crier_text_style is = {.px = inner.px, .bold = 1, .color = sdl(pal.background), .max_width = inner.r.w,
                               .max_lines = inner.lines, .han = han};
        crier_text body;
        if (crier_text_render(texts, in->instruction, &is, &body) == CRIER_OK && body.tex) {
            blit(r, &body, inner.r.x, inner.r.y);
            SDL_DestroyTexture(body.tex);
        }
    }
    if (B[CRIER_AB_DESCRIPTION].shown) {
        const crier_alert_block *db = &B[CRIER_AB_DESCRIPTION];
        crier_text_style ds = {.px = db->px, .color = sdl(pal.text), .max_width = db->r.w, .max_lines = db->lines,
                               .han = han};
        crier_text body;
        if (crier_text_render(texts, in->description, &ds, &body) == CRIER_OK && body.tex) {
            blit(r, &body, db->r.x, db->r.y);
            SDL_DestroyTexture(body.tex);
        }
    }
    if (B[CRIER_AB_QR].shown)
        draw_qr(r, in->web, B[CRIER_AB_QR].r.x, B[CRIER_AB_QR].r.y, B[CRIER_AB_QR].r.w);
    draw_block(r, texts, &B[CRIER_AB_AREA], in->area_desc, pal.text, 0, han);
    draw_block(r, texts, &B[CRIER_AB_TIMES], times, pal.text, 0, han);
    draw_block(r, texts, &B[CRIER_AB_MORE], more, pal.text, 0, CRIER_HAN_AUTO);
}
