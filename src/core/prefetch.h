/*
 * prefetch: a hint that memory will soon be read.
 *
 * Library-internal (not installed). GD_PREFETCH(p) asks the CPU to start
 * loading the cache line holding p; it never faults, even for an address
 * past the end of an array, and never changes a result. Where the compiler
 * has no such hint it does nothing, and code using it is only slower.
 * Random reads (a shuffled row order, a Fisher-Yates swap) are where it
 * pays: a loop issues the loads of later iterations while the current one
 * waits, so many cache misses are in flight at once instead of one.
 */
#ifndef GDTRAIN_PREFETCH_H
#define GDTRAIN_PREFETCH_H

#if defined(__GNUC__)
#define GD_PREFETCH(p) __builtin_prefetch(p)
#else
#define GD_PREFETCH(p) ((void)(p))
#endif

#endif
