/* log.h - one levelled, component-tagged logger.
 *
 * Modules never printf; they call crier_log(LVL, "component", fmt, ...).
 * Lines go to a sink the application sets (default: stderr, one line each:
 * "2026-11-26T03:00:00.123Z warn  [feed] message").  Thread-safe. */
#ifndef CRIER_LOG_H
#define CRIER_LOG_H

#include <stdarg.h>

typedef enum crier_log_level {
    CRIER_LOG_DEBUG = 0,
    CRIER_LOG_INFO,
    CRIER_LOG_WARN,
    CRIER_LOG_ERROR,
    CRIER_LOG_OFF
} crier_log_level;

/* A sink receives one complete, formatted message (no trailing newline). */
typedef void (*crier_log_sink)(crier_log_level level, const char *component, const char *msg, void *ud);

void crier_log_set_level(crier_log_level level);
crier_log_level crier_log_get_level(void);
/* Replace the sink (NULL restores stderr). */
void crier_log_set_sink(crier_log_sink sink, void *ud);
/* Parse "debug", "info", "warn", "error", "off"; returns -1 if unknown. */
int crier_log_level_parse(const char *name);
const char *crier_log_level_name(crier_log_level level);

void crier_log(crier_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void crier_logv(crier_log_level level, const char *component, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#define LOG_DEBUG(comp, ...) crier_log(CRIER_LOG_DEBUG, comp, __VA_ARGS__)
#define LOG_INFO(comp, ...) crier_log(CRIER_LOG_INFO, comp, __VA_ARGS__)
#define LOG_WARN(comp, ...) crier_log(CRIER_LOG_WARN, comp, __VA_ARGS__)
#define LOG_ERROR(comp, ...) crier_log(CRIER_LOG_ERROR, comp, __VA_ARGS__)

#endif
