/* The full-screen alert: drawn headless for each severity, with a TEST band
 * and several languages; checks colours where they must be and writes PNGs
 * to look at (CRIER_BUILD/render-out/alerts/). */
#include "../unit/check.h"
#include "alerts/alert_style.h"
#include "content/content.h"
#include "alerts/alertview.h"
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
    crier_text_cache_free(texts);
    crier_fonts_close(fonts);
    SDL_DestroyRenderer(ren);
    SDL_FreeSurface(surf);
    TTF_Quit();
    SDL_Quit();
    return check_summary();
}
