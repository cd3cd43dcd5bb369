/* lang.h - what the screen reads from a language tag (pure).
 *
 * Posts, feed items, events and alert blocks carry a BCP 47 tag ("de",
 * "zh-Hant-TW"); the kiosk's own locale is a POSIX name ("fr_FR.UTF-8").  The
 * font chain picks the regional forms of Han characters by it, the date
 * formatter the day and month names: both ask here, so a tag means the same
 * to both. */
#ifndef CRIER_SCREEN_LANG_H
#define CRIER_SCREEN_LANG_H

#include <stddef.h>

/* Which regional glyph forms Han characters (and kana, Hangul, CJK
 * punctuation) take: the language of the text.  AUTO: by script, the bundled
 * (Japanese) face first, then the system's default.  Regional forms come from
 * the system's CJK faces (fonts-noto-cjk); without them the bundled face draws. */
typedef enum crier_han {
    CRIER_HAN_AUTO = 0,
    CRIER_HAN_JA, /* ja */
    CRIER_HAN_SC, /* zh, zh-Hans, zh-CN, zh-SG, zh-MY */
    CRIER_HAN_TC, /* zh-Hant, zh-TW */
    CRIER_HAN_HK, /* zh-HK, zh-MO, yue */
    CRIER_HAN_KO, /* ko */
} crier_han;

/* Subtag k (0-based) of a BCP 47 tag or POSIX locale name ('-', '_' separate
 * subtags; '.' and '@' end the tag), lower-cased into buf.  0 if there is none
 * or it does not fit. */
int crier_lang_subtag(const char *tag, int k, char *buf, size_t len);

/* The Han class of a language tag (case-insensitive; NULL or not a CJK
 * language: CRIER_HAN_AUTO).  An explicit script (Hans, Hant) wins over a
 * region. */
crier_han crier_lang_han(const char *tag);

#endif
