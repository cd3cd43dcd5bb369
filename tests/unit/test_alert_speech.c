/* What an alert says (alerts/alert_speech.h): the text of an info block and
 * the voices tried for its language.  Which alerts are new:
 * test_alert_rules.c. */
#include "check.h"
#include "alerts/alert_speech.h"
#include "base/utf8.h"

#include <stdlib.h>

static crier_alert_info info(const char *event, const char *headline, const char *instruction)
{
    crier_alert_info in;
    memset(&in, 0, sizeof in);
    in.event = (char *)event;
    in.headline = (char *)headline;
    in.instruction = (char *)instruction;
    return in;
}

TEST(text_joins_headline_and_instruction)
{
    crier_alert_info in = info("Flood", "Evacuate the riverside district now", "Go to the sports hall.");
    char *t = crier_speech_text(&in, CRIER_SPEECH_PART_MAX);
    CHECK_STR_EQ(t, "Evacuate the riverside district now. Go to the sports hall.");
    free(t);
    in = info("Flood", "Evacuate now!", "Go\nto the\t\thall.  ");
    t = crier_speech_text(&in, CRIER_SPEECH_PART_MAX);
    CHECK_STR_EQ(t, "Evacuate now! Go to the hall."); /* no doubled stop; whitespace folded */
    free(t);
    in = info("Flood warning", NULL, NULL); /* no headline: the event */
    t = crier_speech_text(&in, CRIER_SPEECH_PART_MAX);
    CHECK_STR_EQ(t, "Flood warning");
    free(t);
    in = info("Flood warning", "", "Stay inside");
    t = crier_speech_text(&in, CRIER_SPEECH_PART_MAX);
    CHECK_STR_EQ(t, "Flood warning. Stay inside");
    free(t);
    in = info("Flood", "Headline", " \n\t ");
    t = crier_speech_text(&in, CRIER_SPEECH_PART_MAX);
    CHECK_STR_EQ(t, "Headline"); /* an empty instruction adds no separator */
    free(t);
    in = info(NULL, NULL, NULL);
    CHECK(crier_speech_text(&in, CRIER_SPEECH_PART_MAX) == NULL);
    CHECK(crier_speech_text(NULL, CRIER_SPEECH_PART_MAX) == NULL);
    /* A CJK full stop counts as the end of a sentence. */
    in = info("x", "\xE6\xB4\xAA\xE6\xB0\xB4\xE3\x80\x82", "\xE9\x81\xBF\xE9\x9A\xBE");
    t = crier_speech_text(&in, CRIER_SPEECH_PART_MAX);
    CHECK_STR_EQ(t, "\xE6\xB4\xAA\xE6\xB0\xB4\xE3\x80\x82 \xE9\x81\xBF\xE9\x9A\xBE");
    free(t);
}

TEST(text_is_cut_at_words_and_characters)
{
    char big[5000];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (i % 8 == 7) ? ' ' : 'a';
    big[sizeof big - 1] = '\0';
    crier_alert_info in = info("e", "Head", big);
    char *t = crier_speech_text(&in, 100);
    CHECK(t && strlen(t) <= 4 + 2 + 100);
    CHECK(t && t[strlen(t) - 1] == 'a'); /* cut before a space, not inside a word */
    CHECK(t && (strlen(t) - 6) % 8 == 7); /* "Head. " + whole 8-byte words, without the last space */
    free(t);
    /* Multi-byte characters (each 3 bytes, no spaces): never half a character. */
    char cjk[3 * 400 + 1];
    for (int i = 0; i < 400; i++)
        memcpy(cjk + 3 * i, "\xE6\xB4\xAA", 3);
    cjk[sizeof cjk - 1] = '\0';
    for (size_t lim = 95; lim <= 101; lim++) {
        in = info("e", cjk, NULL);
        t = crier_speech_text(&in, lim);
        CHECK(t && crier_utf8_is_valid(t, strlen(t)));
        CHECK(t && strlen(t) % 3 == 0 && strlen(t) <= lim && strlen(t) > lim - 3);
        free(t);
    }
}

static size_t voices(const char *lang, char out[][CRIER_SPEECH_VOICE_MAX])
{
    return crier_speech_voices(lang, out, CRIER_SPEECH_MAX_VOICES);
}

TEST(voice_candidates)
{
    char v[CRIER_SPEECH_MAX_VOICES][CRIER_SPEECH_VOICE_MAX];
    CHECK_INT_EQ(voices("fr-CA", v), 3);
    CHECK_STR_EQ(v[0], "fr-ca");
    CHECK_STR_EQ(v[1], "fr");
    CHECK_STR_EQ(v[2], "en");
    CHECK_INT_EQ(voices("en-US", v), 2);
    CHECK_STR_EQ(v[0], "en-us");
    CHECK_STR_EQ(v[1], "en");
    CHECK_INT_EQ(voices(NULL, v), 2); /* CAP's default language */
    CHECK_STR_EQ(v[0], "en-us");
    CHECK_INT_EQ(voices("", v), 2);
    CHECK_INT_EQ(voices("de", v), 2);
    CHECK_STR_EQ(v[0], "de");
    CHECK_STR_EQ(v[1], "en");
    CHECK_INT_EQ(voices("zh_Hant_TW", v), 4);
    CHECK_STR_EQ(v[0], "zh-hant-tw");
    CHECK_STR_EQ(v[1], "zh");
    CHECK_STR_EQ(v[2], "cmn");
    CHECK_STR_EQ(v[3], "en");
    CHECK_INT_EQ(voices("iw", v), 3);
    CHECK_STR_EQ(v[1], "he");
    CHECK_INT_EQ(voices("en", v), 1);
    CHECK_STR_EQ(v[0], "en");
    /* Junk: English only. */
    CHECK_INT_EQ(voices("fr;rm -rf", v), 1);
    CHECK_STR_EQ(v[0], "en");
    CHECK_INT_EQ(voices("-fr", v), 1);
    CHECK_INT_EQ(voices("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", v), 1);
    CHECK_STR_EQ(v[0], "en");
    /* Room for one: English. */
    CHECK_INT_EQ(crier_speech_voices("fr", v, 1), 1);
    CHECK_STR_EQ(v[0], "en");
    CHECK_INT_EQ(crier_speech_voices("fr", v, 0), 0);
}

int main(void)
{
    RUN(text_joins_headline_and_instruction);
    RUN(text_is_cut_at_words_and_characters);
    RUN(voice_candidates);
    return check_summary();
}
