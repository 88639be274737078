/*
 * gdtrain curve-diff: compare two loss-curve files, for CI jobs that guard
 * loss curves. Exit 0 when they agree, 1 at the first difference (printed
 * with both values), 2 for usage errors, 3 for a malformed curve file, 4 for
 * one that cannot be read.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "report/curve.h"
#include "msg.h"
#include "options.h"

typedef struct curvediff_settings {
    double rtol;
    double atol;
    const char *columns; /* comma list; NULL = train_loss,val_loss */
    int quiet;
} curvediff_settings;

#define S(field) offsetof(curvediff_settings, field)
static const cli_option curvediff_options[] = {
    {"rtol", 0, OPT_DOUBLE, OPT_NONNEG, S(rtol), "R", "relative tolerance (default: 1e-9; 0 = exact unless --atol)"},
    {"atol", 0, OPT_DOUBLE, OPT_NONNEG, S(atol), "A", "absolute tolerance (default: 0)"},
    {"columns", 0, OPT_STRING, 0, S(columns), "A,B,..", "columns to compare: train_loss, val_loss, grad_norm, lr (default: train_loss,val_loss); seconds never"},
    {"quiet", 'q', OPT_FLAG, 0, S(quiet), NULL, "print nothing but errors; the exit status tells the result"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
#undef S

static void print_curvediff_help(void)
{
    printf("Usage: gdtrain curve-diff REF.csv NEW.csv [--rtol R] [--atol A] [--columns A,B,..]\n\n"
           "Compares two loss-curve files (as written by 'gdtrain train --curve') epoch by\n"
           "epoch. Two values a and b agree when |a - b| <= atol + rtol * max(|a|, |b|);\n"
           "an empty cell (no validation loss) agrees only with an empty cell. The files\n"
           "must have the same epochs: a missing or extra epoch is a difference. The\n"
           "first difference is printed with both values and their relative difference.\n"
           "Columns may come in any order and other columns are ignored, so curves from\n"
           "other tools compare too if they name their columns epoch, train_loss, ...\n\n"
           "Options:\n");
    cli_print_options(curvediff_options, stdout);
    printf("\n");
    cli_print_exit_codes("the curves differ", "a malformed curve file",
                         "a curve file cannot be read", 0);
}

int cmd_curve_diff(int argc, char **argv)
{
    curvediff_settings s = {.rtol = GD_CURVE_RTOL, .atol = GD_CURVE_ATOL};
    unsigned char set[sizeof curvediff_options / sizeof curvediff_options[0]] = {0};
    char *files[2];
    size_t nfiles = 0;
    int early = cli_parse_command_args("curve-diff", curvediff_options, argc, argv, &s, set,
                                       print_curvediff_help, files, 2, &nfiles);
    if (early >= 0)
        return early;
    cli_quiet = s.quiet;
    if (nfiles != 2) {
        cli_usage_error("curve-diff", "give two curve files: REF.csv NEW.csv");
        return 2;
    }
    if (strcmp(files[0], "-") == 0 && strcmp(files[1], "-") == 0) {
        cli_usage_error("curve-diff", "only one of the two files can be standard input ('-')");
        return 2;
    }

    gd_error err;
    gd_error_clear(&err);
    gd_curve_tol tol;
    gd_curve_tol_default(&tol);
    tol.rtol = s.rtol;
    tol.atol = s.atol;
    if (s.columns != NULL && gd_curve_columns_parse(s.columns, &tol.columns, &err) != GD_OK) {
        cli_usage_error("curve-diff", "--columns: %s", err.message);
        return 2;
    }

    gd_curve ref = {0}, cur = {0};
    int exit_code;
    gd_status st = gd_curve_load(&ref, files[0], tol.columns, &err);
    if (st == GD_OK)
        st = gd_curve_load(&cur, files[1], tol.columns, &err);
    if (st != GD_OK) {
        cli_report(&err);
        exit_code = cli_exit_code(st);
        goto done;
    }

    const char *ref_name = cli_file_name(files[0]);
    const char *new_name = cli_file_name(files[1]);
    gd_curve_diff d;
    char text[1024], cols[128];
    gd_curve_columns_format(tol.columns, cols, sizeof cols);
    if (gd_curve_compare(&ref, &cur, &tol, &d)) {
        if (d.max_rel == 0)
            cli_say("gdtrain: curves agree: %s and %s, %zu epochs, %s identical\n", ref_name,
                    new_name, ref.n, cols);
        else
            cli_say("gdtrain: curves agree: %s and %s, %zu epochs, %s within rtol %g, "
                    "atol %g (largest relative difference %.1e)\n", ref_name, new_name,
                    ref.n, cols, tol.rtol, tol.atol, d.max_rel);
        exit_code = 0;
    } else {
        cli_say("gdtrain: %s\n",
                gd_curve_diff_format(&d, &tol, ref_name, new_name, text, sizeof text));
        exit_code = 1;
    }

done:
    gd_curve_free(&ref);
    gd_curve_free(&cur);
    return exit_code;
}
