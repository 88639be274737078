/*
 * numformat: double -> the shortest decimal text that reads back as it.
 *
 * Every number gdtrain writes for a program to read again (model files,
 * checkpoints, JSON, loss curves, predictions) goes through here, so that
 * 0.99 is written "0.99" and not "0.98999999999999999", and reading the text
 * with strtod (or gd_numparse) gives back the same bits.
 *
 * The text is printf's %g form ("0.99", "-0", "100", "1e+300", "5e-324"): of
 * the %.Pg spellings of v, the one with the fewest significant digits P that
 * reads back as v. For a normal double that is also the shortest decimal of
 * all: a decimal with at most 15 significant digits that reads back as v is
 * the nearest 15-digit decimal to v (15-digit decimals lie further apart than
 * a double's rounding interval is wide), and %.15g prints that one without
 * its trailing zeros; at 16 and 17 digits %.16g and %.17g print the nearest,
 * which reads back whenever any decimal of that length does. Subnormals,
 * having fewer significant bits, are tried from 1 digit up.
 */
#ifndef GDTRAIN_NUMFORMAT_H
#define GDTRAIN_NUMFORMAT_H

#include <stddef.h>

/* Room for any result and its terminator: "-2.2250738585072014e-308" is 24
 * characters. */
#define GD_NUMFORMAT_SIZE 32

/* Writes the shortest decimal for v into buf, terminated, and returns its
 * length. v must be finite. The decimal point is always '.', whatever the
 * locale. Thread-safe; never allocates; cannot fail. */
size_t gd_numformat(char buf[GD_NUMFORMAT_SIZE], double v);

#endif
