/*
 * schedule: the learning rate for each epoch.
 *
 * A schedule starts from the base learning rate and is told, after every
 * epoch, that epoch's training loss; it then gives the rate for the next one.
 *   constant  lr stays the base rate.
 *   plateau   as torch.optim.lr_scheduler.ReduceLROnPlateau (mode "min",
 *             relative threshold, no cooldown): an epoch improves when
 *             loss < best * (1 - threshold); after more than `patience`
 *             epochs in a row without improvement, lr = max(lr * factor,
 *             min_lr) and the count restarts.
 */
#ifndef GDTRAIN_SCHEDULE_H
#define GDTRAIN_SCHEDULE_H

typedef enum gd_schedule_kind {
    GD_SCHEDULE_CONSTANT,
    GD_SCHEDULE_PLATEAU
} gd_schedule_kind;

typedef struct gd_schedule_config {
    gd_schedule_kind kind;
    double factor;    /* plateau: multiplier in (0, 1) */
    int patience;     /* plateau: epochs without improvement tolerated */
    double threshold; /* plateau: relative improvement that counts */
    double min_lr;    /* plateau: floor of the rate, >= 0 */
} gd_schedule_config;

typedef struct gd_schedule {
    gd_schedule_config cfg;
    double lr;        /* the rate for the coming epoch */
    double best;      /* plateau: best loss seen */
    int bad_epochs;   /* plateau: epochs since the last improvement */
} gd_schedule;

/* The schedule named name ("constant", "plateau"); 0 if unknown. */
int gd_schedule_kind_from_name(const char *name, gd_schedule_kind *kind);
const char *gd_schedule_kind_name(gd_schedule_kind kind);

/* Defaults for kind (plateau: factor 0.5, patience 5, min_lr 0, threshold 0:
 * any new best loss counts as progress, so a steadily converging run keeps
 * its rate and only a stalled or oscillating one is slowed down). */
void gd_schedule_config_default(gd_schedule_config *cfg, gd_schedule_kind kind);

void gd_schedule_init(gd_schedule *s, const gd_schedule_config *cfg, double base_lr);

/* Tells the schedule the loss after an epoch; updates s->lr for the next. */
void gd_schedule_epoch_end(gd_schedule *s, double loss);

/* True when the rate can fall no further (plateau at its floor). */
int gd_schedule_at_floor(const gd_schedule *s);

#endif
