/* args.h - crierctl's one option parser and help generator.
 *
 * Every command (and the global options before it) is described by a table of
 * options; ctl_parse() walks argv once against that table and fills the
 * command's own argument struct (each row names its field with offsetof), and
 * ctl_usage() prints the usage line and the option list from the same table,
 * followed by the command's description.  So an option is added in one place,
 * and every command reports mistakes with the same words:
 *   crierctl CMD: unknown argument 'X' (see crierctl CMD --help)
 *   crierctl: --opt needs a value
 *   crierctl CMD: --opt must be 1..120
 *   crierctl: give only one of --all, --site, --kiosk
 * Values are taken as given (argv strings are not copied). */
#ifndef CRIERCTL_ARGS_H
#define CRIERCTL_ARGS_H

#include <stddef.h>
#include <stdio.h>

typedef enum ctl_opt_kind {
    CTL_OPT_END = 0, /* ends a table */
    CTL_OPT_STR,     /* --name VALUE: const char * field */
    CTL_OPT_FLAG,    /* --name: int field set to 1 */
    CTL_OPT_INT,     /* --name N: int field, lo..hi (range_text in the error) */
    CTL_OPT_CALL,    /* --name VALUE: call(args, cmd, name, value), in argv order */
    CTL_OPT_SCOPE,   /* --all / --site S / --kiosk K: scope_arg field; lo = crier_scope */
} ctl_opt_kind;

typedef struct ctl_opt {
    ctl_opt_kind kind;
    const char *name;       /* "--title" */
    const char *meta;       /* "TEXT": the value in the help (NULL for flags and --all) */
    size_t off;             /* offsetof() the field in the command's argument struct */
    int lo, hi;             /* CTL_OPT_INT range; CTL_OPT_SCOPE: the scope */
    const char *range_text; /* CTL_OPT_INT: "1..120", "1..3600 seconds" */
    /* CTL_OPT_CALL: 0 on success, else an exit code after printing why. */
    int (*call)(void *args, const char *cmd, const char *name, const char *value);
    int required;           /* shown without brackets in the usage line */
    const char *help;       /* one line in the option list */
} ctl_opt;

struct ctl_opts;

typedef struct ctl_command {
    const char *name;       /* NULL: the global options */
    const char *summary;    /* one line in 'crierctl --help' */
    const char *operand;    /* "ID", "KIOSK", "[KIOSK]" or NULL: no operand */
    size_t operand_off;     /* const char * field for the operand */
    size_t args_size;       /* sizeof the argument struct */
    const ctl_opt *opts;
    /* The command: o are the global options, args its filled argument struct. */
    int (*run)(const struct ctl_opts *o, void *args);
    /* Optional: frees what parsing put into args (called after run or a parse error). */
    void (*done)(void *args);
    const char *more_usage; /* further usage lines (without "usage: "), or NULL */
    const char *about;      /* the description after the option list */
} ctl_command;

/* Parses argv[first..argc) into args (zeroed by the caller) against c.  For
 * the global options (c->name NULL) parsing stops at the first operand (the
 * command) and *next gets its index; "--opt=value" is accepted there too.
 * Returns CTL_EXIT_OK or CTL_EXIT_USAGE after printing the mistake. */
int ctl_parse(const ctl_command *c, int argc, char **argv, int first, void *args, int *next);

/* The generated help of c: usage line(s), option list, description. */
void ctl_usage(const ctl_command *c, FILE *f);

/* "-h" or "--help" anywhere in argv[first..argc). */
int ctl_wants_help(int argc, char **argv, int first);

#endif
