/*
 * cache: the cache file's format, its writer and its block reader. See
 * cache.h for the layout; cache_load.c decides when a cache is used.
 */
#include "data/cache.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/cache_meta.h"
#include "data/stats.h"
#include "io/atomicfile.h"
#include "io/hash.h"

#define CACHE_MAGIC "GDTCACHE"
#define CACHE_BOM UINT64_C(0x0102030405060708)
#define CACHE_BOM_SWAPPED UINT64_C(0x0807060504030201)

/* The header's words, in file order; header_hash last. */
typedef struct cache_header {
    char magic[8];
    uint64_t version, bom, header_size, double_size, file_size;
    uint64_t n, d, with_y, block_rows, nblocks;
    uint64_t data_offset, meta_offset, meta_size, meta_hash, sums_offset, sums_hash;
    uint64_t source_size, source_hash, options_hash;
    uint64_t zx_offset, zy_offset, scaling_offset, scaling_hash;
    uint64_t header_hash;
} cache_header;

_Static_assert(sizeof(cache_header) == 8 + 24 * 8, "the header is packed 64-bit words");
_Static_assert(sizeof(double) == 8, "doubles are IEEE 754 binary64");

/* gdhash64 of the header page with its own checksum word zero. */
static uint64_t header_checksum(const unsigned char page[GD_CACHE_HEADER_SIZE])
{
    unsigned char copy[GD_CACHE_HEADER_SIZE];
    memcpy(copy, page, sizeof copy);
    memset(copy + offsetof(cache_header, header_hash), 0, sizeof(uint64_t));
    return gd_hash64_bytes(copy, sizeof copy, 0);
}

/* Doubles per row in a block: the features, and y when there is one. */
static uint64_t row_words(uint64_t d, uint64_t with_y)
{
    return d + (with_y ? 1 : 0);
}

static uint64_t page_up(uint64_t at)
{
    return (at + GD_CACHE_PAGE - 1) / GD_CACHE_PAGE * GD_CACHE_PAGE;
}

/* Where each part of a cache of n rows of d features goes. */
typedef struct cache_layout {
    uint64_t zx, zy, scaling; /* 0 without the standardized section */
    uint64_t meta, sums, nsums;
} cache_layout;

static cache_layout layout_of(uint64_t n, uint64_t d, uint64_t with_y, uint64_t block_rows,
                              int has_z)
{
    cache_layout l;
    uint64_t raw_end = GD_CACHE_HEADER_SIZE + n * row_words(d, with_y) * 8;
    uint64_t nblocks = (n + block_rows - 1) / block_rows;
    l.zx = has_z ? page_up(raw_end) : 0;
    l.zy = has_z ? page_up(l.zx + n * d * 8) : 0;
    l.scaling = has_z ? l.zy + n * 8 : 0;
    l.meta = has_z ? l.scaling + GD_CACHE_SCALING_WORDS(d) * 8 : raw_end;
    l.nsums = has_z ? 3 * nblocks : nblocks;
    l.sums = 0;
    return l;
}

/* ---------------------------------------------------------------- writer */

struct gd_cache_writer {
    gd_atomic_file f;
    size_t d;
    int with_y;
    size_t n;         /* rows appended */
    size_t in_block;  /* rows of the current block so far */
    double *ybuf;     /* (GD_CACHE_BLOCK_ROWS) the current block's y */
    gd_hash64 sum;    /* the current block's checksum so far */
    uint64_t *sums;   /* (cap) finished blocks' checksums */
    size_t nsums, cap;
    int started;      /* 1 once the header's place is written */
    uint64_t pos;     /* bytes written so far */
    int part;         /* 0: the rows; 1: their standardized X; 2: their
                         standardized y; 3: done */
    size_t zrows;     /* rows of the current standardized part so far */
    uint64_t *scaling; /* (GD_CACHE_SCALING_WORDS(d)) once part > 0 */
};

static gd_status write_failed(gd_cache_writer *w, gd_error *err)
{
    int e = errno;
    return gd_error_set(err, GD_ERR_IO, w->f.path, 0, 0, "cannot write the cache: %s",
                        e ? strerror(e) : "an earlier write failed");
}

static gd_status put(gd_cache_writer *w, const void *p, size_t bytes, gd_error *err)
{
    errno = 0;
    if (bytes > 0 && fwrite(p, 1, bytes, w->f.fp) != bytes)
        return write_failed(w, err);
    w->pos += bytes;
    return GD_OK;
}

/* Zeros up to the next page boundary. */
static gd_status pad_to_page(gd_cache_writer *w, gd_error *err)
{
    static const unsigned char zeros[GD_CACHE_PAGE];
    return put(w, zeros, (size_t)(page_up(w->pos) - w->pos), err);
}

/* Whatever cannot be opened or read here is left to the write, which says
 * why. */
gd_status gd_cache_check_replaceable(const char *path, gd_error *err)
{
    static const char suffix[] = ".gdcache";
    size_t len = strlen(path);
    if (len >= sizeof suffix - 1 && strcmp(path + len - (sizeof suffix - 1), suffix) == 0)
        return GD_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return GD_OK;
    struct stat sb;
    char head[sizeof CACHE_MAGIC - 1];
    ssize_t got = 0;
    int regular = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
    if (regular)
        got = read(fd, head, sizeof head);
    close(fd);
    if (!regular || got < 0 || (got == (ssize_t)sizeof head &&
                                memcmp(head, CACHE_MAGIC, sizeof head) == 0))
        return GD_OK;
    return gd_error_set(err, GD_ERR_IO, path, 0, 0, "not a gdtrain cache, left as it is");
}

gd_status gd_cache_writer_begin(gd_cache_writer **out, const char *path, size_t d, int with_y,
                                gd_error *err)
{
    *out = NULL;
    if (gd_cache_check_replaceable(path, err) != GD_OK)
        return GD_ERR_IO;
    gd_cache_writer *w = calloc(1, sizeof *w);
    if (w != NULL)
        w->ybuf = malloc(GD_CACHE_BLOCK_ROWS * sizeof *w->ybuf);
    if (w == NULL || w->ybuf == NULL) {
        free(w);
        return gd_error_set(err, GD_ERR_NOMEM, path, 0, 0, "out of memory");
    }
    w->d = d;
    w->with_y = with_y != 0;
    gd_hash64_init(&w->sum, 0);
    gd_status st = gd_atomic_open(&w->f, path, err);
    if (st != GD_OK) {
        gd_cache_writer_abort(w);
        return st;
    }
    *out = w;
    return GD_OK;
}

/* The header's place, zeros until commit, written before the first row:
 * not in begin, whose only failure is that the file cannot be created. */
static gd_status start(gd_cache_writer *w, gd_error *err)
{
    static const unsigned char zeros[GD_CACHE_HEADER_SIZE];
    if (w->started)
        return GD_OK;
    w->started = 1;
    return put(w, zeros, sizeof zeros, err);
}

/* Ends the current block: its y after its X (rows only), and its
 * checksum, whose seed is the next one's place in the table. */
static gd_status end_block(gd_cache_writer *w, gd_error *err)
{
    if (w->nsums == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        uint64_t *sums = realloc(w->sums, cap * sizeof *sums);
        if (sums == NULL)
            return gd_error_set(err, GD_ERR_NOMEM, w->f.path, 0, 0, "out of memory");
        w->sums = sums;
        w->cap = cap;
    }
    gd_status st = GD_OK;
    if (w->with_y && w->part == 0) {
        st = put(w, w->ybuf, w->in_block * sizeof *w->ybuf, err);
        gd_hash64_update(&w->sum, w->ybuf, w->in_block * sizeof *w->ybuf);
    }
    w->sums[w->nsums] = gd_hash64_final(&w->sum);
    w->nsums++;
    w->in_block = 0;
    gd_hash64_init(&w->sum, w->nsums);
    return st;
}

gd_status gd_cache_writer_append(gd_cache_writer *w, const double *x, const double *y,
                                 size_t rows, gd_error *err)
{
    assert(w->part == 0);
    gd_status st = start(w, err);
    if (st != GD_OK)
        return st;
    while (rows > 0) {
        size_t take = GD_CACHE_BLOCK_ROWS - w->in_block;
        if (take > rows)
            take = rows;
        size_t bytes = take * w->d * sizeof *x;
        st = put(w, x, bytes, err);
        if (st != GD_OK)
            return st;
        gd_hash64_update(&w->sum, x, bytes);
        if (w->with_y) {
            assert(y != NULL); /* the contract: y is given whenever with_y */
            memcpy(w->ybuf + w->in_block, y, take * sizeof *y);
            y += take;
        }
        x += take * w->d;
        w->in_block += take;
        w->n += take;
        rows -= take;
        if (w->in_block == GD_CACHE_BLOCK_ROWS && (st = end_block(w, err)) != GD_OK)
            return st;
    }
    return GD_OK;
}

gd_status gd_cache_writer_begin_z(gd_cache_writer *w, const gd_scaling *sc,
                                  const gd_cache_extra *extra, gd_error *err)
{
    assert(w->part == 0 && w->n > 0 && w->with_y && sc->d == w->d);
    w->scaling = malloc(GD_CACHE_SCALING_WORDS(w->d) * sizeof *w->scaling);
    if (w->scaling == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, w->f.path, 0, 0, "out of memory");
    gd_cache_scaling_encode(sc, extra, w->scaling);
    gd_status st = w->in_block > 0 ? end_block(w, err) : GD_OK;
    w->part = 1;
    w->zrows = 0;
    return st == GD_OK ? pad_to_page(w, err) : st;
}

/* Appends rows of width doubles to the current standardized part; at its
 * n-th row the part ends (its last block, the padding to a page). */
static gd_status append_part(gd_cache_writer *w, const double *v, size_t width, size_t rows,
                             gd_error *err)
{
    assert(w->zrows + rows <= w->n);
    gd_status st = GD_OK;
    while (rows > 0 && st == GD_OK) {
        size_t take = GD_CACHE_BLOCK_ROWS - w->in_block;
        if (take > rows)
            take = rows;
        size_t bytes = take * width * sizeof *v;
        st = put(w, v, bytes, err);
        gd_hash64_update(&w->sum, v, bytes);
        v += take * width;
        w->in_block += take;
        w->zrows += take;
        rows -= take;
        if (st == GD_OK && (w->in_block == GD_CACHE_BLOCK_ROWS || w->zrows == w->n))
            st = end_block(w, err);
    }
    if (st == GD_OK && w->zrows == w->n) {
        w->part++;
        w->zrows = 0;
        if (w->part == 2)
            st = pad_to_page(w, err);
    }
    return st;
}

gd_status gd_cache_writer_append_zx(gd_cache_writer *w, const double *zx, size_t rows,
                                    gd_error *err)
{
    assert(w->part == 1);
    return append_part(w, zx, w->d, rows, err);
}

gd_status gd_cache_writer_append_zy(gd_cache_writer *w, const double *zy, size_t rows,
                                    gd_error *err)
{
    assert(w->part == 2);
    return append_part(w, zy, 1, rows, err);
}

/* The header of the finished file, checksum included, into page. */
static void fill_header(const gd_cache_writer *w, const gd_cache_key *key, uint64_t meta_size,
                        uint64_t meta_hash, unsigned char page[GD_CACHE_HEADER_SIZE])
{
    cache_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, CACHE_MAGIC, sizeof h.magic);
    h.version = GD_CACHE_VERSION;
    h.bom = CACHE_BOM;
    h.header_size = GD_CACHE_HEADER_SIZE;
    h.double_size = sizeof(double);
    h.n = w->n;
    h.d = w->d;
    h.with_y = (uint64_t)w->with_y;
    h.block_rows = GD_CACHE_BLOCK_ROWS;
    h.nblocks = (h.n + GD_CACHE_BLOCK_ROWS - 1) / GD_CACHE_BLOCK_ROWS;
    h.data_offset = GD_CACHE_HEADER_SIZE;
    cache_layout l = layout_of(h.n, h.d, h.with_y, h.block_rows, w->part == 3);
    h.zx_offset = l.zx;
    h.zy_offset = l.zy;
    h.scaling_offset = l.scaling;
    h.scaling_hash = w->part == 3 ? gd_hash64_bytes(w->scaling,
                                                    GD_CACHE_SCALING_WORDS(w->d) * 8, 0)
                                  : 0;
    h.meta_offset = l.meta;
    h.meta_size = meta_size;
    h.meta_hash = meta_hash;
    h.sums_offset = h.meta_offset + meta_size;
    h.sums_hash = gd_hash64_bytes(w->sums, w->nsums * sizeof *w->sums, 0);
    h.file_size = h.sums_offset + w->nsums * sizeof *w->sums;
    h.source_size = key->source_size;
    h.source_hash = key->source_hash;
    h.options_hash = key->options_hash;
    memset(page, 0, GD_CACHE_HEADER_SIZE);
    memcpy(page, &h, sizeof h);
    h.header_hash = header_checksum(page);
    memcpy(page, &h, sizeof h);
}

/* Everything after the rows, then the header over the placeholder. */
static gd_status write_tail(gd_cache_writer *w, const gd_cache_key *key,
                            const gd_cache_meta *meta, gd_error *err)
{
    /* A standardized section begun but not finished is the caller's bug. */
    assert(w->part == 0 || w->part == 3);
    gd_status st = start(w, err);
    if (st == GD_OK && w->part == 0 && w->in_block > 0)
        st = end_block(w, err);
    if (st == GD_OK && w->part == 3)
        st = put(w, w->scaling, GD_CACHE_SCALING_WORDS(w->d) * 8, err);
    if (st != GD_OK)
        return st;
    gd_cache_buf mb = {0};
    if (gd_cache_meta_encode(meta, w->d, w->with_y, &mb) != 0) {
        free(mb.p);
        return gd_error_set(err, GD_ERR_NOMEM, w->f.path, 0, 0, "out of memory");
    }
    uint64_t meta_hash = gd_hash64_bytes(mb.p, mb.len, 0);
    st = put(w, mb.p, mb.len, err);
    if (st == GD_OK)
        st = put(w, w->sums, w->nsums * sizeof *w->sums, err);
    unsigned char page[GD_CACHE_HEADER_SIZE];
    fill_header(w, key, mb.len, meta_hash, page);
    free(mb.p);
    errno = 0;
    if (st == GD_OK && fflush(w->f.fp) != 0)
        return write_failed(w, err);
    errno = 0;
    if (st == GD_OK && pwrite(fileno(w->f.fp), page, sizeof page, 0) != (ssize_t)sizeof page)
        return write_failed(w, err);
    return st;
}

static void writer_free(gd_cache_writer *w)
{
    free(w->ybuf);
    free(w->sums);
    free(w->scaling);
    free(w);
}

gd_status gd_cache_writer_commit(gd_cache_writer *w, const gd_cache_key *key,
                                 const gd_cache_meta *meta, gd_error *err)
{
    assert(w->n > 0);
    gd_status st = write_tail(w, key, meta, err);
    if (st != GD_OK) {
        gd_cache_writer_abort(w);
        return st;
    }
    st = gd_atomic_commit(&w->f, err);
    writer_free(w);
    return st;
}

void gd_cache_writer_abort(gd_cache_writer *w)
{
    if (w == NULL)
        return;
    gd_atomic_abort(&w->f);
    writer_free(w);
}

gd_status gd_cache_writer_commit_dataset(gd_cache_writer *w, const gd_dataset *ds,
                                         const gd_load_report *rep, const gd_cache_key *key,
                                         gd_error *err)
{
    gd_cache_meta *meta = calloc(1, sizeof *meta);
    if (meta == NULL) {
        gd_status st = gd_error_set(err, GD_ERR_NOMEM, w->f.path, 0, 0, "out of memory");
        gd_cache_writer_abort(w);
        return st;
    }
    meta->target = ds->target_name;
    meta->features = ds->feature_names;
    meta->encoding = ds->encoding;
    if (rep != NULL)
        meta->report = *rep;
    gd_status st = gd_cache_writer_commit(w, key, meta, err);
    free(meta);
    return st;
}

/* The standardized section of ds's rows, ds unchanged: the statistics,
 * then the z-scores of a few blocks at a time through a buffer (y's all
 * kept, to follow X's). A column the statistics cannot take (GD_ERR_DATA)
 * leaves the cache without the section: a run that standardizes fails on
 * it anyway. */
static gd_status write_z_of(gd_cache_writer *w, const gd_dataset *ds, gd_error *err)
{
    enum { PIECE = 16 * GD_STATS_BLOCK };
    gd_scaling sc;
    gd_error why;
    gd_status st = gd_stats_scaling(ds, &sc, &why);
    if (st == GD_ERR_DATA)
        return GD_OK;
    if (st != GD_OK) {
        *err = why;
        return st;
    }
    size_t piece = ds->n < PIECE ? ds->n : PIECE;
    double *zx = malloc(piece * ds->d * sizeof *zx + 1), *zy = malloc(ds->n * sizeof *zy);
    st = zx == NULL || zy == NULL
             ? gd_error_set(err, GD_ERR_NOMEM, w->f.path, 0, 0, "out of memory")
             : gd_cache_writer_begin_z(w, &sc, NULL, err);
    for (size_t at = 0; at < ds->n && st == GD_OK; at += piece) {
        size_t rows = ds->n - at < piece ? ds->n - at : piece;
        memcpy(zx, ds->x + at * ds->d, rows * ds->d * sizeof *zx);
        memcpy(zy + at, ds->y + at, rows * sizeof *zy);
        gd_stats_apply(&sc, zx, zy + at, rows, NULL);
        st = gd_cache_writer_append_zx(w, zx, rows, err);
    }
    if (st == GD_OK)
        st = gd_cache_writer_append_zy(w, zy, ds->n, err);
    free(zx);
    free(zy);
    gd_scaling_free(&sc);
    return st;
}

gd_status gd_cache_write_rows(gd_cache_writer *w, const gd_dataset *ds,
                              const gd_load_report *rep, const gd_cache_key *key,
                              gd_error *err)
{
    gd_status st = gd_cache_writer_append(w, ds->x, ds->y, ds->n, err);
    if (st == GD_OK && ds->y != NULL)
        st = write_z_of(w, ds, err);
    if (st != GD_OK) {
        gd_cache_writer_abort(w);
        return st;
    }
    return gd_cache_writer_commit_dataset(w, ds, rep, key, err);
}

gd_status gd_cache_write(const char *path, const gd_dataset *ds, const gd_load_report *rep,
                         const gd_cache_key *key, gd_error *err)
{
    gd_cache_writer *w;
    gd_status st = gd_cache_writer_begin(&w, path, ds->d, ds->y != NULL, err);
    return st == GD_OK ? gd_cache_write_rows(w, ds, rep, key, err) : st;
}

/* ---------------------------------------------------------------- reader */

/* Reads exactly bytes at offset; 0, or -1 with errno (0 for a short file). */
static int read_at(int fd, void *buf, size_t bytes, uint64_t offset)
{
    unsigned char *p = buf;
    while (bytes > 0) {
        ssize_t got = pread(fd, p, bytes, (off_t)offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0)
                errno = 0;
            return -1;
        }
        p += got;
        bytes -= (size_t)got;
        offset += (uint64_t)got;
    }
    return 0;
}

static gd_status bad(const gd_cache_reader *r, gd_error *err, const char *what)
{
    return gd_error_set(err, GD_ERR_DATA, r->path, 0, 0, "%s", what);
}

static gd_status read_failed(const gd_cache_reader *r, gd_error *err)
{
    if (errno == 0)
        return bad(r, err, "truncated: the file ends early");
    return gd_error_set(err, GD_ERR_IO, r->path, 0, 0, "cannot read: %s", strerror(errno));
}

/* The header's identity: magic, byte order, version, checksum. */
static gd_status check_identity(const gd_cache_reader *r, const cache_header *h,
                                const unsigned char *page, gd_error *err)
{
    if (memcmp(h->magic, CACHE_MAGIC, sizeof h->magic) != 0)
        return bad(r, err, "not a gdtrain cache: it does not start with GDTCACHE");
    if (h->bom == CACHE_BOM_SWAPPED)
        return bad(r, err, "written on a machine of the other byte order");
    if (h->bom != CACHE_BOM)
        return bad(r, err, "bad byte-order mark");
    if (h->version != GD_CACHE_VERSION)
        return gd_error_set(err, GD_ERR_DATA, r->path, 0, 0,
                            "cache format version %llu; this gdtrain reads version %d",
                            (unsigned long long)h->version, GD_CACHE_VERSION);
    if (h->header_hash != header_checksum(page))
        return bad(r, err, "the header's checksum does not match: the header is damaged");
    return GD_OK;
}

/* The header's numbers agree with each other and with the file's size. */
static gd_status check_layout(const gd_cache_reader *r, const cache_header *h,
                              uint64_t actual_size, gd_error *err)
{
    if (h->header_size != GD_CACHE_HEADER_SIZE || h->double_size != sizeof(double) ||
        h->with_y > 1 || h->block_rows == 0 || h->n == 0 ||
        h->data_offset != GD_CACHE_HEADER_SIZE)
        return bad(r, err, "the header's sizes are not those of this format");
    uint64_t w = row_words(h->d, h->with_y);
    if (h->nblocks != (h->n - 1) / h->block_rows + 1 || w == 0 || h->d > UINT32_MAX ||
        h->n > (UINT64_MAX / 4 - h->data_offset) / 8 / (w + 1))
        return bad(r, err, "the header's row and block counts disagree");
    int has_z = h->zx_offset != 0;
    cache_layout l = layout_of(h->n, h->d, h->with_y, h->block_rows, has_z);
    if ((has_z && !h->with_y) || h->zx_offset != l.zx || h->zy_offset != l.zy ||
        h->scaling_offset != l.scaling || h->meta_offset != l.meta ||
        h->sums_offset != h->meta_offset + h->meta_size || h->sums_offset < h->meta_offset ||
        h->file_size != h->sums_offset + l.nsums * 8)
        return bad(r, err, "the header's offsets disagree");
    if (actual_size != h->file_size)
        return gd_error_set(err, GD_ERR_DATA, r->path, 0, 0,
                            "%s: %llu bytes, the header says %llu",
                            actual_size < h->file_size ? "truncated" : "too long",
                            (unsigned long long)actual_size,
                            (unsigned long long)h->file_size);
    return GD_OK;
}

void gd_cache_scaling_encode(const gd_scaling *sc, const gd_cache_extra *extra,
                             uint64_t *words)
{
    size_t d = sc->d;
    int have = extra != NULL && extra->have;
    words[3 * d + 3] = (uint64_t)have;
    if (have)
        memcpy(words + 3 * d + 4, extra->words, sizeof extra->words);
    else
        memset(words + 3 * d + 4, 0, sizeof extra->words);
    memcpy(words, sc->x_mean, d * 8);
    memcpy(words + d, sc->x_std, d * 8);
    for (size_t j = 0; j < d; j++)
        words[2 * d + j] = sc->constant[j] != 0;
    memcpy(words + 3 * d, &sc->y_mean, 8);
    memcpy(words + 3 * d + 1, &sc->y_std, 8);
    words[3 * d + 2] = sc->y_constant != 0;
}

/* The statistics of the standardized section, checked against their hash.
 * Nothing to do without the section. */
static gd_status read_scaling(gd_cache_reader *r, const cache_header *h, gd_error *err)
{
    if (h->zx_offset == 0)
        return GD_OK;
    size_t d = (size_t)h->d, words = GD_CACHE_SCALING_WORDS(d);
    uint64_t *v = malloc(words * sizeof *v);
    gd_scaling *sc = &r->scaling;
    sc->x_mean = malloc(d * sizeof *sc->x_mean + 1);
    sc->x_std = malloc(d * sizeof *sc->x_std + 1);
    sc->constant = malloc(d + 1);
    sc->d = d;
    gd_status st = GD_OK;
    if (v == NULL || sc->x_mean == NULL || sc->x_std == NULL || sc->constant == NULL)
        st = gd_error_set(err, GD_ERR_NOMEM, r->path, 0, 0, "out of memory");
    else if (read_at(r->fd, v, words * 8, h->scaling_offset) != 0)
        st = read_failed(r, err);
    else if (gd_hash64_bytes(v, words * 8, 0) != h->scaling_hash)
        st = bad(r, err, "the standardization statistics' checksum does not match");
    if (st == GD_OK) {
        memcpy(sc->x_mean, v, d * 8);
        memcpy(sc->x_std, v + d, d * 8);
        for (size_t j = 0; j < d; j++)
            sc->constant[j] = v[2 * d + j] != 0;
        memcpy(&sc->y_mean, v + 3 * d, 8);
        memcpy(&sc->y_std, v + 3 * d + 1, 8);
        sc->y_constant = v[3 * d + 2] != 0;
        r->extra.have = v[3 * d + 3] != 0;
        memcpy(r->extra.words, v + 3 * d + 4, sizeof r->extra.words);
        r->has_z = 1;
        r->zx_offset = h->zx_offset;
        r->zy_offset = h->zy_offset;
    }
    free(v);
    return st;
}

/* The metadata and the checksum table, checked against their hashes. */
static gd_status read_tables(gd_cache_reader *r, const cache_header *h, gd_error *err)
{
    size_t nsums = (size_t)((h->file_size - h->sums_offset) / 8);
    unsigned char *mp = malloc(h->meta_size ? h->meta_size : 1);
    r->sums = malloc(nsums * sizeof *r->sums);
    gd_status st = GD_OK;
    int decoded;
    if (mp == NULL || r->sums == NULL)
        /* NOLINTNEXTLINE(bugprone-branch-clone): decoding can run out of memory too */
        st = gd_error_set(err, GD_ERR_NOMEM, r->path, 0, 0, "out of memory");
    else if (read_at(r->fd, mp, h->meta_size, h->meta_offset) != 0 ||
             read_at(r->fd, r->sums, nsums * 8, h->sums_offset) != 0)
        st = read_failed(r, err);
    else if (gd_hash64_bytes(mp, h->meta_size, 0) != h->meta_hash)
        st = bad(r, err, "the metadata's checksum does not match");
    else if (gd_hash64_bytes(r->sums, nsums * 8, 0) != h->sums_hash)
        st = bad(r, err, "the block checksum table's checksum does not match");
    else if ((decoded = gd_cache_meta_decode(&r->meta, mp, h->meta_size, h->d,
                                             (int)h->with_y)) == -2)
        st = gd_error_set(err, GD_ERR_NOMEM, r->path, 0, 0, "out of memory");
    else if (decoded != 0)
        st = bad(r, err, "the metadata is malformed");
    free(mp);
    return st;
}

gd_status gd_cache_reader_open(gd_cache_reader *r, const char *path, int *errno_out,
                               gd_error *err)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    if (errno_out != NULL)
        *errno_out = 0;
    r->path = malloc(strlen(path) + 1);
    if (r->path == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, path, 0, 0, "out of memory");
    memcpy(r->path, path, strlen(path) + 1);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (r->fd < 0 || fstat(r->fd, &sb) != 0) {
        int e = errno;
        if (errno_out != NULL)
            *errno_out = e;
        return gd_error_set(err, GD_ERR_IO, path, 0, 0, "cannot open: %s", strerror(e));
    }
    if (!S_ISREG(sb.st_mode))
        return bad(r, err, "not a regular file");
    unsigned char page[GD_CACHE_HEADER_SIZE];
    if ((uint64_t)sb.st_size < sizeof page)
        return bad(r, err, "truncated: shorter than a header");
    if (read_at(r->fd, page, sizeof page, 0) != 0)
        return read_failed(r, err);
    cache_header h;
    memcpy(&h, page, sizeof h);
    gd_status st = check_identity(r, &h, page, err);
    if (st == GD_OK)
        st = check_layout(r, &h, (uint64_t)sb.st_size, err);
    /* The statistics first: a failure after the metadata is decoded would
     * leave its names to a close that does not know d yet. */
    if (st == GD_OK)
        st = read_scaling(r, &h, err);
    if (st == GD_OK)
        st = read_tables(r, &h, err);
    if (st != GD_OK)
        return st;
    r->n = (size_t)h.n;
    r->d = (size_t)h.d;
    r->with_y = (int)h.with_y;
    r->block_rows = (size_t)h.block_rows;
    r->nblocks = (size_t)h.nblocks;
    r->file_size = h.file_size;
    r->key.source_size = h.source_size;
    r->key.source_hash = h.source_hash;
    r->key.options_hash = h.options_hash;
    return GD_OK;
}

size_t gd_cache_block_size(const gd_cache_reader *r, size_t b)
{
    assert(b < r->nblocks);
    size_t first = b * r->block_rows;
    return r->n - first < r->block_rows ? r->n - first : r->block_rows;
}

/* Where block b starts in the file, and its bytes of X and of y. */
static uint64_t block_place(const gd_cache_reader *r, size_t b, size_t *xbytes,
                            size_t *ybytes)
{
    size_t rows = gd_cache_block_size(r, b);
    *xbytes = rows * r->d * sizeof(double);
    *ybytes = r->with_y ? rows * sizeof(double) : 0;
    return GD_CACHE_HEADER_SIZE +
           (uint64_t)b * r->block_rows * row_words(r->d, (uint64_t)r->with_y) * 8;
}

/* Block b's X and y as read, against its checksum. */
static gd_status check_block(const gd_cache_reader *r, size_t b, const double *x,
                             size_t xbytes, const double *y, size_t ybytes, gd_error *err)
{
    gd_hash64 h;
    gd_hash64_init(&h, b);
    gd_hash64_update(&h, x, xbytes);
    if (ybytes > 0)
        gd_hash64_update(&h, y, ybytes);
    if (gd_hash64_final(&h) != r->sums[b])
        return gd_error_set(err, GD_ERR_DATA, r->path, 0, 0,
                            "block %zu of %zu: its checksum does not match", b + 1,
                            r->nblocks);
    return GD_OK;
}

gd_status gd_cache_read_block(const gd_cache_reader *r, size_t b, double *x, double *y,
                              gd_error *err)
{
    size_t xbytes, ybytes;
    uint64_t at = block_place(r, b, &xbytes, &ybytes);
    if (read_at(r->fd, x, xbytes, at) != 0 ||
        (ybytes > 0 && read_at(r->fd, y, ybytes, at + xbytes) != 0))
        return read_failed(r, err);
    return check_block(r, b, x, xbytes, y, ybytes, err);
}

gd_status gd_cache_copy_block(const gd_cache_reader *r, const void *map, size_t b, double *x,
                              double *y, gd_error *err)
{
    size_t xbytes, ybytes;
    const unsigned char *at = (const unsigned char *)map + block_place(r, b, &xbytes, &ybytes);
    memcpy(x, at, xbytes);
    if (ybytes > 0)
        memcpy(y, at + xbytes, ybytes);
    return check_block(r, b, x, xbytes, y, ybytes, err);
}

void gd_cache_reader_close(gd_cache_reader *r)
{
    if (r == NULL)
        return;
    if (r->path != NULL && r->fd >= 0) /* a zeroed struct has fd 0 and no path */
        close(r->fd);
    free(r->path);
    free(r->sums);
    gd_scaling_free(&r->scaling);
    gd_cache_meta_free(&r->meta, r->d);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}
