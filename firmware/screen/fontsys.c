/* fontsys.c - the system's fonts (fontconfig), after the bundled chain.
 *
 * A code point no bundled font has, a Han character of a post whose language
 * asks for regional glyph forms (zh-Hans, zh-Hant, zh-HK, ko), or a bold run
 * whose bundled face has no bold cut is looked up in the fonts installed on the
 * system (Debian: fonts-noto-core, fonts-noto-cjk).  The answer is a font file
 * (fontfile.c: mapped once, shared by every chain) that the chain appends to
 * its own list and opens at its size only when a line uses it.
 *
 * Costs.  fontconfig's configuration is loaded on the first miss of the
 * bundled faces (a bare Latin screen never loads it) and let go when the text
 * block is done (crier_fontchain_trim): the found faces keep their charsets.  Each found face becomes
 * a "slot" for its (language class, weight): the next code point of the same
 * class is first asked of those slots (a cmap lookup, no fontconfig), so a
 * Chinese paragraph costs one fontconfig query, not one per character.  Code
 * points the system has no font for are remembered, so a line of unknown
 * characters does not query again on every measure of the word wrapper.
 *
 * Render thread only, like the rest of the font chain.  The registry lives
 * while a chain does (crier_fontsys_acquire/release); the last release drops
 * the slots and fontconfig's configuration. */
#include "screen/fontchain_int.h"

#include "base/log.h"

#include <fontconfig/fontconfig.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SLOTS 24
#define NEG_SLOTS 512
/* fontconfig queries (about 1 ms each) one text block may cost: a hostile
 * line of thousands of distinct unassigned code points must not stall the
 * render thread; past the budget a code point counts as missing (a box)
 * until the next block. */
#define QUERY_BUDGET 32

typedef struct slot {
    font_file *file; /* a reference */
    int han, bold;
} slot;

static struct {
    int users;
    int disabled;      /* CRIER_SYSTEM_FONTS=0, or fontconfig failed to load */
    FcConfig *config;  /* NULL until the first query */
    slot slots[MAX_SLOTS];
    int n_slots;
    uint32_t neg[NEG_SLOTS]; /* (cp << 4 | han << 1 | bold) + 1 of recent misses */
    int full_logged;
    int queries;       /* in this text block */
    int budget_logged;
} g_sys;

/* The fontconfig language of a Han class; NULL for "by script". */
static const char *han_lang(int han)
{
    switch (han) {
    case CRIER_HAN_JA: return "ja";
    case CRIER_HAN_SC: return "zh-cn";
    case CRIER_HAN_TC: return "zh-tw";
    case CRIER_HAN_HK: return "zh-hk";
    case CRIER_HAN_KO: return "ko";
    default: return NULL;
    }
}

void crier_fontsys_acquire(void)
{
    if (g_sys.users++ == 0) {
        const char *env = getenv("CRIER_SYSTEM_FONTS");
        g_sys.disabled = env && strcmp(env, "0") == 0;
    }
}

void crier_fontsys_release(void)
{
    if (g_sys.users <= 0 || --g_sys.users > 0)
        return;
    for (int i = 0; i < g_sys.n_slots; i++)
        crier_fontfile_unref(g_sys.slots[i].file);
    if (g_sys.config)
        FcConfigDestroy(g_sys.config);
    memset(&g_sys, 0, sizeof g_sys);
}

void crier_fontsys_idle(void)
{
    g_sys.queries = 0;
    if (g_sys.config) {
        FcConfigDestroy(g_sys.config);
        g_sys.config = NULL;
    }
}

static uint32_t neg_key(uint32_t cp, int han, int bold)
{
    return ((cp << 4) | (uint32_t)(han << 1) | (uint32_t)(bold != 0)) + 1;
}

static int neg_has(uint32_t key)
{
    return g_sys.neg[(key * 2654435761u) % NEG_SLOTS] == key;
}

static void neg_add(uint32_t key)
{
    g_sys.neg[(key * 2654435761u) % NEG_SLOTS] = key; /* a cache: collisions overwrite */
}

static int slot_has(const slot *s, uint32_t cp)
{
    return crier_fontfile_has(s->file, cp);
}

/* The best installed face for cp, or NULL.  Weight and language rank below
 * coverage: a regular face that has cp beats a bold one that has not. */
static font_file *query(uint32_t cp, int han, int bold)
{
    if (!g_sys.config) {
        g_sys.config = FcInitLoadConfigAndFonts();
        if (!g_sys.config) {
            LOG_WARN(COMP, "fontconfig could not load its configuration; bundled fonts only");
            g_sys.disabled = 1;
            return NULL;
        }
    }
    FcPattern *pat = FcPatternCreate();
    FcCharSet *cs = FcCharSetCreate();
    if (!pat || !cs) {
        if (pat)
            FcPatternDestroy(pat);
        if (cs)
            FcCharSetDestroy(cs);
        return NULL;
    }
    FcCharSetAddChar(cs, cp);
    FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)"sans-serif");
    FcPatternAddCharSet(pat, FC_CHARSET, cs);
    FcPatternAddInteger(pat, FC_WEIGHT, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
    const char *lang = han_lang(han);
    if (lang)
        FcPatternAddString(pat, FC_LANG, (const FcChar8 *)lang);
    FcConfigSubstitute(g_sys.config, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcFontSet *set = FcFontSort(g_sys.config, pat, FcFalse, NULL, &res);
    font_file *found = NULL;
    for (int i = 0; set && i < set->nfont && !found; i++) {
        FcCharSet *have = NULL;
        FcChar8 *file = NULL;
        int index = 0, weight = 0;
        if (FcPatternGetCharSet(set->fonts[i], FC_CHARSET, 0, &have) != FcResultMatch ||
            !FcCharSetHasChar(have, cp) ||
            FcPatternGetString(set->fonts[i], FC_FILE, 0, &file) != FcResultMatch)
            continue;
        FcPatternGetInteger(set->fonts[i], FC_INDEX, 0, &index);
        FcPatternGetInteger(set->fonts[i], FC_WEIGHT, 0, &weight);
        FcBool scalable = FcTrue;
        FcPatternGetBool(set->fonts[i], FC_SCALABLE, 0, &scalable);
        font_file *ff = NULL;
        if (crier_fontfile_ref_lazy((const char *)file, index, have, !scalable, &ff) != CRIER_OK)
            continue; /* unreadable: the next one */
        if (!ff->lazy && !crier_fontfile_has(ff, cp)) { /* a bundled file we already had */
            crier_fontfile_unref(ff);
            continue;
        }
        ff->weight = weight;
        found = ff;
    }
    if (set)
        FcFontSetDestroy(set);
    FcPatternDestroy(pat);
    FcCharSetDestroy(cs);
    return found;
}

font_file *crier_fontsys_find(uint32_t cp, int han, int bold)
{
    if (g_sys.users <= 0 || g_sys.disabled)
        return NULL;
    bold = bold ? 1 : 0;
    /* a face found for the same class and weight answers first; outside Han
     * the language does not matter */
    int cjk = crier_fontchain__is_han_cp(cp);
    for (int i = 0; i < g_sys.n_slots; i++) {
        const slot *s = &g_sys.slots[i];
        if (s->bold == bold && (s->han == han || !cjk) && slot_has(s, cp))
            return s->file;
    }
    uint32_t key = neg_key(cp, han, bold);
    if (neg_has(key))
        return NULL;
    if (g_sys.queries >= QUERY_BUDGET) {
        if (!g_sys.budget_logged++)
            LOG_WARN(COMP, "over %d system font lookups in one text (U+%04X and on): drawn as boxes",
                     QUERY_BUDGET, (unsigned)cp);
        return NULL;
    }
    g_sys.queries++;
    font_file *ff = query(cp, han, bold);
    if (!ff) {
        neg_add(key);
        return NULL;
    }
    for (int i = 0; i < g_sys.n_slots; i++)
        if (g_sys.slots[i].file == ff && g_sys.slots[i].han == han && g_sys.slots[i].bold == bold) {
            crier_fontfile_unref(ff); /* known under this class already */
            return ff;
        }
    if (g_sys.n_slots == MAX_SLOTS) {
        if (!g_sys.full_logged++)
            LOG_WARN(COMP, "more than %d system font faces in use; %s not kept", MAX_SLOTS, ff->path);
        crier_fontfile_unref(ff);
        neg_add(key);
        return NULL;
    }
    LOG_INFO(COMP, "system font %s (face %ld) for U+%04X%s%s", ff->path, ff->index, (unsigned)cp,
             han_lang(han) ? " lang " : "", han_lang(han) ? han_lang(han) : "");
    g_sys.slots[g_sys.n_slots++] = (slot){ff, han, bold};
    return ff;
}

void crier_fontsys_prewarm(void)
{
    if (g_sys.users <= 0 || g_sys.disabled)
        return;
    static const int classes[] = {CRIER_HAN_JA, CRIER_HAN_SC, CRIER_HAN_TC, CRIER_HAN_HK, CRIER_HAN_KO};
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        for (int bold = 0; bold <= 1; bold++)
            crier_fontsys_find(0x6C34 /* 水 */, classes[i], bold);
    crier_fontsys_idle();
}
