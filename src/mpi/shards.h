/*
 * shards: gdtrain-mpi's --data as one file per rank instead of one file
 * cut into byte ranges.
 *
 * --data names shards when it holds a comma (a list: rank r reads the r-th
 * name, and the list has as many names as there are ranks) or a percent
 * sign (a pattern: its one %d, or %0Nd to pad to N digits, becomes the
 * rank's number, counted from 0; %% is a literal %). The rows are shard
 * 0's, then shard 1's, and so on, as if the files were one table. This
 * module only names the files and reads their header lines; it knows
 * nothing of MPI.
 */
#ifndef GDTRAIN_MPI_SHARDS_H
#define GDTRAIN_MPI_SHARDS_H

/* Whether data names shards (a list or a pattern) rather than one file. */
int mpi_shards_named(const char *data);

/* The file of shard `rank` of `ranks` that data names, malloc'd, into
 * *path (the caller frees it). Returns 0, or 2 after a usage error: a bad
 * pattern, a list whose length is not the number of ranks, an empty or "-"
 * name. The same data and ranks give the same outcome in every rank. */
int mpi_shard_path(const char *data, int rank, int ranks, char **path);

/* For a pattern, the name of the shard one past the last rank's when that
 * file exists (malloc'd; the caller frees it): a run on too few ranks
 * would leave it out without a word. NULL for a list (its length is
 * checked against the ranks), when there is no such file, or out of
 * memory. data is a pattern mpi_shard_path accepted. */
char *mpi_shard_unread(const char *data, int ranks);

/* The first line of the file at path, malloc'd, without its line end (a
 * CR before the newline included); NULL if the file cannot be read or is
 * empty (the loader then says why), or out of memory. */
char *mpi_shard_header(const char *path);

#endif
