/* feed_json.h - what the two JSON parsers (JSON Feed, Mastodon) share:
 * opening the document with a clear error, the scratch list, reading a
 * string member.
 * Internal to feeds/. */
#ifndef CRIER_FEED_JSON_H
#define CRIER_FEED_JSON_H

#include "feeds/feed.h"

#include <cjson/cJSON.h>
#include <stddef.h>

/* The frame of a JSON parser: opens buf (on malformed or truncated JSON: CRIER_ERR_PARSE and
 * "WHAT: malformed or truncated JSON near byte N" in err), lets fill() turn
 * the tree into items of a scratch list, and appends them to out only when
 * fill() succeeds (out is untouched on error). */
typedef crier_err (*crier_feed_json_fill)(const cJSON *root, const crier_feed_opts *opts, crier_item_list *items,
                                          char *err, size_t err_len);
crier_err crier_feed_json_parse(const char *buf, size_t len, const char *what, const crier_feed_opts *opts,
                                crier_item_list *out, crier_feed_json_fill fill, char *err, size_t err_len);

/* The string member key of obj, or NULL when absent or not a string. */
const char *crier_feed_json_str(const cJSON *obj, const char *key);

#endif
