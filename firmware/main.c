/* main.c - crier: the kiosk firmware's entry point.
 *
 * Reads settings (defaults -> config file -> flags -> cross-checks), starts
 * the worker threads (content sources), runs the render loop on the main
 * thread (SDL wants it there), and turns errors into exit statuses.  Only this
 * file exits the process.  SIGINT/SIGTERM are taken by a signal thread that
 * asks the render loop to quit, so shutdown is always orderly. */
#include "base/atomicfile.h"
#include "config/config.h"
#include "content/content.h"
#include "base/eventlog.h"
#include "screen/layout.h"
#include "base/log.h"
#include "base/mailbox.h"
#include "base/timeutil.h"
#include "crier_version.h"
#include "device/power_schedule.h"
#include "alerts/alerts.h"
#include "device/display_power.h"
#include "remote/imagerelay.h"
#include "remote/mqtt.h"
#include "remote/proofplay.h"
#include "device/sdnotify.h"
#include "feeds/sources.h"
#include "screen/render.h"

#include <errno.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { EXIT_USAGE = 2, EXIT_CONFIG = 3, EXIT_RUNTIME = 4 };

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: crier [OPTION]...\n"
            "Public-information kiosk firmware: shows a city's posts, events and emergency alerts.\n"
            "\n"
            "  -c, --config FILE          read settings from FILE (key = value; see docs/configuration.md)\n"
            "      --headless             render with the software renderer into memory (no display)\n"
            "      --size WxH             screen size in pixels (default: the display's, 1920x1080 headless)\n"
            "      --run-for SECONDS      exit cleanly after SECONDS (decimals allowed)\n"
            "      --screenshot FILE.png  write the last frame to FILE.png on exit\n"
            "      --screenshot-every S   also write it every S seconds while running\n"
            "      --events FILE|-        write one JSON object per line for every notable event\n"
            "                             (each with t_ms, epoch milliseconds, and event)\n"
            "      --set KEY=VALUE        set any configuration key (repeatable; overrides the file)\n"
            "      --log-level LEVEL      debug, info, warn, error or off (default info)\n"
            "      --check-config         validate the configuration, print it, and exit\n"
            "      --help-config          list every configuration key with its default and meaning\n"
            "      --print-content        load every content source once, print the merged content\n"
            "                             as JSON lines, and exit\n"
            "      --version              print the version and exit\n"
            "  -h, --help                 print this help and exit\n"
            "\n"
            "Exit status: 0 clean run, 2 bad arguments, 3 bad configuration, 4 runtime failure.\n"
            "Log lines go to standard error.\n");
}

static const char *default_assets_dir(void)
{
    struct stat st;
    const char *env = getenv("CRIER_ASSETS");
    if (env && *env)
        return env;
#ifdef CRIER_SOURCE_ASSETS
    if (stat(CRIER_SOURCE_ASSETS "/fonts", &st) == 0)
        return CRIER_SOURCE_ASSETS;
#endif
#ifdef CRIER_INSTALL_ASSETS
    if (stat(CRIER_INSTALL_ASSETS, &st) == 0)
        return CRIER_INSTALL_ASSETS;
#endif
    return "/usr/share/crier";
}

static void print_config_help(const char *key, const char *value, const char *help, void *ud)
{
    fprintf(ud, "%-26s %-22s %s\n", key, value[0] ? value : "\"\"", help);
}

static void print_config_line(const char *key, const char *value, const char *help, void *ud)
{
    (void)help;
    fprintf(ud, "%s = %s\n", key, value);
}

/* What the render loop's hooks reach: systemd readiness and watchdog, the
 * display power schedule (an alert keeps the screen on), the MQTT channel
 * (status, screenshots), proof of play, and the content sources (reload). */
typedef struct kiosk_ctx {
    crier_display_power *power;
    crier_power_schedule schedule;
    int last_on;
    crier_mqtt *mqtt;           /* NULL without a broker */
    crier_proofplay *proofplay; /* NULL when off */
    crier_sources *sources;
    crier_alerts *alerts;
    crier_imagerelay *images; /* downloads the images of MQTT posts */
} kiosk_ctx;

static void on_alert_presented(void *ud, const char *sender, const char *identifier, int64_t presented_ms)
{
    kiosk_ctx *k = ud;
    crier_alerts_presented(k->alerts, sender, identifier, presented_ms);
}

static void on_alerts_frame(void *ud, const char *snapshot_key, int64_t presented_ms)
{
    kiosk_ctx *k = ud;
    crier_alerts_snapshot_presented(k->alerts, strtoull(snapshot_key, NULL, 10), presented_ms);
}

static void on_shown(void *ud, const char *id, const char *source, const char *title)
{
    kiosk_ctx *k = ud;
    crier_mqtt_report_showing(k->mqtt, id, source, title);
    crier_proofplay_showing(k->proofplay, id, source, title);
}

static void on_content_updated(void *ud, int64_t wall_ms)
{
    kiosk_ctx *k = ud;
    crier_mqtt_report_content_updated(k->mqtt, wall_ms);
}

static void on_command(void *ud, const crier_msg *m)
{
    kiosk_ctx *k = ud;
    if (m->key && strcmp(m->key, "reload") == 0) {
        LOG_INFO("main", "reload requested: re-reading every content source");
        crier_sources_reload(k->sources);
    }
}

static void on_screenshot(void *ud, const char *req, const void *png, size_t len)
{
    kiosk_ctx *k = ud;
    if (k->mqtt)
        crier_mqtt_reply_screenshot(k->mqtt, req, png, len);
}

static int stale_label(void *ud, int64_t wall_ms, char *buf, size_t len)
{
    kiosk_ctx *k = ud;
    return crier_sources_stale_label(k->sources, wall_ms, buf, len);
}

static char *feeds_json(void *ud)
{
    return crier_sources_status_json(ud);
}

static void on_first_frame(void *ud)
{
    (void)ud;
    crier_sdnotify_ready("showing content");
}

static void on_alive(void *ud, int64_t wall_ms)
{
    kiosk_ctx *b = ud;
    crier_sdnotify_watchdog();
    if (!b->mqtt && b->proofplay) /* with MQTT, its thread flushes every 2 s */
        crier_proofplay_flush(b->proofplay);
    if (b->power) {
        crier_power_decision d;
        int alert = b->alerts && crier_alerts_active_count(b->alerts) > 0; /* an alert keeps the screen on */
        if (crier_display_power_apply(b->power, &b->schedule, wall_ms, alert, &d) == CRIER_OK && d.on != b->last_on) {
            LOG_INFO("power", "display %s (%s)", d.on ? "on" : "off", crier_power_reason_name(d.reason));
            b->last_on = d.on;
        }
    }
}

typedef struct signal_ctx {
    sigset_t set;
    crier_mailbox *mb;
} signal_ctx;

static void *signal_thread(void *arg)
{
    signal_ctx *sc = arg;
    for (;;) {
        int sig = 0;
        if (sigwait(&sc->set, &sig) != 0)
            continue;
        if (sig == SIGUSR2)
            break; /* main asks us to finish */
        LOG_INFO("main", "signal %d: shutting down", sig);
        crier_mailbox_post(sc->mb, crier_msg_new(CRIER_MSG_QUIT, NULL, NULL));
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int64_t start_mono = crier_mono_ms();
#ifdef __GLIBC__
    /* Frames, slides and text surfaces are large, short-lived buffers.  glibc
     * raises its mmap threshold after the first such free and then serves
     * them from the heap, which fragments and never shrinks; a fixed
     * threshold keeps them in their own mappings, returned on free (years of
     * uptime with a flat RSS). */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
    int status = 0;
    crier_config cfg;
    crier_layout layout;
    crier_mailbox mb;
    int mb_ready = 0, sig_started = 0;
    crier_eventlog *events = NULL;
    crier_sources *sources = NULL;
    kiosk_ctx board = {0};
    pthread_t sig_tid;
    signal_ctx sc;
    char err[512] = "";
    char *layout_buf = NULL, *layout_path = NULL;
    const char *config_path = NULL, *screenshot = NULL, *events_path = NULL;
    double run_for = 0, shot_every = 0;
    int check_only = 0, print_only = 0;
    struct {
        char *key, *value;
    } sets[128];
    int n_sets = 0;

    /* Test hook: CRIER_FAKE_TIME=ISO-8601 starts the wall clock there (golden
     * images and expiry tests need a fixed "now"); documented in docs/testing.md. */
    const char *fake = getenv("CRIER_FAKE_TIME");
    if (fake && *fake) {
        int64_t fake_ms;
        if (crier_parse_iso8601(fake, &fake_ms) != 0) {
            fprintf(stderr, "crier: CRIER_FAKE_TIME '%s' is not an ISO 8601 time\n", fake);
            return EXIT_USAGE;
        }
        crier_wall_offset_set(fake_ms - crier_wall_ms());
    }
    if (crier_config_init(&cfg, default_assets_dir()) != CRIER_OK) {
        fprintf(stderr, "crier: out of memory\n");
        return EXIT_RUNTIME;
    }

    enum { O_HEADLESS = 256, O_SIZE, O_RUNFOR, O_SHOT, O_SHOTEVERY, O_EVENTS, O_SET, O_LOGLEVEL, O_CHECK,
           O_PRINT, O_VERSION, O_HELPCONFIG };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"headless", no_argument, NULL, O_HEADLESS},
        {"size", required_argument, NULL, O_SIZE}, {"run-for", required_argument, NULL, O_RUNFOR},
        {"screenshot", required_argument, NULL, O_SHOT}, {"screenshot-every", required_argument, NULL, O_SHOTEVERY},
        {"events", required_argument, NULL, O_EVENTS}, {"set", required_argument, NULL, O_SET},
        {"log-level", required_argument, NULL, O_LOGLEVEL}, {"check-config", no_argument, NULL, O_CHECK},
        {"print-content", no_argument, NULL, O_PRINT}, {"help-config", no_argument, NULL, O_HELPCONFIG}, {"version", no_argument, NULL, O_VERSION},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
        char *end;
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case O_HEADLESS:
        case O_SIZE:
        case O_LOGLEVEL:
            if (n_sets >= 125) {
                fprintf(stderr, "crier: too many settings on the command line\n");
                status = EXIT_USAGE;
                goto cleanup;
            }
            sets[n_sets].key = opt == O_HEADLESS ? "headless" : opt == O_SIZE ? "size" : "log_level";
            sets[n_sets++].value = opt == O_HEADLESS ? "true" : optarg;
            break;
        case O_RUNFOR:
        case O_SHOTEVERY: {
            double v = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(v) || v <= 0 || v > 1e7) {
                fprintf(stderr, "crier: --%s needs a positive number of seconds, not '%s'\n",
                        opt == O_RUNFOR ? "run-for" : "screenshot-every", optarg);
                status = EXIT_USAGE;
                goto cleanup;
            }
            *(opt == O_RUNFOR ? &run_for : &shot_every) = v;
            break;
        }
        case O_SHOT:
            screenshot = optarg;
            break;
        case O_EVENTS:
            events_path = optarg;
            break;
        case O_SET: {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || n_sets >= 125) {
                fprintf(stderr, "crier: --set needs KEY=VALUE, not '%s'\n", optarg);
                status = EXIT_USAGE;
                goto cleanup;
            }
            *eq = '\0';
            sets[n_sets].key = optarg;
            sets[n_sets++].value = eq + 1;
            break;
        }
        case O_CHECK:
            check_only = 1;
            break;
        case O_PRINT:
            print_only = 1;
            break;
        case O_VERSION:
            printf("crier %s\n", CRIER_VERSION);
            goto cleanup;
        case 'h':
            usage(stdout);
            goto cleanup;
        case O_HELPCONFIG:
            printf("%-26s %-22s %s\n", "KEY", "DEFAULT", "MEANING");
            crier_config_each(&cfg, print_config_help, stdout);
            printf("%-26s %-22s %s\n", "source.NAME.FIELD", "", "content sources: see docs/configuration.md");
            goto cleanup;
        case ':':
            fprintf(stderr, "crier: option '%s' needs a value (see crier --help)\n", argv[optind - 1]);
            status = EXIT_USAGE;
            goto cleanup;
        default:
            fprintf(stderr, "crier: unknown option '%s' (see crier --help)\n", argv[optind - 1]);
            status = EXIT_USAGE;
            goto cleanup;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "crier: unexpected argument '%s' (see crier --help)\n", argv[optind]);
        status = EXIT_USAGE;
        goto cleanup;
    }

    /* defaults -> file -> flags -> cross-checks */
    if (config_path && crier_config_load_file(&cfg, config_path, err, sizeof err) != CRIER_OK) {
        fprintf(stderr, "crier: %s\n", err);
        status = EXIT_CONFIG;
        goto cleanup;
    }
    for (int i = 0; i < n_sets; i++) {
        if (crier_config_set(&cfg, sets[i].key, sets[i].value, "command line", 0, NULL, err, sizeof err) != CRIER_OK) {
            fprintf(stderr, "crier: %s\n", err);
            status = EXIT_CONFIG;
            goto cleanup;
        }
    }
    crier_log_set_level(cfg.log_level);
    if (!cfg.layout) {
        size_t n = strlen(cfg.assets_dir) + 32;
        layout_path = malloc(n);
        if (!layout_path) {
            status = EXIT_RUNTIME;
            goto cleanup;
        }
        /* A portrait screen gets the portrait layout unless one is configured. */
        int portrait = cfg.height > cfg.width && (cfg.rotation % 180) == 0;
        portrait |= cfg.width > cfg.height && (cfg.rotation % 180) == 90;
        snprintf(layout_path, n, "%s/layouts/%s", cfg.assets_dir, portrait ? "portrait.json" : "default.json");
        cfg.layout = layout_path;
        layout_path = NULL;
    }
    if (crier_config_check(&cfg, err, sizeof err) != CRIER_OK) {
        fprintf(stderr, "crier: %s%s%s\n", config_path ? config_path : "", config_path ? ": " : "", err);
        status = EXIT_CONFIG;
        goto cleanup;
    }
    size_t layout_len = 0;
    if (crier_atomicfile_read(cfg.layout, CRIER_LAYOUT_MAX_BYTES, &layout_buf, &layout_len) != CRIER_OK) {
        fprintf(stderr, "crier: key 'layout': cannot read '%s' (missing or over %d bytes)\n", cfg.layout,
                CRIER_LAYOUT_MAX_BYTES);
        status = EXIT_CONFIG;
        goto cleanup;
    }
    if (crier_layout_parse(layout_buf, layout_len, &layout, err, sizeof err) != CRIER_OK) {
        fprintf(stderr, "crier: key 'layout': '%s': %s\n", cfg.layout, err);
        status = EXIT_CONFIG;
        goto cleanup;
    }
    if (check_only) {
        crier_config_each(&cfg, print_config_line, stdout);
        printf("# configuration OK (layout '%s', %d sources)\n", layout.name, cfg.n_sources);
        goto cleanup;
    }
    if (print_only) {
        status = crier_sources_print(&cfg) ? EXIT_RUNTIME : 0;
        goto cleanup;
    }

    if (events_path && !(events = crier_eventlog_open(events_path))) {
        fprintf(stderr, "crier: --events: cannot open '%s': %s\n", events_path, strerror(errno));
        status = EXIT_USAGE;
        goto cleanup;
    }
    crier_eventlog_emit(events, "started", "s:version", CRIER_VERSION, "s:kiosk_id", cfg.kiosk_id, NULL);
    LOG_INFO("main", "crier %s starting as kiosk '%s' at site '%s'", CRIER_VERSION, cfg.kiosk_id, cfg.site);

    if (crier_mailbox_init(&mb, 0) != CRIER_OK) {
        status = EXIT_RUNTIME;
        goto cleanup;
    }
    mb_ready = 1;
    /* Block the quit signals in every thread; one thread takes them with sigwait. */
    sigemptyset(&sc.set);
    sigaddset(&sc.set, SIGINT);
    sigaddset(&sc.set, SIGTERM);
    sigaddset(&sc.set, SIGHUP);
    sigaddset(&sc.set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &sc.set, NULL);
    signal(SIGPIPE, SIG_IGN);
    sc.mb = &mb;
    if (pthread_create(&sig_tid, NULL, signal_thread, &sc) == 0)
        sig_started = 1;

    sources = crier_sources_start(&cfg, &mb, err, sizeof err);
    if (!sources) {
        fprintf(stderr, "crier: content sources: %s\n", err);
        status = EXIT_CONFIG;
        goto cleanup;
    }

    board.last_on = -1;
    board.sources = sources;
    crier_power_schedule_parse(cfg.display_schedule, strlen(cfg.display_schedule), &board.schedule);
    if (!cfg.headless && crier_display_power_new(cfg.display_power, cfg.cec_device, &board.power) != CRIER_OK)
        LOG_WARN("power", "display power control '%s' unavailable; the screen stays on",
                 crier_config_enum_name("display_power", (int)cfg.display_power));
    if (cfg.proofplay) {
        char pp[4096];
        snprintf(pp, sizeof pp, "%s/proofplay.jsonl", cfg.state_dir);
        board.proofplay = crier_proofplay_new(pp, (size_t)cfg.proofplay_max_bytes, cfg.proofplay_keep);
        if (!board.proofplay)
            LOG_WARN("main", "proof of play cannot be kept in '%s'", pp);
    }
    /* Alerts first: persisted active alerts are on screen before any broker. */
    char alerts_path[4096];
    snprintf(alerts_path, sizeof alerts_path, "%s/alerts.json", cfg.state_dir);
    mkdir(cfg.state_dir, 0750);
    crier_alerts_cfg ac = {
        .keys_dir = cfg.alert_keys_dir,
        .state_path = alerts_path,
        .kiosk = cfg.kiosk_id,
        .site = cfg.site[0] ? cfg.site : NULL,
        .show_tests = cfg.alert_show_tests,
        .max_future_ms = (int64_t)cfg.alert_max_future_s * 1000,
        .default_ttl_ms = (int64_t)cfg.alert_default_ttl_s * 1000,
        .require_signed_posts = (int)cfg.require_signed_posts, /* -1 auto, 0 no, 1 yes */
        .mailbox = &mb,
        .events = events,
    };
    if (crier_alerts_start(&board.alerts, &ac, err, sizeof err) != CRIER_OK) {
        fprintf(stderr, "crier: alerts: %s\n", err);
        status = EXIT_CONFIG;
        goto cleanup;
    }
    if (cfg.broker_url[0]) {
        crier_imagerelay_cfg ic = {.cache_dir = cfg.cache_dir, .max_bytes = (size_t)cfg.feed_image_max_bytes,
                                   .to = &mb};
        crier_http_cfg_from_config(&ic.http, &cfg); /* the feed TLS settings and timeouts */
        if (crier_imagerelay_start(&board.images, &ic, err, sizeof err) != CRIER_OK)
            LOG_WARN("main", "%s; posts show without images", err);
        crier_mqtt_cfg mc = {
            .broker = cfg.broker_url,
            .kiosk = cfg.kiosk_id,
            .site = cfg.site,
            .username = cfg.broker_user[0] ? cfg.broker_user : NULL,
            .password_file = cfg.broker_password_file[0] ? cfg.broker_password_file : NULL,
            .cafile = cfg.broker_cafile[0] ? cfg.broker_cafile : NULL,
            .certfile = cfg.broker_certfile[0] ? cfg.broker_certfile : NULL,
            .keyfile = cfg.broker_keyfile[0] ? cfg.broker_keyfile : NULL,
            .protocol = (int)cfg.broker_protocol, /* 0 auto, 5, 4 (3.1.1) */
            .keepalive_s = cfg.broker_keepalive_s,
            .heartbeat_s = cfg.heartbeat_s,
            .session_expiry_s = cfg.broker_session_expiry_s,
            .reconnect_min_ms = cfg.broker_reconnect_min_ms,
            .reconnect_max_ms = cfg.broker_reconnect_max_ms,
            .screenshot_max_bytes = (size_t)cfg.screenshot_max_bytes,
            .mailbox = board.images ? crier_imagerelay_inbox(board.images) : &mb,
            .proofplay = board.proofplay,
            .feeds_json = feeds_json,
            .feeds_ud = sources,
        };
        crier_alerts_mqtt_hooks(board.alerts, &mc);
        if (crier_mqtt_start(&board.mqtt, &mc, err, sizeof err) != CRIER_OK) {
            fprintf(stderr, "crier: MQTT: %s (check the broker_* settings)\n", err);
            status = EXIT_CONFIG;
            goto cleanup;
        }
        crier_alerts_set_mqtt(board.alerts, board.mqtt);
    }
    int64_t wd = crier_sdnotify_watchdog_interval_ms();
    char fonts_dir[4096];
    snprintf(fonts_dir, sizeof fonts_dir, "%s/fonts", cfg.assets_dir);
    crier_render_opts ro = {
        .cfg = &cfg,
        .layout = &layout,
        .fonts_dir = fonts_dir,
        .run_for_ms = (int64_t)(run_for * 1000),
        .screenshot_path = screenshot,
        .screenshot_every_ms = (int64_t)(shot_every * 1000),
        .start_mono_ms = start_mono,
        .events = events,
        .hooks = {.ud = &board, .first_frame = on_first_frame, .alive = on_alive,
                  .alive_every_ms = wd > 0 && wd < 30000 ? wd : 30000, .shown = on_shown,
                  .content_updated = on_content_updated, .command = on_command, .screenshot = on_screenshot,
                  .alert_presented = on_alert_presented, .alerts_frame_presented = on_alerts_frame,
                  .stale_label = stale_label},
    };
    crier_err rc = crier_render_run(&ro, &mb);
    if (rc != CRIER_OK) {
        fprintf(stderr, "crier: display failed: %s (see the log above)\n", crier_strerror(rc));
        status = EXIT_RUNTIME;
    }
    crier_sdnotify_stopping();
    crier_eventlog_emit(events, "stopped", "i:status", (int64_t)status, NULL);

cleanup:
    /* Shutdown order: every thread is joined before anything it uses is freed.
     *   1. The render loop has returned; it joined its screenshot encoder and
     *      alert sound threads, so no render hook (on_screenshot, on_shown,
     *      on_alive, ...) runs any more.
     *   2. MQTT, once the alert service has let go of it: its thread calls the
     *      alert service's hooks, posts into the image relay's inbox, flushes
     *      proof of play and reads the sources' status.
     *   3. The alert service (posts into mb, writes events).
     *   4. The image relay (posts into mb).
     *   5. Proof of play and display power (used only by 1 and 2).
     *   6. The content sources: fetch and file threads (post into mb, read cfg).
     *   7. The signal thread (posts into mb).
     *   8. Then what nobody uses any more: mb, the event log, the layout, cfg. */
    crier_alerts_set_mqtt(board.alerts, NULL);
    crier_mqtt_stop(board.mqtt); /* publishes "offline" and joins */
    crier_alerts_stop(board.alerts);
    crier_imagerelay_stop(board.images);
    crier_proofplay_free(board.proofplay);
    crier_display_power_free(board.power);
    crier_sources_stop(sources);
    if (sig_started) {
        pthread_kill(sig_tid, SIGUSR2);
        pthread_join(sig_tid, NULL);
    }
    if (mb_ready)
        crier_mailbox_destroy(&mb);
    crier_eventlog_close(events);
    free(layout_buf);
    free(layout_path);
    crier_config_free(&cfg);
    return status;
}
