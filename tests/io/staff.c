/* staff.c - see staff.h. */
#include "staff.h"

#include "base/timeutil.h"

#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void staff_on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
    staff *s = ud;
    pthread_mutex_lock(&s->lock);
    if (s->n < STAFF_MAX) {
        staff_msg *e = &s->msgs[s->n++];
        e->topic = strdup(msg->topic);
        e->payload = malloc((size_t)msg->payloadlen + 1);
        if (msg->payloadlen > 0)
            memcpy(e->payload, msg->payload, (size_t)msg->payloadlen);
        e->payload[msg->payloadlen] = '\0';
        e->len = msg->payloadlen;
        e->retain = msg->retain;
    }
    pthread_mutex_unlock(&s->lock);
}

static void staff_on_connect(struct mosquitto *m, void *ud, int rc)
{
    staff *s = ud;
    pthread_mutex_lock(&s->lock);
    s->connected = rc == 0 ? 1 : -1;
    for (int i = 0; rc == 0 && i < s->nfilters; i++)
        mosquitto_subscribe(m, NULL, s->filters[i], 1);
    pthread_mutex_unlock(&s->lock);
}

staff *staff_new(const test_broker *b, const char *cafile, const char *user, const char *pw)
{
    static int counter;
    char id[64];
    snprintf(id, sizeof id, "staff-%d-%d", (int)getpid(), ++counter);
    staff *s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->mosq = mosquitto_new(id, true, s);
    mosquitto_int_option(s->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_message_callback_set(s->mosq, staff_on_message);
    mosquitto_connect_callback_set(s->mosq, staff_on_connect);
    mosquitto_reconnect_delay_set(s->mosq, 1, 1, false);
    if (user)
        mosquitto_username_pw_set(s->mosq, user, pw);
    if (cafile)
        mosquitto_tls_set(s->mosq, cafile, NULL, NULL, NULL, NULL);
    mosquitto_connect_async(s->mosq, "127.0.0.1", b->port, 30);
    mosquitto_loop_start(s->mosq);
    for (int i = 0; i < 300; i++) {
        pthread_mutex_lock(&s->lock);
        int c = s->connected;
        pthread_mutex_unlock(&s->lock);
        if (c)
            break;
        usleep(10000);
    }
    return s;
}

void staff_free(staff *s)
{
    if (!s)
        return;
    mosquitto_disconnect(s->mosq);
    mosquitto_loop_stop(s->mosq, false);
    mosquitto_destroy(s->mosq);
    for (int i = 0; i < s->n; i++) {
        free(s->msgs[i].topic);
        free(s->msgs[i].payload);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void staff_sub(staff *s, const char *filter)
{
    pthread_mutex_lock(&s->lock);
    if (s->nfilters < 8)
        snprintf(s->filters[s->nfilters++], sizeof s->filters[0], "%s", filter);
    pthread_mutex_unlock(&s->lock);
    mosquitto_subscribe(s->mosq, NULL, filter, 1);
    usleep(100000);
}

void staff_pub(staff *s, const char *topic, const void *payload, size_t len, int retain)
{
    int rc = mosquitto_publish(s->mosq, NULL, topic, (int)len, payload, 1, retain);
    /* NO_CONN: libmosquitto still queues QoS 1 and sends it on reconnect */
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
        fprintf(stderr, "  staff publish to %s: %s\n", topic, mosquitto_strerror(rc));
}

void staff_pubs(staff *s, const char *topic, const char *json)
{
    staff_pub(s, topic, json, strlen(json), 1);
}

int staff_count(staff *s)
{
    pthread_mutex_lock(&s->lock);
    int n = s->n;
    pthread_mutex_unlock(&s->lock);
    return n;
}

int staff_wait(staff *s, int from, const char *t, const char *p, int timeout_ms)
{
    int64_t end = crier_mono_ms() + timeout_ms;
    do {
        pthread_mutex_lock(&s->lock);
        for (int i = from; i < s->n; i++) {
            if ((!t || strstr(s->msgs[i].topic, t)) && (!p || strstr(s->msgs[i].payload, p))) {
                pthread_mutex_unlock(&s->lock);
                return i;
            }
        }
        pthread_mutex_unlock(&s->lock);
        usleep(5000);
    } while (crier_mono_ms() < end);
    return -1;
}
