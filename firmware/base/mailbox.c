#include "base/mailbox.h"
#include "content/content.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <stdlib.h>

crier_msg *crier_msg_new(crier_msg_type type, const char *source, const char *key)
{
    crier_msg *msg = calloc(1, sizeof *msg);
    if (!msg)
        return NULL;
    msg->type = type;
    msg->sent_wall_ms = crier_wall_ms();
    if ((source && !(msg->source = crier_strdup(source))) || (key && !(msg->key = crier_strdup(key)))) {
        crier_msg_free(msg);
        return NULL;
    }
    return msg;
}

void crier_msg_free(crier_msg *msg)
{
    if (!msg)
        return;
    if (msg->payload && msg->payload_free)
        msg->payload_free(msg->payload);
    free(msg->source);
    free(msg->key);
    free(msg);
}

crier_err crier_mailbox_init(crier_mailbox *mb, size_t limit)
{
    *mb = (crier_mailbox){0};
    mb->limit = limit ? limit : 4096;
    if (pthread_mutex_init(&mb->lock, NULL) != 0)
        return CRIER_ERR_NOMEM;
    return CRIER_OK;
}

void crier_mailbox_set_wake(crier_mailbox *mb, crier_wake_fn fn, void *ud)
{
    pthread_mutex_lock(&mb->lock);
    mb->wake_fn = fn;
    mb->wake_ud = ud;
    pthread_mutex_unlock(&mb->lock);
}

void crier_mailbox_destroy(crier_mailbox *mb)
{
    crier_msg *m = crier_mailbox_take_all(mb);
    while (m) {
        crier_msg *next = m->next;
        crier_msg_free(m);
        m = next;
    }
    pthread_mutex_destroy(&mb->lock);
}

crier_err crier_mailbox_post(crier_mailbox *mb, crier_msg *msg)
{
    if (!msg)
        return CRIER_ERR_INVAL;
    msg->next = NULL;
    pthread_mutex_lock(&mb->lock);
    if (mb->closed || mb->count >= mb->limit) {
        crier_err err = mb->closed ? CRIER_ERR_INVAL : CRIER_ERR_FULL;
        pthread_mutex_unlock(&mb->lock);
        LOG_WARN("mailbox", "message type %d dropped: %s", (int)msg->type, crier_strerror(err));
        crier_msg_free(msg);
        return err;
    }
    if (mb->tail)
        mb->tail->next = msg;
    else
        mb->head = msg;
    mb->tail = msg;
    mb->count++;
    crier_wake_fn fn = mb->wake_fn;
    void *ud = mb->wake_ud;
    pthread_mutex_unlock(&mb->lock);
    if (fn)
        fn(ud);
    return CRIER_OK;
}

crier_msg *crier_mailbox_take_all(crier_mailbox *mb)
{
    pthread_mutex_lock(&mb->lock);
    crier_msg *head = mb->head;
    mb->head = mb->tail = NULL;
    mb->count = 0;
    pthread_mutex_unlock(&mb->lock);
    return head;
}

void crier_mailbox_close(crier_mailbox *mb)
{
    pthread_mutex_lock(&mb->lock);
    mb->closed = 1;
    pthread_mutex_unlock(&mb->lock);
}

size_t crier_mailbox_count(crier_mailbox *mb)
{
    pthread_mutex_lock(&mb->lock);
    size_t n = mb->count;
    pthread_mutex_unlock(&mb->lock);
    return n;
}
