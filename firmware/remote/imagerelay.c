/* imagerelay.c - see imagerelay.h.
 *
 * One crier_worker.  Producers (the MQTT thread) post into `inbox`, a plain
 * mailbox whose wake function wakes the worker; every tick takes the whole
 * inbox, forwards each message at once (first pass) and then downloads the
 * images that are missing (second pass, feeds/download.h rules, cut short
 * when stopping).  Everything except the inbox belongs to the worker thread. */
#include "remote/imagerelay.h"
#include "base/log.h"
#include "base/worker.h"
#include "content/content.h"
#include "feeds/cache.h"
#include "feeds/download.h"
#include "feeds/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RETRACTED 256

struct crier_imagerelay {
    char *cache_dir;
    crier_http_cfg http; /* strings owned */
    size_t max_bytes;
    crier_mailbox *to;
    crier_mailbox inbox; /* the producers' side; its wake function wakes the worker */
    crier_worker *worker;
    /* Ids retracted while their image downloaded (render-thread semantics:
     * (source, id)); only the relay thread touches this. */
    char *retracted[MAX_RETRACTED];
    size_t n_retracted;
};

static void wake(void *ud)
{
    crier_imagerelay *r = ud;
    crier_worker_wake(r->worker);
}

static int cancelled(void *ud)
{
    crier_imagerelay *r = ud;
    return crier_worker_stopping(r->worker);
}

/* Download url into path; returns CRIER_OK when the file is there. */
static crier_err download(crier_imagerelay *r, const char *id, const char *url, const char *path)
{
    char msg[300];
    crier_err rc = crier_download_image(&r->http, url, path, r->max_bytes, cancelled, r, msg, sizeof msg);
    if (rc == CRIER_ERR_LIMIT)
        LOG_WARN("image", "post '%s': image %s is larger than %zu bytes; post shown without it", id, url,
                 r->max_bytes);
    else if (rc != CRIER_OK)
        LOG_WARN("image", "post '%s': cannot download image %s: %s; post shown without it", id, url, msg);
    return rc;
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
    if (m->type != CRIER_MSG_ITEM_UPSERT || !m->payload || !crier_feed_is_http_url(((crier_item *)m->payload)->image)) {
        if (m->type == CRIER_MSG_ITEM_UPSERT && m->payload) {
            char *k = key_of(((crier_item *)m->payload)->source, ((crier_item *)m->payload)->id);
            if (k)
                forget_retracted(r, k);
            free(k);
        }
        crier_mailbox_post(r->to, m);
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
        crier_mailbox_post(r->to, m);
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
        crier_mailbox_post(r->to, now);
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
    if (download(r, it->id, it->image, path) != CRIER_OK) {
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
    crier_mailbox_post(r->to, m);
}

/* Forward everything queued at once, then fetch the images that were missing;
 * `stopping`: forward only, drop the downloads. */
static void relay_all(crier_imagerelay *r, int stopping)
{
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
        if (stopping || crier_worker_stopping(r->worker))
            crier_msg_free(later);
        else
            fetch_and_forward(r, later);
        later = next;
    }
}

static int64_t on_tick(void *ud, int64_t now_ms)
{
    (void)now_ms;
    relay_all(ud, 0);
    return CRIER_WORKER_NO_DEADLINE;
}

static void on_stop(void *ud)
{
    relay_all(ud, 1);
}

static const crier_worker_ops relay_ops = {
    .name = "crier-images",
    .on_tick = on_tick,
    .on_stop = on_stop,
};

static void relay_free(crier_imagerelay *r)
{
    crier_mailbox_set_wake(&r->inbox, NULL, NULL);
    crier_mailbox_destroy(&r->inbox);
    for (size_t i = 0; i < r->n_retracted; i++)
        free(r->retracted[i]);
    crier_http_cfg_release(&r->http);
    free(r->cache_dir);
    free(r);
}

crier_err crier_imagerelay_start(crier_imagerelay **out, const crier_imagerelay_cfg *cfg, char *err, size_t err_len)
{
    *out = NULL;
    crier_imagerelay *r = calloc(1, sizeof *r);
    if (!r) {
        crier_errf(err, err_len, "image relay: out of memory");
        return CRIER_ERR_NOMEM;
    }
    r->to = cfg->to;
    r->max_bytes = cfg->max_bytes;
    r->cache_dir = crier_strdup(cfg->cache_dir ? cfg->cache_dir : "");
    crier_err rc = crier_mailbox_init(&r->inbox, 0);
    if (rc != CRIER_OK || !r->cache_dir || crier_http_cfg_copy(&r->http, &cfg->http) != CRIER_OK) {
        if (rc == CRIER_OK)
            crier_mailbox_destroy(&r->inbox);
        free(r->cache_dir);
        free(r);
        crier_errf(err, err_len, "image relay: out of memory");
        return CRIER_ERR_NOMEM;
    }
    char dir[4096];
    mkdir(r->cache_dir, 0750);
    snprintf(dir, sizeof dir, "%s/img", r->cache_dir);
    mkdir(dir, 0750);
    crier_mailbox_set_wake(&r->inbox, wake, r); /* before any producer has the inbox */
    rc = crier_worker_start(&r->worker, &relay_ops, r, 0);
    if (rc != CRIER_OK) {
        crier_errf(err, err_len, "cannot start the image relay thread: %s", crier_strerror(rc));
        relay_free(r);
        return rc;
    }
    *out = r;
    return CRIER_OK;
}

crier_mailbox *crier_imagerelay_inbox(crier_imagerelay *r)
{
    return &r->inbox;
}

void crier_imagerelay_stop(crier_imagerelay *r)
{
    if (!r)
        return;
    crier_worker_stop(r->worker); /* on_stop forwards what is still queued */
    relay_free(r);
}
