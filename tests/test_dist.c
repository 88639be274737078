/*
 * Tests of dist: the t and F distributions and the incomplete beta function
 * against 60-digit reference values (tests/data/dist_reference.csv, made by
 * tests/dist_reference.py with mpmath, by other formulas than the
 * program's: a hypergeometric series and root finding of its own).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "solve/dist.h"
#include "testutil.h"

/* The accuracy promised in dist.h. */
#define REL_TOL 1e-12

static double evaluate(const char *kind, double a, double b, double c)
{
    if (strcmp(kind, "t_sf") == 0)
        return gd_t_sf(a, b);
    if (strcmp(kind, "t_cdf") == 0)
        return gd_t_cdf(a, b);
    if (strcmp(kind, "t_pvalue") == 0)
        return gd_t_pvalue(a, b);
    if (strcmp(kind, "t_quantile") == 0)
        return gd_t_quantile(a, b);
    if (strcmp(kind, "f_sf") == 0)
        return gd_f_sf(a, b, c);
    if (strcmp(kind, "f_cdf") == 0)
        return gd_f_cdf(a, b, c);
    if (strcmp(kind, "f_quantile") == 0)
        return gd_f_quantile(a, b, c);
    if (strcmp(kind, "log_gamma") == 0)
        return gd_log_gamma(a);
    if (strcmp(kind, "beta_inc") == 0) {
        double p, q;
        gd_beta_inc(a, b, c, 1 - c, &p, &q);
        return p;
    }
    fail_msg("unknown kind '%s' in the reference file", kind);
    return NAN;
}

static void test_reference_values(void **state)
{
    (void)state;
    FILE *fp = fopen(GDTRAIN_TEST_DATA "/dist_reference.csv", "r");
    assert_non_null(fp);
    char line[512];
    assert_non_null(fgets(line, sizeof line, fp)); /* header */
    int checked = 0, underflow = 0, bad = 0;
    double worst = 0;
    char worst_line[512] = "";
    while (fgets(line, sizeof line, fp) != NULL) {
        char kind[32];
        double a, b, c, want;
        assert_int_equal(sscanf(line, "%31[^,],%lf,%lf,%lf,%lf", kind, &a, &b, &c, &want), 5);
        double got = evaluate(kind, a, b, c);
        int is_log_gamma = strcmp(kind, "log_gamma") == 0;
        if (fabs(want) < 0x1p-1022 && !is_log_gamma) {
            /* Below the normal doubles: 0 or a subnormal will do. */
            if (!(fabs(got) < 0x1p-1000)) {
                printf("not tiny: %s -> %.17g\n", line, got);
                bad++;
            }
            underflow++;
            continue;
        }
        /* log Gamma near its zeros at 1 and 2 is promised to 1e-14
         * absolute (the test's limit is looser). */
        double err = is_log_gamma && fabs(want) < 1
                         ? fabs(got - want)
                         : fabs(got - want) / fabs(want);
        if (!(err <= REL_TOL)) {
            printf("off by %.3g: %s   got %.17g\n", err, line, got);
            bad++;
        }
        if (err > worst) {
            worst = err;
            snprintf(worst_line, sizeof worst_line, "%s", line);
        }
        checked++;
    }
    fclose(fp);
    printf("%d reference values within %.0e (worst %.3g: %s), %d below the doubles\n",
           checked, REL_TOL, worst, worst_line, underflow);
    assert_true(checked > 1000);
    assert_int_equal(bad, 0);
}

/* Identities that hold exactly or nearly, over a grid the reference file
 * does not cover. */
static void test_identities(void **state)
{
    (void)state;
    const double dfs[] = {0.7, 1, 4, 25, 2500};
    for (size_t i = 0; i < sizeof dfs / sizeof dfs[0]; i++) {
        double df = dfs[i];
        for (double t = -40; t <= 40; t += 0.37) {
            assert_close_rel(gd_t_cdf(t, df), gd_t_sf(-t, df), 1e-15);
            assert_close_rel(gd_t_cdf(t, df) + gd_t_sf(t, df), 1, 1e-15);
            /* Round trips where p holds t's digits: in the lower half a
             * tail is stored to its own relative precision; near p = 1 its
             * rounding would move t by more than the tolerance. */
            double p = gd_t_cdf(t, df);
            if (t <= 0 && p > 1e-300)
                assert_close_rel(gd_t_quantile(p, df), t, 1e-11);
            /* t^2 with df degrees of freedom is F(1, df). */
            assert_close_rel(gd_f_sf(t * t, 1, df), gd_t_pvalue(t, df), 1e-12);
        }
        for (double f = 0.01; f < 100; f *= 1.7) {
            double p = gd_f_cdf(f, 3, df);
            if (p <= 0.5)
                assert_close_rel(gd_f_quantile(p, 3, df), f, 1e-11);
            /* 1/F(d1, d2) is F(d2, d1). */
            assert_close_rel(gd_f_sf(f, 3, df), gd_f_cdf(1 / f, df, 3), 1e-12);
        }
    }
    /* Cauchy (df = 1): P(T > t) = 1/2 - atan(t)/pi. */
    for (double t = 0.1; t < 1e6; t *= 3)
        assert_close_rel(gd_t_sf(t, 1), 0.5 - atan(t) / 3.14159265358979323846, 1e-14 * (1 + t * t));
}

static void test_edges(void **state)
{
    (void)state;
    assert_true(isnan(gd_t_sf(1, 0)));
    assert_true(isnan(gd_t_sf(1, -1)));
    assert_true(isnan(gd_t_sf(1, INFINITY)));
    assert_true(isnan(gd_t_sf(NAN, 3)));
    assert_true(isnan(gd_t_quantile(1.5, 3)));
    assert_true(isnan(gd_f_sf(1, 2, 0)));
    assert_true(isnan(gd_log_gamma(0)));
    assert_true(gd_t_quantile(0, 3) == -INFINITY);
    assert_true(gd_t_quantile(1, 3) == INFINITY);
    assert_true(gd_t_quantile(0.5, 3) == 0);
    assert_true(gd_t_sf(0, 3) == 0.5);
    assert_true(gd_t_pvalue(0, 3) == 1);
    assert_true(gd_t_sf(INFINITY, 3) == 0);
    assert_true(gd_t_sf(-INFINITY, 3) == 1);
    assert_true(gd_f_sf(0, 2, 3) == 1);
    assert_true(gd_f_cdf(0, 2, 3) == 0);
    assert_true(gd_f_quantile(0, 2, 3) == 0);
    double p, q;
    gd_beta_inc(2, 3, 0, 1, &p, &q);
    assert_true(p == 0 && q == 1);
    gd_beta_inc(2, 3, 1, 0, &p, &q);
    assert_true(p == 1 && q == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_values),
        cmocka_unit_test(test_identities),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
