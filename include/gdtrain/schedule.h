/*
 * schedule: the learning rate for each optimizer step.
 *
 * A schedule turns the base learning rate lr0 into the rate of each step.
 * The trainer asks gd_schedule_lr(s, e, t) before every optimizer step,
 * with e the 0-based epoch index and t the 1-based step count (the same t
 * the optimizer gets), and tells the schedule each epoch's loss with
 * gd_schedule_epoch_end. The kinds, with e = 0, 1, ... and t = 1, 2, ...:
 *
 *   constant    lr = lr0.
 *   plateau     as torch.optim.lr_scheduler.ReduceLROnPlateau (mode "min",
 *               relative threshold, no cooldown): an epoch improves when
 *               loss < best * (1 - threshold); after more than `patience`
 *               epochs in a row without improvement, lr = max(lr * factor,
 *               min_lr) and the count restarts. Only this kind has state.
 *   step        as StepLR: lr = lr0 * gamma^floor(e / step_size).
 *   exp         as ExponentialLR: lr = lr0 * gamma^e.
 *   cosine      as CosineAnnealingLR in its closed form, over T = t_max
 *               epochs: lr = min_lr + (lr0 - min_lr) * (1 + cos(pi e / T)) / 2
 *               for e <= T, and min_lr after (PyTorch's formula would rise
 *               again past T; with T = the epoch limit, e < T always).
 *   invscaling  as scikit-learn's SGDRegressor learning_rate='invscaling':
 *               lr = lr0 / t^power_t. scikit-learn counts single-sample
 *               updates in t; here t counts optimizer steps (mini-batches,
 *               or whole epochs for full-batch training), so this is the one
 *               kind whose rate changes within an epoch.
 *
 * Only plateau reads min_lr as a floor and cosine as its final rate; step,
 * exp and invscaling follow their definitions and have no floor.
 *
 * Checkpoints: a schedule's whole state is in three plain fields of
 * gd_schedule (lr, best, bad_epochs), changed only by
 * gd_schedule_epoch_end; the rest is fixed by gd_schedule_init from the
 * configuration and the base rate. To resume exactly, call gd_schedule_init
 * with the same configuration and base rate, then assign the three saved
 * fields (best is +infinity until the first gd_schedule_epoch_end, and
 * finite after it as long as the losses given were finite). The epoch and
 * step counters belong to the trainer.
 */
#ifndef GDTRAIN_SCHEDULE_H
#define GDTRAIN_SCHEDULE_H

#include <stddef.h>

typedef enum gd_schedule_kind {
    GD_SCHEDULE_CONSTANT,
    GD_SCHEDULE_PLATEAU,
    GD_SCHEDULE_STEP,
    GD_SCHEDULE_EXP,
    GD_SCHEDULE_COSINE,
    GD_SCHEDULE_INVSCALING
} gd_schedule_kind;

/* With no macro defined, this only defines the GD_HP_CTYPE_ types. */
#include "gdtrain/hparams.def"

typedef struct gd_schedule_config {
    gd_schedule_kind kind;
    double factor;    /* plateau: multiplier in (0, 1) */
    int patience;     /* plateau: epochs without improvement tolerated, >= 0 */
    double threshold; /* plateau: relative improvement that counts, in [0, 1) */
    /* One field per GD_SCHEDULE_HPARAM line of gdtrain/hparams.def: min_lr
     * (plateau: the floor of the rate; cosine: the final rate), step_size
     * (step: epochs between two decays), gamma (step, exp: multiplier per
     * decay), power_t (invscaling: exponent of t) and t_max (cosine: T, the
     * epochs of the half cosine; 0 = not set: the caller must set it, to
     * the epoch limit). */
#define GD_SCHEDULE_HPARAM(field, type, ...) GD_HP_CTYPE_##type field;
#include "gdtrain/hparams.def"
} gd_schedule_config;

typedef struct gd_schedule {
    gd_schedule_config cfg; /* fixed at init */
    double base_lr;         /* lr0, fixed at init */
    /* The state, changed only by gd_schedule_epoch_end (what a checkpoint
     * saves): */
    double lr;              /* plateau: the current rate; others: lr0 */
    double best;            /* plateau: best loss seen; +inf before the first */
    int bad_epochs;         /* plateau: epochs since the last improvement */
} gd_schedule;

/* The schedule named name ("constant", "plateau", "step", "exp", "cosine",
 * "invscaling"): stores its kind in *kind and returns 1; returns 0 and
 * leaves *kind alone if there is none. */
int gd_schedule_kind_from_name(const char *name, gd_schedule_kind *kind);

/* The name of kind, as gd_schedule_kind_from_name takes it. */
const char *gd_schedule_kind_name(gd_schedule_kind kind);

/* A one-line description of kind for --help. */
const char *gd_schedule_kind_summary(gd_schedule_kind kind);

/* All schedule names in --help order, NULL-terminated (static storage). */
const char *const *gd_schedule_list(void);

/* Fills cfg with kind and the defaults of every field:
 *   plateau: factor 0.5, patience 10 (as PyTorch), threshold 0 (any new best loss counts
 *            as progress, so a steadily converging run keeps its rate and
 *            only a stalled or oscillating one is slowed down), min_lr 0;
 *   step:    step_size 200, gamma 0.5 (halve the rate every 200 epochs);
 *   exp:     gamma 0.998 (the rate falls 10-fold in about 1150 epochs);
 *   (PyTorch requires step_size and ExponentialLR's gamma, and StepLR's
 *   gamma defaults to 0.1; with ours, gd, sgd, rmsprop and adam at their
 *   default rates still reach the optimum on standardized data well within
 *   10000 epochs, while 100-epoch steps or gamma 0.99 stop adam short);
 *   cosine:  min_lr 0 (PyTorch's eta_min), t_max 0: set it to the epoch
 *            limit before use;
 *   invscaling: power_t 0.25 (scikit-learn's).
 * Fields a kind does not read get these values too, so switching kind
 * after this call is harmless; gamma is 0.5 unless kind is exp. */
void gd_schedule_config_default(gd_schedule_config *cfg, gd_schedule_kind kind);

/* Checks cfg's fields that its kind reads (ranges above; cosine needs
 * t_max >= 1). Returns 1 if valid; otherwise writes a one-line message to
 * buf (size bytes, naming the command-line option: --lr-step, --lr-gamma,
 * --lr-min, --lr-power, --epochs) and returns 0. Cannot fail otherwise. */
int gd_schedule_config_check(const gd_schedule_config *cfg, char *buf, size_t size);

/* Starts a schedule from cfg (copied) and the base rate base_lr > 0.
 * cfg must pass gd_schedule_config_check. Cannot fail. */
void gd_schedule_init(gd_schedule *s, const gd_schedule_config *cfg, double base_lr);

/* The rate for step t (1-based, counted over the whole run) in epoch e
 * (0-based). Pure: it reads s and changes nothing, so it can be asked for
 * every step. Cannot fail. */
double gd_schedule_lr(const gd_schedule *s, long epoch, long step);

/* Tells the schedule the loss after an epoch (plateau counts it; the other
 * kinds ignore it). Call it once per epoch, after the epoch's steps and
 * before the next epoch's first gd_schedule_lr. A NaN loss counts as no
 * improvement. Cannot fail. */
void gd_schedule_epoch_end(gd_schedule *s, double loss);

/* True when the rate can fall no further: a plateau schedule at its floor
 * min_lr. Always false for the other kinds. */
int gd_schedule_at_floor(const gd_schedule *s);

#endif
