/*
 * cv: K-fold cross-validation of a training configuration.
 *
 * The rows are cut into K folds as scikit-learn's KFold does: without
 * shuffling, contiguous in file order, the first n mod K folds one row
 * longer than the others (n / K rows); with shuffling, the same sizes taken
 * from a seeded permutation of the rows (this library's rng, so the folds
 * are not scikit-learn's for the same seed). For each fold the model is
 * trained on the other folds, standardized with their statistics only, and
 * scored on the fold: validation MSE, RMSE and R^2 (against the fold's own
 * mean, as r2_score does), in the target's units. A table loaded with the
 * encoding rules is encoded per fold too (data/folds.h): the levels and
 * the fills of --na mean come from the fold's training rows only.
 */
#ifndef GDTRAIN_TRAIN_CV_H
#define GDTRAIN_TRAIN_CV_H

#include <stddef.h>
#include <stdint.h>

#include "gdtrain/dataset.h"
#include "gdtrain/error.h"
#include "gdtrain/trainer.h"

typedef struct gd_cv_fold {
    size_t train_rows;     /* rows trained on */
    size_t val_rows;       /* rows scored */
    gd_stop_reason reason; /* how its training stopped */
    long epochs;
    double train_mse;      /* on its training rows, target units squared */
    double val_mse;        /* on the fold; NaN if training diverged */
    double val_rmse;
    double val_r2;         /* NaN also when the fold's target is constant */
    size_t unseen;         /* held-out rows with a level (or a missing cell)
                              its training rows lack, read as the reference */
} gd_cv_fold;

/* Mean and population standard deviation (ddof = 0, numpy's default) over
 * the folds; NaN when any fold's value is NaN. */
typedef struct gd_cv_stat {
    double mean, sd;
} gd_cv_stat;

typedef struct gd_cv_result {
    size_t k;
    int shuffle;
    size_t done;           /* folds that ran: k, or fewer when training was
                              interrupted (the last one's reason says so) */
    gd_cv_fold *folds;     /* (k), the first done filled */
    gd_cv_stat mse, rmse, r2; /* over the folds done */
    int diverged;          /* folds whose training diverged */
} gd_cv_result;

/* fold[i] (i < n) receives the fold of row i, by the rule above. k must be
 * >= 2 and <= n (GD_ERR_USAGE otherwise). GD_ERR_NOMEM if out of memory. */
gd_status gd_cv_assign(size_t n, size_t k, int shuffle, uint64_t seed, size_t *fold,
                       gd_error *err);

/* Cross-validates cfg on raw (the rows as loaded, not standardized; not
 * changed; when raw->encoding is set, loaded with raw_inputs): K trainings, one per fold, each with cfg as it is (its seed,
 * threads and interrupt flag included; its early stopping must be off,
 * since the fold it would watch is the one being scored: GD_ERR_USAGE).
 * A fold whose training diverges is a result (NaN scores), not an error.
 * Fills *res (free with gd_cv_result_free, whatever the status). */
gd_status gd_cv_run(const gd_dataset *raw, size_t k, int shuffle, uint64_t seed,
                    const gd_train_config *cfg, gd_cv_result *res, gd_error *err);

/* Frees what *res holds and zeroes it. Accepts a zeroed struct. */
void gd_cv_result_free(gd_cv_result *res);

#endif
