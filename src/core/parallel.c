/*
 * parallel: the worker pool. See parallel.h.
 *
 * One run: the caller publishes (fn, ctx, ntasks) under the mutex, bumps a
 * generation number and wakes the workers; then everyone, the caller too,
 * takes task indices from an atomic counter until they run out. Each worker
 * reports back once per generation; the caller waits for all of them, so
 * when gd_pool_run returns no worker touches ctx any more.
 */
#include "core/parallel.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/* What a worker thread is started with. */
typedef struct pool_slot {
    struct gd_pool *pool;
    int index; /* 1-based: 0 is the caller of gd_pool_run */
} pool_slot;

struct gd_pool {
    pthread_mutex_t lock;
    pthread_cond_t wake;      /* a new run, or stop */
    pthread_cond_t finished;  /* the last worker finished its part of a run */
    pthread_t *workers;       /* (nworkers) */
    pool_slot *slots;         /* (nworkers) */
    int nworkers;             /* threads started besides the caller */
    unsigned long generation; /* counts runs; workers wait for it to change */
    int stop;                 /* set by gd_pool_free */
    int done;                 /* workers done with the current run */
    gd_task_fn fn;            /* the current run */
    void *ctx;
    size_t ntasks;
    atomic_size_t next;       /* next task index to hand out */
};

int gd_pool_threads(int requested)
{
    long n = requested;
    if (n <= 0) {
#if defined(_SC_NPROCESSORS_ONLN)
        n = sysconf(_SC_NPROCESSORS_ONLN);
#else
        n = 1;
#endif
        if (n < 1)
            n = 1;
    }
    return n > GD_POOL_MAX_THREADS ? GD_POOL_MAX_THREADS : (int)n;
}

static void pool_take_tasks(gd_pool *p, gd_task_fn fn, void *ctx, size_t ntasks,
                            int worker)
{
    for (;;) {
        size_t t = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (t >= ntasks)
            break;
        fn(ctx, t, worker);
    }
}

static void *pool_main(void *arg)
{
    const pool_slot *slot = arg;
    gd_pool *p = slot->pool;
    const int worker = slot->index;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->generation == seen && !p->stop)
            pthread_cond_wait(&p->wake, &p->lock);
        if (p->stop)
            break;
        seen = p->generation;
        gd_task_fn fn = p->fn;
        void *ctx = p->ctx;
        size_t ntasks = p->ntasks;
        pthread_mutex_unlock(&p->lock);
        pool_take_tasks(p, fn, ctx, ntasks, worker);
        pthread_mutex_lock(&p->lock);
        if (++p->done == p->nworkers)
            pthread_cond_signal(&p->finished);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

gd_pool *gd_pool_create(int threads)
{
    threads = gd_pool_threads(threads);
    if (threads <= 1)
        return NULL;
    gd_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->workers = malloc((size_t)(threads - 1) * sizeof *p->workers);
    p->slots = malloc((size_t)(threads - 1) * sizeof *p->slots);
    if (p->workers == NULL || p->slots == NULL || pthread_mutex_init(&p->lock, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&p->wake, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        goto fail;
    }
    if (pthread_cond_init(&p->finished, NULL) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        goto fail;
    }
    atomic_init(&p->next, 0);
    for (int k = 0; k < threads - 1; k++) {
        p->slots[k].pool = p;
        p->slots[k].index = k + 1;
        if (pthread_create(&p->workers[k], NULL, pool_main, &p->slots[k]) != 0)
            break; /* run with the threads there are */
        p->nworkers++;
    }
    if (p->nworkers > 0)
        return p;
    pthread_cond_destroy(&p->finished);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
fail:
    free(p->slots);
    free(p->workers);
    free(p);
    return NULL;
}

void gd_pool_free(gd_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int k = 0; k < p->nworkers; k++)
        pthread_join(p->workers[k], NULL);
    pthread_cond_destroy(&p->finished);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p->slots);
    free(p->workers);
    free(p);
}

int gd_pool_size(const gd_pool *p)
{
    return p == NULL ? 1 : p->nworkers + 1;
}

void gd_pool_run(gd_pool *p, gd_task_fn fn, void *ctx, size_t ntasks)
{
    if (p == NULL || ntasks <= 1) {
        for (size_t t = 0; t < ntasks; t++)
            fn(ctx, t, 0);
        return;
    }
    pthread_mutex_lock(&p->lock);
    assert(!p->stop);
    p->fn = fn;
    p->ctx = ctx;
    p->ntasks = ntasks;
    p->done = 0;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);

    pool_take_tasks(p, fn, ctx, ntasks, 0);

    pthread_mutex_lock(&p->lock);
    while (p->done < p->nworkers)
        pthread_cond_wait(&p->finished, &p->lock);
    p->fn = NULL;
    p->ctx = NULL;
    pthread_mutex_unlock(&p->lock);
}
