/*
 * split: a held-out test part cut from a CSV file, rows copied byte for byte.
 *
 * The input is read whole into memory; the CSV reader walks it once only to
 * find where each record starts and ends (a quoted field may hold line
 * ends, so a record is not always a line), and the writer then copies those
 * byte ranges. Nothing is parsed as a number: the rows are the user's, as
 * written.
 */
#include "data/split.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/atomicfile.h"
#include "io/csv.h"
#include "gdtrain/rng.h"

size_t gd_split_test_rows(double test, size_t n)
{
    if (!(test > 0) || !isfinite(test))
        return 0;
    if (test >= 1)
        return test == floor(test) && test <= (double)SIZE_MAX ? (size_t)test : 0;
    double k = test * (double)n;
    double whole = nearbyint(k);
    /* The product of a decimal fraction and n carries a rounding error of
     * about k * 2^-53; a product that close to a whole number is that
     * number, so that 0.7 of 10 rows is 7 rows and not ceil(7.000000000000001). */
    if (fabs(k - whole) <= 4 * k * 0x1p-53)
        return (size_t)whole;
    return (size_t)ceil(k);
}

/* The whole of path ("-" for standard input) in a new buffer *data of *len
 * bytes; the caller frees it. */
static gd_status read_input(const char *path, char **data, size_t *len, gd_error *err)
{
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    *data = NULL;
    *len = 0;
    if (fp == NULL)
        return gd_error_set(err, GD_ERR_IO, name, 0, 0, "cannot open: %s", strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    gd_status st = GD_OK;
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, fp);
        if (n < cap)
            break;
        char *bigger = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (buf == NULL)
        st = gd_error_set(err, GD_ERR_NOMEM, name, 0, 0, "out of memory reading the input");
    else if (ferror(fp))
        st = gd_error_set(err, GD_ERR_IO, name, 0, 0, "read error: %s", strerror(errno));
    if (fp != stdin)
        fclose(fp);
    if (st != GD_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *len = n;
    return GD_OK;
}

/* Where the records of data[0..len) start: (*bounds)[0] is the header's
 * start, (*bounds)[i] the start of data row i (1-based) and
 * (*bounds)[*nrows + 1] the end of the last row. Every row must have as
 * many fields as the header. */
static gd_status find_records(const char *name, const char *data, size_t len, char delimiter,
                              long long **bounds, size_t *nrows, gd_error *err)
{
    gd_csv_reader *r = NULL;
    size_t cap = 1024, count = 0, header_fields = 0;
    long long *b = malloc(cap * sizeof *b);
    gd_status st = b == NULL ? gd_error_set(err, GD_ERR_NOMEM, name, 0, 0, "out of memory")
                             : gd_csv_open_memory(&r, data, len, name, delimiter, 1, err);
    long line = 1;
    if (st == GD_OK)
        b[0] = 0;
    while (st == GD_OK) {
        const gd_csv_field *f;
        size_t nf;
        st = gd_csv_next(r, &f, &nf, err);
        if (st != GD_OK || nf == 0)
            break;
        if (count == 0) {
            header_fields = nf;
        } else if (nf != header_fields) {
            st = gd_error_set(err, GD_ERR_DATA, name, f[0].line, f[0].column,
                              "a row of %zu field%s, but the header has %zu", nf,
                              nf == 1 ? "" : "s", header_fields);
            break;
        }
        if (count + 2 > cap) {
            long long *bigger = realloc(b, 2 * cap * sizeof *b);
            if (bigger == NULL) {
                st = gd_error_set(err, GD_ERR_NOMEM, name, 0, 0, "out of memory");
                break;
            }
            b = bigger;
            cap *= 2;
        }
        gd_csv_position(r, &b[++count], &line);
    }
    gd_csv_close(r);
    if (st == GD_OK && count == 0)
        st = gd_error_set(err, GD_ERR_DATA, name, 1, 1, "no header: the input is empty");
    if (st != GD_OK) {
        free(b);
        return st;
    }
    *bounds = b;
    *nrows = count - 1;
    return GD_OK;
}

/* Copies record [start, end) of data to fp, ending it with eol when the
 * input's last line had no line end. */
static void copy_record(FILE *fp, const char *data, long long start, long long end,
                        const char *eol)
{
    fwrite(data + start, 1, (size_t)(end - start), fp);
    if (end > start && data[end - 1] != '\n')
        fputs(eol, fp);
}

/* Writes the header and the rows i (1-based) with in_test[i - 1] == want,
 * in file order. */
static void write_part(FILE *fp, const char *data, const long long *bounds, size_t nrows,
                       const unsigned char *in_test, unsigned char want, const char *eol)
{
    copy_record(fp, data, bounds[0], bounds[1], eol);
    for (size_t i = 1; i <= nrows; i++)
        if (in_test[i - 1] == want)
            copy_record(fp, data, bounds[i], bounds[i + 1], eol);
}

/* in_test[i] = 1 for the k rows of 0..n) that the seed picks. */
static gd_status pick_test_rows(size_t n, size_t k, uint64_t seed, unsigned char *in_test,
                                gd_error *err)
{
    size_t *index = malloc((n > 0 ? n : 1) * sizeof *index);
    if (index == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < n; i++)
        index[i] = i;
    gd_rng rng;
    gd_rng_seed(&rng, seed);
    gd_rng_shuffle(&rng, index, n);
    memset(in_test, 0, n);
    for (size_t i = 0; i < k; i++)
        in_test[index[i]] = 1;
    free(index);
    return GD_OK;
}

static gd_status write_parts(const gd_split_options *o, const char *data,
                             const long long *bounds, size_t nrows,
                             const unsigned char *in_test, gd_error *err)
{
    long long header_end = bounds[1];
    const char *eol = header_end >= 2 && data[header_end - 2] == '\r' ? "\r\n" : "\n";
    gd_atomic_file train = {0}, test = {0};
    gd_status st = gd_atomic_open(&train, o->train, err);
    if (st == GD_OK)
        st = gd_atomic_open(&test, o->test_path, err);
    if (st != GD_OK) {
        gd_atomic_abort(&train);
        return st;
    }
    write_part(train.fp, data, bounds, nrows, in_test, 0, eol);
    write_part(test.fp, data, bounds, nrows, in_test, 1, eol);
    /* Write errors (a full disk) surface in the commit. The test part goes
     * first: a training part without its matching test part would be the
     * likelier one to be used by mistake. */
    st = gd_atomic_commit(&test, err);
    if (st == GD_OK)
        return gd_atomic_commit(&train, err);
    gd_atomic_abort(&train);
    return st;
}

gd_status gd_split_file(const gd_split_options *o, gd_split_info *info, gd_error *err)
{
    const char *name = strcmp(o->in, "-") == 0 ? "<stdin>" : o->in;
    if (strcmp(o->train, o->test_path) == 0)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "the training and test parts are both '%s'", o->train);
    char *data = NULL;
    size_t len = 0, nrows = 0;
    long long *bounds = NULL;
    unsigned char *in_test = NULL;
    gd_status st = read_input(o->in, &data, &len, err);
    if (st == GD_OK)
        st = find_records(name, data, len, o->delimiter, &bounds, &nrows, err);
    size_t k = st == GD_OK ? gd_split_test_rows(o->test, nrows) : 0;
    if (st == GD_OK && (k == 0 || k >= nrows))
        st = gd_error_set(err, GD_ERR_USAGE, name, 0, 0,
                          "a test part of %g on %zu data row%s leaves %s empty", o->test,
                          nrows, nrows == 1 ? "" : "s",
                          k == 0 ? "the test part" : "the training part");
    if (st == GD_OK) {
        in_test = malloc(nrows);
        st = in_test == NULL ? gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory")
                             : pick_test_rows(nrows, k, o->seed, in_test, err);
    }
    if (st == GD_OK)
        st = write_parts(o, data, bounds, nrows, in_test, err);
    if (st == GD_OK) {
        info->rows = nrows;
        info->test_rows = k;
        info->train_rows = nrows - k;
    }
    free(in_test);
    free(bounds);
    free(data);
    return st;
}
