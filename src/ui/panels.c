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
 * Plots overlay every visible run (not dropped, not a twin group's agreement series; up to
 * UI_MAXRUNS), each in its own colour with its own glyphs, and name them in the legend;
 * the distance and instruments panels show the current run. `view boundary` makes the
 * decision-boundary map the main panel (render_boundary).
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

/* The next character of s[*i..len) as it is shown, and its width: a byte that does not
 * decode, and a control character, show as a one-column '?'. */
static wchar_t next_char(const char *s, size_t len, size_t *i, mbstate_t *st, int *width)
{
	wchar_t wc;
	size_t k = mbrtowc(&wc, s + *i, len - *i, st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		memset(st, 0, sizeof *st);
		wc = L'?';
		k = 1;
	}
	int cw = wc < 0x20 || wc == 0x7f ? -1 : wcwidth(wc);
	if (cw < 0)
		wc = L'?', cw = 1;
	*i += k;
	*width = cw;
	return wc;
}

/* Writes UTF-8 (or ASCII) text at the cursor, at most maxw columns; returns the columns
 * used. */
static int put_text(WINDOW *w, const char *s, int maxw, ui_role role)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t len = strlen(s), i = 0;
	int used = 0, cw;
	while (i < len) {
		wchar_t ws[2] = { next_char(s, len, &i, &st, &cw), 0 };
		if (used + cw > maxw)
			break;
		cchar_t cc;
		setcchar(&cc, ws, ui_role_attr(role), ui_role_pair(role), NULL);
		wadd_wch(w, &cc);
		used += cw;
	}
	return used;
}

static int text_width(const char *s)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t len = strlen(s), i = 0;
	int used = 0, cw;
	while (i < len) {
		next_char(s, len, &i, &st, &cw);
		used += cw;
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

/* ---- which runs a plot overlays ----------------------------------------------------------- */

/* The runs a plot overlays: not dropped (`run drop`, the hidden default run of --view) and
 * not a twin group's agreement series (not a trained run: the instruments panel shows it).
 * In store order, so a run keeps its place, colour and glyph from frame to frame; when
 * there are more than UI_MAXRUNS the current run takes the last place. */
typedef struct {
	int id[UI_MAXRUNS];
	int n;      /* overlaid */
	int total;  /* visible in all (more than n past UI_MAXRUNS) */
	int cur;    /* the current run, or the first visible one when it is not; -1: none */
	int slot;   /* the current run's place in id[] */
} runset;

static void visible_runs(struct ui *u, runset *rs)
{
	int nr = series_nruns(u->S), want = series_current(u->S), have_cur = 0;
	rs->n = rs->total = 0;
	for (int r = 0; r < nr; r++) {
		series_status st;
		series_get_status(u->S, r, &st);
		if (st.dropped || st.agreement)
			continue;
		rs->total++;
		if (rs->n < UI_MAXRUNS)
			rs->id[rs->n++] = r;
		else if (r == want)
			rs->id[UI_MAXRUNS - 1] = r;
		have_cur |= r == want;
	}
	rs->cur = have_cur ? want : rs->n ? rs->id[0] : -1;
	rs->slot = 0;
	for (int k = 0; k < rs->n; k++)
		if (rs->id[k] == rs->cur)
			rs->slot = k;
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
	int mainp = u->view == UI_VIEW_AUTO ? UI_P_LOSS : u->view == UI_VIEW_BOUNDARY ? UI_P_BOUNDARY
		    : (int)u->view - 1;
	int others[UI_NKINDS], no = 0;
	for (int k = 0; k < UI_P_BOUNDARY; k++) /* the boundary map only ever shows as the main plot */
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
	runset rs;
	visible_runs(u, &rs);
	int cur = rs.cur, nruns = rs.total;
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
	/* legend: glyph, role, label; `must` entries (the run names) get room before the
	 * title's notes do */
	struct { char glyph[16]; ui_role role; char label[48]; int must; } leg[16];
	int nleg;
	/* glyphs at the newest point of each overlaid run's curve: in braille the curves
	 * differ only by colour, and these tell them apart in monochrome too */
	struct { double x, y; char glyph[8]; ui_role role; } ends[2 * UI_MAXRUNS];
	int nends;
	char title[160], note[200];
	char hint[200];  /* a line or two of advice above the plot (empty: none) */
	int logx, logy;
	int zero;        /* keep y = 0 in range and draw the zero line (stability margins) */
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

/* Returns the entry's index, or -1 when the legend is full. */
static int add_legend(plotjob *j, const char *glyph, ui_role role, const char *label)
{
	if (j->nleg >= 16)
		return -1;
	snprintf(j->leg[j->nleg].glyph, sizeof j->leg[j->nleg].glyph, "%s", glyph);
	j->leg[j->nleg].role = role;
	snprintf(j->leg[j->nleg].label, sizeof j->leg[j->nleg].label, "%s", label);
	j->leg[j->nleg].must = 0;
	return j->nleg++;
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

/* The agreement series of the current run's twin group, else the newest one; -1: none. */
static int agreement_run(struct ui *u, int cur)
{
	series_status cs;
	series_get_status(u->S, cur, &cs);
	int found = -1;
	for (int r = 0; r < series_nruns(u->S); r++) {
		series_status st;
		series_get_status(u->S, r, &st);
		if (st.dropped || !st.agreement)
			continue;
		if (cs.twin_group > 0 && st.twin_group == cs.twin_group)
			return r;
		found = r;
	}
	return found;
}

/* Per-run styles (overlay of two or more runs): a colour each, the train curve in a quieter
 * variant of it; a shape each, filled for train and hollow for test; in the ASCII canvas a
 * pair of dot glyphs each. A single run keeps the classic train/test colours. */
static const char *const run_filled[UI_MAXRUNS] = { "●", "■", "◆", "▲", "▼", "★", "♥", "✚" };
static const char *const run_hollow[UI_MAXRUNS] = { "○", "□", "◇", "△", "▽", "☆", "♡", "✛" };
static const char run_ascii_train[] = "*x+=~^:;", run_ascii_test[] = "o#@%&$O8";

static ui_role run_role(int slot, int train)
{
	return (ui_role)((train ? ROLE_RUN0_TR : ROLE_RUN0) + slot % UI_MAXRUNS);
}

static void add_legend_must(plotjob *j, const char *glyph, ui_role role, const char *label)
{
	int i = add_legend(j, glyph, role, label);
	if (i >= 0)
		j->leg[i].must = 1;
}

/* One overlaid run's curve: its EMA alone when smoothing (raw lines of several runs would
 * bury each other), else the raw values; its glyph goes at the newest point. */
static void add_run_curve(struct ui *u, plotjob *j, double *x, double *y, size_t n, ui_role role,
			  char ascii, const char *end)
{
	if (u->smooth > 0) {
		double *ys = gg_xmalloc((n ? n : 1) * sizeof *ys);
		plot_ema(y, n, u->smooth, ys);
		free(y);
		y = ys;
	}
	for (size_t i = n; i-- > 0;)
		if (isfinite(x[i]) && isfinite(y[i])) {
			if (j->nends < 2 * UI_MAXRUNS) {
				j->ends[j->nends].x = x[i];
				j->ends[j->nends].y = y[i];
				snprintf(j->ends[j->nends].glyph, sizeof j->ends[j->nends].glyph, "%s", end);
				j->ends[j->nends++].role = role;
			}
			break;
		}
	add_line(j, x, y, n, new_series(j, role, ascii));
}

static void run_name(struct ui *u, int run, char *buf, size_t len)
{
	series_status st;
	series_get_status(u->S, run, &st);
	snprintf(buf, len, "%s", st.name);
}

/* Legend entries of an overlay: one per run (its glyphs and name), "+N more", and a key to
 * the glyphs, which goes first when the row is short. */
static void legend_runs(struct ui *u, plotjob *j, const runset *rs, int pairs)
{
	for (int k = 0; k < rs->n; k++) {
		char g[16], name[40];
		if (u->braille)
			snprintf(g, sizeof g, "%s%s", run_filled[k], pairs ? run_hollow[k] : "");
		else
			snprintf(g, sizeof g, "%c%c", run_ascii_train[k], pairs ? run_ascii_test[k] : 0);
		run_name(u, rs->id[k], name, sizeof name);
		add_legend_must(j, g, run_role(k, 0), name);
	}
	if (rs->total > rs->n) {
		char more[32];
		snprintf(more, sizeof more, "+%d more", rs->total - rs->n);
		add_legend(j, "", ROLE_DIM, more);
	}
	if (pairs) {
		char key[48];
		if (u->braille)
			snprintf(key, sizeof key, "%s train %s test", run_filled[0], run_hollow[0]);
		else
			snprintf(key, sizeof key, "%c train %c test", run_ascii_train[0], run_ascii_test[0]);
		add_legend(j, "", ROLE_DIM, key);
	}
}

static void job_loss(struct ui *u, plotjob *j, const runset *rs, int epochs, int *best_run,
		     double *best, long *best_step)
{
	const char *tr = u->errors ? "train_err" : "train_loss", *te = u->errors ? "test_err" : "test_loss";
	const char *mk_train = u->braille ? "●" : "*", *mk_test = u->braille ? "▲" : "o",
		   *mk_batch = u->braille ? "◆" : "+";
	int multi = rs->n > 1, have_batch = 0;
	*best = INFINITY;
	*best_step = -1;
	*best_run = -1;
	for (int k = 0; k < rs->n; k++) {
		int r = rs->id[k];
		double *x, *y;
		size_t n;
		/* minibatch losses of the current run only: several runs' would be noise */
		if (!u->errors && r == rs->cur && (n = read_xy(u, r, "batch_loss", epochs, &x, &y))) {
			add_line(j, x, y, n, new_series(j, ROLE_BATCH, '+'));
			have_batch = 1;
		}
		if ((n = read_xy(u, r, tr, epochs, &x, &y))) {
			if (multi) {
				add_run_curve(u, j, x, y, n, run_role(k, 1), run_ascii_train[k], run_filled[k]);
			} else {
				add_curve(u, j, x, y, n, ROLE_TRAIN_RAW, ROLE_TRAIN, '.', '*');
				add_legend(j, mk_train, ROLE_TRAIN, "train");
			}
		}
		if ((n = read_xy(u, r, te, epochs, &x, &y))) {
			if (r == rs->cur) { /* the best test value of the current run */
				long *steps = gg_xmalloc(n * sizeof *steps);
				size_t m = series_read(u->S, r, series_find_col(u->S, te), 0, n, steps, NULL);
				for (size_t i = 0; i < m; i++)
					if (isfinite(y[i]) && y[i] < *best)
						*best = y[i], *best_step = steps[i], *best_run = r;
				free(steps);
			}
			if (multi) {
				add_run_curve(u, j, x, y, n, run_role(k, 0), run_ascii_test[k], run_hollow[k]);
			} else {
				add_curve(u, j, x, y, n, ROLE_TEST_RAW, ROLE_TEST, ',', 'o');
				add_legend(j, mk_test, ROLE_TEST, "test");
			}
		}
	}
	if (multi)
		legend_runs(u, j, rs, 1);
	/* last in the legend: the first to go when the title row is short */
	if (have_batch)
		add_legend(j, mk_batch, ROLE_BATCH, "minibatch");
}

static void job_gap(struct ui *u, plotjob *j, const runset *rs, int epochs)
{
	const char *col = u->errors ? "gap_err" : "gap_loss";
	int multi = rs->n > 1;
	for (int k = 0; k < rs->n; k++) {
		double *x, *y;
		size_t n = read_xy(u, rs->id[k], col, epochs, &x, &y);
		if (!n)
			continue;
		if (multi) {
			add_run_curve(u, j, x, y, n, run_role(k, 0), run_ascii_test[k], run_filled[k]);
		} else {
			add_curve(u, j, x, y, n, ROLE_GAP_RAW, ROLE_GAP, '.', '#');
			add_legend(j, u->braille ? "■" : "#", ROLE_GAP,
				   u->errors ? "test-train err" : "test-train loss");
		}
	}
	if (multi)
		legend_runs(u, j, rs, 0);
	j->zero = 0;
	snprintf(j->title, sizeof j->title, "%s", multi ? (u->errors ? "gap (test-train err)"
						     : "gap (test-train loss)") : "generalization gap");
}

/* The distance-from-init panel's fit: over the run's `fit from= to=` window (0, 0: all),
 * drawn over that window only, whose ends are marked. */
typedef struct {
	double a, b, r2, sq_r2;
	double x0, x1;     /* the steps the fit used */
	long from, to;     /* the window as set (0: open) */
	int series;        /* -1: nothing to draw */
} distfit;

static void job_dist(struct ui *u, plotjob *j, const runset *rs, distfit *f)
{
	f->a = f->b = f->r2 = f->sq_r2 = NAN;
	f->series = -1;
	f->x0 = f->x1 = NAN;
	series_status st;
	series_get_status(u->S, rs->cur, &st);
	f->from = st.fit_from > 0 ? st.fit_from : 0;
	f->to = st.fit_to > 0 ? st.fit_to : 0;
	double *x, *y;
	size_t n = read_xy(u, rs->cur, "dist", 0, &x, &y);
	if (n) {
		double *wx = gg_xmalloc(n * sizeof *wx), *wy = gg_xmalloc(n * sizeof *wy);
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (x[i] > 0 && x[i] >= (double)f->from && (!f->to || x[i] <= (double)f->to) &&
			    isfinite(y[i])) {
				wx[m] = x[i];
				wy[m++] = y[i];
				f->x0 = m == 1 ? x[i] : fmin(f->x0, x[i]);
				f->x1 = m == 1 ? x[i] : fmax(f->x1, x[i]);
			}
		double sa, sb;
		fit_line(wx, wy, m, 0, &f->a, &f->b, &f->r2);
		fit_line(wx, wy, m, 1, &sa, &sb, &f->sq_r2);
		free(wx);
		free(wy);
		add_line(j, x, y, n, new_series(j, ROLE_DIST, '*'));
		add_legend(j, u->braille ? "●" : "*", ROLE_DIST, u->utf8 ? "‖w−w₀‖" : "|w-w0|");
		f->series = new_series(j, ROLE_FIT, '-');
		add_legend(j, u->braille ? "─" : "-", ROLE_FIT, u->utf8 ? "a+b·ln t" : "a+b*ln t");
		if (f->from || f->to)
			add_legend(j, u->braille ? "⡇" : ":", ROLE_WINDOW, "fit window");
	}
	if (rs->total > 1)
		snprintf(j->title, sizeof j->title, "distance from init (%s)", st.name);
	else
		snprintf(j->title, sizeof j->title, "distance from init");
}

static void draw_fit(plotjob *j, const distfit *f)
{
	if (f->series < 0 || !isfinite(f->b))
		return;
	/* across the axis when the fit is over everything, else over the window's points */
	double lo = j->a.x0, hi = j->a.x1;
	if (f->from || f->to) {
		lo = fmax(lo, f->x0);
		hi = fmin(hi, f->x1);
		if (!(hi > lo))
			return;
	}
	int np = j->c.dw > 2 ? j->c.dw : 2;
	double *fx = gg_xmalloc((size_t)np * sizeof *fx), *fy = gg_xmalloc((size_t)np * sizeof *fy);
	double l0 = log(lo), l1 = log(hi);
	for (int i = 0; i < np; i++) {
		fx[i] = exp(l0 + (l1 - l0) * i / (np - 1));
		fy[i] = f->a + f->b * log(fx[i]);
	}
	plot_series s = { fx, fy, (size_t)np, f->series };
	plot_draw(&j->c, &j->a, &s);
	free(fx);
	free(fy);
	if (f->from > 0)
		plot_vmarker(&j->c, &j->a, (double)f->from, ROLE_WINDOW);
	if (f->to > 0)
		plot_vmarker(&j->c, &j->a, (double)f->to, ROLE_WINDOW);
}

/* ---- the instruments panel ------------------------------------------------------------- */

/* Columns the trainer publishes on a twin group's agreement series, not on a trained run. */
static int is_agreement_col(const char *c)
{
	static const char *const names[] = { "disagree", "twins_test_err", "incons", "instab",
					     "incons_instab", "twins_gap" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(c, names[i]))
			return 1;
	return 0;
}

/* The newest finite value of a column of a run (NaN: none): instruments are computed at
 * some evaluations only, so the last row is often empty. */
static double last_finite(struct ui *u, int run, const char *col)
{
	double *x, *y, v = NAN;
	size_t n = read_xy(u, run, col, 0, &x, &y);
	for (size_t i = n; i-- > 0;)
		if (isfinite(y[i])) {
			v = y[i];
			break;
		}
	free(x);
	free(y);
	return v;
}

static int has_values(struct ui *u, int run, const char *col)
{
	return run >= 0 && isfinite(last_finite(u, run, col));
}

typedef struct {
	int run;
	char col[48], label[48];
} inst_pick;

static int pick(inst_pick *p, int n, int run, const char *col, const char *label)
{
	if (n >= UI_MAXINST)
		return n;
	p[n].run = run;
	snprintf(p[n].col, sizeof p[n].col, "%.47s", col);
	snprintf(p[n].label, sizeof p[n].label, "%.47s", label ? label : col);
	return n + 1;
}

/* The text of the newest event of a run that contains `what`, from there to the closing
 * parenthesis ("(projected to 64 dims)"); empty when there is none. */
static void event_phrase(struct ui *u, int run, const char *what, char *out, size_t len)
{
	out[0] = 0;
	size_t ne = series_nevents(u->S, run);
	if (!ne)
		return;
	series_event *ev = gg_xmalloc(ne * sizeof *ev);
	ne = series_read_events(u->S, run, 0, ne, ev);
	for (size_t i = ne; i-- > 0;) {
		const char *p = strstr(ev[i].text, what);
		if (p) {
			const char *e = strchr(p, ')');
			snprintf(out, len, "%.*s", (int)(e ? e - p + 1 : (long)strlen(p)), p);
			break;
		}
	}
	free(ev);
}

/* What the instruments panel plots by default, by priority: NAIS-Net margins (when the
 * model has NAIS blocks), twin agreement (when a twin group has an agreement series),
 * the PH dimension, else the weight and gradient norms with a hint how to get the others.
 * Extra facts go into the title's note. Returns how many curves were picked. */
static int inst_auto(struct ui *u, int cur, inst_pick *p, char *note, size_t nlen, int *zero,
		     char *hint, size_t hlen)
{
	int n = 0, ncols = series_ncols(u->S);
	const char *dot = u->utf8 ? " · " : " - ";
	char name[64], lbl[48];
	note[0] = hint[0] = 0;
	*zero = 0;
	/* NAIS-Net: the spectral and Gershgorin margins of each block, its contraction ratio
	 * while there is room; a negative margin must show below zero */
	static const char *const nais[][2] = { { "nais_margin_", "margin " }, { "nais_gersh_", "gersh " },
					       { "nais_contract_", "contract " } };
	for (int kind = 0; kind < 3; kind++)
		for (int c = 0; c < ncols; c++) {
			size_t pl = strlen(nais[kind][0]);
			if (series_colname(u->S, c, name, sizeof name) < 0 || strncmp(name, nais[kind][0], pl) ||
			    !has_values(u, cur, name))
				continue;
			if (kind == 2 && n >= 4)
				continue;
			snprintf(lbl, sizeof lbl, "%s%s", nais[kind][1], name + pl);
			n = pick(p, n, cur, name, lbl);
		}
	if (n) {
		*zero = 1;
		double v = last_finite(u, cur, "nais_rescaled");
		size_t l = strlen(note);
		if (isfinite(v))
			l += (size_t)snprintf(note + l, nlen - l, "%srescaled %.0f%%", dot, 100 * v);
		v = last_finite(u, cur, "nais_stages");
		if (isfinite(v) && l < nlen)
			snprintf(note + l, nlen - l, "%sstages %.2g", dot, v);
		return n;
	}
	/* twin agreement: disagreement beside the twins' test error (they should track each
	 * other), C (or C + S beside the gap when there are several training sets) */
	int a = agreement_run(u, cur);
	if (a >= 0 && has_values(u, a, "disagree")) {
		n = pick(p, n, a, "disagree", NULL);
		if (has_values(u, a, "twins_test_err"))
			n = pick(p, n, a, "twins_test_err", "test err");
		if (has_values(u, a, "incons_instab")) {
			n = pick(p, n, a, "incons_instab", "C+S");
			if (has_values(u, a, "twins_gap"))
				n = pick(p, n, a, "twins_gap", "gap");
		} else if (has_values(u, a, "incons")) {
			n = pick(p, n, a, "incons", "C");
		}
		return n;
	}
	if (has_values(u, cur, "phdim")) {
		n = pick(p, n, cur, "phdim", "PH dim");
		double r2 = last_finite(u, cur, "phdim_r2");
		char proj[80];
		size_t l = 0;
		if (isfinite(r2))
			l = (size_t)snprintf(note, nlen, u->utf8 ? "%sfit R²=%.3f" : "%sfit R^2=%.3f", dot, r2);
		event_phrase(u, cur, "(projected", proj, sizeof proj);
		if (proj[0] && l < nlen)
			snprintf(note + l, nlen - l, " %s", proj);
		return n;
	}
	n = pick(p, n, cur, "grad_norm", NULL);
	n = pick(p, n, cur, "wnorm", NULL);
	snprintf(hint, hlen, "no instruments yet: NAIS margins need a nais model, agreement needs "
			     "`twin K`, PH dimension needs `phdim`");
	return n;
}

static void job_inst(struct ui *u, plotjob *j, const runset *rs, int epochs)
{
	static const char gl[] = "oxs#@%&=";
	static const char *const mk[] = { "●", "▲", "◆", "■", "★", "♦", "○", "△" };
	static const ui_role roles[] = { ROLE_INST0, ROLE_INST1, ROLE_INST2, ROLE_INST3, ROLE_INST4,
					 ROLE_INST5, ROLE_RUN6, ROLE_RUN7 };
	inst_pick p[UI_MAXINST];
	int np = 0, cur = rs->cur;
	char note[160] = "";
	j->zero = 0;
	if (u->ninst > 0) { /* `plot COL ...` */
		int a = agreement_run(u, cur);
		for (int i = 0; i < u->ninst; i++) {
			np = pick(p, np, is_agreement_col(u->inst[i]) && a >= 0 ? a : cur, u->inst[i], NULL);
			if (!strncmp(u->inst[i], "nais_margin_", 12) || !strncmp(u->inst[i], "nais_gersh_", 11))
				j->zero = 1;
		}
	} else {
		np = inst_auto(u, cur, p, note, sizeof note, &j->zero, j->hint, sizeof j->hint);
	}
	int allpos = 1;
	double mn = INFINITY, mx = -INFINITY;
	for (int i = 0; i < np; i++) {
		double *x, *y;
		size_t n = read_xy(u, p[i].run, p[i].col, epochs, &x, &y), m = 0;
		if (!n)
			continue;
		/* instruments are computed at some evaluations only: join the ones there are
		 * instead of leaving isolated dots between empty rows */
		for (size_t k = 0; k < n; k++)
			if (isfinite(y[k]) && isfinite(x[k])) {
				x[m] = x[k];
				y[m++] = y[k];
			}
		n = m;
		for (size_t k = 0; k < n; k++)
			if (isfinite(y[k])) {
				if (y[k] <= 0)
					allpos = 0;
				mn = fmin(mn, y[k]);
				mx = fmax(mx, y[k]);
			}
		add_line(j, x, y, n, new_series(j, roles[i], gl[i]));
		char g[2] = { gl[i], 0 };
		/* every curve labelled: the labels get room before the notes */
		add_legend_must(j, u->braille ? mk[i] : g, roles[i], p[i].label);
	}
	/* magnitudes apart (a norm and a gradient): a log axis shows both */
	j->logy = !j->zero && allpos && mx > 20 * mn;
	/* whose instruments: the run's, or its twin group's agreement series */
	char who[48] = "";
	int whose = np > 0 ? p[0].run : cur;
	if (rs->total > 1 || whose != cur) {
		char name[40];
		run_name(u, whose, name, sizeof name);
		snprintf(who, sizeof who, " (%s)", name);
	}
	snprintf(j->title, sizeof j->title, "instruments%s%s", who, j->logy ? " (log)" : "");
	snprintf(j->note, sizeof j->note, "%s", note);
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
	runset rs;
	visible_runs(u, &rs);
	int cur = rs.cur;
	double ratio = cur >= 0 ? step_ratio(u, cur, epochs) : 1;
	int best_run = -1;
	double best = NAN;
	long best_step = -1;
	const char *xname = epochs ? "epochs" : j->logx ? "log steps" : "steps";
	distfit fit = { .series = -1, .b = NAN };

	switch (cur < 0 ? -1 : p->kind) {
	case UI_P_LOSS:
		j->logy = u->logy;
		job_loss(u, j, &rs, epochs, &best_run, &best, &best_step);
		snprintf(j->title, sizeof j->title, "%s%s", u->errors ? "error rate" : "loss",
			 j->logy ? " (log)" : "");
		break;
	case UI_P_GAP:
		job_gap(u, j, &rs, epochs);
		break;
	case UI_P_DIST:
		job_dist(u, j, &rs, &fit);
		xname = "log steps";
		break;
	case UI_P_INST:
		job_inst(u, j, &rs, epochs);
		break;
	default:
		snprintf(j->title, sizeof j->title, "%s", p->kind == UI_P_LOSS ? "loss" : p->kind == UI_P_GAP
			 ? "generalization gap" : p->kind == UI_P_DIST ? "distance from init" : "instruments");
		break;
	}

	/* advice above the plot: as many rows as it wraps to, leaving the plot most of it */
	int hint_rows = 0;
	if (j->hint[0]) {
		hint_rows = wrapped_rows(j->hint, W - 1);
		if (hint_rows > (H - 2) / 3)
			hint_rows = (H - 2) / 3 > 0 ? (H - 2) / 3 : 1;
		put_wrapped(w, 1, 0, hint_rows, j->hint, W - 1, ROLE_HINT);
	}
	int top = 1 + hint_rows;

	/* canvas geometry: y labels left, x labels below, title above */
	int yw = 7, cw = W - yw - 1, ch = H - 2 - hint_rows;
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
	if (have && j->zero) { /* margins: whether they are above or below zero is the point */
		ylo = fmin(ylo, 0);
		yhi = fmax(yhi, 0);
		if (yhi <= ylo)
			yhi = ylo + 1;
	}
	if (have)
		y_stable(p, ylo, yhi, j->logy, &j->a.y0, &j->a.y1);

	if (have) {
		if ((p->kind == UI_P_GAP || p->kind == UI_P_INST) && !j->logy && j->a.y0 < 0 && j->a.y1 >= 0) {
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
		draw_fit(j, &fit);
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
		if (p->kind != UI_P_DIST)
			draw_events(u, j, cur, ratio);
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
			wmove(w, top + row, yw - 2 - (int)strlen(lbl));
			put_text(w, lbl, yw - 2, ROLE_LABEL);
			wmove(w, top + row, yw - 1);
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
		wmove(w, top + ch / 2, yw + (cw - (int)strlen(msg)) / 2);
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
	} else if (p->kind == UI_P_DIST && isfinite(fit.b)) {
		snprintf(note, sizeof note, u->utf8 ? "%sb=%.3g R²=%.3f (√t R²=%.3f)" : "%sb=%.3g R^2=%.3f (sqrt t R^2=%.3f)",
			 dot, fit.b, fit.r2, fit.sq_r2);
		if (fit.from || fit.to) {
			size_t l = strlen(note);
			char f0[32], f1[32] = "end";
			fmt_count((double)fit.from, f0, sizeof f0);
			if (fit.to)
				fmt_count((double)fit.to, f1, sizeof f1);
			snprintf(note + l, sizeof note - l, "%sfit %s..%s", dot, f0, f1);
		}
	} else if (p->kind == UI_P_INST) {
		snprintf(note, sizeof note, "%s", j->note);
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
	/* The legend, right-aligned: the run names first (they say which curve is which, the
	 * notes can be cut for them), then the rest in order as long as it fits. */
	int lw = 0, show[16] = { 0 };
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < j->nleg; i++) {
			if (show[i] || j->leg[i].must != !pass)
				continue;
			int wdt = (j->leg[i].glyph[0] ? text_width(j->leg[i].glyph) + 1 : 0) +
				  text_width(j->leg[i].label) + 2;
			int room = pass == 0 ? W - 1 - x : W - 1 - x - text_width(note) - 2;
			if (lw + wdt > room)
				break;
			lw += wdt;
			show[i] = 1;
		}
	int nw = W - 1 - x - (lw ? lw + 1 : 0);
	/* a note that does not fit loses whole parts, not half a number */
	while (text_width(note) > nw) {
		char *cut = NULL;
		for (char *q = strstr(note + 1, dot); q; q = strstr(q + 1, dot))
			cut = q;
		if (!cut)
			break;
		*cut = 0;
	}
	x += put_text(w, note, nw > 0 ? nw : 0, p->kind == UI_P_LOSS ? ROLE_BEST : ROLE_DIM);
	int lx = W - 1 - lw;
	for (int i = 0; i < j->nleg; i++) {
		if (!show[i])
			continue;
		wmove(w, 0, lx);
		if (j->leg[i].glyph[0]) {
			lx += put_text(w, j->leg[i].glyph, 2, j->leg[i].role);
			lx += put_text(w, " ", 1, ROLE_TEXT);
		}
		lx += put_text(w, j->leg[i].label, 40, j->leg[i].must || j->leg[i].glyph[0] ? ROLE_TEXT : ROLE_DIM);
		lx += put_text(w, "  ", 2, ROLE_TEXT);
	}
	(void)x;
	free_job(j);
	free(j);
}

/* ---- the decision boundary ------------------------------------------------------------- */

/* Class colours: dark region backgrounds with the training points in a bright version of
 * their label's colour on top (a point on its own class' region stays visible, and a
 * misclassified one shows another hue). With 8 colours the regions take the plain colours
 * and the points black or white, whichever reads on them; their shape tells the label. */
#define NCLS_STYLE 6
static const short cls_region8[NCLS_STYLE] = { COLOR_BLUE, COLOR_RED, COLOR_GREEN, COLOR_YELLOW,
					      COLOR_MAGENTA, COLOR_CYAN };
static const short cls_point8[NCLS_STYLE] = { COLOR_WHITE, COLOR_WHITE, COLOR_BLACK, COLOR_BLACK,
					     COLOR_WHITE, COLOR_BLACK };
static const short cls_region256[NCLS_STYLE] = { 24, 88, 28, 100, 90, 30 };
static const short cls_point256[NCLS_STYLE] = { 51, 210, 119, 229, 213, 123 };
static const char *const cls_glyph[NCLS_STYLE] = { "●", "○", "■", "□", "▲", "△" };
static const char *const cls_glyph_ascii[NCLS_STYLE] = { "x", "o", "*", "@", "%", "&" };
/* Without colour, shading per class: as far apart as the number of classes allows. */
static const char *const shade_utf8[4] = { " ", "░", "▒", "▓" };
static const char *const shade_ascii[4] = { " ", ".", ":", "=" };

static short region_color(int c)
{
	return ui_colors() >= 256 ? cls_region256[c % NCLS_STYLE] : cls_region8[c % NCLS_STYLE];
}

static short point_color(int c)
{
	return ui_colors() >= 256 ? cls_point256[c % NCLS_STYLE] : cls_point8[c % NCLS_STYLE];
}

static const char *shade(struct ui *u, int c, int ncls)
{
	int k = ncls <= 1 ? 0 : ncls == 2 ? 2 * c : ncls <= 4 ? c * 3 / (ncls - 1) : c % 4;
	return (u->braille ? shade_utf8 : shade_ascii)[k];
}

/* One character cell with explicit colours (0 pair: the monochrome scheme). */
static void put_cell_color(WINDOW *w, const char *s, short fg, short bg, attr_t attr)
{
	wchar_t wc;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	if (mbrtowc(&wc, s, strlen(s), &st) > (size_t)-3 || !wc)
		wc = L' ';
	cchar_t cc;
	wchar_t ws[2] = { wc, 0 };
	short pair = ui_colors() ? ui_pair(fg, bg) : 0;
	setcchar(&cc, ws, attr, pair, NULL);
	wadd_wch(w, &cc);
}

static uint64_t grid_key(struct ui *u, int run)
{
	series_grid *g = gg_xmalloc(sizeof *g);
	uint64_t k = 0;
	if (run >= 0 && series_get_grid(u->S, run, g) == 0)
		k = (uint64_t)g->step * 1000003u + (uint64_t)g->w * 1009u + (uint64_t)g->h + 1;
	free(g);
	return k;
}

/* `view boundary`: the predicted class over the plane as a half-block heatmap (two grid
 * rows per terminal row, the upper one as ▀'s colour, the lower as the background), the
 * training points on top, axes, and the classes on the right. Aspect is kept: a half
 * cell is about square. */
static void render_boundary(struct ui *u, ui_panel *p)
{
	WINDOW *w = p->win;
	int W = p->w, H = p->h;
	werase(w);
	runset rs;
	visible_runs(u, &rs);
	series_grid *g = gg_xmalloc(sizeof *g);
	int have = rs.cur >= 0 && series_get_grid(u->S, rs.cur, g) == 0 && g->w > 0 && g->h > 0 &&
		   g->w <= SERIES_GRID_MAX && g->h <= SERIES_GRID_MAX && g->x1 > g->x0 && g->y1 > g->y0;
	series_status st;
	memset(&st, 0, sizeof st);
	if (rs.cur >= 0)
		series_get_status(u->S, rs.cur, &st);
	const char *dot = u->utf8 ? " · " : " - ";
	static const char *const planar[] = { "spiral", "circles", "xor", "gauss" };
	int is2d = 0;
	for (size_t i = 0; i < sizeof planar / sizeof *planar; i++)
		is2d |= !strncmp(st.data, planar[i], strlen(planar[i]));
	/* a map from before the run changed its data (or restarted) is not this run's */
	if (have && (!is2d || g->step > st.step))
		have = 0;

	wmove(w, 0, 1);
	int x = 1 + put_text(w, "decision boundary", W - 2, ROLE_TITLE);
	if (!have) {
		char msg[300];
		if (rs.cur < 0)
			snprintf(msg, sizeof msg, "no runs to show");
		else if (is2d) /* the trainer publishes the map at evaluations */
			snprintf(msg, sizeof msg, "no decision boundary yet: it comes with %s's next "
				 "evaluation", st.name);
		else
			snprintf(msg, sizeof msg, "view boundary needs a 2-D data set (spiral, circles, xor, "
				 "gauss); this run uses %s", st.data[0] ? st.data : "no data yet");
		/* one clause a line, centred (each wraps on its own if the panel is narrow) */
		char *part[2] = { msg, strstr(msg, "; ") };
		if (part[1]) {
			*part[1] = 0;
			part[1] += 2;
		}
		int y = H / 2 - 1 > 1 ? H / 2 - 1 : 1;
		for (int i = 0; i < 2 && part[i] && y < H - 1; i++) {
			int tw = text_width(part[i]), rows = wrapped_rows(part[i], W - 2);
			if (rows == 1) {
				wmove(w, y, (W - tw) / 2);
				put_text(w, part[i], W - 1, ROLE_WARN);
			} else {
				put_wrapped(w, y, 0, H - 1 - y, part[i], W - 2, ROLE_WARN);
			}
			y += rows;
		}
		free(g);
		wnoutrefresh(w);
		return;
	}
	int ncls = 1;
	for (int i = 0; i < g->w * g->h; i++)
		if (g->cls[i] + 1 > ncls)
			ncls = g->cls[i] + 1;
	for (int i = 0; i < g->npoints && i < SERIES_POINTS_MAX; i++)
		if (g->pcls[i] + 1 > ncls)
			ncls = g->pcls[i] + 1;

	/* title: which run, when, and how well it does */
	char note[200], a[32];
	fmt_count((double)g->step, a, sizeof a);
	double tre = last_finite(u, rs.cur, "train_err"), tee = last_finite(u, rs.cur, "test_err");
	int l = snprintf(note, sizeof note, "%s%s%sstep %s", dot, st.name, dot, a);
	if (isfinite(tre))
		l += snprintf(note + l, sizeof note - (size_t)l, "%strain err %.3f", dot, tre);
	if (isfinite(tee) && l < (int)sizeof note)
		snprintf(note + l, sizeof note - (size_t)l, "%stest err %.3f", dot, tee);
	put_text(w, note, W - 1 - x, ROLE_DIM);

	/* geometry: y labels left, x labels below, the classes right when there is room */
	int yw = 7, ch = H - 2, avail = W - yw - 1;
	int color = ui_colors() >= 8, half = color && u->braille;
	double aspect = (g->x1 - g->x0) / (g->y1 - g->y0);
	int cols = (int)floor(aspect * 2 * ch + 0.5);
	int info = avail - cols >= 14 ? 12 : 0;
	if (cols > avail - info) {
		cols = avail - info;
		ch = (int)floor(cols / aspect / 2 + 0.5);
		if (ch > H - 2)
			ch = H - 2;
		if (ch < 2)
			ch = 2;
	}
	if (cols < 4) {
		free(g);
		wnoutrefresh(w);
		return;
	}
	int prow = 2 * ch; /* grid rows sampled: two per terminal row */
	for (int r = 0; r < ch; r++) {
		wmove(w, 1 + r, yw);
		for (int c = 0; c < cols; c++) {
			int gx = (int)((c + 0.5) * g->w / cols);
			int gt = (int)((2 * r + 0.5) * g->h / prow), gb = (int)((2 * r + 1.5) * g->h / prow);
			gx = gx < g->w ? gx : g->w - 1;
			gt = gt < g->h ? gt : g->h - 1;
			gb = gb < g->h ? gb : g->h - 1;
			int ct = g->cls[gt * g->w + gx], cb = g->cls[gb * g->w + gx];
			if (half)
				put_cell_color(w, "▀", region_color(ct), region_color(cb), A_NORMAL);
			else if (color)
				put_cell_color(w, " ", COLOR_WHITE, region_color(cb), A_NORMAL);
			else
				put_cell_color(w, shade(u, cb, ncls), -1, -1, A_NORMAL);
		}
	}
	/* the training points, thinned so they do not hide the regions in a small panel */
	int maxp = cols * ch / 3 > 1 ? cols * ch / 3 : 1, np = g->npoints < SERIES_POINTS_MAX ? g->npoints : SERIES_POINTS_MAX;
	int stride = np > maxp ? (np + maxp - 1) / maxp : 1;
	for (int i = 0; i < np; i += stride) {
		double fx = (g->px[i] - g->x0) / (g->x1 - g->x0), fy = (g->y1 - g->py[i]) / (g->y1 - g->y0);
		if (!(fx >= 0 && fx < 1 && fy >= 0 && fy < 1))
			continue;
		int c = (int)(fx * cols), pr = (int)(fy * prow), r = pr / 2;
		int gx = (int)((c + 0.5) * g->w / cols), gy = (int)((pr + 0.5) * g->h / prow);
		gx = gx < g->w ? gx : g->w - 1;
		gy = gy < g->h ? gy : g->h - 1;
		int under = g->cls[gy * g->w + gx], label = g->pcls[i];
		wmove(w, 1 + r, yw + c);
		if (color)
			put_cell_color(w, u->braille ? cls_glyph[label % NCLS_STYLE] : cls_glyph_ascii[label % NCLS_STYLE],
				       point_color(label), region_color(under), A_BOLD);
		else
			put_cell_color(w, u->braille ? cls_glyph[label % NCLS_STYLE] : cls_glyph_ascii[label % NCLS_STYLE],
				       -1, -1, A_BOLD);
	}

	/* axes */
	const char *vline = u->utf8 ? "│" : "|", *vtick = u->utf8 ? "┤" : "+";
	for (int y = 1; y <= ch; y++) {
		wmove(w, y, yw - 1);
		put_text(w, vline, 1, ROLE_AXIS);
	}
	double t[16];
	int nt = plot_ticks(g->y0, g->y1, 0, ch / 2 > 2 ? (ch / 2 < 8 ? ch / 2 : 8) : 2, t), last = -2;
	for (int i = 0; i < nt; i++) {
		int row = (int)floor((g->y1 - t[i]) / (g->y1 - g->y0) * ch);
		if (row < 0 || row >= ch || row == last)
			continue;
		last = row;
		char lbl[16];
		plot_tick_label(t[i], lbl, sizeof lbl, yw - 2);
		wmove(w, 1 + row, yw - 2 - (int)strlen(lbl));
		put_text(w, lbl, yw - 2, ROLE_LABEL);
		wmove(w, 1 + row, yw - 1);
		put_text(w, vtick, 1, ROLE_AXIS);
	}
	nt = plot_ticks(g->x0, g->x1, 0, cols / 10 < 2 ? 2 : cols / 10, t);
	int end = yw - 1;
	for (int i = 0; i < nt; i++) {
		int col = yw + (int)floor((t[i] - g->x0) / (g->x1 - g->x0) * cols);
		char lbl[16];
		plot_tick_label(t[i], lbl, sizeof lbl, 6);
		int lw = (int)strlen(lbl), lx = col - lw / 2;
		if (lx < yw - 1)
			lx = yw - 1;
		if (lx + lw > yw + cols || lx <= end)
			continue;
		wmove(w, 1 + ch, lx);
		put_text(w, lbl, lw, ROLE_LABEL);
		end = lx + lw;
	}

	/* the classes: region swatch, point glyph, number */
	if (info) {
		int ix = yw + cols + 2;
		wmove(w, 1, ix);
		put_text(w, "class", W - ix, ROLE_DIM);
		for (int c = 0; c < ncls && 2 + c < H - 1; c++) {
			wmove(w, 2 + c, ix);
			for (int k = 0; k < 2; k++) {
				if (half)
					put_cell_color(w, "█", region_color(c), -1, A_NORMAL);
				else if (color)
					put_cell_color(w, " ", COLOR_WHITE, region_color(c), A_NORMAL);
				else
					put_cell_color(w, shade(u, c, ncls), -1, -1, A_NORMAL);
			}
			put_text(w, " ", 1, ROLE_TEXT);
			if (color)
				put_cell_color(w, u->braille ? cls_glyph[c % NCLS_STYLE] : cls_glyph_ascii[c % NCLS_STYLE],
					       point_color(c), region_color(c), A_BOLD);
			else
				put_cell_color(w, u->braille ? cls_glyph[c % NCLS_STYLE] : cls_glyph_ascii[c % NCLS_STYLE],
					       -1, -1, A_BOLD);
			char num[16];
			snprintf(num, sizeof num, " %d", c);
			put_text(w, num, W - ix - 4, ROLE_TEXT);
		}
		if (ncls + 4 < H - 1) {
			wmove(w, ncls + 3, ix);
			put_text(w, "area: model", W - ix - 1, ROLE_DIM);
			wmove(w, ncls + 4, ix);
			put_text(w, "mark: data", W - ix - 1, ROLE_DIM);
		}
	}
	free(g);
}

/* What a plot shows, summarized: re-render when it changes. */
static uint64_t data_key(struct ui *u)
{
	uint64_t k = (uint64_t)series_nruns(u->S) * 1000003u + (uint64_t)series_ncols(u->S);
	for (int r = 0; r < series_nruns(u->S); r++) {
		series_status st;
		series_get_status(u->S, r, &st);
		k = k * 1099511628211u + series_nrows(u->S, r) * 31u + series_nevents(u->S, r);
		/* a drop, a new `fit` window, a run that became a twin: same rows, new picture */
		k = k * 31u + (uint64_t)(st.dropped * 2 + st.agreement) + (uint64_t)st.twin_group * 5u;
		k = k * 1099511628211u + (uint64_t)st.fit_from * 7u + (uint64_t)st.fit_to;
	}
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
			uint64_t pk = key;
			if (i == UI_P_BOUNDARY) { /* the grid may come a moment after its row */
				runset rs;
				visible_runs(u, &rs);
				pk = key * 31u + grid_key(u, rs.cur);
			}
			double now = gg_now();
			int late = i == UI_P_INST && p->version != v && now - p->when >= 1.0;
			/* A new map changes cells all over the panel: once a second is live enough
			 * and keeps the terminal output within budget. */
			int changed = p->key != pk;
			if (changed && i == UI_P_BOUNDARY && !p->dirty && p->gen == u->gen && now - p->when < 1.0) {
				p->pending = 1;
				changed = 0;
			}
			if (p->dirty || p->gen != u->gen || changed || late) {
				if (i == UI_P_BOUNDARY)
					render_boundary(u, p);
				else
					render_plot(u, p);
				p->dirty = 0;
				p->gen = u->gen;
				p->key = pk;
				p->version = v;
				p->when = now;
				p->pending = 0;
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
