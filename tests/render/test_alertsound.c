/* Alert sound (alerts/alertsound.h) through real SDL audio drivers, no sound
 * card: the "disk" driver writes what would be played to a file (S16 mono at
 * CRIER_ALERTSOUND_RATE, in real time, silence while nothing plays), which is
 * analysed here: three tone bursts of the EAS pair, speech after them, once
 * per new alert, cut short by a Cancel.  The "dummy" driver and a device that
 * does not exist cover the silent paths.  Speech checks need a build with
 * espeak-ng (CRIER_HAVE_ESPEAK). */
#include "../unit/check.h"
#include "../unit/testutil.h"
#include "content/content.h"
#include "base/log.h"
#include "alerts/tone.h"
#include "alerts/alertsound.h"
#include "config/config.h"

#include <SDL.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RATE CRIER_ALERTSOUND_RATE
#define LOUD 300 /* |sample| above this is sound, not silence */

static char dir[1024];

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait until the sound module is idle; 0 on timeout. */
static int wait_idle(crier_alertsound *s, int timeout_ms)
{
    for (int t = 0; t < timeout_ms; t += 20) {
        if (!crier_alertsound_busy(s))
            return 1;
        sleep_ms(20);
    }
    return 0;
}

static crier_alert *make_alert(const char *id, int n_blocks, const char *const *langs, const char *const *heads,
                               const char *const *instr)
{
    crier_alert *al = crier_alert_new();
    al->identifier = crier_strdup(id);
    al->sender = crier_strdup("civil-protection@riverton.example");
    al->sent_ms = 1795687200000LL;
    for (int i = 0; i < n_blocks; i++) {
        crier_alert_info *in = crier_alert_add_info(al);
        in->language = crier_strdup(langs[i]);
        in->event = crier_strdup("Flood warning");
        in->headline = crier_strdup(heads[i]);
        in->instruction = instr[i] ? crier_strdup(instr[i]) : NULL;
        in->severity = CRIER_SEVERITY_EXTREME;
    }
    return al;
}

static void config(crier_alertsound_cfg *cfg, int tone, int speech, int volume, const char *device)
{
    *cfg = (crier_alertsound_cfg){.tone = tone, .speech = speech, .volume = volume, .device = device};
}

/* crier_alertsound_start(), NULL when it fails or the sound is off. */
static crier_alertsound *open_sound(const crier_alertsound_cfg *cfg)
{
    crier_alertsound *s = (crier_alertsound *)1;
    char err[200] = "";
    crier_err rc = crier_alertsound_start(&s, cfg, err, sizeof err);
    CHECK(rc == CRIER_OK || s == NULL); /* *out is NULL on failure */
    if (rc != CRIER_OK)
        fprintf(stderr, "  start: %s\n", err);
    return s;
}

/* The disk driver's output. */
typedef struct pcm {
    int16_t *s;
    size_t n;
} pcm;

static pcm read_pcm(const char *path)
{
    size_t len = 0;
    char *buf = read_file(path, 0, &len);
    pcm p = {(int16_t *)(void *)buf, buf ? len / sizeof(int16_t) : 0};
    return p;
}

/* Runs of sound separated by at least min_gap_ms of silence. */
typedef struct run {
    size_t start, end; /* samples, end exclusive */
} run;

static size_t find_runs(const pcm *p, int min_gap_ms, run *out, size_t max)
{
    size_t n = 0, gap = (size_t)RATE * (size_t)min_gap_ms / 1000, last = 0;
    int in_run = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (abs(p->s[i]) <= LOUD)
            continue;
        if (in_run && i - last <= gap) {
            last = i;
            continue;
        }
        if (in_run && n < max)
            out[n - 1].end = last + 1;
        if (n < max) {
            out[n].start = i;
            out[n].end = i + 1;
            n++;
        }
        in_run = 1;
        last = i;
    }
    if (in_run && n > 0 && n <= max)
        out[n - 1].end = last + 1;
    return n;
}

static double run_ms(const run *r)
{
    return (double)(r->end - r->start) * 1000.0 / RATE;
}

static int open_disk(const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s.raw", dir, name);
    unlink(path);
    setenv("SDL_AUDIODRIVER", "disk", 1);
    setenv("SDL_DISKAUDIOFILE", path, 1);
    return 0;
}

TEST(off_by_default)
{
    crier_config cfg;
    crier_config_init(&cfg, NULL);
    CHECK(!cfg.alert_tone && !cfg.alert_speech && cfg.alert_volume == 80 && cfg.audio_device[0] == '\0');
    crier_alertsound_cfg sc = {cfg.alert_tone, cfg.alert_speech, cfg.alert_volume, cfg.audio_device, NULL};
    CHECK(open_sound(&sc) == NULL); /* nothing opened */
    CHECK(!SDL_WasInit(SDL_INIT_AUDIO));
    /* Every call accepts NULL. */
    crier_alertsound_alert(NULL, NULL);
    CHECK(!crier_alertsound_busy(NULL));
    crier_alertsound_stats st;
    crier_alertsound_get_stats(NULL, &st);
    CHECK(st.announcements == 0);
    crier_alertsound_stop(NULL);
    crier_config_free(&cfg);
}

TEST(tone_once_per_alert)
{
    char path[1200];
    open_disk("tone", path, sizeof path);
    crier_alertsound_cfg cfg;
    config(&cfg, 1, 0, 80, NULL);
    crier_alertsound *s = open_sound(&cfg);
    CHECK(s != NULL);
    CHECK(wait_idle(s, 5000));
    const char *lang[] = {"en-US"}, *head[] = {"Flood"}, *ins[] = {"Leave"};
    crier_alert *a = make_alert("flood-1", 1, lang, head, ins);
    crier_alert_list list = {&a, 1};
    crier_alertsound_alert(s, &list);
    CHECK(crier_alertsound_busy(s)); /* queued at once */
    CHECK(wait_idle(s, 10000));
    /* The same snapshot again (a re-send, or a language turn): no second tone. */
    crier_alertsound_alert(s, &list);
    sleep_ms(400);
    crier_alertsound_stats st;
    crier_alertsound_get_stats(s, &st);
    CHECK_INT_EQ(st.device_open, 1);
    CHECK_INT_EQ(st.announcements, 1);
    CHECK_INT_EQ(st.tones, 1);
    CHECK_INT_EQ(st.utterances, 0);
    CHECK(st.queued_ms >= 1400 && st.queued_ms <= 1600);
    crier_alertsound_stop(s);
    crier_alert_free(a);

    pcm p = read_pcm(path);
    CHECK(p.n > (size_t)RATE * 2); /* the driver ran in real time for over 2 s */
    run r[8];
    size_t n = find_runs(&p, 100, r, 8);
    CHECK_INT_EQ(n, 3); /* three bursts, and nothing for the re-send */
    for (size_t i = 0; i < n && i < 3; i++) {
        fprintf(stderr, "  burst %zu: %.0f ms\n", i, run_ms(&r[i]));
        CHECK(run_ms(&r[i]) > 250 && run_ms(&r[i]) <= 300);
        const int16_t *mid = p.s + r[i].start + RATE / 20;
        size_t len = (size_t)RATE / 5;
        double lo = crier_pcm_tone_level(mid, len, RATE, CRIER_TONE_FREQ_LOW);
        double hi = crier_pcm_tone_level(mid, len, RATE, CRIER_TONE_FREQ_HIGH);
        CHECK(lo > 0.35 && lo < 0.45); /* half scale each, at volume 80 */
        CHECK(hi > 0.35 && hi < 0.45);
        if (i > 0) {
            double gap = (double)(r[i].start - r[i - 1].end) * 1000.0 / RATE;
            CHECK(gap >= 150 && gap < 200);
        }
    }
    if (n == 3) {
        double span = (double)(r[2].end - r[0].start) * 1000.0 / RATE;
        fprintf(stderr, "  tone span %.0f ms\n", span);
        CHECK(span > 1150 && span < 1250);
    }
    free(p.s);
}

TEST(speech_after_tone)
{
    char path[1200];
    open_disk("speech", path, sizeof path);
    crier_alertsound_cfg cfg;
    config(&cfg, 1, 1, 100, NULL);
    crier_alertsound *s = open_sound(&cfg);
    CHECK(s != NULL);
    CHECK(wait_idle(s, 10000));
    crier_alertsound_stats st;
    crier_alertsound_get_stats(s, &st);
#ifndef CRIER_HAVE_ESPEAK
    fprintf(stderr, "  (built without espeak-ng: speech not checked)\n");
    CHECK_INT_EQ(st.speech_ready, 0);
    crier_alertsound_stop(s);
    return;
#endif
    CHECK_INT_EQ(st.speech_ready, 1);
    const char *lang[] = {"en-US", "de", "xx-YY"};
    const char *head[] = {"Flood warning", "Hochwasser", "Flood"};
    const char *ins[] = {"Go to higher ground.", "Gehen Sie nach oben.", "Go up."};
    crier_alert *a = make_alert("flood-2", 3, lang, head, ins);
    crier_alert_list list = {&a, 1};
    Uint64 t0 = SDL_GetPerformanceCounter();
    crier_alertsound_alert(s, &list); /* on the render thread: must not wait for synthesis */
    double call_us = (double)(SDL_GetPerformanceCounter() - t0) * 1e6 / (double)SDL_GetPerformanceFrequency();
    crier_alertsound_get_stats(s, &st);
    CHECK_INT_EQ(st.announcements, 0); /* returned before the worker synthesised anything */
    fprintf(stderr, "  crier_alertsound_alert took %.0f us\n", call_us);
    CHECK(call_us < 50000); /* generous: valgrind and sanitizers run here too */
    CHECK(wait_idle(s, 30000));
    crier_alertsound_get_stats(s, &st);
    CHECK_INT_EQ(st.announcements, 1);
    CHECK_INT_EQ(st.utterances, 3);
    CHECK_INT_EQ(st.fallbacks, 1); /* xx-YY: English voice */
    fprintf(stderr, "  audio queued: %lld ms\n", (long long)st.queued_ms);
    CHECK(st.queued_ms > 1500 + 3000 && st.queued_ms < 1500 + 20000);
    crier_alertsound_stop(s);
    crier_alert_free(a);

    pcm p = read_pcm(path);
    run r[64];
    size_t n = find_runs(&p, 100, r, 64);
    CHECK(n > 3); /* three bursts, then speech */
    if (n > 3) {
        double tone_span = (double)(r[2].end - r[0].start) * 1000.0 / RATE;
        double speech_ms = (double)(r[n - 1].end - r[3].start) * 1000.0 / RATE;
        double pause = (double)(r[3].start - r[2].end) * 1000.0 / RATE;
        fprintf(stderr, "  tone %.0f ms, pause %.0f ms, speech %.0f ms in %zu runs\n", tone_span, pause, speech_ms,
                n - 3);
        CHECK(tone_span > 1150 && tone_span < 1250);
        CHECK(pause >= 250 && pause < 800);                       /* the tone's tail, then words */
        CHECK(speech_ms > 3000 && speech_ms < st.queued_ms - 1000); /* roughly what was queued */
        const int16_t *sp = p.s + r[3].start;
        size_t len = r[n - 1].end - r[3].start;
        CHECK(crier_pcm_rms(sp, len) > 0.02);                                   /* speech is not silence */
        CHECK(crier_pcm_tone_level(sp, len, RATE, CRIER_TONE_FREQ_LOW) < 0.05); /* and not the tone */
    }
    free(p.s);
}

TEST(cancel_stops_speech)
{
    char path[1200];
    open_disk("cancel", path, sizeof path);
    crier_alertsound_cfg cfg;
    config(&cfg, 1, 1, 80, NULL);
    crier_alertsound *s = open_sound(&cfg);
    CHECK(wait_idle(s, 10000));
    char longtext[1100];
    longtext[0] = '\0';
    while (strlen(longtext) + 60 < sizeof longtext)
        strcat(longtext, "Leave by the east bridge and go to the sports hall. ");
    const char *lang[] = {"en"}, *head[] = {"Evacuate the riverside district"}, *ins[] = {longtext};
    crier_alert *a = make_alert("flood-3", 1, lang, head, ins);
    crier_alert_list list = {&a, 1}, none = {NULL, 0};
    crier_alertsound_alert(s, &list);
    sleep_ms(2500); /* tone, then a little speech */
    crier_alertsound_alert(s, &none); /* Cancel: the alert has gone */
    CHECK(wait_idle(s, 5000));
    crier_alertsound_stats st;
    crier_alertsound_get_stats(s, &st);
    CHECK_INT_EQ(st.announcements, 1);
    fprintf(stderr, "  queued %lld ms before the cancel\n", (long long)st.queued_ms);
#ifdef CRIER_HAVE_ESPEAK
    CHECK_INT_EQ(st.stops, 1);
    CHECK(st.queued_ms > 20000); /* a long text: far more than was played */
#else
    CHECK_INT_EQ(st.stops, 0); /* the tone alone had ended: nothing to stop */
#endif
    int stops = (int)st.stops;
    sleep_ms(500);
    /* Nothing new afterwards: an empty snapshot again stops nothing more. */
    crier_alertsound_alert(s, &none);
    sleep_ms(100);
    crier_alertsound_get_stats(s, &st);
    CHECK_INT_EQ(st.stops, stops);
    crier_alertsound_stop(s);
    crier_alert_free(a);

    pcm p = read_pcm(path);
    run r[256];
    size_t n = find_runs(&p, 100, r, 256);
    CHECK(n >= 3);
    if (n >= 3) {
        double span = (double)(r[n - 1].end - r[0].start) * 1000.0 / RATE;
        fprintf(stderr, "  sound for %.0f ms after the start, cancelled at about 2500 ms\n", span);
        CHECK(span < 2900); /* stopped within a few buffers of the cancel */
#ifdef CRIER_HAVE_ESPEAK
        CHECK(span > 1800); /* and speech had started */
#endif
    }
    free(p.s);
}

TEST(newer_alert_interrupts)
{
    char path[1200];
    open_disk("newer", path, sizeof path);
    crier_alertsound_cfg cfg;
    config(&cfg, 1, 0, 80, NULL);
    crier_alertsound *s = open_sound(&cfg);
    CHECK(wait_idle(s, 10000));
    const char *lang[] = {"en"}, *head[] = {"A"}, *ins[] = {NULL};
    crier_alert *a = make_alert("a", 1, lang, head, ins), *b = make_alert("b", 1, lang, head, ins);
    crier_alert_list l1 = {&a, 1};
    crier_alertsound_alert(s, &l1);
    sleep_ms(200); /* inside the first burst */
    crier_alert *both[] = {b, a};
    crier_alert_list l2 = {both, 2};
    crier_alertsound_alert(s, &l2);
    CHECK(wait_idle(s, 10000));
    crier_alertsound_stats st;
    crier_alertsound_get_stats(s, &st);
    CHECK_INT_EQ(st.announcements, 2);
    CHECK_INT_EQ(st.tones, 2);
    crier_alertsound_stop(s);
    crier_alert_free(a);
    crier_alert_free(b);
    pcm p = read_pcm(path);
    run r[8];
    size_t n = find_runs(&p, 100, r, 8);
    /* A's first burst was cut after about 200 ms and B's three bursts follow
     * at once (the first joins A's cut one): A's other bursts never play. */
    CHECK_INT_EQ(n, 3);
    if (n == 3) {
        double span = (double)(r[2].end - r[0].start) * 1000.0 / RATE;
        fprintf(stderr, "  first run %.0f ms, span %.0f ms\n", run_ms(&r[0]), span);
        CHECK(run_ms(&r[0]) > 400 && run_ms(&r[0]) < 650);
        CHECK(run_ms(&r[1]) > 250 && run_ms(&r[1]) <= 300);
        CHECK(span > 1300 && span < 1600); /* not A's 1.2 s followed by B's */
    }
    free(p.s);
}

TEST(no_device_is_silent)
{
    crier_alertsound_cfg cfg;
    const char *lang[] = {"en"}, *head[] = {"A"}, *ins[] = {"B"};
    crier_alert *a = make_alert("a", 1, lang, head, ins);
    crier_alert_list l = {&a, 1};
    crier_alertsound_stats st;

    /* The dummy driver: a device that plays into nothing. */
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    config(&cfg, 1, 0, 80, NULL);
    crier_alertsound *s = open_sound(&cfg);
    CHECK(s != NULL);
    CHECK(wait_idle(s, 5000));
    crier_alertsound_alert(s, &l);
    CHECK(wait_idle(s, 10000));
    crier_alertsound_get_stats(s, &st);
    CHECK_INT_EQ(st.device_open, 1);
    CHECK_INT_EQ(st.announcements, 1);
    crier_alertsound_stop(s);

    /* A device name that does not exist: logged once, alerts go on silently. */
    config(&cfg, 1, 1, 80, "No Such Speaker");
    s = open_sound(&cfg);
    CHECK(s != NULL);
    CHECK(wait_idle(s, 10000));
    crier_alertsound_get_stats(s, &st);
    CHECK_INT_EQ(st.device_open, 0);
    crier_alertsound_alert(s, &l);
    CHECK(wait_idle(s, 5000));
    crier_alert_list none = {NULL, 0};
    crier_alertsound_alert(s, &none);
    CHECK(wait_idle(s, 5000));
    crier_alertsound_get_stats(s, &st);
    CHECK_INT_EQ(st.announcements, 0);
    CHECK_INT_EQ(st.device_open, 0);
    crier_alertsound_stop(s);

    /* No audio driver at all: no handle, and every call is harmless. */
    setenv("SDL_AUDIODRIVER", "no-such-driver", 1);
    config(&cfg, 1, 1, 80, NULL);
    s = open_sound(&cfg);
    CHECK(s == NULL);
    crier_alertsound_alert(s, &l);
    crier_alertsound_stop(s);
    crier_alert_free(a);
}

int main(void)
{
    const char *build = getenv("CRIER_BUILD");
    snprintf(dir, sizeof dir, "%s/render-out/sound", build ? build : ".");
    char parent[1100];
    snprintf(parent, sizeof parent, "%s/render-out", build ? build : ".");
    mkdir(parent, 0755);
    mkdir(dir, 0755);
    crier_log_set_level(getenv("CRIER_TEST_DEBUG") ? CRIER_LOG_DEBUG : CRIER_LOG_INFO);
    RUN(off_by_default);
    RUN(tone_once_per_alert);
    RUN(speech_after_tone);
    RUN(cancel_stops_speech);
    RUN(newer_alert_interrupts);
    RUN(no_device_is_silent);
    SDL_Quit();
    return check_summary();
}
