/* client.c - a small synchronous MQTT client for crierctl.
 *
 * Design: one thread; libmosquitto's callbacks only record what happened
 * (CONNACK code, PUBACK reason, SUBACK, messages) and the ctl_* functions run
 * mosquitto_loop() until the thing they wait for happened or a deadline
 * passed.  Every failure is turned into one sentence for staff and an exit
 * code (crierctl.h). */
#include "crierctl.h"

#include "content/content.h"
#include "remote/protocol.h"
#include "base/timeutil.h"
#include "remote/mqtt.h"

#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QUIET_MS 300 /* retained messages have all arrived after this silence */

struct ctl_client {
    struct mosquitto *mosq;
    int connack;     /* -1 pending */
    int disconnected;
    int pub_mid, pub_done, pub_reason;
    int sub_mid, sub_done, sub_refused;
    ctl_msg *msgs;
    size_t nmsgs, cap;
    int64_t last_msg_ms;
    int protocol;
};

static void on_connect(struct mosquitto *m, void *ud, int rc, int flags, const mosquitto_property *p)
{
    ((ctl_client *)ud)->connack = rc;
}

static void on_disconnect(struct mosquitto *m, void *ud, int rc, const mosquitto_property *p)
{
    ((ctl_client *)ud)->disconnected = 1;
}

static void on_publish(struct mosquitto *m, void *ud, int mid, int reason, const mosquitto_property *p)
{
    ctl_client *c = ud;
    if (mid == c->pub_mid) {
        c->pub_done = 1;
        c->pub_reason = reason;
    }
}

static void on_subscribe(struct mosquitto *m, void *ud, int mid, int n, const int *granted,
                         const mosquitto_property *p)
{
    ctl_client *c = ud;
    if (mid == c->sub_mid) {
        c->sub_done = 1;
        for (int i = 0; i < n; i++)
            if (granted[i] >= 0x80)
                c->sub_refused = 1;
    }
}

static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg,
                       const mosquitto_property *p)
{
    ctl_client *c = ud;
    c->last_msg_ms = crier_mono_ms();
    if (c->nmsgs == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 64;
        ctl_msg *n = realloc(c->msgs, ncap * sizeof *n);
        if (!n)
            return;
        c->msgs = n;
        c->cap = ncap;
    }
    ctl_msg *e = &c->msgs[c->nmsgs];
    size_t len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
    e->topic = crier_strdup(msg->topic);
    e->payload = malloc(len + 1);
    if (!e->topic || !e->payload) {
        free(e->topic);
        free(e->payload);
        return;
    }
    if (len)
        memcpy(e->payload, msg->payload, len);
    e->payload[len] = '\0';
    e->len = len;
    e->retain = msg->retain;
    c->nmsgs++;
}

static int loop_until(ctl_client *c, int *flag, int max_ms)
{
    int64_t end = crier_mono_ms() + max_ms;
    while (!*flag) {
        int64_t left = end - crier_mono_ms();
        if (left <= 0)
            return CTL_EXIT_TIMEOUT;
        int rc = mosquitto_loop(c->mosq, left > 100 ? 100 : (int)left, 1);
        if (rc != MOSQ_ERR_SUCCESS && !*flag) {
            if (c->connack > 0)
                return CTL_EXIT_AUTH; /* CONNACK refusal closes the socket */
            return CTL_EXIT_UNREACHABLE;
        }
    }
    return CTL_EXIT_OK;
}

static int auth_refusal(int rc, int v5)
{
    if (v5)
        return rc == MQTT_RC_BAD_USERNAME_OR_PASSWORD || rc == MQTT_RC_NOT_AUTHORIZED || rc == MQTT_RC_BANNED ||
               rc == MQTT_RC_BAD_AUTHENTICATION_METHOD;
    return rc == CONNACK_REFUSED_BAD_USERNAME_PASSWORD || rc == CONNACK_REFUSED_NOT_AUTHORIZED;
}

static int connect_once(ctl_client *c, const ctl_opts *o, const crier_broker_url *u, int protocol)
{
    c->connack = -1;
    c->protocol = protocol;
    mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, protocol);
    int rc = mosquitto_connect_bind_v5(c->mosq, u->host, u->port, 30, NULL, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        if (rc == MOSQ_ERR_TLS)
            fprintf(stderr, "crierctl: TLS handshake with %s:%d failed (wrong --cafile, or not a TLS port?)\n",
                    u->host, u->port);
        else
            fprintf(stderr, "crierctl: cannot reach the broker at %s:%d: %s\n", u->host, u->port,
                    rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
        return CTL_EXIT_UNREACHABLE;
    }
    int64_t end = crier_mono_ms() + 10000;
    while (c->connack < 0 && crier_mono_ms() < end) {
        rc = mosquitto_loop(c->mosq, 100, 1);
        if (rc != MOSQ_ERR_SUCCESS && c->connack < 0) {
            if (rc == MOSQ_ERR_TLS)
                fprintf(stderr, "crierctl: TLS handshake with %s:%d failed (check --cafile)\n", u->host, u->port);
            else
                fprintf(stderr, "crierctl: the broker at %s:%d closed the connection (%s)%s\n", u->host, u->port,
                        mosquitto_strerror(rc), u->tls ? "" : "; is it a TLS port (use mqtts://)?");
            return CTL_EXIT_UNREACHABLE;
        }
    }
    if (c->connack < 0) {
        fprintf(stderr, "crierctl: no answer from the broker at %s:%d within 10 s\n", u->host, u->port);
        return CTL_EXIT_UNREACHABLE;
    }
    return CTL_EXIT_OK;
}

int ctl_connect(const ctl_opts *o, ctl_client **out)
{
    static int inited;
    crier_broker_url u;
    char *password = NULL;
    *out = NULL;
    if (!o->broker || crier_broker_url_parse(o->broker, &u) != CRIER_OK) {
        fprintf(stderr, "crierctl: bad broker URL '%s' (want mqtt://host:port or mqtts://host:port)\n",
                o->broker ? o->broker : "");
        return CTL_EXIT_USAGE;
    }
    if (o->password_file && crier_mqtt_read_password(o->password_file, &password) != CRIER_OK) {
        fprintf(stderr, "crierctl: cannot read the password file %s\n", o->password_file);
        return CTL_EXIT_USAGE;
    }
    if (!inited) {
        mosquitto_lib_init();
        inited = 1;
    }
    ctl_client *c = calloc(1, sizeof *c);
    char id[64], hex[16];
    ctl_random_hex(hex, sizeof hex);
    snprintf(id, sizeof id, "crierctl-%s", hex);
    if (!c || !(c->mosq = mosquitto_new(id, true, c))) {
        free(c);
        free(password);
        fprintf(stderr, "crierctl: out of memory\n");
        return CTL_EXIT_FAILED;
    }
    mosquitto_connect_v5_callback_set(c->mosq, on_connect);
    mosquitto_disconnect_v5_callback_set(c->mosq, on_disconnect);
    mosquitto_publish_v5_callback_set(c->mosq, on_publish);
    mosquitto_subscribe_v5_callback_set(c->mosq, on_subscribe);
    mosquitto_message_v5_callback_set(c->mosq, on_message);
    if (o->user)
        mosquitto_username_pw_set(c->mosq, o->user, password);
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    if (u.tls || o->cafile) {
        /* no --cafile: the system's CA folder */
        int rc = mosquitto_tls_set(c->mosq, o->cafile, o->cafile ? NULL : "/etc/ssl/certs", o->certfile, o->keyfile,
                                   NULL);
        if (rc != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "crierctl: TLS setup failed (cafile %s): %s\n", o->cafile ? o->cafile : "system",
                    mosquitto_strerror(rc));
            ctl_close(c);
            return CTL_EXIT_USAGE;
        }
    }
    int rc = connect_once(c, o, &u, MQTT_PROTOCOL_V5);
    if (rc == CTL_EXIT_OK &&
        (c->connack == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION || c->connack == CONNACK_REFUSED_PROTOCOL_VERSION)) {
        mosquitto_disconnect(c->mosq);
        rc = connect_once(c, o, &u, MQTT_PROTOCOL_V311);
    }
    if (rc == CTL_EXIT_OK && c->connack != 0) {
        int v5 = c->protocol == MQTT_PROTOCOL_V5;
        const char *why = v5 ? mosquitto_reason_string(c->connack) : mosquitto_connack_string(c->connack);
        if (auth_refusal(c->connack, v5)) {
            fprintf(stderr, "crierctl: the broker refused the login (%s); check --user and --password-file\n", why);
            rc = CTL_EXIT_AUTH;
        } else {
            fprintf(stderr, "crierctl: the broker refused the connection: %s\n", why);
            rc = CTL_EXIT_UNREACHABLE;
        }
    }
    if (rc != CTL_EXIT_OK) {
        ctl_close(c);
        return rc;
    }
    if (o->verbose)
        fprintf(stderr, "crierctl: connected to %s:%d as %s (MQTT %s)\n", u.host, u.port, id,
                c->protocol == MQTT_PROTOCOL_V5 ? "5" : "3.1.1");
    *out = c;
    return CTL_EXIT_OK;
}

void ctl_close(ctl_client *c)
{
    if (!c)
        return;
    if (c->connack == 0 && !c->disconnected) {
        mosquitto_disconnect(c->mosq);
        for (int i = 0; i < 5 && mosquitto_loop(c->mosq, 20, 1) == MOSQ_ERR_SUCCESS; i++) {
        }
    }
    mosquitto_destroy(c->mosq);
    for (size_t i = 0; i < c->nmsgs; i++) {
        free(c->msgs[i].topic);
        free(c->msgs[i].payload);
    }
    free(c->msgs);
    free(c);
}

int ctl_publish(ctl_client *c, const char *topic, const void *payload, size_t len, int retain)
{
    return ctl_publish_ex(c, topic, payload, len, retain, 0);
}

int ctl_publish_ex(ctl_client *c, const char *topic, const void *payload, size_t len, int retain, uint32_t expiry_s)
{
    c->pub_done = 0;
    c->pub_reason = 0;
    mosquitto_property *props = NULL;
    if (expiry_s && c->protocol == MQTT_PROTOCOL_V5)
        mosquitto_property_add_int32(&props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, expiry_s);
    int rc = mosquitto_publish_v5(c->mosq, &c->pub_mid, topic, (int)len, payload, 1, retain ? true : false, props);
    mosquitto_property_free_all(&props);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "crierctl: publish to %s failed: %s\n", topic, mosquitto_strerror(rc));
        return rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST ? CTL_EXIT_UNREACHABLE : CTL_EXIT_FAILED;
    }
    rc = loop_until(c, &c->pub_done, 10000);
    if (rc != CTL_EXIT_OK) {
        fprintf(stderr, "crierctl: the broker did not confirm the publish to %s\n", topic);
        return rc == CTL_EXIT_TIMEOUT ? CTL_EXIT_UNREACHABLE : rc;
    }
    if (c->pub_reason >= 0x80) {
        fprintf(stderr, "crierctl: the broker refused the publish to %s: %s\n", topic,
                mosquitto_reason_string(c->pub_reason));
        return c->pub_reason == MQTT_RC_NOT_AUTHORIZED ? CTL_EXIT_AUTH : CTL_EXIT_FAILED;
    }
    return CTL_EXIT_OK;
}

int ctl_subscribe(ctl_client *c, const char *const *filters, int n)
{
    c->sub_done = 0;
    c->sub_refused = 0;
    int rc = mosquitto_subscribe_multiple(c->mosq, &c->sub_mid, n, (char *const *const)filters, 1, 0, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "crierctl: subscribe failed: %s\n", mosquitto_strerror(rc));
        return CTL_EXIT_UNREACHABLE;
    }
    rc = loop_until(c, &c->sub_done, 10000);
    if (rc != CTL_EXIT_OK) {
        fprintf(stderr, "crierctl: the broker did not confirm the subscription\n");
        return rc == CTL_EXIT_TIMEOUT ? CTL_EXIT_UNREACHABLE : rc;
    }
    if (c->sub_refused) {
        fprintf(stderr, "crierctl: the broker refused a subscription (not authorised to read %s?)\n", filters[0]);
        return CTL_EXIT_AUTH;
    }
    return CTL_EXIT_OK;
}

int ctl_collect(ctl_client *c, int quiet_ms, int max_ms, int (*stop)(ctl_client *c, void *ud), void *ud)
{
    int64_t start = crier_mono_ms(), end = start + max_ms;
    c->last_msg_ms = start;
    for (;;) {
        if (stop && stop(c, ud))
            return CTL_EXIT_OK;
        int64_t now = crier_mono_ms();
        if (now >= end || (quiet_ms > 0 && now - c->last_msg_ms >= quiet_ms))
            return CTL_EXIT_OK;
        int rc = mosquitto_loop(c->mosq, 50, 1);
        if (rc != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "crierctl: lost the connection to the broker (%s)\n", mosquitto_strerror(rc));
            return CTL_EXIT_UNREACHABLE;
        }
    }
}

int ctl_read_retained(ctl_client *c, const char *const *filters, int n, int timeout_s)
{
    int rc = ctl_subscribe(c, filters, n);
    if (rc == CTL_EXIT_OK)
        rc = ctl_collect(c, QUIET_MS, timeout_s * 1000, NULL, NULL);
    return rc;
}

size_t ctl_msg_count(ctl_client *c)
{
    return c->nmsgs;
}

const ctl_msg *ctl_msg_at(ctl_client *c, size_t i)
{
    return i < c->nmsgs ? &c->msgs[i] : NULL;
}

void ctl_random_hex(char *buf, size_t len)
{
    unsigned char r[8] = {0};
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(r, 1, sizeof r, f) != sizeof r) {
        uint64_t x = (uint64_t)crier_wall_ms() ^ ((uint64_t)getpid() << 32);
        memcpy(r, &x, sizeof r);
    }
    if (f)
        fclose(f);
    snprintf(buf, len, "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
}
