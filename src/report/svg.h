/*
 * svg: loss curves as a plain SVG 1.1 line chart.
 *
 * The chart has one polyline per series of (epoch, value) points, x linear in
 * epochs (or on a log10 scale: x_log) and y on a log10 scale, with axes, ticks and tick labels (decades on
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
 * - y runs from the largest whole multiple (1 to 9) of a power of ten at or
 *   below the smallest value to the smallest such number at or above the
 *   largest value (all series and reference lines), so the curves fill the
 *   plot; when both are the same number, from the 1-2-5 step below it to the
 *   one above. Values <= 0 cannot be shown on a log
 *   scale and are drawn at the smallest positive value, which the chart says
 *   in a note under the plot and in an XML comment. Points whose epoch or
 *   value is NaN or infinite are left out (also noted in a comment).
 * - x runs from the largest multiple of the tick step at or below the first
 *   epoch to the last epoch; the step is 1, 2 or 5 times a power of ten
 *   (at least 1), chosen for about eight ticks. With x_log, x runs from the
 *   first epoch to the last on a log10 scale (half a decade either side of a
 *   single epoch), with ticks as on y; points at epochs <= 0 are left out.
 * - Log-axis ticks and labels (gd_svg_log_ticks): a tick at every power of
 *   ten, and at its multiples 2..9 when the axis spans at most six decades.
 *   Candidates for a label: the powers of ten (every k-th one beyond ten
 *   decades), 2 and 5 times them within 2.5 decades, every tick within one
 *   decade. They are taken by rank (powers, then 2 and 5, then the rest) and
 *   a label that would come within GD_SVG_LABEL_GAP pixels of one already
 *   taken is dropped, so tick labels never overlap.
 * - Reference-line labels sit at the right end of their line, above it, or
 *   where that box meets the legend or an earlier label, below it, then at
 *   the left end; if every place is taken the label is left out (the line
 *   stays, and a comment says so).
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
    int x_log;                     /* 1: x on a log10 scale (epochs > 0) */
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
 * write failed (the stream may hold part of the document), GD_ERR_NOMEM if
 * memory ran out.
 * Draws what there is: a chart with no points has axes and a "no data" note. */
gd_status gd_svg_write(FILE *out, const gd_svg_chart *chart, const char *name,
                       gd_error *err);

/* Writes the chart to path atomically (see atomicfile.h; "-" is standard
 * output): on any error the
 * file at path is left as it was, and err says why (GD_ERR_IO). */
gd_status gd_svg_save(const char *path, const gd_svg_chart *chart, gd_error *err);

/* How to draw loss curves (gd_svg_write_curves). */
typedef struct gd_svg_curve_options {
    const char *title;          /* NULL: "Loss curve" */
    int no_val;                 /* 1: leave out every validation series */
    const gd_svg_hline *hlines; /* (nhlines) reference lines, e.g. {optimum_mse, "optimum"} */
    size_t nhlines;
    int x_log;                  /* 1: epochs on a log10 scale */
    double gap_optimum;         /* > 0: draw each training loss as its gap to
                                   this optimum, (loss - optimum) / optimum,
                                   instead of the loss; validation series and
                                   reference lines are then left out */
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

#define GD_SVG_LABEL_GAP 4   /* least distance in pixels between tick labels */
#define GD_SVG_CHAR_WIDTH 7  /* estimated width of a character at font-size 12 */
#define GD_SVG_LINE_HEIGHT 12

/* A tick of a log-scale axis. */
typedef struct gd_svg_tick {
    int m, e;       /* its value, m * 10^e, m in 1..9 */
    double pos;     /* its pixel position along the axis */
    int labelled;   /* 1 if its label is drawn */
    char label[24]; /* "500", "0.02", "2e9" (plain from 0.01 to 1000) */
} gd_svg_tick;

/* The ticks of a log10 axis from 10^llo to 10^lhi (llo < lhi), 10^llo drawn
 * at pixel p_lo and 10^lhi at p_hi, in increasing value, with their labels
 * chosen as described above. A label takes GD_SVG_LINE_HEIGHT pixels along a
 * vertical axis and GD_SVG_CHAR_WIDTH per character along a horizontal one.
 * Writes at most max ticks and returns how many there are (call again with a
 * larger array if that is more than max). Cannot fail. */
size_t gd_svg_log_ticks(double llo, double lhi, double p_lo, double p_hi, int horizontal,
                        gd_svg_tick *ticks, size_t max);

#endif
