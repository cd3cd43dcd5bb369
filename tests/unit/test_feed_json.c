/* test_feed_json.c - JSON Feed 1.1 and Mastodon statuses, good and hostile. */
#include "check.h"
#include "feed_testutil.h"

#include "feeds/feed.h"

#include <stdlib.h>
#include <string.h>

static crier_feed_opts opts(void)
{
    return feed_opts("social");
}

TEST(jsonfeed)
{
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    CHECK_INT_EQ(parse_fixture("jsonfeed.json", CRIER_FEED_JSONFEED, &o, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, 3); /* the string element is skipped */
    const crier_item *a = find_item(&l, "2026-11-25-mercato");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR_EQ(a->title, "Mercato di Natale");
        CHECK_STR_EQ(a->body, "Il mercato apre sabato.\n\n\xE2\x80\xA2 Piazza Grande\n\xE2\x80\xA2 Via Roma");
        CHECK_STR_EQ(a->image, "https://valfiore.example/img/mercato.jpg");
        CHECK_STR_EQ(a->link, "https://valfiore.example/news/mercato");
        CHECK_STR_EQ(a->lang, "it");
        CHECK_INT_EQ(a->published_ms, 1795597200000LL); /* 09:00Z */
    }
    const crier_item *b = find_item(&l, "42"); /* numeric id (JSON Feed 1.0) */
    CHECK(b != NULL);
    if (b) {
        CHECK_STR_EQ(b->body, "Acqua interrotta\nin via Verdi.");
        CHECK_STR_EQ(b->image, "https://valfiore.example/img/acqua.png");
        CHECK_STR_EQ(b->lang, "de");
        CHECK_INT_EQ(b->published_ms, 1795503600000LL);
    }
    const crier_item *c = find_item(&l, "https://valfiore.example/news/no-id");
    /* no title: the feed's */
    CHECK(c && !strcmp(c->body, "Only a summary & a URL") && c->title && !strcmp(c->title, "Comune di Valfiore"));
    crier_item_list_clear(&l);
}

TEST(jsonfeed_bad)
{
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    const char *notfeed = "{\"items\": []}";
    CHECK_INT_EQ(crier_feed_parse_jsonfeed(notfeed, strlen(notfeed), &o, &l, err, sizeof err), CRIER_ERR_PARSE);
    CHECK(strstr(err, "not a JSON Feed") != NULL);
    const char *trunc = "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[{\"id\":\"1\",\"title\":\"x";
    CHECK_INT_EQ(crier_feed_parse_jsonfeed(trunc, strlen(trunc), &o, &l, err, sizeof err), CRIER_ERR_PARSE);
    CHECK(strstr(err, "malformed or truncated JSON") != NULL);
    /* deep nesting is refused by cJSON's nesting limit, not by the stack */
    size_t n = 200000;
    char *deep = malloc(n + 1);
    memset(deep, '[', n);
    deep[n] = '\0';
    CHECK_INT_EQ(crier_feed_parse_jsonfeed(deep, n, &o, &l, err, sizeof err), CRIER_ERR_PARSE);
    free(deep);
    CHECK_INT_EQ(l.count, 0);
}

TEST(mastodon)
{
    crier_feed_opts o = opts();
    CHECK_INT_EQ(o.include_boosts, 0); /* the default of the source setting `boosts` */
    o.link_urls = 1;
    o.include_boosts = 1;
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    CHECK_INT_EQ(parse_fixture("mastodon.json", CRIER_FEED_MASTODON, &o, &l, err, sizeof err), CRIER_OK);
    /* 1001 kept, 1002 reply dropped, 1003 boost kept, 1004 direct dropped; the
     * custom emoji :cityflag: (display name) and :snowplow: (content) are gone,
     * the times' colons stay */
    CHECK_INT_EQ(l.count, 2);
    const crier_item *a = find_item(&l, "1001");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR_EQ(a->title, "City Hall of Example");
        CHECK_STR_EQ(a->body, "Snow clearing starts tonight at 22:00. Please move your cars from #Main Street.\n\n"
                              "Details: city.example/snow-pla\xE2\x80\xA6");
        CHECK_STR_EQ(a->image, "https://social.example/media/snow.jpg"); /* first *image* attachment */
        CHECK_STR_EQ(a->link, "https://social.example/@cityhall/1001");
        CHECK_STR_EQ(a->lang, "en");
        CHECK_INT_EQ(a->published_ms, 1795597200000LL);
    }
    const crier_item *b = find_item(&l, "1003");
    CHECK(b != NULL);
    if (b) {
        CHECK_STR_EQ(b->title, "@fire@other.example");
        CHECK_STR_EQ(b->body, "Fire drill at the school on Friday.");
        CHECK(b->image == NULL); /* sensitive media never shown */
        CHECK_STR_EQ(b->link, "https://other.example/@fire/555");
    }
    crier_item_list_clear(&l);

    o.include_boosts = 0;
    o.include_replies = 1;
    CHECK_INT_EQ(parse_fixture("mastodon.json", CRIER_FEED_MASTODON, &o, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, 2);
    CHECK(find_item(&l, "1002") != NULL && find_item(&l, "1003") == NULL && find_item(&l, "1004") == NULL);
    crier_item_list_clear(&l);
}

TEST(mastodon_custom_emoji)
{
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    const char *js =
        "[{\"id\":\"1\",\"visibility\":\"public\",\"content\":\"<p>:wave: Hi :wave::wave: at 10:30 :unknown:</p>\","
        "\"emojis\":[{\"shortcode\":\"wave\"}],"
        "\"account\":{\"acct\":\"town@x.example\",\"display_name\":\":flag_a: :flag_b:\","
        "\"emojis\":[{\"shortcode\":\"flag_a\"},{\"shortcode\":\"flag_b\"}]}}]";
    CHECK_INT_EQ(crier_feed_parse_mastodon(js, strlen(js), &o, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, 1);
    if (l.count == 1) {
        CHECK_STR_EQ(l.items[0].title, "@town@x.example"); /* only emoji: the handle */
        CHECK_STR_EQ(l.items[0].body, "Hi at 10:30 :unknown:"); /* listed shortcodes only */
    }
    crier_item_list_clear(&l);
}

TEST(mastodon_bad)
{
    crier_feed_opts o = opts();
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    CHECK_INT_EQ(parse_fixture("truncated.json", CRIER_FEED_MASTODON, &o, &l, err, sizeof err), CRIER_ERR_PARSE);
    CHECK(strstr(err, "truncated JSON") != NULL);
    const char *apierr = "{\"error\":\"Record not found\"}";
    CHECK_INT_EQ(crier_feed_parse_mastodon(apierr, strlen(apierr), &o, &l, err, sizeof err), CRIER_ERR_PARSE);
    CHECK(strstr(err, "Record not found") != NULL);
    CHECK_INT_EQ(l.count, 0);
    /* invalid UTF-8 anywhere: replaced, never passed on */
    CHECK_INT_EQ(parse_fixture("invalid_utf8.json", CRIER_FEED_MASTODON, &o, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, 1);
    if (l.count == 1) {
        CHECK(utf8_valid(l.items[0].body) && utf8_valid(l.items[0].title));
        CHECK(strstr(l.items[0].body, "ok") != NULL);
    }
    crier_item_list_clear(&l);
    /* statuses without ids and non-objects are skipped */
    const char *odd = "[1, \"x\", null, {\"content\":\"<p>no id</p>\"}, {\"id\":\"7\",\"content\":\"<p>ok</p>\"}]";
    CHECK_INT_EQ(crier_feed_parse_mastodon(odd, strlen(odd), &o, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, 1);
    crier_item_list_clear(&l);
}

TEST(mastodon_10mb_html)
{
    crier_feed_opts o = opts();
    size_t n = 10u * 1024u * 1024u;
    char *doc = malloc(n + 512);
    size_t k = (size_t)sprintf(doc, "[{\"id\":\"big\",\"created_at\":\"2026-11-25T09:00:00Z\",\"content\":\"");
    const char *pat = "<p>Paragraph <b>bold</b> &amp; <a href='https://x.example/'>link</a></p>";
    size_t pl = strlen(pat);
    for (size_t i = 0; i < n; i += pl) {
        memcpy(doc + k, pat, pl);
        k += pl;
    }
    k += (size_t)sprintf(doc + k, "\",\"account\":{\"display_name\":\"Big\"},\"media_attachments\":[]}]");
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    long rss0 = peak_rss_kb();
    int64_t t0 = crier_mono_ms();
    CHECK_INT_EQ(crier_feed_parse_mastodon(doc, k, &o, &l, err, sizeof err), CRIER_OK);
    int64_t dt = crier_mono_ms() - t0;
    CHECK(dt < 3000);
    CHECK(peak_rss_kb() - rss0 < 64 * 1024); /* the doc's own copy in cJSON plus a capped body */
    CHECK(l.count == 1 && strlen(l.items[0].body) <= o.max_text && utf8_valid(l.items[0].body));
    fprintf(stderr, "  10 MB status: %lld ms, body %zu bytes\n", (long long)dt, l.count ? strlen(l.items[0].body) : 0);
    crier_item_list_clear(&l);
    free(doc);
}

int main(void)
{
    RUN(jsonfeed);
    RUN(jsonfeed_bad);
    RUN(mastodon);
    RUN(mastodon_custom_emoji);
    RUN(mastodon_bad);
    RUN(mastodon_10mb_html);
    return check_summary();
}
