/*
 * stream: rows read a chunk at a time. See stream.h.
 */
#include "data/stream.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/parallel.h"
#include "data/load.h"
#include "data/stats.h"

struct gd_stream {
    gd_source src;
    gd_scaling sc;        /* the statistics (a copy: the caller's may move) */
    double *fill;         /* (d) what a NaN feature becomes, or NULL */
    size_t rows;          /* rows a chunk holds: GD_STREAM_ROWS, or GD_STREAM_VAL_ROWS */
    double *x, *y;        /* (rows, d), (rows): the chunk */
    gd_dataset view;      /* x, y above; n the rows of the chunk */
    gd_pool *pool;        /* threads for z-scoring a chunk, or NULL */
    int failed;
    gd_error err;         /* the first failed read */
    int zfd;              /* the z-scores file (already unlinked), or -1 */
    size_t chunk_bytes;   /* a chunk of it: GD_STREAM_ROWS rows of X, then of y */
    double *map;          /* the chunk of it mapped, or NULL */
    size_t map_chunk;     /* which one */
};

/* ------------------------------------------------------------ sources */

/* The longest cell read with --decimal ',' (the loader's limit). */
#define NA_COMMA_MAX 128

/* --na drop or mean on a numeric table, learnt as the rows go by: what
 * src/data/cells.c learns from the whole table at once, the same
 * arithmetic in the same row order. */
typedef struct na_learnt {
    gd_na_set tokens;         /* the NA tokens: the defaults, or --na-values */
    unsigned char starts[257]; /* 1 for each byte an NA token starts with; [256]
                                  for the empty token: most cells skip the search */
    gd_csv_field *fields;     /* (h) a record with its missing cells made "0" */
    char *comma;              /* (h, NA_COMMA_MAX) --decimal ',': cells made '.' */
    double *sum, *comp;       /* (d) Neumaier sums of the present cells of the
                                 rows with a target: the fills */
    size_t *count;            /* (d) */
    unsigned char *counting;  /* (d) the column counts the rows: 0 or 1, 1, 2, ... */
    double *first;            /* (d) row 0's cells */
    size_t rows;              /* rows read, the dropped ones too */
    size_t dropped, dropped_target;
} na_learnt;

static void na_free(na_learnt *a)
{
    gd_na_set_free(&a->tokens);
    free(a->fields);
    free(a->comma);
    free(a->sum);
    free(a->comp);
    free(a->count);
    free(a->counting);
    free(a->first);
    memset(a, 0, sizeof *a);
}

/* Allocates *a for h fields and d features, as before any row, with the
 * NA tokens of --na-values (tokens; NULL: the defaults). */
static gd_status na_begin(na_learnt *a, const char *tokens, size_t h, size_t d,
                          gd_error *err)
{
    na_free(a);
    const size_t n = d ? d : 1;
    a->fields = malloc(h * sizeof *a->fields);
    a->comma = malloc(h * NA_COMMA_MAX);
    a->sum = calloc(n, sizeof *a->sum);
    a->comp = calloc(n, sizeof *a->comp);
    a->count = calloc(n, sizeof *a->count);
    a->counting = malloc(n);
    a->first = malloc(n * sizeof *a->first);
    if (gd_na_set_init(&a->tokens, tokens, err) != GD_OK)
        return err->status;
    if (a->fields == NULL || a->comma == NULL || a->sum == NULL || a->comp == NULL || a->count == NULL ||
        a->counting == NULL || a->first == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    memset(a->counting, 1, n);
    for (size_t k = 0; k < a->tokens.n; k++)
        a->starts[a->tokens.tokens[k][0] ? (unsigned char)a->tokens.tokens[k][0] : 256] = 1;
    return GD_OK;
}

/* Learns from one row (x, y; missing cells NaN, *y too when the target is
 * missing): the fills' sums (present_means) and whether each column still
 * counts the rows (counts_rows). */
static void na_learn(na_learnt *a, const double *x, double y, size_t d)
{
    for (size_t j = 0; j < d; j++) {
        double v = x[j];
        if (a->rows == 0)
            a->first[j] = v;
        if (v != v || v != a->first[j] + (double)a->rows ||
            (a->first[j] != 0.0 && a->first[j] != 1.0))
            a->counting[j] = 0;
        if (y != y || v != v)
            continue;
        double t = a->sum[j] + v;
        a->comp[j] += fabs(a->sum[j]) >= fabs(v) ? (a->sum[j] - t) + v : (v - t) + a->sum[j];
        a->sum[j] = t;
        a->count[j]++;
    }
    a->rows++;
}

/* A CSV file read in order, record by record, into the caller's rows. */
typedef struct csv_source {
    gd_load_options opt;
    char delim;
    gd_csv_reader *r;
    ds_header hd;
    ds_pick *picks;
    size_t npicks, *dest, target_col;
    ds_load load;
    size_t next;          /* the row the reader stands at */
    int encode;           /* the encoding rules: --exclude, --na, and the notes */
    gd_na_policy policy;  /* --na error, drop or mean (see na_record) */
    na_learnt na;         /* with a policy: what the rows read so far teach */
    double *fill;         /* (d) --na mean: each feature's fill, once filled */
    int filled;           /* 1 once a pass has learnt the fills (never for
                             raw_inputs: missing cells stay NaN) */
} csv_source;

static void csv_close(void *ctx)
{
    csv_source *c = ctx;
    if (c == NULL)
        return;
    gd_csv_close(c->r);
    gd_ds_header_free(&c->hd);
    free(c->picks);
    free(c->dest);
    na_free(&c->na);
    free(c->fill);
    free(c);
}

/* Opens the file (again) and reads its header and columns. */
static gd_status csv_start(csv_source *c, size_t *d, gd_error *err)
{
    gd_csv_close(c->r);
    gd_ds_header_free(&c->hd);
    c->r = NULL;
    gd_status st = gd_csv_open(&c->r, c->opt.path, c->delim, err);
    if (st == GD_OK)
        st = gd_ds_header_read(c->r, c->delim, 0, &c->hd, err);
    if (st != GD_OK)
        return st;
    const size_t h = c->hd.h;
    free(c->picks);
    free(c->dest);
    c->picks = malloc(h * sizeof *c->picks);
    c->dest = malloc(h * sizeof *c->dest);
    if (c->picks == NULL || c->dest == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    const char *file = gd_csv_name(c->r);
    ds_table t = {0}; /* --exclude's columns, as the in-memory load has them */
    if (c->opt.encode && c->opt.nexclude > 0)
        st = gd_ds_table_begin(&t, &c->hd, &c->opt, c->delim, file, err);
    if (st == GD_OK)
        st = gd_ds_select(&c->hd, t.excluded != NULL ? &t.opt : &c->opt, t.excluded, c->delim,
                          file, c->picks, &c->npicks, d, &c->target_col, err);
    gd_ds_table_free(&t);
    if (st != GD_OK)
        return st;
    for (size_t col = 0; col < h; col++)
        c->dest[col] = DS_SKIP;
    for (size_t k = 0; k < c->npicks; k++)
        c->dest[c->picks[k].col] = c->picks[k].dest;
    c->load = (ds_load){.file = file, .delim = c->delim, .h = h, .hd = &c->hd,
                        .picks = c->picks, .npicks = c->npicks, .dest = c->dest, .d = *d};
    c->next = 0;
    return c->encode ? na_begin(&c->na, c->opt.na_values, h, *d, err) : GD_OK;
}

/* What an NA token is read as before it is made NaN (by its address). */
static const char na_zero[] = "0";

/* Under --na error: the missing cell of pick k is the error. */
static gd_status na_error(const csv_source *c, size_t k, const gd_csv_field *cell,
                          gd_error *err)
{
    const ds_load *l = &c->load;
    const ds_name *nm = &c->hd.byidx[l->picks[k].col];
    char q[200];
    return gd_error_set(err, GD_ERR_DATA, l->file, cell->line, cell->column,
                        "column '%s': a missing cell; --na drop leaves such rows out, --na "
                        "mean fills them in%s", ds_q(nm->s, nm->len, q, sizeof q),
                        l->picks[k].dest < l->d ? ""
                                                : " (a missing target is always left out)");
}

/* --decimal ',': the cell s[0..len) of pick k as the number parser reads
 * it, its comma made a point, into c->na.fields; one with a '.' (or too
 * long for a number) is an error, as in memory. */
static gd_status comma_cell(csv_source *c, size_t k, const gd_csv_field *cell, const char *s,
                            size_t len, gd_error *err)
{
    const ds_load *l = &c->load;
    const size_t col = l->picks[k].col;
    char *buf = c->na.comma + col * NA_COMMA_MAX;
    if (len >= NA_COMMA_MAX || memchr(s, '.', len) != NULL) {
        const ds_name *nm = &c->hd.byidx[col];
        char q[200], v[200];
        return gd_error_set(err, GD_ERR_DATA, l->file, cell->line, cell->column,
                            "column '%s': \"%s\" is not a number with a decimal comma "
                            "(--decimal ',')", ds_q(nm->s, nm->len, q, sizeof q),
                            ds_q(s, len, v, sizeof v));
    }
    memcpy(buf, s, len);
    char *comma = memchr(buf, ',', len);
    if (comma != NULL)
        *comma = '.';
    c->na.fields[col].text = buf;
    c->na.fields[col].len = len;
    return GD_OK;
}

/* gd_ds_record under --na drop: a cell that is an NA token is read as NaN
 * (the others as numbers, a text an error with its place). Sets *missing:
 * 0, 1 for a missing feature, 2 for a missing target (bits). */
static gd_status na_record(csv_source *c, const gd_csv_field *f, size_t nf, size_t row,
                           int *missing, gd_error *err)
{
    const ds_load *l = &c->load;
    int copied = 0;
    *missing = 0;
    for (size_t k = 0; nf == l->h && k < l->npicks; k++) {
        const size_t col = l->picks[k].col;
        const gd_csv_field *cell = &f[col];
        const char *s = cell->text;
        size_t len = cell->len;
        if (len > 0 && (ds_is_blank(s[0], l->delim) || ds_is_blank(s[len - 1], l->delim)))
            ds_trim(&s, &len, l->delim);
        const int na = c->na.starts[len ? (unsigned char)s[0] : 256] &&
                       gd_na_set_has(&c->na.tokens, s, len);
        if (na && c->policy == GD_NA_ERROR)
            return na_error(c, k, cell, err);
        if (!na && c->opt.decimal != ',')
            continue;
        if (!copied)
            memcpy(c->na.fields, f, nf * sizeof *f);
        copied = 1;
        if (!na) {
            gd_status st = comma_cell(c, k, cell, s, len, err);
            if (st != GD_OK)
                return st;
            continue;
        }
        c->na.fields[col].text = na_zero;
        c->na.fields[col].len = 1;
        *missing |= l->picks[k].dest < l->d ? 1 : 2;
    }
    gd_status st = gd_ds_record(l, 0, copied ? c->na.fields : f, nf, row, err);
    for (size_t k = 0; st == GD_OK && *missing && k < l->npicks; k++) {
        if (c->na.fields[l->picks[k].col].text != na_zero)
            continue;
        if (l->picks[k].dest < l->d)
            l->x[row * l->d + l->picks[k].dest] = NAN;
        else
            l->y[row] = NAN;
    }
    return st;
}

/* The mean of feature j's present cells in the rows with a target. */
static double na_fill(const na_learnt *a, size_t j)
{
    return a->count[j] ? (a->sum[j] + a->comp[j]) / (double)a->count[j] : 0.0;
}

/* One record into row `row`: 1 when it stays, 0 when it is left out
 * (counted, and learnt from): for a missing target, and under --na drop
 * for any missing cell. Under --na mean a missing feature gets its fill
 * once a pass has learnt them (NaN before). */
static gd_status csv_record(csv_source *c, const gd_csv_field *f, size_t nf, size_t row,
                            int *kept, gd_error *err)
{
    *kept = 1;
    if (!c->encode)
        return gd_ds_record(&c->load, 0, f, nf, row, err);
    int missing;
    gd_status st = na_record(c, f, nf, row, &missing, err);
    if (st == GD_ERR_DATA && strstr(err->message, "expected a number") != NULL) {
        size_t len = strlen(err->message);
        snprintf(err->message + len, sizeof err->message - len,
                 " (a streamed run parses numbers only: a text column is categorical, and "
                 "its levels need the whole table; 'gdtrain cache' with the same options "
                 "writes the table encoded, which --stream then reads)");
    }
    if (st != GD_OK)
        return st;
    double *x = c->load.x + row * c->load.d;
    na_learn(&c->na, x, c->load.y[row], c->load.d);
    if ((missing & 2) || (missing && c->policy == GD_NA_DROP)) {
        *kept = 0;
        c->na.dropped++;
        c->na.dropped_target += (missing & 2) != 0;
    }
    for (size_t j = 0; *kept && missing && c->filled && j < c->load.d; j++)
        if (x[j] != x[j])
            x[j] = c->fill[j];
    return GD_OK;
}

/* The end of a pass: under --na mean the fills are known from now on. */
static void csv_end(csv_source *c)
{
    if (c->policy != GD_NA_MEAN || c->filled || c->opt.raw_inputs)
        return;
    for (size_t j = 0; j < c->load.d; j++)
        c->fill[j] = na_fill(&c->na, j);
    c->filled = 1;
}

static gd_status csv_read(void *ctx, size_t first, size_t count, double *x, double *y,
                          size_t *got, gd_error *err)
{
    csv_source *c = ctx;
    size_t d = c->load.d;
    *got = 0;
    gd_status st = GD_OK;
    if (first == 0 && c->next != 0)
        st = csv_start(c, &d, err);
    if (st != GD_OK)
        return st;
    assert(first == c->next); /* a sequential source */
    c->load.x = x;
    c->load.y = y;
    for (size_t row = 0; row < count;) {
        const gd_csv_field *f;
        size_t nf;
        int kept;
        if ((st = gd_csv_next(c->r, &f, &nf, err)) != GD_OK)
            return st;
        if (nf == 0) {
            csv_end(c);
            break;
        }
        if ((st = csv_record(c, f, nf, row, &kept, err)) != GD_OK)
            return st;
        row += (size_t)kept;
        *got += (size_t)kept;
    }
    c->next += *got;
    return GD_OK;
}

gd_status gd_source_csv(gd_source *src, const gd_load_options *opt, gd_dataset *shell,
                        gd_error *err)
{
    memset(src, 0, sizeof *src);
    memset(shell, 0, sizeof *shell);
    csv_source *c = calloc(1, sizeof *c);
    if (c == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    c->opt = *opt;
    c->encode = opt->encode;
    c->policy = opt->encode ? opt->na : GD_NA_ERROR;
    c->delim = (char)(opt->delimiter ? opt->delimiter : ',');
    gd_status st = csv_start(c, &shell->d, err);
    if (st == GD_OK && (c->fill = calloc(shell->d ? shell->d : 1, sizeof *c->fill)) == NULL)
        st = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (st == GD_OK && c->target_col == SIZE_MAX)
        st = gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0, "training needs a target column");
    if (st == GD_OK && (shell->feature_names = calloc(shell->d ? shell->d : 1,
                                                      sizeof *shell->feature_names)) == NULL)
        st = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t k = 0; st == GD_OK && k < c->npicks; k++) {
        const ds_name *nm = &c->hd.byidx[c->picks[k].col];
        char *copy = malloc(nm->len + 1);
        if (copy == NULL) {
            st = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        memcpy(copy, nm->s, nm->len + 1);
        if (c->picks[k].dest < shell->d)
            shell->feature_names[c->picks[k].dest] = copy;
        else
            shell->target_name = copy;
    }
    if (st != GD_OK) {
        csv_close(c);
        gd_dataset_free(shell);
        return st;
    }
    *src = (gd_source){0, shell->d, 0, NULL, c, csv_read, csv_close};
    return GD_OK;
}

gd_status gd_source_csv_learnt(const gd_source *src, const gd_dataset *shell,
                               gd_encoding *e, gd_load_report *rep, gd_error *err)
{
    const csv_source *c = src->ctx;
    const na_learnt *a = &c->na;
    const size_t d = shell->d;
    memset(rep, 0, sizeof *rep);
    if (a->rows > 0 && a->dropped == a->rows)
        return gd_error_set(err, GD_ERR_DATA, c->opt.path, 0, 0,
                            "no rows left: each of the %zu rows has a missing cell%s", a->rows,
                            c->policy == GD_NA_DROP ? " (--na mean fills them in instead)" : "");
    gd_status st = gd_encoding_plain(e, d, (const char *const *)shell->feature_names, err);
    if (st != GD_OK)
        return st;
    e->na = c->policy;
    gd_na_set_free(&e->na_values); /* the tokens read, as learn_encoding keeps them */
    for (size_t k = 0; st == GD_OK && k < a->tokens.n; k++)
        st = gd_na_set_add(&e->na_values, a->tokens.tokens[k], strlen(a->tokens.tokens[k]), err);
    if (st != GD_OK) {
        gd_encoding_free(e);
        return st;
    }
    for (size_t j = 0; j < d; j++) {
        e->inputs[j].fill = na_fill(a, j);
        if (a->rows < 3 || !a->counting[j] || rep->nnotes == GD_MAX_NOTES)
            continue;
        char nq[200];
        const char *name = shell->feature_names[j];
        gd_error_quote(name, strlen(name), nq, sizeof nq);
        int w = snprintf(rep->notes[rep->nnotes], sizeof rep->notes[0],
                         "column '%s' counts the rows (%g, %g, %g, ...): an identifier? "
                         "Leave it out with --exclude '%s'", nq, a->first[j],
                         a->first[j] + 1, a->first[j] + 2, nq);
        rep->nnotes += w >= 0; /* a long name cut short, as in memory */
    }
    rep->dropped = a->dropped;
    rep->dropped_target = a->dropped_target;
    return GD_OK;
}

static gd_status dataset_read(void *ctx, size_t first, size_t count, double *x, double *y,
                              size_t *got, gd_error *err)
{
    (void)err;
    const gd_dataset *ds = ctx;
    *got = first >= ds->n ? 0 : ds->n - first < count ? ds->n - first : count;
    memcpy(x, ds->x + first * ds->d, *got * ds->d * sizeof *x);
    memcpy(y, ds->y + first, *got * sizeof *y);
    return GD_OK;
}

gd_source gd_source_dataset(const gd_dataset *ds)
{
    return (gd_source){ds->n, ds->d, 1, NULL, (void *)ds, dataset_read, NULL};
}

/* ------------------------------------------------------------- stream */

void gd_stream_close(gd_stream *s)
{
    if (s == NULL)
        return;
    if (s->src.close != NULL)
        s->src.close(s->src.ctx);
    if (s->map != NULL)
        munmap(s->map, s->chunk_bytes);
    if (s->zfd >= 0)
        close(s->zfd);
    gd_scaling_free(&s->sc);
    free(s->fill);
    gd_pool_free(s->pool);
    free(s->x);
    free(s->y);
    free(s);
}

/* One pass of the statistics (st, or NULL for none) over every row, a
 * chunk at a time; the first pass also counts them. */
static gd_status stream_stats_pass(gd_stream *s, gd_stats *st, gd_error *err)
{
    size_t first = 0;
    for (;;) {
        size_t got = 0;
        gd_status status = s->src.read(s->src.ctx, first, s->rows, s->x, s->y, &got, err);
        if (status != GD_OK)
            return status;
        if (got > 0 && st != NULL)
            gd_stats_add(st, s->x, s->y, got);
        first += got;
        if (got < s->rows)
            break;
    }
    if (s->src.n == 0)
        s->src.n = first;
    else if (first != s->src.n)
        return gd_error_set(err, GD_ERR_IO, NULL, 0, 0,
                            "the data changed while it was read: %zu rows, then %zu",
                            s->src.n, first);
    return GD_OK;
}

/* Copies sc's statistics into *out (allocates). 0, or -1 out of memory. */
static int scaling_copy(gd_scaling *out, const gd_scaling *sc)
{
    const size_t d = sc->d ? sc->d : 1;
    *out = *sc;
    out->x_mean = malloc(d * sizeof *out->x_mean);
    out->x_std = malloc(d * sizeof *out->x_std);
    out->constant = malloc(d);
    if (out->x_mean == NULL || out->x_std == NULL || out->constant == NULL)
        return -1;
    memcpy(out->x_mean, sc->x_mean, sc->d * sizeof *out->x_mean);
    memcpy(out->x_std, sc->x_std, sc->d * sizeof *out->x_std);
    memcpy(out->constant, sc->constant, sc->d);
    return 0;
}

/* Writes every chunk's z-scores, once, into a file beside path (unlinked
 * at once, so it goes when the stream does): an epoch then maps a chunk
 * and reads it in place, instead of reading the rows and z-scoring them
 * again. Where it cannot be written (a full disk), the stream goes on
 * without it. */
static void zscores_write(gd_stream *s, const char *path)
{
    const size_t d = s->src.d, n = s->src.n;
    size_t len = strlen(path);
    char *name = malloc(len + 8);
    if (name == NULL)
        return;
    memcpy(name, path, len); /* NOLINT(bugprone-not-null-terminated-result): the next copy ends it */
    memcpy(name + len, ".XXXXXX", 8);
    int fd = mkstemp(name);
    if (fd >= 0)
        unlink(name);
    free(name);
    s->chunk_bytes = GD_STREAM_ROWS * (d + 1) * sizeof(double);
    const size_t nchunks = (n - 1) / GD_STREAM_ROWS + 1;
    int ok = fd >= 0 && ftruncate(fd, (off_t)(nchunks * s->chunk_bytes)) == 0;
    for (size_t c = 0; ok && c < nchunks; c++) {
        size_t first = c * GD_STREAM_ROWS, count = n - first < GD_STREAM_ROWS ? n - first
                                                                              : GD_STREAM_ROWS;
        gd_stream_rows(s, first, count);
        off_t at = (off_t)(c * s->chunk_bytes);
        const size_t xbytes = count * d * sizeof *s->x, ybytes = count * sizeof *s->y;
        const off_t yat = at + (off_t)(GD_STREAM_ROWS * d * sizeof *s->x);
        ok = !s->failed && pwrite(fd, s->x, xbytes, at) == (ssize_t)xbytes &&
             pwrite(fd, s->y, ybytes, yat) == (ssize_t)ybytes;
    }
    if (ok)
        s->zfd = fd;
    else if (fd >= 0)
        close(fd);
}

/* Rows [first, first + count) of the z-scores file, mapped: 1, or 0 when
 * the chunk cannot be mapped (the caller reads the rows instead). */
static int zscores_map(gd_stream *s, size_t first, size_t count)
{
    const size_t c = first / GD_STREAM_ROWS, at = first - c * GD_STREAM_ROWS;
    assert(count == 0 || (first + count - 1) / GD_STREAM_ROWS == c); /* one chunk */
    if (s->map == NULL || s->map_chunk != c) {
        if (s->map != NULL)
            munmap(s->map, s->chunk_bytes);
        int flags = MAP_SHARED;
#ifdef MAP_POPULATE
        flags |= MAP_POPULATE; /* one call instead of a fault per page */
#endif
        void *p = mmap(NULL, s->chunk_bytes, PROT_READ, flags, s->zfd,
                       (off_t)(c * s->chunk_bytes));
        s->map = p == MAP_FAILED ? NULL : p;
        s->map_chunk = c;
        if (s->map == NULL)
            return 0;
    }
    s->view.x = s->map + at * s->src.d;
    s->view.y = s->map + GD_STREAM_ROWS * s->src.d + at;
    s->view.n = count;
    return 1;
}

/* A new stream over src with a chunk of rows (*out; on failure src is
 * closed and *out NULL). */
static gd_status stream_new(gd_stream **out, gd_source src, size_t rows, gd_error *err)
{
    gd_stream *s = calloc(1, sizeof *s);
    *out = s;
    if (s == NULL) {
        if (src.close != NULL)
            src.close(src.ctx);
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    s->zfd = -1;
    s->src = src;
    s->rows = rows;
    s->x = malloc(rows * (src.d ? src.d : 1) * sizeof *s->x);
    s->y = malloc(rows * sizeof *s->y);
    if (s->x != NULL && s->y != NULL)
        return GD_OK;
    gd_stream_close(s);
    *out = NULL;
    return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
}

/* The z-scoring threads and the view of the chunk, once the statistics
 * are known. */
static void stream_ready(gd_stream *s, int threads)
{
    int nt = gd_pool_threads(threads);
    s->pool = nt > 1 ? gd_pool_create(nt) : NULL;
    s->view = (gd_dataset){.n = s->rows, .d = s->src.d, .x = s->x, .y = s->y,
                           .threads = threads};
}

gd_status gd_stream_open(gd_source src, int center, int threads, gd_dataset *shell,
                         gd_scaling *sc, gd_error *err)
{
    memset(sc, 0, sizeof *sc);
    gd_stream *s;
    gd_status status = stream_new(&s, src, GD_STREAM_ROWS, err);
    if (status != GD_OK)
        return status;
    const size_t d = src.d;
    gd_stats *st = NULL;
    status = gd_stats_create(&st, d, 1, center, GD_STREAM_ROWS, threads, err);
    if (status == GD_OK)
        status = stream_stats_pass(s, st, err);
    if (status == GD_OK && s->src.n == 0)
        status = gd_error_set(err, GD_ERR_DATA, NULL, 0, 0, "no data rows after the header");
    shell->n = s->src.n;
    gd_dataset names = *shell; /* x NULL: a column too large is named, not re-read */
    if (status == GD_OK)
        status = gd_stats_means(st, &names, err);
    if (status == GD_OK)
        status = stream_stats_pass(s, st, err);
    if (status == GD_OK)
        status = gd_stats_finish(st, &names, sc, err);
    gd_stats_free(st);
    if (status == GD_OK && scaling_copy(&s->sc, sc) != 0)
        status = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (status != GD_OK) {
        gd_scaling_free(sc);
        gd_stream_close(s);
        return status;
    }
    stream_ready(s, threads);
    if (src.scratch != NULL)
        zscores_write(s, src.scratch);
    shell->stream = s;
    return GD_OK;
}

gd_status gd_stream_open_scaled(gd_source src, const gd_scaling *sc, const double *fill,
                                int threads, gd_dataset *shell, gd_error *err)
{
    gd_stream *s;
    gd_status status = stream_new(&s, src, GD_STREAM_VAL_ROWS, err);
    if (status != GD_OK)
        return status;
    if (s->src.n == 0) /* a CSV file: its rows counted (and their cells checked) */
        status = stream_stats_pass(s, NULL, err);
    if (status == GD_OK && s->src.n == 0)
        status = gd_error_set(err, GD_ERR_DATA, NULL, 0, 0, "no data rows after the header");
    if (status == GD_OK && scaling_copy(&s->sc, sc) != 0)
        status = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (status == GD_OK && fill != NULL &&
        (s->fill = malloc((s->src.d ? s->src.d : 1) * sizeof *s->fill)) == NULL)
        status = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (status != GD_OK) {
        gd_stream_close(s);
        return status;
    }
    if (fill != NULL)
        memcpy(s->fill, fill, s->src.d * sizeof *s->fill);
    stream_ready(s, threads);
    shell->n = s->src.n;
    shell->stream = s;
    return GD_OK;
}

const gd_dataset *gd_stream_rows(gd_stream *s, size_t first, size_t count)
{
    assert(count <= s->rows && first + count <= s->src.n);
    if (s->zfd >= 0 && zscores_map(s, first, count))
        return &s->view;
    s->view.x = s->x;
    s->view.y = s->y;
    size_t got = 0;
    gd_error err;
    if (!s->failed) {
        gd_status st = s->src.read(s->src.ctx, first, count, s->x, s->y, &got, &err);
        if (st == GD_OK && got != count)
            st = gd_error_set(&err, GD_ERR_IO, NULL, 0, 0,
                              "the data changed while training: row %zu is gone",
                              first + got + 1);
        if (st != GD_OK) {
            s->failed = 1;
            s->err = err;
        }
    }
    s->view.n = count;
    if (s->failed) {
        for (size_t i = 0; i < count * s->src.d; i++)
            s->x[i] = NAN;
        for (size_t i = 0; i < count; i++)
            s->y[i] = NAN;
    } else {
        for (size_t i = 0; s->fill != NULL && i < count * s->src.d; i++)
            if (s->x[i] != s->x[i])
                s->x[i] = s->fill[i % s->src.d];
        gd_stats_apply(&s->sc, s->x, s->y, count, s->pool);
    }
    return &s->view;
}

const gd_dataset *gd_stream_view(const gd_stream *s)
{
    return &s->view;
}

int gd_stream_failed(const gd_stream *s, gd_error *err)
{
    if (s->failed && err != NULL)
        *err = s->err;
    return s->failed;
}

size_t gd_stream_chunk(const gd_stream *s)
{
    return s->rows;
}

int gd_stream_random(const gd_stream *s)
{
    return s->src.random;
}
