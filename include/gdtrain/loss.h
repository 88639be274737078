/*
 * loss: the fused forward pass, mean squared error and its gradient; the
 * penalty term of the objective.
 *
 * For the linear model yhat_i = b + sum_j w_j x_ij, with params laid out as
 * [w_0 .. w_{d-1}, b] (d + 1 numbers), over a set of m rows:
 *     MSE     = (1/m) sum_i r_i^2,          r_i = yhat_i - y_i
 *     dMSE/dw = (2/m) sum_i r_i x_i         dMSE/db = (2/m) sum_i r_i
 * computed together in one pass over the rows. This is the hot loop.
 *
 * Determinism: sums run over fixed blocks of GD_LOSS_BLOCK rows (counted
 * from the start of the batch). A block of m rows is summed in four lanes:
 * with q = m / 4 (rounded down), lane l adds the block's rows l q to
 * (l + 1) q - 1 in order, starting from 0; the rows from 4 q on are then
 * added to lane 0, in order; the block's sums are (lane 0 + lane 1) +
 * (lane 2 + lane 3). (So a batch of fewer than 4 rows is summed in plain
 * row order.) The blocks' sums are added to the totals in block order. The
 * bits of the result thus depend on the batch alone: never on how the
 * blocks are scheduled over threads (an evaluator with any thread count
 * gives the same bits as one with a single thread), nor on whether the
 * compiler offers vector types. Each row's prediction adds b first, then
 * w_j x_ij for j ascending (the model module predicts the same way, so
 * predictions agree bit for bit).
 *
 * Threads: an evaluator may run the blocks of a large batch on a pool of
 * worker threads that it owns (created with it, idle between evaluations).
 * Batches of fewer than GD_LOSS_PARALLEL_MIN rows always run on the calling
 * thread, so mini-batch steps never pay for waking threads.
 */
#ifndef GDTRAIN_LOSS_H
#define GDTRAIN_LOSS_H

#include <stddef.h>

#include "gdtrain/dataset.h"
#include "gdtrain/error.h"

#define GD_LOSS_BLOCK 4096

/* Batches with at least this many rows may be split over threads. */
#define GD_LOSS_PARALLEL_MIN ((size_t)8 * GD_LOSS_BLOCK)

/* A batch of rows: index[begin .. begin+count) when index is not NULL,
 * otherwise the contiguous rows begin .. begin+count. */
typedef struct gd_rows {
    const size_t *index;
    size_t begin;
    size_t count;
} gd_rows;

/* All rows of ds. */
static inline gd_rows gd_rows_all(const gd_dataset *ds)
{
    gd_rows r = {NULL, 0, ds->n};
    return r;
}

/* An evaluator bound to one dataset, owning the scratch space the sums need
 * so that evaluating never allocates. */
typedef struct gd_loss gd_loss;

/* Creates an evaluator for ds (which must outlive it), using up to threads
 * threads for large batches (0 = the number of online CPUs; 1 = only the
 * calling thread). Worker threads are started here only when ds has at
 * least GD_LOSS_PARALLEL_MIN rows; if they cannot be started the evaluator
 * quietly uses fewer (results are the same bits either way). GD_ERR_NOMEM
 * if out of memory, *out NULL then. */
gd_status gd_loss_create(gd_loss **out, const gd_dataset *ds, int threads,
                         gd_error *err);

/* The number of threads `threads` stands for: itself if > 0, else the
 * number of online CPUs. For reports ("threads": N). */
int gd_loss_threads(int threads);

/* Frees the evaluator. Accepts NULL. */
void gd_loss_free(gd_loss *loss);

/* MSE over rows at params; when grad is not NULL also writes the gradient
 * (d + 1 numbers, same layout as params). rows.count must be > 0. */
double gd_loss_eval(gd_loss *loss, gd_rows rows, const double *params, double *grad);

/* The sums behind gd_loss_eval, for a caller that holds the rows in pieces
 * (a streamed file read a chunk at a time, the ranks of a distributed run).
 * sums has d + 2 numbers, [sum r_i x_i0 .. sum r_i x_i(d-1), sum r_i,
 * sum r_i^2] with r_i = yhat_i - y_i; each GD_LOSS_BLOCK block of rows
 * (counted from rows.begin) adds its partial sums to them, in block order
 * (without want_grad only sums[d + 1] changes). gd_loss_eval is: sums
 * zeroed, one gd_loss_add over the batch, gd_loss_finish. So pieces that
 * each start a multiple of GD_LOSS_BLOCK rows into the batch (all but the
 * last holding a multiple of it), added in order to the same sums, give
 * gd_loss_eval's bits for the whole batch. (A block's partial alone is
 * gd_loss_add on that block with sums zeroed: 0 + p is p, bit for bit.)
 * rows.count must be > 0. */
void gd_loss_add(gd_loss *loss, gd_rows rows, const double *params, int want_grad,
                 double *sums);

/* The MSE of m rows from their sums (gd_loss_add); when grad is not NULL,
 * also the gradient 2 sums[j] / m (d + 1 numbers). */
double gd_loss_finish(const double *sums, size_t d, size_t m, double *grad);

/* Asks the CPU to start loading the rows of rows into its caches, and
 * returns at once. A hint only: nothing it does changes a result. The
 * trainer names the rows of the next batches of a shuffled order while it
 * evaluates the current one, so that their cache misses overlap. */
void gd_loss_prefetch(const gd_loss *loss, gd_rows rows);

/* The penalty part of the objective MSE + l2 |w|^2 + l1 |w|_1 at params
 * (d weights, then the bias, which is never penalized): l2 * sum_j w_j^2 +
 * l1 * sum_j |w_j|, each sum in order of j. The trainer's stopping rules and
 * the reported gap both use it, so they measure the same objective. */
double gd_loss_penalty(const double *params, size_t d, double l2, double l1);

/* Gives the evaluator its own copy of the rows, each row followed by its
 * target, 64-byte aligned: a row read at a random place then costs one or
 * two cache lines instead of up to three (at 7 features, exactly one). For
 * shuffled mini-batches, whose rows are random places in memory; it costs
 * n (d + 1) doubles more memory. Results keep their bits (the same numbers
 * in the same order), as long as the dataset's rows do not change after
 * the call. The copy is made on the evaluator's threads. Returns 0, or -1
 * when the memory cannot be had (the evaluator then reads X and y as
 * before). */
int gd_loss_pack(gd_loss *loss);

/* Copies rows order[0 .. count) of the dataset, in that order, to out in
 * gd_loss_pack's layout (each row's d features, then its target: d + 1
 * doubles a row), from the evaluator's packed copy when it has one. It
 * only reads the rows, so another thread may gather while this evaluator
 * evaluates: the trainer's order helper lays the next epoch's rows out in
 * its order, and the epoch then reads them as one stream. */
void gd_loss_gather(const gd_loss *loss, const size_t *order, size_t count, double *out);

/* gd_loss_eval over rows laid out as gd_loss_gather leaves them: positions
 * begin .. begin + count of packed (the dataset must not be spread over
 * processes). The same numbers in the same order, so the bits of
 * gd_loss_eval on the rows they were gathered from. */
double gd_loss_eval_packed(gd_loss *loss, const double *packed, size_t begin, size_t count,
                           const double *params, double *grad);

/* Predictions b + sum_j w_j x_ij for every row of ds, in order, into out (n). */
void gd_loss_predict(const gd_dataset *ds, const double *params, double *out);

#endif
