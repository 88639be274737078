/*
 * orders: epoch orders drawn one epoch ahead. See orders.h.
 */
#include "train/orders.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "gdtrain/trainer.h"

/* Draws an epoch's order from *rng into order (and blocks): the rows
 * 0..n-1 shuffled, or their blocks and the rows within each. A shuffle of
 * the identity, so it depends on the random stream alone (a checkpoint
 * need not keep it). */
static void draw(int shuffle, gd_rng *rng, size_t *order, size_t *blocks, size_t n)
{
    if (shuffle == GD_SHUFFLE_BLOCKS) {
        gd_rng_shuffle_blocks(rng, order, blocks, n, GD_SHUFFLE_BLOCK_ROWS);
        return;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i; /* NOLINT(clang-analyzer-core.NullDereference): order holds n rows whenever n > 0 */
    gd_rng_shuffle(rng, order, n);
}

/* Rows gathered at a time, by the helper or by a caller waiting for it
 * (gather_chunks): small enough that the two finish close together. */
#define GATHER_CHUNK 16384

/* Takes chunks of the gather in progress (the rows of order[1 - cur]) until
 * none is left or the orders are closed. Called with o->lock held, by the
 * helper and by gd_orders_next while it waits for the helper: its thread
 * would be idle, and gathering is most of the helper's work. */
static void gather_chunks(gd_orders *o)
{
    const int slot = 1 - o->cur;
    while (o->gather_at < o->n && !o->quit) {
        const size_t at = o->gather_at;
        const size_t count = o->n - at < GATHER_CHUNK ? o->n - at : GATHER_CHUNK;
        o->gather_at += count;
        o->in_flight++;
        pthread_mutex_unlock(&o->lock);
        gd_loss_gather(o->loss, o->order[slot] + at, count, o->rows[slot] + at * o->width);
        pthread_mutex_lock(&o->lock);
        if (--o->in_flight == 0)
            pthread_cond_broadcast(&o->done);
    }
}

static void *helper(void *arg)
{
    gd_orders *o = arg;
    pthread_mutex_lock(&o->lock);
    for (;;) {
        while (!o->working && !o->quit)
            pthread_cond_wait(&o->wake, &o->lock);
        if (o->quit)
            break;
        const int slot = 1 - o->cur;
        gd_rng rng = o->from;
        pthread_mutex_unlock(&o->lock);
        draw(o->shuffle, &rng, o->order[slot], o->blocks[slot], o->n);
        pthread_mutex_lock(&o->lock);
        if (o->rows[slot] != NULL) {
            o->gather_at = 0;
            gather_chunks(o);
            while (o->in_flight > 0)
                pthread_cond_wait(&o->done, &o->lock);
        }
        o->gathered[slot] = o->rows[slot] != NULL && !o->quit;
        o->after = rng;
        o->working = 0;
        pthread_cond_broadcast(&o->done);
    }
    pthread_mutex_unlock(&o->lock);
    return NULL;
}

int gd_orders_open(gd_orders *o, int shuffle, size_t n, int with_helper)
{
    memset(o, 0, sizeof *o);
    o->shuffle = shuffle;
    o->n = n;
    const int two = with_helper ? 2 : 1;
    for (int k = 0; k < two; k++) {
        o->order[k] = malloc((n ? n : 1) * sizeof *o->order[k]);
        o->blocks[k] = malloc((n / GD_SHUFFLE_BLOCK_ROWS + 1) * sizeof *o->blocks[k]);
        if (o->order[k] == NULL || o->blocks[k] == NULL)
            return -1;
    }
    if (!with_helper)
        return 0;
    if (pthread_mutex_init(&o->lock, NULL) != 0)
        return 0;
    if (pthread_cond_init(&o->wake, NULL) != 0 || pthread_cond_init(&o->done, NULL) != 0 ||
        pthread_create(&o->thread, NULL, helper, o) != 0) {
        pthread_mutex_destroy(&o->lock);
        return 0; /* draws at each epoch's start, on the caller */
    }
    o->threaded = 1;
    return 0;
}

/* Whether two copies of bytes each leave most of the memory alone: at
 * most a quarter of the memory this process may use (the physical memory,
 * or the memory cgroup's limit when smaller), where that is known. The
 * allocations alone cannot tell: an overcommitting system grants them and
 * ends the process when the pages are touched. */
static int copies_fit(size_t bytes)
{
    const uint64_t usable = gd_memory_usable();
    return usable == 0 || (uint64_t)bytes <= usable / 8;
}

int gd_orders_gather(gd_orders *o, const gd_loss *loss, size_t width)
{
    const size_t line = 64;
    if (!o->threaded || o->n > SIZE_MAX / sizeof(double) / width - line)
        return -1;
    /* Aligned, so that a row of 7 features and its target is one line. */
    const size_t bytes = (o->n * width * sizeof(double) + line - 1) / line * line;
    if (!copies_fit(bytes))
        return -1;
    for (int k = 0; k < 2; k++) {
        o->rows[k] = aligned_alloc(line, bytes);
        if (o->rows[k] == NULL) {
            free(o->rows[0]);
            o->rows[0] = NULL;
            return -1;
        }
    }
    o->loss = loss;
    o->width = width;
    return 0;
}

void gd_orders_close(gd_orders *o)
{
    if (o->threaded) {
        pthread_mutex_lock(&o->lock);
        o->quit = 1;
        pthread_cond_signal(&o->wake);
        pthread_mutex_unlock(&o->lock);
        pthread_join(o->thread, NULL);
        pthread_cond_destroy(&o->wake);
        pthread_cond_destroy(&o->done);
        pthread_mutex_destroy(&o->lock);
    }
    for (int k = 0; k < 2; k++) {
        free(o->order[k]);
        free(o->blocks[k]);
        free(o->rows[k]);
    }
    memset(o, 0, sizeof *o);
}

const size_t *gd_orders_next(gd_orders *o, gd_rng *rng, const size_t **blocks,
                             const double **rows)
{
    int drawn = 0;
    *rows = NULL;
    if (o->threaded) {
        pthread_mutex_lock(&o->lock);
        while (o->working) {
            if (o->gather_at < o->n)
                gather_chunks(o);
            else
                pthread_cond_wait(&o->done, &o->lock);
        }
        if (o->pending && memcmp(&o->from, rng, sizeof *rng) == 0) {
            o->cur = 1 - o->cur;
            *rng = o->after;
            drawn = 1;
            if (o->gathered[o->cur])
                *rows = o->rows[o->cur];
        }
        o->pending = 0;
        pthread_mutex_unlock(&o->lock);
    }
    if (!drawn)
        draw(o->shuffle, rng, o->order[o->cur], o->blocks[o->cur], o->n);
    if (o->threaded) {
        pthread_mutex_lock(&o->lock);
        o->from = *rng;
        o->gather_at = o->n; /* nothing to take until the order is drawn */
        o->pending = o->working = 1;
        pthread_cond_signal(&o->wake);
        pthread_mutex_unlock(&o->lock);
    }
    /* An order drawn here (the first epoch's, or after the stream moved)
     * has its rows laid out here, while the helper does the next one's: the
     * epoch makes its random reads once either way, and the two copies'
     * pages are first touched in this epoch, not in later ones. */
    if (!drawn && o->rows[o->cur] != NULL) {
        gd_loss_gather(o->loss, o->order[o->cur], o->n, o->rows[o->cur]);
        *rows = o->rows[o->cur];
    }
    *blocks = o->blocks[o->cur];
    return o->order[o->cur];
}
