/* test_contrast.c - WCAG 2.2 luminance and contrast (screen/contrast.c).
 * Reference values: WCAG 2.2 definitions and the WebAIM contrast checker. */
#include "screen/contrast.h"
#include "check.h"

#include <math.h>

static int near(double a, double b, double eps)
{
    return fabs(a - b) <= eps;
}

TEST(parse_forms)
{
    crier_rgba c;
    CHECK_INT_EQ(crier_color_parse("#1a2B3c", &c), CRIER_OK);
    CHECK(c.r == 0x1a && c.g == 0x2b && c.b == 0x3c && c.a == 255);
    CHECK_INT_EQ(crier_color_parse("#f0a", &c), CRIER_OK);
    CHECK(c.r == 0xff && c.g == 0x00 && c.b == 0xaa && c.a == 255);
    CHECK_INT_EQ(crier_color_parse("#11223380", &c), CRIER_OK);
    CHECK(c.r == 0x11 && c.a == 0x80);
}

TEST(parse_rejects)
{
    crier_rgba c = {1, 2, 3, 4};
    const char *bad[] = {"", "#", "123456", "#12345", "#1234567", "#gg0000", "#12 456", "red",
                         "#123456789", "# 12345"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT_EQ(crier_color_parse(bad[i], &c), CRIER_ERR_PARSE);
    CHECK(c.r == 1 && c.a == 4); /* untouched */
    CHECK_INT_EQ(crier_color_parse(NULL, &c), CRIER_ERR_INVAL);
}

TEST(luminance_reference_values)
{
    crier_rgba black = {0, 0, 0, 255}, white = {255, 255, 255, 255}, red = {255, 0, 0, 255},
               grey = {0x76, 0x76, 0x76, 255};
    CHECK(near(crier_contrast_luminance(black), 0.0, 1e-12));
    CHECK(near(crier_contrast_luminance(white), 1.0, 1e-12));
    CHECK(near(crier_contrast_luminance(red), 0.2126, 1e-12));
    CHECK(near(crier_contrast_luminance(grey), 0.1812, 1e-3));
}

TEST(ratio_reference_values)
{
    double r = 0;
    CHECK_INT_EQ(crier_contrast_ratio("#000000", "#ffffff", &r), CRIER_OK);
    CHECK(near(r, 21.0, 1e-9));
    CHECK_INT_EQ(crier_contrast_ratio("#ffffff", "#000000", &r), CRIER_OK); /* symmetric */
    CHECK(near(r, 21.0, 1e-9));
    CHECK_INT_EQ(crier_contrast_ratio("#777", "#fff", &r), CRIER_OK);
    CHECK(near(r, 4.48, 0.01)); /* the classic "just fails AA" grey */
    CHECK(!crier_contrast_meets_aa(r, 0));
    CHECK(crier_contrast_meets_aa(r, 1));
    CHECK_INT_EQ(crier_contrast_ratio("#767676", "#ffffff", &r), CRIER_OK);
    CHECK(near(r, 4.54, 0.01)); /* the lightest grey that passes on white */
    CHECK(crier_contrast_meets_aa(r, 0));
    CHECK_INT_EQ(crier_contrast_ratio("#0000ff", "#ffffff", &r), CRIER_OK);
    CHECK(near(r, 8.59, 0.01));
    CHECK_INT_EQ(crier_contrast_ratio("#abc", "#abc", &r), CRIER_OK);
    CHECK(near(r, 1.0, 1e-12));
}

TEST(translucent_foreground_is_composited)
{
    double opaque = 0, half = 0, clear = 0;
    CHECK_INT_EQ(crier_contrast_ratio("#ffffffff", "#000000", &opaque), CRIER_OK);
    CHECK_INT_EQ(crier_contrast_ratio("#ffffff80", "#000000", &half), CRIER_OK);
    CHECK_INT_EQ(crier_contrast_ratio("#ffffff00", "#000000", &clear), CRIER_OK);
    CHECK(near(opaque, 21.0, 1e-9));
    CHECK(half > 4.5 && half < 6.0); /* #808080 on black: 5.32 */
    CHECK(near(clear, 1.0, 1e-12));
}

TEST(ratio_errors)
{
    double r = 7;
    CHECK_INT_EQ(crier_contrast_ratio("#fff", "white", &r), CRIER_ERR_PARSE);
    CHECK_INT_EQ(crier_contrast_ratio("#fff", "#000", NULL), CRIER_ERR_INVAL);
    CHECK(r == 7);
}

int main(void)
{
    RUN(parse_forms);
    RUN(parse_rejects);
    RUN(luminance_reference_values);
    RUN(ratio_reference_values);
    RUN(translucent_foreground_is_composited);
    RUN(ratio_errors);
    return check_summary();
}
