/* test_team.c — one training step split over a team of threads gives the bits of the step
 * on one thread: nn_model_grad_team and nn_opt_step_team against nn_model_grad and
 * nn_opt_step, several steps of several models, batch sizes that do and do not divide
 * evenly, every optimizer, with and without a clip, on teams of 2 and 3. Also the team
 * itself (every part runs once, barriers order, nn_team_each takes every index once), the
 * product check nn_gemm_split_same against a product of other data, and the pieces of a
 * convolution's backward (nn_conv2d_backward_part) against the whole. */
#include <cblas.h>
#undef I
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/nn.h"
#include "gglab/rng.h"
#include "test.h"

extern void openblas_set_num_threads(int);

/* ---- the team ------------------------------------------------------------------------ */

typedef struct {
	nn_team *t;
	atomic_int ran[NN_TEAM_MAX];
	int stage1[NN_TEAM_MAX], seen[NN_TEAM_MAX];
	atomic_int hits[1000];
} team_probe;

static void probe_part(void *ctx, int p, int parts)
{
	team_probe *q = ctx;
	atomic_fetch_add(&q->ran[p], 1);
	q->stage1[p] = p + 1;
	nn_team_barrier(q->t);
	/* after the barrier every part's stage-1 write is visible */
	int sum = 0;
	for (int i = 0; i < parts; i++)
		sum += q->stage1[i];
	q->seen[p] = sum;
	nn_team_barrier(q->t);
}

static void probe_each(void *ctx, int i)
{
	atomic_fetch_add(&((team_probe *)ctx)->hits[i], 1);
}

static void test_team_itself(int parts)
{
	team_probe *q = calloc(1, sizeof *q);
	q->t = nn_team_new(parts);
	CHECK(nn_team_size(q->t) == parts, "a team of %d has %d parts", parts, nn_team_size(q->t));
	for (int round = 0; round < 200; round++)
		nn_team_run(q->t, probe_part, q);
	int ok = 1;
	for (int p = 0; p < parts; p++)
		ok &= atomic_load(&q->ran[p]) == 200 && q->seen[p] == parts * (parts + 1) / 2;
	CHECK(ok, "every part ran every time and saw the others' writes after the barrier");
	for (int round = 0; round < 20; round++)
		nn_team_each(q->t, 1000, probe_each, q);
	ok = 1;
	for (int i = 0; i < 1000; i++)
		ok &= atomic_load(&q->hits[i]) == 20;
	CHECK(ok, "nn_team_each took every index once a call");
	nn_team_free(q->t);
	free(q);
	CHECK(nn_team_new(1) == NULL && nn_team_size(NULL) == 1, "a team of one is NULL");
}

/* ---- the product check --------------------------------------------------------------- */

static void test_split_same(void)
{
	int whole[2] = { 0, 64 }, bad[3] = { 1, 30, 64 };
	CHECK(nn_gemm_split_same(0, 1, 64, 32, 48, 1, 0, whole, 1) == 1, "one piece is the whole");
	CHECK(nn_gemm_split_same(0, 1, 64, 32, 48, 1, 0, bad, 2) == 0, "a cut not from 0 is refused");
	/* What the check says holds for other data: the pieces of a product that it calls the
	 * same give the whole's bits, here on data of another generator. */
	int shapes[][6] = { { 0, 1, 100, 512, 784, 1 }, { 0, 0, 100, 784, 512, 0 },
			    { 1, 0, 512, 784, 100, 1 }, { 0, 1, 64, 10, 512, 1 } };
	gg_rng r;
	gg_rng_seed(&r, 5);
	for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
		int ta = shapes[s][0], tb = shapes[s][1], M = shapes[s][2], N = shapes[s][3],
		    K = shapes[s][4], beta = shapes[s][5];
		float *A = malloc((size_t)M * K * 4), *Bm = malloc((size_t)K * N * 4);
		float *C0 = malloc((size_t)M * N * 4), *C1 = malloc((size_t)M * N * 4);
		for (size_t i = 0; i < (size_t)M * K; i++)
			A[i] = gg_rng_normal(&r);
		for (size_t i = 0; i < (size_t)K * N; i++)
			Bm[i] = gg_rng_normal(&r);
		for (size_t i = 0; i < (size_t)M * N; i++)
			C0[i] = gg_rng_normal(&r);
		CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
		int lda = ta ? M : K, ldb = tb ? K : N;
		float *Cw = malloc((size_t)M * N * 4);
		memcpy(Cw, C0, (size_t)M * N * 4);
		cblas_sgemm(CblasRowMajor, TA, TB, M, N, K, 1, A, lda, Bm, ldb, beta, Cw, N);
		for (int cols = 0; cols < 2; cols++) {
			int n = cols ? N : M, checked = 0;
			for (int at = 4; at < n; at += 4) {
				int cut[3] = { 0, at, n };
				if (!nn_gemm_split_same(ta, tb, M, N, K, beta, cols, cut, 2))
					continue;
				checked++;
				memcpy(C1, C0, (size_t)M * N * 4);
				if (cols) {
					cblas_sgemm(CblasRowMajor, TA, TB, M, at, K, 1, A, lda, Bm, ldb, beta, C1, N);
					cblas_sgemm(CblasRowMajor, TA, TB, M, N - at, K, 1, A, lda,
						    tb ? Bm + (size_t)at * K : Bm + at, ldb, beta, C1 + at, N);
				} else {
					cblas_sgemm(CblasRowMajor, TA, TB, at, N, K, 1, A, lda, Bm, ldb, beta, C1, N);
					cblas_sgemm(CblasRowMajor, TA, TB, M - at, N, K, 1,
						    ta ? A + at : A + (size_t)at * K, lda, Bm, ldb, beta,
						    C1 + (size_t)at * N, N);
				}
				CHECK(!memcmp(Cw, C1, (size_t)M * N * 4), "shape %zu %s cut at %d: said same, differs",
				      s, cols ? "column" : "row", at);
			}
			printf("# %dx%dx%d: %d of the %s cuts tried keep the bits here\n", M, N, K, checked,
			       cols ? "column" : "row");
		}
		free(A);
		free(Bm);
		free(C0);
		free(C1);
		free(Cw);
	}
}

/* ---- the step ------------------------------------------------------------------------ */

static void one_case(const char *what, const nn_config *cfg, const nn_opt_config *oc, int B,
		     int parts, int steps)
{
	char err[256];
	nn_model *a = nn_model_new(cfg, 11, err);
	if (!a) {
		CHECK(0, "%s: %s", what, err);
		return;
	}
	nn_model *b = nn_model_clone(a);
	nn_opt oa, ob;
	nn_opt_init(&oa, oc, a->nparams);
	nn_opt_init(&ob, oc, b->nparams);
	nn_team *t = nn_team_new(parts);
	gg_rng r;
	gg_rng_seed(&r, 3);
	float *x = malloc((size_t)B * cfg->in * sizeof *x);
	uint8_t *y = malloc((size_t)B);
	int same = 1;
	for (int s = 0; s < steps; s++) {
		for (size_t i = 0; i < (size_t)B * cfg->in; i++)
			x[i] = gg_rng_normal(&r);
		for (int i = 0; i < B; i++)
			y[i] = (uint8_t)gg_rng_below(&r, (uint32_t)cfg->classes);
		float la = nn_model_grad(a, x, y, B), lb = nn_model_grad_team(b, t, x, y, B);
		same &= !memcmp(&la, &lb, sizeof la);
		same &= !memcmp(a->grads, b->grads, a->nparams * sizeof *a->grads);
		float na = nn_opt_step(&oa, a->params, a->grads, 0.05f);
		float nb = nn_opt_step_team(&ob, t, b->params, b->grads, 0.05f);
		same &= !memcmp(&na, &nb, sizeof na);
		same &= !memcmp(a->params, b->params, a->nparams * sizeof *a->params);
		same &= !memcmp(oa.m, ob.m, a->nparams * sizeof *oa.m);
		same &= !oa.v || !memcmp(oa.v, ob.v, a->nparams * sizeof *oa.v);
		same &= !a->nbuf || !memcmp(a->buf, b->buf, a->nbuf * sizeof *a->buf);
	}
	CHECK(same, "%s, B=%d, %d parts: the team's steps differ from one thread's", what, B, parts);
	free(x);
	free(y);
	nn_team_free(t);
	nn_opt_free(&oa);
	nn_opt_free(&ob);
	nn_model_free(a);
	nn_model_free(b);
}

static void test_steps(void)
{
	nn_config mlp;
	nn_config_default(&mlp, NN_MLP);
	mlp.in = 784, mlp.classes = 10, mlp.width = 512, mlp.depth = 3;
	nn_opt_config sgd, nest, adam, clip;
	nn_opt_config_default(&sgd, NN_SGD);
	nest = sgd;
	nest.nesterov = 1;
	nest.wd = 5e-4f;
	nn_opt_config_default(&adam, NN_ADAMW);
	clip = sgd;
	clip.clip = 0.5f; /* small enough to clip */
	static const int batches[] = { 32, 100, 128, 257 };
	for (size_t i = 0; i < sizeof batches / sizeof *batches; i++)
		one_case("mlp 784-512x3-10 sgd", &mlp, &sgd, batches[i], 2, 3);
	one_case("mlp 784-512x3-10 nesterov", &mlp, &nest, 64, 2, 2);
	one_case("mlp 784-512x3-10 adamw", &mlp, &adam, 64, 2, 2);
	one_case("mlp 784-512x3-10 clipped", &mlp, &clip, 96, 2, 3);
	one_case("mlp 784-512x3-10 sgd", &mlp, &sgd, 200, 3, 2);
	nn_config small = mlp;
	small.in = 20, small.classes = 5, small.width = 64, small.depth = 2, small.act = NN_TANH;
	one_case("mlp 20-64x2-5 tanh", &small, &sgd, 37, 2, 4);
	one_case("mlp 20-64x2-5 tanh adamw", &small, &adam, 4, 2, 2);
	nn_config linear = small;
	linear.depth = 0;
	one_case("mlp 20-5 (no hidden layer)", &linear, &sgd, 48, 2, 3);
	/* batch norm: each part normalizes its columns over every row */
	nn_config bn = small;
	bn.norm = NN_NORM_BN;
	one_case("mlp 20-64x2-5 tanh bn", &bn, &sgd, 40, 2, 3);
	one_case("mlp 20-64x2-5 tanh bn adamw", &bn, &adam, 33, 3, 2);
	nn_config bnbig = mlp;
	bnbig.norm = NN_NORM_BN;
	one_case("mlp 784-512x3-10 bn", &bnbig, &sgd, 128, 2, 3);
	nn_config gbn = mlp;
	gbn.norm = NN_NORM_GBN;
	gbn.ghost = 32;
	one_case("mlp 784-512x3-10 gbn 32", &gbn, &nest, 128, 2, 2);
	one_case("mlp 784-512x3-10 gbn 32 (last ghost short)", &gbn, &sgd, 100, 2, 2);
	gbn.ghost = 500; /* larger than the batch: plain BN */
	one_case("mlp 784-512x3-10 gbn 500", &gbn, &sgd, 64, 2, 2);
	nn_config gsmall = bn;
	gsmall.norm = NN_NORM_GBN;
	gsmall.ghost = 4; /* the last ghost of one row leaves the running variance alone */
	gsmall.depth = 1;
	one_case("mlp 20-64x1-5 gbn 4", &gsmall, &sgd, 13, 2, 2);
	/* NAIS-Nets: every stage's products and the stable parametrization's */
	nn_config nais;
	nn_config_default(&nais, NN_NAIS); /* width 64, 1 block, 4 stages, tanh, stable */
	nais.in = 20, nais.classes = 5;
	one_case("nais 20-64 1x4 tanh stable", &nais, &sgd, 40, 2, 3);
	one_case("nais 20-64 1x4 tanh stable adamw", &nais, &adam, 33, 3, 2);
	nn_config nfree = nais;
	nfree.stable = 0, nfree.act = NN_RELU, nfree.blocks = 2, nfree.stages = 3;
	one_case("nais 20-64 2x3 relu free", &nfree, &nest, 64, 2, 3);
	nn_config nbig = nais;
	nbig.in = 784, nbig.classes = 10, nbig.width = 512, nbig.blocks = 2, nbig.stages = 2;
	one_case("nais 784-512 2x2 tanh stable", &nbig, &sgd, 128, 2, 2);
	one_case("nais 784-512 2x2 tanh stable clipped", &nbig, &clip, 100, 2, 2);
	nn_config none = nais;
	none.stages = 1; /* one stage: no dA */
	one_case("nais 20-64 1x1 tanh stable", &none, &sgd, 24, 2, 2);
	/* convolutional models: images, channels, and each convolution's dw cut */
	nn_config cnn;
	nn_config_default(&cnn, NN_CNN);
	cnn.in = 1 * 28 * 28, cnn.classes = 10, cnn.img_c = 1, cnn.img_h = 28, cnn.img_w = 28;
	one_case("cnn 32,64 fc128 28x28", &cnn, &sgd, 32, 2, 2);
	one_case("cnn 32,64 fc128 28x28", &cnn, &adam, 13, 3, 2);
	nn_config cbn = cnn;
	cbn.norm = NN_NORM_GBN, cbn.ghost = 8, cbn.pool = NN_POOL_AVG, cbn.act = NN_TANH;
	cbn.conv[0] = 12, cbn.conv[1] = 20, cbn.fc = 0;
	one_case("cnn 12,20 gbn 8 avg-pool tanh", &cbn, &nest, 20, 2, 2);
	nn_config res;
	nn_config_default(&res, NN_RESNET);
	res.in = 3 * 16 * 16, res.classes = 10, res.img_c = 3, res.img_h = 16, res.img_w = 16;
	res.blocks = 1, res.width = 8;
	one_case("resnet 8 (1 block a stage) 16x16", &res, &sgd, 24, 2, 2);
	res.norm = NN_NORM_GBN, res.ghost = 5;
	one_case("resnet 8 gbn 5", &res, &nest, 17, 3, 2);
	nn_config cnais = nais;
	cnais.channels = 6;
	cnais.in = 3 * 8 * 8, cnais.classes = 5, cnais.img_c = 3, cnais.img_h = 8, cnais.img_w = 8;
	one_case("conv nais 6 1x4 tanh stable", &cnais, &sgd, 16, 2, 3);
	cnais.stable = 0, cnais.act = NN_RELU, cnais.blocks = 2, cnais.stages = 2;
	one_case("conv nais 6 2x2 relu free", &cnais, &adam, 9, 2, 2);
	char err[256];
	nn_model *mc = nn_model_new(&cnn, 1, err), *mm = nn_model_new(&bnbig, 1, err),
		 *mn = nn_model_new(&nais, 1, err);
	CHECK(mc && mm && mn && nn_model_splits(mc) && nn_model_splits(mm) && nn_model_splits(mn),
	      "a cnn, an mlp with bn and a dense NAIS-Net split (%s)", mc ? "built" : err);
	nn_model_free(mc);
	nn_model_free(mn);
	nn_model_free(mm);
}

/* ---- a part of a convolution's backward ---------------------------------------------- */

static float *fvec(size_t n)
{
	return calloc(n ? n : 1, sizeof(float));
}

static void fill(gg_rng *r, float *x, size_t n, float scale)
{
	for (size_t i = 0; i < n; i++)
		x[i] = scale * gg_rng_normal(r);
}

static double maxdiff(const float *a, const float *b, size_t n)
{
	double w = 0;
	for (size_t i = 0; i < n; i++)
		w = fmax(w, fabs((double)a[i] - b[i]));
	return w;
}

/* nn_conv2d_backward_part's pieces put together give the whole backward: two parts, cut
 * by dw's rows, by its columns at an input channel (where a part lowers only its
 * channels) and between, db and din by images, for 3×3 and pointwise convolutions. (To
 * float rounding only: whether a cut keeps the bits is the kernel's, test_team's matter.) */
static void part_case(gg_rng *r, int k, int s, int p)
{
	int B = 3, C = 4, H = 7, W = 6, Co = 5, K = C * k * k;
	int Ho = nn_conv_out(H, k, s, p), Wo = nn_conv_out(W, k, s, p);
	size_t ni = (size_t)B * C * H * W, no = (size_t)B * Co * Ho * Wo, nw = (size_t)Co * K;
	float *in = fvec(ni), *dout = fvec(no), *w = fvec(nw), *col = fvec(nn_conv_scratch(C, k, Ho, Wo));
	float *din[2] = { fvec(ni), fvec(ni) }, *dw[2] = { fvec(nw), fvec(nw) };
	float *db[2] = { fvec((size_t)Co), fvec((size_t)Co) };
	fill(r, in, ni, 1);
	fill(r, dout, no, 1);
	fill(r, w, nw, 0.3f);
	nn_conv2d_backward(din[0], dw[0], db[0], col, dout, in, w, B, C, H, W, Co, k, s, p);
	int kk = k * k, cuts[3] = { 2, kk, kk + 1 };
	for (int c = 0; c < 3; c++) {
		memset(din[1], 0, ni * sizeof(float));
		memset(dw[1], 0, nw * sizeof(float));
		memset(db[1], 0, (size_t)Co * sizeof(float));
		int at = cuts[c];
		nn_conv_part pt[2] = { { 0, Co, 0, K, 0, 2, 0, 1 }, { 0, Co, 0, K, 2, Co, 1, B } };
		if (c == 0)
			pt[0].o1 = pt[1].o0 = at;
		else
			pt[0].k1 = pt[1].k0 = at;
		for (int q = 0; q < 2; q++)
			nn_conv2d_backward_part(din[1], dw[1], db[1], col, dout, in, w, B, C, H, W, Co, k,
						s, p, &pt[q]);
		double e = fmax(maxdiff(dw[0], dw[1], nw), fmax(maxdiff(db[0], db[1], (size_t)Co),
								maxdiff(din[0], din[1], ni)));
		CHECK(e < 1e-5, "conv %dx%d s%d p%d: the parts cut %s at %d differ from the whole by %g",
		      k, k, s, p, c ? "dw's columns" : "dw's rows", at, e);
	}
	free(in), free(dout), free(w), free(col);
	for (int q = 0; q < 2; q++)
		free(din[q]), free(dw[q]), free(db[q]);
}

/* ---- alone or on the team: the choice from given times ---------------------------------- */

/* Steps through one measurement of p for key: TRIALS alone then TRIALS on the team, each
 * taking the time given; returns what the last nn_pick_done returned, or -1 when the
 * modes asked for were not those. */
static int measure(nn_pick *p, uint64_t key, double alone, double team)
{
	int r = 0;
	for (int t = 0; t < 6; t++) {
		int mode = nn_pick_mode(p, key);
		if (mode != (t >= 3))
			return -1;
		r = nn_pick_done(p, mode, mode ? team : alone);
		if (t < 5 && r)
			return -1; /* decided before its trials were done */
	}
	return r;
}

/* Steps n steps of what p uses, returning 0 if any asked for a trial or reported a change. */
static int steady(nn_pick *p, uint64_t key, long n)
{
	for (long i = 0; i < n; i++) {
		int mode = nn_pick_mode(p, key);
		if (mode != p->use || nn_pick_done(p, mode, 1.0))
			return 0;
	}
	return 1;
}

static void test_pick(void)
{
	nn_pick p;
	memset(&p, 0, sizeof p);
	CHECK(measure(&p, 7, 2.0, 1.0) == 1 && p.use == 1, "a new key: the team, twice as fast, is chosen and noted");
	CHECK(steady(&p, 7, NN_PICK_FIRST - 6), "then it keeps the team until step %d", NN_PICK_FIRST);
	CHECK(measure(&p, 7, 1.0, 0.97) == 0 && p.use == 1,
	      "measured again after %d steps: within the 5 %% margin nothing changes or is noted", NN_PICK_FIRST);
	CHECK(steady(&p, 7, 8 * NN_PICK_FIRST - 6), "the next measurement comes %d steps later",
	      8 * NN_PICK_FIRST);
	CHECK(measure(&p, 7, 1.0, 1.2) == 1 && p.use == 0, "alone 17 %% faster: the change is made and noted");
	long next = 64L * NN_PICK_FIRST < NN_PICK_EVERY ? 64L * NN_PICK_FIRST : NN_PICK_EVERY;
	CHECK(steady(&p, 7, next - 6) && measure(&p, 7, 1.0, 0.96) == 0 && p.use == 0,
	      "then after %ld steps; alone stays within the margin", next);
	CHECK(steady(&p, 7, NN_PICK_EVERY - 6) && measure(&p, 7, 1.0, 0.9) == 1 && p.use == 1,
	      "and every %d steps from then on", NN_PICK_EVERY);
	CHECK(measure(&p, 8, 1.0, 1.0) == 1 && p.use == 0, "a new key is measured at once, without the margin");
	CHECK(steady(&p, 8, NN_PICK_FIRST - 6) && measure(&p, 8, 1.0, 0.8) == 1,
	      "and again after %d steps", NN_PICK_FIRST);
}

int main(void)
{
	openblas_set_num_threads(1); /* the team's parts call one-thread BLAS */
	nn_fast_float_mode();
	test_team_itself(2);
	test_team_itself(3);
	test_split_same();
	gg_rng r;
	gg_rng_seed(&r, 5);
	part_case(&r, 3, 1, 1); /* a same convolution */
	part_case(&r, 3, 2, 1);
	part_case(&r, 1, 1, 0); /* pointwise: the input is its own columns */
	part_case(&r, 1, 2, 0);
	test_pick();
	test_steps();
	return test_report();
}
