/*
 * encode: the encoding of input columns into design columns, and NA token
 * sets. See include/gdtrain/encode.h.
 */
#include "gdtrain/encode.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const default_na[] = {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"};
#define NDEFAULT_NA (sizeof default_na / sizeof default_na[0])

static const char *const policy_names[] = {
    [GD_NA_ERROR] = "error",
    [GD_NA_DROP] = "drop",
    [GD_NA_MEAN] = "mean",
};

int gd_na_policy_parse(const char *name, gd_na_policy *out)
{
    for (size_t k = 0; k < sizeof policy_names / sizeof policy_names[0]; k++) {
        if (strcmp(name, policy_names[k]) == 0) {
            *out = (gd_na_policy)k;
            return 0;
        }
    }
    return -1;
}

const char *gd_na_policy_name(gd_na_policy p)
{
    assert((size_t)p < sizeof policy_names / sizeof policy_names[0]);
    return policy_names[p];
}

static char *dup_range(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

gd_status gd_na_set_add(gd_na_set *s, const char *token, size_t len, gd_error *err)
{
    char *copy = dup_range(token, len);
    char **grown = copy ? realloc(s->tokens, (s->n + 1) * sizeof *grown) : NULL;
    if (grown == NULL) {
        free(copy);
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    s->tokens = grown;
    s->tokens[s->n++] = copy;
    return GD_OK;
}

gd_status gd_na_set_init(gd_na_set *s, const char *list, gd_error *err)
{
    memset(s, 0, sizeof *s);
    gd_status st = GD_OK;
    if (list == NULL) {
        for (size_t k = 0; k < NDEFAULT_NA && st == GD_OK; k++)
            st = gd_na_set_add(s, default_na[k], strlen(default_na[k]), err);
    } else {
        const char *p = list;
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            if (!gd_na_set_has(s, p, len))
                st = gd_na_set_add(s, p, len, err);
            if (st != GD_OK || comma == NULL)
                break;
            p = comma + 1;
        }
    }
    if (st != GD_OK)
        gd_na_set_free(s);
    return st;
}

int gd_na_set_has(const gd_na_set *s, const char *text, size_t len)
{
    for (size_t k = 0; k < s->n; k++)
        if (strlen(s->tokens[k]) == len && memcmp(s->tokens[k], text, len) == 0)
            return 1;
    return 0;
}

int gd_na_set_is_default(const gd_na_set *s)
{
    if (s->n != NDEFAULT_NA)
        return 0;
    for (size_t k = 0; k < NDEFAULT_NA; k++)
        if (!gd_na_set_has(s, default_na[k], strlen(default_na[k])))
            return 0;
    return 1;
}

void gd_na_set_free(gd_na_set *s)
{
    if (s == NULL)
        return;
    for (size_t k = 0; k < s->n; k++)
        free(s->tokens[k]);
    free(s->tokens);
    memset(s, 0, sizeof *s);
}

size_t gd_input_width(const gd_input *in)
{
    if (!in->categorical)
        return 1;
    return in->nlevels > 0 ? in->nlevels - 1 : 0;
}

size_t gd_encoding_width(const gd_encoding *e)
{
    size_t w = 0;
    for (size_t i = 0; i < e->ninputs; i++)
        w += gd_input_width(&e->inputs[i]);
    return w;
}

int gd_encoding_is_plain(const gd_encoding *e)
{
    if (e->na != GD_NA_ERROR || !gd_na_set_is_default(&e->na_values))
        return 0;
    for (size_t i = 0; i < e->ninputs; i++)
        if (e->inputs[i].categorical)
            return 0;
    return 1;
}

int gd_level_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return (alen > blen) - (alen < blen);
}

long gd_input_find_level(const gd_input *in, const char *text, size_t len)
{
    size_t lo = 0, hi = in->nlevels - (size_t)(in->missing_level != 0);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = gd_level_cmp(in->levels[mid], strlen(in->levels[mid]), text, len);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

char *gd_input_column_name(const gd_input *in, size_t k)
{
    if (!in->categorical)
        return dup_range(in->name, strlen(in->name));
    assert(k + 1 < in->nlevels);
    const char *level = in->levels[k + 1];
    size_t a = strlen(in->name), b = strlen(level);
    char *s = malloc(a + b + 2);
    if (s != NULL) {
        memcpy(s, in->name, a);
        s[a] = '=';
        memcpy(s + a + 1, level, b + 1);
    }
    return s;
}

void gd_encoding_expand_row(const gd_encoding *e, const double *raw, double *out)
{
    for (size_t i = 0; i < e->ninputs; i++) {
        const gd_input *in = &e->inputs[i];
        if (!in->categorical) {
            *out++ = raw[i];
            continue;
        }
        size_t w = gd_input_width(in);
        for (size_t k = 0; k < w; k++)
            out[k] = 0.0;
        size_t level = (size_t)raw[i];
        assert(raw[i] >= 0 && level < in->nlevels);
        if (level > 0)
            out[level - 1] = 1.0;
        out += w;
    }
}

static gd_status copy_input(gd_input *dst, const gd_input *src)
{
    *dst = *src;
    dst->levels = NULL;
    dst->name = dup_range(src->name, strlen(src->name));
    if (dst->name == NULL)
        return GD_ERR_NOMEM;
    if (src->nlevels == 0)
        return GD_OK;
    dst->levels = calloc(src->nlevels, sizeof *dst->levels);
    if (dst->levels == NULL)
        return GD_ERR_NOMEM;
    for (size_t k = 0; k < src->nlevels; k++)
        if ((dst->levels[k] = dup_range(src->levels[k], strlen(src->levels[k]))) == NULL)
            return GD_ERR_NOMEM;
    return GD_OK;
}

gd_status gd_encoding_plain(gd_encoding *e, size_t n, const char *const *names,
                            gd_error *err)
{
    memset(e, 0, sizeof *e);
    e->inputs = calloc(n ? n : 1, sizeof *e->inputs);
    if (e->inputs == NULL || gd_na_set_init(&e->na_values, NULL, err) != GD_OK)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        e->ninputs = i + 1;
        if ((e->inputs[i].name = dup_range(names[i], strlen(names[i]))) == NULL)
            goto oom;
    }
    return GD_OK;
oom:
    gd_encoding_free(e);
    return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
}

gd_status gd_encoding_copy(gd_encoding *dst, const gd_encoding *src, gd_error *err)
{
    memset(dst, 0, sizeof *dst);
    dst->na = src->na;
    dst->inputs = calloc(src->ninputs ? src->ninputs : 1, sizeof *dst->inputs);
    if (dst->inputs == NULL)
        goto oom;
    for (size_t i = 0; i < src->ninputs; i++) {
        dst->ninputs = i + 1;
        if (copy_input(&dst->inputs[i], &src->inputs[i]) != GD_OK)
            goto oom;
    }
    for (size_t k = 0; k < src->na_values.n; k++) {
        const char *t = src->na_values.tokens[k];
        if (gd_na_set_add(&dst->na_values, t, strlen(t), err) != GD_OK)
            goto oom;
    }
    return GD_OK;
oom:
    gd_encoding_free(dst);
    return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
}

void gd_encoding_free(gd_encoding *e)
{
    if (e == NULL)
        return;
    /* A zeroed or failed encoding may have no inputs array. */
    for (size_t i = 0; e->inputs != NULL && i < e->ninputs; i++) {
        gd_input *in = &e->inputs[i];
        free(in->name);
        if (in->levels != NULL)
            for (size_t k = 0; k < in->nlevels; k++)
                free(in->levels[k]);
        free(in->levels);
    }
    free(e->inputs);
    gd_na_set_free(&e->na_values);
    memset(e, 0, sizeof *e);
}
