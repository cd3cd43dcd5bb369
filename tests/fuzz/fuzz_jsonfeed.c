/* fuzz_jsonfeed.c - libFuzzer harness for JSON Feed 1.0/1.1 (crier_feed_parse_jsonfeed).
 * Item checks are in fuzz_feed.h; see fuzz_common.h. */
#include "fuzz_feed.h"

static int fuzz_jsonfeed_one(const uint8_t *data, size_t size)
{
    return fuzz_feed_run(CRIER_FEED_JSONFEED, data, size);
}

CRIER_FUZZ_ENTRY(fuzz_jsonfeed_one)
