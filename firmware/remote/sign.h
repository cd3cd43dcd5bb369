/* sign.h - Ed25519 keys, the trusted keyring and signed envelopes (libsodium).
 *
 * Every alert and staff post travels as an envelope: a small JSON object holding
 * the exact payload bytes (base64), the signer's key id and an Ed25519 signature
 * over those exact payload bytes (docs/alerts.md, "Envelope").  Kiosks hold a
 * keyring of trusted public keys loaded from a folder, one file per issuer.
 *
 * Key id: the first 8 bytes of BLAKE2b-128(public key) as 16 lower-case hex
 * digits; it is derived, never chosen, so a key file whose id does not match its
 * public key is rejected.
 *
 * Ownership: crier_key is a plain value (fixed-size fields, no heap); wipe keys
 * that hold a secret with crier_key_wipe().  A keyring owns copies of the public
 * part of the keys added to it.  Strings returned through char ** are malloc'd
 * and owned by the caller.  Nothing here is tied to a thread; a keyring is
 * read-only after loading and may then be shared by threads. */
#ifndef CRIER_SIGN_H
#define CRIER_SIGN_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_KEY_ID_LEN 16          /* hex digits */
#define CRIER_KEY_ISSUER_MAX 128     /* bytes of UTF-8, no control characters */
#define CRIER_KEY_FILE_MAX 4096      /* a key file larger than this is rejected */
#define CRIER_KEYRING_MAX 256        /* keys in one keyring */
#define CRIER_ENVELOPE_MAX_PAYLOAD (256u * 1024u)
/* base64 of the largest payload plus the other fields, generously */
#define CRIER_ENVELOPE_MAX_BYTES (CRIER_ENVELOPE_MAX_PAYLOAD / 3u * 4u + 1024u)

typedef struct crier_key {
    char id[CRIER_KEY_ID_LEN + 1];
    char issuer[CRIER_KEY_ISSUER_MAX + 1];
    unsigned char pk[32];
    unsigned char sk[64];  /* libsodium secret key (seed || pk); valid if has_secret */
    int has_secret;
} crier_key;

/* Initialise libsodium (idempotent, thread-safe).  Every function below calls it. */
crier_err crier_sign_init(void);

/* A new random key pair for `issuer`. */
crier_err crier_key_generate(const char *issuer, crier_key *out);
/* Zero every byte of the key (secret included).  NULL-safe. */
void crier_key_wipe(crier_key *key);

/* Parse a key file (public or secret format, docs/alerts.md "Key files").
 * On error *out is wiped and err_msg (if given) gets a description. */
crier_err crier_key_parse(const char *buf, size_t len, crier_key *out, char *err_msg,
                          size_t err_len);
/* Read and parse a key file.  A secret key file readable by group or others is
 * refused (CRIER_ERR_AUTH) like ssh does. */
crier_err crier_key_load(const char *path, crier_key *out);

/* Text of the public / secret key file; *out is malloc'd, owned by the caller
 * (the secret text should be wiped with sodium_memzero before freeing;
 * crier_key_save_secret does that).  format_secret needs key->has_secret. */
crier_err crier_key_format_public(const crier_key *key, char **out);
crier_err crier_key_format_secret(const crier_key *key, char **out);
/* Atomic writes (temp file, fsync, rename).  Public files get mode 0644, secret
 * files 0600.  overwrite = 0 refuses to replace an existing file. */
crier_err crier_key_save_public(const crier_key *key, const char *path, int overwrite);
crier_err crier_key_save_secret(const crier_key *key, const char *path, int overwrite);

/* The keyring of trusted public keys. */
typedef struct crier_keyring crier_keyring;

crier_keyring *crier_keyring_new(void);
void crier_keyring_free(crier_keyring *ring); /* NULL-safe */
/* Copy the public part of key into the ring.  CRIER_ERR_INVAL if its id is
 * already there, CRIER_ERR_LIMIT when the ring holds CRIER_KEYRING_MAX keys. */
crier_err crier_keyring_add(crier_keyring *ring, const crier_key *key);
/* Load every regular file named "*.pub" in dir (not starting with '.').  A file
 * that does not parse, holds a secret key, or repeats a key id is skipped with a
 * warning; *loaded (if given) gets the number of keys added.  CRIER_ERR_NOTFOUND
 * if dir cannot be opened; an empty folder is CRIER_OK with *loaded = 0. */
crier_err crier_keyring_load_dir(crier_keyring *ring, const char *dir, size_t *loaded);
/* The key with that id, or NULL.  The pointer lives as long as the ring. */
const crier_key *crier_keyring_find(const crier_keyring *ring, const char *key_id);
size_t crier_keyring_count(const crier_keyring *ring);

/* Seal: sign the exact payload bytes with key (needs has_secret) and return the
 * envelope JSON text (NUL-terminated, malloc'd, owned by the caller; *out_len
 * may be NULL).  CRIER_ERR_LIMIT if len > CRIER_ENVELOPE_MAX_PAYLOAD. */
crier_err crier_envelope_seal(const void *payload, size_t len, const crier_key *key, char **out,
                              size_t *out_len);

/* Open: parse an envelope of len bytes, find its key in the ring and verify the
 * signature over the decoded payload bytes.  On success *payload (malloc'd,
 * NUL-terminated for convenience, not counted in *payload_len), *issuer and
 * *key_id (malloc'd) are the caller's; issuer and key_id may be NULL if unwanted.
 * Errors (nothing is returned through the pointers; reason gets one line):
 *   CRIER_ERR_LIMIT        envelope larger than CRIER_ENVELOPE_MAX_BYTES or
 *                          payload larger than CRIER_ENVELOPE_MAX_PAYLOAD
 *   CRIER_ERR_AUTH         unsigned (not a JSON object, or no sig/kid), alg not
 *                          ed25519, unknown key id, signature does not verify
 *   CRIER_ERR_PARSE        kid/sig/payload not strings, payload not base64
 *   CRIER_ERR_UNSUPPORTED  envelope version other than 1 */
crier_err crier_envelope_open(const char *buf, size_t len, const crier_keyring *ring,
                              char **payload, size_t *payload_len, char **issuer, char **key_id,
                              char *reason, size_t reason_len);

#endif
