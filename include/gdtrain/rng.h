/*
 * rng: a small, fully specified pseudo-random generator.
 *
 * xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64, so the
 * same seed gives the same stream on every platform. Never rand().
 */
#ifndef GDTRAIN_RNG_H
#define GDTRAIN_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct gd_rng {
    uint64_t s[4]; /* xoshiro256** state; never all zero */
} gd_rng;

/* Seeds the generator: every seed (including 0) gives a valid state. */
void gd_rng_seed(gd_rng *rng, uint64_t seed);

/* Next 64 random bits. */
uint64_t gd_rng_next(gd_rng *rng);

/* Uniform double in [0, 1) with 53 random bits. */
double gd_rng_uniform(gd_rng *rng);

/* Uniform integer in [0, n), without modulo bias. n must be > 0. */
uint64_t gd_rng_below(gd_rng *rng, uint64_t n);

/* Standard normal deviate (Marsaglia's polar method). */
double gd_rng_normal(gd_rng *rng);

/* Fisher-Yates shuffle of index[0..n): for i = n down to 2, swap index[i-1]
 * with index[gd_rng_below(rng, i)]. */
void gd_rng_shuffle(gd_rng *rng, size_t *index, size_t n);

/* A block-wise random order of 0..n-1 (n > 0) into index[0..n): the
 * numbers cut into blocks of block (> 0) in order, the last possibly
 * shorter; the block numbers shuffled (gd_rng_shuffle of 0..nblocks-1 in
 * blocks, which has room for n / block + 1 entries); then, block by block in
 * that order, the block's numbers in ascending order, shuffled in place
 * (gd_rng_shuffle). */
void gd_rng_shuffle_blocks(gd_rng *rng, size_t *index, size_t *blocks, size_t n,
                           size_t block);

#endif
