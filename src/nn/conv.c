/* conv.c — convolution and pooling layers over NCHW batches, and the convolutional
 * NAIS-Net stability projection.
 *
 * A batch of images is x[B][C][H][W]. conv2d lowers each image to columns (im2col:
 * col[C·k·k][Ho·Wo], one row per kernel tap) so the convolution is one sgemm per image,
 * out[Co][Ho·Wo] = w[Co][C·k·k] · col; the backward reuses the same lowering for the weight
 * gradient (dout·colᵀ) and goes back through the transposed product and col2im for the input
 * gradient. A 1×1 convolution of stride 1 needs no lowering: the image is its own column
 * matrix. The naive seven-loop convolution the tests compare against lives in the tests. */
#include "gglab/nn.h"

#include <cblas.h>
/* OpenBLAS's config header includes <complex.h>, whose I macro would shadow names. */
#undef I
#include <math.h>
#include <string.h>

int nn_conv_out(int n, int k, int stride, int pad)
{
	int span = n + 2 * pad - k;
	return span < 0 || stride < 1 ? 0 : span / stride + 1;
}

/* col[C·k·k][Ho·Wo] from one image in[C][H][W]; taps outside the image are 0. */
static void im2col(float *col, const float *in, int C, int H, int W, int k, int s, int p, int Ho,
		   int Wo)
{
	size_t N = (size_t)Ho * Wo;
	for (int c = 0; c < C; c++)
		for (int ki = 0; ki < k; ki++)
			for (int kj = 0; kj < k; kj++) {
				float *row = col + ((size_t)(c * k + ki) * k + kj) * N;
				const float *img = in + (size_t)c * H * W;
				/* ox range whose ix = ox·s − p + kj falls inside [0, W) */
				int lo = p - kj > 0 ? (p - kj + s - 1) / s : 0;
				int hi = (W - 1 + p - kj) >= 0 ? (W - 1 + p - kj) / s + 1 : 0;
				if (hi > Wo)
					hi = Wo;
				if (lo > hi)
					lo = hi;
				for (int oy = 0; oy < Ho; oy++) {
					float *r = row + (size_t)oy * Wo;
					int iy = oy * s - p + ki;
					if (iy < 0 || iy >= H) {
						memset(r, 0, (size_t)Wo * sizeof *r);
						continue;
					}
					const float *src = img + (size_t)iy * W - p + kj;
					for (int ox = 0; ox < lo; ox++)
						r[ox] = 0.0f;
					if (s == 1)
						memcpy(r + lo, src + lo, (size_t)(hi - lo) * sizeof *r);
					else
						for (int ox = lo; ox < hi; ox++)
							r[ox] = src[(size_t)ox * s];
					for (int ox = hi; ox < Wo; ox++)
						r[ox] = 0.0f;
				}
			}
}

/* din[C][H][W] += the columns col[C·k·k][Ho·Wo] scattered back (the adjoint of im2col). */
static void col2im(float *din, const float *col, int C, int H, int W, int k, int s, int p, int Ho,
		   int Wo)
{
	size_t N = (size_t)Ho * Wo;
	for (int c = 0; c < C; c++)
		for (int ki = 0; ki < k; ki++)
			for (int kj = 0; kj < k; kj++) {
				const float *row = col + ((size_t)(c * k + ki) * k + kj) * N;
				float *img = din + (size_t)c * H * W;
				int lo = p - kj > 0 ? (p - kj + s - 1) / s : 0;
				int hi = (W - 1 + p - kj) >= 0 ? (W - 1 + p - kj) / s + 1 : 0;
				if (hi > Wo)
					hi = Wo;
				if (lo > hi)
					lo = hi;
				for (int oy = 0; oy < Ho; oy++) {
					int iy = oy * s - p + ki;
					if (iy < 0 || iy >= H)
						continue;
					const float *r = row + (size_t)oy * Wo;
					float *dst = img + (size_t)iy * W - p + kj;
					if (s == 1)
						NN_EACH(ox, hi - lo, dst[lo + ox] += r[lo + ox]);
					else
						for (int ox = lo; ox < hi; ox++)
							dst[(size_t)ox * s] += r[ox];
				}
			}
}

static int pointwise(int k, int stride, int pad)
{
	return k == 1 && stride == 1 && pad == 0;
}

void nn_conv2d_forward(float *out, float *col, const float *in, const float *w, const float *b,
		       int B, int C, int H, int W, int Co, int k, int stride, int pad)
{
	/* out[B][Co][Ho][Wo] = w[Co][C][k][k] ⋆ in[B][C][H][W] + b[Co] (b may be NULL);
	 * col[C·k·k][Ho·Wo] scratch (unused for a 1×1 stride-1 convolution). */
	int Ho = nn_conv_out(H, k, stride, pad), Wo = nn_conv_out(W, k, stride, pad);
	int N = Ho * Wo, K = C * k * k;
	for (int n = 0; n < B; n++) {
		const float *x = in + (size_t)n * C * H * W;
		float *o = out + (size_t)n * Co * N;
		const float *cm = x;
		if (!pointwise(k, stride, pad)) {
			im2col(col, x, C, H, W, k, stride, pad, Ho, Wo);
			cm = col;
		}
		if (b)
			for (int c = 0; c < Co; c++) {
				float *r = o + (size_t)c * N;
				float v = b[c];
				NN_EACH(i, N, r[i] = v);
			}
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Co, N, K, 1.0f, w, K, cm, N,
			    b ? 1.0f : 0.0f, o, N);
	}
}

void nn_conv2d_backward(float *din, float *dw, float *db, float *col, const float *dout,
			const float *in, const float *w, int B, int C, int H, int W, int Co, int k,
			int stride, int pad)
{
	/* din[B][C][H][W] += wᵀ·dout through col2im (skipped when NULL), dw[Co][C·k·k] +=
	 * dout·colᵀ, db[Co] += Σ dout (skipped when NULL); dout[B][Co][Ho][Wo]; col scratch. */
	int Ho = nn_conv_out(H, k, stride, pad), Wo = nn_conv_out(W, k, stride, pad);
	int N = Ho * Wo, K = C * k * k, pw = pointwise(k, stride, pad);
	for (int n = 0; n < B; n++) {
		const float *x = in + (size_t)n * C * H * W;
		const float *g = dout + (size_t)n * Co * N;
		if (db)
			for (int c = 0; c < Co; c++) {
				const float *r = g + (size_t)c * N;
				float s = 0;
				for (int i = 0; i < N; i++)
					s += r[i];
				db[c] += s;
			}
		const float *cm = x;
		if (!pw) {
			im2col(col, x, C, H, W, k, stride, pad, Ho, Wo);
			cm = col;
		}
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Co, K, N, 1.0f, g, N, cm, N, 1.0f,
			    dw, K);
		if (!din)
			continue;
		float *dx = din + (size_t)n * C * H * W;
		if (pw) {
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, Co, 1.0f, w, K, g, N,
				    1.0f, dx, N);
		} else {
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, Co, 1.0f, w, K, g, N,
				    0.0f, col, N);
			col2im(dx, col, C, H, W, k, stride, pad, Ho, Wo);
		}
	}
}

/* ---- pooling ------------------------------------------------------------------------ */

void nn_maxpool_forward(float *out, const float *in, int B, int C, int H, int W, int k, int stride)
{
	/* out[B][C][Ho][Wo] = max over each k×k window of in[B][C][H][W] (no padding) */
	int Ho = nn_conv_out(H, k, stride, 0), Wo = nn_conv_out(W, k, stride, 0);
	for (size_t pl = 0; pl < (size_t)B * C; pl++) {
		const float *x = in + pl * H * W;
		float *o = out + pl * Ho * Wo;
		for (int oy = 0; oy < Ho; oy++)
			for (int ox = 0; ox < Wo; ox++) {
				const float *win = x + (size_t)oy * stride * W + (size_t)ox * stride;
				float m = win[0];
				for (int i = 0; i < k; i++)
					for (int j = 0; j < k; j++)
						m = win[(size_t)i * W + j] > m ? win[(size_t)i * W + j] : m;
				o[(size_t)oy * Wo + ox] = m;
			}
	}
}

void nn_maxpool_backward(float *din, const float *dout, const float *in, const float *out, int B,
			 int C, int H, int W, int k, int stride)
{
	/* din[B][C][H][W] = dout routed to the first maximum of each window (found again by
	 * comparing in with out, so the forward keeps no indices); written, not accumulated. */
	int Ho = nn_conv_out(H, k, stride, 0), Wo = nn_conv_out(W, k, stride, 0);
	memset(din, 0, (size_t)B * C * H * W * sizeof *din);
	for (size_t pl = 0; pl < (size_t)B * C; pl++) {
		const float *x = in + pl * H * W, *o = out + pl * Ho * Wo, *g = dout + pl * Ho * Wo;
		float *dx = din + pl * H * W;
		for (int oy = 0; oy < Ho; oy++)
			for (int ox = 0; ox < Wo; ox++) {
				size_t base = (size_t)oy * stride * W + (size_t)ox * stride, at = base;
				float m = o[(size_t)oy * Wo + ox];
				int found = 0;
				for (int i = 0; i < k && !found; i++)
					for (int j = 0; j < k && !found; j++)
						if (x[base + (size_t)i * W + j] == m) {
							at = base + (size_t)i * W + j;
							found = 1;
						}
				dx[at] += g[(size_t)oy * Wo + ox];
			}
	}
}

void nn_avgpool_forward(float *out, const float *in, int B, int C, int H, int W, int k, int stride)
{
	/* out[B][C][Ho][Wo] = mean over each k×k window of in[B][C][H][W] */
	int Ho = nn_conv_out(H, k, stride, 0), Wo = nn_conv_out(W, k, stride, 0);
	float inv = 1.0f / (float)(k * k);
	for (size_t pl = 0; pl < (size_t)B * C; pl++) {
		const float *x = in + pl * H * W;
		float *o = out + pl * Ho * Wo;
		for (int oy = 0; oy < Ho; oy++)
			for (int ox = 0; ox < Wo; ox++) {
				const float *win = x + (size_t)oy * stride * W + (size_t)ox * stride;
				float s = 0;
				for (int i = 0; i < k; i++)
					for (int j = 0; j < k; j++)
						s += win[(size_t)i * W + j];
				o[(size_t)oy * Wo + ox] = s * inv;
			}
	}
}

void nn_avgpool_backward(float *din, const float *dout, int B, int C, int H, int W, int k,
			 int stride)
{
	/* din[B][C][H][W] = dout/(k·k) spread over each window; written, not accumulated */
	int Ho = nn_conv_out(H, k, stride, 0), Wo = nn_conv_out(W, k, stride, 0);
	float inv = 1.0f / (float)(k * k);
	memset(din, 0, (size_t)B * C * H * W * sizeof *din);
	for (size_t pl = 0; pl < (size_t)B * C; pl++) {
		const float *g = dout + pl * Ho * Wo;
		float *dx = din + pl * H * W;
		for (int oy = 0; oy < Ho; oy++)
			for (int ox = 0; ox < Wo; ox++) {
				float v = g[(size_t)oy * Wo + ox] * inv;
				float *win = dx + (size_t)oy * stride * W + (size_t)ox * stride;
				for (int i = 0; i < k; i++)
					for (int j = 0; j < k; j++)
						win[(size_t)i * W + j] += v;
			}
	}
}

void nn_gap_forward(float *out, const float *in, int B, int C, int HW)
{
	/* out[B][C] = mean of in[B][C][HW] over the HW positions */
	for (size_t pl = 0; pl < (size_t)B * C; pl++) {
		const float *x = in + pl * HW;
		float s = 0;
		for (int i = 0; i < HW; i++)
			s += x[i];
		out[pl] = s / (float)HW;
	}
}

void nn_gap_backward(float *din, const float *dout, int B, int C, int HW)
{
	/* din[B][C][HW] = dout[B][C] / HW; written, not accumulated */
	for (size_t pl = 0; pl < (size_t)B * C; pl++) {
		float v = dout[pl] / (float)HW, *dx = din + pl * HW;
		NN_EACH(i, HW, dx[i] = v);
	}
}

/* ---- convolutional NAIS-Net stability ----------------------------------------------- */

int nn_cnais_project(float *A, int C, int k, float h, float delta)
{
	/* A[C][C][k][k]. For output channel i, c_i = A[i][i][k/2][k/2] is the centre tap of its
	 * self-kernel and m_i the absolute mass of every other tap of row i. Clip c_i into
	 * [−1/h + δ, −δ], then rescale the other taps so that m_i ≤ |c_i| − δ: then
	 * |1 + h·c_i| + h·m_i ≤ 1 − h·δ, the Gershgorin row bound of the unrolled operator. */
	int changed = 0, kk = k * k, centre = (k / 2) * k + k / 2;
	float lo = -1.0f / h + delta, hi = -delta;
	for (int i = 0; i < C; i++) {
		float *row = A + (size_t)i * C * kk, *ci = row + (size_t)i * kk + centre;
		float c = *ci < lo ? lo : *ci > hi ? hi : *ci;
		changed |= c != *ci;
		*ci = c;
		double m = 0;
		for (int t = 0; t < C * kk; t++)
			m += fabs((double)row[t]);
		m -= fabs((double)c);
		double cap = fabs((double)c) - delta;
		if (cap < 0)
			cap = 0;
		if (m > cap) {
			/* a hair inside the cap, so rounding never leaves the mass just above it */
			float s = m > 0 ? (float)(cap * (1.0 - 1e-6) / m) : 0.0f;
			for (int t = 0; t < C * kk; t++)
				if (row + t != ci)
					row[t] *= s;
			changed = 1;
		}
	}
	return changed;
}

double nn_cnais_gershgorin(const float *A, int C, int k, float h)
{
	/* min over rows of 1 − |1 + h·c_i| − h·m_i; > 0 certifies a contraction. Image borders
	 * only remove taps, so the bound holds for every image size. */
	int kk = k * k, centre = (k / 2) * k + k / 2;
	double g = INFINITY;
	for (int i = 0; i < C; i++) {
		const float *row = A + (size_t)i * C * kk;
		double c = row[(size_t)i * kk + centre], m = 0;
		for (int t = 0; t < C * kk; t++)
			m += fabs((double)row[t]);
		m -= fabs(c);
		double gi = 1 - fabs(1 + (double)h * c) - (double)h * m;
		if (gi < g)
			g = gi;
	}
	return g;
}
