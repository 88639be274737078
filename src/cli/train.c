/*
 * gdtrain train: load a CSV, standardize, train, write the model, summarize.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "core/memory.h"
#include "cv.h"
#include "fit.h"
#include "train/checkpoint.h"
#include "report/curve.h"
#include "gdtrain/dataset.h"
#include "gdtrain/fit.h"
#include "gdtrain/hparams.h"
#include "io/atomicfile.h"
#include "io/json.h"
#include "gdtrain/loss.h"
#include "report/svg.h"
#include "gdtrain/model.h"
#include "gdtrain/optim.h"
#include "gdtrain/schedule.h"
#include "gdtrain/trainer.h"
#include "msg.h"
#include "signals.h"
#include "options.h"
#include "train.h"


#define S(field) offsetof(train_settings, field)
/* The options that are not hyperparameters, before and after the rows
 * build_train_options makes from the hyperparameter table. */
static const cli_option leading_options[] = {
    CLI_DATA_OPTIONS(train_settings),
    CLI_TABLE_OPTIONS(train_settings, table),
    CLI_CACHE_OPTION(train_settings),
    {"out", 'o', OPT_STRING, 0, S(out), "FILE", "model file to write ('-' = standard output; default: " DEFAULT_MODEL_PATH ")"},
    {"opt", 0, OPT_STRING, 0, S(opt), "NAME", "optimizer, one of those listed below (default: adam)"},
    {"schedule", 0, OPT_STRING, 0, S(schedule), "NAME", "learning-rate schedule, one of those listed below (default: plateau for sgd and rmsprop, constant for the others)"},
    {"init", 0, OPT_STRING, 0, S(init), "KIND", "initial weights: zeros or random (default: zeros)"},
    {"init-from", 0, OPT_STRING, 0, S(init_from), "MODEL", "warm start from a model file with the same feature names ('-' = standard input)"},
    {"checkpoint", 0, OPT_STRING, 0, S(checkpoint), "FILE", "when training stops at --epochs or on SIGINT/SIGTERM, save the run (weights, optimizer state, schedule, random stream) to FILE"},
    {"resume", 0, OPT_STRING, 0, S(resume), "FILE", "continue the run saved in FILE with its options; options given here override them (e.g. a higher --epochs)"},
};
static const cli_option trailing_options[] = {
    {"val-split", 0, OPT_DOUBLE, OPT_UNIT, S(val_split), "F", "hold out a seeded random fraction F of the rows for validation (default: 0)"},
    {"val", 0, OPT_STRING, 0, S(val), "FILE", "validation rows from another CSV with the same columns"},
    {"early-stop", 0, OPT_FLAG, 0, S(early_stop), NULL, "stop when the validation loss has not improved for --patience epochs, and keep the best weights"},
    {"cv", 0, OPT_SIZE, 0, S(cv), "K", "first cross-validate: K trainings, each scored on one of K contiguous folds (validation MSE, RMSE, R^2 per fold, mean +- sd); then train on every row"},
    {"cv-shuffle", 0, OPT_FLAG, 0, S(cv_shuffle), NULL, "--cv folds from a shuffle seeded by --seed instead of file order"},
    {"strict", 0, OPT_FLAG, 0, S(strict), NULL, "exit 1 when training stops at the epoch limit without converging"},
    {"quiet", 'q', OPT_FLAG, 0, S(quiet), NULL, "print nothing but errors"},
    {"verbose", 'v', OPT_FLAG, 0, S(verbose), NULL, "print a table row at epochs 1, 2, 4, 8, ... and the last"},
    {"json", 0, OPT_FLAG, 0, S(json), NULL, "print a JSON summary of the run on standard output"},
    {"curve", 0, OPT_STRING, 0, S(curve), "FILE", "write the loss curve, one CSV row per epoch, as training runs ('-' = standard output)"},
    {"check-curve", 0, OPT_STRING, 0, S(check_curve), "REF", "compare every epoch with the curve file REF and fail (exit 1) at the first difference; a shorter run checks the epochs it ran"},
    {"rtol", 0, OPT_DOUBLE, OPT_NONNEG, S(rtol), "R", "--check-curve relative tolerance (default: 1e-9; 0 = identical)"},
    {"atol", 0, OPT_DOUBLE, OPT_NONNEG, S(atol), "A", "--check-curve absolute tolerance (default: 0)"},
    {"plot", 0, OPT_STRING, 0, S(plot), "FILE", "draw the loss curve (log scale, with the optimum) as an SVG file ('-' = standard output)"},
    {"threads", 0, OPT_LONG, OPT_NONNEG, S(threads), "N", "threads for the passes over the data; 0 = every online CPU (default); results are identical for any N"},
    {"stream", 0, OPT_FLAG, 0, S(stream), NULL, "never hold the rows in memory: read them a chunk at a time on every pass from the binary cache (--cache PATH, else written beside the data first; not with --no-cache) (numeric tables: no --categorical; full batches, or mini-batches with --shuffle blocks or --no-shuffle; --val FILE is streamed too, through FILE.gdcache; no --val-split); the same model as in memory"},
    {"memory", 0, OPT_STRING, 0, S(memory), "SIZE", "stream (as --stream, with a note) a file whose rows would take more than SIZE bytes parsed (8 bytes a field; suffix K, M, G or T: powers of 1024) (default: half the physical memory, or of the memory cgroup's limit when smaller; with --no-cache such a file is loaded in memory, with a warning)"},
};
#undef S

#define MAX_HPARAMS 64
enum {
    LEADING = sizeof leading_options / sizeof leading_options[0],
    TRAILING = sizeof trailing_options / sizeof trailing_options[0]
};

/* The fixed rows and one row per hyperparameter, NULL-terminated; filled by
 * build_train_options. */
static cli_option train_options[LEADING + MAX_HPARAMS + TRAILING + 1];
static char hparam_help[MAX_HPARAMS][320];

/* Short names of hyperparameter options. */
static const struct {
    const char *option;
    char short_name;
} hparam_shorts[] = {{"epochs", 'e'}, {"batch-size", 'b'}};

static opt_kind hparam_kind(gd_hparam_type type)
{
    switch (type) {
    case GD_HP_DOUBLE:
        return OPT_DOUBLE;
    case GD_HP_LONG:
        return OPT_LONG;
    case GD_HP_INT:
        return OPT_INT;
    case GD_HP_FLAG:
        return OPT_FLAG;
    case GD_HP_SIZE:
        return OPT_SIZE;
    case GD_HP_U64:
        return OPT_U64;
    }
    return OPT_STRING;
}

static unsigned hparam_check(gd_hparam_range range)
{
    switch (range) {
    case GD_RANGE_POSITIVE:
        return OPT_POSITIVE;
    case GD_RANGE_NONNEG:
        return OPT_NONNEG;
    case GD_RANGE_UNIT:
        return OPT_UNIT;
    case GD_RANGE_UNIT_RIGHT:
        return OPT_UNIT_RIGHT;
    case GD_RANGE_ANY:
        break;
    }
    return OPT_ANY;
}

/* v as --help writes numbers: %g without the exponent's leading zeros
 * (1e-9, not 1e-09). */
static void help_number(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%g", v);
    char *e = strchr(buf, 'e');
    if (e == NULL)
        return;
    char *digits = e + 2; /* past the sign */
    size_t zeros = strspn(digits, "0");
    memmove(digits, digits + zeros, strlen(digits + zeros) + 1);
}

/* The option row of hyperparameter h, its help text in help (size bytes). */
static cli_option hparam_option(const gd_hparam *h, char *help, size_t size)
{
    char users[160], def[64];
    gd_hparam_users(h, users, sizeof users);
    if (h->default_text != NULL)
        snprintf(def, sizeof def, "%s", h->default_text);
    else if (h->type == GD_HP_FLAG)
        snprintf(def, sizeof def, "%s", h->def != 0 ? "on" : "off");
    else
        help_number(def, sizeof def, h->def);
    snprintf(help, size, "%s%s%s (default: %s)", users, users[0] ? ": " : "", h->help, def);
    cli_option o = {h->option, 0, hparam_kind(h->type), hparam_check(h->range),
                    offsetof(train_settings, hparams) + gd_hparam_offset(h), h->metavar, help};
    for (size_t k = 0; k < sizeof hparam_shorts / sizeof hparam_shorts[0]; k++)
        if (strcmp(hparam_shorts[k].option, h->option) == 0)
            o.short_name = hparam_shorts[k].short_name;
    return o;
}

/* Fills train_options (once). */
static void build_train_options(void)
{
    if (train_options[0].name != NULL)
        return;
    size_t count;
    const gd_hparam *rows = gd_hparam_list(&count);
    assert(count <= MAX_HPARAMS);
    size_t n = 0;
    for (size_t i = 0; i < LEADING; i++)
        train_options[n++] = leading_options[i];
    for (size_t i = 0; i < count; i++)
        train_options[n++] = hparam_option(&rows[i], hparam_help[i], sizeof hparam_help[i]);
    for (size_t i = 0; i < TRAILING; i++)
        train_options[n++] = trailing_options[i];
    train_options[n] = (cli_option){0};
}

/* The set flags of the hyperparameter rows, in table order. */
static const unsigned char *hparams_given(const unsigned char *set)
{
    return set + LEADING;
}

static void print_train_help(void)
{
    if (cli_train_parted != NULL && cli_train_parted->help != NULL) {
        cli_train_parted->help();
        return;
    }
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
    printf("\nSchedules (--schedule):\n");
    for (const char *const *n = gd_schedule_list(); *n != NULL; n++) {
        gd_schedule_kind kind;
        gd_schedule_kind_from_name(*n, &kind);
        printf("  %-11s %s\n", *n, gd_schedule_kind_summary(kind));
    }
    printf("\nTraining runs on standardized columns (z-scores); losses are reported as\n"
           "mean squared error in the target's own units. Training stops when the\n"
           "loss has converged (--tol, --patience), the gradient vanishes (--grad-tol),\n"
           "or at --epochs; the model file gets the weights in original units.\n\n");
    cli_print_exit_codes("training failed: diverged, did not converge with --strict, or the\n"
                         "     curve differs from --check-curve",
                         "malformed CSV, non-numeric cell, bad model, curve or checkpoint file",
                         "cannot read or write a file, out of memory", 1);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Builds the trainer configuration from the settings; 0 with a usage
 * message if the combination is invalid. */
/* Whether --no-cache was given: it leaves cache NULL, as no --cache does, so
 * only set (the options given) tells the two apart. */
static int no_cache(const train_settings *s, const unsigned char *set)
{
    return s->cache == NULL && set[cli_option_index(train_options, "cache")];
}

static int make_config(const char *cmd, const train_settings *s, const unsigned char *set,
                       gd_train_config *cfg)
{
    gd_error err;
    gd_train_choice choice = {s->opt, s->schedule, &s->hparams, hparams_given(set)};
    if (gd_train_config_build(cfg, &choice, &err) != GD_OK) {
        cli_usage_error(cmd, "%s", err.message);
        return 0;
    }
    cfg->threads = (int)(s->threads > 1024 ? 1024 : s->threads);
    cfg->early_stop = s->early_stop;
    if (s->early_stop && s->val_split == 0 && s->val == NULL) {
        cli_usage_error(cmd, "--early-stop needs validation rows: give --val-split F or --val FILE");
        return 0;
    }
    if (s->val_split > 0 && s->val != NULL) {
        cli_usage_error(cmd, "give either --val-split or --val, not both");
        return 0;
    }
    if (s->cv > 0 && (s->val_split > 0 || s->val != NULL || s->early_stop || s->resume)) {
        cli_usage_error(cmd, "--cv makes its own validation folds: not with --val-split, "
                             "--val, --early-stop or --resume");
        return 0;
    }
    if (s->cv > 0 && strcmp(s->data, "-") == 0) {
        cli_usage_error(cmd, "--cv reads the data once per use: give a file, not '-'");
        return 0;
    }
    if (s->cv > 0 && (s->stream || s->memory != NULL)) {
        cli_usage_error(cmd, "--cv holds each fold's rows in memory: not with --stream or "
                             "--memory");
        return 0;
    }
    if (s->stream && no_cache(s, set)) {
        cli_usage_error(cmd, "--no-cache: --stream reads its rows from the cache file; "
                             "give --cache PATH to keep it elsewhere than beside the data");
        return 0;
    }
    if (s->cv_shuffle && s->cv == 0) {
        cli_usage_error(cmd, "--cv-shuffle goes with --cv K");
        return 0;
    }
    if (s->init_from != NULL && set[cli_option_index(train_options, "init")]) {
        cli_usage_error(cmd, "give either --init or --init-from, not both");
        return 0;
    }
    if (s->init_from != NULL) {
        cfg->init = GD_INIT_GIVEN;
    } else if (strcmp(s->init, "zeros") == 0) {
        cfg->init = GD_INIT_ZEROS;
    } else if (strcmp(s->init, "random") == 0) {
        cfg->init = GD_INIT_RANDOM;
    } else {
        cli_usage_error(cmd ? cmd : "train", "unknown --init '%s' (choose zeros or random)",
                        s->init);
        return 0;
    }
    return 1;
}

/* cfg with the values a run of rows rows really uses where a 0 stands
 * for "the default": the batch (all rows) and cosine's period (--epochs). */
static gd_train_config effective_config(const gd_train_config *cfg, size_t rows)
{
    gd_train_config run = *cfg;
    if (run.batch_size == 0 || run.batch_size > rows)
        run.batch_size = rows;
    if (run.schedule.t_max == 0)
        run.schedule.t_max = run.max_epochs;
    return run;
}

/* The info lines of the hyperparameters of owner that cfg's optimizer or
 * schedule reads, in table order. */
static gd_status info_hparams(gd_model *m, const gd_train_config *cfg, size_t nrows,
                              gd_hparam_owner owner, gd_error *err)
{
    size_t count;
    const gd_hparam *rows = gd_hparam_list(&count);
    gd_train_config run = effective_config(cfg, nrows);
    gd_status st = GD_OK;
    for (size_t i = 0; i < count && st == GD_OK; i++) {
        const gd_hparam *h = &rows[i];
        if (h->owner != owner || !gd_hparam_applies(h, &run))
            continue;
        char key[64], num[64];
        double v = gd_hparam_get(&run, h);
        st = gd_model_set_info(m, gd_hparam_key(h, key, sizeof key),
                               h->type == GD_HP_FLAG ? (v != 0 ? "yes" : "no")
                                                     : cli_num(num, sizeof num, v),
                               err);
    }
    return st;
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
    INFO_NUM("batch_size", (double)effective_config(cfg, rows).batch_size);
    if (st == GD_OK)
        st = info_hparams(m, cfg, rows, GD_HP_OPTIM, err);
    INFO("schedule", gd_schedule_kind_name(cfg->schedule.kind));
    if (st == GD_OK)
        st = info_hparams(m, cfg, rows, GD_HP_SCHEDULE, err);
    INFO("shuffle", cfg->shuffle == GD_SHUFFLE_BLOCKS ? "blocks" : cfg->shuffle ? "yes" : "no");
    INFO("init", cfg->init == GD_INIT_RANDOM ? "random" : "zeros");
    snprintf(num, sizeof num, "%llu", (unsigned long long)cfg->seed);
    INFO("seed", num);
    INFO_NUM("l2", cfg->l2);
    INFO_NUM("l1", cfg->l1);
    INFO("no_intercept", cfg->no_intercept ? "1" : "0");
    INFO_NUM("tol", cfg->tol);
    /* The rest of what shaped the fit: stopping and the rows it saw. */
    INFO_NUM("patience", (double)cfg->patience);
    INFO_NUM("grad_tol", cfg->grad_tol);
    INFO_NUM("max_epochs", (double)cfg->max_epochs);
    INFO_NUM("val_split", s->val_split);
    if (s->val != NULL)
        INFO("val", s->val);
    INFO("early_stop", cfg->early_stop ? "yes" : "no");
    if (s->init_from != NULL)
        INFO("init_from", s->init_from);
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
        snprintf(buf, size, "gradient: its norm fell below %g", cfg->grad_tol);
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
    case GD_STOP_INTERRUPTED:
        snprintf(buf, size, "interrupted");
        break;
    case GD_STOP_STALLED:
        snprintf(buf, size, "stalled: the best loss improved by less than %g (relative) in %d "
                 "epochs; kept the weights of epoch %ld", cfg->stall_tol, cfg->stall_epochs,
                 r->best_epoch);
        break;
    case GD_STOP_EARLY:
        snprintf(buf, size, "early stopping: the validation loss did not improve for %d "
                 "epochs; kept the weights of epoch %ld", cfg->patience, r->best_epoch);
        break;
    }
    return buf;
}

/* Watches the epochs for the human: the --verbose table or, on a terminal,
 * one updating progress line. */
typedef struct train_observer {
    double loss_scale;   /* standardized MSE -> target units */
    double optimum;      /* the optimum's objective (standardized), NaN if unknown */
    double scale;        /* the MSE of predicting the mean (standardized) */
    const gd_train_config *cfg;
    int verbose;         /* print table rows */
    int progress;        /* draw the progress line */
    long next_row;       /* verbose: the next epoch to print */
    long last_row;       /* verbose: the last epoch printed */
    int64_t start_ns;
    int64_t last_draw_ns;
    int drawn;           /* a progress line is on the screen */
    gd_curve_writer *curve;   /* --curve, or NULL */
    gd_curve_check *check;    /* --check-curve, or NULL */
    gd_curve history;         /* every epoch, for --plot (rows NULL when not kept) */
    size_t history_cap;
    int keep_history;
    gd_status failure;        /* why the observer stopped training, GD_OK if it did not */
    gd_error err;             /* its message */
    gd_curve_diff diff;       /* --check-curve: the difference found */
} train_observer;

/* The gap of an epoch, shown only for unpenalized runs: with a penalty the
 * epoch's objective is not at hand. */
static double gap_of(const train_observer *ob, const gd_epoch_info *e)
{
    if (ob->cfg->l2 != 0 || ob->cfg->l1 != 0)
        return NAN;
    return gd_relative_gap(e->train_loss, ob->optimum, ob->scale);
}

static void verbose_row(train_observer *ob, const gd_epoch_info *e)
{
    if (ob->last_row == 0)
        cli_say("  %8s  %-14s %-14s %-10s %-10s %s\n", "epoch", "train MSE", "val MSE",
                "gap", "grad norm", "lr");
    char val[32] = "-", gap[32] = "-";
    if (!isnan(e->val_loss))
        snprintf(val, sizeof val, "%.6e", e->val_loss * ob->loss_scale);
    double g = gap_of(ob, e);
    if (!isnan(g))
        snprintf(gap, sizeof gap, "%.3e", g);
    cli_say("  %8ld  %-14.6e %-14s %-10s %-10.3e %.4g\n", e->epoch,
            e->train_loss * ob->loss_scale, val, gap, e->grad_norm, e->lr);
    ob->last_row = e->epoch;
}

static void progress_line(train_observer *ob, const gd_epoch_info *e, int64_t now)
{
    double elapsed = (double)(now - ob->start_ns) * 1e-9;
    double rate = elapsed > 0 ? (double)e->epoch / elapsed : 0;
    char gap[48] = "";
    double g = gap_of(ob, e);
    if (!isnan(g))
        snprintf(gap, sizeof gap, "  gap %.2e", g);
    fprintf(stderr, "\r  epoch %ld/%ld  loss %.6g%s  %.0f epochs/s  at most %.0f s left\033[K",
            e->epoch, ob->cfg->max_epochs, e->train_loss * ob->loss_scale, gap, rate,
            rate > 0 ? (double)(ob->cfg->max_epochs - e->epoch) / rate : 0.0);
    ob->drawn = 1;
    ob->last_draw_ns = now;
}

static void progress_clear(train_observer *ob)
{
    if (ob->drawn)
        fprintf(stderr, "\r\033[K");
    ob->drawn = 0;
}

/* Keeps a row for --plot; 0 if out of memory. */
static int remember(train_observer *ob, const gd_curve_row *row)
{
    if (ob->history.n == ob->history_cap) {
        size_t cap = ob->history_cap ? 2 * ob->history_cap : 1024;
        gd_curve_row *rows = realloc(ob->history.rows, cap * sizeof *rows);
        if (rows == NULL)
            return 0;
        ob->history.rows = rows;
        ob->history_cap = cap;
    }
    ob->history.rows[ob->history.n++] = *row;
    return 1;
}

static int on_epoch(const gd_epoch_info *e, void *user)
{
    train_observer *ob = user;
    gd_curve_row row = {e->epoch, e->train_loss * ob->loss_scale, e->val_loss * ob->loss_scale,
                        e->grad_norm, e->lr, (double)(now_ns() - ob->start_ns) * 1e-9};
    if (ob->curve != NULL && gd_curve_append(ob->curve, &row, &ob->err) != GD_OK) {
        ob->failure = GD_ERR_IO;
        return 1;
    }
    if (ob->check != NULL && !gd_curve_check_row(ob->check, &row, &ob->diff)) {
        ob->failure = GD_ERR_TRAIN;
        return 1;
    }
    if (ob->keep_history && !remember(ob, &row)) {
        ob->failure = gd_error_set(&ob->err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return 1;
    }
    if (ob->verbose && e->epoch >= ob->next_row) {
        verbose_row(ob, e);
        ob->next_row *= 2;
    }
    if (ob->progress) {
        int64_t now = now_ns();
        if (now - ob->last_draw_ns > 100000000) /* at most 10 redraws a second */
            progress_line(ob, e, now);
    }
    return 0;
}

/* Every hyperparameter of the table in --json's "options", in table order,
 * whether the run's rules read it or not (scripts index the object by key),
 * with the choices that are not numbers (optimizer, shuffle order, init,
 * schedule) where --help lists them. Integers are written exactly, from
 * their own type: a double would round a --seed above 2^53. */
static void json_hparams(gd_json *j, const gd_train_config *cfg, size_t rows)
{
    size_t count;
    const gd_hparam *table = gd_hparam_list(&count);
    const gd_train_config run = effective_config(cfg, rows);
    gd_json_string(j, "opt", run.opt->name);
    int scheduled = 0;
    for (size_t i = 0; i < count; i++) {
        const gd_hparam *h = &table[i];
        char key[64];
        const void *value = (const char *)&run + gd_hparam_offset(h);
        if (h->owner == GD_HP_SCHEDULE && !scheduled) {
            gd_json_string(j, "schedule", gd_schedule_kind_name(run.schedule.kind));
            scheduled = 1;
        }
        gd_hparam_key(h, key, sizeof key);
        switch (h->type) {
        case GD_HP_DOUBLE: gd_json_number(j, key, *(const double *)value); break;
        case GD_HP_LONG: gd_json_integer(j, key, *(const long *)value); break;
        case GD_HP_INT: gd_json_integer(j, key, *(const int *)value); break;
        case GD_HP_SIZE: gd_json_unsigned(j, key, *(const size_t *)value); break;
        case GD_HP_U64: gd_json_unsigned(j, key, *(const uint64_t *)value); break;
        case GD_HP_FLAG: gd_json_bool(j, key, gd_hparam_get(&run, h) != 0); break;
        }
        if (strcmp(h->option, "shuffle") == 0) {
            gd_json_bool(j, "shuffle_blocks", run.shuffle == GD_SHUFFLE_BLOCKS);
            gd_json_string(j, "init", run.init == GD_INIT_RANDOM ? "random" : "zeros");
        }
    }
}

/* The run's summary for scripts: one JSON object on stdout. */
static int print_json(const train_settings *s, const gd_train_config *cfg,
                      const gd_dataset *ds, const gd_model *m, int written,
                      const gd_train_result *res,
                      double loss_scale, const gd_solve_info *opt, int have_opt, double gap,
                      const double seconds[3], const gd_cv_result *cv)
{
    gd_json j;
    gd_json_start(&j, stdout);
    gd_json_object_begin(&j, NULL);
    gd_json_string(&j, "command", "train");
    gd_json_string(&j, "data", s->data);
    gd_json_string(&j, "model", written ? s->out : NULL); /* null: none written */
    gd_json_object_begin(&j, "options");
    json_hparams(&j, cfg, gd_dataset_total(ds));
    gd_json_integer(&j, "threads", gd_loss_threads(cfg->threads));
    gd_json_number(&j, "val_split", s->val_split);
    gd_json_string(&j, "val", s->val);
    gd_json_bool(&j, "early_stop", cfg->early_stop);
    gd_json_object_end(&j);
    gd_json_integer(&j, "rows", (long long)gd_dataset_total(ds));
    cli_json_columns(&j, m);
    gd_json_integer(&j, "epochs", res->epochs);
    gd_json_integer(&j, "steps", res->steps);
    gd_json_string(&j, "stop_reason", gd_stop_reason_name(res->reason));
    gd_json_number(&j, "train_mse", res->train_loss * loss_scale);
    gd_json_number(&j, "val_mse", res->val_loss * loss_scale);
    gd_json_number(&j, "optimum_mse", have_opt ? opt->mse * loss_scale : NAN);
    gd_json_number(&j, "gap", gap);
    gd_json_number(&j, "constant_mse", have_opt ? opt->mse_const * loss_scale : NAN);
    gd_json_number(&j, "rmse", sqrt(res->train_loss * loss_scale));
    gd_json_number(&j, "r2", m->scaling.y_std > 0 && have_opt && opt->mse_const > 0
                                 ? 1.0 - res->train_loss / opt->mse_const : NAN);
    cli_json_weights(&j, m);
    if (cv != NULL)
        cli_json_cv(&j, cv);
    gd_json_object_begin(&j, "seconds");
    gd_json_number(&j, "load", seconds[0]);
    gd_json_number(&j, "train", seconds[1]);
    gd_json_number(&j, "total", seconds[2]);
    gd_json_object_end(&j);
    gd_json_object_end(&j);
    return gd_json_finish(&j);
}

/* The arguments of a run: what a checkpoint saves and --resume parses again.
 * Drops "--resume FILE" (and --resume=FILE), so a resumed run's checkpoint
 * holds the combined options. Returns a new array of argc borrowed
 * pointers, NULL-terminated, or NULL if out of memory. */
static char **run_arguments(int argc, char **argv, int *out_argc)
{
    char **args = malloc(((size_t)argc + 1) * sizeof *args);
    if (args == NULL)
        return NULL;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--resume") == 0) {
            i++; /* and its value */
            continue;
        }
        if (strncmp(argv[i], "--resume=", 9) == 0)
            continue;
        args[n++] = argv[i];
    }
    args[n] = NULL;
    *out_argc = n;
    return args;
}

/* The checkpoint's arguments followed by this command line's (which win,
 * being later), as one new array of borrowed pointers. */
static char **resumed_arguments(const gd_checkpoint *ck, int argc, char **argv, int *out_argc)
{
    char **args = malloc((ck->nargs + (size_t)argc + 1) * sizeof *args);
    if (args == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < ck->nargs; i++)
        args[n++] = ck->args[i];
    for (int i = 0; i < argc; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    *out_argc = (int)n;
    return args;
}

/* Saves the paused run. */
/* params stays unchanged; it is not const only because gd_checkpoint.params,
 * which also holds loaded parameters, is not. */
static gd_status save_checkpoint(const char *path, int argc, char **argv, const gd_dataset *ds,
                                 const gd_scaling *sc,
                                 double *params, /* NOLINT(readability-non-const-parameter) */
                                 const gd_train_state *state, gd_error *err)
{
    int nargs;
    char **args = run_arguments(argc, argv, &nargs);
    if (args == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    gd_checkpoint ck = {
        .nargs = (size_t)nargs, .args = args, .rows = ds->n, .scaling = *sc,
        .params = params, .state = *state,
    };
    gd_status st = gd_checkpoint_save(&ck, path, err);
    free(args);
    return st;
}

/* Whether a resumed run appends to the curve file: when the file's last
 * epoch is the checkpoint's, it holds the first part of this very run. */
static int continues_curve(const char *path, const gd_checkpoint *resume)
{
    if (resume == NULL || strcmp(path, "-") == 0)
        return 0;
    gd_curve old;
    if (gd_curve_load(&old, path, 0, NULL) != GD_OK)
        return 0;
    int continues = old.n > 0 && old.rows[old.n - 1].epoch == resume->state.epoch;
    gd_curve_free(&old);
    return continues;
}

/* The signal that interrupted training (SIGINT, SIGTERM), or 0. */
static volatile sig_atomic_t interrupt_signal = 0;

const cli_train_parts *cli_train_parted = NULL;

/* 1 unless this is a process of gdtrain-mpi that leaves the files to
 * another. */
static int writes_files(void)
{
    return cli_train_parted == NULL || cli_train_parted->writes;
}

static void on_signal(int signo)
{
    interrupt_signal = signo;
}

/* While training, SIGINT and SIGTERM ask the trainer to stop after the
 * current batch instead of killing the process, so the curve is complete,
 * a checkpoint can be written and no temporary file is left behind. Before
 * and after, they end the process as signals.h says. */
static void catch_signals(int on)
{
    if (!on) {
        cli_signals_remove_temps();
        return;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Parses the training options into fresh settings; -1 to go on, else the
 * exit status. */
static int parse_settings(int argc, char **argv, train_settings *s, unsigned char *set)
{
    *s = (train_settings){
        .delimiter = ',', .out = DEFAULT_MODEL_PATH, .opt = "adam", .init = "zeros",
    };
    build_train_options();
    /* One flag byte per option row. */
    memset(set, 0, (sizeof train_options / sizeof train_options[0]) * sizeof *set);
    return cli_parse_command(NULL, train_options, argc, argv, s, set, print_train_help);
}

static int train_run(const train_settings *settings, const unsigned char *set, int argc,
                     char **argv, const gd_checkpoint *resume);

/* '-' is standard input or output for every file option; each stream can
 * carry one of them. And no file written may be one that is read (but a
 * checkpoint may go where --resume read it: the run goes on saving there),
 * nor two of them one file.
 * 1 if they fit, else 0 after a usage error. */
static int files_fit(const train_settings *s)
{
    const cli_stream_use out[] = {
        {"--json", s->json},
        {"--out -", cli_is_stdio(s->out)},
        {"--curve -", cli_is_stdio(s->curve)},
        {"--plot -", cli_is_stdio(s->plot)},
        {"--checkpoint -", cli_is_stdio(s->checkpoint)},
    };
    const cli_stream_use in[] = {
        {"--data -", cli_is_stdio(s->data)},
        {"--val -", cli_is_stdio(s->val)},
        {"--init-from -", cli_is_stdio(s->init_from)},
        {"--check-curve -", cli_is_stdio(s->check_curve)},
        {"--resume -", cli_is_stdio(s->resume)},
    };
    const cli_file_use written[] = {
        {"--out", s->out}, {"--curve", s->curve}, {"--plot", s->plot},
        {"--checkpoint", s->checkpoint},
    };
    const cli_file_use read[] = {
        {"--data", s->data}, {"--val", s->val}, {"--init-from", s->init_from},
        {"--check-curve", s->check_curve}, {"--resume", s->resume},
    };
    const size_t nwritten = sizeof written / sizeof written[0];
    const size_t nread = sizeof read / sizeof read[0];
    return cli_one_per_stream(NULL, 1, out, sizeof out / sizeof out[0]) &&
           cli_one_per_stream(NULL, 0, in, sizeof in / sizeof in[0]) &&
           cli_outputs_distinct(NULL, written, nwritten) &&
           cli_outputs_spare_inputs(NULL, written, nwritten - 1, read, nread) &&
           cli_outputs_spare_inputs(NULL, written + nwritten - 1, 1, read, nread - 1);
}

int cmd_train(int argc, char **argv)
{
    train_settings s;
    unsigned char set[sizeof train_options / sizeof train_options[0]];
    int early = parse_settings(argc, argv, &s, set);
    if (early >= 0)
        return early;
    if (!files_fit(&s))
        return 2;
    if (s.resume == NULL)
        return train_run(&s, set, argc, argv, NULL);

    /* --resume: the saved run's arguments, then this command line's. */
    gd_checkpoint ck;
    gd_error err;
    gd_status st = gd_checkpoint_load(&ck, s.resume, &err);
    if (st != GD_OK) {
        cli_report(&err);
        return cli_exit_code(st);
    }
    int nargs;
    char **args = resumed_arguments(&ck, argc, argv, &nargs);
    int code;
    if (args == NULL) {
        cli_error("out of memory");
        code = 4;
    } else {
        early = parse_settings(nargs, args, &s, set);
        code = early >= 0 ? early : train_run(&s, set, nargs, args, &ck);
    }
    free(args);
    gd_checkpoint_free(&ck);
    return code;
}

/* Prints a library error; returns its exit status. */
static int report_failure(const gd_error *err, gd_status st)
{
    cli_report(err);
    return cli_exit_code(st);
}

/* One training run, from the parsed settings to the summary: what its
 * stages share. */
typedef struct train_job {
    const train_settings *s;
    const unsigned char *set;      /* which options were given */
    int argc;                      /* the run's arguments, for a checkpoint */
    char **argv;
    const gd_checkpoint *resume;   /* the run to continue, or NULL */
    gd_train_config cfg;
    gd_fit_data fd;                /* the standardized rows */
    gd_solve_info opt;             /* the optimum, when have_opt */
    int have_opt;
    int defer_opt;                 /* the optimum is computed beside training
                                      (gd_fit_run), nothing showing gaps before */
    train_observer ob;
    gd_curve_writer curve;         /* --curve */
    gd_curve reference;            /* --check-curve */
    gd_curve_check check;
    gd_curve_tol tol;
    gd_fit_result fit;
    gd_model model;
    gd_cv_result cv;               /* --cv */
    int sweep;                     /* a run of a sweep: fd is borrowed, signals
                                      are the sweep's, nothing is printed */
    size_t checked_prefix;         /* --check-curve: the rows compared, when the run
                                      stopped before the reference's last epoch */
    int64_t t0, t_loaded, t_trained, t_written;
    gd_error err;
} train_job;

/* SIZE as bytes: digits and an optional K, M, G or T (powers of 1024).
 * 0 when it does not read as one. */
static uint64_t parse_size(const char *text)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || errno != 0 || text[0] == '-')
        return 0;
    const char *units = "KMGT";
    const char *u = *end != '\0' ? strchr(units, toupper((unsigned char)*end)) : NULL;
    if (*end != '\0' && (u == NULL || end[1] != '\0'))
        return 0;
    for (int k = u ? (int)(u - units) + 1 : 0; k > 0; k--) {
        if (v > UINT64_MAX / 1024)
            return 0;
        v *= 1024;
    }
    return v;
}

/* n bytes in the largest unit that keeps at least 1 of it (a note that said
 * "0 MiB is larger than 0 MiB" for a small file under --memory 1k). */
static void size_text(uint64_t n, char *buf, size_t len)
{
    static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int k = 0;
    while (v >= 1024.0 && k < 4) {
        v /= 1024.0;
        k++;
    }
    (void)snprintf(buf, len, "%.3g %s", v, unit[k]);
}

/* The default of --memory: half the physical memory, or of the memory
 * cgroup's limit when smaller (0 if neither is known). */
static uint64_t default_memory(void)
{
    return gd_memory_usable() / 2;
}

/* About the bytes path's rows take once parsed (size bytes of text): one
 * double a field, the rows counted from the lines of the first 64 KiB after
 * the header. A row of short numbers takes about twice its text, of long
 * ones less, so the text's size alone would misjudge both ways. size when
 * the sample holds no whole row. */
static uint64_t parsed_size(const char *path, uint64_t size, char delimiter)
{
    enum { SAMPLE = 65536 };
    char *buf = malloc(SAMPLE);
    FILE *f = buf != NULL ? fopen(path, "rb") : NULL;
    size_t got = f != NULL ? fread(buf, 1, SAMPLE, f) : 0;
    if (f != NULL)
        fclose(f);
    size_t i = 0, rows = 0, seps = 0, row_seps = 0, end = 0;
    while (i < got && buf[i] != '\n')
        i++;
    const size_t start = ++i;
    for (; i < got; i++) {
        if (buf[i] == delimiter) {
            seps++;
        } else if (buf[i] == '\n') {
            rows++;
            row_seps = seps;
            end = i + 1;
        }
    }
    free(buf);
    if (rows == 0 || size <= start)
        return size;
    double fields = (double)row_seps / (double)rows + 1.0;
    double row_text = (double)(end - start) / (double)rows;
    return (uint64_t)((double)(size - start) / row_text * fields * sizeof(double));
}

/* Whether to stream the data: --stream, or a regular file whose parsed rows
 * would take more than --memory, unless --no-cache (no_cache) forbids the
 * cache file a stream reads. Returns 0 or 1, or -1 with the usage error
 * printed. */
static int stream_choice(const train_settings *s, int no_cache)
{
    /* gdtrain-mpi loads through its own hook, which never streams (it
     * refuses --stream and --memory): no note that would say it does. */
    if (cli_train_parted != NULL)
        return 0;
    uint64_t limit = s->memory != NULL ? parse_size(s->memory) : default_memory();
    if (s->memory != NULL && limit == 0) {
        cli_usage_error(NULL, "--memory: expected a size such as 512M or 8G, found '%s'",
                        s->memory);
        return -1;
    }
    struct stat st;
    if (s->stream || strcmp(s->data, "-") == 0 || stat(s->data, &st) != 0 ||
        !S_ISREG(st.st_mode) || limit == 0)
        return s->stream;
    uint64_t need = parsed_size(s->data, (uint64_t)st.st_size, s->delimiter);
    if (need <= limit)
        return 0;
    char size[32], parsed[32], most[32];
    size_text((uint64_t)st.st_size, size, sizeof size);
    size_text(need, parsed, sizeof parsed);
    size_text(limit, most, sizeof most);
    if (no_cache) {
        cli_warn("%s (%s) would take about %s parsed, more than --memory (%s), but "
                 "--no-cache forbids the cache file a stream reads: loading it in memory",
                 s->data, size, parsed, most);
        return 0;
    }
    cli_note("%s (%s) would take about %s parsed, more than --memory (%s): streaming it "
             "(--stream)", s->data, size, parsed, most);
    return 1;
}

/* Loads and standardizes the data, and finds the optimum to compare with.
 * Returns 0, or the exit status (the error printed). */
static int job_load(train_job *j)
{
    const train_settings *s = j->s;
    int stream = stream_choice(s, no_cache(s, j->set));
    if (stream < 0)
        return 2;
    cli_data_choice choice = {
        .path = s->data, .delimiter = s->delimiter, .target = s->target,
        .features = s->features, .val_split = s->val_split, .split_seed = j->cfg.seed,
        .val_path = s->val, .threads = j->cfg.threads, .table = s->table,
        .no_intercept = j->cfg.no_intercept, .cache = s->cache, .stream = stream,
    };
    int code = cli_train_parted != NULL ? cli_train_parted->load(&choice, &j->fd)
                                         : cli_load_standardized(&choice, &j->fd);
    if (code != 0)
        return code;
    j->t_loaded = now_ns();
    /* The optimum of the same objective, for the gap: exact least squares,
     * or the coordinate-descent reference with --l1. Needed before the
     * first epoch only when epochs show their gap (an unpenalized run's
     * --verbose rows or progress line); else gd_fit_run solves while it
     * trains, on a thread of its own. */
    int shows_gap = !s->quiet && (s->verbose || isatty(fileno(stderr))) && j->cfg.l1 == 0 &&
                    j->cfg.l2 == 0;
    /* gdtrain-mpi: every rank solves at the same moment (the solve passes
     * sums between them), whatever rank 0's terminal. */
    shows_gap |= cli_train_parted != NULL;
    j->defer_opt = !shows_gap;
    if (shows_gap)
        j->have_opt = cli_optimum(&j->fd, j->cfg.l1, j->cfg.l2, j->cfg.no_intercept,
                                  &j->opt);
    return 0;
}

/* --cv: the folds' trainings, before the one on every row; Ctrl-C stops
 * them as it stops training. Returns 0 or the exit status. */
static int job_cross_validate(train_job *j)
{
    const train_settings *s = j->s;
    cli_data_choice choice = {
        .path = s->data, .delimiter = s->delimiter, .target = s->target,
        .features = s->features, .threads = j->cfg.threads, .table = s->table,
    };
    j->cfg.interrupt = &interrupt_signal;
    catch_signals(1);
    int code = cli_cv_run(&choice, &j->cfg, s->cv, s->cv_shuffle, &j->cv);
    catch_signals(0);
    if (code == 0 && j->cv.done < j->cv.k) {
        cli_error("interrupted during cross-validation (fold %zu of %zu)", j->cv.done,
                  j->cv.k);
        code = 128 + (int)interrupt_signal;
    }
    return code;
}

/* Checks that path, a file written when training ends, can be written
 * there, by creating its temporary file and removing it: a missing or
 * read-only folder is then found before training instead of after it.
 * Standard output and what is not a regular file (a device, a pipe, whose
 * opening could wait for a reader) are left to the write itself. */
static gd_status probe_output(const char *path, gd_error *err)
{
    struct stat sb;
    if (path == NULL || cli_is_stdio(path) || (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) &&
                                               !S_ISDIR(sb.st_mode)))
        return GD_OK;
    gd_atomic_file f;
    gd_status st = gd_atomic_open(&f, path, err);
    gd_atomic_abort(&f);
    return st;
}

/* Sets up what watches the epochs: the observer, --check-curve, --curve;
 * and checks first that the files written at the end can be. */
static gd_status job_watch(train_job *j)
{
    const train_settings *s = j->s;
    if (!j->sweep && writes_files()) {
        const char *ends[] = {s->out, s->plot, s->checkpoint};
        for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) {
            gd_status st = probe_output(ends[k], &j->err);
            if (st != GD_OK)
                return st;
        }
    }
    j->ob = (train_observer){
        .loss_scale = j->fd.scaling.y_std * j->fd.scaling.y_std,
        .optimum = j->have_opt ? j->opt.objective : NAN,
        .scale = j->have_opt ? j->opt.mse_const : NAN, .cfg = &j->cfg,
        .verbose = s->verbose && !s->quiet,
        .progress = !s->verbose && !s->quiet && isatty(fileno(stderr)),
        .next_row = 1, .keep_history = s->plot != NULL,
    };
    gd_curve_tol_default(&j->tol);
    if (j->set[cli_option_index(train_options, "rtol")])
        j->tol.rtol = s->rtol;
    if (j->set[cli_option_index(train_options, "atol")])
        j->tol.atol = s->atol;
    gd_status st;
    if (s->check_curve != NULL) {
        st = gd_curve_load(&j->reference, s->check_curve, j->tol.columns, &j->err);
        if (st != GD_OK)
            return st;
        gd_curve_check_start(&j->check, &j->reference, &j->tol);
        j->ob.check = &j->check;
    }
    if (s->curve != NULL && writes_files()) {
        st = gd_curve_open_mode(&j->curve, s->curve, continues_curve(s->curve, j->resume),
                                &j->err);
        if (st != GD_OK)
            return st;
        j->ob.curve = &j->curve;
    }
    return GD_OK;
}

/* Trains, with SIGINT and SIGTERM caught. */
static gd_status job_train(train_job *j)
{
    gd_fit_options fo = {
        .init_from = j->s->init_from, .resume = j->resume, .resume_path = j->s->resume,
        .optimum = j->have_opt ? &j->opt : NULL, .no_optimum = !j->have_opt && !j->defer_opt,
        .on_epoch = on_epoch, .user = &j->ob,
    };
    j->ob.start_ns = now_ns();
    j->cfg.interrupt = cli_train_parted != NULL ? cli_train_parted->stop : &interrupt_signal;
    if (!j->sweep)
        catch_signals(1);
    gd_status st = gd_fit_run(&j->fd, &j->cfg, &fo, &j->fit, &j->err);
    if (st == GD_OK && j->defer_opt) {
        j->have_opt = j->fit.have_optimum;
        if (j->have_opt)
            j->opt = j->fit.optimum;
        else
            cli_optimum_warn(&j->fit.optimum_err);
    }
    if (!j->sweep)
        catch_signals(0);
    progress_clear(&j->ob);
    j->t_trained = now_ns();
    return st;
}

/* What the way training stopped asks for: a checkpoint, and the end of the
 * run when interrupted, off the reference curve or diverged. Returns -1 to
 * go on, else the exit status (the error printed). */
static int job_stopped(train_job *j)
{
    const train_settings *s = j->s;
    const gd_train_result *res = &j->fit.train;
    gd_status st;
    /* A checkpoint is a state between two epochs: what training leaves at
     * the epoch limit or when interrupted (the other stops end mid-update). */
    int pausable = res->reason == GD_STOP_MAX_EPOCHS || res->reason == GD_STOP_INTERRUPTED;
    if (s->checkpoint != NULL && pausable && writes_files() &&
        (st = save_checkpoint(s->checkpoint, j->argc, j->argv, &j->fd.train, &j->fd.scaling,
                              j->fit.params, &j->fit.state, &j->err)) != GD_OK)
        return report_failure(&j->err, st);
    if (s->checkpoint != NULL && !pausable && res->reason != GD_STOP_DIVERGED)
        cli_warn("no checkpoint written: training finished (%s), there is nothing to resume",
                 gd_stop_reason_name(res->reason));
    if (res->reason == GD_STOP_INTERRUPTED) {
        int signo = (int)*j->cfg.interrupt;
        cli_error("interrupted by %s after epoch %ld; no model was written%s%s",
                  signo == SIGINT ? "SIGINT" : "SIGTERM", res->epochs,
                  s->checkpoint ? "; resume with --resume " : "",
                  s->checkpoint ? s->checkpoint : "");
        return 128 + signo;
    }
    train_observer *ob = &j->ob;
    /* A run that stops before the reference's last epoch (CI checking the
     * first epochs of a long golden curve) passes on the epochs it ran, and
     * the summary says how far that was; a run longer than the reference
     * differs. */
    if (ob->failure == GD_OK && ob->check != NULL && res->reason != GD_STOP_DIVERGED) {
        if (j->check.rows < j->reference.n)
            j->checked_prefix = j->check.rows;
        else if (!gd_curve_check_finish(&j->check, &ob->diff))
            ob->failure = GD_ERR_TRAIN;
    }
    if (ob->failure == GD_ERR_TRAIN) {
        char what[512];
        gd_curve_diff_format(&ob->diff, &j->tol, s->check_curve, "this run", what, sizeof what);
        cli_error("--check-curve: %s; no model was written", what);
        return 1;
    }
    if (ob->failure != GD_OK)
        return report_failure(&ob->err, ob->failure);
    if (ob->curve != NULL) {
        st = gd_curve_close(&j->curve, &j->err);
        ob->curve = NULL;
        if (st != GD_OK)
            return report_failure(&j->err, st);
    }
    if (res->reason == GD_STOP_DIVERGED) {
        cli_error("training diverged at epoch %ld: the loss %s; try a smaller --lr "
                  "(this run used %g); no model was written",
                  res->epochs, isfinite(res->train_loss) ? "grew more than a million-fold"
                                                         : "is no longer a finite number",
                  res->lr);
        return 1;
    }
    if (ob->verbose && ob->last_row != res->epochs) {
        gd_epoch_info last = {res->epochs, res->steps, res->train_loss, res->val_loss,
                              res->grad_norm, res->lr};
        verbose_row(ob, &last);
    }
    return -1;
}

/* Builds the model, in original units with its info lines. */
static gd_status job_model(train_job *j)
{
    const gd_fit_result *f = &j->fit;
    gd_status st = gd_fit_model(&j->fd, f->params, &j->model, &j->err);
    if (st == GD_OK)
        st = describe_training(&j->model, j->s, &j->cfg, &f->train, f->loss_scale,
                               gd_dataset_total(&j->fd.train), &j->err);
    if (st == GD_OK && j->have_opt)
        st = describe_optimum(&j->model, &j->opt, f->gap, f->loss_scale, &j->err);
    return st;
}

/* Writes the model file and the --plot picture. */
static gd_status job_write(train_job *j)
{
    const train_settings *s = j->s;
    const gd_fit_result *f = &j->fit;
    gd_status st = job_model(j);
    if (st == GD_OK && writes_files())
        st = gd_model_save(&j->model, s->out, &j->err);
    if (st == GD_OK && s->plot != NULL && writes_files()) {
        gd_svg_hline optimum_line = {j->have_opt ? j->opt.mse * f->loss_scale : NAN,
                                     "optimum"};
        char title[256];
        snprintf(title, sizeof title, "gdtrain %s on %s", j->cfg.opt->name, s->data);
        gd_svg_curve_options po = {.title = title, .hlines = &optimum_line,
                                   .nhlines = j->have_opt && j->cfg.l2 == 0 ? 1 : 0};
        j->ob.history.columns = GD_CURVE_BIT(GD_CURVE_TRAIN_LOSS) |
                                (j->fd.val.n > 0 ? GD_CURVE_BIT(GD_CURVE_VAL_LOSS) : 0);
        st = gd_svg_save_curves(s->plot, &j->ob.history, NULL, 1, &po, &j->err);
    }
    j->t_written = now_ns();
    return st;
}

/* The optimum's line of the summary. */
static void say_optimum(const train_job *j)
{
    const double scale = j->fit.loss_scale;
    const double gap = j->fit.gap;
    if (isnan(gap))
        cli_say("  optimum MSE %.6g (exact least squares: an exact fit, so no relative "
                "gap)\n", j->opt.mse * scale);
    else
        cli_say("  optimum MSE %.6g (%s), gap %.3g%s; predicting %s scores MSE %.6g\n",
                j->opt.mse * scale,
                j->cfg.l1 > 0 ? "coordinate-descent elastic net" : "exact least squares", gap,
                j->cfg.l1 > 0 || j->cfg.l2 > 0 ? " on MSE + penalty" : "",
                j->cfg.no_intercept ? "0" : "the mean", j->opt.mse_const * scale);
    const size_t coefficients = j->fd.train.d + (j->cfg.no_intercept ? 0 : 1);
    if (j->opt.rank + cli_constant_columns(&j->fd.scaling) < coefficients)
        cli_warn("the features are collinear (rank %zu of %zu): the weights are not "
                 "unique", j->opt.rank, coefficients);
}

/* The summary for a person, on stderr. */
static void job_summary(const train_job *j)
{
    const train_settings *s = j->s;
    const gd_train_result *res = &j->fit.train;
    const gd_dataset *ds = &j->fd.train;
    const double mse = res->train_loss * j->fit.loss_scale;
    char why[256];
    cli_say("gdtrain: %s on %s: %zu row%s, %zu feature%s\n", j->cfg.opt->name,
            cli_file_name(s->data), gd_dataset_total(ds),
            cli_plural(gd_dataset_total(ds)), ds->d,
            cli_plural(ds->d));
    if (j->fd.val.n > 0)
        cli_say("  validation: %zu row%s %s\n", j->fd.val.n, cli_plural(j->fd.val.n),
                s->val ? "from --val" : "held out by --val-split");
    cli_say_formula(&j->model);
    cli_say("  epochs %ld, stop: %s\n", res->epochs,
            stop_explanation(res, &j->cfg, why, sizeof why));
    const gd_curve *ref = &j->reference;
    if (j->checked_prefix > 0)
        cli_say("  --check-curve: epochs %ld to %ld agree with %s, which goes on to epoch %ld; "
                "the rest was not compared\n", ref->rows[0].epoch,
                ref->rows[j->checked_prefix - 1].epoch, s->check_curve,
                ref->rows[ref->n - 1].epoch);
    if (j->fd.scaling.y_constant)
        cli_say("  train MSE %.6g, RMSE %.6g, R^2 n/a (constant target)\n", mse, sqrt(mse));
    else
        cli_say("  train MSE %.6g, RMSE %.6g, R^2 %.6f\n", mse, sqrt(mse),
                1.0 - res->train_loss);
    if (j->fd.val.n > 0)
        cli_say("  validation MSE %.6g, RMSE %.6g\n", res->val_loss * j->fit.loss_scale,
                sqrt(res->val_loss * j->fit.loss_scale));
    if (j->have_opt)
        say_optimum(j);
    cli_say("  model written to %s (load %.3f s, train %.3f s, total %.3f s)\n",
            cli_out_name(s->out),
            (double)(j->t_loaded - j->t0) * 1e-9, (double)(j->t_trained - j->t_loaded) * 1e-9,
            (double)(j->t_written - j->t0) * 1e-9);
}

/* Stopping at the epoch limit: a warning, or with --strict an error
 * (returns 1). */
static int job_converged(const train_job *j)
{
    if (j->fit.train.reason != GD_STOP_MAX_EPOCHS || j->cfg.tol <= 0)
        return 0;
    if (j->s->strict) {
        cli_error("did not converge within %ld epochs (--strict)", j->cfg.max_epochs);
        return 1;
    }
    cli_warn("did not converge within %ld epochs; raise --epochs or --lr", j->cfg.max_epochs);
    return 0;
}

/* --json; written says whether the model file was. Nonzero if standard
 * output cannot take it. */
static int job_json(train_job *j, int written)
{
    /* A run that ended without a model file still reports its weights. */
    if (j->model.target == NULL &&
        gd_fit_model(&j->fd, j->fit.params, &j->model, &j->err) != GD_OK) {
        cli_report(&j->err);
        return 1;
    }
    double seconds[3] = {(double)(j->t_loaded - j->t0) * 1e-9,
                         (double)(j->t_trained - j->t_loaded) * 1e-9,
                         (double)(now_ns() - j->t0) * 1e-9};
    if (print_json(j->s, &j->cfg, &j->fd.train, &j->model, written, &j->fit.train,
                   j->fit.loss_scale, &j->opt, j->have_opt, j->fit.gap, seconds,
                   j->s->cv > 0 ? &j->cv : NULL) != 0) {
        cli_error("cannot write the JSON summary to standard output");
        return 4;
    }
    return 0;
}

static void job_free(train_job *j)
{
    gd_curve_close(&j->curve, NULL);
    gd_curve_free(&j->reference);
    free(j->ob.history.rows);
    gd_fit_result_free(&j->fit);
    gd_model_free(&j->model);
    if (!j->sweep)
        gd_fit_data_free(&j->fd);
    gd_cv_result_free(&j->cv);
}

/* One training run with the parsed settings; argc/argv are its arguments
 * (for a checkpoint). resume is the checkpoint to continue, or NULL. */
static int train_run(const train_settings *s, const unsigned char *set, int argc,
                     char **argv, const gd_checkpoint *resume)
{
    cli_quiet = s->quiet;
    if (s->data == NULL) {
        cli_usage_error(NULL, "no training data: give --data FILE%s", cli_stdin_hint());
        return 2;
    }
    train_job j = {.s = s, .set = set, .argc = argc, .argv = argv, .resume = resume};
    if (!files_fit(s) || !make_config(NULL, s, set, &j.cfg))
        return 2;
    if (cli_train_parted != NULL) {
        int code = cli_train_parted->check(s, &j.cfg);
        if (code != 0)
            return code;
    }
    gd_error_clear(&j.err);
    j.t0 = now_ns();
    int code = s->cv > 0 ? job_cross_validate(&j) : 0;
    if (code == 0)
        code = job_load(&j);
    gd_status st;
    if (code == 0 && (st = job_watch(&j)) != GD_OK)
        code = report_failure(&j.err, st);
    /* Every process trains, or none: one stopped here would leave the
     * others waiting for its sums. */
    if (cli_train_parted != NULL)
        code = cli_train_parted->agree(code);
    if (code == 0 && (st = job_train(&j)) != GD_OK)
        code = report_failure(&j.err, st);
    int trained = code == 0;
    if (trained)
        code = job_stopped(&j);
    if (code == -1 && (st = job_write(&j)) != GD_OK)
        code = report_failure(&j.err, st);
    int written = code == -1;
    if (written) {
        job_summary(&j);
        code = job_converged(&j);
    }
    /* Every run that trained has its JSON, whatever its exit status
     * (diverged, interrupted, off the reference curve): a script running a
     * grid never loses a row. */
    if (trained && s->json && job_json(&j, written) != 0)
        code = cli_exit_code(GD_ERR_IO);
    job_free(&j);
    return code;
}

const cli_option *cli_train_options(size_t *count)
{
    build_train_options();
    *count = sizeof train_options / sizeof train_options[0] - 1;
    return train_options;
}

int cli_train_parse(int argc, char **argv, train_settings *s, unsigned char *set)
{
    return parse_settings(argc, argv, s, set);
}

int cli_train_config(const char *cmd, const train_settings *s, const unsigned char *set,
                     gd_train_config *cfg)
{
    return make_config(cmd, s, set, cfg);
}

void cli_train_catch_signals(int on)
{
    catch_signals(on);
}

int cli_train_interrupted(void)
{
    return (int)interrupt_signal;
}

const volatile sig_atomic_t *cli_train_interrupt_flag(void)
{
    return &interrupt_signal;
}

/* How a sweep's run stopped: -1 to go on and build the model, else its
 * exit status. A diverged or interrupted run says so in its row instead of
 * a message. */
static int sweep_stopped(train_job *j)
{
    const gd_train_result *res = &j->fit.train;
    if (res->reason == GD_STOP_INTERRUPTED)
        return 128 + (int)interrupt_signal;
    if (res->reason == GD_STOP_DIVERGED) {
        gd_curve_close(&j->curve, NULL);
        j->ob.curve = NULL;
        return 1;
    }
    return job_stopped(j);
}

void cli_train_on_data(const train_settings *s, const unsigned char *set,
                       const gd_train_config *cfg, const gd_fit_data *fd,
                       const gd_solve_info *optimum, int keep_history,
                       cli_train_outcome *out)
{
    memset(out, 0, sizeof *out);
    train_job j = {.s = s, .set = set, .cfg = *cfg, .fd = *fd, .sweep = 1,
                   .have_opt = optimum != NULL};
    if (optimum != NULL)
        j.opt = *optimum;
    gd_error_clear(&j.err);
    int64_t t0 = now_ns();
    gd_status st;
    int code = -1;
    if ((st = job_watch(&j)) != GD_OK)
        code = report_failure(&j.err, st);
    j.ob.keep_history = keep_history;
    if (code == -1 && (st = job_train(&j)) != GD_OK)
        code = report_failure(&j.err, st);
    if (code == -1)
        code = sweep_stopped(&j);
    if (code == -1 && (st = job_model(&j)) != GD_OK)
        code = report_failure(&j.err, st);
    if (code == -1)
        code = s->strict && j.fit.train.reason == GD_STOP_MAX_EPOCHS && cfg->tol > 0;
    out->status = code;
    out->train = j.fit.train;
    out->loss_scale = j.fit.loss_scale;
    out->gap = j.fit.gap;
    out->seconds = (double)(now_ns() - t0) * 1e-9;
    if (code == 0) {
        out->model = j.model;
        memset(&j.model, 0, sizeof j.model);
    }
    out->history = j.ob.history;
    j.ob.history.rows = NULL;
    job_free(&j);
}

void cli_train_outcome_free(cli_train_outcome *out)
{
    gd_model_free(&out->model);
    free(out->history.rows);
    memset(out, 0, sizeof *out);
}
