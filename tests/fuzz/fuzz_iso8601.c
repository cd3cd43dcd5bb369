/* fuzz_iso8601.c - libFuzzer harness for the date parsers: ISO 8601 / RFC 3339
 * (crier_parse_iso8601) and the RFC 822 / fallback readers feeds use
 * (crier_feed_parse_rfc822, crier_feed_parse_date).  Property: a parsed time
 * in years 0000..9999, formatted with crier_format_utc_ms, parses back to the
 * same millisecond.  See fuzz_common.h. */
#include "fuzz_common.h"

#include "feeds/feed.h"
#include "base/timeutil.h"

#define FUZZ_ISO_MAX_MS 253402300799999LL /* 9999-12-31T23:59:59.999Z */

static void fuzz_iso8601_roundtrip(int64_t ms)
{
    if (ms < 0 || ms > FUZZ_ISO_MAX_MS)
        return;
    char text[64];
    int64_t back = -1;
    crier_format_utc_ms(ms, text, sizeof text);
    if (crier_parse_iso8601(text, &back) != 0 || back != ms)
        fprintf(stderr, "%lld formats as \"%s\" which parses as %lld\n", (long long)ms, text, (long long)back);
    FUZZ_ASSERT(crier_parse_iso8601(text, &back) == 0 && back == ms);
}

static int fuzz_iso8601_one(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    char *s = fuzz_cstr(data, size < 256 ? size : 256);
    int64_t ms = 0;
    if (crier_parse_iso8601(s, &ms) == 0)
        fuzz_iso8601_roundtrip(ms);
    if (crier_feed_parse_rfc822(s, &ms) == 0)
        fuzz_iso8601_roundtrip(ms);
    if (crier_feed_parse_date(s, &ms) == 0)
        fuzz_iso8601_roundtrip(ms);
    free(s);
    return 0;
}

CRIER_FUZZ_ENTRY(fuzz_iso8601_one)
