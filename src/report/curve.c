/*
 * curve: loss-curve files and their comparison. See curve.h.
 *
 * The writer is a FILE with a flush after every row: a curve has one row per
 * epoch, so the cost of a flush is small next to an epoch's work, and it buys
 * a file that is complete up to the last finished epoch at every moment.
 *
 * The reader goes through the csv module (quoting, CRLF, BOM, positions) and
 * maps each header field to a value column, to epoch, or to nothing. Rows go
 * into one array that grows by doubling.
 *
 * The whole-curve comparison is the row-by-row check run over the new
 * curve's rows, so the two can never disagree about what "equal" means.
 */
#include "report/curve.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "io/numformat.h"
#include "io/numparse.h"

/* The value columns' names, in file order (gd_curve_column order). */
static const char *const curve_names[GD_CURVE_NCOLUMNS] = {
    "train_loss", "val_loss", "grad_norm", "lr", "seconds",
};

const char *gd_curve_column_name(gd_curve_column column)
{
    assert(column >= 0 && column < GD_CURVE_NCOLUMNS);
    return curve_names[column];
}

int gd_curve_column_find(const char *name, size_t len)
{
    for (int k = 0; k < GD_CURVE_NCOLUMNS; k++)
        if (strlen(curve_names[k]) == len && memcmp(curve_names[k], name, len) == 0)
            return k;
    return -1;
}

double gd_curve_row_value(const gd_curve_row *row, gd_curve_column column)
{
    switch (column) {
    case GD_CURVE_TRAIN_LOSS:
        return row->train_loss;
    case GD_CURVE_VAL_LOSS:
        return row->val_loss;
    case GD_CURVE_GRAD_NORM:
        return row->grad_norm;
    case GD_CURVE_LR:
        return row->lr;
    case GD_CURVE_SECONDS:
        return row->seconds;
    case GD_CURVE_NCOLUMNS:
        break;
    }
    assert(0 && "not a value column");
    return NAN;
}

static double *curve_slot(gd_curve_row *row, int column)
{
    switch (column) {
    case GD_CURVE_TRAIN_LOSS:
        return &row->train_loss;
    case GD_CURVE_VAL_LOSS:
        return &row->val_loss;
    case GD_CURVE_GRAD_NORM:
        return &row->grad_norm;
    case GD_CURVE_LR:
        return &row->lr;
    default:
        assert(column == GD_CURVE_SECONDS);
        return &row->seconds;
    }
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && is_blank((*s)[0]))
        (*s)++, (*len)--;
    while (*len > 0 && is_blank((*s)[*len - 1]))
        (*len)--;
}

char *gd_curve_columns_format(unsigned columns, char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (int k = 0; k < GD_CURVE_NCOLUMNS; k++) {
        if (!(columns & GD_CURVE_BIT(k)))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used > 0 ? "," : "",
                         curve_names[k]);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

gd_status gd_curve_columns_parse(const char *list, unsigned *columns, gd_error *err)
{
    assert(list != NULL && columns != NULL);
    char known[128];
    unsigned set = 0;
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *name = p;
        trim(&name, &len);
        if (len == 0)
            return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                                "empty column name in the list '%s'", list);
        int k = gd_curve_column_find(name, len);
        if (k == GD_CURVE_SECONDS)
            return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                                "the column 'seconds' (wall time) differs from run to run "
                                "and cannot be compared");
        if (k < 0) {
            char q[128];
            gd_curve_columns_format(GD_CURVE_COMPARABLE_COLUMNS, known, sizeof known);
            return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                                "unknown curve column '%s' (choose from %s)",
                                gd_error_quote(name, len, q, sizeof q), known);
        }
        set |= GD_CURVE_BIT(k);
        if (end == NULL)
            break;
        p = end + 1;
    }
    *columns = set;
    return GD_OK;
}

/* ---- Writing ---------------------------------------------------------- */

/* One value cell: empty for NaN, inf/-inf, else the shortest round-trip
 * decimal (or %.6f for seconds).
 * Returns the fprintf status. */
static int write_cell(FILE *out, double v, int fixed)
{
    if (isnan(v))
        return 0;
    if (isinf(v))
        return fputs(v > 0 ? "inf" : "-inf", out) == EOF ? -1 : 0;
    if (fixed)
        return fprintf(out, "%.6f", v) < 0 ? -1 : 0;
    char buf[GD_NUMFORMAT_SIZE];
    size_t len = gd_numformat(buf, v);
    return fwrite(buf, 1, len, out) == len ? 0 : -1;
}

int gd_curve_format_row(FILE *out, const gd_curve_row *row)
{
    int bad = fprintf(out, "%ld", row->epoch) < 0;
    for (int k = 0; k < GD_CURVE_NCOLUMNS; k++) {
        bad |= fputc(',', out) == EOF;
        bad |= write_cell(out, gd_curve_row_value(row, (gd_curve_column)k),
                          k == GD_CURVE_SECONDS) != 0;
    }
    bad |= fputc('\n', out) == EOF;
    return bad ? -1 : 0;
}

/* Flushes w's stream; on failure (or if write_failed: an earlier write of
 * this row failed) fills err. */
static gd_status writer_flush(gd_curve_writer *w, int write_failed, gd_error *err)
{
    errno = 0;
    int bad = fflush(w->fp) != 0;
    int e = errno;
    if (!bad && !write_failed && !ferror(w->fp))
        return GD_OK;
    return gd_error_set(err, GD_ERR_IO, w->path, 0, 0,
                        "cannot write the loss curve: %s",
                        e != 0 ? strerror(e) : "write error");
}

gd_status gd_curve_open(gd_curve_writer *w, const char *path, gd_error *err)
{
    return gd_curve_open_mode(w, path, 0, err);
}

gd_status gd_curve_open_mode(gd_curve_writer *w, const char *path, int append, gd_error *err)
{
    assert(w != NULL && path != NULL);
    memset(w, 0, sizeof *w);
    size_t len = strlen(path);
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, path, 0, 0, "out of memory");
    memcpy(copy, path, len + 1);
    w->path = copy;
    if (strcmp(path, "-") == 0) {
        w->fp = stdout;
        w->owns_fp = 0;
    } else {
        w->fp = fopen(path, append ? "a" : "w");
        if (w->fp == NULL) {
            int e = errno;
            free(copy);
            memset(w, 0, sizeof *w);
            return gd_error_set(err, GD_ERR_IO, path, 0, 0,
                                "cannot create the loss curve file: %s", strerror(e));
        }
        w->owns_fp = 1;
    }
    int bad = !append && fputs(GD_CURVE_HEADER "\n", w->fp) == EOF;
    gd_status st = writer_flush(w, bad, err);
    if (st != GD_OK)
        gd_curve_close(w, NULL);
    return st;
}

gd_status gd_curve_append(gd_curve_writer *w, const gd_curve_row *row, gd_error *err)
{
    assert(w != NULL && w->fp != NULL && row != NULL);
    int bad = gd_curve_format_row(w->fp, row) != 0;
    gd_status st = writer_flush(w, bad, err);
    if (st == GD_OK)
        w->rows++;
    return st;
}

gd_status gd_curve_close(gd_curve_writer *w, gd_error *err)
{
    gd_status st = GD_OK;
    if (w == NULL || w->fp == NULL) {
        if (w != NULL) {
            free(w->path);
            memset(w, 0, sizeof *w);
        }
        return GD_OK;
    }
    int failed = ferror(w->fp) != 0;
    int e = 0;
    errno = 0;
    if (w->owns_fp) {
        if (fclose(w->fp) != 0) {
            failed = 1;
            e = errno;
        }
    } else if (fflush(w->fp) != 0) {
        failed = 1;
        e = errno;
    }
    if (failed)
        st = gd_error_set(err, GD_ERR_IO, w->path, 0, 0, "cannot write the loss curve: %s",
                          e != 0 ? strerror(e) : "write error");
    free(w->path);
    memset(w, 0, sizeof *w);
    return st;
}

/* ---- Reading ---------------------------------------------------------- */

enum { MAP_IGNORE = -2, MAP_EPOCH = -1 };

/* Case-insensitive comparison of s[0..len) with the lowercase word. */
static int word_is(const char *s, size_t len, const char *word)
{
    if (strlen(word) != len)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

/* Reads one value cell into *out: empty or nan -> NaN, [+-]inf[inity] -> an
 * infinity, else gd_numparse. Returns GD_OK or a GD_ERR_DATA for the field. */
static gd_status read_value(const gd_csv_field *f, const char *column, const char *file,
                            double *out, gd_error *err)
{
    const char *s = f->text;
    size_t len = f->len;
    trim(&s, &len);
    if (len == 0 || word_is(s, len, "nan")) {
        *out = NAN;
        return GD_OK;
    }
    const char *u = s;
    size_t ulen = len;
    double sign = 1;
    if (u[0] == '+' || u[0] == '-') {
        sign = u[0] == '-' ? -1 : 1;
        u++, ulen--;
    }
    if (word_is(u, ulen, "inf") || word_is(u, ulen, "infinity")) {
        *out = sign * INFINITY;
        return GD_OK;
    }
    char q[128];
    switch (gd_numparse(s, len, out)) {
    case GD_NUM_OK:
        return GD_OK;
    case GD_NUM_OVERFLOW:
        return gd_error_set(err, GD_ERR_DATA, file, f->line, f->column,
                            "column '%s': \"%s\" is too large (overflows a double)",
                            column, gd_error_quote(s, len, q, sizeof q));
    case GD_NUM_SYNTAX:
        break;
    }
    return gd_error_set(err, GD_ERR_DATA, file, f->line, f->column,
                        "column '%s': expected a number, found \"%s\"", column,
                        gd_error_quote(s, len, q, sizeof q));
}

/* Reads an epoch cell: a whole number >= 0 that fits exactly in a double and
 * a long. */
static gd_status read_epoch(const gd_csv_field *f, const char *file, long *out,
                            gd_error *err)
{
    const char *s = f->text;
    size_t len = f->len;
    trim(&s, &len);
    double v;
    char q[128];
    if (len == 0)
        return gd_error_set(err, GD_ERR_DATA, file, f->line, f->column,
                            "column 'epoch': empty value");
    const double max_epoch = 9007199254740992.0; /* 2^53 */
    if (gd_numparse(s, len, &v) != GD_NUM_OK || !(v >= 0) || v > max_epoch ||
        v > (double)LONG_MAX || v != floor(v))
        return gd_error_set(err, GD_ERR_DATA, file, f->line, f->column,
                            "column 'epoch': expected a whole number >= 0, found \"%s\"",
                            gd_error_quote(s, len, q, sizeof q));
    *out = (long)v;
    return GD_OK;
}

/* Where a row with too few fields ends: just past its last field. */
static void end_of_fields(const gd_csv_field *f, size_t nf, long *line, long *col)
{
    const gd_csv_field *last = &f[nf - 1];
    *line = last->line;
    *col = last->column;
    if (!last->quoted) {
        *col += (long)last->len;
        return;
    }
    (*col)++; /* the opening quote */
    for (size_t i = 0; i < last->len; i++) {
        if (last->text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            *col += last->text[i] == '"' ? 2 : 1;
        }
    }
    (*col)++; /* the closing quote */
}

gd_status gd_curve_load(gd_curve *c, const char *path, unsigned required, gd_error *err)
{
    assert(c != NULL && path != NULL);
    memset(c, 0, sizeof *c);
    gd_csv_reader *r = NULL;
    int *map = NULL;
    gd_curve_row *rows = NULL;
    size_t n = 0, cap = 0;
    char q[128];
    const gd_csv_field *f;
    size_t nf;

    gd_status st = gd_csv_open(&r, path, ',', err);
    if (st != GD_OK)
        goto cleanup;
    const char *file = gd_csv_name(r);

    /* The header: which field is which column. */
    if ((st = gd_csv_next(r, &f, &nf, err)) != GD_OK)
        goto cleanup;
    if (nf == 0) {
        st = gd_error_set(err, GD_ERR_DATA, file, 1, 0,
                          "empty file: expected a loss-curve header such as %s",
                          GD_CURVE_HEADER);
        goto cleanup;
    }
    const size_t h = nf;
    map = malloc(h * sizeof *map);
    if (map == NULL)
        goto oom;
    size_t seen[GD_CURVE_NCOLUMNS + 1] = {0}; /* 1 + field index, per column; [last]: epoch */
    for (size_t i = 0; i < h; i++) {
        const char *s = f[i].text;
        size_t len = f[i].len;
        trim(&s, &len);
        int k = gd_curve_column_find(s, len);
        size_t slot;
        if (k >= 0) {
            map[i] = k;
            slot = (size_t)k;
        } else if (len == 5 && memcmp(s, "epoch", 5) == 0) {
            map[i] = MAP_EPOCH;
            slot = GD_CURVE_NCOLUMNS;
        } else {
            map[i] = MAP_IGNORE;
            continue;
        }
        if (seen[slot] != 0) {
            st = gd_error_set(err, GD_ERR_DATA, file, f[i].line, f[i].column,
                              "column '%s' appears twice in the header (fields %zu and %zu)",
                              gd_error_quote(s, len, q, sizeof q), seen[slot], i + 1);
            goto cleanup;
        }
        seen[slot] = i + 1;
    }
    if (seen[GD_CURVE_NCOLUMNS] == 0) {
        st = gd_error_set(err, GD_ERR_DATA, file, 1, 0,
                          "no column 'epoch' in the header: expected a loss-curve header "
                          "such as %s", GD_CURVE_HEADER);
        goto cleanup;
    }
    for (int k = 0; k < GD_CURVE_NCOLUMNS; k++) {
        if (seen[k] != 0)
            c->columns |= GD_CURVE_BIT(k);
        else if (required & GD_CURVE_BIT(k)) {
            st = gd_error_set(err, GD_ERR_DATA, file, 1, 0, "no column '%s' in the header",
                              curve_names[k]);
            goto cleanup;
        }
    }

    /* The rows. */
    for (;;) {
        if ((st = gd_csv_next(r, &f, &nf, err)) != GD_OK)
            goto cleanup;
        if (nf == 0)
            break;
        if (nf != h) {
            long line = f[0].line, col = f[0].column;
            if (nf > h) {
                line = f[h].line;
                col = f[h].column;
                st = gd_error_set(err, GD_ERR_DATA, file, line, col,
                                  "expected %zu field%s as in the header, found %zu: "
                                  "extra field \"%s\"", h, h == 1 ? "" : "s", nf,
                                  gd_error_quote(f[h].text, f[h].len, q, sizeof q));
            } else {
                end_of_fields(f, nf, &line, &col);
                st = gd_error_set(err, GD_ERR_DATA, file, line, col,
                                  "expected %zu field%s as in the header, found %zu",
                                  h, h == 1 ? "" : "s", nf);
            }
            goto cleanup;
        }
        if (n == cap) {
            size_t newcap = cap ? cap * 2 : 64;
            if (newcap > SIZE_MAX / sizeof *rows)
                goto oom;
            gd_curve_row *grown = realloc(rows, newcap * sizeof *rows);
            if (grown == NULL)
                goto oom;
            rows = grown;
            cap = newcap;
        }
        gd_curve_row *row = &rows[n];
        row->epoch = 0;
        row->train_loss = row->val_loss = row->grad_norm = row->lr = row->seconds = NAN;
        for (size_t i = 0; i < h; i++) {
            if (map[i] == MAP_IGNORE)
                continue;
            if (map[i] == MAP_EPOCH)
                st = read_epoch(&f[i], file, &row->epoch, err);
            else
                st = read_value(&f[i], curve_names[map[i]], file, curve_slot(row, map[i]), err);
            if (st != GD_OK)
                goto cleanup;
        }
        if (n > 0 && row->epoch <= rows[n - 1].epoch) {
            const gd_csv_field *e = &f[seen[GD_CURVE_NCOLUMNS] - 1];
            st = gd_error_set(err, GD_ERR_DATA, file, e->line, e->column,
                              "column 'epoch': epoch %ld does not come after the previous "
                              "row's epoch %ld (epochs must increase)",
                              row->epoch, rows[n - 1].epoch);
            goto cleanup;
        }
        n++;
    }
    c->rows = rows;
    c->n = n;
    rows = NULL;
    goto cleanup;

oom:
    st = gd_error_set(err, GD_ERR_NOMEM, r ? gd_csv_name(r) : path, 0, 0, "out of memory");
cleanup:
    if (st != GD_OK)
        memset(c, 0, sizeof *c);
    free(rows);
    free(map);
    gd_csv_close(r);
    return st;
}

void gd_curve_free(gd_curve *c)
{
    if (c == NULL)
        return;
    free(c->rows);
    memset(c, 0, sizeof *c);
}

const gd_curve_row *gd_curve_find(const gd_curve *c, long epoch)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->rows[mid].epoch < epoch)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n && c->rows[lo].epoch == epoch ? &c->rows[lo] : NULL;
}

/* ---- Comparing -------------------------------------------------------- */

void gd_curve_tol_default(gd_curve_tol *tol)
{
    tol->rtol = GD_CURVE_RTOL;
    tol->atol = GD_CURVE_ATOL;
    tol->columns = GD_CURVE_DEFAULT_COLUMNS;
}

int gd_curve_values_agree(double a, double b, const gd_curve_tol *tol, double *rel)
{
    double r;
    int agree;
    if (a == b || (isnan(a) && isnan(b))) {
        r = 0;
        agree = 1;
    } else if (!isfinite(a) || !isfinite(b)) {
        r = INFINITY;
        agree = 0;
    } else {
        double diff = fabs(a - b);
        double scale = fmax(fabs(a), fabs(b)); /* > 0, since a != b */
        r = diff / scale;
        agree = diff <= tol->atol + tol->rtol * scale;
    }
    if (rel != NULL)
        *rel = r;
    return agree;
}

/* Compares two rows; on agreement stores the largest relative difference
 * among the compared columns in *max_rel; see gd_curve_compare_row. */
static int compare_row(const gd_curve_row *ref, const gd_curve_row *new_row,
                       const gd_curve_tol *tol, gd_curve_diff *diff, double *max_rel)
{
    double largest = 0;
    for (int k = 0; k < GD_CURVE_NCOLUMNS; k++) {
        if (!(tol->columns & GD_CURVE_BIT(k)))
            continue;
        double a = gd_curve_row_value(ref, (gd_curve_column)k);
        double b = gd_curve_row_value(new_row, (gd_curve_column)k);
        double rel;
        if (!gd_curve_values_agree(a, b, tol, &rel)) {
            if (diff != NULL) {
                diff->kind = GD_CURVE_VALUE;
                diff->epoch = ref->epoch;
                diff->column = (gd_curve_column)k;
                diff->ref_value = a;
                diff->new_value = b;
                diff->rel = rel;
            }
            return 0;
        }
        if (rel > largest)
            largest = rel;
    }
    *max_rel = largest;
    return 1;
}

int gd_curve_compare_row(const gd_curve_row *ref, const gd_curve_row *new_row,
                         const gd_curve_tol *tol, gd_curve_diff *diff)
{
    assert(ref != NULL && new_row != NULL && tol != NULL);
    double unused;
    return compare_row(ref, new_row, tol, diff, &unused);
}

void gd_curve_check_start(gd_curve_check *chk, const gd_curve *ref, const gd_curve_tol *tol)
{
    assert(chk != NULL && ref != NULL && tol != NULL);
    chk->ref = ref;
    chk->tol = *tol;
    chk->next = 0;
    chk->rows = 0;
    chk->max_rel = 0;
    chk->failed = 0;
}

/* Fills the counting fields of *diff from the check's state. */
static void check_counts(const gd_curve_check *chk, gd_curve_diff *diff)
{
    diff->ref_rows = chk->ref->n;
    diff->new_rows = chk->rows;
    diff->rows_compared = chk->next;
    diff->max_rel = chk->max_rel;
}

static void set_only(gd_curve_diff *diff, gd_curve_diff_kind kind, long epoch)
{
    diff->kind = kind;
    diff->epoch = epoch;
    diff->column = GD_CURVE_TRAIN_LOSS;
    diff->ref_value = diff->new_value = NAN;
    diff->rel = NAN;
}

int gd_curve_check_row(gd_curve_check *chk, const gd_curve_row *row, gd_curve_diff *diff)
{
    gd_curve_diff local;
    double row_rel;
    if (diff == NULL)
        diff = &local;
    if (chk->failed)
        return 0;
    chk->rows++;
    const gd_curve *ref = chk->ref;
    if (chk->next >= ref->n || row->epoch < ref->rows[chk->next].epoch) {
        set_only(diff, GD_CURVE_ONLY_NEW, row->epoch);
    } else if (row->epoch > ref->rows[chk->next].epoch) {
        set_only(diff, GD_CURVE_ONLY_REF, ref->rows[chk->next].epoch);
    } else if (!compare_row(&ref->rows[chk->next], row, &chk->tol, diff, &row_rel)) {
        /* diff filled */
    } else {
        if (row_rel > chk->max_rel)
            chk->max_rel = row_rel;
        chk->next++;
        return 1;
    }
    chk->failed = 1;
    check_counts(chk, diff);
    return 0;
}

int gd_curve_check_finish(gd_curve_check *chk, gd_curve_diff *diff)
{
    if (chk->failed)
        return 0;
    gd_curve_diff local;
    if (diff == NULL)
        diff = &local;
    if (chk->next < chk->ref->n) {
        set_only(diff, GD_CURVE_ONLY_REF, chk->ref->rows[chk->next].epoch);
        chk->failed = 1;
        check_counts(chk, diff);
        return 0;
    }
    set_only(diff, GD_CURVE_SAME, 0);
    diff->rel = 0;
    check_counts(chk, diff);
    return 1;
}

int gd_curve_compare(const gd_curve *ref, const gd_curve *new_curve,
                     const gd_curve_tol *tol, gd_curve_diff *diff)
{
    assert(ref != NULL && new_curve != NULL && tol != NULL && diff != NULL);
    gd_curve_check chk;
    gd_curve_check_start(&chk, ref, tol);
    int same = 1;
    for (size_t i = 0; i < new_curve->n && same; i++)
        same = gd_curve_check_row(&chk, &new_curve->rows[i], diff);
    if (same)
        same = gd_curve_check_finish(&chk, diff);
    /* The whole curves are known: report their full lengths. */
    diff->ref_rows = ref->n;
    diff->new_rows = new_curve->n;
    return same;
}

/* Shows v for a message: "empty" for NaN, inf/-inf, else %.*g. */
static void show_value(char *buf, size_t size, double v, int digits)
{
    if (isnan(v))
        snprintf(buf, size, "empty");
    else if (isinf(v))
        snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, size, "%.*g", digits, v);
}

char *gd_curve_diff_format(const gd_curve_diff *diff, const gd_curve_tol *tol,
                           const char *ref_name, const char *new_name, char *buf,
                           size_t size)
{
    assert(diff != NULL && tol != NULL && buf != NULL);
    if (size == 0)
        return buf;
    switch (diff->kind) {
    case GD_CURVE_SAME:
        snprintf(buf, size, "curves agree");
        break;
    case GD_CURVE_ONLY_REF:
    case GD_CURVE_ONLY_NEW: {
        int in_ref = diff->kind == GD_CURVE_ONLY_REF;
        snprintf(buf, size,
                 "curves differ in %s: epoch %ld is in %s but not in %s "
                 "(%s has %zu row%s, %s %zu)",
                 diff->ref_rows != diff->new_rows ? "length" : "their epochs",
                 diff->epoch, in_ref ? ref_name : new_name, in_ref ? new_name : ref_name,
                 ref_name, diff->ref_rows, diff->ref_rows == 1 ? "" : "s", new_name,
                 diff->new_rows);
        break;
    }
    case GD_CURVE_VALUE: {
        char a[64], b[64], why[200] = "";
        /* As few digits as tell the values apart (they differ, so 17 do,
         * unless they are NaN/inf and shown as words). */
        for (int digits = 6; digits <= 17; digits++) {
            show_value(a, sizeof a, diff->ref_value, digits);
            show_value(b, sizeof b, diff->new_value, digits);
            if (strcmp(a, b) != 0)
                break;
        }
        if (isfinite(diff->rel)) {
            if (tol->atol == 0)
                snprintf(why, sizeof why, ", relative difference %.1e > rtol %g", diff->rel,
                         tol->rtol);
            else
                snprintf(why, sizeof why,
                         ", absolute difference %.1e > atol %g + rtol %g * %.6g "
                         "(relative difference %.1e)",
                         fabs(diff->ref_value - diff->new_value), tol->atol, tol->rtol,
                         fmax(fabs(diff->ref_value), fabs(diff->new_value)), diff->rel);
        }
        snprintf(buf, size, "curves differ at epoch %ld, column %s: %s (%s) vs %s (%s)%s",
                 diff->epoch, gd_curve_column_name(diff->column), a, ref_name, b, new_name,
                 why);
        break;
    }
    }
    return buf;
}
