/*
 * cv: K-fold cross-validation on top of the fit stages. See cv.h.
 */
#include "train/cv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/folds.h"
#include "gdtrain/fit.h"
#include "gdtrain/rng.h"

gd_status gd_cv_assign(size_t n, size_t k, int shuffle, uint64_t seed, size_t *fold,
                       gd_error *err)
{
    if (k < 2 || k > n)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "%zu folds on %zu rows: cross-validation needs 2 to %zu folds",
                            k, n, n);
    /* calloc, not malloc: the sizes add up to n, so every entry is written,
     * but the static analyzer cannot follow that arithmetic. */
    size_t *order = calloc(n, sizeof *order);
    if (order == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    if (shuffle) {
        gd_rng rng;
        gd_rng_seed(&rng, seed);
        gd_rng_shuffle(&rng, order, n);
    }
    /* KFold's sizes: n / k each, the first n % k one more. */
    size_t pos = 0;
    for (size_t f = 0; f < k; f++) {
        size_t size = n / k + (f < n % k ? 1 : 0);
        for (size_t i = 0; i < size; i++)
            fold[order[pos++]] = f;
    }
    free(order);
    return GD_OK;
}

void gd_cv_result_free(gd_cv_result *res)
{
    if (res == NULL)
        return;
    free(res->folds);
    memset(res, 0, sizeof *res);
}

/* The population variance of the target of ds, in its units (two passes). */
static double target_variance(const gd_dataset *ds)
{
    double mean = 0, ss = 0;
    for (size_t i = 0; i < ds->n; i++)
        mean += ds->y[i];
    mean /= (double)ds->n;
    for (size_t i = 0; i < ds->n; i++)
        ss += (ds->y[i] - mean) * (ds->y[i] - mean);
    return ss / (double)ds->n;
}

/* The fold's training rows (in_fold 0) and its held-out rows (1): encoded
 * from the training rows alone when raw holds raw inputs. */
static gd_status fold_parts(const gd_dataset *raw, const unsigned char *in_fold,
                            gd_fit_data *fd, size_t *unseen, gd_error *err)
{
    *unseen = 0;
    if (raw->encoding != NULL)
        return gd_dataset_encode_parts(raw, in_fold, &fd->train, &fd->val, unseen, err);
    gd_status st = gd_dataset_select(raw, in_fold, 0, &fd->train, err);
    if (st == GD_OK)
        st = gd_dataset_select(raw, in_fold, 1, &fd->val, err);
    return st;
}

/* Trains on every fold but f and scores on f. */
static gd_status run_fold(const gd_dataset *raw, const unsigned char *in_fold,
                          const gd_train_config *cfg, gd_cv_fold *out, gd_error *err)
{
    gd_fit_data fd;
    memset(&fd, 0, sizeof fd);
    gd_fit_result fr;
    memset(&fr, 0, sizeof fr);
    gd_status st = fold_parts(raw, in_fold, &fd, &out->unseen, err);
    double val_var = st == GD_OK ? target_variance(&fd.val) : NAN;
    /* Standardized with the training part's statistics only. */
    if (st == GD_OK)
        st = cfg->no_intercept ? gd_dataset_scale_origin(&fd.train, &fd.scaling, err)
                               : gd_dataset_standardize(&fd.train, &fd.scaling, err);
    if (st == GD_OK) {
        gd_dataset_apply_scaling(&fd.val, &fd.scaling);
        gd_fit_options fo = {.no_optimum = 1};
        st = gd_fit_run(&fd, cfg, &fo, &fr, err);
    }
    if (st == GD_OK) {
        out->train_rows = fd.train.n;
        out->val_rows = fd.val.n;
        out->reason = fr.train.reason;
        out->epochs = fr.train.epochs;
        int ok = fr.train.reason != GD_STOP_DIVERGED;
        out->train_mse = ok ? fr.train.train_loss * fr.loss_scale : NAN;
        out->val_mse = ok ? fr.train.val_loss * fr.loss_scale : NAN;
        out->val_rmse = sqrt(out->val_mse);
        out->val_r2 = val_var > 0 ? 1 - out->val_mse / val_var : NAN;
    }
    gd_fit_result_free(&fr);
    gd_fit_data_free(&fd);
    return st;
}

static gd_cv_stat stat_of(const double *v, size_t k)
{
    double sum = 0, ss = 0;
    for (size_t f = 0; f < k; f++)
        sum += v[f];
    double mean = sum / (double)k;
    for (size_t f = 0; f < k; f++)
        ss += (v[f] - mean) * (v[f] - mean);
    return (gd_cv_stat){mean, sqrt(ss / (double)k)};
}

/* Mean and sd of the folds' val MSE, RMSE and R^2. */
static gd_status summarize(gd_cv_result *res, gd_error *err)
{
    size_t k = res->done;
    double *v = malloc(3 * (k ? k : 1) * sizeof *v);
    if (v == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t f = 0; f < k; f++) {
        v[f] = res->folds[f].val_mse;
        v[k + f] = res->folds[f].val_rmse;
        v[2 * k + f] = res->folds[f].val_r2;
    }
    res->mse = stat_of(v, k);
    res->rmse = stat_of(v + k, k);
    res->r2 = stat_of(v + 2 * k, k);
    free(v);
    return GD_OK;
}

gd_status gd_cv_run(const gd_dataset *raw, size_t k, int shuffle, uint64_t seed,
                    const gd_train_config *cfg, gd_cv_result *res, gd_error *err)
{
    memset(res, 0, sizeof *res);
    if (cfg->early_stop)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "early stopping with cross-validation would pick the epoch "
                            "on the very rows it scores");
    const size_t n = raw->n;
    size_t *fold = calloc(n ? n : 1, sizeof *fold); /* calloc: see gd_cv_assign */
    unsigned char *in_fold = malloc(n ? n : 1);
    res->folds = calloc(k ? k : 1, sizeof *res->folds);
    gd_status st = fold && in_fold && res->folds
                       ? gd_cv_assign(n, k, shuffle, seed, fold, err)
                       : gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    res->k = k;
    res->shuffle = shuffle;
    for (size_t f = 0; st == GD_OK && f < k; f++) {
        for (size_t i = 0; i < n; i++)
            in_fold[i] = fold[i] == f;
        st = run_fold(raw, in_fold, cfg, &res->folds[f], err);
        if (st != GD_OK)
            break;
        res->done++;
        res->diverged += res->folds[f].reason == GD_STOP_DIVERGED;
        if (res->folds[f].reason == GD_STOP_INTERRUPTED)
            break; /* the folds so far are the result */
    }
    if (st == GD_OK)
        st = summarize(res, err);
    free(fold);
    free(in_fold);
    return st;
}
