/* test_lang.c - language tags as the screen reads them (screen/lang.c). */
#include "screen/lang.h"
#include "check.h"

TEST(subtags_of_tags_and_locales)
{
    char b[16];
    CHECK(crier_lang_subtag("zh-Hant-TW", 0, b, sizeof b) && strcmp(b, "zh") == 0);
    CHECK(crier_lang_subtag("zh-Hant-TW", 1, b, sizeof b) && strcmp(b, "hant") == 0);
    CHECK(crier_lang_subtag("zh-Hant-TW", 2, b, sizeof b) && strcmp(b, "tw") == 0);
    CHECK(!crier_lang_subtag("zh-Hant-TW", 3, b, sizeof b));
    CHECK(crier_lang_subtag("fr_FR.UTF-8", 1, b, sizeof b) && strcmp(b, "fr") == 0);
    CHECK(!crier_lang_subtag("fr_FR.UTF-8", 2, b, sizeof b)); /* the codeset is not a subtag */
    CHECK(!crier_lang_subtag("", 0, b, sizeof b));
    CHECK(!crier_lang_subtag("averyveryverylongsubtag", 0, b, sizeof b)); /* does not fit */
}

TEST(han_forms)
{
    CHECK_INT_EQ(crier_lang_han(NULL), CRIER_HAN_AUTO);
    CHECK_INT_EQ(crier_lang_han("en"), CRIER_HAN_AUTO);
    CHECK_INT_EQ(crier_lang_han("ja"), CRIER_HAN_JA);
    CHECK_INT_EQ(crier_lang_han("KO-kr"), CRIER_HAN_KO);
    CHECK_INT_EQ(crier_lang_han("zh"), CRIER_HAN_SC);
    CHECK_INT_EQ(crier_lang_han("zh-TW"), CRIER_HAN_TC);
    CHECK_INT_EQ(crier_lang_han("zh_TW.UTF-8"), CRIER_HAN_TC);
    CHECK_INT_EQ(crier_lang_han("zh-HK"), CRIER_HAN_HK);
    CHECK_INT_EQ(crier_lang_han("zh-Hans-HK"), CRIER_HAN_SC); /* the script wins over the region */
    CHECK_INT_EQ(crier_lang_han("zh-Hant-HK"), CRIER_HAN_HK);
    CHECK_INT_EQ(crier_lang_han("zh-Hant"), CRIER_HAN_TC);
    CHECK_INT_EQ(crier_lang_han("yue"), CRIER_HAN_HK);
}

int main(void)
{
    RUN(subtags_of_tags_and_locales);
    RUN(han_forms);
    return check_summary();
}
