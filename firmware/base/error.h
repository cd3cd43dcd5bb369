/* error.h - the one error enum of Crier.
 *
 * Every fallible function returns crier_err (CRIER_OK == 0) and reports details
 * through the logger.  Only main() turns an error into an exit status. */
#ifndef CRIER_ERROR_H
#define CRIER_ERROR_H

#include <stddef.h>

typedef enum crier_err {
    CRIER_OK = 0,
    CRIER_ERR_NOMEM,       /* allocation failed */
    CRIER_ERR_INVAL,       /* invalid argument or value */
    CRIER_ERR_PARSE,       /* malformed input */
    CRIER_ERR_LIMIT,       /* input exceeds a size, depth or count limit */
    CRIER_ERR_IO,          /* file or device I/O failed */
    CRIER_ERR_NOTFOUND,    /* file, key or item does not exist */
    CRIER_ERR_UNSUPPORTED, /* valid but not supported here */
    CRIER_ERR_NET,         /* network or protocol failure */
    CRIER_ERR_TIMEOUT,     /* deadline passed */
    CRIER_ERR_AUTH,        /* signature, key or credential rejected */
    CRIER_ERR_STALE,       /* expired, replayed or out of its validity window */
    CRIER_ERR_SDL,         /* SDL, SDL_ttf or SDL_image call failed */
    CRIER_ERR_FULL,        /* queue or mailbox full */
    CRIER_ERR__COUNT
} crier_err;

/* Static English text for an error code; never NULL. */
const char *crier_strerror(crier_err err);

/* The one way to fill a caller's error buffer: printf-style into err[0..len),
 * always NUL-terminated, truncated to fit; does nothing when err is NULL or len
 * is 0.  Every "char *err, size_t err_len" out-parameter in Crier uses it. */
void crier_errf(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
