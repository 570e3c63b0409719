/* optim.c — SGD (momentum, Nesterov, L2 weight decay) and AdamW, with PyTorch's semantics
 * so runs can be checked against it, a global-norm gradient clip (Hoffer et al. clip at 5
 * before every step), and the step learning-rate schedule.
 *
 * Optimizer state mirrors the parameter layout, so every update is one flat loop. */
#include "gglab/nn.h"

#include "gglab/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void nn_opt_config_default(nn_opt_config *c, nn_opt_kind kind)
{
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->beta1 = 0.9f;
	c->beta2 = 0.999f;
	c->adam_eps = 1e-8f;
	if (kind == NN_SGD) {
		c->lr = 0.1f;
		c->momentum = 0.9f;
	} else {
		c->lr = 1e-3f;
		c->wd = 0.01f;
	}
}

void nn_opt_init(nn_opt *o, const nn_opt_config *c, size_t n)
{
	o->cfg = *c;
	o->n = n;
	o->m = gg_xcalloc(n, sizeof *o->m);
	o->v = c->kind == NN_ADAMW ? gg_xcalloc(n, sizeof *o->v) : NULL;
	o->t = 0;
}

void nn_opt_free(nn_opt *o)
{
	free(o->m);
	free(o->v);
	o->m = o->v = NULL;
}

void nn_opt_copy(nn_opt *dst, const nn_opt *src)
{
	*dst = *src;
	dst->m = gg_xmalloc(src->n * sizeof *dst->m);
	memcpy(dst->m, src->m, src->n * sizeof *dst->m);
	dst->v = NULL;
	if (src->v) {
		dst->v = gg_xmalloc(src->n * sizeof *dst->v);
		memcpy(dst->v, src->v, src->n * sizeof *dst->v);
	}
}

/* The hot loops are compiled three times (src/nn/optim_kernels.h): plain, AVX2 and
 * AVX-512, and each step runs the widest the CPU has. Elementwise bodies and the fixed
 * 8-lane sums give the same bits in every copy: C11 mode never contracts a·b + c into an
 * FMA, and the vectorizer does not reassociate. (A runtime choice rather than
 * target_clones: an ifunc resolver runs before the sanitizers' runtimes start.) */

/* Floats per chunk: w, g and the moments of one chunk stay in L1 between the norm and
 * the update, so the step reads the gradient from memory once. A multiple of 8. */
enum { CHUNK = 2048 };

/* torch.optim.AdamW: w *= 1 − lr·wd; m, v EMAs; w −= (lr/bc1)·m/(√v/√bc2 + eps). */
typedef struct {
	float b1, b2, eps, decay, step, isbc2;
} adamw_k;

static double lanes_norm(const double s[8])
{
	return sqrt(((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])));
}

#define GG_CAT2(a, b) a##_##b
#define GG_CAT(a, b) GG_CAT2(a, b)
#define K(name) GG_CAT(name, KSFX)
#define KSFX plain
#include "optim_kernels.h"
#undef KSFX
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define GG_WIDE 1
#pragma GCC push_options
#pragma GCC target("avx2")
#define KSFX avx2
#include "optim_kernels.h"
#undef KSFX
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f")
#define KSFX avx512
#include "optim_kernels.h"
#undef KSFX
#pragma GCC pop_options
#endif

typedef struct {
	void (*norm)(double s[8], const float *g, size_t n);
	void (*sgd)(const nn_opt_config *c, float *w, const float *g, float *buf, size_t n, float lr);
	void (*adamw)(const adamw_k *k, float *w, const float *g, float *m, float *v, size_t n);
} kernels;

static const kernels *pick_kernels(void)
{
	static const kernels plain = { norm_lanes_plain, sgd_update_plain, adamw_update_plain };
#ifdef GG_WIDE
	static const kernels avx2 = { norm_lanes_avx2, sgd_update_avx2, adamw_update_avx2 };
	static const kernels avx512 = { norm_lanes_avx512, sgd_update_avx512, adamw_update_avx512 };
	if (__builtin_cpu_supports("avx512f"))
		return &avx512;
	if (__builtin_cpu_supports("avx2"))
		return &avx2;
#endif
	return &plain;
}

static void update(const kernels *kn, nn_opt *o, const adamw_k *k, float *w, const float *g,
		   size_t at, size_t n, float lr)
{
	if (o->cfg.kind == NN_ADAMW)
		kn->adamw(k, w + at, g + at, o->m + at, o->v + at, n);
	else
		kn->sgd(&o->cfg, w + at, g + at, o->m + at, n, lr);
}

/* One step over parts: part p updates [cut[p], cut[p+1]). The norm is one sum in order
 * over every chunk, so part 0 (whose range comes first) sums it: beside its own update,
 * then over the others' gradients, which their updates only read. With a clip the norm
 * comes first and the parts wait for it. */
typedef struct {
	nn_opt *o;
	nn_team *t;
	const kernels *kn;
	adamw_k k;
	float *params, *grads, lr;
	size_t cut[NN_TEAM_MAX + 1];
	double s[8], norm;
} opt_job;

static void opt_part(void *ctx, int p, int parts)
{
	(void)parts;
	opt_job *j = ctx;
	nn_opt *o = j->o;
	size_t a = j->cut[p], b = j->cut[p + 1];
	float *g = j->grads;
	float clip = o->cfg.clip;
	if (clip <= 0.0f) {
		/* no clip: the norm (reported, not used) and the update in one pass */
		for (size_t at = a; at < b; at += CHUNK) {
			size_t n = b - at < CHUNK ? b - at : CHUNK;
			if (!p)
				j->kn->norm(j->s, g + at, n);
			update(j->kn, o, &j->k, j->params, g, at, n, j->lr);
		}
		if (!p) {
			if (b < o->n)
				j->kn->norm(j->s, g + b, o->n - b);
			j->norm = lanes_norm(j->s);
		}
		return;
	}
	if (!p) {
		j->kn->norm(j->s, g, o->n);
		j->norm = lanes_norm(j->s);
	}
	nn_team_barrier(j->t);
	/* torch.nn.utils.clip_grad_norm_: coefficient clip/(norm + 1e-6), applied if < 1.
	 * A non-finite norm is left alone: the update propagates it and the run shows it. */
	if (isfinite(j->norm)) {
		double coef = clip / (j->norm + 1e-6);
		if (coef < 1.0) {
			float cf = (float)coef;
			NN_EACH(i, b - a, g[a + i] *= cf);
		}
	}
	update(j->kn, o, &j->k, j->params, g, a, b - a, j->lr);
}

float nn_opt_step_team(nn_opt *o, nn_team *t, float *params, float *grads, float lr)
{
	/* params[n], grads[n]; grads are scaled in place when clipped. */
	o->t++;
	opt_job j = { .o = o, .t = t, .kn = pick_kernels(), .params = params, .grads = grads, .lr = lr };
	if (o->cfg.kind == NN_ADAMW) {
		double tt = (double)o->t; /* already incremented: the first update has t = 1 */
		j.k = (adamw_k){ o->cfg.beta1, o->cfg.beta2, o->cfg.adam_eps, 1.0f - lr * o->cfg.wd,
				 (float)(lr / (1.0 - pow(o->cfg.beta1, tt))),
				 (float)(1.0 / sqrt(1.0 - pow(o->cfg.beta2, tt))) };
	}
	int P = nn_team_size(t);
	size_t chunks = (o->n + CHUNK - 1) / CHUNK;
	if (chunks < (size_t)P * 4)
		P = 1;
	/* Part 0 also reads the others' gradients for the norm (without a clip): with u
	 * floats of traffic a parameter in an update and 1 in the norm, it takes the share
	 * f0 = (q − 1)/(u − 1 + q), q = u/(P − 1), that evens the parts' traffic. */
	double u = o->cfg.kind == NN_ADAMW ? 7 : o->cfg.momentum != 0.0f ? 5 : 3;
	double f0 = 1.0 / P;
	if (P > 1 && o->cfg.clip <= 0.0f) {
		double q = u / (P - 1);
		f0 = (q - 1) / (u - 1 + q);
	}
	j.cut[0] = 0;
	for (int p = 1; p < P; p++) {
		double f = f0 + (1 - f0) * (p - 1) / (P - 1);
		size_t c = (size_t)(f * chunks + 0.5) * CHUNK;
		j.cut[p] = c > j.cut[p - 1] ? (c < o->n ? c : o->n) : j.cut[p - 1];
	}
	j.cut[P] = o->n;
	if (P > 1) {
		nn_team_run(t, opt_part, &j);
	} else {
		j.t = NULL; /* no barrier to wait at */
		opt_part(&j, 0, 1);
	}
	return (float)j.norm;
}

float nn_opt_step(nn_opt *o, float *params, float *grads, float lr)
{
	return nn_opt_step_team(o, NULL, params, grads, lr);
}

float nn_schedule_lr(const nn_schedule *s, float base, double epoch)
{
	double lr = base;
	for (int i = 0; i < s->n && i < NN_MAX_DROPS; i++)
		if (s->at[i] <= epoch)
			lr *= s->factor;
	return (float)lr;
}
