/*
 * rows: one CSV record into its row of X and y, with the errors for a ragged
 * row or a cell that is not a number, and the sequential path that feeds it
 * records from the csv reader (see load.h).
 *
 * A ragged row is reported just past its last field (too few fields) or at
 * its first extra field (too many). A bad cell is reported at the start of
 * its field (its opening quote, if quoted).
 *
 * With the encoding rules, the sequential path reads on past the problems
 * of the rows (ragged rows, which it leaves out, numbers too large, and a
 * broken quote or a NUL byte, after which it stops: where the next record
 * starts is then unknown), keeping them for the one report of every
 * problem that gd_cells_finish makes.
 */
#include "data/load.h"

#include <stdlib.h>
#include <string.h>

#include "io/numparse.h"

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
    const char *hint = gd_cells_hint(s, len, delim);
    return gd_error_set(err, GD_ERR_DATA, file, f->line, f->column,
                        "column '%s': expected a number, found \"%s\"%s", nq, tq,
                        hint);
}

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

/* Stores a cell that is not a plain number (s[0..len), trimmed) through
 * sink `sink` of the cells rules: GD_NUM_OK with *v set, or the parse's
 * failure for the loader's own message (*st set when memory ran out). */
static gd_num_result ds_take(const ds_load *c, int sink, size_t dest,
                             const gd_csv_field *cell, const char *s, size_t len,
                             double *v, gd_error *err, gd_status *st)
{
    switch (gd_cells_take(c->cells, sink, dest, s, len, cell->line, cell->column, v)) {
    case GD_CELL_TAKEN:
        return GD_NUM_OK;
    case GD_CELL_OVERFLOW:
        return GD_NUM_OVERFLOW;
    case GD_CELL_NO_MEMORY:
        *st = gd_error_set(err, GD_ERR_NOMEM, c->file, 0, 0, "out of memory");
        return GD_NUM_SYNTAX;
    default:
        return GD_NUM_SYNTAX;
    }
}

gd_status gd_ds_record(const ds_load *c, int sink, const gd_csv_field *f, size_t nf,
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
        gd_status st = GD_OK;
        const size_t col = c->picks[k].col;
        gd_num_result res = c->cells && c->slow[col] ? GD_NUM_SYNTAX
                                                     : gd_numparse(s, len, &v);
        if (res == GD_NUM_SYNTAX && c->cells != NULL)
            res = ds_take(c, sink, c->picks[k].dest, cell, s, len, &v, err, &st);
        if (st != GD_OK)
            return st;
        if (res != GD_NUM_OK && c->collect) {
            gd_error e;
            ds_cell_error(cell, s, len, res, &c->hd->byidx[col], c->delim, c->file, &e);
            gd_cells_row_problem(c->cells, &e);
            v = 0.0; /* a number, as the cell means one: the load fails anyway */
        } else if (res != GD_NUM_OK) {
            return ds_cell_error(cell, s, len, res, &c->hd->byidx[col], c->delim,
                                 c->file, err);
        }
        if (c->first_num != NULL && v == v && c->first_num[c->picks[k].dest].line == 0)
            c->first_num[c->picks[k].dest] = (ds_place){cell->line, cell->column};
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

int gd_ds_resize(gd_dataset *ds, ds_load *c, int with_y, size_t cap)
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

gd_status gd_ds_rows_sequential(gd_csv_reader *r, ds_load *c, gd_dataset *ds,
                                int with_y, size_t *cap, size_t *n, gd_error *err)
{
    size_t rows = 0;
    c->collect = c->cells != NULL;
    for (;;) {
        const gd_csv_field *f;
        size_t nf;
        gd_status st = gd_csv_next(r, &f, &nf, err);
        if (st == GD_ERR_DATA && c->collect) { /* a broken quote, a NUL byte: the last */
            gd_cells_row_problem(c->cells, err);
            break;
        }
        if (st != GD_OK)
            return st;
        if (nf == 0)
            break;
        if (nf != c->h && c->collect) {
            gd_error e;
            ds_ragged(c, f, nf, &e);
            gd_cells_row_problem(c->cells, &e);
            continue;
        }
        if (rows == *cap) {
            size_t newcap = *cap ? *cap * 2 : 256;
            if (newcap < *cap || gd_ds_resize(ds, c, with_y, newcap) != 0)
                return gd_error_set(err, GD_ERR_NOMEM, c->file, 0, 0, "out of memory");
            *cap = newcap;
        }
        if ((st = gd_ds_record(c, 0, f, nf, rows, err)) != GD_OK)
            return st;
        rows++;
    }
    *n = rows;
    return GD_OK;
}

