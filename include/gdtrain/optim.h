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
 * in float64 (see docs/ARCHITECTURE.md, "Update rules", and each file's
 * comment).
 */
#ifndef GDTRAIN_OPTIM_H
#define GDTRAIN_OPTIM_H

#include <stddef.h>

/* With no macro defined, this only defines the GD_HP_CTYPE_ types. */
#include "gdtrain/hparams.def"

/* Hyperparameters of every rule, one field per GD_OPTIM_HPARAM line of
 * gdtrain/hparams.def (which says what each means); each rule reads the
 * ones its .uses names. */
typedef struct gd_optim_params {
#define GD_OPTIM_HPARAM(field, type, ...) GD_HP_CTYPE_##type field;
#include "gdtrain/hparams.def"
} gd_optim_params;

/* Fills p with the defaults of hparams.def (PyTorch's: momentum 0, no
 * Nesterov, alpha 0.99, beta1 0.9, beta2 0.999, eps 1e-8, weight_decay 0.01
 * (AdamW's), no AMSGrad, lr_decay 0, initial_accumulator 0). A rule may
 * differ (adagrad's eps is 1e-10): use gd_optim_params_default_for to get a
 * rule's own defaults. */
void gd_optim_params_default(gd_optim_params *p);

/* Bit numbers for gd_optimizer_ops.uses, one per hyperparameter. */
enum {
#define GD_OPTIM_HPARAM(field, ...) GD_USES_BIT_##field,
#include "gdtrain/hparams.def"
    GD_USES_BIT_COUNT
};
/* The .uses flag of a rule that reads gd_optim_params.field. */
#define GD_USES(field) (1u << GD_USES_BIT_##field)

/* The RANGE column of hparams.def: what values a hyperparameter takes. */
typedef enum gd_hparam_range {
    GD_RANGE_ANY,
    GD_RANGE_POSITIVE,  /* > 0 (integers: >= 1) */
    GD_RANGE_NONNEG,    /* >= 0 */
    GD_RANGE_UNIT,      /* [0, 1) */
    GD_RANGE_UNIT_RIGHT /* (0, 1] */
} gd_hparam_range;

/* Whether v is in range (finite, too, unless range is ANY): 1 if it is;
 * otherwise 0 with "--OPTION must be ..., got V" in buf (size bytes).
 * integer says whether the option takes whole numbers ("at least 1"). */
int gd_hparam_in_range(gd_hparam_range range, int integer, const char *option, double v,
                       char *buf, size_t size);

typedef struct gd_optimizer_ops {
    const char *name;        /* "adam": what --opt takes */
    const char *summary;     /* one line for --help */
    double default_lr;       /* converges on standardized data with no flags */
    size_t default_batch;    /* default mini-batch size; 0 = every row (full batch) */
    unsigned uses;           /* GD_USES(field) of each hyperparameter it reads */
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
    /* Optional (NULL = lr for every coordinate): after step t, the rate the
     * rule applies to each coordinate, rate[i] such that under a gradient
     * that stays g the step moves params[i] by rate[i] * g[i] (adam:
     * lr / (sqrt(vhat_i) + eps); sgd with momentum mu: lr / (1 - mu)). The
     * trainer's L1 proximal step thresholds coordinate i by rate[i] * l1,
     * so that the rule's fixed points are the lasso's optimum. Cannot fail. */
    void (*rates)(const void *state, double *rate, size_t nparams, double lr, long t,
                  const gd_optim_params *p);
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
