/*
 * rng: xoshiro256** seeded by splitmix64. The algorithms are those published
 * by Blackman and Vigna (https://prng.di.unimi.it/); the code is ours.
 */
#include "gdtrain/rng.h"

#include <assert.h>
#include <math.h>

#include "core/prefetch.h"

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void gd_rng_seed(gd_rng *rng, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64_next(&sm);
    /* splitmix64 is a bijection of its counter, so four consecutive outputs
     * are never all zero: the state xoshiro must avoid cannot arise. */
}

uint64_t gd_rng_next(gd_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double gd_rng_uniform(gd_rng *rng)
{
    return (double)(gd_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t gd_rng_below(gd_rng *rng, uint64_t n)
{
    /* Rejection sampling: accept only draws at or above 2^64 mod n, so that
     * the accepted range is a multiple of n. That threshold is below n, so
     * a draw of n or more is accepted without computing it: one division
     * per draw instead of two, and the same draws accepted. */
    for (;;) {
        uint64_t r = gd_rng_next(rng);
        if (r >= n || r >= (0 - n) % n)
            return r % n;
    }
}

double gd_rng_normal(gd_rng *rng)
{
    for (;;) {
        double u = 2.0 * gd_rng_uniform(rng) - 1.0;
        double v = 2.0 * gd_rng_uniform(rng) - 1.0;
        double s = u * u + v * v;
        if (s > 0.0 && s < 1.0)
            return u * sqrt(-2.0 * log(s) / s);
    }
}

/* Swap targets drawn ahead of their swap in gd_rng_shuffle. */
#define SHUFFLE_AHEAD 64

/*
 * Fisher-Yates from the top: for i = n .. 2, swap index[i-1] with index[j],
 * j uniform in [0, i). The draws depend on the stream alone, never on the
 * array, so they are made SHUFFLE_AHEAD swaps early and their targets
 * prefetched: a large array then has that many cache misses in flight
 * instead of one. The swaps themselves run in the same order as drawing and
 * swapping one at a time would, so the permutation has the same bits.
 */
void gd_rng_shuffle(gd_rng *rng, size_t *index, size_t n)
{
    size_t ahead[SHUFFLE_AHEAD]; /* target of the swap at i, at i % SHUFFLE_AHEAD */
    size_t next = n;             /* the next i to draw for */
    for (; next > 1 && n - next < SHUFFLE_AHEAD; next--) {
        ahead[next % SHUFFLE_AHEAD] = (size_t)gd_rng_below(rng, next);
        GD_PREFETCH(&index[ahead[next % SHUFFLE_AHEAD]]);
    }
    for (size_t i = n; i > 1; i--) {
        size_t j = ahead[i % SHUFFLE_AHEAD];
        if (next > 1) { /* next == i - SHUFFLE_AHEAD: its slot is i's, now read */
            ahead[next % SHUFFLE_AHEAD] = (size_t)gd_rng_below(rng, next);
            GD_PREFETCH(&index[ahead[next % SHUFFLE_AHEAD]]);
            next--;
        }
        size_t tmp = index[i - 1];
        index[i - 1] = index[j];
        index[j] = tmp;
    }
}

void gd_rng_shuffle_blocks(gd_rng *rng, size_t *index, size_t *blocks, size_t n,
                           size_t block)
{
    assert(n > 0 && block > 0);
    const size_t nblocks = (n - 1) / block + 1;
    for (size_t b = 0; b < nblocks; b++)
        blocks[b] = b;
    gd_rng_shuffle(rng, blocks, nblocks);
    size_t at = 0;
    for (size_t b = 0; b < nblocks; b++) {
        size_t lo = blocks[b] * block;
        size_t len = n - lo < block ? n - lo : block;
        for (size_t k = 0; k < len; k++)
            index[at + k] = lo + k;
        gd_rng_shuffle(rng, index + at, len);
        at += len;
    }
}
