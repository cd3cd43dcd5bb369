/* feed.h - parsers for the sources town halls publish: RSS 2.0 / Atom, JSON Feed
 * 1.1, Mastodon statuses, iCalendar, and the local demo format.
 *
 * Every parser has the same shape:
 *   crier_err crier_feed_parse_<type>(const char *buf, size_t len,
 *                                     const crier_feed_opts *opts,
 *                                     crier_item_list *out, char *err, size_t err_len);
 * buf need not be NUL-terminated.  Items are appended to *out (which the caller
 * owns and has initialised); on error *out is left exactly as it was and err
 * (if given) receives a one-line English reason naming what went wrong.
 * Parsers are pure (no I/O, no clock: time comes from opts->now_ms) and enforce
 * opts' limits; bad input is rejected with CRIER_ERR_PARSE or CRIER_ERR_LIMIT,
 * never a crash.  The iCalendar parser uses libical, which keeps process-wide
 * time-zone caches: call it from one thread at a time (the fetch worker).
 *
 * Item ids are stable across refreshes: RSS guid (else link, else a hash of the
 * title), Atom id, JSON Feed id, Mastodon status id, iCalendar UID (+ "@" and
 * the instance start time in UTC for recurring events).
 * Images are left as the URL found in the feed; the fetcher downloads them and
 * rewrites item->image to a local cache path. */
#ifndef CRIER_FEED_H
#define CRIER_FEED_H

#include "content/content.h"
#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

typedef enum crier_feed_type {
    CRIER_FEED_RSS = 0, /* RSS 2.0 (also accepts Atom and RSS 1.0/RDF: root element decides) */
    CRIER_FEED_ATOM,    /* Atom 1.0 (same parser as RSS) */
    CRIER_FEED_JSONFEED,
    CRIER_FEED_MASTODON,
    CRIER_FEED_ICAL,
    CRIER_FEED_FILE, /* the demo/local format of content/content.h */
    CRIER_FEED__COUNT
} crier_feed_type;

/* "rss", "atom", "jsonfeed", "mastodon", "ical", "file"; -1 if unknown. */
int crier_feed_type_parse(const char *name);
const char *crier_feed_type_name(crier_feed_type type);

/* Default of crier_feed_opts.max_recur_total (iterator steps per iCalendar document). */
#define CRIER_FEED_DEFAULT_RECUR_TOTAL 500000u

typedef struct crier_feed_opts {
    const char *source;         /* source name copied into item->source (required) */
    const char *base_dir;       /* CRIER_FEED_FILE: relative image paths resolve here; may be NULL */
    int64_t now_ms;             /* wall clock "now" (epoch ms) */
    int64_t window_ms;          /* events: show what starts before now + window (default 14 days) */
    int64_t default_validity_ms;/* posts: valid_until = published (or now) + this; 0 = unbounded */
    size_t max_items;           /* most items one source yields (default 200); extra ones dropped */
    size_t max_text;            /* body cap in bytes (default 4096) */
    size_t max_title;           /* title cap in bytes (default 300) */
    unsigned max_depth;         /* XML/JSON element nesting limit (default 64) */
    unsigned max_elements;      /* XML: most elements in one document (default 200000) */
    unsigned max_instances;     /* iCalendar: most instances of one recurring event (default 100) */
    unsigned max_recur_steps;   /* iCalendar: most iterator steps per RRULE (default 20000) */
    unsigned max_recur_total;   /* iCalendar: recurrence work for the whole document, in iterator steps
                                 * (~1 us each; an iterator costs 100, a sub-daily step filtered by
                                 * BY parts more); default 500000, 0 = the default.  Once used up,
                                 * later recurring events are skipped (one warning) and what was
                                 * expanded so far is kept */
    /* iCalendar: called before each recurrence rule is expanded with the event's UID and the
     * rule as text (both valid during the call only); NULL = none.  The isolated parse
     * (feeds/parse_child.h) uses it to name the rule that was running when a deadline cut
     * the parse off. */
    void (*on_rule)(void *ud, const char *uid, const char *rule);
    void *on_rule_ud;
    int include_boosts;         /* Mastodon: keep reblogs (shown as the original post) */
    int include_replies;        /* Mastodon: keep replies */
    int link_urls;              /* append link URLs to body text */
} crier_feed_opts;

/* Fills the defaults above; source and now_ms must still be set. */
void crier_feed_opts_init(crier_feed_opts *opts);

crier_err crier_feed_parse_rss(const char *buf, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                               char *err, size_t err_len);
crier_err crier_feed_parse_atom(const char *buf, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                                char *err, size_t err_len);
crier_err crier_feed_parse_jsonfeed(const char *buf, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                                    char *err, size_t err_len);
crier_err crier_feed_parse_mastodon(const char *buf, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                                    char *err, size_t err_len);
crier_err crier_feed_parse_ical(const char *buf, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                                char *err, size_t err_len);
/* The demo/local format (wraps crier_content_parse with opts->source/base_dir). */
crier_err crier_feed_parse_file(const char *buf, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                                char *err, size_t err_len);

/* Dispatch on type. */
crier_err crier_feed_parse(crier_feed_type type, const char *buf, size_t len, const crier_feed_opts *opts,
                           crier_item_list *out, char *err, size_t err_len);

/* Is this Content-Type (may be NULL or carry parameters) plausible for type?
 * NULL/empty, application/octet-stream and text/plain are accepted for every type. */
int crier_feed_content_type_ok(crier_feed_type type, const char *content_type);

/* Helpers shared by the parsers (feed_common.c). */

/* RFC 822/1123 date as used by RSS ("Tue, 10 Jun 2003 04:00:00 GMT", "+0200",
 * named US zones, 2- or 4-digit year, seconds optional).  0 or -1. */
int crier_feed_parse_rfc822(const char *s, int64_t *epoch_ms);
/* RFC 822, else ISO 8601.  0 or -1. */
int crier_feed_parse_date(const char *s, int64_t *epoch_ms);
/* Stable short id for content without one: 16 hex digits of a 64-bit FNV-1a hash. */
void crier_feed_hash_id(const char *a, const char *b, char out[17]);
/* Fill source, default validity, and sanity-clean an item before it is kept. */
crier_err crier_feed_finish_item(crier_item *item, const crier_feed_opts *opts);
/* 1 when s starts with http:// or https:// (any case). */
int crier_feed_is_http_url(const char *s);
/* Move every item of *from to the end of *to (from is left empty). */
crier_err crier_feed_append_all(crier_item_list *to, crier_item_list *from);

#endif
