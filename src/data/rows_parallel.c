/*
 * rows_parallel: the rows of a regular file, read in parallel (see load.h).
 *
 * The file is read with pread at chosen offsets, never kept whole:
 *  1. The data (after the header, without trailing empty lines) is cut into
 *     chunks of about DS_CHUNK bytes that end just after a newline.
 *  2. Pass 1, in parallel: each chunk counts its newlines. Their prefix
 *     sums give every chunk its first row and line, and the total gives the
 *     number of rows, so X and y are allocated once, at their final size.
 *  3. Pass 2, in parallel: each chunk parses its lines straight into its
 *     rows of X and y. A plain line (unquoted fields, LF or CRLF) is parsed
 *     in place; anything else (a quote, an empty line, a bad cell, a NUL, a
 *     bare CR, a ragged row) is re-read on its own by a csv reader over
 *     that line's bytes, which stores its cells or gives the exact error
 *     with the file's line and column. A chunk stops at its first error;
 *     chunks after the first failing one are skipped, chunks before it run
 *     to their end, so the first error in file order is the one reported.
 * Every line is one record here. That is wrong only when a quoted field
 * spans lines, and then the line that opens it fails as an unterminated
 * quote, before or at the first error found. So when the first error comes
 * from a line holding a quote, the rows are read again by the sequential
 * path, which settles everything (into the same X and y: a file has no more
 * records than lines). So they are too after any error in the data under
 * the encoding rules, for the sequential path's report of every problem.
 */
#include "data/load.h"

#include <assert.h>
#include <errno.h>
#include <float.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/parallel.h"
#include "io/numparse.h"


enum {
    DS_CHUNK = 1 << 20,   /* nominal bytes per chunk: a pread, parsed from cache */
    DS_WINDOW = 1 << 16,  /* bytes per pread when looking for a line end */
    DS_SLACK = 8          /* zero bytes after a chunk in its buffer (a NUL) */
};

/* One chunk of the data: whole lines [begin, end) of the file. */
typedef struct ds_chunk {
    size_t begin, end;    /* file offsets */
    size_t lines;         /* pass 1: newline bytes in it */
    size_t first_row;     /* row of its first line */
    gd_status st;         /* pass 2: GD_OK or its first error, in err */
    int quoted;           /* that error's line holds a quote */
    int worker;           /* pass 2: the worker (cells sink) that parsed it */
    gd_error err;
} ds_chunk;

/* Per thread scratch of pass 1 and 2. */
typedef struct ds_worker {
    char *buf;            /* a chunk's bytes and DS_SLACK zero bytes */
    size_t cap;           /* bytes allocated */
    gd_csv_reader *reader; /* memory reader for lines read alone, or NULL */
} ds_worker;

typedef struct ds_par {
    ds_load *c;
    int fd;
    const char *file;
    long first_line;       /* line of row 0 */
    ds_chunk *chunks;
    size_t nchunks;
    ds_worker *workers;    /* (threads) */
    unsigned char stop[256]; /* bytes that end a plain field */
    atomic_size_t first_bad; /* lowest chunk with an error so far, or SIZE_MAX */
    int last_part;         /* the chunks end where the data ends (always, unless
                              reading a part of the data) */
} ds_par;

enum { DS_SHORT = -1 }; /* ds_pread: the file ended before the bytes asked for */

/* Reads exactly len bytes at offset off. 0, an errno value, or DS_SHORT when
 * the file ended early: it was cut after its size was taken. */
static int ds_pread(int fd, char *buf, size_t len, size_t off)
{
    while (len > 0) {
        ssize_t got = pread(fd, buf, len, (off_t)off);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return errno != 0 ? errno : EIO;
        }
        if (got == 0)
            return DS_SHORT;
        buf += got;
        len -= (size_t)got;
        off += (size_t)got;
    }
    return 0;
}

static gd_status ds_read_error(const char *file, int e, gd_error *err)
{
    if (e == DS_SHORT)
        return gd_error_set(err, GD_ERR_IO, file, 0, 0,
                            "cannot read: the file is shorter than when loading began "
                            "(was it truncated while being read?)");
    return gd_error_set(err, GD_ERR_IO, file, 0, 0, "cannot read: %s", strerror(e));
}

/* The end of the data: the file size less the empty lines (LF or CRLF) at
 * its end, which the csv reader drops too. Not before start. */
static gd_status ds_data_end(int fd, size_t start, size_t size, const char *file,
                             size_t *out, gd_error *err)
{
    char buf[4096];
    size_t end = size;
    while (end > start) {
        size_t lo = end - start > sizeof buf ? end - sizeof buf : start;
        int e = ds_pread(fd, buf, end - lo, lo);
        if (e != 0)
            return ds_read_error(file, e, err);
        size_t k = end; /* trimmed end, absolute */
        while (k > lo && buf[k - 1 - lo] == '\n') {
            if (k - 1 > lo) {
                k -= buf[k - 2 - lo] == '\r' ? 2 : 1;
            } else if (lo > start) {
                break; /* a CR before it would be outside buf: read again from k */
            } else {
                k -= 1;
            }
        }
        if (k == end || (k > lo && buf[k - 1 - lo] != '\n')) {
            end = k;
            break;
        }
        end = k;
    }
    *out = end;
    return GD_OK;
}

/* Offset just past the first newline at or after pos (< end), or end if
 * there is none. */
static gd_status ds_line_end(int fd, size_t pos, size_t end, const char *file,
                             size_t *out, gd_error *err)
{
    char buf[DS_WINDOW];
    while (pos < end) {
        size_t len = end - pos < sizeof buf ? end - pos : sizeof buf;
        int e = ds_pread(fd, buf, len, pos);
        if (e != 0)
            return ds_read_error(file, e, err);
        const char *nl = memchr(buf, '\n', len);
        if (nl != NULL) {
            *out = pos + (size_t)(nl - buf) + 1;
            return GD_OK;
        }
        pos += len;
    }
    *out = end;
    return GD_OK;
}

/* Cuts [start, end) into chunks of whole lines, each at least DS_CHUNK bytes
 * but the last. */
static gd_status ds_make_chunks(ds_par *P, size_t start, size_t end, gd_error *err)
{
    size_t cap = (end - start) / DS_CHUNK + 2, n = 0;
    P->chunks = calloc(cap, sizeof *P->chunks);
    if (P->chunks == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, P->file, 0, 0, "out of memory");
    size_t pos = start;
    while (pos < end) {
        size_t b = end;
        if (end - pos > DS_CHUNK) {
            gd_status st = ds_line_end(P->fd, pos + DS_CHUNK - 1, end, P->file, &b, err);
            if (st != GD_OK)
                return st;
        }
        assert(n < cap && b > pos);
        P->chunks[n].begin = pos;
        P->chunks[n].end = b;
        n++;
        pos = b;
    }
    P->nchunks = n;
    return GD_OK;
}

/* Reads chunk ch into the worker's buffer, followed by DS_SLACK zero bytes. */
static int ds_chunk_read(ds_par *P, const ds_chunk *ch, ds_worker *w, gd_error *err)
{
    size_t len = ch->end - ch->begin;
    if (w->cap < len + DS_SLACK) {
        char *b = realloc(w->buf, len + DS_SLACK);
        if (b == NULL) {
            gd_error_set(err, GD_ERR_NOMEM, P->file, 0, 0, "out of memory");
            return -1;
        }
        w->buf = b;
        w->cap = len + DS_SLACK;
    }
    int e = ds_pread(P->fd, w->buf, len, ch->begin);
    if (e != 0) {
        ds_read_error(P->file, e, err);
        return -1;
    }
    memset(w->buf + len, 0, DS_SLACK); /* the NUL, and defined bytes after it */
    return 0;
}

/* The number of LF bytes in p[0..len). Eight bytes at a time: a byte of
 * t = word ^ "\n\n\n\n\n\n\n\n" is zero exactly where the word has a LF,
 * and ~(((t & 0x7f..) + 0x7f..) | t) has its top bit set exactly there. */
static size_t ds_count_lf(const char *p, size_t len)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
    size_t count = 0, i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t word;
        memcpy(&word, p + i, 8);
        uint64_t t = word ^ (ones * '\n');
        uint64_t lf = ~(((t & low7) + low7) | t | low7); /* 0x80 per LF byte */
        count += (size_t)(((lf >> 7) * ones) >> 56);
    }
    for (; i < len; i++)
        count += p[i] == '\n';
    return count;
}

static void ds_chunk_fail(ds_par *P, size_t t, gd_status st, int quoted)
{
    P->chunks[t].st = st;
    P->chunks[t].quoted = quoted;
    size_t seen = atomic_load(&P->first_bad);
    while (t < seen && !atomic_compare_exchange_weak(&P->first_bad, &seen, t))
        ;
}

/* Fails chunk t because its lines are not those counted in pass 1. */
static void ds_chunk_changed(ds_par *P, size_t t, gd_error *err)
{
    gd_error_set(err, GD_ERR_IO, P->file, 0, 0,
                 "cannot read: the file changed while it was being read (the %zu "
                 "bytes from offset %zu hold a different number of lines than a "
                 "moment ago)", P->chunks[t].end - P->chunks[t].begin,
                 P->chunks[t].begin);
    ds_chunk_fail(P, t, GD_ERR_IO, 0);
}

/* Pass 1 task: counts the newlines of chunk t. */
static void ds_count_task(void *ctx, size_t t, int worker)
{
    ds_par *P = ctx;
    ds_chunk *ch = &P->chunks[t];
    if (t > atomic_load(&P->first_bad))
        return;
    if (ds_chunk_read(P, ch, &P->workers[worker], &ch->err) != 0) {
        ds_chunk_fail(P, t, ch->err.status, 0);
        return;
    }
    ch->lines = ds_count_lf(P->workers[worker].buf, ch->end - ch->begin);
}

/* Clinger's fast path needs double arithmetic without excess precision
 * (not x87). */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define DS_CLINGER 1
#else
#define DS_CLINGER 0
#endif

/* Powers of ten that are exact doubles (5^22 < 2^53). */
static const double ds_pow10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parses the line at p as a plain line into row `row`: unquoted fields, as
 * many as the header's, the selected ones numbers, ending in LF, CRLF or,
 * for the input's last line, at end (where the buffer holds a NUL).
 * Returns the start of the next line, or NULL if the line is not plain or a
 * cell is not a number (then the general reader must look at it).
 *
 * A cell of the common shape [-]digits[.digits], at most 19 digits, is read
 * while it is scanned: its digits as an integer w, and when w <= 2^53 and
 * there are at most 22 decimals, w / 10^decimals is one correctly rounded
 * division of exact doubles (Clinger's fast path, as numparse's first
 * tier): the same bits as strtod. Any other cell goes to numparse whole.
 *
 * Two other designs were measured and were slower on the machine this was
 * tuned on (a 2-CPU Xeon VM): reading a cell 8 bytes at a time without a
 * loop (finding where a cell ends then sits on the chain of dependent
 * operations from one cell to the next), and cutting fields at the bits of
 * a separator bitmap built with SSE2 for the whole chunk (1.4x slower). */
static const char *ds_plain_line(const ds_load *c, const unsigned char *stop,
                                 const char *p, const char *end, size_t row)
{
    double *xrow = c->x + row * c->d;
    const size_t h = c->h, d = c->d;
    const char delim = c->delim;
    for (size_t col = 0;; col++) {
        const char *s = p;
        const size_t dst = c->dest[col];
        if (c->slow != NULL && c->slow[col])
            return NULL; /* every cell through the cells rules */
        if (dst == DS_SKIP) {
            while (!stop[(unsigned char)*p])
                p++;
        } else {
            double v;
            const int neg = *p == '-';
            p += neg;
            const char *digits = p;
            uint64_t w = 0;
            while ((unsigned)(*p - '0') < 10)
                w = w * 10 + (uint64_t)(*p++ - '0');
            size_t ndig = (size_t)(p - digits), nfrac = 0;
            if (*p == '.') {
                const char *frac = ++p;
                while ((unsigned)(*p - '0') < 10)
                    w = w * 10 + (uint64_t)(*p++ - '0');
                nfrac = (size_t)(p - frac);
                ndig += nfrac;
            }
            if (DS_CLINGER && stop[(unsigned char)*p] && ndig - 1 < 19 &&
                w <= (UINT64_C(1) << 53) && nfrac <= 22) {
                v = (double)w;
                if (nfrac > 0)
                    v /= ds_pow10[nfrac];
                if (neg)
                    v = -v;
            } else {
                while (!stop[(unsigned char)*p])
                    p++;
                size_t len = (size_t)(p - s);
                if (len > 0 && (ds_is_blank(s[0], delim) || ds_is_blank(s[len - 1], delim)))
                    ds_trim(&s, &len, delim);
                double parsed;
                if (gd_numparse(s, len, &parsed) != GD_NUM_OK)
                    return NULL;
                v = parsed;
            }
            if (dst < d)
                xrow[dst] = v;
            else
                c->y[row] = v;
        }
        const char ch = *p;
        if (ch == delim) {
            if (col + 1 == h)
                return NULL; /* too many fields */
            p++;
            continue;
        }
        if (col + 1 != h)
            return NULL; /* too few fields, or a quote, CR or NUL */
        if (ch == '\n')
            return p + 1;
        if (ch == '\r' && p[1] == '\n')
            return p + 2;
        if (ch == '\0' && p == end)
            return p;
        return NULL;
    }
}

/* Reads the line p[0..len) (with its line end, if any) on its own with a
 * csv reader, as line `line` of the file, into row `row`. */
static gd_status ds_general_line(ds_par *P, ds_worker *w, const char *p, size_t len,
                                 long line, size_t row, gd_error *err)
{
    const ds_load *c = P->c;
    gd_status st;
    if (w->reader == NULL) {
        st = gd_csv_open_memory(&w->reader, p, len, P->file, c->delim, line, err);
        if (st != GD_OK)
            return st;
    } else {
        gd_csv_reset_memory(w->reader, p, len, line);
    }
    const gd_csv_field *f;
    size_t nf;
    if ((st = gd_csv_next(w->reader, &f, &nf, err)) != GD_OK)
        return st;
    if (nf == 0) {
        /* An empty line, which the reader takes for the end of its input:
         * in the middle of a file it is a record of one empty field. */
        static const char empty[1] = "";
        gd_csv_field e = {empty, 0, line, 1, 0};
        return gd_ds_record(c, (int)(w - P->workers), &e, 1, row, err);
    }
    return gd_ds_record(c, (int)(w - P->workers), f, nf, row, err);
}

/* Pass 2 task: parses the lines of chunk t into their rows. */
static void ds_parse_task(void *ctx, size_t t, int worker)
{
    ds_par *P = ctx;
    ds_chunk *ch = &P->chunks[t];
    ds_worker *w = &P->workers[worker];
    ch->worker = worker;
    if (t > atomic_load(&P->first_bad))
        return;
    if (ds_chunk_read(P, ch, w, &ch->err) != 0) {
        ds_chunk_fail(P, t, ch->err.status, 0);
        return;
    }
    const char *p = w->buf, *end = w->buf + (ch->end - ch->begin);
    /* Pass 1 counted this chunk's lines and X has room for exactly those. If
     * the file was rewritten since, the lines differ: more would be written
     * past the chunk's rows, fewer would leave rows unset. */
    size_t row = ch->first_row;
    const size_t row_end = ch->first_row + ch->lines + (t + 1 == P->nchunks && P->last_part);
    while (p < end) {
        if (row == row_end) {
            ds_chunk_changed(P, t, &ch->err);
            return;
        }
        const char *next = ds_plain_line(P->c, P->stop, p, end, row);
        if (next == NULL) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            next = nl != NULL ? nl + 1 : end;
            gd_status st = ds_general_line(P, w, p, (size_t)(next - p),
                                           P->first_line + (long)row, row, &ch->err);
            if (st != GD_OK) {
                ds_chunk_fail(P, t, st, memchr(p, '"', (size_t)(next - p)) != NULL);
                return;
            }
        }
        p = next;
        row++;
    }
    if (row != row_end)
        ds_chunk_changed(P, t, &ch->err);
}

/* The part of the data [*start, *end) that c->part of c->parts reads: the
 * byte ranges split it evenly, each boundary moved to just after the next
 * newline (neighbouring parts find the same one). Only the last part ends
 * inside a line (the data's last line, without its newline). */
static gd_status ds_part(ds_par *P, size_t *start, size_t *end, gd_error *err)
{
    ds_load *c = P->c;
    const size_t s = *start, e = *end, len = e - s;
    size_t bound[2];
    for (int k = 0; k < 2; k++) {
        size_t part = c->part + (size_t)k;
        /* len * part / parts without overflow: len < SIZE_MAX / 2 */
        size_t pos = s + (size_t)((double)len * (double)part / (double)c->parts);
        if (part >= c->parts || pos >= e)
            bound[k] = e;
        else if (pos == s)
            bound[k] = s;
        else {
            gd_status st = ds_line_end(P->fd, pos - 1, e, P->file, &bound[k], err);
            if (st != GD_OK)
                return st;
        }
    }
    *start = bound[0];
    *end = bound[1] > bound[0] ? bound[1] : bound[0];
    P->last_part = *end == e;
    c->part_empty = *end == *start;
    if (c->part_range != NULL) {
        c->part_range[0] = *start;
        c->part_range[1] = *end;
    }
    return GD_OK;
}

/* Stage 1: whether the input can be read at chosen offsets (a regular file
 * that has not shrunk since the reader opened it), and where its data ends;
 * cuts the data into chunks. Sets *fallback when the sequential path must
 * read the rows instead; leaves P->nchunks 0 when there are no data rows. */
static gd_status ds_par_begin(ds_par *P, gd_csv_reader *r, ds_load *c, int *fallback,
                              gd_error *err)
{
    struct stat sb;
    FILE *f = gd_csv_stream(r);
    *fallback = 1;
    if (f == NULL || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) ||
        sb.st_size < 0 || (uintmax_t)sb.st_size > SIZE_MAX / 2)
        return GD_OK;
    long long offset;
    gd_csv_position(r, &offset, &P->first_line);
    P->c = c;
    P->fd = fileno(f);
    P->file = c->file;
    P->last_part = 1;
    atomic_init(&P->first_bad, SIZE_MAX);
    size_t size = (size_t)sb.st_size, start = (size_t)offset, end = 0;
    /* The reader took the file's size when it opened it; the rows are read
     * from the file as it is now, so it must not have shrunk since. */
    if ((long long)size < gd_csv_size(r)) {
        *fallback = 0;
        return ds_read_error(P->file, DS_SHORT, err);
    }
    if (start > size)
        return GD_OK; /* only if the reader knows no size: let it see the end */
    gd_status st = ds_data_end(P->fd, start, size, P->file, &end, err);
    if (st != GD_OK)
        return st;
    *fallback = 0;
    if (end <= start)
        return GD_OK; /* no data rows */
    if (c->parts > 1 && (st = ds_part(P, &start, &end, err)) != GD_OK)
        return st;
    return ds_make_chunks(P, start, end, err);
}

/* Stage 2 (pass 1): counts every chunk's lines, gives each its first row,
 * and allocates X and y for all the rows. Sets *rows. */
static gd_status ds_par_count(ds_par *P, gd_pool *pool, gd_dataset *ds, int with_y,
                              size_t *rows, gd_error *err)
{
    gd_pool_run(pool, ds_count_task, P, P->nchunks);
    size_t total = 0;
    for (size_t t = 0; t < P->nchunks; t++) {
        if (P->chunks[t].st != GD_OK) {
            *err = P->chunks[t].err;
            return P->chunks[t].st;
        }
        P->chunks[t].first_row = total;
        total += P->chunks[t].lines;
    }
    if (P->last_part)
        total++; /* the last line has no newline: it ends at end */
    if (gd_ds_resize(ds, P->c, with_y, total) != 0)
        return gd_error_set(err, GD_ERR_NOMEM, P->file, 0, 0, "out of memory");
    *rows = total;
    return GD_OK;
}

/* Stage 3 (pass 2): parses every chunk into its rows. The first failing
 * chunk in file order decides: an error, or *fallback when its failing line
 * holds a quote (perhaps a quoted field spanning lines). */
static gd_status ds_par_parse(ds_par *P, gd_pool *pool, int *fallback, gd_error *err)
{
    P->stop[0] = 1;
    P->stop['\n'] = 1;
    P->stop['\r'] = 1;
    P->stop['"'] = 1;
    P->stop[(unsigned char)P->c->delim] = 1;
    gd_pool_run(pool, ds_parse_task, P, P->nchunks);
    for (size_t t = 0; t < P->nchunks; t++) {
        if (P->chunks[t].st == GD_OK)
            continue;
        /* With the encoding rules, the sequential path lists every
         * problem of the rows in one report, which these chunks, each
         * stopped at its first, cannot. A part of the rows has no
         * sequential path (it would read the whole file): its first
         * problem is the report. */
        if (P->c->parts <= 1 &&
            (P->chunks[t].quoted || (P->c->cells != NULL && P->chunks[t].st == GD_ERR_DATA))) {
            *fallback = 1;
            return GD_OK;
        }
        *err = P->chunks[t].err;
        return P->chunks[t].st;
    }
    return GD_OK;
}

/* Which worker's dictionaries hold each chunk's texts. */
static gd_status ds_par_spans(const ds_par *P, gd_cells_span **spans, size_t *nspans,
                              gd_error *err)
{
    *spans = malloc(P->nchunks * sizeof **spans);
    if (*spans == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, P->file, 0, 0, "out of memory");
    for (size_t t = 0; t < P->nchunks; t++)
        (*spans)[t] = (gd_cells_span){P->chunks[t].first_row, P->chunks[t].worker};
    *nspans = P->nchunks;
    return GD_OK;
}

gd_status gd_ds_rows_parallel(gd_csv_reader *r, ds_load *c, gd_dataset *ds, int with_y,
                              int threads, size_t *cap, size_t *n, int *fallback,
                              gd_cells_span **spans, size_t *nspans, gd_error *err)
{
    ds_par P;
    memset(&P, 0, sizeof P);
    gd_pool *pool = NULL;
    *n = 0;
    gd_status st = ds_par_begin(&P, r, c, fallback, err);
    if (st != GD_OK || *fallback || P.nchunks == 0)
        goto cleanup;

    int nthreads = gd_pool_threads(threads);
    if (nthreads > 1 && P.nchunks > 1)
        pool = gd_pool_create(nthreads < (int)P.nchunks ? nthreads : (int)P.nchunks);
    P.workers = calloc((size_t)gd_pool_size(pool), sizeof *P.workers);
    if (P.workers == NULL) {
        st = gd_error_set(err, GD_ERR_NOMEM, P.file, 0, 0, "out of memory");
        goto cleanup;
    }
    size_t rows = 0;
    if ((st = ds_par_count(&P, pool, ds, with_y, &rows, err)) != GD_OK)
        goto cleanup;
    *cap = rows;
    if ((st = ds_par_parse(&P, pool, fallback, err)) == GD_OK && !*fallback) {
        if (c->cells != NULL)
            st = ds_par_spans(&P, spans, nspans, err);
        *n = rows;
    }

cleanup:
    if (P.workers != NULL) {
        for (int k = 0; k < gd_pool_size(pool); k++) {
            free(P.workers[k].buf);
            gd_csv_close(P.workers[k].reader);
        }
    }
    gd_pool_free(pool);
    free(P.workers);
    free(P.chunks);
    return st;
}

