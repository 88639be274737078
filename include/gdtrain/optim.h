/*
 * optim: the optimizer interface and its registry.
 *
 * An optimizer is only an update rule with its own state: it sees a flat
 * parameter vector and a gradient of the same length, never a model, a
 * dataset or a batch. Batching, schedules and stopping belong to the trainer.
 *
 * Each rule lives in its own file under src/optim/ and defines one
 * gd_optimizer_ops; src/optim/registry.def lists them. Adding a rule is one
 * file plus one line there. The rules follow PyTorch's torch.optim semantics
 * in float64 (see DESIGN.md and each file's comment).
 */
#ifndef GDTRAIN_OPTIM_H
#define GDTRAIN_OPTIM_H

#include <stddef.h>

/* Hyperparameters of every rule; each rule reads the ones it uses. */
typedef struct gd_optim_params {
    double momentum; /* sgd/gd: momentum factor mu (0 = none) */
    int nesterov;    /* sgd/gd: Nesterov momentum (needs momentum > 0) */
    double alpha;    /* rmsprop: smoothing constant of the squared-gradient average */
    double beta1;    /* adam: decay of the first moment */
    double beta2;    /* adam: decay of the second moment */
    double eps;      /* rmsprop, adam: added to the denominator */
} gd_optim_params;

/* Fills p with the defaults: momentum 0, no Nesterov, alpha 0.99,
 * beta1 0.9, beta2 0.999, eps 1e-8 (PyTorch's). */
void gd_optim_params_default(gd_optim_params *p);

/* Flags for gd_optimizer_ops.uses: which hyperparameters a rule reads. */
enum {
    GD_USES_MOMENTUM = 1 << 0,
    GD_USES_NESTEROV = 1 << 1,
    GD_USES_ALPHA = 1 << 2,
    GD_USES_BETAS = 1 << 3,
    GD_USES_EPS = 1 << 4
};

typedef struct gd_optimizer_ops {
    const char *name;        /* "adam": what --opt takes */
    const char *summary;     /* one line for --help */
    double default_lr;       /* converges on standardized data with no flags */
    size_t default_batch;    /* default mini-batch size; 0 = every row (full batch) */
    unsigned uses;           /* GD_USES_* flags */
    /* Bytes of state for nparams parameters (may be 0). */
    size_t (*state_size)(size_t nparams);
    /* Puts the state in its initial condition (before step t = 1). */
    void (*init)(void *state, size_t nparams, const gd_optim_params *p);
    /* One update of params in place from grad; t is the step count, starting
     * at 1; lr is this step's learning rate. Never allocates, cannot fail. */
    void (*step)(void *state, double *params, const double *grad, size_t nparams,
                 double lr, long t, const gd_optim_params *p);
} gd_optimizer_ops;

/* The rule named name, or NULL if there is none. */
const gd_optimizer_ops *gd_optimizer_find(const char *name);

/* All rules in registry order, NULL-terminated. */
const gd_optimizer_ops *const *gd_optimizer_list(void);

/* Checks hyperparameters for a rule: a message in buf (size bytes) and 0 if
 * one is out of range (e.g. beta1 >= 1, eps <= 0, nesterov without
 * momentum), 1 if all are valid. */
int gd_optim_params_check(const gd_optimizer_ops *ops, const gd_optim_params *p,
                          char *buf, size_t size);

#endif
