/*
 * hparams: the hyperparameter table, built from gdtrain/hparams.def, and the
 * run configurations it fills and checks (gd_train_config_default, _check,
 * _build). The trainer reads a finished configuration and never the table,
 * so the dependency runs one way. See include/gdtrain/hparams.h and
 * include/gdtrain/trainer.h.
 */
#include "gdtrain/hparams.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define KIND(k) (1u << GD_SCHEDULE_##k)

static const gd_hparam table[] = {
#define GD_TRAIN_HPARAM(field, type, option, def, range, metavar, help, deftext)              \
    {option, GD_HP_##type, GD_HP_TRAIN, offsetof(gd_train_config, field), def,              \
     GD_RANGE_##range, 0, metavar, help, deftext},
#define GD_OPTIM_HPARAM(field, type, option, def, range, metavar, help, deftext)              \
    {option, GD_HP_##type, GD_HP_OPTIM, offsetof(gd_optim_params, field), def,              \
     GD_RANGE_##range, GD_USES(field), metavar, help, deftext},
#define GD_SCHEDULE_HPARAM(field, type, option, def, range, kinds, metavar, help, deftext)    \
    {option, GD_HP_##type, GD_HP_SCHEDULE, offsetof(gd_schedule_config, field), def,        \
     GD_RANGE_##range, kinds, metavar, help, deftext},
#include "gdtrain/hparams.def"
};

enum { COUNT = sizeof table / sizeof table[0] };

const gd_hparam *gd_hparam_list(size_t *count)
{
    *count = COUNT;
    return table;
}

const gd_hparam *gd_hparam_find(const char *name)
{
    for (size_t i = 0; i < COUNT; i++)
        if (strcmp(table[i].option, name) == 0)
            return &table[i];
    return NULL;
}

const char *gd_hparam_key(const gd_hparam *h, char *buf, size_t size)
{
    snprintf(buf, size, "%s", h->option);
    for (char *c = buf; *c; c++)
        if (*c == '-')
            *c = '_';
    return buf;
}

/* The struct that holds the row's value inside cfg. */
static size_t owner_offset(gd_hparam_owner owner)
{
    switch (owner) {
    case GD_HP_OPTIM:
        return offsetof(gd_train_config, hp);
    case GD_HP_SCHEDULE:
        return offsetof(gd_train_config, schedule);
    case GD_HP_TRAIN:
        break;
    }
    return 0;
}

static double value_at(const gd_hparam *h, const void *base)
{
    const char *p = (const char *)base + h->offset;
    switch (h->type) {
    case GD_HP_DOUBLE:
        return *(const double *)(const void *)p;
    case GD_HP_LONG:
        return (double)*(const long *)(const void *)p;
    case GD_HP_INT:
    case GD_HP_FLAG:
        return (double)*(const int *)(const void *)p;
    case GD_HP_SIZE:
        return (double)*(const size_t *)(const void *)p;
    case GD_HP_U64:
        return (double)*(const uint64_t *)(const void *)p;
    }
    return NAN;
}

static size_t type_size(gd_hparam_type type)
{
    switch (type) {
    case GD_HP_DOUBLE:
        return sizeof(double);
    case GD_HP_LONG:
        return sizeof(long);
    case GD_HP_INT:
    case GD_HP_FLAG:
        return sizeof(int);
    case GD_HP_SIZE:
        return sizeof(size_t);
    case GD_HP_U64:
        return sizeof(uint64_t);
    }
    return 0;
}

size_t gd_hparam_offset(const gd_hparam *h)
{
    return owner_offset(h->owner) + h->offset;
}

double gd_hparam_get(const gd_train_config *cfg, const gd_hparam *h)
{
    return value_at(h, (const char *)cfg + owner_offset(h->owner));
}

void gd_hparam_copy(gd_train_config *dst, const gd_train_config *src, const gd_hparam *h)
{
    size_t at = gd_hparam_offset(h);
    memcpy((char *)dst + at, (const char *)src + at, type_size(h->type));
}

/* Sets the row's value in base, its owner's struct, to its default. */
static void set_default(const gd_hparam *h, void *base)
{
    char *p = (char *)base + h->offset;
    switch (h->type) {
    case GD_HP_DOUBLE:
        *(double *)(void *)p = h->def;
        break;
    case GD_HP_LONG:
        *(long *)(void *)p = (long)h->def;
        break;
    case GD_HP_INT:
    case GD_HP_FLAG:
        *(int *)(void *)p = (int)h->def;
        break;
    case GD_HP_SIZE:
        *(size_t *)(void *)p = (size_t)h->def;
        break;
    case GD_HP_U64:
        *(uint64_t *)(void *)p = (uint64_t)h->def;
        break;
    }
}

void gd_hparams_set_defaults(gd_hparam_owner owner, void *base)
{
    for (size_t i = 0; i < COUNT; i++)
        if (table[i].owner == owner)
            set_default(&table[i], base);
}

int gd_hparam_applies(const gd_hparam *h, const gd_train_config *cfg)
{
    switch (h->owner) {
    case GD_HP_OPTIM:
        return (cfg->opt->uses & h->uses) != 0;
    case GD_HP_SCHEDULE:
        return (h->uses & (1u << cfg->schedule.kind)) != 0;
    case GD_HP_TRAIN:
        break;
    }
    return 1;
}

/* ------------------------------------------------ the run's configuration */

void gd_train_config_default(gd_train_config *cfg, const gd_optimizer_ops *ops)
{
    memset(cfg, 0, sizeof *cfg);
    gd_hparams_set_defaults(GD_HP_TRAIN, cfg);
    cfg->opt = ops;
    gd_optim_params_default_for(&cfg->hp, ops);
    cfg->lr = ops->default_lr;
    cfg->batch_size = ops->default_batch;
    cfg->init = GD_INIT_ZEROS;
    gd_schedule_config_default(&cfg->schedule, ops->needs_decay ? GD_SCHEDULE_PLATEAU
                                                                : GD_SCHEDULE_CONSTANT);
}

gd_schedule_config gd_train_schedule(const gd_train_config *cfg)
{
    gd_schedule_config sched = cfg->schedule;
    if (sched.kind == GD_SCHEDULE_COSINE && sched.t_max == 0)
        sched.t_max = cfg->max_epochs;
    return sched;
}

gd_status gd_train_config_check(const gd_train_config *cfg, gd_error *err)
{
    char msg[256];
    if (!gd_hparams_check(GD_HP_TRAIN, cfg, 0, msg, sizeof msg) ||
        !gd_optim_params_check(cfg->opt, &cfg->hp, msg, sizeof msg))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0, "%s", msg);
    /* AdamW's decoupled decay is a second penalty beside --l1's: the run
     * would settle away from the elastic-net optimum its gap is measured to
     * (1.5e-6 on data/houses.csv at the default decay, against 1e-6). */
    if (cfg->l1 > 0.0 && (cfg->opt->uses & GD_USES(weight_decay)) && cfg->hp.weight_decay > 0.0)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "--l1 with --opt %s needs --weight-decay 0: its decoupled weight "
                            "decay is a second penalty, so the run would not reach the "
                            "elastic-net optimum (or use --opt adam, or --l2 for a ridge term)",
                            cfg->opt->name);
    if (cfg->shuffle < GD_SHUFFLE_NONE || cfg->shuffle > GD_SHUFFLE_BLOCKS)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "--shuffle: unknown order %d", cfg->shuffle);
    gd_schedule_config sched = gd_train_schedule(cfg);
    if (!gd_schedule_config_check(&sched, msg, sizeof msg))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0, "%s", msg);
    return GD_OK;
}

/* ------------------------------------------------------------- messages */

/* Appends ", " (unless buf is empty) and word to buf. */
static void append_name(char *buf, size_t size, const char *word)
{
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "%s%s", len ? ", " : "", word);
}

/* Replaces the last ", " in buf by " and ". */
static void and_last(char *buf, size_t size)
{
    char *comma = NULL;
    for (char *c = strstr(buf, ", "); c != NULL; c = strstr(c + 2, ", "))
        comma = c;
    if (comma == NULL)
        return;
    char rest[160];
    snprintf(rest, sizeof rest, "%s", comma + 2);
    snprintf(comma, size - (size_t)(comma - buf), " and %s", rest);
}

const char *gd_hparam_users(const gd_hparam *h, char *buf, size_t size)
{
    buf[0] = '\0';
    if (h->owner == GD_HP_OPTIM) {
        for (const gd_optimizer_ops *const *o = gd_optimizer_list(); *o; o++)
            if ((*o)->uses & h->uses)
                append_name(buf, size, (*o)->name);
        and_last(buf, size);
    } else if (h->owner == GD_HP_SCHEDULE) {
        char names[128] = "";
        for (const char *const *s = gd_schedule_list(); *s; s++) {
            gd_schedule_kind kind;
            gd_schedule_kind_from_name(*s, &kind);
            if (h->uses & (1u << kind))
                append_name(names, sizeof names, *s);
        }
        int several = strchr(names, ',') != NULL;
        and_last(names, sizeof names);
        snprintf(buf, size, "the %s schedule%s", names, several ? "s" : "");
    }
    return buf;
}

int gd_hparams_check(gd_hparam_owner owner, const void *base, unsigned uses, char *buf,
                     size_t size)
{
    for (size_t i = 0; i < COUNT; i++) {
        const gd_hparam *h = &table[i];
        if (h->owner != owner || (owner != GD_HP_TRAIN && !(h->uses & uses)))
            continue;
        if (!gd_hparam_in_range(h->range, h->type != GD_HP_DOUBLE, h->option,
                                value_at(h, base), buf, size))
            return 0;
    }
    return 1;
}

/* The names of every optimizer, or every schedule, for "choose one of". */
static const char *all_names(int schedules, char *buf, size_t size)
{
    buf[0] = '\0';
    if (schedules)
        for (const char *const *n = gd_schedule_list(); *n; n++)
            append_name(buf, size, *n);
    else
        for (const gd_optimizer_ops *const *o = gd_optimizer_list(); *o; o++)
            append_name(buf, size, (*o)->name);
    return buf;
}

/* The error for an option that the run's optimizer or schedule ignores. */
static gd_status not_applicable(const gd_hparam *h, const gd_train_config *cfg, gd_error *err)
{
    char users[160];
    gd_hparam_users(h, users, sizeof users);
    const char *verb = strstr(users, " and ") ? "use" : "uses";
    if (h->owner == GD_HP_OPTIM)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "--%s does not apply to --opt %s: only %s %s it", h->option,
                            cfg->opt->name, users, verb);
    return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                        "--%s does not apply to the %s schedule: only %s %s it", h->option,
                        gd_schedule_kind_name(cfg->schedule.kind), users, verb);
}

gd_status gd_train_config_build(gd_train_config *cfg, const gd_train_choice *choice,
                                gd_error *err)
{
    char names[256];
    const gd_optimizer_ops *ops = gd_optimizer_find(choice->opt);
    if (ops == NULL)
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "unknown optimizer '%s' (choose one of: %s)", choice->opt,
                            all_names(0, names, sizeof names));
    gd_train_config_default(cfg, ops);
    gd_schedule_kind kind = cfg->schedule.kind; /* the optimizer's default */
    if (choice->schedule != NULL && !gd_schedule_kind_from_name(choice->schedule, &kind))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "unknown --schedule '%s' (choose one of: %s)", choice->schedule,
                            all_names(1, names, sizeof names));
    gd_schedule_config_default(&cfg->schedule, kind);
    int floor_given = 0;
    for (size_t i = 0; i < COUNT; i++) {
        if (choice->given == NULL || !choice->given[i])
            continue;
        if (!gd_hparam_applies(&table[i], cfg))
            return not_applicable(&table[i], cfg, err);
        gd_hparam_copy(cfg, choice->values, &table[i]);
        floor_given |= table[i].owner == GD_HP_SCHEDULE &&
                       table[i].offset == offsetof(gd_schedule_config, min_lr);
    }
    /* The plateau schedule's floor: far enough below the base rate to reach
     * the optimum, high enough that a stalled run still ends. */
    if (kind == GD_SCHEDULE_PLATEAU && !floor_given)
        cfg->schedule.min_lr = cfg->lr * 1e-6;
    return gd_train_config_check(cfg, err);
}
