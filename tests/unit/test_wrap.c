/* test_wrap.c - line breaking (screen/wrap.c) with a fixed-advance measure:
 * every codepoint (and every invalid byte) is 10 px wide. */
#include "screen/wrap.h"
#include "check.h"

#include <stdlib.h>

#define ADV 10
#define ELL "\xE2\x80\xA6"

static int measure_calls;

static int fixed_measure(const char *s, size_t len, void *ud)
{
    (void)ud;
    measure_calls++;
    int n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n * ADV;
}

static int width_of(const char *s)
{
    return fixed_measure(s, strlen(s), NULL);
}

/* Wrap into `cols` columns and compare with the expected lines. */
static int wrap_is(const char *text, int cols, int max_lines, int want_trunc, const char *const *want, int n_want)
{
    crier_wrapped w;
    crier_err rc = crier_wrap(text, cols * ADV, max_lines, fixed_measure, NULL, &w);
    int ok = rc == CRIER_OK && w.n_lines == n_want && w.truncated == want_trunc;
    for (int i = 0; ok && i < n_want; i++)
        ok = strcmp(w.lines[i], want[i]) == 0;
    if (!ok) {
        fprintf(stderr, "    wrap(\"%s\", %d cols, %d lines): rc=%d truncated=%d, %d lines:\n", text, cols,
                max_lines, rc, w.truncated, w.n_lines);
        for (int i = 0; i < w.n_lines; i++)
            fprintf(stderr, "      [%s]\n", w.lines[i]);
    }
    crier_wrapped_free(&w);
    return ok;
}

#define WANT(...) (const char *const[]){__VA_ARGS__}, (int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))

TEST(latin_breaks_at_spaces)
{
    CHECK(wrap_is("The quick brown fox jumps over the lazy dog", 15, 10, 0,
                  WANT("The quick brown", "fox jumps over", "the lazy dog")));
    CHECK(wrap_is("short", 15, 10, 0, WANT("short")));
    /* Exactly the width fits. */
    CHECK(wrap_is("abcde fghij", 5, 10, 0, WANT("abcde", "fghij")));
    /* Several spaces between words: none at line ends or starts. */
    CHECK(wrap_is("aaaa     bbbb", 6, 10, 0, WANT("aaaa", "bbbb")));
    /* Breaks after a hyphen. */
    CHECK(wrap_is("well-known facts", 8, 10, 0, WANT("well-", "known", "facts")));
}

/* No word is ever split when every word fits on a line. */
TEST(latin_never_splits_words)
{
    const char *text = "Meet the council, tour the restored clock tower and see the plans for the new "
                       "riverside park. Guided tours leave from the main entrance every half hour.";
    for (int cols = 10; cols <= 60; cols++) {
        crier_wrapped w;
        CHECK_INT_EQ(crier_wrap(text, cols * ADV, 100, fixed_measure, NULL, &w), CRIER_OK);
        /* Joining the lines with single spaces gives back the text. */
        char joined[512] = "";
        for (int i = 0; i < w.n_lines; i++) {
            CHECK(width_of(w.lines[i]) <= cols * ADV);
            CHECK(w.lines[i][0] != ' ' && w.lines[i][strlen(w.lines[i]) - 1] != ' ');
            if (i)
                strcat(joined, " ");
            strcat(joined, w.lines[i]);
        }
        CHECK_STR_EQ(joined, text);
        CHECK_INT_EQ(w.truncated, 0);
        crier_wrapped_free(&w);
    }
}

TEST(long_word_is_split)
{
    CHECK(wrap_is("Donaudampfschifffahrt", 8, 10, 0, WANT("Donaudam", "pfschiff", "fahrt")));
    CHECK(wrap_is("a Donaudampfschifffahrt b", 8, 10, 0, WANT("a", "Donaudam", "pfschiff", "fahrt b")));
    /* A line narrower than one character still makes progress. */
    CHECK(wrap_is("abc", 0 + 1, 10, 0, WANT("a", "b", "c")));
    crier_wrapped w;
    CHECK_INT_EQ(crier_wrap("abc", 5, 10, fixed_measure, NULL, &w), CRIER_OK); /* 5 px < 10 px */
    CHECK_INT_EQ(w.n_lines, 3);
    crier_wrapped_free(&w);
}

TEST(japanese)
{
    /* 市役所は土曜日に一般公開されます。見学ツアーは三十分ごとに出発します。 */
    const char *ja = "市役所は土曜日に一般公開されます。見学ツアーは三十分ごとに出発します。";
    for (int cols = 2; cols <= 12; cols++) {
        crier_wrapped w;
        CHECK_INT_EQ(crier_wrap(ja, cols * ADV, 100, fixed_measure, NULL, &w), CRIER_OK);
        CHECK(w.n_lines > 1);
        size_t total = 0;
        for (int i = 0; i < w.n_lines; i++) {
            CHECK(width_of(w.lines[i]) <= cols * ADV);
            /* Never a line starting with 。 or 、 */
            CHECK(strncmp(w.lines[i], "\xE3\x80\x82", 3) != 0);
            CHECK(strncmp(w.lines[i], "\xE3\x80\x81", 3) != 0);
            total += strlen(w.lines[i]);
        }
        CHECK_INT_EQ(total, strlen(ja)); /* nothing lost, nothing added */
        crier_wrapped_free(&w);
    }
    /* Breaks between ideographs, full lines. */
    CHECK(wrap_is("一二三四五六七", 3, 10, 0, WANT("一二三", "四五六", "七")));
    /* 。 stays with the character before it: the line breaks one earlier. */
    CHECK(wrap_is("一二三。四五", 3, 10, 0, WANT("一二", "三。四", "五")));
    CHECK(wrap_is("一二三、四五", 3, 10, 0, WANT("一二", "三、四", "五")));
    /* Mixed scripts: a Latin word inside Japanese is not split. */
    CHECK(wrap_is("東京Tower行き", 6, 10, 0, WANT("東京", "Tower行", "き")));
    CHECK(wrap_is("東京Towerbridge", 6, 10, 0, WANT("東京", "Towerb", "ridge")));
}

TEST(forced_breaks)
{
    CHECK(wrap_is("one\ntwo", 20, 10, 0, WANT("one", "two")));
    CHECK(wrap_is("one\n\ntwo", 20, 10, 0, WANT("one", "", "two")));
    CHECK(wrap_is("one two three\nfour", 8, 10, 0, WANT("one two", "three", "four")));
    CHECK(wrap_is("end\n", 20, 10, 0, WANT("end")));
}

TEST(ellipsis)
{
    /* Over max_lines: the last kept line gets "…" and still fits. */
    CHECK(wrap_is("aaaa bbbb cccc dddd eeee", 9, 2, 1, WANT("aaaa bbbb", "cccc ddd" ELL)));
    CHECK(wrap_is("aaaa bbbb cc dd eeee", 9, 2, 1, WANT("aaaa bbbb", "cc dd" ELL)));
    CHECK(wrap_is("aaaaa bbbbb ccccc", 5, 2, 1, WANT("aaaaa", "bbbb" ELL)));
    CHECK(wrap_is("a\nb\nc", 5, 2, 1, WANT("a", "b" ELL)));
    CHECK(wrap_is("一二三四五六七", 3, 2, 1, WANT("一二三", "四五" ELL)));
    /* Exactly max_lines: no ellipsis. */
    CHECK(wrap_is("aaaa bbbb", 4, 2, 0, WANT("aaaa", "bbbb")));
    CHECK(wrap_is("a\nb\n", 5, 2, 0, WANT("a", "b")));
    /* The ellipsis line fits for every width. */
    const char *text = "Winter bin collection times change from the first of December onwards";
    for (int cols = 1; cols <= 30; cols++) {
        crier_wrapped w;
        CHECK_INT_EQ(crier_wrap(text, cols * ADV, 2, fixed_measure, NULL, &w), CRIER_OK);
        CHECK(w.n_lines <= 2);
        CHECK(w.truncated);
        if (w.n_lines) {
            const char *last = w.lines[w.n_lines - 1];
            size_t n = strlen(last);
            CHECK(n >= 3 && strcmp(last + n - 3, ELL) == 0);
            CHECK(width_of(last) <= (cols > 1 ? cols : 1) * ADV);
        }
        crier_wrapped_free(&w);
    }
}

TEST(invalid_utf8_and_edges)
{
    static const char *const bad[] = {
        "\xff\xfe\xfd abc",           /* invalid lead bytes */
        "abc \xe6\x97",               /* truncated 3-byte sequence at the end */
        "\xe6\x97 \xe6 \x80\x80\x80", /* truncated and stray continuation bytes */
        "\xf0\x9f\x98",               /* truncated 4-byte */
        "a\xc3",                      /* truncated 2-byte */
        "\xed\xa0\x80 surrogate",     /* encoded surrogate */
        "\xc0\xaf overlong",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (int cols = 1; cols <= 6; cols++) {
            crier_wrapped w;
            crier_err rc = crier_wrap(bad[i], cols * ADV, 3, fixed_measure, NULL, &w);
            CHECK_INT_EQ(rc, CRIER_OK);
            CHECK(w.n_lines >= 1 && w.n_lines <= 3);
            crier_wrapped_free(&w);
        }
    }
    crier_wrapped w;
    /* Empty text: no lines, no error. */
    CHECK_INT_EQ(crier_wrap("", 100, 3, fixed_measure, NULL, &w), CRIER_OK);
    CHECK_INT_EQ(w.n_lines, 0);
    CHECK_INT_EQ(w.truncated, 0);
    crier_wrapped_free(&w);
    /* Only spaces: one empty line at most, never a crash. */
    CHECK_INT_EQ(crier_wrap("     ", 20, 3, fixed_measure, NULL, &w), CRIER_OK);
    CHECK(w.n_lines <= 1);
    crier_wrapped_free(&w);
    /* Bad arguments. */
    CHECK_INT_EQ(crier_wrap(NULL, 100, 3, fixed_measure, NULL, &w), CRIER_ERR_INVAL);
    CHECK_INT_EQ(crier_wrap("x", 0, 3, fixed_measure, NULL, &w), CRIER_ERR_INVAL);
    CHECK_INT_EQ(crier_wrap("x", 100, 0, fixed_measure, NULL, &w), CRIER_ERR_INVAL);
    CHECK_INT_EQ(w.n_lines, 0);
    crier_wrapped_free(&w);
    crier_wrapped_free(NULL);
}

/* A paragraph that starts with spaces does not produce an empty first line. */
TEST(leading_spaces)
{
    CHECK(wrap_is("  aaaaaaaa", 5, 10, 0, WANT("aaaaa", "aaa")));
    CHECK(wrap_is("x\n  aaaaaaaa", 5, 10, 0, WANT("x", "aaaaa", "aaa")));
}

TEST(can_break)
{
    CHECK(crier_wrap_can_break(' ', 'a'));
    CHECK(!crier_wrap_can_break('a', 'b'));
    CHECK(!crier_wrap_can_break('a', ' '));
    CHECK(crier_wrap_can_break('-', 'a'));
    CHECK(crier_wrap_can_break(0x4E00, 0x4E8C));  /* 一二 */
    CHECK(!crier_wrap_can_break(0x4E00, 0x3002)); /* before 。 */
    CHECK(!crier_wrap_can_break(0x4E00, 0x3001)); /* before 、 */
    CHECK(!crier_wrap_can_break(0x300C, 0x4E00)); /* after 「 */
    CHECK(crier_wrap_can_break(0x3002, 0x4E00));  /* after 。 */
    CHECK(crier_wrap_can_break(0xAC00, 0xAC01));  /* Hangul */
}

/* Large input is capped and ellipsized, not rejected. */
TEST(large_input)
{
    size_t n = CRIER_WRAP_MAX_BYTES + 100;
    char *text = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        text[i] = (i % 8 == 7) ? ' ' : 'x';
    text[n] = '\0';
    crier_wrapped w;
    measure_calls = 0;
    CHECK_INT_EQ(crier_wrap(text, 400, 5, fixed_measure, NULL, &w), CRIER_OK);
    CHECK_INT_EQ(w.n_lines, 5);
    CHECK(w.truncated);
    CHECK(measure_calls < 10000); /* stops once the lines are full */
    crier_wrapped_free(&w);
    free(text);
}

int main(void)
{
    RUN(latin_breaks_at_spaces);
    RUN(latin_never_splits_words);
    RUN(long_word_is_split);
    RUN(japanese);
    RUN(forced_breaks);
    RUN(ellipsis);
    RUN(invalid_utf8_and_edges);
    RUN(leading_spaces);
    RUN(can_break);
    RUN(large_input);
    return check_summary();
}
