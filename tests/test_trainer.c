/*
 * The epoch loop: batching semantics, stopping, determinism, and that every
 * optimizer with its default settings reaches the exact least-squares
 * optimum, computed independently of the solve module by the normal
 * equations in long double (normal_equations_fit in testutil.c): fine for
 * the small, well-conditioned problems here.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/loss.h"
#include "gdtrain/rng.h"
#include "gdtrain/solve.h"
#include "gdtrain/trainer.h"

enum { MAXP = 16 };

/* A standardized problem with correlated features, like the house data. */
static gd_dataset make_problem(size_t n, size_t d, uint64_t seed, double noise)
{
    gd_dataset ds = {0};
    gd_rng rng;
    gd_rng_seed(&rng, seed);
    ds.n = n;
    ds.d = d;
    ds.x = malloc(n * d * sizeof(double));
    ds.y = malloc(n * sizeof(double));
    assert_true(ds.x && ds.y);
    for (size_t i = 0; i < n; i++) {
        double common = gd_rng_normal(&rng);
        double y = 0;
        for (size_t j = 0; j < d; j++) {
            double v = (j < 2 ? 0.9 * common : 0) + gd_rng_normal(&rng);
            ds.x[i * d + j] = v;
            y += (double)(j + 1) * (j % 2 ? -1 : 1) * v;
        }
        ds.y[i] = y + noise * gd_rng_normal(&rng);
    }
    /* z-score every column and y, as the dataset module would. */
    for (size_t j = 0; j <= d; j++) {
        double mean = 0, ss = 0;
        for (size_t i = 0; i < n; i++)
            mean += j < d ? ds.x[i * d + j] : ds.y[i];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) {
            double v = (j < d ? ds.x[i * d + j] : ds.y[i]) - mean;
            ss += v * v;
        }
        double sd = sqrt(ss / (double)n);
        for (size_t i = 0; i < n; i++) {
            double *v = j < d ? &ds.x[i * d + j] : &ds.y[i];
            *v = (*v - mean) / sd;
        }
    }
    return ds;
}

static void free_problem(gd_dataset *ds)
{
    free(ds->x);
    free(ds->y);
}

static double exact_optimum(const gd_dataset *ds, double l2, double *params)
{
    return normal_equations_fit(ds->x, ds->y, ds->n, ds->d, l2, params);
}

static gd_train_config defaults(const char *opt)
{
    gd_train_config cfg;
    gd_train_config_default(&cfg, gd_optimizer_find(opt));
    cfg.schedule.min_lr = cfg.lr * 1e-6; /* as the command line sets it */
    return cfg;
}

static void test_defaults_reach_optimum(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(2000, 7, 3, 2.0);
    double opt[MAXP], params[MAXP];
    double mse_opt = exact_optimum(&ds, 0.0, opt);
    const char *names[] = {"gd", "adam", "rmsprop", "sgd", "adamw", "adagrad"};
    const double bar[] = {1e-6, 1e-6, 1e-6, 1e-4, 1e-6, 1e-6};
    for (int k = 0; k < 6; k++) {
        gd_train_config cfg = defaults(names[k]);
        gd_train_result res;
        assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
        double gap = (res.train_loss - mse_opt) / mse_opt;
        print_message("%-8s epochs %5ld stop %-10s gap %.3g\n", names[k], res.epochs,
                      gd_stop_reason_name(res.reason), gap);
        assert_true(res.reason == GD_STOP_CONVERGED || res.reason == GD_STOP_GRADIENT ||
                    res.reason == GD_STOP_STALLED);
        assert_true(gap >= -1e-12);
        assert_true(gap < bar[k]);
    }
    free_problem(&ds);
}

static void test_ridge_optimum(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(500, 4, 5, 1.0);
    double opt[MAXP], params[MAXP];
    exact_optimum(&ds, 0.05, opt);
    gd_train_config cfg = defaults("gd");
    cfg.l2 = 0.05;
    /* Run to a vanishing gradient: its fixed point must be the ridge optimum. */
    cfg.tol = 0;
    cfg.grad_tol = 1e-12;
    cfg.max_epochs = 100000;
    cfg.schedule.kind = GD_SCHEDULE_CONSTANT;
    gd_train_result res;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
    assert_int_equal(res.reason, GD_STOP_GRADIENT);
    for (size_t j = 0; j <= ds.d; j++)
        assert_close_abs(params[j], opt[j], 1e-10);
    free_problem(&ds);
}

static void test_tol_zero_runs_every_epoch(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(100, 3, 1, 0.5);
    double params[MAXP];
    gd_train_config cfg = defaults("adam");
    cfg.tol = 0;
    cfg.grad_tol = 0;
    cfg.max_epochs = 37;
    gd_train_result res;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
    assert_int_equal(res.epochs, 37);
    assert_int_equal(res.steps, 37);
    assert_int_equal(res.reason, GD_STOP_MAX_EPOCHS);
    cfg.batch_size = 30; /* 4 steps per epoch: 30, 30, 30, 10 rows */
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
    assert_int_equal(res.steps, 4 * 37);
    free_problem(&ds);
}

/* One epoch of plain sgd without shuffling, batch 3 on 10 rows, done by hand:
 * batches {0,1,2} {3,4,5} {6,7,8} {9}, each gradient averaged over its own
 * rows. */
static void test_minibatch_semantics(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(10, 2, 9, 0.3);
    const double lr = 0.05;
    double expect[3] = {0, 0, 0};
    for (size_t begin = 0; begin < 10; begin += 3) {
        size_t end = begin + 3 < 10 ? begin + 3 : 10;
        double g[3] = {0, 0, 0};
        for (size_t i = begin; i < end; i++) {
            double r = expect[2] + expect[0] * ds.x[2 * i] + expect[1] * ds.x[2 * i + 1] - ds.y[i];
            g[0] += 2 * r * ds.x[2 * i];
            g[1] += 2 * r * ds.x[2 * i + 1];
            g[2] += 2 * r;
        }
        for (int j = 0; j < 3; j++)
            expect[j] -= lr * g[j] / (double)(end - begin);
    }
    gd_train_config cfg = defaults("sgd");
    cfg.lr = lr;
    cfg.batch_size = 3;
    cfg.shuffle = 0;
    cfg.max_epochs = 1;
    cfg.schedule.kind = GD_SCHEDULE_CONSTANT;
    double params[3];
    gd_train_result res;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
    assert_int_equal(res.steps, 4);
    for (int j = 0; j < 3; j++)
        assert_close_rel(params[j], expect[j], 1e-14);
    free_problem(&ds);
}

/* The schedule's rate is asked before every step: two epochs of plain sgd
 * without shuffling, batch 3 on 10 rows (4 steps an epoch), with
 * invscaling lr_t = 0.08 / t^(1/2), done by hand; the callback sees the
 * rate of each epoch's last step, 0.08 / sqrt(4) and 0.08 / sqrt(8). */
static int record_lr(const gd_epoch_info *info, void *user)
{
    ((double *)user)[info->epoch - 1] = info->lr;
    return 0;
}

static void test_schedule_per_step(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(10, 2, 9, 0.3);
    double expect[3] = {0, 0, 0};
    long t = 0;
    for (int epoch = 0; epoch < 2; epoch++) {
        for (size_t begin = 0; begin < 10; begin += 3) {
            size_t end = begin + 3 < 10 ? begin + 3 : 10;
            double g[3] = {0, 0, 0};
            for (size_t i = begin; i < end; i++) {
                double r = expect[2] + expect[0] * ds.x[2 * i] +
                           expect[1] * ds.x[2 * i + 1] - ds.y[i];
                g[0] += 2 * r * ds.x[2 * i];
                g[1] += 2 * r * ds.x[2 * i + 1];
                g[2] += 2 * r;
            }
            double lr = 0.08 / sqrt((double)++t);
            for (int j = 0; j < 3; j++)
                expect[j] -= lr * g[j] / (double)(end - begin);
        }
    }
    gd_train_config cfg = defaults("sgd");
    cfg.lr = 0.08;
    cfg.batch_size = 3;
    cfg.shuffle = 0;
    cfg.max_epochs = 2;
    cfg.tol = 0;
    gd_schedule_config_default(&cfg.schedule, GD_SCHEDULE_INVSCALING);
    cfg.schedule.power_t = 0.5;
    double params[3], seen[2] = {0, 0};
    gd_train_result res;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, record_lr, seen, NULL), GD_OK);
    assert_int_equal(res.steps, 8);
    for (int j = 0; j < 3; j++)
        assert_close_rel(params[j], expect[j], 1e-14);
    assert_close_rel(seen[0], 0.04, 1e-15);
    assert_close_rel(seen[1], 0.08 / sqrt(8.0), 1e-15);
    assert_close_rel(res.lr, 0.08 / sqrt(8.0), 1e-15);

    /* StepLR over epochs, full batch: 0.1 for epochs 1-2, 0.05 for 3-4,
     * 0.025 for epoch 5 (0-based epoch e: 0.1 * 0.5^floor(e / 2)). */
    double seen5[5];
    cfg = defaults("gd");
    cfg.max_epochs = 5;
    cfg.tol = 0;
    cfg.grad_tol = 0;
    gd_schedule_config_default(&cfg.schedule, GD_SCHEDULE_STEP);
    cfg.schedule.step_size = 2;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, record_lr, seen5, NULL), GD_OK);
    const double step_lr[5] = {0.1, 0.1, 0.05, 0.05, 0.025};
    for (int e = 0; e < 5; e++)
        assert_true(seen5[e] == step_lr[e]);
    free_problem(&ds);
}

static void test_deterministic_and_seeded(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(300, 4, 2, 1.0);
    gd_train_config cfg = defaults("sgd");
    cfg.max_epochs = 20;
    double a[MAXP], b[MAXP], c[MAXP];
    gd_train_result res;
    assert_int_equal(gd_train(&ds, &cfg, a, &res, NULL, NULL, NULL), GD_OK);
    assert_int_equal(gd_train(&ds, &cfg, b, &res, NULL, NULL, NULL), GD_OK);
    assert_memory_equal(a, b, 5 * sizeof(double));
    cfg.seed = 2;
    assert_int_equal(gd_train(&ds, &cfg, c, &res, NULL, NULL, NULL), GD_OK);
    assert_memory_not_equal(a, c, 5 * sizeof(double));
    /* Random init draws from the seed too: reproducible, and not zero. */
    cfg.init = GD_INIT_RANDOM;
    cfg.max_epochs = 1;
    cfg.lr = 1e-300;
    assert_int_equal(gd_train(&ds, &cfg, a, &res, NULL, NULL, NULL), GD_OK);
    assert_int_equal(gd_train(&ds, &cfg, b, &res, NULL, NULL, NULL), GD_OK);
    assert_memory_equal(a, b, 5 * sizeof(double));
    assert_true(a[0] != 0.0 && fabs(a[0]) < 0.1);
    free_problem(&ds);
}

static void test_divergence(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(200, 3, 4, 1.0);
    gd_train_config cfg = defaults("gd");
    cfg.lr = 50;
    double params[MAXP];
    gd_train_result res;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
    assert_int_equal(res.reason, GD_STOP_DIVERGED);
    assert_true(res.epochs < 100);
    for (size_t j = 0; j <= ds.d; j++)
        assert_true(isfinite(params[j]));
    free_problem(&ds);
}

static int stop_at_five(const gd_epoch_info *info, void *user)
{
    long *seen = user;
    assert_int_equal(info->epoch, *seen + 1);
    *seen = info->epoch;
    assert_true(isfinite(info->train_loss) && info->grad_norm >= 0 && info->lr > 0);
    return info->epoch == 5;
}

static void test_callback_stops(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(50, 2, 6, 1.0);
    gd_train_config cfg = defaults("adam");
    double params[MAXP];
    gd_train_result res;
    long seen = 0;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, stop_at_five, &seen, NULL), GD_OK);
    assert_int_equal(res.reason, GD_STOP_REQUESTED);
    assert_int_equal(res.epochs, 5);
    assert_int_equal(seen, 5);
    free_problem(&ds);
}

static void test_bad_config(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(20, 2, 6, 1.0);
    double params[MAXP];
    gd_train_result res;
    gd_error err;
    gd_train_config cfg = defaults("sgd");
    cfg.hp.nesterov = 1; /* without momentum */
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, &err), GD_ERR_USAGE);
    assert_non_null(strstr(err.message, "momentum"));
    cfg = defaults("sgd");
    cfg.lr = -1;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, &err), GD_ERR_USAGE);
    free_problem(&ds);
}

/* y = 2 x0 - 3 x1 + noise, with x2 and x3 irrelevant: lasso puts exactly 0 on
 * them. At the lasso optimum a weight is 0 exactly when |dMSE/dw_j| <= l1
 * there, which holds for the irrelevant columns at this penalty. */
static void test_l1_zeroes_irrelevant_weights(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(1000, 4, 12, 0.5);
    gd_rng rng;
    gd_rng_seed(&rng, 99);
    for (size_t i = 0; i < ds.n; i++)
        ds.y[i] = 2 * ds.x[i * 4] - 3 * ds.x[i * 4 + 1] + 0.5 * gd_rng_normal(&rng);
    double params[MAXP];
    gd_train_config cfg = defaults("gd");
    cfg.l1 = 0.05;
    gd_train_result res;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
    assert_true(params[2] == 0.0);
    assert_true(params[3] == 0.0);
    assert_true(params[0] > 1.0 && params[1] < -1.0);
    /* The trainer's fixed point is the lasso optimum of the coordinate-
     * descent reference. */
    double ref[MAXP];
    assert_int_equal(gd_solve_elastic_net(&ds, cfg.l1, 0.0, ref, NULL, NULL), GD_OK);
    assert_true(ref[2] == 0.0 && ref[3] == 0.0);
    for (size_t j = 0; j <= ds.d; j++)
        assert_close_abs(params[j], ref[j], 2e-5); /* the default --tol stop */
    /* The same without the penalty leaves the irrelevant weights nonzero. */
    cfg.l1 = 0;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
    assert_true(params[2] != 0.0 && params[3] != 0.0);
    free_problem(&ds);
}

typedef struct loss_trace {
    long epochs;
    double train[4096], val[4096];
} loss_trace;

static int record_losses(const gd_epoch_info *info, void *user)
{
    loss_trace *tr = user;
    assert_true(info->epoch <= 4096);
    tr->train[info->epoch - 1] = info->train_loss;
    tr->val[info->epoch - 1] = info->val_loss;
    tr->epochs = info->epoch;
    return 0;
}

/* Early stopping keeps the weights of the epoch with the lowest validation
 * loss, after patience epochs without improvement. Noisy small-batch sgd on
 * few rows makes the validation loss wander. */
static void test_early_stop_restores_best(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(60, 6, 21, 3.0);
    gd_dataset val = make_problem(40, 6, 22, 3.0);
    gd_train_config cfg = defaults("sgd");
    cfg.batch_size = 4;
    cfg.lr = 0.05;
    cfg.schedule.kind = GD_SCHEDULE_CONSTANT;
    cfg.val = &val;
    cfg.early_stop = 1;
    cfg.patience = 5;
    double params[MAXP];
    gd_train_result res;
    static loss_trace tr;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, record_losses, &tr, NULL), GD_OK);
    assert_int_equal(res.reason, GD_STOP_EARLY);
    long best = 1;
    for (long e = 1; e <= tr.epochs; e++)
        if (tr.val[e - 1] < tr.val[best - 1])
            best = e;
    assert_int_equal(res.best_epoch, best);
    assert_int_equal(tr.epochs, best + 5);
    /* The returned weights score exactly the best validation loss. */
    gd_loss *loss;
    assert_int_equal(gd_loss_create(&loss, &val, 1, NULL), GD_OK);
    double v = gd_loss_eval(loss, gd_rows_all(&val), params, NULL);
    assert_true(v == tr.val[best - 1]);
    assert_true(res.val_loss == v);
    gd_loss_free(loss);
    /* Early stopping without validation rows is a usage error. */
    cfg.val = NULL;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_ERR_USAGE);
    free_problem(&val);
    free_problem(&ds);
}

/* The stall rule, worked out again from the recorded losses: the reference
 * is set by the first epoch and moves to the best loss whenever that is
 * below it by more than tol (relative); the run stops at the first epoch
 * that is the window-th since the reference moved. Returns that epoch (0 if
 * none) and the best epoch up to it in *best. */
static long stall_epoch(const loss_trace *tr, double tol, int window, long *best)
{
    double ref = 0.0, low = 0.0;
    long since = 0;
    *best = 0;
    for (long e = 1; e <= tr->epochs; e++) {
        double l = tr->train[e - 1];
        if (e == 1 || l < low) {
            low = l;
            *best = e;
        }
        if (e == 1 || low < ref * (1.0 - tol)) {
            ref = low;
            since = 0;
        } else if (++since == window) {
            return e;
        }
    }
    return 0;
}

/* Mini-batch runs stop on a stall, at the epoch the rule gives for their
 * own losses, with the best epoch's weights; --tol 0 runs every epoch, and
 * full-batch runs never stall. */
static void test_stall_stops_minibatches(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(300, 5, 31, 1.0);
    gd_train_config cfg = defaults("sgd");
    cfg.batch_size = 8;
    cfg.stall_tol = 1e-4;
    cfg.stall_epochs = 6;
    double params[MAXP];
    gd_train_result res;
    static loss_trace tr;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, record_losses, &tr, NULL), GD_OK);
    assert_int_equal(res.reason, GD_STOP_STALLED);
    long best;
    long stop = stall_epoch(&tr, cfg.stall_tol, cfg.stall_epochs, &best);
    assert_int_equal(res.epochs, stop);
    assert_int_equal(tr.epochs, stop);
    assert_int_equal(res.best_epoch, best);
    assert_true(best < stop); /* else the test shows no restoring */
    gd_loss *loss;
    assert_int_equal(gd_loss_create(&loss, &ds, 1, NULL), GD_OK);
    assert_true(gd_loss_eval(loss, gd_rows_all(&ds), params, NULL) == tr.train[best - 1]);
    assert_true(res.train_loss == tr.train[best - 1]);
    gd_loss_free(loss);

    cfg.tol = 0.0; /* every epoch */
    cfg.max_epochs = stop + 5;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
    assert_int_equal(res.reason, GD_STOP_MAX_EPOCHS);
    cfg = defaults("gd");
    cfg.stall_epochs = 1;
    cfg.stall_tol = 0.5;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
    assert_true(res.reason != GD_STOP_STALLED);
    free_problem(&ds);
}

/* Property: on random well-conditioned problems (sizes, correlations, noise
 * and seeds drawn at random), every optimizer with its default settings ends
 * within the convergence bars of the training issue (1e-6 relative to the
 * optimum's MSE; 1e-4 for mini-batch sgd), the optimum coming from the
 * solve module's QR. */
static void test_property_defaults_vs_solve(void **unused)
{
    (void)unused;
    gd_rng pick;
    gd_rng_seed(&pick, 2026);
    for (int trial = 0; trial < 4; trial++) {
        size_t n = 300 + (size_t)gd_rng_below(&pick, 1500);
        size_t d = 2 + (size_t)gd_rng_below(&pick, 7);
        double noise = 0.3 + 2.0 * gd_rng_uniform(&pick);
        gd_dataset ds = make_problem(n, d, 1000 + (uint64_t)trial, noise);
        double opt[MAXP], params[MAXP];
        gd_solve_info info;
        assert_int_equal(gd_solve_dataset(&ds, 0.0, opt, &info, NULL), GD_OK);
        for (const gd_optimizer_ops *const *o = gd_optimizer_list(); *o != NULL; o++) {
            gd_train_config cfg = defaults((*o)->name);
            gd_train_result res;
            assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, NULL), GD_OK);
            double gap = (res.train_loss - info.mse) / info.mse;
            double bar = (*o)->default_batch > 0 ? 1e-4 : 1e-6;
            if (!(gap < bar && gap > -1e-10))
                print_error("n %zu d %zu noise %.2f %s: gap %.3g (%ld epochs, %s)\n", n, d,
                            noise, (*o)->name, gap, res.epochs,
                            gd_stop_reason_name(res.reason));
            assert_true(gap < bar && gap > -1e-10);
        }
        free_problem(&ds);
    }
}

/* Convergence stops at the end of the first run of `patience` epochs in a
 * row whose objective changed by less than tol (relative to the new value),
 * not an epoch sooner or later: the epoch is worked out here from the
 * losses of a run that never stops early. */
static void test_converged_after_patience(void **unused)
{
    (void)unused;
    gd_dataset ds = make_problem(200, 4, 5, 0.5);
    double params[MAXP];
    gd_train_config cfg = defaults("gd");
    cfg.tol = 0;
    cfg.grad_tol = 0;
    cfg.max_epochs = 400;
    static loss_trace tr;
    gd_train_result res;
    assert_int_equal(gd_train(&ds, &cfg, params, &res, record_losses, &tr, NULL), GD_OK);
    assert_int_equal(tr.epochs, 400);
    const struct {
        double tol;
        int patience;
    } cases[] = {{1e-3, 1}, {1e-5, 4}, {1e-8, 10}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        long expect = 0;
        int quiet = 0;
        double prev = res.initial_loss;
        for (long e = 1; e <= tr.epochs && expect == 0; e++) {
            double loss = tr.train[e - 1];
            quiet = fabs(prev - loss) / fmax(fabs(loss), 1e-300) < cases[c].tol ? quiet + 1 : 0;
            if (quiet >= cases[c].patience)
                expect = e;
            prev = loss;
        }
        assert_true(expect > cases[c].patience && expect < tr.epochs);
        gd_train_config stop = cfg;
        stop.tol = cases[c].tol;
        stop.patience = cases[c].patience;
        gd_train_result r;
        assert_int_equal(gd_train(&ds, &stop, params, &r, NULL, NULL, NULL), GD_OK);
        assert_int_equal(r.reason, GD_STOP_CONVERGED);
        assert_int_equal(r.epochs, expect);
    }
    free_problem(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_reach_optimum),
        cmocka_unit_test(test_property_defaults_vs_solve),
        cmocka_unit_test(test_ridge_optimum),
        cmocka_unit_test(test_tol_zero_runs_every_epoch),
        cmocka_unit_test(test_minibatch_semantics),
        cmocka_unit_test(test_schedule_per_step),
        cmocka_unit_test(test_deterministic_and_seeded),
        cmocka_unit_test(test_divergence),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_l1_zeroes_irrelevant_weights),
        cmocka_unit_test(test_early_stop_restores_best),
        cmocka_unit_test(test_converged_after_patience),
        cmocka_unit_test(test_stall_stops_minibatches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
