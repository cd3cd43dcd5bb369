/* imgdiff.c - compare two images for the golden-image tests.
 *
 *   crier-imgdiff ACTUAL.png EXPECTED.png [--max-fraction F] [--threshold T] [--diff OUT.png]
 *
 * A pixel differs when any channel differs by more than T (default 40).
 * Exit 0 when the images have the same size and at most fraction F (default
 * 0.0005, about 1000 pixels at 1920x1080) of the pixels differ; 1 otherwise; 2 on usage or I/O errors.  Prints
 * one line: "differing=N total=M fraction=X max_delta=D". */
#include <SDL.h>
#include <SDL_image.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static SDL_Surface *load(const char *path)
{
    SDL_Surface *s = IMG_Load(path);
    if (!s) {
        fprintf(stderr, "imgdiff: cannot load '%s': %s\n", path, IMG_GetError());
        return NULL;
    }
    SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(s);
    return c;
}

int main(int argc, char **argv)
{
    double max_fraction = 0.0005;
    int threshold = 40;
    const char *diff_path = NULL;
    if (argc < 3) {
        fprintf(stderr, "usage: crier-imgdiff ACTUAL EXPECTED [--max-fraction F] [--threshold T] [--diff OUT]\n");
        return 2;
    }
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--max-fraction") == 0)
            max_fraction = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--threshold") == 0)
            threshold = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--diff") == 0)
            diff_path = argv[i + 1];
        else {
            fprintf(stderr, "imgdiff: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    SDL_Surface *a = load(argv[1]), *b = load(argv[2]);
    if (!a || !b)
        return 2;
    if (a->w != b->w || a->h != b->h) {
        printf("size mismatch: %dx%d vs %dx%d\n", a->w, a->h, b->w, b->h);
        return 1;
    }
    SDL_Surface *d = diff_path ? SDL_CreateRGBSurfaceWithFormat(0, a->w, a->h, 32, SDL_PIXELFORMAT_ARGB8888) : NULL;
    long differing = 0, total = (long)a->w * a->h;
    int max_delta = 0;
    for (int y = 0; y < a->h; y++) {
        const Uint32 *ra = (const Uint32 *)((const Uint8 *)a->pixels + y * a->pitch);
        const Uint32 *rb = (const Uint32 *)((const Uint8 *)b->pixels + y * b->pitch);
        for (int x = 0; x < a->w; x++) {
            int delta = 0;
            for (int sh = 0; sh < 24; sh += 8) {
                int ca = (ra[x] >> sh) & 0xFF, cb = (rb[x] >> sh) & 0xFF;
                int dd = ca > cb ? ca - cb : cb - ca;
                if (dd > delta)
                    delta = dd;
            }
            if (delta > max_delta)
                max_delta = delta;
            if (delta > threshold)
                differing++;
            if (d)
                ((Uint32 *)((Uint8 *)d->pixels + y * d->pitch))[x] =
                    delta > threshold ? 0xFFFF0000u : (0xFF000000u | ((ra[x] >> 2) & 0x3F3F3F));
        }
    }
    double fraction = (double)differing / (double)total;
    printf("differing=%ld total=%ld fraction=%.6f max_delta=%d\n", differing, total, fraction, max_delta);
    if (d) {
        IMG_SavePNG(d, diff_path);
        SDL_FreeSurface(d);
    }
    SDL_FreeSurface(a);
    SDL_FreeSurface(b);
    return fraction <= max_fraction ? 0 : 1;
}
