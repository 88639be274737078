/*
 * rng: xoshiro256** seeded by splitmix64. The algorithms are those published
 * by Blackman and Vigna (https://prng.di.unimi.it/); the code is ours.
 */
#include "gdtrain/rng.h"

#include <math.h>

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
    /* Rejection sampling: accept only draws below the largest multiple of n. */
    uint64_t threshold = (0 - n) % n; /* = 2^64 mod n */
    for (;;) {
        uint64_t r = gd_rng_next(rng);
        if (r >= threshold)
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

void gd_rng_shuffle(gd_rng *rng, size_t *index, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)gd_rng_below(rng, i);
        size_t tmp = index[i - 1];
        index[i - 1] = index[j];
        index[j] = tmp;
    }
}
