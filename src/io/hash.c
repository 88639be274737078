/*
 * hash: gdhash64. See hash.h for the definition and its guarantee.
 */
#include "io/hash.h"

#include <string.h>

/* Odd constants with well-spread bits: the multiplier M and the lanes'
 * starting offsets K (the fractional bits of the golden ratio and of the
 * square roots of 2, 3 and 5). */
#define HASH_M 0x9e3779b97f4a7c15u
static const uint64_t lane_start[4] = {
    0x6a09e667f3bcc909u, 0xbb67ae8584caa73bu, 0x3c6ef372fe94f82bu, 0xa54ff53a5f1d36f1u,
};

static uint64_t step(uint64_t lane, uint64_t w)
{
    uint64_t v = (lane ^ w) * HASH_M;
    return v ^ (v >> 32);
}

static uint64_t fin(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t load64(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* Whole stripes of 4 words from p; returns the bytes used. */
static size_t stripes(uint64_t lane[4], const unsigned char *p, size_t len)
{
    uint64_t a = lane[0], b = lane[1], c = lane[2], d = lane[3];
    size_t used = 0;
    for (; len - used >= 32; used += 32) {
        a = step(a, load64(p + used));
        b = step(b, load64(p + used + 8));
        c = step(c, load64(p + used + 16));
        d = step(d, load64(p + used + 24));
    }
    lane[0] = a;
    lane[1] = b;
    lane[2] = c;
    lane[3] = d;
    return used;
}

void gd_hash64_init(gd_hash64 *h, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        h->lane[i] = seed + lane_start[i];
    h->seed = seed;
    h->len = 0;
    h->nbuf = 0;
}

void gd_hash64_update(gd_hash64 *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    h->len += len;
    if (h->nbuf > 0) {
        size_t take = sizeof h->buf - h->nbuf < len ? sizeof h->buf - h->nbuf : len;
        memcpy(h->buf + h->nbuf, p, take);
        h->nbuf += take;
        p += take;
        len -= take;
        if (h->nbuf < sizeof h->buf)
            return;
        (void)stripes(h->lane, h->buf, sizeof h->buf);
        h->nbuf = 0;
    }
    size_t used = stripes(h->lane, p, len);
    memcpy(h->buf, p + used, len - used);
    h->nbuf = len - used;
}

uint64_t gd_hash64_final(const gd_hash64 *h)
{
    uint64_t lane[4];
    memcpy(lane, h->lane, sizeof lane);
    /* The partial stripe: its words go to lanes 0, 1, ... in turn, the last
     * one padded with zero bytes. */
    unsigned char word[8];
    for (size_t at = 0, i = 0; at < h->nbuf; at += 8, i++) {
        size_t n = h->nbuf - at < 8 ? h->nbuf - at : 8;
        memset(word, 0, sizeof word);
        memcpy(word, h->buf + at, n);
        lane[i] = step(lane[i], load64(word));
    }
    uint64_t out = fin(h->seed ^ (h->len * HASH_M));
    for (int i = 0; i < 4; i++)
        out = fin(out ^ lane[i]) + (uint64_t)i;
    return fin(out);
}

uint64_t gd_hash64_bytes(const void *data, size_t len, uint64_t seed)
{
    gd_hash64 h;
    gd_hash64_init(&h, seed);
    gd_hash64_update(&h, data, len);
    return gd_hash64_final(&h);
}
