/*
 * svg: loss curves as a plain SVG 1.1 line chart.
 *
 * The chart has one polyline per series of (epoch, value) points, x linear in
 * epochs and y on a log10 scale, with axes, ticks and tick labels (decades on
 * y, with minor ticks at 2..9 times a decade and labels on some of them when
 * the range is short; round epoch numbers on x), axis labels, a title, a
 * legend naming each series with its colour and dash style, and optional
 * horizontal reference lines (such as the least-squares optimum). The file is
 * written with fprintf by this module alone; every text is escaped for XML
 * (& < > " '), and bytes that are not valid UTF-8 or are control characters
 * become U+FFFD, so the file is well-formed whatever the names, and opens in
 * any browser.
 *
 * Scales:
 * - y runs from the largest of 1, 2 or 5 times a power of ten at or below the
 *   smallest value to the smallest such number at or above the largest value
 *   (all series and reference lines); values <= 0 cannot be shown on a log
 *   scale and are drawn at the smallest positive value, which the chart says
 *   in a note under the plot and in an XML comment. Points whose epoch or
 *   value is NaN or infinite are left out (also noted in a comment).
 * - x runs from the largest multiple of the tick step at or below the first
 *   epoch to the last epoch; the step is 1, 2 or 5 times a power of ten
 *   (at least 1), chosen for about eight ticks.
 * - The plot area is the chart less fixed margins (GD_SVG_MARGIN_*): a value
 *   v is drawn at y = top + (log10(hi) - log10(v)) / (log10(hi) - log10(lo))
 *   * (bottom - top), an epoch e at x = left + (e - x0) / (x1 - x0) * (right -
 *   left); coordinates are written with two decimals.
 *
 * A series longer than max_points (default 2000) is down-sampled
 * deterministically: the first and last points are kept, and the points in
 * between are cut into (max_points - 2) / 2 runs of equal length, of which
 * the lowest and the highest point are kept, in order. So spikes survive and
 * the file stays small.
 *
 * The same input gives the same bytes: no dates, no addresses, fixed number
 * formats (the C locale is assumed, as everywhere in gdtrain).
 */
#ifndef GDTRAIN_SVG_H
#define GDTRAIN_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "report/curve.h"
#include "gdtrain/error.h"

#define GD_SVG_WIDTH 800       /* default chart size in pixels */
#define GD_SVG_HEIGHT 500
#define GD_SVG_MARGIN_LEFT 84  /* plot area = chart less these margins */
#define GD_SVG_MARGIN_RIGHT 24
#define GD_SVG_MARGIN_TOP 48
#define GD_SVG_MARGIN_BOTTOM 64
#define GD_SVG_MAX_POINTS 2000 /* default points per series before down-sampling */
#define GD_SVG_PALETTE_SIZE 10 /* distinct colours; colour indexes wrap around */

typedef enum gd_svg_dash {
    GD_SVG_SOLID = 0, /* training loss */
    GD_SVG_DASHED,    /* validation loss */
    GD_SVG_DOTTED
} gd_svg_dash;

/* One line of the chart. */
typedef struct gd_svg_series {
    const char *name; /* legend text (UTF-8); NULL or "" keeps it out of the legend */
    const double *x;  /* (n) epochs */
    const double *y;  /* (n) values */
    size_t n;         /* number of points; 0 draws nothing */
    int color;        /* index into the palette (wraps around) */
    gd_svg_dash dash; /* line style */
} gd_svg_series;

/* A horizontal reference line across the plot, labelled at its right end. */
typedef struct gd_svg_hline {
    double y;          /* its value; not drawn unless finite and > 0 */
    const char *label; /* e.g. "optimum"; NULL for none */
} gd_svg_hline;

typedef struct gd_svg_chart {
    const char *title;             /* above the plot; NULL for none */
    const char *x_label;           /* NULL: "epoch" */
    const char *y_label;           /* NULL: "loss (MSE)" */
    const gd_svg_series *series;   /* (nseries) lines, drawn in this order */
    size_t nseries;
    const gd_svg_hline *hlines;    /* (nhlines) reference lines */
    size_t nhlines;
    int width, height;             /* pixels; 0 for GD_SVG_WIDTH x GD_SVG_HEIGHT;
                                      at least 240 x 160 is used */
    size_t max_points;             /* per series; 0 for GD_SVG_MAX_POINTS; at least 4 */
} gd_svg_chart;

/* Writes the chart as a complete SVG document to out, then flushes out.
 * name is the file's name for messages. Returns GD_ERR_IO naming it if a
 * write failed (the stream may hold part of the document) or memory ran out.
 * Draws what there is: a chart with no points has axes and a "no data" note. */
gd_status gd_svg_write(FILE *out, const gd_svg_chart *chart, const char *name,
                       gd_error *err);

/* Writes the chart to path atomically (see atomicfile.h): on any error the
 * file at path is left as it was, and err says why (GD_ERR_IO). */
gd_status gd_svg_save(const char *path, const gd_svg_chart *chart, gd_error *err);

/* How to draw loss curves (gd_svg_write_curves). */
typedef struct gd_svg_curve_options {
    const char *title;          /* NULL: "Loss curve" */
    int no_val;                 /* 1: leave out every validation series */
    const gd_svg_hline *hlines; /* (nhlines) reference lines, e.g. {optimum_mse, "optimum"} */
    size_t nhlines;
} gd_svg_curve_options;

/* Draws curves[0..ncurves): for curve i, its train_loss as a solid line and,
 * unless opt->no_val, its val_loss as a dashed line of the same colour (when
 * the curve has at least one finite val_loss), both against epoch. Curve i
 * has palette colour i. Legend: "NAME train" and "NAME val" with names[i], or
 * "train loss" and "validation loss" when names is NULL or names[i] is NULL.
 * opt may be NULL for the defaults. Errors as gd_svg_write. */
gd_status gd_svg_write_curves(FILE *out, const char *name, const gd_curve *curves,
                              const char *const *names, size_t ncurves,
                              const gd_svg_curve_options *opt, gd_error *err);

/* The same, written to path atomically: what `gdtrain plot` and
 * `gdtrain train --plot` call. */
gd_status gd_svg_save_curves(const char *path, const gd_curve *curves,
                             const char *const *names, size_t ncurves,
                             const gd_svg_curve_options *opt, gd_error *err);

#endif
