/*
 * Wide designs: every feature count from 1 to 20 (the loss module compiles
 * a kernel of its own for each small count and one generic kernel for the
 * rest), then 31, 64 and 300, as one-hot encoded tables produce them.
 *
 * - The loss and gradient against sums in long double, for row counts that
 *   leave every remainder modulo the kernel's four lanes, batches that end
 *   exactly on, just past and just before a GD_LOSS_BLOCK boundary,
 *   contiguous rows and index lists, with one thread and with several
 *   (which must also give the same bits).
 * - The exact solve against the normal equations in long double, for row
 *   counts on, past and short of a GD_SOLVE_BLOCK boundary.
 * - Standardization against two-pass long double statistics, with one
 *   thread and with several, a constant column included.
 *
 * The inputs come from the tests' own splitmix64, not the library's
 * generator. The error bounds are the textbook ones for recursive
 * summation, computed from the data, so a dropped or repeated row (about
 * 1/m of the sum) is far outside them.
 */
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/dataset.h"
#include "gdtrain/loss.h"
#include "gdtrain/solve.h"

static const size_t WIDTHS[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                                13, 14, 15, 16, 17, 18, 19, 20, 31, 64, 300};
#define NWIDTHS (sizeof WIDTHS / sizeof WIDTHS[0])

/* Uniform in [-1, 1) from 53 random bits. */
static double unit(uint64_t *s)
{
    return (double)(splitmix64(s) >> 11) * 0x1p-52 - 1.0;
}

/* A dataset of n rows and d features: column j is offset_j + scale_j u
 * with u uniform, so means and spreads differ between columns; y is a
 * noisy linear function of the row. Free with gd_dataset_free. */
static gd_dataset make_data(size_t n, size_t d, uint64_t seed)
{
    gd_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.n = n;
    ds.d = d;
    ds.x = malloc(n * d * sizeof *ds.x);
    ds.y = malloc(n * sizeof *ds.y);
    assert_true(ds.x != NULL && ds.y != NULL);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        double t = 0.5;
        for (size_t j = 0; j < d; j++) {
            double v = 0.1 * (double)(j % 7) + (1.0 + (double)(j % 5)) * unit(&s);
            ds.x[i * d + j] = v;
            t += v * (double)((j % 3) + 1) / (double)d;
        }
        ds.y[i] = t + 0.3 * unit(&s);
    }
    ds.threads = 1;
    return ds;
}

static double *make_params(size_t d, uint64_t seed)
{
    double *p = malloc((d + 1) * sizeof *p);
    assert_non_null(p);
    uint64_t s = seed;
    for (size_t j = 0; j <= d; j++)
        p[j] = unit(&s);
    return p;
}

/* ---- the loss -------------------------------------------------------- */

/* What a batch must give: the long double sums over the batch's first k
 * rows, kept for every k in a list of counts (one pass serves all of
 * them), and the sums of magnitudes that bound the rounding. */
typedef struct want {
    double mse, mse_tol;
    double *grad, *grad_tol; /* (d + 1) */
} want;

/* Fills w[c] for the counts[c] rows (counts ascending) from position first
 * of the order given by idx (rows 0, 1, ... when idx is NULL). */
static void oracle(const gd_dataset *ds, const size_t *idx, size_t first, const double *p,
                   const size_t *counts, size_t ncounts, want *w)
{
    const size_t d = ds->d;
    long double *g = calloc(d + 1, sizeof *g), *ga = calloc(d + 1, sizeof *ga);
    long double sse = 0, ssea = 0;
    assert_true(g != NULL && ga != NULL);
    size_t c = 0;
    for (size_t k = 0;; k++) {
        for (; c < ncounts && counts[c] == k; c++) {
            /* Recursive summation of m terms errs by at most about
             * m eps times the sum of their magnitudes; each residual by
             * (d + 2) eps times the magnitude of its terms. Doubled, since
             * under Valgrind long double is only a double. */
            const double m = (double)k;
            const double gamma = 2.0 * (m + (double)d + 8.0) * DBL_EPSILON;
            w[c].mse = (double)(sse / k);
            w[c].mse_tol = gamma * (double)(ssea / k);
            for (size_t j = 0; j <= d; j++) {
                w[c].grad[j] = (double)(2 * g[j] / k);
                w[c].grad_tol[j] = gamma * (double)(2 * ga[j] / k);
            }
        }
        if (c == ncounts)
            break;
        const size_t i = idx != NULL ? idx[first + k] : first + k;
        const double *x = ds->x + i * d;
        long double r = p[d], ra = fabs(p[d]) + fabs(ds->y[i]);
        for (size_t j = 0; j < d; j++) {
            r += (long double)p[j] * x[j];
            ra += fabsl((long double)p[j] * x[j]);
        }
        r -= ds->y[i];
        /* The computed residual is within (d + 2) eps ra of r. */
        const long double bound = fabsl(r) + ra;
        sse += r * r;
        ssea += bound * bound;
        for (size_t j = 0; j < d; j++) {
            g[j] += r * x[j];
            ga[j] += bound * fabs(x[j]);
        }
        g[d] += r;
        ga[d] += bound;
    }
    free(g);
    free(ga);
}

static want *wants_new(size_t ncounts, size_t d)
{
    want *w = calloc(ncounts, sizeof *w);
    assert_non_null(w);
    for (size_t c = 0; c < ncounts; c++) {
        w[c].grad = malloc((d + 1) * sizeof(double));
        w[c].grad_tol = malloc((d + 1) * sizeof(double));
        assert_true(w[c].grad != NULL && w[c].grad_tol != NULL);
    }
    return w;
}

static void wants_free(want *w, size_t ncounts)
{
    for (size_t c = 0; c < ncounts; c++) {
        free(w[c].grad);
        free(w[c].grad_tol);
    }
    free(w);
}

/* Fails, naming the width, the rows and the component, unless got is
 * within tol of want. */
static void check_within(double got, double want, double tol, size_t d, size_t m,
                         const char *what, size_t j)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("d=%zu, %zu rows (%s), component %zu (weights, bias, loss): %.17g vs %.17g "
                    "(diff %.3g > bound %.3g)\n",
                    d, m, what, j, got, want, fabs(got - want), tol);
        fail();
    }
}

/* Evaluates the batch rows with loss (gradient and loss alone) against w;
 * the gradient goes to grad (d + 1). */
static void check_batch(gd_loss *loss, const gd_dataset *ds, gd_rows rows, const double *p,
                        const want *w, const char *what, double *grad)
{
    const size_t d = ds->d;
    double mse = gd_loss_eval(loss, rows, p, grad);
    check_within(mse, w->mse, w->mse_tol, d, rows.count, what, d + 1);
    for (size_t j = 0; j <= d; j++)
        check_within(grad[j], w->grad[j], w->grad_tol[j], d, rows.count, what, j);
    /* The loss alone runs other kernels; it must be the same number. */
    assert_same_bits(gd_loss_eval(loss, rows, p, NULL), mse, what, rows.count);
}

/* A permutation of 0..n-1 from the tests' generator. */
static size_t *shuffled(size_t n, uint64_t seed)
{
    size_t *idx = malloc(n * sizeof *idx);
    assert_non_null(idx);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t k = (size_t)(splitmix64(&s) % i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[k];
        idx[k] = t;
    }
    return idx;
}

/* One width's data, parameters, a shuffled index list and what batches of
 * counts[c] rows from position first must give, contiguous and listed. */
typedef struct wide_case {
    gd_dataset ds;
    double *p, *g1, *g2;   /* parameters; two gradients (d + 1) */
    size_t *idx;           /* (n) a permutation of the rows */
    want *contiguous, *listed;
    size_t nc;
} wide_case;

static wide_case case_new(size_t n, size_t d, uint64_t seed, const size_t *counts, size_t nc,
                          size_t first)
{
    wide_case w;
    w.ds = make_data(n, d, seed);
    w.p = make_params(d, seed + 1);
    w.g1 = malloc((d + 1) * sizeof *w.g1);
    w.g2 = malloc((d + 1) * sizeof *w.g2);
    assert_true(w.g1 != NULL && w.g2 != NULL);
    w.idx = shuffled(n, seed + 2);
    w.nc = nc;
    w.contiguous = wants_new(nc, d);
    w.listed = wants_new(nc, d);
    oracle(&w.ds, NULL, first, w.p, counts, nc, w.contiguous);
    oracle(&w.ds, w.idx, first, w.p, counts, nc, w.listed);
    return w;
}

static void case_free(wide_case *w)
{
    wants_free(w->contiguous, w->nc);
    wants_free(w->listed, w->nc);
    free(w->idx);
    free(w->g1);
    free(w->g2);
    free(w->p);
    gd_dataset_free(&w->ds);
}

/* One thread, batches below the threads' threshold: 1 to 8 rows (no
 * complete set of four lanes, then every remainder with one), and around
 * one and two blocks. */
static void test_loss_one_thread(void **state)
{
    (void)state;
    const size_t B = GD_LOSS_BLOCK;
    const size_t counts[] = {1,     2,     3,     4,     5,     6,     7,
                             8,     B - 3, B - 1, B,     B + 1, B + 2, B + 3,
                             B + 4, B + 5, 2 * B + 6};
    const size_t nc = sizeof counts / sizeof counts[0];
    for (size_t wi = 0; wi < NWIDTHS; wi++) {
        wide_case w = case_new(counts[nc - 1], WIDTHS[wi], 100 * WIDTHS[wi], counts, nc, 0);
        gd_loss *loss;
        assert_int_equal(gd_loss_create(&loss, &w.ds, 1, NULL), GD_OK);
        for (size_t c = 0; c < nc; c++) {
            gd_rows rows = {NULL, 0, counts[c]};
            check_batch(loss, &w.ds, rows, w.p, &w.contiguous[c], "contiguous", w.g1);
            gd_rows some = {w.idx, 0, counts[c]};
            check_batch(loss, &w.ds, some, w.p, &w.listed[c], "index list", w.g1);
        }
        gd_loss_free(loss);
        case_free(&w);
    }
}

/* Batches large enough for threads: ending on a block boundary, with a
 * last block too short for the four lanes, and with a last block of four
 * lanes and a remainder. An evaluator with one thread and one with three
 * must both match the sums, and give the same bits. (Fewer cases than with
 * one thread: each batch is 8 blocks, and the suite also runs under
 * Valgrind.) */
static void test_loss_threads(void **state)
{
    (void)state;
    const size_t B = GD_LOSS_BLOCK, P = GD_LOSS_PARALLEL_MIN;
    assert_true(P % B == 0);
    const size_t counts[] = {P, P + 3, P + B - 2};
    const size_t nc = sizeof counts / sizeof counts[0];
    for (size_t wi = 0; wi < NWIDTHS; wi++) {
        const size_t d = WIDTHS[wi];
        wide_case w = case_new(counts[nc - 1], d, 100 * d + 7, counts, nc, 0);
        gd_loss *one, *three;
        assert_int_equal(gd_loss_create(&one, &w.ds, 1, NULL), GD_OK);
        assert_int_equal(gd_loss_create(&three, &w.ds, 3, NULL), GD_OK);
        for (size_t c = 0; c < nc; c++) {
            for (int listed_rows = 0; listed_rows < (c == 1 ? 2 : 1); listed_rows++) {
                gd_rows rows = {listed_rows ? w.idx : NULL, 0, counts[c]};
                const want *expect = listed_rows ? &w.listed[c] : &w.contiguous[c];
                const char *what = listed_rows ? "index list" : "contiguous";
                check_batch(one, &w.ds, rows, w.p, expect, what, w.g1);
                check_batch(three, &w.ds, rows, w.p, expect, what, w.g2);
                for (size_t j = 0; j <= d; j++)
                    assert_same_bits(w.g2[j], w.g1[j], "gradient, 3 vs 1 threads", j);
            }
        }
        gd_loss_free(one);
        gd_loss_free(three);
        case_free(&w);
    }
}

/* A batch that starts inside the data (rows.begin > 0), contiguous and
 * listed: the kernels must count positions from the batch's start. */
static void test_loss_offset_batch(void **state)
{
    (void)state;
    const size_t begin = 13, counts[] = {GD_LOSS_BLOCK + 7};
    for (size_t wi = 0; wi < NWIDTHS; wi++) {
        wide_case w = case_new(GD_LOSS_BLOCK + 50, WIDTHS[wi], 100 * WIDTHS[wi] + 13, counts,
                               1, begin);
        gd_loss *loss;
        assert_int_equal(gd_loss_create(&loss, &w.ds, 1, NULL), GD_OK);
        gd_rows range = {NULL, begin, counts[0]}, some = {w.idx, begin, counts[0]};
        check_batch(loss, &w.ds, range, w.p, w.contiguous, "contiguous from row 13", w.g1);
        check_batch(loss, &w.ds, some, w.p, w.listed, "index list from position 13", w.g1);
        gd_loss_free(loss);
        case_free(&w);
    }
}

/* ---- the exact solve ------------------------------------------------- */

/* gd_solve_dataset against the normal equations in long double (random
 * designs with many more rows than columns are well conditioned, so both
 * are accurate to a few roundings), with and without a ridge penalty, for
 * row counts short of, on and past a block boundary. */
static void test_solve_wide(void **state)
{
    (void)state;
    const size_t S = GD_SOLVE_BLOCK;
    for (size_t wi = 0; wi < NWIDTHS; wi++) {
        const size_t d = WIDTHS[wi];
        /* At least three rows per coefficient; d = 300 has 1031. */
        size_t counts[3] = {S - 1, S, S + 1};
        if (d >= S / 3)
            counts[0] = 2 * S - 1, counts[1] = 2 * S, counts[2] = 2 * S + 7;
        for (size_t c = 0; c < 3; c++) {
            if (d == 300 && c < 2)
                continue; /* the largest costs most: one count will do */
            const size_t n = counts[c];
            gd_dataset ds = make_data(n, d, 1000 + d + n);
            double *got = malloc((d + 1) * sizeof *got), *ref = malloc((d + 1) * sizeof *ref);
            assert_true(got != NULL && ref != NULL);
            const double l2 = c == 1 ? 0.01 : 0.0;
            gd_solve_info info;
            assert_int_equal(gd_solve_dataset(&ds, l2, got, &info, NULL), GD_OK);
            double ref_mse = normal_equations_fit(ds.x, ds.y, n, d, l2, ref);
            assert_int_equal(info.rank, d + 1);
            double scale = 0;
            for (size_t j = 0; j <= d; j++)
                scale = fmax(scale, fabs(ref[j]));
            for (size_t j = 0; j <= d; j++)
                check_within(got[j], ref[j], 1e-11 * scale, d, n, "solve", j);
            check_within(info.mse, ref_mse, 1e-12 * ref_mse, d, n, "solve mse", d + 1);
            free(got);
            free(ref);
            gd_dataset_free(&ds);
        }
    }
}

/* ---- standardization ------------------------------------------------- */

/* Adds v to the compensated sum (s, c) (Neumaier): the oracle must stay
 * exact to about one rounding even where long double is only a double (as
 * under Valgrind). */
static void sum_add(long double *s, long double *c, long double v)
{
    long double t = *s + v;
    *c += fabsl(*s) >= fabsl(v) ? (*s - t) + v : (v - t) + *s;
    *s = t;
}

/* The mean and population variance of column j of ds (j = d: the target),
 * by two compensated passes. */
static void column_stats(const gd_dataset *ds, size_t j, long double *mean, long double *var)
{
    const size_t n = ds->n, d = ds->d;
    long double s = 0, c = 0;
    for (size_t i = 0; i < n; i++)
        sum_add(&s, &c, j < d ? ds->x[i * d + j] : ds->y[i]);
    *mean = (s + c) / n;
    s = c = 0;
    for (size_t i = 0; i < n; i++) {
        long double v = (j < d ? ds->x[i * d + j] : ds->y[i]) - *mean;
        sum_add(&s, &c, v * v);
    }
    *var = (s + c) / n;
}

/* gd_dataset_standardize against two-pass long double statistics: one
 * block of rows, and three blocks on one thread and on three (same bits).
 * The last column of every design is constant. */
static void test_standardize_wide(void **state)
{
    (void)state;
    const size_t counts[] = {5, 3 * 8192 + 3};
    for (size_t wi = 0; wi < NWIDTHS; wi++) {
        const size_t d = WIDTHS[wi];
        for (size_t c = 0; c < 2; c++) {
            const size_t n = counts[c];
            gd_dataset one = make_data(n, d, 2000 + d), three = make_data(n, d, 2000 + d);
            if (d > 1)
                for (size_t i = 0; i < n; i++)
                    one.x[i * d + d - 1] = three.x[i * d + d - 1] = 2.5;
            three.threads = 3;
            long double *mean = calloc(d + 1, sizeof *mean), *var = calloc(d + 1, sizeof *var);
            assert_true(mean != NULL && var != NULL);
            for (size_t j = 0; j <= d; j++)
                column_stats(&one, j, &mean[j], &var[j]);
            double *x0 = malloc(n * d * sizeof *x0);
            assert_non_null(x0);
            memcpy(x0, one.x, n * d * sizeof *x0);
            gd_scaling s1, s3;
            assert_int_equal(gd_dataset_standardize(&one, &s1, NULL), GD_OK);
            assert_int_equal(gd_dataset_standardize(&three, &s3, NULL), GD_OK);
            for (size_t j = 0; j < d; j++) {
                const int constant = d > 1 && j == d - 1;
                const double sd = (double)sqrtl(var[j]);
                assert_int_equal(s1.constant[j], constant);
                check_within(s1.x_mean[j], (double)mean[j], 1e-15 * fabs((double)mean[j]) + 1e-16,
                             d, n, "mean", j);
                check_within(s1.x_std[j], constant ? 1.0 : sd, 1e-14 * sd, d, n, "std", j);
                assert_same_bits(s3.x_mean[j], s1.x_mean[j], "mean, 3 vs 1 threads", j);
                assert_same_bits(s3.x_std[j], s1.x_std[j], "std, 3 vs 1 threads", j);
            }
            check_within(s1.y_mean, (double)mean[d], 1e-15 * fabs((double)mean[d]) + 1e-16, d,
                         n, "y mean", 0);
            check_within(s1.y_std, (double)sqrtl(var[d]), 1e-14 * s1.y_std, d, n, "y std", 0);
            for (size_t i = 0; i < n * d; i++) {
                const size_t j = i % d;
                const double z = d > 1 && j == d - 1
                                     ? 0.0
                                     : (double)((x0[i] - mean[j]) / sqrtl(var[j]));
                check_within(one.x[i], z, 1e-13 * (1 + fabs(z)), d, n, "z-score", j);
                assert_same_bits(three.x[i], one.x[i], "z-score, 3 vs 1 threads", i);
            }
            free(x0);
            free(mean);
            free(var);
            gd_scaling_free(&s1);
            gd_scaling_free(&s3);
            gd_dataset_free(&one);
            gd_dataset_free(&three);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_one_thread),
        cmocka_unit_test(test_loss_threads),
        cmocka_unit_test(test_loss_offset_batch),
        cmocka_unit_test(test_solve_wide),
        cmocka_unit_test(test_standardize_wide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
