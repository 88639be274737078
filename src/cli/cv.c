/*
 * train --cv: K-fold cross-validation of the configuration before the
 * final training on every row; the report on stderr and in --json.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "cv.h"
#include "fit.h"
#include "msg.h"
#include "options.h"

/* The raw rows are not standardized (each fold standardizes its own
 * training part) and hold one column per input: each fold takes its levels
 * and --na mean's fills from its own training rows. */
int cli_cv_load(const cli_data_choice *choice, gd_dataset *raw)
{
    char **features;
    size_t nfeatures;
    if (cli_feature_list(choice, &features, &nfeatures) != 0)
        return 2;
    gd_load_options lo = {
        .path = choice->path, .delimiter = choice->delimiter, .target = choice->target,
        .features = (const char *const *)features, .nfeatures = nfeatures,
        .need_target = 1, .threads = choice->threads, .raw_inputs = 1,
    };
    cli_table_lists keep;
    if (cli_table_rules(&choice->table, &lo, &keep) != 0) {
        cli_table_free(&keep);
        cli_free_list(features);
        return 2;
    }
    gd_error err;
    gd_error_clear(&err);
    gd_status st = gd_dataset_load(raw, &lo, &err);
    cli_free_list(features);
    /* Its notes are those of the load for the final training, which says them. */
    if (st == GD_ERR_DATA)
        cli_table_report_error(&keep.report, &err);
    else if (st != GD_OK)
        cli_report(&err);
    cli_table_free(&keep);
    return st == GD_OK ? 0 : cli_exit_code(st);
}

static void say_report(const gd_cv_result *r)
{
    cli_say("gdtrain: %zu-fold cross-validation (%s folds), each fold scored by a model "
            "trained on the others:\n", r->k, r->shuffle ? "shuffled" : "contiguous");
    for (size_t f = 0; f < r->done; f++) {
        const gd_cv_fold *fo = &r->folds[f];
        cli_say("  fold %zu: train %zu rows, validate %zu: MSE %.6g, RMSE %.6g, R^2 %.6f "
                "(%ld epochs, %s)\n", f + 1, fo->train_rows, fo->val_rows, fo->val_mse,
                fo->val_rmse, fo->val_r2, fo->epochs, gd_stop_reason_name(fo->reason));
    }
    cli_say("  mean +- sd over %zu folds: MSE %.6g +- %.3g, RMSE %.6g +- %.3g, "
            "R^2 %.6f +- %.3g\n", r->done, r->mse.mean, r->mse.sd, r->rmse.mean, r->rmse.sd,
            r->r2.mean, r->r2.sd);
    size_t unseen = 0;
    for (size_t f = 0; f < r->done; f++)
        unseen += r->folds[f].unseen;
    if (unseen > 0)
        cli_warn("%zu held-out row%s had a level (or a missing cell) that its fold's "
                 "training rows lack: read as the reference level, as predict does",
                 unseen, cli_plural(unseen));
    if (r->diverged > 0)
        cli_warn("training diverged on %d of %zu folds: their scores are NaN", r->diverged,
                 r->done);
}

int cli_cv_run(const cli_data_choice *choice, const gd_train_config *cfg, size_t k,
               int shuffle, gd_cv_result *res)
{
    gd_dataset raw = {0};
    memset(res, 0, sizeof *res);
    int code = cli_cv_load(choice, &raw);
    if (code != 0)
        return code;
    gd_error err;
    gd_status st = gd_cv_run(&raw, k, shuffle, cfg->seed, cfg, res, &err);
    gd_dataset_free(&raw);
    if (st != GD_OK) {
        if (st == GD_ERR_USAGE)
            cli_usage_error(NULL, "--cv: %s", err.message);
        else
            cli_report(&err);
        return cli_exit_code(st);
    }
    say_report(res);
    return 0;
}

static void json_stat(gd_json *j, const char *key, const gd_cv_stat *s)
{
    gd_json_object_begin(j, key);
    gd_json_number(j, "mean", s->mean);
    gd_json_number(j, "sd", s->sd);
    gd_json_object_end(j);
}

void cli_json_cv(gd_json *j, const gd_cv_result *r)
{
    gd_json_object_begin(j, "cv");
    gd_json_integer(j, "k", (long long)r->k);
    gd_json_bool(j, "shuffle", r->shuffle);
    gd_json_array_begin(j, "folds");
    for (size_t f = 0; f < r->done; f++) {
        const gd_cv_fold *fo = &r->folds[f];
        gd_json_object_begin(j, NULL);
        gd_json_integer(j, "train_rows", (long long)fo->train_rows);
        gd_json_integer(j, "val_rows", (long long)fo->val_rows);
        gd_json_integer(j, "epochs", fo->epochs);
        gd_json_string(j, "stop_reason", gd_stop_reason_name(fo->reason));
        gd_json_number(j, "train_mse", fo->train_mse);
        gd_json_number(j, "val_mse", fo->val_mse);
        gd_json_number(j, "val_rmse", fo->val_rmse);
        gd_json_number(j, "val_r2", fo->val_r2);
        gd_json_object_end(j);
    }
    gd_json_array_end(j);
    json_stat(j, "val_mse", &r->mse);
    json_stat(j, "val_rmse", &r->rmse);
    json_stat(j, "val_r2", &r->r2);
    gd_json_object_end(j);
}
