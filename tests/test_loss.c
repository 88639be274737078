/*
 * The fused loss and gradient: against a naive long double computation
 * (naive_mse_grad in testutil.c), and the gradient against central finite
 * differences of the loss.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/loss.h"
#include "gdtrain/rng.h"

typedef struct problem {
    gd_dataset ds;
    double *params;
} problem;

static problem make_problem(size_t n, size_t d, uint64_t seed)
{
    problem p;
    gd_rng rng;
    gd_rng_seed(&rng, seed);
    memset(&p.ds, 0, sizeof p.ds);
    p.ds.n = n;
    p.ds.d = d;
    p.ds.x = malloc(n * d * sizeof(double));
    p.ds.y = malloc(n * sizeof(double));
    p.params = malloc((d + 1) * sizeof(double));
    assert_true(p.ds.x && p.ds.y && p.params);
    for (size_t i = 0; i < n * d; i++)
        p.ds.x[i] = gd_rng_normal(&rng);
    for (size_t i = 0; i < n; i++)
        p.ds.y[i] = gd_rng_normal(&rng) * 3 + 1;
    for (size_t j = 0; j <= d; j++)
        p.params[j] = gd_rng_normal(&rng);
    return p;
}

static void free_problem(problem *p)
{
    free(p->ds.x);
    free(p->ds.y);
    free(p->params);
}

static void test_matches_naive(void **unused)
{
    (void)unused;
    /* More rows than one block, and a count that is no multiple of it. */
    const size_t n = 3 * GD_LOSS_BLOCK + 17, d = 5;
    problem p = make_problem(n, d, 7);
    gd_loss *loss;
    gd_error err;
    assert_int_equal(gd_loss_create(&loss, &p.ds, 1, &err), GD_OK);
    size_t *all = malloc(n * sizeof *all);
    for (size_t i = 0; i < n; i++)
        all[i] = i;
    double g[6], gref[6];
    double mse = gd_loss_eval(loss, gd_rows_all(&p.ds), p.params, g);
    double ref = naive_mse_grad(&p.ds, all, n, p.params, gref);
    assert_close_rel(mse, ref, 1e-13);
    for (size_t j = 0; j <= d; j++)
        assert_close_abs(g[j], gref[j], 1e-12 * (1 + fabs(gref[j])));
    /* Without a gradient, the same loss. */
    assert_true(gd_loss_eval(loss, gd_rows_all(&p.ds), p.params, NULL) == mse);

    /* A contiguous sub-range and an index list of the same rows agree. */
    gd_rows range = {NULL, 100, 50};
    gd_rows listed = {all, 100, 50};
    double g1[6], g2[6];
    double m1 = gd_loss_eval(loss, range, p.params, g1);
    double m2 = gd_loss_eval(loss, listed, p.params, g2);
    assert_true(m1 == m2);
    assert_memory_equal(g1, g2, sizeof g1);
    ref = naive_mse_grad(&p.ds, all + 100, 50, p.params, gref);
    assert_close_rel(m1, ref, 1e-13);

    /* A shuffled list averages over its own rows. */
    size_t pick[3] = {n - 1, 0, 4242};
    gd_rows some = {pick, 0, 3};
    double m3 = gd_loss_eval(loss, some, p.params, g1);
    ref = naive_mse_grad(&p.ds, pick, 3, p.params, gref);
    assert_close_rel(m3, ref, 1e-14);
    for (size_t j = 0; j <= d; j++)
        assert_close_abs(g1[j], gref[j], 1e-13 * (1 + fabs(gref[j])));
    gd_loss_free(loss);
    free(all);
    free_problem(&p);
}

/* A packed evaluator (each row beside its target) gives the bits of the
 * plain one: for feature counts with a kernel of their own and without
 * (20), batches of 1 to 3 rows and of several blocks, listed and
 * contiguous, with and without the gradient, on 1 and 2 threads. */
static void test_packed_same_bits(void **unused)
{
    (void)unused;
    const size_t n = 9 * GD_LOSS_BLOCK + 5, ds_[] = {1, 7, 8, 20};
    for (size_t c = 0; c < sizeof ds_ / sizeof ds_[0]; c++) {
        const size_t d = ds_[c];
        problem p = make_problem(n, d, 11 + d);
        size_t *order = malloc(n * sizeof *order);
        assert_non_null(order);
        gd_rng rng;
        gd_rng_seed(&rng, 5);
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        gd_rng_shuffle(&rng, order, n);
        const gd_rows batches[] = {{order, 7, 1}, {order, 9, 3}, {order, 100, 32},
                                   {order, 0, n}, {NULL, 0, n}, {NULL, 3, 2}};
        for (int threads = 1; threads <= 2; threads++) {
            gd_loss *plain, *packed;
            gd_error err;
            assert_int_equal(gd_loss_create(&plain, &p.ds, threads, &err), GD_OK);
            assert_int_equal(gd_loss_create(&packed, &p.ds, threads, &err), GD_OK);
            assert_int_equal(gd_loss_pack(packed), 0);
            for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++) {
                double g1[21], g2[21];
                double m1 = gd_loss_eval(plain, batches[b], p.params, g1);
                double m2 = gd_loss_eval(packed, batches[b], p.params, g2);
                assert_memory_equal(&m1, &m2, sizeof m1);
                assert_memory_equal(g1, g2, (d + 1) * sizeof g1[0]);
                m1 = gd_loss_eval(plain, batches[b], p.params, NULL);
                m2 = gd_loss_eval(packed, batches[b], p.params, NULL);
                assert_memory_equal(&m1, &m2, sizeof m1);
            }
            gd_loss_free(plain);
            gd_loss_free(packed);
        }
        free(order);
        free_problem(&p);
    }
}

static void test_gradient_finite_differences(void **unused)
{
    (void)unused;
    const size_t n = 500, d = 7;
    problem p = make_problem(n, d, 11);
    gd_loss *loss;
    assert_int_equal(gd_loss_create(&loss, &p.ds, 1, NULL), GD_OK);
    double g[8];
    gd_loss_eval(loss, gd_rows_all(&p.ds), p.params, g);
    for (size_t j = 0; j <= d; j++) {
        const double h = 1e-5;
        double saved = p.params[j];
        p.params[j] = saved + h;
        double up = gd_loss_eval(loss, gd_rows_all(&p.ds), p.params, NULL);
        p.params[j] = saved - h;
        double down = gd_loss_eval(loss, gd_rows_all(&p.ds), p.params, NULL);
        p.params[j] = saved;
        double fd = (up - down) / (2 * h);
        /* The loss is quadratic, so the central difference is exact up to
         * rounding: about eps * loss / h. */
        assert_close_abs(g[j], fd, 1e-8 * (1 + fabs(fd)));
    }
    gd_loss_free(loss);
    free_problem(&p);
}

static void test_predict_and_perfect_fit(void **unused)
{
    (void)unused;
    /* y = 2 + 3 x0 - x1 exactly: loss 0 and gradient 0 at the truth. */
    double x[8] = {1, 0, 0, 1, 2, 3, -1, 4};
    double y[4];
    for (int i = 0; i < 4; i++)
        y[i] = 2 + 3 * x[2 * i] - x[2 * i + 1];
    gd_dataset ds = {0};
    ds.n = 4;
    ds.d = 2;
    ds.x = x;
    ds.y = y;
    double params[3] = {3, -1, 2}, g[3];
    gd_loss *loss;
    assert_int_equal(gd_loss_create(&loss, &ds, 1, NULL), GD_OK);
    assert_true(gd_loss_eval(loss, gd_rows_all(&ds), params, g) == 0.0);
    for (int j = 0; j < 3; j++)
        assert_true(g[j] == 0.0);
    double pred[4];
    gd_loss_predict(&ds, params, pred);
    assert_memory_equal(pred, y, sizeof y);
    /* At zero parameters the loss is the mean of y^2, the bias gradient
     * -2 mean(y). */
    double zero[3] = {0, 0, 0};
    double expect = (y[0] * y[0] + y[1] * y[1] + y[2] * y[2] + y[3] * y[3]) / 4;
    assert_close_rel(gd_loss_eval(loss, gd_rows_all(&ds), zero, g), expect, 1e-15);
    assert_close_rel(g[2], -2 * (y[0] + y[1] + y[2] + y[3]) / 4, 1e-15);
    gd_loss_free(loss);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_naive),
        cmocka_unit_test(test_packed_same_bits),
        cmocka_unit_test(test_gradient_finite_differences),
        cmocka_unit_test(test_predict_and_perfect_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
