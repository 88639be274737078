/*
 * gdtrain eval: how well a saved model fits a labelled CSV file.
 *
 * Loads the model, then the data's columns for the model's features and its
 * target (by name, in any order; other columns are ignored), predicts every
 * row with gd_model_predict (the trainer's own arithmetic, so evaluating on
 * the training data gives back the training MSE), and reports
 *     MSE  = (1/n) sum_i (p_i - y_i)^2      RMSE = sqrt(MSE)
 *     MAE  = (1/n) sum_i |p_i - y_i|
 *     R^2  = 1 - SSE / SST,  SST = sum_i (y_i - mean(y))^2 around the data's
 *            own mean; undefined (printed n/a, JSON null) when the target is
 *            constant in the data, since then SST is 0.
 * Sums are compensated (Neumaier) so their order barely matters. A summary
 * goes to stderr; with --json one JSON object line goes to stdout.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "gdtrain/dataset.h"
#include "gdtrain/error.h"
#include "io/json.h"
#include "gdtrain/model.h"
#include "msg.h"
#include "options.h"
#include "table.h"

typedef struct eval_settings {
    const char *model;
    const char *data;
    char delimiter;
    int json;
    char decimal;
    int strict;
} eval_settings;

#define S(field) offsetof(eval_settings, field)
static const cli_option eval_options[] = {
    {"model", 'm', OPT_STRING, 0, S(model), "FILE", "model file written by 'gdtrain train' or 'gdtrain solve'; required"},
    {"data", 'd', OPT_STRING, 0, S(data), "FILE", "CSV with the model's feature columns and its target, by name ('-' = standard input); required"},
    {"delimiter", 0, OPT_DELIMITER, 0, S(delimiter), "CHAR", "field separator: ',' (default), ';', 'tab', ..."},
    {"json", 0, OPT_FLAG, 0, S(json), NULL, "print the metrics as one JSON object on standard output"},
    {"decimal", 0, OPT_DELIMITER, 0, S(decimal), "CHAR", "decimal separator of the numbers: '.' (default) or ','"},
    {"strict", 0, OPT_FLAG, 0, S(strict), NULL, "a level the training data did not have is an error, not the reference level"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
#undef S

static void print_eval_help(void)
{
    printf("Usage: gdtrain eval --model FILE --data FILE [--delimiter CHAR] [--json]\n\n"
           "Scores a model on a CSV file that has the model's feature columns and its\n"
           "target column, by name, in any order (other columns are ignored): the mean\n"
           "squared error (MSE), its root (RMSE), the mean absolute error (MAE) and\n"
           "R^2 = 1 - SSE/SST, with SST taken around the data's own mean of the target\n"
           "(n/a, or null in JSON, when the target is constant in the data). A summary\n"
           "goes to standard error; --json prints\n"
           "  {\"command\":\"eval\",\"model\":...,\"data\":...,\"rows\":N,\"mse\":...,\"rmse\":...,\n"
           "   \"mae\":...,\"r2\":...}\n"
           "on one line of standard output.\n\nOptions:\n");
    cli_print_options(eval_options, stdout);
    printf("\n");
    cli_print_exit_codes(NULL, "malformed CSV, non-numeric cell, bad model file",
                         "cannot read a file, out of memory", 0);
}

/* A Neumaier-compensated sum. */
typedef struct ksum {
    double s, c;
} ksum;

static void ksum_add(ksum *k, double v)
{
    double t = k->s + v;
    if (fabs(k->s) >= fabs(v))
        k->c += (k->s - t) + v;
    else
        k->c += (v - t) + k->s;
    k->s = t;
}

static double ksum_value(const ksum *k)
{
    return k->s + k->c;
}

/* The metrics of the model on the data. */
typedef struct eval_metrics {
    size_t rows;
    double mse, rmse, mae;
    double r2;        /* NaN when undefined */
    int constant_y;   /* the target is constant in the data */
} eval_metrics;

static gd_status evaluate(const gd_model *m, const gd_dataset *ds, const char *path,
                          eval_metrics *out, gd_error *err)
{
    const size_t n = ds->n;
    ksum sse = {0, 0}, sae = {0, 0}, sy = {0, 0}, sst = {0, 0};
    int constant = 1;
    for (size_t i = 0; i < n; i++) {
        double y = ds->y[i];
        double e = gd_model_predict(m, gd_dataset_row(ds, i)) - y;
        ksum_add(&sse, e * e);
        ksum_add(&sae, fabs(e));
        ksum_add(&sy, y);
        constant &= y == ds->y[0];
    }
    double mean = ksum_value(&sy) / (double)n;
    for (size_t i = 0; i < n && !constant; i++) {
        double dev = ds->y[i] - mean;
        ksum_add(&sst, dev * dev);
    }
    double mse = ksum_value(&sse) / (double)n;
    double mae = ksum_value(&sae) / (double)n;
    if (!isfinite(mse) || !isfinite(mae) || !isfinite(ksum_value(&sst)))
        return gd_error_set(err, GD_ERR_DATA, path, 0, 0,
                            "the prediction errors overflow a double: the data's values are "
                            "too large for this model");
    out->rows = n;
    out->mse = mse;
    out->rmse = sqrt(mse);
    out->mae = mae;
    out->constant_y = constant;
    double t = ksum_value(&sst);
    out->r2 = constant || !(t > 0) ? NAN : 1.0 - ksum_value(&sse) / t;
    return GD_OK;
}

static int print_json(const eval_settings *s, const eval_metrics *em)
{
    gd_json j;
    gd_json_start(&j, stdout);
    gd_json_object_begin(&j, NULL);
    gd_json_string(&j, "command", "eval");
    gd_json_string(&j, "model", s->model);
    gd_json_string(&j, "data", s->data);
    gd_json_integer(&j, "rows", (long long)em->rows);
    gd_json_number(&j, "mse", em->mse);
    gd_json_number(&j, "rmse", em->rmse);
    gd_json_number(&j, "mae", em->mae);
    gd_json_number(&j, "r2", em->r2); /* NaN is written as null */
    gd_json_object_end(&j);
    return gd_json_finish(&j);
}

int cmd_eval(int argc, char **argv)
{
    eval_settings s = {.delimiter = ','};
    unsigned char set[sizeof eval_options / sizeof eval_options[0]] = {0};
    int early = cli_parse_command("eval", eval_options, argc, argv, &s, set, print_eval_help);
    if (early >= 0)
        return early;
    if (s.model == NULL || s.data == NULL) {
        cli_usage_error("eval", "give both --model FILE and --data FILE%s",
                        s.data == NULL ? cli_stdin_hint() : "");
        return 2;
    }
    const cli_stream_use in[] = {{"--model -", cli_is_stdio(s.model)},
                                 {"--data -", cli_is_stdio(s.data)}};
    if (!cli_one_per_stream("eval", 0, in, 2))
        return 2;

    gd_error err;
    gd_error_clear(&err);
    gd_model model = {0};
    gd_dataset ds = {0};
    eval_metrics em = {0, 0, 0, 0, 0, 0};
    gd_status st = gd_model_load(&model, s.model, &err);
    if (st != GD_OK) {
        cli_report(&err);
        goto done;
    }
    st = cli_table_load_for_model(&model, s.data, s.delimiter, s.decimal, s.strict, 1, 0,
                                  &ds);
    if (st != GD_OK)
        goto done;
    st = evaluate(&model, &ds, cli_file_name(s.data), &em, &err);
    if (st != GD_OK) {
        cli_report(&err);
        goto done;
    }

    cli_say("gdtrain: eval of %s on %s: %zu row%s, target '%s'\n", s.model,
            cli_file_name(s.data), em.rows, cli_plural(em.rows), model.target);
    if (em.constant_y)
        cli_say("  MSE %.6g, RMSE %.6g, MAE %.6g, R^2 n/a (the target is constant in the data)\n",
                em.mse, em.rmse, em.mae);
    else
        cli_say("  MSE %.6g, RMSE %.6g, MAE %.6g, R^2 %.6f\n", em.mse, em.rmse, em.mae, em.r2);
    if (s.json && print_json(&s, &em) != 0) {
        cli_error("cannot write to standard output");
        st = GD_ERR_IO;
    }

done:
    gd_dataset_free(&ds);
    gd_model_free(&model);
    return cli_exit_code(st);
}
