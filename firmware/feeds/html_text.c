/* html_text.c - HTML to display text (see html_text.h for the rules).
 *
 * Design: one forward pass, no DOM.  A small output buffer (struct out) collects
 * text with a "pending break" (space / newline count) that is only written when a
 * visible character follows, which collapses whitespace and never leaves leading
 * or trailing blanks.  Tags are recognised by name only; the only attributes read
 * are href (a) and class (span, a).  Raw-text elements (script, style) are skipped
 * up to their end tag; other dropped elements (head, svg, ...) count a hidden
 * depth.  The pass stops as soon as the output is full, so cost is bounded by the
 * input length and memory by max_out. */
#include "feeds/html_text.h"
#include "base/buf.h"
#include "base/utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ELLIPSIS "\xE2\x80\xA6"
#define MAX_HREF 2048
#define SPAN_STACK 32

typedef struct out {
    crier_buf b;         /* b.max = max + 7: room for the ellipsis at the cut */
    size_t max;
    int space, newlines; /* pending separator */
    int full;            /* output cap reached: stop */
} out;

static int out_reserve(out *o, size_t extra)
{
    return crier_buf_reserve(&o->b, extra) == CRIER_OK ? 0 : -1;
}

static out out_new(size_t max_out)
{
    size_t max = max_out ? max_out : CRIER_HTML_DEFAULT_MAX;
    return (out){.max = max, .b = {.max = max + 7}};
}

/* Cut at the last character boundary leaving room for the ellipsis. */
static void out_truncate(out *o)
{
    size_t keep = o->max >= 3 ? o->max - 3 : 0;
    if (keep > o->b.len)
        keep = o->b.len;
    while (keep > 0 && ((unsigned char)o->b.data[keep] & 0xC0) == 0x80)
        keep--;
    while (keep > 0 && (o->b.data[keep - 1] == ' ' || o->b.data[keep - 1] == '\n'))
        keep--;
    o->b.len = keep;
    if (o->max >= 3) {
        memcpy(o->b.data + o->b.len, ELLIPSIS, 3);
        o->b.len += 3;
    }
    o->b.data[o->b.len] = '\0';
    o->full = 1;
}

/* Append n visible bytes (one whole character or a run of them). */
static int out_put(out *o, const char *s, size_t n)
{
    if (o->full)
        return 0;
    size_t sep = 0;
    if (o->b.len > 0)
        sep = o->newlines ? (size_t)o->newlines : (o->space ? 1 : 0);
    if (o->b.len + sep + n > o->max) {
        if (out_reserve(o, 3) != 0)
            return -1;
        out_truncate(o);
        return 0;
    }
    if (out_reserve(o, sep + n) != 0)
        return -1;
    if (o->b.len > 0) {
        if (o->newlines)
            for (int i = 0; i < o->newlines; i++)
                o->b.data[o->b.len++] = '\n';
        else if (o->space)
            o->b.data[o->b.len++] = ' ';
    }
    memcpy(o->b.data + o->b.len, s, n);
    o->b.len += n;
    o->b.data[o->b.len] = '\0';
    o->space = 0;
    o->newlines = 0;
    return 0;
}

static int out_put_cp(out *o, unsigned cp)
{
    char b[4];
    if (cp == 0)
        cp = CRIER_UTF8_REPLACEMENT;
    return out_put(o, b, crier_utf8_encode(cp, b));
}

/* Copies the character at s[*i] (advancing *i) as it is, or U+FFFD for an
 * invalid subpart (the one decoder, base/utf8.h). */
static int out_put_next(out *o, const char *s, size_t n, size_t *i)
{
    size_t start = *i;
    if (crier_utf8_next(s, n, i) == CRIER_UTF8_INVALID)
        return out_put(o, "\xEF\xBF\xBD", 3);
    return out_put(o, s + start, *i - start);
}

/* Append untrusted bytes (an attribute value) as valid UTF-8: invalid sequences
 * become U+FFFD, control characters are dropped (an href is copied raw and may
 * be cut inside a character by MAX_HREF; found by tests/fuzz/fuzz_html.c). */
static int out_put_clean(out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp = crier_utf8_next(s, n, &i);
        if (cp == CRIER_UTF8_INVALID)
            cp = CRIER_UTF8_REPLACEMENT;
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            continue;
        if (out_put_cp(o, cp) != 0)
            return -1;
    }
    return 0;
}

static void out_space(out *o)
{
    o->space = 1;
}

static void out_break(out *o, int newlines)
{
    if (o->newlines < newlines)
        o->newlines = newlines;
}

static char *out_finish(out *o, int *truncated)
{
    if (truncated)
        *truncated = o->full;
    if (!o->b.data) {
        o->b.data = malloc(1);
        if (o->b.data)
            o->b.data[0] = '\0';
    }
    return o->b.data;
}

/* ---- entities ---------------------------------------------------------- */

typedef struct entity {
    const char *name;
    unsigned cp;
} entity;

/* Sorted by name for bsearch. HTML 4 Latin-1, symbols and the common HTML5 extras. */
static const entity entities[] = {
    {"AElig", 198}, {"Aacute", 193}, {"Acirc", 194}, {"Agrave", 192}, {"Alpha", 913},
    {"Aring", 197}, {"Atilde", 195}, {"Auml", 196}, {"Beta", 914}, {"Ccedil", 199},
    {"Chi", 935}, {"Dagger", 8225}, {"Delta", 916}, {"ETH", 208}, {"Eacute", 201},
    {"Ecirc", 202}, {"Egrave", 200}, {"Epsilon", 917}, {"Eta", 919}, {"Euml", 203},
    {"Gamma", 915}, {"Iacute", 205}, {"Icirc", 206}, {"Igrave", 204}, {"Iota", 921},
    {"Iuml", 207}, {"Kappa", 922}, {"Lambda", 923}, {"Mu", 924}, {"Ntilde", 209},
    {"Nu", 925}, {"OElig", 338}, {"Oacute", 211}, {"Ocirc", 212}, {"Ograve", 210},
    {"Omega", 937}, {"Omicron", 927}, {"Oslash", 216}, {"Otilde", 213}, {"Ouml", 214},
    {"Phi", 934}, {"Pi", 928}, {"Prime", 8243}, {"Psi", 936}, {"Rho", 929},
    {"Scaron", 352}, {"Sigma", 931}, {"THORN", 222}, {"Tau", 932}, {"Theta", 920},
    {"Uacute", 218}, {"Ucirc", 219}, {"Ugrave", 217}, {"Upsilon", 933}, {"Uuml", 220},
    {"Xi", 926}, {"Yacute", 221}, {"Yuml", 376}, {"Zeta", 918}, {"aacute", 225},
    {"acirc", 226}, {"acute", 180}, {"aelig", 230}, {"agrave", 224}, {"alpha", 945},
    {"amp", 38}, {"and", 8743}, {"apos", 39}, {"aring", 229}, {"asymp", 8776},
    {"atilde", 227}, {"auml", 228}, {"bdquo", 8222}, {"beta", 946}, {"brvbar", 166},
    {"bull", 8226}, {"ccedil", 231}, {"cedil", 184}, {"cent", 162}, {"check", 10003},
    {"chi", 967}, {"circ", 710}, {"clubs", 9827}, {"copy", 169}, {"crarr", 8629},
    {"curren", 164}, {"dagger", 8224}, {"darr", 8595}, {"deg", 176}, {"delta", 948},
    {"diams", 9830}, {"divide", 247}, {"eacute", 233}, {"ecirc", 234}, {"egrave", 232},
    {"emsp", 8195}, {"ensp", 8194}, {"epsilon", 949}, {"equiv", 8801}, {"eta", 951},
    {"eth", 240}, {"euml", 235}, {"euro", 8364}, {"exist", 8707}, {"fnof", 402},
    {"forall", 8704}, {"frac12", 189}, {"frac14", 188}, {"frac34", 190}, {"frasl", 8260},
    {"gamma", 947}, {"ge", 8805}, {"gt", 62}, {"harr", 8596}, {"hearts", 9829},
    {"hellip", 8230}, {"iacute", 237}, {"icirc", 238}, {"iexcl", 161}, {"igrave", 236},
    {"infin", 8734}, {"iota", 953}, {"iquest", 191}, {"iuml", 239}, {"kappa", 954},
    {"lambda", 955}, {"laquo", 171}, {"larr", 8592}, {"lceil", 8968}, {"ldquo", 8220},
    {"le", 8804}, {"lfloor", 8970}, {"lowast", 8727}, {"loz", 9674}, {"lrm", 8206},
    {"lsaquo", 8249}, {"lsquo", 8216}, {"lt", 60}, {"macr", 175}, {"mdash", 8212},
    {"micro", 181}, {"middot", 183}, {"minus", 8722}, {"mu", 956}, {"nabla", 8711},
    {"nbsp", 160}, {"ndash", 8211}, {"ne", 8800}, {"not", 172}, {"ntilde", 241},
    {"nu", 957}, {"oacute", 243}, {"ocirc", 244}, {"oelig", 339}, {"ograve", 242},
    {"omega", 969}, {"omicron", 959}, {"or", 8744}, {"ordf", 170}, {"ordm", 186},
    {"oslash", 248}, {"otilde", 245}, {"ouml", 246}, {"para", 182}, {"permil", 8240},
    {"phi", 966}, {"pi", 960}, {"plusmn", 177}, {"pound", 163}, {"prime", 8242},
    {"psi", 968}, {"quot", 34}, {"raquo", 187}, {"rarr", 8594}, {"rceil", 8969},
    {"rdquo", 8221}, {"reg", 174}, {"rfloor", 8971}, {"rho", 961}, {"rlm", 8207},
    {"rsaquo", 8250}, {"rsquo", 8217}, {"sbquo", 8218}, {"scaron", 353}, {"sdot", 8901},
    {"sect", 167}, {"shy", 173}, {"sigma", 963}, {"sigmaf", 962}, {"spades", 9824},
    {"sup1", 185}, {"sup2", 178}, {"sup3", 179}, {"szlig", 223}, {"tau", 964},
    {"theta", 952}, {"thinsp", 8201}, {"thorn", 254}, {"tilde", 732}, {"times", 215},
    {"trade", 8482}, {"uacute", 250}, {"uarr", 8593}, {"ucirc", 251}, {"ugrave", 249},
    {"uml", 168}, {"upsilon", 965}, {"uuml", 252}, {"xi", 958}, {"yacute", 253},
    {"yen", 165}, {"yuml", 255}, {"zeta", 950}, {"zwj", 8205}, {"zwnj", 8204},
};

static int entity_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const entity *)elem)->name);
}

/* At s[0] == '&'.  On success returns bytes consumed and sets *cp; 0 if not an entity. */
static size_t decode_entity(const char *s, size_t n, unsigned *cp)
{
    size_t i = 1;
    if (i < n && s[i] == '#') {
        i++;
        int hex = 0;
        if (i < n && (s[i] == 'x' || s[i] == 'X')) {
            hex = 1;
            i++;
        }
        uint32_t v = 0;
        size_t digits = 0;
        while (i < n && (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i]))) {
            unsigned d = isdigit((unsigned char)s[i]) ? (unsigned)(s[i] - '0')
                                                      : (unsigned)(tolower((unsigned char)s[i]) - 'a' + 10);
            if (v <= 0x10FFFF)
                v = v * (hex ? 16u : 10u) + d;
            digits++;
            i++;
        }
        if (digits == 0)
            return 0;
        if (i < n && s[i] == ';')
            i++;
        /* Windows-1252 C1 range, as browsers do. */
        static const unsigned short c1[32] = {
            8364, 0xFFFD, 8218, 402, 8222, 8230, 8224, 8225, 710, 8240, 352, 8249, 338, 0xFFFD, 381, 0xFFFD,
            0xFFFD, 8216, 8217, 8220, 8221, 8226, 8211, 8212, 732, 8482, 353, 8250, 339, 0xFFFD, 382, 376};
        if (v >= 0x80 && v <= 0x9F)
            v = c1[v - 0x80];
        *cp = v > 0x10FFFF || v == 0 || (v >= 0xD800 && v <= 0xDFFF) ? 0xFFFD : v;
        return i;
    }
    char name[12];
    size_t k = 0;
    while (i < n && k < sizeof name - 1 && isalnum((unsigned char)s[i]))
        name[k++] = s[i++];
    name[k] = '\0';
    if (k == 0)
        return 0;
    const entity *e = bsearch(name, entities, sizeof entities / sizeof entities[0], sizeof entities[0], entity_cmp);
    if (!e)
        return 0;
    if (i < n && s[i] == ';')
        i++;
    *cp = e->cp;
    return i;
}

/* ---- tags ------------------------------------------------------------------ */

typedef enum tag_kind {
    TAG_OTHER = 0,
    TAG_BLOCK,  /* paragraph break before and after */
    TAG_BR,
    TAG_LI,
    TAG_A,
    TAG_SPAN,
    TAG_RAW,    /* script, style: skip to end tag */
    TAG_HIDDEN, /* head, template, svg, ...: contents dropped */
    TAG_TD,     /* cell separator */
} tag_kind;

static tag_kind classify(const char *name)
{
    static const char *const block[] = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol",
                                        "dl", "dt", "dd", "section", "article", "header", "footer", "aside", "nav",
                                        "main", "table", "tr", "figure", "figcaption", "hr", "pre", "address",
                                        "details", "summary", "body", "html", "form", "fieldset"};
    static const char *const hidden[] = {"head", "title", "template", "svg", "iframe", "object", "noscript",
                                         "select", "math", "audio", "video", "canvas", "button"};
    if (!strcmp(name, "br"))
        return TAG_BR;
    if (!strcmp(name, "li"))
        return TAG_LI;
    if (!strcmp(name, "a"))
        return TAG_A;
    if (!strcmp(name, "span"))
        return TAG_SPAN;
    if (!strcmp(name, "script") || !strcmp(name, "style"))
        return TAG_RAW;
    if (!strcmp(name, "td") || !strcmp(name, "th"))
        return TAG_TD;
    for (size_t i = 0; i < sizeof block / sizeof block[0]; i++)
        if (!strcmp(name, block[i]))
            return TAG_BLOCK;
    for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
        if (!strcmp(name, hidden[i]))
            return TAG_HIDDEN;
    return TAG_OTHER;
}

/* Does the class attribute value contain the word w? */
static int has_class(const char *cls, const char *w)
{
    size_t wl = strlen(w);
    for (const char *p = cls; (p = strstr(p, w)) != NULL; p += wl) {
        int start = p == cls || isspace((unsigned char)p[-1]);
        int end = p[wl] == '\0' || isspace((unsigned char)p[wl]);
        if (start && end)
            return 1;
    }
    return 0;
}

typedef struct parsed_tag {
    char name[16];
    int closing, self_closing;
    char href[MAX_HREF];
    char cls[128];
} parsed_tag;

/* Attribute value into dst (entities decoded for &amp;, &quot;, numeric). */
static void copy_attr(char *dst, size_t cap, const char *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < cap;) {
        unsigned cp;
        size_t used;
        if (v[i] == '&' && (used = decode_entity(v + i, n - i, &cp)) > 0 && cp < 0x80) {
            dst[k++] = (char)cp;
            i += used;
        } else {
            dst[k++] = v[i++];
        }
    }
    dst[k] = '\0';
}

/* Parse a tag starting at s[0] == '<'.  Returns bytes consumed (up to and
 * including '>'), or 0 if this '<' does not start a tag. */
static size_t parse_tag(const char *s, size_t n, parsed_tag *t)
{
    size_t i = 1;
    t->name[0] = t->href[0] = t->cls[0] = '\0';
    t->closing = t->self_closing = 0;
    if (i < n && s[i] == '/') {
        t->closing = 1;
        i++;
    }
    if (i >= n || !isalpha((unsigned char)s[i]))
        return 0;
    size_t k = 0;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == ':')) {
        if (k < sizeof t->name - 1)
            t->name[k++] = (char)tolower((unsigned char)s[i]);
        i++;
    }
    t->name[k] = '\0';
    /* attributes */
    while (i < n && s[i] != '>') {
        if (s[i] == '/') {
            t->self_closing = 1;
            i++;
            continue;
        }
        if (isspace((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t an = i;
        while (i < n && !isspace((unsigned char)s[i]) && s[i] != '=' && s[i] != '>' && s[i] != '/')
            i++;
        size_t alen = i - an;
        if (alen == 0) { /* stray character such as a quote */
            i++;
            continue;
        }
        t->self_closing = 0;
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        const char *val = NULL;
        size_t vlen = 0;
        if (i < n && s[i] == '=') {
            i++;
            while (i < n && isspace((unsigned char)s[i]))
                i++;
            if (i < n && (s[i] == '"' || s[i] == '\'')) {
                char q = s[i++];
                val = s + i;
                while (i < n && s[i] != q)
                    i++;
                vlen = (size_t)(s + i - val);
                if (i < n)
                    i++;
            } else {
                val = s + i;
                while (i < n && !isspace((unsigned char)s[i]) && s[i] != '>')
                    i++;
                vlen = (size_t)(s + i - val);
            }
        }
        if (val && alen == 4 && !strncasecmp(s + an, "href", 4))
            copy_attr(t->href, sizeof t->href, val, vlen);
        else if (val && alen == 5 && !strncasecmp(s + an, "class", 5))
            copy_attr(t->cls, sizeof t->cls, val, vlen);
    }
    if (i >= n)
        return n; /* unterminated tag at end of input: swallow it */
    return i + 1;
}

/* Find "</name" (case-insensitive) from s; returns offset or n. */
static size_t find_end_tag(const char *s, size_t n, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + 2 + nl <= n; i++) {
        if (s[i] == '<' && s[i + 1] == '/' && !strncasecmp(s + i + 2, name, nl)) {
            char c = i + 2 + nl < n ? s[i + 2 + nl] : '>';
            if (c == '>' || isspace((unsigned char)c))
                return i;
        }
    }
    return n;
}

/* Is the link text already showing the URL (or a shortened form of it)? */
static int text_shows_url(const char *text, size_t tlen, const char *href)
{
    while (tlen > 0 && (*text == ' ' || *text == '\n')) {
        text++;
        tlen--;
    }
    if (tlen == 0)
        return 0;
    if (text[0] == '#' || text[0] == '@')
        return 1;
    const char *h = strstr(href, "://");
    h = h ? h + 3 : href;
    if (!strncmp(h, "www.", 4) && strncmp(text, "www.", 4) != 0)
        h += 4;
    const char *t = text;
    if (tlen > 7 && !strncmp(t, "http://", 7))
        t += 7, tlen -= 7;
    else if (tlen > 8 && !strncmp(t, "https://", 8))
        t += 8, tlen -= 8;
    if (tlen >= 3 && !memcmp(t + tlen - 3, ELLIPSIS, 3))
        tlen -= 3;
    return tlen > 0 && !strncmp(h, t, tlen);
}

char *crier_html_to_text(const char *html, size_t len, size_t max_out, unsigned flags, int *truncated)
{
    out o = out_new(max_out);
    parsed_tag *tag = malloc(sizeof *tag);
    char *href = malloc(MAX_HREF);
    if (!tag || !href)
        goto fail;
    href[0] = '\0';
    size_t link_start = 0;
    int in_link = 0, hidden = 0, invisible = 0, span_depth = 0;
    unsigned char spans[SPAN_STACK]; /* 0 plain, 1 invisible, 2 ellipsis */
    size_t i = 0;
    if (!html)
        len = 0;
    while (i < len && !o.full) {
        unsigned char c = (unsigned char)html[i];
        if (c == '<') {
            if (len - i >= 4 && !memcmp(html + i, "<!--", 4)) {
                const char *end = NULL;
                for (size_t j = i + 4; j + 3 <= len; j++)
                    if (!memcmp(html + j, "-->", 3)) {
                        end = html + j + 3;
                        break;
                    }
                i = end ? (size_t)(end - html) : len;
                continue;
            }
            if (len - i >= 9 && !memcmp(html + i, "<![CDATA[", 9)) {
                i += 9; /* contents as text; the "]]>" is dropped below */
                continue;
            }
            if (len - i >= 2 && (html[i + 1] == '!' || html[i + 1] == '?')) {
                const char *gt = memchr(html + i, '>', len - i);
                i = gt ? (size_t)(gt - html) + 1 : len;
                continue;
            }
            size_t used = parse_tag(html + i, len - i, tag);
            if (used == 0)
                goto text; /* a lone '<' */
            i += used;
            tag_kind k = classify(tag->name);
            if (k == TAG_RAW && !tag->closing && !tag->self_closing) {
                i += find_end_tag(html + i, len - i, tag->name);
                continue;
            }
            if (k == TAG_HIDDEN && !tag->self_closing) {
                hidden += tag->closing ? (hidden > 0 ? -1 : 0) : 1;
                continue;
            }
            if (hidden)
                continue;
            switch (k) {
            case TAG_BLOCK:
                out_break(&o, 2);
                break;
            case TAG_BR:
                if (o.newlines < 2 && o.b.len > 0)
                    o.newlines++;
                break;
            case TAG_LI:
                if (!tag->closing) {
                    out_break(&o, 1);
                    if (out_put(&o, "\xE2\x80\xA2 ", 4) != 0) /* "• " */
                        goto fail;
                }
                break;
            case TAG_TD:
                if (!tag->closing)
                    out_space(&o);
                break;
            case TAG_A:
                if (!tag->closing) {
                    in_link = 1;
                    snprintf(href, MAX_HREF, "%s", tag->href);
                    link_start = o.b.len;
                } else if (in_link) {
                    in_link = 0;
                    int web = !strncmp(href, "http://", 7) || !strncmp(href, "https://", 8);
                    if ((flags & CRIER_HTML_LINK_URLS) && web && link_start <= o.b.len &&
                        !text_shows_url(o.b.data ? o.b.data + link_start : "", o.b.len - link_start, href)) {
                        char *u = href;
                        if (o.b.len > link_start)
                            out_space(&o);
                        if (out_put(&o, "(", 1) || out_put_clean(&o, u, strlen(u)) || out_put(&o, ")", 1))
                            goto fail;
                    }
                }
                break;
            case TAG_SPAN:
                if (!tag->closing && !tag->self_closing) {
                    unsigned char kind = has_class(tag->cls, "invisible") ? 1 : has_class(tag->cls, "ellipsis") ? 2 : 0;
                    if (span_depth < SPAN_STACK)
                        spans[span_depth] = kind;
                    span_depth++;
                    if (kind == 1)
                        invisible++;
                } else if (tag->closing && span_depth > 0) {
                    span_depth--;
                    unsigned char kind = span_depth < SPAN_STACK ? spans[span_depth] : 0;
                    if (kind == 1 && invisible > 0)
                        invisible--;
                    else if (kind == 2 && out_put(&o, ELLIPSIS, 3) != 0)
                        goto fail;
                }
                break;
            default:
                break;
            }
            continue;
        }
    text:
        if (hidden || invisible) {
            i++;
            continue;
        }
        if (c == ']' && len - i >= 3 && !memcmp(html + i, "]]>", 3)) {
            i += 3;
            continue;
        }
        if (isspace(c)) {
            out_space(&o);
            i++;
            continue;
        }
        unsigned cp;
        size_t used;
        if (c == '&' && (used = decode_entity(html + i, len - i, &cp)) > 0) {
            i += used;
            if (cp == 160 || cp == 8194 || cp == 8195 || cp == 8201) {
                out_space(&o);
                continue;
            }
            if (cp == 173 || cp == 8204 || cp == 8205 || cp == 8206 || cp == 8207)
                continue; /* soft hyphen, zero-width and direction marks */
            if (out_put_cp(&o, cp) != 0)
                goto fail;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            i++;
            continue;
        }
        if (out_put_next(&o, html, len, &i) != 0)
            goto fail;
    }
    free(tag);
    free(href);
    return out_finish(&o, truncated);
fail:
    free(tag);
    free(href);
    free(o.b.data);
    return NULL;
}

char *crier_html_clean_text(const char *s, size_t len, size_t max_out, int keep_newlines, int *truncated)
{
    out o = out_new(max_out);
    int run_nl = 0;
    for (size_t i = 0; s && i < len && !o.full;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' && keep_newlines) {
            run_nl = run_nl < 2 ? run_nl + 1 : 2;
            out_break(&o, run_nl);
            i++;
            continue;
        }
        if (isspace(c)) {
            out_space(&o);
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            i++;
            continue;
        }
        run_nl = 0;
        if (out_put_next(&o, s, len, &i) != 0) {
            free(o.b.data);
            return NULL;
        }
    }
    return out_finish(&o, truncated);
}
