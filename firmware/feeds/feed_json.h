/* feed_json.h - what the two JSON parsers (JSON Feed, Mastodon) share:
 * opening the document with a clear error and reading a string member.
 * Internal to feeds/. */
#ifndef CRIER_FEED_JSON_H
#define CRIER_FEED_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Parses buf[0..len) (buf may be NULL); NULL on malformed or truncated JSON,
 * with "WHAT: malformed or truncated JSON near byte N" in err.  The caller
 * frees the tree with cJSON_Delete(). */
cJSON *crier_feed_json_open(const char *buf, size_t len, const char *what, char *err, size_t err_len);

/* The string member key of obj, or NULL when absent or not a string. */
const char *crier_feed_json_str(const cJSON *obj, const char *key);

#endif
