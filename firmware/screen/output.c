/* output.c - the logical frame onto the display's output, turned by the
 * rotation (0, 90, 180, 270 clockwise).  Render thread. */
#include "screen/internal.h"

typedef struct turn {
    int rotation, lw, lh; /* the logical frame is lw x lh */
} turn;

/* Where logical rectangle l lands on the output once turned clockwise by the
 * rotation (the output is lh x lw at 90 and 270). */
static SDL_Rect turned_rect(const turn *a, SDL_Rect l)
{
    switch (a->rotation) {
    case 90:
        return (SDL_Rect){a->lh - l.y - l.h, l.x, l.h, l.w};
    case 180:
        return (SDL_Rect){a->lw - l.x - l.w, a->lh - l.y - l.h, l.w, l.h};
    case 270:
        return (SDL_Rect){l.y, a->lw - l.x - l.w, l.h, l.w};
    default:
        return l;
    }
}

/* Copy logical rectangle l turned onto the output.  RenderCopyEx turns dst
 * about a centre point it truncates to whole pixels; turning about dst's
 * top-left corner (0, 0) keeps every pixel exact, so dst is placed where that
 * corner goes: the turned rectangle's top-right (90), bottom-right (180) or
 * bottom-left (270) corner. */
static void copy_turned(SDL_Renderer *r, SDL_Texture *frame, const turn *a, SDL_Rect l)
{
    SDL_Rect o = turned_rect(a, l);
    SDL_Rect dst = {o.x, o.y, l.w, l.h};
    if (a->rotation == 90)
        dst.x = o.x + o.w;
    else if (a->rotation == 180) {
        dst.x = o.x + o.w;
        dst.y = o.y + o.h;
    } else if (a->rotation == 270)
        dst.y = o.y + o.h;
    SDL_Point corner = {0, 0};
    SDL_RenderCopyEx(r, frame, &l, &dst, (double)a->rotation, &corner, SDL_FLIP_NONE);
}

/* Copy the logical frame to the output, turned by the configured rotation.
 * An output that keeps its pixels (headless, a window in software) gets only
 * the changed rectangles, which are then rewritten in output coordinates for
 * the present. */
void crier_display_copy_out(crier_display *d, SDL_Texture *frame, int rotation, int lw, int lh, SDL_Rect *changed,
                            int n_changed)
{
    SDL_Renderer *r = d->renderer;
    const turn t = {rotation, lw, lh}, *a = &t;
    SDL_SetRenderTarget(r, NULL);
    if (!frame)
        return; /* composed in place */
    if (d->keeps_frame) {
        if (n_changed == 0) {
            SDL_Rect all = {0, 0, a->lw, a->lh};
            if (a->rotation)
                copy_turned(r, frame, a, all);
            else
                SDL_RenderCopy(r, frame, NULL, NULL);
            return;
        }
        for (int i = 0; i < n_changed; i++) {
            if (a->rotation) {
                copy_turned(r, frame, a, changed[i]);
                changed[i] = turned_rect(a, changed[i]);
            } else {
                SDL_RenderCopy(r, frame, &changed[i], &changed[i]);
            }
        }
        return;
    }
    if (a->rotation == 0) {
        SDL_RenderCopy(r, frame, NULL, NULL);
        return;
    }
    /* A GPU output: RenderCopyEx turns about the centre of dst; a
     * logical-size rectangle centred on the output lands exactly on it. */
    SDL_Rect dst = {(d->width - a->lw) / 2, (d->height - a->lh) / 2, a->lw, a->lh};
    SDL_RenderCopyEx(r, frame, NULL, &dst, (double)a->rotation, NULL, SDL_FLIP_NONE);
}

