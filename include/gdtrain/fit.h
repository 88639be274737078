/*
 * fit: the library's front door. One call loads a CSV file, standardizes
 * it, trains, compares the result with the exact optimum of the same
 * objective and builds the model in original units:
 *
 *     gd_fit_request req = {.source = {.path = "houses.csv"}, .config = &cfg};
 *     gd_fit_result res;
 *     gd_model model;
 *     if (gd_fit(&req, &res, &model, &err) == GD_OK) ...
 *
 * The stages are public too, for callers that train many times on the same
 * data (a sweep, cross-validation) or report between stages (the command
 * line): gd_fit_data_load, gd_fit_run, gd_fit_model. The relative gap, the
 * penalty term and warm starts are computed here and nowhere else, so every
 * caller reports the same numbers.
 */
#ifndef GDTRAIN_FIT_H
#define GDTRAIN_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "gdtrain/dataset.h"
#include "gdtrain/error.h"
#include "gdtrain/model.h"
#include "gdtrain/solve.h"
#include "gdtrain/trainer.h"

/* Where the rows come from and which are held out. */
typedef struct gd_fit_source {
    const char *path;             /* CSV file; "-" = standard input */
    char delimiter;               /* 0 = ',' */
    const char *target;           /* NULL = the last column */
    const char *const *features;  /* feature columns in this order; NULL = all others */
    size_t nfeatures;
    double val_split;             /* fraction of rows held out for validation; 0 = none */
    uint64_t split_seed;          /* which rows val_split holds out */
    const char *val_path;         /* validation rows from this file instead, or NULL */
    int threads;                  /* 0 = every online CPU */
    const gd_load_options *rules; /* the encoding rules for the training file
                                     (encode, categorical, exclude, na, ...,
                                     report; its path and columns are not
                                     used), or NULL for none; the validation
                                     file gets the training data's encoding */
    gd_load_report *val_report;   /* the validation file's problems and notes,
                                     or NULL */
    int no_intercept;             /* 1: scale without centering (gd_dataset_scale_origin),
                                     for a model through the origin */
    const char *cache;            /* the training file's binary cache: read
                                     when it holds this file and these
                                     options, else (re)written; NULL = none */
    gd_cache_outcome *cache_outcome; /* what the cache did, or NULL */
    int stream;                   /* 1: never hold the rows: read them a chunk at a
                                     time on every pass (data larger than memory);
                                     numeric tables (no categorical columns),
                                     validation rows from val_path only */
} gd_fit_source;

/* The rows of a fit, standardized. */
typedef struct gd_fit_data {
    gd_dataset train;  /* z-scored with scaling */
    gd_dataset val;    /* validation rows, z-scored with the training rows'
                          statistics; n = 0 when there are none */
    gd_scaling scaling;
    int have_optimum;  /* 1: optimum is the exact optimum of the default
                          objective (no penalty, with intercept) on train,
                          kept in the cache (src->cache): gd_fit_run and
                          gd_fit_optimum_of use it instead of solving */
    gd_solve_info optimum;
} gd_fit_data;

/* Loads src into *fd: reads the file, holds out the validation rows
 * (val_split, or the rows of val_path, read with the training columns by
 * name), and standardizes both with the training rows' statistics only.
 * Both val_split and val_path is GD_ERR_USAGE. On error *fd is safe to
 * free; errors about a whole column name the file. */
gd_status gd_fit_data_load(gd_fit_data *fd, const gd_fit_source *src, gd_error *err);

/* Frees what *fd holds and zeroes it. Accepts a zeroed struct. */
void gd_fit_data_free(gd_fit_data *fd);

/* gd_fit_optimum of fd->train, or, for the default objective (l1 = l2 = 0,
 * with intercept), the one fd keeps from the cache when it has it: the
 * same numbers. */
gd_status gd_fit_optimum_of(const gd_fit_data *fd, double l1, double l2, int no_intercept,
                            gd_solve_info *info, gd_error *err);

/* The optimum of the objective cfg's run minimizes on ds, for the gap:
 * exact least squares (ridge with l2), or with l1 > 0 the coordinate-descent
 * elastic net; through the origin with no_intercept. Fills *info. */
gd_status gd_fit_optimum(const gd_dataset *ds, double l1, double l2, int no_intercept,
                         gd_solve_info *info, gd_error *err);

/* The penalty l2 |w|^2 + l1 |w|_1 of params (d weights, then the bias):
 * gd_loss_penalty, which the trainer's stopping rules use, with the
 * lambdas in this header's order (l1 first). */
double gd_fit_penalty(const double *params, size_t d, double l1, double l2);

/* The relative gap (value - optimum) / optimum, or NaN when the optimum is
 * an exact fit: at most 1e-12 of scale (the MSE of predicting the mean),
 * where the ratio would only measure rounding. */
double gd_relative_gap(double value, double optimum, double scale);

/* A warm start: the function of the model file at path, in fd's
 * standardized units, as d + 1 parameters. The model must have exactly the
 * data's feature names, in any order (GD_ERR_DATA otherwise). */
gd_status gd_fit_warm_start(const char *path, const gd_fit_data *fd, double *params,
                            gd_error *err);

struct gd_checkpoint; /* a paused run (internal) */

/* How gd_fit_run trains, beyond the configuration. Zero = the defaults. */
typedef struct gd_fit_options {
    const char *init_from;     /* warm start from this model file (cfg->init must be
                                  GD_INIT_GIVEN), or NULL */
    const struct gd_checkpoint *resume; /* continue this paused run, or NULL */
    const char *resume_path;   /* its file, named in errors about it */
    const gd_solve_info *optimum; /* the optimum, when the caller has it already
                                  (a sweep on the same data and penalties); NULL =
                                  computed */
    int no_optimum;            /* 1: do not compute it (gap NaN) */
    gd_epoch_fn on_epoch;      /* called after every epoch, or NULL */
    void *user;                /* for on_epoch */
} gd_fit_options;

/* What a fit found. Losses are on standardized data: times loss_scale they
 * are in the target's units squared. */
typedef struct gd_fit_result {
    size_t rows;             /* training rows */
    size_t nparams;          /* d + 1 */
    double *params;          /* (nparams) trained [w, b], standardized; owned */
    gd_train_state state;    /* where training stopped (for a checkpoint); owned */
    gd_train_result train;   /* epochs, stop reason, losses */
    int have_optimum;        /* 1 if optimum holds the optimum */
    gd_solve_info optimum;   /* of the same objective */
    gd_error optimum_err;    /* why there is no optimum, when have_optimum is 0
                                and it was asked for */
    double penalty;          /* gd_fit_penalty of params */
    double gap;              /* gd_relative_gap of train_loss + penalty; NaN when
                                there is no optimum or it is an exact fit */
    double loss_scale;       /* y_std^2 */
} gd_fit_result;

/* Trains on fd with cfg (val rows used when fd has them; cfg->val is
 * ignored), from cfg->init or opt's warm start or checkpoint, then measures
 * the gap. The configuration is checked as gd_train_config_check does, and
 * early stopping needs validation rows (GD_ERR_USAGE). Returns GD_OK
 * whenever training ran, including divergence (res->train.reason says so);
 * *res must then be freed with gd_fit_result_free (also on error: it is
 * always safe to free). opt may be NULL. */
gd_status gd_fit_run(const gd_fit_data *fd, const gd_train_config *cfg,
                     const gd_fit_options *opt, gd_fit_result *res, gd_error *err);

/* Frees what *res holds and zeroes it. Accepts a zeroed struct. */
void gd_fit_result_free(gd_fit_result *res);

/* The model of res in original units: fd's names and scaling, res's
 * parameters. On error (out of memory) *m is safe to free. */
gd_status gd_fit_model(const gd_fit_data *fd, const double *params, gd_model *m,
                       gd_error *err);

/* Everything in one call. */
typedef struct gd_fit_request {
    gd_fit_source source;
    const gd_train_config *config;
    gd_fit_options options;
} gd_fit_request;

/* Loads req->source, trains with req->config and builds *model (original
 * units). A run that diverged returns GD_OK with res->train.reason
 * GD_STOP_DIVERGED and no model (*model zeroed). Free *res with
 * gd_fit_result_free and *model with gd_model_free, whatever the status. */
gd_status gd_fit(const gd_fit_request *req, gd_fit_result *res, gd_model *model,
                 gd_error *err);

#endif
