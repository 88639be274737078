/*
 * Golden trajectories: every update rule, run through the trainer on a fixed
 * dataset, must reproduce the per-epoch losses and the final parameters of
 * an independent float64 reference implementation of torch.optim
 * (tests/golden/make_golden.py, which also cross-checks itself against
 * torch when it is installed).
 *
 * Each golden file tests/golden/<variant>.csv carries its configuration on a
 * '# config:' line (key=value words), then 'epoch,train_loss' and one line
 * per epoch: the full-data MSE after that epoch in the target's units.
 * <variant>.params has the final standardized parameters [w..., b].
 *
 * The run here: tests/golden/houses200.csv loaded and z-scored by the
 * dataset module, zero initial point, constant rate, no shuffling, tol 0 and
 * grad_tol 0 (so every epoch runs). Tolerances: 1e-12 relative on every
 * epoch's loss, 1e-10 on the parameters relative to max(1, |a|, |b|) (the
 * full-batch bias is rounding noise around 0, so it can only be compared
 * absolutely). The reference sums exactly (math.fsum) and the library does
 * not, so the two agree to a few roundings, not bit for bit; the largest
 * differences are printed.
 */
#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/dataset.h"
#include "gdtrain/optim.h"
#include "gdtrain/schedule.h"
#include "gdtrain/trainer.h"

#define GOLDEN_DIR GDTRAIN_SOURCE_DIR "/tests/golden/"
#define LOSS_TOL 1e-12
#define PARAM_TOL 1e-10

enum { MAX_EPOCHS = 1000, MAX_PARAMS = 64 };

/* One golden file, parsed. */
typedef struct golden {
    char opt[32];               /* optimizer name */
    double lr;
    size_t batch;               /* 0 = full batch */
    long epochs;
    gd_optim_params hp;
    double loss[MAX_EPOCHS];    /* loss[e - 1]: after epoch e, target units */
    size_t nparams;
    double params[MAX_PARAMS];  /* final [w..., b], standardized */
} golden;

/* Parses one key=value word of the '# config:' line into g. */
static void parse_config_word(golden *g, const char *word)
{
    const char *eq = strchr(word, '=');
    assert_non_null(eq);
    size_t klen = (size_t)(eq - word);
    const char *val = eq + 1;
    if (klen == 3 && strncmp(word, "opt", 3) == 0) {
        assert_true(strlen(val) < sizeof g->opt);
        strcpy(g->opt, val);
        return;
    }
    char *end;
    errno = 0;
    double v = strtod(val, &end);
    assert_true(*end == '\0' && end != val && errno == 0);
#define KEY(name) (klen == strlen(name) && strncmp(word, name, klen) == 0)
    if (KEY("lr"))
        g->lr = v;
    else if (KEY("batch"))
        g->batch = (size_t)v;
    else if (KEY("epochs"))
        g->epochs = (long)v;
    else if (KEY("momentum"))
        g->hp.momentum = v;
    else if (KEY("nesterov"))
        g->hp.nesterov = v != 0.0;
    else if (KEY("alpha"))
        g->hp.alpha = v;
    else if (KEY("beta1"))
        g->hp.beta1 = v;
    else if (KEY("beta2"))
        g->hp.beta2 = v;
    else if (KEY("eps"))
        g->hp.eps = v;
    else if (KEY("weight_decay"))
        g->hp.weight_decay = v;
    else if (KEY("amsgrad"))
        g->hp.amsgrad = v != 0.0;
    else if (KEY("lr_decay"))
        g->hp.lr_decay = v;
    else if (KEY("initial_accumulator"))
        g->hp.initial_accumulator = v;
    else
        fail_msg("unknown config key in '%s'", word);
#undef KEY
}

/* Reads GOLDEN_DIR/<name>.csv and .params into g; fails the test on any
 * malformed line. */
static void golden_read(golden *g, const char *name)
{
    char path[512], line[1024];
    memset(g, 0, sizeof *g);
    gd_optim_params_default(&g->hp);
    g->lr = -1;

    snprintf(path, sizeof path, GOLDEN_DIR "%s.csv", name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    int have_config = 0, in_curve = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "# config:", 9) == 0) {
            for (char *w = strtok(line + 9, " "); w != NULL; w = strtok(NULL, " "))
                parse_config_word(g, w);
            have_config = 1;
        } else if (line[0] == '#' || line[0] == '\0') {
            continue;
        } else if (strcmp(line, "epoch,train_loss") == 0) {
            in_curve = 1;
        } else {
            assert_true(in_curve);
            long e;
            double v;
            char tail;
            if (sscanf(line, "%ld,%lf%c", &e, &v, &tail) != 2)
                fail_msg("%s: bad line '%s'", path, line);
            assert_true(e >= 1 && e <= MAX_EPOCHS);
            g->loss[e - 1] = v;
            assert_true(e == 1 || g->loss[e - 2] > 0); /* epochs in order */
        }
    }
    fclose(f);
    assert_true(have_config);
    assert_true(g->lr > 0 && g->epochs >= 1 && g->epochs <= MAX_EPOCHS);
    assert_true(g->loss[g->epochs - 1] > 0);

    snprintf(path, sizeof path, GOLDEN_DIR "%s.params", name);
    f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *comma = strchr(line, ',');
        assert_non_null(comma);
        assert_true(g->nparams < MAX_PARAMS);
        char *end;
        g->params[g->nparams++] = strtod(comma + 1, &end);
        assert_true(*end == '\n' || *end == '\0');
    }
    fclose(f);
}

/* The dataset every golden file was made from, z-scored. */
typedef struct golden_data {
    gd_dataset ds;
    gd_scaling sc;
} golden_data;

static int setup_data(void **state)
{
    golden_data *gd = calloc(1, sizeof *gd);
    if (gd == NULL)
        return -1;
    gd_load_options lo = {.path = GOLDEN_DIR "houses200.csv", .need_target = 1};
    gd_error err;
    if (gd_dataset_load(&gd->ds, &lo, &err) != GD_OK ||
        gd_dataset_standardize(&gd->ds, &gd->sc, &err) != GD_OK) {
        fprintf(stderr, "golden data: %s\n", err.message);
        free(gd);
        return -1;
    }
    *state = gd;
    return 0;
}

static int teardown_data(void **state)
{
    golden_data *gd = *state;
    gd_scaling_free(&gd->sc);
    gd_dataset_free(&gd->ds);
    free(gd);
    return 0;
}

/* Collects the losses the trainer reports. */
typedef struct curve {
    long n;
    double loss[MAX_EPOCHS];
} curve;

static int record_epoch(const gd_epoch_info *info, void *user)
{
    curve *c = user;
    assert_int_equal(info->epoch, c->n + 1);
    assert_true(c->n < MAX_EPOCHS);
    c->loss[c->n++] = info->train_loss;
    return 0;
}

/* How far a run is from its golden file. */
typedef struct deviation {
    double loss;   /* largest relative difference over the epochs */
    long epoch;    /* where it is */
    double params; /* largest |a - b| / max(1, |a|, |b|) over the parameters */
} deviation;

static double rel_diff(double a, double b, double floor)
{
    double scale = fmax(floor, fmax(fabs(a), fabs(b)));
    return scale > 0 ? fabs(a - b) / scale : 0.0;
}

/* Trains with g's configuration on the golden data and measures the
 * distance to g's trajectory. */
static deviation run_against(const golden_data *gd, const golden *g)
{
    const gd_optimizer_ops *ops = gd_optimizer_find(g->opt);
    assert_non_null(ops);
    gd_train_config cfg;
    gd_train_config_default(&cfg, ops);
    cfg.hp = g->hp;
    cfg.lr = g->lr;
    cfg.batch_size = g->batch;
    cfg.max_epochs = g->epochs;
    cfg.tol = 0;
    cfg.grad_tol = 0;
    cfg.shuffle = 0;
    cfg.init = GD_INIT_ZEROS;
    cfg.l2 = 0;
    gd_schedule_config_default(&cfg.schedule, GD_SCHEDULE_CONSTANT);

    const size_t np = gd->ds.d + 1;
    assert_int_equal(np, g->nparams);
    double params[MAX_PARAMS];
    curve *c = calloc(1, sizeof *c);
    assert_non_null(c);
    gd_train_result res;
    gd_error err;
    gd_status st = gd_train(&gd->ds, &cfg, params, &res, record_epoch, c, &err);
    if (st != GD_OK)
        fail_msg("gd_train: %s", err.message);
    assert_int_equal(res.reason, GD_STOP_MAX_EPOCHS);
    assert_int_equal(res.epochs, g->epochs);
    assert_int_equal(c->n, g->epochs);

    const double scale = gd->sc.y_std * gd->sc.y_std;
    deviation dev = {0, 0, 0};
    for (long e = 0; e < g->epochs; e++) {
        double r = rel_diff(c->loss[e] * scale, g->loss[e], 0.0);
        if (!(r <= dev.loss)) { /* also catches NaN */
            dev.loss = r;
            dev.epoch = e + 1;
        }
    }
    for (size_t j = 0; j < np; j++) {
        double r = rel_diff(params[j], g->params[j], 1.0);
        if (!(r <= dev.params))
            dev.params = r;
    }
    free(c);
    return dev;
}

static void check_golden(void **state, const char *name)
{
    golden *g = malloc(sizeof *g);
    assert_non_null(g);
    golden_read(g, name);
    deviation dev = run_against(*state, g);
    print_message("golden %-13s %ld epochs: max rel. loss diff %.3g (epoch %ld), "
                  "max param diff %.3g\n", name, g->epochs, dev.loss, dev.epoch, dev.params);
    free(g);
    assert_true(dev.loss <= LOSS_TOL);
    assert_true(dev.params <= PARAM_TOL);
}

static void test_gd(void **state) { check_golden(state, "gd"); }
static void test_sgd(void **state) { check_golden(state, "sgd"); }
static void test_sgd_momentum(void **state) { check_golden(state, "sgd_momentum"); }
static void test_sgd_nesterov(void **state) { check_golden(state, "sgd_nesterov"); }
static void test_gd_nesterov(void **state) { check_golden(state, "gd_nesterov"); }
static void test_rmsprop(void **state) { check_golden(state, "rmsprop"); }
static void test_rmsprop_b32(void **state) { check_golden(state, "rmsprop_b32"); }
static void test_adam(void **state) { check_golden(state, "adam"); }
static void test_adam_b32(void **state) { check_golden(state, "adam_b32"); }
static void test_adamw(void **state) { check_golden(state, "adamw"); }
static void test_adamw_wd(void **state) { check_golden(state, "adamw_wd"); }
static void test_adamw_b32(void **state) { check_golden(state, "adamw_b32"); }
static void test_adam_amsgrad(void **state) { check_golden(state, "adam_amsgrad"); }
static void test_adam_amsgrad_b32(void **state) { check_golden(state, "adam_amsgrad_b32"); }
static void test_adamw_amsgrad(void **state) { check_golden(state, "adamw_amsgrad"); }
static void test_adamw_amsgrad_b32(void **state) { check_golden(state, "adamw_amsgrad_b32"); }
static void test_adagrad_b32(void **state) { check_golden(state, "adagrad_b32"); }
static void test_adagrad_decay(void **state) { check_golden(state, "adagrad_decay"); }
static void test_adagrad_decay_b32(void **state) { check_golden(state, "adagrad_decay_b32"); }

/* The comparison can fail: small changes to a run's configuration move it
 * well beyond the tolerance. */
static void test_sensitivity(void **state)
{
    golden *g = malloc(sizeof *g);
    assert_non_null(g);
    golden_read(g, "sgd_nesterov");
    golden base = *g;

    g->lr = base.lr * (1 + 1e-9);
    assert_true(run_against(*state, g).loss > LOSS_TOL);
    *g = base;
    g->hp.nesterov = 0;
    assert_true(run_against(*state, g).loss > 1e-6);
    *g = base;
    g->batch = 33;
    assert_true(run_against(*state, g).loss > 1e-6);

    golden_read(g, "adam");
    base = *g;
    g->hp.eps = base.hp.eps * (1 + 1e-9);
    assert_true(run_against(*state, g).loss > LOSS_TOL);
    *g = base;
    g->hp.beta2 = 0.999;
    assert_true(run_against(*state, g).loss > 1e-6);

    /* The newer hyperparameters reach their rules: each golden run misses
     * its file without the setting that made it. */
    golden_read(g, "adamw_wd");
    g->hp.weight_decay = 0.01;
    assert_true(run_against(*state, g).loss > 1e-6);
    golden_read(g, "adam_amsgrad_b32");
    g->hp.amsgrad = 0;
    assert_true(run_against(*state, g).loss > 1e-6);
    golden_read(g, "adagrad_decay");
    g->hp.lr_decay = 0;
    assert_true(run_against(*state, g).loss > 1e-6);
    golden_read(g, "adagrad_decay");
    g->hp.initial_accumulator = 0.5;
    assert_true(run_against(*state, g).loss > 1e-6);
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gd),
        cmocka_unit_test(test_sgd),
        cmocka_unit_test(test_sgd_momentum),
        cmocka_unit_test(test_sgd_nesterov),
        cmocka_unit_test(test_gd_nesterov),
        cmocka_unit_test(test_rmsprop),
        cmocka_unit_test(test_rmsprop_b32),
        cmocka_unit_test(test_adam),
        cmocka_unit_test(test_adam_b32),
        cmocka_unit_test(test_adamw),
        cmocka_unit_test(test_adamw_wd),
        cmocka_unit_test(test_adamw_b32),
        cmocka_unit_test(test_adam_amsgrad),
        cmocka_unit_test(test_adam_amsgrad_b32),
        cmocka_unit_test(test_adamw_amsgrad),
        cmocka_unit_test(test_adamw_amsgrad_b32),
        cmocka_unit_test(test_adagrad_b32),
        cmocka_unit_test(test_adagrad_decay),
        cmocka_unit_test(test_adagrad_decay_b32),
        cmocka_unit_test(test_sensitivity),
    };
    return cmocka_run_group_tests(tests, setup_data, teardown_data);
}
