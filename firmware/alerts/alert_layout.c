/* alert_layout.c - where every block of the full-screen alert goes (pure). */
#include "alerts/alert_layout.h"

#include <string.h>

typedef struct sizes {
    int unit, mid, small;
    int head[4];  /* headline candidates, largest first; the last is the minimum */
    int instr[3]; /* instruction candidates */
} sizes;

static sizes sizes_for(int w, int h)
{
    sizes z;
    z.unit = h < w ? h : w; /* the shorter side: portrait text as large as landscape's */
    if (z.unit < 56)
        z.unit = 56;
    z.mid = z.unit / 18;
    z.small = z.unit / 28;
    z.head[0] = z.unit / 9;
    z.head[1] = z.unit / 11;
    z.head[2] = z.unit / 14;
    z.head[3] = z.mid;
    z.instr[0] = z.unit / 14;
    z.instr[1] = z.mid;
    z.instr[2] = z.small;
    return z;
}

int crier_alert_layout_sizes(int w, int h, int *px, int *bold, int n)
{
    sizes z = sizes_for(w, h);
    const int p[] = {z.small, z.small, z.mid, z.head[0], z.head[1], z.head[2]};
    const int b[] = {0, 1, 1, 1, 1, 1};
    int k = 0;
    for (int i = 0; i < 6 && k < n; i++, k++) {
        px[k] = p[i];
        bold[k] = b[i];
    }
    return k;
}

static int has(const char *s)
{
    return s && s[0];
}

static int lh(const crier_measurer *m, int px, int bold)
{
    int v = m->line_height(m->ud, px, bold);
    return v > 0 ? v : px + px / 3;
}

/* Lines of text at px wrapped at w, without a cap (well, 64). */
static int need_lines(const crier_measurer *m, const char *text, int px, int bold, int w)
{
    int cut = 0;
    int n = m->lines(m->ud, text, px, bold, w, 64, &cut);
    return n < 1 ? 1 : n;
}

/* A text block of at most max_lines lines at (x, y), width w; its height is
 * what the lines take.  max_lines < 1: not shown. */
static int place_text(const crier_measurer *m, crier_alert_block *b, const char *text, int px, int bold, int x,
                      int y, int w, int max_lines)
{
    memset(b, 0, sizeof *b);
    if (!has(text) || max_lines < 1 || w < 1)
        return 0;
    int cut = 0;
    int n = m->lines(m->ud, text, px, bold, w, max_lines, &cut);
    if (n < 1)
        n = 1;
    if (n > max_lines)
        n = max_lines;
    b->shown = 1;
    b->px = px;
    b->bold = bold;
    b->lines = n;
    b->cut = cut;
    b->r = (crier_rect){x, y, w, n * lh(m, px, bold)};
    return b->r.h;
}

/* Footer block from the bottom up: returns its top. */
static int place_up(const crier_measurer *m, crier_alert_block *b, const char *text, int px, int bold, int x,
                    int bottom, int w, int max_lines)
{
    if (!place_text(m, b, text, px, bold, x, 0, w, max_lines))
        return bottom;
    b->r.y = bottom - b->r.h;
    return b->r.y;
}

void crier_alert_layout_compute(const crier_alert_layout_in *in, const crier_measurer *m, crier_alert_layout *out)
{
    memset(out, 0, sizeof *out);
    const sizes z = sizes_for(in->w, in->h);
    const int w = in->w;
    int pad = z.unit / 24, y_top = 0, y_bot = in->h;
    out->pad = pad;
    out->unit = z.unit;
    const int small = z.small, mid = z.mid;
    crier_alert_block *B = out->b;

    if (has(in->band)) {
        int bh = lh(m, small, 1) + pad / 2;
        B[CRIER_AB_BAND_TOP] = (crier_alert_block){1, {0, 0, w, bh}, small, 1, 1, 0};
        B[CRIER_AB_BAND_BOTTOM] = (crier_alert_block){1, {0, in->h - bh, w, bh}, small, 1, 1, 0};
        y_top = bh;
        y_bot = in->h - bh;
    }
    const int X = pad, W = w - 2 * pad;
    int y = y_top + pad;

    /* Top line, the language turn at its right. */
    int top_h = lh(m, mid, 1), lang_w = 0;
    if (has(in->lang)) {
        lang_w = m->width(m->ud, in->lang, small, 0);
        if (lang_w > W / 3)
            lang_w = W / 3;
        if (place_text(m, &B[CRIER_AB_LANG], in->lang, small, 0, X + W - lang_w, y, lang_w, 1))
            B[CRIER_AB_LANG].r.y = y + (top_h - B[CRIER_AB_LANG].r.h) / 2;
    }
    place_text(m, &B[CRIER_AB_TOP], in->top, mid, 1, X, y, W - (lang_w ? lang_w + pad : 0), 1);
    y += top_h + pad / 2;
    int rule_h = z.unit / 200 < 2 ? 2 : z.unit / 200;
    B[CRIER_AB_RULE] = (crier_alert_block){1, {X, y, W, rule_h}, 0, 0, 0, 0};
    y += rule_h + pad / 2;

    /* Footer, bottom up: other alerts, times, area (three lines at most). */
    int yb = y_bot - pad;
    int before = yb;
    yb = place_up(m, &B[CRIER_AB_MORE], in->more, small, 0, X, yb, W, 1);
    if (yb != before)
        yb -= pad / 4;
    before = yb;
    yb = place_up(m, &B[CRIER_AB_TIMES], in->times, small, 1, X, yb, W, 2);
    if (yb != before)
        yb -= pad / 4;
    yb = place_up(m, &B[CRIER_AB_AREA], in->area, small, 1, X, yb, W, 3);
    yb -= pad / 2;

    /* Middle: headline, instruction box, description; the QR code beside them
     * (landscape) or under them (portrait). */
    int Wt = W, Ht = yb - y;
    if (in->has_qr) {
        int portrait = in->h > in->w;
        int q = portrait ? W / 3 : z.unit / 4;
        if (q > W / 3)
            q = W / 3;
        if (q > Ht / (portrait ? 3 : 1))
            q = Ht / (portrait ? 3 : 1);
        if (q >= 21 * 2) { /* a readable code: 2 pixels a module at least */
            B[CRIER_AB_QR] = (crier_alert_block){1, {X + W - q, yb - q, q, q}, 0, 0, 0, 0};
            if (portrait)
                Ht -= q + pad;
            else
                Wt -= q + pad;
        }
    }
    const int box_pad_x = pad, box_pad_y = pad / 2; /* the instruction's box around its text */
    const int gap = pad / 2;
    int has_head = has(in->headline), has_instr = has(in->instruction), has_desc = has(in->description);
    int hp = z.head[3], ip = z.instr[2], hl = 0, il = 0, fitted = 0;
    /* candidate pairs, largest first: the headline gives way before the instruction */
    static const int pairs[][2] = {{0, 0}, {1, 0}, {2, 0}, {2, 1}, {3, 1}, {3, 2}};
    int desc_min = has_desc ? lh(m, small, 0) + gap : 0;
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0] && !fitted; k++) {
        hp = z.head[pairs[k][0]];
        ip = z.instr[pairs[k][1]];
        hl = has_head ? need_lines(m, in->headline, hp, 1, Wt) : 0;
        il = has_instr ? need_lines(m, in->instruction, ip, 1, Wt - 2 * box_pad_x) : 0;
        int need = (has_head ? hl * lh(m, hp, 1) + gap : 0) +
                   (has_instr ? il * lh(m, ip, 1) + 2 * box_pad_y + gap : 0) + desc_min;
        fitted = need <= Ht && hl <= 3;
    }
    if (!fitted) {
        /* At the smallest sizes: the headline keeps up to three lines, the
         * instruction what is left (one line at least); both cut. */
        int hlh = lh(m, hp, 1), ilh = lh(m, ip, 1);
        int instr_min = has_instr ? ilh + 2 * box_pad_y + gap : 0;
        int room = Ht - instr_min - desc_min - (has_head ? gap : 0);
        if (room < hlh && desc_min) { /* the description gives way first */
            room += desc_min;
            desc_min = 0;
        }
        if (hl > 3)
            hl = 3;
        if (has_head && hl * hlh > room)
            hl = room / hlh > 1 ? room / hlh : 1;
        if (has_instr) {
            int left = Ht - (has_head ? hl * hlh + gap : 0) - 2 * box_pad_y - gap - desc_min;
            il = left / ilh < il ? left / ilh : il;
            if (il < 1)
                il = 1;
        }
    }
    /* Each block gets at most the lines the room left below it holds. */
    int ym = y, bottom = y + Ht;
    if (has_head) {
        int n = (bottom - ym) / lh(m, hp, 1);
        if (place_text(m, &B[CRIER_AB_HEADLINE], in->headline, hp, 1, X, ym, Wt, n < hl ? n : hl))
            ym += B[CRIER_AB_HEADLINE].r.h + gap;
    }
    if (has_instr) {
        crier_alert_block *ib = &B[CRIER_AB_INSTRUCTION];
        int n = (bottom - ym - 2 * box_pad_y) / lh(m, ip, 1);
        int th = place_text(m, ib, in->instruction, ip, 1, X + box_pad_x, ym + box_pad_y, Wt - 2 * box_pad_x,
                            n < il ? n : il);
        if (th) {
            out->inner = ib->r;
            ib->r = (crier_rect){X, ym, Wt, th + 2 * box_pad_y};
            ym += ib->r.h + gap;
        }
    }
    if (has_desc)
        place_text(m, &B[CRIER_AB_DESCRIPTION], in->description, small, 0, X, ym, Wt,
                   (bottom - ym) / lh(m, small, 0));
    /* Whatever the screen, nothing leaves it: a block that would (a screen too
     * small for the footer) is dropped rather than drawn over another. */
    crier_rect screen = {0, 0, in->w, in->h};
    for (int i = 0; i < CRIER_AB__COUNT; i++)
        if (B[i].shown && !crier_rect_inside(B[i].r, screen))
            B[i].shown = 0;
    static const crier_alert_block_id keep[] = {
        CRIER_AB_BAND_TOP, CRIER_AB_BAND_BOTTOM, CRIER_AB_TOP,         CRIER_AB_RULE,
        CRIER_AB_AREA,     CRIER_AB_TIMES,       CRIER_AB_HEADLINE,    CRIER_AB_INSTRUCTION,
        CRIER_AB_QR,       CRIER_AB_LANG,        CRIER_AB_MORE,        CRIER_AB_DESCRIPTION};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        for (size_t j = i + 1; j < sizeof keep / sizeof keep[0]; j++)
            if (B[keep[i]].shown && B[keep[j]].shown && crier_rect_overlap(B[keep[i]].r, B[keep[j]].r))
                B[keep[j]].shown = 0; /* the more important block keeps its place */
}
