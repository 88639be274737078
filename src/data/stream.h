/*
 * stream: rows read a chunk at a time, for data larger than memory.
 *
 * A gd_source gives the raw rows of a table by ranges; a gd_stream holds
 * one chunk of GD_STREAM_ROWS rows of it, z-scored, and the statistics.
 * What a streamed run keeps is bounded by the chunk, whatever the row
 * count: the chunk (GD_STREAM_ROWS (d + 1) doubles), the source's own
 * buffers, and the loss's per-block sums for one chunk.
 *
 * A streamed dataset is a gd_dataset whose x and y are NULL and whose
 * stream member is set: n, d and the names as usual. The passes over it
 * (statistics, full-data loss, the exact solve) read the chunks in row
 * order, and every sum keeps the block boundaries of the in-memory code
 * (GD_STREAM_ROWS is a multiple of the loss's, the statistics' and the
 * solve's blocks), so a streamed run has the bits of an in-memory one.
 *
 * A read that fails in the middle of training (the file changed or
 * vanished, a disk error) cannot be returned through the loss: the stream
 * remembers the first error (gd_stream_failed), the chunk reads as NaN so
 * the run stops, and the caller reports that error instead of the stop.
 */
#ifndef GDTRAIN_DATA_STREAM_H
#define GDTRAIN_DATA_STREAM_H

#include <stddef.h>

#include "gdtrain/dataset.h"
#include "gdtrain/error.h"

/* Rows per chunk: 32 blocks of the loss (4096), 16 of the statistics
 * (8192); 128 K rows, 8 MiB at 7 features and a target. */
#define GD_STREAM_ROWS ((size_t)131072)

/* Rows per chunk of a validation stream (gd_stream_open_scaled): a few
 * loss blocks, so that the validation rows add only 1/8 of a training
 * chunk to what a run holds. */
#define GD_STREAM_VAL_ROWS ((size_t)16384)

/* Where raw rows come from. read writes rows [first, first + count) as
 * x (count, d) row-major and y (count), and sets *got to the rows it
 * wrote: count, or fewer only at the end of the table. A sequential
 * source (a CSV file) is read from row 0 up; asking for row 0 again
 * starts it over. random is 1 when any range may be asked for. */
typedef struct gd_source {
    size_t n;         /* rows; 0 while unknown (a CSV file before its first pass) */
    size_t d;
    int random;
    const char *scratch;  /* where a file of z-scores may be made (its name
                             plus a suffix), or NULL: see gd_stream_open */
    void *ctx;
    gd_status (*read)(void *ctx, size_t first, size_t count, double *x, double *y,
                      size_t *got, gd_error *err);
    void (*close)(void *ctx);
} gd_source;

typedef struct gd_stream gd_stream;

/* A source over the rows of a CSV file, parsed as they are read, with
 * opt's columns; every selected cell must be a number (the encoding rules
 * need the whole table), or with --na an NA token (see below). Sets the names, d and (at first 0) n of *shell.
 * Errors as gd_dataset_load, FILE:LINE:COL for bad cells. */
gd_status gd_source_csv(gd_source *src, const gd_load_options *opt, gd_dataset *shell,
                        gd_error *err);

/* With --na drop or mean (opt->encode, na GD_NA_DROP or GD_NA_MEAN; no
 * other rule), the source of gd_source_csv leaves out the rows with a
 * missing cell (an NA token; under mean, a missing target) as it reads
 * them. Under mean, once a pass has ended, the missing features of the
 * rows it reads get their fills (unless opt->raw_inputs: NaN). Once it
 * has been read to the end: the encoding the
 * in-memory load learns from the table (numeric inputs, each one's fill
 * the mean of its present cells in the rows with a target) into *e, and
 * into *rep the rows dropped and the notes on columns that count the rows.
 * GD_ERR_DATA when no row is left; GD_ERR_NOMEM. */
gd_status gd_source_csv_learnt(const gd_source *src, const gd_dataset *shell,
                               gd_encoding *e, gd_load_report *rep, gd_error *err);

struct gd_cache_outcome;

/* A source over the binary cache of the CSV file opt->path at cache_path
 * (data/cache.h), any range of rows at the cost of a read. A cache that
 * does not hold the file's bytes with these options is written first, by
 * a parse a chunk at a time (as gd_source_csv reads, the same errors);
 * where none can be written the source is the CSV file itself, with a
 * note. *out says what happened (used, written, the note). Sets the names
 * and d of *shell. opt is hashed into the cache's key as given (pass the
 * options an in-memory run with the cache passes, so both share it). */
gd_status gd_source_cached(gd_source *src, const gd_load_options *opt, const char *cache_path,
                           struct gd_cache_outcome *out, gd_dataset *shell, gd_error *err);

/* A source over the rows of ds (which must outlive it), for tests. */
gd_source gd_source_dataset(const gd_dataset *ds);

/* Takes src (closed by gd_stream_close, also on failure) and reads it
 * once for the standardization statistics (twice: the means, then the
 * spreads; center 0 scales without centering), which go to *sc. Sets
 * shell->n and shell->stream; gd_dataset_free then closes the stream.
 * Errors: the source's (a bad cell), GD_ERR_DATA "no data rows" or a
 * column too large, GD_ERR_NOMEM. With src.scratch, a third pass writes
 * the z-scores into a file there (unlinked at once; as large as the data),
 * which the later passes map a chunk at a time instead of reading and
 * z-scoring the rows again. */
gd_status gd_stream_open(gd_source src, int center, int threads, gd_dataset *shell,
                         gd_scaling *sc, gd_error *err);

/* Takes src (closed by gd_stream_close, also on failure) as rows to be
 * z-scored with another table's statistics sc (the validation rows of a
 * run, with its training rows' statistics), GD_STREAM_VAL_ROWS at a time.
 * A source that does not know its rows (a CSV file) is read once to count
 * them, which also reports a bad cell now. fill (d values, or NULL):
 * what a NaN feature (a missing cell under --na mean) becomes before it is
 * z-scored. Sets shell->n and shell->stream. Errors: the source's,
 * GD_ERR_DATA "no data rows", GD_ERR_NOMEM. */
gd_status gd_stream_open_scaled(gd_source src, const gd_scaling *sc, const double *fill,
                                int threads, gd_dataset *shell, gd_error *err);

/* Rows [first, first + count) (count <= gd_stream_chunk) as z-scores, in a
 * dataset of count rows that stays valid until the next call. On a read
 * error the rows are NaN and the error is kept (gd_stream_failed). */
const gd_dataset *gd_stream_rows(gd_stream *s, size_t first, size_t count);

/* The dataset that gd_stream_rows fills (its x and y fixed, n changing),
 * for an evaluator that serves every chunk. */
const gd_dataset *gd_stream_view(const gd_stream *s);

/* The most rows gd_stream_rows gives at once: GD_STREAM_ROWS, or
 * GD_STREAM_VAL_ROWS for a stream of gd_stream_open_scaled. */
size_t gd_stream_chunk(const gd_stream *s);

/* 1 with *err set when a read has failed since the stream was opened. */
int gd_stream_failed(const gd_stream *s, gd_error *err);

/* Whether any range of rows can be read (a cache file), or only in order
 * from the start (a CSV file). */
int gd_stream_random(const gd_stream *s);

/* Closes the source and frees s. Accepts NULL. */
void gd_stream_close(gd_stream *s);

#endif
