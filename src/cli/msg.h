/*
 * msg: every message for humans goes through here, to stderr, with the
 * "gdtrain: " prefix. Output that is data (predictions, JSON, generated CSV)
 * goes to stdout elsewhere.
 */
#ifndef GDTRAIN_CLI_MSG_H
#define GDTRAIN_CLI_MSG_H

#include "gdtrain/error.h"

#if defined(__GNUC__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

/* "gdtrain: error: <message>" */
void cli_error(const char *fmt, ...) CLI_PRINTF(1, 2);

/* "gdtrain: error: <message>" then "try 'gdtrain [SUBCOMMAND] --help'". */
void cli_usage_error(const char *subcommand, const char *fmt, ...) CLI_PRINTF(2, 3);

/* "gdtrain: error: FILE:LINE:COL: message" from a library error. */
void cli_report(const gd_error *err);

/* "gdtrain: warning: <message>" */
void cli_warn(const char *fmt, ...) CLI_PRINTF(1, 2);

/* Plain text to stderr (no prefix), for summaries. Silenced by cli_quiet. */
void cli_say(const char *fmt, ...) CLI_PRINTF(1, 2);

/* When set, cli_say and cli_warn print nothing. Errors always print. */
extern int cli_quiet;

#endif
