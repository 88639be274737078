/*
 * standardize: z-scores of X and y, and the statistics behind them.
 *
 * Per column: mean, then the sum of squared deviations from it (two passes,
 * population std), both with compensated (Neumaier) sums over the rows in
 * order, so it is deterministic and keeps the digits of columns with a large
 * offset. A constant column (identical values) gets std 1, its value as
 * mean, and z-scores of exactly 0. Without centering (gd_dataset_scale_origin)
 * the mean is 0 and the spread is the root mean square; only an all-zero
 * column is constant there.
 *
 * Every finite column works: the first pass also finds each column's largest
 * magnitude, and a column whose values lie beyond 2^+-500 is handled in a
 * scaled copy (times a power of two, which is exact): deviations, their
 * squares and z-scores are computed as (x s - mean s) / (std s). Otherwise
 * values near 1e300 overflow the squares, and values near 1e-300 underflow
 * them to a spread of 0 although they differ. For the other columns s is 1,
 * so their bits are those of the plain formulas. A mean whose plain sum
 * overflows (values near the largest double) is summed again, scaled.
 *
 * The passes over the matrix (the sums for the means, the sums of squared
 * deviations, the z-scores) run over fixed blocks of DS_STAT_ROWS rows on a
 * pool of threads (the dataset's `threads`). A block sums its rows in order
 * from zero; the blocks' sums are then added in block order. So the bits
 * never depend on the number of threads, and for up to DS_STAT_ROWS rows the
 * sums are exactly the plain sums in row order.
 */
#include "gdtrain/dataset.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"
#include "core/share.h"
#include "data/stats.h"


#define DS_STAT_ROWS 8192

/* Neumaier's compensated sum: s + c is the running total, c the sum of
 * the rounding errors of s's additions. */
typedef struct ds_sum {
    double s, c;
} ds_sum;

/* Each addition's error is found with Knuth's TwoSum: six additions, no
 * comparison. Neumaier's own form (the smaller of s and v minus what t kept
 * of it) gives the same number, since both are exact (Dekker; Knuth): the
 * bits are those of that form, in half the instructions when vectorized.
 * Once s overflows, c is NaN with either, and the mean not finite. */
static inline void ds_sum_add(ds_sum *a, double v)
{
    double t = a->s + v;
    double v_kept = t - a->s;
    a->c += (a->s - (t - v_kept)) + (v - v_kept);
    a->s = t;
}

/* The passes' shared state. Column j < d is X's column j; column d is y
 * when there is one. */
typedef struct ds_std_job {
    double *x, *y;
    size_t n, d;
    size_t m;               /* columns: d, plus 1 with y */
    size_t stride;          /* sums per block in part, m padded to 4 (64 bytes) */
    ds_sum *part;           /* (blocks, stride) each block's sums */
    double *peak;           /* (blocks, stride) each block's largest |value| */
    double *scale;          /* (m) the power of two each column is scaled by:
                               1 unless its values are extreme */
    unsigned char *same;    /* (blocks, stride) 1 if all the block's values are
                               row 0's */
    const double *ref;      /* (m) the data's row 0 (its target last), which a
                               column's values are compared with */
    const double *mean;     /* (m) the means, for the second pass */
    const gd_scaling *sc;   /* the z-scores' statistics, for the third */
} ds_std_job;

static void ds_block_rows(const ds_std_job *job, size_t b, size_t *lo, size_t *hi)
{
    *lo = b * DS_STAT_ROWS;
    *hi = *lo + DS_STAT_ROWS < job->n ? *lo + DS_STAT_ROWS : job->n;
}

#if defined(__GNUC__)
#define DS_INLINE static inline __attribute__((always_inline))
#define DS_PREFETCH(p) __builtin_prefetch(p)
#else
#define DS_INLINE static inline
#define DS_PREFETCH(p) ((void)0)
#endif

/* Rows ahead to prefetch in the passes: a single stream of rows does not
 * keep enough memory requests in flight on the VM this was tuned on (the
 * first pass ran 2x faster with it). Prefetching past the end of the array
 * is harmless: a prefetch never faults. */
#define DS_AHEAD 64

/* The feature counts whose passes are compiled with d a constant (so the
 * loops over a row unroll and the sums stay in registers). */
#define DS_MAX_D 16

/* Column pairs in two-lane vectors, where the compiler has them (GCC,
 * clang): each lane is the scalar code's IEEE arithmetic on its own column
 * (compensated sums, comparisons, selections by bit masks), so the bits are
 * those of one column at a time. The passes ran about 2x slower as scalar
 * code, their sums spilled to the stack. Without vectors every column takes
 * the scalar path. */
#if defined(__GNUC__)
#define DS_VEC 1
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
typedef double ds_v2 __attribute__((vector_size(16)));
typedef long long ds_m2 __attribute__((vector_size(16)));

static inline ds_v2 ds_v2_load(const double *p)
{
    ds_v2 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline ds_v2 ds_v2_abs(ds_v2 v)
{
    return (ds_v2)((ds_m2)v & (ds_m2){INT64_MAX, INT64_MAX});
}

/* m ? a : b, lane by lane (m all ones or all zeros). */
static inline ds_v2 ds_v2_select(ds_m2 m, ds_v2 a, ds_v2 b)
{
    return (ds_v2)(((ds_m2)a & m) | ((ds_m2)b & ~m));
}

/* ds_peak in each lane: the larger of a (>= 0 or NaN) and peak, peak
 * when a is NaN. SSE2's maxpd is exactly that choice, in one instruction
 * instead of a comparison and a three-step selection. */
static inline ds_v2 ds_v2_peak(ds_v2 peak, ds_v2 a)
{
#if defined(__SSE2__)
    return (ds_v2)_mm_max_pd((__m128d)a, (__m128d)peak);
#else
    return ds_v2_select((ds_m2)(a > peak), a, peak);
#endif
}

/* ds_sum_add in each lane. */
static inline void ds_v2_sum_add(ds_v2 *s, ds_v2 *c, ds_v2 v)
{
    ds_v2 t = *s + v;
    ds_v2 v_kept = t - *s;
    *c += (*s - (t - v_kept)) + (v - v_kept);
    *s = t;
}
#define DS_PAIRS(d) ((d) / 2)
#else
#define DS_VEC 0
#define DS_PAIRS(d) 0
#endif

/* fmax(peak, a) for a >= 0 or NaN and peak a number: a NaN leaves peak. */
static inline double ds_peak(double peak, double a)
{
    return a > peak ? a : peak;
}

/* Rows [lo, hi) of the first pass over X: acc[j] += x_ij, in row order, and
 * same[j] &= (x_ij == x_0j). Inlined with d a constant. */
DS_INLINE void ds_sum_rows(const double *restrict x, size_t lo, size_t hi, const size_t d,
                           const double *restrict ref, ds_sum *restrict out,
                           unsigned char *restrict same_out, double *restrict peak_out)
{
    ds_sum acc[DS_MAX_D];
    double first[DS_MAX_D], peak[DS_MAX_D];
    int same[DS_MAX_D];
    const size_t vd = 2 * DS_PAIRS(d); /* columns [0, vd) in pairs */
    for (size_t j = 0; j < d; j++) {
        acc[j].s = acc[j].c = 0.0;
        first[j] = ref[j];
        same[j] = 1;
        peak[j] = 0.0;
    }
#if DS_VEC
    ds_v2 vs[DS_MAX_D / 2], vc[DS_MAX_D / 2], vfirst[DS_MAX_D / 2], vpeak[DS_MAX_D / 2];
    ds_m2 vsame[DS_MAX_D / 2];
    for (size_t p = 0; p < vd / 2; p++) {
        vs[p] = vc[p] = vpeak[p] = (ds_v2){0.0, 0.0};
        vfirst[p] = ds_v2_load(ref + 2 * p);
        vsame[p] = (ds_m2){-1, -1};
    }
#endif
    for (size_t i = lo; i < hi; i++) {
        const double *row = x + i * d;
        DS_PREFETCH(row + DS_AHEAD * d);
#if DS_VEC
        for (size_t p = 0; p < vd / 2; p++) {
            ds_v2 v = ds_v2_load(row + 2 * p), a = ds_v2_abs(v);
            ds_v2_sum_add(&vs[p], &vc[p], v);
            vsame[p] &= (ds_m2)(v == vfirst[p]);
            vpeak[p] = ds_v2_peak(vpeak[p], a);
        }
#endif
        for (size_t j = vd; j < d; j++) {
            ds_sum_add(&acc[j], row[j]);
            same[j] &= row[j] == first[j];
            peak[j] = ds_peak(peak[j], fabs(row[j]));
        }
    }
#if DS_VEC
    for (size_t j = 0; j < vd; j++) {
        acc[j].s = vs[j / 2][j % 2];
        acc[j].c = vc[j / 2][j % 2];
        same[j] = vsame[j / 2][j % 2] != 0;
        peak[j] = vpeak[j / 2][j % 2];
    }
#endif
    for (size_t j = 0; j < d; j++) {
        out[j] = acc[j];
        same_out[j] = (unsigned char)same[j];
        peak_out[j] = peak[j];
    }
}

/* Rows [lo, hi) of the second pass: out[j] = sum of ((x_ij - mean_j) s_j)^2,
 * computed as x_ij s_j - mean_j s_j (exact scalings). */
DS_INLINE void ds_dev_rows(const double *restrict x, size_t lo, size_t hi, const size_t d,
                           const double *restrict mean_in, const double *restrict scale_in,
                           ds_sum *restrict out)
{
    ds_sum acc[DS_MAX_D];
    double mean[DS_MAX_D], scale[DS_MAX_D];
    const size_t vd = 2 * DS_PAIRS(d);
    for (size_t j = 0; j < d; j++) {
        acc[j].s = acc[j].c = 0.0;
        scale[j] = scale_in[j];
        mean[j] = mean_in[j] * scale[j];
    }
#if DS_VEC
    ds_v2 vs[DS_MAX_D / 2], vc[DS_MAX_D / 2], vmean[DS_MAX_D / 2], vscale[DS_MAX_D / 2];
    for (size_t p = 0; p < vd / 2; p++) {
        vs[p] = vc[p] = (ds_v2){0.0, 0.0};
        vmean[p] = ds_v2_load(mean + 2 * p);
        vscale[p] = ds_v2_load(scale + 2 * p);
    }
#endif
    for (size_t i = lo; i < hi; i++) {
        const double *row = x + i * d;
        DS_PREFETCH(row + DS_AHEAD * d);
#if DS_VEC
        for (size_t p = 0; p < vd / 2; p++) {
            ds_v2 dev = ds_v2_load(row + 2 * p) * vscale[p] - vmean[p];
            ds_v2_sum_add(&vs[p], &vc[p], dev * dev);
        }
#endif
        for (size_t j = vd; j < d; j++) {
            double dev = row[j] * scale[j] - mean[j];
            ds_sum_add(&acc[j], dev * dev);
        }
    }
#if DS_VEC
    for (size_t j = 0; j < vd; j++) {
        acc[j].s = vs[j / 2][j % 2];
        acc[j].c = vc[j / 2][j % 2];
    }
#endif
    for (size_t j = 0; j < d; j++)
        out[j] = acc[j];
}

/* The power of two that brings a column of spread std and mean mean into
 * the range where its z-scores cannot overflow or underflow on the way: 1
 * for every ordinary column. */
static double ds_zscale(double mean, double std)
{
    const double lo = 0x1p-500, hi = 0x1p500;
    if (std >= lo && std <= hi && fabs(mean) <= hi)
        return 1.0;
    int e = ilogb(std);
    return ldexp(1.0, e > 1000 ? -1000 : e < -1000 ? 1000 : -e);
}

/* Rows [lo, hi) of the third pass: x_ij = (x_ij s - mean_j s) / (std_j s)
 * with s = ds_zscale (the plain z-score for s = 1), or 0 for a constant
 * column. */
DS_INLINE void ds_scale_rows(double *restrict x, size_t lo, size_t hi, const size_t d,
                             const gd_scaling *sc)
{
    double mean[DS_MAX_D], std[DS_MAX_D], scale[DS_MAX_D];
    int constant[DS_MAX_D];
    for (size_t j = 0; j < d; j++) {
        scale[j] = ds_zscale(sc->x_mean[j], sc->x_std[j]);
        mean[j] = sc->x_mean[j] * scale[j];
        std[j] = sc->x_std[j] * scale[j];
        constant[j] = sc->constant[j];
    }
    const size_t vd = 2 * DS_PAIRS(d);
#if DS_VEC
    ds_v2 vmean[DS_MAX_D / 2], vstd[DS_MAX_D / 2], vscale[DS_MAX_D / 2];
    ds_m2 vconst[DS_MAX_D / 2];
    for (size_t p = 0; p < vd / 2; p++) {
        vmean[p] = ds_v2_load(mean + 2 * p);
        vstd[p] = ds_v2_load(std + 2 * p);
        vscale[p] = ds_v2_load(scale + 2 * p);
        vconst[p] = (ds_m2){constant[2 * p] ? -1 : 0, constant[2 * p + 1] ? -1 : 0};
    }
#endif
    for (size_t i = lo; i < hi; i++) {
        double *row = x + i * d;
        DS_PREFETCH(row + DS_AHEAD * d);
#if DS_VEC
        for (size_t p = 0; p < vd / 2; p++) {
            ds_v2 z = (ds_v2_load(row + 2 * p) * vscale[p] - vmean[p]) / vstd[p];
            z = ds_v2_select(vconst[p], (ds_v2){0.0, 0.0}, z);
            memcpy(row + 2 * p, &z, sizeof z);
        }
#endif
        for (size_t j = vd; j < d; j++)
            row[j] = constant[j] ? 0.0 : (row[j] * scale[j] - mean[j]) / std[j];
    }
}

/* One z-score, as ds_scale_rows computes it. */
static double ds_zscore(double v, double mean, double std)
{
    double s = ds_zscale(mean, std);
    return (v * s - mean * s) / (std * s);
}

/* Calls FN(..., D, ...) with D the literal value of d when d <= DS_MAX_D. */
#define DS_DISPATCH_D(d, CALL)                                                    \
    switch (d) {                                                                  \
    case 1: CALL(1); break;   case 2: CALL(2); break;   case 3: CALL(3); break;   \
    case 4: CALL(4); break;   case 5: CALL(5); break;   case 6: CALL(6); break;   \
    case 7: CALL(7); break;   case 8: CALL(8); break;   case 9: CALL(9); break;   \
    case 10: CALL(10); break; case 11: CALL(11); break; case 12: CALL(12); break; \
    case 13: CALL(13); break; case 14: CALL(14); break; case 15: CALL(15); break; \
    case 16: CALL(16); break;                                                     \
    default: assert((d) >= 1 && (d) <= DS_MAX_D); /* never: callers check */    \
    }

/* First pass, block b: sums of the values, and whether they are row 0's. */
static void ds_sum_task(void *ctx, size_t b, int worker)
{
    (void)worker;
    const ds_std_job *job = ctx;
    const size_t d = job->d;
    const double *restrict x = job->x;
    ds_sum *restrict acc = job->part + b * job->stride;
    unsigned char *restrict same = job->same + b * job->stride;
    double *restrict peak = job->peak + b * job->stride;
    size_t lo, hi;
    ds_block_rows(job, b, &lo, &hi);
    if (d >= 1 && d <= DS_MAX_D) {
#define DS_CALL(D) ds_sum_rows(x, lo, hi, D, job->ref, acc, same, peak)
        DS_DISPATCH_D(d, DS_CALL)
#undef DS_CALL
    } else {
        for (size_t j = 0; j < d; j++) {
            acc[j].s = acc[j].c = 0.0;
            same[j] = 1;
            peak[j] = 0.0;
        }
        for (size_t i = lo; i < hi; i++) {
            const double *row = x + i * d;
            for (size_t j = 0; j < d; j++) {
                ds_sum_add(&acc[j], row[j]);
                same[j] &= row[j] == job->ref[j];
                peak[j] = fmax(peak[j], fabs(row[j]));
            }
        }
    }
    if (job->m > d) {
        const double *restrict y = job->y;
        ds_sum a = {0.0, 0.0};
        int all = 1;
        double top = 0.0;
        for (size_t i = lo; i < hi; i++) {
            ds_sum_add(&a, y[i]);
            all &= y[i] == job->ref[d];
            top = ds_peak(top, fabs(y[i]));
        }
        acc[d] = a;
        same[d] = (unsigned char)all;
        peak[d] = top;
    }
}

/* Second pass, block b: sums of the squared deviations from the means. */
static void ds_dev_task(void *ctx, size_t b, int worker)
{
    (void)worker;
    const ds_std_job *job = ctx;
    const size_t d = job->d;
    const double *restrict x = job->x;
    const double *restrict mean = job->mean;
    const double *restrict scale = job->scale;
    ds_sum *restrict acc = job->part + b * job->stride;
    size_t lo, hi;
    ds_block_rows(job, b, &lo, &hi);
    if (d >= 1 && d <= DS_MAX_D) {
#define DS_CALL(D) ds_dev_rows(x, lo, hi, D, mean, scale, acc)
        DS_DISPATCH_D(d, DS_CALL)
#undef DS_CALL
    } else {
        for (size_t j = 0; j < d; j++)
            acc[j].s = acc[j].c = 0.0;
        for (size_t i = lo; i < hi; i++) {
            const double *row = x + i * d;
            for (size_t j = 0; j < d; j++) {
                double dev = row[j] * scale[j] - mean[j] * scale[j];
                ds_sum_add(&acc[j], dev * dev);
            }
        }
    }
    if (job->m > d) {
        const double *restrict y = job->y;
        ds_sum a = {0.0, 0.0};
        for (size_t i = lo; i < hi; i++) {
            double dev = y[i] * scale[d] - mean[d] * scale[d];
            ds_sum_add(&a, dev * dev);
        }
        acc[d] = a;
    }
}

/* Third pass, block b: x' = (x - mean) / std; a constant column becomes
 * exactly 0 (also when its spread only underflowed to 0), in every row of
 * every set, because the model gives it weight 0. */
static void ds_scale_task(void *ctx, size_t b, int worker)
{
    (void)worker;
    const ds_std_job *job = ctx;
    const gd_scaling *sc = job->sc;
    const size_t d = job->d;
    double *restrict x = job->x;
    size_t lo, hi;
    ds_block_rows(job, b, &lo, &hi);
    if (d >= 1 && d <= DS_MAX_D) {
#define DS_CALL(D) ds_scale_rows(x, lo, hi, D, sc)
        DS_DISPATCH_D(d, DS_CALL)
#undef DS_CALL
    } else {
        for (size_t i = lo; i < hi; i++) {
            double *row = x + i * d;
            for (size_t j = 0; j < d; j++)
                row[j] = sc->constant[j] ? 0.0 : ds_zscore(row[j], sc->x_mean[j], sc->x_std[j]);
        }
    }
    if (job->y != NULL) {
        double *restrict y = job->y;
        const double s = ds_zscale(sc->y_mean, sc->y_std);
        const double ym = sc->y_mean * s, ys = sc->y_std * s;
        if (sc->y_constant) {
            for (size_t i = lo; i < hi; i++)
                y[i] = 0.0;
        } else {
            for (size_t i = lo; i < hi; i++)
                y[i] = (y[i] * s - ym) / ys;
        }
    }
}

static size_t ds_blocks(size_t n)
{
    return n == 0 ? 0 : (n - 1) / DS_STAT_ROWS + 1;
}

/* A pool for the passes over ds, or NULL when one thread will do. */
static gd_pool *ds_pool(const gd_dataset *ds)
{
    size_t nb = ds_blocks(ds->n);
    int threads = gd_pool_threads(ds->threads);
    if (nb < 2 || threads < 2)
        return NULL;
    return gd_pool_create(nb < (size_t)threads ? (int)nb : threads);
}

void gd_stats_apply(const gd_scaling *sc, double *x, double *y, size_t n, gd_pool *pool)
{
    ds_std_job job;
    memset(&job, 0, sizeof job);
    job.x = x;
    job.y = y;
    job.n = n;
    job.d = sc->d;
    job.sc = sc;
    gd_pool_run(pool, ds_scale_task, &job, ds_blocks(n));
}

void gd_dataset_apply_scaling(gd_dataset *ds, const gd_scaling *sc)
{
    assert(sc->d == ds->d);
    gd_pool *pool = ds_pool(ds);
    gd_stats_apply(sc, ds->x, ds->y, ds->n, pool);
    gd_pool_free(pool);
}

/* The same when the rows were streamed and are no longer at hand. */
static gd_status ds_too_large_streamed(const gd_dataset *ds, size_t j, gd_error *err)
{
    const char *name = j < ds->d ? (ds->feature_names ? ds->feature_names[j] : NULL)
                                 : ds->target_name;
    char q[200];
    return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                        "column '%s': values too large to standardize (their sum or "
                        "spread overflows a double): rescale the column, e.g. change "
                        "its unit", name ? gd_error_quote(name, strlen(name), q, sizeof q) : "?");
}

/* Fails with the error for column j (d for the target) whose values
 * overflow, naming the data row that holds its largest magnitude: the rows
 * no longer know their lines, but in a file without line breaks inside
 * quotes data row k is line k + 1. */
static gd_status ds_too_large(const gd_dataset *ds, size_t j, gd_error *err)
{
    if (ds->x == NULL || ds->share != NULL) /* streamed, or some rows elsewhere */
        return ds_too_large_streamed(ds, j, err);
    const char *name = j < ds->d ? (ds->feature_names ? ds->feature_names[j] : NULL)
                                 : ds->target_name;
    const double *col = j < ds->d ? ds->x + j : ds->y;
    const size_t stride = j < ds->d ? ds->d : 1;
    assert(col != NULL && ds->n > 0);
    size_t worst = 0;
    for (size_t i = 1; i < ds->n; i++)
        if (fabs(col[i * stride]) > fabs(col[worst * stride]))
            worst = i;
    char q[200];
    return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                        "column '%s': values too large to standardize (their sum or "
                        "spread overflows a double; data row %zu holds %g): "
                        "rescale the column, e.g. change its unit",
                        name ? gd_error_quote(name, strlen(name), q, sizeof q) : "?",
                        worst + 1, col[worst * stride]);
}

/* Allocates sc's arrays for d features; sc is zeroed first. */
static int ds_scaling_alloc(gd_scaling *sc, size_t d)
{
    memset(sc, 0, sizeof *sc);
    sc->d = d;
    sc->x_mean = malloc((d ? d : 1) * sizeof *sc->x_mean);
    sc->x_std = malloc((d ? d : 1) * sizeof *sc->x_std);
    /* calloc: clang's analyzer takes bytes written and then read at a variable
     * index of malloc'ed memory for unset. */
    sc->constant = calloc(d ? d : 1, 1);
    if (sc->x_mean == NULL || sc->x_std == NULL || sc->constant == NULL) {
        gd_scaling_free(sc); /* callers zero *sc on failure */
        return -1;
    }
    sc->y_mean = 0.0;
    sc->y_std = 1.0;
    sc->y_constant = 0;
    return 0;
}

/* The power of two a column with largest magnitude peak is scaled by in
 * the second pass: 1 for ordinary columns; else one that brings peak near 1
 * (within 2^+-1000, so that it is finite). */
static double ds_peak_scale(double peak)
{
    if (peak == 0.0 || (peak >= 0x1p-500 && peak <= 0x1p500))
        return 1.0;
    int e = ilogb(peak);
    return ldexp(1.0, e > 1000 ? -1000 : e < -1000 ? 1000 : -e);
}


/* The statistics being gathered: the passes' job over the piece at hand,
 * and each column's running totals, its blocks folded in block order. */
struct gd_stats {
    ds_std_job job;          /* x, y, n: the piece being added */
    gd_pool *pool;           /* threads for a piece's blocks, or NULL */
    size_t cap_blocks;       /* blocks a piece may have */
    int center;              /* 0: scale without centering */
    int pass;                /* 1: sums of the values; 2: of squared deviations */
    size_t n;                /* rows added in this pass */
    ds_sum *total;           /* (m) */
    unsigned char *same;     /* (m) 1 while every value equals row 0's */
    double *peak;            /* (m) largest magnitude */
    double *ref;             /* (m) row 0 */
    double *mean;            /* (m) */
};

void gd_stats_free(gd_stats *st)
{
    if (st == NULL)
        return;
    gd_pool_free(st->pool);
    free(st->job.part);
    free(st->job.same);
    free(st->job.peak);
    free(st->job.scale);
    free(st->total);
    free(st->same);
    free(st->peak);
    free(st->ref);
    free(st->mean);
    free(st);
}

gd_status gd_stats_create(gd_stats **out, size_t d, int has_y, int center, size_t max_rows,
                          int threads, gd_error *err)
{
    gd_stats *st = calloc(1, sizeof *st);
    *out = NULL;
    if (st == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    ds_std_job *job = &st->job;
    job->d = d;
    job->m = d + (has_y != 0);
    job->stride = (job->m + 3) / 4 * 4;
    st->center = center;
    st->pass = 1;
    st->cap_blocks = ds_blocks(max_rows) ? ds_blocks(max_rows) : 1;
    /* job->m is 0 without features or target: never ask malloc for 0
     * bytes (NULL would read as out of memory). */
    size_t m = job->m ? job->m : 1, nparts = st->cap_blocks * (job->stride ? job->stride : 1);
    job->part = malloc(nparts * sizeof *job->part); /* NOLINT(clang-analyzer-optin.portability.UnixAPI): nparts >= 1, see above */
    job->same = malloc(nparts);
    job->peak = malloc(nparts * sizeof *job->peak);
    job->scale = malloc(m * sizeof *job->scale);
    st->total = calloc(m, sizeof *st->total);
    st->same = malloc(m);
    st->peak = calloc(m, sizeof *st->peak);
    st->ref = calloc(m, sizeof *st->ref);
    st->mean = calloc(m, sizeof *st->mean);
    if (job->part == NULL || job->same == NULL || job->peak == NULL || job->scale == NULL ||
        st->total == NULL || st->same == NULL || st->peak == NULL || st->ref == NULL ||
        st->mean == NULL) {
        gd_stats_free(st);
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    memset(st->same, 1, m);
    job->ref = st->ref;
    job->mean = st->mean;
    int nt = gd_pool_threads(threads);
    if (st->cap_blocks > 1 && nt > 1)
        st->pool = gd_pool_create(st->cap_blocks < (size_t)nt ? (int)st->cap_blocks : nt);
    *out = st;
    return GD_OK;
}

/* Row 0 (x's, then y's value): what "constant" compares with. */
static void ds_stats_ref(gd_stats *st, const double *x, const double *y)
{
    for (size_t j = 0; j < st->job.d; j++)
        st->ref[j] = x[j];
    if (st->job.m > st->job.d)
        st->ref[st->job.d] = y[0];
}

/* The current pass's sums of each block of count rows, into job's arrays. */
static void ds_stats_blocks(gd_stats *st, const double *x, const double *y, size_t count)
{
    ds_std_job *job = &st->job;
    const size_t nb = ds_blocks(count);
    assert(st->n % DS_STAT_ROWS == 0 && nb <= st->cap_blocks);
    job->x = (double *)x; /* the passes that write (the z-scores) are not run here */
    job->y = (double *)y;
    job->n = count;
    gd_pool_run(st->pool, st->pass == 1 ? ds_sum_task : ds_dev_task, job, nb);
}

/* Folds the sums of nb blocks (job's arrays) into the totals, in block order. */
static void ds_stats_fold(gd_stats *st, size_t nb)
{
    const ds_std_job *job = &st->job;
    for (size_t b = 0; b < nb; b++)
        for (size_t j = 0; j < job->m; j++) {
            const size_t k = b * job->stride + j;
            ds_sum_add(&st->total[j], job->part[k].s);
            st->total[j].c += job->part[k].c;
            if (st->pass == 1) {
                st->same[j] &= job->same[k];
                st->peak[j] = fmax(st->peak[j], job->peak[k]);
            }
        }
}

void gd_stats_add(gd_stats *st, const double *x, const double *y, size_t count)
{
    if (st->n == 0 && st->pass == 1 && count > 0)
        ds_stats_ref(st, x, y);
    ds_stats_blocks(st, x, y, count);
    ds_stats_fold(st, ds_blocks(count));
    st->n += count;
}

/* gd_stats_add for a dataset shared by several processes (all of them at
 * once): row 0 from the part that holds it, this part's blocks' sums, every
 * part's gathered in block order into job's arrays (room for every block:
 * packed, (blocks, 4 m), for the exchange), then folded as gd_stats_add
 * folds them. */
static void ds_stats_add_shared(gd_stats *st, const gd_dataset *ds, double *packed)
{
    const gd_rowshare *share = ds->share;
    ds_std_job *job = &st->job;
    const size_t m = job->m, w = st->pass == 1 ? 4 * m : 2 * m;
    const size_t mine = ds_blocks(ds->n), all = ds_blocks(share->total);
    if (st->pass == 1 && st->n == 0) {
        size_t holder = share->first == 0 && ds->n > 0;
        if (holder)
            ds_stats_ref(st, ds->x, ds->y);
        share->gather(share->ctx, st->ref, holder, m, st->ref);
    }
    ds_stats_blocks(st, ds->x, ds->y, ds->n);
    for (size_t b = 0; b < mine; b++)
        for (size_t j = 0; j < m; j++) {
            const size_t k = b * job->stride + j;
            double *o = packed + b * w + (st->pass == 1 ? 4 : 2) * j;
            o[0] = job->part[k].s;
            o[1] = job->part[k].c;
            if (st->pass == 1) {
                o[2] = job->same[k];
                o[3] = job->peak[k];
            }
        }
    share->gather(share->ctx, packed, mine, w, packed);
    for (size_t b = 0; b < all; b++)
        for (size_t j = 0; j < m; j++) {
            const size_t k = b * job->stride + j;
            const double *o = packed + b * w + (st->pass == 1 ? 4 : 2) * j;
            job->part[k] = (ds_sum){o[0], o[1]};
            if (st->pass == 1) {
                job->same[k] = (unsigned char)(o[2] != 0.0);
                job->peak[k] = o[3];
            }
        }
    ds_stats_fold(st, all);
    st->n = share->total;
}

/* Column j's mean from a compensated sum of its values times s, in row
 * order: for a column whose plain sum overflowed. */
static double ds_scaled_mean(const gd_dataset *ds, size_t j, double s)
{
    ds_sum t = {0.0, 0.0};
    assert(j < ds->d || ds->y != NULL); /* column d is the target */
    for (size_t i = 0; i < ds->n; i++)
        ds_sum_add(&t, (j < ds->d ? ds->x[i * ds->d + j] : ds->y[i]) * s);
    return (t.s + t.c) / (double)ds->n / s;
}

gd_status gd_stats_means(gd_stats *st, const gd_dataset *ds, gd_error *err)
{
    ds_std_job *job = &st->job;
    assert(st->pass == 1 && st->n > 0);
    for (size_t j = 0; j < job->m; j++) {
        job->scale[j] = ds_peak_scale(st->peak[j]);
        double *mean = &st->mean[j];
        *mean = !st->center ? 0.0
                : st->same[j] ? st->ref[j]
                : (st->total[j].s + st->total[j].c) / (double)st->n;
        if (!isfinite(*mean)) { /* the sum overflowed: sum again, scaled to ~1 */
            if (ds->x == NULL || ds->share != NULL)
                return ds_too_large(ds, j, err);
            *mean = ds_scaled_mean(ds, j, ldexp(1.0, -ilogb(st->peak[j])));
        }
        st->total[j].s = st->total[j].c = 0.0;
    }
    st->pass = 2;
    st->n = 0;
    return GD_OK;
}

gd_status gd_stats_finish(gd_stats *st, const gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    const ds_std_job *job = &st->job;
    const size_t d = job->d;
    assert(st->pass == 2 && st->n > 0);
    if (ds_scaling_alloc(sc, d) != 0)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t j = 0; j < job->m; j++) {
        double sd = sqrt((st->total[j].s + st->total[j].c) / (double)st->n) / job->scale[j];
        if (!isfinite(st->mean[j]) || !isfinite(sd)) {
            gd_scaling_free(sc);
            return ds_too_large(ds, j, err);
        }
        /* A column is constant when its values are all equal; without
         * centering, when they are all 0 (a constant column that is not 0
         * acts as an intercept there). */
        unsigned char constant = (unsigned char)((st->center && st->same[j]) || sd == 0.0);
        if (j < d) {
            sc->x_mean[j] = st->mean[j];
            sc->x_std[j] = constant ? 1.0 : sd;
            sc->constant[j] = constant;
        } else {
            sc->y_mean = st->mean[j];
            sc->y_std = constant ? 1.0 : sd;
            sc->y_constant = constant;
        }
    }
    return GD_OK;
}

/* ds_scale for a dataset shared by several processes (at least one row in
 * all): the same passes, each block's sums gathered from the part that
 * holds it. */
static gd_status ds_scale_shared(gd_dataset *ds, int center, int apply, gd_scaling *sc,
                                 gd_error *err)
{
    const size_t total = ds->share->total;
    const size_t m = ds->d + (ds->y != NULL);
    gd_stats *st = NULL;
    double *packed = malloc((ds_blocks(total) * 4 * m + m + 1) * sizeof *packed);
    gd_status status = packed == NULL
                           ? gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory")
                           : gd_stats_create(&st, ds->d, ds->y != NULL, center, total,
                                             ds->threads, err);
    if (status == GD_OK) {
        ds_stats_add_shared(st, ds, packed);
        status = gd_stats_means(st, ds, err);
    }
    if (status == GD_OK) {
        ds_stats_add_shared(st, ds, packed);
        status = gd_stats_finish(st, ds, sc, err);
    }
    if (status == GD_OK && apply)
        gd_stats_apply(sc, ds->x, ds->y, ds->n, st->pool);
    else if (status != GD_OK)
        memset(sc, 0, sizeof *sc);
    gd_stats_free(st);
    free(packed);
    return status;
}

/* Per column: a block-wise compensated sum of the values gives the mean (or
 * the first value, exactly, if all are equal), then a block-wise compensated
 * sum of the squared deviations from it gives the population variance. On
 * error X and y are left as they were. */
static gd_status ds_scale(gd_dataset *ds, int center, int apply, gd_scaling *sc,
                         gd_error *err)
{
    assert(ds != NULL && sc != NULL);
    const size_t d = ds->d;
    if (ds->share != NULL)
        return ds_scale_shared(ds, center, apply, sc, err);
    if (ds->n == 0) { /* nothing to learn from: all constant */
        if (ds_scaling_alloc(sc, d) != 0)
            return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
        for (size_t j = 0; j < d; j++) {
            sc->x_mean[j] = 0.0;
            sc->x_std[j] = 1.0;
            sc->constant[j] = 1;
        }
        sc->y_constant = ds->y != NULL;
        return GD_OK;
    }
    gd_stats *st = NULL;
    gd_status status = gd_stats_create(&st, d, ds->y != NULL, center, ds->n, ds->threads, err);
    if (status == GD_OK) {
        gd_stats_add(st, ds->x, ds->y, ds->n);
        status = gd_stats_means(st, ds, err);
    }
    if (status == GD_OK) {
        gd_stats_add(st, ds->x, ds->y, ds->n);
        status = gd_stats_finish(st, ds, sc, err);
    }
    if (status == GD_OK && apply)
        gd_stats_apply(sc, ds->x, ds->y, ds->n, st->pool);
    else if (status != GD_OK)
        memset(sc, 0, sizeof *sc);
    gd_stats_free(st);
    return status;
}

gd_status gd_dataset_standardize(gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    return ds_scale(ds, 1, 1, sc, err);
}

gd_status gd_dataset_scale_origin(gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    return ds_scale(ds, 0, 1, sc, err);
}

gd_status gd_stats_scaling(const gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    /* Not applied, so ds is only read. */
    return ds_scale((gd_dataset *)ds, 1, 0, sc, err);
}

void gd_scaling_free(gd_scaling *sc)
{
    if (sc == NULL)
        return;
    free(sc->x_mean);
    free(sc->x_std);
    free(sc->constant);
    memset(sc, 0, sizeof *sc);
}
