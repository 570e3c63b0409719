/* lab.c — what the commands do to runs. Called on the trainer thread only, between two
 * steps; each function checks everything first and changes nothing when it fails. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/store.h"
#include "gglab/util.h"
#include "internal.h"

/* A change of data or model makes the run start over from fresh weights. */
static void restart(lab *L, run *r, const char *why)
{
	if (r->built && r->step > 0)
		lab_say(L, "%s: %s: restarts from step 0 with fresh weights", r->name, why);
	run_unbuild(L, r);
	r->state = RUN_IDLE;
	r->goal_kind = GOAL_NONE;
}

int lab_data(lab *L, const data_spec *spec, char *err)
{
	run *r = lab_current(L);
	lab_dataref *d = lab_dataref_get(L, spec, err);
	if (!d)
		return -1;
	restart(L, r, "new data");
	lab_dataref_put(L, r->data);
	r->data = d;
	r->dspec = *spec;
	char desc[256];
	data_describe(d->ds, desc, sizeof desc);
	lab_say(L, "data %s", desc);
	return 0;
}

int lab_model(lab *L, const nn_config *cfg, char *err)
{
	run *r = lab_current(L);
	nn_config c = *cfg;
	c.in = r->data ? r->data->ds->dim : 1;
	c.classes = r->data ? r->data->ds->classes : 2;
	if (nn_config_check(&c, err) < 0)
		return -1;
	restart(L, r, "new model");
	r->mcfg = *cfg;
	char desc[96];
	nn_config_describe(&c, desc, sizeof desc);
	lab_say(L, "model %s", desc);
	return 0;
}

int lab_opt(lab *L, const nn_opt_config *cfg, const nn_schedule *sched, char *err)
{
	run *r = lab_current(L);
	(void)err;
	int kind_changed = cfg->kind != r->ocfg.kind;
	r->ocfg = *cfg;
	r->sched = *sched;
	if (r->built) {
		if (kind_changed) { /* moments of another optimizer mean nothing here */
			nn_opt_free(&r->opt);
			nn_opt_init(&r->opt, cfg, r->model->nparams);
		} else {
			r->opt.cfg = *cfg;
		}
		series_mark(L->series, r->sid, r->step, SERIES_EV_SET, "opt %s lr %g",
			    cfg->kind == NN_SGD ? "sgd" : "adamw", cfg->lr);
	}
	lab_say(L, "%s: opt %s lr %g momentum %g wd %g clip %g%s @ step %ld", r->name,
		cfg->kind == NN_SGD ? "sgd" : "adamw", cfg->lr, cfg->momentum, cfg->wd, cfg->clip,
		kind_changed && r->built ? " (optimizer state reset)" : "", r->step);
	return 0;
}

static double get_setting(const run *r, const char *key)
{
	if (!strcmp(key, "lr"))
		return r->ocfg.lr;
	if (!strcmp(key, "bs"))
		return r->bs;
	if (!strcmp(key, "momentum"))
		return r->ocfg.kind == NN_SGD ? r->ocfg.momentum : r->ocfg.beta1;
	if (!strcmp(key, "wd"))
		return r->ocfg.wd;
	if (!strcmp(key, "clip"))
		return r->ocfg.clip;
	if (!strcmp(key, "ghost"))
		return r->mcfg.ghost;
	if (!strcmp(key, "eval"))
		return r->eval_every;
	return NAN;
}

static void put_setting(run *r, const char *key, double v)
{
	if (!strcmp(key, "lr"))
		r->ocfg.lr = (float)v;
	else if (!strcmp(key, "bs"))
		r->bs = (int)v; /* the batch buffer grows at the next step */
	else if (!strcmp(key, "momentum") && r->ocfg.kind == NN_SGD)
		r->ocfg.momentum = (float)v;
	else if (!strcmp(key, "momentum"))
		r->ocfg.beta1 = (float)v;
	else if (!strcmp(key, "wd"))
		r->ocfg.wd = (float)v;
	else if (!strcmp(key, "clip"))
		r->ocfg.clip = (float)v;
	else if (!strcmp(key, "ghost")) {
		r->mcfg.ghost = (int)v;
		if (r->built)
			nn_model_set_ghost(r->model, (int)v);
	} else if (!strcmp(key, "eval"))
		r->eval_every = (int)v;
	if (r->built)
		r->opt.cfg = r->ocfg;
}

int lab_set(lab *L, int n, const char *const *keys, const double *vals, char *err)
{
	run *r = lab_current(L);
	for (int i = 0; i < n; i++) { /* checks that need the run, before anything changes */
		if (!strcmp(keys[i], "bs") && r->data && vals[i] > r->data->ds->n_train)
			return gg_fail(err, "bs=%g is larger than the training set (%d examples)",
				       vals[i], r->data->ds->n_train);
		if (!strcmp(keys[i], "ghost") && r->mcfg.norm != NN_NORM_GBN)
			return gg_fail(err, "ghost applies only to a model with norm=gbn (this one: %s)",
				       r->mcfg.norm == NN_NORM_BN ? "bn" : "none");
	}
	char msg[400];
	int len = snprintf(msg, sizeof msg, "%s:", r->name);
	for (int i = 0; i < n; i++) {
		double old = get_setting(r, keys[i]);
		put_setting(r, keys[i], vals[i]);
		if (len < (int)sizeof msg)
			len += snprintf(msg + len, sizeof msg - len, " %s %g -> %g", keys[i], old, vals[i]);
		if (r->built)
			series_mark(L->series, r->sid, r->step, SERIES_EV_SET, "%s %g->%g", keys[i], old,
				    vals[i]);
	}
	lab_say(L, "%s @ step %ld", msg, r->step);
	return 0;
}

int lab_train(lab *L, double n, int epochs, char *err)
{
	run *r = lab_current(L);
	if (n <= 0 && L->opt.batch)
		return gg_fail(err, "train needs a length in --batch mode (e.g. 'train 5 epochs'), "
				    "or the run would never end");
	if (run_build(L, r, err) < 0)
		return -1;
	if (r->state == RUN_DIVERGED)
		lab_say(L, "%s: resuming a diverged run", r->name);
	if (n > 0) {
		r->goal_kind = epochs ? GOAL_EPOCHS : GOAL_STEPS;
		r->goal = epochs ? run_epoch(r) + n : r->step + n;
	} else {
		r->goal_kind = GOAL_NONE;
	}
	r->state = RUN_RUNNING;
	r->rate_t0 = 0;
	if (n > 0)
		lab_say(L, "%s: training %g %s from step %ld", r->name, n, epochs ? "epochs" : "steps",
			r->step);
	else
		lab_say(L, "%s: training from step %ld until 'pause'", r->name, r->step);
	return 0;
}

int lab_pause(lab *L, char *err)
{
	(void)err;
	int n = 0;
	for (int i = 0; i < L->nruns; i++) {
		run *r = L->runs[i];
		if (r->state == RUN_RUNNING) {
			r->state = RUN_PAUSED;
			r->goal_kind = GOAL_NONE;
			n++;
			lab_say(L, "%s: paused at step %ld", r->name, r->step);
		}
	}
	if (!n)
		lab_say(L, "nothing is training");
	return 0;
}

int lab_eval_full(lab *L, char *err)
{
	run *r = lab_current(L);
	if (run_build(L, r, err) < 0)
		return -1;
	const data_set *ds = r->data->ds;
	double trl = 0, tel = 0;
	long tre = 0, tee = 0;
	nn_model_eval(r->model, ds->train_x, ds->train_y, ds->n_train, 0, &trl, &tre, NULL);
	nn_model_eval(r->model, ds->test_x, ds->test_y, ds->n_test, 0, &tel, &tee, NULL);
	trl /= ds->n_train;
	tel /= ds->n_test;
	double trerr = (double)tre / ds->n_train, teerr = (double)tee / ds->n_test;
	series_mark(L->series, r->sid, r->step, SERIES_EV_EVAL, "full eval: test_err %.4f", teerr);
	lab_say(L, "%s @ step %ld, full sets: train loss %.4f err %.2f%% (%d) | test loss %.4f "
		   "err %.2f%% (%d) | gap loss %.4f err %.2f%%",
		r->name, r->step, trl, 100 * trerr, ds->n_train, tel, 100 * teerr, ds->n_test,
		tel - trl, 100 * (teerr - trerr));
	if (r->last_eval != r->step)
		run_evaluate(L, r);
	return 0;
}

int lab_show(lab *L, char *err)
{
	(void)err;
	run *r = lab_current(L);
	char m[96];
	nn_config c = r->mcfg;
	if (r->data) {
		c.in = r->data->ds->dim;
		c.classes = r->data->ds->classes;
	}
	nn_config_describe(&c, m, sizeof m);
	lab_say(L, "run %s seed %llu: %s at step %ld, epoch %.2f", r->name,
		(unsigned long long)r->seed, series_state_name(r->state), r->step, run_epoch(r));
	if (r->data) {
		char d[256];
		data_describe(r->data->ds, d, sizeof d);
		lab_say(L, "  data   %s", d);
	}
	lab_say(L, "  model  %s%s", m,
		r->built ? "" : " (built at the next train or eval)");
	char drops[160] = "";
	for (int i = 0, len = 0; i < r->sched.n && len < (int)sizeof drops; i++)
		len += snprintf(drops + len, sizeof drops - len, "%s%g", i ? "," : "", r->sched.at[i]);
	lab_say(L, "  opt    %s%s%s%s%s", r->ocfg.kind == NN_SGD ? "sgd" : "adamw",
		r->ocfg.nesterov ? " nesterov" : "", r->sched.n ? " drops=" : "", drops,
		r->sched.n ? " (×factor each)" : "");
	for (int i = 0; i < lab_nsettings; i++)
		lab_say(L, "  %-8s %-10g %s", lab_settings[i].name, get_setting(r, lab_settings[i].name),
			lab_settings[i].help);
	if (r->built) {
		lab_say(L, "  now    lr %g (after schedule), eval every %d steps", run_lr(r),
			run_eval_interval(r));
		double v;
		int shown = 0;
		char line[400];
		int len = snprintf(line, sizeof line, "  last  ");
		for (int k = COL_BATCH_LOSS; k < NCOLS && len < (int)sizeof line; k++) {
			if (series_last(L->series, r->sid, L->cols[k], &v) >= 0 && isfinite(v)) {
				len += snprintf(line + len, sizeof line - len, " %s %.4g", lab_col_names[k], v);
				shown = 1;
			}
		}
		if (shown)
			lab_say(L, "%s", line);
	}
	return 0;
}

int lab_export_csv(lab *L, const char *path, char *err)
{
	if (store_export_csv(L->series, path, err) < 0)
		return -1;
	lab_say(L, "exported every run's series to %s", path);
	return 0;
}
