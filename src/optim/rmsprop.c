/*
 * rmsprop: as torch.optim.RMSprop (not centered, no momentum):
 *     v_t = alpha * v_{t-1} + (1 - alpha) * g_t^2        (v_0 = 0)
 *     theta -= lr * g_t / (sqrt(v_t) + eps)
 * Note eps is outside the square root (Keras puts it inside).
 */
#include "gdtrain/optim.h"

#include <math.h>
#include <string.h>

static size_t rmsprop_state_size(size_t nparams)
{
    return nparams * sizeof(double); /* v */
}

static void rmsprop_init(void *state, size_t nparams, const gd_optim_params *p)
{
    (void)p;
    memset(state, 0, nparams * sizeof(double));
}

static void rmsprop_step(void *state, double *params, const double *grad,
                         size_t nparams, double lr, long t, const gd_optim_params *p)
{
    (void)t;
    double *v = state;
    for (size_t i = 0; i < nparams; i++) {
        v[i] = p->alpha * v[i] + (1.0 - p->alpha) * grad[i] * grad[i];
        params[i] -= lr * grad[i] / (sqrt(v[i]) + p->eps);
    }
}

/* The step is lr / (sqrt(v) + eps) times g. */
static void rmsprop_rates(const void *state, double *rate, size_t nparams, double lr,
                          long t, const gd_optim_params *p)
{
    (void)t;
    const double *v = state;
    for (size_t i = 0; i < nparams; i++)
        rate[i] = lr / (sqrt(v[i]) + p->eps);
}

const gd_optimizer_ops gd_optim_rmsprop = {
    .name = "rmsprop",
    .summary = "RMSprop: steps scaled by a running average of squared gradients",
    .default_lr = 0.01,
    .default_batch = 0,
    .needs_decay = 1,
    .uses = GD_USES(alpha) | GD_USES(eps),
    .state_size = rmsprop_state_size,
    .init = rmsprop_init,
    .step = rmsprop_step,
    .rates = rmsprop_rates,
};
