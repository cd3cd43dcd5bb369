/* alertview.h - the full-screen emergency alert (render thread only).
 *
 * Colour by severity (alerts/alert_style.h), the event and severity in a top
 * band, the headline large, the instruction prominent in an inverted box,
 * description, area and times, a QR code to the web link, a TEST/EXERCISE band
 * where it applies, the languages of the alert's info blocks in turn, and the
 * other active alerts listed along the bottom. */
#ifndef CRIER_RENDER_ALERTVIEW_H
#define CRIER_RENDER_ALERTVIEW_H

#include "alerts/alert_layout.h"
#include "alerts/alert_set.h"
#include "screen/internal.h"

/* Draw alerts->items[0] (the most important) full-screen on the current
 * target of size w x h, in the language block lang_turn % info_count. */
void crier_alertview_draw(SDL_Renderer *r, crier_text_cache *texts, crier_fonts *fonts, int w, int h,
                          const crier_alert_list *alerts, size_t lang_turn);

/* The layout crier_alertview_draw uses for the same arguments (measured with
 * fonts): for tests.  0, or -1 when there is nothing to draw. */
int crier_alertview_layout(crier_fonts *fonts, int w, int h, const crier_alert_list *alerts, size_t lang_turn,
                           crier_alert_layout *out);

/* Keeps the font sizes an alert on a w x h screen uses open for good. */
void crier_alertview_pin_fonts(crier_fonts *fonts, int w, int h);

#endif
