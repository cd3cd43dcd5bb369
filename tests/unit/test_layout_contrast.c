/* test_layout_contrast.c - every bundled layout meets WCAG 2.2 AA contrast.
 *
 * Reads every .json file in assets/layouts/ and checks each zone's text colours
 * (`color`: body text; `accent`: titles, the clock, event times, the QR
 * caption, the rule under a title) against the zone's background.  The
 * renderer draws accent text as small as the zone's min_px (event times, the
 * "Scan for details" caption), so both colours must reach 4.5:1, the AA level
 * for body text; the 3:1 allowance for large text is not used. */
#include "check.h"
#include "screen/contrast.h"
#include "screen/layout.h"
#include "testutil.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#define MIN_RATIO CRIER_CONTRAST_AA_BODY

/* Number of text/background pairs of l under MIN_RATIO; each is reported. */
static int low_contrast_pairs(const char *file, const crier_layout *l)
{
    static const char *const types[] = {"header", "posts", "events", "ticker"};
    int bad = 0;
    for (int i = 0; i < l->n_zones; i++) {
        const crier_zone *z = &l->zones[i];
        const struct {
            const char *what;
            crier_rgba fg;
        } pairs[] = {{"color", z->color}, {"accent", z->accent}};
        for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
            double r = crier_contrast_ratio_rgba(pairs[k].fg, z->background);
            int ok = r >= MIN_RATIO && crier_contrast_meets_aa(r, 0);
            printf("  %-16s %-7s %-6s on background: %5.2f:1 %s\n", file, types[z->type], pairs[k].what, r,
                   ok ? "ok" : "BELOW 4.5:1");
            bad += !ok;
        }
    }
    return bad;
}

TEST(every_bundled_layout_meets_aa)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%.900s/assets/layouts", source_tree());
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    int layouts = 0, zones = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%.200s", dir, e->d_name);
        size_t len = 0;
        char *buf = read_file(path, CRIER_LAYOUT_MAX_BYTES, &len);
        CHECK(buf != NULL);
        if (!buf)
            continue;
        crier_layout l;
        char err[256] = "";
        crier_err rc = crier_layout_parse(buf, len, &l, err, sizeof err);
        free(buf);
        if (rc != CRIER_OK)
            fprintf(stderr, "  %s: %s\n", e->d_name, err);
        CHECK_INT_EQ(rc, CRIER_OK);
        if (rc != CRIER_OK)
            continue;
        layouts++;
        zones += l.n_zones;
        CHECK_INT_EQ(low_contrast_pairs(e->d_name, &l), 0);
    }
    closedir(d);
    /* default, portrait and fulltext at least. */
    CHECK(layouts >= 3);
    CHECK(zones >= 6);
}

/* The check can fail: a grey (#999) on white, readable to many, is 2.85:1. */
TEST(low_contrast_is_caught)
{
    static const char text[] =
        "{\"name\":\"weak\",\"reference\":{\"width\":1920,\"height\":1080},\"background\":\"#ffffff\","
        "\"zones\":[{\"type\":\"posts\",\"rect\":[0,0,1,1],\"background\":\"#ffffff\","
        "\"color\":\"#1a1a1a\",\"accent\":\"#999999\",\"title_px\":72,\"body_px\":44,\"min_px\":30,"
        "\"padding_px\":40}]}";
    crier_layout l;
    char err[256];
    CHECK_INT_EQ(crier_layout_parse(text, sizeof text - 1, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(low_contrast_pairs("(inline)", &l), 1);
    /* A translucent accent is composited first: white at 50 % on navy fails too. */
    static const char translucent[] =
        "{\"name\":\"t\",\"reference\":{\"width\":1920,\"height\":1080},\"background\":\"#000000\","
        "\"zones\":[{\"type\":\"ticker\",\"rect\":[0,0,1,1],\"background\":\"#0b3d6e\","
        "\"color\":\"#ffffff\",\"accent\":\"#ffffff40\",\"title_px\":36,\"body_px\":36,\"min_px\":28,"
        "\"padding_px\":40}]}";
    CHECK_INT_EQ(crier_layout_parse(translucent, sizeof translucent - 1, &l, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(low_contrast_pairs("(inline)", &l), 1);
}

int main(void)
{
    RUN(every_bundled_layout_meets_aa);
    RUN(low_contrast_is_caught);
    return check_summary();
}
