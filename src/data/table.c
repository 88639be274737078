/*
 * table: the encoding rules of a load (see load.h and src/data/cells.h):
 * which columns are excluded or categorical, the NA tokens, and the state
 * that src/data/cells.c keeps while the rows are read.
 *
 * With an encoding (a model's, for predict, eval and validation files) its
 * inputs are the columns read, in its order, categorical as it says, with
 * its NA tokens and policy; no other column is excluded or forced.
 */
#include "data/load.h"

#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"


void gd_ds_table_free(ds_table *t)
{
    free((void *)t->opt.features);
    free(t->excluded);
    free(t->forced);
    free(t->slow);
    gd_na_set_free(&t->na);
    gd_cells_free(t->cells);
    free(t->spans);
    free(t->first_num);
    memset(t, 0, sizeof *t);
}

/* Marks the --exclude columns: names, or "#N" for the N-th column. */
static gd_status ds_excluded(const ds_header *hd, const gd_load_options *opt, char delim,
                             const char *file, unsigned char *excluded, gd_error *err)
{
    for (size_t k = 0; k < opt->nexclude; k++) {
        const char *s;
        size_t len, col;
        gd_status st = gd_ds_column(hd, opt->exclude[k], "--exclude", delim, file,
                                    "to exclude", &col, &s, &len, err);
        if (st != GD_OK)
            return st;
        excluded[col] = 1;
    }
    return GD_OK;
}

gd_status gd_ds_table_begin(ds_table *t, const ds_header *hd, const gd_load_options *opt,
                            char delim, const char *file, gd_error *err)
{
    t->opt = *opt;
    t->opt.features = NULL;
    t->excluded = calloc(hd->h, 1);
    if (t->excluded == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, file, 0, 0, "out of memory");
    if (opt->encoding != NULL) {
        const char **names = malloc((opt->encoding->ninputs + 1) * sizeof *names);
        if (names == NULL)
            return gd_error_set(err, GD_ERR_NOMEM, file, 0, 0, "out of memory");
        for (size_t i = 0; i < opt->encoding->ninputs; i++)
            names[i] = opt->encoding->inputs[i].name;
        t->opt.features = names;
        t->opt.nfeatures = opt->encoding->ninputs;
        return GD_OK;
    }
    if (opt->features != NULL) {
        const char **names = malloc((opt->nfeatures + 1) * sizeof *names);
        if (names == NULL)
            return gd_error_set(err, GD_ERR_NOMEM, file, 0, 0, "out of memory");
        memcpy(names, opt->features, opt->nfeatures * sizeof *names);
        t->opt.features = names;
    }
    return ds_excluded(hd, opt, delim, file, t->excluded, err);
}

/* The categorical columns by name: each must be a feature. */
static gd_status ds_forced(ds_table *t, const ds_header *hd, const size_t *dest, size_t d,
                           char delim, const char *file, gd_error *err)
{
    const gd_load_options *opt = &t->opt;
    if (opt->encoding != NULL) {
        for (size_t i = 0; i < d; i++)
            t->forced[i] = (unsigned char)opt->encoding->inputs[i].categorical;
        return GD_OK;
    }
    for (size_t k = 0; k < opt->ncategorical; k++) {
        const char *s;
        size_t len, col;
        char q[200];
        gd_status st = gd_ds_column(hd, opt->categorical[k], NULL, delim, file,
                                    "--categorical", &col, &s, &len, err);
        if (st != GD_OK)
            return st;
        if (dest[col] >= d)
            return gd_error_set(err, GD_ERR_DATA, file, hd->line, hd->byidx[col].column,
                                "--categorical '%s': not a feature (%s)",
                                ds_q(s, len, q, sizeof q),
                                dest[col] == d ? "the target must be numeric"
                                               : "excluded or not chosen");
        t->forced[dest[col]] = 1;
    }
    return GD_OK;
}

gd_status gd_ds_table_rules(ds_table *t, const ds_header *hd, const size_t *dest,
                            size_t d, int with_y, char delim, const char *file,
                            gd_error *err)
{
    const gd_load_options *opt = &t->opt;
    t->forced = calloc(d + 1, 1);
    t->slow = calloc(hd->h, 1);
    if (t->forced == NULL || t->slow == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, file, 0, 0, "out of memory");
    gd_status st = ds_forced(t, hd, dest, d, delim, file, err);
    if (st == GD_OK)
        st = gd_na_set_init(&t->na, opt->encoding ? NULL : opt->na_values, err);
    if (st == GD_OK && opt->encoding != NULL) {
        gd_na_set_free(&t->na);
        for (size_t k = 0; k < opt->encoding->na_values.n && st == GD_OK; k++)
            st = gd_na_set_add(&t->na, opt->encoding->na_values.tokens[k],
                               strlen(opt->encoding->na_values.tokens[k]), err);
    }
    if (st != GD_OK)
        return st;
    char decimal = opt->decimal;
    if (decimal == 0)
        decimal = '.';
    for (size_t col = 0; col < hd->h; col++)
        t->slow[col] = dest[col] != DS_SKIP && (decimal == ',' || t->forced[dest[col]]);
    size_t index_col = SIZE_MAX;
    if (opt->encoding == NULL && hd->byidx[0].len == 0 && dest[0] < d)
        index_col = dest[0];
    t->rules = (gd_cells_rules){
        .nfeatures = d, .with_target = with_y, .forced = t->forced, .na = &t->na,
        .policy = opt->encoding ? opt->encoding->na : opt->na, .decimal = decimal,
        .delim = delim,
        .max_levels = opt->max_levels ? opt->max_levels : GD_DEFAULT_MAX_LEVELS,
        .encoding = opt->encoding, .keep_incomplete = opt->keep_incomplete,
        .strict = opt->strict, .na_of_model = opt->encoding != NULL && opt->na_of_model,
        .raw = opt->raw_inputs && opt->encoding == NULL,
        .index_col = index_col, .file = file,
        .first_line = hd->line + 1, .part = opt->parts > 1 || opt->may_be_empty,
    };
    int sinks = gd_pool_threads(opt->threads);
    t->cells = gd_cells_create(&t->rules, sinks > 0 ? sinks : 1);
    if (t->cells == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, file, 0, 0, "out of memory");
    return GD_OK;
}
