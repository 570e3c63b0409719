/* test_instruments.c — the instruments as the trainer records them: distances per layer,
 * the d ≈ a + b·ln t fit and its window, the large-batch recipe, NAIS margins (stable and
 * free), twin agreement, the PH dimension in the background, and their bad inputs. */
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "labtest.h"
#include "gglab/columns.h"
#include "gglab/store.h"
#include "test.h"

static double last(lab *L, const char *run_name, const char *col, long *step)
{
	series_store *s = lab_series(L);
	for (int i = 0; i < series_nruns(s); i++) {
		series_status st;
		series_get_status(s, i, &st);
		if (!st.dropped && !strcmp(st.name, run_name)) {
			double v;
			long at = series_last(s, i, series_find_col(s, col), &v);
			if (step)
				*step = at;
			return v;
		}
	}
	return NAN;
}

/* Every column the lab wrote is a training column (lab_col_names), a per-layer distance or
 * in the registry of instrument columns (gglab/columns.h), and an agreement column has
 * values on agreement series only. */
static void check_registry(lab *L)
{
	series_store *s = lab_series(L);
	for (int c = 0; c < series_ncols(s); c++) {
		char name[64];
		series_colname(s, c, name, sizeof name);
		int training = !strncmp(name, "dist_", 5);
		for (int k = 0; k < NCOLS; k++)
			training |= !strcmp(name, lab_col_names[k]);
		const series_column *e = series_column_find(name, NULL);
		CHECK(training != (e != NULL), "column %s: a training column or an instrument of the registry", name);
		for (int r = 0; e && r < series_nruns(s); r++) {
			series_status st;
			series_get_status(s, r, &st);
			double v;
			series_last(s, r, c, &v);
			if (isfinite(v))
				CHECK(!!(e->flags & SERIES_COL_AGREEMENT) == st.agreement, "%s has values on %s", name,
				      st.name);
		}
	}
}

static void test_registry(void)
{
	const char *layer = NULL;
	const series_column *e = series_column_find("nais_margin_nais2", &layer);
	CHECK(e == &series_columns[SERIES_COL_NAIS_MARGIN] && !strcmp(layer, "nais2") &&
	      (e->flags & SERIES_COL_MARGIN), "a per-layer margin is found by its prefix");
	CHECK(series_column_find("nais_rescaled_x", NULL) == NULL, "only per-layer columns match a prefix");
	CHECK(series_column_find("train_loss", NULL) == NULL, "training columns are not instruments");
	char name[64];
	series_column_layer(SERIES_COL_NAIS_GERSH, "nais1", name, sizeof name);
	CHECK(!strcmp(name, "nais_gersh_nais1"), "%s", name);
	for (int i = 0; i < SERIES_NCOLUMNS; i++)
		CHECK(series_columns[i].name && series_columns[i].title && series_columns[i].help,
		      "registry row %d is complete", i);
}

static void test_distance_and_fit(void)
{
	lab *L = new_lab_opts(1, NULL);
	CHECK(run_cmds(L, "data circles; model mlp 16x2; train 400") == 0, "train");
	double d = last(L, "r1", "dist", NULL), d1 = last(L, "r1", "dist_fc1", NULL),
	       d2 = last(L, "r1", "dist_fc2", NULL), dh = last(L, "r1", "dist_head", NULL);
	CHECK(fabs(d * d - (d1 * d1 + d2 * d2 + dh * dh)) < 1e-6 * d * d,
	      "per-layer distances add up to the whole: %g vs %g %g %g", d, d1, d2, dh);
	CHECK(last(L, "r1", "wnorm", NULL) > 0, "wnorm");
	CHECK(run_cmds(L, "fit from=50 to=300") == 0 && lab_current(L)->fit_from == 50 &&
		      lab_current(L)->fit_to == 300, "fit window kept: %s", last_err);
	CHECK(run_cmds(L, "fit from=390 to=395") < 0 && strstr(last_err, "needs at least 8"),
	      "a window with fewer than eight points: %s", last_err);
	lab_free(L);
}

static void test_recipe(void)
{
	lab *L = new_lab_opts(1, NULL);
	run_cmds(L, "data spiral; model mlp 16x2 norm=gbn ghost=32; opt sgd lr=0.1 drops=2; set bs 512");
	CHECK(run_cmds(L, "recipe hoffer base=128") == 0, "recipe: %s", last_err);
	run *r = lab_current(L);
	CHECK(r->base_bs == 128 && r->lr_scale == 0.5 && r->regime == 1 && r->ocfg.clip == 5 &&
		      r->mcfg.ghost == 32, "settings applied, the model's ghost size kept");
	CHECK(fabs(run_lr(r) - 0.2) < 1e-6, "lr scaled by sqrt(512/128): %g", run_lr(r));
	CHECK(run_cmds(L, "train 1 epochs") == 0 && run_epoch(r) >= 4 - 1e-9 && run_epoch(r) < 4.6,
	      "regime adaptation: 1 epoch becomes 4 (%g)", run_epoch(r));
	/* the drop at epoch 2 moves to epoch 8 */
	CHECK(fabs(run_lr(r) - 0.2) < 1e-6, "no drop yet at epoch %g: lr %g", run_epoch(r), run_lr(r));
	run_cmds(L, "train 1.2 epochs");
	CHECK(fabs(run_lr(r) - 0.02) < 1e-6, "dropped after epoch 8: lr %g at %g", run_lr(r), run_epoch(r));
	lab_free(L);
}

static void test_nais(void)
{
	lab *L = new_lab_opts(1, NULL);
	CHECK(run_cmds(L, "margins") < 0 && strstr(last_err, "NAIS margins need a NAIS-Net"),
	      "margins of an mlp: %s", last_err);
	CHECK(run_cmds(L, "data circles; model nais width=12 blocks=2 stages=4; opt sgd lr=0.5; "
			  "set tol 0.05 kmax 12; train 300") == 0, "nais");
	double m1 = last(L, "r1", "nais_margin_nais1", NULL), m2 = last(L, "r1", "nais_margin_nais2", NULL);
	CHECK(m1 >= -1e-9 && m2 >= -1e-9, "stable blocks keep a non-negative margin: %g %g", m1, m2);
	double g = last(L, "r1", "nais_gersh_nais1", NULL);
	CHECK(isfinite(g) && g <= m1 + 1e-9, "Gershgorin is a lower bound: %g <= %g", g, m1);
	double st = last(L, "r1", "nais_stages", NULL);
	CHECK(st >= 1 && st <= 12, "pattern-dependent depth within kmax: %g", st);
	double c = last(L, "r1", "nais_contract_nais1", NULL);
	CHECK(isfinite(c) && c > 0, "contraction ratio: %g", c);
	double f = last(L, "r1", "nais_rescaled", NULL);
	CHECK(f >= 0 && f <= 1, "fraction rescaled: %g", f);
	CHECK(run_cmds(L, "eval stages=40") == 0, "unrolled past the training depth");

	/* the unconstrained block: the same start, and with a large step its margin goes negative */
	CHECK(run_cmds(L, "model nais width=12 blocks=1 stages=4 stable=off; opt sgd lr=0.5; train 300") == 0,
	      "free");
	double mf = last(L, "r1", "nais_margin_nais1", NULL);
	CHECK(mf < 0, "a stable=off block's margin can go negative: %g", mf);
	CHECK(run_cmds(L, "model mlp 8x1; eval stages=5") < 0 && strstr(last_err, "stages apply to a nais"),
	      "eval stages= on an mlp: %s", last_err);
	check_registry(L);
	lab_free(L);
}

/* A convolutional NAIS model has the dense one's instruments: each block's Gershgorin
 * certificate (a certificate once projected: > 0), its measured contraction, the rescaled
 * fraction and the depth; and the PH dimension and twins work as for any model (the
 * decision boundary is for 2-D data sets, which a conv model cannot take). */
static void test_conv_nais(void)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%s/data/fashion-mini", GGLAB_SRCDIR);
	setenv("GGLAB_DATA", dir, 1);
	lab *L = new_lab_opts(1, NULL);
	CHECK(run_cmds(L, "data fashion n=200; model nais conv=4 blocks=2 stages=3 h=0.5; "
			  "opt sgd lr=0.05; set bs 20 tol 0.01 kmax 6; train 30; margins") == 0,
	      "conv nais: %s", last_err);
	for (int b = 1; b <= 2; b++) {
		char col[32];
		snprintf(col, sizeof col, "nais_gersh_nais%d", b);
		double g = last(L, "r1", col, NULL);
		snprintf(col, sizeof col, "nais_contract_nais%d", b);
		double c = last(L, "r1", col, NULL);
		CHECK(g > 0 && isfinite(c) && c > 0, "block %d: certificate %g, contraction %g", b, g, c);
	}
	double f = last(L, "r1", "nais_rescaled", NULL), st = last(L, "r1", "nais_stages", NULL);
	CHECK(f >= 0 && f <= 1 && st >= 1 && st <= 6, "rescaled %g, stages %g", f, st);
	CHECK(series_find_col(L->series, "nais_margin_nais1") < 0 ||
		      !isfinite(last(L, "r1", "nais_margin_nais1", NULL)),
	      "no spectral margin claimed for a convolution");
	series_grid g;
	CHECK(series_get_grid(L->series, lab_find_run(L, "r1")->sid, &g) < 0, "no boundary off the plane");
	/* the free block: nothing keeps its certificate, a large step loses it */
	CHECK(run_cmds(L, "model nais conv=4 blocks=1 stages=3 stable=off; opt sgd lr=0.5; train 30") == 0,
	      "free conv nais: %s", last_err);
	CHECK(isfinite(last(L, "r1", "nais_gersh_nais1", NULL)), "free: a Gershgorin margin");
	/* the PH dimension of a conv model's iterates, and its twins */
	CHECK(run_cmds(L, "phdim on n=40 k=8; train 45; phdim") == 0, "phdim on conv: %s", last_err);
	inst_phdim_wait(L);
	double d = last(L, "r1", "phdim", NULL);
	CHECK(isfinite(d) && d > 0, "PH dimension of a conv model: %g", d);
	CHECK(run_cmds(L, "twin 2; train 20") == 0, "conv twins: %s", last_err);
	double dis = last(L, "twins1", "disagree", NULL), te = last(L, "twins1", "twins_test_err", NULL);
	CHECK(dis >= 0 && dis <= 1 && te >= 0 && te <= 1, "conv twins: disagreement %g, error %g", dis, te);
	lab_free(L);
	unsetenv("GGLAB_DATA");
}

static void test_twins(void)
{
	lab *L = new_lab_opts(1, NULL);
	CHECK(run_cmds(L, "data spiral n=600; model mlp 16x2; set bs 50; twin 4 sets=2; train -a 300") == 0,
	      "twins: %s", last_err);
	long at = -1;
	double dis = last(L, "twins1", "disagree", &at), te = last(L, "twins1", "twins_test_err", NULL);
	double inc = last(L, "twins1", "incons", NULL), ins = last(L, "twins1", "instab", NULL);
	CHECK(at == 300, "agreement at the twins' last evaluation (%ld)", at);
	CHECK(dis >= 0 && dis <= 1 && te >= 0 && te <= 1, "disagreement %g and test error %g", dis, te);
	CHECK(inc > 0 && ins > 0 && fabs(last(L, "twins1", "incons_instab", NULL) - (inc + ins)) < 1e-12,
	      "C %g, S %g and C+S", inc, ins);
	/* the twins' error is measured on the held-out points of their disagreement: each
	 * twin's errors there, counted here, averaged */
	const data_set *ds = lab_find_run(L, "t1.1")->data->ds;
	double want = 0;
	for (int i = 1; i <= 4; i++) {
		char name[16];
		snprintf(name, sizeof name, "t1.%d", i);
		double loss = 0;
		long wrong = 0;
		nn_model_eval(lab_find_run(L, name)->model, ds->heldout_x, ds->heldout_y, ds->n_heldout, 0,
			      &loss, &wrong, NULL);
		want += (double)wrong / ds->n_heldout / 4;
	}
	CHECK(fabs(te - want) < 1e-12, "the twins' error %g is theirs on the held-out points (%g)", te, want);
	series_status ast;
	series_get_status(L->series, L->twin_sid[1], &ast);
	CHECK(ast.n_heldout == ds->n_heldout && ds->n_heldout > 0, "the agreement series names them: %d",
	      ast.n_heldout);
	/* twins differ only in their seed: r1 and the twins share data and model */
	CHECK(lab_find_run(L, "t1.1")->seed != lab_find_run(L, "t1.2")->seed, "seeds differ");
	CHECK(run_cmds(L, "twin 2; run use t2.2; train 60") == 0, "twins 2");
	CHECK(lab_find_run(L, "t2.1")->step == 60 && lab_find_run(L, "t2.2")->step == 60,
	      "train on a twin trains its group");
	check_registry(L);
	lab_free(L);
}

static void test_phdim(void)
{
	lab *L = new_lab_opts(1, NULL);
	CHECK(run_cmds(L, "data xor; model mlp 8x1; phdim on") < 0 && strstr(last_err, "train it first"),
	      "phdim before training: %s", last_err);
	CHECK(run_cmds(L, "train 10; phdim on n=200 k=32") == 0, "phdim on: %s", last_err);
	CHECK(run_cmds(L, "train 25; phdim") < 0 && strstr(last_err, "needs at least 40 iterates, have 25: 15 more"),
	      "too few iterates: %s", last_err);
	CHECK(run_cmds(L, "set lr 0.5; train 300; phdim") == 0, "phdim now: %s", last_err);
	inst_phdim_wait(L);
	long at;
	double ph = last(L, "r1", "phdim", &at), r2 = last(L, "r1", "phdim_r2", NULL);
	double sd = last(L, "r1", "phdim_sd", NULL);
	CHECK(isfinite(sd) && sd >= 0 && sd < ph, "the spread over draws of subsets: %g", sd);
	CHECK(at == lab_current(L)->step && isfinite(ph) && ph > 0 && isfinite(r2),
	      "the estimate lands in the row of its step: %g (R^2 %g) @ %ld", ph, r2, at);
	/* the loss-vector variant, estimated every evaluation */
	CHECK(run_cmds(L, "phdim on n=100 mode=loss m=50 every=1; train 200") == 0, "loss variant: %s", last_err);
	inst_phdim_wait(L);
	CHECK(isfinite(last(L, "r1", "phdim", NULL)), "loss-vector estimate");
	CHECK(run_cmds(L, "phdim off; phdim") < 0 && strstr(last_err, "off"), "off: %s", last_err);
	check_registry(L);
	lab_free(L);
}

/* Waits (up to `secs`) for a message containing `what`; 1 if it came. */
static int wait_msg(lab *L, const char *what, double secs)
{
	double t0 = gg_now();
	while (gg_now() - t0 < secs) {
		lab_msg m;
		while (lab_next_msg(L, &m))
			if (strstr(m.text, what))
				return 1;
		struct pollfd p = { .fd = lab_wake_fd(L), .events = POLLIN };
		poll(&p, 1, 50);
	}
	return 0;
}

/* The trainer thread, idle, collects an estimate that came back while it was busy in the
 * same round (here: full evaluations scheduled right after the estimate), with no other
 * event to wake it. */
static void test_phdim_wakeup(void)
{
	lab *L = new_lab_opts(0, NULL);
	char err[GG_ERRLEN];
	CHECK(lab_start(L, err) == 0, "start: %s", err);
	cmd_list l = { 0 };
	int nerr = 0;
	cmd_parse_line("data spiral n=600 seed=2; model mlp 64x2; train 60; phdim on n=40 k=2 stride=1; "
		       "at 60 phdim; at 60 eval; at 60 eval; at 60 eval; at 60 eval; at 60 eval",
		       "test", &l, labtest_parse_error, &nerr);
	CHECK(nerr == 0, "parse");
	lab_submit(L, &l, 0);
	CHECK(wait_msg(L, "reached its goal at step 60", 30), "trained");
	CHECK(wait_msg(L, "PH dimension of the last iterates: estimating", 30), "estimate asked");
	CHECK(wait_msg(L, "fit R^2", 10), "the estimate is collected while the trainer is idle");
	lab_free(L);
}

int main(void)
{
	test_registry();
	test_distance_and_fit();
	test_recipe();
	test_nais();
	test_conv_nais();
	test_twins();
	test_phdim();
	test_phdim_wakeup();
	return test_report();
}
