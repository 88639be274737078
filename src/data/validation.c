/*
 * validation: a seeded random part of a dataset held out for validation.
 */
#include "gdtrain/dataset.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/folds.h"
#include "gdtrain/rng.h"

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

/* Allocates out for k rows of ds's shape, names copied. 0 on success; on
 * failure out is safe to free. */
static int alloc_like(const gd_dataset *ds, size_t k, gd_dataset *out)
{
    const size_t d = ds->d;
    memset(out, 0, sizeof *out);
    out->x = malloc((k ? k : 1) * (d ? d : 1) * sizeof *out->x);
    out->y = ds->y ? malloc((k ? k : 1) * sizeof *out->y) : NULL;
    out->feature_names = calloc(d ? d : 1, sizeof *out->feature_names);
    if (out->x == NULL || (ds->y && out->y == NULL) || out->feature_names == NULL)
        return -1;
    out->d = d;
    out->threads = ds->threads;
    if (ds_copy_names(out->feature_names, ds->feature_names, d) != 0)
        return -1;
    if (ds->target_name != NULL) {
        size_t len = strlen(ds->target_name);
        if ((out->target_name = malloc(len + 1)) == NULL)
            return -1;
        memcpy(out->target_name, ds->target_name, len + 1);
    }
    return 0;
}

gd_status gd_split_rows(size_t n, double fraction, uint64_t seed, unsigned char *held,
                        size_t *k, gd_error *err)
{
    *k = (size_t)llround(fraction * (double)n);
    if (!(fraction > 0.0 && fraction < 1.0) || *k == 0 || *k >= n)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "a validation fraction of %g leaves %zu of %zu rows for "
                            "validation: both parts need at least one row",
                            fraction, *k, n);
    size_t *order = malloc(n * sizeof *order);
    if (order == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    /* The first k of a seeded shuffle are held out. */
    gd_rng rng;
    gd_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    gd_rng_shuffle(&rng, order, n);
    memset(held, 0, n);
    for (size_t i = 0; i < *k; i++)
        held[order[i]] = 1;
    free(order);
    return GD_OK;
}

gd_status gd_dataset_split(gd_dataset *ds, double fraction, uint64_t seed,
                           gd_dataset *val, gd_error *err)
{
    memset(val, 0, sizeof *val);
    const size_t n = ds->n, d = ds->d;
    size_t k = 0;
    unsigned char *held = malloc(n ? n : 1);
    if (held == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    gd_status st = gd_split_rows(n, fraction, seed, held, &k, err);
    if (st != GD_OK) {
        free(held);
        return st;
    }
    if (alloc_like(ds, k, val) != 0)
        goto oom;
    /* Both parts keep the file's row order. */
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
    free(held);
    return GD_OK;

oom:
    free(held);
    gd_dataset_free(val);
    return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
}

gd_status gd_dataset_select(const gd_dataset *ds, const unsigned char *mask,
                            unsigned char want, gd_dataset *out, gd_error *err)
{
    const size_t d = ds->d;
    size_t k = 0;
    for (size_t i = 0; i < ds->n; i++)
        k += mask[i] == want;
    if (alloc_like(ds, k, out) != 0) {
        gd_dataset_free(out);
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    size_t r = 0;
    for (size_t i = 0; i < ds->n; i++) {
        if (mask[i] != want)
            continue;
        memcpy(out->x + r * d, ds->x + i * d, d * sizeof *ds->x);
        if (ds->y)
            out->y[r] = ds->y[i];
        r++;
    }
    out->n = k;
    return GD_OK;
}
