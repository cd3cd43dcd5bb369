/* render.h - the render thread's entry point (the only SDL-using module).
 *
 * crier_render_run() owns SDL for its whole life: it opens the display backend,
 * then loops: take messages from the mailbox, update the playlist, draw only if
 * something changed, present, and sleep until the nearest deadline (rotation,
 * clock minute, transition frame, content validity change, or a message).
 * It returns when run_for_ms elapses or a CRIER_MSG_QUIT arrives, after
 * stopping (joining) the threads it started (the screenshot encoder, the alert
 * sound): no hook is called after it returns. */
#ifndef CRIER_RENDER_H
#define CRIER_RENDER_H

#include "config/config.h"
#include "base/error.h"
#include "base/eventlog.h"
#include "screen/layout.h"
#include "base/mailbox.h"

#include <stdint.h>

/* Calls the render loop makes to the program around it (all optional; on the
 * render thread, so they must be quick). */
typedef struct crier_render_hooks {
    void *ud;
    void (*first_frame)(void *ud);                  /* once, after the first frame is presented */
    void (*alive)(void *ud, int64_t wall_ms);       /* every alive_every_ms: watchdog, display power */
    int64_t alive_every_ms;
    /* A post went on screen (id NULL: nothing shown): MQTT status, proof of play. */
    void (*shown)(void *ud, const char *id, const char *source, const char *title);
    void (*content_updated)(void *ud, int64_t wall_ms);
    /* A command the renderer does not handle itself ("reload"); msg stays owned by the loop. */
    void (*command)(void *ud, const crier_msg *msg);
    /* A screenshot asked for by a command: png is NULL on failure.  Called on
     * the screenshot worker (screen/screenshot.h), which crier_render_run()
     * joins before it returns: never after that. */
    void (*screenshot)(void *ud, const char *req, const void *png, size_t len);
    /* The frame showing this alert was presented at presented_ms (wall clock). */
    void (*alert_presented)(void *ud, const char *sender, const char *identifier, int64_t presented_ms);
    /* The first frame after the alert snapshot with this key (its generation:
     * CRIER_MSG_ALERTS key) was presented: receipts for Cancels, which show nothing. */
    void (*alerts_frame_presented)(void *ud, const char *snapshot_key, int64_t presented_ms);
    /* "as of HH:MM" when content sources have been failing for long (0: all fresh). */
    int (*stale_label)(void *ud, int64_t wall_ms, char *buf, size_t len);
} crier_render_hooks;

typedef struct crier_render_opts {
    const crier_config *cfg;
    const crier_layout *layout;
    const char *fonts_dir;
    int64_t run_for_ms;          /* 0 = until quit */
    const char *screenshot_path; /* written on exit (and periodically if screenshot_every_ms) */
    int64_t screenshot_every_ms; /* 0 = only on exit */
    int64_t start_mono_ms;       /* process start, for first-frame timing */
    crier_eventlog *events;      /* may be NULL */
    crier_render_hooks hooks;
} crier_render_opts;

crier_err crier_render_run(const crier_render_opts *opts, crier_mailbox *mailbox);

#endif
