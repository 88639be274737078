/*
 * Tests of split: how many rows the test part gets (by hand from the
 * documented rule), and that the two parts are the input's rows, byte for
 * byte, with the header, picked the same way for a seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "data/split.h"
#include "testutil.h"

static void test_counts_by_hand(void **state)
{
    (void)state;
    assert_int_equal(gd_split_test_rows(0.2, 2000), 400);
    assert_int_equal(gd_split_test_rows(0.2, 10), 2);
    /* 0.7 * 10 is 7.000000000000001 in doubles; 0.3 * 10 is 3.0000000000000004. */
    assert_int_equal(gd_split_test_rows(0.7, 10), 7);
    assert_int_equal(gd_split_test_rows(0.3, 10), 3);
    assert_int_equal(gd_split_test_rows(0.25, 10), 3);  /* 2.5 rounds up */
    assert_int_equal(gd_split_test_rows(0.1, 3), 1);    /* 0.3 rounds up */
    assert_int_equal(gd_split_test_rows(0.999, 1000), 999);
    assert_int_equal(gd_split_test_rows(0.5, 0), 0);
    assert_int_equal(gd_split_test_rows(5, 100), 5);    /* a count */
    assert_int_equal(gd_split_test_rows(1, 100), 1);
    assert_int_equal(gd_split_test_rows(1.5, 100), 0);  /* neither */
    assert_int_equal(gd_split_test_rows(0, 100), 0);
    assert_int_equal(gd_split_test_rows(-0.2, 100), 0);
}

/* Counts the lines of text equal to line (with its end). */
static int count_line(const char *text, const char *line)
{
    int n = 0;
    size_t len = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p += len)
        if (p == text || p[-1] == '\n')
            n++;
    return n;
}

static gd_status split(const char *in, double test, uint64_t seed, const char *train,
                       const char *test_path, gd_split_info *info, gd_error *err)
{
    gd_split_options o = {.in = in, .delimiter = ',', .test = test, .seed = seed,
                          .train = train, .test_path = test_path};
    return gd_split_file(&o, info, err);
}

/* Twenty rows whose text is unique and unusual: quotes around a line end,
 * spaces, a CRLF row, a last row without a line end. */
static const char input[] =
    "a,\"b c\"\n"
    "1,2\n" "\"3\n4\",5\n" " 6 ,7\r\n" "8,\"9,\"\"x\"\"\"\n" "10,11\n"
    "12,13\n" "14,15\n" "16,17\n" "18,19\n" "20,21\n"
    "22,23\n" "24,25\n" "26,27\n" "28,29\n" "30,31\n"
    "32,33\n" "34,35\n" "36,37\n" "38,39\n" "40,41";

static const char *const rows[] = {
    "1,2\n", "\"3\n4\",5\n", " 6 ,7\r\n", "8,\"9,\"\"x\"\"\"\n", "10,11\n",
    "12,13\n", "14,15\n", "16,17\n", "18,19\n", "20,21\n",
    "22,23\n", "24,25\n", "26,27\n", "28,29\n", "30,31\n",
    "32,33\n", "34,35\n", "36,37\n", "38,39\n", "40,41\n",
};

static void test_rows_copied_exactly(void **state)
{
    (void)state;
    char dir[256], in[300], train[300], test[300];
    make_dir(dir, sizeof dir);
    snprintf(in, sizeof in, "%s/in.csv", dir);
    snprintf(train, sizeof train, "%s/train.csv", dir);
    snprintf(test, sizeof test, "%s/test.csv", dir);
    FILE *fp = fopen(in, "wb");
    assert_non_null(fp);
    fwrite(input, 1, sizeof input - 1, fp);
    fclose(fp);

    gd_split_info info;
    gd_error err;
    assert_int_equal(split(in, 0.25, 9, train, test, &info, &err), GD_OK);
    assert_int_equal(info.rows, 20);
    assert_int_equal(info.test_rows, 5);
    assert_int_equal(info.train_rows, 15);
    char *a = read_all(train, NULL), *b = read_all(test, NULL);
    assert_memory_equal(a, "a,\"b c\"\n", 8);
    assert_memory_equal(b, "a,\"b c\"\n", 8);
    /* Every row in exactly one part, in file order. */
    const char *pa = a + 8, *pb = b + 8;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int na = count_line(a, rows[i]), nb = count_line(b, rows[i]);
        assert_int_equal(na + nb, 1);
        const char **p = na ? &pa : &pb;
        assert_memory_equal(*p, rows[i], strlen(rows[i]));
        *p += strlen(rows[i]);
    }
    assert_int_equal(*pa, '\0');
    assert_int_equal(*pb, '\0');

    /* The same seed picks the same rows; another seed (almost surely) not. */
    char train2[300], test2[300];
    snprintf(train2, sizeof train2, "%s/train2.csv", dir);
    snprintf(test2, sizeof test2, "%s/test2.csv", dir);
    assert_int_equal(split(in, 0.25, 9, train2, test2, &info, &err), GD_OK);
    char *a2 = read_all(train2, NULL), *b2 = read_all(test2, NULL);
    assert_string_equal(a2, a);
    assert_string_equal(b2, b);
    free(a2);
    free(b2);
    assert_int_equal(split(in, 0.25, 10, train2, test2, &info, &err), GD_OK);
    b2 = read_all(test2, NULL);
    assert_string_not_equal(b2, b);
    free(b2);
    free(a);
    free(b);
}

static void test_errors(void **state)
{
    (void)state;
    gd_split_info info;
    gd_error err;
    char dir[256], train[300], test[300], listing[512];
    make_dir(dir, sizeof dir);
    snprintf(train, sizeof train, "%s/train.csv", dir);
    snprintf(test, sizeof test, "%s/test.csv", dir);

    const char *in = write_temp_file("x,y\n1,2\n3\n5,6\n", 15);
    assert_int_equal(split(in, 0.5, 1, train, test, &info, &err), GD_ERR_DATA);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 1);
    assert_non_null(strstr(err.message, "1 field"));

    in = write_temp_file("x,y\n1,\"2\n", 10);
    assert_int_equal(split(in, 0.5, 1, train, test, &info, &err), GD_ERR_DATA);

    in = write_temp_file("", 0);
    assert_int_equal(split(in, 0.5, 1, train, test, &info, &err), GD_ERR_DATA);

    in = write_temp_file("x,y\n1,2\n3,4\n", 12);
    assert_int_equal(split(in, 2, 1, train, test, &info, &err), GD_ERR_USAGE);
    assert_non_null(strstr(err.message, "training part"));
    assert_int_equal(split(in, 0.01, 1, train, train, &info, &err), GD_ERR_USAGE);
    assert_int_equal(split("/nonexistent/in.csv", 0.5, 1, train, test, &info, &err),
                     GD_ERR_IO);
    /* No failure above left a file behind. */
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "");

    /* One row each, and the lone row of a header-only split is refused. */
    assert_int_equal(split(in, 0.5, 1, train, test, &info, &err), GD_OK);
    assert_int_equal(info.test_rows, 1);
    in = write_temp_file("x,y\n1,2\n", 8);
    assert_int_equal(split(in, 0.5, 1, train, test, &info, &err), GD_ERR_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_by_hand),
        cmocka_unit_test(test_rows_copied_exactly),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
