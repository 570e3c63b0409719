/* bench.c — `gglab bench`. The reference workload is Hoffer et al.'s MLP shape scaled to
 * three hidden layers, 784-512x3-10 with ReLU and SGD with momentum, on Fashion-MNIST. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "gglab/bench.h"
#include "gglab/data.h"
#include "gglab/nn.h"
#include "gglab/util.h"

double bench_sgemm_gflops(int n, double seconds)
{
	float *a = gg_xmalloc((size_t)n * n * sizeof *a), *b = gg_xmalloc((size_t)n * n * sizeof *b);
	float *c = gg_xcalloc((size_t)n * n, sizeof *c);
	for (size_t i = 0; i < (size_t)n * n; i++) {
		a[i] = (float)(i % 7) * 0.1f;
		b[i] = (float)(i % 5) * 0.1f;
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
	long reps = 0;
	double t0 = gg_now(), t;
	do {
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
		reps++;
	} while ((t = gg_now() - t0) < seconds);
	free(a);
	free(b);
	free(c);
	return 2.0 * n * n * n * reps / t / 1e9;
}

/* FLOPs per example of one training step: forward 2·I·O per dense layer, backward 2·I·O
 * for dW and 2·I·O for din (not for the first layer, whose input needs no gradient). */
static double step_flops_per_example(const int *sizes, int nlayers)
{
	double f = 0;
	for (int l = 0; l < nlayers; l++) {
		double io = (double)sizes[l] * sizes[l + 1];
		f += 2 * io + 2 * io + (l > 0 ? 2 * io : 0);
	}
	return f;
}

int bench_run(const bench_options *o, FILE *out, char *err)
{
	static const int dflt[] = { 32, 128, 1024, 4096, 0 };
	const int *batches = o->batches ? o->batches : dflt;
	if (o->threads > 0)
		openblas_set_num_threads(o->threads);
	nn_fast_float_mode(); /* as the trainer thread does */
	data_spec spec;
	data_spec_default(&spec);
	data_set *ds;
	if (data_load(&ds, &spec, err) < 0)
		return -1;
	nn_config cfg;
	nn_config_default(&cfg, NN_MLP);
	cfg.in = ds->dim;
	cfg.classes = ds->classes;
	cfg.width = 512;
	cfg.depth = 3;
	cfg.act = NN_RELU;
	cfg.norm = NN_NORM_NONE;
	const int sizes[] = { ds->dim, 512, 512, 512, ds->classes };
	double fpe = step_flops_per_example(sizes, 4);
	double sgemm = bench_sgemm_gflops(1024, 1.0);
	fprintf(out, "# gglab bench: mlp %d-512x3-%d relu, sgd momentum 0.9, %s (%d train), "
		     "threads=%d, sgemm 1024^3 = %.1f GFLOP/s\n",
		ds->dim, ds->classes, ds->source, ds->n_train, o->threads, sgemm);
	for (int bi = 0; batches[bi]; bi++) {
		int B = batches[bi];
		if (B > ds->n_train)
			continue;
		nn_model *m = nn_model_new(&cfg, 1, err);
		if (!m) {
			data_free(ds);
			return -1;
		}
		nn_opt_config oc;
		nn_opt_config_default(&oc, NN_SGD);
		oc.lr = 0.01f;
		nn_opt opt;
		nn_opt_init(&opt, &oc, m->nparams);
		data_cursor cur;
		data_cursor_init(&cur, ds, 7);
		float *x = gg_xmalloc((size_t)B * ds->dim * sizeof *x);
		uint8_t *y = gg_xmalloc((size_t)B);
		double loss = 0;
		for (int w = 0; w < 3; w++) { /* warm-up: buffers sized, caches and threads awake */
			data_next_batch(&cur, ds, B, x, y);
			loss = nn_model_grad(m, x, y, B);
			nn_opt_step(&opt, m->params, m->grads, oc.lr);
		}
		long steps = 0;
		double t0 = gg_now(), t, tdata = 0;
		do {
			double td = gg_now();
			data_next_batch(&cur, ds, B, x, y);
			tdata += gg_now() - td;
			loss = nn_model_grad(m, x, y, B);
			nn_opt_step(&opt, m->params, m->grads, oc.lr);
			steps++;
		} while ((t = gg_now() - t0) < o->seconds);
		double sps = (double)steps * B / t;
		double gflops = sps * fpe / 1e9;
		fprintf(out, "batch=%d steps=%ld seconds=%.2f samples_per_s=%.0f steps_per_s=%.1f "
			     "gflops=%.2f sgemm_gflops=%.2f pct_of_sgemm=%.1f data_pct=%.1f loss=%.4f\n",
			B, steps, t, sps, steps / t, gflops, sgemm, 100 * gflops / sgemm,
			100 * tdata / t, loss);
		fflush(out);
		free(x);
		free(y);
		data_cursor_free(&cur);
		nn_opt_free(&opt);
		nn_model_free(m);
	}
	data_free(ds);
	return 0;
}
