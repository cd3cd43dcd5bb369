#include "content/filesource.h"
#include "base/atomicfile.h"
#include "base/log.h"
#include "base/worker.h"
#include "base/timeutil.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct watched {
    char *name, *path;
    struct timespec mtime;
    off_t size;
    int loaded;
} watched;

/* Everything below belongs to the worker thread (set up before it starts),
 * except `force`, set by crier_filesource_reload() from any thread. */
struct crier_filesource {
    crier_worker *worker;
    int poll_ms;
    atomic_int force;  /* read every file at the next tick (start, reload) */
    int64_t next_poll; /* monotonic ms */
    crier_mailbox *mb;
    watched *files;
    int n_files;
};

crier_err crier_filesource_load(const char *path, const char *source, crier_item_list *out)
{
    char *buf = NULL, *dir = NULL;
    size_t n = 0;
    char err[256] = "";
    crier_item_list_init(out);
    crier_err rc = crier_atomicfile_read(path, CRIER_CONTENT_MAX_BYTES, &buf, &n);
    if (rc == CRIER_ERR_LIMIT) {
        LOG_WARN("content", "source '%s': '%s' is larger than %d bytes; keeping the previous content", source, path,
                 (int)CRIER_CONTENT_MAX_BYTES);
        return rc;
    }
    if (rc != CRIER_OK) {
        LOG_WARN("content", "source '%s': cannot read '%s': %s", source, path, crier_strerror(rc));
        return rc == CRIER_ERR_NOMEM ? rc : CRIER_ERR_IO;
    }
    const char *slash = strrchr(path, '/');
    dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    rc = dir ? crier_content_parse(buf, n, source, dir, out, err, sizeof err) : CRIER_ERR_NOMEM;
    if (rc != CRIER_OK)
        LOG_WARN("content", "source '%s': '%s' rejected: %s; keeping the previous content", source, path, err);
    free(buf);
    free(dir);
    return rc;
}

static void check_file(crier_filesource *fs, watched *w, int force)
{
    struct stat st;
    if (stat(w->path, &st) != 0) {
        if (w->loaded || force)
            LOG_WARN("content", "source '%s': '%s' is gone: %s; keeping the previous content", w->name, w->path,
                     strerror(errno));
        w->loaded = 0;
        return;
    }
    if (!force && w->loaded && st.st_mtim.tv_sec == w->mtime.tv_sec && st.st_mtim.tv_nsec == w->mtime.tv_nsec &&
        st.st_size == w->size)
        return;
    w->mtime = st.st_mtim;
    w->size = st.st_size;
    w->loaded = 1;
    crier_item_list *list = crier_item_list_new();
    if (!list)
        return;
    if (crier_filesource_load(w->path, w->name, list) != CRIER_OK) {
        crier_item_list_free(list);
        return;
    }
    crier_msg *m = crier_msg_new(CRIER_MSG_SOURCE_ITEMS, w->name, NULL);
    if (!m) {
        crier_item_list_free(list);
        return;
    }
    m->payload = list;
    m->payload_free = crier_item_list_free_void;
    LOG_INFO("content", "source '%s': %zu items from '%s'", w->name, list->count, w->path);
    crier_mailbox_post(fs->mb, m);
}

/* ---- worker callbacks ------------------------------------------------------------ */

static int64_t on_tick(void *ud, int64_t now_ms)
{
    crier_filesource *fs = ud;
    int force = atomic_exchange(&fs->force, 0);
    if (force || now_ms >= fs->next_poll) {
        for (int i = 0; i < fs->n_files; i++)
            check_file(fs, &fs->files[i], force);
        fs->next_poll = crier_mono_ms() + fs->poll_ms;
    }
    return fs->next_poll;
}

static const crier_worker_ops filesource_ops = {
    .name = "crier-files",
    .on_tick = on_tick,
};

static void filesource_free(crier_filesource *fs)
{
    for (int i = 0; fs->files && i < fs->n_files; i++) {
        free(fs->files[i].name);
        free(fs->files[i].path);
    }
    free(fs->files);
    free(fs);
}

crier_err crier_filesource_start(crier_filesource **out, const crier_filesource_cfg *cfg, char *err, size_t err_len)
{
    *out = NULL;
    const crier_config *c = cfg->config;
    crier_filesource *fs = calloc(1, sizeof *fs);
    if (!fs) {
        crier_errf(err, err_len, "file sources: out of memory");
        return CRIER_ERR_NOMEM;
    }
    fs->mb = cfg->to;
    fs->poll_ms = cfg->poll_ms > 0 ? cfg->poll_ms : 2000;
    fs->force = 1;
    fs->files = calloc((size_t)c->n_sources + 1, sizeof *fs->files);
    crier_err rc = fs->files ? CRIER_OK : CRIER_ERR_NOMEM;
    for (int i = 0; rc == CRIER_OK && i < c->n_sources; i++) {
        const crier_source_config *s = &c->sources[i];
        if (s->type != CRIER_FEED_FILE || !s->path)
            continue;
        watched *w = &fs->files[fs->n_files++];
        w->name = strdup(s->name);
        w->path = strdup(s->path);
        if (!w->name || !w->path)
            rc = CRIER_ERR_NOMEM;
    }
    if (rc == CRIER_OK)
        rc = crier_worker_start(&fs->worker, &filesource_ops, fs, 0);
    if (rc != CRIER_OK) {
        crier_errf(err, err_len, "cannot start the file source thread: %s", crier_strerror(rc));
        filesource_free(fs);
        return rc;
    }
    *out = fs;
    return CRIER_OK;
}

void crier_filesource_reload(crier_filesource *fs)
{
    if (!fs)
        return;
    atomic_store(&fs->force, 1);
    crier_worker_wake(fs->worker);
}

void crier_filesource_stop(crier_filesource *fs)
{
    if (!fs)
        return;
    crier_worker_stop(fs->worker);
    filesource_free(fs);
}
