/*
 * fit: load, standardize, train, compare with the optimum, build the model.
 * See include/gdtrain/fit.h.
 */
#include "gdtrain/fit.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/cache.h"
#include "data/folds.h"
#include "gdtrain/loss.h"
#include "data/stream.h"
#include "train/checkpoint.h"

/* The validation file's load options: the training columns, by name. */
static gd_load_options validation_options(const gd_fit_source *src, const gd_dataset *ds)
{
    gd_load_options lo = {
        .path = src->val_path, .delimiter = src->delimiter,
        .target = ds->target_name, .features = (const char *const *)ds->feature_names,
        .nfeatures = ds->d, .need_target = 1, .threads = src->threads,
    };
    return lo;
}

/* Loads the validation file with exactly the training columns, by name:
 * with the training data's encoding when it has one (its inputs, levels
 * and fills). */
static gd_status load_validation(const gd_fit_source *src, const gd_dataset *ds,
                                 gd_dataset *val, gd_error *err)
{
    gd_load_options lo = validation_options(src, ds);
    if (src->rules != NULL && ds->encoding != NULL) {
        lo.encode = 1;
        lo.decimal = src->rules->decimal;
        lo.encoding = ds->encoding;
        lo.report = src->val_report;
    }
    return gd_dataset_load(val, &lo, err);
}

/* The training file's load options: the source's columns, and its rules. */
static gd_load_options train_options(const gd_fit_source *src)
{
    gd_load_options lo = {0};
    if (src->rules != NULL)
        lo = *src->rules;
    lo.path = src->path;
    lo.delimiter = src->delimiter;
    lo.target = src->target;
    lo.features = src->features;
    lo.nfeatures = src->nfeatures;
    lo.need_target = 1;
    lo.threads = src->threads;
    lo.encoding = NULL;
    return lo;
}

/* The option of the encoding rules that needs the whole table before its
 * first row can be encoded (categorical levels), or NULL when the table
 * can be streamed. */
static const char *unstreamable_rule(const gd_load_options *rules)
{
    if (rules == NULL || !rules->encode)
        return NULL;
    if (rules->ncategorical > 0)
        return "--categorical";
    return NULL;
}

/* The --na rule of the training rows' encoding e (or NULL; read with
 * rules) for the validation file's options *lo, its report into *rep,
 * with the same NA tokens and decimal separator: its missing cell is the
 * training file's error (not 'empty value'), its rows with a
 * missing cell (drop) or target (mean) are left out too, and under mean
 * its missing cells stay NaN in its cache, for *fill (new, d values: the
 * training fills) to replace. 0, or -1 out of memory. */
static int validation_na(const gd_encoding *e, const gd_load_options *rules,
                         gd_load_options *lo, gd_load_report *rep, double **fill)
{
    *fill = NULL;
    if (e == NULL)
        return 0;
    lo->encode = 1;
    lo->na = e->na;
    lo->na_values = rules->na_values;
    lo->decimal = rules->decimal;
    lo->raw_inputs = e->na == GD_NA_MEAN;
    lo->report = rep;
    memset(rep, 0, sizeof *rep);
    if (!lo->raw_inputs)
        return 0;
    if ((*fill = malloc((e->ninputs ? e->ninputs : 1) * sizeof **fill)) == NULL)
        return -1;
    for (size_t j = 0; j < e->ninputs; j++)
        (*fill)[j] = e->inputs[j].fill;
    return 0;
}

/* The validation file of a streamed run, streamed too: through its own
 * cache beside it (its note joins the training cache's), its columns the
 * training ones by name, z-scored with the training statistics a small
 * chunk at a time. */
static gd_status stream_validation(gd_fit_data *fd, const gd_fit_source *src, gd_error *err)
{
    gd_load_options lo = validation_options(src, &fd->train);
    gd_load_report rep;
    memset(&rep, 0, sizeof rep); /* read only when validation_na gave lo a report */
    double *fill = NULL;
    if (validation_na(fd->train.encoding, src->rules, &lo, &rep, &fill) != 0)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    char *cache = gd_cache_default_path(src->val_path);
    gd_cache_outcome outcome;
    gd_source rows;
    gd_status st = cache == NULL ? gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory")
                                 : gd_source_cached(&rows, &lo, cache, &outcome, &fd->val, err);
    free(cache);
    if (st == GD_OK && lo.report != NULL && src->val_report != NULL) {
        /* Only the rows left out: notes on its columns are the training file's. */
        src->val_report->dropped += rep.dropped;
        src->val_report->dropped_target += rep.dropped_target;
    }
    if (st == GD_OK && outcome.note[0] != '\0' && src->cache_outcome != NULL)
        gd_cache_note(src->cache_outcome, "%s", outcome.note);
    if (st == GD_OK) {
        rows.scratch = NULL; /* read in place: no z-scores file */
        st = gd_stream_open_scaled(rows, &fd->scaling, fill, src->threads, &fd->val, err);
    }
    free(fill);
    if (st != GD_OK && err->file[0] == '\0')
        snprintf(err->file, sizeof err->file, "%s", src->val_path);
    return st;
}

/* What a streamed run cannot do with src: GD_OK, or the usage error. */
static gd_status stream_refusal(const gd_fit_source *src, gd_error *err)
{
    const char *rule = unstreamable_rule(src->rules);
    if (src->val_split > 0)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "--val-split: a streamed run cannot hold out rows (they are the "
                            "first of a seeded shuffle of every row number, which would take 8 "
                            "bytes a row to hold): give the validation rows in a file of their "
                            "own with --val FILE");
    if (rule != NULL)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "%s: streamed training reads numeric tables only (a "
                            "categorical column's levels need the whole table first)", rule);
    if (strcmp(src->path, "-") == 0)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "streamed training reads its file on every pass: give a "
                            "file, not standard input");
    struct stat sb;
    const char *val = src->val_path;
    if (val != NULL && (strcmp(val, "-") == 0 || (stat(val, &sb) == 0 && !S_ISREG(sb.st_mode))))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "--val: streamed training reads the validation file on every "
                            "epoch: give a regular file, not %s",
                            strcmp(val, "-") == 0 ? "standard input" : val);
    return GD_OK;
}

/* gd_fit_data_load for src->stream: the statistics from a pass over the
 * file; the training dataset is a shell whose rows stay in the file. */
static gd_status load_streamed(gd_fit_data *fd, const gd_fit_source *src, gd_error *err)
{
    if (stream_refusal(src, err) != GD_OK)
        return err->status;
    /* The rows come from the binary cache (written first when it does not
     * hold the file), block by block. */
    gd_load_options lo = train_options(src);
    char *own = src->cache == NULL ? gd_cache_default_path(src->path) : NULL;
    const char *cache = src->cache != NULL ? src->cache : own;
    gd_cache_outcome outcome;
    gd_source rows;
    gd_status st = cache == NULL ? gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory")
                                 : gd_source_cached(&rows, &lo, cache,
                                                    src->cache_outcome ? src->cache_outcome
                                                                       : &outcome,
                                                    &fd->train, err);
    free(own);
    if (st == GD_OK)
        st = gd_stream_open(rows, !src->no_intercept, src->threads, &fd->train, &fd->scaling,
                            err);
    if (st != GD_OK && err->file[0] == '\0')
        snprintf(err->file, sizeof err->file, "%s", src->path);
    if (st == GD_OK && src->val_path != NULL)
        st = stream_validation(fd, src, err);
    return st;
}

/* --val-split under the encoding rules: the table as raw inputs, cut into
 * its training and validation rows (gd_dataset_split's), each encoded with
 * what the training rows alone teach (levels, --na mean's fills), so that
 * nothing of the validation rows leaks into training. */
static gd_status load_split(gd_fit_data *fd, const gd_fit_source *src, gd_load_options lo,
                            gd_error *err)
{
    gd_dataset raw;
    lo.raw_inputs = 1;
    gd_status st = gd_dataset_load(&raw, &lo, err);
    if (st != GD_OK)
        return st;
    unsigned char *held = malloc(raw.n ? raw.n : 1);
    size_t k = 0, unseen = 0;
    st = held == NULL ? gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory")
                      : gd_split_rows(raw.n, src->val_split, src->split_seed, held, &k, err);
    if (st == GD_OK)
        st = gd_dataset_encode_parts(&raw, held, &fd->train, &fd->val, &unseen, err);
    if (st == GD_OK && src->val_report != NULL)
        src->val_report->unseen += unseen;
    free(held);
    gd_dataset_free(&raw);
    return st;
}

/* Names the data file in an error about a whole column of it. */
static gd_status name_file(gd_status st, const gd_fit_source *src, gd_error *err)
{
    if (st != GD_OK && err->file[0] == '\0')
        snprintf(err->file, sizeof err->file, "%s",
                 strcmp(src->path, "-") == 0 ? "<stdin>" : src->path);
    return st;
}

/* The cache's extra words: the default objective's exact optimum of the
 * standardized rows, solved as gd_fit_optimum solves it when the cache is
 * written, so a repeated run need not solve beside its epochs. */
static int solve_default(const gd_dataset *ds, double words[GD_CACHE_EXTRA_WORDS], void *user)
{
    (void)user;
    gd_solve_info info;
    gd_error err;
    if (gd_fit_optimum(ds, 0.0, 0.0, 0, &info, &err) != GD_OK)
        return 0; /* a run solves again, and says why it cannot */
    words[0] = info.mse;
    words[1] = info.objective;
    words[2] = info.mse_const;
    words[3] = (double)info.rank;
    words[4] = info.cond;
    words[5] = (double)info.refine_steps;
    return 1;
}

static void take_optimum(gd_fit_data *fd, const gd_cache_extra *extra)
{
    if (!extra->have)
        return;
    fd->have_optimum = 1;
    fd->optimum.mse = extra->words[0];
    fd->optimum.objective = extra->words[1];
    fd->optimum.mse_const = extra->words[2];
    fd->optimum.rank = (size_t)extra->words[3];
    fd->optimum.cond = extra->words[4];
    fd->optimum.refine_steps = (int)extra->words[5];
}

gd_status gd_fit_data_load(gd_fit_data *fd, const gd_fit_source *src, gd_error *err)
{
    memset(fd, 0, sizeof *fd);
    if (src->stream)
        return load_streamed(fd, src, err);
    if (src->val_split > 0 && src->val_path != NULL)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "give either --val-split or --val, not both");
    gd_load_options lo = train_options(src);
    gd_cache_outcome outcome = {0}; /* filled by the load; zeroed for the analyzers */
    gd_cache_outcome *out = src->cache_outcome ? src->cache_outcome : &outcome;
    int split_raw = src->val_split > 0 && lo.encode && src->cache == NULL;
    /* All rows trained on, standardized the usual way: the cache holds them
     * so, ready to train on where they lie. */
    const int ready = src->cache != NULL && src->val_split == 0 && !src->no_intercept;
    gd_cache_extra extra = {.make = solve_default};
    gd_status st = split_raw            ? load_split(fd, src, lo, err)
                   : ready              ? gd_dataset_load_standardized(&fd->train, &fd->scaling,
                                                                       &lo, src->cache, &extra,
                                                                       out, err)
                   : src->cache == NULL ? gd_dataset_load(&fd->train, &lo, err)
                                        : gd_dataset_load_cached(&fd->train, &lo, src->cache, 0,
                                                                 out, err);
    /* The cache holds the table encoded from every row: under --val-split
     * that is the run without the cache's only for a plain numeric table
     * (no levels, no --na mean fills learnt from the rows, no rows that
     * --na drop left out before the split instead of after it); otherwise
     * the rows are read again and split raw, so that nothing of the
     * validation rows reaches training. */
    if (st == GD_OK && !split_raw && src->val_split > 0 && lo.encode &&
        fd->train.encoding != NULL && !gd_encoding_is_plain(fd->train.encoding)) {
        gd_dataset_free(&fd->train);
        if (lo.report != NULL)
            memset(lo.report, 0, sizeof *lo.report);
        split_raw = 1;
        st = load_split(fd, src, lo, err);
    }
    if (ready)
        st = name_file(st, src, err);
    if (ready && st == GD_OK)
        take_optimum(fd, &extra);
    if (st == GD_OK && src->val_path != NULL)
        st = load_validation(src, &fd->train, &fd->val, err);
    else if (st == GD_OK && src->val_split > 0 && !split_raw)
        st = gd_dataset_split(&fd->train, src->val_split, src->split_seed, &fd->val, err);
    /* Statistics come from the training rows only, so nothing about the
     * validation rows leaks into training. */
    if (st == GD_OK && !ready)
        st = name_file(src->no_intercept ? gd_dataset_scale_origin(&fd->train, &fd->scaling, err)
                                         : gd_dataset_standardize(&fd->train, &fd->scaling, err),
                       src, err);
    if (st == GD_OK && fd->val.n > 0)
        gd_dataset_apply_scaling(&fd->val, &fd->scaling);
    return st;
}

void gd_fit_data_free(gd_fit_data *fd)
{
    if (fd == NULL)
        return;
    gd_dataset_free(&fd->train);
    gd_dataset_free(&fd->val);
    gd_scaling_free(&fd->scaling);
    memset(fd, 0, sizeof *fd);
}

gd_status gd_fit_optimum(const gd_dataset *ds, double l1, double l2, int no_intercept,
                         gd_solve_info *info, gd_error *err)
{
    double *params = malloc((ds->d + 1) * sizeof *params);
    gd_status st;
    if (params == NULL)
        st = gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    else if (l1 > 0)
        st = no_intercept ? gd_solve_elastic_net_origin(ds, l1, l2, params, info, err)
                          : gd_solve_elastic_net(ds, l1, l2, params, info, err);
    else
        st = no_intercept ? gd_solve_dataset_origin(ds, l2, params, info, err)
                          : gd_solve_dataset(ds, l2, params, info, err);
    free(params);
    return st;
}

gd_status gd_fit_optimum_of(const gd_fit_data *fd, double l1, double l2, int no_intercept,
                            gd_solve_info *info, gd_error *err)
{
    if (fd->have_optimum && l1 == 0 && l2 == 0 && !no_intercept) {
        *info = fd->optimum;
        return GD_OK;
    }
    return gd_fit_optimum(&fd->train, l1, l2, no_intercept, info, err);
}

double gd_fit_penalty(const double *params, size_t d, double l1, double l2)
{
    return gd_loss_penalty(params, d, l2, l1);
}

double gd_relative_gap(double value, double optimum, double scale)
{
    return optimum > 1e-12 * scale ? (value - optimum) / optimum : NAN;
}

/* The model's column for the data's feature name, or m->d if it has none. */
static size_t model_column(const gd_model *m, const char *name)
{
    size_t k = 0;
    while (k < m->d && strcmp(m->features[k], name) != 0)
        k++;
    return k;
}

gd_status gd_fit_warm_start(const char *path, const gd_fit_data *fd, double *params,
                            gd_error *err)
{
    const gd_dataset *ds = &fd->train;
    const gd_scaling *sc = &fd->scaling;
    gd_model m = {0};
    gd_status st = gd_model_load(&m, path, err);
    if (st != GD_OK)
        return st;
    if (m.d != ds->d) {
        st = gd_error_set(err, GD_ERR_DATA, path, 0, 0,
                          "the model has %zu features, the data %zu: --init-from needs "
                          "the same feature columns", m.d, ds->d);
        goto done;
    }
    /* target = intercept + sum_k w_k x_k, with x_j = mean_j + std_j z_j and
     * target = y_mean + y_std t: so t = b + sum_j w'_j z_j with
     * w'_j = w_k std_j / y_std and b = (intercept + sum_k w_k mean_j - y_mean) / y_std. */
    double b = m.intercept;
    for (size_t j = 0; j < ds->d; j++) {
        size_t k = model_column(&m, ds->feature_names[j]);
        if (k == m.d) {
            st = gd_error_set(err, GD_ERR_DATA, path, 0, 0,
                              "the model has no feature '%s': --init-from needs the same "
                              "feature columns", ds->feature_names[j]);
            goto done;
        }
        params[j] = sc->constant[j] ? 0.0 : m.weights[k] * sc->x_std[j] / sc->y_std;
        b += m.weights[k] * sc->x_mean[j];
    }
    params[ds->d] = (b - sc->y_mean) / sc->y_std;
done:
    gd_model_free(&m);
    return st;
}

/* The starting point of a run: cfg->init, a warm start or a paused run. */
static gd_status fit_start(const gd_fit_data *fd, const gd_train_config *cfg,
                           const gd_fit_options *opt, gd_fit_result *res, gd_error *err)
{
    gd_status st = GD_OK;
    if (opt->init_from != NULL)
        st = gd_fit_warm_start(opt->init_from, fd, res->params, err);
    if (st == GD_OK)
        st = gd_train_state_init(&res->state, &fd->train, cfg, res->params, err);
    if (st == GD_OK && opt->resume != NULL) {
        st = gd_checkpoint_check_data(opt->resume, fd->train.n, &fd->scaling,
                                      (const char *const *)fd->train.feature_names, err);
        if (st == GD_OK)
            st = gd_checkpoint_restore(opt->resume, &res->state, res->params, err);
        if (st != GD_OK && opt->resume_path != NULL)
            snprintf(err->file, sizeof err->file, "%s", opt->resume_path);
    }
    return st;
}

/* The exact optimum of a run, computed on a thread of its own while the
 * run trains: a full-batch epoch waits on memory (one thread nearly
 * saturates it), a mini-batch epoch runs on one core, and the solve is
 * mostly arithmetic on blocks small enough for the cache, so the two share
 * the machine well. The solve reads the training rows only, as training
 * does; its result does not depend on where it runs. */
typedef struct optimum_job {
    const gd_fit_data *fd;
    const gd_train_config *cfg;
    gd_fit_result *res;
    pthread_t thread;
    int started;
} optimum_job;

static void compute_optimum(const gd_fit_data *fd, const gd_train_config *cfg,
                            gd_fit_result *res)
{
    res->have_optimum = gd_fit_optimum_of(fd, cfg->l1, cfg->l2, cfg->no_intercept,
                                          &res->optimum, &res->optimum_err) == GD_OK;
}

static void *optimum_thread(void *arg)
{
    optimum_job *job = arg;
    compute_optimum(job->fd, job->cfg, job->res);
    return NULL;
}

/* Starts the solve beside training when the run may use more than one
 * thread and the optimum is wanted; else fit_optimum computes it after
 * training (also when no thread can be started). */
static void optimum_start(optimum_job *job, const gd_fit_data *fd, const gd_train_config *cfg,
                          const gd_fit_options *opt, gd_fit_result *res)
{
    *job = (optimum_job){.fd = fd, .cfg = cfg, .res = res};
    /* Rows spread over processes: the solve hands sums between them in an
     * order that must be the same in every process, so not beside training.
     * Nor a streamed dataset, which has one chunk at a time: training's. */
    const int kept = fd->have_optimum && cfg->l1 == 0 && cfg->l2 == 0 && !cfg->no_intercept;
    if (opt->optimum == NULL && !opt->no_optimum && !kept && gd_loss_threads(cfg->threads) > 1 &&
        fd->train.share == NULL && fd->train.stream == NULL)
        job->started = pthread_create(&job->thread, NULL, optimum_thread, job) == 0;
}

/* Waits for the solve's thread, if one was started. */
static void optimum_join(optimum_job *job)
{
    if (job->started)
        pthread_join(job->thread, NULL);
}

/* The optimum the gap is measured against: the caller's, or computed (by
 * now, or on the thread optimum_start started). */
static void fit_optimum(optimum_job *job, const gd_fit_options *opt)
{
    gd_fit_result *res = job->res;
    if (job->started) {
        optimum_join(job);
    } else if (opt->optimum != NULL) {
        res->optimum = *opt->optimum;
        res->have_optimum = 1;
    } else if (!opt->no_optimum) {
        compute_optimum(job->fd, job->cfg, res);
    }
}

gd_status gd_fit_run(const gd_fit_data *fd, const gd_train_config *cfg,
                     const gd_fit_options *opt, gd_fit_result *res, gd_error *err)
{
    static const gd_fit_options none = {0};
    if (opt == NULL)
        opt = &none;
    memset(res, 0, sizeof *res);
    res->gap = NAN;
    res->loss_scale = fd->scaling.y_std * fd->scaling.y_std;
    gd_train_config run = *cfg;
    run.val = fd->val.n > 0 ? &fd->val : NULL;
    if (run.early_stop && run.val == NULL)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "--early-stop needs validation rows: give --val-split F or "
                            "--val FILE");
    if ((opt->init_from != NULL) != (run.init == GD_INIT_GIVEN))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "a warm start needs init GD_INIT_GIVEN, and only it");
    res->rows = gd_dataset_total(&fd->train);
    res->nparams = fd->train.d + 1;
    res->params = calloc(res->nparams, sizeof *res->params);
    if (res->params == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    gd_status st = fit_start(fd, &run, opt, res, err);
    if (st != GD_OK)
        return st;
    optimum_job job;
    optimum_start(&job, fd, &run, opt, res);
    st = gd_train_run(&fd->train, &run, res->params, &res->state, &res->train, opt->on_epoch,
                      opt->user, err);
    /* A streamed file that failed to read stopped the run: that, not the
     * stop, is what happened. */
    if (st == GD_OK && fd->train.stream != NULL && gd_stream_failed(fd->train.stream, err))
        st = err->status;
    if (st == GD_OK && fd->val.stream != NULL && gd_stream_failed(fd->val.stream, err))
        st = err->status;
    if (st != GD_OK) {
        optimum_join(&job);
        return st;
    }
    fit_optimum(&job, opt);
    res->penalty = gd_fit_penalty(res->params, fd->train.d, run.l1, run.l2);
    if (res->have_optimum)
        res->gap = gd_relative_gap(res->train.train_loss + res->penalty,
                                   res->optimum.objective, res->optimum.mse_const);
    return GD_OK;
}

void gd_fit_result_free(gd_fit_result *res)
{
    if (res == NULL)
        return;
    free(res->params);
    gd_train_state_free(&res->state);
    memset(res, 0, sizeof *res);
}

gd_status gd_fit_model(const gd_fit_data *fd, const double *params, gd_model *m,
                       gd_error *err)
{
    const gd_dataset *ds = &fd->train;
    gd_status st = gd_model_init(m, ds->d, ds->target_name,
                                 (const char *const *)ds->feature_names, err);
    if (st == GD_OK)
        st = gd_model_set_scaling(m, &fd->scaling, err);
    if (st == GD_OK)
        st = gd_model_set_encoding(m, ds->encoding, err);
    if (st == GD_OK)
        gd_model_set_params(m, params);
    return st;
}

gd_status gd_fit(const gd_fit_request *req, gd_fit_result *res, gd_model *model,
                 gd_error *err)
{
    gd_fit_data fd;
    memset(res, 0, sizeof *res);
    memset(model, 0, sizeof *model);
    gd_status st = gd_fit_data_load(&fd, &req->source, err);
    if (st == GD_OK)
        st = gd_fit_run(&fd, req->config, &req->options, res, err);
    if (st == GD_OK && res->train.reason != GD_STOP_DIVERGED)
        st = gd_fit_model(&fd, res->params, model, err);
    gd_fit_data_free(&fd);
    return st;
}
