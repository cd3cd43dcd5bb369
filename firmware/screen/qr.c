/* qr.c - QR encoding through libqrencode, copied into an owned matrix. */
#include "screen/qr.h"
#include "base/log.h"

#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

crier_err crier_qr_encode(const char *text, crier_qr *out)
{
    memset(out, 0, sizeof *out);
    if (!text || !text[0])
        return CRIER_ERR_INVAL;
    size_t len = strlen(text);
    if (len > CRIER_QR_MAX_TEXT) {
        LOG_WARN("qr", "link of %zu bytes is too long for a QR code; not shown", len);
        return CRIER_ERR_LIMIT;
    }
    QRcode *q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (!q) {
        LOG_WARN("qr", "cannot encode a QR code for a %zu-byte link", len);
        return CRIER_ERR_INVAL;
    }
    out->modules = malloc((size_t)q->width * (size_t)q->width);
    if (!out->modules) {
        QRcode_free(q);
        return CRIER_ERR_NOMEM;
    }
    out->size = q->width;
    for (int i = 0; i < q->width * q->width; i++)
        out->modules[i] = q->data[i] & 1; /* bit 0: dark module */
    QRcode_free(q);
    return CRIER_OK;
}

void crier_qr_free(crier_qr *qr)
{
    if (!qr)
        return;
    free(qr->modules);
    memset(qr, 0, sizeof *qr);
}
