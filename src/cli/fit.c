/*
 * fit: loading, model building and descriptions shared by train and solve.
 */
#include "fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "io/numformat.h"
#include "msg.h"

/* Loads the validation file with exactly the training columns, by name. */
static gd_status load_validation(const cli_data_choice *choice, const gd_dataset *ds,
                                 gd_dataset *val, gd_error *err)
{
    gd_load_options lo = {
        .path = choice->val_path, .delimiter = choice->delimiter,
        .target = ds->target_name, .features = (const char *const *)ds->feature_names,
        .nfeatures = ds->d, .need_target = 1, .threads = choice->threads,
    };
    return gd_dataset_load(val, &lo, err);
}

int cli_load_standardized(const cli_data_choice *choice, gd_dataset *ds, gd_scaling *sc,
                          gd_dataset *val)
{
    char msg[256];
    char **features = NULL;
    size_t nfeatures = 0;
    if (choice->features != NULL) {
        features = cli_split_list(choice->features, &nfeatures, msg, sizeof msg);
        if (features == NULL) {
            cli_usage_error(NULL, "--features: %s", msg);
            return 2;
        }
    }
    gd_load_options lo = {
        .path = choice->path, .delimiter = choice->delimiter, .target = choice->target,
        .features = (const char *const *)features, .nfeatures = nfeatures,
        .need_target = 1, .threads = choice->threads,
    };
    gd_error err;
    gd_status st = gd_dataset_load(ds, &lo, &err);
    cli_free_list(features);
    if (st == GD_OK && choice->val_path != NULL)
        st = load_validation(choice, ds, val, &err);
    else if (st == GD_OK && choice->val_split > 0)
        st = gd_dataset_split(ds, choice->val_split, choice->split_seed, val, &err);
    /* Statistics come from the training rows only, so nothing about the
     * validation rows leaks into training. */
    if (st == GD_OK) {
        st = gd_dataset_standardize(ds, sc, &err);
        /* Its errors are about a whole column of the data: name the file. */
        if (st != GD_OK && err.file[0] == '\0')
            snprintf(err.file, sizeof err.file, "%s",
                     strcmp(choice->path, "-") == 0 ? "<stdin>" : choice->path);
    }
    if (st == GD_OK && val != NULL && val->n > 0)
        gd_dataset_apply_scaling(val, sc);
    if (st != GD_OK) {
        if (st == GD_ERR_USAGE)
            cli_usage_error(NULL, "%s", err.message);
        else
            cli_report(&err);
        return (int)st;
    }
    for (size_t j = 0; j < ds->d; j++)
        if (sc->constant[j])
            cli_warn("feature '%s' is constant (%.17g in every row): it gets weight 0",
                     ds->feature_names[j], sc->x_mean[j]);
    if (sc->y_constant)
        cli_warn("the target '%s' is constant: every prediction will be %.17g",
                 ds->target_name, sc->y_mean);
    return 0;
}

gd_status cli_make_model(const gd_dataset *ds, const gd_scaling *sc, const double *params,
                         gd_model *m, gd_error *err)
{
    gd_status st = gd_model_init(m, ds->d, ds->target_name,
                                 (const char *const *)ds->feature_names, err);
    if (st == GD_OK)
        st = gd_model_set_scaling(m, sc, err);
    if (st == GD_OK)
        gd_model_set_params(m, params);
    return st;
}

void cli_say_formula(const gd_model *m)
{
    cli_say("  %s = %.6g", m->target, m->intercept);
    for (size_t j = 0; j < m->d; j++)
        cli_say(" %c %.6g*%s", m->weights[j] < 0 ? '-' : '+', fabs(m->weights[j]),
                m->features[j]);
    cli_say("\n");
}

int cli_optimum(const gd_dataset *ds, double l1, double l2, gd_solve_info *info)
{
    gd_error err;
    double *params = malloc((ds->d + 1) * sizeof *params);
    gd_status st;
    if (params == NULL)
        st = gd_error_set(&err, GD_ERR_IO, NULL, 0, 0, "out of memory");
    else if (l1 > 0)
        st = gd_solve_elastic_net(ds, l1, l2, params, info, &err);
    else
        st = gd_solve_dataset(ds, l2, params, info, &err);
    free(params);
    if (st != GD_OK) {
        char buf[sizeof err.file + sizeof err.message + 8];
        cli_warn("no exact optimum to compare with: %s", gd_error_format(&err, buf, sizeof buf));
        return 0;
    }
    return 1;
}

double cli_relative_gap(double value, double optimum, double scale)
{
    return optimum > 1e-12 * scale ? (value - optimum) / optimum : NAN;
}

size_t cli_constant_columns(const gd_scaling *sc)
{
    size_t count = 0;
    for (size_t j = 0; j < sc->d; j++)
        count += sc->constant[j] != 0;
    return count;
}

const char *cli_plural(size_t count)
{
    return count == 1 ? "" : "s";
}

const char *cli_num(char *buf, size_t size, double v)
{
    char text[GD_NUMFORMAT_SIZE];
    if (isfinite(v))
        gd_numformat(text, v);
    else
        snprintf(text, sizeof text, "%g", v); /* "inf", "-inf", "nan" */
    snprintf(buf, size, "%s", text);
    return buf;
}

void cli_json_columns(gd_json *j, const gd_model *m)
{
    gd_json_array_begin(j, "features");
    for (size_t k = 0; k < m->d; k++)
        gd_json_string(j, NULL, m->features[k]);
    gd_json_array_end(j);
    gd_json_string(j, "target", m->target);
}

void cli_json_weights(gd_json *j, const gd_model *m)
{
    gd_json_number(j, "intercept", m->intercept);
    gd_json_object_begin(j, "weights");
    for (size_t k = 0; k < m->d; k++)
        gd_json_number(j, m->features[k], m->weights[k]);
    gd_json_object_end(j);
}
