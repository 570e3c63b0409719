/* panel.h — what the panels' files share (private to src/ui): the runs a plot overlays,
 * the plot job (curves, legend, title and note built from the store, then drawn by
 * chart.c), and the table of panel kinds (panels.c), after htop's PanelClass: one row of
 * properties and functions per kind, read by the layout, the frame loop and the renderer
 * instead of tests of the kind. The kinds' data steps live in curves.c (loss, gap,
 * distance), instpanel.c (instruments) and boundary.c (the decision boundary, which draws
 * itself). UI thread only. */
#ifndef GGLAB_UI_PANEL_H
#define GGLAB_UI_PANEL_H

#include "tui.h"

/* ---- which runs a plot overlays (state.c) ----------------------------------------------- */
/* The runs a plot overlays: not dropped (`run drop`) and
 * not a twin group's agreement series (not a trained run: the instruments panel shows it).
 * In store order, so a run keeps its place, colour and glyph from frame to frame; when
 * there are more than UI_MAXRUNS the current run takes the last place. */
typedef struct {
	int id[UI_MAXRUNS];
	int n;      /* overlaid */
	int total;  /* not dropped, hidden ones included */
	int hidden; /* left out by `run hide` */
	int cur;    /* the current run, or the first visible one when it is not; -1: none */
	int slot;   /* the current run's place in id[] */
} runset;

void ui_visible_runs(struct ui *u, runset *rs);
void ui_run_name(struct ui *u, int run, char *buf, size_t len);

/* ---- the plot job (chart.c) ---------------------------------------------------------------- */
typedef struct {
	double *x, *y;
	size_t n;
	int series;
	const char *mark; /* its legend glyph, put on every few cells in monochrome; or NULL */
} pdata;

/* The distance-from-init panel's fit: over the run's `fit from= to=` window (0, 0: all),
 * drawn over that window only, whose ends are marked. */
typedef struct {
	double a, b, r2, sq_r2;
	double x0, x1;     /* the steps the fit used */
	long from, to;     /* the window as set (0: open) */
	int series;        /* -1: nothing to draw */
} distfit;

typedef struct {
	plot_canvas c;
	plot_axes a;
	ui_role role[128];
	char glyphs[129];
	int nseries;
	pdata lines[64];
	int nlines;
	/* legend: glyph, role, label; `must` entries (the run names) get room before the
	 * title's notes do; `key` says which glyph is train and which test (a figure draws
	 * its own key) */
	struct { char glyph[16]; ui_role role; char label[48]; int must, key; } leg[16];
	int nleg;
	/* glyphs at the newest point of each overlaid run's curve: in braille the curves
	 * differ only by colour, and these tell them apart in monochrome too */
	struct { double x, y; char glyph[8]; ui_role role; } ends[2 * UI_MAXRUNS];
	int nends;
	char title[160], note[200];
	char hint[200];  /* a line or two of advice above the plot (empty: none) */
	int logx, logy;
	int zero;        /* keep y = 0 in range and draw the zero line (stability margins) */
	distfit fit;     /* the distance panel's fit (series -1: none) */
} plotjob;

int ui_job_series(plotjob *j, ui_role role, char glyph);
/* Returns the entry's index, or -1 when the legend is full. */
int ui_job_legend(plotjob *j, const char *glyph, ui_role role, const char *label);
void ui_job_legend_must(plotjob *j, const char *glyph, ui_role role, const char *label);
/* Takes x and y (freed with the job). */
void ui_job_line(plotjob *j, double *x, double *y, size_t n, int series);
/* The last line added carries this glyph (a static string) on every few cells when the
 * screen has no colours, so its legend entry says which curve it is. */
void ui_job_mark(plotjob *j, const char *glyph);
/* The stroke of a series on this job's canvas (solid in ASCII, where glyphs differ). */
unsigned char ui_job_dash(const plotjob *j, int series);
/* One column of one run: x (steps or epochs) and y, copied out of the store. */
size_t ui_read_xy(struct ui *u, int run, const char *col, int epochs, double **xo, double **yo);
/* The newest finite value of a column of a run (NaN: none). */
double ui_last_finite(struct ui *u, int run, const char *col);
/* The next "nice" value at or above v: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k. */
double ui_nice_ceil(double v);
/* Builds (with the kind's build), draws and copies one plot panel. */
void ui_render_plot(struct ui *u, ui_panel *p);
/* The steps of ui_render_plot that a figure (figure.c) shares with the screen: the data
 * step, the ranges for a picture of cw × ch cells (p: the panel whose last range is kept,
 * NULL for a fresh one; 0 returned: nothing to draw), the x axis' name, the title's note
 * with what the view adds, the event markers, and freeing the job (allocated). */
typedef struct {
	double x;       /* in the x axis' unit */
	long step;
	int diverged;
	char text[120];
} ui_marker;
void ui_plot_build(struct ui *u, const ui_panel_kind *kind, plotjob *j, runset *rs, int *epochs);
int ui_plot_ranges(struct ui *u, ui_panel *p, const ui_panel_kind *kind, plotjob *j,
		   const runset *rs, int epochs, int cw, int ch, int braille);
const char *ui_plot_xname(const plotjob *j, int epochs);
void ui_plot_note(struct ui *u, const ui_panel_kind *kind, const plotjob *j, const char *dot,
		  char *note, size_t len);
size_t ui_plot_markers(struct ui *u, const plotjob *j, int run, int epochs, ui_marker **out);
void ui_plot_free(plotjob *j);

/* ---- the kinds' data steps -------------------------------------------------------------- */
void ui_build_loss(struct ui *u, plotjob *j, const runset *rs, int epochs);   /* curves.c */
void ui_build_gap(struct ui *u, plotjob *j, const runset *rs, int epochs);
void ui_build_dist(struct ui *u, plotjob *j, const runset *rs, int epochs);
void ui_draw_fit(plotjob *j);
/* The overlay's run shape of a glyph (its slot; filled: the train one), or -1. */
int ui_run_shape(const char *glyph, int *filled);
int ui_fit_span(const plotjob *j, double *lo, double *hi); /* the fit line's x span; 0: none */
void ui_build_inst(struct ui *u, plotjob *j, const runset *rs, int epochs);   /* instpanel.c */
void ui_render_boundary(struct ui *u, ui_panel *p);                           /* boundary.c */
uint64_t ui_boundary_key(struct ui *u);
/* The current run's map: its run id, or -1 with why there is none to show. */
int ui_boundary_get(struct ui *u, series_grid *g, series_status *st, char *err);

/* ---- figures (svg.c): a panel as SVG, the same curves, ranges and ticks as the screen ---- */
/* Appends the figure of panel kind (UI_P_*) to b: a standalone document (with the XML
 * declaration) or one to put inside HTML. -1 with why when there is nothing to draw
 * (the boundary of a run without a 2-D map). */
int ui_svg_panel(struct ui *u, int kind, int standalone, gg_buf *b, char *err);
void ui_xml_text(gg_buf *b, const char *s); /* escaped for XML and HTML */
void ui_buf_printf(gg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define UI_PUT(b, literal) gg_buf_put((b), (literal), sizeof(literal) - 1) /* a string literal */

/* ---- the table of panel kinds (panels.c) ------------------------------------------------ */
struct ui_panel_kind {
	const char *title;   /* the title while there are no runs */
	/* the data step: curves, legend, title, note, hint (and logy when it decides) */
	void (*build)(struct ui *u, plotjob *j, const runset *rs, int epochs);
	void (*overlay)(plotjob *j);  /* drawn over the curves (the fit), or NULL */
	/* draws the panel into its window: ui_render_plot (build, then the chart), or its own */
	void (*render)(struct ui *u, ui_panel *p);
	/* what else it shows beyond the store's rows (mixed into the data key), or NULL */
	uint64_t (*key)(struct ui *u);
	int fixed_logx;      /* a log-steps axis whatever `xaxis` says */
	int zoomable;        /* follows `zoom` and `follow` (its note says so); else all steps */
	int smoothable;      /* its curves follow `smooth` and its note says EMA */
	int zero_line;       /* draws y = 0 when the range straddles it (linear y only) */
	int events;          /* markers where settings changed */
	ui_role note_role;   /* the title's note */
	int late;            /* results that arrive late (PH) re-render it within a second */
	int throttled;       /* at most one render a second: a new picture changes every cell */
	int main_only;       /* only ever shown as the main panel (`view` picks it) */
};

extern const ui_panel_kind ui_panel_kinds[UI_NKINDS];

#endif
