/*
 * Streamed statistics and sums: the same bits as the whole matrix in
 * memory, whatever pieces the rows come in (whole blocks) and whatever the
 * thread count. These compare two routes to one number, so that a streamed
 * run can promise an in-memory run's model file byte for byte.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/stats.h"
#include "data/stream.h"
#include "gdtrain/optim.h"
#include "gdtrain/solve.h"
#include "gdtrain/trainer.h"
#include "gdtrain/dataset.h"
#include "gdtrain/loss.h"
#include "gdtrain/rng.h"
#include "testutil.h"

/* Rows that end inside a block of both passes' block sizes. */
#define N_ROWS (3 * GD_STATS_BLOCK + 1234)

/* A dataset of n rows and d features, columns with offsets and spreads of
 * very different sizes, and a constant column 1. */
static void make_data(gd_dataset *ds, size_t n, size_t d, uint64_t seed)
{
    gd_rng rng;
    gd_rng_seed(&rng, seed);
    memset(ds, 0, sizeof *ds);
    ds->n = n;
    ds->d = d;
    ds->x = malloc(n * d * sizeof *ds->x);
    ds->y = malloc(n * sizeof *ds->y);
    assert_non_null(ds->x);
    assert_non_null(ds->y);
    for (size_t i = 0; i < n; i++) {
        double t = 0.0;
        for (size_t j = 0; j < d; j++) {
            double v = j == 1 ? 42.5 : 1e3 * (double)j + pow(10.0, (double)(j % 5) - 2) *
                                                             gd_rng_normal(&rng);
            ds->x[i * d + j] = v;
            t += (double)(j + 1) * v;
        }
        ds->y[i] = t + gd_rng_normal(&rng);
    }
}

/* The statistics of ds gathered in pieces of `piece` rows, with threads. */
static void stats_in_pieces(const gd_dataset *ds, size_t piece, int threads, int center,
                            gd_scaling *sc)
{
    gd_stats *st = NULL;
    gd_error err;
    gd_dataset names = *ds;
    names.x = NULL; /* as a streamed run has it */
    assert_int_equal(gd_stats_create(&st, ds->d, 1, center, piece, threads, &err), GD_OK);
    for (int pass = 1; pass <= 2; pass++) {
        for (size_t first = 0; first < ds->n; first += piece) {
            size_t count = ds->n - first < piece ? ds->n - first : piece;
            gd_stats_add(st, ds->x + first * ds->d, ds->y + first, count);
        }
        if (pass == 1)
            assert_int_equal(gd_stats_means(st, &names, &err), GD_OK);
    }
    assert_int_equal(gd_stats_finish(st, &names, sc, &err), GD_OK);
    gd_stats_free(st);
}

static void check_same_scaling(const gd_scaling *a, const gd_scaling *b)
{
    assert_int_equal(a->d, b->d);
    for (size_t j = 0; j < a->d; j++) {
        assert_same_bits(a->x_mean[j], b->x_mean[j], "x_mean", j);
        assert_same_bits(a->x_std[j], b->x_std[j], "x_std", j);
        assert_int_equal(a->constant[j], b->constant[j]);
    }
    assert_same_bits(a->y_mean, b->y_mean, "y_mean", 0);
    assert_same_bits(a->y_std, b->y_std, "y_std", 0);
    assert_int_equal(a->y_constant, b->y_constant);
}

static void check_stats(size_t d, int center)
{
    gd_dataset ds;
    gd_scaling whole, part;
    gd_error err;
    make_data(&ds, N_ROWS, d, 7);
    ds.threads = 2;
    gd_dataset z = ds; /* standardized in place: keep the raw rows */
    z.x = malloc(ds.n * d * sizeof *z.x);
    z.y = malloc(ds.n * sizeof *z.y);
    assert_non_null(z.x);
    assert_non_null(z.y);
    memcpy(z.x, ds.x, ds.n * d * sizeof *z.x);
    memcpy(z.y, ds.y, ds.n * sizeof *z.y);
    assert_int_equal(center ? gd_dataset_standardize(&z, &whole, &err)
                            : gd_dataset_scale_origin(&z, &whole, &err), GD_OK);
    assert_int_equal(whole.constant[1], center);
    const size_t pieces[] = {GD_STATS_BLOCK, 2 * GD_STATS_BLOCK, N_ROWS};
    for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++)
        for (int threads = 1; threads <= 2; threads++) {
            stats_in_pieces(&ds, pieces[k], threads, center, &part);
            check_same_scaling(&whole, &part);
            /* The z-scores of a piece are those of the whole. */
            gd_stats_apply(&part, ds.x + GD_STATS_BLOCK * d, ds.y + GD_STATS_BLOCK, 100, NULL);
            for (size_t i = 0; i < 100 * d; i++)
                assert_same_bits(ds.x[GD_STATS_BLOCK * d + i], z.x[GD_STATS_BLOCK * d + i],
                                 "z", i);
            for (size_t i = 0; i < 100; i++)
                assert_same_bits(ds.y[GD_STATS_BLOCK + i], z.y[GD_STATS_BLOCK + i], "zy", i);
            gd_dataset_free(&ds); /* the raw rows again */
            make_data(&ds, N_ROWS, d, 7);
            ds.threads = 2;
            gd_scaling_free(&part);
        }
    gd_scaling_free(&whole);
    free(z.x);
    free(z.y);
    gd_dataset_free(&ds);
}

static void test_stats_pieces(void **unused)
{
    (void)unused;
    check_stats(5, 1);
    check_stats(5, 0);
    check_stats(19, 1); /* beyond the kernels compiled for each d */
}

/* gd_loss_add over pieces of whole loss blocks, then gd_loss_finish: the
 * bits of gd_loss_eval over all rows. */
static void check_loss(size_t d, int threads)
{
    gd_dataset ds;
    gd_error err;
    make_data(&ds, N_ROWS, d, 11);
    double params[32], g_whole[32], g_part[32], sums[34];
    for (size_t j = 0; j <= d; j++)
        params[j] = 0.001 * (double)j - 0.5;
    gd_loss *whole = NULL, *piece = NULL;
    assert_int_equal(gd_loss_create(&whole, &ds, threads, &err), GD_OK);
    double mse = gd_loss_eval(whole, gd_rows_all(&ds), params, g_whole);
    const size_t sizes[] = {GD_LOSS_BLOCK, 3 * GD_LOSS_BLOCK, 16 * GD_LOSS_BLOCK};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        /* A view the size of a piece over the same rows, as a chunk buffer. */
        gd_dataset view = ds;
        view.n = sizes[k];
        assert_int_equal(gd_loss_create(&piece, &view, threads, &err), GD_OK);
        memset(sums, 0, sizeof sums);
        for (size_t first = 0; first < ds.n; first += sizes[k]) {
            view.x = ds.x + first * d;
            view.y = ds.y + first;
            size_t count = ds.n - first < sizes[k] ? ds.n - first : sizes[k];
            gd_loss_add(piece, (gd_rows){NULL, 0, count}, params, 1, sums);
        }
        assert_same_bits(gd_loss_finish(sums, d, ds.n, g_part), mse, "mse", k);
        for (size_t j = 0; j <= d; j++)
            assert_same_bits(g_part[j], g_whole[j], "grad", j);
        gd_loss_free(piece);
    }
    gd_loss_free(whole);
    gd_dataset_free(&ds);
}

static void test_loss_pieces(void **unused)
{
    (void)unused;
    check_loss(7, 1);
    check_loss(7, 2);
    check_loss(25, 2);
}

/* The same n rows twice: standardized in memory (mem, sc_mem) and as a
 * stream over a source (shell, sc_str). */
typedef struct pair {
    gd_dataset raw, mem, shell;
    gd_scaling sc_mem, sc_str;
} pair;

static void pair_open(pair *p, size_t n, uint64_t seed, int threads)
{
    gd_error err;
    make_data(&p->raw, n, 6, seed);
    make_data(&p->mem, n, 6, seed);
    assert_int_equal(gd_dataset_standardize(&p->mem, &p->sc_mem, &err), GD_OK);
    p->shell = (gd_dataset){.d = p->raw.d};
    assert_int_equal(gd_stream_open(gd_source_dataset(&p->raw), 1, threads, &p->shell,
                                    &p->sc_str, &err), GD_OK);
    assert_int_equal(p->shell.n, n);
}

static void pair_close(pair *p)
{
    gd_dataset_free(&p->shell);
    gd_scaling_free(&p->sc_mem);
    gd_scaling_free(&p->sc_str);
    gd_dataset_free(&p->mem);
    gd_dataset_free(&p->raw);
}

/* Trains on ds in memory and streamed from a source over the same rows,
 * with cfg, and requires the same parameters, bit for bit, and the same
 * epochs. */
static void check_training(gd_train_config *cfg, size_t n)
{
    pair p;
    gd_error err;
    pair_open(&p, n, 5, 2);
    check_same_scaling(&p.sc_mem, &p.sc_str);
    double p_mem[7], p_str[7];
    gd_train_result r_mem, r_str;
    assert_int_equal(gd_train(&p.mem, cfg, p_mem, &r_mem, NULL, NULL, &err), GD_OK);
    assert_int_equal(gd_train(&p.shell, cfg, p_str, &r_str, NULL, NULL, &err), GD_OK);
    assert_int_equal(r_mem.epochs, r_str.epochs);
    assert_int_equal(r_mem.steps, r_str.steps);
    assert_same_bits(r_mem.train_loss, r_str.train_loss, "loss", 0);
    for (size_t j = 0; j < 7; j++)
        assert_same_bits(p_mem[j], p_str[j], "param", j);
    pair_close(&p);
}

static void test_training(void **unused)
{
    (void)unused;
    const size_t n = GD_STREAM_ROWS + 3 * GD_SHUFFLE_BLOCK_ROWS + 77; /* two chunks */
    gd_train_config cfg;
    gd_train_config_default(&cfg, gd_optimizer_find("adam"));
    cfg.max_epochs = 5;
    cfg.batch_size = 0;
    check_training(&cfg, n); /* full batch */
    gd_train_config_default(&cfg, gd_optimizer_find("sgd"));
    cfg.max_epochs = 2;
    cfg.batch_size = 1000; /* batches across blocks, a short last one */
    cfg.shuffle = GD_SHUFFLE_BLOCKS;
    check_training(&cfg, n);
    cfg.shuffle = GD_SHUFFLE_NONE;
    cfg.l2 = 0.01;
    check_training(&cfg, n);
}

/* Trains on the rows of a pair with nval validation rows, held in memory
 * and streamed (z-scored with the training statistics a small chunk at a
 * time), and requires the same parameters, epochs and validation loss. */
static void check_validation(gd_train_config *cfg, size_t nval, int threads)
{
    pair p;
    gd_error err;
    gd_dataset vraw, vmem, vshell = {.d = 6};
    pair_open(&p, 3 * GD_LOSS_BLOCK + 5, 5, threads);
    make_data(&vraw, nval, 6, 11);
    make_data(&vmem, nval, 6, 11);
    gd_dataset_apply_scaling(&vmem, &p.sc_mem);
    assert_int_equal(gd_stream_open_scaled(gd_source_dataset(&vraw), &p.sc_str, NULL, threads,
                                           &vshell, &err), GD_OK);
    assert_int_equal(vshell.n, nval);
    assert_int_equal(gd_stream_chunk(vshell.stream), GD_STREAM_VAL_ROWS);
    double p_mem[7], p_str[7];
    gd_train_result r_mem, r_str;
    cfg->val = &vmem;
    assert_int_equal(gd_train(&p.mem, cfg, p_mem, &r_mem, NULL, NULL, &err), GD_OK);
    cfg->val = &vshell;
    assert_int_equal(gd_train(&p.shell, cfg, p_str, &r_str, NULL, NULL, &err), GD_OK);
    cfg->val = NULL;
    assert_int_equal(r_mem.epochs, r_str.epochs);
    assert_same_bits(r_mem.val_loss, r_str.val_loss, "val_loss", 0);
    assert_false(isnan(r_str.val_loss));
    for (size_t j = 0; j < 7; j++)
        assert_same_bits(p_mem[j], p_str[j], "param", j);
    gd_dataset_free(&vshell);
    gd_dataset_free(&vmem);
    gd_dataset_free(&vraw);
    pair_close(&p);
}

static void test_validation(void **unused)
{
    (void)unused;
    gd_train_config cfg;
    gd_train_config_default(&cfg, gd_optimizer_find("adam"));
    cfg.max_epochs = 30;
    cfg.batch_size = 0;
    cfg.early_stop = 1;
    cfg.patience = 1;
    check_validation(&cfg, 2 * GD_STREAM_VAL_ROWS + 300, 2); /* three chunks */
    check_validation(&cfg, 2 * GD_STREAM_VAL_ROWS + 300, 1);
    check_validation(&cfg, 3, 1); /* under 4 rows: gd_loss_eval's own way */
    gd_train_config_default(&cfg, gd_optimizer_find("sgd"));
    cfg.max_epochs = 3;
    cfg.batch_size = 100;
    cfg.shuffle = GD_SHUFFLE_BLOCKS;
    check_validation(&cfg, GD_STREAM_VAL_ROWS, 2); /* exactly one chunk */
}

/* A validation stream with fills (--na mean): a NaN feature becomes its
 * fill before it is z-scored, as the in-memory load fills it. */
static void test_validation_fill(void **unused)
{
    (void)unused;
    gd_dataset raw, mem, shell = {.d = 6};
    gd_scaling sc;
    gd_error err;
    const double fill[6] = {0.5, -2.0, 1e3, 3.25, 0.0, 7.0};
    const size_t n = GD_STREAM_VAL_ROWS + 10;
    make_data(&raw, n, 6, 3);
    make_data(&mem, n, 6, 3);
    for (size_t i = 0; i < n; i += 7) {
        raw.x[i * 6 + i % 6] = NAN;
        mem.x[i * 6 + i % 6] = fill[i % 6];
    }
    gd_dataset fit;
    make_data(&fit, 5000, 6, 4);
    assert_int_equal(gd_dataset_standardize(&fit, &sc, &err), GD_OK);
    gd_dataset_apply_scaling(&mem, &sc);
    assert_int_equal(gd_stream_open_scaled(gd_source_dataset(&raw), &sc, fill, 1, &shell,
                                           &err), GD_OK);
    for (size_t first = 0; first < n; first += GD_STREAM_VAL_ROWS) {
        size_t count = n - first < GD_STREAM_VAL_ROWS ? n - first : GD_STREAM_VAL_ROWS;
        const gd_dataset *rows = gd_stream_rows(shell.stream, first, count);
        for (size_t i = 0; i < count * 6; i++)
            assert_same_bits(rows->x[i], mem.x[first * 6 + i], "z", first * 6 + i);
    }
    gd_dataset_free(&shell);
    gd_scaling_free(&sc);
    gd_dataset_free(&fit);
    gd_dataset_free(&mem);
    gd_dataset_free(&raw);
}

/* The exact optimum from the chunks: the bits of the one in memory. */
static void test_solve(void **unused)
{
    (void)unused;
    pair p;
    gd_error err;
    pair_open(&p, GD_STREAM_ROWS + 1000, 9, 1);
    double p_mem[7], p_str[7];
    gd_solve_info i_mem, i_str;
    assert_int_equal(gd_solve_dataset(&p.mem, 0.01, p_mem, &i_mem, &err), GD_OK);
    assert_int_equal(gd_solve_dataset(&p.shell, 0.01, p_str, &i_str, &err), GD_OK);
    for (size_t j = 0; j < 7; j++)
        assert_same_bits(p_mem[j], p_str[j], "param", j);
    assert_same_bits(i_mem.mse, i_str.mse, "mse", 0);
    assert_same_bits(i_mem.mse_const, i_str.mse_const, "mse_const", 0);
    pair_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_pieces),
        cmocka_unit_test(test_loss_pieces),
        cmocka_unit_test(test_training),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_validation_fill),
        cmocka_unit_test(test_solve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
