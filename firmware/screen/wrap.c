/* wrap.c - greedy line breaking over break opportunities. */
#include "screen/wrap.h"

#include <stdlib.h>
#include <string.h>

/* Decode one codepoint; invalid bytes count as one U+FFFD-width unit. */
static unsigned next_cp(const char *s, size_t len, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned c = u[*i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || *i + n > len) {
        (*i)++;
        return 0xFFFD;
    }
    unsigned cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; k++) {
        if ((u[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return 0xFFFD;
        }
        cp = (cp << 6) | (u[*i + k] & 0x3F);
    }
    *i += n;
    return cp;
}

static int is_cjk(unsigned c)
{
    return (c >= 0x2E80 && c <= 0x9FFF) ||   /* radicals, kana, CJK symbols, ideographs */
           (c >= 0xAC00 && c <= 0xD7AF) ||   /* Hangul syllables */
           (c >= 0xF900 && c <= 0xFAFF) ||   /* compatibility ideographs */
           (c >= 0xFF00 && c <= 0xFFEF) ||   /* full-width forms */
           (c >= 0x20000 && c <= 0x3FFFF);   /* supplementary ideographs */
}

/* Characters that must not start a line (closing punctuation, small kana). */
static int no_break_before(unsigned c)
{
    static const unsigned list[] = {0x3001, 0x3002, 0xFF0C, 0xFF0E, 0xFF1A, 0xFF1B, 0xFF01, 0xFF1F, 0x300D,
                                    0x300F, 0x3011, 0xFF09, 0x30FC, 0x3063, 0x30C3, 0x3083, 0x30E3, 0x3085,
                                    0x30E5, 0x3087, 0x30E7, 0x3041, 0x3043, 0x3045, 0x3047, 0x3049, 0x30A1,
                                    0x30A3, 0x30A5, 0x30A7, 0x30A9, ')', ']', '}', ',', '.', '!', '?', ';', ':'};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        if (c == list[i])
            return 1;
    return 0;
}

/* Characters that must not end a line (opening brackets). */
static int no_break_after(unsigned c)
{
    return c == 0x300C || c == 0x300E || c == 0x3010 || c == 0xFF08 || c == '(' || c == '[' || c == '{';
}

int crier_wrap_can_break(unsigned a, unsigned b)
{
    if (no_break_before(b) || no_break_after(a))
        return 0;
    if (a == ' ' || a == '\t')
        return b != ' ' && b != '\t';
    if (a == '-' || a == 0x2010 || a == 0x2013 || a == 0x2014 || a == '/')
        return b != ' ';
    if (is_cjk(a) || is_cjk(b))
        return 1;
    return 0;
}

typedef struct lines_buf {
    crier_wrapped *out;
    int cap;
} lines_buf;

static crier_err push_line(lines_buf *lb, const char *s, size_t len)
{
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (lb->out->n_lines == lb->cap) {
        int cap = lb->cap ? lb->cap * 2 : 8;
        char **n = realloc(lb->out->lines, (size_t)cap * sizeof *n);
        if (!n)
            return CRIER_ERR_NOMEM;
        lb->out->lines = n;
        lb->cap = cap;
    }
    char *line = malloc(len + 1);
    if (!line)
        return CRIER_ERR_NOMEM;
    memcpy(line, s, len);
    line[len] = '\0';
    lb->out->lines[lb->out->n_lines++] = line;
    return CRIER_OK;
}

/* Add an ellipsis to the last line, dropping characters until it fits. */
static crier_err ellipsize(crier_wrapped *w, int max_width, crier_measure_fn measure, void *ud)
{
    static const char ell[] = "\xE2\x80\xA6"; /* U+2026 */
    char *last = w->lines[w->n_lines - 1];
    size_t len = strlen(last);
    char *buf = malloc(len + sizeof ell);
    if (!buf)
        return CRIER_ERR_NOMEM;
    for (;;) {
        while (len && last[len - 1] == ' ')
            len--;
        memcpy(buf, last, len);
        memcpy(buf + len, ell, sizeof ell);
        if (len == 0 || measure(buf, len + 3, ud) <= max_width)
            break;
        /* drop one codepoint */
        do
            len--;
        while (len && ((unsigned char)last[len] & 0xC0) == 0x80);
    }
    free(last);
    w->lines[w->n_lines - 1] = buf;
    w->truncated = 1;
    return CRIER_OK;
}

crier_err crier_wrap(const char *text, int max_width, int max_lines, crier_measure_fn measure, void *ud,
                     crier_wrapped *out)
{
    crier_err rc = CRIER_OK;
    lines_buf lb = {out, 0};
    memset(out, 0, sizeof *out);
    if (!text || max_width <= 0 || max_lines <= 0)
        return CRIER_ERR_INVAL;
    size_t len = strlen(text);
    if (len > CRIER_WRAP_MAX_BYTES)
        len = CRIER_WRAP_MAX_BYTES;

    size_t line_start = 0;     /* start of the current line */
    size_t last_break = 0;     /* best break position inside the current line (0 = none) */
    size_t i = 0;
    unsigned prev = 0;
    int more = 0;              /* text remains after max_lines */
    while (i < len) {
        size_t cp_start = i;
        unsigned cp = next_cp(text, len, &i);
        if (cp == '\n') {
            if (out->n_lines == max_lines) {
                more = 1;
                break;
            }
            if ((rc = push_line(&lb, text + line_start, cp_start - line_start)))
                goto fail;
            line_start = i;
            last_break = 0;
            prev = 0;
            continue;
        }
        if (cp_start > line_start && prev && crier_wrap_can_break(prev, cp))
            last_break = cp_start;
        prev = cp;
        if (cp == ' ' || cp == '\t')
            continue; /* trailing spaces never push a line over */
        if (measure(text + line_start, i - line_start, ud) <= max_width)
            continue;
        /* Overflow: break at the last opportunity, or inside the word if none. */
        size_t cut = last_break > line_start ? last_break : cp_start;
        if (cut == line_start)
            cut = i; /* a single codepoint wider than the line: keep it */
        /* Only white space before the break (a paragraph starting with spaces):
         * drop it rather than emit an empty line. */
        size_t k = line_start;
        while (k < cut && (text[k] == ' ' || text[k] == '\t'))
            k++;
        if (k == cut) {
            line_start = i = cut;
            last_break = 0;
            prev = 0;
            continue;
        }
        if (out->n_lines == max_lines) {
            more = 1;
            break;
        }
        if ((rc = push_line(&lb, text + line_start, cut - line_start)))
            goto fail;
        line_start = cut;
        while (line_start < len && (text[line_start] == ' ' || text[line_start] == '\t'))
            line_start++;
        last_break = 0;
        prev = 0;
        i = line_start;
    }
    if (!more && line_start < len) {
        if (out->n_lines == max_lines)
            more = 1;
        else if ((rc = push_line(&lb, text + line_start, len - line_start)))
            goto fail;
    }
    if (strlen(text) > len)
        more = 1;
    if (more && out->n_lines > 0 && (rc = ellipsize(out, max_width, measure, ud)))
        goto fail;
    return CRIER_OK;
fail:
    crier_wrapped_free(out);
    return rc;
}

void crier_wrapped_free(crier_wrapped *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->n_lines; i++)
        free(w->lines[i]);
    free(w->lines);
    memset(w, 0, sizeof *w);
}
