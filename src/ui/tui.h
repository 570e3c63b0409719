/* tui.h — what the screen's files share. Private to src/ui: nothing here is part of
 * gglab's public interface.
 *
 * The files, in an order where each calls only files above it (tests/layers.sh checks
 * that no files call each other in a circle):
 *   utf8.c         decoding UTF-8
 *   plot.c         the canvas (braille or ASCII) and its axes (plot.h)
 *   ticks.c        tick positions and their labels, an axis in one notation (plot.h)
 *   theme.c        colours by role
 *   text.c         every string shown: widths, wrapping, cells
 *   pager.c        the overlay: long text over the screen, scrolled and searched
 *   layout.c       the views, and where the panels go: the windows
 *   state.c        what the screen shows: the runs a plot overlays, the event log, and the
 *                  screen commands (ui_cmd_*), which change that state and request (u->want)
 *   commands.c     the screen's family of the command table (main adds it at start-up)
 *   status.c       the status line
 *   eventlog.c     the event log
 *   chart.c        the plot job drawn (panel.h)
 *   readout.c      the cursor: its moves, `cursor`, and the readout of every run at it
 *   curves.c       the loss, gap and distance panels' data steps
 *   instpanel.c    the instruments panel's data step
 *   boundary.c     the decision boundary panel
 *   panels.c       the table of panel kinds (each panel points to its row: ui_panel.kind)
 *   svg.c          a panel as an SVG figure, from the same data step, ranges and ticks
 *   report.c       figures as files: export svg and report (cmd_figure_ops), for the
 *                  screen and for batch mode
 *   prompt.c       the readline bridge and the keys, which request (u->want); an entered
 *                  line goes to the callback given to ui_prompt_init
 *   help.c         the help (in the overlay): the keys (prompt.c) and the commands; the
 *                  function-key bar
 *   frame.c        the frame: what re-renders, then one copy to the terminal
 *   tui.c          the loop: input, lab messages, requests, frames
 * (batch.c, the headless printer, uses none of them but report.c's figures.)
 *
 * Everything declared here runs on the UI thread only; it is the one thread that calls
 * curses or readline. */
#ifndef GGLAB_UI_TUI_H
#define GGLAB_UI_TUI_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdint.h>

#include "gglab/ui.h"
#include "plot.h"

/* ---- theme: code names roles, a table maps them to attributes per scheme -------------- */
typedef enum {
	ROLE_TEXT, ROLE_DIM, ROLE_TITLE, ROLE_AXIS, ROLE_LABEL,
	ROLE_TRAIN, ROLE_TRAIN_RAW, ROLE_TEST, ROLE_TEST_RAW, ROLE_BATCH,
	ROLE_GAP, ROLE_GAP_RAW, ROLE_DIST, ROLE_FIT, ROLE_FIT2,
	ROLE_INST0, ROLE_INST1, ROLE_INST2, ROLE_INST3,
	/* one colour per overlaid run (up to UI_MAXRUNS): its test/gap curves, and a
	 * quieter variant of the same colour for its train curve */
	ROLE_RUN0, ROLE_RUN1, ROLE_RUN2, ROLE_RUN3, ROLE_RUN4, ROLE_RUN5, ROLE_RUN6, ROLE_RUN7,
	ROLE_RUN0_TR, ROLE_RUN1_TR, ROLE_RUN2_TR, ROLE_RUN3_TR,
	ROLE_RUN4_TR, ROLE_RUN5_TR, ROLE_RUN6_TR, ROLE_RUN7_TR,
	ROLE_INST4, ROLE_INST5, ROLE_ZERO, ROLE_WINDOW,
	ROLE_MARKER, ROLE_MARKER_TEXT, ROLE_BEST,
	ROLE_STATUS, ROLE_STATUS_KEY, ROLE_RUNNING, ROLE_PAUSED, ROLE_DIVERGED, ROLE_IDLE,
	ROLE_INFO, ROLE_ERROR, ROLE_ECHO, ROLE_PROMPT, ROLE_HINT, ROLE_WARN,
	ROLE_CURSOR, /* the cursor's line on the plots */
	ROLE_COUNT
} ui_role;

/* color: 0 selects the monochrome scheme (also chosen when the terminal has no colours). */
void ui_theme_init(int color);
attr_t ui_role_attr(ui_role r);
short ui_role_pair(ui_role r);
/* A curve's stroke (plot.h's PLOT_SOLID, PLOT_DASHED, …): solid in the colour scheme, a
 * pattern per role in the monochrome one. */
unsigned char ui_role_dash(ui_role r);
/* Colours not tied to a role (the decision-boundary heatmap: one pair per combination of
 * class colours). ui_colors() is 0 in the monochrome scheme, else how many colours the
 * terminal has; ui_pair(fg, bg) finds or makes a pair (0 when out of pairs). */
int ui_colors(void);
short ui_pair(short fg, short bg);

static inline void ui_setrole(WINDOW *w, ui_role r)
{
	wattr_set(w, ui_role_attr(r), ui_role_pair(r), NULL);
}

/* ---- the screen's state ---------------------------------------------------------------- */
/* UI_P_BOUNDARY only shows as the main panel of `view boundary`. */
enum { UI_P_LOSS, UI_P_GAP, UI_P_DIST, UI_P_INST, UI_P_BOUNDARY, UI_NKINDS };
#define UI_MAXINST 8
#define UI_MAXRUNS 8   /* runs overlaid in one plot */
#define UI_LOGN 256
#define UI_DEFAULT_EPOCHS 40 /* the default setup trains this long, then pauses */

typedef struct ui_panel_kind ui_panel_kind; /* its row of the table (panel.h) */

typedef struct {
	const ui_panel_kind *kind; /* set for every panel when the screen starts */
	int x, y, w, h;
	WINDOW *win;
	uint64_t key;   /* what the data looked like at the last render (rows, events, runs) */
	unsigned gen;   /* the settings generation it was rendered with */
	int dirty;      /* new window, resize, or forced */
	/* the store's version and the time at the last render: results that arrive late
	 * (series_update, e.g. a background PH dimension) change a row in place, not the key */
	uint64_t version;
	double when;
	int pending;    /* changed data waits for the panel's next allowed render */
	/* The ranges last shown: kept while the data still fits them well, so the picture
	 * does not rescale (and repaint every cell) on every new point. */
	int have_range;
	double x0, x1, y0, y1;
} ui_panel;

/* What key actions and commands ask of the loop (after htop's HandlerResult and tmux's
 * CLIENT_REDRAW): they run inside readline's callbacks, which must not rebuild windows. */
enum {
	UI_WANT_RELAYOUT = 1, /* new windows: the size or the view changed */
	UI_WANT_REDRAW = 2,   /* repaint the terminal from scratch (Ctrl-L) */
	UI_WANT_HELP = 4,     /* open the help in the overlay (F1) */
	UI_WANT_PAUSE = 8,    /* pause or resume the current run (F2) */
	UI_WANT_SUSPEND = 16, /* stop like a job at Ctrl-Z, then redraw everything (Ctrl-Z) */
};

typedef struct ui_pager ui_pager; /* the overlay's text and place (pager.c) */

typedef struct {
	char text[400];
	ui_role role;
} ui_logline;

struct ui {
	ui_lab lab;
	series_store *S;
	int ask_stop; /* attached: `quit` asked whether to stop the lab; the next line answers */
	ui_options opt;
	/* the screen shows more than ASCII: the locale's codeset is UTF-8, there is no --ascii,
	 * and the terminal is not the Linux console (its font has no braille) */
	int utf8;
	int braille;  /* draw plots in braille (as utf8) */

	/* what the screen commands set */
	ui_view view;
	ui_xaxis xaxis;
	int logy;
	double smooth;
	int errors;          /* plot error rates instead of losses */
	long zoom;           /* last N steps; 0 = all */
	int follow;
	long frozen_hi;      /* x end while follow is off */
	int ninst;           /* 0: the instruments panel chooses what to plot */
	unsigned char *hidden; /* [nhidden] by series run id: `run hide` took its curves off */
	int nhidden;
	int cursor;          /* the cursor's line is on the plots (F9, `cursor`) */
	long cursor_step;    /* where: a step of the current run's rows (-1: not yet placed) */
	char inst[UI_MAXINST][32];
	unsigned gen;        /* bumped by every settings change */

	/* geometry and windows */
	int W, H, small;
	ui_panel panels[UI_NKINDS];
	int npanels;
	/* barw: the function-key bar on the last row (not below 80x24); overlayw: the
	 * overlay's window, over everything, while pager is open */
	WINDOW *statusw, *logw, *promptw, *smallw, *barw, *overlayw;
	int status_dirty, bar_dirty;
	char loading[64]; /* "loading Fashion-MNIST 60 %" while a data set loads, else "" */
	uint64_t status_version;

	/* event log */
	ui_logline log[UI_LOGN];
	int log_n, log_head, log_scroll, log_dirty;

	/* the overlay (NULL: closed), and the reply of the command being carried out, whose
	 * lines the lab sends between LAB_MSG_REPLY and LAB_MSG_REPLY_END (NULL: none) */
	ui_pager *pager, *reply;
	int reply_viewer; /* whose command the reply answers (lab_msg.viewer) */
	int overlay_dirty;

	/* loop */
	unsigned want;       /* requests (UI_WANT_*) the loop performs before its next frame */
	int quit, exit_status;
	long frames;
	double last_frame;
	int prompt_hscroll;
};

/* state.c (and the ui_cmd_* of gglab/ui.h; ui_visible_runs and ui_run_name: panel.h) */
void ui_log(struct ui *u, ui_role role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ui_log_scroll(struct ui *u, int dir);
void ui_state_defaults(struct ui *u); /* panels.c: the view at start (u->S set, the rest 0) */
void ui_touch(struct ui *u);     /* settings changed: every panel re-renders */
void ui_zoom_step(struct ui *u, int out);
int ui_latest_step(struct ui *u);
int ui_any_running(struct ui *u);
/* Asks the loop to open the help in the overlay (UI_WANT_HELP: help.c's ui_help_show). */
void ui_help_open(struct ui *u);
/* A command's reply (p is taken): into the event log when it fits there under the command,
 * else into the overlay, with a line in the log saying so. The reply to another screen's
 * command (theirs: who typed it, else NULL) never opens the overlay here: too long for the
 * log, it is one line saying so. */
void ui_reply(struct ui *u, ui_pager *p, const char *theirs);

/* prompt.c: on_entered gets each line entered (not blank, already in the history). */
typedef void (*ui_line_fn)(struct ui *u, const char *line);
int ui_prompt_init(struct ui *u, ui_line_fn on_entered, char *err);
void ui_prompt_done(struct ui *u);
void ui_prompt_feed(struct ui *u, int byte);
void ui_prompt_draw(struct ui *u);   /* draws into promptw and wnoutrefresh's it */
void ui_prompt_resize(struct ui *u);
void ui_prompt_clear(struct ui *u);
/* The screen's keys, for the help: row i's label ("F1", "PgUp/PgDn") and what it does
 * (the views' names filled in); -1 past the end. */
int ui_key_help(int i, char *label, size_t llen, char *what, size_t wlen);
/* The keys on the function-key bar, in order: row i's key ("F1") and word ("Help"); -1
 * past the end. */
int ui_key_bar(int i, const char **key, const char **word);

/* text.c: every string shown goes through ui_text_next, which decodes UTF-8 (utf8.c; only
 * ASCII when the locale is not UTF-8: ui_text_init) and gives its width; a byte that does
 * not decode and a control character show as a one-column '?'. */
void ui_text_init(int utf8);
/* On the ASCII screen, rewrites the symbols of gglab's messages in s (at most cap bytes
 * with its NUL) as ASCII: × x, √ sqrt, ± +-, → ->, ...; does nothing on a UTF-8 screen. */
void ui_text_ascii(char *s, size_t cap);
wchar_t ui_text_next(const char *s, size_t len, size_t *i, int *width);
int ui_put_text(WINDOW *w, const char *s, int maxw, ui_role role); /* returns the columns used */
int ui_text_width(const char *s);
void ui_put_cell(WINDOW *w, const char *s, short fg, short bg, attr_t attr); /* one cell, own colours */
void ui_fill_row(WINDOW *w, int y, int x0, int x1, ui_role role);
int ui_wrapped_rows(const char *s, int W); /* rows s takes wrapped to W (continuations indented 2) */
void ui_put_wrapped(WINDOW *w, int y, int rows_skip, int rows_max, const char *s, int W, ui_role role);
/* The rows s wraps into at width W with continuation rows indented by indent: how many,
 * and (up to max of them) each row's bytes [start, end) of s. */
int ui_wrap_ranges(const char *s, int W, int indent, size_t *start, size_t *end, int max);

/* pager.c: the overlay. A pager is built (new, add) and then opened, which shows it over
 * the screen until a key closes it; only one is open at a time (opening replaces it). */
ui_pager *ui_pager_new(const char *title);
void ui_pager_add(ui_pager *p, ui_role role, int indent, const char *text);
int ui_pager_lines(const ui_pager *p);
const char *ui_pager_title(const ui_pager *p);
const char *ui_pager_text(const ui_pager *p, int i, ui_role *role);
void ui_pager_free(ui_pager *p);
void ui_pager_open(struct ui *u, ui_pager *p);
void ui_pager_close(struct ui *u);
void ui_pager_window(struct ui *u); /* (again) after the windows were made anew */
void ui_pager_key(struct ui *u, int key);
void ui_pager_draw(struct ui *u);
/* The overlay's keys for the help (ui_key_help lists them after the screen's). */
int ui_pager_key_help(int i, char *label, size_t llen, char *what, size_t wlen);
void ui_fmt_count(double v, char *buf, size_t len); /* 1234 → "1234", 12345 → "12.3k" */

/* layout.c (the views' names: gglab/ui.h) */
void ui_layout(struct ui *u);        /* fills panels[] / windows from W, H and view */
int ui_layout_shows(const struct ui *u, int kind); /* the layout of W, H and view places it */
int ui_view_panel(ui_view v);        /* the panel a view shows large (UI_P_*) */
void ui_free_windows(struct ui *u);

/* frame.c */
void ui_draw_frame(struct ui *u);    /* renders what changed, copies it all to the terminal */

/* readout.c: the cursor (F9, `cursor`; arrows on an empty line move it) and its readout,
 * drawn where the log is while the cursor is on (the newest log rows below it) */
void ui_cursor_toggle(struct ui *u);
void ui_cursor_move(struct ui *u, int cols); /* ±columns of the main plot; ±1e6: the ends */
void ui_draw_readout(struct ui *u);

/* status.c, eventlog.c */
void ui_draw_status(struct ui *u);
void ui_draw_log(struct ui *u);

/* panels.c: points each panel to its row of the table of kinds */
void ui_panels_init(struct ui *u);

/* help.c: the loop opens the help (ui_help_show) when ui_help_open asked for it; the keys'
 * lines and the bar come from the key table (prompt.c). */
void ui_help_show(struct ui *u);
void ui_draw_bar(struct ui *u);

#endif
