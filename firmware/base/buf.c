/* buf.c - the one growable byte buffer (buf.h). */
#include "base/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

crier_err crier_buf_reserve(crier_buf *b, size_t extra)
{
    if (b->max && (extra > b->max || b->len > b->max - extra))
        return CRIER_ERR_LIMIT;
    if (extra > SIZE_MAX - 1 - b->len)
        return CRIER_ERR_LIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return CRIER_OK;
    size_t nc = b->cap ? b->cap : (b->initial ? b->initial : 256);
    while (nc < need)
        nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    if (b->max && nc > b->max + 1)
        nc = b->max + 1; /* >= need: len + extra <= max */
    char *nd = realloc(b->data, nc);
    if (!nd)
        return CRIER_ERR_NOMEM;
    b->data = nd;
    b->cap = nc;
    return CRIER_OK;
}

crier_err crier_buf_append(crier_buf *b, const void *p, size_t n)
{
    crier_err rc = crier_buf_reserve(b, n);
    if (rc != CRIER_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CRIER_OK;
}

crier_err crier_buf_append_upto(crier_buf *b, const void *p, size_t n)
{
    if (b->max && n > b->max - (b->len < b->max ? b->len : b->max))
        n = b->len < b->max ? b->max - b->len : 0;
    return crier_buf_append(b, p, n);
}

void crier_buf_clear(crier_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *crier_buf_take(crier_buf *b)
{
    char *d = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

void crier_buf_free(crier_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
