/*
 * fills: what gdtrain-mpi's ranks must agree on when a table is read under
 * the encoding rules (--na, --na-values): each numeric input's fill, the
 * mean of its present cells over every rank's rows, which the model file
 * records and --na mean puts in missing cells, and, under --na drop,
 * which rows are left out.
 *
 * Under --na drop a rank loads its rows as --na mean would leave them as
 * raw inputs (a missing cell NaN, rows without a target already left out),
 * so that the cells of rows --na drop leaves out still count in the fills,
 * as they do in gdtrain; the rows with a missing cell go after the fills.
 */
#ifndef GDTRAIN_MPI_FILLS_H
#define GDTRAIN_MPI_FILLS_H

#include "gdtrain/dataset.h"
#include "mpi/parts.h"

/* Load options for a rank's rows under policy lo->na: raw inputs (one
 * column an input: a number, a level's index, or NaN for a missing cell),
 * under GD_NA_DROP as GD_NA_MEAN leaves them. Without categorical
 * columns, X is then the design matrix but for the rows drop leaves out. */
void mpi_fills_options(gd_load_options *lo);

/* Collective: the fills of e's numeric inputs, the means of their present
 * cells in every rank's raw rows (raw: raw inputs, in file order, every
 * row with a target), in gdtrain's order of additions. Out of memory,
 * aborts the job (mpi_parts_fail). */
void mpi_fills_set(mpi_parts *P, const gd_dataset *raw, gd_encoding *e);

/* Collective, once every rank has loaded its rows (in file order) with
 * mpi_fills_options' options, none categorical: sets the fills of
 * ds->encoding (unless it is NULL or plain: no fills are written then) to
 * the means over all ranks' rows, in gdtrain's order of additions; under
 * policy na GD_NA_DROP leaves out ds's rows with a missing cell, counting
 * them in rep, and makes the encoding's policy drop again; under
 * GD_NA_MEAN puts the fills in the missing cells. Out of memory, aborts
 * the job (mpi_parts_fail). */
void mpi_fills_agree(mpi_parts *P, gd_dataset *ds, gd_na_policy na, gd_load_report *rep);

#endif
