/* test_datefmt.c - dates in the language of the text (screen/datefmt.c). */
#include "screen/datefmt.h"
#include "check.h"

#include <locale.h>

/* Thursday 26 November 2026, 10:05 */
static struct tm thursday(void)
{
    struct tm tm = {0};
    tm.tm_year = 126;
    tm.tm_mon = 10;
    tm.tm_mday = 26;
    tm.tm_wday = 4;
    tm.tm_hour = 10;
    tm.tm_min = 5;
    return tm;
}

TEST(every_listed_language)
{
    static const struct {
        const char *lang, *want;
    } cases[] = {
        {"en", "Thu 26 Nov 10:05"},
        {"en-US", "Thu 26 Nov 10:05"},
        {"es", "jue 26 nov 10:05"},
        {"fr-FR", "jeu. 26 nov. 10:05"},
        {"de", "Do., 26. Nov. 10:05"},
        {"pt-BR", "qui., 26 nov. 10:05"},
        {"it", "gio 26 nov 10:05"},
        {"nl", "do 26 nov 10:05"},
        {"uk", "чт, 26 лист. 10:05"},
        {"ru", "чт, 26 нояб. 10:05"},
        {"ja", "11月26日(木) 10:05"},
        {"zh", "11月26日周四 10:05"},
        {"zh-Hans-CN", "11月26日周四 10:05"},
        {"zh-Hant", "11月26日 週四 10:05"},
        {"zh-TW", "11月26日 週四 10:05"},
        {"ko", "11월 26일 (목) 10:05"},
        {"ar", "الخميس، 26 نوفمبر 10:05"},
        {"he", "יום ה׳, 26 בנוב׳ 10:05"},
        {"iw", "יום ה׳, 26 בנוב׳ 10:05"},
        {"hi", "गुरु, 26 नव॰ 10:05"},
        {"th", "พฤ. 26 พ.ย. 10:05"},
    };
    struct tm tm = thursday();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[128];
        crier_datefmt(&tm, cases[i].lang, NULL, buf, sizeof buf);
        CHECK_STR_EQ(buf, cases[i].want);
        CHECK(crier_datefmt_known(cases[i].lang));
    }
}

TEST(fallbacks)
{
    struct tm tm = thursday();
    char buf[128];
    /* unknown language: the kiosk's (a POSIX locale name) */
    crier_datefmt(&tm, "sw", "es_ES.UTF-8", buf, sizeof buf);
    CHECK_STR_EQ(buf, "jue 26 nov 10:05");
    /* neither: strftime in the C locale */
    setlocale(LC_TIME, "C");
    crier_datefmt(&tm, NULL, "C.UTF-8", buf, sizeof buf);
    CHECK_STR_EQ(buf, "Thu 26 Nov 10:05");
    CHECK(!crier_datefmt_known(NULL));
    CHECK(!crier_datefmt_known(""));
    CHECK(!crier_datefmt_known("x-klingon"));
}

TEST(hostile)
{
    struct tm tm = thursday();
    char buf[8];
    /* short buffers never end in half a UTF-8 sequence */
    size_t n = crier_datefmt(&tm, "ja", NULL, buf, sizeof buf);
    CHECK(n < sizeof buf);
    CHECK_STR_EQ(buf, "11月26"); /* 7 bytes; "日" would not fit */
    CHECK_INT_EQ(crier_datefmt(&tm, "ja", NULL, buf, 0), 0);
    tm.tm_mon = 12;
    CHECK_INT_EQ(crier_datefmt(&tm, "en", NULL, buf, sizeof buf), 0);
    CHECK_STR_EQ(buf, "");
    char big[64];
    tm = thursday();
    CHECK(crier_datefmt(&tm, "zh-_-", NULL, big, sizeof big) > 0);
    CHECK(crier_datefmt(&tm, "-", NULL, big, sizeof big) > 0);
}

int main(void)
{
    RUN(every_listed_language);
    RUN(fallbacks);
    RUN(hostile);
    return check_summary();
}
