/* filesource.h - local content files (the demo's format) as a content source.
 *
 * One worker thread (base/worker.h) watches every `type = file` source: it
 * reads each file at start and whenever its modification time or size changes
 * (checked every poll_ms), parses it off the render thread, and posts the
 * owned items as CRIER_MSG_SOURCE_ITEMS.  A file that fails to parse is logged
 * and its last good content stays on screen.
 * Locks: none of its own (the worker's inbox only); calls no other module
 * besides posting to the mailbox. */
#ifndef CRIER_FILESOURCE_H
#define CRIER_FILESOURCE_H

#include "config/config.h"
#include "content/content.h"
#include "base/mailbox.h"

typedef struct crier_filesource crier_filesource;

typedef struct crier_filesource_cfg {
    const crier_config *config; /* its `file` sources are watched (names and paths copied) */
    crier_mailbox *to;          /* where the items go (the render mailbox) */
    int poll_ms;                /* how often files are checked for changes (default 2000) */
} crier_filesource_cfg;

/* Starts the thread, which reads every file at once and then polls.  On error
 * *out is NULL and err (may be NULL) says why. */
crier_err crier_filesource_start(crier_filesource **out, const crier_filesource_cfg *cfg, char *err, size_t err_len);
/* Re-read every file now (the "reload" command).  Any thread. */
void crier_filesource_reload(crier_filesource *fs);
/* NULL-safe: stop message, join, free. */
void crier_filesource_stop(crier_filesource *fs);

/* Read and parse one content file (used by the thread and by --print-content). */
crier_err crier_filesource_load(const char *path, const char *source, crier_item_list *out);

#endif
