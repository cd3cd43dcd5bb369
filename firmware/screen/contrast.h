/* contrast.h - WCAG 2.2 relative luminance and contrast ratio.
 *
 * Layouts name their colours as "#rrggbb" (or "#rgb", or "#rrggbbaa" for a
 * translucent foreground).  A test computes the contrast of every text/background
 * pair of the bundled layouts with these functions and requires AA:
 * 4.5:1 for body text, 3:1 for large text (>= 24 px regular or >= 18.66 px bold
 * at the reference height).  Pure logic. */
#ifndef CRIER_CONTRAST_H
#define CRIER_CONTRAST_H

#include "base/error.h"

#include <stdint.h>

#define CRIER_CONTRAST_AA_BODY 4.5
#define CRIER_CONTRAST_AA_LARGE 3.0
#define CRIER_CONTRAST_AAA_BODY 7.0

typedef struct crier_rgba {
    uint8_t r, g, b, a; /* a = 255 when the colour had no alpha */
} crier_rgba;

/* Parses "#rgb", "#rrggbb" or "#rrggbbaa" (hex digits in either case, no spaces).
 * Returns CRIER_ERR_INVAL for NULL, CRIER_ERR_PARSE for anything else; *out is
 * untouched on error. */
crier_err crier_color_parse(const char *text, crier_rgba *out);

/* WCAG 2.2 relative luminance of an opaque sRGB colour, 0.0 (black) .. 1.0 (white). */
double crier_contrast_luminance(crier_rgba c);

/* Contrast ratio (L1 + 0.05) / (L2 + 0.05), 1.0 .. 21.0, symmetric in its
 * arguments.  A translucent foreground is first composited over the background;
 * the background's own alpha is ignored (it is drawn over an unknown page). */
double crier_contrast_ratio_rgba(crier_rgba fg, crier_rgba bg);

/* Same from two colour strings; CRIER_ERR_PARSE if either does not parse. */
crier_err crier_contrast_ratio(const char *fg, const char *bg, double *ratio);

/* 1 when ratio meets WCAG 2.2 AA for body text (large_text = 0) or large text. */
int crier_contrast_meets_aa(double ratio, int large_text);

#endif
