/*
 * cache_meta: the metadata section of a cache file (src/data/cache.h):
 * names, encoding and load report as length-prefixed records.
 *
 * Records, in order, each number a 64-bit word in native byte order and
 * each text its byte count then its bytes (no terminator):
 *
 *   target (text, present only with a target); d feature names (text);
 *   has_encoding (0 none, 1 X is the design, 2 X is one column per input
 *   (raw_inputs)), then: NA policy, NA token count, the tokens,
 *   input count, per input: name, categorical (0/1), level count, the
 *   levels, missing_level (0/1), fill (the double's bits);
 *   the report: note count, the notes, dropped, dropped_target, unseen.
 *
 * The section's checksum is in the header; decoding still checks every
 * length and count against what is left, and that the encoding's width is
 * d, so a malformed section is refused, never read past its end.
 */
#ifndef GDTRAIN_DATA_CACHE_META_H
#define GDTRAIN_DATA_CACHE_META_H

#include <stddef.h>

#include "data/cache.h"

/* A growing byte buffer. */
typedef struct gd_cache_buf {
    unsigned char *p;
    size_t len, cap;
    int nomem; /* 1 once an allocation failed */
} gd_cache_buf;

/* Appends p[0..n) to *b (on failure sets b->nomem, and appends nothing
 * from then on). */
void gd_cache_buf_put(gd_cache_buf *b, const void *p, size_t n);

/* Appends meta's records (d features; the target when with_y) to *b.
 * 0, or -1 when out of memory (b->p is then still the caller's to free). */
int gd_cache_meta_encode(const gd_cache_meta *meta, size_t d, int with_y, gd_cache_buf *b);

/* Decodes p[0..len) into *meta (allocating). 0; -1 when malformed, -2
 * when out of memory, with *meta freed. */
int gd_cache_meta_decode(gd_cache_meta *meta, const unsigned char *p, size_t len, size_t d,
                         int with_y);

/* Frees what a decoded *meta holds (d features) and zeroes it. Accepts a
 * zeroed struct. */
void gd_cache_meta_free(gd_cache_meta *meta, size_t d);

#endif
