/*
 * dataset: CSV columns -> X (n x d, row-major) and y. See
 * include/gdtrain/dataset.h.
 *
 * Loading reads the header with the csv reader and chooses the columns.
 * Then, for a regular file, the rows are read in parallel chunks at known
 * offsets: a first pass counts the lines, so X and y are allocated once at
 * their final size, and a second parses every chunk straight into its rows
 * (see "the parallel path" below). Standard input and pipes, and files with
 * quoted fields that span lines, stream through the csv reader instead, into
 * X and y grown by doubling. Only the selected cells are parsed (numparse);
 * nothing is allocated per row or per cell, and no file text is kept: the
 * parallel path holds one chunk (about a megabyte) per thread at a time.
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
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "io/csv.h"
#include "io/numparse.h"
#include "gdtrain/rng.h"
#include "core/parallel.h"

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

/* Whether s[0..len) holds a UTF-8 byte order mark. */
static int ds_find_bom(const char *s, size_t len)
{
    for (size_t i = 0; i + 3 <= len; i++)
        if (memcmp(s + i, "\xEF\xBB\xBF", 3) == 0)
            return 1;
    return 0;
}

/* Reads the header record into *hd: copies and trims the names, rejects
 * empty and duplicate names, and names holding a byte order mark. */
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
    /* calloc, not malloc: clang's analyzer takes an entry read at an index
     * that comes back from qsort for unset memory unless it is zeroed. */
    hd->byidx = calloc(nf, sizeof *hd->byidx);
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
        /* U+FEFF is invisible: a name holding it would match no --target or
         * --features the user can type. A file starting with two byte order
         * marks (one skipped by the reader) is the usual way to get one. */
        if (ds_find_bom(s, len))
            return gd_error_set(err, GD_ERR_DATA, gd_csv_name(r), f[j].line,
                                f[j].column,
                                "the name of column %zu holds an invisible byte order "
                                "mark (U+FEFF, bytes EF BB BF)%s", j + 1,
                                j == 0 ? ": does the file start with two?" : "");
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

/* If the header was read as one column whose name holds another common
 * separator, writes a hint naming it into hint; else an empty string. */
static void ds_delimiter_hint(const ds_header *hd, char delim, char *hint, size_t size)
{
    static const struct {
        char c;
        const char *flag;
    } common[] = {{';', "';'"}, {'\t', "tab"}, {',', "','"}, {'|', "'|'"}};
    hint[0] = '\0';
    if (hd->h != 1)
        return;
    for (size_t k = 0; k < sizeof common / sizeof common[0]; k++) {
        if (common[k].c != delim && strchr(hd->byidx[0].s, common[k].c) != NULL) {
            snprintf(hint, size, "; the header holds %s: is that the delimiter? "
                     "(--delimiter %s)", common[k].c == '\t' ? "tabs" : common[k].flag,
                     common[k].flag);
            return;
        }
    }
}

/* The "no column named" error, with the list of the header's names. */
static gd_status ds_unknown(const ds_header *hd, const char *file, char delim,
                            const char *what, const char *s, size_t len, gd_error *err)
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
    char hint[96];
    ds_delimiter_hint(hd, delim, hint, sizeof hint);
    return gd_error_set(err, GD_ERR_DATA, file, hd->line, 1,
                        "no column named '%s' (%s); the columns are: %s%s",
                        ds_q(s, len, q, sizeof q), what, list, hint);
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
            return ds_unknown(hd, file, delim, "the target", s, len, err);
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
                st = ds_unknown(hd, file, delim, "a feature", s, len, err);
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
        char hint[96];
        ds_delimiter_hint(hd, delim, hint, sizeof hint);
        st = gd_error_set(err, GD_ERR_DATA, file, hd->line, 1,
                          "no feature columns to read (the file has %zu column%s)%s",
                          h, h == 1 ? "" : "s", hint);
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

/* ---- rows: what both paths share ---------------------------------------- */

#define DS_SKIP SIZE_MAX

/* What a row parser needs: the columns and where their cells go. */
typedef struct ds_load {
    const char *file;      /* name for messages */
    char delim;
    size_t h;              /* fields per record (the header's) */
    const ds_header *hd;
    const ds_pick *picks;  /* selected columns, file order */
    size_t npicks;
    size_t *dest;          /* (h) per column: feature index, d for the target,
                              DS_SKIP if not read */
    size_t d;
    double *x;             /* (cap, d) */
    double *y;             /* (cap), or NULL without a target */
} ds_load;

/* The error for a record whose field count is not the header's. */
static gd_status ds_ragged(const ds_load *c, const gd_csv_field *f, size_t nf,
                           gd_error *err)
{
    const size_t h = c->h;
    char q[200];
    if (nf > h)
        return gd_error_set(err, GD_ERR_DATA, c->file, f[h].line, f[h].column,
                            "expected %zu field%s as in the header, found %zu: "
                            "extra field \"%s\"", h, h == 1 ? "" : "s", nf,
                            gd_error_quote(f[h].text, f[h].len, q, sizeof q));
    /* Just past the last field: replay its raw form. */
    const gd_csv_field *last = &f[nf - 1];
    long line = last->line, col = last->column;
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
    return gd_error_set(err, GD_ERR_DATA, c->file, line, col,
                        "expected %zu field%s as in the header, found %zu: "
                        "no value for column '%s'", h, h == 1 ? "" : "s", nf,
                        ds_q(c->hd->byidx[nf].s, c->hd->byidx[nf].len, q, sizeof q));
}

/* Checks one record (nf fields from the csv reader) and stores its selected
 * cells as row `row` of X and y. */
static gd_status ds_record(const ds_load *c, const gd_csv_field *f, size_t nf,
                           size_t row, gd_error *err)
{
    if (nf != c->h)
        return ds_ragged(c, f, nf, err);
    double *xrow = c->x + row * c->d;
    for (size_t k = 0; k < c->npicks; k++) {
        const gd_csv_field *cell = &f[c->picks[k].col];
        const char *s = cell->text;
        size_t len = cell->len;
        if (len > 0 && (ds_is_blank(s[0], c->delim) || ds_is_blank(s[len - 1], c->delim)))
            ds_trim(&s, &len, c->delim);
        double v;
        gd_num_result res = gd_numparse(s, len, &v);
        if (res != GD_NUM_OK)
            return ds_cell_error(cell, s, len, res, &c->hd->byidx[c->picks[k].col],
                                 c->delim, c->file, err);
        if (c->picks[k].dest < c->d)
            xrow[c->picks[k].dest] = v;
        else
            c->y[row] = v;
    }
    return GD_OK;
}

/* Note on memory: X and y are plain malloc blocks in 4 KiB pages. Marking
 * them for transparent huge pages (madvise MADV_HUGEPAGE) was measured on
 * the 2-CPU virtual machine this was tuned on: first touch of 640 MB took
 * 0.08 s of CPU when huge pages were at hand, but 1.2 to 2 s in most fresh
 * processes (the kernel compacting memory to find them), against a steady
 * 0.2 s in small pages, spread over the parsing threads. */

/* Sets X and y to room for exactly cap rows (allocating, growing or
 * shrinking); 0 on success, else -1 with X and y as they were. */
static int ds_resize(gd_dataset *ds, ds_load *c, int with_y, size_t cap)
{
    const size_t d = c->d;
    if (cap == 0 || cap > SIZE_MAX / sizeof(double) / d)
        return -1;
    double *x = realloc(ds->x, cap * d * sizeof *x);
    if (x == NULL)
        return -1;
    ds->x = c->x = x;
    if (with_y) {
        double *y = realloc(ds->y, cap * sizeof *y);
        if (y == NULL)
            return -1;
        ds->y = c->y = y;
    }
    return 0;
}

/* The sequential path: records from the csv reader one after another into X
 * and y, grown by doubling from *cap rows (which may be 0) when full. Every
 * input goes this way when it cannot be read at chosen offsets (standard
 * input, a pipe), and a file with quoted fields that span lines. Sets *n. */
static gd_status ds_rows_sequential(gd_csv_reader *r, ds_load *c, gd_dataset *ds,
                                    int with_y, size_t *cap, size_t *n, gd_error *err)
{
    size_t rows = 0;
    for (;;) {
        const gd_csv_field *f;
        size_t nf;
        gd_status st = gd_csv_next(r, &f, &nf, err);
        if (st != GD_OK)
            return st;
        if (nf == 0)
            break;
        if (rows == *cap) {
            size_t newcap = *cap ? *cap * 2 : 256;
            if (newcap < *cap || ds_resize(ds, c, with_y, newcap) != 0)
                return gd_error_set(err, GD_ERR_IO, c->file, 0, 0, "out of memory");
            *cap = newcap;
        }
        if ((st = ds_record(c, f, nf, rows, err)) != GD_OK)
            return st;
        rows++;
    }
    *n = rows;
    return GD_OK;
}

/* ---- rows: the parallel path for regular files ---------------------------
 *
 * The file is read with pread at chosen offsets, never kept whole:
 *  1. The data (after the header, without trailing empty lines) is cut into
 *     chunks of about DS_CHUNK bytes that end just after a newline.
 *  2. Pass 1, in parallel: each chunk counts its newlines. Their prefix
 *     sums give every chunk its first row and line, and the total gives the
 *     number of rows, so X and y are allocated once, at their final size.
 *  3. Pass 2, in parallel: each chunk parses its lines straight into its
 *     rows of X and y. A plain line (unquoted fields, LF or CRLF) is parsed
 *     in place; anything else (a quote, an empty line, a bad cell, a NUL, a
 *     bare CR, a ragged row) is re-read on its own by a csv reader over
 *     that line's bytes, which stores its cells or gives the exact error
 *     with the file's line and column. A chunk stops at its first error;
 *     chunks after the first failing one are skipped, chunks before it run
 *     to their end, so the first error in file order is the one reported.
 * Every line is one record here. That is wrong only when a quoted field
 * spans lines, and then the line that opens it fails as an unterminated
 * quote, before or at the first error found. So when the first error comes
 * from a line holding a quote, the rows are read again by the sequential
 * path, which settles everything (into the same X and y: a file has no more
 * records than lines).
 */

enum {
    DS_CHUNK = 1 << 20,   /* nominal bytes per chunk: a pread, parsed from cache */
    DS_WINDOW = 1 << 16,  /* bytes per pread when looking for a line end */
    DS_SLACK = 8          /* zero bytes after a chunk in its buffer (a NUL) */
};

/* One chunk of the data: whole lines [begin, end) of the file. */
typedef struct ds_chunk {
    size_t begin, end;    /* file offsets */
    size_t lines;         /* pass 1: newline bytes in it */
    size_t first_row;     /* row of its first line */
    gd_status st;         /* pass 2: GD_OK or its first error, in err */
    int quoted;           /* that error's line holds a quote */
    gd_error err;
} ds_chunk;

/* Per thread scratch of pass 1 and 2. */
typedef struct ds_worker {
    char *buf;            /* a chunk's bytes and DS_SLACK zero bytes */
    size_t cap;           /* bytes allocated */
    gd_csv_reader *reader; /* memory reader for lines read alone, or NULL */
} ds_worker;

typedef struct ds_par {
    ds_load *c;
    int fd;
    const char *file;
    long first_line;       /* line of row 0 */
    ds_chunk *chunks;
    size_t nchunks;
    ds_worker *workers;    /* (threads) */
    unsigned char stop[256]; /* bytes that end a plain field */
    atomic_size_t first_bad; /* lowest chunk with an error so far, or SIZE_MAX */
} ds_par;

enum { DS_SHORT = -1 }; /* ds_pread: the file ended before the bytes asked for */

/* Reads exactly len bytes at offset off. 0, an errno value, or DS_SHORT when
 * the file ended early: it was cut after its size was taken. */
static int ds_pread(int fd, char *buf, size_t len, size_t off)
{
    while (len > 0) {
        ssize_t got = pread(fd, buf, len, (off_t)off);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return errno != 0 ? errno : EIO;
        }
        if (got == 0)
            return DS_SHORT;
        buf += got;
        len -= (size_t)got;
        off += (size_t)got;
    }
    return 0;
}

static gd_status ds_read_error(const char *file, int e, gd_error *err)
{
    if (e == DS_SHORT)
        return gd_error_set(err, GD_ERR_IO, file, 0, 0,
                            "cannot read: the file is shorter than when loading began "
                            "(was it truncated while being read?)");
    return gd_error_set(err, GD_ERR_IO, file, 0, 0, "cannot read: %s", strerror(e));
}

/* The end of the data: the file size less the empty lines (LF or CRLF) at
 * its end, which the csv reader drops too. Not before start. */
static gd_status ds_data_end(int fd, size_t start, size_t size, const char *file,
                             size_t *out, gd_error *err)
{
    char buf[4096];
    size_t end = size;
    while (end > start) {
        size_t lo = end - start > sizeof buf ? end - sizeof buf : start;
        int e = ds_pread(fd, buf, end - lo, lo);
        if (e != 0)
            return ds_read_error(file, e, err);
        size_t k = end; /* trimmed end, absolute */
        while (k > lo && buf[k - 1 - lo] == '\n') {
            if (k - 1 > lo) {
                k -= buf[k - 2 - lo] == '\r' ? 2 : 1;
            } else if (lo > start) {
                break; /* a CR before it would be outside buf: read again from k */
            } else {
                k -= 1;
            }
        }
        if (k == end || (k > lo && buf[k - 1 - lo] != '\n')) {
            end = k;
            break;
        }
        end = k;
    }
    *out = end;
    return GD_OK;
}

/* Offset just past the first newline at or after pos (< end), or end if
 * there is none. */
static gd_status ds_line_end(int fd, size_t pos, size_t end, const char *file,
                             size_t *out, gd_error *err)
{
    char buf[DS_WINDOW];
    while (pos < end) {
        size_t len = end - pos < sizeof buf ? end - pos : sizeof buf;
        int e = ds_pread(fd, buf, len, pos);
        if (e != 0)
            return ds_read_error(file, e, err);
        const char *nl = memchr(buf, '\n', len);
        if (nl != NULL) {
            *out = pos + (size_t)(nl - buf) + 1;
            return GD_OK;
        }
        pos += len;
    }
    *out = end;
    return GD_OK;
}

/* Cuts [start, end) into chunks of whole lines, each at least DS_CHUNK bytes
 * but the last. */
static gd_status ds_make_chunks(ds_par *P, size_t start, size_t end, gd_error *err)
{
    size_t cap = (end - start) / DS_CHUNK + 2, n = 0;
    P->chunks = calloc(cap, sizeof *P->chunks);
    if (P->chunks == NULL)
        return gd_error_set(err, GD_ERR_IO, P->file, 0, 0, "out of memory");
    size_t pos = start;
    while (pos < end) {
        size_t b = end;
        if (end - pos > DS_CHUNK) {
            gd_status st = ds_line_end(P->fd, pos + DS_CHUNK - 1, end, P->file, &b, err);
            if (st != GD_OK)
                return st;
        }
        assert(n < cap && b > pos);
        P->chunks[n].begin = pos;
        P->chunks[n].end = b;
        n++;
        pos = b;
    }
    P->nchunks = n;
    return GD_OK;
}

/* Reads chunk ch into the worker's buffer, followed by DS_SLACK zero bytes. */
static int ds_chunk_read(ds_par *P, const ds_chunk *ch, ds_worker *w, gd_error *err)
{
    size_t len = ch->end - ch->begin;
    if (w->cap < len + DS_SLACK) {
        char *b = realloc(w->buf, len + DS_SLACK);
        if (b == NULL) {
            gd_error_set(err, GD_ERR_IO, P->file, 0, 0, "out of memory");
            return -1;
        }
        w->buf = b;
        w->cap = len + DS_SLACK;
    }
    int e = ds_pread(P->fd, w->buf, len, ch->begin);
    if (e != 0) {
        ds_read_error(P->file, e, err);
        return -1;
    }
    memset(w->buf + len, 0, DS_SLACK); /* the NUL, and defined bytes after it */
    return 0;
}

/* The number of LF bytes in p[0..len). Eight bytes at a time: a byte of
 * t = word ^ "\n\n\n\n\n\n\n\n" is zero exactly where the word has a LF,
 * and ~(((t & 0x7f..) + 0x7f..) | t) has its top bit set exactly there. */
static size_t ds_count_lf(const char *p, size_t len)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
    size_t count = 0, i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t word;
        memcpy(&word, p + i, 8);
        uint64_t t = word ^ (ones * '\n');
        uint64_t lf = ~(((t & low7) + low7) | t | low7); /* 0x80 per LF byte */
        count += (size_t)(((lf >> 7) * ones) >> 56);
    }
    for (; i < len; i++)
        count += p[i] == '\n';
    return count;
}

static void ds_chunk_fail(ds_par *P, size_t t, gd_status st, int quoted)
{
    P->chunks[t].st = st;
    P->chunks[t].quoted = quoted;
    size_t seen = atomic_load(&P->first_bad);
    while (t < seen && !atomic_compare_exchange_weak(&P->first_bad, &seen, t))
        ;
}

/* Fails chunk t because its lines are not those counted in pass 1. */
static void ds_chunk_changed(ds_par *P, size_t t, gd_error *err)
{
    gd_error_set(err, GD_ERR_IO, P->file, 0, 0,
                 "cannot read: the file changed while it was being read (the %zu "
                 "bytes from offset %zu hold a different number of lines than a "
                 "moment ago)", P->chunks[t].end - P->chunks[t].begin,
                 P->chunks[t].begin);
    ds_chunk_fail(P, t, GD_ERR_IO, 0);
}

/* Pass 1 task: counts the newlines of chunk t. */
static void ds_count_task(void *ctx, size_t t, int worker)
{
    ds_par *P = ctx;
    ds_chunk *ch = &P->chunks[t];
    if (t > atomic_load(&P->first_bad))
        return;
    if (ds_chunk_read(P, ch, &P->workers[worker], &ch->err) != 0) {
        ds_chunk_fail(P, t, ch->err.status, 0);
        return;
    }
    ch->lines = ds_count_lf(P->workers[worker].buf, ch->end - ch->begin);
}

/* Clinger's fast path needs double arithmetic without excess precision
 * (not x87). */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define DS_CLINGER 1
#else
#define DS_CLINGER 0
#endif

/* Powers of ten that are exact doubles (5^22 < 2^53). */
static const double ds_pow10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parses the line at p as a plain line into row `row`: unquoted fields, as
 * many as the header's, the selected ones numbers, ending in LF, CRLF or,
 * for the input's last line, at end (where the buffer holds a NUL).
 * Returns the start of the next line, or NULL if the line is not plain or a
 * cell is not a number (then the general reader must look at it).
 *
 * A cell of the common shape [-]digits[.digits], at most 19 digits, is read
 * while it is scanned: its digits as an integer w, and when w <= 2^53 and
 * there are at most 22 decimals, w / 10^decimals is one correctly rounded
 * division of exact doubles (Clinger's fast path, as numparse's first
 * tier): the same bits as strtod. Any other cell goes to numparse whole.
 *
 * Two other designs were measured and were slower on the machine this was
 * tuned on (a 2-CPU Xeon VM): reading a cell 8 bytes at a time without a
 * loop (finding where a cell ends then sits on the chain of dependent
 * operations from one cell to the next), and cutting fields at the bits of
 * a separator bitmap built with SSE2 for the whole chunk (1.4x slower). */
static const char *ds_plain_line(const ds_load *c, const unsigned char *stop,
                                 const char *p, const char *end, size_t row)
{
    double *xrow = c->x + row * c->d;
    const size_t h = c->h, d = c->d;
    const char delim = c->delim;
    for (size_t col = 0;; col++) {
        const char *s = p;
        const size_t dst = c->dest[col];
        if (dst == DS_SKIP) {
            while (!stop[(unsigned char)*p])
                p++;
        } else {
            double v;
            const int neg = *p == '-';
            p += neg;
            const char *digits = p;
            uint64_t w = 0;
            while ((unsigned)(*p - '0') < 10)
                w = w * 10 + (uint64_t)(*p++ - '0');
            size_t ndig = (size_t)(p - digits), nfrac = 0;
            if (*p == '.') {
                const char *frac = ++p;
                while ((unsigned)(*p - '0') < 10)
                    w = w * 10 + (uint64_t)(*p++ - '0');
                nfrac = (size_t)(p - frac);
                ndig += nfrac;
            }
            if (DS_CLINGER && stop[(unsigned char)*p] && ndig - 1 < 19 &&
                w <= (UINT64_C(1) << 53) && nfrac <= 22) {
                v = (double)w;
                if (nfrac > 0)
                    v /= ds_pow10[nfrac];
                if (neg)
                    v = -v;
            } else {
                while (!stop[(unsigned char)*p])
                    p++;
                size_t len = (size_t)(p - s);
                if (len > 0 && (ds_is_blank(s[0], delim) || ds_is_blank(s[len - 1], delim)))
                    ds_trim(&s, &len, delim);
                double parsed;
                if (gd_numparse(s, len, &parsed) != GD_NUM_OK)
                    return NULL;
                v = parsed;
            }
            if (dst < d)
                xrow[dst] = v;
            else
                c->y[row] = v;
        }
        const char ch = *p;
        if (ch == delim) {
            if (col + 1 == h)
                return NULL; /* too many fields */
            p++;
            continue;
        }
        if (col + 1 != h)
            return NULL; /* too few fields, or a quote, CR or NUL */
        if (ch == '\n')
            return p + 1;
        if (ch == '\r' && p[1] == '\n')
            return p + 2;
        if (ch == '\0' && p == end)
            return p;
        return NULL;
    }
}

/* Reads the line p[0..len) (with its line end, if any) on its own with a
 * csv reader, as line `line` of the file, into row `row`. */
static gd_status ds_general_line(ds_par *P, ds_worker *w, const char *p, size_t len,
                                 long line, size_t row, gd_error *err)
{
    const ds_load *c = P->c;
    gd_status st;
    if (w->reader == NULL) {
        st = gd_csv_open_memory(&w->reader, p, len, P->file, c->delim, line, err);
        if (st != GD_OK)
            return st;
    } else {
        gd_csv_reset_memory(w->reader, p, len, line);
    }
    const gd_csv_field *f;
    size_t nf;
    if ((st = gd_csv_next(w->reader, &f, &nf, err)) != GD_OK)
        return st;
    if (nf == 0) {
        /* An empty line, which the reader takes for the end of its input:
         * in the middle of a file it is a record of one empty field. */
        static const char empty[1] = "";
        gd_csv_field e = {empty, 0, line, 1, 0};
        return ds_record(c, &e, 1, row, err);
    }
    return ds_record(c, f, nf, row, err);
}

/* Pass 2 task: parses the lines of chunk t into their rows. */
static void ds_parse_task(void *ctx, size_t t, int worker)
{
    ds_par *P = ctx;
    ds_chunk *ch = &P->chunks[t];
    ds_worker *w = &P->workers[worker];
    if (t > atomic_load(&P->first_bad))
        return;
    if (ds_chunk_read(P, ch, w, &ch->err) != 0) {
        ds_chunk_fail(P, t, ch->err.status, 0);
        return;
    }
    const char *p = w->buf, *end = w->buf + (ch->end - ch->begin);
    /* Pass 1 counted this chunk's lines and X has room for exactly those. If
     * the file was rewritten since, the lines differ: more would be written
     * past the chunk's rows, fewer would leave rows unset. */
    size_t row = ch->first_row;
    const size_t row_end = ch->first_row + ch->lines + (t + 1 == P->nchunks);
    while (p < end) {
        if (row == row_end) {
            ds_chunk_changed(P, t, &ch->err);
            return;
        }
        const char *next = ds_plain_line(P->c, P->stop, p, end, row);
        if (next == NULL) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            next = nl != NULL ? nl + 1 : end;
            gd_status st = ds_general_line(P, w, p, (size_t)(next - p),
                                           P->first_line + (long)row, row, &ch->err);
            if (st != GD_OK) {
                ds_chunk_fail(P, t, st, memchr(p, '"', (size_t)(next - p)) != NULL);
                return;
            }
        }
        p = next;
        row++;
    }
    if (row != row_end)
        ds_chunk_changed(P, t, &ch->err);
}

/* Reads the rows of the file behind r in parallel (see above). Sets *n and
 * *cap (rows allocated); sets *fallback when the rows must be read by the
 * sequential path instead (the file is not a regular file, or a quoted field
 * may span lines), with X and y then allocated for *cap rows, or none. */
static gd_status ds_rows_parallel(gd_csv_reader *r, ds_load *c, gd_dataset *ds,
                                  int with_y, int threads, size_t *cap, size_t *n,
                                  int *fallback, gd_error *err)
{
    ds_par P;
    memset(&P, 0, sizeof P);
    gd_pool *pool = NULL;
    gd_status st = GD_OK;
    *fallback = 1;
    *n = 0;

    struct stat sb;
    FILE *f = gd_csv_stream(r);
    if (f == NULL || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) ||
        sb.st_size < 0 || (uintmax_t)sb.st_size > SIZE_MAX / 2)
        return GD_OK;
    long long offset;
    gd_csv_position(r, &offset, &P.first_line);
    P.c = c;
    P.fd = fileno(f);
    P.file = c->file;
    atomic_init(&P.first_bad, SIZE_MAX);
    size_t size = (size_t)sb.st_size, start = (size_t)offset, end = 0;
    /* The reader took the file's size when it opened it; the rows are read
     * from the file as it is now, so it must not have shrunk since. */
    if ((long long)size < gd_csv_size(r)) {
        *fallback = 0;
        return ds_read_error(P.file, DS_SHORT, err);
    }
    if (start > size)
        return GD_OK; /* only if the reader knows no size: let it see the end */
    if ((st = ds_data_end(P.fd, start, size, P.file, &end, err)) != GD_OK)
        return st;
    *fallback = 0;
    if (end <= start)
        return GD_OK; /* no data rows */
    if ((st = ds_make_chunks(&P, start, end, err)) != GD_OK)
        goto cleanup;

    int nthreads = gd_pool_threads(threads);
    if (nthreads > 1 && P.nchunks > 1)
        pool = gd_pool_create(nthreads < (int)P.nchunks ? nthreads : (int)P.nchunks);
    P.workers = calloc((size_t)gd_pool_size(pool), sizeof *P.workers);
    if (P.workers == NULL) {
        st = gd_error_set(err, GD_ERR_IO, P.file, 0, 0, "out of memory");
        goto cleanup;
    }

    /* Pass 1: lines per chunk, then rows. */
    gd_pool_run(pool, ds_count_task, &P, P.nchunks);
    size_t rows = 0;
    for (size_t t = 0; t < P.nchunks; t++) {
        if (P.chunks[t].st != GD_OK) {
            *err = P.chunks[t].err;
            st = P.chunks[t].st;
            goto cleanup;
        }
        P.chunks[t].first_row = rows;
        rows += P.chunks[t].lines;
    }
    rows++; /* the last line has no newline: it ends at end */
    if (ds_resize(ds, c, with_y, rows) != 0) {
        st = gd_error_set(err, GD_ERR_IO, P.file, 0, 0, "out of memory");
        goto cleanup;
    }
    *cap = rows;

    /* Pass 2: the cells. */
    P.stop[0] = 1;
    P.stop['\n'] = 1;
    P.stop['\r'] = 1;
    P.stop['"'] = 1;
    P.stop[(unsigned char)c->delim] = 1;
    gd_pool_run(pool, ds_parse_task, &P, P.nchunks);
    for (size_t t = 0; t < P.nchunks; t++) {
        if (P.chunks[t].st == GD_OK)
            continue;
        if (P.chunks[t].quoted) {
            *fallback = 1; /* perhaps a quoted field spanning lines */
        } else {
            *err = P.chunks[t].err;
            st = P.chunks[t].st;
        }
        goto cleanup;
    }
    *n = rows;

cleanup:
    if (P.workers != NULL) {
        for (int k = 0; k < gd_pool_size(pool); k++) {
            free(P.workers[k].buf);
            gd_csv_close(P.workers[k].reader);
        }
    }
    gd_pool_free(pool);
    free(P.workers);
    free(P.chunks);
    return st;
}

gd_status gd_dataset_load(gd_dataset *ds, const gd_load_options *opt, gd_error *err)
{
    assert(ds != NULL && opt != NULL && opt->path != NULL);
    memset(ds, 0, sizeof *ds);
    char delim = (char)(opt->delimiter ? opt->delimiter : ',');
    gd_csv_reader *r = NULL;
    ds_header hd;
    ds_pick *picks = NULL;
    size_t *dest = NULL;
    size_t npicks = 0, target_col = SIZE_MAX, cap = 0, n = 0;
    const char *file = NULL;
    memset(&hd, 0, sizeof hd);

    gd_status st = gd_csv_open(&r, opt->path, delim, err);
    if (st != GD_OK)
        goto cleanup;
    file = gd_csv_name(r);
    if ((st = ds_header_read(r, delim, &hd, err)) != GD_OK)
        goto cleanup;
    picks = malloc(hd.h * sizeof *picks);
    dest = malloc(hd.h * sizeof *dest);
    if (picks == NULL || dest == NULL)
        goto oom;
    if ((st = ds_select(&hd, opt, delim, file, picks, &npicks, &ds->d, &target_col,
                        err)) != GD_OK)
        goto cleanup;
    int with_y = target_col != SIZE_MAX;
    for (size_t col = 0; col < hd.h; col++)
        dest[col] = DS_SKIP;
    for (size_t k = 0; k < npicks; k++)
        dest[picks[k].col] = picks[k].dest;

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
    ds_load c = {file, delim, hd.h, &hd, picks, npicks, dest, ds->d, NULL, NULL};
    int fallback = 1;
    if (strcmp(opt->path, "-") != 0)
        st = ds_rows_parallel(r, &c, ds, with_y, opt->threads, &cap, &n, &fallback, err);
    if (st == GD_OK && fallback)
        st = ds_rows_sequential(r, &c, ds, with_y, &cap, &n, err);
    if (st != GD_OK)
        goto cleanup;
    if (n == 0) {
        st = gd_error_set(err, GD_ERR_DATA, file, hd.line + 1, 1,
                          "no data rows after the header");
        goto cleanup;
    }
    ds->n = n;
    ds->threads = opt->threads;
    if (n < cap)
        (void)ds_resize(ds, &c, with_y, n); /* keeping the larger block is fine too */
    st = GD_OK;
    goto cleanup;

oom:
    st = gd_error_set(err, GD_ERR_IO, file ? file : opt->path, 0, 0, "out of memory");
cleanup:
    free(dest);
    free(picks);
    ds_header_free(&hd);
    gd_csv_close(r);
    if (st != GD_OK)
        gd_dataset_free(ds);
    return st;
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
    val->threads = ds->threads;
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

/* ---- standardization ------------------------------------------------------
 *
 * The passes over the matrix (the sums for the means, the sums of squared
 * deviations, the z-scores) run over fixed blocks of DS_STAT_ROWS rows on a
 * pool of threads (the dataset's `threads`). A block sums its rows in order
 * from zero; the blocks' sums are then added in block order. So the bits
 * never depend on the number of threads, and for up to DS_STAT_ROWS rows the
 * sums are exactly the plain sums in row order.
 */

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
    const size_t n = ds->n, d = ds->d;
    gd_status st = GD_OK;
    ds_std_job job;
    gd_pool *pool = NULL;
    double *mean = NULL;
    memset(&job, 0, sizeof job);
    memset(sc, 0, sizeof *sc);
    sc->d = d;
    sc->x_mean = malloc((d ? d : 1) * sizeof *sc->x_mean);
    sc->x_std = malloc((d ? d : 1) * sizeof *sc->x_std);
    /* calloc: clang's analyzer takes bytes written and then read at a variable
     * index of malloc'ed memory for unset. */
    sc->constant = calloc(d ? d : 1, 1);
    if (sc->x_mean == NULL || sc->x_std == NULL || sc->constant == NULL)
        goto oom;

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

    const size_t nb = ds_blocks(n);
    job.x = ds->x;
    job.y = ds->y;
    job.n = n;
    job.d = d;
    job.m = d + (ds->y != NULL);
    job.stride = (job.m + 3) / 4 * 4;
    /* job.m is 0 for a dataset without features or target: never ask
     * malloc for 0 bytes (NULL would read as out of memory). */
    size_t nparts = nb * job.stride;
    if (nparts == 0)
        nparts = 1;
    job.part = malloc(nparts * sizeof *job.part);
    job.same = malloc(nparts);
    mean = malloc((job.m ? job.m : 1) * sizeof *mean);
    if (job.part == NULL || job.same == NULL || mean == NULL)
        goto oom;
    job.mean = mean;
    pool = ds_pool(ds);

    /* Means: the first value when all are equal (exact, where the computed
     * mean may be off by an ulp). */
    gd_pool_run(pool, ds_sum_task, &job, nb);
    unsigned char *same = sc->constant; /* reused: whether a column is constant */
    unsigned char y_same = 1;
    for (size_t j = 0; j < job.m; j++) {
        unsigned char all = 1;
        for (size_t b = 0; b < nb; b++)
            all &= job.same[b * job.stride + j];
        assert(j < d || ds->y != NULL); /* job.m counts y only if there is one */
        double first = j < d ? ds->x[j] : ds->y[0];
        mean[j] = all ? first : ds_total(&job, nb, j) / (double)n;
        if (j < d)
            same[j] = all;
        else
            y_same = all;
    }

    /* Standard deviations; a constant column (or a spread of 0) gets 1. */
    gd_pool_run(pool, ds_dev_task, &job, nb);
    for (size_t j = 0; j < job.m; j++) {
        double sd = sqrt(ds_total(&job, nb, j) / (double)n);
        if (!isfinite(mean[j]) || !isfinite(sd)) {
            st = ds_too_large(ds, j, err);
            goto cleanup;
        }
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

    job.sc = sc;
    gd_pool_run(pool, ds_scale_task, &job, nb);
    goto cleanup;

oom:
    st = gd_error_set(err, GD_ERR_IO, NULL, 0, 0, "out of memory");
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
