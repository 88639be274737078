/*
 * dataset: CSV columns -> X (n x d, row-major) and y. See
 * include/gdtrain/dataset.h.
 *
 * Loading reads the header, chooses the columns, then streams the data rows
 * through the csv reader, parsing only the selected cells (numparse) straight
 * into X and y. X and y are single allocations that double when full (the
 * number of rows is not known in advance) and are trimmed to size at the end;
 * nothing is allocated per row or per cell, and no file text is kept.
 *
 * Choices the header leaves open:
 * - Header names, and the names asked for in the options, are trimmed of
 *   surrounding spaces and tabs (only spaces when tab is the delimiter), also
 *   when quoted. Cells are trimmed the same way before parsing.
 * - Without an explicit feature list the features are all columns but the
 *   target, in file order; with need_target == 0 the "target" left out is
 *   the named one if the file has it (all columns otherwise), or the last
 *   column when none is named, so that a training file gives the same
 *   features either way. A feature equal to the target is an error only when
 *   the target is read.
 * - Errors about column selection point at the header's line: at the
 *   column's name when it has one, else column 1; "no header line" at 1:1,
 *   "no data rows after the header" at the line after the header.
 *   A ragged row is reported just past its last field (too few fields) or
 *   at its first extra field (too many). A bad cell is reported at the start
 *   of its field (its opening quote, if quoted).
 *
 * Standardization: mean, then the sum of squared deviations from it (two
 * passes, population std), both with compensated (Neumaier) sums over the
 * rows in order, so it is deterministic and keeps the digits of columns with
 * a large offset. A constant column (identical values, or a spread that is
 * 0) gets std 1, its value as mean, and z-scores of exactly 0.
 */
#include "gdtrain/dataset.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/csv.h"
#include "gdtrain/numparse.h"
#include "gdtrain/rng.h"

/* A header name: trimmed copy, its length and its 0-based column. */
typedef struct ds_name {
    const char *s;
    size_t len;
    size_t col;   /* 0-based column index */
    long column;  /* 1-based byte column of the name in the header line */
} ds_name;

/* A selected column: where its cells go. */
typedef struct ds_pick {
    size_t col;  /* 0-based column in the file */
    size_t dest; /* feature index in [0, d), or d for the target */
} ds_pick;

/* The header, kept while loading for lookups and messages. */
typedef struct ds_header {
    size_t h;        /* number of columns */
    char *text;      /* all names, trimmed, each NUL-terminated */
    ds_name *byidx;  /* (h) names in file order */
    ds_name *sorted; /* (h) the same, sorted by name */
    long line;       /* line of the header record */
} ds_header;

static int ds_is_blank(char c, char delim)
{
    return c == ' ' || (c == '\t' && delim != '\t');
}

static void ds_trim(const char **s, size_t *len, char delim)
{
    const char *p = *s;
    size_t n = *len;
    while (n > 0 && ds_is_blank(p[0], delim)) {
        p++;
        n--;
    }
    while (n > 0 && ds_is_blank(p[n - 1], delim))
        n--;
    *s = p;
    *len = n;
}

static int ds_name_cmp(const void *a, const void *b)
{
    const ds_name *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c != 0)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

/* 0-based column of the header name s[0..len), or SIZE_MAX. Names are
 * unique once ds_header_read has succeeded. */
static size_t ds_header_find(const ds_header *hd, const char *s, size_t len)
{
    size_t lo = 0, hi = hd->h;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const ds_name *m = &hd->sorted[mid];
        size_t n = m->len < len ? m->len : len;
        int c = memcmp(m->s, s, n);
        if (c == 0)
            c = m->len < len ? -1 : m->len > len;
        if (c == 0)
            return m->col;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

static void ds_header_free(ds_header *hd)
{
    free(hd->text);
    free(hd->byidx);
    free(hd->sorted);
    memset(hd, 0, sizeof *hd);
}

/* For messages: a name quoted with gd_error_quote, into buf. */
static const char *ds_q(const char *s, size_t len, char *buf, size_t size)
{
    return gd_error_quote(s, len, buf, size);
}

/* Reads the header record into *hd: copies and trims the names, rejects
 * empty and duplicate names. */
static gd_status ds_header_read(gd_csv_reader *r, char delim, ds_header *hd,
                                gd_error *err)
{
    const gd_csv_field *f;
    size_t nf;
    gd_status st = gd_csv_next(r, &f, &nf, err);
    if (st != GD_OK)
        return st;
    if (nf == 0)
        return gd_error_set(err, GD_ERR_DATA, gd_csv_name(r), 1, 1,
                            "no header line (the file is empty)");
    hd->h = nf;
    hd->line = f[0].line;

    size_t total = 0;
    for (size_t j = 0; j < nf; j++)
        total += f[j].len + 1;
    hd->text = malloc(total);
    hd->byidx = malloc(nf * sizeof *hd->byidx);
    hd->sorted = malloc(nf * sizeof *hd->sorted);
    if (hd->text == NULL || hd->byidx == NULL || hd->sorted == NULL)
        return gd_error_set(err, GD_ERR_IO, gd_csv_name(r), 0, 0, "out of memory");

    char *out = hd->text;
    for (size_t j = 0; j < nf; j++) {
        const char *s = f[j].text;
        size_t len = f[j].len;
        ds_trim(&s, &len, delim);
        if (len == 0)
            return gd_error_set(err, GD_ERR_DATA, gd_csv_name(r), f[j].line,
                                f[j].column, "column %zu of the header has an empty name",
                                j + 1);
        memcpy(out, s, len);
        out[len] = '\0';
        hd->byidx[j].s = out;
        hd->byidx[j].len = len;
        hd->byidx[j].col = j;
        hd->byidx[j].column = f[j].column;
        out += len + 1;
    }
    memcpy(hd->sorted, hd->byidx, nf * sizeof *hd->sorted);
    qsort(hd->sorted, nf, sizeof *hd->sorted, ds_name_cmp);

    /* Duplicates are adjacent once sorted (by name, then column). Report the
     * one whose second occurrence comes first in the file. */
    size_t first = SIZE_MAX, second = SIZE_MAX;
    for (size_t k = 1; k < nf; k++) {
        const ds_name *a = &hd->sorted[k - 1], *b = &hd->sorted[k];
        /* Within a group the second entry has the smallest second column,
         * so a later pair of the same group never wins. */
        if (a->len == b->len && memcmp(a->s, b->s, a->len) == 0 && b->col < second) {
            first = a->col;
            second = b->col;
        }
    }
    if (second != SIZE_MAX) {
        char q[200];
        return gd_error_set(err, GD_ERR_DATA, gd_csv_name(r), f[second].line,
                            f[second].column,
                            "duplicate column name '%s': columns %zu and %zu",
                            ds_q(hd->byidx[second].s, hd->byidx[second].len, q, sizeof q),
                            first + 1, second + 1);
    }
    return GD_OK;
}

/* The "no column named" error, with the list of the header's names. */
static gd_status ds_unknown(const ds_header *hd, const char *file, const char *what,
                            const char *s, size_t len, gd_error *err)
{
    char q[200], list[480], nq[200];
    size_t used = 0;
    list[0] = '\0';
    for (size_t j = 0; j < hd->h; j++) {
        ds_q(hd->byidx[j].s, hd->byidx[j].len, nq, sizeof nq);
        size_t n = strlen(nq);
        if (used + n + 8 >= sizeof list) {
            snprintf(list + used, sizeof list - used, ", ...");
            break;
        }
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 j > 0 ? ", " : "", nq);
    }
    return gd_error_set(err, GD_ERR_DATA, file, hd->line, 1,
                        "no column named '%s' (%s); the columns are: %s",
                        ds_q(s, len, q, sizeof q), what, list);
}

/* Chooses the target and feature columns. Fills picks (file order, sized h),
 * *npicks, *d and *target_col (SIZE_MAX when the target is not read). */
static gd_status ds_select(const ds_header *hd, const gd_load_options *opt,
                           char delim, const char *file, ds_pick *picks,
                           size_t *npicks, size_t *d, size_t *target_col,
                           gd_error *err)
{
    size_t h = hd->h;
    size_t target = SIZE_MAX; /* column to leave out of the default features */
    size_t *dest = NULL;      /* (h) feature index + 1 per column, 0 if none */
    gd_status st = GD_OK;

    if (opt->target != NULL) {
        const char *s = opt->target;
        size_t len = strlen(s);
        ds_trim(&s, &len, delim);
        target = ds_header_find(hd, s, len);
        if (target == SIZE_MAX && opt->need_target)
            return ds_unknown(hd, file, "the target", s, len, err);
    } else if (opt->need_target || opt->features == NULL) {
        target = h - 1;
    }

    dest = calloc(h, sizeof *dest);
    if (dest == NULL)
        return gd_error_set(err, GD_ERR_IO, file, 0, 0, "out of memory");

    size_t nfeat = 0;
    if (opt->features != NULL) {
        for (size_t k = 0; k < opt->nfeatures; k++) {
            const char *s = opt->features[k];
            size_t len = strlen(s);
            char q[200];
            ds_trim(&s, &len, delim);
            size_t col = ds_header_find(hd, s, len);
            if (col == SIZE_MAX) {
                st = ds_unknown(hd, file, "a feature", s, len, err);
                goto cleanup;
            }
            if (opt->need_target && col == target) {
                st = gd_error_set(err, GD_ERR_DATA, file, hd->line,
                                  hd->byidx[col].column,
                                  "column '%s' cannot be both the target and a feature",
                                  ds_q(s, len, q, sizeof q));
                goto cleanup;
            }
            if (dest[col] != 0) {
                st = gd_error_set(err, GD_ERR_DATA, file, hd->line,
                                  hd->byidx[col].column,
                                  "feature '%s' is listed twice",
                                  ds_q(s, len, q, sizeof q));
                goto cleanup;
            }
            dest[col] = ++nfeat;
        }
    } else {
        for (size_t col = 0; col < h; col++)
            if (col != target)
                dest[col] = ++nfeat;
    }
    if (nfeat == 0) {
        st = gd_error_set(err, GD_ERR_DATA, file, hd->line, 1,
                          "no feature columns to read (the file has %zu column%s)",
                          h, h == 1 ? "" : "s");
        goto cleanup;
    }

    *target_col = opt->need_target ? target : SIZE_MAX;
    size_t np = 0;
    for (size_t col = 0; col < h; col++) {
        if (dest[col] != 0) {
            picks[np].col = col;
            picks[np++].dest = dest[col] - 1;
        } else if (col == *target_col) {
            picks[np].col = col;
            picks[np++].dest = nfeat;
        }
    }
    *npicks = np;
    *d = nfeat;

cleanup:
    free(dest);
    return st;
}

/* Whether s looks like a number written with a decimal comma: [+-]d+,d+ */
static int ds_decimal_comma(const char *s, size_t len)
{
    size_t i = 0, a = 0, b = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, a++;
    if (i >= len || s[i] != ',')
        return 0;
    i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, b++;
    return i == len && a > 0 && b > 0;
}

/* Whether s is nan, inf or infinity (any case, optional sign). */
static int ds_nonfinite(const char *s, size_t len)
{
    static const char *const words[] = {"nan", "inf", "infinity"};
    if (len > 0 && (s[0] == '+' || s[0] == '-'))
        s++, len--;
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t n = strlen(words[w]);
        if (len != n)
            continue;
        size_t i = 0;
        while (i < n && (s[i] | 0x20) == words[w][i])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* The error for a cell that did not parse (s, len: trimmed text). Cold. */
static gd_status ds_cell_error(const gd_csv_field *f, const char *s, size_t len,
                               gd_num_result res, const ds_name *name, char delim,
                               const char *file, gd_error *err)
{
    char nq[200], tq[200];
    ds_q(name->s, name->len, nq, sizeof nq);
    if (len == 0)
        return gd_error_set(err, GD_ERR_DATA, file, f->line, f->column,
                            "column '%s': empty value", nq);
    ds_q(s, len, tq, sizeof tq);
    if (res == GD_NUM_OVERFLOW)
        return gd_error_set(err, GD_ERR_DATA, file, f->line, f->column,
                            "column '%s': \"%s\" is too large (overflows a double)",
                            nq, tq);
    const char *hint = "";
    const char *p = s;
    size_t n = len;
    if (n > 0 && (p[0] == '+' || p[0] == '-'))
        p++, n--;
    if (ds_nonfinite(s, len))
        hint = " (NaN and infinite values are not allowed)";
    else if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        hint = " (hexadecimal numbers are not allowed)";
    else if (delim != ',' && ds_decimal_comma(s, len))
        hint = " (a decimal comma? write the number with a '.' as the decimal "
               "separator)";
    return gd_error_set(err, GD_ERR_DATA, file, f->line, f->column,
                        "column '%s': expected a number, found \"%s\"%s", nq, tq,
                        hint);
}

/* Grows X (and y) to room for cap rows, cap doubled from *cap. */
static int ds_grow(gd_dataset *ds, size_t *cap, int with_y)
{
    size_t newcap = *cap ? *cap * 2 : 256;
    if (newcap < *cap || newcap > SIZE_MAX / sizeof(double) / ds->d)
        return -1;
    double *x = realloc(ds->x, newcap * ds->d * sizeof *x);
    if (x == NULL)
        return -1;
    ds->x = x;
    if (with_y) {
        double *y = realloc(ds->y, newcap * sizeof *y);
        if (y == NULL)
            return -1;
        ds->y = y;
    }
    *cap = newcap;
    return 0;
}

gd_status gd_dataset_load(gd_dataset *ds, const gd_load_options *opt, gd_error *err)
{
    assert(ds != NULL && opt != NULL && opt->path != NULL);
    memset(ds, 0, sizeof *ds);
    char delim = opt->delimiter ? opt->delimiter : ',';
    gd_csv_reader *r = NULL;
    ds_header hd;
    ds_pick *picks = NULL;
    size_t npicks = 0, target_col = SIZE_MAX, cap = 0;
    const char *file = NULL;
    memset(&hd, 0, sizeof hd);

    gd_status st = gd_csv_open(&r, opt->path, delim, err);
    if (st != GD_OK)
        goto cleanup;
    file = gd_csv_name(r);
    if ((st = ds_header_read(r, delim, &hd, err)) != GD_OK)
        goto cleanup;
    picks = malloc(hd.h * sizeof *picks);
    if (picks == NULL) {
        st = gd_error_set(err, GD_ERR_IO, file, 0, 0, "out of memory");
        goto cleanup;
    }
    if ((st = ds_select(&hd, opt, delim, file, picks, &npicks, &ds->d, &target_col,
                        err)) != GD_OK)
        goto cleanup;
    int with_y = target_col != SIZE_MAX;

    /* Names, in the order of X's columns. */
    ds->feature_names = calloc(ds->d, sizeof *ds->feature_names);
    if (ds->feature_names == NULL)
        goto oom;
    for (size_t k = 0; k < npicks; k++) {
        const ds_name *nm = &hd.byidx[picks[k].col];
        char *copy = malloc(nm->len + 1);
        if (copy == NULL)
            goto oom;
        memcpy(copy, nm->s, nm->len + 1);
        if (picks[k].dest < ds->d)
            ds->feature_names[picks[k].dest] = copy;
        else
            ds->target_name = copy;
    }

    /* The rows. */
    const size_t h = hd.h, d = ds->d;
    size_t n = 0;
    for (;;) {
        const gd_csv_field *f;
        size_t nf;
        if ((st = gd_csv_next(r, &f, &nf, err)) != GD_OK)
            goto cleanup;
        if (nf == 0)
            break;
        if (nf != h) {
            long line, col;
            if (nf > h) {
                line = f[h].line;
                col = f[h].column;
            } else {
                /* Just past the last field: replay its raw form. */
                const gd_csv_field *last = &f[nf - 1];
                line = last->line;
                col = last->column;
                if (!last->quoted) {
                    col += (long)last->len;
                } else {
                    col++;
                    for (size_t i = 0; i < last->len; i++) {
                        if (last->text[i] == '\n') {
                            line++;
                            col = 1;
                        } else {
                            col += last->text[i] == '"' ? 2 : 1;
                        }
                    }
                    col++;
                }
            }
            char q[200];
            if (nf > h)
                st = gd_error_set(err, GD_ERR_DATA, file, line, col,
                                  "expected %zu field%s as in the header, found %zu: "
                                  "extra field \"%s\"", h, h == 1 ? "" : "s", nf,
                                  gd_error_quote(f[h].text, f[h].len, q, sizeof q));
            else
                st = gd_error_set(err, GD_ERR_DATA, file, line, col,
                                  "expected %zu field%s as in the header, found %zu: "
                                  "no value for column '%s'", h, h == 1 ? "" : "s", nf,
                                  ds_q(hd.byidx[nf].s, hd.byidx[nf].len, q, sizeof q));
            goto cleanup;
        }
        if (n == cap && ds_grow(ds, &cap, with_y) != 0)
            goto oom;
        double *xrow = ds->x + n * d;
        for (size_t k = 0; k < npicks; k++) {
            const gd_csv_field *c = &f[picks[k].col];
            const char *s = c->text;
            size_t len = c->len;
            if (len > 0 && (ds_is_blank(s[0], delim) || ds_is_blank(s[len - 1], delim)))
                ds_trim(&s, &len, delim);
            double v;
            gd_num_result res = gd_numparse(s, len, &v);
            if (res != GD_NUM_OK) {
                st = ds_cell_error(c, s, len, res, &hd.byidx[picks[k].col], delim,
                                   file, err);
                goto cleanup;
            }
            if (picks[k].dest < d)
                xrow[picks[k].dest] = v;
            else
                ds->y[n] = v;
        }
        n++;
    }
    if (n == 0) {
        st = gd_error_set(err, GD_ERR_DATA, file, hd.line + 1, 1,
                          "no data rows after the header");
        goto cleanup;
    }
    ds->n = n;
    /* Give back the unused end; keeping the larger block is fine too. */
    if (n < cap) {
        double *x = realloc(ds->x, n * d * sizeof *x);
        if (x != NULL)
            ds->x = x;
        if (with_y) {
            double *y = realloc(ds->y, n * sizeof *y);
            if (y != NULL)
                ds->y = y;
        }
    }
    st = GD_OK;
    goto cleanup;

oom:
    st = gd_error_set(err, GD_ERR_IO, file ? file : opt->path, 0, 0, "out of memory");
cleanup:
    free(picks);
    ds_header_free(&hd);
    gd_csv_close(r);
    if (st != GD_OK)
        gd_dataset_free(ds);
    return st;
}

void gd_dataset_apply_scaling(gd_dataset *ds, const gd_scaling *sc)
{
    assert(sc->d == ds->d);
    const size_t n = ds->n, d = ds->d;
    /* x' = (x - mean) / std; a constant column becomes exactly 0 (also when
     * its spread only underflowed to 0), in every row of every set, because
     * the model gives it weight 0. */
    for (size_t i = 0; i < n; i++) {
        double *row = ds->x + i * d;
        for (size_t j = 0; j < d; j++) {
            double mean = sc->x_mean[j], std = sc->x_std[j];
            row[j] = sc->constant[j] ? 0.0 : (row[j] - mean) / std;
        }
    }
    if (ds->y != NULL) {
        for (size_t i = 0; i < n; i++)
            ds->y[i] = sc->y_constant ? 0.0 : (ds->y[i] - sc->y_mean) / sc->y_std;
    }
}

/* Copies name strings: dst[j] = copy of src[j]. 0 on success. */
static int ds_copy_names(char **dst, char *const *src, size_t d)
{
    for (size_t j = 0; j < d; j++) {
        size_t len = strlen(src[j]);
        dst[j] = malloc(len + 1);
        if (dst[j] == NULL)
            return -1;
        memcpy(dst[j], src[j], len + 1);
    }
    return 0;
}

gd_status gd_dataset_split(gd_dataset *ds, double fraction, uint64_t seed,
                           gd_dataset *val, gd_error *err)
{
    memset(val, 0, sizeof *val);
    const size_t n = ds->n, d = ds->d;
    size_t k = (size_t)llround(fraction * (double)n);
    if (!(fraction > 0.0 && fraction < 1.0) || k == 0 || k >= n)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "a validation fraction of %g leaves %zu of %zu rows for "
                            "validation: both parts need at least one row",
                            fraction, k, n);
    size_t *order = malloc(n * sizeof *order);
    unsigned char *held = calloc(n, 1);
    val->x = malloc(k * (d ? d : 1) * sizeof *val->x);
    val->y = ds->y ? malloc(k * sizeof *val->y) : NULL;
    val->feature_names = calloc(d ? d : 1, sizeof *val->feature_names);
    if (order == NULL || held == NULL || val->x == NULL || (ds->y && val->y == NULL) ||
        val->feature_names == NULL)
        goto oom;
    val->d = d;
    if (ds_copy_names(val->feature_names, ds->feature_names, d) != 0)
        goto oom;
    if (ds->target_name != NULL) {
        size_t len = strlen(ds->target_name);
        if ((val->target_name = malloc(len + 1)) == NULL)
            goto oom;
        memcpy(val->target_name, ds->target_name, len + 1);
    }

    /* The first k of a seeded shuffle are held out; both parts keep the
     * file's row order. */
    gd_rng rng;
    gd_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    gd_rng_shuffle(&rng, order, n);
    for (size_t i = 0; i < k; i++)
        held[order[i]] = 1;
    size_t kept = 0, out = 0;
    for (size_t i = 0; i < n; i++) {
        const double *row = ds->x + i * d;
        if (held[i]) {
            memcpy(val->x + out * d, row, d * sizeof *row);
            if (ds->y)
                val->y[out] = ds->y[i];
            out++;
        } else {
            memmove(ds->x + kept * d, row, d * sizeof *row);
            if (ds->y)
                ds->y[kept] = ds->y[i];
            kept++;
        }
    }
    assert(out == k && kept == n - k);
    val->n = k;
    ds->n = kept;
    free(order);
    free(held);
    return GD_OK;

oom:
    free(order);
    free(held);
    val->d = val->feature_names ? d : 0;
    gd_dataset_free(val);
    return gd_error_set(err, GD_ERR_IO, NULL, 0, 0, "out of memory");
}

void gd_dataset_free(gd_dataset *ds)
{
    if (ds == NULL)
        return;
    if (ds->feature_names != NULL)
        for (size_t j = 0; j < ds->d; j++)
            free(ds->feature_names[j]);
    free(ds->feature_names);
    free(ds->target_name);
    free(ds->x);
    free(ds->y);
    memset(ds, 0, sizeof *ds);
}

/* Neumaier's compensated sum: s + c is the running total. */
typedef struct ds_sum {
    double s, c;
} ds_sum;

static void ds_sum_add(ds_sum *a, double v)
{
    double t = a->s + v;
    /* Whichever of the two is smaller lost its low digits in t. */
    double lost = fabs(a->s) >= fabs(v) ? (a->s - t) + v : (v - t) + a->s;
    a->c += lost;
    a->s = t;
}

/* Mean and population standard deviation of v[0..n) (n > 0), in order. A
 * constant vector (all values identical, or a standard deviation of 0) gets
 * its first value as mean (exact, where the computed mean may be off by an
 * ulp), std 1, and *constant = 1. Returns -1 if the mean or the standard
 * deviation is not finite (values too large), else 0. */
static int ds_stats_vec(const double *v, size_t n, double *mean, double *std,
                        unsigned char *constant)
{
    ds_sum sum = {0.0, 0.0};
    int same = 1;
    for (size_t i = 0; i < n; i++) {
        ds_sum_add(&sum, v[i]);
        same &= v[i] == v[0];
    }
    double m = same ? v[0] : (sum.s + sum.c) / (double)n;
    ds_sum ss = {0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        double dev = v[i] - m;
        ds_sum_add(&ss, dev * dev);
    }
    double s = sqrt((ss.s + ss.c) / (double)n);
    if (!isfinite(m) || !isfinite(s))
        return -1;
    *mean = m;
    *std = (same || s == 0.0) ? 1.0 : s;
    *constant = (unsigned char)(same || s == 0.0);
    return 0;
}

/* The same for the d columns of x (n > 0 rows, row-major), both passes going
 * over the rows in order, so memory is read sequentially. acc is scratch for
 * d sums. On failure *bad is the offending column. */
static int ds_stats_rows(const double *restrict x, size_t n, size_t d,
                         double *restrict mean, double *restrict std,
                         unsigned char *restrict constant, ds_sum *restrict acc,
                         size_t *bad)
{
    if (d == 1) {
        *bad = 0;
        return ds_stats_vec(x, n, mean, std, constant);
    }
    const double *first = x;
    for (size_t j = 0; j < d; j++) {
        acc[j].s = acc[j].c = 0.0;
        constant[j] = 1;
    }
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * d;
        for (size_t j = 0; j < d; j++) {
            ds_sum_add(&acc[j], row[j]);
            constant[j] &= row[j] == first[j];
        }
    }
    for (size_t j = 0; j < d; j++) {
        mean[j] = constant[j] ? first[j] : (acc[j].s + acc[j].c) / (double)n;
        acc[j].s = acc[j].c = 0.0;
    }
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * d;
        for (size_t j = 0; j < d; j++) {
            double dev = row[j] - mean[j];
            ds_sum_add(&acc[j], dev * dev);
        }
    }
    for (size_t j = 0; j < d; j++) {
        std[j] = sqrt((acc[j].s + acc[j].c) / (double)n);
        if (!isfinite(mean[j]) || !isfinite(std[j])) {
            *bad = j;
            return -1;
        }
        if (constant[j] || std[j] == 0.0) {
            std[j] = 1.0;
            constant[j] = 1;
        }
    }
    return 0;
}

/* Fails with the error for column name whose values overflow. */
static gd_status ds_too_large(const char *name, gd_error *err)
{
    char q[200];
    return gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                        "column '%s': values too large to standardize (their sum or "
                        "spread overflows a double)",
                        name ? gd_error_quote(name, strlen(name), q, sizeof q) : "?");
}

/* Beyond the header's contract: if a column's mean or spread overflows (values
 * near 1e154 and beyond), this fails with GD_ERR_DATA and leaves X and y as
 * they were, rather than filling them with NaNs. */
gd_status gd_dataset_standardize(gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    assert(ds != NULL && sc != NULL);
    const size_t n = ds->n, d = ds->d;
    gd_status st = GD_OK;
    size_t bad = 0;
    memset(sc, 0, sizeof *sc);
    sc->d = d;
    sc->x_mean = malloc((d ? d : 1) * sizeof *sc->x_mean);
    sc->x_std = malloc((d ? d : 1) * sizeof *sc->x_std);
    sc->constant = malloc(d ? d : 1);
    ds_sum *acc = malloc((d ? d : 1) * sizeof *acc);
    if (sc->x_mean == NULL || sc->x_std == NULL || sc->constant == NULL || acc == NULL) {
        st = gd_error_set(err, GD_ERR_IO, NULL, 0, 0, "out of memory");
        goto cleanup;
    }

    sc->y_mean = 0.0;
    sc->y_std = 1.0;
    sc->y_constant = 0;
    if (n == 0) { /* nothing to learn from: all constant */
        for (size_t j = 0; j < d; j++) {
            sc->x_mean[j] = 0.0;
            sc->x_std[j] = 1.0;
            sc->constant[j] = 1;
        }
        sc->y_constant = ds->y != NULL;
        goto cleanup;
    }
    if (d > 0 &&
        ds_stats_rows(ds->x, n, d, sc->x_mean, sc->x_std, sc->constant, acc, &bad) != 0) {
        st = ds_too_large(ds->feature_names ? ds->feature_names[bad] : NULL, err);
        goto cleanup;
    }
    if (ds->y != NULL) {
        unsigned char yc;
        if (ds_stats_vec(ds->y, n, &sc->y_mean, &sc->y_std, &yc) != 0) {
            st = ds_too_large(ds->target_name, err);
            goto cleanup;
        }
        sc->y_constant = yc;
    }

    gd_dataset_apply_scaling(ds, sc);

cleanup:
    free(acc);
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
