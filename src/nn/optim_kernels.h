/* optim_kernels.h — the optimizer's hot loops, included by optim.c once per instruction
 * set (plain, AVX2, AVX-512) under `#pragma GCC target`, each copy named with the suffix
 * KSFX. Not a header to include anywhere else. */

/* ‖g‖₂² in double, as eight lanes: lane j sums g[i + j]² over the blocks of 8, the tail
 * goes to lane 0. Eight independent sums break the add-latency chain, and the split
 * depends only on n, so the result is deterministic. Called chunk by chunk, it sums the
 * same terms in the same order as one call over the whole array. */
static void K(norm_lanes)(double s[8], const float *g, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++)
			s[j] += (double)g[i + j] * g[i + j];
	for (; i < n; i++)
		s[0] += (double)g[i] * g[i];
}

static void K(sgd_update)(const nn_opt_config *c, float *w, const float *g, float *buf,
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

static void K(adamw_update)(const adamw_k *k, float *w, const float *g, float *m, float *v,
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

