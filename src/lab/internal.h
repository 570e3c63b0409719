/* internal.h — the lab's private state and the functions its files share.
 *
 * The files, in an order where each calls only files above it (tests/layers.sh checks
 * that no files call each other in a circle):
 *   messages.c     the message ring and wake pipe to the UI
 *   rows.c         rows and events: to the series store and the --log stream
 *   journal.c      the session journal
 *   instruments.c  NAIS margins, twin agreement, PH dimension (and its worker thread)
 *   settings.c     the table of settings
 *   state.c        a run's fields, listed once (copies, snapshot, checkpoint records)
 *   run.c          one run: data cache, build, step, evaluate, publish, fork, rollback
 *   actions.c      what commands do to the current run
 *   runs.c         the list of runs and the scheduled commands
 *   trainer.c      the trainer thread: its queue, the script, one round
 *   save.c         checkpoints
 *   lab.c          the life cycle: new, start, autosave, free
 *
 * Ownership: everything under "trainer only" is read and written by the trainer thread
 * alone; the fields under `mu` are the hand-off points with the UI thread. */
#ifndef GGLAB_LAB_INTERNAL_H
#define GGLAB_LAB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <zlib.h>

#include "gglab/lab.h"
#include "gglab/util.h"

/* A loaded data set, shared by the runs that train on it. */
typedef struct lab_dataref {
	data_set *ds;
	int refs;
	unsigned long digest; /* CRC-32 of its examples and labels (save.c), once has_digest */
	int has_digest;
	struct lab_dataref *next;
} lab_dataref;

enum { GOAL_NONE, GOAL_STEPS, GOAL_EPOCHS };

/* The metric columns every evaluation fills, in order. */
enum {
	COL_EPOCH, COL_LR, COL_LR_BASE, COL_BS, COL_BATCH_LOSS, COL_TRAIN_LOSS, COL_TRAIN_ERR,
	COL_TEST_LOSS, COL_TEST_ERR, COL_GAP_LOSS, COL_GAP_ERR, COL_DIST, COL_WNORM,
	COL_GRAD_NORM, COL_MOMENTUM, COL_WD, COL_CLIP, NCOLS
};
extern const char *const lab_col_names[NCOLS];

typedef struct run {
	char name[32];
	int sid;         /* its id in the series store */
	uint64_t seed;
	/* configuration: what the run is, and what `set` changes */
	data_spec dspec;
	nn_config mcfg;
	nn_opt_config ocfg;
	nn_schedule sched;
	int bs;
	int eval_every;  /* 0: automatic (≤ ~15 % of training compute) */
	/* the large-batch recipe (Hoffer et al. 2017); base_bs 0 turns scaling off */
	int base_bs;     /* the batch size the lr and the schedule were tuned for */
	double lr_scale; /* lr × (bs/base)^lr_scale: 0.5 square-root scaling, 1 linear */
	int regime;      /* 1: drop epochs and `train N epochs` × bs/base (regime adaptation) */
	/* state, valid once built */
	int built;
	lab_dataref *data;
	nn_model *model;
	nn_model *eval_copy; /* a copy of model for the second half of an evaluation split over
			      * the workers (run_eval), made at the first; freed with the model */
	float *w0;       /* [nparams] the parameters at step 0 */
	nn_opt opt;
	data_cursor cur;
	float *xb;       /* [bs][dim] the current minibatch */
	uint8_t *yb;     /* [bs] */
	data_pick *picks; /* [bs] the minibatch's examples, when its copy is split */
	int xb_cap;      /* rows xb, yb and picks hold */
	long step;
	run_state state;
	int goal_kind;
	double goal;     /* step or epoch at which training stops */
	double loss_sum; /* minibatch losses since the last evaluation */
	long loss_n;
	long last_eval;  /* step of the last evaluation */
	float grad_norm; /* at the last step */
	double lr_now;
	long rescales;   /* steps on which the NAIS projection rescaled */
	float step_loss; /* the last step's minibatch loss (run_step_compute → finish) */
	int step_rescaled;
	double rate_t0;  /* steps/s over a sliding interval */
	long rate_s0;
	double rate;
	double pub_t;    /* when status was last published */
	int part, parts; /* trains on the part-th of `parts` disjoint training subsets */
	int twin_group;  /* > 0: made by the twin command with this group number */
	long fit_from, fit_to; /* the `fit` window in steps (0, 0: everything) */
	double grid_t;   /* when the decision-boundary grid was last published */
	float nais_tol;  /* pattern-dependent depth at evaluation: 0 off */
	int nais_kmax;   /* stages to unroll at most when probing (0: the training depth) */
	void *ph;        /* phdim_ring *: the last iterates, when the PH dimension is on */
	int ph_stride;   /* push every this many steps */
	int ph_every;    /* estimate every this many evaluations (0: only on demand) */
	int ph_m;        /* loss-vector variant: examples per point */
	long ph_evals;
	struct run *snap; /* state at the last good evaluation, for rollback (built runs) */
} run;

/* A command scheduled by `at` or `every` on a run. */
typedef struct {
	run *r;
	long step;       /* fires when the run reaches this step */
	long every;      /* > 0: then again every this many steps */
	cmd_call call;
} lab_sched;

/* Below this many floating-point operations, handing runs or evaluations to the workers
 * costs more than it saves (a wake-up from sleep is some microseconds). */
#define POOL_MIN_FLOPS 2e6

struct lab {
	lab_options opt;
	series_store *series;
	pthread_t thread;
	int started;

	pthread_mutex_t mu;     /* guards the fields down to `tap_arg` */
	pthread_cond_t cv;
	cmd_list inq;           /* interactive commands, applied at the next step boundary */
	cmd_list inscript;      /* script commands not yet taken by the trainer */
	int stop;
	lab_msg *msgs;          /* ring of messages for the UI */
	int msg_head, msg_n, msg_cap;
	int pipe[2];            /* self-pipe: one byte per message, the UI polls pipe[0] */
	void (*tap)(void *arg, const lab_msg *m); /* lab_set_tap */
	void *tap_arg;

	/* trainer only */
	nn_team *team;          /* the workers (--workers), started with the trainer thread:
				 * runs side by side, evaluations, a lone run's step */
	nn_pick pick;           /* a lone run's step alone or on the team, measured */
	int pick_bs;            /* the batch size it was measured at */
	int cores;              /* online processors */
	int blas_threads;       /* OpenBLAS's thread count now (--threads auto changes it) */
	run **todo;             /* [todo_cap] the runs a round steps */
	int todo_cap;
	run **runs;
	int nruns, cur;
	lab_dataref *datas;
	cmd_list script;        /* the script being run */
	int script_pos;
	int script_wait;        /* a `train` in the script holds the rest */
	int script_synced;      /* the script is a journal: its syncs time it, trains never hold it */
	gzFile log;
	size_t log_bytes;       /* the log's lines so far, uncompressed (a checkpoint records it) */
	unsigned char *resume_log; /* a resumed checkpoint's "log" record, for lab_log_resume */
	size_t resume_log_n;
	unsigned char *log_hdr; /* [series] the log has written its header line */
	int log_nhdr;
	FILE *journal;
	char *journal_path;     /* the file the journal went to (journal_open chose it) */
	char *jsync;            /* the last "sync ..." written to the journal */
	lab_sched *sched;
	int nsched;
	int twin_groups;
	int *twin_sid;          /* [group] the series of a twin group's agreement */
	long *twin_last;        /* [group] the step of its last row */
	/* the PH dimension worker (started on first use) */
	pthread_t ph_thread;
	int ph_started, ph_busy, ph_stop;
	atomic_int ph_cancel;   /* set by quit, a signal, the end: estimates stop, waits end */
	pthread_mutex_t ph_mu;
	pthread_cond_t ph_cv;
	struct ph_job *ph_todo, *ph_done;
	struct ph_job *ph_running; /* under ph_mu: the one the worker is making */
	struct ph_job *ph_saved;   /* trainer: read from a checkpoint, queued at the next round */
	int ph_ready;           /* under mu: results are waiting for the trainer */
	int cols[NCOLS];
	char write_err[GG_ERRLEN]; /* the first failed write of --log or the journal */
};

/* One evaluation's values, by column, gathered before they are appended together; as
 * many columns as the model has layers to measure. Starts as { 0 }; lab_row_free after. */
typedef struct {
	int n, cap;
	int *col;
	double *v;
} lab_row;
/* Sets a value by column name (registering the column on first use). */
void lab_row_set(lab *L, lab_row *row, const char *name, double v);
void lab_row_free(lab_row *row);

/* rows.c */
int lab_log_open(lab *L, const char *path, char *err);
/* Closes the log; -1 (said) when its last data could not be written. */
int lab_log_close(lab *L);
/* Appends a row to series sid (a run's, or a twin group's) and to the --log stream; a row
 * at the step of the series' last row fills that one in (the log has both lines, which a
 * reader merges by step). */
void lab_emit_row(lab *L, int sid, long step, const lab_row *row);
/* Logs two late values (k2 NULL: one) for a row already appended (a background result). */
void lab_log_values(lab *L, int sid, long step, const char *k1, double v1, const char *k2,
		    double v2);
/* Logs everything series sid holds now (a fork's copy of its source, a loaded run). */
void lab_log_series(lab *L, int sid);
/* Series sid was cleared (a restart) or cut back (a rollback): its next --log line is a
 * fresh description, whose final_step tells a reader (--view) where the series now ends. */
void lab_log_cut(lab *L, int sid);
/* Every run's and twin group's series, whole (after a load). */
void lab_log_loaded(lab *L);
/* Into a checkpoint: the log's real path, its length so far and the series whose header
 * it has written (nothing without a log). */
void lab_log_save(lab *L, gg_buf *b);
/* An event of series sid: into the store (series_mark) and the --log stream. */
void lab_mark(lab *L, int sid, long step, int kind, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* messages.c */
/* A write to path failed ("writing the log", errno): said as an error, and the first one
 * kept for the exit status (lab_close_files). */
void lab_write_failed(lab *L, const char *path, const char *what, int errnum);
int lab_msgs_open(lab *L, char *err);
void lab_msgs_close(lab *L);
void lab_post(lab *L, lab_msg_kind kind, int rid, long step, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static inline run *lab_current(lab *L)
{
	return L->nruns ? L->runs[L->cur] : NULL;
}

/* The current run, or NULL with "no run: WHAT needs one …" in err. */
static inline run *lab_need_run(lab *L, const char *what, char *err)
{
	if (!L->nruns)
		gg_fail(err, "no run: %s needs one; make one with 'run new NAME' (or 'load FILE')", what);
	return lab_current(L);
}

static inline double run_epoch(const run *r)
{
	return r->built ? (double)r->cur.epoch + (double)r->cur.pos / r->cur.n : 0.0;
}

/* instruments.c */
void inst_nais(lab *L, run *r, lab_row *row);
int inst_twin_series(lab *L, int group);
void inst_twins(lab *L);
void inst_phdim_step(lab *L, run *r);
void inst_phdim_eval(lab *L, run *r);
/* Whether an estimate can be asked for now (on, with enough iterates); then _now queues
 * it for the row of the run's last evaluation. */
int inst_phdim_check(run *r, char *err);
int inst_phdim_now(lab *L, run *r, char *err);
int inst_phdim_on(lab *L, run *r, int n, int k, int stride, int every, int loss, int m, char *err);
void inst_phdim_off(run *r);
void inst_phdim_collect(lab *L);
void inst_phdim_wait(lab *L);
/* Any thread: the running estimate stops within a few milliseconds, queued ones are not
 * made, and the trainer stops waiting for them (before the trainer is joined). */
void inst_phdim_cancel(lab *L);
void inst_free(lab *L);
void inst_phdim_save(run *r, gg_buf *b);
int inst_phdim_load(run *r, gg_reader *rd, char *err);
/* The estimates asked for and not yet collected (queued, running, cancelled by a signal,
 * finished) go into a checkpoint ("phjobs": each with its run and its points) and come
 * back from it: _load reads and checks them (run indices < nruns), _adopt gives them
 * their runs once the load is swapped in, and the trainer queues them (_queue, at each
 * round), so a resumed session makes every estimate the interrupted one asked for. */
void inst_phjobs_save(lab *L, gg_buf *b);
int inst_phjobs_load(const gg_reader *top, int nruns, struct ph_job **out, char *err);
void inst_phjobs_adopt(lab *L, struct ph_job *jobs);
void inst_phjobs_queue(lab *L);
void inst_phjobs_list(lab *L, FILE *out);

/* run.c */
run *run_new(lab *L, const char *name, uint64_t seed);
run *run_fork(lab *L, const run *src, const char *name);
void run_snapshot(run *r);
int run_rollback(lab *L, run *r, char *err);
void run_free(lab *L, run *r);
/* Whether a model of this (checked) configuration fits in memory (gg_mem_limit) with
 * batches of bs, before it is built; -1 with the size named. */
int run_check_memory(const nn_config *c, int bs, char *err);
int run_build(lab *L, run *r, char *err);
/* What a model takes from its data set: inputs, classes and image shape (0 when none). */
void run_model_shape(nn_config *c, const data_set *ds);
void run_unbuild(lab *L, run *r);
void run_step(lab *L, run *r); /* run_step_compute then run_step_finish */
void run_step_compute(run *r, nn_team *team); /* team: split the step (NULL: one thread) */
void run_step_finish(lab *L, run *r);
void run_evaluate(lab *L, run *r);
/* nn_model_eval of the run's model on x[n] with labels y, the loss sum and the errors added
 * to *loss and *nerr, split over the workers when they are free (the lab's BLAS on one
 * thread) and it is worth it; the same bits either way (nn_model_eval_rows). */
void run_eval(lab *L, run *r, const float *x, const uint8_t *y, int n, int stages, double *loss,
	      long *nerr);
void run_publish(lab *L, run *r);
int run_eval_interval(const run *r);
int run_geometric_step(long step);
double run_lr(const run *r);
/* The lr a run uses now, and where the recipe scales it, how: "0.4 (base 0.1 × √(1024/64))". */
void run_lr_text(const run *r, char *buf, size_t len);
double run_regime_factor(const run *r);
lab_dataref *lab_dataref_get(lab *L, const data_spec *spec, char *err);
void lab_dataref_put(lab *L, lab_dataref *d);

/* settings.c: a value's range and type, then what the run knows (lab_setting.check; not
 * with r NULL) */
int lab_setting_check(const lab_setting *s, const run *r, double v, char *err);
void lab_settings_copy(run *dst, const run *src); /* every setting; same optimizer kind */
void lab_settings_apply(run *r);                  /* every setting's apply hook */

/* state.c: the run's fields listed once (configuration, status, trained state) */
void run_copy_config(run *dst, const run *src);
void run_copy_status(run *dst, const run *src);
/* dst (not built, or built with run_state_fits) gets src's trained state. */
void run_copy_state(run *dst, const run *src);
int run_state_fits(const run *dst, const run *src);
void run_put_config(gg_buf *b, const run *r);
int run_get_config(const gg_reader *rd, run *r, char *err);
void run_put_status(gg_buf *b, const run *r);
int run_get_status(const gg_reader *rd, run *r, char *err);
void run_put_state(gg_buf *b, const run *r);
/* Builds r's model, optimizer and data position (r has its configuration and data), then
 * fills them from the records of rd. */
int run_get_state(const gg_reader *rd, run *r, char *err);
void run_describe_config(const run *r, char *buf, size_t len);

/* runs.c */
run *lab_find_run(lab *L, const char *name);

/* journal.c */
/* unique: the path is a suggestion, made unique when taken (else refused when taken) */
int journal_open(lab *L, const char *path, int unique, char *err);
/* The session began from the checkpoint at path (--resume): the journal loads it first. */
void journal_load(lab *L, const char *sync, const char *path);
void journal_command(lab *L, const char *sync, const cmd_call *c);
/* Frees every call of a list (through the command layer's ops) and empties it. */
void lab_calls_free(lab *L, cmd_list *l);
int journal_close(lab *L); /* -1 (said) when the end could not be written */
char *journal_sync_text(lab *L); /* "sync r1=1200 …", allocated */
/* A comment line in the journal (what the lab decided by itself, e.g. its thread count). */
void journal_note(lab *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* trainer.c */
void *lab_trainer_main(void *arg);
/* One round at a step boundary, the trainer thread's and the tests' (tests/labtest.h):
 * the PH worker's results, the commands scheduled at these steps (each on its own run),
 * the script's next commands, one step of every RUNNING run in order, then the twin
 * groups' agreement. Returns 1 if a run stepped. */
int lab_round(lab *L);

#endif
