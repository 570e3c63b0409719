/* readout.c — the cursor (what TensorBoard's hover gives): a vertical line on the plots at
 * one of the current run's evaluated steps, and the readout of every overlaid run's train,
 * test, gap and distance at that step, drawn where the event log is (the log's newest rows
 * below it) while the cursor is on. F9 or `cursor` puts it on; Left/Right on an empty line
 * move it a column of the main plot, or to the next evaluation where those are further
 * apart (Shift: ten columns; Home/End: the ends); Esc on an empty line takes it off. The
 * line itself is drawn by the chart (chart.c), from u->cursor_step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/util.h"
#include "panel.h"

/* The steps the cursor stops at: the run's rows with a test value (or a train value, or a
 * distance, for a run that has no evaluation yet). Returns how many; *xs is freed by the
 * caller. */
static size_t stops(struct ui *u, int run, double **xs)
{
	const char *cols[3] = { u->errors ? "test_err" : "test_loss", u->errors ? "train_err" : "train_loss",
				"dist" };
	for (int i = 0; i < 3; i++) {
		double *y;
		size_t n = ui_read_xy(u, run, cols[i], 0, xs, &y);
		if (n) {
			free(y);
			return n;
		}
	}
	*xs = NULL;
	return 0;
}

/* The index of the value of xs nearest to step (ties: the earlier). */
static size_t nearest(const double *xs, size_t n, double step)
{
	size_t best = 0;
	for (size_t i = 1; i < n; i++)
		if (fabs(xs[i] - step) < fabs(xs[best] - step))
			best = i;
	return best;
}

/* A column's value at the run's row nearest to step (NaN: none), and that row's step. */
static double value_at(struct ui *u, int run, const char *col, long step, long *at)
{
	double *x, *y, v = NAN;
	size_t n = ui_read_xy(u, run, col, 0, &x, &y);
	if (at)
		*at = -1;
	if (n) {
		size_t i = nearest(x, n, (double)step);
		v = y[i];
		if (at)
			*at = (long)x[i];
		free(x);
		free(y);
	}
	return v;
}

/* The main plot: the panel at the top left. */
static ui_panel *main_panel(struct ui *u)
{
	for (int k = 0; k < UI_NKINDS; k++)
		if (u->panels[k].win && u->panels[k].x == 0 && u->panels[k].y == 1 &&
		    u->panels[k].kind->render == ui_render_plot)
			return &u->panels[k];
	return NULL;
}

int ui_cmd_cursor(struct ui *u, int on, long step, char *err)
{
	int want = step >= 0 ? 1 : on < 0 ? !u->cursor : on;
	if (want) {
		runset rs;
		ui_visible_runs(u, &rs);
		double *xs = NULL;
		size_t n = rs.cur >= 0 ? stops(u, rs.cur, &xs) : 0;
		if (!n)
			return gg_fail(err, "the cursor needs a run with evaluated steps: none yet");
		/* where it was, or the newest evaluation; a step given: the one nearest to it */
		double at = step >= 0 ? (double)step : u->cursor_step >= 0 ? (double)u->cursor_step : xs[n - 1];
		u->cursor_step = (long)xs[nearest(xs, n, at)];
		free(xs);
	}
	u->cursor = want;
	u->gen++;        /* every plot draws the line, or takes it away */
	u->log_dirty = 1; /* the readout, or the log again */
	return 0;
}

void ui_cursor_toggle(struct ui *u)
{
	char err[GG_ERRLEN];
	if (ui_cmd_cursor(u, -1, -1, err) < 0)
		ui_log(u, ROLE_ERROR, "%s", err);
}

void ui_cursor_move(struct ui *u, int cols)
{
	if (!u->cursor || !cols)
		return;
	runset rs;
	ui_visible_runs(u, &rs);
	double *xs = NULL;
	size_t n = rs.cur >= 0 ? stops(u, rs.cur, &xs) : 0;
	if (!n)
		return;
	size_t k;
	if (cols >= 1000000 || cols <= -1000000) {
		k = cols > 0 ? n - 1 : 0;
	} else {
		/* a column of the main plot, in steps, on its axis (linear, log, or epochs) */
		double t = (double)u->cursor_step;
		ui_panel *p = main_panel(u);
		int cw = p ? p->w - 8 : 0;
		if (p && cw > 0 && p->x1 > p->x0) {
			int logx = p->kind->fixed_logx || u->xaxis == UI_X_LOGSTEPS;
			double ratio = 1;
			if (u->xaxis == UI_X_EPOCHS && !p->kind->fixed_logx) {
				series_status st;
				series_get_status(u->S, rs.cur, &st);
				ratio = st.step > 0 && st.epoch > 0 ? st.epoch / (double)st.step : 1;
			}
			if (logx && p->x0 > 0)
				t = fmax(t, 1) * pow(p->x1 / p->x0, (double)cols / cw);
			else
				t += cols * (p->x1 - p->x0) / cw / ratio;
		} else {
			t += cols;
		}
		/* then the evaluation at or past it, at least the next one */
		k = cols > 0 ? n - 1 : 0;
		if (cols > 0) {
			for (size_t i = 0; i < n; i++)
				if (xs[i] >= t && xs[i] > (double)u->cursor_step) {
					k = i;
					break;
				}
		} else {
			for (size_t i = n; i-- > 0;)
				if (xs[i] <= t && xs[i] < (double)u->cursor_step) {
					k = i;
					break;
				}
		}
	}
	if ((long)xs[k] != u->cursor_step) {
		u->cursor_step = (long)xs[k];
		u->gen++;
		u->log_dirty = 1;
	}
	free(xs);
}

/* "train 0.234  test 0.345  gap 0.111  dist 12.3" of one run at the cursor; the step of the
 * run's row when it is not the cursor's own. */
static void run_values(struct ui *u, int run, char *buf, size_t len)
{
	const char *cols[3] = { u->errors ? "train_err" : "train_loss", u->errors ? "test_err" : "test_loss",
				u->errors ? "gap_err" : "gap_loss" };
	static const char *const names[3] = { "train", "test", "gap" };
	size_t l = 0;
	long at = -1, a;
	buf[0] = 0;
	for (int i = 0; i < 3 && l < len; i++) {
		double v = value_at(u, run, cols[i], u->cursor_step, &a);
		if (at < 0)
			at = a;
		if (!isfinite(v))
			l += (size_t)snprintf(buf + l, len - l, "%s%s -", l ? "  " : "", names[i]);
		else if (u->errors)
			l += (size_t)snprintf(buf + l, len - l, "%s%s %.1f%%", l ? "  " : "", names[i], 100 * v);
		else
			l += (size_t)snprintf(buf + l, len - l, "%s%s %.3f", l ? "  " : "", names[i], v);
	}
	double d = value_at(u, run, "dist", u->cursor_step, NULL);
	if (isfinite(d) && l < len)
		l += (size_t)snprintf(buf + l, len - l, "  dist %.4g", d);
	if (at >= 0 && at != u->cursor_step && l < len)
		snprintf(buf + l, len - l, " (at step %ld)", at);
}

void ui_draw_readout(struct ui *u)
{
	WINDOW *w = u->logw;
	int W = getmaxx(w), H = getmaxy(w);
	werase(w);
	runset rs;
	ui_visible_runs(u, &rs);
	char head[160], keys[120], vals[200];
	double ep = rs.cur >= 0 ? value_at(u, rs.cur, "epoch", u->cursor_step, NULL) : NAN;
	if (isfinite(ep))
		snprintf(head, sizeof head, "cursor: step %ld, epoch %.2f", u->cursor_step, ep);
	else
		snprintf(head, sizeof head, "cursor: step %ld", u->cursor_step);
	snprintf(keys, sizeof keys, u->utf8 ? "←/→ move · Shift ×10 · Home/End · Esc leaves"
					    : "Left/Right move - Shift x10 - Home/End - Esc leaves");
	int row = 0;
	if (rs.n == 1) { /* one row: where, the values, the keys as far as they fit */
		run_values(u, rs.id[0], vals, sizeof vals);
		wmove(w, 0, 0);
		int x = ui_put_text(w, head, W, ROLE_CURSOR);
		x += ui_put_text(w, "  ", W - x, ROLE_TEXT);
		x += ui_put_text(w, vals, W - x, ROLE_TEXT);
		if (x + 3 + ui_text_width(keys) <= W) {
			wmove(w, 0, W - ui_text_width(keys));
			ui_put_text(w, keys, W, ROLE_HINT);
		}
		row = 1;
	} else if (rs.n > 1) {
		wmove(w, 0, 0);
		int x = ui_put_text(w, head, W, ROLE_CURSOR);
		if (x + 3 + ui_text_width(keys) <= W) {
			wmove(w, 0, W - ui_text_width(keys));
			ui_put_text(w, keys, W, ROLE_HINT);
		}
		int nw = 0;
		for (int k = 0; k < rs.n; k++) {
			char name[40];
			ui_run_name(u, rs.id[k], name, sizeof name);
			nw = (int)strlen(name) > nw ? (int)strlen(name) : nw;
		}
		row = 1;
		for (int k = 0; k < rs.n && row < H; k++, row++) {
			char name[40], line[300];
			if (row == H - 1 && k < rs.n - 1) { /* the last row says what did not fit */
				snprintf(line, sizeof line, "  +%d more runs ('run hide NAME' leaves some out)", rs.n - k);
				wmove(w, row, 0);
				ui_put_text(w, line, W, ROLE_DIM);
				row++;
				break;
			}
			ui_run_name(u, rs.id[k], name, sizeof name);
			run_values(u, rs.id[k], vals, sizeof vals);
			snprintf(line, sizeof line, "%c %-*s  %s", rs.id[k] == rs.cur ? '*' : ' ', nw, name, vals);
			wmove(w, row, 0);
			ui_put_text(w, line, W, rs.id[k] == rs.cur ? ROLE_TEXT : ROLE_INFO);
		}
	}
	/* the newest log entries below, a row each */
	for (int k = u->log_n - 1, y = H - 1; k >= 0 && y >= row; k--, y--) {
		const ui_logline *l = &u->log[(u->log_head + k) % UI_LOGN];
		wmove(w, y, 0);
		ui_put_text(w, l->text, W, l->role);
	}
	u->log_dirty = 0;
}
