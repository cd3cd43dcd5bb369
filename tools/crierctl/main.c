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

typedef struct command {
    const char *name;
    int (*fn)(const ctl_opts *o, int argc, char **argv);
    const char *summary;
    const char *help;
} command;

static const command commands[] = {
    {"post", cmd_post, "publish a post to all screens, one site or one kiosk (prints its id)",
     "usage: crierctl post --title TEXT [--body TEXT | --body-file FILE]\n"
     "                     [--all | --site SITE | --kiosk KIOSK]\n"
     "                     [--from TIME] [--until TIME] [--image URL] [--link URL]\n"
     "                     [--priority N] [--duration SECONDS] [--lang de,en] [--id ID]\n"
     "                     [--key FILE]\n"
     "\n"
     "Publishes a retained post; every screen in the scope shows it now and any screen\n"
     "that boots later gets it too.  Prints the post id (use it with 'retract').\n"
     "Scope defaults to the config file's 'scope' (else --all).\n"
     "TIME is RFC 3339 (2026-12-24T18:00:00+01:00, 2026-12-24) or relative: +30m, +2h, +3d.\n"
     "Priority -100..100 (higher first), duration 1..3600 s, at most 8 languages.\n"
     "The post is checked with the kiosks' own rules before it is sent.  With a signing\n"
     "key (--key FILE or the config's signing_key) it travels signed (Ed25519).\n"},
    {"retract", cmd_retract, "remove a post from the screens",
     "usage: crierctl retract ID [--all | --site SITE | --kiosk KIOSK]\n"
     "\n"
     "Removes the post ID.  Without a scope crierctl looks the post up in every scope\n"
     "and retracts each copy it finds; exit 6 if there is none.\n"},
    {"list", cmd_list, "list current posts per scope",
     "usage: crierctl list [--all | --site SITE | --kiosk KIOSK] [--json]\n"
     "\n"
     "Lists the posts the broker holds (all scopes unless one is given):\n"
     "scope, id, valid until, title.  --json prints one JSON object per line.\n"},
    {"status", cmd_status, "table of kiosks: online, last heartbeat, on screen, content age, alerts",
     "usage: crierctl status [KIOSK] [--json]\n"
     "\n"
     "Shows every kiosk that has ever connected (from retained status and heartbeat):\n"
     "online/offline, seconds since its last heartbeat, what it shows, content age,\n"
     "active alerts, version.  --json prints the raw heartbeats, one per line.\n"},
    {"screenshot", cmd_screenshot, "fetch a PNG of what a kiosk shows",
     "usage: crierctl screenshot KIOSK --out FILE.png [--timeout SECONDS]\n"
     "\n"
     "Asks KIOSK for a screenshot and writes it to FILE.png.  Exit 5 if the kiosk does\n"
     "not answer in time (offline? see 'crierctl status'), 7 if it reports an error.\n"},
    {"reload", cmd_reload, "make a kiosk reload its content",
     "usage: crierctl reload KIOSK [--timeout SECONDS]\n"
     "\n"
     "The kiosk re-reads its content sources and receives every current post again.\n"},
    {"identify", cmd_identify, "flash a kiosk's id on its screen",
     "usage: crierctl identify KIOSK [--seconds N] [--timeout SECONDS]\n"
     "\n"
     "Shows the kiosk's id large on its screen for N seconds (default 10, 1..120), so\n"
     "you can tell which screen is which.\n"},
    {"keygen", cmd_keygen, "make a signing key pair (secret .key, public .pub for the kiosks)",
     "usage: crierctl keygen --issuer NAME --out DIR [--force]\n"
     "\n"
     "Writes DIR/NAME.key (the secret key, mode 0600: keep it on the staff machine) and\n"
     "DIR/NAME.pub (install it in every kiosk's alert_keys_dir).  NAME is the issuer\n"
     "name kiosks log and report with every alert (spaces become '-' in file names).\n"
     "Refuses to overwrite existing files unless --force.  Prints the key id.\n"},
    {"alert", cmd_alert, "send a signed emergency alert",
     "usage: crierctl alert --event TEXT --severity S --headline TEXT [INFO OPTIONS]\n"
     "                      [--lang TAG INFO OPTIONS]... [--info-file FILE.json]\n"
     "                      [--all | --site SITE | --kiosk KIOSK] [--status STATUS]\n"
     "                      [--id ID] [--sender S] [--note TEXT] [--key FILE]\n"
     "                      [--wait N] [--timeout SECONDS]\n"
     "       crierctl alert --from-cap FILE.xml [--all | --site SITE | --kiosk KIOSK] [--key FILE] [--wait N]\n"
     "\n"
     "INFO OPTIONS (one info block per language):\n"
     "  --event TEXT  --headline TEXT  --description TEXT  --instruction TEXT  --area TEXT\n"
     "  --severity Extreme|Severe|Moderate|Minor|Unknown\n"
     "  --urgency Immediate|Expected|Future|Past|Unknown      (default Immediate)\n"
     "  --certainty Observed|Likely|Possible|Unlikely|Unknown (default Observed)\n"
     "  --expires TIME  --effective TIME  --onset TIME  --web URL  --sender-name TEXT\n"
     "--lang TAG starts a new info block in that language; a block inherits event,\n"
     "severity, urgency, certainty, times, area and web from the first one.\n"
     "--info-file: a JSON array of info blocks in the wire format (docs/alerts.md).\n"
     "STATUS: Actual (default), Exercise, Test.  TIME: RFC 3339 or +30m, +2h, +3d.\n"
     "The alert is signed with --key FILE (else the config's signing_key), checked with\n"
     "the kiosks' own rules, and published retained.  Prints its identifier.\n"
     "--wait N: wait (up to --timeout) for N kiosks' receipts and print, per kiosk, the\n"
     "time from send to screen, then count, p50, max and the kiosks that did not answer.\n"},
    {"update", cmd_update, "replace a sent alert with new content",
     "usage: crierctl update ID [INFO OPTIONS as for alert] [--status S] [--key FILE] [--wait N]\n"
     "                     [--all | --site SITE | --kiosk KIOSK] [--ref-sender S]\n"
     "\n"
     "Sends a signed Update that replaces alert ID (and everything ID replaced) on every\n"
     "screen, on ID's retained topic.  Without a scope the alert is looked up on the\n"
     "broker (exit 6 if it is not there).  Prints the Update's own identifier.\n"},
    {"cancel", cmd_cancel, "withdraw a sent alert from every screen",
     "usage: crierctl cancel ID [--key FILE] [--wait N] [--all | --site SITE | --kiosk KIOSK]\n"
     "                     [--ref-sender S] [--note TEXT]\n"
     "\n"
     "Sends a signed Cancel for alert ID on its retained topic: screens drop it now,\n"
     "screens that are off get the Cancel when they reconnect.  Without a scope the\n"
     "alert is looked up on the broker (exit 6 if it is not there).\n"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: crierctl [--broker mqtt(s)://HOST:PORT] [--user U --password-file F]\n"
               "                [--cafile F] [--cert F --key F] [--signing-key F] [--sender S]\n"
               "                [--config F] [--timeout S] [-v]\n"
               "                COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'crierctl COMMAND --help' explains a command.  Defaults come from\n"
               "~/.config/crierctl.conf (or --config F).  Exit codes: 0 ok, 1 bad arguments,\n"
               "3 broker unreachable, 4 login or ACL refused, 5 no answer from the kiosk(s),\n"
               "6 not found, 7 a kiosk reported an error or rejected the alert.\n");
}

int ctl_print_help(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            fputs(commands[i].help, stdout);
            return 1;
        }
    }
    return 0;
}

int ctl_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}

int cmd_not_yet(const ctl_opts *o, int argc, char **argv)
{
    fprintf(stderr, "crierctl: '%s' is not yet available in this version (%s)\n", argv[0], CRIER_VERSION);
    return CTL_EXIT_UNAVAILABLE;
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = crier_strdup(v);
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
        if (strcmp(k, "broker") == 0)
            set_str(&o->broker, v);
        else if (strcmp(k, "user") == 0)
            set_str(&o->user, v);
        else if (strcmp(k, "password_file") == 0)
            set_str(&o->password_file, v);
        else if (strcmp(k, "cafile") == 0)
            set_str(&o->cafile, v);
        else if (strcmp(k, "certfile") == 0)
            set_str(&o->certfile, v);
        else if (strcmp(k, "keyfile") == 0)
            set_str(&o->keyfile, v);
        else if (strcmp(k, "scope") == 0)
            set_str(&o->default_scope, v);
        else if (strcmp(k, "timeout") == 0)
            o->timeout_s = atoi(v);
        else if (strcmp(k, "signing_key") == 0)
            set_str(&o->signing_key, v);
        else if (strcmp(k, "sender") == 0)
            set_str(&o->sender, v);
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
    free(o->broker);
    free(o->user);
    free(o->password_file);
    free(o->cafile);
    free(o->certfile);
    free(o->keyfile);
    free(o->default_scope);
    free(o->signing_key);
    free(o->sender);
}

int main(int argc, char **argv)
{
    ctl_opts o = {0};
    const char *config = NULL;
    int i, rc;
    crier_log_set_level(CRIER_LOG_ERROR);
    /* find --config first: the file's values come before the command line's */
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            config = argv[i] + 9;
    }
    set_str(&o.broker, "mqtt://localhost:1883");
    o.timeout_s = 10;
    if (config) {
        if (read_config(config, &o, 0) != 0) {
            free_opts(&o);
            return CTL_EXIT_USAGE;
        }
    } else {
        char path[1024];
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        if (xdg && *xdg)
            snprintf(path, sizeof path, "%s/crierctl.conf", xdg);
        else
            snprintf(path, sizeof path, "%s/.config/crierctl.conf", home ? home : ".");
        if (read_config(path, &o, 1) != 0) {
            free_opts(&o);
            return CTL_EXIT_USAGE;
        }
    }
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        static const char *const with_value[] = {"--broker", "--user", "--password-file", "--cafile", "--cert",
                                                 "--key", "--config", "--timeout", "--signing-key", "--sender"};
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
            size_t n = strlen(with_value[k]);
            if (strcmp(a, with_value[k]) == 0) {
                if (i + 1 >= argc) {
                    fprintf(stderr, "crierctl: %s needs a value\n", a);
                    free_opts(&o);
                    return CTL_EXIT_USAGE;
                }
                val = argv[++i];
            } else if (strncmp(a, with_value[k], n) == 0 && a[n] == '=') {
                val = a + n + 1;
            }
            if (val) {
                a = with_value[k];
                break;
            }
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            free_opts(&o);
            return CTL_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            printf("crierctl %s\n", CRIER_VERSION);
            free_opts(&o);
            return CTL_EXIT_OK;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o.verbose = 1;
        } else if (!val) {
            fprintf(stderr, "crierctl: unknown option %s (see crierctl --help)\n", a);
            free_opts(&o);
            return CTL_EXIT_USAGE;
        } else if (strcmp(a, "--broker") == 0) {
            set_str(&o.broker, val);
        } else if (strcmp(a, "--user") == 0) {
            set_str(&o.user, val);
        } else if (strcmp(a, "--password-file") == 0) {
            set_str(&o.password_file, val);
        } else if (strcmp(a, "--cafile") == 0) {
            set_str(&o.cafile, val);
        } else if (strcmp(a, "--cert") == 0) {
            set_str(&o.certfile, val);
        } else if (strcmp(a, "--key") == 0) {
            set_str(&o.keyfile, val);
        } else if (strcmp(a, "--timeout") == 0) {
            o.timeout_s = atoi(val);
        } else if (strcmp(a, "--signing-key") == 0) {
            set_str(&o.signing_key, val);
        } else if (strcmp(a, "--sender") == 0) {
            set_str(&o.sender, val);
        } /* --config: handled above */
    }
    if (o.timeout_s <= 0 || o.timeout_s > 3600) {
        fprintf(stderr, "crierctl: --timeout must be 1..3600 seconds\n");
        free_opts(&o);
        return CTL_EXIT_USAGE;
    }
    if ((o.certfile != NULL) != (o.keyfile != NULL)) {
        fprintf(stderr, "crierctl: --cert and --key go together\n");
        free_opts(&o);
        return CTL_EXIT_USAGE;
    }
    if (i >= argc) {
        usage(stderr);
        free_opts(&o);
        return CTL_EXIT_USAGE;
    }
    if (strcmp(argv[i], "help") == 0) {
        rc = i + 1 < argc ? (ctl_print_help(argv[i + 1]) ? CTL_EXIT_OK : CTL_EXIT_USAGE) : CTL_EXIT_OK;
        if (i + 1 >= argc)
            usage(stdout);
        else if (rc != CTL_EXIT_OK)
            fprintf(stderr, "crierctl: no command '%s'\n", argv[i + 1]);
        free_opts(&o);
        return rc;
    }
    rc = -1;
    for (size_t k = 0; k < NCOMMANDS; k++) {
        if (strcmp(commands[k].name, argv[i]) == 0) {
            if (ctl_wants_help(argc - i, argv + i)) {
                fputs(commands[k].help, stdout);
                rc = CTL_EXIT_OK;
            } else {
                rc = commands[k].fn(&o, argc - i, argv + i);
            }
            break;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "crierctl: unknown command '%s' (see crierctl --help)\n", argv[i]);
        rc = CTL_EXIT_USAGE;
    }
    free_opts(&o);
    return rc;
}
