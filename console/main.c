/* main.c - crier-console: the staff web console (docs/console.md).
 *
 *   crier-console --db FILE [--listen HOST:PORT] [--broker mqtt://HOST:PORT]
 *                 [--signing-key FILE] [--web DIR] [--crier PATH] ... (--help)
 *
 * Opens the database, creates a user when asked (--create-user), connects to
 * the broker, serves HTTP, and ticks the fleet and the post schedules once a
 * second until SIGINT or SIGTERM.  The only place that exits. */
#include "auth.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "crier_version.h"
#include "db.h"
#include "desk.h"
#include "relay.h"
#include "fleet.h"
#include "http.h"
#include "posts.h"
#include "session.h"
#include "sse.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_CONFIG = 3, EXIT_RUNTIME = 4 };

static const char usage_text[] =
    "usage: crier-console --db FILE [OPTIONS]\n"
    "\n"
    "  --listen HOST:PORT          address to serve (default 127.0.0.1:8080; port 0 = any free port)\n"
    "  --db FILE                   SQLite database (created when missing)\n"
    "  --broker URL                mqtt://HOST:PORT or mqtts://HOST:PORT (kiosks' broker)\n"
    "  --broker-user U --broker-password-file F --broker-cafile F\n"
    "  --signing-key FILE          desk key (crierctl keygen; mode 0600): posts are signed with it\n"
    "  --web DIR                   the web page's files (default: the source tree's or installed console/web)\n"
    "  --tls-cert F --tls-key F    serve HTTPS\n"
    "  --trust-user-header NAME    trust a reverse proxy's user-name header (single sign-on)\n"
    "  --origin URL                the console's public origin, when Host does not tell it\n"
    "  --public-url URL            how kiosks reach this console (uploaded images); default from --listen\n"
    "  --crier PATH                crier binary for previews; --layouts DIR its layouts folder\n"
    "  --stale-after SECONDS       heartbeat age that makes a screen 'stale' (default 180)\n"
    "  --max-body BYTES            JSON body limit (default 262144); --max-upload BYTES (default 8388608)\n"
    "  --max-connections N         concurrent connections (default 2000)\n"
    "  --session-hours H           session lifetime (default 12)\n"
    "  --pwhash-ops N --pwhash-mem-mib N   Argon2id cost (default libsodium's interactive: 2, 64)\n"
    "  --create-user NAME:ROLE[:SITE,SITE] --password-file F   create or update a user, then serve\n"
    "  --log-level LEVEL           debug, info, warn, error (default info)\n"
    "  --version, -h/--help\n"
    "\n"
    "ROLE: viewer, editor, publisher, admin.  Exit status: 0 stopped cleanly, 2 bad arguments,\n"
    "3 unusable file (database, key, password), 4 cannot serve.\n";

static void on_receipt(void *ud, const char *kiosk, const char *tid, const cJSON *receipt, int64_t now_ms)
{
    cn_desk_receipt(ud, kiosk, tid, receipt, now_ms);
}

typedef struct args {
    cn_config cfg;
    const char *listen, *create_user, *password_file, *log_level, *origin;
    char public_url[300], listen_host[64];
} args;

static int parse_listen(const char *s, args *a)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s)
        return -1;
    size_t hl = (size_t)(colon - s);
    if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') {
        s++;
        hl -= 2;
    }
    if (hl >= sizeof a->listen_host)
        return -1;
    memcpy(a->listen_host, s, hl);
    a->listen_host[hl] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return -1;
    a->cfg.listen_host = a->listen_host;
    a->cfg.listen_port = (int)port;
    return 0;
}

static int num(const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < lo || n > hi)
        return -1;
    *out = n;
    return 0;
}

static const char *first_dir(const char *a, const char *b)
{
    struct stat st;
    if (a && stat(a, &st) == 0 && S_ISDIR(st.st_mode))
        return a;
    return b;
}

static const char *first_exe(const char *a, const char *b)
{
    return a && access(a, X_OK) == 0 ? a : b;
}

/* 0, or an exit status after printing why. */
static int parse_args(int argc, char **argv, args *a)
{
    cn_config *c = &a->cfg;
    c->stale_after_s = 180;
    c->max_body = 256 * 1024;
    c->max_upload = 8 * 1024 * 1024;
    c->max_connections = 2000;
    c->session_hours = 12;
    c->pwcost.ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    c->pwcost.mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    c->web_dir = first_dir(CRIER_CONSOLE_SOURCE_WEB, CRIER_CONSOLE_INSTALL_WEB);
    c->crier_path = first_exe(CRIER_CONSOLE_BUILD_CRIER, CRIER_CONSOLE_INSTALL_CRIER);
    c->layouts_dir = first_dir(CRIER_CONSOLE_SOURCE_LAYOUTS, CRIER_CONSOLE_INSTALL_LAYOUTS);
    a->listen = "127.0.0.1:8080";
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (strcmp(k, "-h") == 0 || strcmp(k, "--help") == 0) {
            fputs(usage_text, stdout);
            return -1;
        }
        if (strcmp(k, "--version") == 0) {
            printf("crier-console %s\n", CRIER_VERSION);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "crier-console: %s needs a value (see --help)\n", k);
            return EXIT_USAGE;
        }
        const char *v = argv[++i];
        long n;
        const char **slot = strcmp(k, "--listen") == 0                 ? &a->listen
                            : strcmp(k, "--db") == 0                   ? &c->db_path
                            : strcmp(k, "--broker") == 0               ? &c->broker
                            : strcmp(k, "--broker-user") == 0          ? &c->broker_user
                            : strcmp(k, "--broker-password-file") == 0 ? &c->broker_password_file
                            : strcmp(k, "--broker-cafile") == 0        ? &c->broker_cafile
                            : strcmp(k, "--signing-key") == 0          ? &c->signing_key
                            : strcmp(k, "--web") == 0                  ? &c->web_dir
                            : strcmp(k, "--tls-cert") == 0             ? &c->tls_cert
                            : strcmp(k, "--tls-key") == 0              ? &c->tls_key
                            : strcmp(k, "--trust-user-header") == 0    ? &c->trust_user_header
                            : strcmp(k, "--crier") == 0                ? &c->crier_path
                            : strcmp(k, "--layouts") == 0              ? &c->layouts_dir
                            : strcmp(k, "--public-url") == 0           ? &c->public_url
                            : strcmp(k, "--origin") == 0               ? &a->origin
                            : strcmp(k, "--create-user") == 0          ? &a->create_user
                            : strcmp(k, "--password-file") == 0        ? &a->password_file
                            : strcmp(k, "--log-level") == 0            ? &a->log_level
                                                                       : NULL;
        if (slot) {
            *slot = v;
            continue;
        }
        int bad = 1;
        if (strcmp(k, "--stale-after") == 0 && (bad = num(v, 5, 86400, &n)) == 0)
            c->stale_after_s = (int)n;
        else if (strcmp(k, "--max-body") == 0 && (bad = num(v, 1024, 64L << 20, &n)) == 0)
            c->max_body = (size_t)n;
        else if (strcmp(k, "--max-upload") == 0 && (bad = num(v, 1024, 256L << 20, &n)) == 0)
            c->max_upload = (size_t)n;
        else if (strcmp(k, "--max-connections") == 0 && (bad = num(v, 4, 100000, &n)) == 0)
            c->max_connections = (unsigned)n;
        else if (strcmp(k, "--session-hours") == 0 && (bad = num(v, 1, 24 * 365, &n)) == 0)
            c->session_hours = (int)n;
        else if (strcmp(k, "--pwhash-ops") == 0 && (bad = num(v, 1, 100, &n)) == 0)
            c->pwcost.ops = (unsigned long long)n;
        else if (strcmp(k, "--pwhash-mem-mib") == 0 && (bad = num(v, 1, 4096, &n)) == 0)
            c->pwcost.mem = (size_t)n << 20;
        else if (bad && (strcmp(k, "--stale-after") == 0 || strcmp(k, "--max-body") == 0 ||
                         strcmp(k, "--max-upload") == 0 || strcmp(k, "--max-connections") == 0 ||
                         strcmp(k, "--session-hours") == 0 || strcmp(k, "--pwhash-ops") == 0 ||
                         strcmp(k, "--pwhash-mem-mib") == 0)) {
            fprintf(stderr, "crier-console: %s: '%s' is not a number in range (see --help)\n", k, v);
            return EXIT_USAGE;
        } else {
            fprintf(stderr, "crier-console: unknown option '%s' (see --help)\n", k);
            return EXIT_USAGE;
        }
    }
    if (!c->db_path) {
        fprintf(stderr, "crier-console: --db FILE is required (see --help)\n");
        return EXIT_USAGE;
    }
    if (parse_listen(a->listen, a) != 0) {
        fprintf(stderr, "crier-console: --listen wants HOST:PORT, e.g. 127.0.0.1:8080\n");
        return EXIT_USAGE;
    }
    if (a->create_user && !a->password_file) {
        fprintf(stderr, "crier-console: --create-user needs --password-file F\n");
        return EXIT_USAGE;
    }
    if (a->log_level && crier_log_level_parse(a->log_level) < 0) {
        fprintf(stderr, "crier-console: --log-level: debug, info, warn or error\n");
        return EXIT_USAGE;
    }
    return 0;
}

static int create_user(cn_db *db, const cn_config *cfg, const char *spec, const char *pwfile)
{
    char name[CN_NAME_MAX + 1], role[16], sites[CN_SITES_MAX + 1] = "*", err[200];
    const char *c1 = strchr(spec, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    size_t nl = c1 ? (size_t)(c1 - spec) : 0, rl = c1 ? (c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1)) : 0;
    if (!c1 || nl == 0 || nl > CN_NAME_MAX || rl == 0 || rl >= sizeof role || (c2 && strlen(c2 + 1) > CN_SITES_MAX)) {
        fprintf(stderr, "crier-console: --create-user wants NAME:ROLE[:SITE,SITE]\n");
        return EXIT_USAGE;
    }
    memcpy(name, spec, nl);
    name[nl] = '\0';
    memcpy(role, c1 + 1, rl);
    role[rl] = '\0';
    if (c2 && c2[1])
        snprintf(sites, sizeof sites, "%s", c2 + 1);
    FILE *f = fopen(pwfile, "r");
    char pw[CN_PASSWORD_MAX + 2] = "";
    if (!f || !fgets(pw, sizeof pw, f)) {
        fprintf(stderr, "crier-console: cannot read the password file %s\n", pwfile);
        if (f)
            fclose(f);
        return EXIT_CONFIG;
    }
    fclose(f);
    pw[strcspn(pw, "\r\n")] = '\0';
    crier_err e = cn_user_put(db, &cfg->pwcost, name, pw, cn_role_parse(role), sites, err, sizeof err);
    sodium_memzero(pw, sizeof pw);
    if (e != CRIER_OK) {
        fprintf(stderr, "crier-console: --create-user %s: %s\n", name, err);
        return e == CRIER_ERR_INVAL ? EXIT_USAGE : EXIT_CONFIG;
    }
    LOG_INFO("console", "user %s (%s) ready", name, role);
    return 0;
}

int main(int argc, char **argv)
{
    args a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (a.log_level)
        crier_log_set_level((crier_log_level)crier_log_level_parse(a.log_level));
    if (sodium_init() < 0 || crier_sign_init() != CRIER_OK) {
        fprintf(stderr, "crier-console: libsodium failed to initialise\n");
        return EXIT_RUNTIME;
    }
    /* one thread per connection: allow many sockets */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    /* signals are taken by sigtimedwait below; every thread inherits the mask */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    cn_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.cfg = &a.cfg;
    if (a.origin)
        snprintf(ctx.origin, sizeof ctx.origin, "%s", a.origin);
    char err[512];
    cn_db *db = NULL;
    cn_fleet *fleet = NULL;
    cn_http *http = NULL;
    if (cn_db_open(a.cfg.db_path, &db, err, sizeof err) != CRIER_OK) {
        fprintf(stderr, "crier-console: %s\n", err);
        return EXIT_CONFIG;
    }
    ctx.db = db;
    if (a.create_user && (rc = create_user(db, &a.cfg, a.create_user, a.password_file)) != 0)
        goto out;
    if (a.cfg.signing_key) {
        crier_err e = crier_key_load(a.cfg.signing_key, &ctx.key);
        if (e != CRIER_OK || !ctx.key.has_secret) {
            fprintf(stderr, "crier-console: cannot use signing key %s: %s\n", a.cfg.signing_key,
                    e == CRIER_ERR_AUTH ? "a secret key must not be readable by group or others (chmod 600)"
                    : e != CRIER_OK      ? crier_strerror(e)
                                         : "it is a public key; give the secret .key file");
            rc = EXIT_CONFIG;
            goto out;
        }
        ctx.have_key = 1;
    }
    if (cn_user_count(db) == 0)
        LOG_WARN("console", "no users yet: create one with --create-user NAME:admin --password-file F");
    ctx.sse = cn_sse_new();
    ctx.rate = cn_rate_new();
    cn_fleet_cfg fc = {.broker = a.cfg.broker, .user = a.cfg.broker_user,
                       .password_file = a.cfg.broker_password_file, .cafile = a.cfg.broker_cafile,
                       .stale_after_s = a.cfg.stale_after_s, .db = db, .sse = ctx.sse,
                       .on_receipt = on_receipt, .receipt_ud = &ctx};
    if (!ctx.sse || !ctx.rate || cn_fleet_start(&fleet, &fc, err, sizeof err) != CRIER_OK) {
        fprintf(stderr, "crier-console: %s\n", ctx.sse && ctx.rate ? err : "out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    ctx.fleet = fleet;
    cn_desk_seed_templates(&ctx);
    if (cn_relay_start(&ctx.relay, &ctx) != CRIER_OK) {
        fprintf(stderr, "crier-console: cannot start the CAP relay\n");
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (cn_http_start(&http, &ctx, err, sizeof err) != CRIER_OK) {
        fprintf(stderr, "crier-console: %s\n", err);
        rc = EXIT_RUNTIME;
        goto out;
    }
    int port = cn_http_port(http);
    int v6 = strchr(a.cfg.listen_host, ':') != NULL;
    const char *scheme = a.cfg.tls_cert ? "https" : "http";
    if (!a.cfg.public_url) {
        snprintf(a.public_url, sizeof a.public_url, v6 ? "%s://[%s]:%d" : "%s://%s:%d", scheme, a.cfg.listen_host,
                 port);
        a.cfg.public_url = a.public_url;
    }
    printf("crier-console: listening on %s://%s%s%s:%d\n", scheme, v6 ? "[" : "", a.cfg.listen_host, v6 ? "]" : "",
           port);
    fflush(stdout);
    LOG_INFO("console", "serving %s; previews with %s; %s", a.cfg.web_dir, a.cfg.crier_path,
             ctx.have_key ? "posts are signed" : "posts go unsigned (no --signing-key)");

    int64_t last_sweep = 0;
    for (;;) {
        struct timespec one = {1, 0};
        int sig = sigtimedwait(&sigs, NULL, &one);
        if (sig == SIGINT || sig == SIGTERM) {
            LOG_INFO("console", "signal %d: stopping", sig);
            break;
        }
        int64_t now = crier_wall_ms();
        cn_fleet_tick(fleet, now);
        cn_posts_tick(&ctx, now);
        if (now - last_sweep > 3600000) {
            last_sweep = now;
            cn_session_sweep(db);
        }
    }
    rc = EXIT_OK;
out:
    cn_http_stop(http);
    cn_relay_stop(ctx.relay); /* before the fleet: it publishes through it */
    cn_fleet_stop(fleet);
    cn_rate_free(ctx.rate);
    cn_sse_free(ctx.sse);
    crier_key_wipe(&ctx.key);
    cn_db_close(db);
    return rc;
}
