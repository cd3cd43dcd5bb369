/* utf8.c - UTF-8 validation, sanitizing and decoding.
 *
 * Design: one table-free decoder, crier_utf8_next(), implements the Unicode
 * well-formedness table (Table 3-7) with the allowed range of the second byte
 * depending on the lead byte (E0: A0..BF, ED: 80..9F, F0: 90..BF, F4: 80..8F).
 * Everything else (validation, counting, sanitizing) is a loop over it, so there
 * is exactly one place that decides what is valid.  The sanitizer writes into a
 * buffer of 3 * len + 1 bytes (one invalid byte can grow to the 3-byte U+FFFD,
 * nothing grows more) and shrinks it at the end. */
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

uint32_t crier_utf8_next(const char *s, size_t len, size_t *pos)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = *pos;
    if (i >= len)
        return CRIER_UTF8_INVALID;
    unsigned b0 = p[i];
    if (b0 < 0x80) {
        *pos = i + 1;
        return b0;
    }
    unsigned need, lo = 0x80, hi = 0xBF;
    uint32_t cp;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
        cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        cp = b0 & 0x0F;
        if (b0 == 0xE0)
            lo = 0xA0;
        else if (b0 == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        cp = b0 & 0x07;
        if (b0 == 0xF0)
            lo = 0x90;
        else if (b0 == 0xF4)
            hi = 0x8F; /* <= U+10FFFF */
    } else {
        *pos = i + 1; /* 80..C1, F5..FF: never valid */
        return CRIER_UTF8_INVALID;
    }
    size_t j = i + 1;
    for (unsigned k = 0; k < need; k++, j++) {
        if (j >= len) {
            *pos = j;
            return CRIER_UTF8_INVALID;
        }
        unsigned b = p[j];
        if (b < lo || b > hi) {
            *pos = j; /* the offending byte starts the next unit */
            return CRIER_UTF8_INVALID;
        }
        lo = 0x80;
        hi = 0xBF;
        cp = (cp << 6) | (b & 0x3F);
    }
    *pos = j;
    return cp;
}

size_t crier_utf8_prev(const char *s, size_t pos)
{
    if (pos == 0)
        return 0;
    const unsigned char *p = (const unsigned char *)s;
    size_t start = pos - 1;
    /* up to 3 continuation bytes back */
    while (start > 0 && pos - start < 4 && (p[start] & 0xC0) == 0x80)
        start--;
    size_t q = start;
    if (crier_utf8_next(s, pos, &q) != CRIER_UTF8_INVALID && q == pos)
        return start;
    return pos - 1;
}

size_t crier_utf8_encode(uint32_t cp, char out[4])
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = CRIER_UTF8_REPLACEMENT;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int crier_utf8_is_valid(const char *buf, size_t len)
{
    if (!buf)
        return len == 0;
    size_t pos = 0;
    while (pos < len)
        if (crier_utf8_next(buf, len, &pos) == CRIER_UTF8_INVALID)
            return 0;
    return 1;
}

size_t crier_utf8_count(const char *s, size_t len)
{
    size_t n = 0, pos = 0;
    if (!s)
        return 0;
    while (pos < len) {
        crier_utf8_next(s, len, &pos);
        n++;
    }
    return n;
}

static int is_noncharacter(uint32_t cp)
{
    return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

crier_err crier_utf8_sanitize(const char *buf, size_t len, char **out, size_t *out_len,
                              size_t *fixes)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (fixes)
        *fixes = 0;
    if (!out || (!buf && len > 0))
        return CRIER_ERR_INVAL;
    if (len > CRIER_UTF8_MAX_INPUT)
        return CRIER_ERR_LIMIT;

    char *dst = malloc(3 * len + 1);
    if (!dst)
        return CRIER_ERR_NOMEM;
    size_t pos = 0, o = 0, nfix = 0;
    while (pos < len) {
        uint32_t cp = crier_utf8_next(buf, len, &pos);
        if (cp == CRIER_UTF8_INVALID || is_noncharacter(cp)) {
            cp = CRIER_UTF8_REPLACEMENT;
            nfix++;
        } else if (cp == '\r') {
            if (pos < len && buf[pos] == '\n')
                pos++;
            cp = '\n';
        } else if (cp == '\n' || cp == '\t') {
            /* kept */
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            nfix++; /* NUL, other C0, DEL, C1: dropped */
            continue;
        } else if (cp == 0xFEFF && o == 0) {
            nfix++; /* leading BOM */
            continue;
        }
        o += crier_utf8_encode(cp, dst + o);
    }
    dst[o] = '\0';
    char *shrunk = realloc(dst, o + 1);
    *out = shrunk ? shrunk : dst;
    if (out_len)
        *out_len = o;
    if (fixes)
        *fixes = nfix;
    return CRIER_OK;
}
