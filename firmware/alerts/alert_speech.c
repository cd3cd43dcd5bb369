/* alert_speech.c - speech text and voice choice for the alert sound (see alert_speech.h).
 *
 * Cutting: a part longer than the limit is cut at the last space in its last
 * quarter, else at the limit moved back to a UTF-8 boundary, so the
 * synthesiser never sees half a character and rarely half a word.  Texts come
 * from the alert model, which already refused invalid UTF-8 and control
 * characters other than newline and tab. */
#include "alerts/alert_speech.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of s to keep for at most max bytes. */
static size_t cut_len(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    size_t at = max;
    while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80)
        at--; /* s[at] is now the first byte of a character: cut before it */
    for (size_t i = at; i > at - at / 4 && i > 0; i--)
        if (s[i] == ' ')
            return i;
    return at;
}

/* Append s[0..n) to out at *pos with whitespace runs folded to one space. */
static void append_folded(char *out, size_t *pos, const char *s, size_t n)
{
    int space = *pos > 0 && out[*pos - 1] == ' ';
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            if (!space && *pos > 0)
                out[(*pos)++] = ' ';
            space = 1;
            continue;
        }
        out[(*pos)++] = c;
        space = 0;
    }
    while (*pos > 0 && out[*pos - 1] == ' ')
        (*pos)--;
}

static int ends_sentence(const char *out, size_t pos)
{
    if (pos == 0)
        return 1;
    char c = out[pos - 1];
    if (c == '.' || c == '!' || c == '?' || c == ':' || c == ';')
        return 1;
    /* CJK full stop / exclamation / question mark, Arabic question mark, Devanagari danda */
    static const char *const marks[] = {"\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F", "\xD8\x9F", "\xE0\xA5\xA4"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        size_t m = strlen(marks[i]);
        if (pos >= m && memcmp(out + pos - m, marks[i], m) == 0)
            return 1;
    }
    return 0;
}

char *crier_speech_text(const crier_alert_info *info, size_t part_max)
{
    if (!info)
        return NULL;
    const char *first = info->headline && info->headline[0] ? info->headline : info->event;
    const char *parts[2] = {first, info->instruction};
    size_t cap = 1;
    for (int i = 0; i < 2; i++)
        if (parts[i])
            cap += cut_len(parts[i], part_max) + 2;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t pos = 0;
    for (int i = 0; i < 2; i++) {
        if (!parts[i])
            continue;
        size_t before = pos;
        if (pos > 0) {
            if (!ends_sentence(out, pos))
                out[pos++] = '.';
            out[pos++] = ' ';
        }
        size_t mark = pos;
        append_folded(out, &pos, parts[i], cut_len(parts[i], part_max));
        if (pos <= mark)
            pos = before; /* only whitespace: no separator either */
    }
    out[pos] = '\0';
    if (pos == 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Languages whose tag espeak-ng knows under another name. */
static const char *const aliases[][2] = {
    {"iw", "he"}, {"in", "id"}, {"ji", "yi"}, {"no", "nb"}, {"zh", "cmn"}, {"tl", "fil"}, {"mo", "ro"},
};

static int add_voice(char out[][CRIER_SPEECH_VOICE_MAX], size_t *n, size_t max, const char *v)
{
    if (*n >= max || !v[0] || strlen(v) >= CRIER_SPEECH_VOICE_MAX)
        return 0;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(out[i], v) == 0)
            return 0;
    snprintf(out[(*n)++], CRIER_SPEECH_VOICE_MAX, "%s", v);
    return 1;
}

size_t crier_speech_voices(const char *lang, char out[][CRIER_SPEECH_VOICE_MAX], size_t max)
{
    size_t n = 0;
    if (max == 0)
        return 0;
    char tag[CRIER_SPEECH_VOICE_MAX];
    const char *src = lang && lang[0] ? lang : "en-US";
    size_t len = strlen(src);
    int ok = len < sizeof tag;
    for (size_t i = 0; ok && i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (!isalnum(c) && c != '-' && c != '_')
            ok = 0;
        else
            tag[i] = c == '_' ? '-' : (char)tolower(c);
    }
    if (ok && len > 0 && isalpha((unsigned char)src[0])) {
        tag[len] = '\0';
        add_voice(out, &n, max - 1, tag); /* keep a place for English */
        char primary[CRIER_SPEECH_VOICE_MAX];
        snprintf(primary, sizeof primary, "%.*s", (int)strcspn(tag, "-"), tag);
        add_voice(out, &n, max - 1, primary);
        for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
            if (strcmp(primary, aliases[i][0]) == 0)
                add_voice(out, &n, max - 1, aliases[i][1]);
    }
    add_voice(out, &n, max, "en"); /* already listed when the tag was English */
    return n;
}
