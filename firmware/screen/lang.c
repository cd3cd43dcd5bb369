/* lang.c - what the screen reads from a language tag (lang.h). */
#include "screen/lang.h"

#include <string.h>

int crier_lang_subtag(const char *tag, int k, char *buf, size_t len)
{
    const char *p = tag;
    for (int i = 0; i < k; i++) {
        p += strcspn(p, "-_.@");
        if (*p != '-' && *p != '_')
            return 0;
        p++;
    }
    size_t n = strcspn(p, "-_.@");
    if (n == 0 || n >= len)
        return 0;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
    buf[n] = '\0';
    return 1;
}

crier_han crier_lang_han(const char *lang)
{
    char t[16];
    if (!lang || !crier_lang_subtag(lang, 0, t, sizeof t))
        return CRIER_HAN_AUTO;
    if (strcmp(t, "ja") == 0 || strcmp(t, "jpn") == 0)
        return CRIER_HAN_JA;
    if (strcmp(t, "ko") == 0 || strcmp(t, "kor") == 0)
        return CRIER_HAN_KO;
    if (strcmp(t, "yue") == 0)
        return CRIER_HAN_HK;
    if (strcmp(t, "zh") != 0 && strcmp(t, "zho") != 0 && strcmp(t, "cmn") != 0)
        return CRIER_HAN_AUTO;
    crier_han h = CRIER_HAN_SC, script = CRIER_HAN_AUTO;
    for (int k = 1; crier_lang_subtag(lang, k, t, sizeof t); k++) {
        if (strcmp(t, "hans") == 0)
            script = CRIER_HAN_SC;
        else if (strcmp(t, "hant") == 0)
            script = CRIER_HAN_TC;
        else if (strcmp(t, "tw") == 0)
            h = CRIER_HAN_TC;
        else if (strcmp(t, "hk") == 0 || strcmp(t, "mo") == 0)
            h = CRIER_HAN_HK;
        else if (strcmp(t, "cn") == 0 || strcmp(t, "sg") == 0 || strcmp(t, "my") == 0)
            h = CRIER_HAN_SC;
    }
    if (script == CRIER_HAN_SC)
        return CRIER_HAN_SC;
    if (script == CRIER_HAN_TC)
        return h == CRIER_HAN_HK ? CRIER_HAN_HK : CRIER_HAN_TC;
    return h;
}
