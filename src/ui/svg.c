/* svg.c — figures: one panel of the screen as a standalone SVG, for a paper. What a panel
 * shows (the runs it overlays, which columns, log axes, the fit, the markers, the ranges and
 * the ticks with their labels in one notation) is decided where the screen decides it: the
 * kind's data step (curves.c, instpanel.c), chart.c's ranges and markers, ticks.c. This file
 * only draws that in vector form: axes with ticks, every curve in its run's colour and dash
 * pattern with its run's shape at the newest point, the event markers and their labels,
 * the fit line, and a legend. A figure is a column of a paper wide (320 px, 3.3 in at
 * 96 px/in), its text 7–10 pt there. No curses here: it runs on the UI thread for the
 * screen and on the main thread in batch mode (report.c says when). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/data.h"
#include "gglab/util.h"
#include "panel.h"
#include "utf8.h"

void ui_buf_printf(gg_buf *b, const char *fmt, ...)
{
	char s[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	if (n < (int)sizeof s) {
		gg_buf_put(b, s, n > 0 ? (size_t)n : 0);
		return;
	}
	char *big = gg_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	gg_buf_put(b, big, (size_t)n);
	free(big);
}

/* Text for XML (and HTML): the five special characters as entities; a control character
 * or a byte that is not UTF-8 (a metrics file may hold anything) as '?', which XML 1.0
 * cannot carry. */
void ui_xml_text(gg_buf *b, const char *s)
{
	size_t len = strlen(s), i = 0;
	while (i < len) {
		size_t at = i;
		int32_t c = ui_utf8_next(s, len, &i);
		if (c < 0 || (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f || c == 0xfffe || c == 0xffff)
			UI_PUT(b, "?");
		else if (c == '&')
			UI_PUT(b, "&amp;");
		else if (c == '<')
			UI_PUT(b, "&lt;");
		else if (c == '>')
			UI_PUT(b, "&gt;");
		else if (c == '"')
			UI_PUT(b, "&quot;");
		else if (c == '\'')
			UI_PUT(b, "&#39;");
		else
			gg_buf_put(b, s + at, i - at);
	}
}

/* ---- styles ---------------------------------------------------------------------------- */
/* Okabe and Ito's colours, told apart with the common colour-vision deficiencies, and a
 * dash pattern each, so a figure printed in grey still tells the runs apart. */
static const char *const palette[UI_MAXRUNS] = { "#0072B2", "#D55E00", "#009E73", "#CC79A7",
						 "#E69F00", "#56B4E9", "#000000", "#8C6D31" };
static const char *const dashes[UI_MAXRUNS] = { "", "6 2.5", "1.5 1.8", "7 2 1.5 2", "3.5 2.5",
						"10 2 2 2 2 2", "1.5 4", "9 4" };

typedef struct {
	const char *color, *dash;
	double width, opacity;
} svg_style;

static svg_style style_of(ui_role r)
{
	if (r >= ROLE_RUN0 && r <= ROLE_RUN7)
		return (svg_style){ palette[r - ROLE_RUN0], dashes[r - ROLE_RUN0], 1.5, 1 };
	if (r >= ROLE_RUN0_TR && r <= ROLE_RUN7_TR)
		return (svg_style){ palette[r - ROLE_RUN0_TR], dashes[r - ROLE_RUN0_TR], 0.9, 0.55 };
	if (r >= ROLE_INST0 && r <= ROLE_INST3)
		return (svg_style){ palette[r - ROLE_INST0], dashes[r - ROLE_INST0], 1.4, 1 };
	switch (r) {
	case ROLE_INST4: return (svg_style){ palette[4], dashes[4], 1.4, 1 };
	case ROLE_INST5: return (svg_style){ palette[5], dashes[5], 1.4, 1 };
	case ROLE_TRAIN: return (svg_style){ palette[0], dashes[1], 1.4, 1 };
	case ROLE_TEST: return (svg_style){ palette[1], "", 1.5, 1 };
	case ROLE_TRAIN_RAW: return (svg_style){ palette[0], "", 0.6, 0.3 };
	case ROLE_TEST_RAW: return (svg_style){ palette[1], "", 0.6, 0.3 };
	case ROLE_BATCH: return (svg_style){ "#888888", "", 0.5, 0.35 };
	case ROLE_GAP: return (svg_style){ "#6A3D9A", "", 1.5, 1 };
	case ROLE_GAP_RAW: return (svg_style){ "#6A3D9A", "", 0.6, 0.3 };
	case ROLE_DIST: return (svg_style){ palette[2], "", 1.5, 1 };
	case ROLE_FIT: return (svg_style){ "#000000", "5 2.5", 1.1, 1 };
	case ROLE_WINDOW: return (svg_style){ "#777777", "1.5 1.5", 0.8, 1 };
	case ROLE_ERROR: return (svg_style){ "#C00000", "2 2", 0.8, 1 };
	default: return (svg_style){ "#999999", "", 0.8, 1 };
	}
}

static void put_stroke(gg_buf *b, svg_style s)
{
	ui_buf_printf(b, " fill=\"none\" stroke=\"%s\" stroke-width=\"%.2g\"", s.color, s.width);
	if (s.dash[0])
		ui_buf_printf(b, " stroke-dasharray=\"%s\"", s.dash);
	if (s.opacity < 1)
		ui_buf_printf(b, " stroke-opacity=\"%.2g\"", s.opacity);
	UI_PUT(b, " stroke-linejoin=\"round\"");
}

#define FONT "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""
/* About how wide a string is in that font: the layout only needs to avoid overlaps. */
static double text_w(const char *s, double size)
{
	size_t len = strlen(s), i = 0;
	int n = 0;
	while (i < len) {
		ui_utf8_next(s, len, &i);
		n++;
	}
	return n * size * 0.58;
}

static void put_text(gg_buf *b, double x, double y, double size, const char *anchor,
		     const char *extra, const char *s)
{
	ui_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.3g\"%s%s%s%s>", x, y, size,
		      anchor ? " text-anchor=\"" : "", anchor ? anchor : "", anchor ? "\"" : "",
		      extra ? extra : "");
	ui_xml_text(b, s);
	UI_PUT(b, "</text>\n");
}

/* A run's shape (ui_run_shape's slot) centred at (x, y): filled for train, hollow (white
 * inside) for test, as on the screen. */
static void put_shape(gg_buf *b, int k, int filled, double x, double y, const char *color)
{
	double r = 2.8;
	const char *fill = filled ? color : "#ffffff";
	switch (k % UI_MAXRUNS) {
	case 0:
		ui_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"", x, y, r);
		break;
	case 1:
		ui_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x - r * 0.9,
			      y - r * 0.9, 1.8 * r, 1.8 * r);
		break;
	case 2:
		ui_buf_printf(b, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ\"", x, y - r * 1.2,
			      x + r, y, x, y + r * 1.2, x - r, y);
		break;
	case 3:
		ui_buf_printf(b, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\"", x, y - r * 1.2, x + r * 1.1,
			      y + r * 0.8, x - r * 1.1, y + r * 0.8);
		break;
	case 4:
		ui_buf_printf(b, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\"", x, y + r * 1.2, x + r * 1.1,
			      y - r * 0.8, x - r * 1.1, y - r * 0.8);
		break;
	case 5: { /* a star */
		UI_PUT(b, "<path d=\"");
		for (int i = 0; i < 10; i++) {
			double a = M_PI / 2 + i * M_PI / 5, rr = i % 2 ? r * 0.55 : r * 1.35;
			ui_buf_printf(b, "%c%.1f %.1f", i ? 'L' : 'M', x + rr * cos(a), y - rr * sin(a));
		}
		UI_PUT(b, "Z\"");
		break;
	}
	case 6: /* a pentagon (the screen's heart) */
		UI_PUT(b, "<path d=\"");
		for (int i = 0; i < 5; i++) {
			double a = M_PI / 2 + i * 2 * M_PI / 5;
			ui_buf_printf(b, "%c%.1f %.1f", i ? 'L' : 'M', x + r * 1.15 * cos(a), y - r * 1.15 * sin(a));
		}
		UI_PUT(b, "Z\"");
		break;
	default: /* a cross */
		ui_buf_printf(b, "<path d=\"M%.1f %.1fh%.1fv%.1fh%.1fv%.1fh%.1fv%.1fh%.1fv%.1fh%.1fv%.1fh%.1fZ\"",
			      x - r * 0.4, y - r * 1.2, r * 0.8, r * 0.8, r * 0.8, r * 0.8, -r * 0.8, r * 0.8,
			      -r * 0.8, -r * 0.8, -r * 0.8, -r * 0.8, r * 0.8);
		break;
	}
	ui_buf_printf(b, " fill=\"%s\" stroke=\"%s\" stroke-width=\"1\"/>\n", fill, color);
}

/* ---- the frame: where the plot area is and how data maps to it ---------------------------- */
typedef struct {
	double W, H;          /* the figure */
	double L, T, PW, PH;  /* the plot area */
	plot_axes a;
} frame;

static double map1(double v, double lo, double hi, int logscale)
{
	if (logscale) {
		if (!(v > 0))
			return NAN;
		return (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
	}
	return (v - lo) / (hi - lo);
}

static double fx(const frame *f, double x)
{
	return f->L + map1(x, f->a.x0, f->a.x1, f->a.logx) * f->PW;
}

static double fy(const frame *f, double y)
{
	return f->T + f->PH - map1(y, f->a.y0, f->a.y1, f->a.logy) * f->PH;
}

/* Wraps s into lines of at most `chars` characters at blanks; returns how many lines. */
static int wrap(const char *s, int chars, char lines[][200], int max)
{
	int n = 0;
	while (*s && n < max) {
		while (*s == ' ')
			s++;
		size_t len = strlen(s), cut = len;
		if ((int)len > chars) {
			cut = (size_t)chars;
			while (cut > 0 && s[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = (size_t)chars;
		}
		if (cut >= 200)
			cut = 199;
		snprintf(lines[n++], 200, "%.*s", (int)cut, s);
		s += cut;
	}
	return n;
}

/* The title, then the note and any advice in grey below it; returns where they end. */
static double put_heading(gg_buf *b, double W, const char *title, const char *note, const char *hint)
{
	double y = 13;
	put_text(b, 6, y, 10.5, NULL, " font-weight=\"bold\"", title);
	char lines[4][200];
	const char *n = note;
	while (*n == ' ' || strncmp(n, "·", 2) == 0)
		n += *n == ' ' ? 1 : 2;
	int nl = wrap(n, (int)((W - 12) / (8.5 * 0.58)), lines, 3);
	for (int i = 0; i < nl; i++)
		put_text(b, 6, y += 11, 8.5, NULL, " fill=\"#444444\"", lines[i]);
	nl = hint && hint[0] ? wrap(hint, (int)((W - 12) / (8 * 0.58)), lines, 4) : 0;
	for (int i = 0; i < nl; i++)
		put_text(b, 6, y += 10, 8, NULL, " fill=\"#666666\" font-style=\"italic\"", lines[i]);
	return y;
}

/* A tick label as ticks.c wrote it, typeset: "5e-3" as 5×10⁻³ and "1e-2" as 10⁻² (a
 * raised exponent), the rest as it is. */
static void put_tick(gg_buf *b, double x, double y, const char *anchor, const char *lbl)
{
	const char *e = strchr(lbl, 'e');
	ui_buf_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"%s\">",
		      x, y, anchor);
	if (!e || e == lbl) {
		ui_xml_text(b, lbl);
	} else {
		char m[16];
		snprintf(m, sizeof m, "%.*s", (int)(e - lbl), lbl);
		int exp = atoi(e + 1);
		if (strcmp(m, "1") != 0)
			ui_buf_printf(b, "%s×", m);
		ui_buf_printf(b, "10<tspan dy=\"-3.6\" font-size=\"6.8\">%s%d</tspan>", exp < 0 ? "−" : "",
			      exp < 0 ? -exp : exp);
	}
	UI_PUT(b, "</text>\n");
}

/* About how wide put_tick draws a label. */
static double tick_w(const char *lbl)
{
	const char *e = strchr(lbl, 'e');
	if (!e || e == lbl)
		return text_w(lbl, 9);
	char m[16];
	snprintf(m, sizeof m, "%.*s", (int)(e - lbl), lbl);
	return (strcmp(m, "1") ? text_w(m, 9) + 6 : 0) + text_w("10", 9) + text_w(e + 1, 6.8);
}

/* The y axis' ticks and labels (as put_axes draws them), and the widest label's width. */
static double ylabels_w(const plot_axes *a)
{
	double t[16], w = 0;
	char lbl[16][16];
	int nt = plot_ticks(a->y0, a->y1, a->logy, 6, t);
	plot_axis_labels(t, nt, 7, 0, lbl);
	for (int i = 0; i < nt; i++)
		w = fmax(w, tick_w(lbl[i]));
	return w;
}

/* Axes: left and bottom lines, ticks outward with their labels (the screen's positions and
 * labels, from ticks.c), light grid lines at the y ticks, the x axis' unit below. */
static void put_axes(gg_buf *b, const frame *f, int have, int integers, const char *xname)
{
	double t[16];
	char lbl[16][16];
	if (have) {
		int nt = plot_ticks(f->a.y0, f->a.y1, f->a.logy, 6, t);
		plot_axis_labels(t, nt, 7, 0, lbl);
		for (int i = 0; i < nt; i++) {
			double y = fy(f, t[i]);
			if (!(y >= f->T - 0.5 && y <= f->T + f->PH + 0.5))
				continue;
			ui_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\" "
					 "stroke-width=\"0.6\"/>\n", f->L, y, f->L + f->PW, y);
			ui_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
					 "stroke-width=\"0.8\"/>\n", f->L - 3.5, y, f->L, y);
			if (lbl[i][0])
				put_tick(b, f->L - 5.5, y + 3.2, "end", lbl[i]);
		}
		nt = plot_ticks(f->a.x0, f->a.x1, f->a.logx, 6, t);
		plot_axis_labels(t, nt, 6, integers, lbl);
		for (int i = 0; i < nt; i++) {
			double x = fx(f, t[i]);
			if (!(x >= f->L - 0.5 && x <= f->L + f->PW + 0.5))
				continue;
			ui_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
					 "stroke-width=\"0.8\"/>\n", x, f->T + f->PH, x, f->T + f->PH + 3.5);
			if (lbl[i][0])
				put_tick(b, x, f->T + f->PH + 13, "middle", lbl[i]);
		}
	}
	ui_buf_printf(b, "<path d=\"M%.1f %.1fV%.1fH%.1f\" fill=\"none\" stroke=\"#000\" stroke-width=\"0.9\"/>\n",
		      f->L, f->T, f->T + f->PH, f->L + f->PW);
	put_text(b, f->L + f->PW / 2, f->T + f->PH + 25, 9, "middle", NULL, xname);
}

/* A half pixel's column of a curve: its first, least, greatest and last values. */
typedef struct {
	double x, first, lo, hi, last;
	size_t n;
	int pen; /* the path has a point to go on from */
} column;

static void col_flush(gg_buf *b, column *c)
{
	if (!c->n)
		return;
	double v[4] = { c->first, c->lo, c->hi, c->last };
	int m = c->n == 1 ? 1 : c->n == 2 ? 2 : 4;
	if (m == 2)
		v[1] = c->last;
	for (int q = 0; q < m; q++) {
		ui_buf_printf(b, "%c%.1f %.1f", c->pen ? 'L' : 'M', c->x, v[q]);
		c->pen = 1;
	}
	c->n = 0;
}

/* One curve as a path: points outside the x range are left out but for the ones next to
 * it, several points in one half pixel keep their first, least, greatest and last values
 * (spikes survive, as on the screen), and a point a log axis cannot show breaks the line. */
static void put_curve(gg_buf *b, const frame *f, const double *x, const double *y, size_t n, svg_style st)
{
	UI_PUT(b, "<path d=\"");
	column c = { 0 };
	for (size_t i = 0; i < n; i++) {
		int inside = x[i] >= f->a.x0 && x[i] <= f->a.x1;
		int near = (i + 1 < n && x[i] < f->a.x0 && x[i + 1] >= f->a.x0) ||
			   (i > 0 && x[i] > f->a.x1 && x[i - 1] <= f->a.x1);
		if (!inside && !near)
			continue;
		double px = fx(f, x[i]), py = fy(f, y[i]);
		if (!isfinite(px) || !isfinite(py)) {
			col_flush(b, &c);
			c.pen = 0; /* a gap */
			continue;
		}
		double col = floor(px * 2) / 2;
		if (c.n && floor(c.x * 2) / 2 != col)
			col_flush(b, &c);
		if (!c.n) {
			c.x = px;
			c.first = c.lo = c.hi = py;
		}
		c.lo = fmin(c.lo, py);
		c.hi = fmax(c.hi, py);
		c.last = py;
		c.n++;
	}
	col_flush(b, &c);
	UI_PUT(b, "\"");
	put_stroke(b, st);
	UI_PUT(b, "/>\n");
}

/* Event markers: a dotted line each, labelled at the top of the plot; a label that would
 * overlap one already placed goes a row lower (four rows), as on the screen. */
static void put_markers(gg_buf *b, const frame *f, const ui_marker *mk, size_t n)
{
	enum { ROWS = 4 };
	double end[ROWS];
	for (int r = 0; r < ROWS; r++)
		end[r] = -1e9;
	for (size_t i = 0; i < n; i++) {
		double x = fx(f, mk[i].x);
		if (!(x >= f->L && x <= f->L + f->PW))
			continue;
		const char *color = mk[i].diverged ? "#C00000" : "#777777";
		ui_buf_printf(b, "<line class=\"marker\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				 "stroke=\"%s\" stroke-width=\"0.7\" stroke-dasharray=\"2 2\"/>\n",
			      x, f->T, x, f->T + f->PH, color);
		char lbl[40];
		snprintf(lbl, sizeof lbl, "%.28s%s", mk[i].text, strlen(mk[i].text) > 28 ? "…" : "");
		double w = text_w(lbl, 7.5), lx = x + 2;
		const char *anchor = "start";
		if (lx + w > f->L + f->PW) {
			lx = x - 2;
			anchor = "end";
		}
		double l0 = anchor[0] == 's' ? lx : lx - w, l1 = l0 + w;
		if (l0 < f->L)
			continue;
		int r = 0;
		while (r < ROWS && l0 <= end[r] + 3)
			r++;
		if (r >= ROWS)
			continue;
		end[r] = l1;
		put_text(b, lx, f->T + 8 + 9 * r, 7.5, anchor,
			 mk[i].diverged ? " class=\"marker-label\" fill=\"#C00000\" stroke=\"#fff\" stroke-width=\"2.4\" "
					  "paint-order=\"stroke\""
					: " class=\"marker-label\" fill=\"#444444\" stroke=\"#fff\" stroke-width=\"2.4\" "
					  "paint-order=\"stroke\"", lbl);
	}
}

/* The legend below the axes, in rows: a line sample in each entry's style (with its run's
 * shape) and its label; the key to train and test as two samples; notes in grey. Returns
 * the y below it; draw 0 only measures. */
static double put_legend(gg_buf *b, const plotjob *j, double W, double y0, int draw)
{
	double x = 6, y = y0, row = 12;
	for (int i = 0; i < j->nleg; i++) {
		const char *label = j->leg[i].label;
		int key = j->leg[i].key, sample = j->leg[i].glyph[0] != 0;
		double w = key ? 26 + text_w("train", 8.5) + 10 + 26 + text_w("test", 8.5)
			       : (sample ? 24 : 0) + text_w(label, 8.5);
		if (x > 6 && x + w > W - 4) {
			x = 6;
			y += row;
		}
		if (draw && key) {
			static const char *const kl[2] = { "train", "test" };
			for (int k = 0; k < 2; k++) {
				svg_style s = style_of(k ? ROLE_RUN6 : ROLE_RUN6_TR);
				ui_buf_printf(b, "<path d=\"M%.1f %.1fh20\"", x, y - 3);
				s.dash = "";
				put_stroke(b, s);
				UI_PUT(b, "/>\n");
				put_shape(b, 0, !k, x + 10, y - 3, "#555555");
				put_text(b, x + 24, y, 8.5, NULL, " class=\"legend\" fill=\"#444444\"", kl[k]);
				x += 26 + text_w(kl[k], 8.5) + 10;
			}
			x += 6;
			continue;
		}
		if (draw && sample) {
			svg_style s = style_of(j->leg[i].role);
			ui_buf_printf(b, "<path d=\"M%.1f %.1fh20\"", x, y - 3);
			if (j->leg[i].role == ROLE_WINDOW)
				ui_buf_printf(b, " fill=\"none\" stroke=\"%s\" stroke-width=\"1\" stroke-dasharray=\"1.5 1.5\"",
					      s.color);
			else
				put_stroke(b, (svg_style){ s.color, s.dash, s.width < 1.2 ? 1.2 : s.width, 1 });
			UI_PUT(b, "/>\n");
			int filled, k = ui_run_shape(j->leg[i].glyph, &filled);
			if (k >= 0 && j->nends)
				put_shape(b, k, 1, x + 10, y - 3, s.color);
		}
		if (draw)
			put_text(b, x + (sample ? 24 : 0), y, 8.5, NULL,
				 sample ? " class=\"legend\"" : " class=\"legend\" fill=\"#666666\"", label);
		x += w + 12;
	}
	return y + 6;
}

static void put_open(gg_buf *b, double W, double H, int standalone)
{
	if (standalone)
		UI_PUT(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	ui_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
			 "viewBox=\"0 0 %.0f %.0f\" " FONT ">\n", W, H, W, H);
	ui_buf_printf(b, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", W, H);
}

/* A plot panel's figure. */
static void svg_plot(gg_buf *b, struct ui *u, const ui_panel_kind *kind, int standalone, int id)
{
	plotjob *j = gg_xcalloc(1, sizeof *j);
	runset rs;
	int epochs;
	ui_plot_build(u, kind, j, &rs, &epochs);
	/* the canvas only serves the ranges' arithmetic: a size like a large panel's */
	int have = ui_plot_ranges(u, NULL, kind, j, &rs, epochs, 120, 30, 1);
	char note[200];
	ui_plot_note(u, kind, j, " · ", note, sizeof note);

	/* the y labels take what they need on the left, the plot the rest */
	double L = have ? fmax(30, 10 + ylabels_w(&j->a)) : 30;
	frame f = { .W = 320, .L = L, .PW = 320 - L - 14, .PH = 150, .a = j->a };
	gg_buf head = { 0 };
	f.T = put_heading(&head, f.W, j->title, note, j->hint) + 12;
	double legend_y = f.T + f.PH + 40;
	f.H = put_legend(NULL, j, f.W, legend_y, 0) + 2;
	put_open(b, f.W, f.H, standalone);
	gg_buf_put(b, head.p, head.n);
	gg_buf_free(&head);

	put_axes(b, &f, have, !epochs, ui_plot_xname(j, epochs));
	if (!have) {
		put_text(b, f.L + f.PW / 2, f.T + f.PH / 2, 9, "middle", " fill=\"#666666\"",
			 rs.cur < 0 ? "no runs to show" : "no data yet");
	} else {
		ui_buf_printf(b, "<clipPath id=\"plot%d\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				 "height=\"%.1f\"/></clipPath>\n<g clip-path=\"url(#plot%d)\">\n",
			      id, f.L, f.T - 1, f.PW + 1, f.PH + 2, id);
		if (kind->zero_line && !j->logy && j->a.y0 < 0 && j->a.y1 >= 0)
			ui_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888888\" "
					 "stroke-width=\"0.8\"/>\n", f.L, fy(&f, 0), f.L + f.PW, fy(&f, 0));
		if (kind->events && rs.cur >= 0) {
			ui_marker *mk;
			size_t n = ui_plot_markers(u, j, rs.cur, epochs, &mk);
			put_markers(b, &f, mk, n);
			free(mk);
		}
		/* the faint ones (raw values, minibatches, train) first, under the rest */
		for (int pass = 0; pass < 2; pass++)
			for (int i = 0; i < j->nlines; i++) {
				svg_style st = style_of(j->role[j->lines[i].series]);
				if ((st.opacity < 1) != !pass)
					continue;
				ui_buf_printf(b, "<g class=\"curve\" data-role=\"%d\">", (int)j->role[j->lines[i].series]);
				put_curve(b, &f, j->lines[i].x, j->lines[i].y, j->lines[i].n, st);
				UI_PUT(b, "</g>\n");
			}
		double lo, hi;
		if (ui_fit_span(j, &lo, &hi)) {
			enum { NP = 96 };
			double x[NP], y[NP];
			for (int i = 0; i < NP; i++) {
				x[i] = exp(log(lo) + (log(hi) - log(lo)) * i / (NP - 1));
				y[i] = j->fit.a + j->fit.b * log(x[i]);
			}
			UI_PUT(b, "<g class=\"fit\">");
			put_curve(b, &f, x, y, NP, style_of(ROLE_FIT));
			UI_PUT(b, "</g>\n");
			svg_style w = style_of(ROLE_WINDOW);
			for (int k = 0; k < 2; k++) {
				long at = k ? j->fit.to : j->fit.from;
				if (at > 0 && isfinite(fx(&f, (double)at)))
					ui_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
							 "stroke-width=\"0.8\" stroke-dasharray=\"%s\"/>\n",
						      fx(&f, (double)at), f.T, fx(&f, (double)at), f.T + f.PH, w.color, w.dash);
			}
		}
		for (int i = 0; i < j->nends; i++) {
			int filled, k = ui_run_shape(j->ends[i].glyph, &filled);
			double x = fx(&f, j->ends[i].x), y = fy(&f, j->ends[i].y);
			if (k >= 0 && isfinite(x) && isfinite(y))
				put_shape(b, k, filled, x, y, style_of(j->ends[i].role).color);
		}
		UI_PUT(b, "</g>\n");
	}
	put_legend(b, j, f.W, legend_y, 1);
	UI_PUT(b, "</svg>\n");
	ui_plot_free(j);
}

/* ---- the decision boundary ---------------------------------------------------------------- */
static const char *const cls_fill[6] = { "#cfe3f3", "#f6d5c2", "#c8eadb", "#f1d9e8", "#f8e4b8", "#d7ecf8" };

/* The boundary's figure: the predicted class over the plane, the training points on top in
 * their label's shape and colour, axes, the classes in the legend. -1 with why when the
 * current run has no map (ui_boundary_get). */
static int svg_boundary(gg_buf *b, struct ui *u, int standalone, int id, char *err)
{
	series_grid *g = gg_xmalloc(sizeof *g);
	series_status st;
	int run = ui_boundary_get(u, g, &st, err);
	if (run < 0) {
		free(g);
		return -1;
	}
	int ncls = 1;
	for (int i = 0; i < g->w * g->h; i++)
		ncls = g->cls[i] + 1 > ncls ? g->cls[i] + 1 : ncls;
	for (int i = 0; i < g->npoints && i < SERIES_POINTS_MAX; i++)
		ncls = g->pcls[i] + 1 > ncls ? g->pcls[i] + 1 : ncls;
	char note[200], a[32];
	ui_fmt_count((double)g->step, a, sizeof a);
	double tre = ui_last_finite(u, run, "train_err"), tee = ui_last_finite(u, run, "test_err");
	int l = snprintf(note, sizeof note, "%s · step %s", st.name, a);
	if (isfinite(tre))
		l += snprintf(note + l, sizeof note - (size_t)l, " · train err %.3f", tre);
	if (isfinite(tee) && l < (int)sizeof note)
		snprintf(note + l, sizeof note - (size_t)l, " · test err %.3f", tee);

	frame f = { .W = 320, .L = 46, .a = { g->x0, g->x1, g->y0, g->y1, 0, 0 } };
	gg_buf head = { 0 };
	f.T = put_heading(&head, f.W, "decision boundary", note, NULL) + 12;
	/* the plane keeps its aspect, within 264 × 200 */
	double aspect = (g->x1 - g->x0) / (g->y1 - g->y0);
	f.PW = 264;
	f.PH = f.PW / aspect;
	if (f.PH > 200) {
		f.PH = 200;
		f.PW = f.PH * aspect;
	}
	f.H = f.T + f.PH + 30 + 14 + 4;
	put_open(b, f.W, f.H, standalone);
	gg_buf_put(b, head.p, head.n);
	gg_buf_free(&head);
	/* the regions: a row of cells at a time, runs of one class as one rectangle */
	double cw = f.PW / g->w, chh = f.PH / g->h;
	ui_buf_printf(b, "<g class=\"regions\" shape-rendering=\"crispEdges\">\n");
	for (int r = 0; r < g->h; r++)
		for (int c0 = 0; c0 < g->w;) {
			int k = g->cls[r * g->w + c0], c1 = c0;
			while (c1 < g->w && g->cls[r * g->w + c1] == k)
				c1++;
			ui_buf_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n",
				      f.L + c0 * cw, f.T + r * chh, (c1 - c0) * cw + 0.05, chh + 0.05, cls_fill[k % 6]);
			c0 = c1;
		}
	UI_PUT(b, "</g>\n");
	(void)id;
	for (int i = 0; i < g->npoints && i < SERIES_POINTS_MAX; i++) {
		double x = fx(&f, g->px[i]), y = fy(&f, g->py[i]);
		if (x >= f.L && x <= f.L + f.PW && y >= f.T && y <= f.T + f.PH)
			put_shape(b, g->pcls[i] % UI_MAXRUNS, 1, x, y, palette[g->pcls[i] % UI_MAXRUNS]);
	}
	put_axes(b, &f, 1, 0, "x₁");
	put_text(b, f.L - 30, f.T + f.PH / 2, 9, "middle", NULL, "x₂");
	/* the classes: region swatch, point shape, number */
	double x = 6, y = f.T + f.PH + 40;
	for (int c = 0; c < ncls && c < 16; c++) {
		char num[24];
		snprintf(num, sizeof num, "class %d", c);
		ui_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"9\" fill=\"%s\" stroke=\"#999\" "
				 "stroke-width=\"0.5\"/>\n", x, y - 8, cls_fill[c % 6]);
		put_shape(b, c % UI_MAXRUNS, 1, x + 8, y - 3.5, palette[c % UI_MAXRUNS]);
		put_text(b, x + 20, y, 8.5, NULL, " class=\"legend\"", num);
		x += 20 + text_w(num, 8.5) + 12;
	}
	put_text(b, x, y, 8.5, NULL, " class=\"legend\" fill=\"#666666\"", "area: model · mark: data");
	UI_PUT(b, "</svg>\n");
	free(g);
	return 0;
}

int ui_svg_panel(struct ui *u, int kind, int standalone, gg_buf *b, char *err)
{
	int id = kind; /* clip paths' ids: one figure of each kind in a page */
	if (kind == UI_P_BOUNDARY)
		return svg_boundary(b, u, standalone, id, err);
	svg_plot(b, u, &ui_panel_kinds[kind], standalone, id);
	return 0;
}
