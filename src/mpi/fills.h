/*
 * fills: what gdtrain-mpi's ranks must agree on when a table is read under
 * the encoding rules (--na drop, --na-values): each numeric input's fill,
 * the mean of its present cells over every rank's rows, which the model
 * file records, and, under --na drop, which rows are left out.
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

/* Load options for a rank's rows under policy na (lo->na): under
 * GD_NA_DROP, the raw rows mpi_fills_agree needs. */
void mpi_fills_options(gd_load_options *lo);

/* Collective, once every rank has loaded its rows (in file order) with
 * mpi_fills_options' options: sets the fills of ds->encoding (unless it is
 * NULL or plain: no fills are written then) to the means over all ranks'
 * rows, in gdtrain's order of additions; under drop (the policy asked
 * for), leaves out ds's rows with a missing cell, counting them in rep,
 * and makes the encoding's policy drop again. Out of memory, aborts the
 * job (mpi_parts_fail). */
void mpi_fills_agree(mpi_parts *P, gd_dataset *ds, int drop, gd_load_report *rep);

#endif
