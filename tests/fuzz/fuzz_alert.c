/* fuzz_alert.c - libFuzzer harness for the alert JSON wire format
 * (crier_alert_parse).  An accepted alert is deep-copied, ranked, and written
 * back with crier_alert_to_json, which must parse again (with and without the
 * persisted provenance fields).  See fuzz_common.h. */
#include "fuzz_common.h"

#include "alerts/alert.h"

static int fuzz_alert_one(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    crier_alert *a = NULL, *b = NULL, *c = NULL;
    char err[256] = "";
    if (crier_alert_parse((const char *)data, size, &a, err, sizeof err) != CRIER_OK) {
        FUZZ_ASSERT(a == NULL);
        FUZZ_ASSERT(err[0] != '\0');
        return 0;
    }
    FUZZ_ASSERT(a != NULL);
    FUZZ_ASSERT(crier_alert_validate(a, 1, err, sizeof err) == CRIER_OK);
    (void)crier_alert_max_severity(a);
    (void)crier_alert_max_urgency(a);
    (void)crier_alert_expiry(a, 3600000);
    (void)crier_alert_effective(a);

    c = crier_alert_copy(a);
    FUZZ_ASSERT(c != NULL);
    FUZZ_ASSERT(crier_alert_compare(a, c) == 0);

    char *json = NULL;
    size_t json_len = 0;
    FUZZ_ASSERT(crier_alert_to_json(a, 0, &json, &json_len) == CRIER_OK);
    crier_err rc = crier_alert_parse(json, json_len, &b, err, sizeof err);
    if (rc != CRIER_OK)
        fprintf(stderr, "re-parse of written alert failed (%s): %s\n", err, json);
    FUZZ_ASSERT(rc == CRIER_OK);
    FUZZ_ASSERT(crier_alert_compare(a, b) == 0);
    char *json2 = NULL;
    size_t json2_len = 0;
    FUZZ_ASSERT(crier_alert_to_json(b, 0, &json2, &json2_len) == CRIER_OK);
    FUZZ_ASSERT(json2_len == json_len && memcmp(json, json2, json_len) == 0); /* writer is canonical */
    free(json2);
    crier_alert_free(b);
    b = NULL;
    free(json);
    json = NULL;

    /* as persisted in the state file */
    c->issuer = strdup("Fuzz Issuer");
    c->key_id = strdup("0123456789abcdef");
    c->received_ms = 1767225600000LL;
    FUZZ_ASSERT(crier_alert_to_json(c, 1, &json, &json_len) == CRIER_OK);
    rc = crier_alert_parse_ex(json, json_len, 1, &b, err, sizeof err);
    if (rc != CRIER_OK)
        fprintf(stderr, "re-parse of persisted alert failed (%s): %s\n", err, json);
    FUZZ_ASSERT(rc == CRIER_OK);
    free(json);
    crier_alert_free(b);
    crier_alert_free(c);
    crier_alert_free(a);
    return 0;
}

CRIER_FUZZ_ENTRY(fuzz_alert_one)
