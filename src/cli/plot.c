/*
 * gdtrain plot: draw one or more loss-curve files as an SVG line chart
 * (train_loss solid, val_loss dashed, one colour per file, log scale).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "report/curve.h"
#include "report/svg.h"
#include "msg.h"
#include "options.h"

typedef struct plot_settings {
    const char *out;   /* the SVG to write; required */
    const char *title; /* NULL: "Loss curve" */
    int val;           /* draw val_loss (default on) */
    double optimum;    /* reference line; 0 = none */
    const char *x;     /* "linear" (NULL) or "log" */
    const char *y;     /* "loss" (NULL) or "gap" */
    int quiet;
} plot_settings;

#define S(field) offsetof(plot_settings, field)
static const cli_option plot_options[] = {
    {"out", 'o', OPT_STRING, 0, S(out), "FILE", "SVG file to write, atomically ('-' = standard output); required"},
    {"title", 0, OPT_STRING, 0, S(title), "TEXT", "chart title (default: Loss curve)"},
    {"val", 0, OPT_FLAG, 0, S(val), NULL, "draw the validation loss where a file has one (default: on; --no-val leaves it out)"},
    {"optimum", 0, OPT_DOUBLE, OPT_POSITIVE, S(optimum), "MSE", "draw a reference line labelled 'optimum' at MSE, e.g. the optimum_mse of a model file"},
    {"x", 0, OPT_STRING, 0, S(x), "SCALE", "epoch axis: linear (default) or log, which spreads out runs that converge at different speeds"},
    {"y", 0, OPT_STRING, 0, S(y), "WHAT", "loss (default), or gap: each training loss as its gap to --optimum, (MSE - optimum) / optimum, which separates runs that all reach the optimum"},
    {"quiet", 'q', OPT_FLAG, 0, S(quiet), NULL, "print nothing but errors"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
#undef S

static void print_plot_help(void)
{
    printf("Usage: gdtrain plot CURVE.csv [CURVE.csv ...] -o OUT.svg [--title TEXT] [--no-val]\n"
           "                    [--optimum MSE] [--x linear|log] [--y loss|gap]\n\n"
           "Draws loss-curve files (as written by 'gdtrain train --curve') as one SVG line\n"
           "chart: loss on a log scale against the epoch, the training loss of each file\n"
           "as a solid line and its validation loss, if any, dashed in the same colour.\n"
           "With --y gap (which needs --optimum, e.g. the optimum_mse of a model file or\n"
           "the mse of 'gdtrain solve --json') each training loss is drawn as its gap to\n"
           "the optimum instead, without validation losses. The axes span the data.\n"
           "The legend names each file. Values <= 0 cannot be shown on a log scale and are\n"
           "drawn at the smallest positive value, with a note. Curves longer than 2000\n"
           "epochs are thinned for drawing, keeping the first and last epoch and the\n"
           "lowest and highest loss of every stretch.\n\nOptions:\n");
    cli_print_options(plot_options, stdout);
    printf("\n");
    cli_print_exit_codes(NULL, "a malformed curve file",
                         "cannot read or write a file, out of memory", 0);
}

/* The legend name of a path: its last component. */
static const char *base_name(const char *path)
{
    if (strcmp(path, "-") == 0)
        return "<stdin>";
    const char *slash = strrchr(path, '/');
    return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

int cmd_plot(int argc, char **argv)
{
    plot_settings s = {.val = 1};
    unsigned char set[sizeof plot_options / sizeof plot_options[0]] = {0};
    size_t nfiles = 0;
    char **files = malloc((argc > 0 ? (size_t)argc : 1) * sizeof *files);
    const char **names = NULL;
    gd_curve *curves = NULL;
    int exit_code = 0;
    if (files == NULL) {
        cli_error("out of memory");
        return cli_exit_code(GD_ERR_NOMEM);
    }
    int early = cli_parse_command_args("plot", plot_options, argc, argv, &s, set,
                                       print_plot_help, files, (size_t)argc, &nfiles);
    if (early >= 0) {
        exit_code = early;
        goto done;
    }
    cli_quiet = s.quiet;
    if (nfiles == 0) {
        cli_usage_error("plot", "give at least one curve file to draw");
        exit_code = 2;
        goto done;
    }
    if (s.out == NULL) {
        cli_usage_error("plot", "no output file: give -o OUT.svg");
        exit_code = 2;
        goto done;
    }
    if (s.x != NULL && strcmp(s.x, "linear") != 0 && strcmp(s.x, "log") != 0) {
        cli_usage_error("plot", "--x takes linear or log, not '%s'", s.x);
        exit_code = 2;
        goto done;
    }
    int gap = s.y != NULL && strcmp(s.y, "gap") == 0;
    if (s.y != NULL && !gap && strcmp(s.y, "loss") != 0) {
        cli_usage_error("plot", "--y takes loss or gap, not '%s'", s.y);
        exit_code = 2;
        goto done;
    }
    if (gap && !set[cli_option_index(plot_options, "optimum")]) {
        cli_usage_error("plot", "--y gap needs the optimum: give --optimum MSE (the "
                        "optimum_mse of a model file, or the mse of 'gdtrain solve --json')");
        exit_code = 2;
        goto done;
    }
    size_t stdin_count = 0;
    for (size_t i = 0; i < nfiles; i++)
        stdin_count += strcmp(files[i], "-") == 0;
    if (stdin_count > 1) {
        cli_usage_error("plot", "only one curve file can be standard input ('-')");
        exit_code = 2;
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++) {
        const cli_file_use written[] = {{"--out", s.out}}, read[] = {{"CURVE", files[i]}};
        if (!cli_outputs_spare_inputs("plot", written, 1, read, 1)) {
            exit_code = 2;
            goto done;
        }
    }

    curves = calloc(nfiles, sizeof *curves);
    names = calloc(nfiles, sizeof *names);
    if (curves == NULL || names == NULL) {
        cli_error("out of memory");
        exit_code = cli_exit_code(GD_ERR_NOMEM);
        goto done;
    }
    gd_error err;
    gd_error_clear(&err);
    gd_status st = GD_OK;
    for (size_t i = 0; i < nfiles && st == GD_OK; i++)
        st = gd_curve_load(&curves[i], files[i], GD_CURVE_BIT(GD_CURVE_TRAIN_LOSS), &err);
    /* Legend: base names, or the paths as given when two base names clash. */
    int clash = 0;
    for (size_t i = 0; i < nfiles; i++)
        for (size_t j = i + 1; j < nfiles; j++)
            clash |= strcmp(base_name(files[i]), base_name(files[j])) == 0;
    for (size_t i = 0; i < nfiles; i++)
        names[i] = clash && strcmp(files[i], "-") != 0 ? files[i] : base_name(files[i]);
    if (st == GD_OK) {
        gd_svg_hline optimum = {s.optimum, "optimum"};
        gd_svg_curve_options opt = {
            .title = s.title, .no_val = !s.val,
            .hlines = &optimum, .nhlines = set[cli_option_index(plot_options, "optimum")] ? 1 : 0,
            .x_log = s.x != NULL && strcmp(s.x, "log") == 0,
            .gap_optimum = gap ? s.optimum : 0,
        };
        st = gd_svg_save_curves(s.out, curves, names, nfiles, &opt, &err);
    }
    if (st != GD_OK) {
        cli_report(&err);
        exit_code = cli_exit_code(st);
        goto done;
    }
    size_t epochs = 0;
    for (size_t i = 0; i < nfiles; i++)
        epochs += curves[i].n;
    cli_say("gdtrain: %zu curve%s (%zu epochs) drawn to %s\n", nfiles, cli_plural(nfiles),
            epochs, cli_out_name(s.out));

done:
    if (curves != NULL)
        for (size_t i = 0; i < nfiles; i++)
            gd_curve_free(&curves[i]);
    free(curves);
    free(names);
    free(files);
    return exit_code;
}
