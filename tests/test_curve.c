/*
 * Tests for curve: the loss-curve writer (format, streaming, write errors),
 * the reader (lenient header, strict cells, errors with their place) and the
 * comparison (tolerances, NaN, lengths, first difference, messages).
 *
 * Expected values are written by hand (numbers chosen to be exact in binary,
 * or tolerances with obvious margins) or come from strtod (round trips).
 */
#include "testutil.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "report/curve.h"
#include "gdtrain/rng.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 8192;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

static void check_same(double a, double b, const char *what, long epoch, const char *file,
                       int line)
{
    int same = (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
    if (!same) {
        print_error("%s:%d: epoch %ld, %s: %a (%.17g) vs %a (%.17g)\n", file, line, epoch,
                    what, a, a, b, b);
        fail();
    }
}
#define assert_same(a, b, what, epoch) check_same((a), (b), (what), (epoch), __FILE__, __LINE__)

static gd_curve_row mkrow(long epoch, double train, double val)
{
    gd_curve_row r = {epoch, train, val, 1.0, 0.01, 0.5};
    return r;
}

/* A curve over a caller's array. */
static gd_curve curve_of(gd_curve_row *rows, size_t n)
{
    gd_curve c = {rows, n, GD_CURVE_BIT(GD_CURVE_NCOLUMNS) - 1};
    return c;
}

static gd_curve_tol tol_of(double rtol, double atol)
{
    gd_curve_tol t;
    gd_curve_tol_default(&t);
    t.rtol = rtol;
    t.atol = atol;
    return t;
}

/* ---------------------------------------------------------------------- */
/* Writing                                                                 */

static void test_write_exact_bytes(void **unused)
{
    (void)unused;
    const char *path = temp_path("curve.csv");
    gd_error err;
    gd_curve_writer w;
    assert_int_equal(gd_curve_open(&w, path, &err), GD_OK);
    gd_curve_row rows[] = {
        {1, 0.5, NAN, 0.25, 0.125, 1.5},
        {2, 3, 2.75, 1024, 1e-3, 12.25},
        {3, INFINITY, -INFINITY, NAN, -0.0, NAN},
        {10, 0.1, 1e300, 5e-324, 123456789, 0.0000004},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(gd_curve_append(&w, &rows[i], &err), GD_OK);
    assert_int_equal(w.rows, 4);
    assert_int_equal(gd_curve_close(&w, &err), GD_OK);
    assert_null(w.fp);
    char *text = slurp(path, NULL);
    /* Each number is the decimal it was written as in the source: the
     * shortest text that reads back as that double (0.1, not %.17g's
     * 0.10000000000000001). */
    assert_string_equal(text,
                        "epoch,train_loss,val_loss,grad_norm,lr,seconds\n"
                        "1,0.5,,0.25,0.125,1.500000\n"
                        "2,3,2.75,1024,0.001,12.250000\n"
                        "3,inf,-inf,,-0,\n"
                        "10,0.1,1e+300,5e-324,123456789,0.000000\n");
    free(text);
}

static void test_roundtrip_random(void **unused)
{
    (void)unused;
    enum { N = 3000 };
    gd_rng rng;
    gd_rng_seed(&rng, 20240611);
    gd_curve_row *rows = malloc(N * sizeof *rows);
    assert_non_null(rows);
    for (size_t i = 0; i < N; i++) {
        double v[5];
        for (int k = 0; k < 5; k++) {
            /* Random bits: every exponent, subnormals included. */
            uint64_t bits = gd_rng_next(&rng);
            memcpy(&v[k], &bits, sizeof v[k]);
            if (!isfinite(v[k]))
                v[k] = gd_rng_uniform(&rng);
        }
        rows[i].epoch = (long)(i * 3 + 1);
        rows[i].train_loss = v[0];
        rows[i].val_loss = i % 7 == 0 ? NAN : v[1];
        rows[i].grad_norm = v[2];
        rows[i].lr = v[3];
        rows[i].seconds = gd_rng_uniform(&rng) * 1000;
    }
    const char *path = temp_path("random.csv");
    gd_error err;
    gd_curve_writer w;
    assert_int_equal(gd_curve_open(&w, path, &err), GD_OK);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(gd_curve_append(&w, &rows[i], &err), GD_OK);
    assert_int_equal(gd_curve_close(&w, &err), GD_OK);

    gd_curve c;
    assert_int_equal(gd_curve_load(&c, path, GD_CURVE_BIT(GD_CURVE_NCOLUMNS) - 1, &err), GD_OK);
    assert_int_equal(c.n, N);
    assert_int_equal(c.columns, GD_CURVE_BIT(GD_CURVE_NCOLUMNS) - 1);
    for (size_t i = 0; i < N; i++) {
        const gd_curve_row *a = &rows[i], *b = &c.rows[i];
        assert_int_equal(a->epoch, b->epoch);
        assert_same(a->train_loss, b->train_loss, "train_loss", a->epoch);
        assert_same(a->val_loss, b->val_loss, "val_loss", a->epoch);
        assert_same(a->grad_norm, b->grad_norm, "grad_norm", a->epoch);
        assert_same(a->lr, b->lr, "lr", a->epoch);
        /* seconds: what strtod makes of the %.6f text. */
        char text[64];
        snprintf(text, sizeof text, "%.6f", a->seconds);
        assert_same(strtod(text, NULL), b->seconds, "seconds", a->epoch);
    }
    /* The whole-curve comparison with rtol 0 sees them as identical. */
    gd_curve orig = curve_of(rows, N);
    gd_curve_tol t = tol_of(0, 0);
    t.columns = GD_CURVE_BIT(GD_CURVE_SECONDS) - 1; /* all but seconds */
    gd_curve_diff d;
    assert_true(gd_curve_compare(&orig, &c, &t, &d));
    assert_int_equal(d.kind, GD_CURVE_SAME);
    assert_true(d.max_rel == 0);
    assert_int_equal(d.rows_compared, N);
    gd_curve_free(&c);
    assert_null(c.rows);
    free(rows);
}

static void test_streaming(void **unused)
{
    (void)unused;
    const char *p = temp_path("stream.csv");
    char path[256];
    snprintf(path, sizeof path, "%s", p);
    gd_error err;
    gd_curve_writer w;
    assert_int_equal(gd_curve_open(&w, path, &err), GD_OK);
    /* The header is on disk before any row. */
    char *text = slurp(path, NULL);
    assert_string_equal(text, "epoch,train_loss,val_loss,grad_norm,lr,seconds\n");
    free(text);
    gd_curve_row r1 = {1, 2, NAN, 4, 0.5, 0.25};
    assert_int_equal(gd_curve_append(&w, &r1, &err), GD_OK);
    /* The row is there while the writer is still open... */
    text = slurp(path, NULL);
    assert_string_equal(text, "epoch,train_loss,val_loss,grad_norm,lr,seconds\n"
                              "1,2,,4,0.5,0.250000\n");
    free(text);
    /* ...and a reader can load it as a curve. */
    gd_curve c;
    assert_int_equal(gd_curve_load(&c, path, GD_CURVE_DEFAULT_COLUMNS, &err), GD_OK);
    assert_int_equal(c.n, 1);
    assert_true(c.rows[0].train_loss == 2);
    gd_curve_free(&c);
    gd_curve_row r2 = {2, 1, NAN, 3, 0.5, 0.5};
    assert_int_equal(gd_curve_append(&w, &r2, &err), GD_OK);
    text = slurp(path, NULL);
    assert_non_null(strstr(text, "\n2,1,,3,0.5,0.500000\n"));
    free(text);
    assert_int_equal(gd_curve_close(&w, &err), GD_OK);
    /* Closing twice, or a zeroed writer, is harmless. */
    assert_int_equal(gd_curve_close(&w, &err), GD_OK);
    gd_curve_writer z = {0};
    assert_int_equal(gd_curve_close(&z, NULL), GD_OK);
}

static void test_dev_full(void **unused)
{
    (void)unused;
    if (access("/dev/full", W_OK) != 0) {
        skip_because("/dev/full is missing");
        return;
    }
    gd_error err;
    gd_curve_writer w;
    gd_error_clear(&err);
    assert_int_equal(gd_curve_open(&w, "/dev/full", &err), GD_ERR_IO);
    assert_int_equal(err.status, GD_ERR_IO);
    assert_string_equal(err.file, "/dev/full");
    assert_non_null(strstr(err.message, "cannot write the loss curve"));
    assert_non_null(strstr(err.message, strerror(ENOSPC)));
    assert_null(w.fp);
    assert_null(w.path);
    assert_int_equal(gd_curve_close(&w, NULL), GD_OK);
}

static void test_cannot_create(void **unused)
{
    (void)unused;
    gd_error err;
    gd_curve_writer w;
    const char *path = "/nonexistent-gdtrain-dir/curve.csv";
    assert_int_equal(gd_curve_open(&w, path, &err), GD_ERR_IO);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, strerror(ENOENT)));
}

/* A row that fails to reach the disk midway: with a file-size limit, the
 * write fails (EFBIG) at the row that crosses it, the error names the path,
 * and the file keeps every row before it. */
static void test_write_error_midway(void **unused)
{
    (void)unused;
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    const rlim_t limit = 200; /* the header (47 bytes) and a few rows */
    if (old.rlim_max != RLIM_INFINITY && old.rlim_max < limit) {
        skip_because("the hard file-size limit is below 200 bytes");
        return;
    }
    const char *p = temp_path("limited.csv");
    char path[256];
    snprintf(path, sizeof path, "%s", p);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {limit, old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

    gd_error err;
    gd_curve_writer w;
    gd_status st = gd_curve_open(&w, path, &err);
    long written = 0;
    if (st == GD_OK) {
        for (long e = 1; e <= 100; e++) {
            gd_curve_row r = {e, 0.1, 0.2, 0.3, 0.01, 1.0};
            st = gd_curve_append(&w, &r, &err);
            if (st != GD_OK)
                break;
            written++;
        }
    }
    gd_status close_st = gd_curve_close(&w, NULL);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);

    assert_int_equal(st, GD_ERR_IO);
    assert_int_equal(close_st, GD_ERR_IO); /* close reports the earlier failure too */
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, "cannot write the loss curve"));
    /* Each row "E,0.1,0.2,0.3,0.01,1.000000\n" is 28 bytes for E < 10: the
     * header (47) and 5 rows (187 bytes) fit in 200, the sixth does not. */
    assert_int_equal(written, 5);
    size_t len;
    char *text = slurp(path, &len);
    assert_int_equal(len, 200);
    free(text);
    /* The complete rows load; the cut one is what is left. */
    gd_curve c;
    assert_int_equal(gd_curve_load(&c, path, GD_CURVE_DEFAULT_COLUMNS, &err), GD_ERR_DATA);
    assert_int_equal(err.line, 7);
}

/* ---------------------------------------------------------------------- */
/* Reading                                                                 */

static const char *write_text(const char *s)
{
    return write_temp_file(s, strlen(s));
}

static void test_read_lenient_header(void **unused)
{
    (void)unused;
    /* Other column order, an unknown column, spaces, CRLF, a BOM, empty and
     * nan val_loss, infinities, no seconds or lr. */
    const char *path = write_text("\xef\xbb\xbf" "step, val_loss ,epoch,train_loss,grad_norm\r\n"
                                  "x,,1,2.5,1e3\r\n"
                                  "y,NaN,2, 1.25 ,-Inf\r\n"
                                  "z,0.75,5,+inf,0\r\n");
    gd_error err;
    gd_curve c;
    assert_int_equal(gd_curve_load(&c, path, GD_CURVE_DEFAULT_COLUMNS, &err), GD_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.columns, GD_CURVE_BIT(GD_CURVE_TRAIN_LOSS) |
                                    GD_CURVE_BIT(GD_CURVE_VAL_LOSS) |
                                    GD_CURVE_BIT(GD_CURVE_GRAD_NORM));
    assert_int_equal(c.rows[0].epoch, 1);
    assert_int_equal(c.rows[1].epoch, 2);
    assert_int_equal(c.rows[2].epoch, 5);
    assert_true(c.rows[0].train_loss == 2.5);
    assert_true(isnan(c.rows[0].val_loss));
    assert_true(c.rows[0].grad_norm == 1000);
    assert_true(isnan(c.rows[0].lr));      /* no such column */
    assert_true(isnan(c.rows[0].seconds));
    assert_true(c.rows[1].train_loss == 1.25);
    assert_true(isnan(c.rows[1].val_loss));
    assert_true(isinf(c.rows[1].grad_norm) && c.rows[1].grad_norm < 0);
    assert_true(isinf(c.rows[2].train_loss) && c.rows[2].train_loss > 0);
    assert_true(c.rows[2].val_loss == 0.75);
    assert_non_null(gd_curve_find(&c, 5));
    assert_ptr_equal(gd_curve_find(&c, 2), &c.rows[1]);
    assert_null(gd_curve_find(&c, 3));
    assert_null(gd_curve_find(&c, 0));
    assert_null(gd_curve_find(&c, 6));
    gd_curve_free(&c);

    /* A header alone is an empty curve; epoch 0 is allowed. */
    path = write_text("epoch,train_loss\n");
    assert_int_equal(gd_curve_load(&c, path, GD_CURVE_BIT(GD_CURVE_TRAIN_LOSS), &err), GD_OK);
    assert_int_equal(c.n, 0);
    gd_curve_free(&c);
    path = write_text("epoch,train_loss\n0,1\n1.0,0.5\n2e0,0.25");
    assert_int_equal(gd_curve_load(&c, path, GD_CURVE_BIT(GD_CURVE_TRAIN_LOSS), &err), GD_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.rows[2].epoch, 2);
    gd_curve_free(&c);
}

typedef struct read_case {
    const char *text;
    unsigned required;
    gd_status status;
    long line, column;
    const char *message; /* a part of the message */
} read_case;

#define TL GD_CURVE_BIT(GD_CURVE_TRAIN_LOSS)
#define TV GD_CURVE_DEFAULT_COLUMNS

static const read_case read_cases[] = {
    {"", TL, GD_ERR_DATA, 1, 0, "empty file"},
    {"train_loss,val_loss\n1,2\n", TL, GD_ERR_DATA, 1, 0, "no column 'epoch'"},
    {"epoch,train_loss\n1,2\n", TV, GD_ERR_DATA, 1, 0, "no column 'val_loss'"},
    {"epoch,val_loss\n1,2\n", TL, GD_ERR_DATA, 1, 0, "no column 'train_loss'"},
    {"epoch,train_loss,epoch\n", TL, GD_ERR_DATA, 1, 18, "column 'epoch' appears twice"},
    {"epoch,train_loss, train_loss\n", TL, GD_ERR_DATA, 1, 18, "'train_loss' appears twice"},
    {"epoch,train_loss\n1,abc\n", TL, GD_ERR_DATA, 2, 3,
     "column 'train_loss': expected a number, found \"abc\""},
    {"epoch,train_loss\n1,0.5\n2,0x10\n", TL, GD_ERR_DATA, 3, 3, "found \"0x10\""},
    {"epoch,train_loss\n1,0.5\n2,1,5\n", TL, GD_ERR_DATA, 3, 5, "extra field \"5\""},
    {"epoch,train_loss\n1,1e999\n", TL, GD_ERR_DATA, 2, 3, "\"1e999\" is too large"},
    {"epoch,train_loss\n1,0.5\n1,0.4\n", TL, GD_ERR_DATA, 3, 1,
     "epoch 1 does not come after the previous row's epoch 1"},
    {"epoch,train_loss\n3,0.5\n2,0.4\n", TL, GD_ERR_DATA, 3, 1, "epochs must increase"},
    {"epoch,train_loss\n1.5,0.5\n", TL, GD_ERR_DATA, 2, 1,
     "column 'epoch': expected a whole number >= 0, found \"1.5\""},
    {"epoch,train_loss\n-1,0.5\n", TL, GD_ERR_DATA, 2, 1, "found \"-1\""},
    {"epoch,train_loss\n,0.5\n", TL, GD_ERR_DATA, 2, 1, "column 'epoch': empty value"},
    {"epoch,train_loss\nnan,0.5\n", TL, GD_ERR_DATA, 2, 1, "found \"nan\""},
    {"epoch,train_loss\n1,0.5\n2,0.25,9\n", TL, GD_ERR_DATA, 3, 8,
     "expected 2 fields as in the header, found 3: extra field \"9\""},
    {"epoch,train_loss,val_loss\n1,0.5\n", TL, GD_ERR_DATA, 2, 6,
     "expected 3 fields as in the header, found 2"},
    {"epoch,train_loss\n1,0.5\n\n2,0.25\n", TL, GD_ERR_DATA, 3, 1, "found 1"},
    {"epoch,train_loss\n1,\"0.5\n", TL, GD_ERR_DATA, 2, 3, "quote"},
    {"epoch,lr,train_loss\n1,1e-3,0.5 0.5\n", TL, GD_ERR_DATA, 2, 8, "found \"0.5 0.5\""},
};

static void test_read_errors(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof read_cases / sizeof read_cases[0]; i++) {
        const read_case *rc = &read_cases[i];
        const char *path = write_text(rc->text);
        gd_error err;
        gd_curve c = {(gd_curve_row *)1, 99, 7};
        gd_status st = gd_curve_load(&c, path, rc->required, &err);
        if (st != rc->status || err.line != rc->line ||
            (rc->column != 0 && err.column != rc->column) ||
            strstr(err.message, rc->message) == NULL || strcmp(err.file, path) != 0) {
            print_error("case %zu (%s): status %d line %ld col %ld: %s\n", i, rc->text,
                        (int)st, err.line, err.column, err.message);
            fail();
        }
        /* On error the curve is zeroed (safe to free). */
        assert_null(c.rows);
        assert_int_equal(c.n, 0);
        gd_curve_free(&c);
    }
}

static void test_read_missing_file(void **unused)
{
    (void)unused;
    gd_error err;
    gd_curve c;
    const char *path = "/nonexistent-gdtrain-dir/ref.csv";
    assert_int_equal(gd_curve_load(&c, path, TL, &err), GD_ERR_IO);
    assert_string_equal(err.file, path);
    assert_null(c.rows);
}

/* ---------------------------------------------------------------------- */
/* Columns                                                                 */

static void test_columns(void **unused)
{
    (void)unused;
    gd_error err;
    unsigned set = 12345;
    assert_int_equal(gd_curve_columns_parse("train_loss", &set, &err), GD_OK);
    assert_int_equal(set, GD_CURVE_BIT(GD_CURVE_TRAIN_LOSS));
    assert_int_equal(gd_curve_columns_parse(" lr , grad_norm,val_loss", &set, &err), GD_OK);
    assert_int_equal(set, GD_CURVE_BIT(GD_CURVE_LR) | GD_CURVE_BIT(GD_CURVE_GRAD_NORM) |
                              GD_CURVE_BIT(GD_CURVE_VAL_LOSS));
    char buf[128];
    assert_string_equal(gd_curve_columns_format(set, buf, sizeof buf), "val_loss,grad_norm,lr");
    assert_string_equal(gd_curve_columns_format(GD_CURVE_BIT(GD_CURVE_SECONDS), buf, sizeof buf),
                        "seconds");
    assert_string_equal(gd_curve_columns_format(GD_CURVE_DEFAULT_COLUMNS, buf, sizeof buf),
                        "train_loss,val_loss");
    set = 77;
    const char *bad[] = {"", "train_loss,", ",lr", "train_loss,,lr", "epoch", "Train_Loss", "loss",
                         "seconds", "train_loss,seconds"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(gd_curve_columns_parse(bad[i], &set, &err), GD_ERR_USAGE);
        assert_int_equal(set, 77);
    }
    assert_int_equal(gd_curve_columns_parse("bogus", &set, &err), GD_ERR_USAGE);
    assert_non_null(strstr(err.message, "unknown curve column 'bogus'"));
    assert_non_null(strstr(err.message, "(choose from train_loss,val_loss,grad_norm,lr)"));
    assert_int_equal(gd_curve_columns_parse("seconds", &set, &err), GD_ERR_USAGE);
    assert_non_null(strstr(err.message, "wall time"));
    assert_string_equal(gd_curve_column_name(GD_CURVE_VAL_LOSS), "val_loss");
    assert_int_equal(gd_curve_column_find("lr", 2), GD_CURVE_LR);
    assert_int_equal(gd_curve_column_find("lrx", 2), GD_CURVE_LR);
    assert_int_equal(gd_curve_column_find("epoch", 5), -1);
}

/* ---------------------------------------------------------------------- */
/* Comparing                                                               */

static void test_values_agree(void **unused)
{
    (void)unused;
    gd_curve_tol t = tol_of(1e-9, 0);
    double rel;
    assert_true(gd_curve_values_agree(1.0, 1.0, &t, &rel));
    assert_true(rel == 0);
    /* 5e-10 apart: |a - b| = 5e-10 <= 1e-9 * (1 + 5e-10). */
    assert_true(gd_curve_values_agree(1.0, 1.0 + 5e-10, &t, &rel));
    assert_close_rel(rel, 5e-10, 1e-6);
    /* 2e-9 apart: beyond; rel = 2e-9 / (1 + 2e-9). */
    assert_false(gd_curve_values_agree(1.0, 1.0 + 2e-9, &t, &rel));
    assert_close_rel(rel, 2e-9 / (1 + 2e-9), 1e-6);
    /* Symmetric in a and b. */
    assert_false(gd_curve_values_agree(1.0 + 2e-9, 1.0, &t, NULL));
    /* Near zero the relative test alone is hopeless; atol rescues it. */
    assert_false(gd_curve_values_agree(0.0, 1e-12, &t, &rel));
    assert_true(rel == 1);
    gd_curve_tol ta = tol_of(1e-9, 1e-11);
    assert_true(gd_curve_values_agree(0.0, 1e-12, &ta, NULL));
    assert_false(gd_curve_values_agree(0.0, 1e-10, &ta, NULL));
    /* atol + rtol * max: 100 vs 100.5 with atol 0.25 and rtol 0.0025:
     * 0.25 + 0.0025 * 100.5 = 0.50125 >= 0.5 agrees; 100 vs 100.6 does not
     * (0.6 > 0.25 + 0.2515). */
    gd_curve_tol tb = tol_of(0.0025, 0.25);
    assert_true(gd_curve_values_agree(100, 100.5, &tb, NULL));
    assert_false(gd_curve_values_agree(100, 100.6, &tb, NULL));
    /* rtol 0: only identical values. */
    gd_curve_tol t0 = tol_of(0, 0);
    assert_false(gd_curve_values_agree(0.1, nextafter(0.1, 1), &t0, NULL));
    assert_true(gd_curve_values_agree(-0.0, 0.0, &t0, NULL));
    /* NaN agrees only with NaN; infinities with themselves. */
    assert_true(gd_curve_values_agree(NAN, NAN, &t, &rel));
    assert_true(rel == 0);
    assert_false(gd_curve_values_agree(NAN, 1.0, &t, &rel));
    assert_true(isinf(rel));
    assert_false(gd_curve_values_agree(1.0, NAN, &tb, NULL));
    gd_curve_tol huge = tol_of(1e300, 1e300);
    assert_false(gd_curve_values_agree(NAN, 0.0, &huge, NULL));
    assert_true(gd_curve_values_agree(INFINITY, INFINITY, &t, NULL));
    assert_false(gd_curve_values_agree(INFINITY, -INFINITY, &huge, NULL));
    assert_false(gd_curve_values_agree(INFINITY, DBL_MAX, &huge, NULL));
}

static void test_compare_equal_and_columns(void **unused)
{
    (void)unused;
    gd_curve_row a[] = {mkrow(1, 4, NAN), mkrow(2, 2, NAN), mkrow(3, 1, NAN)};
    gd_curve_row b[] = {mkrow(1, 4, NAN), mkrow(2, 2, NAN), mkrow(3, 1, NAN)};
    gd_curve ca = curve_of(a, 3), cb = curve_of(b, 3);
    gd_curve_tol t;
    gd_curve_tol_default(&t);
    assert_true(t.rtol == 1e-9 && t.atol == 0 && t.columns == GD_CURVE_DEFAULT_COLUMNS);
    gd_curve_diff d;
    assert_true(gd_curve_compare(&ca, &cb, &t, &d));
    assert_int_equal(d.kind, GD_CURVE_SAME);
    assert_int_equal(d.ref_rows, 3);
    assert_int_equal(d.new_rows, 3);
    assert_int_equal(d.rows_compared, 3);
    assert_true(d.max_rel == 0);
    char msg[256];
    assert_string_equal(gd_curve_diff_format(&d, &t, "a", "b", msg, sizeof msg), "curves agree");

    /* Within rtol: agree, with the largest relative difference kept. */
    b[1].train_loss = 2 * (1 + 4e-10);
    assert_true(gd_curve_compare(&ca, &cb, &t, &d));
    assert_close_rel(d.max_rel, 4e-10, 1e-6);

    /* A column not compared may differ; once compared it counts. */
    b[2].grad_norm = 99;
    b[2].seconds = 1234;
    assert_true(gd_curve_compare(&ca, &cb, &t, &d));
    t.columns |= GD_CURVE_BIT(GD_CURVE_GRAD_NORM);
    assert_false(gd_curve_compare(&ca, &cb, &t, &d));
    assert_int_equal(d.kind, GD_CURVE_VALUE);
    assert_int_equal(d.epoch, 3);
    assert_int_equal(d.column, GD_CURVE_GRAD_NORM);
    assert_true(d.ref_value == 1.0 && d.new_value == 99);
    assert_close_rel(d.rel, 98.0 / 99.0, 1e-12);
    assert_int_equal(d.rows_compared, 2);
}

static void test_compare_first_difference(void **unused)
{
    (void)unused;
    gd_curve_row a[6], b[6];
    for (long e = 1; e <= 6; e++) {
        a[e - 1] = mkrow(e, 10.0 / (double)e, 20.0 / (double)e);
        b[e - 1] = a[e - 1];
    }
    gd_curve ca = curve_of(a, 6), cb = curve_of(b, 6);
    gd_curve_tol t;
    gd_curve_tol_default(&t);
    gd_curve_diff d;
    /* Differences at epoch 5 (train) and epoch 3 (val): epoch 3 is first. */
    b[4].train_loss = 7;
    b[2].val_loss = 1;
    assert_false(gd_curve_compare(&ca, &cb, &t, &d));
    assert_int_equal(d.kind, GD_CURVE_VALUE);
    assert_int_equal(d.epoch, 3);
    assert_int_equal(d.column, GD_CURVE_VAL_LOSS);
    assert_true(d.ref_value == 20.0 / 3.0 && d.new_value == 1);
    /* Both columns differ at one epoch: train_loss comes first (file order). */
    b[2].train_loss = 100;
    assert_false(gd_curve_compare(&ca, &cb, &t, &d));
    assert_int_equal(d.column, GD_CURVE_TRAIN_LOSS);
    assert_true(d.ref_value == 10.0 / 3.0 && d.new_value == 100);
    /* A value difference before a length difference is the one reported. */
    gd_curve short_b = curve_of(b, 4);
    assert_false(gd_curve_compare(&ca, &short_b, &t, &d));
    assert_int_equal(d.kind, GD_CURVE_VALUE);
    assert_int_equal(d.epoch, 3);
    /* NaN in one curve only. */
    b[2] = a[2];
    b[4] = a[4];
    b[1].val_loss = NAN;
    assert_false(gd_curve_compare(&ca, &cb, &t, &d));
    assert_int_equal(d.epoch, 2);
    assert_int_equal(d.column, GD_CURVE_VAL_LOSS);
    assert_true(isnan(d.new_value));
    /* NaN in both: equal. */
    a[1].val_loss = NAN;
    assert_true(gd_curve_compare(&ca, &cb, &t, &d));
}

static void test_compare_lengths(void **unused)
{
    (void)unused;
    gd_curve_row a[5], b[5];
    for (long e = 1; e <= 5; e++)
        a[e - 1] = b[e - 1] = mkrow(e, 1.0 / (double)e, NAN);
    gd_curve_tol t;
    gd_curve_tol_default(&t);
    gd_curve_diff d;
    /* The new curve stops after epoch 3. */
    gd_curve ca = curve_of(a, 5), cb = curve_of(b, 3);
    assert_false(gd_curve_compare(&ca, &cb, &t, &d));
    assert_int_equal(d.kind, GD_CURVE_ONLY_REF);
    assert_int_equal(d.epoch, 4);
    assert_int_equal(d.ref_rows, 5);
    assert_int_equal(d.new_rows, 3);
    assert_int_equal(d.rows_compared, 3);
    char msg[512];
    assert_string_equal(gd_curve_diff_format(&d, &t, "ref.csv", "new.csv", msg, sizeof msg),
                        "curves differ in length: epoch 4 is in ref.csv but not in new.csv "
                        "(ref.csv has 5 rows, new.csv 3)");
    /* The reference is the shorter one. */
    assert_false(gd_curve_compare(&cb, &ca, &t, &d));
    assert_int_equal(d.kind, GD_CURVE_ONLY_NEW);
    assert_int_equal(d.epoch, 4);
    assert_string_equal(gd_curve_diff_format(&d, &t, "ref.csv", "new.csv", msg, sizeof msg),
                        "curves differ in length: epoch 4 is in new.csv but not in ref.csv "
                        "(ref.csv has 3 rows, new.csv 5)");
    /* Same length, different epochs: ref 1,2,4 vs new 1,2,3 -> epoch 3 is
     * in new only; the other way round, in ref only. */
    gd_curve_row r[3] = {mkrow(1, 1, NAN), mkrow(2, 0.5, NAN), mkrow(4, 0.25, NAN)};
    gd_curve_row n[3] = {mkrow(1, 1, NAN), mkrow(2, 0.5, NAN), mkrow(3, 0.25, NAN)};
    gd_curve cr = curve_of(r, 3), cn = curve_of(n, 3);
    assert_false(gd_curve_compare(&cr, &cn, &t, &d));
    assert_int_equal(d.kind, GD_CURVE_ONLY_NEW);
    assert_int_equal(d.epoch, 3);
    assert_string_equal(gd_curve_diff_format(&d, &t, "r", "n", msg, sizeof msg),
                        "curves differ in their epochs: epoch 3 is in n but not in r "
                        "(r has 3 rows, n 3)");
    assert_false(gd_curve_compare(&cn, &cr, &t, &d));
    assert_int_equal(d.kind, GD_CURVE_ONLY_REF);
    assert_int_equal(d.epoch, 3);
    /* Empty curves are equal; empty vs one row differs at that row. */
    gd_curve e1 = curve_of(a, 0), e2 = curve_of(b, 0), one = curve_of(a, 1);
    assert_true(gd_curve_compare(&e1, &e2, &t, &d));
    assert_false(gd_curve_compare(&e1, &one, &t, &d));
    assert_int_equal(d.kind, GD_CURVE_ONLY_NEW);
    assert_int_equal(d.epoch, 1);
    assert_string_equal(gd_curve_diff_format(&d, &t, "r", "n", msg, sizeof msg),
                        "curves differ in length: epoch 1 is in n but not in r "
                        "(r has 0 rows, n 1)");
}

static void test_check_rows(void **unused)
{
    (void)unused;
    gd_curve_row a[4];
    for (long e = 1; e <= 4; e++)
        a[e - 1] = mkrow(e, 8.0 / (double)e, NAN);
    gd_curve ref = curve_of(a, 4);
    gd_curve_tol t;
    gd_curve_tol_default(&t);
    gd_curve_check chk;
    gd_curve_diff d;

    /* A run that matches, row by row, then ends at the right place. */
    gd_curve_check_start(&chk, &ref, &t);
    for (int i = 0; i < 4; i++)
        assert_true(gd_curve_check_row(&chk, &a[i], &d));
    assert_true(gd_curve_check_finish(&chk, &d));
    assert_int_equal(d.kind, GD_CURVE_SAME);
    assert_int_equal(d.rows_compared, 4);

    /* Fail fast: the first differing epoch is reported at once, and every
     * later row is refused without touching the diff. */
    gd_curve_check_start(&chk, &ref, &t);
    gd_curve_row r = a[0];
    assert_true(gd_curve_check_row(&chk, &r, &d));
    r = a[1];
    r.train_loss = 4.01;
    assert_false(gd_curve_check_row(&chk, &r, &d));
    assert_int_equal(d.kind, GD_CURVE_VALUE);
    assert_int_equal(d.epoch, 2);
    assert_true(d.ref_value == 4 && d.new_value == 4.01);
    d.epoch = 999;
    assert_false(gd_curve_check_row(&chk, &a[2], &d));
    assert_false(gd_curve_check_finish(&chk, &d));
    assert_int_equal(d.epoch, 999);

    /* A run that stops early: finish reports the first missing epoch. */
    gd_curve_check_start(&chk, &ref, &t);
    assert_true(gd_curve_check_row(&chk, &a[0], NULL));
    assert_true(gd_curve_check_row(&chk, &a[1], NULL));
    assert_false(gd_curve_check_finish(&chk, &d));
    assert_int_equal(d.kind, GD_CURVE_ONLY_REF);
    assert_int_equal(d.epoch, 3);
    assert_int_equal(d.new_rows, 2);

    /* A run that goes on past the reference. */
    gd_curve_check_start(&chk, &ref, &t);
    for (int i = 0; i < 4; i++)
        assert_true(gd_curve_check_row(&chk, &a[i], NULL));
    gd_curve_row extra = mkrow(5, 1.6, NAN);
    assert_false(gd_curve_check_row(&chk, &extra, &d));
    assert_int_equal(d.kind, GD_CURVE_ONLY_NEW);
    assert_int_equal(d.epoch, 5);

    /* The row-level comparison alone ignores epochs. */
    gd_curve_row x = a[0], y = a[0];
    y.epoch = 77;
    assert_true(gd_curve_compare_row(&x, &y, &t, NULL));
    y.val_loss = 1;
    assert_false(gd_curve_compare_row(&x, &y, &t, &d));
    assert_int_equal(d.column, GD_CURVE_VAL_LOSS);
    assert_int_equal(d.epoch, 1);
}

static void test_diff_messages(void **unused)
{
    (void)unused;
    gd_curve_tol t;
    gd_curve_tol_default(&t);
    char msg[512];
    gd_curve_diff d = {0};
    d.kind = GD_CURVE_VALUE;
    d.epoch = 12;
    d.column = GD_CURVE_TRAIN_LOSS;
    d.ref_value = 0.52119;
    d.new_value = 0.52131;
    /* rel = 0.00012 / 0.52131 = 2.302e-4 */
    d.rel = fabs(d.ref_value - d.new_value) / d.new_value;
    assert_string_equal(gd_curve_diff_format(&d, &t, "REF.csv", "NEW.csv", msg, sizeof msg),
                        "curves differ at epoch 12, column train_loss: 0.52119 (REF.csv) vs "
                        "0.52131 (NEW.csv), relative difference 2.3e-04 > rtol 1e-09");
    /* Values equal to 6 digits are shown with as many digits as differ. */
    d.ref_value = 0.1;
    d.new_value = 0.10000000000001;
    d.rel = 1e-13;
    d.column = GD_CURVE_VAL_LOSS;
    t.rtol = 0;
    assert_string_equal(gd_curve_diff_format(&d, &t, "a", "b", msg, sizeof msg),
                        "curves differ at epoch 12, column val_loss: 0.1 (a) vs "
                        "0.10000000000001 (b), relative difference 1.0e-13 > rtol 0");
    /* Neighbouring doubles need all 17 digits. */
    d.ref_value = 1.0;
    d.new_value = nextafter(1.0, 2.0);
    d.rel = DBL_EPSILON / (1 + DBL_EPSILON);
    gd_curve_diff_format(&d, &t, "a", "b", msg, sizeof msg);
    assert_non_null(strstr(msg, ": 1 (a) vs 1.0000000000000002 (b), "));
    /* An empty cell. */
    d.ref_value = NAN;
    d.new_value = 0.5;
    d.rel = INFINITY;
    assert_string_equal(gd_curve_diff_format(&d, &t, "a", "b", msg, sizeof msg),
                        "curves differ at epoch 12, column val_loss: empty (a) vs 0.5 (b)");
    /* With an absolute tolerance. */
    gd_curve_tol ta = tol_of(1e-9, 1e-6);
    d.ref_value = 2;
    d.new_value = 2.5;
    d.rel = 0.2;
    assert_string_equal(gd_curve_diff_format(&d, &ta, "a", "b", msg, sizeof msg),
                        "curves differ at epoch 12, column val_loss: 2 (a) vs 2.5 (b), "
                        "absolute difference 5.0e-01 > atol 1e-06 + rtol 1e-09 * 2.5 "
                        "(relative difference 2.0e-01)");
    /* A short buffer is cut, not overrun. */
    char small[16];
    gd_curve_diff_format(&d, &ta, "a", "b", small, sizeof small);
    assert_int_equal(strlen(small), 15);
}

/* Comparing what was written with what is read, through files. */
static void test_compare_files(void **unused)
{
    (void)unused;
    const char *p1 = write_text("epoch,train_loss,val_loss\n1,0.5,\n2,0.25,\n3,0.125,\n");
    char ref_path[256];
    snprintf(ref_path, sizeof ref_path, "%s", p1);
    /* Other column order, extra column, 0.25 within 1e-9, no val_loss cells. */
    const char *p2 = write_text("val_loss,train_loss,epoch,seconds\n,0.5,1,3\n,0.2500000001,2,4\n"
                                ",0.125,3,5\n");
    gd_error err;
    gd_curve a, b;
    assert_int_equal(gd_curve_load(&a, ref_path, TV, &err), GD_OK);
    assert_int_equal(gd_curve_load(&b, p2, TV, &err), GD_OK);
    gd_curve_tol t;
    gd_curve_tol_default(&t);
    gd_curve_diff d;
    assert_true(gd_curve_compare(&a, &b, &t, &d));
    /* 1e-10 / 0.2500000001 = 4e-10, within 1e-9; with rtol 1e-10 it is not. */
    assert_close_rel(d.max_rel, 4e-10, 1e-6);
    t.rtol = 1e-10;
    assert_false(gd_curve_compare(&a, &b, &t, &d));
    assert_int_equal(d.epoch, 2);
    gd_curve_free(&a);
    gd_curve_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_exact_bytes),
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_dev_full),
        cmocka_unit_test(test_cannot_create),
        cmocka_unit_test(test_write_error_midway),
        cmocka_unit_test(test_read_lenient_header),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_read_missing_file),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_values_agree),
        cmocka_unit_test(test_compare_equal_and_columns),
        cmocka_unit_test(test_compare_first_difference),
        cmocka_unit_test(test_compare_lengths),
        cmocka_unit_test(test_check_rows),
        cmocka_unit_test(test_diff_messages),
        cmocka_unit_test(test_compare_files),
    };
    return tests_status(cmocka_run_group_tests(tests, NULL, NULL));
}
