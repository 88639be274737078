/*
 * share: a dataset spread over parts (src/core/share.h) gives the bits of
 * the whole dataset in one process: standardization statistics and
 * z-scores, the loss and gradient, the exact solve and its variance of y.
 * The parts are threads here, their operations a shared buffer and a
 * turn (what gdtrain-mpi does with MPI); the reference is the same call on
 * all rows, which the other tests hold to their oracles. Also the loader's
 * byte ranges (gd_load_options.part): the parts' rows, in order, are the
 * whole file's.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/share.h"
#include "gdtrain/dataset.h"
#include "gdtrain/loss.h"
#include "gdtrain/rng.h"
#include "gdtrain/solve.h"

enum { PARTS = 3, D = 3 };

/* What the part threads share: gather's buffer, and the fold's turn. */
typedef struct board {
    pthread_barrier_t bar;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int turn;               /* the part whose fold it is; PARTS when done */
    size_t count[PARTS];    /* doubles each part gives to a gather */
    double *buf;            /* every part's blocks */
    double state[64];       /* a fold's state between parts */
} board;

typedef struct part {
    board *b;
    int id;
    gd_rowshare share;
    gd_dataset ds;
    /* what the part computed */
    gd_scaling sc;
    double loss, grad[D + 1], params[D + 1];
    gd_solve_info info;
    gd_status st_std, st_solve;
} part;

static void fake_gather(void *ctx, const double *mine, size_t nmine, size_t width,
                        double *all)
{
    part *p = ctx;
    board *b = p->b;
    b->count[p->id] = nmine * width;
    pthread_barrier_wait(&b->bar);
    size_t at = 0, total = 0;
    for (int k = 0; k < PARTS; k++) {
        at += k < p->id ? b->count[k] : 0;
        total += b->count[k];
    }
    memcpy(b->buf + at, mine, b->count[p->id] * sizeof *mine);
    pthread_barrier_wait(&b->bar);
    memcpy(all, b->buf, total * sizeof *all);
    pthread_barrier_wait(&b->bar);
}

static void fake_fold_in(void *ctx, double *state, size_t len)
{
    part *p = ctx;
    board *b = p->b;
    assert_true(len <= sizeof b->state / sizeof b->state[0]);
    pthread_mutex_lock(&b->mu);
    while (b->turn != p->id)
        pthread_cond_wait(&b->cv, &b->mu);
    if (p->id > 0)
        memcpy(state, b->state, len * sizeof *state);
    pthread_mutex_unlock(&b->mu);
}

static void fake_fold_out(void *ctx, double *state, size_t len)
{
    part *p = ctx;
    board *b = p->b;
    pthread_mutex_lock(&b->mu);
    memcpy(b->state, state, len * sizeof *state);
    b->turn = p->id + 1;
    pthread_cond_broadcast(&b->cv);
    while (b->turn != PARTS)
        pthread_cond_wait(&b->cv, &b->mu);
    memcpy(state, b->state, len * sizeof *state);
    pthread_mutex_unlock(&b->mu);
    pthread_barrier_wait(&b->bar);
    if (p->id == 0)
        b->turn = 0; /* the next fold starts with part 0 */
    pthread_barrier_wait(&b->bar);
}

/* The work of one process: standardize, one loss and gradient, the solve. */
static void compute(gd_dataset *ds, gd_scaling *sc, double *loss, double *grad,
                    double *params, gd_solve_info *info, gd_status *st_std,
                    gd_status *st_solve)
{
    gd_error err;
    *st_std = gd_dataset_standardize(ds, sc, &err);
    if (*st_std != GD_OK)
        return;
    gd_loss *l = NULL;
    const double at[D + 1] = {0.5, -0.25, 0.125, 0.1};
    if (gd_loss_create(&l, ds, 2, &err) == GD_OK)
        *loss = gd_loss_eval(l, gd_rows_all(ds), at, grad);
    gd_loss_free(l);
    *st_solve = gd_solve_dataset(ds, 0.01, params, info, &err);
}

static void *part_main(void *arg)
{
    part *p = arg;
    compute(&p->ds, &p->sc, &p->loss, p->grad, p->params, &p->info, &p->st_std,
            &p->st_solve);
    return NULL;
}

/* n rows with offsets (the compensated sums matter), one constant column. */
static void make_rows(size_t n, double *x, double *y)
{
    gd_rng rng;
    gd_rng_seed(&rng, 11);
    for (size_t i = 0; i < n; i++) {
        x[i * D] = 1e6 + gd_rng_normal(&rng);
        x[i * D + 1] = 3.0 * gd_rng_uniform(&rng);
        x[i * D + 2] = 7.0;
        y[i] = 2.0 * x[i * D] - x[i * D + 1] + gd_rng_normal(&rng);
    }
}

/* The parts hold blocks of GD_SHARE_ALIGN rows, as gdtrain-mpi deals them. */
static void check_parts(size_t n)
{
    double *x = malloc(n * D * sizeof *x), *y = malloc(n * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    make_rows(n, x, y);
    board b;
    memset(&b, 0, sizeof b);
    pthread_barrier_init(&b.bar, NULL, PARTS);
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cv, NULL);
    b.buf = malloc((n / 512 + PARTS) * 4 * (D + 2) * sizeof *b.buf);
    assert_non_null(b.buf);
    part parts[PARTS];
    pthread_t threads[PARTS];
    const size_t blocks = (n + GD_SHARE_ALIGN - 1) / GD_SHARE_ALIGN;
    for (int k = 0; k < PARTS; k++) {
        part *p = &parts[k];
        memset(p, 0, sizeof *p);
        size_t lo = blocks * (size_t)k / PARTS * GD_SHARE_ALIGN;
        size_t hi = blocks * (size_t)(k + 1) / PARTS * GD_SHARE_ALIGN;
        lo = lo < n ? lo : n;
        hi = hi < n ? hi : n;
        p->b = &b;
        p->id = k;
        p->share = (gd_rowshare){n, lo, p, fake_gather, fake_fold_in, fake_fold_out};
        p->ds = (gd_dataset){.n = hi - lo, .d = D, .threads = 2, .share = &p->share};
        p->ds.x = malloc(((hi - lo) * D + 1) * sizeof *x);
        p->ds.y = malloc((hi - lo + 1) * sizeof *y);
        assert_non_null(p->ds.x);
        assert_non_null(p->ds.y);
        memcpy(p->ds.x, x + lo * D, (hi - lo) * D * sizeof *x);
        memcpy(p->ds.y, y + lo, (hi - lo) * sizeof *y);
    }
    for (int k = 0; k < PARTS; k++)
        assert_int_equal(pthread_create(&threads[k], NULL, part_main, &parts[k]), 0);
    for (int k = 0; k < PARTS; k++)
        pthread_join(threads[k], NULL);

    gd_dataset whole = {.n = n, .d = D, .x = x, .y = y, .threads = 1};
    gd_scaling sc;
    double loss = 0, grad[D + 1], params[D + 1];
    gd_solve_info info;
    gd_status st_std, st_solve;
    compute(&whole, &sc, &loss, grad, params, &info, &st_std, &st_solve);
    assert_int_equal(st_std, GD_OK);
    assert_int_equal(st_solve, GD_OK);
    for (int k = 0; k < PARTS; k++) {
        const part *p = &parts[k];
        assert_int_equal(p->st_std, GD_OK);
        assert_int_equal(p->st_solve, GD_OK);
        assert_memory_equal(p->sc.x_mean, sc.x_mean, D * sizeof *sc.x_mean);
        assert_memory_equal(p->sc.x_std, sc.x_std, D * sizeof *sc.x_std);
        assert_memory_equal(p->sc.constant, sc.constant, D);
        assert_memory_equal(&p->sc.y_mean, &sc.y_mean, sizeof sc.y_mean);
        assert_memory_equal(&p->sc.y_std, &sc.y_std, sizeof sc.y_std);
        /* the part's z-scores are its rows of the whole's */
        size_t lo = p->share.first;
        assert_memory_equal(p->ds.x, x + lo * D, p->ds.n * D * sizeof *x);
        assert_memory_equal(&p->loss, &loss, sizeof loss);
        assert_memory_equal(p->grad, grad, sizeof grad);
        assert_memory_equal(p->params, params, sizeof params);
        assert_memory_equal(&p->info.mse, &info.mse, sizeof info.mse);
        assert_memory_equal(&p->info.objective, &info.objective, sizeof info.objective);
        assert_memory_equal(&p->info.mse_const, &info.mse_const, sizeof info.mse_const);
        assert_int_equal(p->info.rank, info.rank);
    }
    assert_true(sc.constant[2]); /* the constant column took the "all equal" path */
    for (int k = 0; k < PARTS; k++) {
        free(parts[k].ds.x);
        free(parts[k].ds.y);
        gd_scaling_free(&parts[k].sc);
    }
    gd_scaling_free(&sc);
    free(b.buf);
    pthread_barrier_destroy(&b.bar);
    pthread_mutex_destroy(&b.mu);
    pthread_cond_destroy(&b.cv);
    free(x);
    free(y);
}

/* 5 blocks: parts of 1, 2 and 2 blocks, the last ending inside one. */
static void test_parts_of_blocks(void **state)
{
    (void)state;
    check_parts(4 * GD_SHARE_ALIGN + 1000);
}

/* One block: parts 0 and 1 hold no row. */
static void test_empty_parts(void **state)
{
    (void)state;
    check_parts(5000);
}

/* The loader's byte ranges: the parts' rows, in part order, are the whole
 * file's, and the ranges tile the data. */
static void test_load_parts(void **state)
{
    (void)state;
    for (size_t rows = 1; rows <= 2001; rows += 1000) {
        size_t cap = 64 + rows * 64;
        char *text = malloc(cap);
        assert_non_null(text);
        size_t len = (size_t)snprintf(text, cap, "a,b,y\n");
        for (size_t i = 0; i < rows; i++)
            len += (size_t)snprintf(text + len, cap - len, "%zu.5,%zu,%zu\n", i, i * i % 97,
                                    3 * i + 1);
        const char *path = write_temp_file(text, len);
        gd_error err;
        gd_dataset whole;
        gd_load_options lo = {.path = path, .need_target = 1, .threads = 2};
        assert_int_equal(gd_dataset_load(&whole, &lo, &err), GD_OK);
        size_t at = 0, range[2], prev_end = 0;
        for (size_t k = 0; k < 4; k++) {
            gd_dataset ds;
            lo.part = k;
            lo.parts = 4;
            lo.part_range = range;
            assert_int_equal(gd_dataset_load(&ds, &lo, &err), GD_OK);
            if (k > 0)
                assert_int_equal(range[0], prev_end);
            prev_end = range[1];
            assert_true(at + ds.n <= whole.n);
            if (ds.n > 0) {
                assert_memory_equal(ds.x, whole.x + at * 2, ds.n * 2 * sizeof *ds.x);
                assert_memory_equal(ds.y, whole.y + at, ds.n * sizeof *ds.y);
            }
            at += ds.n;
            gd_dataset_free(&ds);
        }
        assert_int_equal(at, whole.n);
        assert_true(prev_end == len || prev_end == len - 1); /* the last newline, or not */
        gd_dataset_free(&whole);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts_of_blocks),
        cmocka_unit_test(test_empty_parts),
        cmocka_unit_test(test_load_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
