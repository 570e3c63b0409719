/* curves.c — the data steps of the plot kinds that draw runs' curves (panels.c's table):
 * the loss (train and test of every overlaid run, the current run's minibatch losses and
 * its best test value), the generalization gap, and the distance from init of the current
 * run with its fit a + b ln t over the `fit` window. Several runs are told apart by colour
 * and glyph (a shape each, filled for train, hollow for test). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/fit.h"
#include "gglab/util.h"
#include "panel.h"

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
		int sr = ui_job_series(j, raw, graw);
		int ss = ui_job_series(j, smooth, gsmooth);
		double *ys = gg_xmalloc((n ? n : 1) * sizeof *ys);
		plot_ema(y, n, u->smooth, ys);
		ui_job_line(j, x, y, n, sr);
		ui_job_line(j, dup_d(x, n), ys, n, ss);
	} else {
		ui_job_line(j, x, y, n, ui_job_series(j, smooth, gsmooth));
	}
}

/* Per-run styles (overlay of two or more runs): a colour each, the train curve in a quieter
 * variant of it; a shape each, filled for train and hollow for test; in the ASCII canvas a
 * pair of dot glyphs each. A single run keeps the classic train/test colours. */
static const char *const run_filled[UI_MAXRUNS] = { "●", "■", "◆", "▲", "▼", "★", "♥", "✚" };
static const char *const run_hollow[UI_MAXRUNS] = { "○", "□", "◇", "△", "▽", "☆", "♡", "✛" };
static const char run_ascii_train[] = "*x+=~^:;", run_ascii_test[] = "o#@%&$O8";

/* Which run's shape a glyph of the screen's is (its place in the overlay), and whether it
 * is the filled one (train) or the hollow one; -1 when it is none of them. A figure draws
 * the same shapes. */
int ui_run_shape(const char *glyph, int *filled)
{
	for (int k = 0; k < UI_MAXRUNS; k++)
		for (int f = 0; f < 2; f++) {
			const char *g = f ? run_filled[k] : run_hollow[k];
			if (strncmp(glyph, g, strlen(g)) == 0) {
				*filled = f;
				return k;
			}
		}
	return -1;
}

static ui_role run_role(int slot, int train)
{
	return (ui_role)((train ? ROLE_RUN0_TR : ROLE_RUN0) + slot % UI_MAXRUNS);
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
	ui_job_line(j, x, y, n, ui_job_series(j, role, ascii));
	ui_job_mark(j, end);
}

/* "2 hidden": runs `run hide` took off the plot (they are still there). */
static void legend_hidden(plotjob *j, const runset *rs)
{
	if (rs->hidden) {
		char hid[32];
		snprintf(hid, sizeof hid, "%d hidden", rs->hidden);
		ui_job_legend_must(j, "", ROLE_DIM, hid);
	}
}

/* Legend entries of an overlay: one per run (its glyphs, name and latest value of `col`:
 * the test loss or error, or the gap), "+N more", and a key to the glyphs, which goes
 * first when the row is short. */
static void legend_runs(struct ui *u, plotjob *j, const runset *rs, int pairs, const char *col)
{
	int c = series_find_col(u->S, col);
	for (int k = 0; k < rs->n; k++) {
		char g[16], name[40], label[64];
		if (u->braille)
			snprintf(g, sizeof g, "%s%s", run_filled[k], pairs ? run_hollow[k] : "");
		else
			snprintf(g, sizeof g, "%c%c", run_ascii_train[k], pairs ? run_ascii_test[k] : 0);
		ui_run_name(u, rs->id[k], name, sizeof name);
		double v = NAN;
		if (c >= 0)
			series_last(u->S, rs->id[k], c, &v);
		if (isfinite(v))
			snprintf(label, sizeof label, "%s %.3g", name, v);
		else
			snprintf(label, sizeof label, "%s", name);
		ui_job_legend_must(j, g, run_role(k, 0), label);
	}
	if (rs->total - rs->hidden > rs->n) {
		char more[32];
		snprintf(more, sizeof more, "+%d more", rs->total - rs->hidden - rs->n);
		ui_job_legend(j, "", ROLE_DIM, more);
	}
	legend_hidden(j, rs);
	if (pairs) {
		char key[48];
		if (u->braille)
			snprintf(key, sizeof key, "%s train %s test", run_filled[0], run_hollow[0]);
		else
			snprintf(key, sizeof key, "%c train %c test", run_ascii_train[0], run_ascii_test[0]);
		int i = ui_job_legend(j, "", ROLE_DIM, key);
		if (i >= 0)
			j->leg[i].key = 1;
	}
}

static int run_n_eval(struct ui *u, int run)
{
	series_status st;
	series_get_status(u->S, run, &st);
	return st.n_eval;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Error rates are counts over an evaluation set of n: on a log axis a 0 (or an average of
 * zeros) would fall decades below anything measured. The resolution 1/n of one curve (one
 * set; n_eval where the run says, else estimated as the smallest positive value or step
 * between its values) is its floor, applied before any smoothing. Returns the resolution
 * (INFINITY: none). */
static double err_floor(double *y, size_t n, int n_eval)
{
	double *v = gg_xmalloc((n ? n : 1) * sizeof *v), res = n_eval > 0 ? 1.0 / n_eval : INFINITY;
	size_t m = 0;
	for (size_t k = 0; k < n; k++)
		if (isfinite(y[k]) && y[k] >= 0)
			v[m++] = y[k];
	qsort(v, m, sizeof *v, cmp_d);
	for (size_t k = 0; k < m && n_eval <= 0; k++) {
		double d = k ? v[k] - v[k - 1] : v[k];
		if (d > 1e-9 && d < res)
			res = d;
	}
	free(v);
	for (size_t k = 0; k < n && isfinite(res); k++)
		if (isfinite(y[k]) && y[k] < res)
			y[k] = res;
	return res;
}

void ui_build_loss(struct ui *u, plotjob *j, const runset *rs, int epochs)
{
	int best_run = -1;
	double best = INFINITY;
	long best_step = -1;
	const char *tr = u->errors ? "train_err" : "train_loss", *te = u->errors ? "test_err" : "test_loss";
	const char *mk_train = u->braille ? "●" : "*", *mk_test = u->braille ? "▲" : "o",
		   *mk_batch = u->braille ? "×" : "'";
	int multi = rs->n > 1, have_batch = 0, floored = u->errors && u->logy;
	double res = INFINITY; /* the finest error resolution floored at */
	for (int k = 0; k < rs->n; k++) {
		int r = rs->id[k];
		double *x, *y;
		size_t n;
		/* minibatch losses of the current run only: several runs' would be noise */
		if (!u->errors && r == rs->cur && (n = ui_read_xy(u, r, "batch_loss", epochs, &x, &y))) {
			ui_job_line(j, x, y, n, ui_job_series(j, ROLE_BATCH, '\''));
			ui_job_mark(j, mk_batch);
			have_batch = 1;
		}
		if ((n = ui_read_xy(u, r, tr, epochs, &x, &y))) {
			if (floored)
				res = fmin(res, err_floor(y, n, run_n_eval(u, r)));
			if (multi) {
				add_run_curve(u, j, x, y, n, run_role(k, 1), run_ascii_train[k], run_filled[k]);
			} else {
				add_curve(u, j, x, y, n, ROLE_TRAIN_RAW, ROLE_TRAIN, '.', '*');
				ui_job_mark(j, mk_train);
				ui_job_legend(j, mk_train, ROLE_TRAIN, "train");
			}
		}
		if ((n = ui_read_xy(u, r, te, epochs, &x, &y))) {
			if (floored)
				res = fmin(res, err_floor(y, n, run_n_eval(u, r)));
			if (r == rs->cur) { /* the best test value of the current run, at its step */
				double *sx, *sy;
				size_t m = epochs ? ui_read_xy(u, r, te, 0, &sx, &sy) : 0;
				for (size_t i = 0; i < n && (!epochs || i < m); i++)
					if (isfinite(y[i]) && y[i] < best)
						best = y[i], best_step = (long)(epochs ? sx[i] : x[i]), best_run = r;
				if (m)
					free(sx), free(sy);
			}
			if (multi) {
				add_run_curve(u, j, x, y, n, run_role(k, 0), run_ascii_test[k], run_hollow[k]);
			} else {
				add_curve(u, j, x, y, n, ROLE_TEST_RAW, ROLE_TEST, ',', 'o');
				ui_job_mark(j, mk_test);
				ui_job_legend(j, mk_test, ROLE_TEST, "test");
			}
		}
	}
	if (multi)
		legend_runs(u, j, rs, 1, te);
	else
		legend_hidden(j, rs);
	j->logy = u->logy;
	/* the floor as 1/n where the steps are whole counts of one set, else as a number */
	char fl[24] = "";
	if (isfinite(res) && fabs(1 / res - floor(1 / res + 0.5)) < 1e-6 / res)
		snprintf(fl, sizeof fl, "1/%.0f", floor(1 / res + 0.5));
	else if (isfinite(res))
		plot_tick_label(res, fl, sizeof fl, 7);
	/* last in the legend: the first to go when the title row is short */
	if (have_batch)
		ui_job_legend(j, mk_batch, ROLE_BATCH, "minibatch");
	/* what the curves were measured on (a file viewed does not say), last: a wide screen's */
	int n_eval = run_n_eval(u, rs->cur);
	if (n_eval > 0) {
		char on[48];
		snprintf(on, sizeof on, "on eval subsets of %d", n_eval);
		ui_job_legend(j, "", ROLE_DIM, on);
	}
	if (fl[0])
		snprintf(j->title, sizeof j->title, "error rate (log, floor %s)", fl);
	else
		snprintf(j->title, sizeof j->title, "%s%s", u->errors ? "error rate" : "loss", j->logy ? " (log)" : "");
	if (best_run >= 0 && isfinite(best)) {
		char bs[32];
		ui_fmt_count((double)best_step, bs, sizeof bs);
		snprintf(j->note, sizeof j->note, "%sbest test %.4g @ %s", u->utf8 ? " · " : " - ", best, bs);
	}
}

void ui_build_gap(struct ui *u, plotjob *j, const runset *rs, int epochs)
{
	const char *col = u->errors ? "gap_err" : "gap_loss";
	int multi = rs->n > 1;
	for (int k = 0; k < rs->n; k++) {
		double *x, *y;
		size_t n = ui_read_xy(u, rs->id[k], col, epochs, &x, &y);
		if (!n)
			continue;
		if (multi) {
			add_run_curve(u, j, x, y, n, run_role(k, 0), run_ascii_test[k], run_filled[k]);
		} else {
			add_curve(u, j, x, y, n, ROLE_GAP_RAW, ROLE_GAP, '.', '#');
			ui_job_legend(j, u->braille ? "■" : "#", ROLE_GAP,
				   u->errors ? "test-train err" : "test-train loss");
		}
	}
	if (multi)
		legend_runs(u, j, rs, 0, col);
	else
		legend_hidden(j, rs);
	j->zero = 0;
	snprintf(j->title, sizeof j->title, "%s", multi ? (u->errors ? "gap (test-train err)"
						     : "gap (test-train loss)") : "generalization gap");
}

/* The distance from init of every overlaid run (large batches ending nearer their
 * initialization is a comparison), with the current run's fit a + b ln t. */
void ui_build_dist(struct ui *u, plotjob *j, const runset *rs, int epochs)
{
	distfit *f = &j->fit;
	(void)epochs; /* a log-steps axis always (fixed_logx) */
	f->a = f->b = f->r2 = f->sq_r2 = NAN;
	f->series = -1;
	f->x0 = f->x1 = NAN;
	series_status st;
	series_get_status(u->S, rs->cur, &st);
	f->from = st.fit_from > 0 ? st.fit_from : 0;
	f->to = st.fit_to > 0 ? st.fit_to : 0;
	int multi = rs->n > 1;
	size_t m = 0;
	for (int k = 0; k < rs->n; k++) {
		double *x, *y;
		size_t n = ui_read_xy(u, rs->id[k], "dist", 0, &x, &y);
		if (!n)
			continue;
		if (rs->id[k] == rs->cur) {
			double *wx = gg_xmalloc(n * sizeof *wx), *wy = gg_xmalloc(n * sizeof *wy);
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
		}
		if (multi)
			add_run_curve(u, j, x, y, n, run_role(k, 0), run_ascii_test[k], run_filled[k]);
		else
			ui_job_line(j, x, y, n, ui_job_series(j, ROLE_DIST, '*'));
	}
	if (multi)
		legend_runs(u, j, rs, 0, "dist");
	else if (j->nlines)
		ui_job_legend(j, u->braille ? "●" : "*", ROLE_DIST, u->utf8 ? "‖w−w₀‖" : "|w-w0|");
	if (j->nlines) {
		f->series = ui_job_series(j, ROLE_FIT, '-');
		ui_job_legend(j, u->braille ? "─" : "-", ROLE_FIT, u->utf8 ? "a+b·ln t" : "a+b*ln t");
		if (f->from || f->to)
			ui_job_legend(j, u->braille ? "⡇" : ":", ROLE_WINDOW, "fit window");
	}
	/* the fit's numbers first (the note loses whole parts from its end when short) */
	snprintf(j->title, sizeof j->title, "%s", multi ? "distance" : "distance from init");
	if (isfinite(f->b)) {
		const char *dot = u->utf8 ? " · " : " - ";
		int l = snprintf(j->note, sizeof j->note, u->utf8 ? "%sb=%.3g R²=%.3f n=%zu" : "%sb=%.3g R^2=%.3f n=%zu",
				 dot, f->b, f->r2, m);
		if (multi && l < (int)sizeof j->note)
			l += snprintf(j->note + l, sizeof j->note - (size_t)l, "%sfit of %s", dot, st.name);
		if ((f->from || f->to) && l < (int)sizeof j->note) {
			char f0[32], f1[32] = "end";
			ui_fmt_count((double)f->from, f0, sizeof f0);
			if (f->to)
				ui_fmt_count((double)f->to, f1, sizeof f1);
			l += snprintf(j->note + l, sizeof j->note - (size_t)l, "%sfit %s..%s", dot, f0, f1);
		}
		if (l < (int)sizeof j->note)
			snprintf(j->note + l, sizeof j->note - (size_t)l, u->utf8 ? "%s√t R²=%.3f" : "%ssqrt t R^2=%.3f",
				 dot, f->sq_r2);
	}
}

/* Where the fit line goes: across the axis when the fit is over everything, else over
 * its window's points. 0 when there is no line to draw. */
int ui_fit_span(const plotjob *j, double *lo, double *hi)
{
	const distfit *f = &j->fit;
	if (f->series < 0 || !isfinite(f->b))
		return 0;
	*lo = j->a.x0, *hi = j->a.x1;
	if (f->from || f->to) {
		*lo = fmax(*lo, f->x0);
		*hi = fmin(*hi, f->x1);
	}
	return *hi > *lo;
}

void ui_draw_fit(plotjob *j)
{
	const distfit *f = &j->fit;
	double lo, hi;
	if (!ui_fit_span(j, &lo, &hi))
		return;
	int np = j->c.dw > 2 ? j->c.dw : 2;
	double *fx = gg_xmalloc((size_t)np * sizeof *fx), *fy = gg_xmalloc((size_t)np * sizeof *fy);
	double l0 = log(lo), l1 = log(hi);
	for (int i = 0; i < np; i++) {
		fx[i] = exp(l0 + (l1 - l0) * i / (np - 1));
		fy[i] = f->a + f->b * log(fx[i]);
	}
	plot_series s = { fx, fy, (size_t)np, f->series, ui_job_dash(j, f->series) };
	plot_draw(&j->c, &j->a, &s);
	free(fx);
	free(fy);
	if (f->from > 0)
		plot_vmarker(&j->c, &j->a, (double)f->from, ROLE_WINDOW);
	if (f->to > 0)
		plot_vmarker(&j->c, &j->a, (double)f->to, ROLE_WINDOW);
}
