/*
 * hparams: the table of a training run's hyperparameters.
 *
 * One row per line of gdtrain/hparams.def: its command-line option, type,
 * where it lives in gd_train_config, default, range, which optimizers or
 * schedules read it, and its help text. Everything that lists, parses,
 * checks or reports hyperparameters walks this table, so a name cannot be
 * misspelt in one place and right in another.
 */
#ifndef GDTRAIN_HPARAMS_H
#define GDTRAIN_HPARAMS_H

#include <stddef.h>

#include "gdtrain/error.h"
#include "gdtrain/trainer.h"

typedef enum gd_hparam_type {
    GD_HP_DOUBLE,
    GD_HP_LONG,
    GD_HP_INT,
    GD_HP_FLAG, /* int, 0 or 1 */
    GD_HP_SIZE, /* size_t */
    GD_HP_U64   /* uint64_t */
} gd_hparam_type;

typedef enum gd_hparam_owner {
    GD_HP_TRAIN,   /* a field of gd_train_config: every run reads it */
    GD_HP_OPTIM,   /* a field of gd_train_config.hp: the rules whose .uses has it */
    GD_HP_SCHEDULE /* a field of gd_train_config.schedule: the kinds in .uses */
} gd_hparam_owner;

typedef struct gd_hparam {
    const char *option;       /* "weight-decay": the option, without "--" */
    gd_hparam_type type;
    gd_hparam_owner owner;
    size_t offset;            /* of the value in its owner's struct */
    double def;               /* default (optimizers and schedules may change it) */
    gd_hparam_range range;
    unsigned uses;            /* OPTIM: its GD_USES bit; SCHEDULE: 1 << kind for each
                                 kind that reads it; TRAIN: 0 */
    const char *metavar;      /* placeholder in --help; NULL for flags */
    const char *help;         /* one line, without the default */
    const char *default_text; /* what --help gives as the default, or NULL for def */
} gd_hparam;

/* The table, in hparams.def order; *count gets its length. Static storage. */
const gd_hparam *gd_hparam_list(size_t *count);

/* The row whose option is name ("lr-min"), or NULL. */
const gd_hparam *gd_hparam_find(const char *name);

/* The row's key in --json and the model file: the option with '_' for '-'
 * ("lr_min"), in buf (size bytes). Returns buf. */
const char *gd_hparam_key(const gd_hparam *h, char *buf, size_t size);

/* Where the row's value is in a gd_train_config. */
size_t gd_hparam_offset(const gd_hparam *h);

/* The row's value in cfg, as a double (flags 0 or 1). */
double gd_hparam_get(const gd_train_config *cfg, const gd_hparam *h);

/* Copies the row's value from src to dst. */
void gd_hparam_copy(gd_train_config *dst, const gd_train_config *src, const gd_hparam *h);

/* Whether a run with cfg's optimizer and schedule reads the row. */
int gd_hparam_applies(const gd_hparam *h, const gd_train_config *cfg);

/* Who reads the row, for messages and --help: "gd and sgd" or "the step
 * and exp schedules"; "" for TRAIN rows. In buf (size bytes); returns buf. */
const char *gd_hparam_users(const gd_hparam *h, char *buf, size_t size);

/* Checks the value of every row of owner whose .uses meets uses (TRAIN rows:
 * uses is ignored) in base, the owner's struct. 1 if all are in range;
 * otherwise 0 with a message naming the option in buf (size bytes). */
int gd_hparams_check(gd_hparam_owner owner, const void *base, unsigned uses, char *buf,
                     size_t size);

/* Sets every row of owner in base, the owner's struct, to its default. */
void gd_hparams_set_defaults(gd_hparam_owner owner, void *base);

/* A run's hyperparameters as a user chose them. */
typedef struct gd_train_choice {
    const char *opt;               /* optimizer name */
    const char *schedule;          /* schedule name; NULL = the optimizer's default */
    const gd_train_config *values; /* the values of the rows given */
    const unsigned char *given;    /* one byte per table row: 1 if given */
} gd_train_choice;

/* Builds *cfg from choice: the optimizer's defaults (gd_train_config_default),
 * the schedule's (a plateau floor of lr * 1e-6), then every row given. A
 * row given that the optimizer or the schedule does not read is an error
 * naming those that do, as is an unknown name or a value out of range.
 * GD_ERR_USAGE with a one-line message on error. Fields that are not rows
 * (init, val, threads, ...) keep gd_train_config_default's values. */
gd_status gd_train_config_build(gd_train_config *cfg, const gd_train_choice *choice,
                                gd_error *err);

#endif
