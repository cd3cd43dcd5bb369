/* alert_speech.h - what the kiosk says when an alert arrives, and when.
 * Pure logic for alerts/alertsound.c (which plays the tone and runs the
 * speech synthesiser), so it is unit-tested without SDL or espeak-ng.
 *
 * - crier_speech_text(): the words of one info block: its headline (the event
 *   name when there is no headline), then its instruction, each cut to a
 *   length limit at a word boundary, one line of plain text (never markup).
 * - crier_speech_voices(): the voice languages to try for a block's BCP 47
 *   tag, best first, ending with English ("fr-CA" -> "fr-ca", "fr", "en").
 * Which alerts of a snapshot are new (so the sound plays once per alert, not
 * on re-sends of the same snapshot or when the language on screen turns) is
 * the "already seen" memory of alerts/alert_rules.h.
 *
 * Ownership: crier_speech_text() returns a malloc'd string owned by the
 * caller. */
#ifndef CRIER_ALERT_SPEECH_H
#define CRIER_ALERT_SPEECH_H

#include "alerts/alert_rules.h"
#include "base/error.h"

#include <stddef.h>

#define CRIER_SPEECH_VOICE_MAX 32   /* bytes of a voice language, with NUL */
#define CRIER_SPEECH_MAX_VOICES 4
#define CRIER_SPEECH_PART_MAX 1200  /* bytes spoken of a headline or an instruction */

/* Plain text to speak for one info block: headline (or event) and
 * instruction, each at most part_max bytes (cut at a space when one is near,
 * never inside a UTF-8 sequence), joined so the synthesiser pauses between
 * them; newlines and tabs become spaces.  NULL when the block has nothing to
 * say or on allocation failure. */
char *crier_speech_text(const crier_alert_info *info, size_t part_max);

/* Fill out[] with up to max voice languages for a BCP 47 tag (NULL or ""
 * means "en-US", CAP's default): the lowercased tag, its primary subtag, a
 * known alias (iw -> he, in -> id, no -> nb, ...), and "en" last.  Tags that
 * are not letters, digits and '-' / '_' give only "en".  Returns the count
 * (at least 1 when max >= 1). */
size_t crier_speech_voices(const char *lang, char out[][CRIER_SPEECH_VOICE_MAX], size_t max);

#endif
