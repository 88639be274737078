/*
 * error: how the library reports failure.
 *
 * Every fallible function takes a `gd_error *err` and returns a gd_status.
 * On failure it fills *err with the status, the place (file, line, column,
 * each optional) and a one-line message; the CLI prints it as
 *     gdtrain: error: FILE:LINE:COL: message
 * The status values are the program's exit codes, so the CLI can return them.
 */
#ifndef GDTRAIN_ERROR_H
#define GDTRAIN_ERROR_H

#include <stddef.h>

typedef enum gd_status {
    GD_OK = 0,
    GD_ERR_TRAIN = 1, /* training failed: diverged, or not converged with --strict */
    GD_ERR_USAGE = 2, /* bad command line or bad parameters */
    GD_ERR_DATA = 3,  /* bad input data: CSV, model file */
    GD_ERR_IO = 4     /* cannot read or write a file; out of memory */
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
