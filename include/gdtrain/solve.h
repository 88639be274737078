/*
 * solve: exact linear least squares, the optimum that training is measured
 * against.
 *
 * The core problem, for a design A of n rows and p columns and a target y:
 *
 *     minimize  |A x - y|^2 + l2 * sum_{j penalized} x_j^2
 *
 * It is solved by Householder QR, never by the normal equations. The rows
 * are read in blocks of GD_SOLVE_BLOCK from a gd_solve_source; each block is
 * stacked under the (p+1) x (p+1) triangular factor R of [A y] so far and
 * re-triangularized ("tall-skinny", streaming QR). Memory is O(GD_SOLVE_BLOCK
 * * p + p^2) whatever n is; the matrix is never copied whole. Block
 * boundaries are fixed multiples of GD_SOLVE_BLOCK from row 0, so results do
 * not depend on how a source produces its rows. The last diagonal entry of R
 * is the norm of the optimal residual, so the optimum's sum of squares is
 * known after that one pass.
 *
 * Then, on the small factor only:
 *   - ridge: a row sqrt(l2) e_j is folded in for every penalized column;
 *   - equilibration: every column is scaled by a power of two close to its
 *     norm (exact, and Householder QR does not depend on it, but the rank
 *     decision and the condition estimate become scale-free);
 *   - rank: Householder QR with column pivoting of the scaled factor; the
 *     numerical rank is the number of diagonal entries |T_kk| above
 *     rcond * |T_00| (see gd_solve_options.rcond for the default). A column
 *     of A that is exactly zero gets x_j = 0 and does not count;
 *   - full rank: back substitution. Rank deficient (collinear or constant
 *     columns, fewer rows than columns): the minimum-norm solution (in the
 *     original, unscaled coordinates) of the problem with the trailing
 *     block of the pivoted factor set to zero, by a second QR of the
 *     transposed r x p trapezoid (a complete orthogonal decomposition).
 *     Never NaN for finite input.
 *
 * Iterative refinement (full rank only): the Householder solution has a
 * relative error up to about eps * cond * (1 + cond * |r| / (|A| |x|)), so
 * an ill-conditioned problem or one with a large residual loses digits (NIST
 * Wampler5: cond ~3e3 but a huge residual, ~6 digits; Filip: cond ~6e9).
 * Each refinement step is one more pass over the rows that computes the
 * residual r = y - A x and the gradient g = A^T r - l2 x_pen in doubled
 * precision (error-free TwoSum/TwoProduct transformations built from plain
 * double operations: no FMA and no long double, so the result is the same
 * on every IEEE-754 platform), then corrects x += (R^T R)^{-1} g with the
 * factor. R^{-T} A^T is nearly orthogonal, so a correction contracts the
 * error by about cond * eps; a few steps reach the exact solution of the
 * given doubles to about one rounding when cond * eps << 1 (for Filip,
 * within 1e-15, checked against 100-digit arithmetic). What remains against
 * NIST's certified values is the rounding of the data to doubles.
 *
 * The sum of squares: gd_solve_result.objective is the minimum of the
 * penalized objective read from the factor (no extra pass; backward stable,
 * i.e. the exact optimum of a problem within rounding of the data). sse is
 * |A x - y|^2 at the returned x by an exact pass (doubled-precision
 * residuals, compensated sum) whenever a pass is made: always with
 * refinement, or on request (sse_pass). That pass is what to compare a
 * trained model against: it evaluates the returned coefficients the way a
 * loss function evaluates any parameters, it excludes the penalty, and it
 * is exact to about one rounding of the result. gd_solve_dataset uses it.
 *
 * Determinism: the same rows and options give the same bits.
 */
#ifndef GDTRAIN_SOLVE_H
#define GDTRAIN_SOLVE_H

#include <stddef.h>

#include "gdtrain/dataset.h"
#include "gdtrain/error.h"

/* Rows per block of the streaming QR (and of every later pass). */
#define GD_SOLVE_BLOCK 512

/* Where the rows come from. read is called with first = 0, B, 2B, ... in
 * order (B = GD_SOLVE_BLOCK), count = min(B, n - first), once per pass; a
 * solve makes one pass (the QR), one more if it refines or computes the
 * exact sse, and one more per refinement step. It writes
 * the rows [first, first + count) column by column:
 *     a[j * lda + i] = A[first + i][j]   for j < ncols, i < count
 *     y[i]           = y[first + i]
 * It must write the same values on every pass. It cannot fail (a source
 * that can, such as a file, must remember the failure in ctx and the caller
 * must check it after the solve). */
typedef struct gd_solve_source {
    size_t n;      /* rows */
    size_t ncols;  /* columns of A that the source provides */
    void *ctx;     /* passed to read */
    void (*read)(void *ctx, size_t first, size_t count, double *a, size_t lda,
                 double *y);
    const gd_rowshare *share; /* NULL: read every row. Else the rows are
                                 spread over processes (gdtrain-mpi): read
                                 asks only for this part's rows [share->first,
                                 share->first + mine), and each pass takes the
                                 other parts' rows in through share, so that
                                 every process gets the bits of one pass
                                 over all n rows */
    size_t mine;              /* with share: this part's rows */
} gd_solve_source;

typedef struct gd_solve_options {
    int intercept;                   /* 1: append a column of ones as the last
                                        coefficient; it is never penalized */
    double l2;                       /* ridge weight >= 0 (as in |Ax-y|^2 + l2 |x|^2) */
    const unsigned char *penalized;  /* (ncols) 1 = penalize x_j; NULL = all of
                                        the source's columns */
    double rcond;                    /* relative rank tolerance on the scaled
                                        pivoted factor; 0 = default,
                                        eps * max(10 p, sqrt(n)) with
                                        p = coefficients (the rounding left by
                                        an exactly dependent column grows like
                                        eps * sqrt(n / GD_SOLVE_BLOCK)) */
    int refine;                      /* 0: automatic: at most 4 steps when the
                                        first-order error estimate of the QR
                                        solution, eps * cond * (1 + cond * |r| /
                                        (|T| |D x|)), exceeds 1e-13 (scaled
                                        quantities); > 0: at most this many
                                        steps; < 0: never. Refinement stops
                                        early once a correction changes no bit
                                        of x or stops shrinking. */
    int sse_pass;                    /* 1: compute sse by an exact pass even
                                        when not refining */
    double *factor;                  /* NULL, or room for (p+1)^2 doubles:
                                        receives R of [A y] (row-major, upper
                                        triangular, R^T R = [A y]^T [A y]) as
                                        the data pass leaves it, before any
                                        ridge row, so the statistics of the
                                        fit can use it. Its last diagonal
                                        entry is +-|Ax - y| at the
                                        least-squares optimum */
} gd_solve_options;

typedef struct gd_solve_result {
    size_t p;          /* coefficients: ncols + intercept */
    size_t n;          /* rows read */
    size_t rank;       /* numerical rank of the (penalized) design */
    double cond;       /* condition number (Frobenius norms) of the scaled,
                          pivoted factor's leading rank x rank block (0 when
                          the rank is 0); at most p times the 2-norm one */
    double objective;  /* min |Ax-y|^2 + l2 sum_pen x_j^2, from the factor */
    double sse;        /* |Ax-y|^2 at the returned x: from the exact pass if
                          sse_exact, else objective - l2 sum_pen x_j^2 */
    int sse_exact;     /* 1 if sse comes from an exact pass over the rows */
    int refine_steps;  /* corrections applied */
    int passes;        /* passes over the rows, the QR pass included */
} gd_solve_result;

/* Solves the least-squares problem above for the rows of src; x receives
 * the p = src->ncols + opt->intercept coefficients (the intercept last).
 * opt may be NULL (all defaults). res may be NULL.
 *
 * Errors: GD_ERR_USAGE for p = 0, l2 < 0 or not finite, rcond < 0;
 * GD_ERR_DATA if the data are not finite (or so large that their squares
 * overflow); GD_ERR_NOMEM when out of memory. On error x is left unchanged. */
gd_status gd_solve_lsq(const gd_solve_source *src, const gd_solve_options *opt,
                       double *x, gd_solve_result *res, gd_error *err);

/* The same for a dense row-major a (n, ncols) and y (n). */
gd_status gd_solve_dense(const double *a, const double *y, size_t n, size_t ncols,
                         const gd_solve_options *opt, double *x,
                         gd_solve_result *res, gd_error *err);

/* What gd_solve_dataset reports. Losses are on ds as given (the trainer's
 * standardized data; multiply by y_std^2 for original units). */
typedef struct gd_solve_info {
    double mse;         /* (1/n) sum_i (x_i.w + b - y_i)^2 at the optimum,
                           by the exact pass; no penalty, no 1/2 */
    double objective;   /* mse + l2 |w|^2 at the optimum */
    double mse_const;   /* MSE of the best constant predictor: the population
                           variance of y (two passes, compensated) */
    size_t rank;        /* numerical rank of [X 1] (with the penalty rows) */
    double cond;        /* as gd_solve_result.cond */
    int refine_steps;   /* as gd_solve_result.refine_steps */
} gd_solve_info;

/* The trainer's problem on the dataset ds (X (n, d), y): minimizes
 *     (1/n) |X w + b - y|^2 + l2 |w|^2
 * (the bias is never penalized; the penalty rows are sqrt(n * l2) e_j).
 * params receives d + 1 numbers in the trainer's layout [w_0 .. w_{d-1}, b].
 * An all-zero column (a constant feature after standardization) gets weight
 * exactly 0. info may be NULL.
 *
 * Errors: GD_ERR_USAGE if ds has no target, no rows, or l2 < 0 or not
 * finite; GD_ERR_DATA for non-finite data; GD_ERR_NOMEM when out of memory. On
 * error params is unchanged. */
gd_status gd_solve_dataset(const gd_dataset *ds, double l2, double *params,
                           gd_solve_info *info, gd_error *err);

/* The same with l2 = 0, also giving factor (room for (d+2)^2 doubles):
 * R of [X 1 y] as gd_solve_options.factor describes it, the design that
 * the coefficients' standard errors and intervals come from. */
gd_status gd_solve_dataset_factor(const gd_dataset *ds, double *params, gd_solve_info *info,
                                  double *factor, gd_error *err);
/* The elastic net on ds (lasso when l2 = 0), the reference for a run with
 * --l1, which has no closed form: minimizes
 *     (1/n) |X w + b - y|^2 + l2 |w|^2 + l1 |w|_1
 * by cyclic coordinate descent on the centered Gram matrix (one pass over
 * the rows builds it; the sweeps then cost O(d^2) each), to a fixed point
 * where a sweep changes no weight by more than 1e-15 (relative) or 100000
 * sweeps. Each update is the exact minimizer along its coordinate,
 *     w_j = S(c_j - sum_{k != j} C_jk w_k, l1 / 2) / (C_jj + l2),
 * S the soft threshold, so weights the penalty silences are exactly 0; the
 * bias is mean(y) - mean(x) . w. params and info as gd_solve_dataset
 * (info->objective includes both penalties; rank and cond are not
 * computed: rank is d + 1 and cond 0). Errors as gd_solve_dataset, and
 * GD_ERR_USAGE for l1 < 0 or not finite. */
gd_status gd_solve_elastic_net(const gd_dataset *ds, double l1, double l2, double *params,
                               gd_solve_info *info, gd_error *err);

/* gd_solve_dataset and gd_solve_elastic_net for a model through the origin
 * (--no-intercept): the bias is fixed at 0 (params[d] = 0) and the problem
 * is min (1/n) |X w - y|^2 + penalties, on data scaled without centering
 * (gd_dataset_scale_origin). info->mse_const is then (1/n) |y|^2, the MSE of
 * predicting 0, so that 1 - mse / mse_const is the uncentered R^2 (as R's
 * summary.lm reports for a model without intercept). */
gd_status gd_solve_dataset_origin(const gd_dataset *ds, double l2, double *params,
                                  gd_solve_info *info, gd_error *err);
gd_status gd_solve_elastic_net_origin(const gd_dataset *ds, double l1, double l2,
                                      double *params, gd_solve_info *info, gd_error *err);

#endif
