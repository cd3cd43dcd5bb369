/* tone.h - the attention tone played before an emergency alert is spoken,
 * and small PCM helpers.  Pure logic: no SDL; alerts/alertsound.c plays the
 * samples.
 *
 * The attention signal is generated, not loaded from an asset: three bursts
 * of the two-tone pair of the US Emergency Alert System (853 Hz + 960 Hz,
 * each at half amplitude), CRIER_TONE_BEEP_MS long and CRIER_TONE_GAP_MS
 * apart, with CRIER_TONE_EDGE_MS raised-cosine edges so no burst clicks,
 * followed by CRIER_TONE_TAIL_MS of silence before any speech.  Samples are
 * signed 16-bit mono.
 *
 * Ownership: crier_tone_attention() returns a malloc'd buffer owned by the
 * caller (free()). */
#ifndef CRIER_TONE_H
#define CRIER_TONE_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_TONE_FREQ_LOW 853.0
#define CRIER_TONE_FREQ_HIGH 960.0
#define CRIER_TONE_BEEPS 3
#define CRIER_TONE_BEEP_MS 300
#define CRIER_TONE_GAP_MS 150
#define CRIER_TONE_EDGE_MS 10
#define CRIER_TONE_TAIL_MS 300
#define CRIER_TONE_MIN_RATE 8000
#define CRIER_TONE_MAX_RATE 192000

/* Samples of the whole attention signal (bursts, gaps and tail) at rate Hz;
 * 0 if rate is outside CRIER_TONE_MIN_RATE..CRIER_TONE_MAX_RATE. */
size_t crier_tone_attention_len(int rate);

/* Generate the attention signal at rate Hz whose peak is volume_pct percent
 * (clamped to 0..100) of full scale.  *out (malloc'd, caller frees) gets
 * crier_tone_attention_len(rate) samples in *count.  CRIER_ERR_INVAL for a
 * bad rate, CRIER_ERR_NOMEM. */
crier_err crier_tone_attention(int rate, int volume_pct, int16_t **out, size_t *count);

/* Scale n samples in place by volume_pct percent (clamped to 0..100). */
void crier_pcm_gain(int16_t *pcm, size_t n, int volume_pct);

/* The amplitude of the freq Hz component of n samples at rate Hz, as a
 * fraction of full scale (Goertzel): a full-scale sine of that frequency
 * gives about 1.0, silence 0.  For tests and diagnostics. */
double crier_pcm_tone_level(const int16_t *pcm, size_t n, int rate, double freq);

/* Root mean square of n samples as a fraction of full scale (0 for n = 0). */
double crier_pcm_rms(const int16_t *pcm, size_t n);

#endif
