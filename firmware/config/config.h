/* config.h - kiosk configuration: one table of keys.
 *
 * Order of precedence: built-in defaults, then the config file, then command-line
 * flags (each flag is just crier_config_set() with origin "command line"), then
 * crier_config_check() for cross-checks (files exist, values agree).
 *
 * File syntax (docs/configuration.md): `key = value` lines, `#` starts a comment
 * line, blank lines ignored, values may be "double quoted" (to keep spaces or #).
 * Per-source keys are `source.NAME.FIELD = value`.  An unknown key, a bad value or
 * a duplicate key is an error naming the key, the file and the line. */
#ifndef CRIER_CONFIG_H
#define CRIER_CONFIG_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_MAX_SOURCES 32

typedef struct crier_source_config {
    char name[48];
    char type[16];     /* file | rss | atom | jsonfeed | mastodon | ical */
    char *path;        /* file sources */
    char *url;         /* network sources */
    int refresh_s;     /* fetch interval */
    int priority;      /* higher shows first */
    int weight;        /* share of rotation */
    char *hours;       /* day-parting "07:00-19:00" or NULL */
    char *days;        /* "mon-fri" or NULL */
    int max_bytes;     /* download cap */
    int boosts;        /* mastodon: include boosts */
    int replies;       /* mastodon: include replies */
    int validity_s;    /* lifetime of posts that carry none; 0 = no expiry */
    int window_days;   /* ical: how far ahead events are shown */
    int max_items;     /* most items taken from this source */
    int link_urls;     /* append link addresses to the text */
    int line;          /* where it was first defined */
} crier_source_config;

typedef struct crier_config {
    char *config_path; /* the file read, NULL if none */
    char *config_dir;  /* relative paths in the file resolve against this */

    char *kiosk_id;
    char *site;
    char *city_name;
    char *assets_dir;
    char *layout;
    char *cache_dir;
    char *state_dir;
    char *log_level;

    char *broker_url;
    char *broker_user;
    char *broker_password_file;
    char *broker_cafile;
    char *broker_certfile;
    char *broker_keyfile;
    int heartbeat_s;
    char *broker_protocol; /* auto | 5 | 311 */
    int broker_keepalive_s;
    int broker_session_expiry_s;
    int broker_reconnect_min_ms;
    int broker_reconnect_max_ms;
    int screenshot_max_bytes;
    int proofplay;         /* keep proof of play in state_dir/proofplay.jsonl */
    int proofplay_max_bytes;
    int proofplay_keep;

    int width, height; /* window/screen size; 0 = native */
    int headless;
    int headless_pace_hz; /* present on a vsync-like grid when headless (0 = at once) */
    int fullscreen;
    int rotation;      /* 0, 90, 180, 270 */
    int vsync;
    int default_duration_s;
    int transition_ms;
    char *transition;  /* fade | slide | none */
    char *ticker_motion; /* scroll | static */
    char *clock_format;
    char *date_format;
    char *locale;
    int stale_after_s; /* say "as of HH:MM" when sources failed this long */

    char *feed_ca_file;    /* CA bundle for https feeds; empty = system store */
    char *feed_ca_path;    /* hashed CA folder; empty = system store */
    int feed_connect_timeout_s;
    int feed_low_speed_time_s;
    int feed_low_speed_bytes;
    int feed_timeout_s;
    int feed_max_redirects;
    int feed_image_max_bytes;
    int feed_backoff_min_s;
    int feed_backoff_max_s;

    char *display_power;    /* auto | cec | null */
    char *display_schedule; /* "always" or "mon-fri 07:00-22:00; sat,sun 09:00-18:30" */
    char *cec_device;

    char *alert_keys_dir;  /* trusted public keys, one *.pub per issuer */
    int alert_show_tests;  /* show Test/Exercise alerts with a band (else ignore) */
    int alert_max_future_s;
    int alert_default_ttl_s;
    int alert_language_s;  /* seconds each language of an alert stays up */
    int alert_tone;        /* attention tone when a new alert arrives (alerts/alertsound.c) */
    int alert_speech;      /* speak headline and instruction with espeak-ng */
    int alert_volume;      /* 0..100, percent of full scale */
    char *audio_device;    /* SDL audio device name; empty = SDL's default */
    char *require_signed_posts; /* auto | true | false */

    crier_source_config sources[CRIER_MAX_SOURCES];
    int n_sources;
} crier_config;

/* Defaults.  assets_dir defaults to the installed share folder or, when given,
 * the source tree's assets folder. */
crier_err crier_config_init(crier_config *cfg, const char *default_assets_dir);
void crier_config_free(crier_config *cfg);

/* Parse config text.  `origin` names the file for messages; relative paths
 * resolve against `base_dir`.  On error writes "FILE:LINE: key 'k': reason" to err. */
crier_err crier_config_parse(crier_config *cfg, const char *text, size_t len, const char *origin,
                             const char *base_dir, char *err, size_t err_len);
crier_err crier_config_load_file(crier_config *cfg, const char *path, char *err, size_t err_len);
/* Set one key (as from the command line).  line may be 0. */
crier_err crier_config_set(crier_config *cfg, const char *key, const char *value, const char *origin,
                           int line, const char *base_dir, char *err, size_t err_len);
/* Cross-checks after all sources of settings are in. */
crier_err crier_config_check(const crier_config *cfg, char *err, size_t err_len);

struct crier_schedule;
/* A source's rotation rule (priority, weight, hours, days, default validity). */
crier_err crier_config_source_schedule(const crier_source_config *src, struct crier_schedule *out);

/* Write every key with its current value and help text (for --print-config and docs). */
typedef void (*crier_config_emit_fn)(const char *key, const char *value, const char *help, void *ud);
void crier_config_each(const crier_config *cfg, crier_config_emit_fn fn, void *ud);

#endif
