/*
 * gdtrain solve: the exact least-squares (or ridge) model by Householder QR,
 * written as a model file like training writes one.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "io/json.h"
#include "fit.h"
#include "msg.h"
#include "options.h"

typedef struct solve_settings {
    const char *data;
    char delimiter;
    const char *target;
    const char *features;
    const char *out;
    double l2;
    int quiet;
    int json;
} solve_settings;

static const cli_option solve_options[] = {
    CLI_DATA_OPTIONS(solve_settings),
    {"out", 'o', OPT_STRING, 0, offsetof(solve_settings, out), "FILE", "model file to write ('-' = standard output; default: gdtrain.model)"},
    {"l2", 0, OPT_DOUBLE, OPT_NONNEG, offsetof(solve_settings, l2), "LAMBDA", "ridge penalty: minimize MSE + LAMBDA*|w|^2 on standardized data (default: 0)"},
    {"quiet", 'q', OPT_FLAG, 0, offsetof(solve_settings, quiet), NULL, "print nothing but errors"},
    {"json", 0, OPT_FLAG, 0, offsetof(solve_settings, json), NULL, "print a JSON summary on standard output"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static void print_solve_help(void)
{
    printf("Usage: gdtrain solve --data FILE [--out FILE] [--l2 LAMBDA]\n\n"
           "Fits the exact least-squares model (ridge with --l2) on the standardized\n"
           "columns by Householder QR, without gradient descent, and writes it as a\n"
           "model file. Collinear or constant columns get the minimum-norm solution.\n"
           "This is the optimum that 'gdtrain train' reports its gap against.\n\nOptions:\n");
    cli_print_options(solve_options, stdout);
    printf("\n");
    cli_print_exit_codes(NULL, "malformed CSV, non-numeric cell",
                         "cannot read or write a file, out of memory", 0);
}

static int print_json(const solve_settings *s, const gd_dataset *ds, const gd_model *m,
                      const gd_solve_info *info, double loss_scale)
{
    gd_json j;
    gd_json_start(&j, stdout);
    gd_json_object_begin(&j, NULL);
    gd_json_string(&j, "command", "solve");
    gd_json_string(&j, "data", s->data);
    gd_json_string(&j, "model", s->out);
    gd_json_object_begin(&j, "options");
    gd_json_number(&j, "l2", s->l2);
    gd_json_object_end(&j);
    gd_json_integer(&j, "rows", (long long)ds->n);
    cli_json_columns(&j, m);
    gd_json_number(&j, "mse", info->mse * loss_scale);
    gd_json_number(&j, "rmse", sqrt(info->mse * loss_scale));
    gd_json_number(&j, "r2", info->mse_const > 0 ? 1.0 - info->mse / info->mse_const : NAN);
    gd_json_number(&j, "constant_mse", info->mse_const * loss_scale);
    gd_json_integer(&j, "rank", (long long)info->rank);
    gd_json_number(&j, "cond", info->cond);
    cli_json_weights(&j, m);
    gd_json_object_end(&j);
    return gd_json_finish(&j);
}

int cmd_solve(int argc, char **argv)
{
    solve_settings s = {.delimiter = ',', .out = "gdtrain.model"};
    unsigned char set[sizeof solve_options / sizeof solve_options[0]] = {0};
    char num[64];
    int early = cli_parse_command("solve", solve_options, argc, argv, &s, set, print_solve_help);
    if (early >= 0)
        return early;
    cli_quiet = s.quiet;
    if (s.data == NULL) {
        cli_usage_error("solve", "no data: give --data FILE%s", cli_stdin_hint());
        return 2;
    }
    const cli_stream_use out[] = {{"--json", s.json}, {"--out -", cli_is_stdio(s.out)}};
    if (!cli_one_per_stream("solve", 1, out, 2))
        return 2;

    gd_dataset ds = {0};
    gd_scaling sc = {0};
    gd_model model = {0};
    gd_error err;
    gd_error_clear(&err);
    double *params = NULL;
    gd_status st = GD_OK;
    cli_data_choice choice = {.path = s.data, .delimiter = s.delimiter,
                              .target = s.target, .features = s.features};
    int exit_code = cli_load_standardized(&choice, &ds, &sc, NULL);
    if (exit_code != 0)
        goto done;
    params = malloc((ds.d + 1) * sizeof *params);
    if (params == NULL) {
        st = gd_error_set(&err, GD_ERR_IO, NULL, 0, 0, "out of memory");
        goto fail;
    }
    gd_solve_info info;
    st = gd_solve_dataset(&ds, s.l2, params, &info, &err);
    if (st == GD_OK)
        st = cli_make_model(&ds, &sc, params, &model, &err);
    const double loss_scale = sc.y_std * sc.y_std;
#define INFO(key, value) \
    if (st == GD_OK) st = gd_model_set_info(&model, key, value, &err)
    INFO("gdtrain_version", GDTRAIN_VERSION);
    INFO("data", s.data);
    INFO("rows", cli_num(num, sizeof num, (double)ds.n));
    INFO("optimizer", "qr");
    INFO("l2", cli_num(num, sizeof num, s.l2));
    INFO("rank", cli_num(num, sizeof num, (double)info.rank));
    INFO("train_mse", cli_num(num, sizeof num, info.mse * loss_scale));
    INFO("optimum_mse", cli_num(num, sizeof num, info.mse * loss_scale));
    INFO("gap", "0");
    INFO("constant_mse", cli_num(num, sizeof num, info.mse_const * loss_scale));
#undef INFO
    if (st == GD_OK)
        st = gd_model_save(&model, s.out, &err);
    if (st != GD_OK)
        goto fail;

    double mse = info.mse * loss_scale;
    cli_say("gdtrain: exact least squares%s on %s: %zu row%s, %zu feature%s\n",
            s.l2 > 0 ? " with ridge penalty" : "",
            strcmp(s.data, "-") == 0 ? "<stdin>" : s.data, ds.n, cli_plural(ds.n), ds.d,
            cli_plural(ds.d));
    cli_say_formula(&model);
    cli_say("  MSE %.6g, RMSE %.6g", mse, sqrt(mse));
    if (!sc.y_constant)
        cli_say(", R^2 %.6f", 1.0 - info.mse / info.mse_const);
    cli_say("; rank %zu of %zu, condition number %.3g\n", info.rank, ds.d + 1, info.cond);
    if (info.rank + cli_constant_columns(&sc) < ds.d + 1)
        cli_warn("the features are collinear (rank %zu of %zu): this is the minimum-norm "
                 "solution; others fit equally well", info.rank, ds.d + 1);
    cli_say("  model written to %s\n", cli_out_name(s.out));
    if (s.json && print_json(&s, &ds, &model, &info, loss_scale) != 0) {
        cli_error("cannot write the JSON summary to standard output");
        exit_code = 4;
    }
    goto done;

fail:
    cli_report(&err);
    exit_code = (int)st;
done:
    gd_model_free(&model);
    free(params);
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
    return exit_code;
}
