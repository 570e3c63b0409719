/* linear.c — dense layers through cblas_sgemm, and the naive product the tests trust.
 *
 * Row-major: a batch is in[B][I], a weight W[O][I] (PyTorch's layout), so the forward is
 * in·Wᵀ and the weight gradient doutᵀ·in; both map onto one sgemm with a transpose flag,
 * never an explicit transpose copy. */
#include "gglab/nn.h"

#include <cblas.h>
/* OpenBLAS's config header includes <complex.h>, whose I macro would shadow the
 * I-for-input-features naming used with nn.h. */
#undef I
#include <string.h>

void nn_matmul_naive(float *C, const float *A, const float *B, int M, int N, int K)
{
	/* C[M][N] = A[M][K] · B[K][N]; accumulate in double so it is the more accurate side. */
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			double s = 0;
			for (int k = 0; k < K; k++)
				s += (double)A[(size_t)i * K + k] * B[(size_t)k * N + j];
			C[(size_t)i * N + j] = (float)s;
		}
}

void nn_dense_forward(float *out, const float *in, const float *W, const float *b,
		      int B, int I, int O)
{
	/* out[B][O] = in[B][I] · W[O][I]ᵀ + b[O].
	 * Writing the bias first and letting sgemm accumulate (beta = 1) costs one write pass;
	 * beta = 0 would cost the same pass (OpenBLAS zero-fills C) plus a bias pass after. */
	for (int r = 0; r < B; r++)
		memcpy(out + (size_t)r * O, b, (size_t)O * sizeof *out);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, O, I, 1.0f, in, I, W, I, 1.0f,
		    out, O);
}

void nn_dense_backward(float *din, float *dW, float *db, const float *dout,
		       const float *in, const float *W, int B, int I, int O)
{
	/* db[O] += Σ_r dout[r][·]: rows outer so the inner loop is contiguous and vectorizes. */
	for (int r = 0; r < B; r++) {
		const float *d = dout + (size_t)r * O;
		NN_EACH(o, O, db[o] += d[o]);
	}
	/* dW[O][I] += dout[B][O]ᵀ · in[B][I] */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, O, I, B, 1.0f, dout, O, in, I, 1.0f,
		    dW, I);
	/* din[B][I] = dout[B][O] · W[O][I]; the first layer passes NULL (nothing consumes it). */
	if (din)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, I, O, 1.0f, dout, O, W, I,
			    0.0f, din, I);
}
