/* layout.c — the views and where the panels go: the windows for the screen's size and
 * view (the frame that draws into them is frame.c).
 *
 * Layout rules (W×H is the terminal; below 80×24 only the notice and the prompt):
 *   row 0 the status line; the last row the function-key bar, the prompt above it, above
 *   that the event log (4 rows, 6 from 36 rows, 8 from 50); the rest holds plots. Below
 *   80x24 the prompt takes the last row. The main plot is the one the view names
 *   (the table below; auto: the loss). From 120 columns the main plot takes the left 55 %
 *   and the others stack on the right (as many as get 9 rows each); narrower but from 36
 *   rows, the main plot takes the top 55 % and two others share the bottom side by side;
 *   otherwise only the main plot shows. A kind that is main_only (the decision boundary)
 *   shows only when the view names it.
 *
 * A kind's properties come through the panel's pointer to its row of the table of kinds
 * (ui_panel.kind, set when the screen starts), so this file sits below the panels. */
#include <stdio.h>
#include <string.h>

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

int ui_view_panel(ui_view v)
{
	return (int)v >= 0 && v < UI_NVIEWS ? views[v].panel : UI_P_LOSS;
}

void ui_view_names(char *buf, size_t len, const char *sep)
{
	size_t l = 0;
	buf[0] = 0;
	for (int i = 0; i < UI_NVIEWS && l < len; i++)
		l += (size_t)snprintf(buf + l, len - l, "%s%s", i ? sep : "", views[i].name);
}

/* ---- layout ---------------------------------------------------------------------------- */

void ui_free_windows(struct ui *u)
{
	WINDOW **ws[] = { &u->statusw, &u->logw, &u->promptw, &u->smallw, &u->barw, &u->overlayw };
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
	int top = 1, ph = H - 3 - log_rows(H); /* the status line, the prompt, the bar */
	int mainp = views[u->view].panel;
	int others[UI_NKINDS], no = 0;
	for (int k = 0; k < UI_NKINDS; k++)
		if (k != mainp && !u->panels[k].kind->main_only)
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
	u->promptw = newwin(1, W, H - 1 - !u->small, 0);
	nodelay(u->promptw, TRUE); /* no keypad(): readline decodes escape sequences */
	if (u->small) {
		u->smallw = newwin(H - 1, W, 0, 0);
		return;
	}
	int log_h = log_rows(H);
	u->statusw = newwin(1, W, 0, 0);
	u->logw = newwin(log_h, W, H - 2 - log_h, 0);
	u->barw = newwin(1, W, H - 1, 0);
	u->status_dirty = u->log_dirty = u->bar_dirty = 1;
	rect r[UI_NKINDS];
	plan(u, r);
	for (int k = 0; k < UI_NKINDS; k++)
		if (r[k].w > 0)
			place(u, k, r[k].x, r[k].y, r[k].w, r[k].h);
}
