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
    double beta1;    /* adam, adamw: decay of the first moment */
    double beta2;    /* adam, adamw: decay of the second moment */
    double eps;      /* rmsprop, adam, adamw, adagrad: added to the denominator */
    double weight_decay;        /* adamw: decoupled decay lambda: theta *= 1 - lr*lambda
                                   before each step; every parameter, bias included */
    int amsgrad;                /* adam, adamw: divide by the running maximum of the
                                   second moment (AMSGrad) */
    double lr_decay;            /* adagrad: rate decay eta: lr_t = lr / (1 + (t-1) eta) */
    double initial_accumulator; /* adagrad: starting value of the squared-gradient sum */
} gd_optim_params;

/* Fills p with the defaults shared by every rule (PyTorch's): momentum 0,
 * no Nesterov, alpha 0.99, beta1 0.9, beta2 0.999, eps 1e-8, weight_decay
 * 0.01 (AdamW's; only adamw reads it), no AMSGrad, lr_decay 0,
 * initial_accumulator 0. A rule may differ (adagrad's eps is 1e-10): use
 * gd_optim_params_default_for to get a rule's own defaults. */
void gd_optim_params_default(gd_optim_params *p);

/* Flags for gd_optimizer_ops.uses: which hyperparameters a rule reads. */
enum {
    GD_USES_MOMENTUM = 1 << 0,
    GD_USES_NESTEROV = 1 << 1,
    GD_USES_ALPHA = 1 << 2,
    GD_USES_BETAS = 1 << 3,
    GD_USES_EPS = 1 << 4,
    GD_USES_WEIGHT_DECAY = 1 << 5,
    GD_USES_AMSGRAD = 1 << 6,
    GD_USES_LR_DECAY = 1 << 7,
    GD_USES_INITIAL_ACCUMULATOR = 1 << 8
};

typedef struct gd_optimizer_ops {
    const char *name;        /* "adam": what --opt takes */
    const char *summary;     /* one line for --help */
    double default_lr;       /* converges on standardized data with no flags */
    size_t default_batch;    /* default mini-batch size; 0 = every row (full batch) */
    unsigned uses;           /* GD_USES_* flags */
    /* Optional (NULL = none): changes gd_optim_params_default's values where
     * this rule's defaults differ (adagrad: eps 1e-10). */
    void (*defaults)(gd_optim_params *p);
    /* 1 if the rule converges only with a decaying rate (mini-batch noise,
     * or steps that do not shrink with the gradient): its runs default to
     * the plateau schedule, the others to a constant rate. */
    int needs_decay;
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

/* Fills p with the defaults for the rule ops: gd_optim_params_default, then
 * the rule's own changes (ops->defaults). This is what a training run with
 * no flags uses. Cannot fail. */
void gd_optim_params_default_for(gd_optim_params *p, const gd_optimizer_ops *ops);

/* Checks the hyperparameters the rule ops reads (others are ignored): a
 * message in buf (size bytes) naming the command-line option and 0 if one
 * is out of range (e.g. beta1 >= 1, eps <= 0, nesterov without momentum,
 * a negative or non-finite weight_decay, lr_decay or initial_accumulator),
 * 1 if all are valid. */
int gd_optim_params_check(const gd_optimizer_ops *ops, const gd_optim_params *p,
                          char *buf, size_t size);

#endif
