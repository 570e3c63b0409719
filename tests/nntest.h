/* nntest.h — helpers of the neural-network tests (test_nn.c, test_grad.c): vectors, and a
 * reference forward of whole models (nntest.c). */
#ifndef GGLAB_NNTEST_H
#define GGLAB_NNTEST_H

#include <stddef.h>
#include <stdint.h>

#include "gglab/nn.h"
#include "gglab/rng.h"
#include "gglab/util.h"

static inline float *fvec(size_t n)
{
	return gg_xcalloc(n, sizeof(float));
}

static inline void fill(gg_rng *r, float *x, size_t n, float scale, float offset)
{
	for (size_t i = 0; i < n; i++)
		x[i] = offset + scale * gg_rng_normal(r);
}

static inline double dot(const float *a, const float *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

/* A parameter view of m by name (aborts when there is none). */
float *vp(nn_model *m, const char *name);
/* Mean loss of x[B][in] (train: batch statistics; eval: running statistics), computed from
 * the views with the public layer functions, so it checks the model's wiring as well as
 * its gradients. K overrides NAIS stages when > 0. Running statistics are not modified. */
double ref_loss(nn_model *m, const float *x, const uint8_t *y, int B, int train, int K,
		uint64_t *sig, long *nerr, float *probs_out);

#endif
