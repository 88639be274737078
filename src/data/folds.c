/*
 * folds: a training part and a held-out part of a table of raw inputs, each
 * encoded with what the training part alone teaches. See folds.h.
 */
#include "data/folds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/encode.h"

/* The mean of column i's present cells in the training rows, by
 * Neumaier's sum in row order (the loader's fill), or 0 when none is. */
static double train_mean(const gd_dataset *raw, const unsigned char *part, size_t i)
{
    double s = 0.0, comp = 0.0;
    size_t count = 0;
    for (size_t r = 0; r < raw->n; r++) {
        double v = raw->x[r * raw->d + i];
        if (part[r] != 0 || v != v)
            continue;
        double t = s + v;
        comp += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
        s = t;
        count++;
    }
    return count ? (s + comp) / (double)count : 0.0;
}

/* Cuts categorical input in (a copy of the one learnt from every row,
 * column i of raw) down to the levels of the training rows. map[k] gets
 * the new index of old level k, or -1. */
static void train_levels(const gd_dataset *raw, const unsigned char *part, size_t i,
                         gd_na_policy na, gd_input *in, long *map)
{
    const size_t old = in->nlevels - (size_t)in->missing_level;
    int missing = 0;
    for (size_t k = 0; k < old; k++)
        map[k] = -1;
    for (size_t r = 0; r < raw->n; r++) {
        double v = raw->x[r * raw->d + i];
        if (part[r] != 0)
            continue;
        if (v != v)
            missing = 1;
        else
            map[(size_t)v] = 0;
    }
    size_t kept = 0;
    for (size_t k = 0; k < in->nlevels; k++) {
        if (k < old && map[k] == 0) {
            map[k] = (long)kept;
            in->levels[kept++] = in->levels[k];
        } else if (k < old || !(na == GD_NA_MEAN && missing)) {
            free(in->levels[k]);
        } else {
            in->levels[kept++] = in->levels[k]; /* the (missing) level */
        }
    }
    in->missing_level = na == GD_NA_MEAN && missing && in->missing_level;
    in->nlevels = kept;
}

/* Input i's raw value v as the fold's encoding reads it; sets *unseen when
 * it falls back to the reference level. */
static double fold_value(const gd_input *in, const long *map, double v, int *unseen)
{
    if (!in->categorical)
        return v != v ? in->fill : v;
    if (v != v && in->missing_level)
        return (double)(in->nlevels - 1);
    if (v != v || map[(size_t)v] < 0) {
        *unseen = 1;
        return 0.0;
    }
    return (double)map[(size_t)v];
}

/* Allocates *out for n rows of width columns, named after e's columns,
 * with raw's target name. 0, or -1 on out of memory (*out safe to free). */
static int alloc_part(const gd_dataset *raw, const gd_encoding *e, size_t n, size_t width,
                      gd_dataset *out)
{
    memset(out, 0, sizeof *out);
    out->x = malloc((n ? n : 1) * (width ? width : 1) * sizeof *out->x);
    out->y = malloc((n ? n : 1) * sizeof *out->y);
    out->feature_names = calloc(width ? width : 1, sizeof *out->feature_names);
    size_t len = strlen(raw->target_name ? raw->target_name : "");
    out->target_name = malloc(len + 1);
    if (!out->x || !out->y || !out->feature_names || !out->target_name)
        return -1;
    memcpy(out->target_name, raw->target_name ? raw->target_name : "", len + 1);
    out->d = width;
    out->threads = raw->threads;
    size_t j = 0;
    for (size_t i = 0; i < e->ninputs; i++)
        for (size_t k = 0; k < gd_input_width(&e->inputs[i]); k++)
            if ((out->feature_names[j++] = gd_input_column_name(&e->inputs[i], k)) == NULL)
                return -1;
    return 0;
}

/* Encodes the rows of raw with part[r] == want into out (allocated by
 * alloc_part) through e and the level maps; returns the rows that read a
 * level as the reference one. tmp holds e->ninputs values. */
static size_t encode_rows(const gd_dataset *raw, const unsigned char *part, unsigned char want,
                          const gd_encoding *e, long *const *maps, double *tmp,
                          gd_dataset *out)
{
    size_t n = 0, unseen = 0;
    for (size_t r = 0; r < raw->n; r++) {
        if (part[r] != want)
            continue;
        int u = 0;
        for (size_t i = 0; i < e->ninputs; i++)
            tmp[i] = fold_value(&e->inputs[i], maps[i], raw->x[r * raw->d + i], &u);
        gd_encoding_expand_row(e, tmp, out->x + n * out->d);
        out->y[n++] = raw->y[r];
        unseen += (size_t)u;
    }
    out->n = n;
    return unseen;
}

gd_status gd_dataset_encode_parts(const gd_dataset *raw, const unsigned char *part,
                                  gd_dataset *train, gd_dataset *val, size_t *unseen,
                                  gd_error *err)
{
    memset(train, 0, sizeof *train);
    memset(val, 0, sizeof *val);
    *unseen = 0;
    const size_t m = raw->encoding->ninputs;
    gd_encoding *e = calloc(1, sizeof *e);
    long **maps = calloc(m ? m : 1, sizeof *maps);
    double *tmp = malloc((m ? m : 1) * sizeof *tmp);
    gd_status st = GD_OK;
    if (e == NULL || maps == NULL || tmp == NULL ||
        gd_encoding_copy(e, raw->encoding, err) != GD_OK)
        goto oom;
    for (size_t i = 0; i < m; i++) {
        gd_input *in = &e->inputs[i];
        if (!in->categorical) {
            in->fill = train_mean(raw, part, i);
            continue;
        }
        if ((maps[i] = malloc((in->nlevels ? in->nlevels : 1) * sizeof *maps[i])) == NULL)
            goto oom;
        train_levels(raw, part, i, e->na, in, maps[i]);
    }
    const size_t width = gd_encoding_width(e);
    if (width == 0) {
        st = gd_error_set(err, GD_ERR_DATA, NULL, 0, 0,
                          "no design columns in the training rows of a fold: every "
                          "feature has a single level there");
        goto done;
    }
    size_t nval = 0;
    for (size_t r = 0; r < raw->n; r++)
        nval += part[r] == 1;
    if (alloc_part(raw, e, raw->n - nval, width, train) != 0 ||
        alloc_part(raw, e, nval, width, val) != 0)
        goto oom;
    encode_rows(raw, part, 0, e, maps, tmp, train);
    *unseen = encode_rows(raw, part, 1, e, maps, tmp, val);
    train->encoding = e;
    e = NULL;
    goto done;
oom:
    st = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
done:
    for (size_t i = 0; maps != NULL && i < m; i++)
        free(maps[i]);
    free(maps);
    free(tmp);
    gd_encoding_free(e);
    free(e);
    return st;
}
