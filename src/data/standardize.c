/*
 * standardize: z-scores of X and y, and the statistics behind them.
 *
 * Per column: mean, then the sum of squared deviations from it (two passes,
 * population std), both with compensated (Neumaier) sums over the rows in
 * order, so it is deterministic and keeps the digits of columns with a large
 * offset. A constant column (identical values, or a spread that is 0) gets
 * std 1, its value as mean, and z-scores of exactly 0.
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
#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"


#define DS_STAT_ROWS 8192

/* Neumaier's compensated sum: s + c is the running total. */
typedef struct ds_sum {
    double s, c;
} ds_sum;

static inline void ds_sum_add(ds_sum *a, double v)
{
    double t = a->s + v;
    /* Whichever of the two is smaller lost its low digits in t. (Written
     * as a choice of values, not of expressions, so that it compiles
     * without a branch: 8x faster in the standardization passes.) */
    int s_big = fabs(a->s) >= fabs(v);
    double big = s_big ? a->s : v, small = s_big ? v : a->s;
    a->c += (big - t) + small;
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
    unsigned char *same;    /* (blocks, stride) 1 if all the block's values are
                               row 0's */
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

/* Rows [lo, hi) of the first pass over X: acc[j] += x_ij, in row order, and
 * same[j] &= (x_ij == x_0j). Inlined with d a constant. */
DS_INLINE void ds_sum_rows(const double *restrict x, size_t lo, size_t hi, const size_t d,
                           ds_sum *restrict out, unsigned char *restrict same_out)
{
    ds_sum acc[DS_MAX_D];
    double first[DS_MAX_D];
    int same[DS_MAX_D];
    for (size_t j = 0; j < d; j++) {
        acc[j].s = acc[j].c = 0.0;
        first[j] = x[j];
        same[j] = 1;
    }
    for (size_t i = lo; i < hi; i++) {
        const double *row = x + i * d;
        DS_PREFETCH(row + DS_AHEAD * d);
        for (size_t j = 0; j < d; j++) {
            ds_sum_add(&acc[j], row[j]);
            same[j] &= row[j] == first[j];
        }
    }
    for (size_t j = 0; j < d; j++) {
        out[j] = acc[j];
        same_out[j] = (unsigned char)same[j];
    }
}

/* Rows [lo, hi) of the second pass: out[j] = sum of (x_ij - mean_j)^2. */
DS_INLINE void ds_dev_rows(const double *restrict x, size_t lo, size_t hi, const size_t d,
                           const double *restrict mean_in, ds_sum *restrict out)
{
    ds_sum acc[DS_MAX_D];
    double mean[DS_MAX_D];
    for (size_t j = 0; j < d; j++) {
        acc[j].s = acc[j].c = 0.0;
        mean[j] = mean_in[j];
    }
    for (size_t i = lo; i < hi; i++) {
        const double *row = x + i * d;
        DS_PREFETCH(row + DS_AHEAD * d);
        for (size_t j = 0; j < d; j++) {
            double dev = row[j] - mean[j];
            ds_sum_add(&acc[j], dev * dev);
        }
    }
    for (size_t j = 0; j < d; j++)
        out[j] = acc[j];
}

/* Rows [lo, hi) of the third pass: x_ij = (x_ij - mean_j) / std_j, or 0 for
 * a constant column. */
DS_INLINE void ds_scale_rows(double *restrict x, size_t lo, size_t hi, const size_t d,
                             const gd_scaling *sc)
{
    double mean[DS_MAX_D], std[DS_MAX_D];
    int constant[DS_MAX_D];
    for (size_t j = 0; j < d; j++) {
        mean[j] = sc->x_mean[j];
        std[j] = sc->x_std[j];
        constant[j] = sc->constant[j];
    }
    for (size_t i = lo; i < hi; i++) {
        double *row = x + i * d;
        DS_PREFETCH(row + DS_AHEAD * d);
        for (size_t j = 0; j < d; j++)
            row[j] = constant[j] ? 0.0 : (row[j] - mean[j]) / std[j];
    }
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
    size_t lo, hi;
    ds_block_rows(job, b, &lo, &hi);
    if (d >= 1 && d <= DS_MAX_D) {
#define DS_CALL(D) ds_sum_rows(x, lo, hi, D, acc, same)
        DS_DISPATCH_D(d, DS_CALL)
#undef DS_CALL
    } else {
        for (size_t j = 0; j < d; j++) {
            acc[j].s = acc[j].c = 0.0;
            same[j] = 1;
        }
        for (size_t i = lo; i < hi; i++) {
            const double *row = x + i * d;
            for (size_t j = 0; j < d; j++) {
                ds_sum_add(&acc[j], row[j]);
                same[j] &= row[j] == x[j];
            }
        }
    }
    if (job->m > d) {
        const double *restrict y = job->y;
        ds_sum a = {0.0, 0.0};
        int all = 1;
        for (size_t i = lo; i < hi; i++) {
            ds_sum_add(&a, y[i]);
            all &= y[i] == y[0];
        }
        acc[d] = a;
        same[d] = (unsigned char)all;
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
    ds_sum *restrict acc = job->part + b * job->stride;
    size_t lo, hi;
    ds_block_rows(job, b, &lo, &hi);
    if (d >= 1 && d <= DS_MAX_D) {
#define DS_CALL(D) ds_dev_rows(x, lo, hi, D, mean, acc)
        DS_DISPATCH_D(d, DS_CALL)
#undef DS_CALL
    } else {
        for (size_t j = 0; j < d; j++)
            acc[j].s = acc[j].c = 0.0;
        for (size_t i = lo; i < hi; i++) {
            const double *row = x + i * d;
            for (size_t j = 0; j < d; j++) {
                double dev = row[j] - mean[j];
                ds_sum_add(&acc[j], dev * dev);
            }
        }
    }
    if (job->m > d) {
        const double *restrict y = job->y;
        ds_sum a = {0.0, 0.0};
        for (size_t i = lo; i < hi; i++) {
            double dev = y[i] - mean[d];
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
                row[j] = sc->constant[j] ? 0.0 : (row[j] - sc->x_mean[j]) / sc->x_std[j];
        }
    }
    if (job->y != NULL) {
        double *restrict y = job->y;
        const double ym = sc->y_mean, ys = sc->y_std;
        if (sc->y_constant) {
            for (size_t i = lo; i < hi; i++)
                y[i] = 0.0;
        } else {
            for (size_t i = lo; i < hi; i++)
                y[i] = (y[i] - ym) / ys;
        }
    }
}

/* Column j's total over the blocks, in block order. */
static double ds_total(const ds_std_job *job, size_t nb, size_t j)
{
    ds_sum t = {0.0, 0.0};
    for (size_t b = 0; b < nb; b++) {
        const ds_sum *p = &job->part[b * job->stride + j];
        ds_sum_add(&t, p->s);
        t.c += p->c;
    }
    return t.s + t.c;
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

void gd_dataset_apply_scaling(gd_dataset *ds, const gd_scaling *sc)
{
    assert(sc->d == ds->d);
    ds_std_job job;
    memset(&job, 0, sizeof job);
    job.x = ds->x;
    job.y = ds->y;
    job.n = ds->n;
    job.d = ds->d;
    job.sc = sc;
    gd_pool *pool = ds_pool(ds);
    gd_pool_run(pool, ds_scale_task, &job, ds_blocks(ds->n));
    gd_pool_free(pool);
}

/* Fails with the error for column j (d for the target) whose values
 * overflow, naming the data row that holds its largest magnitude: the rows
 * no longer know their lines, but in a file without line breaks inside
 * quotes data row k is line k + 1. */
static gd_status ds_too_large(const gd_dataset *ds, size_t j, gd_error *err)
{
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
    if (sc->x_mean == NULL || sc->x_std == NULL || sc->constant == NULL)
        return -1;
    sc->y_mean = 0.0;
    sc->y_std = 1.0;
    sc->y_constant = 0;
    return 0;
}

/* Sets up the passes over ds's nb blocks: the per-block sums and the means'
 * room. 0 on success, -1 out of memory (what was allocated is job's to free). */
static int ds_std_job_init(ds_std_job *job, const gd_dataset *ds, size_t nb,
                           double **mean)
{
    job->x = ds->x;
    job->y = ds->y;
    job->n = ds->n;
    job->d = ds->d;
    job->m = ds->d + (ds->y != NULL);
    job->stride = (job->m + 3) / 4 * 4;
    /* job->m is 0 for a dataset without features or target: never ask
     * malloc for 0 bytes (NULL would read as out of memory). */
    size_t nparts = nb * job->stride;
    if (nparts == 0)
        nparts = 1;
    job->part = malloc(nparts * sizeof *job->part);
    job->same = malloc(nparts);
    *mean = malloc((job->m ? job->m : 1) * sizeof **mean);
    if (job->part == NULL || job->same == NULL || *mean == NULL)
        return -1;
    job->mean = *mean;
    return 0;
}

/* First pass: every column's mean, and whether all its values are equal
 * (same[j] for X's columns, *y_same for y). The mean of a column whose
 * values are all equal is its first value, exactly, where the computed mean
 * may be off by an ulp. */
static void ds_means(ds_std_job *job, gd_pool *pool, size_t nb, double *mean,
                     unsigned char *same, unsigned char *y_same)
{
    const size_t d = job->d;
    gd_pool_run(pool, ds_sum_task, job, nb);
    for (size_t j = 0; j < job->m; j++) {
        unsigned char all = 1;
        for (size_t b = 0; b < nb; b++)
            all &= job->same[b * job->stride + j];
        assert(j < d || job->y != NULL); /* job->m counts y only if there is one */
        double first = j < d ? job->x[j] : job->y[0];
        mean[j] = all ? first : ds_total(job, nb, j) / (double)job->n;
        if (j < d)
            same[j] = all;
        else
            *y_same = all;
    }
}

/* Second pass: the standard deviations, into sc with the means; a constant
 * column (or a spread of 0) gets 1. Fails if a mean or spread overflowed. */
static gd_status ds_spreads(ds_std_job *job, gd_pool *pool, size_t nb,
                            const gd_dataset *ds, const double *mean,
                            unsigned char y_same, gd_scaling *sc, gd_error *err)
{
    const size_t d = job->d;
    const unsigned char *same = sc->constant; /* still the first pass's */
    gd_pool_run(pool, ds_dev_task, job, nb);
    for (size_t j = 0; j < job->m; j++) {
        double sd = sqrt(ds_total(job, nb, j) / (double)job->n);
        if (!isfinite(mean[j]) || !isfinite(sd))
            return ds_too_large(ds, j, err);
        unsigned char constant = (unsigned char)((j < d ? same[j] : y_same) || sd == 0.0);
        if (j < d) {
            sc->x_mean[j] = mean[j];
            sc->x_std[j] = constant ? 1.0 : sd;
            sc->constant[j] = constant;
        } else {
            sc->y_mean = mean[j];
            sc->y_std = constant ? 1.0 : sd;
            sc->y_constant = constant;
        }
    }
    return GD_OK;
}

/* Beyond the header's contract: if a column's mean or spread overflows (values
 * near 1e154 and beyond), this fails with GD_ERR_DATA and leaves X and y as
 * they were, rather than filling them with NaNs.
 *
 * Per column: a block-wise compensated sum of the values gives the mean (or
 * the first value, exactly, if all are equal), then a block-wise compensated
 * sum of the squared deviations from it gives the population variance. */
gd_status gd_dataset_standardize(gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    assert(ds != NULL && sc != NULL);
    const size_t d = ds->d, nb = ds_blocks(ds->n);
    gd_status st = GD_OK;
    ds_std_job job;
    gd_pool *pool = NULL;
    double *mean = NULL;
    memset(&job, 0, sizeof job);
    if (ds_scaling_alloc(sc, d) != 0)
        goto oom;
    if (ds->n == 0) { /* nothing to learn from: all constant */
        for (size_t j = 0; j < d; j++) {
            sc->x_mean[j] = 0.0;
            sc->x_std[j] = 1.0;
            sc->constant[j] = 1;
        }
        sc->y_constant = ds->y != NULL;
        goto cleanup;
    }
    if (ds_std_job_init(&job, ds, nb, &mean) != 0)
        goto oom;
    pool = ds_pool(ds);
    unsigned char y_same = 1;
    ds_means(&job, pool, nb, mean, sc->constant, &y_same);
    if ((st = ds_spreads(&job, pool, nb, ds, mean, y_same, sc, err)) != GD_OK)
        goto cleanup;
    job.sc = sc;
    gd_pool_run(pool, ds_scale_task, &job, nb);
    goto cleanup;

oom:
    st = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
cleanup:
    gd_pool_free(pool);
    free(job.part);
    free(job.same);
    free(mean);
    if (st != GD_OK)
        gd_scaling_free(sc);
    return st;
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
