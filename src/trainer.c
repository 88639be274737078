/*
 * trainer: the epoch loop. See include/gdtrain/trainer.h.
 *
 * All memory is allocated once before the first epoch; the loop itself never
 * allocates.
 */
#include "gdtrain/trainer.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/loss.h"
#include "gdtrain/rng.h"

/* A loss this many times the initial one counts as a blow-up. */
#define GD_DIVERGENCE_FACTOR 1e6

static const char *const stop_names[] = {
    [GD_STOP_CONVERGED] = "converged",
    [GD_STOP_GRADIENT] = "gradient",
    [GD_STOP_MAX_EPOCHS] = "max_epochs",
    [GD_STOP_DIVERGED] = "diverged",
    [GD_STOP_REQUESTED] = "requested",
    [GD_STOP_EARLY] = "early_stop",
};

const char *gd_stop_reason_name(gd_stop_reason reason)
{
    return stop_names[reason];
}

void gd_train_config_default(gd_train_config *cfg, const gd_optimizer_ops *ops)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->opt = ops;
    gd_optim_params_default(&cfg->hp);
    cfg->lr = ops->default_lr;
    cfg->batch_size = ops->default_batch;
    cfg->max_epochs = 10000;
    cfg->tol = 1e-10;
    cfg->patience = 10;
    cfg->grad_tol = 1e-9;
    cfg->shuffle = 1;
    cfg->seed = 1;
    cfg->init = GD_INIT_ZEROS;
    cfg->l2 = 0.0;
    gd_schedule_config_default(&cfg->schedule, GD_SCHEDULE_PLATEAU);
}

static gd_status check_config(const gd_dataset *ds, const gd_train_config *cfg,
                              gd_error *err)
{
    char msg[256];
    if (ds->n == 0 || ds->y == NULL)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0, "no training rows");
    if (!(cfg->lr > 0.0 && isfinite(cfg->lr)))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "learning rate must be positive, got %g", cfg->lr);
    if (cfg->max_epochs < 1 || cfg->patience < 1)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "epochs and patience must be at least 1");
    if (!(cfg->tol >= 0.0) || !(cfg->grad_tol >= 0.0) || !(cfg->l2 >= 0.0) ||
        !(cfg->l1 >= 0.0) || !isfinite(cfg->l2) || !isfinite(cfg->l1))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "tolerances and penalties must be >= 0");
    if (cfg->val != NULL && (cfg->val->d != ds->d || cfg->val->n == 0 || cfg->val->y == NULL))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "the validation rows must have the training columns");
    if (cfg->early_stop && cfg->val == NULL)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "early stopping needs validation rows");
    if (!gd_optim_params_check(cfg->opt, &cfg->hp, msg, sizeof msg))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0, "%s", msg);
    return GD_OK;
}

/* Adds the ridge term 2*l2*w to the weights' gradient (never the bias). */
static void add_l2_gradient(double *grad, const double *params, size_t d, double l2)
{
    if (l2 == 0.0)
        return;
    for (size_t j = 0; j < d; j++)
        grad[j] += 2.0 * l2 * params[j];
}

/* The penalties' part of the objective: l2 |w|^2 + l1 |w|_1. */
static double penalty(const double *params, size_t d, double l2, double l1)
{
    double sq = 0.0, abs_sum = 0.0;
    for (size_t j = 0; j < d; j++) {
        sq += params[j] * params[j];
        abs_sum += fabs(params[j]);
    }
    return l2 * sq + l1 * abs_sum;
}

/* The proximal step of the L1 penalty after an update with rate lr:
 * soft-thresholding, w = sign(w) max(|w| - lr*l1, 0), so that a weight
 * whose gradient cannot hold it away from 0 lands on exactly 0. */
static void l1_prox(double *params, size_t d, double lr, double l1)
{
    if (l1 == 0.0)
        return;
    const double t = lr * l1;
    for (size_t j = 0; j < d; j++) {
        double a = fabs(params[j]) - t;
        params[j] = a > 0.0 ? copysign(a, params[j]) : 0.0;
    }
}

static double norm2(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i] * v[i];
    return sqrt(s);
}

static void init_params(double *params, size_t d, gd_init_kind kind, gd_rng *rng)
{
    memset(params, 0, (d + 1) * sizeof *params);
    if (kind == GD_INIT_RANDOM)
        for (size_t j = 0; j < d; j++)
            params[j] = 0.01 * gd_rng_normal(rng);
}

/* Everything the loop needs, allocated once. */
typedef struct train_state {
    gd_loss *loss;
    gd_loss *val_loss;   /* evaluator of the validation rows, or NULL */
    double *best_params; /* (np) early stopping: parameters at the best validation loss */
    double *grad;        /* (np) gradient of the current batch or full data */
    double *prev_params; /* (np) last finite parameters, for divergence */
    size_t *order;       /* (n) row order of this epoch, mini-batches only */
    void *opt_state;     /* the optimizer's own state */
} train_state;

static void train_state_free(train_state *st)
{
    gd_loss_free(st->loss);
    gd_loss_free(st->val_loss);
    free(st->best_params);
    free(st->grad);
    free(st->prev_params);
    free(st->order);
    free(st->opt_state);
}

gd_status gd_train(const gd_dataset *ds, const gd_train_config *cfg, double *params,
                   gd_train_result *res, gd_epoch_fn on_epoch, void *user,
                   gd_error *err)
{
    gd_status status = check_config(ds, cfg, err);
    if (status != GD_OK)
        return status;

    const size_t d = ds->d, np = d + 1, n = ds->n;
    const gd_optimizer_ops *ops = cfg->opt;
    const int full_batch = cfg->batch_size == 0 || cfg->batch_size >= n;
    train_state st = {0};
    status = gd_loss_create(&st.loss, ds, err);
    if (status == GD_OK && cfg->val != NULL)
        status = gd_loss_create(&st.val_loss, cfg->val, err);
    if (status != GD_OK)
        goto cleanup;
    size_t opt_bytes = ops->state_size(np);
    st.grad = malloc(np * sizeof *st.grad);
    st.prev_params = malloc(np * sizeof *st.prev_params);
    st.order = full_batch ? NULL : malloc(n * sizeof *st.order);
    st.opt_state = opt_bytes ? malloc(opt_bytes) : NULL;
    st.best_params = cfg->early_stop ? malloc(np * sizeof *st.best_params) : NULL;
    if (!st.grad || !st.prev_params || (!full_batch && !st.order) ||
        (opt_bytes && !st.opt_state) || (cfg->early_stop && !st.best_params)) {
        status = gd_error_set(err, GD_ERR_IO, NULL, 0, 0, "out of memory");
        goto cleanup;
    }

    gd_rng rng;
    gd_rng_seed(&rng, cfg->seed);
    init_params(params, d, cfg->init, &rng);
    ops->init(st.opt_state, np, &cfg->hp);
    if (!full_batch)
        for (size_t i = 0; i < n; i++)
            st.order[i] = i;
    gd_schedule sched;
    gd_schedule_init(&sched, &cfg->schedule, cfg->lr);

    /* The full-data loss and gradient at the current parameters. */
    double loss = gd_loss_eval(st.loss, gd_rows_all(ds), params, st.grad);
    add_l2_gradient(st.grad, params, d, cfg->l2);
    double objective = loss + penalty(params, d, cfg->l2, cfg->l1);

    memset(res, 0, sizeof *res);
    res->initial_loss = loss;
    res->val_loss = NAN;
    double best_val = INFINITY; /* early stopping */
    int val_bad_epochs = 0;
    res->reason = GD_STOP_MAX_EPOCHS;
    const double blowup = GD_DIVERGENCE_FACTOR * fmax(objective, DBL_MIN);
    long t = 0;           /* optimizer steps */
    int quiet_epochs = 0; /* epochs in a row with a change below tol */
    long epoch;
    for (epoch = 1; epoch <= cfg->max_epochs; epoch++) {
        const double lr = sched.lr;
        memcpy(st.prev_params, params, np * sizeof *params);
        if (full_batch) {
            ops->step(st.opt_state, params, st.grad, np, lr, ++t, &cfg->hp);
            l1_prox(params, d, lr, cfg->l1);
        } else {
            if (cfg->shuffle)
                gd_rng_shuffle(&rng, st.order, n);
            for (size_t begin = 0; begin < n; begin += cfg->batch_size) {
                size_t count = n - begin < cfg->batch_size ? n - begin : cfg->batch_size;
                gd_rows batch = {st.order, begin, count};
                gd_loss_eval(st.loss, batch, params, st.grad);
                add_l2_gradient(st.grad, params, d, cfg->l2);
                ops->step(st.opt_state, params, st.grad, np, lr, ++t, &cfg->hp);
                l1_prox(params, d, lr, cfg->l1);
            }
        }

        double prev_objective = objective;
        loss = gd_loss_eval(st.loss, gd_rows_all(ds), params, st.grad);
        add_l2_gradient(st.grad, params, d, cfg->l2);
        objective = loss + penalty(params, d, cfg->l2, cfg->l1);
        double gnorm = norm2(st.grad, np);
        double val = st.val_loss ? gd_loss_eval(st.val_loss, gd_rows_all(cfg->val), params, NULL)
                                 : NAN;

        res->epochs = epoch;
        res->steps = t;
        res->lr = lr;
        if (!isfinite(objective) || !isfinite(gnorm) || objective > blowup) {
            memcpy(params, st.prev_params, np * sizeof *params);
            res->reason = GD_STOP_DIVERGED;
            res->train_loss = loss;
            res->grad_norm = gnorm;
            break;
        }
        res->train_loss = loss;
        res->val_loss = val;
        res->grad_norm = gnorm;

        if (on_epoch != NULL) {
            gd_epoch_info info = {epoch, t, loss, val, gnorm, lr};
            if (on_epoch(&info, user)) {
                res->reason = GD_STOP_REQUESTED;
                break;
            }
        }
        if (cfg->early_stop) {
            if (val < best_val) {
                best_val = val;
                val_bad_epochs = 0;
                res->best_epoch = epoch;
                memcpy(st.best_params, params, np * sizeof *params);
            } else if (++val_bad_epochs >= cfg->patience) {
                res->reason = GD_STOP_EARLY;
                break;
            }
        }
        if (cfg->grad_tol > 0.0 && gnorm < cfg->grad_tol) {
            res->reason = GD_STOP_GRADIENT;
            break;
        }
        double change = fabs(prev_objective - objective) / fmax(fabs(objective), DBL_MIN);
        quiet_epochs = change < cfg->tol ? quiet_epochs + 1 : 0;
        if (cfg->tol > 0.0 && quiet_epochs >= cfg->patience) {
            res->reason = GD_STOP_CONVERGED;
            break;
        }
        gd_schedule_epoch_end(&sched, objective);
    }
    if (cfg->early_stop && res->best_epoch > 0 && res->best_epoch != res->epochs) {
        /* Restore the best weights (scikit-learn keeps the last ones). */
        memcpy(params, st.best_params, np * sizeof *params);
        res->train_loss = gd_loss_eval(st.loss, gd_rows_all(ds), params, st.grad);
        add_l2_gradient(st.grad, params, d, cfg->l2);
        res->grad_norm = norm2(st.grad, np);
        res->val_loss = best_val;
    }
    status = GD_OK;

cleanup:
    train_state_free(&st);
    return status;
}
