/*
 * gdtrain gen: a synthetic house-price table as CSV.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "commands.h"
#include "io/atomicfile.h"
#include "data/gen.h"
#include "msg.h"
#include "options.h"

typedef struct gen_settings {
    size_t rows;
    uint64_t seed;
    const char *out;
    int categories;
    double missing;
} gen_settings;

#define S(field) offsetof(gen_settings, field)
static const cli_option gen_options[] = {
    {"rows", 'n', OPT_SIZE, 0, S(rows), "N", "number of data rows (default: 2000)"},
    {"seed", 0, OPT_U64, 0, S(seed), "N", "random seed; the same seed gives the same bytes (default: 42)"},
    {"out", 'o', OPT_STRING, 0, S(out), "FILE", "write to FILE (atomically) instead of standard output"},
    {"categories", 0, OPT_FLAG, 0, S(categories), NULL, "add the categorical columns neighbourhood, pool and zip (with effects on the price)"},
    {"missing", 0, OPT_DOUBLE, OPT_UNIT, S(missing), "FRACTION", "leave each feature cell empty with this probability (default: 0)"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
#undef S

static void print_gen_help(void)
{
    printf("Usage: gdtrain gen [--rows N] [--seed S] [--out FILE]\n\n"
           "Writes a synthetic house-price table (area_sqm, age_years, bedrooms,\n"
           "bathrooms, distance_km, lot_sqm, garage, price) as CSV. The formula and its\n"
           "true coefficients are in data/README.md; data/houses.csv is\n"
           "'gdtrain gen --rows 2000 --seed 42', and data/houses_mixed.csv is\n"
           "'gdtrain gen --rows 2000 --seed 7 --categories --missing 0.02'.\n\nOptions:\n");
    cli_print_options(gen_options, stdout);
    printf("\n");
    cli_print_exit_codes(NULL, NULL, "cannot write the output, out of memory", 0);
}

int cmd_gen(int argc, char **argv)
{
    gen_settings s = {.rows = 2000, .seed = 42};
    unsigned char set[sizeof gen_options / sizeof gen_options[0]] = {0};
    int early = cli_parse_command("gen", gen_options, argc, argv, &s, set, print_gen_help);
    if (early >= 0)
        return early;
    gd_error err;
    gd_error_clear(&err);
    gd_status st;
    gd_gen_options opt = {s.rows, s.seed, s.categories, s.missing};
    if (s.out == NULL) {
        st = gd_gen_write_table(stdout, "<stdout>", &opt, &err);
        if (st == GD_OK && fflush(stdout) != 0)
            st = gd_error_set(&err, GD_ERR_IO, "<stdout>", 0, 0, "write failed");
    } else {
        gd_atomic_file f;
        st = gd_atomic_open(&f, s.out, &err);
        if (st == GD_OK) {
            st = gd_gen_write_table(f.fp, s.out, &opt, &err);
            if (st == GD_OK)
                st = gd_atomic_commit(&f, &err);
            else
                gd_atomic_abort(&f);
        }
    }
    if (st != GD_OK)
        cli_report(&err);
    return cli_exit_code(st);
}
