/* plot.h — line plots rendered into a grid of terminal cells, with no curses in sight, so
 * the drawing can be unit-tested. The screen's panels fill a plot_canvas from series data
 * and then copy each cell (a wide character and the role of the series that owns it) to
 * curses.
 *
 * Braille mode: each cell is 2×4 dots (U+2800 + dot bits). ASCII mode: each cell is one
 * dot, drawn with the series' own glyph (so series differ without colour, as they do in
 * braille mode through their colour roles and, in the legend, their glyphs). */
#ifndef GGLAB_UI_PLOT_H
#define GGLAB_UI_PLOT_H

#include <stddef.h>
#include <wchar.h>

typedef enum { PLOT_BRAILLE, PLOT_ASCII } plot_mode;

typedef struct {
	int w, h;          /* cells */
	plot_mode mode;
	int dw, dh;        /* dots: braille 2w × 4h, ascii w × h */
	unsigned char *bits; /* [h][w] braille dot bits */
	signed char *owner;  /* [h][w] series index that drew last in the cell, -1 none */
	wchar_t *over;       /* [h][w] overlay character (text, markers); 0 none */
	signed char *over_role; /* [h][w] role of the overlay character */
} plot_canvas;

void plot_canvas_init(plot_canvas *c, int w, int h, plot_mode mode);
void plot_canvas_free(plot_canvas *c);
void plot_canvas_clear(plot_canvas *c);
/* A dot at (x, y) in dot coordinates, y = 0 at the top; out-of-range dots are ignored. */
void plot_dot(plot_canvas *c, int x, int y, int series);
void plot_line(plot_canvas *c, int x0, int y0, int x1, int y1, int series);
/* Text or a marker drawn over the dots of a cell. */
void plot_text(plot_canvas *c, int cx, int cy, const char *utf8, int role);
/* What a cell shows: the character, and the series (≥ 0) or overlay role that owns it, or
 * -1 for an empty cell. glyphs[series] is the ASCII-mode glyph of each series. */
wchar_t plot_cell(const plot_canvas *c, int cx, int cy, const char *glyphs, int *role);

/* Axes: the data range shown and how it maps to dots. */
typedef struct {
	double x0, x1, y0, y1; /* data range (in data units, before any log) */
	int logx, logy;        /* log10 mapping; non-positive values are skipped */
} plot_axes;

/* Expands [lo, hi] (ignoring NaN/Inf, and ≤ 0 when logscale) to a little margin; a flat
 * range gets a sensible height. Returns 0 when no finite value was seen. */
int plot_range(const double *v, size_t n, int logscale, double *lo, double *hi);

/* A series to draw: points (x[i], y[i]); NaN points break the line. When several points
 * fall into one dot column, that column shows their min and max joined by a vertical
 * segment, so spikes survive any zoom. */
typedef struct {
	const double *x, *y;
	size_t n;
	int series;            /* index: colour role and glyph */
	/* which dots the line draws, one bit per dot in turn along it (bit 0 first, 8 dots a
	 * period): 0 or PLOT_SOLID all, PLOT_DASHED, PLOT_DOTTED, ...; so series differ
	 * without colour */
	unsigned char dash;
} plot_series;
#define PLOT_SOLID 0xFF
#define PLOT_DASHED 0x0F  /* 4 dots on, 4 off: in braille two cells on, two off */
#define PLOT_DOTTED 0x55  /* every other dot */
#define PLOT_SPARSE 0x11  /* one dot in four */
void plot_draw(plot_canvas *c, const plot_axes *a, const plot_series *s);
/* A vertical marker (an event: a setting changed) at data x, drawn as a dotted column. */
void plot_vmarker(plot_canvas *c, const plot_axes *a, double x, int role);
/* Data x or y to a dot coordinate (may fall outside the canvas); NaN for unplottable. */
double plot_map_x(const plot_canvas *c, const plot_axes *a, double x);
double plot_map_y(const plot_canvas *c, const plot_axes *a, double y);

/* Tick positions at "nice" values (1, 2, 5 × 10^k; decades on a log axis) within
 * [lo, hi]; returns how many (≤ max). */
int plot_ticks(double lo, double hi, int logscale, int max, double *ticks);
/* A tick label in at most `width` columns: 0.05, 1.2e-3, 12k, 3.5M. */
void plot_tick_label(double v, char *buf, size_t len, int width);

/* Labels for the n ticks of one axis, each in at most `width` (< 16) columns and all in one
 * notation (plain numbers with k/M/G, or mantissa e exponent: never 0.05 beside 1e-3): a
 * label that would repeat an earlier one is "", and with `integers` (an axis of steps) so
 * is the label of a tick that is not a whole number. */
void plot_axis_labels(const double *t, int n, int width, int integers, char (*lbl)[16]);

/* Exponential moving average (alpha = weight of the past, 0 = none) over y, NaN-aware. */
void plot_ema(const double *y, size_t n, double alpha, double *out);


#endif
