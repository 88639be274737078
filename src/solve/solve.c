/*
 * solve: exact least squares by streaming Householder QR, with rank
 * detection, minimum-norm solutions, ridge rows and iterative refinement in
 * doubled precision. See include/gdtrain/solve.h for the method.
 *
 * Layout: the factor R of [A y] is (q, q) row-major with q = p + 1, only its
 * upper triangle used; the y column is column p. The block buffer holds up
 * to GD_SOLVE_BLOCK rows of [A y] column by column (leading dimension
 * GD_SOLVE_BLOCK), so every Householder update runs over contiguous memory.
 *
 * Numerics references: Golub & Van Loan, "Matrix Computations", 5.2 (QR),
 * 5.4 (column pivoting, complete orthogonal decomposition); Bjorck,
 * "Numerical Methods for Least Squares Problems", 2.9 (refinement); Ogita,
 * Rump & Oishi, "Accurate sum and dot product" (2005) for the error-free
 * transformations TwoSum and TwoProduct (Dekker's splitting, no FMA).
 */
#include "gdtrain/solve.h"

#include "data/stream.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/share.h"

/* The error-free transformations need every double operation rounded to
 * double: true with SSE2 or any FLT_EVAL_METHOD 0 target, and with
 * -ffp-contract=off (no fused multiply-add behind our back). */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0 && FLT_EVAL_METHOD != -1
#warning "solve.c: FLT_EVAL_METHOD != 0, the doubled-precision passes lose accuracy"
#endif

#define BLOCK GD_SOLVE_BLOCK

/* Automatic refinement: when the first-order error estimate of the QR
 * solution, eps * cond * (1 + cond * |r| / (|T| |D x|)), exceeds this,
 * refine with at most AUTO_REFINE_STEPS corrections. */
#define AUTO_REFINE_ERR 1e-13
#define AUTO_REFINE_STEPS 4

/* ---------------------------------------------------------------------------
 * Error-free transformations (no FMA): a + b = s + e and a * b = p + e
 * exactly, for finite results without overflow.
 */

static inline void two_sum(double a, double b, double *s, double *e)
{
    double x = a + b;
    double z = x - a;
    *e = (a - (x - z)) + (b - z);
    *s = x;
}

/* Veltkamp's split: a = hi + lo with hi, lo of 26 significant bits.
 * Needs |a| < ~2^996. */
static inline void split(double a, double *hi, double *lo)
{
    double c = 134217729.0 * a; /* 2^27 + 1 */
    double h = c - (c - a);
    *hi = h;
    *lo = a - h;
}

/* Dekker's product with b already split into bh + bl. */
static inline void two_prod_split(double a, double b, double bh, double bl,
                                  double *p, double *e)
{
    double ah, al;
    double x = a * b;
    split(a, &ah, &al);
    *e = ((ah * bh - x) + ah * bl + al * bh) + al * bl;
    *p = x;
}

static inline void two_prod(double a, double b, double *p, double *e)
{
    double bh, bl;
    split(b, &bh, &bl);
    two_prod_split(a, b, bh, bl, p, e);
}

/* ---------------------------------------------------------------------------
 * Householder reflections on contiguous vectors.
 */

static double dot(const double *a, const double *b, size_t m)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= m; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < m; i++)
        s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

/* Makes the reflection H = I - tau [1; v][1; v]^T that maps [alpha; x]
 * (x: m entries, overwritten by v) to [beta; 0], and returns tau (0 when
 * x is already zero: H = I, alpha unchanged). *alpha becomes beta. A NaN or
 * infinite entry makes *alpha NaN. */
static double house_make(double *alpha, double *x, size_t m)
{
    const double tiny = DBL_MIN / DBL_EPSILON;
    const double big = DBL_MAX / 8.0;
    double a = *alpha;
    if (!isfinite(a)) {
        *alpha = NAN;
        return 0.0;
    }
    double sigma = dot(x, x, m);
    double nrm;
    if (sigma >= tiny && sigma <= big && fabs(a) <= 1e150) {
        nrm = sqrt(a * a + sigma);
    } else {
        /* Zero, tiny, huge or non-finite: scale by the largest entry. */
        double scale = fabs(a);
        for (size_t i = 0; i < m; i++) {
            double t = fabs(x[i]);
            if (!(t <= scale)) /* also takes a NaN */
                scale = t;
        }
        if (scale == 0.0)
            return 0.0;
        if (!isfinite(scale)) {
            *alpha = NAN;
            return 0.0;
        }
        double s = 0.0;
        for (size_t i = 0; i < m; i++) {
            double t = x[i] / scale;
            s += t * t;
        }
        if (s == 0.0)
            return 0.0; /* nothing below alpha */
        double t = a / scale;
        nrm = scale * sqrt(t * t + s);
    }
    double beta = -copysign(nrm, a);
    double scal = 1.0 / (a - beta);
    for (size_t i = 0; i < m; i++)
        x[i] *= scal;
    *alpha = beta;
    return (beta - a) / beta;
}

/* w -= s v. Unrolled so that compilers pair the lanes even without
 * loop vectorization (gcc -O2). */
static void axpy_neg(double s, const double *restrict v, double *restrict w, size_t m)
{
    size_t i = 0;
    for (; i + 4 <= m; i += 4) {
        w[i] -= s * v[i];
        w[i + 1] -= s * v[i + 1];
        w[i + 2] -= s * v[i + 2];
        w[i + 3] -= s * v[i + 3];
    }
    for (; i < m; i++)
        w[i] -= s * v[i];
}

/* Applies H (tau, v of m entries) to the vector [*w0; w]; w and v do not
 * overlap. */
static void house_apply(double tau, const double *v, size_t m, double *w0, double *w)
{
    if (tau == 0.0)
        return;
    double s = tau * (*w0 + dot(v, w, m));
    *w0 -= s;
    axpy_neg(s, v, w, m);
}

/* Folds m rows (block b, column-major with leading dimension ld, q columns)
 * into the (q, q) upper-triangular r: the QR of [r; b]. b is destroyed. */
static void tsqr_fold(double *r, size_t q, double *b, size_t ld, size_t m)
{
    for (size_t j = 0; j < q; j++) {
        double *v = b + j * ld;
        double tau = house_make(&r[j * q + j], v, m);
        for (size_t c = j + 1; c < q; c++)
            house_apply(tau, v, m, &r[j * q + c], b + c * ld);
    }
}

/* ---------------------------------------------------------------------------
 * The solver state.
 */

typedef struct solver {
    const gd_solve_source *src;
    size_t nc;         /* source columns */
    size_t p;          /* coefficients */
    size_t q;          /* p + 1 */
    int intercept;
    double *blk;       /* (q, BLOCK) column-major */
    double *r;         /* (q, q) row-major factor of [A y] */
    /* post-processing, on the small factor */
    size_t pa;         /* active (not all-zero) columns */
    size_t *active;    /* (p) active column indices, ascending */
    double *d;         /* (p) power-of-two column scales, active index space */
    size_t *perm;      /* (p) pivot order: position k holds active index perm[k] */
    double *w;         /* (p, p) column-major: the scaled pivoted factor T */
    double *c;         /* (p) Q^T y rows of the factor */
    size_t rank;
    /* scratch for passes */
    double *rh, *rl;   /* (BLOCK) residual, doubled precision */
    double *xs_h, *xs_l; /* (p) split coefficients */
    unsigned char *pen;  /* (p) 1 = column penalized by l2 */
    double *x, *g, *dx, *tmp; /* (p) each, one block: the solution, the
                                 gradient, a correction, scratch */
    double *fold;      /* (2 p + 2) a data pass's sums, handed between parts */
    /* what the stages find */
    double rho;        /* |residual| read from the factor */
    double objective;  /* the penalized sum of squares from the factor */
    double cond;       /* condition number of the scaled factor */
    double norm_t;     /* its norm */
} solver;

static void read_block(solver *s, size_t first, size_t count)
{
    s->src->read(s->src->ctx, first, count, s->blk, BLOCK, s->blk + s->p * BLOCK);
    if (s->intercept) {
        double *one = s->blk + s->nc * BLOCK;
        for (size_t i = 0; i < count; i++)
            one[i] = 1.0;
    }
}

static void solver_free(solver *s)
{
    free(s->blk);
    free(s->r);
    free(s->active);
    free(s->d);
    free(s->perm);
    free(s->w);
    free(s->c);
    free(s->rh);
    free(s->rl);
    free(s->xs_h);
    free(s->xs_l);
    free(s->pen);
    free(s->x);
    free(s->fold);
}

/* The rows a pass reads here, [*lo, *hi): all, or this part's. For shared
 * rows, state (len doubles) receives the pass's sums over the parts before
 * this one. */
static void pass_begin(const solver *s, double *state, size_t len, size_t *lo, size_t *hi)
{
    const gd_solve_source *src = s->src;
    *lo = 0;
    *hi = src->n;
    if (src->share != NULL) {
        src->share->fold_in(src->share->ctx, state, len);
        *lo = src->share->first;
        *hi = *lo + src->mine;
    }
}

/* The end of a pass: for shared rows, state goes on to the next part, and
 * comes back as the last part left it. */
static void pass_end(const solver *s, double *state, size_t len)
{
    if (s->src->share != NULL)
        s->src->share->fold_out(s->src->share->ctx, state, len);
}

/* ---------------------------------------------------------------------------
 * Passes over the data in doubled precision.
 */

/* (rh, rl) -= a * x exactly (up to the final rounding of rl), x = xh + xl. */
static inline void resid_step(double a, double x, double xh, double xl, double *rh,
                              double *rl)
{
    double ph, pe, sh, se;
    two_prod_split(a, x, xh, xl, &ph, &pe);
    two_sum(*rh, -ph, &sh, &se);
    *rh = sh;
    *rl += se - pe;
}

/* (rh, rl) -= a * x for a column a of m rows: resid_step written out for
 * two rows per iteration, which gcc -O2 turns into vector code. */
static void resid_col(const double *restrict a, double x, double xh, double xl,
                      double *restrict rh, double *restrict rl, size_t m)
{
    size_t i = 0;
    for (; i + 2 <= m; i += 2) {
        double a0 = a[i], a1 = a[i + 1];
        /* TwoProduct a * x = p + e (Veltkamp split of a) */
        double p0 = a0 * x, p1 = a1 * x;
        double c0 = 134217729.0 * a0, c1 = 134217729.0 * a1;
        double h0 = c0 - (c0 - a0), h1 = c1 - (c1 - a1);
        double l0 = a0 - h0, l1 = a1 - h1;
        double e0 = ((h0 * xh - p0) + h0 * xl + l0 * xh) + l0 * xl;
        double e1 = ((h1 * xh - p1) + h1 * xl + l1 * xh) + l1 * xl;
        /* TwoSum rh - p = s + t */
        double r0 = rh[i], r1 = rh[i + 1];
        double s0 = r0 - p0, s1 = r1 - p1;
        double z0 = s0 - r0, z1 = s1 - r1;
        double t0 = (r0 - (s0 - z0)) + (-p0 - z0);
        double t1 = (r1 - (s1 - z1)) + (-p1 - z1);
        rh[i] = s0;
        rh[i + 1] = s1;
        rl[i] += t0 - e0;
        rl[i + 1] += t1 - e1;
    }
    for (; i < m; i++)
        resid_step(a[i], x, xh, xl, &rh[i], &rl[i]);
}

/* A data pass's running sums to (out = 0) or from (out = 1) s->fold: the
 * state handed between the parts of shared rows. gh and gl are NULL when
 * the pass computes no gradient. */
static void data_pass_state(solver *s, double *gh, double *gl, double *sse_h, double *sse_l,
                            int out)
{
    const size_t p = s->p;
    double *f = s->fold;
    if (out) {
        *sse_h = f[0];
        *sse_l = f[1];
    } else {
        f[0] = *sse_h;
        f[1] = *sse_l;
    }
    for (size_t j = 0; gh != NULL && j < p; j++) {
        if (out) {
            gh[j] = f[2 + j];
            gl[j] = f[2 + p + j];
        } else {
            f[2 + j] = gh[j];
            f[2 + p + j] = gl[j];
        }
    }
}

/* One pass at coefficients x (p). Returns the sum of squared residuals of
 * y - A x, exact to about one rounding; when g is not NULL also writes
 * g = A^T (y - A x) - l2 * x on the penalized columns, in doubled precision
 * rounded once. The residuals are formed as y - sum_j a_j x_j with
 * TwoProduct/TwoSum (Ogita-Rump-Oishi Dot2). */
static double data_pass(solver *s, const double *x, const unsigned char *pen,
                        double l2, double *g)
{
    const size_t p = s->p;
    double *gh = NULL, *gl = NULL;
    double sse_h = 0.0, sse_l = 0.0;
    for (size_t j = 0; j < p; j++)
        split(x[j], &s->xs_h[j], &s->xs_l[j]);
    if (g != NULL) {
        /* high parts in g, low parts in the p doubles after the block */
        gh = g;
        gl = s->blk + s->q * BLOCK;
        for (size_t j = 0; j < p; j++)
            gh[j] = gl[j] = 0.0;
    }
    size_t lo, hi;
    data_pass_state(s, gh, gl, &sse_h, &sse_l, 0);
    pass_begin(s, s->fold, 2 * p + 2, &lo, &hi);
    data_pass_state(s, gh, gl, &sse_h, &sse_l, 1);
    for (size_t first = lo; first < hi; first += BLOCK) {
        size_t m = hi - first < BLOCK ? hi - first : BLOCK;
        read_block(s, first, m);
        const double *yv = s->blk + p * BLOCK;
        double *rh = s->rh, *rl = s->rl;
        for (size_t i = 0; i < m; i++) {
            rh[i] = yv[i];
            rl[i] = 0.0;
        }
        for (size_t j = 0; j < p; j++) {
            const double xj = x[j], xh = s->xs_h[j], xl = s->xs_l[j];
            if (xj == 0.0)
                continue;
            const double *a = s->blk + j * BLOCK;
            if (s->intercept && j == s->nc) {
                /* the ones column: 1 * x_j is exact */
                for (size_t i = 0; i < m; i++) {
                    double sh, se;
                    two_sum(rh[i], -xj, &sh, &se);
                    rh[i] = sh;
                    rl[i] += se;
                }
                continue;
            }
            resid_col(a, xj, xh, xl, rh, rl, m);
        }
        for (size_t i = 0; i < m; i++) {
            double h, l;
            two_sum(rh[i], rl[i], &h, &l);
            rh[i] = h;
            rl[i] = l;
            double sq, sqe, t, te;
            two_prod(h, h, &sq, &sqe);
            two_sum(sse_h, sq, &t, &te);
            sse_h = t;
            sse_l += te + sqe + 2.0 * h * l;
        }
        if (g != NULL) {
            for (size_t j = 0; j < p; j++) {
                const double *a = s->blk + j * BLOCK;
                double hj = gh[j], lj = gl[j];
                for (size_t i = 0; i < m; i++) {
                    double ph, pe, t, te;
                    two_prod(a[i], rh[i], &ph, &pe);
                    two_sum(hj, ph, &t, &te);
                    hj = t;
                    lj += te + pe + a[i] * rl[i];
                }
                gh[j] = hj;
                gl[j] = lj;
            }
        }
    }
    data_pass_state(s, gh, gl, &sse_h, &sse_l, 0);
    pass_end(s, s->fold, 2 * p + 2);
    data_pass_state(s, gh, gl, &sse_h, &sse_l, 1);
    if (g != NULL) {
        for (size_t j = 0; j < p; j++) {
            double h = gh[j], l = gl[j];
            if (l2 > 0.0 && pen[j] && x[j] != 0.0) {
                double ph, pe, t, te;
                two_prod(l2, x[j], &ph, &pe);
                two_sum(h, -ph, &t, &te);
                h = t;
                l += te - pe;
            }
            g[j] = h + l;
        }
    }
    return sse_h + sse_l;
}

/* ---------------------------------------------------------------------------
 * Factor post-processing.
 */

static double col_norm_upper(const double *r, size_t q, size_t j)
{
    /* sqrt(sum_{i <= j} r[i][j]^2) without overflow or harmful underflow */
    double scale = 0.0;
    for (size_t i = 0; i <= j; i++)
        scale = fmax(scale, fabs(r[i * q + j]));
    if (scale == 0.0)
        return 0.0;
    double s = 0.0;
    for (size_t i = 0; i <= j; i++) {
        double t = r[i * q + j] / scale;
        s += t * t;
    }
    return scale * sqrt(s);
}

/* Householder QR with column pivoting of the (p, pa) column-major w (leading
 * dimension p), applied to c too. Pivot = the remaining column of largest
 * norm (recomputed exactly each step: p is small). Stops at the first
 * diagonal entry <= rcond * |T_00|; returns that rank. */
static size_t pivoted_qr(solver *s, double rcond)
{
    const size_t p = s->p, pa = s->pa;
    double *w = s->w;
    double t00 = 0.0;
    for (size_t k = 0; k < pa; k++)
        s->perm[k] = k;
    for (size_t k = 0; k < pa; k++) {
        size_t best = k;
        double best_norm = -1.0;
        for (size_t j = k; j < pa; j++) {
            double scale = 0.0, acc = 0.0;
            const double *col = w + j * p;
            for (size_t i = k; i < p; i++)
                scale = fmax(scale, fabs(col[i]));
            if (scale > 0.0) {
                for (size_t i = k; i < p; i++) {
                    double t = col[i] / scale;
                    acc += t * t;
                }
            }
            double nrm = scale * sqrt(acc);
            if (nrm > best_norm) {
                best_norm = nrm;
                best = j;
            }
        }
        if (k == 0)
            t00 = best_norm;
        if (best_norm == 0.0 || best_norm <= rcond * t00)
            return k;
        if (best != k) {
            for (size_t i = 0; i < p; i++) {
                double t = w[i + k * p];
                w[i + k * p] = w[i + best * p];
                w[i + best * p] = t;
            }
            size_t t = s->perm[k];
            s->perm[k] = s->perm[best];
            s->perm[best] = t;
        }
        double *col = w + k * p;
        double tau = house_make(&col[k], col + k + 1, p - k - 1);
        for (size_t j = k + 1; j < pa; j++)
            house_apply(tau, col + k + 1, p - k - 1, &w[k + j * p], w + k + 1 + j * p);
        house_apply(tau, col + k + 1, p - k - 1, &s->c[k], s->c + k + 1);
        /* clear below the diagonal (v is no longer needed) */
        for (size_t i = k + 1; i < p; i++)
            col[i] = 0.0;
    }
    return pa;
}

/* ||T11||_F * ||T11^{-1}||_F for the leading r x r block of T; *norm gets
 * ||T11||_F. */
static double cond_upper(const double *w, size_t ld, size_t r, double *tmp, double *norm)
{
    *norm = 0.0;
    if (r == 0)
        return 0.0;
    double nt = 0.0, ni = 0.0;
    for (size_t j = 0; j < r; j++)
        for (size_t i = 0; i <= j; i++)
            nt = hypot(nt, w[i + j * ld]);
    /* column j of T^{-1}: solve T z = e_j (z has zeros below j) */
    for (size_t j = 0; j < r; j++) {
        for (size_t i = j + 1; i-- > 0;) {
            double acc = (i == j) ? 1.0 : 0.0;
            for (size_t k = i + 1; k <= j; k++)
                acc -= w[i + k * ld] * tmp[k];
            tmp[i] = acc / w[i + i * ld];
            ni = hypot(ni, tmp[i]);
        }
    }
    *norm = nt;
    return nt * ni;
}

/* dx = (A^T A + pen)^{-1} g through the factor: D^{-1} P T^{-1} T^{-T} P^T D^{-1}.
 * Full rank only. tmp: pa doubles. */
static void apply_inverse_gram(const solver *s, const double *g, double *dx, double *tmp)
{
    const size_t p = s->p, pa = s->pa;
    const double *w = s->w;
    for (size_t k = 0; k < pa; k++) {
        size_t a = s->perm[k];
        tmp[k] = g[s->active[a]] / s->d[a];
    }
    /* T^T u = tmp (forward) */
    for (size_t k = 0; k < pa; k++) {
        double acc = tmp[k];
        for (size_t i = 0; i < k; i++)
            acc -= w[i + k * p] * tmp[i];
        tmp[k] = acc / w[k + k * p];
    }
    /* T z = u (backward) */
    for (size_t k = pa; k-- > 0;) {
        double acc = tmp[k];
        for (size_t j = k + 1; j < pa; j++)
            acc -= w[k + j * p] * tmp[j];
        tmp[k] = acc / w[k + k * p];
    }
    for (size_t j = 0; j < p; j++)
        dx[j] = 0.0;
    for (size_t k = 0; k < pa; k++) {
        size_t a = s->perm[k];
        dx[s->active[a]] = tmp[k] / s->d[a];
    }
}

/* The minimum-norm x (original coordinates) of the truncated problem
 * T[0:r, :] P^T D z = c[0:r] over the active columns, via QR of the
 * transposed trapezoid M^T (pa, r). Returns GD_ERR_NOMEM on out of memory. */
static gd_status min_norm_solution(const solver *s, double *x, gd_error *err)
{
    const size_t p = s->p, pa = s->pa, r = s->rank;
    double *mt = malloc(pa * r * sizeof *mt + (pa + r) * sizeof(double));
    if (mt == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    double *tau = mt + pa * r;
    double *wv = tau + r;
    /* M[k][perm[c]] = T[k][c] * d[perm[c]];  mt[i + k*pa] = M[k][i] */
    for (size_t k = 0; k < r; k++)
        for (size_t c = 0; c < pa; c++) {
            size_t a = s->perm[c];
            double t = c >= k ? s->w[k + c * p] : 0.0;
            mt[a + k * pa] = t * s->d[a];
        }
    for (size_t k = 0; k < r; k++) {
        double *col = mt + k * pa;
        tau[k] = house_make(&col[k], col + k + 1, pa - k - 1);
        for (size_t j = k + 1; j < r; j++)
            house_apply(tau[k], col + k + 1, pa - k - 1, &mt[k + j * pa],
                        mt + k + 1 + j * pa);
    }
    /* U^T w1 = c1 (U upper: mt[i + k*pa], i <= k) */
    for (size_t k = 0; k < r; k++) {
        double acc = s->c[k];
        for (size_t i = 0; i < k; i++)
            acc -= mt[i + k * pa] * wv[i];
        wv[k] = acc / mt[k + k * pa];
    }
    for (size_t k = r; k < pa; k++)
        wv[k] = 0.0;
    /* x = H_0 ... H_{r-1} [w1; 0] */
    for (size_t k = r; k-- > 0;) {
        double *col = mt + k * pa;
        house_apply(tau[k], col + k + 1, pa - k - 1, &wv[k], wv + k + 1);
    }
    for (size_t j = 0; j < p; j++)
        x[j] = 0.0;
    for (size_t a = 0; a < pa; a++)
        x[s->active[a]] = wv[a];
    free(mt);
    return GD_OK;
}

/* ---------------------------------------------------------------------------
 * The solve, in stages: check, allocate, factor the data (1), find the
 * active columns (2), fold in the ridge rows (3), equilibrate and factor
 * again with pivoting (4), solve (5), refine and take the exact sum of
 * squares (6).
 */

static gd_status check_options(size_t p, const gd_solve_options *opt, gd_error *err)
{
    if (p == 0)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "least squares needs at least one column");
    if (!(opt->l2 >= 0.0) || !isfinite(opt->l2))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "the L2 penalty must be a finite number >= 0, not %g",
                            opt->l2);
    if (!(opt->rcond >= 0.0))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "the rank tolerance must be >= 0, not %g", opt->rcond);
    return GD_OK;
}

/* Sets up *s for src (zeroed first); 0 on success, -1 out of memory (what was
 * allocated is solver_free's). */
static int solver_init(solver *s, const gd_solve_source *src, const gd_solve_options *opt)
{
    const size_t nc = src->ncols, p = nc + (opt->intercept ? 1 : 0), q = p + 1;
    memset(s, 0, sizeof *s);
    s->src = src;
    s->nc = nc;
    s->p = p;
    s->q = q;
    s->intercept = opt->intercept ? 1 : 0;
    /* blk: q columns of BLOCK rows, plus p doubles for gradient low parts */
    s->blk = malloc((q * BLOCK + p) * sizeof *s->blk);
    s->r = calloc(q * q, sizeof *s->r);
    s->active = malloc(p * sizeof *s->active);
    s->d = malloc(p * sizeof *s->d);
    s->perm = malloc(p * sizeof *s->perm);
    s->w = malloc(p * p * sizeof *s->w);
    s->c = malloc(p * sizeof *s->c);
    s->rh = malloc(BLOCK * sizeof *s->rh);
    s->rl = malloc(BLOCK * sizeof *s->rl);
    s->xs_h = malloc(p * sizeof *s->xs_h);
    s->xs_l = malloc(p * sizeof *s->xs_l);
    s->pen = malloc(p);
    s->x = malloc(4 * p * sizeof *s->x);
    s->fold = malloc((2 * p + 2) * sizeof *s->fold);
    if (!s->blk || !s->r || !s->active || !s->d || !s->perm || !s->w || !s->c ||
        !s->rh || !s->rl || !s->xs_h || !s->xs_l || !s->pen || !s->x || !s->fold)
        return -1;
    s->g = s->x + p;
    s->dx = s->x + 2 * p;
    s->tmp = s->x + 3 * p;
    for (size_t j = 0; j < p; j++)
        s->pen[j] = j < nc ? (opt->penalized ? (opt->penalized[j] != 0) : 1) : 0;
    return 0;
}

/* 1. The streaming QR of [A y]. */
static gd_status factor_data(solver *s, gd_error *err)
{
    const size_t q = s->q;
    size_t lo, hi;
    pass_begin(s, s->r, q * q, &lo, &hi);
    for (size_t first = lo; first < hi; first += BLOCK) {
        size_t m = hi - first < BLOCK ? hi - first : BLOCK;
        read_block(s, first, m);
        tsqr_fold(s->r, q, s->blk, BLOCK, m);
    }
    pass_end(s, s->r, q * q);
    for (size_t i = 0; i < q * q; i++)
        if (!isfinite(s->r[i]))
            return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                                "least squares: the data contain a non-finite value "
                                "(or values whose squares overflow)");
    return GD_OK;
}

/* 2. Active columns: those not identically zero. 3. Ridge rows
 * sqrt(l2) e_j for the active penalized columns. */
static void fold_ridge_rows(solver *s, double l2)
{
    const size_t p = s->p, q = s->q;
    s->pa = 0;
    for (size_t j = 0; j < p; j++)
        if (col_norm_upper(s->r, q, j) > 0.0)
            s->active[s->pa++] = j;
    if (!(l2 > 0.0))
        return;
    double root = sqrt(l2);
    size_t done_rows = 0;
    while (done_rows < s->pa) {
        size_t m = 0;
        memset(s->blk, 0, q * BLOCK * sizeof *s->blk);
        for (; done_rows < s->pa && m < BLOCK; done_rows++) {
            size_t j = s->active[done_rows];
            if (s->pen[j])
                s->blk[j * BLOCK + m++] = root;
        }
        if (m > 0)
            tsqr_fold(s->r, q, s->blk, BLOCK, m);
    }
}

/* 4. Equilibrate, then pivoted QR of the p x pa scaled factor; the rank,
 * the objective read from the factor, and the condition number. */
static gd_status factor_scaled(solver *s, const gd_solve_options *opt, gd_error *err)
{
    const size_t p = s->p, q = s->q, n = s->src->n;
    for (size_t a = 0; a < s->pa; a++) {
        int e;
        frexp(col_norm_upper(s->r, q, s->active[a]), &e);
        s->d[a] = ldexp(1.0, e);
    }
    for (size_t a = 0; a < s->pa; a++) {
        size_t j = s->active[a];
        for (size_t i = 0; i < p; i++)
            s->w[i + a * p] = i <= j ? s->r[i * q + j] / s->d[a] : 0.0;
    }
    for (size_t i = 0; i < p; i++)
        s->c[i] = s->r[i * q + p];
    double rcond = opt->rcond > 0.0
                       ? opt->rcond
                       : DBL_EPSILON * fmax(10.0 * (double)p, sqrt((double)n));
    s->rank = pivoted_qr(s, rcond);

    s->rho = s->r[p * q + p];
    s->objective = s->rho * s->rho;
    for (size_t k = s->rank; k < p; k++)
        s->objective += s->c[k] * s->c[k];
    if (!isfinite(s->objective))
        return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                            "least squares: the sum of squares overflows a double "
                            "(values too large)");
    s->cond = cond_upper(s->w, p, s->rank, s->tmp, &s->norm_t);
    return GD_OK;
}

/* 5. The solution into s->x: back substitution at full rank, else the
 * minimum-norm solution. */
static gd_status solve_factored(solver *s, gd_error *err)
{
    const size_t p = s->p;
    double *x = s->x, *tmp = s->tmp;
    if (s->rank == s->pa) {
        for (size_t k = s->pa; k-- > 0;) {
            double acc = s->c[k];
            for (size_t j = k + 1; j < s->pa; j++)
                acc -= s->w[k + j * p] * tmp[j];
            tmp[k] = acc / s->w[k + k * p];
        }
        for (size_t j = 0; j < p; j++)
            x[j] = 0.0;
        for (size_t k = 0; k < s->pa; k++) {
            size_t a = s->perm[k];
            x[s->active[a]] = tmp[k] / s->d[a];
        }
    } else {
        gd_status st = min_norm_solution(s, x, err);
        if (st != GD_OK)
            return st;
    }
    for (size_t j = 0; j < p; j++)
        if (!isfinite(x[j]))
            return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                                "least squares: a coefficient overflows a double");
    return GD_OK;
}

/* How many refinement steps to allow: opt->refine, or in automatic mode
 * AUTO_REFINE_STEPS when the first-order error estimate is above
 * AUTO_REFINE_ERR; none without the full-rank factor. */
static int refine_budget(const solver *s, const gd_solve_options *opt)
{
    int max_steps = opt->refine > 0 ? opt->refine : 0;
    if (opt->refine == 0) {
        double norm_dx = 0.0;
        for (size_t a = 0; a < s->pa; a++)
            norm_dx = hypot(norm_dx, s->x[s->active[a]] * s->d[a]);
        double est = DBL_EPSILON * s->cond;
        if (norm_dx > 0.0)
            est *= 1.0 + s->cond * fabs(s->rho) / (s->norm_t * norm_dx);
        if (!(est <= AUTO_REFINE_ERR))
            max_steps = AUTO_REFINE_STEPS;
    }
    if (s->rank < s->pa || s->pa == 0)
        max_steps = 0; /* refinement needs the full-rank factor */
    return max_steps;
}

/* One refinement step from the gradient in s->g: x += dx. Returns 0 when
 * there is nothing more to gain (a non-finite gradient, no change, or a step
 * not half the previous size *prev), 1 after a step. */
static int refine_step(solver *s, double *prev)
{
    const size_t p = s->p;
    double *x = s->x;
    int finite = 1;
    for (size_t j = 0; j < p; j++)
        finite &= isfinite(s->g[j]);
    if (!finite)
        return 0;
    apply_inverse_gram(s, s->g, s->dx, s->tmp);
    int changes = 0;
    double size = 0.0;
    for (size_t a = 0; a < s->pa; a++) {
        size_t j = s->active[a];
        changes |= (x[j] + s->dx[j] != x[j]);
        size = hypot(size, s->dx[j] * s->d[a]);
    }
    if (!changes || !(size < 0.5 * *prev))
        return 0; /* converged, or not contracting */
    *prev = size;
    /* remember x: if the next pass fails, its sse is the one we have */
    for (size_t j = 0; j < p; j++)
        s->tmp[j] = x[j];
    for (size_t j = 0; j < p; j++)
        x[j] += s->dx[j];
    return 1;
}

/* 6. Refinement and the exact sum of squares, into res (all but p, n, rank,
 * cond, objective). Without an exact pass the sum of squares is the
 * objective less the penalty. */
static void refine(solver *s, const gd_solve_options *opt, gd_solve_result *res)
{
    const size_t p = s->p;
    int passes = 1, steps = 0, sse_exact = 0;
    double sse = 0.0;
    int max_steps = refine_budget(s, opt);
    if (max_steps > 0 || opt->sse_pass) {
        sse = data_pass(s, s->x, s->pen, opt->l2, max_steps > 0 ? s->g : NULL);
        passes++;
        sse_exact = isfinite(sse);
        double prev = INFINITY;
        while (steps < max_steps && sse_exact && refine_step(s, &prev)) {
            double nsse = data_pass(s, s->x, s->pen, opt->l2, s->g);
            passes++;
            steps++;
            if (!isfinite(nsse)) {
                /* back out (data too large for the splitting) */
                for (size_t j = 0; j < p; j++)
                    s->x[j] = s->tmp[j];
                steps--;
                break;
            }
            sse = nsse;
        }
    }
    if (!sse_exact) {
        double penalty = 0.0;
        for (size_t j = 0; j < p; j++)
            if (s->pen[j])
                penalty += s->x[j] * s->x[j];
        sse = fmax(0.0, s->objective - opt->l2 * penalty);
    }
    res->sse = sse;
    res->sse_exact = sse_exact;
    res->refine_steps = steps;
    res->passes = passes;
}

gd_status gd_solve_lsq(const gd_solve_source *src, const gd_solve_options *opt,
                       double *x_out, gd_solve_result *res, gd_error *err)
{
    static const gd_solve_options defaults = {0};
    if (opt == NULL)
        opt = &defaults;
    assert(src != NULL && src->read != NULL && x_out != NULL);
    const size_t p = src->ncols + (opt->intercept ? 1 : 0);
    gd_status st = check_options(p, opt, err);
    if (st != GD_OK)
        return st;

    solver s;
    gd_solve_result out;
    memset(&out, 0, sizeof out);
    if (solver_init(&s, src, opt) != 0)
        st = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (st == GD_OK)
        st = factor_data(&s, err);
    if (st == GD_OK && opt->factor != NULL)
        memcpy(opt->factor, s.r, (p + 1) * (p + 1) * sizeof *s.r);
    if (st == GD_OK) {
        fold_ridge_rows(&s, opt->l2);
        st = factor_scaled(&s, opt, err);
    }
    if (st == GD_OK)
        st = solve_factored(&s, err);
    if (st == GD_OK) {
        refine(&s, opt, &out);
        memcpy(x_out, s.x, p * sizeof *s.x);
        out.p = p;
        out.n = src->n;
        out.rank = s.rank;
        out.cond = s.cond;
        out.objective = s.objective;
        if (res != NULL)
            *res = out;
    }
    solver_free(&s);
    return st;
}

/* ---------------------------------------------------------------------------
 * Sources: a dense row-major matrix, and the trainer's dataset.
 */

typedef struct dense_ctx {
    const double *a, *y;
    size_t ncols;
} dense_ctx;

static void dense_read(void *ctx, size_t first, size_t count, double *a, size_t lda,
                       double *y)
{
    const dense_ctx *dc = ctx;
    const size_t nc = dc->ncols;
    for (size_t i = 0; i < count; i++) {
        const double *row = dc->a + (first + i) * nc;
        for (size_t j = 0; j < nc; j++)
            a[j * lda + i] = row[j];
        y[i] = dc->y[first + i];
    }
}

gd_status gd_solve_dense(const double *a, const double *y, size_t n, size_t ncols,
                         const gd_solve_options *opt, double *x,
                         gd_solve_result *res, gd_error *err)
{
    dense_ctx dc = {a, y, ncols};
    gd_solve_source src = {.n = n, .ncols = ncols, .ctx = &dc, .read = dense_read};
    return gd_solve_lsq(&src, opt, x, res, err);
}

static void dataset_read(void *ctx, size_t first, size_t count, double *a, size_t lda,
                         double *y)
{
    const gd_dataset *ds = ctx;
    const size_t d = ds->d;
    first -= ds->share != NULL ? ds->share->first : 0;
    for (size_t i = 0; i < count; i++) {
        const double *row = gd_dataset_row(ds, first + i);
        for (size_t j = 0; j < d; j++)
            a[j * lda + i] = row[j];
        y[i] = ds->y[first + i];
    }
}

/* A pass over y of shared rows: the sums (2 doubles) of the parts before
 * this one (begin = 1), or to the parts after it and back (begin = 0). */
static void y_pass(const gd_dataset *ds, double sum[2], int begin)
{
    const gd_rowshare *share = ds->share;
    if (share != NULL)
        (begin ? share->fold_in : share->fold_out)(share->ctx, sum, 2);
}

/* A run of y values folded into the compensated sum[2] (see y_each). */
typedef void (*y_fold)(const double *y, size_t count, double mean, double sum[2]);

/* fn over ds's y in row order: in memory at once, streamed a chunk at a
 * time (the same additions in the same order), between the sums of the
 * parts before and after this one when the rows are shared. */
static void y_each(const gd_dataset *ds, y_fold fn, double mean, double sum[2])
{
    const size_t piece = ds->stream != NULL ? GD_STREAM_ROWS : ds->n;
    y_pass(ds, sum, 1);
    for (size_t first = 0; first < ds->n; first += piece) {
        size_t count = ds->n - first < piece ? ds->n - first : piece;
        fn(ds->stream != NULL ? gd_stream_rows(ds->stream, first, count)->y : ds->y + first,
           count, mean, sum);
    }
    y_pass(ds, sum, 0);
}

static void y_values(const double *v, size_t count, double mean, double sum[2])
{
    (void)mean;
    for (size_t i = 0; i < count; i++) {
        double t, e;
        two_sum(sum[0], v[i], &t, &e);
        sum[0] = t;
        sum[1] += e;
    }
}

static void y_deviations(const double *v, size_t count, double mean, double sum[2])
{
    for (size_t i = 0; i < count; i++) {
        double dev = v[i] - mean, sq, sqe, t, e;
        two_prod(dev, dev, &sq, &sqe);
        two_sum(sum[0], sq, &t, &e);
        sum[0] = t;
        sum[1] += e + sqe;
    }
}

static void y_squares(const double *y, size_t count, double mean, double sum[2])
{
    (void)mean;
    for (size_t i = 0; i < count; i++) {
        double v = y[i] * y[i], t = sum[0] + v;
        sum[1] += fabs(sum[0]) >= fabs(v) ? (sum[0] - t) + v : (v - t) + sum[0];
        sum[0] = t;
    }
}

/* Population variance of ds's y (rows > 0): compensated mean, then
 * compensated sum of squared deviations. */
static double variance(const gd_dataset *ds)
{
    const double n = (double)gd_dataset_total(ds);
    double sum[2] = {0.0, 0.0};
    y_each(ds, y_values, 0.0, sum);
    double mean = (sum[0] + sum[1]) / n;
    sum[0] = sum[1] = 0.0;
    y_each(ds, y_deviations, mean, sum);
    return (sum[0] + sum[1]) / n;
}

/* (1/n) sum y_i^2 of ds: the MSE of predicting 0, a model through the
 * origin's baseline. Compensated. */
static double mean_square(const gd_dataset *ds)
{
    double sum[2] = {0.0, 0.0};
    y_each(ds, y_squares, 0.0, sum);
    return (sum[0] + sum[1]) / (double)gd_dataset_total(ds);
}

/* The solve's source over a streamed dataset: its blocks come in order, a
 * chunk of the stream holding many of them. */
typedef struct stream_ctx {
    gd_stream *stream;
    size_t n;
    size_t first;             /* the chunk's first row, or SIZE_MAX */
    const gd_dataset *chunk;
} stream_ctx;

static void stream_read(void *ctx, size_t first, size_t count, double *a, size_t lda,
                        double *y)
{
    stream_ctx *sc = ctx;
    if (sc->first == SIZE_MAX || first < sc->first || first + count > sc->first + sc->chunk->n) {
        sc->first = first / GD_STREAM_ROWS * GD_STREAM_ROWS;
        size_t len = sc->n - sc->first < GD_STREAM_ROWS ? sc->n - sc->first : GD_STREAM_ROWS;
        sc->chunk = gd_stream_rows(sc->stream, sc->first, len);
    }
    const gd_dataset *ch = sc->chunk;
    const size_t d = ch->d, at = first - sc->first;
    for (size_t i = 0; i < count; i++) {
        const double *row = ch->x + (at + i) * d;
        for (size_t j = 0; j < d; j++)
            a[j * lda + i] = row[j];
        y[i] = ch->y[at + i];
    }
}

static gd_status solve_dataset(const gd_dataset *ds, double l2, int intercept, double *params,
                               gd_solve_info *info, double *factor, gd_error *err)
{
    assert(ds != NULL && params != NULL);
    if (ds->y == NULL && ds->stream == NULL)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "least squares needs a target column");
    if (gd_dataset_total(ds) == 0)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "least squares needs at least one row");
    if (!(l2 >= 0.0) || !isfinite(l2))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "the L2 penalty must be a finite number >= 0, not %g", l2);
    const double n = (double)gd_dataset_total(ds);
    gd_solve_source src = {gd_dataset_total(ds), ds->d, (void *)ds, dataset_read, ds->share,
                           ds->n};
    stream_ctx sctx = {ds->stream, ds->n, SIZE_MAX, NULL};
    if (ds->stream != NULL)
        src = (gd_solve_source){ds->n, ds->d, &sctx, stream_read, NULL, ds->n};
    gd_solve_options opt = {0};
    opt.intercept = intercept;
    opt.l2 = n * l2; /* (1/n)|r|^2 + l2|w|^2 = (1/n)(|r|^2 + n l2 |w|^2) */
    opt.sse_pass = 1;
    opt.factor = factor;
    gd_solve_result res;
    gd_status st = gd_solve_lsq(&src, &opt, params, &res, err);
    if (st == GD_OK && ds->stream != NULL && gd_stream_failed(ds->stream, err))
        st = err->status;
    if (st != GD_OK)
        return st;
    if (!intercept)
        params[ds->d] = 0.0;
    if (info != NULL) {
        double w2 = 0.0;
        for (size_t j = 0; j < ds->d; j++)
            w2 += params[j] * params[j];
        info->mse = res.sse / n;
        info->objective = info->mse + l2 * w2;
        info->mse_const = intercept ? variance(ds) : mean_square(ds);
        info->rank = res.rank;
        info->cond = res.cond;
        info->refine_steps = res.refine_steps;
    }
    return GD_OK;
}

gd_status gd_solve_dataset(const gd_dataset *ds, double l2, double *params,
                           gd_solve_info *info, gd_error *err)
{
    return solve_dataset(ds, l2, 1, params, info, NULL, err);
}

gd_status gd_solve_dataset_factor(const gd_dataset *ds, double *params, gd_solve_info *info,
                                  double *factor, gd_error *err)
{
    return solve_dataset(ds, 0.0, 1, params, info, factor, err);
}

gd_status gd_solve_dataset_origin(const gd_dataset *ds, double l2, double *params,
                                  gd_solve_info *info, gd_error *err)
{
    return solve_dataset(ds, l2, 0, params, info, NULL, err);
}

/* ---------------------------------------------------------------------- */
/* Elastic net by coordinate descent                                      */

static double soft_threshold(double z, double t)
{
    return z > t ? z - t : z < -t ? z + t : 0.0;
}

static gd_status elastic_net(const gd_dataset *ds, double l1, double l2, int intercept,
                             double *params, gd_solve_info *info, gd_error *err)
{
    enum { MAX_SWEEPS = 100000 };
    assert(ds != NULL && params != NULL);
    if (ds->y == NULL || ds->n == 0)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            ds->stream != NULL
                                ? "the elastic net's optimum is not computed for streamed data"
                                : "the elastic net needs a target column and at least one row");
    if (ds->share != NULL) /* its passes are not split over processes (yet) */
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "the elastic net optimum needs every row in one process");
    if (!(l1 >= 0.0) || !isfinite(l1) || !(l2 >= 0.0) || !isfinite(l2))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "the penalties must be finite numbers >= 0, not %g and %g", l1, l2);
    const size_t n = ds->n, d = ds->d;
    /* mean (d + 1), gram (d x d), cross (d): one allocation. */
    double *mem = calloc((d + 1) + d * d + d + 1, sizeof *mem);
    if (mem == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    double *mean = mem, *gram = mem + d + 1, *cross = gram + d * d;

    /* Means first, then the centered second moments: two passes keep the
     * digits when the columns have offsets. */
    for (size_t i = 0; i < n; i++) {
        const double *x = gd_dataset_row(ds, i);
        for (size_t j = 0; j < d; j++)
            mean[j] += x[j];
        mean[d] += ds->y[i];
    }
    for (size_t j = 0; j <= d; j++)
        mean[j] = intercept ? mean[j] / (double)n : 0.0; /* no centering: about 0 */
    for (size_t i = 0; i < n; i++) {
        const double *x = gd_dataset_row(ds, i);
        double yc = ds->y[i] - mean[d];
        for (size_t j = 0; j < d; j++) {
            double xj = x[j] - mean[j];
            cross[j] += xj * yc;
            for (size_t k = 0; k <= j; k++)
                gram[j * d + k] += xj * (x[k] - mean[k]);
        }
    }
    for (size_t j = 0; j < d; j++) {
        cross[j] /= (double)n;
        for (size_t k = 0; k <= j; k++) {
            gram[j * d + k] /= (double)n;
            gram[k * d + j] = gram[j * d + k];
        }
    }

    for (size_t j = 0; j < d; j++)
        params[j] = 0.0;
    for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
        double change = 0.0, size = 0.0;
        for (size_t j = 0; j < d; j++) {
            if (gram[j * d + j] + l2 <= 0.0) { /* a constant column: weight 0 */
                params[j] = 0.0;
                continue;
            }
            double z = cross[j];
            for (size_t k = 0; k < d; k++)
                if (k != j)
                    z -= gram[j * d + k] * params[k];
            double w = soft_threshold(z, l1 / 2) / (gram[j * d + j] + l2);
            change = fmax(change, fabs(w - params[j]));
            size = fmax(size, fabs(w));
            params[j] = w;
        }
        if (change <= 1e-15 * fmax(size, 1e-300))
            break;
    }
    double b = mean[d];
    for (size_t j = 0; j < d; j++)
        b -= mean[j] * params[j];
    params[d] = b;

    if (info != NULL) {
        double sse = 0.0, w1 = 0.0, w2 = 0.0;
        for (size_t i = 0; i < n; i++) {
            const double *x = gd_dataset_row(ds, i);
            double r = params[d];
            for (size_t j = 0; j < d; j++)
                r += params[j] * x[j];
            r -= ds->y[i];
            sse += r * r;
        }
        for (size_t j = 0; j < d; j++) {
            w1 += fabs(params[j]);
            w2 += params[j] * params[j];
        }
        memset(info, 0, sizeof *info);
        info->mse = sse / (double)n;
        info->objective = info->mse + l2 * w2 + l1 * w1;
        info->mse_const = intercept ? variance(ds) : mean_square(ds);
        info->rank = d + 1;
    }
    free(mem);
    return GD_OK;
}

gd_status gd_solve_elastic_net(const gd_dataset *ds, double l1, double l2, double *params,
                               gd_solve_info *info, gd_error *err)
{
    return elastic_net(ds, l1, l2, 1, params, info, err);
}

gd_status gd_solve_elastic_net_origin(const gd_dataset *ds, double l1, double l2,
                                      double *params, gd_solve_info *info, gd_error *err)
{
    return elastic_net(ds, l1, l2, 0, params, info, err);
}
