/* audit.h - the audit log: who did what, when, with what result.
 *
 * Append-only (the database refuses UPDATE and DELETE on the table with
 * triggers); every line is also sent as an SSE "audit" event.  Strings are
 * cleaned (invalid UTF-8 and control characters replaced, 1000 bytes at most)
 * before they are stored.  Exports: a JSON document, JSON lines or CSV (cells
 * that a spreadsheet would run as a formula get a leading apostrophe). */
#ifndef CRIER_CONSOLE_AUDIT_H
#define CRIER_CONSOLE_AUDIT_H

#include "console.h"
#include "db.h"
#include "sse.h"

#include <stddef.h>

/* result: "ok", "refused", "failed".  detail may be NULL.  sse may be NULL. */
void cn_audit(cn_db *db, cn_sse *sse, const char *user, const char *action, const char *object,
              const char *result, const char *detail);

typedef enum cn_audit_format { CN_AUDIT_JSON = 0, CN_AUDIT_JSONL, CN_AUDIT_CSV } cn_audit_format;

/* The newest `limit` lines (0 = all), oldest first, as text (malloc()ed) in
 * format; *ctype gets its Content-Type.  NULL on failure. */
char *cn_audit_export(cn_db *db, cn_audit_format format, int limit, size_t *len, const char **ctype);

/* Copy of s with invalid UTF-8 and control characters replaced by '?', cut
 * at max bytes (on a character boundary); malloc()ed. */
char *cn_text_clean(const char *s, size_t max);

#endif
