/* fuzz_config.c - libFuzzer harness for the config file parser
 * (crier_config_parse), followed by the cross-checks and a walk over every key,
 * as `crier --print-config` does.  See fuzz_common.h. */
#include "fuzz_common.h"

#include "config/config.h"

static void fuzz_config_emit(const char *key, const char *value, const char *help, void *ud)
{
    size_t *n = ud;
    FUZZ_ASSERT(key && *key);
    *n += strlen(key) + (value ? strlen(value) : 0) + (help ? 1 : 0);
}

static int fuzz_config_one(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    crier_config cfg;
    char err[256];
    if (crier_config_init(&cfg, "/nonexistent/assets") != CRIER_OK)
        return 0;
    err[0] = '\0';
    crier_err rc = crier_config_parse(&cfg, (const char *)data, size, "fuzz.conf", "/nonexistent/base", err,
                                      sizeof err);
    FUZZ_ASSERT(memchr(err, '\0', sizeof err) != NULL);
    if (rc == CRIER_OK) {
        FUZZ_ASSERT(cfg.n_sources >= 0 && cfg.n_sources <= CRIER_MAX_SOURCES);
        (void)crier_config_check(&cfg, err, sizeof err);
        size_t n = 0;
        crier_config_each(&cfg, fuzz_config_emit, &n);
        FUZZ_ASSERT(n > 0);
    } else {
        FUZZ_ASSERT(err[0] != '\0'); /* every rejection says why */
    }
    crier_config_free(&cfg);
    return 0;
}

CRIER_FUZZ_ENTRY(fuzz_config_one)
