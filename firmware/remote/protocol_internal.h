/* protocol_internal.h - what the protocol's payload files share (internal to remote/).
 *
 *   payload.c  the front door of every JSON payload (size, UTF-8, depth, cJSON,
 *              repeated member names) and the typed field readers
 *   post.c, command.c, report.c, post_signed.c  use them
 *
 * Every reader writes a one-line reason into (err, err_len) with crier_errf()
 * and names the offending field, so one rule decides what is accepted. */
#ifndef CRIER_PROTOCOL_INTERNAL_H
#define CRIER_PROTOCOL_INTERNAL_H

#include "base/error.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Latest time a post may carry: 9999-12-31T23:59:59.999Z.  crier_post_write
 * writes times as RFC 3339 with a 4-digit year, so anything later (or before
 * 1970) would not parse again (found by tests/fuzz/fuzz_post.c). */
#define CRIER_PROTOCOL_TIME_MAX_MS 253402300799999LL

/* Size, UTF-8, nesting depth, then cJSON; the root must be an object and
 * nothing but whitespace may follow it.  *out is the caller's (cJSON_Delete). */
crier_err crier_protocol__json_open(const char *buf, size_t len, size_t max, cJSON **out, char *err, size_t elen);
/* CRIER_OK when every member name of root is unique, else CRIER_ERR_INVAL with
 * "field 'NAME' repeated" (CRIER_ERR_NOMEM when out of memory). */
crier_err crier_protocol__unique_fields(const cJSON *root, char *err, size_t elen);
/* Valid UTF-8 without control characters except (if multiline) \n and \t. */
int crier_protocol__text_ok(const char *s, int multiline);
/* A member name safe to quote in an error text ("?" when it is not printable). */
void crier_protocol__shown_name(const char *name, char out[40]);

/* Field readers: name is the member name for the error text. */
/* RFC 3339 string or non-negative integer epoch ms, 1970..9999. */
crier_err crier_protocol__get_time(const cJSON *v, const char *name, int64_t *out, char *err, size_t elen);
/* A string of at most max bytes obeying text_ok (and, if url, http(s)://);
 * replaces *out with a copy. */
crier_err crier_protocol__get_text(const cJSON *v, const char *name, size_t max, int multiline, int url, char **out,
                                   char *err, size_t elen);
/* A number in lo..hi (an integer if integral). */
crier_err crier_protocol__get_number(const cJSON *v, const char *name, double lo, double hi, int integral,
                                     double *out, char *err, size_t elen);

/* Writers: add a string member when v is not NULL; print compactly and free o. */
void crier_protocol__add_str(cJSON *o, const char *k, const char *v);
char *crier_protocol__print_and_free(cJSON *o);

#endif
