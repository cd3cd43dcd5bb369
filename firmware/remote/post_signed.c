/* post_signed.c - signed posts: tell an envelope from a plain post, peek into
 * one without verifying (staff tools), open and verify one (kiosks).  See
 * post.h and docs/protocol.md "Signed posts"; the cryptography is sign.c's. */
#include "remote/post.h"
#include "remote/sign.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int crier_payload_is_envelope(const char *buf, size_t len)
{
    if (!buf || len == 0)
        return 0;
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
        i++;
    if (i >= len || buf[i] != '{')
        return 0;
    cJSON *root = cJSON_ParseWithLength(buf, len);
    int yes = cJSON_IsObject(root) && (cJSON_GetObjectItemCaseSensitive(root, "sig") ||
                                       cJSON_GetObjectItemCaseSensitive(root, "kid") ||
                                       cJSON_GetObjectItemCaseSensitive(root, "alg"));
    cJSON_Delete(root);
    return yes;
}

crier_err crier_envelope_peek(const char *buf, size_t len, char **payload, size_t *payload_len, char **key_id)
{
    *payload = NULL;
    if (payload_len)
        *payload_len = 0;
    if (key_id)
        *key_id = NULL;
    if (!buf || len == 0 || len > CRIER_ENVELOPE_MAX_BYTES || sodium_init() < 0)
        return CRIER_ERR_PARSE;
    cJSON *root = cJSON_ParseWithLength(buf, len);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "payload");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(root, "kid");
    crier_err rc = CRIER_ERR_PARSE;
    if (cJSON_IsString(p)) {
        size_t slen = strlen(p->valuestring), got = 0;
        char *bin = malloc(slen / 4 * 3 + 4);
        const char *end = NULL;
        if (bin && sodium_base642bin((unsigned char *)bin, slen / 4 * 3 + 3, p->valuestring, slen, NULL, &got, &end,
                                     sodium_base64_VARIANT_ORIGINAL) == 0 && end == p->valuestring + slen) {
            bin[got] = '\0';
            *payload = bin;
            if (payload_len)
                *payload_len = got;
            if (key_id && cJSON_IsString(k))
                *key_id = crier_strdup(k->valuestring);
            rc = CRIER_OK;
        } else {
            free(bin);
        }
    }
    cJSON_Delete(root);
    return rc;
}

crier_err crier_post_open(const char *buf, size_t len, const crier_keyring *ring, int require_signed,
                          const char *id, const char *source, int64_t now_ms, crier_item *out, char **issuer,
                          char *err_msg, size_t err_len)
{
    if (issuer)
        *issuer = NULL;
    memset(out, 0, sizeof *out);
    if (!crier_payload_is_envelope(buf, len)) {
        if (require_signed) {
            crier_errf(err_msg, err_len, "unsigned post: this kiosk accepts only signed posts");
            return CRIER_ERR_AUTH;
        }
        return crier_post_parse(buf, len, id, source, now_ms, out, err_msg, err_len);
    }
    if (len > CRIER_POST_ENVELOPE_MAX_BYTES) {
        crier_errf(err_msg, err_len, "signed post of %zu bytes exceeds the limit of %u bytes", len,
             CRIER_POST_ENVELOPE_MAX_BYTES);
        return CRIER_ERR_LIMIT;
    }
    if (!ring || crier_keyring_count(ring) == 0) {
        crier_errf(err_msg, err_len, "signed post, but this kiosk trusts no keys (alert_keys_dir is empty)");
        return CRIER_ERR_AUTH;
    }
    char *payload = NULL, *who = NULL, reason[200] = "";
    size_t plen = 0;
    crier_err rc = crier_envelope_open(buf, len, ring, &payload, &plen, &who, NULL, reason, sizeof reason);
    if (rc != CRIER_OK) {
        crier_errf(err_msg, err_len, "signed post: %s", reason[0] ? reason : crier_strerror(rc));
        return rc;
    }
    rc = crier_post_parse(payload, plen, id, source, now_ms, out, err_msg, err_len);
    free(payload);
    if (rc == CRIER_OK && issuer)
        *issuer = who;
    else
        free(who);
    return rc;
}
