/*
 * model: the trained linear model, its prediction, and its file format.
 * See include/gdtrain/model.h for the contract and the format's outline.
 *
 * The file format in detail (what gd_model_save writes and gd_model_load
 * accepts):
 * - Lines end with LF; a CR just before the LF is ignored (a file that passed
 *   through a CRLF editor still loads). NUL bytes are errors. A UTF-8 byte
 *   order mark at the very start (which some editors add) is skipped and not
 *   counted in columns.
 * - A line whose first byte is '#', or that holds only spaces and tabs, is
 *   ignored wherever it appears.
 * - The first other line is "gdtrain-model <version>"; the last one is "end".
 *   In between, each line starts with a keyword at its first byte. Numeric
 *   tokens are separated by one or more spaces or tabs; trailing blanks after
 *   the last number are allowed.
 * - A text field (a name, an info value) is the rest of the line after
 *   exactly one space or tab, so leading and trailing spaces are kept; when
 *   the line ends right after the preceding token the text is empty. Escapes:
 *   "\\" is a backslash, "\n" a line feed, "\r" a carriage return; any other
 *   backslash is an error. Other bytes (tabs, UTF-8) are taken as they are.
 * - Info keys are runs of printable non-blank bytes; info values are text.
 * - Numbers are plain decimals: [+-] digits [. digits] [e [+-] digits], as
 *   %.17g writes them (no hex, inf or nan), read with strtod in the C locale
 *   and required to be finite; stds must be > 0.
 * - target, features, intercept, target_scaling and bias_std appear exactly
 *   once, in any order; features comes before the feature lines, of which
 *   there are exactly as many as it declares; info keys are unique.
 *
 * Numbers are written and read in the C locale whatever the program's locale
 * is: the conversions run under a thread-local C locale (uselocale), so a
 * program that called setlocale(LC_ALL, "") in a comma-decimal locale still
 * writes "0.5", and other threads are not affected.
 *
 * The file does not record which columns were constant: after loading,
 * scaling.constant[] and scaling.y_constant are 0. They matter only to
 * gd_model_set_params; a constant column was saved with w_std and weight 0.
 */
#include "gdtrain/model.h"

#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/atomicfile.h"

/* Files larger than this are not model files: refuse them before they
 * exhaust memory. A feature line takes about 110 bytes, so this still allows
 * some 600,000 features. */
#define MODEL_MAX_FILE_SIZE ((size_t)64 * 1024 * 1024)

/* The shortest possible feature line, "feature 0 0 0 1\n": bounds the count a
 * file of a given size can declare before anything is allocated for it. */
#define MIN_FEATURE_LINE 16

#define MODEL_MAGIC "gdtrain-model"

/* ---------------------------------------------------------------------- */
/* Memory helpers                                                          */

static char *dup_range(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

static char *dup_str(const char *s)
{
    return dup_range(s, strlen(s));
}

/* calloc that never asks for 0 bytes, so NULL always means no memory. */
static void *alloc_zeroed(size_t n, size_t size)
{
    return calloc(n > 0 ? n : 1, size);
}

/* Frees the arrays of a scaling owned by a model. (dataset.c's
 * gd_scaling_free does the same; this copy keeps model.c free of it.) */
static void scaling_release(gd_scaling *sc)
{
    free(sc->x_mean);
    free(sc->x_std);
    free(sc->constant);
    memset(sc, 0, sizeof *sc);
}

/* Allocates every per-feature array of a zeroed *m for d features: names
 * NULL, parameters 0, x_mean 0, x_std 1. The target's scaling is left alone.
 * Returns 0, or -1 on no memory (then *m holds what was allocated, ready for
 * gd_model_free). */
static int model_alloc(gd_model *m, size_t d)
{
    assert(m->features == NULL && m->weights == NULL);
    m->d = d;
    m->features = alloc_zeroed(d, sizeof *m->features);
    m->weights = alloc_zeroed(d, sizeof *m->weights);
    m->w_std = alloc_zeroed(d, sizeof *m->w_std);
    m->scaling.d = d;
    m->scaling.x_mean = alloc_zeroed(d, sizeof *m->scaling.x_mean);
    m->scaling.x_std = alloc_zeroed(d, sizeof *m->scaling.x_std);
    m->scaling.constant = alloc_zeroed(d, sizeof *m->scaling.constant);
    if (m->features == NULL || m->weights == NULL || m->w_std == NULL ||
        m->scaling.x_mean == NULL || m->scaling.x_std == NULL ||
        m->scaling.constant == NULL)
        return -1;
    for (size_t j = 0; j < d; j++)
        m->scaling.x_std[j] = 1.0;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Building and using a model                                              */

gd_status gd_model_init(gd_model *m, size_t d, const char *target,
                        const char *const *features, gd_error *err)
{
    assert(m != NULL && target != NULL && (d == 0 || features != NULL));
    memset(m, 0, sizeof *m);
    m->scaling.y_std = 1.0;
    if (model_alloc(m, d) != 0)
        goto oom;
    m->target = dup_str(target);
    if (m->target == NULL)
        goto oom;
    for (size_t j = 0; j < d; j++) {
        assert(features[j] != NULL);
        m->features[j] = dup_str(features[j]);
        if (m->features[j] == NULL)
            goto oom;
    }
    return GD_OK;

oom:
    gd_model_free(m);
    return gd_error_set(err, GD_ERR_IO, NULL, 0, 0, "out of memory");
}

void gd_model_free(gd_model *m)
{
    if (m == NULL)
        return;
    if (m->features != NULL) {
        for (size_t j = 0; j < m->d; j++)
            free(m->features[j]);
        free(m->features);
    }
    for (size_t i = 0; i < m->ninfo; i++) {
        free(m->info_keys[i]);
        free(m->info_values[i]);
    }
    free(m->info_keys);
    free(m->info_values);
    free(m->target);
    free(m->weights);
    free(m->w_std);
    scaling_release(&m->scaling);
    memset(m, 0, sizeof *m);
}

gd_status gd_model_set_scaling(gd_model *m, const gd_scaling *sc, gd_error *err)
{
    assert(m != NULL && sc != NULL && sc->d == m->d);
    size_t d = m->d;
    double *x_mean = alloc_zeroed(d, sizeof *x_mean);
    double *x_std = alloc_zeroed(d, sizeof *x_std);
    unsigned char *constant = alloc_zeroed(d, sizeof *constant);
    if (x_mean == NULL || x_std == NULL || constant == NULL) {
        free(x_mean);
        free(x_std);
        free(constant);
        return gd_error_set(err, GD_ERR_IO, NULL, 0, 0, "out of memory");
    }
    if (d > 0) {
        memcpy(x_mean, sc->x_mean, d * sizeof *x_mean);
        memcpy(x_std, sc->x_std, d * sizeof *x_std);
        memcpy(constant, sc->constant, d * sizeof *constant);
    }
    scaling_release(&m->scaling);
    m->scaling.d = d;
    m->scaling.x_mean = x_mean;
    m->scaling.x_std = x_std;
    m->scaling.constant = constant;
    m->scaling.y_mean = sc->y_mean;
    m->scaling.y_std = sc->y_std;
    m->scaling.y_constant = sc->y_constant;
    return GD_OK;
}

void gd_model_set_params(gd_model *m, const double *params)
{
    assert(m != NULL && params != NULL);
    const gd_scaling *sc = &m->scaling;
    size_t d = m->d;
    /* Original units, from target = y_mean + y_std * (b_std + sum_j w_std[j]
     * * (x_j - x_mean[j]) / x_std[j]):
     *   weights[j] = y_std * w_std[j] / x_std[j]
     *   intercept  = y_mean + y_std * (b_std - sum_j w_std[j] * x_mean[j] / x_std[j]) */
    double shift = 0.0; /* sum_j w_std[j] * x_mean[j] / x_std[j], j ascending */
    for (size_t j = 0; j < d; j++) {
        if (sc->constant[j]) {
            m->w_std[j] = 0.0;
            m->weights[j] = 0.0;
            continue;
        }
        m->w_std[j] = params[j];
        m->weights[j] = sc->y_std * m->w_std[j] / sc->x_std[j];
        shift += m->w_std[j] * sc->x_mean[j] / sc->x_std[j];
    }
    m->b_std = params[d];
    m->intercept = sc->y_mean + sc->y_std * (m->b_std - shift);
}

/* An info key: non-empty, printable ASCII or UTF-8 bytes, no blanks. */
static int is_info_key(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

gd_status gd_model_set_info(gd_model *m, const char *key, const char *value,
                            gd_error *err)
{
    assert(m != NULL && key != NULL && value != NULL);
    assert(is_info_key(key, strlen(key)));
    char *v = dup_str(value);
    if (v == NULL)
        return gd_error_set(err, GD_ERR_IO, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < m->ninfo; i++) {
        if (strcmp(m->info_keys[i], key) == 0) {
            free(m->info_values[i]);
            m->info_values[i] = v;
            return GD_OK;
        }
    }
    char *k = dup_str(key);
    char **keys = k ? realloc(m->info_keys, (m->ninfo + 1) * sizeof *keys) : NULL;
    if (keys != NULL)
        m->info_keys = keys;
    char **values = keys ? realloc(m->info_values, (m->ninfo + 1) * sizeof *values) : NULL;
    if (values != NULL)
        m->info_values = values;
    if (values == NULL) {
        free(k);
        free(v);
        return gd_error_set(err, GD_ERR_IO, NULL, 0, 0, "out of memory");
    }
    m->info_keys[m->ninfo] = k;
    m->info_values[m->ninfo] = v;
    m->ninfo++;
    return GD_OK;
}

const char *gd_model_get_info(const gd_model *m, const char *key)
{
    assert(m != NULL && key != NULL);
    for (size_t i = 0; i < m->ninfo; i++)
        if (strcmp(m->info_keys[i], key) == 0)
            return m->info_values[i];
    return NULL;
}

double gd_model_predict(const gd_model *m, const double *x)
{
    assert(m != NULL && (m->d == 0 || x != NULL));
    const gd_scaling *sc = &m->scaling;
    /* The header's formula, operation for operation: the sum starts at b_std
     * and adds the terms j = 0, 1, ... in order. */
    double s = m->b_std;
    for (size_t j = 0; j < m->d; j++)
        s += m->w_std[j] * ((x[j] - sc->x_mean[j]) / sc->x_std[j]);
    return sc->y_mean + sc->y_std * s;
}

/* ---------------------------------------------------------------------- */
/* Saving                                                                  */

static void write_escaped(FILE *fp, const char *s)
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

/* Checks that every number of m can be written and read back: the loader
 * accepts only finite numbers and stds > 0. Non-finite parameters mean the
 * training diverged (GD_ERR_TRAIN); a bad scaling comes from the data
 * (GD_ERR_DATA). */
static gd_status check_savable(const gd_model *m, const char *path, gd_error *err)
{
    const gd_scaling *sc = &m->scaling;
    char q[128];
    if (!isfinite(m->intercept) || !isfinite(m->b_std))
        return gd_error_set(err, GD_ERR_TRAIN, path, 0, 0,
                            "cannot save a model whose intercept is %g "
                            "(training diverged?)",
                            isfinite(m->intercept) ? m->b_std : m->intercept);
    for (size_t j = 0; j < m->d; j++) {
        if (!isfinite(m->weights[j]) || !isfinite(m->w_std[j]))
            return gd_error_set(err, GD_ERR_TRAIN, path, 0, 0,
                                "cannot save a model whose weight for \"%s\" is %g "
                                "(training diverged?)",
                                gd_error_quote(m->features[j], strlen(m->features[j]),
                                               q, sizeof q),
                                isfinite(m->weights[j]) ? m->w_std[j] : m->weights[j]);
        if (!isfinite(sc->x_mean[j]) || !isfinite(sc->x_std[j]) || !(sc->x_std[j] > 0))
            return gd_error_set(err, GD_ERR_DATA, path, 0, 0,
                                "cannot save a model whose scaling of \"%s\" is "
                                "mean %g, std %g (std must be finite and > 0)",
                                gd_error_quote(m->features[j], strlen(m->features[j]),
                                               q, sizeof q),
                                sc->x_mean[j], sc->x_std[j]);
    }
    if (!isfinite(sc->y_mean) || !isfinite(sc->y_std) || !(sc->y_std > 0))
        return gd_error_set(err, GD_ERR_DATA, path, 0, 0,
                            "cannot save a model whose target scaling is "
                            "mean %g, std %g (std must be finite and > 0)",
                            sc->y_mean, sc->y_std);
    return GD_OK;
}

static void write_model(FILE *fp, const gd_model *m)
{
    const gd_scaling *sc = &m->scaling;
    fputs("# gdtrain model file; see 'man gdtrain' for the format\n", fp);
    fprintf(fp, "%s %d\n", MODEL_MAGIC, GD_MODEL_FORMAT_VERSION);
    fputs("target ", fp);
    write_escaped(fp, m->target);
    fputc('\n', fp);
    fprintf(fp, "features %zu\n", m->d);
    fprintf(fp, "intercept %.17g\n", m->intercept);
    fprintf(fp, "target_scaling %.17g %.17g\n", sc->y_mean, sc->y_std);
    fprintf(fp, "bias_std %.17g\n", m->b_std);
    fputs("# feature <weight> <w_std> <x_mean> <x_std> <name>\n", fp);
    for (size_t j = 0; j < m->d; j++) {
        assert(m->features[j] != NULL);
        fprintf(fp, "feature %.17g %.17g %.17g %.17g ", m->weights[j], m->w_std[j],
                sc->x_mean[j], sc->x_std[j]);
        write_escaped(fp, m->features[j]);
        fputc('\n', fp);
    }
    for (size_t i = 0; i < m->ninfo; i++) {
        assert(is_info_key(m->info_keys[i], strlen(m->info_keys[i])));
        fprintf(fp, "info %s ", m->info_keys[i]);
        write_escaped(fp, m->info_values[i]);
        fputc('\n', fp);
    }
    fputs("end\n", fp);
}

gd_status gd_model_save(const gd_model *m, const char *path, gd_error *err)
{
    assert(m != NULL && path != NULL && m->target != NULL);
    gd_status st = check_savable(m, path, err);
    if (st != GD_OK)
        return st;

    locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0)
        return gd_error_set(err, GD_ERR_IO, path, 0, 0,
                            "cannot set up the C locale: %s", strerror(errno));
    gd_atomic_file f;
    st = gd_atomic_open(&f, path, err);
    if (st == GD_OK) {
        locale_t old = uselocale(c_locale);
        write_model(f.fp, m);
        uselocale(old);
        st = gd_atomic_commit(&f, err); /* catches any write error above */
    }
    freelocale(c_locale);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                 */

/* Reads all of path into a new NUL-terminated buffer. GD_ERR_IO if it cannot
 * be read, GD_ERR_DATA if it is larger than MODEL_MAX_FILE_SIZE. */
static gd_status read_small_file(const char *path, char **out, size_t *outlen,
                                 gd_error *err)
{
    gd_status st = GD_OK;
    size_t cap = 4096, len = 0;
    char *buf = NULL;
    *out = NULL;
    *outlen = 0;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return gd_error_set(err, GD_ERR_IO, path, 0, 0, "cannot open: %s",
                            strerror(errno));
    buf = malloc(cap + 1);
    if (buf == NULL) {
        st = gd_error_set(err, GD_ERR_IO, path, 0, 0, "out of memory");
        goto done;
    }
    for (;;) {
        if (len == cap) {
            /* Grow up to one byte past the limit, to see if there is more. */
            if (cap > MODEL_MAX_FILE_SIZE) {
                st = gd_error_set(err, GD_ERR_DATA, path, 0, 0,
                                  "file is larger than %zu MiB: not a model file",
                                  MODEL_MAX_FILE_SIZE >> 20);
                goto done;
            }
            size_t ncap = cap * 2 <= MODEL_MAX_FILE_SIZE ? cap * 2
                                                          : MODEL_MAX_FILE_SIZE + 1;
            char *nbuf = realloc(buf, ncap + 1);
            if (nbuf == NULL) {
                st = gd_error_set(err, GD_ERR_IO, path, 0, 0, "out of memory");
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
    fclose(fp);
    *out = buf;
    *outlen = len;
    return GD_OK;

done:
    fclose(fp);
    free(buf);
    return st;
}

enum {
    KW_TARGET,
    KW_FEATURES,
    KW_INTERCEPT,
    KW_TARGET_SCALING,
    KW_BIAS_STD,
    KW_FEATURE,
    KW_INFO,
    KW_END,
    NKEYWORDS
};

/* The state of one gd_model_load. */
typedef struct loader {
    const char *path; /* for messages */
    gd_model *m;      /* being filled */
    gd_error *err;
    size_t size;      /* bytes in the file */
    char *line;       /* the current line (inside the file's buffer), without its end */
    size_t len;       /* its length */
    long lineno;      /* its 1-based number */
    long seen[NKEYWORDS]; /* line where each keyword first appeared, 0 if not yet */
    size_t nfeatures; /* feature lines read so far */
} loader;

typedef gd_status (*line_parser)(loader *ld, size_t pos);

/* Fails the load with GD_ERR_DATA at byte pos (0-based) of the current line. */
static gd_status fail_at(loader *ld, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static gd_status fail_at(loader *ld, size_t pos, const char *fmt, ...)
{
    char msg[sizeof ld->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return gd_error_set(ld->err, GD_ERR_DATA, ld->path, ld->lineno, (long)pos + 1,
                        "%s", msg);
}

/* Quotes line[pos..end) for a message, into buf. */
static const char *quote_text(const loader *ld, size_t pos, size_t end, char *buf,
                              size_t size)
{
    return gd_error_quote(ld->line + pos, end - pos, buf, size);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t skip_blanks(const loader *ld, size_t pos)
{
    while (pos < ld->len && is_blank(ld->line[pos]))
        pos++;
    return pos;
}

static size_t token_end(const loader *ld, size_t pos)
{
    while (pos < ld->len && !is_blank(ld->line[pos]))
        pos++;
    return pos;
}

/* 1 if s[0..n) is [+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits]. */
static int is_decimal(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; i < n && is_digit(s[i]); i++)
        digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && is_digit(s[i]); i++)
            digits++;
    if (digits == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        for (; i < n && is_digit(s[i]); i++)
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

/* Reads the number `what` from the next token at or after *pos (blanks
 * skipped) into *out and moves *pos past it. Must run under the C locale. */
static gd_status parse_number(loader *ld, size_t *pos, const char *what, double *out)
{
    char q[128];
    size_t start = skip_blanks(ld, *pos);
    if (start == ld->len)
        return fail_at(ld, start, "expected %s (a number), found the end of the line",
                       what);
    size_t end = token_end(ld, start);
    char *tok = ld->line + start;
    size_t n = end - start;
    if (!is_decimal(tok, n)) {
        if (looks_non_finite(tok, n))
            return fail_at(ld, start, "%s must be a finite number, found \"%s\"", what,
                           quote_text(ld, start, end, q, sizeof q));
        return fail_at(ld, start, "expected %s (a decimal number), found \"%s\"", what,
                       quote_text(ld, start, end, q, sizeof q));
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
        return fail_at(ld, start, "expected %s (a decimal number), found \"%s\"", what,
                       quote_text(ld, start, end, q, sizeof q));
    /* ERANGE also flags underflow to a subnormal, which %.17g output can
     * legitimately need; only overflow is an error. */
    if (!isfinite(v))
        return fail_at(ld, start, "%s is out of range, found \"%s\"", what,
                       quote_text(ld, start, end, q, sizeof q));
    *out = v;
    *pos = end;
    return GD_OK;
}

/* Like parse_number, and the value must be > 0 (a standard deviation). */
static gd_status parse_std(loader *ld, size_t *pos, const char *what, double *out)
{
    char q[128];
    size_t start = skip_blanks(ld, *pos);
    gd_status st = parse_number(ld, pos, what, out);
    if (st == GD_OK && !(*out > 0))
        return fail_at(ld, start, "%s must be > 0, found \"%s\"", what,
                       quote_text(ld, start, *pos, q, sizeof q));
    return st;
}

/* Nothing but blanks may follow pos on the line. */
static gd_status expect_end_of_line(loader *ld, size_t pos, const char *after)
{
    char q[128];
    pos = skip_blanks(ld, pos);
    if (pos < ld->len)
        return fail_at(ld, pos, "unexpected text after %s, found \"%s\"", after,
                       quote_text(ld, pos, ld->len, q, sizeof q));
    return GD_OK;
}

/* The text field that runs from just after the blank at pos (or is empty if
 * pos is the line's end) to the end of the line, unescaped into a new
 * string *out. */
static gd_status parse_text(loader *ld, size_t pos, char **out)
{
    char q[32];
    *out = NULL;
    size_t start = pos;
    if (pos < ld->len) {
        assert(is_blank(ld->line[pos]));
        start = pos + 1;
    }
    char *s = malloc(ld->len - start + 1);
    if (s == NULL)
        return gd_error_set(ld->err, GD_ERR_IO, ld->path, 0, 0, "out of memory");
    size_t n = 0;
    for (size_t i = start; i < ld->len; i++) {
        char c = ld->line[i];
        if (c == '\\') {
            if (i + 1 == ld->len) {
                free(s);
                return fail_at(ld, i, "a backslash ends the line; a backslash in a "
                                      "name is written \"\\\\\"");
            }
            char e = ld->line[i + 1];
            if (e == '\\')
                c = '\\';
            else if (e == 'n')
                c = '\n';
            else if (e == 'r')
                c = '\r';
            else {
                free(s);
                return fail_at(ld, i, "unknown escape \"%s\" (only \\\\, \\n and \\r "
                                      "are allowed)",
                               quote_text(ld, i, i + 2, q, sizeof q));
            }
            i++;
        }
        s[n++] = c;
    }
    s[n] = '\0';
    *out = s;
    return GD_OK;
}

static gd_status parse_target(loader *ld, size_t pos)
{
    return parse_text(ld, pos, &ld->m->target);
}

static gd_status parse_features(loader *ld, size_t pos)
{
    char q[128];
    size_t start = skip_blanks(ld, pos);
    size_t end = token_end(ld, start);
    if (start == end)
        return fail_at(ld, start, "expected the number of features, found the end "
                                  "of the line");
    size_t d = 0;
    for (size_t i = start; i < end; i++) {
        if (!is_digit(ld->line[i]))
            return fail_at(ld, start, "expected the number of features (digits), "
                                      "found \"%s\"",
                           quote_text(ld, start, end, q, sizeof q));
        unsigned digit = (unsigned)(ld->line[i] - '0');
        if (d > (SIZE_MAX - digit) / 10) {
            d = SIZE_MAX;
            break;
        }
        d = d * 10 + digit;
    }
    if (d > ld->size / MIN_FEATURE_LINE)
        return fail_at(ld, start, "the file is too short to hold the %s features "
                                  "it declares (truncated?)",
                       quote_text(ld, start, end, q, sizeof q));
    gd_status st = expect_end_of_line(ld, end, "the number of features");
    if (st != GD_OK)
        return st;
    if (model_alloc(ld->m, d) != 0)
        return gd_error_set(ld->err, GD_ERR_IO, ld->path, 0, 0, "out of memory");
    return GD_OK;
}

static gd_status parse_intercept(loader *ld, size_t pos)
{
    gd_status st = parse_number(ld, &pos, "the intercept", &ld->m->intercept);
    return st != GD_OK ? st : expect_end_of_line(ld, pos, "the intercept");
}

static gd_status parse_target_scaling(loader *ld, size_t pos)
{
    gd_scaling *sc = &ld->m->scaling;
    gd_status st = parse_number(ld, &pos, "the target's mean", &sc->y_mean);
    if (st == GD_OK)
        st = parse_std(ld, &pos, "the target's std", &sc->y_std);
    return st != GD_OK ? st : expect_end_of_line(ld, pos, "the target's mean and std");
}

static gd_status parse_bias_std(loader *ld, size_t pos)
{
    gd_status st = parse_number(ld, &pos, "the standardized bias", &ld->m->b_std);
    return st != GD_OK ? st : expect_end_of_line(ld, pos, "the standardized bias");
}

static gd_status parse_feature(loader *ld, size_t pos)
{
    gd_model *m = ld->m;
    if (ld->seen[KW_FEATURES] == 0)
        return fail_at(ld, 0, "a 'feature' line before the 'features' line that "
                              "gives their number");
    if (ld->nfeatures == m->d)
        return fail_at(ld, 0, "more 'feature' lines than the %zu declared on line %ld",
                       m->d, ld->seen[KW_FEATURES]);
    size_t j = ld->nfeatures;
    gd_status st = parse_number(ld, &pos, "the weight", &m->weights[j]);
    if (st == GD_OK)
        st = parse_number(ld, &pos, "the standardized weight", &m->w_std[j]);
    if (st == GD_OK)
        st = parse_number(ld, &pos, "the feature's mean", &m->scaling.x_mean[j]);
    if (st == GD_OK)
        st = parse_std(ld, &pos, "the feature's std", &m->scaling.x_std[j]);
    if (st == GD_OK)
        st = parse_text(ld, pos, &m->features[j]);
    if (st == GD_OK)
        ld->nfeatures++;
    return st;
}

static gd_status parse_info(loader *ld, size_t pos)
{
    char q[128];
    size_t start = skip_blanks(ld, pos);
    size_t end = token_end(ld, start);
    if (start == end)
        return fail_at(ld, start, "expected an info key, found the end of the line");
    if (!is_info_key(ld->line + start, end - start))
        return fail_at(ld, start, "an info key must be printable, found \"%s\"",
                       quote_text(ld, start, end, q, sizeof q));
    char *key = dup_range(ld->line + start, end - start);
    char *value = NULL;
    gd_status st = key ? GD_OK
                       : gd_error_set(ld->err, GD_ERR_IO, ld->path, 0, 0, "out of memory");
    if (st == GD_OK && gd_model_get_info(ld->m, key) != NULL)
        st = fail_at(ld, start, "repeated info key \"%s\"",
                     quote_text(ld, start, end, q, sizeof q));
    if (st == GD_OK)
        st = parse_text(ld, end, &value);
    if (st == GD_OK)
        st = gd_model_set_info(ld->m, key, value, ld->err);
    free(key);
    free(value);
    return st;
}

static gd_status parse_end(loader *ld, size_t pos)
{
    return expect_end_of_line(ld, pos, "'end'");
}

/* The keywords of the format: name, parser, and whether the line must appear
 * exactly once. */
static const struct keyword {
    const char *name;
    line_parser parse;
    int once;
} keywords[NKEYWORDS] = {
    [KW_TARGET] = {"target", parse_target, 1},
    [KW_FEATURES] = {"features", parse_features, 1},
    [KW_INTERCEPT] = {"intercept", parse_intercept, 1},
    [KW_TARGET_SCALING] = {"target_scaling", parse_target_scaling, 1},
    [KW_BIAS_STD] = {"bias_std", parse_bias_std, 1},
    [KW_FEATURE] = {"feature", parse_feature, 0},
    [KW_INFO] = {"info", parse_info, 0},
    [KW_END] = {"end", parse_end, 1},
};

static int find_keyword(const char *s, size_t len)
{
    for (int k = 0; k < NKEYWORDS; k++)
        if (strlen(keywords[k].name) == len && memcmp(keywords[k].name, s, len) == 0)
            return k;
    return -1;
}

/* The first meaningful line: "gdtrain-model <version>". */
static gd_status parse_version(loader *ld)
{
    char q[128];
    size_t end = token_end(ld, 0);
    if (end != strlen(MODEL_MAGIC) || memcmp(ld->line, MODEL_MAGIC, end) != 0)
        return fail_at(ld, 0, "not a gdtrain model file: expected \"%s %d\", "
                              "found \"%s\"", MODEL_MAGIC, GD_MODEL_FORMAT_VERSION,
                       quote_text(ld, 0, ld->len, q, sizeof q));
    size_t start = skip_blanks(ld, end);
    end = token_end(ld, start);
    if (start == end)
        return fail_at(ld, start, "expected the format version after '%s', found "
                                  "the end of the line", MODEL_MAGIC);
    long version = 0;
    for (size_t i = start; i < end; i++) {
        if (!is_digit(ld->line[i]))
            return fail_at(ld, start, "expected the format version (digits), "
                                      "found \"%s\"",
                           quote_text(ld, start, end, q, sizeof q));
        if (version < 1000000)
            version = version * 10 + (ld->line[i] - '0');
    }
    if (version > GD_MODEL_FORMAT_VERSION)
        return fail_at(ld, start, "model format version %s is newer than this "
                                  "gdtrain supports (%d)",
                       quote_text(ld, start, end, q, sizeof q),
                       GD_MODEL_FORMAT_VERSION);
    if (version != GD_MODEL_FORMAT_VERSION)
        return fail_at(ld, start, "unknown model format version %s (this gdtrain "
                                  "reads version %d)",
                       quote_text(ld, start, end, q, sizeof q),
                       GD_MODEL_FORMAT_VERSION);
    return expect_end_of_line(ld, end, "the format version");
}

/* At the 'end' line: every required line was there, with all features. */
static gd_status check_complete(loader *ld)
{
    for (int k = 0; k < NKEYWORDS; k++)
        if (keywords[k].once && ld->seen[k] == 0)
            return fail_at(ld, 0, "missing '%s' line before 'end'", keywords[k].name);
    if (ld->nfeatures != ld->m->d)
        return fail_at(ld, 0, "found %zu 'feature' lines, but 'features' on line %ld "
                              "declares %zu", ld->nfeatures, ld->seen[KW_FEATURES],
                       ld->m->d);
    return GD_OK;
}

static int is_ignored(const loader *ld)
{
    return (ld->len > 0 && ld->line[0] == '#') || skip_blanks(ld, 0) == ld->len;
}

/* Parses buf[0..size) (NUL-terminated at size) into ld->m. */
static gd_status parse_model(loader *ld, char *buf, size_t size)
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
        ld->lineno++;
        ld->line = p;
        ld->len = (size_t)(line_end - p);
        p = nl ? nl + 1 : limit;
        char *nul = memchr(ld->line, '\0', ld->len);
        if (nul != NULL)
            return fail_at(ld, (size_t)(nul - ld->line), "a NUL byte: not a text file");
        if (ld->len > 0 && ld->line[ld->len - 1] == '\r')
            ld->len--;
        if (is_ignored(ld))
            continue;
        if (done)
            return fail_at(ld, 0, "unexpected text after the 'end' line, found \"%s\"",
                           quote_text(ld, 0, ld->len, q, sizeof q));
        if (!have_version) {
            st = parse_version(ld);
            if (st != GD_OK)
                return st;
            have_version = 1;
            continue;
        }
        size_t kw_end = token_end(ld, 0);
        if (kw_end == 0)
            return fail_at(ld, 0, "expected a keyword at the start of the line, "
                                  "found \"%s\"",
                           quote_text(ld, 0, ld->len, q, sizeof q));
        int k = find_keyword(ld->line, kw_end);
        if (k < 0)
            return fail_at(ld, 0, "unknown keyword \"%s\" (expected target, features, "
                                  "intercept, target_scaling, bias_std, feature, "
                                  "info or end)",
                           quote_text(ld, 0, kw_end, q, sizeof q));
        if (keywords[k].once && ld->seen[k] != 0)
            return fail_at(ld, 0, "repeated '%s' line (first on line %ld)",
                           keywords[k].name, ld->seen[k]);
        if (ld->seen[k] == 0)
            ld->seen[k] = ld->lineno;
        st = keywords[k].parse(ld, kw_end);
        if (st != GD_OK)
            return st;
        if (k == KW_END) {
            st = check_complete(ld);
            if (st != GD_OK)
                return st;
            done = 1;
        }
    }
    if (!have_version)
        return gd_error_set(ld->err, GD_ERR_DATA, ld->path, 0, 0,
                            "not a gdtrain model file: it has no \"%s %d\" line",
                            MODEL_MAGIC, GD_MODEL_FORMAT_VERSION);
    if (!done)
        return fail_at(ld, ld->len, "missing 'end' line at the end of the file "
                                    "(truncated?)");
    return GD_OK;
}

gd_status gd_model_load(gd_model *m, const char *path, gd_error *err)
{
    assert(m != NULL && path != NULL);
    memset(m, 0, sizeof *m);
    char *buf = NULL;
    size_t size = 0;
    gd_status st = read_small_file(path, &buf, &size, err);
    if (st != GD_OK)
        return st;

    locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0) {
        free(buf);
        return gd_error_set(err, GD_ERR_IO, path, 0, 0,
                            "cannot set up the C locale: %s", strerror(errno));
    }
    locale_t old = uselocale(c_locale);

    loader ld;
    memset(&ld, 0, sizeof ld);
    ld.path = path;
    ld.m = m;
    ld.err = err;
    ld.size = size;
    st = parse_model(&ld, buf, size);

    uselocale(old);
    freelocale(c_locale);
    free(buf);
    if (st != GD_OK)
        gd_model_free(m);
    return st;
}
