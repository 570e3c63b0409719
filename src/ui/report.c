/* report.c — figures as files: `export svg` (one panel as a standalone SVG, drawn by svg.c)
 * and `report` (one self-contained HTML page: every panel's figure inline, the runs'
 * settings side by side, and their events). They picture the view: the screen runs them on
 * the UI thread with its own view state (the panel shown large, x axis, log y, smoothing,
 * zoom, the metric); batch mode on the main thread with a view of its own (ui_view_new),
 * the screen's defaults as the script's view commands changed them. Either way they only
 * read the series store, which copies under its lock, so the trainer goes on training meanwhile. Files are replaced atomically
 * (store_out). Numbers are written in the C locale, whatever the screen's is. The page is
 * HTML that is also well-formed XML (polyglot), so xmllint checks it whole, figures and all. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gglab/store.h"
#include "gglab/util.h"
#include "panel.h"

static const char *const panel_names[UI_NKINDS] = { "loss", "gap", "dist", "inst", "boundary" };

struct ui *ui_view_new(lab *L)
{
	struct ui *u = gg_xcalloc(1, sizeof *u);
	u->S = lab_series(L);
	ui_state_defaults(u);
	return u;
}

void ui_view_free(struct ui *u)
{
	if (u)
		free(u->hidden); /* run hide */
	free(u);
}

/* The view pictured: the screen's, drawn with Unicode text whatever the terminal shows
 * (an SVG is UTF-8), or batch mode's (ui_view_new), or the screen's defaults. */
typedef struct {
	struct ui *u;
	int own, utf8, braille;
	locale_t c, old;
} picture;

static void picture_begin(picture *p, cmd_ctx *ctx)
{
	p->u = ctx->ui ? ctx->ui : ctx->view;
	p->own = !p->u;
	if (p->own)
		p->u = ui_view_new(ctx->lab);
	p->utf8 = p->u->utf8;
	p->braille = p->u->braille;
	p->u->utf8 = p->u->braille = 1;
	p->c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	p->old = p->c ? uselocale(p->c) : (locale_t)0;
}

static void picture_end(picture *p)
{
	if (p->c) {
		uselocale(p->old);
		freelocale(p->c);
	}
	p->u->utf8 = p->utf8;
	p->u->braille = p->braille;
	if (p->own)
		ui_view_free(p->u);
}

/* What was done, where the command's results go: the event log, or stderr in batch mode. */
static void say(cmd_ctx *ctx, const char *msg)
{
	if (ctx->ui)
		ui_log(ctx->ui, ROLE_INFO, "%s", msg);
	else
		fprintf(stderr, "%s\n", msg);
}

/* Writes b to path (when rc is 0), frees it, and says what was written; returns rc, or -1
 * when the write failed. */
static int write_file(cmd_ctx *ctx, int rc, const char *path, gg_buf *b, const char *what, char *err)
{
	if (rc == 0) {
		store_out *o = store_out_open(path, err);
		if (!o) {
			rc = -1;
		} else {
			fwrite(b->p, 1, b->n, store_out_stream(o));
			rc = store_out_commit(o, err);
		}
	}
	gg_buf_free(b);
	if (rc == 0) {
		char msg[GG_ERRLEN];
		snprintf(msg, sizeof msg, "wrote %s to %s", what, path);
		say(ctx, msg);
	}
	return rc;
}

/* A picture needs a run that measured something. */
static int no_runs(struct ui *u, const char *what, char *err)
{
	runset rs;
	ui_visible_runs(u, &rs);
	int rows = 0;
	for (int r = 0; r < series_nruns(u->S) && !rows; r++)
		rows = series_nrows(u->S, r) > 0;
	if (rs.total > 0 && rows)
		return 0;
	return gg_fail(err, "%s: %s (train one first, or open metrics files with gglab --view "
			    "FILE.jsonl.gz)", what, rs.total ? "no run has measured anything yet" : "no runs");
}

static int fig_svg(cmd_ctx *ctx, const char *path, int panel, char *err)
{
	picture p;
	picture_begin(&p, ctx);
	int kind = panel >= 0 && panel < UI_NKINDS ? panel : ui_view_panel(p.u->view);
	gg_buf b = { 0 };
	char why[GG_ERRLEN];
	int rc = no_runs(p.u, "export svg", err);
	if (rc == 0 && (rc = ui_svg_panel(p.u, kind, 1, &b, why)) < 0)
		gg_fail(err, "export svg %s: %s", panel_names[kind], why);
	picture_end(&p);
	char what[64];
	snprintf(what, sizeof what, "the %s panel", panel_names[kind]);
	return write_file(ctx, rc, path, &b, what, err);
}

/* ---- the report ----------------------------------------------------------------------------- */

static const char style[] =
	"body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;color:#222;margin:24px auto;"
	"max-width:1040px;padding:0 16px;font-size:14px;line-height:1.4}"
	"h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}"
	".meta{color:#666;margin-top:0}"
	".figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:18px}"
	"figure{margin:0}figure svg{width:100%;height:auto;display:block}"
	"figcaption{font-size:12px;color:#555;margin-top:2px}"
	"table{border-collapse:collapse;font-size:13px}"
	"th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
	"th{background:#f5f5f5}td.differs{font-weight:bold}td.num{text-align:right}"
	".why{color:#666;font-style:italic}\n";

typedef struct {
	int id[64];
	int n;
	series_status st[64];
} runlist;

/* The trained runs a report covers: not dropped, not a twin group's agreement series. */
static void report_runs(series_store *S, runlist *rl)
{
	rl->n = 0;
	for (int r = 0; r < series_nruns(S) && rl->n < 64; r++) {
		series_get_status(S, r, &rl->st[rl->n]);
		if (!rl->st[rl->n].dropped && !rl->st[rl->n].agreement)
			rl->id[rl->n++] = r;
	}
}

/* One row of the settings table: a cell per run, bold where it differs from the first. */
static void settings_row(gg_buf *b, const char *name, char cells[][200], int n, int num)
{
	UI_PUT(b, "<tr><th>");
	ui_xml_text(b, name);
	UI_PUT(b, "</th>");
	for (int i = 0; i < n; i++) {
		int differs = i > 0 && strcmp(cells[i], cells[0]) != 0;
		ui_buf_printf(b, "<td%s%s%s>", differs || num ? " class=\"" : "",
			      differs ? (num ? "differs num" : "differs") : num ? "num" : "",
			      differs || num ? "\"" : "");
		ui_xml_text(b, cells[i][0] ? cells[i] : "–");
		UI_PUT(b, "</td>");
	}
	UI_PUT(b, "</tr>\n");
}

static void metric(series_store *S, int run, const char *col, char *out)
{
	double v = NAN;
	int c = series_find_col(S, col);
	if (c >= 0)
		series_last(S, run, c, &v);
	if (isfinite(v))
		snprintf(out, 200, "%.4g", v);
	else
		out[0] = 0;
}

/* `fit FROM TO` as set: "all", "100..end", "100..2000". */
static const char *fit_text(const series_status *st, char *buf)
{
	if (!st->fit_from && !st->fit_to)
		return "all";
	if (st->fit_to)
		snprintf(buf, 64, "%ld..%ld", st->fit_from, st->fit_to);
	else
		snprintf(buf, 64, "%ld..end", st->fit_from);
	return buf;
}

static void put_settings(gg_buf *b, series_store *S, const runlist *rl)
{
	char (*cells)[200] = gg_xmalloc(64 * sizeof *cells), fit[64];
	int n = rl->n;
	UI_PUT(b, "<table class=\"settings\">\n<tr><th></th>");
	for (int i = 0; i < n; i++) {
		UI_PUT(b, "<th>");
		ui_xml_text(b, rl->st[i].name);
		UI_PUT(b, "</th>");
	}
	UI_PUT(b, "</tr>\n");
#define ROW(name, num, ...) do { \
		for (int i = 0; i < n; i++) { const series_status *st = &rl->st[i]; (void)st; \
			snprintf(cells[i], sizeof cells[i], __VA_ARGS__); } \
		settings_row(b, name, cells, n, num); } while (0)
	ROW("state", 0, "%s", series_state_name(st->state));
	ROW("model", 0, "%s", st->model);
	ROW("data", 0, "%s", st->data);
	ROW("optimizer", 0, "%s", st->opt);
	ROW("learning rate", 0, "%s", st->lr_text[0] ? st->lr_text : "");
	ROW("batch size", 1, "%.0d", st->bs); /* precision 0: nothing for 0 (not known) */
	ROW("step", 1, "%ld", st->step);
	ROW("epoch", 1, "%.2f", st->epoch);
	ROW("evaluation subsets", 1, "%.0d", st->n_eval);
	ROW("fit window", 0, "%s", fit_text(st, fit));
#undef ROW
	static const struct { const char *name, *col; } last[] = {
		{ "train loss", "train_loss" }, { "test loss", "test_loss" },
		{ "train error", "train_err" }, { "test error", "test_err" },
		{ "gap (loss)", "gap_loss" }, { "distance from init", "dist" },
	};
	for (size_t k = 0; k < sizeof last / sizeof last[0]; k++) {
		for (int i = 0; i < n; i++)
			metric(S, rl->id[i], last[k].col, cells[i]);
		settings_row(b, last[k].name, cells, n, 1);
	}
	UI_PUT(b, "</table>\n");
	free(cells);
}

typedef struct {
	long step;
	int run; /* index into the run list */
	size_t order;
	char text[120];
} report_event;

static int cmp_event(const void *a, const void *b)
{
	const report_event *x = a, *y = b;
	if (x->step != y->step)
		return x->step < y->step ? -1 : 1;
	if (x->run != y->run)
		return x->run - y->run;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void put_events(gg_buf *b, series_store *S, const runlist *rl)
{
	size_t n = 0, cap = 0;
	report_event *ev = NULL;
	for (int i = 0; i < rl->n; i++) {
		size_t ne = series_nevents(S, rl->id[i]);
		series_event *e = gg_xmalloc((ne ? ne : 1) * sizeof *e);
		ne = series_read_events(S, rl->id[i], 0, ne, e);
		for (size_t k = 0; k < ne; k++) {
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				ev = gg_xrealloc(ev, cap * sizeof *ev);
			}
			ev[n] = (report_event){ .step = e[k].step, .run = i, .order = n };
			snprintf(ev[n++].text, sizeof ev->text, "%s", e[k].text);
		}
		free(e);
	}
	if (!n) {
		UI_PUT(b, "<p class=\"why\">no events</p>\n");
		return;
	}
	qsort(ev, n, sizeof *ev, cmp_event);
	UI_PUT(b, "<table class=\"events\">\n<tr><th>step</th><th>run</th><th>event</th></tr>\n");
	for (size_t k = 0; k < n; k++) {
		ui_buf_printf(b, "<tr><td class=\"num\">%ld</td><td>", ev[k].step);
		ui_xml_text(b, rl->st[ev[k].run].name);
		UI_PUT(b, "</td><td>");
		ui_xml_text(b, ev[k].text);
		UI_PUT(b, "</td></tr>\n");
	}
	UI_PUT(b, "</table>\n");
	free(ev);
}

static const char *const captions[UI_NKINDS] = {
	"Train and test loss (or error rate) against training time; dotted lines mark where a "
	"setting changed.",
	"Generalization gap: test minus train.",
	"Distance of the weights from their initialization on a log-t axis, with the fit "
	"a + b·ln t of the current run.",
	"Instruments.",
	"Decision boundary of the current run: the predicted class over the plane, the training "
	"points on top.",
};

static int fig_report(cmd_ctx *ctx, const char *path, char *err)
{
	picture p;
	picture_begin(&p, ctx);
	int rc = no_runs(p.u, "report", err);
	gg_buf b = { 0 };
	if (rc == 0) {
		runlist *rl = gg_xmalloc(sizeof *rl);
		report_runs(p.u->S, rl);
		char when[64] = "";
		time_t now = time(NULL);
		struct tm tm;
		if (gmtime_r(&now, &tm))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
		ui_buf_printf(&b, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
				  "<meta charset=\"utf-8\"/>\n"
				  "<title>gglab report: %d run%s</title>\n<style>%s</style>\n</head>\n<body>\n",
			      rl->n, rl->n == 1 ? "" : "s", style);
		ui_buf_printf(&b, "<h1>gglab report</h1>\n<p class=\"meta\">%d run%s · written %s by gglab %s</p>\n",
			      rl->n, rl->n == 1 ? "" : "s", when, PACKAGE_VERSION);
		UI_PUT(&b, "<h2>Figures</h2>\n<div class=\"figs\">\n");
		for (int k = 0; k < UI_NKINDS; k++) {
			gg_buf fig = { 0 };
			char why[GG_ERRLEN];
			if (ui_svg_panel(p.u, k, 0, &fig, why) < 0) {
				gg_buf_free(&fig);
				continue; /* the boundary of a run on a data set without a plane */
			}
			ui_buf_printf(&b, "<figure id=\"%s\">\n", panel_names[k]);
			gg_buf_put(&b, fig.p, fig.n);
			ui_buf_printf(&b, "<figcaption>%s</figcaption>\n</figure>\n", captions[k]);
			gg_buf_free(&fig);
		}
		UI_PUT(&b, "</div>\n<h2>Runs</h2>\n");
		put_settings(&b, p.u->S, rl);
		UI_PUT(&b, "<h2>Events</h2>\n");
		put_events(&b, p.u->S, rl);
		UI_PUT(&b, "</body>\n</html>\n");
		free(rl);
	}
	picture_end(&p);
	return write_file(ctx, rc, path, &b, "the report (every panel, the runs' settings, the events)", err);
}

const cmd_figure_ops ui_figure_ops = { .svg = fig_svg, .report = fig_report };
