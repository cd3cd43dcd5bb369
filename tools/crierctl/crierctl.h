/* crierctl.h - shared pieces of the staff tool (see docs/crierctl.md).
 *
 * main.c parses global options and the config file and dispatches; args.c is
 * the one option parser and help generator (a table of options per command);
 * client.c
 * is a small synchronous MQTT client (connect, publish-and-wait, subscribe and
 * collect); commands.c implements the post/status/command commands and
 * alerts.c the signed ones (keygen, alert, update, cancel).  Commands return
 * an exit code (CTL_EXIT_*) and print errors to stderr themselves. */
#ifndef CRIERCTL_H
#define CRIERCTL_H

#include "args.h"
#include "remote/topic.h"

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
/* Fills s from the config's scope unless given; -1 on a bad config value. */
int ctl_scope_from_config(const ctl_opts *o, scope_arg *s);
/* RFC 3339 or "+N[smhd]" relative to now: 0 or -1. */
int ctl_parse_when(const char *s, int64_t now, int64_t *out);
/* The value of command cmd's TIME option opt (ctl_parse_when) as RFC 3339 UTC
 * in out.  CTL_EXIT_OK, or CTL_EXIT_USAGE after printing why. */
int ctl_time_option(const char *cmd, const char *opt, const char *value, int64_t now, char *out, size_t len);
/* Whole file (at most max bytes, NUL-terminated), NULL after printing why. */
char *ctl_read_text_file(const char *path, size_t max);
/* Member k of a JSON object (o may be NULL): its string or number, else dflt. */
struct cJSON;
const char *ctl_json_str(const struct cJSON *o, const char *k, const char *dflt);
double ctl_json_num(const struct cJSON *o, const char *k, double dflt);

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
/* Subscribes and collects what the broker holds for the filters (its retained
 * messages): until a short silence, at most timeout_s.  As ctl_subscribe/ctl_collect. */
int ctl_read_retained(ctl_client *c, const char *const *filters, int n, int timeout_s);
size_t ctl_msg_count(ctl_client *c);
const ctl_msg *ctl_msg_at(ctl_client *c, size_t i);

/* The commands (args.h): their option tables, help and run functions. */
extern const ctl_command ctl_cmd_post, ctl_cmd_retract, ctl_cmd_list, ctl_cmd_status, ctl_cmd_screenshot,
    ctl_cmd_reload, ctl_cmd_identify, ctl_cmd_keygen, ctl_cmd_alert, ctl_cmd_update, ctl_cmd_cancel;
extern const ctl_command ctl_cmd_approve; /* approve.c: the console's two-person rule */

/* Rows of an option table (args.h); T is the command's argument struct. */
#define CTL_STR(T, NAME, META, FIELD, HELP) \
    {.kind = CTL_OPT_STR, .name = NAME, .meta = META, .off = offsetof(T, FIELD), .help = HELP}
#define CTL_REQUIRED(T, NAME, META, FIELD, HELP) \
    {.kind = CTL_OPT_STR, .name = NAME, .meta = META, .off = offsetof(T, FIELD), .required = 1, .help = HELP}
#define CTL_FLAG(T, NAME, FIELD, HELP) {.kind = CTL_OPT_FLAG, .name = NAME, .off = offsetof(T, FIELD), .help = HELP}
#define CTL_INT(T, NAME, META, FIELD, LO, HI, RANGE, HELP)                                                     \
    {.kind = CTL_OPT_INT, .name = NAME, .meta = META, .off = offsetof(T, FIELD), .lo = LO, .hi = HI,          \
     .range_text = RANGE, .help = HELP}
#define CTL_CALL(NAME, META, FN, HELP) {.kind = CTL_OPT_CALL, .name = NAME, .meta = META, .call = FN, .help = HELP}
#define CTL_SCOPES(T, FIELD)                                                                                    \
    {.kind = CTL_OPT_SCOPE, .name = "--all", .off = offsetof(T, FIELD), .lo = CRIER_SCOPE_ALL, .help = "every screen"},      \
    {.kind = CTL_OPT_SCOPE, .name = "--site", .meta = "SITE", .off = offsetof(T, FIELD), .lo = CRIER_SCOPE_SITE,              \
     .help = "the screens of one site"},                                                                       \
    {.kind = CTL_OPT_SCOPE, .name = "--kiosk", .meta = "KIOSK", .off = offsetof(T, FIELD), .lo = CRIER_SCOPE_KIOSK,            \
     .help = "one screen"}
#define CTL_TIMEOUT(T, FIELD) \
    CTL_INT(T, "--timeout", "SECONDS", FIELD, 1, 3600, "1..3600 seconds", "wait this long for answers")
#define CTL_END {.kind = CTL_OPT_END}

/* Signing (alerts.c).  Loads the secret key from `path` (a command's --key)
 * or o->signing_key; 0 on success, -1 after printing why (no key configured
 * when required, unreadable, group-readable...). */
struct crier_key;
int ctl_load_signing_key(const ctl_opts *o, const char *path, struct crier_key *out);
/* Wraps payload in an envelope signed with key; malloc()ed, NULL on failure (printed). */
char *ctl_seal(const struct crier_key *key, const char *payload, size_t len);

/* A random request/post id suffix: 8 hex chars. */
void ctl_random_hex(char *buf, size_t len);
/* An id PREFIX-YYYYMMDD-HHMMSS-RANDOM (UTC at now, nhex of the random hex chars). */
void ctl_make_id(const char *prefix, int64_t now, int nhex, char *out, size_t len);

#endif
