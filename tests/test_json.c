/*
 * The JSON writer: exact output for hand-written expectations.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"

static char *written(void (*fill)(gd_json *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    gd_json j;
    gd_json_start(&j, f);
    fill(&j);
    assert_int_equal(gd_json_finish(&j), 0);
    fclose(f);
    return buf;
}

static void fill_nested(gd_json *j)
{
    gd_json_object_begin(j, NULL);
    gd_json_string(j, "name", "a \"q\" \\ \n\t\x01 é");
    gd_json_number(j, "x", 0.1);
    gd_json_number(j, "nan", NAN);
    gd_json_number(j, "inf", -INFINITY);
    gd_json_integer(j, "n", -42);
    gd_json_bool(j, "yes", 1);
    gd_json_null(j, "nothing");
    gd_json_string(j, "s", NULL);
    gd_json_array_begin(j, "list");
    gd_json_number(j, NULL, 1);
    gd_json_number(j, NULL, 2.5e-300);
    gd_json_object_begin(j, NULL);
    gd_json_object_end(j);
    gd_json_array_begin(j, NULL);
    gd_json_array_end(j);
    gd_json_array_end(j);
    gd_json_object_begin(j, "empty");
    gd_json_object_end(j);
    gd_json_object_end(j);
}

static void test_nested(void **unused)
{
    (void)unused;
    char *s = written(fill_nested);
    assert_string_equal(s, "{\"name\":\"a \\\"q\\\" \\\\ \\n\\t\\u0001 é\","
                           "\"x\":0.1,\"nan\":null,\"inf\":null,"
                           "\"n\":-42,\"yes\":true,\"nothing\":null,\"s\":null,"
                           "\"list\":[1,2.5e-300,{},[]],\"empty\":{}}\n");
    free(s);
}

static void fill_number(gd_json *j)
{
    gd_json_number(j, NULL, -0.0);
}

static void test_top_level_number(void **unused)
{
    (void)unused;
    char *s = written(fill_number);
    assert_string_equal(s, "-0\n");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_top_level_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
