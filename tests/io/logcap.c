/* logcap.c - see logcap.h. */
#include "logcap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[1 << 18];
static size_t log_len;

void log_sink(crier_log_level level, const char *component, const char *msg, void *ud)
{
    (void)ud;
    pthread_mutex_lock(&log_lock);
    int n = snprintf(log_buf + log_len, sizeof log_buf - log_len, "%s [%s] %s\n", crier_log_level_name(level),
                     component, msg);
    if (n > 0 && log_len + (size_t)n < sizeof log_buf)
        log_len += (size_t)n;
    else
        log_len = 0; /* wrap: tests only look for recent lines */
    pthread_mutex_unlock(&log_lock);
    if (getenv("TEST_VERBOSE"))
        fprintf(stderr, "  log %s [%s] %s\n", crier_log_level_name(level), component, msg);
}

void log_reset(void)
{
    pthread_mutex_lock(&log_lock);
    log_len = 0;
    log_buf[0] = '\0';
    pthread_mutex_unlock(&log_lock);
}

int log_has(const char *needle)
{
    pthread_mutex_lock(&log_lock);
    int r = strstr(log_buf, needle) != NULL;
    pthread_mutex_unlock(&log_lock);
    return r;
}

int log_has_line(const char *a, const char *b)
{
    pthread_mutex_lock(&log_lock);
    int found = 0;
    for (char *line = log_buf; *line && !found;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        char tmp[2048];
        snprintf(tmp, sizeof tmp, "%.*s", (int)n, line);
        found = strstr(tmp, a) && (!b || strstr(tmp, b));
        line += n + (nl ? 1 : 0);
    }
    pthread_mutex_unlock(&log_lock);
    return found;
}
