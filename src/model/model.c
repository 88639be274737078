/*
 * model: the trained linear model, its prediction, and its file format.
 * See include/gdtrain/model.h for the contract and the format's outline.
 *
 * The file format in detail (what gd_model_save writes and gd_model_load
 * accepts). The lexical rules, the first line and the 'end' line are those
 * of every gdtrain text file, and the code that reads and writes them is
 * shared with the checkpoint (src/io/textfile.c); this file parses the model's
 * own keyword lines.
 * - Lines end with LF; a CR just before the LF is ignored (a file that passed
 *   through a CRLF editor still loads). NUL bytes are errors. A UTF-8 byte
 *   order mark at the very start (which some editors add) is skipped and not
 *   counted in columns.
 * - A line whose first byte is '#', or that holds only spaces and tabs, is
 *   ignored wherever it appears.
 * - The first other line is "gdtrain-model <version>"; the last one is "end".
 *   In between, each line starts with a keyword at its first byte. Numeric
 *   tokens are separated by one or more spaces or tabs; trailing blanks after
 *   the last number are allowed.
 * - A text field (a name, an info value) is the rest of the line after
 *   exactly one space or tab, so leading and trailing spaces are kept; when
 *   the line ends right after the preceding token the text is empty. Escapes:
 *   "\\" is a backslash, "\n" a line feed, "\r" a carriage return; any other
 *   backslash is an error. Other bytes (tabs, UTF-8) are taken as they are.
 * - Info keys are runs of printable non-blank bytes; info values are text.
 * - Numbers are plain decimals: [+-] digits [. digits] [e [+-] digits], as
 *   written as the shortest that reads back exactly (no hex, inf or nan), read with strtod in the C locale
 *   and required to be finite; stds must be > 0.
 * - target, features, intercept, target_scaling and bias_std appear exactly
 *   once, in any order; features comes before the feature lines, of which
 *   there are exactly as many as it declares; info keys are unique.
 *
 * Numbers are written and read in the C locale whatever the program's locale
 * is: the conversions run under a thread-local C locale (uselocale), so a
 * program that called setlocale(LC_ALL, "") in a comma-decimal locale still
 * writes "0.5", and other threads are not affected.
 *
 * The file does not record which columns were constant: after loading,
 * scaling.constant[] and scaling.y_constant are 0. They matter only to
 * gd_model_set_params; a constant column was saved with w_std and weight 0.
 */
#include "gdtrain/model.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/textfile.h"

/* Files larger than this are not model files: refuse them before they
 * exhaust memory. A feature line takes about 110 bytes, so this still allows
 * some 600,000 features. */
#define MODEL_MAX_FILE_SIZE ((size_t)64 * 1024 * 1024)

/* The shortest possible feature line, "feature 0 0 0 1\n": bounds the count a
 * file of a given size can declare before anything is allocated for it. */
#define MIN_FEATURE_LINE 16

#define MODEL_MAGIC "gdtrain-model"

/* ---------------------------------------------------------------------- */
/* Memory helpers                                                          */

static char *dup_range(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

static char *dup_str(const char *s)
{
    return dup_range(s, strlen(s));
}

/* calloc that never asks for 0 bytes, so NULL always means no memory. */
static void *alloc_zeroed(size_t n, size_t size)
{
    return calloc(n > 0 ? n : 1, size);
}

/* Frees the arrays of a scaling owned by a model. (dataset.c's
 * gd_scaling_free does the same; this copy keeps model.c free of it.) */
static void scaling_release(gd_scaling *sc)
{
    free(sc->x_mean);
    free(sc->x_std);
    free(sc->constant);
    memset(sc, 0, sizeof *sc);
}

/* Allocates every per-feature array of a zeroed *m for d features: names
 * NULL, parameters 0, x_mean 0, x_std 1. The target's scaling is left alone.
 * Returns 0, or -1 on no memory (then *m holds what was allocated, ready for
 * gd_model_free). */
static int model_alloc(gd_model *m, size_t d)
{
    assert(m->features == NULL && m->weights == NULL);
    m->d = d;
    m->features = alloc_zeroed(d, sizeof *m->features);
    m->weights = alloc_zeroed(d, sizeof *m->weights);
    m->w_std = alloc_zeroed(d, sizeof *m->w_std);
    m->scaling.d = d;
    m->scaling.x_mean = alloc_zeroed(d, sizeof *m->scaling.x_mean);
    m->scaling.x_std = alloc_zeroed(d, sizeof *m->scaling.x_std);
    m->scaling.constant = alloc_zeroed(d, sizeof *m->scaling.constant);
    if (m->features == NULL || m->weights == NULL || m->w_std == NULL ||
        m->scaling.x_mean == NULL || m->scaling.x_std == NULL ||
        m->scaling.constant == NULL)
        return -1;
    for (size_t j = 0; j < d; j++)
        m->scaling.x_std[j] = 1.0;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Building and using a model                                              */

gd_status gd_model_init(gd_model *m, size_t d, const char *target,
                        const char *const *features, gd_error *err)
{
    assert(m != NULL && target != NULL && (d == 0 || features != NULL));
    memset(m, 0, sizeof *m);
    m->scaling.y_std = 1.0;
    if (model_alloc(m, d) != 0)
        goto oom;
    m->target = dup_str(target);
    if (m->target == NULL)
        goto oom;
    for (size_t j = 0; j < d; j++) {
        assert(features[j] != NULL);
        m->features[j] = dup_str(features[j]);
        if (m->features[j] == NULL)
            goto oom;
    }
    return GD_OK;

oom:
    gd_model_free(m);
    return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
}

void gd_model_free(gd_model *m)
{
    if (m == NULL)
        return;
    if (m->features != NULL) {
        for (size_t j = 0; j < m->d; j++)
            free(m->features[j]);
        free(m->features);
    }
    for (size_t i = 0; i < m->ninfo; i++) {
        free(m->info_keys[i]);
        free(m->info_values[i]);
    }
    free(m->info_keys);
    free(m->info_values);
    free(m->target);
    free(m->weights);
    free(m->w_std);
    scaling_release(&m->scaling);
    gd_encoding_free(m->encoding);
    free(m->encoding);
    memset(m, 0, sizeof *m);
}

gd_status gd_model_set_encoding(gd_model *m, const gd_encoding *e, gd_error *err)
{
    gd_encoding_free(m->encoding);
    free(m->encoding);
    m->encoding = NULL;
    if (e == NULL || gd_encoding_is_plain(e))
        return GD_OK;
    m->encoding = calloc(1, sizeof *m->encoding);
    if (m->encoding == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    gd_status st = gd_encoding_copy(m->encoding, e, err);
    if (st != GD_OK) {
        free(m->encoding);
        m->encoding = NULL;
    }
    return st;
}

gd_status gd_model_set_scaling(gd_model *m, const gd_scaling *sc, gd_error *err)
{
    assert(m != NULL && sc != NULL && sc->d == m->d);
    size_t d = m->d;
    double *x_mean = alloc_zeroed(d, sizeof *x_mean);
    double *x_std = alloc_zeroed(d, sizeof *x_std);
    unsigned char *constant = alloc_zeroed(d, sizeof *constant);
    if (x_mean == NULL || x_std == NULL || constant == NULL) {
        free(x_mean);
        free(x_std);
        free(constant);
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    if (d > 0) {
        memcpy(x_mean, sc->x_mean, d * sizeof *x_mean);
        memcpy(x_std, sc->x_std, d * sizeof *x_std);
        memcpy(constant, sc->constant, d * sizeof *constant);
    }
    scaling_release(&m->scaling);
    m->scaling.d = d;
    m->scaling.x_mean = x_mean;
    m->scaling.x_std = x_std;
    m->scaling.constant = constant;
    m->scaling.y_mean = sc->y_mean;
    m->scaling.y_std = sc->y_std;
    m->scaling.y_constant = sc->y_constant;
    return GD_OK;
}

void gd_model_set_params(gd_model *m, const double *params)
{
    assert(m != NULL && params != NULL);
    const gd_scaling *sc = &m->scaling;
    size_t d = m->d;
    /* Original units, from target = y_mean + y_std * (b_std + sum_j w_std[j]
     * * (x_j - x_mean[j]) / x_std[j]):
     *   weights[j] = y_std * w_std[j] / x_std[j]
     *   intercept  = y_mean + y_std * (b_std - sum_j w_std[j] * x_mean[j] / x_std[j]) */
    double shift = 0.0; /* sum_j w_std[j] * x_mean[j] / x_std[j], j ascending */
    for (size_t j = 0; j < d; j++) {
        if (sc->constant[j]) {
            m->w_std[j] = 0.0;
            m->weights[j] = 0.0;
            continue;
        }
        m->w_std[j] = params[j];
        m->weights[j] = sc->y_std * m->w_std[j] / sc->x_std[j];
        shift += m->w_std[j] * sc->x_mean[j] / sc->x_std[j];
    }
    m->b_std = params[d];
    m->intercept = sc->y_mean + sc->y_std * (m->b_std - shift);
}

/* An info key: non-empty, printable ASCII or UTF-8 bytes, no blanks. */
static int is_info_key(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

gd_status gd_model_set_info(gd_model *m, const char *key, const char *value,
                            gd_error *err)
{
    assert(m != NULL && key != NULL && value != NULL);
    assert(is_info_key(key, strlen(key)));
    char *v = dup_str(value);
    if (v == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < m->ninfo; i++) {
        if (strcmp(m->info_keys[i], key) == 0) {
            free(m->info_values[i]);
            m->info_values[i] = v;
            return GD_OK;
        }
    }
    char *k = dup_str(key);
    char **keys = k ? realloc(m->info_keys, (m->ninfo + 1) * sizeof *keys) : NULL;
    if (keys != NULL)
        m->info_keys = keys;
    char **values = keys ? realloc(m->info_values, (m->ninfo + 1) * sizeof *values) : NULL;
    if (values != NULL)
        m->info_values = values;
    if (values == NULL) {
        free(k);
        free(v);
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    m->info_keys[m->ninfo] = k;
    m->info_values[m->ninfo] = v;
    m->ninfo++;
    return GD_OK;
}

const char *gd_model_get_info(const gd_model *m, const char *key)
{
    assert(m != NULL && key != NULL);
    for (size_t i = 0; i < m->ninfo; i++)
        if (strcmp(m->info_keys[i], key) == 0)
            return m->info_values[i];
    return NULL;
}

double gd_model_predict(const gd_model *m, const double *x)
{
    assert(m != NULL && (m->d == 0 || x != NULL));
    const gd_scaling *sc = &m->scaling;
    /* The header's formula, operation for operation: the sum starts at b_std
     * and adds the terms j = 0, 1, ... in order. */
    double s = m->b_std;
    for (size_t j = 0; j < m->d; j++)
        s += m->w_std[j] * ((x[j] - sc->x_mean[j]) / sc->x_std[j]);
    return sc->y_mean + sc->y_std * s;
}

/* ---------------------------------------------------------------------- */
/* Saving                                                                  */

/* Checks that every number of m can be written and read back: the loader
 * accepts only finite numbers and stds > 0. Non-finite parameters mean the
 * training diverged (GD_ERR_TRAIN); a bad scaling comes from the data
 * (GD_ERR_DATA). */
static gd_status check_savable(const gd_model *m, const char *path, gd_error *err)
{
    const gd_scaling *sc = &m->scaling;
    char q[128];
    if (!isfinite(m->intercept) || !isfinite(m->b_std))
        return gd_error_set(err, GD_ERR_TRAIN, path, 0, 0,
                            "cannot save a model whose intercept is %g "
                            "(training diverged?)",
                            isfinite(m->intercept) ? m->b_std : m->intercept);
    for (size_t j = 0; j < m->d; j++) {
        if (!isfinite(m->weights[j]) || !isfinite(m->w_std[j]))
            return gd_error_set(err, GD_ERR_TRAIN, path, 0, 0,
                                "cannot save a model whose weight for \"%s\" is %g "
                                "(training diverged?)",
                                gd_error_quote(m->features[j], strlen(m->features[j]),
                                               q, sizeof q),
                                isfinite(m->weights[j]) ? m->w_std[j] : m->weights[j]);
        if (!isfinite(sc->x_mean[j]) || !isfinite(sc->x_std[j]) || !(sc->x_std[j] > 0))
            return gd_error_set(err, GD_ERR_DATA, path, 0, 0,
                                "cannot save a model whose scaling of \"%s\" is "
                                "mean %g, std %g (std must be finite and > 0)",
                                gd_error_quote(m->features[j], strlen(m->features[j]),
                                               q, sizeof q),
                                sc->x_mean[j], sc->x_std[j]);
    }
    for (size_t i = 0; m->encoding != NULL && i < m->encoding->ninputs; i++) {
        const gd_input *in = &m->encoding->inputs[i];
        if (!in->categorical && !isfinite(in->fill))
            return gd_error_set(err, GD_ERR_DATA, path, 0, 0,
                                "cannot save a model whose fill value of \"%s\" is %g",
                                gd_error_quote(in->name, strlen(in->name), q, sizeof q),
                                in->fill);
    }
    if (!isfinite(sc->y_mean) || !isfinite(sc->y_std) || !(sc->y_std > 0))
        return gd_error_set(err, GD_ERR_DATA, path, 0, 0,
                            "cannot save a model whose target scaling is "
                            "mean %g, std %g (std must be finite and > 0)",
                            sc->y_mean, sc->y_std);
    return GD_OK;
}

/* The version 2 lines: the encoding. */
static void write_encoding(FILE *fp, const gd_encoding *e)
{
    fprintf(fp, "na_policy %s\n", gd_na_policy_name(e->na));
    for (size_t k = 0; k < e->na_values.n; k++) {
        fputs("na_token ", fp);
        gd_text_write_escaped(fp, e->na_values.tokens[k]);
        fputc('\n', fp);
    }
    fputs("# input numeric <fill> <name> | input categorical <levels> <missing> <name>\n",
          fp);
    for (size_t i = 0; i < e->ninputs; i++) {
        const gd_input *in = &e->inputs[i];
        if (in->categorical) {
            fprintf(fp, "input categorical %zu %d ", in->nlevels, in->missing_level);
        } else {
            fputs("input numeric", fp);
            gd_text_write_values(fp, &in->fill, 1);
            fputc(' ', fp);
        }
        gd_text_write_escaped(fp, in->name);
        fputc('\n', fp);
        for (size_t k = 0; k < (in->categorical ? in->nlevels : 0); k++) {
            fputs("level ", fp);
            gd_text_write_escaped(fp, in->levels[k]);
            fputc('\n', fp);
        }
    }
}

static void write_model(FILE *fp, const void *user)
{
    const gd_model *m = user;
    const gd_scaling *sc = &m->scaling;
    fputs("# gdtrain model file; see 'man gdtrain' for the format\n", fp);
    fprintf(fp, "%s %d\n", MODEL_MAGIC, m->encoding != NULL ? 2 : 1);
    fputs("target ", fp);
    gd_text_write_escaped(fp, m->target);
    fputc('\n', fp);
    fprintf(fp, "features %zu\n", m->d);
    fputs("intercept", fp);
    gd_text_write_values(fp, &m->intercept, 1);
    fputs("\ntarget_scaling", fp);
    gd_text_write_values(fp, (const double[]){sc->y_mean, sc->y_std}, 2);
    fputs("\nbias_std", fp);
    gd_text_write_values(fp, &m->b_std, 1);
    fputs("\n# feature <weight> <w_std> <x_mean> <x_std> <name>\n", fp);
    for (size_t j = 0; j < m->d; j++) {
        assert(m->features[j] != NULL);
        fputs("feature", fp);
        gd_text_write_values(fp, (const double[]){m->weights[j], m->w_std[j],
                                                  sc->x_mean[j], sc->x_std[j]}, 4);
        fputc(' ', fp);
        gd_text_write_escaped(fp, m->features[j]);
        fputc('\n', fp);
    }
    if (m->encoding != NULL)
        write_encoding(fp, m->encoding);
    for (size_t i = 0; i < m->ninfo; i++) {
        assert(is_info_key(m->info_keys[i], strlen(m->info_keys[i])));
        fprintf(fp, "info %s ", m->info_keys[i]);
        gd_text_write_escaped(fp, m->info_values[i]);
        fputc('\n', fp);
    }
    fputs("end\n", fp);
}

gd_status gd_model_save(const gd_model *m, const char *path, gd_error *err)
{
    assert(m != NULL && path != NULL && m->target != NULL);
    gd_status st = check_savable(m, path, err);
    if (st != GD_OK)
        return st;
    return gd_text_save(path, write_model, m, err);
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                 */

enum {
    KW_TARGET,
    KW_FEATURES,
    KW_INTERCEPT,
    KW_TARGET_SCALING,
    KW_BIAS_STD,
    KW_FEATURE,
    KW_INFO,
    KW_NA_POLICY,
    KW_NA_TOKEN,
    KW_INPUT,
    KW_LEVEL,
    KW_END,
    NKEYWORDS
};

/* The state of one gd_model_load (the file's state is in the reader). */
typedef struct loader {
    gd_model *m;          /* being filled */
    long seen[NKEYWORDS]; /* line where each keyword first appeared, 0 if not yet */
    size_t nfeatures;     /* feature lines read so far */
    struct place {
        long line, column;
    } *name_at;           /* (d) where each feature's name was read */
    size_t levels_due;    /* level lines the last categorical input still needs */
    long enc_line;        /* the first encoding line, 0 if none */
} loader;

typedef gd_status (*line_parser)(gd_text_reader *r, loader *ld, size_t pos);

/* A text field of the model (a name, an info value): see gd_text_parse_text. */
static gd_status parse_name(gd_text_reader *r, size_t pos, char **out)
{
    return gd_text_parse_text(r, pos, "a name", out);
}

static gd_status parse_target(gd_text_reader *r, loader *ld, size_t pos)
{
    return parse_name(r, pos, &ld->m->target);
}

static gd_status parse_features(gd_text_reader *r, loader *ld, size_t pos)
{
    char q[128];
    size_t start = gd_text_skip_blanks(r, pos);
    size_t end = gd_text_token_end(r, start);
    if (start == end)
        return gd_text_fail_at(r, start, "expected the number of features, found the "
                                         "end of the line");
    size_t d = 0;
    for (size_t i = start; i < end; i++) {
        if (!gd_text_is_digit(r->line[i]))
            return gd_text_fail_at(r, start, "expected the number of features (digits), "
                                             "found \"%s\"",
                                   gd_text_quote(r, start, end, q, sizeof q));
        unsigned digit = (unsigned)(r->line[i] - '0');
        if (d > (SIZE_MAX - digit) / 10) {
            d = SIZE_MAX;
            break;
        }
        d = d * 10 + digit;
    }
    if (d > r->size / MIN_FEATURE_LINE)
        return gd_text_fail_at(r, start, "the file is too short to hold the %s features "
                                         "it declares (truncated?)",
                               gd_text_quote(r, start, end, q, sizeof q));
    gd_status st = gd_text_expect_end_of_line(r, end, "the number of features");
    if (st != GD_OK)
        return st;
    ld->name_at = malloc((d ? d : 1) * sizeof *ld->name_at);
    if (ld->name_at == NULL || model_alloc(ld->m, d) != 0)
        return gd_text_out_of_memory(r);
    return GD_OK;
}

static gd_status parse_intercept(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_status st = gd_text_parse_number(r, &pos, "the intercept", &ld->m->intercept);
    return st != GD_OK ? st : gd_text_expect_end_of_line(r, pos, "the intercept");
}

static gd_status parse_target_scaling(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_scaling *sc = &ld->m->scaling;
    gd_status st = gd_text_parse_number(r, &pos, "the target's mean", &sc->y_mean);
    if (st == GD_OK)
        st = gd_text_parse_std(r, &pos, "the target's std", &sc->y_std);
    return st != GD_OK ? st
                       : gd_text_expect_end_of_line(r, pos, "the target's mean and std");
}

static gd_status parse_bias_std(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_status st = gd_text_parse_number(r, &pos, "the standardized bias", &ld->m->b_std);
    return st != GD_OK ? st : gd_text_expect_end_of_line(r, pos, "the standardized bias");
}

static gd_status parse_feature(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_model *m = ld->m;
    if (ld->seen[KW_FEATURES] == 0)
        return gd_text_fail_at(r, 0, "a 'feature' line before the 'features' line that "
                                     "gives their number");
    if (ld->nfeatures == m->d)
        return gd_text_fail_at(r, 0, "more 'feature' lines than the %zu declared on "
                                     "line %ld", m->d, ld->seen[KW_FEATURES]);
    size_t j = ld->nfeatures;
    gd_status st = gd_text_parse_number(r, &pos, "the weight", &m->weights[j]);
    if (st == GD_OK)
        st = gd_text_parse_number(r, &pos, "the standardized weight", &m->w_std[j]);
    if (st == GD_OK)
        st = gd_text_parse_number(r, &pos, "the feature's mean", &m->scaling.x_mean[j]);
    if (st == GD_OK)
        st = gd_text_parse_std(r, &pos, "the feature's std", &m->scaling.x_std[j]);
    if (st == GD_OK) {
        ld->name_at[j].line = r->lineno;
        /* The name starts just after the one blank that ends the std. */
        ld->name_at[j].column = (long)(pos < r->len ? pos + 1 : pos) + 1;
        st = parse_name(r, pos, &m->features[j]);
    }
    if (st == GD_OK)
        ld->nfeatures++;
    return st;
}

static gd_status parse_info(gd_text_reader *r, loader *ld, size_t pos)
{
    char q[128];
    size_t start = gd_text_skip_blanks(r, pos);
    size_t end = gd_text_token_end(r, start);
    if (start == end)
        return gd_text_fail_at(r, start, "expected an info key, found the end of the "
                                         "line");
    if (!is_info_key(r->line + start, end - start))
        return gd_text_fail_at(r, start, "an info key must be printable, found \"%s\"",
                               gd_text_quote(r, start, end, q, sizeof q));
    char *key = dup_range(r->line + start, end - start);
    char *value = NULL;
    gd_status st = key ? GD_OK : gd_text_out_of_memory(r);
    if (st == GD_OK && gd_model_get_info(ld->m, key) != NULL)
        st = gd_text_fail_at(r, start, "repeated info key \"%s\"",
                             gd_text_quote(r, start, end, q, sizeof q));
    if (st == GD_OK)
        st = parse_name(r, end, &value);
    if (st == GD_OK)
        st = gd_model_set_info(ld->m, key, value, r->err);
    free(key);
    free(value);
    return st;
}

/* The model's encoding, made on its first encoding line. */
static gd_status encoding_of(gd_text_reader *r, loader *ld, gd_encoding **out)
{
    if (r->version < 2)
        return gd_text_fail_at(r, 0, "an encoding line in a version 1 model file (the "
                                     "first line must say 'gdtrain-model 2')");
    if (ld->m->encoding == NULL) {
        ld->m->encoding = calloc(1, sizeof *ld->m->encoding);
        if (ld->m->encoding == NULL)
            return gd_text_out_of_memory(r);
        ld->enc_line = r->lineno;
    }
    *out = ld->m->encoding;
    return GD_OK;
}

/* A non-negative count token at *pos (advanced past it). */
/* A count of this file's things: digits, at most the file's size. */
static gd_status parse_count(gd_text_reader *r, size_t *pos, const char *what,
                             size_t *out)
{
    uint64_t v = 0;
    gd_status st = gd_text_parse_uint(r, pos, what, (uint64_t)r->size, &v);
    if (st == GD_OK)
        *out = (size_t)v;
    return st;
}

static gd_status parse_na_policy(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_encoding *e = NULL;
    char q[128];
    gd_status st = encoding_of(r, ld, &e);
    if (st != GD_OK)
        return st;
    size_t start = gd_text_skip_blanks(r, pos);
    size_t end = gd_text_token_end(r, start);
    char word[8] = "";
    if (end - start < sizeof word)
        memcpy(word, r->line + start, end - start);
    if (gd_na_policy_parse(word, &e->na) != 0)
        return gd_text_fail_at(r, start, "expected error, drop or mean, found \"%s\"",
                               gd_text_quote(r, start, end, q, sizeof q));
    return gd_text_expect_end_of_line(r, end, "the missing-value policy");
}

static gd_status parse_na_token(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_encoding *e = NULL;
    char *token = NULL;
    gd_status st = encoding_of(r, ld, &e);
    if (st == GD_OK)
        st = gd_text_parse_text(r, pos, "an NA token", &token);
    if (st == GD_OK)
        st = gd_na_set_add(&e->na_values, token, strlen(token), r->err);
    free(token);
    return st;
}

static gd_status parse_input(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_encoding *e = NULL;
    char q[128];
    gd_status st = encoding_of(r, ld, &e);
    if (st != GD_OK)
        return st;
    if (ld->levels_due > 0)
        return gd_text_fail_at(r, 0, "an 'input' line where %zu more 'level' line%s "
                                     "of the input before were due", ld->levels_due,
                               ld->levels_due == 1 ? "" : "s");
    gd_input *grown = realloc(e->inputs, (e->ninputs + 1) * sizeof *grown); /* NOLINT(clang-analyzer-core.NullDereference): the reader creates e before the first input line */
    if (grown == NULL)
        return gd_text_out_of_memory(r);
    e->inputs = grown;
    gd_input *in = &e->inputs[e->ninputs++];
    memset(in, 0, sizeof *in);
    size_t start = gd_text_skip_blanks(r, pos);
    size_t end = gd_text_token_end(r, start);
    pos = end;
    if (end - start == 7 && memcmp(r->line + start, "numeric", 7) == 0) {
        st = gd_text_parse_number(r, &pos, "the fill value", &in->fill);
    } else if (end - start == 11 && memcmp(r->line + start, "categorical", 11) == 0) {
        size_t missing = 0;
        in->categorical = 1;
        st = parse_count(r, &pos, "the number of levels", &in->nlevels);
        if (st == GD_OK && in->nlevels > r->size / 7)
            st = gd_text_fail_at(r, 0, "the file is too short to hold %zu levels",
                                 in->nlevels);
        if (st == GD_OK)
            st = parse_count(r, &pos, "0 or 1 (a level for missing cells)", &missing);
        if (st == GD_OK && (missing > 1 || (missing && in->nlevels == 0)))
            st = gd_text_fail_at(r, pos - 1, "expected 0 or 1 (a level for missing "
                                             "cells, counted in the levels)");
        in->missing_level = (int)missing;
        if (st == GD_OK && (in->levels = calloc(in->nlevels + 1, sizeof *in->levels)) == NULL)
            st = gd_text_out_of_memory(r);
        ld->levels_due = in->nlevels;
    } else {
        return gd_text_fail_at(r, start, "expected numeric or categorical, found \"%s\"",
                               gd_text_quote(r, start, end, q, sizeof q));
    }
    return st != GD_OK ? st : parse_name(r, pos, &in->name);
}

static gd_status parse_level(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_encoding *e = ld->m->encoding;
    if (ld->levels_due == 0 || e == NULL)
        return gd_text_fail_at(r, 0, "a 'level' line that no categorical 'input' line "
                                     "announced");
    gd_input *in = &e->inputs[e->ninputs - 1];
    size_t k = in->nlevels - ld->levels_due;
    gd_status st = parse_name(r, pos, &in->levels[k]);
    if (st != GD_OK)
        return st;
    ld->levels_due--;
    int last_missing = in->missing_level && k + 1 == in->nlevels;
    if (last_missing && strcmp(in->levels[k], GD_MISSING_LEVEL) != 0)
        return gd_text_fail_at(r, 0, "the last level of an input with a level for "
                                     "missing cells must be \"%s\"", GD_MISSING_LEVEL);
    if (k > 0 && !last_missing && strcmp(in->levels[k - 1], in->levels[k]) >= 0) {
        /* Levels are unescaped text: a newline in one must not reach the message. */
        char now[128], before[128];
        return gd_text_fail_at(r, 0, "levels must be in byte order, each once: \"%s\" "
                                     "comes after \"%s\"",
                               gd_error_quote(in->levels[k], strlen(in->levels[k]), now,
                                              sizeof now),
                               gd_error_quote(in->levels[k - 1], strlen(in->levels[k - 1]),
                                              before, sizeof before));
    }
    return GD_OK;
}

/* The feature lines must be the design columns the encoding makes. */
static gd_status check_encoding(gd_text_reader *r, loader *ld)
{
    const gd_model *m = ld->m;
    const gd_encoding *e = m->encoding;
    if (e == NULL)
        return GD_OK;
    if (ld->levels_due > 0)
        return gd_text_fail_at(r, 0, "%zu 'level' line%s missing before 'end'",
                               ld->levels_due, ld->levels_due == 1 ? "" : "s");
    if (e->na_values.n == 0 && gd_na_set_init(&m->encoding->na_values, NULL, r->err) != GD_OK)
        return GD_ERR_NOMEM;
    if (gd_encoding_width(e) != m->d)
        return gd_error_set(r->err, GD_ERR_DATA, r->path, ld->enc_line, 1,
                            "the inputs make %zu design columns, but the file has %zu "
                            "'feature' lines", gd_encoding_width(e), m->d);
    size_t j = 0;
    for (size_t i = 0; i < e->ninputs; i++) {
        for (size_t k = 0; k < gd_input_width(&e->inputs[i]); k++, j++) {
            char *want = gd_input_column_name(&e->inputs[i], k);
            if (want == NULL)
                return gd_text_out_of_memory(r);
            int same = strcmp(want, m->features[j]) == 0;
            char q[128];
            if (!same)
                gd_error_set(r->err, GD_ERR_DATA, r->path, ld->name_at[j].line,
                             ld->name_at[j].column,
                             "feature %zu should be named '%s', as its input makes it",
                             j + 1, gd_error_quote(want, strlen(want), q, sizeof q));
            free(want);
            if (!same)
                return GD_ERR_DATA;
        }
    }
    return GD_OK;
}

/* At the 'end' line: every required line was there, with all features. */
static gd_status check_complete(gd_text_reader *r, loader *ld);

static gd_status parse_end(gd_text_reader *r, loader *ld, size_t pos)
{
    gd_status st = gd_text_expect_end_of_line(r, pos, "'end'");
    return st != GD_OK ? st : check_complete(r, ld);
}

/* The keywords of the format, in the order the "unknown keyword" message
 * lists them. */
static const char *const keyword_names[NKEYWORDS] = {
    [KW_TARGET] = "target",
    [KW_FEATURES] = "features",
    [KW_INTERCEPT] = "intercept",
    [KW_TARGET_SCALING] = "target_scaling",
    [KW_BIAS_STD] = "bias_std",
    [KW_FEATURE] = "feature",
    [KW_INFO] = "info",
    [KW_NA_POLICY] = "na_policy",
    [KW_NA_TOKEN] = "na_token",
    [KW_INPUT] = "input",
    [KW_LEVEL] = "level",
    [KW_END] = "end",
};

/* Each keyword's parser, and whether its line must appear exactly once. */
static const struct keyword {
    line_parser parse;
    int once;
} keywords[NKEYWORDS] = {
    [KW_TARGET] = {parse_target, 1},
    [KW_FEATURES] = {parse_features, 1},
    [KW_INTERCEPT] = {parse_intercept, 1},
    [KW_TARGET_SCALING] = {parse_target_scaling, 1},
    [KW_BIAS_STD] = {parse_bias_std, 1},
    [KW_FEATURE] = {parse_feature, 0},
    [KW_INFO] = {parse_info, 0},
    [KW_NA_POLICY] = {parse_na_policy, 1},
    [KW_NA_TOKEN] = {parse_na_token, 0},
    [KW_INPUT] = {parse_input, 0},
    [KW_LEVEL] = {parse_level, 0},
    [KW_END] = {parse_end, 1},
};

static const gd_text_format model_format = {
    .kind = "model",
    .magic = MODEL_MAGIC,
    .version = GD_MODEL_FORMAT_VERSION,
    .oldest = 1,
    .max_size = MODEL_MAX_FILE_SIZE,
    .keywords = keyword_names,
    .nkeywords = NKEYWORDS,
    .end_keyword = KW_END,
};

/* A feature's name and index, for finding repeated names by sorting. */
typedef struct named {
    const char *name;
    size_t j;
} named;

static int named_cmp(const void *pa, const void *pb)
{
    const named *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    return c != 0 ? c : (a->j > b->j) - (a->j < b->j);
}

/* Columns are found by name in the data, so two features of one name (an
 * edited file) would read the same column twice, and a feature named like
 * the target would read the target as a feature: both are this file's
 * fault, and are reported here rather than as a puzzle about the data. */
static gd_status check_names(gd_text_reader *r, loader *ld)
{
    const gd_model *m = ld->m;
    for (size_t j = 0; j < m->d; j++) {
        if (strcmp(m->features[j], m->target) == 0) {
            char q[128];
            return gd_error_set(r->err, GD_ERR_DATA, r->path, ld->name_at[j].line,
                                ld->name_at[j].column,
                                "feature %zu has the target's name '%s'", j + 1,
                                gd_error_quote(m->target, strlen(m->target), q, sizeof q));
        }
    }
    if (m->d < 2)
        return GD_OK;
    named *byname = malloc(m->d * sizeof *byname);
    if (byname == NULL)
        return gd_text_out_of_memory(r);
    for (size_t j = 0; j < m->d; j++)
        byname[j] = (named){m->features[j], j};
    qsort(byname, m->d, sizeof *byname, named_cmp);
    /* The repeat that comes first in the file: within a group of equal
     * names the second entry has the group's smallest later index. */
    size_t first = SIZE_MAX, second = SIZE_MAX;
    for (size_t k = 1; k < m->d; k++) {
        if (strcmp(byname[k - 1].name, byname[k].name) == 0 && byname[k].j < second) {
            first = byname[k - 1].j;
            second = byname[k].j;
        }
    }
    free(byname);
    if (second == SIZE_MAX)
        return GD_OK;
    char q[128];
    const char *name = m->features[second];
    return gd_error_set(r->err, GD_ERR_DATA, r->path, ld->name_at[second].line,
                        ld->name_at[second].column,
                        "repeated feature name '%s' (also feature %zu, on line %ld)",
                        gd_error_quote(name, strlen(name), q, sizeof q), first + 1,
                        ld->name_at[first].line);
}

static gd_status check_complete(gd_text_reader *r, loader *ld)
{
    for (int k = 0; k < NKEYWORDS; k++)
        if (keywords[k].once && ld->seen[k] == 0 && k != KW_NA_POLICY)
            return gd_text_fail_at(r, 0, "missing '%s' line before 'end'",
                                   keyword_names[k]);
    if (ld->nfeatures != ld->m->d)
        return gd_text_fail_at(r, 0, "found %zu 'feature' lines, but 'features' on line "
                                     "%ld declares %zu", ld->nfeatures,
                               ld->seen[KW_FEATURES], ld->m->d);
    gd_status st = check_names(r, ld);
    return st != GD_OK ? st : check_encoding(r, ld);
}

/* One keyword line (gd_text_line_fn): a line that must appear once may not
 * repeat; then the keyword's parser. */
static gd_status parse_line(gd_text_reader *r, int k, size_t pos, void *user)
{
    loader *ld = user;
    assert(k >= 0 && k < NKEYWORDS);
    if (keywords[k].once && ld->seen[k] != 0)
        return gd_text_fail_at(r, 0, "repeated '%s' line (first on line %ld)",
                               keyword_names[k], ld->seen[k]);
    if (ld->seen[k] == 0)
        ld->seen[k] = r->lineno;
    return keywords[k].parse(r, ld, pos);
}

gd_status gd_model_load(gd_model *m, const char *path, gd_error *err)
{
    assert(m != NULL && path != NULL);
    memset(m, 0, sizeof *m);
    loader ld;
    memset(&ld, 0, sizeof ld);
    ld.m = m;
    gd_status st = gd_text_load(path, &model_format, parse_line, &ld, err);
    free(ld.name_at);
    if (st != GD_OK)
        gd_model_free(m);
    return st;
}
