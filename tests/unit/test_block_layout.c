/* test_block_layout.c - the alert view and the post slide are laid out so that
 * no two blocks overlap and every block is drawn (alerts/alert_layout.c,
 * screen/slide_layout.c), for long texts in several languages, with and without
 * a web link, image and description, in landscape and portrait.  The measurer
 * is a fake with the proportions of Noto Sans (Latin about 0.5 em a
 * character, CJK 1 em, line height 1.36 em) wrapping with the real word
 * wrapper (screen/wrap.c). */
#include "alerts/alert_layout.h"
#include "base/utf8.h"
#include "screen/slide_layout.h"
#include "screen/wrap.h"
#include "check.h"

#include <stdint.h>
#include <stdio.h>

typedef struct fake {
    int px;
    int calls;
} fake;

static int fake_width_px(const char *s, size_t len, int px)
{
    size_t pos = 0;
    double w = 0;
    while (pos < len) {
        uint32_t cp = crier_utf8_next(s, len, &pos);
        w += cp < 0x300 ? 0.50 : cp >= 0x1100 ? 1.0 : 0.6;
    }
    return (int)(w * px + 0.999);
}

static int fake_measure(const char *s, size_t len, void *ud)
{
    return fake_width_px(s, len, ((fake *)ud)->px);
}

static int f_lines(void *ud, const char *text, int px, int bold, int w, int max_lines, int *cut)
{
    (void)bold;
    fake *f = ud;
    f->px = px + (bold ? px / 20 : 0);
    f->calls++;
    crier_wrapped wr;
    *cut = 0;
    if (crier_wrap(text, w, max_lines, fake_measure, f, &wr) != CRIER_OK)
        return 1;
    int n = wr.n_lines;
    *cut = wr.truncated;
    crier_wrapped_free(&wr);
    return n;
}

static int f_line_height(void *ud, int px, int bold)
{
    (void)ud;
    (void)bold;
    return px * 136 / 100;
}

static int f_width(void *ud, const char *text, int px, int bold)
{
    (void)ud;
    return fake_width_px(text, strlen(text), px + (bold ? px / 20 : 0));
}

static const char *const sizes_name[] = {"1920x1080", "1080x1920", "1280x720", "768x1366"};
static const int sizes_wh[][2] = {{1920, 1080}, {1080, 1920}, {1280, 720}, {768, 1366}};

/* ---------------------------------------------------------------- alerts */

typedef struct alert_case {
    const char *name, *lang, *headline, *instruction, *description, *area;
} alert_case;

static const alert_case alert_cases[] = {
    {"en evacuation", "en  1/3", "Flood warning: evacuate the river district now",
     "Leave the area of Riverside, Mill Street and the old harbour immediately. Go to the sports hall on "
     "Hill Road or to the school on Church Lane; buses wait at the Town Hall. Take medicines, documents and "
     "warm clothes. Do not use cars in the flooded streets, do not walk through water, and help neighbours "
     "who need it. Keep the radio on and follow the instructions of the police and fire brigade.",
     "The river has risen above the dykes at two places and will flood the lower town within the next "
     "hours. Electricity may be switched off in the affected streets.",
     "Riverside, Mill Street, Old Harbour, Station Road (south of the railway), Church Lane and the "
     "allotments along the river"},
    {"es", "es  2/3", "Aviso de inundación: evacúen el barrio del río ahora mismo",
     "Abandonen inmediatamente la zona de Riverside, la calle del Molino y el puerto viejo. Diríjanse al "
     "polideportivo de Hill Road o a la escuela de Church Lane; hay autobuses esperando en el Ayuntamiento. "
     "Lleven medicinas, documentos y ropa de abrigo. No usen el coche en las calles inundadas.",
     NULL, "Riverside, calle del Molino, puerto viejo"},
    {"ja", "ja  3/3", "洪水警報：河川地区の住民は直ちに避難してください",
     "リバーサイド、ミル通り、旧港の地域から直ちに避難してください。ヒル通りの体育館またはチャーチ通りの学校"
     "へ向かってください。市役所前でバスが待っています。薬、身分証明書、暖かい服を持って行ってください。"
     "浸水した道路では車を使わず、水の中を歩かないでください。",
     "川の水位が二か所で堤防を越え、数時間以内に下町が浸水する見込みです。", "リバーサイド、ミル通り、旧港"},
    {"ar", "ar  1/2", "تحذير من الفيضان: أخلوا منطقة النهر الآن",
     "غادروا منطقة ريفرسايد وشارع الطاحونة والميناء القديم فورًا. توجهوا إلى الصالة الرياضية في طريق التل أو "
     "إلى المدرسة في شارع الكنيسة؛ الحافلات تنتظر أمام البلدية. خذوا الأدوية والوثائق والملابس الدافئة.",
     NULL, "ريفرسايد، شارع الطاحونة، الميناء القديم"},
    {"short", NULL, "Test", "Stay inside.", NULL, "Town"},
};

static void check_alert(const crier_alert_layout_in *in, const char *what)
{
    fake f = {0, 0};
    crier_measurer m = {&f, f_lines, f_line_height, f_width, NULL};
    crier_alert_layout L;
    crier_alert_layout_compute(in, &m, &L);
    const crier_alert_block *B = L.b;
    crier_rect screen = {0, 0, in->w, in->h};
    int ok = 1;
    /* every block there is to draw is drawn */
    struct {
        int id;
        int want;
    } want[] = {
        {CRIER_AB_TOP, 1},
        {CRIER_AB_RULE, 1},
        {CRIER_AB_LANG, in->lang && in->lang[0]},
        {CRIER_AB_HEADLINE, in->headline && in->headline[0]},
        {CRIER_AB_INSTRUCTION, in->instruction && in->instruction[0]},
        {CRIER_AB_DESCRIPTION, in->description && in->description[0]},
        {CRIER_AB_QR, in->has_qr},
        {CRIER_AB_AREA, in->area && in->area[0]},
        {CRIER_AB_TIMES, 1},
        {CRIER_AB_MORE, in->more && in->more[0]},
        {CRIER_AB_BAND_TOP, in->band != NULL},
        {CRIER_AB_BAND_BOTTOM, in->band != NULL},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (B[want[i].id].shown != want[i].want) {
            fprintf(stderr, "  %s: block %d shown=%d, want %d\n", what, want[i].id, B[want[i].id].shown,
                    want[i].want);
            ok = 0;
        }
    for (int i = 0; i < CRIER_AB__COUNT; i++) {
        if (!B[i].shown)
            continue;
        if (!crier_rect_inside(B[i].r, screen) || B[i].r.w <= 0 || B[i].r.h <= 0) {
            fprintf(stderr, "  %s: block %d (%d,%d %dx%d) off screen\n", what, i, B[i].r.x, B[i].r.y, B[i].r.w,
                    B[i].r.h);
            ok = 0;
        }
        /* a text block is as tall as its lines */
        if (B[i].lines > 0 && i > CRIER_AB_BAND_BOTTOM && i != CRIER_AB_INSTRUCTION && B[i].r.h != B[i].lines * f_line_height(NULL, B[i].px, 0)) {
            fprintf(stderr, "  %s: block %d height %d for %d lines\n", what, i, B[i].r.h, B[i].lines);
            ok = 0;
        }
        for (int j = i + 1; j < CRIER_AB__COUNT; j++) {
            int band_pair = (i == CRIER_AB_BAND_TOP || i == CRIER_AB_BAND_BOTTOM) &&
                            (j == CRIER_AB_BAND_TOP || j == CRIER_AB_BAND_BOTTOM);
            if (B[j].shown && !band_pair && crier_rect_overlap(B[i].r, B[j].r)) {
                fprintf(stderr, "  %s: blocks %d (%d,%d %dx%d) and %d (%d,%d %dx%d) overlap\n", what, i, B[i].r.x,
                        B[i].r.y, B[i].r.w, B[i].r.h, j, B[j].r.x, B[j].r.y, B[j].r.w, B[j].r.h);
                ok = 0;
            }
        }
    }
    if (B[CRIER_AB_INSTRUCTION].shown) {
        if (!crier_rect_inside(L.inner, B[CRIER_AB_INSTRUCTION].r)) {
            fprintf(stderr, "  %s: instruction text outside its box\n", what);
            ok = 0;
        }
        if (B[CRIER_AB_INSTRUCTION].lines < 2 && in->instruction && strlen(in->instruction) > 200) {
            fprintf(stderr, "  %s: a long instruction got %d line(s)\n", what, B[CRIER_AB_INSTRUCTION].lines);
            ok = 0;
        }
    }
    if (!ok)
        fprintf(stderr, "  ^ in %s\n", what);
    CHECK(ok);
}

TEST(alert_blocks_never_overlap)
{
    for (size_t s = 0; s < sizeof sizes_wh / sizeof sizes_wh[0]; s++)
        for (size_t c = 0; c < sizeof alert_cases / sizeof alert_cases[0]; c++)
            for (int variant = 0; variant < 4; variant++) {
                const alert_case *ac = &alert_cases[c];
                crier_alert_layout_in in = {
                    .w = sizes_wh[s][0], .h = sizes_wh[s][1],
                    .band = variant & 2 ? "EXERCISE \xC2\xB7 NOT A REAL ALERT" : NULL,
                    .top = "\xE2\x9A\xA0 EXTREME \xC2\xB7 Flood", .lang = ac->lang, .headline = ac->headline,
                    .instruction = ac->instruction, .description = ac->description, .has_qr = variant & 1,
                    .area = ac->area, .times = "Thu 26 Nov 10:00 \xE2\x80\x93 Fri 27 Nov 18:00",
                    .more = variant == 3 ? "Also active: Storm warning (Severe)  \xC2\xB7  Heat (Moderate)" : NULL};
                char what[128];
                snprintf(what, sizeof what, "%s %s qr=%d band=%d", sizes_name[s], ac->name, variant & 1,
                         (variant & 2) != 0);
                check_alert(&in, what);
            }
}

TEST(alert_long_instruction_keeps_area_and_times)
{
    /* the case of issue 15: a long English instruction and a web link hid the
     * area and times */
    const alert_case *ac = &alert_cases[0];
    crier_alert_layout_in in = {.w = 1920, .h = 1080, .top = "x", .headline = ac->headline,
                                .instruction = ac->instruction, .has_qr = 1, .area = ac->area,
                                .times = "Thu 26 Nov 10:00"};
    fake f = {0, 0};
    crier_measurer m = {&f, f_lines, f_line_height, f_width, NULL};
    crier_alert_layout L;
    crier_alert_layout_compute(&in, &m, &L);
    CHECK(L.b[CRIER_AB_AREA].shown && L.b[CRIER_AB_TIMES].shown && L.b[CRIER_AB_QR].shown);
    CHECK(L.b[CRIER_AB_INSTRUCTION].r.y + L.b[CRIER_AB_INSTRUCTION].r.h <= L.b[CRIER_AB_AREA].r.y);
    CHECK(L.b[CRIER_AB_AREA].r.y + L.b[CRIER_AB_AREA].r.h <= L.b[CRIER_AB_TIMES].r.y);
    /* the QR code keeps clear of the text beside it */
    CHECK(!crier_rect_overlap(L.b[CRIER_AB_QR].r, L.b[CRIER_AB_INSTRUCTION].r));
    CHECK(!crier_rect_overlap(L.b[CRIER_AB_QR].r, L.b[CRIER_AB_AREA].r));
}

TEST(alert_text_shrinks_before_it_is_cut)
{
    fake f = {0, 0};
    crier_measurer m = {&f, f_lines, f_line_height, f_width, NULL};
    crier_alert_layout a, b;
    crier_alert_layout_in in = {.w = 1920, .h = 1080, .top = "x", .headline = "Boil water",
                                .instruction = "Boil tap water before drinking.", .times = "t"};
    crier_alert_layout_compute(&in, &m, &a);
    in.instruction = alert_cases[0].instruction;
    crier_alert_layout_compute(&in, &m, &b);
    CHECK(b.b[CRIER_AB_INSTRUCTION].px < a.b[CRIER_AB_INSTRUCTION].px); /* smaller, not cut at once */
    CHECK(!a.b[CRIER_AB_INSTRUCTION].cut);
}

TEST(alert_tiny_screen_does_not_crash_or_overlap)
{
    fake f = {0, 0};
    crier_measurer m = {&f, f_lines, f_line_height, f_width, NULL};
    const alert_case *ac = &alert_cases[0];
    for (int w = 1; w <= 400; w += 37)
        for (int h = 1; h <= 400; h += 41) {
            crier_alert_layout_in in = {.w = w, .h = h, .band = "TEST", .top = "x", .lang = "en 1/2",
                                        .headline = ac->headline, .instruction = ac->instruction,
                                        .description = ac->description, .has_qr = 1, .area = ac->area,
                                        .times = "t", .more = "m"};
            crier_alert_layout L;
            crier_alert_layout_compute(&in, &m, &L);
            crier_rect screen = {0, 0, w, h};
            for (int i = 0; i < CRIER_AB__COUNT; i++) {
                if (!L.b[i].shown)
                    continue;
                CHECK(crier_rect_inside(L.b[i].r, screen));
                for (int j = i + 1; j < CRIER_AB__COUNT; j++)
                    if (j != CRIER_AB_BAND_BOTTOM || i != CRIER_AB_BAND_TOP)
                        CHECK(!L.b[j].shown || !crier_rect_overlap(L.b[i].r, L.b[j].r));
            }
        }
}

/* ---------------------------------------------------------------- post slides */

typedef struct post_case {
    const char *name, *title, *body;
} post_case;

static const post_case post_cases[] = {
    {"open house", "Town Hall open house this Saturday",
     "Meet the council, tour the restored clock tower and see the plans for the new riverside park. Guided "
     "tours leave from the main entrance every half hour from 10:00 to 15:00.\n\nThe building is step-free; "
     "sign-language interpreters are available at the 11:00 and 14:00 tours."},
    {"zh-Hans", "图书馆开放时间调整",
     "市图书馆自十二月起延长开放时间：周一至周五开放至晚上八点，周六和周日开放至下午六点。欢迎市民前来借阅图书、"
     "使用电脑和参加读书会。"},
    {"overlong", "A very long title that goes on and on about the many things the council will discuss at the "
                 "next public meeting in the town hall",
     "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et "
     "dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip "
     "ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu "
     "fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia "
     "deserunt mollit anim id est laborum. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do "
     "eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
     "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat."},
    {"no body", "Only a title", NULL},
};

static crier_slide_layout slide(int w, int h, const post_case *pc, int image, int link, int *ok, const char *what)
{
    fake f = {0, 0};
    crier_measurer m = {&f, f_lines, f_line_height, f_width, NULL};
    int portrait = h > w;
    crier_slide_layout_in in = {.w = w, .h = h, .pad = portrait ? 56 : 56, .title = pc->title, .body = pc->body,
                                .title_px = 72, .body_px = 44, .min_px = 32, .has_image = image,
                                .link = link ? "example.org/open-house" : NULL, .hint = "Scan for details",
                                .rule_w = 160, .rule_h = 6};
    crier_slide_layout L;
    crier_slide_layout_compute(&in, &m, &L);
    crier_rect zone = {0, 0, w, h};
    const int want[CRIER_SB__COUNT] = {1, 1, pc->body != NULL, image, link, link, link};
    *ok = 1;
    for (int i = 0; i < CRIER_SB__COUNT; i++) {
        if (L.b[i].shown != want[i]) {
            fprintf(stderr, "  %s: block %d shown=%d, want %d\n", what, i, L.b[i].shown, want[i]);
            *ok = 0;
        }
        if (!L.b[i].shown)
            continue;
        if (!crier_rect_inside(L.b[i].r, zone)) {
            fprintf(stderr, "  %s: block %d off the zone\n", what, i);
            *ok = 0;
        }
        for (int j = i + 1; j < CRIER_SB__COUNT; j++)
            if (L.b[j].shown && crier_rect_overlap(L.b[i].r, L.b[j].r)) {
                fprintf(stderr, "  %s: blocks %d (%d,%d %dx%d) and %d (%d,%d %dx%d) overlap\n", what, i,
                        L.b[i].r.x, L.b[i].r.y, L.b[i].r.w, L.b[i].r.h, j, L.b[j].r.x, L.b[j].r.y, L.b[j].r.w,
                        L.b[j].r.h);
                *ok = 0;
            }
    }
    return L;
}

TEST(slide_blocks_never_overlap)
{
    /* posts zones of the bundled layouts: default (landscape), portrait */
    static const int zones[][2] = {{1306, 880}, {1080, 1100}, {870, 587}, {768, 780}};
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++)
        for (size_t c = 0; c < sizeof post_cases / sizeof post_cases[0]; c++)
            for (int v = 0; v < 4; v++) {
                char what[128];
                snprintf(what, sizeof what, "zone %dx%d %s image=%d link=%d", zones[z][0], zones[z][1],
                         post_cases[c].name, v & 1, (v & 2) != 0);
                int ok;
                slide(zones[z][0], zones[z][1], &post_cases[c], v & 1, (v & 2) != 0, &ok, what);
                if (!ok)
                    fprintf(stderr, "  ^ in %s\n", what);
                CHECK(ok);
            }
}

TEST(slide_portrait_body_takes_the_room_the_image_leaves)
{
    /* issue 15: the demo's open-house post in portrait was cut after three
     * lines while a third of the zone stayed empty */
    int ok;
    crier_slide_layout L = slide(1080, 1100, &post_cases[0], 1, 1, &ok, "open house portrait");
    CHECK(ok);
    CHECK(!L.b[CRIER_SB_BODY].cut);
    CHECK(L.b[CRIER_SB_IMAGE].r.h > 0);
    /* the image starts under the body, not at a fixed half */
    CHECK(L.b[CRIER_SB_IMAGE].r.y >= L.b[CRIER_SB_BODY].r.y + L.b[CRIER_SB_BODY].r.h);
    /* the overlong body is cut only at the smallest size */
    L = slide(1080, 1100, &post_cases[2], 1, 1, &ok, "overlong portrait");
    CHECK(ok);
    CHECK(L.b[CRIER_SB_BODY].cut);
    CHECK_INT_EQ(L.b[CRIER_SB_BODY].px, 32);
}

int main(void)
{
    RUN(alert_blocks_never_overlap);
    RUN(alert_long_instruction_keeps_area_and_times);
    RUN(alert_text_shrinks_before_it_is_cut);
    RUN(alert_tiny_screen_does_not_crash_or_overlap);
    RUN(slide_blocks_never_overlap);
    RUN(slide_portrait_body_takes_the_room_the_image_leaves);
    return check_summary();
}
