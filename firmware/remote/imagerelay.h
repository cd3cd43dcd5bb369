/* imagerelay.h - downloads the images of staff posts before they reach the screen.
 *
 * MQTT posts name their image by URL.  The MQTT thread hands its messages to
 * this relay's mailbox instead of the render thread's; the relay (one worker
 * thread, base/worker.h) forwards every message at once, except a post with an
 * http(s) image that is not yet cached: that post goes on without its image and
 * follows again, with the local cache path, once the image is downloaded with
 * the rules of every Crier download (feeds/download.h: the feed TLS settings
 * and timeouts, size cap, image types only, stored 0600).  A retract that
 * arrives meanwhile wins: the late copy is dropped.  A failed download is
 * logged; the post stays, without image.
 * Locks: none of its own besides its inbox mailbox's; it posts to the render
 * mailbox and calls no other module. */
#ifndef CRIER_IMAGERELAY_H
#define CRIER_IMAGERELAY_H

#include "base/error.h"
#include "base/mailbox.h"
#include "feeds/download.h"

#include <stddef.h>

typedef struct crier_imagerelay crier_imagerelay;

typedef struct crier_imagerelay_cfg {
    const char *cache_dir; /* images go to CACHE/img */
    crier_http_cfg http;   /* the feed TLS settings and timeouts (copied) */
    size_t max_bytes;      /* per image */
    crier_mailbox *to;     /* the render mailbox */
} crier_imagerelay_cfg;

/* Starts the thread.  On error *out is NULL and err (may be NULL) says why. */
crier_err crier_imagerelay_start(crier_imagerelay **out, const crier_imagerelay_cfg *cfg, char *err, size_t err_len);
/* The mailbox the producer (MQTT) posts into. */
crier_mailbox *crier_imagerelay_inbox(crier_imagerelay *r);
/* NULL-safe: stop message, join (a download in flight is cut short; queued
 * messages are still forwarded), free. */
void crier_imagerelay_stop(crier_imagerelay *r);

#endif
