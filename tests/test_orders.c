/*
 * The epoch orders drawn one epoch ahead (src/train/orders.c): against
 * drawing each epoch's order at its start (gd_rng_shuffle and
 * gd_rng_shuffle_blocks on the same stream, whose own tests hold them to a
 * reference), order for order and stream for stream.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

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
                const size_t *got = gd_orders_next(&o, &rng, &blocks);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_orders_and_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
