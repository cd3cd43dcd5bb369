/* sign.c - Ed25519 keys, keyring and envelopes; see sign.h and docs/alerts.md.
 *
 * Design: libsodium does the cryptography (crypto_sign_* for Ed25519,
 * crypto_generichash for key ids, sodium_bin2base64 for encoding).  Key files are
 * line-oriented text parsed strictly (known fields only, no duplicates, the id
 * and public key must match the secret seed).  The envelope is parsed with cJSON
 * only after its size is checked; the signature is checked over the decoded
 * payload bytes exactly as they were signed, so no canonicalisation is involved.
 * Reasons for rejection are returned as text for the caller's log line and
 * rejection receipt; this module logs only file-level problems. */
#include "remote/sign.h"
#include "base/atomicfile.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "base/utf8.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define KEY_HEADER "crier-key v1"

struct crier_keyring {
    crier_key *keys; /* public parts only; sk zeroed */
    size_t count, cap;
};

crier_err crier_sign_init(void)
{
    /* sodium_init is thread-safe and returns 1 when already initialised */
    return sodium_init() < 0 ? CRIER_ERR_UNSUPPORTED : CRIER_OK;
}

static void key_id_from_pk(const unsigned char pk[32], char out[CRIER_KEY_ID_LEN + 1])
{
    unsigned char h[16];
    crypto_generichash(h, sizeof h, pk, 32, NULL, 0);
    sodium_bin2hex(out, CRIER_KEY_ID_LEN + 1, h, CRIER_KEY_ID_LEN / 2);
}

/* UTF-8 without control characters (C0, DEL, C1), 1..max bytes. */
static int issuer_valid(const char *s, size_t max)
{
    size_t n = strlen(s), pos = 0;
    if (n == 0 || n > max)
        return 0;
    while (pos < n) {
        uint32_t cp = crier_utf8_next(s, n, &pos);
        if (cp == CRIER_UTF8_INVALID || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
            return 0;
    }
    return 1;
}

void crier_key_wipe(crier_key *key)
{
    if (key)
        sodium_memzero(key, sizeof *key);
}

crier_err crier_key_generate(const char *issuer, crier_key *out)
{
    if (!out)
        return CRIER_ERR_INVAL;
    crier_key_wipe(out);
    if (!issuer || !issuer_valid(issuer, CRIER_KEY_ISSUER_MAX))
        return CRIER_ERR_INVAL;
    if (crier_sign_init() != CRIER_OK)
        return CRIER_ERR_UNSUPPORTED;
    if (crypto_sign_keypair(out->pk, out->sk) != 0)
        return CRIER_ERR_UNSUPPORTED;
    out->has_secret = 1;
    snprintf(out->issuer, sizeof out->issuer, "%s", issuer);
    key_id_from_pk(out->pk, out->id);
    return CRIER_OK;
}

/* Decode base64 (standard alphabet, padded) into exactly want bytes. */
static int b64_exact(const char *s, size_t slen, unsigned char *bin, size_t want)
{
    size_t got = 0;
    const char *end = NULL;
    if (sodium_base642bin(bin, want, s, slen, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return (got == want && end == s + slen) ? 0 : -1;
}

crier_err crier_key_parse(const char *buf, size_t len, crier_key *out, char *err_msg,
                          size_t err_len)
{
    crier_err err = CRIER_ERR_PARSE;
    char *text = NULL;
    unsigned char seed[crypto_sign_SEEDBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
    int have_type = 0, is_secret = 0, have_alg = 0, have_id = 0, have_issuer = 0, have_pub = 0,
        have_sec = 0, have_created = 0;
    char id[CRIER_KEY_ID_LEN + 1] = "";
    if (!out)
        return CRIER_ERR_INVAL;
    crier_key_wipe(out);
    if (!buf) {
        crier_errf(err_msg, err_len, "no key text");
        return CRIER_ERR_INVAL;
    }
    if (crier_sign_init() != CRIER_OK)
        return CRIER_ERR_UNSUPPORTED;
    if (len > CRIER_KEY_FILE_MAX) {
        crier_errf(err_msg, err_len, "key file larger than %u bytes", CRIER_KEY_FILE_MAX);
        return CRIER_ERR_LIMIT;
    }
    if (memchr(buf, '\0', len)) {
        crier_errf(err_msg, err_len, "NUL byte in key file");
        return CRIER_ERR_PARSE;
    }
    text = sodium_malloc(len + 1); /* guarded, wiped on free: it may hold a secret */
    if (!text)
        return CRIER_ERR_NOMEM;
    memcpy(text, buf, len);
    text[len] = '\0';

    int lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r')
            line[--ll] = '\0';
        if (lineno == 1) {
            if (strcmp(line, KEY_HEADER) != 0) {
                crier_errf(err_msg, err_len, "first line is not \"" KEY_HEADER "\"");
                goto cleanup;
            }
            continue;
        }
        if (ll == 0 || line[0] == '#')
            continue;
        char *colon = strchr(line, ':');
        if (!colon) {
            crier_errf(err_msg, err_len, "line %d: expected \"name: value\"", lineno);
            goto cleanup;
        }
        *colon = '\0';
        char *name = line, *value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        size_t vl = strlen(value);
        while (vl && (value[vl - 1] == ' ' || value[vl - 1] == '\t'))
            value[--vl] = '\0';
        int *seen;
        if (strcmp(name, "type") == 0)
            seen = &have_type;
        else if (strcmp(name, "alg") == 0)
            seen = &have_alg;
        else if (strcmp(name, "id") == 0)
            seen = &have_id;
        else if (strcmp(name, "issuer") == 0)
            seen = &have_issuer;
        else if (strcmp(name, "public") == 0)
            seen = &have_pub;
        else if (strcmp(name, "secret") == 0)
            seen = &have_sec;
        else if (strcmp(name, "created") == 0)
            seen = &have_created;
        else {
            crier_errf(err_msg, err_len, "line %d: unknown field \"%.32s\"", lineno, name);
            goto cleanup;
        }
        if (*seen) {
            crier_errf(err_msg, err_len, "line %d: field \"%s\" repeated", lineno, name);
            goto cleanup;
        }
        *seen = 1;
        if (seen == &have_type) {
            if (strcmp(value, "public") == 0)
                is_secret = 0;
            else if (strcmp(value, "secret") == 0)
                is_secret = 1;
            else {
                crier_errf(err_msg, err_len, "line %d: type must be public or secret", lineno);
                goto cleanup;
            }
        } else if (seen == &have_alg) {
            if (strcmp(value, "ed25519") != 0) {
                crier_errf(err_msg, err_len, "line %d: unsupported alg \"%.32s\"", lineno, value);
                err = CRIER_ERR_UNSUPPORTED;
                goto cleanup;
            }
        } else if (seen == &have_id) {
            if (vl != CRIER_KEY_ID_LEN) {
                crier_errf(err_msg, err_len, "line %d: id must be %d hex digits", lineno, CRIER_KEY_ID_LEN);
                goto cleanup;
            }
            memcpy(id, value, vl + 1);
        } else if (seen == &have_issuer) {
            if (!issuer_valid(value, CRIER_KEY_ISSUER_MAX)) {
                crier_errf(err_msg, err_len, "line %d: issuer must be 1..%d bytes of UTF-8 text",
                        lineno, CRIER_KEY_ISSUER_MAX);
                goto cleanup;
            }
            memcpy(out->issuer, value, vl + 1);
        } else if (seen == &have_pub) {
            if (b64_exact(value, vl, pk, sizeof pk) != 0) {
                crier_errf(err_msg, err_len, "line %d: public must be base64 of 32 bytes", lineno);
                goto cleanup;
            }
        } else if (seen == &have_sec) {
            if (b64_exact(value, vl, seed, sizeof seed) != 0) {
                crier_errf(err_msg, err_len, "line %d: secret must be base64 of a 32-byte seed", lineno);
                goto cleanup;
            }
        } /* created: informative, any text */
    }
    if (lineno == 0) {
        crier_errf(err_msg, err_len, "empty key file");
        goto cleanup;
    }
    if (!have_type || !have_alg || !have_id || !have_issuer || !have_pub) {
        crier_errf(err_msg, err_len, "missing field (type, alg, id, issuer and public are required)");
        goto cleanup;
    }
    if (is_secret != have_sec) {
        crier_errf(err_msg, err_len, is_secret ? "secret key file without secret field"
                                            : "public key file must not hold a secret");
        goto cleanup;
    }
    if (is_secret) {
        unsigned char derived[crypto_sign_PUBLICKEYBYTES];
        crypto_sign_seed_keypair(derived, sk, seed);
        if (sodium_memcmp(derived, pk, sizeof pk) != 0) {
            crier_errf(err_msg, err_len, "secret does not match public key");
            err = CRIER_ERR_AUTH;
            goto cleanup;
        }
        memcpy(out->sk, sk, sizeof sk);
        out->has_secret = 1;
    }
    memcpy(out->pk, pk, sizeof pk);
    key_id_from_pk(out->pk, out->id);
    if (strcmp(out->id, id) != 0) {
        crier_errf(err_msg, err_len, "id %s does not match the public key (expected %s)", id, out->id);
        err = CRIER_ERR_AUTH;
        goto cleanup;
    }
    err = CRIER_OK;
cleanup:
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    sodium_free(text);
    if (err != CRIER_OK)
        crier_key_wipe(out);
    return err;
}

crier_err crier_key_load(const char *path, crier_key *out)
{
    char *buf = NULL, msg[160] = "";
    size_t len = 0;
    if (!path || !out)
        return CRIER_ERR_INVAL;
    crier_key_wipe(out);
    crier_err err = crier_atomicfile_read(path, CRIER_KEY_FILE_MAX, &buf, &len);
    if (err != CRIER_OK) {
        LOG_ERROR("sign", "cannot read key file %s: %s", path, crier_strerror(err));
        return err;
    }
    err = crier_key_parse(buf, len, out, msg, sizeof msg);
    sodium_memzero(buf, len);
    free(buf);
    if (err != CRIER_OK) {
        LOG_ERROR("sign", "key file %s: %s", path, msg);
        return err;
    }
    if (out->has_secret) {
        struct stat st;
        if (stat(path, &st) != 0 || (st.st_mode & 077)) {
            LOG_ERROR("sign", "secret key file %s is readable by group or others (chmod 600 it)",
                      path);
            crier_key_wipe(out);
            return CRIER_ERR_AUTH;
        }
    }
    return CRIER_OK;
}

static crier_err format_key(const crier_key *key, int secret, char **out)
{
    char pub[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    char sec[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    char created[40];
    if (!key || !out)
        return CRIER_ERR_INVAL;
    *out = NULL;
    if (secret && !key->has_secret)
        return CRIER_ERR_INVAL;
    if (crier_sign_init() != CRIER_OK)
        return CRIER_ERR_UNSUPPORTED;
    sodium_bin2base64(pub, sizeof pub, key->pk, 32, sodium_base64_VARIANT_ORIGINAL);
    crier_format_utc_ms(crier_wall_ms(), created, sizeof created);
    size_t cap = 512 + strlen(key->issuer);
    char *buf = secret ? sodium_malloc(cap) : malloc(cap);
    if (!buf)
        return CRIER_ERR_NOMEM;
    if (secret) {
        sodium_bin2base64(sec, sizeof sec, key->sk, 32, sodium_base64_VARIANT_ORIGINAL);
        snprintf(buf, cap,
                 KEY_HEADER "\n# Crier signing key: keep secret, never copy to a kiosk.\n"
                            "type: secret\nalg: ed25519\nid: %s\nissuer: %s\ncreated: %s\n"
                            "public: %s\nsecret: %s\n",
                 key->id, key->issuer, created, pub, sec);
        sodium_memzero(sec, sizeof sec);
        /* hand back plain malloc memory so callers free() it uniformly */
        size_t n = strlen(buf) + 1;
        char *plain = malloc(n);
        if (plain)
            memcpy(plain, buf, n);
        sodium_free(buf);
        if (!plain)
            return CRIER_ERR_NOMEM;
        *out = plain;
    } else {
        snprintf(buf, cap,
                 KEY_HEADER "\n# Crier trusted public key: install in the kiosk's key folder.\n"
                            "type: public\nalg: ed25519\nid: %s\nissuer: %s\ncreated: %s\n"
                            "public: %s\n",
                 key->id, key->issuer, created, pub);
        *out = buf;
    }
    return CRIER_OK;
}

crier_err crier_key_format_public(const crier_key *key, char **out)
{
    return format_key(key, 0, out);
}

crier_err crier_key_format_secret(const crier_key *key, char **out)
{
    return format_key(key, 1, out);
}

static crier_err save_key(const crier_key *key, const char *path, int secret, int overwrite)
{
    char *text = NULL;
    if (!path)
        return CRIER_ERR_INVAL;
    crier_err err = format_key(key, secret, &text);
    if (err != CRIER_OK)
        return err;
    size_t n = strlen(text);
    err = crier_atomicfile_write(path, text, n, secret ? 0600 : 0644, overwrite);
    sodium_memzero(text, n);
    free(text);
    return err;
}

crier_err crier_key_save_public(const crier_key *key, const char *path, int overwrite)
{
    return save_key(key, path, 0, overwrite);
}

crier_err crier_key_save_secret(const crier_key *key, const char *path, int overwrite)
{
    return save_key(key, path, 1, overwrite);
}

/* ---- keyring ---- */

crier_keyring *crier_keyring_new(void)
{
    if (crier_sign_init() != CRIER_OK)
        return NULL;
    return calloc(1, sizeof(crier_keyring));
}

void crier_keyring_free(crier_keyring *ring)
{
    if (!ring)
        return;
    if (ring->keys)
        sodium_memzero(ring->keys, ring->cap * sizeof *ring->keys);
    free(ring->keys);
    free(ring);
}

const crier_key *crier_keyring_find(const crier_keyring *ring, const char *key_id)
{
    if (!ring || !key_id)
        return NULL;
    for (size_t i = 0; i < ring->count; i++)
        if (strcmp(ring->keys[i].id, key_id) == 0)
            return &ring->keys[i];
    return NULL;
}

size_t crier_keyring_count(const crier_keyring *ring)
{
    return ring ? ring->count : 0;
}

crier_err crier_keyring_add(crier_keyring *ring, const crier_key *key)
{
    if (!ring || !key || key->id[0] == '\0')
        return CRIER_ERR_INVAL;
    if (crier_keyring_find(ring, key->id))
        return CRIER_ERR_INVAL;
    if (ring->count >= CRIER_KEYRING_MAX)
        return CRIER_ERR_LIMIT;
    if (ring->count == ring->cap) {
        size_t ncap = ring->cap ? ring->cap * 2 : 8;
        crier_key *nk = calloc(ncap, sizeof *nk);
        if (!nk)
            return CRIER_ERR_NOMEM;
        if (ring->keys) {
            memcpy(nk, ring->keys, ring->count * sizeof *nk);
            sodium_memzero(ring->keys, ring->cap * sizeof *ring->keys);
        }
        free(ring->keys);
        ring->keys = nk;
        ring->cap = ncap;
    }
    crier_key *k = &ring->keys[ring->count++];
    memset(k, 0, sizeof *k);
    memcpy(k->id, key->id, sizeof k->id);
    memcpy(k->issuer, key->issuer, sizeof k->issuer);
    memcpy(k->pk, key->pk, sizeof k->pk);
    return CRIER_OK;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && strcmp(s + a - b, suffix) == 0;
}

crier_err crier_keyring_load_dir(crier_keyring *ring, const char *dir, size_t *loaded)
{
    if (loaded)
        *loaded = 0;
    if (!ring || !dir)
        return CRIER_ERR_INVAL;
    DIR *d = opendir(dir);
    if (!d) {
        LOG_DEBUG("sign", "cannot open key folder %s: %s", dir, strerror(errno)); /* the caller reports it */
        return CRIER_ERR_NOTFOUND;
    }
    size_t added = 0;
    crier_err err = CRIER_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !ends_with(de->d_name, ".pub"))
            continue;
        size_t plen = strlen(dir) + strlen(de->d_name) + 2;
        char *path = malloc(plen);
        if (!path) {
            err = CRIER_ERR_NOMEM;
            break;
        }
        snprintf(path, plen, "%s/%s", dir, de->d_name);
        struct stat st;
        crier_key key;
        memset(&key, 0, sizeof key);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            LOG_WARN("sign", "key folder: %s is not a regular file; skipped", path);
        } else if (crier_key_load(path, &key) != CRIER_OK) {
            LOG_WARN("sign", "key folder: %s skipped", path);
        } else if (key.has_secret) {
            LOG_WARN("sign", "key folder: %s holds a SECRET key; skipped (install the .pub file)",
                     path);
        } else {
            crier_err e = crier_keyring_add(ring, &key);
            if (e == CRIER_OK) {
                added++;
                LOG_INFO("sign", "trusted key %s (%s) from %s", key.id, key.issuer, path);
            } else if (e == CRIER_ERR_INVAL) {
                LOG_WARN("sign", "key folder: %s repeats key id %s; skipped", path, key.id);
            } else {
                LOG_WARN("sign", "key folder: %s: %s; skipped", path, crier_strerror(e));
            }
        }
        crier_key_wipe(&key);
        free(path);
    }
    closedir(d);
    if (loaded)
        *loaded = added;
    return err;
}

/* ---- envelopes ---- */

crier_err crier_envelope_seal(const void *payload, size_t len, const crier_key *key, char **out,
                              size_t *out_len)
{
    unsigned char sig[crypto_sign_BYTES];
    char sig64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    if (!out)
        return CRIER_ERR_INVAL;
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!key || !key->has_secret || (!payload && len))
        return CRIER_ERR_INVAL;
    if (len > CRIER_ENVELOPE_MAX_PAYLOAD)
        return CRIER_ERR_LIMIT;
    if (crier_sign_init() != CRIER_OK)
        return CRIER_ERR_UNSUPPORTED;
    if (crypto_sign_detached(sig, NULL, payload ? payload : (const void *)"", len, key->sk) != 0)
        return CRIER_ERR_UNSUPPORTED;
    sodium_bin2base64(sig64, sizeof sig64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    size_t p64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    size_t cap = p64len + sizeof sig64 + 128;
    char *buf = malloc(cap);
    if (!buf)
        return CRIER_ERR_NOMEM;
    int n = snprintf(buf, cap, "{\"v\":1,\"alg\":\"ed25519\",\"kid\":\"%s\",\"sig\":\"%s\",\"payload\":\"",
                     key->id, sig64);
    size_t pos = (size_t)n;
    sodium_bin2base64(buf + pos, cap - pos, payload ? payload : (const void *)"", len,
                      sodium_base64_VARIANT_ORIGINAL);
    pos += strlen(buf + pos);
    memcpy(buf + pos, "\"}", 3);
    pos += 2;
    *out = buf;
    if (out_len)
        *out_len = pos;
    return CRIER_OK;
}

static const char *json_string(const cJSON *obj, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

crier_err crier_envelope_open(const char *buf, size_t len, const crier_keyring *ring,
                              char **payload, size_t *payload_len, char **issuer, char **key_id,
                              char *reason, size_t reason_len)
{
    crier_err err = CRIER_ERR_PARSE;
    cJSON *root = NULL;
    char *bin = NULL, *iss = NULL, *kid_copy = NULL;
    unsigned char sig[crypto_sign_BYTES];
    if (payload)
        *payload = NULL;
    if (payload_len)
        *payload_len = 0;
    if (issuer)
        *issuer = NULL;
    if (key_id)
        *key_id = NULL;
    crier_errf(reason, reason_len, "ok");
    if (!buf || !ring || !payload || !payload_len) {
        crier_errf(reason, reason_len, "invalid arguments");
        return CRIER_ERR_INVAL;
    }
    if (crier_sign_init() != CRIER_OK)
        return CRIER_ERR_UNSUPPORTED;
    if (len > CRIER_ENVELOPE_MAX_BYTES) {
        crier_errf(reason, reason_len, "envelope of %zu bytes exceeds the limit of %u", len,
                (unsigned)CRIER_ENVELOPE_MAX_BYTES);
        return CRIER_ERR_LIMIT;
    }
    root = cJSON_ParseWithLength(buf, len);
    if (!cJSON_IsObject(root)) {
        crier_errf(reason, reason_len, "unsigned: not a JSON envelope");
        err = CRIER_ERR_AUTH;
        goto cleanup;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "v");
    const char *alg = json_string(root, "alg"), *kid = json_string(root, "kid");
    const char *sig64 = json_string(root, "sig"), *p64 = json_string(root, "payload");
    if (!cJSON_GetObjectItemCaseSensitive(root, "sig") || !cJSON_GetObjectItemCaseSensitive(root, "kid")) {
        crier_errf(reason, reason_len, "unsigned: envelope has no sig or kid");
        err = CRIER_ERR_AUTH;
        goto cleanup;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble != 1.0) {
        crier_errf(reason, reason_len, "unsupported envelope version");
        err = CRIER_ERR_UNSUPPORTED;
        goto cleanup;
    }
    if (!alg || strcmp(alg, "ed25519") != 0) {
        crier_errf(reason, reason_len, "unsupported signature algorithm \"%.32s\"", alg ? alg : "(none)");
        err = CRIER_ERR_AUTH;
        goto cleanup;
    }
    if (!kid || !sig64 || !p64) {
        crier_errf(reason, reason_len, "envelope fields kid, sig and payload must be strings");
        err = CRIER_ERR_PARSE;
        goto cleanup;
    }
    const crier_key *key = crier_keyring_find(ring, kid);
    if (!key) {
        crier_errf(reason, reason_len, "unknown key id \"%.40s\"", kid);
        err = CRIER_ERR_AUTH;
        goto cleanup;
    }
    if (b64_exact(sig64, strlen(sig64), sig, sizeof sig) != 0) {
        crier_errf(reason, reason_len, "bad signature encoding (key %s, %s)", key->id, key->issuer);
        err = CRIER_ERR_AUTH;
        goto cleanup;
    }
    size_t p64len = strlen(p64);
    size_t maxbin = p64len / 4 * 3 + 3; /* upper bound; up to 2 of those are padding */
    if (p64len / 4 * 3 > CRIER_ENVELOPE_MAX_PAYLOAD + 2) {
        crier_errf(reason, reason_len, "payload exceeds %u bytes", (unsigned)CRIER_ENVELOPE_MAX_PAYLOAD);
        err = CRIER_ERR_LIMIT;
        goto cleanup;
    }
    bin = malloc(maxbin + 1);
    if (!bin) {
        err = CRIER_ERR_NOMEM;
        goto cleanup;
    }
    size_t binlen = 0;
    const char *end = NULL;
    if (sodium_base642bin((unsigned char *)bin, maxbin, p64, p64len, NULL, &binlen, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != p64 + p64len) {
        crier_errf(reason, reason_len, "payload is not valid base64");
        err = CRIER_ERR_PARSE;
        goto cleanup;
    }
    if (binlen > CRIER_ENVELOPE_MAX_PAYLOAD) {
        crier_errf(reason, reason_len, "payload exceeds %u bytes", (unsigned)CRIER_ENVELOPE_MAX_PAYLOAD);
        err = CRIER_ERR_LIMIT;
        goto cleanup;
    }
    if (crypto_sign_verify_detached(sig, (const unsigned char *)bin, binlen, key->pk) != 0) {
        crier_errf(reason, reason_len, "bad signature for key %s (%s)", key->id, key->issuer);
        err = CRIER_ERR_AUTH;
        goto cleanup;
    }
    bin[binlen] = '\0';
    if (issuer && !(iss = strdup(key->issuer))) {
        err = CRIER_ERR_NOMEM;
        goto cleanup;
    }
    if (key_id && !(kid_copy = strdup(key->id))) {
        err = CRIER_ERR_NOMEM;
        goto cleanup;
    }
    *payload = bin;
    *payload_len = binlen;
    bin = NULL;
    if (issuer) {
        *issuer = iss;
        iss = NULL;
    }
    if (key_id) {
        *key_id = kid_copy;
        kid_copy = NULL;
    }
    crier_errf(reason, reason_len, "signed by key %s (%s)", key->id, key->issuer);
    err = CRIER_OK;
cleanup:
    cJSON_Delete(root);
    free(bin);
    free(iss);
    free(kid_copy);
    return err;
}
