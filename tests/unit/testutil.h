/* testutil.h - helpers shared by the C tests: where the source tree and the
 * fixtures are, and reading a whole file with the firmware's own reader
 * (crier_atomicfile_read, base/atomicfile.h).  Needs crier_core only, so unit,
 * io and render tests can all include it.  Header-only; every function is static.
 *
 *     char *buf = read_filef(&len, "%s/cap/%s", fixtures_dir(), name);   NULL: said why on stderr
 *     char *buf = read_file(path, CRIER_LAYOUT_MAX_BYTES, &len);         quiet; 0 = TEST_FILE_MAX
 *     free(buf);                                                          NUL-terminated, len bytes
 *     remove_tree(tmpdir);                                                rm -rf, says if it failed */
#ifndef CRIER_TESTUTIL_H
#define CRIER_TESTUTIL_H

#include "base/atomicfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most a test reads of one file (when read_file is given max 0). */
#define TEST_FILE_MAX ((size_t)256 << 20)

/* The source tree: $CRIER_SOURCE (ctest sets it), else two folders above this header. */
__attribute__((unused)) static const char *source_tree(void)
{
    static char buf[1024];
    const char *s = getenv("CRIER_SOURCE");
    if (s && *s)
        return s;
    const char *file = __FILE__, *slash = strrchr(file, '/');
    snprintf(buf, sizeof buf, "%.*s/../..", slash ? (int)(slash - file) : 1, slash ? file : ".");
    return buf;
}

/* tests/fixtures: $CRIER_FIXTURES (ctest sets it), else in source_tree(). */
__attribute__((unused)) static const char *fixtures_dir(void)
{
    static char buf[1100];
    const char *s = getenv("CRIER_FIXTURES");
    if (s && *s)
        return s;
    snprintf(buf, sizeof buf, "%s/tests/fixtures", source_tree());
    return buf;
}

/* rm -rf dir (a test's temp folder).  0, or -1 after a line on stderr. */
__attribute__((unused)) static int remove_tree(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) == 0)
        return 0;
    fprintf(stderr, "could not remove %s\n", dir);
    return -1;
}

/* The whole regular file at path, at most max bytes (0: TEST_FILE_MAX), NUL-terminated
 * (the NUL not counted in *len); free() it.  NULL if it cannot be read. */
__attribute__((unused)) static char *read_file(const char *path, size_t max, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    if (crier_atomicfile_read(path, max ? max : TEST_FILE_MAX, &buf, &n) != CRIER_OK)
        return NULL;
    *len = n;
    return buf;
}

/* read_file of the printf-formatted path (at most TEST_FILE_MAX); NULL after a
 * line naming the path on stderr. */
__attribute__((unused, format(printf, 2, 3))) static char *read_filef(size_t *len, const char *fmt, ...)
{
    char path[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    char *buf = read_file(path, 0, len);
    if (!buf)
        fprintf(stderr, "    cannot read %s\n", path);
    return buf;
}

#endif
