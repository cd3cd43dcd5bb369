/* fuzz_rss.c - libFuzzer harness for RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 (crier_feed_parse_rss; the root element decides).
 * Item checks are in fuzz_feed.h; see fuzz_common.h. */
#include "fuzz_feed.h"

static int fuzz_rss_one(const uint8_t *data, size_t size)
{
    return fuzz_feed_run(CRIER_FEED_RSS, data, size);
}

CRIER_FUZZ_ENTRY(fuzz_rss_one)
