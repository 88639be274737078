/*
 * dist: the incomplete beta function and the t and F distributions built on
 * it. See dist.h for what is computed and how accurately.
 *
 * References for the formulas (the code is ours): the continued fraction of
 * I_x(a, b) and its convergence region, Abramowitz and Stegun 26.5.8 and
 * Numerical Recipes 6.4; the modified Lentz method, Thompson and Barnett
 * (1986); Stirling's series for log Gamma, A&S 6.1.40; the root finder,
 * Brent, "Algorithms for Minimization without Derivatives" (1973), ch. 4.
 */
#include "solve/dist.h"

#include <float.h>
#include <math.h>

#define LOG_SQRT_2PI 0.91893853320467274178 /* log(2 pi) / 2 */

/* Below this argument log Gamma is reached by recurrence; at and above it
 * Stirling's series (seven terms) is exact to a rounding. */
#define STIRLING_MIN 10.0

/* log Gamma(z) - Stirling's approximation, for z >= STIRLING_MIN: the series
 * 1/(12 z) - 1/(360 z^3) + ... of Bernoulli numbers B_2k / (2k (2k-1) z^(2k-1)). */
static double stirling_delta(double z)
{
    static const double coef[] = {
        1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360360, 1.0 / 156,
    };
    double r = 1 / (z * z), sum = 0;
    for (int k = (int)(sizeof coef / sizeof coef[0]) - 1; k >= 0; k--)
        sum = sum * r + coef[k];
    return sum / z;
}

double gd_log_gamma(double z)
{
    if (!(z > 0) || isinf(z))
        return z == INFINITY ? INFINITY : NAN;
    /* Gamma(z) = Gamma(z + k) / (z (z + 1) ... (z + k - 1)). */
    double prod = 1;
    while (z < STIRLING_MIN) {
        prod *= z;
        z += 1;
    }
    return (z - 0.5) * log(z) - z + LOG_SQRT_2PI + stirling_delta(z) - log(prod);
}

/* log(1 + t) - t for t >= -1, without the cancellation of the two terms
 * near 0: with s = t / (2 + t), log(1 + t) = 2 atanh(s) = 2 (s + s^3/3 +
 * s^5/5 + ...) and t - 2 s = s t, so log(1 + t) - t = s (2 sum_{k>=1}
 * s^(2k) / (2k + 1) - t), all terms of one sign. |s| <= 1/3 on [-1/2, 1]. */
static double log1pmx(double t)
{
    if (t < -0.5 || t > 1)
        return log1p(t) - t;
    double s = t / (2 + t), s2 = s * s, power = s2, sum = 0;
    for (int k = 1; k < 60 && power > 1e-18 * sum; k++) {
        sum += power / (2 * k + 1);
        power *= s2;
    }
    return s * (2 * sum - t);
}

/* log(b^b e^-b / Gamma(b)), the part of the front factor that is b's alone. */
static double log_b_part(double b)
{
    if (b >= STIRLING_MIN)
        return 0.5 * log(b) - LOG_SQRT_2PI - stirling_delta(b);
    return b * log(b) - b - gd_log_gamma(b);
}

/* a L(t) for L = log1pmx, where 1 + t = r is also given, computed from x or
 * y directly: when t is near -1 (r small), t has lost r's digits, and
 * log(r) - t keeps them. */
static double scaled_log1pmx(double a, double t, double r)
{
    return t < -0.5 ? a * (log(r) - t) : a * log1pmx(t);
}

/* log(x^a y^b / B(a, b)), y = 1 - x. With one parameter large, the terms
 * a log x and log B(a, b) are huge and nearly cancel; written around the
 * mean x0 = a / (a + b) with u = (a + b) x - a = b - (a + b) y, the exponent
 * is a L(u/a) + b L(-u/b) plus small terms (L = log1pmx), and the only
 * rounding that grows with a is that of u, taken from the smaller of x, y. */
static double log_front(double a, double b, double x, double y)
{
    if (a < STIRLING_MIN && b < STIRLING_MIN) {
        double lx = x < 0.5 ? log(x) : log1p(-y);
        double ly = y < 0.5 ? log(y) : log1p(-x);
        return a * lx + b * ly - (gd_log_gamma(a) + gd_log_gamma(b) - gd_log_gamma(a + b));
    }
    if (a < b) { /* symmetric: put the large parameter first */
        double t = a;
        a = b;
        b = t;
        t = x;
        x = y;
        y = t;
    }
    double u = x <= y ? (a + b) * x - a : b - (a + b) * y;
    return scaled_log1pmx(a, u / a, (a + b) * x / a) +
           scaled_log1pmx(b, -u / b, (a + b) * y / b) + log_b_part(b) -
           0.5 * log1p(b / a) - stirling_delta(a) + stirling_delta(a + b);
}

/* s * x exactly, as hi + lo (Dekker's product, from plain double
 * operations, so that it does not depend on an FMA instruction). */
static void exact_product(double s, double x, double *hi, double *lo)
{
    const double split = 134217729.0; /* 2^27 + 1 */
    double t = split * s, sh = t - (t - s), sl = s - sh;
    t = split * x;
    double xh = t - (t - x), xl = x - xh;
    *hi = s * x;
    *lo = ((sh * xh - *hi) + sh * xl + sl * xh) + sl * xl;
}

/* The continued fraction of a I_x(a, b) / front (A&S 26.5.8):
 *     1 / (1 + d_1 / (1 + d_2 / (1 + ...))),  d_1 = -(a + b) x / (a + 1),
 *     d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)),
 *     d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
 * which converges quickly for x < (a + 1) / (a + b + 2). Near that bound
 * 1 + d_1 nearly cancels (with many degrees of freedom it is 1e-5), so the
 * tail g = d_2 / (1 + d_3 / ...) is found on its own, by the modified Lentz
 * method, and the value is (1 + g) / ((1 + d_1) + g) with 1 + d_1 =
 * ((a + 1) - (a + b) x) / (a + 1) from the exact product (a + b) x. */
static double beta_fraction(double a, double b, double x)
{
    const double tiny = 1e-300;
    double f = tiny, c = tiny, d = 0;
    for (int k = 2; k < 200000; k++) {
        int m = k / 2;
        double coef = k % 2 == 0
                          ? m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
                          : -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
        d = 1 + coef * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + coef / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double change = c * d;
        f *= change;
        if (fabs(change - 1) <= DBL_EPSILON)
            break;
    }
    double hi, lo;
    exact_product(a + b, x, &hi, &lo);
    double first = (((a + 1) - hi) - lo) / (a + 1);
    return (1 + f) / (first + f);
}

void gd_beta_inc(double a, double b, double x, double y, double *p, double *q)
{
    if (!(a > 0) || !(b > 0) || isinf(a) || isinf(b) || !(x >= 0) || !(y >= 0) ||
        !(x <= 1) || !(y <= 1)) {
        *p = *q = NAN;
        return;
    }
    if (x == 0 || y == 0) {
        *p = x == 0 ? 0 : 1;
        *q = 1 - *p;
        return;
    }
    double front = exp(log_front(a, b, x, y));
    if (x * (a + b + 2) < a + 1) {
        *p = front * beta_fraction(a, b, x) / a;
        *q = 1 - *p;
    } else {
        *q = front * beta_fraction(b, a, y) / b;
        *p = 1 - *q;
    }
}

static int bad_df(double df)
{
    return !(df > 0) || isinf(df);
}

/* For t >= 0: *two = P(|T| >= t) and *inner = P(|T| < t), each directly.
 * x = df / (df + t^2) is formed without t^2 for large t, which would
 * overflow above 1e154. */
static void t_tails(double t, double df, double *two, double *inner)
{
    double x, y;
    if (t > 1) {
        double r = df / t / t;
        x = r / (1 + r);
        y = 1 / (1 + r);
    } else {
        double t2 = t * t, den = df + t2;
        x = df / den;
        y = t2 / den;
    }
    gd_beta_inc(df / 2, 0.5, x, y, two, inner);
}

double gd_t_sf(double t, double df)
{
    if (isnan(t) || bad_df(df))
        return NAN;
    double two, inner;
    t_tails(fabs(t), df, &two, &inner);
    return t >= 0 ? 0.5 * two : 0.5 + 0.5 * inner;
}

double gd_t_cdf(double t, double df)
{
    return gd_t_sf(-t, df);
}

double gd_t_pvalue(double t, double df)
{
    if (isnan(t) || bad_df(df))
        return NAN;
    double two, inner;
    t_tails(fabs(t), df, &two, &inner);
    return two;
}

/* Brent's root finder on [a, b], where f(a) and f(b) differ in sign: a mix
 * of bisection, secant and inverse quadratic steps that keeps the root
 * bracketed, to a relative width of about 4 ulp. */
static double find_root(double (*f)(double, const void *), const void *ctx, double a,
                        double b, double fa, double fb)
{
    double c = a, fc = fa, d = b - a, e = d;
    for (int iter = 0; iter < 300; iter++) {
        if ((fb > 0) == (fc > 0)) {
            c = a;
            fc = fa;
            d = e = b - a;
        }
        if (fabs(fc) < fabs(fb)) { /* b is the best guess so far */
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        double tol = 2 * DBL_EPSILON * fabs(b) + DBL_MIN;
        double m = 0.5 * (c - b);
        if (fabs(m) <= tol || fb == 0)
            return b;
        if (fabs(e) < tol || fabs(fa) <= fabs(fb)) {
            d = e = m;
        } else {
            double s = fb / fa, p, q;
            if (a == c) {
                p = 2 * m * s;
                q = 1 - s;
            } else {
                double qa = fa / fc, r = fb / fc;
                p = s * (2 * m * qa * (qa - r) - (b - a) * (r - 1));
                q = (qa - 1) * (r - 1) * (s - 1);
            }
            if (p > 0)
                q = -q;
            else
                p = -p;
            if (2 * p < fmin(3 * m * q - fabs(tol * q), fabs(e * q))) {
                e = d;
                d = p / q;
            } else {
                d = e = m;
            }
        }
        a = b;
        fa = fb;
        b += fabs(d) > tol ? d : (m > 0 ? tol : -tol);
        fb = f(b, ctx);
    }
    return b;
}

/* What a quantile search solves: the distribution's tail (or the mass
 * between its center and s) at s, against a target probability. Written as
 * a ratio minus one for tails, so that a tail of 1e-300 is matched to its
 * relative accuracy. */
typedef struct quantile_goal {
    double (*prob)(double s, const double *par); /* decreasing or increasing in s */
    double par[2];                               /* degrees of freedom */
    double target;
    int ratio; /* 1: prob / target - 1; 0: prob - target */
} quantile_goal;

static double goal_value(double s, const void *ctx)
{
    const quantile_goal *g = ctx;
    double v = g->prob(s, g->par);
    return g->ratio ? v / g->target - 1 : v - g->target;
}

/* The s >= 0 where the goal's function changes sign, its value at 0 being
 * f0; the bracket grows by doubling from 1. inf if none below DBL_MAX. */
static double solve_goal(const quantile_goal *g)
{
    double lo = 0, flo = goal_value(0, g), hi = 1, fhi = goal_value(1, g);
    while ((fhi > 0) == (flo > 0) && fhi != 0) {
        if (hi > DBL_MAX / 2)
            return INFINITY;
        lo = hi;
        flo = fhi;
        hi *= 2;
        fhi = goal_value(hi, g);
    }
    return fhi == 0 ? hi : find_root(goal_value, g, lo, hi, flo, fhi);
}

static double t_upper(double t, const double *par)
{
    double two, inner;
    t_tails(t, par[0], &two, &inner);
    return 0.5 * two;
}

static double t_center(double t, const double *par)
{
    double two, inner;
    t_tails(t, par[0], &two, &inner);
    return 0.5 * inner;
}

double gd_t_quantile(double p, double df)
{
    if (!(p >= 0) || !(p <= 1) || bad_df(df))
        return NAN;
    if (p == 0 || p == 1)
        return p == 0 ? -INFINITY : INFINITY;
    if (p == 0.5)
        return 0;
    /* The upper tail q of |t|: exact, since 1 - p is exact for p >= 1/2. */
    double q = p < 0.5 ? p : 1 - p;
    quantile_goal g = {.par = {df, 0}};
    if (q < 0.25) {
        g.prob = t_upper;
        g.target = q;
        g.ratio = 1;
    } else {
        /* Near the center, match P(0 < T <= t) to 1/2 - q (exact here). */
        g.prob = t_center;
        g.target = 0.5 - q;
        g.ratio = 0;
    }
    double t = solve_goal(&g);
    return p < 0.5 ? -t : t;
}

/* For f >= 0: *upper = P(F > f) and *lower = P(F <= f), each directly. */
static void f_tails(double f, double d1, double d2, double *upper, double *lower)
{
    double den = d2 + d1 * f;
    gd_beta_inc(d2 / 2, d1 / 2, d2 / den, d1 * f / den, upper, lower);
}

/* P(F > f) if upper, else P(F <= f). */
static double f_prob(double f, double d1, double d2, int upper)
{
    if (isnan(f) || bad_df(d1) || bad_df(d2))
        return NAN;
    if (f <= 0)
        return upper ? 1 : 0;
    double up, low;
    f_tails(f, d1, d2, &up, &low);
    return upper ? up : low;
}

double gd_f_sf(double f, double d1, double d2)
{
    return f_prob(f, d1, d2, 1);
}

double gd_f_cdf(double f, double d1, double d2)
{
    return f_prob(f, d1, d2, 0);
}

static double f_upper(double f, const double *par)
{
    return f_prob(f, par[0], par[1], 1);
}

static double f_lower(double f, const double *par)
{
    return f_prob(f, par[0], par[1], 0);
}

double gd_f_quantile(double p, double d1, double d2)
{
    if (!(p >= 0) || !(p <= 1) || bad_df(d1) || bad_df(d2))
        return NAN;
    if (p == 0 || p == 1)
        return p == 0 ? 0 : INFINITY;
    quantile_goal g = {.par = {d1, d2}, .ratio = 1};
    if (p <= 0.5) {
        g.prob = f_lower;
        g.target = p;
    } else {
        g.prob = f_upper;
        g.target = 1 - p;
    }
    return solve_goal(&g);
}
