/* The attention tone (alerts/tone.h): length, the two EAS frequencies and
 * nothing else, silent gaps and tail, click-free edges, volume; PCM helpers. */
#include "check.h"
#include "alerts/tone.h"

#include <math.h>
#include <stdlib.h>

#define RATE 22050

static size_t ms(int v)
{
    return (size_t)RATE * (size_t)v / 1000;
}

TEST(length)
{
    size_t want = 3 * ms(CRIER_TONE_BEEP_MS) + 2 * ms(CRIER_TONE_GAP_MS) + ms(CRIER_TONE_TAIL_MS);
    CHECK_INT_EQ(crier_tone_attention_len(RATE), want);
    CHECK(want > (size_t)(RATE * 1.4) && want < (size_t)(RATE * 1.6)); /* about 1.5 s */
    CHECK_INT_EQ(crier_tone_attention_len(48000), 3 * 14400 + 2 * 7200 + 14400);
    CHECK_INT_EQ(crier_tone_attention_len(0), 0);
    CHECK_INT_EQ(crier_tone_attention_len(7999), 0);
    CHECK_INT_EQ(crier_tone_attention_len(192001), 0);
    int16_t *pcm = (int16_t *)1;
    size_t n = 99;
    CHECK_INT_EQ(crier_tone_attention(-5, 80, &pcm, &n), CRIER_ERR_INVAL);
    CHECK(pcm == NULL && n == 0);
}

TEST(bursts_gaps_and_frequencies)
{
    int16_t *pcm;
    size_t n;
    CHECK_INT_EQ(crier_tone_attention(RATE, 100, &pcm, &n), CRIER_OK);
    if (!pcm)
        return;
    size_t beep = ms(CRIER_TONE_BEEP_MS), gap = ms(CRIER_TONE_GAP_MS);
    for (int b = 0; b < 3; b++) {
        const int16_t *p = pcm + (size_t)b * (beep + gap);
        /* Steady middle of the burst: both tones at half scale, nothing between or above. */
        const int16_t *mid = p + ms(50);
        size_t len = ms(200);
        double low = crier_pcm_tone_level(mid, len, RATE, CRIER_TONE_FREQ_LOW);
        double high = crier_pcm_tone_level(mid, len, RATE, CRIER_TONE_FREQ_HIGH);
        CHECK(low > 0.45 && low < 0.55);
        CHECK(high > 0.45 && high < 0.55);
        CHECK(crier_pcm_tone_level(mid, len, RATE, 440.0) < 0.02);
        CHECK(crier_pcm_tone_level(mid, len, RATE, 1500.0) < 0.02);
        CHECK(crier_pcm_rms(mid, len) > 0.45); /* two half-scale sines: rms 0.5 */
        /* Edges rise from silence: no click. */
        CHECK(abs(p[0]) < 200);
        CHECK(abs(p[beep - 1]) < 400);
        int max_step = 0;
        for (size_t i = 1; i < beep; i++) {
            int d = abs(p[i] - p[i - 1]);
            if (d > max_step)
                max_step = d;
        }
        CHECK(max_step < 32767 / 2); /* a smooth waveform: 960 Hz at 22 kHz moves < 0.3 of scale per sample */
        if (b < 2)
            CHECK(crier_pcm_rms(p + beep, gap) == 0.0); /* silent gap */
    }
    size_t tail = ms(CRIER_TONE_TAIL_MS);
    CHECK(crier_pcm_rms(pcm + n - tail, tail) == 0.0);
    int peak = 0;
    for (size_t i = 0; i < n; i++)
        if (abs(pcm[i]) > peak)
            peak = abs(pcm[i]);
    CHECK(peak > 30000 && peak <= 32767);
    free(pcm);
}

TEST(volume)
{
    int16_t *full, *half, *none, *over;
    size_t n1, n2, n3, n4;
    CHECK_INT_EQ(crier_tone_attention(RATE, 100, &full, &n1), CRIER_OK);
    CHECK_INT_EQ(crier_tone_attention(RATE, 50, &half, &n2), CRIER_OK);
    CHECK_INT_EQ(crier_tone_attention(RATE, 0, &none, &n3), CRIER_OK);
    CHECK_INT_EQ(crier_tone_attention(RATE, 250, &over, &n4), CRIER_OK); /* clamped to 100 */
    if (!full || !half || !none || !over)
        return;
    CHECK(n1 == n2 && n2 == n3 && n3 == n4);
    double rf = crier_pcm_rms(full, n1), rh = crier_pcm_rms(half, n2);
    CHECK(fabs(rh / rf - 0.5) < 0.01);
    CHECK(crier_pcm_rms(none, n3) == 0.0);
    CHECK(crier_pcm_rms(over, n4) == rf);
    free(full);
    free(half);
    free(none);
    free(over);
}

TEST(gain)
{
    int16_t s[] = {32767, -32768, 1000, -1000, 0};
    crier_pcm_gain(s, 5, 50);
    CHECK_INT_EQ(s[0], 16383);
    CHECK_INT_EQ(s[1], -16384);
    CHECK_INT_EQ(s[2], 500);
    CHECK_INT_EQ(s[3], -500);
    CHECK_INT_EQ(s[4], 0);
    int16_t t[] = {32767, -32768};
    crier_pcm_gain(t, 2, 100);
    CHECK(t[0] == 32767 && t[1] == -32768);
    crier_pcm_gain(t, 2, 1000); /* clamped: no overflow */
    CHECK(t[0] == 32767 && t[1] == -32768);
    crier_pcm_gain(t, 2, -3);
    CHECK(t[0] == 0 && t[1] == 0);
    crier_pcm_gain(NULL, 0, 50);
}

TEST(analysis_helpers)
{
    CHECK(crier_pcm_rms(NULL, 0) == 0.0);
    CHECK(crier_pcm_tone_level(NULL, 0, RATE, 1000) == 0.0);
    int16_t sq[RATE / 10];
    for (size_t i = 0; i < sizeof sq / sizeof sq[0]; i++)
        sq[i] = (int16_t)lrint(32767 * sin(2 * 3.14159265358979 * 1000.0 * (double)i / RATE));
    double lv = crier_pcm_tone_level(sq, sizeof sq / sizeof sq[0], RATE, 1000.0);
    CHECK(lv > 0.95 && lv < 1.05);
    CHECK(crier_pcm_tone_level(sq, sizeof sq / sizeof sq[0], RATE, 2000.0) < 0.02);
    double r = crier_pcm_rms(sq, sizeof sq / sizeof sq[0]);
    CHECK(fabs(r - 0.7071) < 0.01);
}

int main(void)
{
    RUN(length);
    RUN(bursts_gaps_and_frequencies);
    RUN(volume);
    RUN(gain);
    RUN(analysis_helpers);
    return check_summary();
}
