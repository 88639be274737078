/*
 * The stochastic-gradient-descent update rule shared by `gd` (full batch)
 * and `sgd` (mini-batches): the two differ only in what the trainer feeds
 * them, which is the trainer's business.
 */
#ifndef GDTRAIN_OPTIM_SGD_RULE_H
#define GDTRAIN_OPTIM_SGD_RULE_H

#include "gdtrain/optim.h"

size_t gd_sgd_state_size(size_t nparams);
void gd_sgd_init(void *state, size_t nparams, const gd_optim_params *p);
void gd_sgd_step(void *state, double *params, const double *grad, size_t nparams,
                 double lr, long t, const gd_optim_params *p);

void gd_sgd_rates(const void *state, double *rate, size_t nparams, double lr, long t,
                  const gd_optim_params *p);

#endif
