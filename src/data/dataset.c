/*
 * dataset: CSV columns -> X (n x d, row-major) and y. See
 * include/gdtrain/dataset.h.
 *
 * Loading reads the header with the csv reader and chooses the columns
 * (columns.c). Then, for a regular file, the rows are read in parallel
 * chunks at known offsets: a first pass counts the lines, so X and y are
 * allocated once at their final size, and a second parses every chunk
 * straight into its rows (rows_parallel.c). Standard input and pipes, and
 * files with quoted fields that span lines, stream through the csv reader
 * instead, into X and y grown by doubling (rows.c). Only the selected cells
 * are parsed (numparse); nothing is allocated per row or per cell, and no
 * file text is kept: the parallel path holds one chunk (about a megabyte)
 * per thread at a time. "No data rows after the header" is reported at the
 * line after the header.
 *
 * With the encoding rules (opt->encode), text and missing cells are kept
 * in X as marked NaNs while the rows are read, and a last stage turns the
 * table into the design matrix in place (table.c, src/data/cells.c).
 *
 * The validation split is in validation.c, standardization in
 * standardize.c.
 */
#include "data/load.h"
#include "data/stream.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/share.h"

/* The columns to read, chosen from the header: the picks (file order) and,
 * per column of the file, where its cells go (dest, DS_SKIP if not read). */
typedef struct ds_columns {
    ds_header hd;
    ds_pick *picks;    /* (hd.h) */
    size_t npicks;
    size_t *dest;      /* (hd.h) */
    size_t target_col; /* SIZE_MAX when the target is not read */
} ds_columns;

static void ds_columns_free(ds_columns *cols)
{
    free(cols->dest);
    free(cols->picks);
    gd_ds_header_free(&cols->hd);
}

/* Stage 1: reads the header and chooses the columns (and, with the
 * encoding rules, sets them up in *t); sets ds->d. */
static gd_status ds_choose_columns(gd_csv_reader *r, const gd_load_options *opt,
                                   char delim, ds_columns *cols, ds_table *t,
                                   gd_dataset *ds, gd_error *err)
{
    const char *file = gd_csv_name(r);
    gd_status st = gd_ds_header_read(r, delim, opt->encode, &cols->hd, err);
    if (st != GD_OK)
        return st;
    const size_t h = cols->hd.h;
    cols->picks = malloc(h * sizeof *cols->picks);
    cols->dest = malloc(h * sizeof *cols->dest);
    if (cols->picks == NULL || cols->dest == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, file, 0, 0, "out of memory");
    if (opt->encode && (st = gd_ds_table_begin(t, &cols->hd, opt, delim, file, err)) != GD_OK)
        return st;
    st = gd_ds_select(&cols->hd, opt->encode ? &t->opt : opt, t->excluded, delim, file,
                      cols->picks, &cols->npicks, &ds->d, &cols->target_col, err);
    if (st != GD_OK)
        return st;
    for (size_t col = 0; col < h; col++)
        cols->dest[col] = DS_SKIP;
    for (size_t k = 0; k < cols->npicks; k++)
        cols->dest[cols->picks[k].col] = cols->picks[k].dest;
    if (!opt->encode)
        return GD_OK;
    return gd_ds_table_rules(t, &cols->hd, cols->dest, ds->d, cols->target_col != SIZE_MAX,
                             delim, file, err);
}

/* Stage 2: the names of the chosen columns, in the order of X's columns. */
static gd_status ds_copy_names(const ds_columns *cols, const char *file, gd_dataset *ds,
                               gd_error *err)
{
    ds->feature_names = calloc(ds->d, sizeof *ds->feature_names);
    if (ds->feature_names == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, file, 0, 0, "out of memory");
    for (size_t k = 0; k < cols->npicks; k++) {
        const ds_name *nm = &cols->hd.byidx[cols->picks[k].col];
        char *copy = malloc(nm->len + 1);
        if (copy == NULL)
            return gd_error_set(err, GD_ERR_NOMEM, file, 0, 0, "out of memory");
        memcpy(copy, nm->s, nm->len + 1);
        if (cols->picks[k].dest < ds->d)
            ds->feature_names[cols->picks[k].dest] = copy;
        else
            ds->target_name = copy;
    }
    return GD_OK;
}

/* Stage 3: the rows, by the parallel path where it can read the input and
 * by the sequential one otherwise; sets ds->n. */
static gd_status ds_read_rows(gd_csv_reader *r, const gd_load_options *opt, char delim,
                              const ds_columns *cols, ds_table *t, gd_dataset *ds,
                              gd_error *err)
{
    const char *file = gd_csv_name(r);
    const int with_y = cols->target_col != SIZE_MAX;
    ds_load c = {file, delim, cols->hd.h, &cols->hd, cols->picks, cols->npicks,
                 cols->dest, ds->d, NULL, NULL, t->cells, t->slow, 0,
                 opt->part, opt->parts, opt->part_range, 0, NULL};
    size_t cap = 0, n = 0;
    int fallback = 1;
    gd_status st = GD_OK;
    if (opt->parts > 1 && strcmp(opt->path, "-") == 0)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "reading a part of the rows needs a regular file, not standard "
                            "input");
    if (t->cells != NULL && strcmp(opt->path, "-") == 0) {
        c.first_num = t->first_num = calloc(ds->d + 1, sizeof *t->first_num);
        if (t->first_num == NULL)
            return gd_error_set(err, GD_ERR_NOMEM, file, 0, 0, "out of memory");
    }
    if (strcmp(opt->path, "-") != 0)
        st = gd_ds_rows_parallel(r, &c, ds, with_y, opt->threads, &cap, &n, &fallback,
                                 &t->spans, &t->nspans, err);
    if (st == GD_OK && fallback && opt->parts > 1)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "reading a part of the rows needs a regular file");
    if (st == GD_OK && fallback) {
        if (t->cells != NULL)
            gd_cells_reset(t->cells); /* the rows are read again, from the start */
        st = gd_ds_rows_sequential(r, &c, ds, with_y, &cap, &n, err);
    }
    if (st != GD_OK)
        return st;
    if (n == 0 && !c.part_empty && !opt->may_be_empty &&
        (t->cells == NULL || gd_cells_row_problems(t->cells) == 0))
        return gd_error_set(err, GD_ERR_DATA, file, cols->hd.line + 1, 1,
                            "no data rows after the header");
    ds->n = n;
    if (n < cap)
        (void)gd_ds_resize(ds, &c, with_y, n); /* keeping the larger block is fine too */
    return GD_OK;
}

/* What ds_locate needs to read the file again, or, for standard input,
 * the first number of each column, kept while reading. */
typedef struct ds_where {
    const gd_load_options *opt;
    const ds_columns *cols;
    const ds_place *first_num;
} ds_where;

/* Finds cell c of data row `row` by reading the file again (an error
 * message's place: not worth keeping every cell's while loading). Rows
 * are the records after the header with the header's field count, as the
 * loader keeps them. Standard input cannot be read again: there, the first
 * number of each column was kept, the one cell gd_cells_finish asks for. */
static int ds_locate(const void *ctx, size_t row, size_t c, long *line, long *column)
{
    const ds_where *w = ctx;
    if (w->first_num != NULL) { /* asked only for the first number, which is kept */
        *line = w->first_num[c].line;
        *column = w->first_num[c].column;
        return *line > 0;
    }
    size_t col = 0;
    while (col < w->cols->hd.h && w->cols->dest[col] != c)
        col++;
    gd_csv_reader *r = NULL;
    gd_error err;
    char delim = (char)(w->opt->delimiter ? w->opt->delimiter : ',');
    if (col == w->cols->hd.h || gd_csv_open(&r, w->opt->path, delim, &err) != GD_OK)
        return 0;
    const gd_csv_field *f;
    size_t nf, k = 0;
    int found = 0, header = 1;
    while (!found && gd_csv_next(r, &f, &nf, &err) == GD_OK && nf > 0) {
        if (header || nf != w->cols->hd.h) {
            header = 0;
            continue;
        }
        if (k++ == row) {
            *line = f[col].line;
            *column = f[col].column;
            found = 1;
        }
    }
    gd_csv_close(r);
    return found;
}

/* Stage 4, with the encoding rules: the raw table to the design matrix. */
static gd_status ds_encode(ds_table *t, const gd_load_options *opt, const ds_columns *cols,
                           gd_dataset *ds, gd_error *err)
{
    ds_where where = {opt, cols, t->first_num};
    gd_cells_set_locate(t->cells, ds_locate, &where);
    gd_cells_span one = {0, 0};
    if (t->spans == NULL)
        return gd_cells_finish(t->cells, ds, &one, 1, opt->report, err);
    return gd_cells_finish(t->cells, ds, t->spans, t->nspans, opt->report, err);
}

gd_status gd_dataset_load(gd_dataset *ds, const gd_load_options *opt, gd_error *err)
{
    assert(ds != NULL && opt != NULL && opt->path != NULL);
    memset(ds, 0, sizeof *ds);
    char delim = (char)(opt->delimiter ? opt->delimiter : ',');
    gd_csv_reader *r = NULL;
    ds_columns cols;
    ds_table t;
    memset(&cols, 0, sizeof cols);
    memset(&t, 0, sizeof t);
    cols.target_col = SIZE_MAX;

    gd_status st = gd_csv_open(&r, opt->path, delim, err);
    if (st == GD_OK)
        st = ds_choose_columns(r, opt, delim, &cols, &t, ds, err);
    if (st == GD_OK)
        st = ds_copy_names(&cols, gd_csv_name(r), ds, err);
    if (st == GD_OK)
        st = ds_read_rows(r, opt, delim, &cols, &t, ds, err);
    if (st == GD_OK && t.cells != NULL)
        st = ds_encode(&t, opt, &cols, ds, err);
    if (st == GD_OK)
        ds->threads = opt->threads;
    gd_ds_table_free(&t);
    ds_columns_free(&cols);
    gd_csv_close(r);
    if (st != GD_OK)
        gd_dataset_free(ds);
    return st;
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
    if (ds->mapping != NULL) {
        munmap(ds->mapping, ds->mapping_size);
    } else {
        free(ds->x);
        free(ds->y);
    }
    gd_encoding_free(ds->encoding);
    free(ds->encoding);
    gd_stream_close(ds->stream);
    memset(ds, 0, sizeof *ds);
}

size_t gd_dataset_total(const gd_dataset *ds)
{
    return ds->share != NULL ? ds->share->total : ds->n;
}
