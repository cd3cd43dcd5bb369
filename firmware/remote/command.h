/* command.h - commands to one kiosk (crier/v1/kiosk/<k>/cmd/<name>).
 *
 * Staff tools send {"req":"..","sent":ms,"seconds":n}; the kiosk answers on
 * reply/<req> (remote/report.h) and, for a screenshot, screenshot/<req>
 * (docs/protocol.md "Commands").  Pure logic. */
#ifndef CRIER_COMMAND_H
#define CRIER_COMMAND_H

#include "base/error.h"
#include "remote/topic.h"

#include <stddef.h>
#include <stdint.h>

/* Command payload limit and the most an offline-queued command may lag. */
#define CRIER_CMD_MAX_BYTES 4096u
#define CRIER_CMD_MAX_AGE_MS (5 * 60 * 1000)

typedef struct crier_command {
    char name[CRIER_NAME_MAX + 1]; /* "screenshot", "reload", "identify" */
    char req[CRIER_NAME_MAX + 1];  /* request id the reply topics use */
    int32_t seconds;               /* identify: how long to show the id (default 10) */
    int64_t sent_ms;               /* wall ms the sender stamped; 0 = unknown */
} crier_command;

/* Is name a command kiosks understand? */
int crier_command_known(const char *name);
/* Parses {"req":"..","sent":ms,"seconds":n}; rejects stale (older than
 * CRIER_CMD_MAX_AGE_MS) and unknown commands.  On error out->req still holds
 * the request id when it was readable, so the sender can be answered. */
crier_err crier_command_parse(const char *name, const char *buf, size_t len, int64_t now_ms,
                              crier_command *out, char *err_msg, size_t err_len);
/* The payload staff tools send (malloc()ed JSON, NULL on allocation failure). */
char *crier_command_write(const char *req, int64_t sent_ms, int32_t seconds);

#endif
