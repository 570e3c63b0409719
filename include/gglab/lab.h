/* lab.h — the lab: every run, and the trainer thread that owns them.
 *
 * Two halves. The first is used by the UI thread (or the batch printer): create the lab,
 * start its thread, hand it parsed commands, read its messages. The second is called only
 * on the trainer thread, by the command execs in src/cmd (by family): it is the
 * one place run state changes, always between two optimizer steps.
 *
 * Commands arrive through a mutex + condition-variable queue, drained at step boundaries.
 * Interactive commands apply at the next boundary; a script's commands apply in order, and
 * a `train` in a script holds the rest of it until training stops. Runs are stepped in a
 * fixed round-robin, so the numbers never depend on timing. Messages (acknowledgements,
 * errors, progress) come back through a queue whose self-pipe the UI polls. */
#ifndef GGLAB_LAB_H
#define GGLAB_LAB_H

#include <stdint.h>
#include <stdio.h>

#include "gglab/cmd.h"
#include "gglab/data.h"
#include "gglab/nn.h"
#include "gglab/series.h"

typedef struct lab lab;

/* What the lab needs of the command layer, given to it (cmd_lab_ops from src/cmd): the lab
 * holds parsed calls and has them carried out, but never parses or calls up itself. */
typedef struct lab_cmd_ops {
	/* carries out a call on the trainer thread (script: from a script, not the prompt) */
	int (*exec)(lab *L, const cmd_call *c, int script, char *err);
	/* parses the canonical text of one call (a checkpoint's scheduled or script command) */
	int (*parse)(const char *text, const char *where, cmd_call *out, char *err);
	void (*copy)(cmd_call *dst, const cmd_call *src);
	void (*free)(cmd_call *c);
} lab_cmd_ops;

typedef struct {
	uint64_t seed;        /* default run seed (--seed) */
	int threads;          /* BLAS threads (--threads); 0 = all cores */
	int workers;          /* runs stepped side by side (--workers): one per core when 0 */
	const char *log_path; /* --log FILE.jsonl.gz, or NULL */
	const char *journal_path; /* --journal FILE, or NULL for none (never overwritten) */
	int journal_unique;   /* journal_path is a suggestion: taken, it becomes PATH-2.gg … */
	int batch;            /* headless: report progress lines, reject unbounded train */
	const char *listen_path; /* the socket it serves (--listen), for the journal's header */
	const lab_cmd_ops *ops; /* how calls are carried out, copied, freed (required) */
} lab_options;

typedef enum {
	LAB_MSG_INFO,     /* a result to show: "lr 0.1 → 0.2 @ step 1200" */
	LAB_MSG_ERROR,    /* a command failed; nothing changed */
	LAB_MSG_PROGRESS, /* an evaluation happened (batch mode prints these, throttled) */
	LAB_MSG_UICMD,    /* a script reached a screen command; text is the command */
	LAB_MSG_DONE,     /* the script finished and training stopped; LAB_TAKEN_OVER: someone
			   * took over from it (`pause` typed while it ran) */
	LAB_MSG_QUIT,     /* a script said quit */
	LAB_MSG_LOADING,  /* a data set is loading: "loading Fashion-MNIST 60 %"; "" when done */
	LAB_MSG_ECHO,     /* a command an attached viewer sent (src/remote) */
	/* A command typed at a prompt (submitted with script = 0) is carried out between these
	 * two: the INFO and ERROR messages in between are its reply, which the screen whose
	 * command it was shows as one block (a long one in its overlay). text: the command as
	 * typed; viewer: whose prompt it came from. */
	LAB_MSG_REPLY,
	LAB_MSG_REPLY_END, /* the last kind (src/remote/proto.c checks what it receives) */
} lab_msg_kind;

#define LAB_TAKEN_OVER "script taken over"
typedef struct {
	lab_msg_kind kind;
	int run;
	long step;
	int viewer; /* ECHO, REPLY, REPLY_END: whose command (0: the lab's own prompt, N: the
		     * attached viewer N); 0 for the rest */
	char text[400];
} lab_msg;

/* A lab with no runs (what `--view` shows is only its series store). A command that
 * needs a run says so. */
lab *lab_new(const lab_options *o, char *err);
/* Before lab_start: adds the first run, r1, with the default setup and the options' seed,
 * as the current run. */
void lab_first_run(lab *L);
int lab_start(lab *L, char *err);
/* Stops the trainer and closes the journal and the --log stream; -1 with the first
 * failed write of either during the session (each was said when it happened). */
int lab_close_files(lab *L, char *err);
/* Stops the trainer at the next step boundary, joins it, frees everything. */
void lab_free(lab *L);
/* Stops the trainer (at a step boundary) and writes a checkpoint of everything to a new
 * file in the state directory, whose name goes to path. For SIGHUP/SIGTERM: afterwards
 * only lab_free is left to do. */
int lab_autosave(lab *L, char *path, size_t len, char *err);

/* Before lab_start: replaces the runs by a checkpoint's, with the rest of its script
 * (--resume). *headless tells whether the saving session was headless. */
int lab_resume(lab *L, const char *path, int *headless, char *err);
/* After lab_resume: opens the --log file path. When it is the log the checkpoint's session
 * was writing (the same real path, holding at least the lines written up to the save),
 * those lines are written again and the log goes on from there: the resumed log is the
 * file an uninterrupted session writes. Another file gets every series whole. */
int lab_log_resume(lab *L, const char *path, char *err);
/* Lists the runs, the scheduled commands and the rest of the script (--check of a
 * checkpoint, after lab_resume: every command has been parsed as a script's). */
void lab_list(lab *L, FILE *out);
/* Commands of a resumed script still to run (before lab_start). */
int lab_script_left(lab *L);

/* Hands over parsed commands (the list is emptied). script = 1: run in order, waiting for
 * training to stop after each `train`; script = 0: apply at the next step boundary. */
void lab_submit(lab *L, cmd_list *cmds, int script);
/* Readable when a message is waiting (poll it with the UI's input). */
int lab_wake_fd(lab *L);
/* Takes the next message; 1 if there was one. */
int lab_next_msg(lab *L, lab_msg *m);
/* Posts a message as the lab's own (any thread), about viewer (0: none): what an attached
 * viewer did. */
void lab_notify(lab *L, lab_msg_kind kind, int viewer, const char *text);
/* Every message posted from now on is also given to fn (NULL: none), on the thread that
 * posts it, with the lab's lock held: fn must only copy it and return (src/remote's server
 * sends them to every viewer). */
void lab_set_tap(lab *L, void (*fn)(void *arg, const lab_msg *m), void *arg);
series_store *lab_series(lab *L);
/* The journal's file (unique names may differ from the one asked for), or NULL. */
const char *lab_journal_path(const lab *L);

/* ---- trainer thread only (called by command implementations) ---------------------- */

/* Settings that `set` changes between steps: one typed table (src/lab/settings.c) of name,
 * type (integer or real), range, help and the accessors for a run. set, show, help set,
 * completion, copying to new runs, checkpoints and the man page's list all read it. */
struct run;
typedef struct {
	const char *name;
	double min, max;
	int integer; /* the type: 1 an integer, 0 a real number */
	const char *help;
	/* trainer thread only */
	double (*get)(const struct run *r);
	/* What only the run knows (its data, its model); NULL: nothing beyond the range. */
	int (*check)(const struct run *r, double v, char *err);
	void (*set)(struct run *r, double v); /* changes the run's configuration */
	/* Makes a built run's live state (model, optimizer) follow its configuration. */
	void (*apply)(struct run *r);
} lab_setting;
extern const lab_setting lab_settings[];
extern const int lab_nsettings;
const lab_setting *lab_setting_find(const char *name);

void lab_say(lab *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* keep: a built run keeps its weights and optimizer (the data must have the same shape). */
int lab_data(lab *L, const data_spec *spec, int keep, char *err);
int lab_model(lab *L, const nn_config *cfg, char *err);
int lab_opt(lab *L, const nn_opt_config *cfg, const nn_schedule *sched, char *err);
/* All-or-nothing: every value is checked against the run (every run, with all) before
 * any is applied. */
int lab_set(lab *L, int all, int n, const char *const *keys, const double *vals, char *err);
/* n ≤ 0: train until paused. epochs: n counts epochs rather than steps. all: every run. */
int lab_train(lab *L, int all, double n, int epochs, char *err);
int lab_pause(lab *L, char *err);
int lab_eval_full(lab *L, int stages, char *err);
int lab_show(lab *L, char *err);
/* One file for all runs: CSV (jsonl 0) or JSON lines (jsonl 1); see store.h. */
int lab_export(lab *L, int jsonl, const char *path, char *err);

/* Runs. Names are 1–31 characters of letters, digits and . _ - */
int lab_run_new(lab *L, const char *name, int has_seed, uint64_t seed, char *err);
int lab_run_use(lab *L, const char *name, char *err);
int lab_run_drop(lab *L, const char *name, char *err);
int lab_run_list(lab *L, char *err);
int lab_fork(lab *L, const char *name, char *err); /* name NULL: <current>.f<k> */
/* K runs like the current one, differing in seed (seed0.., 0: fresh ones) and named
 * PREFIX.1.. (NULL: tG.1..); the first becomes current, and `train` trains the group. */
int lab_twin(lab *L, int k, int sets, uint64_t seed0, const char *prefix, char *err);
int lab_rollback(lab *L, char *err);
/* Schedules call on the current run at an absolute step (every > 0: and then every
 * `every` steps). */
int lab_schedule(lab *L, long step, long every, const cmd_call *call, char *err);
int lab_save(lab *L, const char *path, char *err);
int lab_load(lab *L, const char *path, char *err);
int lab_check_run_name(const char *name, char *err);
/* ghost > 0: ghost batches of that size; 0: base, unless the model was given a size. */
int lab_recipe(lab *L, int base, int ghost, char *err);
int lab_fit(lab *L, long from, long to, char *err);
int lab_margins(lab *L, char *err);
/* on 1: start keeping iterates (n points, projected to k, every stride steps, estimate every
 * `every` evaluations; loss: the L1 loss-vector variant on m examples); -1: off; 0: now. */
int lab_phdim(lab *L, int on, int n, int k, int stride, int every, int loss, int m, char *err);

#endif
