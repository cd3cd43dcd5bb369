#include "base/log.h"
#include "base/timeutil.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static crier_log_level log_level = CRIER_LOG_INFO; /* guarded by log_lock */
static crier_log_sink log_sink;                   /* guarded by log_lock */
static void *log_ud;                              /* guarded by log_lock */

/* fork() copies only the calling thread: a lock another thread held at that
 * moment stays locked in the child for ever.  The feed parser forks
 * (feeds/parse_child.c) and its child logs, so the lock is taken around fork. */
static void log_fork_prepare(void)
{
    pthread_mutex_lock(&log_lock);
}

static void log_fork_done(void)
{
    pthread_mutex_unlock(&log_lock);
}

__attribute__((constructor)) static void log_fork_safe(void)
{
    pthread_atfork(log_fork_prepare, log_fork_done, log_fork_done);
}

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void crier_log_set_level(crier_log_level level)
{
    pthread_mutex_lock(&log_lock);
    log_level = level;
    pthread_mutex_unlock(&log_lock);
}

crier_log_level crier_log_get_level(void)
{
    pthread_mutex_lock(&log_lock);
    crier_log_level l = log_level;
    pthread_mutex_unlock(&log_lock);
    return l;
}

void crier_log_set_sink(crier_log_sink sink, void *ud)
{
    pthread_mutex_lock(&log_lock);
    log_sink = sink;
    log_ud = ud;
    pthread_mutex_unlock(&log_lock);
}

int crier_log_level_parse(const char *name)
{
    for (int i = 0; i <= CRIER_LOG_OFF; i++)
        if (name && strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

const char *crier_log_level_name(crier_log_level level)
{
    return (unsigned)level <= CRIER_LOG_OFF ? level_names[level] : "?";
}

void crier_logv(crier_log_level level, const char *component, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    /* Keep each record on one line whatever the message contains. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';

    pthread_mutex_lock(&log_lock);
    if (level < log_level) {
        pthread_mutex_unlock(&log_lock);
        return;
    }
    if (log_sink) {
        log_sink(level, component ? component : "-", msg, log_ud);
    } else {
        char stamp[32];
        crier_format_utc_ms(crier_wall_ms(), stamp, sizeof stamp);
        fprintf(stderr, "%s %-5s [%s] %s\n", stamp, crier_log_level_name(level),
                component ? component : "-", msg);
    }
    pthread_mutex_unlock(&log_lock);
}

void crier_log(crier_log_level level, const char *component, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    crier_logv(level, component, fmt, ap);
    va_end(ap);
}
