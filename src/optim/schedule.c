/*
 * schedule: learning-rate schedules. See include/gdtrain/schedule.h.
 *
 * The closed-form kinds (step, exp, cosine, invscaling) compute each rate
 * from lr0 and the epoch or step alone, in the order of operations of the
 * reference formulas (PyTorch's _get_closed_form_lr, scikit-learn's
 * eta0 / pow(t, power_t)), so that a resumed run gets the same bits as an
 * uninterrupted one and no error accumulates over thousands of epochs.
 */
#include "gdtrain/schedule.h"

#include "gdtrain/optim.h" /* gd_hparam_in_range */

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* M_PI is not ISO C; this is the double nearest pi (Python's math.pi). */
#define GD_PI 3.14159265358979323846

enum { KIND_COUNT = GD_SCHEDULE_INVSCALING + 1 };
#define KIND_BIT(kind) (1u << (kind))

/* Indexed by kind, NULL-terminated for gd_schedule_list. */
static const char *const kind_names[KIND_COUNT + 1] = {
    [GD_SCHEDULE_CONSTANT] = "constant",
    [GD_SCHEDULE_PLATEAU] = "plateau",
    [GD_SCHEDULE_STEP] = "step",
    [GD_SCHEDULE_EXP] = "exp",
    [GD_SCHEDULE_COSINE] = "cosine",
    [GD_SCHEDULE_INVSCALING] = "invscaling",
    [KIND_COUNT] = NULL,
};

static const char *const kind_summaries[KIND_COUNT] = {
    [GD_SCHEDULE_CONSTANT] = "the base rate throughout",
    [GD_SCHEDULE_PLATEAU] = "halve the rate after 10 epochs without a new best loss "
                            "(ReduceLROnPlateau)",
    [GD_SCHEDULE_STEP] = "multiply the rate by gamma (0.5) every step_size (200) epochs (StepLR)",
    [GD_SCHEDULE_EXP] = "multiply the rate by gamma (0.998) every epoch (ExponentialLR)",
    [GD_SCHEDULE_COSINE] = "lower the rate along a half cosine to its floor at the epoch "
                           "limit (CosineAnnealingLR)",
    [GD_SCHEDULE_INVSCALING] = "lr / t^power_t (power_t 0.25), t = optimizer steps so far "
                               "(scikit-learn's invscaling)",
};

int gd_schedule_kind_from_name(const char *name, gd_schedule_kind *kind)
{
    for (int i = 0; i < KIND_COUNT; i++) {
        if (strcmp(kind_names[i], name) == 0) {
            *kind = (gd_schedule_kind)i;
            return 1;
        }
    }
    return 0;
}

const char *gd_schedule_kind_name(gd_schedule_kind kind)
{
    assert((int)kind >= 0 && (int)kind < KIND_COUNT);
    return kind_names[kind];
}

const char *gd_schedule_kind_summary(gd_schedule_kind kind)
{
    assert((int)kind >= 0 && (int)kind < KIND_COUNT);
    return kind_summaries[kind];
}

const char *const *gd_schedule_list(void)
{
    return kind_names;
}

void gd_schedule_config_default(gd_schedule_config *cfg, gd_schedule_kind kind)
{
    assert((int)kind >= 0 && (int)kind < KIND_COUNT);
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = kind;
    cfg->factor = 0.5;
    cfg->patience = 10;
    cfg->threshold = 0.0;
#define GD_SCHEDULE_HPARAM(field, type, option, def, ...) cfg->field = (GD_HP_CTYPE_##type)(def);
#include "gdtrain/hparams.def"
    if (kind == GD_SCHEDULE_EXP)
        cfg->gamma = 0.998;
}

/* The plateau kind's own fields, which are not options. */
static int check_plateau(const gd_schedule_config *cfg, char *buf, size_t size)
{
    if (!(cfg->factor > 0.0 && cfg->factor < 1.0)) {
        snprintf(buf, size, "the plateau factor must be in (0, 1), got %g", cfg->factor);
        return 0;
    }
    if (cfg->patience < 0) {
        snprintf(buf, size, "the plateau patience must be >= 0, got %d", cfg->patience);
        return 0;
    }
    if (!(cfg->threshold >= 0.0 && cfg->threshold < 1.0)) {
        snprintf(buf, size, "the plateau threshold must be in [0, 1), got %g", cfg->threshold);
        return 0;
    }
    return 1;
}

int gd_schedule_config_check(const gd_schedule_config *cfg, char *buf, size_t size)
{
    if (!((int)cfg->kind >= 0 && (int)cfg->kind < KIND_COUNT)) {
        snprintf(buf, size, "unknown schedule kind %d", (int)cfg->kind);
        return 0;
    }
    if (cfg->kind == GD_SCHEDULE_PLATEAU && !check_plateau(cfg, buf, size))
        return 0;
    if (cfg->kind == GD_SCHEDULE_COSINE && cfg->t_max < 1) {
        snprintf(buf, size, "the cosine schedule needs --epochs of at least 1, got %ld",
                 cfg->t_max);
        return 0;
    }
#define KIND(k) (1u << GD_SCHEDULE_##k)
#define GD_SCHEDULE_HPARAM(field, type, option, def, range, kinds, ...)                   \
    if (((kinds) & KIND_BIT(cfg->kind)) &&                                               \
        !gd_hparam_in_range(GD_RANGE_##range, GD_HP_INTEGER_##type, option,              \
                            (double)cfg->field, buf, size))                              \
        return 0;
#include "gdtrain/hparams.def"
#undef KIND
    return 1;
}

void gd_schedule_init(gd_schedule *s, const gd_schedule_config *cfg, double base_lr)
{
    assert((int)cfg->kind >= 0 && (int)cfg->kind < KIND_COUNT);
    assert(base_lr > 0.0);
    s->cfg = *cfg;
    s->base_lr = base_lr;
    s->lr = base_lr;
    s->best = INFINITY;
    s->bad_epochs = 0;
}

double gd_schedule_lr(const gd_schedule *s, long epoch, long step)
{
    const gd_schedule_config *c = &s->cfg;
    assert(epoch >= 0 && step >= 1);
    switch (c->kind) {
    case GD_SCHEDULE_CONSTANT:
        return s->base_lr;
    case GD_SCHEDULE_PLATEAU:
        return s->lr;
    case GD_SCHEDULE_STEP:
        assert(c->step_size >= 1);
        /* lr0 * gamma^floor(e / step_size); e >= 0, so / is floor */
        return s->base_lr * pow(c->gamma, (double)(epoch / c->step_size)); /* NOLINT(bugprone-integer-division): the floor is the point */
    case GD_SCHEDULE_EXP:
        return s->base_lr * pow(c->gamma, (double)epoch);
    case GD_SCHEDULE_COSINE:
        assert(c->t_max >= 1);
        if (epoch >= c->t_max)
            return c->min_lr;
        return c->min_lr + (s->base_lr - c->min_lr) *
                               (1.0 + cos(GD_PI * (double)epoch / (double)c->t_max)) / 2.0;
    case GD_SCHEDULE_INVSCALING:
        return s->base_lr / pow((double)step, c->power_t);
    }
    assert(!"unknown schedule kind");
    return s->base_lr;
}

void gd_schedule_epoch_end(gd_schedule *s, double loss)
{
    if (s->cfg.kind != GD_SCHEDULE_PLATEAU)
        return;
    if (loss < s->best * (1.0 - s->cfg.threshold)) {
        s->best = loss;
        s->bad_epochs = 0;
        return;
    }
    if (++s->bad_epochs > s->cfg.patience) {
        s->lr = fmax(s->lr * s->cfg.factor, s->cfg.min_lr);
        s->bad_epochs = 0;
    }
}

int gd_schedule_at_floor(const gd_schedule *s)
{
    return s->cfg.kind == GD_SCHEDULE_PLATEAU && s->lr <= s->cfg.min_lr;
}
