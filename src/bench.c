/* bench.c — `gglab bench`. The reference workload is Hoffer et al.'s MLP shape scaled to
 * three hidden layers, 784-512x3-10 with ReLU and SGD with momentum, on Fashion-MNIST. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "gglab/bench.h"
#include "gglab/blas.h"
#include "gglab/data.h"
#include "gglab/nn.h"
#include "gglab/util.h"

double bench_sgemm_gflops(int n, double seconds, double (*now)(void))
{
	float *a = gg_xmalloc((size_t)n * n * sizeof *a), *b = gg_xmalloc((size_t)n * n * sizeof *b);
	float *c = gg_xcalloc((size_t)n * n, sizeof *c);
	for (size_t i = 0; i < (size_t)n * n; i++) {
		a[i] = (float)(i % 7) * 0.1f;
		b[i] = (float)(i % 5) * 0.1f;
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
	long reps = 0;
	double t0 = now(), t;
	do {
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
		reps++;
	} while ((t = now() - t0) < seconds);
	free(a);
	free(b);
	free(c);
	return 2.0 * n * n * n * reps / t / 1e9;
}

/* The best of `reps` measurements: a rate is only ever lowered by noise (interrupts, the
 * other core), so the maximum is the estimate that a ratio to it cannot overshoot. */
static double sgemm_best(int n, double seconds, int reps)
{
	double best = 0;
	for (int r = 0; r < reps; r++) {
		double g = bench_sgemm_gflops(n, seconds, gg_now);
		if (g > best)
			best = g;
	}
	return best;
}

/* The rate of a team's parts each running its own one-thread sgemm at once, summed: what
 * a step split over the team can reach (on some machines more than OpenBLAS's own
 * threads on one product). The best of `reps`, as sgemm_best. */
struct team_rate {
	double seconds, g[NN_TEAM_MAX];
};

static void team_rate_part(void *ctx, int part, int parts)
{
	(void)parts;
	struct team_rate *r = ctx;
	r->g[part] = bench_sgemm_gflops(1024, r->seconds, gg_now);
}

static double team_sgemm_best(nn_team *team, double seconds, int reps)
{
	double best = 0;
	for (int k = 0; k < reps; k++) {
		struct team_rate r = { seconds, { 0 } };
		nn_team_run(team, team_rate_part, &r);
		double g = 0;
		for (int p = 0; p < nn_team_size(team); p++)
			g += r.g[p];
		if (g > best)
			best = g;
	}
	return best;
}

int bench_sgemm_child(void)
{
	printf("%s %.2f\n", blas_core(), sgemm_best(1024, 0.3, 3));
	return 0;
}

/* Every kernel of this OpenBLAS that the CPU can run, each measured in a child process
 * (the library picks its kernel when it loads). Prints "name=GFLOP/s ..." and returns the
 * best rate, with its name in best. */
static double kernel_rates(int threads, FILE *out, char *best, size_t blen)
{
	static const char *const cores[] = { "Prescott", "Nehalem", "Sandybridge", "Haswell",
					     "SkylakeX", "Cooperlake" };
	blas_cpu c;
	blas_cpu_read(&c);
	int top = blas_core_tier(blas_best_core(&c));
	double rate = 0;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return 0;
	exe[n] = 0;
	fprintf(out, "# kernels (sgemm 1024^3, GFLOP/s, best of 3, each in a child process):");
	for (size_t i = 0; i < sizeof cores / sizeof *cores; i++) {
		if (blas_core_tier(cores[i]) > top)
			continue;
		char cmd[4400], name[64] = "";
		double g = 0;
		snprintf(cmd, sizeof cmd,
			 "GGLAB_BLAS=keep OPENBLAS_CORETYPE=%s OPENBLAS_NUM_THREADS=%d '%s' --sgemm-rate",
			 cores[i], threads > 0 ? threads : 1, exe);
		FILE *p = popen(cmd, "r");
		if (!p)
			continue;
		int ok = fscanf(p, "%63s %lf", name, &g) == 2;
		pclose(p);
		if (!ok || strcasecmp(name, cores[i]) != 0)
			continue; /* this OpenBLAS does not have that kernel */
		fprintf(out, " %s=%.1f", name, g);
		if (g > rate) {
			rate = g;
			snprintf(best, blen, "%s", name);
		}
	}
	fprintf(out, "\n");
	return rate;
}

/* The CPU's single-precision peak: the clock (/proc/cpuinfo, the nominal one in a VM:
 * boost clocks go higher) × FMA lanes × 2 flops × 2 FMA units. Zen 4 splits 512-bit work
 * into two 256-bit halves. */
static double peak_gflops(int threads, double *mhz_out, int *fpc_out)
{
	blas_cpu c;
	blas_cpu_read(&c);
	double mhz = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "cpu MHz", 7) && strchr(line, ':')) {
			mhz = atof(strchr(line, ':') + 1);
			break;
		}
	if (f)
		fclose(f);
	int fpc = 8;
	if (c.avx512f && !(strstr(c.vendor, "AMD") && c.family == 25))
		fpc = 64;
	else if (c.avx2 && c.fma)
		fpc = 32;
	else if (c.avx)
		fpc = 16;
	*mhz_out = mhz;
	*fpc_out = fpc;
	return mhz * 1e-3 * fpc * (threads > 0 ? threads : 1);
}

/* Raises rate[0] to the one-thread sgemm rate measured now and rate[1] to that of tmax
 * threads: the team's parts side by side, or OpenBLAS's own when that is faster. The team
 * goes first, after a pause: OpenBLAS's threads spin for about 0.1 s after a call that
 * used them, on the core a team's worker needs. */
static void sgemm_rates(double rate[2], int tmax, nn_team *team)
{
	openblas_set_num_threads(1);
	nanosleep(&(struct timespec){ 0, 300000000L }, NULL);
	double one = sgemm_best(1024, 0.3, 3), all = team ? team_sgemm_best(team, 0.3, 3) : 0;
	openblas_set_num_threads(tmax);
	double blas = sgemm_best(1024, 0.3, 3);
	if (blas > all)
		all = blas;
	if (one > rate[0])
		rate[0] = one;
	if (all > rate[1])
		rate[1] = all;
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

/* The sgemm rate of a step's own products: the same calls (shapes, transpositions, beta)
 * as the dense layers' forward and backward, alone in a loop — the best a step of this
 * shape could do if everything around the products cost nothing. Best of three. */
static double shapes_gflops(const int *sizes, int nlayers, int B, double seconds)
{
	size_t big = 0;
	for (int l = 0; l <= nlayers; l++)
		if ((size_t)sizes[l] > big)
			big = (size_t)sizes[l];
	size_t rows = (size_t)B > big ? (size_t)B : big;
	float *x = gg_xcalloc(big * rows, sizeof *x), *y = gg_xcalloc(big * rows, sizeof *y);
	float *w = gg_xcalloc(big * big, sizeof *w);
	double best = 0;
	for (int rep = 0; rep < 3; rep++) {
		long reps = 0;
		double t0 = gg_now(), t;
		do {
			for (int l = 0; l < nlayers; l++) {
				int ni = sizes[l], no = sizes[l + 1];
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, no, ni, 1, x, ni, w, ni, 1, y, no);
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, no, ni, B, 1, y, no, x, ni, 1, w, ni);
				if (l > 0)
					cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, ni, no, 1, y, no, w, ni, 0, x, ni);
			}
			reps++;
		} while ((t = gg_now() - t0) < seconds);
		double g = step_flops_per_example(sizes, nlayers) * B * reps / t / 1e9;
		if (g > best)
			best = g;
	}
	free(x);
	free(y);
	free(w);
	return best;
}

/* One step as the lab's trainer takes one (run_step_compute): the minibatch, its copy
 * shared by the team's parts when there is a team, then the gradient and the update.
 * Returns the seconds the minibatch took; *loss gets the step's loss. */
static double bench_step(nn_model *m, nn_opt *opt, nn_team *t, data_cursor *cur, const data_set *ds,
			 int B, float *x, uint8_t *y, data_pick *picks, float lr, double *loss)
{
	double td = gg_now();
	if (t) {
		data_next_picks(cur, ds, B, picks);
		nn_team_run(t, data_fill_part, &(data_fill_job){ ds, picks, B, x, y });
	} else {
		data_next_batch(cur, ds, B, x, y);
	}
	td = gg_now() - td;
	*loss = nn_model_grad_team(m, t, x, y, B);
	nn_opt_step_team(opt, t, m->params, m->grads, lr);
	return td;
}

int bench_run(const bench_options *o, FILE *out, char *err)
{
	static const int dflt[] = { 32, 128, 1024, 4096, 0 };
	const int *batches = o->batches ? o->batches : dflt;
	long ncores = sysconf(_SC_NPROCESSORS_ONLN);
	int cores = ncores > 1 ? (int)ncores : 1;
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
	char blas[320], bestk[64] = "?";
	blas_describe(blas, sizeof blas, o->threads);
	double mhz;
	int fpc;
	int tmax = o->threads > 0 ? o->threads : cores;
	double peak = peak_gflops(tmax, &mhz, &fpc);
	fprintf(out, "# gglab bench: mlp %d-512x3-%d relu, sgd momentum 0.9, %s (%d train)\n# %s\n",
		ds->dim, ds->classes, ds->source, ds->n_train, blas);
	fprintf(out, "# peak %.1f GFLOP/s (%.0f MHz x %d flops/cycle x %d thread%s; a boost clock "
		     "may exceed it)\n", peak, mhz, fpc, tmax, tmax == 1 ? "" : "s");
	/* threads auto: a lone run of this model steps alone or on a team of every core,
	 * whichever measures faster, as the lab's trainer does (nn_pick) */
	nn_team *team = o->threads == 0 ? nn_team_new(cores) : NULL;
	if (o->threads == 0)
		fprintf(out, "# threads auto: each batch size steps on one thread or on a team of %d, whichever "
			     "measures faster, as the lab does (one-thread BLAS in each)\n", nn_team_size(team));
	/* the survey of kernels takes seconds: only for the full benchmark */
	double best = 0;
	if (o->batches)
		fprintf(out, "# kernels: not surveyed (batch sizes given)\n");
	else
		best = kernel_rates(tmax, out, bestk, sizeof bestk);
	/* the sgemm rate at each thread count a batch may use: [0] one thread, [1] tmax (the
	 * better of OpenBLAS's threads and the team's parts) */
	double sgemm[2] = { 0, 0 };
	sgemm_rates(sgemm, tmax, team);
	/* OpenBLAS's own threads spin for about 0.1 s after a call that used them, taking the
	 * core a team's worker needs: let them fall asleep before anything is timed */
	openblas_set_num_threads(1);
	nanosleep(&(struct timespec){ 0, 300000000L }, NULL);
	enum { MAXB = 16 };
	struct { int B, threads; long steps; double t, sps, gflops, tdata, loss, shapes, pick[2]; } res[MAXB];
	int nres = 0;
	for (int bi = 0; batches[bi] && nres < MAXB; bi++) {
		int B = batches[bi];
		if (B > ds->n_train)
			continue;
		int threads = o->threads > 0 ? o->threads : 1;
		openblas_set_num_threads(threads);
		nn_model *m = nn_model_new(&cfg, 1, err);
		if (!m) {
			nn_team_free(team);
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
		/* warm-up: buffers sized, caches and threads awake, and (threads auto) the
		 * choice of alone or the team measured as the lab measures it */
		data_pick *picks = gg_xmalloc((size_t)B * sizeof *picks);
		nn_pick pick = { 0 };
		for (int w = 0; w < 3 || (team && !pick.decided); w++) {
			int mode = team ? nn_pick_mode(&pick, (uint64_t)B) : 0;
			double ts = gg_now();
			bench_step(m, &opt, mode ? team : NULL, &cur, ds, B, x, y, picks, oc.lr, &loss);
			if (team)
				nn_pick_done(&pick, mode, gg_now() - ts);
		}
		nn_team *use = team && pick.use ? team : NULL;
		res[nres].threads = use ? nn_team_size(use) : threads;
		res[nres].pick[0] = team ? pick.best[0] : 0;
		res[nres].pick[1] = team ? pick.best[1] : 0;
		long steps = 0;
		double t0 = gg_now(), t, tdata = 0;
		do {
			tdata += bench_step(m, &opt, use, &cur, ds, B, x, y, picks, oc.lr, &loss);
			steps++;
		} while ((t = gg_now() - t0) < o->seconds);
		free(picks);
		double sps = (double)steps * B / t;
		res[nres].B = B, res[nres].steps = steps, res[nres].t = t, res[nres].sps = sps;
		res[nres].gflops = sps * fpe / 1e9, res[nres].tdata = tdata, res[nres].loss = loss;
		nres++;
		free(x);
		free(y);
		data_cursor_free(&cur);
		nn_opt_free(&opt);
		nn_model_free(m);
	}
	/* the products alone at each step's thread count (OpenBLAS's threads for a team's), after
	 * every step was timed for the reason above */
	for (int i = 0; i < nres; i++) {
		openblas_set_num_threads(res[i].threads);
		res[i].shapes = shapes_gflops(sizes, 4, res[i].B, o->seconds / 6 > 0.1 ? o->seconds / 6 : 0.1);
	}
	sgemm_rates(sgemm, tmax, team); /* the kernel in use: best of the runs before and after */
	if (sgemm[1] > best) {
		best = sgemm[1];
		snprintf(bestk, sizeof bestk, "%s", blas_core());
	}
	for (int i = 0; i < nres; i++) {
		double sg = sgemm[res[i].threads > 1];
		fprintf(out, "batch=%d threads=%d steps=%ld seconds=%.2f samples_per_s=%.0f steps_per_s=%.1f "
			     "gflops=%.2f sgemm_gflops=%.2f pct_of_sgemm=%.1f best_sgemm_gflops=%.2f "
			     "best_kernel=%s pct_of_best=%.1f shapes_gflops=%.2f pct_of_shapes=%.1f peak_gflops=%.1f "
			     "data_pct=%.1f loss=%.4f",
			res[i].B, res[i].threads, res[i].steps, res[i].t, res[i].sps, res[i].steps / res[i].t,
			res[i].gflops, sg, 100 * res[i].gflops / sg, best, bestk, 100 * res[i].gflops / best,
			res[i].shapes, 100 * res[i].gflops / res[i].shapes, peak,
			100 * res[i].tdata / res[i].t, res[i].loss);
		if (res[i].pick[0] > 0) /* the warm-up's measurement that chose the threads */
			fprintf(out, " pick_ms_one=%.3f pick_ms_team=%.3f", 1e3 * res[i].pick[0], 1e3 * res[i].pick[1]);
		fputc('\n', out);
	}
	nn_team_free(team);
	data_free(ds);
	return 0;
}
