/* config.c - table-driven configuration parser.
 *
 * Each key is one row: name, type, offset into the struct, default, bounds and
 * help.  The same setter serves the file and the command line, so a flag and a
 * file line are validated identically.  Values are parsed strictly: trailing
 * garbage, out-of-range numbers and unknown enum values are errors. */
#include "config/config.h"
#include "content/content.h"
#include "feeds/feed_schedule.h"
#include "device/power_schedule.h"
#include "base/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum key_type { T_STRING, T_PATH, T_INT, T_BOOL, T_SIZE, T_ENUM };

typedef struct key_def {
    const char *name;
    enum key_type type;
    size_t offset;
    const char *def;
    long min, max;       /* T_INT bounds */
    const char *choices; /* T_ENUM: "|a|b|c|" */
    const char *help;
} key_def;

#define OFF(field) offsetof(crier_config, field)
static const key_def keys[] = {
    {"kiosk_id", T_STRING, OFF(kiosk_id), "kiosk-1", 0, 0, NULL,
     "This screen's id: letters, digits, '-' and '_' (used in MQTT topics)"},
    {"site", T_STRING, OFF(site), "main", 0, 0, NULL, "The site (building) this screen belongs to"},
    {"city_name", T_STRING, OFF(city_name), "Crier", 0, 0, NULL, "Name shown in the header"},
    {"assets_dir", T_PATH, OFF(assets_dir), NULL, 0, 0, NULL, "Folder with fonts/ and layouts/"},
    {"layout", T_PATH, OFF(layout), NULL, 0, 0, NULL,
     "Layout file (default: ASSETS/layouts/default.json)"},
    {"cache_dir", T_PATH, OFF(cache_dir), "/var/lib/crier/cache", 0, 0, NULL,
     "Folder for cached feeds and images"},
    {"state_dir", T_PATH, OFF(state_dir), "/var/lib/crier", 0, 0, NULL,
     "Folder for persistent state (active alerts, proof of play)"},
    {"log_level", T_ENUM, OFF(log_level), "info", 0, 0, "|debug|info|warn|error|off|",
     "debug, info, warn, error or off"},
    {"broker_url", T_STRING, OFF(broker_url), "", 0, 0, NULL,
     "MQTT broker, mqtt://host:port or mqtts://host:port; empty = no broker"},
    {"broker_user", T_STRING, OFF(broker_user), "", 0, 0, NULL, "MQTT user name"},
    {"broker_password_file", T_PATH, OFF(broker_password_file), "", 0, 0, NULL,
     "File holding the MQTT password"},
    {"broker_cafile", T_PATH, OFF(broker_cafile), "", 0, 0, NULL, "CA certificate for mqtts://"},
    {"broker_certfile", T_PATH, OFF(broker_certfile), "", 0, 0, NULL, "Client certificate (optional)"},
    {"broker_keyfile", T_PATH, OFF(broker_keyfile), "", 0, 0, NULL, "Client key (optional)"},
    {"heartbeat_s", T_INT, OFF(heartbeat_s), "60", 5, 3600, NULL, "Seconds between heartbeats"},
    {"broker_protocol", T_ENUM, OFF(broker_protocol), "auto", 0, 0, "|auto|5|311|",
     "MQTT version: auto (5, falling back to 3.1.1), 5 or 311"},
    {"broker_keepalive_s", T_INT, OFF(broker_keepalive_s), "30", 5, 600, NULL, "MQTT keep-alive"},
    {"broker_session_expiry_s", T_INT, OFF(broker_session_expiry_s), "86400", 0, 30 * 86400, NULL,
     "How long the broker keeps this kiosk's session (and QoS 1 messages) while it is away"},
    {"broker_reconnect_min_ms", T_INT, OFF(broker_reconnect_min_ms), "1000", 100, 600000, NULL,
     "First reconnect delay"},
    {"broker_reconnect_max_ms", T_INT, OFF(broker_reconnect_max_ms), "2000", 100, 3600000, NULL,
     "Longest reconnect delay (a returning broker is found within it)"},
    {"screenshot_max_bytes", T_INT, OFF(screenshot_max_bytes), "4194304", 65536, 64 * 1024 * 1024, NULL,
     "Largest screenshot published back"},
    {"proofplay", T_BOOL, OFF(proofplay), "true", 0, 0, NULL,
     "Keep proof of play (what was shown, when, how long) in STATE_DIR/proofplay.jsonl"},
    {"proofplay_max_bytes", T_INT, OFF(proofplay_max_bytes), "1048576", 4096, 256 * 1024 * 1024, NULL,
     "Size at which the proof-of-play file is rotated"},
    {"proofplay_keep", T_INT, OFF(proofplay_keep), "3", 0, 100, NULL, "Rotated proof-of-play files kept"},
    {"size", T_SIZE, 0, "0x0", 0, 0, NULL, "Screen size WxH; 0x0 = the display's native mode"},
    {"headless", T_BOOL, OFF(headless), "false", 0, 0, NULL,
     "Render into memory with the software renderer (no display)"},
    {"headless_pace_hz", T_INT, OFF(headless_pace_hz), "0", 0, 240, NULL,
     "Headless only: present frames on a grid of this rate, as vsync would (0: at once)"},
    {"fullscreen", T_BOOL, OFF(fullscreen), "true", 0, 0, NULL, "Full screen on a desktop"},
    {"rotation", T_INT, OFF(rotation), "0", 0, 270, NULL, "Screen rotation: 0, 90, 180 or 270"},
    {"vsync", T_BOOL, OFF(vsync), "true", 0, 0, NULL, "Pace presentation to the display refresh"},
    {"default_duration_s", T_INT, OFF(default_duration_s), "10", 1, 3600, NULL,
     "Seconds a post stays up when it sets no duration"},
    {"transition_ms", T_INT, OFF(transition_ms), "600", 0, 5000, NULL, "Length of a transition"},
    {"transition", T_ENUM, OFF(transition), "fade", 0, 0, "|fade|slide|none|",
     "fade, slide or none"},
    {"ticker_motion", T_ENUM, OFF(ticker_motion), "scroll", 0, 0, "|scroll|static|",
     "scroll: a ticker longer than the screen scrolls; static: it never moves (WCAG 2.2.2)"},
    {"clock_format", T_STRING, OFF(clock_format), "%H:%M", 0, 0, NULL, "strftime format of the clock"},
    {"date_format", T_STRING, OFF(date_format), "%A %-d %B %Y", 0, 0, NULL,
     "strftime format of the date"},
    {"locale", T_STRING, OFF(locale), "", 0, 0, NULL,
     "Locale for dates, e.g. fr_FR.UTF-8 (empty = environment)"},
    {"stale_after_s", T_INT, OFF(stale_after_s), "3600", 60, 30 * 86400, NULL,
     "After this long without a good fetch the screen says \"as of HH:MM\""},
    {"feed_ca_file", T_PATH, OFF(feed_ca_file), "", 0, 0, NULL,
     "CA bundle that verifies https feed servers (empty: the system's)"},
    {"feed_ca_path", T_PATH, OFF(feed_ca_path), "", 0, 0, NULL, "Hashed CA folder (empty: the system's)"},
    {"feed_connect_timeout_s", T_INT, OFF(feed_connect_timeout_s), "10", 1, 300, NULL, "Feed connect timeout"},
    {"feed_low_speed_time_s", T_INT, OFF(feed_low_speed_time_s), "20", 1, 600, NULL,
     "Abort a feed transfer slower than feed_low_speed_bytes per second for this long"},
    {"feed_low_speed_bytes", T_INT, OFF(feed_low_speed_bytes), "100", 1, 1000000, NULL,
     "See feed_low_speed_time_s"},
    {"feed_timeout_s", T_INT, OFF(feed_timeout_s), "60", 1, 3600, NULL, "Whole feed transfer timeout"},
    {"feed_max_redirects", T_INT, OFF(feed_max_redirects), "5", 0, 20, NULL, "Redirects followed"},
    {"feed_image_max_bytes", T_INT, OFF(feed_image_max_bytes), "3145728", 1024, 64 * 1024 * 1024, NULL,
     "Largest image downloaded for a feed item"},
    {"feed_backoff_min_s", T_INT, OFF(feed_backoff_min_s), "15", 1, 86400, NULL,
     "First retry after a failed fetch"},
    {"feed_backoff_max_s", T_INT, OFF(feed_backoff_max_s), "1800", 1, 86400, NULL,
     "Longest wait between retries"},
    {"display_power", T_ENUM, OFF(display_power), "auto", 0, 0, "|auto|cec|null|",
     "How the screen is switched on and off: cec, null (never), auto (cec if the device opens)"},
    {"display_schedule", T_STRING, OFF(display_schedule), "always", 0, 0, NULL,
     "When the screen is on, e.g. \"mon-fri 07:00-22:00; sat,sun 09:00-18:30\"; an alert always wakes it"},
    {"cec_device", T_PATH, OFF(cec_device), "/dev/cec0", 0, 0, NULL, "HDMI-CEC device"},
    {"alert_keys_dir", T_PATH, OFF(alert_keys_dir), "/etc/crier/keys", 0, 0, NULL,
     "Folder of trusted public keys (*.pub), one per issuer"},
    {"alert_show_tests", T_BOOL, OFF(alert_show_tests), "true", 0, 0, NULL,
     "Show Test and Exercise alerts with a TEST/EXERCISE band (false: ignore them)"},
    {"alert_max_future_s", T_INT, OFF(alert_max_future_s), "300", 0, 86400, NULL,
     "Refuse alerts sent more than this far ahead of the kiosk's clock"},
    {"alert_default_ttl_s", T_INT, OFF(alert_default_ttl_s), "86400", 0, 30 * 86400, NULL,
     "Lifetime of an alert block without expiry (0: until cancelled)"},
    {"require_signed_posts", T_ENUM, OFF(require_signed_posts), "auto", 0, 0, "|auto|true|false|",
     "Staff posts must be signed: auto = as soon as alert_keys_dir holds a trusted key"},
    {"alert_language_s", T_INT, OFF(alert_language_s), "8", 2, 120, NULL,
     "Seconds each language of a multilingual alert stays on screen"},
    {"alert_tone", T_BOOL, OFF(alert_tone), "false", 0, 0, NULL,
     "Play an attention tone (three 853+960 Hz beeps) when a new alert arrives"},
    {"alert_speech", T_BOOL, OFF(alert_speech), "false", 0, 0, NULL,
     "Speak a new alert's headline and instruction in each of its languages (espeak-ng)"},
    {"alert_volume", T_INT, OFF(alert_volume), "80", 0, 100, NULL,
     "Loudness of the alert tone and speech, percent of full scale"},
    {"audio_device", T_STRING, OFF(audio_device), "", 0, 0, NULL,
     "SDL audio output device for alert sound (empty: the default device)"},
};
#undef OFF

#define SOFF(field) offsetof(crier_source_config, field)
static const key_def source_keys[] = {
    {"type", T_ENUM, SOFF(type), "file", 0, 0, "|file|rss|atom|jsonfeed|mastodon|ical|",
     "file, rss, atom, jsonfeed, mastodon or ical"},
    {"path", T_PATH, SOFF(path), NULL, 0, 0, NULL, "Local file (type = file)"},
    {"url", T_STRING, SOFF(url), NULL, 0, 0, NULL, "http(s) URL of the feed"},
    {"refresh_s", T_INT, SOFF(refresh_s), "300", 10, 86400, NULL, "Seconds between fetches"},
    {"priority", T_INT, SOFF(priority), "0", -100, 100, NULL, "Higher shows first"},
    {"weight", T_INT, SOFF(weight), "1", 1, 100, NULL, "Relative share of the rotation"},
    {"hours", T_STRING, SOFF(hours), NULL, 0, 0, NULL, "Show only in these local hours, e.g. 07-19 or 7-9,17-20"},
    {"days", T_STRING, SOFF(days), NULL, 0, 0, NULL, "Show only on these days, e.g. mon-fri"},
    {"max_bytes", T_INT, SOFF(max_bytes), "5242880", 1024, 64L * 1024 * 1024, NULL,
     "Largest accepted response body"},
    {"boosts", T_BOOL, SOFF(boosts), "false", 0, 0, NULL, "Mastodon: include boosts"},
    {"replies", T_BOOL, SOFF(replies), "false", 0, 0, NULL, "Mastodon: include replies"},
    {"validity_s", T_INT, SOFF(validity_s), "0", 0, 365 * 86400, NULL,
     "Lifetime of posts that carry none, from publication (0: no expiry)"},
    {"window_days", T_INT, SOFF(window_days), "14", 1, 366, NULL, "iCalendar: days ahead shown"},
    {"max_items", T_INT, SOFF(max_items), "200", 1, 2000, NULL, "Most items taken from this source"},
    {"link_urls", T_BOOL, SOFF(link_urls), "false", 0, 0, NULL, "Append link addresses to the text"},
};
#undef SOFF

#define N_KEYS (sizeof keys / sizeof keys[0])
#define N_SOURCE_KEYS (sizeof source_keys / sizeof source_keys[0])
#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_MAX_LINE 4096

static void set_err(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
    if (!err || !err_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

static char *join_path(const char *base, const char *path)
{
    if (!path[0] || path[0] == '/' || !base || !base[0])
        return crier_strdup(path);
    size_t n = strlen(base) + strlen(path) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%s", base, path);
    return out;
}

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

/* Apply one value according to its row; `base` is the struct the offset is into. */
static crier_err apply(const key_def *k, void *base, crier_config *cfg, const char *value,
                       const char *base_dir, char *why, size_t why_len)
{
    char *field = (char *)base + k->offset;
    if (!crier_utf8_is_valid(value, strlen(value))) {
        set_err(why, why_len, "value is not valid UTF-8");
        return CRIER_ERR_INVAL;
    }
    for (const unsigned char *c = (const unsigned char *)value; *c; c++)
        if (*c < 0x20 || *c == 0x7f) {
            set_err(why, why_len, "value contains a control character");
            return CRIER_ERR_INVAL;
        }
    switch (k->type) {
    case T_STRING:
    case T_PATH: {
        char *copy = k->type == T_PATH ? join_path(base_dir, value) : crier_strdup(value);
        if (!copy)
            return CRIER_ERR_NOMEM;
        free(*(char **)field);
        *(char **)field = copy;
        return CRIER_OK;
    }
    case T_ENUM: {
        char probe[64];
        if (strlen(value) > 60 || strchr(value, '|')) {
            set_err(why, why_len, "expected one of %s", k->choices);
            return CRIER_ERR_INVAL;
        }
        snprintf(probe, sizeof probe, "|%s|", value);
        if (!strstr(k->choices, probe)) {
            set_err(why, why_len, "'%s' is not one of %s", value, k->choices);
            return CRIER_ERR_INVAL;
        }
        if (base != (void *)cfg) { /* source type: fixed char array */
            snprintf(field, sizeof((crier_source_config *)0)->type, "%s", value);
            return CRIER_OK;
        }
        char *copy = crier_strdup(value);
        if (!copy)
            return CRIER_ERR_NOMEM;
        free(*(char **)field);
        *(char **)field = copy;
        return CRIER_OK;
    }
    case T_INT: {
        long v;
        if (parse_long(value, &v) || v < k->min || v > k->max) {
            set_err(why, why_len, "'%s' is not a whole number from %ld to %ld", value, k->min, k->max);
            return CRIER_ERR_INVAL;
        }
        *(int *)field = (int)v;
        return CRIER_OK;
    }
    case T_BOOL: {
        int b;
        if (parse_bool(value, &b)) {
            set_err(why, why_len, "'%s' is not true or false", value);
            return CRIER_ERR_INVAL;
        }
        *(int *)field = b;
        return CRIER_OK;
    }
    case T_SIZE: {
        unsigned w, h;
        char tail;
        if (sscanf(value, "%ux%u%c", &w, &h, &tail) != 2 || w > 16384 || h > 16384 ||
            ((w == 0) != (h == 0)) || (w && (w < 64 || h < 64))) {
            set_err(why, why_len, "'%s' is not WIDTHxHEIGHT (64..16384 each, or 0x0)", value);
            return CRIER_ERR_INVAL;
        }
        cfg->width = (int)w;
        cfg->height = (int)h;
        return CRIER_OK;
    }
    }
    return CRIER_ERR_INVAL;
}

static int valid_name(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n >= max)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return 0;
    return 1;
}

static crier_source_config *find_or_add_source(crier_config *cfg, const char *name, int line)
{
    for (int i = 0; i < cfg->n_sources; i++)
        if (strcmp(cfg->sources[i].name, name) == 0)
            return &cfg->sources[i];
    if (cfg->n_sources >= CRIER_MAX_SOURCES)
        return NULL;
    crier_source_config *src = &cfg->sources[cfg->n_sources++];
    memset(src, 0, sizeof *src);
    snprintf(src->name, sizeof src->name, "%s", name);
    src->line = line;
    for (size_t i = 0; i < N_SOURCE_KEYS; i++)
        if (source_keys[i].def)
            apply(&source_keys[i], src, cfg, source_keys[i].def, NULL, NULL, 0);
    return src;
}

crier_err crier_config_set(crier_config *cfg, const char *key, const char *value, const char *origin,
                           int line, const char *base_dir, char *err, size_t err_len)
{
    char why[256] = "";
    char where[300];
    if (line > 0)
        snprintf(where, sizeof where, "%s:%d", origin ? origin : "config", line);
    else
        snprintf(where, sizeof where, "%s", origin ? origin : "config");

    if (strncmp(key, "source.", 7) == 0) {
        const char *name = key + 7, *dot = strrchr(name, '.');
        char sname[48];
        if (!dot || dot == name || (size_t)(dot - name) >= sizeof sname) {
            set_err(err, err_len, "%s: key '%s': expected source.NAME.FIELD", where, key);
            return CRIER_ERR_INVAL;
        }
        memcpy(sname, name, (size_t)(dot - name));
        sname[dot - name] = '\0';
        if (!valid_name(sname, sizeof sname)) {
            set_err(err, err_len, "%s: key '%s': source name must be letters, digits, '-' or '_'",
                    where, key);
            return CRIER_ERR_INVAL;
        }
        const key_def *k = NULL;
        for (size_t i = 0; i < N_SOURCE_KEYS; i++)
            if (strcmp(source_keys[i].name, dot + 1) == 0)
                k = &source_keys[i];
        if (!k) {
            set_err(err, err_len, "%s: unknown key '%s'", where, key);
            return CRIER_ERR_NOTFOUND;
        }
        crier_source_config *src = find_or_add_source(cfg, sname, line);
        if (!src) {
            set_err(err, err_len, "%s: key '%s': more than %d sources", where, key, CRIER_MAX_SOURCES);
            return CRIER_ERR_LIMIT;
        }
        crier_err rc = apply(k, src, cfg, value, base_dir, why, sizeof why);
        if (rc != CRIER_OK)
            set_err(err, err_len, "%s: key '%s': %s", where, key, why[0] ? why : crier_strerror(rc));
        return rc;
    }

    for (size_t i = 0; i < N_KEYS; i++) {
        if (strcmp(keys[i].name, key) != 0)
            continue;
        /* Key-specific checks run before apply() so a rejected value never
         * replaces the previous good one. */
        crier_err rc = CRIER_OK;
        long rot;
        if ((strcmp(key, "kiosk_id") == 0 || strcmp(key, "site") == 0) && !valid_name(value, 64)) {
            snprintf(why, sizeof why, "'%s' must be 1-63 letters, digits, '-' or '_'", value);
            rc = CRIER_ERR_INVAL;
        }
        if (strcmp(key, "rotation") == 0 && parse_long(value, &rot) == 0 && rot % 90 != 0) {
            snprintf(why, sizeof why, "'%s' is not 0, 90, 180 or 270", value);
            rc = CRIER_ERR_INVAL;
        }
        if (rc == CRIER_OK)
            rc = apply(&keys[i], cfg, cfg, value, base_dir, why, sizeof why);
        if (rc != CRIER_OK)
            set_err(err, err_len, "%s: key '%s': %s", where, key, why[0] ? why : crier_strerror(rc));
        return rc;
    }
    set_err(err, err_len, "%s: unknown key '%s'", where, key);
    return CRIER_ERR_NOTFOUND;
}

crier_err crier_config_init(crier_config *cfg, const char *default_assets_dir)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < N_KEYS; i++) {
        const char *def = keys[i].def;
        if (keys[i].offset == offsetof(crier_config, assets_dir) && keys[i].type == T_PATH)
            def = default_assets_dir ? default_assets_dir : "/usr/share/crier";
        if (!def)
            continue;
        if (apply(&keys[i], cfg, cfg, def, NULL, NULL, 0) != CRIER_OK)
            return CRIER_ERR_NOMEM;
    }
    return CRIER_OK;
}

void crier_config_free(crier_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < N_KEYS; i++)
        if (keys[i].type == T_STRING || keys[i].type == T_PATH || keys[i].type == T_ENUM)
            free(*(char **)((char *)cfg + keys[i].offset));
    for (int s = 0; s < cfg->n_sources; s++)
        for (size_t i = 0; i < N_SOURCE_KEYS; i++)
            if (source_keys[i].type == T_STRING || source_keys[i].type == T_PATH)
                free(*(char **)((char *)&cfg->sources[s] + source_keys[i].offset));
    free(cfg->config_path);
    free(cfg->config_dir);
    memset(cfg, 0, sizeof *cfg);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

crier_err crier_config_parse(crier_config *cfg, const char *text, size_t len, const char *origin,
                             const char *base_dir, char *err, size_t err_len)
{
    if (len > CONFIG_MAX_BYTES) {
        set_err(err, err_len, "%s: file is larger than %d bytes", origin, CONFIG_MAX_BYTES);
        return CRIER_ERR_LIMIT;
    }
    /* Keys seen in this text, to refuse duplicates (a likely copy-paste mistake). */
    char seen[256][96];
    int n_seen = 0;
    size_t pos = 0;
    int line_no = 0;
    char line[CONFIG_MAX_LINE + 1];
    while (pos < len) {
        line_no++;
        size_t start = pos;
        while (pos < len && text[pos] != '\n')
            pos++;
        size_t n = pos - start;
        if (pos < len)
            pos++; /* skip newline */
        if (n > CONFIG_MAX_LINE) {
            set_err(err, err_len, "%s:%d: line longer than %d bytes", origin, line_no, CONFIG_MAX_LINE);
            return CRIER_ERR_LIMIT;
        }
        if (memchr(text + start, '\0', n)) {
            set_err(err, err_len, "%s:%d: NUL byte in line", origin, line_no);
            return CRIER_ERR_PARSE;
        }
        memcpy(line, text + start, n);
        line[n] = '\0';
        if (n && line[n - 1] == '\r')
            line[n - 1] = '\0';
        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            set_err(err, err_len, "%s:%d: expected 'key = value', got '%.60s'", origin, line_no, s);
            return CRIER_ERR_PARSE;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (*key == '\0') {
            set_err(err, err_len, "%s:%d: missing key before '='", origin, line_no);
            return CRIER_ERR_PARSE;
        }
        size_t vlen = strlen(value);
        if (value[0] == '"') {
            /* The value ends at the last quote; only a " # comment" may follow it. */
            char *close = vlen >= 2 ? strrchr(value + 1, '"') : NULL;
            char *rest = close ? close + 1 : NULL;
            while (rest && isspace((unsigned char)*rest))
                rest++;
            if (!close || (*rest && (*rest != '#' || !isspace((unsigned char)rest[-1])))) {
                set_err(err, err_len, "%s:%d: key '%s': unterminated quoted value", origin, line_no, key);
                return CRIER_ERR_PARSE;
            }
            *close = '\0';
            value++;
        } else {
            /* An unquoted value ends at " #" (a trailing comment). */
            char *hash = strstr(value, " #");
            if (hash) {
                *hash = '\0';
                value = trim(value);
            }
        }
        for (int i = 0; i < n_seen; i++) {
            if (strcmp(seen[i], key) == 0) {
                set_err(err, err_len, "%s:%d: key '%s' is set twice", origin, line_no, key);
                return CRIER_ERR_INVAL;
            }
        }
        if (n_seen < 256 && strlen(key) < sizeof seen[0])
            snprintf(seen[n_seen++], sizeof seen[0], "%s", key);
        crier_err rc = crier_config_set(cfg, key, value, origin, line_no, base_dir, err, err_len);
        if (rc != CRIER_OK)
            return rc;
    }
    return CRIER_OK;
}

crier_err crier_config_load_file(crier_config *cfg, const char *path, char *err, size_t err_len)
{
    crier_err rc = CRIER_OK;
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, err_len, "%s: cannot open config file: %s", path, strerror(errno));
        return CRIER_ERR_IO;
    }
    buf = malloc(CONFIG_MAX_BYTES + 1);
    if (!buf) {
        rc = CRIER_ERR_NOMEM;
        goto cleanup;
    }
    size_t n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
    if (ferror(f)) {
        set_err(err, err_len, "%s: read error", path);
        rc = CRIER_ERR_IO;
        goto cleanup;
    }
    char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : crier_strdup(".");
    free(cfg->config_dir);
    cfg->config_dir = dir;
    free(cfg->config_path);
    cfg->config_path = crier_strdup(path);
    rc = crier_config_parse(cfg, buf, n, path, dir, err, err_len);
cleanup:
    free(buf);
    fclose(f);
    return rc;
}

static int readable_file(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

crier_err crier_config_check(const crier_config *cfg, char *err, size_t err_len)
{
    struct stat st;
    if (!cfg->assets_dir || stat(cfg->assets_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        set_err(err, err_len, "key 'assets_dir': folder '%s' does not exist", cfg->assets_dir ? cfg->assets_dir : "");
        return CRIER_ERR_NOTFOUND;
    }
    if (cfg->layout && !readable_file(cfg->layout)) {
        set_err(err, err_len, "key 'layout': cannot read '%s'", cfg->layout);
        return CRIER_ERR_NOTFOUND;
    }
    crier_power_schedule power;
    if (crier_power_schedule_parse(cfg->display_schedule, strlen(cfg->display_schedule), &power) != CRIER_OK) {
        set_err(err, err_len, "key 'display_schedule': '%s' is not a schedule like \"mon-fri 07:00-22:00; "
                "sat,sun 09:00-18:30\" or \"always\"", cfg->display_schedule);
        return CRIER_ERR_INVAL;
    }
    for (int i = 0; i < cfg->n_sources; i++) {
        const crier_source_config *s = &cfg->sources[i];
        uint32_t hours;
        uint8_t days;
        if (s->hours && crier_schedule_parse_hours(s->hours, &hours) != CRIER_OK) {
            set_err(err, err_len, "key 'source.%s.hours': '%s' is not a list of hour ranges like 07-19 or 7-9,17-20",
                    s->name, s->hours);
            return CRIER_ERR_INVAL;
        }
        if (s->days && crier_schedule_parse_days(s->days, &days) != CRIER_OK) {
            set_err(err, err_len, "key 'source.%s.days': '%s' is not a list of days like mon-fri or sat,sun",
                    s->name, s->days);
            return CRIER_ERR_INVAL;
        }
        if (strcmp(s->type, "file") == 0) {
            if (!s->path) {
                set_err(err, err_len, "line %d: source '%s' of type file needs source.%s.path", s->line,
                        s->name, s->name);
                return CRIER_ERR_INVAL;
            }
            if (!readable_file(s->path)) {
                set_err(err, err_len, "key 'source.%s.path': cannot read '%s'", s->name, s->path);
                return CRIER_ERR_NOTFOUND;
            }
        } else {
            if (!s->url || (strncmp(s->url, "http://", 7) != 0 && strncmp(s->url, "https://", 8) != 0)) {
                set_err(err, err_len, "key 'source.%s.url': a %s source needs an http:// or https:// URL",
                        s->name, s->type);
                return CRIER_ERR_INVAL;
            }
        }
    }
    if (cfg->broker_url[0] && strncmp(cfg->broker_url, "mqtt://", 7) != 0 &&
        strncmp(cfg->broker_url, "mqtts://", 8) != 0) {
        set_err(err, err_len, "key 'broker_url': '%s' must start with mqtt:// or mqtts://", cfg->broker_url);
        return CRIER_ERR_INVAL;
    }
    const char *files[][2] = {{"broker_password_file", cfg->broker_password_file},
                              {"broker_cafile", cfg->broker_cafile},
                              {"broker_certfile", cfg->broker_certfile},
                              {"broker_keyfile", cfg->broker_keyfile},
                              {"feed_ca_file", cfg->feed_ca_file}};
    if (cfg->feed_ca_path[0] && (stat(cfg->feed_ca_path, &st) != 0 || !S_ISDIR(st.st_mode))) {
        set_err(err, err_len, "key 'feed_ca_path': folder '%s' does not exist", cfg->feed_ca_path);
        return CRIER_ERR_NOTFOUND;
    }
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (files[i][1] && files[i][1][0] && !readable_file(files[i][1])) {
            set_err(err, err_len, "key '%s': cannot read '%s'", files[i][0], files[i][1]);
            return CRIER_ERR_NOTFOUND;
        }
    }
    if (cfg->broker_reconnect_min_ms > cfg->broker_reconnect_max_ms) {
        set_err(err, err_len, "key 'broker_reconnect_min_ms' is larger than 'broker_reconnect_max_ms'");
        return CRIER_ERR_INVAL;
    }
    if ((cfg->broker_certfile[0] != 0) != (cfg->broker_keyfile[0] != 0)) {
        set_err(err, err_len, "keys 'broker_certfile' and 'broker_keyfile' must be set together");
        return CRIER_ERR_INVAL;
    }
    if (strncmp(cfg->broker_url, "mqtts://", 8) == 0 && !cfg->broker_cafile[0]) {
        /* System CAs are used; that is fine, but say so in docs. */
    }
    return CRIER_OK;
}

void crier_config_each(const crier_config *cfg, crier_config_emit_fn fn, void *ud)
{
    char buf[64];
    for (size_t i = 0; i < N_KEYS; i++) {
        const key_def *k = &keys[i];
        const char *v = "";
        const char *field = (const char *)cfg + k->offset;
        switch (k->type) {
        case T_STRING:
        case T_PATH:
        case T_ENUM:
            v = *(char *const *)field ? *(char *const *)field : "";
            break;
        case T_INT:
            snprintf(buf, sizeof buf, "%d", *(const int *)field);
            v = buf;
            break;
        case T_BOOL:
            v = *(const int *)field ? "true" : "false";
            break;
        case T_SIZE:
            snprintf(buf, sizeof buf, "%dx%d", cfg->width, cfg->height);
            v = buf;
            break;
        }
        fn(k->name, v, k->help, ud);
    }
}

crier_err crier_config_source_schedule(const crier_source_config *src, crier_schedule *out)
{
    crier_schedule_init(out);
    out->priority = src->priority;
    out->weight = src->weight;
    out->default_validity_ms = (int64_t)src->validity_s * 1000;
    if (src->hours && crier_schedule_parse_hours(src->hours, &out->hours_mask) != CRIER_OK)
        return CRIER_ERR_INVAL;
    if (src->days && crier_schedule_parse_days(src->days, &out->days_mask) != CRIER_OK)
        return CRIER_ERR_INVAL;
    return CRIER_OK;
}
