/*
 * cache_load: when a load uses the cache, and reading a whole cache into a
 * dataset. See cache.h.
 *
 * The key is checked before any row is read: the options hash first (no
 * I/O), then the source's size and content hash, which reads the whole
 * source once (mapped, at memory speed, in parallel), a small part of what
 * parsing it costs. Then the blocks are copied from a mapping of the cache
 * straight into X and y, on every thread, each checked against its
 * checksum as it lands. What stays is mostly the first touch of X's fresh
 * memory, which parsing pays too.
 */
#include "data/cache.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/parallel.h"
#include "data/cache_meta.h"
#include "io/hash.h"

/* The loader's own version, part of the options hash: raise it when the
 * loader changes what it produces for the same input, so that caches of
 * the old result are rebuilt. */
#define CACHE_LOADER_VERSION 1

/* Bytes of the source hashed per task. */
#define SOURCE_CHUNK ((size_t)1 << 20)

/* ------------------------------------------------------------ options key */

static void put_field(gd_cache_buf *b, const char *name, const char *value)
{
    char head[96];
    int n = value != NULL ? snprintf(head, sizeof head, "%s=%zu:", name, strlen(value))
                          : snprintf(head, sizeof head, "%s=-", name);
    gd_cache_buf_put(b, head, (size_t)n);
    if (value != NULL)
        gd_cache_buf_put(b, value, strlen(value));
    gd_cache_buf_put(b, "\n", 1);
}

static void put_number(gd_cache_buf *b, const char *name, unsigned long long v)
{
    char text[32];
    snprintf(text, sizeof text, "%llu", v);
    put_field(b, name, text);
}

static void put_list(gd_cache_buf *b, const char *name, const char *const *items, size_t n)
{
    put_number(b, name, items != NULL ? n : 0);
    for (size_t k = 0; items != NULL && k < n; k++)
        put_field(b, name, items[k]);
}

uint64_t gd_cache_options_hash(const gd_load_options *opt)
{
    gd_cache_buf b = {0};
    put_number(&b, "loader", CACHE_LOADER_VERSION);
    put_number(&b, "delimiter", (unsigned char)(opt->delimiter ? opt->delimiter : ','));
    put_field(&b, "target", opt->target);
    put_list(&b, "features", opt->features, opt->nfeatures);
    put_number(&b, "need_target", opt->need_target != 0);
    put_number(&b, "encode", opt->encode != 0);
    if (opt->encode) {
        put_list(&b, "categorical", opt->categorical, opt->ncategorical);
        put_list(&b, "exclude", opt->exclude, opt->nexclude);
        put_field(&b, "na_values", opt->na_values);
        put_number(&b, "na", (unsigned)opt->na);
        put_number(&b, "max_levels", opt->max_levels ? opt->max_levels : GD_DEFAULT_MAX_LEVELS);
        put_number(&b, "decimal", (unsigned char)(opt->decimal ? opt->decimal : '.'));
        put_number(&b, "raw_inputs", opt->raw_inputs != 0);
    }
    /* Out of memory leaves a shorter text: a hash that matches no cache,
     * so the worst case is a rebuild. */
    uint64_t h = gd_hash64_bytes(b.p, b.len, 0);
    free(b.p);
    return h;
}

/* ------------------------------------------------------------- source key */

typedef struct source_job {
    const unsigned char *map; /* the whole file, mapped */
    uint64_t size;
    uint64_t *hashes;         /* (nchunks) */
} source_job;

static void hash_chunk(void *ctx, size_t task, int worker)
{
    (void)worker;
    source_job *job = ctx;
    uint64_t at = (uint64_t)task * SOURCE_CHUNK;
    size_t len = job->size - at < SOURCE_CHUNK ? (size_t)(job->size - at) : SOURCE_CHUNK;
    job->hashes[task] = gd_hash64_bytes(job->map + at, len, task);
}

/* hash_chunk's hashes by reading each chunk into a buffer. */
static gd_status hash_by_reads(int fd, const char *path, source_job *job, size_t nchunks,
                               gd_error *err)
{
    unsigned char *buf = malloc(SOURCE_CHUNK);
    if (buf == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, path, 0, 0, "out of memory");
    gd_status st = GD_OK;
    for (size_t t = 0; st == GD_OK && t < nchunks; t++) {
        uint64_t at = (uint64_t)t * SOURCE_CHUNK;
        size_t len = job->size - at < SOURCE_CHUNK ? (size_t)(job->size - at) : SOURCE_CHUNK;
        size_t got = 0;
        while (got < len) {
            ssize_t r = pread(fd, buf + got, len - got, (off_t)(at + got));
            if (r <= 0) {
                st = gd_error_set(err, GD_ERR_IO, path, 0, 0, "cannot read: %s",
                                  r < 0 ? strerror(errno) : "the file got shorter");
                break;
            }
            got += (size_t)r;
        }
        if (st == GD_OK)
            job->hashes[t] = gd_hash64_bytes(buf, len, t);
    }
    free(buf);
    return st;
}

/* The file is mapped rather than read: hashing then reads the page cache
 * in place, with no copy (on a 310 MB file, 0.04 to 0.14 s against 0.3 to
 * 0.44 s with pread into a buffer, 2 threads on a busy machine). The price:
 * a file cut shorter by another process while it is hashed ends the
 * process with SIGBUS instead of an error. */
gd_status gd_cache_source_key(const char *path, int threads, uint64_t *size, uint64_t *hash,
                              gd_error *err)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int e = fd < 0 ? errno : 0;
        if (fd >= 0)
            close(fd);
        return gd_error_set(err, GD_ERR_IO, path, 0, 0, "cannot read: %s",
                            e ? strerror(e) : "not a regular file");
    }
    source_job job = {NULL, (uint64_t)sb.st_size, NULL};
    size_t nchunks = (size_t)((job.size + SOURCE_CHUNK - 1) / SOURCE_CHUNK);
    void *map = job.size > 0 ? mmap(NULL, (size_t)job.size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    int e = errno;
    job.hashes = malloc((nchunks ? nchunks : 1) * sizeof *job.hashes); /* NOLINT(clang-analyzer-optin.portability.UnixAPI): at least one hash, never 0 bytes */
    gd_status st = GD_OK;
    if (job.hashes == NULL) {
        st = gd_error_set(err, GD_ERR_NOMEM, path, 0, 0, "out of memory");
    } else if (map == MAP_FAILED && e == ENOMEM) {
        /* No room to map it (a file larger than the address space a
         * streamed run is given): the same hashes, a chunk read at a time. */
        map = NULL;
        st = hash_by_reads(fd, path, &job, nchunks, err);
    } else if (map == MAP_FAILED) {
        map = NULL;
        st = gd_error_set(err, GD_ERR_IO, path, 0, 0, "cannot map: %s", strerror(e));
    } else {
        job.map = map;
        threads = gd_pool_threads(threads);
        gd_pool *pool = nchunks > 1 && threads > 1
                            ? gd_pool_create(threads < (int)nchunks ? threads : (int)nchunks)
                            : NULL;
        gd_pool_run(pool, hash_chunk, &job, nchunks);
        gd_pool_free(pool);
    }
    close(fd);
    if (st == GD_OK)
        *hash = gd_hash64_bytes(job.hashes, nchunks * sizeof *job.hashes, job.size);
    *size = job.size;
    if (map != NULL)
        munmap(map, (size_t)job.size);
    free(job.hashes);
    return st;
}

/* ------------------------------------------------------ the whole dataset */

typedef struct read_job {
    const gd_cache_reader *r;
    const void *map;       /* the file mapped, or NULL: read it */
    gd_dataset *ds;
    unsigned char *failed; /* (nblocks) 1 where the block did not check out */
} read_job;

static void read_one(void *ctx, size_t b, int worker)
{
    (void)worker;
    read_job *job = ctx;
    const gd_cache_reader *r = job->r;
    size_t first = b * r->block_rows;
    double *x = job->ds->x + first * r->d, *y = r->with_y ? job->ds->y + first : NULL;
    gd_error err;
    gd_status st = job->map != NULL ? gd_cache_copy_block(r, job->map, b, x, y, &err)
                                    : gd_cache_read_block(r, b, x, y, &err);
    job->failed[b] = st != GD_OK;
}

/* Moves the names and encoding of r's metadata into ds. */
static void take_meta(gd_cache_reader *r, gd_dataset *ds)
{
    ds->feature_names = r->meta.features;
    ds->target_name = r->meta.target;
    ds->encoding = r->meta.encoding;
    r->meta.features = NULL;
    r->meta.target = NULL;
    r->meta.encoding = NULL;
}

gd_status gd_cache_read_dataset(gd_cache_reader *r, int threads, gd_dataset *ds,
                                gd_error *err)
{
    memset(ds, 0, sizeof *ds);
    ds->n = r->n;
    ds->d = r->d;
    ds->x = malloc(r->n * r->d * sizeof *ds->x + 1);
    ds->y = r->with_y ? malloc(r->n * sizeof *ds->y) : NULL;
    void *map = mmap(NULL, (size_t)r->file_size, PROT_READ, MAP_PRIVATE, r->fd, 0);
    read_job job = {r, map == MAP_FAILED ? NULL : map, ds, calloc(r->nblocks, 1)};
    gd_status st = GD_OK;
    if (ds->x == NULL || (r->with_y && ds->y == NULL) || job.failed == NULL) {
        st = gd_error_set(err, GD_ERR_NOMEM, r->path, 0, 0, "out of memory");
    } else {
        threads = gd_pool_threads(threads);
        gd_pool *pool = r->nblocks > 1 && threads > 1
                            ? gd_pool_create(threads < (int)r->nblocks ? threads
                                                                        : (int)r->nblocks)
                            : NULL;
        gd_pool_run(pool, read_one, &job, r->nblocks);
        gd_pool_free(pool);
        /* The first bad block in file order, read again for its message. */
        for (size_t b = 0; b < r->nblocks && st == GD_OK; b++)
            if (job.failed[b] &&
                (st = gd_cache_read_block(r, b, ds->x + b * r->block_rows * r->d,
                                          r->with_y ? ds->y + b * r->block_rows : NULL,
                                          err)) == GD_OK)
                st = gd_error_set(err, GD_ERR_IO, r->path, 0, 0,
                                  "block %zu read differently twice", b + 1);
    }
    if (job.map != NULL)
        munmap(map, (size_t)r->file_size);
    free(job.failed);
    if (st == GD_OK) {
        take_meta(r, ds);
    } else {
        gd_dataset_free(ds);
    }
    return st;
}

/* ------------------------------------------- the standardized section */

typedef struct zcheck_job {
    const gd_cache_reader *r;
    const unsigned char *base; /* the mapping */
    uint64_t base_offset;      /* its place in the file */
    unsigned char *failed;     /* (2 nblocks) */
} zcheck_job;

/* Task t < nblocks: block t's rows of X's z-scores; else block t - nblocks's
 * of y's. */
static void check_z(void *ctx, size_t t, int worker)
{
    (void)worker;
    zcheck_job *job = ctx;
    const gd_cache_reader *r = job->r;
    int is_y = t >= r->nblocks;
    size_t b = is_y ? t - r->nblocks : t, width = is_y ? 1 : r->d;
    size_t bytes = gd_cache_block_size(r, b) * width * sizeof(double);
    uint64_t at = (is_y ? r->zy_offset : r->zx_offset) +
                  (uint64_t)b * r->block_rows * width * sizeof(double);
    job->failed[t] = gd_hash64_bytes(job->base + (at - job->base_offset), bytes,
                                     r->nblocks + t) != r->sums[r->nblocks + t];
}

static gd_status copy_scaling(const gd_scaling *from, gd_scaling *to, const char *path,
                              gd_error *err)
{
    size_t d = from->d;
    *to = *from;
    to->x_mean = malloc(d * sizeof *to->x_mean + 1);
    to->x_std = malloc(d * sizeof *to->x_std + 1);
    to->constant = malloc(d + 1);
    if (to->x_mean == NULL || to->x_std == NULL || to->constant == NULL) {
        gd_scaling_free(to);
        return gd_error_set(err, GD_ERR_NOMEM, path, 0, 0, "out of memory");
    }
    memcpy(to->x_mean, from->x_mean, d * sizeof *to->x_mean);
    memcpy(to->x_std, from->x_std, d * sizeof *to->x_std);
    memcpy(to->constant, from->constant, d);
    return GD_OK;
}

/* The first z-score block that did not check out, as an error. */
static gd_status z_failure(const gd_cache_reader *r, const unsigned char *failed,
                           gd_error *err)
{
    size_t t = 0;
    while (!failed[t])
        t++;
    int is_y = t >= r->nblocks;
    return gd_error_set(err, GD_ERR_DATA, r->path, 0, 0,
                        "block %zu of %zu of the standardized %s: its checksum does not match",
                        (is_y ? t - r->nblocks : t) + 1, r->nblocks, is_y ? "y" : "X");
}

gd_status gd_cache_map_standardized(gd_cache_reader *r, int threads, gd_dataset *ds,
                                    gd_scaling *sc, gd_error *err)
{
    assert(r->has_z);
    memset(ds, 0, sizeof *ds);
    memset(sc, 0, sizeof *sc);
    long page = sysconf(_SC_PAGESIZE);
    uint64_t from = page > 0 ? r->zx_offset / (uint64_t)page * (uint64_t)page : 0;
    size_t size = (size_t)(r->zy_offset + r->n * sizeof(double) - from);
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, r->fd, (off_t)from);
    if (map == MAP_FAILED)
        return gd_error_set(err, errno == ENOMEM ? GD_ERR_NOMEM : GD_ERR_IO, r->path, 0, 0,
                            "cannot map: %s", strerror(errno));
    zcheck_job job = {r, map, from, calloc(2 * r->nblocks, 1)};
    gd_status st = GD_OK;
    if (job.failed == NULL) {
        st = gd_error_set(err, GD_ERR_NOMEM, r->path, 0, 0, "out of memory");
    } else {
        threads = gd_pool_threads(threads);
        size_t tasks = 2 * r->nblocks;
        gd_pool *pool = threads > 1 ? gd_pool_create(threads < (int)tasks ? threads
                                                                          : (int)tasks)
                                    : NULL;
        gd_pool_run(pool, check_z, &job, tasks);
        gd_pool_free(pool);
        if (memchr(job.failed, 1, tasks) != NULL)
            st = z_failure(r, job.failed, err);
    }
    free(job.failed);
    if (st == GD_OK)
        st = copy_scaling(&r->scaling, sc, r->path, err);
    if (st != GD_OK) {
        munmap(map, size);
        return st;
    }
    ds->n = r->n;
    ds->d = r->d;
    ds->mapping = map;
    ds->mapping_size = size;
    ds->x = (double *)(void *)((unsigned char *)map + (r->zx_offset - from));
    ds->y = (double *)(void *)((unsigned char *)map + (r->zy_offset - from));
    take_meta(r, ds);
    return GD_OK;
}

/* ---------------------------------------------------------------- policy */

char *gd_cache_default_path(const char *source)
{
    static const char suffix[] = ".gdcache";
    size_t n = strlen(source);
    char *p = malloc(n + sizeof suffix);
    if (p != NULL) {
        memcpy(p, source, n); /* NOLINT(bugprone-not-null-terminated-result): the suffix's copy ends it */
        memcpy(p + n, suffix, sizeof suffix);
    }
    return p;
}

void gd_cache_note(gd_cache_outcome *out, const char *fmt, ...)
{
    size_t used = strlen(out->note);
    if (used > 0 && used + 2 < sizeof out->note) {
        memcpy(out->note + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(out->note + used, sizeof out->note - used, fmt, ap);
    va_end(ap);
}

int gd_cache_key_differs(gd_cache_outcome *out, const char *path, const char *source,
                         const gd_cache_key *have, const gd_cache_key *want)
{
    if (have->options_hash != want->options_hash)
        gd_cache_note(out, "the cache '%s' was made with other load options", path);
    else if (have->source_size != want->source_size || have->source_hash != want->source_hash)
        gd_cache_note(out, "the cache '%s' was made from another file or an older '%s'", path,
                      source);
    else
        return 0;
    return 1;
}

void gd_cache_note_rebuilt(gd_cache_outcome *out)
{
    size_t used = strlen(out->note);
    if (used > 0)
        (void)snprintf(out->note + used, sizeof out->note - used, ": it is rebuilt");
}

/* Copies the parts of a load report a cache keeps into opt's report. */
static void restore_report(const gd_load_options *opt, const gd_load_report *saved)
{
    gd_load_report *rep = opt->report;
    if (rep == NULL)
        return;
    memcpy(rep->notes, saved->notes, sizeof rep->notes);
    rep->nnotes = saved->nnotes;
    rep->dropped = saved->dropped;
    rep->dropped_target = saved->dropped_target;
    rep->unseen = saved->unseen;
}

/* The rows from the cache at path if it holds key and checks out: GD_OK
 * with out->used set; GD_OK without it (and a note when a cache was there
 * but not used) to parse instead; GD_ERR_NOMEM. With sc, the standardized
 * section is mapped when the cache has one (*done set). */
static gd_status try_cache(gd_dataset *ds, gd_scaling *sc, gd_cache_extra *extra, int *done,
                           const gd_load_options *opt, const char *path,
                           const gd_cache_key *key, gd_cache_outcome *out, gd_error *err)
{
    gd_cache_reader r;
    gd_error why;
    int e;
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
        return GD_OK; /* a device such as /dev/null is no cache, only a place to write */
    gd_status st = gd_cache_reader_open(&r, path, &e, &why);
    if (st == GD_OK && gd_cache_key_differs(out, path, opt->path, &r.key, key)) {
        /* noted: parsed instead */
    } else if (st == GD_OK && sc != NULL && r.has_z)
        st = gd_cache_map_standardized(&r, opt->threads, ds, sc, &why);
    else if (st == GD_OK)
        st = gd_cache_read_dataset(&r, opt->threads, ds, &why);
    if (st == GD_OK && ds->x != NULL) {
        restore_report(opt, &r.meta.report);
        ds->threads = opt->threads;
        out->used = 1;
        out->bytes = r.file_size;
        *done = ds->mapping != NULL;
        if (*done && extra != NULL && r.extra.have) {
            extra->have = 1;
            memcpy(extra->words, r.extra.words, sizeof extra->words);
        }
    } else if (st == GD_ERR_NOMEM) {
        *err = why;
    } else if (st != GD_OK && !(st == GD_ERR_IO && e == ENOENT)) {
        gd_cache_note(out, "the cache '%s' cannot be used (%s)", path, why.message);
        st = GD_OK;
    }
    gd_cache_reader_close(&r);
    return st == GD_ERR_NOMEM ? st : GD_OK;
}

static int same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ino == b->st_ino;
}

/* Writes the cache of ds's rows with w, and with sc standardizes ds in
 * place (*done) between the rows and their z-scores, so the run's own
 * standardization is what the cache keeps. On error ds is freed. */
static gd_status write_cache(gd_cache_writer *w, gd_dataset *ds, gd_scaling *sc,
                             gd_cache_extra *extra, int *done, const gd_load_options *opt,
                             const gd_cache_key *key, gd_error *err)
{
    if (sc == NULL || ds->y == NULL)
        return gd_cache_write_rows(w, ds, opt->report, key, err);
    gd_status st = gd_cache_writer_append(w, ds->x, ds->y, ds->n, err);
    if (st == GD_OK && (st = gd_dataset_standardize(ds, sc, err)) == GD_OK)
        *done = 1;
    if (st == GD_OK && extra != NULL && extra->make != NULL)
        extra->have = extra->make(ds, extra->words, extra->user) != 0;
    if (st == GD_OK)
        st = gd_cache_writer_begin_z(w, sc, extra, err);
    if (st == GD_OK)
        st = gd_cache_writer_append_zx(w, ds->x, ds->n, err);
    if (st == GD_OK)
        st = gd_cache_writer_append_zy(w, ds->y, ds->n, err);
    if (st != GD_OK) {
        gd_cache_writer_abort(w);
        return st;
    }
    return gd_cache_writer_commit_dataset(w, ds, opt->report, key, err);
}

/* Parses the source and writes the cache. A cache that cannot be begun is
 * a note; one that fails once begun is the load's error. */
static gd_status parse_and_write(gd_dataset *ds, gd_scaling *sc, gd_cache_extra *extra,
                                 int *done,
                                 const gd_load_options *opt, const char *path,
                                 const gd_cache_key *key, const struct stat *before,
                                 gd_cache_outcome *out, gd_error *err)
{
    gd_status st = gd_dataset_load(ds, opt, err);
    if (st != GD_OK)
        return st;
    struct stat after;
    if (stat(opt->path, &after) != 0 || !same_file_state(before, &after)) {
        gd_cache_note(out, "'%s' changed while it was read: no cache is written", opt->path);
        return GD_OK;
    }
    gd_cache_writer *w;
    gd_error why;
    st = gd_cache_writer_begin(&w, path, ds->d, ds->y != NULL, &why);
    if (st == GD_ERR_IO) {
        char text[sizeof why.file + sizeof why.message + 8];
        gd_cache_note(out, "no cache is written (%s): the run goes on without it",
             gd_error_format(&why, text, sizeof text));
        return GD_OK;
    }
    if (st == GD_OK)
        st = write_cache(w, ds, sc, extra, done, opt, key, &why);
    if (st != GD_OK) {
        *err = why;
        if (*done)
            gd_scaling_free(sc);
        gd_dataset_free(ds);
        return st;
    }
    out->written = 1;
    gd_cache_note_rebuilt(out);
    struct stat sb;
    out->bytes = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    return GD_OK;
}

/* gd_dataset_load_cached, and with sc gd_dataset_load_standardized up to
 * the standardization, which is done (*done set) where the cache had it
 * or where writing it did it. */
static gd_status load_cached(gd_dataset *ds, gd_scaling *sc, gd_cache_extra *extra, int *done,
                             const gd_load_options *opt, const char *cache_path, int force,
                             gd_cache_outcome *out, gd_error *err)
{
    assert(opt->encoding == NULL && cache_path != NULL);
    memset(out, 0, sizeof *out);
    memset(ds, 0, sizeof *ds);
    *done = 0;
    struct stat before;
    if (strcmp(opt->path, "-") == 0) {
        gd_cache_note(out, "standard input is read without a cache");
        return gd_dataset_load(ds, opt, err);
    }
    if (stat(opt->path, &before) != 0)
        return gd_dataset_load(ds, opt, err); /* which says why it cannot be read */
    if (!S_ISREG(before.st_mode)) {
        gd_cache_note(out, "'%s' is not a regular file: it is read without a cache", opt->path);
        return gd_dataset_load(ds, opt, err);
    }
    gd_cache_key key = {0, 0, gd_cache_options_hash(opt)};
    gd_status st = gd_cache_source_key(opt->path, opt->threads, &key.source_size,
                                       &key.source_hash, err);
    if (st != GD_OK)
        return st;
    if (!force) {
        st = try_cache(ds, sc, extra, done, opt, cache_path, &key, out, err);
        if (st != GD_OK || out->used)
            return st;
    }
    return parse_and_write(ds, sc, extra, done, opt, cache_path, &key, &before, out, err);
}

gd_status gd_dataset_load_cached(gd_dataset *ds, const gd_load_options *opt,
                                 const char *cache_path, int force, gd_cache_outcome *out,
                                 gd_error *err)
{
    int done;
    return load_cached(ds, NULL, NULL, &done, opt, cache_path, force, out, err);
}

gd_status gd_dataset_load_standardized(gd_dataset *ds, gd_scaling *sc,
                                       const gd_load_options *opt, const char *cache_path,
                                       gd_cache_extra *extra, gd_cache_outcome *out,
                                       gd_error *err)
{
    int done;
    memset(sc, 0, sizeof *sc);
    if (extra != NULL)
        extra->have = 0;
    gd_status st = load_cached(ds, sc, extra, &done, opt, cache_path, 0, out, err);
    if (st == GD_OK && !done && (st = gd_dataset_standardize(ds, sc, err)) != GD_OK)
        gd_dataset_free(ds);
    return st;
}
