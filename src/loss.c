/*
 * loss: fused forward + MSE + gradient. See include/gdtrain/loss.h.
 *
 * X is read row by row (row-major, as the dataset module lays it out). Each
 * block of rows accumulates its own partial sums, which are then added to
 * the totals in block order: this fixes the order of every addition no
 * matter how blocks are later distributed over threads.
 */
#include "gdtrain/loss.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct gd_loss {
    const gd_dataset *ds;
    double *block_grad; /* (d + 1) partial gradient sums of one block */
};

gd_status gd_loss_create(gd_loss **out, const gd_dataset *ds, gd_error *err)
{
    *out = NULL;
    gd_loss *loss = calloc(1, sizeof *loss);
    if (loss == NULL)
        return gd_error_set(err, GD_ERR_IO, NULL, 0, 0, "out of memory");
    loss->ds = ds;
    loss->block_grad = calloc(ds->d + 1, sizeof *loss->block_grad);
    if (loss->block_grad == NULL) {
        free(loss);
        return gd_error_set(err, GD_ERR_IO, NULL, 0, 0, "out of memory");
    }
    *out = loss;
    return GD_OK;
}

void gd_loss_free(gd_loss *loss)
{
    if (loss == NULL)
        return;
    free(loss->block_grad);
    free(loss);
}

static inline double predict_row(const double *x, const double *w, double b, size_t d)
{
    double yhat = b;
    for (size_t j = 0; j < d; j++)
        yhat += w[j] * x[j];
    return yhat;
}

/* Sums over rows [lo, hi) of the batch: returns the sum of squared residuals;
 * with g != NULL, g[0..d) += sum r_i x_i and g[d] += sum r_i. */
static double block_sums(const gd_dataset *ds, gd_rows rows, size_t lo, size_t hi,
                         const double *params, double *g)
{
    const size_t d = ds->d;
    const double *w = params;
    const double b = params[d];
    double sse = 0.0;
    for (size_t k = lo; k < hi; k++) {
        size_t i = rows.index ? rows.index[rows.begin + k] : rows.begin + k;
        const double *x = gd_dataset_row(ds, i);
        double r = predict_row(x, w, b, d) - ds->y[i];
        sse += r * r;
        if (g != NULL) {
            for (size_t j = 0; j < d; j++)
                g[j] += r * x[j];
            g[d] += r;
        }
    }
    return sse;
}

double gd_loss_eval(gd_loss *loss, gd_rows rows, const double *params, double *grad)
{
    const gd_dataset *ds = loss->ds;
    const size_t np = ds->d + 1;
    assert(rows.count > 0);
    double sse = 0.0;
    if (grad != NULL)
        memset(grad, 0, np * sizeof *grad);
    for (size_t lo = 0; lo < rows.count; lo += GD_LOSS_BLOCK) {
        size_t hi = lo + GD_LOSS_BLOCK < rows.count ? lo + GD_LOSS_BLOCK : rows.count;
        double *g = NULL;
        if (grad != NULL) {
            g = loss->block_grad;
            memset(g, 0, np * sizeof *g);
        }
        sse += block_sums(ds, rows, lo, hi, params, g);
        if (g != NULL)
            for (size_t j = 0; j < np; j++)
                grad[j] += g[j];
    }
    const double m = (double)rows.count;
    if (grad != NULL)
        for (size_t j = 0; j < np; j++)
            grad[j] = 2.0 * grad[j] / m;
    return sse / m;
}

void gd_loss_predict(const gd_dataset *ds, const double *params, double *out)
{
    for (size_t i = 0; i < ds->n; i++)
        out[i] = predict_row(gd_dataset_row(ds, i), params, params[ds->d], ds->d);
}
