/* broker_url.h - the broker address kiosks and staff tools are given.
 *
 * "mqtt://host[:port]" (1883) or "mqtts://host[:port]" (8883); "host[:port]"
 * alone means mqtt://.  IPv6 as "[::1]:1883".  Pure logic. */
#ifndef CRIER_BROKER_URL_H
#define CRIER_BROKER_URL_H

#include "base/error.h"

typedef struct crier_broker_url {
    char host[256];
    int port;
    int tls;
} crier_broker_url;

/* CRIER_ERR_INVAL on anything else (another scheme, a path, a bad port). */
crier_err crier_broker_url_parse(const char *url, crier_broker_url *out);

#endif
