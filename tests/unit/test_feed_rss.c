/* test_feed_rss.c - RSS 2.0 / Atom parsing and the hostile XML cases. */
#include "check.h"
#include "feed_testutil.h"

#include "feeds/feed.h"

#include <stdlib.h>
#include <string.h>

static crier_feed_opts opts(void)
{
    return feed_opts("townhall");
}

TEST(rss2)
{
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    CHECK_INT_EQ(parse_fixture("rss2.xml", CRIER_FEED_RSS, &o, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, 3);
    const crier_item *a = find_item(&l, "urn:montbrun:news:1042");
    CHECK(a != NULL);
    if (a) {
        CHECK_INT_EQ(a->kind, CRIER_ITEM_POST);
        CHECK_STR_EQ(a->source, "townhall");
        CHECK_STR_EQ(a->title, "Fermeture de la piscine & du gymnase");
        CHECK_STR_EQ(a->body, "La piscine est ferm\xC3\xA9" "e du 1er au 7 d\xC3\xA9" "cembre.\n\nLe gymnase aussi.\n"
                              "Merci\xE2\x80\xA6 \xF0\x9F\x8F\x8A");
        CHECK_STR_EQ(a->link, "https://montbrun.example/actualites/piscine");
        CHECK_STR_EQ(a->image, "https://montbrun.example/img/piscine.jpg");
        CHECK_STR_EQ(a->lang, "fr");
        CHECK_INT_EQ(a->published_ms, 1795595400000LL); /* 2026-11-25T08:30:00Z */
        CHECK_INT_EQ(a->valid_until_ms, 0);
    }
    /* no guid: the link is the id; media:content image */
    const crier_item *b = find_item(&l, "https://montbrun.example/actualites/sapins");
    CHECK(b && b->image && !strcmp(b->image, "https://montbrun.example/img/sapin.png"));
    CHECK(b && b->published_ms == 1795536000000LL); /* 2026-11-24T16:00:00Z */
    /* neither: hashed id, stable across parses; escaped HTML decoded then stripped */
    CHECK(l.items[2].id && strlen(l.items[2].id) == 16);
    CHECK_STR_EQ(l.items[2].body, "Escaped & HTML");
    crier_item_list l2;
    crier_item_list_init(&l2);
    CHECK_INT_EQ(parse_fixture("rss2.xml", CRIER_FEED_RSS, &o, &l2, err, sizeof err), CRIER_OK);
    CHECK(l2.count == 3 && !strcmp(l2.items[2].id, l.items[2].id));
    crier_item_list_clear(&l);
    crier_item_list_clear(&l2);
}

TEST(atom)
{
    crier_feed_opts o = opts();
    o.default_validity_ms = 7LL * 24 * 3600 * 1000;
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    CHECK_INT_EQ(parse_fixture("atom.xml", CRIER_FEED_ATOM, &o, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, 2);
    const crier_item *a = find_item(&l, "tag:lindenau.example,2026:1");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR_EQ(a->title, "Wochenmarkt verlegt");
        CHECK_STR_EQ(a->body, "Der Markt findet am Samstag auf dem Rathausplatz statt.");
        CHECK_STR_EQ(a->link, "https://lindenau.example/news/markt");
        CHECK_STR_EQ(a->image, "https://lindenau.example/img/markt.webp");
        CHECK_STR_EQ(a->lang, "de");
        CHECK_INT_EQ(a->published_ms, 1795590000000LL); /* 2026-11-25T07:00:00Z */
        CHECK_INT_EQ(a->valid_until_ms, a->published_ms + o.default_validity_ms);
    }
    const crier_item *b = find_item(&l, "tag:lindenau.example,2026:2");
    CHECK(b != NULL);
    if (b) {
        CHECK_STR_EQ(b->title, "Stra\xC3\x9F" "ensperrung");
        CHECK_STR_EQ(b->body, "Die Hauptstra\xC3\x9F" "e ist gesperrt.\n\nUmleitung \xC3\xBC" "ber die Ringstra\xC3\x9F" "e & Nordweg.");
        CHECK_STR_EQ(b->link, "https://lindenau.example/news/sperrung");
        CHECK(b->image == NULL);
        CHECK_INT_EQ(b->published_ms, 1795521600000LL); /* updated only */
    }
    crier_item_list_clear(&l);
}

/* Every hostile document: rejected with a clear message, list untouched, fast. */
static void expect_reject(const char *name, crier_err want, const char *msg_part)
{
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    long rss0 = peak_rss_kb();
    int64_t t0 = crier_mono_ms();
    crier_err rc = parse_fixture(name, CRIER_FEED_RSS, &o, &l, err, sizeof err);
    int64_t dt = crier_mono_ms() - t0;
    if (rc != want || !strstr(err, msg_part))
        fprintf(stderr, "  %s: rc=%d err=\"%s\"\n", name, rc, err);
    CHECK_INT_EQ(rc, want);
    CHECK(strstr(err, msg_part) != NULL);
    CHECK_INT_EQ(l.count, 0);
    CHECK(dt < 500);
    CHECK(peak_rss_kb() - rss0 < 32 * 1024);
    crier_item_list_clear(&l);
}

TEST(billion_laughs_refused)
{
    expect_reject("billion_laughs.xml", CRIER_ERR_PARSE, "entity declaration refused");
}

TEST(external_entity_refused)
{
    expect_reject("xxe.xml", CRIER_ERR_PARSE, "external entity declaration refused");
    expect_reject("xxe_param.xml", CRIER_ERR_PARSE, "refused");
}

TEST(invalid_utf8_rejected)
{
    expect_reject("invalid_utf8.xml", CRIER_ERR_PARSE, "XML error at line 2");
}

TEST(truncated_rejected)
{
    expect_reject("truncated.xml", CRIER_ERR_PARSE, "XML error");
}

TEST(not_a_feed)
{
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    const char *html = "<html><body><p>Not a feed</p></body></html>";
    CHECK_INT_EQ(crier_feed_parse_rss(html, strlen(html), &o, &l, err, sizeof err), CRIER_ERR_PARSE);
    CHECK(strstr(err, "not an RSS or Atom document") != NULL);
    CHECK_INT_EQ(crier_feed_parse_rss("", 0, &o, &l, err, sizeof err), CRIER_ERR_PARSE);
    CHECK_INT_EQ(crier_feed_parse_rss(NULL, 0, &o, &l, err, sizeof err), CRIER_ERR_PARSE);
    CHECK_INT_EQ(l.count, 0);
}

TEST(limits)
{
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    /* nesting */
    size_t n = 100000;
    char *deep = malloc(n * 3 + 64);
    size_t k = (size_t)sprintf(deep, "<rss>");
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(deep + k, "<a>");
    CHECK_INT_EQ(crier_feed_parse_rss(deep, k, &o, &l, err, sizeof err), CRIER_ERR_LIMIT);
    CHECK(strstr(err, "nesting too deep") != NULL);
    free(deep);
    /* element count */
    o.max_elements = 1000;
    char *wide = malloc(200000);
    k = (size_t)sprintf(wide, "<rss><channel>");
    for (int i = 0; i < 5000; i++)
        k += (size_t)sprintf(wide + k, "<x/>");
    k += (size_t)sprintf(wide + k, "</channel></rss>");
    CHECK_INT_EQ(crier_feed_parse_rss(wide, k, &o, &l, err, sizeof err), CRIER_ERR_LIMIT);
    CHECK(strstr(err, "too many XML elements") != NULL);
    /* item count: extra items are dropped, not an error */
    o = opts();
    o.max_items = 10;
    k = (size_t)sprintf(wide, "<rss><channel>");
    for (int i = 0; i < 50; i++)
        k += (size_t)sprintf(wide + k, "<item><guid>g%d</guid><title>t%d</title></item>", i, i);
    k += (size_t)sprintf(wide + k, "</channel></rss>");
    CHECK_INT_EQ(crier_feed_parse_rss(wide, k, &o, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, 10);
    CHECK_STR_EQ(l.items[9].id, "g9");
    free(wide);
    crier_item_list_clear(&l);
    /* a 10 MB description is capped */
    o = opts();
    size_t big = 10u * 1024u * 1024u;
    char *doc = malloc(big + 200);
    k = (size_t)sprintf(doc, "<rss><channel><item><guid>x</guid><description>");
    memset(doc + k, 'w', big);
    k += big;
    k += (size_t)sprintf(doc + k, "</description></item></channel></rss>");
    int64_t t0 = crier_mono_ms();
    CHECK_INT_EQ(crier_feed_parse_rss(doc, k, &o, &l, err, sizeof err), CRIER_OK);
    CHECK(crier_mono_ms() - t0 < 2000);
    CHECK(l.count == 1 && strlen(l.items[0].body) <= o.max_text);
    free(doc);
    crier_item_list_clear(&l);
}

TEST(rfc822_dates)
{
    int64_t t;
    CHECK(crier_feed_parse_rfc822("Wed, 25 Nov 2026 09:30:00 +0100", &t) == 0 && t == 1795595400000LL);
    CHECK(crier_feed_parse_rfc822("25 Nov 2026 08:30 GMT", &t) == 0 && t == 1795595400000LL);
    CHECK(crier_feed_parse_rfc822("Wed, 25 Nov 26 03:30:00 EST", &t) == 0 && t == 1795595400000LL);
    CHECK(crier_feed_parse_date("2026-11-25T08:30:00Z", &t) == 0 && t == 1795595400000LL);
    CHECK(crier_feed_parse_date("yesterday", &t) != 0);
    CHECK(crier_feed_parse_rfc822("Wed, 32 Nov 2026 09:30:00 GMT", &t) != 0);
    CHECK(crier_feed_parse_rfc822("Wed, 25 Foo 2026 09:30:00 GMT", &t) != 0);
}

int main(void)
{
    RUN(rss2);
    RUN(atom);
    RUN(billion_laughs_refused);
    RUN(external_entity_refused);
    RUN(invalid_utf8_rejected);
    RUN(truncated_rejected);
    RUN(not_a_feed);
    RUN(limits);
    RUN(rfc822_dates);
    return check_summary();
}
