/* nntest.c — shared by the neural-network tests (test_nn.c, test_grad.c): a reference
 * forward of whole models built from the public layer functions. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/nn.h"
#include "gglab/util.h"
#include "nntest.h"

float *vp(nn_model *m, const char *name)
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
double ref_loss(nn_model *m, const float *x, const uint8_t *y, int B, int train, int K,
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
