/*
 * fuzz_numparse: gd_numparse against the grammar and against strtod.
 *
 * The input bytes are the text, exactly (no terminator: ASan catches any read
 * past len). Checked for every input:
 *  - GD_NUM_OK or GD_NUM_OVERFLOW only if the text matches the documented
 *    grammar  [+-] ( digits [ . [digits] ] | . digits ) [ (e|E) [+-] digits ]
 *    (matched here by an independent little scanner);
 *  - when the text matches the grammar, strtod (glibc, correctly rounded) on a
 *    NUL-terminated copy consumes all of it, and gd_numparse answers
 *    GD_NUM_OVERFLOW exactly when strtod gives an infinity, else GD_NUM_OK
 *    with the same bits;
 *  - *out is left unchanged when the answer is not GD_NUM_OK.
 * Any mismatch aborts.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/numparse.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_dig(char c)
{
    return c >= '0' && c <= '9';
}

/* 1 if s[0..n) matches the grammar of numparse.h. */
static int matches_grammar(const char *s, size_t n)
{
    size_t i = 0, mant = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && is_dig(s[i]))
        i++, mant++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_dig(s[i]))
            i++, mant++;
    }
    if (mant == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < n && is_dig(s[i]))
            i++, exp++;
        if (exp == 0)
            return 0;
    }
    return i == n;
}

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const double canary = -1234.5;
    double got = canary;
    gd_num_result res = gd_numparse(s, size, &got);
    FUZZ_CHECK(res == GD_NUM_OK || res == GD_NUM_SYNTAX || res == GD_NUM_OVERFLOW,
               "unknown result %d", (int)res);
    if (res != GD_NUM_OK)
        FUZZ_CHECK(bits_of(got) == bits_of(canary), "*out changed on result %d",
                   (int)res);

    int grammatical = matches_grammar(s, size);
    if (!grammatical) {
        FUZZ_CHECK(res == GD_NUM_SYNTAX, "accepted text outside the grammar (%d)",
                   (int)res);
        return 0;
    }

    char *copy = malloc(size + 1);
    FUZZ_CHECK(copy != NULL, "out of memory");
    memcpy(copy, s, size);
    copy[size] = '\0';
    char *end = NULL;
    errno = 0;
    double want = strtod(copy, &end);
    size_t used = (size_t)(end - copy);
    free(copy);
    FUZZ_CHECK(used == size, "strtod stopped at byte %zu of %zu", used, size);

    if (isinf(want)) {
        FUZZ_CHECK(res == GD_NUM_OVERFLOW, "strtod gives %g, gd_numparse %d", want,
                   (int)res);
    } else {
        FUZZ_CHECK(res == GD_NUM_OK, "strtod gives %.17g, gd_numparse %d", want,
                   (int)res);
        FUZZ_CHECK(bits_of(got) == bits_of(want),
                   "gd_numparse %.17g (0x%016llx), strtod %.17g (0x%016llx)", got,
                   (unsigned long long)bits_of(got), want,
                   (unsigned long long)bits_of(want));
    }
    return 0;
}
