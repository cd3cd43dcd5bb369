/* QR encoding: finder patterns where the standard puts them, limits. */
#include "check.h"
#include "screen/qr.h"

#include <stdlib.h>
#include <string.h>

static int dark(const crier_qr *q, int x, int y)
{
    return q->modules[y * q->size + x];
}

/* A finder pattern: 7x7 dark ring, light ring, 3x3 dark centre. */
static int finder_at(const crier_qr *q, int x0, int y0)
{
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 7; x++) {
            int ring = x == 0 || y == 0 || x == 6 || y == 6;
            int centre = x >= 2 && x <= 4 && y >= 2 && y <= 4;
            if (dark(q, x0 + x, y0 + y) != (ring || centre))
                return 0;
        }
    return 1;
}

TEST(encodes_url_with_finders)
{
    crier_qr q;
    CHECK_INT_EQ(crier_qr_encode("https://example.org/open-house", &q), CRIER_OK);
    CHECK(q.size >= 21 && (q.size - 17) % 4 == 0);
    CHECK(finder_at(&q, 0, 0));
    CHECK(finder_at(&q, q.size - 7, 0));
    CHECK(finder_at(&q, 0, q.size - 7));
    CHECK(!finder_at(&q, q.size - 7, q.size - 7));
    crier_qr_free(&q);
}

TEST(longer_text_bigger_symbol)
{
    crier_qr a, b;
    char long_url[400];
    memset(long_url, 'a', sizeof long_url - 1);
    long_url[sizeof long_url - 1] = '\0';
    memcpy(long_url, "https://", 8);
    CHECK_INT_EQ(crier_qr_encode("https://x.org", &a), CRIER_OK);
    CHECK_INT_EQ(crier_qr_encode(long_url, &b), CRIER_OK);
    CHECK(b.size > a.size);
    crier_qr_free(&a);
    crier_qr_free(&b);
}

TEST(rejects_empty_and_oversized)
{
    crier_qr q;
    char *big = malloc(CRIER_QR_MAX_TEXT + 2);
    memset(big, 'x', CRIER_QR_MAX_TEXT + 1);
    big[CRIER_QR_MAX_TEXT + 1] = '\0';
    CHECK_INT_EQ(crier_qr_encode("", &q), CRIER_ERR_INVAL);
    CHECK_INT_EQ(crier_qr_encode(NULL, &q), CRIER_ERR_INVAL);
    CHECK_INT_EQ(crier_qr_encode(big, &q), CRIER_ERR_LIMIT);
    CHECK(q.modules == NULL);
    crier_qr_free(NULL);
    free(big);
}

int main(void)
{
    RUN(encodes_url_with_finders);
    RUN(longer_text_bigger_symbol);
    RUN(rejects_empty_and_oversized);
    return check_summary();
}
