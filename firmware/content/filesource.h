/* filesource.h - local content files (the demo's format) as a content source.
 *
 * One thread watches every `type = file` source: it reads each file at start
 * and whenever its modification time or size changes (checked every
 * poll_ms), parses it off the render thread, and posts the owned items as
 * CRIER_MSG_SOURCE_ITEMS.  A file that fails to parse is logged and its last
 * good content stays on screen. */
#ifndef CRIER_FILESOURCE_H
#define CRIER_FILESOURCE_H

#include "config/config.h"
#include "content/content.h"
#include "base/mailbox.h"

typedef struct crier_filesource crier_filesource;

/* Loads every file once synchronously-in-thread, then polls.  NULL on failure. */
crier_filesource *crier_filesource_start(const crier_config *cfg, crier_mailbox *to_render, int poll_ms);
/* Re-read every file now (the "reload" command). */
void crier_filesource_reload(crier_filesource *fs);
void crier_filesource_stop(crier_filesource *fs); /* NULL-safe; joins the thread */

/* Read and parse one content file (used by the thread and by --print-content). */
crier_err crier_filesource_load(const char *path, const char *source, crier_item_list *out);

#endif
