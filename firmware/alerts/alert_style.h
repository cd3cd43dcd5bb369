/* alert_style.h - how an alert looks: colours by severity (text contrast >= 7:1,
 * WCAG AAA) and the labels shown on screen.  Pure data so tests can check the
 * contrast without a renderer. */
#ifndef CRIER_ALERT_STYLE_H
#define CRIER_ALERT_STYLE_H

#include "alerts/alert.h"
#include "screen/contrast.h"

typedef struct crier_alert_palette {
    crier_rgba background;
    crier_rgba text;
    crier_rgba band;      /* TEST / EXERCISE band background */
    crier_rgba band_text;
} crier_alert_palette;

/* Extreme red, Severe orange, Moderate yellow, Minor blue, Unknown grey. */
crier_alert_palette crier_alert_palette_for(crier_alert_severity severity);
/* "EXTREME", "SEVERE", ... for the top band. */
const char *crier_alert_severity_label(crier_alert_severity severity);
/* "TEST", "EXERCISE" or NULL for alerts that need no band. */
const char *crier_alert_band_label(crier_alert_status status);

#endif
