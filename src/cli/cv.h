/*
 * train --cv: cross-validation from the command line (see train/cv.h).
 */
#ifndef GDTRAIN_CLI_CV_H
#define GDTRAIN_CLI_CV_H

#include <stddef.h>

#include "fit.h"
#include "io/json.h"
#include "train/cv.h"

/* Loads the rows of the user's data choice as gd_cv_run takes them (raw
 * inputs, not standardized), its notes unsaid. Returns 0, or
 * the exit status with the error printed. */
int cli_cv_load(const cli_data_choice *choice, gd_dataset *raw);

/* Loads the chosen data (raw), cross-validates cfg with k folds, and says
 * the per-fold and mean +- sd scores on stderr. Returns 0, or the exit
 * status with the error printed. *res is filled on 0 (free it with
 * gd_cv_result_free, whatever the result). */
int cli_cv_run(const cli_data_choice *choice, const gd_train_config *cfg, size_t k,
               int shuffle, gd_cv_result *res);

/* The "cv" member of --json. */
void cli_json_cv(gd_json *j, const gd_cv_result *r);

#endif
