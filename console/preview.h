/* preview.h - the exact preview: a post drawn by crier's own renderer
 * (preview.c explains how and what the warnings can say). */
#ifndef CRIER_CONSOLE_PREVIEW_H
#define CRIER_CONSOLE_PREVIEW_H

#include "console.h"

typedef struct cn_preview_spec {
    char layout[CN_NAME_MAX + 1]; /* a file LAYOUTS_DIR/<layout>.json */
    int portrait;                 /* 720x1280, else 1280x720 */
} cn_preview_spec;

/* Renders post data (post.h) once per spec (1..4, in parallel) and appends
 * {"layout","orientation","png":"data:image/png;base64,...","warnings":[...]}
 * to the array out. */
crier_err cn_preview_render(const cn_ctx *ctx, const cJSON *data, const cn_preview_spec *specs, int n, cJSON *out,
                            char *err, size_t err_len);
/* The same for an alert: alert_state is a kiosk alert state file (JSON,
 * docs/alerts.md "Persistence") holding the alert as active; crier draws it
 * as a kiosk that accepted it and is stopped once it reports it presented. */
crier_err cn_preview_render_alert(const cn_ctx *ctx, const char *alert_state, const cn_preview_spec *specs, int n,
                                  cJSON *out, char *err, size_t err_len);
/* Is name a layout of the configured layouts folder? */
int cn_preview_layout_ok(const cn_ctx *ctx, const char *name);

#endif
