/*
 * phases: gdtrain's phases timed in-process, through its library, on one
 * CSV file (made by `gdtrain gen`).
 *
 *   load_tN      gd_dataset_load with N threads (N = 1, 2)
 *   std_tN       gd_dataset_standardize of that load, N threads
 *   solve        gd_solve_dataset: the exact optimum the CLI reports
 *   epoch_tN     one full-batch loss + gradient (gd_loss_eval), N threads
 *   train_epoch  one epoch of full-batch adam in gd_train (default threads)
 *   mini_bB      one epoch of shuffled mini-batch sgd, batch B, in gd_train
 *                (default threads): shuffle, n / B steps, full-data loss
 *   blocks_bB    the same with --shuffle blocks (GD_SHUFFLE_BLOCKS)
 *   NAME_cpu     for train_epoch, mini_bB and blocks_bB: the processor time
 *                of all the process's threads in that epoch (the work done,
 *                whichever way the threads shared the cores)
 *   first_load   for "first": the parse alone (gd_fit_data_load's part that
 *                reads the file), and
 *   to_first     from the start of gd_fit_data_load (parse, standardize) to
 *                the start of the first epoch of full-batch adam in
 *                gd_train (the first epoch's end minus an epoch's length)
 * Each is measured --reps times (a load and its standardization per rep
 * and thread count; epochs of gd_train from its epoch callback, after the
 * first: train_epoch's 4 --reps epochs of one run, mini_bB's and blocks_bB's
 * epochs 2 to --mini-epochs of each of --reps runs); printed as
 * "name median_seconds min_seconds" lines, after "rows",
 * "features" and "bytes" lines. "same_bits 1" says the loaded matrix, its
 * z-scores and the epoch's loss and gradient had the same bits with 1 and 2
 * threads (0: they did not).
 *
 * Usage: phases FILE [--reps R] [--what load,std,solve,epoch,train,mini,blocks,first]
 *                    [--batches 32,128,1024] [--mini-epochs E]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gdtrain/dataset.h"
#include "gdtrain/fit.h"
#include "gdtrain/loss.h"
#include "gdtrain/optim.h"
#include "gdtrain/solve.h"
#include "gdtrain/trainer.h"

enum { MAX_REPS = 101, MAX_EPOCHS = 64 };

static double clock_seconds(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double now(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Prints "name median min" of v[0..n). */
static void report(const char *name, double *v, int n)
{
    if (n <= 0)
        return;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    printf("%s %.6f %.6f\n", name, v[n / 2], v[0]);
    fflush(stdout);
}

/* A hash of n doubles' bits, to compare results without keeping copies
 * (four FNV-style lanes over 64-bit words, so it costs little time). */
static uint64_t hash_doubles(uint64_t h, const double *p, size_t n)
{
    uint64_t lane[4] = {h, h ^ 1, h ^ 2, h ^ 3};
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &p[i], sizeof u);
        lane[i % 4] = (lane[i % 4] ^ u) * UINT64_C(1099511628211);
    }
    return lane[0] ^ (lane[1] * 3) ^ (lane[2] * 5) ^ (lane[3] * 7);
}

static int load(const char *path, int threads, gd_dataset *ds)
{
    gd_load_options opt;
    gd_error err;
    memset(&opt, 0, sizeof opt);
    opt.path = path;
    opt.need_target = 1;
    opt.threads = threads;
    if (gd_dataset_load(ds, &opt, &err) != GD_OK) {
        char buf[1400];
        fprintf(stderr, "phases: %s\n", gd_error_format(&err, buf, sizeof buf));
        return -1;
    }
    return 0;
}

/* Epoch end times from gd_train's callback: wall (t) and the process's
 * processor time (cpu). */
typedef struct clock_log {
    double t[MAX_EPOCHS + 1], cpu[MAX_EPOCHS + 1];
    long n;
} clock_log;

static int on_epoch(const gd_epoch_info *info, void *user)
{
    clock_log *c = user;
    if (info->epoch <= MAX_EPOCHS) {
        c->t[info->epoch] = now();
        c->cpu[info->epoch] = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    }
    c->n = info->epoch;
    return 0;
}

/* Trains epochs epochs with opt, batch and the row order shuffle; appends
 * the durations of epochs 2.. to v and their processor times to cpu. */
static int time_epochs(const gd_dataset *ds, const char *opt, size_t batch, int shuffle,
                       long epochs, double *v, double *cpu, int *nv)
{
    gd_train_config cfg;
    gd_train_config_default(&cfg, gd_optimizer_find(opt));
    cfg.batch_size = batch;
    cfg.shuffle = shuffle;
    cfg.max_epochs = epochs;
    cfg.tol = 0;
    cfg.grad_tol = 0;
    double *params = malloc((ds->d + 1) * sizeof *params);
    clock_log c = {{0}, {0}, 0};
    gd_train_result res;
    gd_error err;
    if (params == NULL || gd_train(ds, &cfg, params, &res, on_epoch, &c, &err) != GD_OK) {
        fprintf(stderr, "phases: training failed\n");
        free(params);
        return -1;
    }
    for (long e = 2; e <= c.n && e <= MAX_EPOCHS && *nv < MAX_REPS; e++) {
        cpu[*nv] = c.cpu[e] - c.cpu[e - 1];
        v[(*nv)++] = c.t[e] - c.t[e - 1];
    }
    free(params);
    return 0;
}

/* The way to the first epoch, as gd_fit takes it: *parse gets the parse
 * alone (gd_dataset_load), *first the time from the start of the parse,
 * standardization included (gd_fit_data_load), to the start of the first
 * epoch of full-batch adam (its end, from the epoch callback, minus the
 * second epoch's length). */
static int time_first_epoch(const char *path, double *parse, double *first)
{
    gd_dataset ds;
    memset(&ds, 0, sizeof ds);
    double t0 = now();
    if (load(path, 0, &ds) != 0)
        return -1;
    *parse = now() - t0;
    gd_dataset_free(&ds);

    gd_fit_source src = {.path = path};
    gd_fit_data fd;
    gd_error err;
    t0 = now();
    if (gd_fit_data_load(&fd, &src, &err) != GD_OK) {
        fprintf(stderr, "phases: %s\n", err.message);
        return -1;
    }
    gd_train_config cfg;
    gd_train_config_default(&cfg, gd_optimizer_find("adam"));
    cfg.max_epochs = 2;
    cfg.tol = 0;
    cfg.grad_tol = 0;
    double *params = malloc((fd.train.d + 1) * sizeof *params);
    clock_log c = {{0}, {0}, 0};
    gd_train_result res;
    int ok = params != NULL &&
             gd_train(&fd.train, &cfg, params, &res, on_epoch, &c, &err) == GD_OK && c.n == 2;
    free(params);
    gd_fit_data_free(&fd);
    if (!ok) {
        fprintf(stderr, "phases: training failed\n");
        return -1;
    }
    *first = (c.t[1] - (c.t[2] - c.t[1])) - t0;
    return 0;
}

static int wants(const char *what, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = what; (p = strstr(p, name)) != NULL; p += n)
        if ((p == what || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = NULL, *what = "load,std,solve,epoch,train,mini";
    const char *batches = "32,128,1024";
    int reps = 5;
    long mini_epochs = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--what") == 0 && i + 1 < argc)
            what = argv[++i];
        else if (strcmp(argv[i], "--batches") == 0 && i + 1 < argc)
            batches = argv[++i];
        else if (strcmp(argv[i], "--mini-epochs") == 0 && i + 1 < argc)
            mini_epochs = atol(argv[++i]);
        else
            path = argv[i];
    }
    if (path == NULL || reps < 1 || reps > MAX_REPS || mini_epochs < 2 ||
        mini_epochs > MAX_EPOCHS) {
        fprintf(stderr, "usage: phases FILE [--reps 1..%d] [--what LIST] "
                        "[--batches LIST] [--mini-epochs 2..%d]\n", MAX_REPS, MAX_EPOCHS);
        return 2;
    }

    double v[2][MAX_REPS], s[2][MAX_REPS];
    uint64_t hx[2] = {0, 0}, hz[2] = {0, 0};
    int same = 1;
    gd_dataset ds;
    memset(&ds, 0, sizeof ds);
    /* Loads and standardizations, alternating 1 and 2 threads; the last
     * load (2 threads) is kept for what follows. */
    int do_load = wants(what, "load") || wants(what, "std");
    int nload = do_load ? reps : 1;
    for (int r = 0; r < nload; r++) {
        for (int t = 1; t <= 2; t++) {
            gd_dataset_free(&ds);
            double t0 = now();
            if (load(path, t, &ds) != 0)
                return 3;
            double t1 = now();
            uint64_t h = r > 0 ? 0 : hash_doubles(hash_doubles(1, ds.x, ds.n * ds.d),
                                                   ds.y, ds.n);
            gd_scaling sc;
            gd_error err;
            ds.threads = t;
            double t2 = now();
            if (gd_dataset_standardize(&ds, &sc, &err) != GD_OK) {
                fprintf(stderr, "phases: %s\n", err.message);
                return 3;
            }
            double t3 = now();
            uint64_t hs = r > 0 ? 0 : hash_doubles(hash_doubles(1, ds.x, ds.n * ds.d),
                                                    ds.y, ds.n);
            gd_scaling_free(&sc);
            v[t - 1][r] = t1 - t0;
            s[t - 1][r] = t3 - t2;
            if (r == 0) {
                hx[t - 1] = h;
                hz[t - 1] = hs;
            }
        }
        if (r == 0) {
            printf("rows %zu\nfeatures %zu\nbytes_xy %zu\n", ds.n, ds.d,
                   ds.n * (ds.d + 1) * sizeof(double));
            fflush(stdout);
        }
    }
    same &= hx[0] == hx[1] && hz[0] == hz[1];
    if (do_load) {
        report("load_t1", v[0], nload);
        report("load_t2", v[1], nload);
        report("std_t1", s[0], nload);
        report("std_t2", s[1], nload);
    }

    if (wants(what, "solve")) {
        double *params = malloc((ds.d + 1) * sizeof *params);
        int n = reps < 3 ? reps : 3;
        for (int r = 0; r < n && params != NULL; r++) {
            gd_solve_info info;
            gd_error err;
            double t0 = now();
            if (gd_solve_dataset(&ds, 0.0, params, &info, &err) != GD_OK)
                return 3;
            v[0][r] = now() - t0;
        }
        free(params);
        report("solve", v[0], n);
    }

    if (wants(what, "epoch")) {
        double params[64 + 1], g[2][64 + 1], mse[2];
        size_t d = ds.d < 64 ? ds.d : 64;
        for (size_t j = 0; j <= d; j++)
            params[j] = 0.01 * (double)(j + 1);
        int n = reps * 4 < MAX_REPS ? reps * 4 : MAX_REPS;
        for (int t = 1; t <= 2; t++) {
            gd_loss *loss;
            gd_error err;
            if (ds.d > 64 || gd_loss_create(&loss, &ds, t, &err) != GD_OK)
                return 3;
            mse[t - 1] = gd_loss_eval(loss, gd_rows_all(&ds), params, g[t - 1]);
            for (int r = 0; r < n; r++) {
                double t0 = now();
                gd_loss_eval(loss, gd_rows_all(&ds), params, g[t - 1]);
                v[t - 1][r] = now() - t0;
            }
            gd_loss_free(loss);
        }
        same &= memcmp(&mse[0], &mse[1], sizeof mse[0]) == 0 &&
                memcmp(g[0], g[1], (d + 1) * sizeof g[0][0]) == 0;
        report("epoch_t1", v[0], n);
        report("epoch_t2", v[1], n);
    }

    if (wants(what, "train")) {
        int n = 0;
        /* 4 --reps epochs after the first: the mini-batch bars divide by
         * this median, which a few slow epochs should not move. */
        if (time_epochs(&ds, "adam", 0, GD_SHUFFLE_ROWS,
                        4 * reps + 1 < MAX_EPOCHS ? 4 * reps + 1 : MAX_EPOCHS, v[0], v[1],
                        &n) != 0)
            return 3;
        report("train_epoch", v[0], n);
        report("train_epoch_cpu", v[1], n);
    }

    for (int k = 0; k < 2; k++) {
        if (!wants(what, k == 0 ? "mini" : "blocks"))
            continue;
        for (const char *p = batches; *p != '\0';) {
            size_t b = strtoul(p, NULL, 10);
            int n = 0;
            /* --reps trainings: an epoch's time depends on how the three
             * threads (steps, loss pool, order helper) share the cores, and
             * that holds for a whole run more than for one epoch. */
            for (int r = 0; b > 0 && r < reps; r++)
                if (time_epochs(&ds, "sgd", b, k == 0 ? GD_SHUFFLE_ROWS : GD_SHUFFLE_BLOCKS,
                                mini_epochs, v[0], v[1], &n) != 0)
                    return 3;
            char name[64];
            snprintf(name, sizeof name, "%s_b%zu", k == 0 ? "mini" : "blocks", b);
            report(name, v[0], n);
            snprintf(name, sizeof name, "%s_b%zu_cpu", k == 0 ? "mini" : "blocks", b);
            report(name, v[1], n);
            p += strcspn(p, ",");
            p += *p == ',';
        }
    }
    if (wants(what, "first")) {
        int n = reps < 3 ? reps : 3;
        for (int r = 0; r < n; r++)
            if (time_first_epoch(path, &v[0][r], &v[1][r]) != 0)
                return 3;
        report("first_load", v[0], n);
        report("to_first", v[1], n);
    }
    printf("same_bits %d\n", same);
    gd_dataset_free(&ds);
    return 0;
}
