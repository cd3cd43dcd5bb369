/* fuzz_common.h - shared pieces of the libFuzzer harnesses in tests/fuzz/.
 *
 * Each tests/fuzz/fuzz_<target>.c defines one file-local harness
 *     static int fuzz_<target>_one(const uint8_t *data, size_t size)
 * and ends with CRIER_FUZZ_ENTRY(fuzz_<target>_one), which becomes the
 * libFuzzer entry point LLVMFuzzerTestOneInput.  The harnesses are written so
 * they can also be compiled together, with CRIER_FUZZ_NO_MAIN defined, into the
 * ordinary unit test tests/unit/test_fuzz_regressions.c, which replays every
 * seed (tests/fuzz/corpus/<target>/) and every saved crash
 * (tests/fuzz/regressions/<target>/) through the same code under gcc.  So every
 * name in a harness file is static and carries the target's prefix.
 *
 * Harnesses hand parsers the fuzzer's buffer as is (exactly `size` bytes, not
 * NUL-terminated) so ASan sees any read past the end, free everything they get
 * back (leaks are findings too), and check a few properties that must hold for
 * any input; a broken property calls FUZZ_ASSERT, which aborts. */
#ifndef CRIER_FUZZ_COMMON_H
#define CRIER_FUZZ_COMMON_H

#include "base/log.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef CRIER_FUZZ_NO_MAIN
#define CRIER_FUZZ_ENTRY(fn)
#else
#define CRIER_FUZZ_ENTRY(fn)                                    \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) \
    {                                                            \
        return fn(data, size);                                   \
    }
#endif

/* A property every input must satisfy; on failure say which and abort (libFuzzer
 * then saves the input as a crash). */
#define FUZZ_ASSERT(cond)                                                                     \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

static inline void fuzz_null_sink(crier_log_level level, const char *component, const char *msg, void *ud)
{
    (void)level, (void)component, (void)msg, (void)ud;
}

/* Parsers log every rejection; messages are still formatted (so format bugs show)
 * but go nowhere, which keeps the fuzzer fast and its output readable.  Set
 * CRIER_FUZZ_LOG=1 to see them. */
static inline void fuzz_quiet_logs(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    const char *v = getenv("CRIER_FUZZ_LOG");
    if (!(v && *v == '1')) {
        crier_log_set_sink(fuzz_null_sink, NULL);
        crier_log_set_level(CRIER_LOG_DEBUG);
    }
}

/* A NUL-terminated heap copy of data[0..size) for APIs that take C strings.
 * Embedded NULs stay (the string just ends early). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
