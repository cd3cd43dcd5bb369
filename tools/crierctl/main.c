/* main.c - crierctl: staff tool to post to Crier screens and watch them.
 *
 *   crierctl [--broker URL] [--user U --password-file F] [--cafile F]
 *            [--cert F --key F] [--config F] [--timeout S] [-v] COMMAND [ARGS]
 *
 * Options are read in this order, later wins: built-in defaults, the config
 * file (--config F, else $XDG_CONFIG_HOME/crierctl.conf or
 * ~/.config/crierctl.conf when present), the command line.  The config file is
 * "key = value" lines (# comments): broker, user, password_file, cafile,
 * certfile, keyfile, scope, timeout, signing_key, sender.  docs/crierctl.md documents every command
 * and the exit codes. */
#include "crierctl.h"

#include "content/content.h"
#include "base/log.h"
#include "crier_version.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = crier_strdup(v);
}

/* The config file's text keys and the options (char * in ctl_opts) they set:
 * every text option is here, so free_opts frees them all. */
static const struct {
    const char *key;
    size_t off;
} text_keys[] = {
    {"broker", offsetof(ctl_opts, broker)},
    {"user", offsetof(ctl_opts, user)},
    {"password_file", offsetof(ctl_opts, password_file)},
    {"cafile", offsetof(ctl_opts, cafile)},
    {"certfile", offsetof(ctl_opts, certfile)},
    {"keyfile", offsetof(ctl_opts, keyfile)},
    {"scope", offsetof(ctl_opts, default_scope)},
    {"signing_key", offsetof(ctl_opts, signing_key)},
    {"sender", offsetof(ctl_opts, sender)},
};
#define NTEXT_KEYS (sizeof text_keys / sizeof text_keys[0])

static char **text_option(ctl_opts *o, size_t i)
{
    return (char **)((char *)o + text_keys[i].off);
}

/* The option config key k sets, NULL when k is not a text key. */
static char **text_option_for(ctl_opts *o, const char *k)
{
    for (size_t i = 0; i < NTEXT_KEYS; i++)
        if (strcmp(k, text_keys[i].key) == 0)
            return text_option(o, i);
    return NULL;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Returns 0, or -1 after printing the problem.  missing_ok: a default path. */
static int read_config(const char *path, ctl_opts *o, int missing_ok)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (missing_ok && errno == ENOENT)
            return 0;
        fprintf(stderr, "crierctl: cannot read config %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            fprintf(stderr, "crierctl: %s:%d: expected 'key = value'\n", path, lineno);
            rc = -1;
            continue;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        char **text = text_option_for(o, k);
        if (text)
            set_str(text, v);
        else if (strcmp(k, "timeout") == 0)
            o->timeout_s = atoi(v);
        else {
            fprintf(stderr, "crierctl: %s:%d: unknown key '%s'\n", path, lineno, k);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

static void free_opts(ctl_opts *o)
{
    for (size_t i = 0; i < NTEXT_KEYS; i++)
        free(*text_option(o, i));
}

/* The options before the command, as given on the command line. */
typedef struct global_args {
    const char *broker, *user, *password_file, *cafile, *cert, *key, *signing_key, *sender, *config;
    int timeout_s, verbose, help, version;
} global_args;

static const ctl_opt global_opts[] = {
    CTL_STR(global_args, "--broker", "mqtt(s)://HOST:PORT", broker, "the broker (default mqtt://localhost:1883)"),
    CTL_STR(global_args, "--user", "U", user, "log in as U"),
    CTL_STR(global_args, "--password-file", "F", password_file, "U's password: the first line of F"),
    CTL_STR(global_args, "--cafile", "F", cafile, "trust this CA (mqtts://)"),
    CTL_STR(global_args, "--cert", "F", cert, "TLS client certificate (with --key)"),
    CTL_STR(global_args, "--key", "F", key, "TLS client key (with --cert)"),
    CTL_STR(global_args, "--signing-key", "F", signing_key, "sign posts and alerts with this secret key"),
    CTL_STR(global_args, "--sender", "S", sender, "the alerts' sender"),
    CTL_STR(global_args, "--config", "F", config, "defaults from F (else ~/.config/crierctl.conf)"),
    CTL_INT(global_args, "--timeout", "S", timeout_s, 1, 3600, "1..3600 seconds", "wait this long for kiosks"),
    CTL_FLAG(global_args, "-v", verbose, "say what is published"),
    CTL_FLAG(global_args, "--verbose", verbose, "the same"),
    CTL_FLAG(global_args, "--version", version, "print the version"),
    CTL_FLAG(global_args, "-h", help, "this help"),
    CTL_FLAG(global_args, "--help", help, "the same"),
    CTL_END,
};

static const ctl_command global = {.opts = global_opts};

static const ctl_command *const commands[] = {
    &ctl_cmd_post,   &ctl_cmd_retract, &ctl_cmd_list,  &ctl_cmd_status, &ctl_cmd_screenshot, &ctl_cmd_reload,
    &ctl_cmd_identify, &ctl_cmd_keygen, &ctl_cmd_alert, &ctl_cmd_update, &ctl_cmd_cancel,
    &ctl_cmd_approve,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    ctl_usage(&global, f);
    fprintf(f, "\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-11s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "\n'crierctl COMMAND --help' explains a command.  Defaults come from\n"
               "~/.config/crierctl.conf (or --config F).  Exit codes: 0 ok, 1 bad arguments,\n"
               "3 broker unreachable, 4 login or ACL refused, 5 no answer from the kiosk(s),\n"
               "6 not found, 7 a kiosk reported an error or rejected the alert.\n");
}

static const ctl_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

/* Parses the command's options and runs it. */
static int run_command(const ctl_command *c, const ctl_opts *o, int argc, char **argv, int first)
{
    if (ctl_wants_help(argc, argv, first)) {
        ctl_usage(c, stdout);
        return CTL_EXIT_OK;
    }
    void *args = calloc(1, c->args_size);
    if (!args)
        return CTL_EXIT_FAILED;
    int rc = ctl_parse(c, argc, argv, first, args, NULL);
    if (rc == CTL_EXIT_OK)
        rc = c->run(o, args);
    if (c->done)
        c->done(args);
    free(args);
    return rc;
}

/* Defaults, then the config file, then the command line.  CTL_EXIT_OK or an exit code. */
static int load_options(const global_args *g, ctl_opts *o)
{
    set_str(&o->broker, "mqtt://localhost:1883");
    o->timeout_s = 10;
    if (g->config) {
        if (read_config(g->config, o, 0) != 0)
            return CTL_EXIT_USAGE;
    } else {
        char path[1024];
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        if (xdg && *xdg)
            snprintf(path, sizeof path, "%s/crierctl.conf", xdg);
        else
            snprintf(path, sizeof path, "%s/.config/crierctl.conf", home ? home : ".");
        if (read_config(path, o, 1) != 0)
            return CTL_EXIT_USAGE;
    }
    const struct {
        const char *value;
        char **dst;
    } given[] = {{g->broker, &o->broker},         {g->user, &o->user},     {g->password_file, &o->password_file},
                 {g->cafile, &o->cafile},         {g->cert, &o->certfile}, {g->key, &o->keyfile},
                 {g->signing_key, &o->signing_key}, {g->sender, &o->sender}};
    for (size_t i = 0; i < sizeof given / sizeof given[0]; i++)
        if (given[i].value)
            set_str(given[i].dst, given[i].value);
    if (g->timeout_s)
        o->timeout_s = g->timeout_s;
    o->verbose = g->verbose;
    if (o->timeout_s <= 0 || o->timeout_s > 3600) {
        fprintf(stderr, "crierctl: --timeout must be 1..3600 seconds\n");
        return CTL_EXIT_USAGE;
    }
    if ((o->certfile != NULL) != (o->keyfile != NULL)) {
        fprintf(stderr, "crierctl: --cert and --key go together\n");
        return CTL_EXIT_USAGE;
    }
    return CTL_EXIT_OK;
}

int main(int argc, char **argv)
{
    ctl_opts o = {0};
    global_args g = {0};
    int i = 1, rc;
    crier_log_set_level(CRIER_LOG_ERROR);
    rc = ctl_parse(&global, argc, argv, 1, &g, &i);
    if (rc == CTL_EXIT_OK && g.help) {
        usage(stdout);
        return CTL_EXIT_OK;
    }
    if (rc == CTL_EXIT_OK && g.version) {
        printf("crierctl %s\n", CRIER_VERSION);
        return CTL_EXIT_OK;
    }
    if (rc == CTL_EXIT_OK)
        rc = load_options(&g, &o);
    if (rc != CTL_EXIT_OK) {
        free_opts(&o);
        return rc;
    }
    const ctl_command *c = i < argc ? find_command(argv[i]) : NULL;
    if (i >= argc) {
        usage(stderr);
        rc = CTL_EXIT_USAGE;
    } else if (strcmp(argv[i], "help") == 0) {
        const ctl_command *h = i + 1 < argc ? find_command(argv[i + 1]) : NULL;
        if (i + 1 >= argc)
            usage(stdout);
        else if (h)
            ctl_usage(h, stdout);
        else
            fprintf(stderr, "crierctl: no command '%s'\n", argv[i + 1]);
        rc = i + 1 >= argc || h ? CTL_EXIT_OK : CTL_EXIT_USAGE;
    } else if (!c) {
        fprintf(stderr, "crierctl: unknown command '%s' (see crierctl --help)\n", argv[i]);
        rc = CTL_EXIT_USAGE;
    } else {
        rc = run_command(c, &o, argc, argv, i + 1);
    }
    free_opts(&o);
    return rc;
}
