/* wrap.h - line breaking with a caller-supplied measure function.
 *
 * Breaks at spaces, after hyphens and between CJK ideographs/kana/hangul (so a
 * Japanese paragraph wraps without spaces while Latin words are never split
 * unless a single word is wider than the line).  "\n" forces a break.  When the
 * text needs more than max_lines lines, the last one ends with an ellipsis "…"
 * and `truncated` is set.  Pure logic: the renderer passes a measure function
 * backed by its fonts; tests pass a fixed-advance one. */
#ifndef CRIER_WRAP_H
#define CRIER_WRAP_H

#include "base/error.h"

#include <stddef.h>

/* Width in pixels of the first len bytes of s (UTF-8). */
typedef int (*crier_measure_fn)(const char *s, size_t len, void *ud);

typedef struct crier_wrapped {
    char **lines;   /* owned NUL-terminated lines */
    int n_lines;
    int truncated;  /* an ellipsis was added */
} crier_wrapped;

#define CRIER_WRAP_MAX_BYTES (256 * 1024)

crier_err crier_wrap(const char *text, int max_width, int max_lines, crier_measure_fn measure, void *ud,
                     crier_wrapped *out);
void crier_wrapped_free(crier_wrapped *w);

/* Is there a break opportunity between codepoints a and b (b follows a)? */
int crier_wrap_can_break(unsigned a, unsigned b);

#endif
