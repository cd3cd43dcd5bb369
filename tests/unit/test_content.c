/* test_content.c - the item model and the local content format (content/content.c). */
#include "content/content.h"
#include "base/timeutil.h"
#include "check.h"
#include "testutil.h"

#include <stdlib.h>

static size_t count_kind(const crier_item_list *l, crier_item_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < l->count; i++)
        n += l->items[i].kind == k;
    return n;
}

TEST(demo_file)
{
    char path[1100], dir[1024], err[256] = "";
    snprintf(dir, sizeof dir, "%.1000s/assets/demo", source_tree());
    snprintf(path, sizeof path, "%s/content.json", dir);
    size_t len = 0;
    char *buf = read_file(path, 0, &len);
    CHECK(buf != NULL);
    if (!buf)
        return;
    crier_item_list l;
    CHECK_INT_EQ(crier_content_parse(buf, len, "demo", dir, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(count_kind(&l, CRIER_ITEM_POST), 3);
    CHECK_INT_EQ(count_kind(&l, CRIER_ITEM_EVENT), 4);
    CHECK_INT_EQ(count_kind(&l, CRIER_ITEM_TICKER), 3);
    CHECK_INT_EQ(l.count, 10);
    const crier_item *p = &l.items[0];
    CHECK_STR_EQ(p->id, "open-house");
    CHECK_STR_EQ(p->source, "demo");
    CHECK_STR_EQ(p->title, "Town Hall open house this Saturday");
    CHECK(p->body && strstr(p->body, "\n\n") != NULL);
    CHECK_INT_EQ(p->duration_ms, 12000);
    CHECK_INT_EQ(p->weight, 1);
    char img[1100];
    snprintf(img, sizeof img, "%s/town-hall.png", dir);
    CHECK_STR_EQ(p->image, img);
    CHECK_STR_EQ(p->link, "https://example.org/open-house");
    /* Every item has an id and a source. */
    for (size_t i = 0; i < l.count; i++)
        CHECK(l.items[i].id && l.items[i].source);
    /* First event. */
    const crier_item *e = &l.items[3];
    CHECK_INT_EQ(e->kind, CRIER_ITEM_EVENT);
    CHECK_STR_EQ(e->id, "council-meeting");
    CHECK_STR_EQ(e->location, "Council chamber, Town Hall");
    int64_t want;
    CHECK_INT_EQ(crier_parse_iso8601("2027-12-02T18:30:00Z", &want), 0);
    CHECK_INT_EQ(e->starts_ms, want);
    CHECK(e->ends_ms > e->starts_ms);
    /* Ticker lines: body only, generated ids. */
    const crier_item *t = &l.items[7];
    CHECK_INT_EQ(t->kind, CRIER_ITEM_TICKER);
    CHECK_STR_EQ(t->id, "ticker-0");
    CHECK(t->title == NULL);
    CHECK(t->body && strstr(t->body, "Mill Street"));
    crier_item_list_clear(&l);
    free(buf);
}

typedef struct bad_doc {
    const char *what;
    const char *json;
    crier_err rc;
    const char *must; /* substring of the message */
} bad_doc;

static const bad_doc bad_docs[] = {
    {"malformed JSON", "{\"posts\": [", CRIER_ERR_PARSE, "malformed JSON"},
    {"trailing garbage", "{\"posts\": []} x", CRIER_ERR_PARSE, "malformed JSON"},
    {"empty input", "", CRIER_ERR_PARSE, "malformed JSON"},
    {"not an object", "[1,2]", CRIER_ERR_PARSE, "JSON object"},
    {"posts not array", "{\"posts\": {}}", CRIER_ERR_PARSE, "\"posts\" must be an array"},
    {"events not array", "{\"events\": 3}", CRIER_ERR_PARSE, "\"events\" must be an array"},
    {"post not object", "{\"posts\": [\"x\"]}", CRIER_ERR_PARSE, "posts[0]: expected an object"},
    {"title not string", "{\"posts\": [{\"title\": 5}]}", CRIER_ERR_PARSE, "posts[0].title: expected a string"},
    {"body not string", "{\"posts\": [{\"title\": \"a\"}, {\"title\": \"b\", \"body\": []}]}", CRIER_ERR_PARSE,
     "posts[1].body"},
    {"missing title", "{\"posts\": [{\"id\": \"a\", \"body\": \"text\"}]}", CRIER_ERR_PARSE, "posts[0]: needs"},
    {"empty title", "{\"posts\": [{\"title\": \"\"}]}", CRIER_ERR_PARSE, "posts[0]: needs"},
    {"event without starts", "{\"events\": [{\"title\": \"x\"}]}", CRIER_ERR_PARSE, "events[0]: an event needs"},
    {"bad date", "{\"events\": [{\"title\": \"x\", \"starts\": \"next tuesday\"}]}", CRIER_ERR_PARSE,
     "events[0].starts"},
    {"out of range date", "{\"events\": [{\"title\": \"x\", \"starts\": \"2027-13-01T10:00:00Z\"}]}",
     CRIER_ERR_PARSE, "events[0].starts"},
    {"date as number", "{\"posts\": [{\"title\": \"x\", \"valid_until\": 1700000000}]}", CRIER_ERR_PARSE,
     "posts[0].valid_until"},
    {"duration wrong type", "{\"posts\": [{\"title\": \"x\", \"duration_s\": \"10\"}]}", CRIER_ERR_PARSE,
     "posts[0].duration_s"},
    {"duration zero", "{\"posts\": [{\"title\": \"x\", \"duration_s\": 0}]}", CRIER_ERR_PARSE,
     "posts[0].duration_s"},
    {"priority out of range", "{\"posts\": [{\"title\": \"x\", \"priority\": 1000}]}", CRIER_ERR_PARSE,
     "posts[0].priority"},
    {"ticker not string", "{\"ticker\": [\"ok\", {\"t\": 1}]}", CRIER_ERR_PARSE, "ticker[1]"},
};

TEST(bad_documents)
{
    for (size_t i = 0; i < sizeof bad_docs / sizeof bad_docs[0]; i++) {
        const bad_doc *d = &bad_docs[i];
        char err[256] = "";
        crier_item_list l = {(crier_item *)1, 99, 99}; /* garbage: parse must reset it */
        crier_err rc = crier_content_parse(d->json, strlen(d->json), "t", NULL, &l, err, sizeof err);
        if (rc != d->rc || !strstr(err, d->must) || l.count != 0 || l.items != NULL) {
            fprintf(stderr, "    case '%s': rc=%d (want %d) err=\"%s\" count=%zu\n", d->what, rc, d->rc, err,
                    l.count);
            check_current_failed = 1;
        }
        crier_item_list_clear(&l);
    }
}

/* An error after good items leaves the list empty (the caller keeps old content). */
TEST(error_after_good_items_leaves_empty)
{
    const char *json = "{\"posts\": [{\"title\": \"a\"}, {\"title\": \"b\"}],"
                       " \"events\": [{\"title\": \"e\"}]}";
    char err[256];
    crier_item_list l;
    CHECK_INT_EQ(crier_content_parse(json, strlen(json), "t", NULL, &l, err, sizeof err), CRIER_ERR_PARSE);
    CHECK_INT_EQ(l.count, 0);
    CHECK(l.items == NULL);
    /* err may be NULL */
    CHECK_INT_EQ(crier_content_parse(json, strlen(json), "t", NULL, &l, NULL, 0), CRIER_ERR_PARSE);
}

TEST(too_many_items)
{
    size_t n = CRIER_CONTENT_MAX_ITEMS + 1;
    char *json = malloc(n * 6 + 32);
    size_t at = (size_t)sprintf(json, "{\"ticker\": [");
    for (size_t i = 0; i < n; i++)
        at += (size_t)sprintf(json + at, "%s\"t\"", i ? "," : "");
    at += (size_t)sprintf(json + at, "]}");
    char err[256] = "";
    crier_item_list l;
    CHECK_INT_EQ(crier_content_parse(json, at, "t", NULL, &l, err, sizeof err), CRIER_ERR_LIMIT);
    CHECK(strstr(err, "more than") != NULL);
    CHECK_INT_EQ(l.count, 0);
    /* Exactly the limit is fine, counted across arrays. */
    json[at - 6] = ']', json[at - 5] = '}';
    CHECK_INT_EQ(crier_content_parse(json, at - 4, "t", NULL, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, CRIER_CONTENT_MAX_ITEMS);
    crier_item_list_clear(&l);
    free(json);
}

TEST(too_long_strings)
{
    size_t n = CRIER_CONTENT_MAX_STRING + 1;
    char *json = malloc(n + 64);
    size_t at = (size_t)sprintf(json, "{\"posts\": [{\"title\": \"t\", \"body\": \"");
    memset(json + at, 'b', n);
    at += n;
    at += (size_t)sprintf(json + at, "\"}]}");
    char err[256] = "";
    crier_item_list l;
    CHECK_INT_EQ(crier_content_parse(json, at, "t", NULL, &l, err, sizeof err), CRIER_ERR_LIMIT);
    CHECK(strstr(err, "posts[0].body") != NULL);
    CHECK_INT_EQ(l.count, 0);
    free(json);

    json = malloc(n + 64);
    at = (size_t)sprintf(json, "{\"ticker\": [\"");
    memset(json + at, 'b', n);
    at += n;
    at += (size_t)sprintf(json + at, "\"]}");
    CHECK(crier_content_parse(json, at, "t", NULL, &l, err, sizeof err) != CRIER_OK);
    CHECK(strstr(err, "ticker[0]") != NULL);
    CHECK_INT_EQ(l.count, 0);
    free(json);
}

TEST(too_big_input)
{
    char err[256] = "";
    crier_item_list l;
    /* The length check happens before reading: no need for a real 8 MiB buffer. */
    static const char tiny[] = "{}";
    CHECK_INT_EQ(crier_content_parse(tiny, CRIER_CONTENT_MAX_BYTES + 1u, "t", NULL, &l, err, sizeof err),
                 CRIER_ERR_LIMIT);
    CHECK(strstr(err, "bytes") != NULL);
    CHECK_INT_EQ(l.count, 0);
}

TEST(image_paths)
{
    const char *json = "{\"posts\": ["
                       "{\"title\": \"rel\", \"image\": \"img/a.png\"},"
                       "{\"title\": \"abs\", \"image\": \"/srv/b.png\"},"
                       "{\"title\": \"url\", \"image\": \"https://example.org/c.png\"},"
                       "{\"title\": \"none\", \"image\": null}]}";
    char err[256] = "";
    crier_item_list l;
    CHECK_INT_EQ(crier_content_parse(json, strlen(json), NULL, "/data/content", &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, 4);
    if (l.count == 4) {
        CHECK_STR_EQ(l.items[0].image, "/data/content/img/a.png");
        CHECK_STR_EQ(l.items[1].image, "/srv/b.png");
        CHECK_STR_EQ(l.items[2].image, "https://example.org/c.png");
        CHECK(l.items[3].image == NULL);
        CHECK_STR_EQ(l.items[0].source, "local"); /* default source name */
        CHECK_STR_EQ(l.items[1].id, "post-1");    /* generated id */
    }
    crier_item_list_clear(&l);
    /* No base dir: kept as given. */
    CHECK_INT_EQ(crier_content_parse(json, strlen(json), "x", NULL, &l, err, sizeof err), CRIER_OK);
    if (l.count == 4)
        CHECK_STR_EQ(l.items[0].image, "img/a.png");
    crier_item_list_clear(&l);
}

TEST(fields_and_windows)
{
    const char *json = "{\"posts\": [{\"id\": \"p\", \"title\": \"T\", \"lang\": \"fr\", \"priority\": -5,"
                       " \"weight\": 3, \"valid_from\": \"2027-01-01T00:00:00Z\","
                       " \"valid_until\": \"2027-01-02T00:00:00+01:00\"}],"
                       " \"events\": [{\"id\": \"e\", \"title\": \"E\", \"starts\": \"2027-01-05T10:00:00Z\"},"
                       "              {\"id\": \"f\", \"title\": \"F\", \"starts\": \"2027-01-05T10:00:00Z\","
                       "               \"ends\": \"2027-01-05T12:00:00Z\"}]}";
    char err[256] = "";
    crier_item_list l;
    CHECK_INT_EQ(crier_content_parse(json, strlen(json), "s", NULL, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.count, 3);
    if (l.count != 3)
        return;
    const crier_item *p = &l.items[0], *e = &l.items[1], *f = &l.items[2];
    CHECK_STR_EQ(p->lang, "fr");
    CHECK_INT_EQ(p->priority, -5);
    CHECK_INT_EQ(p->weight, 3);
    CHECK_INT_EQ(p->duration_ms, 0);
    int64_t from, until, starts, ends;
    crier_parse_iso8601("2027-01-01T00:00:00Z", &from);
    crier_parse_iso8601("2027-01-01T23:00:00Z", &until);
    crier_parse_iso8601("2027-01-05T10:00:00Z", &starts);
    crier_parse_iso8601("2027-01-05T12:00:00Z", &ends);
    CHECK_INT_EQ(p->valid_from_ms, from);
    CHECK_INT_EQ(p->valid_until_ms, until);
    /* The window is [from, until). */
    CHECK(!crier_item_is_current(p, from - 1));
    CHECK(crier_item_is_current(p, from));
    CHECK(crier_item_is_current(p, until - 1));
    CHECK(!crier_item_is_current(p, until));
    /* An event without an end stops being current when it starts... */
    CHECK(crier_item_is_current(e, starts - 1));
    CHECK(!crier_item_is_current(e, starts));
    /* ...one with an end when it ends. */
    CHECK(crier_item_is_current(f, starts + 1));
    CHECK(crier_item_is_current(f, ends - 1));
    CHECK(!crier_item_is_current(f, ends));
    /* An unbounded post is always current. */
    crier_item u = {.kind = CRIER_ITEM_POST};
    CHECK(crier_item_is_current(&u, 0));
    CHECK(crier_item_is_current(&u, INT64_MAX));
    crier_item_list_clear(&l);
}

TEST(copy_and_lists)
{
    crier_item a = {.kind = CRIER_ITEM_EVENT, .priority = 7, .starts_ms = 42};
    a.id = crier_strdup("id");
    a.title = crier_strdup("title");
    a.location = crier_strdup("here");
    crier_item b;
    CHECK_INT_EQ(crier_item_copy(&b, &a), CRIER_OK);
    CHECK(b.id != a.id);
    CHECK_STR_EQ(b.id, "id");
    CHECK_STR_EQ(b.location, "here");
    CHECK(b.body == NULL);
    CHECK_INT_EQ(b.starts_ms, 42);
    CHECK_INT_EQ(b.priority, 7);

    crier_item_list *l = crier_item_list_new();
    CHECK(l != NULL);
    for (int i = 0; i < 40; i++) { /* grows past the first capacity */
        crier_item c;
        CHECK_INT_EQ(crier_item_copy(&c, &a), CRIER_OK);
        CHECK_INT_EQ(crier_item_list_take(l, &c), CRIER_OK);
        CHECK(c.id == NULL); /* taken: zeroed */
    }
    CHECK_INT_EQ(crier_item_list_take(l, &b), CRIER_OK);
    CHECK_INT_EQ(l->count, 41);
    crier_item_list copy;
    CHECK_INT_EQ(crier_item_list_copy(&copy, l), CRIER_OK);
    CHECK_INT_EQ(copy.count, 41);
    CHECK(copy.items[5].title != l->items[5].title);
    CHECK_STR_EQ(copy.items[5].title, "title");
    crier_item_list_clear(&copy);
    CHECK_INT_EQ(copy.count, 0);
    crier_item_list_free_void(l);
    crier_item_list_free(NULL);
    crier_item_clear(&a);
    CHECK(a.id == NULL);
    crier_item_clear(NULL);
    CHECK(crier_strdup(NULL) == NULL);
}

int main(void)
{
    RUN(demo_file);
    RUN(bad_documents);
    RUN(error_after_good_items_leaves_empty);
    RUN(too_many_items);
    RUN(too_long_strings);
    RUN(too_big_input);
    RUN(image_paths);
    RUN(fields_and_windows);
    RUN(copy_and_lists);
    return check_summary();
}
