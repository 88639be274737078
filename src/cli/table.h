/*
 * table: the options that say how a table's columns are read (categorical
 * columns, missing cells, columns left out, the decimal separator), and
 * what the load has to tell the user about them.
 */
#ifndef GDTRAIN_CLI_TABLE_H
#define GDTRAIN_CLI_TABLE_H

#include <stddef.h>

#include "gdtrain/dataset.h"
#include "gdtrain/model.h"

/* What the user chose. */
typedef struct cli_table_choice {
    const char *exclude;     /* comma list: names or #N */
    const char *categorical; /* comma list of names */
    const char *na;          /* "error", "drop", "mean"; NULL = error */
    const char *na_values;   /* comma list; NULL = the default tokens */
    size_t max_levels;       /* 0 = the default */
    char decimal;            /* 0 = '.' */
} cli_table_choice;

/* The option rows, for any settings struct T with a cli_table_choice
 * member F. */
#define CLI_TABLE_OPTIONS(T, F)                                                         \
    {"exclude", 0, OPT_STRING, 0, offsetof(T, F.exclude), "A,B,..", /* NOLINT(bugprone-macro-parentheses): F names a member */ \
     "columns to leave out, by name or as #N (the N-th column)"},                       \
    {"categorical", 0, OPT_STRING, 0, offsetof(T, F.categorical), "A,B,..", /* NOLINT(bugprone-macro-parentheses): F names a member */ \
     "columns whose values are categories even when they read as numbers"},             \
    {"na", 0, OPT_STRING, 0, offsetof(T, F.na), "POLICY", /* NOLINT(bugprone-macro-parentheses): F names a member */ \
     "missing cells: error (default), drop (leave the rows out) or mean (fill them)"},  \
    {"na-values", 0, OPT_STRING, 0, offsetof(T, F.na_values), "LIST", /* NOLINT(bugprone-macro-parentheses): F names a member */ \
     "texts that mean missing (default: the empty cell,NA,N/A,NaN,nan,null,NULL,?)"},   \
    {"max-levels", 0, OPT_SIZE, OPT_POSITIVE, offsetof(T, F.max_levels), "N", /* NOLINT(bugprone-macro-parentheses): F names a member */ \
     "most levels a categorical column may have (default: 200)"},                       \
    {"decimal", 0, OPT_DELIMITER, 0, offsetof(T, F.decimal), "CHAR", /* NOLINT(bugprone-macro-parentheses): F names a member */ \
     "decimal separator of the numbers: '.' (default) or ','"}

/* The lists a load borrows, kept until the load is done. */
typedef struct cli_table_lists {
    char **exclude;
    char **categorical;
    gd_load_report report;
} cli_table_lists;

/* Fills the encoding fields of *lo from *t (lists into *keep, which *lo
 * points into). On a usage error prints it and returns 2, else 0. Free
 * *keep with cli_table_free either way. */
int cli_table_rules(const cli_table_choice *t, gd_load_options *lo, cli_table_lists *keep);

void cli_table_free(cli_table_lists *keep);

/* Prints a failed load's error: every problem of the report (up to its
 * limit) and how many more there were, or just err. */
void cli_table_report_error(const gd_load_report *rep, const gd_error *err);

/* Prints a load's notes and counts (rows left out, unseen levels) as
 * warnings. what names the data ("training data", "validation data", or
 * the file, as cli_file_name gives it). */
void cli_table_say(const gd_load_report *rep, const char *what);

/* Loads path for model m: its inputs by name in any order (and its target
 * when need_target), encoded as in training; a model without an encoding
 * reads its features as numbers. keep_incomplete: rows with missing cells
 * that the model cannot fill stay, as NaN rows (predict). Prints errors
 * and notes; returns the status. */
gd_status cli_table_load_for_model(const gd_model *m, const char *path, char delimiter,
                                   char decimal, int strict, int need_target,
                                   int keep_incomplete, gd_dataset *ds);

#endif
