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

/* The output columns [lo, hi) whose input column ox·s − p + kj falls inside [0, W). */
static void inside(int W, int Wo, int kj, int s, int p, int *lo, int *hi)
{
	*lo = p - kj > 0 ? (p - kj + s - 1) / s : 0;
	*hi = (W - 1 + p - kj) >= 0 ? (W - 1 + p - kj) / s + 1 : 0;
	if (*hi > Wo)
		*hi = Wo;
	if (*lo > *hi)
		*lo = *hi;
}

/* col[C·k·k][ld], columns 0..Ho·Wo−1, from one image in[C][H][W]; taps outside the image
 * are 0. */
static void im2col(float *col, size_t ld, const float *in, int C, int H, int W, int k, int s,
		   int p, int Ho, int Wo)
{
	for (int c = 0; c < C; c++)
		for (int ki = 0; ki < k; ki++)
			for (int kj = 0; kj < k; kj++) {
				float *row = col + ((size_t)(c * k + ki) * k + kj) * ld;
				const float *img = in + (size_t)c * H * W;
				int lo, hi;
				inside(W, Wo, kj, s, p, &lo, &hi);
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

/* din[C][H][W] += the columns col[C·k·k][ld] scattered back (the adjoint of im2col). */
static void col2im(float *din, const float *col, size_t ld, int C, int H, int W, int k, int s,
		   int p, int Ho, int Wo)
{
	for (int c = 0; c < C; c++)
		for (int ki = 0; ki < k; ki++)
			for (int kj = 0; kj < k; kj++) {
				const float *row = col + ((size_t)(c * k + ki) * k + kj) * ld;
				float *img = din + (size_t)c * H * W;
				int lo, hi;
				inside(W, Wo, kj, s, p, &lo, &hi);
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

/* A "same" convolution (stride 1, output as large as the input): the rows of the lowered
 * image are whole shifted copies of a plane, so each is one long flat loop over the valid
 * rows instead of Ho short ones (Wo is 14 in the reference net, too short to vectorize).
 * Along a flat row the taps that wrap around a row edge are cancelled by a 0/1 mask of the
 * kernel column, mask[kj][Ho·Wo]; the few flat positions that would fall outside the plane
 * altogether are exactly such taps and are skipped. */
static int same(int H, int W, int k, int s, int p, int Ho, int Wo)
{
	return s == 1 && Ho == H && Wo == W && k > 1;
}

static void same_masks(float *mask, int H, int W, int k, int p)
{
	size_t N = (size_t)H * W;
	for (int kj = 0; kj < k; kj++)
		for (size_t i = 0; i < N; i++) {
			int ix = (int)(i % (size_t)W) + kj - p;
			mask[kj * N + i] = ix >= 0 && ix < W ? 1.0f : 0.0f;
		}
}

/* The flat range [a, b) of row (ki, kj) whose source lies in the plane: off = its shift. */
static void same_range(int H, int W, int ki, int kj, int p, long *a, long *b, long *i0, long *i1,
		       long *off)
{
	long N = (long)H * W;
	*off = (long)(ki - p) * W + (kj - p);
	long ylo = p - ki > 0 ? p - ki : 0, yhi = H + p - ki < H ? H + p - ki : H;
	*i0 = ylo * W;
	*i1 = yhi > ylo ? yhi * W : *i0;
	*a = *i0 > -*off ? *i0 : -*off;
	*b = *i1 < N - *off ? *i1 : N - *off;
	if (*a > *i1)
		*a = *i1;
	if (*b < *a)
		*b = *a;
}

static void im2col_same(float *col, size_t ld, const float *in, const float *mask, int C, int H,
			int W, int k, int p)
{
	size_t N = (size_t)H * W;
	for (int c = 0; c < C; c++)
		for (int ki = 0; ki < k; ki++)
			for (int kj = 0; kj < k; kj++) {
				float *row = col + ((size_t)(c * k + ki) * k + kj) * ld;
				const float *img = in + (size_t)c * N, *m = mask + kj * N;
				long a, b, i0, i1, off;
				same_range(H, W, ki, kj, p, &a, &b, &i0, &i1, &off);
				memset(row, 0, (size_t)a * sizeof *row);
				const float *src = img + a + off;
				float *dst = row + a;
				const float *mm = m + a;
				NN_EACH(i, b - a, dst[i] = src[i] * mm[i]);
				memset(row + b, 0, (N - (size_t)b) * sizeof *row);
			}
}

static void col2im_same(float *din, const float *col, size_t ld, const float *mask, int C, int H,
			int W, int k, int p)
{
	size_t N = (size_t)H * W;
	for (int c = 0; c < C; c++)
		for (int ki = 0; ki < k; ki++)
			for (int kj = 0; kj < k; kj++) {
				const float *row = col + ((size_t)(c * k + ki) * k + kj) * ld;
				long a, b, i0, i1, off;
				same_range(H, W, ki, kj, p, &a, &b, &i0, &i1, &off);
				float *dst = din + (size_t)c * N + a + off;
				const float *src = row + a, *mm = mask + kj * N + a;
				NN_EACH(i, b - a, dst[i] += src[i] * mm[i]);
			}
}

static int pointwise(int k, int stride, int pad)
{
	return k == 1 && stride == 1 && pad == 0;
}

/* x[n] = v. gcc -O2 does not vectorize a store of an invariant, so the first 16 are
 * stored and then copied onto the rest, doubling. */
static void fill(float *x, float v, size_t n)
{
	size_t i = 0;
	for (; i < n && i < 16; i++)
		x[i] = v;
	for (; i < n; i *= 2)
		memcpy(x + i, x, (i < n - i ? i : n - i) * sizeof *x);
}

size_t nn_conv_scratch(int C, int k, int Ho, int Wo)
{
	/* one image's columns and the masks of a same convolution */
	return (size_t)Ho * Wo * ((size_t)C * k * k + (size_t)k);
}

void nn_conv2d_forward(float *out, float *col, const float *in, const float *w, const float *b,
		       int B, int C, int H, int W, int Co, int k, int stride, int pad)
{
	/* out[B][Co][Ho][Wo] = w[Co][C][k][k] ⋆ in[B][C][H][W] + b[Co] (b may be NULL); col
	 * scratch of nn_conv_scratch floats. Per image: lower, then out = w·col (+ b). Groups of
	 * images side by side in one wider product were measured no faster at these sizes. */
	int Ho = nn_conv_out(H, k, stride, pad), Wo = nn_conv_out(W, k, stride, pad);
	int N = Ho * Wo, K = C * k * k, sm = same(H, W, k, stride, pad, Ho, Wo);
	float *mask = col + (size_t)K * N;
	if (sm)
		same_masks(mask, H, W, k, pad);
	for (int n = 0; n < B; n++) {
		const float *x = in + (size_t)n * C * H * W, *cm = x;
		float *o = out + (size_t)n * Co * N;
		if (sm)
			im2col_same(col, (size_t)N, x, mask, C, H, W, k, pad);
		else if (!pointwise(k, stride, pad))
			im2col(col, (size_t)N, x, C, H, W, k, stride, pad, Ho, Wo);
		if (!pointwise(k, stride, pad))
			cm = col;
		for (int c = 0; b && c < Co; c++)
			fill(o + (size_t)c * N, b[c], (size_t)N);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Co, N, K, 1.0f, w, K, cm, N,
			    b ? 1.0f : 0.0f, o, N);
	}
}

/* Σ of x[n] in 16 lanes, so the sum vectorizes without reassociation flags. */
static float sum(const float *x, size_t n)
{
	float lane[16] = { 0 };
	size_t i = 0;
	for (; i + 16 <= n; i += 16)
		for (int l = 0; l < 16; l++)
			lane[l] += x[i + l];
	float s = 0;
	for (; i < n; i++)
		s += x[i];
	for (int l = 0; l < 16; l++)
		s += lane[l];
	return s;
}

void nn_conv2d_backward(float *din, float *dw, float *db, float *col, const float *dout,
			const float *in, const float *w, int B, int C, int H, int W, int Co, int k,
			int stride, int pad)
{
	int K = C * k * k;
	nn_conv_part all = { 0, Co, 0, K, 0, Co, 0, din ? B : 0 };
	nn_conv2d_backward_part(din, dw, db, col, dout, in, w, B, C, H, W, Co, k, stride, pad, &all);
}

void nn_conv2d_backward_part(float *din, float *dw, float *db, float *col, const float *dout,
			     const float *in, const float *w, int B, int C, int H, int W, int Co,
			     int k, int stride, int pad, const nn_conv_part *pt)
{
	/* din[B][C][H][W] += wᵀ·dout through col2im, dw[Co][C·k·k] += dout·colᵀ, db[Co] += Σ
	 * dout (skipped when NULL); dout[B][Co][Ho][Wo]; col scratch as in the forward, lowered
	 * again rather than kept from it. dw and db sum over the images in order, each image's
	 * product on its own, so a box of dw takes the whole call's bits for it. */
	int Ho = nn_conv_out(H, k, stride, pad), Wo = nn_conv_out(W, k, stride, pad);
	int N = Ho * Wo, K = C * k * k, pw = pointwise(k, stride, pad);
	int sm = same(H, W, k, stride, pad, Ho, Wo);
	int o0 = pt->o0, k0 = pt->k0, mo = pt->o1 - pt->o0, nk = pt->k1 - pt->k0;
	float *mask = col + (size_t)K * N;
	if (sm)
		same_masks(mask, H, W, k, pad);
	for (int n = 0; n < B; n++) {
		const float *x = in + (size_t)n * C * H * W, *cm = pw ? x : col;
		const float *g = dout + (size_t)n * Co * N;
		for (int c = pt->d0; db && c < pt->d1; c++)
			db[c] += sum(g + (size_t)c * N, (size_t)N);
		if (mo <= 0 || nk <= 0)
			continue;
		/* columns of whole input channels [c0, c1) need only theirs lowered */
		int c0 = 0, c1 = C;
		if (!pw && k0 % (k * k) == 0 && nk % (k * k) == 0)
			c0 = k0 / (k * k), c1 = c0 + nk / (k * k);
		const float *xc = x + (size_t)c0 * H * W;
		if (sm)
			im2col_same(col, (size_t)N, xc, mask, c1 - c0, H, W, k, pad);
		else if (!pw)
			im2col(col, (size_t)N, xc, c1 - c0, H, W, k, stride, pad, Ho, Wo);
		cm += (size_t)(k0 - c0 * k * k) * N;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, mo, nk, N, 1.0f,
			    g + (size_t)o0 * N, N, cm, N, 1.0f, dw + (size_t)o0 * K + k0, K);
	}
	for (int n = pt->n0; din && n < pt->n1; n++) {
		const float *g = dout + (size_t)n * Co * N;
		float *dx = din + (size_t)n * C * H * W;
		if (pw) {
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, Co, 1.0f, w, K, g, N,
				    1.0f, dx, N);
			continue;
		}
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, Co, 1.0f, w, K, g, N, 0.0f,
			    col, N);
		if (sm)
			col2im_same(dx, col, (size_t)N, mask, C, H, W, k, pad);
		else
			col2im(dx, col, (size_t)N, C, H, W, k, stride, pad, Ho, Wo);
	}
}

/* ---- pooling ------------------------------------------------------------------------ */

/* The 2×2 stride-2 case: the vertical maxima of a row pair first (a loop that vectorizes),
 * then the maxima of their neighbouring pairs. Same comparisons, same result. */
static void maxpool2_forward(float *out, const float *in, int planes, int H, int W)
{
	int Ho = H / 2, Wo = W / 2;
	float t[512];
	for (size_t pl = 0; pl < (size_t)planes; pl++)
		for (int oy = 0; oy < Ho; oy++) {
			const float *x0 = in + pl * H * W + (size_t)2 * oy * W, *x1 = x0 + W;
			float *o = out + pl * Ho * Wo + (size_t)oy * Wo;
			NN_EACH(j, 2 * Wo, t[j] = x1[j] > x0[j] ? x1[j] : x0[j]);
			for (int ox = 0; ox < Wo; ox++)
				o[ox] = t[2 * ox + 1] > t[2 * ox] ? t[2 * ox + 1] : t[2 * ox];
		}
}

void nn_maxpool_forward(float *out, const float *in, int B, int C, int H, int W, int k, int stride)
{
	/* out[B][C][Ho][Wo] = max over each k×k window of in[B][C][H][W] (no padding) */
	int Ho = nn_conv_out(H, k, stride, 0), Wo = nn_conv_out(W, k, stride, 0);
	if (k == 2 && stride == 2 && W <= 512) {
		maxpool2_forward(out, in, B * C, H, W);
		return;
	}
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

/* The 2×2 stride-2 case of the reference nets: every input belongs to one window, so din
 * is written window by window (the routed gradient or 0) without a clearing pass; a last
 * odd row or column, in no window, gets 0. */
static void maxpool2_backward(float *din, const float *dout, const float *in, const float *out,
			      int planes, int H, int W)
{
	int Ho = H / 2, Wo = W / 2;
	for (size_t pl = 0; pl < (size_t)planes; pl++) {
		const float *x = in + pl * H * W, *o = out + pl * Ho * Wo, *g = dout + pl * Ho * Wo;
		float *dx = din + pl * H * W;
		for (int oy = 0; oy < Ho; oy++) {
			const float *x0 = x + (size_t)2 * oy * W, *x1 = x0 + W;
			float *d0 = dx + (size_t)2 * oy * W, *d1 = d0 + W;
			for (int ox = 0; ox < Wo; ox++) {
				float m = o[(size_t)oy * Wo + ox], v = g[(size_t)oy * Wo + ox];
				int a = x0[2 * ox] == m, b = !a && x0[2 * ox + 1] == m;
				int c = !a && !b && x1[2 * ox] == m, d = !a && !b && !c;
				d0[2 * ox] = a ? v : 0.0f;
				d0[2 * ox + 1] = b ? v : 0.0f;
				d1[2 * ox] = c ? v : 0.0f;
				d1[2 * ox + 1] = d ? v : 0.0f;
			}
			if (W & 1)
				d0[W - 1] = d1[W - 1] = 0.0f;
		}
		if (H & 1)
			memset(dx + (size_t)(H - 1) * W, 0, (size_t)W * sizeof *dx);
	}
}

void nn_maxpool_backward(float *din, const float *dout, const float *in, const float *out, int B,
			 int C, int H, int W, int k, int stride)
{
	/* din[B][C][H][W] = dout routed to the first maximum of each window (found again by
	 * comparing in with out, so the forward keeps no indices); written, not accumulated. */
	int Ho = nn_conv_out(H, k, stride, 0), Wo = nn_conv_out(W, k, stride, 0);
	if (k == 2 && stride == 2) {
		maxpool2_backward(din, dout, in, out, B * C, H, W);
		return;
	}
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
