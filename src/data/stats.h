/*
 * stats: the standardization statistics gathered a piece of rows at a
 * time, with the bits of gd_dataset_standardize.
 *
 * Both passes (the sums of the values, then of the squared deviations from
 * the means) run over fixed blocks of GD_STATS_BLOCK rows counted from row
 * 0 of the data: each block sums its rows in order from zero (Neumaier
 * compensated sums), and the blocks' sums are folded into the running
 * totals in block order. A piece is any run of whole blocks, so rows read a
 * chunk at a time from a file give the same statistics as the matrix in
 * memory (which is one piece): gd_dataset_standardize is built on this.
 *
 * Use: create; gd_stats_add every piece in row order; gd_stats_means; add
 * every piece again, in the same order; gd_stats_finish; gd_stats_apply to
 * turn each piece into z-scores.
 */
#ifndef GDTRAIN_DATA_STATS_H
#define GDTRAIN_DATA_STATS_H

#include <stddef.h>

#include "core/parallel.h"
#include "gdtrain/dataset.h"
#include "gdtrain/error.h"

/* Rows per block of the passes. Every piece but a pass's last must hold a
 * multiple of it. */
#define GD_STATS_BLOCK 8192

typedef struct gd_stats gd_stats;

/* Statistics of d feature columns and, when has_y, a target; center 0
 * scales without centering (gd_dataset_scale_origin). Pieces hold at most
 * max_rows rows; their blocks run on up to threads threads (0 = the online
 * CPUs). GD_ERR_NOMEM, *out NULL then. */
gd_status gd_stats_create(gd_stats **out, size_t d, int has_y, int center, size_t max_rows,
                          int threads, gd_error *err);

/* Adds count rows (x (count, d) row-major, y (count) or NULL without a
 * target), the next ones of the data, to the current pass. Cannot fail. */
void gd_stats_add(gd_stats *st, const double *x, const double *y, size_t count);

/* Ends the first pass (at least one row): the means. ds names the columns
 * for an error; when ds->x holds the whole data, a column whose sum
 * overflowed is summed again scaled, as gd_dataset_standardize does;
 * otherwise (x NULL: streamed) that is a GD_ERR_DATA error naming it. */
gd_status gd_stats_means(gd_stats *st, const gd_dataset *ds, gd_error *err);

/* Ends the second pass: fills *sc (allocates; free with gd_scaling_free).
 * GD_ERR_DATA naming a column of ds whose spread overflowed, GD_ERR_NOMEM;
 * *sc empty then. */
gd_status gd_stats_finish(gd_stats *st, const gd_dataset *ds, gd_scaling *sc, gd_error *err);

/* Z-scores of n rows in place by sc, as gd_dataset_apply_scaling (y may
 * be NULL), on pool's threads (NULL: the caller's). */
void gd_stats_apply(const gd_scaling *sc, double *x, double *y, size_t n, gd_pool *pool);

/* The statistics gd_dataset_standardize would find for ds, without
 * turning ds into z-scores (ds is not changed). */
gd_status gd_stats_scaling(const gd_dataset *ds, gd_scaling *sc, gd_error *err);

/* Frees st. Accepts NULL. */
void gd_stats_free(gd_stats *st);

#endif
