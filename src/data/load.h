/*
 * load: the internals of gd_dataset_load, shared by its files.
 *
 *   columns.c        the header: names, and the choice of target and features
 *   rows.c           one record into its row; the sequential path (any stream)
 *   rows_parallel.c  the parallel path (regular files, read at chosen offsets)
 *   table.c          the encoding rules: excluded and categorical columns, NA
 *                    tokens, and the state of src/data/cells.c for the load
 *   dataset.c        gd_dataset_load itself, which runs them in that order
 *
 * The types are the loader's own; the functions are link-visible, hence
 * their gd_ds_ prefix, but no part of the library outside src/data/ uses
 * them.
 */
#ifndef GDTRAIN_DATA_LOAD_H
#define GDTRAIN_DATA_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "gdtrain/dataset.h"
#include "gdtrain/error.h"
#include "data/cells.h"
#include "io/csv.h"

/* A header name: trimmed copy, its length and its 0-based column. */
typedef struct ds_name {
    const char *s;
    size_t len;
    size_t col;   /* 0-based column index */
    long column;  /* 1-based byte column of the name in the header line */
} ds_name;

/* A selected column: where its cells go. */
typedef struct ds_pick {
    size_t col;  /* 0-based column in the file */
    size_t dest; /* feature index in [0, d), or d for the target */
} ds_pick;

/* The header, kept while loading for lookups and messages. */
typedef struct ds_header {
    size_t h;        /* number of columns */
    char *text;      /* all names, trimmed, each NUL-terminated */
    ds_name *byidx;  /* (h) names in file order */
    ds_name *sorted; /* (h) the same, sorted by name */
    long line;       /* line of the header record */
} ds_header;

/* Blanks around names and cells: spaces, and tabs unless tab is the
 * delimiter. */
static inline int ds_is_blank(char c, char delim)
{
    return c == ' ' || (c == '\t' && delim != '\t');
}

/* Trims the blanks around s[0..*len). */
static inline void ds_trim(const char **s, size_t *len, char delim)
{
    const char *p = *s;
    size_t n = *len;
    while (n > 0 && ds_is_blank(p[0], delim)) {
        p++;
        n--;
    }
    while (n > 0 && ds_is_blank(p[n - 1], delim))
        n--;
    *s = p;
    *len = n;
}

/* For messages: a name quoted with gd_error_quote, into buf. */
static inline const char *ds_q(const char *s, size_t len, char *buf, size_t size)
{
    return gd_error_quote(s, len, buf, size);
}

#define DS_SKIP SIZE_MAX

/* What a row parser needs: the columns and where their cells go. */
/* Where a cell is: its line and byte column; line 0 when not known. */
typedef struct ds_place {
    long line, column;
} ds_place;

typedef struct ds_load {
    const char *file;      /* name for messages */
    char delim;
    size_t h;              /* fields per record (the header's) */
    const ds_header *hd;
    const ds_pick *picks;  /* selected columns, file order */
    size_t npicks;
    size_t *dest;          /* (h) per column: feature index, d for the target,
                              DS_SKIP if not read */
    size_t d;
    double *x;             /* (cap, d) */
    double *y;             /* (cap), or NULL without a target */
    gd_cells *cells;       /* text and missing cells (src/data/cells.h), or NULL:
                              every selected cell must be a number */
    const unsigned char *slow; /* (h) 1: the column's cells all go to cells */
    int collect;           /* the sequential path with cells: a number too
                              large is a problem kept in cells (the row read
                              on with 0 there), not the end of the load */
    size_t part, parts;    /* parts > 1: the byte range to read (gd_load_options) */
    size_t *part_range;    /* receives it, or NULL */
    int part_empty;        /* set: the range has no rows, others have */
    ds_place *first_num;   /* (d + 1) per column of X and y, the first cell
                              holding a number, for messages about input
                              that cannot be read again; or NULL */
} ds_load;

/* Reads the header record into *hd: copies and trims the names, rejects
 * empty names (unless allow_empty: the encoding rules check them when the
 * columns are chosen) and duplicate names, and names holding a byte order
 * mark. On failure *hd may hold part of the names: free it with
 * gd_ds_header_free. */
gd_status gd_ds_header_read(gd_csv_reader *r, char delim, int allow_empty, ds_header *hd,
                            gd_error *err);

/* 0-based column of the header name s[0..len), or SIZE_MAX. */
size_t gd_ds_header_find(const ds_header *hd, const char *s, size_t len);

/* The "no column named" error, with the list of the header's names. */
gd_status gd_ds_unknown(const ds_header *hd, const char *file, char delim,
                        const char *what, const char *s, size_t len, gd_error *err);

/* The column a list entry of an option names (--features, --exclude,
 * --categorical): entry trimmed of blanks, a header name or, when numbered
 * is the option's name, "#N" for the N-th column (a column named "#N"
 * wins). Sets *col, and *name and *len to the trimmed entry for messages;
 * else the "no column named" error (what: its words on the option) or,
 * for "#N" past the last column, an error naming numbered. */
gd_status gd_ds_column(const ds_header *hd, const char *entry, const char *numbered,
                       char delim, const char *file, const char *what, size_t *col,
                       const char **name, size_t *len, gd_error *err);

/* Frees what gd_ds_header_read allocated and zeroes *hd. */
void gd_ds_header_free(ds_header *hd);

/* Chooses the target and feature columns, none of those marked in excluded
 * (NULL: none). Fills picks (file order, sized h), *npicks, *d and
 * *target_col (SIZE_MAX when the target is not read). */
gd_status gd_ds_select(const ds_header *hd, const gd_load_options *opt,
                       const unsigned char *excluded, char delim, const char *file,
                       ds_pick *picks, size_t *npicks, size_t *d, size_t *target_col,
                       gd_error *err);

/* Checks one record (nf fields from the csv reader) and stores its selected
 * cells as row `row` of X and y; text and missing cells go to sink `sink`
 * of c->cells, when there are cells rules. */
gd_status gd_ds_record(const ds_load *c, int sink, const gd_csv_field *f, size_t nf,
                       size_t row, gd_error *err);

/* Sets X and y to room for exactly cap rows (allocating, growing or
 * shrinking); 0 on success, else -1 with X and y as they were. */
int gd_ds_resize(gd_dataset *ds, ds_load *c, int with_y, size_t cap);

/* The sequential path: records from the csv reader one after another into X
 * and y, grown by doubling from *cap rows (which may be 0) when full. Every
 * input goes this way when it cannot be read at chosen offsets (standard
 * input, a pipe), and a file with quoted fields that span lines. Sets *n. */
gd_status gd_ds_rows_sequential(gd_csv_reader *r, ds_load *c, gd_dataset *ds, int with_y,
                                size_t *cap, size_t *n, gd_error *err);

/* Reads the rows of the file behind r in parallel (see rows_parallel.c).
 * Sets *n and *cap (rows allocated); sets *fallback when the rows must be
 * read by the sequential path instead (the file is not a regular file, or a
 * quoted field may span lines), with X and y then allocated for *cap rows,
 * or none. */
gd_status gd_ds_rows_parallel(gd_csv_reader *r, ds_load *c, gd_dataset *ds, int with_y,
                              int threads, size_t *cap, size_t *n, int *fallback,
                              gd_cells_span **spans, size_t *nspans, gd_error *err);

/* The encoding rules of a load (table.c). */
typedef struct ds_table {
    gd_load_options opt;     /* the caller's, with features from the encoding */
    unsigned char *excluded; /* (h) columns never read */
    unsigned char *forced;   /* (d + 1) categorical whatever the cells say */
    unsigned char *slow;     /* (h) see ds_load */
    gd_na_set na;
    gd_cells_rules rules;
    gd_cells *cells;
    gd_cells_span *spans;    /* which sink read which rows (parallel path) */
    size_t nspans;
    ds_place *first_num;     /* see ds_load; standard input only */
} ds_table;

/* Before the columns are chosen: the options as the selection sees them
 * (an encoding's inputs are the features) and the excluded columns. */
gd_status gd_ds_table_begin(ds_table *t, const ds_header *hd, const gd_load_options *opt,
                            char delim, const char *file, gd_error *err);

/* Once the columns are chosen (dest as in ds_load, d features): the
 * categorical columns, the NA tokens and the cells state. */
gd_status gd_ds_table_rules(ds_table *t, const ds_header *hd, const size_t *dest,
                            size_t d, int with_y, char delim, const char *file,
                            gd_error *err);

void gd_ds_table_free(ds_table *t);

#endif
