/*
 * The Adam update rule (with its AMSGrad variant) shared by `adam` and
 * `adamw`: AdamW is the same step after a decoupled weight decay.
 */
#ifndef GDTRAIN_OPTIM_ADAM_RULE_H
#define GDTRAIN_OPTIM_ADAM_RULE_H

#include "gdtrain/optim.h"

/* State: m, v and vmax, nparams doubles each (vmax is used only with
 * p->amsgrad, but always kept so the size does not depend on a flag). */
size_t gd_adam_state_size(size_t nparams);
void gd_adam_init(void *state, size_t nparams, const gd_optim_params *p);
void gd_adam_step(void *state, double *params, const double *grad, size_t nparams,
                  double lr, long t, const gd_optim_params *p);

void gd_adam_rates(const void *state, double *rate, size_t nparams, double lr, long t,
                   const gd_optim_params *p);

#endif
