/* bench_cnn.c — `gglab bench cnn` (bench_cnn): training throughput of the issue-12 reference
 * convolutional net, cnn 32,64 fc=128 (conv3×3 1→32 pad 1, ReLU, maxpool 2; conv3×3 32→64
 * pad 1, ReLU, maxpool 2; dense 3136→128, ReLU; dense 128→10), SGD lr 0.05 momentum 0.9 on
 * the full Fashion-MNIST, and the rate of its two conv layers alone (forward, weight and
 * input gradients at the net's shapes) against the machine's sgemm. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gglab/bench.h"
#include "gglab/blas.h"
#include "gglab/data.h"
#include "gglab/nn.h"
#include "gglab/util.h"

#include <cblas.h>
#undef I

/* GFLOP/s of one conv layer's training products (forward, dw, and din unless first) at
 * batch B: the best of three runs of about `seconds` each. */
static double conv_gflops(int B, int C, int H, int W, int Co, int first, double seconds,
			  double *flops_per_example)
{
	size_t ni = (size_t)B * C * H * W, no = (size_t)B * Co * H * W, nw = (size_t)Co * C * 9;
	float *in = gg_xcalloc(ni, sizeof *in), *out = gg_xcalloc(no, sizeof *out);
	float *din = gg_xcalloc(ni, sizeof *din), *w = gg_xcalloc(nw, sizeof *w);
	float *dw = gg_xcalloc(nw, sizeof *dw), *b = gg_xcalloc((size_t)Co, sizeof *b);
	float *db = gg_xcalloc((size_t)Co, sizeof *db), *col = gg_xcalloc(nn_conv_scratch(C, 3, H, W), sizeof *col);
	for (size_t i = 0; i < ni; i++)
		in[i] = (float)(i % 13) * 0.07f;
	for (size_t i = 0; i < nw; i++)
		w[i] = (float)(i % 7) * 0.01f;
	double f = 2.0 * Co * H * W * C * 9 * (first ? 2 : 3), best = 0;
	for (int rep = 0; rep < 3; rep++) {
		long reps = 0;
		double t0 = gg_cpu_now(), t;
		do {
			nn_conv2d_forward(out, col, in, w, b, B, C, H, W, Co, 3, 1, 1);
			nn_conv2d_backward(first ? NULL : din, dw, db, col, out, in, w, B, C, H, W, Co, 3, 1, 1);
			reps++;
		} while ((t = gg_cpu_now() - t0) < seconds);
		double g = f * B * reps / t / 1e9;
		if (g > best)
			best = g;
	}
	free(in), free(out), free(din), free(w), free(dw), free(b), free(db), free(col);
	*flops_per_example = f;
	return best;
}

int bench_cnn(const bench_options *o, FILE *out, char *err)
{
	static const int dflt[] = { 128, 0 };
	const int *batches = o->batches ? o->batches : dflt;
	/* threads auto: one BLAS thread, and a lone step on one thread or split over a team of
	 * every core, whichever measures faster, as the lab's trainer does (nn_pick) */
	openblas_set_num_threads(o->threads > 0 ? o->threads : 1);
	long ncores = sysconf(_SC_NPROCESSORS_ONLN);
	nn_team *team = o->threads == 0 && ncores > 1 ? nn_team_new((int)ncores) : NULL;
	nn_fast_float_mode();
	data_spec spec;
	data_spec_default(&spec);
	data_set *ds;
	if (data_load(&ds, &spec, err) < 0) {
		nn_team_free(team);
		return -1;
	}
	nn_config cfg;
	nn_config_default(&cfg, NN_CNN);
	cfg.in = ds->dim, cfg.classes = ds->classes;
	cfg.img_c = ds->img_c, cfg.img_h = ds->img_h, cfg.img_w = ds->img_w;
	char desc[160], blas[320];
	nn_config_describe(&cfg, desc, sizeof desc);
	blas_describe(blas, sizeof blas, o->threads);
	fprintf(out, "# gglab bench cnn: %s, sgd lr 0.05 momentum 0.9, %s (%d train)\n# %s\n", desc,
		ds->source, ds->n_train, blas);
	double sgemm = 0; /* the best of three: noise (the other core) only lowers a rate */
	for (int r = 0; r < 3; r++) {
		double s = bench_sgemm_gflops(1024, 0.3, gg_cpu_now);
		sgemm = s > sgemm ? s : sgemm;
	}
	double f1, f2, fdense;
	int B0 = batches[0];
	double g1 = conv_gflops(B0, 1, 28, 28, 32, 1, 0.5, &f1);
	double g2 = conv_gflops(B0, 32, 14, 14, 64, 0, 0.5, &f2);
	fdense = 2.0 * 3136 * 128 * 3 + 2.0 * 128 * 10 * 3;
	fprintf(out, "conv B=%d conv1_gflops=%.2f conv2_gflops=%.2f sgemm1024_gflops=%.2f "
		     "conv1_pct_of_sgemm=%.1f conv2_pct_of_sgemm=%.1f\n", B0, g1, g2, sgemm,
		100 * g1 / sgemm, 100 * g2 / sgemm);
	for (int bi = 0; batches[bi]; bi++) {
		int B = batches[bi];
		unsigned seed = o->seed ? o->seed : 1;
		nn_model *m = nn_model_new(&cfg, seed, err);
		if (!m) {
			nn_team_free(team);
			data_free(ds);
			return -1;
		}
		nn_opt_config oc;
		nn_opt_config_default(&oc, NN_SGD);
		oc.lr = 0.05f;
		oc.momentum = 0.9f;
		nn_opt opt;
		nn_opt_init(&opt, &oc, m->nparams);
		data_cursor cur;
		data_cursor_init(&cur, ds, 6 + seed);
		float *x = gg_xmalloc((size_t)B * ds->dim * sizeof *x);
		uint8_t *y = gg_xmalloc((size_t)B);
		float loss = 0;
		int epoch = o->seconds <= 0; /* one epoch, then the test error */
		/* warm-up, and (threads auto) the choice of one thread or the team; an epoch
		 * run takes the team without measuring, so its numbers are the team's */
		nn_pick pick = { 0 };
		for (int w = 0; !epoch && (w < 3 || (team && !pick.decided)); w++) {
			int mode = team ? nn_pick_mode(&pick, (uint64_t)B) : 0;
			double ts = gg_now();
			data_next_batch(&cur, ds, B, x, y);
			nn_model_grad_team(m, mode ? team : NULL, x, y, B);
			nn_opt_step_team(&opt, mode ? team : NULL, m->params, m->grads, oc.lr);
			if (team)
				nn_pick_done(&pick, mode, gg_now() - ts);
		}
		nn_team *use = team && (epoch || pick.use) ? team : NULL;
		long steps = 0, need = epoch ? ds->n_train / B : 0;
		double t0 = gg_now(), c0 = gg_cpu_now(), t;
		do {
			data_next_batch(&cur, ds, B, x, y);
			loss = nn_model_grad_team(m, use, x, y, B);
			nn_opt_step_team(&opt, use, m->params, m->grads, oc.lr);
			steps++;
			t = gg_now() - t0;
		} while (epoch ? steps < need : t < o->seconds);
		double sps = (double)steps * B / t, cps = (double)steps * B / (gg_cpu_now() - c0);
		fprintf(out, "cnn B=%d threads=%d steps=%ld seconds=%.2f samples_per_s=%.1f "
			     "cpu_samples_per_s=%.1f step_gflops=%.2f loss=%.4f", B,
			use ? nn_team_size(use) : o->threads > 0 ? o->threads : 1, steps, t, sps, cps,
			sps * (f1 + f2 + fdense) / 1e9, loss);
		if (team && !epoch)
			fprintf(out, " pick_ms_team=%.2f pick_ms_one=%.2f", pick.best[1] * 1e3,
				pick.best[0] * 1e3);
		if (epoch) {
			double ls = 0;
			long nerr = 0;
			nn_model_eval(m, ds->test_x, ds->test_y, ds->n_test, 0, &ls, &nerr, NULL);
			fprintf(out, " test_acc=%.4f test_loss=%.4f", 1.0 - (double)nerr / ds->n_test,
				ls / ds->n_test);
		}
		fprintf(out, "\n");
		free(x);
		free(y);
		data_cursor_free(&cur);
		nn_opt_free(&opt);
		nn_model_free(m);
	}
	nn_team_free(team);
	data_free(ds);
	return 0;
}
