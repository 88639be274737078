/*
 * msg: messages for humans, on stderr, and the exit codes of library
 * statuses. See msg.h.
 */
#include "msg.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cli_quiet = 0;

static void vprefixed(const char *kind, const char *fmt, va_list ap)
{
    fprintf(stderr, "gdtrain: %s: ", kind);
    vfprintf(stderr, fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized): every caller calls va_start first */
    fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprefixed("error", fmt, ap);
    va_end(ap);
}

void cli_usage_error(const char *subcommand, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprefixed("error", fmt, ap);
    va_end(ap);
#ifdef GDTRAIN_NO_MAIN
    /* Linked into gdtrain-mpi, whose help is its own whatever the subcommand. */
    (void)subcommand;
    fprintf(stderr, "try '" CLI_PROGRAM " --help'\n");
#else
    if (subcommand != NULL)
        fprintf(stderr, "try 'gdtrain %s --help'\n", subcommand);
    else
        fprintf(stderr, "try 'gdtrain --help'\n");
#endif
}

const char *cli_file_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

const char *cli_plural(size_t count)
{
    return count == 1 ? "" : "s";
}

void cli_report(const gd_error *err)
{
    char buf[sizeof err->file + sizeof err->message + 64];
    cli_error("%s", gd_error_format(err, buf, sizeof buf));
}

void cli_warn(const char *fmt, ...)
{
    if (cli_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprefixed("warning", fmt, ap);
    va_end(ap);
}

void cli_note(const char *fmt, ...)
{
    if (cli_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprefixed("note", fmt, ap);
    va_end(ap);
}

void cli_say(const char *fmt, ...)
{
    if (cli_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized): va_start is the line above */
    va_end(ap);
}

int cli_exit_code(gd_status st)
{
    switch (st) {
    case GD_OK:
        return 0;
    case GD_ERR_TRAIN:
        return 1;
    case GD_ERR_USAGE:
        return 2;
    case GD_ERR_DATA:
        return 3;
    case GD_ERR_IO:
    case GD_ERR_NOMEM:
        return 4;
    }
    assert(0 && "a gd_status without an exit code");
    return 4;
}
