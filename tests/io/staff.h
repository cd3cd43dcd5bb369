/* staff.h - the central office in the C io tests: a second libmosquitto client
 * (MQTT v5) that publishes what staff would and keeps every message it receives.
 *
 *     staff *s = staff_new(&b, NULL, NULL, NULL);   cafile for mqtts, user and password
 *     staff_sub(s, "crier/v1/kiosk/#");             now and on every reconnect
 *     int from = staff_count(s);
 *     staff_pubs(s, topic, json);                   retained, QoS 1
 *     int i = staff_wait(s, from, "/receipt/", "\"verdict\"", 3000);
 *     s->msgs[i].payload ...
 *     staff_free(s);
 *
 * Call mosquitto_lib_init() first.  The messages are appended under s->lock by
 * the client's network thread. */
#ifndef CRIER_TEST_STAFF_H
#define CRIER_TEST_STAFF_H

#include "broker.h"

#include <pthread.h>
#include <stddef.h>

#define STAFF_MAX 8192
typedef struct staff_msg {
    char *topic;
    char *payload; /* NUL-terminated copy, len bytes */
    int len;
    int retain;
} staff_msg;

typedef struct staff {
    struct mosquitto *mosq;
    pthread_mutex_t lock;
    staff_msg msgs[STAFF_MAX];
    int n;
    int connected;        /* 1, -1 when refused, 0 while connecting */
    char filters[8][128]; /* re-subscribed on every (re)connect: clean session */
    int nfilters;
} staff;

/* Connects to b on 127.0.0.1 (TLS with cafile; user/pw may be NULL) and waits up
 * to 3 s for the answer. */
staff *staff_new(const test_broker *b, const char *cafile, const char *user, const char *pw);
/* Disconnects and frees every message.  NULL-safe. */
void staff_free(staff *s);
/* Subscribes (QoS 1) to filter, now and after every reconnect; waits 100 ms for the SUBACK. */
void staff_sub(staff *s, const char *filter);
/* Publishes at QoS 1 (queued while disconnected). */
void staff_pub(staff *s, const char *topic, const void *payload, size_t len, int retain);
/* staff_pub of a string, retained. */
void staff_pubs(staff *s, const char *topic, const char *json);
/* Messages received so far. */
int staff_count(staff *s);
/* Waits for a message whose topic contains t and payload contains p (either may
 * be NULL) at index >= from.  Returns its index or -1. */
int staff_wait(staff *s, int from, const char *t, const char *p, int timeout_ms);

#endif
