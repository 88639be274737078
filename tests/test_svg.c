/*
 * Tests for svg: the chart is well-formed XML (checked by a small XML
 * checker written here, independent of the writer), holds the expected
 * points, puts known values where hand computation says, names every series
 * in its legend, escapes text, and is the same bytes every time.
 *
 * Positions by hand: the default chart is 800 x 500 with margins 84 left,
 * 24 right, 48 top, 64 bottom, so the plot area is x 84..776 (692 wide) and
 * y 48..436 (388 high). With values from 100 to 10000 the axis runs from
 * 1e2 to 1e4: 1e4 at y 48, 1e3 at 48 + 388/2 = 242, 10^2.5 at 48 + 388*3/4
 * = 339, 1e2 at 436. Epochs 0..100 give ticks every 20, and x = 84 + 6.92 e.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/curve.h"
#include "report/svg.h"

/* ---------------------------------------------------------------------- */
/* A small XML well-formedness checker                                     */

typedef struct xml_check {
    const char *s;
    size_t pos, len;
    const char *err; /* first problem, NULL if none */
    size_t err_pos;
    int elements;    /* start tags seen */
} xml_check;

static int xfail(xml_check *x, const char *why)
{
    if (x->err == NULL) {
        x->err = why;
        x->err_pos = x->pos;
    }
    return 0;
}

static int is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static int is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Valid UTF-8 with no control characters but tab, LF, CR (XML 1.0 Char). */
static int check_chars(xml_check *x)
{
    const unsigned char *p = (const unsigned char *)x->s;
    for (size_t i = 0; i < x->len;) {
        unsigned char c = p[i];
        size_t n;
        unsigned long cp;
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                x->pos = i;
                return xfail(x, "control character");
            }
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 4;
            cp = c & 0x07;
        } else {
            x->pos = i;
            return xfail(x, "invalid UTF-8 lead byte");
        }
        if (i + n > x->len) {
            x->pos = i;
            return xfail(x, "truncated UTF-8");
        }
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                x->pos = i;
                return xfail(x, "invalid UTF-8 continuation");
            }
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        static const unsigned long min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
            cp == 0xfffe || cp == 0xffff) {
            x->pos = i;
            return xfail(x, "invalid code point");
        }
        i += n;
    }
    return 1;
}

/* At '&': a predefined entity or a character reference. */
static int check_entity(xml_check *x)
{
    static const char *const names[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
    const char *p = x->s + x->pos + 1;
    for (size_t i = 0; i < 5; i++)
        if (strncmp(p, names[i], strlen(names[i])) == 0) {
            x->pos += 1 + strlen(names[i]);
            return 1;
        }
    if (p[0] == '#') {
        size_t k = 1;
        while (p[k] >= '0' && p[k] <= '9')
            k++;
        if (k > 1 && p[k] == ';') {
            x->pos += 1 + k + 1;
            return 1;
        }
    }
    return xfail(x, "bare '&'");
}

static size_t read_name(xml_check *x)
{
    size_t start = x->pos;
    if (x->pos >= x->len || !is_name_start((unsigned char)x->s[x->pos]))
        return 0;
    while (x->pos < x->len && is_name_char((unsigned char)x->s[x->pos]))
        x->pos++;
    return x->pos - start;
}

static void skip_space(xml_check *x)
{
    while (x->pos < x->len && is_space((unsigned char)x->s[x->pos]))
        x->pos++;
}

/* Checks the whole document: prolog, comments, one root element with
 * balanced, properly nested tags, quoted attributes without duplicates,
 * escaped text. */
static int xml_well_formed(xml_check *x, const char *s, size_t len)
{
    memset(x, 0, sizeof *x);
    x->s = s;
    x->len = len;
    if (!check_chars(x))
        return 0;
    x->pos = 0;
    const char *stack[64];
    size_t stack_len[64];
    int depth = 0, roots = 0;
    if (strncmp(s, "<?xml ", 6) != 0)
        return xfail(x, "no XML declaration");
    const char *end_decl = strstr(s, "?>");
    if (end_decl == NULL)
        return xfail(x, "unterminated declaration");
    x->pos = (size_t)(end_decl - s) + 2;
    while (x->pos < x->len) {
        const char *p = s + x->pos;
        if (p[0] != '<') {
            /* Character data: only inside the root. */
            if (depth == 0) {
                if (!is_space((unsigned char)p[0]))
                    return xfail(x, "text outside the root element");
                x->pos++;
                continue;
            }
            if (p[0] == '&') {
                if (!check_entity(x))
                    return 0;
                continue;
            }
            if (p[0] == '>')
                return xfail(x, "unescaped '>' in text");
            x->pos++;
            continue;
        }
        if (strncmp(p, "<!--", 4) == 0) {
            const char *e = strstr(p + 4, "--");
            if (e == NULL || e[2] != '>')
                return xfail(x, "'--' inside a comment or unterminated comment");
            x->pos = (size_t)(e - s) + 3;
            continue;
        }
        if (p[1] == '/') {
            x->pos += 2;
            size_t start = x->pos, n = read_name(x);
            if (n == 0)
                return xfail(x, "bad end tag");
            skip_space(x);
            if (x->pos >= x->len || s[x->pos] != '>')
                return xfail(x, "end tag not closed");
            x->pos++;
            if (depth == 0 || stack_len[depth - 1] != n ||
                strncmp(stack[depth - 1], s + start, n) != 0)
                return xfail(x, "end tag does not match the open element");
            depth--;
            continue;
        }
        /* A start tag. */
        x->pos++;
        size_t start = x->pos, n = read_name(x);
        if (n == 0)
            return xfail(x, "bad start tag");
        if (depth == 0 && roots++ > 0)
            return xfail(x, "more than one root element");
        x->elements++;
        const char *attr_names[64];
        size_t attr_lens[64];
        size_t nattr = 0;
        for (;;) {
            size_t before = x->pos;
            skip_space(x);
            if (x->pos >= x->len)
                return xfail(x, "unterminated start tag");
            if (s[x->pos] == '>' || strncmp(s + x->pos, "/>", 2) == 0)
                break;
            if (x->pos == before)
                return xfail(x, "no space before an attribute");
            size_t astart = x->pos, an = read_name(x);
            if (an == 0)
                return xfail(x, "bad attribute name");
            for (size_t i = 0; i < nattr; i++)
                if (attr_lens[i] == an && strncmp(attr_names[i], s + astart, an) == 0)
                    return xfail(x, "duplicate attribute");
            if (nattr < 64) {
                attr_names[nattr] = s + astart;
                attr_lens[nattr++] = an;
            }
            skip_space(x);
            if (s[x->pos] != '=')
                return xfail(x, "attribute without '='");
            x->pos++;
            skip_space(x);
            char q = s[x->pos];
            if (q != '"' && q != '\'')
                return xfail(x, "unquoted attribute value");
            x->pos++;
            while (x->pos < x->len && s[x->pos] != q) {
                if (s[x->pos] == '<')
                    return xfail(x, "'<' in an attribute value");
                if (s[x->pos] == '&') {
                    if (!check_entity(x))
                        return 0;
                    continue;
                }
                x->pos++;
            }
            if (x->pos >= x->len)
                return xfail(x, "unterminated attribute value");
            x->pos++;
        }
        if (s[x->pos] == '/') {
            x->pos += 2; /* empty element */
            continue;
        }
        x->pos++;
        if (depth == 64)
            return xfail(x, "too deep");
        stack[depth] = s + start;
        stack_len[depth++] = n;
    }
    if (depth != 0)
        return xfail(x, "unclosed element");
    if (roots != 1)
        return xfail(x, "no root element");
    return 1;
}

static void assert_well_formed(const char *svg)
{
    xml_check x;
    if (!xml_well_formed(&x, svg, strlen(svg))) {
        size_t from = x.err_pos > 60 ? x.err_pos - 60 : 0;
        print_error("not well-formed XML: %s at byte %zu, near: %.120s\n", x.err, x.err_pos,
                    svg + from);
        fail();
    }
}

static void test_checker_catches(void **unused)
{
    (void)unused;
    /* The checker itself: it must refuse each of these. */
    const char *bad[] = {
        "<?xml version=\"1.0\"?><a><b></a></b>",
        "<?xml version=\"1.0\"?><a x=1/>",
        "<?xml version=\"1.0\"?><a>x & y</a>",
        "<?xml version=\"1.0\"?><a>x < y</a>",
        "<?xml version=\"1.0\"?><a x=\"1\" x=\"2\"/>",
        "<?xml version=\"1.0\"?><a><!-- a -- b --></a>",
        "<?xml version=\"1.0\"?><a>\xff</a>",
        "<?xml version=\"1.0\"?><a>\x01</a>",
        "<?xml version=\"1.0\"?><a/><b/>",
        "<?xml version=\"1.0\"?><a>",
        "<?xml version=\"1.0\"?><a x=\"<\"/>",
        "<a/>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        xml_check x;
        if (xml_well_formed(&x, bad[i], strlen(bad[i]))) {
            print_error("checker accepted bad case %zu: %s\n", i, bad[i]);
            fail();
        }
    }
    xml_check x;
    const char *good = "<?xml version=\"1.0\"?>\n<a k='v' j=\"&amp;&#38;\"><!-- c --><b/>t&lt;"
                       "\xc3\xa9</a>\n";
    assert_true(xml_well_formed(&x, good, strlen(good)));
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

static char *render(const gd_svg_chart *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    gd_error err;
    assert_int_equal(gd_svg_write(f, c, "mem.svg", &err), GD_OK);
    fclose(f);
    assert_int_equal(strlen(buf), len); /* no NUL bytes */
    assert_well_formed(buf);
    return buf;
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p != NULL; p = strstr(p + 1, what))
        n++;
    return n;
}

/* The points attribute of the k-th polyline (0-based), copied; NULL if none. */
static char *polyline_points(const char *svg, size_t k)
{
    const char *p = svg;
    for (size_t i = 0; i <= k; i++) {
        p = strstr(p, "<polyline");
        if (p == NULL)
            return NULL;
        p++;
    }
    const char *a = strstr(p, "points=\"");
    assert_non_null(a);
    a += 8;
    const char *e = strchr(a, '"');
    assert_non_null(e);
    char *out = malloc((size_t)(e - a) + 1);
    assert_non_null(out);
    memcpy(out, a, (size_t)(e - a));
    out[e - a] = '\0';
    /* Line breaks between points are just whitespace: normalize. */
    for (char *q = out; *q; q++)
        if (*q == '\n')
            *q = ' ';
    return out;
}

/* Parses "x,y x,y ..." into xs, ys (up to max); returns the number of pairs. */
static size_t parse_points(const char *pts, double *xs, double *ys, size_t max)
{
    size_t n = 0;
    const char *p = pts;
    while (*p) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        char *end;
        double x = strtod(p, &end);
        assert_true(end > p && *end == ',');
        p = end + 1;
        double y = strtod(p, &end);
        assert_true(end > p && (*end == ' ' || *end == '\0'));
        p = end;
        if (n < max) {
            xs[n] = x;
            ys[n] = y;
        }
        n++;
    }
    return n;
}

static size_t npoints(const char *svg, size_t k)
{
    char *pts = polyline_points(svg, k);
    assert_non_null(pts);
    size_t n = parse_points(pts, NULL, NULL, 0);
    free(pts);
    return n;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */

static void test_known_positions(void **unused)
{
    (void)unused;
    const double x[] = {0, 25, 50, 100};
    const double y[] = {100, 316.22776601683796 /* 10^2.5 */, 1000, 10000};
    gd_svg_series se = {"train", x, y, 4, 0, GD_SVG_SOLID};
    gd_svg_chart c = {.title = "Known", .series = &se, .nseries = 1};
    char *svg = render(&c);
    char *pts = polyline_points(svg, 0);
    assert_string_equal(pts, "84.00,436.00 257.00,339.00 430.00,242.00 776.00,48.00");
    free(pts);
    /* Decade labels (1e4 in exponent form), with 2 and 5 labelled on a
     * two-decade axis, each at its value's height (+4 for the baseline). */
    assert_non_null(strstr(svg, "<text x=\"75.00\" y=\"440.00\">100</text>"));
    assert_non_null(strstr(svg, "<text x=\"75.00\" y=\"246.00\">1000</text>"));
    assert_non_null(strstr(svg, "<text x=\"75.00\" y=\"52.00\">1e4</text>"));
    /* 500: 48 + 388 * (4 - log10(500)) / 2 = 48 + 194 * 1.30103 = 300.40 */
    assert_non_null(strstr(svg, "<text x=\"75.00\" y=\"304.40\">500</text>"));
    assert_non_null(strstr(svg, ">2000</text>"));
    assert_null(strstr(svg, ">3000</text>"));
    /* Epoch ticks every 20: 0 at 84, 60 at 84 + 6.92 * 60 = 499.2. */
    assert_non_null(strstr(svg, "<text x=\"84.00\" y=\"456.00\">0</text>"));
    assert_non_null(strstr(svg, "<text x=\"499.20\" y=\"456.00\">60</text>"));
    assert_non_null(strstr(svg, "<text x=\"776.00\" y=\"456.00\">100</text>"));
    assert_null(strstr(svg, ">120</text>"));
    /* Axis labels, title, legend. */
    assert_non_null(strstr(svg, ">epoch</text>"));
    assert_non_null(strstr(svg, ">loss (MSE)</text>"));
    assert_non_null(strstr(svg, "font-weight=\"bold\">Known</text>"));
    assert_non_null(strstr(svg, "<title>Known</title>"));
    assert_non_null(strstr(svg, ">train</text>"));
    assert_non_null(strstr(svg, "version=\"1.1\""));
    assert_non_null(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
    free(svg);
}

static void test_narrow_range(void **unused)
{
    (void)unused;
    /* Every value 1000: the axis widens to 500..2000 around it, and 1000
     * sits in the middle (log10 2000 - 3 = 3 - log10 500). */
    const double x[] = {1, 2, 3};
    const double y[] = {1000, 1000, 1000};
    gd_svg_series se = {"flat", x, y, 3, 2, GD_SVG_SOLID};
    gd_svg_chart c = {.series = &se, .nseries = 1};
    char *svg = render(&c);
    char *pts = polyline_points(svg, 0);
    /* Epochs 1..3: step 1, from 1: 1 at 84, 2 at 430, 3 at 776. */
    assert_string_equal(pts, "84.00,242.00 430.00,242.00 776.00,242.00");
    free(pts);
    /* Less than a decade: minor values labelled. */
    assert_non_null(strstr(svg, ">500</text>"));
    assert_non_null(strstr(svg, ">700</text>"));
    assert_non_null(strstr(svg, ">2000</text>"));
    assert_null(strstr(svg, "<title>")); /* no title given */
    free(svg);
}

static void test_nonpositive_and_nan(void **unused)
{
    (void)unused;
    const double x[] = {0, 10, 20, 30, 40};
    const double y[] = {100, 10, 0, NAN, -5};
    const double x2[] = {0, NAN, 40};
    const double y2[] = {50, 50, INFINITY};
    gd_svg_series se[2] = {
        {"a", x, y, 5, 0, GD_SVG_SOLID},
        {"b", x2, y2, 3, 1, GD_SVG_DASHED},
    };
    gd_svg_chart c = {.series = se, .nseries = 2};
    char *svg = render(&c);
    /* NaN left out: 4 points; 0 and -5 drawn at 10, the smallest positive
     * value, which is the bottom of a 10..100 axis (y 436). */
    char *pts = polyline_points(svg, 0);
    assert_string_equal(pts, "84.00,48.00 257.00,436.00 430.00,436.00 776.00,436.00");
    free(pts);
    /* Series b: only its first point is drawable: one point and a dot. */
    assert_int_equal(npoints(svg, 1), 1);
    assert_int_equal(count(svg, "<circle"), 1);
    assert_non_null(strstr(svg, "<!-- 2 values <= 0 drawn at 10, the smallest positive value"));
    assert_non_null(strstr(svg, "note: 2 values &lt;= 0 drawn at 10"));
    assert_non_null(strstr(svg, "<!-- 3 points with a NaN or infinite epoch or value left out"));
    /* Dashed series carry a dash array; legend lists both. */
    assert_int_equal(count(svg, "stroke-dasharray=\"7 4\""), 2); /* line and legend sample */
    assert_non_null(strstr(svg, ">a</text>"));
    assert_non_null(strstr(svg, ">b</text>"));
    free(svg);
}

static void test_downsampling(void **unused)
{
    (void)unused;
    enum { N = 10000 };
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    double *flat = malloc(N * sizeof *flat);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(flat);
    for (size_t i = 0; i < N; i++) {
        x[i] = (double)(i + 1);
        y[i] = 1e6 / (double)(i + 1); /* strictly decreasing */
        flat[i] = 1.0;
    }
    flat[5000] = 100; /* one spike */
    gd_svg_series se[4] = {
        {"decreasing", x, y, N, 0, GD_SVG_SOLID},
        {"flat with a spike", x, flat, N, 1, GD_SVG_SOLID},
        {"2000 points", x, y, 2000, 2, GD_SVG_SOLID},
        {"2001 points", x, y, 2001, 3, GD_SVG_SOLID},
    };
    gd_svg_chart c = {.series = se, .nseries = 4};
    char *svg = render(&c);
    /* Strictly decreasing: every run has distinct lowest and highest
     * points, so 2 + 2 * 999 = 2000 points. */
    assert_int_equal(npoints(svg, 0), 2000);
    /* Flat: each run gives one point (lowest = highest), except the run with
     * the spike, which gives two: 2 + 999 + 1. */
    assert_int_equal(npoints(svg, 1), 1002);
    assert_int_equal(npoints(svg, 2), 2000); /* not over the limit */
    assert_int_equal(npoints(svg, 3), 2000); /* 2 + 2 * 999 again */
    /* First and last points kept: epoch 1 next to the left edge (the axis
     * starts at 0), 10000 at the right edge; x never goes back. */
    char *pts = polyline_points(svg, 0);
    double xs[2000], ys[2000];
    assert_int_equal(parse_points(pts, xs, ys, 2000), 2000);
    assert_close_abs(xs[0], 84 + 692.0 / 10000, 0.0051); /* epochs 0..10000 */
    assert_true(xs[1999] == 776.0);
    for (size_t i = 1; i < 2000; i++)
        assert_true(xs[i] >= xs[i - 1]);
    free(pts);
    pts = polyline_points(svg, 1);
    double fx[1002], fy[1002];
    assert_int_equal(parse_points(pts, fx, fy, 1002), 1002);
    double top = fy[0];
    for (size_t i = 0; i < 1002; i++)
        if (fy[i] < top)
            top = fy[i];
    /* The spike (100) is above the flat line (1) by 2 decades of a 1..1e6
     * axis: 388 * 2/6 = 129.33 pixels. */
    assert_close_abs(fy[0] - top, 388.0 * 2 / 6, 0.011);
    free(pts);
    /* A smaller limit. */
    c.max_points = 10;
    c.nseries = 1;
    free(svg);
    svg = render(&c);
    assert_int_equal(npoints(svg, 0), 10);
    free(svg);
    free(x);
    free(y);
    free(flat);
}

static void test_escaping_and_legend(void **unused)
{
    (void)unused;
    const double x[] = {1, 2};
    const double y[] = {2, 1};
    gd_svg_series se[3] = {
        {"a&b <c> \"d\" 'e'", x, y, 2, 0, GD_SVG_SOLID},
        {"bad \xff\xfe utf8 \x01 caf\xc3\xa9", x, y, 2, 1, GD_SVG_DASHED},
        {NULL, x, y, 2, 2, GD_SVG_DOTTED}, /* not in the legend */
    };
    gd_svg_hline ref = {1.5, "optimum <exact>"};
    gd_svg_chart c = {.title = "T & <t>", .x_label = "x<", .y_label = "y&",
                      .series = se, .nseries = 3, .hlines = &ref, .nhlines = 1};
    char *svg = render(&c);
    assert_non_null(strstr(svg, ">a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;</text>"));
    assert_non_null(strstr(svg, ">bad \xef\xbf\xbd\xef\xbf\xbd utf8 \xef\xbf\xbd caf\xc3\xa9</text>"));
    assert_non_null(strstr(svg, "<title>T &amp; &lt;t&gt;</title>"));
    assert_non_null(strstr(svg, ">x&lt;</text>"));
    assert_non_null(strstr(svg, ">y&amp;</text>"));
    assert_non_null(strstr(svg, ">optimum &lt;exact&gt;</text>"));
    /* Three polylines, three different colours; two legend samples. */
    assert_int_equal(count(svg, "<polyline"), 3);
    assert_non_null(strstr(svg, "stroke=\"#1f77b4\""));
    assert_non_null(strstr(svg, "stroke=\"#d62728\""));
    assert_non_null(strstr(svg, "stroke=\"#2ca02c\""));
    assert_int_equal(count(svg, "stroke-width=\"2\""), 2);
    /* The reference line at 1.5 on a 1..2 axis: 48 + 388 * log10(2/1.5) /
     * log10(2) = 48 + 388 * 0.415037 = 209.03. */
    assert_non_null(strstr(svg, "y1=\"209.03\" x2=\"776.00\" y2=\"209.03\" stroke=\"#555555\""));
    free(svg);

    /* A long name is cut with an ellipsis in the legend. */
    char longname[200];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    gd_svg_series one = {longname, x, y, 2, 0, GD_SVG_SOLID};
    gd_svg_chart c2 = {.series = &one, .nseries = 1};
    svg = render(&c2);
    char expect[64];
    memset(expect, 'n', 47);
    memcpy(expect + 47, "\xe2\x80\xa6</text>", 11); /* with the NUL */
    assert_non_null(strstr(svg, expect));
    free(svg);
}

static void test_deterministic(void **unused)
{
    (void)unused;
    const double x[] = {1, 2, 3, 4, 5};
    const double y[] = {5e9, 2e9, 1e9, 9e8, 8.85e8};
    gd_svg_series se = {"adam", x, y, 5, 3, GD_SVG_SOLID};
    gd_svg_hline h = {8.8e8, "optimum"};
    gd_svg_chart c = {.title = "det", .series = &se, .nseries = 1, .hlines = &h, .nhlines = 1};
    char *a = render(&c), *b = render(&c);
    assert_string_equal(a, b);
    /* The axis fits the data: 8e8..5e9 (whole multiples of powers of ten),
     * less than a decade, so every tick is labelled: 9e8 lies log10(9/8) /
     * log10(50/8) * 388 = 24.9 px above 8e8, room enough for 12 px labels. */
    assert_non_null(strstr(a, ">8e8</text>"));
    assert_non_null(strstr(a, ">9e8</text>"));
    assert_non_null(strstr(a, ">1e9</text>"));
    assert_non_null(strstr(a, ">5e9</text>"));
    assert_null(strstr(a, ">5e8</text>"));
    free(a);
    free(b);
}

static void test_empty_chart(void **unused)
{
    (void)unused;
    gd_svg_chart c = {.title = "nothing"};
    char *svg = render(&c);
    assert_non_null(strstr(svg, "no data to draw"));
    assert_int_equal(count(svg, "<polyline"), 0);
    free(svg);
    /* A series of NaN only: drawn as nothing, still listed in the legend. */
    const double x[] = {1, 2};
    const double y[] = {NAN, NAN};
    gd_svg_series se = {"val", x, y, 2, 0, GD_SVG_DASHED};
    gd_svg_chart c2 = {.series = &se, .nseries = 1};
    svg = render(&c2);
    assert_int_equal(count(svg, "<polyline"), 0);
    assert_non_null(strstr(svg, ">val</text>"));
    free(svg);
}

static void test_extreme_values(void **unused)
{
    (void)unused;
    /* Epochs so large that a step of 1 vanishes, epochs spanning the whole
     * double range, values from the smallest subnormal to DBL_MAX: the
     * chart must still come out, finite and well-formed. */
    const double x1[] = {1e17, 1e17 + 16};
    const double x2[] = {-1e308, 1e308};
    const double x3[] = {1e17, 1e17};
    const double y[] = {4.9406564584124654e-324, 1.7976931348623157e308};
    gd_svg_series se[3] = {
        {"big", x1, y, 2, 0, GD_SVG_SOLID},
        {"huge", x2, y, 2, 1, GD_SVG_SOLID},
        {"same", x3, y, 2, 2, GD_SVG_SOLID},
    };
    for (size_t k = 0; k < 3; k++) {
        gd_svg_chart c = {.series = &se[k], .nseries = 1};
        char *svg = render(&c);
        assert_null(strstr(svg, "nan"));
        assert_null(strstr(svg, "inf"));
        assert_int_equal(npoints(svg, 0), 2);
        /* Smallest value at the bottom, largest at the top. */
        char *pts = polyline_points(svg, 0);
        double xs[2], ys[2];
        parse_points(pts, xs, ys, 2);
        assert_true(ys[0] <= 436.0 && ys[0] > 435.0);
        assert_true(ys[1] >= 48.0 && ys[1] < 49.0);
        if (k == 1) {
            assert_true(xs[0] == 84.0);
            assert_true(xs[1] == 776.0);
        }
        free(pts);
        free(svg);
    }
}

static void test_curves(void **unused)
{
    (void)unused;
    gd_curve_row ra[3] = {
        {1, 4, 5, 1, 0.1, 0}, {2, 2, 3, 1, 0.1, 0}, {3, 1, 2, 1, 0.1, 0},
    };
    gd_curve_row rb[2] = {
        {1, 8, NAN, 1, 0.1, 0}, {2, 0.5, NAN, 1, 0.1, 0},
    };
    gd_curve curves[2] = {
        {ra, 3, GD_CURVE_DEFAULT_COLUMNS}, {rb, 2, GD_CURVE_DEFAULT_COLUMNS},
    };
    const char *names[2] = {"a.csv", "b.csv"};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    gd_error err;
    assert_int_equal(gd_svg_write_curves(f, "m", curves, names, 2, NULL, &err), GD_OK);
    fclose(f);
    assert_well_formed(buf);
    /* a: train and val; b has no validation values: train only. */
    assert_int_equal(count(buf, "<polyline"), 3);
    assert_int_equal(npoints(buf, 0), 3);
    assert_int_equal(npoints(buf, 1), 3);
    assert_int_equal(npoints(buf, 2), 2);
    assert_non_null(strstr(buf, ">a.csv train</text>"));
    assert_non_null(strstr(buf, ">a.csv val</text>"));
    assert_non_null(strstr(buf, ">b.csv train</text>"));
    assert_null(strstr(buf, ">b.csv val</text>"));
    assert_non_null(strstr(buf, "<title>Loss curve</title>"));
    /* Same colour for a's two lines, the val one dashed. */
    char *p0 = strstr(buf, "<polyline");
    char *p1 = strstr(p0 + 1, "<polyline");
    char *p2 = strstr(p1 + 1, "<polyline");
    assert_true(strncmp(p0, "<polyline fill=\"none\" stroke=\"#1f77b4\"", 38) == 0);
    assert_true(strncmp(p1, "<polyline fill=\"none\" stroke=\"#1f77b4\"", 38) == 0);
    assert_true(strncmp(p2, "<polyline fill=\"none\" stroke=\"#d62728\"", 38) == 0);
    const char *dash0 = strstr(p0, "dasharray");
    assert_true(dash0 == NULL || dash0 > p1);
    assert_true(strstr(p1, "stroke-dasharray=\"7 4\"") < p2);
    free(buf);

    /* No names, no validation, a reference line, a title; saved to a file. */
    gd_svg_hline opt_line = {0.4, "optimum"};
    gd_svg_curve_options o = {.title = "Run", .no_val = 1, .hlines = &opt_line, .nhlines = 1};
    const char *p = temp_path("curves.svg");
    char path[256];
    snprintf(path, sizeof path, "%s", p);
    assert_int_equal(gd_svg_save_curves(path, curves, NULL, 1, &o, &err), GD_OK);
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[n] = '\0';
    assert_well_formed(text);
    assert_int_equal(count(text, "<polyline"), 1);
    assert_non_null(strstr(text, ">train loss</text>"));
    assert_null(strstr(text, "validation loss"));
    assert_non_null(strstr(text, ">optimum</text>"));
    assert_non_null(strstr(text, "<title>Run</title>"));
}

static void test_write_errors(void **unused)
{
    (void)unused;
    const double x[] = {1, 2};
    const double y[] = {2, 1};
    gd_svg_series se = {"s", x, y, 2, 0, GD_SVG_SOLID};
    gd_svg_chart c = {.series = &se, .nseries = 1};
    gd_error err;
    /* A folder that does not exist: nothing is created. */
    assert_int_equal(gd_svg_save("/nonexistent-gdtrain-dir/x.svg", &c, &err), GD_ERR_IO);
    assert_string_equal(err.file, "/nonexistent-gdtrain-dir/x.svg");
    /* A full device. */
    if (access("/dev/full", W_OK) == 0) {
        FILE *f = fopen("/dev/full", "w");
        assert_non_null(f);
        assert_int_equal(gd_svg_write(f, &c, "/dev/full", &err), GD_ERR_IO);
        assert_string_equal(err.file, "/dev/full");
        fclose(f);
        assert_int_equal(gd_svg_save("/dev/full", &c, &err), GD_ERR_IO);
    }
}

/* ---- Log axes, the gap, label placement -------------------------------- */

/* Epochs on a log scale: 1, 10, 100 at the left end, the middle and the
 * right end; a point at epoch 0 cannot be drawn there and is left out. */
static void test_log_x(void **unused)
{
    (void)unused;
    const double x[] = {0, 1, 10, 100};
    const double y[] = {1000, 100, 10, 1};
    gd_svg_series se = {"a", x, y, 4, 0, GD_SVG_SOLID};
    gd_svg_chart c = {.series = &se, .nseries = 1, .x_log = 1};
    char *svg = render(&c);
    char *pts = polyline_points(svg, 0);
    /* y: 1..100 (the point at epoch 0 is not data any more): 436, 242, 48. */
    assert_string_equal(pts, "84.00,48.00 430.00,242.00 776.00,436.00");
    free(pts);
    assert_non_null(strstr(svg, "<!-- 1 point with a NaN or infinite epoch or value, or an "
                                "epoch <= 0 on the log scale, left out -->"));
    /* Decade labels at 84, 430 and 776 px; ticks at 2..9 times each, unlabelled
     * (two decades are more than one: only 2 and 5 may be, and they fit). */
    assert_non_null(strstr(svg, "<text x=\"84.00\" y=\"456.00\">1</text>"));
    assert_non_null(strstr(svg, "<text x=\"430.00\" y=\"456.00\">10</text>"));
    assert_non_null(strstr(svg, "<text x=\"776.00\" y=\"456.00\">100</text>"));
    /* 20: 84 + 346 * (1 + log10 2) = 534.16 */
    assert_non_null(strstr(svg, "<text x=\"534.16\" y=\"456.00\">20</text>"));
    assert_null(strstr(svg, ">30</text>"));
    assert_non_null(strstr(svg, ">epoch (log scale)</text>"));
    free(svg);
}

/* --y gap: each training loss drawn as (loss - optimum) / optimum. */
static void test_gap_curves(void **unused)
{
    (void)unused;
    gd_curve_row rows[3] = {
        {1, 4, 9, 1, 0.1, 0}, {2, 2.5, 8, 1, 0.1, 0}, {3, 2.02, 7, 1, 0.1, 0},
    };
    gd_curve curve = {rows, 3, GD_CURVE_DEFAULT_COLUMNS};
    gd_svg_hline line = {2, "optimum"};
    gd_svg_curve_options o = {.hlines = &line, .nhlines = 1, .gap_optimum = 2};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    gd_error err;
    const char *names[] = {"run.csv"};
    assert_int_equal(gd_svg_write_curves(f, "m", &curve, names, 1, &o, &err), GD_OK);
    fclose(f);
    assert_well_formed(buf);
    /* Gaps 1, 0.25, 0.01 on an axis 0.01..1: 1 at the top (48), 0.01 at the
     * bottom (436), 0.25 at 48 + 388 * log10(4) / 2 = 164.80; epochs 1..3. */
    assert_int_equal(count(buf, "<polyline"), 1); /* no validation series */
    char *pts = polyline_points(buf, 0);
    assert_string_equal(pts, "84.00,48.00 430.00,164.80 776.00,436.00");
    free(pts);
    assert_non_null(strstr(buf, ">gap to the optimum: (MSE - optimum) / optimum</text>"));
    assert_null(strstr(buf, ">optimum</text>")); /* gap 0 cannot be drawn */
    assert_non_null(strstr(buf, ">run.csv train</text>"));
    free(buf);
}

/* Hand-worked ticks: 1..10^4 over 692 px, one decade every 173 px. */
static void test_log_ticks_known(void **unused)
{
    (void)unused;
    gd_svg_tick t[64];
    size_t n = gd_svg_log_ticks(0, 4, 84, 776, 1, t, 64);
    assert_int_equal(n, 4 * 9 + 1); /* four decades of 1..9, and 10^4 */
    const char *want[] = {"1", "10", "100", "1000", "1e4"};
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(i == 0 || t[i].pos > t[i - 1].pos);
        if (t[i].m == 1) {
            assert_true(t[i].labelled);
            assert_string_equal(t[i].label, want[k]);
            assert_close_abs(t[i].pos, 84 + 173.0 * (double)k, 1e-9);
            k++;
        } else {
            assert_false(t[i].labelled); /* four decades: decades only */
        }
    }
    assert_int_equal(k, 5);
    /* Too small for a label per decade: 10^0 .. 10^6 in 48 px, 8 px a
     * decade, 7 px a character, labels at least 4 px apart. Taken left to
     * right: "1" at 0; "10" at 8 and "100" at 16 would crowd it (8 < 3.5 + 7
     * + 4, 16 < 3.5 + 10.5 + 4); "1000" at 24 fits (24 >= 3.5 + 14 + 4); "1e4"
     * to "1e6" at 32..48 would crowd "1000" (48 - 24 < 14 + 10.5 + 4). */
    n = gd_svg_log_ticks(0, 6, 0, 48, 1, t, 64);
    char got[64] = "";
    for (size_t i = 0; i < n; i++)
        if (t[i].labelled) {
            strcat(got, t[i].label);
            strcat(got, " ");
        }
    assert_string_equal(got, "1 1000 ");
}

/* Whatever the range and the length of the axis, no two labels come
 * closer than GD_SVG_LABEL_GAP, every tick lies on the axis in order, and
 * an axis with a power of ten on it labels at least one. */
static void test_log_ticks_never_collide(void **unused)
{
    (void)unused;
    enum { MAXT = 1000 };
    gd_svg_tick *t = malloc(MAXT * sizeof *t);
    assert_non_null(t);
    uint64_t seed = 11;
    for (int trial = 0; trial < 20000; trial++) {
        double a = (double)(splitmix64(&seed) % 630000) / 1000.0 - 323.0;
        double span = trial % 3 == 0 ? (double)(splitmix64(&seed) % 1000) / 500.0 + 1e-3
                                     : (double)(splitmix64(&seed) % 60000) / 100.0 + 1e-3;
        double b = fmin(a + span, 308.0);
        if (!(b > a))
            continue;
        int horizontal = trial % 2;
        double len = 20.0 + (double)(splitmix64(&seed) % 2000);
        double p_lo = horizontal ? 84 : 436, p_hi = horizontal ? p_lo + len : p_lo - len;
        size_t n = gd_svg_log_ticks(a, b, p_lo, p_hi, horizontal, t, MAXT);
        assert_true(n <= MAXT);
        size_t labels = 0, decades = 0;
        for (size_t i = 0; i < n; i++) {
            double lo = fmin(p_lo, p_hi) - 1e-6, hi = fmax(p_lo, p_hi) + 1e-6;
            assert_true(t[i].pos >= lo && t[i].pos <= hi);
            assert_true(i == 0 || (horizontal ? t[i].pos > t[i - 1].pos
                                              : t[i].pos < t[i - 1].pos));
            decades += t[i].m == 1;
            if (!t[i].labelled)
                continue;
            labels++;
            double ei = horizontal ? (double)strlen(t[i].label) * GD_SVG_CHAR_WIDTH
                                   : GD_SVG_LINE_HEIGHT;
            for (size_t j = 0; j < i; j++) {
                if (!t[j].labelled)
                    continue;
                double ej = horizontal ? (double)strlen(t[j].label) * GD_SVG_CHAR_WIDTH
                                       : GD_SVG_LINE_HEIGHT;
                if (fabs(t[i].pos - t[j].pos) < (ei + ej) / 2 + GD_SVG_LABEL_GAP)
                    fail_msg("labels %s and %s overlap: axis 1e%g..1e%g over %g px",
                             t[j].label, t[i].label, a, b, len);
            }
        }
        if (decades > 0)
            assert_true(labels > 0);
    }
    free(t);
}

/* A reference line along the top would put its label under the legend in
 * the top right corner: it moves to the left end instead. */
static void test_hline_label_avoids_legend(void **unused)
{
    (void)unused;
    const double x[] = {0, 50, 100};
    const double y[] = {1, 1, 1.5};
    gd_svg_series se = {"a long legend entry", x, y, 3, 0, GD_SVG_SOLID};
    gd_svg_hline h = {10, "optimum"};
    gd_svg_chart c = {.series = &se, .nseries = 1, .hlines = &h, .nhlines = 1};
    char *svg = render(&c);
    double lx, ly, lw, lh, bx, by, bw;
    const char *legend = strstr(svg, "<g font-size=\"12\">\n<rect ");
    assert_non_null(legend);
    assert_int_equal(sscanf(legend, "<g font-size=\"12\">\n<rect x=\"%lf\" y=\"%lf\" "
                            "width=\"%lf\" height=\"%lf\"", &lx, &ly, &lw, &lh), 4);
    const char *label = strstr(svg, "height=\"13\" fill=\"#ffffff\"");
    assert_non_null(label);
    while (label > svg && strncmp(label, "<rect", 5) != 0)
        label--;
    assert_int_equal(sscanf(label, "<rect x=\"%lf\" y=\"%lf\" width=\"%lf\"", &bx, &by, &bw),
                     3);
    assert_true(lx > 400); /* the legend took the top right corner */
    assert_true(bx + bw <= lx || lx + lw <= bx || by + 13 <= ly || ly + lh <= by);
    assert_close_abs(bx, 87, 1e-9); /* the left end */
    assert_non_null(strstr(svg, ">optimum</text>"));
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checker_catches),
        cmocka_unit_test(test_known_positions),
        cmocka_unit_test(test_narrow_range),
        cmocka_unit_test(test_nonpositive_and_nan),
        cmocka_unit_test(test_downsampling),
        cmocka_unit_test(test_escaping_and_legend),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_empty_chart),
        cmocka_unit_test(test_extreme_values),
        cmocka_unit_test(test_curves),
        cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_log_x),
        cmocka_unit_test(test_gap_curves),
        cmocka_unit_test(test_log_ticks_known),
        cmocka_unit_test(test_log_ticks_never_collide),
        cmocka_unit_test(test_hline_label_avoids_legend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
