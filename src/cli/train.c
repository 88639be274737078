/*
 * gdtrain train: load a CSV, standardize, train, write the model, summarize.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "fit.h"
#include "gdtrain/dataset.h"
#include "gdtrain/model.h"
#include "gdtrain/optim.h"
#include "gdtrain/schedule.h"
#include "gdtrain/trainer.h"
#include "msg.h"
#include "options.h"

#define DEFAULT_MODEL_PATH "gdtrain.model"

typedef struct train_settings {
    const char *data;     /* CSV path, "-" = stdin */
    char delimiter;
    const char *target;   /* NULL = last column */
    const char *features; /* comma list, NULL = all others */
    const char *out;      /* model path */
    const char *opt;      /* optimizer name */
    double lr;
    long epochs;
    size_t batch_size;
    double momentum;
    int nesterov;
    double alpha, beta1, beta2, eps;
    uint64_t seed;
    int shuffle;
    const char *init;     /* "zeros" or "random" */
    double tol;
    long patience;
    double grad_tol;
    double l2;
    const char *schedule; /* schedule name */
    int strict;
    int quiet;
} train_settings;

#define S(field) offsetof(train_settings, field)
static const cli_option train_options[] = {
    CLI_DATA_OPTIONS(train_settings),
    {"out", 'o', OPT_STRING, 0, S(out), "FILE", "model file to write (default: " DEFAULT_MODEL_PATH ")"},
    {"opt", 0, OPT_STRING, 0, S(opt), "NAME", "optimizer: gd, sgd, rmsprop, adam (default: adam)"},
    {"lr", 0, OPT_DOUBLE, OPT_POSITIVE, S(lr), "RATE", "learning rate (default: the optimizer's, listed below)"},
    {"epochs", 'e', OPT_LONG, OPT_POSITIVE, S(epochs), "N", "maximum number of epochs (default: 10000)"},
    {"batch-size", 'b', OPT_SIZE, 0, S(batch_size), "N", "rows per step; 0 = all rows (default: the optimizer's)"},
    {"momentum", 0, OPT_DOUBLE, OPT_UNIT, S(momentum), "MU", "gd/sgd momentum factor (default: 0)"},
    {"nesterov", 0, OPT_FLAG, 0, S(nesterov), NULL, "gd/sgd: use Nesterov momentum (default: off)"},
    {"alpha", 0, OPT_DOUBLE, OPT_UNIT, S(alpha), "A", "rmsprop smoothing constant (default: 0.99)"},
    {"beta1", 0, OPT_DOUBLE, OPT_UNIT, S(beta1), "B1", "adam first-moment decay (default: 0.9)"},
    {"beta2", 0, OPT_DOUBLE, OPT_UNIT, S(beta2), "B2", "adam second-moment decay (default: 0.999)"},
    {"eps", 0, OPT_DOUBLE, OPT_POSITIVE, S(eps), "EPS", "rmsprop/adam denominator term (default: 1e-8)"},
    {"seed", 0, OPT_U64, 0, S(seed), "N", "seed for shuffling and random init (default: 1)"},
    {"shuffle", 0, OPT_FLAG, 0, S(shuffle), NULL, "shuffle rows every epoch for mini-batches (default: on; --no-shuffle keeps file order)"},
    {"init", 0, OPT_STRING, 0, S(init), "KIND", "initial weights: zeros or random (default: zeros)"},
    {"tol", 0, OPT_DOUBLE, OPT_NONNEG, S(tol), "REL", "stop when the loss changes by less than REL (relative) for --patience epochs; 0 = run all --epochs (default: 1e-10)"},
    {"patience", 0, OPT_LONG, OPT_POSITIVE, S(patience), "N", "epochs the change must stay below --tol (default: 10)"},
    {"grad-tol", 0, OPT_DOUBLE, OPT_NONNEG, S(grad_tol), "G", "stop when the gradient norm is below G; 0 = off (default: 1e-9)"},
    {"l2", 0, OPT_DOUBLE, OPT_NONNEG, S(l2), "LAMBDA", "ridge penalty: minimize MSE + LAMBDA*|w|^2 on standardized data (default: 0)"},
    {"schedule", 0, OPT_STRING, 0, S(schedule), "NAME", "learning-rate schedule: constant, or plateau: halve the rate after 5 epochs without a new best loss (default)"},
    {"strict", 0, OPT_FLAG, 0, S(strict), NULL, "exit 1 when training stops at the epoch limit without converging"},
    {"quiet", 'q', OPT_FLAG, 0, S(quiet), NULL, "print nothing but errors"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
#undef S

static void print_train_help(void)
{
    cli_print_main_help();
    printf("Training options:\n");
    cli_print_options(train_options, stdout);
    printf("\nOptimizers (--opt), with their default learning rate and batch size:\n");
    for (const gd_optimizer_ops *const *o = gd_optimizer_list(); *o != NULL; o++) {
        char batch[32];
        if ((*o)->default_batch == 0)
            snprintf(batch, sizeof batch, "all rows");
        else
            snprintf(batch, sizeof batch, "%zu rows", (*o)->default_batch);
        printf("  %-8s lr %-6g batch %-9s %s\n", (*o)->name, (*o)->default_lr, batch,
               (*o)->summary);
    }
    printf("\nTraining runs on standardized columns (z-scores); losses are reported as\n"
           "mean squared error in the target's own units. Training stops when the\n"
           "loss has converged (--tol, --patience), the gradient vanishes (--grad-tol),\n"
           "or at --epochs; the model file gets the weights in original units.\n\n");
    cli_print_exit_codes();
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Builds the trainer configuration from the settings; 0 with a usage
 * message if the combination is invalid. */
static int make_config(const train_settings *s, const unsigned char *set,
                       gd_train_config *cfg)
{
    const gd_optimizer_ops *ops = gd_optimizer_find(s->opt);
    if (ops == NULL) {
        char names[256] = "";
        for (const gd_optimizer_ops *const *o = gd_optimizer_list(); *o; o++) {
            strncat(names, (*o)->name, sizeof names - strlen(names) - 1);
            if (o[1] != NULL)
                strncat(names, ", ", sizeof names - strlen(names) - 1);
        }
        cli_usage_error("train", "unknown optimizer '%s' (choose one of: %s)", s->opt, names);
        return 0;
    }
    gd_train_config_default(cfg, ops);
#define IF_SET(name) if (set[cli_option_index(train_options, name)])
    IF_SET("lr") cfg->lr = s->lr;
    IF_SET("batch-size") cfg->batch_size = s->batch_size;
    IF_SET("epochs") cfg->max_epochs = s->epochs;
    IF_SET("momentum") cfg->hp.momentum = s->momentum;
    IF_SET("nesterov") cfg->hp.nesterov = s->nesterov;
    IF_SET("alpha") cfg->hp.alpha = s->alpha;
    IF_SET("beta1") cfg->hp.beta1 = s->beta1;
    IF_SET("beta2") cfg->hp.beta2 = s->beta2;
    IF_SET("eps") cfg->hp.eps = s->eps;
    IF_SET("seed") cfg->seed = s->seed;
    IF_SET("shuffle") cfg->shuffle = s->shuffle;
    IF_SET("tol") cfg->tol = s->tol;
    IF_SET("patience") cfg->patience = (int)(s->patience > 1000000 ? 1000000 : s->patience);
    IF_SET("grad-tol") cfg->grad_tol = s->grad_tol;
    IF_SET("l2") cfg->l2 = s->l2;
#undef IF_SET
    if (strcmp(s->init, "zeros") == 0) {
        cfg->init = GD_INIT_ZEROS;
    } else if (strcmp(s->init, "random") == 0) {
        cfg->init = GD_INIT_RANDOM;
    } else {
        cli_usage_error("train", "unknown --init '%s' (choose zeros or random)", s->init);
        return 0;
    }
    gd_schedule_kind kind;
    if (!gd_schedule_kind_from_name(s->schedule, &kind)) {
        cli_usage_error("train", "unknown --schedule '%s' (choose constant or plateau)",
                        s->schedule);
        return 0;
    }
    gd_schedule_config_default(&cfg->schedule, kind);
    /* The plateau schedule's floor: far enough below the base rate to reach
     * the optimum, high enough that a stalled run still ends. */
    cfg->schedule.min_lr = cfg->lr * 1e-6;
    char msg[256];
    if (!gd_optim_params_check(ops, &cfg->hp, msg, sizeof msg)) {
        cli_usage_error("train", "%s", msg);
        return 0;
    }
    return 1;
}

/* Records how the model was made, in the model file's info lines. */
static gd_status describe_training(gd_model *m, const train_settings *s,
                                   const gd_train_config *cfg, const gd_train_result *r,
                                   double loss_scale, size_t rows, gd_error *err)
{
    char num[64];
    gd_status st = GD_OK;
#define INFO(key, value) \
    if (st == GD_OK) st = gd_model_set_info(m, key, value, err)
#define INFO_NUM(key, v) INFO(key, cli_num(num, sizeof num, v))
    INFO("gdtrain_version", GDTRAIN_VERSION);
    INFO("data", s->data);
    INFO_NUM("rows", (double)rows);
    INFO("optimizer", cfg->opt->name);
    INFO_NUM("lr", cfg->lr);
    INFO_NUM("batch_size", (double)(cfg->batch_size == 0 || cfg->batch_size > rows ? rows : cfg->batch_size));
    unsigned uses = cfg->opt->uses;
    if (uses & GD_USES_MOMENTUM) INFO_NUM("momentum", cfg->hp.momentum);
    if (uses & GD_USES_NESTEROV) INFO("nesterov", cfg->hp.nesterov ? "yes" : "no");
    if (uses & GD_USES_ALPHA) INFO_NUM("alpha", cfg->hp.alpha);
    if (uses & GD_USES_BETAS) { INFO_NUM("beta1", cfg->hp.beta1); INFO_NUM("beta2", cfg->hp.beta2); }
    if (uses & GD_USES_EPS) INFO_NUM("eps", cfg->hp.eps);
    INFO("schedule", gd_schedule_kind_name(cfg->schedule.kind));
    INFO("shuffle", cfg->shuffle ? "yes" : "no");
    INFO("init", cfg->init == GD_INIT_RANDOM ? "random" : "zeros");
    snprintf(num, sizeof num, "%llu", (unsigned long long)cfg->seed);
    INFO("seed", num);
    INFO_NUM("l2", cfg->l2);
    INFO_NUM("tol", cfg->tol);
    INFO_NUM("epochs", (double)r->epochs);
    INFO_NUM("steps", (double)r->steps);
    INFO("stop_reason", gd_stop_reason_name(r->reason));
    INFO_NUM("train_mse", r->train_loss * loss_scale);
#undef INFO_NUM
#undef INFO
    return st;
}

/* Adds the optimum's figures to the model's info lines. */
static gd_status describe_optimum(gd_model *m, const gd_solve_info *opt, double gap,
                                  double loss_scale, gd_error *err)
{
    char num[64];
    gd_status st = gd_model_set_info(m, "optimum_mse", cli_num(num, sizeof num, opt->mse * loss_scale), err);
    if (st == GD_OK)
        st = gd_model_set_info(m, "gap", isnan(gap) ? "n/a" : cli_num(num, sizeof num, gap), err);
    if (st == GD_OK)
        st = gd_model_set_info(m, "constant_mse", cli_num(num, sizeof num, opt->mse_const * loss_scale), err);
    return st;
}

static const char *stop_explanation(const gd_train_result *r, const gd_train_config *cfg,
                                    char *buf, size_t size)
{
    switch (r->reason) {
    case GD_STOP_CONVERGED:
        snprintf(buf, size, "converged: the loss changed by less than %g (relative) for %d epochs",
                 cfg->tol, cfg->patience);
        break;
    case GD_STOP_GRADIENT:
        snprintf(buf, size, "converged: the gradient norm fell below %g", cfg->grad_tol);
        break;
    case GD_STOP_MAX_EPOCHS:
        snprintf(buf, size, "reached the epoch limit (%ld)%s", cfg->max_epochs,
                 cfg->tol > 0 ? " before the loss converged" : "");
        break;
    case GD_STOP_DIVERGED:
        snprintf(buf, size, "diverged");
        break;
    case GD_STOP_REQUESTED:
        snprintf(buf, size, "stopped on request");
        break;
    }
    return buf;
}

int cmd_train(int argc, char **argv)
{
    train_settings s = {
        .delimiter = ',', .out = DEFAULT_MODEL_PATH, .opt = "adam",
        .init = "zeros", .schedule = "plateau", .shuffle = 1,
    };
    unsigned char set[sizeof train_options / sizeof train_options[0]] = {0};
    int early = cli_parse_command(NULL, train_options, argc, argv, &s, set, print_train_help);
    if (early >= 0)
        return early;
    cli_quiet = s.quiet;
    if (s.data == NULL) {
        cli_usage_error(NULL, "no training data: give --data FILE");
        return 2;
    }
    gd_train_config cfg;
    if (!make_config(&s, set, &cfg))
        return 2;

    int exit_code = 0;
    gd_error err;
    gd_error_clear(&err);
    gd_dataset ds = {0};
    gd_scaling sc = {0};
    gd_model model = {0};
    double *params = NULL;
    gd_status st = GD_OK;

    int64_t t0 = now_ns();
    cli_data_choice choice = {s.data, s.delimiter, s.target, s.features};
    exit_code = cli_load_standardized(&choice, &ds, &sc);
    if (exit_code != 0)
        goto done;
    int64_t t_loaded = now_ns();

    params = calloc(ds.d + 1, sizeof *params);
    if (params == NULL) {
        st = gd_error_set(&err, GD_ERR_IO, NULL, 0, 0, "out of memory");
        goto fail;
    }
    gd_train_result res;
    st = gd_train(&ds, &cfg, params, &res, NULL, NULL, &err);
    if (st != GD_OK)
        goto fail;
    int64_t t_trained = now_ns();
    const double loss_scale = sc.y_std * sc.y_std;
    if (res.reason == GD_STOP_DIVERGED) {
        cli_error("training diverged at epoch %ld: the loss %s; try a smaller --lr "
                  "(this run used %g); no model was written",
                  res.epochs, isfinite(res.train_loss) ? "grew more than a million-fold"
                                                       : "is no longer a finite number",
                  res.lr);
        exit_code = 1;
        goto done;
    }

    /* The gap is measured on the objective training minimized: the MSE plus
     * the ridge penalty, if any. */
    gd_solve_info opt;
    int have_opt = cli_optimum(&ds, cfg.l2, &opt);
    double penalty = 0;
    for (size_t j = 0; j < ds.d; j++)
        penalty += cfg.l2 * params[j] * params[j];
    double gap = have_opt ? cli_relative_gap(res.train_loss + penalty, opt.objective) : NAN;

    st = cli_make_model(&ds, &sc, params, &model, &err);
    if (st == GD_OK)
        st = describe_training(&model, &s, &cfg, &res, loss_scale, ds.n, &err);
    if (st == GD_OK && have_opt)
        st = describe_optimum(&model, &opt, gap, loss_scale, &err);
    if (st == GD_OK)
        st = gd_model_save(&model, s.out, &err);
    if (st != GD_OK)
        goto fail;
    int64_t t_written = now_ns();

    double mse = res.train_loss * loss_scale;
    char why[256];
    cli_say("gdtrain: %s on %s: %zu rows, %zu features\n", cfg.opt->name,
            strcmp(s.data, "-") == 0 ? "<stdin>" : s.data, ds.n, ds.d);
    cli_say_formula(&model);
    cli_say("  epochs %ld, stop: %s\n", res.epochs, stop_explanation(&res, &cfg, why, sizeof why));
    if (sc.y_constant)
        cli_say("  train MSE %.6g, RMSE %.6g, R^2 n/a (constant target)\n", mse, sqrt(mse));
    else
        cli_say("  train MSE %.6g, RMSE %.6g, R^2 %.6f\n", mse, sqrt(mse), 1.0 - res.train_loss);
    if (have_opt) {
        if (isnan(gap))
            cli_say("  optimum MSE %.6g (exact least squares)\n", opt.mse * loss_scale);
        else
            cli_say("  optimum MSE %.6g (exact least squares), gap %.3g%s; predicting the mean "
                    "scores MSE %.6g\n", opt.mse * loss_scale, gap,
                    cfg.l2 > 0 ? " on MSE + l2 penalty" : "", opt.mse_const * loss_scale);
        if (opt.rank < ds.d + 1)
            cli_warn("the features are collinear (rank %zu of %zu): the weights are not "
                     "unique", opt.rank, ds.d + 1);
    }
    cli_say("  model written to %s (load %.3f s, train %.3f s, total %.3f s)\n", s.out,
            (double)(t_loaded - t0) * 1e-9, (double)(t_trained - t_loaded) * 1e-9,
            (double)(t_written - t0) * 1e-9);
    if (res.reason == GD_STOP_MAX_EPOCHS && cfg.tol > 0) {
        if (s.strict) {
            cli_error("did not converge within %ld epochs (--strict)", cfg.max_epochs);
            exit_code = 1;
        } else {
            cli_warn("did not converge within %ld epochs; raise --epochs or --lr", cfg.max_epochs);
        }
    }
    goto done;

fail:
    cli_report(&err);
    exit_code = (int)st;
done:
    gd_model_free(&model);
    free(params);
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
    return exit_code;
}
