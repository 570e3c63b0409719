/* mlp.h — private to src/nn: how model.c lays out a dense model (mlp, dense NAIS-Net),
 * for the files that step one (split.c). */
#ifndef GGLAB_NN_MLP_H
#define GGLAB_NN_MLP_H

#include "gglab/nn.h"

enum { EVAL_CHUNK = 512 };

/* Where a hidden dense layer's tensors live: view indices into m->views (-1 when the layer
 * has no batch norm) and buf offsets of its running statistics. The NAIS input projection
 * uses the same record without the norm. */
typedef struct {
	int w, b, gamma, beta;
	size_t run_mean, run_var;
} dense_plan;

typedef struct {
	int P; /* "naisK.R" (stable) or "naisK.A" (free) */
	int Bm, b;
} block_plan;

struct nn_work {
	int nhid;         /* mlp: depth; nais: 1 (the input projection) */
	dense_plan *hid;  /* [nhid] */
	block_plan *blk;  /* [blocks] */
	int head_w, head_b;

	/* Independent of the batch size (nais only): */
	float *fixed_raw;
	float **Amat;     /* [blocks] A[n][n] = −RᵀR − εI, formed once per forward (stable) */
	float *dA, *sym;  /* [n][n] scratch for the chain rule through R and the projection */

	/* Training activations, for up to cap_B rows and cap_ng ghost batches: */
	float *train_raw;
	int cap_B, cap_ng;
	float **z;        /* [nhid] z[B][W]: dense output, overwritten by x̂ (bn layers only) */
	float **a;        /* [nhid] a[B][W]: post-activation, the next layer's input */
	float **rstd;     /* [nhid] rstd[ng][W] (bn layers only) */
	float **c, **X, **S; /* [blocks] c[B][n], X[K][B][n], S[K][B][n] */
	float *logits;    /* [B][C] logits, then probs, then dlogits (in place) */
	float *d0, *d1;   /* [B][W] activation-gradient ping-pong */

	/* Evaluation, EVAL_CHUNK rows: */
	float *eval_raw;
	float *e[4];      /* [EVAL_CHUNK][W] */
	float *elogits;   /* [EVAL_CHUNK][C] */

	void *plan; /* how a step splits over a team (split.c); one allocation */
};

static inline float *par(const nn_model *m, int v)
{
	return m->params + m->views[v].off;
}

static inline float *grd(const nn_model *m, int v)
{
	return m->grads + m->views[v].off;
}

/* The ghost batch size of a model's batch norm; 0 for plain BN (one batch). */
static inline int nn_mlp_ghost(const nn_model *m)
{
	return m->cfg.norm == NN_NORM_GBN ? m->cfg.ghost : 0;
}

/* Grows (never shrinks) the training arena so a step of B rows fits. */
void nn_mlp_reserve_train(nn_model *m, int B);

#endif
