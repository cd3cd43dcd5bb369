/* fontscript.c - what the font chain needs to know about a code point: its
 * script (runs are shaped with its ISO 15924 tag), whether it is a neutral,
 * an extender of the preceding character, ignorable or a pictograph.  Pure
 * tables; render thread or any. */
#include "screen/fontchain_int.h"

#include <string.h>

const char *const crier_fontscript_tag[CRIER_SC__COUNT] = {
    "Zyyy", "Zinh", "Latn", "Grek", "Cyrl", "Arab", "Hebr", "Deva", "Thai", "Hang",
    "Hani", "Kana", "Hira", "Armn", "Beng", "Guru", "Gujr", "Orya", "Taml", "Telu",
    "Knda", "Mlym", "Sinh", "Laoo", "Tibt", "Mymr", "Geor", "Ethi", "Khmr"};

/* Scripts in blocks of their own (shaped by HarfBuzz with their script tag). */
static const struct {
    uint32_t lo, hi;
    int sc;
} script_blocks[] = {
    {0x0530, 0x058F, SC_ARMN}, {0x0980, 0x09FF, SC_BENG}, {0x0A00, 0x0A7F, SC_GURU},
    {0x0A80, 0x0AFF, SC_GUJR}, {0x0B00, 0x0B7F, SC_ORYA}, {0x0B80, 0x0BFF, SC_TAML},
    {0x0C00, 0x0C7F, SC_TELU}, {0x0C80, 0x0CFF, SC_KNDA}, {0x0D00, 0x0D7F, SC_MLYM},
    {0x0D80, 0x0DFF, SC_SINH}, {0x0E80, 0x0EFF, SC_LAOO}, {0x0F00, 0x0FFF, SC_TIBT},
    {0x1000, 0x109F, SC_MYMR}, {0x10A0, 0x10FF, SC_GEOR}, {0x1200, 0x139F, SC_ETHI},
    {0x1780, 0x17FF, SC_KHMR}, {0x19E0, 0x19FF, SC_KHMR}, {0x1C90, 0x1CBF, SC_GEOR},
    {0x2D00, 0x2D2F, SC_GEOR}, {0x2D80, 0x2DDF, SC_ETHI}, {0xA9E0, 0xA9FF, SC_MYMR},
    {0xAA60, 0xAA7F, SC_MYMR}, {0xAB00, 0xAB2F, SC_ETHI}, {0xFB13, 0xFB17, SC_ARMN},
};

static int is_variation_selector(uint32_t cp)
{
    return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

/* Default-ignorable format characters: HarfBuzz hides them even when the font
 * has no glyph, so they are never "missing". */
int crier_fontscript_ignorable(uint32_t cp)
{
    return cp == 0x00AD || cp == 0x034F || cp == 0x061C || (cp >= 0x180B && cp <= 0x180F) ||
           (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF || is_variation_selector(cp) ||
           (cp >= 0xE0000 && cp <= 0xE0FFF);
}

/* Stays in the run of the preceding base character. */
int crier_fontscript_extender(uint32_t cp, FriBidiCharType t)
{
    return t == FRIBIDI_TYPE_NSM || cp == 0x200C || cp == 0x200D || is_variation_selector(cp) ||
           (cp >= 0x1F3FB && cp <= 0x1F3FF) /* skin tones */ ||
           (cp >= 0xE0020 && cp <= 0xE007F) /* emoji tag sequences */ ||
           (cp >= 0x0900 && cp <= 0x0DFF && t == FRIBIDI_TYPE_LTR && /* Indic spacing marks */
            ((cp & 0x7F) >= 0x3E && (cp & 0x7F) <= 0x4D));
}

/* Spaces and punctuation: take the font of their neighbours. */
int crier_fontscript_neutral(FriBidiCharType t)
{
    return t == FRIBIDI_TYPE_WS || t == FRIBIDI_TYPE_CS || t == FRIBIDI_TYPE_ES ||
           t == FRIBIDI_TYPE_ET || t == FRIBIDI_TYPE_ON || t == FRIBIDI_TYPE_BS ||
           t == FRIBIDI_TYPE_SS || t == FRIBIDI_TYPE_BN;
}

int crier_fontscript_of(uint32_t cp, FriBidiCharType t)
{
    if (t == FRIBIDI_TYPE_NSM || cp == 0x200C || cp == 0x200D || is_variation_selector(cp))
        return CRIER_SC_INHERITED;
    if (cp < 0x80)
        return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') ? SC_LATN : CRIER_SC_COMMON;
    if ((cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x1E00 && cp <= 0x1EFF) ||
        (cp >= 0x2C60 && cp <= 0x2C7F) || (cp >= 0xA720 && cp <= 0xA7FF) ||
        (cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A))
        return SC_LATN;
    if ((cp >= 0x370 && cp <= 0x3FF) || (cp >= 0x1F00 && cp <= 0x1FFF))
        return SC_GREK;
    if ((cp >= 0x400 && cp <= 0x52F) || (cp >= 0x1C80 && cp <= 0x1C8F) ||
        (cp >= 0x2DE0 && cp <= 0x2DFF) || (cp >= 0xA640 && cp <= 0xA69F))
        return SC_CYRL;
    if (cp >= 0x590 && cp <= 0x5FF)
        return SC_HEBR;
    if ((cp >= 0x600 && cp <= 0x6FF && cp != 0x60C && cp != 0x61B && cp != 0x61F &&
         cp != 0x640 && !(cp >= 0x660 && cp <= 0x669)) ||
        (cp >= 0x750 && cp <= 0x77F) || (cp >= 0x8A0 && cp <= 0x8FF) ||
        (cp >= 0xFB50 && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFE))
        return SC_ARAB;
    if (cp >= 0xFB1D && cp <= 0xFB4F)
        return SC_HEBR;
    if ((cp >= 0x900 && cp <= 0x97F && cp != 0x964 && cp != 0x965) ||
        (cp >= 0xA8E0 && cp <= 0xA8FF))
        return SC_DEVA;
    if (cp >= 0xE00 && cp <= 0xE7F)
        return SC_THAI;
    for (size_t i = 0; i < sizeof script_blocks / sizeof script_blocks[0]; i++)
        if (cp >= script_blocks[i].lo && cp <= script_blocks[i].hi)
            return script_blocks[i].sc;
    if ((cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x3130 && cp <= 0x318F) ||
        (cp >= 0xA960 && cp <= 0xA97F) || (cp >= 0xAC00 && cp <= 0xD7FF) ||
        (cp >= 0xFFA0 && cp <= 0xFFDC))
        return SC_HANG;
    if (cp >= 0x3040 && cp <= 0x309F)
        return SC_HIRA;
    if ((cp >= 0x30A0 && cp <= 0x30FF && cp != 0x30FC && cp != 0x30FB) ||
        (cp >= 0x31F0 && cp <= 0x31FF) || (cp >= 0xFF66 && cp <= 0xFF9D))
        return SC_KANA;
    if ((cp >= 0x2E80 && cp <= 0x2FDF) || cp == 0x3005 || cp == 0x3007 ||
        (cp >= 0x3021 && cp <= 0x3029) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0x20000 && cp <= 0x3FFFF))
        return SC_HANI;
    return CRIER_SC_COMMON;
}

/* Kana and kanji shape the same way and share the CJK font: one run. */
int crier_fontscript_group(int sc)
{
    return (sc == SC_KANA || sc == SC_HIRA) ? SC_HANI : sc;
}

int crier_fontchain__is_han_cp(uint32_t cp)
{
    if (cp < 0x1100)
        return 0;
    int sc = crier_fontscript_of(cp, FRIBIDI_TYPE_LTR);
    return sc == SC_HANI || sc == SC_KANA || sc == SC_HIRA || sc == SC_HANG ||
           (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0x3200 && cp <= 0x33FF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFFEF) || cp == 0x30FC ||
           cp == 0x30FB;
}


/* Pictographs (emoji) choose a font like letters, never by their neighbours. */
int crier_fontscript_pictographic(uint32_t cp)
{
    return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2300 && cp <= 0x23FF) ||
           (cp >= 0x2600 && cp <= 0x27BF) || (cp >= 0x2B00 && cp <= 0x2BFF) ||
           (cp >= 0x2194 && cp <= 0x21AA) || cp == 0x00A9 || cp == 0x00AE || cp == 0x203C ||
           cp == 0x2049 || cp == 0x2122 || cp == 0x2139 || cp == 0x3030 || cp == 0x303D ||
           cp == 0x3297 || cp == 0x3299;
}
