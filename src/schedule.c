/*
 * schedule: learning-rate schedules. See include/gdtrain/schedule.h.
 */
#include "gdtrain/schedule.h"

#include <math.h>
#include <string.h>

static const char *const kind_names[] = {
    [GD_SCHEDULE_CONSTANT] = "constant",
    [GD_SCHEDULE_PLATEAU] = "plateau",
};

int gd_schedule_kind_from_name(const char *name, gd_schedule_kind *kind)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++) {
        if (strcmp(kind_names[i], name) == 0) {
            *kind = (gd_schedule_kind)i;
            return 1;
        }
    }
    return 0;
}

const char *gd_schedule_kind_name(gd_schedule_kind kind)
{
    return kind_names[kind];
}

void gd_schedule_config_default(gd_schedule_config *cfg, gd_schedule_kind kind)
{
    cfg->kind = kind;
    cfg->factor = 0.5;
    cfg->patience = 5;
    cfg->threshold = 0.0;
    cfg->min_lr = 0.0;
}

void gd_schedule_init(gd_schedule *s, const gd_schedule_config *cfg, double base_lr)
{
    s->cfg = *cfg;
    s->lr = base_lr;
    s->best = INFINITY;
    s->bad_epochs = 0;
}

void gd_schedule_epoch_end(gd_schedule *s, double loss)
{
    if (s->cfg.kind != GD_SCHEDULE_PLATEAU)
        return;
    if (loss < s->best * (1.0 - s->cfg.threshold)) {
        s->best = loss;
        s->bad_epochs = 0;
        return;
    }
    if (++s->bad_epochs > s->cfg.patience) {
        s->lr = fmax(s->lr * s->cfg.factor, s->cfg.min_lr);
        s->bad_epochs = 0;
    }
}

int gd_schedule_at_floor(const gd_schedule *s)
{
    return s->cfg.kind == GD_SCHEDULE_PLATEAU && s->lr <= s->cfg.min_lr;
}
