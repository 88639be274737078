/*
 * Tests of the binary cache: gdhash64 against known answers computed
 * outside the program (tests/hash_reference.py), the writer and block
 * reader (round trip of rows, names, encoding and report; every way a file
 * can be damaged), and the loads through a cache (same bits as a parsing
 * load, stale sources, changed options, rebuilds).
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/cache.h"
#include "gdtrain/dataset.h"
#include "io/hash.h"

/* ---------------------------------------------------------------- hash */

static int little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

static void test_hash_known_answers(void **state)
{
    (void)state;
    if (!little_endian())
        skip_because("the known answers are for little-endian words");
    unsigned char ramp[100];
    for (size_t i = 0; i < sizeof ramp; i++)
        ramp[i] = (unsigned char)i;
    /* From tests/hash_reference.py. */
    assert_true(gd_hash64_bytes("", 0, 0) == 0x2718d95b12e68fc1u);
    assert_true(gd_hash64_bytes("a", 1, 0) == 0x5498a785644aad4fu);
    assert_true(gd_hash64_bytes("abc", 3, 0) == 0x8d85ffc43aeb67d9u);
    assert_true(gd_hash64_bytes("abc", 4, 0) == 0x9b5ce493ba8551b5u); /* "abc\0" */
    assert_true(gd_hash64_bytes("abc", 3, 1) == 0xd478f0d1265bb0feu);
    assert_true(gd_hash64_bytes(ramp, 32, 0) == 0xe337a840902b284fu);
    assert_true(gd_hash64_bytes(ramp, 100, 7) == 0x906272d7a490bca2u);
    assert_true(gd_hash64_bytes("price,area\n1,2\n", 15, 0) == 0x105d2aeab79f4ad8u);
}

/* Fed in two pieces at every cut, or byte by byte: the one-piece hash. */
static void test_hash_pieces(void **state)
{
    (void)state;
    unsigned char data[100];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 37 + 11);
    uint64_t whole = gd_hash64_bytes(data, sizeof data, 5);
    for (size_t cut = 0; cut <= sizeof data; cut++) {
        gd_hash64 h;
        gd_hash64_init(&h, 5);
        gd_hash64_update(&h, data, cut);
        gd_hash64_update(&h, data + cut, sizeof data - cut);
        assert_true(gd_hash64_final(&h) == whole);
    }
    gd_hash64 h;
    gd_hash64_init(&h, 5);
    for (size_t i = 0; i < sizeof data; i++)
        gd_hash64_update(&h, data + i, 1);
    assert_true(gd_hash64_final(&h) == whole);
}

/* The guarantee: any change inside one word changes the hash. Every byte
 * of a CSV-like text is changed to every other digit in turn. */
static void test_hash_one_changed_digit(void **state)
{
    (void)state;
    char text[] = "area,price\n101.5,250000\n87.25,199000\n130,310500\n";
    size_t len = strlen(text);
    uint64_t base = gd_hash64_bytes(text, len, 0);
    for (size_t i = 0; i < len; i++) {
        char keep = text[i];
        for (char c = '0'; c <= '9'; c++) {
            if (c == keep)
                continue;
            text[i] = c;
            assert_true(gd_hash64_bytes(text, len, 0) != base);
        }
        text[i] = keep;
    }
}

/* -------------------------------------------------------- writer/reader */

#define ROWS (2 * GD_CACHE_BLOCK_ROWS + 5)
#define D 3

/* Row i, column j: values no parser would make up, -0 and subnormals
 * included, so that bits and not values are compared. */
static double cell(size_t i, size_t j)
{
    if (i == 7 && j == 1)
        return -0.0;
    if (i == 9 && j == 2)
        return 4.9e-324;
    return (double)(i * 10 + j) / 3.0 - 1000.0;
}

static double target(size_t i)
{
    return (double)i * 0.1 + 0.01;
}

/* A dataset of ROWS x D with names and an encoding of one numeric and one
 * categorical input (two levels: two design columns, "(missing)" last). */
static void make_dataset(gd_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
    ds->n = ROWS;
    ds->d = D;
    ds->x = malloc(ROWS * D * sizeof *ds->x);
    ds->y = malloc(ROWS * sizeof *ds->y);
    assert_non_null(ds->x);
    assert_non_null(ds->y);
    for (size_t i = 0; i < ROWS; i++) {
        for (size_t j = 0; j < D; j++)
            ds->x[i * D + j] = cell(i, j);
        ds->y[i] = target(i);
    }
    static const char *const names[D] = {"area", "zone=B", "zone=(missing)"};
    ds->feature_names = calloc(D, sizeof *ds->feature_names);
    for (size_t j = 0; j < D; j++)
        ds->feature_names[j] = strdup(names[j]);
    ds->target_name = strdup("price");
    gd_error err;
    gd_encoding *e = calloc(1, sizeof *e);
    assert_int_equal(gd_na_set_init(&e->na_values, "NA,,?", &err), GD_OK);
    e->na = GD_NA_MEAN;
    e->ninputs = 2;
    e->inputs = calloc(2, sizeof *e->inputs);
    e->inputs[0].name = strdup("area");
    e->inputs[0].fill = 101.25;
    e->inputs[1].name = strdup("zone");
    e->inputs[1].categorical = 1;
    e->inputs[1].nlevels = 3;
    e->inputs[1].levels = calloc(3, sizeof(char *));
    e->inputs[1].levels[0] = strdup("A");
    e->inputs[1].levels[1] = strdup("B");
    e->inputs[1].levels[2] = strdup(GD_MISSING_LEVEL);
    e->inputs[1].missing_level = 1;
    ds->encoding = e;
}

static const gd_cache_key test_key = {1234, 0x1111222233334444u, 0x5555666677778888u};

static void make_report(gd_load_report *rep)
{
    memset(rep, 0, sizeof *rep);
    snprintf(rep->notes[0], sizeof rep->notes[0], "column 'zone': 2 levels");
    snprintf(rep->notes[1], sizeof rep->notes[1], "a second note");
    rep->nnotes = 2;
    rep->dropped = 17;
    rep->dropped_target = 3;
}

/* Writes the test dataset to a new path, rows appended in uneven pieces
 * that cross block boundaries. */
static const char *write_test_cache(void)
{
    static char path[300];
    snprintf(path, sizeof path, "%s", temp_path("t.gdcache"));
    gd_dataset ds;
    make_dataset(&ds);
    gd_load_report rep;
    make_report(&rep);
    gd_error err;
    gd_cache_writer *w;
    assert_int_equal(gd_cache_writer_begin(&w, path, D, 1, &err), GD_OK);
    static const size_t pieces[] = {1, 8190, 3, 8000, 1, 0, 7, 4}; /* then 183 */
    size_t at = 0;
    for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
        assert_int_equal(gd_cache_writer_append(w, ds.x + at * D, ds.y + at, pieces[k], &err),
                         GD_OK);
        at += pieces[k];
    }
    assert_int_equal(gd_cache_writer_append(w, ds.x + at * D, ds.y + at, ROWS - at, &err),
                     GD_OK);
    gd_cache_meta meta = {ds.target_name, ds.feature_names, ds.encoding, rep};
    assert_int_equal(gd_cache_writer_commit(w, &test_key, &meta, &err), GD_OK);
    gd_dataset_free(&ds);
    return path;
}

static void test_round_trip(void **state)
{
    (void)state;
    const char *path = write_test_cache();
    gd_cache_reader r;
    gd_error err;
    assert_int_equal(gd_cache_reader_open(&r, path, NULL, &err), GD_OK);
    assert_int_equal(r.n, ROWS);
    assert_int_equal(r.d, D);
    assert_int_equal(r.nblocks, 3);
    assert_int_equal(gd_cache_block_size(&r, 2), 5);
    assert_true(r.key.source_size == test_key.source_size &&
                r.key.source_hash == test_key.source_hash &&
                r.key.options_hash == test_key.options_hash);
    assert_string_equal(r.meta.target, "price");
    assert_string_equal(r.meta.features[2], "zone=(missing)");
    assert_string_equal(r.meta.report.notes[1], "a second note");
    assert_int_equal(r.meta.report.dropped, 17);
    assert_int_equal(r.meta.report.dropped_target, 3);
    const gd_encoding *e = r.meta.encoding;
    assert_non_null(e);
    assert_int_equal(e->na, GD_NA_MEAN);
    assert_int_equal(e->na_values.n, 3);
    assert_string_equal(e->na_values.tokens[1], "");
    assert_same_bits(e->inputs[0].fill, 101.25, "fill", 0);
    assert_string_equal(e->inputs[1].levels[1], "B");
    assert_int_equal(e->inputs[1].missing_level, 1);
    double x[GD_CACHE_BLOCK_ROWS * D], y[GD_CACHE_BLOCK_ROWS];
    for (size_t b = 0; b < r.nblocks; b++) {
        assert_int_equal(gd_cache_read_block(&r, b, x, y, &err), GD_OK);
        for (size_t k = 0; k < gd_cache_block_size(&r, b); k++) {
            size_t i = b * GD_CACHE_BLOCK_ROWS + k;
            for (size_t j = 0; j < D; j++)
                assert_same_bits(x[k * D + j], cell(i, j), "x", i);
            assert_same_bits(y[k], target(i), "y", i);
        }
    }
    gd_dataset ds;
    assert_int_equal(gd_cache_read_dataset(&r, 2, &ds, &err), GD_OK);
    assert_int_equal(ds.n, ROWS);
    assert_same_bits(ds.x[ROWS * D - 1], cell(ROWS - 1, D - 1), "last x", 0);
    assert_same_bits(ds.y[ROWS - 1], target(ROWS - 1), "last y", 0);
    assert_string_equal(ds.feature_names[1], "zone=B");
    assert_non_null(ds.encoding);
    gd_dataset_free(&ds);
    gd_cache_reader_close(&r);
}

/* Rows that fill their last block exactly: two whole blocks, no partial
 * one, and every row read back. */
static void test_full_last_block(void **state)
{
    (void)state;
    enum { N = 2 * GD_CACHE_BLOCK_ROWS };
    const char *path = temp_path("full.gdcache");
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    for (size_t i = 0; i < N; i++) {
        x[i] = (double)i + 0.5;
        y[i] = -2.0 * (double)i;
    }
    char target_name[] = "y", feature[] = "a", *names[] = {feature};
    gd_cache_meta meta = {.target = target_name, .features = names};
    gd_cache_writer *w;
    gd_error err;
    assert_int_equal(gd_cache_writer_begin(&w, path, 1, 1, &err), GD_OK);
    assert_int_equal(gd_cache_writer_append(w, x, y, N, &err), GD_OK);
    assert_int_equal(gd_cache_writer_commit(w, &test_key, &meta, &err), GD_OK);
    gd_cache_reader r;
    assert_int_equal(gd_cache_reader_open(&r, path, NULL, &err), GD_OK);
    assert_int_equal(r.nblocks, 2);
    assert_int_equal(gd_cache_block_size(&r, 1), GD_CACHE_BLOCK_ROWS);
    gd_dataset ds;
    assert_int_equal(gd_cache_read_dataset(&r, 2, &ds, &err), GD_OK);
    assert_int_equal(ds.n, N);
    for (size_t i = 0; i < N; i++) {
        assert_same_bits(ds.x[i], (double)i + 0.5, "x", i);
        assert_same_bits(ds.y[i], -2.0 * (double)i, "y", i);
    }
    gd_dataset_free(&ds);
    gd_cache_reader_close(&r);
    free(x);
    free(y);
}

/* Overwrites the 8 bytes at offset of path with v. */
static void poke64(const char *path, long offset, uint64_t v)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, &v, sizeof v, offset), (ssize_t)sizeof v);
    close(fd);
}

/* Flips the bits of the byte at offset (from the end when negative). */
static void flip_byte(const char *path, long offset)
{
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    struct stat sb;
    assert_int_equal(fstat(fd, &sb), 0);
    off_t at = offset >= 0 ? offset : sb.st_size + offset;
    unsigned char c;
    assert_int_equal(pread(fd, &c, 1, at), 1);
    c = (unsigned char)~c;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);
    close(fd);
}

static void expect_open_refused(const char *path, const char *fragment)
{
    gd_cache_reader r;
    gd_error err;
    gd_status st = gd_cache_reader_open(&r, path, NULL, &err);
    if (st != GD_ERR_DATA || strstr(err.message, fragment) == NULL) {
        print_error("status %d, message '%s', expected '%s'\n", st, err.message, fragment);
        fail();
    }
    assert_string_equal(err.file, path);
    gd_cache_reader_close(&r);
}

/* The header's words: magic (0), version (8), byte-order mark (16). */
static void test_corrupt_header(void **state)
{
    (void)state;
    const char *path = write_test_cache();
    flip_byte(path, 0);
    expect_open_refused(path, "it does not start with GDTCACHE");
    path = write_test_cache();
    poke64(path, 8, 1);
    expect_open_refused(path, "version 1; this gdtrain reads version 2");
    path = write_test_cache();
    poke64(path, 16, 0x0807060504030201u);
    expect_open_refused(path, "other byte order");
    path = write_test_cache();
    flip_byte(path, 8 * 7); /* n */
    expect_open_refused(path, "header's checksum does not match");
    path = write_test_cache();
    flip_byte(path, 3000); /* the padding is covered too */
    expect_open_refused(path, "header's checksum does not match");
}

static void test_truncated_and_tables(void **state)
{
    (void)state;
    const char *path = write_test_cache();
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(truncate(path, sb.st_size - 1), 0);
    expect_open_refused(path, "truncated");
    path = write_test_cache();
    assert_int_equal(truncate(path, 100), 0);
    expect_open_refused(path, "truncated");
    path = write_test_cache();
    flip_byte(path, -1); /* the checksum table */
    expect_open_refused(path, "checksum table");
    path = write_test_cache();
    flip_byte(path, -3 * 8 - 1); /* the metadata's last byte */
    expect_open_refused(path, "metadata's checksum");
}

/* A flipped payload byte: the header checks out, the block does not. */
static void test_corrupt_block(void **state)
{
    (void)state;
    const char *path = write_test_cache();
    flip_byte(path, GD_CACHE_HEADER_SIZE + (long)GD_CACHE_BLOCK_ROWS * (D + 1) * 8 + 5);
    gd_cache_reader r;
    gd_error err;
    assert_int_equal(gd_cache_reader_open(&r, path, NULL, &err), GD_OK);
    double x[GD_CACHE_BLOCK_ROWS * D], y[GD_CACHE_BLOCK_ROWS];
    assert_int_equal(gd_cache_read_block(&r, 0, x, y, &err), GD_OK);
    assert_int_equal(gd_cache_read_block(&r, 1, x, y, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "block 2 of 3"));
    gd_dataset ds;
    memset(&ds, 0xAB, sizeof ds);
    assert_int_equal(gd_cache_read_dataset(&r, 2, &ds, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "block 2 of 3"));
    assert_null(ds.x);
    assert_null(ds.feature_names);
    gd_cache_reader_close(&r);
}

/* Abort and failed writes leave nothing; a full disk names the path. */
static void test_writer_failures(void **state)
{
    (void)state;
    char dir[256], path[300], listing[512];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/c.gdcache", dir);
    gd_cache_writer *w;
    gd_error err;
    double row[D] = {1, 2, 3}, y = 4;
    assert_int_equal(gd_cache_writer_begin(&w, path, D, 1, &err), GD_OK);
    assert_int_equal(gd_cache_writer_append(w, row, &y, 1, &err), GD_OK);
    gd_cache_writer_abort(w);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "");
    snprintf(path, sizeof path, "%s/no-such-folder/c.gdcache", dir);
    assert_int_equal(gd_cache_writer_begin(&w, path, D, 1, &err), GD_ERR_IO);
    assert_null(w);
    if (access("/dev/full", W_OK) != 0)
        skip_because("/dev/full is missing");
    assert_int_equal(gd_cache_writer_begin(&w, "/dev/full", D, 1, &err), GD_OK);
    static double big[GD_CACHE_BLOCK_ROWS * D], ys[GD_CACHE_BLOCK_ROWS];
    gd_status st = GD_OK;
    for (int k = 0; k < 4 && st == GD_OK; k++)
        st = gd_cache_writer_append(w, big, ys, GD_CACHE_BLOCK_ROWS, &err);
    assert_int_equal(st, GD_ERR_IO);
    assert_string_equal(err.file, "/dev/full");
    assert_non_null(strstr(err.message, strerror(ENOSPC)));
    gd_cache_writer_abort(w);
}

/* ------------------------------------------------------ loads via cache */

static const char table_text[] =
    "area,zone,price\n"
    "101.5,A,250000\n"
    "87.25,B,199000\n"
    ",B,210000\n"
    "130,,310500\n"
    "99,A,\n"
    "120,C,280000\n";

typedef struct load_case {
    char dir[256];
    char csv[300];
    char cache[300];
    gd_load_report report;
    gd_load_options opt;
} load_case;

static void load_case_init(load_case *c, gd_na_policy na)
{
    make_dir(c->dir, sizeof c->dir);
    snprintf(c->csv, sizeof c->csv, "%s/t.csv", c->dir);
    snprintf(c->cache, sizeof c->cache, "%s/t.csv.gdcache", c->dir);
    FILE *fp = fopen(c->csv, "wb");
    assert_non_null(fp);
    fputs(table_text, fp);
    fclose(fp);
    memset(&c->report, 0, sizeof c->report);
    memset(&c->opt, 0, sizeof c->opt);
    c->opt.path = c->csv;
    c->opt.need_target = 1;
    c->opt.encode = 1;
    c->opt.na = na;
    c->opt.threads = 2;
    c->opt.report = &c->report;
}

/* Loads through the cache, expecting used/written and a note holding
 * fragment ("" for none). */
static void load_cached(load_case *c, gd_dataset *ds, int used, int written,
                        const char *fragment)
{
    gd_cache_outcome out;
    gd_error err;
    memset(&c->report, 0, sizeof c->report);
    gd_status st = gd_dataset_load_cached(ds, &c->opt, c->cache, 0, &out, &err);
    if (st != GD_OK || out.used != used || out.written != written ||
        (fragment[0] == '\0' ? out.note[0] != '\0' : strstr(out.note, fragment) == NULL)) {
        print_error("status %d (%s), used %d, written %d, note '%s'\n", st, err.message,
                    out.used, out.written, out.note);
        fail();
    }
}

/* load_cached, the rows not kept. */
static void expect_load(load_case *c, int used, int written, const char *fragment)
{
    gd_dataset ds;
    load_cached(c, &ds, used, written, fragment);
    gd_dataset_free(&ds);
}

/* A table of its own, its cache built by a first load. */
static void cache_built(load_case *c)
{
    load_case_init(c, GD_NA_MEAN);
    expect_load(c, 0, 1, "");
}

static void expect_same_dataset(const gd_dataset *a, const gd_dataset *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->d, b->d);
    for (size_t k = 0; k < a->n * a->d; k++)
        assert_same_bits(a->x[k], b->x[k], "x", k);
    for (size_t i = 0; i < a->n; i++)
        assert_same_bits(a->y[i], b->y[i], "y", i);
    for (size_t j = 0; j < a->d; j++)
        assert_string_equal(a->feature_names[j], b->feature_names[j]);
    assert_string_equal(a->target_name, b->target_name);
    assert_int_equal(a->encoding->ninputs, b->encoding->ninputs);
    for (size_t i = 0; i < a->encoding->ninputs; i++)
        assert_same_bits(a->encoding->inputs[i].fill, b->encoding->inputs[i].fill, "fill", i);
}

static void test_cached_equals_parsed(void **state)
{
    (void)state;
    load_case c;
    load_case_init(&c, GD_NA_MEAN);
    gd_dataset parsed, first, second;
    gd_error err;
    assert_int_equal(gd_dataset_load(&parsed, &c.opt, &err), GD_OK);
    gd_load_report parsed_report = c.report;
    load_cached(&c, &first, 0, 1, "");
    load_cached(&c, &second, 1, 0, "");
    expect_same_dataset(&parsed, &first);
    expect_same_dataset(&parsed, &second);
    /* The report as parsing made it: a missing target's row left out. */
    assert_int_equal(c.report.dropped, parsed_report.dropped);
    assert_int_equal(c.report.dropped_target, 1);
    assert_int_equal(c.report.nnotes, parsed_report.nnotes);
    gd_dataset_free(&parsed);
    gd_dataset_free(&first);
    gd_dataset_free(&second);
}

/* One digit changed, the size and the modification time put back. */
static void test_stale_source(void **state)
{
    (void)state;
    load_case c;
    cache_built(&c);
    gd_dataset ds;
    struct stat before;
    assert_int_equal(stat(c.csv, &before), 0);
    int fd = open(c.csv, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "3", 1, 17), 1); /* 101.5 -> 131.5 */
    close(fd);
    struct timespec times[2] = {before.st_atim, before.st_mtim};
    assert_int_equal(utimensat(AT_FDCWD, c.csv, times, 0), 0);
    load_cached(&c, &ds, 0, 1, "was made from another file or an older");
    assert_same_bits(ds.x[0], 131.5, "the changed cell", 0);
    gd_dataset_free(&ds);
    load_cached(&c, &ds, 1, 0, "");
    assert_same_bits(ds.x[0], 131.5, "the changed cell, from the cache", 0);
    gd_dataset_free(&ds);
}

static void test_options_change(void **state)
{
    (void)state;
    load_case c;
    cache_built(&c);
    gd_dataset ds;
    c.opt.na = GD_NA_DROP;
    load_cached(&c, &ds, 0, 1, "other load options");
    assert_int_equal(ds.n, 3);
    gd_dataset_free(&ds);
    const char *const cats[] = {"zone"};
    c.opt.categorical = cats;
    c.opt.ncategorical = 1;
    expect_load(&c, 0, 1, "other load options");
    c.opt.threads = 1; /* threads change nothing in the result */
    expect_load(&c, 1, 0, "");
}

/* Each load option that can change the rows is part of the key: a cache
 * made without it is not used (whether the new load then succeeds or not). */
static void expect_not_used(load_case *c, const char *option)
{
    gd_dataset ds;
    gd_cache_outcome out;
    gd_error err;
    gd_status st = gd_dataset_load_cached(&ds, &c->opt, c->cache, 0, &out, &err);
    if (out.used) {
        print_error("changing %s: the old cache was used\n", option);
        fail();
    }
    if (st == GD_OK)
        gd_dataset_free(&ds);
}

/* Change k of the options a cache was made with; returns its name (NULL
 * past the last). */
static const char *change_option(gd_load_options *o, int k)
{
    static const char *const excluded[] = {"zone"};
    switch (k) {
    case 0:
        o->exclude = excluded;
        o->nexclude = 1;
        return "exclude";
    case 1:
        o->decimal = ',';
        o->delimiter = ';';
        return "decimal and delimiter";
    case 2:
        o->decimal = ','; /* refused beside ',' as the delimiter: no cache either */
        return "decimal";
    case 3:
        o->max_levels = 2;
        return "max_levels";
    case 4:
        o->na_values = "99";
        return "na_values";
    case 5:
        o->target = "area";
        return "target";
    case 6:
        o->raw_inputs = 1;
        return "raw_inputs";
    default:
        return NULL;
    }
}

static void test_every_option_keyed(void **state)
{
    (void)state;
    for (int k = 0;; k++) {
        load_case c;
        cache_built(&c); /* made with the options before the change */
        const char *what = change_option(&c.opt, k);
        if (what == NULL)
            break;
        expect_not_used(&c, what);
    }
}

/* A damaged cache is rebuilt, and good afterwards. */
static void test_damaged_cache_rebuilt(void **state)
{
    (void)state;
    load_case c;
    cache_built(&c);
    flip_byte(c.cache, GD_CACHE_HEADER_SIZE + 3);
    expect_load(&c, 0, 1, "checksum does not match");
    expect_load(&c, 1, 0, "");
    assert_int_equal(truncate(c.cache, 10), 0);
    expect_load(&c, 0, 1, "truncated");
}

/* Two processes write the same cache at once: both succeed, and the file
 * is a whole cache afterwards. */
static void test_concurrent_writers(void **state)
{
    (void)state;
    load_case c;
    load_case_init(&c, GD_NA_MEAN);
    pid_t pids[2];
    for (int k = 0; k < 2; k++) {
        pids[k] = fork();
        assert_true(pids[k] >= 0);
        if (pids[k] == 0) {
            gd_dataset ds;
            gd_cache_outcome out;
            gd_error err;
            int ok = 1;
            for (int round = 0; round < 20 && ok; round++) {
                ok = gd_dataset_load_cached(&ds, &c.opt, c.cache, 1, &out, &err) == GD_OK &&
                     out.written;
                gd_dataset_free(&ds);
            }
            _exit(ok ? 0 : 1);
        }
    }
    for (int k = 0; k < 2; k++) {
        int status;
        assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    expect_load(&c, 1, 0, "");
    char listing[512];
    list_dir(c.dir, listing, sizeof listing);
    assert_string_equal(listing, "t.csv|t.csv.gdcache");
}

static void test_unwritable_folder(void **state)
{
    (void)state;
    load_case c;
    load_case_init(&c, GD_NA_MEAN);
    snprintf(c.cache, sizeof c.cache, "%s/missing/t.gdcache", c.dir);
    gd_dataset ds;
    load_cached(&c, &ds, 0, 0, "no cache is written");
    assert_int_equal(ds.n, 5);
    gd_dataset_free(&ds);
}

/* ------------------------------------------------ the standardized rows */

static void expect_same_scaling(const gd_scaling *a, const gd_scaling *b)
{
    assert_int_equal(a->d, b->d);
    for (size_t j = 0; j < a->d; j++) {
        assert_same_bits(a->x_mean[j], b->x_mean[j], "mean", j);
        assert_same_bits(a->x_std[j], b->x_std[j], "std", j);
        assert_int_equal(a->constant[j], b->constant[j]);
    }
    assert_same_bits(a->y_mean, b->y_mean, "y mean", 0);
    assert_same_bits(a->y_std, b->y_std, "y std", 0);
    assert_int_equal(a->y_constant, b->y_constant);
}

/* The writer's section, computed from the rows it is given, is what
 * gd_dataset_standardize makes of them; mapped, X and y are 4096-aligned
 * and point into the mapping. */
static void test_standardized_section(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s", temp_path("z.gdcache"));
    gd_dataset ds, mapped;
    gd_scaling want, got;
    gd_error err;
    make_dataset(&ds);
    ds.threads = 2;
    assert_int_equal(gd_cache_write(path, &ds, NULL, &test_key, &err), GD_OK);
    assert_int_equal(gd_dataset_standardize(&ds, &want, &err), GD_OK);
    gd_cache_reader r;
    assert_int_equal(gd_cache_reader_open(&r, path, NULL, &err), GD_OK);
    assert_int_equal(r.has_z, 1);
    assert_int_equal(gd_cache_map_standardized(&r, 2, &mapped, &got, &err), GD_OK);
    gd_cache_reader_close(&r);
    assert_non_null(mapped.mapping);
    assert_int_equal((uintptr_t)mapped.x % 4096, 0);
    assert_int_equal((uintptr_t)mapped.y % 4096, 0);
    expect_same_dataset(&ds, &mapped);
    expect_same_scaling(&want, &got);
    gd_dataset_free(&ds);
    gd_dataset_free(&mapped);
    gd_scaling_free(&want);
    gd_scaling_free(&got);
}

/* Loads through the cache, standardized, expecting used/written, a
 * mapping or not, and a note holding fragment ("" for none). */
static void load_ready(load_case *c, gd_dataset *ds, gd_scaling *sc, int used, int written,
                       int mapped, const char *fragment)
{
    gd_cache_outcome out;
    gd_error err;
    memset(&c->report, 0, sizeof c->report);
    gd_status st = gd_dataset_load_standardized(ds, sc, &c->opt, c->cache, NULL, &out, &err);
    if (st != GD_OK || out.used != used || out.written != written ||
        (ds->mapping != NULL) != mapped ||
        (fragment[0] == '\0' ? out.note[0] != '\0' : strstr(out.note, fragment) == NULL)) {
        print_error("status %d (%s), used %d, written %d, mapped %d, note '%s'\n", st,
                    err.message, out.used, out.written, ds->mapping != NULL, out.note);
        fail();
    }
}

/* A table of its own, and what every load_ready of it must give: the
 * parse, then gd_dataset_standardize. */
typedef struct ready_case {
    load_case c;
    gd_dataset want;
    gd_scaling want_sc;
} ready_case;

static void ready_case_init(ready_case *rc)
{
    gd_error err;
    load_case_init(&rc->c, GD_NA_MEAN);
    assert_int_equal(gd_dataset_load(&rc->want, &rc->c.opt, &err), GD_OK);
    assert_int_equal(gd_dataset_standardize(&rc->want, &rc->want_sc, &err), GD_OK);
}

static void ready_case_free(ready_case *rc)
{
    gd_dataset_free(&rc->want);
    gd_scaling_free(&rc->want_sc);
}

static void expect_ready(ready_case *rc, int used, int written, int mapped,
                         const char *fragment)
{
    gd_dataset ds;
    gd_scaling sc;
    load_ready(&rc->c, &ds, &sc, used, written, mapped, fragment);
    expect_same_dataset(&rc->want, &ds);
    expect_same_scaling(&rc->want_sc, &sc);
    gd_dataset_free(&ds);
    gd_scaling_free(&sc);
}

/* The run that writes the cache, the run that maps it, and a cache made
 * by a load that did not standardize: the parse's bits every time. */
static void test_ready_equals_parsed(void **state)
{
    (void)state;
    ready_case rc;
    ready_case_init(&rc);
    load_case *c = &rc.c;
    expect_ready(&rc, 0, 1, 0, "");
    expect_ready(&rc, 1, 0, 1, "");
    assert_int_equal(c->report.dropped_target, 1);
    /* Rewritten by a load that keeps the rows as they are (gdtrain cache). */
    gd_dataset raw;
    gd_cache_outcome out;
    gd_error err;
    assert_int_equal(gd_dataset_load_cached(&raw, &c->opt, c->cache, 1, &out, &err), GD_OK);
    assert_int_equal(out.written, 1);
    assert_null(raw.mapping);
    gd_dataset_free(&raw);
    expect_ready(&rc, 1, 0, 1, "");
    ready_case_free(&rc);
}

/* The words a run keeps beside the standardized rows (the exact optimum):
 * made once, when the cache is written, and handed back bit for bit by
 * every run that maps the cache; without a maker nothing is kept. */
static const double kept[GD_CACHE_EXTRA_WORDS] = {1.5, -0.25, 3e-300, 7.0, 0.1, -0.0};

static int make_kept(const gd_dataset *ds, double words[GD_CACHE_EXTRA_WORDS], void *user)
{
    (void)ds;
    ++*(int *)user;
    memcpy(words, kept, sizeof kept);
    return 1;
}

static void load_kept(load_case *c, gd_cache_extra *extra, int used, int have)
{
    gd_dataset ds;
    gd_scaling sc;
    gd_cache_outcome out;
    gd_error err;
    memset(extra->words, 0, sizeof extra->words);
    assert_int_equal(gd_dataset_load_standardized(&ds, &sc, &c->opt, c->cache, extra, &out,
                                                  &err), GD_OK);
    assert_int_equal(out.used, used);
    assert_int_equal(extra->have, have);
    for (size_t k = 0; have && k < GD_CACHE_EXTRA_WORDS; k++)
        assert_same_bits(extra->words[k], kept[k], "kept word", k);
    gd_dataset_free(&ds);
    gd_scaling_free(&sc);
}

static void test_kept_words(void **state)
{
    (void)state;
    load_case c;
    load_case_init(&c, GD_NA_MEAN);
    int calls = 0;
    gd_cache_extra extra = {.make = make_kept, .user = &calls};
    load_kept(&c, &extra, 0, 1);
    assert_int_equal(calls, 1);
    load_kept(&c, &extra, 1, 1);
    load_kept(&c, &extra, 1, 1);
    assert_int_equal(calls, 1); /* read back, not made again */
    load_case_init(&c, GD_NA_MEAN);
    gd_cache_extra none = {0};
    load_kept(&c, &none, 0, 0);
    load_kept(&c, &none, 1, 0);
}

/* A cache without the section (one a streamed run writes): used, the rows
 * copied and standardized. */
static void test_ready_without_section(void **state)
{
    (void)state;
    ready_case rc;
    ready_case_init(&rc);
    load_case *c = &rc.c;
    gd_dataset raw;
    load_cached(c, &raw, 0, 1, "");
    gd_cache_key key;
    gd_cache_reader r;
    gd_error err;
    assert_int_equal(gd_cache_reader_open(&r, c->cache, NULL, &err), GD_OK);
    key = r.key;
    gd_cache_reader_close(&r);
    gd_cache_writer *w;
    assert_int_equal(gd_cache_writer_begin(&w, c->cache, raw.d, 1, &err), GD_OK);
    assert_int_equal(gd_cache_writer_append(w, raw.x, raw.y, raw.n, &err), GD_OK);
    assert_int_equal(gd_cache_writer_commit_dataset(w, &raw, NULL, &key, &err), GD_OK);
    assert_int_equal(gd_cache_reader_open(&r, c->cache, NULL, &err), GD_OK);
    assert_int_equal(r.has_z, 0);
    gd_cache_reader_close(&r);
    expect_ready(&rc, 1, 0, 0, "");
    gd_dataset_free(&raw);
    ready_case_free(&rc);
}

/* Where the section starts: the rows' end rounded up to a page. */
static long section_at(const load_case *c, int y)
{
    gd_cache_reader r;
    gd_error err;
    assert_int_equal(gd_cache_reader_open(&r, c->cache, NULL, &err), GD_OK);
    long at = (long)(y ? r.zy_offset : r.zx_offset);
    gd_cache_reader_close(&r);
    return at;
}

/* A byte flipped in X's z-scores, in y's, or in the statistics: never
 * trusted, rebuilt, and mapped again next time. */
static void test_damaged_section_rebuilt(void **state)
{
    (void)state;
    ready_case rc;
    ready_case_init(&rc);
    load_case *c = &rc.c;
    expect_ready(&rc, 0, 1, 0, "");
    flip_byte(c->cache, section_at(c, 0) + 9);
    expect_ready(&rc, 0, 1, 0, "block 1 of 1 of the standardized X");
    expect_ready(&rc, 1, 0, 1, "");
    flip_byte(c->cache, section_at(c, 1) + 8 * 4 + 7);
    expect_ready(&rc, 0, 1, 0, "block 1 of 1 of the standardized y");
    flip_byte(c->cache, section_at(c, 1) + 8 * 5 + 2); /* the statistics: after y's 5 rows */
    expect_ready(&rc, 0, 1, 0, "statistics' checksum does not match");
    expect_ready(&rc, 1, 0, 1, "");
    ready_case_free(&rc);
}

/* The mapped rows are read-only, so no code path can change the cache
 * through them: the kernel refuses to write into them (EFAULT from a read
 * into X and into y, where a store would be a SIGSEGV), and they still hold
 * what they held. */
static void test_mapped_rows_read_only(void **state)
{
    (void)state;
    load_case c;
    load_case_init(&c, GD_NA_MEAN);
    gd_dataset ds;
    gd_scaling sc;
    load_ready(&c, &ds, &sc, 0, 1, 0, "");
    gd_dataset_free(&ds);
    gd_scaling_free(&sc);
    load_ready(&c, &ds, &sc, 1, 0, 1, "");
    double x0 = ds.x[0], y0 = ds.y[0];
    int fd = open("/dev/zero", O_RDONLY);
    assert_true(fd >= 0);
    errno = 0;
    assert_int_equal(read(fd, ds.x, sizeof *ds.x), -1);
    assert_int_equal(errno, EFAULT);
    errno = 0;
    assert_int_equal(read(fd, ds.y, sizeof *ds.y), -1);
    assert_int_equal(errno, EFAULT);
    close(fd);
    assert_same_bits(ds.x[0], x0, "x", 0);
    assert_same_bits(ds.y[0], y0, "y", 0);
    gd_dataset_free(&ds);
    gd_scaling_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_known_answers),
        cmocka_unit_test(test_hash_pieces),
        cmocka_unit_test(test_hash_one_changed_digit),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_full_last_block),
        cmocka_unit_test(test_corrupt_header),
        cmocka_unit_test(test_truncated_and_tables),
        cmocka_unit_test(test_corrupt_block),
        cmocka_unit_test(test_writer_failures),
        cmocka_unit_test(test_cached_equals_parsed),
        cmocka_unit_test(test_stale_source),
        cmocka_unit_test(test_options_change),
        cmocka_unit_test(test_every_option_keyed),
        cmocka_unit_test(test_damaged_cache_rebuilt),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_unwritable_folder),
        cmocka_unit_test(test_standardized_section),
        cmocka_unit_test(test_ready_equals_parsed),
        cmocka_unit_test(test_kept_words),
        cmocka_unit_test(test_ready_without_section),
        cmocka_unit_test(test_damaged_section_rebuilt),
        cmocka_unit_test(test_mapped_rows_read_only),
    };
    return tests_status(cmocka_run_group_tests(tests, NULL, NULL));
}
