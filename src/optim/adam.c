/*
 * adam: as torch.optim.Adam (Kingma and Ba, 2015, Algorithm 1), t from 1:
 *     m_t = beta1 * m_{t-1} + (1 - beta1) * g_t          first moment
 *     v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2        second moment
 *     mhat = m_t / (1 - beta1^t),  vhat = v_t / (1 - beta2^t)   bias correction
 *     theta -= lr * mhat / (sqrt(vhat) + eps)
 * With amsgrad (Reddi, Kale and Kumar, 2018, "On the Convergence of Adam and
 * Beyond"), as PyTorch computes it (torch.maximum over the raw exp_avg_sq,
 * then division by sqrt(1 - beta2^t)) and as its documentation states it
 * since pytorch/pytorch#142351:
 *     vmax_t = max(vmax_{t-1}, v_t)        (vmax_0 = 0)
 *     vhat = vmax_t / (1 - beta2^t)
 * The maximum is over the uncorrected v_t; PyTorch's documentation up to
 * 2.5 put it over the bias-corrected vhat, which gives other steps.
 */
#include "adam_rule.h"

#include <math.h>
#include <string.h>

size_t gd_adam_state_size(size_t nparams)
{
    return 3 * nparams * sizeof(double); /* m, then v, then vmax */
}

void gd_adam_init(void *state, size_t nparams, const gd_optim_params *p)
{
    (void)p;
    memset(state, 0, 3 * nparams * sizeof(double));
}

void gd_adam_step(void *state, double *params, const double *grad, size_t nparams,
                  double lr, long t, const gd_optim_params *p)
{
    double *m = state;
    double *v = m + nparams;
    double *vmax = v + nparams;
    const double bias1 = 1.0 - pow(p->beta1, (double)t);
    const double bias2 = 1.0 - pow(p->beta2, (double)t);
    for (size_t i = 0; i < nparams; i++) {
        m[i] = p->beta1 * m[i] + (1.0 - p->beta1) * grad[i];
        v[i] = p->beta2 * v[i] + (1.0 - p->beta2) * grad[i] * grad[i];
        double second = v[i];
        if (p->amsgrad) {
            if (!(vmax[i] >= v[i])) /* max that keeps a NaN, as torch.maximum */
                vmax[i] = v[i];
            second = vmax[i];
        }
        double mhat = m[i] / bias1;
        double vhat = second / bias2;
        params[i] -= lr * mhat / (sqrt(vhat) + p->eps);
    }
}

/* mhat tends to g under a steady gradient g: the step is
 * lr / (sqrt(vhat) + eps) times g, vhat as the last step used it. */
void gd_adam_rates(const void *state, double *rate, size_t nparams, double lr, long t,
                   const gd_optim_params *p)
{
    const double *v = (const double *)state + nparams;
    const double *second = p->amsgrad ? v + nparams : v; /* vmax or v */
    const double bias2 = 1.0 - pow(p->beta2, (double)t);
    for (size_t i = 0; i < nparams; i++)
        rate[i] = lr / (sqrt(second[i] / bias2) + p->eps);
}

const gd_optimizer_ops gd_optim_adam = {
    .name = "adam",
    .summary = "Adam: bias-corrected first and second moment estimates (--amsgrad: AMSGrad)",
    .default_lr = 0.01,
    .default_batch = 0,
    .uses = GD_USES(beta1) | GD_USES(beta2) | GD_USES(eps) | GD_USES(amsgrad),
    .state_size = gd_adam_state_size,
    .init = gd_adam_init,
    .step = gd_adam_step,
    .rates = gd_adam_rates,
};
