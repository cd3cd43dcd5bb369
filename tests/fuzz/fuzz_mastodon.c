/* fuzz_mastodon.c - libFuzzer harness for Mastodon statuses JSON (crier_feed_parse_mastodon; HTML content through html_text).
 * Item checks are in fuzz_feed.h; see fuzz_common.h. */
#include "fuzz_feed.h"

static int fuzz_mastodon_one(const uint8_t *data, size_t size)
{
    return fuzz_feed_run(CRIER_FEED_MASTODON, data, size);
}

CRIER_FUZZ_ENTRY(fuzz_mastodon_one)
