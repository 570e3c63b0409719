/* series.h — the per-run series store: what the trainer measured, for anyone to read.
 *
 * The trainer is the only writer: it registers runs and metric columns, appends one row
 * per evaluation (step plus a value per column, NaN where a metric was not computed) and
 * event markers (series_mark: "lr 0.1→0.2 @ step 1200"), and publishes a small per-run status (step,
 * state, rate) every step. Readers — the screen, the batch printer, exporters — copy what
 * they need under the store's lock and never hold it while drawing. A version counter that
 * every write bumps lets a reader skip work when nothing changed.
 *
 * Columns are shared by all runs (a run that lacks a metric has NaN there), so an export
 * can write one table for all runs with the same header. */
#ifndef GGLAB_SERIES_H
#define GGLAB_SERIES_H

#include <stddef.h>
#include <stdint.h>

typedef struct series_store series_store;

typedef enum { RUN_IDLE, RUN_RUNNING, RUN_PAUSED, RUN_DIVERGED, RUN_DONE } run_state;
const char *series_state_name(run_state s); /* "IDLE", "RUNNING", … */

/* Published every step; a reader's snapshot of where a run is. */
typedef struct {
	char name[32];
	char model[96]; /* nn_config_describe */
	char data[96];  /* short data description */
	char opt[64];
	run_state state;
	long step;
	double epoch;
	double lr;
	char lr_text[96]; /* the lr and, where the recipe scales it, how: "0.4 (base 0.1 × √(1024/64))" */
	int bs;
	int n_eval;     /* examples in each evaluation subset (the train and test metrics) */
	int n_train, n_test; /* the full sets (`eval`: the full_ columns) */
	int n_heldout;  /* an agreement series: the held-out points of its disagreement and error */
	double steps_per_s;
	long goal;      /* step the current train goal ends at; -1 none (train until paused) */
	int dropped;    /* the run was dropped; kept for its series */
	long fit_from, fit_to; /* the `fit` window for d ≈ a + b·ln t, in steps; 0, 0 = all */
	int twin_group; /* > 0 for runs made by `twin`; a group's agreement run has it too */
	int agreement;  /* 1 for a twin group's agreement series (not a trained run) */
} series_status;

/* The decision boundary of a run on a 2-D data set: the predicted class on a grid over
 * the plane, and a sample of training points, refreshed at evaluations. */
#define SERIES_GRID_MAX 200
#define SERIES_POINTS_MAX 400
typedef struct {
	int w, h;                 /* grid cells; 0 when there is none */
	double x0, x1, y0, y1;    /* the plane the grid covers (x left→right, y bottom→top) */
	unsigned char cls[SERIES_GRID_MAX * SERIES_GRID_MAX]; /* [h][w], row 0 at the top */
	int npoints;
	float px[SERIES_POINTS_MAX], py[SERIES_POINTS_MAX];
	unsigned char pcls[SERIES_POINTS_MAX]; /* training labels */
	long step;
} series_grid;

typedef struct {
	long step;
	int kind;       /* SERIES_EV_* */
	char text[120];
} series_event;

enum { SERIES_EV_SET = 1, SERIES_EV_INFO, SERIES_EV_DIVERGED, SERIES_EV_EVAL };

series_store *series_new(void);
void series_free(series_store *s);

/* -- writer (trainer thread) -- */
int series_add_run(series_store *s, const char *name);       /* returns the run id */
int series_col(series_store *s, const char *name);           /* find or add a column */
void series_clear_run(series_store *s, int run);             /* rows and events */
void series_copy_run(series_store *s, int from, int to);     /* to's rows and events := from's */
/* Drops rows and events after `step` (a rollback). */
void series_truncate(series_store *s, int run, long step);
/* Keeps the first `rows` rows and `events` events of a run (a mirror, gglab attach,
 * replacing what changed at the lab). */
void series_cut(series_store *s, int run, size_t rows, size_t events);
/* Appends a row: vals[ncols] as the columns stood when the caller looked them up; columns
 * added later read NaN for this row. */
void series_append(series_store *s, int run, long step, const double *vals, int nvals);
/* Sets one value in the run's row for `step` (a result that arrived later, e.g. a PH
 * dimension computed in the background); -1 when the run has no row for that step. */
int series_update(series_store *s, int run, long step, int col, double v);
void series_mark(series_store *s, int run, long step, int kind, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void series_set_status(series_store *s, int run, const series_status *st);
void series_set_current(series_store *s, int run); /* the run `set` and the status line refer to */
void series_set_grid(series_store *s, int run, const series_grid *g);

/* Checkpoints: one run's rows (columns by name) and events; load appends to an empty run
 * and returns -1 when the data is malformed. */
void series_save_run(series_store *s, int run, void *gg_buf);
int series_load_run(series_store *s, int run, void *gg_reader);

/* -- readers (any thread) -- */
uint64_t series_version(series_store *s);
int series_nruns(series_store *s);
int series_ncols(series_store *s);
/* Copies a column's name into buf; returns -1 if col is out of range. */
int series_colname(series_store *s, int col, char *buf, size_t len);
int series_find_col(series_store *s, const char *name); /* -1 when absent */
size_t series_nrows(series_store *s, int run);
/* Copies rows [from, from+max) of one column: steps[] and vals[] (either may be NULL;
 * with vals NULL, only the run's steps, whatever col). Returns the number copied. */
size_t series_read(series_store *s, int run, int col, size_t from, size_t max,
		   long *steps, double *vals);
/* Copies the latest value of a column, from the last row that has one (rows between
 * evaluations leave the loss columns empty); NaN and -1 if none. Returns its step. */
long series_last(series_store *s, int run, int col, double *val);
size_t series_nevents(series_store *s, int run);
size_t series_read_events(series_store *s, int run, size_t from, size_t max, series_event *out);
void series_get_status(series_store *s, int run, series_status *out);
int series_current(series_store *s);
/* Copies a run's decision-boundary grid; 0 if it has one, -1 if not. */
int series_get_grid(series_store *s, int run, series_grid *out);
/* For a reader that keeps a copy (a mirror, src/remote): which rows and events of a run
 * changed in place (a late result, a rollback, a fork's copy) after store version `since`:
 * from *row and *ev on they may differ from what it copied; SIZE_MAX when none did (rows
 * and events added at the end are not changes: the reader knows how many it has). */
void series_changed_since(series_store *s, int run, uint64_t since, size_t *row, size_t *ev);

#endif
