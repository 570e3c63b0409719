/* test_conv.c — the convolutional layers and models: conv2d and pooling against naive
 * loops (forward and backward), central finite differences for every layer and for each
 * model kind (cnn with and without batch norm, resnet, stable and free conv NAIS), channel
 * ghost batch norm's statistics, the conv NAIS projection, configuration errors. */
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
	return gg_xcalloc(n ? n : 1, sizeof(float));
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

static double maxdiff(const float *a, const float *b, size_t n)
{
	double w = 0;
	for (size_t i = 0; i < n; i++)
		w = fmax(w, fabs((double)a[i] - b[i]));
	return w;
}

/* ---- finite differences ---------------------------------------------------------------- */

typedef double (*loss_fn)(void *ctx);

/* Central differences at steps ε and ε/2 on `samples` coordinates (all if fewer); where the
 * two disagree the step crossed a kink (ReLU, max) and the coordinate is redrawn. */
static void gradcheck(const char *what, loss_fn f, void *ctx, float *p, const float *ana, size_t n,
		      int samples, double eps, double atol, gg_rng *r)
{
	double rms = sqrt(dot(ana, ana, n) / (double)n), worst = 0, wnum = 0, wana = 0;
	size_t widx = 0;
	int all = (size_t)samples >= n, checked = 0, skipped = 0;
	for (size_t k = 0; checked < (all ? (int)n : samples) && skipped < 200; k++) {
		size_t i = all ? (size_t)checked : gg_rng_below(r, (uint32_t)n);
		float save = p[i];
		double num[2];
		for (int s = 0; s < 2; s++) {
			double e = s ? eps / 2 : eps;
			p[i] = (float)(save + e);
			double hp = (double)p[i] - save, lp = f(ctx);
			p[i] = (float)(save - e);
			double hm = (double)save - p[i], lm = f(ctx);
			p[i] = save;
			num[s] = (lp - lm) / (hp + hm);
		}
		double tol = 1e-2 * fmax(fabs(num[1]), fabs(ana[i])) + 1e-3 * rms + atol;
		if (fabs(num[0] - num[1]) > tol) {
			skipped++;
			if (all)
				checked++;
			continue;
		}
		double ratio = fabs(num[1] - ana[i]) / tol;
		if (ratio >= worst)
			worst = ratio, widx = i, wnum = num[1], wana = ana[i];
		checked++;
	}
	CHECK(worst <= 1.0 && skipped < 200,
	      "%s: coordinate %zu: numeric %.7g analytic %.7g (error/tolerance %.3g, %d kinks)", what,
	      widx, wnum, wana, worst, skipped);
	CHECK(rms > 0 || n == 0, "%s: analytic gradient is identically zero", what);
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "  %-32s n=%-6zu rms=%-10.3g worst=%.3g kinks=%d\n", what, n, rms,
			worst, skipped);
}

/* A whole model is too kinked (ReLU, max, batch norm over a few images) for coordinate
 * steps: along 3 random unit directions d of a view, the central difference at steps 4e-3
 * down to 1.25e-4 must meet g·d at some step (a wrong gradient meets it at none). */
static void dircheck(const char *what, loss_fn f, void *ctx, float *p, const float *ana, size_t n,
		     gg_rng *r)
{
	float *save = fvec(n), *d = fvec(n);
	memcpy(save, p, n * sizeof *p);
	double worst = 0, wnum = 0, wana = 0;
	for (int t = 0; t < 3; t++) {
		fill(r, d, n, 1, 0);
		double s = 1 / sqrt(dot(d, d, n)); /* unit length: every step moves the view by e */
		for (size_t i = 0; i < n; i++)
			d[i] = (float)(d[i] * s);
		double gd = dot(ana, d, n), gn = sqrt(dot(ana, ana, n)), l0 = fabs(f(ctx));
		double best = INFINITY, bnum = 0;
		for (double e = 4e-3; e > 1e-4; e /= 2) {
			for (size_t i = 0; i < n; i++)
				p[i] = save[i] + (float)e * d[i];
			double lp = f(ctx);
			for (size_t i = 0; i < n; i++)
				p[i] = save[i] - (float)e * d[i];
			double lm = f(ctx);
			double num = (lp - lm) / (2 * e);
			/* float rounding of the loss (a few ulps) divided by the step */
			double noise = 5e-7 * fmax(1, l0) / e;
			double ratio = fabs(num - gd) / (1e-2 * fmax(fabs(num), fabs(gd)) + 1e-3 * gn + noise);
			if (ratio < best)
				best = ratio, bnum = num;
		}
		memcpy(p, save, n * sizeof *p);
		if (best >= worst)
			worst = best, wnum = bnum, wana = gd;
	}
	CHECK(worst <= 1.0, "%s: directional derivative %.7g, analytic %.7g (error/tolerance %.3g)",
	      what, wnum, wana, worst);
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "  %-32s n=%-6zu worst=%.3g\n", what, n, worst);
	free(save), free(d);
}

/* ---- naive references -------------------------------------------------------------------- */

/* The seven loops: out[B][Co][Ho][Wo] = Σ_c,i,j w[o][c][i][j]·in[b][c][y·s−p+i][x·s−p+j] + b[o]. */
static void conv_naive(float *out, const float *in, const float *w, const float *b, int B, int C,
		       int H, int W, int Co, int k, int s, int p)
{
	int Ho = nn_conv_out(H, k, s, p), Wo = nn_conv_out(W, k, s, p);
	for (int n = 0; n < B; n++)
		for (int o = 0; o < Co; o++)
			for (int y = 0; y < Ho; y++)
				for (int x = 0; x < Wo; x++) {
					double acc = b ? b[o] : 0;
					for (int c = 0; c < C; c++)
						for (int i = 0; i < k; i++)
							for (int j = 0; j < k; j++) {
								int iy = y * s - p + i, ix = x * s - p + j;
								if (iy < 0 || iy >= H || ix < 0 || ix >= W)
									continue;
								acc += (double)w[((o * C + c) * k + i) * k + j] *
								       in[((size_t)(n * C + c) * H + iy) * W + ix];
							}
					out[((size_t)(n * Co + o) * Ho + y) * Wo + x] = (float)acc;
				}
}

/* The adjoint loops: din += wᵀ·dout, dw += dout·in, db += Σ dout. */
static void conv_naive_back(float *din, float *dw, float *db, const float *dout, const float *in,
			    const float *w, int B, int C, int H, int W, int Co, int k, int s, int p)
{
	int Ho = nn_conv_out(H, k, s, p), Wo = nn_conv_out(W, k, s, p);
	for (int n = 0; n < B; n++)
		for (int o = 0; o < Co; o++)
			for (int y = 0; y < Ho; y++)
				for (int x = 0; x < Wo; x++) {
					float g = dout[((size_t)(n * Co + o) * Ho + y) * Wo + x];
					db[o] += g;
					for (int c = 0; c < C; c++)
						for (int i = 0; i < k; i++)
							for (int j = 0; j < k; j++) {
								int iy = y * s - p + i, ix = x * s - p + j;
								if (iy < 0 || iy >= H || ix < 0 || ix >= W)
									continue;
								size_t wi = ((size_t)(o * C + c) * k + i) * k + j;
								size_t xi = ((size_t)(n * C + c) * H + iy) * W + ix;
								dw[wi] += g * in[xi];
								din[xi] += g * w[wi];
							}
				}
}

static void pool_naive(float *out, float *din, const float *dout, const float *in, int B, int C,
		       int H, int W, int k, int s, int max)
{
	/* forward into out and, when din is given, the backward into din (accumulated) */
	int Ho = nn_conv_out(H, k, s, 0), Wo = nn_conv_out(W, k, s, 0);
	for (int pl = 0; pl < B * C; pl++)
		for (int y = 0; y < Ho; y++)
			for (int x = 0; x < Wo; x++) {
				const float *img = in + (size_t)pl * H * W;
				double acc = max ? -INFINITY : 0;
				int at = -1;
				for (int i = 0; i < k; i++)
					for (int j = 0; j < k; j++) {
						int q = (y * s + i) * W + x * s + j;
						if (max && img[q] > acc)
							acc = img[q], at = q;
						else if (!max)
							acc += img[q];
					}
				size_t oi = ((size_t)pl * Ho + y) * Wo + x;
				out[oi] = max ? (float)acc : (float)(acc / (k * k));
				if (!din)
					continue;
				for (int i = 0; i < k; i++)
					for (int j = 0; j < k; j++) {
						int q = (y * s + i) * W + x * s + j;
						if (!max)
							din[(size_t)pl * H * W + q] += dout[oi] / (float)(k * k);
						else if (q == at)
							din[(size_t)pl * H * W + q] += dout[oi];
					}
			}
}

/* ---- 1. conv and pooling against the naive loops ---------------------------------------- */

static void conv_case(gg_rng *r, int B, int C, int H, int W, int Co, int k, int s, int p)
{
	int Ho = nn_conv_out(H, k, s, p), Wo = nn_conv_out(W, k, s, p);
	size_t ni = (size_t)B * C * H * W, nw = (size_t)Co * C * k * k, no = (size_t)B * Co * Ho * Wo;
	float *in = fvec(ni), *w = fvec(nw), *b = fvec(Co), *out = fvec(no), *ref = fvec(no);
	float *col = fvec(nn_conv_scratch(C, k, Ho, Wo)), *dout = fvec(no);
	float *din = fvec(ni), *dw = fvec(nw), *db = fvec(Co), *rdin = fvec(ni), *rdw = fvec(nw),
	      *rdb = fvec(Co);
	fill(r, in, ni, 1, 0), fill(r, w, nw, 1, 0), fill(r, b, Co, 1, 0), fill(r, dout, no, 1, 0);
	nn_conv2d_forward(out, col, in, w, b, B, C, H, W, Co, k, s, p);
	conv_naive(ref, in, w, b, B, C, H, W, Co, k, s, p);
	double scale = sqrt((double)C * k * k);
	CHECK(maxdiff(out, ref, no) < 1e-5 * scale, "conv %dx%dx%d k%d s%d p%d forward off by %g", C,
	      H, W, k, s, p, maxdiff(out, ref, no));
	nn_conv2d_forward(out, col, in, w, NULL, B, C, H, W, Co, k, s, p);
	conv_naive(ref, in, w, NULL, B, C, H, W, Co, k, s, p);
	CHECK(maxdiff(out, ref, no) < 1e-5 * scale, "conv without bias off by %g", maxdiff(out, ref, no));
	/* backward accumulates: start every gradient from the same non-zero values */
	for (size_t i = 0; i < ni; i++)
		din[i] = rdin[i] = 0.5f;
	for (size_t i = 0; i < nw; i++)
		dw[i] = rdw[i] = -1.0f;
	for (int i = 0; i < Co; i++)
		db[i] = rdb[i] = 2.0f;
	nn_conv2d_backward(din, dw, db, col, dout, in, w, B, C, H, W, Co, k, s, p);
	conv_naive_back(rdin, rdw, rdb, dout, in, w, B, C, H, W, Co, k, s, p);
	double sw = sqrt((double)B * Ho * Wo);
	CHECK(maxdiff(din, rdin, ni) < 1e-5 * sqrt((double)Co * k * k), "conv k%d s%d p%d din off by %g",
	      k, s, p, maxdiff(din, rdin, ni));
	CHECK(maxdiff(dw, rdw, nw) < 1e-5 * sw, "conv k%d s%d p%d dw off by %g", k, s, p,
	      maxdiff(dw, rdw, nw));
	CHECK(maxdiff(db, rdb, Co) < 1e-5 * sw, "conv k%d s%d p%d db off by %g", k, s, p,
	      maxdiff(db, rdb, Co));
	/* din NULL skips the input gradient and leaves the others as they were */
	memcpy(dw, rdw, nw * sizeof *dw);
	nn_conv2d_backward(NULL, dw, NULL, col, dout, in, w, B, C, H, W, Co, k, s, p);
	CHECK(maxdiff(dw, rdw, nw) > 0, "conv backward without din did not accumulate dw");
	free(in), free(w), free(b), free(out), free(ref), free(col), free(dout);
	free(din), free(dw), free(db), free(rdin), free(rdw), free(rdb);
}

static void pool_case(gg_rng *r, int B, int C, int H, int W, int k, int s)
{
	int Ho = nn_conv_out(H, k, s, 0), Wo = nn_conv_out(W, k, s, 0);
	size_t ni = (size_t)B * C * H * W, no = (size_t)B * C * Ho * Wo;
	float *in = fvec(ni), *out = fvec(no), *ref = fvec(no), *dout = fvec(no), *din = fvec(ni),
	      *rdin = fvec(ni);
	fill(r, in, ni, 1, 0), fill(r, dout, no, 1, 0);
	for (int max = 0; max < 2; max++) {
		memset(rdin, 0, ni * sizeof *rdin);
		for (size_t i = 0; i < ni; i++)
			din[i] = 9.0f; /* written, not accumulated */
		pool_naive(ref, rdin, dout, in, B, C, H, W, k, s, max);
		if (max) {
			nn_maxpool_forward(out, in, B, C, H, W, k, s);
			nn_maxpool_backward(din, dout, in, out, B, C, H, W, k, s);
		} else {
			nn_avgpool_forward(out, in, B, C, H, W, k, s);
			nn_avgpool_backward(din, dout, B, C, H, W, k, s);
		}
		CHECK(maxdiff(out, ref, no) < 1e-6, "%spool k%d s%d forward off by %g", max ? "max" : "avg",
		      k, s, maxdiff(out, ref, no));
		CHECK(maxdiff(din, rdin, ni) < 1e-6, "%spool k%d s%d backward off by %g",
		      max ? "max" : "avg", k, s, maxdiff(din, rdin, ni));
	}
	free(in), free(out), free(ref), free(dout), free(din), free(rdin);
}

static void test_naive(gg_rng *r)
{
	conv_case(r, 2, 3, 7, 6, 4, 3, 1, 1);
	conv_case(r, 2, 2, 8, 7, 3, 3, 2, 1);
	conv_case(r, 3, 2, 9, 9, 4, 3, 2, 1);
	conv_case(r, 3, 2, 9, 9, 4, 1, 2, 0);
	conv_case(r, 3, 4, 5, 5, 8, 3, 2, 1);
	conv_case(r, 3, 4, 5, 5, 6, 1, 1, 0); /* pointwise: no lowering */
	conv_case(r, 2, 3, 6, 6, 2, 1, 2, 0);
	conv_case(r, 1, 2, 9, 8, 3, 5, 2, 2);
	conv_case(r, 2, 1, 4, 4, 2, 3, 1, 0);
	conv_case(r, 2, 2, 7, 9, 3, 5, 1, 2); /* "same" 5x5: the flat fast path */
	conv_case(r, 3, 1, 1, 3, 2, 3, 1, 1); /* a one-row image */
	pool_case(r, 2, 3, 8, 6, 2, 2);
	pool_case(r, 2, 2, 7, 7, 3, 2); /* overlapping windows, odd size */
	pool_case(r, 1, 2, 5, 4, 2, 1);
	pool_case(r, 2, 2, 7, 5, 2, 2); /* odd sides: a row and a column in no window */
	/* a tie routes the whole gradient to the first maximum, once */
	float in[4] = {1, 1, 0, 1}, out[1], din[4], dout[1] = {3};
	nn_maxpool_forward(out, in, 1, 1, 2, 2, 2, 2);
	nn_maxpool_backward(din, dout, in, out, 1, 1, 2, 2, 2, 2);
	CHECK(din[0] == 3 && din[1] == 0 && din[3] == 0, "maxpool tie: %g %g %g %g", din[0], din[1],
	      din[2], din[3]);
}

/* ---- 2. layer gradient checks -------------------------------------------------------------- */

typedef struct {
	int kind; /* 0 conv, 1 maxpool, 2 avgpool, 3 gap, 4 bn2d */
	int B, C, H, W, Co, k, s, p, G;
	float *in, *w, *b, *out, *col, *r, *xhat, *rstd, *rm, *rv;
	size_t no;
} layer_ctx;

static double layer_loss(void *vc)
{
	layer_ctx *c = vc;
	switch (c->kind) {
	case 0:
		nn_conv2d_forward(c->out, c->col, c->in, c->w, c->b, c->B, c->C, c->H, c->W, c->Co, c->k,
				  c->s, c->p);
		break;
	case 1:
		nn_maxpool_forward(c->out, c->in, c->B, c->C, c->H, c->W, c->k, c->s);
		break;
	case 2:
		nn_avgpool_forward(c->out, c->in, c->B, c->C, c->H, c->W, c->k, c->s);
		break;
	case 3:
		nn_gap_forward(c->out, c->in, c->B, c->C, c->H * c->W);
		break;
	default:
		nn_bn2d_forward(c->out, c->xhat, c->rstd, c->in, c->w, c->b, c->rm, c->rv, c->B, c->C,
				c->H * c->W, c->G, 1);
	}
	return dot(c->out, c->r, c->no);
}

static void layer_grad(gg_rng *r, const char *name, layer_ctx c)
{
	int Ho = c.kind == 3 ? 1 : c.kind == 4 ? c.H : nn_conv_out(c.H, c.k, c.s, c.p);
	int Wo = c.kind == 3 ? 1 : c.kind == 4 ? c.W : nn_conv_out(c.W, c.k, c.s, c.p);
	int Co = c.kind == 0 ? c.Co : c.C;
	size_t ni = (size_t)c.B * c.C * c.H * c.W, nw = c.kind == 0 ? (size_t)Co * c.C * c.k * c.k : (size_t)c.C;
	c.no = (size_t)c.B * Co * Ho * Wo;
	c.in = fvec(ni), c.w = fvec(nw), c.b = fvec(Co), c.out = fvec(c.no), c.r = fvec(c.no);
	c.col = fvec(c.kind ? 1 : nn_conv_scratch(c.C, c.k, Ho, Wo)), c.xhat = fvec(ni), c.rstd = fvec(ni);
	c.rm = fvec(c.C), c.rv = fvec(c.C);
	fill(r, c.in, ni, 1.5f, 0.3f), fill(r, c.w, nw, c.kind == 4 ? 0.3f : 1, c.kind == 4 ? 1 : 0);
	fill(r, c.b, Co, 0.5f, 0), fill(r, c.r, c.no, 1, 0);
	float *din = fvec(ni), *dw = fvec(nw), *db = fvec(Co);
	layer_loss(&c);
	switch (c.kind) {
	case 0:
		nn_conv2d_backward(din, dw, db, c.col, c.r, c.in, c.w, c.B, c.C, c.H, c.W, Co, c.k, c.s, c.p);
		break;
	case 1:
		nn_maxpool_backward(din, c.r, c.in, c.out, c.B, c.C, c.H, c.W, c.k, c.s);
		break;
	case 2:
		nn_avgpool_backward(din, c.r, c.B, c.C, c.H, c.W, c.k, c.s);
		break;
	case 3:
		nn_gap_backward(din, c.r, c.B, c.C, c.H * c.W);
		break;
	default:
		memcpy(din, c.r, ni * sizeof *din); /* in place, as the models call it */
		nn_bn2d_backward(din, dw, db, din, c.xhat, c.rstd, c.w, c.B, c.C, c.H * c.W, c.G);
	}
	char what[80];
	snprintf(what, sizeof what, "%s din", name);
	gradcheck(what, layer_loss, &c, c.in, din, ni, 40, 1e-3, 2e-5, r);
	if (c.kind == 0 || c.kind == 4) {
		snprintf(what, sizeof what, "%s %s", name, c.kind ? "dgamma" : "dw");
		gradcheck(what, layer_loss, &c, c.w, dw, nw, 40, 1e-3, 2e-5, r);
		snprintf(what, sizeof what, "%s %s", name, c.kind ? "dbeta" : "db");
		gradcheck(what, layer_loss, &c, c.b, db, Co, 40, 1e-3, 2e-5, r);
	}
	free(c.in), free(c.w), free(c.b), free(c.out), free(c.r), free(c.col), free(c.xhat);
	free(c.rstd), free(c.rm), free(c.rv), free(din), free(dw), free(db);
}

static void test_layer_grads(gg_rng *r)
{
	layer_grad(r, "conv k3 s1 p1", (layer_ctx){.kind = 0, .B = 2, .C = 2, .H = 5, .W = 4, .Co = 3, .k = 3, .s = 1, .p = 1});
	layer_grad(r, "conv k3 s2 p1", (layer_ctx){.kind = 0, .B = 2, .C = 2, .H = 6, .W = 5, .Co = 2, .k = 3, .s = 2, .p = 1});
	layer_grad(r, "conv k1 s2", (layer_ctx){.kind = 0, .B = 2, .C = 3, .H = 4, .W = 4, .Co = 2, .k = 1, .s = 2, .p = 0});
	layer_grad(r, "maxpool k2 s2", (layer_ctx){.kind = 1, .B = 2, .C = 2, .H = 6, .W = 4, .k = 2, .s = 2});
	layer_grad(r, "maxpool k3 s2", (layer_ctx){.kind = 1, .B = 1, .C = 2, .H = 7, .W = 5, .k = 3, .s = 2});
	layer_grad(r, "avgpool k2 s2", (layer_ctx){.kind = 2, .B = 2, .C = 2, .H = 4, .W = 6, .k = 2, .s = 2});
	layer_grad(r, "gap", (layer_ctx){.kind = 3, .B = 2, .C = 3, .H = 3, .W = 4});
	layer_grad(r, "bn2d", (layer_ctx){.kind = 4, .B = 3, .C = 3, .H = 2, .W = 3});
	layer_grad(r, "gbn2d G=2", (layer_ctx){.kind = 4, .B = 5, .C = 2, .H = 2, .W = 2, .G = 2});
}

/* ---- 3. channel ghost batch norm ----------------------------------------------------------- */

static void test_bn2d_stats(gg_rng *r)
{
	/* B = 5 images, G = 2: ghosts of 2, 2, 1 images, three EMA updates in order, each over
	 * the n·HW values of its channel. */
	enum { B = 5, C = 2, HW = 3, G = 2 };
	float in[B * C * HW], out[B * C * HW], xhat[B * C * HW], rstd[3 * C];
	float gamma[C] = {1.5f, 0.5f}, beta[C] = {0.2f, -0.1f}, rm[C] = {0, 0}, rv[C] = {1, 1};
	fill(r, in, B * C * HW, 2, 1);
	nn_bn2d_forward(out, xhat, rstd, in, gamma, beta, rm, rv, B, C, HW, G, 1);
	for (int c = 0; c < C; c++) {
		double em = 0, ev = 1;
		for (int g0 = 0; g0 < B; g0 += G) {
			int n = B - g0 < G ? B - g0 : G;
			double s = 0, ss = 0;
			for (int b = g0; b < g0 + n; b++)
				for (int i = 0; i < HW; i++)
					s += in[(b * C + c) * HW + i];
			double mean = s / (n * HW);
			for (int b = g0; b < g0 + n; b++)
				for (int i = 0; i < HW; i++) {
					double d = in[(b * C + c) * HW + i] - mean;
					ss += d * d;
				}
			double var = ss / (n * HW);
			for (int b = g0; b < g0 + n; b++)
				for (int i = 0; i < HW; i++) {
					double want = gamma[c] * (in[(b * C + c) * HW + i] - mean) /
							      sqrt(var + NN_BN_EPS) + beta[c];
					CHECK_NEAR(out[(b * C + c) * HW + i], want, 1e-5,
						   "gbn2d output, image %d channel %d", b, c);
				}
			em = 0.9 * em + 0.1 * mean;
			ev = 0.9 * ev + 0.1 * ss / (n * HW - 1);
		}
		CHECK_NEAR(rm[c], em, 1e-5, "gbn2d running mean after 3 ghost updates, channel %d", c);
		CHECK_NEAR(rv[c], ev, 1e-5 * ev, "gbn2d running var after 3 ghost updates, channel %d", c);
	}
	/* HW = 1 is the dense batch norm, rows for images */
	enum { R = 7, F = 5 };
	float x[R * F], o1[R * F], o2[R * F], x1[R * F], x2[R * F], s1[4 * F], s2[4 * F];
	float g[F], be[F], m1[F] = {0}, v1[F], m2[F] = {0}, v2[F];
	fill(r, x, R * F, 1, 0.5f), fill(r, g, F, 0.2f, 1), fill(r, be, F, 0.2f, 0);
	for (int j = 0; j < F; j++)
		v1[j] = v2[j] = 1;
	nn_bn_forward(o1, x1, s1, x, g, be, m1, v1, R, F, 3, 1);
	nn_bn2d_forward(o2, x2, s2, x, g, be, m2, v2, R, F, 1, 3, 1);
	CHECK(maxdiff(o1, o2, R * F) < 1e-5 && maxdiff(m1, m2, F) < 1e-6 && maxdiff(v1, v2, F) < 1e-5,
	      "bn2d with HW = 1 differs from nn_bn_forward: %g", maxdiff(o1, o2, R * F));
	nn_bn2d_forward(o2, NULL, NULL, x, g, be, m2, v2, R, F, 1, 3, 0);
	nn_bn_forward(o1, NULL, NULL, x, g, be, m1, v1, R, F, 3, 0);
	CHECK(maxdiff(o1, o2, R * F) < 1e-5, "bn2d eval differs from nn_bn_forward eval");
}

/* ---- 4. the conv NAIS projection ------------------------------------------------------------ */

static void test_cnais_project(gg_rng *r)
{
	enum { C = 4, K = 3 };
	float A[C * C * K * K];
	float h = 0.5f, d = 0.01f;
	fill(r, A, C * C * K * K, 1, 0);
	CHECK(nn_cnais_gershgorin(A, C, K, h) < 0, "a random kernel is already certified");
	CHECK(nn_cnais_project(A, C, K, h, d) == 1, "the projection did not change a random kernel");
	double g = nn_cnais_gershgorin(A, C, K, h);
	CHECK(g > 0 && g >= h * d * 0.99, "after projection the certificate is %g (want >= h·δ)", g);
	for (int i = 0; i < C; i++) {
		float c = A[(i * C + i) * K * K + 4];
		CHECK(c >= -1 / h + d - 1e-6 && c <= -d + 1e-6, "centre tap %d = %g outside range", i, c);
	}
	CHECK(nn_cnais_project(A, C, K, h, d) == 0, "the projection is not idempotent");
}

/* ---- 5. models -------------------------------------------------------------------------------- */

typedef struct {
	nn_model *m;
	const float *x;
	const uint8_t *y;
	int B;
} model_ctx;

static double model_loss(void *vc)
{
	model_ctx *c = vc;
	if (c->m->cfg.norm != NN_NORM_NONE) /* training mode: batch statistics */
		return nn_model_grad(c->m, c->x, c->y, c->B);
	double ls = 0; /* the same forward, with the loss summed in double */
	nn_model_eval(c->m, c->x, c->y, c->B, 0, &ls, NULL, NULL);
	return ls / c->B;
}

static void image_config(nn_config *c, nn_kind kind, int ch, int h, int w)
{
	nn_config_default(c, kind);
	c->img_c = ch, c->img_h = h, c->img_w = w;
	c->in = ch * h * w, c->classes = 3;
}

static void model_case(gg_rng *r, const char *label, const nn_config *cfg, int B)
{
	char err[GG_ERRLEN];
	nn_model *m = nn_model_new(cfg, 5, err);
	CHECK(m != NULL, "%s: %s", label, err);
	if (!m)
		return;
	float *x = fvec((size_t)B * cfg->in);
	uint8_t *y = gg_xmalloc((size_t)B);
	fill(r, x, (size_t)B * cfg->in, 1, 0);
	for (int i = 0; i < B; i++)
		y[i] = (uint8_t)gg_rng_below(r, (uint32_t)cfg->classes);
	for (int v = 0; v < m->nviews; v++) /* biases and BN affine off their init */
		if (m->views[v].rows == 1)
			fill(r, m->params + m->views[v].off, m->views[v].cols, 0.2f,
			     m->params[m->views[v].off] == 1.0f ? 1.0f : 0.0f);
	float loss = nn_model_grad(m, x, y, B);
	CHECK(isfinite(loss), "%s: loss %g", label, loss);
	float *g = fvec(m->nparams);
	memcpy(g, m->grads, m->nparams * sizeof *g);
	model_ctx c = {m, x, y, B};
	char what[80];
	for (int v = 0; v < m->nviews; v++) {
		const nn_view *w = &m->views[v];
		snprintf(what, sizeof what, "%s %s", label, w->name);
		size_t n = (size_t)w->rows * w->cols;
		/* a bias under batch norm has no effect: its true gradient is 0 */
		if (cfg->norm != NN_NORM_NONE && !strcmp(w->name, "fc1.b")) {
			double amax = 0;
			for (size_t i = 0; i < n; i++)
				amax = fmax(amax, fabs(g[w->off + i]));
			double gmax = 0; /* 0 up to rounding, which scales with the model's gradients */
			for (size_t i = 0; i < m->nparams; i++)
				gmax = fmax(gmax, fabs(g[i]));
			CHECK(amax <= 1e-3 * gmax, "%s: gradient of a bias before BN is %g (largest %g)",
			      what, amax, gmax);
			continue;
		}
		dircheck(what, model_loss, &c, m->params + w->off, g + w->off, n, r);
	}
	/* without batch norm, evaluation is the training forward */
	if (cfg->norm == NN_NORM_NONE && cfg->kind != NN_RESNET) {
		double ls = 0;
		long ne = 0;
		nn_model_eval(m, x, y, B, 0, &ls, &ne, NULL);
		CHECK_NEAR(ls / B, nn_model_grad(m, x, y, B), 1e-5, "%s: eval loss differs from training loss", label);
	}
	nn_model *k = nn_model_clone(m);
	CHECK(k->nparams == m->nparams && !memcmp(k->params, m->params, m->nparams * sizeof(float)),
	      "%s: clone differs", label);
	float l1 = nn_model_grad(m, x, y, B), l2 = nn_model_grad(k, x, y, B);
	CHECK(l1 == l2 && !memcmp(k->grads, m->grads, m->nparams * sizeof(float)),
	      "%s: clone computes another gradient", label);
	nn_model_free(k);
	free(x), free(y), free(g);
	nn_model_free(m);
}

static void test_models(gg_rng *r)
{
	nn_config c;
	image_config(&c, NN_CNN, 2, 8, 6);
	c.conv[0] = 3, c.conv[1] = 4, c.fc = 5;
	model_case(r, "cnn", &c, 3);
	c.pool = NN_POOL_AVG, c.fc = 0;
	model_case(r, "cnn avg fc=0", &c, 3);
	c.pool = NN_POOL_MAX, c.fc = 4, c.norm = NN_NORM_BN;
	model_case(r, "cnn bn", &c, 3);
	c.norm = NN_NORM_GBN, c.ghost = 2;
	model_case(r, "cnn gbn", &c, 6);

	image_config(&c, NN_RESNET, 1, 9, 9);
	c.blocks = 1, c.width = 2;
	model_case(r, "resnet", &c, 3);
	c.norm = NN_NORM_GBN, c.ghost = 2;
	model_case(r, "resnet gbn", &c, 4);

	image_config(&c, NN_NAIS, 2, 5, 4);
	c.channels = 3, c.blocks = 2, c.stages = 3, c.h = 0.7f;
	model_case(r, "cnais stable", &c, 3);
	c.stable = 0;
	model_case(r, "cnais free", &c, 3);
	c.act = NN_RELU;
	model_case(r, "cnais free relu", &c, 3);
}

static void test_config(void)
{
	nn_config c;
	char err[GG_ERRLEN], d[256];
	image_config(&c, NN_CNN, 1, 28, 28);
	c.classes = 10;
	CHECK(nn_config_check(&c, err) == 0, "default cnn rejected: %s", err);
	nn_config_describe(&c, d, sizeof d);
	CHECK(strstr(d, "conv32-pool-conv64-pool-fc128-10") && strstr(d, "421642 params"),
	      "cnn description: %s", d);
	CHECK(nn_config_params(&c) == 421642, "cnn params %zu", nn_config_params(&c));
	c.nconv = 5, c.conv[2] = c.conv[3] = c.conv[4] = 8;
	CHECK(nn_config_check(&c, err) < 0 && strstr(err, "stage 5"), "five stages on 28x28: %s", err);
	c.nconv = 4;
	CHECK(nn_config_check(&c, err) == 0, "four stages on 28x28 rejected: %s", err);
	/* a conv model on feature vectors */
	nn_config_default(&c, NN_CNN);
	c.in = 2, c.classes = 2;
	CHECK(nn_config_check(&c, err) < 0 && strstr(err, "image"), "cnn on spiral: %s", err);
	nn_config_describe(&c, d, sizeof d);
	CHECK(nn_config_params(&c) == 0 && !strstr(d, "params"), "unbuildable cnn described as %s", d);
	nn_config_default(&c, NN_NAIS);
	c.in = 2, c.classes = 2, c.channels = 8;
	CHECK(nn_config_check(&c, err) < 0 && strstr(err, "image"), "conv nais on spiral: %s", err);
	c.channels = 0;
	CHECK(nn_config_check(&c, err) == 0, "dense nais rejected: %s", err);
	image_config(&c, NN_RESNET, 3, 32, 32);
	c.classes = 10;
	CHECK(nn_config_check(&c, err) == 0, "resnet20 rejected: %s", err);
	nn_config_describe(&c, d, sizeof d);
	CHECK(strstr(d, "resnet 3x32x32 20 ") != NULL, "resnet description: %s", d);
	/* ResNet20 on CIFAR has 0.27M parameters (He et al. 2016, table 6) */
	size_t np = nn_config_params(&c);
	CHECK(np > 260000 && np < 280000, "resnet20 params %zu", np);
	c.norm = NN_NORM_NONE;
	CHECK(nn_config_check(&c, err) < 0 && strstr(err, "norm"), "resnet without norm: %s", err);
	image_config(&c, NN_RESNET, 1, 6, 6);
	CHECK(nn_config_check(&c, err) < 0 && strstr(err, "stage 3"), "resnet on 4x4: %s", err);
	image_config(&c, NN_CNN, 1, 28, 28);
	c.in = 100;
	CHECK(nn_config_check(&c, err) < 0, "image shape not matching in accepted");
	/* the dense descriptions are unchanged */
	nn_config_default(&c, NN_MLP);
	c.in = 784, c.classes = 10;
	nn_config_describe(&c, d, sizeof d);
	CHECK(!strcmp(d, "mlp 784-128x2-10 relu"), "mlp description: %s", d);
	CHECK(nn_config_params(&c) == 784 * 128 + 128 + 128 * 128 + 128 + 1290, "mlp params");
}

static void test_conv_probe(gg_rng *r)
{
	enum { B = 3, K = 7 };
	nn_config c;
	image_config(&c, NN_NAIS, 1, 5, 4);
	c.channels = 2, c.blocks = 1, c.stages = 4, c.h = 0.5f;
	char err[GG_ERRLEN];
	nn_model *m = nn_model_new(&c, 8, err);
	int n = 2 * 5 * 4;
	float x[B * 20], last3[3 * B * 40];
	int used[B];
	double gersh = 0;
	fill(r, x, B * 20, 1, 0);
	CHECK(nn_nais_conv_probe(m, x, B, 0, K, 1e-3f, &gersh, last3, used) == 0, "conv probe failed");
	const nn_view *A = nn_model_view(m, "nais1.A"), *Bv = nn_model_view(m, "nais1.B");
	const nn_view *bv = nn_model_view(m, "nais1.b"), *w1 = nn_model_view(m, "conv1.w");
	const nn_view *b1 = nn_model_view(m, "conv1.b");
	CHECK(A && Bv && bv && w1 && b1, "conv nais views missing");
	CHECK(gersh > 0 && gersh == nn_cnais_gershgorin(m->params + A->off, 2, 3, c.h),
	      "certificate %g of a stable block", gersh);
	/* the reference: the layer functions by hand */
	float u[B * 40], cc[B * 40], s[B * 40], xs[4][B * 40], col[2000];
	nn_conv2d_forward(u, col, x, m->params + w1->off, m->params + b1->off, B, 1, 5, 4, 2, 3, 1, 1);
	nn_tanh_forward(u, u, B * 40);
	nn_conv2d_forward(cc, col, u, m->params + Bv->off, m->params + bv->off, B, 2, 5, 4, 2, 3, 1, 1);
	for (int k = 0; k < K; k++) {
		float *nx = xs[(k + 1) % 4], *pv = xs[k % 4];
		if (k)
			nn_conv2d_forward(s, col, pv, m->params + A->off, NULL, B, 2, 5, 4, 2, 3, 1, 1);
		for (int j = 0; j < B * n; j++) {
			s[j] = tanhf((k ? s[j] : 0) + cc[j]);
			nx[j] = (k ? pv[j] : 0) + c.h * s[j];
		}
	}
	double worst = 0;
	for (int t = 0; t < 3; t++)
		worst = fmax(worst, maxdiff(last3 + t * B * n, xs[(K - 2 + t) % 4], (size_t)B * n));
	CHECK(worst < 1e-5, "probe states differ from the layers by hand by %g", worst);
	double d1 = 0, d2 = 0;
	for (int j = 0; j < B * n; j++) {
		d1 += pow(last3[2 * B * n + j] - last3[B * n + j], 2);
		d2 += pow(last3[B * n + j] - last3[j], 2);
	}
	CHECK(d1 <= d2, "a stable block does not contract: %g > %g", d1, d2);
	for (int b = 0; b < B; b++)
		CHECK(used[b] >= 1 && used[b] <= K, "stages used %d", used[b]);
	CHECK(nn_nais_conv_probe(m, x, B, 1, K, 0, &gersh, last3, NULL) < 0, "probe of block 2 of 1");
	CHECK(nn_nais_probe(m, x, B, 0, K, 0, last3, last3, NULL) < 0, "dense probe on a conv model");
	nn_model_free(m);
	c.channels = 0, c.width = 4;
	c.img_c = c.img_h = c.img_w = 0;
	m = nn_model_new(&c, 8, err);
	CHECK(nn_nais_conv_probe(m, x, B, 0, K, 0, &gersh, last3, NULL) < 0, "conv probe on a dense nais");
	nn_model_free(m);
}

static void test_learns(gg_rng *r)
{
	/* a cnn separates bright-left from bright-right 6x6 images within a few steps */
	enum { B = 16 };
	nn_config c;
	image_config(&c, NN_CNN, 1, 6, 6);
	c.classes = 2, c.nconv = 1, c.conv[0] = 4, c.fc = 8;
	char err[GG_ERRLEN];
	nn_model *m = nn_model_new(&c, 3, err);
	nn_opt_config oc;
	nn_opt_config_default(&oc, NN_SGD);
	nn_opt o;
	nn_opt_init(&o, &oc, m->nparams);
	float x[B * 36];
	uint8_t y[B];
	long nerr = 0;
	for (int step = 0; step < 60; step++) {
		for (int b = 0; b < B; b++) {
			y[b] = (uint8_t)gg_rng_below(r, 2);
			for (int i = 0; i < 36; i++)
				x[b * 36 + i] = 0.3f * gg_rng_normal(r) + ((i % 6 < 3) == y[b] ? 1.0f : 0.0f);
		}
		if (step == 59) {
			double ls = 0;
			nn_model_eval(m, x, y, B, 0, &ls, &nerr, NULL);
		} else {
			nn_model_grad(m, x, y, B);
			nn_opt_step(&o, m->params, m->grads, oc.lr);
		}
	}
	CHECK(nerr <= 1, "cnn misclassifies %ld of %d after training", nerr, B);
	nn_opt_free(&o);
	nn_model_free(m);
}

/* nn_model_flops against the products counted by hand: the trainer's choice of threads and
 * workers rests on it (a conv model's parameters say little of its cost) */
static double flops_of(const nn_config *c)
{
	char err[GG_ERRLEN];
	nn_model *m = nn_model_new(c, 1, err);
	CHECK(m != NULL, "flops: %s", m ? "" : err);
	double f = m ? nn_model_flops(m) : 0;
	nn_model_free(m);
	return f;
}

static void test_flops(void)
{
	nn_config c;
	image_config(&c, NN_CNN, 1, 28, 28); /* the reference net: conv32-pool-conv64-pool-fc128-10 */
	c.classes = 10;
	double want = 28 * 28 * 9 * 1 * 32 + 14 * 14 * 9 * 32 * 64 + 3136 * 128 + 128 * 10;
	CHECK(flops_of(&c) == 6 * want, "cnn flops %.0f, by hand %.0f", flops_of(&c), 6 * want);
	nn_config_default(&c, NN_NAIS); /* conv NAIS: conv in->8, one block of 4 stages, head */
	c.img_c = 1, c.img_h = c.img_w = 28, c.in = 784, c.classes = 10, c.channels = 8;
	c.blocks = 1, c.stages = 4;
	want = 28 * 28 * 9 * 1 * 8 + 28 * 28 * 9 * 8 * 8 * (1 + 4) + 8 * 10;
	CHECK(flops_of(&c) == 6 * want, "conv nais flops %.0f, by hand %.0f", flops_of(&c), 6 * want);
	nn_config_default(&c, NN_MLP);
	c.in = 784, c.classes = 10;
	CHECK(flops_of(&c) == 6.0 * nn_config_params(&c), "mlp flops: every weight once");
	nn_config_default(&c, NN_NAIS); /* dense: A (64x64) at every one of the 4 stages */
	c.in = 2, c.classes = 2;
	CHECK(flops_of(&c) == 6.0 * nn_config_params(&c) + 6.0 * 3 * 64 * 64, "dense nais flops %.0f",
	      flops_of(&c));
}

int main(void)
{
	gg_rng r;
	gg_rng_seed(&r, 12);
	test_naive(&r);
	test_layer_grads(&r);
	test_bn2d_stats(&r);
	test_cnais_project(&r);
	test_models(&r);
	test_config();
	test_flops();
	test_conv_probe(&r);
	test_learns(&r);
	return test_report();
}
