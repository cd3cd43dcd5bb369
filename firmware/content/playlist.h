/* playlist.h - the render thread's content store and rotation order.
 *
 * Holds every item from every source (owned), answers "which post is next",
 * "which events are upcoming", "which ticker lines", and "when does something
 * next become valid or expire" so the loop can sleep until then.  Only the
 * render thread touches a playlist; producers send it items through the
 * mailbox. */
#ifndef CRIER_PLAYLIST_H
#define CRIER_PLAYLIST_H

#include "content/content.h"
#include "feeds/feed_schedule.h"

#include <stdint.h>

#define CRIER_PLAYLIST_MAX_RULES 32

typedef struct crier_playlist_rule {
    char source[48];
    crier_schedule schedule;
} crier_playlist_rule;

typedef struct crier_playlist {
    crier_item_list items; /* all sources */
    uint64_t version;      /* bumped on every change */
    crier_playlist_rule rules[CRIER_PLAYLIST_MAX_RULES]; /* day-parting per source */
    int n_rules;
} crier_playlist;

void crier_playlist_init(crier_playlist *pl);
void crier_playlist_free(crier_playlist *pl);

/* Day-parting for a source's items: outside its hours/days they are not shown. */
crier_err crier_playlist_set_schedule(crier_playlist *pl, const char *source, const crier_schedule *schedule);
/* Is the item current at now_ms: inside its validity window and its source's hours/days? */
int crier_playlist_item_live(const crier_playlist *pl, const crier_item *item, int64_t now_ms);

/* Replace every item of `source` with the list's items (taken; list left empty). */
crier_err crier_playlist_replace_source(crier_playlist *pl, const char *source, crier_item_list *list);
/* Add or replace the item with the same (source, id); takes the item's fields. */
crier_err crier_playlist_upsert(crier_playlist *pl, crier_item *item);
/* Remove by (source, id); returns 1 if something was removed. */
int crier_playlist_retract(crier_playlist *pl, const char *source, const char *id);

/* The post to show after the one with id `after` (NULL: the first).  Posts are
 * ordered by priority (higher first), then by arrival.  Items outside their
 * validity window at now_ms are skipped.  Returns NULL if there is none. */
const crier_item *crier_playlist_next_post(const crier_playlist *pl, const char *after_source,
                                           const char *after_id, int64_t now_ms);
const crier_item *crier_playlist_find(const crier_playlist *pl, const char *source, const char *id);
/* Up to max current events, soonest first. Returns how many were written. */
int crier_playlist_events(const crier_playlist *pl, int64_t now_ms, const crier_item **out, int max);
/* Up to max current ticker lines in order. */
int crier_playlist_ticker(const crier_playlist *pl, int64_t now_ms, const crier_item **out, int max);
/* Count of current posts. */
int crier_playlist_post_count(const crier_playlist *pl, int64_t now_ms);
/* Earliest wall time > now_ms at which an item becomes valid or stops being
 * current (INT64_MAX if never). */
int64_t crier_playlist_next_change(const crier_playlist *pl, int64_t now_ms);

#endif
