/*
 * numformat: shortest round-trip decimals by trying printf precisions and
 * reading each back with gd_numparse (which gives strtod's bits without
 * depending on the locale). See numformat.h for why the result is shortest.
 */
#include "io/numformat.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/numparse.h"

/* %.Pg of v into buf with '.' as the decimal point; 1 if it reads back as v. */
static int try_precision(char buf[GD_NUMFORMAT_SIZE], double v, int precision, size_t *len)
{
    int n = snprintf(buf, GD_NUMFORMAT_SIZE, "%.*g", precision, v);
    assert(n > 0 && n < GD_NUMFORMAT_SIZE);
    *len = (size_t)n;
    /* A locale with a comma (or any other one-byte) decimal point: ours is '.'. */
    for (size_t i = 0; i < *len; i++)
        if (buf[i] != '-' && buf[i] != '+' && buf[i] != 'e' && (buf[i] < '0' || buf[i] > '9'))
            buf[i] = '.';
    double back;
    return gd_numparse(buf, *len, &back) == GD_NUM_OK &&
           memcmp(&back, &v, sizeof v) == 0; /* NOLINT(cert-exp42-c,cert-flp37-c,bugprone-suspicious-memory-comparison): the same bits are the point */
}

size_t gd_numformat(char buf[GD_NUMFORMAT_SIZE], double v)
{
    assert(isfinite(v));
    size_t len = 0;
    /* Whole numbers below 10^15 (zeros and counts, common in model files):
     * %.15g would print every digit, which %.0f does in one call. */
    if (fabs(v) < 1e15 && v == trunc(v)) {
        int n = snprintf(buf, GD_NUMFORMAT_SIZE, "%.0f", v);
        assert(n > 0 && n < GD_NUMFORMAT_SIZE);
        return (size_t)n;
    }
    if (fabs(v) < DBL_MIN) { /* subnormals: from 1 digit up */
        for (int p = 1; p < DBL_DECIMAL_DIG; p++)
            if (try_precision(buf, v, p, &len))
                return len;
    } else if (try_precision(buf, v, 16, &len)) {
        /* Most computed values need 16 or 17 digits: try 16 first, then 15
         * only when 16 reads back (see numformat.h for why 15 is enough). */
        char shorter[GD_NUMFORMAT_SIZE];
        size_t slen;
        if (try_precision(shorter, v, 15, &slen) && slen < len) {
            memcpy(buf, shorter, slen + 1);
            len = slen;
        }
        return len;
    }
    /* 17 significant digits always read back (DBL_DECIMAL_DIG). */
    int ok = try_precision(buf, v, DBL_DECIMAL_DIG, &len);
    assert(ok);
    (void)ok;
    return len;
}
