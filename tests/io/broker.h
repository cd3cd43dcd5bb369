/* broker.h - a throw-away mosquitto broker for the C tests.
 *
 * One helper for every C test that needs a broker (tests/io/test_mqtt.c,
 * test_alerts.c, ...).  It runs scripts/broker.sh, the same script the demo and
 * the shell tests use: a new temp folder with a config, mosquitto on a free
 * loopback port, and the call returns only once the port accepts connections.
 *
 *     test_broker b;
 *     if (broker_start(&b, NULL) != 0) ...      (or "--tls", "--port N", "--acl F --user U:P")
 *     broker_url(&b, 0, url, sizeof url);       "mqtt://127.0.0.1:PORT"
 *     broker_restart(&b); broker_kill(&b);      same port and persistence / SIGKILL
 *     broker_stop(&b);                          stops it and deletes its folder
 *
 * The script is found in source_tree() (../unit/testutil.h: $CRIER_SOURCE, set
 * by ctest, else from the header's path).  Not thread-safe; call from the
 * test's main thread. */
#ifndef CRIER_TEST_BROKER_H
#define CRIER_TEST_BROKER_H

#include <stddef.h>

typedef struct test_broker {
    int port;
    int pid;
    char dir[512]; /* its folder: ca.crt, client.crt/.key with --tls */
} test_broker;

/* Starts a broker (opts: scripts/broker.sh options, may be NULL).  0, or -1
 * after printing why to stderr. */
int broker_start(test_broker *b, const char *opts);
/* Stops it (SIGTERM, then SIGKILL) and deletes its folder. */
void broker_stop(test_broker *b);
/* Stops and starts it again on the same port with the same persistence.  0 or -1. */
int broker_restart(test_broker *b);
/* SIGKILL (a crash); the folder stays until broker_stop(). */
void broker_kill(test_broker *b);
/* "mqtt://127.0.0.1:PORT" or, with tls, "mqtts://...". */
void broker_url(const test_broker *b, int tls, char *buf, size_t len);

#endif
