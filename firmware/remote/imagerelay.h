/* imagerelay.h - downloads the images of staff posts before they reach the screen.
 *
 * MQTT posts name their image by URL.  The MQTT thread hands its messages to
 * this relay's mailbox instead of the render thread's; the relay forwards
 * every message at once, except a post with an http(s) image that is not yet
 * cached: that post goes on without its image and follows again, with the
 * local cache path, once the image is downloaded (size-capped, image types
 * only, TLS verified).  A retract that arrives meanwhile wins: the late copy
 * is dropped.  A failed download is logged; the post stays, without image. */
#ifndef CRIER_IMAGERELAY_H
#define CRIER_IMAGERELAY_H

#include "base/error.h"
#include "base/mailbox.h"

#include <stddef.h>

typedef struct crier_imagerelay crier_imagerelay;

typedef struct crier_imagerelay_config {
    const char *cache_dir;  /* images go to CACHE/img */
    const char *ca_file;    /* NULL = system store */
    size_t max_bytes;       /* per image */
    int timeout_s;          /* whole download */
    crier_mailbox *to;      /* the render mailbox */
} crier_imagerelay_config;

crier_imagerelay *crier_imagerelay_start(const crier_imagerelay_config *cfg);
/* The mailbox the producer (MQTT) posts into. */
crier_mailbox *crier_imagerelay_inbox(crier_imagerelay *r);
void crier_imagerelay_stop(crier_imagerelay *r); /* NULL-safe; joins */

#endif
