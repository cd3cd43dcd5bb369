/* retract.c - signed retractions (tombstones) of posts: the payload, its
 * writer, and opening one on a kiosk.  See post.h and docs/protocol.md
 * "Signed retractions"; the cryptography is sign.c's. */
#include "remote/post.h"
#include "remote/protocol_internal.h"
#include "remote/sign.h"
#include "remote/topic.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int crier_payload_is_retraction(const char *buf, size_t len)
{
    if (!buf || len == 0 || len > CRIER_RETRACT_MAX_BYTES)
        return 0;
    cJSON *root = cJSON_ParseWithLength(buf, len);
    int yes = cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "retract") != NULL;
    cJSON_Delete(root);
    return yes;
}

crier_err crier_retraction_parse(const char *buf, size_t len, const char *id, crier_retraction *out, char *err_msg,
                                 size_t err_len)
{
    memset(out, 0, sizeof *out);
    cJSON *root = NULL;
    crier_err rc = crier_protocol__json_open(buf, len, CRIER_RETRACT_MAX_BYTES, &root, err_msg, err_len);
    if (rc != CRIER_OK)
        return rc;
    if ((rc = crier_protocol__unique_fields(root, err_msg, err_len)) != CRIER_OK)
        goto done;
    crier_retraction r = {0};
    int have_id = 0, have_sent = 0;
    for (const cJSON *f = root->child; f; f = f->next) {
        const char *k = f->string ? f->string : "";
        if (strcmp(k, "retract") == 0) {
            if (!cJSON_IsString(f) || !id || strcmp(f->valuestring, id) != 0) {
                crier_errf(err_msg, err_len, "field 'retract' must be a string equal to the topic's post id '%s'",
                           id ? id : "");
                rc = CRIER_ERR_INVAL;
                goto done;
            }
            snprintf(r.id, sizeof r.id, "%s", id);
            have_id = 1;
        } else if (strcmp(k, "sent") == 0) {
            if ((rc = crier_protocol__get_time(f, k, &r.sent_ms, err_msg, err_len)) != CRIER_OK)
                goto done;
            have_sent = 1;
        } else if (strcmp(k, "by") == 0) {
            char *by = NULL;
            if ((rc = crier_protocol__get_text(f, k, CRIER_RETRACT_MAX_BY, 0, 0, &by, err_msg, err_len)) != CRIER_OK)
                goto done;
            snprintf(r.by, sizeof r.by, "%s", by);
            free(by);
        } else if (strncmp(k, "x-", 2) != 0) {
            char shown[40];
            crier_protocol__shown_name(k, shown);
            crier_errf(err_msg, err_len, "retraction: unknown field '%s' (extensions must start with \"x-\")", shown);
            rc = CRIER_ERR_INVAL;
            goto done;
        }
    }
    if (!have_id || !have_sent) {
        crier_errf(err_msg, err_len, "retraction: field '%s' is required", have_id ? "sent" : "retract");
        rc = CRIER_ERR_INVAL;
        goto done;
    }
    *out = r;
done:
    cJSON_Delete(root);
    return rc;
}

char *crier_retraction_write(const crier_retraction *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "retract", r->id);
    cJSON_AddNumberToObject(o, "sent", (double)r->sent_ms);
    if (r->by[0])
        cJSON_AddStringToObject(o, "by", r->by);
    return crier_protocol__print_and_free(o);
}

crier_err crier_retraction_open(const char *buf, size_t len, const crier_keyring *ring, const char *id,
                                int64_t now_ms, crier_retraction *out, char **issuer, char **key_id, char *err_msg,
                                size_t err_len)
{
    memset(out, 0, sizeof *out);
    if (issuer)
        *issuer = NULL;
    if (key_id)
        *key_id = NULL;
    if (!crier_payload_is_envelope(buf, len)) {
        crier_errf(err_msg, err_len, "unsigned retraction: this kiosk accepts only signed retractions");
        return CRIER_ERR_AUTH;
    }
    if (!ring || crier_keyring_count(ring) == 0) {
        crier_errf(err_msg, err_len, "signed retraction, but this kiosk trusts no keys (alert_keys_dir is empty)");
        return CRIER_ERR_AUTH;
    }
    char *payload = NULL, *who = NULL, *kid = NULL, reason[200] = "";
    size_t plen = 0;
    crier_err rc = crier_envelope_open(buf, len, ring, &payload, &plen, &who, &kid, reason, sizeof reason);
    if (rc != CRIER_OK) {
        crier_errf(err_msg, err_len, "signed retraction: %s", reason[0] ? reason : crier_strerror(rc));
        return rc;
    }
    rc = crier_retraction_parse(payload, plen, id, out, err_msg, err_len);
    free(payload);
    if (rc == CRIER_OK && out->sent_ms > now_ms + CRIER_RETRACT_MAX_FUTURE_MS) {
        char when[40];
        crier_format_utc_ms(out->sent_ms, when, sizeof when);
        crier_errf(err_msg, err_len, "retraction sent %s is more than %d s ahead of this kiosk's clock", when,
                   CRIER_RETRACT_MAX_FUTURE_MS / 1000);
        memset(out, 0, sizeof *out);
        rc = CRIER_ERR_STALE;
    }
    if (rc == CRIER_OK && issuer) {
        *issuer = who;
        who = NULL;
    }
    if (rc == CRIER_OK && key_id) {
        *key_id = kid;
        kid = NULL;
    }
    free(who);
    free(kid);
    return rc;
}

uint32_t crier_retraction_retain_s(int64_t valid_until_ms, int64_t now_ms)
{
    if (valid_until_ms <= now_ms)
        return CRIER_RETRACT_RETAIN_MAX_S;
    int64_t s = (valid_until_ms - now_ms) / 1000 + CRIER_RETRACT_RETAIN_GRACE_S;
    return s > CRIER_RETRACT_RETAIN_MAX_S ? CRIER_RETRACT_RETAIN_MAX_S : (uint32_t)s;
}
