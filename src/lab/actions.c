/* actions.c — what the commands do to the current run: its data, model, optimizer and
 * settings, training and pausing, evaluations, `show`, the recipe, the fit, the NAIS
 * margins, the PH dimension, and the export. Called on the trainer thread only, between
 * two steps; each function checks everything first and changes nothing when it fails. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/fit.h"
#include "gglab/store.h"
#include "gglab/util.h"
#include "gglab/blas.h"
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

int lab_data(lab *L, const data_spec *spec, int keep, char *err)
{
	run *r = lab_need_run(L, "data", err);
	if (!r)
		return -1;
	lab_dataref *d = lab_dataref_get(L, spec, err);
	if (!d)
		return -1;
	/* A built run restarts (or goes on) on the new data: refused here rather than left
	 * untrainable. A run not built yet takes its bs after its data, as a script does. */
	int n_train = r->parts > 1 ? d->ds->n_train / r->parts : d->ds->n_train;
	if (r->built && r->bs > n_train) {
		lab_dataref_put(L, d);
		return gg_fail(err, "bs=%d is larger than the new training set (%d examples%s): set a "
				    "smaller bs first; the run is unchanged", r->bs, n_train,
			       r->parts > 1 ? " in each part" : "");
	}
	if (keep && r->built) {
		/* The same network goes on learning from other data (e.g. true labels after
		 * random ones: an adversarial initialization). Only the data position is new. */
		if (d->ds->dim != r->data->ds->dim || d->ds->classes != r->data->ds->classes) {
			lab_dataref_put(L, d);
			return gg_fail(err, "keep=on needs data of the same shape: %s has %d features and %d "
					    "classes, the model takes %d and %d", spec->name, d->ds->dim,
				       d->ds->classes, r->data->ds->dim, r->data->ds->classes);
		}
		data_cursor_free(&r->cur);
		data_cursor_init_part(&r->cur, d->ds, gg_rng_derive(r->seed, "order") ^ (uint64_t)r->step,
				      r->part, r->parts, d->ds->spec.seed);
		inst_phdim_off(r);
		lab_mark(L, r->sid, r->step, SERIES_EV_SET, "data %s%s (weights kept)",
			 spec->name, spec->noise > 0 ? " noisy" : "");
	} else {
		restart(L, r, "new data");
	}
	lab_dataref_put(L, r->data);
	r->data = d;
	r->dspec = *spec;
	char desc[256];
	data_describe(d->ds, desc, sizeof desc);
	lab_say(L, "data %s%s", desc, keep && r->built ? ", weights kept" : "");
	if (keep && r->built)
		lab_say(L, "%s: training goes on from step %ld on the new data", r->name, r->step);
	return 0;
}

int lab_model(lab *L, const nn_config *cfg, char *err)
{
	run *r = lab_need_run(L, "model", err);
	if (!r)
		return -1;
	/* A convolutional model needs the image shape now: its data is loaded (as the build
	 * would), so a non-image set or too many stages is an error of this line. */
	if (!r->data && nn_config_is_conv(cfg) && !(r->data = lab_dataref_get(L, &r->dspec, err)))
		return -1;
	nn_config c = *cfg;
	c.in = 1;
	c.classes = 2;
	if (r->data)
		run_model_shape(&c, r->data->ds);
	if (nn_config_check(&c, err) < 0 || run_check_memory(&c, r->bs, err) < 0)
		return -1;
	restart(L, r, "new model");
	r->mcfg = *cfg;
	char desc[256];
	nn_config_describe(&c, desc, sizeof desc);
	if (nn_config_is_conv(&c)) /* its description has the parameter count */
		lab_say(L, "model %s", desc);
	else
		lab_say(L, "model %s, %zu params", desc, nn_config_params(&c));
	return 0;
}

/* Whether a setting changes the lr a run uses. */
static int moves_lr(const lab_setting *row)
{
	return !strcmp(row->name, "lr") || !strcmp(row->name, "bs") || !strcmp(row->name, "base") ||
	       !strcmp(row->name, "scale");
}

/* Sets one value on r (checked already). A value that changes nothing is neither applied
 * nor marked; else the change is marked as an event and added to msg (" key old -> new").
 * Returns 1 if something changed. */
static int change(lab *L, run *r, const lab_setting *row, double v, char *msg, size_t len)
{
	double old = row->get(r);
	row->set(r, v);
	double now = row->get(r); /* as stored (a float, an int) */
	row->set(r, old);
	if (now == old)
		return 0;
	row->set(r, v);
	if (row->apply)
		row->apply(r);
	size_t n = strlen(msg);
	if (n < len)
		snprintf(msg + n, len - n, " %s %g -> %g", row->name, old, now);
	if (r->built)
		lab_mark(L, r->sid, r->step, SERIES_EV_SET, "%s %g->%g", row->name, old, now);
	return 1;
}

/* After changes that move the lr: what it is now, where the recipe scales it. */
static void lr_note(run *r, char *msg, size_t len)
{
	if (!(r->base_bs > 0 && r->lr_scale != 0 && r->bs != r->base_bs))
		return;
	char lr[96];
	run_lr_text(r, lr, sizeof lr);
	size_t n = strlen(msg);
	if (n < len)
		snprintf(msg + n, len - n, "; lr now %s", lr);
}

int lab_opt(lab *L, const nn_opt_config *cfg, const nn_schedule *sched, char *err)
{
	run *r = lab_need_run(L, "opt", err);
	if (!r)
		return -1;
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
		lab_mark(L, r->sid, r->step, SERIES_EV_SET, "opt %s lr %g",
			 cfg->kind == NN_SGD ? "sgd" : "adamw", cfg->lr);
	}
	/* the values as `show` reports them (momentum is AdamW's beta1) */
	char vals[300];
	int len = 0;
	const char *keys[] = { "lr", "momentum", "wd", "clip" };
	for (int i = 0; i < 4; i++)
		len += snprintf(vals + len, sizeof vals - len, " %s %g", keys[i],
				lab_setting_find(keys[i])->get(r));
	lr_note(r, vals, sizeof vals);
	lab_say(L, "%s: opt %s%s%s @ step %ld", r->name, cfg->kind == NN_SGD ? "sgd" : "adamw", vals,
		kind_changed && r->built ? " (optimizer state reset)" : "", r->step);
	return 0;
}

/* Every value is checked against every target run before any is applied. */
int lab_set(lab *L, int all, int n, const char *const *keys, const double *vals, char *err)
{
	run *cur = lab_need_run(L, "set", err);
	if (!cur)
		return -1;
	const lab_setting *rows[16];
	if (n > 16)
		return gg_fail(err, "at most 16 settings at once");
	for (int i = 0; i < n; i++)
		if (!(rows[i] = lab_setting_find(keys[i])))
			return gg_fail(err, "unknown setting '%s'", keys[i]);
	for (int k = 0; k < L->nruns; k++)
		for (int i = 0; (all || L->runs[k] == cur) && i < n; i++)
			if (lab_setting_check(rows[i], L->runs[k], vals[i], err) < 0)
				return -1;
	for (int k = 0; k < L->nruns; k++) {
		run *r = L->runs[k];
		if (!all && r != cur)
			continue;
		char msg[600] = "";
		int changed = 0, lr = 0;
		for (int i = 0; i < n; i++)
			if (change(L, r, rows[i], vals[i], msg, sizeof msg)) {
				changed++;
				lr |= moves_lr(rows[i]);
			}
		if (!changed) {
			lab_say(L, "%s: nothing changed (%s %g already)", r->name, keys[0], rows[0]->get(r));
			continue;
		}
		if (lr)
			lr_note(r, msg, sizeof msg);
		if (lr && r->built && r->base_bs > 0 && r->lr_scale != 0 && r->bs != r->base_bs) {
			char t[96];
			run_lr_text(r, t, sizeof t);
			lab_mark(L, r->sid, r->step, SERIES_EV_SET, "lr now %s", t);
		}
		lab_say(L, "%s:%s @ step %ld", r->name, msg, r->step);
	}
	return 0;
}

static int train_one(lab *L, run *r, double n, int epochs, char *err)
{
	if (run_build(L, r, err) < 0)
		return -1;
	if (r->state == RUN_DIVERGED)
		lab_say(L, "%s: resuming a diverged run (rollback returns to its last good state)", r->name);
	double k = epochs ? run_regime_factor(r) : 1.0;
	if (n > 0) {
		r->goal_kind = epochs ? GOAL_EPOCHS : GOAL_STEPS;
		r->goal = epochs ? run_epoch(r) + n * k : r->step + n;
	} else {
		r->goal_kind = GOAL_NONE;
	}
	r->state = RUN_RUNNING;
	r->rate_t0 = 0;
	if (n > 0 && k != 1.0)
		lab_say(L, "%s: training %g epochs (%g x %g: regime adaptation) from step %ld", r->name,
			n * k, n, k, r->step);
	else if (n > 0)
		lab_say(L, "%s: training %g %s from step %ld", r->name, n, epochs ? "epochs" : "steps",
			r->step);
	else
		lab_say(L, "%s: training from step %ld until 'pause'", r->name, r->step);
	return 0;
}

int lab_train(lab *L, int all, double n, int epochs, char *err)
{
	run *r = lab_need_run(L, "train", err);
	if (!r)
		return -1;
	if (!all && !r->twin_group)
		return train_one(L, r, n, epochs, err);
	/* -a: every run; a twin: its group, so that the twins evaluate together */
#define TARGET(q) (all || (q)->twin_group == r->twin_group)
	char e[GG_ERRLEN];
	for (int i = 0; i < L->nruns; i++) /* build them all first: a failure starts none */
		if (TARGET(L->runs[i]) && run_build(L, L->runs[i], e) < 0)
			return gg_fail(err, "%s: %s", L->runs[i]->name, e);
	for (int i = 0; i < L->nruns; i++)
		if (TARGET(L->runs[i]))
			train_one(L, L->runs[i], n, epochs, err);
#undef TARGET
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

int lab_eval_full(lab *L, int stages, char *err)
{
	run *r = lab_need_run(L, "eval", err);
	if (!r)
		return -1;
	if (run_build(L, r, err) < 0)
		return -1;
	if (stages > 0 && r->mcfg.kind != NN_NAIS)
		return gg_fail(err, "eval stages=%d: %s is an mlp; stages apply to a nais model", stages,
			       r->name);
	const data_set *ds = r->data->ds;
	double trl = 0, tel = 0;
	long tre = 0, tee = 0;
	run_eval(L, r, ds->train_x, ds->train_y, ds->n_train, stages, &trl, &tre);
	run_eval(L, r, ds->test_x, ds->test_y, ds->n_test, stages, &tel, &tee);
	if (stages > 0)
		lab_say(L, "%s: unrolled %d stages per block (trained with %d):", r->name, stages,
			r->mcfg.stages);
	trl /= ds->n_train;
	tel /= ds->n_test;
	double trerr = (double)tre / ds->n_train, teerr = (double)tee / ds->n_test;
	lab_mark(L, r->sid, r->step, SERIES_EV_EVAL, "full eval: test_err %.4f", teerr);
	lab_say(L, "%s @ step %ld, full sets: train loss %.4f err %.2f%% (%d) | test loss %.4f "
		   "err %.2f%% (%d) | gap loss %.4f err %.2f%%",
		r->name, r->step, trl, 100 * trerr, ds->n_train, tel, 100 * teerr, ds->n_test,
		tel - trl, 100 * (teerr - trerr));
	if (r->last_eval != r->step)
		run_evaluate(L, r);
	if (stages == 0) { /* the full sets' numbers in their own columns, in the row of this step */
		lab_row row = { 0 };
		lab_row_set(L, &row, "full_train_loss", trl);
		lab_row_set(L, &row, "full_train_err", trerr);
		lab_row_set(L, &row, "full_test_loss", tel);
		lab_row_set(L, &row, "full_test_err", teerr);
		lab_row_set(L, &row, "full_gap_loss", tel - trl);
		lab_row_set(L, &row, "full_gap_err", teerr - trerr);
		lab_emit_row(L, r->sid, r->step, &row);
		lab_row_free(&row);
	}
	return 0;
}

int lab_show(lab *L, char *err)
{
	(void)err;
	run *r = lab_need_run(L, "show", err);
	if (!r)
		return -1;
	char m[256];
	nn_config c = r->mcfg;
	if (r->data)
		run_model_shape(&c, r->data->ds);
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
		lab_say(L, "  %-8s %-10g %s", lab_settings[i].name, lab_settings[i].get(r),
			lab_settings[i].help);
	if (r->built) {
		char lr[96];
		run_lr_text(r, lr, sizeof lr);
		lab_say(L, "  now    lr %s, eval every %d steps", lr, run_eval_interval(r));
		double v;
		int shown = 0;
		char line[600], line2[600];
		int n_eval = r->data->ds->n_eval;
		int len = snprintf(line, sizeof line, "  last  ");
		for (int k = COL_BATCH_LOSS; k < NCOLS && len < (int)sizeof line; k++) {
			if (series_last(L->series, r->sid, L->cols[k], &v) >= 0 && isfinite(v)) {
				len += snprintf(line + len, sizeof line - len, " %s %.4g", lab_col_names[k], v);
				if ((k == COL_TRAIN_ERR || k == COL_TEST_ERR) && v >= 0 && v <= 1 && len < (int)sizeof line)
					len += snprintf(line + len, sizeof line - len, " ± %.2g",
							sqrt(v * (1 - v) / n_eval));
				shown = 1;
			}
		}
		/* a NAIS run: beside the margin (pinned for a stable block) what moves */
		len = snprintf(line2, sizeof line2, "  nais  ");
		int nais = 0;
		for (int col = 0; col < series_ncols(L->series) && len < (int)sizeof line2; col++) {
			char name[64];
			series_colname(L->series, col, name, sizeof name);
			if (!strncmp(name, "nais_", 5) && series_last(L->series, r->sid, col, &v) >= 0 &&
			    isfinite(v)) {
				len += snprintf(line2 + len, sizeof line2 - len, " %s %.4g", name + 5, v);
				nais = 1;
			}
		}
		if (shown) {
			if (nais)
				lab_say(L, "%s", line2);
			lab_say(L, "%s", line);
			lab_say(L, "         (train_ and test_ values: on the evaluation subsets of %d images; "
				   "± is the standard error; 'eval' measures the full sets)", n_eval);
		}
	}
	char blas[320];
	blas_describe(blas, sizeof blas, L->opt.threads);
	lab_say(L, "  blas   %s, %d now%s", blas, L->blas_threads,
		L->opt.workers > 1 ? ", runs side by side on the workers" : "");
	if (L->pick.decided)
		lab_say(L, "  step   a run alone: on %s (measured at batch %d: %.3g ms a step on %d threads, "
			   "%.3g ms on one)", L->pick.use ? "every core" : "one thread", L->pick_bs,
			1e3 * L->pick.best[1], nn_team_size(L->team), 1e3 * L->pick.best[0]);
	return 0;
}

/* The large-batch recipe of Hoffer et al. 2017 for the current run's batch size, as
 * ordinary settings (so it composes, is journaled, and `show` lists it): square-root lr
 * scaling from the base batch size, ghost batch norm where the model has it, regime
 * adaptation, and a global gradient clip of 5. Ghost batches are `ghost` (> 0: told), else
 * the base batch size when the model's ghost size is its default (a size the model was
 * given is kept). Idempotent: it says what it changed and what it left. */
int lab_recipe(lab *L, int base, int ghost, char *err)
{
	run *r = lab_need_run(L, "recipe", err);
	if (!r)
		return -1;
	int gbn = r->mcfg.norm == NN_NORM_GBN;
	if (ghost > 0 && !gbn)
		return gg_fail(err, "recipe hoffer ghost=%d: %s has no ghost batch norm (model ... norm=gbn)",
			       ghost, r->name);
	nn_config def;
	nn_config_default(&def, r->mcfg.kind);
	int g = ghost > 0 ? ghost : r->mcfg.ghost == def.ghost ? base : r->mcfg.ghost;
	const char *keys[5] = { "base", "scale", "regime", "clip", "ghost" };
	double vals[5] = { base, 0.5, 1, 5, g };
	int n = gbn ? 5 : 4;
	for (int i = 0; i < n; i++)
		if (lab_setting_check(lab_setting_find(keys[i]), r, vals[i], err) < 0)
			return -1;
	char msg[600] = "", left[300] = "";
	int changed = 0;
	for (int i = 0; i < n; i++)
		changed += change(L, r, lab_setting_find(keys[i]), vals[i], msg, sizeof msg);
	if (!gbn)
		snprintf(left, sizeof left, "; not applied: ghost batch norm (%s has norm=%s: 'model ... "
					   "norm=gbn' for it)", r->name, r->mcfg.norm == NN_NORM_BN ? "bn" : "none");
	else if (ghost <= 0 && g != base)
		snprintf(left, sizeof left, "; left ghost %d, the model's (ghost=G changes it)", g);
	char lr[96];
	run_lr_text(r, lr, sizeof lr);
	if (changed && r->built) {
		lab_mark(L, r->sid, r->step, SERIES_EV_SET, "recipe hoffer: lr now %s", lr);
	}
	lab_say(L, "%s: recipe hoffer%s%s%s; lr %s, epochs × %g, clip 5", r->name,
		changed ? ": changed" : ": already applied, nothing changed", msg, left, lr,
		run_regime_factor(r));
	return 0;
}

/* Fits d ≈ a + b·ln t (and d ≈ a + b·√t) to the current run's distance from init over
 * [from, to] (to ≤ 0: the end), and keeps the window for the screen's distance panel. */
int lab_fit(lab *L, long from, long to, char *err)
{
	run *r = lab_need_run(L, "fit", err);
	if (!r)
		return -1;
	int col = series_find_col(L->series, "dist");
	size_t n = series_nrows(L->series, r->sid);
	long *steps = gg_xmalloc((n ? n : 1) * sizeof *steps);
	double *d = gg_xmalloc((n ? n : 1) * sizeof *d), *t = gg_xmalloc((n ? n : 1) * sizeof *t);
	n = series_read(L->series, r->sid, col, 0, n, steps, d);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (steps[i] > 0 && steps[i] >= from && (to <= 0 || steps[i] <= to) && isfinite(d[i])) {
			t[m] = (double)steps[i];
			d[m++] = d[i];
		}
	int rc = 0;
	if (m < FIT_MIN_POINTS) {
		char end[32] = "the end";
		if (to > 0)
			snprintf(end, sizeof end, "%ld", to);
		rc = gg_fail(err, "%s: steps %ld..%s hold %zu point%s of dist after step 0; a fit needs at "
				  "least %d (widen the window, or train longer)", r->name, from, end, m,
			     m == 1 ? "" : "s", FIT_MIN_POINTS);
	} else {
		double a, b, r2, sa, sb, sr2;
		fit_line(t, d, m, 0, &a, &b, &r2);
		fit_line(t, d, m, 1, &sa, &sb, &sr2);
		r->fit_from = from;
		r->fit_to = to > 0 ? to : 0;
		lab_say(L, "%s: dist = %.4g + %.4g ln t over steps %.0f..%.0f (n = %zu points): diffusion "
			   "rate b %.4g, R^2 %.4f; sqrt fit: R^2 %.4f%s",
			r->name, a, b, t[0], t[m - 1], m, b, r2, sr2,
			r2 > sr2 ? " (log wins)" : " (sqrt wins)");
	}
	free(steps);
	free(d);
	free(t);
	return rc;
}

/* NAIS margins of the current run, now: what every evaluation records, printed. */
int lab_margins(lab *L, char *err)
{
	run *r = lab_need_run(L, "margins", err);
	if (!r)
		return -1;
	if (r->mcfg.kind != NN_NAIS)
		return gg_fail(err, "%s has no NAIS blocks: NAIS margins need a NAIS-Net ('model nais "
				    "width=W blocks=B stages=K', or conv=C for convolutional blocks)", r->name);
	if (run_build(L, r, err) < 0)
		return -1;
	lab_row row = { 0 };
	inst_nais(L, r, &row);
	for (int i = 0; i < row.n; i++) {
		char name[64];
		series_colname(L->series, row.col[i], name, sizeof name);
		lab_say(L, "%s @ step %ld: %-22s %.6g", r->name, r->step, name, row.v[i]);
	}
	lab_row_free(&row);
	return 0;
}

int lab_phdim(lab *L, int on, int n, int k, int stride, int every, int loss, int m, char *err)
{
	run *r = lab_need_run(L, "phdim", err);
	if (!r)
		return -1;
	if (on < 0) {
		inst_phdim_off(r);
		lab_say(L, "%s: PH dimension off", r->name);
		return 0;
	}
	if (on > 0) {
		if (inst_phdim_on(L, r, n, k, stride, every, loss, m, err) < 0)
			return -1;
		if (loss)
			lab_say(L, "%s: PH dimension on: the last %d iterates as losses on %d fixed training "
				   "examples (L1)%s", r->name, n, m, every ? "" : "; 'phdim' estimates");
		else
			lab_say(L, "%s: PH dimension on: the last %d iterates, every %d step%s, projected "
				   "to %d dims%s", r->name, n, stride, stride == 1 ? "" : "s", k,
				every ? "" : "; 'phdim' estimates");
		return 0;
	}
	if (inst_phdim_check(r, err) < 0)
		return -1;
	if (r->last_eval != r->step)
		run_evaluate(L, r); /* the result needs a row to live in */
	if (inst_phdim_now(L, r, err) < 0)
		return -1;
	lab_say(L, "%s: PH dimension of the last iterates: estimating in the background", r->name);
	return 0;
}

int lab_export(lab *L, int jsonl, const char *path, char *err)
{
	inst_phdim_wait(L); /* every estimate asked for is in the file */
	if ((jsonl ? store_export_jsonl : store_export_csv)(L->series, path, err) < 0)
		return -1;
	lab_say(L, "exported every run's series, settings and events to %s", path);
	return 0;
}
