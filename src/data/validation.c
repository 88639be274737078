/*
 * validation: a seeded random part of a dataset held out for validation.
 */
#include "gdtrain/dataset.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
}
