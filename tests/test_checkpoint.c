/*
 * Tests for checkpoint: the file format (save -> load is bit-exact), the
 * loader's errors (each with its line and column), atomic saving, and
 * resuming a run (checkpoint_check_data, checkpoint_restore) through the
 * real trainer.
 *
 * Expected values are independent of the code under test: the text of a
 * hand-made checkpoint is written out by hand (each number the shortest
 * decimal that reads back as the double), a round trip must give back the
 * very bits that were saved, error places are counted by hand from the test's own
 * lines, and a resumed run must end with the bits of the same run made
 * without a pause.
 */
#include "testutil.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "train/checkpoint.h"
#include "gdtrain/dataset.h"
#include "gdtrain/optim.h"
#include "gdtrain/rng.h"
#include "gdtrain/trainer.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */




static void assert_zeroed(const gd_checkpoint *ck)
{
    gd_checkpoint zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(ck, &zero, sizeof zero);
}

/* Finite, or an infinity of either sign one time in three. */
static double random_maybe_inf(gd_rng *r)
{
    switch (gd_rng_below(r, 6)) {
    case 0: return INFINITY;
    case 1: return -INFINITY;
    default: return random_finite(r);
    }
}

/* A count in [0, max]: small ones, the limits, and anything between. */
static uint64_t random_count(gd_rng *r, uint64_t max)
{
    switch (gd_rng_below(r, 4)) {
    case 0: return gd_rng_below(r, 10 < max ? 10 : max + 1);
    case 1: return max;
    case 2: return 0;
    default: return max == UINT64_MAX ? gd_rng_next(r) : gd_rng_below(r, max + 1);
    }
}

/* Arguments that stress the format: separators, escapes, line breaks, UTF-8,
 * and text that looks like the format's own lines. */
static const char *const tricky_args[] = {
    "--data",
    "my data.csv",
    "",
    " ",
    "\t",
    "back\\slash\\",
    "\\n is not a newline",
    "line\nbreak\n",
    "cr\rhere\r",
    "\r\n",
    "# not a comment",
    "end",
    "arg x",
    "gdtrain-checkpoint 1",
    " leading and trailing  ",
    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x88",
    "\xef\xbb\xbf\x62om", /* a byte order mark, then "bom" */
    "quote\" and 'single'",
    "--lr=0.001",
};
#define NTRICKY (sizeof tricky_args / sizeof tricky_args[0])

/* A string of 0..40 random non-NUL bytes. */
static char *random_bytes(gd_rng *r)
{
    size_t n = (size_t)gd_rng_below(r, 41);
    char *s = malloc(n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)(1 + gd_rng_below(r, 255));
    s[n] = '\0';
    return s;
}

/* A random, well-formed checkpoint for d features with nopt optimizer values
 * and best_params or not (owned: free with gd_checkpoint_free). */
static void make_random(gd_checkpoint *ck, gd_rng *r, size_t d, size_t nopt, int best)
{
    memset(ck, 0, sizeof *ck);
    ck->nargs = (size_t)gd_rng_below(r, 8);
    ck->args = malloc((ck->nargs + 1) * sizeof *ck->args);
    assert_non_null(ck->args);
    for (size_t i = 0; i < ck->nargs; i++) {
        if (gd_rng_below(r, 2))
            ck->args[i] = strdup(tricky_args[gd_rng_below(r, NTRICKY)]);
        else
            ck->args[i] = random_bytes(r);
        assert_non_null(ck->args[i]);
    }
    ck->rows = (size_t)random_count(r, SIZE_MAX);
    gd_scaling *sc = &ck->scaling;
    sc->d = d;
    sc->x_mean = malloc((d + 1) * sizeof *sc->x_mean);
    sc->x_std = malloc((d + 1) * sizeof *sc->x_std);
    sc->constant = calloc(d + 1, 1);
    assert_true(sc->x_mean && sc->x_std && sc->constant);
    for (size_t j = 0; j < d; j++) {
        sc->x_mean[j] = random_finite(r);
        sc->x_std[j] = random_positive(r);
    }
    sc->y_mean = random_finite(r);
    sc->y_std = random_positive(r);
    ck->params = malloc((d + 1) * sizeof *ck->params);
    assert_non_null(ck->params);
    for (size_t i = 0; i <= d; i++)
        ck->params[i] = random_finite(r);

    gd_train_state *s = &ck->state;
    s->epoch = (long)random_count(r, LONG_MAX);
    s->steps = (long)random_count(r, LONG_MAX);
    s->best_epoch = (long)gd_rng_below(r, (uint64_t)s->epoch + 1);
    s->quiet_epochs = (int)random_count(r, INT_MAX);
    s->val_bad_epochs = (int)random_count(r, INT_MAX);
    do {
        for (int i = 0; i < 4; i++)
            s->rng.s[i] = random_count(r, UINT64_MAX);
    } while ((s->rng.s[0] | s->rng.s[1] | s->rng.s[2] | s->rng.s[3]) == 0);
    s->schedule.lr = random_finite(r);
    s->schedule.best = random_maybe_inf(r);
    s->schedule.bad_epochs = (int)random_count(r, INT_MAX);
    s->blowup = random_maybe_inf(r);
    s->best_val = random_maybe_inf(r);
    s->stall_ref = random_maybe_inf(r);
    s->stall_best = random_maybe_inf(r);
    s->stall_epochs = (int)random_count(r, INT_MAX);
    s->nparams = d + 1;
    if (best) {
        s->best_params = malloc((d + 1) * sizeof *s->best_params);
        assert_non_null(s->best_params);
        for (size_t i = 0; i <= d; i++)
            s->best_params[i] = random_finite(r);
    }
    s->nopt = nopt;
    s->opt_state = malloc((nopt + 1) * sizeof *s->opt_state);
    assert_non_null(s->opt_state);
    for (size_t i = 0; i < nopt; i++)
        s->opt_state[i] = random_finite(r);
}

/* b, just loaded, holds exactly what a held when it was saved. */
static void assert_loaded_identical(const gd_checkpoint *a, const gd_checkpoint *b)
{
    assert_int_equal(a->nargs, b->nargs);
    for (size_t i = 0; i < a->nargs; i++)
        assert_string_equal(a->args[i], b->args[i]);
    assert_true(a->rows == b->rows);
    const gd_scaling *sa = &a->scaling, *sb = &b->scaling;
    assert_int_equal(sa->d, sb->d);
    assert_non_null(sb->x_mean);
    assert_non_null(sb->x_std);
    assert_non_null(sb->constant);
    for (size_t j = 0; j < sa->d; j++) {
        assert_same_bits(sa->x_mean[j], sb->x_mean[j], "x_mean", j);
        assert_same_bits(sa->x_std[j], sb->x_std[j], "x_std", j);
        assert_int_equal(sb->constant[j], 0);
    }
    assert_same_bits(sa->y_mean, sb->y_mean, "y_mean", 0);
    assert_same_bits(sa->y_std, sb->y_std, "y_std", 0);
    assert_int_equal(sb->y_constant, 0);
    const gd_train_state *ta = &a->state, *tb = &b->state;
    assert_int_equal(ta->nparams, tb->nparams);
    for (size_t i = 0; i < ta->nparams; i++)
        assert_same_bits(a->params[i], b->params[i], "params", i);
    assert_true(ta->epoch == tb->epoch);
    assert_true(ta->steps == tb->steps);
    for (int i = 0; i < 4; i++)
        assert_true(ta->rng.s[i] == tb->rng.s[i]);
    assert_same_bits(ta->schedule.lr, tb->schedule.lr, "schedule.lr", 0);
    assert_same_bits(ta->schedule.best, tb->schedule.best, "schedule.best", 0);
    assert_int_equal(ta->schedule.bad_epochs, tb->schedule.bad_epochs);
    /* Not in the file: the schedule's configuration and base rate. */
    gd_schedule_config zero_cfg;
    memset(&zero_cfg, 0, sizeof zero_cfg);
    assert_memory_equal(&tb->schedule.cfg, &zero_cfg, sizeof zero_cfg);
    assert_true(tb->schedule.base_lr == 0.0);
    assert_int_equal(ta->quiet_epochs, tb->quiet_epochs);
    assert_same_bits(ta->blowup, tb->blowup, "blowup", 0);
    assert_same_bits(ta->best_val, tb->best_val, "best_val", 0);
    assert_int_equal(ta->val_bad_epochs, tb->val_bad_epochs);
    assert_same_bits(ta->stall_ref, tb->stall_ref, "stall_ref", 0);
    assert_same_bits(ta->stall_best, tb->stall_best, "stall_best", 0);
    assert_int_equal(ta->stall_epochs, tb->stall_epochs);
    assert_true(ta->best_epoch == tb->best_epoch);
    assert_int_equal(ta->best_params != NULL, tb->best_params != NULL);
    for (size_t i = 0; ta->best_params != NULL && i < ta->nparams; i++)
        assert_same_bits(ta->best_params[i], tb->best_params[i], "best_params", i);
    assert_int_equal(ta->nopt, tb->nopt);
    assert_non_null(tb->opt_state);
    for (size_t i = 0; i < ta->nopt; i++)
        assert_same_bits(ta->opt_state[i], tb->opt_state[i], "opt_state", i);
}

/* Saves ck to a new file, loads it back into *back, and checks them equal. */
static void roundtrip(const gd_checkpoint *ck, gd_checkpoint *back)
{
    char path[256];
    snprintf(path, sizeof path, "%s", temp_path("rt.ckpt"));
    gd_error err;
    gd_error_clear(&err);
    gd_status st = gd_checkpoint_save(ck, path, &err);
    if (st != GD_OK)
        print_error("save: %s\n", err.message);
    assert_int_equal(st, GD_OK);
    st = gd_checkpoint_load(back, path, &err);
    if (st != GD_OK)
        print_error("load: %s:%ld:%ld: %s\n", err.file, err.line, err.column, err.message);
    assert_int_equal(st, GD_OK);
    assert_loaded_identical(ck, back);
    assert_int_equal(unlink(path), 0);
}

/* ---------------------------------------------------------------------- */
/* The hand-made checkpoint                                                */

static char *hand_args[] = {"--data", "a b\\c\nd"};
static double hand_x_mean[] = {-0.0};
static double hand_x_std[] = {0.1};
static unsigned char hand_constant[] = {0};
static double hand_params[] = {1.0 / 3.0, DBL_TRUE_MIN};
static double hand_opt[] = {0.5, -2.0};

/* A borrowed view, as the CLI would fill it: d = 1, no best_params. */
static gd_checkpoint hand_checkpoint(void)
{
    gd_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    ck.nargs = 2;
    ck.args = hand_args;
    ck.rows = 3;
    ck.scaling.d = 1;
    ck.scaling.x_mean = hand_x_mean;
    ck.scaling.x_std = hand_x_std;
    ck.scaling.constant = hand_constant;
    ck.scaling.y_mean = 0.5;
    ck.scaling.y_std = 2.0;
    ck.params = hand_params;
    ck.state.epoch = 4;
    ck.state.steps = 7;
    ck.state.rng.s[0] = 1;
    ck.state.rng.s[1] = 0;
    ck.state.rng.s[2] = UINT64_MAX;
    ck.state.rng.s[3] = 42;
    ck.state.schedule.lr = 0.25;
    ck.state.schedule.best = INFINITY;
    ck.state.schedule.bad_epochs = 1;
    ck.state.quiet_epochs = 2;
    ck.state.val_bad_epochs = 0;
    ck.state.best_epoch = 3;
    ck.state.blowup = 1.5e6;
    ck.state.best_val = INFINITY;
    ck.state.stall_ref = 0.5;
    ck.state.stall_best = 0.25;
    ck.state.stall_epochs = 4;
    ck.state.nparams = 2;
    ck.state.nopt = 2;
    ck.state.opt_state = hand_opt;
    return ck;
}

/* Its text, by hand: each number the shortest decimal that reads back as
 * it. 0.1 and 5e-324 (the smallest subnormal) are the nearest doubles to
 * those decimals; 1/3 is 0.333333333333333314829..., and of the decimals
 * near it only those with 16 or more digits read back (Python: repr(1/3)). */
static const char hand_text[] =
    "# gdtrain checkpoint: a paused training run, and the arguments to resume it with\n"
    "gdtrain-checkpoint 1\n"
    "arg --data\n"
    "arg a b\\\\c\\nd\n"
    "rows 3\n"
    "target_scaling 0.5 2\n"
    "feature_scaling -0 0.1\n"
    "epoch 4\n"
    "steps 7\n"
    "rng 1 0 18446744073709551615 42\n"
    "schedule 0.25 inf 1\n"
    "counters 2 0 3\n"
    "limits 1500000 inf\n"
    "stall 0.5 0.25 4\n"
    "params 0.3333333333333333 5e-324\n"
    "opt_state 2 0.5 -2\n"
    "end\n";

static void test_file_text(void **state)
{
    (void)state;
    gd_checkpoint ck = hand_checkpoint();
    char path[256];
    snprintf(path, sizeof path, "%s", temp_path("hand.ckpt"));
    gd_error err;
    assert_int_equal(gd_checkpoint_save(&ck, path, &err), GD_OK);
    size_t len;
    char *text = read_all(path, &len);
    assert_string_equal(text, hand_text);
    assert_int_equal(len, strlen(hand_text));
    free(text);

    /* With best_params, and the other infinities. */
    double best[] = {-1e-310, 1e300};
    ck.state.best_params = best;
    ck.state.schedule.best = -INFINITY;
    ck.state.blowup = INFINITY;
    ck.state.best_val = 0.0;
    assert_int_equal(gd_checkpoint_save(&ck, path, &err), GD_OK);
    text = read_all(path, NULL);
    assert_non_null(strstr(text, "\nschedule 0.25 -inf 1\n"));
    assert_non_null(strstr(text, "\nlimits inf 0\n"));
    /* -1e-310 (a subnormal) and 1e300 are the nearest doubles to those
     * decimals, so they are written as such. */
    assert_non_null(strstr(text, "\nparams 0.3333333333333333 5e-324\n"
                                 "best_params -1e-310 1e+300\n"
                                 "opt_state 2 0.5 -2\nend\n"));
    free(text);
    assert_int_equal(unlink(path), 0);
}

static void test_load_hand_text(void **state)
{
    (void)state;
    gd_checkpoint want = hand_checkpoint();
    gd_checkpoint ck;
    gd_error err;
    const char *path = write_temp_file(hand_text, strlen(hand_text));
    assert_int_equal(gd_checkpoint_load(&ck, path, &err), GD_OK);
    assert_loaded_identical(&want, &ck);
    /* Spot checks against values written out by hand, not by the saver. */
    assert_string_equal(ck.args[1], "a b\\c\nd");
    assert_true(signbit(ck.scaling.x_mean[0]) && ck.scaling.x_mean[0] == 0.0);
    assert_true(ck.scaling.x_std[0] == strtod("0.1", NULL));
    assert_true(ck.params[1] == DBL_TRUE_MIN);
    assert_true(ck.state.rng.s[2] == UINT64_MAX);
    assert_true(isinf(ck.state.schedule.best) && ck.state.schedule.best > 0);
    assert_true(ck.state.best_params == NULL);
    gd_checkpoint_free(&ck);
    assert_zeroed(&ck);
    gd_checkpoint_free(&ck); /* a zeroed struct is fine */
    gd_checkpoint_free(NULL);

    /* The same content in a liberal layout: BOM, CRLF, comments, blank
     * lines, tabs and runs of blanks between numbers, trailing blanks, no
     * final newline. */
    static const char liberal[] =
        "\xef\xbb\xbfgdtrain-checkpoint\t1 \r\n"
        "# a comment\r\n"
        "\r\n"
        "arg --data\r\n"
        "   \t \r\n"
        "arg a b\\\\c\\nd\r\n"
        "rows 3  \r\n"
        "target_scaling\t0.5\t\t2\r\n"
        "#feature_scaling 1 1\n"
        "feature_scaling  -0.0  1e-1\n"
        "epoch 4\nsteps 7\nrng 1 0 18446744073709551615 42\n"
        "schedule 0.25 +inf 1\ncounters 2 0 3\nlimits 1.5e6 inf\nstall  .5 2.5e-1\t4\n"
        "params 0.333333333333333314829616256247 4.9406564584124654E-324\n"
        "opt_state\t2 .5 -2.\n"
        "end";
    path = write_temp_file(liberal, strlen(liberal));
    gd_status st = gd_checkpoint_load(&ck, path, &err);
    if (st != GD_OK)
        print_error("%ld:%ld: %s\n", err.line, err.column, err.message);
    assert_int_equal(st, GD_OK);
    assert_loaded_identical(&want, &ck);
    gd_checkpoint_free(&ck);

    /* Files from before the stall rule have no 'stall' line: its state
     * starts afresh. */
    char old[sizeof hand_text];
    const char *line = strstr(hand_text, "stall ");
    size_t head = (size_t)(line - hand_text);
    memcpy(old, hand_text, head);
    strcpy(old + head, strchr(line, '\n') + 1);
    path = write_temp_file(old, strlen(old));
    assert_int_equal(gd_checkpoint_load(&ck, path, &err), GD_OK);
    assert_true(ck.state.stall_ref == INFINITY && ck.state.stall_best == INFINITY);
    assert_int_equal(ck.state.stall_epochs, 0);
    assert_true(ck.state.epoch == 4 && ck.params[1] == DBL_TRUE_MIN);
    gd_checkpoint_free(&ck);
}

/* ---------------------------------------------------------------------- */
/* Round trips                                                             */

static void test_roundtrip_random(void **state)
{
    (void)state;
    gd_rng r;
    gd_rng_seed(&r, 20240611);
    static const size_t dims[] = {0, 1, 2, 3, 7, 40};
    int trials = 0;
    for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
        size_t d = dims[di];
        for (size_t mult = 0; mult <= 3; mult++) {
            for (int best = 0; best <= 1; best++) {
                for (int rep = 0; rep < 6; rep++) {
                    gd_checkpoint ck, back;
                    make_random(&ck, &r, d, mult * (d + 1), best);
                    roundtrip(&ck, &back);
                    gd_checkpoint_free(&back);
                    gd_checkpoint_free(&ck);
                    trials++;
                }
            }
        }
    }
    assert_int_equal(trials, 6 * 4 * 2 * 6);
}

/* Every tricky argument, in one file, comes back byte for byte. */
static void test_roundtrip_args(void **state)
{
    (void)state;
    gd_rng r;
    gd_rng_seed(&r, 5);
    gd_checkpoint ck, back;
    make_random(&ck, &r, 2, 3, 0);
    for (size_t i = 0; i < ck.nargs; i++)
        free(ck.args[i]);
    free(ck.args);
    ck.nargs = NTRICKY;
    ck.args = malloc(NTRICKY * sizeof *ck.args);
    assert_non_null(ck.args);
    for (size_t i = 0; i < NTRICKY; i++)
        ck.args[i] = strdup(tricky_args[i]);
    roundtrip(&ck, &back);
    gd_checkpoint_free(&back);

    /* No arguments at all, and every one of the 255 non-NUL bytes alone. */
    for (size_t i = 0; i < ck.nargs; i++)
        free(ck.args[i]);
    ck.nargs = 0;
    roundtrip(&ck, &back);
    assert_int_equal(back.nargs, 0);
    gd_checkpoint_free(&back);
    free(ck.args);
    ck.nargs = 255;
    ck.args = malloc(255 * sizeof *ck.args);
    assert_non_null(ck.args);
    for (size_t i = 0; i < 255; i++) {
        ck.args[i] = malloc(2);
        assert_non_null(ck.args[i]);
        ck.args[i][0] = (char)(i + 1);
        ck.args[i][1] = '\0';
    }
    roundtrip(&ck, &back);
    gd_checkpoint_free(&back);
    gd_checkpoint_free(&ck);
}

/* Many features: long lines, and the loader's growing arrays. */
static void test_roundtrip_large(void **state)
{
    (void)state;
    gd_rng r;
    gd_rng_seed(&r, 77);
    gd_checkpoint ck, back;
    size_t d = 5000;
    make_random(&ck, &r, d, 3 * (d + 1), 1);
    roundtrip(&ck, &back);
    gd_checkpoint_free(&back);
    gd_checkpoint_free(&ck);
}

/* Under a locale with a decimal comma, files still use a point, and load. */
static void test_locale_independent(void **state)
{
    (void)state;
    if (!set_comma_locale()) {
        setlocale(LC_ALL, "C");
        fail_msg("no locale with a decimal comma could be set or built "
                 "(Debian: apt-get install locales)");
    }
    gd_checkpoint ck = hand_checkpoint(), back;
    char path[256];
    snprintf(path, sizeof path, "%s", temp_path("locale.ckpt"));
    gd_error err;
    int saved = gd_checkpoint_save(&ck, path, &err) == GD_OK;
    char *text = saved ? read_all(path, NULL) : NULL;
    int loaded = saved && gd_checkpoint_load(&back, path, &err) == GD_OK;
    char probe[32];
    snprintf(probe, sizeof probe, "%.1f", 0.5); /* the program's locale is intact */
    setlocale(LC_ALL, "C");
    assert_string_equal(probe, "0,5");
    assert_true(saved);
    assert_string_equal(text, hand_text);
    assert_true(loaded);
    assert_loaded_identical(&ck, &back);
    free(text);
    gd_checkpoint_free(&back);
}

/* ---------------------------------------------------------------------- */
/* Malformed files                                                         */

/* A valid checkpoint with d = 2, best_params and 6 optimizer values; the
 * cases below edit one line of it. Line numbers are 1-based. */
static const char *const base_lines[] = {
    "# a checkpoint",                     /* 1 */
    "gdtrain-checkpoint 1",               /* 2 */
    "arg --data",                         /* 3 */
    "arg my data.csv",                    /* 4 */
    "rows 100",                           /* 5 */
    "target_scaling 250000 50000",        /* 6 */
    "feature_scaling 80 20",              /* 7 */
    "feature_scaling 30.5 10",            /* 8 */
    "epoch 12",                           /* 9 */
    "steps 96",                           /* 10 */
    "rng 1 2 3 18446744073709551615",     /* 11 */
    "schedule 0.005 0.25 2",              /* 12 */
    "counters 1 3 9",                     /* 13 */
    "limits 5000000 0.0625",              /* 14 */
    "params 0.5 -0.25 0.125",             /* 15 */
    "best_params 0.5 -0.25 -0",           /* 16 */
    "opt_state 6 1 2 3 4 5 6",            /* 17 */
    "end",                                /* 18 */
};
#define NBASE (sizeof base_lines / sizeof base_lines[0])

enum edit_kind { EDIT_NONE, EDIT_REPLACE, EDIT_DELETE, EDIT_INSERT };

typedef struct bad_case {
    const char *what;
    enum edit_kind edit;
    size_t line;      /* the base line replaced or deleted, or inserted before */
    const char *text; /* the new line */
    long want_line;   /* 0: the file loads */
    long want_col;
    const char *want; /* a part of the message */
} bad_case;

static const bad_case bad_cases[] = {
    /* The first line. */
    {"version 2", EDIT_REPLACE, 2, "gdtrain-checkpoint 2", 2, 20,
     "checkpoint format version 2 is newer than this gdtrain supports (1)"},
    {"version 0", EDIT_REPLACE, 2, "gdtrain-checkpoint 0", 2, 20,
     "unknown checkpoint format version 0 (this gdtrain reads version 1)"},
    {"version 1.0", EDIT_REPLACE, 2, "gdtrain-checkpoint 1.0", 2, 20,
     "expected the format version (digits), found \"1.0\""},
    {"no version", EDIT_REPLACE, 2, "gdtrain-checkpoint", 2, 19,
     "expected the format version after 'gdtrain-checkpoint'"},
    {"a model file", EDIT_REPLACE, 2, "gdtrain-model 1", 2, 1,
     "not a gdtrain checkpoint file: expected \"gdtrain-checkpoint 1\", found "
     "\"gdtrain-model 1\""},
    /* Integers. */
    {"rows negative", EDIT_REPLACE, 5, "rows -5", 5, 6,
     "expected the number of rows (digits), found \"-5\""},
    {"rows exponent", EDIT_REPLACE, 5, "rows 1e3", 5, 6, "(digits), found \"1e3\""},
    {"rows twice", EDIT_REPLACE, 5, "rows 5 6", 5, 8,
     "unexpected text after the number of rows, found \"6\""},
    {"rows empty", EDIT_REPLACE, 5, "rows", 5, 5,
     "expected the number of rows (an integer), found the end of the line"},
    {"rows 2^64", EDIT_REPLACE, 5, "rows 18446744073709551616", 5, 6,
     "the number of rows is out of range"},
    {"epoch negative", EDIT_REPLACE, 9, "epoch -1", 9, 7, "(digits), found \"-1\""},
    {"epoch LONG_MAX + 1", EDIT_REPLACE, 9, "epoch 9223372036854775808", 9, 7,
     "out of range (at most 9223372036854775807)"},
    {"steps decimal", EDIT_REPLACE, 10, "steps 9.6e1", 10, 7, "found \"9.6e1\""},
    {"counter INT_MAX + 1", EDIT_REPLACE, 13, "counters 2147483648 3 9", 13, 10,
     "out of range (at most 2147483647)"},
    {"best epoch after epoch", EDIT_REPLACE, 13, "counters 1 3 13", 13, 14,
     "the best epoch 13 is after the last epoch done, 12 (line 9)"},
    {"counters short", EDIT_REPLACE, 13, "counters 1 3", 13, 13,
     "expected the best epoch (an integer), found the end of the line"},
    /* The random state. */
    {"rng three words", EDIT_REPLACE, 11, "rng 1 2 3", 11, 10,
     "expected a word of the random state (an integer), found the end of the line"},
    {"rng five words", EDIT_REPLACE, 11, "rng 1 2 3 4 5", 11, 13,
     "unexpected text after the four words of the random state, found \"5\""},
    {"rng 2^64", EDIT_REPLACE, 11, "rng 1 2 3 18446744073709551616", 11, 11,
     "out of range (at most 18446744073709551615)"},
    {"rng negative", EDIT_REPLACE, 11, "rng 1 2 3 -4", 11, 11, "found \"-4\""},
    {"rng all zero", EDIT_REPLACE, 11, "rng 0 0 0 0", 11, 5, "all zero"},
    /* Doubles. */
    {"target std 0", EDIT_REPLACE, 6, "target_scaling 250000 0", 6, 23,
     "the target's std must be > 0, found \"0\""},
    {"target std negative", EDIT_REPLACE, 6, "target_scaling 250000 -1", 6, 23,
     "must be > 0, found \"-1\""},
    {"target mean text", EDIT_REPLACE, 6, "target_scaling abc 1", 6, 16,
     "expected the target's mean (a decimal number), found \"abc\""},
    {"target std missing", EDIT_REPLACE, 6, "target_scaling 250000", 6, 22,
     "expected the target's std (a number), found the end of the line"},
    {"feature std nan", EDIT_REPLACE, 7, "feature_scaling 80 nan", 7, 20,
     "the feature's std must be a finite number, found \"nan\""},
    {"feature mean inf", EDIT_REPLACE, 7, "feature_scaling -inf 1", 7, 17,
     "the feature's mean must be a finite number, found \"-inf\""},
    {"feature mean hex", EDIT_REPLACE, 7, "feature_scaling 0x10 1", 7, 17,
     "(a decimal number), found \"0x10\""},
    {"feature mean overflow", EDIT_REPLACE, 7, "feature_scaling 1e999 1", 7, 17,
     "the feature's mean is out of range, found \"1e999\""},
    {"feature mean comma", EDIT_REPLACE, 7, "feature_scaling 1,5 1", 7, 17,
     "found \"1,5\""},
    {"lr inf", EDIT_REPLACE, 12, "schedule inf 0.25 2", 12, 10,
     "the learning rate must be a finite number, found \"inf\""},
    {"schedule best nan", EDIT_REPLACE, 12, "schedule 0.005 nan 2", 12, 16,
     "the schedule's best loss must be a number, inf or -inf, found \"nan\""},
    {"schedule best Infinity", EDIT_REPLACE, 12, "schedule 0.005 Infinity 2", 12, 16,
     "must be a number, inf or -inf, found \"Infinity\""},
    {"schedule best INF", EDIT_REPLACE, 12, "schedule 0.005 INF 2", 12, 16,
     "must be a number, inf or -inf, found \"INF\""},
    {"schedule bad epochs overflow", EDIT_REPLACE, 12, "schedule 0.005 0.25 2147483648",
     12, 21, "out of range"},
    {"blowup nan", EDIT_REPLACE, 14, "limits nan inf", 14, 8,
     "the divergence limit must be a number, inf or -inf, found \"nan\""},
    {"blowup overflow", EDIT_REPLACE, 14, "limits 1e999 1", 14, 8,
     "the divergence limit is out of range"},
    {"best_val -nan", EDIT_REPLACE, 14, "limits 1 -nan", 14, 10,
     "the best validation loss must be a number, inf or -inf"},
    {"param inf", EDIT_REPLACE, 15, "params 0.5 inf 0.125", 15, 12,
     "a parameter must be a finite number, found \"inf\""},
    {"opt value text", EDIT_REPLACE, 17, "opt_state 6 1 2 3 x 5 6", 17, 19,
     "expected an optimizer state value (a decimal number), found \"x\""},
    /* Counts that disagree. */
    {"params short", EDIT_REPLACE, 15, "params 0.5 -0.25", 15, 17,
     "expected 3 parameters (a weight for each 'feature_scaling' line, then the "
     "bias), found the end of the line after 2"},
    {"params long", EDIT_REPLACE, 15, "params 0.5 -0.25 0.125 1", 15, 24,
     "more parameters than the 3 expected"},
    {"params for one feature", EDIT_DELETE, 8, NULL, 14, 18,
     "more parameters than the 2 expected"},
    {"params for no feature", EDIT_REPLACE, 15, "params", 15, 7,
     "expected 3 parameters"},
    {"best_params short", EDIT_REPLACE, 16, "best_params 0.5 -0.25", 16, 22,
     "expected 3 best parameters (as many as in 'params'), found the end of the "
     "line after 2"},
    {"opt_state short", EDIT_REPLACE, 17, "opt_state 6 1 2 3 4 5", 17, 22,
     "expected 6 optimizer state values (the count that starts the line), found the "
     "end of the line after 5"},
    {"opt_state long", EDIT_REPLACE, 17, "opt_state 5 1 2 3 4 5 6", 17, 23,
     "more optimizer state values than the 5 expected (the count that starts the "
     "line), found \"6\""},
    {"opt_state huge count", EDIT_REPLACE, 17, "opt_state 18446744073709551615 1", 17, 33,
     "expected 18446744073709551615 optimizer state values"},
    {"opt_state count 2^64", EDIT_REPLACE, 17, "opt_state 18446744073709551616", 17, 11,
     "out of range"},
    {"opt_state no count", EDIT_REPLACE, 17, "opt_state", 17, 10,
     "expected the number of optimizer state values (an integer), found the end of "
     "the line"},
    {"opt_state count text", EDIT_REPLACE, 17, "opt_state six 1 2 3 4 5 6", 17, 11,
     "(digits), found \"six\""},
    /* Repeated, out of place and missing lines. */
    {"rows repeated", EDIT_INSERT, 6, "rows 100", 6, 1,
     "repeated 'rows' line (first on line 5)"},
    {"epoch repeated later", EDIT_INSERT, 11, "epoch 12", 11, 1,
     "repeated 'epoch' line (first on line 9)"},
    {"best_params repeated", EDIT_INSERT, 17, "best_params 1 2 3", 17, 1,
     "repeated 'best_params' line (first on line 16)"},
    {"params after best_params", EDIT_INSERT, 17, "params 0 0 0", 17, 1,
     "repeated 'params' line (first on line 15)"},
    {"end repeated", EDIT_INSERT, 18, "end", 19, 1,
     "unexpected text after the 'end' line, found \"end\""},
    {"arg after rows", EDIT_INSERT, 6, "arg x", 6, 1,
     "'arg' line out of place: it must come before the 'rows' line (line 5)"},
    {"feature_scaling after epoch", EDIT_INSERT, 10, "feature_scaling 1 1", 10, 1,
     "'feature_scaling' line out of place: it must come before the 'epoch' line "
     "(line 9)"},
    {"no rows", EDIT_DELETE, 5, NULL, 5, 1, "missing 'rows' line before 'target_scaling'"},
    {"no target_scaling", EDIT_DELETE, 6, NULL, 6, 1,
     "missing 'target_scaling' line before 'feature_scaling'"},
    {"no steps", EDIT_DELETE, 10, NULL, 10, 1, "missing 'steps' line before 'rng'"},
    {"no limits", EDIT_DELETE, 14, NULL, 14, 1, "missing 'limits' line before 'params'"},
    {"no params", EDIT_DELETE, 15, NULL, 15, 1,
     "missing 'params' line before 'best_params'"},
    {"no opt_state", EDIT_DELETE, 17, NULL, 17, 1,
     "missing 'opt_state' line before 'end'"},
    /* Garbage. */
    {"unknown keyword", EDIT_REPLACE, 9, "hello world", 9, 1,
     "unknown keyword \"hello\" (expected arg, rows, target_scaling, feature_scaling, "
     "epoch, steps, rng, schedule, counters, limits, stall, params, best_params, opt_state "
     "or end)"},
    {"keyword case", EDIT_REPLACE, 9, "Epoch 12", 9, 1, "unknown keyword \"Epoch\""},
    {"indented", EDIT_REPLACE, 9, " epoch 12", 9, 1,
     "expected a keyword at the start of the line"},
    {"bad escape", EDIT_REPLACE, 3, "arg a\\qb", 3, 6, "unknown escape \"\\\\q\""},
    {"final backslash", EDIT_REPLACE, 4, "arg a\\", 4, 6,
     "a backslash ends the line; a backslash in an argument is written \"\\\\\""},
    {"text after end", EDIT_INSERT, 19, "rows 1", 19, 1,
     "unexpected text after the 'end' line, found \"rows 1\""},
    {"end with text", EDIT_REPLACE, 18, "end x", 18, 5,
     "unexpected text after 'end', found \"x\""},
    {"model line", EDIT_REPLACE, 9, "intercept 1", 9, 1, "unknown keyword \"intercept\""},
    /* Valid variations (want_line 0). */
    {"schedule best inf", EDIT_REPLACE, 12, "schedule 0.005 inf 2", 0, 0, NULL},
    {"limits -inf", EDIT_REPLACE, 14, "limits -inf -inf", 0, 0, NULL},
    {"no best_params", EDIT_DELETE, 16, NULL, 0, 0, NULL},
    {"no args", EDIT_DELETE, 3, NULL, 0, 0, NULL},
    {"empty arg", EDIT_REPLACE, 3, "arg", 0, 0, NULL},
    {"comment", EDIT_INSERT, 12, "# schedule 0 0 0", 0, 0, NULL},
    {"the limits", EDIT_REPLACE, 13, "counters 2147483647 0 12", 0, 0, NULL},
};
#define NBAD (sizeof bad_cases / sizeof bad_cases[0])

/* The base text with c's edit applied (malloc). */
static char *build_text(const bad_case *c, size_t *len)
{
    size_t cap = 64;
    for (size_t i = 0; i < NBASE; i++)
        cap += strlen(base_lines[i]) + 1;
    if (c->text != NULL)
        cap += strlen(c->text) + 1;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t n = 0;
    for (size_t i = 1; i <= NBASE + 1; i++) {
        if (c->edit == EDIT_INSERT && c->line == i) {
            n += (size_t)sprintf(buf + n, "%s\n", c->text);
        }
        if (i > NBASE)
            break;
        if (c->line == i && c->edit == EDIT_DELETE)
            continue;
        const char *line = c->line == i && c->edit == EDIT_REPLACE ? c->text
                                                                   : base_lines[i - 1];
        n += (size_t)sprintf(buf + n, "%s\n", line);
    }
    *len = n;
    return buf;
}

static void expect_bad_file(const char *what, const char *text, size_t len,
                            long want_line, long want_col, const char *want)
{
    const char *path = write_temp_file(text, len);
    gd_checkpoint ck;
    gd_error err;
    gd_error_clear(&err);
    gd_status st = gd_checkpoint_load(&ck, path, &err);
    if (st != GD_ERR_DATA || err.line != want_line || err.column != want_col ||
        strcmp(err.file, path) != 0 || strstr(err.message, want) == NULL) {
        print_error("case \"%s\": status %d, %ld:%ld: %s\n  wanted %ld:%ld: ...%s...\n",
                    what, (int)st, err.line, err.column, err.message, want_line,
                    want_col, want);
        fail();
    }
    assert_zeroed(&ck);
}

static void test_load_base_is_valid(void **state)
{
    (void)state;
    bad_case none = {"none", EDIT_NONE, 0, NULL, 0, 0, NULL};
    size_t len;
    char *text = build_text(&none, &len);
    const char *path = write_temp_file(text, len);
    gd_checkpoint ck;
    gd_error err;
    assert_int_equal(gd_checkpoint_load(&ck, path, &err), GD_OK);
    assert_int_equal(ck.nargs, 2);
    assert_string_equal(ck.args[1], "my data.csv");
    assert_int_equal(ck.rows, 100);
    assert_int_equal(ck.scaling.d, 2);
    assert_true(ck.scaling.x_mean[1] == 30.5 && ck.scaling.x_std[1] == 10);
    assert_true(ck.state.epoch == 12 && ck.state.steps == 96);
    assert_true(ck.state.rng.s[3] == UINT64_MAX);
    assert_true(ck.state.schedule.lr == strtod("0.005", NULL));
    assert_true(ck.state.schedule.best == 0.25 && ck.state.schedule.bad_epochs == 2);
    assert_true(ck.state.quiet_epochs == 1 && ck.state.val_bad_epochs == 3);
    assert_true(ck.state.best_epoch == 9);
    assert_true(ck.state.blowup == 5e6 && ck.state.best_val == 0.0625);
    assert_int_equal(ck.state.nparams, 3);
    assert_true(ck.params[0] == 0.5 && ck.params[1] == -0.25 && ck.params[2] == 0.125);
    assert_non_null(ck.state.best_params);
    assert_true(ck.state.best_params[2] == 0.0 && signbit(ck.state.best_params[2]));
    assert_int_equal(ck.state.nopt, 6);
    for (size_t i = 0; i < 6; i++)
        assert_true(ck.state.opt_state[i] == (double)(i + 1));
    gd_checkpoint_free(&ck);
    free(text);
}

static void test_load_malformed(void **state)
{
    (void)state;
    int valid = 0;
    for (size_t i = 0; i < NBAD; i++) {
        const bad_case *c = &bad_cases[i];
        size_t len;
        char *text = build_text(c, &len);
        if (c->want_line == 0) {
            const char *path = write_temp_file(text, len);
            gd_checkpoint ck;
            gd_error err;
            gd_status st = gd_checkpoint_load(&ck, path, &err);
            if (st != GD_OK) {
                print_error("case \"%s\": %ld:%ld: %s\n", c->what, err.line, err.column,
                            err.message);
                fail();
            }
            gd_checkpoint_free(&ck);
            valid++;
        } else {
            expect_bad_file(c->what, text, len, c->want_line, c->want_col, c->want);
        }
        free(text);
    }
    assert_int_equal(valid, 7);

    /* The whole message of the version case. */
    bad_case v2 = bad_cases[0];
    size_t len;
    char *text = build_text(&v2, &len);
    const char *path = write_temp_file(text, len);
    gd_checkpoint ck;
    gd_error err;
    assert_int_equal(gd_checkpoint_load(&ck, path, &err), GD_ERR_DATA);
    assert_string_equal(err.message,
                        "checkpoint format version 2 is newer than this gdtrain "
                        "supports (1)");
    free(text);

    /* A NUL byte in line 9 ("epoch 12"), column 3. */
    bad_case none = {"none", EDIT_NONE, 0, NULL, 0, 0, NULL};
    text = build_text(&none, &len);
    char *nul = strstr(text, "epoch 12");
    nul[2] = '\0';
    expect_bad_file("NUL byte", text, len, 9, 3, "a NUL byte: not a text file");
    free(text);

    /* Empty, and comments only. */
    expect_bad_file("empty file", "", 0, 0, 0,
                    "not a gdtrain checkpoint file: it has no \"gdtrain-checkpoint 1\" "
                    "line");
    expect_bad_file("comments only", "# a\n\n# b\n", 9, 0, 0, "it has no");
}

/* Cut after each complete line: no 'end', reported just past the last byte
 * of the last line. Cut anywhere else: an error too, for every byte. */
static void test_load_truncated(void **state)
{
    (void)state;
    bad_case none = {"none", EDIT_NONE, 0, NULL, 0, 0, NULL};
    size_t len;
    char *text = build_text(&none, &len);
    size_t cut = 0;
    for (size_t k = 1; k < NBASE; k++) {
        cut += strlen(base_lines[k - 1]) + 1;
        char what[64];
        snprintf(what, sizeof what, "truncated after line %zu", k);
        if (k == 1) /* only the comment: not a checkpoint at all */
            expect_bad_file(what, text, cut, 0, 0, "not a gdtrain checkpoint file");
        else
            expect_bad_file(what, text, cut, (long)k, (long)strlen(base_lines[k - 1]) + 1,
                            "missing 'end' line at the end of the file (truncated?)");
    }
    /* Every shorter prefix fails; only the last byte (the final newline) may
     * go. */
    for (size_t n = 0; n + 1 < len; n++) {
        const char *path = write_temp_file(text, n);
        gd_checkpoint ck;
        gd_error err;
        gd_status st = gd_checkpoint_load(&ck, path, &err);
        if (st != GD_ERR_DATA) {
            print_error("prefix of %zu bytes: status %d\n", n, (int)st);
            fail();
        }
        assert_zeroed(&ck);
    }
    const char *path = write_temp_file(text, len - 1);
    gd_checkpoint ck;
    gd_error err;
    assert_int_equal(gd_checkpoint_load(&ck, path, &err), GD_OK);
    gd_checkpoint_free(&ck);
    free(text);
}

static void test_load_io_errors(void **state)
{
    (void)state;
    gd_checkpoint ck;
    gd_error err;
    char dir[256], path[300];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/missing.ckpt", dir);
    assert_int_equal(gd_checkpoint_load(&ck, path, &err), GD_ERR_IO);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, strerror(ENOENT)));
    assert_zeroed(&ck);
    assert_int_equal(gd_checkpoint_load(&ck, dir, &err), GD_ERR_IO); /* a folder */
    assert_zeroed(&ck);
}

/* ---------------------------------------------------------------------- */
/* Saving                                                                  */

/* A checkpoint that gd_checkpoint_save must refuse: one value of the hand
 * checkpoint spoiled, the status and a part of the message it must give
 * (NULL: any message). */
typedef struct save_refusal {
    const char *what;
    void (*spoil)(gd_checkpoint *ck);
    gd_status want;
    const char *message;
} save_refusal;

/* Copies the case spoils: the hand checkpoint's arrays are shared. */
static double spoiled_params[2], spoiled_opt[2], spoiled_x_std[1], spoiled_best[2];

static void spoil_param_inf(gd_checkpoint *ck) { spoiled_params[1] = INFINITY; (void)ck; }
static void spoil_param_nan(gd_checkpoint *ck) { spoiled_params[1] = NAN; (void)ck; }
static void spoil_opt_state(gd_checkpoint *ck) { spoiled_opt[0] = -INFINITY; (void)ck; }
static void spoil_best_params(gd_checkpoint *ck)
{
    spoiled_best[0] = 0;
    spoiled_best[1] = NAN;
    ck->state.best_params = spoiled_best;
}
/* NaN is what gd_train_state_init leaves there. */
static void spoil_blowup(gd_checkpoint *ck) { ck->state.blowup = NAN; }
static void spoil_best_val(gd_checkpoint *ck) { ck->state.best_val = NAN; }
static void spoil_schedule_best(gd_checkpoint *ck) { ck->state.schedule.best = NAN; }
static void spoil_schedule_lr(gd_checkpoint *ck) { ck->state.schedule.lr = INFINITY; }
static void spoil_x_std(gd_checkpoint *ck) { spoiled_x_std[0] = 0; (void)ck; }
static void spoil_y_mean(gd_checkpoint *ck) { ck->scaling.y_mean = INFINITY; }

static const save_refusal save_refusals[] = {
    {"infinite parameter", spoil_param_inf, GD_ERR_TRAIN, "parameter 2 is inf"},
    {"NaN parameter", spoil_param_nan, GD_ERR_TRAIN, NULL},
    {"infinite optimizer state", spoil_opt_state, GD_ERR_TRAIN, "optimizer state value 1"},
    {"NaN best parameter", spoil_best_params, GD_ERR_TRAIN, "best parameter 2"},
    {"NaN divergence limit", spoil_blowup, GD_ERR_TRAIN, "divergence limit is NaN"},
    {"NaN best validation loss", spoil_best_val, GD_ERR_TRAIN, NULL},
    {"NaN schedule best", spoil_schedule_best, GD_ERR_TRAIN, NULL},
    {"infinite learning rate", spoil_schedule_lr, GD_ERR_TRAIN, NULL},
    {"zero feature std", spoil_x_std, GD_ERR_DATA, "feature 1"},
    {"infinite target mean", spoil_y_mean, GD_ERR_DATA, NULL},
};

/* The hand checkpoint on fresh copies of its arrays, for a case to spoil. */
static gd_checkpoint spoilable_checkpoint(void)
{
    gd_checkpoint ck = hand_checkpoint();
    memcpy(spoiled_params, hand_params, sizeof spoiled_params);
    memcpy(spoiled_opt, hand_opt, sizeof spoiled_opt);
    memcpy(spoiled_x_std, hand_x_std, sizeof spoiled_x_std);
    ck.params = spoiled_params;
    ck.state.opt_state = spoiled_opt;
    ck.scaling.x_std = spoiled_x_std;
    return ck;
}

static void test_save_refuses(void **state)
{
    (void)state;
    char dir[256], path[300], listing[512];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/c.ckpt", dir);
    gd_error err;
    for (size_t i = 0; i < sizeof save_refusals / sizeof save_refusals[0]; i++) {
        const save_refusal *c = &save_refusals[i];
        gd_checkpoint ck = spoilable_checkpoint();
        c->spoil(&ck);
        gd_error_clear(&err);
        gd_status st = gd_checkpoint_save(&ck, path, &err);
        if (st != c->want || (c->message != NULL && strstr(err.message, c->message) == NULL))
            fail_msg("case '%s': status %d, \"%s\"; want status %d with \"%s\"", c->what,
                     (int)st, err.message, (int)c->want, c->message ? c->message : "");
    }
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "");
    gd_checkpoint ck = spoilable_checkpoint();
    assert_int_equal(gd_checkpoint_save(&ck, path, &err), GD_OK);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "c.ckpt");
}

static void test_save_missing_folder(void **state)
{
    (void)state;
    char dir[256], path[300], listing[512];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/no/such/folder/c.ckpt", dir);
    gd_checkpoint ck = hand_checkpoint();
    gd_error err;
    assert_int_equal(gd_checkpoint_save(&ck, path, &err), GD_ERR_IO);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, strerror(ENOENT)));
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "");
}

/* A failed save leaves the earlier file as it was; a good one replaces it,
 * and no temporary file is left either way. */
static void test_save_keeps_old_file(void **state)
{
    (void)state;
    char dir[256], path[300], listing[512];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/c.ckpt", dir);
    gd_checkpoint ck = hand_checkpoint();
    gd_error err;
    assert_int_equal(gd_checkpoint_save(&ck, path, &err), GD_OK);

    /* Refused before writing. */
    gd_checkpoint bad = ck;
    bad.state.best_val = NAN;
    assert_int_equal(gd_checkpoint_save(&bad, path, &err), GD_ERR_TRAIN);
    char *text = read_all(path, NULL);
    assert_string_equal(text, hand_text);
    free(text);

    /* The folder cannot be written (not as root, who may write anyway). */
    if (geteuid() != 0) {
        gd_checkpoint other = ck;
        other.rows = 4;
        assert_int_equal(chmod(dir, 0500), 0);
        gd_status st = gd_checkpoint_save(&other, path, &err);
        assert_int_equal(chmod(dir, 0700), 0);
        assert_int_equal(st, GD_ERR_IO);
        assert_string_equal(err.file, path);
        text = read_all(path, NULL);
        assert_string_equal(text, hand_text);
        free(text);
    }

    /* A good save replaces it. */
    gd_checkpoint other = ck, back;
    other.rows = 5;
    assert_int_equal(gd_checkpoint_save(&other, path, &err), GD_OK);
    assert_int_equal(gd_checkpoint_load(&back, path, &err), GD_OK);
    assert_int_equal(back.rows, 5);
    gd_checkpoint_free(&back);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "c.ckpt");
}

/* ---------------------------------------------------------------------- */
/* Resuming                                                                */

/* Raw rows (not standardized) of a small regression problem. */
static void make_rows(gd_dataset *ds, size_t n, size_t d, uint64_t seed)
{
    memset(ds, 0, sizeof *ds);
    gd_rng rng;
    gd_rng_seed(&rng, seed);
    ds->n = n;
    ds->d = d;
    ds->x = malloc(n * d * sizeof(double));
    ds->y = malloc(n * sizeof(double));
    assert_true(ds->x && ds->y);
    for (size_t i = 0; i < n; i++) {
        double y = 1000;
        for (size_t j = 0; j < d; j++) {
            double v = 50 * (double)(j + 1) + 10 * gd_rng_normal(&rng);
            ds->x[i * d + j] = v;
            y += (j % 2 ? -3.0 : 2.0) * v;
        }
        ds->y[i] = y + 20 * gd_rng_normal(&rng);
    }
}

static void free_rows(gd_dataset *ds)
{
    free(ds->x);
    free(ds->y);
    memset(ds, 0, sizeof *ds);
}

/* A run with every kind of state: shuffled mini-batches (the random
 * stream), adam (moments), a plateau schedule that cuts the rate, and with
 * early_stop, early stopping on validation rows (best weights and
 * counters). */
static void resume_config(gd_train_config *cfg, const gd_dataset *val, int early_stop,
                          long epochs)
{
    const gd_optimizer_ops *adam = gd_optimizer_find("adam");
    assert_non_null(adam);
    gd_train_config_default(cfg, adam);
    cfg->lr = 0.05;
    cfg->batch_size = 16;
    cfg->shuffle = 1;
    cfg->seed = 11;
    cfg->max_epochs = epochs;
    cfg->tol = 0;
    cfg->grad_tol = 0;
    cfg->patience = 1000;
    cfg->val = val;
    cfg->early_stop = early_stop;
    gd_schedule_config_default(&cfg->schedule, GD_SCHEDULE_PLATEAU);
    cfg->schedule.patience = 0;
    cfg->threads = 1;
}

/* The epoch callback of a paused run: raises the interrupt flag after
 * epoch *pause_at, as a signal handler would. */
typedef struct pauser {
    long pause_at;
    volatile sig_atomic_t flag;
} pauser;

static int pause_after(const gd_epoch_info *info, void *user)
{
    pauser *p = user;
    if (info->epoch == p->pause_at)
        p->flag = 1;
    return 0;
}

/* A run paused after PAUSE epochs, saved, loaded and resumed in a fresh
 * state, ends with the very bits of the same run made without a pause. The
 * pause is the epoch limit (early stopping off, then on), or an interrupt
 * (the trainer rolls back the unfinished epoch). */
static void test_resume_is_exact(void **state)
{
    (void)state;
    enum { D = 3, TOTAL = 40, PAUSE = 13 };
    gd_dataset ds, val;
    make_rows(&ds, 150, D, 1);
    make_rows(&val, 50, D, 2);
    gd_scaling sc;
    gd_error err;
    assert_int_equal(gd_dataset_standardize(&ds, &sc, &err), GD_OK);
    gd_dataset_apply_scaling(&val, &sc);

    for (int variant = 0; variant < 3; variant++) {
        const int early_stop = variant > 0, interrupt = variant == 2;
        /* The run without a pause. */
        gd_train_config cfg;
        resume_config(&cfg, &val, early_stop, TOTAL);
        double straight[D + 1];
        gd_train_state s1;
        gd_train_result res1;
        assert_int_equal(gd_train_state_init(&s1, &ds, &cfg, straight, &err), GD_OK);
        assert_int_equal(gd_train_run(&ds, &cfg, straight, &s1, &res1, NULL, NULL, &err),
                         GD_OK);
        assert_int_equal(res1.reason, GD_STOP_MAX_EPOCHS);
        assert_int_equal(res1.epochs, TOTAL);

        /* Paused after PAUSE epochs and saved. */
        char path[256];
        snprintf(path, sizeof path, "%s", temp_path("run.ckpt"));
        {
            gd_train_config c;
            resume_config(&c, &val, early_stop, interrupt ? TOTAL : PAUSE);
            pauser p = {PAUSE, 0};
            if (interrupt)
                c.interrupt = &p.flag;
            double params[D + 1];
            gd_train_state s;
            gd_train_result res;
            assert_int_equal(gd_train_state_init(&s, &ds, &c, params, &err), GD_OK);
            assert_int_equal(gd_train_run(&ds, &c, params, &s, &res, pause_after, &p, &err),
                             GD_OK);
            assert_int_equal(res.reason,
                             interrupt ? GD_STOP_INTERRUPTED : GD_STOP_MAX_EPOCHS);
            assert_int_equal(s.epoch, PAUSE);
            /* The schedule has state worth saving: the rate was cut. */
            assert_true(s.schedule.lr < c.lr);
            char *args[] = {"--data", "rows.csv", "--opt", "adam"};
            gd_checkpoint view = {4, args, ds.n, sc, params, s};
            assert_int_equal(gd_checkpoint_save(&view, path, &err), GD_OK);
            gd_train_state_free(&s);
        }

        /* Resumed from the file in a fresh state. */
        gd_checkpoint ck;
        assert_int_equal(gd_checkpoint_load(&ck, path, &err), GD_OK);
        assert_int_equal(ck.nargs, 4);
        assert_string_equal(ck.args[3], "adam");
        assert_int_equal(ck.state.best_params != NULL, early_stop);
        assert_int_equal(gd_checkpoint_check_data(&ck, ds.n, &sc, NULL, &err), GD_OK);
        double resumed[D + 1] = {0};
        gd_train_state s2;
        gd_train_result res2;
        assert_int_equal(gd_train_state_init(&s2, &ds, &cfg, resumed, &err), GD_OK);
        assert_int_equal(gd_checkpoint_restore(&ck, &s2, resumed, &err), GD_OK);
        assert_true(s2.schedule.base_lr == cfg.lr); /* kept from the init */
        assert_int_equal(s2.epoch, PAUSE);
        assert_int_equal(gd_train_run(&ds, &cfg, resumed, &s2, &res2, NULL, NULL, &err),
                         GD_OK);
        gd_checkpoint_free(&ck);

        assert_int_equal(res2.epochs, TOTAL);
        assert_int_equal(res2.steps, res1.steps);
        for (size_t i = 0; i <= D; i++)
            assert_same_bits(resumed[i], straight[i], "params", i);
        for (size_t i = 0; early_stop && i <= D; i++)
            assert_same_bits(s2.best_params[i], s1.best_params[i], "best_params", i);
        assert_int_equal(s2.nopt, s1.nopt);
        for (size_t i = 0; i < s1.nopt; i++)
            assert_same_bits(s2.opt_state[i], s1.opt_state[i], "opt_state", i);
        assert_memory_equal(&s2.rng, &s1.rng, sizeof s1.rng);
        assert_same_bits(s2.schedule.lr, s1.schedule.lr, "lr", 0);
        assert_same_bits(s2.schedule.best, s1.schedule.best, "schedule.best", 0);
        assert_same_bits(s2.best_val, s1.best_val, "best_val", 0);
        assert_int_equal(s2.best_epoch, s1.best_epoch);
        assert_int_equal(s2.val_bad_epochs, s1.val_bad_epochs);
        assert_int_equal(s2.quiet_epochs, s1.quiet_epochs);
        assert_same_bits(s2.stall_ref, s1.stall_ref, "stall_ref", 0);
        assert_same_bits(s2.stall_best, s1.stall_best, "stall_best", 0);
        assert_int_equal(s2.stall_epochs, s1.stall_epochs);
        assert_int_equal(s2.schedule.bad_epochs, s1.schedule.bad_epochs);
        assert_same_bits(s2.blowup, s1.blowup, "blowup", 0);
        assert_same_bits(res2.train_loss, res1.train_loss, "train_loss", 0);
        gd_train_state_free(&s1);
        gd_train_state_free(&s2);
    }
    gd_scaling_free(&sc);
    free_rows(&ds);
    free_rows(&val);
}

static void test_check_data(void **state)
{
    (void)state;
    gd_checkpoint ck = hand_checkpoint();
    gd_error err;
    double mean[1] = {-0.0}, std[1] = {0.1};
    unsigned char constant[1] = {0};
    gd_scaling sc = {1, mean, std, constant, 0.5, 2.0, 0};
    assert_int_equal(gd_checkpoint_check_data(&ck, 3, &sc, NULL, &err), GD_OK);
    assert_int_equal(gd_checkpoint_check_data(&ck, 4, &sc, NULL, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "3 training rows, this run has 4"));
    std[0] = nextafter(0.1, 1.0); /* one ulp is a change */
    assert_int_equal(gd_checkpoint_check_data(&ck, 3, &sc, NULL, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "the mean and std of feature 1 were -0 and 0.1, "
                                        "now -0 and 0.10000000000000002"));
    const char *const names[1] = {"area_sqm"};
    assert_int_equal(gd_checkpoint_check_data(&ck, 3, &sc, names, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "the mean and std of feature 'area_sqm' were"));
    std[0] = 0.1;
    mean[0] = 0.0; /* so is the sign of a zero */
    assert_int_equal(gd_checkpoint_check_data(&ck, 3, &sc, NULL, &err), GD_ERR_DATA);
    mean[0] = -0.0;
    sc.y_std = 3.0;
    assert_int_equal(gd_checkpoint_check_data(&ck, 3, &sc, NULL, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "target"));
    sc.y_std = 2.0;
    sc.d = 0;
    assert_int_equal(gd_checkpoint_check_data(&ck, 3, &sc, NULL, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "1 features, this run has 0"));
}

static void test_restore_mismatch(void **state)
{
    (void)state;
    gd_dataset ds;
    make_rows(&ds, 40, 1, 3);
    gd_scaling sc;
    gd_error err;
    assert_int_equal(gd_dataset_standardize(&ds, &sc, &err), GD_OK);
    gd_checkpoint ck = hand_checkpoint(); /* d = 1, 2 optimizer values, no best */
    double params[2] = {7, 7};
    gd_train_config cfg;
    gd_train_state s;

    /* adam keeps more than 2 values for 2 parameters. */
    gd_train_config_default(&cfg, gd_optimizer_find("adam"));
    assert_int_equal(gd_train_state_init(&s, &ds, &cfg, params, &err), GD_OK);
    size_t nopt = s.nopt;
    assert_true(nopt > 2 && nopt <= 8);
    assert_int_equal(gd_checkpoint_restore(&ck, &s, params, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "2 optimizer state values"));
    assert_true(params[0] == 0 && s.epoch == 0); /* nothing changed */
    gd_train_state_free(&s);

    /* The same sizes, but early stopping in the run and not the checkpoint. */
    double opt8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    ck.state.nopt = nopt;
    ck.state.opt_state = opt8;
    gd_dataset val = ds;
    cfg.val = &val;
    cfg.early_stop = 1;
    assert_int_equal(gd_train_state_init(&s, &ds, &cfg, params, &err), GD_OK);
    assert_int_equal(gd_checkpoint_restore(&ck, &s, params, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "lacks the best epoch's weights"));
    gd_train_state_free(&s);

    /* Matching: everything is copied. */
    cfg.val = NULL;
    cfg.early_stop = 0;
    ck.state.val_bad_epochs = 5;
    ck.state.best_val = 0.75;
    assert_int_equal(gd_train_state_init(&s, &ds, &cfg, params, &err), GD_OK);
    double base_lr = s.schedule.base_lr;
    assert_int_equal(gd_checkpoint_restore(&ck, &s, params, &err), GD_OK);
    assert_same_bits(params[0], hand_params[0], "params", 0);
    assert_same_bits(params[1], hand_params[1], "params", 1);
    assert_true(s.opt_state[nopt - 1] == (double)nopt);
    assert_true(s.epoch == 4 && s.steps == 7 && s.rng.s[2] == UINT64_MAX);
    assert_true(s.schedule.lr == 0.25 && isinf(s.schedule.best) &&
                s.schedule.bad_epochs == 1);
    assert_true(s.schedule.base_lr == base_lr);
    assert_true(s.quiet_epochs == 2 && s.best_epoch == 3 && s.blowup == 1.5e6);
    assert_true(s.val_bad_epochs == 5 && s.best_val == 0.75);
    gd_train_state_free(&s);

    /* Another number of features. */
    gd_dataset two;
    make_rows(&two, 40, 2, 4);
    gd_scaling sc2;
    assert_int_equal(gd_dataset_standardize(&two, &sc2, &err), GD_OK);
    double p3[3];
    assert_int_equal(gd_train_state_init(&s, &two, &cfg, p3, &err), GD_OK);
    assert_int_equal(gd_checkpoint_restore(&ck, &s, p3, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "2 parameters, this run trains 3"));
    gd_train_state_free(&s);
    gd_scaling_free(&sc2);
    free_rows(&two);
    gd_scaling_free(&sc);
    free_rows(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_text),
        cmocka_unit_test(test_load_hand_text),
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_roundtrip_args),
        cmocka_unit_test(test_roundtrip_large),
        cmocka_unit_test(test_locale_independent),
        cmocka_unit_test(test_load_base_is_valid),
        cmocka_unit_test(test_load_malformed),
        cmocka_unit_test(test_load_truncated),
        cmocka_unit_test(test_load_io_errors),
        cmocka_unit_test(test_save_refuses),
        cmocka_unit_test(test_save_missing_folder),
        cmocka_unit_test(test_save_keeps_old_file),
        cmocka_unit_test(test_resume_is_exact),
        cmocka_unit_test(test_check_data),
        cmocka_unit_test(test_restore_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
