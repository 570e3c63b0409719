/* chart.c — the plot panels' common part (after btop's collect, then draw): a kind's data
 * step (panel.h) fills a plot job with curves, legend, title and note; this file chooses
 * the ranges, draws the curves, the zero line, the kind's overlay and the event markers
 * into a plot.c canvas, and copies it with axes, ticks, title and legend to the panel.
 *
 * Ranges are kept while the data fits them, and a followed x axis grows in steps of
 * 1-1.2-1.5-2-2.5-3-4-5-6-8, so most frames only add a few cells at the right end and
 * curses' diff sends just those. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/util.h"
#include "panel.h"

int ui_job_series(plotjob *j, ui_role role, char glyph)
{
	if (j->nseries >= 127)
		return 127;
	j->role[j->nseries] = role;
	j->glyphs[j->nseries] = glyph;
	j->glyphs[j->nseries + 1] = 0;
	return j->nseries++;
}

/* Returns the entry's index, or -1 when the legend is full. */
int ui_job_legend(plotjob *j, const char *glyph, ui_role role, const char *label)
{
	if (j->nleg >= 16)
		return -1;
	snprintf(j->leg[j->nleg].glyph, sizeof j->leg[j->nleg].glyph, "%s", glyph);
	j->leg[j->nleg].role = role;
	snprintf(j->leg[j->nleg].label, sizeof j->leg[j->nleg].label, "%s", label);
	j->leg[j->nleg].must = 0;
	return j->nleg++;
}

static void job_free(plotjob *j)
{
	for (int i = 0; i < j->nlines; i++) {
		free(j->lines[i].x);
		free(j->lines[i].y);
	}
	plot_canvas_free(&j->c);
}

/* One column of one run: x (steps or epochs) and y, copied out of the store. */
size_t ui_read_xy(struct ui *u, int run, const char *col, int epochs, double **xo, double **yo)
{
	series_store *S = u->S;
	int c = series_find_col(S, col), ce = series_find_col(S, "epoch");
	size_t n = series_nrows(S, run);
	*xo = *yo = NULL;
	if (c < 0 || !n)
		return 0;
	long *steps = gg_xmalloc(n * sizeof *steps);
	double *y = gg_xmalloc(n * sizeof *y), *x = gg_xmalloc(n * sizeof *x);
	n = series_read(S, run, c, 0, n, steps, y);
	if (!n) { /* a rollback shortened the run meanwhile */
		free(steps);
		free(x);
		free(y);
		return 0;
	}
	if (epochs && ce >= 0)
		series_read(S, run, ce, 0, n, NULL, x);
	else
		for (size_t i = 0; i < n; i++)
			x[i] = (double)steps[i];
	/* Rows where the column has no value (the rows between evaluations carry only dist
	 * and the norms; instruments run at some evaluations) are left out, so a curve joins
	 * its values instead of breaking into dots at every empty row. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i])) {
			x[k] = x[i];
			y[k++] = y[i];
		}
	n = k;
	free(steps);
	if (!n) { /* nothing to draw: as for a column that does not exist */
		free(x);
		free(y);
		return 0;
	}
	*xo = x;
	*yo = y;
	return n;
}

/* The newest finite value of a column of a run (NaN: none): instruments are computed at
 * some evaluations only, so the last row is often empty. */
double ui_last_finite(struct ui *u, int run, const char *col)
{
	double *x, *y, v = NAN;
	size_t n = ui_read_xy(u, run, col, 0, &x, &y);
	for (size_t i = n; i-- > 0;)
		if (isfinite(y[i])) {
			v = y[i];
			break;
		}
	free(x);
	free(y);
	return v;
}

void ui_job_legend_must(plotjob *j, const char *glyph, ui_role role, const char *label)
{
	int i = ui_job_legend(j, glyph, role, label);
	if (i >= 0)
		j->leg[i].must = 1;
}


/* The next "nice" value at or above v: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k. */
double ui_nice_ceil(double v)
{
	static const double m[] = { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 };
	if (!(v > 0))
		return 1;
	double e = pow(10, floor(log10(v)));
	for (int i = 0; i < 11; i++)
		if (m[i] * e >= v * (1 - 1e-12))
			return m[i] * e;
	return 10 * e;
}

/* The x range: everything, or the last `zoom` steps; following the newest point (in
 * chunks, so the picture does not slide on every step) or frozen where follow was
 * turned off. ratio converts steps to the axis' unit (epochs per step, or 1). */
static void x_range(struct ui *u, double data_lo, double data_hi, double ratio, int logx,
		    double *x0, double *x1)
{
	double hi = u->follow ? data_hi : (double)u->frozen_hi * ratio;
	if (u->zoom > 0) {
		double span = (double)u->zoom * ratio;
		if (u->follow) {
			double chunk = span / 8;
			hi = chunk > 0 ? ceil(hi / chunk) * chunk : hi;
			if (hi <= data_lo)
				hi = data_lo + span;
		}
		*x1 = hi;
		*x0 = hi - span;
		if (logx && *x0 <= 0)
			*x0 = data_lo > 0 ? data_lo : 1;
		return;
	}
	*x1 = u->follow ? ui_nice_ceil(hi) : (hi > 0 ? hi : 1);
	*x0 = logx ? (data_lo > 0 ? data_lo : 1) : (data_lo < 0 ? data_lo : 0);
	if (logx && *x1 <= *x0)
		*x1 = *x0 * 10;
	if (*x1 <= *x0)
		*x1 = *x0 + 1;
}

/* Keeps the previous y range while the data fits it and fills at least half of it. */
static void y_stable(ui_panel *p, double lo, double hi, int logy, double *y0, double *y1)
{
	if (p->have_range && lo >= p->y0 && hi <= p->y1) {
		double so = logy ? log10(p->y1 / p->y0) : p->y1 - p->y0;
		double sn = logy ? log10(hi / lo) : hi - lo;
		if (sn >= 0.5 * so) {
			*y0 = p->y0, *y1 = p->y1;
			return;
		}
	}
	/* some headroom, so the next points rarely force a rescale */
	if (logy) {
		double l0 = log10(lo), l1 = log10(hi), m = 0.08 * (l1 - l0) + 0.01;
		*y0 = pow(10, l0 - m);
		*y1 = pow(10, l1 + m);
	} else {
		double m = 0.08 * (hi - lo);
		*y0 = lo - m;
		*y1 = hi + m;
		if (lo >= 0 && *y0 < 0)
			*y0 = 0;
	}
	p->y0 = *y0, p->y1 = *y1;
	p->have_range = 1;
}

/* y range of the points of all lines inside [x0, x1]. */
static int visible_range(plotjob *j, int logy, double *lo, double *hi)
{
	size_t total = 0;
	for (int i = 0; i < j->nlines; i++)
		total += j->lines[i].n;
	double *v = gg_xmalloc((total ? total : 1) * sizeof *v);
	size_t m = 0;
	for (int i = 0; i < j->nlines; i++)
		for (size_t k = 0; k < j->lines[i].n; k++) {
			double x = j->lines[i].x[k];
			if (x >= j->a.x0 && x <= j->a.x1)
				v[m++] = j->lines[i].y[k];
		}
	int ok = plot_range(v, m, logy, lo, hi);
	free(v);
	return ok;
}

void ui_job_line(plotjob *j, double *x, double *y, size_t n, int series)
{
	if (j->nlines >= 64) {
		free(x);
		free(y);
		return;
	}
	j->lines[j->nlines++] = (pdata){ x, y, n, series, NULL };
}

void ui_job_mark(plotjob *j, const char *glyph)
{
	if (j->nlines > 0)
		j->lines[j->nlines - 1].mark = glyph;
}

unsigned char ui_job_dash(const plotjob *j, int series)
{
	if (j->c.mode != PLOT_BRAILLE || series < 0 || series >= j->nseries)
		return PLOT_SOLID;
	return ui_role_dash(j->role[series]);
}

/* Without colour, a curve's glyph on every MARK_EVERY cells of it (each curve starting at
 * its own offset, so two curves' glyphs do not land on one another), at its own points. */
#define MARK_EVERY 12
static void draw_marks(plotjob *j, const pdata *l, int offset)
{
	int next = offset % MARK_EVERY;
	for (size_t i = 0; i < l->n; i++) {
		double px = plot_map_x(&j->c, &j->a, l->x[i]), py = plot_map_y(&j->c, &j->a, l->y[i]);
		if (isnan(px) || isnan(py) || px < 0 || py < 0 || py >= j->c.dh)
			continue;
		int cx = (int)floor(px + 0.5) / 2, cy = (int)floor(py + 0.5) / 4;
		if (cx >= j->c.w)
			break;
		if (cx < next)
			continue;
		plot_text(&j->c, cx, cy < j->c.h ? cy : j->c.h - 1, l->mark, j->role[l->series]);
		next = cx + MARK_EVERY;
	}
}

/* Steps to the x unit: epochs per step from the newest row, or 1 (the x range's zoom). */
static double step_ratio(struct ui *u, int run, int epochs)
{
	if (!epochs)
		return 1;
	series_status st;
	series_get_status(u->S, run, &st);
	return st.step > 0 ? st.epoch / (double)st.step : 1;
}

/* A run's step -> epoch history: its rows' (step, epoch), and the status' newest point. */
typedef struct {
	long *s;
	double *e;
	size_t n;
} epoch_map;

static void epoch_map_read(struct ui *u, int run, epoch_map *m)
{
	int ce = series_find_col(u->S, "epoch");
	size_t n = ce >= 0 ? series_nrows(u->S, run) : 0;
	m->s = gg_xmalloc((n + 1) * sizeof *m->s);
	m->e = gg_xmalloc((n + 1) * sizeof *m->e);
	m->n = 0;
	size_t got = n ? series_read(u->S, run, ce, 0, n, m->s, m->e) : 0;
	for (size_t i = 0; i < got; i++) /* rows without an epoch (NaN) are no evidence */
		if (isfinite(m->e[i]) && (!m->n || m->s[i] > m->s[m->n - 1])) {
			m->s[m->n] = m->s[i];
			m->e[m->n++] = m->e[i];
		}
	series_status st;
	series_get_status(u->S, run, &st);
	if (st.step > 0 && isfinite(st.epoch) && (!m->n || st.step > m->s[m->n - 1])) {
		m->s[m->n] = st.step;
		m->e[m->n++] = st.epoch;
	}
}

/* The epoch of a step: between two known points on the line through them, before the first
 * on the line from (0, 0), after the last at the last segment's rate. */
static double epoch_at(const epoch_map *m, long step)
{
	if (!m->n)
		return (double)step;
	if (step <= m->s[0])
		return m->s[0] > 0 ? m->e[0] * (double)step / (double)m->s[0] : m->e[0];
	size_t lo = 0, hi = m->n - 1;
	if (step >= m->s[hi]) {
		if (hi == 0)
			return m->e[0] * (double)step / (double)m->s[0];
		lo = hi - 1;
	} else {
		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;
			if (m->s[mid] <= step)
				lo = mid;
			else
				hi = mid;
		}
	}
	return m->e[lo] + (m->e[hi] - m->e[lo]) * (double)(step - m->s[lo]) / (double)(m->s[hi] - m->s[lo]);
}

/* The markers of a run's events where settings changed (not evaluations), each at its own
 * step's x (on an epochs axis at the epoch the run had then), oldest first; events a log
 * axis cannot show are left out. Returns how many (free *out). */
size_t ui_plot_markers(struct ui *u, const plotjob *j, int run, int epochs, ui_marker **out)
{
	size_t ne = series_nevents(u->S, run), n = 0;
	*out = gg_xmalloc((ne ? ne : 1) * sizeof **out);
	if (!ne)
		return 0;
	series_event *ev = gg_xmalloc(ne * sizeof *ev);
	ne = series_read_events(u->S, run, 0, ne, ev);
	epoch_map m = { 0 };
	if (epochs)
		epoch_map_read(u, run, &m);
	for (size_t i = 0; i < ne; i++) {
		if (ev[i].kind == SERIES_EV_EVAL)
			continue;
		double x = epochs ? epoch_at(&m, ev[i].step) : (double)ev[i].step;
		if (j->logx && x <= 0)
			continue;
		(*out)[n].x = x;
		(*out)[n].step = ev[i].step;
		(*out)[n].diverged = ev[i].kind == SERIES_EV_DIVERGED;
		snprintf((*out)[n++].text, sizeof (*out)->text, "%s", ev[i].text);
	}
	free(m.s);
	free(m.e);
	free(ev);
	return n;
}

/* Vertical markers where settings changed (ui_plot_markers), labelled on the top rows: a
 * label that would overlap the ones already placed goes a row lower, so markers at one x
 * stack their labels. */
static void draw_events(struct ui *u, plotjob *j, int run, int epochs)
{
	ui_marker *mk;
	size_t ne = ui_plot_markers(u, j, run, epochs, &mk);
	enum { ROWS = 4 };
	int label_end[ROWS], rows = j->c.h / 3 < 1 ? 1 : j->c.h / 3 < ROWS ? j->c.h / 3 : ROWS;
	for (int r = 0; r < ROWS; r++)
		label_end[r] = -1;
	for (size_t i = 0; i < ne; i++) {
		double x = mk[i].x;
		ui_role role = mk[i].diverged ? ROLE_ERROR : ROLE_MARKER;
		plot_vmarker(&j->c, &j->a, x, role);
		double px = plot_map_x(&j->c, &j->a, x);
		if (isnan(px))
			continue;
		int cx = (int)floor(px + 0.5) / (j->c.mode == PLOT_BRAILLE ? 2 : 1);
		int tw = (int)strlen(mk[i].text);
		if (tw > 16)
			tw = 16;
		int lx = cx + 1;
		if (lx + tw > j->c.w)
			lx = cx - tw; /* to the left of a marker near the right edge */
		if (lx < 0 || lx + tw > j->c.w)
			continue;
		int r = 0;
		while (r < rows && lx <= label_end[r])
			r++;
		if (r >= rows)
			continue;
		char lbl[17];
		snprintf(lbl, sizeof lbl, "%.*s", tw, mk[i].text);
		plot_text(&j->c, lx, r, lbl, mk[i].diverged ? ROLE_ERROR : ROLE_MARKER_TEXT);
		label_end[r] = lx + tw;
	}
	free(mk);
}

/* The data step of a plot panel: the job's axes kinds, the kind's curves, legend, title
 * and note for the runs rs (ui_visible_runs) overlays. *epochs: the x axis counts epochs. */
void ui_plot_build(struct ui *u, const ui_panel_kind *kind, plotjob *j, runset *rs, int *epochs)
{
	*epochs = u->xaxis == UI_X_EPOCHS && !kind->fixed_logx;
	j->logx = kind->fixed_logx || u->xaxis == UI_X_LOGSTEPS;
	j->fit = (distfit){ .series = -1, .b = NAN };
	ui_visible_runs(u, rs);
	if (rs->cur >= 0)
		kind->build(u, j, rs, *epochs);
	else
		snprintf(j->title, sizeof j->title, "%s", kind->title);
}

/* The ranges of a built job drawn on a canvas of cw × ch cells (braille when braille): x
 * everything (a kind that does not zoom) or the zoom window, followed or frozen; y the
 * visible points' with some headroom, 0 kept in range for margins, and p's last range kept
 * while the data still fits it (p NULL: a fresh picture). Returns 0 when there is no point
 * to draw. */
int ui_plot_ranges(struct ui *u, ui_panel *p, const ui_panel_kind *kind, plotjob *j,
		   const runset *rs, int epochs, int cw, int ch, int braille)
{
	ui_panel fresh = { 0 };
	if (!p)
		p = &fresh;
	double ratio = rs->cur >= 0 ? step_ratio(u, rs->cur, epochs) : 1;
	plot_canvas_init(&j->c, cw, ch, braille ? PLOT_BRAILLE : PLOT_ASCII);
	j->a.logx = j->logx;
	j->a.logy = j->logy;

	double dlo = INFINITY, dhi = -INFINITY;
	for (int i = 0; i < j->nlines; i++)
		for (size_t k = 0; k < j->lines[i].n; k++) {
			double x = j->lines[i].x[k];
			if (!isfinite(x) || (j->logx && x <= 0))
				continue;
			dlo = fmin(dlo, x);
			dhi = fmax(dhi, x);
		}
	if (dlo > dhi)
		dlo = dhi = j->logx ? 1 : 0;
	if (!kind->zoomable) {
		/* everything (the distance panel: a log-t axis, the fit drawn across it) */
		j->a.x0 = dlo > 0 ? dlo : 1;
		j->a.x1 = ui_nice_ceil(dhi > j->a.x0 ? dhi : j->a.x0 * 10);
	} else {
		x_range(u, dlo, dhi, ratio, j->logx, &j->a.x0, &j->a.x1);
	}
	double ylo, yhi;
	int have = visible_range(j, j->logy, &ylo, &yhi);
	if (have && j->zero) { /* margins: whether they are above or below zero is the point */
		ylo = fmin(ylo, 0);
		yhi = fmax(yhi, 0);
		if (yhi <= ylo)
			yhi = ylo + 1;
	}
	if (have)
		y_stable(p, ylo, yhi, j->logy, &j->a.y0, &j->a.y1);
	return have;
}

/* The x axis' name: its unit. */
const char *ui_plot_xname(const plotjob *j, int epochs)
{
	return epochs ? "epochs" : j->logx ? "log steps" : "steps";
}

/* The title's note: the kind's own, then what the view adds (EMA, zoom, a paused view),
 * parts joined by dot. */
void ui_plot_note(struct ui *u, const ui_panel_kind *kind, const plotjob *j, const char *dot,
		  char *note, size_t len)
{
	snprintf(note, len, "%s", j->note);
	if (kind->smoothable && u->smooth > 0) {
		size_t l = strlen(note);
		snprintf(note + l, len - l, "%sEMA %.2g", dot, u->smooth);
	}
	if (u->zoom > 0 && kind->zoomable) {
		size_t l = strlen(note);
		char zs[32];
		ui_fmt_count((double)u->zoom, zs, sizeof zs);
		snprintf(note + l, len - l, "%slast %s", dot, zs);
	}
	if (!u->follow && kind->zoomable) {
		size_t l = strlen(note);
		snprintf(note + l, len - l, "%spaused view", dot);
	}
}

void ui_plot_free(plotjob *j)
{
	job_free(j);
	free(j);
}

/* The cursor's line at its step (on an epochs axis at the epoch the run had then), over
 * the curves: the readout below says what they are there. */
static void draw_cursor(struct ui *u, plotjob *j, int run, int epochs)
{
	double x = (double)u->cursor_step;
	if (epochs) {
		epoch_map m = { 0 };
		epoch_map_read(u, run, &m);
		x = epoch_at(&m, u->cursor_step);
		free(m.s);
		free(m.e);
	}
	double px = plot_map_x(&j->c, &j->a, x);
	if (isnan(px) || px < -0.5 || px >= j->c.dw - 0.5)
		return;
	int cx = (int)floor(px + 0.5) / (j->c.mode == PLOT_BRAILLE ? 2 : 1);
	for (int cy = 0; cy < j->c.h; cy++)
		plot_text(&j->c, cx, cy, u->utf8 ? "│" : "|", ROLE_CURSOR);
}

/* Builds, draws and copies one plot panel. */
void ui_render_plot(struct ui *u, ui_panel *p)
{
	WINDOW *w = p->win;
	int W = p->w, H = p->h;
	werase(w);
	if (W < 20 || H < 5) {
		wnoutrefresh(w);
		return;
	}
	plotjob *j = gg_xcalloc(1, sizeof *j);
	const ui_panel_kind *kind = p->kind;
	runset rs;
	int epochs;
	ui_plot_build(u, kind, j, &rs, &epochs);
	int cur = rs.cur;
	const char *xname = ui_plot_xname(j, epochs);

	/* advice above the plot: as many rows as it wraps to, leaving the plot most of it */
	int hint_rows = 0;
	if (j->hint[0]) {
		hint_rows = ui_wrapped_rows(j->hint, W - 1);
		if (hint_rows > (H - 2) / 3)
			hint_rows = (H - 2) / 3 > 0 ? (H - 2) / 3 : 1;
		ui_put_wrapped(w, 1, 0, hint_rows, j->hint, W - 1, ROLE_HINT);
	}
	int top = 1 + hint_rows;

	/* canvas geometry: y labels left, x labels below, title above */
	int yw = 7, cw = W - yw - 1, ch = H - 2 - hint_rows;
	int have = ui_plot_ranges(u, p, kind, j, &rs, epochs, cw, ch, u->braille);
	p->x0 = j->a.x0; /* what the cursor's moves go by (readout.c) */
	p->x1 = j->a.x1;

	if (have) {
		if (kind->zero_line && !j->logy && j->a.y0 < 0 && j->a.y1 >= 0) {
			/* the zero line, under the data */
			int zs = ui_job_series(j, ROLE_AXIS, '-');
			double zy = plot_map_y(&j->c, &j->a, 0);
			for (int x = 0; x < j->c.dw; x += 2)
				plot_dot(&j->c, x, (int)floor(zy + 0.5), zs);
		}
		for (int i = 0; i < j->nlines; i++) {
			plot_series s = { j->lines[i].x, j->lines[i].y, j->lines[i].n, j->lines[i].series,
					  ui_job_dash(j, j->lines[i].series) };
			plot_draw(&j->c, &j->a, &s);
		}
		for (int i = 0, k = 0; i < j->nlines && !ui_colors() && j->c.mode == PLOT_BRAILLE; i++)
			if (j->lines[i].mark)
				draw_marks(j, &j->lines[i], 4 * k++);
		if (kind->overlay)
			kind->overlay(j);
		/* each overlaid run's glyph at its newest point (the ASCII canvas draws every
		 * dot in the run's glyph already) */
		for (int i = 0; i < j->nends && j->c.mode == PLOT_BRAILLE; i++) {
			double px = plot_map_x(&j->c, &j->a, j->ends[i].x), py = plot_map_y(&j->c, &j->a, j->ends[i].y);
			if (isnan(px) || isnan(py) || px < 0 || py < 0 || px >= j->c.dw || py >= j->c.dh)
				continue;
			plot_text(&j->c, (int)floor(px + 0.5) / 2 < j->c.w ? (int)floor(px + 0.5) / 2 : j->c.w - 1,
				  (int)floor(py + 0.5) / 4 < j->c.h ? (int)floor(py + 0.5) / 4 : j->c.h - 1,
				  j->ends[i].glyph, j->ends[i].role);
		}
		if (kind->events)
			draw_events(u, j, cur, epochs);
		if (u->cursor)
			draw_cursor(u, j, cur, epochs);
	}

	/* ---- copy to the window ---- */
	for (int cy = 0; cy < j->c.h; cy++) {
		wmove(w, top + cy, yw);
		for (int cx = 0; cx < j->c.w; cx++) {
			int role;
			wchar_t wc = plot_cell(&j->c, cx, cy, j->glyphs, &role);
			size_t idx = (size_t)cy * (size_t)j->c.w + (size_t)cx;
			ui_role r = ROLE_TEXT;
			int overlay = j->c.over[idx] && (!(j->c.over[idx] >= 0x2800 && j->c.over[idx] <= 0x28ff) ||
							 !j->c.bits[idx]);
			if (role >= 0)
				r = overlay ? (ui_role)role : j->role[role];
			cchar_t cc;
			wchar_t ws[2] = { wc, 0 };
			setcchar(&cc, ws, ui_role_attr(r), ui_role_pair(r), NULL);
			wadd_wch(w, &cc);
		}
	}
	/* y axis: a line with ticks and labels */
	const char *vline = u->utf8 ? "│" : "|", *vtick = u->utf8 ? "┤" : "+";
	for (int y = top; y < top + ch; y++) {
		wmove(w, y, yw - 1);
		ui_put_text(w, vline, 1, ROLE_AXIS);
	}
	if (have) {
		double t[16];
		char lbl[16][16];
		int nt = plot_ticks(j->a.y0, j->a.y1, j->logy, ch / 2 > 1 ? (ch / 2 < 8 ? ch / 2 : 8) : 2, t);
		plot_axis_labels(t, nt, yw - 2, 0, lbl);
		int last_row = -2;
		for (int i = 0; i < nt; i++) {
			double py = plot_map_y(&j->c, &j->a, t[i]);
			if (isnan(py) || !lbl[i][0])
				continue;
			int row = (int)floor(py + 0.5) / (u->braille ? 4 : 1);
			if (row < 0 || row >= ch || row == last_row)
				continue;
			last_row = row;
			wmove(w, top + row, yw - 2 - (int)strlen(lbl[i]));
			ui_put_text(w, lbl[i], yw - 2, ROLE_LABEL);
			wmove(w, top + row, yw - 1);
			ui_put_text(w, vtick, 1, ROLE_AXIS);
		}
		/* x axis labels on the bottom row */
		int nx = cw / 10 < 2 ? 2 : cw / 10 > 10 ? 10 : cw / 10;
		nt = plot_ticks(j->a.x0, j->a.x1, j->logx, nx, t);
		plot_axis_labels(t, nt, 6, !epochs, lbl); /* no fractional steps */
		/* the axis' unit at the right end of the label row, always: labels make room */
		int end = yw - 1, un = (int)strlen(xname);
		for (int i = 0; i < nt; i++) {
			double px = plot_map_x(&j->c, &j->a, t[i]);
			if (isnan(px) || !lbl[i][0])
				continue;
			int col = yw + (int)floor(px + 0.5) / (u->braille ? 2 : 1);
			int lw = (int)strlen(lbl[i]), lx = col - lw / 2;
			if (lx < yw - 1)
				lx = yw - 1;
			if (lx + lw > W - un - 3 || lx <= end)
				continue;
			wmove(w, H - 1, lx);
			ui_put_text(w, lbl[i], lw, ROLE_LABEL);
			end = lx + lw;
		}
		wmove(w, H - 1, W - un - 1);
		ui_put_text(w, xname, un, ROLE_DIM);
	} else {
		const char *msg = "no data yet";
		wmove(w, top + ch / 2, yw + (cw - (int)strlen(msg)) / 2);
		ui_put_text(w, msg, cw, ROLE_DIM);
	}

	/* title, notes and legend on the top row */
	wmove(w, 0, 1);
	int x = 1 + ui_put_text(w, j->title, W - 2, ROLE_TITLE);
	char note[200];
	const char *dot = u->utf8 ? " · " : " - ";
	ui_plot_note(u, kind, j, dot, note, sizeof note);
	/* The legend, right-aligned: the run names first (they say which curve is which, the
	 * notes can be cut for them), then the rest in order as long as it fits. */
	int lw = 0, show[16] = { 0 };
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < j->nleg; i++) {
			if (show[i] || j->leg[i].must != !pass)
				continue;
			int wdt = (j->leg[i].glyph[0] ? ui_text_width(j->leg[i].glyph) + 1 : 0) +
				  ui_text_width(j->leg[i].label) + 2;
			int room = pass == 0 ? W - 1 - x : W - 1 - x - ui_text_width(note) - 2;
			if (lw + wdt > room)
				break;
			lw += wdt;
			show[i] = 1;
		}
	int nw = W - 1 - x - (lw ? lw + 1 : 0);
	/* a note that does not fit loses whole parts, not half a number */
	while (ui_text_width(note) > nw) {
		char *cut = NULL;
		for (char *q = strstr(note + 1, dot); q; q = strstr(q + 1, dot))
			cut = q;
		if (!cut)
			break;
		*cut = 0;
	}
	/* the one part left is cut at a space, and goes when only its dot would be left */
	while (ui_text_width(note) > nw && nw >= 0) {
		char *sp = strrchr(note, ' ');
		if (!sp || sp <= note + strlen(dot)) {
			note[0] = 0;
			break;
		}
		*sp = 0;
	}
	x += ui_put_text(w, note, nw > 0 ? nw : 0, kind->note_role);
	int lx = W - 1 - lw;
	for (int i = 0; i < j->nleg; i++) {
		if (!show[i])
			continue;
		wmove(w, 0, lx);
		if (j->leg[i].glyph[0]) {
			lx += ui_put_text(w, j->leg[i].glyph, 2, j->leg[i].role);
			lx += ui_put_text(w, " ", 1, ROLE_TEXT);
		}
		lx += ui_put_text(w, j->leg[i].label, 40, j->leg[i].must || j->leg[i].glyph[0] ? ROLE_TEXT : ROLE_DIM);
		lx += ui_put_text(w, "  ", 2, ROLE_TEXT);
	}
	(void)x;
	ui_plot_free(j);
}
