/*
 * orders: each epoch's row order for shuffled mini-batches, drawn one epoch
 * ahead on a thread of its own.
 *
 * Library-internal (not installed). An epoch's order depends on the random
 * stream alone (see trainer.h), not on the parameters, so the next epoch's
 * can be drawn while this one trains: a Fisher-Yates shuffle of 1M rows is
 * ~4 ms of cache misses that the second core takes off the epoch. The
 * helper draws from a copy of the stream as it stands after this epoch's
 * draw; the next draw uses its result only if the stream still stands
 * there (else it draws again, in place), and then moves the stream to
 * where the helper left it. So the orders and the stream are those of
 * drawing each epoch's order at its start, whichever thread drew them.
 */
#ifndef GDTRAIN_TRAIN_ORDERS_H
#define GDTRAIN_TRAIN_ORDERS_H

#include <pthread.h>
#include <stddef.h>

#include "gdtrain/loss.h"
#include "gdtrain/rng.h"

typedef struct gd_orders {
    int shuffle;          /* GD_SHUFFLE_ROWS or GD_SHUFFLE_BLOCKS */
    size_t n;
    size_t *order[2];     /* (n) this epoch's order and the next one's */
    size_t *blocks[2];    /* (n / GD_SHUFFLE_BLOCK_ROWS + 1) their block orders */
    int cur;              /* which of the two this epoch reads */
    /* The helper thread, when there is one. */
    int threaded;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;  /* the helper has a draw to do, or must stop */
    pthread_cond_t done;  /* the helper finished its draw, or the last chunk
                             of a gather was done */
    int pending;          /* a draw was asked for and is not yet taken */
    int working;          /* the helper has not finished it */
    int quit;
    gd_rng from;          /* the stream the next order is drawn from */
    gd_rng after;         /* the stream after that draw */
    /* The rows laid out in each order (gd_orders_gather), or NULL. */
    const gd_loss *loss;  /* the evaluator whose rows the helper gathers */
    size_t width;         /* doubles a gathered row */
    double *rows[2];      /* (n, width) the rows of order[k], in its order */
    int gathered[2];      /* rows[k] holds order[k]'s rows */
    size_t gather_at;     /* the next row of the gather in progress to take */
    int in_flight;        /* its chunks taken and not yet done */
} gd_orders;

/* Allocates the orders of n rows under shuffle; with helper, also starts
 * the thread (without one if it cannot be started). -1 if out of memory
 * (*o is then safe to close). */
int gd_orders_open(gd_orders *o, int shuffle, size_t n, int helper);

/* Has the helper also lay out the rows of each order it draws (each row
 * of the evaluator's dataset and its target, width = d + 1 doubles,
 * gd_loss_gather), so that the epoch reads them as one stream instead of
 * n random places: two copies of the rows. Only with a helper; -1 (and no
 * gathering) without one, without the memory, or when the copies would
 * take more than a quarter of the physical memory, or of the memory
 * cgroup's limit when smaller. Call before the first
 * gd_orders_next. */
int gd_orders_gather(gd_orders *o, const gd_loss *loss, size_t width);

/* Stops the helper and frees the orders. Accepts a zeroed *o. */
void gd_orders_close(gd_orders *o);

/* This epoch's order (and in *blocks its block order, GD_SHUFFLE_BLOCKS),
 * drawn from *rng, which moves past the draw; asks the helper for the next
 * epoch's. *rows gets the rows laid out in that order (gd_orders_gather;
 * the helper lays out the next epoch's while this one trains, the caller
 * an order it drew itself), else NULL. Valid until the next call. */
const size_t *gd_orders_next(gd_orders *o, gd_rng *rng, const size_t **blocks,
                             const double **rows);

#endif
