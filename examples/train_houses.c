/*
 * train_houses: the gdtrain library from a C program of your own.
 *
 * Does what `gdtrain --data FILE --opt adam --out MODEL` does: one call to
 * gd_fit loads a CSV file (the last column is the target), standardizes it,
 * trains with adam's defaults (the command line's configuration, built by
 * gd_train_config_build), compares the result with the exact least-squares
 * optimum and builds the model. The program saves the model, loads it back
 * and predicts the file's first row. Build it against an installed gdtrain
 * with
 *
 *     cc -std=c11 train_houses.c $(pkg-config --cflags --libs gdtrain) -o train_houses
 *
 * or, in CMake, find_package(gdtrain) and link gdtrain::gdtrain. Run
 *
 *     ./train_houses data/houses.csv houses.model
 *
 * It prints, on standard output, one "key value" line per result: rows,
 * features, epochs, stop_reason, train_mse, optimum_mse, gap, intercept, one
 * "weight NAME VALUE" line per feature, the model file, and the loaded
 * model's prediction for the first row next to its actual target. Numbers
 * are printed with %.17g, as in the model file. Exit status as gdtrain's:
 * 0 success, 1 training diverged, 2 usage, 3 bad data, 4 I/O.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gdtrain/gdtrain.h"

/* The rows of the file at path, in their own units. */
static gd_status load_rows(const char *path, gd_dataset *rows, gd_error *err)
{
    gd_load_options lo = {.path = path, .need_target = 1};
    return gd_dataset_load(rows, &lo, err);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s DATA.csv [MODEL_OUT]\n", argv[0]);
        return 2;
    }
    const char *data_path = argv[1];
    const char *model_path = argc > 2 ? argv[2] : "train_houses.model";

    gd_error err;
    gd_error_clear(&err);
    gd_train_config cfg;
    gd_fit_result res = {0};
    gd_model model = {0}, loaded = {0};
    gd_dataset rows = {0};
    int exit_code = 0;

    /* 1. The configuration: adam with every default, as `gdtrain --opt adam`. */
    gd_train_choice choice = {.opt = "adam"};
    gd_status st = gd_train_config_build(&cfg, &choice, &err);
    if (st != GD_OK)
        goto fail;

    /* 2. Load, standardize, train, measure the gap to the optimum, build the
     * model in original units. */
    gd_fit_request req = {.source = {.path = data_path}, .config = &cfg};
    st = gd_fit(&req, &res, &model, &err);
    if (st != GD_OK)
        goto fail;
    if (res.train.reason == GD_STOP_DIVERGED) {
        fprintf(stderr, "train_houses: training diverged at epoch %ld\n", res.train.epochs);
        exit_code = 1;
        goto done;
    }

    /* 3. Save it atomically, with a note of how it was made. */
    st = gd_model_set_info(&model, "optimizer", "adam", &err);
    if (st == GD_OK)
        st = gd_model_set_info(&model, "made_by", "examples/train_houses.c", &err);
    if (st == GD_OK)
        st = gd_model_save(&model, model_path, &err);
    if (st != GD_OK)
        goto fail;

    /* Losses on standardized data times loss_scale are in the target's units. */
    printf("rows %zu\nfeatures %zu\n", res.rows, model.d);
    printf("epochs %ld\nstop_reason %s\n", res.train.epochs,
           gd_stop_reason_name(res.train.reason));
    printf("train_mse %.17g\noptimum_mse %.17g\ngap %.17g\n",
           res.train.train_loss * res.loss_scale, res.optimum.mse * res.loss_scale, res.gap);
    printf("intercept %.17g\n", model.intercept);
    for (size_t j = 0; j < model.d; j++)
        printf("weight %s %.17g\n", model.features[j], model.weights[j]);
    printf("model %s\n", model_path);

    /* 4. Load the file back and predict the data's first row, read afresh in
     * its own units. */
    st = gd_model_load(&loaded, model_path, &err);
    if (st == GD_OK)
        st = load_rows(data_path, &rows, &err);
    if (st != GD_OK)
        goto fail;
    printf("predict_row1 %.17g\nactual_row1 %.17g\n",
           gd_model_predict(&loaded, gd_dataset_row(&rows, 0)), rows.y[0]);
    goto done;

fail:
    {
        char buf[sizeof err.file + sizeof err.message + 8];
        fprintf(stderr, "train_houses: error: %s\n", gd_error_format(&err, buf, sizeof buf));
        exit_code = (int)st;
    }
done:
    gd_dataset_free(&rows);
    gd_model_free(&loaded);
    gd_model_free(&model);
    gd_fit_result_free(&res);
    return exit_code;
}
