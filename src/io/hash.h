/*
 * hash: gdhash64, a fast 64-bit hash of bytes, to notice changed files.
 *
 * The binary cache (src/data/cache.h) keys itself on a hash of the whole
 * source file and checks every block of its own payload with one; both
 * must run at memory speed, and neither needs to resist an adversary (a
 * user who edits the source means no harm). So: not cryptographic, but
 * fast and with one guarantee that matters for "a digit changed":
 *
 *   Two inputs of the same length that differ only inside one aligned
 *   8-byte word always hash differently.
 *
 * Definition. The input is read as 64-bit words in the machine's byte
 * order (a cache is never read on a machine of the other byte order; its
 * header says which it was written on), 4 lanes of words, each lane taking
 * every fourth word:
 *
 *     lane[i] = seed + K[i]                        (K: fixed odd constants)
 *     for each word w, in lane i = (word index mod 4):
 *         lane[i] = step(lane[i], w) = xs((lane[i] ^ w) * M)
 *     xs(v) = v ^ (v >> 32)
 *
 * A last partial word is padded with zero bytes. Then
 *
 *     h = fin(seed ^ (len * M))
 *     for i in 0..3: h = fin(h ^ lane[i]) + i
 *     result = fin(h)
 *     fin(v) = splitmix64's finaliser (xor-shift 30, multiply, xor-shift
 *              27, multiply, xor-shift 31)
 *
 * Every step is a bijection of the lane (xor with a word, multiplication
 * by an odd number modulo 2^64, an xor-shift), and the final mix is a
 * bijection of each lane given the others, so a change confined to one
 * word changes exactly one lane and always the result: that is the
 * guarantee above. Other changes collide with probability about 2^-64 for
 * inputs not built to collide. The four lanes are independent chains of
 * multiplications, so a core runs them in parallel: several GB/s.
 *
 * The length mixed into the start keeps "abc" apart from "abc\0".
 */
#ifndef GDTRAIN_HASH_H
#define GDTRAIN_HASH_H

#include <stddef.h>
#include <stdint.h>

/* A hash in progress: feed bytes in any pieces, the result is that of the
 * whole input in one piece. */
typedef struct gd_hash64 {
    uint64_t lane[4];
    uint64_t seed;
    uint64_t len;        /* bytes fed so far */
    unsigned char buf[32]; /* a partial stripe of 4 words */
    size_t nbuf;
} gd_hash64;

/* Starts a hash with the given seed (different seeds give unrelated
 * hashes: the cache seeds a block's checksum with its index, so blocks in
 * the wrong place are noticed). Cannot fail. */
void gd_hash64_init(gd_hash64 *h, uint64_t seed);

/* Feeds len bytes. Cannot fail. */
void gd_hash64_update(gd_hash64 *h, const void *data, size_t len);

/* The hash of everything fed. h is unchanged (more may be fed after). */
uint64_t gd_hash64_final(const gd_hash64 *h);

/* The hash of data[0..len) in one call. */
uint64_t gd_hash64_bytes(const void *data, size_t len, uint64_t seed);

#endif
