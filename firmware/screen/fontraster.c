/* fontraster.c - a measured line drawn: each run rendered by SDL_ttf (shaped by
 * HarfBuzz), strike-font runs scaled down by area averaging, and the runs
 * composited side by side on a shared baseline with straight-alpha "over"
 * (SDL's blit onto a transparent surface would darken antialiased edges). */
#include "screen/fontchain_int.h"

#include "base/log.h"

#include <string.h>

/* Area-average downscale of an ARGB8888 surface (premultiplied while
 * averaging), for strike fonts drawn far larger than needed. */
static SDL_Surface *downscale(SDL_Surface *src, int dw, int dh)
{
    if (dw < 1)
        dw = 1;
    if (dh < 1)
        dh = 1;
    SDL_Surface *dst = SDL_CreateRGBSurfaceWithFormat(0, dw, dh, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!dst)
        return NULL;
    SDL_LockSurface(src);
    const double sx = (double)src->w / dw, sy = (double)src->h / dh;
    for (int y = 0; y < dh; y++) {
        int y0 = (int)(y * sy), y1 = (int)((y + 1) * sy);
        if (y1 <= y0)
            y1 = y0 + 1;
        if (y1 > src->h)
            y1 = src->h;
        Uint32 *out = (Uint32 *)((Uint8 *)dst->pixels + (size_t)y * dst->pitch);
        for (int x = 0; x < dw; x++) {
            int x0 = (int)(x * sx), x1 = (int)((x + 1) * sx);
            if (x1 <= x0)
                x1 = x0 + 1;
            if (x1 > src->w)
                x1 = src->w;
            double a = 0, r = 0, g = 0, b = 0;
            int cnt = 0;
            for (int yy = y0; yy < y1; yy++) {
                const Uint32 *row = (const Uint32 *)((const Uint8 *)src->pixels + (size_t)yy * src->pitch);
                for (int xx = x0; xx < x1; xx++) {
                    Uint32 p = row[xx];
                    double pa = (p >> 24) & 0xFF;
                    a += pa;
                    r += ((p >> 16) & 0xFF) * pa;
                    g += ((p >> 8) & 0xFF) * pa;
                    b += (p & 0xFF) * pa;
                    cnt++;
                }
            }
            Uint32 pix = 0;
            if (cnt && a > 0) {
                Uint32 oa = (Uint32)lround(a / cnt);
                pix = (oa << 24) | ((Uint32)lround(r / a) << 16) | ((Uint32)lround(g / a) << 8) |
                      (Uint32)lround(b / a);
            }
            out[x] = pix;
        }
    }
    SDL_UnlockSurface(src);
    return dst;
}

/* Straight-alpha "over": src onto dst at (dx, dy), clipped. */
static void composite(SDL_Surface *dst, SDL_Surface *src, int dx, int dy)
{
    SDL_LockSurface(src);
    for (int y = 0; y < src->h; y++) {
        int ty = dy + y;
        if (ty < 0 || ty >= dst->h)
            continue;
        const Uint32 *s = (const Uint32 *)((const Uint8 *)src->pixels + (size_t)y * src->pitch);
        Uint32 *d = (Uint32 *)((Uint8 *)dst->pixels + (size_t)ty * dst->pitch);
        for (int x = 0; x < src->w; x++) {
            int tx = dx + x;
            if (tx < 0 || tx >= dst->w)
                continue;
            Uint32 sp = s[x], sa = sp >> 24;
            if (sa == 0)
                continue;
            Uint32 dp = d[tx], da = dp >> 24;
            if (sa == 255 || da == 0) {
                d[tx] = sp;
                continue;
            }
            /* out_a = sa + da (1 - sa); out_c = (sc sa + dc da (1 - sa)) / out_a */
            Uint32 dak = da * (255 - sa) / 255, oa = sa + dak;
            Uint32 pix = oa << 24;
            for (int sh = 0; sh <= 16; sh += 8) {
                Uint32 sc = (sp >> sh) & 0xFF, dc = (dp >> sh) & 0xFF;
                pix |= ((sc * sa + dc * dak + oa / 2) / oa) << sh;
            }
            d[tx] = pix;
        }
    }
    SDL_UnlockSurface(src);
}

static SDL_Surface *to_argb(SDL_Surface *s)
{
    if (s->format->format == SDL_PIXELFORMAT_ARGB8888)
        return s;
    SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(s);
    return c;
}

crier_err crier_fontchain_render(crier_fontchain *fc, const char *text, size_t len,
                                 crier_text_dir dir, SDL_Color color, SDL_Surface **out,
                                 crier_text_metrics *m)
{
    crier_text_metrics local;
    if (!out)
        return CRIER_ERR_INVAL;
    *out = NULL;
    if (!m)
        m = &local;
    crier_err err = crier_fontchain_measure(fc, text, len, dir, m);
    if (err != CRIER_OK)
        return err;
    if (m->w > CRIER_FONTCHAIN_MAX_SURFACE_W) {
        LOG_WARN(COMP, "line of %d px is wider than %d px; not rendered", m->w,
                 CRIER_FONTCHAIN_MAX_SURFACE_W);
        return CRIER_ERR_LIMIT;
    }
    if (fc->nruns == 1 && fc->fonts[fc->runs[0].font].scale == 1.0) {
        /* One run at its own size (most lines): SDL_ttf's surface is the line
         * when it has the line's size; no second buffer, no compositing. */
        const run *r = &fc->runs[0];
        if ((err = crier_fontchain__run_utf8(fc, r)) != CRIER_OK)
            return err;
        crier_fontchain__run_prepare(fc, r);
        SDL_Surface *s = TTF_RenderUTF8_Blended(fc->fonts[r->font].font, fc->utf8, color);
        if (s && s->format->format == SDL_PIXELFORMAT_ARGB8888 && s->w == m->w && s->h == m->h &&
            r->ascent == m->ascent) {
            SDL_SetSurfaceBlendMode(s, SDL_BLENDMODE_BLEND);
            *out = s;
            return CRIER_OK;
        }
        SDL_FreeSurface(s); /* another shape: composed below */
    }
    /* zeroed by SDL: transparent */
    SDL_Surface *line = SDL_CreateRGBSurfaceWithFormat(0, m->w > 0 ? m->w : 1, m->h > 0 ? m->h : 1,
                                                       32, SDL_PIXELFORMAT_ARGB8888);
    if (!line) {
        LOG_WARN(COMP, "SDL_CreateRGBSurfaceWithFormat(%d x %d): %s", m->w, m->h, SDL_GetError());
        return CRIER_ERR_SDL;
    }
    SDL_LockSurface(line);
    int x = 0;
    for (size_t k = 0; k < fc->nruns; k++) {
        const run *r = &fc->runs[fc->order[k]];
        const chain_font *cf = &fc->fonts[r->font];
        if ((err = crier_fontchain__run_utf8(fc, r)) != CRIER_OK)
            goto fail;
        crier_fontchain__run_prepare(fc, r);
        SDL_Surface *s = TTF_RenderUTF8_Blended(cf->font, fc->utf8, color);
        if (!s) {
            /* a run of only zero-width characters renders nothing */
            if (r->w == 0) {
                continue;
            }
            LOG_WARN(COMP, "TTF_RenderUTF8_Blended: %s", TTF_GetError());
            err = CRIER_ERR_SDL;
            goto fail;
        }
        if (!(s = to_argb(s))) {
            err = CRIER_ERR_SDL;
            goto fail;
        }
        if (cf->scale != 1.0) {
            SDL_Surface *d = downscale(s, scaled(s->w, cf->scale), scaled(s->h, cf->scale));
            SDL_FreeSurface(s);
            if (!(s = d)) {
                err = CRIER_ERR_SDL;
                goto fail;
            }
        }
        composite(line, s, x, m->ascent - r->ascent);
        SDL_FreeSurface(s);
        x += r->w;
    }
    SDL_UnlockSurface(line);
    SDL_SetSurfaceBlendMode(line, SDL_BLENDMODE_BLEND);
    *out = line;
    return CRIER_OK;
fail:
    SDL_UnlockSurface(line);
    SDL_FreeSurface(line);
    return err;
}
