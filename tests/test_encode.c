/*
 * Tests for the encoding of input columns (encode) and its place in the
 * model file: NA token sets, reference coding worked out by hand, and the
 * save -> load identity of every encoding field.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/encode.h"
#include "gdtrain/model.h"
#include "testutil.h"

static void test_na_default_and_list(void **state)
{
    (void)state;
    gd_na_set s;
    gd_error err;
    assert_int_equal(gd_na_set_init(&s, NULL, &err), GD_OK);
    static const char *const yes[] = {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"};
    for (size_t k = 0; k < sizeof yes / sizeof yes[0]; k++)
        assert_true(gd_na_set_has(&s, yes[k], strlen(yes[k])));
    static const char *const no[] = {"na", "-", "none", "0", "NA ", "Nan"};
    for (size_t k = 0; k < sizeof no / sizeof no[0]; k++)
        assert_false(gd_na_set_has(&s, no[k], strlen(no[k])));
    assert_true(gd_na_set_is_default(&s));
    gd_na_set_free(&s);

    /* A list replaces the set; an empty item is the empty cell. */
    assert_int_equal(gd_na_set_init(&s, "-,,missing", &err), GD_OK);
    assert_int_equal(s.n, 3);
    assert_true(gd_na_set_has(&s, "", 0));
    assert_true(gd_na_set_has(&s, "-", 1));
    assert_true(gd_na_set_has(&s, "missing", 7));
    assert_false(gd_na_set_has(&s, "NA", 2));
    assert_false(gd_na_set_is_default(&s));
    gd_na_set_free(&s);

    assert_int_equal(gd_na_set_init(&s, "x", &err), GD_OK);
    assert_false(gd_na_set_has(&s, "", 0));
    gd_na_set_free(&s);
}

static void test_policy_names(void **state)
{
    (void)state;
    gd_na_policy p;
    assert_int_equal(gd_na_policy_parse("drop", &p), 0);
    assert_int_equal(p, GD_NA_DROP);
    assert_int_equal(gd_na_policy_parse("mean", &p), 0);
    assert_int_equal(p, GD_NA_MEAN);
    assert_int_equal(gd_na_policy_parse("error", &p), 0);
    assert_int_equal(p, GD_NA_ERROR);
    assert_int_equal(gd_na_policy_parse("Drop", &p), -1);
    assert_string_equal(gd_na_policy_name(GD_NA_MEAN), "mean");
}

static char *dup(const char *s)
{
    char *p = malloc(strlen(s) + 1);
    assert_non_null(p);
    strcpy(p, s);
    return p;
}

/* area (numeric), town {east, north, west} with a (missing) level,
 * pool {no, yes}. */
static void make_encoding(gd_encoding *e)
{
    memset(e, 0, sizeof *e);
    gd_error err;
    e->na = GD_NA_MEAN;
    assert_int_equal(gd_na_set_init(&e->na_values, "NA,", &err), GD_OK);
    e->ninputs = 3;
    e->inputs = calloc(3, sizeof *e->inputs);
    assert_non_null(e->inputs);
    e->inputs[0] = (gd_input){dup("area"), 0, 0, NULL, 0, 71.25};
    static const char *const town[] = {"east", "north", "west", GD_MISSING_LEVEL};
    e->inputs[1] = (gd_input){dup("town"), 1, 4, calloc(4, sizeof(char *)), 1, 0.0};
    for (size_t k = 0; k < 4; k++)
        e->inputs[1].levels[k] = dup(town[k]);
    e->inputs[2] = (gd_input){dup("pool"), 1, 2, calloc(2, sizeof(char *)), 0, 0.0};
    e->inputs[2].levels[0] = dup("no");
    e->inputs[2].levels[1] = dup("yes");
}

/* Reference coding by hand: the first level has no column. */
static void test_expand_by_hand(void **state)
{
    (void)state;
    gd_encoding e;
    make_encoding(&e);
    assert_int_equal(gd_encoding_width(&e), 1 + 3 + 1);
    assert_false(gd_encoding_is_plain(&e));
    double out[5];
    const double raw1[3] = {80.5, 0, 1}; /* east (reference), yes */
    gd_encoding_expand_row(&e, raw1, out);
    const double want1[5] = {80.5, 0, 0, 0, 1};
    for (size_t k = 0; k < 5; k++)
        assert_true(out[k] == want1[k]);
    const double raw2[3] = {60, 3, 0}; /* (missing), no */
    gd_encoding_expand_row(&e, raw2, out);
    const double want2[5] = {60, 0, 0, 1, 0};
    for (size_t k = 0; k < 5; k++)
        assert_true(out[k] == want2[k]);

    char *name = gd_input_column_name(&e.inputs[1], 2);
    assert_string_equal(name, "town=(missing)");
    free(name);
    name = gd_input_column_name(&e.inputs[0], 0);
    assert_string_equal(name, "area");
    free(name);

    assert_int_equal(gd_input_find_level(&e.inputs[1], "north", 5), 1);
    assert_int_equal(gd_input_find_level(&e.inputs[1], "east", 4), 0);
    assert_int_equal(gd_input_find_level(&e.inputs[1], "south", 5), -1);
    /* The (missing) level is not a text of the data. */
    assert_int_equal(gd_input_find_level(&e.inputs[1], GD_MISSING_LEVEL, 9), -1);
    gd_encoding_free(&e);
}

/* A model with every encoding field saves and loads back the same. */
static void test_model_round_trip(void **state)
{
    (void)state;
    gd_encoding e;
    make_encoding(&e);
    e.inputs[0].fill = 0.1 + 0.2; /* needs 17 digits */
    static const char *const names[] = {"area", "town=north", "town=west",
                                        "town=(missing)", "pool=yes"};
    gd_model m;
    gd_error err;
    assert_int_equal(gd_model_init(&m, 5, "price", names, &err), GD_OK);
    assert_int_equal(gd_model_set_encoding(&m, &e, &err), GD_OK);
    const double params[6] = {0.5, -0.25, 1.0 / 3, 0.125, 2.0, 0.75};
    gd_model_set_params(&m, params);
    const char *path = temp_path("encoded.model");
    assert_int_equal(gd_model_save(&m, path, &err), GD_OK);

    size_t len;
    char *text = read_all(path, &len);
    assert_non_null(strstr(text, "gdtrain-model 2\n"));
    assert_non_null(strstr(text, "input categorical 4 1 town\n"));
    assert_non_null(strstr(text, "na_token \n"));
    free(text);

    gd_model back;
    assert_int_equal(gd_model_load(&back, path, &err), GD_OK);
    assert_non_null(back.encoding);
    const gd_encoding *b = back.encoding;
    assert_int_equal(b->na, GD_NA_MEAN);
    assert_int_equal(b->na_values.n, 2);
    assert_true(gd_na_set_has(&b->na_values, "", 0));
    assert_true(gd_na_set_has(&b->na_values, "NA", 2));
    assert_int_equal(b->ninputs, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(b->inputs[i].name, e.inputs[i].name);
        assert_int_equal(b->inputs[i].categorical, e.inputs[i].categorical);
        assert_int_equal(b->inputs[i].nlevels, e.inputs[i].nlevels);
        assert_int_equal(b->inputs[i].missing_level, e.inputs[i].missing_level);
        assert_same_bits(b->inputs[i].fill, e.inputs[i].fill, "fill", i);
        for (size_t k = 0; k < e.inputs[i].nlevels; k++)
            assert_string_equal(b->inputs[i].levels[k], e.inputs[i].levels[k]);
    }
    for (size_t j = 0; j < 5; j++)
        assert_same_bits(back.w_std[j], m.w_std[j], "w_std", j);
    gd_model_free(&back);
    gd_model_free(&m);
    gd_encoding_free(&e);
}

/* Without an encoding (or a plain one) the file stays version 1. */
static void test_plain_model_is_version_1(void **state)
{
    (void)state;
    static const char *const names[] = {"area"};
    gd_model m;
    gd_error err;
    assert_int_equal(gd_model_init(&m, 1, "price", names, &err), GD_OK);
    gd_encoding e = {0};
    e.ninputs = 1;
    e.inputs = calloc(1, sizeof *e.inputs);
    e.inputs[0].name = dup("area");
    assert_int_equal(gd_na_set_init(&e.na_values, NULL, &err), GD_OK);
    assert_int_equal(gd_model_set_encoding(&m, &e, &err), GD_OK);
    assert_null(m.encoding);
    const char *path = temp_path("plain.model");
    assert_int_equal(gd_model_save(&m, path, &err), GD_OK);
    size_t len;
    char *text = read_all(path, &len);
    assert_non_null(strstr(text, "gdtrain-model 1\n"));
    assert_null(strstr(text, "input "));
    free(text);
    gd_model_free(&m);
    gd_encoding_free(&e);
}

/* Encoding lines that contradict each other or the features. */
static void expect_bad(const char *body, long line, const char *needle)
{
    char text[2048];
    snprintf(text, sizeof text,
             "gdtrain-model 2\ntarget price\nfeatures 2\nintercept 1\n"
             "target_scaling 0 1\nbias_std 0\n%send\n", body);
    const char *path = write_temp_file(text, strlen(text));
    gd_model m;
    gd_error err;
    gd_error_clear(&err);
    assert_int_equal(gd_model_load(&m, path, &err), GD_ERR_DATA);
    if (strstr(err.message, needle) == NULL || (line && err.line != line))
        fail_msg("line %ld: %s (wanted line %ld: %s)", err.line, err.message, line, needle);
}

static void test_bad_encodings(void **state)
{
    (void)state;
    const char *f = "feature 1 1 0 1 area\nfeature 1 1 0 1 town=b\n";
    char body[1024];
    snprintf(body, sizeof body, "%sinput numeric 0 area\ninput categorical 2 0 town\n"
             "level b\nlevel a\n", f);
    expect_bad(body, 12, "byte order");
    /* Levels are escaped text; the message shows them escaped again, on one line. */
    snprintf(body, sizeof body, "%sinput numeric 0 area\ninput categorical 2 0 town\n"
             "level b\\n\nlevel a\\n\n", f);
    expect_bad(body, 12, "\"a\\x0a\" comes after \"b\\x0a\"");
    snprintf(body, sizeof body, "%sinput numeric 0 area\ninput categorical 2 0 town\n"
             "level a\n", f);
    expect_bad(body, 12, "missing before 'end'");
    snprintf(body, sizeof body, "%sinput numeric 0 area\ninput categorical 2 0 town\n"
             "level a\nlevel c\n", f);
    expect_bad(body, 8, "should be named 'town=c'");
    snprintf(body, sizeof body, "%sinput numeric 0 area\n", f);
    expect_bad(body, 0, "make 1 design columns");
    snprintf(body, sizeof body, "%sinput text 0 area\n", f);
    expect_bad(body, 9, "expected numeric or categorical");
    snprintf(body, sizeof body, "%slevel a\n", f);
    expect_bad(body, 9, "no categorical 'input' line");
    snprintf(body, sizeof body, "%sna_policy maybe\n", f);
    expect_bad(body, 9, "expected error, drop or mean");
    snprintf(body, sizeof body, "%sinput numeric 0 area\ninput categorical 2 1 town\n"
             "level a\nlevel b\n", f);
    expect_bad(body, 12, "must be \"(missing)\"");

    /* Encoding lines need version 2. */
    const char *v1 = "gdtrain-model 1\ntarget price\nfeatures 1\nintercept 1\n"
                     "target_scaling 0 1\nbias_std 0\nfeature 1 1 0 1 area\n"
                     "input numeric 0 area\nend\n";
    const char *path = write_temp_file(v1, strlen(v1));
    gd_model m;
    gd_error err;
    assert_int_equal(gd_model_load(&m, path, &err), GD_ERR_DATA);
    assert_int_equal(err.line, 8);
    assert_non_null(strstr(err.message, "version 1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_na_default_and_list),
        cmocka_unit_test(test_policy_names),
        cmocka_unit_test(test_expand_by_hand),
        cmocka_unit_test(test_model_round_trip),
        cmocka_unit_test(test_plain_model_is_version_1),
        cmocka_unit_test(test_bad_encodings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
