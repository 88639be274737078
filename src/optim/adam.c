/*
 * adam: as torch.optim.Adam (Kingma and Ba, 2015, Algorithm 1), t from 1:
 *     m_t = beta1 * m_{t-1} + (1 - beta1) * g_t          first moment
 *     v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2        second moment
 *     mhat = m_t / (1 - beta1^t),  vhat = v_t / (1 - beta2^t)   bias correction
 *     theta -= lr * mhat / (sqrt(vhat) + eps)
 */
#include "gdtrain/optim.h"

#include <math.h>
#include <string.h>

static size_t adam_state_size(size_t nparams)
{
    return 2 * nparams * sizeof(double); /* m, then v */
}

static void adam_init(void *state, size_t nparams, const gd_optim_params *p)
{
    (void)p;
    memset(state, 0, 2 * nparams * sizeof(double));
}

static void adam_step(void *state, double *params, const double *grad,
                      size_t nparams, double lr, long t, const gd_optim_params *p)
{
    double *m = state;
    double *v = m + nparams;
    const double bias1 = 1.0 - pow(p->beta1, (double)t);
    const double bias2 = 1.0 - pow(p->beta2, (double)t);
    for (size_t i = 0; i < nparams; i++) {
        m[i] = p->beta1 * m[i] + (1.0 - p->beta1) * grad[i];
        v[i] = p->beta2 * v[i] + (1.0 - p->beta2) * grad[i] * grad[i];
        double mhat = m[i] / bias1;
        double vhat = v[i] / bias2;
        params[i] -= lr * mhat / (sqrt(vhat) + p->eps);
    }
}

const gd_optimizer_ops gd_optim_adam = {
    .name = "adam",
    .summary = "Adam: bias-corrected first and second moment estimates",
    .default_lr = 0.01,
    .default_batch = 0,
    .uses = GD_USES_BETAS | GD_USES_EPS,
    .state_size = adam_state_size,
    .init = adam_init,
    .step = adam_step,
};
