/*
 * trainer: the epoch loop.
 *
 * Owns batching (full batch, or mini-batches in file order or from a seeded
 * shuffle each epoch; the last, shorter batch is averaged over its own rows),
 * the learning-rate schedule, the L2 penalty, stopping, and the per-epoch
 * callback. It calls loss for the fused forward/MSE/gradient and the
 * optimizer for the update. It does no I/O.
 *
 * One epoch: for each batch, gradient of the batch MSE (+ 2*l2*w on the
 * weights), one optimizer step. Then the full-data loss and gradient at the
 * new parameters, which are what the callback sees and what stopping tests.
 * For full-batch training that full-data gradient is also the next epoch's
 * step gradient, so an epoch costs one pass over the data.
 */
#ifndef GDTRAIN_TRAINER_H
#define GDTRAIN_TRAINER_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>

#include "gdtrain/dataset.h"
#include "gdtrain/error.h"
#include "gdtrain/optim.h"
#include "gdtrain/rng.h"
#include "gdtrain/schedule.h"

typedef enum gd_stop_reason {
    GD_STOP_CONVERGED,  /* the objective changed by less than tol for patience epochs */
    GD_STOP_GRADIENT,   /* the full-data gradient norm fell below grad_tol */
    GD_STOP_MAX_EPOCHS, /* the epoch limit was reached */
    GD_STOP_DIVERGED,   /* the loss became non-finite or blew up */
    GD_STOP_REQUESTED,  /* the epoch callback asked to stop */
    GD_STOP_EARLY,      /* early stopping: the validation loss stopped improving */
    GD_STOP_INTERRUPTED, /* *interrupt was set: stopped after a batch, state rolled back
                           to the end of the last complete epoch */
    GD_STOP_STALLED     /* mini-batches: the best objective improved by less than
                           stall_tol (relative) in stall_epochs epochs; the best
                           epoch's weights are kept */
} gd_stop_reason;

/* A short word for the reason: "converged", "gradient", "max_epochs",
 * "diverged", "requested", "early_stop", "interrupted", "stalled". */
const char *gd_stop_reason_name(gd_stop_reason reason);

typedef enum gd_init_kind {
    GD_INIT_ZEROS,  /* every parameter 0 */
    GD_INIT_RANDOM, /* weights normal with std 0.01 from the seed, bias 0 */
    GD_INIT_GIVEN   /* start from the parameters passed in (a warm start) */
} gd_init_kind;

/* The row order of mini-batch epochs (gd_train_config.shuffle). */
enum {
    GD_SHUFFLE_NONE = 0,  /* file order, every epoch */
    GD_SHUFFLE_ROWS = 1,  /* a fresh permutation of all rows each epoch (Fisher-Yates
                             from the seeded stream; PyTorch's DataLoader order) */
    GD_SHUFFLE_BLOCKS = 2 /* the rows cut into blocks of GD_SHUFFLE_BLOCK_ROWS in file
                             order (the last may be shorter); each epoch the blocks
                             in a random order, and the rows of each block in a
                             random order: random reads confined to one block at a
                             time, the order a streamed source can produce */
};

/* Rows per block of GD_SHUFFLE_BLOCKS: 4096 rows of 7 features and a
 * target are 256 KiB, which a core's L2 cache holds. */
#define GD_SHUFFLE_BLOCK_ROWS 4096

typedef struct gd_train_config {
    const gd_optimizer_ops *opt; /* the update rule */
    gd_optim_params hp;          /* its hyperparameters */
    double lr;                   /* base learning rate, > 0 */
    size_t batch_size;           /* rows per step; 0 or >= n means every row */
    long max_epochs;             /* epoch limit, >= 1 */
    double tol;                  /* relative objective change that counts as no change; 0 = off */
    int patience;                /* epochs in a row below tol before stopping, >= 1 */
    double stall_tol;            /* mini-batches: relative improvement of the best objective
                                    that must come within stall_epochs epochs; 0 = off */
    int stall_epochs;            /* the window of stall_tol, >= 1 */
    double grad_tol;             /* stop when the gradient norm is below this; 0 = off */
    int shuffle;                 /* mini-batch row order: GD_SHUFFLE_NONE, _ROWS, _BLOCKS */
    uint64_t seed;               /* for shuffling and random init */
    gd_init_kind init;           /* initial parameters */
    double l2;                   /* ridge penalty lambda on the weights, >= 0 */
    double l1;                   /* lasso penalty lambda on the weights, >= 0: applied by a
                                    proximal soft-threshold after every step, so weights
                                    reach exactly 0 */
    int no_intercept;            /* 1: keep the bias at 0 (a model through the origin;
                                    ds must be scaled without centering) */
    const gd_dataset *val;       /* validation rows, standardized like ds; NULL = none */
    int early_stop;              /* stop when the validation loss has not improved for
                                    patience epochs, and restore the best weights then
                                    (other stops keep the last weights) */
    const volatile sig_atomic_t *interrupt; /* when not NULL and set (e.g. by a signal
                                    handler), stop after the current batch; NULL = never */
    gd_schedule_config schedule; /* learning-rate schedule */
    int threads;                 /* threads for the loss and gradient passes; 0 = the
                                    number of online CPUs. Results are the same bits
                                    for every value */
} gd_train_config;

/* Fills cfg with the defaults for the rule ops (its default lr and batch
 * size; plateau schedule; tol 1e-10, patience 10, grad_tol 1e-9,
 * max_epochs 10000; shuffle on; seed 1; zeros init; no penalty). */
void gd_train_config_default(gd_train_config *cfg, const gd_optimizer_ops *ops);

/* Checks every hyperparameter in cfg that its optimizer and schedule read
 * (ranges from gdtrain/hparams.def, nesterov without momentum, a cosine
 * schedule's length). GD_OK, or GD_ERR_USAGE with a message naming the
 * command-line option. */
gd_status gd_train_config_check(const gd_train_config *cfg, gd_error *err);

/* The schedule as a run with cfg uses it: cosine anneals over the epoch
 * limit unless its length was set. */
gd_schedule_config gd_train_schedule(const gd_train_config *cfg);

/* What the epoch callback sees; losses are MSE on the standardized data. */
typedef struct gd_epoch_info {
    long epoch;        /* 1-based */
    long steps;        /* optimizer steps so far */
    double train_loss; /* full-data MSE after this epoch */
    double val_loss;   /* validation MSE after this epoch; NaN without validation rows */
    double grad_norm;  /* Euclidean norm of the full-data gradient of the objective */
    double lr;         /* the rate used in this epoch */
} gd_epoch_info;

/* Called after every epoch; returning nonzero stops training
 * (GD_STOP_REQUESTED). */
typedef int (*gd_epoch_fn)(const gd_epoch_info *info, void *user);

typedef struct gd_train_result {
    long epochs;           /* epochs run */
    long steps;            /* optimizer steps taken */
    gd_stop_reason reason;
    double initial_loss;   /* MSE at the initial parameters */
    double train_loss;     /* MSE at the final parameters */
    double val_loss;       /* validation MSE at the final parameters, or NaN */
    long best_epoch;       /* early stopping or a stall: the epoch whose weights were kept */
    double grad_norm;      /* gradient norm at the final parameters */
    double lr;             /* the rate of the last epoch */
} gd_train_result;

/* Everything that carries over from one epoch to the next besides the
 * parameters: what a checkpoint saves so that training continues bit for bit
 * as if it had never stopped. Plain fields, so a checkpoint can write and
 * read them; the buffers are owned by the state. */
typedef struct gd_train_state {
    long epoch;            /* epochs done */
    long steps;            /* optimizer steps done */
    gd_rng rng;            /* the shuffling stream */
    gd_schedule schedule;  /* the learning-rate schedule */
    int quiet_epochs;      /* epochs in a row with a change below tol */
    double stall_ref;      /* mini-batches: the best objective when it last improved by
                              stall_tol (relative); INFINITY before the first epoch */
    double stall_best;     /* mini-batches: the best objective so far (INFINITY if none) */
    int stall_epochs;      /* mini-batches: epochs since stall_ref was set */
    double blowup;         /* objective above which training has diverged */
    double best_val;       /* early stopping: best validation loss (INFINITY if none) */
    int val_bad_epochs;    /* early stopping: epochs since it improved */
    long best_epoch;       /* early stopping: epoch of best_val; else, for mini-batches,
                              the epoch of stall_best */
    size_t nparams;        /* d + 1 */
    double *best_params;   /* (nparams) the weights of best_epoch, or NULL (full batch
                              without early stopping) */
    size_t nopt;           /* doubles of optimizer state */
    double *opt_state;     /* (nopt) the optimizer's state */
} gd_train_state;

/* Starts a run: allocates *state for ds and cfg, seeds the random stream,
 * sets params (d + 1 numbers) from cfg->init (GD_INIT_GIVEN keeps them as
 * passed), and puts the optimizer and schedule in their initial condition.
 * GD_ERR_USAGE for an invalid configuration, GD_ERR_NOMEM when out of memory;
 * on error *state is safe to free. */
gd_status gd_train_state_init(gd_train_state *state, const gd_dataset *ds,
                              const gd_train_config *cfg, double *params, gd_error *err);

/* Frees what *state holds and zeroes it. Accepts a zeroed struct. */
void gd_train_state_free(gd_train_state *state);

/* Runs epochs state->epoch + 1 .. cfg->max_epochs from params and *state
 * (fresh from gd_train_state_init, or restored from a checkpoint with the
 * same ds and cfg), until a stop condition; updates both. res->epochs and
 * res->steps count from the very start. Returns GD_OK whenever training
 * ran, including divergence (res->reason says so; params then hold the last
 * finite values). Deterministic: the same inputs give the same bits. */
gd_status gd_train_run(const gd_dataset *ds, const gd_train_config *cfg, double *params,
                       gd_train_state *state, gd_train_result *res, gd_epoch_fn on_epoch,
                       void *user, gd_error *err);

/* Trains a linear model on the standardized dataset ds. params (d + 1
 * numbers, [w, b]) receives the result. The objective is
 *     MSE + l2 |w|^2 + l1 |w|_1
 * and convergence is tested on it. The same as gd_train_state_init, then
 * gd_train_run, then gd_train_state_free. Returns GD_OK whenever training ran,
 * including divergence (res->reason says so; params then hold the last
 * finite values); GD_ERR_USAGE for an invalid configuration, GD_ERR_NOMEM
 * when out of memory. Deterministic: the same inputs give the same bits. */
gd_status gd_train(const gd_dataset *ds, const gd_train_config *cfg, double *params,
                   gd_train_result *res, gd_epoch_fn on_epoch, void *user,
                   gd_error *err);

#endif
