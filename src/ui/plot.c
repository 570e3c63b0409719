/* plot.c — see plot.h.
 *
 * Everything here is plain arithmetic on a grid of cells: no curses, no locale (text is
 * decoded by hand so that a C or POSIX locale renders the same as a UTF-8 one), so the
 * unit tests can render a canvas to a string and compare it with an expected picture.
 *
 * Coordinates come in two kinds: data units (steps, losses) and dots (braille: 2×4 per
 * cell; ASCII: one per cell). Mapping to dots is done in double and stays in double until a
 * line has been clipped to the canvas, so a point a billion dots off-screen costs O(1) and
 * can neither overflow an int nor make Bresenham walk a billion steps. */
#include "plot.h"
#include "utf8.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Terminals are never this large; the cap keeps w·h and 4·h far from int overflow. */
#define PLOT_MAX_CELLS 4096

/* Mapped dot coordinates are clamped to this before clipping: far enough out that the
 * visible part of a line keeps its slope to well under a dot, close enough that the
 * differences in the clipper stay finite. */
#define PLOT_FAR 1e12

/* The braille bit of dot (dx, dy) within its 2×4 cell, indexed [dy][dx]: the Unicode
 * numbering goes down the left column (1, 2, 3), down the right (4, 5, 6), then the bottom
 * row (7, 8), which is why the table is not a simple shift. */
static const unsigned char braille_bit[4][2] = {
	{0x01, 0x08},
	{0x02, 0x10},
	{0x04, 0x20},
	{0x40, 0x80},
};

/* A vertical marker dots rows 0 and 2 of each cell: every other dot down the column. */
#define MARK_LEFT 0x05  /* (0,0) | (0,2) */
#define MARK_RIGHT 0x28 /* (1,0) | (1,2) */

/* Overlay characters in the braille block are dot patterns (markers) rather than text:
 * they merge with the data's dots instead of hiding them. */
static int is_braille(wchar_t ch)
{
	return ch >= 0x2800 && ch <= 0x28FF;
}

/* plot.c is linked into its unit test alone, without util.c, hence its own abort-on-OOM
 * allocation (same message and behaviour as gg_xcalloc). */
static void *plot_xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p) {
		fprintf(stderr, "gglab: out of memory allocating %zu bytes\n", count * size);
		abort();
	}
	return p;
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- canvas --------------------------------------------------------------------------- */

void plot_canvas_init(plot_canvas *c, int w, int h, plot_mode mode)
{
	size_t n;

	c->w = clampi(w, 0, PLOT_MAX_CELLS);
	c->h = clampi(h, 0, PLOT_MAX_CELLS);
	c->mode = mode;
	c->dw = mode == PLOT_BRAILLE ? 2 * c->w : c->w;
	c->dh = mode == PLOT_BRAILLE ? 4 * c->h : c->h;
	n = (size_t)c->w * (size_t)c->h;
	c->bits = plot_xcalloc(n, sizeof *c->bits);
	c->owner = plot_xcalloc(n, sizeof *c->owner);
	c->over = plot_xcalloc(n, sizeof *c->over);
	c->over_role = plot_xcalloc(n, sizeof *c->over_role);
	plot_canvas_clear(c);
}

void plot_canvas_free(plot_canvas *c)
{
	free(c->bits);
	free(c->owner);
	free(c->over);
	free(c->over_role);
	memset(c, 0, sizeof *c);
}

void plot_canvas_clear(plot_canvas *c)
{
	size_t n = (size_t)c->w * (size_t)c->h;

	if (!c->bits)
		return;
	memset(c->bits, 0, n);
	memset(c->owner, -1, n);
	memset(c->over_role, -1, n);
	/* wchar_t 0 is all-zero bytes, so memset is exact here. */
	memset(c->over, 0, n * sizeof *c->over);
}

void plot_dot(plot_canvas *c, int x, int y, int series)
{
	size_t i;

	if (x < 0 || y < 0 || x >= c->dw || y >= c->dh)
		return;
	/* owner is a signed char: -1 means "nobody", so series are kept in 0..127. */
	series = clampi(series, 0, 127);
	if (c->mode == PLOT_BRAILLE) {
		i = (size_t)(y / 4) * (size_t)c->w + (size_t)(x / 2);
		c->bits[i] |= braille_bit[y % 4][x % 2];
	} else {
		i = (size_t)y * (size_t)c->w + (size_t)x;
		c->bits[i] = 1;
	}
	c->owner[i] = (signed char)series;
}

/* What draws a line: its series, and its dash pattern with the place in it, which carries
 * on from one segment to the next so a curve's dashes do not restart at every point. */
typedef struct {
	int series;
	unsigned char dash; /* PLOT_SOLID, …; 0 is solid too */
	unsigned at;        /* dots walked so far */
} pen;

static void pen_dot(plot_canvas *c, pen *p, int x, int y)
{
	if (!p->dash || (p->dash >> (p->at & 7) & 1))
		plot_dot(c, x, y, p->series);
	p->at++;
}

/* Integer Bresenham between two points that clipping has already brought near the canvas,
 * so the walk is at most a few canvas widths long. */
static void line_int(plot_canvas *c, int x0, int y0, int x1, int y1, pen *p)
{
	int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
	int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
	int err = dx + dy;

	for (;;) {
		pen_dot(c, p, x0, y0);
		if (x0 == x1 && y0 == y1)
			break;
		int e2 = 2 * err;
		if (e2 >= dy) {
			err += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			err += dx;
			y0 += sy;
		}
	}
}

static double clamp_far(double v)
{
	return v < -PLOT_FAR ? -PLOT_FAR : v > PLOT_FAR ? PLOT_FAR : v;
}

/* One Liang–Barsky boundary test: narrows [*t0, *t1]; 0 when the line misses. */
static int clip_edge(double p, double q, double *t0, double *t1)
{
	if (p == 0)
		return q >= 0;
	double r = q / p;
	if (p < 0) {
		if (r > *t1)
			return 0;
		if (r > *t0)
			*t0 = r;
	} else {
		if (r < *t0)
			return 0;
		if (r < *t1)
			*t1 = r;
	}
	return 1;
}

/* A line between dot positions given in double: clipped to the canvas (Liang–Barsky) before
 * rounding, so endpoints may be anywhere, including far outside. A line whose endpoints are
 * both on the canvas is not changed by the clipping, so it is exactly Bresenham's line. */
static void line_d(plot_canvas *c, double x0, double y0, double x1, double y1, pen *p)
{
	double t0 = 0, t1 = 1, dx, dy, xmax = c->dw - 1, ymax = c->dh - 1;

	if (c->dw <= 0 || c->dh <= 0 || isnan(x0) || isnan(y0) || isnan(x1) || isnan(y1))
		return;
	x0 = clamp_far(x0), y0 = clamp_far(y0), x1 = clamp_far(x1), y1 = clamp_far(y1);
	dx = x1 - x0;
	dy = y1 - y0;
	if (!clip_edge(-dx, x0, &t0, &t1) || !clip_edge(dx, xmax - x0, &t0, &t1) ||
	    !clip_edge(-dy, y0, &t0, &t1) || !clip_edge(dy, ymax - y0, &t0, &t1))
		return;
	/* Only move an endpoint that needs it, so in-canvas endpoints stay bit-exact. */
	double ax = t0 > 0 ? x0 + t0 * dx : x0, ay = t0 > 0 ? y0 + t0 * dy : y0;
	double bx = t1 < 1 ? x0 + t1 * dx : x1, by = t1 < 1 ? y0 + t1 * dy : y1;
	/* Clipped values lie in [0, max] up to rounding; clamp again so the int casts are safe. */
	ax = fmin(fmax(floor(ax + 0.5), 0), xmax);
	bx = fmin(fmax(floor(bx + 0.5), 0), xmax);
	ay = fmin(fmax(floor(ay + 0.5), 0), ymax);
	by = fmin(fmax(floor(by + 0.5), 0), ymax);
	line_int(c, (int)ax, (int)ay, (int)bx, (int)by, p);
}

void plot_line(plot_canvas *c, int x0, int y0, int x1, int y1, int series)
{
	/* Every int is exact in a double; going through line_d clips first, so the walk is
	 * bounded by the canvas and INT_MIN..INT_MAX cannot overflow the error terms. */
	pen p = { series, PLOT_SOLID, 0 };
	line_d(c, x0, y0, x1, y1, &p);
}

void plot_text(plot_canvas *c, int cx, int cy, const char *utf8, int role)
{
	if (!utf8 || cy < 0 || cy >= c->h)
		return;
	/* a byte that does not decode shows as U+FFFD */
	size_t len = strlen(utf8), at = 0;
	for (; at < len && cx < c->w; cx++) {
		int32_t d = ui_utf8_next(utf8, len, &at);
		uint32_t cp = d < 0 ? 0xFFFD : (uint32_t)d;
		/* A control character would move the terminal's cursor and wreck the screen. */
		if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
			cp = '?';
		if (cp > (uint32_t)WCHAR_MAX)
			cp = 0xFFFD;
		if (cx < 0)
			continue;
		size_t i = (size_t)cy * (size_t)c->w + (size_t)cx;
		c->over[i] = (wchar_t)cp;
		c->over_role[i] = (signed char)clampi(role, -128, 127);
	}
}

/* The ASCII glyph of a series: its entry in glyphs, or '*' past the end of the list. */
static wchar_t series_glyph(const char *glyphs, int series)
{
	if (glyphs && series >= 0 && (size_t)series < strlen(glyphs))
		return (unsigned char)glyphs[series];
	return L'*';
}

wchar_t plot_cell(const plot_canvas *c, int cx, int cy, const char *glyphs, int *role)
{
	int dummy;
	size_t i;

	if (!role)
		role = &dummy;
	*role = -1;
	if (cx < 0 || cy < 0 || cx >= c->w || cy >= c->h)
		return L' ';
	i = (size_t)cy * (size_t)c->w + (size_t)cx;
	wchar_t ov = c->over[i];
	unsigned char bits = c->bits[i];
	if (ov && !is_braille(ov)) {
		*role = c->over_role[i];
		return ov;
	}
	if (ov && !bits) {
		/* A marker on an empty cell: its dots, or ':' where there are no dots. */
		*role = c->over_role[i];
		return c->mode == PLOT_BRAILLE ? ov : L':';
	}
	if (!bits)
		return L' ';
	/* Data wins the colour of a cell it shares with a marker; in braille the marker's dots
	 * still show next to the data's. */
	*role = c->owner[i];
	if (c->mode == PLOT_ASCII)
		return series_glyph(glyphs, c->owner[i]);
	return (wchar_t)(0x2800 + (bits | (ov ? (unsigned)(ov - 0x2800) : 0u)));
}

/* ---- axes ----------------------------------------------------------------------------- */

int plot_range(const double *v, size_t n, int logscale, double *lo, double *hi)
{
	double mn = INFINITY, mx = -INFINITY;

	for (size_t i = 0; v && i < n; i++) {
		if (!isfinite(v[i]) || (logscale && v[i] <= 0))
			continue;
		if (v[i] < mn)
			mn = v[i];
		if (v[i] > mx)
			mx = v[i];
	}
	if (mn > mx)
		return 0;
	if (logscale) {
		/* Margins and flat ranges in decades, the unit a log axis is read in. */
		if (mn == mx) {
			*lo = mn / 2;
			*hi = mx * 2;
			if (!isfinite(*hi))
				*hi = mx;
			if (*lo <= 0)
				*lo = mn;
			return 1;
		}
		double l0 = log10(mn), l1 = log10(mx), m = 0.05 * (l1 - l0);
		*lo = pow(10, l0 - m);
		*hi = pow(10, l1 + m);
		if (!(*lo > 0))
			*lo = mn;
		if (!isfinite(*hi))
			*hi = mx;
		return 1;
	}
	if (mn == mx) {
		double m = mn == 0 ? 1 : 0.1 * fabs(mn);
		*lo = mn - m;
		*hi = mx + m;
		if (!isfinite(*lo) || !isfinite(*hi))
			*lo = mn, *hi = mx;
		return 1;
	}
	/* 0.05·mx − 0.05·mn rather than 0.05·(mx − mn): the difference of two huge values of
	 * opposite sign overflows. */
	double m = 0.05 * mx - 0.05 * mn;
	*lo = mn - m;
	*hi = mx + m;
	/* Data that never goes negative (losses, error rates) gets a floor at 0 rather than a
	 * margin of negative values it can never take. */
	if (mn >= 0 && *lo < 0)
		*lo = 0;
	if (!isfinite(*lo))
		*lo = mn;
	if (!isfinite(*hi))
		*hi = mx;
	return 1;
}

/* An axis mapping dot = (f(v) − o)·k + base, f = identity or log10, precomputed once so
 * plot_draw pays one log10 per point at most. */
typedef struct {
	int log;
	int ok;    /* 0: nothing maps (log axis with a non-positive bound, NaN range) */
	int flat;  /* degenerate range: everything maps to `base` */
	double o, k, base;
} axis_map;

static axis_map axis_make(double v0, double v1, int logscale, int ndots, int flip)
{
	axis_map m = {.log = logscale, .ok = 1};
	double span = ndots > 1 ? ndots - 1 : 0;

	if (logscale) {
		if (!(v0 > 0) || !(v1 > 0)) {
			m.ok = 0;
			return m;
		}
		v0 = log10(v0);
		v1 = log10(v1);
	}
	if (!isfinite(v0) || !isfinite(v1)) {
		m.ok = 0;
		return m;
	}
	if (v0 == v1 || !isfinite(v1 - v0)) {
		m.flat = 1;
		m.base = span / 2;
		return m;
	}
	m.o = v0;
	m.k = span / (v1 - v0);
	if (flip) { /* y grows downwards on the screen and upwards in the data */
		m.k = -m.k;
		m.base = span;
	}
	return m;
}

static double axis_apply(const axis_map *m, double v)
{
	if (!m->ok || isnan(v) || (m->log && !(v > 0)))
		return NAN;
	if (m->log)
		v = log10(v);
	if (m->flat)
		return isfinite(v) ? m->base : NAN;
	return (v - m->o) * m->k + m->base;
}

double plot_map_x(const plot_canvas *c, const plot_axes *a, double x)
{
	axis_map m = axis_make(a->x0, a->x1, a->logx, c->dw, 0);
	return axis_apply(&m, x);
}

double plot_map_y(const plot_canvas *c, const plot_axes *a, double y)
{
	axis_map m = axis_make(a->y0, a->y1, a->logy, c->dh, 1);
	return axis_apply(&m, y);
}

/* plot_draw walks the points once, keeping a "run": consecutive points that land in the
 * same dot column. A run is drawn as a vertical segment from its min to its max and joined
 * to the next run from its last point to that run's first. So 10 000 points in 100 columns
 * cost 10 000 comparisons and ~200 short lines, and a one-point spike still reaches its
 * height; no buffer is needed, and off-canvas runs are clipped away in O(1).
 *
 * The run keeps y in data units (mapping is monotonic, so min and max commute with it) and,
 * once a second point has joined, the column's bounds in data x. Points that fall inside
 * those bounds then cost a few comparisons, no log10: with 100 000 points over a few
 * hundred columns almost every point takes that path. */
typedef struct {
	int on;
	int bounded;       /* xlo, xhi are valid */
	double col;        /* dot column */
	double xlo, xhi;   /* data x that rounds to col, when bounded */
	double ymin, ymax, ylast; /* data units */
} plot_run;

/* The data value that maps to dot d: the inverse of axis_apply. */
static double axis_inverse(const axis_map *m, double d)
{
	double v = (d - m->base) / m->k + m->o;
	return m->log ? pow(10, v) : v;
}

/* Whether a data y maps to a finite dot, i.e. the fast path may take it. */
static int y_plain(const axis_map *m, double y)
{
	return m->log ? y > 0 && y < INFINITY : y > -INFINITY && y < INFINITY;
}

static double map_dot(const axis_map *m, double v)
{
	return clamp_far(axis_apply(m, v));
}

/* yv is never NaN here, so plain comparisons (which compile to branch-free selects, unlike
 * fmin/fmax calls) are exact. */
static inline void run_add(plot_run *r, double yv)
{
	r->ymin = yv < r->ymin ? yv : r->ymin;
	r->ymax = yv > r->ymax ? yv : r->ymax;
	r->ylast = yv;
}

static void run_flush(plot_canvas *c, const axis_map *my, const plot_run *r, pen *p)
{
	if (r->on)
		line_d(c, r->col, map_dot(my, r->ymin), r->col, map_dot(my, r->ymax), p);
}

void plot_draw(plot_canvas *c, const plot_axes *a, const plot_series *s)
{
	plot_run r = {0};

	if (!c || !a || !s || !s->y || c->dw <= 0 || c->dh <= 0)
		return;
	pen p = { s->series, s->dash, 0 };
	axis_map mx = axis_make(a->x0, a->x1, a->logx, c->dw, 0);
	axis_map my = axis_make(a->y0, a->y1, a->logy, c->dh, 1);
	for (size_t i = 0; i < s->n; i++) {
		/* Without x, points are at 0, 1, 2, …: the common "one per step" case. */
		double xv = s->x ? s->x[i] : (double)i, yv = s->y[i];
		if (r.bounded && xv >= r.xlo && xv < r.xhi && y_plain(&my, yv)) {
			run_add(&r, yv);
			continue;
		}
		double px = axis_apply(&mx, xv), py = axis_apply(&my, yv);
		if (isnan(px) || isnan(py)) { /* a gap: end the run, join nothing across it */
			run_flush(c, &my, &r, &p);
			r.on = r.bounded = 0;
			continue;
		}
		px = floor(clamp_far(px) + 0.5);
		if (r.on && px == r.col) {
			run_add(&r, yv);
			/* A second point in this column: the data is dense here, so the column's
			 * bounds are worth their two inverse mappings. */
			if (!r.bounded && !mx.flat && fabs(px) < PLOT_FAR) {
				double b0 = axis_inverse(&mx, px - 0.5), b1 = axis_inverse(&mx, px + 0.5);
				r.xlo = fmin(b0, b1); /* a reversed axis has k < 0 */
				r.xhi = fmax(b0, b1);
				r.bounded = 1;
			}
			continue;
		}
		if (r.on) {
			run_flush(c, &my, &r, &p);
			line_d(c, r.col, map_dot(&my, r.ylast), px, clamp_far(py), &p);
		}
		r = (plot_run){.on = 1, .col = px, .ymin = yv, .ymax = yv, .ylast = yv};
	}
	run_flush(c, &my, &r, &p);
}

void plot_vmarker(plot_canvas *c, const plot_axes *a, double x, int role)
{
	double px = plot_map_x(c, a, x);

	if (isnan(px))
		return;
	px = floor(px + 0.5);
	if (px < 0 || px >= c->dw)
		return;
	int dx = (int)px, cx = c->mode == PLOT_BRAILLE ? dx / 2 : dx;
	unsigned pat = c->mode == PLOT_BRAILLE ? (dx % 2 ? MARK_RIGHT : MARK_LEFT) : MARK_LEFT;
	for (int cy = 0; cy < c->h; cy++) {
		size_t i = (size_t)cy * (size_t)c->w + (size_t)cx;
		if (c->over[i] && !is_braille(c->over[i]))
			continue; /* text stays readable */
		unsigned old = c->over[i] ? (unsigned)(c->over[i] - 0x2800) : 0;
		/* Stored as a braille pattern in both modes; plot_cell shows ':' in ASCII. */
		c->over[i] = (wchar_t)(0x2800 + (old | pat));
		c->over_role[i] = (signed char)clampi(role, -128, 127);
	}
}

/* ---- smoothing and fits --------------------------------------------------------------- */

void plot_ema(const double *y, size_t n, double alpha, double *out)
{
	double s = 0;
	int started = 0;

	if (!(alpha >= 0)) /* NaN too */
		alpha = 0;
	if (alpha > 1)
		alpha = 1;
	for (size_t i = 0; i < n; i++) {
		double v = y[i]; /* read before writing: out may be y */
		if (!isfinite(v)) {
			/* A gap (or a diverged Inf) shows as a gap, but must not poison or restart
			 * the average of the points around it. */
			out[i] = NAN;
			continue;
		}
		if (!started) {
			s = v;
			started = 1;
		} else {
			s = alpha * s + (1 - alpha) * v;
		}
		out[i] = s;
	}
}


