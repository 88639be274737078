/*
 * trainer: the epoch loop. See include/gdtrain/trainer.h.
 *
 * All memory is allocated once before the first epoch; the loop itself never
 * allocates.
 */
#include "gdtrain/trainer.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/loss.h"
#include "gdtrain/rng.h"
#include "core/prefetch.h"
#include "data/stream.h"
#include "train/orders.h"

/* A loss this many times the initial one counts as a blow-up. */
#define GD_DIVERGENCE_FACTOR 1e6

static const char *const stop_names[] = {
    [GD_STOP_CONVERGED] = "converged",
    [GD_STOP_GRADIENT] = "gradient",
    [GD_STOP_MAX_EPOCHS] = "max_epochs",
    [GD_STOP_DIVERGED] = "diverged",
    [GD_STOP_REQUESTED] = "requested",
    [GD_STOP_EARLY] = "early_stop",
    [GD_STOP_INTERRUPTED] = "interrupted",
    [GD_STOP_STALLED] = "stalled",
};

const char *gd_stop_reason_name(gd_stop_reason reason)
{
    return stop_names[reason];
}

static gd_status check_config(const gd_dataset *ds, const gd_train_config *cfg,
                              gd_error *err)
{
    if (gd_dataset_total(ds) == 0 || (ds->y == NULL && ds->stream == NULL))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0, "no training rows");
    /* The rows of a dataset spread over processes are summed whole only
     * (src/core/share.h): a batch would be some rows of some parts. */
    if (ds->share != NULL && cfg->batch_size != 0 && cfg->batch_size < gd_dataset_total(ds))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "mini-batches need every row in one process");
    const int minibatch = cfg->batch_size != 0 && cfg->batch_size < ds->n;
    if (ds->stream != NULL && minibatch && cfg->shuffle == GD_SHUFFLE_ROWS)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "streamed mini-batches come in blocks: give --shuffle blocks "
                            "or --no-shuffle");
    if (ds->stream != NULL && minibatch && cfg->shuffle == GD_SHUFFLE_BLOCKS &&
        !gd_stream_random(ds->stream))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "--shuffle blocks reads the blocks in any order, which a "
                            "streamed CSV file cannot: use its cache file, or --no-shuffle");
    if (cfg->val != NULL && (cfg->val->d != ds->d || cfg->val->n == 0 ||
                             (cfg->val->y == NULL && cfg->val->stream == NULL)))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "the validation rows must have the training columns");
    if (cfg->early_stop && cfg->val == NULL)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "early stopping needs validation rows");
    return gd_train_config_check(cfg, err);
}

/* Whether the run tests for a stall: mini-batches, with the rule on. */
static int tracks_stall(const gd_dataset *ds, const gd_train_config *cfg)
{
    return cfg->batch_size != 0 && cfg->batch_size < gd_dataset_total(ds) &&
           cfg->stall_tol > 0.0 &&
           cfg->tol > 0.0; /* tol 0 promises every epoch */
}

/*
 * The stopping rule of mini-batch runs, whose full-data objective is noisy
 * from epoch to epoch: the run has stalled when its best objective has not
 * improved by stall_tol (relative) on the reference set stall_epochs epochs
 * ago, the reference moving to the best whenever it improves by that much.
 * Slow but steady progress adds up against the same reference, so it is not
 * mistaken for a stall. Keeps the best epoch's weights in best_params
 * (unless early stopping keeps its own). Returns 1 when stalled.
 */
static int stalled(gd_train_state *state, const gd_train_config *cfg, const double *params,
                   double objective, long epoch)
{
    if (objective < state->stall_best) {
        state->stall_best = objective;
        if (!cfg->early_stop) {
            state->best_epoch = epoch;
            memcpy(state->best_params, params, state->nparams * sizeof *params);
        }
    }
    if (state->stall_ref == INFINITY || /* the first epoch sets the reference */
        state->stall_best < state->stall_ref - cfg->stall_tol * state->stall_ref) {
        state->stall_ref = state->stall_best;
        state->stall_epochs = 0;
        return 0;
    }
    return ++state->stall_epochs >= cfg->stall_epochs;
}

/* Adds the ridge term 2*l2*w to the weights' gradient (never the bias). */
static void add_l2_gradient(double *grad, const double *params, size_t d, double l2)
{
    if (l2 == 0.0)
        return;
    for (size_t j = 0; j < d; j++)
        grad[j] += 2.0 * l2 * params[j];
}

/* The proximal step of the L1 penalty after an update with rate lr:
 * soft-thresholding, w_j = sign(w_j) max(|w_j| - r_j*l1, 0), so that a
 * weight whose gradient cannot hold it away from 0 lands on exactly 0. r_j
 * is the rate the rule applied to coordinate j (its .rates; lr for every
 * coordinate when it has none): a threshold of lr*l1 under a rule that
 * scales its steps per coordinate (adam, rmsprop, adagrad) or by
 * 1/(1 - momentum) has fixed points where |g_j| = l1 * r_j / lr, not
 * |g_j| = l1, which is not the lasso's optimum. rate is scratch space of
 * d + 1 numbers. */
static void l1_prox(const gd_train_config *cfg, const void *opt_state, double *params,
                    size_t d, size_t nfit, double lr, long t, double *rate)
{
    if (cfg->l1 == 0.0)
        return;
    assert(rate != NULL); /* run_open allocates it whenever l1 > 0 */
    const gd_optimizer_ops *ops = cfg->opt;
    if (ops->rates != NULL)
        ops->rates(opt_state, rate, nfit, lr, t, &cfg->hp);
    for (size_t j = 0; j < d; j++) {
        double a = fabs(params[j]) - (ops->rates != NULL ? rate[j] : lr) * cfg->l1;
        params[j] = a > 0.0 ? copysign(a, params[j]) : 0.0;
    }
}

static double norm2(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i] * v[i];
    return sqrt(s);
}

static void init_params(double *params, size_t d, gd_init_kind kind, gd_rng *rng)
{
    memset(params, 0, (d + 1) * sizeof *params);
    if (kind == GD_INIT_RANDOM)
        for (size_t j = 0; j < d; j++)
            params[j] = 0.01 * gd_rng_normal(rng);
}

gd_status gd_train_state_init(gd_train_state *state, const gd_dataset *ds,
                              const gd_train_config *cfg, double *params, gd_error *err)
{
    memset(state, 0, sizeof *state);
    gd_status status = check_config(ds, cfg, err);
    if (status != GD_OK)
        return status;
    const size_t np = ds->d + 1;
    const gd_optimizer_ops *ops = cfg->opt;
    size_t opt_bytes = ops->state_size(np);
    /* Every rule keeps its state as doubles, so a checkpoint can write it. */
    assert(opt_bytes % sizeof(double) == 0);
    state->nparams = np;
    state->nopt = opt_bytes / sizeof(double);
    state->opt_state = malloc(opt_bytes ? opt_bytes : 1);
    const int keep_best = cfg->early_stop || tracks_stall(ds, cfg);
    state->best_params = keep_best ? calloc(np, sizeof *state->best_params) : NULL;
    if (state->opt_state == NULL || (keep_best && state->best_params == NULL)) {
        gd_train_state_free(state);
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    gd_rng_seed(&state->rng, cfg->seed);
    if (cfg->init != GD_INIT_GIVEN)
        init_params(params, ds->d, cfg->init, &state->rng);
    ops->init(state->opt_state, cfg->no_intercept ? ds->d : np, &cfg->hp);
    gd_schedule_config sched = gd_train_schedule(cfg);
    gd_schedule_init(&state->schedule, &sched, cfg->lr);
    state->blowup = NAN; /* set from the first objective by gd_train_run */
    state->best_val = INFINITY;
    state->stall_ref = INFINITY;
    state->stall_best = INFINITY;
    return GD_OK;
}

void gd_train_state_free(gd_train_state *state)
{
    if (state == NULL)
        return;
    free(state->opt_state);
    free(state->best_params);
    memset(state, 0, sizeof *state);
}

/* How far ahead of the batch being read the rows of a shuffled order are
 * prefetched: one batch, but at least PREFETCH_MIN rows (so that batch-1
 * steps still overlap their misses) and at most PREFETCH_MAX (more only
 * evicts lines before they are read). */
#define PREFETCH_MIN 16
#define PREFETCH_MAX 64

/* Where an epoch's prefetching stands. */
typedef struct prefetcher {
    const size_t *order;  /* the epoch's row order */
    const size_t *blocks; /* its block order (GD_SHUFFLE_BLOCKS), else NULL */
    size_t n;             /* rows */
    size_t fetched;       /* positions of order prefetched so far */
    size_t block;         /* GD_SHUFFLE_BLOCKS: the block being read (its rank) */
    size_t block_at;      /* its first position in order */
} prefetcher;

static size_t block_len(size_t n, size_t first_row)
{
    return n - first_row < GD_SHUFFLE_BLOCK_ROWS ? n - first_row : GD_SHUFFLE_BLOCK_ROWS;
}

/* The batch at positions [begin, begin + count) of the epoch's order is
 * about to be read: starts the loads of the rows a little past it, so that
 * their cache misses (each row is a random place in memory) overlap with
 * the work on this batch. In block order, also streams the next block in
 * as far as this one has been read, so that it is in the cache when its
 * turn comes. */
static void prefetch_batch(prefetcher *pf, const gd_loss *loss, size_t begin, size_t count)
{
    const size_t n = pf->n;
    size_t ahead = count < PREFETCH_MIN ? PREFETCH_MIN
                   : count > PREFETCH_MAX ? PREFETCH_MAX : count;
    size_t want = n - begin - count > ahead ? begin + count + ahead : n;
    if (want > pf->fetched) {
        gd_rows rows = {pf->order, pf->fetched, want - pf->fetched};
        gd_loss_prefetch(loss, rows);
        pf->fetched = want;
    }
    if (pf->blocks == NULL)
        return;
    const size_t nblocks = (n - 1) / GD_SHUFFLE_BLOCK_ROWS + 1;
    size_t len = block_len(n, pf->blocks[pf->block] * GD_SHUFFLE_BLOCK_ROWS);
    while (begin >= pf->block_at + len) {
        pf->block_at += len;
        pf->block++;
        len = block_len(n, pf->blocks[pf->block] * GD_SHUFFLE_BLOCK_ROWS);
    }
    if (pf->block + 1 < nblocks) {
        size_t next = pf->blocks[pf->block + 1] * GD_SHUFFLE_BLOCK_ROWS;
        size_t next_len = block_len(n, next);
        size_t lo = begin - pf->block_at, hi = lo + count;
        if (lo < next_len) {
            gd_rows rows = {NULL, next + lo, (hi < next_len ? hi : next_len) - lo};
            gd_loss_prefetch(loss, rows);
        }
    }
}

/* Rows of an epoch laid out in its order are read as a stream: the lines
 * up to LAID_OUT_AHEAD rows past the batch (position end) are asked for
 * before the batch is read. */
#define LAID_OUT_AHEAD 64

static void prefetch_laid_out(const double *rows, prefetcher *pf, size_t width, size_t end)
{
    const size_t per_line = 8; /* doubles in a 64-byte line */
    size_t want = (end + LAID_OUT_AHEAD < pf->n ? end + LAID_OUT_AHEAD : pf->n) * width;
    for (; pf->fetched < want; pf->fetched += per_line)
        GD_PREFETCH(rows + pf->fetched);
}

/*
 * One call of gd_train_run: its inputs, and the scratch space allocated once
 * before the first epoch. The stages below share it:
 *   run_open            scratch for the loss passes, roll-back and batches
 *   full_data_loss      the full-data loss and objective gradient (the one
 *                       place the whole training set is read at once)
 *   step                one optimizer step and the L1 proximal step: a
 *                       full-batch epoch is one, on the full-data gradient
 *   minibatch_epoch     a step per batch of the epoch's row order
 *   roll_back           an interrupted epoch undone
 *   epoch_end           measurement, divergence and the stopping rules
 *   result_finish       the best epoch's weights put back where a rule keeps them
 */
typedef struct run {
    const gd_dataset *ds;
    const gd_train_config *cfg;
    gd_train_state *state;
    gd_epoch_fn on_epoch;
    void *user;
    size_t d, np, n;
    size_t nfit;         /* the parameters the optimizer moves: without an
                            intercept the bias (params[d], 0 from the start)
                            is left out, so it stays 0 */
    int full_batch;      /* every step on every row */
    int stall;           /* the stall rule applies (tracks_stall) */
    long t;              /* optimizer steps taken, this epoch's included */
    gd_loss *loss;
    gd_loss *val_loss;   /* evaluator of the validation rows, or NULL */
    double *val_sums;    /* (d + 2) streamed validation rows' sums */
    double *grad;        /* (np) gradient of the current batch or full data */
    double *prev_params; /* (np) parameters at the start of the epoch */
    double *prev_opt;    /* (nopt) optimizer state at the start of the epoch */
    gd_rng prev_rng;     /* the random stream at the start of the epoch */
    gd_orders orders;    /* the epochs' row orders, shuffled mini-batches only */
    double *rate;        /* (np) the rule's per-coordinate rates, with l1 only */
    /* A streamed dataset (ds->stream): the loss evaluates a chunk at a time
     * into sums; a mini-batch is gathered into batch, evaluated by
     * batch_loss; order then holds one block's rows. */
    double *sums;        /* (d + 2) */
    size_t *sblocks;     /* --shuffle blocks: the epoch's block order */
    size_t *sorder;      /* --shuffle blocks: a block's row order */
    gd_dataset batch;    /* (batch_size rows) */
    gd_loss *batch_loss;
} run;

static void run_close(run *r)
{
    gd_orders_close(&r->orders); /* first: its helper may be reading the loss's rows */
    gd_loss_free(r->loss);
    gd_loss_free(r->val_loss);
    free(r->val_sums);
    gd_loss_free(r->batch_loss);
    free(r->batch.x);
    free(r->batch.y);
    free(r->sums);
    free(r->sblocks);
    free(r->sorder);
    free(r->grad);
    free(r->prev_params);
    free(r->prev_opt);
    free(r->rate);
}

/* run_open's part for a streamed dataset: the evaluators of a chunk and
 * of a gathered mini-batch. */
static gd_status stream_open(run *r, gd_error *err)
{
    const gd_train_config *cfg = r->cfg;
    gd_status status = gd_loss_create(&r->loss, gd_stream_view(r->ds->stream), cfg->threads,
                                      err);
    r->sums = malloc((r->d + 2) * sizeof *r->sums);
    if (status != GD_OK || r->sums == NULL)
        return status != GD_OK ? status : gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0,
                                                       "out of memory");
    if (r->full_batch)
        return GD_OK;
    if (cfg->shuffle == GD_SHUFFLE_BLOCKS) {
        r->sblocks = malloc(((r->n - 1) / GD_SHUFFLE_BLOCK_ROWS + 1) * sizeof *r->sblocks);
        r->sorder = malloc(GD_SHUFFLE_BLOCK_ROWS * sizeof *r->sorder);
        if (r->sblocks == NULL || r->sorder == NULL)
            return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    r->batch = (gd_dataset){.n = cfg->batch_size, .d = r->d};
    r->batch.x = malloc(cfg->batch_size * (r->d ? r->d : 1) * sizeof *r->batch.x);
    r->batch.y = malloc(cfg->batch_size * sizeof *r->batch.y);
    if (r->batch.x == NULL || r->batch.y == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return gd_loss_create(&r->batch_loss, &r->batch, 1, err);
}

/* run_open's part for the validation rows: their evaluator, which a
 * streamed set's chunks pass through. */
static gd_status val_open(run *r, gd_error *err)
{
    const gd_train_config *cfg = r->cfg;
    if (cfg->val->stream == NULL)
        return gd_loss_create(&r->val_loss, cfg->val, cfg->threads, err);
    r->val_sums = malloc((r->d + 2) * sizeof *r->val_sums);
    if (r->val_sums == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return gd_loss_create(&r->val_loss, gd_stream_view(cfg->val->stream), cfg->threads, err);
}

/* Fills *r for a run of cfg on ds from *state and allocates its scratch.
 * On error *r is still safe to close. */
static gd_status run_open(run *r, const gd_dataset *ds, const gd_train_config *cfg,
                          gd_train_state *state, gd_error *err)
{
    const size_t n = gd_dataset_total(ds), np = ds->d + 1;
    *r = (run){.ds = ds, .cfg = cfg, .state = state, .d = ds->d, .np = np, .n = n,
               .nfit = cfg->no_intercept ? ds->d : np,
               .full_batch = cfg->batch_size == 0 || cfg->batch_size >= n,
               .stall = tracks_stall(ds, cfg), .t = state->steps};
    assert(state->nparams == np);
    gd_status status = ds->stream != NULL ? stream_open(r, err)
                                          : gd_loss_create(&r->loss, ds, cfg->threads, err);
    if (status == GD_OK && cfg->val != NULL)
        status = val_open(r, err);
    if (status != GD_OK)
        return status;
    assert(np >= 1); /* the bias at least */
    r->grad = malloc(np * sizeof *r->grad);
    r->prev_params = malloc(np * sizeof *r->prev_params);
    r->prev_opt = malloc((state->nopt ? state->nopt : 1) * sizeof *r->prev_opt);
    const int shuffled = !r->full_batch && cfg->shuffle != GD_SHUFFLE_NONE;
    /* A shuffled row is a random place in memory: packed with its target
     * it is one cache line to wait for instead of up to three. Without the
     * memory for the copy the run reads X and y, with the same bits. (A
     * streamed run's rows are in a chunk that changes.) */
    if (shuffled && ds->stream == NULL)
        (void)gd_loss_pack(r->loss);
    /* The next epoch's order is drawn beside this one's steps when the run
     * may use a second thread. (A streamed run draws its own, a block at a
     * time.) */
    const int orders_failed = shuffled && ds->stream == NULL &&
                              gd_orders_open(&r->orders, cfg->shuffle, n,
                                             gd_loss_threads(cfg->threads) > 1) != 0;
    /* With the helper, an epoch of shuffled rows reads them laid out in its
     * order (no random reads left on this thread), when there is memory for
     * them. (Blocks of rows are read nearly in order already: the copy
     * would cost more than it saves.) */
    if (shuffled && cfg->shuffle == GD_SHUFFLE_ROWS && ds->stream == NULL && !orders_failed)
        (void)gd_orders_gather(&r->orders, r->loss, np);
    r->rate = cfg->l1 > 0 ? malloc(np * sizeof *r->rate) : NULL;
    if (!r->grad || !r->prev_params || !r->prev_opt || orders_failed ||
        (cfg->l1 > 0 && !r->rate))
        return gd_error_set(err, GD_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return GD_OK;
}

/* gd_loss_eval over every row of a streamed dataset, a chunk at a time:
 * the chunks start at multiples of the loss's blocks, so the sums are
 * those of the whole matrix (include/gdtrain/loss.h). */
static double stream_loss(gd_loss *loss, const gd_dataset *ds, const double *params,
                          double *sums, double *grad)
{
    const size_t chunk = gd_stream_chunk(ds->stream);
    if (ds->n <= chunk) { /* gd_loss_eval's own, for its way with under 4 rows */
        gd_stream_rows(ds->stream, 0, ds->n);
        return gd_loss_eval(loss, (gd_rows){NULL, 0, ds->n}, params, grad);
    }
    memset(sums, 0, (ds->d + 2) * sizeof *sums);
    for (size_t first = 0; first < ds->n; first += chunk) {
        size_t count = ds->n - first < chunk ? ds->n - first : chunk;
        gd_stream_rows(ds->stream, first, count);
        gd_loss_add(loss, (gd_rows){NULL, 0, count}, params, grad != NULL, sums);
    }
    return gd_loss_finish(sums, ds->d, ds->n, grad);
}

/* The full-data loss at params, with the gradient of the objective (the
 * ridge term included) left in r->grad: the same bits whether the run is
 * fresh or resumed, since they depend only on the parameters. */
static double full_data_loss(run *r, const double *params)
{
    double loss = r->ds->stream != NULL ? stream_loss(r->loss, r->ds, params, r->sums, r->grad)
                                        : gd_loss_eval(r->loss, gd_rows_all(r->ds), params,
                                                       r->grad);
    add_l2_gradient(r->grad, params, r->d, r->cfg->l2);
    return loss;
}

/* The validation loss at params, or NaN without validation rows. */
static double validation_loss(const run *r, const double *params)
{
    const gd_dataset *val = r->cfg->val;
    if (r->val_loss == NULL)
        return NAN;
    return val->stream != NULL ? stream_loss(r->val_loss, val, params, r->val_sums, NULL)
                               : gd_loss_eval(r->val_loss, gd_rows_all(val), params, NULL);
}

/* One optimizer step on r->grad, then the L1 proximal step; returns its rate. */
static double step(run *r, double *params, long epoch)
{
    const gd_train_config *cfg = r->cfg;
    gd_train_state *state = r->state;
    double lr = gd_schedule_lr(&state->schedule, epoch - 1, ++r->t);
    cfg->opt->step(state->opt_state, params, r->grad, r->nfit, lr, r->t, &cfg->hp);
    l1_prox(cfg, state->opt_state, params, r->d, r->nfit, lr, r->t, r->rate);
    return lr;
}

/* A step on the batch gathered so far (r->batch.n rows). */
static double stream_batch_step(run *r, double *params, long epoch)
{
    gd_loss_eval(r->batch_loss, gd_rows_all(&r->batch), params, r->grad);
    add_l2_gradient(r->grad, params, r->d, r->cfg->l2);
    return step(r, params, epoch);
}

/* minibatch_epoch on a streamed dataset, in the same row order, without
 * an order of n rows: the blocks of GD_SHUFFLE_BLOCK_ROWS in file order
 * (--no-shuffle) or shuffled, drawn as gd_rng_shuffle_blocks draws them
 * (the block order, then each block's rows as its turn comes), each block
 * read on its own and its rows copied into the batch in that order. The
 * batch holds the same rows in the same places as in memory, so a step
 * has the same bits. */
static int stream_minibatch_epoch(run *r, double *params, long epoch, double *lr)
{
    const gd_train_config *cfg = r->cfg;
    const size_t n = r->n, d = r->d, nblocks = (n - 1) / GD_SHUFFLE_BLOCK_ROWS + 1;
    const int shuffled = cfg->shuffle == GD_SHUFFLE_BLOCKS;
    if (shuffled) {
        for (size_t b = 0; b < nblocks; b++)
            r->sblocks[b] = b;
        gd_rng_shuffle(&r->state->rng, r->sblocks, nblocks);
    }
    r->batch.n = 0;
    for (size_t k = 0; k < nblocks; k++) {
        size_t lo = (shuffled ? r->sblocks[k] : k) * GD_SHUFFLE_BLOCK_ROWS;
        size_t len = block_len(n, lo);
        const gd_dataset *rows = gd_stream_rows(r->ds->stream, lo, len);
        if (shuffled) {
            for (size_t p = 0; p < len; p++)
                r->sorder[p] = p;
            gd_rng_shuffle(&r->state->rng, r->sorder, len);
        }
        for (size_t p = 0; p < len; p++) {
            size_t i = shuffled ? r->sorder[p] : p;
            memcpy(r->batch.x + r->batch.n * d, rows->x + i * d, d * sizeof *rows->x);
            r->batch.y[r->batch.n++] = rows->y[i];
            if (r->batch.n < cfg->batch_size && !(k + 1 == nblocks && p + 1 == len))
                continue;
            *lr = stream_batch_step(r, params, epoch);
            r->batch.n = 0;
            if (cfg->interrupt != NULL && *cfg->interrupt)
                return 1;
        }
    }
    return 0;
}

/* One mini-batch epoch: a step per batch of this epoch's row order. Sets
 * *lr to the last step's rate. Returns 1 when *cfg->interrupt stopped it
 * after a batch (the caller rolls the epoch back). */
static int minibatch_epoch(run *r, double *params, long epoch, double *lr)
{
    const gd_train_config *cfg = r->cfg;
    const size_t n = r->n;
    if (r->ds->stream != NULL)
        return stream_minibatch_epoch(r, params, epoch, lr);
    const size_t *order = NULL, *blocks = NULL;
    const double *laid_out = NULL; /* the rows in this epoch's order, or NULL */
    if (cfg->shuffle)
        order = gd_orders_next(&r->orders, &r->state->rng, &blocks, &laid_out);
    if (cfg->shuffle != GD_SHUFFLE_BLOCKS)
        blocks = NULL;
    prefetcher pf = {order, blocks, n, 0, 0, 0};
    for (size_t begin = 0; begin < n; begin += cfg->batch_size) {
        size_t count = n - begin < cfg->batch_size ? n - begin : cfg->batch_size;
        /* File order is the contiguous rows themselves, and rows laid out
         * in the epoch's order are too: the same rows in the same order,
         * so the same bits, read as a stream. */
        if (laid_out != NULL) {
            prefetch_laid_out(laid_out, &pf, r->np, begin + count);
            gd_loss_eval_packed(r->loss, laid_out, begin, count, params, r->grad);
        } else {
            gd_rows batch = {order, begin, count};
            if (cfg->shuffle)
                prefetch_batch(&pf, r->loss, begin, count);
            gd_loss_eval(r->loss, batch, params, r->grad);
        }
        add_l2_gradient(r->grad, params, r->d, cfg->l2);
        *lr = step(r, params, epoch);
        if (cfg->interrupt != NULL && *cfg->interrupt)
            return 1;
    }
    return 0;
}

/* Remembers what an interrupted epoch rolls back to. */
static void epoch_begin(run *r, const double *params)
{
    memcpy(r->prev_params, params, r->np * sizeof *params);
    memcpy(r->prev_opt, r->state->opt_state, r->state->nopt * sizeof *r->prev_opt);
    r->prev_rng = r->state->rng;
}

/* Back to the end of the last complete epoch, so that a checkpoint of this
 * state resumes exactly. */
static void roll_back(run *r, double *params, gd_train_result *res)
{
    memcpy(params, r->prev_params, r->np * sizeof *params);
    memcpy(r->state->opt_state, r->prev_opt, r->state->nopt * sizeof *r->prev_opt);
    r->state->rng = r->prev_rng;
    res->steps = r->state->steps;
    res->reason = GD_STOP_INTERRUPTED;
}

/* Early stopping's bookkeeping after an epoch with validation loss val:
 * returns 1 when it has not improved for patience epochs. */
static int early_stopped(run *r, const double *params, double val, long epoch)
{
    gd_train_state *state = r->state;
    if (val < state->best_val) {
        state->best_val = val;
        state->val_bad_epochs = 0;
        state->best_epoch = epoch;
        memcpy(state->best_params, params, r->np * sizeof *params);
        return 0;
    }
    return ++state->val_bad_epochs >= r->cfg->patience;
}

/* What the end of an epoch measured at the new parameters. */
typedef struct measure {
    double loss, objective, gnorm, val;
} measure;

/* The stopping rules after a finite epoch, in the order they are tested:
 * the callback, early stopping, the gradient norm, a stall, convergence.
 * Returns 1 and sets res->reason when one ends the run. */
static int stop_rules(run *r, const double *params, const measure *m, double prev_objective,
                      long epoch, double lr, gd_train_result *res)
{
    const gd_train_config *cfg = r->cfg;
    gd_train_state *state = r->state;
    if (r->on_epoch != NULL) {
        gd_epoch_info info = {epoch, r->t, m->loss, m->val, m->gnorm, lr};
        if (r->on_epoch(&info, r->user)) {
            res->reason = GD_STOP_REQUESTED;
            return 1;
        }
    }
    if (cfg->early_stop && early_stopped(r, params, m->val, epoch)) {
        res->reason = GD_STOP_EARLY;
        return 1;
    }
    if (cfg->grad_tol > 0.0 && m->gnorm < cfg->grad_tol) {
        res->reason = GD_STOP_GRADIENT;
        return 1;
    }
    if (r->stall && stalled(state, cfg, params, m->objective, epoch)) {
        res->reason = GD_STOP_STALLED;
        return 1;
    }
    double change = fabs(prev_objective - m->objective) / fmax(fabs(m->objective), DBL_MIN);
    state->quiet_epochs = change < cfg->tol ? state->quiet_epochs + 1 : 0;
    if (cfg->tol > 0.0 && state->quiet_epochs >= cfg->patience) {
        res->reason = GD_STOP_CONVERGED;
        return 1;
    }
    return 0;
}

/* The end of epoch `epoch`, run at rate lr: measures the new parameters,
 * undoes the epoch if they diverged, else records it in *state and *res
 * and applies the stopping rules. *objective goes from the last epoch's
 * to this one's. Returns 1 when the run ends here (res->reason says why). */
static int epoch_end(run *r, double *params, long epoch, double lr, double *objective,
                     gd_train_result *res)
{
    gd_train_state *state = r->state;
    double prev_objective = *objective;
    measure m;
    m.loss = full_data_loss(r, params);
    m.objective = *objective = m.loss + gd_loss_penalty(params, r->d, r->cfg->l2, r->cfg->l1);
    m.gnorm = norm2(r->grad, r->nfit);
    m.val = validation_loss(r, params);
    res->epochs = epoch;
    res->steps = r->t;
    res->lr = lr;
    res->train_loss = m.loss;
    res->grad_norm = m.gnorm;
    if (!isfinite(m.objective) || !isfinite(m.gnorm) || m.objective > state->blowup) {
        memcpy(params, r->prev_params, r->np * sizeof *params);
        res->reason = GD_STOP_DIVERGED;
        return 1;
    }
    state->epoch = epoch;
    state->steps = r->t;
    res->val_loss = m.val;
    if (stop_rules(r, params, &m, prev_objective, epoch, lr, res))
        return 1;
    gd_schedule_epoch_end(&state->schedule, m.objective);
    return 0;
}

/* *res before the first epoch of this call, at full-data loss `loss`. */
static void result_start(const run *r, double loss, gd_train_result *res)
{
    const gd_train_state *state = r->state;
    memset(res, 0, sizeof *res);
    res->initial_loss = loss;
    res->train_loss = loss;
    res->val_loss = NAN;
    res->epochs = state->epoch;
    res->steps = state->steps;
    res->best_epoch = state->best_epoch;
    res->lr = gd_schedule_lr(&state->schedule, state->epoch, state->steps + 1);
    res->reason = GD_STOP_MAX_EPOCHS;
}

/* Restores the best weights (scikit-learn keeps the last ones) and measures
 * them. Only when early stopping or a stall ends the run: at the epoch limit
 * the state is that of the last epoch, so that a checkpoint of it resumes. */
static void result_finish(run *r, double *params, gd_train_result *res)
{
    const gd_train_state *state = r->state;
    res->best_epoch = state->best_epoch;
    int keeps_best = res->reason == GD_STOP_EARLY ||
                     (res->reason == GD_STOP_STALLED && !r->cfg->early_stop);
    if (!keeps_best || state->best_epoch <= 0 || state->best_epoch == res->epochs)
        return;
    memcpy(params, state->best_params, r->np * sizeof *params);
    res->train_loss = full_data_loss(r, params);
    res->grad_norm = norm2(r->grad, r->nfit);
    res->val_loss = validation_loss(r, params);
    if (res->reason == GD_STOP_EARLY)
        res->val_loss = state->best_val;
}

/* The epochs of one gd_train_run, from the state it was given. */
static void run_epochs(run *r, double *params, gd_train_result *res)
{
    const gd_train_config *cfg = r->cfg;
    gd_train_state *state = r->state;
    double loss = full_data_loss(r, params);
    double objective = loss + gd_loss_penalty(params, r->d, cfg->l2, cfg->l1);
    if (isnan(state->blowup))
        state->blowup = GD_DIVERGENCE_FACTOR * fmax(objective, DBL_MIN);
    result_start(r, loss, res);
    for (long epoch = state->epoch + 1; epoch <= cfg->max_epochs; epoch++) {
        double lr = 0.0; /* the schedule's rate, asked before every step */
        epoch_begin(r, params);
        int interrupted = 0;
        if (r->full_batch) /* one step on the gradient the last full_data_loss left:
                              an epoch costs one pass over the data */
            lr = step(r, params, epoch);
        else
            interrupted = minibatch_epoch(r, params, epoch, &lr);
        if (interrupted || (cfg->interrupt != NULL && *cfg->interrupt)) {
            roll_back(r, params, res);
            break;
        }
        if (epoch_end(r, params, epoch, lr, &objective, res))
            break;
    }
    result_finish(r, params, res);
}

gd_status gd_train_run(const gd_dataset *ds, const gd_train_config *cfg, double *params,
                       gd_train_state *state, gd_train_result *res, gd_epoch_fn on_epoch,
                       void *user, gd_error *err)
{
    gd_status status = check_config(ds, cfg, err);
    if (status != GD_OK)
        return status;
    run r;
    status = run_open(&r, ds, cfg, state, err);
    if (status == GD_OK) {
        r.on_epoch = on_epoch;
        r.user = user;
        run_epochs(&r, params, res);
    }
    run_close(&r);
    return status;
}

gd_status gd_train(const gd_dataset *ds, const gd_train_config *cfg, double *params,
                   gd_train_result *res, gd_epoch_fn on_epoch, void *user,
                   gd_error *err)
{
    gd_train_state state;
    gd_status status = gd_train_state_init(&state, ds, cfg, params, err);
    if (status == GD_OK)
        status = gd_train_run(ds, cfg, params, &state, res, on_epoch, user, err);
    gd_train_state_free(&state);
    return status;
}
