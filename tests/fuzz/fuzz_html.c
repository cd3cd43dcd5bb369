/* fuzz_html.c - libFuzzer harness for HTML-to-text (crier_html_to_text) and the
 * plain-text cleaner (crier_html_clean_text).  The first byte picks the flags
 * and the output cap; the output must be valid UTF-8 within the cap.
 * See fuzz_common.h. */
#include "fuzz_common.h"

#include "feeds/html_text.h"
#include "base/utf8.h"

static void fuzz_html_check(const char *out, size_t cap)
{
    FUZZ_ASSERT(out != NULL);
    size_t n = strlen(out);
    FUZZ_ASSERT(n <= cap);
    FUZZ_ASSERT(crier_utf8_is_valid(out, n));
}

static int fuzz_html_one(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    if (size < 1)
        return 0;
    unsigned ctl = data[0];
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    /* caps 1..64 bytes make truncation at character boundaries likely; 0 is the default */
    size_t cap = (ctl >> 2) & 0x3f;
    size_t eff = cap ? cap : CRIER_HTML_DEFAULT_MAX;
    unsigned flags = (ctl & 1) ? CRIER_HTML_LINK_URLS : 0;
    int truncated = -1;
    char *out = crier_html_to_text(buf, len, cap, flags, &truncated);
    fuzz_html_check(out, eff);
    FUZZ_ASSERT(truncated == 0 || truncated == 1);
    free(out);

    truncated = -1;
    out = crier_html_clean_text(buf, len, cap, (ctl >> 1) & 1, &truncated);
    fuzz_html_check(out, eff);
    FUZZ_ASSERT(truncated == 0 || truncated == 1);
    free(out);

    if (len) {
        size_t n = 0;
        crier_utf8_next(buf, len, &n);
        FUZZ_ASSERT(n >= 1 && n <= 4 && n <= len);
    }
    return 0;
}

CRIER_FUZZ_ENTRY(fuzz_html_one)
