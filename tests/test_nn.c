/* test_nn.c — the neural-network core against references it does not share code with:
 * naive products, central finite differences for every layer and whole model, hand-computed
 * running statistics and optimizer steps, the NAIS projection's guarantee, learning a 2-D
 * problem, and bit-exact determinism.
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
#include "test.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static float *fvec(size_t n)
{
	return gg_xcalloc(n, sizeof(float));
}

static void fill(gg_rng *r, float *x, size_t n, float scale, float offset)
{
	for (size_t i = 0; i < n; i++)
		x[i] = offset + scale * gg_rng_normal(r);
}

static double dot(const float *a, const float *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

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

/* ---- 1. BLAS path against the naive product ----------------------------------------- */

static void check_close(const char *what, const float *got, const float *want,
			const float *scale, size_t n)
{
	/* Relative to Σ|a·b| of each entry, the bound a float dot product's error obeys. */
	double worst = 0;
	size_t wi = 0;
	for (size_t i = 0; i < n; i++) {
		double e = fabs((double)got[i] - want[i]) / (1e-30 + scale[i]);
		if (e > worst) {
			worst = e;
			wi = i;
		}
	}
	CHECK(worst < 2e-6, "%s: entry %zu: %.9g vs %.9g (relative %.3g)", what, wi,
	      (double)got[wi], (double)want[wi], worst);
}

static void test_matmul(void)
{
	float A[6] = {1, 2, 3, 4, 5, 6}, B[6] = {7, 8, 9, 10, 11, 12}, C[4];
	nn_matmul_naive(C, A, B, 2, 2, 3); /* [2][3]·[3][2] */
	CHECK(C[0] == 58 && C[1] == 64 && C[2] == 139 && C[3] == 154, "naive 2x3·3x2 wrong");

	gg_rng r;
	gg_rng_seed(&r, 1);
	int Bn = 37, I = 53, O = 29;
	float *in = fvec((size_t)Bn * I), *W = fvec((size_t)O * I), *b = fvec(O);
	float *WT = fvec((size_t)I * O), *out = fvec((size_t)Bn * O), *ref = fvec((size_t)Bn * O);
	float *scale = fvec((size_t)Bn * I * O);
	fill(&r, in, (size_t)Bn * I, 1, 0);
	fill(&r, W, (size_t)O * I, 1, 0);
	fill(&r, b, O, 1, 0);
	for (int o = 0; o < O; o++)
		for (int i = 0; i < I; i++)
			WT[(size_t)i * O + o] = W[(size_t)o * I + i];
	nn_dense_forward(out, in, W, b, Bn, I, O);
	nn_matmul_naive(ref, in, WT, Bn, O, I);
	for (int r0 = 0; r0 < Bn; r0++)
		for (int o = 0; o < O; o++) {
			double s = fabs(b[o]);
			for (int i = 0; i < I; i++)
				s += fabs(in[(size_t)r0 * I + i] * W[(size_t)o * I + i]);
			ref[(size_t)r0 * O + o] += b[o];
			scale[(size_t)r0 * O + o] = (float)s;
		}
	check_close("dense forward", out, ref, scale, (size_t)Bn * O);

	/* Backward: dW = doutᵀ·in, din = dout·W, db = Σ dout, with dW/db accumulating. */
	float *dout = fvec((size_t)Bn * O), *doutT = fvec((size_t)O * Bn);
	float *dW = fvec((size_t)O * I), *db = fvec(O), *din = fvec((size_t)Bn * I);
	float *rdW = fvec((size_t)O * I), *rdin = fvec((size_t)Bn * I);
	fill(&r, dout, (size_t)Bn * O, 1, 0);
	for (int r0 = 0; r0 < Bn; r0++)
		for (int o = 0; o < O; o++)
			doutT[(size_t)o * Bn + r0] = dout[(size_t)r0 * O + o];
	for (size_t i = 0; i < (size_t)O * I; i++)
		dW[i] = 1.0f; /* must be accumulated into, not overwritten */
	for (int o = 0; o < O; o++)
		db[o] = 2.0f;
	nn_dense_backward(din, dW, db, dout, in, W, Bn, I, O);
	nn_matmul_naive(rdW, doutT, in, O, I, Bn);
	nn_matmul_naive(rdin, dout, W, Bn, I, O);
	float *sW = fvec((size_t)O * I), *sin_ = fvec((size_t)Bn * I);
	for (int o = 0; o < O; o++)
		for (int i = 0; i < I; i++) {
			double s = 1;
			for (int r0 = 0; r0 < Bn; r0++)
				s += fabs(dout[(size_t)r0 * O + o] * in[(size_t)r0 * I + i]);
			rdW[(size_t)o * I + i] += 1.0f;
			sW[(size_t)o * I + i] = (float)s;
		}
	for (int r0 = 0; r0 < Bn; r0++)
		for (int i = 0; i < I; i++) {
			double s = 0;
			for (int o = 0; o < O; o++)
				s += fabs(dout[(size_t)r0 * O + o] * W[(size_t)o * I + i]);
			sin_[(size_t)r0 * I + i] = (float)s;
		}
	check_close("dense backward dW", dW, rdW, sW, (size_t)O * I);
	check_close("dense backward din", din, rdin, sin_, (size_t)Bn * I);
	double worst = 0;
	for (int o = 0; o < O; o++) {
		double s = 2;
		for (int r0 = 0; r0 < Bn; r0++)
			s += dout[(size_t)r0 * O + o];
		worst = fmax(worst, fabs(s - db[o]));
	}
	CHECK(worst < 1e-4, "dense backward db off by %g", worst);
	free(in), free(W), free(b), free(WT), free(out), free(ref), free(scale);
	free(dout), free(doutT), free(dW), free(db), free(din), free(rdW), free(rdin), free(sW);
	free(sin_);
}

/* ---- 2. layer gradient checks ------------------------------------------------------- */

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

/* ---- whole models: a reference forward built from the layer functions --------------- */

static float *vp(nn_model *m, const char *name)
{
	const nn_view *v = nn_model_view(m, name);
	if (!v) {
		fprintf(stderr, "no view %s\n", name);
		abort();
	}
	return m->params + v->off;
}

/* Mean loss of x[B][in] (train: batch statistics; eval: running statistics), computed from
 * the views with the public layer functions, so it checks the model's wiring as well as
 * its gradients. K overrides NAIS stages when > 0. Running statistics are not modified. */
static double ref_loss(nn_model *m, const float *x, const uint8_t *y, int B, int train, int K,
		       uint64_t *sig, long *nerr, float *probs_out)
{
	const nn_config *c = &m->cfg;
	int W = c->width, I = c->in, C = c->classes;
	size_t BW = (size_t)B * W;
	if (K <= 0)
		K = c->stages;
	float *a = fvec(BW), *z = fvec(BW), *xh = fvec(BW), *rs = fvec(BW), *h = fvec(BW);
	float *rm = fvec(W), *rv = fvec(W), *logits = fvec((size_t)B * C);
	float *X = fvec((size_t)K * BW), *S = fvec((size_t)K * BW), *cc = fvec(BW);
	float *A = fvec((size_t)W * W);
	const float *in = x;
	uint64_t s = 0;
	char name[32];
	int hidden = c->kind == NN_MLP ? c->depth : 1;
	for (int l = 1; l <= hidden; l++) {
		snprintf(name, sizeof name, "fc%d.w", l);
		float *Wl = vp(m, name);
		snprintf(name, sizeof name, "fc%d.b", l);
		nn_dense_forward(z, in, Wl, vp(m, name), B, I, W);
		if (c->kind == NN_MLP && c->norm != NN_NORM_NONE) {
			snprintf(name, sizeof name, "bn%d.gamma", l);
			const nn_view *gv = nn_model_view(m, name);
			size_t bi = 2 * (size_t)W * (l - 1); /* mean, var per layer, in order */
			memcpy(rm, m->buf + bi, W * sizeof *rm);
			memcpy(rv, m->buf + bi + W, W * sizeof *rv);
			nn_bn_forward(a, xh, rs, z, m->params + gv->off, m->params + gv->off + W, rm,
				      rv, B, W, c->norm == NN_NORM_GBN ? c->ghost : 0, train);
		} else {
			memcpy(a, z, BW * sizeof *a);
		}
		for (size_t i = 0; i < BW; i++)
			s = s * 1099511628211ULL + (a[i] > 0);
		if (c->act == NN_TANH)
			nn_tanh_forward(a, a, BW);
		else
			nn_relu_forward(a, a, BW);
		memcpy(h, a, BW * sizeof *h); /* h: this layer's output, the next one's input */
		in = h;
		I = W;
	}
	for (int i = 1; c->kind == NN_NAIS && i <= c->blocks; i++) {
		if (c->stable) {
			snprintf(name, sizeof name, "nais%d.R", i);
			nn_nais_matrix(A, vp(m, name), W, c->eps);
		} else {
			snprintf(name, sizeof name, "nais%d.A", i);
			memcpy(A, vp(m, name), (size_t)W * W * sizeof *A);
		}
		snprintf(name, sizeof name, "nais%d.B", i);
		float *Bm = vp(m, name);
		snprintf(name, sizeof name, "nais%d.b", i);
		nn_nais_forward(X, S, cc, in, A, Bm, vp(m, name), B, W, K, c->h, c->act);
		for (size_t j = 0; j < (size_t)K * BW && c->act == NN_RELU; j++)
			s = s * 1099511628211ULL + (S[j] > 0);
		memcpy(h, X + (size_t)(K - 1) * BW, BW * sizeof *h);
		in = h;
	}
	nn_dense_forward(logits, in, vp(m, "head.w"), vp(m, "head.b"), B, I, C);
	double loss = nn_xent_forward(logits, logits, y, B, C);
	if (nerr) {
		*nerr = 0;
		for (int r = 0; r < B; r++) {
			int best = 0;
			for (int j = 1; j < C; j++)
				if (logits[(size_t)r * C + j] > logits[(size_t)r * C + best])
					best = j;
			*nerr += best != y[r];
		}
	}
	if (probs_out)
		memcpy(probs_out, logits, (size_t)B * C * sizeof *logits);
	if (sig)
		*sig = s;
	free(a), free(z), free(xh), free(rs), free(rm), free(rv), free(logits), free(X), free(S);
	free(cc), free(A), free(h);
	return loss / B;
}

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

/* ---- 3. batch norm statistics ------------------------------------------------------- */

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

/* ---- 4. NAIS projection ------------------------------------------------------------- */

static double gram_norm(const float *R, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double g = 0;
			for (int k = 0; k < n; k++)
				g += (double)R[k * n + i] * R[k * n + j];
			s += g * g;
		}
	return sqrt(s);
}

/* Largest |eigenvalue| of the symmetric M = I + h·A by power iteration. */
static double spectral_radius(const float *A, int n, double h)
{
	double *v = calloc((size_t)n, sizeof *v), *w = calloc((size_t)n, sizeof *w), lam = 0;
	for (int i = 0; i < n; i++)
		v[i] = 1.0 + 0.01 * i;
	for (int it = 0; it < 2000; it++) {
		double nrm = 0;
		for (int i = 0; i < n; i++) {
			w[i] = v[i];
			for (int j = 0; j < n; j++)
				w[i] += h * A[i * n + j] * v[j];
			nrm += w[i] * w[i];
		}
		nrm = sqrt(nrm);
		double vn = 0;
		for (int i = 0; i < n; i++)
			vn += v[i] * v[i];
		lam = nrm / sqrt(vn);
		for (int i = 0; i < n; i++)
			v[i] = w[i] / nrm;
	}
	free(v), free(w);
	return lam;
}

static void test_projection(void)
{
	nn_config c;
	nn_config_default(&c, NN_NAIS);
	c.in = 3, c.classes = 2, c.width = 16, c.blocks = 2, c.eps = 0.05f;
	double delta = 1 - 2 * c.eps;
	nn_model *m = nn_model_new(&c, 3, NULL);
	float *R1 = vp(m, "nais1.R"), *R2 = vp(m, "nais2.R");
	CHECK(gram_norm(R1, 16) <= delta + 1e-6, "initial ‖RᵀR‖_F = %g exceeds δ",
	      gram_norm(R1, 16));
	CHECK(nn_model_project(m) == 0, "projection rescaled a fresh model");
	for (int i = 0; i < 256; i++)
		R1[i] *= 3.0f;
	CHECK(nn_model_project(m) == 1, "projection did not rescale exactly one block");
	CHECK_NEAR(gram_norm(R1, 16), delta, 1e-4, "‖RᵀR‖_F after projection");
	CHECK(gram_norm(R2, 16) <= delta, "untouched block moved");
	CHECK(nn_model_project(m) == 0, "a second projection rescaled again");
	float A[256];
	nn_nais_matrix(A, R1, 16, c.eps);
	for (double h = 0.25; h <= 1.0; h += 0.25) {
		double rho = spectral_radius(A, 16, h);
		CHECK(rho <= 1.0 + 1e-6, "ρ(I + %.2f·A) = %.9f > 1", h, rho);
	}
	/* And the eigenvalues of A lie in [−(1−ε), −ε]: ρ(I + A) ≤ 1 − ε. */
	CHECK(spectral_radius(A, 16, 1.0) <= 1.0 - c.eps + 1e-5, "ρ(I + A) > 1 − ε");

	/* A free block starts where the stable one with the same seed starts. */
	c.stable = 0;
	nn_model *f = nn_model_new(&c, 3, NULL);
	nn_model *s = nn_model_clone(m);
	nn_model_free(m);
	c.stable = 1;
	m = nn_model_new(&c, 3, NULL);
	nn_nais_matrix(A, vp(m, "nais1.R"), 16, c.eps);
	CHECK(!memcmp(A, vp(f, "nais1.A"), sizeof A), "free A does not start at −RᵀR − εI");
	CHECK(!memcmp(vp(m, "nais2.B"), vp(f, "nais2.B"), 256 * sizeof(float)),
	      "free and stable models draw different B");
	CHECK(nn_model_project(f) == 0, "projection touched a free model");
	nn_model_free(f), nn_model_free(s), nn_model_free(m);

	nn_config_default(&c, NN_MLP);
	c.in = 3, c.classes = 2;
	m = nn_model_new(&c, 1, NULL);
	CHECK(nn_model_project(m) == 0, "projection touched an mlp");
	nn_model_free(m);
}

/* ---- 5. optimizers and schedule ----------------------------------------------------- */

static void test_optim(void)
{
	/* One coordinate by hand (lr .1, μ .9, wd .1), gradients .5 then −.25:
	 *   plain:    g' = .6, buf = .6, w = .94;  g' = −.156, buf = .384, w = .9016
	 *   nesterov: w = 1 − .1·(.6 + .54) = .886; g' = −.1614, buf = .3786,
	 *             w = .886 − .1·(−.1614 + .34074) = .868066
	 * The second coordinate has zero gradient, so it moves by weight decay alone. */
	for (int nest = 0; nest < 2; nest++) {
		nn_opt_config oc;
		nn_opt_config_default(&oc, NN_SGD);
		oc.momentum = 0.9f, oc.wd = 0.1f, oc.nesterov = nest;
		nn_opt o;
		nn_opt_init(&o, &oc, 2);
		float w[2] = {1, -2}, g1[2] = {0.5f, 0}, g2[2] = {-0.25f, 0};
		nn_opt_step(&o, w, g1, 0.1f);
		CHECK_NEAR(w[0], nest ? 0.886 : 0.94, 1e-6, "sgd step 1 (nesterov %d)", nest);
		nn_opt_step(&o, w, g2, 0.1f);
		CHECK_NEAR(w[0], nest ? 0.868066 : 0.9016, 1e-6, "sgd step 2 (nesterov %d)", nest);
		/* w = −2, g = 0: g' = −.2, buf = −.2, w = −1.98; g' = −.198, buf = −.378,
		 * w = −1.9422. */
		if (!nest)
			CHECK_NEAR(w[1], -1.9422, 1e-6, "sgd weight decay only");
		CHECK(o.t == 2, "sgd t = %ld", o.t);
		nn_opt_free(&o);
	}
	/* AdamW (lr .1, wd .1, β .9/.999, eps 1e-8), values from torch.optim.AdamW's
	 * update rule evaluated in double. */
	{
		nn_opt_config oc;
		nn_opt_config_default(&oc, NN_ADAMW);
		CHECK(oc.lr == 1e-3f && oc.wd == 0.01f, "adamw defaults");
		oc.wd = 0.1f;
		nn_opt o;
		nn_opt_init(&o, &oc, 2);
		float w[2] = {1, -2}, g1[2] = {0.5f, 0}, g2[2] = {-0.25f, 0};
		nn_opt_step(&o, w, g1, 0.1f);
		CHECK_NEAR(w[0], 0.890000002, 1e-6, "adamw step 1");
		CHECK_NEAR(w[1], -1.98, 1e-6, "adamw step 1, decay only");
		nn_opt copy;
		nn_opt_copy(&copy, &o);
		nn_opt_step(&o, w, g2, 0.1f);
		CHECK_NEAR(w[0], 0.8544662986878463, 1e-6, "adamw step 2");
		CHECK_NEAR(w[1], -1.9602, 1e-6, "adamw step 2, decay only");
		/* The copy carries the moments: stepping it from the same point agrees. */
		float w2[2] = {0.890000002f, -1.98f}, g3[2] = {-0.25f, 0};
		nn_opt_step(&copy, w2, g3, 0.1f);
		CHECK_NEAR(w2[0], w[0], 1e-6, "adamw copy continues the same sequence");
		nn_opt_free(&o), nn_opt_free(&copy);
	}
	/* Clipping: ‖(3, 4)‖ = 5 → 1, measured norm returned; below the clip nothing changes. */
	{
		nn_opt_config oc;
		nn_opt_config_default(&oc, NN_SGD);
		oc.momentum = 0, oc.clip = 1;
		nn_opt o;
		nn_opt_init(&o, &oc, 2);
		float w[2] = {0, 0}, g[2] = {3, 4};
		float norm = nn_opt_step(&o, w, g, 1.0f);
		CHECK_NEAR(norm, 5.0, 1e-6, "clip returns the norm before clipping");
		CHECK_NEAR(sqrt(g[0] * g[0] + g[1] * g[1]), 1.0, 1e-5, "clipped norm");
		CHECK_NEAR(w[0], -0.6, 1e-5, "clipped step");
		CHECK_NEAR(w[1], -0.8, 1e-5, "clipped step");
		float g2[2] = {0.3f, 0.4f};
		norm = nn_opt_step(&o, w, g2, 1.0f);
		CHECK(g2[0] == 0.3f && g2[1] == 0.4f, "clip touched a gradient below the clip");
		CHECK_NEAR(norm, 0.5, 1e-6, "norm below the clip");
		nn_opt_free(&o);
	}
	/* Schedule: ×0.1 at epochs 10, 20, 30. */
	nn_schedule s = {.n = 3, .at = {10, 20, 30}, .factor = 0.1f};
	CHECK_NEAR(nn_schedule_lr(&s, 0.1f, 0), 0.1, 1e-6 * 0.1, "lr at epoch 0");
	CHECK_NEAR(nn_schedule_lr(&s, 0.1f, 9.99), 0.1, 1e-6 * 0.1, "lr before the first drop");
	CHECK_NEAR(nn_schedule_lr(&s, 0.1f, 10), 0.01, 1e-6 * 0.01, "lr at the first drop");
	CHECK_NEAR(nn_schedule_lr(&s, 0.1f, 25), 0.001, 1e-6 * 0.001, "lr after two drops");
	CHECK_NEAR(nn_schedule_lr(&s, 0.1f, 1e6), 0.0001, 1e-6 * 0.0001, "lr after three drops");
}

/* ---- 6. learning two spirals -------------------------------------------------------- */

static void spirals(gg_rng *r, float *x, uint8_t *y, int n)
{
	/* Two interleaved arms of one and a quarter turns, radius growing with the angle. */
	for (int i = 0; i < n; i++) {
		float t = gg_rng_uniform(r);
		float th = 0.3f + t * 2.5f * 3.14159265f, rad = 0.1f + t;
		int k = i & 1;
		float sgn = k ? -1.0f : 1.0f;
		x[2 * i] = sgn * rad * cosf(th) + 0.02f * gg_rng_normal(r);
		x[2 * i + 1] = sgn * rad * sinf(th) + 0.02f * gg_rng_normal(r);
		y[i] = (uint8_t)k;
	}
}

static double train_acc(const nn_config *cfg, const nn_opt_config *oc, int steps,
			const float *x, const uint8_t *y, int n, gg_rng *r)
{
	nn_model *m = nn_model_new(cfg, 42, NULL);
	nn_opt o;
	nn_opt_init(&o, oc, m->nparams);
	enum { B = 32 };
	float xb[B * 2];
	uint8_t yb[B];
	for (int s = 0; s < steps; s++) {
		for (int i = 0; i < B; i++) {
			int j = (int)gg_rng_below(r, (uint32_t)n);
			xb[2 * i] = x[2 * j], xb[2 * i + 1] = x[2 * j + 1], yb[i] = y[j];
		}
		nn_model_grad(m, xb, yb, B);
		nn_opt_step(&o, m->params, m->grads, oc->lr);
		nn_model_project(m);
	}
	long err = 0;
	double loss = 0;
	nn_model_eval(m, x, y, n, 0, &loss, &err, NULL);
	nn_opt_free(&o);
	nn_model_free(m);
	return 1.0 - (double)err / n;
}

static void test_learning(gg_rng *r)
{
	enum { N = 600 };
	float x[N * 2];
	uint8_t y[N];
	spirals(r, x, y, N);
	nn_config c;
	nn_config_default(&c, NN_MLP);
	c.in = 2, c.classes = 2, c.width = 32, c.depth = 2;
	nn_opt_config oc;
	nn_opt_config_default(&oc, NN_SGD); /* lr 0.1, momentum 0.9 */
	double acc = train_acc(&c, &oc, 4000, x, y, N, r);
	CHECK(acc >= 0.95, "mlp 2-32x2-2 relu on two spirals: train accuracy %.3f", acc);

	c.norm = NN_NORM_GBN, c.ghost = 16; /* B = 32: two ghost batches per step */
	acc = train_acc(&c, &oc, 4000, x, y, N, r);
	CHECK(acc >= 0.95, "mlp 2-32x2-2 relu gbn16 on two spirals: train accuracy %.3f", acc);

	/* NAIS with ReLU stages learns the spirals; with its default tanh it sits on the long
	 * plateau tanh nets have on this problem (so does a tanh mlp), so it gets the
	 * concentric circles instead. */
	nn_config_default(&c, NN_NAIS);
	c.in = 2, c.classes = 2, c.width = 32, c.blocks = 1, c.stages = 4, c.act = NN_RELU;
	acc = train_acc(&c, &oc, 4000, x, y, N, r);
	CHECK(acc >= 0.95, "nais 2-32 1x4 relu stable on two spirals: train accuracy %.3f", acc);

	for (int i = 0; i < N; i++) {
		float th = 6.2831853f * gg_rng_uniform(r);
		float rad = (i & 1 ? 1.0f : 0.5f) + 0.08f * gg_rng_normal(r);
		x[2 * i] = rad * cosf(th), x[2 * i + 1] = rad * sinf(th), y[i] = (uint8_t)(i & 1);
	}
	c.act = NN_TANH;
	acc = train_acc(&c, &oc, 1500, x, y, N, r);
	CHECK(acc >= 0.95, "nais 2-32 1x4 tanh stable on circles: train accuracy %.3f", acc);
}

/* ---- 7. determinism, clone, batch-size changes -------------------------------------- */

static void test_determinism(gg_rng *r)
{
	nn_config c;
	nn_config_default(&c, NN_MLP);
	c.in = 5, c.classes = 3, c.width = 16, c.depth = 2, c.norm = NN_NORM_GBN, c.ghost = 8;
	enum { B = 24, BIG = 700 };
	float x[BIG * 5];
	uint8_t y[BIG];
	fill(r, x, BIG * 5, 1, 0);
	for (int i = 0; i < BIG; i++)
		y[i] = (uint8_t)gg_rng_below(r, 3);
	nn_opt_config oc;
	nn_opt_config_default(&oc, NN_SGD);
	oc.nesterov = 1, oc.wd = 1e-4f, oc.clip = 5;

	nn_model *a = nn_model_new(&c, 9, NULL), *b = nn_model_new(&c, 9, NULL);
	nn_model *other = nn_model_new(&c, 10, NULL);
	CHECK(memcmp(a->params, other->params, a->nparams * sizeof(float)) != 0,
	      "different seeds gave the same initialization");
	nn_model_free(other);
	nn_opt oa, ob;
	nn_opt_init(&oa, &oc, a->nparams), nn_opt_init(&ob, &oc, b->nparams);
	for (int s = 0; s < 10; s++) {
		const float *xb = x + (size_t)(s * B % (BIG - B)) * 5;
		const uint8_t *yb = y + s * B % (BIG - B);
		nn_model_grad(a, xb, yb, B), nn_opt_step(&oa, a->params, a->grads, 0.1f);
		nn_model_grad(b, xb, yb, B), nn_opt_step(&ob, b->params, b->grads, 0.1f);
	}
	CHECK(!memcmp(a->params, b->params, a->nparams * sizeof(float)) &&
		      !memcmp(a->buf, b->buf, a->nbuf * sizeof(float)),
	      "same seed, same steps: params or running stats differ");

	/* Clone: identical, then independent. */
	nn_model *k = nn_model_clone(a);
	CHECK(k->nparams == a->nparams && k->nviews == a->nviews && k->nlayers == a->nlayers,
	      "clone layout differs");
	CHECK(!memcmp(k->params, a->params, a->nparams * sizeof(float)) &&
		      !memcmp(k->grads, a->grads, a->nparams * sizeof(float)) &&
		      !memcmp(k->buf, a->buf, a->nbuf * sizeof(float)),
	      "clone is not identical");
	float *pa = fvec(a->nparams), *ba = fvec(a->nbuf);
	memcpy(pa, a->params, a->nparams * sizeof *pa);
	memcpy(ba, a->buf, a->nbuf * sizeof *ba);
	nn_opt ok;
	nn_opt_copy(&ok, &oa);
	nn_model_grad(k, x, y, B), nn_opt_step(&ok, k->params, k->grads, 0.1f);
	CHECK(!memcmp(pa, a->params, a->nparams * sizeof *pa) &&
		      !memcmp(ba, a->buf, a->nbuf * sizeof *ba),
	      "training the clone changed the original");
	CHECK(memcmp(pa, k->params, a->nparams * sizeof *pa) != 0, "the clone did not train");

	/* A batch-size change regrows the activations only: after a 700-row step, a 24-row
	 * step gives bit-identical gradients to a model that never saw the big batch. */
	nn_model *big = nn_model_clone(a), *small = nn_model_clone(a);
	nn_model_grad(big, x, y, B);   /* both have buffers for B rows */
	nn_model_grad(small, x, y, B);
	memcpy(pa, big->params, big->nparams * sizeof *pa);
	nn_model_grad(big, x, y, BIG); /* grows */
	CHECK(!memcmp(pa, big->params, big->nparams * sizeof *pa),
	      "a batch-size change altered the parameters");
	memcpy(big->buf, small->buf, big->nbuf * sizeof(float)); /* the big step's EMA updates */
	float lb = nn_model_grad(big, x + 5, y + 1, B), ls = nn_model_grad(small, x + 5, y + 1, B);
	CHECK(lb == ls && !memcmp(big->grads, small->grads, big->nparams * sizeof(float)),
	      "gradients after a batch-size change differ");
	/* And eval over more rows than one chunk matches the reference over all at once. */
	double l1 = 0, rl;
	long e1 = 0, re;
	float *probs = fvec((size_t)BIG * 3), *rprobs = fvec((size_t)BIG * 3);
	nn_model_eval(big, x, y, BIG, 0, &l1, &e1, probs);
	rl = ref_loss(big, x, y, BIG, 0, 0, NULL, &re, rprobs);
	CHECK_NEAR(l1 / BIG, rl, 1e-5 * fabs(rl), "chunked eval loss");
	CHECK(e1 == re, "chunked eval errors %ld vs %ld", e1, re);
	double worst = 0;
	for (size_t i = 0; i < (size_t)BIG * 3; i++)
		worst = fmax(worst, fabs(probs[i] - rprobs[i]));
	CHECK(worst < 1e-6, "chunked eval probabilities differ by %g", worst);
	free(probs), free(rprobs);

	/* nn_model_set_ghost: G = 8 → 3 on a 24-row batch needs 8 ghost batches instead of 3
	 * (the rstd buffer regrows) and then behaves exactly like a model built with G = 3. */
	nn_model *g8 = nn_model_clone(a);
	nn_model_grad(g8, x, y, B);
	nn_model_set_ghost(g8, 3);
	c.ghost = 3;
	nn_model *g3 = nn_model_new(&c, 9, NULL);
	memcpy(g3->params, g8->params, g8->nparams * sizeof(float));
	memcpy(g3->buf, g8->buf, g8->nbuf * sizeof(float));
	float l8 = nn_model_grad(g8, x, y, B), l3 = nn_model_grad(g3, x, y, B);
	CHECK(l8 == l3 && !memcmp(g8->grads, g3->grads, g8->nparams * sizeof(float)) &&
		      !memcmp(g8->buf, g3->buf, g8->nbuf * sizeof(float)),
	      "set_ghost(3) differs from a model built with ghost 3");
	c.ghost = 8;
	nn_model_free(g8), nn_model_free(g3);

	free(pa), free(ba);
	nn_opt_free(&oa), nn_opt_free(&ob), nn_opt_free(&ok);
	nn_model_free(a), nn_model_free(b), nn_model_free(k), nn_model_free(big);
	nn_model_free(small);

	/* NAIS eval: stages = 0 means the training K; a larger K matches the reference
	 * unrolled that far; training stays deterministic with the projection in the loop. */
	nn_config_default(&c, NN_NAIS);
	c.in = 5, c.classes = 3, c.width = 8, c.blocks = 2, c.stages = 3;
	nn_model *n1 = nn_model_new(&c, 4, NULL);
	double s0 = 0, s3 = 0, s7 = 0;
	long e0 = 0, e3 = 0, e7 = 0, r7;
	nn_model_eval(n1, x, y, 50, 0, &s0, &e0, NULL);
	nn_model_eval(n1, x, y, 50, 3, &s3, &e3, NULL);
	nn_model_eval(n1, x, y, 50, 7, &s7, &e7, NULL);
	CHECK(s0 == s3 && e0 == e3, "stages 0 is not the training depth");
	double r7l = ref_loss(n1, x, y, 50, 0, 7, NULL, &r7, NULL);
	CHECK_NEAR(s7 / 50, r7l, 1e-5 * fabs(r7l), "nais eval unrolled to 7 stages");
	CHECK(s7 != s3, "stages override had no effect");
	nn_model_free(n1);
}

/* ---- configuration ------------------------------------------------------------------ */

static void test_config(void)
{
	nn_config c;
	char buf[128], err[GG_ERRLEN];
	nn_config_default(&c, NN_MLP);
	CHECK(c.width == 128 && c.depth == 2 && c.act == NN_RELU && c.norm == NN_NORM_NONE &&
		      c.ghost == 128,
	      "mlp defaults");
	c.in = 784, c.classes = 10, c.width = 512, c.depth = 3, c.norm = NN_NORM_BN;
	nn_config_describe(&c, buf, sizeof buf);
	CHECK(!strcmp(buf, "mlp 784-512x3-10 relu bn"), "describe: %s", buf);
	CHECK(nn_config_check(&c, err) == 0, "valid config rejected: %s", err);
	c.width = 0;
	CHECK(nn_config_check(&c, err) < 0 && strstr(err, "width"), "width 0 accepted: %s", err);
	CHECK(nn_model_new(&c, 1, err) == NULL, "nn_model_new accepted width 0");
	c.width = 512, c.norm = NN_NORM_GBN, c.ghost = 1;
	CHECK(nn_config_check(&c, err) < 0 && strstr(err, "ghost"), "ghost 1 accepted");

	nn_config_default(&c, NN_NAIS);
	CHECK(c.width == 64 && c.blocks == 1 && c.stages == 4 && c.h == 0.5f && c.eps == 0.01f &&
		      c.stable == 1 && c.act == NN_TANH,
	      "nais defaults");
	c.in = 784, c.classes = 10;
	nn_config_describe(&c, buf, sizeof buf);
	CHECK(!strcmp(buf, "nais 784-64 1x4 h=0.5 stable"), "describe: %s", buf);
	c.eps = 0.5f;
	CHECK(nn_config_check(&c, err) < 0 && strstr(err, "eps"), "eps 0.5 accepted");

	/* Views and layers. */
	nn_config_default(&c, NN_MLP);
	c.in = 7, c.classes = 3, c.width = 5, c.depth = 2, c.norm = NN_NORM_BN;
	nn_model *m = nn_model_new(&c, 1, NULL);
	const nn_view *v = nn_model_view(m, "fc1.w");
	CHECK(v && v->rows == 5 && v->cols == 7 && v->off == 0, "fc1.w view");
	CHECK(v && !strcmp(m->layer_names[v->layer], "fc1"), "fc1.w layer");
	v = nn_model_view(m, "bn2.gamma");
	CHECK(v && v->rows == 1 && v->cols == 5 && !strcmp(m->layer_names[v->layer], "bn2"),
	      "bn2.gamma view");
	CHECK(v && m->params[v->off] == 1.0f, "gamma starts at 1");
	v = nn_model_view(m, "head.w");
	CHECK(v && v->rows == 3 && v->cols == 5 && !strcmp(m->layer_names[v->layer], "head"),
	      "head.w view");
	CHECK(m->nlayers == 5, "layers fc1 bn1 fc2 bn2 head: %d", m->nlayers);
	size_t total = 0;
	for (int i = 0; i < m->nviews; i++)
		total += (size_t)m->views[i].rows * m->views[i].cols;
	CHECK(total == m->nparams && m->nparams == 5 * 7 + 5 + 10 + 25 + 5 + 10 + 15 + 3,
	      "nparams %zu, views sum to %zu", m->nparams, total);
	CHECK(m->nbuf == 20 && m->buf[5] == 1.0f && m->buf[0] == 0.0f,
	      "running mean 0, running var 1");
	CHECK(nn_model_view(m, "nope") == NULL, "unknown view found");
	/* He init: std of fc1.w near sqrt(2/7). */
	nn_model_free(m);
	nn_config_default(&c, NN_MLP);
	c.in = 400, c.classes = 2, c.width = 300, c.depth = 1;
	m = nn_model_new(&c, 1, NULL);
	v = nn_model_view(m, "fc1.w");
	double ss = dot(m->params + v->off, m->params + v->off, 120000) / 120000;
	CHECK_NEAR(sqrt(ss), sqrt(2.0 / 400), 0.01 * sqrt(2.0 / 400), "He std");
	nn_model_free(m);

	nn_config_default(&c, NN_NAIS);
	c.in = 7, c.classes = 3, c.width = 4, c.blocks = 2;
	m = nn_model_new(&c, 1, NULL);
	v = nn_model_view(m, "nais2.R");
	CHECK(v && v->rows == 4 && !strcmp(m->layer_names[v->layer], "nais2"), "nais2.R view");
	CHECK(nn_model_view(m, "nais1.B") && nn_model_view(m, "nais1.b") &&
		      nn_model_view(m, "fc1.w") && nn_model_view(m, "head.b"),
	      "nais views");
	CHECK(m->nlayers == 4, "layers fc1 nais1 nais2 head: %d", m->nlayers);
	nn_model_free(m);
}

int main(void)
{
	gg_rng r;
	gg_rng_seed(&r, 2024);
	test_config();
	test_matmul();
	test_dense_grad(&r);
	test_act_grad(&r);
	bn_grad_case(&r, "bn", 6, 5, 0, 1000);
	bn_grad_case(&r, "gbn", 11, 3, 4, 1000);
	bn_grad_case(&r, "gbn tiled", 9, 300, 4, 60); /* C > the 256-channel tile; ghosts 4, 4, 1 */
	test_xent(&r);
	test_nais_grad(&r);
	test_model_grads(&r);
	test_bn_stats(&r);
	test_projection();
	test_optim();
	test_learning(&r);
	test_determinism(&r);
	return test_report();
}
