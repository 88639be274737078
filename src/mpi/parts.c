/*
 * parts: the collective operations of gdtrain-mpi. See parts.h.
 */
#include "mpi/parts.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/msg.h"
#include "mpi/fills.h"
#include "mpi/levels.h"
#include "mpi/shards.h"

/* The hooks have no context argument: the one set of parts of the process. */
static mpi_parts *the_parts;

_Noreturn void mpi_parts_fail(const char *what)
{
    fprintf(stderr, "gdtrain-mpi: error: %s\n", what);
    MPI_Abort(MPI_COMM_WORLD, 4);
    abort(); /* MPI_Abort does not return; its declaration does not say so */
}

/* gd_rowshare.gather: the block counts first, then the blocks. Also where
 * the ranks agree on a caught signal, so that all of them stop after the
 * same evaluation. */
static void parts_gather(void *ctx, const double *mine, size_t nmine, size_t width,
                         double *all)
{
    mpi_parts *P = ctx;
    long long n = (long long)nmine;
    long long *counts = malloc((size_t)P->size * sizeof *counts);
    int *rc = malloc((size_t)P->size * sizeof *rc), *displ = malloc((size_t)P->size * sizeof *displ);
    size_t len = nmine * width;
    if (len > P->scratch_cap) {
        free(P->scratch);
        P->scratch = malloc(len * sizeof *P->scratch);
        P->scratch_cap = P->scratch != NULL ? len : 0;
    }
    if (counts == NULL || rc == NULL || displ == NULL || (len > 0 && P->scratch == NULL))
        mpi_parts_fail("out of memory");
    /* mine may lie inside all, where other ranks' blocks will land */
    if (len > 0)
        memcpy(P->scratch, mine, len * sizeof *mine);
    MPI_Allgather(&n, 1, MPI_LONG_LONG, counts, 1, MPI_LONG_LONG, P->comm);
    long long at = 0;
    for (int r = 0; r < P->size; r++) {
        long long c = counts[r] * (long long)width;
        if (c > 0x7fffffff || at > 0x7fffffff)
            mpi_parts_fail("too many block sums for one exchange");
        rc[r] = (int)c;
        displ[r] = (int)at;
        at += c;
    }
    MPI_Allgatherv(P->scratch, rc[P->rank], MPI_DOUBLE, all, rc, displ, MPI_DOUBLE, P->comm);
    int mine_signal = cli_train_interrupted(), any = 0;
    MPI_Allreduce(&mine_signal, &any, 1, MPI_INT, MPI_MAX, P->comm);
    P->stop = any;
    free(counts);
    free(rc);
    free(displ);
}

enum { FOLD_TAG = 16 };

/* gd_rowshare.fold_in: the state as the ranks before this one left it. */
static void parts_fold_in(void *ctx, double *state, size_t len)
{
    mpi_parts *P = ctx;
    if (P->rank > 0)
        MPI_Recv(state, (int)len, MPI_DOUBLE, P->rank - 1, FOLD_TAG, P->comm,
                 MPI_STATUS_IGNORE);
}

/* gd_rowshare.fold_out: on to the next rank; then the last rank's state to all. */
static void parts_fold_out(void *ctx, double *state, size_t len)
{
    mpi_parts *P = ctx;
    if (P->rank + 1 < P->size)
        MPI_Send(state, (int)len, MPI_DOUBLE, P->rank + 1, FOLD_TAG, P->comm);
    MPI_Bcast(state, (int)len, MPI_DOUBLE, P->size - 1, P->comm);
}

int mpi_parts_agree(int code)
{
    mpi_parts *P = the_parts;
    int *codes = malloc((size_t)P->size * sizeof *codes);
    if (codes == NULL)
        mpi_parts_fail("out of memory");
    MPI_Allgather(&code, 1, MPI_INT, codes, 1, MPI_INT, P->comm);
    int first = 0;
    for (int r = 0; r < P->size && first == 0; r++)
        first = codes[r];
    free(codes);
    return first;
}

static int refuses_stdin(const train_settings *s, const gd_train_config *cfg)
{
    (void)cfg;
    return s->data != NULL && strcmp(s->data, "-") == 0;
}
static int refuses_batches(const train_settings *s, const gd_train_config *cfg)
{
    (void)s;
    return cfg->batch_size != 0;
}
static int refuses_val_split(const train_settings *s, const gd_train_config *cfg)
{
    (void)cfg;
    return s->val_split > 0;
}
static int refuses_l1(const train_settings *s, const gd_train_config *cfg)
{
    (void)s;
    return cfg->l1 > 0;
}
static int refuses_cv(const train_settings *s, const gd_train_config *cfg)
{
    (void)cfg;
    return s->cv > 0;
}
static int refuses_checkpoint(const train_settings *s, const gd_train_config *cfg)
{
    (void)cfg;
    return s->checkpoint != NULL || s->resume != NULL;
}
static int refuses_cache(const train_settings *s, const gd_train_config *cfg)
{
    (void)cfg;
    return s->cache != NULL;
}
static int refuses_stream(const train_settings *s, const gd_train_config *cfg)
{
    (void)cfg;
    return s->stream || s->memory != NULL;
}

/* What the ranks cannot share yet, in the order they are checked: both
 * parts_check and --help read this table, so the two cannot disagree. */
typedef struct refusal {
    const char *what; /* the options, as --help lists them */
    const char *why;
    int (*applies)(const train_settings *s, const gd_train_config *cfg);
} refusal;

static const refusal refusals[] = {
    {"--data -", "every rank reads its own part of the file, so it must be a file",
     refuses_stdin},
    {"mini-batches (--batch-size, or an optimizer whose default is one)",
     "gdtrain-mpi trains full-batch; use gd, adam, rmsprop or adagrad without --batch-size",
     refuses_batches},
    {"--val-split", "give the held-out rows as a file with --val FILE", refuses_val_split},
    {"--l1", "its reference optimum (coordinate descent) needs every row in one process",
     refuses_l1},
    {"--cv", NULL, refuses_cv},
    {"--checkpoint and --resume", NULL, refuses_checkpoint},
    {"--cache", "every rank parses its own part of the file", refuses_cache},
    {"--stream and --memory", "each rank holds only its own part of the rows; give more ranks "
     "instead", refuses_stream},
};

static void refuse(const refusal *r)
{
    cli_usage_error(NULL, "gdtrain-mpi cannot do this yet: %s%s%s", r->what,
                    r->why != NULL ? ": " : "", r->why != NULL ? r->why : "");
}

/* What the ranks cannot share yet: 0, or 2 after the usage error. The
 * settings are the same in every rank, so every rank decides alike. */
static int parts_check(const train_settings *s, const gd_train_config *cfg)
{
    mpi_parts *P = the_parts;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        if (refusals[i].applies != NULL && refusals[i].applies(s, cfg)) {
            refuse(&refusals[i]);
            return 2;
        }
    free(P->shard);
    free(P->first_shard);
    P->shard = P->first_shard = NULL;
    if (!mpi_shards_named(s->data))
        return 0;
    int code = mpi_shard_path(s->data, P->rank, P->size, &P->shard);
    if (code == 0)
        code = mpi_shard_path(s->data, 0, P->size, &P->first_shard);
    char *unread = code == 0 && P->rank == 0 ? mpi_shard_unread(s->data, P->size) : NULL;
    if (unread != NULL && P->size == 1)
        cli_warn("--data '%s': %s is not read: 1 rank reads shard 0 only (mpirun -np 2 "
                 "reads it too)", s->data, unread);
    else if (unread != NULL)
        cli_warn("--data '%s': %s is not read: %d ranks read shards 0 to %d, one a rank "
                 "(mpirun -np %d reads it too)", s->data, unread, P->size, P->size - 1,
                 P->size + 1);
    free(unread);
    return code;
}

/* cli_train_parts.help: gdtrain-mpi's own, since most of train's help
 * (the other subcommands, the refused options) is not for it. */
static void parts_help(void)
{
    printf("Usage: mpirun -np N gdtrain-mpi --data FILE [train options]\n"
           "       mpirun -np N gdtrain-mpi --data SHARDS [train options]\n"
           "\n"
           "Trains like 'gdtrain train' with the rows spread over N MPI ranks: full-batch\n"
           "training, the model and curve byte-identical to gdtrain's for any N and\n"
           "--threads. Rank 0 writes the files and the messages.\n"
           "\n"
           "--data FILE: each rank parses 1/N of the file's bytes.\n"
           "--data SHARDS (a value with a comma or a %%): one file a rank, each with the\n"
           "same header line; the rows are shard 0's, then shard 1's, ..., as if the\n"
           "files were one table. Either a list of exactly N files, 'a.csv,b.csv,c.csv',\n"
           "or a pattern whose %%d is the rank's number from 0 ('part-%%d.csv': part-0.csv\n"
           "to part-<N-1>.csv, and a warning if part-<N>.csv exists; %%03d pads it to 3\n"
           "digits; %%%% is a %%). A shard may have no rows; errors name the shard and\n"
           "its own line numbers.\n"
           "\n"
           "Refused (a usage error, exit status 2, in every rank):\n");
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        printf("  %s\n", refusals[i].what);
    printf("\n'gdtrain train --help' describes the options; 'man gdtrain', section\n"
           "RUNNING ON A CLUSTER, describes gdtrain-mpi.\n");
}

/* The file's newlines in [begin, end), or 0 if it cannot be read (the
 * line numbers of a message are then off, nothing else). */
static long count_lines(const char *path, size_t begin, size_t end)
{
    static char buf[1 << 16];
    long lines = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    while (begin < end) {
        size_t want = end - begin < sizeof buf ? end - begin : sizeof buf;
        ssize_t got = pread(fd, buf, want, (off_t)begin);
        if (got <= 0)
            break;
        for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + got - p))) != NULL; p++)
            lines++;
        begin += (size_t)got;
    }
    close(fd);
    return lines;
}

/* Prints on the real stderr of a rank > 0 (the one whose error is the
 * first in file order). */
static void with_stderr(mpi_parts *P, int on)
{
    static int muted = -1;
    if (P->stderr_fd < 0)
        return;
    fflush(stderr);
    if (on) {
        muted = dup(2);
        dup2(P->stderr_fd, 2);
    } else if (muted >= 0) {
        dup2(muted, 2);
        close(muted);
        muted = -1;
    }
}

/* The lowest rank where failed is set (collective; some rank's is). */
static int first_failing(const mpi_parts *P, int failed)
{
    int first = 0;
    int *all = malloc((size_t)P->size * sizeof *all);
    if (all == NULL)
        mpi_parts_fail("out of memory");
    MPI_Allgather(&failed, 1, MPI_INT, all, 1, MPI_INT, P->comm);
    while (first + 1 < P->size && !all[first])
        first++;
    free(all);
    return first;
}

/* After a part's load: every rank's status; the first failure in rank
 * order (which is file order) is printed by its rank, its lines counted
 * from the start of the file. Returns the agreed exit status. */
static int parts_load_status(mpi_parts *P, const char *path, gd_status st, gd_error *err,
                             gd_load_report *rep, const size_t range[2])
{
    int code = mpi_parts_agree(st == GD_OK ? 0 : cli_exit_code(st));
    if (code == 0)
        return 0;
    /* Lines in a part's messages count from the part's start. */
    long mine = range[1] > range[0] ? count_lines(path, range[0], range[1]) : 0, before = 0;
    MPI_Exscan(&mine, &before, 1, MPI_LONG, MPI_SUM, P->comm);
    if (P->rank == 0)
        before = 0; /* MPI_Exscan leaves rank 0's result undefined */
    if (P->rank == first_failing(P, st != GD_OK)) {
        if (err->line > 0 && range[1] > range[0] && P->rank > 0) {
            err->line += before;
            for (size_t k = 0; k < rep->nproblems; k++)
                if (rep->problems[k].line > 0)
                    rep->problems[k].line += before;
        }
        with_stderr(P, 1);
        cli_load_failure(st, err, rep);
        with_stderr(P, 0);
    }
    return code;
}

/* Where the rows of rank r go: global rows [lo, hi) of total. */
static void block_range(const mpi_parts *P, int r, size_t total, size_t *lo, size_t *hi)
{
    size_t blocks = (total + GD_SHARE_ALIGN - 1) / GD_SHARE_ALIGN;
    size_t b0 = blocks * (size_t)r / (size_t)P->size;
    size_t b1 = blocks * (size_t)(r + 1) / (size_t)P->size;
    *lo = b0 * GD_SHARE_ALIGN < total ? b0 * GD_SHARE_ALIGN : total;
    *hi = b1 * GD_SHARE_ALIGN < total ? b1 * GD_SHARE_ALIGN : total;
}

/* The counts (rows) and offsets of a rank's exchange with every other:
 * the overlap of the rows it has [have_lo, have_hi) with each rank's
 * range (send), or of its range with each rank's rows (receive). */
static void overlaps(const mpi_parts *P, const long long *start, size_t total, int sending,
                     size_t lo, size_t hi, int *count, int *displ)
{
    for (int r = 0; r < P->size; r++) {
        size_t rlo, rhi;
        if (sending) {
            block_range(P, r, total, &rlo, &rhi);
        } else {
            rlo = (size_t)start[r];
            rhi = (size_t)start[r + 1];
        }
        size_t a = rlo > lo ? rlo : lo, b = rhi < hi ? rhi : hi;
        count[r] = b > a ? (int)(b - a) : 0;
        displ[r] = b > a ? (int)(a - lo) : 0;
    }
}

/* Moves rows between ranks so that each holds its whole blocks
 * (block_range), in file order; sets the share. Returns 0, or -1 out of
 * memory (the same in every rank: the ranks agree). */
static int rebalance(mpi_parts *P, gd_dataset *ds)
{
    const size_t d = ds->d;
    long long n = (long long)ds->n;
    long long *start = calloc((size_t)P->size + 1, sizeof *start);
    int *sc = malloc(4 * (size_t)P->size * sizeof *sc);
    if (start == NULL || sc == NULL)
        mpi_parts_fail("out of memory");
    MPI_Allgather(&n, 1, MPI_LONG_LONG, start + 1, 1, MPI_LONG_LONG, P->comm);
    for (int r = 0; r < P->size; r++)
        start[r + 1] += start[r];
    const size_t total = (size_t)start[P->size];
    size_t lo, hi;
    block_range(P, P->rank, total, &lo, &hi);
    int *sd = sc + (size_t)P->size, *rc = sc + 2 * (size_t)P->size, *rd = sc + 3 * (size_t)P->size;
    overlaps(P, start, total, 1, (size_t)start[P->rank], (size_t)start[P->rank + 1], sc, sd);
    overlaps(P, start, total, 0, lo, hi, rc, rd);
    const size_t m = hi - lo;
    double *x = malloc((m * d > 0 ? m * d : 1) * sizeof *x);
    double *y = malloc((m > 0 ? m : 1) * sizeof *y);
    int ok = x != NULL && y != NULL;
    if (mpi_parts_agree(ok ? 0 : 4) != 0) {
        free(x);
        free(y);
        free(start);
        free(sc);
        return -1;
    }
    MPI_Datatype row;
    MPI_Type_contiguous((int)(d > 0 ? d : 1), MPI_DOUBLE, &row);
    MPI_Type_commit(&row);
    if (d > 0)
        MPI_Alltoallv(ds->x, sc, sd, row, x, rc, rd, row, P->comm);
    MPI_Alltoallv(ds->y, sc, sd, MPI_DOUBLE, y, rc, rd, MPI_DOUBLE, P->comm);
    MPI_Type_free(&row);
    free(ds->x);
    free(ds->y);
    ds->x = x;
    ds->y = y;
    ds->n = m;
    P->share.total = total;
    P->share.first = lo;
    ds->share = &P->share;
    free(start);
    free(sc);
    return 0;
}

/* The validation file, whole in every rank (its loss is computed by each
 * alone, the same bits), with the training data's columns and encoding. */
static gd_status load_validation(const cli_data_choice *choice, const gd_dataset *train,
                                 gd_dataset *val, gd_load_report *rep, gd_error *err)
{
    gd_load_options lo = {
        .path = choice->val_path, .delimiter = choice->delimiter,
        .target = train->target_name, .features = (const char *const *)train->feature_names,
        .nfeatures = train->d, .need_target = 1, .threads = choice->threads,
    };
    if (train->encoding != NULL) {
        lo.encode = 1;
        lo.decimal = choice->table.decimal;
        lo.encoding = train->encoding;
        lo.report = rep;
    }
    return gd_dataset_load(val, &lo, err);
}

/* With shards: every shard's header line is shard 0's, byte for byte
 * (the rows are one table). The first shard in rank order that differs is
 * named, with the column of its first differing byte. A shard that cannot
 * be read, or is empty, is left to the loader's message. Returns 0, or the
 * exit status agreed by all ranks. */
static int shard_headers(mpi_parts *P)
{
    char *mine = mpi_shard_header(P->shard), *first = NULL;
    long long len = mine != NULL ? (long long)strlen(mine) : -1;
    MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, P->comm);
    if (len > 0x7fffffff)
        mpi_parts_fail("a header line longer than one exchange");
    if (len >= 0) {
        first = P->rank == 0 ? mine : malloc((size_t)len + 1);
        if (first == NULL)
            mpi_parts_fail("out of memory");
        MPI_Bcast(first, (int)len, MPI_CHAR, 0, P->comm);
        first[len] = '\0';
    }
    int differs = mine != NULL && first != NULL && strcmp(mine, first) != 0;
    long column = 0;
    while (differs && mine[column] == first[column])
        column++;
    int code = mpi_parts_agree(differs ? cli_exit_code(GD_ERR_DATA) : 0);
    if (code != 0 && P->rank == first_failing(P, differs)) {
        gd_error err;
        (void)gd_error_set(&err, GD_ERR_DATA, P->shard, 1, column + 1,
                           "the header differs from that of %s, the first shard: every shard "
                           "starts with the same header line", P->first_shard);
        with_stderr(P, 1);
        cli_report(&err);
        with_stderr(P, 0);
    }
    if (first != mine)
        free(first);
    free(mine);
    return code;
}

/* The rows every rank left out for missing cells (--na drop), in rep. */
static void sum_dropped(const mpi_parts *P, gd_load_report *rep)
{
    unsigned long long mine[2] = {rep->dropped, rep->dropped_target}, all[2];
    MPI_Allreduce(mine, all, 2, MPI_UNSIGNED_LONG_LONG, MPI_SUM, P->comm);
    rep->dropped = (size_t)all[0];
    rep->dropped_target = (size_t)all[1];
}

/* The rows of this rank: its byte range or its shard, parsed with lo. */
static gd_status load_part(mpi_parts *P, const cli_data_choice *choice, gd_load_options *lo,
                           gd_dataset *ds, size_t range[2], gd_error *err)
{
    lo->path = P->shard != NULL ? P->shard : choice->path;
    lo->delimiter = choice->delimiter;
    lo->target = choice->target;
    lo->need_target = 1;
    lo->threads = choice->threads;
    if (P->shard != NULL) {
        lo->may_be_empty = 1; /* whether all are is known once the ranks agree */
    } else {
        lo->part = (size_t)P->rank;
        lo->parts = (size_t)P->size;
        lo->part_range = range;
    }
    return gd_dataset_load(ds, lo, err);
}

/* After every rank's raw rows loaded into fd->train: the encoding of all
 * ranks' rows. Without a categorical column the raw rows are the design
 * but for the fills and the rows --na drop leaves out; with one, every
 * rank reads its rows again under the agreed encoding (levels.h). Returns
 * 0 or the exit status, the same in every rank. */
static int agree_encoding(mpi_parts *P, const cli_data_choice *choice, gd_load_options *lo,
                          gd_na_policy na, gd_fit_data *fd, size_t range[2],
                          cli_table_lists *keep)
{
    gd_encoding all;
    memset(&all, 0, sizeof all);
    int code = mpi_levels_agree(P, &fd->train, na, lo->max_levels, choice->path, &all);
    if (code == 0)
        mpi_fills_agree(P, &fd->train, na, &keep->report);
    if (code != 1)
        return code;
    gd_dataset_free(&fd->train);
    lo->encoding = &all;
    lo->raw_inputs = 0;
    lo->na = na;
    keep->report.dropped = keep->report.dropped_target = 0;
    gd_error err;
    gd_error_clear(&err);
    gd_status st = load_part(P, choice, lo, &fd->train, range, &err);
    code = parts_load_status(P, choice->path, st, &err, &keep->report, range);
    lo->encoding = NULL;
    gd_encoding_free(&all);
    return code;
}

/* cli_train_parts.load. */
static int parts_load(const cli_data_choice *choice, gd_fit_data *fd)
{
    mpi_parts *P = the_parts;
    char **features;
    size_t nfeatures, range[2] = {0, 0};
    memset(fd, 0, sizeof *fd);
    if (cli_feature_list(choice, &features, &nfeatures) != 0)
        return 2;
    gd_load_options lo = {.delimiter = choice->delimiter};
    cli_table_lists keep;
    if (cli_table_rules(&choice->table, &lo, &keep) != 0) {
        cli_table_free(&keep);
        cli_free_list(features);
        return 2;
    }
    lo.features = (const char *const *)features;
    lo.nfeatures = nfeatures;
    const gd_na_policy na = lo.na;
    mpi_fills_options(&lo);
    gd_error err;
    gd_error_clear(&err);
    int code = P->shard != NULL ? shard_headers(P) : 0;
    gd_status st = GD_OK;
    if (code == 0) {
        st = load_part(P, choice, &lo, &fd->train, range, &err);
        code = parts_load_status(P, choice->path, st, &err, &keep.report, range);
    }
    if (code == 0) /* before the rows move: they are left out where they are */
        code = agree_encoding(P, choice, &lo, na, fd, range, &keep);
    cli_free_list(features);
    if (code == 0 && rebalance(P, &fd->train) != 0) {
        cli_error("out of memory");
        code = 4;
    }
    if (code == 0)
        sum_dropped(P, &keep.report);
    /* Parts may each be left without rows; all of them may not. */
    if (code == 0 && gd_dataset_total(&fd->train) == 0) {
        if (keep.report.dropped > 0)
            cli_error("%s: no rows left: each of the %zu rows has a missing cell (--na mean "
                      "fills them in instead)", choice->path, keep.report.dropped);
        else
            cli_error("%s: no data rows after the header in any of the %d shards",
                      choice->path, P->size);
        code = cli_exit_code(GD_ERR_DATA);
    }
    gd_load_report val_report;
    memset(&val_report, 0, sizeof val_report);
    if (code == 0 && choice->val_path != NULL &&
        (st = load_validation(choice, &fd->train, &fd->val, &val_report, &err)) != GD_OK)
        cli_load_failure(st, &err, &val_report);
    /* The same file in every rank: the same outcome, but agreed all the same. */
    if (code == 0)
        code = mpi_parts_agree(st == GD_OK ? 0 : cli_exit_code(st));
    if (code == 0) {
        st = choice->no_intercept ? gd_dataset_scale_origin(&fd->train, &fd->scaling, &err)
                                  : gd_dataset_standardize(&fd->train, &fd->scaling, &err);
        if (st != GD_OK) {
            if (err.file[0] == '\0')
                snprintf(err.file, sizeof err.file, "%s", choice->path);
            cli_report(&err);
            code = cli_exit_code(st);
        }
    }
    if (code == 0 && fd->val.n > 0)
        gd_dataset_apply_scaling(&fd->val, &fd->scaling);
    if (code == 0) {
        cli_table_say(&keep.report, "training data");
        cli_table_say(&val_report, "validation data");
        cli_data_warnings(fd);
    }
    cli_table_free(&keep);
    return code;
}

int mpi_parts_init(mpi_parts *P)
{
    memset(P, 0, sizeof *P);
    P->comm = MPI_COMM_WORLD;
    MPI_Comm_rank(P->comm, &P->rank);
    MPI_Comm_size(P->comm, &P->size);
    P->stderr_fd = -1;
    P->share = (gd_rowshare){.ctx = P, .gather = parts_gather, .fold_in = parts_fold_in,
                             .fold_out = parts_fold_out};
    P->hooks = (cli_train_parts){.check = parts_check, .load = parts_load,
                                 .agree = mpi_parts_agree, .help = parts_help,
                                 .writes = P->rank == 0,
                                 .stop = &P->stop};
    if (P->rank > 0) {
        int null = open("/dev/null", O_WRONLY);
        P->stderr_fd = dup(2);
        if (null >= 0) {
            fflush(stdout);
            fflush(stderr);
            dup2(null, 1);
            dup2(null, 2);
            close(null);
        }
    }
    the_parts = P;
    cli_train_parted = &P->hooks;
    return 0;
}

void mpi_parts_free(mpi_parts *P)
{
    free(P->scratch);
    free(P->shard);
    free(P->first_shard);
    if (P->stderr_fd >= 0)
        close(P->stderr_fd);
    cli_train_parted = NULL;
    the_parts = NULL;
}
