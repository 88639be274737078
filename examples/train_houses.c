/*
 * train_houses: the gdtrain library from a C program of your own.
 *
 * Does what `gdtrain --data FILE --opt adam --out MODEL` does, in about a
 * hundred lines: loads a CSV file (the last column is the target),
 * standardizes it, trains with adam's defaults, compares the result with the
 * exact least-squares optimum, saves the model, loads it back and predicts
 * the first row. Build it against an installed gdtrain with
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

#include "gdtrain/dataset.h"
#include "gdtrain/error.h"
#include "gdtrain/model.h"
#include "gdtrain/optim.h"
#include "gdtrain/solve.h"
#include "gdtrain/trainer.h"

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
    gd_dataset ds = {0};
    gd_scaling sc = {0};
    gd_model model = {0}, loaded = {0};
    gd_train_config cfg;
    gd_train_result res;
    gd_solve_info opt;
    double *params = NULL;  /* (d + 1) trained [w_0 .. w_{d-1}, b], standardized */
    double *optimum = NULL; /* (d + 1) the exact least-squares solution */
    double *row0 = NULL;    /* (d) the file's first row, original units */
    double row0_target = 0;
    double scale, gap;      /* y_std^2: standardized MSE -> target's units; the gap */
    gd_status st;
    int exit_code = 0;

    /* 1. Load: every column but the last is a feature. */
    gd_load_options lo = {.path = data_path, .need_target = 1};
    st = gd_dataset_load(&ds, &lo, &err);
    if (st != GD_OK)
        goto fail;
    /* Keep the first row in original units, to predict it at the end (the
     * dataset is standardized in place next). */
    params = calloc(ds.d + 1, sizeof *params);
    optimum = malloc((ds.d + 1) * sizeof *optimum);
    row0 = malloc(ds.d * sizeof *row0);
    if (params == NULL || optimum == NULL || row0 == NULL) {
        st = gd_error_set(&err, GD_ERR_IO, NULL, 0, 0, "out of memory");
        goto fail;
    }
    for (size_t j = 0; j < ds.d; j++)
        row0[j] = gd_dataset_row(&ds, 0)[j];
    row0_target = ds.y[0];

    /* 2. Standardize: z-scores in place, statistics in sc. */
    st = gd_dataset_standardize(&ds, &sc, &err);
    if (st != GD_OK)
        goto fail;

    /* 3. Train with adam and its defaults, as the command line does: the
     * plateau schedule's floor is a millionth of the base rate. */
    gd_train_config_default(&cfg, gd_optimizer_find("adam"));
    cfg.schedule.min_lr = cfg.lr * 1e-6;
    st = gd_train(&ds, &cfg, params, &res, NULL, NULL, &err);
    if (st != GD_OK)
        goto fail;
    if (res.reason == GD_STOP_DIVERGED) {
        fprintf(stderr, "train_houses: training diverged at epoch %ld\n", res.epochs);
        exit_code = 1;
        goto done;
    }

    /* 4. The exact optimum of the same problem, and the gap to it. Losses
     * on standardized data times y_std^2 are in the target's units. */
    st = gd_solve_dataset(&ds, 0.0, optimum, &opt, &err);
    if (st != GD_OK)
        goto fail;
    scale = sc.y_std * sc.y_std;
    gap = (res.train_loss - opt.mse) / opt.mse;

    /* 5. The model in original units, saved atomically. */
    st = gd_model_init(&model, ds.d, ds.target_name, (const char *const *)ds.feature_names,
                       &err);
    if (st == GD_OK)
        st = gd_model_set_scaling(&model, &sc, &err);
    if (st == GD_OK) {
        gd_model_set_params(&model, params);
        st = gd_model_set_info(&model, "optimizer", "adam", &err);
    }
    if (st == GD_OK)
        st = gd_model_set_info(&model, "made_by", "examples/train_houses.c", &err);
    if (st == GD_OK)
        st = gd_model_save(&model, model_path, &err);
    if (st != GD_OK)
        goto fail;

    printf("rows %zu\nfeatures %zu\n", ds.n, ds.d);
    printf("epochs %ld\nstop_reason %s\n", res.epochs, gd_stop_reason_name(res.reason));
    printf("train_mse %.17g\noptimum_mse %.17g\ngap %.17g\n", res.train_loss * scale,
           opt.mse * scale, gap);
    printf("intercept %.17g\n", model.intercept);
    for (size_t j = 0; j < model.d; j++)
        printf("weight %s %.17g\n", model.features[j], model.weights[j]);
    printf("model %s\n", model_path);

    /* 6. Load the file back and predict the first row. */
    st = gd_model_load(&loaded, model_path, &err);
    if (st != GD_OK)
        goto fail;
    printf("predict_row1 %.17g\nactual_row1 %.17g\n",
           gd_model_predict(&loaded, row0), row0_target);
    goto done;

fail:
    {
        char buf[sizeof err.file + sizeof err.message + 8];
        fprintf(stderr, "train_houses: error: %s\n", gd_error_format(&err, buf, sizeof buf));
        exit_code = (int)st;
    }
done:
    gd_model_free(&loaded);
    gd_model_free(&model);
    free(row0);
    free(optimum);
    free(params);
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
    return exit_code;
}
