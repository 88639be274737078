/*
 * Tests for model (parameters, prediction, file format) and atomicfile.
 *
 * Expected numbers come from hand calculation (values chosen to be exact in
 * binary), from strtod (bit-exact round trips), or from an independent
 * formula (the original-unit form checked against the standardized one).
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/atomicfile.h"
#include "gdtrain/model.h"
#include "gdtrain/rng.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

/* Names that stress the format: separators, quotes, escapes, line breaks,
 * UTF-8, and text that looks like the format's own lines. */
static const char *const tricky_names[] = {
    "area",
    "living area (m\xc2\xb2)",
    "price, \"net\"",
    "back\\slash",
    "line\nbreak",
    "cr\rhere\r\n",
    "\\n is not a newline",
    " leading space",
    "trailing space ",
    "tab\there",
    "#hash",
    "",
    "\xc3\x85\xc3\x84\xc3\x96 \xe4\xbe\xa1\xe6\xa0\xbc",
    "end",
    "feature 1 2 3 4 x",
    "a\\",
    "\\",
    "\n",
    "  ",
};
#define NTRICKY (sizeof tricky_names / sizeof tricky_names[0])


static void write_all(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* A new empty folder; its path is copied into dir. */

static int file_exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

static void assert_model_zeroed(const gd_model *m)
{
    assert_int_equal(m->d, 0);
    assert_null(m->target);
    assert_null(m->features);
    assert_null(m->weights);
    assert_null(m->w_std);
    assert_null(m->scaling.x_mean);
    assert_null(m->scaling.x_std);
    assert_int_equal(m->ninfo, 0);
    assert_null(m->info_keys);
}

/* Compares every field of two models bit for bit. */
static void assert_models_identical(const gd_model *a, const gd_model *b)
{
    assert_int_equal(a->d, b->d);
    assert_string_equal(a->target, b->target);
    assert_same_bits(a->intercept, b->intercept, "intercept", 0);
    assert_same_bits(a->b_std, b->b_std, "b_std", 0);
    assert_same_bits(a->scaling.y_mean, b->scaling.y_mean, "y_mean", 0);
    assert_same_bits(a->scaling.y_std, b->scaling.y_std, "y_std", 0);
    assert_int_equal(b->scaling.d, a->d);
    for (size_t j = 0; j < a->d; j++) {
        assert_string_equal(a->features[j], b->features[j]);
        assert_same_bits(a->weights[j], b->weights[j], "weights", j);
        assert_same_bits(a->w_std[j], b->w_std[j], "w_std", j);
        assert_same_bits(a->scaling.x_mean[j], b->scaling.x_mean[j], "x_mean", j);
        assert_same_bits(a->scaling.x_std[j], b->scaling.x_std[j], "x_std", j);
    }
    assert_int_equal(a->ninfo, b->ninfo);
    for (size_t i = 0; i < a->ninfo; i++) {
        assert_string_equal(a->info_keys[i], b->info_keys[i]);
        assert_string_equal(a->info_values[i], b->info_values[i]);
    }
}

/* The model of the hand calculations below:
 *   x_mean = {10, 100}, x_std = {2, 50}, y_mean = 1000, y_std = 10,
 *   w_std = {0.5, -0.25}, b_std = 0.125.
 * Original units (by hand):
 *   weights = {10 * 0.5 / 2, 10 * -0.25 / 50} = {2.5, -0.05}
 *   intercept = 1000 + 10 * (0.125 - (0.5 * 10 / 2 + -0.25 * 100 / 50))
 *             = 1000 + 10 * (0.125 - 2) = 981.25 */
static void make_hand_model(gd_model *m)
{
    static const char *const names[] = {"area", "age"};
    gd_error err;
    assert_int_equal(gd_model_init(m, 2, "price", names, &err), GD_OK);
    double x_mean[] = {10, 100}, x_std[] = {2, 50};
    unsigned char constant[] = {0, 0};
    gd_scaling sc = {2, x_mean, x_std, constant, 1000, 10, 0};
    assert_int_equal(gd_model_set_scaling(m, &sc, &err), GD_OK);
    double params[] = {0.5, -0.25, 0.125};
    gd_model_set_params(m, params);
}

/* ---------------------------------------------------------------------- */
/* Building a model                                                        */

static void test_init_and_free(void **state)
{
    (void)state;
    const char *names[] = {"a", "b", "c"};
    gd_model m;
    gd_error err;
    assert_int_equal(gd_model_init(&m, 3, "y", names, &err), GD_OK);
    assert_int_equal(m.d, 3);
    assert_string_equal(m.target, "y");
    for (size_t j = 0; j < 3; j++) {
        assert_string_equal(m.features[j], names[j]);
        assert_ptr_not_equal(m.features[j], names[j]);
        assert_true(m.weights[j] == 0 && m.w_std[j] == 0);
        assert_true(m.scaling.x_mean[j] == 0 && m.scaling.x_std[j] == 1);
        assert_int_equal(m.scaling.constant[j], 0);
    }
    assert_true(m.intercept == 0 && m.b_std == 0);
    assert_true(m.scaling.y_mean == 0 && m.scaling.y_std == 1);
    assert_int_equal(m.scaling.d, 3);
    assert_int_equal(m.ninfo, 0);
    double x[] = {5, -7, 9};
    assert_true(gd_model_predict(&m, x) == 0);
    gd_model_free(&m);
    assert_model_zeroed(&m);
    gd_model_free(&m); /* a zeroed struct is fine */
    gd_model_free(NULL);

    /* No features: predicts y_mean + y_std * b_std. */
    assert_int_equal(gd_model_init(&m, 0, "y", NULL, &err), GD_OK);
    double p[] = {0.5};
    gd_model_set_params(&m, p);
    assert_true(gd_model_predict(&m, NULL) == 0.5);
    gd_model_free(&m);
}

static void test_info(void **state)
{
    (void)state;
    gd_model m;
    gd_error err;
    assert_int_equal(gd_model_init(&m, 0, "y", NULL, &err), GD_OK);
    assert_null(gd_model_get_info(&m, "optimizer"));
    assert_int_equal(gd_model_set_info(&m, "optimizer", "sgd", &err), GD_OK);
    assert_int_equal(gd_model_set_info(&m, "seed", "42", &err), GD_OK);
    assert_int_equal(gd_model_set_info(&m, "optimizer", "adam", &err), GD_OK);
    assert_int_equal(m.ninfo, 2);
    assert_string_equal(gd_model_get_info(&m, "optimizer"), "adam");
    assert_string_equal(gd_model_get_info(&m, "seed"), "42");
    assert_string_equal(m.info_keys[0], "optimizer"); /* first-set order kept */
    assert_null(gd_model_get_info(&m, "Optimizer"));
    gd_model_free(&m);
}

static void test_set_scaling_copies(void **state)
{
    (void)state;
    const char *names[] = {"a", "b"};
    gd_model m;
    gd_error err;
    assert_int_equal(gd_model_init(&m, 2, "y", names, &err), GD_OK);
    double x_mean[] = {1, 2}, x_std[] = {3, 4};
    unsigned char constant[] = {0, 1};
    gd_scaling sc = {2, x_mean, x_std, constant, 5, 6, 1};
    assert_int_equal(gd_model_set_scaling(&m, &sc, &err), GD_OK);
    x_mean[0] = x_std[0] = 99;
    constant[1] = 0;
    assert_true(m.scaling.x_mean[0] == 1 && m.scaling.x_mean[1] == 2);
    assert_true(m.scaling.x_std[0] == 3 && m.scaling.x_std[1] == 4);
    assert_int_equal(m.scaling.constant[1], 1);
    assert_true(m.scaling.y_mean == 5 && m.scaling.y_std == 6);
    assert_int_equal(m.scaling.y_constant, 1);
    assert_int_equal(gd_model_set_scaling(&m, &sc, &err), GD_OK); /* replaces */
    assert_true(m.scaling.x_mean[0] == 99);
    gd_model_free(&m);
}

/* ---------------------------------------------------------------------- */
/* Prediction and original units                                           */

static void test_predict_hand(void **state)
{
    (void)state;
    gd_model m;
    make_hand_model(&m);
    /* x = {14, 0}: z = {(14 - 10) / 2, (0 - 100) / 50} = {2, -2};
     * s = 0.125 + 0.5 * 2 + -0.25 * -2 = 1.625; y = 1000 + 10 * 1.625. */
    double x1[] = {14, 0};
    assert_true(gd_model_predict(&m, x1) == 1016.25);
    /* x = the means: y = 1000 + 10 * 0.125. */
    double x2[] = {10, 100};
    assert_true(gd_model_predict(&m, x2) == 1001.25);
    /* x = {9, 150}: z = {-0.5, 1}; s = 0.125 - 0.25 - 0.25 = -0.375 -> 996.25 */
    double x3[] = {9, 150};
    assert_true(gd_model_predict(&m, x3) == 996.25);
    gd_model_free(&m);
}

/* The header fixes the order: s = b_std, then s += term_j for j ascending.
 * With b_std = 2^53 and two terms of 1, each addition is a tie that rounds
 * back to 2^53 (even), so the result is 2^53; adding the terms first (or
 * starting from 0) would give 2^53 + 2. */
static void test_predict_operation_order(void **state)
{
    (void)state;
    const char *names[] = {"a", "b"};
    gd_model m;
    gd_error err;
    assert_int_equal(gd_model_init(&m, 2, "y", names, &err), GD_OK);
    double two53 = 9007199254740992.0;
    double params[] = {1, 1, two53};
    gd_model_set_params(&m, params);
    double x[] = {1, 1};
    assert_true(gd_model_predict(&m, x) == two53);
    /* (x - mean) / std, not x / std - mean / std: with x = 0.3, mean = 0.1,
     * std = 0.1 the first is 1.9999999999999998 and the second
     * 1.9999999999999996 (both worked out with Python's exact fractions,
     * rounding after each operation). */
    gd_model_free(&m);
    const char *one[] = {"a"};
    assert_int_equal(gd_model_init(&m, 1, "y", one, &err), GD_OK);
    m.scaling.x_mean[0] = 0.1;
    m.scaling.x_std[0] = 0.1;
    double p1[] = {1, 0};
    gd_model_set_params(&m, p1);
    double x1[] = {0.3};
    assert_true(gd_model_predict(&m, x1) == strtod("1.9999999999999998", NULL));
    gd_model_free(&m);
}

static void test_original_units_hand(void **state)
{
    (void)state;
    gd_model m;
    make_hand_model(&m);
    assert_true(m.w_std[0] == 0.5 && m.w_std[1] == -0.25 && m.b_std == 0.125);
    assert_true(m.weights[0] == 2.5);
    assert_true(m.weights[1] == -0.05); /* -2.5 / 50, correctly rounded */
    assert_true(m.intercept == 981.25);
    /* 981.25 + 2.5 * 14 + -0.05 * 0 = 1016.25, the standardized prediction. */
    double x[] = {14, 0};
    assert_true(m.intercept + m.weights[0] * x[0] + m.weights[1] * x[1] ==
                gd_model_predict(&m, x));
    gd_model_free(&m);
}

static void test_original_units_random(void **state)
{
    (void)state;
    gd_rng r;
    gd_rng_seed(&r, 20240611);
    for (int trial = 0; trial < 200; trial++) {
        size_t d = 1 + (size_t)gd_rng_below(&r, 12);
        const char *names[12];
        for (size_t j = 0; j < d; j++)
            names[j] = "x";
        gd_model m;
        gd_error err;
        assert_int_equal(gd_model_init(&m, d, "y", names, &err), GD_OK);
        double params[13];
        for (size_t j = 0; j < d; j++) {
            m.scaling.x_mean[j] = (gd_rng_uniform(&r) - 0.5) * 2000;
            m.scaling.x_std[j] = 0.01 + gd_rng_uniform(&r) * 100;
            params[j] = gd_rng_normal(&r);
        }
        params[d] = gd_rng_normal(&r);
        m.scaling.y_mean = (gd_rng_uniform(&r) - 0.5) * 1e6;
        m.scaling.y_std = 0.1 + gd_rng_uniform(&r) * 1e4;
        gd_model_set_params(&m, params);
        for (int row = 0; row < 20; row++) {
            double x[12];
            double sum = m.intercept, scale = fabs(m.intercept);
            for (size_t j = 0; j < d; j++) {
                x[j] = m.scaling.x_mean[j] + 3 * m.scaling.x_std[j] * gd_rng_normal(&r);
                sum += m.weights[j] * x[j];
                scale += fabs(m.weights[j] * x[j]);
            }
            double pred = gd_model_predict(&m, x);
            scale = fmax(scale, fabs(pred));
            assert_close_abs(sum, pred, 1e-12 * scale);
        }
        gd_model_free(&m);
    }
}

static void test_constant_column(void **state)
{
    (void)state;
    static const char *const names[] = {"area", "const", "age"};
    gd_model m;
    gd_error err;
    assert_int_equal(gd_model_init(&m, 3, "price", names, &err), GD_OK);
    double x_mean[] = {10, 7, 100}, x_std[] = {2, 1, 50};
    unsigned char constant[] = {0, 1, 0};
    gd_scaling sc = {3, x_mean, x_std, constant, 1000, 10, 0};
    assert_int_equal(gd_model_set_scaling(&m, &sc, &err), GD_OK);
    double params[] = {0.5, 3.0, -0.25, 0.125};
    gd_model_set_params(&m, params);
    assert_true(m.w_std[1] == 0 && !signbit(m.w_std[1]));
    assert_true(m.weights[1] == 0);
    /* Same numbers as the hand model: the constant column adds nothing. */
    assert_true(m.weights[0] == 2.5 && m.weights[2] == -0.05);
    assert_true(m.intercept == 981.25);
    double x[] = {14, 7, 0};
    assert_true(gd_model_predict(&m, x) == 1016.25);
    x[1] = -12345; /* whatever the constant column holds */
    assert_true(gd_model_predict(&m, x) == 1016.25);
    gd_model_free(&m);
}

/* ---------------------------------------------------------------------- */
/* Saving and loading                                                      */

static void test_file_text(void **state)
{
    (void)state;
    gd_model m;
    gd_error err;
    make_hand_model(&m);
    free(m.features[1]);
    m.features[1] = strdup("age, \"years\"\\\nnew");
    assert_int_equal(gd_model_set_info(&m, "optimizer", "adam", &err), GD_OK);
    assert_int_equal(gd_model_set_info(&m, "note", "a\rb", &err), GD_OK);
    char path[256];
    snprintf(path, sizeof path, "%s", temp_path("hand.model"));
    assert_int_equal(gd_model_save(&m, path, &err), GD_OK);
    char *text = read_all(path, NULL);
    /* Written by hand from the format in model.h; -0.05 is the nearest
     * double to -0.05 (-0.05000000000000000277...), so it is written "-0.05",
     * the shortest decimal that reads back as it (%.17g would show
     * -0.050000000000000003). */
    const char *want =
        "# gdtrain model file; see 'man gdtrain' for the format\n"
        "gdtrain-model 1\n"
        "target price\n"
        "features 2\n"
        "intercept 981.25\n"
        "target_scaling 1000 10\n"
        "bias_std 0.125\n"
        "# feature <weight> <w_std> <x_mean> <x_std> <name>\n"
        "feature 2.5 0.5 10 2 area\n"
        "feature -0.05 -0.25 100 50 age, \"years\"\\\\\\nnew\n"
        "info optimizer adam\n"
        "info note a\\rb\n"
        "end\n";
    assert_string_equal(text, want);
    free(text);
    gd_model_free(&m);
}

static void test_roundtrip_random(void **state)
{
    (void)state;
    static const char *const keys[] = {"optimizer", "seed", "lr", "stop_reason",
                                       "note", "k\xc3\xa9y", "x=1"};
    gd_rng r;
    gd_rng_seed(&r, 7);
    char path[256];
    snprintf(path, sizeof path, "%s", temp_path("random.model"));
    /* Few saves (each one syncs to disk) of many numbers each. */
    for (int trial = 0; trial < 80; trial++) {
        size_t d = (size_t)gd_rng_below(&r, trial < 10 ? 3 : 65);
        /* Distinct names (a loaded model's are): a tricky name and the
         * feature's number; the target is a tricky name alone. */
        const char *names[64];
        char storage[64][64];
        for (size_t j = 0; j < d; j++) {
            snprintf(storage[j], sizeof storage[j], "%s%zu",
                     tricky_names[gd_rng_below(&r, NTRICKY)], j);
            names[j] = storage[j];
        }
        gd_model m, back;
        gd_error err;
        assert_int_equal(gd_model_init(&m, d, tricky_names[gd_rng_below(&r, NTRICKY)],
                                       names, &err), GD_OK);
        m.intercept = random_finite(&r);
        m.b_std = random_finite(&r);
        m.scaling.y_mean = random_finite(&r);
        m.scaling.y_std = random_positive(&r);
        for (size_t j = 0; j < d; j++) {
            m.weights[j] = random_finite(&r);
            m.w_std[j] = random_finite(&r);
            m.scaling.x_mean[j] = random_finite(&r);
            m.scaling.x_std[j] = random_positive(&r);
        }
        size_t ninfo = (size_t)gd_rng_below(&r, 5);
        for (size_t i = 0; i < ninfo; i++)
            assert_int_equal(gd_model_set_info(&m, keys[gd_rng_below(&r, 7)],
                                               tricky_names[gd_rng_below(&r, NTRICKY)],
                                               &err), GD_OK);
        assert_int_equal(gd_model_save(&m, path, &err), GD_OK);
        if (gd_model_load(&back, path, &err) != GD_OK) {
            char msg[1400];
            print_error("load failed: %s\n", gd_error_format(&err, msg, sizeof msg));
            fail();
        }
        assert_models_identical(&m, &back);
        gd_model_free(&m);
        gd_model_free(&back);
    }
}

/* Every tricky name, in one model, as target, features and info values. */
static void test_roundtrip_names(void **state)
{
    (void)state;
    gd_model m, back;
    gd_error err;
    assert_int_equal(gd_model_init(&m, NTRICKY, "price \\ \"\xe2\x82\xac\"\n",
                                   tricky_names, &err), GD_OK);
    char key[32];
    for (size_t i = 0; i < NTRICKY; i++) {
        snprintf(key, sizeof key, "key%zu", i);
        assert_int_equal(gd_model_set_info(&m, key, tricky_names[i], &err), GD_OK);
    }
    char path[256];
    snprintf(path, sizeof path, "%s", temp_path("names.model"));
    assert_int_equal(gd_model_save(&m, path, &err), GD_OK);
    /* Escaping keeps one line per field: 1 comment + 6 header lines + 1
     * comment + d features + info + end. */
    size_t len;
    char *text = read_all(path, &len);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 8 + NTRICKY + NTRICKY + 1);
    assert_null(strchr(text, '\r'));
    free(text);
    assert_int_equal(gd_model_load(&back, path, &err), GD_OK);
    assert_models_identical(&m, &back);
    for (size_t i = 0; i < NTRICKY; i++) {
        snprintf(key, sizeof key, "key%zu", i);
        assert_string_equal(gd_model_get_info(&back, key), tricky_names[i]);
    }
    gd_model_free(&back);
    gd_model_free(&m);
}

/* A loaded model predicts exactly as the saved one (same bits in, same
 * formula), and the hand numbers survive. */
static void test_load_predicts_the_same(void **state)
{
    (void)state;
    gd_model m, back;
    gd_error err;
    make_hand_model(&m);
    char path[256];
    snprintf(path, sizeof path, "%s", temp_path("same.model"));
    assert_int_equal(gd_model_save(&m, path, &err), GD_OK);
    assert_int_equal(gd_model_load(&back, path, &err), GD_OK);
    double x[] = {14, 0};
    assert_true(gd_model_predict(&back, x) == 1016.25);
    assert_true(back.intercept == 981.25 && back.weights[1] == -0.05);
    gd_model_free(&back);
    gd_model_free(&m);
}

/* A hand-written file with the liberties the format allows: comments and
 * blank lines anywhere, CRLF line ends, fields in another order, several
 * blanks between numbers, trailing blanks after numbers, an empty info
 * value. */
static void test_load_liberal_layout(void **state)
{
    (void)state;
    const char *text =
        "\r\n"
        "# a model\r\n"
        "gdtrain-model 1\r\n"
        "intercept   981.25  \r\n"
        "\t \r\n"
        "features 2\r\n"
        "bias_std\t0.125\r\n"
        "target_scaling 1000 1e1\r\n"
        "feature 2.5 0.5 10 2 area\r\n"
        "# between features\r\n"
        "feature -0.05 -.25 100. +50  age (y)\r\n"
        "target price\r\n"
        "info empty\r\n"
        "info spaced  two  \r\n"
        "end\r\n"
        "# trailing comment\r\n"
        "\r\n";
    const char *path = write_temp_file(text, strlen(text));
    gd_model m;
    gd_error err;
    assert_int_equal(gd_model_load(&m, path, &err), GD_OK);
    assert_string_equal(m.target, "price");
    assert_int_equal(m.d, 2);
    assert_string_equal(m.features[0], "area");
    assert_string_equal(m.features[1], " age (y)");
    assert_true(m.w_std[1] == -0.25 && m.scaling.x_mean[1] == 100 &&
                m.scaling.x_std[1] == 50);
    assert_true(m.scaling.y_std == 10);
    assert_string_equal(gd_model_get_info(&m, "empty"), "");
    assert_string_equal(gd_model_get_info(&m, "spaced"), " two  ");
    double x[] = {14, 0};
    assert_true(gd_model_predict(&m, x) == 1016.25);
    gd_model_free(&m);
}

/* The reference file of the malformed cases; line numbers as shown. */
static const char *const base_lines[] = {
    "# comment",                       /* 1 */
    "gdtrain-model 1",                 /* 2 */
    "target price",                    /* 3 */
    "features 2",                      /* 4 */
    "intercept 981.25",                /* 5 */
    "target_scaling 1000 10",          /* 6 */
    "bias_std 0.125",                  /* 7 */
    "feature 2.5 0.5 10 2 area",       /* 8 */
    "feature -0.05 -0.25 100 50 age",  /* 9 */
    "info optimizer adam",             /* 10 */
    "end",                             /* 11 */
};
#define NBASE (sizeof base_lines / sizeof base_lines[0])

typedef struct bad_case {
    const char *what;
    int line;         /* base line to change (1-based), 0 for none */
    int insert;       /* 1: insert text before that line; 0: replace it */
    const char *text; /* the new line; NULL deletes the line */
    long want_line;   /* expected error line */
    long want_col;    /* expected error column */
    const char *want; /* a part of the expected message */
} bad_case;

static const bad_case bad_cases[] = {
    {"bad number", 5, 0, "intercept 981.25x", 5, 11, "found \"981.25x\""},
    {"nan", 5, 0, "intercept nan", 5, 11, "finite"},
    {"-inf", 8, 0, "feature 2.5 -inf 10 2 area", 8, 13, "finite"},
    {"infinity", 6, 0, "target_scaling Infinity 10", 6, 16, "finite"},
    {"hex", 7, 0, "bias_std 0x1p-3", 7, 10, "0x1p-3"},
    {"comma decimal", 7, 0, "bias_std 0,125", 7, 10, "0,125"},
    {"overflow", 8, 0, "feature 2.5 0.5 1e999 2 area", 8, 17, "out of range"},
    {"empty exponent", 8, 0, "feature 2.5 0.5 1e 2 area", 8, 17, "\"1e\""},
    {"missing number", 7, 0, "bias_std", 7, 9, "end of the line"},
    {"missing number after blanks", 6, 0, "target_scaling 1000  ", 6, 22, "end of the line"},
    {"extra token", 5, 0, "intercept 1 2", 5, 13, "unexpected text"},
    {"version 3", 2, 0, "gdtrain-model 3", 2, 15,
     "model format version 3 is newer than this gdtrain supports (2)"},
    {"version 0", 2, 0, "gdtrain-model 0", 2, 15, "unknown model format version 0"},
    {"version missing", 2, 0, "gdtrain-model", 2, 14, "version"},
    {"not a model", 2, 0, "area,age,price", 2, 1, "not a gdtrain model file"},
    {"missing target", 3, 0, NULL, 10, 1, "missing 'target'"},
    {"missing intercept", 5, 0, NULL, 10, 1, "missing 'intercept'"},
    {"missing target_scaling", 6, 0, NULL, 10, 1, "missing 'target_scaling'"},
    {"missing bias_std", 7, 0, NULL, 10, 1, "missing 'bias_std'"},
    {"missing features", 4, 0, NULL, 7, 1, "before the 'features' line"},
    {"repeated intercept", 8, 1, "intercept 1", 8, 1, "repeated 'intercept' line (first on line 5)"},
    {"repeated target", 11, 1, "target other", 11, 1, "repeated 'target'"},
    {"repeated features", 5, 1, "features 2", 5, 1, "repeated 'features'"},
    {"repeated end", 11, 1, "end", 12, 1, "unexpected text after the 'end' line"},
    {"too few features", 9, 0, NULL, 10, 1, "found 1 'feature' lines, but 'features' on line 4 declares 2"},
    {"too many features", 10, 1, "feature 1 1 1 1 extra", 10, 1, "more 'feature' lines than the 2"},
    {"zero std", 9, 0, "feature -0.05 -0.25 100 0 age", 9, 25, "must be > 0"},
    {"negative std", 9, 0, "feature -0.05 -0.25 100 -50 age", 9, 25, "must be > 0"},
    {"zero target std", 6, 0, "target_scaling 1000 0", 6, 21, "must be > 0"},
    {"negative zero target std", 6, 0, "target_scaling 1000 -0", 6, 21, "must be > 0"},
    {"garbage line", 7, 1, "hello world", 7, 1, "unknown keyword \"hello\""},
    {"keyword case", 7, 0, "Bias_std 0.125", 7, 1, "unknown keyword"},
    {"indented line", 7, 0, " bias_std 0.125", 7, 1, "expected a keyword"},
    {"bad escape", 8, 0, "feature 2.5 0.5 10 2 ar\\tea", 8, 24, "unknown escape"},
    {"backslash at end", 3, 0, "target price\\", 3, 13, "backslash"},
    {"features not a number", 4, 0, "features two", 4, 10, "number of features"},
    {"features negative", 4, 0, "features -2", 4, 10, "number of features"},
    {"features huge", 4, 0, "features 99999999999999999999999", 4, 10, "too short"},
    {"features plausible but too many", 4, 0, "features 100", 4, 10, "too short"},
    {"info without key", 10, 0, "info", 10, 5, "info key"},
    {"repeated info key", 10, 1, "info optimizer sgd", 11, 6, "repeated info key"},
    {"info key with control byte", 10, 0, "info a\x01" "b c", 10, 6, "printable"},
    {"repeated feature name", 9, 0, "feature -0.05 -0.25 100 50 area", 9, 28,
     "repeated feature name 'area' (also feature 1, on line 8)"},
    {"feature named as the target", 9, 0, "feature -0.05 -0.25 100 50 price", 9, 28,
     "feature 2 has the target's name 'price'"},
};
#define NBAD (sizeof bad_cases / sizeof bad_cases[0])

/* Joins the base lines with case c applied. */
static char *build_text(const bad_case *c, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    for (size_t i = 1; i <= NBASE; i++) {
        const char *line = base_lines[i - 1];
        if ((int)i == c->line) {
            if (c->insert)
                n += (size_t)snprintf(s + n, cap - n, "%s\n", c->text);
            else if (c->text != NULL)
                line = c->text;
            else
                continue;
        }
        n += (size_t)snprintf(s + n, cap - n, "%s\n", line);
    }
    assert_true(n < cap);
    *len = n;
    return s;
}

static void expect_bad_file(const char *what, const char *text, size_t len,
                            long want_line, long want_col, const char *want)
{
    const char *path = write_temp_file(text, len);
    gd_model m;
    gd_error err;
    gd_error_clear(&err);
    gd_status st = gd_model_load(&m, path, &err);
    char msg[1400];
    gd_error_format(&err, msg, sizeof msg);
    if (st != GD_ERR_DATA || err.line != want_line ||
        (want_col > 0 && err.column != want_col) ||
        (want != NULL && strstr(err.message, want) == NULL) ||
        strcmp(err.file, path) != 0) {
        print_error("case '%s': status %d, error \"%s\"; want status %d at line %ld "
                    "column %ld with \"%s\"\n", what, (int)st, msg, (int)GD_ERR_DATA,
                    want_line, want_col, want ? want : "");
        fail();
    }
    assert_model_zeroed(&m);
    gd_model_free(&m); /* safe after a failed load */
}

static void test_load_base_is_valid(void **state)
{
    (void)state;
    bad_case none = {"none", 0, 0, NULL, 0, 0, NULL};
    size_t len;
    char *text = build_text(&none, &len);
    const char *path = write_temp_file(text, len);
    gd_model m;
    gd_error err;
    assert_int_equal(gd_model_load(&m, path, &err), GD_OK);
    double x[] = {14, 0};
    assert_true(gd_model_predict(&m, x) == 1016.25);
    assert_string_equal(gd_model_get_info(&m, "optimizer"), "adam");
    gd_model_free(&m);
    free(text);
}

static void test_load_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < NBAD; i++) {
        const bad_case *c = &bad_cases[i];
        size_t len;
        char *text = build_text(c, &len);
        expect_bad_file(c->what, text, len, c->want_line, c->want_col, c->want);
        free(text);
    }

    /* Text after 'end'. */
    bad_case none = {"none", 0, 0, NULL, 0, 0, NULL};
    size_t len;
    char *text = build_text(&none, &len);
    char *more = malloc(len + 32);
    assert_non_null(more);
    memcpy(more, text, len);
    memcpy(more + len, "\nintercept 2\n", 13);
    expect_bad_file("text after end", more, len + 13, 13, 1, "after the 'end' line");

    /* A NUL byte in line 8, column 5. */
    memcpy(more, text, len);
    size_t line8 = (size_t)(strstr(more, "feature 2.5") - more);
    more[line8 + 4] = '\0';
    expect_bad_file("NUL byte", more, len, 8, 5, "NUL");
    free(more);

    /* Truncated after each complete line k < 11: no 'end'. The error points
     * just past the last byte of line k. */
    for (size_t k = 1; k < NBASE; k++) {
        size_t cut = 0;
        for (size_t i = 0; i < k; i++)
            cut += strlen(base_lines[i]) + 1;
        long want_line = (long)k, want_col = (long)strlen(base_lines[k - 1]) + 1;
        const char *want = "truncated?";
        if (k == 1) { /* only a comment: not a model at all */
            want_line = 0;
            want_col = 0;
            want = "not a gdtrain model file";
        }
        char what[64];
        snprintf(what, sizeof what, "truncated after line %zu", k);
        expect_bad_file(what, text, cut, want_line, want_col, want);
    }
    /* Truncated inside the last line: "en". */
    expect_bad_file("truncated inside 'end'", text, len - 2, 11, 1, "unknown keyword \"en\"");
    /* Truncated inside a number: still a valid number, so only the missing
     * 'end' reveals it. "intercept 981.2" (line 5, 15 bytes). */
    size_t cut5 = (size_t)(strstr(text, "981.25") - text) + 5;
    expect_bad_file("truncated inside a number", text, cut5, 5, 16, "truncated?");

    /* Empty file, and comments only. */
    expect_bad_file("empty file", "", 0, 0, 0, "not a gdtrain model file");
    expect_bad_file("comments only", "# a\n\n# b\n", 9, 0, 0, "not a gdtrain model file");
    free(text);
}

static void test_load_io_errors(void **state)
{
    (void)state;
    gd_model m;
    gd_error err;
    char dir[256];
    make_dir(dir, sizeof dir);
    char path[300];
    snprintf(path, sizeof path, "%s/missing.model", dir);
    assert_int_equal(gd_model_load(&m, path, &err), GD_ERR_IO);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, strerror(ENOENT)));
    assert_model_zeroed(&m);
    /* A folder. */
    assert_int_equal(gd_model_load(&m, dir, &err), GD_ERR_IO);
    assert_model_zeroed(&m);
}

static void test_load_too_large(void **state)
{
    (void)state;
    char dir[256];
    make_dir(dir, sizeof dir);
    char path[300];
    snprintf(path, sizeof path, "%s/big.model", dir);
    /* 64 MiB + 1 byte of comment lines: valid text, but too large. */
    size_t size = (size_t)64 * 1024 * 1024 + 1;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    char chunk[4096];
    memset(chunk, '#', sizeof chunk);
    for (size_t i = 63; i < sizeof chunk; i += 64)
        chunk[i] = '\n';
    for (size_t done = 0; done < size;) {
        size_t n = size - done < sizeof chunk ? size - done : sizeof chunk;
        assert_int_equal(fwrite(chunk, 1, n, f), n);
        done += n;
    }
    assert_int_equal(fclose(f), 0);
    gd_model m;
    gd_error err;
    assert_int_equal(gd_model_load(&m, path, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "larger than 64 MiB"));
    /* One byte less is read (and rejected only for having no content). */
    assert_int_equal(truncate(path, (off_t)size - 1), 0);
    assert_int_equal(gd_model_load(&m, path, &err), GD_ERR_DATA);
    assert_non_null(strstr(err.message, "no \"gdtrain-model 1\" or \"gdtrain-model 2\" line"));
    assert_int_equal(unlink(path), 0);
}

/* Under a locale with a decimal comma, files still use a point, and load. */
static void test_locale_independent(void **state)
{
    (void)state;
    if (!set_comma_locale()) {
        setlocale(LC_ALL, "C");
        fail_msg("no locale with a decimal comma could be set or built "
                 "(Debian: apt-get install locales)");
    }
    gd_model m, back;
    gd_error err;
    make_hand_model(&m);
    char path[256];
    snprintf(path, sizeof path, "%s", temp_path("locale.model"));
    int saved = gd_model_save(&m, path, &err) == GD_OK;
    char *text = saved ? read_all(path, NULL) : NULL;
    int loaded = saved && gd_model_load(&back, path, &err) == GD_OK;
    char probe[32];
    snprintf(probe, sizeof probe, "%.1f", 0.5); /* the program's locale is intact */
    setlocale(LC_ALL, "C");
    assert_string_equal(probe, "0,5");
    assert_true(saved);
    assert_non_null(strstr(text, "intercept 981.25\n"));
    assert_non_null(strstr(text, "feature -0.05 -0.25 100 50 age\n"));
    assert_true(loaded);
    assert_models_identical(&m, &back);
    free(text);
    gd_model_free(&back);
    gd_model_free(&m);
}

static void test_save_refuses_non_finite(void **state)
{
    (void)state;
    char dir[256], path[300], listing[512];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.model", dir);
    gd_model m;
    gd_error err;
    make_hand_model(&m);
    m.weights[1] = NAN;
    assert_int_equal(gd_model_save(&m, path, &err), GD_ERR_TRAIN);
    assert_non_null(strstr(err.message, "age"));
    m.weights[1] = 0;
    m.b_std = -INFINITY;
    assert_int_equal(gd_model_save(&m, path, &err), GD_ERR_TRAIN);
    m.b_std = 0;
    m.scaling.x_std[0] = 0;
    assert_int_equal(gd_model_save(&m, path, &err), GD_ERR_DATA);
    m.scaling.x_std[0] = 1;
    m.scaling.y_std = INFINITY;
    assert_int_equal(gd_model_save(&m, path, &err), GD_ERR_DATA);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "");
    gd_model_free(&m);
}

/* ---------------------------------------------------------------------- */
/* Atomic writing                                                          */

static void test_save_missing_folder(void **state)
{
    (void)state;
    char dir[256], path[300], listing[512];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/no/such/folder/m.model", dir);
    gd_model m;
    gd_error err;
    make_hand_model(&m);
    assert_int_equal(gd_model_save(&m, path, &err), GD_ERR_IO);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, strerror(ENOENT)));
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "");
    gd_model_free(&m);
}

static void test_save_over_folder(void **state)
{
    (void)state;
    char dir[256], path[300], listing[512];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    gd_model m;
    gd_error err;
    make_hand_model(&m);
    assert_int_equal(gd_model_save(&m, path, &err), GD_ERR_IO);
    assert_string_equal(err.file, path);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "out");
    list_dir(path, listing, sizeof listing);
    assert_string_equal(listing, "");
    /* A name ending in a slash is a folder name too. */
    snprintf(path, sizeof path, "%s/new/", dir);
    assert_int_equal(gd_model_save(&m, path, &err), GD_ERR_IO);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "out");
    gd_model_free(&m);
}

static void test_save_replaces_and_leaves_no_temp(void **state)
{
    (void)state;
    char dir[256], path[300], listing[512];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.model", dir);
    write_all(path, "old content\n", 12);
    gd_model m, back;
    gd_error err;
    make_hand_model(&m);
    assert_int_equal(gd_model_save(&m, path, &err), GD_OK);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "m.model");
    assert_int_equal(gd_model_load(&back, path, &err), GD_OK);
    assert_models_identical(&m, &back);
    gd_model_free(&back);
    /* Relative path in the current folder. */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    gd_status st = gd_model_save(&m, "rel.model", &err);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(st, GD_OK);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "m.model|rel.model");
    gd_model_free(&m);
}

static void test_save_file_mode(void **state)
{
    (void)state;
    char dir[256], path[300];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.model", dir);
    gd_model m;
    gd_error err;
    make_hand_model(&m);
    mode_t old = umask(022);
    gd_status st1 = gd_model_save(&m, path, &err);
    struct stat sb1;
    int r1 = stat(path, &sb1);
    umask(077);
    gd_status st2 = gd_model_save(&m, path, &err);
    struct stat sb2;
    int r2 = stat(path, &sb2);
    umask(old);
    assert_int_equal(st1, GD_OK);
    assert_int_equal(r1, 0);
    assert_int_equal(sb1.st_mode & 0777, 0644);
    assert_int_equal(st2, GD_OK);
    assert_int_equal(r2, 0);
    assert_int_equal(sb2.st_mode & 0777, 0600);
    gd_model_free(&m);
}

/* The text of the model file that a failed save must leave as it was. */
static const char old_model_text[] = "the old model\n";

/* A new folder holding m.model with old_model_text: its path in dir, the
 * file's in path. */
static void make_old_model(char *dir, size_t dsize, char *path, size_t psize)
{
    make_dir(dir, dsize);
    snprintf(path, psize, "%s/m.model", dir);
    write_all(path, old_model_text, strlen(old_model_text));
}

/* After a failed save: the old file is still there, as it was, and nothing
 * else is in its folder. */
static void expect_old_model_kept(const char *dir, const char *path)
{
    char listing[512];
    char *text = read_all(path, NULL);
    assert_string_equal(text, old_model_text);
    free(text);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "m.model");
}

static void test_save_read_only_folder(void **state)
{
    (void)state;
    char dir[256], path[300];
    make_old_model(dir, sizeof dir, path, sizeof path);
    assert_int_equal(chmod(dir, 0555), 0);
    gd_model m;
    gd_error err;
    make_hand_model(&m);
    gd_status st;
    if (geteuid() != 0) {
        st = gd_model_save(&m, path, &err);
    } else {
        /* Root writes into read-only folders: save as an unprivileged user
         * (nobody) in a child process, which reports the status it got. */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(100);
            gd_status child = gd_model_save(&m, path, &err);
            _exit(child == GD_ERR_IO && strcmp(err.file, path) == 0 ? 0 : 101);
        }
        int wstatus;
        assert_int_equal(waitpid(pid, &wstatus, 0), pid);
        assert_true(WIFEXITED(wstatus));
        assert_int_equal(WEXITSTATUS(wstatus), 0);
        st = GD_ERR_IO;
        snprintf(err.file, sizeof err.file, "%s", path);
    }
    assert_int_equal(chmod(dir, 0700), 0);
    assert_int_equal(st, GD_ERR_IO);
    assert_string_equal(err.file, path);
    expect_old_model_kept(dir, path);
    gd_model_free(&m);
}

/* Opens an atomic file over an existing old file, then points its stream's
 * descriptor at /dev/full, so that writes fail with ENOSPC as on a full
 * disk. Returns 0 and skips if /dev/full is missing. */
static int open_on_full_disk(gd_atomic_file *f, const char *path)
{
    gd_error err;
    int full = open("/dev/full", O_WRONLY);
    if (full < 0)
        return 0;
    assert_int_equal(gd_atomic_open(f, path, &err), GD_OK);
    assert_true(dup2(full, fileno(f->fp)) >= 0);
    close(full);
    return 1;
}

static void test_commit_full_disk_small(void **state)
{
    (void)state;
    char dir[256], path[300];
    make_old_model(dir, sizeof dir, path, sizeof path);
    gd_atomic_file f;
    if (!open_on_full_disk(&f, path))
        skip_because("/dev/full is missing");
    /* Small enough to stay in the stream's buffer: the flush fails. */
    fputs("new content\n", f.fp);
    gd_error err;
    assert_int_equal(gd_atomic_commit(&f, &err), GD_ERR_IO);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, strerror(ENOSPC)));
    assert_null(f.fp);
    assert_null(f.tmp_path);
    expect_old_model_kept(dir, path);
}

static void test_commit_full_disk_large(void **state)
{
    (void)state;
    char dir[256], path[300];
    make_old_model(dir, sizeof dir, path, sizeof path);
    gd_atomic_file f;
    if (!open_on_full_disk(&f, path))
        skip_because("/dev/full is missing");
    /* Much more than a buffer: fwrite itself fails, and commit must notice
     * even if the final flush has nothing left to write. */
    static char big[1 << 20];
    memset(big, 'x', sizeof big);
    (void)fwrite(big, 1, sizeof big, f.fp);
    gd_error err;
    assert_int_equal(gd_atomic_commit(&f, &err), GD_ERR_IO);
    assert_string_equal(err.file, path);
    expect_old_model_kept(dir, path);
}

/* A write fails (disk full), then space comes back and the final flush
 * succeeds: the file has lost data in the middle, so commit must still fail,
 * from the stream's error flag. */
static void test_commit_transient_write_error(void **state)
{
    (void)state;
    char dir[256], path[300];
    make_old_model(dir, sizeof dir, path, sizeof path);
    int full = open("/dev/full", O_WRONLY);
    if (full < 0)
        skip_because("/dev/full is missing");
    gd_atomic_file f;
    gd_error err;
    assert_int_equal(gd_atomic_open(&f, path, &err), GD_OK);
    int real = dup(fileno(f.fp));
    assert_true(real >= 0);
    assert_true(dup2(full, fileno(f.fp)) >= 0);
    static char big[1 << 20];
    memset(big, 'x', sizeof big);
    assert_true(fwrite(big, 1, sizeof big, f.fp) < sizeof big);
    assert_true(dup2(real, fileno(f.fp)) >= 0); /* space is back */
    close(real);
    close(full);
    fputs("the end\n", f.fp);
    assert_int_equal(gd_atomic_commit(&f, &err), GD_ERR_IO);
    assert_string_equal(err.file, path);
    expect_old_model_kept(dir, path);
}

/* The rename fails when a folder appears at the destination after open. */
static void test_commit_rename_fails(void **state)
{
    (void)state;
    char dir[256], path[300], listing[512];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.model", dir);
    gd_atomic_file f;
    gd_error err;
    assert_int_equal(gd_atomic_open(&f, path, &err), GD_OK);
    fputs("content\n", f.fp);
    assert_int_equal(mkdir(path, 0700), 0);
    char marker[320];
    snprintf(marker, sizeof marker, "%s/inside", path);
    write_all(marker, "x", 1);
    assert_int_equal(gd_atomic_commit(&f, &err), GD_ERR_IO);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, "rename"));
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "m.model");
    list_dir(path, listing, sizeof listing);
    assert_string_equal(listing, "inside");
}

/* A file replaced takes away the permission bits it lacks (with a umask of
 * 022, a 0600 file stays 0600); a new file gets 0666 less the umask.
 * test_save_file_mode: the umask still narrows a file replaced. */
static void test_atomic_narrows_mode(void **state)
{
    (void)state;
    char dir[256], path[300], fresh[300];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/private.model", dir);
    snprintf(fresh, sizeof fresh, "%s/new.model", dir);
    write_all(path, "old\n", 4);
    assert_int_equal(chmod(path, 0600), 0);
    gd_error err;
    for (int k = 0; k < 2; k++) {
        gd_atomic_file f;
        assert_int_equal(gd_atomic_open(&f, k == 0 ? path : fresh, &err), GD_OK);
        fputs("new\n", f.fp);
        assert_int_equal(gd_atomic_commit(&f, &err), GD_OK);
    }
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(stat(fresh, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0666 & ~mask);
}

static void test_atomic_commit_and_abort(void **state)
{
    (void)state;
    char dir[256], path[300], listing[512];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out.txt", dir);
    gd_atomic_file f;
    gd_error err;

    /* While open: only the temporary file exists, named after the target. */
    assert_int_equal(gd_atomic_open(&f, path, &err), GD_OK);
    assert_string_equal(f.path, path);
    list_dir(dir, listing, sizeof listing);
    assert_int_equal(strncmp(listing, ".out.txt.tmp", 12), 0);
    assert_int_equal(strlen(listing), strlen(".out.txt.tmp") + 6);
    assert_false(file_exists(path));
    fputs("hello\n", f.fp);
    assert_int_equal(gd_atomic_commit(&f, &err), GD_OK);
    assert_null(f.fp);
    assert_null(f.path);
    assert_null(f.tmp_path);
    char *text = read_all(path, NULL);
    assert_string_equal(text, "hello\n");
    free(text);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "out.txt");

    /* Abort: the old content stays, the temporary file goes. */
    assert_int_equal(gd_atomic_open(&f, path, &err), GD_OK);
    fputs("replacement\n", f.fp);
    gd_atomic_abort(&f);
    assert_null(f.fp);
    gd_atomic_abort(&f); /* twice is fine */
    text = read_all(path, NULL);
    assert_string_equal(text, "hello\n");
    free(text);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "out.txt");

    /* Abort of a zeroed struct, and of NULL. */
    gd_atomic_file z = {NULL, NULL, NULL};
    gd_atomic_abort(&z);
    gd_atomic_abort(NULL);

    /* Two open at once get different temporary names. */
    gd_atomic_file a, b;
    assert_int_equal(gd_atomic_open(&a, path, &err), GD_OK);
    assert_int_equal(gd_atomic_open(&b, path, &err), GD_OK);
    assert_string_not_equal(a.tmp_path, b.tmp_path);
    fputs("from a\n", a.fp);
    fputs("from b\n", b.fp);
    assert_int_equal(gd_atomic_commit(&a, &err), GD_OK);
    assert_int_equal(gd_atomic_commit(&b, &err), GD_OK);
    text = read_all(path, NULL);
    assert_string_equal(text, "from b\n");
    free(text);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "out.txt");

    /* A failed open leaves the struct zeroed. */
    char bad[320];
    snprintf(bad, sizeof bad, "%s/missing/x", dir);
    assert_int_equal(gd_atomic_open(&f, bad, &err), GD_ERR_IO);
    assert_null(f.fp);
    assert_null(f.path);
    assert_null(f.tmp_path);
    gd_atomic_abort(&f);
}

/* A symbolic link at the destination is replaced, its target left alone. */
static void test_atomic_symlink(void **state)
{
    (void)state;
    char dir[256], path[300], real[300], listing[512];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/link", dir);
    snprintf(real, sizeof real, "%s/real", dir);
    write_all(real, "real\n", 5);
    assert_int_equal(symlink("real", path), 0);
    gd_atomic_file f;
    gd_error err;
    assert_int_equal(gd_atomic_open(&f, path, &err), GD_OK);
    fputs("new\n", f.fp);
    assert_int_equal(gd_atomic_commit(&f, &err), GD_OK);
    struct stat sb;
    assert_int_equal(lstat(path, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    char *text = read_all(real, NULL);
    assert_string_equal(text, "real\n");
    free(text);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "link|real");
}

/* A very long file name still gets a temporary name within the limit. */
static void test_atomic_long_name(void **state)
{
    (void)state;
    char dir[256], path[600], listing[512];
    make_dir(dir, sizeof dir);
    char name[251];
    memset(name, 'n', 250);
    name[250] = '\0';
    snprintf(path, sizeof path, "%s/%s", dir, name);
    gd_atomic_file f;
    gd_error err;
    assert_int_equal(gd_atomic_open(&f, path, &err), GD_OK);
    fputs("x\n", f.fp);
    assert_int_equal(gd_atomic_commit(&f, &err), GD_OK);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_and_free),
        cmocka_unit_test(test_info),
        cmocka_unit_test(test_set_scaling_copies),
        cmocka_unit_test(test_predict_hand),
        cmocka_unit_test(test_predict_operation_order),
        cmocka_unit_test(test_original_units_hand),
        cmocka_unit_test(test_original_units_random),
        cmocka_unit_test(test_constant_column),
        cmocka_unit_test(test_file_text),
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_roundtrip_names),
        cmocka_unit_test(test_load_predicts_the_same),
        cmocka_unit_test(test_load_liberal_layout),
        cmocka_unit_test(test_load_base_is_valid),
        cmocka_unit_test(test_load_malformed),
        cmocka_unit_test(test_load_io_errors),
        cmocka_unit_test(test_load_too_large),
        cmocka_unit_test(test_locale_independent),
        cmocka_unit_test(test_save_refuses_non_finite),
        cmocka_unit_test(test_save_missing_folder),
        cmocka_unit_test(test_save_over_folder),
        cmocka_unit_test(test_save_replaces_and_leaves_no_temp),
        cmocka_unit_test(test_save_file_mode),
        cmocka_unit_test(test_save_read_only_folder),
        cmocka_unit_test(test_commit_full_disk_small),
        cmocka_unit_test(test_commit_full_disk_large),
        cmocka_unit_test(test_commit_transient_write_error),
        cmocka_unit_test(test_commit_rename_fails),
        cmocka_unit_test(test_atomic_commit_and_abort),
        cmocka_unit_test(test_atomic_narrows_mode),
        cmocka_unit_test(test_atomic_symlink),
        cmocka_unit_test(test_atomic_long_name),
    };
    return tests_status(cmocka_run_group_tests(tests, NULL, NULL));
}
