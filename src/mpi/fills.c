/*
 * fills: the encoding's fills over every rank's rows. See fills.h.
 */
#include "mpi/fills.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/encode.h"

void mpi_fills_options(gd_load_options *lo)
{
    lo->raw_inputs = 1;
    if (lo->na == GD_NA_DROP)
        lo->na = GD_NA_MEAN;
}

/* Each column's Neumaier sum and count of present cells, continued from
 * the ranks before this one (state: sum, compensation, count per column)
 * over this rank's rows, in row order, as the loader's own pass adds them
 * over the whole file. */
static void fold_column_sums(mpi_parts *P, const gd_dataset *ds, double *state)
{
    const size_t d = ds->d;
    double *s = state, *comp = state + d, *count = state + 2 * d;
    P->share.fold_in(P->share.ctx, state, 3 * d);
    for (size_t i = 0; i < ds->n; i++)
        for (size_t c = 0; c < d; c++) {
            double v = ds->x[i * d + c];
            if (v != v)
                continue;
            double t = s[c] + v;
            comp[c] += fabs(s[c]) >= fabs(v) ? (s[c] - t) + v : (v - t) + s[c];
            s[c] = t;
            count[c] += 1.0;
        }
    P->share.fold_out(P->share.ctx, state, 3 * d);
}

/* Leaves out the rows with a missing cell (a NaN), keeping the order. */
static size_t drop_incomplete(gd_dataset *ds)
{
    const size_t d = ds->d;
    size_t kept = 0;
    for (size_t i = 0; i < ds->n; i++) {
        const double *row = ds->x + i * d;
        size_t c = 0;
        while (c < d && row[c] == row[c])
            c++;
        if (c < d)
            continue;
        memmove(ds->x + kept * d, row, d * sizeof *row);
        ds->y[kept++] = ds->y[i];
    }
    size_t dropped = ds->n - kept;
    ds->n = kept;
    return dropped;
}

void mpi_fills_set(mpi_parts *P, const gd_dataset *raw, gd_encoding *e)
{
    if (raw->d == 0)
        return;
    double *state = calloc(3 * raw->d, sizeof *state);
    if (state == NULL) {
        mpi_parts_fail("out of memory"); /* the other ranks' folds wait for this one */
    } else {
        fold_column_sums(P, raw, state);
        for (size_t i = 0; i < e->ninputs && i < raw->d; i++) {
            double count = state[2 * raw->d + i];
            if (!e->inputs[i].categorical)
                e->inputs[i].fill = count > 0 ? (state[i] + state[raw->d + i]) / count : 0.0;
        }
    }
    free(state);
}

/* Puts each numeric input's fill in its missing cells (--na mean). */
static void fill_missing(gd_dataset *ds, const gd_encoding *e)
{
    for (size_t i = 0; i < ds->n; i++)
        for (size_t c = 0; c < ds->d && c < e->ninputs; c++)
            if (ds->x[i * ds->d + c] != ds->x[i * ds->d + c])
                ds->x[i * ds->d + c] = e->inputs[c].fill;
}

void mpi_fills_agree(mpi_parts *P, gd_dataset *ds, gd_na_policy na, gd_load_report *rep)
{
    gd_encoding *e = ds->encoding;
    if (e == NULL || gd_encoding_is_plain(e))
        return;
    mpi_fills_set(P, ds, e);
    if (na == GD_NA_DROP) {
        rep->dropped += drop_incomplete(ds);
        e->na = GD_NA_DROP;
    } else if (na == GD_NA_MEAN) {
        fill_missing(ds, e);
    }
}
