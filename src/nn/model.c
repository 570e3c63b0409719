/* model.c — MLP and NAIS-Net models over the layer functions: configuration, one
 * parameter allocation with named views, seeded initialization, the training step's
 * forward/backward, chunked evaluation, and the NAIS stability projection.
 *
 *   mlp:  in → [dense → (bn|gbn)? → act] × depth → dense head → classes
 *   nais: in → dense → act → NAIS block × blocks → dense head → classes
 *
 * Activations live in struct nn_work, one arena sized for the largest batch seen and grown
 * on demand, so a training step allocates nothing once the batch size has been seen.
 * Evaluation has its own small arena of EVAL_CHUNK rows and never touches the training
 * activations, parameters, gradients or running statistics. */
#include "convnet.h"
#include "mlp.h"
#include "gglab/nn.h"
#include "gglab/rng.h"
#include "gglab/util.h"

#include <cblas.h>
/* OpenBLAS's config header includes <complex.h>, whose I macro would shadow the
 * I-for-input-features naming used with nn.h. */
#undef I
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- configuration ------------------------------------------------------------------ */

void nn_config_default(nn_config *c, nn_kind kind)
{
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->ghost = 128;
	c->blocks = 1;
	c->stages = 4;
	c->h = 0.5f;
	c->eps = 0.01f;
	c->stable = 1;
	c->norm = NN_NORM_NONE;
	c->depth = 2;
	if (kind == NN_MLP) {
		c->width = 128;
		c->act = NN_RELU;
	} else {
		c->width = 64;
		c->act = NN_TANH;
	}
	if (kind == NN_CNN || kind == NN_RESNET)
		nn_convnet_default(c, kind);
}


int nn_config_check(const nn_config *c, char *err)
{
	if (c->kind != NN_MLP && c->kind != NN_NAIS && c->kind != NN_CNN && c->kind != NN_RESNET)
		return gg_fail(err, "kind: %d is not mlp, nais, cnn or resnet", (int)c->kind);
	if (c->in < 1 || c->in > (1 << 24))
		return gg_fail(err, "in: %d is out of range 1..%d", c->in, 1 << 24);
	/* Labels are uint8_t. */
	if (c->classes < 2 || c->classes > 256)
		return gg_fail(err, "classes: %d is out of range 2..256", c->classes);
	if (c->width < 1 || c->width > 65536)
		return gg_fail(err, "width: %d is out of range 1..65536", c->width);
	if (c->act != NN_RELU && c->act != NN_TANH)
		return gg_fail(err, "act: %d is not relu or tanh", (int)c->act);
	if (c->kind == NN_CNN || c->kind == NN_RESNET)
		return nn_convnet_check(c, err);
	if (c->kind == NN_MLP) {
		if (c->depth < 0 || c->depth > 64)
			return gg_fail(err, "depth: %d is out of range 0..64", c->depth);
		if (c->norm != NN_NORM_NONE && c->norm != NN_NORM_BN && c->norm != NN_NORM_GBN)
			return gg_fail(err, "norm: %d is not none, bn or gbn", (int)c->norm);
		/* A ghost batch of one row normalizes everything to β. */
		if (c->norm == NN_NORM_GBN && (c->ghost < 2 || c->ghost > 1 << 20))
			return gg_fail(err, "ghost: %d is out of range 2..%d", c->ghost, 1 << 20);
		return 0;
	}
	if (c->norm != NN_NORM_NONE)
		return gg_fail(err, "norm: nais models take no batch norm (norm must be none)");
	if (c->blocks < 1 || c->blocks > 64)
		return gg_fail(err, "blocks: %d is out of range 1..64", c->blocks);
	if (c->stages < 1 || c->stages > 1000)
		return gg_fail(err, "stages: %d is out of range 1..1000", c->stages);
	/* h ≤ 1 is what the stability guarantee needs; up to 2 is allowed for experiments. */
	if (!(c->h > 0.0f && c->h <= 2.0f))
		return gg_fail(err, "h: %g is out of range (0, 2] (the guarantee needs h <= 1)",
			       (double)c->h);
	if (!(c->eps > 0.0f && c->eps < 0.5f))
		return gg_fail(err, "eps: %g is out of range (0, 0.5)", (double)c->eps);
	if (c->stable != 0 && c->stable != 1)
		return gg_fail(err, "stable: %d is not 0 or 1", c->stable);
	return c->channels ? nn_convnet_check(c, err) : 0;
}

static const char *act_name(nn_act a)
{
	return a == NN_TANH ? "tanh" : "relu";
}

void nn_config_describe(const nn_config *c, char *buf, size_t len)
{
	if (!len)
		return;
	if (nn_config_is_conv(c)) {
		nn_convnet_describe(c, buf, len);
		return;
	}
	if (c->kind == NN_NAIS) {
		snprintf(buf, len, "nais %d-%d %dx%d h=%g %s%s%s", c->in, c->width, c->blocks,
			 c->stages, (double)c->h, c->stable ? "stable" : "free",
			 c->act == NN_TANH ? "" : " ", c->act == NN_TANH ? "" : act_name(c->act));
		return;
	}
	char norm[32] = "";
	if (c->norm == NN_NORM_BN)
		snprintf(norm, sizeof norm, " bn");
	else if (c->norm == NN_NORM_GBN)
		snprintf(norm, sizeof norm, " gbn%d", c->ghost);
	if (c->depth > 0)
		snprintf(buf, len, "mlp %d-%dx%d-%d %s%s", c->in, c->width, c->depth, c->classes,
			 act_name(c->act), norm);
	else
		snprintf(buf, len, "mlp %d-%d", c->in, c->classes);
}

/* ---- construction ------------------------------------------------------------------- */

static void add_dense(nn_model *m, dense_plan *p, const char *layer, int O, int I)
{
	int l = nn_add_layer(m, layer);
	p->w = nn_add_view(m, l, "w", O, I);
	p->b = nn_add_view(m, l, "b", 1, O);
	p->gamma = p->beta = -1;
}

static size_t up16(size_t n)
{
	/* 64-byte alignment for every sub-buffer of an arena. */
	return (n + 15) & ~(size_t)15;
}

static float *align64(float *raw)
{
	return (float *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
}

/* Views, layers and buffer offsets from the configuration alone, so clone can rebuild the
 * same layout and copy the floats. Allocates params/grads/buf zeroed. */
static nn_model *build(const nn_config *cfg)
{
	nn_model *m = gg_xcalloc(1, sizeof *m);
	struct nn_work *w = gg_xcalloc(1, sizeof *w);
	m->cfg = *cfg;
	m->work = w;
	int W = cfg->width, nb = cfg->kind == NN_NAIS ? cfg->blocks : 0;
	w->nhid = cfg->kind == NN_MLP ? cfg->depth : 1;
	int maxl = 2 * w->nhid + nb + 1, maxv = 4 * w->nhid + 3 * nb + 2;
	m->layer_names = gg_xcalloc((size_t)maxl, sizeof *m->layer_names);
	m->views = gg_xcalloc((size_t)maxv, sizeof *m->views);
	w->hid = gg_xcalloc((size_t)w->nhid + 1, sizeof *w->hid);
	w->blk = gg_xcalloc((size_t)nb + 1, sizeof *w->blk);
	w->z = gg_xcalloc((size_t)w->nhid + 1, sizeof *w->z);
	w->a = gg_xcalloc((size_t)w->nhid + 1, sizeof *w->a);
	w->rstd = gg_xcalloc((size_t)w->nhid + 1, sizeof *w->rstd);
	w->c = gg_xcalloc((size_t)nb + 1, sizeof *w->c);
	w->X = gg_xcalloc((size_t)nb + 1, sizeof *w->X);
	w->S = gg_xcalloc((size_t)nb + 1, sizeof *w->S);
	w->Amat = gg_xcalloc((size_t)nb + 1, sizeof *w->Amat);

	char name[24];
	int I = cfg->in;
	if (cfg->kind == NN_MLP) {
		for (int l = 0; l < cfg->depth; l++) {
			dense_plan *p = &w->hid[l];
			snprintf(name, sizeof name, "fc%d", l + 1);
			add_dense(m, p, name, W, I);
			if (cfg->norm != NN_NORM_NONE) {
				snprintf(name, sizeof name, "bn%d", l + 1);
				int li = nn_add_layer(m, name);
				p->gamma = nn_add_view(m, li, "gamma", 1, W);
				p->beta = nn_add_view(m, li, "beta", 1, W);
				p->run_mean = m->nbuf;
				p->run_var = m->nbuf + (size_t)W;
				m->nbuf += 2 * (size_t)W;
			}
			I = W;
		}
	} else {
		add_dense(m, &w->hid[0], "fc1", W, I);
		I = W;
		for (int i = 0; i < nb; i++) {
			block_plan *p = &w->blk[i];
			snprintf(name, sizeof name, "nais%d", i + 1);
			int li = nn_add_layer(m, name);
			p->P = nn_add_view(m, li, cfg->stable ? "R" : "A", W, W);
			p->Bm = nn_add_view(m, li, "B", W, W);
			p->b = nn_add_view(m, li, "b", 1, W);
		}
		size_t nn2 = up16((size_t)W * W);
		w->fixed_raw = gg_xmalloc(((size_t)nb + 2) * nn2 * sizeof(float) + 64);
		float *f = align64(w->fixed_raw);
		for (int i = 0; i < nb; i++)
			w->Amat[i] = f + (size_t)i * nn2;
		w->dA = f + (size_t)nb * nn2;
		w->sym = f + ((size_t)nb + 1) * nn2;
	}
	dense_plan head;
	add_dense(m, &head, "head", cfg->classes, I);
	w->head_w = head.w;
	w->head_b = head.b;

	m->params = gg_xcalloc(m->nparams, sizeof *m->params);
	m->grads = gg_xcalloc(m->nparams, sizeof *m->grads);
	m->buf = gg_xcalloc(m->nbuf, sizeof *m->buf);
	return m;
}

static void fill_normal(gg_rng *r, float *x, size_t n, double std)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(std * gg_rng_normal(r));
}

/* He for ReLU nets (variance-preserving through a rectifier), Xavier for tanh. */
static void init_dense(const nn_model *m, gg_rng *r, int v)
{
	const nn_view *w = &m->views[v];
	double fin = w->cols, fout = w->rows;
	double std = m->cfg.act == NN_RELU ? sqrt(2.0 / fin) : sqrt(2.0 / (fin + fout));
	fill_normal(r, par(m, v), (size_t)w->rows * w->cols, std);
}

static double frobenius(const float *x, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return sqrt(s);
}

/* If ‖RᵀR‖_F > δ = 1 − 2ε, scale R by √(δ'/‖RᵀR‖_F). δ' sits a hair (1e-5) inside δ so the
 * rounding of the rescaled R never leaves the norm just above δ, which would make every
 * later call "rescale" again and inflate the lab's rescale-fraction gauge. tmp[n][n]. */
static int project_R(float *R, float *tmp, int n, float eps)
{
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1.0f, R, n, R, n, 0.0f,
		    tmp, n);
	double f = frobenius(tmp, (size_t)n * n), delta = 1.0 - 2.0 * (double)eps;
	if (!(f > delta))
		return 0;
	float s = (float)sqrt(delta * (1.0 - 1e-5) / f);
	for (size_t i = 0; i < (size_t)n * n; i++)
		R[i] *= s;
	return 1;
}

static void init_params(nn_model *m, uint64_t seed)
{
	const nn_config *c = &m->cfg;
	struct nn_work *w = m->work;
	gg_rng r;
	gg_rng_seed(&r, seed);
	for (int l = 0; l < w->nhid; l++) {
		const dense_plan *p = &w->hid[l];
		init_dense(m, &r, p->w);
		if (p->gamma >= 0) {
			float *g = par(m, p->gamma);
			for (int j = 0; j < c->width; j++)
				g[j] = 1.0f;
			float *rv = m->buf + p->run_var;
			for (int j = 0; j < c->width; j++)
				rv[j] = 1.0f;
		}
	}
	int n = c->width;
	for (int i = 0; c->kind == NN_NAIS && i < c->blocks; i++) {
		const block_plan *p = &w->blk[i];
		/* Both variants draw the same R, so a free block starts from exactly the A a
		 * stable block with the same seed starts from. */
		float *R = c->stable ? par(m, p->P) : w->sym;
		fill_normal(&r, R, (size_t)n * n, sqrt(1.0 / n));
		project_R(R, w->dA, n, c->eps);
		if (!c->stable)
			nn_nais_matrix(par(m, p->P), R, n, c->eps);
		fill_normal(&r, par(m, p->Bm), (size_t)n * n, sqrt(1.0 / n)); /* Xavier */
	}
	init_dense(m, &r, w->head_w);
}

double nn_model_flops(const nn_model *m)
{
	double f; /* one example's forward */
	if (m->conv) {
		f = nn_convnet_flops(m);
	} else {
		/* every weight once (2 flops a multiply-add), and a dense NAIS block's A (n x n)
		 * at each of its K stages rather than once */
		f = 2.0 * (double)m->nparams;
		if (m->cfg.kind == NN_NAIS)
			f += 2.0 * m->cfg.blocks * (m->cfg.stages - 1) * (double)m->cfg.width * m->cfg.width;
	}
	return 3 * f; /* forward, and backward's two products */
}

nn_model *nn_model_new(const nn_config *cfg, uint64_t seed, char *err)
{
	if (nn_config_check(cfg, err) < 0)
		return NULL;
	nn_model *m;
	if (nn_config_is_conv(cfg)) {
		m = nn_convnet_build(cfg);
		nn_convnet_init(m, seed);
		return m;
	}
	m = build(cfg);
	init_params(m, seed);
	return m;
}

nn_model *nn_model_clone(const nn_model *src)
{
	nn_model *m = src->conv ? nn_convnet_build(&src->cfg) : build(&src->cfg);
	memcpy(m->params, src->params, m->nparams * sizeof *m->params);
	memcpy(m->grads, src->grads, m->nparams * sizeof *m->grads);
	memcpy(m->buf, src->buf, m->nbuf * sizeof *m->buf);
	return m;
}

void nn_model_free(nn_model *m)
{
	if (!m)
		return;
	nn_convnet_free(m->conv);
	struct nn_work *w = m->work;
	if (w) {
		free(w->hid);
		free(w->blk);
		free(w->z);
		free(w->a);
		free(w->rstd);
		free(w->c);
		free(w->X);
		free(w->S);
		free(w->Amat);
		free(w->fixed_raw);
		free(w->train_raw);
		free(w->eval_raw);
		free(w->plan);
		free(w);
	}
	free(m->params);
	free(m->grads);
	free(m->buf);
	free(m->views);
	free(m->layer_names);
	free(m);
}

const nn_view *nn_model_view(const nn_model *m, const char *name)
{
	for (int i = 0; i < m->nviews; i++)
		if (!strcmp(m->views[i].name, name))
			return &m->views[i];
	return NULL;
}

void nn_model_set_ghost(nn_model *m, int ghost)
{
	/* Clamped like nn_config_check's range: a one-row ghost normalizes everything away. */
	m->cfg.ghost = ghost < 2 ? 2 : ghost;
}

/* ---- work buffers ------------------------------------------------------------------- */

static int nghost(int B, int G)
{
	return G > 0 && G < B ? (B + G - 1) / G : 1;
}

/* Carves the training arena for B rows and ng ghost batches; with base == NULL it only
 * measures. Returns the size in floats. */
static size_t layout_train(nn_model *m, float *base, int B, int ng)
{
	struct nn_work *w = m->work;
	const nn_config *c = &m->cfg;
	size_t off = 0, BW = (size_t)B * c->width;
#define TAKE(ptr, count)                        \
	do {                                    \
		if (base)                       \
			(ptr) = base + off;     \
		off += up16(count);             \
	} while (0)
	for (int l = 0; l < w->nhid; l++) {
		if (w->hid[l].gamma >= 0) {
			TAKE(w->z[l], BW);
			TAKE(w->rstd[l], (size_t)ng * c->width);
		}
		TAKE(w->a[l], BW);
	}
	for (int i = 0; c->kind == NN_NAIS && i < c->blocks; i++) {
		TAKE(w->c[i], BW);
		TAKE(w->X[i], (size_t)c->stages * BW);
		TAKE(w->S[i], (size_t)c->stages * BW);
	}
	TAKE(w->logits, (size_t)B * c->classes);
	TAKE(w->d0, BW);
	TAKE(w->d1, BW);
#undef TAKE
	return off;
}

/* Grows (never shrinks) the training arena so a step of B rows fits. Only activations
 * live there, so reallocating loses nothing a later step needs. */
void nn_mlp_reserve_train(nn_model *m, int B)
{
	struct nn_work *w = m->work;
	int ng = nghost(B, nn_mlp_ghost(m));
	if (w->train_raw && B <= w->cap_B && ng <= w->cap_ng)
		return;
	int capB = B > w->cap_B ? B : w->cap_B, capng = ng > w->cap_ng ? ng : w->cap_ng;
	free(w->train_raw);
	size_t n = layout_train(m, NULL, capB, capng);
	w->train_raw = gg_xmalloc(n * sizeof(float) + 64);
	layout_train(m, align64(w->train_raw), capB, capng);
	w->cap_B = capB;
	w->cap_ng = capng;
}

static void reserve_eval(nn_model *m)
{
	struct nn_work *w = m->work;
	if (w->eval_raw)
		return;
	size_t bw = up16((size_t)EVAL_CHUNK * m->cfg.width);
	size_t bc = up16((size_t)EVAL_CHUNK * m->cfg.classes);
	w->eval_raw = gg_xmalloc((4 * bw + bc) * sizeof(float) + 64);
	float *f = align64(w->eval_raw);
	for (int i = 0; i < 4; i++)
		w->e[i] = f + (size_t)i * bw;
	w->elogits = f + 4 * bw;
}

/* ---- forward / backward ------------------------------------------------------------- */

/* The A each block uses this pass: formed from R (stable) or the parameter itself. */
static const float *block_A(nn_model *m, int i)
{
	struct nn_work *w = m->work;
	return m->cfg.stable ? w->Amat[i] : par(m, w->blk[i].P);
}

static void form_A(nn_model *m)
{
	struct nn_work *w = m->work;
	for (int i = 0; m->cfg.stable && i < m->cfg.blocks; i++)
		nn_nais_matrix(w->Amat[i], par(m, w->blk[i].P), m->cfg.width, m->cfg.eps);
}

/* Training forward of x[B][in] into w->logits[B][classes]; returns the head's input. */
static const float *forward_train(nn_model *m, const float *x, int B)
{
	struct nn_work *w = m->work;
	const nn_config *c = &m->cfg;
	int W = c->width, I = c->in, G = nn_mlp_ghost(m);
	size_t BW = (size_t)B * W;
	const float *in = x; /* [B][I] */
	for (int l = 0; l < w->nhid; l++) {
		const dense_plan *p = &w->hid[l];
		if (p->gamma >= 0) {
			/* z[B][W] = in·Wᵀ + b; x̂ overwrites z; a = act(γ·x̂ + β) */
			nn_dense_forward(w->z[l], in, par(m, p->w), par(m, p->b), B, I, W);
			nn_bn_forward(w->a[l], w->z[l], w->rstd[l], w->z[l], par(m, p->gamma),
				      par(m, p->beta), m->buf + p->run_mean, m->buf + p->run_var, B,
				      W, G, 1);
		} else {
			nn_dense_forward(w->a[l], in, par(m, p->w), par(m, p->b), B, I, W);
		}
		nn_act_forward(c->act, w->a[l], BW);
		in = w->a[l];
		I = W;
	}
	if (c->kind == NN_NAIS) {
		form_A(m);
		size_t last = (size_t)(c->stages - 1) * BW;
		for (int i = 0; i < c->blocks; i++) {
			const block_plan *p = &w->blk[i];
			nn_nais_forward(w->X[i], w->S[i], w->c[i], in, block_A(m, i), par(m, p->Bm),
					par(m, p->b), B, W, c->stages, c->h, c->act);
			in = w->X[i] + last; /* x(K) of block i is u of block i+1 */
		}
	}
	nn_dense_forward(w->logits, in, par(m, w->head_w), par(m, w->head_b), B, I, c->classes);
	return in;
}

/* Backward from dlogits in w->logits; head_in is what forward_train returned. */
static void backward(nn_model *m, const float *x, const float *head_in, int B)
{
	struct nn_work *w = m->work;
	const nn_config *c = &m->cfg;
	int W = c->width, G = nn_mlp_ghost(m);
	size_t BW = (size_t)B * W;
	int I = w->nhid ? W : c->in; /* head fan-in: nhid == 0 only for a depth-0 mlp */
	float *d = w->d0, *dn = w->d1; /* [B][W] */
	nn_dense_backward(w->nhid ? d : NULL, grd(m, w->head_w), grd(m, w->head_b), w->logits,
			  head_in, par(m, w->head_w), B, I, c->classes);
	if (c->kind == NN_NAIS) {
		size_t last = (size_t)(c->stages - 1) * BW;
		for (int i = c->blocks - 1; i >= 0; i--) {
			const block_plan *p = &w->blk[i];
			const float *u = i ? w->X[i - 1] + last : w->a[0];
			float *dA = c->stable ? w->dA : grd(m, p->P);
			if (c->stable)
				memset(dA, 0, (size_t)W * W * sizeof *dA);
			/* d = dL/dx(K) on entry, dL/du after (du aliases gx by design). */
			nn_nais_backward(d, dA, grd(m, p->Bm), grd(m, p->b), d, dn, u, block_A(m, i),
					 par(m, p->Bm), w->X[i], w->S[i], B, W, c->stages, c->h,
					 c->act);
			if (c->stable)
				nn_nais_dR(grd(m, p->P), w->sym, dA, par(m, p->P), W);
		}
	}
	for (int l = w->nhid - 1; l >= 0; l--) {
		const dense_plan *p = &w->hid[l];
		nn_act_backward(c->act, d, w->a[l], BW);
		if (p->gamma >= 0)
			nn_bn_backward(d, grd(m, p->gamma), grd(m, p->beta), d, w->z[l], w->rstd[l],
				       par(m, p->gamma), B, W, G);
		/* The first layer's input gradient has no consumer: skip that sgemm. */
		nn_dense_backward(l ? dn : NULL, grd(m, p->w), grd(m, p->b), d,
				  l ? w->a[l - 1] : x, par(m, p->w), B, l ? W : c->in, W);
		float *t = d;
		d = dn;
		dn = t;
	}
}

float nn_model_grad(nn_model *m, const float *x, const uint8_t *y, int B)
{
	if (m->conv)
		return nn_convnet_grad(m, x, y, B);
	memset(m->grads, 0, m->nparams * sizeof *m->grads);
	if (B <= 0)
		return NAN;
	nn_mlp_reserve_train(m, B);
	struct nn_work *w = m->work;
	int C = m->cfg.classes;
	const float *head_in = forward_train(m, x, B);
	double loss = nn_xent_forward(w->logits, w->logits, y, B, C);
	nn_xent_backward(w->logits, w->logits, y, B, C);
	backward(m, x, head_in, B);
	return (float)(loss / B);
}

/* Eval forward of x[B][in], B ≤ EVAL_CHUNK, into w->elogits; K stages per NAIS block. */
static void forward_eval(nn_model *m, const float *x, int B, int K)
{
	struct nn_work *w = m->work;
	const nn_config *c = &m->cfg;
	int W = c->width, I = c->in;
	size_t BW = (size_t)B * W;
	const float *in = x;
	float *cur = w->e[0], *spare = w->e[1]; /* [B][W] */
	for (int l = 0; l < w->nhid; l++) {
		const dense_plan *p = &w->hid[l];
		nn_dense_forward(cur, in, par(m, p->w), par(m, p->b), B, I, W);
		if (p->gamma >= 0)
			nn_bn_forward(cur, NULL, NULL, cur, par(m, p->gamma), par(m, p->beta),
				      m->buf + p->run_mean, m->buf + p->run_var, B, W, 0, 0);
		nn_act_forward(c->act, cur, BW);
		in = cur;
		cur = spare;
		spare = (float *)in;
		I = W;
	}
	for (int i = 0; c->kind == NN_NAIS && i < c->blocks; i++) {
		/* cur is free, in holds u; c and s are e[2], e[3]. No states are kept, so K may
		 * exceed the training depth. */
		const block_plan *p = &w->blk[i];
		float *cc = w->e[2], *s = w->e[3];
		nn_dense_forward(cc, in, par(m, p->Bm), par(m, p->b), B, W, W);
		for (int k = 0; k < K; k++)
			nn_nais_stage(cur, s, k ? cur : NULL, cc, block_A(m, i), B, W, c->h, c->act);
		spare = (float *)in;
		in = cur;
		cur = spare;
	}
	nn_dense_forward(w->elogits, in, par(m, w->head_w), par(m, w->head_b), B, I, c->classes);
}

int nn_model_eval_rows(const nn_model *m)
{
	return m->conv ? NN_CONV_CHUNK : EVAL_CHUNK;
}

void nn_model_copy_weights(nn_model *dst, const nn_model *src)
{
	memcpy(dst->params, src->params, src->nparams * sizeof *dst->params);
	memcpy(dst->buf, src->buf, src->nbuf * sizeof *dst->buf);
}

void nn_model_eval(nn_model *m, const float *x, const uint8_t *y, int n, int stages,
		   double *loss_sum, long *nerr, float *probs)
{
	int C = m->cfg.classes, K = stages > 0 ? stages : m->cfg.stages;
	int chunk = nn_model_eval_rows(m);
	if (!m->conv)
		reserve_eval(m);
	if (m->cfg.kind == NN_NAIS && !m->conv)
		form_A(m);
	double loss = 0;
	long errs = 0;
	for (int r0 = 0; r0 < n; r0 += chunk) {
		int B = n - r0 < chunk ? n - r0 : chunk;
		const float *xb = x + (size_t)r0 * m->cfg.in;
		float *lg;
		if (m->conv) {
			lg = nn_convnet_forward_eval(m, xb, B, K);
		} else {
			forward_eval(m, xb, B, K);
			lg = m->work->elogits;
		}
		const uint8_t *yb = y ? y + r0 : NULL;
		loss += nn_xent_forward(lg, lg, yb, B, C);
		for (int r = 0; yb && r < B; r++) {
			const float *p = lg + (size_t)r * C;
			int best = 0; /* ties go to the lowest class, like argmax */
			for (int j = 1; j < C; j++)
				if (p[j] > p[best])
					best = j;
			errs += best != yb[r];
		}
		if (probs)
			memcpy(probs + (size_t)r0 * C, lg, (size_t)B * C * sizeof *probs);
	}
	if (loss_sum)
		*loss_sum += loss;
	if (nerr)
		*nerr += errs;
}

int nn_model_project(nn_model *m)
{
	if (m->conv)
		return nn_convnet_project(m);
	if (m->cfg.kind != NN_NAIS || !m->cfg.stable)
		return 0;
	int count = 0;
	for (int i = 0; i < m->cfg.blocks; i++)
		count += project_R(par(m, m->work->blk[i].P), m->work->dA, m->cfg.width, m->cfg.eps);
	return count;
}

int nn_nais_probe(nn_model *m, const float *x, int B, int blk, int K, float tol, float *A,
		  float *last3, int *used)
{
	const nn_config *c = &m->cfg;
	if (m->conv || c->kind != NN_NAIS || blk < 0 || blk >= c->blocks || B < 1 || B > EVAL_CHUNK)
		return -1;
	if (K <= 0)
		K = c->stages;
	if (K < 3)
		K = 3;
	reserve_eval(m);
	form_A(m);
	struct nn_work *w = m->work;
	int W = c->width;
	size_t BW = (size_t)B * W;
	memcpy(A, block_A(m, blk), (size_t)W * W * sizeof *A);
	/* the input projection, then the blocks before blk at their training depth */
	float *u = w->e[0], *cur = w->e[1], *cc = w->e[2], *s = w->e[3];
	const dense_plan *p = &w->hid[0];
	nn_dense_forward(u, x, par(m, p->w), par(m, p->b), B, c->in, W);
	nn_act_forward(c->act, u, BW);
	for (int i = 0; i < blk; i++) {
		const block_plan *q = &w->blk[i];
		nn_dense_forward(cc, u, par(m, q->Bm), par(m, q->b), B, W, W);
		for (int k = 0; k < c->stages; k++)
			nn_nais_stage(cur, s, k ? cur : NULL, cc, block_A(m, i), B, W, c->h, c->act);
		float *t = u;
		u = cur;
		cur = t;
	}
	/* block blk: the last three states rotate through last3 */
	const block_plan *q = &w->blk[blk];
	nn_dense_forward(cc, u, par(m, q->Bm), par(m, q->b), B, W, W);
	if (used)
		for (int b = 0; b < B; b++)
			used[b] = 0;
	float *prev = NULL;
	for (int k = 0; k < K; k++) {
		float *next = last3 + (size_t)(k % 3) * BW;
		nn_nais_stage(next, s, prev, cc, block_A(m, blk), B, W, c->h, c->act);
		nn_mark_settled(used, prev, next, B, (size_t)W, tol, k);
		prev = next;
	}
	for (int b = 0; used && b < B; b++)
		if (!used[b])
			used[b] = K;
	nn_ring3_order(last3, BW, K);
	return 0;
}
