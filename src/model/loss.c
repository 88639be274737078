/*
 * loss: fused forward + MSE + gradient. See include/gdtrain/loss.h.
 *
 * X is read row by row (row-major, as the dataset module lays it out). A
 * batch is cut into blocks of GD_LOSS_BLOCK rows; each block sums its rows
 * in order into its own partial sums (gradient, bias gradient, squared
 * residuals), and the partials are then added to the totals in block order.
 * Every addition is therefore fixed by the batch alone: whether the blocks
 * run on one thread or are spread over a pool, the bits are the same.
 *
 * Speed: one pass reads each row once. The kernel is compiled once for
 * every feature count d from 1 to LOSS_MAX_D (inlined with d a constant,
 * so the loops over features unroll and the weights and gradient sums stay
 * in registers) and once generically. Rows of an index list (shuffled
 * mini-batches) are prefetched a few rows ahead, since each is a random
 * place in memory.
 */
#include "gdtrain/loss.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"
#include "core/prefetch.h"
#include "core/share.h"

#if defined(__SSE2__) /* the gather's streaming stores */
#include <emmintrin.h>
#endif

/* Feature counts with a kernel of their own, and the cases of a switch
 * over them (X(1) to X(LOSS_MAX_D)). */
#define LOSS_MAX_D 16
#define LOSS_FOR_EACH_D(X)                                                          \
    X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16)

/* Rows ahead to prefetch in an index list. */
#define LOSS_PREFETCH 12

#if defined(__GNUC__)
#define LOSS_INLINE static inline __attribute__((always_inline))
#else
#define LOSS_INLINE static inline
#endif

struct gd_loss {
    const gd_dataset *ds;
    double *packed;       /* (n, d + 1) each row then its target (gd_loss_pack),
                             read instead of X and y; or NULL */
    const double *over;   /* rows in that layout that the evaluation in progress
                             reads instead (gd_loss_eval_packed), or NULL */
    gd_pool *pool;        /* worker threads, or NULL for the caller alone */
    size_t stride;        /* doubles per block partial: 5 (d + 2), padded to 64
                             bytes (the generic kernel's lanes follow the sums) */
    size_t cap_blocks;    /* block partials allocated */
    double *partial;      /* (cap_blocks, stride): [g_0 .. g_{d-1}, g_b, sse] */
    double *sums;         /* (d + 2) gd_loss_eval's totals, in the same layout */
    double *gathered;     /* shared data: every part's block sums, (blocks of
                             all rows, d + 2), or NULL */
    /* The evaluation in progress, read by the pool's tasks. */
    gd_rows rows;
    const double *params;
    int want_grad;
};

int gd_loss_threads(int threads)
{
    return gd_pool_threads(threads);
}

gd_status gd_loss_create(gd_loss **out, const gd_dataset *ds, int threads,
                         gd_error *err)
{
    *out = NULL;
    gd_loss *loss = calloc(1, sizeof *loss);
    if (loss == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    loss->ds = ds;
    loss->stride = (5 * (ds->d + 2) + 7) / 8 * 8;
    loss->cap_blocks = ds->n / GD_LOSS_BLOCK + 1;
    loss->partial = calloc((loss->cap_blocks + 1) * loss->stride, sizeof *loss->partial);
    if (ds->share != NULL)
        loss->gathered = malloc((ds->share->total / GD_LOSS_BLOCK + 1) * (ds->d + 2) *
                                sizeof *loss->gathered);
    if (loss->partial == NULL || (ds->share != NULL && loss->gathered == NULL)) {
        free(loss->partial);
        free(loss);
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    loss->sums = loss->partial + loss->cap_blocks * loss->stride;
    if (ds->n >= GD_LOSS_PARALLEL_MIN && gd_pool_threads(threads) > 1)
        loss->pool = gd_pool_create(threads);
    *out = loss;
    return GD_OK;
}

void gd_loss_free(gd_loss *loss)
{
    if (loss == NULL)
        return;
    gd_pool_free(loss->pool);
    free(loss->packed);
    free(loss->partial);
    free(loss->gathered);
    free(loss);
}

/* Two-lane vectors of doubles, where the compiler has them (GCC, clang):
 * one SSE2 register on x86-64, one NEON register on ARM64. Each lane is
 * ordinary IEEE double arithmetic, so the scalar version below (also
 * built with -DGD_LOSS_SCALAR) gives the same bits. */
#if defined(__GNUC__) && !defined(GD_LOSS_SCALAR)
#define LOSS_VEC 1
typedef double loss_v2 __attribute__((vector_size(16)));
#else
#define LOSS_VEC 0
#endif

/* Prefetches the row LOSS_PREFETCH places after position k of an index
 * list (no-op for contiguous rows). */
#define LOSS_PREFETCH_AHEAD(k, end)                                            \
    do {                                                                       \
        if (idx != NULL && (k) + LOSS_PREFETCH < (end)) {                      \
            size_t ahead_ = idx[first + (k) + LOSS_PREFETCH];                  \
            GD_PREFETCH(x + ahead_ * xs);                                      \
            GD_PREFETCH(x + ahead_ * xs + (d - 1));                            \
            GD_PREFETCH(y + ahead_ * ys);                                      \
        }                                                                      \
    } while (0)

/* Row index of position k of the block. */
#define LOSS_ROW(k) (idx != NULL ? idx[first + (k)] : first + (k))

/* The rows the kernels read: row i at *x + i *xs, its target at
 * (*y)[i *ys]; X and y (read at each evaluation: a caller may point its
 * dataset at other rows between them), or the packed copy. */
typedef struct loss_layout {
    const double *x, *y;
    size_t xs, ys;
} loss_layout;

static loss_layout source_layout(const gd_loss *loss)
{
    const size_t d = loss->ds->d;
    if (loss->packed != NULL)
        return (loss_layout){loss->packed, loss->packed + d, d + 1, d + 1};
    return (loss_layout){loss->ds->x, loss->ds->y, d, 1};
}

/* The rows the evaluation in progress reads. */
static loss_layout layout(const gd_loss *loss)
{
    const size_t d = loss->ds->d;
    if (loss->over != NULL)
        return (loss_layout){loss->over, loss->over + d, d + 1, d + 1};
    return source_layout(loss);
}

/* One row into one lane's sums: r = b + sum w_j x_j - y, sse += r^2,
 * g_j += r x_j, g_d += r. */
static inline void loss_row(const double *restrict xr, double yi,
                            const double *restrict params, size_t d, int want_grad,
                            double *restrict g, double *restrict sse)
{
    double r = params[d];
    for (size_t j = 0; j < d; j++)
        r += params[j] * xr[j];
    r -= yi;
    *sse += r * r;
    if (want_grad) {
        for (size_t j = 0; j < d; j++)
            g[j] += r * xr[j];
        g[d] += r;
    }
}

/*
 * The sums of one block: positions k = 0 .. count-1 of the batch, row
 * idx[first + k] (or first + k without a list). Writes out[0..d) = sum r x,
 * out[d] = sum r, out[d+1] = sum r^2. Inlined with d, idx == NULL and
 * want_grad as constants.
 *
 * Four lanes: with q = count / 4, lane l sums positions [l q, (l + 1) q) in
 * order from 0; the positions from 4 q on are then added to lane 0, in
 * order; the block's sums are (lane 0 + lane 1) + (lane 2 + lane 3). Lanes
 * 0 and 1, and lanes 2 and 3, run side by side in vector registers (each
 * lane ordinary IEEE arithmetic, so the scalar version gives the same
 * bits). Reading the block as four streams keeps more memory requests in
 * flight than one: measured 1.5x faster than two adjacent rows at a time,
 * and faster than a column-major kernel, on the VM this was tuned on.
 */
LOSS_INLINE void loss_kernel(const double *restrict x, const double *restrict y,
                             const size_t xs, const size_t ys,
                             const size_t *restrict idx, size_t first, size_t count,
                             const size_t d, const double *restrict params,
                             const int want_grad, double *restrict out)
{
    double g[4][LOSS_MAX_D + 1], sse[4];
    const size_t q = count / 4;
    assert(d <= LOSS_MAX_D);
#if LOSS_VEC
    loss_v2 w[LOSS_MAX_D], ga[LOSS_MAX_D + 1], gb[LOSS_MAX_D + 1];
    loss_v2 sa = {0.0, 0.0}, sb = {0.0, 0.0};
    for (size_t j = 0; j < d; j++) {
        w[j] = (loss_v2){params[j], params[j]};
        ga[j] = gb[j] = (loss_v2){0.0, 0.0};
    }
    ga[d] = gb[d] = (loss_v2){0.0, 0.0};
    const loss_v2 b = {params[d], params[d]};
    for (size_t k = 0; k < q; k++) {
        LOSS_PREFETCH_AHEAD(k, q);
        LOSS_PREFETCH_AHEAD(k + q, 2 * q);
        LOSS_PREFETCH_AHEAD(k + 2 * q, 3 * q);
        LOSS_PREFETCH_AHEAD(k + 3 * q, 4 * q);
        const size_t i0 = LOSS_ROW(k), i1 = LOSS_ROW(k + q);
        const size_t i2 = LOSS_ROW(k + 2 * q), i3 = LOSS_ROW(k + 3 * q);
        const double *x0 = x + i0 * xs, *x1 = x + i1 * xs;
        const double *x2 = x + i2 * xs, *x3 = x + i3 * xs;
        loss_v2 ra = b, rb = b;
        for (size_t j = 0; j < d; j++) {
            ra += w[j] * (loss_v2){x0[j], x1[j]};
            rb += w[j] * (loss_v2){x2[j], x3[j]};
        }
        ra -= (loss_v2){y[i0 * ys], y[i1 * ys]};
        rb -= (loss_v2){y[i2 * ys], y[i3 * ys]};
        sa += ra * ra;
        sb += rb * rb;
        if (want_grad) {
            for (size_t j = 0; j < d; j++) {
                ga[j] += ra * (loss_v2){x0[j], x1[j]};
                gb[j] += rb * (loss_v2){x2[j], x3[j]};
            }
            ga[d] += ra;
            gb[d] += rb;
        }
    }
    for (size_t j = 0; j <= d; j++) {
        g[0][j] = ga[j][0];
        g[1][j] = ga[j][1];
        g[2][j] = gb[j][0];
        g[3][j] = gb[j][1];
    }
    sse[0] = sa[0];
    sse[1] = sa[1];
    sse[2] = sb[0];
    sse[3] = sb[1];
#else
    for (int l = 0; l < 4; l++) {
        for (size_t j = 0; j <= d; j++)
            g[l][j] = 0.0;
        sse[l] = 0.0;
    }
    for (size_t k = 0; k < q; k++)
        for (int l = 0; l < 4; l++) {
            size_t i = LOSS_ROW(k + (size_t)l * q);
            loss_row(x + i * xs, y[i * ys], params, d, want_grad, g[l], &sse[l]);
        }
#endif
    for (size_t k = 4 * q; k < count; k++) { /* the rest: lane 0 */
        size_t i = LOSS_ROW(k);
        loss_row(x + i * xs, y[i * ys], params, d, want_grad, g[0], &sse[0]);
    }
    for (size_t j = 0; j <= d; j++)
        out[j] = want_grad ? (g[0][j] + g[1][j]) + (g[2][j] + g[3][j]) : 0.0;
    out[d + 1] = (sse[0] + sse[1]) + (sse[2] + sse[3]);
}

/* The same for any d, in the same four lanes (so the same bits), with the
 * lanes' sums in scratch (4 (d + 2) doubles). */
static void loss_kernel_any(const double *restrict x, const double *restrict y,
                            size_t xs, size_t ys,
                            const size_t *restrict idx, size_t first, size_t count,
                            size_t d, const double *restrict params, int want_grad,
                            double *restrict out, double *restrict scratch)
{
    double *lane[4];
    const size_t q = count / 4;
    memset(scratch, 0, 4 * (d + 2) * sizeof *scratch);
    for (int l = 0; l < 4; l++)
        lane[l] = scratch + (size_t)l * (d + 2);
    for (size_t k = 0; k < q; k++)
        for (int l = 0; l < 4; l++) {
            size_t i = LOSS_ROW(k + (size_t)l * q);
            loss_row(x + i * xs, y[i * ys], params, d, want_grad, lane[l], &lane[l][d + 1]);
        }
    for (size_t k = 4 * q; k < count; k++) {
        size_t i = LOSS_ROW(k);
        loss_row(x + i * xs, y[i * ys], params, d, want_grad, lane[0], &lane[0][d + 1]);
    }
    for (size_t j = 0; j < d + 2; j++)
        out[j] = (lane[0][j] + lane[1][j]) + (lane[2][j] + lane[3][j]);
}

/* Dispatches one block to the kernel compiled for its d (and for X's own
 * layout or the packed one). */
static void loss_block(const gd_loss *loss, gd_rows rows, size_t lo, size_t hi,
                       const double *params, int want_grad, double *out)
{
    const loss_layout l = layout(loss);
    const double *x = l.x, *y = l.y;
    const size_t *idx = rows.index;
    const size_t first = rows.begin + lo, count = hi - lo, d = loss->ds->d;
    const int packed = l.xs != d;
    switch (d) {
#define LOSS_CALL(D, XS, YS)                                                         \
    if (idx == NULL && want_grad)                                                    \
        loss_kernel(x, y, XS, YS, NULL, first, count, D, params, 1, out);           \
    else if (idx == NULL)                                                            \
        loss_kernel(x, y, XS, YS, NULL, first, count, D, params, 0, out);           \
    else if (want_grad)                                                              \
        loss_kernel(x, y, XS, YS, idx, first, count, D, params, 1, out);            \
    else                                                                             \
        loss_kernel(x, y, XS, YS, idx, first, count, D, params, 0, out);
#define LOSS_CASE(D)                                                                 \
    case D:                                                                          \
        if (packed) {                                                                \
            LOSS_CALL(D, (D) + 1, (D) + 1)                                           \
        } else {                                                                     \
            LOSS_CALL(D, D, 1)                                                       \
        }                                                                            \
        return;
        LOSS_FOR_EACH_D(LOSS_CASE)
#undef LOSS_CASE
#undef LOSS_CALL
    default:
        loss_kernel_any(x, y, l.xs, l.ys, idx, first, count, d, params, want_grad, out,
                        out + d + 2);
    }
}

/* A pool task: block number t of the evaluation in progress. */
static void loss_task(void *ctx, size_t t, int worker)
{
    (void)worker;
    gd_loss *loss = ctx;
    size_t lo = t * GD_LOSS_BLOCK;
    size_t hi = lo + GD_LOSS_BLOCK < loss->rows.count ? lo + GD_LOSS_BLOCK
                                                       : loss->rows.count;
    loss_block(loss, loss->rows, lo, hi, loss->params, loss->want_grad,
               loss->partial + t * loss->stride);
}

/* grad[j] = 2 sums[j] / m for j = 0 .. d. When m is a power of two its
 * reciprocal is exact, so multiplying by it rounds the same real number
 * as dividing (the same bits) at a fraction of a division's latency, which
 * a mini-batch step has on its path to the next (batches of 1, 32, 128). */
LOSS_INLINE void loss_grad_of_sums(const double *sums, size_t d, size_t m, double *grad)
{
    const double dm = (double)m;
    if ((m & (m - 1)) == 0) {
        const double inv = 1.0 / dm;
        for (size_t j = 0; j <= d; j++)
            grad[j] = 2.0 * sums[j] * inv;
    } else {
        for (size_t j = 0; j <= d; j++)
            grad[j] = 2.0 * sums[j] / dm;
    }
}

/* gd_loss_eval for fewer than 4 rows (batch-1 sgd's every step): the same
 * sums without a block's set-up. Every row goes to lane 0 and lanes 1 to 3
 * stay empty; adding their zeros could only turn a -0 sum into +0, and a
 * sum that starts from +0 is never -0, so lane 0 alone has the bits of the
 * general path. Inlined with d a constant, like loss_kernel. */
LOSS_INLINE double loss_small_kernel(const double *restrict x, const double *restrict y,
                                     const size_t xs, const size_t ys, gd_rows rows,
                                     const size_t d,
                                     const double *restrict params, double *restrict grad,
                                     double *restrict g)
{
    if (rows.count == 1 && grad != NULL) {
        /* Batch-1 sgd's step: each sum is 0 + one term, and 2 s / 1 is 2 s;
         * written straight to grad from the row (the spilled sums of the
         * loop below cost a stalled reload on this step's path). */
        const size_t i = rows.index != NULL ? rows.index[rows.begin] : rows.begin;
        const double *restrict xr = x + i * xs;
        double r = params[d];
        for (size_t j = 0; j < d; j++)
            r += params[j] * xr[j];
        r -= y[i * ys];
        for (size_t j = 0; j < d; j++)
            grad[j] = 2.0 * (0.0 + r * xr[j]);
        grad[d] = 2.0 * (0.0 + r);
        return 0.0 + r * r;
    }
    double sse = 0.0;
    for (size_t j = 0; j <= d; j++)
        g[j] = 0.0;
    for (size_t k = 0; k < rows.count; k++) {
        size_t i = rows.index != NULL ? rows.index[rows.begin + k] : rows.begin + k;
        loss_row(x + i * xs, y[i * ys], params, d, grad != NULL, g, &sse);
    }
    if (grad != NULL)
        loss_grad_of_sums(g, d, rows.count, grad);
    return sse / (double)rows.count;
}

/* Dispatches to the kernel compiled for d; sums in g, or for larger d in
 * the evaluator's first block partial (d + 2 doubles at least). */
static double loss_small(gd_loss *loss, const gd_rows *batch, const double *params,
                         double *grad)
{
    const gd_rows rows = *batch; /* by address: see loss_eval */
    const loss_layout l = layout(loss);
    const double *x = l.x, *y = l.y;
    double g[LOSS_MAX_D + 1];
    switch (loss->ds->d) {
#define LOSS_SMALL_CASE(D)                                                           \
    case D:                                                                          \
        return l.xs != (D)                                                           \
                   ? loss_small_kernel(x, y, (D) + 1, (D) + 1, rows, D, params, grad, g) \
                   : loss_small_kernel(x, y, D, 1, rows, D, params, grad, g);
        LOSS_FOR_EACH_D(LOSS_SMALL_CASE)
#undef LOSS_SMALL_CASE
    default:
        return loss_small_kernel(x, y, l.xs, l.ys, rows, loss->ds->d, params, grad,
                                 loss->partial);
    }
}

/* The sums of each of the nblocks blocks of rows into the evaluator's
 * partials, on its pool (or on the caller when it has none). */
static void loss_partials(gd_loss *loss, gd_rows rows, size_t nblocks, const double *params,
                          int want_grad)
{
    loss->rows = rows;
    loss->params = params;
    loss->want_grad = want_grad;
    gd_pool_run(loss->pool, loss_task, loss, nblocks);
}

/* gd_loss_eval over all rows of a dataset shared by several processes:
 * this part's blocks' partials, every part's gathered in block order, then
 * added as gd_loss_add adds them, so the bits are those of one process
 * holding every row. (Its first row is a multiple of GD_LOSS_BLOCK.) */
static double loss_eval_shared(gd_loss *loss, const double *params, double *grad)
{
    const gd_dataset *ds = loss->ds;
    const gd_rowshare *share = ds->share;
    const size_t d = ds->d, np = d + 1, w = d + 2;
    const size_t mine = ds->n == 0 ? 0 : (ds->n - 1) / GD_LOSS_BLOCK + 1;
    const size_t all = (share->total - 1) / GD_LOSS_BLOCK + 1;
    const int want_grad = grad != NULL;
    assert(share->first % GD_LOSS_BLOCK == 0 && mine <= loss->cap_blocks);
    if (mine > 0)
        loss_partials(loss, gd_rows_all(ds), mine, params, want_grad);
    /* Packed to d + 2 doubles a block for the exchange. */
    for (size_t t = 0; t < mine; t++)
        memmove(loss->partial + t * w, loss->partial + t * loss->stride, w * sizeof(double));
    share->gather(share->ctx, loss->partial, mine, w, loss->gathered);
    double *sums = loss->sums;
    memset(sums, 0, w * sizeof *sums);
    for (size_t t = 0; t < all; t++) {
        const double *part = loss->gathered + t * w;
        sums[d + 1] += part[d + 1];
        if (want_grad)
            for (size_t j = 0; j < np; j++)
                sums[j] += part[j];
    }
    return gd_loss_finish(sums, d, share->total, grad);
}

void gd_loss_add(gd_loss *loss, gd_rows rows, const double *params, int want_grad,
                 double *sums)
{
    const gd_dataset *ds = loss->ds;
    const size_t d = ds->d, np = d + 1;
    assert(rows.count > 0);
    const size_t nblocks = (rows.count - 1) / GD_LOSS_BLOCK + 1;
    /* All blocks' partials at once when threads help (and there is room),
     * else one block at a time in the first slot. */
    const int parallel = loss->pool != NULL && rows.count >= GD_LOSS_PARALLEL_MIN &&
                         nblocks <= loss->cap_blocks;
    if (parallel)
        loss_partials(loss, rows, nblocks, params, want_grad);
    for (size_t t = 0; t < nblocks; t++) {
        double *part = loss->partial;
        if (parallel) {
            part += t * loss->stride;
        } else {
            size_t lo = t * GD_LOSS_BLOCK;
            size_t hi = lo + GD_LOSS_BLOCK < rows.count ? lo + GD_LOSS_BLOCK : rows.count;
            loss_block(loss, rows, lo, hi, params, want_grad, part);
        }
        sums[d + 1] += part[d + 1];
        if (want_grad)
            for (size_t j = 0; j < np; j++)
                sums[j] += part[j];
    }
}

double gd_loss_finish(const double *sums, size_t d, size_t m, double *grad)
{
    if (grad != NULL)
        loss_grad_of_sums(sums, d, m, grad);
    return sums[d + 1] / (double)m;
}

/* gd_loss_eval, inlined into its callers: a gd_rows built just before a
 * call to it is copied through the stack, and the copy's reload waits on
 * the stores that built it (a stall a batch-1 step would pay each time). */
LOSS_INLINE double loss_eval(gd_loss *loss, gd_rows rows, const double *params, double *grad)
{
    const gd_dataset *ds = loss->ds;
    const size_t d = ds->d;
    if (ds->share != NULL) {
        /* Only whole-data evaluations span the parts (the trainer refuses
         * mini-batches on shared data). */
        assert(rows.index == NULL && rows.begin == 0 && rows.count == ds->n);
        return loss_eval_shared(loss, params, grad);
    }
    assert(rows.count > 0);
    if (rows.count < 4)
        return loss_small(loss, &rows, params, grad);
    /* The sums sit after the block partials the evaluator keeps anyway. */
    double *sums = loss->sums;
    memset(sums, 0, (d + 2) * sizeof *sums);
    gd_loss_add(loss, rows, params, grad != NULL, sums);
    return gd_loss_finish(sums, d, rows.count, grad);
}

double gd_loss_eval(gd_loss *loss, gd_rows rows, const double *params, double *grad)
{
    return loss_eval(loss, rows, params, grad);
}

double gd_loss_eval_packed(gd_loss *loss, const double *packed, size_t begin, size_t count,
                           const double *params, double *grad)
{
    assert(loss->ds->share == NULL);
    loss->over = packed;
    double mse = loss_eval(loss, (gd_rows){NULL, begin, count}, params, grad);
    loss->over = NULL;
    return mse;
}

/* Rows ahead of the one being copied that gd_loss_gather prefetches. */
#define LOSS_GATHER_AHEAD 16

/* A one-line row (w = 8) copied to 64-byte-aligned out with streaming
 * stores where the compiler has SSE2: the laid-out rows are far larger than
 * the caches and read only in the next epoch, so an ordinary store's read
 * of each destination line first (a third of the gather's memory traffic)
 * buys nothing. The copy is the same bytes either way. */
static inline void loss_copy_line(double *restrict out, const double *restrict row)
{
#if defined(__SSE2__)
    for (int k = 0; k < 8; k += 2)
        _mm_stream_pd(out + k, _mm_loadu_pd(row + k));
#else
    memcpy(out, row, 8 * sizeof *out);
#endif
}

void gd_loss_gather(const gd_loss *loss, const size_t *order, size_t count, double *out)
{
    const loss_layout l = source_layout(loss);
    const size_t d = loss->ds->d, w = d + 1;
    const int stream = loss->packed != NULL && w == 8 && (uintptr_t)out % 64 == 0;
    for (size_t k = 0; k < count; k++) {
        if (k + LOSS_GATHER_AHEAD < count) {
            const size_t ahead = order[k + LOSS_GATHER_AHEAD];
            GD_PREFETCH(l.x + ahead * l.xs);
            GD_PREFETCH(l.x + ahead * l.xs + d); /* the row's last line */
            if (loss->packed == NULL)
                GD_PREFETCH(l.y + ahead * l.ys);
        }
        const size_t i = order[k];
        if (stream) {
            loss_copy_line(out + k * w, l.x + i * l.xs);
        } else if (loss->packed != NULL) {
            memcpy(out + k * w, l.x + i * l.xs, w * sizeof *out);
        } else {
            memcpy(out + k * w, l.x + i * l.xs, d * sizeof *out);
            out[k * w + d] = l.y[i * l.ys];
        }
    }
#if defined(__SSE2__)
    /* Streaming stores are weakly ordered: all of them land before the
     * caller hands the rows to another thread. */
    if (stream)
        _mm_sfence();
#endif
}

void gd_loss_prefetch(const gd_loss *loss, gd_rows rows)
{
    const loss_layout l = layout(loss);
    const double *x = l.x, *y = l.y;
    const size_t d = loss->ds->d, xs = l.xs, ys = l.ys;
    for (size_t k = 0; k < rows.count; k++) {
        size_t i = rows.index != NULL ? rows.index[rows.begin + k] : rows.begin + k;
        if (d > 0) { /* a row's first and last feature: its one or two lines */
            GD_PREFETCH(x + i * xs);
            GD_PREFETCH(x + i * xs + (d - 1));
        }
        if (loss->packed == NULL) /* packed, the target shares the row's lines */
            GD_PREFETCH(y + i * ys);
    }
}

double gd_loss_penalty(const double *params, size_t d, double l2, double l1)
{
    double sq = 0.0, abs_sum = 0.0;
    for (size_t j = 0; j < d; j++) {
        sq += params[j] * params[j];
        abs_sum += fabs(params[j]);
    }
    return l2 * sq + l1 * abs_sum;
}

/* A packed row's size in bytes and the packed copy's alignment: rows of
 * 8 doubles (7 features) each fill one cache line. */
#define LOSS_LINE 64

/* Rows of block b into loss->packed, each row then its target. */
static void pack_task(void *ctx, size_t b, int worker)
{
    (void)worker;
    const gd_loss *loss = ctx;
    const gd_dataset *ds = loss->ds;
    const size_t d = ds->d, w = d + 1;
    const size_t lo = b * GD_LOSS_BLOCK;
    const size_t hi = lo + GD_LOSS_BLOCK < ds->n ? lo + GD_LOSS_BLOCK : ds->n;
    double *p = loss->packed;
    for (size_t i = lo; i < hi; i++) {
        memcpy(p + i * w, ds->x + i * d, d * sizeof *p);
        p[i * w + d] = ds->y[i];
    }
}

int gd_loss_pack(gd_loss *loss)
{
    const gd_dataset *ds = loss->ds;
    const size_t n = ds->n, d = ds->d, w = d + 1;
    assert(ds->y != NULL);
    if (loss->packed != NULL)
        return 0;
    if (n > SIZE_MAX / sizeof(double) / w - LOSS_LINE)
        return -1;
    size_t bytes = (n * w * sizeof(double) + LOSS_LINE - 1) / LOSS_LINE * LOSS_LINE;
    double *p = aligned_alloc(LOSS_LINE, bytes);
    if (p == NULL)
        return -1;
    loss->packed = p;
    /* On the pool's threads: most of the copy's time is the first touch of
     * its fresh pages, which the threads take in parallel (10M rows x 7: 1.3 s
     * on one thread). */
    gd_pool_run(loss->pool, pack_task, loss, n / GD_LOSS_BLOCK + 1);
    return 0;
}

void gd_loss_predict(const gd_dataset *ds, const double *params, double *out)
{
    const size_t d = ds->d;
    const double b = params[d];
    for (size_t i = 0; i < ds->n; i++) {
        const double *x = gd_dataset_row(ds, i);
        double yhat = b;
        for (size_t j = 0; j < d; j++)
            yhat += params[j] * x[j];
        out[i] = yhat;
    }
}
