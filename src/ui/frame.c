/* frame.c — the frame: which panels re-render (their data, the settings or their size
 * changed), the status line, the log, the bar or the overlay, and the prompt last; then
 * everything is copied to the terminal once. Each panel renders itself through its kind
 * (ui_panel.kind: the table in panels.c). */
#include <stdio.h>
#include <string.h>

#include "gglab/util.h"
#include "panel.h"

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
	if (u->pager && u->overlayw) { /* over everything, even a screen too small for the rest */
		if (u->overlay_dirty)
			ui_pager_draw(u);
		wnoutrefresh(u->overlayw);
	} else if (u->small) {
		if (u->status_dirty || u->log_dirty) {
			draw_small(u);
			u->status_dirty = u->log_dirty = 0;
		}
		/* The log is not on screen: still, the newest message shows on the notice. */
		wnoutrefresh(u->smallw);
	} else {
		uint64_t v = series_version(u->S);
		if (u->status_dirty || v != u->status_version)
			ui_draw_status(u);
		uint64_t key = data_key(u);
		for (int i = 0; i < UI_NKINDS; i++) {
			ui_panel *p = &u->panels[i];
			if (!p->win)
				continue;
			const ui_panel_kind *kind = p->kind;
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
		if (u->cursor && (u->log_dirty || v != u->status_version))
			ui_draw_readout(u); /* the values at the cursor, where the log is */
		else if (u->log_dirty)
			ui_draw_log(u);
		if (u->bar_dirty)
			ui_draw_bar(u);
		wnoutrefresh(u->statusw);
		wnoutrefresh(u->logw);
		wnoutrefresh(u->barw);
	}
	u->status_version = series_version(u->S);
	u->status_dirty = 0;
	if (!u->pager)
		ui_prompt_draw(u); /* last: the cursor stays on the prompt */
	doupdate();
}
