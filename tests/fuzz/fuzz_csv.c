/*
 * fuzz_csv: the CSV reader and the dataset loader on arbitrary bytes.
 *
 * Input layout: byte 0 chooses the options, byte 1 the padding, the rest is
 * the CSV text.
 *   byte 0 bits 0-2  delimiter: , ; TAB | space . e 0
 *          bit 3     need_target for gd_dataset_load
 *          bits 4-5  target: last column, "y", "a", "b"
 *          bit 6     features: all others, or the list "a","b"
 *          bit 7     pad, if byte 1's top two bits are also set: put the text
 *                    just after the reader's 256 KiB chunk boundary, behind
 *                    one long quoted record, so that the boundary falls
 *                    inside the fuzzed bytes (raw reader only). Padding costs
 *                    ten times a plain run, hence the rarer combination.
 *   byte 1 bits 0-5  the boundary falls this many bytes into the text
 * Steps:
 *  0. A reference reader here, written from csv.h and the decisions listed at
 *     the top of csv.c (byte by byte, no buffering: simple rather than fast),
 *     splits the text into records, or says it is malformed.
 *  1. gd_csv_open_stream on fmemopen of the text; read every record and
 *     compare it with the reference's (fields, bytes, quoted flags, lines
 *     and columns); malformed text must fail, and well-formed text must not.
 *     Also: touching each field's first and last byte (ASan), checking positions
 *     (line, column >= 1, lines never go back), that an unquoted field holds
 *     no delimiter, quote or LF, and that the end, once reached, stays the
 *     end; on error, the status is DATA or IO with a one-line message (DATA
 *     with its place), and the reader repeats it.
 *  2. gd_dataset_load on the same text in a temporary file; on success every
 *     cell is finite and the names are there, and gd_dataset_standardize must
 *     either fail cleanly or give finite z-scores with positive stds.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "gdtrain/dataset.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* csv.c reads in chunks of this many bytes (CSV_CHUNK there). If it changes,
 * the padding only stops landing on the boundary; nothing breaks. */
#define FUZZ_CSV_CHUNK ((size_t)256 * 1024)

static const char delimiters[8] = {',', ';', '\t', '|', ' ', '.', 'e', '0'};
static const char *const targets[4] = {NULL, "y", "a", "b"};
static const char *const feature_list[2] = {"a", "b"};

static void check_error(const gd_error *err, gd_status st, const char *what)
{
    FUZZ_CHECK(st == GD_ERR_DATA || st == GD_ERR_IO || st == GD_ERR_USAGE,
               "%s: status %d", what, (int)st);
    FUZZ_CHECK(err->status == st, "%s: err.status %d, returned %d", what,
               (int)err->status, (int)st);
    FUZZ_CHECK(memchr(err->message, '\0', sizeof err->message) != NULL &&
                   err->message[0] != '\0',
               "%s: empty or unterminated message", what);
    FUZZ_CHECK(strchr(err->message, '\n') == NULL, "%s: message has a newline: %s",
               what, err->message);
    FUZZ_CHECK(err->line >= 0 && err->column >= 0, "%s: position %ld:%ld", what,
               err->line, err->column);
}

/* ---- The reference reader ---------------------------------------------- */

typedef struct ref_field {
    size_t off, len; /* bytes in ref.text */
    long line, column;
    int quoted;
} ref_field;

typedef struct ref_csv {
    char *text;         /* field contents back to back */
    size_t text_len, text_cap;
    ref_field *fields;
    size_t nfields, fields_cap;
    size_t *rec_start;  /* index of each record's first field; one extra at the end */
    size_t nrecs, recs_cap;
} ref_csv;

static void ref_free(ref_csv *o)
{
    free(o->text);
    free(o->fields);
    free(o->rec_start);
    memset(o, 0, sizeof *o);
}

static void ref_byte(ref_csv *o, char c)
{
    if (o->text_len == o->text_cap) {
        o->text_cap = o->text_cap ? 2 * o->text_cap : 256;
        o->text = realloc(o->text, o->text_cap);
        FUZZ_CHECK(o->text != NULL, "out of memory");
    }
    o->text[o->text_len++] = c;
}

static ref_field *ref_field_new(ref_csv *o, long line, long column, int quoted)
{
    if (o->nfields == o->fields_cap) {
        o->fields_cap = o->fields_cap ? 2 * o->fields_cap : 16;
        o->fields = realloc(o->fields, o->fields_cap * sizeof *o->fields);
        FUZZ_CHECK(o->fields != NULL, "out of memory");
    }
    ref_field *f = &o->fields[o->nfields++];
    f->off = o->text_len;
    f->len = 0;
    f->line = line;
    f->column = column;
    f->quoted = quoted;
    return f;
}

/* Marks that a record starts at the next field (and, at the end, where the
 * last one stops). */
static void ref_record(ref_csv *o)
{
    if (o->nrecs + 1 >= o->recs_cap) {
        o->recs_cap = o->recs_cap ? 2 * o->recs_cap : 16;
        o->rec_start = realloc(o->rec_start, o->recs_cap * sizeof *o->rec_start);
        FUZZ_CHECK(o->rec_start != NULL, "out of memory");
    }
    o->rec_start[o->nrecs++] = o->nfields;
}

/* Splits s[0..n) into *o. Returns 0, or -1 if the text is malformed: a NUL
 * byte, a CR outside quotes not followed by LF, a quote inside an unquoted
 * field, text after a closing quote, or an unterminated quoted field.
 * Empty lines (nothing before their LF or CRLF) are records of one empty
 * field, except after the last non-empty line, where they are dropped. A
 * UTF-8 BOM at the start is skipped and takes no column. */
static int ref_parse(const char *s, size_t n, char delim, ref_csv *o)
{
    size_t i = 0, pending = 0;
    long line = 1, col = 1, pending_line = 0;
    memset(o, 0, sizeof *o);
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n) {
        if (s[i] == '\n' || (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')) {
            if (pending++ == 0)
                pending_line = line;
            i += s[i] == '\r' ? 2 : 1;
            line++;
            col = 1;
            continue;
        }
        for (; pending > 0; pending--, pending_line++) {
            ref_record(o);
            ref_field_new(o, pending_line, 1, 0);
        }
        ref_record(o);
        for (;;) { /* one field per turn */
            if (s[i] == '"') {
                ref_field *f;
                ref_field_new(o, line, col, 1);
                i++;
                col++;
                for (;;) {
                    if (i >= n || s[i] == '\0')
                        return -1;
                    if (s[i] == '"') {
                        if (i + 1 < n && s[i + 1] == '"') {
                            ref_byte(o, '"');
                            f = &o->fields[o->nfields - 1];
                            f->len++;
                            i += 2;
                            col += 2;
                            continue;
                        }
                        i++;
                        col++;
                        break;
                    }
                    ref_byte(o, s[i]);
                    f = &o->fields[o->nfields - 1];
                    f->len++;
                    if (s[i] == '\n') {
                        line++;
                        col = 1;
                    } else {
                        col++;
                    }
                    i++;
                }
                if (i < n && s[i] != delim && s[i] != '\n' && s[i] != '\r')
                    return -1;
            } else {
                ref_field_new(o, line, col, 0);
                while (i < n && s[i] != delim && s[i] != '\n' && s[i] != '\r') {
                    if (s[i] == '"' || s[i] == '\0')
                        return -1;
                    ref_byte(o, s[i]);
                    o->fields[o->nfields - 1].len++;
                    i++;
                    col++;
                }
            }
            if (i >= n)
                break;
            if (s[i] == delim) {
                i++;
                col++;
                if (i >= n) { /* a delimiter at the very end: one more, empty field */
                    ref_field_new(o, line, col, 0);
                    break;
                }
                continue;
            }
            if (s[i] == '\r') {
                if (i + 1 >= n || s[i + 1] != '\n')
                    return -1;
                i++;
            }
            i++; /* the LF */
            line++;
            col = 1;
            break;
        }
    }
    ref_record(o); /* the end of the last record */
    o->nrecs--;
    return 0;
}

/* Step 1: every record of text[0..len) with the raw reader, against the
 * reference. */
static void read_records(const char *text, size_t len, char delim)
{
    FILE *fp = fmemopen((void *)text, len, "rb");
    FUZZ_CHECK(fp != NULL, "fmemopen failed");
    gd_csv_reader *r = NULL;
    gd_error err;
    gd_error_clear(&err);
    gd_status st = gd_csv_open_stream(&r, fp, "fuzz.csv", delim, &err);
    FUZZ_CHECK(st == GD_OK && r != NULL, "open_stream: %s", err.message);
    FUZZ_CHECK(strcmp(gd_csv_name(r), "fuzz.csv") == 0, "name %s", gd_csv_name(r));

    ref_csv ref;
    int ref_ok = ref_parse(text, len, delim, &ref) == 0;
    long last_line = 0;
    size_t records = 0;
    for (;;) {
        const gd_csv_field *f = NULL;
        size_t nf = 12345;
        st = gd_csv_next(r, &f, &nf, &err);
        if (st != GD_OK) {
            check_error(&err, st, "gd_csv_next");
            FUZZ_CHECK(!ref_ok, "error on record %zu of well-formed text: %ld:%ld: %s",
                       records + 1, err.line, err.column, err.message);
            if (st == GD_ERR_DATA)
                FUZZ_CHECK(err.line >= 1 && err.column >= 1 &&
                               strcmp(err.file, "fuzz.csv") == 0,
                           "data error without its place: %s:%ld:%ld: %s", err.file,
                           err.line, err.column, err.message);
            /* The reader is stuck on its first error. */
            gd_error again;
            gd_error_clear(&again);
            gd_status st2 = gd_csv_next(r, &f, &nf, &again);
            FUZZ_CHECK(st2 == st && again.line == err.line &&
                           again.column == err.column &&
                           strcmp(again.message, err.message) == 0,
                       "second call after an error differs: %s / %s", err.message,
                       again.message);
            break;
        }
        if (nf == 0) {
            /* The end stays the end. */
            st = gd_csv_next(r, &f, &nf, &err);
            FUZZ_CHECK(st == GD_OK && nf == 0, "records after the end");
            FUZZ_CHECK(ref_ok, "malformed text read without an error");
            FUZZ_CHECK(records == ref.nrecs, "%zu records, the reference has %zu",
                       records, ref.nrecs);
            break;
        }
        FUZZ_CHECK(f != NULL, "no fields for %zu", nf);
        records++;
        if (ref_ok) {
            FUZZ_CHECK(records <= ref.nrecs, "record %zu, the reference has %zu",
                       records, ref.nrecs);
            size_t first = ref.rec_start[records - 1];
            size_t rnf = ref.rec_start[records] - first;
            FUZZ_CHECK(nf == rnf, "record %zu: %zu fields, the reference has %zu",
                       records, nf, rnf);
            for (size_t i = 0; i < nf; i++) {
                const ref_field *rf = &ref.fields[first + i];
                FUZZ_CHECK(f[i].len == rf->len &&
                               (rf->len == 0 ||
                                memcmp(f[i].text, ref.text + rf->off, rf->len) == 0),
                           "record %zu field %zu: text differs", records, i + 1);
                FUZZ_CHECK(f[i].quoted == rf->quoted && f[i].line == rf->line &&
                               f[i].column == rf->column,
                           "record %zu field %zu: quoted %d at %ld:%ld, the reference "
                           "%d at %ld:%ld", records, i + 1, f[i].quoted, f[i].line,
                           f[i].column, rf->quoted, rf->line, rf->column);
            }
        }
        for (size_t i = 0; i < nf; i++) {
            FUZZ_CHECK(f[i].line >= 1 && f[i].column >= 1, "field at %ld:%ld",
                       f[i].line, f[i].column);
            FUZZ_CHECK(f[i].line >= last_line, "line went back from %ld to %ld",
                       last_line, f[i].line);
            FUZZ_CHECK(f[i].quoted == 0 || f[i].quoted == 1, "quoted %d", f[i].quoted);
            FUZZ_CHECK(f[i].len <= len, "field longer than the input");
            FUZZ_CHECK(f[i].len == 0 || f[i].text != NULL, "NULL text");
            if (f[i].len > 0)
                fuzz_touch(f[i].text, f[i].len);
            if (!f[i].quoted && f[i].len > 0)
                FUZZ_CHECK(memchr(f[i].text, delim, f[i].len) == NULL &&
                               memchr(f[i].text, '\n', f[i].len) == NULL &&
                               memchr(f[i].text, '"', f[i].len) == NULL,
                           "unquoted field holds a delimiter, LF or quote");
            last_line = f[i].line;
        }
    }
    ref_free(&ref);
    gd_csv_close(r);
    fclose(fp);
}

/* Step 2: gd_dataset_load (and standardize) on text[0..len). */
static void load_dataset(const char *text, size_t len, uint8_t flags)
{
    const char *path = fuzz_tmp_path("data.csv");
    fuzz_write_file(path, (const uint8_t *)text, len);

    gd_load_options opt;
    memset(&opt, 0, sizeof opt);
    opt.path = path;
    opt.delimiter = delimiters[flags & 7];
    opt.need_target = (flags >> 3) & 1;
    opt.target = targets[(flags >> 4) & 3];
    if (flags & 0x40) {
        opt.features = feature_list;
        opt.nfeatures = 2;
    }

    gd_dataset ds;
    gd_error err;
    gd_error_clear(&err);
    gd_status st = gd_dataset_load(&ds, &opt, &err);
    if (st != GD_OK) {
        check_error(&err, st, "gd_dataset_load");
        FUZZ_CHECK(ds.x == NULL && ds.y == NULL && ds.feature_names == NULL &&
                       ds.target_name == NULL && ds.n == 0,
                   "dataset not left empty on error");
        gd_dataset_free(&ds);
        return;
    }
    FUZZ_CHECK(ds.n >= 1, "no rows");
    FUZZ_CHECK(opt.features == NULL || ds.d == 2, "d %zu for two features", ds.d);
    FUZZ_CHECK(ds.d == 0 || (ds.x != NULL && ds.feature_names != NULL),
               "missing X or names");
    for (size_t j = 0; j < ds.d; j++)
        FUZZ_CHECK(ds.feature_names[j] != NULL, "feature name %zu is NULL", j);
    if (opt.need_target)
        FUZZ_CHECK(ds.y != NULL && ds.target_name != NULL, "no target");
    if (opt.need_target && opt.target != NULL)
        FUZZ_CHECK(strcmp(ds.target_name, opt.target) == 0, "target %s, asked %s",
                   ds.target_name, opt.target);
    for (size_t i = 0; i < ds.n * ds.d; i++)
        FUZZ_CHECK(isfinite(ds.x[i]), "x[%zu] = %g", i, ds.x[i]);
    if (ds.y != NULL)
        for (size_t i = 0; i < ds.n; i++)
            FUZZ_CHECK(isfinite(ds.y[i]), "y[%zu] = %g", i, ds.y[i]);

    if (ds.y != NULL) {
        gd_scaling sc;
        memset(&sc, 0, sizeof sc);
        gd_error_clear(&err);
        st = gd_dataset_standardize(&ds, &sc, &err);
        if (st != GD_OK) {
            check_error(&err, st, "gd_dataset_standardize");
        } else {
            FUZZ_CHECK(sc.d == ds.d, "scaling d %zu, dataset %zu", sc.d, ds.d);
            for (size_t j = 0; j < ds.d; j++)
                FUZZ_CHECK(isfinite(sc.x_mean[j]) && isfinite(sc.x_std[j]) &&
                               sc.x_std[j] > 0,
                           "column %zu: mean %g std %g", j, sc.x_mean[j], sc.x_std[j]);
            FUZZ_CHECK(isfinite(sc.y_mean) && isfinite(sc.y_std) && sc.y_std > 0,
                       "target: mean %g std %g", sc.y_mean, sc.y_std);
            for (size_t i = 0; i < ds.n * ds.d; i++)
                FUZZ_CHECK(isfinite(ds.x[i]), "z-scored x[%zu] = %g", i, ds.x[i]);
            for (size_t i = 0; i < ds.n; i++)
                FUZZ_CHECK(isfinite(ds.y[i]), "z-scored y[%zu] = %g", i, ds.y[i]);
        }
        gd_scaling_free(&sc);
    }
    gd_dataset_free(&ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t flags = data[0];
    size_t pad_back = data[1] % 64;
    const char *text = (const char *)data + 2;
    size_t len = size - 2;
    char delim = delimiters[flags & 7];

    if ((flags & 0x80) && (data[1] & 0xC0) == 0xC0) {
        /* One record "aaa...a" filling the chunk up to pad_back bytes before
         * its end, so the chunk boundary falls pad_back bytes into the text.
         * The buffer stays filled with 'a' between calls; only the bytes
         * written for this call are put back. */
        static char *buf;
        static size_t cap;
        size_t pad = FUZZ_CSV_CHUNK - pad_back;
        size_t total = pad + len;
        if (total > cap) {
            free(buf);
            buf = malloc(total);
            FUZZ_CHECK(buf != NULL, "out of memory");
            memset(buf, 'a', total);
            buf[0] = '"';
            cap = total;
        }
        FUZZ_CHECK(buf != NULL, "no padding buffer");
        buf[pad - 2] = '"';
        buf[pad - 1] = '\n';
        memcpy(buf + pad, text, len);
        read_records(buf, total, delim);
        memset(buf + pad - 2, 'a', len + 2);
    } else {
        read_records(text, len, delim);
    }
    load_dataset(text, len, flags);
    return 0;
}
