/* fuzz_cap.c - libFuzzer harness for CAP 1.2 XML (crier_cap_parse).  An accepted
 * alert must survive the JSON writer and parser the kiosk persists it with.
 * See fuzz_common.h. */
#include "fuzz_common.h"

#include "alerts/alert.h"
#include "alerts/cap.h"

static int fuzz_cap_one(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    crier_alert *a = NULL, *b = NULL;
    char err[256] = "";
    if (crier_cap_parse((const char *)data, size, &a, err, sizeof err) != CRIER_OK) {
        FUZZ_ASSERT(a == NULL);
        FUZZ_ASSERT(err[0] != '\0');
        return 0;
    }
    FUZZ_ASSERT(a != NULL);
    FUZZ_ASSERT(crier_alert_validate(a, 0, err, sizeof err) == CRIER_OK);
    (void)crier_alert_expiry(a, 3600000);
    char *json = NULL;
    size_t json_len = 0;
    /* Everything CAP accepts must be expressible in the JSON form the alert set
     * persists (alert_set.c save/load).  CAP has no seq (0), which the JSON
     * reader refuses, so give it one as a sender's sequence would. */
    a->seq = 1;
    FUZZ_ASSERT(crier_alert_to_json(a, 1, &json, &json_len) == CRIER_OK);
    crier_err rc = crier_alert_parse_ex(json, json_len, 1, &b, err, sizeof err);
    if (rc != CRIER_OK)
        fprintf(stderr, "CAP alert written as JSON does not parse (%s): %s\n", err, json);
    FUZZ_ASSERT(rc == CRIER_OK);
    free(json);
    crier_alert_free(b);
    crier_alert_free(a);
    return 0;
}

CRIER_FUZZ_ENTRY(fuzz_cap_one)
