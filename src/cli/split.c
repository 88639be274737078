/*
 * gdtrain split: a CSV file cut into a training part and a held-out test
 * part, for scoring a model on rows it never saw.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "data/split.h"
#include "msg.h"
#include "options.h"

typedef struct split_settings {
    double test;
    uint64_t seed;
    char delimiter;
    int quiet;
} split_settings;

#define S(field) offsetof(split_settings, field)
static const cli_option split_options[] = {
    {"test", 't', OPT_DOUBLE, OPT_POSITIVE, S(test), "F|N", "rows for the test part: a fraction F in (0, 1), ceil(F*rows), or a count N (default: 0.2)"},
    {"seed", 0, OPT_U64, 0, S(seed), "N", "seed of the shuffle that picks the test rows (default: 1)"},
    {"delimiter", 0, OPT_DELIMITER, 0, S(delimiter), "CHAR", "field separator: ',' (default), ';', 'tab', ..."},
    {"quiet", 'q', OPT_FLAG, 0, S(quiet), NULL, "print nothing but errors"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
#undef S

static void print_split_help(void)
{
    printf("Usage: gdtrain split [--test F|N] [--seed N] IN TRAIN TEST\n\n"
           "Writes the rows of the CSV file IN ('-' = standard input) to two files:\n"
           "TEST gets ceil(F*rows) rows picked by a seeded shuffle (a product within\n"
           "rounding of a whole number counts as it: 0.7 of 10 rows is 7), or N rows\n"
           "when the value is a whole number >= 1; TRAIN gets the others. Both keep the\n"
           "header; each row is copied byte for byte and rows keep their file order.\n"
           "The same seed picks the same rows. Each file is written atomically.\n\n"
           "Options:\n");
    cli_print_options(split_options, stdout);
    printf("\n");
    cli_print_exit_codes(NULL, "malformed CSV", "cannot read or write a file, out of memory", 0);
}

int cmd_split(int argc, char **argv)
{
    split_settings s = {.test = 0.2, .seed = 1, .delimiter = ','};
    unsigned char set[sizeof split_options / sizeof split_options[0]] = {0};
    char *files[3];
    size_t nfiles = 0;
    int early = cli_parse_command_args("split", split_options, argc, argv, &s, set,
                                       print_split_help, files, 3, &nfiles);
    if (early >= 0)
        return early;
    cli_quiet = s.quiet;
    if (nfiles != 3) {
        cli_usage_error("split", "give three files: IN TRAIN TEST");
        return 2;
    }
    const cli_stream_use out[] = {{"TRAIN -", cli_is_stdio(files[1])},
                                  {"TEST -", cli_is_stdio(files[2])}};
    if (!cli_one_per_stream("split", 1, out, 2))
        return 2;
    const cli_file_use written[] = {{"TRAIN", files[1]}, {"TEST", files[2]}};
    const cli_file_use read[] = {{"IN", files[0]}};
    if (!cli_outputs_distinct("split", written, 2) ||
        !cli_outputs_spare_inputs("split", written, 2, read, 1))
        return 2;
    if (s.test >= 1 && gd_split_test_rows(s.test, (size_t)s.test + 1) == 0) {
        cli_usage_error("split", "--test %g: a count must be a whole number; a fraction "
                        "must be below 1", s.test);
        return 2;
    }
    gd_split_options o = {.in = files[0], .delimiter = s.delimiter, .test = s.test,
                          .seed = s.seed, .train = files[1], .test_path = files[2]};
    gd_split_info info;
    gd_error err;
    gd_error_clear(&err);
    gd_status st = gd_split_file(&o, &info, &err);
    if (st != GD_OK) {
        cli_report(&err);
        return cli_exit_code(st);
    }
    cli_say("gdtrain: split %zu row%s of %s: %zu to %s, %zu to %s\n", info.rows,
            cli_plural(info.rows), cli_file_name(files[0]),
            info.train_rows, cli_out_name(files[1]), info.test_rows, cli_out_name(files[2]));
    return 0;
}
