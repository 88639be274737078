/*
 * Tests for gen, the synthetic house-price generator.
 *
 * The expected values come from data/README.md (columns, ranges, the true
 * coefficients, the noise), written out here by hand, not read from the
 * code under test; the statistical checks use a least-squares solver of this
 * file's own and tolerances derived from the standard errors of the fit.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/gen.h"
#include "testutil.h"

/* ---- What data/README.md documents ---- */

#define NCOL 8 /* columns, the last one is the target */
#define NFEAT 7

static const char HEADER[] =
    "area_sqm,age_years,bedrooms,bathrooms,distance_km,lot_sqm,garage,price\n";

/* The format each column is written in (as printf would write it). */
static const char *const COL_FORMAT[NCOL] = {
    "%.1f", "%.0f", "%.0f", "%.0f", "%.2f", "%.0f", "%.0f", "%.0f",
};

/* The documented ranges of each column, inclusive. */
static const double COL_MIN[NCOL] = {25.0, 0, 1, 1, 0.2, 1, 0, 20000};
static const double COL_MAX[NCOL] = {600.0, 120, 8, 5, 60.0, 50000, 2, 1e7};

static const double DOC_INTERCEPT = 150000.0;
static const double DOC_COEF[NFEAT] = {1500.0, -800.0, -3000.0, 9000.0,
                                       -2500.0, 30.0,  8000.0};
static const double DOC_NOISE_STD = 30000.0; /* before truncation */
static const double DOC_NOISE_LIMIT = 4.0;   /* truncated at +-4 sigma */
static const double DOC_MIN_CORR_AREA_BEDROOMS = 0.8;

/* Standard deviation of the noise after truncation to +-c sigma:
 * Var = sigma^2 (1 - 2 c phi(c) / (2 Phi(c) - 1)). */
static double truncated_noise_std(void)
{
    double c = DOC_NOISE_LIMIT;
    double phi = exp(-0.5 * c * c) / sqrt(2.0 * 3.14159265358979323846);
    double mass = erf(c / sqrt(2.0)); /* 2 Phi(c) - 1 */
    return DOC_NOISE_STD * sqrt(1.0 - 2.0 * c * phi / mass);
}

/* ---- Helpers ---- */

/* Runs the generator into memory; returns the text (caller frees). */
static char *gen_text(size_t rows, uint64_t seed, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    assert_non_null(f);
    gd_error err;
    gd_error_clear(&err);
    assert_int_equal(gd_gen_write(f, "<memory>", rows, seed, &err), GD_OK);
    assert_int_equal(err.status, GD_OK);
    assert_int_equal(fclose(f), 0);
    *len = size;
    return buf;
}


/* Parses generator output back with strtod into x (rows x NCOL, row-major,
 * allocated here). Checks the header, that every row has NCOL fields, that
 * each field is exactly what printf writes for the parsed value in the
 * documented format (this checks gen's own number formatter), and that the
 * whole-number columns are whole numbers. */
static double *parse_table(const char *text, size_t len, size_t rows)
{
    size_t hlen = strlen(HEADER);
    assert_true(len >= hlen);
    assert_memory_equal(text, HEADER, hlen);
    double *x = malloc((rows > 0 ? rows : 1) * NCOL * sizeof *x);
    assert_non_null(x);
    const char *p = text + hlen;
    const char *end = text + len;
    for (size_t i = 0; i < rows; i++) {
        for (int j = 0; j < NCOL; j++) {
            assert_true(p < end);
            char *stop;
            double v = strtod(p, &stop);
            if (stop == p || stop >= end || *stop != (j < NCOL - 1 ? ',' : '\n'))
                fail_msg("row %zu, field %d: bad field or separator", i + 1, j + 1);
            char again[64];
            int n = snprintf(again, sizeof again, COL_FORMAT[j], v);
            if (n != (int)(stop - p) || memcmp(again, p, (size_t)n) != 0)
                fail_msg("row %zu, field %d: wrote \"%.*s\", printf writes \"%s\"",
                         i + 1, j + 1, (int)(stop - p), p, again);
            x[i * NCOL + j] = v;
            p = stop + 1;
        }
    }
    assert_ptr_equal(p, end); /* nothing after the last row */
    return x;
}

static double row_mean(const double *row)
{
    double mu = DOC_INTERCEPT;
    for (int j = 0; j < NFEAT; j++)
        mu += DOC_COEF[j] * row[j];
    return mu;
}

static double correlation(const double *x, size_t n, int a, int b)
{
    double ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        ma += x[i * NCOL + a];
        mb += x[i * NCOL + b];
    }
    ma /= (double)n;
    mb /= (double)n;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        double da = x[i * NCOL + a] - ma, db = x[i * NCOL + b] - mb;
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    return sab / sqrt(saa * sbb);
}

/* ---- A small least-squares solver, independent of the project's ---- */

typedef struct fit {
    double intercept;
    double coef[NFEAT];
    double se_intercept; /* standard errors, from the residual std */
    double se[NFEAT];
    double sigma; /* residual std, sqrt(RSS / (n - NCOL)) */
    double r2;
} fit;

/* Cholesky factor L (lower, in place) of the k x k positive definite a. */
static void cholesky(double *a, int k)
{
    for (int j = 0; j < k; j++) {
        double d = a[j * k + j];
        for (int m = 0; m < j; m++)
            d -= a[j * k + m] * a[j * k + m];
        assert_true(d > 0.0);
        a[j * k + j] = sqrt(d);
        for (int i = j + 1; i < k; i++) {
            double s = a[i * k + j];
            for (int m = 0; m < j; m++)
                s -= a[i * k + m] * a[j * k + m];
            a[i * k + j] = s / a[j * k + j];
        }
    }
}

/* Solves L L^T z = b in place. */
static void cholesky_solve(const double *l, int k, double *b)
{
    for (int i = 0; i < k; i++) {
        for (int m = 0; m < i; m++)
            b[i] -= l[i * k + m] * b[m];
        b[i] /= l[i * k + i];
    }
    for (int i = k - 1; i >= 0; i--) {
        for (int m = i + 1; m < k; m++)
            b[i] -= l[m * k + i] * b[m];
        b[i] /= l[i * k + i];
    }
}

/* Ordinary least squares of column NCOL-1 on columns 0..NFEAT-1 plus an
 * intercept: normal equations of the centred columns, scaled to unit
 * diagonal (so the 7 x 7 system is well conditioned), solved by Cholesky.
 * Standard errors: sigma_hat sqrt(diag((Xc^T Xc)^-1)), and for the intercept
 * sigma_hat sqrt(1/n + mean^T (Xc^T Xc)^-1 mean). */
static void ols(const double *x, size_t n, fit *out)
{
    double mean[NCOL] = {0};
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < NCOL; j++)
            mean[j] += x[i * NCOL + j];
    for (int j = 0; j < NCOL; j++)
        mean[j] /= (double)n;

    double a[NFEAT * NFEAT] = {0}, c[NFEAT] = {0}, syy = 0;
    for (size_t i = 0; i < n; i++) {
        double d[NCOL];
        for (int j = 0; j < NCOL; j++)
            d[j] = x[i * NCOL + j] - mean[j];
        for (int j = 0; j < NFEAT; j++) {
            for (int k = 0; k <= j; k++)
                a[j * NFEAT + k] += d[j] * d[k];
            c[j] += d[j] * d[NCOL - 1];
        }
        syy += d[NCOL - 1] * d[NCOL - 1];
    }
    double scale[NFEAT];
    for (int j = 0; j < NFEAT; j++)
        scale[j] = sqrt(a[j * NFEAT + j]);
    for (int j = 0; j < NFEAT; j++)
        for (int k = 0; k <= j; k++) {
            a[j * NFEAT + k] /= scale[j] * scale[k];
            a[k * NFEAT + j] = a[j * NFEAT + k];
        }
    cholesky(a, NFEAT);

    double g[NFEAT];
    for (int j = 0; j < NFEAT; j++)
        g[j] = c[j] / scale[j];
    cholesky_solve(a, NFEAT, g);
    out->intercept = mean[NCOL - 1];
    for (int j = 0; j < NFEAT; j++) {
        out->coef[j] = g[j] / scale[j];
        out->intercept -= out->coef[j] * mean[j];
    }

    double rss = 0;
    for (size_t i = 0; i < n; i++) {
        double r = x[i * NCOL + NCOL - 1] - out->intercept;
        for (int j = 0; j < NFEAT; j++)
            r -= out->coef[j] * x[i * NCOL + j];
        rss += r * r;
    }
    out->sigma = sqrt(rss / (double)(n - NCOL));
    out->r2 = 1.0 - rss / syy;

    /* inv = (Xc^T Xc)^-1 = D^-1 S^-1 D^-1, column by column. */
    double inv[NFEAT * NFEAT];
    for (int k = 0; k < NFEAT; k++) {
        double e[NFEAT] = {0};
        e[k] = 1.0;
        cholesky_solve(a, NFEAT, e);
        for (int j = 0; j < NFEAT; j++)
            inv[j * NFEAT + k] = e[j] / (scale[j] * scale[k]);
    }
    double q = 0;
    for (int j = 0; j < NFEAT; j++) {
        out->se[j] = out->sigma * sqrt(inv[j * NFEAT + j]);
        for (int k = 0; k < NFEAT; k++)
            q += mean[j] * inv[j * NFEAT + k] * mean[k];
    }
    out->se_intercept = out->sigma * sqrt(1.0 / (double)n + q);
}

/* The solver on an exact problem (no noise): it must give back the
 * coefficients it was built from, and a zero residual. */
static void test_solver_exact(void **state)
{
    (void)state;
    enum { N = 60 };
    static const double b0 = 7.0, b[NFEAT] = {2.0, -3.0, 0.5, 11.0, -0.25, 4.0, 1.0};
    double x[N * NCOL];
    for (int i = 0; i < N; i++) {
        double *row = x + i * NCOL;
        row[0] = i;
        row[1] = (i * i) % 17;
        row[2] = (i * 7) % 11;
        row[3] = (i % 5) * (i % 3);
        row[4] = (i * 13) % 23 - 10;
        row[5] = 1000.0 + (i * i * i) % 29;
        row[6] = i % 2;
        double y = b0;
        for (int j = 0; j < NFEAT; j++)
            y += b[j] * row[j];
        row[NCOL - 1] = y;
    }
    fit f;
    ols(x, N, &f);
    assert_close_abs(f.intercept, b0, 1e-8);
    for (int j = 0; j < NFEAT; j++)
        assert_close_abs(f.coef[j], b[j], 1e-10);
    assert_true(f.sigma < 1e-9);
}

/* ---- The tests ---- */

static void test_columns_and_coefficients(void **state)
{
    (void)state;
    assert_int_equal(gd_gen_ncolumns, NCOL);
    char header[128] = "";
    for (size_t j = 0; j < gd_gen_ncolumns; j++) {
        strcat(header, gd_gen_columns[j]);
        strcat(header, j + 1 < gd_gen_ncolumns ? "," : "\n");
    }
    assert_string_equal(header, HEADER);
    assert_true(gd_gen_true_intercept == DOC_INTERCEPT);
    for (int j = 0; j < NFEAT; j++)
        assert_true(gd_gen_true_coef[j] == DOC_COEF[j]);
}

static void test_header_only(void **state)
{
    (void)state;
    size_t len;
    char *text = gen_text(0, 42, &len);
    assert_int_equal(len, strlen(HEADER));
    assert_memory_equal(text, HEADER, len);
    free(text);
}

static void test_deterministic(void **state)
{
    (void)state;
    size_t len1, len2, len3, len4;
    char *a = gen_text(3000, 42, &len1);
    char *b = gen_text(3000, 42, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(a, b, len1);

    /* A shorter run is a prefix of a longer one with the same seed. */
    char *c = gen_text(100, 42, &len3);
    assert_true(len3 < len1);
    assert_memory_equal(a, c, len3);

    /* Other seeds give other rows (already the first one). */
    static const uint64_t seeds[] = {43, 0, 1, UINT64_MAX};
    size_t hlen = strlen(HEADER);
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        char *d = gen_text(3000, seeds[s], &len4);
        const char *eol = strchr(a + hlen, '\n');
        assert_non_null(eol);
        size_t first = (size_t)(eol - a) + 1;
        assert_true(len4 > first);
        assert_true(memcmp(a + hlen, d + hlen, first - hlen) != 0);
        free(d);
    }
    free(a);
    free(b);
    free(c);
}

/* The file in the repository is what `gdtrain gen --rows 2000 --seed 42`
 * writes. If this fails after a deliberate change to the generator,
 * regenerate data/houses.csv and update data/README.md. */
static void test_shipped_file(void **state)
{
    (void)state;
    size_t len_file, len_gen;
    char *file = read_all(GDTRAIN_SOURCE_DIR "/data/houses.csv", &len_file);
    char *gen = gen_text(2000, 42, &len_gen);
    assert_int_equal(len_file, len_gen);
    assert_memory_equal(file, gen, len_gen);
    free(file);
    free(gen);
}

/* Every field parses, is written as printf writes it, and is in its
 * documented range; documented relations between columns hold. */
static void test_rows_in_range(void **state)
{
    (void)state;
    enum { ROWS = 20000 };
    size_t len;
    char *text = gen_text(ROWS, 7, &len);
    double *x = parse_table(text, len, ROWS);
    double max_noise = DOC_NOISE_LIMIT * DOC_NOISE_STD + 0.5; /* + rounding */
    int seen_garage[3] = {0};
    for (size_t i = 0; i < ROWS; i++) {
        const double *row = x + i * NCOL;
        for (int j = 0; j < NCOL; j++) {
            if (!(row[j] >= COL_MIN[j] && row[j] <= COL_MAX[j]))
                fail_msg("row %zu: %s = %g outside [%g, %g]", i + 1,
                         gd_gen_columns[j], row[j], COL_MIN[j], COL_MAX[j]);
        }
        /* The lot is at least half the area (rounded to whole m^2). */
        assert_true(row[5] >= floor(0.5 * row[0]));
        /* The noise is truncated: the price is within 4 sigma (+ the
         * rounding to whole units) of the noise-free price of the row as
         * written. */
        if (!(fabs(row[7] - row_mean(row)) <= max_noise))
            fail_msg("row %zu: price %.0f is %.0f from its mean", i + 1, row[7],
                     row[7] - row_mean(row));
        seen_garage[(int)row[6]]++;
    }
    for (int g = 0; g < 3; g++)
        assert_true(seen_garage[g] > ROWS / 10);

    double r_area_bed = correlation(x, ROWS, 0, 2);
    assert_true(r_area_bed > DOC_MIN_CORR_AREA_BEDROOMS);
    /* The teaching point of data/README.md: bedrooms go with price on their
     * own, though their coefficient given the area is negative. */
    assert_true(correlation(x, ROWS, 2, 7) > 0.5);
    assert_true(DOC_COEF[2] < 0.0);
    free(x);
    free(text);
}

/* Tolerance of the fits: each estimate minus the truth, divided by its
 * standard error, is N(0, 1) under the documented model (the noise is
 * independent of the features and has mean zero; a sum of 200,000 such terms
 * is normal to far better than needed). Allowing 5 standard errors, a
 * correct generator fails for a given seed with probability below
 * 8 x 5.7e-7 < 5e-6. On 200,000 rows the area's standard error is about
 * 2.7 per m^2, so an area coefficient off by 1% (15 per m^2) is caught. */
#define Z_MAX 5.0

static void check_fit(const fit *f)
{
    double z = (f->intercept - DOC_INTERCEPT) / f->se_intercept;
    if (!(fabs(z) <= Z_MAX))
        fail_msg("intercept %.2f vs %.2f: %.2f standard errors", f->intercept,
                 DOC_INTERCEPT, z);
    for (int j = 0; j < NFEAT; j++) {
        z = (f->coef[j] - DOC_COEF[j]) / f->se[j];
        if (!(fabs(z) <= Z_MAX))
            fail_msg("%s: %.4f vs %.4f: %.2f standard errors (se %.4f)",
                     gd_gen_columns[j], f->coef[j], DOC_COEF[j], z, f->se[j]);
    }
}

/* On 200,000 rows parsed back from the text, least squares recovers the
 * true coefficients and the noise level. */
static void test_fit_recovers_truth(void **state)
{
    (void)state;
    enum { ROWS = 200000 };
    size_t len;
    char *text = gen_text(ROWS, 2024, &len);
    double *x = parse_table(text, len, ROWS);
    fit f;
    ols(x, ROWS, &f);
    check_fit(&f);

    /* The area coefficient's standard error: about 2.7 per m^2 (the README
     * quotes ~2.7 for 200,000 rows); a gross change would show here. */
    assert_true(f.se[0] > 1.5 && f.se[0] < 4.0);

    /* The residual std estimates the truncated noise's std. Its standard
     * error is about sigma / sqrt(2 n) (slightly less: the truncated noise
     * has lighter tails than a normal); allow 5 of them. */
    double sigma = truncated_noise_std();
    double se_sigma = sigma / sqrt(2.0 * ROWS);
    assert_close_abs(f.sigma, sigma, Z_MAX * se_sigma);

    /* R^2 as documented: about 0.88, within [0.85, 0.90]. */
    assert_true(f.r2 > 0.85 && f.r2 < 0.90);
    free(x);
    free(text);
}

/* The fit on the shipped 2,000 rows is off by sampling noise only. */
static void test_fit_shipped_file(void **state)
{
    (void)state;
    size_t len;
    char *text = read_all(GDTRAIN_SOURCE_DIR "/data/houses.csv", &len);
    double *x = parse_table(text, len, 2000);
    fit f;
    ols(x, 2000, &f);
    check_fit(&f);
    free(x);
    free(text);
}

/* Write errors are reported as GD_ERR_IO with the stream's name. */
static void test_write_error(void **state)
{
    (void)state;
    gd_error err;

    /* A stream opened for reading: fwrite fails. */
    const char *path = write_temp_file("", 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    gd_error_clear(&err);
    assert_int_equal(gd_gen_write(f, "readonly.csv", 10, 1, &err), GD_ERR_IO);
    assert_int_equal(err.status, GD_ERR_IO);
    assert_string_equal(err.file, "readonly.csv");
    assert_non_null(strstr(err.message, "cannot write"));
    fclose(f);

    /* A full device: fails in a buffer flush, or in the final fflush for a
     * header-only table. */
    static const size_t rows[] = {0, 100000};
    for (size_t k = 0; k < 2; k++) {
        f = fopen("/dev/full", "w");
        if (f == NULL)
            continue; /* not Linux-like: the case above covers it */
        gd_error_clear(&err);
        assert_int_equal(gd_gen_write(f, "/dev/full", rows[k], 1, &err),
                         GD_ERR_IO);
        assert_string_equal(err.file, "/dev/full");
        assert_non_null(strstr(err.message, "cannot write"));
        fclose(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_solver_exact),
        cmocka_unit_test(test_columns_and_coefficients),
        cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_shipped_file),
        cmocka_unit_test(test_rows_in_range),
        cmocka_unit_test(test_fit_recovers_truth),
        cmocka_unit_test(test_fit_shipped_file),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
