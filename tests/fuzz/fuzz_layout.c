/* fuzz_layout.c - libFuzzer harness for screen layouts (crier_layout_parse), then
 * zone rectangles and font scaling on a few screen sizes.  See fuzz_common.h. */
#include "fuzz_common.h"

#include "screen/layout.h"

static int fuzz_layout_one(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    static const int sizes[][2] = {{1920, 1080}, {1080, 1920}, {1, 1}, {7680, 4320}};
    crier_layout l;
    char err[256] = "";
    if (crier_layout_parse((const char *)data, size, &l, err, sizeof err) != CRIER_OK) {
        FUZZ_ASSERT(err[0] != '\0');
        return 0;
    }
    FUZZ_ASSERT(l.n_zones >= 0 && l.n_zones <= CRIER_LAYOUT_MAX_ZONES);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int w = sizes[s][0], h = sizes[s][1];
        for (int i = 0; i < l.n_zones; i++) {
            const crier_zone *z = &l.zones[i];
            crier_rect r = crier_layout_zone_rect(z, w, h);
            /* a zone never leaves the screen */
            FUZZ_ASSERT(r.x >= 0 && r.y >= 0 && r.w >= 0 && r.h >= 0);
            FUZZ_ASSERT(r.x + r.w <= w && r.y + r.h <= h);
            FUZZ_ASSERT(crier_layout_px(&l, z->body_px, h) >= 1);
            FUZZ_ASSERT(crier_layout_px(&l, z->title_px, h) >= 1);
        }
        (void)crier_layout_find(&l, CRIER_ZONE_TICKER);
    }
    return 0;
}

CRIER_FUZZ_ENTRY(fuzz_layout_one)
