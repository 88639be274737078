/*
 * fuzz_checkpoint: gd_checkpoint_load on arbitrary bytes, and a save/load
 * round trip of whatever it accepts.
 *
 * The input is written to a temporary file (gd_checkpoint_load takes a path)
 * and loaded. On error: a DATA or IO status with a one-line message, and the
 * checkpoint zeroed. On success: the sizes agree (nparams = d + 1, arrays
 * there), the numbers are what the format allows (finite, stds > 0, only
 * three fields possibly infinite, no NaN), the counters are in range; then
 * gd_checkpoint_save writes it to another temporary file and
 * gd_checkpoint_load reads it back, and the two must agree bit for bit
 * (numbers) and byte for byte (arguments).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "train/checkpoint.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void check_loaded(const gd_checkpoint *ck)
{
    const gd_scaling *sc = &ck->scaling;
    const gd_train_state *s = &ck->state;
    const size_t d = sc->d;
    FUZZ_CHECK(ck->nargs == 0 || ck->args != NULL, "no args array for %zu", ck->nargs);
    for (size_t i = 0; i < ck->nargs; i++) {
        FUZZ_CHECK(ck->args[i] != NULL, "arg %zu is NULL", i);
        fuzz_touch(ck->args[i], strlen(ck->args[i]) + 1);
    }
    FUZZ_CHECK(sc->x_mean != NULL && sc->x_std != NULL && sc->constant != NULL,
               "scaling arrays missing");
    for (size_t j = 0; j < d; j++) {
        FUZZ_CHECK(isfinite(sc->x_mean[j]) && isfinite(sc->x_std[j]) && sc->x_std[j] > 0,
                   "feature %zu scaling %g %g", j, sc->x_mean[j], sc->x_std[j]);
        FUZZ_CHECK(sc->constant[j] == 0, "constant[%zu] set", j);
    }
    FUZZ_CHECK(isfinite(sc->y_mean) && isfinite(sc->y_std) && sc->y_std > 0,
               "target scaling %g %g", sc->y_mean, sc->y_std);
    FUZZ_CHECK(s->nparams == d + 1, "nparams %zu for d %zu", s->nparams, d);
    FUZZ_CHECK(ck->params != NULL, "no params");
    for (size_t i = 0; i <= d; i++) {
        FUZZ_CHECK(isfinite(ck->params[i]), "params[%zu] %g", i, ck->params[i]);
        FUZZ_CHECK(s->best_params == NULL || isfinite(s->best_params[i]),
                   "best_params[%zu] %g", i, s->best_params[i]);
    }
    FUZZ_CHECK(s->opt_state != NULL, "no opt_state array");
    for (size_t i = 0; i < s->nopt; i++)
        FUZZ_CHECK(isfinite(s->opt_state[i]), "opt_state[%zu] %g", i, s->opt_state[i]);
    FUZZ_CHECK(s->epoch >= 0 && s->steps >= 0 && s->best_epoch >= 0 &&
                   s->best_epoch <= s->epoch,
               "epoch %ld steps %ld best_epoch %ld", s->epoch, s->steps, s->best_epoch);
    FUZZ_CHECK(s->quiet_epochs >= 0 && s->val_bad_epochs >= 0 &&
                   s->schedule.bad_epochs >= 0,
               "negative counter");
    FUZZ_CHECK((s->rng.s[0] | s->rng.s[1] | s->rng.s[2] | s->rng.s[3]) != 0,
               "rng all zero");
    FUZZ_CHECK(isfinite(s->schedule.lr), "lr %g", s->schedule.lr);
    FUZZ_CHECK(!isnan(s->schedule.best) && !isnan(s->blowup) && !isnan(s->best_val),
               "NaN loaded");
    FUZZ_CHECK(s->schedule.base_lr == 0.0, "base_lr set");
}

static void check_same(const gd_checkpoint *a, const gd_checkpoint *b)
{
    const gd_train_state *sa = &a->state, *sb = &b->state;
    FUZZ_CHECK(a->nargs == b->nargs, "nargs %zu vs %zu", a->nargs, b->nargs);
    for (size_t i = 0; i < a->nargs; i++)
        FUZZ_CHECK(strcmp(a->args[i], b->args[i]) == 0, "arg %zu differs", i);
    FUZZ_CHECK(a->rows == b->rows, "rows differ");
    FUZZ_CHECK(a->scaling.d == b->scaling.d, "d %zu vs %zu", a->scaling.d, b->scaling.d);
    for (size_t j = 0; j < a->scaling.d; j++)
        FUZZ_CHECK(same_bits(a->scaling.x_mean[j], b->scaling.x_mean[j]) &&
                       same_bits(a->scaling.x_std[j], b->scaling.x_std[j]),
                   "feature %zu scaling differs", j);
    FUZZ_CHECK(same_bits(a->scaling.y_mean, b->scaling.y_mean) &&
                   same_bits(a->scaling.y_std, b->scaling.y_std),
               "target scaling differs");
    for (size_t i = 0; i < sa->nparams; i++)
        FUZZ_CHECK(same_bits(a->params[i], b->params[i]), "params[%zu] differs", i);
    FUZZ_CHECK((sa->best_params == NULL) == (sb->best_params == NULL),
               "best_params presence differs");
    for (size_t i = 0; sa->best_params != NULL && i < sa->nparams; i++)
        FUZZ_CHECK(same_bits(sa->best_params[i], sb->best_params[i]),
                   "best_params[%zu] differs", i);
    FUZZ_CHECK(sa->nopt == sb->nopt, "nopt %zu vs %zu", sa->nopt, sb->nopt);
    for (size_t i = 0; i < sa->nopt; i++)
        FUZZ_CHECK(same_bits(sa->opt_state[i], sb->opt_state[i]),
                   "opt_state[%zu] differs", i);
    FUZZ_CHECK(sa->epoch == sb->epoch && sa->steps == sb->steps &&
                   sa->best_epoch == sb->best_epoch && sa->quiet_epochs == sb->quiet_epochs &&
                   sa->val_bad_epochs == sb->val_bad_epochs,
               "counters differ");
    FUZZ_CHECK(memcmp(&sa->rng, &sb->rng, sizeof sa->rng) == 0, "rng differs");
    FUZZ_CHECK(same_bits(sa->schedule.lr, sb->schedule.lr) &&
                   same_bits(sa->schedule.best, sb->schedule.best) &&
                   sa->schedule.bad_epochs == sb->schedule.bad_epochs,
               "schedule differs");
    FUZZ_CHECK(same_bits(sa->blowup, sb->blowup) && same_bits(sa->best_val, sb->best_val),
               "limits differ");
}

static void check_error(const gd_error *err, gd_status st, const gd_checkpoint *ck)
{
    FUZZ_CHECK(st == GD_ERR_DATA || st == GD_ERR_IO, "status %d", (int)st);
    FUZZ_CHECK(err->status == st, "err.status %d", (int)err->status);
    FUZZ_CHECK(err->message[0] != '\0' && strchr(err->message, '\n') == NULL,
               "bad message \"%s\"", err->message);
    gd_checkpoint zero;
    memset(&zero, 0, sizeof zero);
    FUZZ_CHECK(memcmp(ck, &zero, sizeof zero) == 0, "checkpoint not zeroed after an error");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmp_path("in.ckpt");
    const char *copy_path = fuzz_tmp_path("copy.ckpt");
    fuzz_write_file(path, data, size);

    gd_checkpoint ck, back;
    gd_error err;
    gd_error_clear(&err);
    gd_status st = gd_checkpoint_load(&ck, path, &err);
    if (st != GD_OK) {
        check_error(&err, st, &ck);
        gd_checkpoint_free(&ck);
        return 0;
    }
    check_loaded(&ck);

    st = gd_checkpoint_save(&ck, copy_path, &err);
    FUZZ_CHECK(st == GD_OK, "cannot save a loaded checkpoint: %s", err.message);
    st = gd_checkpoint_load(&back, copy_path, &err);
    FUZZ_CHECK(st == GD_OK, "cannot load a saved checkpoint: %s:%ld:%ld: %s", err.file,
               err.line, err.column, err.message);
    check_same(&ck, &back);
    gd_checkpoint_free(&back);
    gd_checkpoint_free(&ck);
    return 0;
}
