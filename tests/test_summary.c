/*
 * Tests of summary: standard errors, t and p values, R^2 and F of a
 * least-squares fit against NIST StRD Longley's certified values and
 * against 50-digit references (tests/data/summary_reference.csv, made by
 * tests/summary_reference.py with mpmath from the data's decimal text);
 * and the factor a model file carries for intervals.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gdtrain/dataset.h"
#include "gdtrain/model.h"
#include "gdtrain/solve.h"
#include "solve/summary.h"
#include "testutil.h"

/* Standard errors and R^2 to 1e-9 relative; p values to 1e-9. */
#define TOL 1e-9

typedef struct fitted {
    gd_dataset ds;
    gd_scaling sc;
    gd_model model;
    gd_summary sm;
} fitted;

/* Loads csv (target: the last column), fits it as 'gdtrain solve' does
 * and computes the summary. */
static void fit(fitted *f, const char *path)
{
    memset(f, 0, sizeof *f);
    gd_error err;
    gd_load_options lo = {.path = path, .delimiter = ',', .need_target = 1, .threads = 1};
    assert_int_equal(gd_dataset_load(&f->ds, &lo, &err), GD_OK);
    assert_int_equal(gd_dataset_standardize(&f->ds, &f->sc, &err), GD_OK);
    size_t d = f->ds.d;
    double *params = malloc((d + 1) * sizeof *params);
    double *factor = malloc((d + 2) * (d + 2) * sizeof *factor);
    assert_non_null(params);
    assert_non_null(factor);
    gd_solve_info info;
    assert_int_equal(gd_solve_dataset_factor(&f->ds, params, &info, factor, &err), GD_OK);
    assert_int_equal(gd_model_init(&f->model, d, f->ds.target_name,
                                   (const char *const *)f->ds.feature_names, &err), GD_OK);
    assert_int_equal(gd_model_set_scaling(&f->model, &f->sc, &err), GD_OK);
    gd_model_set_params(&f->model, params);
    assert_int_equal(gd_summary_compute(&f->sm, factor, f->ds.n, &f->model, info.mse,
                                        info.mse_const, &err), GD_OK);
    free(params);
    free(factor);
}

static void fitted_free(fitted *f)
{
    gd_summary_free(&f->sm);
    gd_model_free(&f->model);
    gd_scaling_free(&f->sc);
    gd_dataset_free(&f->ds);
}

/* Index of coefficient name in the summary (d = the intercept). */
static size_t coef_index(const fitted *f, const char *name)
{
    if (strcmp(name, "(Intercept)") == 0)
        return f->model.d;
    for (size_t j = 0; j < f->model.d; j++)
        if (strcmp(f->model.features[j], name) == 0)
            return j;
    fail_msg("no coefficient '%s'", name);
    return 0;
}

/* Longley's data lines (61 to 76 of the .dat: y x1 .. x6) as a CSV file. */
static const char *longley_csv(void)
{
    FILE *fp = fopen(GDTRAIN_TEST_DATA "/nist/Longley.dat", "r");
    assert_non_null(fp);
    static char csv[4096];
    size_t len = (size_t)snprintf(csv, sizeof csv, "x1,x2,x3,x4,x5,x6,y\n");
    char line[256];
    for (int lineno = 1; fgets(line, sizeof line, fp) != NULL; lineno++) {
        if (lineno < 61 || lineno > 76)
            continue;
        double v[7];
        assert_int_equal(sscanf(line, "%lf %lf %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2],
                                &v[3], &v[4], &v[5], &v[6]), 7);
        len += (size_t)snprintf(csv + len, sizeof csv - len, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n",
                                v[1], v[2], v[3], v[4], v[5], v[6], v[0]);
    }
    fclose(fp);
    return write_temp_file(csv, len);
}

/* NIST StRD Longley: certified standard errors, residual standard
 * deviation, R^2 and F (www.itl.nist.gov/div898/strd/lls/data/Longley.shtml). */
static void test_longley_certified(void **state)
{
    (void)state;
    static const struct { const char *name; double est, se; } cert[] = {
        {"(Intercept)", -3482258.63459582, 890420.383607373},
        {"x1", 15.0618722713733, 84.9149257747669},
        {"x2", -0.358191792925910E-01, 0.334910077722432E-01},
        {"x3", -2.02022980381683, 0.488399681651699},
        {"x4", -1.03322686717359, 0.214274163161675},
        {"x5", -0.511041056535807E-01, 0.226073200069370},
        {"x6", 1829.15146461355, 455.478499142212},
    };
    fitted f;
    fit(&f, longley_csv());
    for (size_t i = 0; i < sizeof cert / sizeof cert[0]; i++) {
        size_t k = coef_index(&f, cert[i].name);
        assert_true(f.sm.has_se[k]);
        assert_close_rel(f.sm.estimate[k], cert[i].est, TOL);
        assert_close_rel(f.sm.se[k], cert[i].se, TOL);
        assert_close_rel(f.sm.t[k], cert[i].est / cert[i].se, TOL);
    }
    assert_close_rel(f.sm.sigma, 304.854073561965, TOL);
    assert_close_rel(f.sm.r2, 0.995479004577296, TOL);
    assert_close_rel(f.sm.f, 330.285339234588, TOL);
    assert_true(f.sm.df == 9 && f.sm.f_df1 == 6 && f.sm.rank == 7);
    /* Adjusted R^2 from the certified sums of squares: 1 - (SSR/9) / (SST/15). */
    double ssr = 836424.055505915, sst = 836424.055505915 + 184172401.944494;
    assert_close_rel(f.sm.adj_r2, 1 - (ssr / 9) / (sst / 15), TOL);
    fitted_free(&f);
}

/* Compares p values with the reference's, to 1e-9 relative or absolute,
 * whichever is looser. */
static void check_p(double got, double want, const char *what)
{
    double tol = TOL * fmax(1, fabs(want));
    if (want < 0x1p-1022) {
        assert_true(got < 0x1p-1000);
        return;
    }
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: p value %.17g, reference %.17g", what, got, want);
}

/* Runs the reference rows of case through check (each row once). */
static int reference_rows(const char *which, fitted *f,
                          void (*check)(fitted *, const char *, const double *))
{
    FILE *fp = fopen(GDTRAIN_TEST_DATA "/summary_reference.csv", "r");
    assert_non_null(fp);
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        char c[64], name[64];
        double v[4];
        if (sscanf(line, "%63[^,],%63[^,],%lf,%lf,%lf,%lf", c, name, &v[0], &v[1], &v[2],
                   &v[3]) != 6 || strcmp(c, which) != 0)
            continue;
        check(f, name, v);
        rows++;
    }
    fclose(fp);
    return rows;
}

static void check_longley_p(fitted *f, const char *name, const double *v)
{
    if (strcmp(name, "(fit_p)") == 0) {
        check_p(f->sm.f_p, v[0], "F");
        return;
    }
    check_p(f->sm.p[coef_index(f, name)], v[3], name);
}

static void test_longley_p_values(void **state)
{
    (void)state;
    fitted f;
    fit(&f, longley_csv());
    assert_int_equal(reference_rows("longley_p", &f, check_longley_p), 8);
    fitted_free(&f);
}

static void check_fit(fitted *f, const char *name, const double *v)
{
    if (strcmp(name, "(fit)") == 0) {
        assert_close_rel(f->sm.sigma, v[0], TOL);
        assert_close_rel(f->sm.r2, v[1], TOL);
        assert_close_rel(f->sm.adj_r2, v[2], TOL);
        assert_close_rel(f->sm.f, v[3], TOL);
    } else if (strcmp(name, "(fit_p)") == 0) {
        check_p(f->sm.f_p, v[0], "F");
        assert_true(f->sm.df == v[1] && f->sm.f_df1 == v[2]);
    } else {
        size_t k = coef_index(f, name);
        assert_true(f->sm.has_se[k]);
        assert_close_rel(f->sm.estimate[k], v[0], TOL);
        assert_close_rel(f->sm.se[k], v[1], TOL);
        assert_close_rel(f->sm.t[k], v[2], TOL);
        check_p(f->sm.p[k], v[3], name);
    }
}

static void test_houses(void **state)
{
    (void)state;
    fitted f;
    fit(&f, GDTRAIN_SOURCE_DIR "/data/houses.csv");
    assert_int_equal(reference_rows("houses", &f, check_fit), 10);
    assert_true(f.sm.factor.complete);
    fitted_free(&f);
}

/* houses.csv with area2 = 2 * area_sqm and a constant column. */
static const char *collinear_csv(void)
{
    size_t len;
    char *text = read_all(GDTRAIN_SOURCE_DIR "/data/houses.csv", &len);
    size_t cap = len * 2 + 4096, out = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    char *save = NULL;
    int first = 1;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *comma = strchr(line, ',');
        assert_non_null(comma);
        if (first) {
            out += (size_t)snprintf(csv + out, cap - out, "area2,const,%s\n", line);
            first = 0;
            continue;
        }
        /* 2 * a decimal, written exactly: the double of its value. */
        double area = strtod(line, NULL);
        out += (size_t)snprintf(csv + out, cap - out, "%.17g,5,%s\n", 2 * area, line);
    }
    const char *path = write_temp_file(csv, out);
    free(csv);
    free(text);
    return path;
}

static void test_collinear(void **state)
{
    (void)state;
    fitted f;
    fit(&f, collinear_csv());
    /* The reference holds the fit without area2 and the constant: every
     * coefficient but area_sqm's. */
    assert_int_equal(reference_rows("houses_collinear", &f, check_fit), 9);
    size_t area = coef_index(&f, "area_sqm"), area2 = coef_index(&f, "area2"),
           cst = coef_index(&f, "const");
    assert_false(f.sm.has_se[area]);
    assert_false(f.sm.has_se[area2]);
    assert_false(f.sm.has_se[cst]);
    assert_true(f.sm.constant[cst]);
    assert_false(f.sm.constant[area2]);
    assert_true(isnan(f.sm.se[area2]) && isnan(f.sm.p[area2]));
    assert_false(f.sm.factor.complete);
    fitted_free(&f);
}

/* The factor survives the model file, and a model without it says why. */
static void test_factor_in_model(void **state)
{
    (void)state;
    fitted f;
    fit(&f, GDTRAIN_SOURCE_DIR "/data/houses.csv");
    gd_error err;
    assert_int_equal(gd_fit_factor_to_model(&f.sm.factor, &f.model, &err), GD_OK);
    const char *path = temp_path("m.model");
    assert_int_equal(gd_model_save(&f.model, path, &err), GD_OK);
    gd_model back = {0};
    assert_int_equal(gd_model_load(&back, path, &err), GD_OK);
    gd_fit_factor ff;
    assert_int_equal(gd_fit_factor_from_model(&ff, &back, &err), GD_OK);
    assert_int_equal(ff.k, f.sm.factor.k);
    assert_true(ff.df == f.sm.factor.df && ff.sigma2 == f.sm.factor.sigma2);
    assert_memory_equal(ff.r, f.sm.factor.r, ff.k * ff.k * sizeof *ff.r);
    /* The intercept's standard error is that of the fit at x = 0. */
    double x0[7] = {0}, work[8];
    assert_close_rel(gd_fit_factor_se(&ff, &back.scaling, x0, work),
                     f.sm.se[f.model.d], 1e-12);
    gd_fit_factor_free(&ff);
    gd_model_free(&back);

    gd_model plain = {0};
    assert_int_equal(gd_model_init(&plain, 1, "y", (const char *const[]){"x"}, &err), GD_OK);
    assert_int_equal(gd_fit_factor_from_model(&ff, &plain, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "cannot give intervals"));
    assert_non_null(strstr(err.message, "gdtrain train"));
    gd_fit_factor_free(&ff);
    gd_model_free(&plain);
    fitted_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_longley_certified),
        cmocka_unit_test(test_longley_p_values),
        cmocka_unit_test(test_houses),
        cmocka_unit_test(test_collinear),
        cmocka_unit_test(test_factor_in_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
