/*
 * error: filling and formatting gd_error. See include/gdtrain/error.h.
 */
#include "gdtrain/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#undef gd_error_set /* the analyzer's stand-in from error.h, if defined */

void gd_error_clear(gd_error *err)
{
    if (err == NULL)
        return;
    err->status = GD_OK;
    err->file[0] = '\0';
    err->line = 0;
    err->column = 0;
    err->message[0] = '\0';
}

gd_status gd_error_set(gd_error *err, gd_status status, const char *file,
                       long line, long column, const char *fmt, ...)
{
    if (err == NULL)
        return status;
    err->status = status;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}

char *gd_error_format(const gd_error *err, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    buf[0] = '\0';
    size_t used = 0;
    int n;
    if (err->file[0] != '\0') {
        if (err->line > 0 && err->column > 0)
            n = snprintf(buf, size, "%s:%ld:%ld: ", err->file, err->line, err->column);
        else if (err->line > 0)
            n = snprintf(buf, size, "%s:%ld: ", err->file, err->line);
        else
            n = snprintf(buf, size, "%s: ", err->file);
        used = n < 0 ? 0 : (size_t)n;
        if (used >= size)
            return buf;
    }
    snprintf(buf + used, size - used, "%s", err->message);
    return buf;
}

char *gd_error_quote(const char *s, size_t len, char *buf, size_t size)
{
    enum { MAX_SHOWN = 40 };
    size_t out = 0;
    if (size == 0)
        return buf;
    /* Room for the closing quote, "..." and the terminator. */
    size_t limit = size > 8 ? size - 6 : 0;
    for (size_t i = 0; i < len && i < MAX_SHOWN && out + 4 < limit; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf[out++] = '\\';
            buf[out++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            const char *hex = "0123456789abcdef";
            buf[out++] = '\\';
            buf[out++] = 'x';
            buf[out++] = hex[c >> 4];
            buf[out++] = hex[c & 15];
        } else {
            buf[out++] = (char)c;
        }
    }
    if (len > MAX_SHOWN && out + 3 < size) {
        memcpy(buf + out, "...", 3);
        out += 3;
    }
    buf[out < size ? out : size - 1] = '\0';
    return buf;
}
