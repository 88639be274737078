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
           memcmp(&back, &v, sizeof v) == 0;
}

size_t gd_numformat(char buf[GD_NUMFORMAT_SIZE], double v)
{
    assert(isfinite(v));
    size_t len = 0;
    int first = fabs(v) < DBL_MIN ? 1 : 15; /* subnormals (and zeros) from 1 digit */
    for (int p = first; p < DBL_DECIMAL_DIG; p++)
        if (try_precision(buf, v, p, &len))
            return len;
    /* 17 significant digits always read back (DBL_DECIMAL_DIG). */
    int ok = try_precision(buf, v, DBL_DECIMAL_DIG, &len);
    assert(ok);
    (void)ok;
    return len;
}
