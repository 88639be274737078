/*
 * json: streaming JSON writer. See json.h.
 */
#include "io/json.h"

#include <assert.h>
#include <math.h>

#include "io/numformat.h"

void gd_json_start(gd_json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->has_items[0] = 0;
}

static void write_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out); /* UTF-8 passes through as it is */
        }
    }
    fputc('"', out);
}

/* The comma and key before a value at the current level. */
static void value_prefix(gd_json *j, const char *key)
{
    if (j->has_items[j->depth])
        fputc(',', j->out);
    j->has_items[j->depth] = 1;
    if (key != NULL) {
        write_string(j->out, key);
        fputc(':', j->out);
    }
}

static void open_level(gd_json *j, const char *key, char bracket)
{
    value_prefix(j, key);
    fputc(bracket, j->out);
    assert(j->depth + 1 < GD_JSON_MAX_DEPTH);
    j->has_items[++j->depth] = 0;
}

static void close_level(gd_json *j, char bracket)
{
    assert(j->depth > 0);
    j->depth--;
    fputc(bracket, j->out);
}

void gd_json_object_begin(gd_json *j, const char *key) { open_level(j, key, '{'); }
void gd_json_object_end(gd_json *j) { close_level(j, '}'); }
void gd_json_array_begin(gd_json *j, const char *key) { open_level(j, key, '['); }
void gd_json_array_end(gd_json *j) { close_level(j, ']'); }

void gd_json_string(gd_json *j, const char *key, const char *value)
{
    value_prefix(j, key);
    if (value == NULL)
        fputs("null", j->out);
    else
        write_string(j->out, value);
}

void gd_json_number(gd_json *j, const char *key, double value)
{
    value_prefix(j, key);
    char buf[GD_NUMFORMAT_SIZE];
    if (isfinite(value)) {
        size_t len = gd_numformat(buf, value); /* fills buf before it is written */
        fwrite(buf, 1, len, j->out);
    } else
        fputs("null", j->out);
}

void gd_json_integer(gd_json *j, const char *key, long long value)
{
    value_prefix(j, key);
    fprintf(j->out, "%lld", value);
}

void gd_json_unsigned(gd_json *j, const char *key, unsigned long long value)
{
    value_prefix(j, key);
    fprintf(j->out, "%llu", value);
}

void gd_json_bool(gd_json *j, const char *key, int value)
{
    value_prefix(j, key);
    fputs(value ? "true" : "false", j->out);
}

void gd_json_null(gd_json *j, const char *key)
{
    value_prefix(j, key);
    fputs("null", j->out);
}

int gd_json_finish(gd_json *j)
{
    assert(j->depth == 0);
    fputc('\n', j->out);
    return fflush(j->out) != 0 || ferror(j->out) ? -1 : 0;
}
