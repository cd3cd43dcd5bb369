/* check.c - cross-checks once every source of settings is in: files and
 * folders exist, schedules parse, sources have what their type needs, keys
 * that go together agree.  Messages name the key (and the source's line). */
#include "config/config.h"
#include "feeds/feed_schedule.h"
#include "device/power_schedule.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int readable_file(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

crier_err crier_config_check(const crier_config *cfg, char *err, size_t err_len)
{
    struct stat st;
    if (!cfg->assets_dir || stat(cfg->assets_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        crier_errf(err, err_len, "key 'assets_dir': folder '%s' does not exist",
                   cfg->assets_dir ? cfg->assets_dir : "");
        return CRIER_ERR_NOTFOUND;
    }
    if (cfg->layout && !readable_file(cfg->layout)) {
        crier_errf(err, err_len, "key 'layout': cannot read '%s'", cfg->layout);
        return CRIER_ERR_NOTFOUND;
    }
    crier_power_schedule power;
    if (crier_power_schedule_parse(cfg->display_schedule, strlen(cfg->display_schedule), &power) != CRIER_OK) {
        crier_errf(err, err_len, "key 'display_schedule': '%s' is not a schedule like \"mon-fri 07:00-22:00; "
                "sat,sun 09:00-18:30\" or \"always\"", cfg->display_schedule);
        return CRIER_ERR_INVAL;
    }
    for (int i = 0; i < cfg->n_sources; i++) {
        const crier_source_config *s = &cfg->sources[i];
        uint32_t hours;
        uint8_t days;
        if (s->hours && crier_schedule_parse_hours(s->hours, &hours) != CRIER_OK) {
            crier_errf(err, err_len, "key 'source.%s.hours': '%s' is not a list of hour ranges like 07-19 or 7-9,17-20",
                    s->name, s->hours);
            return CRIER_ERR_INVAL;
        }
        if (s->days && crier_schedule_parse_days(s->days, &days) != CRIER_OK) {
            crier_errf(err, err_len, "key 'source.%s.days': '%s' is not a list of days like mon-fri or sat,sun",
                    s->name, s->days);
            return CRIER_ERR_INVAL;
        }
        if (s->type == CRIER_FEED_FILE) {
            if (!s->path) {
                crier_errf(err, err_len, "line %d: source '%s' of type file needs source.%s.path", s->line,
                        s->name, s->name);
                return CRIER_ERR_INVAL;
            }
            if (!readable_file(s->path)) {
                crier_errf(err, err_len, "key 'source.%s.path': cannot read '%s'", s->name, s->path);
                return CRIER_ERR_NOTFOUND;
            }
        } else {
            if (!s->url || (strncmp(s->url, "http://", 7) != 0 && strncmp(s->url, "https://", 8) != 0)) {
                crier_errf(err, err_len, "key 'source.%s.url': a %s source needs an http:// or https:// URL",
                        s->name, crier_config_enum_name("source.type", (int)s->type));
                return CRIER_ERR_INVAL;
            }
        }
    }
    if (cfg->broker_url[0] && strncmp(cfg->broker_url, "mqtt://", 7) != 0 &&
        strncmp(cfg->broker_url, "mqtts://", 8) != 0) {
        crier_errf(err, err_len, "key 'broker_url': '%s' must start with mqtt:// or mqtts://", cfg->broker_url);
        return CRIER_ERR_INVAL;
    }
    const char *files[][2] = {{"broker_password_file", cfg->broker_password_file},
                              {"broker_cafile", cfg->broker_cafile},
                              {"broker_certfile", cfg->broker_certfile},
                              {"broker_keyfile", cfg->broker_keyfile},
                              {"feed_ca_file", cfg->feed_ca_file}};
    if (cfg->feed_ca_path[0] && (stat(cfg->feed_ca_path, &st) != 0 || !S_ISDIR(st.st_mode))) {
        crier_errf(err, err_len, "key 'feed_ca_path': folder '%s' does not exist", cfg->feed_ca_path);
        return CRIER_ERR_NOTFOUND;
    }
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (files[i][1] && files[i][1][0] && !readable_file(files[i][1])) {
            crier_errf(err, err_len, "key '%s': cannot read '%s'", files[i][0], files[i][1]);
            return CRIER_ERR_NOTFOUND;
        }
    }
    if (cfg->broker_reconnect_min_ms > cfg->broker_reconnect_max_ms) {
        crier_errf(err, err_len, "key 'broker_reconnect_min_ms' is larger than 'broker_reconnect_max_ms'");
        return CRIER_ERR_INVAL;
    }
    if ((cfg->broker_certfile[0] != 0) != (cfg->broker_keyfile[0] != 0)) {
        crier_errf(err, err_len, "keys 'broker_certfile' and 'broker_keyfile' must be set together");
        return CRIER_ERR_INVAL;
    }
    if (strncmp(cfg->broker_url, "mqtts://", 8) == 0 && !cfg->broker_cafile[0]) {
        /* System CAs are used; that is fine, but say so in docs. */
    }
    return CRIER_OK;
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
