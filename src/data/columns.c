/*
 * columns: the header line and the choice of columns (see load.h).
 *
 * Choices the header leaves open:
 * - Header names, and the names asked for in the options, are trimmed of
 *   surrounding spaces and tabs (only spaces when tab is the delimiter), also
 *   when quoted. Cells are trimmed the same way before parsing.
 * - Without an explicit feature list the features are all columns but the
 *   target, in file order; with need_target == 0 the "target" left out is
 *   the named one if the file has it (all columns otherwise), or the last
 *   column when none is named, so that a training file gives the same
 *   features either way. A feature equal to the target is an error only when
 *   the target is read.
 * - Errors about column selection point at the header's line: at the
 *   column's name when it has one, else column 1; "no header line" at 1:1.
 */
#include "data/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ds_name_cmp(const void *a, const void *b)
{
    const ds_name *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c != 0)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

/* 0-based column of the header name s[0..len), or SIZE_MAX. Names are
 * unique once gd_ds_header_read has succeeded. */
size_t gd_ds_header_find(const ds_header *hd, const char *s, size_t len)
{
    size_t lo = 0, hi = hd->h;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const ds_name *m = &hd->sorted[mid];
        size_t n = m->len < len ? m->len : len;
        int c = memcmp(m->s, s, n);
        if (c == 0)
            c = m->len < len ? -1 : m->len > len;
        if (c == 0)
            return m->col;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

void gd_ds_header_free(ds_header *hd)
{
    free(hd->text);
    free(hd->byidx);
    free(hd->sorted);
    memset(hd, 0, sizeof *hd);
}

/* Whether s[0..len) holds a UTF-8 byte order mark. */
static int ds_find_bom(const char *s, size_t len)
{
    for (size_t i = 0; i + 3 <= len; i++)
        if (memcmp(s + i, "\xEF\xBB\xBF", 3) == 0)
            return 1;
    return 0;
}

/* Fails if two names of the header are equal, naming the pair whose second
 * occurrence comes first in the file (f: the header's fields). */
static gd_status ds_duplicates(const ds_header *hd, gd_csv_reader *r,
                               const gd_csv_field *f, gd_error *err)
{
    /* Duplicates are adjacent once sorted (by name, then column). */
    size_t first = SIZE_MAX, second = SIZE_MAX;
    for (size_t k = 1; k < hd->h; k++) {
        const ds_name *a = &hd->sorted[k - 1], *b = &hd->sorted[k];
        /* Within a group the second entry has the smallest second column,
         * so a later pair of the same group never wins. */
        if (a->len == b->len && a->len > 0 && memcmp(a->s, b->s, a->len) == 0 &&
            b->col < second) {
            first = a->col;
            second = b->col;
        }
    }
    if (second == SIZE_MAX)
        return GD_OK;
    char q[200];
    return gd_error_set(err, GD_ERR_DATA, gd_csv_name(r), f[second].line,
                        f[second].column, "duplicate column name '%s': columns %zu and %zu",
                        ds_q(hd->byidx[second].s, hd->byidx[second].len, q, sizeof q),
                        first + 1, second + 1);
}

gd_status gd_ds_header_read(gd_csv_reader *r, char delim, int allow_empty, ds_header *hd,
                            gd_error *err)
{
    const gd_csv_field *f;
    size_t nf;
    gd_status st = gd_csv_next(r, &f, &nf, err);
    if (st != GD_OK)
        return st;
    if (nf == 0)
        return gd_error_set(err, GD_ERR_DATA, gd_csv_name(r), 1, 1,
                            "no header line (the file is empty)");
    hd->h = nf;
    hd->line = f[0].line;

    size_t total = 0;
    for (size_t j = 0; j < nf; j++)
        total += f[j].len + 1;
    hd->text = malloc(total);
    /* calloc, not malloc: clang's analyzer takes an entry read at an index
     * that comes back from qsort for unset memory unless it is zeroed. */
    hd->byidx = calloc(nf, sizeof *hd->byidx);
    hd->sorted = malloc(nf * sizeof *hd->sorted);
    if (hd->text == NULL || hd->byidx == NULL || hd->sorted == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, gd_csv_name(r), 0, 0, "out of memory");

    char *out = hd->text;
    for (size_t j = 0; j < nf; j++) {
        const char *s = f[j].text;
        size_t len = f[j].len;
        ds_trim(&s, &len, delim);
        if (len == 0 && !allow_empty)
            return gd_error_set(err, GD_ERR_DATA, gd_csv_name(r), f[j].line,
                                f[j].column, "column %zu of the header has an empty name",
                                j + 1);
        /* U+FEFF is invisible: a name holding it would match no --target or
         * --features the user can type. A file starting with two byte order
         * marks (one skipped by the reader) is the usual way to get one. */
        if (ds_find_bom(s, len))
            return gd_error_set(err, GD_ERR_DATA, gd_csv_name(r), f[j].line,
                                f[j].column,
                                "the name of column %zu holds an invisible byte order "
                                "mark (U+FEFF, bytes EF BB BF)%s", j + 1,
                                j == 0 ? ": does the file start with two?" : "");
        memcpy(out, s, len);
        out[len] = '\0';
        hd->byidx[j].s = out;
        hd->byidx[j].len = len;
        hd->byidx[j].col = j;
        hd->byidx[j].column = f[j].column;
        out += len + 1;
    }
    memcpy(hd->sorted, hd->byidx, nf * sizeof *hd->sorted);
    qsort(hd->sorted, nf, sizeof *hd->sorted, ds_name_cmp);
    return ds_duplicates(hd, r, f, err);
}

/* If the header was read as one column whose name holds another common
 * separator, writes a hint naming it into hint; else an empty string. */
static void ds_delimiter_hint(const ds_header *hd, char delim, char *hint, size_t size)
{
    static const struct {
        char c;
        const char *flag;
    } common[] = {{';', "';'"}, {'\t', "tab"}, {',', "','"}, {'|', "'|'"}};
    hint[0] = '\0';
    if (hd->h != 1)
        return;
    for (size_t k = 0; k < sizeof common / sizeof common[0]; k++) {
        if (common[k].c != delim && strchr(hd->byidx[0].s, common[k].c) != NULL) {
            snprintf(hint, size, "; the header holds %s: is that the delimiter? "
                     "(--delimiter %s)", common[k].c == '\t' ? "tabs" : common[k].flag,
                     common[k].flag);
            return;
        }
    }
}

/* The "no column named" error, with the list of the header's names. */
gd_status gd_ds_unknown(const ds_header *hd, const char *file, char delim,
                            const char *what, const char *s, size_t len, gd_error *err)
{
    char q[200], list[480], nq[200];
    size_t used = 0;
    list[0] = '\0';
    for (size_t j = 0; j < hd->h; j++) {
        ds_q(hd->byidx[j].s, hd->byidx[j].len, nq, sizeof nq);
        size_t n = strlen(nq);
        if (used + n + 8 >= sizeof list) {
            snprintf(list + used, sizeof list - used, ", ...");
            break;
        }
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 j > 0 ? ", " : "", nq);
    }
    char hint[96];
    ds_delimiter_hint(hd, delim, hint, sizeof hint);
    return gd_error_set(err, GD_ERR_DATA, file, hd->line, 1,
                        "no column named '%s' (%s); the columns are: %s%s",
                        ds_q(s, len, q, sizeof q), what, list, hint);
}

gd_status gd_ds_column(const ds_header *hd, const char *entry, const char *numbered,
                       char delim, const char *file, const char *what, size_t *col,
                       const char **name, size_t *len, gd_error *err)
{
    const char *s = entry;
    size_t n = strlen(s);
    ds_trim(&s, &n, delim);
    *name = s;
    *len = n;
    *col = gd_ds_header_find(hd, s, n);
    if (*col == SIZE_MAX && numbered != NULL && n > 1 && s[0] == '#') {
        char *end;
        unsigned long v = strtoul(s + 1, &end, 10);
        if (end == s + n && v >= 1 && v <= hd->h)
            *col = v - 1;
        else if (end == s + n)
            return gd_error_set(err, GD_ERR_DATA, file, hd->line, 1,
                                "%s %.*s: the file has %zu columns", numbered, (int)n, s,
                                hd->h);
    }
    if (*col == SIZE_MAX)
        return gd_ds_unknown(hd, file, delim, what, s, n, err);
    return GD_OK;
}

/* The features named in opt->features, in their order: dest[col] = feature
 * index + 1 for each (dest zeroed, sized h); *nfeat their number. target is
 * the target's column, SIZE_MAX if none. */
static gd_status ds_pick_listed(const ds_header *hd, const gd_load_options *opt,
                                const unsigned char *excluded, char delim, const char *file,
                                size_t target, size_t *dest, size_t *nfeat, gd_error *err)
{
    for (size_t k = 0; k < opt->nfeatures; k++) {
        const char *s;
        size_t len, col;
        char q[200];
        gd_status st = gd_ds_column(hd, opt->features[k], NULL, delim, file, "a feature",
                                    &col, &s, &len, err);
        if (st != GD_OK)
            return st;
        if (opt->need_target && col == target)
            return gd_error_set(err, GD_ERR_DATA, file, hd->line, hd->byidx[col].column,
                                "column '%s' cannot be both the target and a feature",
                                ds_q(s, len, q, sizeof q));
        if (dest[col] != 0 || (excluded && excluded[col]))
            return gd_error_set(err, GD_ERR_DATA, file, hd->line, hd->byidx[col].column,
                                "feature '%s' is %s", ds_q(s, len, q, sizeof q),
                                dest[col] ? "listed twice" : "also excluded");
        dest[col] = ++*nfeat;
    }
    return GD_OK;
}

/* Every column but the target and the excluded ones; an unnamed column
 * other than the first (which may be an index: the loader looks at its
 * values) is an error. */
static gd_status ds_pick_all(const ds_header *hd, const unsigned char *excluded,
                             const char *file, size_t target, size_t *dest, size_t *nfeat,
                             gd_error *err)
{
    for (size_t col = 0; col < hd->h; col++) {
        if (col == target || (excluded && excluded[col]))
            continue;
        if (hd->byidx[col].len == 0 && col > 0)
            return gd_error_set(err, GD_ERR_DATA, file, hd->line, hd->byidx[col].column,
                                "column %zu of the header has an empty name; name it, or "
                                "leave it out with --exclude '#%zu'", col + 1, col + 1);
        dest[col] = ++*nfeat;
    }
    return GD_OK;
}

gd_status gd_ds_select(const ds_header *hd, const gd_load_options *opt,
                       const unsigned char *excluded, char delim, const char *file,
                       ds_pick *picks, size_t *npicks, size_t *d, size_t *target_col,
                       gd_error *err)
{
    size_t h = hd->h;
    size_t target = SIZE_MAX; /* column to leave out of the default features */
    size_t *dest = NULL;      /* (h) feature index + 1 per column, 0 if none */
    gd_status st = GD_OK;

    if (opt->target != NULL) {
        const char *s = opt->target;
        size_t len = strlen(s);
        ds_trim(&s, &len, delim);
        target = gd_ds_header_find(hd, s, len);
        if (target == SIZE_MAX && opt->need_target)
            return gd_ds_unknown(hd, file, delim, "the target", s, len, err);
    } else if (opt->need_target || opt->features == NULL) {
        target = h - 1;
    }

    dest = calloc(h, sizeof *dest);
    if (dest == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, file, 0, 0, "out of memory");

    size_t nfeat = 0;
    if (opt->features != NULL)
        st = ds_pick_listed(hd, opt, excluded, delim, file, target, dest, &nfeat, err);
    else
        st = ds_pick_all(hd, excluded, file, target, dest, &nfeat, err);
    if (st != GD_OK)
        goto cleanup;
    if (opt->need_target && target != SIZE_MAX &&
        ((excluded && excluded[target]) || hd->byidx[target].len == 0)) {
        st = gd_error_set(err, GD_ERR_DATA, file, hd->line, hd->byidx[target].column,
                          hd->byidx[target].len ? "the target, column %zu, is excluded"
                                                : "column %zu of the header has an empty "
                                                  "name, and it is the target",
                          target + 1);
        goto cleanup;
    }
    if (nfeat == 0) {
        char hint[96];
        ds_delimiter_hint(hd, delim, hint, sizeof hint);
        st = gd_error_set(err, GD_ERR_DATA, file, hd->line, 1,
                          "no feature columns to read (the file has %zu column%s)%s",
                          h, h == 1 ? "" : "s", hint);
        goto cleanup;
    }

    *target_col = opt->need_target ? target : SIZE_MAX;
    size_t np = 0;
    for (size_t col = 0; col < h; col++) {
        if (dest[col] != 0) {
            picks[np].col = col;
            picks[np++].dest = dest[col] - 1;
        } else if (col == *target_col) {
            picks[np].col = col;
            picks[np++].dest = nfeat;
        }
    }
    *npicks = np;
    *d = nfeat;

cleanup:
    free(dest);
    return st;
}

