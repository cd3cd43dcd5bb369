/* atomicfile.c - see atomicfile.h.
 *
 * Design: temp file in the target's folder (rename is only atomic within one file
 * system), O_EXCL so two writers never share a temp file, fsync of the data before
 * the rename and of the folder after it so the new name survives a power cut. */
#include "base/atomicfile.h"
#include "base/buf.h"
#include "base/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

static atomic_uint tmp_counter; /* unique temp names across threads of one process */

static void fsync_parent(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(copy);
}

crier_err crier_atomicfile_write(const char *path, const void *data, size_t len, mode_t mode,
                                 int overwrite)
{
    crier_err err = CRIER_ERR_IO;
    int fd = -1;
    char *tmp = NULL;
    if (!path || (!data && len))
        return CRIER_ERR_INVAL;
    size_t tlen = strlen(path) + 32;
    tmp = malloc(tlen);
    if (!tmp)
        return CRIER_ERR_NOMEM;
    snprintf(tmp, tlen, "%s.tmp.%ld.%u", path, (long)getpid(), atomic_fetch_add(&tmp_counter, 1));
    (void)unlink(tmp); /* a leftover from a crashed run of a process with our pid */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        LOG_ERROR("file", "cannot create %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    if (fchmod(fd, mode) != 0) { /* umask must not loosen or tighten what was asked */
        LOG_ERROR("file", "chmod %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            LOG_ERROR("file", "write %s: %s", tmp, strerror(errno));
            goto cleanup;
        }
        p += n;
        left -= (size_t)n;
    }
    if (fsync(fd) != 0) {
        LOG_ERROR("file", "fsync %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    if (close(fd) != 0) {
        fd = -1;
        LOG_ERROR("file", "close %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    fd = -1;
    if (overwrite) {
        if (rename(tmp, path) != 0) {
            LOG_ERROR("file", "rename %s -> %s: %s", tmp, path, strerror(errno));
            goto cleanup;
        }
    } else {
        if (link(tmp, path) != 0) {
            if (errno == EEXIST) {
                LOG_ERROR("file", "%s already exists; not overwriting", path);
                err = CRIER_ERR_INVAL;
            } else {
                LOG_ERROR("file", "link %s -> %s: %s", tmp, path, strerror(errno));
            }
            goto cleanup;
        }
        (void)unlink(tmp);
    }
    fsync_parent(path);
    err = CRIER_OK;
cleanup:
    if (fd >= 0)
        close(fd);
    if (err != CRIER_OK)
        (void)unlink(tmp);
    free(tmp);
    return err;
}

static crier_err read_whole(const char *path, size_t max_len, int streams, char **out, size_t *out_len)
{
    if (!path || !out || !out_len)
        return CRIER_ERR_INVAL;
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? CRIER_ERR_NOTFOUND : CRIER_ERR_IO;
    crier_err err = CRIER_OK;
    struct stat st;
    if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || (streams && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)))))
        err = CRIER_ERR_IO;
    else if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max_len)
        err = CRIER_ERR_LIMIT;
    /* Read until EOF (a regular file may have grown since fstat; a pipe has no size). */
    crier_buf b = {.max = max_len, .initial = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096};
    while (err == CRIER_OK) {
        char chunk[16384];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? CRIER_ERR_IO : crier_buf_reserve(&b, 0); /* an empty file is "" */
            break;
        }
        err = crier_buf_append(&b, chunk, (size_t)n);
    }
    close(fd);
    if (err != CRIER_OK) {
        crier_buf_free(&b);
        return err;
    }
    *out_len = b.len;
    *out = crier_buf_take(&b);
    return CRIER_OK;
}

/* Is name "X.tmp.<pid>.<n>" with X non-empty?  Sets *pid. */
static int temp_name_pid(const char *name, long *pid)
{
    const char *t = NULL;
    for (const char *p = strstr(name, ".tmp."); p; p = strstr(p + 1, ".tmp."))
        t = p; /* the last ".tmp." */
    if (!t || t == name)
        return 0;
    char *end = NULL;
    errno = 0;
    long v = strtol(t + 5, &end, 10);
    if (errno || end == t + 5 || *end != '.' || v <= 0)
        return 0;
    const char *n = end + 1;
    if (!*n)
        return 0;
    for (; *n; n++)
        if (*n < '0' || *n > '9')
            return 0;
    *pid = v;
    return 1;
}

size_t crier_atomicfile_sweep(const char *dir)
{
    size_t removed = 0;
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = 0;
        if (!temp_name_pid(e->d_name, &pid) || pid == (long)getpid())
            continue;
        if (pid <= INT32_MAX && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue; /* its writer may still be running */
        if (unlinkat(dirfd(d), e->d_name, 0) == 0) {
            removed++;
            LOG_INFO("file", "removed %s/%s, left by a writer that died mid-write", dir, e->d_name);
        }
    }
    closedir(d);
    return removed;
}

crier_err crier_atomicfile_read(const char *path, size_t max_len, char **out, size_t *out_len)
{
    return read_whole(path, max_len, 0, out, out_len);
}

crier_err crier_atomicfile_read_stream(const char *path, size_t max_len, char **out, size_t *out_len)
{
    return read_whole(path, max_len, 1, out, out_len);
}
