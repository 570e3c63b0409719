/* layout.c — where the panels go, and the frame: which panels re-render (their data, the
 * settings or their size changed), then everything is copied to the terminal once.
 *
 * Layout rules (W×H is the terminal; below 80×24 only the notice and the prompt):
 *   row 0 the status line; the last row the prompt; above it the event log (4 rows, 6 from
 *   36 rows, 8 from 50); the rest holds plots. The main plot is the one the view names
 *   (the table below; auto: the loss). From 120 columns the main plot takes the left 55 %
 *   and the others stack on the right (as many as get 9 rows each); narrower but from 36
 *   rows, the main plot takes the top 55 % and two others share the bottom side by side;
 *   otherwise only the main plot shows. A kind that is main_only (the decision boundary)
 *   shows only when the view names it.
 *
 * Plots overlay every visible run (ui_visible_runs; up to UI_MAXRUNS), each in its own
 * colour with its own glyphs, and name them in the legend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/util.h"
#include "panel.h"

/* ---- the views ------------------------------------------------------------------------- */

/* What `view` and F3 choose from (UI_VIEWS in gglab/ui.h), in the order of ui_view: the
 * name and the panel it shows large. */
#define VIEW_ROW(id, name, panel) { name, UI_P_##panel },
static const struct {
	const char *name;
	int panel;
} views[UI_NVIEWS] = { UI_VIEWS(VIEW_ROW, ) };

const char *ui_view_name(ui_view v)
{
	return (int)v >= 0 && v < UI_NVIEWS ? views[v].name : NULL;
}

void ui_view_names(char *buf, size_t len, const char *sep)
{
	size_t l = 0;
	buf[0] = 0;
	for (int i = 0; i < UI_NVIEWS && l < len; i++)
		l += (size_t)snprintf(buf + l, len - l, "%s%s", i ? sep : "", views[i].name);
}

/* ---- the runs a plot overlays ------------------------------------------------------------ */

void ui_visible_runs(struct ui *u, runset *rs)
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

void ui_run_name(struct ui *u, int run, char *buf, size_t len)
{
	series_status st;
	series_get_status(u->S, run, &st);
	snprintf(buf, len, "%s", st.name);
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

typedef struct {
	int x, y, w, h; /* w 0: not on screen */
} rect;

static int log_rows(int H)
{
	return H >= 50 ? 8 : H >= 36 ? 6 : 4;
}

/* Where each panel goes at the screen's size in its view (the rules atop this file). */
static void plan(const struct ui *u, rect r[UI_NKINDS])
{
	int W = u->W, H = u->H;
	memset(r, 0, UI_NKINDS * sizeof *r);
	if (W < 80 || H < 24)
		return;
	int top = 1, ph = H - 2 - log_rows(H);
	int mainp = views[u->view].panel;
	int others[UI_NKINDS], no = 0;
	for (int k = 0; k < UI_NKINDS; k++)
		if (k != mainp && !ui_panel_kinds[k].main_only)
			others[no++] = k;
	if (W >= 120) {
		int lw = W * 55 / 100;
		r[mainp] = (rect){ 0, top, lw, ph };
		int n = ph / 9;
		if (n > no)
			n = no;
		for (int i = 0; i < n; i++) {
			int y0 = top + ph * i / n, y1 = top + ph * (i + 1) / n;
			r[others[i]] = (rect){ lw, y0, W - lw, y1 - y0 };
		}
	} else if (H >= 36) {
		int mh = ph * 55 / 100;
		r[mainp] = (rect){ 0, top, W, mh };
		r[others[0]] = (rect){ 0, top + mh, W / 2, ph - mh };
		r[others[1]] = (rect){ W / 2, top + mh, W - W / 2, ph - mh };
	} else {
		r[mainp] = (rect){ 0, top, W, ph };
	}
}

int ui_layout_shows(const struct ui *u, int kind)
{
	rect r[UI_NKINDS];
	plan(u, r);
	return r[kind].w > 0;
}

void ui_layout(struct ui *u)
{
	int W = u->W, H = u->H;
	u->small = W < 80 || H < 24;
	u->promptw = newwin(1, W, H - 1, 0);
	nodelay(u->promptw, TRUE); /* no keypad(): readline decodes escape sequences */
	ui_help_window(u);
	if (u->small) {
		u->smallw = newwin(H - 1, W, 0, 0);
		return;
	}
	int log_h = log_rows(H);
	u->statusw = newwin(1, W, 0, 0);
	u->logw = newwin(log_h, W, H - 1 - log_h, 0);
	u->status_dirty = u->log_dirty = 1;
	rect r[UI_NKINDS];
	plan(u, r);
	for (int k = 0; k < UI_NKINDS; k++)
		if (r[k].w > 0)
			place(u, k, r[k].x, r[k].y, r[k].w, r[k].h);
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
	int aw = ui_text_width(a), bw = (int)strlen(b);
	wmove(w, H / 2 - 1 >= 0 ? H / 2 - 1 : 0, aw < W ? (W - aw) / 2 : 0);
	ui_put_text(w, a, W, ROLE_WARN);
	if (H > 2) {
		wmove(w, H / 2 + 1 < H ? H / 2 + 1 : H - 1, bw < W ? (W - bw) / 2 : 0);
		ui_put_text(w, b, W, ROLE_DIM);
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
			const ui_panel_kind *kind = &ui_panel_kinds[i];
			uint64_t pk = kind->key ? key * 31u + kind->key(u) : key;
			double now = gg_now();
			int late = kind->late && p->version != v && now - p->when >= 1.0;
			/* A new map changes cells all over the panel: once a second is live enough
			 * and keeps the terminal output within budget. */
			int changed = p->key != pk;
			if (changed && kind->throttled && !p->dirty && p->gen == u->gen && now - p->when < 1.0) {
				p->pending = 1;
				changed = 0;
			}
			if (p->dirty || p->gen != u->gen || changed || late) {
				kind->render(u, p);
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
