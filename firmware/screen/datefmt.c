/* datefmt.c - a date and time in the language of the text around it (pure).
 * Names are CLDR's abbreviated format-context forms (cldr-json 44,
 * "dateFormats"/"abbreviated"); the order follows each language's medium date
 * pattern with the weekday.  Pattern letters: W weekday, d day, M month name,
 * m month number, t HH:MM; anything else is copied. */
#include "screen/datefmt.h"
#include "screen/lang.h"

#include <stdio.h>
#include <string.h>

typedef struct lang_table {
    const char *tag; /* primary subtag, "zh-Hant" for Traditional Chinese */
    const char *pattern;
    const char *days[7];    /* Sunday first */
    const char *months[12]; /* NULL: numeric (m) */
} lang_table;

static const lang_table tables[] = {
    {"en", "W d M t", {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
     {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}},
    {"es", "W d M t", {"dom", "lun", "mar", "mié", "jue", "vie", "sáb"},
     {"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"}},
    {"fr", "W d M t", {"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."},
     {"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}},
    {"de", "W, d. M t", {"So.", "Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa."},
     {"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."}},
    {"pt", "W, d M t", {"dom.", "seg.", "ter.", "qua.", "qui.", "sex.", "sáb."},
     {"jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.", "dez."}},
    {"it", "W d M t", {"dom", "lun", "mar", "mer", "gio", "ven", "sab"},
     {"gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"}},
    {"nl", "W d M t", {"zo", "ma", "di", "wo", "do", "vr", "za"},
     {"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"}},
    {"uk", "W, d M t", {"нд", "пн", "вт", "ср", "чт", "пт", "сб"},
     {"січ.", "лют.", "бер.", "квіт.", "трав.", "черв.", "лип.", "серп.", "вер.", "жовт.", "лист.",
      "груд."}},
    {"ru", "W, d M t", {"вс", "пн", "вт", "ср", "чт", "пт", "сб"},
     {"янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."}},
    {"ja", "m月d日(W) t", {"日", "月", "火", "水", "木", "金", "土"}, {NULL}},
    {"zh", "m月d日W t", {"周日", "周一", "周二", "周三", "周四", "周五", "周六"}, {NULL}},
    {"zh-Hant", "m月d日 W t", {"週日", "週一", "週二", "週三", "週四", "週五", "週六"}, {NULL}},
    {"ko", "m월 d일 (W) t", {"일", "월", "화", "수", "목", "금", "토"}, {NULL}},
    {"ar", "W، d M t", {"الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"},
     {"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
      "ديسمبر"}},
    {"he", "W, d בM t", {"יום א׳", "יום ב׳", "יום ג׳", "יום ד׳", "יום ה׳", "יום ו׳", "שבת"},
     {"ינו׳", "פבר׳", "מרץ", "אפר׳", "מאי", "יוני", "יולי", "אוג׳", "ספט׳", "אוק׳", "נוב׳", "דצמ׳"}},
    {"hi", "W, d M t", {"रवि", "सोम", "मंगल", "बुध", "गुरु", "शुक्र", "शनि"},
     {"जन॰", "फ़र॰", "मार्च", "अप्रैल", "मई", "जून", "जुल॰", "अग॰", "सित॰", "अक्तू॰", "नव॰", "दिस॰"}},
    {"th", "W d M t", {"อา.", "จ.", "อ.", "พ.", "พฤ.", "ศ.", "ส."},
     {"ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."}},
};

static const lang_table *table_for(const char *lang)
{
    char t[12];
    if (!lang || !crier_lang_subtag(lang, 0, t, sizeof t))
        return NULL;
    crier_han h = crier_lang_han(lang); /* Chinese: Simplified or Traditional, as the fonts read it */
    if (h == CRIER_HAN_SC || h == CRIER_HAN_TC || h == CRIER_HAN_HK)
        return &tables[h == CRIER_HAN_SC ? 10 : 11];
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (strcmp(tables[i].tag, t) == 0)
            return &tables[i];
    if (strcmp(t, "iw") == 0) /* the old code of Hebrew */
        return table_for("he");
    return NULL;
}

int crier_datefmt_known(const char *lang)
{
    return table_for(lang) != NULL;
}

size_t crier_datefmt(const struct tm *tm, const char *lang, const char *fallback_lang, char *buf, size_t len)
{
    if (!buf || len == 0)
        return 0;
    buf[0] = '\0';
    if (!tm || tm->tm_wday < 0 || tm->tm_wday > 6 || tm->tm_mon < 0 || tm->tm_mon > 11)
        return 0;
    const lang_table *t = table_for(lang);
    if (!t)
        t = table_for(fallback_lang);
    if (!t) {
        size_t n = strftime(buf, len, "%a %-d %b %H:%M", tm);
        if (n == 0)
            buf[0] = '\0';
        return n;
    }
    size_t o = 0;
    for (const char *p = t->pattern; *p && o + 1 < len; p++) {
        char tmp[32];
        const char *piece = tmp;
        switch (*p) {
        case 'W': piece = t->days[tm->tm_wday]; break;
        case 'M': piece = t->months[tm->tm_mon] ? t->months[tm->tm_mon] : ""; break;
        case 'd': snprintf(tmp, sizeof tmp, "%d", tm->tm_mday); break;
        case 'm': snprintf(tmp, sizeof tmp, "%d", tm->tm_mon + 1); break;
        case 't': snprintf(tmp, sizeof tmp, "%02d:%02d", tm->tm_hour, tm->tm_min); break;
        default: { /* one whole UTF-8 sequence of the pattern */
            unsigned char c = (unsigned char)*p;
            size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            size_t k = 0;
            while (k < n && p[k])
                tmp[k] = p[k], k++;
            tmp[k] = '\0';
            p += k - 1;
            break;
        }
        }
        size_t n = strlen(piece);
        if (o + n >= len)
            break; /* never half a name (nor half a UTF-8 sequence) */
        memcpy(buf + o, piece, n);
        o += n;
    }
    buf[o] = '\0';
    return o;
}
