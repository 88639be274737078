/*
 * dataset: columns of a CSV file -> the matrix X and target y.
 *
 * Chooses the target and feature columns by name, parses every cell as a
 * number (numparse), and keeps X as one n x d allocation and y as one n
 * allocation; the file's text is not kept. Also computes the standardization
 * statistics and z-scores in place.
 *
 * Only this module and loss know X's memory layout; everyone else goes
 * through gd_dataset_row / gd_dataset_target or the loss functions.
 */
#ifndef GDTRAIN_DATASET_H
#define GDTRAIN_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "gdtrain/encode.h"
#include "gdtrain/error.h"

typedef struct gd_rowshare gd_rowshare; /* rows spread over processes (internal) */
typedef struct gd_scaling gd_scaling;   /* standardization statistics (below) */

typedef struct gd_dataset {
    size_t n;               /* rows */
    size_t d;               /* feature columns */
    double *x;              /* (n, d) row-major */
    double *y;              /* (n); NULL when loaded without a target */
    char **feature_names;   /* d names, in the order of X's columns */
    char *target_name;      /* NULL when loaded without a target */
    int threads;            /* threads for passes over the whole matrix
                               (standardization); 0 = the online CPUs */
    struct gd_stream *stream; /* rows read a chunk at a time from a file (data
                               larger than memory): x and y are then NULL, and
                               the passes go through it; NULL in memory */
    gd_encoding *encoding;  /* how the file's columns became X's (names of
                               the inputs, levels, fills); NULL when loaded
                               without the encoding rules */
    const gd_rowshare *share; /* NULL: these are all the rows. Else they are
                               some of the rows of a dataset spread over
                               several processes (gdtrain-mpi), and every
                               sum over all rows takes in the others */
    void *mapping;          /* NULL: x and y are the dataset's own
                               allocations. Else they point into this
                               read-only mapping of a cache file
                               (mapping_size bytes), which the dataset
                               unmaps: they must never be written (a write
                               is a SIGSEGV), nor freed */
    size_t mapping_size;
} gd_dataset;

/* Rows of the whole dataset: ds->n, or all parts' rows when it is shared. */
size_t gd_dataset_total(const gd_dataset *ds);

/* Problems found in one pass over the data, and notes for the user. */
#define GD_MAX_PROBLEMS 10
#define GD_MAX_NOTES 16
typedef struct gd_load_report {
    gd_error problems[GD_MAX_PROBLEMS]; /* the first ones: the rows' (ragged,
                                           overflowing, a broken quote) by
                                           line, then the cells' in file
                                           order of columns */
    size_t nproblems;
    size_t more;                        /* problems beyond those kept */
    char notes[GD_MAX_NOTES][400];      /* warnings and notes, one line each */
    size_t nnotes;
    size_t dropped;                     /* rows left out for missing cells */
    size_t dropped_target;              /* of which for a missing target */
    size_t unseen;                      /* rows with a level not in the encoding */
} gd_load_report;

typedef struct gd_load_options {
    const char *path;               /* file to read; "-" = standard input */
    char delimiter;                 /* 0 means ',' */
    const char *target;             /* target column; NULL = the last column */
    const char *const *features;    /* feature columns in this order; NULL = all others */
    size_t nfeatures;               /* entries in features */
    int need_target;                /* 0: read only the features (predict); the target,
                                       even if named, is neither required nor read */
    int threads;                    /* threads for parsing (and the dataset's later
                                       passes); 0 = the number of online CPUs */

    /* The encoding rules (include/gdtrain/encode.h). Without tables (all
     * NULL and 0 below, encode 0), every selected cell must be a number. */
    int encode;                     /* 1: apply the rules below */
    const char *const *categorical; /* columns whose cells are levels even when
                                       they read as numbers */
    size_t ncategorical;
    const char *const *exclude;     /* columns never read: names, or "#N" for
                                       the N-th column (1-based) */
    size_t nexclude;
    const char *na_values;          /* comma list of NA tokens; NULL = default */
    gd_na_policy na;
    size_t max_levels;              /* 0 = GD_DEFAULT_MAX_LEVELS */
    char decimal;                   /* '.' (0 means '.') or ',' */
    const gd_encoding *encoding;    /* encode with this one (a model's) instead
                                       of learning one; its inputs are the
                                       columns read, and features is ignored */
    int keep_incomplete;            /* with encoding: rows with missing cells
                                       stay, their design row NaN (predict) */
    int strict;                     /* with encoding: an unseen level is an
                                       error, not the reference level */
    int na_of_model;                /* with encoding: it is a trained model's,
                                       so its --na policy applies: errors about
                                       missing cells name that policy instead
                                       of suggesting --na (predict, eval) */
    int raw_inputs;                 /* with the encoding rules learnt from the
                                       data: stop short of the design matrix.
                                       X holds one column per input of
                                       ds->encoding: a number, the index of a
                                       level (among those of every row), or,
                                       under GD_NA_MEAN, a NaN for a missing
                                       cell, not yet filled. For encodings
                                       learnt from a part of the rows
                                       (gd_dataset_encode_parts, folds) */
    gd_load_report *report;         /* problems and notes; may be NULL */
    size_t part, parts;             /* parts > 1: read only the part-th (from 0)
                                       of parts byte ranges of about equal size
                                       of a regular file's data rows, cut just
                                       after newlines (gdtrain-mpi: one range a
                                       process). Lines in errors are counted as
                                       if the range followed the header; a range
                                       without rows is no error */
    size_t *part_range;             /* parts > 1: receives the range's first and
                                       end byte offsets, or NULL */
    int may_be_empty;               /* a header without data rows is no error:
                                       the file is one shard of several
                                       (gdtrain-mpi), the others may hold rows */
} gd_load_options;

/* Loads a CSV file into *ds (which need not be initialised). Header names are
 * trimmed of surrounding spaces; numeric cells may have surrounding spaces.
 * Columns not selected are skipped without parsing, but every row must still
 * have the header's number of fields. A regular file is parsed by several
 * threads (opt->threads); the result, and the first error in file order
 * when there are several, are the same for any number of threads.
 *
 * Errors are GD_ERR_DATA with FILE:LINE:COL and the column's name and the text
 * found: empty file, header only, empty cell, non-numeric text, nan/inf/hex,
 * overflow, ragged rows, unterminated quotes, NUL bytes, duplicate column
 * names, unknown target/feature names (and a feature equal to the target);
 * GD_ERR_IO for unreadable files, GD_ERR_NOMEM for memory exhaustion. On
 * error *ds is left empty (safe to free). */
gd_status gd_dataset_load(gd_dataset *ds, const gd_load_options *opt, gd_error *err);

/* What gd_dataset_load_cached did. */
typedef struct gd_cache_outcome {
    int used;         /* 1: the rows came from the cache */
    int written;      /* 1: a new cache was written */
    uint64_t bytes;   /* the cache's size, when used or written */
    char note[600];   /* why an existing cache was not used, or why none
                         was written; "" when there is nothing to say */
} gd_cache_outcome;

/* The cache path for a source when none is given: SOURCE.gdcache. New
 * string (NULL when out of memory). */
char *gd_cache_default_path(const char *source);

/* gd_dataset_load through a binary cache file (the format and its checks
 * are in the library's src/data/cache.h; `gdtrain cache` writes one) at
 * cache_path: when it holds the key
 * of opt (source bytes and options) and checks out, the rows come from it;
 * otherwise the source is parsed and the cache (re)written. force: parse
 * and write whatever is there. A cache that is stale, corrupt, of another
 * version or byte order is never trusted: out->note says why it was
 * rebuilt. A cache that cannot be created (its folder unwritable, the
 * source standard input or not a regular file) is a note too, and the
 * load goes on without it. A write that fails once begun (a full disk) is
 * GD_ERR_IO naming the cache, with *ds empty and nothing left behind. The
 * load report is filled as a parsing load fills it. opt->encoding must be
 * NULL. */
gd_status gd_dataset_load_cached(gd_dataset *ds, const gd_load_options *opt,
                                 const char *cache_path, int force, gd_cache_outcome *out,
                                 gd_error *err);

/* What a cache keeps beside the standardized rows for a caller, opaque to
 * the cache (gd_fit_data_load keeps the exact optimum of the default
 * objective there, so that a repeated run need not solve). */
#define GD_CACHE_EXTRA_WORDS 6
typedef struct gd_cache_extra {
    /* In: when a cache is written with the standardized rows, called with
     * them to fill words; returns 1 when it did (0: nothing is kept). NULL:
     * nothing is kept. */
    int (*make)(const gd_dataset *ds, double words[GD_CACHE_EXTRA_WORDS], void *user);
    void *user;
    /* Out: 1 when words hold what make gave for these very rows, from the
     * cache or from the write. */
    int have;
    double words[GD_CACHE_EXTRA_WORDS];
} gd_cache_extra;

/* gd_dataset_load_cached, then gd_dataset_standardize: *ds holds the
 * z-scores of all its rows and *sc their statistics, the same bits as that
 * pair of calls. From a cache that holds its standardized section (every
 * cache written through these two calls or by `gdtrain cache` does), X and
 * y are read where they lie: ds->x and ds->y point into a read-only
 * mapping of the cache (ds->mapping), checked block by block first, and
 * nothing is parsed, copied or computed. Otherwise the rows are parsed (or
 * copied from a cache without the section), standardized, and the cache
 * (re)written with the section. extra (may be NULL) is kept with it.
 * Errors as gd_dataset_load_cached's and gd_dataset_standardize's; *ds and
 * *sc are empty then. */
gd_status gd_dataset_load_standardized(gd_dataset *ds, gd_scaling *sc,
                                       const gd_load_options *opt, const char *cache_path,
                                       gd_cache_extra *extra, gd_cache_outcome *out,
                                       gd_error *err);

/* Frees what *ds holds (unmaps its mapping) and zeroes it. Accepts a zeroed
 * struct. */
void gd_dataset_free(gd_dataset *ds);

/* Holds out a seeded random fraction (0 < fraction < 1) of the rows: they
 * move to *val (new allocations, names copied), the rest stay in *ds; both
 * keep the file's row order. The same rows and seed always choose the same
 * rows. GD_ERR_USAGE if either part would be empty, GD_ERR_NOMEM if out
 * of memory; on error *ds is unchanged and *val empty. */
gd_status gd_dataset_split(gd_dataset *ds, double fraction, uint64_t seed,
                           gd_dataset *val, gd_error *err);

/* A new dataset *out of the rows i of ds with mask[i] == want, in ds's
 * order, names copied (ds is unchanged). GD_ERR_IO if out of memory, with
 * *out safe to free. */
gd_status gd_dataset_select(const gd_dataset *ds, const unsigned char *mask,
                            unsigned char want, gd_dataset *out, gd_error *err);

/* Row i of X: d contiguous doubles. */
static inline const double *gd_dataset_row(const gd_dataset *ds, size_t i)
{
    return ds->x + i * ds->d;
}

/* Standardization statistics, kept to train on z-scores and to map the
 * model back to original units. Population standard deviation (ddof 0). */
struct gd_scaling {
    size_t d;
    double *x_mean;          /* (d) */
    double *x_std;           /* (d); 1 for a constant column */
    unsigned char *constant; /* (d) 1 if the column is constant */
    double y_mean;
    double y_std;            /* 1 if the target is constant */
    int y_constant;
};

/* Computes means and standard deviations (two passes: mean, then squared
 * deviations, so large offsets keep their digits) and replaces X and y by
 * z-scores in place: x' = (x - mean) / std. Every column of finite doubles
 * works, from subnormals to the largest double (extreme columns are handled
 * scaled by a power of two). A column is constant (std 1, z-scores 0) only
 * when all its values are equal. Fills *sc (allocates; free with
 * gd_scaling_free). GD_ERR_NOMEM on memory exhaustion. */
gd_status gd_dataset_standardize(gd_dataset *ds, gd_scaling *sc, gd_error *err);

/* The same without centering, for a model through the origin: means 0, and
 * each column divided by its root mean square sqrt(mean(x^2)); only an
 * all-zero column is constant. */
gd_status gd_dataset_scale_origin(gd_dataset *ds, gd_scaling *sc, gd_error *err);

/* Z-scores X and y in place with statistics computed elsewhere (the
 * training rows' for validation rows), by the same expression as
 * gd_dataset_standardize; constant columns become 0. sc->d must be ds->d. */
void gd_dataset_apply_scaling(gd_dataset *ds, const gd_scaling *sc);

/* Frees what *sc holds and zeroes it. Accepts a zeroed struct. */
void gd_scaling_free(gd_scaling *sc);

#endif
