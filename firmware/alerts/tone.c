/* tone.c - the attention tone and PCM helpers (see tone.h).
 *
 * Each burst is sin(2 pi 853 t) / 2 + sin(2 pi 960 t) / 2 scaled to the
 * volume, times an envelope that rises and falls over CRIER_TONE_EDGE_MS with
 * a raised cosine (a hard edge is an audible click).  Phase restarts at each
 * burst, so the three bursts are identical. */
#include "alerts/tone.h"

#include <math.h>
#include <stdlib.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static size_t ms_to_samples(int rate, int ms)
{
    return (size_t)((int64_t)rate * ms / 1000);
}

size_t crier_tone_attention_len(int rate)
{
    if (rate < CRIER_TONE_MIN_RATE || rate > CRIER_TONE_MAX_RATE)
        return 0;
    return CRIER_TONE_BEEPS * ms_to_samples(rate, CRIER_TONE_BEEP_MS) +
           (CRIER_TONE_BEEPS - 1) * ms_to_samples(rate, CRIER_TONE_GAP_MS) + ms_to_samples(rate, CRIER_TONE_TAIL_MS);
}

static int clamp_pct(int v)
{
    return v < 0 ? 0 : v > 100 ? 100 : v;
}

crier_err crier_tone_attention(int rate, int volume_pct, int16_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    size_t n = crier_tone_attention_len(rate);
    if (n == 0)
        return CRIER_ERR_INVAL;
    int16_t *pcm = calloc(n, sizeof *pcm); /* gaps and tail stay silent */
    if (!pcm)
        return CRIER_ERR_NOMEM;
    size_t beep = ms_to_samples(rate, CRIER_TONE_BEEP_MS), gap = ms_to_samples(rate, CRIER_TONE_GAP_MS);
    size_t edge = ms_to_samples(rate, CRIER_TONE_EDGE_MS);
    double peak = 32767.0 * clamp_pct(volume_pct) / 100.0;
    for (int b = 0; b < CRIER_TONE_BEEPS; b++) {
        int16_t *p = pcm + (size_t)b * (beep + gap);
        for (size_t i = 0; i < beep; i++) {
            double t = (double)i / rate;
            double env = 1.0;
            size_t from_end = beep - 1 - i;
            size_t k = i < from_end ? i : from_end;
            if (edge > 0 && k < edge)
                env = 0.5 - 0.5 * cos(M_PI * (double)k / (double)edge);
            double v = 0.5 * sin(2.0 * M_PI * CRIER_TONE_FREQ_LOW * t) + 0.5 * sin(2.0 * M_PI * CRIER_TONE_FREQ_HIGH * t);
            p[i] = (int16_t)lrint(v * env * peak);
        }
    }
    *out = pcm;
    *count = n;
    return CRIER_OK;
}

void crier_pcm_gain(int16_t *pcm, size_t n, int volume_pct)
{
    int v = clamp_pct(volume_pct);
    if (v == 100)
        return;
    for (size_t i = 0; i < n; i++)
        pcm[i] = (int16_t)((int32_t)pcm[i] * v / 100);
}

double crier_pcm_tone_level(const int16_t *pcm, size_t n, int rate, double freq)
{
    if (n == 0 || rate <= 0)
        return 0.0;
    double w = 2.0 * M_PI * freq / rate, c = 2.0 * cos(w);
    double s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double s = pcm[i] / 32768.0 + c * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    double power = s1 * s1 + s2 * s2 - c * s1 * s2;
    if (power < 0)
        power = 0;
    return 2.0 * sqrt(power) / (double)n;
}

double crier_pcm_rms(const int16_t *pcm, size_t n)
{
    if (n == 0)
        return 0.0;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = pcm[i] / 32768.0;
        sum += v * v;
    }
    return sqrt(sum / (double)n);
}
