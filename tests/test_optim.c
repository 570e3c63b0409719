/* test_optim.c — the fast optimizer step (chunked, fused norm, one copy of the loops per
 * vector unit) against a plain scalar reference written here, bit for bit: every SGD
 * variant and AdamW, with and without clipping, over a length that is neither a multiple
 * of 8 nor of the chunk, for several steps. It includes optim.c itself, so each copy of
 * the loops (plain, AVX2, AVX-512) is checked on a CPU that has it, not only the one
 * nn_opt_step picks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/nn/optim.c"
#include "test.h"

/* The reference: torch.optim semantics, one element at a time. */
static float ref_step(const nn_opt_config *c, long t, float *w, float *g, float *m, float *v, size_t n,
		      float lr)
{
	double s[8] = { 0 };
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++)
			s[j] += (double)g[i + j] * g[i + j];
	for (; i < n; i++)
		s[0] += (double)g[i] * g[i];
	double norm = sqrt(((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])));
	if (c->clip > 0 && isfinite(norm) && c->clip / (norm + 1e-6) < 1.0) {
		float cf = (float)(c->clip / (norm + 1e-6));
		for (i = 0; i < n; i++)
			g[i] *= cf;
	}
	if (c->kind == NN_ADAMW) {
		float decay = 1.0f - lr * c->wd;
		float step = (float)(lr / (1.0 - pow(c->beta1, (double)t)));
		float isbc2 = (float)(1.0 / sqrt(1.0 - pow(c->beta2, (double)t)));
		for (i = 0; i < n; i++) {
			w[i] *= decay;
			m[i] = c->beta1 * m[i] + (1.0f - c->beta1) * g[i];
			v[i] = c->beta2 * v[i] + (1.0f - c->beta2) * g[i] * g[i];
			w[i] -= step * m[i] / (sqrtf(v[i]) * isbc2 + c->adam_eps);
		}
	} else {
		for (i = 0; i < n; i++) {
			float gi = g[i] + c->wd * w[i];
			if (c->momentum == 0.0f) {
				w[i] -= lr * gi;
			} else if (c->nesterov) {
				float b = c->momentum * m[i] + gi;
				m[i] = b;
				w[i] -= lr * (gi + c->momentum * b);
			} else {
				float b = c->momentum * m[i] + g[i] + c->wd * w[i]; /* gglab's order */
				m[i] = b;
				w[i] -= lr * b;
			}
		}
	}
	return (float)norm;
}

static void fill(float *x, size_t n, unsigned seed, float scale)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		x[i] = scale * ((float)(seed >> 8) / 16777216.0f - 0.5f);
	}
}

static void one(const char *what, nn_opt_kind kind, float mom, int nesterov, float wd, float clip)
{
	const size_t n = 10007;
	nn_opt_config c;
	nn_opt_config_default(&c, kind);
	if (kind == NN_SGD)
		c.momentum = mom;
	c.nesterov = nesterov;
	c.wd = wd;
	c.clip = clip;
	nn_opt o;
	nn_opt_init(&o, &c, n);
	float *w = malloc(n * sizeof *w), *w2 = malloc(n * sizeof *w), *g = malloc(n * sizeof *g),
	      *g2 = malloc(n * sizeof *g), *m = calloc(n, sizeof *m), *v = calloc(n, sizeof *v);
	fill(w, n, 1, 2.0f);
	memcpy(w2, w, n * sizeof *w);
	int same = 1, norms = 1;
	for (long t = 1; t <= 5; t++) {
		fill(g, n, (unsigned)(7 + t), 3.0f);
		memcpy(g2, g, n * sizeof *g);
		float a = nn_opt_step(&o, w, g, 0.05f);
		float b = ref_step(&c, t, w2, g2, m, v, n, 0.05f);
		norms &= a == b;
		same &= !memcmp(w, w2, n * sizeof *w) && !memcmp(o.m, m, n * sizeof *m) &&
			(!o.v || !memcmp(o.v, v, n * sizeof *v));
	}
	CHECK(same, "%s: parameters and moments equal the reference bit for bit", what);
	CHECK(norms, "%s: the returned gradient norm equals the reference's", what);
	nn_opt_free(&o);
	free(w), free(w2), free(g), free(g2), free(m), free(v);
}

/* One copy of the loops against the reference, on its own. */
static void variant(const char *name, const kernels *kn)
{
	const size_t n = 4099;
	nn_opt_config c;
	nn_opt_config_default(&c, NN_SGD);
	c.wd = 1e-3f;
	float *w = malloc(n * sizeof *w), *w2 = malloc(n * sizeof *w), *g = malloc(n * sizeof *g),
	      *m = calloc(n, sizeof *m), *m2 = calloc(n, sizeof *m), *v = calloc(n, sizeof *v),
	      *v2 = calloc(n, sizeof *v);
	fill(w, n, 3, 1.0f);
	memcpy(w2, w, n * sizeof *w);
	fill(g, n, 4, 2.0f);
	double s[8] = { 0 };
	kn->norm(s, g, n);
	for (int nest = 0; nest < 2; nest++) {
		c.nesterov = nest;
		kn->sgd(&c, w, g, m, n, 0.1f);
	}
	nn_opt_config a;
	nn_opt_config_default(&a, NN_ADAMW);
	adamw_k k = { a.beta1, a.beta2, a.adam_eps, 0.999f, 0.01f, 1.5f };
	kn->adamw(&k, w, g, m, v, n);
	/* the reference, with the same calls in the same order */
	float *g2 = malloc(n * sizeof *g);
	memcpy(g2, g, n * sizeof *g);
	float norm = 0;
	for (int nest = 0; nest < 2; nest++) {
		c.nesterov = nest;
		norm = ref_step(&c, 1, w2, g2, m2, NULL, n, 0.1f);
	}
	for (size_t i = 0; i < n; i++) {
		w2[i] *= k.decay;
		m2[i] = k.b1 * m2[i] + (1.0f - k.b1) * g2[i];
		v2[i] = k.b2 * v2[i] + (1.0f - k.b2) * g2[i] * g2[i];
		w2[i] -= k.step * m2[i] / (sqrtf(v2[i]) * k.isbc2 + k.eps);
	}
	CHECK((float)lanes_norm(s) == norm, "%s: the norm's lanes", name);
	CHECK(!memcmp(w, w2, n * sizeof *w) && !memcmp(m, m2, n * sizeof *m) && !memcmp(v, v2, n * sizeof *v),
	      "%s: sgd, nesterov and adamw loops equal the reference bit for bit", name);
	free(w), free(w2), free(g), free(g2), free(m), free(m2), free(v), free(v2);
}

int main(void)
{
	static const kernels plain = { norm_lanes_plain, sgd_update_plain, adamw_update_plain };
	variant("plain", &plain);
#ifdef GG_WIDE
	static const kernels avx2 = { norm_lanes_avx2, sgd_update_avx2, adamw_update_avx2 };
	static const kernels avx512 = { norm_lanes_avx512, sgd_update_avx512, adamw_update_avx512 };
	if (__builtin_cpu_supports("avx2"))
		variant("avx2", &avx2);
	else
		printf("SKIP: the AVX2 loops (this CPU has no AVX2)\n");
	if (__builtin_cpu_supports("avx512f"))
		variant("avx512", &avx512);
	else
		printf("SKIP: the AVX-512 loops (this CPU has no AVX-512)\n");
#endif
	one("sgd", NN_SGD, 0.0f, 0, 0.0f, 0.0f);
	one("sgd momentum", NN_SGD, 0.9f, 0, 0.0f, 0.0f);
	one("sgd momentum wd", NN_SGD, 0.9f, 0, 1e-3f, 0.0f);
	one("sgd nesterov wd", NN_SGD, 0.9f, 1, 1e-3f, 0.0f);
	one("sgd momentum clip", NN_SGD, 0.9f, 0, 0.0f, 5.0f);
	one("sgd clip that does not bite", NN_SGD, 0.9f, 0, 0.0f, 1e6f);
	one("adamw", NN_ADAMW, 0.0f, 0, 0.01f, 0.0f);
	one("adamw clip", NN_ADAMW, 0.0f, 0, 0.01f, 1.0f);
	return test_report();
}
