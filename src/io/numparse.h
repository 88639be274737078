/*
 * numparse: decimal text -> double, correctly rounded.
 *
 * Accepts exactly the plain decimal forms found in data files:
 *     [+-] ( digits [ . [digits] ] | . digits ) [ (e|E) [+-] digits ]
 * e.g. "-1.5", "+2", ".5", "5.", "1E5", "2.5e-3". Nothing else: no spaces,
 * no hex, no "inf"/"nan", no thousands separators.
 *
 * For every input it accepts, the result has the same bits as strtod() in
 * round-to-nearest-even (including subnormals, signed zero and any number of
 * digits). A value whose magnitude rounds to infinity is reported as
 * overflow, never returned.
 */
#ifndef GDTRAIN_NUMPARSE_H
#define GDTRAIN_NUMPARSE_H

#include <stddef.h>

typedef enum gd_num_result {
    GD_NUM_OK = 0,
    GD_NUM_SYNTAX,  /* empty, or not of the form above */
    GD_NUM_OVERFLOW /* well-formed, but its magnitude rounds to infinity */
} gd_num_result;

/* Parses exactly the len bytes at s (no terminator needed; bytes past len are
 * never read). On GD_NUM_OK stores the value in *out; otherwise *out is left
 * unchanged. Thread-safe; never allocates. */
gd_num_result gd_numparse(const char *s, size_t len, double *out);

#endif
