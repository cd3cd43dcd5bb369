/* alertsound.c - alert tone and speech on a worker thread (see alertsound.h).
 *
 *   render thread                          worker thread (base/worker.h)
 *   crier_alertsound_alert(snapshot)
 *     new alerts?  -> job {tone, texts}    open the device (once; retried
 *     announced alert gone? -> job {stop}    quietly per job after a failure)
 *     s->pending = job (a newer job        on_tick: take s->pending
 *     replaces one not yet taken),         SDL_ClearQueuedAudio: stop what plays
 *     s->gen++, crier_worker_wake          queue the tone (SDL_QueueAudio)
 *                                          per text: choose the voice, run
 *                                          espeak-ng synchronously; its
 *                                          callback scales and queues each
 *                                          chunk, and aborts when s->gen moved
 *
 * The render thread never waits for the worker: it holds the mutex only to
 * swap a pointer.  The device is opened without a callback, so SDL_QueueAudio
 * and SDL_ClearQueuedAudio are safe from the worker, and with no allowed
 * changes, so SDL converts our 22050 Hz mono S16 to whatever the hardware
 * wants.  espeak-ng may produce another rate; an SDL_AudioStream then
 * resamples.  While nothing is queued the device is paused (checked every
 * IDLE_CHECK_MS), so an idle kiosk costs no audio wake-ups; each
 * announcement ends with TAIL_MS of silence so pausing cuts nothing audible.
 * Stopping bumps s->gen first, so a long synthesis ends at its next chunk and
 * the join does not wait for it.
 *
 * espeak-ng keeps global state and is used by this worker only (one
 * crier_alertsound at a time); its callback finds the worker's context in a
 * file-local pointer.  It is started once per process and never terminated
 * (see espeak_start).  Speech is compiled in when CRIER_HAVE_ESPEAK is
 * defined (the build links libespeak-ng); without it alert_speech is logged
 * as unavailable and only the tone plays. */
#include "alerts/alertsound.h"
#include "alerts/alert_speech.h"
#include "content/content.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "alerts/tone.h"
#include "base/worker.h"

#include <SDL.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#ifdef CRIER_HAVE_ESPEAK
#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#endif

#define COMP "sound"
#define IDLE_CHECK_MS 250
#define TAIL_MS 150
#define SPEECH_WPM 150 /* a little slower than espeak's 175: public address pace */

typedef struct utterance {
    char *text;
    char *lang;       /* the block's tag, for log lines */
    char *identifier; /* the alert's */
    char voices[CRIER_SPEECH_MAX_VOICES][CRIER_SPEECH_VOICE_MAX];
    size_t n_voices;
} utterance;

typedef struct job {
    uint64_t gen;
    int stop_only; /* no new alert: just stop what plays */
    int tone;
    char *identifier; /* first new alert, for events */
    utterance *u;
    size_t n;
} job;

struct crier_alertsound {
    crier_eventlog *events; /* borrowed */
    int want_tone, want_speech, volume;
    crier_worker *worker;
    char *device_name; /* NULL: SDL's default */

    /* Render thread only: what was on screen, and what is being announced
     * (the "already seen" memory of alerts/alert_rules.h). */
    crier_alert_seen seen, announced;

    pthread_mutex_t lock; /* guards pending, working, stats, dev */
    job *pending;    /* next job for the worker (owned) */
    int working;     /* the worker is starting up or running a job */
    crier_alertsound_stats stats;
    SDL_AudioDeviceID dev; /* written by the worker under lock; 0 = closed */
    _Atomic uint64_t gen;  /* bumped on every job and at close: aborts synthesis */

    /* Worker only. */
    int device_warned, speech_warned;
    int speech_ok;
    int paused;
    int64_t idle_check; /* monotonic: when to look whether everything queued was played */
    int16_t *tone_pcm;
    size_t tone_len;
};

/* ---- jobs ------------------------------------------------------------------ */

static void job_free(job *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++) {
        free(j->u[i].text);
        free(j->u[i].lang);
        free(j->u[i].identifier);
    }
    free(j->u);
    free(j->identifier);
    free(j);
}

/* The job announcing list's alerts marked in is_new (display order). */
static job *job_announce(crier_alertsound *s, const crier_alert_list *list, const unsigned char *is_new)
{
    job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->tone = s->want_tone;
    size_t cap = 0, alerts = 0;
    for (size_t i = 0; i < list->count && alerts < CRIER_ALERTSOUND_MAX_ALERTS; i++)
        if (is_new[i]) {
            cap += list->items[i]->info_count;
            alerts++;
        }
    if (s->want_speech && cap && !(j->u = calloc(cap, sizeof *j->u)))
        goto nomem;
    alerts = 0;
    for (size_t i = 0; i < list->count && alerts < CRIER_ALERTSOUND_MAX_ALERTS; i++) {
        if (!is_new[i])
            continue;
        const crier_alert *al = list->items[i];
        alerts++;
        if (!j->identifier && !(j->identifier = crier_strdup(al->identifier ? al->identifier : "")))
            goto nomem;
        for (size_t b = 0; s->want_speech && b < al->info_count; b++) {
            const crier_alert_info *in = &al->info[b];
            char *text = crier_speech_text(in, CRIER_SPEECH_PART_MAX);
            if (!text)
                continue;
            utterance *u = &j->u[j->n++];
            u->text = text;
            u->lang = crier_strdup(in->language ? in->language : "en-US");
            u->identifier = crier_strdup(al->identifier ? al->identifier : "");
            if (!u->lang || !u->identifier)
                goto nomem;
            u->n_voices = crier_speech_voices(in->language, u->voices, CRIER_SPEECH_MAX_VOICES);
        }
    }
    return j;
nomem:
    job_free(j);
    return NULL;
}

static void post_job(crier_alertsound *s, job *j)
{
    pthread_mutex_lock(&s->lock);
    job_free(s->pending); /* not started yet: the newer job supersedes it */
    j->gen = atomic_fetch_add(&s->gen, 1) + 1;
    s->pending = j;
    pthread_mutex_unlock(&s->lock);
    crier_worker_wake(s->worker);
}

/* ---- worker: device -------------------------------------------------------- */

static int device_open(crier_alertsound *s)
{
    SDL_AudioSpec want, have;
    SDL_zero(want);
    want.freq = CRIER_ALERTSOUND_RATE;
    want.format = AUDIO_S16SYS;
    want.channels = 1;
    want.samples = 1024;
    want.callback = NULL; /* SDL_QueueAudio */
    SDL_AudioDeviceID dev = SDL_OpenAudioDevice(s->device_name, 0, &want, &have, 0);
    if (!dev) {
        if (!s->device_warned)
            LOG_WARN(COMP, "no audio device '%s' (%s): alerts are shown without sound",
                     s->device_name ? s->device_name : "default", SDL_GetError());
        else
            LOG_DEBUG(COMP, "audio device still unavailable: %s", SDL_GetError());
        s->device_warned = 1;
        return 0;
    }
    LOG_INFO(COMP, "alert sound%s on audio device '%s' (driver %s)%s%s",
             s->device_warned ? " back" : "", s->device_name ? s->device_name : "default",
             SDL_GetCurrentAudioDriver(), s->want_tone ? ", tone" : "", s->speech_ok ? ", speech" : "");
    s->device_warned = 0;
    s->paused = 1; /* SDL opens devices paused */
    pthread_mutex_lock(&s->lock);
    s->dev = dev;
    s->stats.device_open = 1;
    pthread_mutex_unlock(&s->lock);
    return 1;
}

static void queue_pcm(crier_alertsound *s, const int16_t *pcm, size_t n)
{
    if (n == 0)
        return;
    if (SDL_QueueAudio(s->dev, pcm, (Uint32)(n * sizeof *pcm)) != 0) {
        LOG_WARN(COMP, "cannot queue alert audio: %s", SDL_GetError());
        return;
    }
    if (s->paused) {
        SDL_PauseAudioDevice(s->dev, 0);
        s->paused = 0;
    }
}

static void queue_silence(crier_alertsound *s, int ms)
{
    size_t n = (size_t)CRIER_ALERTSOUND_RATE * (size_t)ms / 1000;
    int16_t *z = calloc(n, sizeof *z);
    if (z)
        queue_pcm(s, z, n);
    free(z);
}

/* ---- worker: speech -------------------------------------------------------- */

#ifdef CRIER_HAVE_ESPEAK
typedef struct synth_ctx {
    crier_alertsound *s;
    uint64_t gen;
    SDL_AudioStream *resample; /* NULL when espeak speaks at the device rate */
    int64_t samples, max_samples;
    int aborted;
} synth_ctx;

static synth_ctx *synth_current; /* espeak-ng is global: one synthesis at a time */

static void drain_stream(crier_alertsound *s, SDL_AudioStream *st)
{
    int16_t buf[4096];
    int got;
    while ((got = SDL_AudioStreamGet(st, buf, (int)sizeof buf)) > 0)
        queue_pcm(s, buf, (size_t)got / sizeof *buf);
}

static int synth_cb(short *wav, int n, espeak_EVENT *events)
{
    synth_ctx *c = synth_current;
    if (!c)
        return 1;
    if (atomic_load(&c->s->gen) != c->gen || c->samples >= c->max_samples) {
        c->aborted = 1;
        return 1; /* a newer job or close: stop synthesising */
    }
    if (!wav || n <= 0)
        return 0;
    crier_pcm_gain(wav, (size_t)n, c->s->volume);
    c->samples += n;
    if (c->resample) {
        if (SDL_AudioStreamPut(c->resample, wav, n * (int)sizeof *wav) == 0)
            drain_stream(c->s, c->resample);
    } else {
        queue_pcm(c->s, wav, (size_t)n);
    }
    return 0;
}

/* espeak-ng starts once per process and is never terminated: in 1.51
 * espeak_ng_Terminate() can wait forever for its event thread (espeak-ng
 * issue 572, PR 573), and a kiosk that stops must not hang.  Only the worker
 * of the one open crier_alertsound synthesises. */
static pthread_once_t espeak_once = PTHREAD_ONCE_INIT;
static int espeak_ready;

static void espeak_start(void)
{
    espeak_ng_InitializePath(NULL);
    espeak_ng_ERROR_CONTEXT ctx = NULL;
    espeak_ng_STATUS st = espeak_ng_Initialize(&ctx);
    if (st == ENS_OK)
        st = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, NULL);
    if (st != ENS_OK) {
        char msg[256];
        espeak_ng_GetStatusCodeMessage(st, msg, sizeof msg);
        LOG_ERROR(COMP, "espeak-ng does not start (%s): alerts are not spoken", msg);
        espeak_ng_ClearErrorContext(&ctx);
        return;
    }
    espeak_SetSynthCallback(synth_cb);
    espeak_ng_SetParameter(espeakRATE, SPEECH_WPM, 0);
    espeak_ready = 1;
    LOG_INFO(COMP, "espeak-ng ready (%d Hz)", espeak_ng_GetSampleRate());
}

static void speech_init(crier_alertsound *s)
{
    pthread_once(&espeak_once, espeak_start);
    s->speech_ok = espeak_ready;
}

static void speech_close(crier_alertsound *s)
{
    s->speech_ok = 0;
}

/* Speak one utterance; 0 when it was cut short by a newer job. */
static int speak(crier_alertsound *s, uint64_t gen, const utterance *u, int64_t *budget, int *fallback)
{
    size_t v = 0;
    for (; v < u->n_voices; v++) {
        espeak_VOICE sel;
        memset(&sel, 0, sizeof sel);
        sel.languages = u->voices[v];
        if (espeak_ng_SetVoiceByProperties(&sel) == ENS_OK)
            break;
    }
    if (v == u->n_voices) {
        LOG_WARN(COMP, "alert '%s': no espeak-ng voice, not even English; block '%s' not spoken", u->identifier,
                 u->lang);
        return 1;
    }
    const char *tag = u->voices[0];
    int english = strncmp(tag, "en", 2) == 0 && (tag[2] == '\0' || tag[2] == '-');
    *fallback = strcmp(u->voices[v], "en") == 0 && !english;
    if (*fallback)
        LOG_INFO(COMP, "alert '%s': no voice for language '%s'; speaking it with the English voice", u->identifier,
                 u->lang);
    int rate = espeak_ng_GetSampleRate();
    synth_ctx c = {s, gen, NULL, 0, *budget, 0};
    if (rate != CRIER_ALERTSOUND_RATE &&
        !(c.resample = SDL_NewAudioStream(AUDIO_S16SYS, 1, rate, AUDIO_S16SYS, 1, CRIER_ALERTSOUND_RATE))) {
        LOG_WARN(COMP, "cannot resample speech from %d Hz: %s", rate, SDL_GetError());
        return 1;
    }
    synth_current = &c;
    espeak_ng_STATUS st = espeak_ng_Synthesize(u->text, strlen(u->text) + 1, 0, POS_CHARACTER, 0,
                                               espeakCHARS_UTF8, NULL, NULL);
    synth_current = NULL;
    if (c.resample) {
        SDL_AudioStreamFlush(c.resample);
        if (!c.aborted)
            drain_stream(s, c.resample);
        SDL_FreeAudioStream(c.resample);
    }
    if (st != ENS_OK && !c.aborted) {
        char msg[256];
        espeak_ng_GetStatusCodeMessage(st, msg, sizeof msg);
        LOG_WARN(COMP, "alert '%s': speaking block '%s' failed: %s", u->identifier, u->lang, msg);
    }
    /* In device-rate samples (espeak's own count when it speaks at that rate). */
    *budget -= c.samples * CRIER_ALERTSOUND_RATE / (rate > 0 ? rate : CRIER_ALERTSOUND_RATE);
    return !c.aborted || c.samples >= c.max_samples;
}
#else
static void speech_init(crier_alertsound *s)
{
    LOG_WARN(COMP, "alert_speech is on but this build has no espeak-ng: alerts are not spoken");
}
static void speech_close(crier_alertsound *s)
{
}
#endif

/* ---- worker ---------------------------------------------------------------- */

static int superseded(crier_alertsound *s, uint64_t gen)
{
    return atomic_load(&s->gen) != gen;
}

static void run_job(crier_alertsound *s, job *j)
{
    if (!s->dev && !device_open(s))
        return;
    Uint32 left = SDL_GetQueuedAudioSize(s->dev);
    SDL_ClearQueuedAudio(s->dev); /* whatever played is over */
    if (j->stop_only) {
        if (left == 0)
            return; /* the announcement had ended already */
        pthread_mutex_lock(&s->lock);
        s->stats.stops++;
        pthread_mutex_unlock(&s->lock);
        LOG_INFO(COMP, "alert sound stopped (%u ms left): the alert announced has gone",
                 (unsigned)(left / 2 * 1000 / CRIER_ALERTSOUND_RATE));
        crier_eventlog_emit(s->events, "alert_sound_stopped", "i:left_ms",
                            (int64_t)left / 2 * 1000 / CRIER_ALERTSOUND_RATE, NULL);
        return;
    }
    int64_t queued = 0;
    if (j->tone && s->tone_pcm) {
        queue_pcm(s, s->tone_pcm, s->tone_len);
        queued += (int64_t)s->tone_len;
    }
    uint64_t spoken = 0, fallbacks = 0;
#ifdef CRIER_HAVE_ESPEAK
    int64_t budget = (int64_t)CRIER_ALERTSOUND_MAX_SPEECH_S * CRIER_ALERTSOUND_RATE;
    for (size_t i = 0; s->speech_ok && i < j->n && budget > 0 && !superseded(s, j->gen); i++) {
        int fallback = 0;
        int64_t budget_before = budget;
        if (!speak(s, j->gen, &j->u[i], &budget, &fallback))
            break;
        queued += budget_before - budget;
        spoken++;
        fallbacks += (uint64_t)fallback;
        if (budget <= 0)
            LOG_WARN(COMP, "alert '%s': speech cut after %d s", j->u[i].identifier, CRIER_ALERTSOUND_MAX_SPEECH_S);
    }
#endif
    if (superseded(s, j->gen))
        return; /* the next job clears the queue */
    if (queued > 0)
        queue_silence(s, TAIL_MS);
    int64_t ms = queued * 1000 / CRIER_ALERTSOUND_RATE;
    pthread_mutex_lock(&s->lock);
    s->stats.announcements++;
    s->stats.tones += (uint64_t)(j->tone && s->tone_pcm);
    s->stats.utterances += spoken;
    s->stats.fallbacks += fallbacks;
    s->stats.queued_ms += ms;
    pthread_mutex_unlock(&s->lock);
    LOG_INFO(COMP, "alert '%s' announced: %s%llu block(s) spoken, %lld ms of audio", j->identifier ? j->identifier : "",
             j->tone ? "tone, " : "", (unsigned long long)spoken, (long long)ms);
    crier_eventlog_emit(s->events, "alert_sound", "s:identifier", j->identifier ? j->identifier : "", "i:tone",
                        (int64_t)(j->tone != 0), "i:spoken", (int64_t)spoken, "i:audio_ms", ms, NULL);
}

static void on_start(void *ud)
{
    crier_alertsound *s = ud;
    if (s->want_tone && crier_tone_attention(CRIER_ALERTSOUND_RATE, s->volume, &s->tone_pcm, &s->tone_len) != CRIER_OK)
        LOG_ERROR(COMP, "cannot make the attention tone");
    if (s->want_speech)
        speech_init(s);
    device_open(s);
    pthread_mutex_lock(&s->lock);
    s->working = 0;
    s->stats.speech_ready = s->speech_ok;
    pthread_mutex_unlock(&s->lock);
}

static int64_t on_tick(void *ud, int64_t now)
{
    crier_alertsound *s = ud;
    pthread_mutex_lock(&s->lock);
    job *j = s->pending;
    s->pending = NULL;
    s->working = j != NULL;
    pthread_mutex_unlock(&s->lock);
    if (j) {
        run_job(s, j);
        job_free(j);
        pthread_mutex_lock(&s->lock);
        s->working = 0;
        pthread_mutex_unlock(&s->lock);
        now = crier_mono_ms();
        s->idle_check = now + IDLE_CHECK_MS;
    }
    if (!s->dev || s->paused)
        return CRIER_WORKER_NO_DEADLINE;
    if (now < s->idle_check)
        return s->idle_check;
    if (SDL_GetQueuedAudioSize(s->dev) == 0) { /* everything queued has been played */
        SDL_PauseAudioDevice(s->dev, 1);
        s->paused = 1;
        return CRIER_WORKER_NO_DEADLINE;
    }
    s->idle_check = now + IDLE_CHECK_MS;
    return s->idle_check;
}

static void on_stop(void *ud)
{
    speech_close(ud);
    SDL_TLSCleanup(); /* SDL's per-thread error text: this is not an SDL_CreateThread thread */
}

static const crier_worker_ops worker_ops = {
    .name = "crier-sound", .on_start = on_start, .on_tick = on_tick, .on_stop = on_stop};

/* ---- render thread --------------------------------------------------------- */

crier_err crier_alertsound_start(crier_alertsound **out, const crier_alertsound_cfg *cfg, char *err, size_t err_len)
{
    *out = NULL;
    if (!cfg || (!cfg->tone && !cfg->speech))
        return CRIER_OK; /* off: nothing is opened */
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        crier_errf(err, err_len, "SDL audio does not start (%s)", SDL_GetError());
        return CRIER_ERR_UNSUPPORTED;
    }
    crier_alertsound *s = calloc(1, sizeof *s);
    if (!s) {
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        crier_errf(err, err_len, "out of memory");
        return CRIER_ERR_NOMEM;
    }
    s->events = cfg->events;
    s->want_tone = cfg->tone;
    s->want_speech = cfg->speech;
    s->volume = cfg->volume;
    atomic_init(&s->gen, 0);
    pthread_mutex_init(&s->lock, NULL);
    s->working = 1; /* until the worker has opened the device and the voices */
    crier_err rc = CRIER_ERR_NOMEM;
    if (!cfg->device || !cfg->device[0] || (s->device_name = crier_strdup(cfg->device)))
        rc = crier_worker_start(&s->worker, &worker_ops, s, 0);
    if (rc != CRIER_OK) {
        crier_errf(err, err_len, "cannot start the alert sound thread: %s", crier_strerror(rc));
        pthread_mutex_destroy(&s->lock);
        free(s->device_name);
        free(s);
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        return rc;
    }
    *out = s;
    return CRIER_OK;
}

void crier_alertsound_alert(crier_alertsound *s, const crier_alert_list *alerts)
{
    if (!s)
        return;
    size_t count = alerts ? alerts->count : 0;
    unsigned char *is_new = calloc(count ? count : 1, 1);
    size_t n_new = is_new ? crier_alert_seen_update(&s->seen, alerts, is_new) : (size_t)-1;
    if (n_new == (size_t)-1) {
        LOG_ERROR(COMP, "out of memory: alert sound skipped");
        free(is_new);
        return;
    }
    job *j = NULL;
    if (n_new > 0) {
        j = job_announce(s, alerts, is_new);
        if (j) {
            /* Remember what is announced, to stop it when it goes. */
            crier_alert_list mine = {NULL, 0};
            crier_alert *picked[CRIER_ALERTSOUND_MAX_ALERTS];
            for (size_t i = 0; i < count && mine.count < CRIER_ALERTSOUND_MAX_ALERTS; i++)
                if (is_new[i])
                    picked[mine.count++] = alerts->items[i];
            mine.items = picked;
            crier_alert_seen_clear(&s->announced);
            if (crier_alert_seen_update(&s->announced, &mine, NULL) == (size_t)-1)
                crier_alert_seen_clear(&s->announced);
        }
    } else if (s->announced.count > 0) {
        /* Did an alert being announced leave the screen (Cancel, Update, expiry)? */
        if (!crier_alert_seen_within(&s->announced, &s->seen)) {
            crier_alert_seen_clear(&s->announced);
            if ((j = calloc(1, sizeof *j)))
                j->stop_only = 1;
        }
    }
    free(is_new);
    if (j)
        post_job(s, j);
}

void crier_alertsound_stop(crier_alertsound *s)
{
    if (!s)
        return;
    atomic_fetch_add(&s->gen, 1); /* abort any synthesis, so the join is quick */
    crier_worker_stop(s->worker);
    pthread_mutex_destroy(&s->lock);
    if (s->dev) {
        SDL_ClearQueuedAudio(s->dev);
        SDL_CloseAudioDevice(s->dev);
    }
    job_free(s->pending);
    crier_alert_seen_clear(&s->seen);
    crier_alert_seen_clear(&s->announced);
    free(s->tone_pcm);
    free(s->device_name);
    free(s);
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
}

void crier_alertsound_get_stats(crier_alertsound *s, crier_alertsound_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    *out = s->stats;
    pthread_mutex_unlock(&s->lock);
}

int crier_alertsound_busy(crier_alertsound *s)
{
    if (!s)
        return 0;
    pthread_mutex_lock(&s->lock);
    int busy = s->pending || s->working || (s->dev && SDL_GetQueuedAudioSize(s->dev) > 0);
    pthread_mutex_unlock(&s->lock);
    return busy;
}
