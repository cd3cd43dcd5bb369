/* qr.h - QR code matrices for links (libqrencode), so a resident can open a
 * post's or event's link on a phone.  Pure logic: the renderer draws modules. */
#ifndef CRIER_QR_H
#define CRIER_QR_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_QR_MAX_TEXT 1024 /* longer links are not encoded */

typedef struct crier_qr {
    int size;         /* modules per side, without quiet zone */
    uint8_t *modules; /* size*size bytes, 1 = dark; owned */
} crier_qr;

/* Encode text (a URL) with error correction level M. */
crier_err crier_qr_encode(const char *text, crier_qr *out);
void crier_qr_free(crier_qr *qr); /* NULL-safe */

#endif
