/* cache.h - the on-disk cache of every network source's last good body, and of
 * the images feeds reference.
 *
 * Layout under the cache folder (created 0700):
 *   <dir>/<source>.feed      one file per source: a small text header
 *                            ("CRIER-CACHE 1", etag, last-modified,
 *                            content-type, fetched-ms, length) + blank line + body
 *   <dir>/img/<hash>.<ext>   downloaded images, named by a hash of their URL
 * Every write is atomic (core/atomicfile: temp file, fsync, rename, fsync of the
 * folder), so after a power cut a file holds the old or the new copy, never a
 * mix; a header whose length does not match the body is rejected on load.
 * Source names must match [A-Za-z0-9._-]{1,64} and not start with '.'.
 *
 * Ownership: crier_cache_load() returns a malloc'd body the caller frees. */
#ifndef CRIER_CACHE_H
#define CRIER_CACHE_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

typedef struct crier_cache_meta {
    char etag[256];          /* "" if none */
    char last_modified[64];  /* HTTP date string, "" if none */
    char content_type[128];
    int64_t fetched_ms;      /* wall time the body was fetched */
} crier_cache_meta;

/* Create dir and dir/img (mode 0700) if missing. */
crier_err crier_cache_init(const char *dir);

/* Is name usable as a cache file name? */
int crier_cache_name_ok(const char *name);

crier_err crier_cache_store(const char *dir, const char *source, const void *body, size_t len,
                            const crier_cache_meta *meta);
/* CRIER_ERR_NOTFOUND if there is no cache for source; CRIER_ERR_PARSE if corrupt;
 * CRIER_ERR_LIMIT if the body is larger than max_len.  *body is NUL-terminated. */
crier_err crier_cache_load(const char *dir, const char *source, size_t max_len, char **body, size_t *len,
                           crier_cache_meta *meta);

/* Deterministic cache path of an image URL: "<dir>/img/<32 hex>.<ext>" where ext
 * comes from the URL path (jpg, jpeg, png, gif, webp, svg are kept; else "img"). */
void crier_cache_image_path(const char *dir, const char *url, char *out, size_t out_len);

#endif
