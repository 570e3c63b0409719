/* save.c — what a checkpoint holds: every run's full state (configuration, parameters,
 * w₀, optimizer state, data position and RNG, counters, the rollback point, series and
 * events), the scheduled commands, and the rest of a running script. Loading builds all
 * of it aside first and swaps it in only when every part was read: a bad file leaves the
 * current runs exactly as they were. A checkpoint is untrusted input: after its CRC, every
 * field is checked against its bounds and against the rest of the file (the data it names,
 * the model's shape, the rollback point against its run) before anything is allocated or
 * indexed by it. Each run records its data's identity (source, sizes, a CRC-32 of the
 * examples): loading it onto other data says so. Trainer thread only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "gglab/store.h"
#include "gglab/util.h"
#include "internal.h"

/* A CRC-32 of a data set's examples and labels, computed once per loaded set. */
static unsigned long data_digest(lab_dataref *d)
{
	if (d->has_digest)
		return d->digest;
	const data_set *ds = d->ds;
	const struct {
		const void *p;
		size_t n;
	} parts[] = {
		{ ds->train_x, (size_t)ds->n_train * (size_t)ds->dim * sizeof(float) },
		{ ds->train_y, (size_t)ds->n_train },
		{ ds->test_x, (size_t)ds->n_test * (size_t)ds->dim * sizeof(float) },
		{ ds->test_y, (size_t)ds->n_test },
	};
	uLong crc = crc32(0L, Z_NULL, 0);
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
		for (size_t off = 0; parts[i].p && off < parts[i].n; off += 1u << 30)
			crc = crc32(crc, (const Bytef *)parts[i].p + off,
				    (uInt)(parts[i].n - off < (1u << 30) ? parts[i].n - off : 1u << 30));
	d->digest = crc;
	d->has_digest = 1;
	return crc;
}

static void put_data_identity(gg_buf *b, lab_dataref *d)
{
	size_t at = store_rec_begin(b, "data.identity");
	store_rec_put(b, "source", d->ds->source, strlen(d->ds->source));
	store_rec_u64(b, "train", (unsigned long long)d->ds->n_train);
	store_rec_u64(b, "test", (unsigned long long)d->ds->n_test);
	store_rec_u64(b, "crc32", data_digest(d));
	store_rec_end(b, at);
}

/* ---- saving: one tagged record per section, one per field ----------------------------- */

static void put_sub(gg_buf *b, const char *tag, void (*put)(gg_buf *, const run *), const run *r)
{
	size_t at = store_rec_begin(b, tag);
	put(b, r);
	store_rec_end(b, at);
}

static void put_run(lab *L, gg_buf *b, run *r)
{
	size_t at = store_rec_begin(b, "run");
	store_rec_put(b, "name", r->name, strlen(r->name));
	store_rec_u64(b, "sid", (unsigned long long)r->sid); /* to rebuild the store in its order */
	put_sub(b, "config", run_put_config, r);
	put_sub(b, "status", run_put_status, r);
	if (r->data)
		put_data_identity(b, r->data);
	if (r->built) {
		put_sub(b, "state", run_put_state, r);
		if (r->snap) {
			size_t s = store_rec_begin(b, "snapshot");
			put_sub(b, "config", run_put_config, r->snap);
			put_sub(b, "state", run_put_state, r->snap);
			store_rec_end(b, s);
		}
		size_t ph = store_rec_begin(b, "phdim");
		inst_phdim_save(r, b);
		store_rec_end(b, ph);
	}
	size_t se = store_rec_begin(b, "series");
	series_save_run(L->series, r->sid, b);
	store_rec_end(b, se);
	store_rec_end(b, at);
}

static void describe(lab *L, char *buf, size_t len, int headless)
{
	size_t n = (size_t)snprintf(buf, len, "gglab %s checkpoint, %d run%s, %s\n", PACKAGE_VERSION,
				    L->nruns, L->nruns == 1 ? "" : "s", headless ? "headless" : "screen");
	for (int i = 0; i < L->nruns && n < len; i++) {
		run *r = L->runs[i];
		char c[2048];
		run_describe_config(r, c, sizeof c);
		n += (size_t)snprintf(buf + n, len - n, "run %s step %ld %s: %s\n", r->name, r->step,
				      series_state_name(r->state), c);
	}
}

int lab_save(lab *L, const char *path, char *err)
{
	if (!lab_need_run(L, "save", err))
		return -1;
	gg_buf b = { 0 };
	size_t at = store_rec_begin(&b, "lab");
	store_rec_u64(&b, "headless", (unsigned long long)L->opt.batch);
	store_rec_u64(&b, "runs", (unsigned long long)L->nruns);
	store_rec_u64(&b, "cur", (unsigned long long)L->cur);
	store_rec_u64(&b, "twin_groups", (unsigned long long)L->twin_groups);
	store_rec_end(&b, at);
	for (int i = 0; i < L->nruns; i++)
		put_run(L, &b, L->runs[i]);
	for (int g = 1; g <= L->twin_groups; g++) { /* the twin groups' agreement series */
		at = store_rec_begin(&b, "twins");
		store_rec_u64(&b, "group", (unsigned long long)g);
		store_rec_u64(&b, "sid", (unsigned long long)L->twin_sid[g]);
		store_rec_u64(&b, "last", (unsigned long long)L->twin_last[g]);
		size_t se = store_rec_begin(&b, "series");
		series_save_run(L->series, L->twin_sid[g], &b);
		store_rec_end(&b, se);
		store_rec_end(&b, at);
	}
	for (int i = 0; i < L->nsched; i++) {
		lab_sched *s = &L->sched[i];
		int ri = 0;
		for (int k = 0; k < L->nruns; k++)
			if (L->runs[k] == s->r)
				ri = k;
		at = store_rec_begin(&b, "sched");
		store_rec_u64(&b, "run", (unsigned long long)ri);
		store_rec_u64(&b, "step", (unsigned long long)s->step);
		store_rec_u64(&b, "every", (unsigned long long)s->every);
		store_rec_put(&b, "text", s->call.text, strlen(s->call.text));
		store_rec_end(&b, at);
	}
	/* the rest of the script, so a resumed headless run finishes what it was doing */
	at = store_rec_begin(&b, "script");
	store_rec_u64(&b, "wait", (unsigned long long)L->script_wait);
	store_rec_u64(&b, "synced", (unsigned long long)L->script_synced);
	for (int i = L->script_pos; i < L->script.n; i++) {
		size_t c = store_rec_begin(&b, "cmd");
		store_rec_put(&b, "text", L->script.calls[i].text, strlen(L->script.calls[i].text));
		store_rec_put(&b, "where", L->script.calls[i].where, strlen(L->script.calls[i].where));
		store_rec_end(&b, c);
	}
	store_rec_end(&b, at);
	inst_phjobs_save(L, &b); /* the PH estimates still to come into their rows */
	lab_log_save(L, &b);

	char text[16384];
	describe(L, text, sizeof text, L->opt.batch);
	int rc = store_ckpt_write(path, text, b.p, b.n, err);
	gg_buf_free(&b);
	if (rc == 0)
		lab_say(L, "saved %d run%s to %s", L->nruns, L->nruns == 1 ? "" : "s", path);
	return rc;
}

/* ---- loading ----------------------------------------------------------------------------- */

/* A record the loader needs; its absence is named. */
static int need(const gg_reader *rd, const char *tag, gg_reader *body, const char *where, char *err)
{
	if (store_rec_find(rd, tag, body))
		return 0;
	return gg_fail(err, "no '%s' section in %s", tag, where);
}

static int need_u64(const gg_reader *rd, const char *tag, unsigned long long *v, const char *where,
		    char *err)
{
	gg_reader body;
	if (need(rd, tag, &body, where, err) < 0)
		return -1;
	if (store_rec_get_u64(&body, v) < 0)
		return gg_fail(err, "corrupt: '%s' in %s", tag, where);
	return 0;
}

/* An allocated copy of a text record. */
static char *need_text(const gg_reader *rd, const char *tag, const char *where, char *err)
{
	gg_reader body;
	if (need(rd, tag, &body, where, err) < 0)
		return NULL;
	char *t = gg_xmalloc(body.n + 1);
	memcpy(t, body.p, body.n);
	t[body.n] = 0;
	return t;
}

/* Reads one scheduled or script command back from its text, with the validation of a
 * script's. */
static int reparse(lab *L, const char *path, const char *text, const char *where, cmd_call *out,
		   char *err)
{
	char msg[GG_ERRLEN] = "";
	if (L->opt.ops->parse(text, where, out, msg) < 0)
		return gg_fail(err, "%s: a saved command does not parse: %s", path, msg);
	return 0;
}

/* A run's configuration and status as read, against their bounds and the data they name
 * (the run has its data). snap: the rollback point of the run owner, which must be the
 * same run (data, model, part). groups: the file's twin groups. */
static int check_run(const run *r, const run *owner, int groups, char *err)
{
	const data_set *ds = r->data->ds;
	char e[GG_ERRLEN];
	if (nn_config_check(&r->mcfg, e) < 0)
		return gg_fail(err, "its model: %s", e);
	if (nn_config_is_conv(&r->mcfg) && (r->mcfg.img_c != ds->img_c ||
					     r->mcfg.img_h != ds->img_h || r->mcfg.img_w != ds->img_w))
		return gg_fail(err, "its model takes images of %dx%dx%d where the data (%s) have %dx%dx%d",
			       r->mcfg.img_c, r->mcfg.img_h, r->mcfg.img_w, ds->spec.name, ds->img_c,
			       ds->img_h, ds->img_w);
	if (r->mcfg.in != ds->dim || r->mcfg.classes != ds->classes)
		return gg_fail(err, "its model takes %d inputs and %d classes where the data (%s) have "
				    "%d and %d", r->mcfg.in, r->mcfg.classes, ds->spec.name, ds->dim,
			       ds->classes);
	if ((unsigned)r->state > RUN_DONE || r->goal_kind < GOAL_NONE || r->goal_kind > GOAL_EPOCHS ||
	    !(r->goal >= 0 && r->goal <= 1e15))
		return gg_fail(err, "its status (state %d, goal %d: %g) is out of range", (int)r->state,
			       r->goal_kind, r->goal);
	if (r->parts < 0 || r->parts > ds->n_train || r->part < 0 ||
	    r->part >= (r->parts > 1 ? r->parts : 1))
		return gg_fail(err, "it trains on part %d of %d, which the %d training examples do not "
				    "have", r->part, r->parts, ds->n_train);
	if (r->twin_group < 0 || r->twin_group > groups)
		return gg_fail(err, "twin group %d of %d", r->twin_group, groups);
	if (r->sched.n < 0 || r->sched.n > NN_MAX_DROPS)
		return gg_fail(err, "%d schedule drops (at most %d)", r->sched.n, NN_MAX_DROPS);
	for (int i = 0; i < r->sched.n; i++)
		if (!(r->sched.at[i] >= 0 && r->sched.at[i] <= 1e9) ||
		    (i && !(r->sched.at[i] > r->sched.at[i - 1])))
			return gg_fail(err, "schedule drop %d at epoch %g (drops increase, from 0 to 1e9)",
				       i + 1, r->sched.at[i]);
	if (!(r->sched.factor >= 1e-6f && r->sched.factor <= 1))
		return gg_fail(err, "schedule factor %g is outside [1e-6, 1]", (double)r->sched.factor);
	const nn_opt_config *o = &r->ocfg;
	if ((o->kind != NN_SGD && o->kind != NN_ADAMW) || (o->nesterov != 0 && o->nesterov != 1) ||
	    !(o->beta2 >= 0 && o->beta2 < 1) || !(o->adam_eps > 0 && o->adam_eps <= 1))
		return gg_fail(err, "its optimizer (kind %d, nesterov %d, beta2 %g, eps %g) is out of "
				    "range", (int)o->kind, o->nesterov, (double)o->beta2,
			       (double)o->adam_eps);
	if (run_check_memory(&r->mcfg, r->bs, e) < 0) /* before run_get_state builds it */
		return gg_fail(err, "%s", e);
	/* the settings' ranges were checked as they were read; now with the data, bs */
	const lab_setting *bs = lab_setting_find("bs");
	if (lab_setting_check(bs, r, bs->get(r), e) < 0)
		return gg_fail(err, "%s", e);
	if (owner && (!data_spec_equal(&r->dspec, &owner->dspec) || r->part != owner->part ||
		      r->parts != owner->parts || r->mcfg.kind != owner->mcfg.kind ||
		      nn_config_params(&r->mcfg) != nn_config_params(&owner->mcfg) ||
		      r->mcfg.norm != owner->mcfg.norm))
		return gg_fail(err, "its rollback point is of another data set, part or model");
	return 0;
}

/* The data a run was saved with against the data loaded now: other sizes are refused,
 * other examples said (in note). */
static int check_data_identity(const gg_reader *body, run *r, char *note, size_t len, char *err)
{
	gg_reader id, rec;
	if (!store_rec_find(body, "data.identity", &id))
		return 0; /* saved before its data was loaded */
	unsigned long long train, test, crc;
	if (need_u64(&id, "train", &train, "the data identity", err) < 0 ||
	    need_u64(&id, "test", &test, "the data identity", err) < 0 ||
	    need_u64(&id, "crc32", &crc, "the data identity", err) < 0 ||
	    need(&id, "source", &rec, "the data identity", err) < 0)
		return -1;
	const data_set *ds = r->data->ds;
	char was[520];
	snprintf(was, sizeof was, "%.*s", (int)(rec.n < 512 ? rec.n : 512), (const char *)rec.p);
	if (train != (unsigned long long)ds->n_train || test != (unsigned long long)ds->n_test)
		return gg_fail(err, "it was saved with %llu training and %llu test examples of %s (from "
				    "%s); the data loaded now have %d and %d (from %s)", train, test,
			       ds->spec.name, was, ds->n_train, ds->n_test, ds->source);
	if (crc != data_digest(r->data))
		snprintf(note, len, "%s: saved with other data than those loaded now: %s from %s "
				    "(CRC-32 %08llx) then, from %s (CRC-32 %08lx) now", r->name,
			 ds->spec.name, was, crc, ds->source, data_digest(r->data));
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
	gg_reader top = { .p = payload, .n = n }, it = top, body;
	run **runs = NULL;
	size_t *series_at = NULL; /* where each run's series start in the payload */
	size_t *twin_at = NULL;   /* where each twin group's agreement series start */
	long *twin_last = NULL, *twin_orig = NULL, *orig_sid = NULL; /* orig: the saved store ids */
	int nruns = 0, rc = -1, cur, groups;
	lab_sched *sched = NULL;
	int nsched = 0;
	cmd_list script = { 0 };
	int wait = 0, synced = 0;
	char **notes = NULL; /* what to say once loaded: runs saved with other data */
	int nnotes = 0;
	char tag[64], e2[GG_ERRLEN];
	int k;
	while ((k = store_rec_next(&it, tag, sizeof tag, &body)) > 0)
		;
	if (k < 0) {
		gg_fail(err, "%s: corrupt: cut short", path);
		goto out;
	}
	gg_reader lr;
	unsigned long long hl, nr, c, ng;
	if (need(&top, "lab", &lr, "the file", e2) < 0 || need_u64(&lr, "headless", &hl, "'lab'", e2) < 0 ||
	    need_u64(&lr, "runs", &nr, "'lab'", e2) < 0 || need_u64(&lr, "cur", &c, "'lab'", e2) < 0 ||
	    need_u64(&lr, "twin_groups", &ng, "'lab'", e2) < 0) {
		gg_fail(err, "%s: %s", path, e2);
		goto out;
	}
	*headless = (int)hl;
	cur = (int)c;
	groups = (int)ng;
	if (nr < 1 || nr > 4096 || c >= nr || hl > 1) {
		gg_fail(err, "%s: corrupt: bad run count", path);
		goto out;
	}
	if (ng > 100000) {
		gg_fail(err, "%s: corrupt: %llu twin groups", path, ng);
		goto out;
	}
	runs = gg_xcalloc(nr, sizeof *runs);
	series_at = gg_xcalloc(nr, sizeof *series_at);
	orig_sid = gg_xcalloc(nr, sizeof *orig_sid);
	for (it = top; store_rec_next(&it, tag, sizeof tag, &body) > 0;) {
		if (strcmp(tag, "run") != 0)
			continue;
		if (nruns == (int)nr) {
			gg_fail(err, "%s: corrupt: more runs than the %llu it says", path, nr);
			goto out;
		}
		/* the series id is assigned when the run is swapped in; build it detached */
		run *r = gg_xcalloc(1, sizeof *r);
		r->sid = -1;
		runs[nruns++] = r;
		snprintf(r->name, sizeof r->name, "%d", nruns);
		char *name = need_text(&body, "name", "a run", e2);
		if (name)
			snprintf(r->name, sizeof r->name, "%s", name);
		unsigned long long sid = 0;
		gg_reader sub, ser;
		if (!name || lab_check_run_name(name, e2) < 0 || need_u64(&body, "sid", &sid, r->name, e2) < 0 ||
		    need(&body, "config", &sub, r->name, e2) < 0 || run_get_config(&sub, r, e2) < 0 ||
		    need(&body, "status", &sub, r->name, e2) < 0 || run_get_status(&sub, r, e2) < 0 ||
		    need(&body, "series", &ser, r->name, e2) < 0) {
			free(name);
			gg_fail(err, "%s: run %d: %s", path, nruns, e2);
			goto out;
		}
		free(name);
		orig_sid[nruns - 1] = (long)sid;
		if (data_spec_check(&r->dspec, e2) < 0 || !(r->data = lab_dataref_get(L, &r->dspec, e2))) {
			gg_fail(err, "%s: run %s: its data: %s", path, r->name, e2);
			goto out;
		}
		char note[1200] = "";
		if (check_run(r, NULL, groups, e2) < 0 ||
		    check_data_identity(&body, r, note, sizeof note, e2) < 0) {
			gg_fail(err, "%s: corrupt: run %s: %s", path, r->name, e2);
			goto out;
		}
		if (note[0]) {
			notes = gg_xrealloc(notes, (size_t)(nnotes + 1) * sizeof *notes);
			notes[nnotes++] = gg_xstrdup(note);
		}
		if (store_rec_find(&body, "state", &sub)) {
			if (run_get_state(&sub, r, e2) < 0) {
				gg_fail(err, "%s: %s", path, e2);
				goto out;
			}
			gg_reader snap, sc, ss;
			if (store_rec_find(&body, "snapshot", &snap)) {
				run *s = r->snap = gg_xcalloc(1, sizeof *s);
				snprintf(s->name, sizeof s->name, "%s", r->name);
				s->data = r->data;
				if (need(&snap, "config", &sc, "the rollback point", e2) < 0 ||
				    need(&snap, "state", &ss, "the rollback point", e2) < 0 ||
				    run_get_config(&sc, s, e2) < 0 || check_run(s, r, groups, e2) < 0 ||
				    run_get_state(&ss, s, e2) < 0) {
					gg_fail(err, "%s: corrupt: the rollback point of %s: %s", path, r->name, e2);
					goto out;
				}
			}
			if (need(&body, "phdim", &sub, r->name, e2) < 0 || inst_phdim_load(r, &sub, e2) < 0) {
				gg_fail(err, "%s: %s", path, sub.bad ? "corrupt: PH dimension state cut short" : e2);
				goto out;
			}
		}
		/* The series are checked by reading them into a scratch store; the real store
		 * reads them again at the swap, when nothing can fail any more. */
		series_at[nruns - 1] = (size_t)(ser.p - payload);
		series_store *scratch = series_new();
		int bad = series_load_run(scratch, series_add_run(scratch, r->name), &ser) < 0;
		series_free(scratch);
		if (bad) {
			gg_fail(err, "%s: corrupt: the series of %s", path, r->name);
			goto out;
		}
	}
	if (nruns != (int)nr) {
		gg_fail(err, "%s: corrupt: %d run sections where it says %llu", path, nruns, nr);
		goto out;
	}
	twin_at = gg_xcalloc((size_t)groups + 1, sizeof *twin_at);
	twin_last = gg_xcalloc((size_t)groups + 1, sizeof *twin_last);
	twin_orig = gg_xcalloc((size_t)groups + 1, sizeof *twin_orig);
	for (it = top; store_rec_next(&it, tag, sizeof tag, &body) > 0;) {
		if (strcmp(tag, "twins") != 0)
			continue;
		unsigned long long g, sid, last;
		gg_reader ser;
		if (need_u64(&body, "group", &g, "a twin group", e2) < 0 ||
		    need_u64(&body, "sid", &sid, "a twin group", e2) < 0 ||
		    need_u64(&body, "last", &last, "a twin group", e2) < 0 ||
		    need(&body, "series", &ser, "a twin group", e2) < 0 || g < 1 || g > (unsigned)groups ||
		    twin_at[g]) {
			gg_fail(err, "%s: corrupt: a twin group: %s", path, e2);
			goto out;
		}
		twin_orig[g] = (long)sid;
		twin_last[g] = (long)last;
		twin_at[g] = (size_t)(ser.p - payload);
		series_store *scratch = series_new();
		int bad = series_load_run(scratch, series_add_run(scratch, "twins"), &ser) < 0;
		series_free(scratch);
		if (bad) {
			gg_fail(err, "%s: corrupt: the agreement series of twin group %llu", path, g);
			goto out;
		}
	}
	for (int g = 1; g <= groups; g++)
		if (!twin_at[g]) {
			gg_fail(err, "%s: no 'twins' section for twin group %d", path, g);
			goto out;
		}
	for (it = top; store_rec_next(&it, tag, sizeof tag, &body) > 0;) {
		if (strcmp(tag, "sched") != 0)
			continue;
		unsigned long long ri, step, every;
		char *t = NULL;
		if (need_u64(&body, "run", &ri, "a scheduled command", e2) < 0 ||
		    need_u64(&body, "step", &step, "a scheduled command", e2) < 0 ||
		    need_u64(&body, "every", &every, "a scheduled command", e2) < 0 ||
		    !(t = need_text(&body, "text", "a scheduled command", e2)) || ri >= nr ||
		    step > (1ULL << 50) || every > (1ULL << 50)) {
			free(t);
			gg_fail(err, "%s: corrupt: scheduled commands: %s", path,
				!t ? e2 : ri >= nr ? "no such run" : "a step out of range");
			goto out;
		}
		sched = gg_xrealloc(sched, (size_t)(nsched + 1) * sizeof *sched);
		int bad = reparse(L, path, t, "checkpoint", &sched[nsched].call, err) < 0;
		free(t);
		if (bad)
			goto out;
		sched[nsched].r = runs[ri];
		sched[nsched].step = (long)step;
		sched[nsched].every = (long)every;
		nsched++;
	}
	gg_reader sr;
	unsigned long long w, sy;
	if (need(&top, "script", &sr, "the file", e2) < 0 || need_u64(&sr, "wait", &w, "'script'", e2) < 0 ||
	    need_u64(&sr, "synced", &sy, "'script'", e2) < 0) {
		gg_fail(err, "%s: %s", path, e2);
		goto out;
	}
	if (w > 1 || sy > 1) {
		gg_fail(err, "%s: corrupt: the script's state", path);
		goto out;
	}
	wait = (int)w;
	synced = (int)sy;
	for (it = sr; store_rec_next(&it, tag, sizeof tag, &body) > 0;) {
		if (strcmp(tag, "cmd") != 0)
			continue;
		char *t = need_text(&body, "text", "a script command", e2);
		char *wh = t ? need_text(&body, "where", "a script command", e2) : NULL;
		cmd_call cc;
		int bad = !wh || reparse(L, path, t, wh, &cc, err) < 0;
		if (!wh)
			gg_fail(err, "%s: corrupt: the script: %s", path, e2);
		free(t);
		free(wh);
		if (bad)
			goto out;
		if (script.n == script.cap) {
			script.cap = script.cap ? 2 * script.cap : 16;
			script.calls = gg_xrealloc(script.calls, (size_t)script.cap * sizeof *script.calls);
		}
		script.calls[script.n++] = cc;
	}

	struct ph_job *jobs;
	if (inst_phjobs_load(&top, nruns, &jobs, e2) < 0) {
		gg_fail(err, "%s: %s", path, e2);
		goto out;
	}

	/* Everything was read: swap it in. The old runs' series stay in the store, dropped. */
	for (int i = 0; i < L->nsched; i++)
		L->opt.ops->free(&L->sched[i].call);
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
	inst_phjobs_adopt(L, jobs);
	L->sched = sched;
	L->nsched = nsched;

	L->cur = cur;
	series_set_current(L->series, runs[cur]->sid);
	runs = NULL;
	sched = NULL;
	if (with_script) {
		gg_reader lg;
		free(L->resume_log);
		L->resume_log = NULL;
		L->resume_log_n = 0;
		if (store_rec_find(&top, "log", &lg)) { /* read by lab_log_resume */
			L->resume_log = gg_xmalloc(lg.n ? lg.n : 1);
			memcpy(L->resume_log, lg.p, lg.n);
			L->resume_log_n = lg.n;
		}
		lab_calls_free(L, &L->script);
		L->script = script;
		memset(&script, 0, sizeof script);
		L->script_pos = 0;
		L->script_wait = wait;
		L->script_synced = synced;
	}
	for (int i = 0; i < L->nruns; i++)
		run_publish(L, L->runs[i]);
	for (int i = 0; i < nnotes; i++)
		lab_say(L, "%s", notes[i]);
	rc = 0;
out:
	for (int i = 0; i < nnotes; i++)
		free(notes[i]);
	free(notes);
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
		L->opt.ops->free(&sched[i].call);
	free(sched);
	lab_calls_free(L, &script);
	free(payload);
	return rc;
}

int lab_load(lab *L, const char *path, char *err)
{
	int headless;
	if (load_file(L, path, 0, &headless, err) < 0)
		return -1;
	lab_log_loaded(L);
	run *r = lab_current(L);
	lab_say(L, "loaded %d run%s from %s; the current run is %s at step %ld", L->nruns,
		L->nruns == 1 ? "" : "s", path, r->name, r->step);
	return 0;
}

int lab_resume(lab *L, const char *path, int *headless, char *err)
{
	char *sync = journal_sync_text(L);
	int rc = load_file(L, path, 1, headless, err);
	if (rc == 0) {
		journal_load(L, sync, path);
		lab_log_loaded(L);
	}
	free(sync);
	return rc;
}

int lab_script_left(lab *L)
{
	/* a script saved during its `train` has that train still to finish */
	return L->script.n - L->script_pos + (L->script_wait ? 1 : 0);
}

void lab_list(lab *L, FILE *out)
{
	for (int i = 0; i < L->nruns; i++) {
		run *r = L->runs[i];
		char c[2048];
		run_describe_config(r, c, sizeof c);
		fprintf(out, "run %s%s: step %ld, %s: %s\n", r->name, i == L->cur ? " (current)" : "",
			r->step, series_state_name(r->state), c);
	}
	for (int i = 0; i < L->nsched; i++) {
		lab_sched *s = &L->sched[i];
		if (s->every > 0)
			fprintf(out, "scheduled on %s: every %ld from step %ld: %s\n", s->r->name, s->every,
				s->step, s->call.text);
		else
			fprintf(out, "scheduled on %s: at step %ld: %s\n", s->r->name, s->step, s->call.text);
	}
	inst_phjobs_list(L, out);
	for (int i = L->script_pos; i < L->script.n; i++)
		fprintf(out, "script: %s: %s\n", L->script.calls[i].where, L->script.calls[i].text);
}
