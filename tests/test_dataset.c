/*
 * Tests of dataset loading (column selection, cell parsing, error messages
 * with their places) and of standardization.
 *
 * Expected values are written by hand, or for generated files taken from
 * strtod on the very text that was written.
 */
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/dataset.h"

/* ---- helpers ---- */

static char last_path[256];

/* Writes text to a temporary file and loads it. */
static gd_status load_text(gd_dataset *ds, const char *text, size_t len,
                           const char *target, const char *const *features,
                           size_t nfeatures, int need_target, char delim,
                           gd_error *err)
{
    snprintf(last_path, sizeof last_path, "%s", write_temp_file(text, len));
    gd_load_options opt;
    memset(&opt, 0, sizeof opt);
    opt.path = last_path;
    opt.delimiter = delim;
    opt.target = target;
    opt.features = features;
    opt.nfeatures = nfeatures;
    opt.need_target = need_target;
    gd_error_clear(err);
    return gd_dataset_load(ds, &opt, err);
}

static void load_ok(gd_dataset *ds, const char *text, const char *target,
                    const char *const *features, size_t nfeatures, int need_target,
                    char delim)
{
    gd_error err;
    gd_status st = load_text(ds, text, strlen(text), target, features, nfeatures,
                             need_target, delim, &err);
    if (st != GD_OK) {
        char buf[1400];
        print_error("unexpected error: %s\n", gd_error_format(&err, buf, sizeof buf));
        fail();
    }
}

static void assert_zeroed(const gd_dataset *ds)
{
    assert_int_equal(ds->n, 0);
    assert_int_equal(ds->d, 0);
    assert_null(ds->x);
    assert_null(ds->y);
    assert_null(ds->feature_names);
    assert_null(ds->target_name);
}

/* Loads text (len bytes) expecting an error at line:col whose message holds
 * the fragments f1 and f2 (either may be NULL). */
static void expect_error_at(const char *text, size_t len, const char *target,
                            const char *const *features, size_t nfeatures,
                            int need_target, char delim, gd_status status, long line,
                            long col, const char *f1, const char *f2, const char *file,
                            int srcline)
{
    gd_dataset ds;
    memset(&ds, 0xAB, sizeof ds); /* load must not need an initialised struct */
    gd_error err;
    gd_status st = load_text(&ds, text, len, target, features, nfeatures, need_target,
                             delim, &err);
    if (st != status || err.status != status || err.line != line ||
        err.column != col || strcmp(err.file, last_path) != 0 ||
        (f1 && strstr(err.message, f1) == NULL) ||
        (f2 && strstr(err.message, f2) == NULL)) {
        print_error("%s:%d: got status %d at %s:%ld:%ld: %s\n  expected %d at %ld:%ld "
                    "with [%s] [%s]\n",
                    file, srcline, (int)st, err.file, err.line, err.column, err.message,
                    (int)status, line, col, f1 ? f1 : "", f2 ? f2 : "");
        fail();
    }
    assert_zeroed(&ds);
    gd_dataset_free(&ds);
}
#define expect_error(text, status, line, col, f1, f2)                             \
    expect_error_at((text), sizeof(text) - 1, NULL, NULL, 0, 1, 0, (status),     \
                    (line), (col), (f1), (f2), __FILE__, __LINE__)
#define expect_error_opt(text, target, features, nfeat, need, delim, status, line, \
                         col, f1, f2)                                             \
    expect_error_at((text), sizeof(text) - 1, (target), (features), (nfeat),     \
                    (need), (delim), (status), (line), (col), (f1), (f2),        \
                    __FILE__, __LINE__)

/* ---- selection ---- */

static void test_default_selection(void **state)
{
    (void)state;
    gd_dataset ds;
    load_ok(&ds, "a,b,c\n1,2,3\n4,5,6\n", NULL, NULL, 0, 1, 0);
    assert_int_equal(ds.n, 2);
    assert_int_equal(ds.d, 2);
    assert_string_equal(ds.feature_names[0], "a");
    assert_string_equal(ds.feature_names[1], "b");
    assert_string_equal(ds.target_name, "c");
    const double x[] = {1, 2, 4, 5}, y[] = {3, 6};
    for (size_t i = 0; i < 4; i++)
        assert_true(ds.x[i] == x[i]);
    for (size_t i = 0; i < 2; i++)
        assert_true(ds.y[i] == y[i]);
    assert_true(gd_dataset_row(&ds, 1)[0] == 4);
    gd_dataset_free(&ds);
    assert_zeroed(&ds);
    gd_dataset_free(&ds); /* twice is fine: it is zeroed */
}

static void test_explicit_selection(void **state)
{
    (void)state;
    gd_dataset ds;
    /* Target in the middle, features named in another order than the file's,
     * names padded with spaces and tabs, an unselected text column. */
    static const char text[] = " id , size ,note,age\t, price \n"
                               "1,50,big,7,100\n"
                               "2,60,\"small, cosy\",8,200\n"
                               "3,70,,9,300\n";
    const char *const features[] = {"price", "id", " age "};
    load_ok(&ds, text, "size", features, 3, 1, 0);
    assert_int_equal(ds.n, 3);
    assert_int_equal(ds.d, 3);
    assert_string_equal(ds.feature_names[0], "price");
    assert_string_equal(ds.feature_names[1], "id");
    assert_string_equal(ds.feature_names[2], "age");
    assert_string_equal(ds.target_name, "size");
    const double x[] = {100, 1, 7, 200, 2, 8, 300, 3, 9}, y[] = {50, 60, 70};
    for (size_t i = 0; i < 9; i++)
        assert_true(ds.x[i] == x[i]);
    for (size_t i = 0; i < 3; i++)
        assert_true(ds.y[i] == y[i]);
    gd_dataset_free(&ds);

    /* Default target (last), explicit features. */
    const char *const two[] = {"c", "a"};
    load_ok(&ds, "a,b,c,d\n1,x,3,4\n", NULL, two, 2, 1, 0);
    assert_int_equal(ds.d, 2);
    assert_string_equal(ds.feature_names[0], "c");
    assert_string_equal(ds.feature_names[1], "a");
    assert_string_equal(ds.target_name, "d");
    assert_true(ds.x[0] == 3 && ds.x[1] == 1 && ds.y[0] == 4);
    gd_dataset_free(&ds);

    /* Named target, default features: all others in file order. */
    load_ok(&ds, "a,b,c\n1,2,3\n", "a", NULL, 0, 1, 0);
    assert_int_equal(ds.d, 2);
    assert_string_equal(ds.feature_names[0], "b");
    assert_string_equal(ds.feature_names[1], "c");
    assert_true(ds.x[0] == 2 && ds.x[1] == 3 && ds.y[0] == 1);
    gd_dataset_free(&ds);
}

static void test_cells(void **state)
{
    (void)state;
    gd_dataset ds;
    /* Spaces and tabs around numbers, quoted numbers, CRLF, a BOM. */
    static const char text[] = "\xEF\xBB\xBF" "p,q,r\r\n"
                               " 1.5 ,\"2\",\t-3e2\t\r\n"
                               "\" +.5 \",5.,-0\r\n";
    load_ok(&ds, text, NULL, NULL, 0, 1, 0);
    assert_int_equal(ds.n, 2);
    assert_string_equal(ds.feature_names[0], "p");
    assert_true(ds.x[0] == 1.5 && ds.x[1] == 2 && ds.y[0] == -300);
    assert_true(ds.x[2] == 0.5 && ds.x[3] == 5);
    assert_true(ds.y[1] == 0 && signbit(ds.y[1]));
    gd_dataset_free(&ds);

    /* With tab as the delimiter, spaces are trimmed but tabs are not. */
    load_ok(&ds, "a\tb\n 1 \t 2\n", NULL, NULL, 0, 1, '\t');
    assert_true(ds.x[0] == 1 && ds.y[0] == 2);
    gd_dataset_free(&ds);
    expect_error_opt("a\tb\n\"\t1\"\t2\n", NULL, NULL, 0, 1, '\t', GD_ERR_DATA, 2, 1,
                     "column 'a': expected a number", "found \"\\x091\"");
    /* A header name is not trimmed of tabs either then. */
    expect_error_opt("a\t\"\tb\"\n1\t2\n", "b", NULL, 0, 1, '\t', GD_ERR_DATA, 1, 1,
                     "no column named 'b'", NULL);

    /* ';' as the delimiter. */
    load_ok(&ds, "a;b\n1.5;2\n", NULL, NULL, 0, 1, ';');
    assert_true(ds.x[0] == 1.5 && ds.y[0] == 2);
    gd_dataset_free(&ds);
}

static void test_need_target_zero(void **state)
{
    (void)state;
    gd_dataset ds;
    /* The target column holds junk and empties; other columns too. */
    static const char text[] = "x1,y,junk,x2\n1,,abc,2\n3,zz,,4\n";
    const char *const features[] = {"x2", "x1"};
    load_ok(&ds, text, "y", features, 2, 0, 0);
    assert_int_equal(ds.n, 2);
    assert_int_equal(ds.d, 2);
    assert_null(ds.y);
    assert_null(ds.target_name);
    assert_string_equal(ds.feature_names[0], "x2");
    const double x[] = {2, 1, 4, 3};
    for (size_t i = 0; i < 4; i++)
        assert_true(ds.x[i] == x[i]);
    gd_dataset_free(&ds);

    /* A named target that the file lacks is fine. */
    load_ok(&ds, "x1,x2\n1,2\n", "price", features, 2, 0, 0);
    assert_int_equal(ds.d, 2);
    assert_null(ds.y);
    gd_dataset_free(&ds);

    /* Without a feature list: every column but the named target, or all of
     * them when the file has no such column, or all but the last when no
     * target is named (as when training). */
    load_ok(&ds, "a,price,b\n1,,2\n", "price", NULL, 0, 0, 0);
    assert_int_equal(ds.d, 2);
    assert_string_equal(ds.feature_names[1], "b");
    gd_dataset_free(&ds);
    load_ok(&ds, "a,b\n1,2\n", "price", NULL, 0, 0, 0);
    assert_int_equal(ds.d, 2);
    gd_dataset_free(&ds);
    load_ok(&ds, "a,b,c\n1,2,junk\n", NULL, NULL, 0, 0, 0);
    assert_int_equal(ds.d, 2);
    assert_true(ds.x[0] == 1 && ds.x[1] == 2);
    gd_dataset_free(&ds);

    /* A feature equal to the target name is no error when the target is not
     * read. */
    const char *const with_y[] = {"y"};
    load_ok(&ds, "y,z\n1,2\n", "y", with_y, 1, 0, 0);
    assert_int_equal(ds.d, 1);
    assert_true(ds.x[0] == 1);
    gd_dataset_free(&ds);
}

/* ---- errors ---- */

static void test_error_empty_and_header_only(void **state)
{
    (void)state;
    expect_error("", GD_ERR_DATA, 1, 1, "no header line", NULL);
    expect_error("\n\r\n\n", GD_ERR_DATA, 1, 1, "no header line", NULL);
    /* Reported where the first data row should be: the line after the header. */
    expect_error("a,b\n", GD_ERR_DATA, 2, 1, "no data rows after the header", NULL);
    expect_error("a,b", GD_ERR_DATA, 2, 1, "no data rows after the header", NULL);
    expect_error("a,b\n\n\n", GD_ERR_DATA, 2, 1, "no data rows after the header", NULL);
}

/* One shard of several (gdtrain-mpi) may hold a header and no rows: its
 * columns, no rows, no error; a file without even a header is still one. */
static void test_may_be_empty(void **state)
{
    (void)state;
    const char *texts[] = {"a,b\n", "a,b", "a,b\r\n\n\n"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        gd_load_options opt = {.path = write_temp_file(texts[i], strlen(texts[i])),
                               .need_target = 1, .may_be_empty = 1};
        gd_dataset ds;
        gd_error err;
        gd_error_clear(&err);
        assert_int_equal(gd_dataset_load(&ds, &opt, &err), GD_OK);
        assert_int_equal(ds.n, 0);
        assert_int_equal(ds.d, 1);
        assert_string_equal(ds.feature_names[0], "a");
        assert_string_equal(ds.target_name, "b");
        gd_dataset_free(&ds);
    }
    gd_load_options opt = {.path = write_temp_file("", 0), .need_target = 1, .may_be_empty = 1};
    gd_dataset ds;
    gd_error err;
    assert_int_equal(gd_dataset_load(&ds, &opt, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "no header line"));
}

static void test_error_header_names(void **state)
{
    (void)state;
    /* Duplicates after trimming: both positions named, placed at the second. */
    expect_error("a, b ,c,b\n1,2,3,4\n", GD_ERR_DATA, 1, 9, "duplicate column name 'b'",
                 "columns 2 and 4");
    expect_error("x,y,x,y,x\n1,2,3,4,5\n", GD_ERR_DATA, 1, 5, "'x'", "columns 1 and 3");
    expect_error("a,,c\n1,2,3\n", GD_ERR_DATA, 1, 3, "empty name", "column 2");
    expect_error("a,b,  \n1,2,3\n", GD_ERR_DATA, 1, 5, "empty name", "column 3");
    expect_error("\"\",b\n1,2\n", GD_ERR_DATA, 1, 1, "empty name", "column 1");
}

static void test_error_selection(void **state)
{
    (void)state;
    static const char text[] = "area,age,price\n1,2,3\n";
    expect_error_opt(text, "cost", NULL, 0, 1, 0, GD_ERR_DATA, 1, 1,
                     "no column named 'cost'", "area, age, price");
    const char *const unknown[] = {"area", "rooms"};
    expect_error_opt(text, NULL, unknown, 2, 1, 0, GD_ERR_DATA, 1, 1,
                     "no column named 'rooms'", "area, age, price");
    /* Unknown features are errors even when the target is not read. */
    expect_error_opt(text, NULL, unknown, 2, 0, 0, GD_ERR_DATA, 1, 1,
                     "no column named 'rooms'", NULL);
    const char *const same[] = {"area", "price"};
    /* Pointing at the column's name in the header: "area,age,price". */
    expect_error_opt(text, "price", same, 2, 1, 0, GD_ERR_DATA, 1, 10, "'price'",
                     "both the target and a feature");
    /* The default target (last column) counts too. */
    expect_error_opt(text, NULL, same, 2, 1, 0, GD_ERR_DATA, 1, 10, "'price'",
                     "both the target and a feature");
    const char *const twice[] = {"age", "area", "age"};
    expect_error_opt(text, NULL, twice, 3, 1, 0, GD_ERR_DATA, 1, 6, "'age'",
                     "listed twice");
    /* A file with only the target column has no features. */
    expect_error("price\n1\n", GD_ERR_DATA, 1, 1, "no feature columns", NULL);
}

static void test_error_ragged(void **state)
{
    (void)state;
    /* Too few: just past the last field. */
    expect_error("a,b,c\n1,2,3\n1,2\n", GD_ERR_DATA, 3, 4,
                 "expected 3 fields as in the header, found 2", "no value for column 'c'");
    expect_error("a,b,c\n1,\"x\"\"y\"\n", GD_ERR_DATA, 2, 9, "expected 3 fields as in the header, found 2",
                 NULL);
    expect_error("a,b,c\n1,\"p\nqq\"\n", GD_ERR_DATA, 3, 4, "expected 3 fields as in the header, found 2",
                 NULL);
    expect_error("a,b,c\n1,2\r\n", GD_ERR_DATA, 2, 4, "expected 3 fields as in the header, found 2", NULL);
    /* An empty line in the middle is a record of one empty field. */
    expect_error("a,b\n1,2\n\n3,4\n", GD_ERR_DATA, 3, 1, "expected 2 fields as in the header, found 1",
                 NULL);
    /* Too many: at the first extra field. */
    expect_error("a,b\n1,2,3\n", GD_ERR_DATA, 2, 5,
                 "expected 2 fields as in the header, found 3", "extra field \"3\"");
    expect_error("a,b\n1,2\n10,20,,\n", GD_ERR_DATA, 3, 7, "expected 2 fields as in the header, found 4",
                 NULL);
    /* Unselected columns still count. */
    const char *const one[] = {"a"};
    expect_error_opt("a,b,c\n1,2\n", "c", one, 1, 1, 0, GD_ERR_DATA, 2, 4,
                     "expected 3 fields as in the header, found 2", NULL);
}

static void test_error_cells(void **state)
{
    (void)state;
    expect_error("area,age_years,price\n1,2,3\n4,abc,6\n", GD_ERR_DATA, 3, 3,
                 "column 'age_years': expected a number", "found \"abc\"");
    expect_error("area,age_years,price\n1,2,3\n4,,6\n", GD_ERR_DATA, 3, 3,
                 "column 'age_years': empty value", NULL);
    expect_error("area,age_years,price\n1, \t ,3\n", GD_ERR_DATA, 2, 3,
                 "column 'age_years': empty value", NULL);
    expect_error("area,age_years,price\n1,\"\",3\n", GD_ERR_DATA, 2, 3,
                 "column 'age_years': empty value", NULL);
    expect_error("area,age_years,price\n1,2,3\n1,  1e999 ,3\n", GD_ERR_DATA, 3, 3,
                 "column 'age_years': \"1e999\" is too large (overflows a double)", NULL);
    expect_error("area,price\n1,-2e400\n", GD_ERR_DATA, 2, 3,
                 "column 'price': \"-2e400\" is too large", NULL);
    /* The target is parsed like the features. */
    expect_error("area,price\n1,12 000\n", GD_ERR_DATA, 2, 3,
                 "column 'price': expected a number", "found \"12 000\"");
    /* Hints. */
    expect_error("a,b\n1,nan\n", GD_ERR_DATA, 2, 3, "found \"nan\"",
                 "NaN and infinite values are not allowed");
    expect_error("a,b\n-inf,1\n", GD_ERR_DATA, 2, 1, "column 'a'", "found \"-inf\" (NaN");
    expect_error("a,b\n1,\"Infinity\"\n", GD_ERR_DATA, 2, 3, "found \"Infinity\"",
                 "not allowed");
    expect_error("a,b\n0x1A,1\n", GD_ERR_DATA, 2, 1, "found \"0x1A\"",
                 "hexadecimal numbers are not allowed");
    expect_error("a,b\n1,-0X.8p1\n", GD_ERR_DATA, 2, 3, "found \"-0X.8p1\"", "hexadecimal");
    expect_error_opt("a;b\n1;2,5\n", NULL, NULL, 0, 1, ';', GD_ERR_DATA, 2, 3,
                     "column 'b': expected a number, found \"2,5\"", "decimal comma");
    expect_error_opt("a;b\n1;2.5\n-1,25;0\n", NULL, NULL, 0, 1, ';', GD_ERR_DATA, 3, 1,
                     "found \"-1,25\"", "decimal comma");
    /* No decimal-comma hint where a comma is the delimiter. */
    gd_dataset ds;
    gd_error err;
    static const char quoted[] = "a,b\n1,\"2,5\"\n";
    assert_int_equal(load_text(&ds, quoted, sizeof quoted - 1, NULL, NULL, 0, 1, 0, &err),
                     GD_ERR_DATA);
    assert_non_null(strstr(err.message, "found \"2,5\""));
    assert_null(strstr(err.message, "decimal comma"));
    /* Unselected cells are never parsed, selected ones always. */
    const char *const only_a[] = {"a"};
    load_ok(&ds, "a,b,c\n1,nan,3\n", "c", only_a, 1, 1, 0);
    gd_dataset_free(&ds);
    expect_error_opt("a,b,c\n1,nan,3\n", "b", only_a, 1, 1, 0, GD_ERR_DATA, 2, 3,
                     "column 'b'", "\"nan\"");
}

static void test_error_csv_and_io(void **state)
{
    (void)state;
    expect_error("a,b\n1,\"2\n3,4\n", GD_ERR_DATA, 2, 3, "unterminated quoted field", NULL);
    expect_error("a,b\n1,2\0\n", GD_ERR_DATA, 2, 4, "NUL byte", NULL);
    expect_error("a,b\n1,2\r3,4\n", GD_ERR_DATA, 2, 4, "carriage return", NULL);

    gd_dataset ds;
    gd_error err;
    gd_load_options opt;
    memset(&opt, 0, sizeof opt);
    opt.path = temp_path("does-not-exist.csv");
    opt.need_target = 1;
    assert_int_equal(gd_dataset_load(&ds, &opt, &err), GD_ERR_IO);
    assert_string_equal(err.file, opt.path);
    assert_zeroed(&ds);
}

/* ---- standardization ---- */

static gd_dataset make_dataset(size_t n, size_t d, const double *x, const double *y)
{
    gd_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.n = n;
    ds.d = d;
    ds.x = malloc(n * d * sizeof *ds.x);
    assert_non_null(ds.x);
    memcpy(ds.x, x, n * d * sizeof *ds.x);
    if (y != NULL) {
        ds.y = malloc(n * sizeof *ds.y);
        assert_non_null(ds.y);
        memcpy(ds.y, y, n * sizeof *ds.y);
    }
    return ds;
}

static void test_standardize_small(void **state)
{
    (void)state;
    /* Columns: 1..4 (mean 2.5, squared deviations 2.25+0.25+0.25+2.25 = 5,
     * variance 1.25); constant 7; 1e9 + {1,2,3,6} (mean 1e9+3, deviations
     * -2,-1,0,3, squares 14, variance 3.5: a one-pass E[x^2]-E[x]^2 would
     * lose these digits); constant 0.1 (whose floating mean 0.4/4 is not 0.1).
     * y = 2,4,6,8: mean 5, squares 20, variance 5. */
    const double x[] = {
        1, 7, 1e9 + 1, 0.1,
        2, 7, 1e9 + 2, 0.1,
        3, 7, 1e9 + 3, 0.1,
        4, 7, 1e9 + 6, 0.1,
    };
    const double y[] = {2, 4, 6, 8};
    gd_dataset ds = make_dataset(4, 4, x, y);
    gd_scaling sc;
    gd_error err;
    assert_int_equal(gd_dataset_standardize(&ds, &sc, &err), GD_OK);
    assert_int_equal(sc.d, 4);

    assert_close_rel(sc.x_mean[0], 2.5, 1e-15);
    assert_close_rel(sc.x_std[0], 1.118033988749895, 1e-15); /* sqrt(1.25) */
    assert_int_equal(sc.constant[0], 0);
    assert_true(sc.x_mean[1] == 7 && sc.x_std[1] == 1 && sc.constant[1] == 1);
    assert_true(sc.x_mean[2] == 1e9 + 3);
    assert_close_rel(sc.x_std[2], 1.8708286933869707, 1e-15); /* sqrt(3.5) */
    assert_int_equal(sc.constant[2], 0);
    assert_true(sc.x_mean[3] == 0.1 && sc.x_std[3] == 1 && sc.constant[3] == 1);
    assert_close_rel(sc.y_mean, 5, 1e-15);
    assert_close_rel(sc.y_std, 2.23606797749979, 1e-15); /* sqrt(5) */
    assert_int_equal(sc.y_constant, 0);

    /* z-scores: column 0 is (-1.5,-0.5,0.5,1.5)/sqrt(1.25) = (-3,-1,1,3)/sqrt(5). */
    const double z0[] = {-1.3416407864998738, -0.4472135954999579, 0.4472135954999579,
                         1.3416407864998738};
    const double z2[] = {-1.0690449676496976, -0.5345224838248488, 0.0,
                         1.6035674514745464}; /* (-2,-1,0,3)/sqrt(3.5) */
    const double zy[] = {-1.3416407864998738, -0.4472135954999579, 0.4472135954999579,
                         1.3416407864998738};
    for (size_t i = 0; i < 4; i++) {
        const double *row = gd_dataset_row(&ds, i);
        assert_close_rel(row[0], z0[i], 1e-15);
        assert_true(row[1] == 0.0); /* constant columns become exactly 0 */
        assert_close_abs(row[2], z2[i], 1e-15);
        assert_true(row[3] == 0.0);
        assert_close_rel(ds.y[i], zy[i], 1e-15);
        /* The exact expression other modules repeat. */
        assert_true(row[0] == (x[i * 4 + 0] - sc.x_mean[0]) / sc.x_std[0]);
        assert_true(row[2] == (x[i * 4 + 2] - sc.x_mean[2]) / sc.x_std[2]);
        assert_true(ds.y[i] == (y[i] - sc.y_mean) / sc.y_std);
    }

    /* Deterministic: the same input gives the same bits. */
    gd_dataset again = make_dataset(4, 4, x, y);
    gd_scaling sc2;
    assert_int_equal(gd_dataset_standardize(&again, &sc2, &err), GD_OK);
    assert_memory_equal(again.x, ds.x, sizeof x);
    assert_memory_equal(again.y, ds.y, sizeof y);
    assert_memory_equal(sc2.x_std, sc.x_std, 4 * sizeof(double));
    gd_scaling_free(&sc2);
    gd_dataset_free(&again);

    gd_scaling_free(&sc);
    assert_null(sc.x_mean);
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
}

static void test_standardize_constant_target_and_tiny(void **state)
{
    (void)state;
    /* Column 0 is 0, 1e-300, 0: its values differ, so it is not constant,
     * though its plain squared deviations would underflow to 0: mean
     * 1e-300/3, deviations -1, 2, -1 times that, std sqrt(2)/3 * 1e-300.
     * Column 2 is 0.7 three times, whose floating mean (2.1/3) is
     * 0.6999999999999998, not 0.7: constant, with the exact value as mean.
     * y is 0.7 three times too. */
    const double x[] = {0.0, 5.0, 0.7, 1e-300, 6.0, 0.7, 0.0, 7.0, 0.7};
    const double y[] = {0.7, 0.7, 0.7};
    gd_dataset ds = make_dataset(3, 3, x, y);
    gd_scaling sc;
    gd_error err;
    assert_int_equal(gd_dataset_standardize(&ds, &sc, &err), GD_OK);
    assert_int_equal(sc.constant[0], 0);
    assert_close_rel(sc.x_mean[0], 3.333333333333333e-301, 1e-14);
    assert_close_rel(sc.x_std[0], 4.714045207910317e-301, 1e-14); /* sqrt(2)/3 e-300 */
    assert_close_rel(gd_dataset_row(&ds, 1)[0], 1.414213562373095, 1e-14); /* 2/sqrt(2) */
    assert_close_rel(gd_dataset_row(&ds, 0)[0], -0.7071067811865476, 1e-14);
    assert_int_equal(sc.constant[1], 0);
    assert_close_rel(sc.x_mean[1], 6.0, 1e-15);
    assert_close_rel(sc.x_std[1], 0.816496580927726, 1e-15); /* sqrt(2/3) */
    assert_int_equal(sc.constant[2], 1);
    assert_true(sc.x_mean[2] == 0.7 && sc.x_std[2] == 1.0);
    assert_int_equal(sc.y_constant, 1);
    assert_true(sc.y_mean == 0.7 && sc.y_std == 1.0);
    for (size_t i = 0; i < 3; i++) {
        assert_true(gd_dataset_row(&ds, i)[2] == 0.0);
        assert_true(ds.y[i] == 0.0);
    }
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);

    /* Without a target. */
    ds = make_dataset(3, 3, x, NULL);
    assert_int_equal(gd_dataset_standardize(&ds, &sc, &err), GD_OK);
    assert_true(sc.y_mean == 0.0 && sc.y_std == 1.0 && sc.y_constant == 0);
    assert_null(ds.y);
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
}

/* Neumaier's sum as textbooks write it, with a branch: the oracle for the
 * bits of the standardization's compensated sums (one block of rows). */
static double textbook_neumaier_mean(const double *v, size_t n, size_t stride)
{
    double s = 0.0, c = 0.0;
    for (size_t i = 0; i < n; i++) {
        double x = v[i * stride], t = s + x;
        if (fabs(s) >= fabs(x))
            c += (s - t) + x;
        else
            c += (x - t) + s;
        s = t;
    }
    return (s + c) / (double)n;
}

static void test_standardize_compensated(void **state)
{
    (void)state;
    /* 1000 rows (one block). Column 0 cycles 1e16, 1, -1e16, 3: its exact
     * sum is 4 per 4 rows, so its mean is exactly 1, where a plain sum
     * would lose every 1 and 3 (1e16's spacing is 2). Column 1 cycles
     * 1e16, 1, 3, -1e16 (exact mean 1 too; the small ones meet 1e16 before
     * its negative). Column 2 and y mix magnitudes from 1e-8 to 1e12 in
     * both signs: there the oracle is the textbook form's bits. */
    enum { N = 1000, D = 3 };
    static const double c0[4] = {1e16, 1.0, -1e16, 3.0}, c1[4] = {1e16, 1.0, 3.0, -1e16};
    double *x = malloc(N * D * sizeof *x), *y = malloc(N * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    uint64_t r = 88172645463325252u;
    for (size_t i = 0; i < N; i++) {
        x[i * D] = c0[i % 4];
        x[i * D + 1] = c1[i % 4];
        double mix[2];
        for (int k = 0; k < 2; k++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            double u = (double)(r >> 11) * 0x1p-53;
            mix[k] = ldexp(u, (int)(r % 67) - 27) * ((r >> 7) & 1 ? -1.0 : 1.0);
        }
        x[i * D + 2] = mix[0];
        y[i] = mix[1];
    }
    gd_dataset ds = make_dataset(N, D, x, y);
    gd_scaling sc;
    gd_error err;
    assert_int_equal(gd_dataset_standardize(&ds, &sc, &err), GD_OK);
    assert_true(sc.x_mean[0] == 1.0);
    assert_true(sc.x_mean[1] == 1.0);
    for (size_t j = 0; j < D; j++)
        assert_true(sc.x_mean[j] == textbook_neumaier_mean(x + j, N, D));
    assert_true(sc.y_mean == textbook_neumaier_mean(y, N, 1));
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
    free(x);
    free(y);
}

static void test_standardize_extreme(void **state)
{
    (void)state;
    /* Column 1 is 1e299 and -1e300: its plain deviations would square to
     * infinity. Mean (1e299 - 1e300) / 2 = -4.5e299, deviations +-5.5e299,
     * std 5.5e299, z-scores +-1. Column 2 is the largest double twice and its
     * negative once: the plain sum overflows; mean M/3, deviations 2M/3,
     * 2M/3, -4M/3, variance 24/27 M^2, std sqrt(8)/3 M; z = 1/sqrt(2) twice,
     * -sqrt(2). Column 0 is 1e-310 and 3e-310 (subnormals): mean 2e-310,
     * std 1e-310, z-scores -1, 1. */
    const double M = DBL_MAX;
    const double x[] = {1e-310, 1e299, M, 3e-310, -1e300, M, 2e-310, -4.5e299, -M};
    const double y[] = {1.0, 2.0, 3.0};
    /* (Row 2 of columns 0 and 1 holds the mean of rows 0 and 1, so the
     * three-row figures are those above, and its own deviation is 0.) */
    gd_dataset ds = make_dataset(3, 3, x, y);
    gd_scaling sc;
    gd_error err;
    assert_int_equal(gd_dataset_standardize(&ds, &sc, &err), GD_OK);
    for (size_t j = 0; j < 3; j++)
        assert_int_equal(sc.constant[j], 0);
    assert_close_rel(sc.x_mean[0], 2e-310, 1e-9); /* subnormal: fewer digits */
    assert_close_rel(sc.x_std[0], 0.816496580927726e-310, 1e-9); /* sqrt(2/3) e-310 */
    assert_close_rel(sc.x_mean[1], -4.5e299, 1e-14);
    assert_close_rel(sc.x_std[1], 4.490731195102493e299, 1e-14); /* 5.5 sqrt(2/3) */
    assert_close_rel(sc.x_mean[2], M / 3, 1e-14);
    assert_close_rel(sc.x_std[2], 0.9428090415820634 * M, 1e-14); /* sqrt(8)/3 */
    assert_close_rel(gd_dataset_row(&ds, 0)[0], -1.224744871391589, 1e-9); /* -sqrt(3/2) */
    assert_close_rel(gd_dataset_row(&ds, 1)[1], -1.224744871391589, 1e-14);
    assert_close_rel(gd_dataset_row(&ds, 0)[2], 0.7071067811865476, 1e-14);
    assert_close_rel(gd_dataset_row(&ds, 2)[2], -1.414213562373095, 1e-14);
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
}

/* Without centering: each column over its root mean square, 0 only for an
 * all-zero column; a constant column that is not 0 keeps its values. */
static void test_scale_origin(void **state)
{
    (void)state;
    const double x[] = {3, 0, 2, 4, 0, 2};
    const double y[] = {1, 7};
    gd_dataset ds = make_dataset(2, 3, x, y);
    gd_scaling sc;
    gd_error err;
    assert_int_equal(gd_dataset_scale_origin(&ds, &sc, &err), GD_OK);
    assert_true(sc.x_mean[0] == 0 && sc.x_mean[2] == 0 && sc.y_mean == 0);
    assert_close_rel(sc.x_std[0], 3.5355339059327378, 1e-15); /* sqrt(12.5) */
    assert_true(sc.constant[1] == 1 && sc.x_std[1] == 1);
    assert_true(sc.constant[2] == 0 && sc.x_std[2] == 2);
    assert_close_rel(sc.y_std, 5, 1e-15); /* sqrt(25) */
    assert_close_rel(gd_dataset_row(&ds, 0)[0], 0.8485281374238570, 1e-15); /* 3/sqrt(12.5) */
    assert_true(gd_dataset_row(&ds, 1)[1] == 0 && gd_dataset_row(&ds, 1)[2] == 1);
    assert_close_rel(ds.y[1], 1.4, 1e-15);
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
}

static void test_standardize_loaded(void **state)
{
    (void)state;
    /* Load, then standardize: a column with a large offset keeps its digits. */
    gd_dataset ds;
    load_ok(&ds, "t,v\n1000000000.5,1\n1000000001.5,2\n1000000002.5,3\n", NULL, NULL, 0,
            1, 0);
    gd_scaling sc;
    gd_error err;
    assert_int_equal(gd_dataset_standardize(&ds, &sc, &err), GD_OK);
    assert_true(sc.x_mean[0] == 1000000001.5);
    assert_close_rel(sc.x_std[0], 0.816496580927726, 1e-15); /* sqrt(2/3) */
    assert_close_rel(ds.x[0], -1.224744871391589, 1e-15);    /* -sqrt(3/2) */
    assert_true(ds.x[1] == 0.0);
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
}

/* ---- a large generated file ---- */

static uint64_t rng_state = 2024;

static uint64_t rnd(void)
{
    return splitmix64(&rng_state);
}

/* Writes one random number in one of several styles; returns its length. */
static int random_number(char *out, size_t size)
{
    double u = (double)(rnd() >> 11) * 0x1p-53;
    double v = (u - 0.5) * pow(10.0, (double)(rnd() % 40) - 20.0);
    switch (rnd() % 6) {
    case 0: return snprintf(out, size, "%.17g", v);
    case 1: return snprintf(out, size, "%.3f", v * 1e6);
    case 2: return snprintf(out, size, "%g", v);
    case 3: return snprintf(out, size, "%.10e", v);
    case 4: return snprintf(out, size, "%d", (int)(rnd() % 2000001) - 1000000);
    default: return snprintf(out, size, " %.25g ", v); /* long, padded */
    }
}

static void test_large_file(void **state)
{
    (void)state;
    enum { ROWS = 200000, COLS = 5 }; /* columns: f0,note,f1,f2,y */
    size_t cap = (size_t)ROWS * 160, len = 0;
    char *text = malloc(cap);
    double *want = malloc((size_t)ROWS * 4 * sizeof *want); /* f0 f1 f2 y */
    assert_non_null(text);
    assert_non_null(want);
    len += (size_t)snprintf(text + len, cap - len, "f0,note,f1,f2,y\n");
    for (size_t i = 0; i < ROWS; i++) {
        for (size_t c = 0; c < COLS; c++) {
            if (c > 0)
                text[len++] = ',';
            if (c == 1) {
                len += (size_t)snprintf(text + len, cap - len, "\"n %zu, x\"", i);
                continue;
            }
            char num[64];
            int n = random_number(num, sizeof num);
            assert_true(n > 0 && (size_t)n < sizeof num);
            memcpy(text + len, num, (size_t)n);
            len += (size_t)n;
            size_t k = c == 0 ? 0 : c - 1;
            want[i * 4 + k] = strtod(num, NULL);
        }
        text[len++] = (i % 3 == 0) ? '\r' : '\n';
        if (i % 3 == 0)
            text[len++] = '\n';
        assert_true(len + 200 < cap);
    }
    gd_dataset ds;
    gd_error err;
    /* By default the text column is a feature, and its first cell fails. */
    assert_int_equal(load_text(&ds, text, len, NULL, NULL, 0, 1, 0, &err), GD_ERR_DATA);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, "column 'note'"));
    assert_non_null(strstr(err.message, "found \"n 0, x\""));

    /* Select the numeric columns (the note column is skipped unparsed). */
    const char *const feats[] = {"f0", "f1", "f2"};
    assert_int_equal(load_text(&ds, text, len, "y", feats, 3, 1, 0, &err), GD_OK);
    assert_int_equal(ds.n, ROWS);
    assert_int_equal(ds.d, 3);
    size_t bad = 0;
    for (size_t i = 0; i < ROWS; i++) {
        const double *row = gd_dataset_row(&ds, i);
        for (size_t j = 0; j < 3; j++)
            bad += memcmp(&row[j], &want[i * 4 + j], sizeof(double)) != 0;
        bad += memcmp(&ds.y[i], &want[i * 4 + 3], sizeof(double)) != 0;
    }
    assert_int_equal(bad, 0);
    gd_dataset_free(&ds);
    free(text);
    free(want);
}

static void test_split(void **state)
{
    (void)state;
    /* Rows numbered 0..99 in the single feature; y = 10 * x. */
    char text[4096];
    size_t len = (size_t)snprintf(text, sizeof text, "x,y\n");
    for (int i = 0; i < 100; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%d,%d\n", i, 10 * i);
    const char *path = write_temp_file(text, len);
    gd_load_options lo = {.path = path, .need_target = 1};
    gd_dataset a = {0}, va = {0}, b = {0}, vb = {0}, c = {0}, vc = {0};
    gd_error err;
    assert_int_equal(gd_dataset_load(&a, &lo, &err), GD_OK);
    assert_int_equal(gd_dataset_load(&b, &lo, &err), GD_OK);
    assert_int_equal(gd_dataset_load(&c, &lo, &err), GD_OK);
    assert_int_equal(gd_dataset_split(&a, 0.25, 7, &va, &err), GD_OK);
    assert_int_equal(gd_dataset_split(&b, 0.25, 7, &vb, &err), GD_OK);
    assert_int_equal(gd_dataset_split(&c, 0.25, 8, &vc, &err), GD_OK);
    assert_int_equal(a.n, 75);
    assert_int_equal(va.n, 25);
    /* Reproducible by seed, different for another seed. */
    assert_memory_equal(va.x, vb.x, 25 * sizeof(double));
    assert_memory_not_equal(va.x, vc.x, 25 * sizeof(double));
    /* Disjoint, together every row once, each part in file order, y kept
     * with its row. */
    int seen[100] = {0};
    for (size_t i = 0; i < a.n; i++) {
        seen[(int)a.x[i]]++;
        assert_true(a.y[i] == 10 * a.x[i]);
        if (i > 0)
            assert_true(a.x[i] > a.x[i - 1]);
    }
    for (size_t i = 0; i < va.n; i++) {
        seen[(int)va.x[i]]++;
        assert_true(va.y[i] == 10 * va.x[i]);
        if (i > 0)
            assert_true(va.x[i] > va.x[i - 1]);
    }
    for (int i = 0; i < 100; i++)
        assert_int_equal(seen[i], 1);
    assert_string_equal(va.feature_names[0], "x");
    assert_string_equal(va.target_name, "y");
    /* Fractions that leave a part empty. */
    gd_dataset vd = {0};
    assert_int_equal(gd_dataset_split(&a, 0.001, 1, &vd, &err), GD_ERR_USAGE);
    assert_int_equal(gd_dataset_split(&a, 0.999, 1, &vd, &err), GD_ERR_USAGE);
    assert_int_equal(a.n, 75);
    gd_dataset_free(&a);
    gd_dataset_free(&va);
    gd_dataset_free(&b);
    gd_dataset_free(&vb);
    gd_dataset_free(&c);
    gd_dataset_free(&vc);
}

static void test_apply_scaling(void **state)
{
    (void)state;
    /* Training rows x = 1, 3 (mean 2, std 1), y = 10, 30 (mean 20, std 10);
     * a constant column k = 5. Validation rows are scaled with those. */
    const char *tr = write_temp_file("x,k,y\n1,5,10\n3,5,30\n", 20);
    gd_load_options lo = {.path = tr, .need_target = 1};
    gd_dataset t = {0}, v = {0};
    gd_scaling sc = {0};
    assert_int_equal(gd_dataset_load(&t, &lo, NULL), GD_OK);
    assert_int_equal(gd_dataset_standardize(&t, &sc, NULL), GD_OK);
    const char *va = write_temp_file("x,k,y\n4,7,0\n", 12);
    lo.path = va;
    assert_int_equal(gd_dataset_load(&v, &lo, NULL), GD_OK);
    gd_dataset_apply_scaling(&v, &sc);
    assert_true(v.x[0] == 2.0); /* (4 - 2) / 1 */
    assert_true(v.x[1] == 0.0); /* constant in training: 0 everywhere */
    assert_true(v.y[0] == -2.0); /* (0 - 20) / 10 */
    gd_scaling_free(&sc);
    gd_dataset_free(&t);
    gd_dataset_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_apply_scaling),
        cmocka_unit_test(test_default_selection),
        cmocka_unit_test(test_explicit_selection),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_need_target_zero),
        cmocka_unit_test(test_error_empty_and_header_only),
        cmocka_unit_test(test_may_be_empty),
        cmocka_unit_test(test_error_header_names),
        cmocka_unit_test(test_error_selection),
        cmocka_unit_test(test_error_ragged),
        cmocka_unit_test(test_error_cells),
        cmocka_unit_test(test_error_csv_and_io),
        cmocka_unit_test(test_standardize_small),
        cmocka_unit_test(test_standardize_constant_target_and_tiny),
        cmocka_unit_test(test_standardize_compensated),
        cmocka_unit_test(test_standardize_extreme),
        cmocka_unit_test(test_scale_origin),
        cmocka_unit_test(test_standardize_loaded),
        cmocka_unit_test(test_large_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
