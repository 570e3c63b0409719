/* instruments.c — the quantities of the four papers, measured while a run trains:
 *   - NAIS-Net stability margins per block (Ciccone et al. 2018), at every evaluation;
 *   - twin-run agreement (Jiang et al. 2022; Johnson & Zhang 2023), when every twin of a
 *     group has evaluated at the same step, on the held-out split: the disagreement needs
 *     no labels, and the twins' error beside it is measured on the same points;
 *   - the PH dimension of the trajectory (Tan et al. 2024): iterates go into a ring at
 *     every step, and the estimate runs on a background worker so training never stalls.
 * The math is in probes.c; this file decides when, on what, and where results go. Only
 * the trainer thread touches runs: the worker gets a copy of the points and hands its
 * result back through a queue the trainer empties between steps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/columns.h"
#include "gglab/probes.h"
#include "gglab/store.h"
#include "gglab/util.h"
#include "internal.h"

/* r->ph is a phdim_ring (internal.h keeps it opaque so only this file needs probes.h). */
#define RING(r) ((phdim_ring *)(r)->ph)

#define PROBE_ROWS 64 /* examples of the probe batch for the NAIS contraction and depth */

/* ---- NAIS-Net margins --------------------------------------------------------------------- */

/* Block blk's measured contraction: the mean ratio of successive steps at the last stages,
 * from last3[3][B][n] = x(K−2), x(K−1), x(K). */
static void put_contraction(lab *L, lab_row *row, const char *layer, const float *last3, int B,
			    int n)
{
	char name[64], err[GG_ERRLEN];
	double ratio;
	size_t BN = (size_t)B * n;
	series_column_layer(SERIES_COL_NAIS_CONTRACT, layer, name, sizeof name);
	lab_row_set(L, row, name,
		    margin_contraction(&ratio, NULL, last3, last3 + BN, last3 + 2 * BN, B, n, err) == 0
			    ? ratio : NAN);
}

/* A dense block, probed: its spectral and Gershgorin margins from A[n][n]. */
static void dense_margins(lab *L, run *r, lab_row *row, const char *layer, const float *A)
{
	const nn_config *c = &r->model->cfg;
	int n = c->width;
	char name[64], err[GG_ERRLEN];
	margin_spectral_result sr;
	series_column_layer(SERIES_COL_NAIS_MARGIN, layer, name, sizeof name);
	/* 500 iterations: exact for stable (symmetric) blocks; for free ones the estimate is
	 * conservative when unconverged, and a block of width 256 stays near 0.1 s */
	lab_row_set(L, row, name, margin_spectral(&sr, A, n, c->h, 500, err) == 0 ? sr.margin : NAN);
	series_column_layer(SERIES_COL_NAIS_GERSH, layer, name, sizeof name);
	lab_row_set(L, row, name, margin_gershgorin(A, n, c->h));
}

/* A stable dense block (A = −RᵀR − εI): its margin is pinned, RᵀR's spectrum moves. */
static void rtr_range(lab *L, run *r, lab_row *row, const char *layer, const float *A)
{
	const nn_config *c = &r->model->cfg;
	char name[64];
	double lo, hi;
	margin_rtr_range(A, c->width, c->eps, &lo, &hi);
	series_column_layer(SERIES_COL_NAIS_RTR_MIN, layer, name, sizeof name);
	lab_row_set(L, row, name, lo);
	series_column_layer(SERIES_COL_NAIS_RTR_MAX, layer, name, sizeof name);
	lab_row_set(L, row, name, hi);
}

/* Every block of a NAIS model, dense or convolutional, on a probe batch of the test
 * evaluation subset: margins, measured contraction, the rescaled fraction and the depth.
 * A convolutional block has the Gershgorin certificate (the spectral margin of a
 * convolution is not computed); its state is C×H×W, the input's size (PROBE_ROWS ≤
 * NN_CONV_CHUNK: its probe runs the batch in one piece). */
void inst_nais(lab *L, run *r, lab_row *row)
{
	const nn_config *c = &r->model->cfg;
	if (c->kind != NN_NAIS)
		return;
	const data_set *ds = r->data->ds;
	int conv = nn_config_is_conv(c);
	int B = ds->n_eval < PROBE_ROWS ? ds->n_eval : PROBE_ROWS;
	int n = conv ? c->channels * c->img_h * c->img_w : c->width;
	float *A = conv ? NULL : gg_xmalloc((size_t)n * n * sizeof *A);
	float *last3 = gg_xmalloc((size_t)3 * B * n * sizeof *last3);
	int *used = gg_xmalloc((size_t)B * sizeof *used), *u = r->nais_tol > 0 ? used : NULL;
	double stages_sum = 0;
	long stages_n = 0;
	for (int blk = 0; blk < c->blocks; blk++) {
		char layer[16], name[64];
		double gersh;
		snprintf(layer, sizeof layer, "nais%d", blk + 1);
		if (conv) {
			if (nn_nais_conv_probe(r->model, ds->eval_test_x, B, blk, r->nais_kmax, r->nais_tol,
					       &gersh, last3, u) < 0)
				continue;
			series_column_layer(SERIES_COL_NAIS_GERSH, layer, name, sizeof name);
			lab_row_set(L, row, name, gersh);
		} else {
			if (nn_nais_probe(r->model, ds->eval_test_x, B, blk, r->nais_kmax, r->nais_tol, A,
					  last3, u) < 0)
				continue;
			dense_margins(L, r, row, layer, A);
		}
		put_contraction(L, row, layer, last3, B, n); /* the columns in their first order */
		if (!conv && c->stable)
			rtr_range(L, r, row, layer, A);
		for (int b = 0; u && b < B; b++) {
			stages_sum += used[b];
			stages_n++;
		}
	}
	if (c->stable) /* only a stable block is projected: a free one has nothing to rescale */
		lab_row_set(L, row, series_column_name(SERIES_COL_NAIS_RESCALED),
			    r->step > 0 ? (double)r->rescales / r->step : 0);
	if (stages_n)
		lab_row_set(L, row, series_column_name(SERIES_COL_NAIS_STAGES), stages_sum / stages_n);
	free(A);
	free(last3);
	free(used);
}

/* ---- twin agreement ------------------------------------------------------------------------ */

/* The series of a twin group's agreement, made when the group is. */
int inst_twin_series(lab *L, int group)
{
	char name[32];
	snprintf(name, sizeof name, "twins%d", group);
	int sid = series_add_run(L->series, name);
	series_status st = { 0 };
	snprintf(st.name, sizeof st.name, "%s", name);
	snprintf(st.model, sizeof st.model, "agreement of the runs t%d.*", group);
	st.state = RUN_IDLE;
	st.goal = -1;
	st.twin_group = group;
	st.agreement = 1;
	series_set_status(L->series, sid, &st);
	L->twin_sid = gg_xrealloc(L->twin_sid, (size_t)(group + 1) * sizeof *L->twin_sid);
	L->twin_last = gg_xrealloc(L->twin_last, (size_t)(group + 1) * sizeof *L->twin_last);
	L->twin_sid[group] = sid;
	L->twin_last[group] = -1;
	return sid;
}

static double last_value(lab *L, run *r, int col)
{
	double v;
	series_last(L->series, r->sid, col, &v);
	return v;
}

/* After a round: every group whose twins all evaluated at this same step gets a row. */
void inst_twins(lab *L)
{
	for (int g = 1; g <= L->twin_groups; g++) {
		run *tw[64];
		int k = 0, sets = 1;
		for (int i = 0; i < L->nruns && k < 64; i++)
			if (L->runs[i]->twin_group == g)
				tw[k++] = L->runs[i];
		if (k < 2)
			continue;
		long step = tw[0]->step;
		int ready = step > L->twin_last[g];
		for (int i = 0; i < k && ready; i++)
			ready = tw[i]->built && tw[i]->step == step && tw[i]->last_eval == step &&
				tw[i]->data == tw[0]->data && tw[i]->model->cfg.classes == tw[0]->model->cfg.classes;
		if (!ready)
			continue;
		L->twin_last[g] = step;
		const data_set *ds = tw[0]->data->ds;
		int U = ds->n_heldout, C = ds->classes;
		if (U < 1)
			continue;
		float *probs = gg_xmalloc((size_t)k * U * C * sizeof *probs);
		int *set = gg_xmalloc((size_t)k * sizeof *set);
		double gap = 0;
		for (int i = 0; i < k; i++) {
			nn_model_eval(tw[i]->model, ds->heldout_x, NULL, U, 0, NULL, NULL,
				      probs + (size_t)i * U * C);
			set[i] = tw[i]->parts > 1 ? tw[i]->part : 0;
			if (tw[i]->parts > sets)
				sets = tw[i]->parts;
			gap += last_value(L, tw[i], L->cols[COL_GAP_LOSS]) / k;
		}
		char err[GG_ERRLEN];
		double dis = NAN, inc = NAN, ins = NAN, test_err = NAN;
		if (agree_disagreement(&dis, probs, k, U, C, err) < 0 ||
		    agree_inconsistency(&inc, probs, k, U, C, err) < 0 ||
		    agree_error(&test_err, probs, ds->heldout_y, k, U, C, err) < 0)
			dis = inc = test_err = NAN;
		if (sets > 1 && agree_instability(&ins, probs, set, sets, k, U, C, err) < 0)
			ins = NAN;
		lab_row row = { 0 };
		lab_row_set(L, &row, "epoch", run_epoch(tw[0])); /* the twins' epoch: the epochs axis */
		lab_row_set(L, &row, series_column_name(SERIES_COL_DISAGREE), dis);
		lab_row_set(L, &row, series_column_name(SERIES_COL_TWINS_TEST_ERR), test_err);
		lab_row_set(L, &row, series_column_name(SERIES_COL_INCONS), inc);
		lab_row_set(L, &row, series_column_name(SERIES_COL_INSTAB), ins);
		lab_row_set(L, &row, series_column_name(SERIES_COL_INCONS_INSTAB), sets > 1 ? inc + ins : NAN);
		lab_row_set(L, &row, series_column_name(SERIES_COL_TWINS_GAP), gap);
		lab_emit_row(L, L->twin_sid[g], step, &row);
		lab_row_free(&row);
		series_status st;
		series_get_status(L->series, L->twin_sid[g], &st);
		st.step = step;
		st.epoch = run_epoch(tw[0]);
		st.n_heldout = U;
		series_set_status(L->series, L->twin_sid[g], &st);
		free(probs);
		free(set);
	}
}

/* ---- PH dimension ---------------------------------------------------------------------------- */

#define PH_MAX_QUEUED 2 /* estimates waiting for the worker, at most */

typedef struct ph_job {
	int sid;          /* the run's series */
	long step;        /* the evaluation step the result belongs to */
	char name[32];
	float *pts;       /* [n][dim] a copy of the ring, oldest first */
	int n, dim;
	phdim_metric metric;
	uint64_t seed;
	int rc;
	phdim_result res;
	char err[GG_ERRLEN];
	int cancelled; /* it stopped because of inst_phdim_cancel: saved, never reported */
	struct ph_job *next;
} ph_job;

static void push_job(ph_job **list, ph_job *j)
{
	j->next = NULL;
	while (*list)
		list = &(*list)->next;
	*list = j;
}

/* The worker: estimates, then hands the job back and wakes the trainer. */
static void *ph_worker(void *arg)
{
	lab *L = arg;
	phdim_set_cancel(&L->ph_cancel);
	pthread_mutex_lock(&L->ph_mu);
	for (;;) {
		while (!L->ph_todo && !L->ph_stop)
			pthread_cond_wait(&L->ph_cv, &L->ph_mu);
		if (L->ph_stop)
			break;
		ph_job *j = L->ph_todo;
		L->ph_todo = j->next;
		L->ph_busy = 1;
		L->ph_running = j;
		pthread_mutex_unlock(&L->ph_mu);
		j->rc = phdim_estimate(&j->res, j->pts, j->n, j->dim, j->metric, 0, j->seed, j->err);
		j->cancelled = j->rc < 0 && atomic_load(&L->ph_cancel);
		pthread_mutex_lock(&L->ph_mu);
		push_job(&L->ph_done, j);
		L->ph_busy = 0;
		L->ph_running = NULL;
		pthread_cond_broadcast(&L->ph_cv);
		pthread_mutex_unlock(&L->ph_mu);
		pthread_mutex_lock(&L->mu); /* a trainer asleep on an empty queue wakes up */
		L->ph_ready = 1;
		pthread_cond_signal(&L->cv);
		pthread_mutex_unlock(&L->mu);
		pthread_mutex_lock(&L->ph_mu);
	}
	pthread_mutex_unlock(&L->ph_mu);
	return NULL;
}

/* Trainer thread: results that came back go into their runs' rows and to the log. */
void inst_phdim_collect(lab *L)
{
	if (!L->ph_started)
		return;
	pthread_mutex_lock(&L->ph_mu);
	ph_job *done = L->ph_done;
	L->ph_done = NULL;
	pthread_mutex_unlock(&L->ph_mu);
	while (done) {
		ph_job *j = done;
		done = j->next;
		if (j->cancelled) { /* the session is stopping: an autosave keeps it */
			pthread_mutex_lock(&L->ph_mu);
			push_job(&L->ph_done, j);
			pthread_mutex_unlock(&L->ph_mu);
			continue;
		}
		if (j->rc == 0) {
			const char *dim = series_column_name(SERIES_COL_PHDIM);
			const char *r2 = series_column_name(SERIES_COL_PHDIM_R2);
			series_update(L->series, j->sid, j->step, series_col(L->series, dim), j->res.dim);
			series_update(L->series, j->sid, j->step, series_col(L->series, r2), j->res.r2);
			const char *sd = series_column_name(SERIES_COL_PHDIM_SD);
			series_update(L->series, j->sid, j->step, series_col(L->series, sd), j->res.dim_sd);
			lab_log_values(L, j->sid, j->step, dim, j->res.dim, r2, j->res.r2);
			lab_log_values(L, j->sid, j->step, sd, j->res.dim_sd, NULL, NAN);
			char what[64];
			if (j->metric == PHDIM_L1)
				snprintf(what, sizeof what, "loss vectors, L1");
			else
				snprintf(what, sizeof what, "iterates projected to %d dims", j->dim);
			lab_post(L, LAB_MSG_INFO, j->sid, j->step,
				 "%s: PH dimension %.3f ± %.3f (spread over %d draws of subsets; fit R^2 %.3f, "
				 "%d subset sizes of %d %s) @ step %ld", j->name, j->res.dim, j->res.dim_sd,
				 PHDIM_REPEATS, j->res.r2, j->res.nsizes, j->n, what, j->step);
		} else {
			lab_post(L, LAB_MSG_ERROR, j->sid, j->step, "%s: PH dimension: %s", j->name, j->err);
		}
		free(j->pts);
		free(j);
	}
}

/* Waits until the worker has nothing left, then collects: an export or the end of a script
 * sees every estimate it asked for, so results do not depend on timing. */
void inst_phdim_wait(lab *L)
{
	inst_phjobs_queue(L); /* a resumed session's, if the trainer has not yet */
	if (!L->ph_started)
		return;
	pthread_mutex_lock(&L->ph_mu);
	while ((L->ph_todo || L->ph_busy) && !atomic_load(&L->ph_cancel))
		pthread_cond_wait(&L->ph_cv, &L->ph_mu);
	pthread_mutex_unlock(&L->ph_mu);
	inst_phdim_collect(L);
}

void inst_phdim_cancel(lab *L)
{
	atomic_store(&L->ph_cancel, 1);
	pthread_mutex_lock(&L->ph_mu);
	pthread_cond_broadcast(&L->ph_cv);
	pthread_mutex_unlock(&L->ph_mu);
}

static void free_jobs(ph_job *j)
{
	while (j) {
		ph_job *next = j->next;
		free(j->pts);
		free(j);
		j = next;
	}
}

void inst_free(lab *L)
{
	if (L->ph_started) {
		atomic_store(&L->ph_cancel, 1); /* a running estimate stops now */
		pthread_mutex_lock(&L->ph_mu);
		L->ph_stop = 1;
		pthread_cond_broadcast(&L->ph_cv);
		pthread_mutex_unlock(&L->ph_mu);
		pthread_join(L->ph_thread, NULL);
		L->ph_started = 0;
	}
	free_jobs(L->ph_todo);
	free_jobs(L->ph_done);
	free_jobs(L->ph_saved);
	L->ph_todo = L->ph_done = L->ph_saved = NULL;
	pthread_mutex_destroy(&L->ph_mu);
	pthread_cond_destroy(&L->ph_cv);
	free(L->twin_sid);
	free(L->twin_last);
}

/* Per-example losses of the m fixed training examples: the "data-dependent" point. */
static void loss_vector(run *r, float *out)
{
	const data_set *ds = r->data->ds;
	int m = r->ph_m, C = ds->classes;
	float *probs = gg_xmalloc((size_t)m * C * sizeof *probs);
	nn_model_eval(r->model, ds->eval_train_x, NULL, m, 0, NULL, NULL, probs);
	for (int i = 0; i < m; i++) {
		float p = probs[(size_t)i * C + ds->eval_train_y[i]];
		out[i] = -logf(p > 1e-30f ? p : 1e-30f);
	}
	free(probs);
}

/* After every step of a run with the PH dimension on: the iterate goes into its ring. */
void inst_phdim_step(lab *L, run *r)
{
	(void)L;
	if (!r->ph || r->step % r->ph_stride)
		return;
	if (RING(r)->P) {
		phdim_ring_push_params(RING(r), r->model->params);
	} else {
		float *v = gg_xmalloc((size_t)r->ph_m * sizeof *v);
		loss_vector(r, v);
		phdim_ring_push(RING(r), v);
		free(v);
	}
}

int inst_phdim_check(run *r, char *err)
{
	if (!r->ph)
		return gg_fail(err, "%s: the PH dimension is off: 'phdim on' starts keeping iterates",
			       r->name);
	int n = phdim_ring_count(RING(r));
	if (n < PHDIM_MIN_POINTS)
		return gg_fail(err, "PH dimension needs at least %d iterates, have %d: %d more "
				    "(train %d more steps)", PHDIM_MIN_POINTS, n, PHDIM_MIN_POINTS - n,
			       (PHDIM_MIN_POINTS - n) * r->ph_stride);
	return 0;
}

/* Queues an estimate on a copy of the ring; the result lands in the row of the last
 * evaluation (the caller makes sure there is one at this step). */
static int start_worker(lab *L, char *err)
{
	if (!L->ph_started) {
		if (pthread_create(&L->ph_thread, NULL, ph_worker, L) != 0)
			return gg_fail(err, "cannot start the PH dimension worker");
		L->ph_started = 1;
	}
	return 0;
}

int inst_phdim_now(lab *L, run *r, char *err)
{
	int n = phdim_ring_count(RING(r));
	if (start_worker(L, err) < 0)
		return -1;
	ph_job *j = gg_xcalloc(1, sizeof *j);
	j->sid = r->sid;
	j->step = r->step;
	snprintf(j->name, sizeof j->name, "%s", r->name);
	j->dim = RING(r)->dim;
	j->n = n;
	j->metric = RING(r)->metric;
	j->seed = gg_rng_derive(r->seed, "phdim-subsets") ^ (uint64_t)r->step;
	j->pts = gg_xmalloc((size_t)n * j->dim * sizeof *j->pts);
	phdim_ring_snapshot(RING(r), j->pts);
	pthread_mutex_lock(&L->ph_mu);
	/* The queue is bounded: with estimates asked for faster than they are made, training
	 * waits for the worker (every estimate asked for is made, whatever the timing). */
	int queued = 0;
	for (ph_job *q = L->ph_todo; q; q = q->next)
		queued++;
	while (queued >= PH_MAX_QUEUED && !atomic_load(&L->ph_cancel)) {
		pthread_cond_wait(&L->ph_cv, &L->ph_mu);
		queued = 0;
		for (ph_job *q = L->ph_todo; q; q = q->next)
			queued++;
	}
	push_job(&L->ph_todo, j);
	pthread_cond_broadcast(&L->ph_cv);
	pthread_mutex_unlock(&L->ph_mu);
	return 0;
}

/* At an evaluation: with `phdim every=E`, an estimate every E evaluations once the ring
 * is full enough. */
void inst_phdim_eval(lab *L, run *r)
{
	if (!r->ph || r->ph_every <= 0 || ++r->ph_evals % r->ph_every)
		return;
	char err[GG_ERRLEN];
	if (phdim_ring_count(RING(r)) >= PHDIM_MIN_POINTS)
		inst_phdim_now(L, r, err);
}

int inst_phdim_on(lab *L, run *r, int n, int k, int stride, int every, int loss, int m, char *err)
{
	if (!r->built)
		return gg_fail(err, "%s has not started: train it first (the iterates are its steps)",
			       r->name);
	if (loss && m > r->data->ds->n_eval)
		return gg_fail(err, "m=%d is more than the %d fixed training examples", m,
			       r->data->ds->n_eval);
	phdim_ring *ph = gg_xcalloc(1, sizeof *ph);
	if (phdim_ring_init(ph, n, loss ? m : k, loss ? 0 : r->model->nparams,
			    loss ? PHDIM_L1 : PHDIM_L2, gg_rng_derive(r->seed, "phdim-projection"), err) < 0) {
		free(ph);
		return -1;
	}
	inst_phdim_off(r);
	r->ph = ph;
	r->ph_stride = stride;
	r->ph_every = every;
	r->ph_m = m;
	r->ph_evals = 0;
	if (loss)
		lab_mark(L, r->sid, r->step, SERIES_EV_INFO,
			 "phdim on: last %d iterates as losses on %d examples (L1)", n, m);
	else
		lab_mark(L, r->sid, r->step, SERIES_EV_INFO,
			 "phdim on: last %d iterates (projected to %d dims)", n, k);
	return 0;
}

void inst_phdim_off(run *r)
{
	if (!r->ph)
		return;
	phdim_ring_free(RING(r));
	free(r->ph);
	r->ph = NULL;
}

/* ---- checkpoints: the ring of a run with the PH dimension on ------------------------------ */

void inst_phdim_save(run *r, gg_buf *b)
{
	phdim_ring *ph = RING(r);
	gg_buf_u64(b, ph != NULL);
	if (!ph)
		return;
	gg_buf_u64(b, (unsigned long long)ph->cap);
	gg_buf_u64(b, (unsigned long long)ph->dim);
	gg_buf_u64(b, (unsigned long long)ph->P);
	gg_buf_u64(b, (unsigned long long)ph->metric);
	gg_buf_u64(b, (unsigned long long)ph->seed);
	gg_buf_u64(b, (unsigned long long)ph->pushed);
	gg_buf_u64(b, (unsigned long long)ph->head);
	gg_buf_put(b, ph->pts, (size_t)ph->cap * ph->dim * sizeof *ph->pts);
	if (ph->P)
		gg_buf_put(b, ph->anchor, (size_t)ph->dim * sizeof *ph->anchor);
	gg_buf_u64(b, (unsigned long long)r->ph_stride);
	gg_buf_u64(b, (unsigned long long)r->ph_every);
	gg_buf_u64(b, (unsigned long long)r->ph_m);
	gg_buf_u64(b, (unsigned long long)r->ph_evals);
}

int inst_phdim_load(run *r, gg_reader *rd, char *err)
{
	if (!gg_read_u64(rd))
		return rd->bad ? -1 : 0;
	/* read as they are, checked against their bounds and the bytes left before use */
	unsigned long long cap = gg_read_u64(rd), dim = gg_read_u64(rd), P = gg_read_u64(rd);
	unsigned long long metric = gg_read_u64(rd);
	uint64_t seed = gg_read_u64(rd);
	unsigned long long pushed = gg_read_u64(rd), head = gg_read_u64(rd);
	size_t left = rd->n - rd->off;
	if (rd->bad || (P && P != r->model->nparams) || cap < PHDIM_MIN_POINTS || cap > 100000 ||
	    dim < 1 || dim > (P ? PHDIM_MAX_K : 2000) || (metric != PHDIM_L1 && metric != PHDIM_L2) ||
	    (metric == PHDIM_L1) != (P == 0) || head >= cap || pushed > (1ULL << 50) ||
	    cap * dim * sizeof(float) + (P ? dim * sizeof(double) : 0) + 32 > left)
		return gg_fail(err, "%s: corrupt PH dimension state (%llu iterates of %llu dimensions)",
			       r->name, cap, dim);
	phdim_ring *ph = gg_xcalloc(1, sizeof *ph);
	if (phdim_ring_init(ph, (int)cap, (int)dim, (size_t)P, (phdim_metric)metric, seed, err) < 0) {
		free(ph);
		return -1;
	}
	ph->pushed = (long)pushed;
	ph->head = (int)head;
	gg_read(rd, ph->pts, (size_t)cap * dim * sizeof *ph->pts);
	if (P)
		gg_read(rd, ph->anchor, (size_t)dim * sizeof *ph->anchor);
	r->ph = ph;
	unsigned long long stride = gg_read_u64(rd), every = gg_read_u64(rd), m = gg_read_u64(rd);
	unsigned long long evals = gg_read_u64(rd);
	/* the ranges of `phdim on` */
	if (rd->bad || stride < 1 || stride > 1000000 || every > 1000000 || m < 2 || m > 2000 ||
	    (!P && (m != dim || m > (unsigned long long)r->data->ds->n_eval)) || evals > (1ULL << 50))
		return gg_fail(err, "%s: corrupt PH dimension state (stride %llu, every %llu, m %llu)",
			       r->name, stride, every, m);
	r->ph_stride = (int)stride;
	r->ph_every = (int)every;
	r->ph_m = (int)m;
	r->ph_evals = (long)evals;
	return 0;
}

/* ---- checkpoints: the estimates asked for and not yet in their rows ------------------------ */

#define PH_MAX_SAVED 64 /* jobs in a checkpoint: the queue holds 2, the worker 1, a few done */

static int run_index(lab *L, int sid)
{
	for (int i = 0; i < L->nruns; i++)
		if (L->runs[i]->sid == sid)
			return i;
	return -1;
}

static void put_job(lab *L, gg_buf *b, const ph_job *j)
{
	int ri = run_index(L, j->sid);
	if (ri < 0) /* its run is gone */
		return;
	size_t at = store_rec_begin(b, "job");
	store_rec_u64(b, "run", (unsigned long long)ri);
	store_rec_u64(b, "step", (unsigned long long)j->step);
	store_rec_u64(b, "seed", (unsigned long long)j->seed);
	store_rec_u64(b, "metric", (unsigned long long)j->metric);
	store_rec_u64(b, "n", (unsigned long long)j->n);
	store_rec_u64(b, "dim", (unsigned long long)j->dim);
	store_rec_put(b, "pts", j->pts, (size_t)j->n * j->dim * sizeof *j->pts);
	store_rec_end(b, at);
}

void inst_phjobs_save(lab *L, gg_buf *b)
{
	/* oldest first: loaded and not yet queued, finished, running, queued. The points are
	 * only read, by the worker too, so holding ph_mu is enough. */
	size_t at = store_rec_begin(b, "phjobs");
	pthread_mutex_lock(&L->ph_mu);
	for (const ph_job *j = L->ph_saved; j; j = j->next)
		put_job(L, b, j);
	for (const ph_job *j = L->ph_done; j; j = j->next)
		put_job(L, b, j);
	if (L->ph_running)
		put_job(L, b, L->ph_running);
	for (const ph_job *j = L->ph_todo; j; j = j->next)
		put_job(L, b, j);
	pthread_mutex_unlock(&L->ph_mu);
	store_rec_end(b, at);
}

static int get_u64(const gg_reader *rd, const char *tag, unsigned long long *v)
{
	gg_reader body;
	return store_rec_find(rd, tag, &body) && store_rec_get_u64(&body, v) == 0 ? 0 : -1;
}

int inst_phjobs_load(const gg_reader *top, int nruns, struct ph_job **out, char *err)
{
	*out = NULL;
	gg_reader jobs, it, body;
	if (!store_rec_find(top, "phjobs", &jobs))
		return 0; /* a file of a gglab that dropped them */
	char tag[16];
	int k, count = 0;
	for (it = jobs; (k = store_rec_next(&it, tag, sizeof tag, &body)) > 0;) {
		if (strcmp(tag, "job") != 0)
			continue;
		unsigned long long ri, step, seed, metric, n, dim;
		gg_reader pts;
		if (get_u64(&body, "run", &ri) < 0 || get_u64(&body, "step", &step) < 0 ||
		    get_u64(&body, "seed", &seed) < 0 || get_u64(&body, "metric", &metric) < 0 ||
		    get_u64(&body, "n", &n) < 0 || get_u64(&body, "dim", &dim) < 0 ||
		    !store_rec_find(&body, "pts", &pts) || ri >= (unsigned long long)nruns ||
		    step > (1ULL << 50) || (metric != PHDIM_L1 && metric != PHDIM_L2) ||
		    n < PHDIM_MIN_POINTS || n > 100000 || dim < 1 ||
		    dim > (metric == PHDIM_L2 ? PHDIM_MAX_K : 2000) ||
		    pts.n != n * dim * sizeof(float) || ++count > PH_MAX_SAVED) {
			free_jobs(*out);
			*out = NULL;
			return gg_fail(err, "corrupt: pending PH estimate %d", count + 1);
		}
		ph_job *j = gg_xcalloc(1, sizeof *j);
		j->sid = (int)ri; /* the run's index until inst_phjobs_adopt */
		j->step = (long)step;
		j->seed = seed;
		j->metric = (phdim_metric)metric;
		j->n = (int)n;
		j->dim = (int)dim;
		j->pts = gg_xmalloc(pts.n);
		memcpy(j->pts, pts.p, pts.n);
		push_job(out, j);
	}
	if (k < 0) {
		free_jobs(*out);
		*out = NULL;
		return gg_fail(err, "corrupt: pending PH estimates cut short");
	}
	return 0;
}

void inst_phjobs_adopt(lab *L, struct ph_job *jobs)
{
	free_jobs(L->ph_saved); /* a second load before the trainer queued the first's */
	L->ph_saved = NULL;
	while (jobs) {
		ph_job *j = jobs;
		jobs = j->next;
		run *r = L->runs[j->sid];
		j->sid = r->sid;
		snprintf(j->name, sizeof j->name, "%s", r->name);
		push_job(&L->ph_saved, j);
	}
}

void inst_phjobs_queue(lab *L)
{
	if (!L->ph_saved)
		return;
	char err[GG_ERRLEN];
	if (start_worker(L, err) < 0) {
		lab_post(L, LAB_MSG_ERROR, -1, 0, "%s: the saved PH estimates are not made", err);
		free_jobs(L->ph_saved);
		L->ph_saved = NULL;
		return;
	}
	pthread_mutex_lock(&L->ph_mu);
	ph_job *rest = L->ph_todo; /* the saved ones were asked for first */
	L->ph_todo = L->ph_saved;
	L->ph_saved = NULL;
	for (ph_job **t = &L->ph_todo;; t = &(*t)->next)
		if (!*t) {
			*t = rest;
			break;
		}
	pthread_cond_broadcast(&L->ph_cv);
	pthread_mutex_unlock(&L->ph_mu);
}

void inst_phjobs_list(lab *L, FILE *out)
{
	for (const ph_job *j = L->ph_saved; j; j = j->next)
		fprintf(out, "pending PH estimate of %s at step %ld: %d iterates of %d dimensions\n",
			j->name, j->step, j->n, j->dim);
}
