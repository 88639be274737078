/*
 * sgd: gradient descent with optional (Nesterov) momentum, as torch.optim.SGD
 * defines it (dampening 0, weight decay handled by the trainer):
 *     b_t = g_t                      at the first step (t = 1)
 *     b_t = mu * b_{t-1} + g_t       after
 *     d_t = g_t + mu * b_t           with Nesterov, else d_t = b_t
 *     theta -= lr * d_t
 * Without momentum: theta -= lr * g_t.
 */
#include "sgd_rule.h"

#include <string.h>

size_t gd_sgd_state_size(size_t nparams)
{
    return nparams * sizeof(double); /* the momentum buffer b */
}

void gd_sgd_init(void *state, size_t nparams, const gd_optim_params *p)
{
    (void)p;
    memset(state, 0, nparams * sizeof(double));
}

void gd_sgd_step(void *state, double *params, const double *grad, size_t nparams,
                 double lr, long t, const gd_optim_params *p)
{
    double *buf = state;
    const double mu = p->momentum;
    if (mu == 0.0) {
        for (size_t i = 0; i < nparams; i++)
            params[i] -= lr * grad[i];
        return;
    }
    for (size_t i = 0; i < nparams; i++) {
        buf[i] = t == 1 ? grad[i] : mu * buf[i] + grad[i];
        double dir = p->nesterov ? grad[i] + mu * buf[i] : buf[i];
        params[i] -= lr * dir;
    }
}

/* With momentum mu the buffer b tends to g / (1 - mu) under a steady
 * gradient g (with Nesterov, g + mu b does too): the step is lr / (1 - mu)
 * times g. */
void gd_sgd_rates(const void *state, double *rate, size_t nparams, double lr, long t,
                  const gd_optim_params *p)
{
    (void)state;
    (void)t;
    for (size_t i = 0; i < nparams; i++)
        rate[i] = p->momentum == 0.0 ? lr : lr / (1.0 - p->momentum);
}

const gd_optimizer_ops gd_optim_sgd = {
    .name = "sgd",
    .summary = "stochastic gradient descent on shuffled mini-batches, optional (Nesterov) momentum",
    .default_lr = 0.01,
    .default_batch = 32,
    .needs_decay = 1,
    .uses = GD_USES(momentum) | GD_USES(nesterov),
    .state_size = gd_sgd_state_size,
    .init = gd_sgd_init,
    .step = gd_sgd_step,
    .rates = gd_sgd_rates,
};
