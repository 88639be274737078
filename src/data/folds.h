/*
 * folds: the design matrices of a training part and a held-out part of a
 * table, with the encoding learnt from the training part alone, so that
 * nothing of the held-out rows (their levels, their values in a mean) goes
 * into what the model is trained on. Cross-validation encodes each fold
 * this way.
 */
#ifndef GDTRAIN_DATA_FOLDS_H
#define GDTRAIN_DATA_FOLDS_H

#include <stddef.h>
#include <stdint.h>

#include "gdtrain/dataset.h"
#include "gdtrain/error.h"

/* The rows a validation fraction holds out of n (gd_dataset_split's):
 * held[i] = 1 for the first k = round(fraction * n) of a permutation of
 * the rows seeded by seed, 0 for the others (held: n bytes). GD_ERR_USAGE
 * when either part would be empty, GD_ERR_NOMEM if out of memory. */
gd_status gd_split_rows(size_t n, double fraction, uint64_t seed, unsigned char *held,
                        size_t *k, gd_error *err);

/* raw was loaded with the encoding rules and raw_inputs (one column per
 * input of raw->encoding). *train gets the rows i with part[i] == 0 and
 * *val those with part[i] == 1, in raw's order, each as a design matrix
 * under the encoding learnt from the training rows alone, which
 * train->encoding holds:
 *   - a numeric input's fill is the mean of its present cells in the
 *     training rows (Neumaier's sum in row order, as the loader's);
 *   - a categorical input's levels are those that occur in the training
 *     rows, in byte order (the first is the reference), with the (missing)
 *     level under GD_NA_MEAN when a training row misses the cell.
 * The held-out rows are encoded as predict encodes new rows: a level the
 * training rows lack, or a missing categorical cell without a (missing)
 * level, is read as the reference level; *unseen counts those rows.
 * GD_ERR_DATA when the training rows leave no design column, GD_ERR_NOMEM
 * if out of memory; *train and *val are safe to free whatever the status. */
gd_status gd_dataset_encode_parts(const gd_dataset *raw, const unsigned char *part,
                                  gd_dataset *train, gd_dataset *val, size_t *unseen,
                                  gd_error *err);

#endif
