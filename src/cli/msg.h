/*
 * msg: every message for humans goes through here, to stderr, with the
 * "gdtrain: " prefix; and every library status becomes an exit code here.
 * Output that is data (predictions, JSON, generated CSV) goes to stdout
 * elsewhere.
 */
#ifndef GDTRAIN_CLI_MSG_H
#define GDTRAIN_CLI_MSG_H

#include "gdtrain/error.h"

#if defined(__GNUC__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

/* The program's name where it is not "gdtrain" for both (--version, the
 * hint of a usage error): gdtrain-mpi is built from the same files with
 * GDTRAIN_NO_MAIN defined. */
#ifdef GDTRAIN_NO_MAIN
#define CLI_PROGRAM "gdtrain-mpi"
#else
#define CLI_PROGRAM "gdtrain"
#endif

/* "gdtrain: error: <message>" */
void cli_error(const char *fmt, ...) CLI_PRINTF(1, 2);

/* "gdtrain: error: <message>" then "try 'gdtrain [SUBCOMMAND] --help'". */
void cli_usage_error(const char *subcommand, const char *fmt, ...) CLI_PRINTF(2, 3);

/* "gdtrain: error: FILE:LINE:COL: message" from a library error. */
void cli_report(const gd_error *err);

/* How messages name an input file given on the command line: path, or
 * "<stdin>" for "-". */
const char *cli_file_name(const char *path);

/* "s" unless count is 1, for "%zu row%s". */
const char *cli_plural(size_t count);

/* The exit status for a library status: 0 success, 1 training failed,
 * 2 usage, 3 bad input data, 4 I/O error or out of memory. The one place
 * that maps the library's statuses to the program's exit codes. */
int cli_exit_code(gd_status st);

/* "gdtrain: warning: <message>" */
void cli_warn(const char *fmt, ...) CLI_PRINTF(1, 2);

/* "gdtrain: note: <message>": something the user may want to know that
 * changes nothing in the results (a cache rebuilt). */
void cli_note(const char *fmt, ...) CLI_PRINTF(1, 2);

/* Plain text to stderr (no prefix), for summaries. Silenced by cli_quiet. */
void cli_say(const char *fmt, ...) CLI_PRINTF(1, 2);

/* When set, cli_say and cli_warn print nothing. Errors always print. */
extern int cli_quiet;

#endif
