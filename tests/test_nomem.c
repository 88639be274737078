/*
 * Out of memory is reported as out of memory. This program is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (tests/CMakeLists.txt), so
 * every allocation the library makes comes here first and the k-th one can
 * be made to fail. Each operation is run with k = 0, 1, 2, ... failing until
 * it makes fewer than k + 1 allocations: every run must either succeed
 * (some allocations have a fallback, like the worker pool) or fail with
 * GD_ERR_NOMEM and the message "out of memory"; never another status, and
 * never a crash. Under the sanitizers and Valgrind the same runs check that
 * every failure path frees what it allocated.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/dataset.h"
#include "gdtrain/fit.h"
#include "gdtrain/model.h"
#include "gdtrain/optim.h"
#include "gdtrain/solve.h"
#include "gdtrain/trainer.h"
#include "train/cv.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

/* The allocation to fail (its 0-based number since arm()), or -1: none. */
static long fail_at = -1;
static long seen;

static int fails_now(void)
{
    return fail_at >= 0 && seen++ == fail_at;
}

void *__wrap_malloc(size_t size)
{
    return fails_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fails_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return fails_now() ? NULL : __real_realloc(p, size);
}

static const char *csv_path(void)
{
    static char path[4096];
    if (path[0] == '\0') {
        char text[4096] = "a, b ,\"c\",y\n";
        for (int i = 0; i < 60; i++) {
            char row[96];
            snprintf(row, sizeof row, "%d,%d.5,%d,%g\n", i, (i * 7) % 11, i % 3,
                     1.5 * i - (i % 5));
            strcat(text, row);
        }
        snprintf(path, sizeof path, "%s", write_temp_file(text, strlen(text)));
    }
    return path;
}

/* A table for the encoding rules: a categorical column, missing cells. */
static const char *mixed_path(void)
{
    static char path[4096];
    if (path[0] == '\0') {
        static const char *const towns[] = {"north", "south", "east", "NA"};
        char text[4096] = "x,town,y\n";
        for (int i = 0; i < 40; i++) {
            char row[96];
            if (i % 7 == 3)
                snprintf(row, sizeof row, ",%s,%d\n", towns[i % 4], i);
            else
                snprintf(row, sizeof row, "%d,%s,%g\n", i % 9, towns[i % 4], 2.0 * i);
            strcat(text, row);
        }
        snprintf(path, sizeof path, "%s", write_temp_file(text, strlen(text)));
    }
    return path;
}

static gd_status load(gd_dataset *ds, gd_error *err)
{
    gd_load_options opt = {0};
    opt.path = csv_path();
    opt.need_target = 1;
    opt.threads = 1;
    return gd_dataset_load(ds, &opt, err);
}

/* One operation under test, on ds and sc made ready for it (see op_case). */
typedef gd_status (*operation)(gd_dataset *ds, gd_scaling *sc, gd_error *err);

typedef enum ready {
    NOTHING,      /* ds and sc zeroed */
    LOADED,       /* ds loaded */
    STANDARDIZED  /* ds loaded and standardized, sc its scaling */
} ready;

typedef struct op_case {
    const char *name;
    ready before;
    operation op;
} op_case;

/* Runs c's operation with allocation k (counted from the operation's start)
 * failing; returns its status and how many allocations it made in *made. */
static gd_status run_once(const op_case *c, long k, long *made, gd_error *err)
{
    gd_dataset ds;
    gd_scaling sc;
    memset(&ds, 0, sizeof ds);
    memset(&sc, 0, sizeof sc);
    if (c->before != NOTHING)
        assert_int_equal(load(&ds, NULL), GD_OK);
    if (c->before == STANDARDIZED)
        assert_int_equal(gd_dataset_standardize(&ds, &sc, NULL), GD_OK);
    seen = 0;
    fail_at = k;
    gd_status st = c->op(&ds, &sc, err);
    fail_at = -1;
    *made = seen;
    gd_scaling_free(&sc);
    gd_dataset_free(&ds);
    return st;
}

/* Runs c with each of its allocations failing in turn. Returns the number
 * of allocations it makes when none fails. */
static long fail_each_allocation(const op_case *c)
{
    for (long k = 0;; k++) {
        gd_error err;
        gd_error_clear(&err);
        long made;
        gd_status st = run_once(c, k, &made, &err);
        if (made <= k) { /* the k-th allocation never came: it ran clean */
            if (st != GD_OK)
                fail_msg("%s: fails (%d: %s) with no allocation failing", c->name,
                         (int)st, err.message);
            return k;
        }
        if (st == GD_OK)
            continue; /* a fallback took over */
        if (st != GD_ERR_NOMEM || strstr(err.message, "out of memory") == NULL)
            fail_msg("%s: allocation %ld failing gives status %d, \"%s\"", c->name, k,
                     (int)st, err.message);
    }
}

static gd_status op_load(gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    (void)sc;
    return load(ds, err);
}

static gd_status op_standardize(gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    return gd_dataset_standardize(ds, sc, err);
}

static gd_status op_split(gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    (void)sc;
    gd_dataset val;
    gd_status st = gd_dataset_split(ds, 0.25, 7, &val, err);
    gd_dataset_free(&val);
    return st;
}

static gd_status op_solve(gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    (void)sc;
    double params[8];
    gd_status st = gd_solve_dataset(ds, 0.1, params, NULL, err);
    if (st == GD_OK)
        st = gd_solve_elastic_net(ds, 0.01, 0.1, params, NULL, err);
    return st;
}

static gd_status op_train(gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    (void)sc;
    double params[8];
    gd_train_config cfg;
    gd_train_config_default(&cfg, gd_optimizer_find("adam"));
    cfg.max_epochs = 3;
    cfg.threads = 1;
    gd_train_result res;
    return gd_train(ds, &cfg, params, &res, NULL, NULL, err);
}

/* The front door, with a validation split: load, standardize, train, the
 * optimum, the model. (An optimum that cannot be computed is not an error
 * of the run: the result says so.) */
static gd_status op_fit(gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    (void)ds;
    (void)sc;
    gd_train_config cfg;
    gd_train_config_default(&cfg, gd_optimizer_find("adam"));
    cfg.max_epochs = 3;
    cfg.threads = 1;
    gd_fit_request req;
    memset(&req, 0, sizeof req);
    req.source.path = csv_path();
    req.source.val_split = 0.25;
    req.source.split_seed = 3;
    req.source.threads = 1;
    req.config = &cfg;
    gd_fit_result res;
    gd_model model;
    gd_status st = gd_fit(&req, &res, &model, err);
    gd_fit_result_free(&res);
    gd_model_free(&model);
    return st;
}

/* The encoding rules' load of raw inputs (--na mean, a categorical column,
 * missing cells) and cross-validation, each fold encoded from its training
 * rows (data/folds.c). */
static gd_status op_cv(gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    (void)sc;
    gd_load_options opt = {0};
    opt.path = mixed_path();
    opt.need_target = 1;
    opt.threads = 1;
    opt.encode = 1;
    opt.na = GD_NA_MEAN;
    opt.raw_inputs = 1;
    gd_status st = gd_dataset_load(ds, &opt, err);
    if (st != GD_OK)
        return st;
    gd_train_config cfg;
    gd_train_config_default(&cfg, gd_optimizer_find("gd"));
    cfg.max_epochs = 3;
    cfg.threads = 1;
    gd_cv_result res;
    st = gd_cv_run(ds, 2, 0, 1, &cfg, &res, err);
    gd_cv_result_free(&res);
    return st;
}

/* Made before any allocation is armed to fail. */
static char model_path[4096];

static gd_status op_model(gd_dataset *ds, gd_scaling *sc, gd_error *err)
{
    double params[8] = {1, 2, 3, 4};
    gd_model m, back;
    memset(&back, 0, sizeof back);
    gd_status st = gd_model_init(&m, ds->d, ds->target_name,
                                 (const char *const *)ds->feature_names, err);
    if (st == GD_OK)
        st = gd_model_set_scaling(&m, sc, err);
    if (st == GD_OK) {
        gd_model_set_params(&m, params);
        st = gd_model_set_info(&m, "note", "x", err);
    }
    if (st == GD_OK)
        st = gd_model_save(&m, model_path, err);
    if (st == GD_OK)
        st = gd_model_load(&back, model_path, err);
    gd_model_free(&back);
    gd_model_free(&m);
    return st;
}

static void test_every_allocation_failure_is_nomem(void **unused)
{
    (void)unused;
    static const op_case cases[] = {
        {"gd_dataset_load", NOTHING, op_load},
        {"gd_dataset_standardize", LOADED, op_standardize},
        {"gd_dataset_split", STANDARDIZED, op_split},
        {"gd_solve_dataset/elastic_net", STANDARDIZED, op_solve},
        {"gd_train", STANDARDIZED, op_train},
        {"gd_model init/save/load", STANDARDIZED, op_model},
        {"gd_fit", NOTHING, op_fit},
        {"encoded load and gd_cv_run", NOTHING, op_cv},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long n = fail_each_allocation(&cases[i]);
        print_message("%-30s %ld allocations, each failed once\n", cases[i].name, n);
        assert_true(n > 0); /* the test reached the library's allocations */
    }
}

int main(void)
{
    (void)csv_path();
    (void)mixed_path();
    snprintf(model_path, sizeof model_path, "%s", temp_path("nomem.model"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_failure_is_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
