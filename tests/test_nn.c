/* test_nn.c — the neural-network core against references it does not share code with:
 * naive products, hand-computed running statistics and optimizer steps, the NAIS
 * projection's guarantee, learning a 2-D problem, bit-exact determinism, and the model
 * configurations. The gradients of every layer and model are in test_grad.c. */
#include "gglab/nn.h"
#include "gglab/rng.h"
#include "gglab/util.h"
#include "nntest.h"
#include "test.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- BLAS path against the naive product -------------------------------------------- */

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

/* ---- NAIS projection ---------------------------------------------------------------- */

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

/* ---- optimizers and schedule -------------------------------------------------------- */

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

/* ---- learning two spirals ----------------------------------------------------------- */

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

/* ---- determinism, clone, batch-size changes ----------------------------------------- */

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
	test_projection();
	test_optim();
	test_learning(&r);
	test_determinism(&r);
	return test_report();
}
