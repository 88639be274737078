/*
 * cacheload: the load phase of a run that parses a CSV file against one
 * that reads its binary cache, side by side in one process, through the
 * library's public calls.
 *
 *   load_parse   gd_dataset_load: the CSV parsed into X and y, as a run
 *                without --cache loads (default threads)
 *   load_cached  gd_dataset_load_cached on a cache that is up to date, as
 *                a later run with --cache loads: the content hash of the
 *                whole source and of the options, the cache's header,
 *                metadata and checksum table checked, every block read into
 *                X and y and checked against its checksum (default threads)
 *   cache_build  the first run with --cache: parse and write the cache
 *                (once, before the repetitions)
 *
 * Both loads end with the same thing in memory: X and y as the loader
 * makes them, before any validation split and standardization (which a run
 * does next, the same way on both). The repetitions alternate the two, so
 * that the machine's load falls on both alike. "same_bits 1" says the
 * cached load gave the parsed load's X, y and names bit for bit (0: it did
 * not, and no ratio should be trusted). Lines "name median_seconds
 * min_seconds", then "cache_bytes N".
 *
 * Usage: cacheload FILE CACHE [--reps R]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gdtrain/dataset.h"

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
static gd_load_options cli_options(const char *path, gd_load_report *rep)
{
    gd_load_options opt;
    memset(&opt, 0, sizeof opt);
    opt.path = path;
    opt.need_target = 1;
    opt.encode = 1;
    opt.decimal = '.';
    opt.report = rep;
    return opt;
}

static int same(const gd_dataset *a, const gd_dataset *b)
{
    if (a->n != b->n || a->d != b->d ||
        memcmp(a->x, b->x, a->n * a->d * sizeof *a->x) != 0 ||
        memcmp(a->y, b->y, a->n * sizeof *a->y) != 0)
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

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: cacheload FILE CACHE [--reps R]\n");
        return 2;
    }
    int reps = argc >= 5 && strcmp(argv[3], "--reps") == 0 ? atoi(argv[4]) : 5;
    if (reps < 1 || reps > MAX_REPS)
        reps = 5;
    static gd_load_report rep;
    gd_load_options opt = cli_options(argv[1], &rep);
    gd_cache_outcome out;
    gd_error err;
    gd_dataset parsed, cached;
    double t0 = seconds();
    if (gd_dataset_load_cached(&cached, &opt, argv[2], 1, &out, &err) != GD_OK || !out.written)
        return fail("building the cache", &err);
    double build = seconds() - t0;
    gd_dataset_free(&cached);
    double tp[MAX_REPS], tc[MAX_REPS];
    int all_same = 1;
    for (int r = 0; r < reps; r++) {
        memset(&rep, 0, sizeof rep);
        t0 = seconds();
        if (gd_dataset_load(&parsed, &opt, &err) != GD_OK)
            return fail("parsing", &err);
        tp[r] = seconds() - t0;
        memset(&rep, 0, sizeof rep);
        t0 = seconds();
        if (gd_dataset_load_cached(&cached, &opt, argv[2], 0, &out, &err) != GD_OK)
            return fail("reading the cache", &err);
        tc[r] = seconds() - t0;
        all_same = all_same && out.used && same(&parsed, &cached);
        gd_dataset_free(&parsed);
        gd_dataset_free(&cached);
    }
    print_times("load_parse", tp, reps);
    print_times("load_cached", tc, reps);
    printf("cache_build %.6f %.6f\n", build, build);
    printf("cache_bytes %llu\n", (unsigned long long)out.bytes);
    printf("same_bits %d\n", all_same);
    return 0;
}
