/*
 * cells: text and missing cells while loading, and the design matrix made
 * from them. See src/data/cells.h.
 *
 * Decisions (the manual's table says the same to users):
 * - A cell is missing when its trimmed text is an NA token.
 * - A column is categorical when it is forced (--categorical, or the model's
 *   encoding says so), or when it has no cell that reads as a number and at
 *   least one that does not. A column with both numbers and text is an
 *   error that lists the odd cells: usually a typo.
 * - The target must be numeric.
 * - With decimal ',', a number is written with a comma and no '.'; "1.5"
 *   is text there.
 */
#include "data/cells.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/numparse.h"

/* ---- a dictionary of texts ------------------------------------------------ */

typedef struct dict_entry {
    size_t off, len; /* text in the arena */
    uint64_t hash;
} dict_entry;

typedef struct dict {
    size_t n, nslots;    /* entries; slots, a power of two (or 0) */
    size_t *slots;       /* entry index + 1, 0 = empty */
    dict_entry *entries;
    size_t ecap;
    char *arena;
    size_t alen, acap;
} dict;

static uint64_t hash_text(const char *s, size_t len)
{
    uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
    return h;
}

static void dict_free(dict *d)
{
    free(d->slots);
    free(d->entries);
    free(d->arena);
    memset(d, 0, sizeof *d);
}

static int dict_grow_slots(dict *d)
{
    size_t ns = d->nslots ? d->nslots * 2 : 16;
    size_t *slots = calloc(ns, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t e = 0; e < d->n; e++) {
        size_t k = (size_t)d->entries[e].hash & (ns - 1);
        while (slots[k] != 0)
            k = (k + 1) & (ns - 1);
        slots[k] = e + 1;
    }
    free(d->slots);
    d->slots = slots;
    d->nslots = ns;
    return 0;
}

/* The code of text (added if new). -1 on out of memory. */
static long dict_add(dict *d, const char *s, size_t len)
{
    uint64_t h = hash_text(s, len);
    if (d->nslots != 0) {
        for (size_t k = (size_t)h & (d->nslots - 1); d->slots[k] != 0;
             k = (k + 1) & (d->nslots - 1)) {
            const dict_entry *e = &d->entries[d->slots[k] - 1];
            if (e->hash == h && e->len == len && memcmp(d->arena + e->off, s, len) == 0)
                return (long)(d->slots[k] - 1);
        }
    }
    if (2 * (d->n + 1) > d->nslots && dict_grow_slots(d) != 0)
        return -1;
    if (d->n == d->ecap) {
        size_t nc = d->ecap ? d->ecap * 2 : 16;
        dict_entry *ne = realloc(d->entries, nc * sizeof *ne);
        if (ne == NULL)
            return -1;
        d->entries = ne;
        d->ecap = nc;
    }
    if (d->alen + len + 1 > d->acap) {
        size_t nc = d->acap ? d->acap * 2 : 256;
        while (nc < d->alen + len + 1)
            nc *= 2;
        char *na = realloc(d->arena, nc);
        if (na == NULL)
            return -1;
        d->arena = na;
        d->acap = nc;
    }
    memcpy(d->arena + d->alen, s, len);
    d->arena[d->alen + len] = '\0';
    d->entries[d->n] = (dict_entry){d->alen, len, h};
    d->alen += len + 1;
    size_t k = (size_t)h & (d->nslots - 1);
    while (d->slots[k] != 0)
        k = (k + 1) & (d->nslots - 1);
    d->slots[k] = d->n + 1;
    return (long)d->n++;
}

static const char *dict_text(const dict *d, size_t code, size_t *len)
{
    assert(code < d->n);
    *len = d->entries[code].len;
    return d->arena + d->entries[code].off;
}

/* Whether s looks like a number written with a decimal comma: [+-]d+,d+ */
static int cells_decimal_comma(const char *s, size_t len)
{
    size_t i = 0, a = 0, b = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, a++;
    if (i >= len || s[i] != ',')
        return 0;
    i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, b++;
    return i == len && a > 0 && b > 0;
}

/* Whether s is nan, inf or infinity (any case, optional sign). */
static int cells_nonfinite(const char *s, size_t len)
{
    static const char *const words[] = {"nan", "inf", "infinity"};
    if (len > 0 && (s[0] == '+' || s[0] == '-'))
        s++, len--;
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t n = strlen(words[w]);
        if (len != n)
            continue;
        size_t i = 0;
        while (i < n && (s[i] | 0x20) == words[w][i])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

const char *gd_cells_hint(const char *s, size_t len, char delim)
{
    const char *p = s;
    size_t n = len;
    if (n > 0 && (p[0] == '+' || p[0] == '-'))
        p++, n--;
    if (cells_nonfinite(s, len))
        return " (NaN and infinite values are not allowed)";
    if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return " (hexadecimal numbers are not allowed)";
    if (delim != ',' && cells_decimal_comma(s, len))
        return " (a decimal comma? write the number with a '.' as the decimal "
               "separator, or read the file with --decimal ',')";
    return "";
}

/* ---- sinks ----------------------------------------------------------------- */

enum { KEEP_PLACES = GD_MAX_PROBLEMS };

typedef struct place {
    long line, column;
    size_t code; /* the text's code in its sink */
    int sink;
} place;

/* One column's cells as seen by one sink. */
typedef struct colcells {
    dict levels;
    int full;              /* more texts than the limit: the rest not kept */
    size_t ntext, nmissing;
    place miss;            /* the first missing cell (smallest line), if any */
    place text[KEEP_PLACES]; /* the first text cells, by line */
    size_t ntext_kept;
} colcells;

struct gd_cells {
    gd_cells_rules r;
    size_t ncols;
    int nsinks;
    colcells *cols;        /* (nsinks, ncols) */
    gd_error rows[GD_MAX_PROBLEMS]; /* the first problems of the rows themselves */
    size_t nrows, rows_more;
    gd_cells_locate_fn locate; /* where a cell of the raw table is, or NULL */
    const void *locate_ctx;
};

gd_cells *gd_cells_create(const gd_cells_rules *rules, int nsinks)
{
    gd_cells *C = calloc(1, sizeof *C);
    if (C == NULL)
        return NULL;
    C->r = *rules;
    C->ncols = rules->nfeatures + (rules->with_target != 0);
    C->nsinks = nsinks;
    C->cols = calloc((size_t)nsinks * (C->ncols ? C->ncols : 1), sizeof *C->cols);
    if (C->cols == NULL) {
        free(C);
        return NULL;
    }
    return C;
}

void gd_cells_reset(gd_cells *C)
{
    for (size_t k = 0; k < (size_t)C->nsinks * C->ncols; k++) {
        dict_free(&C->cols[k].levels);
        memset(&C->cols[k], 0, sizeof C->cols[k]);
    }
    C->nrows = C->rows_more = 0;
}

void gd_cells_row_problem(gd_cells *C, const gd_error *e)
{
    if (C->nrows < GD_MAX_PROBLEMS)
        C->rows[C->nrows++] = *e;
    else
        C->rows_more++;
}

size_t gd_cells_row_problems(const gd_cells *C)
{
    return C->nrows + C->rows_more;
}

void gd_cells_set_locate(gd_cells *C, gd_cells_locate_fn locate, const void *ctx)
{
    C->locate = locate;
    C->locate_ctx = ctx;
}

void gd_cells_free(gd_cells *C)
{
    if (C == NULL)
        return;
    gd_cells_reset(C);
    free(C->cols);
    free(C);
}

int gd_cells_all(const gd_cells *C, size_t c)
{
    return C->r.decimal == ',' || C->r.forced[c];
}

/* Keeps the place among the first KEEP_PLACES by line. */
static void keep_place(place *kept, size_t *n, place p)
{
    size_t i = *n < KEEP_PLACES ? (*n)++ : KEEP_PLACES;
    if (i == KEEP_PLACES) {
        if (p.line >= kept[KEEP_PLACES - 1].line)
            return;
        i = KEEP_PLACES - 1;
    }
    while (i > 0 && kept[i - 1].line > p.line) {
        kept[i] = kept[i - 1];
        i--;
    }
    kept[i] = p;
}

/* A number written with a decimal comma: no '.', one ',' made a '.'. */
static gd_num_result parse_comma(const char *text, size_t len, double *out)
{
    char buf[128];
    if (len >= sizeof buf || memchr(text, '.', len) != NULL)
        return GD_NUM_SYNTAX;
    memcpy(buf, text, len);
    char *comma = memchr(buf, ',', len);
    if (comma != NULL)
        *comma = '.';
    return gd_numparse(buf, len, out);
}

gd_cell_kind gd_cells_take(gd_cells *C, int sink, size_t c, const char *text, size_t len,
                           long line, long column, double *out)
{
    assert(sink >= 0 && sink < C->nsinks && c < C->ncols);
    colcells *cc = &C->cols[(size_t)sink * C->ncols + c];
    if (gd_na_set_has(C->r.na, text, len)) {
        cc->nmissing++;
        if (cc->nmissing == 1 || line < cc->miss.line)
            cc->miss = (place){line, column, 0, sink};
        *out = gd_cell_missing();
        return GD_CELL_TAKEN;
    }
    if (!C->r.forced[c]) {
        gd_num_result res = C->r.decimal == ',' ? parse_comma(text, len, out)
                                                : gd_numparse(text, len, out);
        if (res == GD_NUM_OK)
            return GD_CELL_TAKEN;
        if (res == GD_NUM_OVERFLOW)
            return GD_CELL_OVERFLOW;
    }
    cc->ntext++;
    size_t code = SIZE_MAX;
    if (!cc->full) {
        if (cc->levels.n > C->r.max_levels) {
            cc->full = 1;
        } else {
            long k = dict_add(&cc->levels, text, len);
            if (k < 0)
                return GD_CELL_NO_MEMORY;
            code = (size_t)k;
        }
    }
    keep_place(cc->text, &cc->ntext_kept, (place){line, column, code, sink});
    *out = gd_cell_text(code == SIZE_MAX ? (size_t)1 << 49 : code);
    return GD_CELL_TAKEN;
}

/* ---- after the rows: one column's cells over all sinks --------------------- */

typedef struct merged {
    size_t nlevels;        /* distinct texts over every sink */
    const char **text;     /* (nlevels) in byte order */
    size_t *len;
    size_t **map;          /* (nsinks) a sink's code -> index in text */
    long *to_level;        /* applying an encoding: index in text -> the
                              input's level, -1 if it has none */
    size_t ntext, nmissing;
    int has_miss, full;
    place miss;
    place at[KEEP_PLACES]; /* the first text cells, by line */
    size_t nat;
    int categorical;
    double fill;           /* numeric: mean of the present cells */
} merged;

typedef struct text_ref {
    const char *s;
    size_t len;
} text_ref;

static int text_ref_cmp(const void *pa, const void *pb)
{
    const text_ref *a = pa, *b = pb;
    return gd_level_cmp(a->s, a->len, b->s, b->len);
}

static void merged_free(merged *M, int nsinks)
{
    if (M->map != NULL)
        for (int s = 0; s < nsinks; s++)
            free(M->map[s]);
    free(M->map);
    free(M->text);
    free(M->len);
    free(M->to_level);
}

/* The index of s among the n sorted refs, which hold it. */
static size_t find_ref(const text_ref *refs, size_t n, const char *s, size_t len)
{
    text_ref key = {s, len};
    const text_ref *hit = bsearch(&key, refs, n, sizeof *refs, text_ref_cmp);
    assert(hit != NULL);
    return (size_t)(hit - refs);
}

/* Merges column c's dictionaries and counts into *M. -1 on out of memory. */
static int merge_column(const gd_cells *C, size_t c, merged *M)
{
    size_t total = 0;
    for (int s = 0; s < C->nsinks; s++) {
        const colcells *cc = &C->cols[(size_t)s * C->ncols + c];
        total += cc->levels.n;
        M->ntext += cc->ntext;
        M->full |= cc->full;
        if (cc->nmissing > 0 && (!M->has_miss || cc->miss.line < M->miss.line)) {
            M->miss = cc->miss;
            M->has_miss = 1;
        }
        M->nmissing += cc->nmissing;
        for (size_t k = 0; k < cc->ntext_kept; k++)
            keep_place(M->at, &M->nat, cc->text[k]);
    }
    text_ref *refs = malloc((total ? total : 1) * sizeof *refs);
    M->map = calloc((size_t)C->nsinks, sizeof *M->map);
    if (refs == NULL || M->map == NULL) {
        free(refs);
        return -1;
    }
    size_t k = 0;
    for (int s = 0; s < C->nsinks; s++) {
        const dict *d = &C->cols[(size_t)s * C->ncols + c].levels;
        for (size_t e = 0; e < d->n; e++) {
            refs[k].s = dict_text(d, e, &refs[k].len);
            k++;
        }
    }
    qsort(refs, total, sizeof *refs, text_ref_cmp);
    size_t u = 0;
    for (size_t i = 0; i < total; i++)
        if (u == 0 || text_ref_cmp(&refs[u - 1], &refs[i]) != 0)
            refs[u++] = refs[i];
    M->nlevels = u;
    M->text = malloc((u ? u : 1) * sizeof *M->text);
    M->len = malloc((u ? u : 1) * sizeof *M->len);
    int bad = M->text == NULL || M->len == NULL;
    for (size_t i = 0; i < u && !bad; i++) {
        M->text[i] = refs[i].s;
        M->len[i] = refs[i].len;
    }
    for (int s = 0; s < C->nsinks && !bad; s++) {
        const dict *d = &C->cols[(size_t)s * C->ncols + c].levels;
        M->map[s] = malloc((d->n ? d->n : 1) * sizeof *M->map[s]);
        if (M->map[s] == NULL) {
            bad = 1;
            break;
        }
        for (size_t e = 0; e < d->n; e++) {
            size_t len;
            const char *t = dict_text(d, e, &len);
            M->map[s][e] = find_ref(refs, u, t, len);
        }
    }
    free(refs);
    return bad ? -1 : 0;
}

/* ---- problems -------------------------------------------------------------- */

typedef struct problems {
    gd_load_report *rep;
    gd_error *err;
    size_t count;
} problems;

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void problem(problems *P, const char *file, long line, long column,
                    const char *fmt, ...)
{
    char msg[sizeof P->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (P->count++ == 0)
        gd_error_set(P->err, GD_ERR_DATA, file, line, column, "%s", msg);
    if (P->rep == NULL)
        return;
    if (P->rep->nproblems < GD_MAX_PROBLEMS)
        gd_error_set(&P->rep->problems[P->rep->nproblems++], GD_ERR_DATA, file, line,
                     column, "%s", msg);
    else
        P->rep->more++;
}

/* Counts k problems that were not kept (beyond the first ones). */
static void problems_more(problems *P, size_t k)
{
    P->count += k;
    if (P->rep != NULL)
        P->rep->more += k;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void note(gd_load_report *rep, const char *fmt, ...)
{
    if (rep == NULL || rep->nnotes == GD_MAX_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->notes[rep->nnotes++], sizeof rep->notes[0], fmt, ap);
    va_end(ap);
}

/* ---- deciding each column -------------------------------------------------- */

typedef struct finish {
    gd_cells *C;
    gd_dataset *ds;
    merged *M;             /* (ncols) */
    problems P;
    gd_load_report *rep;
    const char *file;
} finish;

static const char *col_name(const finish *F, size_t c)
{
    return c < F->C->r.nfeatures ? F->ds->feature_names[c] : F->ds->target_name;
}

/* The text of a kept place of column c, quoted into buf; *hint says why it
 * is not a number. */
static const char *place_text(const finish *F, size_t c, const place *p, char *buf,
                              size_t size, const char **hint)
{
    *hint = "";
    if (p->code == SIZE_MAX)
        return "?";
    size_t len;
    const char *t = dict_text(&F->C->cols[(size_t)p->sink * F->C->ncols + c].levels,
                              p->code, &len);
    *hint = gd_cells_hint(t, len, F->C->r.delim);
    return gd_error_quote(t, len, buf, size);
}

/* Each text cell of a column that must be numeric is a problem. */
static void text_in_numbers(finish *F, size_t c, const char *hint)
{
    const merged *M = &F->M[c];
    char nq[200], tq[200];
    gd_error_quote(col_name(F, c), strlen(col_name(F, c)), nq, sizeof nq);
    for (size_t k = 0; k < M->nat; k++) {
        const char *why;
        const char *text = place_text(F, c, &M->at[k], tq, sizeof tq, &why);
        problem(&F->P, F->file, M->at[k].line, M->at[k].column,
                "column '%s': expected a number, found \"%s\"%s", nq, text,
                why[0] ? why : k == 0 ? hint : "");
    }
    problems_more(&F->P, M->ntext - M->nat);
}

/* The first row of column c (a feature) holding a number. */
static size_t first_number_row(const finish *F, size_t c)
{
    const gd_dataset *ds = F->ds;
    for (size_t i = 0; i < ds->n; i++) {
        double v = ds->x[i * F->C->r.nfeatures + c];
        if (v == v)
            return i;
    }
    return 0;
}

/* Decides whether feature or target c is categorical, and reports what is
 * wrong with its cells. */
static void decide_column(finish *F, size_t c)
{
    const gd_cells_rules *r = &F->C->r;
    merged *M = &F->M[c];
    const size_t n = F->ds->n;
    const size_t nnum = n - M->ntext - M->nmissing;
    char nq[200], hint[512];
    const char *name = col_name(F, c);
    gd_error_quote(name, strlen(name), nq, sizeof nq);
    if (c == r->nfeatures) { /* the target: a typo, or a text column */
        if (M->ntext > 0)
            text_in_numbers(F, c, nnum >= M->ntext ? "" : " (the target must be numeric)");
        return;
    }
    if (r->encoding != NULL) {
        M->categorical = r->encoding->inputs[c].categorical;
        if (!M->categorical && M->ntext > 0)
            text_in_numbers(F, c, " (the model reads this column as numeric)");
        return;
    }
    if (r->forced[c] || (nnum == 0 && M->ntext > 0)) {
        M->categorical = 1;
        if (M->full || M->nlevels > r->max_levels)
            problem(&F->P, F->file, M->nat ? M->at[0].line : 0,
                    M->nat ? M->at[0].column : 0,
                    "column '%s' has more than %zu different values (in %zu rows): an "
                    "identifier or free text? Leave it out with --exclude '%s', or "
                    "raise the limit with --max-levels", nq, r->max_levels, n, nq);
        return;
    }
    if (M->ntext == 0)
        return;
    if (nnum >= M->ntext) {
        snprintf(hint, sizeof hint, " (%zu of its %zu cells %s; if the column holds "
                 "categories, use --categorical '%s')", M->ntext, n,
                 M->ntext == 1 ? "is not a number" : "are not numbers", nq);
        text_in_numbers(F, c, hint);
        return;
    }
    size_t row = first_number_row(F, c);
    long line = r->first_line + (long)row, column = 0;
    if (F->C->locate != NULL)
        F->C->locate(F->C->locate_ctx, row, c, &line, &column);
    problem(&F->P, F->file, line, column,
            "column '%s' holds %zu number%s among %zu texts (the first in data row "
            "%zu): if they are categories too, use --categorical '%s'", nq, nnum,
            nnum == 1 ? "" : "s",
            M->ntext, row + 1, nq);
}

/* Under the error policy, a column's missing cells are one problem. */
static void report_missing(finish *F, size_t c)
{
    const merged *M = &F->M[c];
    if (M->nmissing == 0)
        return;
    char nq[200];
    const char *name = col_name(F, c);
    /* --na is no option of predict and eval: their policy is the model's. */
    const char *fix = F->C->r.na_of_model
                          ? "the model was trained with --na error; one trained with --na drop "
                            "or --na mean takes such rows"
                          : "--na drop leaves such rows out, --na mean fills them in";
    problem(&F->P, F->file, M->miss.line, M->miss.column,
            "column '%s': %zu missing cell%s (the first here); %s%s",
            gd_error_quote(name, strlen(name), nq, sizeof nq), M->nmissing,
            M->nmissing == 1 ? "" : "s", fix,
            c == F->C->r.nfeatures ? " (a missing target is always left out)" : "");
}

/* Whether numeric feature c counts the rows: start, start + 1, ... (start 0
 * or 1), every cell present. */
static int counts_rows(const finish *F, size_t c)
{
    const gd_dataset *ds = F->ds;
    const size_t m = F->C->r.nfeatures;
    if (ds->n < 3) /* an empty part of the rows (gdtrain-mpi) may have no X */
        return 0;
    double start = ds->x[c];
    if (start != 0.0 && start != 1.0)
        return 0;
    for (size_t i = 0; i < ds->n; i++)
        if (ds->x[i * m + c] != start + (double)i)
            return 0;
    return 1;
}

/* Warnings about columns that are probably identifiers. */
static void warn_identifiers(finish *F, size_t c)
{
    const merged *M = &F->M[c];
    const size_t present = F->ds->n - M->nmissing;
    char nq[200];
    const char *name = col_name(F, c);
    gd_error_quote(name, strlen(name), nq, sizeof nq);
    if (M->categorical && present >= 10 && M->nlevels * 10 >= present * 9)
        note(F->rep, "column '%s' has a different value in nearly every row (%zu "
             "levels in %zu rows): an identifier? Leave it out with --exclude '%s'",
             nq, M->nlevels, present, nq);
    else if (!M->categorical && M->nmissing == 0 && counts_rows(F, c))
        note(F->rep, "column '%s' counts the rows (%g, %g, %g, ...): an identifier? "
             "Leave it out with --exclude '%s'", nq, F->ds->x[c], F->ds->x[c] + 1,
             F->ds->x[c] + 2, nq);
}

/* Columns whose means share one pass over the rows: their sums are
 * independent chains, so the passes cost little more than one column's
 * (which, strided over the rows, was a pass of its own). */
#define MEAN_COLUMNS 8

/* Into each numeric feature's fill, the mean of its present cells in the
 * rows with a target (Neumaier's sum, in row order, per column), or 0 when
 * it has none. */
static void present_means(finish *F)
{
    const gd_dataset *ds = F->ds;
    const size_t m = F->C->r.nfeatures;
    for (size_t c0 = 0; c0 < m; c0 += MEAN_COLUMNS) {
        const size_t k = m - c0 < MEAN_COLUMNS ? m - c0 : MEAN_COLUMNS;
        double s[MEAN_COLUMNS] = {0}, comp[MEAN_COLUMNS] = {0};
        size_t count[MEAN_COLUMNS] = {0};
        for (size_t i = 0; i < ds->n; i++) {
            if (ds->y != NULL && ds->y[i] != ds->y[i])
                continue;
            const double *row = ds->x + i * m + c0;
            for (size_t c = 0; c < k; c++) {
                double v = row[c];
                if (v != v)
                    continue;
                double t = s[c] + v;
                comp[c] += fabs(s[c]) >= fabs(v) ? (s[c] - t) + v : (v - t) + s[c];
                s[c] = t;
                count[c]++;
            }
        }
        for (size_t c = 0; c < k; c++)
            if (!F->M[c0 + c].categorical)
                F->M[c0 + c].fill = count[c] ? (s[c] + comp[c]) / (double)count[c] : 0.0;
    }
}

/* Builds the encoding learnt from the data into *e (inputs: the features
 * but the index column). -1 on out of memory. */
static int learn_encoding(finish *F, gd_encoding *e)
{
    const gd_cells_rules *r = &F->C->r;
    memset(e, 0, sizeof *e);
    e->na = r->policy;
    e->inputs = calloc(r->nfeatures ? r->nfeatures : 1, sizeof *e->inputs);
    if (e->inputs == NULL)
        return -1;
    for (size_t k = 0; k < r->na->n; k++)
        if (gd_na_set_add(&e->na_values, r->na->tokens[k], strlen(r->na->tokens[k]),
                          NULL) != GD_OK)
            return -1;
    for (size_t c = 0; c < r->nfeatures; c++) {
        if (c == r->index_col)
            continue;
        const merged *M = &F->M[c];
        gd_input *in = &e->inputs[e->ninputs++];
        size_t name_size = strlen(col_name(F, c)) + 1;
        in->name = malloc(name_size);
        if (in->name == NULL)
            return -1;
        memcpy(in->name, col_name(F, c), name_size);
        in->categorical = M->categorical;
        in->fill = M->fill;
        if (!in->categorical)
            continue;
        in->missing_level = r->policy == GD_NA_MEAN && M->nmissing > 0;
        in->nlevels = M->nlevels + (size_t)in->missing_level;
        in->levels = calloc(in->nlevels ? in->nlevels : 1, sizeof *in->levels);
        if (in->levels == NULL)
            return -1;
        for (size_t k = 0; k < in->nlevels; k++) {
            const char *t = k < M->nlevels ? M->text[k] : GD_MISSING_LEVEL;
            size_t len = k < M->nlevels ? M->len[k] : strlen(GD_MISSING_LEVEL);
            if ((in->levels[k] = malloc(len + 1)) == NULL)
                return -1;
            memcpy(in->levels[k], t, len);
            in->levels[k][len] = '\0';
        }
    }
    return 0;
}

/* Applying an encoding: each merged text's level in input c. */
static int map_levels(finish *F, size_t c)
{
    merged *M = &F->M[c];
    const gd_input *in = &F->C->r.encoding->inputs[c];
    M->to_level = malloc((M->nlevels ? M->nlevels : 1) * sizeof *M->to_level);
    if (M->to_level == NULL)
        return -1;
    for (size_t k = 0; k < M->nlevels; k++)
        M->to_level[k] = gd_input_find_level(in, M->text[k], M->len[k]);
    return 0;
}

/* ---- rows ------------------------------------------------------------------ */

/* Resolves cell v of feature c (read by sink s) into a number or a level
 * index. Returns 0, or 1 when the cell is missing and the row must go (or
 * stay as NaN); sets *unseen for a level the encoding does not know. */
static int resolve_cell(const finish *F, size_t c, int s, double *v, int *unseen)
{
    const gd_cells_rules *r = &F->C->r;
    const merged *M = &F->M[c];
    const gd_input *in = r->encoding ? &r->encoding->inputs[c] : NULL;
    int missing;
    size_t code;
    if (gd_cell_number(*v, &missing, &code))
        return 0;
    if (!missing) {
        size_t k = F->M[c].map[s][code];
        if (in != NULL) {
            long level = M->to_level[k];
            *unseen |= level < 0;
            k = level < 0 ? 0 : (size_t)level;
        }
        *v = (double)k;
        return 0;
    }
    if (r->policy != GD_NA_MEAN)
        return 1;
    if (r->raw) {
        *v = gd_cell_bits(GD_CELL_NAN);
        return 0;
    }
    if (!M->categorical) {
        *v = in ? in->fill : M->fill;
    } else if (in == NULL) {
        *v = (double)M->nlevels; /* the (missing) level, last */
    } else if (in->missing_level) {
        *v = (double)(in->nlevels - 1);
    } else {
        *v = 0.0;
        *unseen = 1;
    }
    return 0;
}

/* One pass over the rows: resolves every cell, and moves the rows that stay
 * up over those that go. Returns the rows kept. */
static size_t resolve_rows(finish *F, const gd_cells_span *spans, size_t nspans)
{
    const gd_cells_rules *r = &F->C->r;
    gd_dataset *ds = F->ds;
    const size_t m = r->nfeatures;
    size_t kept = 0, span = 0;
    for (size_t i = 0; i < ds->n; i++) {
        while (span + 1 < nspans && spans[span + 1].first_row <= i)
            span++;
        const int s = spans[span].sink;
        double *row = ds->x + i * m, *out = ds->x + kept * m;
        int incomplete = 0, unseen = 0;
        if (ds->y != NULL) {
            int missing;
            size_t code;
            if (!gd_cell_number(ds->y[i], &missing, &code)) {
                assert(missing);
                if (F->rep)
                    F->rep->dropped_target++;
                incomplete = 2;
            }
        }
        for (size_t c = 0; c < m && incomplete < 2; c++) {
            if (c == r->index_col)
                continue;
            incomplete |= resolve_cell(F, c, s, &row[c], &unseen);
        }
        if (incomplete == 1 && r->keep_incomplete) {
            for (size_t c = 0; c < m; c++)
                row[c] = gd_cell_bits(GD_CELL_NAN);
            incomplete = 0;
        }
        if (incomplete) {
            if (F->rep)
                F->rep->dropped++;
            continue;
        }
        if (F->rep)
            F->rep->unseen += (size_t)unseen;
        memmove(out, row, m * sizeof *row);
        if (ds->y != NULL)
            ds->y[kept] = ds->y[i];
        kept++;
    }
    return kept;
}

/* Expands row raw (m raw values) into out (width values) through e: the
 * inputs are the raw columns but skip. A NaN anywhere makes the whole row
 * NaN (a row kept incomplete). */
static void expand_one(const gd_encoding *e, const double *raw, size_t m, size_t skip,
                       double *tmp, double *out, size_t width)
{
    size_t i = 0;
    int nan = 0;
    for (size_t c = 0; c < m; c++) {
        if (c == skip)
            continue;
        nan |= raw[c] != raw[c];
        tmp[i++] = raw[c];
    }
    if (nan) {
        for (size_t k = 0; k < width; k++)
            out[k] = gd_cell_bits(GD_CELL_NAN);
        return;
    }
    gd_encoding_expand_row(e, tmp, out);
}

/* Replaces the n raw rows of X (m wide) by design rows (width wide), in
 * place: forwards when rows shrink, else after growing X, backwards. -1 on
 * out of memory (X then unchanged or grown, its rows as they were). */
static int expand_rows(gd_dataset *ds, const gd_encoding *e, size_t m, size_t skip,
                       size_t width)
{
    const size_t n = ds->n;
    if (n == 0)
        return 0; /* an empty part of the rows: realloc to 0 bytes may free X */
    double *tmp = malloc((m + width + 1) * sizeof *tmp);
    if (tmp == NULL)
        return -1;
    double *row = tmp + m;
    if (width <= m) {
        for (size_t i = 0; i < n; i++) {
            expand_one(e, ds->x + i * m, m, skip, tmp, row, width);
            memcpy(ds->x + i * width, row, width * sizeof *row);
        }
        double *x = realloc(ds->x, n * width * sizeof *x);
        if (x != NULL)
            ds->x = x;
    } else {
        if (n > SIZE_MAX / sizeof(double) / width) {
            free(tmp);
            return -1;
        }
        double *x = realloc(ds->x, n * width * sizeof *x);
        if (x == NULL) {
            free(tmp);
            return -1;
        }
        ds->x = x;
        for (size_t i = n; i-- > 0;) {
            expand_one(e, ds->x + i * m, m, skip, tmp, row, width);
            memcpy(ds->x + i * width, row, width * sizeof *row);
        }
    }
    free(tmp);
    return 0;
}

/* Whether resolving and expanding the rows would leave X and y as they
 * are: every cell a number (none missing, no text: so none is a NaN), and
 * each column its own design column. Then the two passes over the rows,
 * which a plain table of numbers paid for nothing, are skipped. */
static int plain_rows(const finish *F, const gd_encoding *e, size_t width)
{
    const size_t m = F->C->r.nfeatures;
    if (width != m || e->ninputs != m || F->C->r.index_col < m)
        return 0;
    for (size_t c = 0; c < F->C->ncols; c++)
        if (F->M[c].ntext > 0 || F->M[c].nmissing > 0 || F->M[c].categorical)
            return 0;
    for (size_t i = 0; i < e->ninputs; i++)
        if (e->inputs[i].categorical)
            return 0;
    return 1;
}

/* The design columns' names. -1 on out of memory (names unchanged). */
static int design_names(gd_dataset *ds, const gd_encoding *e, size_t m, size_t width)
{
    char **names = calloc(width ? width : 1, sizeof *names);
    if (names == NULL)
        return -1;
    size_t j = 0;
    for (size_t i = 0; i < e->ninputs; i++) {
        for (size_t k = 0; k < gd_input_width(&e->inputs[i]); k++) {
            if ((names[j++] = gd_input_column_name(&e->inputs[i], k)) == NULL) {
                for (size_t q = 0; q < j; q++)
                    free(names[q]);
                free(names);
                return -1;
            }
        }
    }
    for (size_t c = 0; c < m; c++)
        free(ds->feature_names[c]);
    free(ds->feature_names);
    ds->feature_names = names;
    return 0;
}

/* raw_inputs: X's rows (m raw values) cut to the inputs' columns, the
 * index column skip left out, in place, and the inputs' names. -1 on out
 * of memory (names unchanged). */
static int input_rows(gd_dataset *ds, const gd_encoding *e, size_t m, size_t skip)
{
    char **names = calloc(e->ninputs ? e->ninputs : 1, sizeof *names);
    if (names == NULL)
        return -1;
    for (size_t i = 0; i < e->ninputs; i++) {
        size_t len = strlen(e->inputs[i].name);
        if ((names[i] = malloc(len + 1)) == NULL) {
            for (size_t q = 0; q < i; q++)
                free(names[q]);
            free(names);
            return -1;
        }
        memcpy(names[i], e->inputs[i].name, len + 1);
    }
    if (skip < m) /* each value moves down, never past one not yet read */
        for (size_t i = 0; i < ds->n; i++)
            for (size_t c = 0, k = 0; c < m; c++)
                if (c != skip)
                    ds->x[i * (m - 1) + k++] = ds->x[i * m + c];
    for (size_t c = 0; c < m; c++)
        free(ds->feature_names[c]);
    free(ds->feature_names);
    ds->feature_names = names;
    return 0;
}

/* ---- the whole step -------------------------------------------------------- */

/* A first column without a name: the row index pandas writes, skipped with
 * a note; anything else there is a problem. */
static void check_index_column(finish *F)
{
    size_t c = F->C->r.index_col;
    if (c == SIZE_MAX)
        return;
    const merged *M = &F->M[c];
    if (!M->categorical && M->ntext == 0 && M->nmissing == 0 && counts_rows(F, c)) {
        note(F->rep, "column 1 has no name and counts the rows (%g, %g, ...): read as "
             "a row index and left out", F->ds->x[c], F->ds->x[c] + 1);
        return;
    }
    problem(&F->P, F->file, F->C->r.first_line - 1, 1,
            "column %zu of the header has an empty name; name it, or leave it out "
            "with --exclude '#%zu'", (size_t)1, (size_t)1);
}

/* With --strict, each kept cell whose level the encoding lacks is a
 * problem. */
static void report_unseen(finish *F, size_t c)
{
    const merged *M = &F->M[c];
    char nq[200], tq[200];
    const char *name = col_name(F, c);
    gd_error_quote(name, strlen(name), nq, sizeof nq);
    for (size_t k = 0; k < M->nat; k++) {
        const place *p = &M->at[k];
        const char *why;
        if (p->code == SIZE_MAX || M->to_level[M->map[p->sink][p->code]] >= 0)
            continue;
        problem(&F->P, F->file, p->line, p->column,
                "column '%s': level \"%s\" was not in the training data (--strict)", nq,
                place_text(F, c, p, tq, sizeof tq, &why));
    }
}

/* Deciding, checking and (applying an encoding) mapping levels: the steps
 * before any row changes. -1 on out of memory. */
static int check_columns(finish *F)
{
    gd_cells *C = F->C;
    const gd_cells_rules *r = &C->r;
    for (size_t c = 0; c < C->ncols; c++)
        if (merge_column(C, c, &F->M[c]) != 0)
            return -1;
    for (size_t c = 0; c < C->ncols; c++) {
        decide_column(F, c);
        if (r->policy == GD_NA_ERROR && c != r->index_col)
            report_missing(F, c);
        if (r->encoding != NULL && c < r->nfeatures && F->M[c].categorical) {
            if (map_levels(F, c) != 0)
                return -1;
            if (r->strict)
                report_unseen(F, c);
        }
    }
    check_index_column(F);
    return 0;
}

gd_status gd_cells_finish(gd_cells *C, gd_dataset *ds, const gd_cells_span *spans,
                          size_t nspans, gd_load_report *report, gd_error *err)
{
    const gd_cells_rules *r = &C->r;
    const size_t m = r->nfeatures;
    gd_encoding *e = calloc(1, sizeof *e);
    finish F = {C, ds, calloc(C->ncols ? C->ncols : 1, sizeof(merged)), {report, err, 0},
                report, r->file};
    gd_status st = GD_OK;
    for (size_t k = 0; k < C->nrows; k++)
        problem(&F.P, C->rows[k].file, C->rows[k].line, C->rows[k].column, "%s",
                C->rows[k].message);
    problems_more(&F.P, C->rows_more);
    if (ds->n == 0 && F.P.count > 0) { /* every row was ragged, or reading stopped */
        st = GD_ERR_DATA;
        goto cleanup;
    }
    if (e == NULL || F.M == NULL || check_columns(&F) != 0)
        goto oom;
    if (F.P.count > 0) {
        st = GD_ERR_DATA;
        goto cleanup;
    }
    present_means(&F);
    for (size_t c = 0; c < m; c++)
        if (r->encoding == NULL && c != r->index_col)
            warn_identifiers(&F, c);
    if (r->encoding != NULL ? gd_encoding_copy(e, r->encoding, err) != GD_OK
                            : learn_encoding(&F, e) != 0)
        goto oom;
    size_t width = gd_encoding_width(e);
    const int plain = plain_rows(&F, e, width);
    size_t kept = plain ? ds->n : resolve_rows(&F, spans, nspans);
    /* A part of the rows may be left without any: the parts' sum may not,
     * which their caller checks */
    if (kept == 0 && !r->part) {
        st = gd_error_set(err, GD_ERR_DATA, r->file, 0, 0,
                          "no rows left: each of the %zu rows has a missing cell%s", ds->n,
                          r->policy != GD_NA_DROP ? ""
                          : r->na_of_model        ? " (the model was trained with --na drop)"
                                                  : " (--na mean fills them in instead)");
        goto cleanup;
    }
    if (width == 0) {
        st = m == 1 && r->index_col == 0
                 ? gd_error_set(err, GD_ERR_DATA, r->file, 0, 0,
                                "no features: the only one, column 1, has no name and "
                                "counts the rows, so it was read as a row index and left "
                                "out; name it in the header to use it")
                 : gd_error_set(err, GD_ERR_DATA, r->file, 0, 0,
                                "no design columns: every feature is categorical with a "
                                "single level");
        goto cleanup;
    }
    ds->n = kept;
    if (r->raw) {
        if (input_rows(ds, e, m, r->index_col) != 0)
            goto oom;
        width = e->ninputs;
    } else if ((!plain && expand_rows(ds, e, m, r->index_col, width) != 0) ||
               design_names(ds, e, m, width) != 0) {
        goto oom;
    }
    ds->d = width;
    ds->encoding = e;
    e = NULL;
    goto cleanup;

oom:
    st = gd_error_set(err, GD_ERR_NOMEM, r->file, 0, 0, "out of memory");
cleanup:
    if (F.M != NULL)
        for (size_t c = 0; c < C->ncols; c++)
            merged_free(&F.M[c], C->nsinks);
    free(F.M);
    gd_encoding_free(e);
    free(e);
    return st;
}
