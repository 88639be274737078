/*
 * fit: loading, model building and descriptions shared by train and solve.
 */
#include "fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "data/cache.h"
#include "io/numformat.h"
#include "msg.h"

/* Constant features named at most this many at a time; more are counted. */
#define CLI_NAMED_COLUMNS 5

/* One warning per constant feature, or, past CLI_NAMED_COLUMNS of them, one
 * line with their count and the first few names (a file with thousands of
 * empty columns is not thousands of lines). */
static void warn_constant(const gd_dataset *ds, const gd_scaling *sc)
{
    size_t count = cli_constant_columns(sc);
    char num[GD_NUMFORMAT_SIZE];
    if (count <= CLI_NAMED_COLUMNS) {
        for (size_t j = 0; j < ds->d; j++)
            if (sc->constant[j])
                cli_warn("feature '%s' is constant (%s in every row): it gets weight 0",
                         ds->feature_names[j], cli_num(num, sizeof num, sc->x_mean[j]));
        return;
    }
    char names[512] = "";
    size_t used = 0, named = 0;
    for (size_t j = 0; j < ds->d && named < CLI_NAMED_COLUMNS; j++)
        if (sc->constant[j]) {
            int k = snprintf(names + used, sizeof names - used, "%s'%s'", named ? ", " : "",
                             ds->feature_names[j]);
            if (k < 0 || (size_t)k >= sizeof names - used)
                break;
            used += (size_t)k;
            named++;
        }
    cli_warn("%zu features are constant (one value in every row): they get weight 0: "
             "%s and %zu more", count, names, count - named);
}

int cli_feature_list(const cli_data_choice *choice, char ***features, size_t *nfeatures)
{
    char msg[256];
    *features = NULL;
    *nfeatures = 0;
    if (choice->features == NULL)
        return 0;
    *features = cli_split_list(choice->features, nfeatures, msg, sizeof msg);
    if (*features == NULL) {
        cli_usage_error(NULL, "--features: %s", msg);
        return 2;
    }
    return 0;
}

int cli_cache_path(const cli_data_choice *choice, char **path)
{
    *path = NULL;
    if (choice->cache == NULL)
        return 0;
    *path = choice->cache[0] ? malloc(strlen(choice->cache) + 1)
                             : gd_cache_default_path(choice->path);
    if (*path == NULL) {
        cli_error("out of memory");
        return 4;
    }
    if (choice->cache[0])
        memcpy(*path, choice->cache, strlen(choice->cache) + 1);
    struct stat a, b;
    if (stat(*path, &a) == 0 && stat(choice->path, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino) {
        cli_usage_error(NULL, "the cache %s is the data file itself: give the cache "
                              "another name", *path);
        free(*path);
        *path = NULL;
        return 2;
    }
    return 0;
}

void cli_cache_say(const gd_cache_outcome *out)
{
    if (out->note[0] != '\0')
        cli_note("%s", out->note);
}

/* The load options of choice into *lo (lists kept in *features and
 * *keep: free them with cli_free_list and cli_table_free either way).
 * Returns 0, or 2 with the usage error printed. */
static int raw_options(const cli_data_choice *choice, gd_load_options *lo, char ***features,
                       cli_table_lists *keep)
{
    size_t nfeatures;
    memset(keep, 0, sizeof *keep);
    if (cli_feature_list(choice, features, &nfeatures) != 0)
        return 2;
    gd_load_options o = {
        .path = choice->path, .delimiter = choice->delimiter, .target = choice->target,
        .features = (const char *const *)*features, .nfeatures = nfeatures,
        .need_target = 1, .threads = choice->threads,
    };
    *lo = o;
    return cli_table_rules(&choice->table, lo, keep) != 0 ? 2 : 0;
}

int cli_load_raw(const cli_data_choice *choice, int force, gd_dataset *raw,
                 gd_cache_outcome *outcome)
{
    gd_cache_outcome none;
    char *cache, **features = NULL;
    gd_load_options lo;
    cli_table_lists keep;
    memset(raw, 0, sizeof *raw);
    memset(&keep, 0, sizeof keep);
    int code = cli_cache_path(choice, &cache);
    if (code == 0)
        code = raw_options(choice, &lo, &features, &keep);
    if (code != 0) {
        cli_free_list(features);
        cli_table_free(&keep);
        free(cache);
        return code;
    }
    if (outcome == NULL)
        outcome = &none;
    memset(outcome, 0, sizeof *outcome);
    gd_error err;
    gd_error_clear(&err);
    gd_status st = cache == NULL
                       ? gd_dataset_load(raw, &lo, &err)
                       : gd_dataset_load_cached(raw, &lo, cache, force, outcome, &err);
    cli_free_list(features);
    free(cache);
    cli_cache_say(outcome);
    if (st == GD_OK)
        cli_table_say(&keep.report, "training data");
    else if (st == GD_ERR_DATA)
        cli_table_report_error(&keep.report, &err);
    else
        cli_report(&err);
    cli_table_free(&keep);
    return st == GD_OK ? 0 : cli_exit_code(st);
}

int cli_load_standardized(const cli_data_choice *choice, gd_fit_data *fd)
{
    char **features;
    size_t nfeatures;
    memset(fd, 0, sizeof *fd);
    char *cache;
    int code = cli_cache_path(choice, &cache);
    if (code != 0)
        return code;
    if (cli_feature_list(choice, &features, &nfeatures) != 0) {
        free(cache);
        return 2;
    }
    gd_load_options rules = {.delimiter = choice->delimiter};
    cli_table_lists keep;
    gd_load_report val_report;
    memset(&val_report, 0, sizeof val_report);
    if (cli_table_rules(&choice->table, &rules, &keep) != 0) {
        cli_table_free(&keep);
        cli_free_list(features);
        free(cache);
        return 2;
    }
    gd_cache_outcome outcome;
    memset(&outcome, 0, sizeof outcome);
    gd_fit_source src = {
        .path = choice->path, .delimiter = choice->delimiter, .target = choice->target,
        .features = (const char *const *)features, .nfeatures = nfeatures,
        .val_split = choice->val_split, .split_seed = choice->split_seed,
        .val_path = choice->val_path, .threads = choice->threads,
        .rules = &rules, .val_report = &val_report,
        .no_intercept = choice->no_intercept, .stream = choice->stream,
        .cache = cache, .cache_outcome = &outcome,
    };
    gd_error err;
    gd_error_clear(&err);
    gd_status st = gd_fit_data_load(fd, &src, &err);
    cli_free_list(features);
    free(cache);
    cli_cache_say(&outcome);
    /* A problem of the validation file is in its report, once the training
     * file's has none. */
    const gd_load_report *rep = keep.report.nproblems ? &keep.report : &val_report;
    if (st == GD_OK) {
        cli_table_say(&keep.report, "training data");
        cli_table_say(&val_report, "validation data");
    } else {
        cli_load_failure(st, &err, rep);
    }
    cli_table_free(&keep);
    if (st != GD_OK)
        return cli_exit_code(st);
    cli_data_warnings(fd);
    return 0;
}

void cli_load_failure(gd_status st, const gd_error *err, const gd_load_report *rep)
{
    if (st == GD_ERR_USAGE)
        cli_usage_error(NULL, "%s", err->message);
    else if (st == GD_ERR_DATA)
        cli_table_report_error(rep, err);
    else
        cli_report(err);
}

void cli_data_warnings(const gd_fit_data *fd)
{
    const gd_dataset *ds = &fd->train;
    const gd_scaling *sc = &fd->scaling;
    warn_constant(ds, sc);
    char num[GD_NUMFORMAT_SIZE];
    if (sc->y_constant)
        cli_warn("the target '%s' is constant: every prediction will be %s",
                 ds->target_name, cli_num(num, sizeof num, sc->y_mean));
}

void cli_say_formula(const gd_model *m)
{
    cli_say("  %s = %.6g", m->target, m->intercept);
    size_t shown = m->d <= CLI_FORMULA_TERMS ? m->d : CLI_FORMULA_TERMS - 1;
    for (size_t j = 0; j < shown; j++)
        cli_say(" %c %.6g*%s", m->weights[j] < 0 ? '-' : '+', fabs(m->weights[j]),
                m->features[j]);
    if (shown < m->d)
        cli_say(" + ... (%zu more terms; the model file has every weight)", m->d - shown);
    cli_say("\n");
}

void cli_optimum_warn(const gd_error *err)
{
    char buf[sizeof err->file + sizeof err->message + 8];
    cli_warn("no exact optimum to compare with: %s", gd_error_format(err, buf, sizeof buf));
}

int cli_optimum(const gd_fit_data *fd, double l1, double l2, int no_intercept,
                gd_solve_info *info)
{
    gd_error err;
    if (gd_fit_optimum_of(fd, l1, l2, no_intercept, info, &err) != GD_OK) {
        cli_optimum_warn(&err);
        return 0;
    }
    return 1;
}

size_t cli_constant_columns(const gd_scaling *sc)
{
    size_t count = 0;
    for (size_t j = 0; j < sc->d; j++)
        count += sc->constant[j] != 0;
    return count;
}

const char *cli_num(char *buf, size_t size, double v)
{
    char text[GD_NUMFORMAT_SIZE];
    if (isfinite(v))
        gd_numformat(text, v);
    else
        snprintf(text, sizeof text, "%g", v); /* "inf", "-inf", "nan" */
    snprintf(buf, size, "%s", text);
    return buf;
}

void cli_json_columns(gd_json *j, const gd_model *m)
{
    gd_json_array_begin(j, "features");
    for (size_t k = 0; k < m->d; k++)
        gd_json_string(j, NULL, m->features[k]);
    gd_json_array_end(j);
    gd_json_string(j, "target", m->target);
}

void cli_json_weights(gd_json *j, const gd_model *m)
{
    gd_json_number(j, "intercept", m->intercept);
    gd_json_object_begin(j, "weights");
    for (size_t k = 0; k < m->d; k++)
        gd_json_number(j, m->features[k], m->weights[k]);
    gd_json_object_end(j);
}
