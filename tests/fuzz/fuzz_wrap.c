/* fuzz_wrap.c - libFuzzer harness for line breaking (crier_wrap) with a
 * fixed-advance measure (10 px per code point, 20 for anything above U+1100
 * so wide scripts differ).  The first two bytes pick the width (0..2550 px)
 * and the line limit (0..15).  Properties: at most max_lines lines, every line
 * valid UTF-8 when the input is (no code point split), no line longer than the
 * text plus an ellipsis.  See fuzz_common.h. */
#include "fuzz_common.h"

#include "base/utf8.h"
#include "screen/wrap.h"

static int fuzz_wrap_measure(const char *s, size_t len, void *ud)
{
    int *calls = ud;
    (*calls)++;
    int w = 0;
    size_t pos = 0;
    while (pos < len) {
        uint32_t cp = crier_utf8_next(s, len, &pos);
        w += (cp != CRIER_UTF8_INVALID && cp >= 0x1100) ? 20 : 10;
    }
    return w;
}

static int fuzz_wrap_one(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    if (size < 2)
        return 0;
    int max_width = data[0] * 10, max_lines = data[1] & 0x0f;
    char *text = fuzz_cstr(data + 2, size - 2);
    size_t tlen = strlen(text);
    int calls = 0;
    crier_wrapped w;
    memset(&w, 0, sizeof w);
    crier_err rc = crier_wrap(text, max_width, max_lines, fuzz_wrap_measure, &calls, &w);
    if (rc == CRIER_OK) {
        FUZZ_ASSERT(w.n_lines >= 0);
        if (max_lines > 0)
            FUZZ_ASSERT(w.n_lines <= max_lines);
        FUZZ_ASSERT(w.truncated == 0 || w.truncated == 1);
        int valid_in = crier_utf8_is_valid(text, tlen);
        for (int i = 0; i < w.n_lines; i++) {
            FUZZ_ASSERT(w.lines[i] != NULL);
            size_t n = strlen(w.lines[i]);
            if (valid_in)
                FUZZ_ASSERT(crier_utf8_is_valid(w.lines[i], n));
            FUZZ_ASSERT(n <= tlen + 3); /* at most the text plus an ellipsis */
        }
    }
    crier_wrapped_free(&w);
    free(text);
    return 0;
}

CRIER_FUZZ_ENTRY(fuzz_wrap_one)
