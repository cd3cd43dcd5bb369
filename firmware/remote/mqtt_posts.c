/* mqtt_posts.c - posts arriving over MQTT (see mqtt_internal.h, docs/protocol.md).
 *
 * Message path (MQTT thread): scope check -> size/dup checks ->
 * crier_post_open() (signed or plain) -> an owned crier_item posted to the
 * mailbox.  The table remembers each forwarded post (id, topic, payload hash)
 * so a redelivery is dropped, an empty retained payload retracts the right
 * post, and after a subscribe the posts the broker no longer holds are swept
 * off the screen.
 *
 * Where posts must be signed (require_signed_posts), only a signed tombstone
 * (remote/post.h, crier_retraction_open) removes a post: an empty retained
 * message is refused and logged (it only cleared the broker's copy), and the
 * sweep keeps posts the broker lost.  Replays: a tombstone older than the post
 * it would remove is refused; the tombstones applied are remembered (ring of
 * CRIER_MQTT_MAX_TOMBS) and a copy of a retracted post sent at or before its
 * tombstone is refused.  The retained tombstone of a post the kiosk does not
 * show is ignored unverified (a reconnect re-sends every one of them).  Every retraction, accepted or refused, is a line in
 * the proof-of-play file naming the issuer, the key and who asked. */
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

static crier_mqtt_tomb *tomb_find(crier_mqtt *mq, const char *id)
{
    for (size_t i = 0; i < mq->ntombs; i++)
        if (strcmp(mq->tombs[i].id, id) == 0)
            return &mq->tombs[i];
    return NULL;
}

static void tomb_remember(crier_mqtt *mq, const char *id, int64_t sent_ms)
{
    crier_mqtt_tomb *t = tomb_find(mq, id);
    if (!t) {
        t = &mq->tombs[mq->tomb_next];
        mq->tomb_next = (mq->tomb_next + 1) % CRIER_MQTT_MAX_TOMBS;
        if (mq->ntombs < CRIER_MQTT_MAX_TOMBS)
            mq->ntombs++;
        snprintf(t->id, sizeof t->id, "%s", id);
        t->sent_ms = sent_ms;
    } else if (sent_ms > t->sent_ms) {
        t->sent_ms = sent_ms;
    }
}

/* Queues the removal of post e for the render thread; 0 when queued. */
static int queue_retract(crier_mqtt *mq, crier_mqtt_post_entry *e)
{
    crier_msg *m = crier_msg_new(CRIER_MSG_ITEM_RETRACT, "mqtt", e->id);
    if (!m || crier_mailbox_post(mq->mailbox, m) != CRIER_OK) {
        LOG_ERROR(CRIER_MQTT_COMP, "retraction of '%s' could not be queued", e->id);
        return -1; /* keep the entry: a redelivery may succeed */
    }
    return 0;
}

/* A signed tombstone on a post topic (payload is an envelope whose payload is
 * a retraction). */
static void handle_tombstone(crier_mqtt *mq, const crier_topic *t, const char *topic, const void *payload,
                             size_t len, crier_mqtt_post_entry *e)
{
    char err[256];
    if (!e || strcmp(e->topic, topic) != 0) {
        /* the retained tombstone of a post this kiosk does not show: every
         * reconnect re-sends them all, so no signature check is spent on them */
        LOG_DEBUG(CRIER_MQTT_COMP, "retraction of post '%s' it does not show (%s): ignored", t->name, topic);
        return;
    }
    crier_retraction r;
    char *issuer = NULL, *kid = NULL;
    crier_err rc = crier_retraction_open(payload, len, mq->post_keyring, t->name, crier_wall_ms(), &r, &issuer, &kid,
                                         err, sizeof err);
    if (rc != CRIER_OK) {
        crier_mqtt__reject(mq, topic, t->name, rc, err, len);
        crier_proofplay_retraction(mq->proofplay, t->name, "mqtt", 0, NULL, NULL, NULL, 0, err);
        return;
    }
    if (e->sent_ms && r.sent_ms < e->sent_ms) {
        char a[40], b[40];
        crier_format_utc_ms(r.sent_ms, a, sizeof a);
        crier_format_utc_ms(e->sent_ms, b, sizeof b);
        snprintf(err, sizeof err, "retraction sent %s is older than the post it would remove (sent %s): replayed?", a,
                 b);
        crier_mqtt__reject(mq, topic, t->name, CRIER_ERR_STALE, err, len);
        crier_proofplay_retraction(mq->proofplay, t->name, "mqtt", 0, r.by, issuer, kid, r.sent_ms, err);
        free(issuer);
        free(kid);
        return;
    }
    if (queue_retract(mq, e) == 0) {
        post_remove(mq, e);
        tomb_remember(mq, t->name, r.sent_ms);
        crier_mqtt__stat_inc(mq, &mq->stats.retracts);
        LOG_INFO(CRIER_MQTT_COMP, "post '%s' retracted (%s) by '%s', signed by '%s' (key %s)", t->name, topic,
                 r.by[0] ? r.by : "?", issuer ? issuer : "?", kid ? kid : "?");
        crier_proofplay_retraction(mq->proofplay, t->name, "mqtt", 1, r.by, issuer, kid, r.sent_ms, NULL);
    }
    free(issuer);
    free(kid);
}

/* Is payload a signed envelope carrying a retraction?  (Peeked, not verified:
 * handle_tombstone verifies.) */
static int is_tombstone(const void *payload, size_t len)
{
    if (!crier_payload_is_envelope(payload, len))
        return 0;
    char *inner = NULL;
    size_t n = 0;
    int yes = crier_envelope_peek(payload, len, &inner, &n, NULL) == CRIER_OK && crier_payload_is_retraction(inner, n);
    free(inner);
    return yes;
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
        if (mq->require_signed_posts) {
            snprintf(err, sizeof err,
                     "unsigned retraction of post '%s' ignored: this kiosk accepts only signed retractions "
                     "(crierctl retract); the broker's copy is gone, the post stays on screen", t->name);
            crier_mqtt__reject(mq, topic, t->name, CRIER_ERR_AUTH, err, len);
            crier_proofplay_retraction(mq->proofplay, t->name, "mqtt", 0, NULL, NULL, NULL, 0,
                                       "unsigned retraction ignored: only signed retractions are accepted");
            return;
        }
        if (queue_retract(mq, e) != 0)
            return;
        post_remove(mq, e);
        crier_mqtt__stat_inc(mq, &mq->stats.retracts);
        LOG_INFO(CRIER_MQTT_COMP, "post '%s' retracted (%s)", t->name, topic);
        return;
    }
    if (is_tombstone(payload, len)) {
        handle_tombstone(mq, t, topic, payload, len, e);
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
    crier_mqtt_tomb *tomb = tomb_find(mq, t->name);
    if (tomb && item->published_ms <= tomb->sent_ms) {
        char a[40], b[40];
        crier_format_utc_ms(tomb->sent_ms, a, sizeof a);
        crier_format_utc_ms(item->published_ms, b, sizeof b);
        snprintf(err, sizeof err, "post '%s' was retracted (retraction sent %s); this copy was sent %s, before it: "
                 "replayed?", t->name, a, item->published_ms ? b : "(no 'sent')");
        item_free(item);
        free(issuer);
        crier_mqtt__reject(mq, topic, t->name, CRIER_ERR_STALE, err, len);
        return;
    }
    int64_t sent_ms = item->published_ms;
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
    e->sent_ms = sent_ms;
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
        if (mq->require_signed_posts) {
            /* only a signed tombstone takes a post down; the broker may have
             * lost it, or someone cleared it with an empty message */
            LOG_WARN(CRIER_MQTT_COMP, "post '%s' is no longer on the broker, but no signed retraction removed it: "
                     "it stays on screen", e->id);
            e->seen = 1;
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
