/*
 * cache: the binary cache of a loaded table, so that later runs read the
 * design matrix instead of parsing the CSV again.
 *
 * A cache file holds what gd_dataset_load produced before any validation
 * split or standardization: X (after one-hot encoding) and y, the column
 * names, the encoding a model stores, and the load report's notes and
 * counts, so that a run from the cache prints the same messages and writes
 * the same model file as a parsing run. Beside them, when there is a
 * target, it holds what gd_dataset_standardize makes of all those rows:
 * the z-scores of X and of y, each contiguous and page-aligned so that a
 * run maps them and trains on them where they lie, and the statistics.
 * Its key says what it was made
 * from: the source's size and gdhash64 (src/io/hash.h) over every byte,
 * and the hash of the parse options that change the result
 * (gd_cache_options_hash).
 *
 * The file (native byte order, doubles as IEEE 754 binary64):
 *
 *   offset 0      header, GD_CACHE_HEADER_SIZE bytes: the fields of
 *                 gd_cache_header, as 64-bit words, zero-padded
 *   offset 4096   the rows, in blocks of block_rows rows (the last one
 *                 shorter): block b = its rows of X, row-major (rows x d
 *                 doubles), then its rows of y (rows doubles). Block b
 *                 starts at 4096 + b * block_rows * (d + 1) * 8.
 *   zx_offset     the standardized section (zx_offset 0: none; then
 *                 zy_offset and scaling_offset are 0 and meta_offset
 *                 follows the rows): at the first page boundary after the
 *                 rows, X's z-scores, n x d doubles row-major;
 *   zy_offset     at the next page boundary, y's z-scores, n doubles;
 *   scaling_offset right after, the statistics: GD_CACHE_SCALING_WORDS(d)
 *                 words (gd_cache_scaling_encode), their gdhash64 (seed 0)
 *                 in the header
 *   meta_offset   the metadata: length-prefixed records (gd_cache_meta)
 *   sums_offset   the checksums: nblocks words for the blocks of rows,
 *                 block b's gdhash64 of its bytes with seed b; with the
 *                 standardized section, nblocks more for X's z-scores of
 *                 each block (seed nblocks + b), then nblocks for y's
 *                 (seed 2 nblocks + b)
 *
 * The header carries the magic "GDTCACHE", the format version, a byte-order
 * mark (0x0102030405060708 as written), the sizes (file, header, double),
 * n, d, block_rows, the offsets, the key, gdhash64 of the metadata and of
 * the checksum table, and last its own gdhash64 (over the header with that
 * word zero). A reader checks all of it before it trusts a number; each
 * block is checked as it is read. Any mismatch is GD_ERR_DATA with a
 * message saying what was wrong, never a crash or a wrong matrix.
 *
 * Writing goes through src/io/atomicfile: a temporary file in the cache's
 * folder renamed into place at commit, so readers see the old cache or the
 * new one, two processes writing at once both succeed (the last rename
 * wins, both files are whole), and a failure leaves nothing behind.
 *
 * The writer takes rows in any count, so a producer that never holds the
 * whole table can write one; the block reader gives one block at a time
 * into the caller's buffers, so a consumer can train from the file with
 * memory for one block.
 */
#ifndef GDTRAIN_DATA_CACHE_H
#define GDTRAIN_DATA_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "gdtrain/dataset.h"
#include "gdtrain/error.h"

#define GD_CACHE_VERSION 2
#define GD_CACHE_HEADER_SIZE 4096
/* The alignment of the standardized section's parts: a page, so that
 * they can be mapped where they are (and so a multiple of a cache line). */
#define GD_CACHE_PAGE 4096
/* Words of the statistics: d means, d spreads, d constant flags (0 or 1),
 * y's mean, spread and constant flag; then whether the caller's extra words
 * are there (0 or 1) and GD_CACHE_EXTRA_WORDS of them (gd_cache_extra). */
#define GD_CACHE_SCALING_WORDS(d) (3 * (size_t)(d) + 4 + GD_CACHE_EXTRA_WORDS)
/* Rows per block: a multiple of the loss (4096) and solve (512) blocks, and
 * the standardization's block (8192) itself. */
#define GD_CACHE_BLOCK_ROWS 8192

/* What a cache was made from. Two caches of the same key hold the same
 * table. */
typedef struct gd_cache_key {
    uint64_t source_size;  /* bytes of the source file */
    uint64_t source_hash;  /* gdhash64 of all of them (gd_cache_source_hash) */
    uint64_t options_hash; /* gd_cache_options_hash of the load options */
} gd_cache_key;

/* What goes beside the rows: borrowed by the writer, owned by a reader. */
typedef struct gd_cache_meta {
    char *target;            /* the target's name */
    char **features;         /* (d) the names of X's columns */
    gd_encoding *encoding;   /* or NULL when loaded without the rules */
    gd_load_report report;   /* notes, dropped, dropped_target, unseen (no
                                problems: a failed load is not cached) */
} gd_cache_meta;

/* ------------------------------------------------------------------ keys */

/* gdhash64 of a canonical text of the options that change what the loader
 * produces: delimiter, target, features (in order), need_target, encode,
 * categorical, exclude, NA tokens, NA policy, level limit, decimal
 * separator, raw_inputs, and the loader's own version. Not path, threads or report,
 * which do not. */
uint64_t gd_cache_options_hash(const gd_load_options *opt);

/* The size and content hash of the file at path: gdhash64 of each 1 MiB
 * chunk (seed: its index), then gdhash64 of those chunk hashes in order
 * (seed: the size); the chunks are hashed by `threads` threads (0 = every
 * online CPU) with the same result for any count. GD_ERR_IO naming path
 * if it cannot be read or is not a regular file. */
gd_status gd_cache_source_key(const char *path, int threads, uint64_t *size,
                              uint64_t *hash, gd_error *err);

/* ---------------------------------------------------------------- writer */

typedef struct gd_cache_writer gd_cache_writer;

/* A cache replaces the file at path only when that file is a cache, by its
 * name (*.gdcache, a damaged cache included) or its first bytes, or is
 * empty: `--cache houses.csv` given for `--data houses.csv` must not turn
 * the user's table into a cache. GD_OK, or GD_ERR_IO naming path. */
gd_status gd_cache_check_replaceable(const char *path, gd_error *err);

/* Starts a cache at path for rows of d features (and a target when with_y).
 * Nothing appears at path before commit. GD_ERR_IO naming path when it
 * holds a file that is not empty and not a cache by its name (*.gdcache) or
 * first bytes (such a file is never replaced), or when its temporary file
 * cannot be created (no such folder, no permission); GD_ERR_NOMEM; *w is
 * NULL then. */
gd_status gd_cache_writer_begin(gd_cache_writer **out, const char *path, size_t d, int with_y,
                                gd_error *err);

/* Appends rows rows: x (rows, d) row-major, y (rows) (ignored without a
 * target). Any counts, in any pieces. GD_ERR_IO naming the path when a
 * write fails (a full disk); the writer must then be aborted. */
gd_status gd_cache_writer_append(gd_cache_writer *w, const double *x, const double *y,
                                 size_t rows, gd_error *err);

/* Finishes the file: the metadata (meta->features must have d names), the
 * checksum table and the header with key, all synced and renamed over
 * path. At least one row must have been appended. On failure (GD_ERR_IO
 * naming path, e.g. a full disk) nothing is left behind and an existing
 * file at path is untouched. Frees w either way. */
gd_status gd_cache_writer_commit(gd_cache_writer *w, const gd_cache_key *key,
                                 const gd_cache_meta *meta, gd_error *err);

/* Gives up: removes the temporary file, frees w. Accepts NULL. */
void gd_cache_writer_abort(gd_cache_writer *w);

/* The standardized section, after the last row is appended (a writer
 * with a target): begin_z with the statistics (and extra's words when
 * extra->have; extra may be NULL), then all n rows of X's
 * z-scores (n x d) in any pieces, then all n of y's. Errors as append's;
 * the writer must then be aborted. A writer commits with the section
 * whole or not begun. */
gd_status gd_cache_writer_begin_z(gd_cache_writer *w, const gd_scaling *sc,
                                  const gd_cache_extra *extra, gd_error *err);
gd_status gd_cache_writer_append_zx(gd_cache_writer *w, const double *zx, size_t rows,
                                    gd_error *err);
gd_status gd_cache_writer_append_zy(gd_cache_writer *w, const double *zy, size_t rows,
                                    gd_error *err);

/* The statistics and extra (may be NULL) as the file stores them
 * (GD_CACHE_SCALING_WORDS(sc->d) words). */
void gd_cache_scaling_encode(const gd_scaling *sc, const gd_cache_extra *extra,
                             uint64_t *words);

/* gd_cache_writer_commit with ds's names and encoding and rep's notes
 * (rep may be NULL). Frees w either way. */
gd_status gd_cache_writer_commit_dataset(gd_cache_writer *w, const gd_dataset *ds,
                                         const gd_load_report *rep, const gd_cache_key *key,
                                         gd_error *err);

/* Appends every row of ds, then (with a target) the standardized section
 * computed from them (ds is not changed; without it when a column cannot
 * be standardized), and commits with its names, encoding and load report
 * (rep may be NULL). Frees w either way. */
gd_status gd_cache_write_rows(gd_cache_writer *w, const gd_dataset *ds,
                              const gd_load_report *rep, const gd_cache_key *key,
                              gd_error *err);

/* Writes ds as a whole cache: begin, then gd_cache_write_rows. */
gd_status gd_cache_write(const char *path, const gd_dataset *ds, const gd_load_report *rep,
                         const gd_cache_key *key, gd_error *err);

/* ---------------------------------------------------------------- reader */

typedef struct gd_cache_reader {
    int fd;
    char *path;
    size_t n, d;             /* rows, features */
    int with_y;              /* 1: blocks hold y */
    size_t block_rows;       /* rows per block but the last */
    size_t nblocks;
    uint64_t file_size;      /* bytes */
    gd_cache_key key;
    gd_cache_meta meta;      /* owned */
    uint64_t *sums;          /* (nblocks, or 3 nblocks with the standardized
                                section) checksums */
    int has_z;               /* 1: the standardized section is there */
    uint64_t zx_offset, zy_offset; /* where its z-scores are */
    gd_scaling scaling;      /* its statistics (owned) */
    gd_cache_extra extra;    /* its extra words (have, words) */
} gd_cache_reader;

/* Opens the cache at path and checks its header (magic, version, byte
 * order, sizes, offsets, header checksum), metadata and checksum table;
 * the blocks are checked as they are read. GD_ERR_IO if path cannot be
 * opened (errno_out gets errno, so a missing file can be told apart; may
 * be NULL), GD_ERR_DATA naming path with what is wrong, GD_ERR_NOMEM. On
 * error *r is safe to close. */
gd_status gd_cache_reader_open(gd_cache_reader *r, const char *path, int *errno_out,
                               gd_error *err);

/* Rows in block b (< nblocks): block_rows, or fewer for the last. */
size_t gd_cache_block_size(const gd_cache_reader *r, size_t b);

/* Reads block b: its rows of X into x (rows * d doubles) and of y into y
 * (ignored without a target; may then be NULL), and checks its checksum.
 * Safe to call from several threads at once (pread). GD_ERR_IO on a read
 * error, GD_ERR_DATA naming the block if it is short or its checksum
 * differs (x and y then hold garbage). */
gd_status gd_cache_read_block(const gd_cache_reader *r, size_t b, double *x, double *y,
                              gd_error *err);

/* The same from map, the whole file mapped (file_size bytes): a copy from
 * the page cache instead of a read, about a third faster into fresh
 * memory. The file must not be cut shorter meanwhile (SIGBUS); a cache is
 * only ever replaced by a rename, never cut. */
gd_status gd_cache_copy_block(const gd_cache_reader *r, const void *map, size_t b, double *x,
                              double *y, gd_error *err);

/* Reads the whole cache into *ds (allocating X and y, moving the names and
 * encoding out of r->meta), blocks spread over `threads` threads (0 =
 * every online CPU), copied from a mapping of the file where it can be
 * mapped (gd_cache_copy_block), else read. On error *ds is empty. */
gd_status gd_cache_read_dataset(gd_cache_reader *r, int threads, gd_dataset *ds,
                                gd_error *err);

/* The standardized section as *ds and *sc (r->has_z): X and y point into a
 * read-only mapping of the file, which ds owns (ds->mapping); the names and
 * encoding move out of r->meta; the extra words are in r->extra. Every z-score block is checked against its
 * checksum first, on `threads` threads (0 = every online CPU), which also
 * brings the pages in before the first epoch. GD_ERR_DATA naming the
 * first block that does not check out, GD_ERR_IO if the file cannot be
 * mapped, GD_ERR_NOMEM; *ds and *sc are empty then. */
gd_status gd_cache_map_standardized(gd_cache_reader *r, int threads, gd_dataset *ds,
                                    gd_scaling *sc, gd_error *err);

/* Closes the file and frees what r holds; zeroes it. Accepts a zeroed or
 * failed-open struct. */
void gd_cache_reader_close(gd_cache_reader *r);

/* The policy, gd_dataset_load_cached and gd_cache_default_path, is public:
 * include/gdtrain/dataset.h. */

/* Appends a sentence to out->note ("; " between two). */
void gd_cache_note(gd_cache_outcome *out, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Whether the cache at path, whose key is have, was made for another
 * source or other options than want: 1 with the note that says which (the
 * same words for an in-memory and a streamed run), else 0. The cache keeps
 * no source name, so a changed file and another file read alike. */
int gd_cache_key_differs(gd_cache_outcome *out, const char *path, const char *source,
                         const gd_cache_key *have, const gd_cache_key *want);

/* Ends the note on a cache that was set aside, once its replacement is
 * written: a note says "it is rebuilt" only when it was. */
void gd_cache_note_rebuilt(gd_cache_outcome *out);

#endif
