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
} gen_settings;

#define S(field) offsetof(gen_settings, field)
static const cli_option gen_options[] = {
    {"rows", 'n', OPT_SIZE, 0, S(rows), "N", "number of data rows (default: 2000)"},
    {"seed", 0, OPT_U64, 0, S(seed), "N", "random seed; the same seed gives the same bytes (default: 42)"},
    {"out", 'o', OPT_STRING, 0, S(out), "FILE", "write to FILE (atomically) instead of standard output"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
#undef S

static void print_gen_help(void)
{
    printf("Usage: gdtrain gen [--rows N] [--seed S] [--out FILE]\n\n"
           "Writes a synthetic house-price table (area_sqm, age_years, bedrooms,\n"
           "bathrooms, distance_km, lot_sqm, garage, price) as CSV. The formula and its\n"
           "true coefficients are in data/README.md; data/houses.csv is\n"
           "'gdtrain gen --rows 2000 --seed 42'.\n\nOptions:\n");
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
    if (s.out == NULL) {
        st = gd_gen_write(stdout, "<stdout>", s.rows, s.seed, &err);
        if (st == GD_OK && fflush(stdout) != 0)
            st = gd_error_set(&err, GD_ERR_IO, "<stdout>", 0, 0, "write failed");
    } else {
        gd_atomic_file f;
        st = gd_atomic_open(&f, s.out, &err);
        if (st == GD_OK) {
            st = gd_gen_write(f.fp, s.out, s.rows, s.seed, &err);
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
