/*
 * roofline: the fastest plain C passes we could write for one full-batch
 * epoch of linear regression, to measure gdtrain's epoch against.
 *
 * One epoch is the fused forward pass and gradient over every row:
 *     r_i = b + sum_j w_j x_ij - y_i,  sse = sum r_i^2,
 *     g_j = sum r_i x_ij,              g_b = sum r_i
 * reading X (n x d doubles) and y once. Kernels, each on 1 and 2 threads
 * (rows split in halves, partial sums added at the end):
 *   read    only summing every double of X and y (8 lanes), front to back
 *   read4   the same, X read as four streams (its quarters) at once
 *   row     X row-major, one row at a time, d a compile-time constant
 *   row4    X row-major, four adjacent rows at a time interleaved
 *   rowq    X row-major, four rows at a time, one from each quarter of the
 *           rows (four streams: on the VM this was written on, one stream
 *           cannot keep enough memory requests in flight)
 *   col     X column-major, vectorizable across rows (8 lanes of rows)
 *   gdtrain gdtrain's own epoch: gd_loss_eval over all rows with the
 *           gradient, from an evaluator with 1 or 2 threads
 * The machine this was written on is shared, its speed changes from second
 * to second, and how fast an array reads depends on where its pages landed
 * (four arrays made alike read in 43 to 76 ms there). So every kernel reads
 * the same buffer, which each round fills first row-major (read, row, row4,
 * gdtrain), then column-major (col), each fill followed by an untimed read
 * of the buffer so that every timed kernel runs after a full pass over it
 * (what of it stays in the caches is then alike), and the kernels are
 * interleaved: each
 * round runs every kernel once on 1 and on 2 threads, --reps rounds after a
 * warm-up round. The median and the minimum per kernel are printed as
 * "kernel threads median_ms min_ms GB/s", GB/s from the median and the
 * (d + 1) * 8 * n bytes an epoch reads; then, for each other kernel,
 * "ratio kernel threads R": R is the median over the rounds of gdtrain's
 * time divided by that kernel's in the same round, which a passing
 * disturbance of the machine biases far less than a ratio of medians.
 * Before those, "check kernel threads max_rel_diff ok|DIFFERS" says whether
 * each fused kernel's warm-up epoch gave gdtrain's gradient and loss (see
 * check_sums): a kernel that computes something else is no baseline, and
 * bench/run.sh gives no verdict on a comparison with it.
 *
 * Build with the same flags as gdtrain, against its library (the bench
 * script does):
 *     cc -std=c11 -O3 -ffp-contract=off -D_POSIX_C_SOURCE=200809L -Iinclude \
 *        bench/roofline.c BUILD/libgdtrain.a -o roofline -lm -lpthread
 * Usage: roofline [--rows N] [--features D] [--reps R]   (D from 1 to 16)
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gdtrain/loss.h"

#define MAX_D 16
#define LANES 8

typedef struct job {
    const double *x;  /* row-major (n, d) */
    const double *xc; /* column-major (d, n) */
    const double *y;
    size_t n, d, lo, hi;
    const double *w; /* (d + 1), bias last */
    double out[MAX_D + 2]; /* g_0 .. g_{d-1}, g_b, sse */
    gd_loss *loss;   /* gdtrain's evaluator (1 or 2 threads) */
} job;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The floor: every double of X and y read once, summed in 8 lanes. */
static void k_read(job *j)
{
    double s[LANES] = {0};
    const double *x = j->x + j->lo * j->d;
    size_t m = (j->hi - j->lo) * j->d, i = 0;
    for (; i + LANES <= m; i += LANES)
        for (int l = 0; l < LANES; l++)
            s[l] += x[i + l];
    for (; i < m; i++)
        s[0] += x[i];
    for (size_t k = j->lo; k < j->hi; k++)
        s[1] += j->y[k];
    double t = 0;
    for (int l = 0; l < LANES; l++)
        t += s[l];
    j->out[0] = t;
}

/* The floor with four streams: X's quarters side by side, then y. */
static void k_read4(job *j)
{
    double s[4][2] = {{0}};
    const double *x = j->x + j->lo * j->d;
    size_t m = (j->hi - j->lo) * j->d, q = m / 4 / 2 * 2;
    for (size_t i = 0; i < q; i += 2)
        for (int l = 0; l < 4; l++) {
            s[l][0] += x[(size_t)l * q + i];
            s[l][1] += x[(size_t)l * q + i + 1];
        }
    for (size_t i = 4 * q; i < m; i++)
        s[0][0] += x[i];
    for (size_t k = j->lo; k < j->hi; k++)
        s[0][1] += j->y[k];
    double t = 0;
    for (int l = 0; l < 4; l++)
        t += s[l][0] + s[l][1];
    j->out[0] = t;
}

/* Row-major, one row at a time. */
static inline void row_body(job *j, const size_t d)
{
    double w[MAX_D], g[MAX_D + 1] = {0}, sse = 0;
    for (size_t k = 0; k < d; k++)
        w[k] = j->w[k];
    const double b = j->w[d];
    for (size_t i = j->lo; i < j->hi; i++) {
        const double *xr = j->x + i * d;
        double r = b;
        for (size_t k = 0; k < d; k++)
            r += w[k] * xr[k];
        r -= j->y[i];
        sse += r * r;
        for (size_t k = 0; k < d; k++)
            g[k] += r * xr[k];
        g[d] += r;
    }
    for (size_t k = 0; k <= d; k++)
        j->out[k] = g[k];
    j->out[d + 1] = sse;
}

/* The end of the four-lane row-major kernels: rows [i, hi) one at a time
 * into lane 0, then the lanes summed in a fixed order into j->out. */
static inline void row4_finish(job *j, size_t i, const size_t d, const double *w,
                               double b, double g[4][MAX_D + 1], double sse[4])
{
    for (; i < j->hi; i++) {
        const double *xr = j->x + i * d;
        double r = b;
        for (size_t k = 0; k < d; k++)
            r += w[k] * xr[k];
        r -= j->y[i];
        sse[0] += r * r;
        for (size_t k = 0; k < d; k++)
            g[0][k] += r * xr[k];
        g[0][d] += r;
    }
    for (size_t k = 0; k <= d; k++)
        j->out[k] = (g[0][k] + g[1][k]) + (g[2][k] + g[3][k]);
    j->out[d + 1] = (sse[0] + sse[1]) + (sse[2] + sse[3]);
}

/* Row-major, four rows interleaved (more independent work per step). */
static inline void row4_body(job *j, const size_t d)
{
    double w[MAX_D], g[4][MAX_D + 1] = {{0}}, sse[4] = {0};
    for (size_t k = 0; k < d; k++)
        w[k] = j->w[k];
    const double b = j->w[d];
    size_t i = j->lo;
    for (; i + 4 <= j->hi; i += 4) {
        const double *xr = j->x + i * d;
        double r[4];
        for (int l = 0; l < 4; l++)
            r[l] = b;
        for (size_t k = 0; k < d; k++)
            for (int l = 0; l < 4; l++)
                r[l] += w[k] * xr[l * d + k];
        for (int l = 0; l < 4; l++) {
            r[l] -= j->y[i + l];
            sse[l] += r[l] * r[l];
            g[l][d] += r[l];
        }
        for (int l = 0; l < 4; l++)
            for (size_t k = 0; k < d; k++)
                g[l][k] += r[l] * xr[l * d + k];
    }
    row4_finish(j, i, d, w, b, g, sse);
}

/* Row-major, four rows at a time from the four quarters of the range. */
static inline void rowq_body(job *j, const size_t d)
{
    double w[MAX_D], g[4][MAX_D + 1] = {{0}}, sse[4] = {0};
    for (size_t k = 0; k < d; k++)
        w[k] = j->w[k];
    const double b = j->w[d];
    const size_t q = (j->hi - j->lo) / 4;
    for (size_t i = j->lo; i < j->lo + q; i++) {
        const double *xr[4];
        double r[4];
        for (int l = 0; l < 4; l++) {
            xr[l] = j->x + (i + (size_t)l * q) * d;
            r[l] = b;
        }
        for (size_t k = 0; k < d; k++)
            for (int l = 0; l < 4; l++)
                r[l] += w[k] * xr[l][k];
        for (int l = 0; l < 4; l++) {
            r[l] -= j->y[i + (size_t)l * q];
            sse[l] += r[l] * r[l];
            g[l][d] += r[l];
        }
        for (int l = 0; l < 4; l++)
            for (size_t k = 0; k < d; k++)
                g[l][k] += r[l] * xr[l][k];
    }
    row4_finish(j, j->lo + 4 * q, d, w, b, g, sse);
}

/* Column-major, LANES rows at a time: every operation is the same for the
 * lanes, so the compiler vectorizes across rows. */
static inline void col_body(job *j, const size_t d)
{
    double w[MAX_D], g[MAX_D + 1][LANES] = {{0}}, sse[LANES] = {0};
    for (size_t k = 0; k < d; k++)
        w[k] = j->w[k];
    const double b = j->w[d];
    const size_t n = j->n;
    size_t i = j->lo;
    for (; i + LANES <= j->hi; i += LANES) {
        double r[LANES];
        for (int l = 0; l < LANES; l++)
            r[l] = b;
        for (size_t k = 0; k < d; k++)
            for (int l = 0; l < LANES; l++)
                r[l] += w[k] * j->xc[k * n + i + l];
        for (int l = 0; l < LANES; l++) {
            r[l] -= j->y[i + l];
            sse[l] += r[l] * r[l];
            g[d][l] += r[l];
        }
        for (size_t k = 0; k < d; k++)
            for (int l = 0; l < LANES; l++)
                g[k][l] += r[l] * j->xc[k * n + i + l];
    }
    for (; i < j->hi; i++) {
        double r = b;
        for (size_t k = 0; k < d; k++)
            r += w[k] * j->xc[k * n + i];
        r -= j->y[i];
        sse[0] += r * r;
        for (size_t k = 0; k < d; k++)
            g[k][0] += r * j->xc[k * n + i];
        g[d][0] += r;
    }
    for (size_t k = 0; k <= d; k++) {
        double t = 0;
        for (int l = 0; l < LANES; l++)
            t += g[k][l];
        j->out[k] = t;
    }
    double t = 0;
    for (int l = 0; l < LANES; l++)
        t += sse[l];
    j->out[d + 1] = t;
}

/* One function per kernel and d, so that d is a constant in each. */
#define DISPATCH(body, j)                                                          \
    switch ((j)->d) {                                                              \
    case 1: body(j, 1); break;   case 2: body(j, 2); break;                         \
    case 3: body(j, 3); break;   case 4: body(j, 4); break;                         \
    case 5: body(j, 5); break;   case 6: body(j, 6); break;                         \
    case 7: body(j, 7); break;   case 8: body(j, 8); break;                         \
    case 9: body(j, 9); break;   case 10: body(j, 10); break;                       \
    case 11: body(j, 11); break; case 12: body(j, 12); break;                       \
    case 13: body(j, 13); break; case 14: body(j, 14); break;                       \
    case 15: body(j, 15); break; default: body(j, 16); break;                       \
    }

static void k_row(job *j) { DISPATCH(row_body, j) }
static void k_row4(job *j) { DISPATCH(row4_body, j) }
static void k_rowq(job *j) { DISPATCH(rowq_body, j) }
static void k_col(job *j) { DISPATCH(col_body, j) }

/* gdtrain: its threads are its own, so it runs once on the caller. */
static void k_gdtrain(job *j)
{
    gd_rows all = {NULL, 0, j->n};
    j->out[j->d + 1] = gd_loss_eval(j->loss, all, j->w, j->out);
}

typedef struct kernel {
    const char *name;
    void (*fn)(job *);
} kernel;

typedef struct thread_arg {
    job *j;
    void (*fn)(job *);
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg *a = p;
    a->fn(a->j);
    return NULL;
}

/* One epoch of kernel fn on `threads` threads; returns seconds. When sums
 * is not NULL it receives the epoch's d + 2 results (the threads' partial
 * sums added). */
static double run_once(void (*fn)(job *), const job *proto, int threads, double *sums)
{
    job jobs[2];
    thread_arg args[2];
    pthread_t tid;
    if (fn == k_gdtrain)
        threads = 1; /* the evaluator splits the rows itself */
    for (int t = 0; t < threads; t++) {
        jobs[t] = *proto;
        jobs[t].lo = proto->n * (size_t)t / (size_t)threads;
        jobs[t].hi = proto->n * (size_t)(t + 1) / (size_t)threads;
        args[t].j = &jobs[t];
        args[t].fn = fn;
    }
    double t0 = now();
    if (threads == 2 && pthread_create(&tid, NULL, thread_main, &args[1]) != 0)
        threads = 1, jobs[0].hi = proto->n;
    fn(&jobs[0]);
    if (threads == 2)
        pthread_join(tid, NULL);
    double t1 = now();
    volatile double sink = jobs[0].out[0] + (threads == 2 ? jobs[1].out[0] : 0);
    (void)sink;
    if (sums != NULL)
        for (size_t k = 0; k < proto->d + 2; k++)
            sums[k] = jobs[0].out[k] + (threads == 2 ? jobs[1].out[k] : 0.0);
    return t1 - t0;
}

/* Whether a fused kernel computed gdtrain's epoch: its sums, scaled as
 * gd_loss_eval scales them (2/n for the gradient, 1/n for the loss), within
 * CHECK_TOL of gdtrain's, relative to the largest gradient component (the
 * loss relative to itself). Only the order of the additions differs, which
 * moves a sum of n terms by far less. Prints "check KERNEL THREADS
 * max_rel_diff ok|DIFFERS"; returns 1 if ok. */
#define CHECK_TOL 1e-9
static int check_sums(const char *name, int threads, const double *sums, const double *ref,
                      size_t n, size_t d)
{
    double scale = 0, worst = 0;
    for (size_t k = 0; k <= d; k++)
        scale = fmax(scale, fabs(ref[k]));
    for (size_t k = 0; k <= d; k++)
        worst = fmax(worst, fabs(2.0 * sums[k] / (double)n - ref[k]) / fmax(scale, 1e-300));
    worst = fmax(worst, fabs(sums[d + 1] / (double)n - ref[d + 1]) / fmax(ref[d + 1], 1e-300));
    int ok = worst <= CHECK_TOL;
    printf("check %s %d %.3g %s\n", name, threads, worst, ok ? "ok" : "DIFFERS");
    return ok;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    size_t n = 10000000, d = 7;
    int reps = 7;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rows") == 0)
            n = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--features") == 0)
            d = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--reps") == 0)
            reps = atoi(argv[i + 1]);
    }
    if (n == 0 || d < 1 || d > MAX_D || reps < 1 || reps > 1000) {
        fprintf(stderr, "usage: roofline [--rows N] [--features 1..16] [--reps R]\n");
        return 2;
    }
    double *src = malloc(n * d * sizeof *src), *work = malloc(n * d * sizeof *work);
    double *y = malloc(n * sizeof *y), w[MAX_D + 1];
    double *times = malloc((size_t)reps * sizeof *times);
    if (src == NULL || work == NULL || y == NULL || times == NULL) {
        fprintf(stderr, "roofline: out of memory\n");
        return 4;
    }
    /* z-score-like values, so nothing overflows or underflows. */
    unsigned long long s = 88172645463325252ull;
    for (size_t i = 0; i < n * d; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        src[i] = (double)(s >> 11) * 0x1p-53 * 3.4 - 1.7;
    }
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        y[i] = (double)(s >> 11) * 0x1p-53 * 2.0 - 1.0;
    }
    for (size_t k = 0; k <= d; k++)
        w[k] = 0.01 * (double)(k + 1);
    gd_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.n = n;
    ds.d = d;
    ds.x = work;
    ds.y = y;
    gd_loss *loss[2];
    for (int t = 0; t < 2; t++)
        if (gd_loss_create(&loss[t], &ds, t + 1, NULL) != GD_OK) {
            fprintf(stderr, "roofline: out of memory\n");
            return 4;
        }
    job proto = {work, work, y, n, d, 0, n, w, {0}, NULL};
    const kernel kernels[] = {{"read", k_read},   {"read4", k_read4}, {"row", k_row},
                              {"row4", k_row4},   {"rowq", k_rowq},   {"gdtrain", k_gdtrain},
                              {"col", k_col}};
    /* gdtrain's index, the first fused kernel's and the first col-major's. */
    enum { NK = sizeof kernels / sizeof kernels[0], KG = 5, FIRST_FUSED = 2, NCOL = 6 };
    /* gdtrain's epoch on 1 and 2 threads, what the fused kernels must give. */
    double sums[MAX_D + 2], ref[2][MAX_D + 2];
    memcpy(work, src, n * d * sizeof *work);
    for (int threads = 1; threads <= 2; threads++) {
        proto.loss = loss[threads - 1];
        run_once(k_gdtrain, &proto, 1, ref[threads - 1]);
    }
    double *all = malloc((size_t)reps * NK * 2 * sizeof *all);
    if (all == NULL)
        return 4;
    const double bytes = (double)n * (double)(d + 1) * 8.0;
    for (int r = -1; r < reps; r++) { /* round -1 warms up */
        for (int k = 0; k < NK; k++) {
            if (k == 0)
                memcpy(work, src, n * d * sizeof *work); /* row-major */
            if (k == NCOL)
                for (size_t c = 0; c < d; c++) /* column-major */
                    for (size_t i = 0; i < n; i++)
                        work[c * n + i] = src[i * d + c];
            if (k == 0 || k == NCOL) /* so that every kernel follows a full read */
                run_once(k_read, &proto, 1, NULL);
            for (int threads = 1; threads <= 2; threads++) {
                proto.loss = loss[threads - 1];
                double sec = run_once(kernels[k].fn, &proto, threads, r < 0 ? sums : NULL);
                /* The warm-up round checks that the fused kernels compute
                 * gdtrain's epoch (the read kernels only sum the data). */
                if (r < 0 && k >= FIRST_FUSED && k != KG)
                    check_sums(kernels[k].name, threads, sums, ref[threads - 1], n, d);
                if (r >= 0)
                    all[((size_t)(threads - 1) * NK + (size_t)k) * (size_t)reps +
                        (size_t)r] = sec;
            }
        }
    }
    printf("# kernel threads median_ms min_ms GB/s (n=%zu d=%zu reps=%d)\n", n, d, reps);
    for (int threads = 1; threads <= 2; threads++) {
        for (int k = 0; k < NK; k++) {
            double *t = all + ((size_t)(threads - 1) * NK + (size_t)k) * (size_t)reps;
            memcpy(times, t, (size_t)reps * sizeof *times);
            qsort(times, (size_t)reps, sizeof *times, cmp_double);
            double med = times[reps / 2];
            printf("%s %d %.3f %.3f %.2f\n", kernels[k].name, threads, med * 1e3,
                   times[0] * 1e3, bytes / med * 1e-9);
        }
    }
    for (int threads = 1; threads <= 2; threads++) {
        const double *g = all + ((size_t)(threads - 1) * NK + (size_t)KG) * (size_t)reps;
        for (int k = 0; k < NK; k++) {
            if (k == KG)
                continue;
            const double *t = all + ((size_t)(threads - 1) * NK + (size_t)k) * (size_t)reps;
            for (int r = 0; r < reps; r++)
                times[r] = g[r] / t[r];
            qsort(times, (size_t)reps, sizeof *times, cmp_double);
            printf("ratio %s %d %.3f\n", kernels[k].name, threads, times[reps / 2]);
        }
    }
    gd_loss_free(loss[0]);
    gd_loss_free(loss[1]);
    free(all);
    free(times);
    free(src);
    free(work);
    free(y);
    return 0;
}
