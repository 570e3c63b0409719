/* boundary.c — `view boundary`: the decision boundary of a run on a 2-D data set, as a
 * heatmap of the predicted class with the training points on top (panels.c's table: it
 * draws itself, from the map the trainer publishes at evaluations). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/data.h"
#include "gglab/util.h"
#include "panel.h"

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


/* The map of the current run changes without a new row (it comes a moment after it). */
uint64_t ui_boundary_key(struct ui *u)
{
	runset rs;
	ui_visible_runs(u, &rs);
	int run = rs.cur;
	series_grid *g = gg_xmalloc(sizeof *g);
	uint64_t k = 0;
	if (run >= 0 && series_get_grid(u->S, run, g) == 0)
		k = (uint64_t)g->step * 1000003u + (uint64_t)g->w * 1009u + (uint64_t)g->h + 1;
	free(g);
	return k;
}

/* The current run's decision boundary: its run id with the map and its status, or -1 with
 * why there is none to show (no runs, not yet evaluated, not a 2-D data set). */
int ui_boundary_get(struct ui *u, series_grid *g, series_status *st, char *err)
{
	runset rs;
	ui_visible_runs(u, &rs);
	int have = rs.cur >= 0 && series_get_grid(u->S, rs.cur, g) == 0 && g->w > 0 && g->h > 0 &&
		   g->w <= SERIES_GRID_MAX && g->h <= SERIES_GRID_MAX && g->x1 > g->x0 && g->y1 > g->y0;
	memset(st, 0, sizeof *st);
	if (rs.cur >= 0)
		series_get_status(u->S, rs.cur, st);
	int is2d = data_is_planar(st->data);
	/* a map from before the run changed its data (or restarted) is not this run's */
	if (have && (!is2d || g->step > st->step))
		have = 0;
	if (have)
		return rs.cur;
	char names[80];
	data_planar_names(names, sizeof names, ", ");
	if (rs.cur < 0)
		gg_fail(err, "no runs to show");
	else if (is2d) /* the trainer publishes the map at evaluations */
		gg_fail(err, "no decision boundary yet: it comes with %s's next evaluation", st->name);
	else
		gg_fail(err, "view boundary needs a 2-D data set (%s); this run uses %s", names,
			st->data[0] ? st->data : "no data yet");
	return -1;
}

/* `view boundary`: the predicted class over the plane as a half-block heatmap (two grid
 * rows per terminal row, the upper one as ▀'s colour, the lower as the background), the
 * training points on top, axes, and the classes on the right. Aspect is kept: a half
 * cell is about square. */
void ui_render_boundary(struct ui *u, ui_panel *p)
{
	WINDOW *w = p->win;
	int W = p->w, H = p->h;
	werase(w);
	series_grid *g = gg_xmalloc(sizeof *g);
	series_status st;
	char msg[GG_ERRLEN];
	int run = ui_boundary_get(u, g, &st, msg);
	const char *dot = u->utf8 ? " · " : " - ";

	wmove(w, 0, 1);
	int x = 1 + ui_put_text(w, p->kind->title, W - 2, ROLE_TITLE);
	if (run < 0) {
		/* one clause a line, centred (each wraps on its own if the panel is narrow) */
		char *part[2] = { msg, strstr(msg, "; ") };
		if (part[1]) {
			*part[1] = 0;
			part[1] += 2;
		}
		int y = H / 2 - 1 > 1 ? H / 2 - 1 : 1;
		for (int i = 0; i < 2 && part[i] && y < H - 1; i++) {
			int tw = ui_text_width(part[i]), rows = ui_wrapped_rows(part[i], W - 2);
			if (rows == 1) {
				wmove(w, y, (W - tw) / 2);
				ui_put_text(w, part[i], W - 1, ROLE_WARN);
			} else {
				ui_put_wrapped(w, y, 0, H - 1 - y, part[i], W - 2, ROLE_WARN);
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
	ui_fmt_count((double)g->step, a, sizeof a);
	double tre = ui_last_finite(u, run, "train_err"), tee = ui_last_finite(u, run, "test_err");
	int l = snprintf(note, sizeof note, "%s%s%sstep %s", dot, st.name, dot, a);
	if (isfinite(tre))
		l += snprintf(note + l, sizeof note - (size_t)l, "%strain err %.3f", dot, tre);
	if (isfinite(tee) && l < (int)sizeof note)
		snprintf(note + l, sizeof note - (size_t)l, "%stest err %.3f", dot, tee);
	ui_put_text(w, note, W - 1 - x, ROLE_DIM);

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
				ui_put_cell(w, "▀", region_color(ct), region_color(cb), A_NORMAL);
			else if (color)
				ui_put_cell(w, " ", COLOR_WHITE, region_color(cb), A_NORMAL);
			else
				ui_put_cell(w, shade(u, cb, ncls), -1, -1, A_NORMAL);
		}
	}
	/* the training points, thinned so they do not hide the regions in a small panel: every
	 * stride-th point of each class, counted per class (a stride over all points aliases
	 * with labels that alternate, and a class would vanish) */
	int maxp = cols * ch / 3 > 1 ? cols * ch / 3 : 1, np = g->npoints < SERIES_POINTS_MAX ? g->npoints : SERIES_POINTS_MAX;
	int stride = np > maxp ? (np + maxp - 1) / maxp : 1;
	int seen[256] = { 0 };
	for (int i = 0; i < np; i++) {
		if (seen[g->pcls[i]]++ % stride)
			continue;
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
			ui_put_cell(w, u->braille ? cls_glyph[label % NCLS_STYLE] : cls_glyph_ascii[label % NCLS_STYLE],
				       point_color(label), region_color(under), A_BOLD);
		else
			ui_put_cell(w, u->braille ? cls_glyph[label % NCLS_STYLE] : cls_glyph_ascii[label % NCLS_STYLE],
				       -1, -1, A_BOLD);
	}

	/* axes */
	const char *vline = u->utf8 ? "│" : "|", *vtick = u->utf8 ? "┤" : "+";
	for (int y = 1; y <= ch; y++) {
		wmove(w, y, yw - 1);
		ui_put_text(w, vline, 1, ROLE_AXIS);
	}
	double t[16];
	char lbl[16][16];
	int nt = plot_ticks(g->y0, g->y1, 0, ch / 2 > 2 ? (ch / 2 < 8 ? ch / 2 : 8) : 2, t), last = -2;
	plot_axis_labels(t, nt, yw - 2, 0, lbl);
	for (int i = 0; i < nt; i++) {
		int row = (int)floor((g->y1 - t[i]) / (g->y1 - g->y0) * ch);
		if (row < 0 || row >= ch || row == last || !lbl[i][0])
			continue;
		last = row;
		wmove(w, 1 + row, yw - 2 - (int)strlen(lbl[i]));
		ui_put_text(w, lbl[i], yw - 2, ROLE_LABEL);
		wmove(w, 1 + row, yw - 1);
		ui_put_text(w, vtick, 1, ROLE_AXIS);
	}
	nt = plot_ticks(g->x0, g->x1, 0, cols / 10 < 2 ? 2 : cols / 10, t);
	plot_axis_labels(t, nt, 6, 0, lbl);
	int end = yw - 1;
	for (int i = 0; i < nt; i++) {
		int col = yw + (int)floor((t[i] - g->x0) / (g->x1 - g->x0) * cols);
		int lw = (int)strlen(lbl[i]), lx = col - lw / 2;
		if (lx < yw - 1)
			lx = yw - 1;
		if (!lw || lx + lw > yw + cols || lx <= end)
			continue;
		wmove(w, 1 + ch, lx);
		ui_put_text(w, lbl[i], lw, ROLE_LABEL);
		end = lx + lw;
	}

	/* the classes: region swatch, point glyph, number */
	if (info) {
		int ix = yw + cols + 2;
		wmove(w, 1, ix);
		ui_put_text(w, "class", W - ix, ROLE_DIM);
		for (int c = 0; c < ncls && 2 + c < H - 1; c++) {
			wmove(w, 2 + c, ix);
			for (int k = 0; k < 2; k++) {
				if (half)
					ui_put_cell(w, "█", region_color(c), -1, A_NORMAL);
				else if (color)
					ui_put_cell(w, " ", COLOR_WHITE, region_color(c), A_NORMAL);
				else
					ui_put_cell(w, shade(u, c, ncls), -1, -1, A_NORMAL);
			}
			ui_put_text(w, " ", 1, ROLE_TEXT);
			if (color)
				ui_put_cell(w, u->braille ? cls_glyph[c % NCLS_STYLE] : cls_glyph_ascii[c % NCLS_STYLE],
					       point_color(c), region_color(c), A_BOLD);
			else
				ui_put_cell(w, u->braille ? cls_glyph[c % NCLS_STYLE] : cls_glyph_ascii[c % NCLS_STYLE],
					       -1, -1, A_BOLD);
			char num[16];
			snprintf(num, sizeof num, " %d", c);
			ui_put_text(w, num, W - ix - 4, ROLE_TEXT);
		}
		if (ncls + 4 < H - 1) {
			wmove(w, ncls + 3, ix);
			ui_put_text(w, "area: model", W - ix - 1, ROLE_DIM);
			wmove(w, ncls + 4, ix);
			ui_put_text(w, "mark: data", W - ix - 1, ROLE_DIM);
		}
	}
	free(g);
}

