/* slide_layout.h - where the blocks of a post slide go (pure).
 *
 * Title, accent rule, body, image, QR code and its caption ("Scan for
 * details" and the address) each get a rectangle inside the posts zone; none
 * intersect.  Text and image share the zone by measured size: the title
 * shrinks (never below min_px) to at most three lines of its full size, the
 * body takes the room the title, image and QR code leave and shrinks to
 * min_px before it is cut with an ellipsis.
 *
 *   landscape, image:    text left; the image above the QR code on the right,
 *                        the caption left of the code
 *   landscape, link:     text left; the code bottom right, caption above it
 *   portrait:            text on top; the image under the text (at least a
 *                        sixth of the room, more when the text is short);
 *                        the code in a strip at the bottom, caption beside it
 * scene.c draws the result. */
#ifndef CRIER_SCREEN_SLIDE_LAYOUT_H
#define CRIER_SCREEN_SLIDE_LAYOUT_H

#include "screen/measure.h"

typedef enum crier_slide_block_id {
    CRIER_SB_TITLE = 0,
    CRIER_SB_RULE,
    CRIER_SB_BODY,
    CRIER_SB_IMAGE, /* the box the image is fitted into (centred, aspect kept) */
    CRIER_SB_QR,    /* the square the code is drawn in (bottom-right aligned) */
    CRIER_SB_HINT,
    CRIER_SB_ADDR,
    CRIER_SB__COUNT
} crier_slide_block_id;

typedef struct crier_slide_block {
    int shown;
    crier_rect r;
    int px, bold, lines, cut;
    int align; /* text: 0 left, 2 right */
} crier_slide_block;

typedef struct crier_slide_layout_in {
    int w, h, pad;                 /* the posts zone, its padding */
    const char *title, *body;      /* NULL or "" = none */
    int title_px, body_px, min_px; /* pixel sizes on this screen */
    int has_image;
    const char *link;              /* the address as shown (no scheme) or NULL */
    const char *hint;              /* "Scan for details" */
    int rule_w, rule_h;            /* the accent rule under the title */
} crier_slide_layout_in;

typedef struct crier_slide_layout {
    crier_slide_block b[CRIER_SB__COUNT];
} crier_slide_layout;

void crier_slide_layout_compute(const crier_slide_layout_in *in, const crier_measurer *m,
                                crier_slide_layout *out);

#endif
