/*
 * orders: epoch orders drawn one epoch ahead. See orders.h.
 */
#include "train/orders.h"

#include <stdlib.h>
#include <string.h>

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
        o->after = rng;
        o->working = 0;
        pthread_cond_signal(&o->done);
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
    }
    memset(o, 0, sizeof *o);
}

const size_t *gd_orders_next(gd_orders *o, gd_rng *rng, const size_t **blocks)
{
    int drawn = 0;
    if (o->threaded) {
        pthread_mutex_lock(&o->lock);
        while (o->working)
            pthread_cond_wait(&o->done, &o->lock);
        if (o->pending && memcmp(&o->from, rng, sizeof *rng) == 0) {
            o->cur = 1 - o->cur;
            *rng = o->after;
            drawn = 1;
        }
        o->pending = 0;
        pthread_mutex_unlock(&o->lock);
    }
    if (!drawn)
        draw(o->shuffle, rng, o->order[o->cur], o->blocks[o->cur], o->n);
    if (o->threaded) {
        pthread_mutex_lock(&o->lock);
        o->from = *rng;
        o->pending = o->working = 1;
        pthread_cond_signal(&o->wake);
        pthread_mutex_unlock(&o->lock);
    }
    *blocks = o->blocks[o->cur];
    return o->order[o->cur];
}
