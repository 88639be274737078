/*
 * cacheload: the load phase of a run that parses a CSV file against one
 * that reads its binary cache, side by side in one process, through the
 * library's public calls. The load phase is what gd_fit_data_load does for
 * a training run (as `gdtrain --data FILE [--cache PATH]` calls it): from
 * nothing to training-ready rows, X and y standardized and the statistics.
 *
 *   load_parse   gd_fit_data_load without a cache: the CSV parsed into X
 *                and y (encoding rules on, their defaults; default threads),
 *                then gd_dataset_standardize
 *   load_cached  gd_fit_data_load with a cache that is up to date: the
 *                content hash of the whole source and of the options, the
 *                cache's header, metadata, checksum table and statistics
 *                checked, its standardized X and y mapped and every block of
 *                them checked against its checksum (which brings their
 *                pages in), nothing copied
 *   cache_build  the first run with --cache: parse, standardize and write
 *                the cache (once, before the repetitions)
 *
 * The repetitions alternate the two, so that the machine's load falls on
 * both alike. "same_bits 1" says the cached load gave the parsed load's
 * standardized X, y, statistics and names bit for bit (0: it did not, and
 * no ratio should be trusted). Lines "name median_seconds min_seconds",
 * then "cache_bytes N".
 *
 * Usage: cacheload FILE CACHE [--reps R]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gdtrain/dataset.h"
#include "gdtrain/fit.h"

enum { MAX_REPS = 101 };

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Prints "name median min" of v[0..n), sorting v (insertion: n is small). */
static void print_times(const char *name, double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    printf("%s %.6f %.6f\n", name, v[n / 2], v[0]);
}

/* The command line's load options: the encoding rules on, their defaults. */
static gd_load_options cli_rules(gd_load_report *rep)
{
    gd_load_options opt;
    memset(&opt, 0, sizeof opt);
    opt.encode = 1;
    opt.decimal = '.';
    opt.report = rep;
    return opt;
}

static int same_scaling(const gd_scaling *a, const gd_scaling *b)
{
    return a->d == b->d && memcmp(a->x_mean, b->x_mean, a->d * sizeof *a->x_mean) == 0 &&
           memcmp(a->x_std, b->x_std, a->d * sizeof *a->x_std) == 0 &&
           memcmp(a->constant, b->constant, a->d) == 0 &&
           memcmp(&a->y_mean, &b->y_mean, sizeof a->y_mean) == 0 &&
           memcmp(&a->y_std, &b->y_std, sizeof a->y_std) == 0 && a->y_constant == b->y_constant;
}

static int same(const gd_fit_data *fa, const gd_fit_data *fb)
{
    const gd_dataset *a = &fa->train, *b = &fb->train;
    if (a->n != b->n || a->d != b->d ||
        memcmp(a->x, b->x, a->n * a->d * sizeof *a->x) != 0 ||
        memcmp(a->y, b->y, a->n * sizeof *a->y) != 0 || !same_scaling(&fa->scaling, &fb->scaling))
        return 0;
    for (size_t j = 0; j < a->d; j++)
        if (strcmp(a->feature_names[j], b->feature_names[j]) != 0)
            return 0;
    return strcmp(a->target_name, b->target_name) == 0;
}

static int fail(const char *what, const gd_error *err)
{
    char buf[1400];
    fprintf(stderr, "cacheload: %s: %s\n", what, gd_error_format(err, buf, sizeof buf));
    return 1;
}

/* One load phase into *fd, timed; cache NULL parses. */
static int load(gd_fit_data *fd, const char *path, const char *cache, gd_cache_outcome *out,
                double *took)
{
    static gd_load_report rep;
    memset(&rep, 0, sizeof rep);
    gd_load_options rules = cli_rules(&rep);
    gd_fit_source src = {.path = path, .rules = &rules, .cache = cache, .cache_outcome = out};
    gd_error err;
    double t0 = seconds();
    gd_status st = gd_fit_data_load(fd, &src, &err);
    *took = seconds() - t0;
    return st == GD_OK ? 0 : fail(cache == NULL ? "parsing" : "through the cache", &err);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: cacheload FILE CACHE [--reps R]\n");
        return 2;
    }
    int reps = argc >= 5 && strcmp(argv[3], "--reps") == 0 ? atoi(argv[4]) : 5;
    if (reps < 1 || reps > MAX_REPS)
        reps = 5;
    gd_cache_outcome out;
    gd_fit_data parsed, cached;
    double build, tp[MAX_REPS], tc[MAX_REPS];
    remove(argv[2]);
    if (load(&cached, argv[1], argv[2], &out, &build) != 0)
        return 1;
    gd_fit_data_free(&cached);
    if (!out.written) {
        fprintf(stderr, "cacheload: the cache %s was not written: %s\n", argv[2], out.note);
        return 1;
    }
    int all_same = 1;
    for (int r = 0; r < reps; r++) {
        if (load(&parsed, argv[1], NULL, NULL, &tp[r]) != 0 ||
            load(&cached, argv[1], argv[2], &out, &tc[r]) != 0)
            return 1;
        all_same = all_same && out.used && cached.train.mapping != NULL && same(&parsed, &cached);
        gd_fit_data_free(&parsed);
        gd_fit_data_free(&cached);
    }
    print_times("load_parse", tp, reps);
    print_times("load_cached", tc, reps);
    printf("cache_build %.6f %.6f\n", build, build);
    printf("cache_bytes %llu\n", (unsigned long long)out.bytes);
    printf("same_bits %d\n", all_same);
    return 0;
}
