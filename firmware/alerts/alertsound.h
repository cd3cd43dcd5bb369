/* alertsound.h - the attention tone and spoken text of a new emergency alert
 * (config alert_tone, alert_speech, alert_volume, audio_device;
 * docs/alerts.md "Sound").
 *
 * When a snapshot brings an alert that was not in the previous one (not on a
 * re-send of the same snapshot, not when the language on screen turns), the
 * attention tone plays (alerts/tone.h) and then, with alert_speech, the
 * headline and instruction of each of its info blocks are spoken in the
 * block's language by espeak-ng (English voice when the language has none).
 * A newer alert, or a snapshot from which an alert being announced has gone
 * (a Cancel, an Update, expiry), stops what is playing.
 *
 * Threads: start/alert/stop are called on the render thread and only take a
 * mutex and copy a few strings; a worker (base/worker.h, "crier-sound") opens
 * the audio device, synthesises speech and queues PCM with SDL_QueueAudio, so
 * no frame waits for sound.  A missing device or voice data is logged once;
 * the screen goes on silently.  The lock is a leaf (SDL audio calls only).
 *
 * Ownership: the handle is the caller's (crier_alertsound_stop frees it,
 * NULL-safe); cfg's strings are copied, events is borrowed and must outlive
 * the handle; the alert list passed to crier_alertsound_alert is borrowed for
 * the call. */
#ifndef CRIER_RENDER_ALERTSOUND_H
#define CRIER_RENDER_ALERTSOUND_H

#include "alerts/alert_rules.h"
#include "base/error.h"
#include "base/eventlog.h"

#include <stddef.h>

#include <stdint.h>

#define CRIER_ALERTSOUND_RATE 22050        /* PCM rate queued to the device (mono, S16) */
#define CRIER_ALERTSOUND_MAX_ALERTS 3      /* new alerts announced per snapshot, most important first */
#define CRIER_ALERTSOUND_MAX_SPEECH_S 180  /* speech per announcement, at most */

typedef struct crier_alertsound crier_alertsound;

typedef struct crier_alertsound_cfg {
    int tone;               /* alert_tone: the attention tone */
    int speech;             /* alert_speech: speak headline and instruction */
    int volume;             /* alert_volume: 0..100, percent of full scale */
    const char *device;     /* audio_device: SDL device name; NULL or "" = SDL's default */
    crier_eventlog *events; /* alert_sound / alert_sound_stopped events; may be NULL */
} crier_alertsound_cfg;

/* Start the alert sound.  CRIER_OK with *out NULL when neither tone nor
 * speech is on (nothing is opened).  On failure *out is NULL and err (may be
 * NULL) says why: CRIER_ERR_UNSUPPORTED (SDL audio does not start),
 * CRIER_ERR_NOMEM, CRIER_ERR_IO (no thread).  Every other function accepts
 * NULL and does nothing. */
crier_err crier_alertsound_start(crier_alertsound **out, const crier_alertsound_cfg *cfg, char *err, size_t err_len);

/* A new alert snapshot was taken (NULL or empty: no alert).  Announces the
 * alerts that were not in the previous snapshot (stopping what played), or
 * stops the announcement when one of its alerts has gone. */
void crier_alertsound_alert(crier_alertsound *s, const crier_alert_list *alerts);

/* Stop any sound; stop is a message: the worker ends and is joined; close
 * the device, free everything.  NULL-safe. */
void crier_alertsound_stop(crier_alertsound *s);

/* For tests and diagnostics. */
typedef struct crier_alertsound_stats {
    uint64_t announcements; /* announcements fully queued */
    uint64_t stops;         /* announcements stopped (cancel, newer alert) */
    uint64_t tones;         /* attention tones queued */
    uint64_t utterances;    /* info blocks spoken */
    uint64_t fallbacks;     /* blocks spoken with the English voice for want of theirs */
    int64_t queued_ms;      /* audio queued, all announcements */
    int device_open;        /* 1 while the audio device is open */
    int speech_ready;       /* 1 when espeak-ng is initialised */
} crier_alertsound_stats;
void crier_alertsound_get_stats(crier_alertsound *s, crier_alertsound_stats *out);
/* 1 while an announcement is being prepared or its audio is still queued. */
int crier_alertsound_busy(crier_alertsound *s);

#endif
