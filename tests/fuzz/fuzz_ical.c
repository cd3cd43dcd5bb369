/* fuzz_ical.c - libFuzzer harness for iCalendar (crier_feed_parse_ical: events, recurrence expansion within the window).
 * Item checks are in fuzz_feed.h; see fuzz_common.h. */
#include "fuzz_feed.h"

static int fuzz_ical_one(const uint8_t *data, size_t size)
{
    return fuzz_feed_run(CRIER_FEED_ICAL, data, size);
}

CRIER_FUZZ_ENTRY(fuzz_ical_one)
