/* thumb.c - screenshot thumbnails (fleet.h cn_png_thumb): decode the PNG with
 * SDL_image, scale it with SDL's software blitter, encode it again.  No video
 * subsystem is needed: surfaces are plain memory. */
#include "fleet.h"

#include <SDL.h>
#include <SDL_image.h>
#include <stdlib.h>

crier_err cn_png_thumb(const void *png, size_t len, int width, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    SDL_RWops *in = SDL_RWFromConstMem(png, (int)len);
    SDL_Surface *src = in ? IMG_LoadTyped_RW(in, 1, "PNG") : NULL;
    if (!src)
        return CRIER_ERR_PARSE;
    if (src->w <= 0 || src->h <= 0 || src->w > 16384 || src->h > 16384) {
        SDL_FreeSurface(src);
        return CRIER_ERR_LIMIT;
    }
    int w = src->w < width ? src->w : width;
    int h = (int)((int64_t)src->h * w / src->w);
    if (h < 1)
        h = 1;
    crier_err e = CRIER_ERR_NOMEM;
    SDL_Surface *dst = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
    SDL_Surface *conv = SDL_ConvertSurfaceFormat(src, SDL_PIXELFORMAT_RGB888, 0);
    size_t cap = (size_t)w * (size_t)h * 4 + 65536;
    char *buf = malloc(cap);
    if (dst && conv && buf && SDL_BlitScaled(conv, NULL, dst, NULL) == 0) {
        SDL_RWops *o = SDL_RWFromMem(buf, (int)cap);
        if (o && IMG_SavePNG_RW(dst, o, 0) == 0) {
            Sint64 n = SDL_RWtell(o);
            if (n > 0) {
                *out = buf;
                *out_len = (size_t)n;
                buf = NULL;
                e = CRIER_OK;
            }
        }
        if (o)
            SDL_RWclose(o);
    }
    free(buf);
    SDL_FreeSurface(conv);
    SDL_FreeSurface(dst);
    SDL_FreeSurface(src);
    return e;
}
