/*
 * gdtrain-mpi: `gdtrain train` over MPI ranks. Every rank runs the train
 * command on its part of the rows (src/mpi/parts.h); rank 0 writes the
 * model, the curve and the messages. `gdtrain-mpi ARGS` and
 * `gdtrain-mpi train ARGS` are the same.
 */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "mpi/parts.h"

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mpi_parts parts;
    mpi_parts_init(&parts);
    int skip = argc >= 2 && strcmp(argv[1], "train") == 0 ? 2 : 1;
    int code = cmd_train(argc - skip, argv + skip);
    /* A rank that failed alone (rank 0 writing the model) fails them all. */
    code = mpi_parts_agree(code);
    fflush(stdout);
    fflush(stderr);
    mpi_parts_free(&parts);
    MPI_Finalize();
    return code;
}
