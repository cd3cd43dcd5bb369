/* feed_rss.c - RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 with expat.
 *
 * Design: one streaming expat pass with a small state machine.  The root
 * element decides the dialect; <item> (RSS) or <entry> (Atom) opens an item, and
 * character data of its direct children is collected into one capped buffer per
 * field.  Atom type="xhtml" content is re-serialised into an HTML string (text
 * re-escaped) so html_text handles every dialect the same way.
 *
 * Safety (untrusted input from the network):
 *   - parameter entity parsing is NEVER, so no external DTD or parameter entity
 *     is ever read;
 *   - any <!ENTITY> declaration in the internal subset aborts the parse
 *     (XML_SetEntityDeclHandler -> XML_StopParser): this refuses billion-laughs
 *     and external-entity (XXE) documents outright, before any expansion;
 *   - expat's own amplification guard stays on as a second line;
 *   - nesting depth, element count and per-field bytes are capped; items past
 *     max_items are skipped;
 *   - invalid UTF-8 or a truncated document is an expat error naming the line.
 * Names are matched by local name ("media:content" -> prefix "media", local
 * "content"); only the prefixes that matter (content:, media:, dc:) are checked. */
#include "feeds/feed.h"
#include "base/buf.h"
#include "feeds/html_text.h"
#include "base/log.h"

#ifndef XML_DTD
#define XML_DTD /* declare the DTD-related API (amplification guard) Debian's expat is built with */
#endif
#include <expat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum dialect { D_UNKNOWN = 0, D_RSS, D_RDF, D_ATOM };

enum field {
    F_NONE = 0,
    F_TITLE,
    F_DESC,    /* RSS description, Atom summary */
    F_CONTENT, /* content:encoded, Atom content */
    F_LINK,
    F_ID,
    F_PUBDATE, /* pubDate, published, dc:date */
    F_UPDATED,
    F_LANG,    /* channel language */
};

typedef struct fbuf {
    crier_buf t; /* t.max: the field cap; the rest of a longer field is ignored */
    int html; /* Atom: type="html"/"xhtml" (RSS description is always HTML) */
} fbuf;

typedef struct rss_state {
    XML_Parser parser;
    const crier_feed_opts *opts;
    enum dialect dialect;
    unsigned depth, elements;
    unsigned item_depth; /* depth of the open item/entry element; 0 if none */
    enum field field;    /* field being collected (direct child of item) */
    unsigned field_depth;
    int xhtml;           /* collecting Atom xhtml content: serialise children */
    fbuf f[F_LANG + 1];
    char *image;      /* enclosure / media url */
    int image_rank;   /* 3 enclosure image, 2 media:content, 1 thumbnail */
    char *atom_link;  /* alternate link */
    char *lang;       /* channel/feed language */
    size_t skipped;
    crier_item_list items;
    crier_err rc;
    char msg[200];
} rss_state;

static void fail(rss_state *st, crier_err rc, const char *msg)
{
    if (st->rc == CRIER_OK) {
        st->rc = rc;
        snprintf(st->msg, sizeof st->msg, "%s (line %lu)", msg,
                 (unsigned long)XML_GetCurrentLineNumber(st->parser));
    }
    XML_StopParser(st->parser, XML_FALSE);
}

static const char *local_name(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static int has_prefix(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    return !strncmp(name, prefix, n) && name[n] == ':';
}

static const char *attr(const XML_Char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (!strcmp(atts[i], name) || !strcmp(local_name(atts[i]), name))
            return atts[i + 1];
    return NULL;
}

static void buf_reset(fbuf *b)
{
    crier_buf_clear(&b->t);
    b->html = 0;
}

static void buf_add(rss_state *st, fbuf *b, const char *s, size_t n)
{
    if (crier_buf_append_upto(&b->t, s, n) != CRIER_OK)
        fail(st, CRIER_ERR_NOMEM, "out of memory");
}

static void buf_add_escaped(rss_state *st, fbuf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = s[i] == '<' ? "&lt;" : s[i] == '&' ? "&amp;" : NULL;
        if (rep) {
            buf_add(st, b, s + start, i - start);
            buf_add(st, b, rep, strlen(rep));
            start = i + 1;
        }
    }
    buf_add(st, b, s + start, n - start);
}

static void set_image(rss_state *st, const char *url, int rank)
{
    if (!url || !*url || rank <= st->image_rank)
        return;
    char *c = crier_strdup(url);
    if (!c) {
        fail(st, CRIER_ERR_NOMEM, "out of memory");
        return;
    }
    free(st->image);
    st->image = c;
    st->image_rank = rank;
}

static int is_image_type(const char *type)
{
    return type && !strncasecmp(type, "image/", 6);
}

static void item_begin(rss_state *st)
{
    st->item_depth = st->depth;
    for (int i = F_TITLE; i <= F_UPDATED; i++)
        buf_reset(&st->f[i]);
    free(st->image);
    free(st->atom_link);
    st->image = st->atom_link = NULL;
    st->image_rank = 0;
}

static char *field_text(rss_state *st, enum field f, int html, size_t cap)
{
    fbuf *b = &st->f[f];
    if (!b->t.data || b->t.len == 0)
        return NULL;
    char *t = html ? crier_html_to_text(b->t.data, b->t.len, cap, st->opts->link_urls ? CRIER_HTML_LINK_URLS : 0, NULL)
                   : crier_html_clean_text(b->t.data, b->t.len, cap, 1, NULL);
    if (!t)
        fail(st, CRIER_ERR_NOMEM, "out of memory");
    return t;
}

static void item_end(rss_state *st)
{
    st->item_depth = 0;
    if (st->items.count >= st->opts->max_items) {
        st->skipped++;
        return;
    }
    const crier_feed_opts *o = st->opts;
    crier_item it = {.kind = CRIER_ITEM_POST, .weight = 1};
    int atom = st->dialect == D_ATOM;
    /* RSS titles are plain text by spec but often carry escaped HTML; html_text copes with both. */
    it.title = field_text(st, F_TITLE, atom ? st->f[F_TITLE].html : 1, o->max_title);
    enum field bodyf = st->f[F_DESC].t.len ? F_DESC : F_CONTENT;
    it.body = field_text(st, bodyf, atom ? st->f[bodyf].html : 1, o->max_text);
    char *link = st->f[F_LINK].t.len ? crier_html_clean_text(st->f[F_LINK].t.data, st->f[F_LINK].t.len, 2048, 0, NULL) : NULL;
    if (!link && st->atom_link)
        link = crier_strdup(st->atom_link);
    it.link = link;
    char *id = st->f[F_ID].t.len ? crier_html_clean_text(st->f[F_ID].t.data, st->f[F_ID].t.len, 512, 0, NULL) : NULL;
    if (!id || !*id) {
        free(id);
        id = link ? crier_strdup(link) : NULL;
    }
    it.id = id;
    it.image = st->image;
    st->image = NULL;
    st->image_rank = 0;
    if (st->lang)
        it.lang = crier_strdup(st->lang);
    int64_t t;
    if (st->f[F_PUBDATE].t.len && crier_feed_parse_date(st->f[F_PUBDATE].t.data, &t) == 0)
        it.published_ms = t;
    else if (st->f[F_UPDATED].t.len && crier_feed_parse_date(st->f[F_UPDATED].t.data, &t) == 0)
        it.published_ms = t;
    if (st->rc == CRIER_OK) {
        crier_err rc = crier_feed_finish_item(&it, o);
        if (rc == CRIER_OK)
            rc = crier_item_list_take(&st->items, &it);
        if (rc != CRIER_OK)
            fail(st, rc, "out of memory");
    }
    crier_item_clear(&it);
}

static enum field field_for(rss_state *st, const char *name)
{
    const char *l = local_name(name);
    if (!strcmp(l, "title"))
        return F_TITLE;
    if (!strcmp(l, "description") || !strcmp(l, "summary"))
        return F_DESC;
    if ((has_prefix(name, "content") && !strcmp(l, "encoded")) || (st->dialect == D_ATOM && !strcmp(name, "content")))
        return F_CONTENT;
    if (!strcmp(name, "link") && st->dialect != D_ATOM)
        return F_LINK;
    if (!strcmp(l, "guid") || (st->dialect == D_ATOM && !strcmp(name, "id")))
        return F_ID;
    if (!strcmp(l, "pubDate") || !strcmp(l, "published") || (has_prefix(name, "dc") && !strcmp(l, "date")) ||
        !strcmp(l, "issued"))
        return F_PUBDATE;
    if (!strcmp(l, "updated") || !strcmp(l, "modified"))
        return F_UPDATED;
    return F_NONE;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    rss_state *st = ud;
    st->depth++;
    if (++st->elements > st->opts->max_elements) {
        fail(st, CRIER_ERR_LIMIT, "too many XML elements");
        return;
    }
    if (st->depth > st->opts->max_depth) {
        fail(st, CRIER_ERR_LIMIT, "XML nesting too deep");
        return;
    }
    const char *l = local_name(name);
    if (st->depth == 1) {
        if (!strcmp(name, "rss"))
            st->dialect = D_RSS;
        else if (!strcmp(l, "RDF"))
            st->dialect = D_RDF;
        else if (!strcmp(name, "feed"))
            st->dialect = D_ATOM;
        else
            fail(st, CRIER_ERR_PARSE, "not an RSS or Atom document (unexpected root element)");
        const char *lang = attr(atts, "xml:lang");
        if (lang && st->dialect == D_ATOM && !st->lang)
            st->lang = crier_strdup(lang);
        return;
    }
    if (st->field != F_NONE && st->xhtml) {
        /* Inside Atom xhtml text: re-serialise the child element. */
        fbuf *b = &st->f[st->field];
        buf_add(st, b, "<", 1);
        buf_add(st, b, l, strlen(l));
        const char *href = attr(atts, "href");
        if (href) {
            buf_add(st, b, " href=\"", 7);
            buf_add_escaped(st, b, href, strlen(href));
            buf_add(st, b, "\"", 1);
        }
        buf_add(st, b, ">", 1);
        return;
    }
    if (st->field != F_NONE)
        return; /* markup inside a text field (invalid but seen): keep collecting text */
    if (!st->item_depth) {
        if (!strcmp(l, "item") || (st->dialect == D_ATOM && !strcmp(name, "entry")))
            item_begin(st);
        else if (!strcmp(name, "language") && st->depth == 3 && !st->lang)
            st->field = F_LANG, st->field_depth = st->depth, buf_reset(&st->f[F_LANG]);
        return;
    }
    if (st->depth != st->item_depth + 1)
        return; /* e.g. Atom <source> children */
    if (!strcmp(name, "enclosure")) {
        if (is_image_type(attr(atts, "type")))
            set_image(st, attr(atts, "url"), 3);
        return;
    }
    if (has_prefix(name, "media") && !strcmp(l, "content")) {
        const char *medium = attr(atts, "medium");
        if (is_image_type(attr(atts, "type")) || (medium && !strcmp(medium, "image")))
            set_image(st, attr(atts, "url"), 2);
        return;
    }
    if (has_prefix(name, "media") && !strcmp(l, "thumbnail")) {
        set_image(st, attr(atts, "url"), 1);
        return;
    }
    if (st->dialect == D_ATOM && !strcmp(name, "link")) {
        const char *rel = attr(atts, "rel"), *href = attr(atts, "href");
        if (href && (!rel || !strcmp(rel, "alternate")) && !st->atom_link) {
            if (!(st->atom_link = crier_strdup(href)))
                fail(st, CRIER_ERR_NOMEM, "out of memory");
        } else if (href && rel && !strcmp(rel, "enclosure") && is_image_type(attr(atts, "type"))) {
            set_image(st, href, 3);
        }
        return;
    }
    enum field f = field_for(st, name);
    if (f == F_NONE)
        return;
    buf_reset(&st->f[f]);
    st->field = f;
    st->field_depth = st->depth;
    if (st->dialect == D_ATOM) {
        const char *type = attr(atts, "type");
        if (type && (!strcmp(type, "html") || !strcmp(type, "text/html")))
            st->f[f].html = 1;
        else if (type && (!strcmp(type, "xhtml") || !strcmp(type, "application/xhtml+xml"))) {
            st->f[f].html = 1;
            st->xhtml = 1;
        }
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    rss_state *st = ud;
    if (st->field != F_NONE && st->depth == st->field_depth) {
        if (st->field == F_LANG && st->f[F_LANG].t.len && !st->lang)
            st->lang = crier_html_clean_text(st->f[F_LANG].t.data, st->f[F_LANG].t.len, 35, 0, NULL);
        st->field = F_NONE;
        st->xhtml = 0;
    } else if (st->field != F_NONE && st->xhtml) {
        const char *l = local_name(name);
        fbuf *b = &st->f[st->field];
        buf_add(st, b, "</", 2);
        buf_add(st, b, l, strlen(l));
        buf_add(st, b, ">", 1);
    } else if (st->item_depth && st->depth == st->item_depth) {
        item_end(st);
    }
    st->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    rss_state *st = ud;
    if (st->field == F_NONE || len <= 0)
        return;
    if (st->xhtml)
        buf_add_escaped(st, &st->f[st->field], s, (size_t)len);
    else
        buf_add(st, &st->f[st->field], s, (size_t)len);
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                                   int value_len, const XML_Char *base, const XML_Char *system_id,
                                   const XML_Char *public_id, const XML_Char *notation)
{
    rss_state *st = ud;
    fail(st, CRIER_ERR_PARSE,
         system_id || public_id ? "external entity declaration refused" : "entity declaration refused");
}

static crier_err parse_xml(const char *data, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                           char *err, size_t err_len, const char *what)
{
    if (len > INT_MAX / 2) {
        crier_errf(err, err_len, "%s: document too large", what);
        return CRIER_ERR_LIMIT;
    }
    rss_state *st = calloc(1, sizeof *st);
    if (!st) {
        crier_errf(err, err_len, "out of memory");
        return CRIER_ERR_NOMEM;
    }
    st->opts = opts;
    for (int i = 0; i <= F_LANG; i++)
        st->f[i].t.max = opts->max_text * 16 > 65536 ? opts->max_text * 16 : 65536;
    crier_item_list_init(&st->items);
    crier_err rc;
    XML_Parser p = XML_ParserCreate(NULL);
    if (!p) {
        rc = CRIER_ERR_NOMEM;
        snprintf(st->msg, sizeof st->msg, "out of memory");
        goto cleanup;
    }
    st->parser = p;
    XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
    XML_SetEntityDeclHandler(p, on_entity_decl);
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 4)
    XML_SetBillionLaughsAttackProtectionMaximumAmplification(p, 20.0f);
    XML_SetBillionLaughsAttackProtectionActivationThreshold(p, 1u << 20);
#endif
    XML_SetUserData(p, st);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    if (XML_Parse(p, data ? data : "", (int)len, XML_TRUE) == XML_STATUS_ERROR && st->rc == CRIER_OK) {
        st->rc = CRIER_ERR_PARSE;
        snprintf(st->msg, sizeof st->msg, "XML error at line %lu: %s", (unsigned long)XML_GetErrorLineNumber(p),
                 XML_ErrorString(XML_GetErrorCode(p)));
    }
    rc = st->rc;
    if (rc == CRIER_OK && st->dialect == D_UNKNOWN) {
        rc = CRIER_ERR_PARSE;
        snprintf(st->msg, sizeof st->msg, "empty document");
    }
    if (rc == CRIER_OK) {
        if (st->skipped)
            LOG_INFO("feed", "%s: kept %zu items, skipped %zu over the limit", opts->source ? opts->source : "?",
                     st->items.count, st->skipped);
        rc = crier_feed_append_all(out, &st->items);
        if (rc != CRIER_OK)
            snprintf(st->msg, sizeof st->msg, "out of memory");
    }
cleanup:
    if (rc != CRIER_OK)
        crier_errf(err, err_len, "%s: %s", what, st->msg);
    if (p)
        XML_ParserFree(p);
    crier_item_list_clear(&st->items);
    for (int i = 0; i <= F_LANG; i++)
        crier_buf_free(&st->f[i].t);
    free(st->image);
    free(st->atom_link);
    free(st->lang);
    free(st);
    return rc;
}

crier_err crier_feed_parse_rss(const char *buf, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                               char *err, size_t err_len)
{
    return parse_xml(buf, len, opts, out, err, err_len, "rss");
}

crier_err crier_feed_parse_atom(const char *buf, size_t len, const crier_feed_opts *opts, crier_item_list *out,
                                char *err, size_t err_len)
{
    return parse_xml(buf, len, opts, out, err, err_len, "atom");
}
