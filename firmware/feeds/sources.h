/* sources.h - every configured content source, started and stopped as one.
 *
 * `file` sources go to the file watcher (filesource.h); network sources
 * (rss, atom, jsonfeed, mastodon, ical) to the fetch thread (fetch.h).  Both
 * post owned item lists to the render mailbox.  This module maps the
 * configuration onto them, so main() and --print-content share one mapping. */
#ifndef CRIER_SOURCES_H
#define CRIER_SOURCES_H

#include "config/config.h"
#include "feeds/feed_schedule.h"
#include "base/mailbox.h"

#include <stddef.h>

typedef struct crier_sources crier_sources;

/* Validates and starts every source (cached content is posted at once).
 * NULL with a message in err on a configuration the fetcher refuses. */
crier_sources *crier_sources_start(const crier_config *cfg, crier_mailbox *to_render, char *err, size_t err_len);
void crier_sources_stop(crier_sources *s); /* NULL-safe; joins the threads */
/* Re-read files and re-fetch feeds now ("reload"). */
void crier_sources_reload(crier_sources *s);
/* "as of HH:MM" when a network source has failed for longer than
 * stale_after_s (the oldest such source); returns 1 and fills buf, else 0.
 * Thread-safe. */
int crier_sources_stale_label(crier_sources *s, int64_t now_ms, char *buf, size_t len);
/* Per-source status as a JSON array string (for the heartbeat); caller frees. */
char *crier_sources_status_json(crier_sources *s);

/* --print-content: load every source once (network sources fall back to their
 * cache), print the current content as JSON lines on stdout.  Returns 0 if
 * every source gave content. */
int crier_sources_print(const crier_config *cfg);

#endif
