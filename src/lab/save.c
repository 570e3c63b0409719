/* save.c — what a checkpoint holds: every run's full state (configuration, parameters,
 * w₀, optimizer state, data position and RNG, counters, the rollback point, series and
 * events), the scheduled commands, and the rest of a running script. Loading builds all
 * of it aside first and swaps it in only when every part was read: a bad file leaves the
 * current runs exactly as they were. Trainer thread only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/store.h"
#include "gglab/util.h"
#include "internal.h"

#define PUT(b, x) gg_buf_put((b), &(x), sizeof(x))
#define GET(r, x) gg_read((r), &(x), sizeof(x))

/* ---- one run's trained state (also used for its rollback point) ---------------------- */

static void put_state(gg_buf *b, const run *r)
{
	const nn_model *m = r->model;
	gg_buf_u64(b, m->nparams);
	gg_buf_u64(b, m->nbuf);
	gg_buf_put(b, m->params, m->nparams * sizeof(float));
	gg_buf_put(b, m->buf, m->nbuf * sizeof(float));
	gg_buf_put(b, r->w0, m->nparams * sizeof(float));
	PUT(b, r->opt.t);
	gg_buf_put(b, r->opt.m, m->nparams * sizeof(float));
	gg_buf_u64(b, r->opt.v != NULL);
	if (r->opt.v)
		gg_buf_put(b, r->opt.v, m->nparams * sizeof(float));
	gg_buf_u64(b, (unsigned long long)r->cur.n);
	gg_buf_put(b, r->cur.perm, (size_t)r->cur.n * sizeof(int));
	PUT(b, r->cur.pos);
	PUT(b, r->cur.epoch);
	PUT(b, r->cur.rng);
	PUT(b, r->step);
	PUT(b, r->loss_sum);
	PUT(b, r->loss_n);
	PUT(b, r->last_eval);
	PUT(b, r->grad_norm);
	PUT(b, r->lr_now);
	PUT(b, r->rescales);
}

/* Fills r's state (r has its configuration and data); -1 on malformed input. */
static int get_state(gg_reader *rd, run *r, char *err)
{
	unsigned long long np = gg_read_u64(rd), nb = gg_read_u64(rd);
	if (rd->bad)
		return -1;
	r->model = nn_model_new(&r->mcfg, 1, err);
	if (!r->model)
		return -1;
	r->built = 1; /* from here on run_unbuild frees what was made */
	if (np != r->model->nparams || nb != r->model->nbuf)
		return gg_fail(err, "%s: the model has %zu parameters, the checkpoint %llu", r->name,
			       r->model->nparams, np);
	size_t P = r->model->nparams;
	gg_read(rd, r->model->params, P * sizeof(float));
	gg_read(rd, r->model->buf, r->model->nbuf * sizeof(float));
	r->w0 = gg_xmalloc(P * sizeof(float));
	gg_read(rd, r->w0, P * sizeof(float));
	nn_opt_init(&r->opt, &r->ocfg, P);
	GET(rd, r->opt.t);
	gg_read(rd, r->opt.m, P * sizeof(float));
	int has_v = (int)gg_read_u64(rd);
	if (has_v != (r->opt.v != NULL))
		return gg_fail(err, "%s: optimizer state does not match its kind", r->name);
	if (has_v)
		gg_read(rd, r->opt.v, P * sizeof(float));
	unsigned long long n = gg_read_u64(rd);
	int n_expect = r->parts > 1 ? -1 : r->data->ds->n_train;
	if (rd->bad || (n_expect >= 0 && (long long)n != n_expect) || n > (unsigned long long)r->data->ds->n_train)
		return gg_fail(err, "%s: the data position does not fit the data set", r->name);
	data_cursor_init_part(&r->cur, r->data->ds, gg_rng_derive(r->seed, "order"), r->part, r->parts,
			      r->data->ds->spec.seed);
	if ((unsigned long long)r->cur.n != n)
		return gg_fail(err, "%s: the data position does not fit the data set", r->name);
	gg_read(rd, r->cur.perm, (size_t)n * sizeof(int));
	GET(rd, r->cur.pos);
	GET(rd, r->cur.epoch);
	GET(rd, r->cur.rng);
	for (int i = 0; i < r->cur.n; i++)
		if (r->cur.perm[i] < 0 || r->cur.perm[i] >= r->data->ds->n_train)
			return gg_fail(err, "%s: corrupt data order", r->name);
	if (r->cur.pos < 0 || r->cur.pos >= (r->cur.n ? r->cur.n : 1))
		return gg_fail(err, "%s: corrupt data position", r->name);
	GET(rd, r->step);
	GET(rd, r->loss_sum);
	GET(rd, r->loss_n);
	GET(rd, r->last_eval);
	GET(rd, r->grad_norm);
	GET(rd, r->lr_now);
	GET(rd, r->rescales);
	return rd->bad ? -1 : 0;
}

/* ---- the whole lab --------------------------------------------------------------------- */

static void put_config(gg_buf *b, const run *r)
{
	gg_buf_str(b, r->name);
	PUT(b, r->seed);
	PUT(b, r->dspec);
	PUT(b, r->mcfg);
	PUT(b, r->ocfg);
	PUT(b, r->sched);
	PUT(b, r->bs);
	PUT(b, r->eval_every);
	PUT(b, r->base_bs);
	PUT(b, r->lr_scale);
	PUT(b, r->regime);
	PUT(b, r->part);
	PUT(b, r->parts);
	PUT(b, r->twin_group);
}

static void get_config(gg_reader *rd, run *r)
{
	gg_read_str(rd, r->name, sizeof r->name);
	GET(rd, r->seed);
	GET(rd, r->dspec);
	GET(rd, r->mcfg);
	GET(rd, r->ocfg);
	GET(rd, r->sched);
	GET(rd, r->bs);
	GET(rd, r->eval_every);
	GET(rd, r->base_bs);
	GET(rd, r->lr_scale);
	GET(rd, r->regime);
	GET(rd, r->part);
	GET(rd, r->parts);
	GET(rd, r->twin_group);
	r->dspec.name[sizeof r->dspec.name - 1] = 0;
}

static void describe(lab *L, char *buf, size_t len, int headless)
{
	size_t n = (size_t)snprintf(buf, len, "gglab %s checkpoint, %d run%s, %s\n", PACKAGE_VERSION,
				    L->nruns, L->nruns == 1 ? "" : "s", headless ? "headless" : "screen");
	for (int i = 0; i < L->nruns && n < len; i++) {
		run *r = L->runs[i];
		char m[96];
		nn_config_describe(&r->mcfg, m, sizeof m);
		n += (size_t)snprintf(buf + n, len - n,
				      "run %s seed %llu step %ld %s: data %s n=%d noise=%g seed=%llu; "
				      "model %s; opt %s lr %g momentum %g wd %g clip %g; bs %d\n",
				      r->name, (unsigned long long)r->seed, r->step,
				      series_state_name(r->state), r->dspec.name, r->dspec.n,
				      (double)r->dspec.noise, (unsigned long long)r->dspec.seed, m,
				      r->ocfg.kind == NN_SGD ? "sgd" : "adamw", (double)r->ocfg.lr,
				      (double)r->ocfg.momentum, (double)r->ocfg.wd, (double)r->ocfg.clip, r->bs);
	}
}

int lab_save(lab *L, const char *path, char *err)
{
	gg_buf b = { 0 };
	/* sizes of the raw configuration records: a build that lays them out differently
	 * refuses the file instead of misreading it */
	gg_buf_u64(&b, sizeof(data_spec) | (unsigned long long)sizeof(nn_config) << 16 |
			       (unsigned long long)sizeof(nn_opt_config) << 32 |
			       (unsigned long long)sizeof(nn_schedule) << 48);
	gg_buf_u64(&b, (unsigned long long)L->opt.batch);
	gg_buf_u64(&b, (unsigned long long)L->nruns);
	gg_buf_u64(&b, (unsigned long long)L->cur);
	gg_buf_u64(&b, (unsigned long long)L->twin_groups);
	for (int i = 0; i < L->nruns; i++) {
		run *r = L->runs[i];
		put_config(&b, r);
		gg_buf_u64(&b, (unsigned long long)r->sid); /* to rebuild the store in its order */
		PUT(&b, r->state);
		PUT(&b, r->goal_kind);
		PUT(&b, r->goal);
		gg_buf_u64(&b, r->built);
		if (r->built) {
			put_state(&b, r);
			gg_buf_u64(&b, r->snap != NULL);
			if (r->snap) {
				put_config(&b, r->snap);
				put_state(&b, r->snap);
			}
			inst_phdim_save(r, &b);
		}
		series_save_run(L->series, r->sid, &b);
	}
	/* the twin groups' agreement series */
	for (int g = 1; g <= L->twin_groups; g++) {
		gg_buf_u64(&b, (unsigned long long)L->twin_sid[g]);
		gg_buf_u64(&b, (unsigned long long)L->twin_last[g]);
		series_save_run(L->series, L->twin_sid[g], &b);
	}
	gg_buf_u64(&b, (unsigned long long)L->nsched);
	for (int i = 0; i < L->nsched; i++) {
		lab_sched *s = &L->sched[i];
		int ri = 0;
		for (int k = 0; k < L->nruns; k++)
			if (L->runs[k] == s->r)
				ri = k;
		gg_buf_u64(&b, (unsigned long long)ri);
		PUT(&b, s->step);
		PUT(&b, s->every);
		gg_buf_str(&b, s->call.text);
	}
	/* the rest of the script, so a resumed headless run finishes what it was doing */
	int left = L->script.n - L->script_pos;
	gg_buf_u64(&b, (unsigned long long)(left > 0 ? left : 0));
	for (int i = L->script_pos; i < L->script.n; i++) {
		gg_buf_str(&b, L->script.calls[i].text);
		gg_buf_str(&b, L->script.calls[i].where);
	}
	gg_buf_u64(&b, (unsigned long long)L->script_wait);
	gg_buf_u64(&b, (unsigned long long)L->script_synced);

	char text[8192];
	describe(L, text, sizeof text, L->opt.batch);
	int rc = store_ckpt_write(path, text, b.p, b.n, err);
	gg_buf_free(&b);
	if (rc == 0)
		lab_say(L, "saved %d run%s to %s", L->nruns, L->nruns == 1 ? "" : "s", path);
	return rc;
}

static void no_report(void *arg, const char *msg)
{
	snprintf(arg, GG_ERRLEN, "%s", msg);
}

/* Reads one scheduled or script command back from its text. */
static int reparse(const char *text, const char *where, cmd_call *out, char *err)
{
	cmd_list l = { 0 };
	char msg[GG_ERRLEN] = "";
	int nerr = cmd_parse_line(text, where, &l, no_report, msg);
	if (nerr || l.n != 1) {
		cmd_list_free(&l);
		return gg_fail(err, "a saved command does not parse: %s", msg);
	}
	*out = l.calls[0];
	free(l.calls);
	return 0;
}

static int load_file(lab *L, const char *path, int with_script, int *headless, char *err)
{
	char *text;
	unsigned char *payload;
	size_t n;
	if (store_ckpt_read(path, &text, &payload, &n, err) < 0)
		return -1;
	free(text);
	gg_reader rd = { .p = payload, .n = n };
	run **runs = NULL;
	size_t *series_at = NULL; /* where each run's series start in the payload */
	size_t *twin_at = NULL;   /* where each twin group's agreement series start */
	long *twin_last = NULL, *twin_orig = NULL, *orig_sid = NULL; /* orig: the saved store ids */
	int nruns = 0, rc = -1, cur, groups;
	lab_sched *sched = NULL;
	int nsched = 0;
	cmd_list script = { 0 };
	int wait = 0, synced = 0;
	unsigned long long sizes = gg_read_u64(&rd);
	unsigned long long want = sizeof(data_spec) | (unsigned long long)sizeof(nn_config) << 16 |
				  (unsigned long long)sizeof(nn_opt_config) << 32 |
				  (unsigned long long)sizeof(nn_schedule) << 48;
	if (sizes != want) {
		gg_fail(err, "%s: written by an incompatible build of gglab", path);
		goto out;
	}
	*headless = (int)gg_read_u64(&rd);
	unsigned long long nr = gg_read_u64(&rd);
	cur = (int)gg_read_u64(&rd);
	groups = (int)gg_read_u64(&rd);
	if (rd.bad || nr < 1 || nr > 4096 || cur < 0 || cur >= (int)nr) {
		gg_fail(err, "%s: corrupt: bad run count", path);
		goto out;
	}
	runs = gg_xcalloc(nr, sizeof *runs);
	series_at = gg_xcalloc(nr, sizeof *series_at);
	orig_sid = gg_xcalloc(nr, sizeof *orig_sid);
	for (nruns = 0; nruns < (int)nr; nruns++) {
		/* the series id is assigned when the run is swapped in; build it detached */
		run *r = gg_xcalloc(1, sizeof *r);
		r->sid = -1;
		runs[nruns] = r;
		get_config(&rd, r);
		orig_sid[nruns] = (long)gg_read_u64(&rd);
		GET(&rd, r->state);
		GET(&rd, r->goal_kind);
		GET(&rd, r->goal);
		int built = (int)gg_read_u64(&rd);
		char e2[GG_ERRLEN];
		if (rd.bad || lab_check_run_name(r->name, e2) < 0 || nn_config_check(&r->mcfg, e2) < 0 ||
		    (unsigned)r->state > RUN_DONE || r->bs < 1 || r->parts < 0 || r->part < 0 ||
		    (r->parts > 1 && r->part >= r->parts)) {
			gg_fail(err, "%s: corrupt: run %d is malformed", path, nruns + 1);
			nruns++;
			goto out;
		}
		if (!(r->data = lab_dataref_get(L, &r->dspec, e2))) {
			gg_fail(err, "%s: run %s: %s", path, r->name, e2);
			nruns++;
			goto out;
		}
		if (built) {
			if (get_state(&rd, r, e2) < 0) {
				gg_fail(err, "%s: %s", path, rd.bad ? "corrupt: run state cut short" : e2);
				nruns++;
				goto out;
			}
			if (gg_read_u64(&rd)) {
				run *s = r->snap = gg_xcalloc(1, sizeof *s);
				get_config(&rd, s);
				s->data = r->data;
				if (rd.bad || nn_config_check(&s->mcfg, e2) < 0 || get_state(&rd, s, e2) < 0) {
					gg_fail(err, "%s: corrupt: the rollback point of %s", path, r->name);
					nruns++;
					goto out;
				}
			}
			if (inst_phdim_load(r, &rd, e2) < 0) {
				gg_fail(err, "%s: %s", path, rd.bad ? "corrupt: PH dimension state cut short" : e2);
				nruns++;
				goto out;
			}
		}
		/* The series are checked by reading them into a scratch store; the real store
		 * reads them again at the swap, when nothing can fail any more. */
		series_at[nruns] = rd.off;
		series_store *scratch = series_new();
		int bad = series_load_run(scratch, series_add_run(scratch, r->name), &rd) < 0;
		series_free(scratch);
		if (bad) {
			gg_fail(err, "%s: corrupt: the series of %s", path, r->name);
			nruns++;
			goto out;
		}
	}
	if (groups < 0 || groups > 100000) {
		gg_fail(err, "%s: corrupt: twin groups", path);
		goto out;
	}
	twin_at = gg_xcalloc((size_t)groups + 1, sizeof *twin_at);
	twin_last = gg_xcalloc((size_t)groups + 1, sizeof *twin_last);
	twin_orig = gg_xcalloc((size_t)groups + 1, sizeof *twin_orig);
	for (int g = 1; g <= groups; g++) {
		twin_orig[g] = (long)gg_read_u64(&rd);
		twin_last[g] = (long)gg_read_u64(&rd);
		twin_at[g] = rd.off;
		series_store *scratch = series_new();
		int bad = series_load_run(scratch, series_add_run(scratch, "twins"), &rd) < 0;
		series_free(scratch);
		if (bad) {
			gg_fail(err, "%s: corrupt: the agreement series of twin group %d", path, g);
			goto out;
		}
	}
	unsigned long long ns = gg_read_u64(&rd);
	if (rd.bad || ns > 100000) {
		gg_fail(err, "%s: corrupt: scheduled commands", path);
		goto out;
	}
	sched = gg_xcalloc(ns ? ns : 1, sizeof *sched);
	for (nsched = 0; nsched < (int)ns;) {
		unsigned long long ri = gg_read_u64(&rd);
		long step, every;
		GET(&rd, step);
		GET(&rd, every);
		char *t = gg_read_strdup(&rd);
		int bad = rd.bad || ri >= nr || reparse(t, "checkpoint", &sched[nsched].call, err) < 0;
		free(t);
		if (bad) {
			if (rd.bad || ri >= nr)
				gg_fail(err, "%s: corrupt: scheduled commands", path);
			goto out;
		}
		sched[nsched].r = runs[ri];
		sched[nsched].step = step;
		sched[nsched].every = every;
		nsched++;
	}
	unsigned long long nleft = gg_read_u64(&rd);
	if (rd.bad || nleft > 1000000) {
		gg_fail(err, "%s: corrupt: the script", path);
		goto out;
	}
	for (unsigned long long i = 0; i < nleft; i++) {
		char *t = gg_read_strdup(&rd), *w = gg_read_strdup(&rd);
		cmd_call c;
		int bad = rd.bad || reparse(t, w, &c, err) < 0;
		free(t);
		free(w);
		if (bad) {
			if (rd.bad)
				gg_fail(err, "%s: corrupt: the script", path);
			goto out;
		}
		if (script.n == script.cap) {
			script.cap = script.cap ? 2 * script.cap : 16;
			script.calls = gg_xrealloc(script.calls, (size_t)script.cap * sizeof *script.calls);
		}
		script.calls[script.n++] = c;
	}
	wait = (int)gg_read_u64(&rd);
	synced = (int)gg_read_u64(&rd);
	if (rd.bad || rd.off != rd.n) {
		gg_fail(err, "%s: corrupt: %s", path, rd.bad ? "cut short" : "unexpected data at the end");
		goto out;
	}

	/* Everything was read: swap it in. The old runs' series stay in the store, dropped. */
	for (int i = 0; i < L->nsched; i++)
		cmd_call_free(&L->sched[i].call);
	free(L->sched);
	for (int i = 0; i < L->nruns; i++) {
		series_status st;
		series_get_status(L->series, L->runs[i]->sid, &st);
		st.dropped = 1;
		series_set_status(L->series, L->runs[i]->sid, &st);
		run_free(L, L->runs[i]);
	}
	free(L->runs);
	for (int g = 1; g <= L->twin_groups; g++) { /* the old groups' series go with their runs */
		series_status st;
		series_get_status(L->series, L->twin_sid[g], &st);
		st.dropped = 1;
		series_set_status(L->series, L->twin_sid[g], &st);
	}
	L->twin_groups = groups;
	/* The series come back in the order they had (runs and twin groups interleaved), so an
	 * export after a resume is the same file as one that never stopped. */
	for (int done = 0; done < nruns + groups; done++) {
		int bi = -1, bg = -1;
		long best = -1;
		for (int i = 0; i < nruns; i++)
			if (runs[i]->sid < 0 && (best < 0 || orig_sid[i] < best))
				best = orig_sid[i], bi = i, bg = -1;
		for (int g = 1; g <= groups; g++)
			if (twin_at[g] && (best < 0 || twin_orig[g] < best))
				best = twin_orig[g], bg = g, bi = -1;
		if (bi >= 0) {
			run *r = runs[bi];
			r->sid = series_add_run(L->series, r->name);
			gg_reader again = { .p = payload, .n = n, .off = series_at[bi] };
			series_load_run(L->series, r->sid, &again);
		} else {
			int sid = inst_twin_series(L, bg);
			gg_reader again = { .p = payload, .n = n, .off = twin_at[bg] };
			series_load_run(L->series, sid, &again);
			L->twin_last[bg] = twin_last[bg];
			twin_at[bg] = 0;
		}
	}
	L->runs = runs;
	L->nruns = nruns;
	L->sched = sched;
	L->nsched = nsched;

	L->cur = cur;
	series_set_current(L->series, runs[cur]->sid);
	runs = NULL;
	sched = NULL;
	if (with_script) {
		cmd_list_free(&L->script);
		L->script = script;
		memset(&script, 0, sizeof script);
		L->script_pos = 0;
		L->script_wait = wait;
		L->script_synced = synced;
	}
	for (int i = 0; i < L->nruns; i++)
		run_publish(L, L->runs[i]);
	rc = 0;
out:
	for (int i = 0; runs && i < nruns; i++)
		if (runs[i])
			run_free(L, runs[i]);
	free(runs);
	free(series_at);
	free(twin_at);
	free(twin_last);
	free(twin_orig);
	free(orig_sid);
	for (int i = 0; sched && i < nsched; i++)
		cmd_call_free(&sched[i].call);
	free(sched);
	cmd_list_free(&script);
	free(payload);
	return rc;
}

int lab_load(lab *L, const char *path, char *err)
{
	int headless;
	if (load_file(L, path, 0, &headless, err) < 0)
		return -1;
	run *r = lab_current(L);
	lab_say(L, "loaded %d run%s from %s; the current run is %s at step %ld", L->nruns,
		L->nruns == 1 ? "" : "s", path, r->name, r->step);
	return 0;
}

int lab_resume(lab *L, const char *path, int *headless, char *err)
{
	return load_file(L, path, 1, headless, err);
}

int lab_script_left(lab *L)
{
	return L->script.n - L->script_pos;
}
