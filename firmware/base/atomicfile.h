/* atomicfile.h - whole-file reads with a size cap and crash-safe whole-file writes.
 *
 * Writes go to "<path>.tmp.<pid>.<n>" in the same folder (created with the requested
 * mode), are fsync()ed, then renamed over <path> (or linked to it when overwriting is
 * not allowed, so an existing file is never clobbered) and the folder is fsync()ed:
 * after a crash the file holds either the old or the new contents, never a mix. */
#ifndef CRIER_ATOMICFILE_H
#define CRIER_ATOMICFILE_H

#include "base/error.h"

#include <stddef.h>
#include <sys/types.h>

/* Write len bytes atomically.  mode: permission bits of the new file (e.g. 0600).
 * overwrite = 0: fail with CRIER_ERR_INVAL if path already exists. */
crier_err crier_atomicfile_write(const char *path, const void *data, size_t len, mode_t mode,
                                 int overwrite);

/* Read a whole regular file of at most max_len bytes.  *out is malloc'd, owned by
 * the caller, NUL-terminated (not counted in *out_len).  CRIER_ERR_NOTFOUND if it
 * does not exist, CRIER_ERR_LIMIT if larger than max_len, CRIER_ERR_IO otherwise. */
crier_err crier_atomicfile_read(const char *path, size_t max_len, char **out, size_t *out_len);
/* The same, also from a pipe or character device (/dev/stdin, <(...)): for the
 * command-line tools; the firmware reads regular files only (a FIFO would block). */
crier_err crier_atomicfile_read_stream(const char *path, size_t max_len, char **out, size_t *out_len);

/* Remove the temp files ("NAME.tmp.<pid>.<n>") that writers killed mid-write left in
 * dir; only those of processes no longer alive (a running writer's are kept).  Call it
 * once at start-up for each folder written with crier_atomicfile_write, so crashes do
 * not pile up temp files.  Returns the number removed (each logged at info). */
size_t crier_atomicfile_sweep(const char *dir);

#endif
