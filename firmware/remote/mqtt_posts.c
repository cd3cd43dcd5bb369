/* mqtt_posts.c - posts arriving over MQTT (see mqtt_internal.h, docs/protocol.md).
 *
 * Message path (MQTT thread): scope check -> size/dup checks ->
 * crier_post_open() (signed or plain) -> an owned crier_item posted to the
 * mailbox.  The table remembers each forwarded post (id, topic, payload hash)
 * so a redelivery is dropped, an empty retained payload retracts the right
 * post, and after a subscribe the posts the broker no longer holds are swept
 * off the screen. */
#include "remote/mqtt_internal.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static crier_mqtt_post_entry *post_find(crier_mqtt *mq, const char *id)
{
    for (size_t i = 0; i < mq->nposts; i++)
        if (strcmp(mq->posts[i].id, id) == 0)
            return &mq->posts[i];
    return NULL;
}

static void post_remove(crier_mqtt *mq, crier_mqtt_post_entry *e)
{
    *e = mq->posts[--mq->nposts];
}

static void item_free(void *p)
{
    crier_item_clear(p);
    free(p);
}

void crier_mqtt__handle_post(crier_mqtt *mq, const crier_topic *t, const char *topic, const void *payload,
                             size_t len)
{
    char err[256];
    if (!crier_topic_is_for(t, mq->site, mq->kiosk)) {
        snprintf(err, sizeof err, "post for %s '%s' is not for this kiosk (site '%s')", crier_scope_name(t->scope),
                 t->target, mq->site ? mq->site : "");
        crier_mqtt__reject(mq, topic, t->name, CRIER_ERR_INVAL, err, len);
        return;
    }
    /* with trusted keys a post may come as an envelope (base64 adds a third) */
    size_t max = mq->post_keyring ? CRIER_POST_ENVELOPE_MAX_BYTES : CRIER_POST_MAX_BYTES;
    if (len > max) {
        snprintf(err, sizeof err, "payload of %zu bytes exceeds the limit of %zu bytes", len, max);
        crier_mqtt__reject(mq, topic, t->name, CRIER_ERR_LIMIT, err, len);
        return;
    }
    crier_mqtt_post_entry *e = post_find(mq, t->name);
    if (e && len > 0 && strcmp(e->topic, topic) == 0)
        e->seen = 1; /* still on the broker (even if this version is rejected) */
    if (len == 0) { /* retraction */
        if (!e || strcmp(e->topic, topic) != 0) {
            snprintf(err, sizeof err, "retraction of unknown post '%s'", t->name);
            crier_mqtt__reject(mq, topic, t->name, CRIER_ERR_NOTFOUND, err, len);
            return;
        }
        crier_msg *m = crier_msg_new(CRIER_MSG_ITEM_RETRACT, "mqtt", t->name);
        if (!m || crier_mailbox_post(mq->mailbox, m) != CRIER_OK) {
            LOG_ERROR(CRIER_MQTT_COMP, "retraction of '%s' could not be queued", t->name);
            return; /* keep the entry: a redelivery may succeed */
        }
        post_remove(mq, e);
        crier_mqtt__stat_inc(mq, &mq->stats.retracts);
        LOG_INFO(CRIER_MQTT_COMP, "post '%s' retracted (%s)", t->name, topic);
        return;
    }
    uint64_t h = crier_hash64(payload, len);
    if (e && e->hash == h && e->len == len && strcmp(e->topic, topic) == 0) {
        crier_mqtt__stat_inc(mq, &mq->stats.duplicates);
        LOG_DEBUG(CRIER_MQTT_COMP, "duplicate of post '%s' dropped", t->name);
        return;
    }
    if (!e && mq->nposts >= CRIER_MQTT_MAX_POSTS) {
        snprintf(err, sizeof err, "too many posts (limit %d)", CRIER_MQTT_MAX_POSTS);
        crier_mqtt__reject(mq, topic, t->name, CRIER_ERR_LIMIT, err, len);
        return;
    }
    crier_item *item = calloc(1, sizeof *item);
    if (!item) {
        LOG_ERROR(CRIER_MQTT_COMP, "out of memory for post '%s'", t->name);
        return;
    }
    char *issuer = NULL;
    crier_err rc = crier_post_open(payload, len, mq->post_keyring, mq->require_signed_posts, t->name, "mqtt",
                                   crier_wall_ms(), item, &issuer, err, sizeof err);
    if (rc != CRIER_OK) {
        free(item);
        crier_mqtt__reject(mq, topic, t->name, rc, err, len);
        return;
    }
    LOG_INFO(CRIER_MQTT_COMP, "post '%s' %s from %s%s%s%s: \"%.60s\"", t->name, e ? "updated" : "received", topic,
             issuer ? " (signed by '" : " (unsigned", issuer ? issuer : "", issuer ? "')" : ")", item->title);
    free(issuer);
    crier_msg *m = crier_msg_new(CRIER_MSG_ITEM_UPSERT, "mqtt", t->name);
    if (!m) {
        item_free(item);
        return;
    }
    m->payload = item;
    m->payload_free = item_free;
    if (crier_mailbox_post(mq->mailbox, m) != CRIER_OK) {
        crier_mqtt__reject(mq, topic, t->name, CRIER_ERR_FULL, "kiosk busy: post not queued, will retry on redelivery", len);
        return;
    }
    if (!e)
        e = &mq->posts[mq->nposts++];
    snprintf(e->id, sizeof e->id, "%s", t->name);
    snprintf(e->topic, sizeof e->topic, "%s", topic);
    e->hash = h;
    e->len = len;
    e->seen = 1;
    crier_mqtt__stat_inc(mq, &mq->stats.posts);
}

void crier_mqtt__posts_unsee(crier_mqtt *mq)
{
    for (size_t i = 0; i < mq->nposts; i++)
        mq->posts[i].seen = 0;
    mq->sweep_at = 0;
}

void crier_mqtt__sweep(crier_mqtt *mq)
{
    mq->sweep_at = 0;
    for (size_t i = 0; i < mq->nposts;) {
        crier_mqtt_post_entry *e = &mq->posts[i];
        if (e->seen) {
            i++;
            continue;
        }
        LOG_INFO(CRIER_MQTT_COMP, "post '%s' is no longer on the broker; retracting it", e->id);
        crier_msg *m = crier_msg_new(CRIER_MSG_ITEM_RETRACT, "mqtt", e->id);
        if (!m || crier_mailbox_post(mq->mailbox, m) != CRIER_OK) {
            i++; /* keep it; the next subscribe retries */
            continue;
        }
        crier_mqtt__stat_inc(mq, &mq->stats.retracts);
        post_remove(mq, e); /* moves the last entry here: do not advance */
    }
}
