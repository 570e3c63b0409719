/* optim.c — SGD (momentum, Nesterov, L2 weight decay) and AdamW, with PyTorch's semantics
 * so runs can be checked against it, a global-norm gradient clip (Hoffer et al. clip at 5
 * before every step), and the step learning-rate schedule.
 *
 * Optimizer state mirrors the parameter layout, so every update is one flat loop. */
#include "gglab/nn.h"

#if defined(__SSE__)
#include <xmmintrin.h>
#include <pmmintrin.h>
#endif
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

/* The hot loops run in the widest vector unit the CPU has (one clone per instruction set,
 * chosen when the program loads). Elementwise bodies and the fixed 8-lane sums below give
 * the same bits in every clone: C11 mode never contracts a·b + c into an FMA, and the
 * vectorizer does not reassociate. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define GG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GG_CLONES
#endif

/* Floats per chunk: w, g and the moments of one chunk stay in L1 between the norm and
 * the update, so the step reads the gradient from memory once. A multiple of 8. */
enum { CHUNK = 2048 };

/* ‖g‖₂² in double, as eight lanes: lane j sums g[i + j]² over the blocks of 8, the tail
 * goes to lane 0. Eight independent sums break the add-latency chain, and the split
 * depends only on n, so the result is deterministic. Called chunk by chunk, it sums the
 * same terms in the same order as one call over the whole array. */
GG_CLONES static void norm_lanes(double s[8], const float *g, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++)
			s[j] += (double)g[i + j] * g[i + j];
	for (; i < n; i++)
		s[0] += (double)g[i] * g[i];
}

static double lanes_norm(const double s[8])
{
	return sqrt(((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])));
}

GG_CLONES static void sgd_update(const nn_opt_config *c, float *w, const float *g, float *buf,
				 size_t n, float lr)
{
	/* torch.optim.SGD (dampening 0): g' = g + wd·w; buf = μ·buf + g' (buf starts at 0,
	 * which equals PyTorch's first-step buf = g'); step = g' + μ·buf (Nesterov) or buf. */
	const float mu = c->momentum, wd = c->wd;
	if (mu == 0.0f) {
		NN_EACH(i, n, w[i] -= lr * (g[i] + wd * w[i]));
	} else if (c->nesterov) {
		NN_EACH(i, n, float gi = g[i] + wd * w[i]; float b = mu * buf[i] + gi; buf[i] = b;
			w[i] -= lr * (gi + mu * b));
	} else {
		NN_EACH(i, n, float b = mu * buf[i] + g[i] + wd * w[i]; buf[i] = b; w[i] -= lr * b);
	}
}

/* torch.optim.AdamW: w *= 1 − lr·wd; m, v EMAs; w −= (lr/bc1)·m/(√v/√bc2 + eps). */
typedef struct {
	float b1, b2, eps, decay, step, isbc2;
} adamw_k;

GG_CLONES static void adamw_update(const adamw_k *k, float *w, const float *g, float *m, float *v,
				   size_t n)
{
	const float b1 = k->b1, b2 = k->b2, eps = k->eps, decay = k->decay, step = k->step,
		    isbc2 = k->isbc2;
	for (size_t i = 0; i < n; i++) {
		w[i] *= decay;
		m[i] = b1 * m[i] + (1.0f - b1) * g[i];
		v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
		w[i] -= step * m[i] / (sqrtf(v[i]) * isbc2 + eps);
	}
}

static void update(nn_opt *o, const adamw_k *k, float *w, const float *g, size_t at, size_t n,
		   float lr)
{
	if (o->cfg.kind == NN_ADAMW)
		adamw_update(k, w + at, g + at, o->m + at, o->v + at, n);
	else
		sgd_update(&o->cfg, w + at, g + at, o->m + at, n, lr);
}

float nn_opt_step(nn_opt *o, float *params, float *grads, float lr)
{
	/* params[n], grads[n]; grads are scaled in place when clipped. */
	o->t++;
	adamw_k k = { 0 };
	if (o->cfg.kind == NN_ADAMW) {
		double t = (double)o->t; /* already incremented: the first update has t = 1 */
		k = (adamw_k){ o->cfg.beta1, o->cfg.beta2, o->cfg.adam_eps, 1.0f - lr * o->cfg.wd,
			       (float)(lr / (1.0 - pow(o->cfg.beta1, t))),
			       (float)(1.0 / sqrt(1.0 - pow(o->cfg.beta2, t))) };
	}
	double s[8] = { 0 };
	float clip = o->cfg.clip;
	if (clip <= 0.0f) {
		/* no clip: the norm (reported, not used) and the update in one pass */
		for (size_t at = 0; at < o->n; at += CHUNK) {
			size_t n = o->n - at < CHUNK ? o->n - at : CHUNK;
			norm_lanes(s, grads + at, n);
			update(o, &k, params, grads, at, n, lr);
		}
		return (float)lanes_norm(s);
	}
	norm_lanes(s, grads, o->n);
	double norm = lanes_norm(s);
	/* torch.nn.utils.clip_grad_norm_: coefficient clip/(norm + 1e-6), applied if < 1.
	 * A non-finite norm is left alone: the update propagates it and the run shows it. */
	if (isfinite(norm)) {
		double coef = clip / (norm + 1e-6);
		if (coef < 1.0) {
			float cf = (float)coef;
			NN_EACH(i, o->n, grads[i] *= cf);
		}
	}
	update(o, &k, params, grads, 0, o->n, lr);
	return (float)norm;
}

float nn_schedule_lr(const nn_schedule *s, float base, double epoch)
{
	double lr = base;
	for (int i = 0; i < s->n && i < NN_MAX_DROPS; i++)
		if (s->at[i] <= epoch)
			lr *= s->factor;
	return (float)lr;
}

void nn_fast_float_mode(void)
{
#if defined(__SSE__)
	_MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
	_MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
#endif
}
