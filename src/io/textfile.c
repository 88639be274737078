/*
 * textfile: reading and writing gdtrain's line-oriented text files (the
 * model file, the checkpoint). See textfile.h for the rules they share; each
 * format's module (model.c, checkpoint.c) parses its own keyword lines with
 * the helpers here.
 */
#include "io/textfile.h"

#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "io/atomicfile.h"
#include "io/numformat.h"

/* ---------------------------------------------------------------------- */
/* Reading the file                                                        */

/* Reads all of path ("-": standard input, left open) into a new
 * NUL-terminated buffer. GD_ERR_IO if it cannot be read, GD_ERR_DATA if it is
 * larger than max_size. */
static gd_status read_small_file(const char *path, size_t max_size, const char *kind,
                                 char **out, size_t *outlen, gd_error *err)
{
    gd_status st = GD_OK;
    size_t cap = 4096, len = 0;
    char *buf = NULL;
    *out = NULL;
    *outlen = 0;
    /* "-": standard input, read like a file and left open. */
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (fp == stdin)
        path = "<stdin>"; /* for messages */
    if (fp == NULL)
        return gd_error_set(err, GD_ERR_IO, path, 0, 0, "cannot open: %s",
                            strerror(errno));
    buf = malloc(cap + 1);
    if (buf == NULL) {
        st = gd_error_set(err, GD_ERR_NOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    for (;;) {
        if (len == cap) {
            /* Grow up to one byte past the limit, to see if there is more. */
            if (cap > max_size) {
                st = gd_error_set(err, GD_ERR_DATA, path, 0, 0,
                                  "file is larger than %zu MiB: not a %s file",
                                  max_size >> 20, kind);
                goto done;
            }
            size_t ncap = cap * 2 <= max_size ? cap * 2 : max_size + 1;
            char *nbuf = realloc(buf, ncap + 1);
            if (nbuf == NULL) {
                st = gd_error_set(err, GD_ERR_NOMEM, path, 0, 0, "out of memory");
                goto done;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (len < cap) {
            if (ferror(fp)) {
                st = gd_error_set(err, GD_ERR_IO, path, 0, 0, "cannot read: %s",
                                  strerror(errno));
                goto done;
            }
            if (feof(fp))
                break;
        }
    }
    buf[len] = '\0';
    if (fp != stdin)
        fclose(fp);
    *out = buf;
    *outlen = len;
    return GD_OK;

done:
    if (fp != stdin)
        fclose(fp);
    free(buf);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Scanning a line                                                         */

gd_status gd_text_fail_at(gd_text_reader *r, size_t pos, const char *fmt, ...)
{
    char msg[sizeof r->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return gd_error_set(r->err, GD_ERR_DATA, r->path, r->lineno, (long)pos + 1, "%s",
                        msg);
}

gd_status gd_text_out_of_memory(gd_text_reader *r)
{
    return gd_error_set(r->err, GD_ERR_NOMEM, r->path, 0, 0, "out of memory");
}

const char *gd_text_quote(const gd_text_reader *r, size_t pos, size_t end, char *buf,
                          size_t size)
{
    assert(pos <= end && end <= r->len);
    return gd_error_quote(r->line + pos, end - pos, buf, size);
}

size_t gd_text_skip_blanks(const gd_text_reader *r, size_t pos)
{
    while (pos < r->len && gd_text_is_blank(r->line[pos]))
        pos++;
    return pos;
}

size_t gd_text_token_end(const gd_text_reader *r, size_t pos)
{
    while (pos < r->len && !gd_text_is_blank(r->line[pos]))
        pos++;
    return pos;
}

/* 1 if s[0..n) is [+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits]. */
static int is_decimal(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; i < n && gd_text_is_digit(s[i]); i++)
        digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && gd_text_is_digit(s[i]); i++)
            digits++;
    if (digits == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        for (; i < n && gd_text_is_digit(s[i]); i++)
            exp_digits++;
        if (exp_digits == 0)
            return 0;
    }
    return i == n;
}

/* Case-insensitive: does s[0..n) start, after a sign, with "inf" or "nan"? */
static int looks_non_finite(const char *s, size_t n)
{
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        s++;
        n--;
    }
    if (n < 3)
        return 0;
    char w[4];
    for (int i = 0; i < 3; i++)
        w[i] = (char)(s[i] | 0x20); /* ASCII lower case */
    w[3] = '\0';
    return strcmp(w, "inf") == 0 || strcmp(w, "nan") == 0;
}

/* The infinity written by gd_text_write_double, with an optional '+': sets
 * *out and returns 1 if s[0..n) is "inf", "+inf" or "-inf". */
static int is_written_inf(const char *s, size_t n, double *out)
{
    double sign = 1.0;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        sign = s[0] == '-' ? -1.0 : 1.0;
        s++;
        n--;
    }
    if (n != 3 || memcmp(s, "inf", 3) != 0)
        return 0;
    *out = sign * INFINITY;
    return 1;
}

/* gd_text_parse_number, and with allow_inf the infinities too. Must run
 * under the C locale. */
static gd_status parse_double(gd_text_reader *r, size_t *pos, const char *what,
                              int allow_inf, double *out)
{
    char q[128];
    size_t start = gd_text_skip_blanks(r, *pos);
    if (start == r->len)
        return gd_text_fail_at(r, start, "expected %s (a number), found the end of the "
                                         "line", what);
    size_t end = gd_text_token_end(r, start);
    char *tok = r->line + start;
    size_t n = end - start;
    if (allow_inf && is_written_inf(tok, n, out)) {
        *pos = end;
        return GD_OK;
    }
    if (!is_decimal(tok, n)) {
        if (allow_inf && looks_non_finite(tok, n))
            return gd_text_fail_at(r, start, "%s must be a number, inf or -inf, found "
                                             "\"%s\"", what,
                                   gd_text_quote(r, start, end, q, sizeof q));
        if (looks_non_finite(tok, n))
            return gd_text_fail_at(r, start, "%s must be a finite number, found \"%s\"",
                                   what, gd_text_quote(r, start, end, q, sizeof q));
        return gd_text_fail_at(r, start, "expected %s (a decimal number), found \"%s\"",
                               what, gd_text_quote(r, start, end, q, sizeof q));
    }
    /* strtod needs a terminator: borrow the byte after the token (a blank, the
     * line's end or the buffer's final NUL) and put it back. */
    char saved = tok[n];
    tok[n] = '\0';
    char *stop = NULL;
    errno = 0;
    double v = strtod(tok, &stop);
    tok[n] = saved;
    if (stop != tok + n)
        return gd_text_fail_at(r, start, "expected %s (a decimal number), found \"%s\"",
                               what, gd_text_quote(r, start, end, q, sizeof q));
    /* ERANGE also flags underflow to a subnormal, which the writer's output can
     * legitimately need; only overflow is an error. */
    if (!isfinite(v))
        return gd_text_fail_at(r, start, "%s is out of range, found \"%s\"", what,
                               gd_text_quote(r, start, end, q, sizeof q));
    *out = v;
    *pos = end;
    return GD_OK;
}

gd_status gd_text_parse_number(gd_text_reader *r, size_t *pos, const char *what,
                               double *out)
{
    return parse_double(r, pos, what, 0, out);
}

gd_status gd_text_parse_number_or_inf(gd_text_reader *r, size_t *pos, const char *what,
                                      double *out)
{
    return parse_double(r, pos, what, 1, out);
}

gd_status gd_text_parse_std(gd_text_reader *r, size_t *pos, const char *what,
                            double *out)
{
    char q[128];
    size_t start = gd_text_skip_blanks(r, *pos);
    gd_status st = gd_text_parse_number(r, pos, what, out);
    if (st == GD_OK && !(*out > 0))
        return gd_text_fail_at(r, start, "%s must be > 0, found \"%s\"", what,
                               gd_text_quote(r, start, *pos, q, sizeof q));
    return st;
}

gd_status gd_text_parse_uint(gd_text_reader *r, size_t *pos, const char *what,
                             uint64_t max, uint64_t *out)
{
    char q[128];
    size_t start = gd_text_skip_blanks(r, *pos);
    if (start == r->len)
        return gd_text_fail_at(r, start, "expected %s (an integer), found the end of "
                                         "the line", what);
    size_t end = gd_text_token_end(r, start);
    uint64_t v = 0;
    int too_big = 0;
    for (size_t i = start; i < end; i++) {
        if (!gd_text_is_digit(r->line[i]))
            return gd_text_fail_at(r, start, "expected %s (digits), found \"%s\"", what,
                                   gd_text_quote(r, start, end, q, sizeof q));
        unsigned digit = (unsigned)(r->line[i] - '0');
        if (digit > max || v > (max - digit) / 10) /* v * 10 + digit > max */
            too_big = 1;
        else
            v = v * 10 + digit;
    }
    if (too_big)
        return gd_text_fail_at(r, start, "%s is out of range (at most %llu), found \"%s\"",
                               what, (unsigned long long)max,
                               gd_text_quote(r, start, end, q, sizeof q));
    *out = v;
    *pos = end;
    return GD_OK;
}

gd_status gd_text_expect_end_of_line(gd_text_reader *r, size_t pos, const char *after)
{
    char q[128];
    pos = gd_text_skip_blanks(r, pos);
    if (pos < r->len)
        return gd_text_fail_at(r, pos, "unexpected text after %s, found \"%s\"", after,
                               gd_text_quote(r, pos, r->len, q, sizeof q));
    return GD_OK;
}

gd_status gd_text_parse_text(gd_text_reader *r, size_t pos, const char *noun, char **out)
{
    char q[32];
    *out = NULL;
    size_t start = pos;
    if (pos < r->len) {
        assert(gd_text_is_blank(r->line[pos]));
        start = pos + 1;
    }
    char *s = malloc(r->len - start + 1);
    if (s == NULL)
        return gd_text_out_of_memory(r);
    size_t n = 0;
    for (size_t i = start; i < r->len; i++) {
        char c = r->line[i];
        if (c == '\\') {
            if (i + 1 == r->len) {
                free(s);
                return gd_text_fail_at(r, i, "a backslash ends the line; a backslash "
                                             "in %s is written \"\\\\\"", noun);
            }
            char e = r->line[i + 1];
            if (e == '\\')
                c = '\\';
            else if (e == 'n')
                c = '\n';
            else if (e == 'r')
                c = '\r';
            else {
                free(s);
                return gd_text_fail_at(r, i, "unknown escape \"%s\" (only \\\\, \\n "
                                             "and \\r are allowed)",
                                       gd_text_quote(r, i, i + 2, q, sizeof q));
            }
            i++;
        }
        s[n++] = c;
    }
    s[n] = '\0';
    *out = s;
    return GD_OK;
}

/* ---------------------------------------------------------------------- */
/* The file's outline                                                      */

/* The first lines a format accepts, for messages: "<magic> <version>", or
 * "<magic> <oldest>" or (to) "<magic> <version>" when it reads older ones. */
static const char *version_lines(const gd_text_format *fmt, char *buf, size_t size)
{
    if (fmt->oldest > 0 && fmt->oldest < fmt->version)
        snprintf(buf, size, "\"%s %d\" %s \"%s %d\"", fmt->magic, fmt->oldest,
                 fmt->oldest + 1 == fmt->version ? "or" : "to", fmt->magic, fmt->version);
    else
        snprintf(buf, size, "\"%s %d\"", fmt->magic, fmt->version);
    return buf;
}

/* The first meaningful line: "<magic> <version>". */
static gd_status parse_version(gd_text_reader *r, const gd_text_format *fmt)
{
    char q[128], lines[128];
    size_t end = gd_text_token_end(r, 0);
    if (end != strlen(fmt->magic) || memcmp(r->line, fmt->magic, end) != 0)
        return gd_text_fail_at(r, 0, "not a gdtrain %s file: expected %s, found \"%s\"",
                               fmt->kind, version_lines(fmt, lines, sizeof lines),
                               gd_text_quote(r, 0, r->len, q, sizeof q));
    size_t start = gd_text_skip_blanks(r, end);
    end = gd_text_token_end(r, start);
    if (start == end)
        return gd_text_fail_at(r, start, "expected the format version after '%s', "
                                         "found the end of the line", fmt->magic);
    long version = 0;
    for (size_t i = start; i < end; i++) {
        if (!gd_text_is_digit(r->line[i]))
            return gd_text_fail_at(r, start, "expected the format version (digits), "
                                             "found \"%s\"",
                                   gd_text_quote(r, start, end, q, sizeof q));
        if (version < 1000000)
            version = version * 10 + (r->line[i] - '0');
    }
    if (version > fmt->version)
        return gd_text_fail_at(r, start, "%s format version %s is newer than this "
                                         "gdtrain supports (%d)", fmt->kind,
                               gd_text_quote(r, start, end, q, sizeof q), fmt->version);
    if (version < (fmt->oldest ? fmt->oldest : fmt->version)) {
        if (fmt->oldest > 0 && fmt->oldest < fmt->version)
            snprintf(lines, sizeof lines, "versions %d to %d", fmt->oldest, fmt->version);
        else
            snprintf(lines, sizeof lines, "version %d", fmt->version);
        return gd_text_fail_at(r, start, "unknown %s format version %s (this gdtrain "
                                         "reads %s)", fmt->kind,
                               gd_text_quote(r, start, end, q, sizeof q), lines);
    }
    r->version = (int)version;
    return gd_text_expect_end_of_line(r, end, "the format version");
}

/* The keyword at the start of the line: its index in *k. */
static gd_status find_keyword(gd_text_reader *r, const gd_text_format *fmt, size_t kw_end,
                              int *k)
{
    char q[128];
    if (kw_end == 0)
        return gd_text_fail_at(r, 0, "expected a keyword at the start of the line, "
                                     "found \"%s\"",
                               gd_text_quote(r, 0, r->len, q, sizeof q));
    for (int i = 0; i < fmt->nkeywords; i++) {
        const char *name = fmt->keywords[i];
        if (strlen(name) == kw_end && memcmp(name, r->line, kw_end) == 0) {
            *k = i;
            return GD_OK;
        }
    }
    /* "a, b, c or d" */
    char list[512];
    size_t used = 0;
    list[0] = '\0';
    for (int i = 0; i < fmt->nkeywords && used < sizeof list; i++) {
        const char *sep = i == 0 ? "" : i + 1 == fmt->nkeywords ? " or " : ", ";
        int n = snprintf(list + used, sizeof list - used, "%s%s", sep, fmt->keywords[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return gd_text_fail_at(r, 0, "unknown keyword \"%s\" (expected %s)",
                           gd_text_quote(r, 0, kw_end, q, sizeof q), list);
}

static int is_ignored(const gd_text_reader *r)
{
    return (r->len > 0 && r->line[0] == '#') || gd_text_skip_blanks(r, 0) == r->len;
}

/* Parses buf[0..size) (NUL-terminated at size). */
static gd_status parse_file(gd_text_reader *r, const gd_text_format *fmt, char *buf,
                            size_t size, gd_text_line_fn line_fn, void *user)
{
    char q[128];
    char *p = buf, *limit = buf + size;
    int have_version = 0, done = 0;
    gd_status st = GD_OK;

    if (size >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        p += 3; /* a UTF-8 byte order mark */

    while (p < limit) {
        char *nl = memchr(p, '\n', (size_t)(limit - p));
        char *line_end = nl ? nl : limit;
        r->lineno++;
        r->line = p;
        r->len = (size_t)(line_end - p);
        p = nl ? nl + 1 : limit;
        char *nul = memchr(r->line, '\0', r->len);
        if (nul != NULL)
            return gd_text_fail_at(r, (size_t)(nul - r->line),
                                   "a NUL byte: not a text file");
        if (r->len > 0 && r->line[r->len - 1] == '\r')
            r->len--;
        if (is_ignored(r))
            continue;
        if (done)
            return gd_text_fail_at(r, 0, "unexpected text after the 'end' line, "
                                         "found \"%s\"",
                                   gd_text_quote(r, 0, r->len, q, sizeof q));
        if (!have_version) {
            st = parse_version(r, fmt);
            if (st != GD_OK)
                return st;
            have_version = 1;
            continue;
        }
        size_t kw_end = gd_text_token_end(r, 0);
        int k = -1;
        st = find_keyword(r, fmt, kw_end, &k);
        if (st == GD_OK)
            st = line_fn(r, k, kw_end, user);
        if (st != GD_OK)
            return st;
        if (k == fmt->end_keyword)
            done = 1;
    }
    char lines[128];
    if (!have_version)
        return gd_error_set(r->err, GD_ERR_DATA, r->path, 0, 0,
                            "not a gdtrain %s file: it has no %s line", fmt->kind,
                            version_lines(fmt, lines, sizeof lines));
    if (!done)
        return gd_text_fail_at(r, r->len, "missing 'end' line at the end of the file "
                                          "(truncated?)");
    return GD_OK;
}

gd_status gd_text_load(const char *path, const gd_text_format *fmt,
                       gd_text_line_fn line_fn, void *user, gd_error *err)
{
    assert(path != NULL && fmt != NULL && line_fn != NULL);
    assert(fmt->end_keyword >= 0 && fmt->end_keyword < fmt->nkeywords);
    char *buf = NULL;
    size_t size = 0;
    gd_status st = read_small_file(path, fmt->max_size, fmt->kind, &buf, &size, err);
    if (st != GD_OK)
        return st;

    locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0) {
        free(buf);
        return gd_error_set(err, GD_ERR_IO, path, 0, 0,
                            "cannot set up the C locale: %s", strerror(errno));
    }
    locale_t old = uselocale(c_locale);

    gd_text_reader r;
    memset(&r, 0, sizeof r);
    r.path = strcmp(path, "-") == 0 ? "<stdin>" : path;
    r.err = err;
    r.size = size;
    st = parse_file(&r, fmt, buf, size, line_fn, user);

    uselocale(old);
    freelocale(c_locale);
    free(buf);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Writing                                                                 */

void gd_text_write_escaped(FILE *fp, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '\\': fputs("\\\\", fp); break;
        case '\n': fputs("\\n", fp); break;
        case '\r': fputs("\\r", fp); break;
        default: fputc(*s, fp); break;
        }
    }
}

void gd_text_write_double(FILE *fp, double v)
{
    assert(!isnan(v));
    /* printf may spell an infinity "inf" or "infinity": write it ourselves. */
    if (isinf(v)) {
        fputs(v < 0 ? "-inf" : "inf", fp);
    } else {
        char buf[GD_NUMFORMAT_SIZE];
        size_t len = gd_numformat(buf, v); /* fills buf before it is written */
        fwrite(buf, 1, len, fp);
    }
}

void gd_text_write_values(FILE *fp, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fputc(' ', fp);
        gd_text_write_double(fp, v[i]);
    }
}

gd_status gd_text_save(const char *path, gd_text_write_fn write_fn, const void *user,
                       gd_error *err)
{
    assert(path != NULL && write_fn != NULL);
    locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0)
        return gd_error_set(err, GD_ERR_IO, path, 0, 0,
                            "cannot set up the C locale: %s", strerror(errno));
    gd_atomic_file f;
    gd_status st = gd_atomic_open(&f, path, err);
    if (st == GD_OK) {
        locale_t old = uselocale(c_locale);
        write_fn(f.fp, user);
        uselocale(old);
        st = gd_atomic_commit(&f, err); /* catches any write error above */
    }
    freelocale(c_locale);
    return st;
}
