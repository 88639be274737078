/*
 * encode: how the columns of a table become the columns of the design
 * matrix X, and how missing cells are treated.
 *
 * An input column is numeric or categorical. A numeric column is one design
 * column. A categorical column with L levels (its distinct texts, sorted in
 * byte order) is L - 1 indicator columns: reference (treatment) coding, as
 * R's lm does. The first level in byte order is the reference and has no
 * column; a row of level k > 0 has a 1 in indicator k - 1 and 0 elsewhere.
 * So the exact least-squares optimum stays unique, and each weight reads as
 * "this level against the reference". A design column is named
 * "column=level".
 *
 * Missing cells are those whose trimmed text is one of the NA tokens
 * (by default: the empty cell, NA, N/A, NaN, nan, null, NULL, ?). The
 * policy says what to do with them:
 *   error  the load fails, with the count per column and the first place;
 *   drop   rows with a missing cell in a used column are left out;
 *   mean   a numeric column's missing cells take its training mean (the
 *          "fill" below); a categorical column gets one more level,
 *          "(missing)", always last and never the reference.
 * A missing target is never filled in: under drop and mean its rows are
 * left out.
 *
 * The encoding is learnt from the training data, stored in the model file,
 * and applied unchanged to the rows of predict, eval and validation files:
 * a level the training data did not have is read as the reference level
 * (and counted), a missing cell as the policy says.
 */
#ifndef GDTRAIN_ENCODE_H
#define GDTRAIN_ENCODE_H

#include <stddef.h>

#include "gdtrain/error.h"

/* Categorical columns with more levels than this are refused unless the
 * limit is raised (gd_load_options.max_levels): so many levels are almost
 * always an identifier or free text, and each costs a design column. */
#define GD_DEFAULT_MAX_LEVELS 200

/* The name of the level that stands for a missing cell under GD_NA_MEAN. */
#define GD_MISSING_LEVEL "(missing)"

typedef enum gd_na_policy {
    GD_NA_ERROR = 0, /* missing cells are an error (the default) */
    GD_NA_DROP,      /* rows with missing cells are left out */
    GD_NA_MEAN       /* numeric: the training mean; categorical: a level */
} gd_na_policy;

/* The policy named "error", "drop" or "mean": 0 and *out set, or -1. */
int gd_na_policy_parse(const char *name, gd_na_policy *out);

/* The policy's name. */
const char *gd_na_policy_name(gd_na_policy p);

/* A set of NA tokens (exact, case-sensitive matches of a trimmed cell). */
typedef struct gd_na_set {
    size_t n;
    char **tokens; /* (n) */
} gd_na_set;

/* Fills *s with the default tokens (list == NULL) or with the items of the
 * comma-separated list (an empty item is the empty cell). GD_ERR_IO on out
 * of memory; *s is then safe to free. */
gd_status gd_na_set_init(gd_na_set *s, const char *list, gd_error *err);

/* Whether the text s[0..len) is one of the tokens. */
int gd_na_set_has(const gd_na_set *s, const char *text, size_t len);

/* Whether *s is the default set (same tokens, any order). */
int gd_na_set_is_default(const gd_na_set *s);

/* Appends token (copied). GD_ERR_IO on out of memory. */
gd_status gd_na_set_add(gd_na_set *s, const char *token, size_t len, gd_error *err);

/* Frees what *s holds and zeroes it. Accepts a zeroed struct. */
void gd_na_set_free(gd_na_set *s);

/* One input column of the table. */
typedef struct gd_input {
    char *name;
    int categorical;    /* 0: numeric, one design column */
    size_t nlevels;     /* categorical: levels, the (missing) one included */
    char **levels;      /* (nlevels) byte order, then GD_MISSING_LEVEL if
                           missing_level; levels[0] is the reference */
    int missing_level;  /* 1 if the last level stands for missing cells */
    double fill;        /* numeric: the training mean of its present cells,
                           what GD_NA_MEAN puts in a missing cell */
} gd_input;

/* The whole mapping from a table's columns to the design matrix. */
typedef struct gd_encoding {
    size_t ninputs;
    gd_input *inputs;   /* (ninputs) in the order of their design columns */
    gd_na_policy na;
    gd_na_set na_values;
} gd_encoding;

/* Number of design columns an input makes: 1, or nlevels - 1. */
size_t gd_input_width(const gd_input *in);

/* Total design columns. */
size_t gd_encoding_width(const gd_encoding *e);

/* Whether the encoding says nothing a plain numeric model does not: every
 * input numeric, policy error, default NA tokens. Such a model file is
 * written in the format of version 1. */
int gd_encoding_is_plain(const gd_encoding *e);

/* The order of levels: bytes compared as unsigned, a text before the longer
 * ones it starts. <0, 0 or >0 as for memcmp. */
int gd_level_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* The index of level text[0..len) among in's levels, the (missing) one not
 * included, or -1. Binary search: levels are sorted. */
long gd_input_find_level(const gd_input *in, const char *text, size_t len);

/* Writes the name of design column k of input in into a new string
 * ("name" for a numeric input, "name=level" for indicator k). NULL on out of
 * memory. */
char *gd_input_column_name(const gd_input *in, size_t k);

/* Expands one row. raw[i] is input i's value: a number for a numeric input,
 * a level index (as a double) for a categorical one. out gets
 * gd_encoding_width(e) values. Missing cells must have been resolved. */
void gd_encoding_expand_row(const gd_encoding *e, const double *raw, double *out);

/* Fills *e with n numeric inputs named names[0..n) (copied), policy
 * error and the default NA tokens: what a model without an encoding
 * means. GD_ERR_IO on out of memory (*e is then safe to free). */
gd_status gd_encoding_plain(gd_encoding *e, size_t n, const char *const *names,
                            gd_error *err);

/* Deep copy. GD_ERR_IO on out of memory (*dst is then safe to free). */
gd_status gd_encoding_copy(gd_encoding *dst, const gd_encoding *src, gd_error *err);

/* Frees what *e holds and zeroes it. Accepts a zeroed struct. */
void gd_encoding_free(gd_encoding *e);

#endif
