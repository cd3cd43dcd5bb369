/* utf8.h - UTF-8 validation, sanitizing and decoding.
 *
 * Content arrives from feeds, MQTT and files as bytes that claim to be UTF-8.
 * crier_utf8_sanitize() turns any (buf, len) into a valid, displayable string
 * before it reaches layout or fonts; the decoding helpers are shared by the word
 * wrapper (screen/wrap.c) and the font chain (screen/fontchain.c).
 *
 * Decoding follows the Unicode "maximal subpart" practice (Unicode 15, ch. 3.9,
 * U+FFFD substitution): overlong forms, surrogates (ED A0..BF), code points above
 * U+10FFFF and truncated sequences are invalid; each maximal invalid subpart
 * counts as one error and is consumed as a unit, so "\xE2\x82" followed by 'A'
 * yields one U+FFFD and then 'A'.  Pure logic, no allocation except where noted. */
#ifndef CRIER_UTF8_H
#define CRIER_UTF8_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_UTF8_REPLACEMENT 0xFFFDu
/* Returned by crier_utf8_next() for an invalid or truncated sequence. */
#define CRIER_UTF8_INVALID 0xFFFFFFFFu
/* Largest input crier_utf8_sanitize() accepts (bytes). */
#define CRIER_UTF8_MAX_INPUT (4u * 1024u * 1024u)

/* Decodes the code point at s[*pos] (pos < len) and advances *pos past it.
 * Returns the code point, or CRIER_UTF8_INVALID after consuming the maximal
 * invalid subpart (at least one byte).  At *pos >= len returns CRIER_UTF8_INVALID
 * without advancing. */
uint32_t crier_utf8_next(const char *s, size_t len, size_t *pos);

/* Start offset of the code point that ends just before pos (0 if pos == 0).
 * On invalid bytes it steps back one byte, so loops always terminate. */
size_t crier_utf8_prev(const char *s, size_t pos);

/* Encodes cp (must be <= U+10FFFF and not a surrogate; otherwise U+FFFD is
 * encoded) into out[0..3]; returns the byte count 1..4.  No NUL is written. */
size_t crier_utf8_encode(uint32_t cp, char out[4]);

/* 1 when buf[0..len) is entirely valid UTF-8 (NUL bytes count as valid). */
int crier_utf8_is_valid(const char *buf, size_t len);

/* Number of code points in s[0..len) (an invalid subpart counts as one). */
size_t crier_utf8_count(const char *s, size_t len);

/* Makes a displayable copy of buf[0..len):
 *   - every maximal invalid subpart, surrogate and noncharacter (U+FFFE, U+FFFF,
 *     U+nFFFE/F, U+FDD0..FDEF) becomes U+FFFD;
 *   - C0 controls other than \n and \t, DEL, C1 controls (U+0080..U+009F) and
 *     NUL are dropped; "\r\n" and lone '\r' become '\n';
 *   - a leading byte-order mark (U+FEFF) is dropped.
 * *out receives a NUL-terminated heap string the caller frees with free();
 * *out_len (may be NULL) its length; *fixes (may be NULL) the number of
 * replacements plus dropped characters (0: the input was clean; "\r\n" -> "\n"
 * does not count).  The function does not log: the caller logs once per item,
 * with the item's id.  Errors: CRIER_ERR_INVAL (NULL out or NULL buf with
 * len > 0), CRIER_ERR_LIMIT (len > CRIER_UTF8_MAX_INPUT), CRIER_ERR_NOMEM. */
crier_err crier_utf8_sanitize(const char *buf, size_t len, char **out, size_t *out_len,
                              size_t *fixes);

#endif
