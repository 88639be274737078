/*
 * stream_cache: a streamed run's rows from the binary cache (data/cache.h),
 * which gives any block of rows at the cost of a read, instead of a parse
 * of the CSV file on every pass. A cache that does not hold the file (or
 * is missing, stale or damaged) is written first by a parse that hands
 * every chunk of rows to the cache writer as it goes, so building it needs
 * no more memory than training from it. See stream.h.
 */
#include "data/stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/cache.h"

/* The cache reader and a block's room, for reads that start or end
 * inside a block. */
typedef struct cache_source {
    gd_cache_reader r;
    double *bx, *by;     /* (block_rows, d), (block_rows) */
    size_t held;         /* the block in bx, by, or SIZE_MAX */
} cache_source;

static void cache_close(void *ctx)
{
    cache_source *c = ctx;
    if (c == NULL)
        return;
    gd_cache_reader_close(&c->r);
    free(c->bx);
    free(c->by);
    free(c);
}

/* Rows [first, first + count): whole blocks straight into x and y (a
 * block is its rows of X, then of y: the layout of a piece of them), the
 * ends through the block room. */
static gd_status cache_read(void *ctx, size_t first, size_t count, double *x, double *y,
                            size_t *got, gd_error *err)
{
    cache_source *c = ctx;
    const gd_cache_reader *r = &c->r;
    const size_t d = r->d, br = r->block_rows;
    size_t end = first + count < r->n ? first + count : r->n;
    *got = 0;
    for (size_t at = first; at < end;) {
        size_t b = at / br, lo = b * br, len = gd_cache_block_size(r, b);
        size_t take = (lo + len < end ? lo + len : end) - at;
        double *dx = x + (at - first) * d, *dy = y + (at - first);
        gd_status st = GD_OK;
        if (at == lo && take == len) {
            st = gd_cache_read_block(r, b, dx, dy, err);
        } else {
            if (c->held != b && (st = gd_cache_read_block(r, b, c->bx, c->by, err)) == GD_OK)
                c->held = b;
            if (st == GD_OK) {
                memcpy(dx, c->bx + (at - lo) * d, take * d * sizeof *dx);
                memcpy(dy, c->by + (at - lo), take * sizeof *dy);
            }
        }
        if (st != GD_OK) {
            c->held = SIZE_MAX;
            return st;
        }
        at += take;
        *got += take;
    }
    return GD_OK;
}

/* Opens the cache at path if it holds key: 1, or 0 (with a note when a
 * cache was there but is not used). */
static int cache_usable(cache_source *c, const char *path, const gd_cache_key *key,
                        const char *source, gd_cache_outcome *out)
{
    gd_error why;
    int e = 0;
    gd_status st = gd_cache_reader_open(&c->r, path, &e, &why);
    if (st == GD_OK && gd_cache_key_differs(out, path, source, &c->r.key, key)) {
        /* noted: written anew */
    } else if (st == GD_OK && c->r.with_y)
        return 1;
    else if (!(st == GD_ERR_IO && e == ENOENT))
        gd_cache_note(out, "the cache '%s' cannot be used (%s)", path, why.message);
    gd_cache_reader_close(&c->r);
    return 0;
}

/* Parses the file a chunk at a time into a new cache at path. GD_OK with
 * out->written, GD_OK with a note when no cache can be begun here (the
 * caller streams the CSV file then), or the parse's or the write's error. */
static gd_status cache_build(const gd_load_options *opt, const char *path,
                             const gd_cache_key *key, gd_cache_outcome *out, gd_error *err)
{
    gd_source csv;
    gd_dataset shell;
    gd_cache_writer *w = NULL;
    double *x = NULL, *y = NULL;
    gd_status st = gd_source_csv(&csv, opt, &shell, err);
    if (st != GD_OK)
        return st;
    gd_error why;
    if (gd_cache_writer_begin(&w, path, shell.d, 1, &why) != GD_OK) {
        char text[sizeof why.file + sizeof why.message + 8];
        gd_cache_note(out, "no cache is written (%s): the file is parsed on every pass",
            gd_error_format(&why, text, sizeof text));
        goto done;
    }
    /* A block of the cache at a time: the validation file's cache is
     * built while the training rows' chunk is held. */
    const size_t piece = GD_CACHE_BLOCK_ROWS;
    x = malloc(piece * (shell.d ? shell.d : 1) * sizeof *x);
    y = malloc(piece * sizeof *y);
    if (x == NULL || y == NULL)
        st = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    size_t got = piece;
    /* --na mean: a first pass learns the fills the rows are written with. */
    for (size_t first = 0; st == GD_OK && opt->encode && opt->na == GD_NA_MEAN &&
                           !opt->raw_inputs && got == piece; first += got)
        st = csv.read(csv.ctx, first, piece, x, y, &got, err);
    got = piece;
    for (size_t first = 0; st == GD_OK && got == piece; first += got) {
        st = csv.read(csv.ctx, first, piece, x, y, &got, err);
        if (st == GD_OK && got > 0)
            st = gd_cache_writer_append(w, x, y, got, err);
    }
    gd_encoding learnt = {0};
    gd_cache_meta meta = {.target = shell.target_name, .features = shell.feature_names};
    if (st == GD_OK && opt->encode) { /* --na: what the in-memory load keeps */
        st = gd_source_csv_learnt(&csv, &shell, &learnt, &meta.report, err);
        meta.encoding = &learnt;
    }
    if (st == GD_OK) {
        st = gd_cache_writer_commit(w, key, &meta, err);
        w = NULL;
        out->written = st == GD_OK;
        if (out->written)
            gd_cache_note_rebuilt(out);
    }
    gd_encoding_free(&learnt);
done:
    gd_cache_writer_abort(w);
    free(x);
    free(y);
    csv.close(csv.ctx);
    gd_dataset_free(&shell);
    return st;
}

/* The names of the cache's columns into *shell. */
static gd_status take_names(cache_source *c, gd_dataset *shell, gd_error *err)
{
    gd_cache_meta *m = &c->r.meta;
    memset(shell, 0, sizeof *shell);
    shell->d = c->r.d;
    shell->feature_names = m->features;
    shell->target_name = m->target;
    m->features = NULL;
    m->target = NULL;
    c->bx = malloc(c->r.block_rows * (c->r.d ? c->r.d : 1) * sizeof *c->bx);
    c->by = malloc(c->r.block_rows * sizeof *c->by);
    c->held = SIZE_MAX;
    if (shell->feature_names == NULL || shell->target_name == NULL || c->bx == NULL ||
        c->by == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return GD_OK;
}

/* The cache's encoding into *shell, and what its load reported into rep
 * (NULL: nowhere), as a run with --cache restores them. */
static void take_encoding(cache_source *c, gd_load_report *rep, gd_dataset *shell)
{
    gd_cache_meta *m = &c->r.meta;
    shell->encoding = m->encoding;
    m->encoding = NULL;
    if (rep == NULL)
        return;
    memcpy(rep->notes, m->report.notes, sizeof rep->notes);
    rep->nnotes = m->report.nnotes;
    rep->dropped = m->report.dropped;
    rep->dropped_target = m->report.dropped_target;
    rep->unseen = m->report.unseen;
}

gd_status gd_source_cached(gd_source *src, const gd_load_options *opt, const char *path,
                           gd_cache_outcome *out, gd_dataset *shell, gd_error *err)
{
    memset(out, 0, sizeof *out);
    const int na = opt->encode && (opt->na == GD_NA_DROP || opt->na == GD_NA_MEAN);
    struct stat sb;
    if (stat(opt->path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return gd_source_csv(src, opt, shell, err); /* which says what is wrong */
    gd_cache_key key = {0, 0, gd_cache_options_hash(opt)};
    gd_status st = gd_cache_source_key(opt->path, opt->threads, &key.source_size,
                                       &key.source_hash, err);
    cache_source *c = calloc(1, sizeof *c);
    if (st == GD_OK && c == NULL)
        st = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    int usable = st == GD_OK && cache_usable(c, path, &key, opt->path, out);
    if (st == GD_OK && !usable) {
        st = cache_build(opt, path, &key, out, err);
        if (st == GD_OK && out->written)
            usable = cache_usable(c, path, &key, opt->path, out);
    }
    if (st == GD_OK && !usable && na) /* what it learns is kept in the cache */
        st = gd_error_set(err, GD_ERR_IO, NULL, 0, 0,
                          "--na %s: a streamed run keeps the rows it reads in its cache "
                          "file, which cannot be written here (see the note): give --cache "
                          "PATH in a folder that can hold it",
                          opt->na == GD_NA_DROP ? "drop" : "mean");
    if (st == GD_OK && !usable) { /* no cache here: parse on every pass */
        cache_close(c);
        return gd_source_csv(src, opt, shell, err);
    }
    if (st == GD_OK)
        st = take_names(c, shell, err);
    if (st == GD_OK)
        take_encoding(c, opt->report, shell);
    if (st != GD_OK) {
        cache_close(c);
        gd_dataset_free(shell);
        return st;
    }
    out->used = !out->written;
    out->bytes = c->r.file_size;
    *src = (gd_source){c->r.n, c->r.d, 1, c->r.path, c, cache_read, cache_close};
    return GD_OK;
}
