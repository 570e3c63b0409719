/* test_grad.c — every layer's and every model's gradient against central finite
 * differences (whole models against a reference forward built from the layer functions,
 * nntest.c), and batch norm's running statistics computed by hand.
 *
 * Finite differences: the loss is summed in double over float forward outputs and the
 * step is the perturbation actually representable in float, so the only noise left is the
 * forward's own rounding. A coordinate passes when |numeric − analytic| ≤ 1e-2·max(|·|) +
 * 1e-3·rms(analytic over the tensor): relative for the entries that matter, with a floor a
 * thousand times below the tensor's typical size so tiny entries don't fail on rounding.
 * Coordinates whose ±ε forwards cross a ReLU kink are invalid for differencing and are
 * redrawn. */
#include "gglab/nn.h"
#include "gglab/rng.h"
#include "gglab/util.h"
#include "nntest.h"
#include "test.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the finite-difference checker -------------------------------------------------- */

/* Returns the loss at the current parameters; *sig (if the loss has kinks) receives a
 * signature of which side of each kink the forward was on. */
typedef double (*loss_fn)(void *ctx, uint64_t *sig);

static void gradcheck(const char *what, loss_fn f, void *ctx, float *p, const float *ana,
		      size_t n, int samples, gg_rng *r)
{
	const double eps = 1e-3;
	double rms = sqrt(dot(ana, ana, n) / (double)n);
	double worst = 0, wnum = 0, wana = 0;
	size_t widx = 0;
	int checked = 0, skipped = 0;
	int all = (size_t)samples >= n;
	for (size_t k = 0; checked < (all ? (int)n : samples) && skipped < 1000; k++) {
		size_t i = all ? (size_t)checked : gg_rng_below(r, (uint32_t)n);
		float save = p[i];
		uint64_t s1 = 0, s2 = 0, s0 = 0; /* kink signatures at p, p + ε, p − ε */
		f(ctx, &s0);
		p[i] = (float)(save + eps);
		double hp = (double)p[i] - save;
		double lp = f(ctx, &s1);
		p[i] = (float)(save - eps);
		double hm = (double)save - p[i];
		double lm = f(ctx, &s2);
		p[i] = save;
		if (s1 != s0 || s2 != s0) {
			skipped++;
			if (all) /* cannot redraw: treat as checked but not compared */
				checked++;
			continue;
		}
		double num = (lp - lm) / (hp + hm);
		double err = fabs(num - ana[i]);
		double tol = 1e-2 * fmax(fabs(num), fabs(ana[i])) + 1e-3 * rms;
		double ratio = tol > 0 ? err / tol : (err > 0 ? INFINITY : 0);
		if (ratio >= worst) {
			worst = ratio;
			widx = i;
			wnum = num;
			wana = ana[i];
		}
		checked++;
	}
	CHECK(worst <= 1.0 && skipped < 1000,
	      "%s: worst coordinate %zu: numeric %.7g analytic %.7g (error/tolerance %.3g, %d "
	      "kink skips)",
	      what, widx, wnum, wana, worst, skipped);
	CHECK(rms > 0 || n == 0, "%s: analytic gradient is identically zero", what);
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "  %-28s n=%-5zu rms=%-10.3g worst err/tol=%.3g skips=%d\n", what,
			n, rms, worst, skipped);
}

/* ---- layer gradient checks ---------------------------------------------------------- */

typedef struct {
	int B, I, O;
	float *in, *W, *b, *out, *r;
} dense_ctx;

static double dense_loss(void *vc, uint64_t *sig)
{
	dense_ctx *c = vc;
	(void)sig;
	nn_dense_forward(c->out, c->in, c->W, c->b, c->B, c->I, c->O);
	return dot(c->out, c->r, (size_t)c->B * c->O);
}

static void test_dense_grad(gg_rng *r)
{
	dense_ctx c = {.B = 5, .I = 7, .O = 3};
	size_t nin = (size_t)c.B * c.I, nw = (size_t)c.O * c.I, nout = (size_t)c.B * c.O;
	c.in = fvec(nin), c.W = fvec(nw), c.b = fvec(c.O), c.out = fvec(nout), c.r = fvec(nout);
	fill(r, c.in, nin, 1, 0), fill(r, c.W, nw, 1, 0), fill(r, c.b, c.O, 1, 0);
	fill(r, c.r, nout, 1, 0);
	float *dW = fvec(nw), *db = fvec(c.O), *din = fvec(nin);
	nn_dense_backward(din, dW, db, c.r, c.in, c.W, c.B, c.I, c.O);
	gradcheck("dense dW", dense_loss, &c, c.W, dW, nw, 1000, r);
	gradcheck("dense db", dense_loss, &c, c.b, db, c.O, 1000, r);
	gradcheck("dense din", dense_loss, &c, c.in, din, nin, 1000, r);
	free(c.in), free(c.W), free(c.b), free(c.out), free(c.r), free(dW), free(db), free(din);
}

typedef struct {
	size_t n;
	int tanh_;
	float *in, *out, *r;
} act_ctx;

static double act_loss(void *vc, uint64_t *sig)
{
	act_ctx *c = vc;
	uint64_t s = 0;
	if (c->tanh_)
		nn_tanh_forward(c->out, c->in, c->n);
	else
		nn_relu_forward(c->out, c->in, c->n);
	for (size_t i = 0; i < c->n; i++)
		s = s * 1099511628211ULL + (c->in[i] > 0);
	*sig = c->tanh_ ? 0 : s;
	return dot(c->out, c->r, c->n);
}

static void test_act_grad(gg_rng *r)
{
	for (int t = 0; t < 2; t++) {
		act_ctx c = {.n = 40, .tanh_ = t};
		c.in = fvec(c.n), c.out = fvec(c.n), c.r = fvec(c.n);
		fill(r, c.in, c.n, 1.5f, 0), fill(r, c.r, c.n, 1, 0);
		float *din = fvec(c.n);
		uint64_t sig;
		act_loss(&c, &sig);
		if (t)
			nn_tanh_backward(din, c.r, c.out, c.n);
		else
			nn_relu_backward(din, c.r, c.out, c.n);
		gradcheck(t ? "tanh din" : "relu din", act_loss, &c, c.in, din, c.n, 1000, r);
		/* In place (din == dout) as the model uses it. */
		act_loss(&c, &sig); /* gradcheck left out[] at a perturbed point */
		float *d = fvec(c.n);
		memcpy(d, c.r, c.n * sizeof *d);
		if (t)
			nn_tanh_backward(d, d, c.out, c.n);
		else
			nn_relu_backward(d, d, c.out, c.n);
		CHECK(!memcmp(d, din, c.n * sizeof *d), "%s backward differs in place",
		      t ? "tanh" : "relu");
		free(c.in), free(c.out), free(c.r), free(din), free(d);
	}
}

typedef struct {
	int B, C, G;
	float *in, *gamma, *beta, *rm, *rv, *out, *xhat, *rstd, *r;
} bn_ctx;

static double bn_loss(void *vc, uint64_t *sig)
{
	bn_ctx *c = vc;
	(void)sig;
	nn_bn_forward(c->out, c->xhat, c->rstd, c->in, c->gamma, c->beta, c->rm, c->rv, c->B,
		      c->C, c->G, 1);
	return dot(c->out, c->r, (size_t)c->B * c->C);
}

static void bn_grad_case(gg_rng *r, const char *name, int B, int C, int G, int samples)
{
	bn_ctx c = {.B = B, .C = C, .G = G};
	size_t n = (size_t)B * C;
	c.in = fvec(n), c.out = fvec(n), c.xhat = fvec(n), c.rstd = fvec(n), c.r = fvec(n);
	c.gamma = fvec(C), c.beta = fvec(C), c.rm = fvec(C), c.rv = fvec(C);
	fill(r, c.in, n, 2, 0.5f), fill(r, c.r, n, 1, 0);
	fill(r, c.gamma, C, 0.3f, 1), fill(r, c.beta, C, 0.3f, 0);
	float *din = fvec(n), *dg = fvec(C), *dbt = fvec(C);
	uint64_t sig;
	bn_loss(&c, &sig);
	/* In place, as the model calls it. */
	memcpy(din, c.r, n * sizeof *din);
	nn_bn_backward(din, dg, dbt, din, c.xhat, c.rstd, c.gamma, B, C, G);
	char what[64];
	snprintf(what, sizeof what, "%s din", name);
	gradcheck(what, bn_loss, &c, c.in, din, n, samples, r);
	snprintf(what, sizeof what, "%s dgamma", name);
	gradcheck(what, bn_loss, &c, c.gamma, dg, C, samples, r);
	snprintf(what, sizeof what, "%s dbeta", name);
	gradcheck(what, bn_loss, &c, c.beta, dbt, C, samples, r);
	free(c.in), free(c.out), free(c.xhat), free(c.rstd), free(c.r), free(c.gamma);
	free(c.beta), free(c.rm), free(c.rv), free(din), free(dg), free(dbt);
}

typedef struct {
	int B, C;
	float *logits, *probs;
	uint8_t *y;
} xent_ctx;

static double xent_loss(void *vc, uint64_t *sig)
{
	xent_ctx *c = vc;
	(void)sig;
	return nn_xent_forward(c->probs, c->logits, c->y, c->B, c->C) / c->B;
}

static void test_xent(gg_rng *r)
{
	xent_ctx c = {.B = 4, .C = 5};
	size_t n = (size_t)c.B * c.C;
	uint8_t y[4] = {0, 3, 4, 2};
	c.y = y, c.logits = fvec(n), c.probs = fvec(n);
	fill(r, c.logits, n, 2, 0);
	float *d = fvec(n);
	uint64_t sig;
	xent_loss(&c, &sig);
	nn_xent_backward(d, c.probs, c.y, c.B, c.C);
	gradcheck("xent dlogits", xent_loss, &c, c.logits, d, n, 1000, r);

	/* Large logits must not overflow; the loss of a confident right answer is ~0. */
	float big[3] = {1000, -1000, 0}, p[3];
	uint8_t y0 = 0, y1 = 1;
	double l0 = nn_xent_forward(p, big, &y0, 1, 3);
	CHECK(isfinite(l0) && l0 < 1e-6, "xent of a confident right answer: %g", l0);
	double l1 = nn_xent_forward(p, big, &y1, 1, 3);
	CHECK_NEAR(l1, 2000.0, 1e-3, "xent of a confident wrong answer");
	CHECK_NEAR(p[0], 1.0, 1e-7, "softmax of large logits");
	free(c.logits), free(c.probs), free(d);
}

typedef struct {
	int B, n, K, stable;
	float h, eps;
	float *P, *Bm, *b, *u, *r; /* P: R (stable) or A */
	float *A, *X, *S, *c;
} nais_ctx;

static double nais_loss(void *vc, uint64_t *sig)
{
	nais_ctx *c = vc;
	(void)sig;
	const float *A = c->P;
	if (c->stable) {
		nn_nais_matrix(c->A, c->P, c->n, c->eps);
		A = c->A;
	}
	nn_nais_forward(c->X, c->S, c->c, c->u, A, c->Bm, c->b, c->B, c->n, c->K, c->h, NN_TANH);
	size_t N = (size_t)c->B * c->n;
	return dot(c->X + (size_t)(c->K - 1) * N, c->r, N);
}

static void test_nais_grad(gg_rng *r)
{
	for (int t = 0; t < 4; t++) {
		/* K = 2 and 3: the stacked dA product with one and with two slabs. */
		int stable = t < 2, K = 2 + (t & 1);
		nais_ctx c = {.B = 5, .n = 4, .K = K, .stable = stable, .h = 0.7f, .eps = 0.01f};
		size_t nn2 = (size_t)c.n * c.n, N = (size_t)c.B * c.n;
		c.P = fvec(nn2), c.Bm = fvec(nn2), c.b = fvec(c.n), c.u = fvec(N), c.r = fvec(N);
		c.A = fvec(nn2), c.X = fvec(c.K * N), c.S = fvec(c.K * N), c.c = fvec(N);
		fill(r, c.P, nn2, 0.5f, 0), fill(r, c.Bm, nn2, 0.5f, 0), fill(r, c.b, c.n, 0.3f, 0);
		fill(r, c.u, N, 1, 0), fill(r, c.r, N, 1, 0);
		uint64_t sig;
		nais_loss(&c, &sig);
		const float *A = stable ? c.A : c.P;
		float *dA = fvec(nn2), *dP = fvec(nn2), *dBm = fvec(nn2), *db = fvec(c.n);
		float *gx = fvec(N), *dc = fvec(N), *du = fvec(N), *sym = fvec(nn2);
		memcpy(gx, c.r, N * sizeof *gx);
		nn_nais_backward(du, dA, dBm, db, gx, dc, c.u, A, c.Bm, c.X, c.S, c.B, c.n, c.K,
				 c.h, NN_TANH);
		if (stable)
			nn_nais_dR(dP, sym, dA, c.P, c.n);
		else
			memcpy(dP, dA, nn2 * sizeof *dP);
		char what[64];
		const char *v = stable ? "stable" : "free";
		snprintf(what, sizeof what, "nais K=%d %s %s", K, v, stable ? "dR" : "dA");
		gradcheck(what, nais_loss, &c, c.P, dP, nn2, 1000, r);
		snprintf(what, sizeof what, "nais K=%d %s dB", K, v);
		gradcheck(what, nais_loss, &c, c.Bm, dBm, nn2, 1000, r);
		snprintf(what, sizeof what, "nais K=%d %s db", K, v);
		gradcheck(what, nais_loss, &c, c.b, db, c.n, 1000, r);
		snprintf(what, sizeof what, "nais K=%d %s du", K, v);
		gradcheck(what, nais_loss, &c, c.u, du, N, 1000, r);

		/* du may alias gx, as the model calls it: same result. */
		nais_loss(&c, &sig);
		float *dA2 = fvec(nn2), *dBm2 = fvec(nn2), *db2 = fvec(c.n);
		memcpy(gx, c.r, N * sizeof *gx);
		nn_nais_backward(gx, dA2, dBm2, db2, gx, dc, c.u, A, c.Bm, c.X, c.S, c.B, c.n, c.K,
				 c.h, NN_TANH);
		CHECK(!memcmp(gx, du, N * sizeof *gx) && !memcmp(dA2, dA, nn2 * sizeof *dA),
		      "nais backward with du aliasing gx differs");
		free(c.P), free(c.Bm), free(c.b), free(c.u), free(c.r), free(c.A), free(c.X);
		free(c.S), free(c.c), free(dA), free(dP), free(dBm), free(db), free(gx), free(dc);
		free(du), free(sym), free(dA2), free(dBm2), free(db2);
	}
}

/* ---- whole models against the reference forward (nntest.c) ------------------------ */

typedef struct {
	nn_model *m;
	const float *x;
	const uint8_t *y;
	int B;
} model_ctx;

static double model_loss(void *vc, uint64_t *sig)
{
	model_ctx *c = vc;
	return ref_loss(c->m, c->x, c->y, c->B, 1, 0, sig, NULL, NULL);
}

static void model_grad_case(gg_rng *r, const char *label, const nn_config *cfg)
{
	char err[GG_ERRLEN];
	nn_model *m = nn_model_new(cfg, 11, err);
	CHECK(m != NULL, "%s: %s", label, err);
	if (!m)
		return;
	int B = 10;
	float *x = fvec((size_t)B * cfg->in);
	uint8_t *y = gg_xmalloc(B);
	fill(r, x, (size_t)B * cfg->in, 1, 0);
	for (int i = 0; i < B; i++)
		y[i] = (uint8_t)gg_rng_below(r, (uint32_t)cfg->classes);
	/* Perturb BN affine parameters and biases off their init so their gradients are
	 * generic (γ = 1, β = 0, b = 0 would hide a swapped γ/β). */
	for (int v = 0; v < m->nviews; v++)
		if (m->views[v].rows == 1)
			fill(r, m->params + m->views[v].off, m->views[v].cols, 0.2f,
			     strstr(m->views[v].name, "gamma") ? 1.0f : 0.0f);
	float loss = nn_model_grad(m, x, y, B);
	float *g = fvec(m->nparams);
	memcpy(g, m->grads, m->nparams * sizeof *g);
	double ref = ref_loss(m, x, y, B, 1, 0, NULL, NULL, NULL);
	CHECK_NEAR(loss, ref, 1e-5 * fabs(ref), "%s: model loss vs reference forward", label);
	model_ctx c = {m, x, y, B};
	char what[64];
	double grms = sqrt(dot(g, g, m->nparams) / (double)m->nparams);
	for (int v = 0; v < m->nviews; v++) {
		const nn_view *w = &m->views[v];
		size_t n = (size_t)w->rows * w->cols;
		snprintf(what, sizeof what, "%s %s", label, w->name);
		/* A bias feeding batch norm is cancelled by the mean subtraction: its true
		 * gradient is 0, so both sides must be 0 up to rounding, on the model's scale. */
		if (cfg->kind == NN_MLP && cfg->norm != NN_NORM_NONE && strstr(w->name, ".b") &&
		    !strstr(w->name, "head") && !strstr(w->name, "beta")) {
			double amax = 0, nmax = 0;
			for (size_t i = 0; i < n; i++) {
				float *p = m->params + w->off + i, save = *p;
				*p = save + 1e-3f;
				double lp = model_loss(&c, NULL);
				*p = save - 1e-3f;
				double lm = model_loss(&c, NULL);
				*p = save;
				nmax = fmax(nmax, fabs(lp - lm) / 2e-3);
				amax = fmax(amax, fabs(g[w->off + i]));
			}
			CHECK(amax <= 1e-5 * grms && nmax <= 1e-3 * grms,
			      "%s: gradient of a bias before BN is not 0: analytic %g numeric %g "
			      "(model rms %g)",
			      what, amax, nmax, grms);
			continue;
		}
		gradcheck(what, model_loss, &c, m->params + w->off, g + w->off, n, 12, r);
	}
	free(x), free(y), free(g);
	nn_model_free(m);
}

static void test_model_grads(gg_rng *r)
{
	nn_config c;
	nn_config_default(&c, NN_MLP);
	c.in = 6, c.classes = 3, c.width = 8, c.depth = 2;
	model_grad_case(r, "mlp none", &c);
	c.norm = NN_NORM_BN;
	model_grad_case(r, "mlp bn", &c);
	c.norm = NN_NORM_GBN, c.ghost = 4; /* B = 10: ghosts of 4, 4, 2 */
	model_grad_case(r, "mlp gbn", &c);
	c.act = NN_TANH;
	model_grad_case(r, "mlp gbn tanh", &c);
	c.depth = 0, c.norm = NN_NORM_NONE;
	model_grad_case(r, "mlp depth0", &c);

	nn_config_default(&c, NN_NAIS);
	c.in = 6, c.classes = 3, c.width = 5, c.blocks = 2, c.stages = 3, c.h = 0.7f;
	model_grad_case(r, "nais stable", &c);
	c.stable = 0;
	model_grad_case(r, "nais free", &c);
}

/* ---- batch norm statistics ---------------------------------------------------------- */

static void test_bn_stats(gg_rng *r)
{
	/* Ghost BN: B = 10, G = 4 → ghosts of 4, 4, 2 rows, three EMA updates in order. */
	enum { B = 10, C = 3, G = 4 };
	float in[B * C], out[B * C], xh[B * C], rs[3 * C], gamma[C], beta[C], rm[C], rv[C];
	fill(r, in, B * C, 2, 1);
	fill(r, gamma, C, 0.3f, 1), fill(r, beta, C, 0.3f, 0);
	for (int j = 0; j < C; j++)
		rm[j] = 0.5f, rv[j] = 2.0f;
	nn_bn_forward(out, xh, rs, in, gamma, beta, rm, rv, B, C, G, 1);
	for (int j = 0; j < C; j++) {
		double em = 0.5, ev = 2.0;
		for (int g0 = 0; g0 < B; g0 += G) {
			int n = g0 + G <= B ? G : B - g0;
			double mu = 0, var = 0;
			for (int i = g0; i < g0 + n; i++)
				mu += in[i * C + j];
			mu /= n;
			for (int i = g0; i < g0 + n; i++)
				var += (in[i * C + j] - mu) * (in[i * C + j] - mu);
			/* the forward output uses the biased variance of its own ghost batch */
			for (int i = g0; i < g0 + n; i++) {
				double want = gamma[j] * (in[i * C + j] - mu) / sqrt(var / n + 1e-5) +
					      beta[j];
				CHECK_NEAR(out[i * C + j], want, 2e-5 * (1 + fabs(want)),
					   "gbn output row %d col %d", i, j);
			}
			em = 0.9 * em + 0.1 * mu;
			ev = 0.9 * ev + 0.1 * var / (n - 1);
		}
		CHECK_NEAR(rm[j], em, 1e-5, "gbn running mean after 3 ghost updates, col %d", j);
		CHECK_NEAR(rv[j], ev, 1e-5 * ev, "gbn running var after 3 ghost updates, col %d", j);
	}
	/* Plain BN: one update. */
	for (int j = 0; j < C; j++)
		rm[j] = 0, rv[j] = 1;
	nn_bn_forward(out, xh, rs, in, gamma, beta, rm, rv, B, C, 0, 1);
	for (int j = 0; j < C; j++) {
		double mu = 0, var = 0;
		for (int i = 0; i < B; i++)
			mu += in[i * C + j];
		mu /= B;
		for (int i = 0; i < B; i++)
			var += (in[i * C + j] - mu) * (in[i * C + j] - mu);
		CHECK_NEAR(rm[j], 0.1 * mu, 1e-6, "bn running mean, col %d", j);
		CHECK_NEAR(rv[j], 0.9 + 0.1 * var / (B - 1), 1e-5, "bn running var, col %d", j);
	}
	/* Eval: running statistics only, running statistics untouched, in place allowed. */
	float rm0[C], rv0[C];
	memcpy(rm0, rm, sizeof rm), memcpy(rv0, rv, sizeof rv);
	memcpy(out, in, sizeof in);
	nn_bn_forward(out, NULL, NULL, out, gamma, beta, rm, rv, B, C, 0, 0);
	double worst = 0;
	for (int i = 0; i < B; i++)
		for (int j = 0; j < C; j++) {
			double want = gamma[j] * (in[i * C + j] - rm[j]) / sqrt(rv[j] + 1e-5) + beta[j];
			worst = fmax(worst, fabs(out[i * C + j] - want));
		}
	CHECK(worst < 1e-5, "bn eval differs from the running-statistics formula by %g", worst);
	CHECK(!memcmp(rm, rm0, sizeof rm) && !memcmp(rv, rv0, sizeof rv),
	      "bn eval changed the running statistics");

	/* Model level: one gbn step of B = 10 rows with G = 4 makes three updates of bn1's
	 * running mean from the pre-BN activations z = x·W1ᵀ + b1. */
	nn_config c;
	nn_config_default(&c, NN_MLP);
	c.in = 4, c.classes = 2, c.width = 6, c.depth = 1, c.norm = NN_NORM_GBN, c.ghost = 4;
	nn_model *m = nn_model_new(&c, 5, NULL);
	float x[B * 4];
	uint8_t y[B];
	fill(r, x, B * 4, 1, 0);
	for (int i = 0; i < B; i++)
		y[i] = (uint8_t)(i & 1);
	fill(r, vp(m, "fc1.b"), 6, 0.5f, 0.3f);
	const float *W1 = vp(m, "fc1.w"), *b1 = vp(m, "fc1.b");
	double want_mean[6], want_var[6];
	for (int j = 0; j < 6; j++) {
		double em = 0, ev = 1;
		for (int g0 = 0; g0 < B; g0 += G) {
			int n = g0 + G <= B ? G : B - g0;
			double zs[G], mu = 0, var = 0;
			for (int i = 0; i < n; i++) {
				zs[i] = b1[j];
				for (int k = 0; k < 4; k++)
					zs[i] += (double)x[(g0 + i) * 4 + k] * W1[j * 4 + k];
				mu += zs[i];
			}
			mu /= n;
			for (int i = 0; i < n; i++)
				var += (zs[i] - mu) * (zs[i] - mu);
			em = 0.9 * em + 0.1 * mu;
			ev = 0.9 * ev + 0.1 * var / (n - 1);
		}
		want_mean[j] = em, want_var[j] = ev;
	}
	CHECK(m->nbuf == 12, "gbn model buffer holds mean and var: nbuf %zu", m->nbuf);
	nn_model_grad(m, x, y, B);
	for (int j = 0; j < 6; j++) {
		CHECK_NEAR(m->buf[j], want_mean[j], 1e-5, "model gbn running mean %d", j);
		CHECK_NEAR(m->buf[6 + j], want_var[j], 1e-5 * want_var[j], "model gbn running var %d",
			   j);
	}
	/* Eval uses running statistics and changes nothing. */
	float *p0 = fvec(m->nparams), *b0 = fvec(m->nbuf);
	memcpy(p0, m->params, m->nparams * sizeof *p0);
	memcpy(b0, m->buf, m->nbuf * sizeof *b0);
	double ls = 0;
	long ne = 0, rne = 0;
	nn_model_eval(m, x, y, B, 0, &ls, &ne, NULL);
	double rl = ref_loss(m, x, y, B, 0, 0, NULL, &rne, NULL);
	CHECK_NEAR(ls / B, rl, 1e-5 * fabs(rl), "model eval loss vs running-stats reference");
	CHECK(ne == rne, "model eval errors %ld vs reference %ld", ne, rne);
	double tl = ref_loss(m, x, y, B, 1, 0, NULL, NULL, NULL);
	CHECK(fabs(tl - rl) > 1e-4, "eval loss equals the batch-statistics loss (%g)", tl);
	CHECK(!memcmp(p0, m->params, m->nparams * sizeof *p0) &&
		      !memcmp(b0, m->buf, m->nbuf * sizeof *b0),
	      "nn_model_eval changed parameters or running statistics");
	free(p0), free(b0);
	nn_model_free(m);
}

int main(void)
{
	gg_rng r;
	gg_rng_seed(&r, 2024);
	test_dense_grad(&r);
	test_act_grad(&r);
	bn_grad_case(&r, "bn", 6, 5, 0, 1000);
	bn_grad_case(&r, "gbn", 11, 3, 4, 1000);
	bn_grad_case(&r, "gbn tiled", 9, 300, 4, 60); /* C > the 256-channel tile; ghosts 4, 4, 1 */
	test_xent(&r);
	test_nais_grad(&r);
	test_model_grads(&r);
	test_bn_stats(&r);
	return test_report();
}
