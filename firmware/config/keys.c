/* keys.c - the configuration table: every key of crier.conf, one row each.
 *
 * A row: name, type, field, default, bounds (T_INT) or allowed words (T_ENUM),
 * help (--help-config prints it).  An enum key's words are a crier_config_choice
 * list mapping each word to its C enum value: the setter stores the value, so
 * no consumer ever compares a setting string. */
#include "config/keys.h"

#include <string.h>

/* Every enum field is stored through an int. */
_Static_assert(sizeof(crier_log_level) == sizeof(int), "log_level");
_Static_assert(sizeof(crier_transition) == sizeof(int), "transition");
_Static_assert(sizeof(crier_ticker_motion) == sizeof(int), "ticker_motion");
_Static_assert(sizeof(crier_present) == sizeof(int), "present");
_Static_assert(sizeof(crier_power_backend) == sizeof(int), "display_power");
_Static_assert(sizeof(crier_broker_protocol) == sizeof(int), "broker_protocol");
_Static_assert(sizeof(crier_signed_posts) == sizeof(int), "require_signed_posts");
_Static_assert(sizeof(crier_feed_type) == sizeof(int), "source type");

static const crier_config_choice log_levels[] = {
    {"debug", CRIER_LOG_DEBUG}, {"info", CRIER_LOG_INFO}, {"warn", CRIER_LOG_WARN},
    {"error", CRIER_LOG_ERROR}, {"off", CRIER_LOG_OFF},   {NULL, 0}};
static const crier_config_choice broker_protocols[] = {
    {"auto", CRIER_BROKER_PROTOCOL_AUTO}, {"5", CRIER_BROKER_PROTOCOL_5}, {"311", CRIER_BROKER_PROTOCOL_311},
    {NULL, 0}};
static const crier_config_choice transitions[] = {
    {"fade", CRIER_TRANSITION_FADE}, {"slide", CRIER_TRANSITION_SLIDE}, {"none", CRIER_TRANSITION_NONE}, {NULL, 0}};
static const crier_config_choice ticker_motions[] = {
    {"scroll", CRIER_TICKER_SCROLL}, {"static", CRIER_TICKER_STATIC}, {NULL, 0}};
static const crier_config_choice presents[] = {
    {"auto", CRIER_PRESENT_AUTO}, {"gpu", CRIER_PRESENT_GPU}, {"software", CRIER_PRESENT_SOFTWARE}, {NULL, 0}};
static const crier_config_choice power_backends[] = {
    {"auto", CRIER_POWER_BACKEND_AUTO}, {"cec", CRIER_POWER_BACKEND_CEC}, {"null", CRIER_POWER_BACKEND_NULL},
    {NULL, 0}};
static const crier_config_choice signed_posts[] = {
    {"auto", CRIER_SIGNED_POSTS_AUTO}, {"true", CRIER_SIGNED_POSTS_YES}, {"false", CRIER_SIGNED_POSTS_NO},
    {NULL, 0}};
static const crier_config_choice feed_types[] = {
    {"file", CRIER_FEED_FILE},         {"rss", CRIER_FEED_RSS},       {"atom", CRIER_FEED_ATOM},
    {"jsonfeed", CRIER_FEED_JSONFEED}, {"mastodon", CRIER_FEED_MASTODON}, {"ical", CRIER_FEED_ICAL},
    {NULL, 0}};

#define OFF(field) offsetof(crier_config, field)
const crier_config_key crier_config__keys[] = {
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
    {"log_level", T_ENUM, OFF(log_level), "info", 0, 0, log_levels,
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
    {"broker_protocol", T_ENUM, OFF(broker_protocol), "auto", 0, 0, broker_protocols,
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
    {"present", T_ENUM, OFF(present), "auto", 0, 0, presents,
     "Window backend: gpu (accelerated renderer), software (CPU, damaged rectangles only, no GL loaded) "
     "or auto (software when the display has no accelerated GL)"},
    {"rotation", T_INT, OFF(rotation), "0", 0, 270, NULL, "Screen rotation: 0, 90, 180 or 270"},
    {"vsync", T_BOOL, OFF(vsync), "true", 0, 0, NULL, "Pace presentation to the display refresh"},
    {"display_open_timeout_s", T_INT, OFF(display_open_timeout_s), "10", 0, 300, NULL,
     "At start, keep trying to open the display this long (KMSDRM: the device may not be ready yet)"},
    {"default_duration_s", T_INT, OFF(default_duration_s), "10", 1, 3600, NULL,
     "Seconds a post stays up when it sets no duration"},
    {"transition_ms", T_INT, OFF(transition_ms), "600", 0, 5000, NULL, "Length of a transition"},
    {"transition", T_ENUM, OFF(transition), "fade", 0, 0, transitions,
     "fade, slide or none"},
    {"ticker_motion", T_ENUM, OFF(ticker_motion), "scroll", 0, 0, ticker_motions,
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
    {"feed_parse_timeout_ms", T_INT, OFF(feed_parse_timeout_ms), "5000", 100, 120000, NULL,
     "A feed body is parsed in a child process, killed after this long (the source then fails)"},
    {"display_power", T_ENUM, OFF(display_power), "auto", 0, 0, power_backends,
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
    {"require_signed_posts", T_ENUM, OFF(require_signed_posts), "auto", 0, 0, signed_posts,
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
const size_t crier_config__n_keys = sizeof crier_config__keys / sizeof crier_config__keys[0];

#define SOFF(field) offsetof(crier_source_config, field)
const crier_config_key crier_config__source_keys[] = {
    {"type", T_ENUM, SOFF(type), "file", 0, 0, feed_types,
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
const size_t crier_config__n_source_keys = sizeof crier_config__source_keys / sizeof crier_config__source_keys[0];

const crier_config_key *crier_config__find(const crier_config_key *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}
