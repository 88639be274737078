/*
 * Tests of the csv reader: RFC 4180 records, positions, errors, and records
 * that straddle the reader's internal chunk boundaries.
 *
 * Expected fields and positions are written out by hand, or, for generated
 * inputs, tracked by the generator while it writes the bytes.
 */
#define _GNU_SOURCE /* fopencookie: a stream whose reads fail on cue */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "io/csv.h"

/* ---- helpers ---- */

/* What a field should be. */
typedef struct want {
    const char *text; /* NUL-terminated expected content */
    long line, column;
    int quoted;
} want;

static gd_csv_reader *open_text(const char *text, size_t len, char delim)
{
    gd_csv_reader *r = NULL;
    gd_error err;
    gd_error_clear(&err);
    const char *path = write_temp_file(text, len);
    assert_int_equal(gd_csv_open(&r, path, delim, &err), GD_OK);
    assert_non_null(r);
    assert_string_equal(gd_csv_name(r), path);
    return r;
}

/* Reads the next record and checks it against n expected fields. */
static void expect_record_at(gd_csv_reader *r, const want *w, size_t n,
                             const char *file, int line)
{
    const gd_csv_field *f = NULL;
    size_t nf = 99;
    gd_error err;
    gd_error_clear(&err);
    gd_status st = gd_csv_next(r, &f, &nf, &err);
    if (st != GD_OK) {
        print_error("%s:%d: unexpected error %d: %ld:%ld: %s\n", file, line, (int)st,
                    err.line, err.column, err.message);
        fail();
    }
    if (nf != n) {
        print_error("%s:%d: %zu fields, expected %zu\n", file, line, nf, n);
        fail();
    }
    for (size_t k = 0; k < n; k++) {
        size_t wl = strlen(w[k].text);
        if (f[k].len != wl || memcmp(f[k].text, w[k].text, wl) != 0 ||
            f[k].line != w[k].line || f[k].column != w[k].column ||
            f[k].quoted != w[k].quoted) {
            print_error("%s:%d: field %zu: got \"%.*s\" at %ld:%ld quoted %d, expected "
                        "\"%s\" at %ld:%ld quoted %d\n",
                        file, line, k, (int)f[k].len, f[k].text, f[k].line, f[k].column,
                        f[k].quoted, w[k].text, w[k].line, w[k].column, w[k].quoted);
            fail();
        }
    }
}
#define expect_record(r, ...)                                                  \
    do {                                                                       \
        const want w_[] = {__VA_ARGS__};                                       \
        expect_record_at((r), w_, sizeof w_ / sizeof w_[0], __FILE__, __LINE__); \
    } while (0)

static void expect_end(gd_csv_reader *r)
{
    const gd_csv_field *f;
    size_t nf = 99;
    gd_error err;
    for (int i = 0; i < 3; i++) { /* the end stays the end */
        assert_int_equal(gd_csv_next(r, &f, &nf, &err), GD_OK);
        assert_int_equal(nf, 0);
    }
}

/* Reads records until the first error, and checks it. */
static void expect_error_at(const char *text, size_t len, char delim, gd_status status,
                            long line, long col, const char *fragment,
                            const char *file, int srcline)
{
    gd_csv_reader *r = open_text(text, len, delim);
    const gd_csv_field *f;
    size_t nf;
    gd_error err;
    gd_error_clear(&err);
    gd_status st;
    int records = 0;
    while ((st = gd_csv_next(r, &f, &nf, &err)) == GD_OK && nf > 0)
        records++;
    if (st != status || err.status != status || err.line != line || err.column != col ||
        strstr(err.message, fragment) == NULL ||
        strcmp(err.file, gd_csv_name(r)) != 0) {
        print_error("%s:%d: got status %d at %ld:%ld \"%s\" (after %d records), "
                    "expected %d at %ld:%ld with \"%s\"\n",
                    file, srcline, (int)st, err.line, err.column, err.message, records,
                    (int)status, line, col, fragment);
        fail();
    }
    /* The error sticks. */
    gd_error again;
    gd_error_clear(&again);
    assert_int_equal(gd_csv_next(r, &f, &nf, &again), status);
    assert_int_equal(nf, 0);
    assert_int_equal(again.line, line);
    assert_string_equal(again.message, err.message);
    gd_csv_close(r);
}
#define expect_error(text, delim, status, line, col, fragment)                   \
    expect_error_at((text), sizeof(text) - 1, (delim), (status), (line), (col), \
                    (fragment), __FILE__, __LINE__)

/* ---- well-formed input ---- */

static void test_simple(void **state)
{
    (void)state;
    static const char text[] = "a,bb,ccc\n1,22,333\n,,\n";
    gd_csv_reader *r = open_text(text, sizeof text - 1, ',');
    expect_record(r, {"a", 1, 1, 0}, {"bb", 1, 3, 0}, {"ccc", 1, 6, 0});
    expect_record(r, {"1", 2, 1, 0}, {"22", 2, 3, 0}, {"333", 2, 6, 0});
    expect_record(r, {"", 3, 1, 0}, {"", 3, 2, 0}, {"", 3, 3, 0});
    expect_end(r);
    gd_csv_close(r);
}

static void test_quoting(void **state)
{
    (void)state;
    static const char text[] = "\"a,b\",\"say \"\"hi\"\"\",\"\",\"\"\"\"\nx,\"y\"\n";
    gd_csv_reader *r = open_text(text, sizeof text - 1, ',');
    /* "a,b" at 1; "say ""hi""" at 7 (12 bytes); "" at 20; """" at 23 */
    expect_record(r, {"a,b", 1, 1, 1}, {"say \"hi\"", 1, 7, 1}, {"", 1, 20, 1},
                  {"\"", 1, 23, 1});
    expect_record(r, {"x", 2, 1, 0}, {"y", 2, 3, 1});
    expect_end(r);
    gd_csv_close(r);
}

static void test_embedded_newlines(void **state)
{
    (void)state;
    /* line 1: id,"two   line 2: lines",after   line 3: "x   line 4:    line 5: y",z */
    static const char text[] = "id,\"two\nlines\",after\n\"x\n\ny\",z\nlast,1\n";
    gd_csv_reader *r = open_text(text, sizeof text - 1, ',');
    expect_record(r, {"id", 1, 1, 0}, {"two\nlines", 1, 4, 1}, {"after", 2, 8, 0});
    expect_record(r, {"x\n\ny", 3, 1, 1}, {"z", 5, 4, 0});
    expect_record(r, {"last", 6, 1, 0}, {"1", 6, 6, 0});
    expect_end(r);
    gd_csv_close(r);
}

static void test_crlf(void **state)
{
    (void)state;
    /* CRLF and LF mixed; a CRLF inside quotes is kept as it is. */
    static const char text[] = "a,b\r\n1,\"x\r\ny\"\r\n2,3\n4,5\r\n";
    gd_csv_reader *r = open_text(text, sizeof text - 1, ',');
    expect_record(r, {"a", 1, 1, 0}, {"b", 1, 3, 0});
    expect_record(r, {"1", 2, 1, 0}, {"x\r\ny", 2, 3, 1});
    expect_record(r, {"2", 4, 1, 0}, {"3", 4, 3, 0});
    expect_record(r, {"4", 5, 1, 0}, {"5", 5, 3, 0});
    expect_end(r);
    gd_csv_close(r);
}

static void test_bare_cr_in_quotes_is_data(void **state)
{
    (void)state;
    static const char text[] = "\"a\rb\",c\n";
    gd_csv_reader *r = open_text(text, sizeof text - 1, ',');
    expect_record(r, {"a\rb", 1, 1, 1}, {"c", 1, 7, 0});
    expect_end(r);
    gd_csv_close(r);
}

static void test_bom(void **state)
{
    (void)state;
    static const char text[] = "\xEF\xBB\xBF" "price,area\n1,2\n";
    gd_csv_reader *r = open_text(text, sizeof text - 1, ',');
    expect_record(r, {"price", 1, 1, 0}, {"area", 1, 7, 0});
    expect_record(r, {"1", 2, 1, 0}, {"2", 2, 3, 0});
    expect_end(r);
    gd_csv_close(r);

    /* A BOM before a quoted first field. */
    static const char quoted[] = "\xEF\xBB\xBF\"p\",q\n";
    r = open_text(quoted, sizeof quoted - 1, ',');
    expect_record(r, {"p", 1, 1, 1}, {"q", 1, 5, 0});
    expect_end(r);
    gd_csv_close(r);

    /* Only a BOM: no records. The same bytes later on are data. */
    r = open_text("\xEF\xBB\xBF", 3, ',');
    expect_end(r);
    gd_csv_close(r);
    static const char later[] = "a\n\xEF\xBB\xBF" "b\n";
    r = open_text(later, sizeof later - 1, ',');
    expect_record(r, {"a", 1, 1, 0});
    expect_record(r, {"\xEF\xBB\xBF" "b", 2, 1, 0});
    expect_end(r);
    gd_csv_close(r);
}

static void test_no_final_newline(void **state)
{
    (void)state;
    static const char t1[] = "a,b\n1,2";
    gd_csv_reader *r = open_text(t1, sizeof t1 - 1, ',');
    expect_record(r, {"a", 1, 1, 0}, {"b", 1, 3, 0});
    expect_record(r, {"1", 2, 1, 0}, {"2", 2, 3, 0});
    expect_end(r);
    gd_csv_close(r);

    static const char t2[] = "a,\"b\"";
    r = open_text(t2, sizeof t2 - 1, ',');
    expect_record(r, {"a", 1, 1, 0}, {"b", 1, 3, 1});
    expect_end(r);
    gd_csv_close(r);

    /* A trailing delimiter makes a last, empty field. */
    static const char t3[] = "a,";
    r = open_text(t3, sizeof t3 - 1, ',');
    expect_record(r, {"a", 1, 1, 0}, {"", 1, 3, 0});
    expect_end(r);
    gd_csv_close(r);
}

static void test_empty_lines(void **state)
{
    (void)state;
    /* In the middle: records of one empty field; at the end: dropped. */
    static const char text[] = "a\n\n\r\nb\n\n\r\n\n";
    gd_csv_reader *r = open_text(text, sizeof text - 1, ',');
    expect_record(r, {"a", 1, 1, 0});
    expect_record(r, {"", 2, 1, 0});
    expect_record(r, {"", 3, 1, 0});
    expect_record(r, {"b", 4, 1, 0});
    expect_end(r);
    gd_csv_close(r);

    /* Leading empty lines are in the middle of nothing: records too. */
    static const char lead[] = "\n\nx,y";
    r = open_text(lead, sizeof lead - 1, ',');
    expect_record(r, {"", 1, 1, 0});
    expect_record(r, {"", 2, 1, 0});
    expect_record(r, {"x", 3, 1, 0}, {"y", 3, 3, 0});
    expect_end(r);
    gd_csv_close(r);

    /* Empty, and empty lines only: no records. */
    r = open_text("", 0, ',');
    expect_end(r);
    gd_csv_close(r);
    r = open_text("\n\r\n\n", 4, ',');
    expect_end(r);
    gd_csv_close(r);

    /* A quoted empty field is not an empty line. */
    static const char q[] = "\"\"\n";
    r = open_text(q, sizeof q - 1, ',');
    expect_record(r, {"", 1, 1, 1});
    expect_end(r);
    gd_csv_close(r);
}

static void test_other_delimiters(void **state)
{
    (void)state;
    static const char semi[] = "a;b,c;\"d;e\"\n1,5;2\n";
    gd_csv_reader *r = open_text(semi, sizeof semi - 1, ';');
    expect_record(r, {"a", 1, 1, 0}, {"b,c", 1, 3, 0}, {"d;e", 1, 7, 1});
    expect_record(r, {"1,5", 2, 1, 0}, {"2", 2, 5, 0});
    expect_end(r);
    gd_csv_close(r);

    static const char tab[] = "x\ty z\t\"q\tr\"\n 1 \t,\t\n";
    r = open_text(tab, sizeof tab - 1, '\t');
    expect_record(r, {"x", 1, 1, 0}, {"y z", 1, 3, 0}, {"q\tr", 1, 7, 1});
    expect_record(r, {" 1 ", 2, 1, 0}, {",", 2, 5, 0}, {"", 2, 7, 0});
    expect_end(r);
    gd_csv_close(r);
}

/* ---- errors ---- */

static void test_error_nul(void **state)
{
    (void)state;
    expect_error("a,b\n1,x\0y\n", ',', GD_ERR_DATA, 2, 4, "NUL byte in the input");
    expect_error("a,\"b\n\0\"\n", ',', GD_ERR_DATA, 2, 1, "NUL byte in the input");
    expect_error("a,\"b\"\0\n", ',', GD_ERR_DATA, 1, 6, "NUL byte in the input");
    expect_error("a\n\0", ',', GD_ERR_DATA, 2, 1, "NUL byte in the input");
    expect_error("\0", ',', GD_ERR_DATA, 1, 1, "NUL byte in the input");
}

static void test_error_unterminated(void **state)
{
    (void)state;
    /* Reported at the opening quote, however far the text runs. */
    expect_error("a,b\n1,\"abc\nmore\n\n", ',', GD_ERR_DATA, 2, 3,
                 "unterminated quoted field");
    expect_error("a,b\n1,\"abc\nmore\n\n", ',', GD_ERR_DATA, 2, 3, "\"abc\\x0amore\\x0a\\x0a\"");
    expect_error("\"", ',', GD_ERR_DATA, 1, 1, "unterminated quoted field");
    /* A doubled quote at the end does not close the field. */
    expect_error("x,\"ab\"\"", ',', GD_ERR_DATA, 1, 3, "unterminated quoted field");
}

static void test_error_quote_in_plain_field(void **state)
{
    (void)state;
    expect_error("a,b\n12\"x,3\n", ',', GD_ERR_DATA, 2, 3,
                 "quote inside an unquoted field");
    expect_error("a,b\n12\"x,3\n", ',', GD_ERR_DATA, 2, 3, "found \"12\\\"\"");
    expect_error("a, \"b\"\n", ',', GD_ERR_DATA, 1, 4, "quote inside an unquoted field");
}

static void test_error_text_after_quote(void **state)
{
    (void)state;
    expect_error("a,b\n\"12\"x,3\n", ',', GD_ERR_DATA, 2, 5,
                 "text after the closing quote");
    expect_error("a,b\n\"12\"x,3\n", ',', GD_ERR_DATA, 2, 5, "found \"x\"");
    expect_error("\"a\" ,b\n", ',', GD_ERR_DATA, 1, 4, "found \" \"");
    expect_error("\"a\"\"\"b\"\n", ',', GD_ERR_DATA, 1, 6, "found \"b\\\"\"");
    /* With ';' as the delimiter a comma after the quote is text. */
    expect_error("\"a\",b\n", ';', GD_ERR_DATA, 1, 4, "found \",b\"");
}

static void test_error_bare_cr(void **state)
{
    (void)state;
    /* Decision: a CR outside quotes must be followed by LF (see csv.c). */
    expect_error("a,b\r1,2\r\n", ',', GD_ERR_DATA, 1, 4, "carriage return");
    expect_error("a,b\n1,2\r", ',', GD_ERR_DATA, 2, 4, "carriage return");
    expect_error("a,b\n\r1,2\n", ',', GD_ERR_DATA, 2, 1, "carriage return");
    expect_error("a,\"b\"\rx\n", ',', GD_ERR_DATA, 1, 6, "found \"\\x0dx\"");
}

static void test_io_errors(void **state)
{
    (void)state;
    gd_csv_reader *r = (gd_csv_reader *)1;
    gd_error err;
    gd_error_clear(&err);
    const char *missing = temp_path("missing.csv");
    assert_int_equal(gd_csv_open(&r, missing, ',', &err), GD_ERR_IO);
    assert_null(r);
    assert_int_equal(err.status, GD_ERR_IO);
    assert_string_equal(err.file, missing);
    assert_non_null(strstr(err.message, strerror(ENOENT)));

    /* A directory opens on Linux but cannot be read. */
    r = NULL;
    gd_error_clear(&err);
    if (gd_csv_open(&r, "/", ',', &err) == GD_OK) {
        const gd_csv_field *f;
        size_t nf;
        assert_int_equal(gd_csv_next(r, &f, &nf, &err), GD_ERR_IO);
        assert_int_equal(nf, 0);
        assert_non_null(strstr(err.message, strerror(EISDIR)));
        assert_string_equal(err.file, "/");
        gd_csv_close(r);
    } else {
        assert_int_equal(err.status, GD_ERR_IO);
    }
}

/* Text of `lines` numbered records "i,2i\n"; its length in *len. */
static char *numbered_lines(size_t lines, size_t *len)
{
    char *text = malloc(lines * 24);
    assert_non_null(text);
    size_t n = 0;
    for (size_t i = 0; i < lines; i++)
        n += (size_t)sprintf(text + n, "%zu,%zu\n", i, 2 * i);
    *len = n;
    return text;
}

/* Reads records until the end or an error; returns the status and counts
 * the records in *records. */
static gd_status read_to_end(gd_csv_reader *r, size_t *records, gd_error *err)
{
    const gd_csv_field *f;
    size_t nf;
    gd_status st;
    *records = 0;
    while ((st = gd_csv_next(r, &f, &nf, err)) == GD_OK && nf > 0)
        (*records)++;
    return st;
}

/* A file cut short after the reader opened it (another program rewriting
 * it, a full disk on the writer's side) ends early: that is an error, not a
 * shorter file. The first chunk is read before the cut, so the cut lands in
 * the middle of reading. */
static void test_file_truncated_while_read(void **state)
{
    (void)state;
    size_t len, records;
    char *text = numbered_lines(100000, &len); /* about 1.2 MB: several chunks */
    const char *path = write_temp_file(text, len);
    gd_csv_reader *r = NULL;
    gd_error err;

    /* Untouched, every record arrives. */
    assert_int_equal(gd_csv_open(&r, path, ',', &err), GD_OK);
    assert_int_equal(read_to_end(r, &records, &err), GD_OK);
    assert_int_equal(records, 100000);
    gd_csv_close(r);

    const off_t cuts[] = {600000, 600001, (off_t)len - 1};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        FILE *f = fopen(path, "wb"); /* the whole text again */
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, len, f), len);
        assert_int_equal(fclose(f), 0);

        assert_int_equal(gd_csv_open(&r, path, ',', &err), GD_OK);
        const gd_csv_field *fields;
        size_t nf;
        assert_int_equal(gd_csv_next(r, &fields, &nf, &err), GD_OK);
        assert_int_equal(truncate(path, cuts[k]), 0);
        gd_error_clear(&err);
        gd_status st = read_to_end(r, &records, &err);
        assert_int_equal(st, GD_ERR_IO);
        assert_string_equal(err.file, path);
        assert_non_null(strstr(err.message, "truncated while being read"));
        char sizes[96];
        snprintf(sizes, sizeof sizes, "after %lld of its %zu bytes", (long long)cuts[k],
                 len);
        assert_non_null(strstr(err.message, sizes));
        /* Only whole records before the cut came out (the first was read
         * before the loop), and the error names the line where it ended. */
        assert_true(records + 1 < 100000);
        assert_true(err.line > (long)records && err.line <= 100000);
        gd_csv_close(r);
    }
    free(text);
}

/* Writes text into a new pipe, closes its writing end, and opens a reader
 * over the reading end (the text fits the pipe's buffer). */
static gd_csv_reader *open_pipe(const char *text, FILE **out)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    size_t len = strlen(text);
    assert_int_equal(write(fds[1], text, len), (ssize_t)len);
    assert_int_equal(close(fds[1]), 0);
    FILE *f = fdopen(fds[0], "rb");
    assert_non_null(f);
    gd_csv_reader *r = NULL;
    gd_error err;
    assert_int_equal(gd_csv_open_stream(&r, f, "<stdin>", ',', &err), GD_OK);
    *out = f;
    return r;
}

/* A pipe has no size to check, so a last line without a line end is the
 * only sign that its writer stopped mid-row ("head -c", a killed process):
 * an error there, while a regular file may end without one
 * (test_no_final_newline). */
static void test_pipe_must_end_lines(void **state)
{
    (void)state;
    static const char *const complete[] = {"a,b\n1,2\n", "a,b\r\n1,2\r\n",
                                           "a,b\n1,2\n\n\n", "a,b\n1,\"2\"\n", ""};
    for (size_t k = 0; k < sizeof complete / sizeof complete[0]; k++) {
        FILE *f;
        gd_csv_reader *r = open_pipe(complete[k], &f);
        size_t records;
        gd_error err;
        assert_int_equal(read_to_end(r, &records, &err), GD_OK);
        assert_int_equal(records, k == 4 ? 0 : 2);
        gd_csv_close(r);
        fclose(f);
    }

    static const struct {
        const char *text;
        long line, col;
    } cut[] = {
        {"a,b\n1,2", 2, 4},       /* the 2 might have been 25 */
        {"a,b\n1,\"2\"", 2, 6}, /* a closing quote, then nothing */
        {"a,b\n1,", 2, 3},        /* an empty last field */
        {"a,b", 1, 4},             /* the header alone */
    };
    for (size_t k = 0; k < sizeof cut / sizeof cut[0]; k++) {
        FILE *f;
        gd_csv_reader *r = open_pipe(cut[k].text, &f);
        size_t records;
        gd_error err;
        gd_error_clear(&err);
        assert_int_equal(read_to_end(r, &records, &err), GD_ERR_DATA);
        assert_int_equal(records, cut[k].line - 1);
        assert_string_equal(err.file, "<stdin>");
        assert_int_equal(err.line, cut[k].line);
        assert_int_equal(err.column, cut[k].col);
        assert_non_null(strstr(err.message, "ended in the middle of a line"));
        gd_csv_close(r);
        fclose(f);
    }
}

/* A stream that yields `good` bytes of text and then fails with EIO, like a
 * disk or network file system giving up halfway. */
typedef struct failing_source {
    const char *text;
    size_t good, pos;
} failing_source;

static ssize_t failing_read(void *cookie, char *buf, size_t size)
{
    failing_source *s = cookie;
    if (s->pos == s->good) {
        errno = EIO;
        return -1;
    }
    size_t n = s->good - s->pos < size ? s->good - s->pos : size;
    memcpy(buf, s->text + s->pos, n);
    s->pos += n;
    return (ssize_t)n;
}

static void test_read_error_midway(void **state)
{
    (void)state;
    size_t len, records;
    char *text = numbered_lines(100000, &len);
    failing_source src = {text, 700000, 0};
    cookie_io_functions_t io = {failing_read, NULL, NULL, NULL};
    FILE *f = fopencookie(&src, "r", io);
    assert_non_null(f);
    gd_csv_reader *r = NULL;
    gd_error err;
    assert_int_equal(gd_csv_open_stream(&r, f, "flaky.csv", ',', &err), GD_OK);
    gd_error_clear(&err);
    assert_int_equal(read_to_end(r, &records, &err), GD_ERR_IO);
    assert_string_equal(err.file, "flaky.csv");
    assert_non_null(strstr(err.message, strerror(EIO)));
    assert_true(records > 0 && records < 100000);
    assert_true(err.line > (long)records);
    gd_csv_close(r);
    fclose(f);
    free(text);
}

static void test_bad_delimiter(void **state)
{
    (void)state;
    gd_csv_reader *r = NULL;
    gd_error err;
    const char *path = write_temp_file("a\n", 2);
    assert_int_equal(gd_csv_open(&r, path, '"', &err), GD_ERR_USAGE);
    assert_null(r);
    assert_int_equal(gd_csv_open(&r, path, '\n', &err), GD_ERR_USAGE);
    assert_int_equal(gd_csv_open(&r, path, '\r', &err), GD_ERR_USAGE);
    assert_int_equal(gd_csv_open(&r, path, '\0', &err), GD_ERR_USAGE);
    assert_int_equal(gd_csv_open(&r, path, '|', &err), GD_OK);
    gd_csv_close(r);
    gd_csv_close(NULL);
}

static void test_stream_tmpfile(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    static const char text[] = "h1;h2\n3;\"4\n\"\n5;6\x01";
    assert_int_equal(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
    rewind(f);
    gd_csv_reader *r = NULL;
    gd_error err;
    assert_int_equal(gd_csv_open_stream(&r, f, "<stdin>", ';', &err), GD_OK);
    assert_string_equal(gd_csv_name(r), "<stdin>");
    expect_record(r, {"h1", 1, 1, 0}, {"h2", 1, 4, 0});
    expect_record(r, {"3", 2, 1, 0}, {"4\n", 2, 3, 1});
    expect_record(r, {"5", 4, 1, 0}, {"6\x01", 4, 3, 0});
    expect_end(r);
    gd_csv_close(r);
    /* The reader did not close the stream. */
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    assert_int_equal(fgetc(f), 'h');

    /* Errors name the stream. */
    rewind(f);
    assert_int_equal(fwrite("a\"b\n", 1, 4, f), 4);
    rewind(f);
    assert_int_equal(gd_csv_open_stream(&r, f, "<stdin>", ',', &err), GD_OK);
    const gd_csv_field *fields;
    size_t nf;
    assert_int_equal(gd_csv_next(r, &fields, &nf, &err), GD_ERR_DATA);
    assert_string_equal(err.file, "<stdin>");
    gd_csv_close(r);
    fclose(f);
}

static void test_stdin_dash(void **state)
{
    (void)state;
    static const char text[] = "u,v\n7,8\n";
    const char *path = write_temp_file(text, sizeof text - 1);
    assert_non_null(freopen(path, "rb", stdin));
    gd_csv_reader *r = NULL;
    gd_error err;
    assert_int_equal(gd_csv_open(&r, "-", ',', &err), GD_OK);
    assert_string_equal(gd_csv_name(r), "<stdin>");
    expect_record(r, {"u", 1, 1, 0}, {"v", 1, 3, 0});
    expect_record(r, {"7", 2, 1, 0}, {"8", 2, 3, 0});
    expect_end(r);
    gd_csv_close(r);
    /* stdin itself stays open. */
    assert_int_equal(fseek(stdin, 0, SEEK_SET), 0);
    assert_int_equal(fgetc(stdin), 'u');
}

/* ---- generated input across chunk boundaries ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    return splitmix64(&rng_state);
}

static size_t rnd_below(size_t n)
{
    return (size_t)(rnd() % n);
}

/* A growable byte buffer. */
typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void buf_put(buf *b, const char *s, size_t n)
{
    if (b->cap - b->len < n) {
        while (b->cap - b->len < n)
            b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* A generated field, as the reader should return it. */
typedef struct gfield {
    size_t off, len; /* its content in the generator's content buffer */
    long line, column;
    int quoted;
    int first_of_record; /* 1 for the first field of a record */
} gfield;

typedef struct gen {
    buf file;    /* the CSV bytes */
    buf content; /* expected field contents, back to back */
    gfield *fields;
    size_t nfields, cap;
    long line, col; /* position of the next byte written to file */
} gen;

/* Writes bytes to the file, tracking line and column. */
static void gen_write(gen *g, const char *s, size_t n)
{
    buf_put(&g->file, s, n);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            g->line++;
            g->col = 1;
        } else {
            g->col++;
        }
    }
}

static gfield *gen_field(gen *g, int first, int quoted)
{
    if (g->nfields == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 1024;
        g->fields = realloc(g->fields, g->cap * sizeof *g->fields);
        assert_non_null(g->fields);
    }
    gfield *f = &g->fields[g->nfields++];
    f->off = g->content.len;
    f->len = 0;
    f->line = g->line;
    f->column = g->col;
    f->quoted = quoted;
    f->first_of_record = first;
    return f;
}

/* One field of random content. Quoted contents use quotes, delimiters, LF,
 * CRLF and lone CR; plain ones only ordinary bytes. long_len > 0 forces a
 * long quoted field. */
static void gen_one_field(gen *g, int first, size_t long_len)
{
    static const char plain[] = "abcxyz0123456789 .-+eE";
    static const char special[] = "\",\n\r;";
    int quoted = long_len > 0 || rnd_below(2) == 0;
    gfield *f = gen_field(g, first, quoted);
    size_t len = long_len > 0 ? long_len : rnd_below(quoted ? 24 : 12);
    if (quoted)
        gen_write(g, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        char c = plain[rnd_below(sizeof plain - 1)];
        if (quoted && rnd_below(4) == 0)
            c = special[rnd_below(sizeof special - 1)];
        buf_put(&g->content, &c, 1);
        f->len++;
        if (c == '"')
            gen_write(g, "\"\"", 2);
        else
            gen_write(g, &c, 1);
    }
    if (quoted)
        gen_write(g, "\"", 1);
}

/* Dense tricky records of 1 to 6 fields, LF or CRLF ends, occasional long
 * quoted fields, until the file has at least size bytes; then a last record
 * without a line end. */
static void gen_file(gen *g, size_t size, uint64_t seed)
{
    memset(g, 0, sizeof *g);
    g->line = 1;
    g->col = 1;
    rng_state = seed;
    while (g->file.len < size) {
        size_t nf = 1 + rnd_below(6);
        for (size_t k = 0; k < nf; k++) {
            if (k > 0)
                gen_write(g, ",", 1);
            size_t long_len = rnd_below(2000) == 0 ? 1000 + rnd_below(300000) : 0;
            gen_one_field(g, k == 0, long_len);
        }
        if (rnd_below(2))
            gen_write(g, "\r\n", 2);
        else
            gen_write(g, "\n", 1);
    }
    gfield *f = gen_field(g, 1, 0);
    buf_put(&g->content, "end", 3);
    f->len = 3;
    gen_write(g, "end", 3);
}

static void gen_free(gen *g)
{
    free(g->file.p);
    free(g->content.p);
    free(g->fields);
}

/* Reads the rest of a stream and compares every field with the generator's;
 * the generated lines start at line 1 + line_shift. */
static void check_generated(gd_csv_reader *r, const gen *g, long line_shift)
{
    const gd_csv_field *f;
    size_t nf;
    gd_error err;
    size_t k = 0;
    for (;;) {
        gd_status st = gd_csv_next(r, &f, &nf, &err);
        if (st != GD_OK) {
            print_error("error %ld:%ld: %s\n", err.line, err.column, err.message);
            fail();
        }
        if (nf == 0)
            break;
        for (size_t i = 0; i < nf; i++, k++) {
            assert_true(k < g->nfields);
            const gfield *w = &g->fields[k];
            assert_int_equal(w->first_of_record, i == 0);
            if (f[i].len != w->len ||
                memcmp(f[i].text, g->content.p + w->off, w->len) != 0 ||
                f[i].line != w->line + line_shift || f[i].column != w->column ||
                f[i].quoted != w->quoted) {
                print_error("field %zu: got len %zu at %ld:%ld, expected len %zu at "
                            "%ld:%ld\n",
                            k, f[i].len, f[i].line, f[i].column, w->len,
                            w->line + line_shift, w->column);
                fail();
            }
        }
        assert_true(k == g->nfields || g->fields[k].first_of_record);
    }
    assert_int_equal(k, g->nfields);
}

static void test_chunk_boundaries_file(void **state)
{
    (void)state;
    gen g;
    gen_file(&g, 3u << 20, 12345);
    const char *path = write_temp_file(g.file.p, g.file.len);
    gd_csv_reader *r = NULL;
    gd_error err;
    assert_int_equal(gd_csv_open(&r, path, ',', &err), GD_OK);
    check_generated(r, &g, 0);
    gd_csv_close(r);
    gen_free(&g);
}

/* The same kind of text shifted by 0..63 bytes (a first line of varying
 * length), so that every chunk boundary falls on each of 64 neighbouring
 * bytes: between a CR and its LF, inside a doubled quote, just after a
 * closing quote, ... This holds for any chunk size that is a multiple of
 * 4 KiB up to 1 MiB (the reader's chunk is one of those). */
static void test_chunk_boundaries_shifted(void **state)
{
    (void)state;
    gen g;
    gen_file(&g, (1u << 20) + 8192, 777);
    enum { SHIFTS = 64 };
    size_t total = SHIFTS + g.file.len;
    char *text = malloc(total);
    assert_non_null(text);
    memset(text, 'p', SHIFTS - 1);
    text[SHIFTS - 1] = '\n';
    memcpy(text + SHIFTS, g.file.p, g.file.len);
    for (size_t shift = 0; shift < SHIFTS; shift++) {
        FILE *f = fmemopen(text + shift, total - shift, "r");
        assert_non_null(f);
        gd_csv_reader *r = NULL;
        gd_error err;
        assert_int_equal(gd_csv_open_stream(&r, f, "mem", ',', &err), GD_OK);
        /* The first line: SHIFTS - 1 - shift bytes of 'p' (maybe empty). */
        const gd_csv_field *fields;
        size_t nf;
        assert_int_equal(gd_csv_next(r, &fields, &nf, &err), GD_OK);
        assert_int_equal(nf, 1);
        assert_int_equal(fields[0].len, SHIFTS - 1 - shift);
        check_generated(r, &g, 1);
        gd_csv_close(r);
        fclose(f);
    }
    free(text);
    gen_free(&g);
}

/* One field far larger than any chunk, and the fields after it. */
static void test_huge_field(void **state)
{
    (void)state;
    const size_t n = 5u << 20;
    buf file = {0}, content = {0};
    rng_state = 99;
    buf_put(&file, "h,\"", 3);
    long line = 1, col = 4;
    for (size_t i = 0; i < n; i++) {
        char c = "ab\"\n,"[rnd_below(5)];
        buf_put(&content, &c, 1);
        if (c == '"') {
            buf_put(&file, "\"\"", 2);
            col += 2;
        } else {
            buf_put(&file, &c, 1);
            if (c == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
    }
    buf_put(&file, "\",tail\r\nnext\n", 13);
    col++; /* the closing quote */
    col++; /* the comma */
    gd_csv_reader *r = open_text(file.p, file.len, ',');
    const gd_csv_field *f;
    size_t nf;
    gd_error err;
    assert_int_equal(gd_csv_next(r, &f, &nf, &err), GD_OK);
    assert_int_equal(nf, 3);
    assert_int_equal(f[1].len, n);
    assert_memory_equal(f[1].text, content.p, n);
    assert_int_equal(f[1].line, 1);
    assert_int_equal(f[1].column, 3);
    assert_int_equal(f[2].len, 4);
    assert_memory_equal(f[2].text, "tail", 4);
    assert_int_equal(f[2].line, line);
    assert_int_equal(f[2].column, col);
    expect_record(r, {"next", line + 1, 1, 0});
    expect_end(r);
    gd_csv_close(r);
    free(file.p);
    free(content.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_embedded_newlines),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bare_cr_in_quotes_is_data),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_empty_lines),
        cmocka_unit_test(test_other_delimiters),
        cmocka_unit_test(test_error_nul),
        cmocka_unit_test(test_error_unterminated),
        cmocka_unit_test(test_error_quote_in_plain_field),
        cmocka_unit_test(test_error_text_after_quote),
        cmocka_unit_test(test_error_bare_cr),
        cmocka_unit_test(test_io_errors),
        cmocka_unit_test(test_file_truncated_while_read),
        cmocka_unit_test(test_pipe_must_end_lines),
        cmocka_unit_test(test_read_error_midway),
        cmocka_unit_test(test_bad_delimiter),
        cmocka_unit_test(test_stream_tmpfile),
        cmocka_unit_test(test_stdin_dash),
        cmocka_unit_test(test_chunk_boundaries_file),
        cmocka_unit_test(test_chunk_boundaries_shifted),
        cmocka_unit_test(test_huge_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
