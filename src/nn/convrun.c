/* convrun.c — forward and backward of the convolutional models' operation lists
 * (convnet.c builds them), the training step, evaluation and the conv NAIS projection.
 *
 * A residual block: t1 = conv3×3/s(u), a1 = relu(bn1(t1)), t2 = conv3×3(a1),
 * out = relu(bn2(t2) + skip), skip = u or bnp(conv1×1/s(u)).
 * A conv NAIS block: c = B ⋆ u + b, x(k+1) = x(k) + h·σ(A ⋆ x(k) + c), x(0) = 0, K stages;
 * its backward is the dense block's (nais.c) with the products replaced by convolutions.
 * Over a team, a dense layer's pieces are linear.c's, which split.c's dense step shares. */
#include "convnet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/util.h"

static float *par(const nn_model *m, int v)
{
	return v < 0 ? NULL : m->params + m->views[v].off;
}

static float *grd(const nn_model *m, int v)
{
	return v < 0 ? NULL : m->grads + m->views[v].off;
}

static float *slot(const conv_arena *a, int i, int s)
{
	return a->t[i * NSLOT + s];
}

/* ---- a part of the step --------------------------------------------------------------
 * A step runs alone (one part) or over a team's parts, with the same bits. What a part
 * computes of an operation is decided by its part number alone, and a barrier ends each
 * operation, so the next reads whole inputs: convolutions, pools and input gradients by
 * images, batch norm by channels, elementwise work by ranges, and each convolution's
 * weight gradient by the rows or columns of dw that keep its bits (an nn_cut), the part
 * with less of it taking more of the input gradient's images. A dense layer's products
 * are cut as the mlp split cuts them, into the same pieces; the loss runs on part 0. */
typedef struct {
	nn_team *t;
	int part, parts;
	float *col;          /* this part's convolution scratch */
	const nn_cut *cut;   /* [nops·3] the cuts of each operation's products; NULL alone */
} crew;

static crew alone(const conv_arena *a)
{
	return (crew){ NULL, 0, 1, a->col, NULL };
}

static void sync(const crew *w)
{
	if (w->t)
		nn_team_barrier(w->t);
}

/* This part's share [*lo, *hi) of n things, the cuts at multiples of a. */
static void share(const crew *w, size_t n, size_t a, size_t *lo, size_t *hi)
{
	*lo = n / a * w->part / w->parts * a;
	*hi = w->part + 1 == w->parts ? n : n / a * (w->part + 1) / w->parts * a;
}

/* Elementwise work on this part's range of n floats (cut at whole vector blocks). */
#define EACH_SHARE(w, n, lo, hi)                   \
	size_t lo, hi;                             \
	share(w, n, 16, &lo, &hi)

static void add_to(const crew *w, float *y, const float *x, size_t n)
{
	EACH_SHARE(w, n, lo, hi);
	NN_EACH(i, hi - lo, y[lo + i] += x[lo + i]);
	sync(w);
}

static void zero(const crew *w, float *x, size_t n)
{
	EACH_SHARE(w, n, lo, hi);
	memset(x + lo, 0, (hi - lo) * sizeof *x);
	sync(w);
}

static void relu(const crew *w, float *out, const float *in, size_t n)
{
	EACH_SHARE(w, n, lo, hi);
	nn_relu_forward(out + lo, in + lo, hi - lo);
	sync(w);
}

static void relu_back(const crew *w, float *g, const float *out, size_t n)
{
	EACH_SHARE(w, n, lo, hi);
	nn_relu_backward(g + lo, g + lo, out + lo, hi - lo);
	sync(w);
}

/* out = w ⋆ in (+ b) over this part's images. */
static void conv(const crew *w, float *out, const float *in, const float *wt, const float *b,
		 int B, int C, int H, int W, int Co, int k, int stride, int pad)
{
	size_t lo, hi, N = (size_t)nn_conv_out(H, k, stride, pad) * nn_conv_out(W, k, stride, pad);
	share(w, (size_t)B, 1, &lo, &hi);
	nn_conv2d_forward(out + lo * Co * N, w->col, in + lo * C * H * W, wt, b, (int)(hi - lo), C,
			  H, W, Co, k, stride, pad);
	sync(w);
}

/* The backward of convolution j of operation i: this part's box of dw, an even share of
 * db, and din for images that even out the parts' products (a product of dw's takes as
 * long as one of din's). */
static void conv_back(const crew *w, int i, int j, float *din, float *dw, float *db,
		      const float *dout, const float *in, const float *wt, int B, int C, int H,
		      int W, int Co, int k, int stride, int pad)
{
	int K = C * k * k, P = w->parts, p = w->part;
	nn_conv_part pt = { 0, Co, 0, K, 0, Co, 0, din ? B : 0 };
	if (w->cut) {
		const nn_cut *c = &w->cut[i * 3 + j];
		int *lo = c->cols ? &pt.k0 : &pt.o0, *hi = c->cols ? &pt.k1 : &pt.o1;
		double n = c->cols ? K : Co, at = 0, total = 0, mine[NN_TEAM_MAX];
		*lo = c->cut[p];
		*hi = c->cut[p + 1];
		for (int q = 0; q < P; q++) {
			double want = 2.0 / P - (c->cut[q + 1] - c->cut[q]) / n;
			mine[q] = want > 0 ? want : 0;
			total += mine[q];
		}
		for (int q = 0; q < p; q++)
			at += mine[q];
		size_t d0, d1;
		share(w, (size_t)Co, 1, &d0, &d1);
		pt.d0 = (int)d0, pt.d1 = (int)d1;
		if (din) {
			pt.n0 = (int)(B * at / total + 0.5);
			pt.n1 = p + 1 == P ? B : (int)(B * (at + mine[p]) / total + 0.5);
		}
	}
	nn_conv2d_backward_part(din, dw, db, w->col, dout, in, wt, B, C, H, W, Co, k, stride, pad,
				&pt);
	sync(w);
}

static void bn(const crew *w, float *out, float *xhat, float *rstd, const float *in,
	       const float *gamma, const float *beta, float *rm, float *rv, int B, int C, int HW,
	       int G, int train)
{
	size_t lo, hi;
	share(w, (size_t)C, 1, &lo, &hi);
	nn_bn2d_forward_chans(out, xhat, rstd, in, gamma, beta, rm, rv, B, C, HW, G, train,
			      (int)lo, (int)hi);
	sync(w);
}

static void bn_back(const crew *w, float *din, float *dgamma, float *dbeta, const float *dout,
		    const float *xhat, const float *rstd, const float *gamma, int B, int C, int HW,
		    int G)
{
	size_t lo, hi;
	share(w, (size_t)C, 1, &lo, &hi);
	nn_bn2d_backward_chans(din, dgamma, dbeta, dout, xhat, rstd, gamma, B, C, HW, G, (int)lo,
			       (int)hi);
	sync(w);
}

/* out[B][O] = in·Wᵀ + b (nn_dense_forward), on this part's piece of out (cut 0 of op i). */
static void dense(const crew *w, int i, float *out, const float *in, const float *W,
		  const float *b, int B, int I, int O)
{
	if (!w->cut) {
		nn_dense_forward(out, in, W, b, B, I, O);
		return;
	}
	nn_dense_forward_piece(&w->cut[i * 3], w->part, out, in, W, b, B, I, O);
	sync(w);
}

/* nn_dense_backward, on this part's share of db and its pieces of dW (cut 1) and din (cut
 * 2; none when din is NULL). */
static void dense_back(const crew *w, int i, float *din, float *dW, float *db, const float *d,
		       const float *in, const float *W, int B, int I, int O)
{
	if (!w->cut) {
		nn_dense_backward(din, dW, db, d, in, W, B, I, O);
		return;
	}
	const nn_cut *c = &w->cut[i * 3];
	nn_dense_backward_piece(&c[1], &c[2], w->part, w->parts, din, dW, db, d, in, W, B, I, O);
	sync(w);
}

/* ---- residual block ----------------------------------------------------------------- */

static void res_forward(const crew *w, nn_model *m, const conv_op *o, const conv_arena *a, int i,
			const float *u, int B, int train)
{
	int G = nn_convnet_ghost(m), C = o->c, H = o->h, W = o->w, Co = o->oc, N = o->oh * o->ow;
	float *out = slot(a, i, 0), *t1 = slot(a, i, 1), *a1 = slot(a, i, 2), *t2 = slot(a, i, 3);
	const int *v = o->v;
	const size_t *rs = o->rs;
	size_t n = (size_t)B * nn_op_osize(o);
	/* t1[B][Co][N], a1 = relu(bn1(t1)), x̂1 in t1 */
	conv(w, t1, u, par(m, v[0]), NULL, B, C, H, W, Co, 3, o->stride, 1);
	bn(w, a1, t1, slot(a, i, 5), t1, par(m, v[1]), par(m, v[2]), m->buf + rs[0], m->buf + rs[1],
	   B, Co, N, G, train);
	relu(w, a1, a1, n);
	/* out = bn2(conv(a1)), x̂2 in t2 */
	conv(w, t2, a1, par(m, v[3]), NULL, B, Co, o->oh, o->ow, Co, 3, 1, 1);
	bn(w, out, t2, slot(a, i, 6), t2, par(m, v[4]), par(m, v[5]), m->buf + rs[2],
	   m->buf + rs[3], B, Co, N, G, train);
	if (v[6] >= 0) {
		float *tp = slot(a, i, 4), *q = a->g[2]; /* q: scratch, free during the forward */
		conv(w, tp, u, par(m, v[6]), NULL, B, C, H, W, Co, 1, o->stride, 0);
		bn(w, q, tp, slot(a, i, 7), tp, par(m, v[7]), par(m, v[8]), m->buf + rs[4],
		   m->buf + rs[5], B, Co, N, G, train);
		add_to(w, out, q, n);
	} else {
		add_to(w, out, u, n);
	}
	relu(w, out, out, n);
}

/* din[B][C][H][W] from g = dL/dout (destroyed); s1, s2 scratch of the output's size. */
static void res_backward(const crew *w, nn_model *m, const conv_op *o, const conv_arena *a, int i,
			 float *din, float *g, float *s1, float *s2, const float *u, int B)
{
	int G = nn_convnet_ghost(m), C = o->c, H = o->h, W = o->w, Co = o->oc, N = o->oh * o->ow;
	const int *v = o->v;
	size_t n = (size_t)B * nn_op_osize(o);
	relu_back(w, g, slot(a, i, 0), n);
	bn_back(w, s1, grd(m, v[4]), grd(m, v[5]), g, slot(a, i, 3), slot(a, i, 6), par(m, v[4]), B,
		Co, N, G);
	zero(w, s2, n);
	conv_back(w, i, 1, s2, grd(m, v[3]), NULL, s1, slot(a, i, 2), par(m, v[3]), B, Co, o->oh,
		  o->ow, Co, 3, 1, 1);
	relu_back(w, s2, slot(a, i, 2), n);
	bn_back(w, s2, grd(m, v[1]), grd(m, v[2]), s2, slot(a, i, 1), slot(a, i, 5), par(m, v[1]), B,
		Co, N, G);
	zero(w, din, (size_t)B * nn_op_isize(o));
	conv_back(w, i, 0, din, grd(m, v[0]), NULL, s2, u, par(m, v[0]), B, C, H, W, Co, 3,
		  o->stride, 1);
	if (v[6] >= 0) {
		bn_back(w, s1, grd(m, v[7]), grd(m, v[8]), g, slot(a, i, 4), slot(a, i, 7),
			par(m, v[7]), B, Co, N, G);
		conv_back(w, i, 2, din, grd(m, v[6]), NULL, s1, u, par(m, v[6]), B, C, H, W, Co, 1,
			  o->stride, 0);
	} else {
		add_to(w, din, g, n);
	}
}

/* ---- conv NAIS block ---------------------------------------------------------------- */

/* One stage of a conv NAIS block over B images of C×H×W: s = act(A ∗ prev + c), where c is
 * the block's input term (B ∗ u + b), and x = prev + h·s; at the first stage (prev NULL)
 * s = act(c) and x = h·s. */
static void nais_stage(const crew *w, const nn_config *c, float *x, float *s, const float *prev,
		       const float *A, const float *cc, int B, int C, int H, int W)
{
	size_t N = (size_t)B * C * H * W;
	float h = c->h;
	if (prev)
		conv(w, s, prev, A, NULL, B, C, H, W, C, 3, 1, 1);
	EACH_SHARE(w, N, lo, hi);
	float *sp = s + lo, *xp = x + lo;
	const float *cp = cc + lo, *pp = prev ? prev + lo : NULL;
	size_t n = hi - lo;
	if (prev)
		NN_EACH(j, n, sp[j] += cp[j]);
	else
		memcpy(sp, cp, n * sizeof *sp);
	if (c->act == NN_TANH)
		nn_tanh_forward(sp, sp, n);
	else
		nn_relu_forward(sp, sp, n);
	if (prev)
		NN_EACH(j, n, xp[j] = pp[j] + h * sp[j]);
	else
		NN_EACH(j, n, xp[j] = h * sp[j]);
	sync(w);
}

static void nais_forward(const crew *w, nn_model *m, const conv_op *o, const conv_arena *a, int i,
			 const float *u, int B, int K, int train)
{
	const nn_config *c = &m->cfg;
	int C = o->c, H = o->h, W = o->w;
	size_t N = (size_t)B * nn_op_osize(o);
	float *X = slot(a, i, 1), *S = slot(a, i, 2), *cc = slot(a, i, 3);
	const float *A = par(m, o->v[0]);
	conv(w, cc, u, par(m, o->v[1]), par(m, o->v[2]), B, C, H, W, C, 3, 1, 1);
	for (int k = 0; k < K; k++) {
		/* training keeps every x(k+1) and s(k); evaluation runs in place */
		float *xk = train ? X + k * N : X, *sk = train ? S + k * N : S;
		const float *prev = !k ? NULL : train ? X + (k - 1) * N : X;
		nais_stage(w, c, xk, sk, prev, A, cc, B, C, H, W);
	}
}

/* du[B][C][H][W] from gx = dL/dx(K) (destroyed); dc scratch. S becomes dL/dz. */
static void nais_backward(const crew *w, nn_model *m, const conv_op *o, const conv_arena *a,
			  int i, float *du, float *gx, float *dc, const float *u, int B)
{
	const nn_config *c = &m->cfg;
	int C = o->c, H = o->h, W = o->w, K = c->stages;
	size_t N = (size_t)B * nn_op_osize(o);
	float *X = slot(a, i, 1), *S = slot(a, i, 2), h = c->h;
	const float *A = par(m, o->v[0]);
	for (int k = K - 1; k >= 0; k--) {
		EACH_SHARE(w, N, lo, hi);
		float *dz = S + k * N + lo, *g = gx + lo, *d = dc + lo;
		size_t n = hi - lo;
		if (c->act == NN_TANH)
			NN_EACH(j, n, dz[j] = h * g[j] * (1.0f - dz[j] * dz[j]));
		else
			NN_EACH(j, n, float t = h * g[j]; dz[j] = dz[j] > 0.0f ? t : 0.0f);
		if (k == K - 1)
			memcpy(d, dz, n * sizeof *d);
		else
			NN_EACH(j, n, d[j] += dz[j]);
		sync(w);
		/* g(k) = g(k+1) + Aᵀ ⋆ dz(k); x(0) = 0 takes no gradient */
		if (k > 0)
			conv_back(w, i, 0, gx, grd(m, o->v[0]), NULL, S + k * N, X + (k - 1) * N, A,
				  B, C, H, W, C, 3, 1, 1);
	}
	zero(w, du, N);
	conv_back(w, i, 0, du, grd(m, o->v[1]), grd(m, o->v[2]), dc, u, par(m, o->v[1]), B, C, H,
		  W, C, 3, 1, 1);
}

/* ---- the list ----------------------------------------------------------------------- */

/* Forward of x[B][in] through operations [0, end); the head's output is the last slot 0. */
static void forward(const crew *w, nn_model *m, conv_arena *a, const float *x, int B, int K,
		    int train, int end)
{
	int G = nn_convnet_ghost(m);
	/* a NAIS block's output is its last stage's x, whose place depends on B */
	for (int i = 0; !w->part && i < end; i++)
		if (m->conv->ops[i].kind == OP_NAIS) {
			size_t N = (size_t)B * nn_op_osize(&m->conv->ops[i]);
			a->t[i * NSLOT] = slot(a, i, 1) + (train ? (size_t)(K - 1) * N : 0);
		}
	sync(w);
	for (int i = 0; i < end; i++) {
		const conv_op *o = &m->conv->ops[i];
		float *in = i ? slot(a, i - 1, 0) : (float *)x, *out = slot(a, i, 0);
		size_t n = (size_t)B * nn_op_osize(o), is = nn_op_isize(o), os = nn_op_osize(o);
		size_t lo, hi; /* this part's images */
		share(w, (size_t)B, 1, &lo, &hi);
		int nb = (int)(hi - lo);
		float *pin = in + lo * is, *pout = out + lo * os;
		switch (o->kind) {
		case OP_CONV:
			conv(w, out, in, par(m, o->v[0]), par(m, o->v[1]), B, o->c, o->h, o->w, o->oc,
			     o->k, o->stride, o->pad);
			break;
		case OP_BN: /* x̂ overwrites the input, which only this operation reads */
			bn(w, out, in, slot(a, i, 1), in, par(m, o->v[0]), par(m, o->v[1]),
			   m->buf + o->rs[0], m->buf + o->rs[1], B, o->c, o->h * o->w, G, train);
			break;
		case OP_RELU:
			relu(w, out, in, n);
			break;
		case OP_TANH: {
			EACH_SHARE(w, n, e0, e1);
			nn_tanh_forward(out + e0, in + e0, e1 - e0);
			sync(w);
			break;
		}
		case OP_MAXPOOL:
			nn_maxpool_forward(pout, pin, nb, o->c, o->h, o->w, o->k, o->stride);
			sync(w);
			break;
		case OP_AVGPOOL:
			nn_avgpool_forward(pout, pin, nb, o->c, o->h, o->w, o->k, o->stride);
			sync(w);
			break;
		case OP_GAP:
			nn_gap_forward(pout, pin, nb, o->c, o->h * o->w);
			sync(w);
			break;
		case OP_DENSE:
			dense(w, i, out, in, par(m, o->v[0]), par(m, o->v[1]), B, o->c, o->oc);
			break;
		case OP_RES:
			res_forward(w, m, o, a, i, in, B, train);
			break;
		case OP_NAIS:
			nais_forward(w, m, o, a, i, in, B, K, train);
			break;
		}
	}
}

static void backward(const crew *w, nn_model *m, conv_arena *a, const float *x, int B)
{
	struct nn_convnet *cn = m->conv;
	int G = nn_convnet_ghost(m);
	float *g = slot(a, cn->nops - 1, 0); /* dlogits, in place of the logits */
	for (int i = cn->nops - 1; i >= 0; i--) {
		const conv_op *o = &cn->ops[i];
		const float *in = i ? slot(a, i - 1, 0) : x;
		float *out = slot(a, i, 0);
		float *d = g == a->g[0] ? a->g[1] : a->g[0]; /* the input gradient goes here */
		float *dn = i ? d : NULL;
		size_t n = (size_t)B * nn_op_osize(o), nin = (size_t)B * nn_op_isize(o);
		size_t is = nn_op_isize(o), os = nn_op_osize(o), lo, hi; /* this part's images */
		share(w, (size_t)B, 1, &lo, &hi);
		int nb = (int)(hi - lo);
		switch (o->kind) {
		case OP_CONV:
			if (dn)
				zero(w, dn, nin);
			conv_back(w, i, 0, dn, grd(m, o->v[0]), grd(m, o->v[1]), g, in,
				  par(m, o->v[0]), B, o->c, o->h, o->w, o->oc, o->k, o->stride, o->pad);
			g = d;
			break;
		case OP_BN:
			bn_back(w, g, grd(m, o->v[0]), grd(m, o->v[1]), g, in, slot(a, i, 1),
				par(m, o->v[0]), B, o->c, o->h * o->w, G);
			break;
		case OP_RELU:
			relu_back(w, g, out, n);
			break;
		case OP_TANH: {
			EACH_SHARE(w, n, e0, e1);
			nn_tanh_backward(g + e0, g + e0, out + e0, e1 - e0);
			sync(w);
			break;
		}
		case OP_MAXPOOL:
			nn_maxpool_backward(d + lo * is, g + lo * os, in + lo * is, out + lo * os, nb,
					    o->c, o->h, o->w, o->k, o->stride);
			sync(w);
			g = d;
			break;
		case OP_AVGPOOL:
			nn_avgpool_backward(d + lo * is, g + lo * os, nb, o->c, o->h, o->w, o->k,
					    o->stride);
			sync(w);
			g = d;
			break;
		case OP_GAP:
			nn_gap_backward(d + lo * is, g + lo * os, nb, o->c, o->h * o->w);
			sync(w);
			g = d;
			break;
		case OP_DENSE:
			dense_back(w, i, dn, grd(m, o->v[0]), grd(m, o->v[1]), g, in, par(m, o->v[0]),
				   B, o->c, o->oc);
			g = d;
			break;
		case OP_RES:
			res_backward(w, m, o, a, i, d, g, a->g[2], a->g[3], in, B);
			g = d;
			break;
		case OP_NAIS:
			nais_backward(w, m, o, a, i, d, g, a->g[2], in, B);
			g = d;
			break;
		}
	}
}

/* The loss and dlogits of the forward's logits, on part 0: Σ over rows in order. */
static double loss_and_dlogits(nn_model *m, conv_arena *a, const uint8_t *y, int B)
{
	float *logits = slot(a, m->conv->nops - 1, 0);
	int C = m->cfg.classes;
	double loss = nn_xent_forward(logits, logits, y, B, C);
	nn_xent_backward(logits, logits, y, B, C);
	return loss;
}

float nn_convnet_grad(nn_model *m, const float *x, const uint8_t *y, int B)
{
	memset(m->grads, 0, m->nparams * sizeof *m->grads);
	if (B <= 0)
		return NAN;
	struct nn_convnet *cn = m->conv;
	nn_convnet_reserve(m, &cn->train, B, 1);
	crew w = alone(&cn->train);
	forward(&w, m, &cn->train, x, B, m->cfg.stages, 1, cn->nops);
	double loss = loss_and_dlogits(m, &cn->train, y, B);
	backward(&w, m, &cn->train, x, B);
	return (float)(loss / B);
}

typedef struct {
	nn_model *m;
	nn_team *t;
	const float *x;
	const uint8_t *y;
	int B;
	double loss;
} team_step;

static void team_step_part(void *ctx, int part, int parts)
{
	team_step *ts = ctx;
	nn_model *m = ts->m;
	struct nn_convnet *cn = m->conv;
	conv_arena *a = &cn->train;
	crew w = { ts->t, part, parts, part ? cn->xcol + (size_t)(part - 1) * cn->col_floats : a->col,
		   cn->cuts };
	forward(&w, m, a, ts->x, ts->B, m->cfg.stages, 1, cn->nops);
	if (!part)
		ts->loss = loss_and_dlogits(m, a, ts->y, ts->B);
	sync(&w);
	backward(&w, m, a, ts->x, ts->B);
}

/* The cuts of each operation's products (a convolution's dw, a dense layer's forward, dW
 * and din) for P parts at batch B, and the parts' scratch: once per team and batch size. */
static void plan_cuts(struct nn_convnet *cn, int P, int B)
{
	if (cn->cut_parts == P && cn->cut_B == B)
		return;
	free(cn->cuts);
	free(cn->xcol);
	cn->cuts = gg_xcalloc((size_t)cn->nops * 3, sizeof *cn->cuts);
	cn->xcol = gg_xmalloc((size_t)(P - 1) * cn->col_floats * sizeof *cn->xcol);
	for (int i = 0; i < cn->nops; i++) {
		const conv_op *o = &cn->ops[i];
		/* each convolution j: input channels, kernel, output pixels */
		int sh[3][3] = { { 0 } }, n = 0;
		if (o->kind == OP_CONV)
			sh[0][0] = o->c, sh[0][1] = o->k, sh[0][2] = o->oh * o->ow, n = 1;
		if (o->kind == OP_RES) {
			int N = o->oh * o->ow;
			sh[0][0] = o->c, sh[0][1] = 3, sh[0][2] = N;
			sh[1][0] = o->oc, sh[1][1] = 3, sh[1][2] = N;
			sh[2][0] = o->c, sh[2][1] = 1, sh[2][2] = N;
			n = o->v[6] >= 0 ? 3 : 2;
		}
		if (o->kind == OP_NAIS)
			sh[0][0] = o->c, sh[0][1] = 3, sh[0][2] = o->h * o->w, n = 1;
		for (int j = 0; j < n; j++) {
			int Co = o->kind == OP_NAIS ? o->c : o->oc, K = sh[j][0] * sh[j][1] * sh[j][1];
			/* dw[Co][K] += dout[Co][N]·col[K][N]ᵀ */
			nn_gemm_cut(0, 1, Co, K, sh[j][2], 1, P, &cn->cuts[i * 3 + j]);
		}
		if (o->kind == OP_DENSE) { /* as nn_dense_forward and nn_dense_backward */
			nn_cut *c = &cn->cuts[i * 3];
			nn_gemm_cut(0, 1, B, o->oc, o->c, 1, P, &c[0]);
			nn_gemm_cut(1, 0, o->oc, o->c, B, 1, P, &c[1]);
			nn_gemm_cut(0, 0, B, o->c, o->oc, 0, P, &c[2]);
		}
	}
	cn->cut_parts = P;
	cn->cut_B = B;
}

float nn_convnet_grad_team(nn_model *m, nn_team *t, const float *x, const uint8_t *y, int B)
{
	memset(m->grads, 0, m->nparams * sizeof *m->grads);
	struct nn_convnet *cn = m->conv;
	nn_convnet_reserve(m, &cn->train, B, 1);
	plan_cuts(cn, nn_team_size(t), B);
	team_step ts = { m, t, x, y, B, 0 };
	nn_team_run(t, team_step_part, &ts);
	return (float)(ts.loss / B);
}

float *nn_convnet_forward_eval(nn_model *m, const float *x, int B, int K)
{
	struct nn_convnet *cn = m->conv;
	nn_convnet_reserve(m, &cn->eval, B, 0);
	crew w = alone(&cn->eval);
	forward(&w, m, &cn->eval, x, B, K, 0, cn->nops);
	return slot(&cn->eval, cn->nops - 1, 0);
}

int nn_convnet_project(nn_model *m)
{
	const nn_config *c = &m->cfg;
	if (c->kind != NN_NAIS || !c->stable)
		return 0;
	int count = 0;
	for (int i = 0; i < m->conv->nops; i++) {
		const conv_op *o = &m->conv->ops[i];
		if (o->kind == OP_NAIS)
			count += nn_cnais_project(par(m, o->v[0]), o->c, 3, c->h, c->eps);
	}
	return count;
}

int nn_nais_conv_probe(nn_model *m, const float *x, int B, int blk, int K, float tol,
		       double *gersh, float *last3, int *used)
{
	const nn_config *c = &m->cfg;
	if (!m->conv || c->kind != NN_NAIS || B < 1 || B > NN_CONV_CHUNK)
		return -1;
	struct nn_convnet *cn = m->conv;
	int i = 0, seen = -1;
	for (; i < cn->nops && seen < blk; i++)
		seen += cn->ops[i].kind == OP_NAIS;
	if (seen != blk || blk < 0)
		return -1;
	const conv_op *o = &cn->ops[--i];
	if (K <= 0)
		K = c->stages;
	if (K < 3)
		K = 3;
	conv_arena *a = &cn->eval;
	nn_convnet_reserve(m, a, B, 0);
	crew w = alone(a);
	forward(&w, m, a, x, B, c->stages, 0, i); /* up to the block's input, training depth */
	int C = o->c, H = o->h, W = o->w;
	size_t n = nn_op_osize(o), N = (size_t)B * n;
	const float *u = slot(a, i - 1, 0), *A = par(m, o->v[0]);
	float *cc = slot(a, i, 3), *sk = slot(a, i, 2);
	*gersh = nn_cnais_gershgorin(A, C, 3, c->h);
	conv(&w, cc, u, par(m, o->v[1]), par(m, o->v[2]), B, C, H, W, C, 3, 1, 1);
	for (int b = 0; used && b < B; b++)
		used[b] = 0;
	const float *prev = NULL;
	for (int k = 0; k < K; k++) {
		float *next = last3 + (size_t)(k % 3) * N;
		nais_stage(&w, c, next, sk, prev, A, cc, B, C, H, W);
		nn_mark_settled(used, prev, next, B, n, tol, k);
		prev = next;
	}
	for (int b = 0; used && b < B; b++)
		if (!used[b])
			used[b] = K;
	nn_ring3_order(last3, N, K);
	return 0;
}
