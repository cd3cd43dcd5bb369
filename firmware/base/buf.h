/* buf.h - the one growable byte buffer.
 *
 * A crier_buf is a heap buffer that grows by doubling, is always
 * NUL-terminated once it holds anything, and never grows past its limit:
 *
 *     crier_buf b = {.max = 65536};          zeroed = empty; max 0 = no limit
 *     crier_buf_append(&b, p, n);            all n bytes or an error, nothing half
 *     crier_buf_append_upto(&b, p, n);       as much as fits under max (a capped field)
 *     b.data, b.len                          the bytes (NULL until the first append)
 *     crier_buf_free(&b);                    or crier_buf_take(&b) to keep the bytes
 *
 * Pure, no locks; one owner at a time. */
#ifndef CRIER_BUF_H
#define CRIER_BUF_H

#include "base/error.h"

#include <stddef.h>

typedef struct crier_buf {
    char *data;     /* NUL-terminated, len bytes; NULL while nothing was appended */
    size_t len;     /* bytes held (without the NUL) */
    size_t cap;     /* bytes allocated */
    size_t max;     /* most bytes it may hold; 0 = no limit */
    size_t initial; /* first allocation (0 = 256) */
} crier_buf;

/* Room for extra more bytes (and the NUL) without another allocation.
 * CRIER_ERR_LIMIT when len + extra > max (nothing changes), CRIER_ERR_NOMEM. */
crier_err crier_buf_reserve(crier_buf *b, size_t extra);
/* Appends n bytes: all of them, or none with CRIER_ERR_LIMIT / CRIER_ERR_NOMEM. */
crier_err crier_buf_append(crier_buf *b, const void *p, size_t n);
/* Appends what fits under max of n bytes (the rest is dropped: a capped field).
 * CRIER_ERR_NOMEM only. */
crier_err crier_buf_append_upto(crier_buf *b, const void *p, size_t n);
/* Empties it, keeping the allocation. */
void crier_buf_clear(crier_buf *b);
/* Hands the bytes to the caller (free() them; NULL if empty) and empties it. */
char *crier_buf_take(crier_buf *b);
/* Frees the bytes; the limits stay.  NULL-safe. */
void crier_buf_free(crier_buf *b);

#endif
