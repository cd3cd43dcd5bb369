/* crierctl.h - shared pieces of the staff tool (see docs/crierctl.md).
 *
 * main.c parses global options and the config file and dispatches; client.c
 * is a small synchronous MQTT client (connect, publish-and-wait, subscribe and
 * collect); commands.c implements the post/status/command commands and
 * alerts.c the signed ones (keygen, alert, update, cancel).  Commands return
 * an exit code (CTL_EXIT_*) and print errors to stderr themselves. */
#ifndef CRIERCTL_H
#define CRIERCTL_H

#include <stddef.h>
#include <stdint.h>

enum {
    CTL_EXIT_OK = 0,
    CTL_EXIT_USAGE = 1,       /* bad arguments or invalid content */
    CTL_EXIT_UNAVAILABLE = 2, /* command not available (reserved) */
    CTL_EXIT_UNREACHABLE = 3, /* broker unreachable, TLS failure, connection lost */
    CTL_EXIT_AUTH = 4,        /* broker refused credentials or the ACL refused a publish */
    CTL_EXIT_TIMEOUT = 5,     /* the kiosk did not answer in time */
    CTL_EXIT_NOTFOUND = 6,    /* no such post */
    CTL_EXIT_FAILED = 7,      /* the kiosk answered with an error; local I/O failed */
};

typedef struct ctl_opts {
    char *broker;        /* mqtt://host:port */
    char *user;
    char *password_file;
    char *cafile, *certfile, *keyfile;
    char *default_scope; /* "all", "site:NAME", "kiosk:NAME" */
    char *signing_key;   /* secret key file (crierctl keygen): signs posts and alerts */
    char *sender;        /* alert sender (CAP <sender>); default derived from the key's issuer */
    int timeout_s;       /* for answers from kiosks */
    int verbose;
} ctl_opts;

typedef struct ctl_msg {
    char *topic;
    char *payload; /* NUL-terminated copy */
    size_t len;
    int retain;
} ctl_msg;

typedef struct ctl_client ctl_client;

/* A delivery scope from --all / --site S / --kiosk K (remote/protocol.h). */
typedef struct scope_arg {
    int given;
    int scope; /* crier_scope */
    const char *target;
} scope_arg;
/* Consumes --all / --site S / --kiosk K at argv[*i]: 1 consumed, 0 not a
 * scope option, -1 error (printed). */
int ctl_take_scope(int argc, char **argv, int *i, scope_arg *s);
/* Fills s from the config's scope unless given; -1 on a bad config value. */
int ctl_scope_from_config(const ctl_opts *o, scope_arg *s);
/* RFC 3339 or "+N[smhd]" relative to now: 0 or -1. */
int ctl_parse_when(const char *s, int64_t now, int64_t *out);
/* Whole file (at most max bytes, NUL-terminated), NULL after printing why. */
char *ctl_read_text_file(const char *path, size_t max);

/* Connects (MQTT 5, falling back to 3.1.1).  Returns CTL_EXIT_OK or an exit
 * code after printing why. */
int ctl_connect(const ctl_opts *o, ctl_client **out);
void ctl_close(ctl_client *c);
/* QoS 1 publish; waits for the PUBACK.  CTL_EXIT_AUTH when the broker refuses it. */
int ctl_publish(ctl_client *c, const char *topic, const void *payload, size_t len, int retain);
/* As ctl_publish; expiry_s > 0 sets the MQTT 5 Message Expiry Interval (the
 * broker drops a retained message after it; ignored over MQTT 3.1.1). */
int ctl_publish_ex(ctl_client *c, const char *topic, const void *payload, size_t len, int retain, uint32_t expiry_s);
/* Subscribes (QoS 1) and waits for the SUBACK. */
int ctl_subscribe(ctl_client *c, const char *const *filters, int n);
/* Runs the network loop until `stop(ud)` says so, quiet_ms passed without a
 * message (0 = no quiet rule) or max_ms passed.  Messages are appended to the
 * client's list.  Returns CTL_EXIT_OK, or CTL_EXIT_UNREACHABLE if the connection dropped. */
int ctl_collect(ctl_client *c, int quiet_ms, int max_ms, int (*stop)(ctl_client *c, void *ud), void *ud);
size_t ctl_msg_count(ctl_client *c);
const ctl_msg *ctl_msg_at(ctl_client *c, size_t i);

/* Commands: argv[0] is the command name. */
int cmd_post(const ctl_opts *o, int argc, char **argv);
int cmd_retract(const ctl_opts *o, int argc, char **argv);
int cmd_list(const ctl_opts *o, int argc, char **argv);
int cmd_status(const ctl_opts *o, int argc, char **argv);
int cmd_screenshot(const ctl_opts *o, int argc, char **argv);
int cmd_reload(const ctl_opts *o, int argc, char **argv);
int cmd_identify(const ctl_opts *o, int argc, char **argv);
int cmd_not_yet(const ctl_opts *o, int argc, char **argv);
int cmd_keygen(const ctl_opts *o, int argc, char **argv);
int cmd_alert(const ctl_opts *o, int argc, char **argv);
int cmd_update(const ctl_opts *o, int argc, char **argv);
int cmd_cancel(const ctl_opts *o, int argc, char **argv);

/* Signing (alerts.c).  Loads the secret key from `path` (a command's --key)
 * or o->signing_key; 0 on success, -1 after printing why (no key configured
 * when required, unreadable, group-readable...). */
struct crier_key;
int ctl_load_signing_key(const ctl_opts *o, const char *path, struct crier_key *out);
/* Wraps payload in an envelope signed with key; malloc()ed, NULL on failure (printed). */
char *ctl_seal(const struct crier_key *key, const char *payload, size_t len);

/* Prints the help of a command (stdout). Returns 1 if the command exists. */
int ctl_print_help(const char *command);
/* Common to commands: "-h"/"--help" anywhere in argv. */
int ctl_wants_help(int argc, char **argv);
/* A random request/post id suffix: 8 hex chars. */
void ctl_random_hex(char *buf, size_t len);

#endif
