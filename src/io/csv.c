/*
 * csv: a streaming RFC 4180 record reader. See csv.h.
 *
 * The input is read with fread in fixed chunks of CSV_CHUNK bytes into r->in.
 * A record is parsed run by run: a run of ordinary bytes is found with a
 * table-driven loop (no function call per byte) and copied into r->rec with
 * one memcpy, and each field is described by an entry of r->fields. Both
 * arrays grow by doubling and are reused for every record, so the memory in
 * use is the chunk plus the longest record, whatever the size of the file.
 * Because a record's text is copied out of the chunk as it is parsed, a chunk
 * boundary can fall anywhere (inside a field, between a CR and its LF, between
 * two quotes of a doubled quote) and the chunk buffer never has to be kept.
 *
 * Decisions where RFC 4180 is silent or too strict:
 * - Line ends: LF or CRLF, mixed freely. A CR outside quotes that is not
 *   followed by LF (a "bare CR", including one at the end of the input) is
 *   an error, not data: files with old Mac line ends would otherwise be read
 *   as one huge record, and a stray CR glued to a number would only show up
 *   later as a puzzling "expected a number". Inside quotes a CR is data, and
 *   the line ends inside a quoted field are kept as they are (LF or CRLF).
 * - Positions: lines count LF bytes, so a quoted field spanning lines moves
 *   the line number of everything after it. Columns count bytes from 1. A
 *   UTF-8 byte order mark (EF BB BF) at the very start is skipped and not
 *   counted: the first field is at line 1, column 1.
 * - Empty lines: an empty line between records is a record of one empty
 *   field; empty lines at the very end of the input are dropped. So that the
 *   end can be recognised, a run of empty lines is counted and only handed
 *   out once a non-empty line follows it.
 * - A NUL byte is an error anywhere (binary or UTF-16 input), and so the
 *   delimiter may not be NUL either.
 * - After the first error the reader is stuck: every later call returns the
 *   same error.
 *
 * A memory reader (gd_csv_open_memory) is the same machine fed from a byte
 * array instead of fread: its chunks are copied from the array, smaller
 * ones (CSV_MEM_CHUNK), since it is meant for re-reading single lines.
 */
#include "io/csv.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    CSV_CHUNK = 256 * 1024, /* bytes per fread */
    CSV_MEM_CHUNK = 4096,   /* bytes per copy from a memory reader's array */
    CSV_FOUND_MAX = 32,     /* bytes of context quoted in messages */
    CSV_COPY_MAX = 16       /* short fields are copied with a fixed-size memcpy */
};

/* Byte classes for the run scanners. A run stops at any byte whose class is
 * not 0. NUL is special in both classes, which lets the scanners use a NUL
 * sentinel stored just past the end of the chunk instead of a bounds check. */
enum { CLASS_PLAIN = 0, CLASS_STOP = 1 };

struct gd_csv_reader {
    FILE *stream;     /* the input, or NULL for a memory reader */
    const char *mem;  /* a memory reader's bytes */
    size_t mem_len;   /* their number */
    size_t mem_pos;   /* bytes of mem already copied into in */
    size_t chunk;     /* bytes per fill: CSV_CHUNK, or CSV_MEM_CHUNK */
    long long base;   /* input offset of in[0] */
    long long size;   /* a regular file's bytes from where reading began (as
                         fstat saw them at open), or -1 */
    int need_line_end; /* a pipe, socket or terminal: its last line must end
                          with a line end, or the writer may have stopped */
    int owns_stream;  /* 1 if gd_csv_close must fclose it */
    char *name;       /* for messages: the path or "<stdin>" */
    char delim;       /* field separator */
    unsigned char stop_plain[256];  /* bytes that end a run outside quotes */
    unsigned char stop_quoted[256]; /* bytes that end a run inside quotes */

    char *in;         /* chunk buffer: CSV_CHUNK bytes, a sentinel, and
                         CSV_COPY_MAX bytes of slack for fixed-size copies */
    size_t pos;       /* next unread byte of in */
    size_t end;       /* bytes of in that hold input */
    int eof;          /* no more reads: end of file or a read error */
    int started;      /* the first chunk was read (the BOM check is done) */
    int done;         /* the end of input was handed out */

    long line;        /* physical line of in[pos], 1-based */
    long col;         /* byte column of in[pos], 1-based */

    long empty_pending;   /* empty lines read but not yet handed out */
    long empty_line;      /* line of the first of them */

    char *rec;            /* the current record's field texts, back to back */
    size_t rec_len;       /* bytes used in rec */
    size_t rec_cap;       /* bytes allocated for rec */
    gd_csv_field *fields; /* the current record's fields */
    size_t nfields;       /* fields used */
    size_t fields_cap;    /* fields allocated */

    gd_status failed;     /* GD_OK, or the error every later call repeats */
    gd_error saved;       /* that error */
};

/* Records an error in *err and in the reader (so it is repeated by later
 * calls) and returns its status. */
static gd_status csv_fail(gd_csv_reader *r, gd_error *err, gd_status status,
                          long line, long col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static gd_status csv_fail(gd_csv_reader *r, gd_error *err, gd_status status,
                          long line, long col, const char *fmt, ...)
{
    char msg[sizeof r->saved.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->failed = gd_error_set(&r->saved, status, r->name, line, col, "%s", msg);
    if (err != NULL)
        *err = r->saved;
    return status;
}

static gd_status csv_oom(gd_csv_reader *r, gd_error *err)
{
    return csv_fail(r, err, GD_ERR_NOMEM, 0, 0, "out of memory");
}

/* Makes sure in[pos] is a byte of input unless the input is exhausted: when
 * the chunk is used up, reads the next one. Afterwards pos == end means end
 * of input. Skips a BOM at the start of the first chunk. */
static gd_status csv_fill(gd_csv_reader *r, gd_error *err)
{
    if (r->pos < r->end)
        return GD_OK;
    r->base += (long long)r->end;
    r->pos = r->end = 0;
    r->in[0] = '\0';
    if (r->eof)
        return GD_OK;
    if (r->stream == NULL) {
        size_t got = r->mem_len - r->mem_pos;
        if (got > r->chunk)
            got = r->chunk;
        memcpy(r->in, r->mem + r->mem_pos, got);
        r->mem_pos += got;
        r->eof = r->mem_pos == r->mem_len;
        r->end = got;
        r->in[got] = '\0';
        r->started = 1; /* no byte order mark here */
        return GD_OK;
    }
    errno = 0;
    size_t got = fread(r->in, 1, CSV_CHUNK, r->stream);
    if (got < CSV_CHUNK) {
        if (ferror(r->stream)) {
            int e = errno;
            r->eof = 1;
            return csv_fail(r, err, GD_ERR_IO, r->line, r->col, "cannot read: %s",
                            e != 0 ? strerror(e) : "read error");
        }
        r->eof = 1;
        long long total = r->base + (long long)got;
        if (total < r->size)
            return csv_fail(r, err, GD_ERR_IO, r->line, r->col,
                            "cannot read: the file ended after %lld of its %lld bytes "
                            "(was it truncated while being read?)", total, r->size);
    }
    r->end = got;
    r->in[got] = '\0'; /* sentinel for the run scanners */
    if (!r->started) {
        r->started = 1;
        if (got >= 3 && memcmp(r->in, "\xEF\xBB\xBF", 3) == 0)
            r->pos = 3;
    }
    return GD_OK;
}

/* Grows rec so that it holds at least extra more bytes. */
static int csv_rec_reserve(gd_csv_reader *r, size_t extra)
{
    if (r->rec_cap - r->rec_len >= extra)
        return 0;
    size_t cap = r->rec_cap;
    while (cap - r->rec_len < extra) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = realloc(r->rec, cap);
    if (p == NULL)
        return -1;
    r->rec = p;
    r->rec_cap = cap;
    return 0;
}

static int csv_rec_append(gd_csv_reader *r, const char *s, size_t len)
{
    if (csv_rec_reserve(r, len) != 0)
        return -1;
    memcpy(r->rec + r->rec_len, s, len);
    r->rec_len += len;
    return 0;
}

/* Appends a new field to the record (its members unset) or returns NULL
 * when out of memory. */
static gd_csv_field *csv_field_push(gd_csv_reader *r)
{
    assert(r->fields_cap > 0); /* 16 from the start, then doubled */
    if (r->nfields == r->fields_cap) {
        if (r->fields_cap > SIZE_MAX / 2 / sizeof *r->fields)
            return NULL;
        size_t cap = r->fields_cap * 2;
        gd_csv_field *p = realloc(r->fields, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        r->fields = p;
        r->fields_cap = cap;
    }
    return &r->fields[r->nfields++];
}

/* Quotes up to the last CSV_FOUND_MAX bytes of s[0..len) followed by the
 * bytes tail[0..tail_len), for "found ..." in a message. */
static const char *csv_found(const char *s, size_t len, const char *tail,
                             size_t tail_len, char *buf, size_t size)
{
    char tmp[2 * CSV_FOUND_MAX];
    if (len > CSV_FOUND_MAX) {
        s += len - CSV_FOUND_MAX;
        len = CSV_FOUND_MAX;
    }
    if (tail_len > CSV_FOUND_MAX)
        tail_len = CSV_FOUND_MAX;
    memcpy(tmp, s, len);
    memcpy(tmp + len, tail, tail_len);
    return gd_error_quote(tmp, len + tail_len, buf, size);
}

/* Decides what the end of this stream proves: a regular file must yield the
 * bytes its size promised (fewer means it shrank while being read); input
 * from a pipe, socket or terminal has no size, so only a line end after the
 * last row shows that its writer finished. Streams without a descriptor get
 * neither check. */
static void csv_stream_kind(gd_csv_reader *r, FILE *stream)
{
    struct stat sb;
    int fd = fileno(stream);
    if (fd < 0 || fstat(fd, &sb) != 0)
        return;
    if (S_ISREG(sb.st_mode)) {
        off_t at = ftello(stream);
        if (at >= 0 && sb.st_size >= at)
            r->size = (long long)(sb.st_size - at);
    } else if (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode) || S_ISCHR(sb.st_mode)) {
        r->need_line_end = 1;
    }
}

static gd_status csv_open_common(gd_csv_reader **out, FILE *stream, int owns,
                                 const char *name, char delimiter, size_t chunk,
                                 gd_error *err)
{
    gd_csv_reader *r = calloc(1, sizeof *r);
    size_t name_len = strlen(name);
    if (r == NULL)
        goto oom;
    r->stream = stream;
    r->owns_stream = owns;
    r->size = -1;
    if (stream != NULL)
        csv_stream_kind(r, stream);
    r->chunk = chunk;
    r->delim = delimiter;
    r->line = 1;
    r->col = 1;
    r->name = malloc(name_len + 1);
    r->in = calloc(1, chunk + 1 + CSV_COPY_MAX);
    r->rec_cap = 256;
    r->rec = malloc(r->rec_cap);
    r->fields_cap = 16;
    r->fields = malloc(r->fields_cap * sizeof *r->fields);
    if (r->name == NULL || r->in == NULL || r->rec == NULL || r->fields == NULL)
        goto oom;
    memcpy(r->name, name, name_len + 1);
    r->in[0] = '\0';

    r->stop_plain[0] = CLASS_STOP;
    r->stop_plain['\n'] = CLASS_STOP;
    r->stop_plain['\r'] = CLASS_STOP;
    r->stop_plain['"'] = CLASS_STOP;
    r->stop_plain[(unsigned char)delimiter] = CLASS_STOP;
    r->stop_quoted[0] = CLASS_STOP;
    r->stop_quoted['\n'] = CLASS_STOP;
    r->stop_quoted['"'] = CLASS_STOP;

    *out = r;
    return GD_OK;

oom:
    /* The stream is the caller's to close on failure. */
    if (r != NULL)
        r->owns_stream = 0;
    gd_csv_close(r);
    return gd_error_set(err, GD_ERR_NOMEM, name, 0, 0, "out of memory");
}

static int csv_delimiter_ok(char delimiter)
{
    return delimiter != '"' && delimiter != '\r' && delimiter != '\n' &&
           delimiter != '\0';
}

gd_status gd_csv_open(gd_csv_reader **out, const char *path, char delimiter,
                      gd_error *err)
{
    assert(out != NULL && path != NULL);
    *out = NULL;
    if (strcmp(path, "-") == 0)
        return gd_csv_open_stream(out, stdin, "<stdin>", delimiter, err);
    if (!csv_delimiter_ok(delimiter))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "the CSV delimiter cannot be a quote, CR, LF or NUL");
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        return gd_error_set(err, GD_ERR_IO, path, 0, 0, "cannot open: %s",
                            strerror(e));
    }
    gd_status st = csv_open_common(out, f, 1, path, delimiter, CSV_CHUNK, err);
    if (st != GD_OK)
        fclose(f);
    return st;
}

gd_status gd_csv_open_stream(gd_csv_reader **out, FILE *stream,
                             const char *name, char delimiter, gd_error *err)
{
    assert(out != NULL && stream != NULL);
    *out = NULL;
    if (name == NULL)
        name = "<stream>";
    if (!csv_delimiter_ok(delimiter))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "the CSV delimiter cannot be a quote, CR, LF or NUL");
    return csv_open_common(out, stream, 0, name, delimiter, CSV_CHUNK, err);
}

gd_status gd_csv_open_memory(gd_csv_reader **out, const char *data, size_t len,
                             const char *name, char delimiter, long first_line,
                             gd_error *err)
{
    assert(out != NULL && (data != NULL || len == 0));
    *out = NULL;
    if (name == NULL)
        name = "<memory>";
    if (!csv_delimiter_ok(delimiter))
        return gd_error_set(err, GD_ERR_USAGE, NULL, 0, 0,
                            "the CSV delimiter cannot be a quote, CR, LF or NUL");
    gd_status st = csv_open_common(out, NULL, 0, name, delimiter, CSV_MEM_CHUNK, err);
    if (st == GD_OK)
        gd_csv_reset_memory(*out, data, len, first_line);
    return st;
}

void gd_csv_reset_memory(gd_csv_reader *r, const char *data, size_t len,
                         long first_line)
{
    assert(r != NULL && r->stream == NULL);
    r->mem = data;
    r->mem_len = len;
    r->mem_pos = 0;
    r->base = 0;
    r->pos = r->end = 0;
    r->in[0] = '\0';
    r->eof = len == 0;
    r->started = 1;
    r->done = 0;
    r->line = first_line;
    r->col = 1;
    r->empty_pending = 0;
    r->empty_line = 0;
    r->rec_len = 0;
    r->nfields = 0;
    r->failed = GD_OK;
}

void gd_csv_position(const gd_csv_reader *r, long long *offset, long *line)
{
    *offset = r->base + (long long)r->pos;
    *line = r->line;
}

FILE *gd_csv_stream(const gd_csv_reader *r)
{
    return r->stream;
}

long long gd_csv_size(const gd_csv_reader *r)
{
    return r->size;
}

const char *gd_csv_name(const gd_csv_reader *r)
{
    return r->name;
}

void gd_csv_close(gd_csv_reader *r)
{
    if (r == NULL)
        return;
    if (r->owns_stream && r->stream != NULL)
        fclose(r->stream);
    free(r->name);
    free(r->in);
    free(r->rec);
    free(r->fields);
    free(r);
}

/* At a CR outside quotes (in[pos] == '\r'): consumes it and its LF, or fails
 * with the bare CR error at the CR's position. */
static gd_status csv_crlf(gd_csv_reader *r, gd_error *err)
{
    long line = r->line, col = r->col;
    assert(r->pos < r->end && r->in[r->pos] == '\r');
    r->pos++;
    r->col++;
    gd_status st = csv_fill(r, err);
    if (st != GD_OK)
        return st;
    if (r->pos < r->end && r->in[r->pos] == '\n') {
        r->pos++;
        r->line++;
        r->col = 1;
        return GD_OK;
    }
    char found[64];
    char pair[2] = {'\r', (char)(r->pos < r->end ? r->in[r->pos] : '\0')};
    gd_error_quote(pair, r->pos < r->end ? 2 : 1, found, sizeof found);
    return csv_fail(r, err, GD_ERR_DATA, line, col,
                    "carriage return (CR) not followed by a line feed, found \"%s\" "
                    "(lines must end with LF or CRLF)", found);
}

static gd_status csv_nul(gd_csv_reader *r, gd_error *err)
{
    return csv_fail(r, err, GD_ERR_DATA, r->line, r->col,
                    "NUL byte in the input (is this a binary or UTF-16 file?)");
}

/* Appends to rec the bytes from in[pos] up to the first one marked in stop
 * (the buffer's sentinel is), and moves pos and col past them. Returns
 * where it stopped, or NULL when out of memory. */
static const char *csv_take_run(gd_csv_reader *r, const unsigned char *stop)
{
    const char *p = r->in + r->pos;
    const char *q = p;
    while (!stop[(unsigned char)*q])
        q++;
    size_t run = (size_t)(q - p);
    if (run > 0) {
        if (csv_rec_append(r, p, run) != 0)
            return NULL;
        r->pos += run;
        r->col += (long)run;
    }
    return q;
}

/* Parses a quoted field whose opening quote is at in[pos]; stops after the
 * closing quote. Appends the unescaped text to rec. */
static gd_status csv_quoted(gd_csv_reader *r, gd_csv_field *f, size_t start,
                            gd_error *err)
{
    gd_status st;
    r->pos++; /* the opening quote */
    r->col++;
    for (;;) {
        if ((st = csv_fill(r, err)) != GD_OK)
            return st;
        if (r->pos == r->end) {
            char found[200];
            csv_found(r->rec + start, r->rec_len - start, "", 0, found, sizeof found);
            return csv_fail(r, err, GD_ERR_DATA, f->line, f->column,
                            "unterminated quoted field: the quote opened here is "
                            "never closed (the field so far: \"%s\")", found);
        }
        const char *q = csv_take_run(r, r->stop_quoted);
        if (q == NULL)
            return csv_oom(r, err);
        if (r->pos == r->end)
            continue; /* stopped at the sentinel */
        char c = *q;
        if (c == '\n') {
            if (csv_rec_append(r, "\n", 1) != 0)
                return csv_oom(r, err);
            r->pos++;
            r->line++;
            r->col = 1;
        } else if (c == '\0') {
            return csv_nul(r, err);
        } else {
            assert(c == '"');
            r->pos++;
            r->col++;
            if ((st = csv_fill(r, err)) != GD_OK)
                return st;
            if (r->pos < r->end && r->in[r->pos] == '"') {
                /* A doubled quote stands for one quote. */
                if (csv_rec_append(r, "\"", 1) != 0)
                    return csv_oom(r, err);
                r->pos++;
                r->col++;
                continue;
            }
            break; /* the closing quote */
        }
    }
    /* After the closing quote: a delimiter, a line end or the end of input. */
    if (r->pos < r->end) {
        char c = r->in[r->pos];
        if (c == '\0')
            return csv_nul(r, err);
        if (c != r->delim && c != '\n' && c != '\r') {
            const char *p = r->in + r->pos;
            size_t n = 0;
            while (r->pos + n < r->end && n < CSV_FOUND_MAX && p[n] != r->delim &&
                   p[n] != '\n' && p[n] != '\r' && p[n] != '\0')
                n++;
            char found[200];
            gd_error_quote(p, n, found, sizeof found);
            return csv_fail(r, err, GD_ERR_DATA, r->line, r->col,
                            "text after the closing quote of a quoted field, found "
                            "\"%s\" (expected a delimiter or the end of the line)",
                            found);
        }
    }
    return GD_OK;
}

/* Parses an unquoted field starting at in[pos] (or at the end of input); stops
 * at its delimiter, line end or the end of input without consuming it. */
static gd_status csv_plain(gd_csv_reader *r, size_t start, gd_error *err)
{
    for (;;) {
        gd_status st = csv_fill(r, err);
        if (st != GD_OK)
            return st;
        if (r->pos == r->end)
            return GD_OK;
        const char *q = csv_take_run(r, r->stop_plain);
        if (q == NULL)
            return csv_oom(r, err);
        if (r->pos == r->end)
            continue; /* stopped at the sentinel: read on */
        char c = *q;
        if (c == r->delim || c == '\n' || c == '\r')
            return GD_OK;
        if (c == '\0')
            return csv_nul(r, err);
        assert(c == '"');
        char found[200];
        csv_found(r->rec + start, r->rec_len - start, "\"", 1, found, sizeof found);
        return csv_fail(r, err, GD_ERR_DATA, r->line, r->col,
                        "quote inside an unquoted field, found \"%s\" (a field "
                        "with quotes must be quoted as a whole, its quotes doubled)",
                        found);
    }
}

/* Hands out the oldest pending empty line as a record of one empty field. */
static void csv_empty_record(gd_csv_reader *r)
{
    assert(r->empty_pending > 0 && r->fields_cap >= 1);
    r->rec_len = 0;
    r->nfields = 1;
    r->fields[0].text = r->rec;
    r->fields[0].len = 0;
    r->fields[0].line = r->empty_line;
    r->fields[0].column = 1;
    r->fields[0].quoted = 0;
    r->empty_line++;
    r->empty_pending--;
}

gd_status gd_csv_next(gd_csv_reader *r, const gd_csv_field **fields,
                      size_t *nfields, gd_error *err)
{
    gd_status st;
    assert(r != NULL && fields != NULL && nfields != NULL);
    *fields = r->fields;
    *nfields = 0;
    if (r->failed != GD_OK) {
        if (err != NULL)
            *err = r->saved;
        return r->failed;
    }
    if (r->done)
        return GD_OK;

    /* Empty lines: count them; they become records only if more follows. */
    if (r->empty_pending == 0) {
        for (;;) {
            if ((st = csv_fill(r, err)) != GD_OK)
                return st;
            if (r->pos == r->end) {
                r->done = 1; /* trailing empty lines are dropped */
                r->empty_pending = 0;
                return GD_OK;
            }
            char c = r->in[r->pos];
            long line = r->line;
            if (c == '\n') {
                r->pos++;
                r->line++;
                r->col = 1;
            } else if (c == '\r') {
                if ((st = csv_crlf(r, err)) != GD_OK)
                    return st;
            } else {
                break;
            }
            if (r->empty_pending++ == 0)
                r->empty_line = line;
        }
    }
    if (r->empty_pending > 0) {
        csv_empty_record(r);
        *nfields = 1;
        return GD_OK;
    }

    /* A record: fields until a line end or the end of input. */
    const unsigned char *stop = r->stop_plain;
    const char delim = r->delim;
    r->rec_len = 0;
    r->nfields = 0;
    for (;;) {
        gd_csv_field *f = csv_field_push(r);
        if (f == NULL)
            return csv_oom(r, err);
        size_t start = r->rec_len;
        if ((st = csv_fill(r, err)) != GD_OK)
            return st;
        f->line = r->line;
        f->column = r->col;
        f->quoted = 0;
        if (r->pos < r->end && r->in[r->pos] != '"') {
            /* Fast path: an unquoted field that ends inside this chunk. */
            const char *p = r->in + r->pos;
            const char *q = p;
            while (!stop[(unsigned char)*q])
                q++;
            size_t run = (size_t)(q - p);
            /* At the sentinel *q is NUL, so q < end holds below. */
            int crlf = *q == '\r' && q + 1 < r->in + r->end && q[1] == '\n';
            if (*q == delim || *q == '\n' || crlf) {
                assert(q < r->in + r->end);
                if (r->rec_cap - r->rec_len >= CSV_COPY_MAX && run <= CSV_COPY_MAX)
                    /* A fixed size compiles to a few moves; the slack of both
                     * buffers covers the bytes copied past the field. */
                    memcpy(r->rec + r->rec_len, p, CSV_COPY_MAX);
                else if (csv_rec_reserve(r, run) != 0)
                    return csv_oom(r, err);
                else
                    memcpy(r->rec + r->rec_len, p, run);
                r->rec_len += run;
                f->len = run;
                r->pos += run + 1 + (size_t)crlf;
                if (*q == delim) {
                    r->col += (long)run + 1;
                    continue;
                }
                r->line++;
                r->col = 1;
                break;
            }
            /* Anything else (a quote, CR, NUL, the chunk's end): slow path. */
        }
        if (r->pos < r->end && r->in[r->pos] == '"') {
            f->quoted = 1;
            st = csv_quoted(r, f, start, err);
        } else {
            st = csv_plain(r, start, err);
        }
        if (st != GD_OK)
            return st;
        f->len = r->rec_len - start; /* f is still valid: no push since */
        if (r->pos == r->end) {
            if (r->need_line_end)
                return csv_fail(r, err, GD_ERR_DATA, r->line, r->col,
                                "the input ended in the middle of a line: its last "
                                "line has no line end, so the program writing it may "
                                "have stopped early (if the line is complete, end it "
                                "with a newline)");
            break; /* end of input ends the record */
        }
        char c = r->in[r->pos];
        if (c == r->delim) {
            r->pos++;
            r->col++;
            continue;
        }
        if (c == '\n') {
            r->pos++;
            r->line++;
            r->col = 1;
            break;
        }
        assert(c == '\r');
        if ((st = csv_crlf(r, err)) != GD_OK)
            return st;
        break;
    }

    /* The texts lie back to back in rec, which may have moved while growing. */
    size_t off = 0;
    for (size_t k = 0; k < r->nfields; k++) {
        r->fields[k].text = r->rec + off;
        off += r->fields[k].len;
    }
    assert(off == r->rec_len);
    *fields = r->fields;
    *nfields = r->nfields;
    return GD_OK;
}
