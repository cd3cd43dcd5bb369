/* layout.h - resolution-independent screen layouts (assets/layouts/NAME.json).
 *
 * A layout names a reference size (e.g. 1920x1080 or 1080x1920) and a list of
 * zones whose rectangles are fractions of the screen [x, y, w, h] in 0..1.  Font
 * sizes are pixels at the reference height and scale with the real height.  See
 * docs/layouts.md.  Parsed from (buf, len) with limits; returns an owned struct. */
#ifndef CRIER_LAYOUT_H
#define CRIER_LAYOUT_H

#include "screen/contrast.h" /* crier_rgba, crier_color_parse */
#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_LAYOUT_MAX_ZONES 16
#define CRIER_LAYOUT_MAX_BYTES (256 * 1024)

typedef enum crier_zone_type {
    CRIER_ZONE_HEADER = 0, /* city name, date and clock */
    CRIER_ZONE_POSTS,      /* rotating posts */
    CRIER_ZONE_EVENTS,     /* upcoming events list */
    CRIER_ZONE_TICKER,     /* one-line ticker */
} crier_zone_type;

typedef struct crier_zone {
    crier_zone_type type;
    char name[32];
    double x, y, w, h;      /* fractions of the screen */
    crier_rgba background;
    crier_rgba color;       /* body text */
    crier_rgba accent;      /* titles, highlights */
    double title_px;        /* at reference height */
    double body_px;
    double min_px;          /* auto-fit never goes below this */
    double padding_px;
    int max_items;          /* events: rows shown */
} crier_zone;

typedef struct crier_layout {
    char name[64];
    int ref_width, ref_height;
    crier_rgba background;
    crier_zone zones[CRIER_LAYOUT_MAX_ZONES];
    int n_zones;
} crier_layout;

typedef struct crier_rect {
    int x, y, w, h;
} crier_rect;

crier_err crier_layout_parse(const char *buf, size_t len, crier_layout *out, char *err, size_t err_len);
/* Pixel rectangle of a zone on a screen of width x height. */
crier_rect crier_layout_zone_rect(const crier_zone *z, int width, int height);
/* Scale a size given at the reference height to a screen of this height (>= 1). */
int crier_layout_px(const crier_layout *l, double ref_px, int height);
/* First zone of a type or NULL. */
const crier_zone *crier_layout_find(const crier_layout *l, crier_zone_type type);

#endif
