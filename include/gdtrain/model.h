/*
 * model: a trained linear model, its scaling, and its file format.
 *
 * The model predicts in original units:
 *     target = intercept + sum_j weights[j] * x_j
 * It also keeps the parameters it was trained with on standardized data
 * (w_std, b_std) and the scaling, and predicts through them, so a loaded model
 * reproduces the trainer's own predictions bit for bit:
 *     target = y_mean + y_std * (b_std + sum_j w_std[j] * ((x_j - x_mean[j]) / x_std[j]))
 * (terms added in this order, j ascending).
 *
 * Training metadata (optimizer, hyperparameters, seed, epochs, stop reason,
 * losses) is a list of key/value text pairs that the file carries verbatim.
 *
 * The file format (version 1) is line-oriented text, every number written as
 * the shortest decimal that reads back as the same double, in
 * the C locale, so that save -> load is exact:
 *     gdtrain-model 1
 *     target <name>
 *     features <d>
 *     intercept <b>
 *     target_scaling <y_mean> <y_std>
 *     bias_std <b_std>
 *     feature <weight> <w_std> <x_mean> <x_std> <name>      (d lines, X's column order)
 *     info <key> <value>                                    (any number)
 *     end
 * Lines starting with '#' and blank lines are ignored. Names and values run to
 * the end of the line, with "\\" for a backslash, "\n" and "\r" for line breaks.
 *
 * Version 2 adds the encoding (include/gdtrain/encode.h), written only when
 * a model has one that a plain numeric model does not (categorical inputs,
 * a missing-value policy other than error, other NA tokens); other models
 * are still written as version 1, and both versions load:
 *     na_policy <error|drop|mean>
 *     na_token <text>                                       (each NA token)
 *     input numeric <fill> <name>                           (one per input
 *     input categorical <nlevels> <missing 0|1> <name>       column, in order)
 *     level <text>                     (nlevels lines after a categorical input)
 * The feature lines are then the design columns, named "name" and
 * "name=level", and must be those the inputs make.
 */
#ifndef GDTRAIN_MODEL_H
#define GDTRAIN_MODEL_H

#include <stddef.h>

#include "gdtrain/dataset.h"
#include "gdtrain/encode.h"
#include "gdtrain/error.h"

/* The newest version written and read (1 for models without an encoding). */
#define GD_MODEL_FORMAT_VERSION 2

typedef struct gd_model {
    size_t d;             /* number of features */
    char *target;         /* target column name */
    char **features;      /* (d) feature column names */
    double intercept;     /* original units */
    double *weights;      /* (d) original units */
    double b_std;         /* bias on standardized data */
    double *w_std;        /* (d) weights on standardized data */
    gd_scaling scaling;   /* means and stds of X's columns and the target */
    size_t ninfo;         /* metadata pairs */
    char **info_keys;     /* (ninfo) keys: no spaces */
    char **info_values;   /* (ninfo) values: any text */
    gd_encoding *encoding; /* how a table's columns become the features;
                              NULL: the features are the table's columns */
} gd_model;

/* Makes an empty model for d features: names copied from the arguments,
 * parameters zero, scaling identity (mean 0, std 1), no info. On error
 * (GD_ERR_NOMEM: out of memory) *m is left safe to free. */
gd_status gd_model_init(gd_model *m, size_t d, const char *target,
                        const char *const *features, gd_error *err);

/* Frees what *m holds and zeroes it. Accepts a zeroed struct. */
void gd_model_free(gd_model *m);

/* Copies sc into the model's scaling (sc->d must equal m->d). GD_ERR_NOMEM on
 * out of memory. */
gd_status gd_model_set_scaling(gd_model *m, const gd_scaling *sc, gd_error *err);

/* Sets the standardized parameters params = [w_std[0..d), b_std] and derives
 * the original-unit weights and intercept from the scaling. A constant
 * feature column (scaling.constant[j]) gets weight 0 in both. Cannot fail. */
void gd_model_set_params(gd_model *m, const double *params);

/* Gives the model a copy of e (replacing any), or none when e is NULL or
 * plain (gd_encoding_is_plain). GD_ERR_IO on out of memory. */
gd_status gd_model_set_encoding(gd_model *m, const gd_encoding *e, gd_error *err);

/* Sets info key to value (replacing an earlier value). key must be a
 * non-empty word without spaces. GD_ERR_NOMEM on out of memory. */
gd_status gd_model_set_info(gd_model *m, const char *key, const char *value,
                            gd_error *err);

/* The value of info key, or NULL. */
const char *gd_model_get_info(const gd_model *m, const char *key);

/* Prediction for one row x (original units, the model's feature order), by
 * the standardized formula above. */
double gd_model_predict(const gd_model *m, const double *x);

/* Writes the model to path atomically: a temporary file in the same folder,
 * flushed and synced, then renamed over path ("-": to standard output). On any failure (GD_ERR_IO, or
 * GD_ERR_NOMEM) no file is left at path that was not there before, and an existing file is
 * unchanged. A model the file could not carry is refused before anything is
 * written: a non-finite parameter (GD_ERR_TRAIN: training diverged) or a
 * non-finite mean or a std that is not > 0 (GD_ERR_DATA). */
gd_status gd_model_save(const gd_model *m, const char *path, gd_error *err);

/* Reads a model file ("-": standard input) into *m (which need not be
 * initialised). GD_ERR_IO if
 * it cannot be read; GD_ERR_DATA with line and column for a bad line, a
 * missing or repeated field, a version other than 1, a non-finite number or
 * a non-positive std. On error *m is left safe to free. The file does not
 * record which columns were constant: scaling.constant[] and y_constant come
 * back 0 (a constant column was saved with weight and w_std 0). */
gd_status gd_model_load(gd_model *m, const char *path, gd_error *err);

#endif
