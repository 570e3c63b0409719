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

/* ‖g‖₂ in double. Eight independent partial sums break the add-latency chain (a single
 * double accumulator over a million parameters is latency-bound) and keep the result
 * deterministic, since the split does not depend on anything but n. */
static double global_norm(const float *g, size_t n)
{
	double s[8] = {0};
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++)
			s[j] += (double)g[i + j] * g[i + j];
	for (; i < n; i++)
		s[0] += (double)g[i] * g[i];
	return sqrt(((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])));
}

static void sgd_step(nn_opt *o, float *w, const float *g, float lr)
{
	/* torch.optim.SGD (dampening 0): g' = g + wd·w; buf = μ·buf + g' (buf starts at 0,
	 * which equals PyTorch's first-step buf = g'); step = g' + μ·buf (Nesterov) or buf. */
	const float mu = o->cfg.momentum, wd = o->cfg.wd;
	float *buf = o->m;
	size_t n = o->n;
	if (mu == 0.0f) {
		NN_EACH(i, n, w[i] -= lr * (g[i] + wd * w[i]));
	} else if (o->cfg.nesterov) {
		NN_EACH(i, n, float gi = g[i] + wd * w[i]; float b = mu * buf[i] + gi; buf[i] = b;
			w[i] -= lr * (gi + mu * b));
	} else {
		NN_EACH(i, n, float b = mu * buf[i] + g[i] + wd * w[i]; buf[i] = b; w[i] -= lr * b);
	}
}

static void adamw_step(nn_opt *o, float *w, const float *g, float lr)
{
	/* torch.optim.AdamW: w *= 1 − lr·wd; m, v EMAs; w −= (lr/bc1)·m/(√v/√bc2 + eps). */
	const float b1 = o->cfg.beta1, b2 = o->cfg.beta2, eps = o->cfg.adam_eps;
	const float decay = 1.0f - lr * o->cfg.wd;
	double t = (double)o->t; /* already incremented: the first update has t = 1 */
	const float step = (float)(lr / (1.0 - pow(b1, t)));
	const float isbc2 = (float)(1.0 / sqrt(1.0 - pow(b2, t)));
	float *m = o->m, *v = o->v;
	size_t n = o->n;
	for (size_t i = 0; i < n; i++) {
		w[i] *= decay;
		m[i] = b1 * m[i] + (1.0f - b1) * g[i];
		v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
		w[i] -= step * m[i] / (sqrtf(v[i]) * isbc2 + eps);
	}
}

float nn_opt_step(nn_opt *o, float *params, float *grads, float lr)
{
	/* params[n], grads[n]; grads are scaled in place when clipped. */
	double norm = global_norm(grads, o->n);
	float clip = o->cfg.clip;
	/* torch.nn.utils.clip_grad_norm_: coefficient clip/(norm + 1e-6), applied if < 1.
	 * A non-finite norm is left alone: the update propagates it and the run shows it. */
	if (clip > 0.0f && isfinite(norm)) {
		double coef = clip / (norm + 1e-6);
		if (coef < 1.0) {
			float cf = (float)coef;
			NN_EACH(i, o->n, grads[i] *= cf);
		}
	}
	o->t++;
	if (o->cfg.kind == NN_ADAMW)
		adamw_step(o, params, grads, lr);
	else
		sgd_step(o, params, grads, lr);
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
