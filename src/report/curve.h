/*
 * curve: loss-curve files, and the comparison of two curves.
 *
 * A loss curve is one row per epoch. Its file is CSV with the header
 *     epoch,train_loss,val_loss,grad_norm,lr,seconds
 * and one line per epoch. Every number but seconds is written as the shortest
 * decimal that reads back as the same double (numformat.h), so
 * reading a file back gives the same bits and the same run writes the same
 * bytes; seconds (wall time) is written with %.6f and is the only column that
 * changes from run to run. A NaN is written as an empty cell (val_loss is
 * empty when the run has no validation set), an infinity as "inf" or "-inf".
 *
 * Writing is streamed, not atomic: the header and every row are flushed as
 * soon as they are written, so a run that is killed leaves every finished
 * epoch on disk, and a full disk is noticed at the epoch where it happens.
 *
 *     gd_curve_writer w;
 *     if (gd_curve_open(&w, "curve.csv", err) != GD_OK)
 *         return err->status;
 *     for (each epoch) {
 *         gd_curve_row row = {epoch, train_loss, NAN, grad_norm, lr, seconds};
 *         if (gd_curve_append(&w, &row, err) != GD_OK)
 *             break;                   // report err; then close with err NULL
 *     }
 *     st = gd_curve_close(&w, err);
 *
 * Reading (gd_curve_load) is strict about what it uses and lenient about the
 * rest, so that curves written by other tools can be compared too: the header
 * must name the column epoch and every column the caller requires; columns may
 * come in any order, other columns are ignored, names are matched exactly
 * after trimming surrounding spaces. Cells are read with gd_numparse; an empty
 * cell (or "nan") is NaN, "inf"/"-inf" (any case) are infinities; epochs are
 * whole numbers >= 0 that increase from row to row. Anything else is
 * GD_ERR_DATA with FILE:LINE:COL and the text found.
 *
 * Comparison. Two values a (reference) and b (new) agree when
 *     a == b, or both are NaN, or |a - b| <= atol + rtol * max(|a|, |b|)
 * so NaN agrees only with NaN (an empty val_loss in both files is equal) and
 * an infinity only with the same infinity. The defaults are rtol 1e-9 and
 * atol 0: a relative test, loose enough for a different compiler's or libm's
 * last bits, tight enough to catch any change of algorithm. Use rtol 0 to ask
 * for bit-identical curves (a curve read back from its file is bit-identical
 * to the values that were written). The epochs of the two curves must be the
 * same: a row that one curve has and the other lacks is a difference, found
 * at that epoch (so a shorter curve differs at the first epoch it lacks).
 * The first difference in epoch order is reported, with the values and their
 * relative difference |a - b| / max(|a|, |b|).
 *
 * For checking a run against a reference while it trains, gd_curve_check_*
 * compare one row at a time, with exactly the rules of gd_curve_compare:
 *
 *     gd_curve ref;                            // from gd_curve_load(&ref, path, tol.columns, err)
 *     gd_curve_check chk;
 *     gd_curve_diff d;
 *     gd_curve_check_start(&chk, &ref, &tol);
 *     in the epoch callback:  if (!gd_curve_check_row(&chk, &row, &d)) stop training;
 *     after the last epoch:   if (!gd_curve_check_finish(&chk, &d)) the run ended early;
 *     on either failure:      gd_curve_diff_format(&d, &tol, ref_path, "this run", buf, size)
 *
 * The library prints nothing; gd_curve_diff_format writes the message.
 */
#ifndef GDTRAIN_CURVE_H
#define GDTRAIN_CURVE_H

#include <stddef.h>
#include <stdio.h>

#include "gdtrain/error.h"

/* The header line the writer writes (without the newline). */
#define GD_CURVE_HEADER "epoch,train_loss,val_loss,grad_norm,lr,seconds"

/* Default tolerances of the comparison. */
#define GD_CURVE_RTOL 1e-9
#define GD_CURVE_ATOL 0.0

/* The value columns of a curve, in file order (epoch is not one: it is the
 * row's key and always compared). */
typedef enum gd_curve_column {
    GD_CURVE_TRAIN_LOSS = 0,
    GD_CURVE_VAL_LOSS,
    GD_CURVE_GRAD_NORM,
    GD_CURVE_LR,
    GD_CURVE_SECONDS,
    GD_CURVE_NCOLUMNS
} gd_curve_column;

/* A set of columns: bit (1u << column). */
#define GD_CURVE_BIT(column) (1u << (unsigned)(column))
/* The columns that can be compared: all but seconds (wall time). */
#define GD_CURVE_COMPARABLE_COLUMNS \
    (GD_CURVE_BIT(GD_CURVE_SECONDS) - 1u)
/* The columns compared by default: train_loss and val_loss. */
#define GD_CURVE_DEFAULT_COLUMNS \
    (GD_CURVE_BIT(GD_CURVE_TRAIN_LOSS) | GD_CURVE_BIT(GD_CURVE_VAL_LOSS))

/* One epoch of a curve. */
typedef struct gd_curve_row {
    long epoch;        /* >= 0; the trainer counts from 1 */
    double train_loss; /* training loss after this epoch (gdtrain: MSE in the target's units) */
    double val_loss;   /* validation loss; NaN when there is none */
    double grad_norm;  /* norm of the full-data gradient */
    double lr;         /* learning rate used in this epoch */
    double seconds;    /* wall time since training started; NaN if unknown */
} gd_curve_row;

/* The column's name as in the header ("train_loss", ...). column must be a
 * value column. */
const char *gd_curve_column_name(gd_curve_column column);

/* The column named name[0..len) (exact match), or -1 if there is none.
 * "epoch" is not a value column: -1. */
int gd_curve_column_find(const char *name, size_t len);

/* The value of column in row. */
double gd_curve_row_value(const gd_curve_row *row, gd_curve_column column);

/* Parses a comma-separated list of comparable column names
 * ("train_loss,val_loss"; spaces around names allowed) into a set in
 * *columns. On error returns GD_ERR_USAGE (an empty list or name, an unknown
 * name, listing the known ones, or seconds, which is wall time and never
 * compared) and leaves *columns unchanged. */
gd_status gd_curve_columns_parse(const char *list, unsigned *columns, gd_error *err);

/* Writes the names of the columns in set, comma-separated in file order,
 * into buf (size bytes, truncated if short). Returns buf. */
char *gd_curve_columns_format(unsigned columns, char *buf, size_t size);

/* ---- Writing ---------------------------------------------------------- */

typedef struct gd_curve_writer {
    FILE *fp;    /* the open file; NULL when closed */
    char *path;  /* a copy of the path, for messages */
    int owns_fp; /* 1 unless fp is standard output */
    long rows;   /* rows written */
} gd_curve_writer;

/* Creates (or truncates) the file at path, "-" meaning standard output,
 * writes the header and flushes it. On error returns GD_ERR_IO naming path
 * with the system's reason (cannot create, cannot write; GD_ERR_NOMEM for
 * out of memory), and
 * leaves *w zeroed (safe to close). A file created before a failed header
 * write is left in place. */
gd_status gd_curve_open(gd_curve_writer *w, const char *path, gd_error *err);

/* The same, but with append set, adds rows to the end of an existing curve
 * file without writing a header (a resumed run continuing its curve; the
 * caller checks that the file's last epoch is the one before its first). */
gd_status gd_curve_open_mode(gd_curve_writer *w, const char *path, int append, gd_error *err);

/* Writes one row and flushes it to the file (to the kernel: a killed process
 * loses nothing, though a machine crash may). On a write error returns
 * GD_ERR_IO naming the path and the system's reason; the file then holds the
 * rows before this one and possibly part of this one, and the writer should
 * be closed. Rows are written as given; keeping epochs increasing is the
 * caller's job (the reader insists on it). */
gd_status gd_curve_append(gd_curve_writer *w, const gd_curve_row *row, gd_error *err);

/* Closes the file (standard output is flushed, not closed) and releases *w,
 * which is zeroed. Returns GD_ERR_IO naming the path if closing fails or any
 * earlier write failed, so a caller who already reported an append error may
 * pass err NULL. Accepts a zeroed or already closed writer (then GD_OK). */
gd_status gd_curve_close(gd_curve_writer *w, gd_error *err);

/* Writes row as one CSV line (with its newline) to out, in the writer's
 * format, without flushing. Returns 0, or -1 if a write failed. For callers
 * that manage their own stream; gd_curve_append uses it. */
int gd_curve_format_row(FILE *out, const gd_curve_row *row);

/* ---- Reading ---------------------------------------------------------- */

typedef struct gd_curve {
    gd_curve_row *rows; /* (n) rows in file order, epochs strictly increasing */
    size_t n;           /* number of rows; 0 for a file with only a header */
    unsigned columns;   /* the value columns the file has; those it lacks are NaN in rows */
} gd_curve;

/* Reads the curve file at path ("-" = standard input) into *c. required is a
 * set of value columns (GD_CURVE_BIT) the header must have, besides epoch.
 * Returns GD_ERR_IO if the file cannot be read, GD_ERR_NOMEM out of memory;
 * GD_ERR_DATA with FILE:LINE:COL for: an empty file, a header without epoch
 * or a required column, a column named twice, a row with more or fewer
 * fields than the header, a cell that is not a number as described above, an
 * epoch that is not a whole number >= 0 or not larger than the previous
 * row's; malformed CSV. On error *c is zeroed. Free with gd_curve_free. */
gd_status gd_curve_load(gd_curve *c, const char *path, unsigned required, gd_error *err);

/* Frees the rows and zeroes *c. Accepts a zeroed struct. */
void gd_curve_free(gd_curve *c);

/* The row of epoch in c (binary search), or NULL. */
const gd_curve_row *gd_curve_find(const gd_curve *c, long epoch);

/* ---- Comparing -------------------------------------------------------- */

typedef struct gd_curve_tol {
    double rtol;      /* relative tolerance, >= 0 (default GD_CURVE_RTOL) */
    double atol;      /* absolute tolerance, >= 0 (default GD_CURVE_ATOL) */
    unsigned columns; /* the value columns compared (default GD_CURVE_DEFAULT_COLUMNS);
                         seconds may be included here, though the parser refuses it */
} gd_curve_tol;

/* Fills *tol with the defaults. */
void gd_curve_tol_default(gd_curve_tol *tol);

typedef enum gd_curve_diff_kind {
    GD_CURVE_SAME = 0,  /* no difference */
    GD_CURVE_VALUE,     /* a value differs: epoch, column, ref_value, new_value, rel */
    GD_CURVE_ONLY_REF,  /* epoch is in the reference only (the new curve is shorter or skips it) */
    GD_CURVE_ONLY_NEW   /* epoch is in the new curve only (the reference is shorter or skips it) */
} gd_curve_diff_kind;

typedef struct gd_curve_diff {
    gd_curve_diff_kind kind;
    long epoch;               /* where the first difference is; 0 when SAME */
    gd_curve_column column;   /* VALUE: the first differing column, in file order */
    double ref_value;         /* VALUE: the reference's value */
    double new_value;         /* VALUE: the new curve's value */
    double rel;               /* VALUE: |a - b| / max(|a|, |b|); +inf if one is NaN
                                 or infinite and the other is not the same */
    size_t ref_rows;          /* rows of the reference (whole comparison), or rows
                                 checked so far (row checks) */
    size_t new_rows;          /* rows of the new curve (likewise) */
    size_t rows_compared;     /* rows whose epochs matched and whose values were compared */
    double max_rel;           /* the largest rel among the values that agreed */
} gd_curve_diff;

/* Whether a (reference) and b (new) agree under tol's rtol and atol; the
 * rule above. Stores their relative difference in *rel if rel is not NULL. */
int gd_curve_values_agree(double a, double b, const gd_curve_tol *tol, double *rel);

/* Compares the columns tol->columns of two rows of the same epoch (the
 * epochs are not looked at). Returns 1 if they agree; otherwise 0, with the
 * first differing column in *diff (kind VALUE, epoch = ref->epoch). diff may
 * be NULL. Cannot fail. */
int gd_curve_compare_row(const gd_curve_row *ref, const gd_curve_row *new_row,
                         const gd_curve_tol *tol, gd_curve_diff *diff);

/* Compares two whole curves. Returns 1 if they agree (diff->kind SAME, with
 * the row counts and max_rel filled in), else 0 with the first difference in
 * epoch order in *diff. diff must not be NULL. Cannot fail. Load both curves
 * requiring tol->columns: a column missing from a file reads as NaN, and
 * NaN agrees with NaN. */
int gd_curve_compare(const gd_curve *ref, const gd_curve *new_curve,
                     const gd_curve_tol *tol, gd_curve_diff *diff);

/* State of a row-by-row comparison against a reference curve. */
typedef struct gd_curve_check {
    const gd_curve *ref; /* the reference; must outlive the check */
    gd_curve_tol tol;    /* a copy of the tolerances */
    size_t next;         /* index in ref->rows of the next row expected */
    size_t rows;         /* rows given to gd_curve_check_row so far */
    double max_rel;      /* the largest relative difference so far */
    int failed;          /* a difference was found */
} gd_curve_check;

/* Starts a check of rows against ref with tolerances tol. Cannot fail. */
void gd_curve_check_start(gd_curve_check *chk, const gd_curve *ref, const gd_curve_tol *tol);

/* Checks the next row of the run. Returns 1 if it agrees with the reference
 * row of the same epoch and no reference epoch was skipped; otherwise 0 with
 * the difference in *diff (VALUE, or ONLY_NEW when the reference has no such
 * epoch, or ONLY_REF when the run skipped a reference epoch). Rows must come
 * with increasing epochs. After a difference, every call returns 0 and
 * leaves *diff alone. diff may be NULL. */
int gd_curve_check_row(gd_curve_check *chk, const gd_curve_row *row, gd_curve_diff *diff);

/* Ends the check. Returns 1 if every reference row was matched, else 0 with
 * ONLY_REF at the first reference epoch the run did not reach in *diff (or
 * 0 without touching *diff if an earlier row already differed). On success
 * *diff (if not NULL) gets kind SAME with the row counts and max_rel. */
int gd_curve_check_finish(gd_curve_check *chk, gd_curve_diff *diff);

/* Describes a difference in one line (no newline) into buf (size bytes),
 * e.g.
 *   curves differ at epoch 12, column train_loss: 0.52119 (ref.csv) vs
 *   0.52131 (new.csv), relative difference 2.3e-04 > rtol 1e-09
 *   curves differ in length: epoch 13 is in ref.csv but not in new.csv
 *   (ref.csv has 20 rows, new.csv 12)
 * naming the curves ref_name and new_name. Values are shown with as few
 * significant digits (at least 6) as tell them apart; a NaN as "empty". For
 * kind SAME it writes "curves agree". Returns buf. */
char *gd_curve_diff_format(const gd_curve_diff *diff, const gd_curve_tol *tol,
                           const char *ref_name, const char *new_name, char *buf,
                           size_t size);

#endif
