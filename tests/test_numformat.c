/*
 * Tests for numformat: every result reads back (by the C library's strtod)
 * as the same bits, and is the shortest such decimal. Shortest is checked two
 * independent ways: against Python's repr, committed with the script that
 * made it (tests/golden/shortest.txt), and on 200000 random bit patterns
 * by trying every decimal with one significant digit fewer that could read
 * back (the two neighbours of the value at that length).
 */
#include "testutil.h"

#include "io/numformat.h"
#include "gdtrain/rng.h"

#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double double_of(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* The sign and significant digits of a decimal, without leading or trailing
 * zeros ("-0.0120e5" -> "-12"; zero -> "0" or "-0"). */
static void significand(const char *s, char *out, size_t size)
{
    size_t k = 0;
    if (*s == '-')
        out[k++] = *s++;
    size_t start = k;
    for (; *s != '\0' && *s != 'e' && *s != 'E'; s++)
        if (*s >= '0' && *s <= '9' && (k > start || *s != '0')) {
            assert_true(k + 2 < size);
            out[k++] = *s;
        }
    while (k > start && out[k - 1] == '0')
        k--;
    if (k == start)
        out[k++] = '0';
    out[k] = '\0';
}

static void check_round_trip(double v)
{
    char buf[GD_NUMFORMAT_SIZE];
    size_t len = gd_numformat(buf, v);
    assert_int_equal(len, strlen(buf));
    char *end;
    double back = strtod(buf, &end);
    if (*end != '\0' || !same_bits(back, v))
        fail_msg("%a written as \"%s\" reads back as %a", v, buf, back);
}

static void test_known_values(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0.99, "0.99"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1.0 / 3.0, "0.3333333333333333"},
        {0.0, "0"},
        {-0.0, "-0"},
        {100.0, "100"},
        {-42.0, "-42"},
        {9007199254740992.0, "9007199254740992"},
        {1e16, "1e+16"},
        {1e300, "1e+300"},
        {1e-300, "1e-300"},
        {5e-324, "5e-324"},
        {-5e-324, "-5e-324"},
        {DBL_MAX, "1.7976931348623157e+308"},
        {DBL_MIN, "2.2250738585072014e-308"},
        {2.225073858507201e-308, "2.225073858507201e-308"}, /* largest subnormal */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[GD_NUMFORMAT_SIZE];
        gd_numformat(buf, cases[i].v);
        assert_string_equal(buf, cases[i].text);
        check_round_trip(cases[i].v);
    }
}

/* Python's repr of each value in tests/golden/shortest.txt. */
static void test_matches_python_repr(void **state)
{
    (void)state;
    char *text = read_all(GDTRAIN_SOURCE_DIR "/tests/golden/shortest.txt", NULL);
    size_t lines = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        uint64_t bits;
        char expected[64];
        assert_int_equal(sscanf(line, "%" SCNx64 " %63s", &bits, expected), 2);
        double v = double_of(bits);
        char buf[GD_NUMFORMAT_SIZE], ours[64], theirs[64];
        gd_numformat(buf, v);
        significand(buf, ours, sizeof ours);
        significand(expected, theirs, sizeof theirs);
        if (strcmp(ours, theirs) != 0)
            fail_msg("line %zu: %a: \"%s\", Python \"%s\"", lines + 1, v, buf, expected);
        check_round_trip(v);
        lines++;
    }
    assert_int_equal(lines, 1000);
    free(text);
}

/* 1 if some decimal with `digits` significant digits reads back as v: only
 * the two such decimals next to v can (any other is further away). */
static int shorter_exists(double v, int digits)
{
    if (digits < 1)
        return 0;
    char buf[64];
    /* d.ddd...e+X with `digits` digits: v rounded to that length. */
    snprintf(buf, sizeof buf, "%.*e", digits - 1, fabs(v));
    char *e = strchr(buf, 'e');
    int exp10 = atoi(e + 1);
    uint64_t mant = 0;
    for (char *p = buf; p < e; p++)
        if (*p != '.')
            mant = mant * 10 + (uint64_t)(*p - '0');
    for (int delta = -1; delta <= 1; delta++) {
        if (mant == 0 && delta < 0)
            continue;
        char cand[64];
        snprintf(cand, sizeof cand, "%s%" PRIu64 "e%d", v < 0 ? "-" : "",
                 mant + (uint64_t)(int64_t)delta, exp10 - (digits - 1));
        if (same_bits(strtod(cand, NULL), v))
            return 1;
    }
    return 0;
}

static void check_shortest(double v)
{
    char buf[GD_NUMFORMAT_SIZE], sig[64];
    gd_numformat(buf, v);
    significand(buf, sig, sizeof sig);
    int digits = (int)strlen(sig) - (sig[0] == '-');
    if (v != 0 && shorter_exists(v, digits - 1))
        fail_msg("%a written as \"%s\": %d digits would do", v, buf, digits - 1);
}

static void test_random_bits(void **state)
{
    (void)state;
    uint64_t seed = 20261206;
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = splitmix64(&seed);
        if (i % 4 == 0)
            bits &= 0x800FFFFFFFFFFFFFu; /* a subnormal (or a zero) */
        double v = double_of(bits);
        if (!isfinite(v))
            continue;
        check_round_trip(v);
        check_shortest(v);
    }
}

/* Values as data and training produce them: short decimals and their sums. */
static void test_short_decimals(void **state)
{
    (void)state;
    uint64_t seed = 7;
    for (int i = 0; i < 20000; i++) {
        uint64_t r = splitmix64(&seed);
        int places = (int)(r % 7);
        double v = (double)(int64_t)(r >> 20) / pow(10, places) * ((r & 8) ? -1 : 1);
        check_round_trip(v);
        check_shortest(v);
        char buf[GD_NUMFORMAT_SIZE], text[64];
        gd_numformat(buf, v);
        /* The decimal it came from is at most this long: %.Ng would never
         * have grown it. */
        snprintf(text, sizeof text, "%.*f", places, v);
        char a[64], b[64];
        significand(buf, a, sizeof a);
        significand(text, b, sizeof b);
        assert_true(strlen(a) <= strlen(b));
    }
}

/* A comma-decimal locale changes nothing: the point stays '.'. */
static void test_comma_locale(void **state)
{
    (void)state;
    if (!set_comma_locale())
        fail_msg("no locale with a decimal comma could be set or built "
                 "(Debian: apt-get install locales)");
    char probe[32], a[GD_NUMFORMAT_SIZE], b[GD_NUMFORMAT_SIZE];
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    gd_numformat(a, 0.99);
    gd_numformat(b, -1.25e-7);
    setlocale(LC_ALL, "C");
    assert_string_equal(probe, "0,5"); /* the locale did take effect */
    assert_string_equal(a, "0.99");
    assert_string_equal(b, "-1.25e-07");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_matches_python_repr),
        cmocka_unit_test(test_random_bits),
        cmocka_unit_test(test_short_decimals),
        cmocka_unit_test(test_comma_locale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
