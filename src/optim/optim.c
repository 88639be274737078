/*
 * optim: the registry of update rules. See include/gdtrain/optim.h.
 */
#include "gdtrain/optim.h"

#include <math.h>

#include <stdio.h>
#include <string.h>

#define GD_OPTIMIZER(x) extern const gd_optimizer_ops gd_optim_##x;
#include "optim/registry.def"
#undef GD_OPTIMIZER

static const gd_optimizer_ops *const registry[] = {
#define GD_OPTIMIZER(x) &gd_optim_##x,
#include "optim/registry.def"
#undef GD_OPTIMIZER
    NULL};

const gd_optimizer_ops *gd_optimizer_find(const char *name)
{
    for (size_t i = 0; registry[i] != NULL; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const gd_optimizer_ops *const *gd_optimizer_list(void)
{
    return registry;
}

void gd_optim_params_default(gd_optim_params *p)
{
    memset(p, 0, sizeof *p);
#define GD_OPTIM_HPARAM(field, type, option, def, ...) p->field = (GD_HP_CTYPE_##type)(def);
#include "gdtrain/hparams.def"
}

void gd_optim_params_default_for(gd_optim_params *p, const gd_optimizer_ops *ops)
{
    gd_optim_params_default(p);
    if (ops->defaults != NULL)
        ops->defaults(p);
}

int gd_hparam_in_range(gd_hparam_range range, int integer, const char *option, double v,
                       char *buf, size_t size)
{
    const char *need = NULL;
    switch (range) {
    case GD_RANGE_ANY:
        return 1;
    case GD_RANGE_POSITIVE:
        if (v > 0 && isfinite(v))
            return 1;
        need = integer ? "be at least 1" : "be positive";
        break;
    case GD_RANGE_NONNEG:
        if (v >= 0 && isfinite(v))
            return 1;
        need = "be >= 0";
        break;
    case GD_RANGE_UNIT:
        if (v >= 0 && v < 1)
            return 1;
        need = "be in [0, 1)";
        break;
    case GD_RANGE_UNIT_RIGHT:
        if (v > 0 && v <= 1)
            return 1;
        need = "be in (0, 1]";
        break;
    }
    snprintf(buf, size, "--%s must %s, got %g", option, need, v);
    return 0;
}

int gd_optim_params_check(const gd_optimizer_ops *ops, const gd_optim_params *p,
                          char *buf, size_t size)
{
#define GD_OPTIM_HPARAM(field, type, option, def, range, ...)                             \
    if ((ops->uses & GD_USES(field)) &&                                                  \
        !gd_hparam_in_range(GD_RANGE_##range, GD_HP_INTEGER_##type, option,              \
                            (double)p->field, buf, size))                                \
        return 0;
#include "gdtrain/hparams.def"
    if ((ops->uses & GD_USES(nesterov)) && p->nesterov && p->momentum <= 0.0) {
        snprintf(buf, size, "--nesterov needs --momentum greater than 0");
        return 0;
    }
    return 1;
}
