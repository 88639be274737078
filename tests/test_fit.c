/*
 * fit: the front door (gd_fit and its stages) against a problem solved by
 * hand, the gap and penalty formulas, warm starts and the checks of a
 * request.
 *
 * The data: x = 0, 1, 2, 3 and y = 1, 3, 2, 5. By hand: mean x 1.5, mean y
 * 2.75, cov(x, y) = 5.5/4, var(x) = 5/4, so the least-squares line is
 * y = 1.1 + 1.1 x; its residuals -0.1, 0.8, -1.3, 0.6 give MSE 2.7/4 = 0.675,
 * and predicting the mean scores var(y) = 8.75/4 = 2.1875.
 */
#include <math.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "gdtrain/fit.h"
#include "gdtrain/hparams.h"
#include "testutil.h"

static const char csv[] = "x,y\n0,1\n1,3\n2,2\n3,5\n";

/* gd with every default, as `gdtrain --opt gd`. */
static void gd_config(gd_train_config *cfg)
{
    gd_train_choice choice = {.opt = "gd"};
    gd_error err;
    assert_int_equal(gd_train_config_build(cfg, &choice, &err), GD_OK);
}

static void test_fit_by_hand(void **unused)
{
    (void)unused;
    gd_train_config cfg;
    gd_config(&cfg);
    gd_fit_request req = {.source = {.path = write_temp_file(csv, strlen(csv))},
                          .config = &cfg};
    gd_fit_result res;
    gd_model m;
    gd_error err;
    assert_int_equal(gd_fit(&req, &res, &m, &err), GD_OK);
    assert_int_equal(res.train.reason, GD_STOP_CONVERGED);
    assert_int_equal(res.rows, 4);
    assert_true(res.have_optimum);
    assert_close_rel(res.optimum.mse * res.loss_scale, 0.675, 1e-12);
    assert_close_rel(res.optimum.mse_const * res.loss_scale, 2.1875, 1e-12);
    assert_close_rel(res.train.train_loss * res.loss_scale, 0.675, 1e-9);
    assert_true(res.gap >= 0 && res.gap < 1e-9);
    /* The loss is quadratic around the optimum: a gap of 1e-9 leaves the
     * weights up to about sqrt(1e-9) off, relatively. */
    assert_close_rel(m.intercept, 1.1, 1e-4);
    assert_close_rel(m.weights[0], 1.1, 1e-4);
    gd_model_free(&m);
    gd_fit_result_free(&res);
}

static void test_gap_and_penalty(void **unused)
{
    (void)unused;
    assert_close_rel(gd_relative_gap(1.5, 1.0, 2.0), 0.5, 1e-15);
    /* An optimum within 1e-12 of the scale is an exact fit: no ratio. */
    assert_true(isnan(gd_relative_gap(1e-3, 1e-13, 1.0)));
    const double p[3] = {2.0, -3.0, 100.0}; /* two weights, then the bias */
    /* l2 (4 + 9) + l1 (2 + 3); the bias is never penalized */
    assert_close_rel(gd_fit_penalty(p, 2, 0.5, 0.25), 0.25 * 13 + 0.5 * 5, 1e-15);
}

/* A model saved from a fit, as a warm start on the same data, gives back
 * the fit's standardized parameters; training from it stops at once. */
static void test_warm_start(void **unused)
{
    (void)unused;
    gd_train_config cfg;
    gd_config(&cfg);
    gd_fit_source src = {.path = write_temp_file(csv, strlen(csv))};
    gd_fit_data fd;
    gd_fit_result res, again;
    gd_model m = {0};
    gd_error err;
    assert_int_equal(gd_fit_data_load(&fd, &src, &err), GD_OK);
    assert_int_equal(gd_fit_run(&fd, &cfg, NULL, &res, &err), GD_OK);
    assert_int_equal(gd_fit_model(&fd, res.params, &m, &err), GD_OK);
    const char *path = temp_path("warm.model");
    assert_int_equal(gd_model_save(&m, path, &err), GD_OK);
    double params[2];
    assert_int_equal(gd_fit_warm_start(path, &fd, params, &err), GD_OK);
    assert_close_abs(params[0], res.params[0], 1e-12);
    assert_close_abs(params[1], res.params[1], 1e-12);

    cfg.init = GD_INIT_GIVEN;
    gd_fit_options opt = {.init_from = path};
    assert_int_equal(gd_fit_run(&fd, &cfg, &opt, &again, &err), GD_OK);
    assert_true(again.train.epochs <= cfg.patience + 1);
    assert_true(again.gap < 1e-9);
    /* init_from and GD_INIT_GIVEN go together */
    cfg.init = GD_INIT_ZEROS;
    gd_fit_result bad;
    assert_int_equal(gd_fit_run(&fd, &cfg, &opt, &bad, &err), GD_ERR_USAGE);
    gd_fit_result_free(&bad);
    gd_fit_result_free(&again);
    gd_fit_result_free(&res);
    gd_model_free(&m);
    gd_fit_data_free(&fd);
}

static void test_request_checks(void **unused)
{
    (void)unused;
    gd_fit_data fd;
    gd_error err;
    const char *path = write_temp_file(csv, strlen(csv));
    gd_fit_source both = {.path = path, .val_split = 0.25, .val_path = path};
    assert_int_equal(gd_fit_data_load(&fd, &both, &err), GD_ERR_USAGE);
    assert_non_null(strstr(err.message, "--val-split or --val"));
    gd_fit_data_free(&fd);

    gd_fit_source src = {.path = path};
    assert_int_equal(gd_fit_data_load(&fd, &src, &err), GD_OK);
    gd_train_config cfg;
    gd_config(&cfg);
    cfg.early_stop = 1;
    gd_fit_result res;
    assert_int_equal(gd_fit_run(&fd, &cfg, NULL, &res, &err), GD_ERR_USAGE);
    assert_non_null(strstr(err.message, "validation rows"));
    gd_fit_result_free(&res);
    gd_fit_data_free(&fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_by_hand),
        cmocka_unit_test(test_gap_and_penalty),
        cmocka_unit_test(test_warm_start),
        cmocka_unit_test(test_request_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
