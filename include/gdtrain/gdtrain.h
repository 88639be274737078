/*
 * gdtrain: the library's whole public interface in one include.
 *
 * The front door is fit.h: gd_fit loads, standardizes, trains, measures the
 * gap to the exact optimum and builds the model in one call, from a
 * configuration that gd_train_config_build (hparams.h) makes from names.
 * Underneath, the stages: load a CSV file into a dataset and standardize it
 * (dataset.h; categorical columns and missing cells by encode.h),
 * train a linear model on it by gradient descent (trainer.h,
 * with an optimizer from optim.h and a learning-rate schedule from
 * schedule.h), or fit the exact least-squares optimum (solve.h); evaluate the loss (loss.h); save, load and
 * apply the model (model.h). Every function that can fail reports through a
 * gd_error (error.h). The library never prints and never exits.
 *
 * Build against an installed copy with `pkg-config --cflags --libs gdtrain`,
 * or find_package(gdtrain) and the target gdtrain::gdtrain in CMake.
 */
#ifndef GDTRAIN_GDTRAIN_H
#define GDTRAIN_GDTRAIN_H

#include "gdtrain/dataset.h"
#include "gdtrain/encode.h"
#include "gdtrain/error.h"
#include "gdtrain/fit.h"
#include "gdtrain/hparams.h"
#include "gdtrain/loss.h"
#include "gdtrain/model.h"
#include "gdtrain/optim.h"
#include "gdtrain/rng.h"
#include "gdtrain/schedule.h"
#include "gdtrain/solve.h"
#include "gdtrain/trainer.h"

#endif
