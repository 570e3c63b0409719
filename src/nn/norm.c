/* norm.c — batch normalization with ghost batches (Hoffer, Hubara & Soudry 2017).
 *
 * The batch x[B][C] is cut into ⌈B/G⌉ ghost batches of G consecutive rows (the last may be
 * shorter); each is normalized with its own mean and biased variance, and each makes one
 * EMA update of the running statistics, so a step of plain BN (G ≥ B) makes one update and
 * a step of GBN makes ⌈B/G⌉ — which is what gives GBN's running statistics the small-batch
 * noise level. Same FLOPs as plain BN.
 *
 * Channels are processed in tiles of BN_TILE so the per-channel sums live in small stack
 * arrays (no scratch argument, no allocation) while every inner loop still runs over
 * contiguous memory and vectorizes (NN_EACH). A tile of one ghost batch (G·TILE floats) stays in
 * cache across the passes. */
#include "gglab/nn.h"

#include <math.h>
#include <string.h>

enum { BN_TILE = 256 };

static int imin(int a, int b)
{
	return a < b ? a : b;
}

/* Eval mode: out = γ·(x − μ_run)/√(σ²_run + ε) + β. Elementwise, so out may alias in. */
static void bn_eval(float *out, const float *in, const float *gamma, const float *beta,
		    const float *run_mean, const float *run_var, int B, int C)
{
	float scale[BN_TILE], shift[BN_TILE];
	for (int c0 = 0; c0 < C; c0 += BN_TILE) {
		int nc = imin(BN_TILE, C - c0);
		for (int j = 0; j < nc; j++) {
			scale[j] = gamma[c0 + j] / sqrtf(run_var[c0 + j] + NN_BN_EPS);
			shift[j] = beta[c0 + j] - run_mean[c0 + j] * scale[j];
		}
		for (int r = 0; r < B; r++) {
			const float *x = in + (size_t)r * C + c0;
			float *o = out + (size_t)r * C + c0;
			NN_EACH(j, nc, o[j] = x[j] * scale[j] + shift[j]);
		}
	}
}

void nn_bn_forward(float *out, float *xhat, float *rstd, const float *in,
		   const float *gamma, const float *beta, float *run_mean, float *run_var,
		   int B, int C, int G, int train)
{
	/* out[B][C], xhat[B][C] (may alias in; out must not), rstd[⌈B/G⌉][C], in[B][C],
	 * gamma/beta/run_mean/run_var[C]. In eval mode xhat and rstd are not touched. */
	if (!train) {
		bn_eval(out, in, gamma, beta, run_mean, run_var, B, C);
		return;
	}
	nn_bn_forward_cols(out, xhat, rstd, in, gamma, beta, run_mean, run_var, B, C, 0, C, G);
}

/* Every sum is a column's, over its rows in order, so a range of columns computes the
 * same bits as the whole call does for them: tiles start at lo. */
void nn_bn_forward_cols(float *out, float *xhat, float *rstd, const float *in,
			const float *gamma, const float *beta, float *run_mean, float *run_var,
			int B, int C, int lo, int hi, int G)
{
	if (G <= 0 || G > B)
		G = B;
	const float m = NN_BN_MOMENTUM;
	float mean[BN_TILE], var[BN_TILE];
	for (int g0 = 0, gi = 0; g0 < B; g0 += G, gi++) {
		int n = imin(G, B - g0);
		float inv_n = 1.0f / (float)n;
		for (int c0 = lo; c0 < hi; c0 += BN_TILE) {
			int nc = imin(BN_TILE, hi - c0);
			memset(mean, 0, sizeof mean);
			memset(var, 0, sizeof var);
			for (int r = g0; r < g0 + n; r++) {
				const float *x = in + (size_t)r * C + c0;
				NN_EACH(j, nc, mean[j] += x[j]);
			}
			NN_EACH(j, nc, mean[j] *= inv_n);
			/* Two passes (centre, then square) rather than E[x²] − E[x]², which
			 * cancels catastrophically when |mean| ≫ std. */
			for (int r = g0; r < g0 + n; r++) {
				const float *x = in + (size_t)r * C + c0;
				float *xh = xhat + (size_t)r * C + c0;
				NN_EACH(j, nc, float d = x[j] - mean[j]; xh[j] = d; var[j] += d * d);
			}
			float *rs = rstd + (size_t)gi * C + c0;
			for (int j = 0; j < nc; j++) {
				rs[j] = 1.0f / sqrtf(var[j] * inv_n + NN_BN_EPS);
				run_mean[c0 + j] = (1.0f - m) * run_mean[c0 + j] + m * mean[j];
			}
			/* PyTorch feeds the *unbiased* variance to the running estimate. A ghost
			 * of one row has none, so it leaves the running variance alone rather
			 * than dragging it toward 0 (PyTorch refuses such a batch outright). */
			if (n > 1) {
				float unb = 1.0f / (float)(n - 1);
				for (int j = 0; j < nc; j++)
					run_var[c0 + j] = (1.0f - m) * run_var[c0 + j] + m * var[j] * unb;
			}
			const float *ga = gamma + c0, *be = beta + c0;
			for (int r = g0; r < g0 + n; r++) {
				float *xh = xhat + (size_t)r * C + c0;
				float *o = out + (size_t)r * C + c0;
				NN_EACH(j, nc, float v = xh[j] * rs[j]; xh[j] = v; o[j] = ga[j] * v + be[j]);
			}
		}
	}
}

void nn_bn_backward(float *din, float *dgamma, float *dbeta, const float *dout,
		    const float *xhat, const float *rstd, const float *gamma, int B, int C, int G)
{
	nn_bn_backward_cols(din, dgamma, dbeta, dout, xhat, rstd, gamma, B, C, 0, C, G);
}

void nn_bn_backward_cols(float *din, float *dgamma, float *dbeta, const float *dout,
			 const float *xhat, const float *rstd, const float *gamma, int B, int C,
			 int lo, int hi, int G)
{
	/* din[B][C] (may alias dout), dgamma/dbeta[C] accumulated, dout[B][C], xhat[B][C],
	 * rstd[⌈B/G⌉][C]. Per ghost batch of n rows:
	 *   din = γ·rstd/n · (n·dy − Σdy − x̂·Σ(dy·x̂)). */
	if (G <= 0 || G > B)
		G = B;
	float sdy[BN_TILE], sdyx[BN_TILE], k[BN_TILE];
	for (int g0 = 0, gi = 0; g0 < B; g0 += G, gi++) {
		int n = imin(G, B - g0);
		float fn = (float)n;
		for (int c0 = lo; c0 < hi; c0 += BN_TILE) {
			int nc = imin(BN_TILE, hi - c0);
			memset(sdy, 0, sizeof sdy);
			memset(sdyx, 0, sizeof sdyx);
			for (int r = g0; r < g0 + n; r++) {
				const float *dy = dout + (size_t)r * C + c0;
				const float *xh = xhat + (size_t)r * C + c0;
				NN_EACH(j, nc, sdy[j] += dy[j]; sdyx[j] += dy[j] * xh[j]);
			}
			const float *rs = rstd + (size_t)gi * C + c0;
			for (int j = 0; j < nc; j++) {
				dbeta[c0 + j] += sdy[j];
				dgamma[c0 + j] += sdyx[j];
				k[j] = gamma[c0 + j] * rs[j] / fn;
			}
			for (int r = g0; r < g0 + n; r++) {
				const float *dy = dout + (size_t)r * C + c0;
				const float *xh = xhat + (size_t)r * C + c0;
				float *dx = din + (size_t)r * C + c0;
				NN_EACH(j, nc, dx[j] = k[j] * (fn * dy[j] - sdy[j] - xh[j] * sdyx[j]));
			}
		}
	}
}

/* ---- batch norm over channels (convolutional layers) -------------------------------- */

/* Sums over one channel's plane run in 16 lanes: a single accumulator would wait on the
 * previous add at every element (a float sum does not vectorize without reassociation). */
enum { LANES = 16 };

static float lanes_total(const float *l)
{
	float s = 0;
	for (int i = 0; i < LANES; i++)
		s += l[i];
	return s;
}

/* Σ x[i] */
static float plane_sum(const float *x, int n)
{
	float l[LANES] = { 0 };
	int i = 0;
	for (; i + LANES <= n; i += LANES)
		for (int j = 0; j < LANES; j++)
			l[j] += x[i + j];
	for (; i < n; i++)
		l[0] += x[i];
	return lanes_total(l);
}

/* xh[i] = x[i] − mean; returns Σ xh[i]² */
static float plane_centre(float *xh, const float *x, float mean, int n)
{
	float l[LANES] = { 0 };
	int i = 0;
	for (; i + LANES <= n; i += LANES)
		for (int j = 0; j < LANES; j++) {
			float d = x[i + j] - mean;
			xh[i + j] = d;
			l[j] += d * d;
		}
	for (; i < n; i++) {
		float d = x[i] - mean;
		xh[i] = d;
		l[0] += d * d;
	}
	return lanes_total(l);
}

/* *sa = Σ dy[i], *sb = Σ dy[i]·xh[i] */
static void plane_sums2(float *sa, float *sb, const float *dy, const float *xh, int n)
{
	float a[LANES] = { 0 }, b[LANES] = { 0 };
	int i = 0;
	for (; i + LANES <= n; i += LANES)
		for (int j = 0; j < LANES; j++) {
			a[j] += dy[i + j];
			b[j] += dy[i + j] * xh[i + j];
		}
	for (; i < n; i++) {
		a[0] += dy[i];
		b[0] += dy[i] * xh[i];
	}
	*sa = lanes_total(a);
	*sb = lanes_total(b);
}

void nn_bn2d_forward(float *out, float *xhat, float *rstd, const float *in,
		     const float *gamma, const float *beta, float *run_mean, float *run_var,
		     int B, int C, int HW, int G, int train)
{
	nn_bn2d_forward_chans(out, xhat, rstd, in, gamma, beta, run_mean, run_var, B, C, HW, G,
			      train, 0, C);
}

/* Each channel's statistics and updates are its own, so a range of channels computes the
 * same bits as the whole call does for them. */
void nn_bn2d_forward_chans(float *out, float *xhat, float *rstd, const float *in,
			   const float *gamma, const float *beta, float *run_mean, float *run_var,
			   int B, int C, int HW, int G, int train, int lo, int hi)
{
	/* out[B][C][HW], xhat[B][C][HW] (may alias in; out must not), rstd[⌈B/G⌉][C]. Each
	 * channel is normalized over the n·HW values of each ghost batch of G images, and each
	 * ghost batch makes one EMA update, as nn_bn_forward does for rows. */
	const float m = NN_BN_MOMENTUM;
	if (!train) {
		for (int c = lo; c < hi; c++) {
			float sc = gamma[c] / sqrtf(run_var[c] + NN_BN_EPS);
			float sh = beta[c] - run_mean[c] * sc;
			for (int r = 0; r < B; r++) {
				const float *x = in + ((size_t)r * C + c) * HW;
				float *o = out + ((size_t)r * C + c) * HW;
				NN_EACH(i, HW, o[i] = x[i] * sc + sh);
			}
		}
		return;
	}
	if (G <= 0 || G > B)
		G = B;
	for (int g0 = 0, gi = 0; g0 < B; g0 += G, gi++) {
		int n = imin(G, B - g0);
		double cnt = (double)n * HW;
		for (int c = lo; c < hi; c++) {
			double s = 0;
			for (int r = g0; r < g0 + n; r++)
				s += plane_sum(in + ((size_t)r * C + c) * HW, HW);
			float mean = (float)(s / cnt);
			double v = 0;
			for (int r = g0; r < g0 + n; r++) {
				size_t at = ((size_t)r * C + c) * HW;
				v += plane_centre(xhat + at, in + at, mean, HW);
			}
			float rs = 1.0f / sqrtf((float)(v / cnt) + NN_BN_EPS);
			rstd[(size_t)gi * C + c] = rs;
			run_mean[c] = (1.0f - m) * run_mean[c] + m * mean;
			if (cnt > 1)
				run_var[c] = (1.0f - m) * run_var[c] + m * (float)(v / (cnt - 1));
			float ga = gamma[c], be = beta[c];
			for (int r = g0; r < g0 + n; r++) {
				float *xh = xhat + ((size_t)r * C + c) * HW;
				float *o = out + ((size_t)r * C + c) * HW;
				NN_EACH(i, HW, float t = xh[i] * rs; xh[i] = t; o[i] = ga * t + be);
			}
		}
	}
}

void nn_bn2d_backward(float *din, float *dgamma, float *dbeta, const float *dout,
		      const float *xhat, const float *rstd, const float *gamma, int B, int C, int HW,
		      int G)
{
	nn_bn2d_backward_chans(din, dgamma, dbeta, dout, xhat, rstd, gamma, B, C, HW, G, 0, C);
}

void nn_bn2d_backward_chans(float *din, float *dgamma, float *dbeta, const float *dout,
			    const float *xhat, const float *rstd, const float *gamma, int B, int C,
			    int HW, int G, int lo, int hi)
{
	/* din[B][C][HW] (may alias dout), dgamma/dbeta[C] accumulated. Per ghost batch and
	 * channel, over its N = n·HW values: din = γ·rstd/N · (N·dy − Σdy − x̂·Σ(dy·x̂)). */
	if (G <= 0 || G > B)
		G = B;
	for (int g0 = 0, gi = 0; g0 < B; g0 += G, gi++) {
		int n = imin(G, B - g0);
		float N = (float)n * (float)HW;
		for (int c = lo; c < hi; c++) {
			double sdy = 0, sdyx = 0;
			for (int r = g0; r < g0 + n; r++) {
				size_t at = ((size_t)r * C + c) * HW;
				float a, b;
				plane_sums2(&a, &b, dout + at, xhat + at, HW);
				sdy += a;
				sdyx += b;
			}
			dbeta[c] += (float)sdy;
			dgamma[c] += (float)sdyx;
			float k = gamma[c] * rstd[(size_t)gi * C + c] / N;
			float fa = (float)sdy, fb = (float)sdyx;
			for (int r = g0; r < g0 + n; r++) {
				const float *dy = dout + ((size_t)r * C + c) * HW;
				const float *xh = xhat + ((size_t)r * C + c) * HW;
				float *dx = din + ((size_t)r * C + c) * HW;
				NN_EACH(i, HW, dx[i] = k * (N * dy[i] - fa - xh[i] * fb));
			}
		}
	}
}
