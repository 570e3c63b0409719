/* nais.c — the NAIS-Net block: forward, backward, and the stable parametrization.
 *
 * Stages share A, Bm and b, so the input term c = u·Bmᵀ + b is formed once per block and
 * its gradient dc is summed over stages before a single dense backward. Likewise the K−1
 * per-stage products dz(k)ᵀ·x(k) that make dA are one sgemm over the stacked slabs, since
 * S and X are laid out [K][B][n] with dz(k) paired against x(k) = X[k−1]. */
#include "gglab/nn.h"

#include <cblas.h>
/* OpenBLAS's config header includes <complex.h>, whose I macro would shadow the
 * I-for-input-features naming used with nn.h. */
#undef I
#include <math.h>
#include <string.h>

void nn_nais_matrix(float *A, const float *R, int n, float eps)
{
	/* A[n][n] = −R[n][n]ᵀ·R − εI */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, -1.0f, R, n, R, n, 0.0f,
		    A, n);
	for (int i = 0; i < n; i++)
		A[(size_t)i * n + i] -= eps;
}

void nn_nais_stage_act(float *xn, float *s, const float *x, const float *c, size_t N, float h,
		       nn_act act)
{
	if (!x) {
		/* x(0) = 0: z = c, and x(1) = h·σ(c). */
		if (act == NN_TANH)
			nn_tanh_forward(s, c, N);
		else
			nn_relu_forward(s, c, N);
		NN_EACH(i, N, xn[i] = h * s[i]);
		return;
	}
	if (act == NN_TANH) {
		for (size_t i = 0; i < N; i++) {
			float v = tanhf(s[i] + c[i]);
			s[i] = v;
			xn[i] = x[i] + h * v;
		}
	} else {
		NN_EACH(i, N, float z = s[i] + c[i]; float v = z > 0.0f ? z : 0.0f; s[i] = v;
			xn[i] = x[i] + h * v);
	}
}

void nn_nais_stage(float *xn, float *s, const float *x, const float *c, const float *A,
		   int B, int n, float h, nn_act act)
{
	/* s[B][n] = σ(x[B][n]·A[n][n]ᵀ + c[B][n]); xn[B][n] = x + h·s */
	if (x)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, n, n, 1.0f, x, n, A, n,
			    0.0f, s, n);
	nn_nais_stage_act(xn, s, x, c, (size_t)B * n, h, act);
}

void nn_nais_forward(float *X, float *S, float *c, const float *u, const float *A,
		     const float *Bm, const float *b, int B, int n, int K, float h, nn_act act)
{
	/* X[K][B][n], S[K][B][n], c[B][n], u[B][n], A[n][n], Bm[n][n], b[n] */
	size_t N = (size_t)B * n;
	nn_dense_forward(c, u, Bm, b, B, n, n);
	for (int k = 0; k < K; k++)
		nn_nais_stage(X + k * N, S + k * N, k ? X + (k - 1) * N : NULL, c, A, B, n, h,
			      act);
}

void nn_nais_dz(float *dz, float *dc, const float *gx, size_t N, float h, nn_act act, int last)
{
	if (act == NN_TANH)
		NN_EACH(i, N, dz[i] = h * gx[i] * (1.0f - dz[i] * dz[i]));
	else
		NN_EACH(i, N, float g = h * gx[i]; dz[i] = dz[i] > 0.0f ? g : 0.0f);
	if (last)
		memcpy(dc, dz, N * sizeof *dc);
	else
		NN_EACH(i, N, dc[i] += dz[i]);
}

void nn_nais_backward(float *du, float *dA, float *dBm, float *db, float *gx, float *dc,
		      const float *u, const float *A, const float *Bm, const float *X, float *S,
		      int B, int n, int K, float h, nn_act act)
{
	/* Reverse the stages. With z(k) = x(k)·Aᵀ + c and x(k+1) = x(k) + h·σ(z(k)):
	 *   dz(k) = h · g(k+1) ⊙ σ'(z(k)),  g(k) = g(k+1) + dz(k)·A,
	 *   dA += Σ_k dz(k)ᵀ·x(k),  dc = Σ_k dz(k).
	 * g lives in gx; dz(k) overwrites s(k) (σ' is read from s before it goes). */
	size_t N = (size_t)B * n;
	for (int k = K - 1; k >= 0; k--) {
		float *dz = S + k * N; /* [B][n]: s(k) on entry, dz(k) after */
		nn_nais_dz(dz, dc, gx, N, h, act, k == K - 1);
		/* x(0) = 0 is a constant: no gradient flows past the first stage. */
		if (k > 0)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, n, n, 1.0f, dz, n,
				    A, n, 1.0f, gx, n);
	}
	/* dA[n][n] += Σ_{k=1}^{K−1} dz(k)ᵀ·x(k) = S[1..K−1]ᵀ · X[0..K−2] as one product with
	 * inner dimension (K−1)·B; the k = 0 term vanishes because x(0) = 0. */
	if (K > 1)
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, (K - 1) * B, 1.0f,
			    S + N, n, X, n, 1.0f, dA, n);
	/* c = u·Bmᵀ + b is a dense layer; du may alias gx, which is no longer read. */
	nn_dense_backward(du, dBm, db, dc, u, Bm, B, n, n);
}

void nn_nais_dR(float *dR, float *sym, const float *dA, const float *R, int n)
{
	/* δA = −(δRᵀR + RᵀδR) gives ⟨dA, δA⟩ = ⟨−R(dA + dAᵀ), δR⟩. */
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			sym[(size_t)i * n + j] = dA[(size_t)i * n + j] + dA[(size_t)j * n + i];
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, -1.0f, R, n, sym, n, 1.0f,
		    dR, n);
}
