/*
 * dist: the Student t and F distributions, for the statistics of a fit
 * (p values of coefficients and of the F test, confidence and prediction
 * intervals).
 *
 * Everything rests on the regularized incomplete beta function
 *     I_x(a, b) = B(x; a, b) / B(a, b),
 * evaluated by its continued fraction (modified Lentz), on the side of the
 * distribution's mean where the fraction converges fast; the other side
 * comes from I_x(a, b) = 1 - I_{1-x}(b, a). Both I and 1 - I are returned,
 * each computed directly when it is the smaller, so a tail probability of
 * 1e-200 keeps its relative accuracy instead of vanishing in 1 - (1 - p).
 * The factor x^a (1-x)^b / B(a, b) in front of the fraction is evaluated
 * without forming the huge terms that cancel in it (Stirling's series with
 * log1p(t) - t by its own series; this library's own log-gamma, so results
 * are the same on every platform and need no libm lgamma, which is not
 * thread-safe).
 *
 * Accuracy, checked against 60-digit arithmetic (tests/data/dist_reference.csv,
 * made by tests/dist_reference.py): relative error below 1e-12 for the
 * probabilities and quantiles over its grid: degrees of freedom from 0.5 to
 * 1e5, |t| up to 1e5, F up to 1e4, probabilities down to 1e-300. A tail
 * below the smallest double comes back as 0. The t quantile of a tail so
 * small that df / t^2 would be below the smallest double (t beyond about
 * 1e150 sqrt(df)) comes back as an infinity.
 *
 * None of these functions fail or allocate; a parameter out of range (a
 * degree of freedom that is not > 0 and finite, a probability outside
 * [0, 1], a NaN) gives NaN.
 */
#ifndef GDTRAIN_SOLVE_DIST_H
#define GDTRAIN_SOLVE_DIST_H

/* I_x(a, b) into *p and 1 - I_x(a, b) into *q, for a, b > 0 and
 * 0 <= x <= 1. The caller passes y = 1 - x as well, computed without
 * rounding where it can (for the t and F distributions it comes from the
 * same ratio), because 1 - x in doubles loses the digits of a small y. */
void gd_beta_inc(double a, double b, double x, double y, double *p, double *q);

/* log Gamma(z) for z > 0 (NaN otherwise), to about 1e-14 absolute for
 * z <= 10 and 1e-15 relative above. */
double gd_log_gamma(double z);

/* Student t with df degrees of freedom: P(T <= t), P(T > t), and the two-
 * sided p value P(|T| >= |t|). */
double gd_t_cdf(double t, double df);
double gd_t_sf(double t, double df);
double gd_t_pvalue(double t, double df);

/* The t with P(T <= t) = p; -inf for p = 0, inf for p = 1. */
double gd_t_quantile(double p, double df);

/* F with d1 and d2 degrees of freedom, f >= 0: P(F <= f) and P(F > f). */
double gd_f_cdf(double f, double d1, double d2);
double gd_f_sf(double f, double d1, double d2);

/* The f with P(F <= f) = p; inf for p = 1. */
double gd_f_quantile(double p, double d1, double d2);

#endif
