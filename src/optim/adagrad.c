/*
 * adagrad: as torch.optim.Adagrad (Duchi, Hazan and Singer, 2011), following
 * the algorithm in PyTorch's Adagrad documentation, t from 1, without its
 * weight_decay (the trainer's --l2 plays that part):
 *     clr = lr / (1 + (t - 1) * lr_decay)           decayed rate
 *     sum_t = sum_{t-1} + g_t^2                     (sum_0 = initial_accumulator)
 *     theta -= clr * g_t / (sqrt(sum_t) + eps)
 * PyTorch's defaults: lr_decay 0, initial_accumulator_value 0, eps 1e-10
 * (not the 1e-8 of rmsprop and adam). eps is outside the square root.
 */
#include "gdtrain/optim.h"

#include <math.h>

static void adagrad_defaults(gd_optim_params *p)
{
    p->eps = 1e-10;
}

static size_t adagrad_state_size(size_t nparams)
{
    return nparams * sizeof(double); /* the running sum of squared gradients */
}

static void adagrad_init(void *state, size_t nparams, const gd_optim_params *p)
{
    double *sum = state;
    for (size_t i = 0; i < nparams; i++)
        sum[i] = p->initial_accumulator;
}

static void adagrad_step(void *state, double *params, const double *grad, size_t nparams,
                         double lr, long t, const gd_optim_params *p)
{
    double *sum = state;
    const double clr = lr / (1.0 + (double)(t - 1) * p->lr_decay);
    for (size_t i = 0; i < nparams; i++) {
        sum[i] += grad[i] * grad[i];
        params[i] -= clr * (grad[i] / (sqrt(sum[i]) + p->eps));
    }
}

/* The step is clr / (sqrt(sum) + eps) times g. */
static void adagrad_rates(const void *state, double *rate, size_t nparams, double lr,
                          long t, const gd_optim_params *p)
{
    const double *sum = state;
    const double clr = lr / (1.0 + (double)(t - 1) * p->lr_decay);
    for (size_t i = 0; i < nparams; i++)
        rate[i] = clr / (sqrt(sum[i]) + p->eps);
}

const gd_optimizer_ops gd_optim_adagrad = {
    .name = "adagrad",
    .summary = "Adagrad: steps scaled by the root of the sum of all squared gradients",
    .default_lr = 0.5,
    .default_batch = 0,
    .uses = GD_USES(eps) | GD_USES(lr_decay) | GD_USES(initial_accumulator),
    .defaults = adagrad_defaults,
    .state_size = adagrad_state_size,
    .init = adagrad_init,
    .step = adagrad_step,
    .rates = adagrad_rates,
};
