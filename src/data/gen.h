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

/* What gd_gen_write_table makes. */
typedef struct gd_gen_options {
    size_t rows;
    uint64_t seed;
    int categories;  /* 1: add the columns neighbourhood (12 names, one with a
                        comma, so quoted), pool (yes/no) and zip (60 numeric
                        codes) before the price, with effects on it */
    double missing;  /* each feature cell is left empty with this
                        probability, in [0, 1); the price never is */
} gd_gen_options;

/* Like gd_gen_write, with categorical columns and missing cells as opt
 * says; with neither, the same bytes as gd_gen_write. The numeric features
 * are drawn as without them; the categories and the empty cells come from
 * streams of their own (seeded from the seed), and the categories' effects
 * add to the price (so the row-rejection rule may then differ). */
gd_status gd_gen_write_table(FILE *out, const char *name, const gd_gen_options *opt,
                             gd_error *err);

/* The categorical columns' true effects on the price, against the first
 * level in byte order (Ashford; pool "no"; zip 10001 has effect -10000, so
 * the others' effects against it are gd_gen_zip_effect(k) + 10000). */
#define GD_GEN_ZIPS 60
extern const char *const gd_gen_neighbourhoods[];
extern const double gd_gen_neighbourhood_effect[];
extern const size_t gd_gen_nneighbourhoods;
extern const double gd_gen_pool_effect;
long gd_gen_zip(size_t k);
double gd_gen_zip_effect(size_t k);

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
