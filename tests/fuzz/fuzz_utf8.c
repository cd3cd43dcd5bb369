/* fuzz_utf8.c - libFuzzer harness for the UTF-8 sanitizer and decoders
 * (base/utf8.h).  Properties: sanitized output is valid UTF-8 and sanitizing it
 * again changes nothing; a clean input (0 fixes, no BOM, no CR) comes back
 * byte for byte; forward decoding visits every byte once and backward
 * stepping finds the same code point starts on valid text.  See fuzz_common.h. */
#include "fuzz_common.h"

#include "base/utf8.h"

static int fuzz_utf8_one(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    const char *buf = (const char *)data;
    char *out = NULL, *out2 = NULL;
    size_t out_len = 0, out2_len = 0, fixes = 0, fixes2 = 0;
    crier_err rc = crier_utf8_sanitize(buf, size, &out, &out_len, &fixes);
    if (rc != CRIER_OK) {
        FUZZ_ASSERT(size > CRIER_UTF8_MAX_INPUT);
        return 0;
    }
    FUZZ_ASSERT(out && strlen(out) == out_len);
    FUZZ_ASSERT(crier_utf8_is_valid(out, out_len));
    if (fixes == 0 && !memchr(buf, '\r', size) && !(size >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0))
        FUZZ_ASSERT(out_len == size && memcmp(out, buf, size) == 0);
    FUZZ_ASSERT(crier_utf8_sanitize(out, out_len, &out2, &out2_len, &fixes2) == CRIER_OK);
    /* idempotent, except that dropping one leading BOM may expose another */
    if (!(out_len >= 3 && memcmp(out, "\xEF\xBB\xBF", 3) == 0)) {
        FUZZ_ASSERT(fixes2 == 0);
        FUZZ_ASSERT(out2_len == out_len && memcmp(out, out2, out_len) == 0);
    }
    free(out2);

    /* forward walk: every step advances, the count matches */
    size_t pos = 0, steps = 0;
    while (pos < size) {
        size_t before = pos;
        uint32_t cp = crier_utf8_next(buf, size, &pos);
        FUZZ_ASSERT(pos > before && pos <= size && pos - before <= 4);
        if (cp != CRIER_UTF8_INVALID) {
            char enc[4];
            size_t n = crier_utf8_encode(cp, enc);
            FUZZ_ASSERT(n == pos - before && memcmp(enc, buf + before, n) == 0);
        }
        steps++;
    }
    FUZZ_ASSERT(steps == crier_utf8_count(buf, size));

    /* backward walk over the valid output ends at 0 and sees the same number of code points */
    size_t back = 0;
    for (pos = out_len; pos > 0;) {
        size_t p = crier_utf8_prev(out, pos);
        FUZZ_ASSERT(p < pos && pos - p <= 4);
        pos = p;
        back++;
    }
    FUZZ_ASSERT(back == crier_utf8_count(out, out_len));
    free(out);
    return 0;
}

CRIER_FUZZ_ENTRY(fuzz_utf8_one)
