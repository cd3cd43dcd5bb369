/* broker.c - see broker.h. */
#include "broker.h"

#include "../unit/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs scripts/broker.sh ARGS; with b, parses its "port=N pid=N dir=D" line. */
static int broker_sh(const char *args, test_broker *b)
{
    char cmd[2048], line[1024] = "";
    snprintf(cmd, sizeof cmd, "bash %s/scripts/broker.sh %s", source_tree(), args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    int rc = pclose(p);
    if (!b)
        return rc == 0 ? 0 : -1;
    if (rc != 0 || sscanf(line, "port=%d pid=%d dir=%511s", &b->port, &b->pid, b->dir) != 3) {
        fprintf(stderr, "broker.sh %s failed: %s\n", args, line);
        return -1;
    }
    return 0;
}

/* "WHAT DIR" for the commands that act on a running broker. */
static int broker_do(test_broker *b, const char *what, int parse)
{
    char args[600];
    snprintf(args, sizeof args, "%s %s", what, b->dir);
    return broker_sh(args, parse ? b : NULL);
}

int broker_start(test_broker *b, const char *opts)
{
    memset(b, 0, sizeof *b);
    return broker_sh(opts ? opts : "", b);
}

void broker_stop(test_broker *b)
{
    broker_do(b, "stop", 0);
}

int broker_restart(test_broker *b)
{
    return broker_do(b, "restart", 1);
}

void broker_kill(test_broker *b)
{
    broker_do(b, "kill", 0);
}

void broker_url(const test_broker *b, int tls, char *buf, size_t len)
{
    snprintf(buf, len, "%s://127.0.0.1:%d", tls ? "mqtts" : "mqtt", b->port);
}
