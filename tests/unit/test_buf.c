/* test_buf.c - the one growable byte buffer (base/buf.c). */
#include "base/buf.h"
#include "check.h"

#include <stdint.h>
#include <stdlib.h>

TEST(append_grows_and_terminates)
{
    crier_buf b = {0};
    CHECK(b.data == NULL);
    CHECK_INT_EQ(crier_buf_append(&b, "abc", 3), CRIER_OK);
    CHECK_STR_EQ(b.data, "abc");
    char big[1000];
    memset(big, 'x', sizeof big);
    for (int i = 0; i < 50; i++)
        CHECK_INT_EQ(crier_buf_append(&b, big, sizeof big), CRIER_OK);
    CHECK_INT_EQ(b.len, 3 + 50 * 1000);
    CHECK(b.cap > b.len);
    CHECK_INT_EQ(b.data[b.len], '\0');
    CHECK_INT_EQ(b.data[b.len - 1], 'x');
    crier_buf_free(&b);
    CHECK(b.data == NULL);
    CHECK_INT_EQ(b.len, 0);
}

TEST(limit_is_all_or_nothing)
{
    crier_buf b = {.max = 10, .initial = 4};
    CHECK_INT_EQ(crier_buf_append(&b, "0123456", 7), CRIER_OK);
    CHECK_INT_EQ(crier_buf_append(&b, "7890", 4), CRIER_ERR_LIMIT);
    CHECK_INT_EQ(b.len, 7); /* nothing of the refused bytes */
    CHECK_STR_EQ(b.data, "0123456");
    CHECK_INT_EQ(crier_buf_append(&b, "789", 3), CRIER_OK);
    CHECK_INT_EQ(b.len, 10);
    CHECK(b.cap <= 11); /* never allocates past max + the NUL */
    CHECK_INT_EQ(crier_buf_append(&b, "", 0), CRIER_OK);
    CHECK_INT_EQ(crier_buf_append(&b, "z", 1), CRIER_ERR_LIMIT);
    CHECK_INT_EQ(crier_buf_reserve(&b, SIZE_MAX), CRIER_ERR_LIMIT);
    crier_buf_free(&b);
}

TEST(upto_truncates_a_capped_field)
{
    crier_buf b = {.max = 5};
    CHECK_INT_EQ(crier_buf_append_upto(&b, "abc", 3), CRIER_OK);
    CHECK_INT_EQ(crier_buf_append_upto(&b, "defgh", 5), CRIER_OK);
    CHECK_STR_EQ(b.data, "abcde");
    CHECK_INT_EQ(crier_buf_append_upto(&b, "more", 4), CRIER_OK);
    CHECK_STR_EQ(b.data, "abcde");
    crier_buf_clear(&b);
    CHECK_INT_EQ(b.len, 0);
    CHECK_STR_EQ(b.data, "");
    CHECK_INT_EQ(crier_buf_append_upto(&b, "x", 1), CRIER_OK);
    char *t = crier_buf_take(&b);
    CHECK_STR_EQ(t, "x");
    CHECK(b.data == NULL && b.len == 0 && b.max == 5);
    free(t);
    crier_buf_free(&b);
}

TEST(unlimited_reserve_overflow_is_refused)
{
    crier_buf b = {0};
    CHECK_INT_EQ(crier_buf_append(&b, "a", 1), CRIER_OK);
    CHECK_INT_EQ(crier_buf_reserve(&b, SIZE_MAX - 1), CRIER_ERR_LIMIT);
    CHECK_STR_EQ(b.data, "a");
    crier_buf_free(&b);
}

int main(void)
{
    RUN(append_grows_and_terminates);
    RUN(limit_is_all_or_nothing);
    RUN(upto_truncates_a_capped_field);
    RUN(unlimited_reserve_overflow_is_refused);
    return check_summary();
}
