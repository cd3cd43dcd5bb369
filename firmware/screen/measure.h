/* measure.h - text measured by the renderer, for pure layout code.
 *
 * Layouts that must be right by construction (the alert view, the post slide:
 * every block in its own rectangle, none overlapping) are computed by pure
 * functions (alerts/alert_layout.c, screen/slide_layout.c) from sizes the
 * renderer measures with its fonts; the unit tests give them a fake measurer.
 * A text block of n lines at px is n * line_height(px) tall, exactly as
 * screen/text.c draws it (no extra line gap). */
#ifndef CRIER_SCREEN_MEASURE_H
#define CRIER_SCREEN_MEASURE_H

#include "screen/layout.h" /* crier_rect */

typedef struct crier_measurer {
    void *ud;
    /* Lines text takes wrapped at width w, size px: at most max_lines (> 0);
     * *cut = 1 when it needed more (then the last one ends in an ellipsis). */
    int (*lines)(void *ud, const char *text, int px, int bold, int w, int max_lines, int *cut);
    /* Distance between baselines at px. */
    int (*line_height)(void *ud, int px, int bold);
    /* Width of text as one line at px. */
    int (*width)(void *ud, const char *text, int px, int bold);
    /* Largest size in [min_px, max_px] at which text wraps into w x h (min_px
     * if none: the caller cuts it).  NULL: the layout steps down by itself. */
    int (*fit)(void *ud, const char *text, int bold, int w, int h, int max_px, int min_px);
} crier_measurer;

/* 1 when a and b share any pixel (empty rectangles share none). */
static inline int crier_rect_overlap(crier_rect a, crier_rect b)
{
    if (a.w <= 0 || a.h <= 0 || b.w <= 0 || b.h <= 0)
        return 0;
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* 1 when inner lies inside outer. */
static inline int crier_rect_inside(crier_rect inner, crier_rect outer)
{
    return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.w <= outer.x + outer.w &&
           inner.y + inner.h <= outer.y + outer.h;
}

#endif
