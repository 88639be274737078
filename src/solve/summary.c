/*
 * summary: standard errors, t and p values, R^2 and the F test of a
 * least-squares fit, from the triangular factor of its design. See
 * summary.h for the method.
 */
#include "solve/summary.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/numformat.h"
#include "io/numparse.h"
#include "solve/dist.h"

void gd_fit_factor_free(gd_fit_factor *f)
{
    if (f == NULL)
        return;
    free(f->cols);
    free(f->r);
    memset(f, 0, sizeof *f);
}

void gd_summary_free(gd_summary *s)
{
    if (s == NULL)
        return;
    free(s->estimate);
    free(s->se);
    free(s->t);
    free(s->p);
    free(s->has_se);
    free(s->constant);
    gd_fit_factor_free(&s->factor);
    memset(s, 0, sizeof *s);
}

/* Solves R^T g = v for g in place (R: k x k upper triangular, row-major):
 * forward substitution, since R^T is lower triangular. */
static void solve_transposed(const double *r, size_t k, double *v)
{
    for (size_t i = 0; i < k; i++) {
        double acc = v[i];
        for (size_t j = 0; j < i; j++)
            acc -= r[j * k + i] * v[j];
        v[i] = acc / r[i * k + i];
    }
}

static double norm2(const double *v, size_t k)
{
    double scale = 0, sum = 1;
    for (size_t i = 0; i < k; i++) {
        double a = fabs(v[i]);
        if (a == 0)
            continue;
        if (a > scale) {
            sum = 1 + sum * (scale / a) * (scale / a);
            scale = a;
        } else {
            sum += (a / scale) * (a / scale);
        }
    }
    return scale * sqrt(sum);
}

/* The working state of the column-by-column factorization of [Z 1]. */
typedef struct triangulation {
    size_t p;       /* columns of [Z 1] */
    double *w;      /* (p, p) column-major: the columns, reflected as we go */
    double *house;  /* (p, p) column-major: Householder vector of kept column i
                       in rows i.. of column i */
    double *beta;   /* (p) their factors 2 / |v|^2 */
    size_t k;       /* kept so far */
    size_t *kept;   /* (p) their indices */
    double *nulls;  /* (p, p) column-major: one null vector per aliased column */
    size_t nnull;
    double *coef;   /* (p) scratch */
} triangulation;

/* Keeps column j of t->w (already reflected by the kept columns) if enough
 * of it is left below row k: reflects rows k.. onto row k. Otherwise it is
 * aliased: records the null vector e_j - sum c_i e_kept[i], R_KK c = w[0..k). */
static void take_column(triangulation *t, size_t j, double norm, double tol)
{
    size_t p = t->p, k = t->k;
    double *col = t->w + j * p;
    double rest = norm2(col + k, p - k);
    if (rest > tol * norm) {
        double *v = t->house + k * p;
        double alpha = col[k] >= 0 ? -rest : rest;
        memset(v, 0, p * sizeof *v);
        for (size_t i = k; i < p; i++)
            v[i] = col[i];
        v[k] -= alpha;
        double vv = 0;
        for (size_t i = k; i < p; i++)
            vv += v[i] * v[i];
        t->beta[k] = vv > 0 ? 2 / vv : 0;
        col[k] = alpha;
        for (size_t i = k + 1; i < p; i++)
            col[i] = 0;
        t->kept[t->k++] = j;
        return;
    }
    double *c = t->nulls + t->nnull * p;
    memset(c, 0, p * sizeof *c);
    double *coef = t->coef;
    for (size_t i = k; i-- > 0;) {
        double acc = col[i];
        for (size_t l = i + 1; l < k; l++)
            acc -= t->w[t->kept[l] * p + i] * coef[l];
        coef[i] = acc / t->w[t->kept[i] * p + i];
    }
    for (size_t i = 0; i < k; i++)
        c[t->kept[i]] = -coef[i];
    c[j] = 1;
    t->nnull++;
}

/* Applies the kept reflections to column j of t->w. */
static void reflect_column(triangulation *t, size_t j)
{
    size_t p = t->p;
    double *col = t->w + j * p;
    for (size_t h = 0; h < t->k; h++) {
        const double *v = t->house + h * p;
        double dot = 0;
        for (size_t i = h; i < p; i++)
            dot += v[i] * col[i];
        dot *= t->beta[h];
        for (size_t i = h; i < p; i++)
            col[i] -= dot * v[i];
    }
}

/* lambda (p) as a coefficient: estimable if orthogonal to every null
 * vector, within rounding. */
static int estimable(const triangulation *t, const double *lambda)
{
    size_t p = t->p;
    double ln = norm2(lambda, p);
    for (size_t v = 0; v < t->nnull; v++) {
        const double *nv = t->nulls + v * p;
        double dot = 0;
        for (size_t i = 0; i < p; i++)
            dot += lambda[i] * nv[i];
        if (fabs(dot) > 1e-8 * ln * norm2(nv, p))
            return 0;
    }
    return 1;
}

static gd_status triangulate(triangulation *t, const double *factor, size_t n,
                             const unsigned char *zero, gd_error *err)
{
    size_t p = t->p, q = p + 1;
    t->w = calloc(p * p, sizeof *t->w);
    t->house = calloc(p * p, sizeof *t->house);
    t->beta = calloc(p, sizeof *t->beta);
    t->kept = calloc(p, sizeof *t->kept);
    t->nulls = calloc(p * p, sizeof *t->nulls);
    t->coef = calloc(p, sizeof *t->coef);
    if (!t->w || !t->house || !t->beta || !t->kept || !t->nulls || !t->coef)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i <= j; i++)
            t->w[j * p + i] = factor[i * q + j];
    const double tol = DBL_EPSILON * fmax(10.0 * (double)p, sqrt((double)n));
    for (size_t j = 0; j < p; j++) {
        if (zero[j])
            continue;
        double norm = norm2(t->w + j * p, p);
        reflect_column(t, j);
        take_column(t, j, norm, tol);
    }
    return GD_OK;
}

static void triangulation_free(triangulation *t)
{
    free(t->w);
    free(t->house);
    free(t->beta);
    free(t->kept);
    free(t->nulls);
    free(t->coef);
}

/* The factor of the kept columns, k x k row-major, from the reflected
 * columns. */
static gd_status keep_factor(gd_fit_factor *f, const triangulation *t, size_t d,
                             gd_error *err)
{
    size_t k = t->k, p = t->p;
    f->d = d;
    f->k = k;
    f->cols = malloc((k ? k : 1) * sizeof *f->cols);
    f->r = calloc(k * k + 1, sizeof *f->r);
    if (!f->cols || !f->r)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t a = 0; a < k; a++) {
        f->cols[a] = t->kept[a];
        for (size_t i = 0; i <= a; i++)
            f->r[i * k + a] = t->w[t->kept[a] * p + i];
    }
    f->complete = t->nnull == 0;
    return GD_OK;
}

/* The standard error of lambda^T beta (lambda over the p columns of
 * [Z 1]; beta the coefficients of the standardized features for the target
 * in original units) from the kept factor: sqrt(sigma2) |R^-T lambda_K|.
 * work: k doubles. */
static double combination_se(const gd_fit_factor *f, const double *lambda, double *work)
{
    for (size_t a = 0; a < f->k; a++)
        work[a] = lambda[f->cols[a]];
    solve_transposed(f->r, f->k, work);
    return sqrt(f->sigma2) * norm2(work, f->k);
}

static gd_status summary_alloc(gd_summary *s, size_t p, gd_error *err)
{
    s->estimate = calloc(p, sizeof *s->estimate);
    s->se = calloc(p, sizeof *s->se);
    s->t = calloc(p, sizeof *s->t);
    s->p = calloc(p, sizeof *s->p);
    s->has_se = calloc(p, 1);
    s->constant = calloc(p, 1);
    if (!s->estimate || !s->se || !s->t || !s->p || !s->has_se || !s->constant)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return GD_OK;
}

/* The fit's overall numbers: sigma, R^2, adjusted R^2, F and its p. */
static void overall(gd_summary *s, const gd_model *m, double mse, double mse_const)
{
    double n = (double)s->n, y_std = m->scaling.y_std;
    s->df = n - (double)s->rank;
    s->sigma = s->df > 0 ? y_std * sqrt(n * mse / s->df) : NAN;
    s->factor.df = s->df;
    s->factor.sigma2 = s->sigma * s->sigma;
    int varies = mse_const > 0 && !m->scaling.y_constant;
    double unexplained = varies ? mse / mse_const : NAN; /* 1 - R^2, without cancelling */
    s->r2 = 1 - unexplained;
    s->adj_r2 = s->df > 0 ? 1 - unexplained * (n - 1) / s->df : NAN;
    s->f_df1 = (double)s->rank - 1;
    s->f = s->f_df1 > 0 && s->df > 0 ? (mse_const - mse) / mse * s->df / s->f_df1 : NAN;
    s->f_p = isnan(s->f) ? NAN : gd_f_sf(s->f, s->f_df1, s->df);
}

gd_status gd_summary_compute(gd_summary *s, const double *factor, size_t n,
                             const gd_model *m, double mse, double mse_const,
                             gd_error *err)
{
    memset(s, 0, sizeof *s);
    const size_t d = m->d, p = d + 1;
    s->n = n;
    s->d = d;
    triangulation t = {.p = p};
    double *lambda = malloc(2 * p * sizeof *lambda);
    unsigned char *zero = calloc(p, 1);
    gd_status st = summary_alloc(s, p, err);
    if (st == GD_OK && (lambda == NULL || zero == NULL))
        st = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    /* A constant feature's standardized column is exactly zero, and so is
     * its column of R. */
    for (size_t j = 0; st == GD_OK && j < d; j++) {
        zero[j] = 1;
        for (size_t i = 0; i <= j; i++)
            if (factor[i * (p + 1) + j] != 0)
                zero[j] = 0;
        s->constant[j] = zero[j];
    }
    if (st == GD_OK)
        st = triangulate(&t, factor, n, zero, err);
    if (st == GD_OK)
        st = keep_factor(&s->factor, &t, d, err);
    if (st != GD_OK)
        goto done;
    s->rank = t.k;
    overall(s, m, mse, mse_const);

    double *work = lambda + p;
    for (size_t i = 0; i < p; i++) {
        /* The coefficient as a combination of the standardized ones, over
         * y_std, which sigma (in original units) already carries. */
        memset(lambda, 0, p * sizeof *lambda);
        if (i < d) {
            lambda[i] = 1 / m->scaling.x_std[i];
        } else {
            lambda[d] = 1;
            for (size_t j = 0; j < d; j++)
                if (!zero[j])
                    lambda[j] = -m->scaling.x_mean[j] / m->scaling.x_std[j];
        }
        s->estimate[i] = i < d ? m->weights[i] : m->intercept;
        s->has_se[i] = !(i < d && zero[i]) && estimable(&t, lambda) && s->df > 0;
        if (s->has_se[i]) {
            s->se[i] = combination_se(&s->factor, lambda, work);
            s->t[i] = s->estimate[i] / s->se[i];
            s->p[i] = gd_t_pvalue(s->t[i], s->df);
        } else {
            s->se[i] = s->t[i] = s->p[i] = NAN;
        }
    }
done:
    triangulation_free(&t);
    free(lambda);
    free(zero);
    if (st != GD_OK)
        gd_summary_free(s);
    return st;
}

double gd_fit_factor_se(const gd_fit_factor *f, const gd_scaling *sc, const double *x,
                        double *work)
{
    assert(f->complete);
    for (size_t a = 0; a < f->k; a++) {
        size_t j = f->cols[a];
        work[a] = j == f->d ? 1.0 : (x[j] - sc->x_mean[j]) / sc->x_std[j];
    }
    solve_transposed(f->r, f->k, work);
    return sqrt(f->sigma2) * norm2(work, f->k);
}

/* Info lines: the factor's rows as "fit_factor_row_I" with the numbers of
 * row I from its diagonal on. */
gd_status gd_fit_factor_to_model(const gd_fit_factor *f, gd_model *m, gd_error *err)
{
    char key[64], num[GD_NUMFORMAT_SIZE];
    size_t cap = (GD_NUMFORMAT_SIZE + 1) * (f->k + 1);
    char *text = malloc(cap);
    if (text == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    gd_numformat(num, f->df);
    gd_status st = gd_model_set_info(m, "fit_df", num, err);
    if (!(f->df > 0)) { /* no residual variance to carry */
        free(text);
        return st;
    }
    gd_numformat(num, f->sigma2);
    if (st == GD_OK)
        st = gd_model_set_info(m, "fit_residual_variance", num, err);
    size_t len = 0;
    for (size_t a = 0; a < f->k; a++)
        len += (size_t)snprintf(text + len, cap - len, a ? " %zu" : "%zu", f->cols[a]);
    if (st == GD_OK)
        st = gd_model_set_info(m, "fit_factor_columns", f->complete ? text : "collinear",
                               err);
    for (size_t i = 0; st == GD_OK && f->complete && i < f->k; i++) {
        len = 0;
        for (size_t a = i; a < f->k; a++) {
            if (a > i)
                text[len++] = ' ';
            len += gd_numformat(text + len, f->r[i * f->k + a]);
        }
        snprintf(key, sizeof key, "fit_factor_row_%zu", i);
        st = gd_model_set_info(m, key, text, err);
    }
    free(text);
    return st;
}

/* Reads count numbers (size_t if cols != NULL, else double) from text. */
static int parse_numbers(const char *text, size_t count, size_t *cols, double *vals)
{
    const char *pos = text;
    for (size_t i = 0; i < count; i++) {
        char *end;
        if (cols != NULL) {
            unsigned long long v = strtoull(pos, &end, 10);
            cols[i] = (size_t)v;
        } else {
            /* gd_numparse, not strtod: the same in every locale. */
            while (*pos == ' ')
                pos++;
            end = (char *)pos;
            while (*end != ' ' && *end != '\0')
                end++;
            if (gd_numparse(pos, (size_t)(end - pos), &vals[i]) != GD_NUM_OK)
                return 0;
        }
        if (end == pos)
            return 0;
        pos = end;
    }
    while (*pos == ' ')
        pos++;
    return *pos == '\0';
}

static gd_status no_intervals(gd_error *err, const char *why)
{
    return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                        "this model cannot give intervals: %s", why);
}

gd_status gd_fit_factor_from_model(gd_fit_factor *f, const gd_model *m, gd_error *err)
{
    memset(f, 0, sizeof *f);
    const char *df = gd_model_get_info(m, "fit_df");
    const char *var = gd_model_get_info(m, "fit_residual_variance");
    const char *cols = gd_model_get_info(m, "fit_factor_columns");
    if (cols != NULL && strcmp(cols, "too-many-features") == 0)
        return no_intervals(err, "the fit has too many features for its model file to "
                                 "carry the factor R (more than 1000)");
    if (df != NULL && strcmp(df, "0") == 0)
        return no_intervals(err, "the fit has no residual degrees of freedom (as many "
                                 "coefficients as rows)");
    if (df == NULL || var == NULL || cols == NULL)
        return no_intervals(err, "it carries no fit statistics (fit_ info lines): it "
                                 "was written by 'gdtrain train', or by an older "
                                 "gdtrain; 'gdtrain solve' without --l2 writes them");
    if (strcmp(cols, "collinear") == 0)
        return no_intervals(err, "its features are collinear, so a prediction has no "
                                 "unique standard error");
    size_t k = 0;
    for (const char *c = cols; *c; c++)
        k += (c == cols || c[-1] == ' ') && *c != ' ';
    f->d = m->d;
    f->k = k;
    f->cols = malloc((k ? k : 1) * sizeof *f->cols);
    f->r = calloc(k * k + 1, sizeof *f->r);
    if (!f->cols || !f->r)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    int ok = parse_numbers(df, 1, NULL, &f->df) && parse_numbers(var, 1, NULL, &f->sigma2) &&
             parse_numbers(cols, k, f->cols, NULL) && k >= 1 && k <= m->d + 1;
    for (size_t a = 0; ok && a < k; a++)
        ok = f->cols[a] <= m->d && (a == 0 || f->cols[a] > f->cols[a - 1]);
    for (size_t i = 0; ok && i < k; i++) {
        char key[64];
        snprintf(key, sizeof key, "fit_factor_row_%zu", i);
        const char *row = gd_model_get_info(m, key);
        ok = row != NULL && parse_numbers(row, k - i, NULL, f->r + i * k + i) &&
             f->r[i * k + i] != 0;
    }
    if (!ok) {
        gd_fit_factor_free(f);
        return no_intervals(err, "its fit_ info lines are incomplete or malformed");
    }
    /* Only complete factors are saved: every kept column but constant ones. */
    f->complete = 1;
    if (!(f->df > 0) || !(f->sigma2 >= 0)) {
        gd_fit_factor_free(f);
        return no_intervals(err, "the fit has no residual degrees of freedom");
    }
    return GD_OK;
}
