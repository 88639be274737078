/*
 * jsoncheck: a small, strict JSON validator for the end-to-end tests, so
 * that they need no Python.
 *
 *     jsoncheck FILE [PATH ...]
 *
 * FILE holds one JSON value per line (JSON Lines; "-" = standard input).
 * Every line must be a complete, valid value (RFC 8259: no trailing commas,
 * no NaN, strings with valid escapes, numbers in JSON's grammar). For each
 * PATH (keys and array indexes joined by '.', e.g. "options.lr",
 * "features.0"), prints the raw JSON text of that member of the last line's
 * value, one per line. Exit status 0 when valid and every path exists, 1
 * otherwise, with a message on stderr naming the line and column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *s;   /* the line */
    size_t pos;
    const char *err; /* first error, NULL if none */
} parser;

static void skip_ws(parser *p)
{
    while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\r' ||
           p->s[p->pos] == '\n')
        p->pos++;
}

static int fail(parser *p, const char *msg)
{
    if (p->err == NULL)
        p->err = msg;
    return 0;
}

static int parse_value(parser *p);

static int parse_string(parser *p)
{
    if (p->s[p->pos] != '"')
        return fail(p, "expected a string");
    p->pos++;
    for (;;) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '\0')
            return fail(p, "unterminated string");
        if (c < 0x20)
            return fail(p, "control character in a string");
        p->pos++;
        if (c == '"')
            return 1;
        if (c == '\\') {
            char e = p->s[p->pos++];
            if (e == 'u') {
                for (int k = 0; k < 4; k++, p->pos++)
                    if (!strchr("0123456789abcdefABCDEF", p->s[p->pos]) || p->s[p->pos] == '\0')
                        return fail(p, "bad \\u escape");
            } else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
                return fail(p, "bad escape in a string");
            }
        }
    }
}

static int digits(parser *p)
{
    size_t start = p->pos;
    while (p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
        p->pos++;
    return p->pos > start;
}

static int parse_number(parser *p)
{
    if (p->s[p->pos] == '-')
        p->pos++;
    if (p->s[p->pos] == '0')
        p->pos++;
    else if (!digits(p))
        return fail(p, "expected a value");
    if (p->s[p->pos] == '.') {
        p->pos++;
        if (!digits(p))
            return fail(p, "digits expected after '.'");
    }
    if (p->s[p->pos] == 'e' || p->s[p->pos] == 'E') {
        p->pos++;
        if (p->s[p->pos] == '+' || p->s[p->pos] == '-')
            p->pos++;
        if (!digits(p))
            return fail(p, "digits expected in the exponent");
    }
    return 1;
}

static int parse_container(parser *p, char close)
{
    p->pos++; /* the opening bracket */
    skip_ws(p);
    if (p->s[p->pos] == close) {
        p->pos++;
        return 1;
    }
    for (;;) {
        skip_ws(p);
        if (close == '}') {
            if (!parse_string(p))
                return 0;
            skip_ws(p);
            if (p->s[p->pos++] != ':')
                return fail(p, "expected ':'");
        }
        if (!parse_value(p))
            return 0;
        skip_ws(p);
        char c = p->s[p->pos++];
        if (c == close)
            return 1;
        if (c != ',')
            return fail(p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_value(parser *p)
{
    skip_ws(p);
    const char *rest = p->s + p->pos;
    switch (*rest) {
    case '{': return parse_container(p, '}');
    case '[': return parse_container(p, ']');
    case '"': return parse_string(p);
    case 't': if (strncmp(rest, "true", 4) == 0) { p->pos += 4; return 1; } break;
    case 'f': if (strncmp(rest, "false", 5) == 0) { p->pos += 5; return 1; } break;
    case 'n': if (strncmp(rest, "null", 4) == 0) { p->pos += 4; return 1; } break;
    default: return parse_number(p);
    }
    return fail(p, "expected a value");
}

/* Finds the member at path in the valid value starting at s; returns its
 * start and sets *len, or NULL. */
static const char *find_path(const char *s, const char *path, size_t *len)
{
    parser p = {s, 0, NULL};
    char key[256];
    while (*path) {
        const char *dot = strchr(path, '.');
        size_t klen = dot ? (size_t)(dot - path) : strlen(path);
        if (klen >= sizeof key)
            return NULL;
        memcpy(key, path, klen);
        key[klen] = '\0';
        path += klen + (dot != NULL);
        skip_ws(&p);
        char open = p.s[p.pos];
        if (open != '{' && open != '[')
            return NULL;
        p.pos++;
        long index = open == '[' ? strtol(key, NULL, 10) : -1;
        int found = 0;
        for (long i = 0; !found; i++) {
            skip_ws(&p);
            if (p.s[p.pos] == '}' || p.s[p.pos] == ']')
                return NULL;
            if (open == '{') {
                size_t kstart = p.pos + 1;
                parse_string(&p);
                found = p.pos - 1 - kstart == klen && strncmp(p.s + kstart, key, klen) == 0;
                skip_ws(&p);
                p.pos++; /* ':' */
            } else {
                found = i == index;
            }
            if (found)
                break;
            parse_value(&p);
            skip_ws(&p);
            p.pos++; /* ',' */
        }
    }
    skip_ws(&p);
    size_t start = p.pos;
    parse_value(&p);
    *len = p.pos - start;
    return s + start;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: jsoncheck FILE [PATH ...]\n");
        return 2;
    }
    FILE *f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    char *line = NULL, *last = NULL;
    size_t cap = 0;
    long lineno = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        parser p = {line, 0, NULL};
        if (parse_value(&p)) {
            skip_ws(&p);
            if (p.s[p.pos] != '\0')
                fail(&p, "text after the value");
        }
        if (p.err != NULL) {
            fprintf(stderr, "jsoncheck: %s:%ld:%zu: %s\n", argv[1], lineno, p.pos + 1, p.err);
            return 1;
        }
        free(last);
        last = strdup(line);
    }
    if (lineno == 0) {
        fprintf(stderr, "jsoncheck: %s: no JSON value\n", argv[1]);
        return 1;
    }
    int status = 0;
    for (int i = 2; i < argc; i++) {
        size_t len;
        const char *v = find_path(last, argv[i], &len);
        if (v == NULL) {
            fprintf(stderr, "jsoncheck: no member '%s'\n", argv[i]);
            status = 1;
        } else {
            printf("%.*s\n", (int)len, v);
        }
    }
    free(line);
    free(last);
    return status;
}
