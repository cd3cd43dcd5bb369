/* config.h - kiosk configuration: one table of keys.
 *
 * The table (config/keys.c) has one row per key: name, type, field, default,
 * bounds or allowed values, help.  Enum keys are parsed once, by the table, into
 * the C enums below (redis config.c's configEnum idea): the program compares
 * enums, never setting strings.  Adding an enum key is one table row (and its
 * name/value list when the enum is new).
 *
 * Files: keys.c the table; config.c the setter, defaults and listing (every
 * value goes through one setter, so a flag and a file line are validated
 * alike); parse.c the file syntax; check.c the cross-checks.
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
#include "base/log.h"
#include "feeds/feed.h"

#include <stddef.h>
#include <stdint.h>

#define CRIER_MAX_SOURCES 32

/* Enum settings (every one is int-sized; the table stores them as int). */
typedef enum crier_transition { /* transition */
    CRIER_TRANSITION_FADE,
    CRIER_TRANSITION_SLIDE,
    CRIER_TRANSITION_NONE,
} crier_transition;

typedef enum crier_ticker_motion { /* ticker_motion */
    CRIER_TICKER_SCROLL,
    CRIER_TICKER_STATIC, /* never moves (WCAG 2.2.2) */
} crier_ticker_motion;

typedef enum crier_present { /* present: how the window backend shows frames (screen/backend.c) */
    CRIER_PRESENT_AUTO,     /* software when the display offers no accelerated GL, else gpu */
    CRIER_PRESENT_GPU,      /* SDL's accelerated renderer (GL/GLES; KMSDRM page flips) */
    CRIER_PRESENT_SOFTWARE, /* composed on the CPU into the window surface, damaged rectangles only */
} crier_present;

typedef enum crier_power_backend { /* display_power: device/display_power.h */
    CRIER_POWER_BACKEND_AUTO, /* cec if the device opens, else null */
    CRIER_POWER_BACKEND_CEC,
    CRIER_POWER_BACKEND_NULL,
} crier_power_backend;

typedef enum crier_broker_protocol { /* broker_protocol; values are crier_mqtt_config.protocol's */
    CRIER_BROKER_PROTOCOL_AUTO = 0, /* 5, falling back to 3.1.1 */
    CRIER_BROKER_PROTOCOL_311 = 4,
    CRIER_BROKER_PROTOCOL_5 = 5,
} crier_broker_protocol;

typedef enum crier_signed_posts { /* require_signed_posts; values are crier_alerts_config's */
    CRIER_SIGNED_POSTS_AUTO = -1, /* required once alert_keys_dir holds a trusted key */
    CRIER_SIGNED_POSTS_NO = 0,
    CRIER_SIGNED_POSTS_YES = 1,
} crier_signed_posts;

typedef struct crier_source_config {
    char name[48];
    crier_feed_type type; /* file | rss | atom | jsonfeed | mastodon | ical */
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
    crier_log_level log_level;

    char *broker_url;
    char *broker_user;
    char *broker_password_file;
    char *broker_cafile;
    char *broker_certfile;
    char *broker_keyfile;
    int heartbeat_s;
    crier_broker_protocol broker_protocol;
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
    crier_present present; /* window backend: auto, gpu or software */
    int rotation;      /* 0, 90, 180, 270 */
    int vsync;
    int display_open_timeout_s; /* keep trying to open the display this long at start */
    int default_duration_s;
    int transition_ms;
    crier_transition transition;
    crier_ticker_motion ticker_motion;
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
    int feed_parse_timeout_ms; /* a feed parse runs in a child killed after this long */

    crier_power_backend display_power;
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
    crier_signed_posts require_signed_posts;

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

/* The setting word of an enum key's value ("slide" for transition,
 * CRIER_TRANSITION_SLIDE), for logs and events; "?" if unknown.  Per-source
 * keys are named "source.type". */
const char *crier_config_enum_name(const char *key, int value);

#endif
