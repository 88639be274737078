/*
 * error: how the library reports failure.
 *
 * Every fallible function takes a `gd_error *err` and returns a gd_status.
 * On failure it fills *err with the status, the place (file, line, column,
 * each optional) and a one-line message; the CLI prints it as
 *     gdtrain: error: FILE:LINE:COL: message
 * A status says what went wrong, not how a program should exit: the command
 * line maps statuses to its exit codes in one place (cli_exit_code).
 */
#ifndef GDTRAIN_ERROR_H
#define GDTRAIN_ERROR_H

#include <stddef.h>

typedef enum gd_status {
    GD_OK = 0,
    GD_ERR_TRAIN, /* training failed: diverged, or stopped unconverged where
                     convergence was required */
    GD_ERR_USAGE, /* bad parameters: a value out of range, an impossible request */
    GD_ERR_DATA,  /* bad input: a malformed CSV, model or checkpoint file, or
                     values the numerics cannot take */
    GD_ERR_IO,    /* a file cannot be opened, read, written or renamed */
    GD_ERR_NOMEM  /* out of memory */
} gd_status;

typedef struct gd_error {
    gd_status status;
    char file[512];    /* the file concerned, "" if none */
    long line;         /* 1-based line, 0 if not known */
    long column;       /* 1-based column (bytes), 0 if not known */
    char message[768]; /* one line, no trailing newline */
} gd_error;

/* Resets *err to "no error". err may be NULL. */
void gd_error_clear(gd_error *err);

/* Fills *err (if not NULL) and returns status, so callers can write
 * `return gd_error_set(err, GD_ERR_DATA, path, line, col, "...", ...);`.
 * file may be NULL; line and column may be 0. Long texts are truncated. */
gd_status gd_error_set(gd_error *err, gd_status status, const char *file,
                       long line, long column, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* For clang's static analyzer (tests/lint.sh), which looks at one file at a
 * time and so cannot know that the call returns status: without this it
 * follows `return gd_error_set(...)` paths as if they returned GD_OK. */
#ifdef __clang_analyzer__
#define gd_error_set(err, status, ...) (gd_error_set((err), (status), __VA_ARGS__), (status))
#endif

/* Writes "FILE:LINE:COL: message" (the parts that are known) into buf.
 * Returns buf. Never fails; truncates to size. */
char *gd_error_format(const gd_error *err, char *buf, size_t size);

/* Quotes text for a message: at most max bytes of s[0..len), with control
 * bytes and quotes escaped, "..." appended when cut. Writes into buf (size
 * bytes) and returns buf. */
char *gd_error_quote(const char *s, size_t len, char *buf, size_t size);

#endif
