/* convnet.h — private to src/nn: the convolutional models (convnet.c) as model.c calls
 * them, and the helpers both kinds of model share (building views, the probes' ring).
 * A convolutional nn_model has m->conv set and m->work NULL. */
#ifndef GGLAB_NN_CONVNET_H
#define GGLAB_NN_CONVNET_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/nn.h"
#include "gglab/util.h"

enum { OP_CONV, OP_BN, OP_RELU, OP_TANH, OP_MAXPOOL, OP_AVGPOOL, OP_GAP, OP_DENSE, OP_RES, OP_NAIS };
enum { NSLOT = 8 };

typedef struct {
	int kind;
	int c, h, w;        /* input shape (dense: c features, h = w = 1) */
	int oc, oh, ow;     /* output shape */
	int k, stride, pad; /* conv, pool; res: stride of its first conv */
	/* views (-1: none). conv, dense: w b; bn: gamma beta; res: w1 g1 b1 w2 g2 b2 wp gp bp
	 * (wp −1: identity skip); nais: A B b */
	int v[9];
	size_t rs[6]; /* buf offsets of running mean/var: bn [0..1]; res [0..5] */
} conv_op;


/* Slots: out [0] everywhere (activations alias their input). bn: rstd [1]. res: t1 a1 t2
 * tp [1..4] (conv outputs, x̂ after their norm), rstd [5..7]. nais: X [1] (K slabs in
 * training, 1 in evaluation), S [2] likewise, c [3]. */
typedef struct {
	int cap, cap_ng;
	float *raw;
	float **t;  /* [nops·NSLOT] */
	float *col; /* conv scratch (nn_conv_scratch) of the largest convolution */
	float *g[4]; /* [cap][maxact] gradient ping-pong and block scratch */
} conv_arena;

struct nn_convnet {
	int nops;
	conv_op *ops;
	size_t maxact;     /* floats of the largest per-example tensor */
	size_t col_floats; /* of the largest convolution's scratch */
	conv_arena train, eval;
	/* a step over a team (convrun.c) of cut_parts parts at batch cut_B: the cuts of each
	 * operation's products [nops·3] (a convolution's dw[Co][C·k·k]; a dense layer's
	 * forward, dW, din) and the scratch of parts 1.. */
	int cut_parts, cut_B;
	nn_cut *cuts;
	float *xcol;
};

/* Construction, for model.c and convnet.c: a named layer, and a parameter view
 * "<layer>.<suffix>" of rows×cols appended to the one parameter buffer; each returns its
 * index. */
static inline int nn_add_layer(nn_model *m, const char *name)
{
	snprintf(m->layer_names[m->nlayers], sizeof m->layer_names[0], "%s", name);
	return m->nlayers++;
}

static inline int nn_add_view(nn_model *m, int layer, const char *suffix, int rows, int cols)
{
	nn_view *v = &m->views[m->nviews];
	snprintf(v->name, sizeof v->name, "%.14s.%s", m->layer_names[layer], suffix);
	v->off = m->nparams;
	v->rows = rows;
	v->cols = cols;
	v->layer = layer;
	m->nparams += (size_t)rows * cols;
	return m->nviews++;
}

/* The NAIS probes' depth: example b (n floats) settles at stage k + 1 when its state moved
 * by at most tol·(1 + |x(k)|) (prev NULL: from x = 0); used[b] = 0 until then. */
static inline void nn_mark_settled(int *used, const float *prev, const float *next, int B,
				   size_t n, float tol, int k)
{
	for (int b = 0; used && tol > 0 && b < B; b++) {
		if (used[b])
			continue;
		double dd = 0, nx = 0;
		for (size_t j = 0; j < n; j++) {
			double xp = prev ? prev[(size_t)b * n + j] : 0, xn = next[(size_t)b * n + j];
			dd += (xn - xp) * (xn - xp);
			nx += xp * xp;
		}
		if (sqrt(dd) <= tol * (1 + sqrt(nx)))
			used[b] = k + 1;
	}
}

/* The NAIS probes keep the last three stages' states in a ring of three slabs of n floats,
 * stage k in slab k % 3: after K ≥ 3 stages this puts x(K−2), x(K−1), x(K) in order. */
static inline void nn_ring3_order(float *last3, size_t n, int K)
{
	int first = (K - 3) % 3;
	if (!first)
		return;
	float *tmp = gg_xmalloc(3 * n * sizeof *tmp);
	for (int r = 0; r < 3; r++)
		memcpy(tmp + (size_t)r * n, last3 + (size_t)((first + r) % 3) * n, n * sizeof *tmp);
	memcpy(last3, tmp, 3 * n * sizeof *tmp);
	free(tmp);
}

static inline size_t nn_op_isize(const conv_op *o)
{
	return (size_t)o->c * o->h * o->w;
}

static inline size_t nn_op_osize(const conv_op *o)
{
	return (size_t)o->oc * o->oh * o->ow;
}

/* Grows (never shrinks) an arena so B rows fit; train: K slabs per NAIS block. */
void nn_convnet_reserve(nn_model *m, conv_arena *a, int B, int train);
/* The ghost-batch size G of the model's norm (0: plain BN). */
int nn_convnet_ghost(const nn_model *m);

/* Rows of one evaluation chunk: conv activations are large per row. */
#define NN_CONV_CHUNK 64

void nn_convnet_default(nn_config *c, nn_kind kind);
/* The checks specific to the convolutional kinds (the common ones are done). */
int nn_convnet_check(const nn_config *c, char *err);
void nn_convnet_describe(const nn_config *c, char *buf, size_t len);
/* Layout only (parameters zero) or seeded initialization as well. */
nn_model *nn_convnet_build(const nn_config *c);
/* Multiply-adds of one example's forward pass through the products (convolutions, dense
 * layers, every NAIS stage), twice: floating-point operations. */
double nn_convnet_flops(const nn_model *m);
void nn_convnet_init(nn_model *m, uint64_t seed);
void nn_convnet_free(struct nn_convnet *cn);
float nn_convnet_grad(nn_model *m, const float *x, const uint8_t *y, int B);
/* The same step over a team's parts, with its bits (nn_model_grad_team). */
float nn_convnet_grad_team(nn_model *m, nn_team *t, const float *x, const uint8_t *y, int B);
/* Eval forward of x[B][in], B ≤ NN_CONV_CHUNK; returns the logits [B][classes]. */
float *nn_convnet_forward_eval(nn_model *m, const float *x, int B, int K);
int nn_convnet_project(nn_model *m);

#endif
