/*
 * summary: the statistics of an ordinary least-squares fit, as R's
 * summary(lm) gives them, and the intervals of its predictions.
 *
 * Everything comes from the triangular factor R of the design A = [Z 1]
 * (Z the standardized features, as the fit used them; R^T R = A^T A), never
 * from A^T A itself: the covariance of the standardized coefficients is
 * sigma^2 (A^T A)^-1 = sigma^2 R^-1 R^-T, so the variance of any linear
 * combination lambda^T beta is sigma^2 |R^-T lambda|^2, a forward
 * substitution and a sum of squares. The coefficients in original units
 * are such combinations (weight j: e_j / x_std_j; intercept: e_1 -
 * sum_j x_mean_j / x_std_j e_j; all times y_std), and so is a prediction.
 *
 * Columns that carry no information: a constant feature (its standardized
 * column is all zero) is left out, as the model leaves it out (weight 0);
 * its weight has no standard error and the others are unaffected. A
 * feature that is a combination of earlier ones (numerically: less than
 * eps * max(10 p, sqrt(n)) of its norm is left once the earlier columns are
 * projected out) is aliased: the data cannot tell its coefficient apart,
 * and neither can they tell apart any coefficient that the dependency
 * involves (any lambda with lambda . v != 0 for a null vector v of A). Such
 * coefficients get no standard error; the rest get the one of the model
 * without the aliased columns, which is theirs too.
 */
#ifndef GDTRAIN_SOLVE_SUMMARY_H
#define GDTRAIN_SOLVE_SUMMARY_H

#include <stddef.h>

#include "gdtrain/dataset.h"
#include "gdtrain/error.h"
#include "gdtrain/model.h"

/* What a model needs for intervals: the factor of its kept columns, the
 * residual variance and its degrees of freedom. */
typedef struct gd_fit_factor {
    size_t d;      /* features of the model */
    size_t k;      /* columns of [Z 1] kept */
    size_t *cols;  /* (k) their indices, ascending; d stands for the intercept */
    double *r;     /* (k, k) row-major, upper triangular: R of the kept columns */
    double df;     /* residual degrees of freedom, n - k */
    double sigma2; /* residual variance, target units squared */
    int complete;  /* 1 if only constant columns were left out, so that every
                      prediction has a standard error */
} gd_fit_factor;

/* The summary(lm) table and the fit's overall statistics. */
typedef struct gd_summary {
    size_t n;          /* rows */
    size_t d;          /* features */
    size_t rank;       /* columns kept (the intercept included) */
    double df;         /* residual degrees of freedom, n - rank */
    double sigma;      /* residual standard error (original units); NaN if df = 0 */
    double r2;         /* 1 - SSE / SST; NaN for a constant target */
    double adj_r2;     /* 1 - (1 - r2) (n - 1) / df */
    double f;          /* F statistic against the intercept-only model */
    double f_df1;      /* rank - 1 */
    double f_p;        /* P(F(f_df1, df) > f); NaN when either df is 0 */
    /* (d + 1) each: the d weights in the model's feature order, then the
     * intercept. se, t and p are NaN where has_se is 0. */
    double *estimate;
    double *se;
    double *t;
    double *p;
    unsigned char *has_se;
    unsigned char *constant; /* (d + 1) 1 for a constant feature's weight */
    gd_fit_factor factor;
} gd_summary;

/* Computes the summary of a least-squares fit. factor is R of [Z 1 y] from
 * gd_solve_dataset_factor on the standardized dataset ((d+2)^2 doubles); m
 * the fitted model (its original-unit estimates and its scaling); mse and
 * mse_const the fit's MSE and the target's population variance on the
 * standardized data (gd_solve_info). Fills *s (allocates; free with
 * gd_summary_free). GD_ERR_NOMEM when out of memory, with *s safe to free. */
gd_status gd_summary_compute(gd_summary *s, const double *factor, size_t n,
                             const gd_model *m, double mse, double mse_const,
                             gd_error *err);

/* Frees what *s holds and zeroes it. Accepts a zeroed struct. */
void gd_summary_free(gd_summary *s);

/* Adds the factor's info lines to the model: "fit_df",
 * "fit_residual_variance", "fit_factor_columns" (the kept columns' indices,
 * d for the intercept; "collinear" for a factor that is not complete, which
 * is not saved) and "fit_factor_row_I" (row I of R from its diagonal on);
 * only "fit_df" when the fit has no residual degrees of freedom.
 * GD_ERR_NOMEM when out of memory. */
gd_status gd_fit_factor_to_model(const gd_fit_factor *f, gd_model *m, gd_error *err);

/* Reads the factor back from a loaded model's info lines. If the model has
 * none, or they are unusable, returns GD_ERR_DATA with a message saying
 * why the model cannot give intervals (a model from 'gdtrain train', from
 * an older gdtrain, a collinear fit). *f is safe to free either way. */
gd_status gd_fit_factor_from_model(gd_fit_factor *f, const gd_model *m, gd_error *err);

/* Frees what *f holds and zeroes it. Accepts a zeroed struct. */
void gd_fit_factor_free(gd_fit_factor *f);

/* The standard error of the fitted mean at the row x (original units, the
 * model's feature order): sqrt(sigma2) |R^-T a| with a the kept part of
 * [(x - x_mean) / x_std, 1] (a constant feature, weight 0, adds nothing).
 * f must be complete. work: room for f->k doubles. Cannot fail. */
double gd_fit_factor_se(const gd_fit_factor *f, const gd_scaling *sc, const double *x,
                        double *work);

#endif
