/* The full-screen alert: drawn headless for each severity, with a TEST band
 * and several languages; checks colours where they must be; long alerts in
 * English, Spanish, Japanese and Arabic, with and without a web link, in
 * landscape and portrait, laid out with the real fonts: every block drawn, no
 * two intersecting; writes PNGs to look at (CRIER_BUILD/render-out/alerts/). */
#include "../unit/check.h"
#include "alerts/alert_style.h"
#include "content/content.h"
#include "alerts/alertview.h"
#include "screen/measure.h"
#include "screen/fontchain.h"

#include <SDL_image.h>
#include <stdlib.h>
#include <sys/stat.h>

static char *dup(const char *s)
{
    return crier_strdup(s);
}

static crier_alert *make_alert(crier_alert_severity sev, crier_alert_status status, int langs)
{
    static const char *const L[][4] = {
        {"en", "Flood warning", "Evacuate the riverside district now",
         "Leave by the east bridge and go to the sports hall on Hill Road. Take medicines and documents."},
        {"de", "Hochwasserwarnung", "Verlassen Sie jetzt das Flussviertel",
         "Nehmen Sie die Ostbr\xC3\xBC""cke zur Sporthalle an der Hill Road."},
        {"ar", "\xD8\xAA\xD8\xAD\xD8\xB0\xD9\x8A\xD8\xB1 \xD9\x85\xD9\x86 \xD8\xA7\xD9\x84\xD9\x81\xD9\x8A\xD8\xB6\xD8\xA7\xD9\x86",
         "\xD8\xA7\xD8\xAE\xD8\xB1\xD8\xAC\xD9\x88\xD8\xA7 \xD9\x85\xD9\x86 \xD8\xAD\xD9\x8A \xD8\xA7\xD9\x84\xD9\x86\xD9\x87\xD8\xB1 \xD8\xA7\xD9\x84\xD8\xA2\xD9\x86",
         "\xD8\xA7\xD8\xB0\xD9\x87\xD8\xA8\xD9\x88\xD8\xA7 \xD8\xA5\xD9\x84\xD9\x89 \xD8\xA7\xD9\x84\xD9\x82\xD8\xA7\xD8\xB9\xD8\xA9 \xD8\xA7\xD9\x84\xD8\xB1\xD9\x8A\xD8\xA7\xD8\xB6\xD9\x8A\xD8\xA9."},
    };
    crier_alert *al = crier_alert_new();
    al->identifier = dup("flood-1");
    al->sender = dup("civil-protection@riverton.example");
    al->sent_ms = 1795687200000LL;
    al->status = status;
    for (int i = 0; i < langs; i++) {
        crier_alert_info *in = crier_alert_add_info(al);
        in->language = dup(L[i][0]);
        in->event = dup(L[i][1]);
        in->headline = dup(L[i][2]);
        in->instruction = dup(L[i][3]);
        in->description = dup("The river is expected to overflow its banks within two hours.");
        in->area_desc = dup("Riverside district");
        in->web = dup("https://riverton.example/flood");
        in->severity = sev;
        in->urgency = CRIER_URGENCY_IMMEDIATE;
        in->expires_ms = al->sent_ms + 6 * 3600 * 1000LL;
    }
    return al;
}

static SDL_Renderer *ren;
static SDL_Surface *surf;
static crier_fonts *fonts;
static crier_text_cache *texts;
static char outdir[1024];

static Uint32 pixel(int x, int y)
{
    return ((Uint32 *)((Uint8 *)surf->pixels + y * surf->pitch))[x] & 0xFFFFFF;
}

static void draw_and_save(crier_alert_list *list, size_t turn, const char *name)
{
    SDL_SetRenderTarget(ren, NULL);
    crier_alertview_draw(ren, texts, fonts, surf->w, surf->h, list, turn);
    SDL_RenderPresent(ren);
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.png", outdir, name);
    IMG_SavePNG(surf, path);
}

TEST(severity_colours)
{
    static const crier_alert_severity sev[] = {CRIER_SEVERITY_EXTREME, CRIER_SEVERITY_SEVERE, CRIER_SEVERITY_MODERATE,
                                               CRIER_SEVERITY_MINOR};
    static const char *names[] = {"extreme", "severe", "moderate", "minor"};
    for (int i = 0; i < 4; i++) {
        crier_alert *al = make_alert(sev[i], CRIER_ALERT_ACTUAL, 1);
        crier_alert_list list = {&al, 1};
        draw_and_save(&list, 0, names[i]);
        crier_alert_palette p = crier_alert_palette_for(sev[i]);
        Uint32 bg = (Uint32)p.background.r << 16 | (Uint32)p.background.g << 8 | p.background.b;
        CHECK_INT_EQ(pixel(2, surf->h / 2), bg);        /* left margin */
        CHECK_INT_EQ(pixel(surf->w - 3, 3), bg);        /* top right corner */
        crier_alert_free(al);
    }
}

TEST(test_band_and_languages)
{
    crier_alert *al = make_alert(CRIER_SEVERITY_SEVERE, CRIER_ALERT_TEST, 3);
    crier_alert *other = make_alert(CRIER_SEVERITY_MINOR, CRIER_ALERT_ACTUAL, 1);
    crier_alert *items[] = {al, other};
    crier_alert_list list = {items, 2};
    draw_and_save(&list, 0, "test-band-en");
    crier_alert_palette p = crier_alert_palette_for(CRIER_SEVERITY_SEVERE);
    Uint32 band = (Uint32)p.band.r << 16 | (Uint32)p.band.g << 8 | p.band.b;
    CHECK_INT_EQ(pixel(2, 2), band);               /* band on top */
    CHECK_INT_EQ(pixel(2, surf->h - 3), band);     /* and at the bottom */
    draw_and_save(&list, 2, "test-band-ar");
    crier_alert_free(al);
    crier_alert_free(other);
    CHECK_INT_EQ(crier_fontchain_missing_count(), 0); /* every glyph of every language there */
}

static const char *const long_texts[][5] = {
    {"en", "Flood warning: evacuate the river district now",
     "Leave the area of Riverside, Mill Street and the old harbour immediately. Go to the sports hall on Hill "
     "Road or to the school on Church Lane; buses wait at the Town Hall. Take medicines, documents and warm "
     "clothes. Do not use cars in the flooded streets, do not walk through water, and help neighbours who need "
     "it. Keep the radio on and follow the instructions of the police and fire brigade.",
     "The river has risen above the dykes at two places and will flood the lower town within hours.",
     "Riverside, Mill Street, Old Harbour, Station Road (south of the railway), Church Lane and the allotments"},
    {"es", "Aviso de inundaci\xC3\xB3n: evac\xC3\xBA""en el barrio del r\xC3\xADo ahora mismo",
     "Abandonen inmediatamente la zona de Riverside, la calle del Molino y el puerto viejo. Dir\xC3\xADjanse al "
     "polideportivo de Hill Road o a la escuela de Church Lane; hay autobuses esperando en el Ayuntamiento. "
     "Lleven medicinas, documentos y ropa de abrigo. No usen el coche en las calles inundadas.",
     "El r\xC3\xADo ha superado los diques en dos lugares.", "Riverside, calle del Molino, puerto viejo"},
    {"ja", "\xE6\xB4\xAA\xE6\xB0\xB4\xE8\xAD\xA6\xE5\xA0\xB1\xEF\xBC\x9A\xE7\x9B\xB4\xE3\x81\xA1\xE3\x81\xAB"
     "\xE9\x81\xBF\xE9\x9B\xA3\xE3\x81\x97\xE3\x81\xA6\xE3\x81\x8F\xE3\x81\xA0\xE3\x81\x95\xE3\x81\x84",
     "\xE5\xB7\x9D\xE6\xB2\xBF\xE3\x81\x84\xE3\x81\xAE\xE5\x9C\xB0\xE5\x8C\xBA\xE3\x81\x8B\xE3\x82\x89"
     "\xE7\x9B\xB4\xE3\x81\xA1\xE3\x81\xAB\xE9\x81\xBF\xE9\x9B\xA3\xE3\x81\x97\xE3\x81\xA6\xE3\x81\x8F"
     "\xE3\x81\xA0\xE3\x81\x95\xE3\x81\x84\xE3\x80\x82\xE4\xBD\x93\xE8\x82\xB2\xE9\xA4\xA8\xE3\x81\xBE"
     "\xE3\x81\x9F\xE3\x81\xAF\xE5\xAD\xA6\xE6\xA0\xA1\xE3\x81\xB8\xE5\x90\x91\xE3\x81\x8B\xE3\x81\xA3"
     "\xE3\x81\xA6\xE3\x81\x8F\xE3\x81\xA0\xE3\x81\x95\xE3\x81\x84\xE3\x80\x82\xE8\x96\xAC\xE3\x80\x81"
     "\xE8\xBA\xAB\xE5\x88\x86\xE8\xA8\xBC\xE6\x98\x8E\xE6\x9B\xB8\xE3\x80\x81\xE6\x9A\x96\xE3\x81\x8B"
     "\xE3\x81\x84\xE6\x9C\x8D\xE3\x82\x92\xE6\x8C\x81\xE3\x81\xA3\xE3\x81\xA6\xE8\xA1\x8C\xE3\x81\xA3"
     "\xE3\x81\xA6\xE3\x81\x8F\xE3\x81\xA0\xE3\x81\x95\xE3\x81\x84\xE3\x80\x82",
     NULL, "\xE5\xB7\x9D\xE6\xB2\xBF\xE3\x81\x84\xE3\x81\xAE\xE5\x9C\xB0\xE5\x8C\xBA"},
    {"ar", "\xD8\xAA\xD8\xAD\xD8\xB0\xD9\x8A\xD8\xB1 \xD9\x85\xD9\x86 \xD8\xA7\xD9\x84\xD9\x81\xD9\x8A\xD8\xB6\xD8\xA7\xD9\x86",
     "\xD8\xA7\xD8\xAE\xD8\xB1\xD8\xAC\xD9\x88\xD8\xA7 \xD9\x85\xD9\x86 \xD8\xAD\xD9\x8A \xD8\xA7\xD9\x84\xD9\x86\xD9\x87\xD8\xB1 "
     "\xD8\xA7\xD9\x84\xD8\xA2\xD9\x86 \xD9\x88\xD8\xA7\xD8\xB0\xD9\x87\xD8\xA8\xD9\x88\xD8\xA7 \xD8\xA5\xD9\x84\xD9\x89 "
     "\xD8\xA7\xD9\x84\xD9\x82\xD8\xA7\xD8\xB9\xD8\xA9 \xD8\xA7\xD9\x84\xD8\xB1\xD9\x8A\xD8\xA7\xD8\xB6\xD9\x8A\xD8\xA9.",
     NULL, "\xD8\xAD\xD9\x8A \xD8\xA7\xD9\x84\xD9\x86\xD9\x87\xD8\xB1"},
};

/* Every block the alert has is drawn, inside the screen, none intersecting. */
static int check_layout(const crier_alert_layout *L, const crier_alert_info *in, int w, int h, int more,
                        const char *what)
{
    const crier_alert_block *B = L->b;
    int ok = 1;
    const int want[CRIER_AB__COUNT] = {
        [CRIER_AB_TOP] = 1, [CRIER_AB_RULE] = 1, [CRIER_AB_LANG] = 1, [CRIER_AB_HEADLINE] = 1,
        [CRIER_AB_INSTRUCTION] = 1, [CRIER_AB_DESCRIPTION] = in->description != NULL,
        [CRIER_AB_QR] = in->web != NULL, [CRIER_AB_AREA] = 1, [CRIER_AB_TIMES] = 1, [CRIER_AB_MORE] = more};
    crier_rect screen = {0, 0, w, h};
    for (int i = 0; i < CRIER_AB__COUNT; i++) {
        if (i > CRIER_AB_BAND_BOTTOM && B[i].shown != want[i]) {
            fprintf(stderr, "  %s: block %d shown %d, want %d\n", what, i, B[i].shown, want[i]);
            ok = 0;
        }
        if (B[i].shown && !crier_rect_inside(B[i].r, screen))
            ok = 0;
        for (int j = i + 1; j < CRIER_AB__COUNT; j++)
            if (B[i].shown && B[j].shown && crier_rect_overlap(B[i].r, B[j].r)) {
                fprintf(stderr, "  %s: blocks %d and %d overlap\n", what, i, j);
                ok = 0;
            }
    }
    return ok;
}

TEST(long_alerts_every_block_drawn_none_overlapping)
{
    static const int sizes[][2] = {{1920, 1080}, {1080, 1920}};
    crier_alert *al = crier_alert_new();
    al->identifier = dup("flood-2");
    al->sender = dup("civil-protection@riverton.example");
    al->sent_ms = 1795687200000LL;
    for (size_t i = 0; i < sizeof long_texts / sizeof long_texts[0]; i++) {
        crier_alert_info *in = crier_alert_add_info(al);
        in->language = dup(long_texts[i][0]);
        in->event = dup("Flood");
        in->headline = dup(long_texts[i][1]);
        in->instruction = dup(long_texts[i][2]);
        in->description = long_texts[i][3] ? dup(long_texts[i][3]) : NULL;
        in->area_desc = dup(long_texts[i][4]);
        in->severity = CRIER_SEVERITY_EXTREME;
        in->urgency = CRIER_URGENCY_IMMEDIATE;
        in->expires_ms = al->sent_ms + 6 * 3600 * 1000LL;
    }
    crier_alert *other = make_alert(CRIER_SEVERITY_MINOR, CRIER_ALERT_ACTUAL, 1);
    crier_alert *items[] = {al, other};
    for (size_t s = 0; s < 2; s++) {
        int w = sizes[s][0], h = sizes[s][1];
        SDL_Surface *big = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
        SDL_Renderer *r = big ? SDL_CreateSoftwareRenderer(big) : NULL;
        crier_text_cache *tc = r ? crier_text_cache_new(r, fonts, 64) : NULL;
        CHECK(tc != NULL);
        for (int web = 0; tc && web <= 1; web++)
            for (size_t turn = 0; turn < al->info_count; turn++) {
                crier_alert_info *in = &al->info[turn];
                free(in->web);
                in->web = web ? dup("https://riverton.example/flood/evacuation-plan-and-shelters") : NULL;
                crier_alert_list list = {items, 2};
                crier_alert_layout L;
                CHECK_INT_EQ(crier_alertview_layout(fonts, w, h, &list, turn, &L), 0);
                char what[128];
                snprintf(what, sizeof what, "long-%s-%dx%d%s", in->language, w, h, web ? "-web" : "");
                CHECK(check_layout(&L, in, w, h, 1, what));
                crier_alertview_draw(r, tc, fonts, w, h, &list, turn);
                SDL_RenderPresent(r);
                if (web || turn == 0) {
                    char path[1200];
                    snprintf(path, sizeof path, "%s/%s.png", outdir, what);
                    IMG_SavePNG(big, path);
                }
            }
        crier_text_cache_free(tc);
        if (r)
            SDL_DestroyRenderer(r);
        SDL_FreeSurface(big);
    }
    crier_alert_free(al);
    crier_alert_free(other);
    CHECK_INT_EQ(crier_fontchain_missing_count(), 0);
}

TEST(chinese_alert_draw_time)
{
    /* a zh-Hans alert after the start-up pinning: bold and regular Noto Sans
     * CJK SC faces (one big system face open at a time); printed, bounded
     * loosely */
    crier_alert *al = crier_alert_new();
    al->identifier = dup("zh-1");
    al->sender = dup("civil-protection@riverton.example");
    al->sent_ms = 1795687200000LL;
    crier_alert_info *in = crier_alert_add_info(al);
    in->language = dup("zh-Hans");
    in->event = dup("\xE6\xB4\xAA\xE6\xB0\xB4"); /* 洪水 */
    in->headline = dup("\xE6\xB4\xAA\xE6\xB0\xB4\xE8\xAD\xA6\xE6\x8A\xA5\xEF\xBC\x9A\xE7\xAB\x8B\xE5\x8D\xB3"
                       "\xE6\x92\xA4\xE7\xA6\xBB\xE6\xB2\xB3\xE6\xBB\xA8\xE5\x9C\xB0\xE5\x8C\xBA"); /* 洪水警报：立即撤离河滨地区 */
    in->instruction = dup("\xE8\xAF\xB7\xE7\xAB\x8B\xE5\x8D\xB3\xE5\x89\x8D\xE5\xBE\x80\xE5\xB1\xB1\xE8\xB7\xAF"
                          "\xE4\xBD\x93\xE8\x82\xB2\xE9\xA6\x86\xE3\x80\x82"); /* 请立即前往山路体育馆。 */
    in->description = dup("\xE6\xB2\xB3\xE6\xB0\xB4\xE5\xB7\xB2\xE6\xBC\xAB\xE8\xBF\x87\xE5\xA0\xA4\xE5\x9D\x9D\xE3\x80\x82"); /* 河水已漫过堤坝。 */
    in->area_desc = dup("\xE6\xB2\xB3\xE6\xBB\xA8\xE5\x9C\xB0\xE5\x8C\xBA"); /* 河滨地区 */
    in->web = dup("https://riverton.example/flood");
    in->severity = CRIER_SEVERITY_EXTREME;
    in->urgency = CRIER_URGENCY_IMMEDIATE;
    crier_alert_list list = {&al, 1};
    Uint64 p0 = SDL_GetPerformanceCounter();
    crier_alertview_pin_fonts(fonts, surf->w, surf->h); /* as the render loop does at start-up */
    fprintf(stderr, "  alert fonts pinned, CJK faces looked up in %.1f ms\n",
            (double)(SDL_GetPerformanceCounter() - p0) * 1000.0 / (double)SDL_GetPerformanceFrequency());
    for (int i = 0; i < 2; i++) {
        crier_text_cache *tc = crier_text_cache_new(ren, fonts, 64); /* nothing cached: a new alert */
        Uint64 t0 = SDL_GetPerformanceCounter();
        SDL_SetRenderTarget(ren, NULL);
        crier_alertview_draw(ren, tc, fonts, surf->w, surf->h, &list, 0);
        double ms = (double)(SDL_GetPerformanceCounter() - t0) * 1000.0 / (double)SDL_GetPerformanceFrequency();
        fprintf(stderr, "  zh-Hans alert drawn in %.1f ms (%s)\n", ms, i ? "again" : "first");
        if (!getenv("CRIER_SANITIZE_BUILD") && !getenv("CRIER_SKIP_TIMING"))
            CHECK(ms < 250);
        crier_text_cache_free(tc);
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/zh-hans.png", outdir);
    SDL_RenderPresent(ren);
    IMG_SavePNG(surf, path);
    crier_alert_free(al);
    CHECK_INT_EQ(crier_fontchain_missing_count(), 0);
}

int main(int argc, char **argv)
{
    const char *src = getenv("CRIER_SOURCE"), *build = getenv("CRIER_BUILD");
    char fontdir[1024];
    snprintf(fontdir, sizeof fontdir, "%s/assets/fonts", argc > 1 ? argv[1] : src ? src : ".");
    snprintf(outdir, sizeof outdir, "%s/render-out/alerts", build ? build : ".");
    char parent[1100];
    snprintf(parent, sizeof parent, "%s/render-out", build ? build : ".");
    mkdir(parent, 0755);
    mkdir(outdir, 0755);
    if (SDL_Init(0) != 0 || TTF_Init() != 0)
        return 2;
    surf = SDL_CreateRGBSurfaceWithFormat(0, 1280, 720, 32, SDL_PIXELFORMAT_ARGB8888);
    ren = SDL_CreateSoftwareRenderer(surf);
    fonts = crier_fonts_open(fontdir);
    texts = fonts ? crier_text_cache_new(ren, fonts, 64) : NULL;
    if (!texts) {
        fprintf(stderr, "cannot open fonts in %s\n", fontdir);
        return 2;
    }
    RUN(severity_colours);
    RUN(test_band_and_languages);
    RUN(long_alerts_every_block_drawn_none_overlapping);
    RUN(chinese_alert_draw_time);
    crier_text_cache_free(texts);
    crier_fonts_close(fonts);
    SDL_DestroyRenderer(ren);
    SDL_FreeSurface(surf);
    TTF_Quit();
    SDL_Quit();
    return check_summary();
}
