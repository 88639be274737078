/*
 * csv: a streaming RFC 4180 record reader.
 *
 * Reads a file (or standard input) in chunks and hands out one record at a
 * time as an array of fields. It knows nothing of numbers or models. It
 * handles quoted fields (embedded delimiters, doubled quotes, newlines), LF
 * and CRLF line ends, an optional UTF-8 byte order mark, and a last line
 * without a newline. Memory is bounded by the longest record, not the file.
 *
 * Errors (GD_ERR_DATA, with file, line and column): a NUL byte, an
 * unterminated quoted field, a quote inside an unquoted field, text after a
 * closing quote, and input from a pipe, socket or terminal whose last line
 * has no line end (its writer may have been stopped mid-row; a regular file
 * may end without one). Read errors are GD_ERR_IO, and so is a regular file
 * that ends before the size it had when the reader was opened: it was cut
 * while being read, and its rows must not pass for a shorter dataset.
 */
#ifndef GDTRAIN_CSV_H
#define GDTRAIN_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "gdtrain/error.h"

/* One field of a record. text points into the reader's buffer, is not
 * NUL-terminated, and holds the field's content with quotes removed and
 * doubled quotes undone. */
typedef struct gd_csv_field {
    const char *text;
    size_t len;
    long line;   /* 1-based physical line where the field starts */
    long column; /* 1-based byte column where the field starts (its quote, if quoted) */
    int quoted;  /* 1 if the field was written in quotes */
} gd_csv_field;

typedef struct gd_csv_reader gd_csv_reader;

/* Opens path for reading; "-" means standard input (shown as "<stdin>" in
 * messages). delimiter is ',' ';' '\t' or any byte but '"', CR and LF.
 * On success *out is a new reader to be closed with gd_csv_close; on error
 * *out is NULL. */
gd_status gd_csv_open(gd_csv_reader **out, const char *path, char delimiter,
                      gd_error *err);

/* Same, over an already open stream that the reader does not close.
 * name is used in messages. */
gd_status gd_csv_open_stream(gd_csv_reader **out, FILE *stream,
                             const char *name, char delimiter, gd_error *err);

/* Opens a reader over the len bytes at data (which must stay valid and
 * unchanged while the reader uses it), as if they were a file named name
 * whose first byte is at line first_line, column 1. No byte order mark is
 * skipped. Used to re-read one line of a large file on its own, with the
 * file's positions in messages. On error *out is NULL. */
gd_status gd_csv_open_memory(gd_csv_reader **out, const char *data, size_t len,
                             const char *name, char delimiter, long first_line,
                             gd_error *err);

/* Points a reader made by gd_csv_open_memory at new bytes, as a fresh
 * reader (errors and the end of input forgotten), keeping its buffers, so
 * re-reading many lines does not allocate for each. Cannot fail. */
void gd_csv_reset_memory(gd_csv_reader *r, const char *data, size_t len,
                         long first_line);

/* Where the reader stands: *offset is the byte offset, from the start of the
 * input (a skipped byte order mark counts), of the first byte not yet
 * consumed, and *line its line. Right after gd_csv_next has returned a record
 * that is the start of the line after it. */
void gd_csv_position(const gd_csv_reader *r, long long *offset, long *line);

/* The stream being read (NULL for a memory reader), for callers that want
 * to look at the file itself (its size, or mapping it): they must not read
 * from it or move its position. */
FILE *gd_csv_stream(const gd_csv_reader *r);

/* For a regular file: its size in bytes, from where reading began, as it was
 * when the reader was opened (the reader fails if it finds fewer). -1 for
 * other inputs. */
long long gd_csv_size(const gd_csv_reader *r);

/* Reads the next record. On GD_OK, *fields and *nfields describe it; they
 * stay valid until the next call or gd_csv_close. At the end of input
 * *nfields is 0. An empty line in the middle of the data is a record of one
 * empty field; empty lines at the very end of the input are ignored. */
gd_status gd_csv_next(gd_csv_reader *r, const gd_csv_field **fields,
                      size_t *nfields, gd_error *err);

/* The name used in messages ("<stdin>" for standard input). */
const char *gd_csv_name(const gd_csv_reader *r);

/* Closes the reader and frees it. Accepts NULL. */
void gd_csv_close(gd_csv_reader *r);

#endif
