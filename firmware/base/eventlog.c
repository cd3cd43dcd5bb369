#include "base/eventlog.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct crier_eventlog {
    pthread_mutex_t lock; /* guards f */
    FILE *f;
    int owns;
};

crier_eventlog *crier_eventlog_open(const char *path)
{
    crier_eventlog *ev = calloc(1, sizeof *ev);
    if (!ev)
        return NULL;
    if (strcmp(path, "-") == 0) {
        ev->f = stdout;
    } else {
        ev->f = fopen(path, "w");
        ev->owns = 1;
        if (!ev->f) {
            LOG_ERROR("events", "cannot open event file '%s': %s", path, strerror(errno));
            free(ev);
            return NULL;
        }
    }
    pthread_mutex_init(&ev->lock, NULL);
    return ev;
}

void crier_eventlog_close(crier_eventlog *ev)
{
    if (!ev)
        return;
    if (ev->owns)
        fclose(ev->f);
    else
        fflush(ev->f);
    pthread_mutex_destroy(&ev->lock);
    free(ev);
}

static void emit_va(crier_eventlog *ev, int64_t t_ms, const char *event, va_list ap)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return;
    /* Integers are written exactly (cJSON numbers are doubles: above 2^53, or even
     * 1e15, they would come out rounded in exponent form). */
    char num[32];
    snprintf(num, sizeof num, "%" PRId64, t_ms);
    cJSON_AddRawToObject(o, "t_ms", num);
    cJSON_AddStringToObject(o, "event", event);
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL) {
        if (strncmp(name, "s:", 2) == 0) {
            const char *v = va_arg(ap, const char *);
            if (v)
                cJSON_AddStringToObject(o, name + 2, v);
            else
                cJSON_AddNullToObject(o, name + 2);
        } else if (strncmp(name, "i:", 2) == 0) {
            snprintf(num, sizeof num, "%" PRId64, va_arg(ap, int64_t));
            cJSON_AddRawToObject(o, name + 2, num);
        } else if (strncmp(name, "d:", 2) == 0) {
            cJSON_AddNumberToObject(o, name + 2, va_arg(ap, double));
        } else {
            LOG_ERROR("events", "bad field spec '%s' in event %s", name, event);
            break;
        }
    }
    char *line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!line)
        return;
    pthread_mutex_lock(&ev->lock);
    fputs(line, ev->f);
    fputc('\n', ev->f);
    fflush(ev->f);
    pthread_mutex_unlock(&ev->lock);
    cJSON_free(line);
}

void crier_eventlog_emit(crier_eventlog *ev, const char *event, ...)
{
    if (!ev)
        return;
    va_list ap;
    va_start(ap, event);
    emit_va(ev, crier_wall_ms(), event, ap);
    va_end(ap);
}

void crier_eventlog_emit_at(crier_eventlog *ev, int64_t t_ms, const char *event, ...)
{
    if (!ev)
        return;
    va_list ap;
    va_start(ap, event);
    emit_va(ev, t_ms, event, ap);
    va_end(ap);
}
