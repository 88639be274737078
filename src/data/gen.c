/*
 * gen: the seeded generator of synthetic house-price tables.
 *
 * Each row is drawn feature by feature (area, age, bedrooms, bathrooms,
 * distance, lot, garage), every feature is rounded to the precision it is
 * written with, and the price is then computed from those written values:
 *
 *     price = round(gd_gen_true_intercept
 *                   + sum_j gd_gen_true_coef[j] * x_j + noise)
 *
 * so a least-squares fit of the file recovers the true coefficients up to
 * sampling noise. The distributions, the coefficients and the reasons for
 * the two truncations (noise to +-4 sigma, rows with a too-low noise-free
 * price drawn again) are documented in data/README.md; keep both in step.
 *
 * Bit-exact output on every platform. Everything here is IEEE double
 * arithmetic (+ - * / and sqrt, all correctly rounded) on values from the
 * project's xoshiro256** generator, plus frexp/ldexp/lround, which are
 * exact. The libm's exp and log are NOT used: their last bit may differ
 * between C libraries, and a one-ulp difference would change a written value
 * whenever it lands on a rounding boundary. gen_log and gen_exp below are our
 * own, built only from exact or correctly rounded operations, so they give
 * the same bits everywhere (they are accurate to a few ulp, which is plenty
 * for values that are then rounded to 1 or 2 decimals). For the same reason
 * the normal deviates come from gen_normal, not gd_rng_normal (which calls
 * the libm's log). This needs floating-point contraction off (the build uses
 * -ffp-contract=off; the pragma covers clang without it) and SSE2-style
 * double evaluation (FLT_EVAL_METHOD 0): a 32-bit x87 build may differ.
 *
 * Numbers are written by a small fixed-point formatter (values are held as
 * integers of tenths or hundredths), which prints exactly what printf's
 * "%.1f", "%.2f" and "%d" would in the C locale, several times faster;
 * tests/test_gen.c checks it field by field against snprintf.
 */
#include "data/gen.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/rng.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

const char *const gd_gen_columns[] = {
    "area_sqm", "age_years", "bedrooms", "bathrooms",
    "distance_km", "lot_sqm", "garage", "price",
};
const size_t gd_gen_ncolumns = sizeof gd_gen_columns / sizeof gd_gen_columns[0];

/* Currency units per unit of each feature (file order); data/README.md has
 * the same table. */
const double gd_gen_true_intercept = 150000.0;
const double gd_gen_true_coef[] = {
    1500.0,  /* area_sqm:    per m^2 of living area */
    -800.0,  /* age_years:   per year since construction */
    -3000.0, /* bedrooms:    per bedroom, area held fixed (smaller rooms) */
    9000.0,  /* bathrooms:   per bathroom */
    -2500.0, /* distance_km: per km from the city centre */
    30.0,    /* lot_sqm:     per m^2 of land */
    8000.0,  /* garage:      per parking spot */
};

/* The noise: normal with this standard deviation, drawn again when it falls
 * outside +-NOISE_LIMIT standard deviations. */
#define NOISE_STD 30000.0
#define NOISE_LIMIT 4.0

/* No price is below PRICE_FLOOR: a row whose noise-free price is below
 * PRICE_FLOOR + NOISE_LIMIT * NOISE_STD is drawn again (all its features). */
#define PRICE_FLOOR 20000.0

/* ln 2 split in two: LN2_HI has only 33 significant bits, so k * LN2_HI is
 * exact for |k| < 2^20; LN2_HI + LN2_LO is ln 2 to within 2^-85. */
static const double LN2_HI = 0x1.62e42feep-1;
static const double LN2_LO = 0x1.a39ef35793c76p-33;

/* Natural logarithm of x (finite, > 0), the same bits on every platform.
 * x = m 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(f) with
 * f = (m-1)/(m+1), |f| < 0.172, summed as an odd series to f^23. */
static double gen_log(double x)
{
    assert(x > 0.0 && isfinite(x));
    int e;
    double m = frexp(x, &e); /* x = m 2^e, m in [0.5, 1) */
    if (m < 0x1.6a09e667f3bcdp-1) { /* sqrt(1/2) */
        m *= 2.0;
        e -= 1;
    }
    double f = (m - 1.0) / (m + 1.0);
    double s = f * f;
    /* p = 1/3 + s/5 + s^2/7 + ... + s^10/23, by Horner. */
    double p = 1.0 / 23.0;
    for (int k = 21; k >= 3; k -= 2)
        p = p * s + 1.0 / (double)k;
    double lnm = 2.0 * f + 2.0 * f * (s * p);
    return (double)e * LN2_HI + (lnm + (double)e * LN2_LO);
}

/* e^x for |x| < 700, the same bits on every platform. x = k ln 2 + r with
 * |r| <= ln2 / 2; e^r by its Taylor series to r^14 / 14! (the next term is
 * below 2^-60), by Horner with the coefficients 1/n! as constants. */
static double gen_exp(double x)
{
    static const double inv_fact[15] = {
        1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720,
        1.0 / 5040, 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800,
        1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0,
        1.0 / 87178291200.0,
    };
    assert(fabs(x) < 700.0);
    double k = floor(x * 0x1.71547652b82fep0 + 0.5); /* x / ln 2, rounded */
    double r = (x - k * LN2_HI) - k * LN2_LO;
    double p = inv_fact[14];
    for (int n = 13; n >= 0; n--)
        p = p * r + inv_fact[n];
    return ldexp(p, (int)k);
}

/* The generator's state: the project PRNG plus the second deviate of each
 * polar-method pair. */
typedef struct gen_state {
    gd_rng rng;
    double spare;  /* a standard normal deviate not yet used */
    int has_spare; /* 1 if spare is valid */
} gen_state;

/* A standard normal deviate (Marsaglia's polar method, both deviates used). */
static double gen_normal(gen_state *st)
{
    if (st->has_spare) {
        st->has_spare = 0;
        return st->spare;
    }
    for (;;) {
        double u = 2.0 * gd_rng_uniform(&st->rng) - 1.0;
        double v = 2.0 * gd_rng_uniform(&st->rng) - 1.0;
        double s = u * u + v * v;
        if (s > 0.0 && s < 1.0) {
            double scale = sqrt(-2.0 * gen_log(s) / s);
            st->spare = v * scale;
            st->has_spare = 1;
            return u * scale;
        }
    }
}

/* exp(mu + sigma Z), Z standard normal, drawn again until in [lo, hi].
 * Sets *log_x to mu + sigma Z, the logarithm of the result. */
static double gen_lognormal(gen_state *st, double mu, double sigma, double lo,
                            double hi, double *log_x)
{
    for (;;) {
        double t = mu + sigma * gen_normal(st);
        double x = gen_exp(t);
        if (x >= lo && x <= hi) {
            *log_x = t;
            return x;
        }
    }
}

static long clamp_long(long x, long lo, long hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* One row, each feature as the integer that is written (area in tenths of
 * m^2, distance in hundredths of km, the rest in their own units). */
typedef struct gen_row {
    long area10;     /* area_sqm * 10 */
    long age;        /* age_years */
    long bedrooms;   /* bedrooms */
    long bathrooms;  /* bathrooms */
    long distance100; /* distance_km * 100 */
    long lot;        /* lot_sqm */
    long garage;     /* garage */
    long price;      /* price */
} gen_row;

/* The noise-free price of the written values x[0..7) (file order). */
static double gen_price_mean(const double *x)
{
    double mu = gd_gen_true_intercept;
    for (int j = 0; j < 7; j++)
        mu += gd_gen_true_coef[j] * x[j];
    return mu;
}

/* The feature distributions (data/README.md, "How each row is drawn"). The
 * logarithms are written as literals so no libm call is involved. */
#define AREA_LOG_MEDIAN 4.700480365792417 /* ln 110 m^2 */
#define AREA_LOG_SIGMA 0.40
#define AREA_MIN 25.0
#define AREA_MAX 600.0
#define AGE_SCALE 18.0 /* gamma(2, 18): mean 36 years */
#define AGE_MAX 120
#define DIST_LOG_MEDIAN 2.1972245773362196 /* ln 9 km */
#define DIST_LOG_SIGMA 0.70
#define DIST_MIN 0.2
#define DIST_MAX 60.0
#define LAND_LOG_MEDIAN 5.521460917862246 /* ln 250 m^2, at 9 km */
#define LOT_MAX 50000

/* Draws one row. Rows whose noise-free price is too low for the noise are
 * drawn again whole, so the row distribution is the feature distribution
 * conditioned on that price being >= PRICE_FLOOR + NOISE_LIMIT NOISE_STD
 * (about 0.5% of draws are rejected). */
static void gen_row_draw(gen_state *st, double extra, gen_row *row)
{
    for (;;) {
        /* Living area: lognormal, median 110 m^2, drawn again outside
         * [25, 600]. */
        double log_area;
        double area = gen_lognormal(st, AREA_LOG_MEDIAN, AREA_LOG_SIGMA,
                                    AREA_MIN, AREA_MAX, &log_area);
        row->area10 = lround(area * 10.0);
        double area_w = (double)row->area10 / 10.0; /* as written */

        /* Age: gamma(shape 2, scale 18) as -18 ln(U1 U2), rounded to whole
         * years, drawn again above 120. */
        do {
            double u1 = 1.0 - gd_rng_uniform(&st->rng); /* in (0, 1] */
            double u2 = 1.0 - gd_rng_uniform(&st->rng);
            row->age = lround(-AGE_SCALE * gen_log(u1 * u2));
        } while (row->age > AGE_MAX);

        /* Bedrooms: about one per 45 m^2 of the written area, in 1..8. */
        row->bedrooms = clamp_long(
            lround(0.7 + area_w / 45.0 + 0.6 * gen_normal(st)), 1, 8);

        /* Bathrooms: about one per 2.5 bedrooms, in 1..5. */
        row->bathrooms = clamp_long(
            lround(0.3 + 0.4 * (double)row->bedrooms + 0.45 * gen_normal(st)),
            1, 5);

        /* Distance to the centre: lognormal, median 9 km, drawn again
         * outside [0.2, 60]. */
        double log_dist;
        double dist = gen_lognormal(st, DIST_LOG_MEDIAN, DIST_LOG_SIGMA,
                                    DIST_MIN, DIST_MAX, &log_dist);
        row->distance100 = lround(dist * 100.0);
        double dist_rel = log_dist - DIST_LOG_MEDIAN; /* ln(distance / 9) */

        /* Lot: half the area (the footprint of a two-storey house) plus
         * land, lognormal with median 250 (distance / 9)^0.6 m^2. */
        double land =
            gen_exp(LAND_LOG_MEDIAN + 0.6 * dist_rel + 0.5 * gen_normal(st));
        row->lot = lround(0.5 * area + land);
        if (row->lot > LOT_MAX)
            row->lot = LOT_MAX; /* about 9 sigma out: never in practice */

        /* Garage spots: an ordered probit, more likely far out and in big
         * houses. */
        double g = 0.6 * dist_rel + (area - 110.0) / 80.0 + gen_normal(st);
        row->garage = g < -0.7 ? 0 : g < 0.9 ? 1 : 2;

        double x[7] = {
            area_w,
            (double)row->age,
            (double)row->bedrooms,
            (double)row->bathrooms,
            (double)row->distance100 / 100.0, /* as written */
            (double)row->lot,
            (double)row->garage,
        };
        double mu = gen_price_mean(x) + extra;
        if (mu < PRICE_FLOOR + NOISE_LIMIT * NOISE_STD)
            continue; /* too cheap for the noise: draw the row again */

        double z;
        do {
            z = gen_normal(st);
        } while (fabs(z) > NOISE_LIMIT);
        row->price = lround(mu + NOISE_STD * z);
        assert(row->price >= (long)PRICE_FLOOR);
        return;
    }
}

/* The output buffer: rows are formatted into buf and written in big pieces.
 * A row takes at most about 50 bytes (the header about 75), far below
 * GEN_ROW_MAX. */
enum { GEN_BUF_SIZE = 1 << 16, GEN_ROW_MAX = 256 };

typedef struct gen_out {
    FILE *fp;
    const char *name;
    char buf[GEN_BUF_SIZE];
    size_t len; /* bytes used in buf */
} gen_out;

/* Appends the decimal digits of v. */
static void put_uint(gen_out *o, unsigned long v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        o->buf[o->len++] = tmp[--n];
}

/* Appends units / 10^decimals with exactly `decimals` digits after the
 * point. units >= 0; decimals in 0..2. This is what printf("%.*f", decimals,
 * units / 10^decimals) prints: that double is the one nearest the decimal
 * value, within far less than half a unit of the last printed digit of it. */
static void put_fixed(gen_out *o, long units, int decimals)
{
    assert(units >= 0 && decimals >= 0 && decimals <= 2);
    static const long pow10[] = {1, 10, 100};
    unsigned long u = (unsigned long)units;
    unsigned long p = (unsigned long)pow10[decimals];
    put_uint(o, u / p);
    if (decimals > 0) {
        unsigned long frac = u % p;
        o->buf[o->len++] = '.';
        for (unsigned long d = p / 10; d > 0; d /= 10) {
            o->buf[o->len++] = (char)('0' + frac / d);
            frac %= d;
        }
    }
}

static gd_status gen_flush(gen_out *o, gd_error *err)
{
    errno = 0;
    if (o->len > 0 && fwrite(o->buf, 1, o->len, o->fp) != o->len) {
        int e = errno;
        return gd_error_set(err, GD_ERR_IO, o->name, 0, 0, "cannot write: %s",
                            e != 0 ? strerror(e) : "write error");
    }
    o->len = 0;
    return GD_OK;
}

/* The categorical columns (data/README.md, "Categories and missing
 * cells"): drawn from their own stream, so a table with them has the same
 * numeric draws as one without, and their effects add to the price. */
const char *const gd_gen_neighbourhoods[] = {
    "Ashford", "Brookside", "Cedar Hill", "Dockside", "Elmwood", "Fairview",
    "Glenmore", "Harbour, East", "Ironbridge", "Juniper", "Kingsgate", "Larkfield",
};
const double gd_gen_neighbourhood_effect[] = {
    0.0, 25000.0, 60000.0, -15000.0, 10000.0, 35000.0,
    -30000.0, 80000.0, -5000.0, 15000.0, 45000.0, -20000.0,
};
const size_t gd_gen_nneighbourhoods =
    sizeof gd_gen_neighbourhoods / sizeof gd_gen_neighbourhoods[0];
const double gd_gen_pool_effect = 25000.0;

/* The zip code of zip index k (0..GD_GEN_ZIPS-1) and its effect. */
long gd_gen_zip(size_t k)
{
    return 10001 + (long)k;
}

double gd_gen_zip_effect(size_t k)
{
    return (double)((long)(k * 7919 % 21) - 10) * 1000.0;
}

typedef struct gen_cats {
    size_t hood, zip;
    int pool;
} gen_cats;

static double gen_cats_draw(gd_rng *rng, gen_cats *c)
{
    c->hood = (size_t)(gd_rng_uniform(rng) * (double)gd_gen_nneighbourhoods);
    c->pool = gd_rng_uniform(rng) < 0.2;
    c->zip = (size_t)(gd_rng_uniform(rng) * GD_GEN_ZIPS);
    return gd_gen_neighbourhood_effect[c->hood] + (c->pool ? gd_gen_pool_effect : 0.0) +
           gd_gen_zip_effect(c->zip);
}

static void put_text(gen_out *o, const char *s)
{
    int quote = strchr(s, ',') != NULL;
    size_t n = strlen(s);
    if (quote)
        o->buf[o->len++] = '"';
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    if (quote)
        o->buf[o->len++] = '"';
}

/* The header: the numeric features, the categorical ones if asked for, the
 * price. */
static void put_header(gen_out *o, int categories)
{
    static const char *const extra[] = {"neighbourhood", "pool", "zip"};
    for (size_t j = 0; j < gd_gen_ncolumns; j++) {
        if (j > 0)
            o->buf[o->len++] = ',';
        for (size_t k = 0; categories && j + 1 == gd_gen_ncolumns && k < 3; k++) {
            put_text(o, extra[k]);
            o->buf[o->len++] = ',';
        }
        put_text(o, gd_gen_columns[j]);
    }
    o->buf[o->len++] = '\n';
}

/* Starts a feature cell: the separator, and whether the cell is left empty
 * (a missing value). */
static int put_cell_start(gen_out *o, int first, gd_rng *miss, double fraction)
{
    if (!first)
        o->buf[o->len++] = ',';
    return fraction > 0.0 && gd_rng_uniform(miss) < fraction;
}

static void put_row(gen_out *o, const gen_row *r, const gen_cats *c, int categories,
                    gd_rng *miss, double fraction)
{
    if (!put_cell_start(o, 1, miss, fraction))
        put_fixed(o, r->area10, 1);
    if (!put_cell_start(o, 0, miss, fraction))
        put_uint(o, (unsigned long)r->age);
    if (!put_cell_start(o, 0, miss, fraction))
        put_uint(o, (unsigned long)r->bedrooms);
    if (!put_cell_start(o, 0, miss, fraction))
        put_uint(o, (unsigned long)r->bathrooms);
    if (!put_cell_start(o, 0, miss, fraction))
        put_fixed(o, r->distance100, 2);
    if (!put_cell_start(o, 0, miss, fraction))
        put_uint(o, (unsigned long)r->lot);
    if (!put_cell_start(o, 0, miss, fraction))
        put_uint(o, (unsigned long)r->garage);
    if (categories) {
        if (!put_cell_start(o, 0, miss, fraction))
            put_text(o, gd_gen_neighbourhoods[c->hood]);
        if (!put_cell_start(o, 0, miss, fraction))
            put_text(o, c->pool ? "yes" : "no");
        if (!put_cell_start(o, 0, miss, fraction))
            put_uint(o, (unsigned long)gd_gen_zip(c->zip));
    }
    o->buf[o->len++] = ',';
    put_uint(o, (unsigned long)r->price);
    o->buf[o->len++] = '\n';
}

gd_status gd_gen_write(FILE *out, const char *name, size_t rows, uint64_t seed,
                       gd_error *err)
{
    gd_gen_options opt = {rows, seed, 0, 0.0};
    return gd_gen_write_table(out, name, &opt, err);
}

gd_status gd_gen_write_table(FILE *out, const char *name, const gd_gen_options *opt,
                             gd_error *err)
{
    assert(out != NULL && opt->missing >= 0.0 && opt->missing < 1.0);
    gd_status st = GD_OK;
    gen_out *o = malloc(sizeof *o);
    if (o == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, name, 0, 0,
                            "out of memory for the output buffer");
    o->fp = out;
    o->name = name;
    o->len = 0;

    put_header(o, opt->categories);

    gen_state gs;
    gd_rng_seed(&gs.rng, opt->seed);
    gs.has_spare = 0;
    gs.spare = 0.0;
    gd_rng cat_rng, miss_rng;
    gd_rng_seed(&cat_rng, opt->seed ^ UINT64_C(0x63617465676f7279)); /* "category" */
    gd_rng_seed(&miss_rng, opt->seed ^ UINT64_C(0x6d697373696e6721)); /* "missing!" */

    for (size_t i = 0; i < opt->rows; i++) {
        if (o->len > GEN_BUF_SIZE - GEN_ROW_MAX) {
            st = gen_flush(o, err);
            if (st != GD_OK)
                goto done;
        }
        gen_row r;
        gen_cats c = {0, 0, 0};
        double extra = opt->categories ? gen_cats_draw(&cat_rng, &c) : 0.0;
        gen_row_draw(&gs, extra, &r);
        put_row(o, &r, &c, opt->categories, &miss_rng, opt->missing);
    }
    st = gen_flush(o, err);
    if (st != GD_OK)
        goto done;
    errno = 0;
    if (fflush(out) != 0 || ferror(out)) {
        int e = errno;
        st = gd_error_set(err, GD_ERR_IO, name, 0, 0, "cannot write: %s",
                          e != 0 ? strerror(e) : "write error");
    }
done:
    free(o);
    return st;
}
