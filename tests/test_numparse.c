/*
 * Tests for numparse: the accepted syntax, and bit-for-bit agreement with the
 * C library's strtod (the reference) on hand-picked hard cases and on over a
 * million generated strings. Exact decimal expansions of midpoints between
 * doubles are computed here by an independent method (base-10^9 arithmetic),
 * and for those the expected rounding (even / up / down) is also checked
 * directly, without trusting either parser.
 *
 * Every parse is done on a copy placed at the very end of a heap block, so a
 * read past len is caught by AddressSanitizer; the hand-picked cases are also
 * parsed with digits after len, which would change the value if read.
 */
#include "testutil.h"

#include "io/numparse.h"
#include "gdtrain/rng.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT 8192 /* longest string a test builds, with its NUL */

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static double double_of(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* ---- parsing from the end of a heap block ------------------------------ */

static char *tail_block; /* MAX_TEXT bytes; strings are copied to its end */

static gd_num_result parse_at_end(const char *s, size_t len, double *out)
{
    assert_true(len < MAX_TEXT);
    if (tail_block == NULL) {
        tail_block = malloc(MAX_TEXT);
        assert_non_null(tail_block);
    }
    char *p = tail_block + MAX_TEXT - len;
    memcpy(p, s, len);
    return gd_numparse(p, len, out);
}

static void free_tail_block(void)
{
    free(tail_block);
    tail_block = NULL;
}

/* ---- comparison with strtod -------------------------------------------- */

static int printed_failures;

static void print_text(const char *s)
{
    size_t len = strlen(s);
    if (len <= 1200)
        fprintf(stderr, "\"%s\"", s);
    else
        fprintf(stderr, "\"%.600s...%s\" (%zu chars)", s, s + len - 600, len);
}

/* Parses the NUL-terminated, well-formed s with both parsers; returns 1 and
 * prints both results if they differ in any bit, or in overflow. */
static int mismatch(const char *s)
{
    size_t len = strlen(s);
    char *end;
    errno = 0;
    double ref = strtod(s, &end);
    int ref_errno = errno;
    const double sentinel = 12345.678;
    double got = sentinel;
    gd_num_result r = parse_at_end(s, len, &got);
    int bad;
    if (end != s + len)
        bad = 1; /* the generator made a string strtod does not take whole */
    else if (isinf(ref))
        bad = !(r == GD_NUM_OVERFLOW && ref_errno == ERANGE &&
                bits_of(got) == bits_of(sentinel));
    else
        bad = !(r == GD_NUM_OK && bits_of(got) == bits_of(ref));
    if (bad && printed_failures++ < 20) {
        fprintf(stderr, "MISMATCH ");
        print_text(s);
        fprintf(stderr,
                "\n  strtod:      %a (0x%016llx)%s, consumed %zu of %zu\n"
                "  gd_numparse: %a (0x%016llx) result %d\n",
                ref, (unsigned long long)bits_of(ref),
                ref_errno == ERANGE ? " ERANGE" : "", (size_t)(end - s), len,
                got, (unsigned long long)bits_of(got), (int)r);
    }
    return bad;
}

/* The value gd_numparse gives for s, which must be accepted. */
static double parse_ok(const char *s)
{
    double v = 0;
    assert_int_equal(parse_at_end(s, strlen(s), &v), GD_NUM_OK);
    return v;
}

#define assert_same_as_strtod(s) assert_int_equal(mismatch(s), 0)

/* ---- exact decimal expansions (independent of the code under test) ---- */

#define DEC_LIMBS 200 /* base-10^9 limbs: up to 1800 digits */

/* Writes the exact decimal digits of odd * 2^e2 (odd < 2^55) into out,
 * without leading zeros, and sets *dexp so that the value is
 * digits * 10^dexp. Returns the number of digits. */
static size_t exact_decimal(uint64_t odd, int e2, char *out, int *dexp)
{
    uint64_t d[DEC_LIMBS]; /* little-endian base 10^9 */
    int n = 0;
    for (uint64_t v = odd; v; v /= 1000000000u)
        d[n++] = v % 1000000000u;
    int count;
    uint64_t factor_step, step_size;
    if (e2 >= 0) {
        count = e2; /* times 2^e2, 2^29 at a time */
        factor_step = (uint64_t)1 << 29;
        step_size = 29;
        *dexp = 0;
    } else { /* odd * 2^e2 = odd * 5^-e2 * 10^e2 */
        count = -e2;
        factor_step = 1220703125u; /* 5^13 */
        step_size = 13;
        *dexp = e2;
    }
    while (count > 0) {
        uint64_t f = 1;
        if ((uint64_t)count >= step_size) {
            f = factor_step;
            count -= (int)step_size;
        } else {
            for (; count > 0; count--)
                f *= e2 >= 0 ? 2 : 5;
        }
        uint64_t carry = 0;
        for (int i = 0; i < n; i++) {
            uint64_t v = d[i] * f + carry;
            d[i] = v % 1000000000u;
            carry = v / 1000000000u;
        }
        while (carry) {
            assert_true(n < DEC_LIMBS);
            d[n++] = carry % 1000000000u;
            carry /= 1000000000u;
        }
    }
    size_t len = (size_t)sprintf(out, "%llu", (unsigned long long)d[n - 1]);
    for (int i = n - 2; i >= 0; i--)
        len += (size_t)sprintf(out + len, "%09llu", (unsigned long long)d[i]);
    return len;
}

/* Midpoint between the finite double with magnitude bits b and the next
 * one up, (2m + 1) * 2^(k - 1): its exact digits and exponent. */
static size_t midpoint_decimal(uint64_t b, char *out, int *dexp)
{
    uint64_t field = b >> 52, m = b & ((UINT64_C(1) << 52) - 1);
    int k = -1074;
    if (field) {
        m |= UINT64_C(1) << 52;
        k = (int)field - 1075;
    }
    return exact_decimal(2 * m + 1, k - 1, out, dexp);
}

/* Writes digits * 10^dexp as plain "int.frac" text (no exponent). */
static void write_plain(const char *digits, size_t n, int dexp, char *out)
{
    long point = (long)n + dexp; /* digits before the point */
    size_t len = 0;
    if (point <= 0) {
        out[len++] = '0';
        out[len++] = '.';
        for (long i = 0; i < -point; i++)
            out[len++] = '0';
        memcpy(out + len, digits, n);
        len += n;
    } else if ((size_t)point >= n) {
        memcpy(out + len, digits, n);
        len += n;
        for (long i = 0; i < point - (long)n; i++)
            out[len++] = '0';
    } else {
        memcpy(out + len, digits, (size_t)point);
        len += (size_t)point;
        out[len++] = '.';
        memcpy(out + len, digits + point, n - (size_t)point);
        len += n - (size_t)point;
    }
    out[len] = '\0';
    assert_true(len < MAX_TEXT);
}

/* Decimal digit string minus one (the string has no leading zero and is not
 * "0"); may leave one leading zero, which is harmless. */
static void decrement_digits(char *digits, size_t n)
{
    size_t i = n;
    while (i > 0 && digits[i - 1] == '0')
        digits[--i] = '9';
    assert_true(i > 0);
    digits[i - 1]--;
}

/* ---- syntax ----------------------------------------------------------- */

static void test_syntax_accepts(void **state)
{
    (void)state;
    static const char *const good[] = {
        "-1.5", "+2", ".5", "5.", "1E5", "2.5e-3", "0", "-0", "+0", "0.",
        ".0", "00", "007", "1e0", "1e+0", "1e-0", "1E+05", "-.5e-1", "+5.e1",
        "123456.78", "42", "0.125", "1e308", "1e-400", "1e400", "0e0",
        "9.999e-1", "1.e5", "1234567890123456789012345", "0.000", "-0.0e5",
        "1e0000000000000000000000000000000000000001",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_same_as_strtod(good[i]);
    assert_true(parse_ok("-1.5") == -1.5);
    assert_true(parse_ok("+2") == 2.0);
    assert_true(parse_ok(".5") == 0.5);
    assert_true(parse_ok("5.") == 5.0);
    assert_true(parse_ok("1E5") == 100000.0);
    assert_true(parse_ok("2.5e-3") == 0.0025);
}

static void test_syntax_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "+", "-", ".", "+.", "-.", "e5", "E5", ".e5", "+e5", "1e", "1E",
        "1e+", "1e-", "1.5e", "1.5e+", " 1", "1 ", " ", "1 5", "1. 5", "1e 5",
        "- 1", "\t1", "1\n", "0x1p3", "0x10", "0X1", "inf", "-inf", "INF",
        "nan", "NaN", "infinity", "Infinity", "1,5", "1_000", "1e5x", "12a",
        "1.5.5", "1..5", "1e5.5", "1e5e5", "1e+-5", "+-1", "--1", "++1", "1-",
        "1+", "1d5", "1f", "1.5f", "\xd9\xa1", "\xef\xbc\x91", "1\xc2\xa0",
        "1e05x", ".e", "e", "1ee5", "1e+5+", "0.0.", "1E5E", "5e-",
        "1'000", "1/2", "(1)", "$1", "1%",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = -7.25;
        gd_num_result r = parse_at_end(bad[i], strlen(bad[i]), &v);
        if (r != GD_NUM_SYNTAX)
            fprintf(stderr, "accepted bad input \"%s\"\n", bad[i]);
        assert_int_equal(r, GD_NUM_SYNTAX);
        assert_true(v == -7.25); /* *out unchanged */
    }
    /* An embedded NUL is just a bad byte. */
    double v = -7.25;
    assert_int_equal(parse_at_end("1\0", 2, &v), GD_NUM_SYNTAX);
    assert_int_equal(parse_at_end("\0" "1", 2, &v), GD_NUM_SYNTAX);
    assert_true(v == -7.25);
}

/* Every string up to 5 characters over a small alphabet, and many longer
 * random ones, against an independent statement of the grammar (a POSIX
 * regular expression); those it accepts must also match strtod. */
static void test_syntax_exhaustive(void **state)
{
    (void)state;
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    /* '/' and ':' sit just below '0' and just above '9'; 0xae and 0xb5 are
     * '.' and '5' with the top bit set */
    static const char small[] = "059.-+e /:";
    static const char wide[] = "0123456789.-+eE/:\xae\xb5";
    const size_t ns = sizeof small - 1, nw = sizeof wide - 1;
    char text[32];
    long accepted = 0, failures = 0, total = 0;
    gd_rng rng;
    gd_rng_seed(&rng, 99);
    for (int phase = 0; phase < 2; phase++) {
        long count = phase == 0 ? 0 : 300000;
        if (phase == 0) /* all strings of length 1..5 over `small` */
            for (size_t len = 1, pow = ns; len <= 5; len++, pow *= ns)
                count += (long)pow;
        size_t len = 1;
        unsigned long idx = 0, span = ns;
        for (long i = 0; i < count; i++) {
            if (phase == 0) {
                if (idx == span) {
                    len++;
                    span *= ns;
                    idx = 0;
                }
                unsigned long v = idx++;
                for (size_t j = 0; j < len; j++, v /= ns)
                    text[j] = small[v % ns];
            } else {
                len = 1 + (size_t)gd_rng_below(&rng, 20);
                for (size_t j = 0; j < len; j++) /* mostly digits */
                    text[j] = gd_rng_below(&rng, 3) ? (char)('0' + gd_rng_below(&rng, 10))
                                                    : wide[gd_rng_below(&rng, nw)];
            }
            text[len] = '\0';
            int want = regexec(&re, text, 0, NULL, 0) == 0;
            total++;
            if (want) {
                accepted++;
                failures += mismatch(text);
                continue;
            }
            double v = -7.25;
            gd_num_result r = parse_at_end(text, len, &v);
            if (r != GD_NUM_SYNTAX || v != -7.25) {
                failures++;
                if (printed_failures++ < 20)
                    fprintf(stderr, "accepted bad input \"%s\" (result %d)\n", text, (int)r);
            }
        }
    }
    regfree(&re);
    fprintf(stderr, "syntax: %ld strings, %ld well-formed, %ld mismatches\n", total,
            accepted, failures);
    assert_true(accepted > 50000);
    assert_int_equal(failures, 0);
}

/* Only s[0..len) is looked at: what follows must not change anything. */
static void test_length_bound(void **state)
{
    (void)state;
    double v = 0;
    assert_int_equal(gd_numparse("12345", 3, &v), GD_NUM_OK);
    assert_true(v == 123.0);
    assert_int_equal(gd_numparse("2.5e-3", 3, &v), GD_NUM_OK);
    assert_true(v == 2.5);
    assert_int_equal(gd_numparse("1.5e10", 4, &v), GD_NUM_SYNTAX);
    assert_int_equal(gd_numparse("-5", 1, &v), GD_NUM_SYNTAX);
    assert_int_equal(gd_numparse("7", 0, &v), GD_NUM_SYNTAX);
    assert_int_equal(gd_numparse("1e300000", 5, &v), GD_NUM_OK);
    assert_true(v == 1e300);
    assert_int_equal(gd_numparse("9007199254740993", 15, &v), GD_NUM_OK);
    assert_true(v == 900719925474099.0);
    /* A long input followed by digits: a read past len would change it. */
    char buf[600];
    memset(buf, '0', sizeof buf);
    buf[0] = '1';
    buf[1] = '.';
    memcpy(buf + 500, "777", 3);
    assert_int_equal(gd_numparse(buf, 500, &v), GD_NUM_OK);
    assert_true(v == 1.0);
    /* Midpoint 2^53 + 1 followed by more digits past len: must tie-round. */
    assert_int_equal(gd_numparse("9007199254740993000001", 16, &v), GD_NUM_OK);
    assert_true(v == 9007199254740992.0);
}

/* ---- hand-picked hard cases --------------------------------------------- */

static void test_hard_cases(void **state)
{
    (void)state;
    static const char *const hard[] = {
        "9007199254740993", "9007199254740993.0", "9007199254740993e0",
        "900719925474099.3e1", "9007199254740992.9999999999999999999",
        "9007199254740993.0000000000000000001", "9007199254740995",
        "18014398509481985", "18014398509481986", "18014398509481987",
        "2.2250738585072011e-308", "2.2250738585072012e-308",
        "2.2250738585072014e-308", "2.225073858507201136057409796709131975934819546351645648e-308",
        "4.9406564584124654e-324", "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "1.7976931348623157e308", "1.7976931348623158e308",
        "1.7976931348623159e308", "-1.7976931348623159e308",
        "1e-324", "3e-324", "2e-324", "5e-324", "7e-324", "1e-323",
        "1e308", "1e309", "1e-307", "1e-308", "1e-309", "1e-320",
        "0.1", "0.2", "0.3", "1e23", "8.98846567431158e307",
        "4.4501477170144023e-308", "2.2250738585072013e-308",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "1.0000000000000002220446049250313080847263336181640625",
        "0.500000000000000166533453693773481063544750213623046875",
        "3.518437208883201171875e13", "62.5364939768271845828",
        "8.10109172351e-10", "1.50000000000000011102230246251565404236316680908203125",
        "1090544144181609348671888949248", "1090544144181609348835077142190",
        "7.4109846876186982e-323", "5.0e-324", "2.47032822920623272e-324",
        "6.9294956446009195e15", "3.0540412e5", "7.8e-7", "1e22", "1e21",
        "4503599627370496.5", "4503599627370497.5", "4503599627370496.50000000001",
        "123456789012345678901234567890e-30", "0.0000000000000000000000000000001",
        "1e-99999999999999999999", "-1e-99999999999999999999", "0e99999999999",
        "-0e99999999999", "1e99999999999", "-1e99999999999", "1e+99999999999999999999",
        "0.00000000000000000000000000000000000000000000000000001e+330",
        "1e-330", "1e-325", "9.99e-325", "2.4703282292062328e-324",
    };
    for (size_t i = 0; i < sizeof hard / sizeof hard[0]; i++) {
        assert_same_as_strtod(hard[i]);
        /* Same input with digits after len. */
        char buf[2048];
        size_t n = strlen(hard[i]);
        assert_true(n + 3 < sizeof buf);
        memcpy(buf, hard[i], n);
        memcpy(buf + n, "987", 3);
        double a = 1, b = 2;
        gd_num_result ra = gd_numparse(buf, n, &a);
        gd_num_result rb = parse_at_end(hard[i], n, &b);
        assert_int_equal(ra, rb);
        if (ra == GD_NUM_OK)
            assert_true(bits_of(a) == bits_of(b));
    }

    /* Facts known without any parser. */
    assert_true(parse_ok("9007199254740993") == 9007199254740992.0);
    assert_true(parse_ok("9007199254740995") == 9007199254740996.0);
    assert_true(parse_ok("9007199254740993.0000000000000000001") == 9007199254740994.0);
    assert_true(bits_of(parse_ok("2.2250738585072011e-308")) == UINT64_C(0x000fffffffffffff));
    assert_true(bits_of(parse_ok("2.2250738585072012e-308")) == UINT64_C(0x0010000000000000));
    assert_true(bits_of(parse_ok("4.9406564584124654e-324")) == 1);
    assert_true(bits_of(parse_ok("2.4703282292062327e-324")) == 0); /* below half */
    assert_true(bits_of(parse_ok("2.4703282292062328e-324")) == 1); /* above half */
    assert_true(parse_ok("1.7976931348623157e308") == DBL_MAX);
    assert_true(parse_ok("1.7976931348623158e308") == DBL_MAX);
    assert_true(bits_of(parse_ok("-0")) == UINT64_C(0x8000000000000000));
    assert_true(bits_of(parse_ok("-0.0e5")) == UINT64_C(0x8000000000000000));
    assert_true(bits_of(parse_ok("-1e-400")) == UINT64_C(0x8000000000000000));
    assert_true(bits_of(parse_ok("0e99999999999")) == 0);
    assert_true(bits_of(parse_ok("1e-99999999999999999999")) == 0);
    double v = 3.5;
    assert_int_equal(gd_numparse("1.7976931348623159e308", 22, &v), GD_NUM_OVERFLOW);
    assert_int_equal(gd_numparse("1e99999999999", 13, &v), GD_NUM_OVERFLOW);
    assert_int_equal(gd_numparse("-1e309", 6, &v), GD_NUM_OVERFLOW);
    assert_true(v == 3.5);
}

/* Exact midpoints (decimal expansions computed here), at the edges of the
 * range, just above and below them, and with the deciding digit far away. */
static void check_midpoint_family(uint64_t b)
{
    static char digits[MAX_TEXT], text[MAX_TEXT];
    int dexp;
    size_t n = midpoint_decimal(b, digits, &dexp);
    uint64_t even = (b & 1) ? b + 1 : b;
    const uint64_t inf = UINT64_C(0x7ff0000000000000);

    /* exactly the midpoint: ties to even (to infinity above DBL_MAX) */
    write_plain(digits, n, dexp, text);
    assert_same_as_strtod(text);
    double v = 0;
    gd_num_result r = parse_at_end(text, strlen(text), &v);
    if (even == inf)
        assert_int_equal(r, GD_NUM_OVERFLOW);
    else
        assert_true(bits_of(v) == even);

    /* a 1 in the 1000th digit after the midpoint's last: rounds up */
    memset(digits + n, '0', 1000);
    digits[n + 999] = '1';
    write_plain(digits, n + 1000, dexp - 1000, text);
    assert_same_as_strtod(text);
    r = parse_at_end(text, strlen(text), &v);
    if (b + 1 == inf)
        assert_int_equal(r, GD_NUM_OVERFLOW);
    else
        assert_true(bits_of(v) == b + 1);

    /* minus one unit of the 1000th digit: rounds down */
    digits[n + 999] = '0';
    decrement_digits(digits, n + 1000);
    write_plain(digits, n + 1000, dexp - 1000, text);
    assert_same_as_strtod(text);
    assert_true(bits_of(parse_ok(text)) == b);
}

static void test_midpoints(void **state)
{
    (void)state;
    static const uint64_t edges[] = {
        0,                              /* 0 | least subnormal */
        1, 2, 3,                        /* smallest subnormals */
        UINT64_C(0x000ffffffffffffe),   /* below the largest subnormal */
        UINT64_C(0x000fffffffffffff),   /* largest subnormal | DBL_MIN */
        UINT64_C(0x0010000000000000),   /* DBL_MIN */
        UINT64_C(0x001fffffffffffff),   /* end of the first normal binade */
        UINT64_C(0x3ff0000000000000),   /* 1 */
        UINT64_C(0x433fffffffffffff),   /* 2^53 - 1 */
        UINT64_C(0x4340000000000000),   /* 2^53 */
        UINT64_C(0x7fefffffffffffff),   /* DBL_MAX | infinity */
        UINT64_C(0x7feffffffffffffe),
    };
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check_midpoint_family(edges[i]);
}

/* Very long inputs, runs of zeros, exponents that compensate. */
static void test_long_inputs(void **state)
{
    (void)state;
    static char text[MAX_TEXT];
    /* "1" + 5000 zeros, then e-5000 */
    memset(text, '0', 5001);
    text[0] = '1';
    strcpy(text + 5001, "e-5000");
    assert_same_as_strtod(text);
    assert_true(parse_ok(text) == 1.0);
    /* "0." + 5000 zeros + "1e+5001" */
    memcpy(text, "0.", 2);
    memset(text + 2, '0', 5000);
    strcpy(text + 5002, "1e+5001");
    assert_same_as_strtod(text);
    assert_true(parse_ok(text) == 1.0);
    /* the same with compensated exponents around the range edges */
    static const char *const exps[] = {"e+4692", "e+5310", "e+5309", "e+4677", "e+4676", "e+4675"};
    for (size_t i = 0; i < sizeof exps / sizeof exps[0]; i++) {
        strcpy(text + 5002, "17976931348623158");
        strcat(text, exps[i]);
        assert_same_as_strtod(text);
        strcpy(text + 5002, "49406564584124654");
        strcat(text, exps[i]);
        assert_same_as_strtod(text);
    }
    /* leading zeros before the integer part, trailing zeros after the point */
    memset(text, '0', 3000);
    strcpy(text + 3000, "1.5");
    memset(text + 3003, '0', 3000);
    text[6003] = '\0';
    assert_same_as_strtod(text);
    assert_true(parse_ok(text) == 1.5);
    /* 3000 random digits with the point in several places */
    gd_rng rng;
    gd_rng_seed(&rng, 7);
    for (int trial = 0; trial < 200; trial++) {
        size_t n = 1 + (size_t)gd_rng_below(&rng, 3000);
        for (size_t i = 0; i < n; i++)
            text[i] = (char)('0' + gd_rng_below(&rng, 10));
        int shift = (int)gd_rng_below(&rng, 700) - 350 - (int)n;
        sprintf(text + n, "e%d", shift);
        assert_same_as_strtod(text);
    }
    /* 2^53 + 1 with the deciding digit 3000 places away */
    strcpy(text, "9007199254740993.");
    memset(text + 17, '0', 3000);
    strcpy(text + 3017, "1");
    assert_true(parse_ok(text) == 9007199254740994.0);
    assert_same_as_strtod(text);
    text[3017] = '\0';
    assert_true(parse_ok(text) == 9007199254740992.0);
    strcpy(text, "9007199254740992.");
    memset(text + 17, '9', 3000);
    text[3017] = '\0';
    assert_true(parse_ok(text) == 9007199254740992.0);
    assert_same_as_strtod(text);
}

/* ---- the random corpus ---------------------------------------------------- */

/* Writes digits * 10^dexp in a randomly chosen but valid form: sign or not,
 * point anywhere (with zeros added as needed), optional extra leading and
 * trailing zeros, exponent in any case with optional sign and leading zeros. */
static void render(gd_rng *rng, const char *digits, size_t n, long long dexp,
                   char *out)
{
    size_t len = 0;
    uint64_t pick = gd_rng_below(rng, 8);
    if (pick == 0)
        out[len++] = '-';
    else if (pick == 1)
        out[len++] = '+';

    /* written exponent x; the point goes after `point` digits */
    long long x;
    uint64_t style = gd_rng_below(rng, 10);
    long long sci = dexp + (long long)n - 1; /* d.ddd form */
    if (style < 3 && sci > -60 && sci < 60)
        x = 0; /* plain */
    else if (style < 6)
        x = sci;
    else
        x = dexp + (long long)gd_rng_below(rng, n + 40) - 20;
    if (gd_rng_below(rng, 50) == 0) /* far-off, compensated by zeros */
        x = dexp + (long long)gd_rng_below(rng, 2400) - 1200;
    long long point = (long long)n + dexp - x;

    if (gd_rng_below(rng, 10) == 0) {
        size_t z = (size_t)gd_rng_below(rng, 30);
        memset(out + len, '0', z);
        len += z;
    }
    int has_point = 0;
    if (point <= 0) {
        if (gd_rng_below(rng, 2))
            out[len++] = '0';
        out[len++] = '.';
        has_point = 1;
        memset(out + len, '0', (size_t)-point);
        len += (size_t)-point;
        memcpy(out + len, digits, n);
        len += n;
    } else if (point >= (long long)n) {
        memcpy(out + len, digits, n);
        len += n;
        memset(out + len, '0', (size_t)(point - (long long)n));
        len += (size_t)(point - (long long)n);
        if (gd_rng_below(rng, 4) == 0) {
            out[len++] = '.';
            has_point = 1;
        }
    } else {
        memcpy(out + len, digits, (size_t)point);
        len += (size_t)point;
        out[len++] = '.';
        has_point = 1;
        memcpy(out + len, digits + point, n - (size_t)point);
        len += n - (size_t)point;
    }
    if (has_point && gd_rng_below(rng, 10) == 0) {
        size_t z = (size_t)gd_rng_below(rng, 30);
        memset(out + len, '0', z);
        len += z;
    }
    if (x != 0 || gd_rng_below(rng, 20) == 0) {
        out[len++] = gd_rng_below(rng, 2) ? 'e' : 'E';
        if (x < 0)
            out[len++] = '-';
        else if (gd_rng_below(rng, 3) == 0)
            out[len++] = '+';
        if (gd_rng_below(rng, 10) == 0) {
            size_t z = 1 + (size_t)gd_rng_below(rng, 25);
            memset(out + len, '0', z);
            len += z;
        }
        len += (size_t)sprintf(out + len, "%llu",
                               (unsigned long long)(x < 0 ? -x : x));
    }
    assert_true(len < MAX_TEXT);
    out[len] = '\0';
}

/* Random digits: uniform, or biased to runs of 0 or 9 (near boundaries). */
static void random_digits(gd_rng *rng, char *digits, size_t n)
{
    uint64_t mode = gd_rng_below(rng, 6);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = gd_rng_below(rng, 100);
        char c = (char)('0' + gd_rng_below(rng, 10));
        if (mode == 1 && r < 90)
            c = '0';
        else if (mode == 2 && r < 90)
            c = '9';
        else if (mode == 3 && i > 15 && r < 97)
            c = i == 16 ? '5' : '0';
        digits[i] = c;
    }
    if (gd_rng_below(rng, 4) != 0 && digits[0] == '0')
        digits[0] = '1';
}

/* Decimal exponent of the value's leading digit: mostly across the whole
 * double range, often near its edges, sometimes far outside. */
static long long random_magnitude(gd_rng *rng)
{
    uint64_t r = gd_rng_below(rng, 100);
    if (r < 70)
        return (long long)gd_rng_below(rng, 680) - 345;
    if (r < 80)
        return (long long)gd_rng_below(rng, 40) - 345; /* subnormal, zero */
    if (r < 88)
        return (long long)gd_rng_below(rng, 20) + 298; /* DBL_MAX, overflow */
    if (r < 95)
        return (long long)gd_rng_below(rng, 30) - 10; /* everyday numbers */
    long long big = (long long)gd_rng_below(rng, UINT64_C(1000000000000000));
    return gd_rng_below(rng, 2) ? big : -big;
}

static void test_random_strings(void **state)
{
    (void)state;
    static char digits[MAX_TEXT], text[MAX_TEXT];
    gd_rng rng;
    gd_rng_seed(&rng, 20240611);
    long failures = 0, total = 0;

    /* 1. random digit strings, 1..40 digits (sometimes up to 800) */
    for (int i = 0; i < 500000; i++) {
        size_t n = gd_rng_below(&rng, 50) == 0 ? 1 + (size_t)gd_rng_below(&rng, 800)
                                               : 1 + (size_t)gd_rng_below(&rng, 40);
        random_digits(&rng, digits, n);
        long long lead = random_magnitude(&rng);
        render(&rng, digits, n, lead - (long long)n + 1, text);
        failures += mismatch(text);
        total++;
    }

    /* 2. random doubles printed with 17, 16 and 15 significant digits */
    static const char *const formats[] = {"%.17g", "%.16g", "%.15g", "%.17e", "%.3g"};
    for (int i = 0; i < 400000; i++) {
        uint64_t b = gd_rng_next(&rng);
        if (i % 4 == 0) /* ordinary magnitudes */
            b = (b & UINT64_C(0x800fffffffffffff)) |
                ((UINT64_C(1023) - 40 + gd_rng_below(&rng, 80)) << 52);
        double v = double_of(b);
        if (!isfinite(v))
            continue;
        snprintf(text, sizeof text, formats[i % 5], v);
        failures += mismatch(text);
        total++;
    }

    /* 3. exact midpoints with few digits (the ties Eisel-Lemire must see) */
    for (int i = 0; i < 60000; i++) {
        uint64_t m = (UINT64_C(1) << 52) | (gd_rng_next(&rng) >> 12);
        /* exponent of the midpoint's last bit: near 0 the decimal has at
         * most 19 digits, so the tie reaches the Eisel-Lemire tier */
        int e2 = i % 2 ? (int)gd_rng_below(&rng, 15) - 4
                       : (int)gd_rng_below(&rng, 100) - 40;
        uint64_t odd = 2 * m + 1;
        int dexp;
        size_t n = exact_decimal(odd, e2, digits, &dexp);
        render(&rng, digits, n, dexp, text);
        failures += mismatch(text);
        /* its neighbours in the last digit */
        digits[n] = '1';
        render(&rng, digits, n + 1, (long long)dexp - 1, text);
        failures += mismatch(text);
        digits[n] = '0';
        decrement_digits(digits, n + 1);
        render(&rng, digits, n + 1, (long long)dexp - 1, text);
        failures += mismatch(text);
        total += 3;
    }

    /* 4. exact midpoints of random doubles of any magnitude, and strings
     *    just above, just below, and cut short */
    for (int i = 0; i < 30000; i++) {
        uint64_t b = gd_rng_next(&rng) >> 1;
        if (i % 3 == 0) /* subnormal and first normal binades */
            b &= UINT64_C(0x001fffffffffffff);
        if (b >= UINT64_C(0x7ff0000000000000))
            continue;
        int dexp;
        size_t n = midpoint_decimal(b, digits, &dexp);
        render(&rng, digits, n, dexp, text);
        int bad = mismatch(text);
        double v = 0;
        if (!bad && parse_at_end(text, strlen(text), &v) == GD_NUM_OK) {
            uint64_t mag = bits_of(v) & ~(UINT64_C(1) << 63);
            bad = mag != ((b & 1) ? b + 1 : b); /* ties to even */
        }
        failures += bad;
        size_t z = 1 + (size_t)gd_rng_below(&rng, 40);
        memset(digits + n, '0', z);
        digits[n + z - 1] = '1';
        render(&rng, digits, n + z, (long long)dexp - (long long)z, text);
        failures += mismatch(text);
        digits[n + z - 1] = '0';
        decrement_digits(digits, n + z);
        render(&rng, digits, n + z, (long long)dexp - (long long)z, text);
        failures += mismatch(text);
        digits[n] = '\0';
        midpoint_decimal(b, digits, &dexp);
        size_t cut = 1 + (size_t)gd_rng_below(&rng, n);
        render(&rng, digits, cut, (long long)dexp + (long long)(n - cut), text);
        failures += mismatch(text);
        total += 4;
    }
    fprintf(stderr, "random strings: %ld checked, %ld mismatches\n", total, failures);
    assert_true(total >= 1000000);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_accepts),
        cmocka_unit_test(test_syntax_rejects),
        cmocka_unit_test(test_syntax_exhaustive),
        cmocka_unit_test(test_length_bound),
        cmocka_unit_test(test_hard_cases),
        cmocka_unit_test(test_midpoints),
        cmocka_unit_test(test_long_inputs),
        cmocka_unit_test(test_random_strings),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free_tail_block();
    return rc;
}
