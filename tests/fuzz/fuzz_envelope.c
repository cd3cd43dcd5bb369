/* fuzz_envelope.c - libFuzzer harness for signed alert envelopes
 * (crier_envelope_open) against a keyring of one key.
 *
 * The key is derived from a fixed seed so seed envelopes in the corpus
 * (made with tests/fuzz/make_envelope_seeds.c) carry a signature that verifies,
 * and the fuzzer starts past the signature check.  First byte of the input:
 *   even  the rest is an envelope: open it; a verified payload goes on to the
 *         alert parser, as on a kiosk;
 *   odd   the rest is a payload: seal it, open it again and require the same
 *         bytes back (seal/open round trip), then tamper one byte of the
 *         envelope and require that it no longer opens to the same payload.
 * See fuzz_common.h. */
#include "fuzz_common.h"

#include "alerts/alert.h"
#include "remote/sign.h"

#include <sodium.h>

/* Fill key with the fuzzing key (seed 0x42 * 32), the one make_envelope_seeds uses. */
static void fuzz_envelope_fixed_key(crier_key *key)
{
    unsigned char seed[crypto_sign_SEEDBYTES], h[CRIER_KEY_ID_LEN / 2];
    memset(key, 0, sizeof *key);
    memset(seed, 0x42, sizeof seed);
    if (crier_sign_init() != CRIER_OK || crypto_sign_seed_keypair(key->pk, key->sk, seed) != 0)
        abort();
    key->has_secret = 1;
    /* the id rule of remote/sign.c (docs/alerts.md "Key ids"): BLAKE2b-64 of the public key, hex */
    crypto_generichash(h, sizeof h, key->pk, sizeof key->pk, NULL, 0);
    sodium_bin2hex(key->id, sizeof key->id, h, sizeof h);
    snprintf(key->issuer, sizeof key->issuer, "%s", "Fuzz City Emergency Office");
}

static crier_keyring *fuzz_envelope_ring;
static crier_key fuzz_envelope_key;

static int fuzz_envelope_one(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    if (!fuzz_envelope_ring) {
        fuzz_envelope_fixed_key(&fuzz_envelope_key);
        fuzz_envelope_ring = crier_keyring_new();
        if (!fuzz_envelope_ring || crier_keyring_add(fuzz_envelope_ring, &fuzz_envelope_key) != CRIER_OK)
            abort();
    }
    if (size < 1)
        return 0;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    char reason[256] = "";
    char *payload = NULL, *issuer = NULL, *kid = NULL;
    size_t plen = 0;

    if ((data[0] & 1) == 0) {
        crier_err rc = crier_envelope_open(buf, len, fuzz_envelope_ring, &payload, &plen, &issuer, &kid, reason,
                                           sizeof reason);
        if (rc != CRIER_OK) {
            FUZZ_ASSERT(payload == NULL && issuer == NULL && kid == NULL);
            return 0;
        }
        FUZZ_ASSERT(payload && issuer && kid);
        FUZZ_ASSERT(strcmp(kid, fuzz_envelope_key.id) == 0);
        FUZZ_ASSERT(payload[plen] == '\0');
        crier_alert *a = NULL;
        if (crier_alert_parse(payload, plen, &a, reason, sizeof reason) == CRIER_OK)
            FUZZ_ASSERT(a != NULL);
        crier_alert_free(a);
        free(payload);
        free(issuer);
        free(kid);
        return 0;
    }

    char *env = NULL;
    size_t env_len = 0;
    crier_err rc = crier_envelope_seal(buf, len, &fuzz_envelope_key, &env, &env_len);
    if (rc != CRIER_OK) {
        FUZZ_ASSERT(len > CRIER_ENVELOPE_MAX_PAYLOAD);
        return 0;
    }
    FUZZ_ASSERT(env && env_len <= CRIER_ENVELOPE_MAX_BYTES);
    rc = crier_envelope_open(env, env_len, fuzz_envelope_ring, &payload, &plen, NULL, NULL, reason, sizeof reason);
    if (rc != CRIER_OK)
        fprintf(stderr, "sealed envelope does not open: %s\n", reason);
    FUZZ_ASSERT(rc == CRIER_OK);
    FUZZ_ASSERT(plen == len && (len == 0 || memcmp(payload, buf, len) == 0));
    free(payload);
    payload = NULL;
    /* flip one bit somewhere in the envelope (position chosen by the input) */
    size_t pos = 0;
    for (size_t i = 0; i < len && i < 8; i++)
        pos = pos * 131 + (unsigned char)buf[i];
    pos %= env_len;
    env[pos] ^= 0x01;
    rc = crier_envelope_open(env, env_len, fuzz_envelope_ring, &payload, &plen, NULL, NULL, reason, sizeof reason);
    /* a flipped bit may land in whitespace or a key name that is ignored, but it
     * must never yield a different payload that verifies */
    if (rc == CRIER_OK)
        FUZZ_ASSERT(plen == len && (len == 0 || memcmp(payload, buf, len) == 0));
    free(payload);
    free(env);
    return 0;
}

CRIER_FUZZ_ENTRY(fuzz_envelope_one)
