/*
 * split: cut a CSV file into a training part and a held-out test part.
 *
 * Both parts keep the input's header line, and every data row is copied byte
 * for byte (quotes, spacing, number spelling and line end as they were), so a
 * row in either part is exactly a row of the input. Rows keep their file
 * order within each part. Which rows go to the test part is decided by a
 * seeded shuffle (rng's xoshiro256**), so a seed always picks the same rows,
 * on every platform.
 *
 * How many rows the test part gets, for n data rows:
 * - test in (0, 1) is a fraction: ceil(test * n) rows, where a product that
 *   is a whole number but for rounding counts as that number (0.7 of 10 rows
 *   is 7, not 8). This is scikit-learn's train_test_split rule.
 * - test >= 1 is a count and must be a whole number.
 * Both parts must get at least one row.
 */
#ifndef GDTRAIN_SPLIT_H
#define GDTRAIN_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "gdtrain/error.h"

typedef struct gd_split_options {
    const char *in;    /* CSV to read; "-" is standard input */
    char delimiter;    /* field separator, to check that rows are whole */
    double test;       /* fraction in (0, 1) or whole count >= 1 (see above) */
    uint64_t seed;     /* seed of the shuffle that picks the test rows */
    const char *train; /* output file for the training rows */
    const char *test_path; /* output file for the test rows */
} gd_split_options;

typedef struct gd_split_info {
    size_t rows;       /* data rows in the input (the header not counted) */
    size_t train_rows; /* rows written to the training part */
    size_t test_rows;  /* rows written to the test part */
} gd_split_info;

/* The number of test rows for n data rows and a --test value, by the rule
 * above; 0 when test is neither a fraction in (0, 1) nor a whole number
 * >= 1. Cannot fail. */
size_t gd_split_test_rows(double test, size_t n);

/* Reads o->in whole (into memory, so standard input works too), checks that
 * it is CSV with a header and that every row has the header's number of
 * fields, and writes o->train and o->test_path, each atomically (see
 * atomicfile.h). Both parts are written in full before either is renamed
 * into place, so a failure while reading or writing leaves both outputs as
 * they were; only a failed rename of the second part, after the first was
 * renamed, leaves the new training part next to the old test part. A last
 * row without a line end gets the header's line end (LF or CRLF). Fills
 * *info on success. Errors: GD_ERR_USAGE for a test size that leaves a part
 * empty or outputs that name the same file; GD_ERR_DATA (file, line, column)
 * for malformed CSV, a missing header or a row with the wrong number of
 * fields; GD_ERR_IO for unreadable input or unwritable outputs, GD_ERR_NOMEM
 * for no memory. */
gd_status gd_split_file(const gd_split_options *o, gd_split_info *info, gd_error *err);

#endif
