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
#include "solve/summary.h"
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
    int no_intercept;
    int quiet;
    int json;
    int summary;
    cli_table_choice table;
    const char *cache;
} solve_settings;

static const cli_option solve_options[] = {
    CLI_DATA_OPTIONS(solve_settings),
    CLI_TABLE_OPTIONS(solve_settings, table),
    CLI_CACHE_OPTION(solve_settings),
    {"out", 'o', OPT_STRING, 0, offsetof(solve_settings, out), "FILE", "model file to write ('-' = standard output; default: gdtrain.model)"},
    {"l2", 0, OPT_DOUBLE, OPT_NONNEG, offsetof(solve_settings, l2), "LAMBDA", "ridge penalty: minimize MSE + LAMBDA*|w|^2 on standardized data (default: 0)"},
    {"no-intercept", 0, OPT_FLAG, 0, offsetof(solve_settings, no_intercept), NULL, "fit through the origin, y = sum w_j x_j, with no intercept (the columns are scaled by their root mean square, not centered)"},
    {"quiet", 'q', OPT_FLAG, 0, offsetof(solve_settings, quiet), NULL, "print nothing but errors"},
    {"json", 0, OPT_FLAG, 0, offsetof(solve_settings, json), NULL, "print a JSON summary on standard output"},
    {"summary", 's', OPT_FLAG, 0, offsetof(solve_settings, summary), NULL, "print the coefficients' standard errors, t and p values, R^2 and the F test on standard output (in the JSON with --json)"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static void print_solve_help(void)
{
    printf("Usage: gdtrain solve --data FILE [--out FILE] [--l2 LAMBDA] [--no-intercept]\n\n"
           "Fits the exact least-squares model (ridge with --l2) on the standardized\n"
           "columns by Householder QR, without gradient descent, and writes it as a\n"
           "model file. Collinear or constant columns get the minimum-norm solution.\n"
           "This is the optimum that 'gdtrain train' reports its gap against.\n\n"
           "With --summary it prints the table of R's summary(lm): estimate, standard\n"
           "error, t value and two-sided p value of the intercept and every weight in\n"
           "original units, the residual standard error, R^2, adjusted R^2 and the F\n"
           "test. The model file then also carries what 'gdtrain predict --interval'\n"
           "needs (residual variance, degrees of freedom, the factor R).\n\nOptions:\n");
    cli_print_options(solve_options, stdout);
    printf("\n");
    cli_print_exit_codes(NULL, "malformed CSV, non-numeric cell",
                         "cannot read or write a file, out of memory", 0);
}

/* Above this many features the model file does not carry the factor R
 * (it would hold d^2 / 2 numbers: 12 MB at 1000), and solve computes the
 * statistics (O(d^3)) only when --summary asks for them. */
#define FACTOR_MAX_FEATURES 1000

/* R's significance codes for a p value. */
static const char *stars(double p)
{
    return isnan(p) ? "" : p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : "";
}

/* A p value as the table shows it: 4 digits, and below the smallest
 * double (where it is computed as 0) a bound instead of a false 0. */
static void print_p(char *buf, size_t size, double p)
{
    if (p == 0)
        snprintf(buf, size, "<2.3e-308");
    else
        snprintf(buf, size, "%.4g", p);
}

/* The summary(lm) table on standard output. */
static void print_summary(const gd_summary *sm, const gd_model *m)
{
    size_t width = strlen("(Intercept)");
    for (size_t j = 0; j < m->d; j++)
        if (strlen(m->features[j]) > width)
            width = strlen(m->features[j]);
    printf("Coefficients:\n%-*s %14s %14s %10s %12s\n", (int)width, "", "Estimate",
           "Std. Error", "t value", "Pr(>|t|)");
    for (size_t k = 0; k <= m->d; k++) {
        size_t i = k == 0 ? m->d : k - 1; /* the intercept first, as R prints it */
        const char *name = i == m->d ? "(Intercept)" : m->features[i];
        if (!sm->has_se[i]) {
            printf("%-*s %14.7g %14s %10s %12s  (%s)\n", (int)width, name, sm->estimate[i],
                   "NA", "NA", "NA", sm->constant[i] ? "constant column" : "not estimable: collinear");
            continue;
        }
        char p[32];
        print_p(p, sizeof p, sm->p[i]);
        printf("%-*s %14.7g %14.7g %10.4g %12s %s\n", (int)width, name, sm->estimate[i],
               sm->se[i], sm->t[i], p, stars(sm->p[i]));
    }
    printf("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n");
    printf("Residual standard error: %.7g on %.0f degrees of freedom\n", sm->sigma, sm->df);
    printf("Multiple R-squared: %.7g,\tAdjusted R-squared: %.7g\n", sm->r2, sm->adj_r2);
    if (!isnan(sm->f)) {
        char p[32];
        print_p(p, sizeof p, sm->f_p);
        printf("F-statistic: %.7g on %.0f and %.0f DF,  p-value: %s\n", sm->f, sm->f_df1,
               sm->df, p);
    }
}

/* The "summary" member of solve --json. */
static void json_summary(gd_json *j, const gd_summary *sm, const gd_model *m)
{
    gd_json_object_begin(j, "summary");
    gd_json_array_begin(j, "coefficients");
    for (size_t k = 0; k <= m->d; k++) {
        size_t i = k == 0 ? m->d : k - 1;
        gd_json_object_begin(j, NULL);
        gd_json_string(j, "name", i == m->d ? "(Intercept)" : m->features[i]);
        gd_json_number(j, "estimate", sm->estimate[i]);
        gd_json_number(j, "std_error", sm->se[i]);
        gd_json_number(j, "t_value", sm->t[i]);
        gd_json_number(j, "p_value", sm->p[i]);
        if (!sm->has_se[i])
            gd_json_string(j, "no_std_error", sm->constant[i] ? "constant column" : "collinear");
        gd_json_object_end(j);
    }
    gd_json_array_end(j);
    gd_json_number(j, "residual_std_error", sm->sigma);
    gd_json_number(j, "df", sm->df);
    gd_json_integer(j, "rank", (long long)sm->rank);
    gd_json_number(j, "r2", sm->r2);
    gd_json_number(j, "adj_r2", sm->adj_r2);
    gd_json_number(j, "f_statistic", sm->f);
    gd_json_number(j, "f_df1", sm->f_df1);
    gd_json_number(j, "f_df2", sm->df);
    gd_json_number(j, "f_p_value", sm->f_p);
    gd_json_object_end(j);
}

static int print_json(const solve_settings *s, const gd_dataset *ds, const gd_model *m,
                      const gd_solve_info *info, double loss_scale, const gd_summary *sm)
{
    gd_json j;
    gd_json_start(&j, stdout);
    gd_json_object_begin(&j, NULL);
    gd_json_string(&j, "command", "solve");
    gd_json_string(&j, "data", s->data);
    gd_json_string(&j, "model", s->out);
    gd_json_object_begin(&j, "options");
    gd_json_number(&j, "l2", s->l2);
    gd_json_bool(&j, "no_intercept", s->no_intercept);
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
    if (sm != NULL)
        json_summary(&j, sm, m);
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
    const cli_stream_use out[] = {{"--json", s.json}, {"--out -", cli_is_stdio(s.out)},
                                  {"--summary", s.summary && !s.json}};
    if (!cli_one_per_stream("solve", 1, out, 3))
        return 2;
    const cli_file_use written[] = {{"--out", s.out}}, read[] = {{"--data", s.data}};
    if (!cli_outputs_spare_inputs("solve", written, 1, read, 1))
        return 2;
    if (s.summary && s.l2 > 0) {
        cli_usage_error("solve", "--summary is for ordinary least squares: the standard "
                        "errors of a ridge fit (--l2) are not those of this table");
        return 2;
    }
    if (s.summary && s.no_intercept) {
        cli_usage_error("solve", "--summary is for a model with an intercept: its R^2 and "
                        "F test are not those of a model through the origin (--no-intercept)");
        return 2;
    }

    gd_fit_data fd = {0};
    gd_model model = {0};
    gd_error err;
    gd_error_clear(&err);
    double *params = NULL, *factor = NULL;
    gd_summary summary = {0};
    int have_summary = 0;
    gd_status st = GD_OK;
    cli_data_choice choice = {.path = s.data, .delimiter = s.delimiter,
                              .target = s.target, .features = s.features,
                              .table = s.table, .no_intercept = s.no_intercept,
                              .cache = s.cache};
    int exit_code = cli_load_standardized(&choice, &fd);
    if (exit_code != 0)
        goto done;
    params = malloc((fd.train.d + 1) * sizeof *params);
    factor = malloc((fd.train.d + 2) * (fd.train.d + 2) * sizeof *factor);
    if (params == NULL || factor == NULL) {
        st = gd_error_set(&err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    gd_solve_info info;
    st = s.no_intercept ? gd_solve_dataset_origin(&fd.train, s.l2, params, &info, &err)
         : s.l2 > 0     ? gd_solve_dataset(&fd.train, s.l2, params, &info, &err)
                        : gd_solve_dataset_factor(&fd.train, params, &info, factor, &err);
    if (st == GD_OK)
        st = gd_fit_model(&fd, params, &model, &err);
    /* The statistics of an ordinary least-squares fit (not of a ridge one). */
    const int carry_factor = fd.train.d <= FACTOR_MAX_FEATURES;
    if (st == GD_OK && s.l2 == 0 && !s.no_intercept && (s.summary || carry_factor)) {
        st = gd_summary_compute(&summary, factor, fd.train.n, &model, info.mse,
                                info.mse_const, &err);
        have_summary = st == GD_OK;
    }
    const double loss_scale = fd.scaling.y_std * fd.scaling.y_std;
#define INFO(key, value) \
    if (st == GD_OK) st = gd_model_set_info(&model, key, value, &err)
    INFO("gdtrain_version", GDTRAIN_VERSION);
    INFO("data", s.data);
    INFO("rows", cli_num(num, sizeof num, (double)fd.train.n));
    INFO("optimizer", "qr");
    INFO("l2", cli_num(num, sizeof num, s.l2));
    INFO("no_intercept", s.no_intercept ? "1" : "0");
    INFO("rank", cli_num(num, sizeof num, (double)info.rank));
    INFO("train_mse", cli_num(num, sizeof num, info.mse * loss_scale));
    INFO("optimum_mse", cli_num(num, sizeof num, info.mse * loss_scale));
    INFO("gap", "0");
    INFO("constant_mse", cli_num(num, sizeof num, info.mse_const * loss_scale));
#undef INFO
    if (st == GD_OK && have_summary && carry_factor)
        st = gd_fit_factor_to_model(&summary.factor, &model, &err);
    else if (st == GD_OK && s.l2 == 0)
        st = gd_model_set_info(&model, "fit_factor_columns", "too-many-features", &err);
    if (st == GD_OK)
        st = gd_model_save(&model, s.out, &err);
    if (st != GD_OK)
        goto fail;

    double mse = info.mse * loss_scale;
    cli_say("gdtrain: exact least squares%s on %s: %zu row%s, %zu feature%s\n",
            s.l2 > 0 ? " with ridge penalty" : "",
            cli_file_name(s.data), fd.train.n, cli_plural(fd.train.n),
            fd.train.d, cli_plural(fd.train.d));
    cli_say_formula(&model);
    cli_say("  MSE %.6g, RMSE %.6g", mse, sqrt(mse));
    if (!fd.scaling.y_constant)
        cli_say(", R^2 %.6f", 1.0 - info.mse / info.mse_const);
    const size_t coefficients = fd.train.d + (s.no_intercept ? 0 : 1);
    cli_say("; rank %zu of %zu, condition number %.3g\n", info.rank, coefficients, info.cond);
    if (info.rank + cli_constant_columns(&fd.scaling) < coefficients)
        cli_warn("the features are collinear (rank %zu of %zu): this is the minimum-norm "
                 "solution; others fit equally well", info.rank, coefficients);
    cli_say("  model written to %s\n", cli_out_name(s.out));
    if (s.summary && have_summary && !s.json)
        print_summary(&summary, &model);
    if (s.json && print_json(&s, &fd.train, &model, &info, loss_scale,
                             s.summary && have_summary ? &summary : NULL) != 0) {
        cli_error("cannot write the JSON summary to standard output");
        exit_code = cli_exit_code(GD_ERR_IO);
    }
    goto done;

fail:
    cli_report(&err);
    exit_code = cli_exit_code(st);
done:
    gd_summary_free(&summary);
    gd_model_free(&model);
    free(params);
    free(factor);
    gd_fit_data_free(&fd);
    return exit_code;
}
