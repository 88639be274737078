/*
 * optim: the registry of update rules. See include/gdtrain/optim.h.
 */
#include "gdtrain/optim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define GD_OPTIMIZER(x) extern const gd_optimizer_ops gd_optim_##x;
#include "optim/registry.def"
#undef GD_OPTIMIZER

static const gd_optimizer_ops *const registry[] = {
#define GD_OPTIMIZER(x) &gd_optim_##x,
#include "optim/registry.def"
#undef GD_OPTIMIZER
    NULL};

const gd_optimizer_ops *gd_optimizer_find(const char *name)
{
    for (size_t i = 0; registry[i] != NULL; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const gd_optimizer_ops *const *gd_optimizer_list(void)
{
    return registry;
}

void gd_optim_params_default(gd_optim_params *p)
{
    p->momentum = 0.0;
    p->nesterov = 0;
    p->alpha = 0.99;
    p->beta1 = 0.9;
    p->beta2 = 0.999;
    p->eps = 1e-8;
    p->weight_decay = 0.01;
    p->amsgrad = 0;
    p->lr_decay = 0.0;
    p->initial_accumulator = 0.0;
}

void gd_optim_params_default_for(gd_optim_params *p, const gd_optimizer_ops *ops)
{
    gd_optim_params_default(p);
    if (ops->defaults != NULL)
        ops->defaults(p);
}

/* Is 0 <= v < 1 (and not NaN)? */
static int in_unit_interval(double v)
{
    return v >= 0.0 && v < 1.0;
}

/* Is 0 <= v < infinity (and not NaN)? */
static int nonnegative(double v)
{
    return v >= 0.0 && isfinite(v);
}

int gd_optim_params_check(const gd_optimizer_ops *ops, const gd_optim_params *p,
                          char *buf, size_t size)
{
    unsigned uses = ops->uses;
    if ((uses & GD_USES_MOMENTUM) && !in_unit_interval(p->momentum)) {
        snprintf(buf, size, "--momentum must be in [0, 1), got %g", p->momentum);
        return 0;
    }
    if ((uses & GD_USES_NESTEROV) && p->nesterov && p->momentum <= 0.0) {
        snprintf(buf, size, "--nesterov needs --momentum greater than 0");
        return 0;
    }
    if ((uses & GD_USES_ALPHA) && !in_unit_interval(p->alpha)) {
        snprintf(buf, size, "--alpha must be in [0, 1), got %g", p->alpha);
        return 0;
    }
    if ((uses & GD_USES_BETAS) &&
        (!in_unit_interval(p->beta1) || !in_unit_interval(p->beta2))) {
        snprintf(buf, size, "--beta1 and --beta2 must be in [0, 1), got %g and %g",
                 p->beta1, p->beta2);
        return 0;
    }
    if ((uses & GD_USES_EPS) && !(p->eps > 0.0 && isfinite(p->eps))) {
        snprintf(buf, size, "--eps must be positive, got %g", p->eps);
        return 0;
    }
    if ((uses & GD_USES_WEIGHT_DECAY) && !nonnegative(p->weight_decay)) {
        snprintf(buf, size, "--weight-decay must be >= 0, got %g", p->weight_decay);
        return 0;
    }
    if ((uses & GD_USES_LR_DECAY) && !nonnegative(p->lr_decay)) {
        snprintf(buf, size, "--lr-decay must be >= 0, got %g", p->lr_decay);
        return 0;
    }
    if ((uses & GD_USES_INITIAL_ACCUMULATOR) && !nonnegative(p->initial_accumulator)) {
        snprintf(buf, size, "--initial-accumulator must be >= 0, got %g",
                 p->initial_accumulator);
        return 0;
    }
    return 1;
}
