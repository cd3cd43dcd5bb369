/* uploads.h - images staff upload for posts, kept in the database and served
 * at /uploads/ID (kiosks download them from there; IDs are 128-bit random).
 *
 * An upload is accepted only when its Content-Type is image/png, image/jpeg,
 * image/webp or image/gif AND its first bytes are that format's signature. */
#ifndef CRIER_CONSOLE_UPLOADS_H
#define CRIER_CONSOLE_UPLOADS_H

#include "console.h"
#include "db.h"

/* The image type body really is ("image/png", ...), or NULL. */
const char *cn_upload_sniff(const void *body, size_t len);
/* Stores an image; id gets its id.  CRIER_ERR_INVAL (err says why) when the
 * declared type is not an image type or the bytes are not of that type. */
crier_err cn_upload_put(cn_db *db, const char *declared_type, const void *body, size_t len, const char *user,
                        char id[CN_NAME_MAX + 1], char *err, size_t err_len);
/* The bytes (malloc()ed) and type of upload id. */
crier_err cn_upload_get(cn_db *db, const char *id, char **bytes, size_t *len, char type[64]);

#endif
