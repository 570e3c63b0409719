/* runs.c — the lab's list of runs: making them (the first run, run new, fork, twin), choosing the
 * current one, dropping and listing them, rolling one back, and the commands scheduled on
 * them (at, every). Trainer thread only; each function changes nothing when it fails. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/util.h"
#include "internal.h"

run *lab_find_run(lab *L, const char *name)
{
	for (int i = 0; i < L->nruns; i++)
		if (!strcmp(L->runs[i]->name, name))
			return L->runs[i];
	return NULL;
}

int lab_check_run_name(const char *name, char *err)
{
	size_t n = strlen(name);
	if (n == 0 || n > 31 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789._-") != n)
		return gg_fail(err, "'%s' is not a run name: use 1 to 31 letters, digits, '.', '_' or '-'",
			       name);
	return 0;
}

static uint64_t next_seed(lab *L)
{
	uint64_t s = 0;
	for (int i = 0; i < L->nruns; i++)
		if (L->runs[i]->seed > s)
			s = L->runs[i]->seed;
	return s + 1;
}

static void add_run(lab *L, run *r)
{
	L->runs = gg_xrealloc(L->runs, (size_t)(L->nruns + 1) * sizeof *L->runs);
	L->runs[L->nruns++] = r;
	run_publish(L, r);
}

static void use_run(lab *L, int i)
{
	L->cur = i;
	series_set_current(L->series, L->runs[i]->sid);
}

/* A new run of the current configuration (same data, model, optimizer and settings), or
 * without one of the default setup. */
static run *new_like(lab *L, const run *tmpl, const char *name, uint64_t seed)
{
	run *r = run_new(L, name, seed);
	if (!tmpl) {
		data_spec_default(&r->dspec);
		r->dspec.n = 2000; /* a subset small enough that the gap opens within seconds */
		nn_config_default(&r->mcfg, NN_MLP);
		nn_opt_config_default(&r->ocfg, NN_SGD);
		r->sched.factor = 0.1f;
		r->bs = 128;
		return r;
	}
	r->dspec = tmpl->dspec;
	r->mcfg = tmpl->mcfg;
	r->ocfg = tmpl->ocfg;
	r->sched = tmpl->sched;
	lab_settings_copy(r, tmpl);
	r->data = tmpl->data;
	if (r->data)
		r->data->refs++;
	return r;
}

void lab_first_run(lab *L)
{
	add_run(L, new_like(L, NULL, "r1", L->opt.seed));
	use_run(L, L->nruns - 1);
}

int lab_run_new(lab *L, const char *name, int has_seed, uint64_t seed, char *err)
{
	if (lab_find_run(L, name))
		return gg_fail(err, "a run named '%s' exists already (run list shows them)", name);
	run *r = new_like(L, lab_current(L), name, has_seed ? seed : next_seed(L));
	add_run(L, r);
	use_run(L, L->nruns - 1);
	lab_say(L, "run %s: new, seed %llu, the current run now", name, (unsigned long long)r->seed);
	return 0;
}

static int index_of(lab *L, const char *name, char *err)
{
	for (int i = 0; i < L->nruns; i++)
		if (!strcmp(L->runs[i]->name, name))
			return i;
	char list[256] = "";
	for (int i = 0, len = 0; i < L->nruns && len < (int)sizeof list; i++)
		len += snprintf(list + len, sizeof list - len, "%s%s", i ? " " : "", L->runs[i]->name);
	return gg_fail(err, "no run named '%s' (runs: %s)", name, list);
}

int lab_run_use(lab *L, const char *name, char *err)
{
	int i = index_of(L, name, err);
	if (i < 0)
		return -1;
	use_run(L, i);
	lab_say(L, "run %s: the current run, at step %ld", name, L->runs[i]->step);
	return 0;
}

int lab_run_drop(lab *L, const char *name, char *err)
{
	int i = index_of(L, name, err);
	if (i < 0)
		return -1;
	if (L->nruns == 1)
		return gg_fail(err, "%s is the only run; make another before dropping it", name);
	run *r = L->runs[i];
	for (int k = 0; k < L->nsched;) /* its scheduled commands go with it */
		if (L->sched[k].r == r) {
			L->opt.ops->free(&L->sched[k].call);
			L->sched[k] = L->sched[--L->nsched];
		} else {
			k++;
		}
	series_status st;
	series_get_status(L->series, r->sid, &st);
	st.dropped = 1;
	st.state = RUN_IDLE;
	series_set_status(L->series, r->sid, &st);
	run_free(L, r);
	memmove(L->runs + i, L->runs + i + 1, (size_t)(L->nruns - i - 1) * sizeof *L->runs);
	L->nruns--;
	int cur = L->cur > i ? L->cur - 1 : L->cur == i ? 0 : L->cur;
	use_run(L, cur);
	lab_say(L, "run %s dropped; the current run is %s", name, L->runs[cur]->name);
	return 0;
}

/* ---- run list: a table of the runs, with the settings in which they differ ------------- */

#define LIST_MAXCOLS 24
typedef char list_cell[40];

/* Column c of the table for every run (row 0 the header), kept when `always` or when the
 * runs' values are not all the same; then the shared value goes to `shared`. */
typedef struct {
	int n, nr;            /* columns, runs */
	list_cell *cells;     /* [nr + 1][LIST_MAXCOLS] */
	char shared[300];
	size_t sl;
} list_table;

static char *cell(list_table *t, int row, int col)
{
	return t->cells[(size_t)row * LIST_MAXCOLS + (size_t)col];
}

static void keep_column(list_table *t, int always, int share)
{
	int same = 1;
	for (int r = 2; r <= t->nr && same; r++)
		same = !strcmp(cell(t, r, t->n), cell(t, 1, t->n));
	if (always || (!same && t->n < LIST_MAXCOLS - 1)) {
		t->n++;
		return;
	}
	if (share && t->nr > 0 && t->sl < sizeof t->shared)
		t->sl += (size_t)snprintf(t->shared + t->sl, sizeof t->shared - t->sl, "%s%s %s",
					  t->sl ? ", " : "", cell(t, 0, t->n), cell(t, 1, t->n));
}

static void latest(lab *L, const run *r, const char *col, double *v)
{
	int c = series_find_col(L->series, col);
	*v = NAN;
	if (c >= 0)
		series_last(L->series, r->sid, c, v);
}

static void put_value(char *out, double v)
{
	if (isfinite(v))
		snprintf(out, sizeof(list_cell), "%.3f", v);
	else
		snprintf(out, sizeof(list_cell), "-");
}

int lab_run_list(lab *L, char *err)
{
	(void)err;
	if (!L->nruns) {
		lab_say(L, "no runs ('run new NAME' makes one)");
		return 0;
	}
	list_table t = { .nr = L->nruns };
	t.cells = gg_xcalloc((size_t)(L->nruns + 1) * LIST_MAXCOLS, sizeof *t.cells);
	int parts = 0;
	for (int i = 0; i < L->nruns; i++)
		parts |= L->runs[i]->parts > 1;
	/* who and where; then what differs; then the latest evaluation */
	enum { NAME, STATE, STEP, EPOCH, MODEL, DATA, OPT, SEED, PART, NFIXED };
	static const char *const head[NFIXED] = { "run", "state", "step", "epoch", "model", "data",
						  "opt", "seed", "part" };
	for (int k = 0; k < NFIXED + lab_nsettings; k++) {
		if (k == PART && !parts)
			continue;
		const lab_setting *set = k >= NFIXED ? &lab_settings[k - NFIXED] : NULL;
		snprintf(cell(&t, 0, t.n), sizeof(list_cell), "%s", set ? set->name : head[k]);
		for (int i = 0; i < L->nruns; i++) {
			run *r = L->runs[i];
			char *c = cell(&t, i + 1, t.n);
			switch (set ? -1 : k) {
			case NAME: snprintf(c, sizeof(list_cell), "%c %s", i == L->cur ? '*' : ' ', r->name); break;
			case STATE: snprintf(c, sizeof(list_cell), "%s", series_state_name(r->state)); break;
			case STEP: snprintf(c, sizeof(list_cell), "%ld", r->step); break;
			case EPOCH: snprintf(c, sizeof(list_cell), "%.2f", run_epoch(r)); break;
			case MODEL: nn_config_describe(&r->mcfg, c, sizeof(list_cell)); break;
			case DATA: snprintf(c, sizeof(list_cell), "%s", r->dspec.name); break;
			case OPT: snprintf(c, sizeof(list_cell), "%s", r->ocfg.kind == NN_SGD ? "sgd" : "adamw"); break;
			case SEED: snprintf(c, sizeof(list_cell), "%llu", (unsigned long long)r->seed); break;
			case PART: snprintf(c, sizeof(list_cell), r->parts > 1 ? "%d/%d" : "-", r->part + 1, r->parts); break;
			default: snprintf(c, sizeof(list_cell), "%.4g", set->get(r)); break;
			}
		}
		/* with one run nothing differs: its model, data, optimizer, lr and bs are said below */
		int key = k == MODEL || k == DATA || k == OPT || (set && (!strcmp(set->name, "lr") ||
									 !strcmp(set->name, "bs")));
		keep_column(&t, k <= EPOCH, key);
	}
	static const char *const evals[3] = { "train", "test", "gap" };
	for (int e = 0; e < 3; e++) {
		snprintf(cell(&t, 0, t.n), sizeof(list_cell), "%s", evals[e]);
		for (int i = 0; i < L->nruns; i++) {
			double tr, te;
			latest(L, L->runs[i], "train_loss", &tr);
			latest(L, L->runs[i], "test_loss", &te);
			put_value(cell(&t, i + 1, t.n), e == 0 ? tr : e == 1 ? te : te - tr);
		}
		keep_column(&t, 1, 0);
	}
	int width[LIST_MAXCOLS];
	for (int c = 0; c < t.n; c++) {
		width[c] = 0;
		for (int r = 0; r <= t.nr; r++)
			if ((int)strlen(cell(&t, r, c)) > width[c])
				width[c] = (int)strlen(cell(&t, r, c));
	}
	/* a row per run under the header, numbers (and their headers) right-aligned */
	int numeric[LIST_MAXCOLS];
	for (int c = 0; c < t.n; c++)
		numeric[c] = c > NAME && strspn(cell(&t, 1, c), "0123456789.-e+/") == strlen(cell(&t, 1, c));
	for (int r = 0; r <= t.nr; r++) {
		char line[400];
		size_t l = 0;
		for (int c = 0; c < t.n && l < sizeof line; c++) {
			const char *v = cell(&t, r, c);
			int num = numeric[c];
			int w = c == t.n - 1 && !num ? 0 : width[c];
			l += (size_t)snprintf(line + l, sizeof line - l, num ? "%s%*s" : "%s%-*s", c ? "  " : "",
					      w, r == 0 && c == NAME ? "  run" : v);
		}
		lab_say(L, "%s", line);
	}
	if (t.sl)
		lab_say(L, "%s: %s", L->nruns > 1 ? "all runs" : "the run", t.shared);
	free(t.cells);
	return 0;
}

int lab_fork(lab *L, const char *name, char *err)
{
	run *src = lab_need_run(L, "fork", err);
	if (!src)
		return -1;
	char auto_name[40];
	if (!name) {
		for (int k = 1;; k++) {
			snprintf(auto_name, sizeof auto_name, "%.24s.f%d", src->name, k);
			if (!lab_find_run(L, auto_name))
				break;
		}
		name = auto_name;
	} else if (lab_find_run(L, name)) {
		return gg_fail(err, "a run named '%s' exists already (run list shows them)", name);
	}
	run *r = run_fork(L, src, name);
	add_run(L, r);
	lab_log_series(L, r->sid);
	use_run(L, L->nruns - 1);
	lab_mark(L, r->sid, r->step, SERIES_EV_INFO, "fork of %s", src->name);
	lab_say(L, "fork: %s is an exact copy of %s at step %ld, and the current run", name,
		src->name, r->step);
	return 0;
}

int lab_twin(lab *L, int k, int sets, uint64_t seed0, const char *prefix, char *err)
{
	run *tmpl = lab_need_run(L, "twin", err);
	if (!tmpl)
		return -1;
	if (prefix && lab_check_run_name(prefix, err) < 0)
		return -1;
	if (!tmpl->data && !(tmpl->data = lab_dataref_get(L, &tmpl->dspec, err)))
		return -1;
	int n_part = tmpl->data->ds->n_train / sets;
	if (tmpl->bs > n_part)
		return gg_fail(err, "bs=%d is larger than each of %d training sets (%d examples)",
			       tmpl->bs, sets, n_part);
	int g = L->twin_groups + 1;
	uint64_t seed = seed0 ? seed0 : next_seed(L);
	char stem[32];
	if (prefix)
		snprintf(stem, sizeof stem, "%.24s", prefix);
	else
		snprintf(stem, sizeof stem, "t%d", g);
	for (int i = 0; i < k; i++) {
		char name[48];
		snprintf(name, sizeof name, "%.24s.%d", stem, i + 1);
		if (lab_find_run(L, name))
			return gg_fail(err, "a run named '%s' exists already", name);
	}
	L->twin_groups = g;
	inst_twin_series(L, g);
	int first = L->nruns;
	for (int i = 0; i < k; i++) {
		char name[48];
		snprintf(name, sizeof name, "%.24s.%d", stem, i + 1);
		run *r = new_like(L, tmpl, name, seed + (uint64_t)i);
		r->twin_group = g;
		r->part = sets > 1 ? i % sets : 0;
		r->parts = sets > 1 ? sets : 0;
		add_run(L, r);
	}
	/* the group is the target: its first run is current, and `train` trains them all */
	use_run(L, first);
	char how[64] = "";
	if (sets > 1)
		snprintf(how, sizeof how, ", on %d disjoint training sets in turn", sets);
	lab_say(L, "twin: %d runs %s.1..%s.%d like %s, seeds %llu..%llu%s; %s.1 is current and "
		   "'train' trains the group", k, stem, stem, k, tmpl->name, (unsigned long long)seed,
		(unsigned long long)(seed + k - 1), how, stem);
	return 0;
}

int lab_rollback(lab *L, char *err)
{
	run *r = lab_need_run(L, "rollback", err);
	if (!r)
		return -1;
	long from = r->step;
	if (r->built && r->snap && r->snap->step == from && r->state != RUN_DIVERGED) {
		lab_say(L, "%s: nothing to roll back: step %ld is its last good evaluation", r->name, from);
		return 0;
	}
	if (run_rollback(L, r, err) < 0)
		return -1;
	if (r->step == from)
		lab_say(L, "%s: back to its last good state at step %ld (before the step that diverged); "
			   "PAUSED (change a setting, then train)", r->name, r->step);
	else
		lab_say(L, "%s: rolled back from step %ld to step %ld; PAUSED (change a setting, then "
			   "train)", r->name, from, r->step);
	return 0;
}

int lab_schedule(lab *L, long step, long every, const cmd_call *call, char *err)
{
	run *r = lab_need_run(L, "at (or every)", err);
	if (!r)
		return -1;
	if (every <= 0 && step <= r->step)
		return gg_fail(err, "step %ld is already past: %s is at step %ld", step, r->name, r->step);
	L->sched = gg_xrealloc(L->sched, (size_t)(L->nsched + 1) * sizeof *L->sched);
	lab_sched *s = &L->sched[L->nsched++];
	s->r = r;
	s->every = every > 0 ? every : 0;
	s->step = every > 0 ? (r->step / every + 1) * every : step;
	L->opt.ops->copy(&s->call, call);
	if (every > 0)
		lab_say(L, "%s: every %ld steps (next at step %ld): %s", r->name, every, s->step, call->text);
	else
		lab_say(L, "%s: at step %ld: %s", r->name, step, call->text);
	return 0;
}
