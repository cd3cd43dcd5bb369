/* check.h - a tiny test harness for Crier's unit tests.
 *
 *   TEST(name) { CHECK(x == 1); CHECK_STR_EQ(s, "a"); }
 *   int main(void) { RUN(name); return check_summary(); }
 *
 * Each test binary prints "N passed, N failed" and exits non-zero on failure. */
#ifndef CRIER_CHECK_H
#define CRIER_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed, check_current_failed;

#define TEST(name) static void test_##name(void)

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
            check_current_failed = 1;                                                  \
        }                                                                              \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                             \
    do {                                                                               \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                \
        if (check_a_ != check_b_) {                                                    \
            fprintf(stderr, "  FAIL %s:%d: %s == %s (%lld != %lld)\n", __FILE__,       \
                    __LINE__, #a, #b, check_a_, check_b_);                             \
            check_current_failed = 1;                                                  \
        }                                                                              \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                             \
    do {                                                                               \
        const char *check_a_ = (a), *check_b_ = (b);                                   \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {               \
            fprintf(stderr, "  FAIL %s:%d: %s == %s (\"%s\" != \"%s\")\n", __FILE__,   \
                    __LINE__, #a, #b, check_a_ ? check_a_ : "(null)",                  \
                    check_b_ ? check_b_ : "(null)");                                   \
            check_current_failed = 1;                                                  \
        }                                                                              \
    } while (0)

#define RUN(name)                                                                      \
    do {                                                                               \
        check_current_failed = 0;                                                      \
        test_##name();                                                                 \
        if (check_current_failed) {                                                    \
            check_failed++;                                                            \
            fprintf(stderr, "FAIL %s\n", #name);                                       \
        } else {                                                                       \
            check_passed++;                                                            \
            fprintf(stderr, "ok   %s\n", #name);                                       \
        }                                                                              \
    } while (0)

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
