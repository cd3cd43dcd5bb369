/* test_config.c - the configuration table, file parser, setter and cross-checks
 * (config/config.c).
 *
 * Bad lines are table-driven: each case is a config text, the error code it must
 * produce and substrings the message must contain (the key, "FILE:LINE"). */
#include "config/config.h"
#include "check.h"
#include "testutil.h"

#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define ORIGIN "t.conf"

/* Parse text into a fresh config; returns the rc and leaves the message in err. */
static crier_err parse_text(crier_config *cfg, const char *text, size_t len, char *err, size_t err_len)
{
    crier_config_init(cfg, source_tree());
    err[0] = '\0';
    return crier_config_parse(cfg, text, len, ORIGIN, "/base", err, err_len);
}

static int contains(const char *hay, const char *needle)
{
    if (!needle || strstr(hay, needle))
        return 1;
    fprintf(stderr, "    message \"%s\" lacks \"%s\"\n", hay, needle);
    return 0;
}

typedef struct bad_case {
    const char *what;
    const char *text;
    crier_err rc;
    const char *must1, *must2; /* substrings the error text must have (NULL: none) */
} bad_case;

static const bad_case bad_cases[] = {
    {"unknown key", "site = x\nfrobnicate = 1\n", CRIER_ERR_NOTFOUND, "'frobnicate'", ORIGIN ":2"},
    {"bad int", "heartbeat_s = ten\n", CRIER_ERR_INVAL, "'heartbeat_s'", ORIGIN ":1"},
    {"int with trailing garbage", "heartbeat_s = 10s\n", CRIER_ERR_INVAL, "'heartbeat_s'", ORIGIN ":1"},
    {"empty int", "\n\nheartbeat_s =\n", CRIER_ERR_INVAL, "'heartbeat_s'", ORIGIN ":3"},
    {"int below range", "heartbeat_s = 4\n", CRIER_ERR_INVAL, "'heartbeat_s'", "5 to 3600"},
    {"int above range", "transition_ms = 5001\n", CRIER_ERR_INVAL, "'transition_ms'", ORIGIN ":1"},
    {"int overflow", "heartbeat_s = 99999999999999999999999\n", CRIER_ERR_INVAL, "'heartbeat_s'", ORIGIN ":1"},
    {"rotation not a right angle", "rotation = 45\n", CRIER_ERR_INVAL, "'rotation'", ORIGIN ":1"},
    {"bad bool", "# c\nheadless = maybe\n", CRIER_ERR_INVAL, "'headless'", ORIGIN ":2"},
    {"bad enum", "transition = wipe\n", CRIER_ERR_INVAL, "'transition'", "fade"},
    {"enum with separator", "transition = fade|slide\n", CRIER_ERR_INVAL, "'transition'", ORIGIN ":1"},
    {"empty enum", "log_level =\n", CRIER_ERR_INVAL, "'log_level'", ORIGIN ":1"},
    {"bad size word", "size = big\n", CRIER_ERR_INVAL, "'size'", ORIGIN ":1"},
    {"size trailing", "size = 1920x1080p\n", CRIER_ERR_INVAL, "'size'", ORIGIN ":1"},
    {"size half zero", "size = 0x1080\n", CRIER_ERR_INVAL, "'size'", ORIGIN ":1"},
    {"size too small", "size = 10x10\n", CRIER_ERR_INVAL, "'size'", ORIGIN ":1"},
    {"size too big", "size = 20000x1080\n", CRIER_ERR_INVAL, "'size'", ORIGIN ":1"},
    {"size negative", "size = -1920x1080\n", CRIER_ERR_INVAL, "'size'", ORIGIN ":1"},
    {"missing '='", "site = a\nheadless true\n", CRIER_ERR_PARSE, ORIGIN ":2", "key = value"},
    {"empty key", " = 5\n", CRIER_ERR_PARSE, ORIGIN ":1", "missing key"},
    {"unterminated quote", "city_name = \"Riverton\n", CRIER_ERR_PARSE, "'city_name'", ORIGIN ":1"},
    {"lone quote", "city_name = \"\n", CRIER_ERR_PARSE, "'city_name'", ORIGIN ":1"},
    {"text after closing quote", "city_name = \"River\" ton\n", CRIER_ERR_PARSE, "'city_name'", ORIGIN ":1"},
    {"comment glued to quote", "city_name = \"River\"# c\n", CRIER_ERR_PARSE, "'city_name'", ORIGIN ":1"},
    {"duplicate key", "site = a\ncity_name = b\nsite = c\n", CRIER_ERR_INVAL, "'site'", ORIGIN ":3"},
    {"duplicate source key", "source.a.url = http://x/\nsource.a.url = http://y/\n", CRIER_ERR_INVAL,
     "'source.a.url'", ORIGIN ":2"},
    {"bad source name", "source.a b.type = rss\n", CRIER_ERR_INVAL, "'source.a b.type'", ORIGIN ":1"},
    {"source name with slash", "source.a/b.type = rss\n", CRIER_ERR_INVAL, "'source.a/b.type'", ORIGIN ":1"},
    {"source without field", "source.demo = x\n", CRIER_ERR_INVAL, "'source.demo'", "source.NAME.FIELD"},
    {"source empty name", "source..type = rss\n", CRIER_ERR_INVAL, "'source..type'", ORIGIN ":1"},
    {"unknown source field", "source.demo.colour = red\n", CRIER_ERR_NOTFOUND, "'source.demo.colour'",
     ORIGIN ":1"},
    {"bad source type", "source.demo.type = gopher\n", CRIER_ERR_INVAL, "'source.demo.type'", ORIGIN ":1"},
    {"bad source int", "source.demo.refresh_s = 5\n", CRIER_ERR_INVAL, "'source.demo.refresh_s'", ORIGIN ":1"},
    {"bad source bool", "source.m.boosts = sometimes\n", CRIER_ERR_INVAL, "'source.m.boosts'", ORIGIN ":1"},
    {"invalid kiosk_id (space)", "kiosk_id = hall 1\n", CRIER_ERR_INVAL, "'kiosk_id'", ORIGIN ":1"},
    {"invalid kiosk_id (MQTT wildcard)", "kiosk_id = lobby+\n", CRIER_ERR_INVAL, "'kiosk_id'", ORIGIN ":1"},
    {"invalid kiosk_id (topic level)", "kiosk_id = a/b\n", CRIER_ERR_INVAL, "'kiosk_id'", ORIGIN ":1"},
    {"empty kiosk_id", "kiosk_id = \"\"\n", CRIER_ERR_INVAL, "'kiosk_id'", ORIGIN ":1"},
    {"invalid site", "site = town hall\n", CRIER_ERR_INVAL, "'site'", ORIGIN ":1"},
    {"bad log level", "log_level = loud\n", CRIER_ERR_INVAL, "'log_level'", ORIGIN ":1"},
};

TEST(bad_lines)
{
    char err[512];
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        crier_config cfg;
        crier_err rc = parse_text(&cfg, c->text, strlen(c->text), err, sizeof err);
        if (rc != c->rc || !contains(err, c->must1) || !contains(err, c->must2)) {
            fprintf(stderr, "    case '%s': rc=%d (want %d) err=\"%s\"\n", c->what, rc, c->rc, err);
            check_current_failed = 1;
        }
        crier_config_free(&cfg);
    }
}

TEST(kiosk_id_too_long)
{
    char text[200], err[512];
    memset(text, 0, sizeof text);
    strcpy(text, "kiosk_id = ");
    memset(text + strlen(text), 'k', 64); /* 64 > 63 allowed */
    crier_config cfg;
    CHECK_INT_EQ(parse_text(&cfg, text, strlen(text), err, sizeof err), CRIER_ERR_INVAL);
    CHECK(strstr(err, "'kiosk_id'") && strstr(err, ORIGIN ":1"));
    crier_config_free(&cfg);
    /* 63 is fine */
    text[strlen(text) - 1] = '\0';
    CHECK_INT_EQ(parse_text(&cfg, text, strlen(text), err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(strlen(cfg.kiosk_id), 63);
    crier_config_free(&cfg);
}

TEST(over_long_line)
{
    char err[512];
    size_t n = 5000;
    char *text = malloc(n + 32);
    strcpy(text, "site = a\ncity_name = ");
    size_t at = strlen(text);
    memset(text + at, 'x', n);
    strcpy(text + at + n, "\n");
    crier_config cfg;
    CHECK_INT_EQ(parse_text(&cfg, text, strlen(text), err, sizeof err), CRIER_ERR_LIMIT);
    CHECK(strstr(err, ORIGIN ":2") != NULL);
    CHECK(strstr(err, "longer") != NULL);
    crier_config_free(&cfg);
    free(text);
}

TEST(nul_byte)
{
    static const char text[] = "site = a\ncity_name = Rive\0rton\n";
    char err[512];
    crier_config cfg;
    CHECK_INT_EQ(parse_text(&cfg, text, sizeof text - 1, err, sizeof err), CRIER_ERR_PARSE);
    CHECK(strstr(err, ORIGIN ":2") != NULL);
    CHECK(strstr(err, "NUL") != NULL);
    crier_config_free(&cfg);
}

TEST(too_big_file)
{
    size_t n = 1024 * 1024 + 1;
    char *text = malloc(n);
    memset(text, '\n', n);
    char err[512];
    crier_config cfg;
    CHECK_INT_EQ(parse_text(&cfg, text, n, err, sizeof err), CRIER_ERR_LIMIT);
    CHECK(strstr(err, ORIGIN) != NULL);
    crier_config_free(&cfg);
    free(text);
}

TEST(too_many_sources)
{
    char text[64 * (CRIER_MAX_SOURCES + 2)], err[512];
    size_t at = 0;
    for (int i = 0; i <= CRIER_MAX_SOURCES; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "source.s%d.url = https://example.org/%d\n", i, i);
    crier_config cfg;
    CHECK_INT_EQ(parse_text(&cfg, text, at, err, sizeof err), CRIER_ERR_LIMIT);
    char where[64];
    snprintf(where, sizeof where, ORIGIN ":%d", CRIER_MAX_SOURCES + 1);
    CHECK(strstr(err, where) != NULL);
    CHECK(strstr(err, "source.s32.url") != NULL);
    CHECK_INT_EQ(cfg.n_sources, CRIER_MAX_SOURCES);
    crier_config_free(&cfg);
}

TEST(defaults)
{
    crier_config cfg;
    CHECK_INT_EQ(crier_config_init(&cfg, "/opt/assets"), CRIER_OK);
    CHECK_STR_EQ(cfg.kiosk_id, "kiosk-1");
    CHECK_STR_EQ(cfg.assets_dir, "/opt/assets");
    CHECK_INT_EQ(cfg.transition, CRIER_TRANSITION_FADE);
    CHECK_STR_EQ(cfg.broker_url, "");
    CHECK_INT_EQ(cfg.heartbeat_s, 60);
    CHECK_INT_EQ(cfg.fullscreen, 1);
    CHECK_INT_EQ(cfg.headless, 0);
    CHECK_INT_EQ(cfg.width, 0);
    CHECK_INT_EQ(cfg.height, 0);
    CHECK_INT_EQ(cfg.default_duration_s, 10);
    CHECK(cfg.layout == NULL);
    CHECK_INT_EQ(cfg.n_sources, 0);
    crier_config_free(&cfg);
    crier_config_free(&cfg); /* zeroed: a second free is harmless */
    crier_config_free(NULL);
    CHECK_INT_EQ(crier_config_init(&cfg, NULL), CRIER_OK);
    CHECK_STR_EQ(cfg.assets_dir, "/usr/share/crier");
    crier_config_free(&cfg);
}

TEST(good_file)
{
    static const char text[] =
        "# a comment\r\n"
        "; another comment\r\n"
        "\r\n"
        "   kiosk_id   =   lobby_2   \r\n"
        "site = town-hall # the main building\r\n"
        "city_name = \"Riverton # not a comment\"\r\n"
        "clock_format = \"  %H:%M  \"\r\n"
        "date_format = \"%d \"%B\"\"   # quoted, then a comment\r\n"
        "locale = \"\"\r\n"
        "headless = yes\r\n"
        "fullscreen = OFF\r\n"
        "size = 1920x1080\r\n"
        "rotation = 270\r\n"
        "transition = slide\r\n"
        "heartbeat_s = 5\r\n"
        "layout = layouts/portrait.json\r\n"
        "cache_dir = /abs/cache\r\n"
        "source.town.type = rss\r\n"
        "source.town.url = https://example.org/feed.xml\r\n"
        "source.town.priority = -3\r\n"
        "source.town.boosts = true\r\n"
        "source.local.path = content.json\r\n"
        "source.local.hours = 07:00-19:00";
    char err[512];
    crier_config cfg;
    CHECK_INT_EQ(parse_text(&cfg, text, sizeof text - 1, err, sizeof err), CRIER_OK);
    CHECK_STR_EQ(err, "");
    CHECK_STR_EQ(cfg.kiosk_id, "lobby_2");
    CHECK_STR_EQ(cfg.site, "town-hall");
    CHECK_STR_EQ(cfg.city_name, "Riverton # not a comment");
    CHECK_STR_EQ(cfg.clock_format, "  %H:%M  ");
    CHECK_STR_EQ(cfg.date_format, "%d \"%B\"");
    CHECK_STR_EQ(cfg.locale, "");
    CHECK_INT_EQ(cfg.headless, 1);
    CHECK_INT_EQ(cfg.fullscreen, 0);
    CHECK_INT_EQ(cfg.width, 1920);
    CHECK_INT_EQ(cfg.height, 1080);
    CHECK_INT_EQ(cfg.rotation, 270);
    CHECK_INT_EQ(cfg.transition, CRIER_TRANSITION_SLIDE);
    CHECK_INT_EQ(cfg.heartbeat_s, 5);
    CHECK_STR_EQ(cfg.layout, "/base/layouts/portrait.json"); /* relative: resolved */
    CHECK_STR_EQ(cfg.cache_dir, "/abs/cache");                /* absolute: kept */
    CHECK_INT_EQ(cfg.n_sources, 2);
    CHECK_STR_EQ(cfg.sources[0].name, "town");
    CHECK_INT_EQ(cfg.sources[0].type, CRIER_FEED_RSS);
    CHECK_STR_EQ(cfg.sources[0].url, "https://example.org/feed.xml");
    CHECK_INT_EQ(cfg.sources[0].priority, -3);
    CHECK_INT_EQ(cfg.sources[0].boosts, 1);
    CHECK_INT_EQ(cfg.sources[0].refresh_s, 300); /* default */
    CHECK_INT_EQ(cfg.sources[0].weight, 1);
    CHECK_INT_EQ(cfg.sources[0].line, 18);
    CHECK_STR_EQ(cfg.sources[1].name, "local");
    CHECK_INT_EQ(cfg.sources[1].type, CRIER_FEED_FILE); /* default type */
    CHECK_STR_EQ(cfg.sources[1].path, "/base/content.json");
    CHECK_STR_EQ(cfg.sources[1].hours, "07:00-19:00"); /* last line without newline */
    crier_config_free(&cfg);
}

/* The example from docs/configuration.md, verbatim. */
TEST(documented_example)
{
    static const char text[] =
        "# A comment line.  Blank lines are ignored.\n"
        "city_name = \"Riverton # North\"     # quotes keep spaces and '#'; ' #' starts a trailing comment\n"
        "source.news.type = rss             # per-source keys: source.NAME.FIELD\n";
    char err[256];
    crier_config cfg;
    CHECK_INT_EQ(parse_text(&cfg, text, sizeof text - 1, err, sizeof err), CRIER_OK);
    CHECK_STR_EQ(cfg.city_name, "Riverton # North");
    CHECK_INT_EQ(cfg.n_sources, 1);
    CHECK_INT_EQ(cfg.sources[0].type, CRIER_FEED_RSS);
    crier_config_free(&cfg);
}

TEST(size_zero_means_native)
{
    char err[256];
    crier_config cfg;
    CHECK_INT_EQ(parse_text(&cfg, "size = 0x0\n", 11, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(cfg.width, 0);
    CHECK_INT_EQ(cfg.height, 0);
    crier_config_free(&cfg);
}

/* A rejected value must not be half-applied: the earlier good value stays. */
TEST(rejected_value_leaves_old_value)
{
    char err[256];
    crier_config cfg;
    crier_config_init(&cfg, source_tree());
    CHECK_INT_EQ(crier_config_set(&cfg, "rotation", "90", "test", 0, NULL, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(crier_config_set(&cfg, "rotation", "45", "test", 0, NULL, err, sizeof err), CRIER_ERR_INVAL);
    CHECK_INT_EQ(cfg.rotation, 90);
    CHECK_INT_EQ(crier_config_set(&cfg, "kiosk_id", "a b", "test", 0, NULL, err, sizeof err), CRIER_ERR_INVAL);
    CHECK_STR_EQ(cfg.kiosk_id, "kiosk-1");
    CHECK_INT_EQ(crier_config_set(&cfg, "heartbeat_s", "1", "test", 0, NULL, err, sizeof err), CRIER_ERR_INVAL);
    CHECK_INT_EQ(cfg.heartbeat_s, 60);
    crier_config_free(&cfg);
}

TEST(load_demo_file)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/assets/demo/demo.conf", source_tree());
    crier_config cfg;
    crier_config_init(&cfg, source_tree());
    CHECK_INT_EQ(crier_config_load_file(&cfg, path, err, sizeof err), CRIER_OK);
    CHECK_STR_EQ(cfg.config_path, path);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/assets/demo", source_tree());
    CHECK_STR_EQ(cfg.config_dir, dir);
    CHECK_STR_EQ(cfg.kiosk_id, "demo-1");
    CHECK_INT_EQ(cfg.n_sources, 1);
    char content[1100];
    snprintf(content, sizeof content, "%s/content.json", dir);
    CHECK_STR_EQ(cfg.sources[0].path, content);
    CHECK_INT_EQ(cfg.width, 1280);
    CHECK_INT_EQ(cfg.height, 720);
    CHECK_INT_EQ(crier_config_check(&cfg, err, sizeof err), CRIER_OK);
    crier_config_free(&cfg);

    crier_config_init(&cfg, source_tree());
    CHECK_INT_EQ(crier_config_load_file(&cfg, "/nonexistent/crier.conf", err, sizeof err), CRIER_ERR_IO);
    CHECK(strstr(err, "/nonexistent/crier.conf") != NULL);
    crier_config_free(&cfg);
}

/* Precedence: defaults, then the file, then crier_config_set (the command line). */
TEST(precedence)
{
    char err[256];
    crier_config cfg;
    static const char text[] = "city_name = FromFile\nheartbeat_s = 30\n";
    CHECK_INT_EQ(parse_text(&cfg, text, sizeof text - 1, err, sizeof err), CRIER_OK);
    CHECK_STR_EQ(cfg.city_name, "FromFile");
    CHECK_STR_EQ(cfg.site, "main"); /* default survives */
    CHECK_INT_EQ(crier_config_set(&cfg, "city_name", "FromFlag", "command line", 0, NULL, err, sizeof err),
                 CRIER_OK);
    CHECK_INT_EQ(crier_config_set(&cfg, "size", "800x600", "command line", 0, NULL, err, sizeof err), CRIER_OK);
    CHECK_STR_EQ(cfg.city_name, "FromFlag");
    CHECK_INT_EQ(cfg.heartbeat_s, 30);
    CHECK_INT_EQ(cfg.width, 800);
    /* A flag error names the origin and the key. */
    CHECK_INT_EQ(crier_config_set(&cfg, "headless", "perhaps", "command line", 0, NULL, err, sizeof err),
                 CRIER_ERR_INVAL);
    CHECK(strstr(err, "command line") && strstr(err, "'headless'"));
    CHECK_INT_EQ(crier_config_set(&cfg, "nope", "1", "command line", 0, NULL, err, sizeof err),
                 CRIER_ERR_NOTFOUND);
    CHECK(strstr(err, "'nope'") != NULL);
    crier_config_free(&cfg);
}

/* --- cross-checks --------------------------------------------------------- */

static char tmpdir[256];

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Parse text with base_dir = tmpdir and run the cross-checks. */
static crier_err check_text(const char *text, char *err, size_t err_len)
{
    crier_config cfg;
    crier_config_init(&cfg, source_tree());
    crier_err rc = crier_config_parse(&cfg, text, strlen(text), ORIGIN, tmpdir, err, err_len);
    if (rc == CRIER_OK)
        rc = crier_config_check(&cfg, err, err_len);
    crier_config_free(&cfg);
    return rc;
}

TEST(cross_checks)
{
    char err[512];
    snprintf(tmpdir, sizeof tmpdir, "/tmp/crier-test-config-XXXXXX");
    CHECK(mkdtemp(tmpdir) != NULL);
    write_file("layout.json", "{}");
    write_file("content.json", "{}");
    write_file("cert.pem", "x");
    write_file("key.pem", "x");
    char sub[300];
    snprintf(sub, sizeof sub, "%s/adir", tmpdir);
    mkdir(sub, 0700);

    CHECK_INT_EQ(check_text("layout = layout.json\nsource.d.path = content.json\n", err, sizeof err), CRIER_OK);

    CHECK_INT_EQ(check_text("layout = missing.json\n", err, sizeof err), CRIER_ERR_NOTFOUND);
    CHECK(strstr(err, "'layout'") && strstr(err, "missing.json"));

    CHECK_INT_EQ(check_text("layout = adir\n", err, sizeof err), CRIER_ERR_NOTFOUND); /* a folder */
    CHECK(strstr(err, "'layout'") != NULL);

    CHECK_INT_EQ(check_text("\nsource.d.type = file\n", err, sizeof err), CRIER_ERR_INVAL);
    CHECK(strstr(err, "source.d.path") && strstr(err, "line 2"));

    CHECK_INT_EQ(check_text("source.d.path = nothere.json\n", err, sizeof err), CRIER_ERR_NOTFOUND);
    CHECK(strstr(err, "'source.d.path'") && strstr(err, "nothere.json"));

    CHECK_INT_EQ(check_text("source.d.path = adir\n", err, sizeof err), CRIER_ERR_NOTFOUND);
    CHECK(strstr(err, "'source.d.path'") != NULL);

    CHECK_INT_EQ(check_text("source.r.type = rss\nsource.r.url = ftp://example.org/f\n", err, sizeof err),
                 CRIER_ERR_INVAL);
    CHECK(strstr(err, "'source.r.url'") != NULL);
    CHECK_INT_EQ(check_text("source.r.type = ical\n", err, sizeof err), CRIER_ERR_INVAL); /* no url */
    CHECK(strstr(err, "'source.r.url'") != NULL);
    CHECK_INT_EQ(check_text("source.r.type = atom\nsource.r.url = https://example.org/a\n", err, sizeof err),
                 CRIER_OK);

    CHECK_INT_EQ(check_text("broker_url = http://broker:1883\n", err, sizeof err), CRIER_ERR_INVAL);
    CHECK(strstr(err, "'broker_url'") != NULL);
    CHECK_INT_EQ(check_text("broker_url = mqtts://broker:8883\n", err, sizeof err), CRIER_OK);

    CHECK_INT_EQ(check_text("broker_url = mqtts://b:8883\nbroker_certfile = cert.pem\n", err, sizeof err),
                 CRIER_ERR_INVAL);
    CHECK(strstr(err, "broker_certfile") && strstr(err, "broker_keyfile"));
    CHECK_INT_EQ(check_text("broker_url = mqtts://b:8883\nbroker_keyfile = key.pem\n", err, sizeof err),
                 CRIER_ERR_INVAL);
    CHECK_INT_EQ(check_text("broker_url = mqtts://b:8883\nbroker_certfile = cert.pem\nbroker_keyfile = key.pem\n",
                            err, sizeof err),
                 CRIER_OK);
    CHECK_INT_EQ(check_text("broker_cafile = ca-missing.pem\n", err, sizeof err), CRIER_ERR_NOTFOUND);
    CHECK(strstr(err, "'broker_cafile'") != NULL);
    CHECK_INT_EQ(check_text("broker_password_file = pw-missing\n", err, sizeof err), CRIER_ERR_NOTFOUND);
    CHECK(strstr(err, "'broker_password_file'") != NULL);

    CHECK_INT_EQ(check_text("assets_dir = /nonexistent/assets\n", err, sizeof err), CRIER_ERR_NOTFOUND);
    CHECK(strstr(err, "'assets_dir'") != NULL);

    CHECK_INT_EQ(remove_tree(tmpdir), 0);
}

static void count_key(const char *key, const char *value, const char *help, void *ud)
{
    int *n = ud;
    (*n)++;
    if (!key || !value || !help || !help[0])
        *n = -1000;
    if (strcmp(key, "size") == 0 && strcmp(value, "1920x1080") != 0)
        *n = -1000;
}

TEST(each_lists_every_key)
{
    crier_config cfg;
    char err[128];
    crier_config_init(&cfg, source_tree());
    CHECK_INT_EQ(crier_config_set(&cfg, "size", "1920x1080", "t", 0, NULL, err, sizeof err), CRIER_OK);
    int n = 0;
    crier_config_each(&cfg, count_key, &n);
    CHECK(n >= 28);
    crier_config_free(&cfg);
}

/* Enum keys are parsed once, by the table, into C enums. */
typedef struct enum_case {
    const char *key, *word;
    size_t offset; /* the int-sized enum field */
    int value;
} enum_case;

#define F(field) offsetof(crier_config, field)
static const enum_case enum_cases[] = {
    {"log_level", "debug", F(log_level), CRIER_LOG_DEBUG},
    {"log_level", "off", F(log_level), CRIER_LOG_OFF},
    {"transition", "slide", F(transition), CRIER_TRANSITION_SLIDE},
    {"transition", "none", F(transition), CRIER_TRANSITION_NONE},
    {"ticker_motion", "static", F(ticker_motion), CRIER_TICKER_STATIC},
    {"display_power", "null", F(display_power), CRIER_POWER_BACKEND_NULL},
    {"display_power", "cec", F(display_power), CRIER_POWER_BACKEND_CEC},
    {"broker_protocol", "311", F(broker_protocol), CRIER_BROKER_PROTOCOL_311},
    {"broker_protocol", "5", F(broker_protocol), CRIER_BROKER_PROTOCOL_5},
    {"require_signed_posts", "true", F(require_signed_posts), CRIER_SIGNED_POSTS_YES},
    {"require_signed_posts", "false", F(require_signed_posts), CRIER_SIGNED_POSTS_NO},
};
#undef F

static const char *listed_value;
static void find_value(const char *key, const char *value, const char *help, void *ud)
{
    (void)help;
    if (strcmp(key, ud) == 0)
        listed_value = value;
}

TEST(enum_keys)
{
    char err[256];
    crier_config cfg;
    crier_config_init(&cfg, source_tree());
    CHECK_INT_EQ(cfg.log_level, CRIER_LOG_INFO); /* defaults */
    CHECK_INT_EQ(cfg.transition, CRIER_TRANSITION_FADE);
    CHECK_INT_EQ(cfg.ticker_motion, CRIER_TICKER_SCROLL);
    CHECK_INT_EQ(cfg.display_power, CRIER_POWER_BACKEND_AUTO);
    CHECK_INT_EQ(cfg.broker_protocol, CRIER_BROKER_PROTOCOL_AUTO);
    CHECK_INT_EQ(cfg.require_signed_posts, CRIER_SIGNED_POSTS_AUTO);
    CHECK_INT_EQ(cfg.display_open_timeout_s, 10);
    for (size_t i = 0; i < sizeof enum_cases / sizeof enum_cases[0]; i++) {
        const enum_case *c = &enum_cases[i];
        CHECK_INT_EQ(crier_config_set(&cfg, c->key, c->word, "t", 0, NULL, err, sizeof err), CRIER_OK);
        CHECK_INT_EQ(*(const int *)((const char *)&cfg + c->offset), c->value);
        CHECK_STR_EQ(crier_config_enum_name(c->key, c->value), c->word);
        listed_value = NULL;
        crier_config_each(&cfg, find_value, (void *)c->key); /* --check-config shows the word */
        CHECK(listed_value && strcmp(listed_value, c->word) == 0);
        /* A word of another key, or another case, is refused and changes nothing. */
        CHECK_INT_EQ(crier_config_set(&cfg, c->key, "Auto", "t", 0, NULL, err, sizeof err), CRIER_ERR_INVAL);
        CHECK(strstr(err, "is not one of") != NULL);
        CHECK_INT_EQ(*(const int *)((const char *)&cfg + c->offset), c->value);
    }
    CHECK_INT_EQ(crier_config_set(&cfg, "transition", "wipe", "t", 0, NULL, err, sizeof err), CRIER_ERR_INVAL);
    CHECK(strstr(err, "'wipe' is not one of fade, slide or none") != NULL);
    CHECK_STR_EQ(crier_config_enum_name("source.type", CRIER_FEED_ICAL), "ical");
    CHECK_STR_EQ(crier_config_enum_name("source.type", CRIER_FEED_FILE), "file");
    CHECK_STR_EQ(crier_config_enum_name("transition", 99), "?");
    CHECK_STR_EQ(crier_config_enum_name("heartbeat_s", 0), "?"); /* not an enum key */
    CHECK_STR_EQ(crier_config_enum_name("nope", 0), "?");
    CHECK_INT_EQ(crier_config_set(&cfg, "source.m.type", "mastodon", "t", 0, NULL, err, sizeof err), CRIER_OK);
    CHECK_INT_EQ(cfg.sources[0].type, CRIER_FEED_MASTODON);
    CHECK_INT_EQ(crier_config_set(&cfg, "source.m.type", "RSS", "t", 0, NULL, err, sizeof err), CRIER_ERR_INVAL);
    CHECK(strstr(err, "file, rss, atom, jsonfeed, mastodon or ical") != NULL);
    crier_config_free(&cfg);
}

int main(void)
{
    RUN(bad_lines);
    RUN(kiosk_id_too_long);
    RUN(over_long_line);
    RUN(nul_byte);
    RUN(too_big_file);
    RUN(too_many_sources);
    RUN(defaults);
    RUN(good_file);
    RUN(documented_example);
    RUN(size_zero_means_native);
    RUN(rejected_value_leaves_old_value);
    RUN(load_demo_file);
    RUN(precedence);
    RUN(cross_checks);
    RUN(each_lists_every_key);
    RUN(enum_keys);
    return check_summary();
}
