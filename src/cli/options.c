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
#include <sys/stat.h>
#include <unistd.h>

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
    case OPT_OPTIONAL:
        return "a name after '='";
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
    case OPT_OPTIONAL:
        if (value[0] == '\0')
            return 0;
        *(const char **)(void *)slot = value;
        return 1;
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
            if ((o->kind == OPT_FLAG || o->kind == OPT_OPTIONAL) && strlen(o->name) == len - 3 &&
                strncmp(o->name, name + 3, len - 3) == 0) {
                *negated = 1;
                return o;
            }
    }
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Did you mean                                                            */

/* Edit distance between a[0..la) and b[0..lb) (insertions, deletions,
 * substitutions and swaps of two neighbours, each 1), with '_' and '-' taken
 * as equal: the names people type from other tools. Longer names than the
 * rows hold are "far" (SIZE_MAX). */
static char name_char(char c)
{
    if (c == '_')
        return '-';
    return c;
}

static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    enum { MAXLEN = 64 };
    if (la >= MAXLEN || lb >= MAXLEN)
        return SIZE_MAX;
    size_t rows[3][MAXLEN + 1]; /* the rows for i - 2, i - 1 and i, in turn */
    for (size_t j = 0; j <= lb; j++)
        rows[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t *cur = rows[i % 3], *prev = rows[(i + 2) % 3], *prev2 = rows[(i + 1) % 3];
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            char ca = name_char(a[i - 1]), cb = name_char(b[j - 1]);
            size_t best = prev[j - 1] + (ca != cb);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca == name_char(b[j - 2]) && name_char(a[i - 2]) == cb &&
                prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
    }
    return rows[la % 3][lb];
}

void cli_guess_offer(cli_guess *g, const char *word, size_t len, const char *candidate)
{
    size_t clen = strlen(candidate);
    size_t d = edit_distance(word, len, candidate, clen);
    /* A word that starts a longer name ("--batch", "--check") is the name
     * cut short, however many letters are missing. */
    if (len >= 3 && len < clen && strncmp(word, candidate, len) == 0)
        d = 1;
    if (g->best == NULL || d < g->distance) {
        g->best = candidate;
        g->distance = d;
    }
}

const char *cli_guess_result(const cli_guess *g, size_t len)
{
    /* Close enough to be a slip of the keyboard: one edit in a short word,
     * two in a longer one, three past eight letters; and never a change of
     * most of the word. */
    size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    if (g->best == NULL || g->distance > limit || g->distance * 2 > len)
        return NULL;
    return g->best;
}

/* Names other programs use for an option of ours (scikit-learn, PyTorch,
 * other trainers' command lines). Offered only where the table has the
 * option. */
static const struct {
    const char *alias;
    const char *name;
} option_aliases[] = {
    {"learning-rate", "lr"}, {"rate", "lr"},          {"eta", "lr"},
    {"eta0", "lr"},          {"step-size", "lr"},     {"optimizer", "opt"},
    {"optim", "opt"},        {"solver", "opt"},       {"iterations", "epochs"},
    {"iters", "epochs"},     {"max-iter", "epochs"},  {"n-iter", "epochs"},
    {"max-epochs", "epochs"}, {"output", "out"},      {"input", "data"},
    {"file", "data"},        {"csv", "data"},         {"train", "data"},
    {"batch", "batch-size"}, {"label", "target"},     {"y", "target"},
    {"columns", "features"}, {"ridge", "l2"},         {"lasso", "l1"},
    {"lambda", "l2"},        {"random-seed", "seed"}, {"random-state", "seed"},
    {"jobs", "threads"},     {"n-jobs", "threads"},   {"silent", "quiet"},
    {"tolerance", "tol"},    {"loss-curve", "curve"}, {"sep", "delimiter"},
    {"separator", "delimiter"}, {"output-file", "out"}, {"model-file", "model"},
};

/* The option of table that the unknown --name[0..len) most likely meant, or
 * NULL. */
static const char *suggest_option(const cli_option *table, const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof option_aliases / sizeof option_aliases[0]; i++) {
        const char *alias = option_aliases[i].alias;
        if (edit_distance(name, len, alias, strlen(alias)) == 0) {
            const char *target = option_aliases[i].name;
            int negated;
            if (find_long(table, target, strlen(target), &negated) != NULL)
                return target;
        }
    }
    cli_guess g = {NULL, 0};
    for (const cli_option *o = table; o->name != NULL; o++)
        cli_guess_offer(&g, name, len, o->name);
    return cli_guess_result(&g, len);
}

int cli_looks_like_file(const char *arg)
{
    double number;
    if (access(arg, F_OK) == 0)
        return 1;
    /* "0.5" has a dot but is a value that lost its option. */
    return (strchr(arg, '.') != NULL || strchr(arg, '/') != NULL) &&
           !cli_parse_double(arg, &number);
}

int cli_is_stdio(const char *path)
{
    return path != NULL && strcmp(path, "-") == 0;
}

const char *cli_out_name(const char *path)
{
    return cli_is_stdio(path) ? "standard output" : path;
}

int cli_one_per_stream(const char *subcommand, int writes, const cli_stream_use *uses,
                       size_t n)
{
    const char *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!uses[i].used)
            continue;
        if (first == NULL) {
            first = uses[i].what;
            continue;
        }
        if (writes)
            cli_usage_error(subcommand, "%s and %s would both write to standard output; "
                            "send one of them to a file", first, uses[i].what);
        else
            cli_usage_error(subcommand, "%s and %s would both read standard input; "
                            "give one of them a file", first, uses[i].what);
        return 0;
    }
    return 1;
}

/* stat of a file option's path; 0 when it is not given, is '-', does not
 * exist or is no regular file (a device, a pipe: nothing a write would
 * replace). */
static int file_identity(const char *path, struct stat *sb)
{
    return path != NULL && !cli_is_stdio(path) && stat(path, sb) == 0 && S_ISREG(sb->st_mode);
}

int cli_outputs_spare_inputs(const char *subcommand, const cli_file_use *outs, size_t nout,
                             const cli_file_use *ins, size_t nin)
{
    for (size_t i = 0; i < nout; i++) {
        struct stat o, in;
        if (!file_identity(outs[i].path, &o))
            continue;
        for (size_t k = 0; k < nin; k++)
            if (file_identity(ins[k].path, &in) && in.st_dev == o.st_dev &&
                in.st_ino == o.st_ino) {
                cli_usage_error(subcommand, "%s %s is the file that %s reads: writing it would "
                                "replace that file; name another", outs[i].what,
                                outs[i].path, ins[k].what);
                return 0;
            }
    }
    return 1;
}

/* For a path that does not exist yet: stat of its folder into *dir, and
 * its last component. 0 when the folder cannot be found. */
static int folder_of(const char *path, struct stat *dir, const char **name)
{
    const char *slash = strrchr(path, '/');
    *name = slash == NULL ? path : slash + 1;
    if (slash == NULL)
        return stat(".", dir) == 0;
    size_t len = slash == path ? 1 : (size_t)(slash - path); /* "/name": the root */
    char *folder = malloc(len + 1);
    if (folder == NULL)
        return 0;
    memcpy(folder, path, len);
    folder[len] = '\0';
    int found = stat(folder, dir) == 0;
    free(folder);
    return found;
}

/* Whether two outputs are one file: the same existing file, or the same
 * name in one folder when neither exists yet. */
static int same_output(const char *a, const char *b)
{
    struct stat sa, sb;
    int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && S_ISREG(sa.st_mode);
    const char *na, *nb;
    return !ea && !eb && folder_of(a, &sa, &na) && folder_of(b, &sb, &nb) &&
           sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && strcmp(na, nb) == 0;
}

int cli_outputs_distinct(const char *subcommand, const cli_file_use *outs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++) {
            const char *a = outs[i].path, *b = outs[k].path;
            if (a == NULL || b == NULL || cli_is_stdio(a) || cli_is_stdio(b) ||
                !same_output(a, b))
                continue;
            cli_usage_error(subcommand, "%s %s and %s %s are one file: one would replace the "
                            "other; name two files", outs[i].what, a, outs[k].what, b);
            return 0;
        }
    return 1;
}

const char *cli_stdin_hint(void)
{
    return isatty(STDIN_FILENO) ? "" : " (standard input is not a terminal: to read it, give --data -)";
}

/* Why argv[i], a word that is not an option, is not welcome: it names a
 * file that belongs after --data, or follows a flag that takes no value. */
static void explain_unexpected(const cli_option *table, const unsigned char *was_set,
                               char **argv, int i, char *msg, size_t size)
{
    /* Not every subcommand reads data: look the option up, do not assume it. */
    int negated = 0;
    const cli_option *data_option = find_long(table, "data", 4, &negated);
    size_t data = data_option != NULL ? (size_t)(data_option - table) : 0;
    const cli_option *prev = NULL;
    if (i > 0 && strncmp(argv[i - 1], "--", 2) == 0 && strchr(argv[i - 1], '=') == NULL)
        prev = find_long(table, argv[i - 1] + 2, strlen(argv[i - 1] + 2), &negated);
    if (prev != NULL && prev->kind == OPT_FLAG && prev->metavar != NULL && !negated)
        snprintf(msg, size, "unexpected argument '%s' ('%s' takes %s or nothing)", argv[i],
                 argv[i - 1], prev->metavar);
    else if (prev != NULL && prev->kind == OPT_FLAG)
        snprintf(msg, size, "unexpected argument '%s' ('%s' takes no value)", argv[i],
                 argv[i - 1]);
    else if (data_option != NULL && !was_set[data] && cli_looks_like_file(argv[i]))
        snprintf(msg, size, "unexpected argument '%s' (did you mean '--data %s'?)", argv[i],
                 argv[i]);
    else
        snprintf(msg, size, "unexpected argument '%s'", argv[i]);
}

/* For a flag whose metavar is "[W1|W2|...]": k + 1 if word is W_k
 * (counting from 0), else 0. */
static int flag_word(const cli_option *o, const char *word)
{
    const char *p = o->metavar;
    if (p == NULL || *p != '[')
        return 0;
    size_t len = strlen(word);
    for (int k = 1; *p != '\0' && *p != ']'; k++) {
        p++; /* past '[' or '|' */
        size_t n = strcspn(p, "|]");
        if (len > 0 && n == len && strncmp(p, word, n) == 0)
            return k;
        p += n;
    }
    return 0;
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
                explain_unexpected(table, was_set, argv, i, msg, size);
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
                const char *guess = suggest_option(table, name, len);
                if (guess != NULL)
                    snprintf(msg, size, "unknown option '--%.*s' (did you mean '--%s'?)",
                             (int)len, name, guess);
                else
                    snprintf(msg, size, "unknown option '--%.*s'", (int)len, name);
                return PARSE_ERROR;
            }
            if (eq != NULL) {
                if ((o->kind == OPT_FLAG && (negated || o->metavar == NULL)) ||
                    (o->kind == OPT_OPTIONAL && negated)) {
                    snprintf(msg, size, "option '--%.*s' takes no value", (int)len, name);
                    return PARSE_ERROR;
                }
                value = eq + 1;
            }
        } else {
            o = arg[2] == '\0' ? find_short(table, arg[1]) : NULL;
            if (o == NULL) {
                /* "-lr 0.1": a long name with one dash, as some tools take them. */
                const char *guess = arg[2] == '\0' ? NULL
                                    : suggest_option(table, arg + 1, strcspn(arg + 1, "="));
                if (guess != NULL)
                    snprintf(msg, size, "unknown option '%s' (did you mean '--%s'?)", arg, guess);
                else
                    snprintf(msg, size, "unknown option '%s'", arg);
                return PARSE_ERROR;
            }
        }
        if (o->kind == OPT_OPTIONAL && value == NULL) {
            const char **slot = (const char **)(void *)((char *)settings + o->offset);
            if (negated)
                *slot = NULL;
            else if (i + 1 < argc && argv[i + 1][0] != '-')
                *slot = argv[++i];
            else
                *slot = "";
        } else if (o->kind == OPT_FLAG) {
            int word = !negated && value == NULL && i + 1 < argc ? flag_word(o, argv[i + 1]) : 0;
            if (value != NULL && (word = flag_word(o, value)) == 0) {
                snprintf(msg, size, "option '--%s' expects %s or nothing, got '%s'", o->name,
                         o->metavar, value);
                return PARSE_ERROR;
            }
            if (word > 0 && value == NULL)
                i++;
            *(int *)(void *)((char *)settings + o->offset) = word > 0 ? word : !negated;
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
        printf(CLI_PROGRAM " %s\n", GDTRAIN_VERSION);
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
