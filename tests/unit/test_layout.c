/* test_layout.c - layout parsing and zone maths (screen/layout.c). */
#include "screen/layout.h"
#include "check.h"
#include "testutil.h"

#include <stdlib.h>

static crier_err load(const char *name, crier_layout *l, char *err, size_t err_len)
{
    char path[1024];
    snprintf(path, sizeof path, "%.900s/assets/layouts/%.64s", source_tree(), name);
    size_t len;
    char *buf = read_file(path, 0, &len);
    if (!buf) {
        snprintf(err, err_len, "cannot read %.200s", path);
        return CRIER_ERR_IO;
    }
    crier_err rc = crier_layout_parse(buf, len, l, err, err_len);
    free(buf);
    return rc;
}

/* Zones of a layout tile the screen: no overlap, full coverage (pixel count). */
static int tiles_screen(const crier_layout *l, int w, int h)
{
    long area = 0;
    for (int i = 0; i < l->n_zones; i++) {
        crier_rect r = crier_layout_zone_rect(&l->zones[i], w, h);
        if (r.x < 0 || r.y < 0 || r.w <= 0 || r.h <= 0 || r.x + r.w > w || r.y + r.h > h)
            return 0;
        area += (long)r.w * r.h;
        for (int j = 0; j < i; j++) {
            crier_rect q = crier_layout_zone_rect(&l->zones[j], w, h);
            if (r.x < q.x + q.w && q.x < r.x + r.w && r.y < q.y + q.h && q.y < r.y + r.h)
                return 0;
        }
    }
    return area == (long)w * h;
}

TEST(default_layout)
{
    char err[256] = "";
    crier_layout l;
    CHECK_INT_EQ(load("default.json", &l, err, sizeof err), CRIER_OK);
    CHECK_STR_EQ(l.name, "town-hall");
    CHECK_INT_EQ(l.ref_width, 1920);
    CHECK_INT_EQ(l.ref_height, 1080);
    CHECK_INT_EQ(l.n_zones, 4);
    CHECK(l.background.r == 0x0b && l.background.g == 0x1f && l.background.b == 0x33 && l.background.a == 255);
    const crier_zone *hdr = crier_layout_find(&l, CRIER_ZONE_HEADER);
    const crier_zone *posts = crier_layout_find(&l, CRIER_ZONE_POSTS);
    const crier_zone *events = crier_layout_find(&l, CRIER_ZONE_EVENTS);
    const crier_zone *ticker = crier_layout_find(&l, CRIER_ZONE_TICKER);
    CHECK(hdr && posts && events && ticker);
    if (!hdr || !posts || !events || !ticker)
        return;
    CHECK_STR_EQ(events->name, "events");
    CHECK_INT_EQ(events->max_items, 5);
    CHECK(posts->title_px == 72 && posts->body_px == 44 && posts->min_px == 30 && posts->padding_px == 56);
    CHECK(ticker->background.r == 0xff && ticker->background.g == 0xd1 && ticker->background.b == 0x66);

    /* 1920x1080: the reference size. */
    crier_rect r = crier_layout_zone_rect(hdr, 1920, 1080);
    CHECK_INT_EQ(r.x, 0);
    CHECK_INT_EQ(r.y, 0);
    CHECK_INT_EQ(r.w, 1920);
    CHECK_INT_EQ(r.h, 120);
    r = crier_layout_zone_rect(posts, 1920, 1080);
    CHECK_INT_EQ(r.x, 0);
    CHECK_INT_EQ(r.y, 120);
    CHECK_INT_EQ(r.w, 1306); /* 0.68 * 1920 = 1305.6 */
    CHECK_INT_EQ(r.h, 880);  /* round(0.9259*1080) - 120 */
    r = crier_layout_zone_rect(events, 1920, 1080);
    CHECK_INT_EQ(r.x, 1306);
    CHECK_INT_EQ(r.w, 614);
    r = crier_layout_zone_rect(ticker, 1920, 1080);
    CHECK_INT_EQ(r.y, 1000);
    CHECK_INT_EQ(r.h, 80);
    CHECK(tiles_screen(&l, 1920, 1080));
    CHECK(tiles_screen(&l, 1280, 720));
    CHECK(tiles_screen(&l, 1366, 768));

    /* px scaling: identity at the reference height, proportional elsewhere, >= 1. */
    CHECK_INT_EQ(crier_layout_px(&l, 44, 1080), 44);
    CHECK_INT_EQ(crier_layout_px(&l, 44, 720), 29); /* 29.33 */
    CHECK_INT_EQ(crier_layout_px(&l, 72, 2160), 144);
    CHECK_INT_EQ(crier_layout_px(&l, 4, 100), 1);   /* 0.37 -> at least 1 */
    CHECK_INT_EQ(crier_layout_px(&l, 0.1, 1080), 1);
}

TEST(portrait_layout)
{
    char err[256] = "";
    crier_layout l;
    CHECK_INT_EQ(load("portrait.json", &l, err, sizeof err), CRIER_OK);
    CHECK_STR_EQ(l.name, "corridor-portrait");
    CHECK_INT_EQ(l.ref_width, 1080);
    CHECK_INT_EQ(l.ref_height, 1920);
    CHECK_INT_EQ(l.n_zones, 4);
    const crier_zone *hdr = crier_layout_find(&l, CRIER_ZONE_HEADER);
    const crier_zone *posts = crier_layout_find(&l, CRIER_ZONE_POSTS);
    const crier_zone *events = crier_layout_find(&l, CRIER_ZONE_EVENTS);
    CHECK(hdr && posts && events);
    if (!hdr || !posts || !events)
        return;
    crier_rect r = crier_layout_zone_rect(hdr, 1080, 1920);
    CHECK_INT_EQ(r.w, 1080);
    CHECK_INT_EQ(r.h, 140); /* 0.0729 * 1920 = 139.97 */
    r = crier_layout_zone_rect(posts, 1080, 1920);
    CHECK_INT_EQ(r.y, 140);
    CHECK_INT_EQ(r.w, 1080);
    CHECK_INT_EQ(r.h, 1100); /* round(0.6458*1920)=1240 - 140 */
    r = crier_layout_zone_rect(events, 1080, 1920);
    CHECK_INT_EQ(r.y, 1240);
    CHECK_INT_EQ(events->max_items, 3);
    CHECK(tiles_screen(&l, 1080, 1920));
    CHECK(tiles_screen(&l, 720, 1280));
    CHECK_INT_EQ(crier_layout_px(&l, 48, 1920), 48);
    CHECK_INT_EQ(crier_layout_px(&l, 48, 1280), 32);
}

TEST(defaults_and_colours)
{
    const char *json = "{\"reference\": {\"width\": 800, \"height\": 600}, \"background\": \"#10203040\","
                       " \"zones\": [{\"type\": \"posts\", \"rect\": [0.1, 0.1, 0.8, 0.8], \"color\": \"#ABCDEF\"}]}";
    char err[256] = "";
    crier_layout l;
    CHECK_INT_EQ(crier_layout_parse(json, strlen(json), &l, err, sizeof err), CRIER_OK);
    CHECK_STR_EQ(l.name, "unnamed");
    CHECK(l.background.r == 0x10 && l.background.g == 0x20 && l.background.b == 0x30 && l.background.a == 0x40);
    const crier_zone *z = &l.zones[0];
    CHECK(z->background.r == 0x10 && z->background.a == 0x40); /* inherits the layout background */
    CHECK(z->color.r == 0xab && z->color.g == 0xcd && z->color.b == 0xef && z->color.a == 255);
    CHECK(z->accent.r == 0xab && z->accent.b == 0xef); /* accent defaults to color */
    CHECK(z->title_px == 64 && z->body_px == 40 && z->min_px == 24 && z->padding_px == 24);
    CHECK_INT_EQ(z->max_items, 6);
    CHECK(crier_layout_find(&l, CRIER_ZONE_EVENTS) == NULL);
    crier_rect r = crier_layout_zone_rect(z, 1000, 500);
    CHECK(r.x == 100 && r.y == 50 && r.w == 800 && r.h == 400);

    crier_rgba c;
    CHECK_INT_EQ(crier_color_parse("#000000", &c), 0);
    CHECK(c.a == 255);
    CHECK_INT_EQ(crier_color_parse("#fFfFfF80", &c), 0);
    CHECK(c.r == 255 && c.a == 128);
    CHECK(crier_color_parse("000000", &c) != 0);
    CHECK(crier_color_parse("#00000", &c) != 0);
    CHECK(crier_color_parse("#0000000", &c) != 0);
    CHECK(crier_color_parse("#00000g", &c) != 0);
    CHECK(crier_color_parse("", &c) != 0);
    CHECK(crier_color_parse(NULL, &c) != 0);
}

/* A zone whose rounded edge would pass the screen edge is clamped. */
TEST(rect_clamped)
{
    crier_zone z = {.x = 0.5, .y = 0.5, .w = 0.5001, .h = 0.5001};
    crier_rect r = crier_layout_zone_rect(&z, 10000, 10000);
    CHECK_INT_EQ(r.x + r.w, 10000);
    CHECK_INT_EQ(r.y + r.h, 10000);
}

#define ZONE "{\"type\": \"posts\", \"rect\": [0, 0, 1, 1]}"
#define HEAD "\"reference\": {\"width\": 1920, \"height\": 1080}, \"background\": \"#000000\""

typedef struct bad_layout {
    const char *what, *json;
    crier_err rc;
    const char *must;
} bad_layout;

static const bad_layout bad_layouts[] = {
    {"not JSON", "{", CRIER_ERR_PARSE, "not a JSON object"},
    {"trailing garbage", "{" HEAD ", \"zones\": [" ZONE "]} junk", CRIER_ERR_PARSE, "JSON"},
    {"array", "[]", CRIER_ERR_PARSE, "not a JSON object"},
    {"no reference", "{\"background\": \"#000000\", \"zones\": [" ZONE "]}", CRIER_ERR_PARSE, "\"reference\""},
    {"reference too small", "{\"reference\": {\"width\": 10, \"height\": 1080}, \"background\": \"#000000\","
                            " \"zones\": [" ZONE "]}", CRIER_ERR_PARSE, "\"reference\""},
    {"reference too big", "{\"reference\": {\"width\": 1920, \"height\": 99999}, \"background\": \"#000000\","
                          " \"zones\": [" ZONE "]}", CRIER_ERR_PARSE, "\"reference\""},
    {"reference string", "{\"reference\": {\"width\": \"1920\", \"height\": 1080}, \"background\": \"#000000\","
                         " \"zones\": [" ZONE "]}", CRIER_ERR_PARSE, "\"reference\""},
    {"no background", "{\"reference\": {\"width\": 1920, \"height\": 1080}, \"zones\": [" ZONE "]}",
     CRIER_ERR_PARSE, "\"background\""},
    {"bad background", "{\"reference\": {\"width\": 1920, \"height\": 1080}, \"background\": \"navy\","
                       " \"zones\": [" ZONE "]}", CRIER_ERR_PARSE, "\"background\""},
    {"no zones", "{" HEAD "}", CRIER_ERR_PARSE, "\"zones\""},
    {"empty zones", "{" HEAD ", \"zones\": []}", CRIER_ERR_PARSE, "\"zones\""},
    {"zones object", "{" HEAD ", \"zones\": {}}", CRIER_ERR_PARSE, "\"zones\""},
    {"zone not object", "{" HEAD ", \"zones\": [" ZONE ", 3]}", CRIER_ERR_PARSE, "zone #1"},
    {"unknown zone type", "{" HEAD ", \"zones\": [{\"type\": \"clock\", \"rect\": [0,0,1,1]}]}", CRIER_ERR_PARSE,
     "\"type\""},
    {"missing zone type", "{" HEAD ", \"zones\": [{\"rect\": [0,0,1,1]}]}", CRIER_ERR_PARSE, "\"type\""},
    {"missing rect", "{" HEAD ", \"zones\": [{\"type\": \"posts\"}]}", CRIER_ERR_PARSE, "\"rect\""},
    {"rect of 3", "{" HEAD ", \"zones\": [{\"type\": \"posts\", \"rect\": [0,0,1]}]}", CRIER_ERR_PARSE, "\"rect\""},
    {"rect string", "{" HEAD ", \"zones\": [{\"type\": \"posts\", \"rect\": [0,\"0\",1,1]}]}", CRIER_ERR_PARSE,
     "\"rect\""},
    {"rect negative", "{" HEAD ", \"zones\": [{\"type\": \"posts\", \"rect\": [-0.1,0,1,1]}]}", CRIER_ERR_PARSE,
     "fractions"},
    {"rect in pixels", "{" HEAD ", \"zones\": [{\"type\": \"posts\", \"rect\": [0,0,1920,1080]}]}",
     CRIER_ERR_PARSE, "fractions"},
    {"rect empty", "{" HEAD ", \"zones\": [{\"type\": \"posts\", \"rect\": [0,0,0,1]}]}", CRIER_ERR_PARSE,
     "not be empty"},
    {"rect off screen", "{" HEAD ", \"zones\": [{\"type\": \"posts\", \"rect\": [0.5,0,0.6,1]}]}",
     CRIER_ERR_PARSE, "inside the screen"},
    {"bad zone colour", "{" HEAD ", \"zones\": [{\"type\": \"posts\", \"rect\": [0,0,1,1], \"color\": \"red\"}]}",
     CRIER_ERR_PARSE, "\"color\""},
    {"colour not string", "{" HEAD ", \"zones\": [{\"type\": \"posts\", \"rect\": [0,0,1,1], \"accent\": 5}]}",
     CRIER_ERR_PARSE, "\"accent\""},
    {"font size too small", "{" HEAD ", \"zones\": [{\"type\": \"posts\", \"rect\": [0,0,1,1], \"body_px\": 2}]}",
     CRIER_ERR_PARSE, "\"body_px\""},
    {"font size string", "{" HEAD ", \"zones\": [{\"type\": \"posts\", \"rect\": [0,0,1,1], \"title_px\": \"x\"}]}",
     CRIER_ERR_PARSE, "\"title_px\""},
    {"negative padding", "{" HEAD ", \"zones\": [{\"type\": \"posts\", \"rect\": [0,0,1,1], \"padding_px\": -1}]}",
     CRIER_ERR_PARSE, "\"padding_px\""},
    {"max_items zero", "{" HEAD ", \"zones\": [{\"type\": \"events\", \"rect\": [0,0,1,1], \"max_items\": 0}]}",
     CRIER_ERR_PARSE, "\"max_items\""},
    {"min above body", "{" HEAD ", \"zones\": [{\"type\": \"posts\", \"rect\": [0,0,1,1], \"body_px\": 20,"
                       " \"min_px\": 30}]}", CRIER_ERR_PARSE, "\"min_px\""},
    {"too many zones", "{" HEAD ", \"zones\": [" ZONE "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE
                       "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE
                       "," ZONE "]}", CRIER_ERR_LIMIT, "more than 16 zones"},
};

TEST(bad_layouts)
{
    for (size_t i = 0; i < sizeof bad_layouts / sizeof bad_layouts[0]; i++) {
        const bad_layout *b = &bad_layouts[i];
        char err[256] = "";
        crier_layout l;
        crier_err rc = crier_layout_parse(b->json, strlen(b->json), &l, err, sizeof err);
        if (rc != b->rc || !strstr(err, b->must)) {
            fprintf(stderr, "    case '%s': rc=%d (want %d) err=\"%s\"\n", b->what, rc, b->rc, err);
            check_current_failed = 1;
        }
    }
}

TEST(limits)
{
    char err[256] = "";
    crier_layout l;
    static const char tiny[] = "{}";
    CHECK_INT_EQ(crier_layout_parse(tiny, CRIER_LAYOUT_MAX_BYTES + 1, &l, err, sizeof err), CRIER_ERR_LIMIT);
    CHECK(strstr(err, "larger") != NULL);
    /* Exactly 16 zones is fine. */
    const char *json = "{" HEAD ", \"zones\": [" ZONE "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE
                       "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE "," ZONE "]}";
    CHECK_INT_EQ(crier_layout_parse(json, strlen(json), &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(l.n_zones, 16);
    /* NULL error buffer is allowed. */
    CHECK_INT_EQ(crier_layout_parse("[]", 2, &l, NULL, 0), CRIER_ERR_PARSE);
}

int main(void)
{
    RUN(default_layout);
    RUN(portrait_layout);
    RUN(defaults_and_colours);
    RUN(rect_clamped);
    RUN(bad_layouts);
    RUN(limits);
    return check_summary();
}
