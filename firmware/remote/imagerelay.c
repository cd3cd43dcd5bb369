#include "remote/imagerelay.h"
#include "base/atomicfile.h"
#include "content/content.h"
#include "base/log.h"
#include "feeds/cache.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RETRACTED 256

struct crier_imagerelay {
    crier_imagerelay_config cfg;
    char *cache_dir, *ca_file;
    crier_mailbox inbox;
    pthread_t thread;
    pthread_mutex_t lock; /* guards pending, stop */
    pthread_cond_t cond;
    int pending, stop;
    /* Ids retracted while their image downloaded (render-thread semantics:
     * (source, id)); only the relay thread touches this. */
    char *retracted[MAX_RETRACTED];
    size_t n_retracted;
};

static void wake(void *ud)
{
    crier_imagerelay *r = ud;
    pthread_mutex_lock(&r->lock);
    r->pending = 1;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

typedef struct dl {
    unsigned char *data;
    size_t len, cap, max;
    int over;
} dl;

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
    dl *d = ud;
    size_t k = size * n;
    if (d->len + k > d->max) {
        d->over = 1;
        return 0; /* aborts the transfer */
    }
    if (d->len + k > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 65536;
        while (cap < d->len + k)
            cap *= 2;
        unsigned char *p = realloc(d->data, cap);
        if (!p)
            return 0;
        d->data = p;
        d->cap = cap;
    }
    memcpy(d->data + d->len, ptr, k);
    d->len += k;
    return n;
}

static int is_image_type(const char *ct)
{
    return ct && (strncmp(ct, "image/", 6) == 0 || strncmp(ct, "application/octet-stream", 24) == 0);
}

/* Download url into path; returns CRIER_OK when the file is there. */
static crier_err download(crier_imagerelay *r, const char *url, const char *path)
{
    crier_err rc = CRIER_ERR_NET;
    dl d = {.max = r->cfg.max_bytes};
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *c = curl_easy_init();
    if (!c)
        return CRIER_ERR_NOMEM;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)r->cfg.timeout_s);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->cfg.max_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "Crier");
    if (r->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, r->ca_file);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    char *ct = NULL;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    if (d.over || cc == CURLE_FILESIZE_EXCEEDED) {
        LOG_WARN("image", "image %s is larger than %zu bytes; post shown without it", url, r->cfg.max_bytes);
        rc = CRIER_ERR_LIMIT;
    } else if (cc != CURLE_OK) {
        LOG_WARN("image", "cannot download image %s: %s; post shown without it", url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
    } else if (status != 200) {
        LOG_WARN("image", "image %s: HTTP %ld; post shown without it", url, status);
    } else if (!is_image_type(ct)) {
        LOG_WARN("image", "image %s has content type '%s', not an image; post shown without it", url, ct ? ct : "");
        rc = CRIER_ERR_PARSE;
    } else {
        rc = crier_atomicfile_write(path, d.data, d.len, 0644, 1);
        if (rc != CRIER_OK)
            LOG_WARN("image", "cannot store image %s in %s: %s", url, path, crier_strerror(rc));
    }
    free(d.data);
    curl_easy_cleanup(c);
    return rc;
}

static int is_http(const char *s)
{
    return s && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0);
}

static char *key_of(const char *source, const char *id)
{
    size_t n = strlen(source ? source : "") + strlen(id ? id : "") + 2;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s\n%s", source ? source : "", id ? id : "");
    return k;
}

static void forget_retracted(crier_imagerelay *r, const char *key)
{
    for (size_t i = 0; i < r->n_retracted; i++)
        if (strcmp(r->retracted[i], key) == 0) {
            free(r->retracted[i]);
            r->retracted[i] = r->retracted[--r->n_retracted];
            return;
        }
}

static int was_retracted(crier_imagerelay *r, const char *key)
{
    for (size_t i = 0; i < r->n_retracted; i++)
        if (strcmp(r->retracted[i], key) == 0)
            return 1;
    return 0;
}

/* Forward a message; a post whose image must be fetched first goes on
 * without it and is queued (returned) for the second pass. */
static crier_msg *relay(crier_imagerelay *r, crier_msg *m)
{
    if (m->type == CRIER_MSG_ITEM_RETRACT) {
        char *k = key_of(m->source, m->key);
        if (k && r->n_retracted < MAX_RETRACTED)
            r->retracted[r->n_retracted++] = k;
        else
            free(k);
    }
    if (m->type != CRIER_MSG_ITEM_UPSERT || !m->payload || !is_http(((crier_item *)m->payload)->image)) {
        if (m->type == CRIER_MSG_ITEM_UPSERT && m->payload) {
            char *k = key_of(((crier_item *)m->payload)->source, ((crier_item *)m->payload)->id);
            if (k)
                forget_retracted(r, k);
            free(k);
        }
        crier_mailbox_post(r->cfg.to, m);
        return NULL;
    }
    crier_item *it = m->payload;
    char path[4096];
    crier_cache_image_path(r->cache_dir, it->image, path, sizeof path);
    char *k = key_of(it->source, it->id);
    if (k)
        forget_retracted(r, k);
    free(k);
    if (access(path, R_OK) == 0) { /* cached already */
        free(it->image);
        it->image = crier_strdup(path);
        crier_mailbox_post(r->cfg.to, m);
        return NULL;
    }
    /* Show it now without the image; keep this copy for after the download. */
    crier_item copy;
    crier_msg *now = crier_msg_new(CRIER_MSG_ITEM_UPSERT, m->source, m->key);
    crier_item *heap = malloc(sizeof *heap);
    if (now && heap && crier_item_copy(&copy, it) == CRIER_OK) {
        free(copy.image);
        copy.image = NULL;
        *heap = copy;
        now->payload = heap;
        now->payload_free = m->payload_free;
        crier_mailbox_post(r->cfg.to, now);
    } else {
        free(heap);
        crier_msg_free(now);
    }
    return m;
}

static void fetch_and_forward(crier_imagerelay *r, crier_msg *m)
{
    crier_item *it = m->payload;
    char path[4096];
    crier_cache_image_path(r->cache_dir, it->image, path, sizeof path);
    if (download(r, it->image, path) != CRIER_OK) {
        crier_msg_free(m); /* the post is up already, without image */
        return;
    }
    char *k = key_of(it->source, it->id);
    int gone = k && was_retracted(r, k);
    free(k);
    if (gone) {
        crier_msg_free(m);
        return;
    }
    LOG_INFO("image", "image of post '%s' downloaded to %s", it->id, path);
    free(it->image);
    it->image = crier_strdup(path);
    crier_mailbox_post(r->cfg.to, m);
}

static void *thread_main(void *arg)
{
    crier_imagerelay *r = arg;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        while (!r->pending && !r->stop)
            pthread_cond_wait(&r->cond, &r->lock);
        int stop = r->stop;
        r->pending = 0;
        pthread_mutex_unlock(&r->lock);
        crier_msg *m = crier_mailbox_take_all(&r->inbox), *later = NULL, **tail = &later;
        while (m) { /* first pass: forward everything at once */
            crier_msg *next = m->next;
            m->next = NULL;
            crier_msg *wait = relay(r, m);
            if (wait) {
                *tail = wait;
                tail = &wait->next;
            }
            m = next;
        }
        while (later) { /* second pass: images */
            crier_msg *next = later->next;
            later->next = NULL;
            if (stop)
                crier_msg_free(later);
            else
                fetch_and_forward(r, later);
            later = next;
        }
        if (stop)
            break;
    }
    return NULL;
}

crier_imagerelay *crier_imagerelay_start(const crier_imagerelay_config *cfg)
{
    crier_imagerelay *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->cfg = *cfg;
    r->cache_dir = crier_strdup(cfg->cache_dir);
    r->ca_file = cfg->ca_file && cfg->ca_file[0] ? crier_strdup(cfg->ca_file) : NULL;
    if (!r->cache_dir || crier_mailbox_init(&r->inbox, 0) != CRIER_OK) {
        free(r->cache_dir);
        free(r->ca_file);
        free(r);
        return NULL;
    }
    char dir[4096];
    mkdir(r->cache_dir, 0750);
    snprintf(dir, sizeof dir, "%s/img", r->cache_dir);
    mkdir(dir, 0750);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    crier_mailbox_set_wake(&r->inbox, wake, r);
    if (pthread_create(&r->thread, NULL, thread_main, r) != 0) {
        crier_mailbox_destroy(&r->inbox);
        pthread_mutex_destroy(&r->lock);
        pthread_cond_destroy(&r->cond);
        free(r->cache_dir);
        free(r->ca_file);
        free(r);
        return NULL;
    }
    return r;
}

crier_mailbox *crier_imagerelay_inbox(crier_imagerelay *r)
{
    return &r->inbox;
}

void crier_imagerelay_stop(crier_imagerelay *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->stop = 1;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    crier_mailbox_set_wake(&r->inbox, NULL, NULL);
    crier_mailbox_destroy(&r->inbox);
    for (size_t i = 0; i < r->n_retracted; i++)
        free(r->retracted[i]);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    free(r->cache_dir);
    free(r->ca_file);
    free(r);
}
