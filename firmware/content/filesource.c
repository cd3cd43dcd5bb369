#include "content/filesource.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <errno.h>
#include <pthread.h>
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

struct crier_filesource {
    pthread_t thread;
    pthread_mutex_t lock; /* guards stop, reload */
    pthread_cond_t cond;
    int stop, reload;
    int poll_ms;
    crier_mailbox *mb;
    watched *files;
    int n_files;
};

crier_err crier_filesource_load(const char *path, const char *source, crier_item_list *out)
{
    crier_err rc = CRIER_OK;
    char *buf = NULL, *dir = NULL;
    char err[256] = "";
    crier_item_list_init(out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        LOG_WARN("content", "source '%s': cannot open '%s': %s", source, path, strerror(errno));
        return CRIER_ERR_IO;
    }
    buf = malloc(CRIER_CONTENT_MAX_BYTES + 1);
    if (!buf) {
        rc = CRIER_ERR_NOMEM;
        goto cleanup;
    }
    size_t n = fread(buf, 1, CRIER_CONTENT_MAX_BYTES + 1, f);
    if (ferror(f)) {
        LOG_WARN("content", "source '%s': read error on '%s'", source, path);
        rc = CRIER_ERR_IO;
        goto cleanup;
    }
    const char *slash = strrchr(path, '/');
    dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    rc = crier_content_parse(buf, n, source, dir, out, err, sizeof err);
    if (rc != CRIER_OK)
        LOG_WARN("content", "source '%s': '%s' rejected: %s; keeping the previous content", source, path, err);
cleanup:
    free(buf);
    free(dir);
    fclose(f);
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

static void *thread_main(void *arg)
{
    crier_filesource *fs = arg;
    int force = 1;
    for (;;) {
        for (int i = 0; i < fs->n_files; i++)
            check_file(fs, &fs->files[i], force);
        struct timespec ts = crier_mono_deadline(fs->poll_ms);
        pthread_mutex_lock(&fs->lock);
        while (!fs->stop && !fs->reload)
            if (pthread_cond_timedwait(&fs->cond, &fs->lock, &ts) == ETIMEDOUT)
                break;
        int stop = fs->stop;
        force = fs->reload;
        fs->reload = 0;
        pthread_mutex_unlock(&fs->lock);
        if (stop)
            break;
    }
    return NULL;
}

crier_filesource *crier_filesource_start(const crier_config *cfg, crier_mailbox *to_render, int poll_ms)
{
    crier_filesource *fs = calloc(1, sizeof *fs);
    if (!fs)
        return NULL;
    fs->mb = to_render;
    fs->poll_ms = poll_ms > 0 ? poll_ms : 2000;
    fs->files = calloc((size_t)cfg->n_sources + 1, sizeof *fs->files);
    if (!fs->files)
        goto fail;
    for (int i = 0; i < cfg->n_sources; i++) {
        const crier_source_config *s = &cfg->sources[i];
        if (s->type != CRIER_FEED_FILE || !s->path)
            continue;
        watched *w = &fs->files[fs->n_files++];
        w->name = strdup(s->name);
        w->path = strdup(s->path);
        if (!w->name || !w->path)
            goto fail;
    }
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&fs->cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&fs->lock, NULL);
    if (pthread_create(&fs->thread, NULL, thread_main, fs) != 0) {
        LOG_ERROR("content", "cannot start the file source thread");
        pthread_cond_destroy(&fs->cond);
        pthread_mutex_destroy(&fs->lock);
        goto fail;
    }
    return fs;
fail:
    for (int i = 0; fs->files && i < fs->n_files; i++) {
        free(fs->files[i].name);
        free(fs->files[i].path);
    }
    free(fs->files);
    free(fs);
    return NULL;
}

void crier_filesource_reload(crier_filesource *fs)
{
    if (!fs)
        return;
    pthread_mutex_lock(&fs->lock);
    fs->reload = 1;
    pthread_cond_signal(&fs->cond);
    pthread_mutex_unlock(&fs->lock);
}

void crier_filesource_stop(crier_filesource *fs)
{
    if (!fs)
        return;
    pthread_mutex_lock(&fs->lock);
    fs->stop = 1;
    pthread_cond_signal(&fs->cond);
    pthread_mutex_unlock(&fs->lock);
    pthread_join(fs->thread, NULL);
    for (int i = 0; i < fs->n_files; i++) {
        free(fs->files[i].name);
        free(fs->files[i].path);
    }
    free(fs->files);
    pthread_cond_destroy(&fs->cond);
    pthread_mutex_destroy(&fs->lock);
    free(fs);
}
