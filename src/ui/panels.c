/* panels.c — the screen's layout and everything drawn in it: the status line, the plots
 * (loss, gap, distance from init, instruments), the event log, and the "too small" notice.
 *
 * Layout rules (W×H is the terminal; below 80×24 only the notice and the prompt):
 *   row 0 the status line; the last row the prompt; above it the event log (4 rows, 6 from
 *   36 rows, 8 from 50); the rest holds plots. The main plot is the loss plot, or the one
 *   `view` names. From 120 columns the main plot takes the left 55 % and the others stack
 *   on the right (as many as get 9 rows each); narrower but from 36 rows, the main plot
 *   takes the top 55 % and two others share the bottom side by side; otherwise only the
 *   main plot shows.
 *
 * A panel re-renders only when the data it shows (rows, events, runs), the settings or its
 * size changed; ranges are kept while the data fits them, and a followed x axis grows in
 * steps of 1-1.2-1.5-2-2.5-3-4-5-6-8, so most frames only add a few cells at the right end
 * and curses' diff sends just those. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "gglab/fit.h"
#include "gglab/util.h"
#include "tui.h"

/* ---- text helpers ---------------------------------------------------------------------- */

/* Writes UTF-8 (or ASCII) text at the cursor, at most maxw columns; returns the columns
 * used. Control characters become '?'. */
static int put_text(WINDOW *w, const char *s, int maxw, ui_role role)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t len = strlen(s), i = 0;
	int used = 0;
	while (i < len) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + i, len - i, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			wc = L'?';
			k = 1;
		}
		int cw = wc < 0x20 || wc == 0x7f ? -1 : wcwidth(wc);
		if (cw < 0)
			wc = L'?', cw = 1;
		if (used + cw > maxw)
			break;
		cchar_t cc;
		wchar_t ws[2] = { wc, 0 };
		setcchar(&cc, ws, ui_role_attr(role), ui_role_pair(role), NULL);
		wadd_wch(w, &cc);
		used += cw;
		i += k;
	}
	return used;
}

static int text_width(const char *s)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t len = strlen(s), i = 0;
	int used = 0;
	while (i < len) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + i, len - i, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			k = 1;
			used++;
			continue;
		}
		int cw = wcwidth(wc);
		used += cw < 0 ? 1 : cw;
		i += k;
	}
	return used;
}

static void fill_row(WINDOW *w, int y, int x0, int x1, ui_role role)
{
	wmove(w, y, x0);
	ui_setrole(w, role);
	for (int x = x0; x < x1; x++)
		waddch(w, ' ');
	wattr_set(w, A_NORMAL, 0, NULL);
}

/* 1234 → "1234", 12345 → "12.3k": compact step counts for titles and the status line. */
static void fmt_count(double v, char *buf, size_t len)
{
	if (fabs(v) < 10000)
		snprintf(buf, len, "%.0f", v);
	else
		plot_tick_label(v, buf, len, 5);
}

/* ---- layout ---------------------------------------------------------------------------- */

void ui_free_windows(struct ui *u)
{
	WINDOW **ws[] = { &u->statusw, &u->logw, &u->promptw, &u->smallw, &u->helpw };
	for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
		if (*ws[i]) {
			delwin(*ws[i]);
			*ws[i] = NULL;
		}
	for (int i = 0; i < UI_NKINDS; i++)
		if (u->panels[i].win) {
			delwin(u->panels[i].win);
			u->panels[i].win = NULL;
		}
}

static void place(struct ui *u, int kind, int x, int y, int w, int h)
{
	ui_panel *p = &u->panels[kind];
	p->kind = kind;
	p->x = x, p->y = y, p->w = w, p->h = h;
	p->win = newwin(h, w, y, x);
	p->dirty = 1;
	p->have_range = 0;
}

void ui_layout(struct ui *u)
{
	int W = u->W, H = u->H;
	u->small = W < 80 || H < 24;
	u->promptw = newwin(1, W, H - 1, 0);
	nodelay(u->promptw, TRUE); /* no keypad(): readline decodes escape sequences */
	if (u->help_open) {
		u->helpw = newwin(H - 1, W, 0, 0);
		keypad(u->helpw, TRUE);
		nodelay(u->helpw, TRUE);
		u->help_dirty = 1;
	}
	if (u->small) {
		u->smallw = newwin(H - 1, W, 0, 0);
		return;
	}
	int log_h = H >= 50 ? 8 : H >= 36 ? 6 : 4;
	u->statusw = newwin(1, W, 0, 0);
	u->logw = newwin(log_h, W, H - 1 - log_h, 0);
	u->status_dirty = u->log_dirty = 1;

	int top = 1, ph = H - 2 - log_h;
	int mainp = u->view == UI_VIEW_AUTO ? UI_P_LOSS : (int)u->view - 1;
	int others[UI_NKINDS - 1], no = 0;
	for (int k = 0; k < UI_NKINDS; k++)
		if (k != mainp)
			others[no++] = k;
	if (W >= 120) {
		int lw = W * 55 / 100;
		place(u, mainp, 0, top, lw, ph);
		int n = ph / 9;
		if (n > no)
			n = no;
		for (int i = 0; i < n; i++) {
			int y0 = top + ph * i / n, y1 = top + ph * (i + 1) / n;
			place(u, others[i], lw, y0, W - lw, y1 - y0);
		}
	} else if (H >= 36) {
		int mh = ph * 55 / 100;
		place(u, mainp, 0, top, W, mh);
		place(u, others[0], 0, top + mh, W / 2, ph - mh);
		place(u, others[1], W / 2, top + mh, W - W / 2, ph - mh);
	} else {
		place(u, mainp, 0, top, W, ph);
	}
}

/* ---- status line ------------------------------------------------------------------------- */

typedef struct {
	char text[120];
	int prio;
	ui_role role;
} segment;

static void fmt_eta(double s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else if (s < 100 * 3600)
		snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
	else
		snprintf(buf, len, "%.0fh", s / 3600);
}

void ui_draw_status(struct ui *u)
{
	WINDOW *w = u->statusw;
	int W = getmaxx(w);
	segment seg[12];
	int n = 0;
	int cur = series_current(u->S), nruns = series_nruns(u->S);
	series_status st;
	memset(&st, 0, sizeof st);
	if (cur >= 0)
		series_get_status(u->S, cur, &st);
	char a[32], b[32];

	snprintf(seg[n].text, sizeof seg[n].text, "%s", st.name[0] ? st.name : "-");
	seg[n].prio = nruns > 1 ? 9 : 3, seg[n++].role = ROLE_STATUS_KEY; /* which run, when it matters */
	if (nruns > 1) {
		snprintf(seg[n].text, sizeof seg[n].text, "+%d run%s", nruns - 1, nruns > 2 ? "s" : "");
		seg[n].prio = 3, seg[n++].role = ROLE_STATUS;
	}
	snprintf(seg[n].text, sizeof seg[n].text, "%s", st.model);
	seg[n].prio = 5, seg[n++].role = ROLE_STATUS;
	snprintf(seg[n].text, sizeof seg[n].text, "%s", st.data);
	seg[n].prio = 2, seg[n++].role = ROLE_STATUS;
	fmt_count((double)st.step, a, sizeof a);
	snprintf(seg[n].text, sizeof seg[n].text, "step %s", a);
	seg[n].prio = 9, seg[n++].role = ROLE_STATUS_KEY;
	snprintf(seg[n].text, sizeof seg[n].text, st.epoch < 100 ? "ep %.2f" : "ep %.0f", st.epoch);
	seg[n].prio = 6, seg[n++].role = ROLE_STATUS;
	snprintf(seg[n].text, sizeof seg[n].text, "bs %d", st.bs);
	seg[n].prio = 8, seg[n++].role = ROLE_STATUS;
	snprintf(seg[n].text, sizeof seg[n].text, "lr %.4g", st.lr);
	seg[n].prio = 8, seg[n++].role = ROLE_STATUS;
	snprintf(seg[n].text, sizeof seg[n].text, " %s ", series_state_name(st.state));
	seg[n].prio = 10;
	seg[n++].role = st.state == RUN_RUNNING ? ROLE_RUNNING : st.state == RUN_PAUSED ? ROLE_PAUSED
			: st.state == RUN_DIVERGED ? ROLE_DIVERGED : ROLE_IDLE;
	if (st.state == RUN_RUNNING) {
		int goal = st.goal >= 0 && st.steps_per_s > 0;
		snprintf(seg[n].text, sizeof seg[n].text, goal ? "%.0f/s" : "%.0f steps/s", st.steps_per_s);
		seg[n].prio = goal ? 4 : 7, seg[n++].role = ROLE_STATUS;
		if (goal) {
			fmt_eta((double)(st.goal - st.step) / st.steps_per_s, b, sizeof b);
			snprintf(seg[n].text, sizeof seg[n].text, "ETA %s", b);
			seg[n].prio = 7, seg[n++].role = ROLE_STATUS;
		}
	}

	/* Drop the least important segments until the line fits. */
	const char *sep = "  ";
	int keep[12];
	for (int i = 0; i < n; i++)
		keep[i] = 1;
	for (;;) {
		int width = 1;
		for (int i = 0, first = 1; i < n; i++)
			if (keep[i]) {
				width += (first ? 0 : 2) + text_width(seg[i].text);
				first = 0;
			}
		if (width <= W)
			break;
		int low = -1;
		for (int i = 0; i < n; i++)
			if (keep[i] && (low < 0 || seg[i].prio < seg[low].prio))
				low = i;
		if (low < 0 || seg[low].prio >= 10)
			break;
		keep[low] = 0;
	}
	fill_row(w, 0, 0, W, ROLE_STATUS);
	wmove(w, 0, 1);
	int x = 1;
	for (int i = 0, first = 1; i < n; i++) {
		if (!keep[i])
			continue;
		if (!first)
			x += put_text(w, sep, W - x, ROLE_STATUS);
		first = 0;
		x += put_text(w, seg[i].text, W - x, seg[i].role);
	}
	/* the help key, right-aligned, when there is room */
	const char *help = "F1 help";
	if (x + 2 + (int)strlen(help) + 1 <= W) {
		wmove(w, 0, W - (int)strlen(help) - 1);
		put_text(w, help, (int)strlen(help), ROLE_STATUS);
	}
	u->status_dirty = 0;
}

/* ---- event log -------------------------------------------------------------------------- */

/* Rows an entry takes when wrapped to width W. */
static int wrapped_rows(const char *s, int W)
{
	int tw = text_width(s);
	return tw <= W ? 1 : (tw + W - 3) / (W - 2); /* continuation rows are indented by 2 */
}

static void put_wrapped(WINDOW *w, int y, int rows_skip, int rows_max, const char *s, int W, ui_role role)
{
	/* walk the text, emitting rows; skip the first rows_skip rows */
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t len = strlen(s), i = 0;
	int row = 0, col = 0, width = W;
	if (rows_skip == 0)
		wmove(w, y, 0);
	while (i < len && row - rows_skip < rows_max) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + i, len - i, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			wc = L'?';
			k = 1;
		}
		int cw = wcwidth(wc);
		if (cw < 0)
			wc = L'?', cw = 1;
		if (col + cw > width) {
			row++;
			col = 0;
			width = W - 2;
			if (row - rows_skip >= rows_max)
				break;
			if (row >= rows_skip)
				wmove(w, y + row - rows_skip, 2);
		}
		if (row >= rows_skip) {
			cchar_t cc;
			wchar_t ws[2] = { wc, 0 };
			setcchar(&cc, ws, ui_role_attr(role), ui_role_pair(role), NULL);
			wadd_wch(w, &cc);
		}
		col += cw;
		i += k;
	}
}

void ui_draw_log(struct ui *u)
{
	WINDOW *w = u->logw;
	int W = getmaxx(w), H = getmaxy(w);
	werase(w);
	/* from the newest entry (minus the scroll) upwards */
	int row = H;
	for (int k = u->log_n - 1 - u->log_scroll; k >= 0 && row > 0; k--) {
		const ui_logline *l = &u->log[(u->log_head + k) % UI_LOGN];
		int r = wrapped_rows(l->text, W);
		int y = row - r, skip = 0;
		if (y < 0) {
			skip = -y;
			y = 0;
		}
		put_wrapped(w, y, skip, r - skip, l->text, W, l->role);
		row -= r;
	}
	if (u->log_scroll > 0) {
		char buf[64];
		snprintf(buf, sizeof buf, " %d older ", u->log_scroll);
		wmove(w, H - 1, W - (int)strlen(buf));
		put_text(w, buf, (int)strlen(buf), ROLE_STATUS);
	}
	u->log_dirty = 0;
}

/* ---- plots ------------------------------------------------------------------------------ */

typedef struct {
	double *x, *y;
	size_t n;
	int series;
} pdata;

typedef struct {
	plot_canvas c;
	plot_axes a;
	ui_role role[128];
	char glyphs[129];
	int nseries;
	pdata lines[64];
	int nlines;
	/* legend: glyph, role, label */
	struct { char glyph[8]; ui_role role; char label[48]; } leg[16];
	int nleg;
	char title[160], note[200];
	int logx, logy;
} plotjob;

static int new_series(plotjob *j, ui_role role, char glyph)
{
	if (j->nseries >= 127)
		return 127;
	j->role[j->nseries] = role;
	j->glyphs[j->nseries] = glyph;
	j->glyphs[j->nseries + 1] = 0;
	return j->nseries++;
}

static void add_legend(plotjob *j, const char *glyph, ui_role role, const char *label)
{
	if (j->nleg >= 16)
		return;
	snprintf(j->leg[j->nleg].glyph, sizeof j->leg[j->nleg].glyph, "%s", glyph);
	j->leg[j->nleg].role = role;
	snprintf(j->leg[j->nleg].label, sizeof j->leg[j->nleg].label, "%s", label);
	j->nleg++;
}

static void free_job(plotjob *j)
{
	for (int i = 0; i < j->nlines; i++) {
		free(j->lines[i].x);
		free(j->lines[i].y);
	}
	plot_canvas_free(&j->c);
}

/* One column of one run: x (steps or epochs) and y, copied out of the store. */
static size_t read_xy(struct ui *u, int run, const char *col, int epochs, double **xo, double **yo)
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
	if (epochs && ce >= 0)
		series_read(S, run, ce, 0, n, NULL, x);
	else
		for (size_t i = 0; i < n; i++)
			x[i] = (double)steps[i];
	free(steps);
	*xo = x;
	*yo = y;
	return n;
}

/* The next "nice" value at or above v: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k. */
static double nice_ceil(double v)
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
	*x1 = u->follow ? nice_ceil(hi) : (hi > 0 ? hi : 1);
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

static void add_line(plotjob *j, double *x, double *y, size_t n, int series)
{
	if (j->nlines >= 64) {
		free(x);
		free(y);
		return;
	}
	j->lines[j->nlines++] = (pdata){ x, y, n, series };
}

static double *dup_d(const double *v, size_t n)
{
	double *r = gg_xmalloc((n ? n : 1) * sizeof *r);
	if (n)
		memcpy(r, v, n * sizeof *r);
	return r;
}

/* A curve, raw and (when smoothing) its EMA drawn over it. Returns the smooth series id. */
static void add_curve(struct ui *u, plotjob *j, double *x, double *y, size_t n, ui_role raw,
		      ui_role smooth, char graw, char gsmooth)
{
	if (u->smooth > 0) {
		int sr = new_series(j, raw, graw);
		int ss = new_series(j, smooth, gsmooth);
		double *ys = gg_xmalloc((n ? n : 1) * sizeof *ys);
		plot_ema(y, n, u->smooth, ys);
		add_line(j, x, y, n, sr);
		add_line(j, dup_d(x, n), ys, n, ss);
	} else {
		add_line(j, x, y, n, new_series(j, smooth, gsmooth));
	}
}

/* Steps to the x unit: epochs per step from the newest row, or 1. */
static double step_ratio(struct ui *u, int run, int epochs)
{
	if (!epochs)
		return 1;
	series_status st;
	series_get_status(u->S, run, &st);
	return st.step > 0 ? st.epoch / (double)st.step : 1;
}

/* Vertical markers where settings changed, labelled where there is room. */
static void draw_events(struct ui *u, plotjob *j, int run, double ratio)
{
	size_t ne = series_nevents(u->S, run);
	if (!ne)
		return;
	series_event *ev = gg_xmalloc(ne * sizeof *ev);
	ne = series_read_events(u->S, run, 0, ne, ev);
	int label_end = -1;
	for (size_t i = 0; i < ne; i++) {
		if (ev[i].kind == SERIES_EV_EVAL)
			continue;
		double x = (double)ev[i].step * ratio;
		if (j->logx && x <= 0)
			continue;
		ui_role role = ev[i].kind == SERIES_EV_DIVERGED ? ROLE_ERROR : ROLE_MARKER;
		plot_vmarker(&j->c, &j->a, x, role);
		double px = plot_map_x(&j->c, &j->a, x);
		if (isnan(px))
			continue;
		int cx = (int)floor(px + 0.5) / (j->c.mode == PLOT_BRAILLE ? 2 : 1);
		int tw = (int)strlen(ev[i].text);
		if (tw > 16)
			tw = 16;
		int lx = cx + 1;
		if (lx + tw > j->c.w)
			lx = cx - tw; /* to the left of a marker near the right edge */
		if (lx < 0 || lx <= label_end || lx + tw > j->c.w)
			continue;
		char lbl[17];
		snprintf(lbl, sizeof lbl, "%.*s", tw, ev[i].text);
		plot_text(&j->c, lx, 0, lbl, ev[i].kind == SERIES_EV_DIVERGED ? ROLE_ERROR : ROLE_MARKER_TEXT);
		label_end = lx + tw;
	}
	free(ev);
}

static const char *run_prefix(struct ui *u, int run, char *buf, size_t len)
{
	if (series_nruns(u->S) <= 1) {
		buf[0] = 0;
		return buf;
	}
	series_status st;
	series_get_status(u->S, run, &st);
	snprintf(buf, len, "%s ", st.name);
	return buf;
}

/* Per-run styles for runs after the first (the first keeps the train/test colours). */
static const ui_role run_roles[3] = { ROLE_RUN1, ROLE_RUN2, ROLE_RUN3 };

static void job_loss(struct ui *u, plotjob *j, int epochs, int *best_run, double *best, long *best_step)
{
	const char *tr = u->errors ? "train_err" : "train_loss", *te = u->errors ? "test_err" : "test_loss";
	static const char gl_train[] = "*x&%", gl_test[] = "o#@$";
	const char *mk_train = u->braille ? "●" : "*", *mk_test = u->braille ? "▲" : "o",
		   *mk_batch = u->braille ? "◆" : "+";
	*best = INFINITY;
	*best_step = -1;
	*best_run = -1;
	int cur = series_current(u->S), have_batch = 0;
	for (int r = 0; r < series_nruns(u->S) && r < 4; r++) {
		double *x, *y;
		size_t n;
		char pre[40], lbl[48];
		run_prefix(u, r, pre, sizeof pre);
		ui_role rtrain = r ? run_roles[(r - 1) % 3] : ROLE_TRAIN;
		ui_role rtest = r ? run_roles[(r - 1) % 3] : ROLE_TEST;
		if (!u->errors && (n = read_xy(u, r, "batch_loss", epochs, &x, &y))) {
			add_line(j, x, y, n, new_series(j, ROLE_BATCH, '+'));
			have_batch = 1;
		}
		if ((n = read_xy(u, r, tr, epochs, &x, &y))) {
			add_curve(u, j, x, y, n, r ? rtrain : ROLE_TRAIN_RAW, rtrain, '.', gl_train[r]);
			snprintf(lbl, sizeof lbl, "%strain", pre);
			add_legend(j, mk_train, rtrain, lbl);
		}
		if ((n = read_xy(u, r, te, epochs, &x, &y))) {
			/* the best test value of the current run */
			if (r == cur || (cur < 0 && r == 0)) {
				long *steps = gg_xmalloc(n * sizeof *steps);
				series_read(u->S, r, series_find_col(u->S, te), 0, n, steps, NULL);
				for (size_t i = 0; i < n; i++)
					if (isfinite(y[i]) && y[i] < *best)
						*best = y[i], *best_step = steps[i], *best_run = r;
				free(steps);
			}
			add_curve(u, j, x, y, n, r ? rtest : ROLE_TEST_RAW, rtest, ',', gl_test[r]);
			snprintf(lbl, sizeof lbl, "%stest", pre);
			add_legend(j, mk_test, rtest, lbl);
		}
	}
	/* last in the legend: the first to go when the title row is short */
	if (have_batch)
		add_legend(j, mk_batch, ROLE_BATCH, "minibatch");
}

/* Builds, draws and copies one plot panel. */
static void render_plot(struct ui *u, ui_panel *p)
{
	WINDOW *w = p->win;
	int W = p->w, H = p->h;
	werase(w);
	if (W < 20 || H < 5) {
		wnoutrefresh(w);
		return;
	}
	plotjob *j = gg_xcalloc(1, sizeof *j);
	int epochs = u->xaxis == UI_X_EPOCHS && p->kind != UI_P_DIST;
	j->logx = p->kind == UI_P_DIST || u->xaxis == UI_X_LOGSTEPS;
	int cur = series_current(u->S);
	if (cur < 0)
		cur = 0;
	double ratio = step_ratio(u, cur, epochs);
	int best_run = -1;
	double best = NAN, fit_a = NAN, fit_b = NAN, fit_r2 = NAN, sq_r2 = NAN;
	long best_step = -1;
	const char *xname = epochs ? "epochs" : j->logx ? "log steps" : "steps";
	int fit_series = -1;

	switch (p->kind) {
	case UI_P_LOSS:
		j->logy = u->logy;
		job_loss(u, j, epochs, &best_run, &best, &best_step);
		snprintf(j->title, sizeof j->title, "%s%s", u->errors ? "error rate" : "loss",
			 j->logy ? " (log)" : "");
		break;
	case UI_P_GAP: {
		const char *col = u->errors ? "gap_err" : "gap_loss";
		for (int r = 0; r < series_nruns(u->S) && r < 4; r++) {
			double *x, *y;
			size_t n = read_xy(u, r, col, epochs, &x, &y);
			if (!n)
				continue;
			ui_role rr = r ? run_roles[(r - 1) % 3] : ROLE_GAP;
			add_curve(u, j, x, y, n, r ? rr : ROLE_GAP_RAW, rr, '.', "#x&%"[r]);
			char pre[40], lbl[48];
			snprintf(lbl, sizeof lbl, "%s%s", run_prefix(u, r, pre, sizeof pre),
				 u->errors ? "test-train err" : "test-train loss");
			add_legend(j, u->braille ? "■" : "#", rr, lbl);
		}
		snprintf(j->title, sizeof j->title, "generalization gap");
		break;
	}
	case UI_P_DIST: {
		double *x, *y;
		size_t n = read_xy(u, cur, "dist", 0, &x, &y);
		if (n) {
			fit_line(x, y, n, 0, &fit_a, &fit_b, &fit_r2);
			double sa, sb;
			fit_line(x, y, n, 1, &sa, &sb, &sq_r2);
			add_line(j, x, y, n, new_series(j, ROLE_DIST, '*'));
			add_legend(j, u->braille ? "●" : "*", ROLE_DIST, u->utf8 ? "‖w−w₀‖" : "|w-w0|");
			fit_series = new_series(j, ROLE_FIT, '-');
			add_legend(j, u->braille ? "─" : "-", ROLE_FIT, u->utf8 ? "a+b·ln t" : "a+b*ln t");
		}
		snprintf(j->title, sizeof j->title, "distance from init");
		xname = "log steps";
		break;
	}
	case UI_P_INST: {
		static const char gl[] = "oxs#@%&=";
		const char *mk[] = { "●", "▲", "◆", "■", "★", "♦", "○", "△" };
		int allpos = 1;
		double mn = INFINITY, mx = -INFINITY;
		for (int i = 0; i < u->ninst; i++) {
			double *x, *y;
			size_t n = read_xy(u, cur, u->inst[i], epochs, &x, &y);
			if (!n)
				continue;
			for (size_t k = 0; k < n; k++)
				if (isfinite(y[k])) {
					if (y[k] <= 0)
						allpos = 0;
					mn = fmin(mn, y[k]);
					mx = fmax(mx, y[k]);
				}
			ui_role rr = (ui_role)(ROLE_INST0 + i % 4);
			add_line(j, x, y, n, new_series(j, rr, gl[i]));
			char g[2] = { gl[i], 0 };
			add_legend(j, u->braille ? mk[i] : g, rr, u->inst[i]);
		}
		/* magnitudes apart (a norm and a gradient): a log axis shows both */
		j->logy = allpos && mx > 20 * mn;
		snprintf(j->title, sizeof j->title, "instruments%s", j->logy ? " (log)" : "");
		break;
	}
	}

	/* canvas geometry: y labels left, x labels below, title above */
	int yw = 7, cw = W - yw - 1, ch = H - 2;
	plot_canvas_init(&j->c, cw, ch, u->braille ? PLOT_BRAILLE : PLOT_ASCII);
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
	if (p->kind == UI_P_DIST) {
		/* log-t axis over everything, fit drawn across it */
		j->a.x0 = dlo > 0 ? dlo : 1;
		j->a.x1 = nice_ceil(dhi > j->a.x0 ? dhi : j->a.x0 * 10);
	} else {
		x_range(u, dlo, dhi, ratio, j->logx, &j->a.x0, &j->a.x1);
	}
	double ylo, yhi;
	int have = visible_range(j, j->logy, &ylo, &yhi);
	if (have)
		y_stable(p, ylo, yhi, j->logy, &j->a.y0, &j->a.y1);

	if (have) {
		if (p->kind == UI_P_GAP && j->a.y0 < 0 && j->a.y1 > 0) {
			/* the zero line, under the data */
			int zs = new_series(j, ROLE_AXIS, '-');
			double zy = plot_map_y(&j->c, &j->a, 0);
			for (int x = 0; x < j->c.dw; x += 2)
				plot_dot(&j->c, x, (int)floor(zy + 0.5), zs);
		}
		for (int i = 0; i < j->nlines; i++) {
			plot_series s = { j->lines[i].x, j->lines[i].y, j->lines[i].n, j->lines[i].series };
			plot_draw(&j->c, &j->a, &s);
		}
		if (fit_series >= 0 && isfinite(fit_b)) {
			int np = j->c.dw > 2 ? j->c.dw : 2;
			double *fx = gg_xmalloc((size_t)np * sizeof *fx), *fy = gg_xmalloc((size_t)np * sizeof *fy);
			double l0 = log(j->a.x0), l1 = log(j->a.x1);
			for (int i = 0; i < np; i++) {
				fx[i] = exp(l0 + (l1 - l0) * i / (np - 1));
				fy[i] = fit_a + fit_b * log(fx[i]);
			}
			plot_series s = { fx, fy, (size_t)np, fit_series };
			plot_draw(&j->c, &j->a, &s);
			free(fx);
			free(fy);
		}
		if (p->kind != UI_P_DIST)
			draw_events(u, j, cur, ratio);
	}

	/* ---- copy to the window ---- */
	for (int cy = 0; cy < j->c.h; cy++) {
		wmove(w, 1 + cy, yw);
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
	for (int y = 1; y <= ch; y++) {
		wmove(w, y, yw - 1);
		put_text(w, vline, 1, ROLE_AXIS);
	}
	if (have) {
		double t[16];
		int nt = plot_ticks(j->a.y0, j->a.y1, j->logy, ch / 2 > 1 ? (ch / 2 < 8 ? ch / 2 : 8) : 2, t);
		int last_row = -2;
		for (int i = 0; i < nt; i++) {
			double py = plot_map_y(&j->c, &j->a, t[i]);
			if (isnan(py))
				continue;
			int row = (int)floor(py + 0.5) / (u->braille ? 4 : 1);
			if (row < 0 || row >= ch || row == last_row)
				continue;
			last_row = row;
			char lbl[16];
			plot_tick_label(t[i], lbl, sizeof lbl, yw - 2);
			wmove(w, 1 + row, yw - 2 - (int)strlen(lbl));
			put_text(w, lbl, yw - 2, ROLE_LABEL);
			wmove(w, 1 + row, yw - 1);
			put_text(w, vtick, 1, ROLE_AXIS);
		}
		/* x axis labels on the bottom row */
		int nx = cw / 10 < 2 ? 2 : cw / 10 > 10 ? 10 : cw / 10;
		nt = plot_ticks(j->a.x0, j->a.x1, j->logx, nx, t);
		int end = yw - 1;
		for (int i = 0; i < nt; i++) {
			double px = plot_map_x(&j->c, &j->a, t[i]);
			if (isnan(px))
				continue;
			int col = yw + (int)floor(px + 0.5) / (u->braille ? 2 : 1);
			char lbl[16];
			plot_tick_label(t[i], lbl, sizeof lbl, 6);
			int lw = (int)strlen(lbl), lx = col - lw / 2;
			if (lx < yw - 1)
				lx = yw - 1;
			if (lx + lw > W - 1 || lx <= end)
				continue;
			wmove(w, H - 1, lx);
			put_text(w, lbl, lw, ROLE_LABEL);
			end = lx + lw;
		}
		/* the axis' unit at the right end of the label row */
		int un = (int)strlen(xname);
		if (end + 2 + un < W) {
			wmove(w, H - 1, W - un - 1);
			put_text(w, xname, un, ROLE_DIM);
		}
	} else {
		const char *msg = "no data yet";
		wmove(w, 1 + ch / 2, yw + (cw - (int)strlen(msg)) / 2);
		put_text(w, msg, cw, ROLE_DIM);
	}

	/* title, notes and legend on the top row */
	wmove(w, 0, 1);
	int x = 1 + put_text(w, j->title, W - 2, ROLE_TITLE);
	char note[200] = "";
	const char *dot = u->utf8 ? " · " : " - ";
	if (p->kind == UI_P_LOSS && best_run >= 0 && isfinite(best)) {
		char bs[32];
		fmt_count((double)best_step, bs, sizeof bs);
		snprintf(note, sizeof note, "%sbest test %.4g @ %s", dot, best, bs);
	} else if (p->kind == UI_P_DIST && isfinite(fit_b)) {
		snprintf(note, sizeof note, u->utf8 ? "%sb=%.3g R²=%.3f (√t R²=%.3f)" : "%sb=%.3g R^2=%.3f (sqrt t R^2=%.3f)",
			 dot, fit_b, fit_r2, sq_r2);
	}
	if (p->kind != UI_P_DIST && p->kind != UI_P_INST && u->smooth > 0) {
		size_t l = strlen(note);
		snprintf(note + l, sizeof note - l, "%sEMA %.2g", dot, u->smooth);
	}
	if (u->zoom > 0 && p->kind != UI_P_DIST) {
		size_t l = strlen(note);
		char zs[32];
		fmt_count((double)u->zoom, zs, sizeof zs);
		snprintf(note + l, sizeof note - l, "%slast %s", dot, zs);
	}
	if (!u->follow && p->kind != UI_P_DIST) {
		size_t l = strlen(note);
		snprintf(note + l, sizeof note - l, "%spaused view", dot);
	}
	x += put_text(w, note, W - 1 - x, p->kind == UI_P_LOSS ? ROLE_BEST : ROLE_DIM);
	/* legend, right-aligned, as much as fits */
	int lw = 0, nfit = 0;
	for (int i = 0; i < j->nleg; i++) {
		int wdt = text_width(j->leg[i].glyph) + 1 + text_width(j->leg[i].label) + 2;
		if (x + 2 + lw + wdt > W - 1)
			break;
		lw += wdt;
		nfit++;
	}
	int lx = W - 1 - lw;
	for (int i = 0; i < nfit; i++) {
		wmove(w, 0, lx);
		lx += put_text(w, j->leg[i].glyph, 2, j->leg[i].role);
		lx += put_text(w, " ", 1, ROLE_TEXT);
		lx += put_text(w, j->leg[i].label, 40, ROLE_TEXT);
		lx += put_text(w, "  ", 2, ROLE_TEXT);
	}
	free_job(j);
	free(j);
}

/* What a plot shows, summarized: re-render when it changes. */
static uint64_t data_key(struct ui *u)
{
	uint64_t k = (uint64_t)series_nruns(u->S) * 1000003u + (uint64_t)series_ncols(u->S);
	for (int r = 0; r < series_nruns(u->S); r++)
		k = k * 1099511628211u + series_nrows(u->S, r) * 31u + series_nevents(u->S, r);
	k = k * 31u + (uint64_t)series_current(u->S);
	return k;
}

static void draw_small(struct ui *u)
{
	WINDOW *w = u->smallw;
	int W = getmaxx(w), H = getmaxy(w);
	werase(w);
	char a[120], b[120] = "resize the terminal, or type quit";
	snprintf(a, sizeof a, u->utf8 ? "terminal too small: need 80×24, have %d×%d"
				      : "terminal too small: need 80x24, have %dx%d", u->W, u->H);
	int aw = text_width(a), bw = (int)strlen(b);
	wmove(w, H / 2 - 1 >= 0 ? H / 2 - 1 : 0, aw < W ? (W - aw) / 2 : 0);
	put_text(w, a, W, ROLE_WARN);
	if (H > 2) {
		wmove(w, H / 2 + 1 < H ? H / 2 + 1 : H - 1, bw < W ? (W - bw) / 2 : 0);
		put_text(w, b, W, ROLE_DIM);
	}
}

void ui_draw_frame(struct ui *u)
{
	if (u->small) {
		if (u->status_dirty || u->log_dirty) {
			draw_small(u);
			u->status_dirty = u->log_dirty = 0;
		}
		/* The log is not on screen: still, the newest message shows on the notice. */
		wnoutrefresh(u->smallw);
	} else if (u->help_open) {
		if (u->help_dirty)
			ui_help_draw(u);
		wnoutrefresh(u->helpw);
	} else {
		uint64_t v = series_version(u->S);
		if (u->status_dirty || v != u->status_version)
			ui_draw_status(u);
		uint64_t key = data_key(u);
		for (int i = 0; i < UI_NKINDS; i++) {
			ui_panel *p = &u->panels[i];
			if (!p->win)
				continue;
			if (p->dirty || p->gen != u->gen || p->key != key) {
				render_plot(u, p);
				p->dirty = 0;
				p->gen = u->gen;
				p->key = key;
			}
			wnoutrefresh(p->win);
		}
		if (u->log_dirty)
			ui_draw_log(u);
		wnoutrefresh(u->statusw);
		wnoutrefresh(u->logw);
	}
	u->status_version = series_version(u->S);
	u->status_dirty = 0;
	u->help_dirty = 0;
	ui_prompt_draw(u); /* last: the cursor stays on the prompt */
	doupdate();
}
