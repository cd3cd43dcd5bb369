/* datefmt.h - a date and time in the language of the text around it (pure).
 *
 * The alert view's validity line and the event list show "weekday day month
 * HH:MM" in the language of the alert's info block or the event, with
 * CLDR-style abbreviated day and month names and order from a table (en, es,
 * fr, de, pt, it, nl, uk, ru, ja, zh-Hans, zh-Hant, ko, ar, he, hi, th): a
 * kiosk need not have those C locales installed.  A language without a table
 * falls back to the kiosk's (the LC_TIME locale, e.g. "fr_FR.UTF-8"), and that
 * to strftime in the current locale.  Digits are Latin in every language. */
#ifndef CRIER_SCREEN_DATEFMT_H
#define CRIER_SCREEN_DATEFMT_H

#include <stddef.h>
#include <time.h>

/* 1 when lang (a BCP 47 tag, or a POSIX locale name such as "de_DE.UTF-8")
 * has a table. */
int crier_datefmt_known(const char *lang);

/* Writes tm as e.g. "Thu 26 Nov 10:00", "jue 26 nov 10:00", "11月26日(木) 10:00"
 * into buf (always NUL-terminated when len > 0), in lang, else fallback_lang,
 * else strftime's "%a %-d %b %H:%M" in the current locale.  Returns the
 * length written (0 if len is 0 or tm is out of range). */
size_t crier_datefmt(const struct tm *tm, const char *lang, const char *fallback_lang, char *buf, size_t len);

#endif
