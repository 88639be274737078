/*
 * levels: categorical columns under gdtrain-mpi. A rank sees only the
 * levels of its own rows, and gdtrain's encoding has the levels of every
 * row, in byte order (the first is the reference). So each rank first
 * loads its rows as raw inputs (mpi_fills_options), the ranks agree on
 * which columns are categorical and on the union of their levels (and on
 * the numeric inputs' fills, mpi/fills.h), and each rank then reads its
 * rows again with that encoding, as predict and --val read new rows: the
 * design matrix gdtrain builds from the same rows.
 */
#ifndef GDTRAIN_MPI_LEVELS_H
#define GDTRAIN_MPI_LEVELS_H

#include "gdtrain/dataset.h"
#include "gdtrain/encode.h"
#include "mpi/parts.h"

/* Collective, once every rank has loaded raw its rows (file order) into
 * raw: 0 when no column is categorical in any rank (raw is then the
 * design); 1 with the encoding of every rank's rows in *all (policy na,
 * fills set; free it with gd_encoding_free); or the exit status, the same
 * in every rank, the error printed once. file names the data in messages;
 * max_levels is --max-levels (0: the default). */
int mpi_levels_agree(mpi_parts *P, const gd_dataset *raw, gd_na_policy na, size_t max_levels,
                     const char *file, gd_encoding *all);

#endif
