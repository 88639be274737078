/*
 * fit: the steps that training and solving share: loading and
 * standardizing the data with the user's column choices, turning
 * standardized parameters into a model, and describing the fit to a person.
 */
#ifndef GDTRAIN_CLI_FIT_H
#define GDTRAIN_CLI_FIT_H

#include <stdint.h>

#include "gdtrain/dataset.h"
#include "gdtrain/fit.h"
#include "io/json.h"
#include "gdtrain/model.h"
#include "gdtrain/solve.h"
#include "table.h"

/* The option rows for choosing the data, for any settings struct T with the
 * fields data, delimiter, target and features (as in cli_data_choice). */
#define CLI_DATA_OPTIONS(T)                                                              \
    {"data", 'd', OPT_STRING, 0, offsetof(T, data), "FILE",                              \
     "CSV file with a header row ('-' = standard input); required"},                     \
    {"delimiter", 0, OPT_DELIMITER, 0, offsetof(T, delimiter), "CHAR",                   \
     "field separator: ',' (default), ';', 'tab', ..."},                                 \
    {"target", 't', OPT_STRING, 0, offsetof(T, target), "NAME",                          \
     "column to predict (default: the last column)"},                                    \
    {"features", 'f', OPT_STRING, 0, offsetof(T, features), "A,B,..",                    \
     "feature columns by name, in any order (default: every other column)"}

/* The --cache option row, for any settings struct T with a field cache
 * (const char *: NULL none, "" the default path, else the path). */
#define CLI_CACHE_OPTION(T)                                                              \
    {"cache", 0, OPT_OPTIONAL, 0, offsetof(T, cache), "[PATH]",                          \
     "keep the parsed data in a binary cache (default PATH: the data file's name "       \
     "+ .gdcache) and read it on later runs while the file and the load options are "    \
     "unchanged; --no-cache: none"}

/* What the user chose about the data. */
typedef struct cli_data_choice {
    const char *path;     /* "-" = stdin */
    char delimiter;
    const char *target;   /* NULL = the last column */
    const char *features; /* comma list, NULL = all others */
    double val_split;     /* fraction of rows held out for validation; 0 = none */
    uint64_t split_seed;  /* which rows val_split holds out */
    const char *val_path; /* a separate validation file (same columns), or NULL */
    int threads;          /* for loading and standardizing; 0 = every online CPU */
    cli_table_choice table; /* categorical columns, missing cells, exclusions */
    int no_intercept;     /* scale without centering, for a model through the origin */
    const char *cache;    /* binary cache: NULL none, "" beside the data, or a path */
    int stream;           /* never hold the rows: read them a chunk at a time */
} cli_data_choice;

/* The cache file of choice: NULL without --cache, else a new string (free
 * it). Returns 0, or 2 (printed) when the cache would be the data file,
 * 4 when out of memory. */
int cli_cache_path(const cli_data_choice *choice, char **path);

/* Prints what a load through the cache has to say (a note). */
void cli_cache_say(const gd_cache_outcome *out);

/* Loads the raw rows of choice (not standardized), encoded by its table
 * options, through its cache when it names one (force: parse and write the
 * cache whatever is there). Prints the error, the cache's note and the
 * load's notes. outcome (may be NULL) gets what the cache did. Returns 0
 * or the exit status. */
int cli_load_raw(const cli_data_choice *choice, int force, gd_dataset *raw,
                 gd_cache_outcome *outcome);

/* The --features list of choice as a new array (NULL and 0 when not
 * given; free with cli_free_list). Returns 0, or 2 with the usage error
 * printed. */
int cli_feature_list(const cli_data_choice *choice, char ***features, size_t *nfeatures);

/* Loads and standardizes the data (gd_fit_data_load), and warns about
 * constant columns. On failure prints the error and returns the exit status
 * (2 for a bad --features list or split, else the load's); *fd is then safe
 * to free. Returns 0 on success. */
int cli_load_standardized(const cli_data_choice *choice, gd_fit_data *fd);

/* Prints why loading failed: a usage error, the data's problems (rep, the
 * report of the file that failed), or err. */
void cli_load_failure(gd_status st, const gd_error *err, const gd_load_report *rep);

/* Warns about constant features and a constant target of loaded data. */
void cli_data_warnings(const gd_fit_data *fd);

/* Terms of the summary equation beyond which it is cut short. */
#define CLI_FORMULA_TERMS 12

/* Prints "  price = 52311.2 + 1503.9*area_sqm - ..." on stderr: every term
 * up to CLI_FORMULA_TERMS features, else the first CLI_FORMULA_TERMS - 1 and
 * how many more there are. */
void cli_say_formula(const gd_model *m);

/* The warning that a run has no exact optimum to compare with, and why. */
void cli_optimum_warn(const gd_error *err);

/* The optimum of the same problem, for the gap: exact least squares (ridge
 * with l2), or with l1 > 0 the coordinate-descent elastic net; through the
 * origin with no_intercept. Solves on fd's training rows (gd_fit_optimum_of:
 * the cache's optimum where it has it); on failure warns and returns 0,
 * else fills *info and returns 1. */
int cli_optimum(const gd_fit_data *fd, double l1, double l2, int no_intercept,
                gd_solve_info *info);

/* How many feature columns are constant: each lowers the rank by one
 * without making the other weights ambiguous (it gets weight 0). */
size_t cli_constant_columns(const gd_scaling *sc);

/* The model's "features" (array) and "target" members, for --json. */
void cli_json_columns(gd_json *j, const gd_model *m);

/* The model's "intercept" and "weights" (by feature name) members. */
void cli_json_weights(gd_json *j, const gd_model *m);


/* The shortest round-trip decimal of v into buf (size >= GD_NUMFORMAT_SIZE;
 * "inf", "-inf" or "nan" if not finite): how every number goes into a model
 * file's info and the predictions. */
const char *cli_num(char *buf, size_t size, double v);

#endif
