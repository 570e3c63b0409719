/* ui.h — the two faces of gglab: the terminal screen (tui.c and friends, the only code
 * that touches curses or readline) and the plain line printer that replaces it in batch
 * mode. Both run on the main thread, feed commands to the lab and read its messages. */
#ifndef GGLAB_UI_H
#define GGLAB_UI_H

#include <stddef.h>
#include <stdio.h>

#include "gglab/cmd.h"
#include "gglab/lab.h"

typedef struct {
	int fps;        /* frames per second, at most (--fps, default 10) */
	int ascii;      /* force the ASCII canvas (--ascii) */
	int color;      /* 0 with --no-color or NO_COLOR */
	long frames;    /* exit after this many frames (--frames, for tests); 0 = never */
	int idle;       /* start nothing (a resumed session or a view of finished files) */
	const char *note; /* the first line of the event log when idle */
	const char *notice; /* a line for the event log at start (an autosave to resume), or NULL */
	const char *listen; /* the socket the lab serves (--listen), said at start; or NULL */
} ui_options;

struct ui;

/* What the screen needs of a lab: the one in this process (ui_local_lab), or one that runs
 * elsewhere (gglab attach: src/remote mirrors its series store here and sends it the
 * commands). Every function is called on the UI thread. */
typedef struct {
	void *self;
	series_store *(*series)(void *self);
	void (*submit)(void *self, cmd_list *cmds, int script); /* as lab_submit */
	int (*wake_fd)(void *self);
	int (*next_msg)(void *self, lab_msg *m);
	/* SIGHUP, SIGTERM: keep everything (lab_autosave); NULL for a lab elsewhere */
	int (*autosave)(void *self, char *path, size_t len, char *err);
	/* a lab elsewhere: q and F10 detach; `quit` asks, then stop() ends the lab itself */
	void (*stop)(void *self);
	int viewer; /* what the lab calls this screen in its messages: 0 its own, N viewer N */
} ui_lab;
ui_lab ui_local_lab(lab *L);

/* The screen: runs until quit. script (from -x) runs inside it, or, when it is empty, the
 * default setup starts training at once. Returns the exit status (2 when the terminal
 * cannot be used, e.g. an unknown TERM). */
int ui_tui(const ui_lab *ul, cmd_list *script, const ui_options *o);
/* 0 if TERM names a terminal the screen can drive; else -1 with why (and what to do). */
int ui_check_terminal(char *err, size_t len);

/* Adds the screen's commands to the command table (cmd_table_add): called once at
 * start-up, before anything is parsed, whatever the mode. */
void ui_commands_register(void);

/* Screen commands (CMD_UI), called on the UI thread by the command table's exec
 * functions after they have validated their arguments. Each returns 0 or -1 with err. */
/* The views, in F3's order: X(ID, name, panel it shows large) for each, SEP between them.
 * The enum, the screen's table of views (src/ui/layout.c) and the `view` command's words
 * (UI_VIEW_WORDS, its usage, completion and error) all come from this one list. */
#define UI_VIEWS(X, SEP) \
	X(AUTO, "auto", LOSS) SEP X(LOSS, "loss", LOSS) SEP X(GAP, "gap", GAP) SEP \
	X(DIST, "dist", DIST) SEP X(INST, "inst", INST) SEP X(BOUNDARY, "boundary", BOUNDARY)
#define UI_VIEW_ALIASES "instruments=inst" /* other names `view` accepts (alias=view) */
#define UI_VIEW_ENUM_(id, name, panel) UI_VIEW_##id,
#define UI_VIEW_WORD_(id, name, panel) name
#define UI_VIEW_WORDS UI_VIEWS(UI_VIEW_WORD_, " ") /* "auto loss gap dist inst boundary" */
typedef enum { UI_VIEWS(UI_VIEW_ENUM_, ) UI_NVIEWS } ui_view;
/* A view's name (NULL: none); the names joined by sep ("auto, loss, ..."). */
const char *ui_view_name(ui_view v);
void ui_view_names(char *buf, size_t len, const char *sep);
typedef enum { UI_X_STEPS, UI_X_EPOCHS, UI_X_LOGSTEPS } ui_xaxis;
int ui_cmd_view(struct ui *u, ui_view v, char *err);
int ui_cmd_xaxis(struct ui *u, ui_xaxis x, char *err);
int ui_cmd_logy(struct ui *u, int on, char *err);
#define UI_SMOOTH_MAX 0.999 /* the largest EMA weight, for `smooth` and the key alike */
int ui_cmd_smooth(struct ui *u, double alpha, char *err);      /* EMA weight, 0 = off */
int ui_cmd_metric(struct ui *u, int errors, char *err);        /* 0 loss, 1 error rate */
int ui_cmd_zoom(struct ui *u, long last_steps, char *err);     /* 0 = everything */
int ui_cmd_follow(struct ui *u, int on, char *err);
int ui_cmd_plot(struct ui *u, int n, char **names, char *err);   /* instruments panel */
int ui_cmd_help(struct ui *u, const char *command, char *err);
/* The cursor: on 1, off 0, toggle -1; at a step when step ≥ 0 (on the nearest of the
 * current run's evaluations). */
int ui_cmd_cursor(struct ui *u, int on, long step, char *err);
/* `run hide NAME` (shown 0) and `run show NAME` (1): which runs the plots overlay. */
int ui_cmd_run_shown(struct ui *u, const char *name, int shown, char *err);
int ui_cmd_quit(struct ui *u, char *err);

/* export svg and report (src/cmd/files.c), carried out here: by the screen on its thread
 * with its view, by the batch printer with a view of its own (src/ui/report.c). */
extern const cmd_figure_ops ui_figure_ops;
/* Batch mode's view: the screen's defaults over the lab's series, which a script's view
 * commands (CMD_VIEW: view, xaxis, logy, metric, zoom, plot, run hide ...) change as they
 * would change the screen's, for the figures it writes. */
struct ui *ui_view_new(struct lab *L);
void ui_view_free(struct ui *u);

/* Headless: runs the script to its end, printing plain progress lines (at most one per
 * run per second), every message and a final summary on stderr. resumed: the lab holds a
 * resumed script (which may be empty). listening: viewers may attach (--listen); when one
 * takes over from the script, the lab goes on until one stops it. SIGINT, SIGTERM and
 * SIGHUP save a checkpoint and say how to resume. Returns the exit status: 0 done, 1 a
 * command failed at run time or a signal ended the run. */
int ui_batch(lab *L, cmd_list *script, int resumed, int listening);

/* Prints the final per-run summary lines (also used after an interrupted batch run);
 * a twin group's line gives its runs' mean ± spread. Returns how many twin groups never
 * evaluated together (each said as an error). */
int ui_summary(lab *L, FILE *out);

#endif
