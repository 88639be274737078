/*
 * gdtrain: command-line entry point. Dispatches to the subcommands; `gdtrain
 * ARGS` with no subcommand is `gdtrain train ARGS`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "msg.h"
#include "options.h"
#include "signals.h"

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    {"train", cmd_train, "train a model on a CSV file (the default subcommand)"},
    {"predict", cmd_predict, "predict the target for every row of a CSV file"},
    {"solve", cmd_solve, "fit the exact least-squares model (no gradient descent)"},
    {"eval", cmd_eval, "score a model on a labelled CSV file: MSE, RMSE, MAE, R^2"},
    {"sweep", cmd_sweep, "train many configurations on data loaded once, and rank them"},
    {"cache", cmd_cache, "parse a CSV file once into a binary cache for later runs"},
    {"split", cmd_split, "cut a CSV file into training and held-out test parts"},
    {"gen", cmd_gen, "write a synthetic house-price CSV to standard output"},
    {"curve-diff", cmd_curve_diff, "compare two loss-curve files (exit 1 if they differ)"},
    {"plot", cmd_plot, "draw loss-curve files as an SVG chart"},
    {NULL, NULL, NULL},
};

void cli_print_exit_codes(const char *failed, const char *bad_data, const char *io,
                          int interruptible)
{
    printf("Exit status:\n  0  success\n");
    if (failed != NULL)
        printf("  1  %s\n", failed);
    printf("  2  usage error: unknown option, bad option value\n");
    if (bad_data != NULL)
        printf("  3  bad input data: %s\n", bad_data);
    printf("  4  I/O error: %s\n", io);
    if (interruptible)
        printf("  130, 143  interrupted by SIGINT or SIGTERM: no model written\n");
}

void cli_print_main_help(void)
{
    printf("Usage: gdtrain [train] --data FILE [OPTIONS]\n"
           "       gdtrain SUBCOMMAND [OPTIONS]\n"
           "\n"
           "Train linear regression models on CSV files by gradient descent.\n"
           "\n"
           "Subcommands:\n");
    for (const subcommand *s = subcommands; s->name != NULL; s++)
        printf("  %-10s %s\n", s->name, s->summary);
    printf("\n'gdtrain SUBCOMMAND --help' lists the options of each subcommand.\n\n");
}

/* gdtrain-mpi links these files with a main of its own (src/mpi/main.c). */
#ifndef GDTRAIN_NO_MAIN
/* 'gdtrain WORD' where WORD is no subcommand: a data file given without
 * --data, a subcommand mistyped, or something else. */
static void unknown_subcommand(const char *word)
{
    cli_guess g = {NULL, 0};
    for (const subcommand *s = subcommands; s->name != NULL; s++)
        cli_guess_offer(&g, word, strlen(word), s->name);
    const char *meant = cli_guess_result(&g, strlen(word));
    if (meant != NULL && access(word, F_OK) != 0) {
        cli_usage_error(NULL, "unknown subcommand '%s' (did you mean '%s'?)", word, meant);
        return;
    }
    if (cli_looks_like_file(word)) {
        cli_usage_error(NULL, "unknown subcommand '%s' (did you mean '--data %s'?)", word, word);
        return;
    }
    char names[256] = "";
    for (const subcommand *s = subcommands; s->name != NULL; s++) {
        strncat(names, s->name, sizeof names - strlen(names) - 1);
        if (s[1].name != NULL)
            strncat(names, ", ", sizeof names - strlen(names) - 1);
    }
    cli_usage_error(NULL, "unknown subcommand '%s' (the subcommands are: %s)", word, names);
}

int main(int argc, char **argv)
{
    cli_signals_remove_temps();
    if (argc >= 2) {
        for (const subcommand *s = subcommands; s->name != NULL; s++)
            if (strcmp(argv[1], s->name) == 0)
                return s->run(argc - 2, argv + 2);
        if (argv[1][0] != '-') {
            unknown_subcommand(argv[1]);
            return 2;
        }
    }
    return cmd_train(argc - 1, argv + 1);
}
#endif
