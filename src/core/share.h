/*
 * share: a dataset whose rows are spread over several processes (the MPI
 * ranks of gdtrain-mpi), and the two collective operations that make its
 * sums the same bits as one process holding every row.
 *
 * Library-internal. The library never calls MPI: the program that splits
 * the rows supplies the operations. Every result over all rows in gdtrain
 * is one of two kinds, and each has its operation:
 *  - sums of fixed blocks added in block order (the loss and gradient,
 *    blocks of GD_LOSS_BLOCK rows; the standardization statistics, blocks
 *    of 8192 rows): each part computes its own blocks' partial sums and
 *    `gather` gives every part every block's partials in global block
 *    order, which each part then adds exactly as one process would;
 *  - sequential folds over the rows in order (the streaming QR of the exact
 *    solve over blocks of GD_SOLVE_BLOCK rows, its refinement and sum of
 *    squares passes, the variance of y): `fold_in` hands a part the state
 *    the parts before it left, the part folds its own rows, and `fold_out`
 *    passes the state on and returns with the final state on every part (a
 *    pipeline in part order: the same operations in the same order as one
 *    pass over all rows).
 * Both work only if every block lies wholly in one part: a part's first
 * row is a multiple of GD_SHARE_ALIGN, the least common multiple of the
 * block sizes, and only the last part that has rows may end inside a
 * block. Every part must call the operations the same number of times in
 * the same order, also a part without rows.
 */
#ifndef GDTRAIN_SHARE_H
#define GDTRAIN_SHARE_H

#include <stddef.h>

#include "gdtrain/dataset.h"

/* Rows per unit of a part: a multiple of every block size. */
#define GD_SHARE_ALIGN 8192

struct gd_rowshare {
    size_t total;  /* rows in all parts */
    size_t first;  /* index among them of this part's row 0 */
    void *ctx;     /* passed to the operations */
    /* Every part gives its nmine blocks of width doubles (mine); all
     * receives every part's blocks, part after part (room for every
     * block of the whole dataset). */
    void (*gather)(void *ctx, const double *mine, size_t nmine, size_t width, double *all);
    /* state (len doubles) from the part before (unchanged on the first). */
    void (*fold_in)(void *ctx, double *state, size_t len);
    /* state to the part after; returns with the last part's state. */
    void (*fold_out)(void *ctx, double *state, size_t len);
};

#endif
