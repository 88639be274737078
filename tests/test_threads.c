/*
 * Threads: whatever the number of threads, gdtrain must compute the same
 * bits (docs/ARCHITECTURE.md, "Determinism": reductions over fixed blocks,
 * added in a fixed order) and
 * report the same first error. Checked for 1, 2, 3 and 4 threads on data
 * large enough to split into many pieces: about 6 MB of CSV (6 parsing
 * chunks of 1 MiB), 100000 rows (13 standardization blocks, 25 loss blocks).
 *
 * Expected values are independent of the code under test: cells are
 * compared with strtod on the very text written, sums with long double
 * computations, errors with the line and column where the generator put
 * the fault.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/dataset.h"
#include "gdtrain/loss.h"
#include "gdtrain/optim.h"
#include "gdtrain/rng.h"
#include "gdtrain/trainer.h"

enum { ROWS = 100000, FEATS = 6, COLS = FEATS + 2, MAX_THREADS = 4 };

/* ---- a generated file ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    return splitmix64(&rng_state);
}

/* The text and what it must load to. Columns: f0..f5, a text column
 * "note" (never selected), y. want[i * (FEATS + 1) + j]: feature j of row
 * i, then y. line_start[i]: byte offset of row i's line. */
typedef struct csv_file {
    char *text;
    size_t len, cap;
    double *want;
    size_t *line_start;
    size_t rows;
} csv_file;

static void put(csv_file *f, const char *s, size_t n)
{
    if (f->cap - f->len < n + 1) {
        while (f->cap - f->len < n + 1)
            f->cap = f->cap ? f->cap * 2 : 1 << 20;
        f->text = realloc(f->text, f->cap);
        assert_non_null(f->text);
    }
    memcpy(f->text + f->len, s, n);
    f->len += n;
}

static void puts_(csv_file *f, const char *s)
{
    put(f, s, strlen(s));
}

/* One number in a style chosen at random: short decimals (the parser's
 * fast path), integers, long %.17g, exponents, padded with blanks. The
 * expected value is strtod of the text. */
static double put_number(csv_file *f)
{
    char num[64];
    double u = (double)(rnd() >> 11) * 0x1p-53;
    switch (rnd() % 8) {
    case 0: snprintf(num, sizeof num, "%.17g", (u - 0.5) * 1e6); break;
    case 1: snprintf(num, sizeof num, "%.2f", u * 500.0); break;
    case 2: snprintf(num, sizeof num, "%d", (int)(rnd() % 2000001) - 1000000); break;
    case 3: snprintf(num, sizeof num, "%.4e", (u - 0.3) * 1e-3); break;
    case 4: snprintf(num, sizeof num, " %.1f ", u * 90.0); break;
    case 5: snprintf(num, sizeof num, "-%.3f", u * 10.0); break;
    case 6: snprintf(num, sizeof num, "%.12f", u); break;
    default: snprintf(num, sizeof num, "%u", (unsigned)(rnd() % 1000)); break;
    }
    puts_(f, num);
    return strtod(num, NULL);
}

/* A file of rows rows; line ends mixed LF and CRLF; empty lines at the end
 * (which loading drops). */
static csv_file make_file(size_t rows, uint64_t seed)
{
    csv_file f = {0};
    rng_state = seed;
    f.rows = rows;
    f.want = malloc(rows * (FEATS + 1) * sizeof *f.want);
    f.line_start = malloc(rows * sizeof *f.line_start);
    assert_non_null(f.want);
    assert_non_null(f.line_start);
    puts_(&f, "f0,f1,f2,f3,f4,f5,note,y\n");
    for (size_t i = 0; i < rows; i++) {
        f.line_start[i] = f.len;
        for (size_t c = 0; c < COLS; c++) {
            if (c > 0)
                puts_(&f, ",");
            if (c == FEATS) {
                char note[32];
                snprintf(note, sizeof note, "r%zu", i);
                puts_(&f, note);
                continue;
            }
            size_t k = c < FEATS ? c : FEATS;
            f.want[i * (FEATS + 1) + k] = put_number(&f);
        }
        if (i + 1 < rows)
            puts_(&f, i % 7 == 3 ? "\r\n" : "\n");
    }
    puts_(&f, "\n\r\n\n");
    return f;
}

static void free_file(csv_file *f)
{
    free(f->text);
    free(f->want);
    free(f->line_start);
    memset(f, 0, sizeof *f);
}

/* The file every test starts from, made once (making it is the slow part
 * under the sanitizers), and a copy of it that a test may change. */
static csv_file base;

static int make_base(void **state)
{
    (void)state;
    base = make_file(ROWS, 11);
    return 0;
}

static int free_base(void **state)
{
    (void)state;
    free_file(&base);
    return 0;
}

/* A copy of the base file's first `rows` rows (the error tests use 60000:
 * still 3 parsing chunks, and less work under Valgrind). */
static csv_file copy_base(size_t rows)
{
    csv_file f = base;
    f.rows = rows;
    f.len = rows < ROWS ? base.line_start[rows] : base.len;
    f.cap = f.len + 1;
    f.text = malloc(f.cap);
    f.want = malloc(rows * (FEATS + 1) * sizeof *f.want);
    f.line_start = malloc(rows * sizeof *f.line_start);
    assert_true(f.text && f.want && f.line_start);
    memcpy(f.text, base.text, f.len);
    memcpy(f.want, base.want, rows * (FEATS + 1) * sizeof *f.want);
    memcpy(f.line_start, base.line_start, rows * sizeof *f.line_start);
    return f;
}

enum { ERR_ROWS = 60000 };

static gd_status load_path(const char *path, int threads, gd_dataset *ds, gd_error *err)
{
    static const char *const feats[] = {"f0", "f1", "f2", "f3", "f4", "f5"};
    gd_load_options opt;
    memset(&opt, 0, sizeof opt);
    opt.path = path;
    opt.target = "y";
    opt.features = feats;
    opt.nfeatures = FEATS;
    opt.need_target = 1;
    opt.threads = threads;
    gd_error_clear(err);
    return gd_dataset_load(ds, &opt, err);
}

/* Counts the cells of ds that differ in bits from want. */
static size_t count_bad_cells(const gd_dataset *ds, const double *want)
{
    size_t bad = 0;
    for (size_t i = 0; i < ds->n; i++) {
        for (size_t j = 0; j < FEATS; j++)
            bad += memcmp(&ds->x[i * FEATS + j], &want[i * (FEATS + 1) + j],
                          sizeof(double)) != 0;
        bad += memcmp(&ds->y[i], &want[i * (FEATS + 1) + FEATS], sizeof(double)) != 0;
    }
    return bad;
}

/* ---- loading ---- */

static void test_load_same_bits(void **state)
{
    (void)state;
    const csv_file f = base;
    assert_true(f.len > 5 * (1 << 20)); /* many parsing chunks */
    const char *path = write_temp_file(f.text, f.len);
    for (int t = 1; t <= MAX_THREADS; t++) {
        gd_dataset ds;
        gd_error err;
        assert_int_equal(load_path(path, t, &ds, &err), GD_OK);
        assert_int_equal(ds.n, ROWS);
        assert_int_equal(ds.d, FEATS);
        assert_int_equal(count_bad_cells(&ds, f.want), 0);
        gd_dataset_free(&ds);
    }
}

/* The error of the first bad place in file order, whichever thread meets
 * it, and whichever other errors come later. */
static void expect_first_error(const csv_file *f, long line, long col, const char *frag)
{
    const char *path = write_temp_file(f->text, f->len);
    for (int t = 1; t <= MAX_THREADS; t++) {
        gd_dataset ds;
        gd_error err;
        gd_status st = load_path(path, t, &ds, &err);
        if (st != GD_ERR_DATA || err.line != line || err.column != col ||
            strstr(err.message, frag) == NULL) {
            print_error("threads %d: got %d at %ld:%ld: %s\n  expected %ld:%ld [%s]\n", t,
                        (int)st, err.line, err.column, err.message, line, col, frag);
            fail();
        }
        assert_null(ds.x);
        gd_dataset_free(&ds);
    }
}

/* The 1-based column of field c of row i. */
static long field_col(const csv_file *f, size_t i, size_t c)
{
    size_t p = f->line_start[i];
    for (size_t k = 0; k < c; k++)
        p = (size_t)((char *)memchr(f->text + p, ',', f->len - p) - f->text) + 1;
    return (long)(p - f->line_start[i]) + 1;
}

/* Overwrites the first byte of row i's field c with b; *line and *col: its
 * place in the file. */
static void poke(csv_file *f, size_t i, size_t c, char b, long *line, long *col)
{
    *line = (long)i + 2; /* the header is line 1 */
    *col = field_col(f, i, c);
    f->text[f->line_start[i] + (size_t)*col - 1] = b;
}

static void test_first_error_wins(void **state)
{
    (void)state;
    long line, col, l2, c2;
    csv_file f = copy_base(ERR_ROWS);
    assert_true(f.len > 3 * (1 << 20));
    /* A cell that is not a number near the end, then another one early on:
     * the early one is reported. Column 7 is y; "q" replaces its first
     * character, so the cell is never a number. */
    poke(&f, ERR_ROWS - 100, 7, 'q', &l2, &c2);
    expect_first_error(&f, l2, c2, "column 'y': expected a number");
    poke(&f, ERR_ROWS / 8, 2, 'x', &line, &col);
    expect_first_error(&f, line, col, "column 'f2': expected a number");
    free_file(&f);

    /* A NUL byte late, a row with too many fields earlier: the note
     * "r30000" becomes ",30000", so the old y field is a ninth field. */
    f = copy_base(ERR_ROWS);
    poke(&f, ERR_ROWS - 3000, 0, '\0', &line, &col);
    expect_first_error(&f, line, col, "NUL byte");
    poke(&f, ERR_ROWS / 2, 6, ',', &line, &col);
    expect_first_error(&f, line, field_col(&f, ERR_ROWS / 2, 8), "found 9: extra field");
    free_file(&f);

    /* A bare CR in the middle of a row. */
    f = copy_base(ERR_ROWS);
    poke(&f, ERR_ROWS / 3, 6, '\r', &line, &col);
    expect_first_error(&f, line, col, "carriage return");
    free_file(&f);
}

static void test_empty_line_in_the_middle(void **state)
{
    (void)state;
    csv_file f = copy_base(ERR_ROWS);
    /* Make row 51234's line empty: shift the rest of the text left. */
    size_t i = 51234, p = f.line_start[i];
    size_t end = (size_t)((char *)memchr(f.text + p, '\n', f.len - p) - f.text);
    if (f.text[end - 1] == '\r')
        end--;
    memmove(f.text + p, f.text + end, f.len - end);
    f.len -= end - p;
    expect_first_error(&f, (long)i + 2, 1, "expected 8 fields as in the header, found 1");
    free_file(&f);
}

/* A quoted field spanning lines, deep in the file: the lines inside it look
 * like data rows, but they are one cell of a single record. */
static void test_quoted_newlines(void **state)
{
    (void)state;
    csv_file f = copy_base(ERR_ROWS);
    size_t i = 40000;
    /* Row i's note "r40000" becomes a quoted cell holding two fake rows. */
    size_t p = f.line_start[i];
    for (int k = 0; k < 6; k++)
        p = (size_t)((char *)memchr(f.text + p, ',', f.len - p) - f.text) + 1;
    static const char fake[] = "\"1,2,3,4,5,6,x,7\n8,9,10,11,12,13,\"\"y\"\",14\n\"";
    size_t old = strlen("r40000"), add = sizeof fake - 1;
    assert_true(memcmp(f.text + p, "r40000", old) == 0);
    put(&f, "", 0);
    while (f.cap - f.len < add + 1) {
        f.cap *= 2;
        f.text = realloc(f.text, f.cap);
        assert_non_null(f.text);
    }
    memmove(f.text + p + add, f.text + p + old, f.len - p - old);
    memcpy(f.text + p, fake, add);
    f.len += add - old;
    const char *path = write_temp_file(f.text, f.len);
    for (int t = 1; t <= MAX_THREADS; t++) {
        gd_dataset ds;
        gd_error err;
        gd_status st = load_path(path, t, &ds, &err);
        if (st != GD_OK) {
            print_error("threads %d: %ld:%ld: %s\n", t, err.line, err.column, err.message);
            fail();
        }
        assert_int_equal(ds.n, ERR_ROWS);
        assert_int_equal(count_bad_cells(&ds, f.want), 0);
        gd_dataset_free(&ds);
    }
    /* An error after the quoted field is reported on its physical line
     * (two more than its row's). */
    long line, col;
    f.line_start[ERR_ROWS - 10] += add - old;
    poke(&f, ERR_ROWS - 10, 1, 'z', &line, &col);
    expect_first_error(&f, line + 2, col, "column 'f1'");
    free_file(&f);
}

/* ---- standardization, loss, training ---- */

/* Loads the file with t threads and standardizes it (with t threads). */
static void load_standardized(const char *path, int t, gd_dataset *ds, gd_scaling *sc)
{
    gd_error err;
    assert_int_equal(load_path(path, t, ds, &err), GD_OK);
    assert_int_equal(ds->threads, t);
    assert_int_equal(gd_dataset_standardize(ds, sc, &err), GD_OK);
}

static void test_standardize_same_bits(void **state)
{
    (void)state;
    const csv_file f = base;
    const char *path = write_temp_file(f.text, f.len);
    gd_dataset ref;
    gd_scaling rsc;
    load_standardized(path, 1, &ref, &rsc);
    /* Against long double two-pass statistics of the values written. */
    for (size_t j = 0; j <= FEATS; j++) {
        long double sum = 0, ss = 0;
        for (size_t i = 0; i < ROWS; i++)
            sum += f.want[i * (FEATS + 1) + j];
        long double mean = sum / ROWS;
        for (size_t i = 0; i < ROWS; i++) {
            long double dev = f.want[i * (FEATS + 1) + j] - mean;
            ss += dev * dev;
        }
        double sd = (double)sqrtl(ss / ROWS);
        double m = j < FEATS ? rsc.x_mean[j] : rsc.y_mean;
        double s = j < FEATS ? rsc.x_std[j] : rsc.y_std;
        assert_close_abs(m, (double)mean, 1e-13 * sd);
        assert_close_rel(s, sd, 1e-13);
    }
    for (int t = 2; t <= MAX_THREADS; t++) {
        gd_dataset ds;
        gd_scaling sc;
        load_standardized(path, t, &ds, &sc);
        assert_memory_equal(ds.x, ref.x, ROWS * FEATS * sizeof(double));
        assert_memory_equal(ds.y, ref.y, ROWS * sizeof(double));
        assert_memory_equal(sc.x_mean, rsc.x_mean, FEATS * sizeof(double));
        assert_memory_equal(sc.x_std, rsc.x_std, FEATS * sizeof(double));
        assert_true(memcmp(&sc.y_mean, &rsc.y_mean, sizeof(double)) == 0);
        assert_true(memcmp(&sc.y_std, &rsc.y_std, sizeof(double)) == 0);
        gd_scaling_free(&sc);
        gd_dataset_free(&ds);
    }
    gd_scaling_free(&rsc);
    gd_dataset_free(&ref);
}

static void test_loss_same_bits(void **state)
{
    (void)state;
    const char *path = write_temp_file(base.text, base.len);
    gd_dataset ds;
    gd_scaling sc;
    load_standardized(path, 2, &ds, &sc);
    double params[FEATS + 1] = {0.3, -0.2, 0.1, 0.05, -0.4, 0.25, 0.01};
    size_t *order = malloc(ROWS * sizeof *order);
    assert_non_null(order);
    for (size_t i = 0; i < ROWS; i++)
        order[i] = i;
    gd_rng rng;
    gd_rng_seed(&rng, 5);
    gd_rng_shuffle(&rng, order, ROWS);

    gd_rows batches[3] = {
        gd_rows_all(&ds),                   /* contiguous, every row */
        {order, 1000, ROWS - 2000},         /* a shuffled list, parallel too */
        {NULL, 777, 5 * GD_LOSS_BLOCK + 3}, /* a shorter range, one thread */
    };
    double ref_mse[3], ref_grad[3][FEATS + 1], ref_nograd[3];
    for (int t = 1; t <= MAX_THREADS; t++) {
        gd_loss *loss;
        gd_error err;
        assert_int_equal(gd_loss_create(&loss, &ds, t, &err), GD_OK);
        for (int b = 0; b < 3; b++) {
            double g[FEATS + 1];
            double mse = gd_loss_eval(loss, batches[b], params, g);
            double mse2 = gd_loss_eval(loss, batches[b], params, NULL);
            if (t == 1) {
                double ng[FEATS + 1];
                const size_t *rows = batches[b].index ? batches[b].index + batches[b].begin
                                                      : NULL;
                size_t *seq = NULL;
                if (rows == NULL) {
                    seq = malloc(batches[b].count * sizeof *seq);
                    assert_non_null(seq);
                    for (size_t k = 0; k < batches[b].count; k++)
                        seq[k] = batches[b].begin + k;
                    rows = seq;
                }
                double nmse = naive_mse_grad(&ds, rows, batches[b].count, params, ng);
                free(seq);
                assert_close_rel(mse, nmse, 1e-12);
                for (size_t j = 0; j <= FEATS; j++)
                    assert_close_abs(g[j], ng[j], 1e-12 * (1 + fabs(ng[j])));
                ref_mse[b] = mse;
                ref_nograd[b] = mse2;
                memcpy(ref_grad[b], g, sizeof g);
            } else {
                assert_true(memcmp(&mse, &ref_mse[b], sizeof mse) == 0);
                assert_true(memcmp(&mse2, &ref_nograd[b], sizeof mse) == 0);
                assert_memory_equal(g, ref_grad[b], sizeof g);
            }
        }
        gd_loss_free(loss);
    }
    free(order);
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
}

static void test_train_same_bits(void **state)
{
    (void)state;
    const char *path = write_temp_file(base.text, base.len);
    /* Full-batch adam, then shuffled mini-batches of sgd on a validation
     * split (two evaluators, each with its threads), then sgd on blocks of
     * rows shuffled block by block. */
    double ref[3][FEATS + 1];
    gd_train_result rres[3];
    for (int t = 1; t <= MAX_THREADS; t++) {
        gd_dataset ds, val;
        gd_scaling sc;
        gd_error err;
        load_standardized(path, t, &ds, &sc);
        memset(&val, 0, sizeof val);
        for (int k = 0; k < 3; k++) {
            gd_train_config cfg;
            gd_train_config_default(&cfg, gd_optimizer_find(k == 0 ? "adam" : "sgd"));
            cfg.threads = t;
            cfg.tol = 0;
            cfg.grad_tol = 0;
            if (k == 0) {
                cfg.max_epochs = 12;
            } else if (k == 2) {
                cfg.max_epochs = 2;
                cfg.batch_size = 100;
                cfg.shuffle = GD_SHUFFLE_BLOCKS;
            } else {
                cfg.max_epochs = 3; /* from the second, rows laid out by the helper */
                cfg.batch_size = 512;
                assert_int_equal(gd_dataset_split(&ds, 0.25, 3, &val, &err), GD_OK);
                assert_int_equal(val.threads, t);
                cfg.val = &val;
            }
            double params[FEATS + 1];
            gd_train_result res;
            assert_int_equal(gd_train(&ds, &cfg, params, &res, NULL, NULL, &err), GD_OK);
            assert_true(isfinite(res.train_loss) && res.epochs == cfg.max_epochs);
            if (t == 1) {
                memcpy(ref[k], params, sizeof params);
                rres[k] = res;
            } else {
                assert_memory_equal(params, ref[k], sizeof params);
                assert_int_equal(res.steps, rres[k].steps);
                assert_true(memcmp(&res.train_loss, &rres[k].train_loss, sizeof(double)) == 0);
                assert_true(memcmp(&res.grad_norm, &rres[k].grad_norm, sizeof(double)) == 0);
                assert_true(memcmp(&res.val_loss, &rres[k].val_loss, sizeof(double)) == 0);
            }
        }
        gd_dataset_free(&val);
        gd_scaling_free(&sc);
        gd_dataset_free(&ds);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_same_bits),
        cmocka_unit_test(test_first_error_wins),
        cmocka_unit_test(test_empty_line_in_the_middle),
        cmocka_unit_test(test_quoted_newlines),
        cmocka_unit_test(test_standardize_same_bits),
        cmocka_unit_test(test_loss_same_bits),
        cmocka_unit_test(test_train_same_bits),
    };
    return cmocka_run_group_tests(tests, make_base, free_base);
}
