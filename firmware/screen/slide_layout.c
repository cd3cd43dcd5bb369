/* slide_layout.c - where the blocks of a post slide go (pure). */
#include "screen/slide_layout.h"

#include <string.h>

static int has(const char *s)
{
    return s && s[0];
}

static int lh(const crier_measurer *m, int px, int bold)
{
    int v = m->line_height(m->ud, px, bold);
    return v > 0 ? v : px + px / 3;
}

static int imin(int a, int b)
{
    return a < b ? a : b;
}

/* Largest size in [min_px, max_px] at which text wraps into w x h. */
static int fit(const crier_measurer *m, const char *text, int bold, int w, int h, int max_px, int min_px)
{
    if (min_px > max_px)
        min_px = max_px;
    if (m->fit)
        return m->fit(m->ud, text, bold, w, h, max_px, min_px);
    for (int p = max_px; p > min_px; p -= p > 40 ? 4 : 2) {
        int n = h / lh(m, p, bold), cut = 0;
        if (n >= 1) {
            m->lines(m->ud, text, p, bold, w, n, &cut);
            if (!cut)
                return p;
        }
    }
    return min_px;
}

/* A text block at (x, y), width w, at most max_lines lines; its height. */
static int place(const crier_measurer *m, crier_slide_block *b, const char *text, int px, int bold, int x, int y,
                 int w, int max_lines, int align)
{
    memset(b, 0, sizeof *b);
    if (!has(text) || max_lines < 1 || w < 1 || px < 1)
        return 0;
    int cut = 0, n = m->lines(m->ud, text, px, bold, w, max_lines, &cut);
    n = n < 1 ? 1 : imin(n, max_lines);
    *b = (crier_slide_block){1, {x, y, w, n * lh(m, px, bold)}, px, bold, n, cut, align};
    return b->r.h;
}

/* Title, rule and body in the text region t; reserve_below: height the body
 * leaves at the bottom (the portrait image's minimum).  Returns the bottom of
 * the text. */
static int place_text(const crier_slide_layout_in *in, const crier_measurer *m, crier_slide_block *B, crier_rect t,
                      int reserve_below)
{
    int y = t.y, bottom = t.y + t.h, pad = in->pad;
    int title_max = in->title_px, title_min = imin(in->min_px, title_max);
    if (has(in->title)) {
        /* three lines of the full size, less when the body would not keep
         * two lines of its smallest size */
        int room = t.h - pad / 2 - in->rule_h - pad - reserve_below -
                   (has(in->body) ? 2 * lh(m, imin(in->min_px, in->body_px), 0) : 0);
        int box = imin(3 * lh(m, title_max, 1), room);
        if (box < lh(m, title_min, 1))
            box = lh(m, title_min, 1);
        int tp = fit(m, in->title, 1, t.w, box, title_max, title_min);
        int n = box / lh(m, tp, 1);
        y += place(m, &B[CRIER_SB_TITLE], in->title, tp, 1, t.x, y, t.w, n < 1 ? 1 : n, 0) + pad / 2;
    }
    if (y + in->rule_h <= bottom) {
        B[CRIER_SB_RULE] = (crier_slide_block){1, {t.x, y, imin(t.w, in->rule_w), in->rule_h}, 0, 0, 0, 0, 0};
        y += in->rule_h + pad;
    }
    int text_bottom = y;
    if (has(in->body)) {
        int avail = bottom - y - reserve_below;
        int p = fit(m, in->body, 0, t.w, avail, in->body_px, imin(in->min_px, in->body_px));
        int n = avail / lh(m, p, 0);
        if (n >= 1)
            text_bottom = y + place(m, &B[CRIER_SB_BODY], in->body, p, 0, t.x, y, t.w, n, 0);
    }
    return text_bottom;
}

void crier_slide_layout_compute(const crier_slide_layout_in *in, const crier_measurer *m, crier_slide_layout *out)
{
    memset(out, 0, sizeof *out);
    crier_slide_block *B = out->b;
    const int w = in->w, h = in->h, pad = in->pad;
    const int portrait = h > w;
    const int cap_px = in->min_px;
    crier_rect text = {pad, pad, w - 2 * pad, h - 2 * pad};
    int q = 0, qx = 0, qy = 0;
    if (has(in->link)) {
        q = portrait ? imin(h * 16 / 100, w * 30 / 100) : imin(h * 26 / 100, w * 22 / 100);
        qx = w - pad - q;
        qy = h - pad - q;
        B[CRIER_SB_QR] = (crier_slide_block){1, {qx, qy, q, q}, 0, 0, 0, 0, 0};
    }
    if (!portrait) {
        int col_x = in->has_image ? w * 55 / 100 : qx;
        if (in->has_image || q)
            text.w = col_x - 2 * pad;
        if (q && in->has_image) {
            /* caption left of the code, inside the right-hand column */
            int cap_w = qx - pad - col_x;
            int hh = place(m, &B[CRIER_SB_HINT], in->hint, cap_px, 1, col_x, 0, cap_w, 1, 2);
            int ah = place(m, &B[CRIER_SB_ADDR], in->link, cap_px, 0, col_x, 0, cap_w, 2, 2);
            int y0 = qy + (q - hh - ah) / 2;
            B[CRIER_SB_HINT].r.y = y0;
            B[CRIER_SB_ADDR].r.y = y0 + hh;
            int top = imin(qy, y0) - pad;
            crier_rect box = {col_x, pad, w - pad - col_x, top - pad};
            if (box.h > 0)
                B[CRIER_SB_IMAGE] = (crier_slide_block){1, box, 0, 0, 0, 0, 0};
        } else if (q) {
            /* caption above the code, as wide as the code */
            int ah = place(m, &B[CRIER_SB_ADDR], in->link, cap_px, 0, qx, 0, q, 2, 0);
            int hh = place(m, &B[CRIER_SB_HINT], in->hint, cap_px, 1, qx, 0, q, 1, 0);
            B[CRIER_SB_ADDR].r.y = qy - pad / 2 - ah;
            B[CRIER_SB_HINT].r.y = qy - pad / 2 - ah - hh;
        } else if (in->has_image) {
            crier_rect box = {col_x, pad, w - pad - col_x, h - 2 * pad};
            B[CRIER_SB_IMAGE] = (crier_slide_block){1, box, 0, 0, 0, 0, 0};
        }
        place_text(in, m, B, text, 0);
    } else {
        if (q) {
            int cap_w = qx - 2 * pad;
            int hh = place(m, &B[CRIER_SB_HINT], in->hint, cap_px, 1, pad, 0, cap_w, 1, 2);
            int ah = place(m, &B[CRIER_SB_ADDR], in->link, cap_px, 0, pad, 0, cap_w, 2, 2);
            int y0 = qy + (q - hh - ah) / 2;
            B[CRIER_SB_HINT].r.y = y0;
            B[CRIER_SB_ADDR].r.y = y0 + hh;
            text.h = imin(qy, y0) - pad - text.y;
        }
        int img_min = in->has_image ? text.h / 6 : 0;
        int bottom = place_text(in, m, B, text, in->has_image ? img_min + pad : 0);
        if (in->has_image) {
            int top = bottom + pad;
            crier_rect box = {pad, top, w - 2 * pad, text.y + text.h - top};
            if (box.h > 0)
                B[CRIER_SB_IMAGE] = (crier_slide_block){1, box, 0, 0, 0, 0, 0};
        }
    }
    /* Safety net for zones too small for the rules above: nothing leaves the
     * zone and nothing is drawn over an earlier block. */
    crier_rect zone = {0, 0, w, h};
    static const crier_slide_block_id keep[] = {CRIER_SB_QR,  CRIER_SB_TITLE, CRIER_SB_RULE, CRIER_SB_BODY,
                                                CRIER_SB_HINT, CRIER_SB_ADDR, CRIER_SB_IMAGE};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        crier_slide_block *a = &B[keep[i]];
        if (a->shown && !crier_rect_inside(a->r, zone))
            a->shown = 0;
        for (size_t j = 0; a->shown && j < i; j++)
            if (B[keep[j]].shown && crier_rect_overlap(a->r, B[keep[j]].r))
                a->shown = 0;
    }
}
