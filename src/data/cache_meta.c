/*
 * cache_meta: the metadata records of a cache file. See cache_meta.h.
 */
#include "data/cache_meta.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- encode */

void gd_cache_buf_put(gd_cache_buf *b, const void *p, size_t n)
{
    if (b->nomem)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (q == NULL) {
            b->nomem = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void put_u64(gd_cache_buf *b, uint64_t v)
{
    gd_cache_buf_put(b, &v, sizeof v);
}

static void put_text(gd_cache_buf *b, const char *s)
{
    size_t n = strlen(s);
    put_u64(b, n);
    gd_cache_buf_put(b, s, n);
}

static void put_encoding(gd_cache_buf *b, const gd_encoding *e)
{
    put_u64(b, (uint64_t)e->na);
    put_u64(b, e->na_values.n);
    for (size_t k = 0; k < e->na_values.n; k++)
        put_text(b, e->na_values.tokens[k]);
    put_u64(b, e->ninputs);
    for (size_t i = 0; i < e->ninputs; i++) {
        const gd_input *in = &e->inputs[i];
        put_text(b, in->name);
        put_u64(b, in->categorical != 0);
        put_u64(b, in->nlevels);
        for (size_t k = 0; k < in->nlevels; k++)
            put_text(b, in->levels[k]);
        put_u64(b, in->missing_level != 0);
        gd_cache_buf_put(b, &in->fill, sizeof in->fill);
    }
}

int gd_cache_meta_encode(const gd_cache_meta *meta, size_t d, int with_y, gd_cache_buf *b)
{
    if (with_y)
        put_text(b, meta->target);
    for (size_t j = 0; j < d; j++)
        put_text(b, meta->features[j]);
    /* 2: X holds one column per input (raw_inputs), not the design. */
    put_u64(b, meta->encoding == NULL ? 0 : gd_encoding_width(meta->encoding) == d ? 1 : 2);
    if (meta->encoding != NULL)
        put_encoding(b, meta->encoding);
    const gd_load_report *rep = &meta->report;
    put_u64(b, rep->nnotes);
    for (size_t k = 0; k < rep->nnotes; k++)
        put_text(b, rep->notes[k]);
    put_u64(b, rep->dropped);
    put_u64(b, rep->dropped_target);
    put_u64(b, rep->unseen);
    return b->nomem ? -1 : 0;
}

/* ---------------------------------------------------------------- decode */

typedef struct cursor {
    const unsigned char *p;
    size_t len, at;
    int bad;   /* 1: malformed */
    int nomem; /* 1: out of memory */
} cursor;

static uint64_t get_u64(cursor *c)
{
    uint64_t v = 0;
    if (c->len - c->at < sizeof v) {
        c->bad = 1;
        return 0;
    }
    memcpy(&v, c->p + c->at, sizeof v);
    c->at += sizeof v;
    return v;
}

/* A count of items that each take at least min_bytes more: larger than
 * what is left is malformed (and never allocated). */
static size_t get_count(cursor *c, size_t min_bytes)
{
    uint64_t n = get_u64(c);
    if (n > (c->len - c->at) / min_bytes) {
        c->bad = 1;
        return 0;
    }
    return (size_t)n;
}

/* A new terminated copy of the next text; NULL when malformed (a NUL
 * inside, too long) or out of memory. */
static char *get_text(cursor *c)
{
    uint64_t n = get_u64(c);
    if (c->bad || n > c->len - c->at || memchr(c->p + c->at, '\0', (size_t)n) != NULL) {
        c->bad = 1;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (s == NULL) {
        c->nomem = 1;
        return NULL;
    }
    memcpy(s, c->p + c->at, (size_t)n);
    s[n] = '\0';
    c->at += (size_t)n;
    return s;
}

static int failed(const cursor *c)
{
    return c->bad || c->nomem;
}

static void get_input(cursor *c, gd_input *in)
{
    in->name = get_text(c);
    in->categorical = get_u64(c) != 0;
    in->nlevels = get_count(c, 8);
    if (!failed(c) && in->nlevels > 0 &&
        (in->levels = calloc(in->nlevels, sizeof *in->levels)) == NULL)
        c->nomem = 1;
    for (size_t k = 0; k < in->nlevels && in->levels != NULL && !failed(c); k++)
        in->levels[k] = get_text(c);
    if (in->levels == NULL)
        in->nlevels = 0; /* what gd_encoding_free may walk */
    in->missing_level = get_u64(c) != 0;
    uint64_t bits = get_u64(c);
    memcpy(&in->fill, &bits, sizeof bits);
    if (!failed(c) && in->categorical != (in->nlevels > 0))
        c->bad = 1;
}

static gd_encoding *get_encoding(cursor *c, size_t d, int raw)
{
    gd_encoding *e = calloc(1, sizeof *e);
    if (e == NULL) {
        c->nomem = 1;
        return NULL;
    }
    uint64_t na = get_u64(c);
    e->na = na == GD_NA_DROP ? GD_NA_DROP : na == GD_NA_MEAN ? GD_NA_MEAN : GD_NA_ERROR;
    if (na > GD_NA_MEAN)
        c->bad = 1;
    size_t ntokens = get_count(c, 8);
    for (size_t k = 0; k < ntokens && !failed(c); k++) {
        char *t = get_text(c);
        gd_error err;
        if (t != NULL && gd_na_set_add(&e->na_values, t, strlen(t), &err) != GD_OK)
            c->nomem = 1;
        free(t);
    }
    size_t ninputs = get_count(c, (size_t)8 * 5);
    if (!failed(c) && (e->inputs = calloc(ninputs ? ninputs : 1, sizeof *e->inputs)) == NULL)
        c->nomem = 1;
    for (size_t i = 0; i < ninputs && !failed(c); i++) {
        e->ninputs = i + 1;
        get_input(c, &e->inputs[i]);
    }
    if (!failed(c) && (raw ? e->ninputs : gd_encoding_width(e)) != d)
        c->bad = 1;
    return e;
}

static void get_report(cursor *c, gd_load_report *rep)
{
    size_t nnotes = get_count(c, 8);
    if (nnotes > GD_MAX_NOTES)
        c->bad = 1;
    for (size_t k = 0; k < nnotes && !failed(c); k++) {
        char *s = get_text(c);
        if (s != NULL && strlen(s) >= sizeof rep->notes[k])
            c->bad = 1;
        else if (s != NULL)
            memcpy(rep->notes[k], s, strlen(s) + 1);
        rep->nnotes = k + 1;
        free(s);
    }
    rep->dropped = (size_t)get_u64(c);
    rep->dropped_target = (size_t)get_u64(c);
    rep->unseen = (size_t)get_u64(c);
}

int gd_cache_meta_decode(gd_cache_meta *meta, const unsigned char *p, size_t len, size_t d,
                         int with_y)
{
    memset(meta, 0, sizeof *meta);
    cursor c = {p, len, 0, 0, 0};
    if (with_y)
        meta->target = get_text(&c);
    if (!failed(&c) && (meta->features = calloc(d ? d : 1, sizeof *meta->features)) == NULL)
        c.nomem = 1;
    for (size_t j = 0; j < d && !failed(&c); j++)
        meta->features[j] = get_text(&c);
    uint64_t has_encoding = failed(&c) ? 0 : get_u64(&c);
    if (has_encoding > 2)
        c.bad = 1;
    else if (has_encoding > 0)
        meta->encoding = get_encoding(&c, d, has_encoding == 2);
    if (!failed(&c))
        get_report(&c, &meta->report);
    if (!failed(&c) && c.at != c.len)
        c.bad = 1;
    if (!failed(&c))
        return 0;
    gd_cache_meta_free(meta, d);
    return c.nomem ? -2 : -1;
}

void gd_cache_meta_free(gd_cache_meta *meta, size_t d)
{
    if (meta == NULL)
        return;
    free(meta->target);
    if (meta->features != NULL)
        for (size_t j = 0; j < d; j++)
            free(meta->features[j]);
    free(meta->features);
    gd_encoding_free(meta->encoding);
    free(meta->encoding);
    memset(meta, 0, sizeof *meta);
}
