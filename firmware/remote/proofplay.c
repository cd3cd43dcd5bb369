/* proofplay.c - proof-of-play log (see proofplay.h).
 *
 * Design: producers append formatted JSON lines to an in-memory FIFO under
 * `lock` (never touching the disk); crier_proofplay_flush() detaches the whole
 * FIFO under the lock and writes it with the lock released, so the render
 * thread never waits for an SD card.  `write_lock` serialises flushers (file
 * size bookkeeping and rotation).
 *
 * Lock contract: `lock` guards head, tail, pending, dropped, the open_ fields, stats and
 * write_errors; `write_lock` guards file_size and the files on disk. */
#include "remote/proofplay.h"
#include "content/content.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct line {
    struct line *next;
    size_t len;
    char text[]; /* ends with '\n' */
} line;

typedef struct stat_entry {
    char *id, *source;
    int64_t plays, ms, last_ms;
} stat_entry;

struct crier_proofplay {
    char *path;
    size_t max_bytes;
    int keep;
    pthread_mutex_t lock, write_lock;
    line *head, *tail;
    size_t pending;
    int64_t dropped, write_errors;
    /* the play in progress (crier_proofplay_showing) */
    char *open_id, *open_source, *open_title;
    int64_t open_wall_ms, open_mono_ms;
    /* summary */
    int64_t since_ms, plays, play_ms;
    stat_entry stats[CRIER_PROOFPLAY_MAX_TRACKED];
    size_t nstats;
    /* write side */
    long long file_size; /* -1 = unknown */
};

crier_proofplay *crier_proofplay_new(const char *path, size_t max_bytes, int keep)
{
    if (!path || !*path || keep < 0 || keep > 99)
        return NULL;
    crier_proofplay *pp = calloc(1, sizeof *pp);
    if (!pp)
        return NULL;
    pp->path = crier_strdup(path);
    pp->max_bytes = max_bytes ? max_bytes : 1024u * 1024u;
    if (pp->max_bytes < 1024)
        pp->max_bytes = 1024;
    pp->keep = keep ? keep : 3;
    pp->file_size = -1;
    pp->since_ms = crier_wall_ms();
    if (!pp->path) {
        free(pp);
        return NULL;
    }
    pthread_mutex_init(&pp->lock, NULL);
    pthread_mutex_init(&pp->write_lock, NULL);
    return pp;
}

static void stat_add(crier_proofplay *pp, const char *id, const char *source, int64_t start, int64_t dur)
{
    pp->plays++;
    pp->play_ms += dur;
    stat_entry *e = NULL;
    for (size_t i = 0; i < pp->nstats; i++)
        if (strcmp(pp->stats[i].id, id) == 0 && strcmp(pp->stats[i].source, source) == 0)
            e = &pp->stats[i];
    if (!e) {
        if (pp->nstats == CRIER_PROOFPLAY_MAX_TRACKED) {
            /* evict the least played (ties: the oldest) */
            size_t v = 0;
            for (size_t i = 1; i < pp->nstats; i++)
                if (pp->stats[i].plays < pp->stats[v].plays ||
                    (pp->stats[i].plays == pp->stats[v].plays && pp->stats[i].last_ms < pp->stats[v].last_ms))
                    v = i;
            free(pp->stats[v].id);
            free(pp->stats[v].source);
            pp->stats[v] = pp->stats[--pp->nstats];
        }
        char *i2 = crier_strdup(id), *s2 = crier_strdup(source);
        if (!i2 || !s2) {
            free(i2);
            free(s2);
            return;
        }
        e = &pp->stats[pp->nstats++];
        *e = (stat_entry){.id = i2, .source = s2};
    }
    e->plays++;
    e->ms += dur;
    e->last_ms = start;
}

/* Appends one JSON line (o is consumed) to the pending FIFO; the play (id,
 * source, start, dur) is counted when count_play. */
static void push_line(crier_proofplay *pp, cJSON *o, int count_play, const char *id, const char *source,
                      int64_t start_wall_ms, int64_t duration_ms)
{
    char *json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!json)
        return;
    size_t n = strlen(json);
    line *l = malloc(sizeof *l + n + 1);
    if (!l) {
        free(json);
        return;
    }
    memcpy(l->text, json, n);
    l->text[n] = '\n';
    l->len = n + 1;
    l->next = NULL;
    free(json);

    pthread_mutex_lock(&pp->lock);
    if (pp->pending >= CRIER_PROOFPLAY_MAX_PENDING) {
        line *old = pp->head;
        pp->head = old->next;
        if (!pp->head)
            pp->tail = NULL;
        free(old);
        pp->pending--;
        pp->dropped++;
    }
    if (pp->tail)
        pp->tail->next = l;
    else
        pp->head = l;
    pp->tail = l;
    pp->pending++;
    if (count_play)
        stat_add(pp, id, source, start_wall_ms, duration_ms);
    pthread_mutex_unlock(&pp->lock);
}

void crier_proofplay_record(crier_proofplay *pp, const char *id, const char *source, const char *title,
                            int64_t start_wall_ms, int64_t duration_ms)
{
    if (!pp || !id)
        return;
    if (!source)
        source = "";
    if (duration_ms < 0)
        duration_ms = 0;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return;
    char when[40];
    crier_format_utc_ms(start_wall_ms, when, sizeof when);
    cJSON_AddStringToObject(o, "start", when);
    cJSON_AddNumberToObject(o, "start_ms", (double)start_wall_ms);
    cJSON_AddNumberToObject(o, "dur_ms", (double)duration_ms);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "source", source);
    if (title)
        cJSON_AddStringToObject(o, "title", title);
    push_line(pp, o, 1, id, source, start_wall_ms, duration_ms);
}

void crier_proofplay_retraction(crier_proofplay *pp, const char *id, const char *source, int accepted,
                                const char *by, const char *issuer, const char *key_id, int64_t sent_ms,
                                const char *reason)
{
    if (!pp || !id)
        return;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return;
    int64_t now = crier_wall_ms();
    char when[40];
    crier_format_utc_ms(now, when, sizeof when);
    cJSON_AddStringToObject(o, "retracted", when);
    cJSON_AddNumberToObject(o, "retracted_ms", (double)now);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "source", source ? source : "");
    cJSON_AddBoolToObject(o, "accepted", accepted != 0);
    if (by && *by)
        cJSON_AddStringToObject(o, "by", by);
    if (issuer)
        cJSON_AddStringToObject(o, "issuer", issuer);
    if (key_id)
        cJSON_AddStringToObject(o, "kid", key_id);
    if (sent_ms)
        cJSON_AddNumberToObject(o, "sent_ms", (double)sent_ms);
    if (reason)
        cJSON_AddStringToObject(o, "reason", reason);
    push_line(pp, o, 0, NULL, NULL, 0, 0);
}

void crier_proofplay_showing(crier_proofplay *pp, const char *id, const char *source, const char *title)
{
    if (!pp)
        return;
    int64_t now_mono = crier_mono_ms(), now_wall = crier_wall_ms();
    char *pid = NULL, *psrc = NULL, *ptitle = NULL;
    int64_t pstart = 0, pmono = 0;
    char *nid = id ? crier_strdup(id) : NULL, *nsrc = source ? crier_strdup(source) : NULL,
         *ntitle = title ? crier_strdup(title) : NULL;
    pthread_mutex_lock(&pp->lock);
    pid = pp->open_id;
    psrc = pp->open_source;
    ptitle = pp->open_title;
    pstart = pp->open_wall_ms;
    pmono = pp->open_mono_ms;
    pp->open_id = nid;
    pp->open_source = nsrc;
    pp->open_title = ntitle;
    pp->open_wall_ms = now_wall;
    pp->open_mono_ms = now_mono;
    pthread_mutex_unlock(&pp->lock);
    if (pid)
        crier_proofplay_record(pp, pid, psrc, ptitle, pstart, now_mono - pmono);
    free(pid);
    free(psrc);
    free(ptitle);
}

static void rotate(crier_proofplay *pp)
{
    size_t n = strlen(pp->path) + 8;
    char *from = malloc(n), *to = malloc(n);
    if (!from || !to)
        goto cleanup;
    snprintf(to, n, "%s.%d", pp->path, pp->keep);
    unlink(to);
    for (int i = pp->keep - 1; i >= 1; i--) {
        snprintf(from, n, "%s.%d", pp->path, i);
        snprintf(to, n, "%s.%d", pp->path, i + 1);
        rename(from, to);
    }
    snprintf(to, n, "%s.1", pp->path);
    if (rename(pp->path, to) != 0 && errno != ENOENT)
        LOG_WARN("proofplay", "cannot rotate %s: %s", pp->path, strerror(errno));
    pp->file_size = 0;
cleanup:
    free(from);
    free(to);
}

crier_err crier_proofplay_flush(crier_proofplay *pp)
{
    if (!pp)
        return CRIER_ERR_INVAL;
    pthread_mutex_lock(&pp->lock);
    line *l = pp->head;
    pp->head = pp->tail = NULL;
    pp->pending = 0;
    pthread_mutex_unlock(&pp->lock);
    if (!l)
        return CRIER_OK;

    crier_err rc = CRIER_OK;
    int64_t failed = 0;
    pthread_mutex_lock(&pp->write_lock);
    if (pp->file_size < 0) {
        struct stat st;
        pp->file_size = stat(pp->path, &st) == 0 ? (long long)st.st_size : 0;
    }
    FILE *f = NULL;
    while (l) {
        line *next = l->next;
        if (pp->file_size > 0 && (size_t)pp->file_size + l->len > pp->max_bytes) {
            if (f) {
                fclose(f);
                f = NULL;
            }
            rotate(pp);
        }
        if (!f && !(f = fopen(pp->path, "a"))) {
            if (!failed)
                LOG_WARN("proofplay", "cannot open %s: %s", pp->path, strerror(errno));
            rc = CRIER_ERR_IO;
        }
        if (f && fwrite(l->text, 1, l->len, f) == l->len)
            pp->file_size += (long long)l->len;
        else
            failed++;
        free(l);
        l = next;
    }
    if (f && fclose(f) != 0) {
        rc = CRIER_ERR_IO;
        failed++;
    }
    pthread_mutex_unlock(&pp->write_lock);
    if (failed) {
        pthread_mutex_lock(&pp->lock);
        pp->write_errors += failed;
        pthread_mutex_unlock(&pp->lock);
        rc = CRIER_ERR_IO;
    }
    return rc;
}

static int by_plays(const void *a, const void *b)
{
    const stat_entry *x = a, *y = b;
    if (x->plays != y->plays)
        return x->plays > y->plays ? -1 : 1;
    return x->last_ms > y->last_ms ? -1 : x->last_ms < y->last_ms;
}

char *crier_proofplay_summary_json(crier_proofplay *pp)
{
    if (!pp)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    stat_entry top[CRIER_PROOFPLAY_MAX_TRACKED];
    size_t n;
    pthread_mutex_lock(&pp->lock);
    cJSON_AddNumberToObject(o, "plays", (double)pp->plays);
    cJSON_AddNumberToObject(o, "play_ms", (double)pp->play_ms);
    cJSON_AddNumberToObject(o, "since", (double)pp->since_ms);
    cJSON_AddNumberToObject(o, "dropped", (double)pp->dropped);
    cJSON_AddNumberToObject(o, "write_errors", (double)pp->write_errors);
    n = pp->nstats;
    memcpy(top, pp->stats, n * sizeof top[0]);
    qsort(top, n, sizeof top[0], by_plays);
    cJSON *arr = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < n && i < 10 && arr; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "id", top[i].id);
        cJSON_AddStringToObject(e, "source", top[i].source);
        cJSON_AddNumberToObject(e, "plays", (double)top[i].plays);
        cJSON_AddNumberToObject(e, "ms", (double)top[i].ms);
        cJSON_AddNumberToObject(e, "last", (double)top[i].last_ms);
        cJSON_AddItemToArray(arr, e);
    }
    pthread_mutex_unlock(&pp->lock);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

void crier_proofplay_free(crier_proofplay *pp)
{
    if (!pp)
        return;
    crier_proofplay_showing(pp, NULL, NULL, NULL); /* close the open play */
    crier_proofplay_flush(pp);
    for (size_t i = 0; i < pp->nstats; i++) {
        free(pp->stats[i].id);
        free(pp->stats[i].source);
    }
    pthread_mutex_destroy(&pp->lock);
    pthread_mutex_destroy(&pp->write_lock);
    free(pp->path);
    free(pp);
}
