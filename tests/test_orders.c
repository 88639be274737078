/*
 * The epoch orders drawn one epoch ahead (src/train/orders.c): against
 * drawing each epoch's order at its start (gd_rng_shuffle and
 * gd_rng_shuffle_blocks on the same stream, whose own tests hold them to a
 * reference), order for order and stream for stream.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "gdtrain/loss.h"
#include "gdtrain/trainer.h"
#include "train/orders.h"

/* The order drawn at an epoch's start, as the trainer drew it before the
 * helper: the identity shuffled, or the blocks and their rows. */
static void reference_order(int shuffle, gd_rng *rng, size_t *order, size_t *blocks, size_t n)
{
    if (shuffle == GD_SHUFFLE_BLOCKS) {
        gd_rng_shuffle_blocks(rng, order, blocks, n, GD_SHUFFLE_BLOCK_ROWS);
        return;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    gd_rng_shuffle(rng, order, n);
}

/* Epochs drawn ahead (with the helper, and without) give the reference's
 * orders and leave the stream where it leaves it; a stream moved between
 * two epochs (a run that resumes elsewhere) gets an order drawn from where
 * it stands, not the one drawn ahead. */
static void test_same_orders_and_stream(void **unused)
{
    (void)unused;
    const size_t n = 3 * GD_SHUFFLE_BLOCK_ROWS + 100;
    size_t *want = malloc(n * sizeof *want);
    size_t *want_blocks = malloc((n / GD_SHUFFLE_BLOCK_ROWS + 1) * sizeof *want_blocks);
    assert_true(want != NULL && want_blocks != NULL);
    for (int shuffle = GD_SHUFFLE_ROWS; shuffle <= GD_SHUFFLE_BLOCKS; shuffle++) {
        for (int helper = 0; helper <= 1; helper++) {
            gd_orders o;
            assert_int_equal(gd_orders_open(&o, shuffle, n, helper), 0);
            gd_rng rng, ref;
            gd_rng_seed(&rng, 42);
            gd_rng_seed(&ref, 42);
            for (int epoch = 1; epoch <= 6; epoch++) {
                if (epoch == 4) { /* the stream moves on its own */
                    (void)gd_rng_next(&rng);
                    (void)gd_rng_next(&ref);
                }
                const size_t *blocks;
                const double *rows;
                const size_t *got = gd_orders_next(&o, &rng, &blocks, &rows);
                assert_null(rows); /* nothing to gather was given */
                reference_order(shuffle, &ref, want, want_blocks, n);
                assert_memory_equal(got, want, n * sizeof *want);
                if (shuffle == GD_SHUFFLE_BLOCKS)
                    assert_memory_equal(blocks, want_blocks,
                                        (n / GD_SHUFFLE_BLOCK_ROWS + 1) * sizeof *want_blocks);
                assert_memory_equal(&rng, &ref, sizeof rng);
            }
            gd_orders_close(&o);
        }
    }
    free(want);
    free(want_blocks);
}

/* Rows gathered in an epoch's order (packed or read from X and y, d = 7
 * whose packed rows are one line, and d = 3) are the rows of that order,
 * each followed by its target (the first epoch's laid out by the caller,
 * the next ones' by the helper), and a mini-batch evaluated on them has
 * the bits of the same batch read through the order. */
static void test_gathered_rows(void **unused)
{
    (void)unused;
    const size_t n = 40000 + 17; /* more than two of the helper's chunks */
    for (size_t d = 3; d <= 7; d += 4) {
        for (int packed = 0; packed <= 1; packed++) {
            gd_dataset ds = {.n = n, .d = d, .x = malloc(n * d * sizeof(double)),
                             .y = malloc(n * sizeof(double))};
            assert_true(ds.x != NULL && ds.y != NULL);
            for (size_t i = 0; i < n * d; i++)
                ds.x[i] = (double)(i % 1013) / 7.0 - 60.0;
            for (size_t i = 0; i < n; i++)
                ds.y[i] = (double)(i % 31) - 15.5;
            gd_loss *loss;
            gd_error err;
            assert_int_equal(gd_loss_create(&loss, &ds, 1, &err), GD_OK);
            if (packed)
                assert_int_equal(gd_loss_pack(loss), 0);
            gd_orders o;
            assert_int_equal(gd_orders_open(&o, GD_SHUFFLE_ROWS, n, 1), 0);
            if (gd_orders_gather(&o, loss, d + 1) != 0) {
                /* Without a helper thread there is nothing to test. */
                assert_false(o.threaded);
                gd_orders_close(&o);
                gd_loss_free(loss);
                gd_dataset_free(&ds);
                continue;
            }
            gd_rng rng;
            gd_rng_seed(&rng, 7);
            const double params[8] = {0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.25, 0.125};
            for (int epoch = 1; epoch <= 3; epoch++) {
                const size_t *blocks;
                const double *rows;
                const size_t *order = gd_orders_next(&o, &rng, &blocks, &rows);
                assert_non_null(rows);
                for (size_t k = 0; k < n; k++) {
                    assert_memory_equal(rows + k * (d + 1), ds.x + order[k] * d,
                                        d * sizeof *rows);
                    assert_memory_equal(&rows[k * (d + 1) + d], &ds.y[order[k]],
                                        sizeof *rows);
                }
                const size_t batches[][2] = {{0, 1}, {5, 3}, {100, 32}, {n - 4097, 4097}};
                for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++) {
                    double g1[8], g2[8];
                    gd_rows via_order = {order, batches[b][0], batches[b][1]};
                    double m1 = gd_loss_eval(loss, via_order, params, g1);
                    double m2 = gd_loss_eval_packed(loss, rows, batches[b][0], batches[b][1], params,
                                                    g2);
                    assert_memory_equal(&m1, &m2, sizeof m1);
                    assert_memory_equal(g1, g2, (d + 1) * sizeof *g1);
                }
            }
            gd_orders_close(&o);
            gd_loss_free(loss);
            gd_dataset_free(&ds);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_orders_and_stream),
        cmocka_unit_test(test_gathered_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
