/*
 * adamw: as torch.optim.AdamW (Loshchilov and Hutter, 2019, "Decoupled
 * Weight Decay Regularization"), following the algorithm in PyTorch's AdamW
 * documentation: before the Adam step, the parameters decay by the rate
 * times lambda, apart from the gradient and its moments,
 *     theta_{t-1} *= 1 - lr * lambda
 *     then Adam (with amsgrad if set) on g_t exactly as in adam.c.
 * g_t is the gradient at the parameters before the decay. PyTorch's default
 * lambda (weight_decay) is 0.01. The decay applies to every parameter the
 * rule is given, bias included, as PyTorch does for a single parameter
 * group; the trainer's --l2 penalty is separate (it adds 2*l2*w to the
 * weights' gradient, so with adamw it goes through the moments).
 */
#include "adam_rule.h"

static void adamw_step(void *state, double *params, const double *grad, size_t nparams,
                       double lr, long t, const gd_optim_params *p)
{
    const double keep = 1.0 - lr * p->weight_decay;
    for (size_t i = 0; i < nparams; i++)
        params[i] *= keep;
    gd_adam_step(state, params, grad, nparams, lr, t, p);
}

const gd_optimizer_ops gd_optim_adamw = {
    .name = "adamw",
    .summary = "AdamW: Adam with decoupled weight decay (--weight-decay, default 0.01)",
    .default_lr = 0.004,
    .default_batch = 0,
    .uses = GD_USES(beta1) | GD_USES(beta2) | GD_USES(eps) | GD_USES(amsgrad) |
            GD_USES(weight_decay),
    .state_size = gd_adam_state_size,
    .init = gd_adam_init,
    .step = adamw_step,
    .rates = gd_adam_rates,
};
