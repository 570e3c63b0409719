/* convnet.c — the convolutional models as a list of operations over the conv layers:
 *
 *   cnn:    [conv3×3 → (bn|gbn)? → relu → pool2] × stages → [dense → (bn|gbn)? → relu]? → head
 *   resnet: conv3×3 → bn → relu → [residual block] × 3N (widths W, 2W, 4W) → gap → head
 *   nais (channels > 0): conv3×3 → σ → [conv NAIS block] × blocks → gap → head
 *
 * Each operation reads the previous one's output and keeps what its backward needs in
 * slots of an arena that is sized for the largest batch seen and grown on demand (one for
 * training, one of NN_CONV_CHUNK rows for evaluation). Activations run in place; a batch
 * norm normalizes its input in place (x̂ is all its backward needs of it). The backward walks
 * the list in reverse with the input gradient ping-ponging between two buffers; a residual
 * or NAIS block uses two more as scratch. Parameters are named views, one layer each for
 * dist_<layer>: conv1, bn1, …, fc1, head; res<stage>_<block>; nais<block>. */
#include "convnet.h"

#include "gglab/rng.h"
#include "gglab/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- configuration ------------------------------------------------------------------ */

void nn_convnet_default(nn_config *c, nn_kind kind)
{
	c->act = NN_RELU;
	c->pool = NN_POOL_MAX;
	if (kind == NN_CNN) {
		c->nconv = 2;
		c->conv[0] = 32;
		c->conv[1] = 64;
		c->fc = 128;
		c->norm = NN_NORM_NONE;
	} else if (kind == NN_RESNET) {
		c->blocks = 3;
		c->width = 16;
		c->norm = NN_NORM_BN;
	}
}

int nn_config_is_conv(const nn_config *c)
{
	return c->kind == NN_CNN || c->kind == NN_RESNET || (c->kind == NN_NAIS && c->channels > 0);
}

static const char *kind_name(const nn_config *c)
{
	return c->kind == NN_CNN ? "cnn" : c->kind == NN_RESNET ? "resnet" : "nais";
}

/* Side of a stride-2 3×3 pad-1 convolution, and of a 2×2 stride-2 pooling. */
static int half_conv(int n)
{
	return nn_conv_out(n, 3, 2, 1);
}

int nn_convnet_check(const nn_config *c, char *err)
{
	const char *k = kind_name(c);
	if (c->img_c < 1 || c->img_h < 1 || c->img_w < 1)
		return gg_fail(err, "model %s needs an image data set (fashion, cifar10); this data "
			       "set's examples are %d plain features, not images", k, c->in);
	if ((long)c->img_c * c->img_h * c->img_w != c->in)
		return gg_fail(err, "model %s: images of %dx%dx%d do not make the %d inputs", k,
			       c->img_c, c->img_h, c->img_w, c->in);
	if (c->norm != NN_NORM_NONE && c->norm != NN_NORM_BN && c->norm != NN_NORM_GBN)
		return gg_fail(err, "norm: %d is not none, bn or gbn", (int)c->norm);
	if (c->norm == NN_NORM_GBN && (c->ghost < 2 || c->ghost > 1 << 20))
		return gg_fail(err, "ghost: %d is out of range 2..%d", c->ghost, 1 << 20);
	int h = c->img_h, w = c->img_w;
	if (c->kind == NN_CNN) {
		if (c->nconv < 1 || c->nconv > NN_MAX_CONV)
			return gg_fail(err, "cnn: %d conv stages is out of range 1..%d", c->nconv,
				       NN_MAX_CONV);
		if (c->pool != NN_POOL_MAX && c->pool != NN_POOL_AVG)
			return gg_fail(err, "pool: %d is not max or avg", (int)c->pool);
		if (c->fc < 0 || c->fc > 65536)
			return gg_fail(err, "fc: %d is out of range 0..65536", c->fc);
		for (int i = 0; i < c->nconv; i++) {
			if (c->conv[i] < 1 || c->conv[i] > 4096)
				return gg_fail(err, "cnn stage %d: %d channels is out of range 1..4096",
					       i + 1, c->conv[i]);
			if (h < 3 || w < 3)
				return gg_fail(err, "cnn stage %d: its 3x3 kernel is larger than its %dx%d "
					       "input (%d pooling stages are too many for %dx%d images)",
					       i + 1, h, w, c->nconv, c->img_h, c->img_w);
			h /= 2;
			w /= 2;
		}
		return 0;
	}
	if (c->kind == NN_RESNET) {
		if (c->norm == NN_NORM_NONE)
			return gg_fail(err, "norm: a resnet needs bn or gbn");
		if (c->blocks < 1 || c->blocks > 64)
			return gg_fail(err, "n: %d is out of range 1..64 (depth 6n+2)", c->blocks);
		if (c->width < 1 || c->width > 1024)
			return gg_fail(err, "width: %d is out of range 1..1024", c->width);
		for (int s = 0; s < 3; s++) {
			if (h < 3 || w < 3)
				return gg_fail(err, "resnet stage %d: its 3x3 kernels are larger than its "
					       "%dx%d input (%dx%d images are too small)", s + 1, h, w,
					       c->img_h, c->img_w);
			if (s < 2) {
				h = half_conv(h);
				w = half_conv(w);
			}
		}
		return 0;
	}
	/* nais conv=C: the dense NAIS checks (blocks, stages, h, eps) are done */
	if (c->channels < 1 || c->channels > 1024)
		return gg_fail(err, "conv: %d channels is out of range 1..1024", c->channels);
	if (h < 3 || w < 3)
		return gg_fail(err, "nais stage 1: its 3x3 kernels are larger than its %dx%d input", h,
			       w);
	return 0;
}

void nn_convnet_describe(const nn_config *c, char *buf, size_t len)
{
	char shape[256];
	size_t n = 0;
	const char *norm = c->norm == NN_NORM_BN ? " bn" : c->norm == NN_NORM_GBN ? " gbn" : "";
	char ghost[16] = "";
	if (c->norm == NN_NORM_GBN)
		snprintf(ghost, sizeof ghost, "%d", c->ghost);
	if (c->kind == NN_CNN) {
		for (int i = 0; i < c->nconv && n < sizeof shape; i++)
			n += (size_t)snprintf(shape + n, sizeof shape - n, "conv%d-pool-", c->conv[i]);
		if (c->fc && n < sizeof shape)
			n += (size_t)snprintf(shape + n, sizeof shape - n, "fc%d-", c->fc);
		if (n < sizeof shape)
			snprintf(shape + n, sizeof shape - n, "%d %s", c->classes,
				 c->pool == NN_POOL_AVG ? "avg" : "max");
	} else if (c->kind == NN_RESNET) {
		snprintf(shape, sizeof shape, "%d n=%d width=%d-%d-%d-%d", 6 * c->blocks + 2, c->blocks,
			 c->width, 2 * c->width, 4 * c->width, c->classes);
	} else {
		snprintf(shape, sizeof shape, "conv%d %dx%d h=%g %s%s", c->channels, c->blocks,
			 c->stages, (double)c->h, c->stable ? "stable" : "free",
			 c->act == NN_TANH ? "" : " relu");
	}
	/* an unchecked configuration (no image yet) is described without building it */
	size_t np = nn_config_params(c);
	char count[40] = "";
	if (np)
		snprintf(count, sizeof count, ", %zu params", np);
	snprintf(buf, len, "%s %dx%dx%d %s%s%s%s", kind_name(c), c->img_c, c->img_h, c->img_w, shape,
		 norm, ghost, count);
}

/* ---- construction ------------------------------------------------------------------- */

static float *par(const nn_model *m, int v)
{
	return v < 0 ? NULL : m->params + m->views[v].off;
}

static conv_op *add_op(nn_model *m, int kind, int c, int h, int w)
{
	struct nn_convnet *cn = m->conv;
	conv_op *o = &cn->ops[cn->nops++];
	memset(o, 0, sizeof *o);
	for (int i = 0; i < 9; i++)
		o->v[i] = -1;
	o->kind = kind;
	o->c = o->oc = c;
	o->h = o->oh = h;
	o->w = o->ow = w;
	return o;
}

static const conv_op *last_op(const nn_model *m)
{
	return &m->conv->ops[m->conv->nops - 1];
}

static void add_conv(nn_model *m, const char *layer, int oc, int k, int stride, int pad, int bias)
{
	const conv_op *p = last_op(m);
	conv_op *o = add_op(m, OP_CONV, p->oc, p->oh, p->ow);
	o->oc = oc;
	o->oh = nn_conv_out(o->h, k, stride, pad);
	o->ow = nn_conv_out(o->w, k, stride, pad);
	o->k = k, o->stride = stride, o->pad = pad;
	int l = nn_add_layer(m, layer);
	o->v[0] = nn_add_view(m, l, "w", oc, o->c * k * k);
	if (bias)
		o->v[1] = nn_add_view(m, l, "b", 1, oc);
}

static void add_stats(nn_model *m, conv_op *o, int at, int C)
{
	o->rs[at] = m->nbuf;
	o->rs[at + 1] = m->nbuf + (size_t)C;
	m->nbuf += 2 * (size_t)C;
}

static void add_bn(nn_model *m, const char *layer)
{
	const conv_op *p = last_op(m);
	conv_op *o = add_op(m, OP_BN, p->oc, p->oh, p->ow);
	int l = nn_add_layer(m, layer);
	o->v[0] = nn_add_view(m, l, "gamma", 1, o->c);
	o->v[1] = nn_add_view(m, l, "beta", 1, o->c);
	add_stats(m, o, 0, o->c);
}

static void add_simple(nn_model *m, int kind)
{
	const conv_op *p = last_op(m);
	conv_op *o = add_op(m, kind, p->oc, p->oh, p->ow);
	if (kind == OP_MAXPOOL || kind == OP_AVGPOOL) {
		o->k = o->stride = 2;
		o->oh = o->h / 2;
		o->ow = o->w / 2;
	} else if (kind == OP_GAP) {
		o->oh = o->ow = 1;
	}
}

static void add_dense(nn_model *m, const char *layer, int out)
{
	const conv_op *p = last_op(m);
	conv_op *o = add_op(m, OP_DENSE, (int)nn_op_osize(p), 1, 1);
	o->oc = out;
	int l = nn_add_layer(m, layer);
	o->v[0] = nn_add_view(m, l, "w", out, o->c);
	o->v[1] = nn_add_view(m, l, "b", 1, out);
}

static void add_res(nn_model *m, const char *layer, int oc, int stride)
{
	const conv_op *p = last_op(m);
	conv_op *o = add_op(m, OP_RES, p->oc, p->oh, p->ow);
	o->oc = oc;
	o->stride = stride;
	o->oh = nn_conv_out(o->h, 3, stride, 1);
	o->ow = nn_conv_out(o->w, 3, stride, 1);
	int l = nn_add_layer(m, layer);
	o->v[0] = nn_add_view(m, l, "w1", oc, o->c * 9);
	o->v[1] = nn_add_view(m, l, "g1", 1, oc);
	o->v[2] = nn_add_view(m, l, "b1", 1, oc);
	o->v[3] = nn_add_view(m, l, "w2", oc, oc * 9);
	o->v[4] = nn_add_view(m, l, "g2", 1, oc);
	o->v[5] = nn_add_view(m, l, "b2", 1, oc);
	add_stats(m, o, 0, oc);
	add_stats(m, o, 2, oc);
	if (stride != 1 || oc != o->c) {
		o->v[6] = nn_add_view(m, l, "wp", oc, o->c);
		o->v[7] = nn_add_view(m, l, "gp", 1, oc);
		o->v[8] = nn_add_view(m, l, "bp", 1, oc);
		add_stats(m, o, 4, oc);
	}
}

static void add_nais(nn_model *m, const char *layer)
{
	const conv_op *p = last_op(m);
	conv_op *o = add_op(m, OP_NAIS, p->oc, p->oh, p->ow);
	int C = o->c, l = nn_add_layer(m, layer);
	o->v[0] = nn_add_view(m, l, "A", C, C * 9);
	o->v[1] = nn_add_view(m, l, "B", C, C * 9);
	o->v[2] = nn_add_view(m, l, "b", 1, C);
}

double nn_convnet_flops(const nn_model *m)
{
	const struct nn_convnet *cn = m->conv;
	double f = 0;
	for (int i = 0; i < cn->nops; i++) {
		const conv_op *o = &cn->ops[i];
		double out = (double)o->oh * o->ow;
		switch (o->kind) {
		case OP_CONV:
			f += out * o->k * o->k * o->c * o->oc;
			break;
		case OP_DENSE:
			f += (double)o->c * o->oc;
			break;
		case OP_RES: /* conv1 c->oc, conv2 oc->oc (3x3), the 1x1 projection if any */
			f += out * 9 * ((double)o->c * o->oc + (double)o->oc * o->oc) +
			     (o->v[6] >= 0 ? out * o->c * o->oc : 0);
			break;
		case OP_NAIS: /* B u once, A x at each of the K stages */
			f += out * 9 * (double)o->c * o->c * (1 + m->cfg.stages);
			break;
		}
	}
	return 2 * f;
}

nn_model *nn_convnet_build(const nn_config *c)
{
	nn_model *m = gg_xcalloc(1, sizeof *m);
	struct nn_convnet *cn = gg_xcalloc(1, sizeof *cn);
	m->cfg = *c;
	m->conv = cn;
	int maxops = 4 * NN_MAX_CONV + 3 * (c->kind == NN_RESNET ? 3 * c->blocks : c->blocks) + 16;
	cn->ops = gg_xcalloc((size_t)maxops, sizeof *cn->ops);
	m->views = gg_xcalloc((size_t)maxops * 9, sizeof *m->views);
	m->layer_names = gg_xcalloc((size_t)maxops, sizeof *m->layer_names);
	/* a pseudo-operation for the input, so every real one can read its predecessor */
	conv_op *in = add_op(m, OP_RELU, c->img_c, c->img_h, c->img_w);
	(void)in;
	int norm = c->norm != NN_NORM_NONE;
	char name[24];
	if (c->kind == NN_CNN) {
		for (int i = 0; i < c->nconv; i++) {
			snprintf(name, sizeof name, "conv%d", i + 1);
			add_conv(m, name, c->conv[i], 3, 1, 1, !norm);
			if (norm) {
				snprintf(name, sizeof name, "bn%d", i + 1);
				add_bn(m, name);
			}
			add_simple(m, OP_RELU);
			add_simple(m, c->pool == NN_POOL_AVG ? OP_AVGPOOL : OP_MAXPOOL);
		}
		if (c->fc) {
			add_dense(m, "fc1", c->fc);
			if (norm) {
				snprintf(name, sizeof name, "bn%d", c->nconv + 1);
				add_bn(m, name);
			}
			add_simple(m, OP_RELU);
		}
	} else if (c->kind == NN_RESNET) {
		add_conv(m, "conv1", c->width, 3, 1, 1, 0);
		add_bn(m, "bn1");
		add_simple(m, OP_RELU);
		for (int s = 0; s < 3; s++)
			for (int b = 0; b < c->blocks; b++) {
				snprintf(name, sizeof name, "res%d_%d", s + 1, b + 1);
				add_res(m, name, c->width << s, s > 0 && b == 0 ? 2 : 1);
			}
		add_simple(m, OP_GAP);
	} else {
		add_conv(m, "conv1", c->channels, 3, 1, 1, 1);
		add_simple(m, c->act == NN_TANH ? OP_TANH : OP_RELU);
		for (int b = 0; b < c->blocks; b++) {
			snprintf(name, sizeof name, "nais%d", b + 1);
			add_nais(m, name);
		}
		add_simple(m, OP_GAP);
	}
	add_dense(m, "head", c->classes);
	/* drop the input pseudo-operation */
	cn->nops--;
	memmove(cn->ops, cn->ops + 1, (size_t)cn->nops * sizeof *cn->ops);
	for (int i = 0; i < cn->nops; i++) {
		const conv_op *o = &cn->ops[i];
		size_t a = nn_op_isize(o) > nn_op_osize(o) ? nn_op_isize(o) : nn_op_osize(o);
		if (a > cn->maxact)
			cn->maxact = a;
	}
	m->params = gg_xcalloc(m->nparams, sizeof *m->params);
	m->grads = gg_xcalloc(m->nparams, sizeof *m->grads);
	m->buf = gg_xcalloc(m->nbuf ? m->nbuf : 1, sizeof *m->buf);
	return m;
}

size_t nn_config_params(const nn_config *c)
{
	if (nn_config_is_conv(c)) {
		/* the ranges a build relies on (nn_config_check is model.c's, which calls us) */
		if (nn_convnet_check(c, NULL) < 0 || c->classes < 2 || c->classes > 256 ||
		    ((c->kind != NN_CNN) && (c->blocks < 1 || c->blocks > 64)))
			return 0;
		/* built and freed here (not through model.c, which calls this file) */
		nn_model *m = nn_convnet_build(c);
		size_t n = m->nparams;
		nn_convnet_free(m->conv);
		free(m->params);
		free(m->grads);
		free(m->buf);
		free(m->views);
		free(m->layer_names);
		free(m);
		return n;
	}
	size_t n = 0, I = (size_t)c->in, W = (size_t)c->width;
	if (c->kind == NN_MLP) {
		for (int l = 0; l < c->depth; l++, I = W)
			n += I * W + W + (c->norm != NN_NORM_NONE ? 2 * W : 0);
	} else {
		n = I * W + W + (size_t)c->blocks * (2 * W * W + W);
		I = W;
	}
	return n + I * (size_t)c->classes + (size_t)c->classes;
}

static void fill_normal(gg_rng *r, float *x, size_t n, double std)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(std * gg_rng_normal(r));
}

/* He for ReLU (variance-preserving through a rectifier), Xavier for tanh; fan-in is the
 * view's columns, fan-out its rows times the kernel taps. */
static void init_weight(nn_model *m, gg_rng *r, int v, int taps)
{
	const nn_view *w = &m->views[v];
	double fin = w->cols, fout = (double)w->rows * taps;
	double std = m->cfg.act == NN_RELU ? sqrt(2.0 / fin) : sqrt(2.0 / (fin + fout));
	fill_normal(r, par(m, v), (size_t)w->rows * w->cols, std);
}

static void init_bn(nn_model *m, int gamma, size_t run_var, int C)
{
	float *g = par(m, gamma), *rv = m->buf + run_var;
	for (int j = 0; j < C; j++)
		g[j] = rv[j] = 1.0f;
}

void nn_convnet_init(nn_model *m, uint64_t seed)
{
	struct nn_convnet *cn = m->conv;
	const nn_config *c = &m->cfg;
	gg_rng r;
	gg_rng_seed(&r, seed);
	for (int i = 0; i < cn->nops; i++) {
		const conv_op *o = &cn->ops[i];
		switch (o->kind) {
		case OP_CONV:
			init_weight(m, &r, o->v[0], o->k * o->k);
			break;
		case OP_DENSE:
			init_weight(m, &r, o->v[0], 1);
			break;
		case OP_BN:
			init_bn(m, o->v[0], o->rs[1], o->c);
			break;
		case OP_RES:
			init_weight(m, &r, o->v[0], 9);
			init_weight(m, &r, o->v[3], 9);
			init_bn(m, o->v[1], o->rs[1], o->oc);
			init_bn(m, o->v[4], o->rs[3], o->oc);
			if (o->v[6] >= 0) {
				init_weight(m, &r, o->v[6], 1);
				init_bn(m, o->v[7], o->rs[5], o->oc);
			}
			break;
		case OP_NAIS: {
			/* small random taps around a centre of −1/(2h) on each self-kernel, then
			 * the projection, so stable and free blocks start from the same A */
			int C = o->c;
			float *A = par(m, o->v[0]);
			fill_normal(&r, A, (size_t)C * C * 9, sqrt(1.0 / (9.0 * C)));
			for (int j = 0; j < C; j++)
				A[((size_t)j * C + j) * 9 + 4] = -0.5f / c->h;
			nn_cnais_project(A, C, 3, c->h, c->eps);
			init_weight(m, &r, o->v[1], 9);
			break;
		}
		default:
			break;
		}
	}
}

void nn_convnet_free(struct nn_convnet *cn)
{
	if (!cn)
		return;
	conv_arena *a[2] = { &cn->train, &cn->eval };
	for (int i = 0; i < 2; i++) {
		free(a[i]->raw);
		free(a[i]->t);
	}
	free(cn->ops);
	free(cn->cuts);
	free(cn->xcol);
	free(cn);
}

/* ---- arenas ------------------------------------------------------------------------- */

static size_t up16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

int nn_convnet_ghost(const nn_model *m)
{
	return m->cfg.norm == NN_NORM_GBN ? m->cfg.ghost : 0;
}

static int nghost(int B, int G)
{
	return G > 0 && G < B ? (B + G - 1) / G : 1;
}

/* The conv scratch of the largest convolution. */
static size_t col_size(const struct nn_convnet *cn)
{
	size_t most = 0;
	for (int i = 0; i < cn->nops; i++) {
		const conv_op *o = &cn->ops[i];
		size_t n[3] = { 0, 0, 0 };
		if (o->kind == OP_CONV)
			n[0] = nn_conv_scratch(o->c, o->k, o->oh, o->ow);
		if (o->kind == OP_RES) {
			n[0] = nn_conv_scratch(o->c, 3, o->oh, o->ow);
			n[1] = nn_conv_scratch(o->oc, 3, o->oh, o->ow);
			n[2] = nn_conv_scratch(o->c, 1, o->oh, o->ow);
		}
		if (o->kind == OP_NAIS)
			n[0] = nn_conv_scratch(o->c, 3, o->h, o->w);
		for (int j = 0; j < 3; j++)
			most = n[j] > most ? n[j] : most;
	}
	return most;
}

/* Carves an arena for B rows and ng ghost batches (K slabs per NAIS block when training,
 * one when evaluating); with base == NULL it only measures. Returns floats. */
static size_t layout(struct nn_convnet *cn, conv_arena *a, float *base, int B, int ng, int K)
{
	size_t off = 0;
#define TAKE(slot, count)                                 \
	do {                                              \
		if (base)                                 \
			a->t[i * NSLOT + (slot)] = base + off; \
		off += up16(count);                       \
	} while (0)
	for (int i = 0; i < cn->nops; i++) {
		const conv_op *o = &cn->ops[i];
		size_t out = (size_t)B * nn_op_osize(o), st = (size_t)ng * o->oc;
		switch (o->kind) {
		case OP_RELU:
		case OP_TANH:
			if (base)
				a->t[i * NSLOT] = i ? a->t[(i - 1) * NSLOT] : NULL;
			break;
		case OP_BN:
			TAKE(0, out);
			TAKE(1, st);
			break;
		case OP_RES:
			for (int s = 0; s <= (o->v[6] >= 0 ? 4 : 3); s++)
				TAKE(s, out);
			for (int s = 5; s <= 7; s++)
				TAKE(s, st);
			break;
		case OP_NAIS:
			TAKE(1, (size_t)K * out);
			TAKE(2, (size_t)K * out);
			TAKE(3, out);
			if (base)
				a->t[i * NSLOT] = a->t[i * NSLOT + 1] + (size_t)(K - 1) * out;
			break;
		default:
			TAKE(0, out);
		}
	}
	if (base)
		a->col = base + off;
	cn->col_floats = up16(col_size(cn));
	off += cn->col_floats;
	for (int g = 0; g < 4; g++) {
		if (base)
			a->g[g] = base + off;
		off += up16((size_t)B * cn->maxact);
	}
#undef TAKE
	return off;
}

void nn_convnet_reserve(nn_model *m, conv_arena *a, int B, int train)
{
	struct nn_convnet *cn = m->conv;
	int ng = nghost(B, nn_convnet_ghost(m));
	if (a->raw && B <= a->cap && ng <= a->cap_ng)
		return;
	int cap = B > a->cap ? B : a->cap, capng = ng > a->cap_ng ? ng : a->cap_ng;
	int K = train ? m->cfg.stages : 1;
	free(a->raw);
	if (!a->t)
		a->t = gg_xcalloc((size_t)cn->nops * NSLOT, sizeof *a->t);
	size_t n = layout(cn, a, NULL, cap, capng, K);
	a->raw = gg_xmalloc(n * sizeof(float) + 64);
	layout(cn, a, (float *)(((uintptr_t)a->raw + 63) & ~(uintptr_t)63), cap, capng, K);
	a->cap = cap;
	a->cap_ng = capng;
}
