/*
 * svg: loss curves as an SVG line chart. See svg.h.
 *
 * gd_svg_write works in four steps: scan the series for the data ranges
 * (and for points that cannot be drawn), choose the scales and ticks, pick
 * the points to draw (down-sampling long series), then print the document
 * from the back to the front: background, grid, frame, ticks and labels,
 * reference lines, the series, the legend, notes. The legend goes in the
 * corner of the plot area that the fewest line segments cross.
 *
 * Log-scale positions are computed from (mantissa, exponent) pairs where
 * possible, so that a decade such as 1e-3, whose double is not exactly a
 * power of ten, still sits exactly on its tick: log10(m * 10^e) = e + log10(m).
 */
#include "report/svg.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/atomicfile.h"

static const char *const svg_palette[GD_SVG_PALETTE_SIZE] = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
};

enum {
    LEGEND_PAD = 8,      /* inside the legend box */
    LEGEND_SAMPLE = 30,  /* length of the line sample */
    LEGEND_ROW = 18,     /* height of an entry */
    LEGEND_CHAR = GD_SVG_CHAR_WIDTH,
    LEGEND_MAX_CHARS = 48, /* longer names are cut with an ellipsis */
    LEGEND_INSET = 10    /* distance from the plot area's edges */
};

/* A positive number m * 10^e with m in {1, 2, 5} (a step of the 1-2-5 ladder). */
typedef struct ladder {
    int m;
    int e;
} ladder;

/* The chart's geometry and scales. */
typedef struct svg_scale {
    double left, right, top, bottom; /* plot area in pixels */
    int x_log;                       /* x on a log10 scale */
    double x0, x1, xstep;            /* linear x: epoch range and tick step */
    int nxticks;                     /* ticks at x0 + k * xstep, k < nxticks */
    double lxlo, lxhi;               /* log x: log10 of the epoch range */
    ladder lo, hi;                   /* value range */
    double llo, lhi;                 /* log10(lo), log10(hi) */
    double clip;                     /* where values <= 0 are drawn: the smallest positive value */
} svg_scale;

/* The points of one series that will be drawn: indexes into x and y. */
typedef struct svg_points {
    size_t *idx;
    size_t n;
} svg_points;

static double ladder_log(ladder l)
{
    return (double)l.e + log10((double)l.m);
}

static double ladder_value(ladder l)
{
    return (double)l.m * pow(10.0, (double)l.e);
}

static ladder ladder_up(ladder l)
{
    ladder r = l;
    if (l.m == 1)
        r.m = 2;
    else if (l.m == 2)
        r.m = 5;
    else
        r.m = 1, r.e++;
    return r;
}

static ladder ladder_down(ladder l)
{
    ladder r = l;
    if (l.m == 5)
        r.m = 2;
    else if (l.m == 2)
        r.m = 1;
    else
        r.m = 5, r.e--;
    return r;
}

/* The decade exponent of v > 0: 10^e <= v < 10^(e+1), checked against pow
 * so that log10's rounding cannot put v in the wrong decade. */
static int decade_of(double v)
{
    int e = (int)floor(log10(v));
    if (pow(10.0, (double)e) > v)
        e--;
    else if (pow(10.0, (double)(e + 1)) <= v)
        e++;
    return e;
}

/* The largest ladder step <= v (v > 0). */
static ladder ladder_floor(double v)
{
    ladder l = {5, decade_of(v)};
    while (ladder_value(l) > v)
        l = ladder_down(l);
    return l;
}

/* The smallest ladder step >= v (v > 0). */
static ladder ladder_ceil(double v)
{
    ladder l = {1, decade_of(v)};
    while (ladder_value(l) < v)
        l = ladder_up(l);
    return l;
}

/* The k-th epoch tick. */
static double xtick(const svg_scale *s, int k)
{
    return (s->x0 / s->xstep + (double)k) * s->xstep; /* no overflow near DBL_MAX */
}

static double map_x(const svg_scale *s, double e)
{
    if (s->x_log)
        return s->left + (log10(e) - s->lxlo) / (s->lxhi - s->lxlo) * (s->right - s->left);
    /* Halved first, so that epochs near DBL_MAX cannot overflow; exact
     * (the same bits as without halving) for normal numbers. */
    return s->left + (0.5 * e - 0.5 * s->x0) / (0.5 * s->x1 - 0.5 * s->x0) *
                         (s->right - s->left);
}

/* y of a value, or of a known log10 of one. */
static double map_log(const svg_scale *s, double lv)
{
    return s->top + (s->lhi - lv) / (s->lhi - s->llo) * (s->bottom - s->top);
}

static double map_y(const svg_scale *s, double v)
{
    return map_log(s, log10(v > 0 ? v : s->clip));
}

/* Whether a point can be drawn: finite, and at an epoch > 0 on a log x axis. */
static int drawable(double x, double y, int x_log)
{
    return isfinite(x) && isfinite(y) && (!x_log || x > 0);
}

/* ---- Text ------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..len) that XML allows, or 0 if
 * the bytes there are invalid, a control character, or U+FFFE/U+FFFF. */
static size_t utf8_char(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return (c >= 0x20 && c != 0x7f) || c == '\t' ? 1 : 0;
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
    if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (len < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    if (need == 3 && c == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf))
        return 0; /* U+FFFE, U+FFFF are not XML characters */
    return need;
}

/* Number of characters put_text would show for s (before cutting). */
static size_t text_chars(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), n = 0;
    for (size_t i = 0; i < len; n++) {
        size_t k = utf8_char(p + i, len - i);
        i += k ? k : 1;
    }
    return n;
}

/* Writes s as XML character data: markup characters escaped, invalid bytes
 * and control characters as U+FFFD, a tab as a space; at most max_chars
 * characters (0 = all), the last replaced by an ellipsis when cut. */
static void put_text(FILE *out, const char *s, size_t max_chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    size_t total = text_chars(s), shown = 0;
    int cut = max_chars > 0 && total > max_chars;
    for (size_t i = 0; i < len;) {
        if (cut && shown + 1 == max_chars) {
            fputs("\xe2\x80\xa6", out); /* U+2026 HORIZONTAL ELLIPSIS */
            return;
        }
        size_t k = utf8_char(p + i, len - i);
        shown++;
        if (k == 0) {
            fputs("\xef\xbf\xbd", out); /* U+FFFD REPLACEMENT CHARACTER */
            i++;
            continue;
        }
        switch (p[i]) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        case '\t': fputc(' ', out); break;
        default: fwrite(p + i, 1, k, out); break;
        }
        i += k;
    }
}

/* A log-axis label: plain decimals from 0.01 to 1000, else "2e9". */
static void ladder_label(char *buf, size_t size, int m, int e)
{
    if (e >= -2 && e <= 3) {
        double v = (double)m * pow(10.0, (double)e);
        snprintf(buf, size, "%.*f", e < 0 ? -e : 0, v);
    } else {
        snprintf(buf, size, "%de%d", m, e);
    }
}

/* ---- Scales and points ------------------------------------------------ */

/* What the scan of the data found. */
typedef struct svg_ranges {
    double xmin, xmax;   /* epochs of drawable points */
    double ypos_min;     /* smallest value > 0 (series and reference lines) */
    double ymax;         /* largest value */
    size_t drawable;     /* drawable points in all series */
    size_t nonpositive;  /* of which values <= 0 */
    size_t undrawable;   /* points left out: NaN or infinite */
} svg_ranges;

static void scan(const gd_svg_chart *c, svg_ranges *r)
{
    r->xmin = INFINITY;
    r->xmax = -INFINITY;
    r->ypos_min = INFINITY;
    r->ymax = -INFINITY;
    r->drawable = r->nonpositive = r->undrawable = 0;
    for (size_t s = 0; s < c->nseries; s++) {
        const gd_svg_series *se = &c->series[s];
        for (size_t i = 0; i < se->n; i++) {
            double x = se->x[i], y = se->y[i];
            if (!drawable(x, y, c->x_log)) {
                r->undrawable++;
                continue;
            }
            r->drawable++;
            r->xmin = fmin(r->xmin, x);
            r->xmax = fmax(r->xmax, x);
            if (y > 0) {
                r->ypos_min = fmin(r->ypos_min, y);
                r->ymax = fmax(r->ymax, y);
            } else {
                r->nonpositive++;
            }
        }
    }
    for (size_t h = 0; h < c->nhlines; h++) {
        double y = c->hlines[h].y;
        if (isfinite(y) && y > 0) {
            r->ypos_min = fmin(r->ypos_min, y);
            r->ymax = fmax(r->ymax, y);
        }
    }
}

/* v / 10^e, in two steps where 10^-e alone would overflow (subnormal v). */
static double scaled_by_decade(double v, int e)
{
    return e < -300 ? v * 1e300 * pow(10.0, (double)(-e - 300)) : v * pow(10.0, (double)-e);
}

/* The largest m * 10^e <= v with m a whole number 1..9 (v > 0). */
static ladder unit_floor(double v)
{
    ladder l = {9, decade_of(v)};
    double mant = scaled_by_decade(v, l.e);
    while (l.m > 1 && (double)l.m > mant)
        l.m--;
    return l;
}

/* The smallest m * 10^e >= v with m a whole number 1..9, or 10^(e+1). */
static ladder unit_ceil(double v)
{
    ladder l = {1, decade_of(v)};
    double mant = scaled_by_decade(v, l.e);
    while (l.m < 9 && (double)l.m < mant)
        l.m++;
    if ((double)l.m < mant)
        l = (ladder){1, l.e + 1};
    return l;
}

static int ladder_same(ladder a, ladder b)
{
    return a.m == b.m && a.e == b.e;
}

static void make_scale(const svg_ranges *r, double width, double height, int x_log,
                       svg_scale *s)
{
    s->left = GD_SVG_MARGIN_LEFT;
    s->right = width - GD_SVG_MARGIN_RIGHT;
    s->top = GD_SVG_MARGIN_TOP;
    s->bottom = height - GD_SVG_MARGIN_BOTTOM;
    s->x_log = x_log;
    s->lxlo = r->drawable ? log10(r->xmin) : 0;
    s->lxhi = r->drawable ? log10(r->xmax) : 1;
    if (!(s->lxhi - s->lxlo > 1e-9)) { /* one epoch: half a decade either side */
        s->lxlo -= 0.5;
        s->lxhi += 0.5;
    }

    /* x: a round step for about eight ticks, at least 1 (epochs). */
    double xmin = r->drawable ? r->xmin : 0, xmax = r->drawable ? r->xmax : 1;
    double raw = xmax / 8 - xmin / 8; /* cannot overflow */
    s->xstep = raw <= 1 ? 1 : ladder_value(ladder_ceil(raw));
    s->x0 = floor(xmin / s->xstep) * s->xstep;
    s->x1 = xmax;
    if (!(s->x1 > s->x0))
        s->x1 = s->x0 + s->xstep;
    if (!(s->x1 > s->x0)) /* epochs so large that a step of 1 vanishes */
        s->x1 = s->x0 + fabs(s->x0) * 1e-9;
    s->nxticks = (int)fmin(floor(s->x1 / s->xstep - s->x0 / s->xstep + 1e-9) + 1, 1000);

    /* y: 1-2-5 steps around the values; 1 to 10 when there are none. */
    if (isfinite(r->ypos_min)) {
        s->clip = r->ypos_min;
        s->lo = unit_floor(r->ypos_min);
        s->hi = unit_ceil(r->ymax);
        if (ladder_same(s->lo, s->hi)) {
            s->lo = ladder_floor(r->ypos_min);
            s->hi = ladder_ceil(r->ymax);
        }
        if (ladder_same(s->lo, s->hi)) {
            s->lo = ladder_down(s->lo);
            s->hi = ladder_up(s->hi);
        }
    } else {
        s->clip = 1;
        s->lo = (ladder){1, 0};
        s->hi = (ladder){1, 1};
    }
    s->llo = ladder_log(s->lo);
    s->lhi = ladder_log(s->hi);
}

/* Chooses the points of series se to draw (see svg.h on down-sampling). */
static int pick_points(const gd_svg_series *se, size_t max_points, int x_log,
                       svg_points *pts)
{
    pts->n = 0;
    pts->idx = NULL;
    size_t m = 0;
    for (size_t i = 0; i < se->n; i++)
        m += drawable(se->x[i], se->y[i], x_log);
    if (m == 0)
        return 0;
    /* calloc: clang's analyzer does not see that drawable() gives the same
     * answers in both loops, and takes entries of all for unset. */
    size_t *all = calloc(m, sizeof *all);
    if (all == NULL)
        return -1;
    for (size_t i = 0, k = 0; i < se->n; i++)
        if (drawable(se->x[i], se->y[i], x_log))
            all[k++] = i;
    if (m <= max_points) {
        pts->idx = all;
        pts->n = m;
        return 0;
    }
    /* First, then min and max of each of nb equal runs of the interior, then last. */
    const size_t nb = (max_points - 2) / 2;
    const size_t interior = m - 2;
    size_t *out = malloc((2 + 2 * nb) * sizeof *out);
    if (out == NULL) {
        free(all);
        return -1;
    }
    size_t n = 0;
    out[n++] = all[0];
    for (size_t b = 0; b < nb; b++) {
        size_t from = 1 + (size_t)((unsigned long long)interior * b / nb);
        size_t to = 1 + (size_t)((unsigned long long)interior * (b + 1) / nb);
        if (from >= to)
            continue;
        size_t imin = from, imax = from;
        for (size_t k = from + 1; k < to; k++) {
            if (se->y[all[k]] < se->y[all[imin]])
                imin = k;
            if (se->y[all[k]] > se->y[all[imax]])
                imax = k;
        }
        if (imin == imax) {
            out[n++] = all[imin];
        } else {
            out[n++] = all[imin < imax ? imin : imax];
            out[n++] = all[imin < imax ? imax : imin];
        }
    }
    out[n++] = all[m - 1];
    free(all);
    pts->idx = out;
    pts->n = n;
    return 0;
}

/* ---- Legend placement ------------------------------------------------- */

typedef struct box {
    double x0, y0, x1, y1;
} box;

/* Whether the segment (ax, ay)-(bx, by) meets the box (Liang-Barsky). */
static int segment_meets(double ax, double ay, double bx, double by, const box *b)
{
    double t0 = 0, t1 = 1, dx = bx - ax, dy = by - ay;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {ax - b->x0, b->x1 - ax, ay - b->y0, b->y1 - ay};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0)
                return 0;
        } else {
            double t = q[i] / p[i];
            if (p[i] < 0) {
                if (t > t1)
                    return 0;
                if (t > t0)
                    t0 = t;
            } else {
                if (t < t0)
                    return 0;
                if (t < t1)
                    t1 = t;
            }
        }
    }
    return 1;
}

/* How many drawn segments (and points) the box would cover. */
static size_t box_cost(const gd_svg_chart *c, const svg_points *pts, const svg_scale *s,
                       const box *b)
{
    size_t cost = 0;
    for (size_t k = 0; k < c->nseries; k++) {
        const gd_svg_series *se = &c->series[k];
        for (size_t i = 0; i < pts[k].n; i++) {
            size_t j = pts[k].idx[i], jp = pts[k].idx[i > 0 ? i - 1 : 0];
            cost += (size_t)segment_meets(map_x(s, se->x[jp]), map_y(s, se->y[jp]),
                                          map_x(s, se->x[j]), map_y(s, se->y[j]), b);
        }
    }
    for (size_t h = 0; h < c->nhlines; h++) {
        double y = c->hlines[h].y;
        if (isfinite(y) && y > 0)
            cost += 4 * (size_t)segment_meets(s->left, map_y(s, y), s->right, map_y(s, y), b);
    }
    return cost;
}

/* ---- Ticks ------------------------------------------------------------ */

/* Rank of a log tick's label (0 taken first), or -1 if it gets none: see
 * svg.h. */
static int tick_rank(const gd_svg_tick *t, double span, int e_first, int label_every)
{
    const double eps = 1e-9;
    if (t->m == 1)
        return (t->e - e_first) % label_every == 0 ? 0 : -1;
    if (t->m == 2 || t->m == 5)
        return span <= 2.5 + eps ? 1 : -1;
    return span <= 1 + eps ? 2 : -1;
}

/* Extent of a tick's label along its axis, in pixels. */
static double label_extent(const char *label, int horizontal)
{
    return horizontal ? (double)strlen(label) * GD_SVG_CHAR_WIDTH : GD_SVG_LINE_HEIGHT;
}

size_t gd_svg_log_ticks(double llo, double lhi, double p_lo, double p_hi, int horizontal,
                        gd_svg_tick *ticks, size_t max)
{
    assert(lhi > llo);
    const double eps = 1e-9, span = lhi - llo;
    const int e_first = (int)floor(llo + eps), e_last = (int)ceil(lhi - eps);
    const int decades = e_last - e_first;
    const int label_every = decades > 10 ? (decades + 9) / 10 : 1;
    size_t n = 0;
    for (int e = e_first; e <= e_last; e++)
        for (int m = 1; m <= 9; m++) {
            double lv = e + log10((double)m);
            if (lv < llo - eps || lv > lhi + eps || (m > 1 && decades > 6))
                continue;
            if (n < max) {
                gd_svg_tick *t = &ticks[n];
                t->m = m;
                t->e = e;
                t->pos = p_lo + (lv - llo) / span * (p_hi - p_lo);
                t->labelled = 0;
                ladder_label(t->label, sizeof t->label, m, e);
            }
            n++;
        }
    if (n > max)
        return n;
    /* By rank, then by value: keep a label unless it would crowd one kept. */
    for (int rank = 0; rank <= 2; rank++)
        for (size_t i = 0; i < n; i++) {
            gd_svg_tick *t = &ticks[i];
            if (tick_rank(t, span, e_first, label_every) != rank)
                continue;
            double half = label_extent(t->label, horizontal) / 2;
            int clear = 1;
            for (size_t j = 0; j < n && clear; j++)
                if (ticks[j].labelled &&
                    fabs(ticks[j].pos - t->pos) <
                        half + label_extent(ticks[j].label, horizontal) / 2 + GD_SVG_LABEL_GAP)
                    clear = 0;
            t->labelled = clear;
        }
    return n;
}

/* More than any axis has: a log axis of finite doubles, 10^-324 .. 10^309,
 * has at most 634 decade ticks (minor ticks only on six decades), a linear
 * one at most 1000 ticks (make_scale). */
#define MAX_TICKS 1000

/* The ticks of the y axis, or of a log x axis. */
static size_t axis_ticks(const svg_scale *s, int x_axis, gd_svg_tick *ticks)
{
    size_t n = x_axis ? gd_svg_log_ticks(s->lxlo, s->lxhi, s->left, s->right, 1, ticks,
                                         MAX_TICKS)
                      : gd_svg_log_ticks(s->llo, s->lhi, s->bottom, s->top, 0, ticks,
                                         MAX_TICKS);
    assert(n <= MAX_TICKS);
    return n;
}

/* ---- The document ----------------------------------------------------- */

static void put_line(FILE *out, double x1, double y1, double x2, double y2)
{
    fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x1, y1, x2, y2);
}

/* Grid lines, tick marks and labels of the x axis. */
static void put_x_axis(FILE *out, const svg_scale *s, gd_svg_tick *ticks)
{
    size_t n = 0;
    if (s->x_log) {
        n = axis_ticks(s, 1, ticks);
    } else {
        /* Linear epochs: round steps; a label is dropped when it would
         * crowd the one before (very long epoch numbers). */
        double last_end = -INFINITY;
        for (int k = 0; k < s->nxticks; k++, n++) {
            gd_svg_tick *t = &ticks[n];
            t->m = t->e = 0;
            t->pos = map_x(s, xtick(s, k));
            snprintf(t->label, sizeof t->label, "%.15g", xtick(s, k));
            double half = label_extent(t->label, 1) / 2;
            t->labelled = t->pos - half >= last_end + GD_SVG_LABEL_GAP;
            if (t->labelled)
                last_end = t->pos + half;
        }
    }
    fprintf(out, "<g stroke=\"#e4e4e4\" stroke-width=\"1\">\n");
    for (size_t k = 0; k < n; k++)
        if (!s->x_log || ticks[k].m == 1 || ticks[k].labelled)
            put_line(out, ticks[k].pos, s->top, ticks[k].pos, s->bottom);
    fprintf(out, "</g>\n<g stroke=\"#333333\" stroke-width=\"1\">\n");
    for (size_t k = 0; k < n; k++)
        put_line(out, ticks[k].pos, s->bottom, ticks[k].pos,
                 s->bottom + (ticks[k].m > 1 ? 3 : 6));
    fprintf(out, "</g>\n<g fill=\"#333333\" text-anchor=\"middle\">\n");
    for (size_t k = 0; k < n; k++)
        if (ticks[k].labelled)
            fprintf(out, "<text x=\"%.2f\" y=\"%.2f\">%s</text>\n", ticks[k].pos,
                    s->bottom + 20, ticks[k].label);
    fprintf(out, "</g>\n");
}

/* Grid lines, tick marks and labels of the (log) y axis. */
static void put_y_axis(FILE *out, const svg_scale *s, gd_svg_tick *ticks)
{
    size_t n = axis_ticks(s, 0, ticks);
    fprintf(out, "<g stroke=\"#e4e4e4\" stroke-width=\"1\">\n");
    for (size_t k = 0; k < n; k++)
        if (ticks[k].m == 1 || ticks[k].labelled)
            put_line(out, s->left, ticks[k].pos, s->right, ticks[k].pos);
    fprintf(out, "</g>\n<g stroke=\"#333333\" stroke-width=\"1\">\n");
    for (size_t k = 0; k < n; k++)
        put_line(out, s->left - (ticks[k].m == 1 ? 6 : 3), ticks[k].pos, s->left,
                 ticks[k].pos);
    fprintf(out, "</g>\n<g fill=\"#333333\" text-anchor=\"end\">\n");
    for (size_t k = 0; k < n; k++)
        if (ticks[k].labelled)
            fprintf(out, "<text x=\"%.2f\" y=\"%.2f\">%s</text>\n", s->left - 9,
                    ticks[k].pos + 4, ticks[k].label);
    fprintf(out, "</g>\n");
}

static int put_axes(FILE *out, const svg_scale *s, double width, const gd_svg_chart *c)
{
    gd_svg_tick *ticks = malloc(MAX_TICKS * sizeof *ticks);
    if (ticks == NULL)
        return -1;
    put_y_axis(out, s, ticks);
    put_x_axis(out, s, ticks);
    free(ticks);

    /* Frame. */
    fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
            "stroke=\"#333333\" stroke-width=\"1\"/>\n",
            s->left, s->top, s->right - s->left, s->bottom - s->top);

    /* Axis labels and title. */
    fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" font-size=\"13\">",
            (s->left + s->right) / 2, s->bottom + 42);
    put_text(out, c->x_label ? c->x_label : s->x_log ? "epoch (log scale)" : "epoch", 0);
    fprintf(out, "</text>\n");
    double cy = (s->top + s->bottom) / 2;
    fprintf(out, "<text x=\"18\" y=\"%.2f\" text-anchor=\"middle\" font-size=\"13\" "
            "transform=\"rotate(-90 18 %.2f)\">", cy, cy);
    put_text(out, c->y_label ? c->y_label : "loss (MSE)", 0);
    fprintf(out, "</text>\n");
    if (c->title != NULL && c->title[0] != '\0') {
        fprintf(out, "<text x=\"%.2f\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" "
                "font-weight=\"bold\">", width / 2);
        put_text(out, c->title, 0);
        fprintf(out, "</text>\n");
    }
    return 0;
}

static const char *dash_array(gd_svg_dash d)
{
    switch (d) {
    case GD_SVG_DASHED:
        return " stroke-dasharray=\"7 4\"";
    case GD_SVG_DOTTED:
        return " stroke-dasharray=\"1.5 3\"";
    case GD_SVG_SOLID:
        break;
    }
    return "";
}

static const char *color_of(int index)
{
    int k = index % GD_SVG_PALETTE_SIZE;
    return svg_palette[k < 0 ? k + GD_SVG_PALETTE_SIZE : k];
}

static void put_series(FILE *out, const gd_svg_series *se, size_t k, const svg_points *pts,
                       const svg_scale *s)
{
    size_t drawable_n = 0;
    for (size_t i = 0; i < se->n; i++)
        drawable_n += drawable(se->x[i], se->y[i], s->x_log);
    fprintf(out, "<!-- series %zu: %zu points, %zu drawable, %zu drawn -->\n", k + 1, se->n,
            drawable_n, pts->n);
    if (pts->n == 0)
        return;
    fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" "
            "stroke-linejoin=\"round\" stroke-linecap=\"round\"%s "
            "clip-path=\"url(#plot-area)\" points=\"", color_of(se->color), dash_array(se->dash));
    for (size_t i = 0; i < pts->n; i++) {
        size_t j = pts->idx[i];
        fprintf(out, "%s%.2f,%.2f", i == 0 ? "" : (i % 8 == 0 ? "\n" : " "),
                map_x(s, se->x[j]), map_y(s, se->y[j]));
    }
    fprintf(out, "\"/>\n");
    if (pts->n == 1) {
        size_t j = pts->idx[0];
        fprintf(out, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" fill=\"%s\"/>\n",
                map_x(s, se->x[j]), map_y(s, se->y[j]), color_of(se->color));
    }
}

static int boxes_meet(const box *a, const box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

/* Where a reference line's label goes (see svg.h): the first of four boxes
 * that meets neither the legend nor a label placed before. 0 if none. */
static int place_hline_label(const svg_scale *s, double y, double tw, const box *taken,
                             size_t ntaken, box *out)
{
    /* Above the line, or below it when it runs along the top. */
    double above = y - 5 < s->top + 12 ? y + 14 : y - 5;
    double below = above == y - 5 ? y + 14 : y - 5;
    const double ys[2] = {above, below};
    const double xs[2] = {s->right - 3 - tw, s->left + 3};
    for (int xi = 0; xi < 2; xi++)
        for (int yi = 0; yi < 2; yi++) {
            box b = {xs[xi], ys[yi] - 10, xs[xi] + tw, ys[yi] + 3};
            if (b.y0 < s->top || b.y1 > s->bottom)
                continue;
            int clear = 1;
            for (size_t k = 0; k < ntaken && clear; k++)
                clear = !boxes_meet(&b, &taken[k]);
            if (clear) {
                *out = b;
                return 1;
            }
        }
    return 0;
}

/* taken[0] is the legend's box (or an empty one); taken has room for
 * nhlines more. */
static void put_hlines(FILE *out, const gd_svg_chart *c, const svg_scale *s, box *taken)
{
    size_t ntaken = 1;
    for (size_t h = 0; h < c->nhlines; h++) {
        double v = c->hlines[h].y;
        if (!(isfinite(v) && v > 0))
            continue;
        double y = map_y(s, v);
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#555555\" "
                "stroke-width=\"1\" stroke-dasharray=\"2 3\"/>\n", s->left, y, s->right, y);
        const char *label = c->hlines[h].label;
        if (label == NULL || label[0] == '\0')
            continue;
        /* On a light background, so that a curve beneath does not hide it. */
        double tw = (double)text_chars(label) * 6.5 + 6;
        box b;
        if (!place_hline_label(s, y, tw, taken, ntaken, &b)) {
            fprintf(out, "<!-- no room for the label of reference line %zu -->\n", h + 1);
            continue;
        }
        taken[ntaken++] = b;
        fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"13\" "
                "fill=\"#ffffff\" fill-opacity=\"0.8\"/>\n", b.x0, b.y0, tw);
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\" fill=\"#555555\" "
                "font-size=\"11\">", b.x1 - 3, b.y0 + 10);
        put_text(out, label, 0);
        fprintf(out, "</text>\n");
    }
}

/* The legend's box: the corner of the plot area that the fewest drawn
 * segments cross. 0 if there is no legend. */
static int place_legend(const gd_svg_chart *c, const svg_points *pts, const svg_scale *s,
                        box *best)
{
    size_t entries = 0, chars = 0;
    for (size_t k = 0; k < c->nseries; k++) {
        const char *name = c->series[k].name;
        if (name == NULL || name[0] == '\0')
            continue;
        entries++;
        size_t n = text_chars(name);
        if (n > LEGEND_MAX_CHARS)
            n = LEGEND_MAX_CHARS;
        if (n > chars)
            chars = n;
    }
    if (entries == 0)
        return 0;
    const double w = LEGEND_PAD + LEGEND_SAMPLE + LEGEND_PAD + (double)chars * LEGEND_CHAR + LEGEND_PAD;
    const double h = LEGEND_PAD + (double)entries * LEGEND_ROW;
    /* Candidates: top right, top left, bottom right, bottom left. */
    const double xs[2] = {s->right - LEGEND_INSET - w, s->left + LEGEND_INSET};
    const double ys[2] = {s->top + LEGEND_INSET, s->bottom - LEGEND_INSET - h};
    size_t best_cost = SIZE_MAX;
    for (int yi = 0; yi < 2; yi++)
        for (int xi = 0; xi < 2; xi++) {
            box b = {xs[xi], ys[yi], xs[xi] + w, ys[yi] + h};
            size_t cost = box_cost(c, pts, s, &b);
            if (cost < best_cost) {
                best_cost = cost;
                *best = b;
            }
        }
    return 1;
}

static void put_legend(FILE *out, const gd_svg_chart *c, const box *b)
{
    fprintf(out, "<g font-size=\"12\">\n<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
            "height=\"%.2f\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#bbbbbb\"/>\n",
            b->x0, b->y0, b->x1 - b->x0, b->y1 - b->y0);
    double y = b->y0 + LEGEND_PAD + LEGEND_ROW / 2.0;
    for (size_t k = 0; k < c->nseries; k++) {
        const gd_svg_series *se = &c->series[k];
        if (se->name == NULL || se->name[0] == '\0')
            continue;
        double x = b->x0 + LEGEND_PAD;
        fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
                "stroke-width=\"2\"%s/>\n", x, y - 4, x + LEGEND_SAMPLE, y - 4,
                color_of(se->color), dash_array(se->dash));
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\">", x + LEGEND_SAMPLE + LEGEND_PAD, y);
        put_text(out, se->name, LEGEND_MAX_CHARS);
        fprintf(out, "</text>\n");
        y += LEGEND_ROW;
    }
    fprintf(out, "</g>\n");
}

gd_status gd_svg_write(FILE *out, const gd_svg_chart *chart, const char *name,
                       gd_error *err)
{
    assert(out != NULL && chart != NULL);
    assert(chart->nseries == 0 || chart->series != NULL);
    assert(chart->nhlines == 0 || chart->hlines != NULL);
    if (name == NULL)
        name = "<svg>";
    const double width = chart->width > 0 ? (chart->width < 240 ? 240 : chart->width) : GD_SVG_WIDTH;
    const double height = chart->height > 0 ? (chart->height < 160 ? 160 : chart->height) : GD_SVG_HEIGHT;
    size_t max_points = chart->max_points ? chart->max_points : GD_SVG_MAX_POINTS;
    if (max_points < 4)
        max_points = 4;

    svg_ranges r;
    svg_scale s;
    scan(chart, &r);
    make_scale(&r, width, height, chart->x_log, &s);

    gd_status st = GD_OK;
    svg_points *pts = calloc(chart->nseries ? chart->nseries : 1, sizeof *pts);
    box *taken = malloc((1 + chart->nhlines) * sizeof *taken); /* legend, labels */
    if (pts == NULL || taken == NULL) {
        free(pts);
        free(taken);
        return gd_error_set(err, GD_ERR_NOMEM, name, 0, 0, "out of memory");
    }
    for (size_t k = 0; k < chart->nseries; k++)
        if (pick_points(&chart->series[k], max_points, chart->x_log, &pts[k]) != 0) {
            st = gd_error_set(err, GD_ERR_NOMEM, name, 0, 0, "out of memory");
            goto cleanup;
        }

    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
            "<!-- loss curves drawn by gdtrain: x epochs (%s), y values (log10) -->\n",
            chart->x_log ? "log10" : "linear");
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
            "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
            "font-size=\"12\">\n", width, height, width, height);
    if (chart->title != NULL && chart->title[0] != '\0') {
        fprintf(out, "<title>");
        put_text(out, chart->title, 0);
        fprintf(out, "</title>\n");
    }
    fprintf(out, "<defs>\n<clipPath id=\"plot-area\">\n<rect x=\"%.2f\" y=\"%.2f\" "
            "width=\"%.2f\" height=\"%.2f\"/>\n</clipPath>\n</defs>\n",
            s.left, s.top, s.right - s.left, s.bottom - s.top);
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
            width, height);
    if (r.nonpositive > 0)
        fprintf(out, "<!-- %zu value%s <= 0 drawn at %.6g, the smallest positive value: "
                "a log scale has no room for them -->\n", r.nonpositive,
                r.nonpositive == 1 ? "" : "s", s.clip);
    if (r.undrawable > 0)
        fprintf(out, "<!-- %zu point%s with a NaN or infinite epoch or value%s left out -->\n",
                r.undrawable, r.undrawable == 1 ? "" : "s",
                chart->x_log ? ", or an epoch <= 0 on the log scale," : "");
    if (put_axes(out, &s, width, chart) != 0) {
        st = gd_error_set(err, GD_ERR_NOMEM, name, 0, 0, "out of memory");
        goto cleanup;
    }
    int legend = place_legend(chart, pts, &s, &taken[0]);
    if (!legend)
        taken[0] = (box){0, 0, 0, 0};
    put_hlines(out, chart, &s, taken);
    for (size_t k = 0; k < chart->nseries; k++)
        put_series(out, &chart->series[k], k, &pts[k], &s);
    if (legend)
        put_legend(out, chart, &taken[0]);

    /* Notes under the plot, for what the chart could not show as it is. */
    char note[256] = "";
    if (r.drawable == 0)
        snprintf(note, sizeof note, "no data to draw");
    else if (r.nonpositive > 0)
        snprintf(note, sizeof note,
                 "note: %zu value%s <= 0 drawn at %.3g (the smallest positive value; "
                 "log scale)", r.nonpositive, r.nonpositive == 1 ? "" : "s", s.clip);
    if (r.drawable == 0)
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" fill=\"#888888\" "
                "font-size=\"14\">", (s.left + s.right) / 2, (s.top + s.bottom) / 2);
    else if (note[0] != '\0')
        fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" fill=\"#aa0000\" font-size=\"11\">",
                s.left, height - 6);
    if (note[0] != '\0') {
        put_text(out, note, 0);
        fprintf(out, "</text>\n");
    }
    fprintf(out, "</svg>\n");

    if (fflush(out) != 0 || ferror(out))
        st = gd_error_set(err, GD_ERR_IO, name, 0, 0, "cannot write the chart");
cleanup:
    for (size_t k = 0; k < chart->nseries; k++)
        free(pts[k].idx);
    free(pts);
    free(taken);
    return st;
}

gd_status gd_svg_save(const char *path, const gd_svg_chart *chart, gd_error *err)
{
    gd_atomic_file f;
    gd_status st = gd_atomic_open(&f, path, err);
    if (st != GD_OK)
        return st;
    st = gd_svg_write(f.fp, chart, path, err);
    if (st != GD_OK) {
        gd_atomic_abort(&f);
        return st;
    }
    return gd_atomic_commit(&f, err);
}

/* ---- Loss curves ------------------------------------------------------ */

/* The series of curves, with their arrays and legend texts. */
typedef struct curve_series {
    gd_svg_series *series;
    size_t n;
    double *values;   /* x and y arrays of every series, back to back */
    char **names;     /* legend texts, one per series */
} curve_series;

static void curve_series_free(curve_series *cs)
{
    if (cs->names != NULL)
        for (size_t i = 0; i < cs->n; i++)
            free(cs->names[i]);
    free(cs->names);
    free(cs->values);
    free(cs->series);
    memset(cs, 0, sizeof *cs);
}

static int curve_has_val(const gd_curve *c)
{
    if (!(c->columns & GD_CURVE_BIT(GD_CURVE_VAL_LOSS)))
        return 0;
    for (size_t i = 0; i < c->n; i++)
        if (isfinite(c->rows[i].val_loss))
            return 1;
    return 0;
}

static char *legend_name(const char *base, const char *what, const char *fallback)
{
    size_t need = (base ? strlen(base) + 1 : 0) + strlen(base ? what : fallback) + 1;
    char *s = malloc(need);
    if (s == NULL)
        return NULL;
    if (base != NULL)
        snprintf(s, need, "%s %s", base, what);
    else
        snprintf(s, need, "%s", fallback);
    return s;
}

/* gap > 0: the training series show (loss - gap) / gap. */
static int build_curve_series(const gd_curve *curves, const char *const *names,
                              size_t ncurves, int no_val, double gap, curve_series *cs)
{
    memset(cs, 0, sizeof *cs);
    size_t nseries = 0, npoints = 0;
    for (size_t i = 0; i < ncurves; i++) {
        int val = !no_val && curve_has_val(&curves[i]);
        nseries += 1 + (size_t)val;
        npoints += curves[i].n * (1 + (size_t)val);
    }
    cs->series = calloc(nseries ? nseries : 1, sizeof *cs->series);
    cs->names = calloc(nseries ? nseries : 1, sizeof *cs->names);
    cs->values = malloc((npoints > 0 ? 2 * npoints : 1) * sizeof *cs->values);
    if (cs->series == NULL || cs->names == NULL || cs->values == NULL)
        return -1;
    double *v = cs->values;
    for (size_t i = 0; i < ncurves; i++) {
        const gd_curve *c = &curves[i];
        const char *base = names != NULL ? names[i] : NULL;
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1 && (no_val || !curve_has_val(c)))
                break;
            gd_svg_series *se = &cs->series[cs->n];
            char *label = pass == 0 ? legend_name(base, "train", "train loss")
                                    : legend_name(base, "val", "validation loss");
            if (label == NULL)
                return -1;
            cs->names[cs->n++] = label;
            double *x = v, *y = v + c->n;
            v += 2 * c->n;
            for (size_t r = 0; r < c->n; r++) {
                x[r] = (double)c->rows[r].epoch;
                y[r] = pass == 0 ? c->rows[r].train_loss : c->rows[r].val_loss;
                if (gap > 0)
                    y[r] = (y[r] - gap) / gap;
            }
            se->name = label;
            se->x = x;
            se->y = y;
            se->n = c->n;
            se->color = (int)(i % GD_SVG_PALETTE_SIZE);
            /* Past the palette, colours repeat: such a curve's training
             * line is dotted, so it cannot be taken for the first one's. */
            int repeat = i >= GD_SVG_PALETTE_SIZE;
            se->dash = pass == 1 ? GD_SVG_DASHED : repeat ? GD_SVG_DOTTED : GD_SVG_SOLID;
        }
    }
    return 0;
}

/* Fills chart from the curves; cs holds what it points to. */
static gd_status curves_chart(const gd_curve *curves, const char *const *names,
                              size_t ncurves, const gd_svg_curve_options *opt,
                              const char *name, gd_svg_chart *chart, curve_series *cs,
                              gd_error *err)
{
    static const gd_svg_curve_options defaults = {.title = NULL};
    if (opt == NULL)
        opt = &defaults;
    assert(ncurves == 0 || curves != NULL);
    memset(chart, 0, sizeof *chart); /* an empty chart on error too */
    const double gap = opt->gap_optimum > 0 && isfinite(opt->gap_optimum) ? opt->gap_optimum : 0;
    if (build_curve_series(curves, names, ncurves, opt->no_val || gap > 0, gap, cs) != 0) {
        curve_series_free(cs);
        return gd_error_set(err, GD_ERR_NOMEM, name, 0, 0, "out of memory");
    }
    chart->title = opt->title ? opt->title : "Loss curve";
    chart->series = cs->series;
    chart->nseries = cs->n;
    chart->hlines = gap > 0 ? NULL : opt->hlines;
    chart->nhlines = gap > 0 ? 0 : opt->nhlines;
    chart->x_log = opt->x_log;
    if (gap > 0)
        chart->y_label = "gap to the optimum: (MSE - optimum) / optimum";
    return GD_OK;
}

gd_status gd_svg_write_curves(FILE *out, const char *name, const gd_curve *curves,
                              const char *const *names, size_t ncurves,
                              const gd_svg_curve_options *opt, gd_error *err)
{
    gd_svg_chart chart;
    curve_series cs;
    gd_status st = curves_chart(curves, names, ncurves, opt, name, &chart, &cs, err);
    if (st == GD_OK)
        st = gd_svg_write(out, &chart, name, err);
    curve_series_free(&cs);
    return st;
}

gd_status gd_svg_save_curves(const char *path, const gd_curve *curves,
                             const char *const *names, size_t ncurves,
                             const gd_svg_curve_options *opt, gd_error *err)
{
    gd_svg_chart chart;
    curve_series cs;
    gd_status st = curves_chart(curves, names, ncurves, opt, path, &chart, &cs, err);
    if (st == GD_OK)
        st = gd_svg_save(path, &chart, err);
    curve_series_free(&cs);
    return st;
}
