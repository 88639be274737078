/*
 * The random stream and the shuffle built on it, against numbers computed
 * outside the program: an independent Python implementation of splitmix64
 * seeding, xoshiro256**, rejection sampling below n and Fisher-Yates from
 * the top (arbitrary-precision integers, one swap at a time), whose outputs
 * are committed here. The shuffle draws its swap targets ahead of the swaps
 * for speed; it must still give the permutation, and leave the stream, as
 * one-at-a-time drawing and swapping does.
 */
#include "testutil.h"

#include <stdlib.h>

#include "gdtrain/rng.h"

/* Fisher-Yates one swap at a time, as the documentation states it. */
static void shuffle_plain(gd_rng *rng, size_t *index, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)gd_rng_below(rng, i);
        size_t tmp = index[i - 1];
        index[i - 1] = index[j];
        index[j] = tmp;
    }
}

static size_t *identity(size_t n)
{
    size_t *v = malloc((n ? n : 1) * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = i;
    return v;
}

static void assert_same_state(const gd_rng *a, const gd_rng *b)
{
    for (int k = 0; k < 4; k++)
        assert_true(a->s[k] == b->s[k]);
}

/* Seed 1, 20 rows: the permutation and the stream after it (Python). */
static void test_shuffle_reference(void **st)
{
    (void)st;
    static const size_t want[20] = {12, 13, 2,  6,  4, 18, 16, 9, 19, 10,
                                    11, 1,  8,  0,  7, 3,  5,  14, 15, 17};
    static const uint64_t after[4] = {UINT64_C(0xa1d52267848ffbc9), UINT64_C(0x2ff5590b91818c4f),
                                      UINT64_C(0x93180318be1a2654), UINT64_C(0x3e51df9da6e897ae)};
    gd_rng rng;
    gd_rng_seed(&rng, 1);
    size_t *v = identity(20);
    gd_rng_shuffle(&rng, v, 20);
    for (size_t i = 0; i < 20; i++)
        assert_int_equal(v[i], want[i]);
    for (int k = 0; k < 4; k++)
        assert_true(rng.s[k] == after[k]);
    free(v);
}

/* Seed 42, 100000 rows (far more than the draws made ahead): a hash
 * h = h * 1000003 + v[i] mod 2^64 over the permutation, and the stream
 * after it (Python). */
static void test_shuffle_large_reference(void **st)
{
    (void)st;
    static const uint64_t after[4] = {UINT64_C(0xb6e22f1bf0ed47a3), UINT64_C(0x1d988f76158ed877),
                                      UINT64_C(0x2cc077d6363adff3), UINT64_C(0x3f0646e0aee8dedd)};
    const size_t n = 100000;
    gd_rng rng;
    gd_rng_seed(&rng, 42);
    size_t *v = identity(n);
    gd_rng_shuffle(&rng, v, n);
    uint64_t h = 0;
    for (size_t i = 0; i < n; i++)
        h = h * 1000003u + v[i];
    assert_true(h == UINT64_C(0xb845be86d43cf6e0));
    for (int k = 0; k < 4; k++)
        assert_true(rng.s[k] == after[k]);
    free(v);
}

/* Every size around the look-ahead window, from any start: the same as
 * one swap at a time, including the stream left behind. */
static void test_shuffle_matches_plain(void **st)
{
    (void)st;
    for (size_t n = 0; n <= 300; n++) {
        gd_rng a, b;
        gd_rng_seed(&a, 1000 + n);
        b = a;
        size_t *u = identity(n), *v = identity(n);
        for (size_t i = 0; i < n; i++) /* not the identity: a second shuffle */
            u[i] = v[i] = (i * 7919) % (n ? n : 1);
        gd_rng_shuffle(&a, u, n);
        shuffle_plain(&b, v, n);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(u[i], v[i]);
        assert_same_state(&a, &b);
        free(u);
        free(v);
    }
}

/* n just above 2^63 rejects about half the draws (those below 2^64 mod n =
 * 2^63 - 1): seed 7 rejects 5 of the first 11 (Python). */
static void test_below_rejects(void **st)
{
    (void)st;
    static const uint64_t want[6] = {UINT64_C(3699983033973700185), UINT64_C(6265020869637863829),
                                     UINT64_C(8874686607794401855), UINT64_C(9054773939583320855),
                                     UINT64_C(6876465445380131912), UINT64_C(763097503181529494)};
    gd_rng rng;
    gd_rng_seed(&rng, 7);
    for (int k = 0; k < 6; k++)
        assert_true(gd_rng_below(&rng, (UINT64_C(1) << 63) + 1) == want[k]);
}

/* Seed 5, 10 numbers in blocks of 3: the order and the stream after it
 * (Python). */
static void test_shuffle_blocks_reference(void **st)
{
    (void)st;
    static const size_t want[10] = {9, 8, 7, 6, 0, 2, 1, 3, 5, 4};
    static const uint64_t after[4] = {UINT64_C(0x0d12faa71b3e3ae1), UINT64_C(0x8db4b0995f0134ca),
                                      UINT64_C(0x3ec02825415ac7b2), UINT64_C(0x9be9b2f3ad80da1f)};
    gd_rng rng;
    gd_rng_seed(&rng, 5);
    size_t v[10], blocks[10 / 3 + 1];
    gd_rng_shuffle_blocks(&rng, v, blocks, 10, 3);
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(v[i], want[i]);
    for (int k = 0; k < 4; k++)
        assert_true(rng.s[k] == after[k]);
}

/* Any size and block: a permutation in which every block's numbers stand
 * together, whole blocks one after another. */
static void test_shuffle_blocks_properties(void **st)
{
    (void)st;
    for (size_t n = 1; n <= 70; n++)
        for (size_t block = 1; block <= 9; block += 4) {
            gd_rng rng;
            gd_rng_seed(&rng, n * 31 + block);
            size_t *v = identity(n), *blocks = identity(n / block + 1);
            unsigned char *seen = calloc(n, 1);
            assert_non_null(seen);
            gd_rng_shuffle_blocks(&rng, v, blocks, n, block);
            for (size_t at = 0; at < n;) {
                size_t b = v[at] / block, len = n - b * block < block ? n - b * block : block;
                for (size_t k = 0; k < len; k++) {
                    assert_true(at + k < n && v[at + k] / block == b);
                    assert_false(seen[v[at + k]]);
                    seen[v[at + k]] = 1;
                }
                at += len;
            }
            free(seen);
            free(v);
            free(blocks);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shuffle_reference),
        cmocka_unit_test(test_shuffle_large_reference),
        cmocka_unit_test(test_shuffle_matches_plain),
        cmocka_unit_test(test_below_rejects),
        cmocka_unit_test(test_shuffle_blocks_reference),
        cmocka_unit_test(test_shuffle_blocks_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
