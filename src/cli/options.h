/*
 * options: table-driven command-line parsing for every subcommand.
 *
 * Each option is one row of a table (long name, kind of argument, where the
 * value goes, help text); --no-NAME comes free for flags. Parsing never
 * prints and never exits: it returns a status and a message, and the caller
 * decides what to print.
 */
#ifndef GDTRAIN_CLI_OPTIONS_H
#define GDTRAIN_CLI_OPTIONS_H

#include <stddef.h>

typedef enum opt_kind {
    OPT_FLAG,     /* int: 1 for --NAME, 0 for --no-NAME; a flag whose metavar
                     is "[W1|W2|...]" also takes one of those words, as in
                     --NAME W2 or --NAME=W2, for k + 1 (the k-th word, from 0) */
    OPT_STRING,   /* const char *: the argument as given */
    OPT_DOUBLE,   /* double: finite decimal number */
    OPT_LONG,     /* long: integer */
    OPT_INT,      /* int: integer */
    OPT_SIZE,     /* size_t: non-negative integer */
    OPT_U64,      /* uint64_t: non-negative integer */
    OPT_DELIMITER, /* char: one byte, or "tab" */
    OPT_OPTIONAL  /* const char *: --NAME=VALUE, or --NAME VALUE when VALUE
                     does not start with '-'; "" for --NAME alone; NULL for
                     --no-NAME (the later one wins) */
} opt_kind;

/* Checks applied to numeric options. */
enum {
    OPT_ANY = 0,
    OPT_POSITIVE = 1, /* > 0 */
    OPT_NONNEG = 2,   /* >= 0 */
    OPT_UNIT = 4,     /* in [0, 1) */
    OPT_UNIT_RIGHT = 8 /* in (0, 1] */
};

typedef struct cli_option {
    const char *name;    /* long name, without "--" */
    char short_name;     /* e.g. 'o' for -o; 0 if none */
    opt_kind kind;
    unsigned check;      /* OPT_POSITIVE etc. for numbers */
    size_t offset;       /* offsetof the value in the settings struct */
    const char *metavar; /* placeholder in --help, NULL for flags */
    const char *help;    /* one line; "(default: ...)" included where useful */
} cli_option;

typedef enum parse_result {
    PARSE_OK,
    PARSE_HELP,    /* --help or -h was given */
    PARSE_VERSION, /* --version was given */
    PARSE_ERROR    /* message in the buffer */
} parse_result;

/* Parses argv[0..argc) against table (terminated by a row with name NULL)
 * into settings. was_set[i] becomes 1 for every row i given on the command
 * line. Arguments that are not options go to positional[0..*npositional),
 * at most max_positional (more is an error); "--" ends the options. On
 * PARSE_ERROR, msg (size bytes) says what was wrong. */
parse_result cli_parse(const cli_option *table, int argc, char **argv,
                       void *settings, unsigned char *was_set,
                       char **positional, size_t max_positional,
                       size_t *npositional, char *msg, size_t size);

/* Parses a subcommand's arguments with cli_parse (no positional arguments)
 * and handles the outcomes every subcommand treats alike: --help (calls
 * print_help), --version, and usage errors (printed, with a hint naming the
 * subcommand; NULL for the default one). Returns -1 when the command should
 * go on, otherwise the exit status to return at once (0 or 2). */
int cli_parse_command(const char *subcommand, const cli_option *table, int argc,
                      char **argv, void *settings, unsigned char *was_set,
                      void (*print_help)(void));

/* The same, for a subcommand that takes arguments other than options: they
 * go to positional[0..*npositional), at most max_positional (more is a
 * usage error). */
int cli_parse_command_args(const char *subcommand, const cli_option *table, int argc,
                           char **argv, void *settings, unsigned char *was_set,
                           void (*print_help)(void), char **positional,
                           size_t max_positional, size_t *npositional);

/* Index of the row named name in table; the table must have it (asserted). */
size_t cli_option_index(const cli_option *table, const char *name);

/* Writes the option list of table to stream, one aligned line per row. */
void cli_print_options(const cli_option *table, void *stream);

/* Parses a whole string as a number of the kind, as the parser does for
 * options: 1 on success, 0 (with a message) otherwise. */
int cli_parse_double(const char *text, double *out);
int cli_parse_long(const char *text, long *out);

/* Did you mean: offer every name a mistyped word could have meant, then ask
 * for the closest one, if it is close enough to be a typo.
 *     cli_guess g = {NULL, 0};
 *     for (...) cli_guess_offer(&g, word, len, name);
 *     const char *meant = cli_guess_result(&g, len);   // NULL: no guess */
typedef struct cli_guess {
    const char *best; /* the closest name so far, or NULL */
    size_t distance;  /* its edit distance from the word */
} cli_guess;
void cli_guess_offer(cli_guess *g, const char *word, size_t len, const char *candidate);
const char *cli_guess_result(const cli_guess *g, size_t len);

/* Whether a command-line word looks like a file name (it has a dot or a
 * slash, or exists): the user probably meant --data WORD. */
int cli_looks_like_file(const char *arg);

/* '-' for a file means standard input or output. One stream carries one
 * thing: two options that would both read standard input, or both write to
 * standard output (two formats mixed: a loss curve and JSON), are refused.
 * Each option that can use the stream is one row: what the user wrote
 * ("--curve -", "--json") and whether this run uses the stream that way. */
typedef struct cli_stream_use {
    const char *what;
    int used;
} cli_stream_use;

/* 1 when path is "-". */
int cli_is_stdio(const char *path);

/* An output path for messages: "standard output" for "-". */
const char *cli_out_name(const char *path);

/* At most one of uses[0..n) may be used. Otherwise prints a usage error for
 * subcommand (NULL: the default one) naming the first two and the stream
 * (writes: standard output; else standard input) and returns 0. */
int cli_one_per_stream(const char *subcommand, int writes, const cli_stream_use *uses,
                       size_t n);

/* A file option of a run: what the user wrote ("--out") and its path, or
 * NULL when it was not given. */
typedef struct cli_file_use {
    const char *what;
    const char *path;
} cli_file_use;

/* No output may be one of the run's inputs (the same existing file, by
 * device and inode, whatever the spelling): its write would replace what
 * the run reads, such as the data file for '--out data.csv'. Otherwise
 * prints a usage error for subcommand (NULL: the default one) naming both
 * and returns 0. Standard input and output ('-') are not files here. */
int cli_outputs_spare_inputs(const char *subcommand, const cli_file_use *outs, size_t nout,
                             const cli_file_use *ins, size_t nin);

/* No two outputs may be one file (by device and inode when they exist,
 * else by their folder's real path and name): one would replace the other.
 * Otherwise prints a usage error naming both and returns 0. */
int cli_outputs_distinct(const char *subcommand, const cli_file_use *outs, size_t n);

/* "" when standard input is a terminal; otherwise a hint, starting with a
 * space, that --data - reads it (for "no data" messages: 'gdtrain < f'). */
const char *cli_stdin_hint(void);

#endif
