/*
 * parts: gdtrain-mpi's processes (MPI ranks) as the parts of one dataset.
 *
 * Built only with -DGDTRAIN_MPI=ON. The library knows nothing of MPI: it
 * sums over the parts through the operations of a gd_rowshare
 * (src/core/share.h), which this module implements with MPI, and the
 * command line runs `gdtrain train` in every rank with the hooks of
 * cli_train_parts (src/cli/train.h), which this module fills.
 *
 * How the rows are spread: rank r parses the r-th of N byte ranges of the
 * file (cut just after newlines), so no rank reads the whole file, or the
 * r-th shard when --data names one file per rank (shards.h). Then
 * rows move between ranks so that rank r holds the global blocks of
 * GD_SHARE_ALIGN rows [B r / N, B (r + 1) / N) (B blocks in all): every
 * block of every sum lies in one rank, whatever N is, which is what makes
 * the bits independent of N.
 */
#ifndef GDTRAIN_MPI_PARTS_H
#define GDTRAIN_MPI_PARTS_H

#include <mpi.h>
#include <signal.h>
#include <stddef.h>

#include "cli/train.h"
#include "core/share.h"

typedef struct mpi_parts {
    MPI_Comm comm;
    int rank, size;
    gd_rowshare share;           /* the operations, for the training rows */
    int stderr_fd;               /* ranks > 0: the real stderr, saved while
                                    their messages go to /dev/null; else -1 */
    volatile sig_atomic_t stop;  /* the largest signal number any rank has
                                    caught, as of the last gather */
    char *shard;                 /* --data names shards (src/mpi/shards.h):
                                    this rank's file; else NULL */
    char *first_shard;           /* and shard 0's, whose header all repeat */
    double *scratch;             /* gather's copy of a rank's blocks */
    size_t scratch_cap;
    cli_train_parts hooks;
} mpi_parts;

/* Sets up P on MPI_COMM_WORLD (MPI initialised) and points
 * cli_train_parted at its hooks. Ranks > 0 get their stdout and stderr
 * sent to /dev/null: rank 0 speaks for all. Returns 0, or -1 out of memory. */
int mpi_parts_init(mpi_parts *P);

/* The exit status of a stage for every rank (collective): the lowest
 * rank's nonzero code, else 0. */
int mpi_parts_agree(int code);

/* A failure of MPI or of memory inside a collective: the ranks are out of
 * step, so the job is aborted (status 4), with what as the message. */
_Noreturn void mpi_parts_fail(const char *what);

void mpi_parts_free(mpi_parts *P);

#endif
