/*
 * gdtrain predict: one prediction per data row, from a model file.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "io/atomicfile.h"
#include "gdtrain/dataset.h"
#include "gdtrain/model.h"
#include "fit.h"
#include "io/numformat.h"
#include "msg.h"
#include "options.h"

typedef struct predict_settings {
    const char *model;
    const char *data;
    char delimiter;
    const char *out;
} predict_settings;

#define S(field) offsetof(predict_settings, field)
static const cli_option predict_options[] = {
    {"model", 'm', OPT_STRING, 0, S(model), "FILE", "model file written by 'gdtrain train'; required"},
    {"data", 'd', OPT_STRING, 0, S(data), "FILE", "CSV with the model's feature columns, by name, in any order ('-' = standard input); required"},
    {"delimiter", 0, OPT_DELIMITER, 0, S(delimiter), "CHAR", "field separator: ',' (default), ';', 'tab', ..."},
    {"out", 'o', OPT_STRING, 0, S(out), "FILE", "write the predictions to FILE instead of standard output"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
#undef S

static void print_predict_help(void)
{
    printf("Usage: gdtrain predict --model FILE --data FILE [--out FILE]\n\n"
           "Writes one prediction per data row, in row order, one number per line\n"
           "(the shortest decimal that reads back as the same double). Columns that the model does not use are\n"
           "ignored; a missing feature column is an error.\n\nOptions:\n");
    cli_print_options(predict_options, stdout);
    printf("\n");
    cli_print_exit_codes(NULL, "malformed CSV, non-numeric cell, bad model file",
                         "cannot read or write a file, out of memory", 0);
}

static gd_status write_predictions(FILE *out, const char *name, const gd_model *m,
                                   const gd_dataset *ds, gd_error *err)
{
    char buf[GD_NUMFORMAT_SIZE];
    for (size_t i = 0; i < ds->n; i++)
        fprintf(out, "%s\n", cli_num(buf, sizeof buf, gd_model_predict(m, gd_dataset_row(ds, i))));
    if (fflush(out) != 0 || ferror(out))
        return gd_error_set(err, GD_ERR_IO, name, 0, 0, "cannot write the predictions");
    return GD_OK;
}

int cmd_predict(int argc, char **argv)
{
    predict_settings s = {.delimiter = ','};
    unsigned char set[sizeof predict_options / sizeof predict_options[0]] = {0};
    int early = cli_parse_command("predict", predict_options, argc, argv, &s, set, print_predict_help);
    if (early >= 0)
        return early;
    if (s.model == NULL || s.data == NULL) {
        cli_usage_error("predict", "give both --model FILE and --data FILE%s",
                        s.data == NULL ? cli_stdin_hint() : "");
        return 2;
    }
    const cli_stream_use in[] = {{"--model -", cli_is_stdio(s.model)},
                                 {"--data -", cli_is_stdio(s.data)}};
    if (!cli_one_per_stream("predict", 0, in, 2))
        return 2;

    gd_error err;
    gd_error_clear(&err);
    gd_model model = {0};
    gd_dataset ds = {0};
    gd_status st = gd_model_load(&model, s.model, &err);
    if (st == GD_OK) {
        gd_load_options lo = {
            .path = s.data, .delimiter = s.delimiter, .target = NULL,
            .features = (const char *const *)model.features, .nfeatures = model.d,
            .need_target = 0,
        };
        st = gd_dataset_load(&ds, &lo, &err);
    }
    if (st == GD_OK) {
        if (s.out == NULL) {
            st = write_predictions(stdout, "<stdout>", &model, &ds, &err);
        } else {
            gd_atomic_file f;
            st = gd_atomic_open(&f, s.out, &err);
            if (st == GD_OK) {
                st = write_predictions(f.fp, s.out, &model, &ds, &err);
                if (st == GD_OK)
                    st = gd_atomic_commit(&f, &err);
                else
                    gd_atomic_abort(&f);
            }
        }
    }
    if (st != GD_OK)
        cli_report(&err);
    gd_dataset_free(&ds);
    gd_model_free(&model);
    return (int)st;
}
