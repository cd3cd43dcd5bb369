/* weekly.c - the one day/hour grammar (see weekly.h).
 *
 * A cursor over (s, len) so callers may parse a prefix (display_schedule
 * windows are "DAYS HOURS") or a whole value (source days / hours). */
#include "config/weekly.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

typedef struct cursor {
    const char *s;
    size_t len, pos;
} cursor;

static void skip_space(cursor *c)
{
    while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t'))
        c->pos++;
}

/* Consumes `word` (case-insensitive) when it stands at the cursor, not followed by a letter. */
static int take_word(cursor *c, const char *word)
{
    size_t n = strlen(word);
    if (c->len - c->pos < n || strncasecmp(c->s + c->pos, word, n) != 0)
        return 0;
    if (c->pos + n < c->len && isalpha((unsigned char)c->s[c->pos + n]))
        return 0;
    c->pos += n;
    return 1;
}

static int take_char(cursor *c, char ch)
{
    skip_space(c);
    if (c->pos < c->len && c->s[c->pos] == ch) {
        c->pos++;
        skip_space(c);
        return 1;
    }
    return 0;
}

/* mon..sun (0..6); the letters after the first three are skipped ("monday"). */
static int day(cursor *c)
{
    static const char *const names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    if (c->len - c->pos < 3)
        return -1;
    for (int d = 0; d < 7; d++)
        if (strncasecmp(c->s + c->pos, names[d], 3) == 0) {
            c->pos += 3;
            while (c->pos < c->len && isalpha((unsigned char)c->s[c->pos]))
                c->pos++;
            return d;
        }
    return -1;
}

static int day_item(cursor *c, uint8_t *days)
{
    if (take_word(c, "daily") || take_word(c, "*")) {
        *days |= CRIER_WEEKLY_ALL_DAYS;
        return 0;
    }
    if (take_word(c, "weekdays")) {
        *days |= 0x1F;
        return 0;
    }
    if (take_word(c, "weekends")) {
        *days |= 0x60;
        return 0;
    }
    int a = day(c), b;
    if (a < 0)
        return -1;
    b = a;
    size_t before = c->pos;
    if (take_char(c, '-')) {
        if ((b = day(c)) < 0)
            return -1;
    } else {
        c->pos = before;
    }
    for (int d = a;; d = (d + 1) % 7) { /* ranges may wrap: sat-mon */
        *days |= (uint8_t)(1u << d);
        if (d == b)
            break;
    }
    return 0;
}

crier_err crier_weekly_days(const char *s, size_t len, size_t *pos, uint8_t *days)
{
    cursor c = {s, len, *pos};
    *days = 0;
    if (!s)
        return CRIER_ERR_PARSE;
    skip_space(&c);
    do {
        if (day_item(&c, days) != 0)
            return CRIER_ERR_PARSE;
    } while (take_char(&c, ','));
    skip_space(&c);
    *pos = c.pos;
    return CRIER_OK;
}

/* H, HH, H:MM or HH:MM as minutes after midnight; 24 / 24:00 only when end. */
static int time_of_day(cursor *c, int end)
{
    int h = 0, digits = 0;
    while (c->pos < c->len && isdigit((unsigned char)c->s[c->pos]) && digits < 2) {
        h = h * 10 + (c->s[c->pos++] - '0');
        digits++;
    }
    if (!digits)
        return -1;
    int m = 0;
    if (c->pos < c->len && c->s[c->pos] == ':') {
        if (c->len - c->pos < 3 || !isdigit((unsigned char)c->s[c->pos + 1]) ||
            !isdigit((unsigned char)c->s[c->pos + 2]))
            return -1;
        m = (c->s[c->pos + 1] - '0') * 10 + (c->s[c->pos + 2] - '0');
        c->pos += 3;
    }
    if (c->pos < c->len && isdigit((unsigned char)c->s[c->pos]))
        return -1; /* "123" */
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end)))
        return -1;
    return h * 60 + m;
}

crier_err crier_weekly_hours(const char *s, size_t len, size_t *pos, crier_time_range *out, size_t cap,
                             size_t *n)
{
    cursor c = {s, len, *pos};
    *n = 0;
    if (!s)
        return CRIER_ERR_PARSE;
    skip_space(&c);
    do {
        int start = time_of_day(&c, 0), stop;
        if (start < 0)
            return CRIER_ERR_PARSE;
        size_t before = c.pos;
        if (take_char(&c, '-')) {
            if ((stop = time_of_day(&c, 1)) < 0)
                return CRIER_ERR_PARSE;
        } else {
            c.pos = before;
            stop = start + 60; /* a lone time: the hour that starts then */
        }
        if (*n == cap)
            return CRIER_ERR_LIMIT;
        int span = stop > start ? stop - start : CRIER_WEEKLY_DAY_MIN - start + stop;
        out[(*n)++] = (crier_time_range){(uint16_t)start, (uint16_t)span};
    } while (take_char(&c, ','));
    skip_space(&c);
    *pos = c.pos;
    return CRIER_OK;
}

int crier_weekly_is_all(const char *s, size_t len)
{
    if (!s)
        return 1;
    cursor c = {s, len, 0};
    skip_space(&c);
    while (c.len > c.pos && isspace((unsigned char)c.s[c.len - 1]))
        c.len--;
    if (c.pos == c.len)
        return 1;
    return (take_word(&c, "*") || take_word(&c, "all") || take_word(&c, "always")) && c.pos == c.len;
}
