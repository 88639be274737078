/*
 * options: table-driven command-line parsing. See options.h.
 */
#include "options.h"

#include "msg.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_parse_double(const char *text, double *out)
{
    char *end;
    errno = 0;
    /* strtod accepts leading spaces, hex, inf and nan: none belongs in an
     * option value, so they are turned away before and after. */
    if (text[0] == '\0' || text[0] == ' ' || text[0] == '\t' ||
        strpbrk(text, "xXnN") != NULL)
        return 0;
    double v = strtod(text, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

int cli_parse_long(const char *text, long *out)
{
    char *end;
    errno = 0;
    if (text[0] == '\0' || text[0] == ' ' || text[0] == '\t')
        return 0;
    long v = strtol(text, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return 0;
    *out = v;
    return 1;
}

static int parse_unsigned(const char *text, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    if (text[0] < '0' || text[0] > '9')
        return 0; /* no sign, no space: strtoull would accept "-1" */
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || errno == ERANGE || v > max)
        return 0;
    *out = v;
    return 1;
}

static int parse_delimiter(const char *text, char *out)
{
    if (strcmp(text, "tab") == 0 || strcmp(text, "\\t") == 0) {
        *out = '\t';
        return 1;
    }
    if (strlen(text) != 1 || text[0] == '"' || text[0] == '\n' || text[0] == '\r')
        return 0;
    *out = text[0];
    return 1;
}

static const char *kind_expectation(const cli_option *o)
{
    switch (o->kind) {
    case OPT_DOUBLE:
        if (o->check & OPT_POSITIVE)
            return "a positive number";
        if (o->check & OPT_UNIT)
            return "a number in [0, 1)";
        if (o->check & OPT_NONNEG)
            return "a number >= 0";
        if (o->check & OPT_UNIT_RIGHT)
            return "a number in (0, 1]";
        return "a number";
    case OPT_LONG:
    case OPT_INT:
        if (o->check & OPT_POSITIVE)
            return "a positive integer";
        if (o->check & OPT_NONNEG)
            return "an integer >= 0";
        return "an integer";
    case OPT_SIZE:
    case OPT_U64:
        return (o->check & OPT_POSITIVE) ? "a positive integer" : "an integer >= 0";
    case OPT_DELIMITER:
        return "a single character or 'tab'";
    default:
        return "a value";
    }
}

static int check_range(const cli_option *o, double v)
{
    if ((o->check & OPT_POSITIVE) && !(v > 0))
        return 0;
    if ((o->check & OPT_NONNEG) && !(v >= 0))
        return 0;
    if ((o->check & OPT_UNIT) && !(v >= 0 && v < 1))
        return 0;
    if ((o->check & OPT_UNIT_RIGHT) && !(v > 0 && v <= 1))
        return 0;
    return 1;
}

/* Stores value into the option's slot; 0 if it does not parse or is out of
 * range. */
static int store_value(const cli_option *o, const char *value, void *settings)
{
    char *slot = (char *)settings + o->offset;
    double dv;
    long lv;
    uint64_t uv;
    switch (o->kind) {
    case OPT_STRING:
        *(const char **)(void *)slot = value;
        return 1;
    case OPT_DOUBLE:
        if (!cli_parse_double(value, &dv) || !check_range(o, dv))
            return 0;
        *(double *)(void *)slot = dv;
        return 1;
    case OPT_LONG:
        if (!cli_parse_long(value, &lv) || !check_range(o, (double)lv))
            return 0;
        *(long *)(void *)slot = lv;
        return 1;
    case OPT_INT:
        if (!cli_parse_long(value, &lv) || lv < INT_MIN || lv > INT_MAX ||
            !check_range(o, (double)lv))
            return 0;
        *(int *)(void *)slot = (int)lv;
        return 1;
    case OPT_SIZE:
        if (!parse_unsigned(value, SIZE_MAX, &uv) || !check_range(o, (double)uv))
            return 0;
        *(size_t *)(void *)slot = (size_t)uv;
        return 1;
    case OPT_U64:
        if (!parse_unsigned(value, UINT64_MAX, &uv) || !check_range(o, (double)uv))
            return 0;
        *(uint64_t *)(void *)slot = uv;
        return 1;
    case OPT_DELIMITER:
        return parse_delimiter(value, slot);
    case OPT_FLAG:
        break;
    }
    return 0;
}

size_t cli_option_index(const cli_option *table, const char *name)
{
    size_t i = 0;
    while (table[i].name != NULL && strcmp(table[i].name, name) != 0)
        i++;
    assert(table[i].name != NULL); /* a misspelt name is a bug */
    return i;
}

static const cli_option *find_long(const cli_option *table, const char *name,
                                   size_t len, int *negated)
{
    *negated = 0;
    for (const cli_option *o = table; o->name != NULL; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    if (len > 3 && strncmp(name, "no-", 3) == 0) {
        for (const cli_option *o = table; o->name != NULL; o++)
            if (o->kind == OPT_FLAG && strlen(o->name) == len - 3 &&
                strncmp(o->name, name + 3, len - 3) == 0) {
                *negated = 1;
                return o;
            }
    }
    return NULL;
}

static const cli_option *find_short(const cli_option *table, char c)
{
    for (const cli_option *o = table; o->name != NULL; o++)
        if (o->short_name == c)
            return o;
    return NULL;
}

parse_result cli_parse(const cli_option *table, int argc, char **argv,
                       void *settings, unsigned char *was_set,
                       char **positional, size_t max_positional,
                       size_t *npositional, char *msg, size_t size)
{
    *npositional = 0;
    int options_done = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const cli_option *o = NULL;
        const char *value = NULL;
        int negated = 0;
        if (options_done || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (*npositional >= max_positional) {
                snprintf(msg, size, "unexpected argument '%s'", arg);
                return PARSE_ERROR;
            }
            positional[(*npositional)++] = argv[i];
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_done = 1;
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return PARSE_HELP;
        if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0)
            return PARSE_VERSION;
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            o = find_long(table, name, len, &negated);
            if (o == NULL) {
                snprintf(msg, size, "unknown option '--%.*s'", (int)len, name);
                return PARSE_ERROR;
            }
            if (eq != NULL) {
                if (o->kind == OPT_FLAG) {
                    snprintf(msg, size, "option '--%s' takes no value", o->name);
                    return PARSE_ERROR;
                }
                value = eq + 1;
            }
        } else {
            o = arg[2] == '\0' ? find_short(table, arg[1]) : NULL;
            if (o == NULL) {
                snprintf(msg, size, "unknown option '%s'", arg);
                return PARSE_ERROR;
            }
        }
        if (o->kind == OPT_FLAG) {
            *(int *)(void *)((char *)settings + o->offset) = !negated;
        } else {
            if (value == NULL) {
                if (i + 1 >= argc) {
                    snprintf(msg, size, "option '--%s' needs a value (%s)", o->name,
                             o->metavar ? o->metavar : "VALUE");
                    return PARSE_ERROR;
                }
                value = argv[++i];
            }
            if (!store_value(o, value, settings)) {
                snprintf(msg, size, "option '--%s' expects %s, got '%s'", o->name,
                         kind_expectation(o), value);
                return PARSE_ERROR;
            }
        }
        was_set[o - table] = 1;
    }
    return PARSE_OK;
}

void cli_print_options(const cli_option *table, void *stream)
{
    FILE *out = stream;
    for (const cli_option *o = table; o->name != NULL; o++) {
        char left[64];
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name,
                     o->metavar ? " " : "", o->metavar ? o->metavar : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->name,
                     o->metavar ? " " : "", o->metavar ? o->metavar : "");
        fprintf(out, "  %-28s %s\n", left, o->help);
    }
}

int cli_parse_command_args(const char *subcommand, const cli_option *table, int argc,
                           char **argv, void *settings, unsigned char *was_set,
                           void (*print_help)(void), char **positional,
                           size_t max_positional, size_t *npositional)
{
    char msg[512];
    switch (cli_parse(table, argc, argv, settings, was_set, positional, max_positional,
                      npositional, msg, sizeof msg)) {
    case PARSE_HELP:
        print_help();
        return 0;
    case PARSE_VERSION:
        printf("gdtrain %s\n", GDTRAIN_VERSION);
        return 0;
    case PARSE_ERROR:
        cli_usage_error(subcommand, "%s", msg);
        return 2;
    case PARSE_OK:
        break;
    }
    return -1;
}

int cli_parse_command(const char *subcommand, const cli_option *table, int argc,
                      char **argv, void *settings, unsigned char *was_set,
                      void (*print_help)(void))
{
    char *positional[1];
    size_t npositional;
    return cli_parse_command_args(subcommand, table, argc, argv, settings, was_set,
                                  print_help, positional, 0, &npositional);
}
