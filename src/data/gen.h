/*
 * gen: the seeded generator of synthetic house-price tables.
 *
 * Makes data/houses.csv and the large files for benchmarks. The generating
 * formula and its true coefficients are documented in data/README.md and
 * exposed here so that tests can compare a fit against the truth.
 *
 * The table has the columns of gd_gen_columns, in that order:
 *     area_sqm,age_years,bedrooms,bathrooms,distance_km,lot_sqm,garage,price
 * area with 1 decimal, distance with 2, the others as whole numbers. The
 * price is gd_gen_true_intercept + sum_j gd_gen_true_coef[j] * x_j + noise,
 * computed from the feature values exactly as written, then rounded to a
 * whole number.
 */
#ifndef GDTRAIN_GEN_H
#define GDTRAIN_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gdtrain/error.h"

/* Writes the header line and `rows` data rows of CSV (LF line ends, '.' as
 * decimal point whatever the locale) to out, then flushes out; it does not close it. rows may be
 * 0 (header only). The same rows and seed give the same bytes on every
 * platform with IEEE doubles, and the first k rows of a longer file are the
 * k rows of a shorter one with the same seed.
 *
 * Returns GD_OK, GD_ERR_IO if a write or the flush fails, or GD_ERR_NOMEM if
 * the 64 KiB output buffer cannot be allocated; err then names `name` (which may be
 * NULL) and out may hold a partial table. Uses no global state, so calls may
 * run concurrently on different streams. */
gd_status gd_gen_write(FILE *out, const char *name, size_t rows, uint64_t seed,
                       gd_error *err);

/* The column names in file order (gd_gen_ncolumns of them, 8); the last one,
 * "price", is the target. */
extern const char *const gd_gen_columns[];
extern const size_t gd_gen_ncolumns;

/* The true intercept and coefficients (gd_gen_ncolumns - 1 of them, one per
 * feature column, file order) of the noise-free linear part of the price, in
 * currency units per unit of the feature. */
extern const double gd_gen_true_intercept;
extern const double gd_gen_true_coef[];

#endif
