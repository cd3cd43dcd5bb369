/* test_html_text.c - HTML and untrusted text to display text. */
#include "check.h"
#include "feed_testutil.h"

#include "feeds/html_text.h"

#include <stdlib.h>
#include <string.h>

static char *h(const char *html, unsigned flags)
{
    return crier_html_to_text(html, strlen(html), 0, flags, NULL);
}

#define CHECK_HTML(in, flags, want)                                                                                \
    do {                                                                                                           \
        char *got_ = h(in, flags);                                                                                 \
        CHECK_STR_EQ(got_, want);                                                                                  \
        free(got_);                                                                                                \
    } while (0)

TEST(paragraphs_and_breaks)
{
    CHECK_HTML("<p>One</p><p>Two<br>lines<br/>here</p>", 0, "One\n\nTwo\nlines\nhere");
    CHECK_HTML("  <div>\n  spaced   out \t text </div>  ", 0, "spaced out text");
    CHECK_HTML("a<br><br><br><br>b", 0, "a\n\nb");
    CHECK_HTML("<ul><li>one</li><li>two</li></ul>after", 0, "\xE2\x80\xA2 one\n\xE2\x80\xA2 two\n\nafter");
    CHECK_HTML("<h1>Title</h1>Body", 0, "Title\n\nBody");
    CHECK_HTML("", 0, "");
    CHECK_HTML("<p></p><div> </div>", 0, "");
}

TEST(entities)
{
    CHECK_HTML("Tom &amp; Jerry &lt;3 &quot;x&quot; &apos;y&#39;", 0, "Tom & Jerry <3 \"x\" 'y'");
    CHECK_HTML("caf&eacute; &euro;5 &hellip;", 0, "caf\xC3\xA9 \xE2\x82\xAC" "5 \xE2\x80\xA6");
    CHECK_HTML("&#233;&#x1F600;&#X41;", 0, "\xC3\xA9\xF0\x9F\x98\x80" "A");
    CHECK_HTML("bad &#0; &#xD800; &#1114112; ok", 0, "bad \xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD ok");
    CHECK_HTML("&#150;", 0, "\xE2\x80\x93"); /* Windows-1252 range like browsers */
    CHECK_HTML("AT&T & co &unknown; &", 0, "AT&T & co &unknown; &");
    CHECK_HTML("a&nbsp;b", 0, "a b");
    CHECK_HTML("soft&shy;hyphen", 0, "softhyphen");
}

TEST(dropped_content)
{
    CHECK_HTML("a<script>alert('<p>x</p>')</script>b", 0, "ab");
    CHECK_HTML("a<STYLE type=text/css>p{color:red}</STYLE>b", 0, "ab");
    CHECK_HTML("<head><title>t</title></head><body>x</body>", 0, "x");
    CHECK_HTML("a<!-- comment <p> -->b", 0, "ab");
    CHECK_HTML("a<svg><text>no</text></svg>b", 0, "ab");
    CHECK_HTML("<script>never closed", 0, "");
    CHECK_HTML("x < y and 3<4", 0, "x < y and 3<4");
    CHECK_HTML("unterminated <b", 0, "unterminated");
    CHECK_HTML("<![CDATA[raw <text>]]>", 0, "raw");
}

TEST(links)
{
    CHECK_HTML("see <a href=\"https://x.example/a\">the plan</a>.", 0, "see the plan.");
    CHECK_HTML("see <a href=\"https://x.example/a\">the plan</a>.", CRIER_HTML_LINK_URLS,
               "see the plan (https://x.example/a).");
    CHECK_HTML("<a href=\"https://x.example/a?b=1&amp;c=2\">go</a>", CRIER_HTML_LINK_URLS,
               "go (https://x.example/a?b=1&c=2)");
    /* text already showing the URL, hashtags and mentions get no URL */
    CHECK_HTML("<a href=\"https://x.example/a\">x.example/a</a>", CRIER_HTML_LINK_URLS, "x.example/a");
    CHECK_HTML("<a href=\"https://m.example/tags/snow\">#<span>snow</span></a>", CRIER_HTML_LINK_URLS, "#snow");
    CHECK_HTML("<a href=\"javascript:alert(1)\">click</a>", CRIER_HTML_LINK_URLS, "click");
    /* Mastodon's shortened links */
    CHECK_HTML("<a href=\"https://city.example/snow-plan-2026\"><span class=\"invisible\">https://</span>"
               "<span class=\"ellipsis\">city.example/snow-pla</span><span class=\"invisible\">n-2026</span></a>",
               CRIER_HTML_LINK_URLS, "city.example/snow-pla\xE2\x80\xA6");
}

TEST(invalid_utf8_replaced)
{
    const char bad[] = "caf\xE9 \xC3\x28 \xED\xA0\x80 \xF4\x90\x80\x80 \xC0\xAF ok \xE2\x82";
    char *t = crier_html_to_text(bad, sizeof bad - 1, 0, 0, NULL);
    CHECK(t != NULL);
    CHECK(utf8_valid(t));
    CHECK(strstr(t, "ok") != NULL);
    CHECK(strstr(t, "\xEF\xBF\xBD") != NULL);
    free(t);
    t = crier_html_clean_text(bad, sizeof bad - 1, 0, 0, NULL);
    CHECK(t && utf8_valid(t) && strstr(t, "ok"));
    free(t);
    /* embedded NUL and control characters vanish */
    const char ctl[] = "a\0b\x01\x1B[31mc";
    t = crier_html_clean_text(ctl, sizeof ctl - 1, 0, 0, NULL);
    CHECK_STR_EQ(t, "ab[31mc");
    free(t);
}

TEST(text_clean_newlines)
{
    char *t = crier_html_clean_text("  line one \r\n\n\n\n line two\n", strlen("  line one \r\n\n\n\n line two\n"), 0, 1, NULL);
    CHECK_STR_EQ(t, "line one\n\nline two");
    free(t);
    t = crier_html_clean_text("a\nb", 3, 0, 0, NULL);
    CHECK_STR_EQ(t, "a b");
    free(t);
}

TEST(output_capped)
{
    /* cap cuts at a character boundary and ends with an ellipsis */
    const char *s = "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"; /* 6 x é */
    int trunc = 0;
    char *t = crier_html_to_text(s, strlen(s), 8, 0, &trunc);
    CHECK(trunc == 1);
    CHECK(strlen(t) <= 8);
    CHECK(utf8_valid(t));
    CHECK_STR_EQ(t, "\xC3\xA9\xC3\xA9\xE2\x80\xA6");
    free(t);
    trunc = 1;
    t = crier_html_to_text("short", 5, 8, 0, &trunc);
    CHECK(trunc == 0);
    CHECK_STR_EQ(t, "short");
    free(t);
}

TEST(ten_megabytes_bounded)
{
    size_t n = 10u * 1024u * 1024u;
    char *big = malloc(n);
    CHECK(big != NULL);
    if (!big)
        return;
    const char *pat = "<p>Lorem <b>ipsum</b> &amp; dolor &#233; <a href=\"https://e.example/x\">sit</a></p>";
    size_t pl = strlen(pat);
    for (size_t i = 0; i < n; i++)
        big[i] = pat[i % pl];
    /* and an unterminated comment / tag soup variant */
    int64_t t0 = crier_mono_ms();
    int trunc = 0;
    char *t = crier_html_to_text(big, n, 4096, CRIER_HTML_LINK_URLS, &trunc);
    int64_t dt = crier_mono_ms() - t0;
    CHECK(t != NULL && strlen(t) <= 4096 && trunc == 1 && utf8_valid(t));
    CHECK(dt < 1000);
    free(t);
    /* no markup at all: the whole 10 MB must be scanned only until the cap */
    memset(big, 'a', n);
    big[0] = '<';
    big[1] = '!';
    big[2] = '-';
    big[3] = '-'; /* comment never closed: skipped to the end in one pass */
    t0 = crier_mono_ms();
    t = crier_html_to_text(big, n, 4096, 0, &trunc);
    dt = crier_mono_ms() - t0;
    CHECK_STR_EQ(t, "");
    CHECK(dt < 2000);
    free(t);
    free(big);
}

int main(void)
{
    RUN(paragraphs_and_breaks);
    RUN(entities);
    RUN(dropped_content);
    RUN(links);
    RUN(invalid_utf8_replaced);
    RUN(text_clean_newlines);
    RUN(output_capped);
    RUN(ten_megabytes_bounded);
    return check_summary();
}
