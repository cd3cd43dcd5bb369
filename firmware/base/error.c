#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *crier_strerror(crier_err err)
{
    static const char *const text[CRIER_ERR__COUNT] = {
        [CRIER_OK] = "success",
        [CRIER_ERR_NOMEM] = "out of memory",
        [CRIER_ERR_INVAL] = "invalid argument",
        [CRIER_ERR_PARSE] = "malformed input",
        [CRIER_ERR_LIMIT] = "limit exceeded",
        [CRIER_ERR_IO] = "input/output error",
        [CRIER_ERR_NOTFOUND] = "not found",
        [CRIER_ERR_UNSUPPORTED] = "not supported",
        [CRIER_ERR_NET] = "network error",
        [CRIER_ERR_TIMEOUT] = "timed out",
        [CRIER_ERR_AUTH] = "authentication failed",
        [CRIER_ERR_STALE] = "stale or replayed",
        [CRIER_ERR_SDL] = "graphics library error",
        [CRIER_ERR_FULL] = "queue full",
    };
    if ((unsigned)err >= CRIER_ERR__COUNT || !text[err])
        return "unknown error";
    return text[err];
}

void crier_errf(char *err, size_t len, const char *fmt, ...)
{
    if (!err || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}
