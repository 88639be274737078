/*
 * gd: plain (full-batch) gradient descent. The same update rule as sgd,
 * with every row in each step: theta -= lr * g, or with momentum as sgd.
 */
#include "sgd_rule.h"

const gd_optimizer_ops gd_optim_gd = {
    .name = "gd",
    .summary = "full-batch gradient descent, optional (Nesterov) momentum",
    .default_lr = 0.1,
    .default_batch = 0,
    .uses = GD_USES(momentum) | GD_USES(nesterov),
    .state_size = gd_sgd_state_size,
    .init = gd_sgd_init,
    .step = gd_sgd_step,
    .rates = gd_sgd_rates,
};
