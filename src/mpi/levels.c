/*
 * levels: the encoding of every rank's rows. See levels.h.
 */
#include "mpi/levels.h"

#include <stdlib.h>
#include <string.h>

#include "cli/msg.h"
#include "mpi/fills.h"

enum { NUMBERS = 1, TEXTS = 2, MISSING = 4 };

/* What this rank's rows show of input i: NUMBERS (numeric, a cell
 * present), TEXTS (categorical, a level), or 0 (no cell present: either);
 * and MISSING, a categorical cell missing under --na mean. */
static int kind_seen(const gd_dataset *raw, size_t i)
{
    const gd_input *in = &raw->encoding->inputs[i];
    if (in->categorical) /* a (missing) level: --na mean saw a missing cell */
        return (in->nlevels > (size_t)in->missing_level ? TEXTS : 0) |
               (in->missing_level ? MISSING : 0);
    for (size_t r = 0; r < raw->n; r++)
        if (raw->x[r * raw->d + i] == raw->x[r * raw->d + i])
            return NUMBERS;
    return 0;
}

static int by_level(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    return gd_level_cmp(x, strlen(x), y, strlen(y));
}

/* Every rank's levels of in (the (missing) one left out), each NUL
 * terminated, end to end in a new buffer of *len bytes. */
static char *gather_levels(const mpi_parts *P, const gd_input *in, size_t *len)
{
    size_t mine = 0, k, own = in->categorical ? in->nlevels - (size_t)in->missing_level : 0;
    for (k = 0; k < own; k++)
        mine += strlen(in->levels[k]) + 1;
    char *packed = malloc(mine + 1), *p = packed;
    int *counts = malloc((size_t)P->size * sizeof *counts);
    int *displ = malloc((size_t)P->size * sizeof *displ);
    if (packed == NULL || counts == NULL || displ == NULL || mine > 0x7fffffff)
        mpi_parts_fail("out of memory");
    for (k = 0; k < own; k++) {
        size_t bytes = strlen(in->levels[k]) + 1;
        memcpy(p, in->levels[k], bytes);
        p += bytes;
    }
    int n = (int)mine;
    MPI_Allgather(&n, 1, MPI_INT, counts, 1, MPI_INT, P->comm);
    long long at = 0;
    for (int r = 0; r < P->size; r++) {
        displ[r] = (int)at;
        at += counts[r];
        if (at > 0x7fffffff)
            mpi_parts_fail("too many levels for one exchange");
    }
    char *all = malloc((size_t)at + 1);
    if (all == NULL)
        mpi_parts_fail("out of memory");
    MPI_Allgatherv(packed, n, MPI_CHAR, all, counts, displ, MPI_CHAR, P->comm);
    free(packed);
    free(counts);
    free(displ);
    *len = (size_t)at;
    return all;
}

/* out's levels: the union of every rank's levels of in, in byte order,
 * then the (missing) level if missing. Returns their number but that one. */
static size_t union_levels(const mpi_parts *P, const gd_input *in, gd_input *out, int missing)
{
    size_t len, n = 0, kept = 0;
    char *all = gather_levels(P, in, &len);
    for (size_t at = 0; at < len; at += strlen(all + at) + 1)
        n++;
    char **levels = malloc((n + 1) * sizeof *levels);
    if (levels == NULL)
        mpi_parts_fail("out of memory");
    n = 0;
    for (size_t at = 0; at < len; at += strlen(all + at) + 1)
        levels[n++] = all + at;
    qsort(levels, n, sizeof *levels, by_level);
    for (size_t k = 0; k < out->nlevels; k++)
        free(out->levels[k]);
    free(out->levels);
    out->levels = levels;
    for (size_t k = 0; k < n; k++)
        if (kept == 0 || strcmp(levels[kept - 1], levels[k]) != 0)
            levels[kept++] = levels[k];
    for (size_t k = 0; k < kept; k++)
        if ((levels[k] = strdup(levels[k])) == NULL)
            mpi_parts_fail("out of memory");
    free(all);
    out->nlevels = kept;
    out->missing_level = missing != 0;
    if (missing && (levels[out->nlevels++] = strdup(GD_MISSING_LEVEL)) == NULL)
        mpi_parts_fail("out of memory");
    out->categorical = 1;
    return kept;
}

/* Input i of all as every rank's rows make it (seen: what the ranks saw
 * of it together). Returns 0, or 3 after the error. */
static int agree_input(mpi_parts *P, const gd_dataset *raw, size_t i, int seen,
                       size_t max_levels, const char *file, gd_encoding *all)
{
    gd_input *out = &all->inputs[i];
    if ((seen & (NUMBERS | TEXTS)) == (NUMBERS | TEXTS)) {
        cli_error("%s: column '%s' holds only texts in some ranks' rows and numbers in "
                  "others' (gdtrain refuses such a mix too): if its values are categories, "
                  "use --categorical '%s'", file, out->name, out->name);
        return cli_exit_code(GD_ERR_DATA);
    }
    if (seen & TEXTS || (!(seen & NUMBERS) && out->categorical)) {
        int missing = (seen & MISSING) && all->na == GD_NA_MEAN;
        if (union_levels(P, &raw->encoding->inputs[i], out, missing) > max_levels) {
            cli_error("%s: column '%s' has more than %zu different values: an identifier "
                      "or free text? Leave it out with --exclude '%s', or raise the limit "
                      "with --max-levels", file, out->name, max_levels, out->name);
            return cli_exit_code(GD_ERR_DATA);
        }
        return 0;
    }
    for (size_t k = 0; k < out->nlevels; k++)
        free(out->levels[k]);
    free(out->levels);
    out->levels = NULL;
    out->nlevels = 0;
    out->missing_level = 0;
    out->categorical = 0;
    return 0;
}

int mpi_levels_agree(mpi_parts *P, const gd_dataset *raw, gd_na_policy na, size_t max_levels,
                     const char *file, gd_encoding *all)
{
    const gd_encoding *e = raw->encoding;
    const size_t n = e != NULL ? e->ninputs : 0;
    int *seen = calloc(n > 0 ? 2 * n : 1, sizeof *seen), any = 0;
    if (seen == NULL)
        mpi_parts_fail("out of memory");
    for (size_t i = 0; i < n; i++)
        seen[n + i] = kind_seen(raw, i);
    MPI_Allreduce(seen + n, seen, (int)n, MPI_INT, MPI_BOR, P->comm);
    for (size_t i = 0; i < n; i++)
        any |= seen[i] & TEXTS || (!(seen[i] & NUMBERS) && e->inputs[i].categorical);
    if (!any) {
        free(seen);
        return 0;
    }
    gd_error err;
    if (gd_encoding_copy(all, e, &err) != GD_OK)
        mpi_parts_fail("out of memory");
    all->na = na;
    int code = 0;
    for (size_t i = 0; i < n && code == 0; i++)
        code = agree_input(P, raw, i, seen[i], max_levels ? max_levels : GD_DEFAULT_MAX_LEVELS,
                           file, all);
    free(seen);
    if (code != 0)
        return code;
    mpi_fills_set(P, raw, all);
    return 1;
}
