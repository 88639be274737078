/*
 * checkpoint: a paused training run, saved so that it can continue bit for
 * bit as if it had never stopped.
 *
 * A checkpoint holds the run's command-line arguments (so that resuming
 * trains with the same settings), the parameters, the trainer's state
 * (epoch, steps, random stream, schedule, convergence and early-stopping
 * counters, the optimizer's moments) and the data's scaling and row count
 * (so that a resumed run can tell that its data changed).
 *
 * The file is line-oriented text like the model file, every double written as
 * the shortest decimal that reads back as it (infinities as "inf") so that
 * save -> load is exact:
 *     gdtrain-checkpoint 1
 *     arg <one command-line argument>          (any number, in order)
 *     rows <n>
 *     target_scaling <y_mean> <y_std>
 *     feature_scaling <x_mean> <x_std>         (d lines)
 *     epoch <epochs done>
 *     steps <optimizer steps done>
 *     rng <s0> <s1> <s2> <s3>                  (xoshiro256** state)
 *     schedule <lr> <best> <bad_epochs>
 *     counters <quiet_epochs> <val_bad_epochs> <best_epoch>
 *     limits <blowup> <best_val>
 *     stall <stall_ref> <stall_best> <stall_epochs>  (optional: older files lack it)
 *     params <v> ...                           (d + 1 numbers)
 *     best_params <v> ...                      (d + 1 numbers: early stopping and
 *                                               mini-batch runs only)
 *     opt_state <count> <v> ...
 *     end
 * Arguments are escaped like names in the model file ("\\", "\n", "\r").
 * The lines come in this order; comments ('#') and blank lines may appear
 * anywhere, as in the model file. Only the schedule's best loss, blowup,
 * best_val, stall_ref and stall_best may be infinite; NaN is never written or read. src/train/checkpoint.c
 * has the format in detail.
 *
 * Saving a run: fill a gd_checkpoint with borrowed pointers (a shallow view
 * of the run, not to be freed with gd_checkpoint_free):
 *     gd_checkpoint ck = {nargs, args, rows, scaling, params, state};
 *     st = gd_checkpoint_save(&ck, path, err);
 * Save only a whole state, as it is between two epochs: after gd_train_run
 * has returned GD_STOP_INTERRUPTED (it rolls the unfinished epoch back) or
 * GD_STOP_MAX_EPOCHS. Not from inside the epoch callback, nor after the
 * other stops: the callback runs, and they break out, before the epoch's
 * early-stopping, convergence and schedule updates, which a resumed run
 * would then never make.
 *
 * Resuming it: gd_checkpoint_load; parse ck.args again into the
 * configuration; read and standardize the data; gd_checkpoint_check_data;
 * gd_train_state_init with that data and configuration; then
 * gd_checkpoint_restore, which copies the parameters and the state over the
 * fresh ones; then gd_train_run.
 */
#ifndef GDTRAIN_CHECKPOINT_H
#define GDTRAIN_CHECKPOINT_H

#include <stddef.h>

#include "gdtrain/dataset.h"
#include "gdtrain/error.h"
#include "gdtrain/trainer.h"

#define GD_CHECKPOINT_FORMAT_VERSION 1

typedef struct gd_checkpoint {
    size_t nargs;           /* the run's command-line arguments */
    char **args;            /* (nargs) */
    size_t rows;            /* training rows */
    gd_scaling scaling;     /* the training data's statistics (d = scaling.d);
                               loaded with constant[] and y_constant all 0 */
    double *params;         /* (d + 1) */
    gd_train_state state;   /* owns best_params and opt_state; nparams = d + 1.
                               Loaded, its schedule holds only lr, best and
                               bad_epochs (cfg and base_lr are zero: they come
                               from the arguments; gd_checkpoint_restore keeps
                               those of gd_train_state_init) */
} gd_checkpoint;

/* Writes ck to path atomically (a temporary file renamed into place); on any
 * failure any earlier file at path is left as it was. ck must be
 * well-formed (asserted): state.nparams = scaling.d + 1, counters >= 0,
 * best_epoch <= epoch, rng not all zero. Fails with GD_ERR_IO if the file
 * cannot be written; GD_ERR_DATA if the scaling has a non-finite mean or a
 * std that is not finite and > 0; GD_ERR_TRAIN if a number the loader would
 * refuse is there: a NaN anywhere, or an infinite parameter, best parameter,
 * optimizer state value or learning rate (training diverged). */
gd_status gd_checkpoint_save(const gd_checkpoint *ck, const char *path, gd_error *err);

/* Reads a checkpoint into *ck (need not be initialised). GD_ERR_IO if it
 * cannot be read; GD_ERR_DATA with line and column for anything malformed,
 * a version other than 1, or sizes that disagree with each other. On error
 * *ck is zeroed (safe to free). */
gd_status gd_checkpoint_load(gd_checkpoint *ck, const char *path, gd_error *err);

/* Frees what *ck holds (its state included) and zeroes it. Accepts a zeroed
 * struct. */
void gd_checkpoint_free(gd_checkpoint *ck);

/* Checks that a resumed run trains on the checkpoint's data: rows training
 * rows and the scaling sc computed from them must equal ck's, bit for bit
 * (standardizing the same rows gives the same bits). GD_ERR_DATA naming the
 * first difference (a feature by its name in names, or by its number when
 * names is NULL), the numbers in their shortest round-trip digits; the
 * message has no file (the caller may set err->file). Cannot fail
 * otherwise. */
gd_status gd_checkpoint_check_data(const gd_checkpoint *ck, size_t rows,
                                   const gd_scaling *sc, const char *const *names,
                                   gd_error *err);

/* Continues ck's run: state must come from gd_train_state_init with the
 * resumed run's data and configuration. Copies ck's parameters into params
 * (d + 1 numbers) and its epoch, steps, rng, counters, limits, best
 * parameters and optimizer state into *state; the schedule keeps the
 * configuration and base rate that gd_train_state_init gave it and takes
 * ck's lr, best and bad_epochs. GD_ERR_DATA, with nothing changed, if the
 * sizes disagree: another number of parameters (other data), of optimizer
 * state values (another optimizer) or best weights kept in one and not in
 * the other (early stopping or mini-batches on one side only). Cannot fail otherwise. */
gd_status gd_checkpoint_restore(const gd_checkpoint *ck, gd_train_state *state,
                                double *params, gd_error *err);

#endif
