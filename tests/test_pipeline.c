/*
 * The whole library pipeline on the shipped data: load data/houses.csv,
 * standardize, train with each optimizer's defaults, build the model.
 *
 * - Convergence bars of the training issue: final training MSE within 1e-6
 *   (relative) of the exact least-squares optimum for gd, adam and rmsprop,
 *   1e-4 for sgd. The optimum is computed here, independently of the solve
 *   module: normal equations on the raw (unstandardized) columns, accumulated
 *   and solved in long double (normal_equations_fit in testutil.c), its MSE
 *   evaluated on the raw data. The shipped data is well conditioned
 *   enough for that to be exact to ~1e-12.
 * - A model's predictions on the training rows, from the original-unit file
 *   columns, equal the trainer's own (standardized) predictions bit for bit.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/dataset.h"
#include "gdtrain/loss.h"
#include "gdtrain/model.h"
#include "gdtrain/trainer.h"

enum { MAXP = 16 };
static const char *const houses = GDTRAIN_SOURCE_DIR "/data/houses.csv";

static void load(gd_dataset *ds)
{
    gd_load_options lo = {.path = houses, .need_target = 1};
    gd_error err;
    gd_status st = gd_dataset_load(ds, &lo, &err);
    if (st != GD_OK)
        print_error("%s:%ld:%ld: %s\n", err.file, err.line, err.column, err.message);
    assert_int_equal(st, GD_OK);
    assert_true(ds->d + 1 < MAXP);
}

/* MSE of the least-squares fit on raw data, in the target's units. */
static double raw_optimum_mse(const gd_dataset *raw)
{
    double beta[MAXP];
    return normal_equations_fit(raw->x, raw->y, raw->n, raw->d, 0.0, beta);
}

static void test_default_optimizers_reach_optimum(void **unused)
{
    (void)unused;
    gd_dataset raw = {0}, ds = {0};
    gd_scaling sc = {0};
    load(&raw);
    load(&ds);
    assert_int_equal(gd_dataset_standardize(&ds, &sc, NULL), GD_OK);
    const double mse_opt = raw_optimum_mse(&raw);
    const char *names[] = {"gd", "adam", "rmsprop", "sgd"};
    const double bar[] = {1e-6, 1e-6, 1e-6, 1e-4};
    for (int k = 0; k < 4; k++) {
        gd_train_config cfg;
        gd_train_config_default(&cfg, gd_optimizer_find(names[k]));
        cfg.schedule.min_lr = cfg.lr * 1e-6; /* as the command line sets it */
        double params[MAXP];
        gd_train_result res;
        assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
        double mse = res.train_loss * sc.y_std * sc.y_std;
        double gap = (mse - mse_opt) / mse_opt;
        print_message("%-8s epochs %5ld stop %-10s mse %.10g gap %.3g\n", names[k],
                      res.epochs, gd_stop_reason_name(res.reason), mse, gap);
        assert_true(res.reason == GD_STOP_CONVERGED || res.reason == GD_STOP_GRADIENT ||
                    res.reason == GD_STOP_STALLED);
        assert_true(gap > -1e-10);
        assert_true(gap < bar[k]);
    }
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
    gd_dataset_free(&raw);
}

static void test_model_predicts_like_trainer(void **unused)
{
    (void)unused;
    gd_dataset raw = {0}, ds = {0};
    gd_scaling sc = {0};
    gd_model model = {0};
    load(&raw);
    load(&ds);
    assert_int_equal(gd_dataset_standardize(&ds, &sc, NULL), GD_OK);
    gd_train_config cfg;
    gd_train_config_default(&cfg, gd_optimizer_find("adam"));
    cfg.max_epochs = 50;
    double params[MAXP];
    gd_train_result res;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
    assert_int_equal(gd_model_init(&model, ds.d, ds.target_name,
                                   (const char *const *)ds.feature_names, NULL), GD_OK);
    assert_int_equal(gd_model_set_scaling(&model, &sc, NULL), GD_OK);
    gd_model_set_params(&model, params);

    /* Save and load: the file must carry everything predictions need. */
    const char *path = temp_path("houses.model");
    gd_model loaded = {0};
    assert_int_equal(gd_model_save(&model, path, NULL), GD_OK);
    assert_int_equal(gd_model_load(&loaded, path, NULL), GD_OK);

    double *yhat_std = malloc(ds.n * sizeof *yhat_std);
    assert_non_null(yhat_std);
    gd_loss_predict(&ds, params, yhat_std);
    double max_rel_orig = 0;
    for (size_t i = 0; i < ds.n; i++) {
        double trainer = sc.y_mean + sc.y_std * yhat_std[i];
        double from_file = gd_model_predict(&loaded, gd_dataset_row(&raw, i));
        assert_true(from_file == trainer);
        /* The original-unit formula agrees to rounding. */
        double orig = loaded.intercept;
        for (size_t j = 0; j < raw.d; j++)
            orig += loaded.weights[j] * gd_dataset_row(&raw, i)[j];
        max_rel_orig = fmax(max_rel_orig, fabs(orig - trainer) / fabs(trainer));
    }
    assert_true(max_rel_orig < 1e-12);
    free(yhat_std);
    gd_model_free(&loaded);
    gd_model_free(&model);
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
    gd_dataset_free(&raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_optimizers_reach_optimum),
        cmocka_unit_test(test_model_predicts_like_trainer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
