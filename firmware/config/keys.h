/* keys.h - the configuration table, shared by config/'s files (not public).
 *
 * One row per key (redis config.c's standardConfig idea): its name, type, the
 * field it fills, its default, bounds (T_INT) or allowed words (T_ENUM), and
 * help text.  An enum key's words map to the int values of a C enum declared
 * in config/config.h (or its module's header); the field is that enum. */
#ifndef CRIER_CONFIG_KEYS_H
#define CRIER_CONFIG_KEYS_H

#include "config/config.h"

#include <stddef.h>

enum crier_config_key_type { T_STRING, T_PATH, T_INT, T_BOOL, T_SIZE, T_ENUM };

/* One allowed word of an enum key and its value; lists end with {NULL, 0}. */
typedef struct crier_config_choice {
    const char *name;
    int value;
} crier_config_choice;

typedef struct crier_config_key {
    const char *name;
    enum crier_config_key_type type;
    size_t offset; /* into crier_config, or crier_source_config for source keys */
    const char *def;
    long min, max;                       /* T_INT bounds */
    const crier_config_choice *choices;  /* T_ENUM */
    const char *help;
} crier_config_key;

extern const crier_config_key crier_config__keys[];
extern const size_t crier_config__n_keys;
/* source.NAME.FIELD keys, by FIELD. */
extern const crier_config_key crier_config__source_keys[];
extern const size_t crier_config__n_source_keys;

/* The row named name in table[0..n), NULL if none. */
const crier_config_key *crier_config__find(const crier_config_key *table, size_t n, const char *name);

#endif
