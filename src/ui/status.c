/* status.c — the status line (row 0): the current run, how many others, its model, data,
 * step, epoch, batch size, learning rate, its latest train and test loss and their gap
 * (error rates under `metric err`, with their standard errors), each labelled with the set
 * it was measured on: the evaluation subsets, and the full sets when `eval` measured them
 * at the latest evaluation (those come first); state, speed and ETA. When the line is short
 * a segment with a shorter form takes it, then the least important segments go. (The keys
 * are on the function-key bar: help.c.) */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "panel.h"

typedef struct {
	char text[120];
	char brief[120]; /* a shorter form, taken before anything is dropped; "": none */
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

/* "train 0.123", or as a percentage when the plots show error rates, with its standard
 * error on an evaluation subset of n (0: unknown) */
static void fmt_value(char *buf, size_t len, const char *what, double v, int errors, int n)
{
	if (errors && n > 0 && v >= 0 && v <= 1)
		snprintf(buf, len, "%s %.1f%% ±%.1f", what, 100 * v, 100 * sqrt(v * (1 - v) / n));
	else if (errors)
		snprintf(buf, len, "%s %.1f%%", what, 100 * v);
	else
		snprintf(buf, len, "%s %.3f", what, v);
}

void ui_draw_status(struct ui *u)
{
	WINDOW *w = u->statusw;
	int W = getmaxx(w);
	segment seg[16];
	memset(seg, 0, sizeof seg);
	int n = 0;
	runset rs;
	ui_visible_runs(u, &rs);
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
		seg[n].prio = 9, seg[n++].role = ROLE_STATUS;
	}
	snprintf(seg[n].text, sizeof seg[n].text, "%s", st.model);
	seg[n].prio = 5, seg[n++].role = ROLE_STATUS;
	snprintf(seg[n].text, sizeof seg[n].text, "%s", st.data);
	seg[n].prio = 2, seg[n++].role = ROLE_STATUS;
	ui_fmt_count((double)st.step, a, sizeof a);
	snprintf(seg[n].text, sizeof seg[n].text, "step %s", a);
	seg[n].prio = 9, seg[n++].role = ROLE_STATUS_KEY;
	snprintf(seg[n].text, sizeof seg[n].text, st.epoch < 100 ? "ep %.2f" : "ep %.0f", st.epoch);
	seg[n].prio = 6, seg[n++].role = ROLE_STATUS;
	snprintf(seg[n].text, sizeof seg[n].text, "bs %d", st.bs);
	seg[n].prio = 8, seg[n++].role = ROLE_STATUS;
	/* the lr the run uses and, where the recipe scales it, how (a file viewed has no text) */
	if (st.lr_text[0]) {
		snprintf(seg[n].text, sizeof seg[n].text, "lr %s", st.lr_text);
		ui_text_ascii(seg[n].text, sizeof seg[n].text);
	} else {
		snprintf(seg[n].text, sizeof seg[n].text, "lr %.4g", st.lr);
	}
	seg[n].prio = 8, seg[n++].role = ROLE_STATUS;
	/* what is happening now: the latest evaluation, kept at 80 columns (before the model);
	 * the full sets' numbers of an `eval` at that step first, the subsets' after them */
	if (cur >= 0) {
		long at = -1;
		double v[2][2] = { { NAN, NAN }, { NAN, NAN } }; /* [subset, full][train, test] */
		for (int full = 0; full < 2; full++)
			for (int k = 0; k < 2; k++) {
				char name[32];
				snprintf(name, sizeof name, "%s%s_%s", full ? "full_" : "", k ? "test" : "train",
					 u->errors ? "err" : "loss");
				int c = series_find_col(u->S, name);
				long step = c >= 0 ? series_last(u->S, cur, c, &v[full][k]) : -1;
				if (!full && !k)
					at = step;
				else if (full && step != at) /* an `eval` of an earlier step is not now */
					v[full][k] = NAN;
			}
		int full = isfinite(v[1][0]) && isfinite(v[1][1]);
		for (int f = full; f >= 0; f--) {
			int nn[2] = { f ? st.n_train : st.n_eval, f ? st.n_test : st.n_eval };
			int prio = f || !full ? 9 : 3; /* the subsets step back when the full sets are there */
			for (int k = 0; k < 3 && n < 14; k++) {
				if (k < 2 ? !isfinite(v[f][k]) : !isfinite(v[f][0]) || !isfinite(v[f][1]))
					continue;
				char val[64];
				fmt_value(val, sizeof val, k == 0 ? "train" : k == 1 ? "test" : "gap",
					  k < 2 ? v[f][k] : v[f][1] - v[f][0], u->errors, k < 2 ? nn[k] : 0);
				if (k == 0) {
					snprintf(seg[n].text, sizeof seg[n].text, "%s %s", f ? "full" : "subset", val);
					if (!f)
						snprintf(seg[n].brief, sizeof seg[n].brief, "sub %s", val);
				} else {
					snprintf(seg[n].text, sizeof seg[n].text, "%s", val);
				}
				seg[n].prio = prio, seg[n++].role = k == 2 ? ROLE_STATUS_KEY : ROLE_STATUS;
			}
		}
	}
	snprintf(seg[n].text, sizeof seg[n].text, " %s ", u->loading[0] ? u->loading : series_state_name(st.state));
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
			seg[n].prio = 6, seg[n++].role = ROLE_STATUS;
		}
	}

	/* Shorten, then drop the least important segments until the line fits. */
	const char *sep = "  ";
	int keep[16], shortened = 0;
	for (int i = 0; i < n; i++)
		keep[i] = 1;
	for (;;) {
		int width = 1;
		for (int i = 0, first = 1; i < n; i++)
			if (keep[i]) {
				width += (first ? 0 : 2) + ui_text_width(seg[i].text);
				first = 0;
			}
		if (width <= W)
			break;
		if (!shortened) { /* "subset train 0.31" → "sub train 0.31" */
			shortened = 1;
			for (int i = 0; i < n; i++)
				if (seg[i].brief[0])
					memcpy(seg[i].text, seg[i].brief, sizeof seg[i].text);
			continue;
		}
		int low = -1;
		for (int i = 0; i < n; i++)
			if (keep[i] && (low < 0 || seg[i].prio < seg[low].prio))
				low = i;
		if (low < 0 || seg[low].prio >= 10)
			break;
		keep[low] = 0;
	}
	ui_fill_row(w, 0, 0, W, ROLE_STATUS);
	wmove(w, 0, 1);
	int x = 1;
	for (int i = 0, first = 1; i < n; i++) {
		if (!keep[i])
			continue;
		if (!first)
			x += ui_put_text(w, sep, W - x, ROLE_STATUS);
		first = 0;
		x += ui_put_text(w, seg[i].text, W - x, seg[i].role);
	}
	u->status_dirty = 0;
}
