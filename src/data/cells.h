/*
 * cells: what the loader does with the cells that are not plain numbers
 * (text, missing cells, decimal commas), and how it turns the table it read
 * into the design matrix once every row is in. Internal to the dataset
 * module; the rules it applies are those of include/gdtrain/encode.h.
 *
 * While the rows are parsed, X holds one double per selected column (the
 * raw table, no second copy): a number, or a NaN whose payload says
 * "missing" or "text number k of this column's dictionary". Each loading
 * thread has its own dictionaries (a sink), so parsing never locks; the
 * dictionaries hold each distinct text once, bounded by the level limit,
 * so the memory beside X and y is O(levels x threads).
 *
 * After the rows: gd_cells_finish merges the dictionaries into levels in
 * byte order, decides which columns are categorical, checks everything it
 * can in one go (up to GD_MAX_PROBLEMS problems reported), drops or fills
 * rows with missing cells, and expands X in place to the design matrix.
 */
#ifndef GDTRAIN_CELLS_H
#define GDTRAIN_CELLS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gdtrain/dataset.h"
#include "gdtrain/encode.h"
#include "gdtrain/error.h"

/* NaN payloads: numparse never makes a NaN, so a NaN in the raw table is
 * always one of these. */
#define GD_CELL_NAN UINT64_C(0x7FF8000000000000)
#define GD_CELL_MISSING_BIT (UINT64_C(1) << 50)

static inline double gd_cell_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static inline double gd_cell_missing(void)
{
    return gd_cell_bits(GD_CELL_NAN | GD_CELL_MISSING_BIT);
}

static inline double gd_cell_text(size_t code)
{
    return gd_cell_bits(GD_CELL_NAN | ((uint64_t)code + 1));
}

/* 1 if v is a number; else 0 with *missing set, and *code for a text. */
static inline int gd_cell_number(double v, int *missing, size_t *code)
{
    if (v == v)
        return 1;
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    *missing = (b & GD_CELL_MISSING_BIT) != 0;
    *code = (size_t)(b & (GD_CELL_MISSING_BIT - 1)) - 1;
    return 0;
}

/* Why the text s[0..len) is not a number, as " (...)", or "": nan and
 * infinities, hexadecimal, a decimal comma (when delim is not a comma). */
const char *gd_cells_hint(const char *s, size_t len, char delim);

/* What gd_cells_take made of a cell. */
typedef enum gd_cell_kind {
    GD_CELL_TAKEN = 0,   /* *out holds the cell's value */
    GD_CELL_NOT_NUMBER,  /* the loader reports it as before (no cells rules) */
    GD_CELL_OVERFLOW,    /* a number too large for a double */
    GD_CELL_NO_MEMORY
} gd_cell_kind;

typedef struct gd_cells gd_cells;

/* The rules for a load: from the load options, with the header's column
 * names for the selected columns. ncols = features + (1 if the target is
 * read, as column nfeatures). forced[c] = 1: every non-missing cell of
 * column c is a level. */
typedef struct gd_cells_rules {
    size_t nfeatures;
    int with_target;
    const unsigned char *forced;       /* (ncols) */
    const gd_na_set *na;
    gd_na_policy policy;
    char decimal;                      /* '.' or ',' */
    char delim;                        /* the field separator, for hints */
    size_t max_levels;
    const gd_encoding *encoding;       /* apply this one, or NULL to learn one */
    int keep_incomplete;               /* apply: leave rows with missing cells
                                          in, as NaN (predict) */
    int strict;                        /* apply: an unseen level is an error */
    int na_of_model;                   /* apply: the policy is a trained
                                          model's (gd_load_options) */
    int raw;                           /* learn: leave X as one column per input,
                                          missing cells NaN (raw_inputs) */
    size_t index_col;                  /* feature that may be a pandas index
                                          (first column, no name), or SIZE_MAX */
    const char *file;                  /* for messages */
    long first_line;                   /* the line of data row 0 */
    int part;                          /* the rows are one part of several
                                          (gdtrain-mpi): dropping them all
                                          is no error here */
} gd_cells_rules;

/* Allocates the rules' state with nsinks sinks (one per loading thread).
 * NULL on out of memory. The rules are borrowed until gd_cells_free. */
gd_cells *gd_cells_create(const gd_cells_rules *rules, int nsinks);

/* Forgets every cell seen (to read the rows again). */
void gd_cells_reset(gd_cells *C);

void gd_cells_free(gd_cells *C);

/* Keeps a problem of the rows themselves, found while reading them (a
 * ragged row, a number too large, a broken quote), for gd_cells_finish to
 * report first, before those of the cells (up to GD_MAX_PROBLEMS, the rest
 * counted). Not thread-safe: the sequential reading path calls it. */
void gd_cells_row_problem(gd_cells *C, const gd_error *e);

/* How many gd_cells_row_problem has been given since the last reset. */
size_t gd_cells_row_problems(const gd_cells *C);

/* Where cell c (a feature, or nfeatures for the target) of data row `row`
 * is in the file: sets *line and *column and returns 1, or returns 0 when
 * it cannot tell (the input cannot be read again). */
typedef int (*gd_cells_locate_fn)(const void *ctx, size_t row, size_t c, long *line,
                                  long *column);

/* Lets gd_cells_finish name the place of a cell that no sink kept (the
 * first number in a column of texts) by asking locate. */
void gd_cells_set_locate(gd_cells *C, gd_cells_locate_fn locate, const void *ctx);

/* Whether column c must go through gd_cells_take even when it parses as a
 * number (a categorical column, or any column with decimal commas). */
int gd_cells_all(const gd_cells *C, size_t c);

/* Takes a cell of column c (trimmed text[0..len), at line:column) that the
 * number parser did not accept, or any cell when gd_cells_all(C, c). */
gd_cell_kind gd_cells_take(gd_cells *C, int sink, size_t c, const char *text, size_t len,
                           long line, long column, double *out);

/* Rows [first_row, next span's first_row) were parsed by sink `sink`. */
typedef struct gd_cells_span {
    size_t first_row;
    int sink;
} gd_cells_span;

/* Turns the raw table in ds (n rows, nfeatures raw columns, names of the
 * raw columns) into the design matrix: see the file comment. spans
 * (nspans, by first_row, the first at row 0) say which sink read which
 * rows. On success ds->encoding is set. Problems go to report (may be NULL)
 * and the first one to err. */
gd_status gd_cells_finish(gd_cells *C, gd_dataset *ds, const gd_cells_span *spans,
                          size_t nspans, gd_load_report *report, gd_error *err);

#endif
