/*
 * gdtrain sweep: many trainings on data parsed and standardized once, in
 * parallel, each exactly the run `gdtrain train` makes with the same
 * options; a results table, a ranking, and the best model.
 */
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "cv.h"
#include "fit.h"
#include "io/atomicfile.h"
#include "io/json.h"
#include "gdtrain/loss.h"
#include "msg.h"
#include "options.h"
#include "report/curve.h"
#include "report/svg.h"
#include "train.h"

typedef struct sweep_settings {
    long jobs;           /* parallel runs; 0 = the number of CPUs */
    const char *configs; /* one line of training options per run */
    const char *results; /* CSV of the rows */
    const char *curves;  /* folder of one curve per run */
    const char *models;  /* folder of one model per run */
    const char *plot;    /* SVG overlay of every curve */
    const char *out;     /* the best model */
    int json;
    int quiet;
} sweep_settings;

#define S(field) offsetof(sweep_settings, field)
static const cli_option sweep_options[] = {
    {"jobs", 'j', OPT_LONG, OPT_NONNEG, S(jobs), "N", "runs at a time; 0 = one per CPU (default)"},
    {"configs", 0, OPT_STRING, 0, S(configs), "FILE", "one line of training options per run (lists allowed), added to those given here"},
    {"results", 0, OPT_STRING, 0, S(results), "FILE", "write one CSV row per run, in run order ('-' = standard output)"},
    {"curves", 0, OPT_STRING, 0, S(curves), "DIR", "write each run's loss curve to DIR/run-N.csv (the folder must exist)"},
    {"models", 0, OPT_STRING, 0, S(models), "DIR", "write each run's model, when it has one, to DIR/run-N.model (the folder must exist)"},
    {"plot", 0, OPT_STRING, 0, S(plot), "FILE", "draw every run's training loss in one SVG chart"},
    {"out", 'o', OPT_STRING, 0, S(out), "FILE", "where the best run's model goes (default: " DEFAULT_MODEL_PATH ")"},
    {"json", 0, OPT_FLAG, 0, S(json), NULL, "print one JSON line per run on standard output, in run order"},
    {"quiet", 'q', OPT_FLAG, 0, S(quiet), NULL, "print nothing but errors"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
#undef S

/* Training options a sweep does not pass on: it has its own --out, --json,
 * --plot and --quiet, runs have no terminal, checkpoint or reference, and
 * the rows they share are held in memory (it would ignore --stream). */
static const char *const refused[] = {
    "curve", "check-curve", "rtol", "atol", "checkpoint", "resume", "verbose", "stream", "memory",
};

/* Options about the data: every run must share them, so no lists. */
static const char *const data_options[] = {
    "data", "delimiter", "target", "features", "val", "val-split", "init-from",
    "exclude", "categorical", "na", "na-values", "max-levels", "decimal", "cache", "cv",
};

static int in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

static void print_sweep_help(void)
{
    printf("Usage: gdtrain sweep --data FILE [SWEEP OPTIONS] [TRAINING OPTIONS]\n\n"
           "Trains once per configuration on data read and standardized once, several\n"
           "runs at a time. Every training option that takes a value may take a comma\n"
           "list ('--opt gd,adam --lr 0.01,0.1'): the sweep runs every combination, the\n"
           "first list varying slowest (nested loops in command-line order). With\n"
           "--configs FILE, each line of FILE (blank lines and '#' comments skipped)\n"
           "adds its options to those of the command line: one run per line, or per\n"
           "combination of its lists. Runs are numbered from 1 in that order.\n\n"
           "Each run trains exactly as 'gdtrain train' with the same options: the same\n"
           "model and loss curve, byte for byte (but the curve's seconds). Runs use one\n"
           "thread each unless --threads is given. The runs are ranked by validation\n"
           "MSE when there are validation rows (--val-split, --val), by the mean\n"
           "validation MSE over the folds with --cv K (each run is cross-validated as\n"
           "'gdtrain train --cv K' does, on the same folds), else by training MSE; the\n"
           "best run's model is written to --out. Ctrl-C stops the runs, keeps the\n"
           "finished rows and writes no model.\n\n"
           "Sweep options:\n");
    cli_print_options(sweep_options, stdout);
    printf("\nEvery 'gdtrain train' option is a training option here, but --curve,\n"
           "--check-curve, --rtol, --atol, --checkpoint, --resume, --verbose, --stream\n"
           "and --memory (the runs share rows held in memory). The\n"
           "data options (--data, --delimiter, --target, --features, --exclude,\n"
           "--categorical, --na, --na-values, --max-levels, --decimal, --val,\n"
           "--val-split, --init-from, --cache, --cv) take one value. With --val-split or\n"
           "--cv-shuffle, --seed also picks the rows and so takes one value.\n\n"
           "Results columns: run, options, opt, lr, batch_size, exit_status (what\n"
           "'gdtrain train' would exit with), stop_reason, epochs, train_mse, val_mse,\n"
           "gap, seconds, rank (empty for a run without a model), ranked_by; with --cv\n"
           "also cv_mse and cv_mse_sd (mean and population sd over the folds).\n\n");
    cli_print_exit_codes("no run produced a model",
                         "malformed CSV, non-numeric cell, bad --configs file",
                         "cannot read or write a file, out of memory", 1);
}

/* Splits argv into the sweep's own options (own) and the training options
 * (train), each keeping its order. Both arrays have room for argc + 1. */
static void separate(int argc, char **argv, char **own, int *nown, char **train, int *ntrain)
{
    *nown = *ntrain = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const cli_option *hit = NULL;
        size_t len = strcspn(a, "=");
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            own[(*nown)++] = argv[i];
            continue;
        }
        for (const cli_option *o = sweep_options; o->name != NULL; o++) {
            int lng = a[0] == '-' && a[1] == '-' && len - 2 == strlen(o->name) &&
                      strncmp(a + 2, o->name, len - 2) == 0;
            int shrt = o->short_name != 0 && a[0] == '-' && a[1] == o->short_name && a[2] == 0;
            int neg = o->kind == OPT_FLAG && strncmp(a, "--no-", 5) == 0 &&
                      strcmp(a + 5, o->name) == 0;
            if (lng || shrt || neg)
                hit = o;
        }
        if (hit == NULL) {
            train[(*ntrain)++] = argv[i];
            continue;
        }
        own[(*nown)++] = argv[i];
        if (hit->kind != OPT_FLAG && a[len] != '=' && i + 1 < argc)
            own[(*nown)++] = argv[++i];
    }
    own[*nown] = train[*ntrain] = NULL;
}

/* The training option a word names ("--lr", "-e", "--lr=..."), or NULL. */
static const cli_option *train_option_of(const char *word, size_t *name_len)
{
    size_t n;
    const cli_option *table = cli_train_options(&n);
    *name_len = strcspn(word, "=");
    for (size_t i = 0; i < n; i++) {
        const cli_option *o = &table[i];
        if (word[0] == '-' && word[1] == '-' && *name_len - 2 == strlen(o->name) &&
            strncmp(word + 2, o->name, *name_len - 2) == 0)
            return o;
        if (o->short_name != 0 && word[0] == '-' && word[1] == o->short_name && word[2] == 0)
            return o;
    }
    return NULL;
}

/* Whether option o takes a value list in a sweep. */
static int listable(const cli_option *o)
{
    if (in_list(o->name, data_options, sizeof data_options / sizeof data_options[0]))
        return 0;
    return o->kind != OPT_FLAG || (o->metavar != NULL && o->metavar[0] == '[');
}

/* A list of options: the values one word takes across the runs. */
typedef struct sweep_axis {
    size_t word;      /* index of the word in the run's arguments */
    char *prefix;     /* "--name=" when the value came with the name, else "" */
    char **values;    /* from cli_split_list */
    size_t n;
    const char *name; /* the option's long name */
} sweep_axis;

/* One run: its arguments, settings and outcome. */
typedef struct cli_sweep_run {
    int argc;
    char **argv;          /* the training options of the run */
    char **owned;         /* the words made for it (list values), to free */
    char *options;        /* what sets it apart, for the results */
    train_settings s;
    unsigned char *set;
    gd_train_config cfg;
    const gd_solve_info *optimum;
    char *curve;          /* --curves: its file */
    char *model_path;     /* --models: its file */
    int started;
    cli_train_outcome out;
    gd_cv_result cv;      /* --cv: its folds' scores */
    int cv_done;          /* 1 when every fold ran */
    size_t rank;          /* 1 = best; 0 = not ranked */
} cli_sweep_run;

/* The runs, in order. */
typedef struct sweep_plan {
    cli_sweep_run *runs;
    size_t n, cap;
} sweep_plan;

static char *join_words(char **words, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(words[i]) + 1;
    char *s = malloc(len);
    if (s == NULL)
        return NULL;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            s[at++] = ' ';
        size_t w = strlen(words[i]);
        memcpy(s + at, words[i], w);
        at += w;
    }
    s[at] = 0;
    return s;
}

/* Adds the run of words (argc of them) with axis values picked by pick.
 * The words from index own on are the run's own (a --configs line). */
static int plan_add(sweep_plan *p, char **words, size_t nwords, size_t own,
                    const sweep_axis *axes, size_t naxes, const size_t *pick)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        cli_sweep_run *runs = realloc(p->runs, cap * sizeof *runs);
        if (runs == NULL)
            return 0;
        p->runs = runs;
        p->cap = cap;
    }
    cli_sweep_run *r = &p->runs[p->n];
    memset(r, 0, sizeof *r);
    r->argv = calloc(nwords + 1, sizeof *r->argv);
    r->owned = calloc(nwords + 1, sizeof *r->owned);
    char **shown = calloc(2 * naxes + nwords + 1, sizeof *shown);
    if (r->argv == NULL || r->owned == NULL || shown == NULL) {
        free(r->argv);
        free(r->owned);
        free(shown);
        return 0;
    }
    p->n++;
    for (size_t i = 0; i < nwords; i++)
        r->argv[i] = words[i];
    r->argc = (int)nwords;
    size_t nshown = 0;
    for (size_t a = 0; a < naxes; a++) {
        const char *v = axes[a].values[pick[a]];
        size_t len = strlen(axes[a].prefix) + strlen(v) + 1;
        char *w = malloc(len);
        if (w == NULL)
            break;
        snprintf(w, len, "%s%s", axes[a].prefix, v);
        r->argv[axes[a].word] = r->owned[axes[a].word] = w;
        if (axes[a].word < own) {
            shown[nshown++] = (char *)axes[a].name;
            shown[nshown++] = (char *)v;
        }
    }
    for (size_t i = own; i < nwords; i++)
        shown[nshown++] = r->argv[i];
    r->options = join_words(shown, nshown);
    free(shown);
    return r->options != NULL;
}

/* Finds the lists among words and adds every combination. */
static int plan_expand(sweep_plan *p, char **words, size_t nwords, size_t own)
{
    sweep_axis axes[64];
    char names[64][64]; /* the option names of "--name=" axes */
    size_t naxes = 0;
    int ok = 1;
    char msg[256];
    for (size_t i = 0; i < nwords && ok; i++) {
        size_t len;
        const cli_option *o = train_option_of(words[i], &len);
        if (o == NULL || !listable(o))
            continue;
        int inline_value = words[i][len] == '=';
        size_t at = inline_value ? i : i + 1;
        if (!inline_value && (o->kind == OPT_FLAG || at >= nwords))
            continue;
        const char *value = inline_value ? words[i] + len + 1 : words[at];
        if (strchr(value, ',') == NULL)
            continue;
        if (naxes == sizeof axes / sizeof axes[0]) {
            cli_usage_error("sweep", "more than %zu option lists", naxes);
            ok = 0;
            break;
        }
        sweep_axis *ax = &axes[naxes];
        ax->values = cli_split_list(value, &ax->n, msg, sizeof msg);
        if (ax->values == NULL) {
            cli_usage_error("sweep", "--%s: %s", o->name, msg);
            ok = 0;
            break;
        }
        naxes++;
        ax->word = at;
        /* Shown as the option word as typed, or the name before "=". */
        snprintf(names[naxes - 1], sizeof names[0], "%.*s", (int)(len < 63 ? len : 63),
                 words[i]);
        ax->name = names[naxes - 1];
        size_t plen = inline_value ? len + 1 : 0;
        ax->prefix = malloc(plen + 1);
        if (ax->prefix == NULL) {
            cli_error("out of memory");
            ok = 0;
            break;
        }
        memcpy(ax->prefix, words[i], plen);
        ax->prefix[plen] = 0;
        i = at;
    }
    size_t pick[64] = {0};
    while (ok) {
        if (!plan_add(p, words, nwords, own, axes, naxes, pick)) {
            cli_error("out of memory");
            ok = 0;
            break;
        }
        size_t a = naxes;
        while (a > 0 && ++pick[a - 1] == axes[a - 1].n)
            pick[--a] = 0;
        if (a == 0)
            break;
    }
    for (size_t a = 0; a < naxes; a++) {
        cli_free_list(axes[a].values);
        free(axes[a].prefix);
    }
    return ok;
}

/* The lines of a --configs file, kept while the runs point into them. */
typedef struct sweep_lines {
    char **lines;
    size_t n;
} sweep_lines;

/* Adds the runs of every line of path after the command line's words
 * (nbase of them). Returns 0, or the exit status (the error printed). */
static int plan_configs(sweep_plan *p, sweep_lines *keep, const char *path, char **base,
                        size_t nbase)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        cli_error("cannot read --configs file %s", path);
        return 4;
    }
    char *line = NULL;
    size_t cap = 0;
    int code = 0;
    for (size_t lineno = 1; code == 0 && getline(&line, &cap, f) >= 0; lineno++) {
        char **more = realloc(keep->lines, (keep->n + 1) * sizeof *more);
        char **words = calloc(nbase + strlen(line) / 2 + 2, sizeof *words);
        if (more == NULL || words == NULL) {
            free(words);
            if (more != NULL)
                keep->lines = more;
            cli_error("out of memory");
            code = 4;
            break;
        }
        keep->lines = more;
        keep->lines[keep->n++] = line;
        size_t n = 0;
        for (; n < nbase; n++)
            words[n] = base[n];
        for (char *w = strtok(line, " \t\r\n"); w != NULL && w[0] != '#';
             w = strtok(NULL, " \t\r\n"))
            words[n++] = w;
        if (n > nbase && !plan_expand(p, words, n, nbase))
            code = 2;
        free(words);
        line = NULL;
        cap = 0;
    }
    free(line);
    fclose(f);
    if (code == 0 && p->n == 0) {
        cli_usage_error("sweep", "--configs %s has no runs", path);
        code = 2;
    }
    return code;
}

static int same_string(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int same_table(const cli_table_choice *a, const cli_table_choice *b)
{
    return same_string(a->exclude, b->exclude) && same_string(a->categorical, b->categorical) &&
           same_string(a->na, b->na) && same_string(a->na_values, b->na_values) &&
           a->max_levels == b->max_levels && a->decimal == b->decimal;
}

/* Whether two runs read the same rows. */
static int same_data(const cli_sweep_run *a, const cli_sweep_run *b)
{
    const train_settings *x = &a->s, *y = &b->s;
    return same_string(x->data, y->data) && x->delimiter == y->delimiter &&
           same_string(x->target, y->target) && same_string(x->features, y->features) &&
           same_string(x->val, y->val) && x->val_split == y->val_split &&
           same_table(&x->table, &y->table) && same_string(x->cache, y->cache) &&
           x->cv == y->cv && x->cv_shuffle == y->cv_shuffle &&
           ((x->val_split == 0 && !x->cv_shuffle) || a->cfg.seed == b->cfg.seed);
}

/* DIR/run-N.EXT for run i (N = i + 1), allocated; NULL on out of memory. */
static char *run_file(const char *dir, size_t i, const char *ext)
{
    size_t len = strlen(dir) + strlen(ext) + 32;
    char *path = malloc(len);
    if (path != NULL)
        snprintf(path, len, "%s/run-%zu.%s", dir, i + 1, ext);
    return path;
}

/* Parses run r (number i from 0 of nruns) as `gdtrain train` would.
 * Returns 0, or the exit status (the error printed). */
static int prepare_run(cli_sweep_run *r, size_t i, size_t nruns, const cli_sweep_run *first,
                       const sweep_settings *ss)
{
    size_t count;
    const cli_option *table = cli_train_options(&count);
    r->set = calloc(count + 1, 1);
    if (r->set == NULL) {
        cli_error("out of memory");
        return 4;
    }
    int code = cli_train_parse(r->argc, r->argv, &r->s, r->set);
    if (code >= 0)
        return code == 0 ? 2 : code;
    for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++)
        if (r->set[cli_option_index(table, refused[k])]) {
            cli_usage_error("sweep", "--%s is not a sweep option", refused[k]);
            return 2;
        }
    if (r->s.data == NULL) {
        cli_usage_error("sweep", "no training data: give --data FILE");
        return 2;
    }
    if (!r->set[cli_option_index(table, "threads")])
        r->s.threads = 1;
    r->s.quiet = 1;
    if (!cli_train_config("sweep", &r->s, r->set, &r->cfg)) {
        if (nruns > 1) /* the one error, and which run it is in */
            cli_note("in run %zu of %zu: %s", i + 1, nruns, r->options);
        return 2;
    }
    if (first != NULL && !same_data(r, first)) {
        cli_usage_error("sweep", "run %zu reads other rows than run 1: the data options%s "
                                 "must be the same for every run", i + 1,
                        r->s.val_split > 0  ? " and, with --val-split, --seed"
                        : r->s.cv_shuffle ? " and, with --cv-shuffle, --seed"
                                          : "");
        return 2;
    }
    if ((ss->curves != NULL && (r->curve = run_file(ss->curves, i, "csv")) == NULL) ||
        (ss->models != NULL && (r->model_path = run_file(ss->models, i, "model")) == NULL)) {
        cli_error("out of memory");
        return 4;
    }
    r->s.curve = r->curve;
    return 0;
}

/* Run i's files: what the sweep writes for it (its curve and model in the
 * --curves and --models folders, and the sweep's own outputs) may not be
 * one file, nor one the run reads. 0, or 2 after a usage error. */
static int files_fit(const cli_sweep_run *r, const sweep_settings *ss)
{
    const cli_file_use written[] = {
        {"--out", ss->out}, {"--results", ss->results}, {"--plot", ss->plot},
        {"--curves", r->curve}, {"--models", r->model_path},
    };
    const cli_file_use read[] = {
        {"--data", r->s.data}, {"--val", r->s.val}, {"--init-from", r->s.init_from},
        {"--configs", ss->configs},
    };
    const size_t nw = sizeof written / sizeof written[0], nr = sizeof read / sizeof read[0];
    return cli_outputs_distinct("sweep", written, nw) &&
                   cli_outputs_spare_inputs("sweep", written, nw, read, nr)
               ? 0
               : 2;
}

/* What the worker threads share. */
typedef struct sweep_pool {
    cli_sweep_run *runs;
    size_t n;
    size_t next; /* the next run to start */
    pthread_mutex_t lock;
    const gd_fit_data *fd;
    const gd_dataset *raw; /* --cv: the rows as the folds take them, else NULL */
    int keep_history;
} sweep_pool;

/* --cv: cross-validates run r on the rows the folds take, as train --cv
 * does (its configuration, seed and threads). */
static void cross_validate(cli_sweep_run *r, const gd_dataset *raw)
{
    gd_train_config cfg = r->cfg;
    cfg.interrupt = cli_train_interrupt_flag();
    gd_error err;
    gd_status st = gd_cv_run(raw, r->s.cv, r->s.cv_shuffle, cfg.seed, &cfg, &r->cv, &err);
    if (st != GD_OK)
        cli_report(&err);
    r->cv_done = st == GD_OK && r->cv.done == r->cv.k;
}

static void *sweep_worker(void *arg)
{
    sweep_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t i = p->next < p->n && !cli_train_interrupted() ? p->next++ : p->n;
        pthread_mutex_unlock(&p->lock);
        if (i == p->n)
            return NULL;
        cli_sweep_run *r = &p->runs[i];
        r->started = 1;
        cli_train_on_data(&r->s, r->set, &r->cfg, p->fd, r->optimum, p->keep_history,
                          &r->out);
        if (p->raw != NULL && r->out.status == 0 && !cli_train_interrupted())
            cross_validate(r, p->raw);
    }
}

/* Runs every run on jobs threads (the caller's among them). */
static void run_all(sweep_pool *p, long jobs)
{
    pthread_t threads[256];
    size_t nthreads = 0;
    pthread_mutex_init(&p->lock, NULL);
    cli_train_catch_signals(1);
    for (long t = 1; t < jobs && nthreads < sizeof threads / sizeof threads[0]; t++)
        if (pthread_create(&threads[nthreads], NULL, sweep_worker, p) == 0)
            nthreads++;
    sweep_worker(p);
    for (size_t t = 0; t < nthreads; t++)
        pthread_join(threads[t], NULL);
    cli_train_catch_signals(0);
    pthread_mutex_destroy(&p->lock);
}

/* The optimum of each run's objective, computed once per (l1, l2). */
static int find_optima(cli_sweep_run *runs, size_t n, const gd_fit_data *train,
                       gd_solve_info *optima)
{
    for (size_t i = 0; i < n; i++) {
        runs[i].optimum = NULL;
        size_t k = 0;
        while (k < i && (runs[k].cfg.l1 != runs[i].cfg.l1 || runs[k].cfg.l2 != runs[i].cfg.l2))
            k++;
        if (k < i) {
            runs[i].optimum = runs[k].optimum;
            continue;
        }
        if (cli_optimum(train, runs[i].cfg.l1, runs[i].cfg.l2, runs[i].cfg.no_intercept,
                        &optima[i]))
            runs[i].optimum = &optima[i];
    }
    return 0;
}

/* What the runs are ranked by: the mean validation MSE over the folds with
 * --cv, validation MSE when there are validation rows, else training MSE. */
enum { BY_TRAIN, BY_VAL, BY_CV };
static const char *const by_column[] = {"train_mse", "val_mse", "cv_mse"};

/* The score run r is ranked by (target units); NaN when it has none. */
static double run_score(const cli_sweep_run *r, int by)
{
    const gd_train_result *t = &r->out.train;
    if (by == BY_CV)
        return r->cv_done ? r->cv.mse.mean : NAN;
    return (by == BY_VAL ? t->val_loss : t->train_loss) * r->out.loss_scale;
}

/* Whether run r trained to a model. A run that an interrupt kept from
 * starting has none: its zeroed outcome is no score of 0. */
static int has_model(const cli_sweep_run *r)
{
    return r->started && r->out.status == 0;
}

static const cli_sweep_run *rank_runs(cli_sweep_run *runs, size_t n, int by)
{
    const cli_sweep_run *best = NULL;
    for (size_t i = 0; i < n; i++) {
        cli_sweep_run *r = &runs[i];
        r->rank = 0;
        if (!has_model(r) || isnan(run_score(r, by)))
            continue;
        r->rank = 1;
        /* Ties go to the earlier run. */
        for (size_t k = 0; k < n; k++) {
            const cli_sweep_run *o = &runs[k];
            if (k != i && has_model(o) && !isnan(run_score(o, by)) &&
                (run_score(o, by) < run_score(r, by) ||
                 (run_score(o, by) == run_score(r, by) && k < i)))
                r->rank++;
        }
        if (r->rank == 1)
            best = r;
    }
    return best;
}

static const char *run_stop(const cli_sweep_run *r)
{
    return r->started ? gd_stop_reason_name(r->out.train.reason) : "not_started";
}

/* The rows' numbers in target units. */
typedef struct run_numbers {
    double lr, train_mse, val_mse;
    long long batch;
} run_numbers;

static run_numbers numbers_of(const cli_sweep_run *r, size_t rows)
{
    const gd_train_result *t = &r->out.train;
    size_t b = r->cfg.batch_size == 0 || r->cfg.batch_size > rows ? rows : r->cfg.batch_size;
    return (run_numbers){r->cfg.lr, t->train_loss * r->out.loss_scale,
                         t->val_loss * r->out.loss_scale, (long long)b};
}

static void csv_number(FILE *f, double v)
{
    char num[64];
    if (isnan(v))
        fputc(',', f);
    else
        fprintf(f, ",%s", cli_num(num, sizeof num, v));
}

static void csv_row(FILE *f, const cli_sweep_run *r, size_t i, size_t rows, int by)
{
    run_numbers x = numbers_of(r, rows);
    fprintf(f, "%zu,\"", i + 1);
    for (const char *c = r->options; *c; c++)
        fprintf(f, *c == '"' ? "\"\"" : "%c", *c);
    fprintf(f, "\",%s", r->cfg.opt->name);
    csv_number(f, x.lr);
    fprintf(f, ",%lld,", x.batch);
    if (r->started)
        fprintf(f, "%d", r->out.status);
    fprintf(f, ",%s,%ld", run_stop(r), r->out.train.epochs);
    csv_number(f, r->started ? x.train_mse : NAN);
    csv_number(f, r->started ? x.val_mse : NAN);
    csv_number(f, r->started ? r->out.gap : NAN);
    fprintf(f, ",%.3f,", r->out.seconds);
    if (r->rank > 0)
        fprintf(f, "%zu", r->rank);
    fprintf(f, ",%s", by_column[by]);
    if (by == BY_CV) {
        csv_number(f, r->cv_done ? r->cv.mse.mean : NAN);
        csv_number(f, r->cv_done ? r->cv.mse.sd : NAN);
    }
    fputc('\n', f);
}

/* --results: every row, written atomically. */
static int write_results(const char *path, const cli_sweep_run *runs, size_t n, size_t rows,
                         int by)
{
    gd_atomic_file f;
    gd_error err;
    if (gd_atomic_open(&f, path, &err) != GD_OK) {
        cli_report(&err);
        return 4;
    }
    fprintf(f.fp, "run,options,opt,lr,batch_size,exit_status,stop_reason,epochs,train_mse,"
                  "val_mse,gap,seconds,rank,ranked_by%s\n", by == BY_CV ? ",cv_mse,cv_mse_sd" : "");
    for (size_t i = 0; i < n; i++)
        csv_row(f.fp, &runs[i], i, rows, by);
    if (gd_atomic_commit(&f, &err) != GD_OK) {
        cli_report(&err);
        return 4;
    }
    return 0;
}

/* --json: one line per run. */
static int print_json_rows(const cli_sweep_run *runs, size_t n, size_t rows, int by)
{
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        const cli_sweep_run *r = &runs[i];
        run_numbers x = numbers_of(r, rows);
        gd_json j;
        gd_json_start(&j, stdout);
        gd_json_object_begin(&j, NULL);
        gd_json_integer(&j, "run", (long long)i + 1);
        gd_json_string(&j, "options", r->options);
        gd_json_string(&j, "opt", r->cfg.opt->name);
        gd_json_number(&j, "lr", x.lr);
        gd_json_integer(&j, "batch_size", x.batch);
        if (r->started)
            gd_json_integer(&j, "exit_status", r->out.status);
        else
            gd_json_null(&j, "exit_status");
        gd_json_string(&j, "stop_reason", run_stop(r));
        gd_json_integer(&j, "epochs", r->out.train.epochs);
        gd_json_number(&j, "train_mse", r->started ? x.train_mse : NAN);
        gd_json_number(&j, "val_mse", r->started ? x.val_mse : NAN);
        gd_json_number(&j, "gap", r->started ? r->out.gap : NAN);
        gd_json_number(&j, "seconds", r->out.seconds);
        if (r->rank > 0)
            gd_json_integer(&j, "rank", (long long)r->rank);
        else
            gd_json_null(&j, "rank");
        gd_json_string(&j, "ranked_by", by_column[by]);
        if (by == BY_CV) {
            gd_json_number(&j, "cv_mse", r->cv_done ? r->cv.mse.mean : NAN);
            gd_json_number(&j, "cv_mse_sd", r->cv_done ? r->cv.mse.sd : NAN);
        }
        gd_json_object_end(&j);
        failed |= gd_json_finish(&j);
    }
    if (failed)
        cli_error("cannot write the JSON lines to standard output");
    return failed ? 4 : 0;
}

/* The ranking for a person, best first. */
static void say_ranking(const cli_sweep_run *runs, size_t n, int by, double seconds)
{
    size_t done = 0, models = 0;
    for (size_t i = 0; i < n; i++) {
        done += runs[i].started;
        models += runs[i].rank > 0;
    }
    cli_say("gdtrain: sweep of %zu run%s in %.3f s: %zu with a model; ranked by %s\n", n,
            cli_plural(n), seconds, models,
            by == BY_CV    ? "cross-validated MSE (the mean over the folds)"
            : by == BY_VAL ? "validation MSE"
                           : "training MSE (no validation rows: give --val-split, --val "
                             "or --cv K to rank on unseen rows)");
    for (size_t rank = 1; rank <= models; rank++)
        for (size_t i = 0; i < n; i++)
            if (runs[i].rank == rank)
                cli_say("  %2zu. run %zu: %s %.6g, %ld epochs (%s)  %s\n", rank, i + 1,
                        by == BY_CV ? "cv MSE" : by == BY_VAL ? "val MSE" : "MSE",
                        run_score(&runs[i], by),
                        runs[i].out.train.epochs, run_stop(&runs[i]), runs[i].options);
    for (size_t i = 0; i < n; i++)
        if (runs[i].rank == 0)
            cli_say("   -. run %zu: %s, exit status %d  %s\n", i + 1, run_stop(&runs[i]),
                    runs[i].out.status, runs[i].options);
    (void)done;
}

/* --plot: every run's training loss, named by run. */
static int write_plot(const char *path, cli_sweep_run *runs, size_t n)
{
    gd_curve *curves = calloc(n + 1, sizeof *curves);
    char (*labels)[32] = calloc(n + 1, sizeof *labels);
    const char **names = calloc(n + 1, sizeof *names);
    size_t m = 0;
    int code = 0;
    if (curves == NULL || labels == NULL || names == NULL) {
        cli_error("out of memory");
        code = 4;
    }
    for (size_t i = 0; code == 0 && i < n; i++) {
        if (runs[i].out.history.n == 0)
            continue;
        curves[m] = runs[i].out.history;
        curves[m].columns = GD_CURVE_BIT(GD_CURVE_TRAIN_LOSS);
        snprintf(labels[m], sizeof labels[m], "run %zu", i + 1);
        names[m] = labels[m];
        m++;
    }
    gd_svg_curve_options po = {.title = "gdtrain sweep", .no_val = 1};
    gd_error err;
    if (code == 0 && gd_svg_save_curves(path, curves, names, m, &po, &err) != GD_OK) {
        cli_report(&err);
        code = 4;
    }
    free(curves);
    free(labels);
    free(names);
    return code;
}

/* --models: the model of every run that has one. */
static int write_models(const cli_sweep_run *runs, size_t n)
{
    int code = 0;
    for (size_t i = 0; code == 0 && i < n; i++) {
        if (!has_model(&runs[i]))
            continue;
        gd_error err;
        if (gd_model_save(&runs[i].out.model, runs[i].model_path, &err) != GD_OK) {
            cli_report(&err);
            code = 4;
        }
    }
    return code;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* --cv K: the rows as the folds take them, once for every run. Returns 0,
 * or the exit status (the error printed). */
static int load_folds(const cli_data_choice *choice, size_t k, gd_dataset *raw)
{
    int code = cli_cv_load(choice, raw);
    if (code == 0 && (k < 2 || k > raw->n)) {
        cli_usage_error("sweep", "--cv: %zu folds on %zu rows: cross-validation needs 2 "
                                 "to %zu folds", k, raw->n, raw->n);
        code = 2;
    }
    return code;
}

/* Everything after the plan: load once, train, report. */
static int sweep_execute(const sweep_settings *ss, cli_sweep_run *runs, size_t n)
{
    const train_settings *s0 = &runs[0].s;
    cli_data_choice choice = {
        .path = s0->data, .delimiter = s0->delimiter, .target = s0->target,
        .features = s0->features, .val_split = s0->val_split,
        .split_seed = runs[0].cfg.seed, .val_path = s0->val, .threads = 0,
        .no_intercept = runs[0].cfg.no_intercept,
        .table = s0->table, .cache = s0->cache,
    };
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    gd_fit_data fd;
    gd_dataset raw = {0};
    int code = cli_load_standardized(&choice, &fd);
    if (code == 0 && s0->cv > 0)
        code = load_folds(&choice, s0->cv, &raw);
    gd_solve_info *optima = calloc(n + 1, sizeof *optima);
    if (code == 0 && optima == NULL) {
        cli_error("out of memory");
        code = 4;
    }
    if (code == 0) {
        find_optima(runs, n, &fd, optima);
        sweep_pool pool = {.runs = runs, .n = n, .fd = &fd, .raw = s0->cv ? &raw : NULL,
                           .keep_history = ss->plot != NULL};
        long jobs = ss->jobs > 0 ? ss->jobs : gd_loss_threads(0);
        run_all(&pool, jobs < (long)n ? jobs : (long)n);
        int by = s0->cv ? BY_CV : fd.val.n > 0 ? BY_VAL : BY_TRAIN;
        const cli_sweep_run *best = rank_runs(runs, n, by);
        int signo = cli_train_interrupted();
        if (ss->results != NULL)
            code = write_results(ss->results, runs, n, fd.train.n, by);
        if (ss->json && print_json_rows(runs, n, fd.train.n, by) != 0)
            code = 4;
        if (ss->plot != NULL && code == 0)
            code = write_plot(ss->plot, runs, n);
        if (ss->models != NULL && code == 0)
            code = write_models(runs, n);
        say_ranking(runs, n, by, seconds_since(&t0));
        gd_error err;
        if (signo != 0) {
            cli_error("interrupted: the finished runs are in the results; no model was "
                      "written");
            code = 128 + signo;
        } else if (best == NULL) {
            cli_error("no run produced a model; no model was written");
            code = code ? code : 1;
        } else if (code == 0 && gd_model_save(&best->out.model, ss->out, &err) != GD_OK) {
            cli_report(&err);
            code = 4;
        } else if (code == 0) {
            cli_say("  best: run %zu, model written to %s\n", (size_t)(best - runs) + 1,
                    cli_out_name(ss->out));
        }
    }
    free(optima);
    gd_fit_data_free(&fd);
    gd_dataset_free(&raw);
    return code;
}

static void free_runs(sweep_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        cli_sweep_run *r = &p->runs[i];
        for (int w = 0; w < r->argc; w++)
            free(r->owned[w]);
        free(r->owned);
        free(r->argv);
        free(r->options);
        free(r->set);
        free(r->curve);
        free(r->model_path);
        cli_train_outcome_free(&r->out);
        gd_cv_result_free(&r->cv);
    }
    free(p->runs);
}

int cmd_sweep(int argc, char **argv)
{
    char **own = calloc((size_t)argc + 1, sizeof *own);
    char **train = calloc((size_t)argc + 1, sizeof *train);
    if (own == NULL || train == NULL) {
        free(own);
        free(train);
        cli_error("out of memory");
        return 4;
    }
    int nown, ntrain;
    separate(argc, argv, own, &nown, train, &ntrain);
    sweep_settings ss = {.out = DEFAULT_MODEL_PATH};
    unsigned char set[sizeof sweep_options / sizeof sweep_options[0]] = {0};
    int early = cli_parse_command("sweep", sweep_options, nown, own, &ss, set,
                                  print_sweep_help);
    sweep_plan plan = {0};
    sweep_lines lines = {0};
    int code = early;
    if (early < 0) {
        cli_quiet = ss.quiet;
        code = ss.configs != NULL
                   ? plan_configs(&plan, &lines, ss.configs, train, (size_t)ntrain)
                   : (plan_expand(&plan, train, (size_t)ntrain, (size_t)ntrain) ? 0 : 2);
    }
    for (size_t i = 0; code == 0 && i < plan.n; i++)
        code = prepare_run(&plan.runs[i], i, plan.n, i > 0 ? &plan.runs[0] : NULL, &ss);
    for (size_t i = 0; code == 0 && i < plan.n; i++)
        code = files_fit(&plan.runs[i], &ss);
    if (code == 0 && ss.json && (cli_is_stdio(ss.results) || cli_is_stdio(ss.plot) ||
                                 cli_is_stdio(ss.out))) {
        cli_usage_error("sweep", "--json writes to standard output: give files for "
                                 "--results, --plot and --out");
        code = 2;
    }
    if (early < 0 && code == 0)
        code = sweep_execute(&ss, plan.runs, plan.n);
    free_runs(&plan);
    for (size_t i = 0; i < lines.n; i++)
        free(lines.lines[i]);
    free(lines.lines);
    free(own);
    free(train);
    return code;
}
