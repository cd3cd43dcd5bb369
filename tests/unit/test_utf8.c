/* test_utf8.c - UTF-8 decoding, validation and sanitizing (base/utf8.c). */
#include "base/utf8.h"
#include "check.h"

#include <stdlib.h>

/* Sanitize s[0..len) and compare with want; returns fixes via *nfix. */
static int sanitize_is(const char *s, size_t len, const char *want, size_t want_fixes)
{
    char *out = NULL;
    size_t out_len = 99, fixes = 99;
    crier_err err = crier_utf8_sanitize(s, len, &out, &out_len, &fixes);
    int ok = err == CRIER_OK && out && strcmp(out, want) == 0 && out_len == strlen(want) &&
             fixes == want_fixes && crier_utf8_is_valid(out, out_len);
    if (!ok)
        fprintf(stderr, "    sanitize: err=%d out=\"%s\" fixes=%zu (want \"%s\", %zu)\n", err,
                out ? out : "(null)", fixes, want, want_fixes);
    free(out);
    return ok;
}

#define S(lit) lit, sizeof(lit) - 1
#define FFFD "\xEF\xBF\xBD"

TEST(decode_valid)
{
    const char *s = "A\xC3\xA9\xE6\x9D\xB1\xF0\x9F\x98\x80"; /* A é 東 😀 */
    size_t len = strlen(s), pos = 0;
    CHECK_INT_EQ(crier_utf8_next(s, len, &pos), 'A');
    CHECK_INT_EQ(pos, 1);
    CHECK_INT_EQ(crier_utf8_next(s, len, &pos), 0xE9);
    CHECK_INT_EQ(pos, 3);
    CHECK_INT_EQ(crier_utf8_next(s, len, &pos), 0x6771);
    CHECK_INT_EQ(pos, 6);
    CHECK_INT_EQ(crier_utf8_next(s, len, &pos), 0x1F600);
    CHECK_INT_EQ(pos, 10);
    CHECK_INT_EQ(crier_utf8_next(s, len, &pos), CRIER_UTF8_INVALID);
    CHECK_INT_EQ(pos, 10);
    CHECK_INT_EQ(crier_utf8_count(s, len), 4);
    CHECK(crier_utf8_is_valid(s, len));
}

TEST(decode_boundaries)
{
    /* last code point of each length and U+10FFFF */
    const char *s = "\x7F\xDF\xBF\xEF\xBF\xBD\xF4\x8F\xBF\xBF";
    size_t len = strlen(s), pos = 0;
    CHECK_INT_EQ(crier_utf8_next(s, len, &pos), 0x7F);
    CHECK_INT_EQ(crier_utf8_next(s, len, &pos), 0x7FF);
    CHECK_INT_EQ(crier_utf8_next(s, len, &pos), 0xFFFD);
    CHECK_INT_EQ(crier_utf8_next(s, len, &pos), 0x10FFFF);
}

TEST(decode_invalid_maximal_subparts)
{
    struct {
        const char *s;
        size_t consumed; /* bytes eaten by the first, invalid, unit */
    } cases[] = {
        {"\x80", 1},             /* lone continuation */
        {"\xC0\xAF", 1},         /* overlong lead C0 */
        {"\xC1\xBF", 1},         /* overlong lead C1 */
        {"\xE0\x80\x80", 1},     /* overlong 3-byte: E0 needs A0..BF */
        {"\xED\xA0\x80", 1},     /* surrogate U+D800 */
        {"\xF0\x80\x80\x80", 1}, /* overlong 4-byte */
        {"\xF4\x90\x80\x80", 1}, /* > U+10FFFF */
        {"\xF5\x80", 1},         /* never-valid lead */
        {"\xFF", 1},
        {"\xE2\x82", 2},         /* truncated at end */
        {"\xE2\x82" "A", 2},     /* truncated before ASCII */
        {"\xF0\x9F\x98", 3},     /* truncated 4-byte */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t pos = 0, len = strlen(cases[i].s);
        CHECK_INT_EQ(crier_utf8_next(cases[i].s, len, &pos), CRIER_UTF8_INVALID);
        CHECK_INT_EQ(pos, cases[i].consumed);
        CHECK(!crier_utf8_is_valid(cases[i].s, len));
    }
}

TEST(prev_steps_back_one_code_point)
{
    const char *s = "a\xC3\xA9\xF0\x9F\x98\x80" "b";
    size_t len = strlen(s);
    CHECK_INT_EQ(crier_utf8_prev(s, len), 7);
    CHECK_INT_EQ(crier_utf8_prev(s, 7), 3);
    CHECK_INT_EQ(crier_utf8_prev(s, 3), 1);
    CHECK_INT_EQ(crier_utf8_prev(s, 1), 0);
    CHECK_INT_EQ(crier_utf8_prev(s, 0), 0);
    /* invalid bytes: one byte at a time, always progresses */
    const char *bad = "x\x80\x80";
    CHECK_INT_EQ(crier_utf8_prev(bad, 3), 2);
    CHECK_INT_EQ(crier_utf8_prev(bad, 2), 1);
}

TEST(encode_roundtrip)
{
    uint32_t cps[] = {0x24, 0xA2, 0x939, 0x20AC, 0xD55C, 0x10348, 0x1F469, 0x10FFFF};
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        char buf[4];
        size_t n = crier_utf8_encode(cps[i], buf), pos = 0;
        CHECK_INT_EQ(crier_utf8_next(buf, n, &pos), cps[i]);
        CHECK_INT_EQ(pos, n);
    }
    char buf[4];
    CHECK_INT_EQ(crier_utf8_encode(0xD800, buf), 3); /* surrogate -> U+FFFD */
    CHECK(memcmp(buf, FFFD, 3) == 0);
    CHECK_INT_EQ(crier_utf8_encode(0x110000, buf), 3);
}

TEST(sanitize_clean_text_unchanged)
{
    CHECK(sanitize_is(S("Hello, world"), "Hello, world", 0));
    CHECK(sanitize_is(S("\xE6\x9D\xB1\xE4\xBA\xAC\n\tok"), "\xE6\x9D\xB1\xE4\xBA\xAC\n\tok", 0));
    CHECK(sanitize_is(S(""), "", 0));
    CHECK(sanitize_is(NULL, 0, "", 0));
}

TEST(sanitize_invalid_sequences)
{
    CHECK(sanitize_is(S("a\xFF" "b"), "a" FFFD "b", 1));
    CHECK(sanitize_is(S("\xE2\x82" "A"), FFFD "A", 1));
    CHECK(sanitize_is(S("\xED\xA0\x80"), FFFD FFFD FFFD, 3)); /* surrogate: 3 subparts */
    CHECK(sanitize_is(S("\xC0\xAF"), FFFD FFFD, 2));
    CHECK(sanitize_is(S("end\xF0\x9F\x98"), "end" FFFD, 1));
    /* noncharacters */
    CHECK(sanitize_is(S("\xEF\xBF\xBE\xEF\xB7\x90"), FFFD FFFD, 2));
}

TEST(sanitize_controls)
{
    CHECK(sanitize_is(S("a\x01" "b\x1B[31mc\x7F"), "ab[31mc", 3));
    CHECK(sanitize_is(S("nul\0byte"), "nulbyte", 1));
    CHECK(sanitize_is(S("C1:\xC2\x85\xC2\x9B."), "C1:.", 2));
    CHECK(sanitize_is(S("dos\r\nmac\rend"), "dos\nmac\nend", 0));
    CHECK(sanitize_is(S("\xEF\xBB\xBFhi\xEF\xBB\xBF"), "hi\xEF\xBB\xBF", 1));
}

TEST(sanitize_errors)
{
    char *out = (char *)1;
    CHECK_INT_EQ(crier_utf8_sanitize("x", 1, NULL, NULL, NULL), CRIER_ERR_INVAL);
    CHECK_INT_EQ(crier_utf8_sanitize(NULL, 3, &out, NULL, NULL), CRIER_ERR_INVAL);
    CHECK(out == NULL);
    CHECK_INT_EQ(crier_utf8_sanitize("x", (size_t)CRIER_UTF8_MAX_INPUT + 1, &out, NULL, NULL),
                 CRIER_ERR_LIMIT);
}

/* Every byte string of length <= 3 over an interesting alphabet sanitizes to
 * valid UTF-8 and never grows more than 3x. */
TEST(sanitize_exhaustive_short)
{
    static const unsigned char alpha[] = {0x00, 0x0A, 0x1F, 0x41, 0x7F, 0x80, 0x9F, 0xA0, 0xBF,
                                          0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
    size_t na = sizeof alpha, bad = 0;
    for (size_t a = 0; a < na; a++)
        for (size_t b = 0; b < na; b++)
            for (size_t c = 0; c < na; c++) {
                char in[3] = {(char)alpha[a], (char)alpha[b], (char)alpha[c]};
                char *out = NULL;
                size_t out_len = 0;
                if (crier_utf8_sanitize(in, 3, &out, &out_len, NULL) != CRIER_OK ||
                    !crier_utf8_is_valid(out, out_len) || out_len > 9 || strlen(out) != out_len)
                    bad++;
                free(out);
            }
    CHECK_INT_EQ(bad, 0);
}

int main(void)
{
    RUN(decode_valid);
    RUN(decode_boundaries);
    RUN(decode_invalid_maximal_subparts);
    RUN(prev_steps_back_one_code_point);
    RUN(encode_roundtrip);
    RUN(sanitize_clean_text_unchanged);
    RUN(sanitize_invalid_sequences);
    RUN(sanitize_controls);
    RUN(sanitize_errors);
    RUN(sanitize_exhaustive_short);
    return check_summary();
}
