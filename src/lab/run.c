/* run.c — one training run: the data sets it shares with others (loaded once), building
 * it from its configuration, one optimizer step, the periodic evaluation that feeds the
 * series store, the status it publishes for the screen, and its fork, rollback point and
 * rollback. Trainer thread only (a step's computation may run on a pool worker). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/util.h"
#include "internal.h"

const char *const lab_col_names[NCOLS] = {
	"epoch", "lr", "lr_base", "bs", "batch_loss", "train_loss", "train_err", "test_loss", "test_err",
	"gap_loss", "gap_err", "dist", "wnorm", "grad_norm", "momentum", "wd", "clip",
};

/* ---- the data cache: a data set is loaded once and shared by the runs using it ----- */

/* A load's progress, for the screen's status line ("loading Fashion-MNIST 60 %"). */
static void say_loading(void *arg, const char *what, int percent)
{
	lab_post(arg, LAB_MSG_LOADING, -1, 0, "loading %s %d %%", what, percent);
}

lab_dataref *lab_dataref_get(lab *L, const data_spec *spec, char *err)
{
	for (lab_dataref *d = L->datas; d; d = d->next)
		if (data_spec_equal(&d->ds->spec, spec)) {
			d->refs++;
			return d;
		}
	/* a synthetic set is made here: its size is known before (an image set is as big as
	 * its files) */
	int dim, classes;
	if (data_synth_shape(spec->name, spec->dim, &dim, &classes) == 0) {
		double bytes = 4.0 * dim * ((spec->n > 0 ? spec->n : 1000) + 2000.0);
		if (bytes > (double)gg_mem_limit()) {
			char need[32], have[32];
			gg_format_bytes(bytes, need, sizeof need);
			gg_format_bytes((double)gg_mem_limit(), have, sizeof have);
			gg_fail(err, "data %s n=%d dim=%d would take %s, more than the memory available "
				     "(%s; --max-memory sets the bound)", spec->name, spec->n, dim, need, have);
			return NULL;
		}
	}
	data_set *ds;
	data_set_progress(say_loading, L);
	int rc = data_load(&ds, spec, err);
	data_set_progress(NULL, NULL);
	lab_post(L, LAB_MSG_LOADING, -1, 0, "%s", ""); /* done (or failed: the error says why) */
	if (rc < 0)
		return NULL;
	lab_dataref *d = gg_xcalloc(1, sizeof *d);
	d->ds = ds;
	d->refs = 1;
	d->next = L->datas;
	L->datas = d;
	return d;
}

void lab_dataref_put(lab *L, lab_dataref *d)
{
	if (!d || --d->refs > 0)
		return;
	for (lab_dataref **p = &L->datas; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	data_free(d->ds);
	free(d);
}

/* ---- runs ----------------------------------------------------------------------------- */

run *run_new(lab *L, const char *name, uint64_t seed)
{
	run *r = gg_xcalloc(1, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name);
	r->seed = seed;
	r->sid = series_add_run(L->series, name);
	r->state = RUN_IDLE;
	r->goal_kind = GOAL_NONE;
	return r;
}

static void free_snap(run *r);

/* Frees the trained state (model, w₀, optimizer, data position, batch buffers). */
static void free_state(run *r)
{
	nn_model_free(r->model);
	nn_model_free(r->eval_copy);
	r->eval_copy = NULL;
	nn_opt_free(&r->opt);
	data_cursor_free(&r->cur);
	free(r->w0);
	free(r->xb);
	free(r->yb);
	free(r->picks);
	r->model = NULL;
	r->w0 = NULL;
	r->xb = NULL;
	r->yb = NULL;
	r->picks = NULL;
	r->xb_cap = 0;
	r->built = 0;
}

void run_unbuild(lab *L, run *r)
{
	free_snap(r);
	inst_phdim_off(r);
	if (r->built)
		free_state(r);
	(void)L;
}

void run_free(lab *L, run *r)
{
	run_unbuild(L, r);
	lab_dataref_put(L, r->data);
	free(r);
}

/* bs/base when regime adaptation is on: "train longer" multiplies every epoch count. */
double run_regime_factor(const run *r)
{
	return r->regime && r->base_bs > 0 ? (double)r->bs / r->base_bs : 1.0;
}

/* The learning rate now: the base lr, scaled for the batch size if the recipe says so,
 * times the schedule's drops (whose epochs regime adaptation stretches). */
double run_lr(const run *r)
{
	double lr = r->ocfg.lr;
	if (r->base_bs > 0 && r->lr_scale != 0)
		lr *= pow((double)r->bs / r->base_bs, r->lr_scale);
	nn_schedule s = r->sched;
	double k = run_regime_factor(r);
	for (int i = 0; i < s.n; i++)
		s.at[i] *= k;
	return nn_schedule_lr(&s, (float)lr, run_epoch(r));
}

void run_lr_text(const run *r, char *buf, size_t len)
{
	double lr = run_lr(r), base = r->ocfg.lr;
	int scaled = r->base_bs > 0 && r->lr_scale != 0 && r->bs != r->base_bs;
	double k = scaled ? pow((double)r->bs / r->base_bs, r->lr_scale) : 1.0;
	double drop = lr / (base * k);
	int dropped = fabs(drop - 1) > 1e-6;
	if (!scaled && !dropped) {
		snprintf(buf, len, "%.4g", lr);
		return;
	}
	char how[64] = "";
	if (scaled && r->lr_scale == 0.5)
		snprintf(how, sizeof how, " × √(%d/%d)", r->bs, r->base_bs);
	else if (scaled && r->lr_scale == 1)
		snprintf(how, sizeof how, " × %d/%d", r->bs, r->base_bs);
	else if (scaled)
		snprintf(how, sizeof how, " × (%d/%d)^%g", r->bs, r->base_bs, r->lr_scale);
	char drops[32] = "";
	if (dropped)
		snprintf(drops, sizeof drops, " × %.3g (drops)", drop);
	snprintf(buf, len, "%.4g (base %.4g%s%s)", lr, base, how, drops);
}

/* Steps between evaluations. Automatic: an evaluation forwards 2·n_eval examples, about a
 * third of the cost of training on as many, so every k steps of B examples it costs
 * (2·n_eval/3) / (k·B) of training; k = ⌈4.45·n_eval/B⌉ would make that 15 %, but the
 * MLP of hoffer.gg measured 15.1 % with it (user time, 40 epochs at B = 64), so 5: it
 * measured 14.5 % (the forward pass is a little more than a third of a step). */
int run_eval_interval(const run *r)
{
	if (r->eval_every > 0)
		return r->eval_every;
	int n_eval = r->data ? r->data->ds->n_eval : 2000;
	int k = (int)ceil(5.0 * n_eval / r->bs);
	return k < 1 ? 1 : k;
}

/* The steps of the geometric schedule: 1, 2, … 8, 10, 12, 14, 17, 20, 24 … (each ×2^¼,
 * about 13 a decade), at which an automatic schedule records the distance between its
 * evaluations, so that a log-t plot and the `fit` of d ≈ a + b·ln t have points in every
 * decade from the first step, not only at the regular cadence. */
int run_geometric_step(long step)
{
	long g = 1;
	while (g < step) {
		long next = (g * 1189207 + 500000) / 1000000;
		g = next > g ? next : g + 1;
	}
	return g == step;
}

static void ensure_batch(run *r)
{
	if (r->xb_cap >= r->bs)
		return;
	int dim = r->data->ds->dim;
	r->xb = gg_xrealloc(r->xb, (size_t)r->bs * dim * sizeof *r->xb);
	r->yb = gg_xrealloc(r->yb, (size_t)r->bs);
	r->picks = gg_xrealloc(r->picks, (size_t)r->bs * sizeof *r->picks);
	r->xb_cap = r->bs;
}

void run_model_shape(nn_config *c, const data_set *ds)
{
	c->in = ds->dim;
	c->classes = ds->classes;
	c->img_c = ds->img_c;
	c->img_h = ds->img_h;
	c->img_w = ds->img_w;
}

int run_check_memory(const nn_config *c, int bs, char *err)
{
	double P = (double)nn_config_params(c);
	/* parameters, gradients, w0, two optimizer moments and the rollback point's copies */
	double bytes = 4.0 * P * 9;
	/* activations and their gradients per example, roughly: every layer's output, 4 times */
	double side = c->img_h > 0 ? (double)c->img_h * c->img_w : 1, chan = c->width;
	for (int i = 0; i < c->nconv && i < NN_MAX_CONV; i++)
		chan = c->conv[i] > chan ? c->conv[i] : chan;
	chan = c->channels > chan ? c->channels : chan;
	double layers = c->kind == NN_MLP ? c->depth + 1
			: c->kind == NN_NAIS ? (double)c->blocks * c->stages + 2
			: c->kind == NN_RESNET ? 6.0 * c->blocks + 2 : c->nconv + 2;
	double width = nn_config_is_conv(c) ? side * chan * (c->kind == NN_RESNET ? 4 : 1) : chan;
	bytes += 4.0 * bs * (c->in + 2.0 * c->classes + 4.0 * layers * width);
	double limit = (double)gg_mem_limit();
	if (bytes <= limit)
		return 0;
	char desc[160], need[32], have[32];
	nn_config_describe(c, desc, sizeof desc);
	gg_format_bytes(bytes, need, sizeof need);
	gg_format_bytes(limit, have, sizeof have);
	return gg_fail(err, "model %s would take about %s (%.3g parameters, batch %d), more than "
			    "the memory available (%s; --max-memory sets the bound)", desc, need, P, bs,
		       have);
}

/* Builds the run from its configuration: fresh weights from its seed, step 0. */
int run_build(lab *L, run *r, char *err)
{
	if (r->built)
		return 0;
	if (!r->data && !(r->data = lab_dataref_get(L, &r->dspec, err)))
		return -1;
	const data_set *ds = r->data->ds;
	int n_train = r->parts > 1 ? ds->n_train / r->parts : ds->n_train;
	if (r->bs > n_train)
		return gg_fail(err, "bs=%d is larger than the training set (%d examples of %s%s)",
			       r->bs, n_train, ds->spec.name, r->parts > 1 ? ", one part" : "");
	run_model_shape(&r->mcfg, ds);
	if (nn_config_check(&r->mcfg, err) < 0 || run_check_memory(&r->mcfg, r->bs, err) < 0)
		return -1;
	r->model = nn_model_new(&r->mcfg, gg_rng_derive(r->seed, "init"), err);
	if (!r->model)
		return -1;
	size_t P = r->model->nparams;
	r->w0 = gg_xmalloc(P * sizeof *r->w0);
	memcpy(r->w0, r->model->params, P * sizeof *r->w0);
	nn_opt_init(&r->opt, &r->ocfg, P);
	data_cursor_init_part(&r->cur, ds, gg_rng_derive(r->seed, "order"), r->part, r->parts,
			      ds->spec.seed);
	r->built = 1;
	ensure_batch(r);
	r->step = 0;
	r->state = RUN_IDLE;
	r->loss_sum = 0;
	r->loss_n = 0;
	r->rescales = 0;
	r->grad_norm = NAN;
	series_clear_run(L->series, r->sid);
	lab_log_cut(L, r->sid);
	run_publish(L, r); /* the status describes the built run before its first row is logged */
	run_evaluate(L, r);
	return 0;
}

static double l2_dist(const float *a, const float *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double d = (double)a[i] - (b ? (double)b[i] : 0.0);
		s += d * d;
	}
	return sqrt(s);
}

/* ‖W − W₀‖_F of each layer, as columns dist_<layer>. */
static void layer_distances(lab *L, run *r, lab_row *row)
{
	const nn_model *m = r->model;
	double *sq = gg_xcalloc((size_t)m->nlayers, sizeof *sq);
	for (int v = 0; v < m->nviews; v++) {
		const nn_view *w = &m->views[v];
		size_t n = (size_t)w->rows * w->cols;
		double s = 0;
		for (size_t i = 0; i < n; i++) {
			double d = (double)m->params[w->off + i] - r->w0[w->off + i];
			s += d * d;
		}
		sq[w->layer] += s;
	}
	for (int l = 0; l < m->nlayers; l++) {
		char name[48];
		snprintf(name, sizeof name, "dist_%s", m->layer_names[l]);
		lab_row_set(L, row, name, sqrt(sq[l]));
	}
	free(sq);
}

/* The decision boundary of a 2-D data set for the screen: predicted classes on a grid
 * over the training points' range, and a sample of those points. Display only (not part
 * of the series), so it is refreshed at most twice a second whatever the eval rate. */
static void publish_boundary(lab *L, run *r)
{
	const data_set *ds = r->data->ds;
	double now = gg_now();
	if (ds->dim != 2 || now - r->grid_t < 0.5)
		return;
	r->grid_t = now;
	static __thread series_grid g; /* large: not on the stack */
	g.w = 96;
	g.h = 64;
	double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
	for (int i = 0; i < ds->n_train; i++) {
		double x = ds->train_x[2 * i], y = ds->train_x[2 * i + 1];
		x0 = x < x0 ? x : x0;
		x1 = x > x1 ? x : x1;
		y0 = y < y0 ? y : y0;
		y1 = y > y1 ? y : y1;
	}
	double mx = 0.08 * (x1 - x0) + 1e-6, my = 0.08 * (y1 - y0) + 1e-6;
	g.x0 = x0 - mx;
	g.x1 = x1 + mx;
	g.y0 = y0 - my;
	g.y1 = y1 + my;
	int n = g.w * g.h, C = ds->classes;
	float *pts = gg_xmalloc((size_t)n * 2 * sizeof *pts), *probs = gg_xmalloc((size_t)n * C * sizeof *probs);
	for (int row = 0; row < g.h; row++)
		for (int col = 0; col < g.w; col++) {
			float *p = pts + 2 * (row * g.w + col);
			p[0] = (float)(g.x0 + (col + 0.5) * (g.x1 - g.x0) / g.w);
			p[1] = (float)(g.y1 - (row + 0.5) * (g.y1 - g.y0) / g.h); /* row 0 at the top */
		}
	nn_model_eval(r->model, pts, NULL, n, 0, NULL, NULL, probs);
	for (int i = 0; i < n; i++) {
		int best = 0;
		for (int c = 1; c < C; c++)
			if (probs[i * C + c] > probs[i * C + best])
				best = c;
		g.cls[i] = (unsigned char)best;
	}
	/* every stride-th point of each class (one stride over points whose classes alternate
	 * would keep one class only), over the whole set */
	int stride = (ds->n_train + SERIES_POINTS_MAX - 1) / SERIES_POINTS_MAX, seen[256] = { 0 };
	g.npoints = 0;
	for (int i = 0; i < ds->n_train && g.npoints < SERIES_POINTS_MAX; i++) {
		if (seen[ds->train_y[i]]++ % stride)
			continue;
		g.px[g.npoints] = ds->train_x[2 * i];
		g.py[g.npoints] = ds->train_x[2 * i + 1];
		g.pcls[g.npoints++] = ds->train_y[i];
	}
	g.step = r->step;
	series_set_grid(L->series, r->sid, &g);
	free(pts);
	free(probs);
}

/* The columns that cost nothing to measure (no forward pass), into v[NCOLS]; the rest NaN. */
static void cheap_columns(run *r, double *v)
{
	for (int c = 0; c < NCOLS; c++)
		v[c] = NAN;
	v[COL_EPOCH] = run_epoch(r);
	v[COL_LR] = run_lr(r);
	v[COL_LR_BASE] = r->ocfg.lr;
	v[COL_BS] = r->bs;
	v[COL_BATCH_LOSS] = r->loss_n ? r->loss_sum / r->loss_n : NAN;
	v[COL_DIST] = l2_dist(r->model->params, r->w0, r->model->nparams);
	v[COL_WNORM] = l2_dist(r->model->params, NULL, r->model->nparams);
	v[COL_GRAD_NORM] = r->grad_norm;
	v[COL_MOMENTUM] = r->ocfg.kind == NN_SGD ? r->ocfg.momentum : r->ocfg.beta1;
	v[COL_WD] = r->ocfg.wd;
	v[COL_CLIP] = r->ocfg.clip;
	r->loss_sum = 0;
	r->loss_n = 0;
}

/* A row of the geometric schedule: the distance, norms and minibatch loss, no evaluation
 * (its train and test columns are empty). */
static void run_light_row(lab *L, run *r)
{
	double v[NCOLS];
	cheap_columns(r, v);
	lab_row row = { 0 };
	for (int c = 0; c < NCOLS; c++)
		lab_row_set(L, &row, lab_col_names[c], v[c]);
	layer_distances(L, r, &row);
	lab_emit_row(L, r->sid, r->step, &row);
	lab_row_free(&row);
}

/* The two halves of an evaluation: worker p evaluates blocks [blocks·p/2, blocks·(p+1)/2)
 * on m[p], each block by itself, its sums in bl and be. */
typedef struct {
	nn_model *m[2];
	const float *x;
	const uint8_t *y;
	int n, rows, blocks, stages;
	double *bl;
	long *be;
} eval_split;

static void eval_half(void *ctx, int p)
{
	eval_split *e = ctx;
	for (int b = e->blocks * p / 2; b < e->blocks * (p + 1) / 2; b++) {
		int r0 = b * e->rows, nb = e->n - r0 < e->rows ? e->n - r0 : e->rows;
		e->bl[b] = 0;
		e->be[b] = 0;
		nn_model_eval(e->m[p], e->x + (size_t)r0 * e->m[p]->cfg.in, e->y + r0, nb, e->stages, &e->bl[b],
			      &e->be[b], NULL);
	}
}

void run_eval(lab *L, run *r, const float *x, const uint8_t *y, int n, int stages, double *loss,
	      long *nerr)
{
	nn_model *m = r->model;
	int rows = nn_model_eval_rows(m), blocks = (n + rows - 1) / rows;
	if (nn_team_size(L->team) < 2 || L->blas_threads != 1 || blocks < 2 ||
	    nn_model_flops(m) / 3 * n < POOL_MIN_FLOPS) {
		nn_model_eval(m, x, y, n, stages, loss, nerr, NULL);
		return;
	}
	if (r->eval_copy)
		nn_model_copy_weights(r->eval_copy, m);
	else
		r->eval_copy = nn_model_clone(m);
	eval_split e = { .m = { m, r->eval_copy }, .x = x, .y = y, .n = n, .rows = rows, .blocks = blocks, .stages = stages,
			 .bl = gg_xmalloc((size_t)blocks * sizeof *e.bl),
			 .be = gg_xmalloc((size_t)blocks * sizeof *e.be) };
	nn_team_each(L->team, 2, eval_half, &e);
	/* in block order, from zero, as nn_model_eval adds them */
	double sum = 0;
	long errs = 0;
	for (int b = 0; b < blocks; b++) {
		sum += e.bl[b];
		errs += e.be[b];
	}
	*loss += sum;
	*nerr += errs;
	free(e.bl);
	free(e.be);
}

/* Evaluates in eval mode on the fixed subsets and appends one row to the series. */
void run_evaluate(lab *L, run *r)
{
	const data_set *ds = r->data->ds;
	double v[NCOLS], tr_loss = 0, te_loss = 0;
	long tr_err = 0, te_err = 0;
	run_eval(L, r, ds->eval_train_x, ds->eval_train_y, ds->n_eval, 0, &tr_loss, &tr_err);
	run_eval(L, r, ds->eval_test_x, ds->eval_test_y, ds->n_eval, 0, &te_loss, &te_err);
	cheap_columns(r, v);
	v[COL_TRAIN_LOSS] = tr_loss / ds->n_eval;
	v[COL_TRAIN_ERR] = (double)tr_err / ds->n_eval;
	v[COL_TEST_LOSS] = te_loss / ds->n_eval;
	v[COL_TEST_ERR] = (double)te_err / ds->n_eval;
	v[COL_GAP_LOSS] = v[COL_TEST_LOSS] - v[COL_TRAIN_LOSS];
	v[COL_GAP_ERR] = v[COL_TEST_ERR] - v[COL_TRAIN_ERR];
	r->last_eval = r->step;
	if (isfinite(v[COL_TRAIN_LOSS]) && isfinite(v[COL_TEST_LOSS]) && isfinite(v[COL_DIST]))
		run_snapshot(r);

	lab_row row = { 0 };
	for (int c = 0; c < NCOLS; c++)
		lab_row_set(L, &row, lab_col_names[c], v[c]);
	layer_distances(L, r, &row);
	inst_nais(L, r, &row);
	lab_emit_row(L, r->sid, r->step, &row);
	lab_row_free(&row);
	publish_boundary(L, r);
	inst_phdim_eval(L, r);
	/* %g, not %f: a loss of 1e20 before a divergence must not print 25 digits; no
	 * batch_loss before the first step has a minibatch */
	char bl[48] = "";
	if (isfinite(v[COL_BATCH_LOSS]))
		snprintf(bl, sizeof bl, " batch_loss %.4g", v[COL_BATCH_LOSS]);
	char lr[96];
	run_lr_text(r, lr, sizeof lr);
	lab_post(L, LAB_MSG_PROGRESS, r->sid, r->step,
		 "%s step %ld epoch %.2f lr %s bs %d%s train %.4g/%.2f%% test %.4g/%.2f%% gap %.4g "
		 "dist %.4g",
		 r->name, r->step, v[COL_EPOCH], lr, r->bs, bl, v[COL_TRAIN_LOSS],
		 100 * v[COL_TRAIN_ERR], v[COL_TEST_LOSS], 100 * v[COL_TEST_ERR], v[COL_GAP_LOSS],
		 v[COL_DIST]);
}

static int goal_reached(const run *r)
{
	switch (r->goal_kind) {
	case GOAL_STEPS:
		return r->step >= (long)r->goal;
	case GOAL_EPOCHS:
		return run_epoch(r) >= r->goal - 1e-12;
	default:
		return 0;
	}
}

/* One optimizer step. A NaN or Inf loss or gradient pauses the run as DIVERGED, before the
 * update touches the weights. */
/* The arithmetic of one step, touching nothing but the run (so runs can take it side by
 * side on the workers), split over `team` when it is not NULL: the minibatch, forward and
 * backward, and the optimizer step unless the loss is not finite. run_step_finish does
 * the rest, in run order. */
void run_step_compute(run *r, nn_team *team)
{
	const data_set *ds = r->data->ds;
	ensure_batch(r);
	if (team) { /* the minibatch's copy shared too */
		data_next_picks(&r->cur, ds, r->bs, r->picks);
		nn_team_run(team, data_fill_part, &(data_fill_job){ ds, r->picks, r->bs, r->xb, r->yb });
	} else {
		data_next_batch(&r->cur, ds, r->bs, r->xb, r->yb);
	}
	r->step_loss = nn_model_grad_team(r->model, team, r->xb, r->yb, r->bs);
	if (!isfinite(r->step_loss))
		return;
	r->lr_now = run_lr(r);
	r->grad_norm = nn_opt_step_team(&r->opt, team, r->model->params, r->model->grads, (float)r->lr_now);
	if (isfinite(r->grad_norm))
		r->step_rescaled = nn_model_project(r->model) > 0;
}

void run_step_finish(lab *L, run *r)
{
	float loss = r->step_loss;
	if (!isfinite(loss)) {
		r->state = RUN_DIVERGED;
		lab_mark(L, r->sid, r->step, SERIES_EV_DIVERGED, "diverged: loss %g", loss);
		lab_post(L, LAB_MSG_ERROR, r->sid, r->step,
			 "%s diverged at step %ld (loss %g): paused; lower lr and 'train' to go on",
			 r->name, r->step, loss);
		run_publish(L, r);
		return;
	}
	if (!isfinite(r->grad_norm)) {
		r->state = RUN_DIVERGED;
		lab_mark(L, r->sid, r->step, SERIES_EV_DIVERGED, "diverged: gradient %g",
			 r->grad_norm);
		lab_post(L, LAB_MSG_ERROR, r->sid, r->step,
			 "%s diverged at step %ld (gradient norm %g): paused", r->name, r->step,
			 r->grad_norm);
		run_publish(L, r);
		return;
	}
	r->rescales += r->step_rescaled;
	r->step++;
	inst_phdim_step(L, r);
	r->loss_sum += loss;
	r->loss_n++;
	int goal = goal_reached(r);
	if (goal) /* the screen shows the boundary where training stopped, also when the last
		   * regular evaluation falls on the goal's step */
		r->grid_t = 0;
	if (r->step - r->last_eval >= run_eval_interval(r))
		run_evaluate(L, r);
	else if (!goal && r->eval_every == 0 && run_geometric_step(r->step))
		run_light_row(L, r);
	if (goal) {
		if (r->last_eval != r->step)
			run_evaluate(L, r);
		r->state = RUN_PAUSED;
		r->goal_kind = GOAL_NONE;
		lab_post(L, LAB_MSG_INFO, r->sid, r->step,
			 "%s reached its goal at step %ld (epoch %.2f) and pauses; train goes on",
			 r->name, r->step, run_epoch(r));
		run_publish(L, r);
		return;
	}
	double now = gg_now();
	if (now - r->pub_t > 0.05)
		run_publish(L, r);
}

void run_step(lab *L, run *r)
{
	run_step_compute(r, NULL);
	run_step_finish(L, r);
}

/* Status for readers; also measures steps/s over windows of at least half a second. */
void run_publish(lab *L, run *r)
{
	double now = gg_now();
	if (r->state != RUN_RUNNING) {
		r->rate = 0;
		r->rate_t0 = 0;
	} else if (r->rate_t0 == 0) {
		r->rate_t0 = now;
		r->rate_s0 = r->step;
	} else if (now - r->rate_t0 >= 0.5) {
		r->rate = (r->step - r->rate_s0) / (now - r->rate_t0);
		r->rate_t0 = now;
		r->rate_s0 = r->step;
	}
	r->pub_t = now;
	series_status st = { 0 };
	snprintf(st.name, sizeof st.name, "%s", r->name);
	nn_config_describe(&r->mcfg, st.model, sizeof st.model);
	if (r->data)
		snprintf(st.data, sizeof st.data, "%s n=%d%s", r->dspec.name, r->data->ds->n_train,
			 r->dspec.noise > 0 ? " noisy" : "");
	else
		snprintf(st.data, sizeof st.data, "%s", r->dspec.name);
	snprintf(st.opt, sizeof st.opt, "%s", r->ocfg.kind == NN_SGD ? "sgd" : "adamw");
	st.state = r->state;
	st.step = r->step;
	st.epoch = run_epoch(r);
	st.lr = run_lr(r);
	run_lr_text(r, st.lr_text, sizeof st.lr_text);
	st.bs = r->bs;
	st.n_eval = r->data ? r->data->ds->n_eval : 0;
	st.n_train = r->data ? r->data->ds->n_train : 0;
	st.n_test = r->data ? r->data->ds->n_test : 0;
	st.steps_per_s = r->rate;
	st.fit_from = r->fit_from;
	st.fit_to = r->fit_to;
	st.twin_group = r->twin_group;
	st.goal = -1;
	if (r->goal_kind == GOAL_STEPS)
		st.goal = (long)r->goal;
	else if (r->goal_kind == GOAL_EPOCHS && r->built) {
		/* the steps left, in double until known to fit (a goal may be 1e12 epochs) */
		double left = ceil((r->goal - run_epoch(r)) * r->cur.n / r->bs);
		st.goal = left < 0 ? r->step : left < 1e15 ? r->step + (long)left : -1;
	}
	series_set_status(L->series, r->sid, &st);
}

/* ---- fork, snapshot, rollback ----------------------------------------------------------- */

static void free_snap(run *r)
{
	if (!r->snap)
		return;
	free_state(r->snap);
	free(r->snap);
	r->snap = NULL;
}

run *run_fork(lab *L, const run *src, const char *name)
{
	run *r = run_new(L, name, src->seed);
	run_copy_config(r, src);
	r->data = src->data;
	if (r->data)
		r->data->refs++;
	r->twin_group = 0;
	if (src->built) {
		run_copy_state(r, src);
		run_copy_status(r, src);
		series_copy_run(L->series, src->sid, r->sid);
		if (src->snap) {
			r->snap = gg_xcalloc(1, sizeof *r->snap);
			run_copy_config(r->snap, src->snap);
			run_copy_state(r->snap, src->snap);
		}
	}
	return r;
}

/* Keeps the state at this (good) evaluation so a divergence can be undone. The buffers are
 * reused: an evaluation must not allocate on the hot path. */
void run_snapshot(run *r)
{
	if (r->snap && !run_state_fits(r->snap, r))
		free_snap(r);
	if (!r->snap)
		r->snap = gg_xcalloc(1, sizeof *r->snap);
	run_copy_config(r->snap, r);
	run_copy_state(r->snap, r);
}

int run_rollback(lab *L, run *r, char *err)
{
	if (!r->built || !r->snap)
		return gg_fail(err, "%s has no good evaluation to roll back to", r->name);
	run *s = r->snap;
	long from = r->step;
	free_state(r);
	run_copy_state(r, s);
	/* Settings stay as they are now: rolling back is how one retries with a lower lr. */
	if (r->opt.cfg.kind != r->ocfg.kind) {
		nn_opt_free(&r->opt);
		nn_opt_init(&r->opt, &r->ocfg, r->model->nparams);
	}
	lab_settings_apply(r);
	r->state = RUN_PAUSED;
	r->goal_kind = GOAL_NONE;
	series_truncate(L->series, r->sid, r->step);
	lab_log_cut(L, r->sid);
	run_publish(L, r); /* the description logged with the mark says where the series ends */
	lab_mark(L, r->sid, r->step, SERIES_EV_INFO, "rollback from step %ld", from);
	return 0;
}
