/* Alert colours: every severity's text meets 7:1 against its background. */
#include "check.h"
#include "alerts/alert_style.h"

TEST(severity_contrast_aaa)
{
    for (int s = CRIER_SEVERITY_UNKNOWN; s <= CRIER_SEVERITY_EXTREME; s++) {
        crier_alert_palette p = crier_alert_palette_for((crier_alert_severity)s);
        double body = crier_contrast_ratio_rgba(p.text, p.background);
        double band = crier_contrast_ratio_rgba(p.band_text, p.band);
        if (body < 7.0 || band < 7.0)
            fprintf(stderr, "  severity %d: text %.2f:1, band %.2f:1\n", s, body, band);
        CHECK(body >= 7.0);
        CHECK(band >= 7.0);
    }
}

TEST(colours_by_severity)
{
    crier_alert_palette x = crier_alert_palette_for(CRIER_SEVERITY_EXTREME);
    crier_alert_palette m = crier_alert_palette_for(CRIER_SEVERITY_MINOR);
    CHECK(x.background.r > 0x70 && x.background.g < 0x20 && x.background.b < 0x20); /* red */
    CHECK(m.background.b > m.background.r && m.background.b > m.background.g);      /* blue */
    crier_alert_palette s = crier_alert_palette_for(CRIER_SEVERITY_SEVERE);
    crier_alert_palette d = crier_alert_palette_for(CRIER_SEVERITY_MODERATE);
    CHECK(s.background.r == 0xff && s.background.g < 0xa0); /* orange */
    CHECK(d.background.r == 0xff && d.background.g > 0xc0); /* yellow */
}

TEST(labels)
{
    CHECK_STR_EQ(crier_alert_severity_label(CRIER_SEVERITY_EXTREME), "EXTREME");
    CHECK(crier_alert_band_label(CRIER_ALERT_ACTUAL) == NULL);
    CHECK(strstr(crier_alert_band_label(CRIER_ALERT_TEST), "TEST") != NULL);
    CHECK(strstr(crier_alert_band_label(CRIER_ALERT_EXERCISE), "EXERCISE") != NULL);
}

int main(void)
{
    RUN(severity_contrast_aaa);
    RUN(colours_by_severity);
    RUN(labels);
    return check_summary();
}
