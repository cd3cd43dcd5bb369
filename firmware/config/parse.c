/* parse.c - the config file syntax: `key = value` lines.
 *
 * `#` or `;` starts a comment line, blank lines are ignored, a value may be
 * "double quoted" (to keep spaces or '#'), an unquoted value ends at " #".
 * Each line goes to crier_config_set(); a key set twice in one file is an
 * error (a likely copy-paste mistake).  Limits: CONFIG_MAX_BYTES per file,
 * CONFIG_MAX_LINE per line, no NUL bytes. */
#include "config/config.h"
#include "base/atomicfile.h"
#include "content/content.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_MAX_LINE 4096

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
        crier_errf(err, err_len, "%s: file is larger than %d bytes", origin, CONFIG_MAX_BYTES);
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
            crier_errf(err, err_len, "%s:%d: line longer than %d bytes", origin, line_no, CONFIG_MAX_LINE);
            return CRIER_ERR_LIMIT;
        }
        if (memchr(text + start, '\0', n)) {
            crier_errf(err, err_len, "%s:%d: NUL byte in line", origin, line_no);
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
            crier_errf(err, err_len, "%s:%d: expected 'key = value', got '%.60s'", origin, line_no, s);
            return CRIER_ERR_PARSE;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (*key == '\0') {
            crier_errf(err, err_len, "%s:%d: missing key before '='", origin, line_no);
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
                crier_errf(err, err_len, "%s:%d: key '%s': unterminated quoted value", origin, line_no, key);
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
                crier_errf(err, err_len, "%s:%d: key '%s' is set twice", origin, line_no, key);
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
    char *buf = NULL;
    size_t n = 0;
    errno = 0;
    crier_err rc = crier_atomicfile_read(path, CONFIG_MAX_BYTES, &buf, &n);
    if (rc == CRIER_ERR_LIMIT) {
        crier_errf(err, err_len, "%s: file is larger than %d bytes", path, CONFIG_MAX_BYTES);
        return rc;
    }
    if (rc != CRIER_OK) {
        crier_errf(err, err_len, "%s: cannot open config file: %s", path,
                   rc == CRIER_ERR_NOMEM ? "out of memory" : errno ? strerror(errno) : "not a regular file");
        return rc == CRIER_ERR_NOMEM ? rc : CRIER_ERR_IO;
    }
    char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : crier_strdup(".");
    free(cfg->config_dir);
    cfg->config_dir = dir;
    free(cfg->config_path);
    cfg->config_path = crier_strdup(path);
    rc = crier_config_parse(cfg, buf, n, path, dir, err, err_len);
    free(buf);
    return rc;
}
