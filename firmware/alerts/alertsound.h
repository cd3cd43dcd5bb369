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
 * Threads: open/alert/close are called on the render thread and only take a
 * mutex and copy a few strings; a worker thread opens the audio device,
 * synthesises speech and queues PCM with SDL_QueueAudio, so no frame waits
 * for sound.  A missing device or voice data is logged once; the screen goes
 * on silently.
 *
 * Ownership: the handle is the caller's (crier_alertsound_close frees it,
 * NULL-safe); cfg and events are borrowed and must outlive the handle; the
 * alert list passed to crier_alertsound_alert is borrowed for the call. */
#ifndef CRIER_RENDER_ALERTSOUND_H
#define CRIER_RENDER_ALERTSOUND_H

#include "alerts/alert_set.h"
#include "config/config.h"
#include "base/eventlog.h"

#include <stdint.h>

#define CRIER_ALERTSOUND_RATE 22050        /* PCM rate queued to the device (mono, S16) */
#define CRIER_ALERTSOUND_MAX_ALERTS 3      /* new alerts announced per snapshot, most important first */
#define CRIER_ALERTSOUND_MAX_SPEECH_S 180  /* speech per announcement, at most */

typedef struct crier_alertsound crier_alertsound;

/* Start the alert sound: NULL when neither alert_tone nor alert_speech is on
 * (nothing is opened), when SDL audio cannot start (logged once) or on
 * allocation failure.  Every other function accepts NULL and does nothing. */
crier_alertsound *crier_alertsound_open(const crier_config *cfg, crier_eventlog *events);

/* A new alert snapshot was taken (NULL or empty: no alert).  Announces the
 * alerts that were not in the previous snapshot (stopping what played), or
 * stops the announcement when one of its alerts has gone. */
void crier_alertsound_alert(crier_alertsound *s, const crier_alert_list *alerts);

/* Stop any sound, end the worker, close the device. */
void crier_alertsound_close(crier_alertsound *s);

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
