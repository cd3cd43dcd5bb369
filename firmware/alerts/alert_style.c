#include "alerts/alert_style.h"

crier_alert_palette crier_alert_palette_for(crier_alert_severity severity)
{
    crier_alert_palette p = {
        .band = {0x11, 0x11, 0x11, 255},
        .band_text = {0xff, 0xd7, 0x00, 255},
    };
    switch (severity) {
    case CRIER_SEVERITY_EXTREME:
        p.background = (crier_rgba){0x8b, 0x00, 0x00, 255};
        p.text = (crier_rgba){0xff, 0xff, 0xff, 255};
        break;
    case CRIER_SEVERITY_SEVERE:
        p.background = (crier_rgba){0xff, 0x88, 0x00, 255};
        p.text = (crier_rgba){0x00, 0x00, 0x00, 255};
        break;
    case CRIER_SEVERITY_MODERATE:
        p.background = (crier_rgba){0xff, 0xd7, 0x00, 255};
        p.text = (crier_rgba){0x00, 0x00, 0x00, 255};
        break;
    case CRIER_SEVERITY_MINOR:
        p.background = (crier_rgba){0x0b, 0x4e, 0xa2, 255};
        p.text = (crier_rgba){0xff, 0xff, 0xff, 255};
        break;
    default:
        p.background = (crier_rgba){0x33, 0x33, 0x33, 255};
        p.text = (crier_rgba){0xff, 0xff, 0xff, 255};
        break;
    }
    return p;
}

const char *crier_alert_severity_label(crier_alert_severity severity)
{
    switch (severity) {
    case CRIER_SEVERITY_EXTREME:
        return "EXTREME";
    case CRIER_SEVERITY_SEVERE:
        return "SEVERE";
    case CRIER_SEVERITY_MODERATE:
        return "MODERATE";
    case CRIER_SEVERITY_MINOR:
        return "MINOR";
    default:
        return "ALERT";
    }
}

const char *crier_alert_band_label(crier_alert_status status)
{
    switch (status) {
    case CRIER_ALERT_TEST:
        return "TEST \xE2\x80\x94 NOT A REAL ALERT";
    case CRIER_ALERT_EXERCISE:
        return "EXERCISE \xE2\x80\x94 NOT A REAL ALERT";
    default:
        return NULL;
    }
}
