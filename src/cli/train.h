/*
 * train: the settings of a training run, and what `gdtrain sweep` needs to
 * run the very code of `gdtrain train` many times on data loaded once.
 */
#ifndef GDTRAIN_CLI_TRAIN_H
#define GDTRAIN_CLI_TRAIN_H

#include <signal.h>
#include <stddef.h>

#include "fit.h"
#include "gdtrain/fit.h"
#include "gdtrain/model.h"
#include "gdtrain/trainer.h"
#include "options.h"
#include "report/curve.h"

#define DEFAULT_MODEL_PATH "gdtrain.model"

typedef struct train_settings {
    const char *data;     /* CSV path, "-" = stdin */
    char delimiter;
    const char *target;   /* NULL = last column */
    const char *features; /* comma list, NULL = all others */
    const char *out;      /* model path */
    const char *opt;      /* optimizer name */
    const char *schedule; /* schedule name, NULL = the optimizer's default */
    gd_train_config hparams; /* the hyperparameters given, by the table's rows */
    const char *init;     /* "zeros" or "random" */
    double val_split;     /* fraction held out for validation */
    const char *val;      /* validation file */
    int early_stop;
    int strict;
    int quiet;
    int verbose;
    int json;
    const char *curve;       /* loss-curve CSV to write */
    const char *check_curve; /* reference curve to check against while training */
    double rtol, atol;       /* --check-curve tolerances */
    const char *plot;        /* SVG of the loss curve */
    long threads;            /* 0 = every online CPU */
    const char *init_from;   /* warm start from this model file */
    const char *checkpoint;  /* save the paused run here */
    const char *resume;      /* continue the run saved here */
    size_t cv;               /* --cv K folds; 0 = none */
    int cv_shuffle;          /* folds from a seeded shuffle */
    cli_table_choice table;  /* categorical columns, missing cells, exclusions */
    const char *cache;       /* --cache: NULL none, "" the default path */
    int stream;              /* --stream: read the rows a chunk at a time */
    const char *memory;      /* --memory SIZE: stream files larger than this */
} train_settings;

/* The training options (NULL-terminated) and their number. */
const cli_option *cli_train_options(size_t *count);

/* Parses training options as `gdtrain train` does into fresh settings,
 * with one flag byte per option row in set. Returns -1 to go on, else
 * the exit status (--help, or a usage error printed). */
int cli_train_parse(int argc, char **argv, train_settings *s, unsigned char *set);

/* The trainer configuration of parsed settings; 0 after a usage error,
 * whose hint names subcommand cmd (NULL: plain gdtrain). */
int cli_train_config(const char *cmd, const train_settings *s, const unsigned char *set,
                     gd_train_config *cfg);

/* One run of a sweep on data loaded once, with the optimum of its
 * objective (NULL when there is none). */
typedef struct cli_train_outcome {
    int status;            /* what `gdtrain train` would exit with */
    gd_train_result train; /* epochs, stop reason, losses (standardized) */
    double loss_scale;     /* standardized MSE -> target units */
    double gap;            /* relative gap, NaN when unknown */
    double seconds;        /* training time */
    gd_model model;        /* the model train would write (status 0) */
    gd_curve history;      /* every epoch, when asked for */
} cli_train_outcome;

/* Trains with s (its data options already loaded into fd, shared and left
 * unchanged) exactly as `gdtrain train` would, writing s->curve if given,
 * but keeps the model in out->model instead of writing it. Prints nothing
 * for a run that diverged or was interrupted: out says so. Safe to call
 * from several threads at once. Free *out with cli_train_outcome_free. */
void cli_train_on_data(const train_settings *s, const unsigned char *set,
                       const gd_train_config *cfg, const gd_fit_data *fd,
                       const gd_solve_info *optimum, int keep_history,
                       cli_train_outcome *out);

void cli_train_outcome_free(cli_train_outcome *out);

/* While on, SIGINT and SIGTERM stop every run after its current batch
 * instead of killing the process. */
void cli_train_catch_signals(int on);

/* The signal that stopped training (SIGINT, SIGTERM), or 0. */
int cli_train_interrupted(void);

/* The flag the signal handlers set, for a gd_train_config.interrupt of
 * trainings the command line runs itself (a sweep's folds). */
const volatile sig_atomic_t *cli_train_interrupt_flag(void);

/* A training run whose rows are spread over processes (gdtrain-mpi, one
 * run per process). Each process runs `gdtrain train`'s code; these say
 * where it differs. */
typedef struct cli_train_parts {
    /* What the parts cannot do (yet): 0, or the exit status after a usage
     * error. Called with the parsed settings, before loading. */
    int (*check)(const train_settings *s, const gd_train_config *cfg);
    /* Loads this process's part of the rows and standardizes it with the
     * statistics of all rows (fd->train.share set); returns 0, or the exit
     * status, the same in every process, the error printed once. */
    int (*load)(const cli_data_choice *choice, gd_fit_data *fd);
    /* The exit status of a stage for every process: the first process's
     * nonzero code, else 0. */
    int (*agree)(int code);
    /* Prints --help instead of train's, or NULL. */
    void (*help)(void);
    int writes;                  /* 1 in the one process that writes files */
    volatile sig_atomic_t *stop; /* what training reads instead of the signal:
                                    every process's SIGINT or SIGTERM, agreed
                                    at each evaluation over all rows */
} cli_train_parts;

/* Set by gdtrain-mpi; NULL (gdtrain) means one process holds every row. */
extern const cli_train_parts *cli_train_parted;

#endif
