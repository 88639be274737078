/*
 * gdtrain predict: one prediction per data row, from a model file.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "io/atomicfile.h"
#include "gdtrain/dataset.h"
#include "gdtrain/model.h"
#include "fit.h"
#include "io/numformat.h"
#include "msg.h"
#include "options.h"
#include "solve/dist.h"
#include "solve/summary.h"
#include "table.h"

typedef struct predict_settings {
    const char *model;
    const char *data;
    char delimiter;
    const char *out;
    const char *interval;
    double level;
    char decimal;
    int strict;
} predict_settings;

#define S(field) offsetof(predict_settings, field)
static const cli_option predict_options[] = {
    {"model", 'm', OPT_STRING, 0, S(model), "FILE", "model file written by 'gdtrain train' or 'gdtrain solve'; required"},
    {"data", 'd', OPT_STRING, 0, S(data), "FILE", "CSV with the model's feature columns, by name, in any order ('-' = standard input); required"},
    {"delimiter", 0, OPT_DELIMITER, 0, S(delimiter), "CHAR", "field separator: ',' (default), ';', 'tab', ..."},
    {"out", 'o', OPT_STRING, 0, S(out), "FILE", "write the predictions to FILE instead of standard output"},
    {"interval", 'i', OPT_STRING, 0, S(interval), "KIND", "also write an interval: 'confidence' (for the mean) or 'prediction' (for a new observation); needs a model from 'gdtrain solve'"},
    {"level", 0, OPT_DOUBLE, OPT_UNIT | OPT_POSITIVE, S(level), "P", "confidence level of --interval, in (0, 1) (default: 0.95)"},
    {"decimal", 0, OPT_DELIMITER, 0, S(decimal), "CHAR", "decimal separator of the numbers: '.' (default) or ','"},
    {"strict", 0, OPT_FLAG, 0, S(strict), NULL, "a level the training data did not have is an error, not the reference level"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
#undef S

static void print_predict_help(void)
{
    printf("Usage: gdtrain predict --model FILE --data FILE [--out FILE]\n"
           "                       [--interval confidence|prediction [--level P]]\n\n"
           "Writes one prediction per data row, in row order, one number per line\n"
           "(the shortest decimal that reads back as the same double). Columns that the model does not use are\n"
           "ignored; a missing feature column is an error.\n\n"
           "With --interval, writes CSV 'fit,lower,upper', one row per data row: the\n"
           "t interval of ordinary least squares at --level, for the mean at the\n"
           "row ('confidence') or for a new observation there ('prediction'), as R's\n"
           "predict.lm gives them. The model must carry the statistics of its fit,\n"
           "as models from 'gdtrain solve' do.\n\nOptions:\n");
    cli_print_options(predict_options, stdout);
    printf("\n");
    cli_print_exit_codes(NULL, "malformed CSV, non-numeric cell, bad model file",
                         "cannot read or write a file, out of memory", 0);
}

/* What --interval needs: the fit's factor and the t quantile of the level. */
typedef struct interval_spec {
    int prediction;      /* 1: for a new observation; 0: for the mean */
    double t;            /* the t quantile for the level and the fit's df */
    gd_fit_factor factor;
    double *work;        /* (factor.k) */
} interval_spec;

/* Writes a line per row; *nna gets the rows written as NA. */
static gd_status write_predictions(FILE *out, const char *name, const gd_model *m,
                                   const gd_dataset *ds, const interval_spec *iv,
                                   size_t *nna, gd_error *err)
{
    char a[GD_NUMFORMAT_SIZE], b[GD_NUMFORMAT_SIZE], c[GD_NUMFORMAT_SIZE];
    *nna = 0;
    if (iv != NULL)
        fputs("fit,lower,upper\n", out);
    for (size_t i = 0; i < ds->n; i++) {
        const double *x = gd_dataset_row(ds, i);
        double fit = gd_model_predict(m, x);
        /* A row the model could not complete (a missing cell under --na
         * drop) is NaN: NA, as R's predict writes it. */
        if (fit != fit) {
            fputs(iv == NULL ? "NA\n" : "NA,NA,NA\n", out);
            ++*nna;
            continue;
        }
        if (iv == NULL) {
            fprintf(out, "%s\n", cli_num(a, sizeof a, fit));
            continue;
        }
        double se = gd_fit_factor_se(&iv->factor, &m->scaling, x, iv->work);
        if (iv->prediction)
            se = sqrt(iv->factor.sigma2 + se * se);
        fprintf(out, "%s,%s,%s\n", cli_num(a, sizeof a, fit),
                cli_num(b, sizeof b, fit - iv->t * se), cli_num(c, sizeof c, fit + iv->t * se));
    }
    if (fflush(out) != 0 || ferror(out))
        return gd_error_set(err, GD_ERR_IO, name, 0, 0, "cannot write the predictions");
    return GD_OK;
}

/* Reads the factor from the model for --interval; a model that has none is
 * an error naming the model file and saying why. */
static gd_status prepare_interval(interval_spec *iv, const predict_settings *s,
                                  const gd_model *m, gd_error *err)
{
    gd_status st = gd_fit_factor_from_model(&iv->factor, m, err);
    if (st != GD_OK) {
        snprintf(err->file, sizeof err->file, "%s", s->model);
        return st;
    }
    iv->prediction = strcmp(s->interval, "prediction") == 0;
    /* The upper (1 - level) / 2 point, from the small tail for accuracy. */
    iv->t = -gd_t_quantile((1 - s->level) / 2, iv->factor.df);
    iv->work = malloc((iv->factor.k ? iv->factor.k : 1) * sizeof *iv->work);
    if (iv->work == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return GD_OK;
}

int cmd_predict(int argc, char **argv)
{
    predict_settings s = {.delimiter = ',', .level = 0.95};
    unsigned char set[sizeof predict_options / sizeof predict_options[0]] = {0};
    int early = cli_parse_command("predict", predict_options, argc, argv, &s, set, print_predict_help);
    if (early >= 0)
        return early;
    if (s.model == NULL || s.data == NULL) {
        cli_usage_error("predict", "give both --model FILE and --data FILE%s",
                        s.data == NULL ? cli_stdin_hint() : "");
        return 2;
    }
    if (s.interval != NULL && strcmp(s.interval, "confidence") != 0 &&
        strcmp(s.interval, "prediction") != 0) {
        cli_usage_error("predict", "--interval is 'confidence' or 'prediction', not '%s'",
                        s.interval);
        return 2;
    }
    if (s.interval == NULL && set[cli_option_index(predict_options, "level")]) {
        cli_usage_error("predict", "--level goes with --interval");
        return 2;
    }
    const cli_stream_use in[] = {{"--model -", cli_is_stdio(s.model)},
                                 {"--data -", cli_is_stdio(s.data)}};
    if (!cli_one_per_stream("predict", 0, in, 2))
        return 2;
    const cli_file_use written[] = {{"--out", s.out}};
    const cli_file_use read[] = {{"--model", s.model}, {"--data", s.data}};
    if (!cli_outputs_spare_inputs("predict", written, 1, read, 2))
        return 2;

    gd_error err;
    gd_error_clear(&err);
    gd_model model = {0};
    gd_dataset ds = {0};
    interval_spec iv = {0};
    gd_status st = gd_model_load(&model, s.model, &err);
    if (st == GD_OK && s.interval != NULL)
        st = prepare_interval(&iv, &s, &model, &err);
    int reported = 0;
    size_t nna = 0;
    if (st == GD_OK) {
        st = cli_table_load_for_model(&model, s.data, s.delimiter, s.decimal, s.strict, 0, 1,
                                      &ds);
        reported = st != GD_OK;
    }
    if (st == GD_OK) {
        if (s.out == NULL) {
            st = write_predictions(stdout, "<stdout>", &model, &ds,
                                   s.interval ? &iv : NULL, &nna, &err);
        } else {
            gd_atomic_file f;
            st = gd_atomic_open(&f, s.out, &err);
            if (st == GD_OK) {
                st = write_predictions(f.fp, s.out, &model, &ds, s.interval ? &iv : NULL,
                                       &nna, &err);
                if (st == GD_OK)
                    st = gd_atomic_commit(&f, &err);
                else
                    gd_atomic_abort(&f);
            }
        }
    }
    if (st != GD_OK && !reported)
        cli_report(&err);
    /* Said like the unseen levels: an NA line should not go unnoticed. */
    if (st == GD_OK && nna > 0)
        cli_warn("%s: %zu row%s predicted NA (a missing cell that the model, trained with "
                 "--na drop, does not fill)", cli_file_name(s.data), nna, cli_plural(nna));
    gd_fit_factor_free(&iv.factor);
    free(iv.work);
    gd_dataset_free(&ds);
    gd_model_free(&model);
    return cli_exit_code(st);
}
