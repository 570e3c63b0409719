/* convrun.c — forward and backward of the convolutional models' operation lists
 * (convnet.c builds them), the training step, evaluation and the conv NAIS projection.
 *
 * A residual block: t1 = conv3×3/s(u), a1 = relu(bn1(t1)), t2 = conv3×3(a1),
 * out = relu(bn2(t2) + skip), skip = u or bnp(conv1×1/s(u)).
 * A conv NAIS block: c = B ⋆ u + b, x(k+1) = x(k) + h·σ(A ⋆ x(k) + c), x(0) = 0, K stages;
 * its backward is the dense block's (nais.c) with the products replaced by convolutions. */
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

static void add_to(float *y, const float *x, size_t n)
{
	NN_EACH(i, n, y[i] += x[i]);
}

/* ---- residual block ----------------------------------------------------------------- */

static void res_forward(nn_model *m, const conv_op *o, const conv_arena *a, int i, const float *u,
			int B, int train)
{
	int G = nn_convnet_ghost(m), C = o->c, H = o->h, W = o->w, Co = o->oc, N = o->oh * o->ow;
	float *out = slot(a, i, 0), *t1 = slot(a, i, 1), *a1 = slot(a, i, 2), *t2 = slot(a, i, 3);
	const int *v = o->v;
	const size_t *rs = o->rs;
	size_t n = (size_t)B * nn_op_osize(o);
	/* t1[B][Co][N], a1 = relu(bn1(t1)), x̂1 in t1 */
	nn_conv2d_forward(t1, a->col, u, par(m, v[0]), NULL, B, C, H, W, Co, 3, o->stride, 1);
	nn_bn2d_forward(a1, t1, slot(a, i, 5), t1, par(m, v[1]), par(m, v[2]), m->buf + rs[0],
			m->buf + rs[1], B, Co, N, G, train);
	nn_relu_forward(a1, a1, n);
	/* out = bn2(conv(a1)), x̂2 in t2 */
	nn_conv2d_forward(t2, a->col, a1, par(m, v[3]), NULL, B, Co, o->oh, o->ow, Co, 3, 1, 1);
	nn_bn2d_forward(out, t2, slot(a, i, 6), t2, par(m, v[4]), par(m, v[5]), m->buf + rs[2],
			m->buf + rs[3], B, Co, N, G, train);
	if (v[6] >= 0) {
		float *tp = slot(a, i, 4), *q = a->g[2]; /* q: scratch, free during the forward */
		nn_conv2d_forward(tp, a->col, u, par(m, v[6]), NULL, B, C, H, W, Co, 1, o->stride, 0);
		nn_bn2d_forward(q, tp, slot(a, i, 7), tp, par(m, v[7]), par(m, v[8]), m->buf + rs[4],
				m->buf + rs[5], B, Co, N, G, train);
		add_to(out, q, n);
	} else {
		add_to(out, u, n);
	}
	nn_relu_forward(out, out, n);
}

/* din[B][C][H][W] from g = dL/dout (destroyed); s1, s2 scratch of the output's size. */
static void res_backward(nn_model *m, const conv_op *o, const conv_arena *a, int i, float *din,
			 float *g, float *s1, float *s2, const float *u, int B)
{
	int G = nn_convnet_ghost(m), C = o->c, H = o->h, W = o->w, Co = o->oc, N = o->oh * o->ow;
	const int *v = o->v;
	size_t n = (size_t)B * nn_op_osize(o);
	nn_relu_backward(g, g, slot(a, i, 0), n);
	nn_bn2d_backward(s1, grd(m, v[4]), grd(m, v[5]), g, slot(a, i, 3), slot(a, i, 6),
			 par(m, v[4]), B, Co, N, G);
	memset(s2, 0, n * sizeof *s2);
	nn_conv2d_backward(s2, grd(m, v[3]), NULL, a->col, s1, slot(a, i, 2), par(m, v[3]), B, Co,
			   o->oh, o->ow, Co, 3, 1, 1);
	nn_relu_backward(s2, s2, slot(a, i, 2), n);
	nn_bn2d_backward(s2, grd(m, v[1]), grd(m, v[2]), s2, slot(a, i, 1), slot(a, i, 5),
			 par(m, v[1]), B, Co, N, G);
	memset(din, 0, (size_t)B * nn_op_isize(o) * sizeof *din);
	nn_conv2d_backward(din, grd(m, v[0]), NULL, a->col, s2, u, par(m, v[0]), B, C, H, W, Co, 3,
			   o->stride, 1);
	if (v[6] >= 0) {
		nn_bn2d_backward(s1, grd(m, v[7]), grd(m, v[8]), g, slot(a, i, 4), slot(a, i, 7),
				 par(m, v[7]), B, Co, N, G);
		nn_conv2d_backward(din, grd(m, v[6]), NULL, a->col, s1, u, par(m, v[6]), B, C, H, W,
				   Co, 1, o->stride, 0);
	} else {
		add_to(din, g, n);
	}
}

/* ---- conv NAIS block ---------------------------------------------------------------- */

/* One stage of a conv NAIS block over B images of C×H×W: s = act(A ∗ prev + c), where c is
 * the block's input term (B ∗ u + b), and x = prev + h·s; at the first stage (prev NULL)
 * s = act(c) and x = h·s. */
static void nais_stage(const nn_config *c, const conv_arena *a, float *x, float *s,
		       const float *prev, const float *A, const float *cc, int B, int C, int H, int W)
{
	size_t N = (size_t)B * C * H * W;
	float h = c->h;
	if (prev) {
		nn_conv2d_forward(s, a->col, prev, A, NULL, B, C, H, W, C, 3, 1, 1);
		add_to(s, cc, N);
	} else {
		memcpy(s, cc, N * sizeof *s);
	}
	if (c->act == NN_TANH)
		nn_tanh_forward(s, s, N);
	else
		nn_relu_forward(s, s, N);
	if (prev)
		NN_EACH(j, N, x[j] = prev[j] + h * s[j]);
	else
		NN_EACH(j, N, x[j] = h * s[j]);
}

static void nais_forward(nn_model *m, const conv_op *o, const conv_arena *a, int i, const float *u,
			 int B, int K, int train)
{
	const nn_config *c = &m->cfg;
	int C = o->c, H = o->h, W = o->w;
	size_t N = (size_t)B * nn_op_osize(o);
	float *X = slot(a, i, 1), *S = slot(a, i, 2), *cc = slot(a, i, 3);
	const float *A = par(m, o->v[0]);
	nn_conv2d_forward(cc, a->col, u, par(m, o->v[1]), par(m, o->v[2]), B, C, H, W, C, 3, 1, 1);
	for (int k = 0; k < K; k++) {
		/* training keeps every x(k+1) and s(k); evaluation runs in place */
		float *xk = train ? X + k * N : X, *sk = train ? S + k * N : S;
		const float *prev = !k ? NULL : train ? X + (k - 1) * N : X;
		nais_stage(c, a, xk, sk, prev, A, cc, B, C, H, W);
	}
	a->t[i * NSLOT] = train ? X + (size_t)(K - 1) * N : X;
}

/* du[B][C][H][W] from gx = dL/dx(K) (destroyed); dc scratch. S becomes dL/dz. */
static void nais_backward(nn_model *m, const conv_op *o, const conv_arena *a, int i, float *du,
			  float *gx, float *dc, const float *u, int B)
{
	const nn_config *c = &m->cfg;
	int C = o->c, H = o->h, W = o->w, K = c->stages;
	size_t N = (size_t)B * nn_op_osize(o);
	float *X = slot(a, i, 1), *S = slot(a, i, 2), h = c->h;
	const float *A = par(m, o->v[0]);
	for (int k = K - 1; k >= 0; k--) {
		float *dz = S + k * N;
		if (c->act == NN_TANH)
			NN_EACH(j, N, dz[j] = h * gx[j] * (1.0f - dz[j] * dz[j]));
		else
			NN_EACH(j, N, float g = h * gx[j]; dz[j] = dz[j] > 0.0f ? g : 0.0f);
		if (k == K - 1)
			memcpy(dc, dz, N * sizeof *dc);
		else
			add_to(dc, dz, N);
		/* g(k) = g(k+1) + Aᵀ ⋆ dz(k); x(0) = 0 takes no gradient */
		if (k > 0)
			nn_conv2d_backward(gx, grd(m, o->v[0]), NULL, a->col, dz, X + (k - 1) * N, A, B,
					   C, H, W, C, 3, 1, 1);
	}
	memset(du, 0, N * sizeof *du);
	nn_conv2d_backward(du, grd(m, o->v[1]), grd(m, o->v[2]), a->col, dc, u, par(m, o->v[1]), B,
			   C, H, W, C, 3, 1, 1);
}

/* ---- the list ----------------------------------------------------------------------- */

/* Forward of x[B][in] through operations [0, end); the head's output is the last slot 0. */
static void forward(nn_model *m, conv_arena *a, const float *x, int B, int K, int train, int end)
{
	int G = nn_convnet_ghost(m);
	for (int i = 0; i < end; i++) {
		const conv_op *o = &m->conv->ops[i];
		float *in = i ? slot(a, i - 1, 0) : (float *)x, *out = slot(a, i, 0);
		size_t n = (size_t)B * nn_op_osize(o);
		switch (o->kind) {
		case OP_CONV:
			nn_conv2d_forward(out, a->col, in, par(m, o->v[0]), par(m, o->v[1]), B, o->c,
					  o->h, o->w, o->oc, o->k, o->stride, o->pad);
			break;
		case OP_BN: /* x̂ overwrites the input, which only this operation reads */
			nn_bn2d_forward(out, in, slot(a, i, 1), in, par(m, o->v[0]), par(m, o->v[1]),
					m->buf + o->rs[0], m->buf + o->rs[1], B, o->c, o->h * o->w, G,
					train);
			break;
		case OP_RELU:
			nn_relu_forward(out, in, n);
			break;
		case OP_TANH:
			nn_tanh_forward(out, in, n);
			break;
		case OP_MAXPOOL:
			nn_maxpool_forward(out, in, B, o->c, o->h, o->w, o->k, o->stride);
			break;
		case OP_AVGPOOL:
			nn_avgpool_forward(out, in, B, o->c, o->h, o->w, o->k, o->stride);
			break;
		case OP_GAP:
			nn_gap_forward(out, in, B, o->c, o->h * o->w);
			break;
		case OP_DENSE:
			nn_dense_forward(out, in, par(m, o->v[0]), par(m, o->v[1]), B, o->c, o->oc);
			break;
		case OP_RES:
			res_forward(m, o, a, i, in, B, train);
			break;
		case OP_NAIS:
			nais_forward(m, o, a, i, in, B, K, train);
			break;
		}
	}
}

static void backward(nn_model *m, conv_arena *a, const float *x, int B)
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
		switch (o->kind) {
		case OP_CONV:
			if (dn)
				memset(dn, 0, nin * sizeof *dn);
			nn_conv2d_backward(dn, grd(m, o->v[0]), grd(m, o->v[1]), a->col, g, in,
					   par(m, o->v[0]), B, o->c, o->h, o->w, o->oc, o->k, o->stride,
					   o->pad);
			g = d;
			break;
		case OP_BN:
			nn_bn2d_backward(g, grd(m, o->v[0]), grd(m, o->v[1]), g, in, slot(a, i, 1),
					 par(m, o->v[0]), B, o->c, o->h * o->w, G);
			break;
		case OP_RELU:
			nn_relu_backward(g, g, out, n);
			break;
		case OP_TANH:
			nn_tanh_backward(g, g, out, n);
			break;
		case OP_MAXPOOL:
			nn_maxpool_backward(d, g, in, out, B, o->c, o->h, o->w, o->k, o->stride);
			g = d;
			break;
		case OP_AVGPOOL:
			nn_avgpool_backward(d, g, B, o->c, o->h, o->w, o->k, o->stride);
			g = d;
			break;
		case OP_GAP:
			nn_gap_backward(d, g, B, o->c, o->h * o->w);
			g = d;
			break;
		case OP_DENSE:
			nn_dense_backward(dn, grd(m, o->v[0]), grd(m, o->v[1]), g, in, par(m, o->v[0]), B,
					  o->c, o->oc);
			g = d;
			break;
		case OP_RES:
			res_backward(m, o, a, i, d, g, a->g[2], a->g[3], in, B);
			g = d;
			break;
		case OP_NAIS:
			nais_backward(m, o, a, i, d, g, a->g[2], in, B);
			g = d;
			break;
		}
	}
}

float nn_convnet_grad(nn_model *m, const float *x, const uint8_t *y, int B)
{
	memset(m->grads, 0, m->nparams * sizeof *m->grads);
	if (B <= 0)
		return NAN;
	struct nn_convnet *cn = m->conv;
	nn_convnet_reserve(m, &cn->train, B, 1);
	forward(m, &cn->train, x, B, m->cfg.stages, 1, cn->nops);
	float *logits = slot(&cn->train, cn->nops - 1, 0);
	int C = m->cfg.classes;
	double loss = nn_xent_forward(logits, logits, y, B, C);
	nn_xent_backward(logits, logits, y, B, C);
	backward(m, &cn->train, x, B);
	return (float)(loss / B);
}

float *nn_convnet_forward_eval(nn_model *m, const float *x, int B, int K)
{
	struct nn_convnet *cn = m->conv;
	nn_convnet_reserve(m, &cn->eval, B, 0);
	forward(m, &cn->eval, x, B, K, 0, cn->nops);
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
	forward(m, a, x, B, c->stages, 0, i); /* up to the block's input, training depth */
	int C = o->c, H = o->h, W = o->w;
	size_t n = nn_op_osize(o), N = (size_t)B * n;
	const float *u = slot(a, i - 1, 0), *A = par(m, o->v[0]);
	float *cc = slot(a, i, 3), *sk = slot(a, i, 2);
	*gersh = nn_cnais_gershgorin(A, C, 3, c->h);
	nn_conv2d_forward(cc, a->col, u, par(m, o->v[1]), par(m, o->v[2]), B, C, H, W, C, 3, 1, 1);
	for (int b = 0; used && b < B; b++)
		used[b] = 0;
	const float *prev = NULL;
	for (int k = 0; k < K; k++) {
		float *next = last3 + (size_t)(k % 3) * N;
		nais_stage(c, a, next, sk, prev, A, cc, B, C, H, W);
		nn_mark_settled(used, prev, next, B, n, tol, k);
		prev = next;
	}
	for (int b = 0; used && b < B; b++)
		if (!used[b])
			used[b] = K;
	nn_ring3_order(last3, N, K);
	return 0;
}
