/*
 * parallel: a small pool of worker threads for loops over fixed tasks.
 *
 * Library-internal (not installed). The loss evaluator, the CSV loader and
 * standardization split their work into tasks whose boundaries depend only
 * on the data (fixed row blocks, fixed byte chunks), never on the number of
 * threads. Each task writes its own partial result; the caller combines the
 * partials in task order afterwards. So which thread ran which task never
 * changes a single bit of a result: that is how `--threads N` stays
 * bit-identical for every N.
 *
 * Tasks are handed out in increasing order from one shared counter, so a
 * thread that is slowed down (a busy machine) simply runs fewer of them.
 * Threads are POSIX threads; workers sleep on a condition variable between
 * runs and use no CPU while idle.
 */
#ifndef GDTRAIN_PARALLEL_H
#define GDTRAIN_PARALLEL_H

#include <stddef.h>

/* The most threads a pool will run; larger requests are clamped. */
#define GD_POOL_MAX_THREADS 256

typedef struct gd_pool gd_pool;

/* One task: index task in [0, ntasks), run by thread worker in
 * [0, gd_pool_size(pool)) (0 is the caller's own thread). */
typedef void (*gd_task_fn)(void *ctx, size_t task, int worker);

/* The thread count a request means: requested itself if > 0, else the
 * number of online CPUs (at least 1); never more than GD_POOL_MAX_THREADS. */
int gd_pool_threads(int requested);

/* Creates a pool of `threads` threads in all: the caller of gd_pool_run and
 * threads - 1 workers started here. Never fails: if memory or a thread
 * cannot be had, the pool has fewer threads (down to none but the caller,
 * and then gd_pool_create returns NULL, which gd_pool_run accepts). */
gd_pool *gd_pool_create(int threads);

/* Stops the workers and frees the pool. Accepts NULL. */
void gd_pool_free(gd_pool *pool);

/* Threads that run tasks: 1 for a NULL pool. */
int gd_pool_size(const gd_pool *pool);

/* Runs fn(ctx, task, worker) once for every task in [0, ntasks), on the
 * pool's threads and the calling thread, and returns when all are done.
 * Tasks start in increasing order of index. A NULL pool runs them all on
 * the caller, in order. Not reentrant: one run at a time per pool. */
void gd_pool_run(gd_pool *pool, gd_task_fn fn, void *ctx, size_t ntasks);

#endif
