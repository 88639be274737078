/*
 * textfile: the strict, line-oriented text files of gdtrain (the model file,
 * the checkpoint), read and written the same way. Internal to the library:
 * not installed, not part of the public API.
 *
 * What every such file shares (the "lexical rules"):
 * - Lines end with LF; a CR just before the LF is ignored. NUL bytes are
 *   errors. A UTF-8 byte order mark at the very start is skipped and not
 *   counted in columns.
 * - A line whose first byte is '#', or that holds only spaces and tabs, is
 *   ignored wherever it appears.
 * - The first other line is "<magic> <version>"; the last one is "end". In
 *   between, each line starts with a keyword at its first byte, from the
 *   format's list. What follows the keyword is the keyword's business; the
 *   helpers below read the usual pieces: numbers separated by blanks (spaces
 *   or tabs), unsigned integers, and escaped text that runs to the end of the
 *   line ("\\", "\n", "\r").
 * - Numbers are plain decimals, [+-] digits [. digits] [e [+-] digits], read
 *   with strtod in the C locale; where a format allows infinities they are
 *   "inf" and "-inf". Written as the shortest decimal that reads back as the
 *   same double (numformat.h), so that save -> load is exact.
 *
 * Errors are GD_ERR_DATA with the file, the 1-based line and the 1-based
 * column (in bytes) of what is wrong, and the text found there; GD_ERR_IO
 * when the file cannot be read or written, GD_ERR_NOMEM when memory runs out.
 *
 * Loading runs under a thread-local C locale (uselocale), and so does saving:
 * a program that called setlocale(LC_ALL, "") in a comma-decimal locale still
 * writes and reads "0.5", and other threads are not affected.
 *
 *     static gd_status on_line(gd_text_reader *r, int keyword, size_t pos,
 *                              void *user);     // parse one keyword line
 *     st = gd_text_load(path, &format, on_line, &my_state, err);
 */
#ifndef GDTRAIN_TEXTFILE_H
#define GDTRAIN_TEXTFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gdtrain/error.h"

/* A format's outline, for gd_text_load. */
typedef struct gd_text_format {
    const char *kind;            /* for messages: "model" gives "not a gdtrain model
                                    file", "model format version 2 is newer ..." */
    const char *magic;           /* first word of the first line: "gdtrain-model" */
    int version;                 /* the newest version read (and written) */
    int oldest;                  /* the oldest version read; 0 = only version */
    size_t max_size;             /* bytes; a larger file is refused before parsing */
    const char *const *keywords; /* (nkeywords) the line keywords, in the order
                                    listed by the "unknown keyword" message */
    int nkeywords;
    int end_keyword;             /* index of "end" in keywords */
} gd_text_format;

/* Where a load is: the current line of the file being parsed. The line
 * callbacks read ->line[0..len) through the helpers below and must not
 * change the bytes (parse functions borrow them for a moment, and put them
 * back). */
typedef struct gd_text_reader {
    const char *path; /* the file, for messages */
    gd_error *err;    /* where failures are reported */
    size_t size;      /* bytes in the file (to bound counts a file declares) */
    char *line;       /* the current line, inside the file's buffer, without its end */
    size_t len;       /* its length in bytes */
    long lineno;      /* its 1-based number */
    int version;      /* the file's format version, once its first line is read */
} gd_text_reader;

/* Parses the keyword line of keyword (an index into the format's keywords),
 * whose keyword ends at byte pos. Returns GD_OK or a failure (with *r->err
 * filled), which stops the load. */
typedef gd_status (*gd_text_line_fn)(gd_text_reader *r, int keyword, size_t pos,
                                     void *user);

/* Reads path (at most fmt->max_size bytes; "-" reads standard input, named
 * "<stdin>" in messages) and parses it by the rules above:
 * checks the "<magic> <version>" line, then calls line_fn for every keyword
 * line in file order, until the "end" line (whose callback runs too, and
 * should check that the file was complete). Fails with GD_ERR_IO if path
 * cannot be read, GD_ERR_NOMEM if memory runs out; with GD_ERR_DATA for a file larger than
 * max_size, a missing or wrong first line, an unknown keyword, text after
 * "end", a missing "end" (a truncated file), or whatever line_fn reports.
 * Cannot leave anything allocated of its own; what line_fn allocated is the
 * caller's to free, on success and on failure. */
gd_status gd_text_load(const char *path, const gd_text_format *fmt,
                       gd_text_line_fn line_fn, void *user, gd_error *err);

/* Fails the load with GD_ERR_DATA at byte pos (0-based) of the current line,
 * with a printf-style message. Returns GD_ERR_DATA. */
gd_status gd_text_fail_at(gd_text_reader *r, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Fails the load with GD_ERR_NOMEM, "out of memory". Returns GD_ERR_NOMEM. */
gd_status gd_text_out_of_memory(gd_text_reader *r);

/* Quotes line[pos..end) for a message (gd_error_quote), into buf. */
const char *gd_text_quote(const gd_text_reader *r, size_t pos, size_t end, char *buf,
                          size_t size);

static inline int gd_text_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static inline int gd_text_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The first byte at or after pos that is not a blank (len if none). */
size_t gd_text_skip_blanks(const gd_text_reader *r, size_t pos);

/* The first blank at or after pos (len if none): the end of a token. */
size_t gd_text_token_end(const gd_text_reader *r, size_t pos);

/* Reads the number `what` ("the intercept", for messages) from the next
 * token at or after *pos (blanks skipped) into *out and moves *pos past it.
 * The number must be a finite plain decimal (see above). */
gd_status gd_text_parse_number(gd_text_reader *r, size_t *pos, const char *what,
                               double *out);

/* Like gd_text_parse_number, but also takes "inf", "+inf" and "-inf" (and
 * still refuses NaN and decimals too large for a double). */
gd_status gd_text_parse_number_or_inf(gd_text_reader *r, size_t *pos, const char *what,
                                      double *out);

/* Like gd_text_parse_number, and the value must be > 0 (a standard
 * deviation). */
gd_status gd_text_parse_std(gd_text_reader *r, size_t *pos, const char *what,
                            double *out);

/* Reads the unsigned integer `what` (digits only, no sign) from the next
 * token at or after *pos into *out and moves *pos past it; it must be at
 * most max. */
gd_status gd_text_parse_uint(gd_text_reader *r, size_t *pos, const char *what,
                             uint64_t max, uint64_t *out);

/* Nothing but blanks may follow pos on the line; `after` names what came
 * before, for the message ("unexpected text after the intercept"). */
gd_status gd_text_expect_end_of_line(gd_text_reader *r, size_t pos, const char *after);

/* The text field that runs from just after the blank at pos (or is empty if
 * pos is the line's end) to the end of the line, unescaped into a new string
 * *out (malloc; the caller frees). noun names such a field in the message
 * about a lone final backslash ("a name"). On error *out is NULL. */
gd_status gd_text_parse_text(gd_text_reader *r, size_t pos, const char *noun,
                             char **out);

/* Writes s escaped for gd_text_parse_text: "\\" for a backslash, "\n" and
 * "\r" for line breaks; other bytes as they are. */
void gd_text_write_escaped(FILE *fp, const char *s);

/* Writes v as the shortest decimal that reads back as it (numformat.h), or
 * "inf" / "-inf". v must not be NaN. */
void gd_text_write_double(FILE *fp, double v);

/* Writes v[0..n), each after a space, as gd_text_write_double. */
void gd_text_write_values(FILE *fp, const double *v, size_t n);

/* Writes a file's content to fp. Write errors are caught by gd_text_save. */
typedef void (*gd_text_write_fn)(FILE *fp, const void *user);

/* Writes path ("-": standard output) atomically (gd_atomic_open / gd_atomic_commit) with write_fn,
 * under the C locale. GD_ERR_IO on failure, leaving any earlier file at path
 * as it was. */
gd_status gd_text_save(const char *path, gd_text_write_fn write_fn, const void *user,
                       gd_error *err);

#endif
