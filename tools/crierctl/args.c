/* args.c - crierctl's option parser and help generator (see args.h). */
#include "args.h"
#include "crierctl.h"

#include "remote/topic.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(args, off, type) ((type *)((char *)(args) + (off)))

int ctl_wants_help(int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}

/* "crierctl CMD" or "crierctl" for the global options, for messages. */
static void who(const ctl_command *c, char *buf, size_t len)
{
    snprintf(buf, len, c->name ? "crierctl %s" : "crierctl", c->name ? c->name : "");
}

static int unknown(const ctl_command *c, const char *arg)
{
    if (c->name)
        fprintf(stderr, "crierctl %s: unknown argument '%s' (see crierctl %s --help)\n", c->name, arg, c->name);
    else
        fprintf(stderr, "crierctl: unknown option %s (see crierctl --help)\n", arg);
    return CTL_EXIT_USAGE;
}

/* The row for arg ("--name" or, for the global options, "--name=value"). */
static const ctl_opt *find(const ctl_command *c, const char *arg, const char **inline_value)
{
    *inline_value = NULL;
    for (const ctl_opt *o = c->opts; o && o->kind != CTL_OPT_END; o++) {
        size_t n = strlen(o->name);
        if (strcmp(arg, o->name) == 0)
            return o;
        if (!c->name && o->meta && strncmp(arg, o->name, n) == 0 && arg[n] == '=') {
            *inline_value = arg + n + 1;
            return o;
        }
    }
    return NULL;
}

static int take_scope(const ctl_opt *o, const char *value, scope_arg *s)
{
    if (s->given) {
        fprintf(stderr, "crierctl: give only one of --all, --site, --kiosk\n");
        return CTL_EXIT_USAGE;
    }
    if (o->meta && !crier_name_valid(value)) {
        fprintf(stderr, "crierctl: %s needs a name of letters, digits, '_', '.', '-' (1..64)\n", o->name);
        return CTL_EXIT_USAGE;
    }
    s->given = 1;
    s->scope = o->lo;
    s->target = o->meta ? value : NULL;
    return CTL_EXIT_OK;
}

static int take_int(const ctl_command *c, const ctl_opt *o, const char *value, int *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(value, &end, 10);
    if (end == value || *end || errno || n < o->lo || n > o->hi) {
        char w[80];
        who(c, w, sizeof w);
        fprintf(stderr, "%s: %s must be %s\n", w, o->name, o->range_text);
        return CTL_EXIT_USAGE;
    }
    *out = (int)n;
    return CTL_EXIT_OK;
}

int ctl_parse(const ctl_command *c, int argc, char **argv, int first, void *args, int *next)
{
    int i;
    for (i = first; i < argc; i++) {
        const char *arg = argv[i], *value;
        if (arg[0] != '-') { /* an operand */
            if (!c->name)
                break; /* the command */
            const char **slot = c->operand ? FIELD(args, c->operand_off, const char *) : NULL;
            if (!slot || *slot)
                return unknown(c, arg);
            *slot = arg;
            continue;
        }
        const ctl_opt *o = find(c, arg, &value);
        if (!o)
            return unknown(c, arg);
        if (o->meta && !value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "crierctl: %s needs a value\n", o->name);
                return CTL_EXIT_USAGE;
            }
            value = argv[++i];
        }
        int rc = CTL_EXIT_OK;
        switch (o->kind) {
        case CTL_OPT_STR: *FIELD(args, o->off, const char *) = value; break;
        case CTL_OPT_FLAG: *FIELD(args, o->off, int) = 1; break;
        case CTL_OPT_INT: rc = take_int(c, o, value, FIELD(args, o->off, int)); break;
        case CTL_OPT_CALL: rc = o->call(args, c->name, o->name, value); break;
        case CTL_OPT_SCOPE: rc = take_scope(o, value, FIELD(args, o->off, scope_arg)); break;
        case CTL_OPT_END: break;
        }
        if (rc != CTL_EXIT_OK)
            return rc;
    }
    if (next)
        *next = i;
    return CTL_EXIT_OK;
}

/* ---- help ------------------------------------------------------------------------ */

/* Appends one usage item, wrapping at 80 columns under the indent. */
static void put_item(FILE *f, const char *item, int *col, int indent)
{
    int n = (int)strlen(item);
    if (*col + 1 + n > 80 && *col > indent) {
        fprintf(f, "\n%*s", indent, "");
        *col = indent;
    }
    fprintf(f, " %s", item);
    *col += 1 + n;
}

void ctl_usage(const ctl_command *c, FILE *f)
{
    char head[64], item[160];
    who(c, head, sizeof head);
    fprintf(f, "usage: %s", head);
    int indent = (int)strlen("usage: ") + (int)strlen(head), col = indent;
    if (c->operand && c->name)
        put_item(f, c->operand, &col, indent);
    for (const ctl_opt *o = c->opts; o && o->kind != CTL_OPT_END; o++) {
        if (o->kind == CTL_OPT_SCOPE) { /* the three scope rows make one item */
            if (o != c->opts && o[-1].kind == CTL_OPT_SCOPE)
                continue;
            size_t n = (size_t)snprintf(item, sizeof item, "[");
            for (const ctl_opt *s = o; s->kind == CTL_OPT_SCOPE && n < sizeof item; s++)
                n += (size_t)snprintf(item + n, sizeof item - n, "%s%s%s%s", s == o ? "" : " | ", s->name,
                                      s->meta ? " " : "", s->meta ? s->meta : "");
            if (n + 1 < sizeof item)
                strcat(item, "]");
        } else {
            snprintf(item, sizeof item, "%s%s%s%s%s", o->required ? "" : "[", o->name, o->meta ? " " : "",
                     o->meta ? o->meta : "", o->required ? "" : "]");
        }
        put_item(f, item, &col, indent);
    }
    if (!c->name)
        put_item(f, "COMMAND [ARGS]", &col, indent);
    fputc('\n', f);
    if (c->more_usage)
        fprintf(f, "%s", c->more_usage);
    fprintf(f, "\noptions:\n");
    for (const ctl_opt *o = c->opts; o && o->kind != CTL_OPT_END; o++) {
        snprintf(item, sizeof item, "%s%s%s", o->name, o->meta ? " " : "", o->meta ? o->meta : "");
        if (strlen(item) > 22) /* a long one gets its own line */
            fprintf(f, "  %s\n  %-22s %s\n", item, "", o->help ? o->help : "");
        else
            fprintf(f, "  %-22s %s\n", item, o->help ? o->help : "");
    }
    if (c->about)
        fprintf(f, "\n%s", c->about);
}
