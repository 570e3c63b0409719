/* trainer.c — the trainer thread and its command queue.
 *
 * The loop: take every interactive command (applied now, at a step boundary); then one
 * round (lab_round, which the tests run too): the PH worker's results, the commands
 * scheduled at these steps, the script's next commands unless a `train` holds it, and one
 * step of every RUNNING run (side by side on the workers, L->team, when that pays, each
 * touching only its own run, so results never depend on timing; a run training alone may
 * split its step over them instead, with the same bits); sleep on the condition variable
 * when there is nothing to do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "gglab/blas.h"
#include "gglab/util.h"
#include "internal.h"

void lab_calls_free(lab *L, cmd_list *l)
{
	for (int i = 0; i < l->n; i++)
		L->opt.ops->free(&l->calls[i]);
	free(l->calls);
	memset(l, 0, sizeof *l);
}

/* Moves every call of src to the end of dst, leaving src empty. */
static void list_move(cmd_list *dst, cmd_list *src)
{
	if (dst->n + src->n > dst->cap) {
		dst->cap = dst->n + src->n;
		dst->calls = gg_xrealloc(dst->calls, (size_t)dst->cap * sizeof *dst->calls);
	}
	memcpy(dst->calls + dst->n, src->calls, (size_t)src->n * sizeof *src->calls);
	dst->n += src->n;
	free(src->calls);
	memset(src, 0, sizeof *src);
}

void lab_submit(lab *L, cmd_list *cmds, int script)
{
	pthread_mutex_lock(&L->mu);
	list_move(script ? &L->inscript : &L->inq, cmds);
	pthread_cond_signal(&L->cv);
	pthread_mutex_unlock(&L->mu);
}

/* ---- the loop -------------------------------------------------------------------------- */

static int any_running(lab *L, int with_goal)
{
	for (int i = 0; i < L->nruns; i++)
		if (L->runs[i]->state == RUN_RUNNING && (!with_goal || L->runs[i]->goal_kind != GOAL_NONE))
			return 1;
	return 0;
}

static void script_finish(lab *L, lab_msg_kind kind, const char *text);

/* Runs one command on this thread; errors become messages. Returns the exec status. */
static int execute(lab *L, const cmd_call *c, int script)
{
	char err[GG_ERRLEN];
	int journaled = L->journal && CMD_JOURNALED(c);
	char *sync = journaled ? journal_sync_text(L) : NULL;
	if (!script)
		lab_notify(L, LAB_MSG_REPLY, c->viewer, c->text);
	int rc = L->opt.ops->exec(L, c, script, err);
	run *r = lab_current(L);
	if (rc == 0 && !script && L->script.n && (c->entry->flags & CMD_TAKEOVER)) {
		/* `pause` typed at the prompt is how a person takes over from a running script */
		lab_post(L, LAB_MSG_INFO, -1, 0, "script stopped at its command %d of %d: you have the controls",
			 L->script_pos, L->script.n);
		script_finish(L, LAB_MSG_DONE, LAB_TAKEN_OVER);
	}
	if (rc < 0)
		lab_post(L, LAB_MSG_ERROR, r ? r->sid : -1, r ? r->step : 0, "%s", err);
	else if (journaled)
		journal_command(L, sync, c);
	if (!script)
		lab_notify(L, LAB_MSG_REPLY_END, c->viewer, c->text);
	free(sync);
	for (int i = 0; i < L->nruns; i++)
		run_publish(L, L->runs[i]);
	return rc;
}

static void script_finish(lab *L, lab_msg_kind kind, const char *text)
{
	inst_phdim_wait(L); /* every estimate the script asked for is in before it is done */
	lab_calls_free(L, &L->script);
	L->script_pos = 0;
	L->script_wait = 0;
	lab_post(L, kind, -1, 0, "%s", text);
}

/* A journal's `sync RUN=STEP …`: 1 when every named run is at its step, 0 while training
 * will still get them there, -1 (with a message) when it never will. */
static int sync_ready(lab *L, const cmd_call *c, char *err)
{
	int ready = 1;
	for (int i = 0; i < c->npos; i++) {
		const char *name = c->pos[i].word;
		long want = (long)c->pos[i].num;
		run *r = lab_find_run(L, name);
		if (!r)
			return gg_fail(err, "%s: journal out of step: no run named '%s'", c->where, name);
		if (r->step > want || (r->step < want && r->state != RUN_RUNNING))
			return gg_fail(err, "%s: journal out of step: %s is at step %ld (%s), the journal "
					    "expects %ld; likely causes: a checkpoint it loads is missing or "
					    "was overwritten, a --seed or --threads other than the session's, "
					    "an edited journal, another gglab version",
				       c->where, name, r->step, series_state_name(r->state), want);
		if (r->step < want)
			ready = 0;
	}
	return ready;
}

/* Applies script commands until one holds the rest (a `train`) or the script ends. */
static void script_advance(lab *L)
{
	while (L->script_pos < L->script.n) {
		if (L->script_wait) {
			if (any_running(L, 1))
				return;
			L->script_wait = 0;
		}
		const cmd_call *c = &L->script.calls[L->script_pos];
		if (c->entry->flags & CMD_SYNC) {
			char err[GG_ERRLEN];
			int ready = sync_ready(L, c, err);
			if (ready == 0)
				return;
			if (ready < 0) {
				lab_post(L, LAB_MSG_ERROR, -1, 0, "%s", err);
				script_finish(L, LAB_MSG_DONE, "script done");
				return;
			}
			L->script_pos++;
			continue;
		}
		L->script_pos++;
		unsigned fl = CMD_FLAGS(c);
		if (fl & CMD_UI) {
			if (fl & CMD_QUIT) {
				script_finish(L, LAB_MSG_QUIT, "quit");
				return;
			}
			lab_post(L, LAB_MSG_UICMD, -1, 0, "%s", c->text);
			continue;
		}
		if (execute(L, c, 1) < 0) {
			/* A failed command stops the script: what follows assumed it worked. */
			script_finish(L, LAB_MSG_DONE, "script done");
			return;
		}
		if ((fl & CMD_WAIT) && !L->script_synced)
			L->script_wait = 1;
	}
	/* the end of the script; a resumed one may be empty but for the train it was in */
	if ((L->script.n || L->script_wait) && !(L->script_wait && any_running(L, 1))) {
		if (L->opt.batch && any_running(L, 0)) {
			/* A headless script that ends with a run training "until paused" would stop it
			 * at whatever step the exit happened to catch: refuse rather than guess. */
			lab_pause(L, NULL);
			lab_post(L, LAB_MSG_ERROR, -1, 0,
				 "the script ended while a run was training without a length ('train' "
				 "with no N): give it one, e.g. 'train 5 epochs', or end with 'pause'");
		}
		script_finish(L, LAB_MSG_DONE, "script done");
	}
}

/* Commands scheduled with `at` and `every` whose run has reached their step. Checked at
 * round boundaries, like every other change, so replay sees them at the same point. */
static void fire_scheduled(lab *L)
{
	for (int k = 0; k < L->nsched;) {
		lab_sched *s = &L->sched[k];
		if (s->r->step < s->step) {
			k++;
			continue;
		}
		int cur = L->cur;
		for (int i = 0; i < L->nruns; i++) /* the command applies to its own run */
			if (L->runs[i] == s->r)
				L->cur = i;
		cmd_call call;
		L->opt.ops->copy(&call, &s->call);
		snprintf(call.where, sizeof call.where, "%s step %ld", s->r->name, s->r->step);
		if (s->every > 0) {
			s->step += s->every;
			k++;
		} else {
			L->opt.ops->free(&s->call);
			L->sched[k] = L->sched[--L->nsched];
		}
		execute(L, &call, 1);
		L->opt.ops->free(&call);
		if (L->cur < L->nruns && cur < L->nruns)
			L->cur = cur;
	}
}

static void compute_one(void *ctx, int i)
{
	run_step_compute(((run **)ctx)[i], NULL);
}

/* A run training alone whose model splits takes each step alone or on the team, whichever
 * measured faster (the bits are the same); the journal notes each choice. */
static void step_alone(lab *L, run *r)
{
	/* what is stepped: the run, its batch size and its model's cost (a new model of the
	 * same run is measured again) */
	uint64_t key = (uint64_t)nn_model_flops(r->model) * 0x9E3779B97F4A7C15ull ^
		       (uint64_t)(uint32_t)r->bs << 32 ^ (uint64_t)(uint32_t)r->sid;
	int mode = nn_pick_mode(&L->pick, key);
	L->pick_bs = r->bs;
	double t0 = gg_now();
	run_step_compute(r, mode ? L->team : NULL);
	if (nn_pick_done(&L->pick, mode, gg_now() - t0))
		journal_note(L, "%s steps on %s from step %ld (batch %d: %.3g ms a step on %d threads, "
			     "%.3g ms on one)", r->name, L->pick.use ? "every core" : "one thread", r->step,
			     r->bs, 1e3 * L->pick.best[1], nn_team_size(L->team), 1e3 * L->pick.best[0]);
}

int lab_round(lab *L)
{
	inst_phjobs_queue(L);
	inst_phdim_collect(L);
	fire_scheduled(L);
	script_advance(L);
	if (L->nruns > L->todo_cap) {
		L->todo_cap = L->nruns;
		L->todo = gg_xrealloc(L->todo, (size_t)L->todo_cap * sizeof *L->todo);
	}
	run **todo = L->todo;
	int n = 0;
	double flops = 0;
	for (int i = 0; i < L->nruns; i++)
		if (L->runs[i]->state == RUN_RUNNING) {
			todo[n++] = L->runs[i];
			flops += nn_model_flops(L->runs[i]->model) * L->runs[i]->bs;
		}
	/* --threads auto: a run training alone on a team of two or more splits its step (every
	 * model does), taking one BLAS thread, the team being its threads; on one worker it
	 * gets the threads its products need; runs training together get one each, side by
	 * side on the workers. A convolutional model on one worker gets one: its products are
	 * one image's (e.g. 64x196x288), and a second thread gains little on them or loses (cnn
	 * 32,64 at B = 128, 3.3 GFLOP a step, 150 steps: 4.6 and 6.5 s against 5.4 s on an
	 * idle machine; 33 s against 9 s with the other core busy).
	 * A pure function of the runs' shapes and the core count, so a replay on this machine
	 * makes the same choices; the journal notes each. */
	int split = n == 1 && nn_team_size(L->team) > 1 && nn_model_splits(todo[0]->model);
	if (L->opt.threads == 0 && n > 0) {
		int want = n == 1 && !split && !todo[0]->model->conv ? blas_auto_threads(flops, L->cores) : 1;
		if (want != L->blas_threads) {
			openblas_set_num_threads(want);
			L->blas_threads = want;
			journal_note(L, "BLAS threads %d from step %ld of %s (%s, %.2g GFLOP a step)", want,
				     todo[0]->step, todo[0]->name, n == 1 ? "training alone" : "runs training together",
				     flops / 1e9);
		}
	}
	/* the arithmetic side by side, then everything that reads or writes the lab in order */
	if (split && L->blas_threads == 1)
		step_alone(L, todo[0]);
	else
		nn_team_each(n > 1 && L->blas_threads == 1 && flops >= POOL_MIN_FLOPS ? L->team : NULL, n,
			     compute_one, todo);
	for (int i = 0; i < n; i++)
		run_step_finish(L, todo[i]);
	if (n)
		inst_twins(L);
	return n > 0;
}

void *lab_trainer_main(void *arg)
{
	lab *L = arg;
	nn_fast_float_mode();
	L->team = nn_team_new(L->opt.workers);
	pthread_mutex_lock(&L->mu);
	while (!L->stop) {
		if (L->inq.n) {
			cmd_list q = L->inq;
			memset(&L->inq, 0, sizeof L->inq);
			pthread_mutex_unlock(&L->mu);
			for (int i = 0; i < q.n; i++)
				execute(L, &q.calls[i], 0);
			lab_calls_free(L, &q);
			pthread_mutex_lock(&L->mu);
			continue;
		}
		if (L->inscript.n) {
			list_move(&L->script, &L->inscript);
			L->script_synced = 0;
			for (int i = 0; i < L->script.n; i++)
				L->script_synced |= (L->script.calls[i].entry->flags & CMD_SYNC) != 0;
		}
		/* Cleared before the round collects: a result that comes back during the round
		 * sets it again, and the wait below does not sleep on it. */
		L->ph_ready = 0;
		pthread_mutex_unlock(&L->mu);
		int stepped = lab_round(L);
		pthread_mutex_lock(&L->mu);
		int script_ready = (L->script.n || L->script_wait) && !(L->script_wait && any_running(L, 1));
		if (!stepped && !script_ready && !L->inq.n && !L->inscript.n && !L->stop && !L->ph_ready)
			pthread_cond_wait(&L->cv, &L->mu);
	}
	pthread_mutex_unlock(&L->mu);
	nn_team_free(L->team);
	L->team = NULL;
	return NULL;
}
