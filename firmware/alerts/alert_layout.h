/* alert_layout.h - where every block of the full-screen alert goes (pure).
 *
 * Correct by construction: each block (band, top line, language tag, headline,
 * instruction, description, QR code, area, times, other alerts) gets its own
 * rectangle; no two intersect and all lie on the screen.  Text shrinks through
 * its candidate sizes down to a minimum, then wraps, then is cut with an
 * ellipsis inside its rectangle (lines says how many lines fit).  The footer
 * (area, times, other alerts) and the top line are placed first, so a long
 * instruction can only take the room between them, never cover them.
 *
 * Landscape: the QR code stands at the bottom right of the middle region and
 * the headline, instruction and description keep left of it.  Portrait: the
 * QR code has a strip of its own under them.  alertview.c draws the result. */
#ifndef CRIER_ALERT_LAYOUT_H
#define CRIER_ALERT_LAYOUT_H

#include "screen/measure.h"

typedef enum crier_alert_block_id {
    CRIER_AB_BAND_TOP = 0, /* TEST / EXERCISE bands */
    CRIER_AB_BAND_BOTTOM,
    CRIER_AB_TOP,          /* severity and event */
    CRIER_AB_LANG,         /* "es  2/3" */
    CRIER_AB_RULE,
    CRIER_AB_HEADLINE,
    CRIER_AB_INSTRUCTION,  /* the inverted box; its text is `inner` */
    CRIER_AB_DESCRIPTION,
    CRIER_AB_QR,
    CRIER_AB_AREA,
    CRIER_AB_TIMES,
    CRIER_AB_MORE,         /* other active alerts */
    CRIER_AB__COUNT
} crier_alert_block_id;

typedef struct crier_alert_block {
    int shown;      /* 0: no such block (no text, no link) or no room */
    crier_rect r;   /* its rectangle */
    int px, bold;   /* text size and weight */
    int lines;      /* text: lines drawn (max_lines of the text style) */
    int cut;        /* text did not fit: its last line ends in "…" */
} crier_alert_block;

typedef struct crier_alert_layout_in {
    int w, h;                   /* screen */
    const char *band;           /* band label or NULL */
    const char *top, *lang;     /* top line; language turn or NULL */
    const char *headline, *instruction, *description; /* NULL or "" = none */
    int has_qr;                 /* a web link */
    const char *area, *times, *more;
} crier_alert_layout_in;

typedef struct crier_alert_layout {
    crier_alert_block b[CRIER_AB__COUNT];
    crier_rect inner; /* the instruction's text inside its box */
    int pad;
    int unit;         /* the shorter side the sizes follow */
} crier_alert_layout;

/* Text sizes of an alert on a w x h screen (all of them: the fonts to keep
 * open).  n <= 8; returns how many (px and bold in step). */
int crier_alert_layout_sizes(int w, int h, int *px, int *bold, int n);

void crier_alert_layout_compute(const crier_alert_layout_in *in, const crier_measurer *m,
                                crier_alert_layout *out);

#endif
