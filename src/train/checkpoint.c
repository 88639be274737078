/*
 * checkpoint: saving and loading a paused training run.
 * See checkpoint.h for the contract and the format's outline.
 *
 * The file format in detail (what gd_checkpoint_save writes and
 * gd_checkpoint_load accepts):
 * - The lexical rules, the first line ("gdtrain-checkpoint 1") and the 'end'
 *   line are those of every gdtrain text file (src/io/textfile.h): LF or CR LF
 *   line ends, '#' comments and blank lines ignored anywhere, a UTF-8 BOM
 *   skipped, no NUL bytes; the parsing code is shared with the model file.
 * - The keyword lines come in the order of the header's outline. 'arg' and
 *   'feature_scaling' may appear any number of times (consecutively),
 *   'best_params' at most once, every other line exactly once. The loader
 *   names the line that is missing, repeated or out of place.
 * - An argument is the rest of its line after exactly one blank, escaped as
 *   in the model file ("\\", "\n", "\r"); any bytes else (tabs, UTF-8) as
 *   they are.
 * - Counts and counters are unsigned decimal integers (digits only): rows
 *   and the opt_state count up to SIZE_MAX, epoch, steps and best_epoch up
 *   to LONG_MAX, the other counters up to INT_MAX, the four rng words up to
 *   2^64 - 1 (not all zero: xoshiro256** never reaches that state). The best
 *   epoch cannot be after the last epoch done.
 * - Numbers are plain decimals, the shortest that read back exactly, required to be finite,
 *   except the three that may be infinite: the schedule's best loss, the
 *   divergence limit (blowup) and the best validation loss, written "inf"
 *   or "-inf". NaN is never written nor read. Standard deviations are > 0.
 * - 'params' holds d + 1 numbers, d being the number of 'feature_scaling'
 *   lines; 'best_params' too; 'opt_state' starts with its count, followed by
 *   exactly that many numbers.
 *
 * Not saved: which columns were constant (after loading, scaling.constant[]
 * is all 0 and y_constant is 0; a resumed run recomputes its own scaling
 * from the data, and compares it with gd_checkpoint_check_data), and the
 * schedule's configuration and base rate (they come from the arguments; see
 * gd_checkpoint_restore).
 */
#include "train/checkpoint.h"

#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/numformat.h"
#include "io/textfile.h"

/* Files larger than this are not checkpoints. A feature takes some 180
 * bytes (its scaling line, and a parameter, a best parameter and up to
 * three optimizer values of about 25 bytes each), so this allows about
 * 1.4 million features: more than a model file can hold. */
#define CHECKPOINT_MAX_FILE_SIZE ((size_t)256 * 1024 * 1024)

#define CHECKPOINT_MAGIC "gdtrain-checkpoint"

/* ---------------------------------------------------------------------- */
/* Freeing                                                                 */

void gd_checkpoint_free(gd_checkpoint *ck)
{
    if (ck == NULL)
        return;
    if (ck->args != NULL) {
        for (size_t i = 0; i < ck->nargs; i++)
            free(ck->args[i]);
        free(ck->args);
    }
    gd_scaling_free(&ck->scaling);
    free(ck->params);
    gd_train_state_free(&ck->state);
    memset(ck, 0, sizeof *ck);
}

/* ---------------------------------------------------------------------- */
/* Saving                                                                  */

/* Checks the invariants of a well-formed checkpoint (bugs if broken), then
 * that every number can be written and read back: a NaN anywhere, or an
 * infinity where the loader wants a finite number, means the training
 * diverged (GD_ERR_TRAIN); a bad scaling comes from the data
 * (GD_ERR_DATA). */
static gd_status check_savable(const gd_checkpoint *ck, const char *path, gd_error *err)
{
    const gd_scaling *sc = &ck->scaling;
    const gd_train_state *s = &ck->state;
    const size_t d = sc->d;

    assert(ck->nargs == 0 || ck->args != NULL);
    for (size_t i = 0; i < ck->nargs; i++)
        assert(ck->args[i] != NULL);
    assert(d == 0 || (sc->x_mean != NULL && sc->x_std != NULL));
    assert(ck->params != NULL && s->nparams == d + 1);
    assert(s->nopt == 0 || s->opt_state != NULL);
    assert(s->epoch >= 0 && s->steps >= 0 && s->quiet_epochs >= 0);
    assert(s->val_bad_epochs >= 0 && s->schedule.bad_epochs >= 0);
    assert(s->best_epoch >= 0 && s->best_epoch <= s->epoch);
    assert((s->rng.s[0] | s->rng.s[1] | s->rng.s[2] | s->rng.s[3]) != 0);

    for (size_t j = 0; j < d; j++)
        if (!isfinite(sc->x_mean[j]) || !isfinite(sc->x_std[j]) || !(sc->x_std[j] > 0))
            return gd_error_set(err, GD_ERR_DATA, path, 0, 0,
                                "cannot save a checkpoint whose scaling of feature %zu "
                                "is mean %g, std %g (std must be finite and > 0)",
                                j + 1, sc->x_mean[j], sc->x_std[j]);
    if (!isfinite(sc->y_mean) || !isfinite(sc->y_std) || !(sc->y_std > 0))
        return gd_error_set(err, GD_ERR_DATA, path, 0, 0,
                            "cannot save a checkpoint whose target scaling is "
                            "mean %g, std %g (std must be finite and > 0)",
                            sc->y_mean, sc->y_std);

    for (size_t i = 0; i <= d; i++)
        if (!isfinite(ck->params[i]))
            return gd_error_set(err, GD_ERR_TRAIN, path, 0, 0,
                                "cannot save a checkpoint whose parameter %zu is %g "
                                "(training diverged?)", i + 1, ck->params[i]);
    for (size_t i = 0; s->best_params != NULL && i <= d; i++)
        if (!isfinite(s->best_params[i]))
            return gd_error_set(err, GD_ERR_TRAIN, path, 0, 0,
                                "cannot save a checkpoint whose best parameter %zu is "
                                "%g (training diverged?)", i + 1, s->best_params[i]);
    for (size_t i = 0; i < s->nopt; i++)
        if (!isfinite(s->opt_state[i]))
            return gd_error_set(err, GD_ERR_TRAIN, path, 0, 0,
                                "cannot save a checkpoint whose optimizer state value "
                                "%zu is %g (training diverged?)", i + 1, s->opt_state[i]);
    if (!isfinite(s->schedule.lr))
        return gd_error_set(err, GD_ERR_TRAIN, path, 0, 0,
                            "cannot save a checkpoint whose learning rate is %g",
                            s->schedule.lr);
    const struct {
        const char *what;
        double v;
    } maybe_inf[] = {
        {"schedule's best loss", s->schedule.best},
        {"divergence limit", s->blowup},
        {"best validation loss", s->best_val},
        {"stall reference", s->stall_ref},
        {"best loss", s->stall_best},
    };
    for (size_t i = 0; i < sizeof maybe_inf / sizeof maybe_inf[0]; i++)
        if (isnan(maybe_inf[i].v))
            return gd_error_set(err, GD_ERR_TRAIN, path, 0, 0,
                                "cannot save a checkpoint whose %s is NaN (save only "
                                "after gd_train_run)", maybe_inf[i].what);
    return GD_OK;
}

static void write_checkpoint(FILE *fp, const void *user)
{
    const gd_checkpoint *ck = user;
    const gd_scaling *sc = &ck->scaling;
    const gd_train_state *s = &ck->state;
    fputs("# gdtrain checkpoint: a paused training run, and the arguments to "
          "resume it with\n", fp);
    fprintf(fp, "%s %d\n", CHECKPOINT_MAGIC, GD_CHECKPOINT_FORMAT_VERSION);
    for (size_t i = 0; i < ck->nargs; i++) {
        fputs("arg ", fp);
        gd_text_write_escaped(fp, ck->args[i]);
        fputc('\n', fp);
    }
    fprintf(fp, "rows %zu\n", ck->rows);
    fputs("target_scaling", fp);
    gd_text_write_values(fp, (const double[]){sc->y_mean, sc->y_std}, 2);
    for (size_t j = 0; j < sc->d; j++) {
        fputs("\nfeature_scaling", fp);
        gd_text_write_values(fp, (const double[]){sc->x_mean[j], sc->x_std[j]}, 2);
    }
    fputc('\n', fp);
    fprintf(fp, "epoch %ld\n", s->epoch);
    fprintf(fp, "steps %ld\n", s->steps);
    fprintf(fp, "rng %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", s->rng.s[0],
            s->rng.s[1], s->rng.s[2], s->rng.s[3]);
    fputs("schedule", fp);
    gd_text_write_values(fp, (const double[]){s->schedule.lr, s->schedule.best}, 2);
    fprintf(fp, " %d\n", s->schedule.bad_epochs);
    fprintf(fp, "counters %d %d %ld\n", s->quiet_epochs, s->val_bad_epochs,
            s->best_epoch);
    fputs("limits ", fp);
    gd_text_write_double(fp, s->blowup);
    fputc(' ', fp);
    gd_text_write_double(fp, s->best_val);
    fputs("\nstall ", fp);
    gd_text_write_double(fp, s->stall_ref);
    fputc(' ', fp);
    gd_text_write_double(fp, s->stall_best);
    fprintf(fp, " %d", s->stall_epochs);
    fputs("\nparams", fp);
    gd_text_write_values(fp, ck->params, s->nparams);
    if (s->best_params != NULL) {
        fputs("\nbest_params", fp);
        gd_text_write_values(fp, s->best_params, s->nparams);
    }
    fprintf(fp, "\nopt_state %zu", s->nopt);
    gd_text_write_values(fp, s->opt_state, s->nopt);
    fputs("\nend\n", fp);
}

gd_status gd_checkpoint_save(const gd_checkpoint *ck, const char *path, gd_error *err)
{
    assert(ck != NULL && path != NULL);
    gd_status st = check_savable(ck, path, err);
    if (st != GD_OK)
        return st;
    return gd_text_save(path, write_checkpoint, ck, err);
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                 */

enum {
    KW_ARG,
    KW_ROWS,
    KW_TARGET_SCALING,
    KW_FEATURE_SCALING,
    KW_EPOCH,
    KW_STEPS,
    KW_RNG,
    KW_SCHEDULE,
    KW_COUNTERS,
    KW_LIMITS,
    KW_STALL,
    KW_PARAMS,
    KW_BEST_PARAMS,
    KW_OPT_STATE,
    KW_END,
    NKEYWORDS
};

/* The state of one gd_checkpoint_load (the file's state is in the reader). */
typedef struct loader {
    gd_checkpoint *ck;     /* being filled */
    int current;           /* the keyword of the last line read, -1 before any */
    long seen[NKEYWORDS];  /* line where each keyword first appeared, 0 if not yet */
    size_t args_cap;       /* room in ck->args */
    size_t scaling_cap;    /* room in ck->scaling.x_mean and x_std */
} loader;

typedef gd_status (*line_parser)(gd_text_reader *r, loader *ld, size_t pos);

/* Unsigned integer fields up to the type's largest value. */
static gd_status parse_long(gd_text_reader *r, size_t *pos, const char *what, long *out)
{
    uint64_t v = 0;
    gd_status st = gd_text_parse_uint(r, pos, what, (uint64_t)LONG_MAX, &v);
    if (st == GD_OK)
        *out = (long)v;
    return st;
}

static gd_status parse_int(gd_text_reader *r, size_t *pos, const char *what, int *out)
{
    uint64_t v = 0;
    gd_status st = gd_text_parse_uint(r, pos, what, (uint64_t)INT_MAX, &v);
    if (st == GD_OK)
        *out = (int)v;
    return st;
}

/* Reads the n numbers that make up the rest of the line into a new array
 * *out (what: "parameters"; one: "a parameter"; why: where n comes from, for
 * the message). Counts the line's tokens first, so that nothing is
 * allocated for numbers that are not there. */
static gd_status parse_values(gd_text_reader *r, size_t pos, size_t n, const char *what,
                              const char *one, const char *why, double **out)
{
    char q[128];
    size_t found = 0, extra = r->len; /* extra: the first token too many */
    size_t p = gd_text_skip_blanks(r, pos);
    while (p < r->len) {
        if (found == n) {
            extra = p;
            break;
        }
        found++;
        p = gd_text_skip_blanks(r, gd_text_token_end(r, p));
    }
    if (found < n)
        return gd_text_fail_at(r, r->len, "expected %zu %s (%s), found the end of the "
                                          "line after %zu", n, what, why, found);
    if (extra < r->len)
        return gd_text_fail_at(r, extra, "more %s than the %zu expected (%s), found "
                                         "\"%s\"", what, n, why,
                               gd_text_quote(r, extra, gd_text_token_end(r, extra), q,
                                             sizeof q));
    double *v = malloc((n > 0 ? n : 1) * sizeof *v);
    if (v == NULL)
        return gd_text_out_of_memory(r);
    for (size_t i = 0; i < n; i++) {
        gd_status st = gd_text_parse_number(r, &pos, one, &v[i]);
        if (st != GD_OK) {
            free(v);
            return st;
        }
    }
    *out = v;
    return GD_OK;
}

static gd_status parse_arg(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_checkpoint *ck = ld->ck;
    if (ck->nargs == ld->args_cap) {
        size_t cap = ld->args_cap ? 2 * ld->args_cap : 8;
        char **args = realloc(ck->args, cap * sizeof *args);
        if (args == NULL)
            return gd_text_out_of_memory(r);
        ck->args = args;
        ld->args_cap = cap;
    }
    gd_status st = gd_text_parse_text(r, pos, "an argument", &ck->args[ck->nargs]);
    if (st == GD_OK)
        ck->nargs++;
    return st;
}

static gd_status parse_rows(gd_text_reader *r, loader *ld, size_t pos)
{
    uint64_t rows = 0;
    gd_status st = gd_text_parse_uint(r, &pos, "the number of rows", SIZE_MAX, &rows);
    if (st != GD_OK)
        return st;
    ld->ck->rows = (size_t)rows;
    return gd_text_expect_end_of_line(r, pos, "the number of rows");
}

static gd_status parse_target_scaling(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_scaling *sc = &ld->ck->scaling;
    gd_status st = gd_text_parse_number(r, &pos, "the target's mean", &sc->y_mean);
    if (st == GD_OK)
        st = gd_text_parse_std(r, &pos, "the target's std", &sc->y_std);
    return st != GD_OK ? st
                       : gd_text_expect_end_of_line(r, pos, "the target's mean and std");
}

static gd_status parse_feature_scaling(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_scaling *sc = &ld->ck->scaling;
    if (sc->d == ld->scaling_cap) {
        /* Each line holds a few bytes at least, so the count cannot
         * overflow. */
        size_t cap = ld->scaling_cap ? 2 * ld->scaling_cap : 8;
        double *mean = realloc(sc->x_mean, cap * sizeof *mean);
        if (mean == NULL)
            return gd_text_out_of_memory(r);
        sc->x_mean = mean;
        double *std = realloc(sc->x_std, cap * sizeof *std);
        if (std == NULL)
            return gd_text_out_of_memory(r);
        sc->x_std = std;
        ld->scaling_cap = cap;
    }
    gd_status st = gd_text_parse_number(r, &pos, "the feature's mean", &sc->x_mean[sc->d]);
    if (st == GD_OK)
        st = gd_text_parse_std(r, &pos, "the feature's std", &sc->x_std[sc->d]);
    if (st == GD_OK)
        st = gd_text_expect_end_of_line(r, pos, "the feature's mean and std");
    if (st == GD_OK)
        sc->d++;
    return st;
}

static gd_status parse_epoch(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_status st = parse_long(r, &pos, "the number of epochs done", &ld->ck->state.epoch);
    return st != GD_OK ? st : gd_text_expect_end_of_line(r, pos, "the number of epochs");
}

static gd_status parse_steps(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_status st = parse_long(r, &pos, "the number of steps done", &ld->ck->state.steps);
    return st != GD_OK ? st : gd_text_expect_end_of_line(r, pos, "the number of steps");
}

static gd_status parse_rng(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_rng *rng = &ld->ck->state.rng;
    size_t start = gd_text_skip_blanks(r, pos);
    for (int i = 0; i < 4; i++) {
        gd_status st = gd_text_parse_uint(r, &pos, "a word of the random state", UINT64_MAX,
                                   &rng->s[i]);
        if (st != GD_OK)
            return st;
    }
    if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
        return gd_text_fail_at(r, start, "the random state is all zero, which "
                                         "xoshiro256** never reaches");
    return gd_text_expect_end_of_line(r, pos, "the four words of the random state");
}

static gd_status parse_schedule(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_schedule *s = &ld->ck->state.schedule;
    gd_status st = gd_text_parse_number(r, &pos, "the learning rate", &s->lr);
    if (st == GD_OK)
        st = gd_text_parse_number_or_inf(r, &pos, "the schedule's best loss", &s->best);
    if (st == GD_OK)
        st = parse_int(r, &pos, "the schedule's epochs without improvement",
                       &s->bad_epochs);
    return st != GD_OK ? st : gd_text_expect_end_of_line(r, pos, "the schedule's state");
}

static gd_status parse_counters(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_train_state *s = &ld->ck->state;
    gd_status st = parse_int(r, &pos, "the epochs without change", &s->quiet_epochs);
    if (st == GD_OK)
        st = parse_int(r, &pos, "the epochs without validation improvement",
                       &s->val_bad_epochs);
    size_t start = gd_text_skip_blanks(r, pos);
    if (st == GD_OK)
        st = parse_long(r, &pos, "the best epoch", &s->best_epoch);
    if (st == GD_OK && s->best_epoch > s->epoch)
        return gd_text_fail_at(r, start, "the best epoch %ld is after the last epoch "
                                         "done, %ld (line %ld)", s->best_epoch, s->epoch,
                               ld->seen[KW_EPOCH]);
    return st != GD_OK ? st : gd_text_expect_end_of_line(r, pos, "the counters");
}

static gd_status parse_limits(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_train_state *s = &ld->ck->state;
    gd_status st = gd_text_parse_number_or_inf(r, &pos, "the divergence limit", &s->blowup);
    if (st == GD_OK)
        st = gd_text_parse_number_or_inf(r, &pos, "the best validation loss",
                                         &s->best_val);
    return st != GD_OK ? st : gd_text_expect_end_of_line(r, pos, "the limits");
}

/* Optional: checkpoints from before the mini-batch stall rule have none,
 * and their runs start its count afresh. */
static gd_status parse_stall(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_train_state *s = &ld->ck->state;
    gd_status st = gd_text_parse_number_or_inf(r, &pos, "the stall reference", &s->stall_ref);
    if (st == GD_OK)
        st = gd_text_parse_number_or_inf(r, &pos, "the best loss", &s->stall_best);
    if (st == GD_OK)
        st = parse_int(r, &pos, "the epochs since the stall reference", &s->stall_epochs);
    return st != GD_OK ? st : gd_text_expect_end_of_line(r, pos, "the stall state");
}

static gd_status parse_params(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_checkpoint *ck = ld->ck;
    gd_scaling *sc = &ck->scaling;
    /* The feature_scaling lines are all read: give the scaling its final
     * form (every array allocated, constant[] all 0). */
    if (sc->x_mean == NULL)
        sc->x_mean = malloc(sizeof *sc->x_mean);
    if (sc->x_std == NULL)
        sc->x_std = malloc(sizeof *sc->x_std);
    sc->constant = calloc(sc->d > 0 ? sc->d : 1, sizeof *sc->constant);
    if (sc->x_mean == NULL || sc->x_std == NULL || sc->constant == NULL)
        return gd_text_out_of_memory(r);
    ck->state.nparams = sc->d + 1;
    return parse_values(r, pos, sc->d + 1, "parameters", "a parameter",
                        "a weight for each 'feature_scaling' line, then the bias",
                        &ck->params);
}

static gd_status parse_best_params(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_train_state *s = &ld->ck->state;
    return parse_values(r, pos, s->nparams, "best parameters", "a best parameter",
                        "as many as in 'params'", &s->best_params);
}

static gd_status parse_opt_state(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_train_state *s = &ld->ck->state;
    uint64_t n = 0;
    gd_status st = gd_text_parse_uint(r, &pos, "the number of optimizer state values",
                               SIZE_MAX, &n);
    if (st != GD_OK)
        return st;
    st = parse_values(r, pos, (size_t)n, "optimizer state values",
                      "an optimizer state value", "the count that starts the line",
                      &s->opt_state);
    if (st == GD_OK)
        s->nopt = (size_t)n;
    return st;
}

static gd_status parse_end(gd_text_reader *r, loader *ld, size_t pos)
{
    (void)ld;
    return gd_text_expect_end_of_line(r, pos, "'end'");
}

/* The keywords of the format, in the order they must appear in. */
static const char *const keyword_names[NKEYWORDS] = {
    [KW_ARG] = "arg",
    [KW_ROWS] = "rows",
    [KW_TARGET_SCALING] = "target_scaling",
    [KW_FEATURE_SCALING] = "feature_scaling",
    [KW_EPOCH] = "epoch",
    [KW_STEPS] = "steps",
    [KW_RNG] = "rng",
    [KW_SCHEDULE] = "schedule",
    [KW_COUNTERS] = "counters",
    [KW_LIMITS] = "limits",
    [KW_STALL] = "stall",
    [KW_PARAMS] = "params",
    [KW_BEST_PARAMS] = "best_params",
    [KW_OPT_STATE] = "opt_state",
    [KW_END] = "end",
};

/* Each keyword's parser, whether its line is required, and whether it may
 * repeat. */
static const struct keyword {
    line_parser parse;
    int required;
    int many;
} keywords[NKEYWORDS] = {
    [KW_ARG] = {parse_arg, 0, 1},
    [KW_ROWS] = {parse_rows, 1, 0},
    [KW_TARGET_SCALING] = {parse_target_scaling, 1, 0},
    [KW_FEATURE_SCALING] = {parse_feature_scaling, 0, 1},
    [KW_EPOCH] = {parse_epoch, 1, 0},
    [KW_STEPS] = {parse_steps, 1, 0},
    [KW_RNG] = {parse_rng, 1, 0},
    [KW_SCHEDULE] = {parse_schedule, 1, 0},
    [KW_COUNTERS] = {parse_counters, 1, 0},
    [KW_LIMITS] = {parse_limits, 1, 0},
    [KW_STALL] = {parse_stall, 0, 0},
    [KW_PARAMS] = {parse_params, 1, 0},
    [KW_BEST_PARAMS] = {parse_best_params, 0, 0},
    [KW_OPT_STATE] = {parse_opt_state, 1, 0},
    [KW_END] = {parse_end, 1, 0},
};

static const gd_text_format checkpoint_format = {
    .kind = "checkpoint",
    .magic = CHECKPOINT_MAGIC,
    .version = GD_CHECKPOINT_FORMAT_VERSION,
    .max_size = CHECKPOINT_MAX_FILE_SIZE,
    .keywords = keyword_names,
    .nkeywords = NKEYWORDS,
    .end_keyword = KW_END,
};

/* One keyword line (gd_text_line_fn): the lines come in the order of
 * keyword_names, so a keyword before the current one is repeated or out of
 * place, and one after it must not skip a required line. */
static gd_status parse_line(gd_text_reader *r, int k, size_t pos, void *user)
{
    loader *ld = user;
    assert(k >= 0 && k < NKEYWORDS);
    if (k < ld->current || (k == ld->current && !keywords[k].many)) {
        if (ld->seen[k] != 0 && !keywords[k].many)
            return gd_text_fail_at(r, 0, "repeated '%s' line (first on line %ld)",
                                   keyword_names[k], ld->seen[k]);
        return gd_text_fail_at(r, 0, "'%s' line out of place: it must come before the "
                                     "'%s' line (line %ld)", keyword_names[k],
                               keyword_names[ld->current], ld->seen[ld->current]);
    }
    for (int j = ld->current + 1; j < k; j++)
        if (keywords[j].required)
            return gd_text_fail_at(r, 0, "missing '%s' line before '%s'",
                                   keyword_names[j], keyword_names[k]);
    ld->current = k;
    if (ld->seen[k] == 0)
        ld->seen[k] = r->lineno;
    return keywords[k].parse(r, ld, pos);
}

gd_status gd_checkpoint_load(gd_checkpoint *ck, const char *path, gd_error *err)
{
    assert(ck != NULL && path != NULL);
    memset(ck, 0, sizeof *ck);
    ck->state.stall_ref = INFINITY; /* unless a 'stall' line says otherwise */
    ck->state.stall_best = INFINITY;
    loader ld;
    memset(&ld, 0, sizeof ld);
    ld.ck = ck;
    ld.current = -1;
    gd_status st = gd_text_load(path, &checkpoint_format, parse_line, &ld, err);
    if (st != GD_OK)
        gd_checkpoint_free(ck);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Resuming                                                                */

/* 1 if a and b hold the same bits (so -0 differs from 0). */
static int same_bits(double a, double b)
{
    uint64_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    return ua == ub;
}

/* The error of a column whose statistics moved since the checkpoint: what
 * names it ("the target", "feature 'area'"), its mean and std then and now,
 * in shortest round-trip digits. */
static gd_status moved(gd_error *err, const char *what, double was_mean, double was_std,
                       double now_mean, double now_std)
{
    char wm[GD_NUMFORMAT_SIZE], ws[GD_NUMFORMAT_SIZE];
    char nm[GD_NUMFORMAT_SIZE], ns[GD_NUMFORMAT_SIZE];
    gd_numformat(wm, was_mean);
    gd_numformat(ws, was_std);
    gd_numformat(nm, now_mean);
    gd_numformat(ns, now_std);
    return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                        "the data changed since the checkpoint: the mean and std of %s "
                        "were %s and %s, now %s and %s", what, wm, ws, nm, ns);
}

gd_status gd_checkpoint_check_data(const gd_checkpoint *ck, size_t rows,
                                   const gd_scaling *sc, const char *const *names,
                                   gd_error *err)
{
    assert(ck != NULL && sc != NULL);
    const gd_scaling *old = &ck->scaling;
    if (rows != ck->rows)
        return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                            "the data changed since the checkpoint: it was made with "
                            "%zu training rows, this run has %zu", ck->rows, rows);
    if (sc->d != old->d)
        return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                            "the data changed since the checkpoint: it was made with "
                            "%zu features, this run has %zu", old->d, sc->d);
    if (!same_bits(sc->y_mean, old->y_mean) || !same_bits(sc->y_std, old->y_std))
        return moved(err, "the target", old->y_mean, old->y_std, sc->y_mean, sc->y_std);
    for (size_t j = 0; j < sc->d; j++)
        if (!same_bits(sc->x_mean[j], old->x_mean[j]) ||
            !same_bits(sc->x_std[j], old->x_std[j])) {
            char what[300];
            if (names != NULL)
                snprintf(what, sizeof what, "feature '%s'", names[j]);
            else
                snprintf(what, sizeof what, "feature %zu", j + 1);
            return moved(err, what, old->x_mean[j], old->x_std[j], sc->x_mean[j],
                         sc->x_std[j]);
        }
    return GD_OK;
}

gd_status gd_checkpoint_restore(const gd_checkpoint *ck, gd_train_state *state,
                                double *params, gd_error *err)
{
    assert(ck != NULL && state != NULL && params != NULL);
    const gd_train_state *saved = &ck->state;
    if (state->nparams != saved->nparams)
        return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                            "the checkpoint holds %zu parameters, this run trains %zu "
                            "(different data?)", saved->nparams, state->nparams);
    if (state->nopt != saved->nopt)
        return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                            "the checkpoint holds %zu optimizer state values, this "
                            "run's optimizer keeps %zu (different optimizer?)",
                            saved->nopt, state->nopt);
    if ((state->best_params != NULL) != (saved->best_params != NULL))
        return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                            "the checkpoint %s the best epoch's weights (kept by early "
                            "stopping and by mini-batch runs), this run %s",
                            saved->best_params != NULL ? "has" : "lacks",
                            saved->best_params != NULL ? "keeps none" : "keeps them");
    size_t np = saved->nparams;
    memcpy(params, ck->params, np * sizeof *params);
    if (saved->best_params != NULL)
        memcpy(state->best_params, saved->best_params, np * sizeof *params);
    if (saved->nopt > 0)
        memcpy(state->opt_state, saved->opt_state, saved->nopt * sizeof *saved->opt_state);
    state->epoch = saved->epoch;
    state->steps = saved->steps;
    state->rng = saved->rng;
    /* The schedule keeps its configuration and base rate from
     * gd_train_state_init; its state is the checkpoint's. */
    state->schedule.lr = saved->schedule.lr;
    state->schedule.best = saved->schedule.best;
    state->schedule.bad_epochs = saved->schedule.bad_epochs;
    state->quiet_epochs = saved->quiet_epochs;
    state->blowup = saved->blowup;
    state->best_val = saved->best_val;
    state->val_bad_epochs = saved->val_bad_epochs;
    state->best_epoch = saved->best_epoch;
    state->stall_ref = saved->stall_ref;
    state->stall_best = saved->stall_best;
    state->stall_epochs = saved->stall_epochs;
    return GD_OK;
}
