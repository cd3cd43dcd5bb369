/* contrast.c - WCAG 2.2 relative luminance and contrast ratio.
 *
 * Design: the formulas of WCAG 2.2 "relative luminance" and "contrast ratio":
 *   c = v / 255; c_lin = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ^ 2.4
 *   L = 0.2126 R + 0.7152 G + 0.0722 B;  ratio = (Lhi + 0.05) / (Llo + 0.05)
 * (WCAG 2.2 uses the sRGB threshold 0.04045; the 0.03928 of older texts gives the
 * same result for every 8-bit value.)  A translucent foreground is blended over
 * the background in sRGB space, as SDL does when it draws text. */
#include "screen/contrast.h"

#include <math.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

crier_err crier_color_parse(const char *text, crier_rgba *out)
{
    if (!text || !out)
        return CRIER_ERR_INVAL;
    if (text[0] != '#')
        return CRIER_ERR_PARSE;
    size_t n = strlen(text + 1);
    if (n != 3 && n != 6 && n != 8)
        return CRIER_ERR_PARSE;
    int v[8];
    for (size_t i = 0; i < n; i++)
        if ((v[i] = hexval(text[1 + i])) < 0)
            return CRIER_ERR_PARSE;
    crier_rgba c = {0, 0, 0, 255};
    if (n == 3) {
        c.r = (uint8_t)(v[0] * 17);
        c.g = (uint8_t)(v[1] * 17);
        c.b = (uint8_t)(v[2] * 17);
    } else {
        c.r = (uint8_t)(v[0] * 16 + v[1]);
        c.g = (uint8_t)(v[2] * 16 + v[3]);
        c.b = (uint8_t)(v[4] * 16 + v[5]);
        if (n == 8)
            c.a = (uint8_t)(v[6] * 16 + v[7]);
    }
    *out = c;
    return CRIER_OK;
}

static double channel(uint8_t v)
{
    double c = v / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

double crier_contrast_luminance(crier_rgba c)
{
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

static uint8_t blend(uint8_t f, uint8_t b, uint8_t a)
{
    return (uint8_t)((f * a + b * (255 - a) + 127) / 255);
}

double crier_contrast_ratio_rgba(crier_rgba fg, crier_rgba bg)
{
    if (fg.a != 255) {
        fg.r = blend(fg.r, bg.r, fg.a);
        fg.g = blend(fg.g, bg.g, fg.a);
        fg.b = blend(fg.b, bg.b, fg.a);
    }
    double l1 = crier_contrast_luminance(fg), l2 = crier_contrast_luminance(bg);
    if (l1 < l2) {
        double t = l1;
        l1 = l2;
        l2 = t;
    }
    return (l1 + 0.05) / (l2 + 0.05);
}

crier_err crier_contrast_ratio(const char *fg, const char *bg, double *ratio)
{
    crier_rgba f, b;
    crier_err err;
    if (!ratio)
        return CRIER_ERR_INVAL;
    if ((err = crier_color_parse(fg, &f)) != CRIER_OK)
        return err;
    if ((err = crier_color_parse(bg, &b)) != CRIER_OK)
        return err;
    *ratio = crier_contrast_ratio_rgba(f, b);
    return CRIER_OK;
}

int crier_contrast_meets_aa(double ratio, int large_text)
{
    /* Compare with a tiny tolerance so 4.4999999 from rounding does not pass
     * but an exact 4.5 does. */
    double need = large_text ? CRIER_CONTRAST_AA_LARGE : CRIER_CONTRAST_AA_BODY;
    return ratio + 1e-9 >= need;
}
