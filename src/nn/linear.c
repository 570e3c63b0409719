/* linear.c — dense layers through cblas_sgemm, and the naive product the tests trust;
 * the cuts of a product over a team's parts that keep its bits, and a part's piece of a
 * product and of a dense layer (split.c and convrun.c split steps with them).
 *
 * Row-major: a batch is in[B][I], a weight W[O][I] (PyTorch's layout), so the forward is
 * in·Wᵀ and the weight gradient doutᵀ·in; both map onto one sgemm with a transpose flag,
 * never an explicit transpose copy. */
#include "gglab/nn.h"

#include <cblas.h>
/* OpenBLAS's config header includes <complex.h>, whose I macro would shadow the
 * I-for-input-features naming used with nn.h. */
#undef I
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/util.h"

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

/* Part p's piece of nn_dense_forward: the bias first, then the product with beta 1, on the
 * box of out[B][O] that c gives p. */
void nn_dense_forward_piece(const nn_cut *c, int p, float *out, const float *in, const float *W,
			    const float *b, int B, int I, int O)
{
	int r0, r1, c0, c1;
	nn_cut_box(c, p, B, O, &r0, &r1, &c0, &c1);
	for (int r = r0; r < r1 && c1 > c0; r++)
		memcpy(out + (size_t)r * O + c0, b + c0, (size_t)(c1 - c0) * sizeof *out);
	nn_gemm_piece(c, p, 0, 1, B, O, I, 1.0f, in, I, W, I, 1.0f, out, O);
}

/* Part p of P's piece of nn_dense_backward: db over outputs [O·p/P, O·(p+1)/P) (rows in
 * order, as the whole call), dW over its piece under cdw, din over its piece under cdx.
 * It zeroes what it sums into first: 0 + x is x, so these are the bits of the whole call
 * on zeroed gradients. */
void nn_dense_backward_piece(const nn_cut *cdw, const nn_cut *cdx, int p, int P, float *din,
			     float *dW, float *db, const float *dout, const float *in,
			     const float *W, int B, int I, int O)
{
	int o0 = O * p / P, o1 = O * (p + 1) / P;
	if (o1 > o0) {
		memset(db + o0, 0, (size_t)(o1 - o0) * sizeof *db);
		for (int r = 0; r < B; r++) {
			const float *d = dout + (size_t)r * O + o0;
			NN_EACH(o, o1 - o0, db[o0 + o] += d[o]);
		}
	}
	nn_gemm_piece_zero(cdw, p, O, I, dW);
	nn_gemm_piece(cdw, p, 1, 0, O, I, B, 1.0f, dout, O, in, I, 1.0f, dW, I);
	if (din)
		nn_gemm_piece(cdx, p, 0, 0, B, I, O, 1.0f, dout, O, W, I, 0.0f, din, I);
}

/* ---- which cuts of a product keep its bits ------------------------------------- */

typedef struct {
	int ta, tb, M, N, K, beta, cols, parts;
	int cut[NN_TEAM_MAX + 1];
	int same;
} split_memo;

enum { MEMO_MAX = 512 };
static split_memo memo[MEMO_MAX];
static int nmemo;
static pthread_mutex_t memo_mu = PTHREAD_MUTEX_INITIALIZER;

static int memo_find(const split_memo *k)
{
	for (int i = 0; i < nmemo; i++) {
		const split_memo *e = &memo[i];
		if (e->ta == k->ta && e->tb == k->tb && e->M == k->M && e->N == k->N && e->K == k->K &&
		    e->beta == k->beta && e->cols == k->cols && e->parts == k->parts &&
		    !memcmp(e->cut, k->cut, (size_t)(k->parts + 1) * sizeof *k->cut))
			return e->same;
	}
	return -1;
}

static void fill_seeded(float *p, size_t n, uint32_t *s)
{
	/* xorshift32 to [−1, 1) with full mantissas: any change of rounding shows */
	for (size_t i = 0; i < n; i++) {
		*s ^= *s << 13;
		*s ^= *s >> 17;
		*s ^= *s << 5;
		p[i] = (float)((double)*s / 2147483648.0 - 1.0);
	}
}

static int measure_same(const split_memo *k)
{
	int M = k->M, N = k->N, K = k->K;
	size_t na = (size_t)M * K, nb = (size_t)K * N, nc = (size_t)M * N;
	float *A = gg_xmalloc(na * sizeof *A), *B = gg_xmalloc(nb * sizeof *B);
	float *C0 = gg_xmalloc(nc * sizeof *C0), *C1 = gg_xmalloc(nc * sizeof *C1);
	uint32_t s = 2463534242u;
	fill_seeded(A, na, &s);
	fill_seeded(B, nb, &s);
	fill_seeded(C0, nc, &s);
	memcpy(C1, C0, nc * sizeof *C1);
	CBLAS_TRANSPOSE TA = k->ta ? CblasTrans : CblasNoTrans, TB = k->tb ? CblasTrans : CblasNoTrans;
	int lda = k->ta ? M : K, ldb = k->tb ? K : N;
	float beta = k->beta ? 1.0f : 0.0f;
	cblas_sgemm(CblasRowMajor, TA, TB, M, N, K, 1.0f, A, lda, B, ldb, beta, C0, N);
	for (int p = 0; p < k->parts; p++) {
		int c0 = k->cut[p], c1 = k->cut[p + 1];
		if (c1 <= c0)
			continue;
		if (k->cols)
			cblas_sgemm(CblasRowMajor, TA, TB, M, c1 - c0, K, 1.0f, A, lda,
				    k->tb ? B + (size_t)c0 * K : B + c0, ldb, beta, C1 + c0, N);
		else
			cblas_sgemm(CblasRowMajor, TA, TB, c1 - c0, N, K, 1.0f,
				    k->ta ? A + c0 : A + (size_t)c0 * K, lda, B, ldb, beta,
				    C1 + (size_t)c0 * N, N);
	}
	int same = !memcmp(C0, C1, nc * sizeof *C0);
	free(A);
	free(B);
	free(C0);
	free(C1);
	return same;
}

int nn_gemm_split_same(int ta, int tb, int M, int N, int K, int beta, int cols, const int *cut,
		       int parts)
{
	if (parts < 1 || parts > NN_TEAM_MAX || cut[0] != 0 || cut[parts] != (cols ? N : M))
		return 0;
	split_memo k = { ta != 0, tb != 0, M, N, K, beta != 0, cols != 0, parts, { 0 }, 0 };
	memcpy(k.cut, cut, (size_t)(parts + 1) * sizeof *cut);
	pthread_mutex_lock(&memo_mu);
	int same = memo_find(&k);
	pthread_mutex_unlock(&memo_mu);
	if (same >= 0)
		return same;
	same = measure_same(&k);
	pthread_mutex_lock(&memo_mu);
	k.same = same;
	if (memo_find(&k) < 0 && nmemo < MEMO_MAX)
		memo[nmemo++] = k;
	pthread_mutex_unlock(&memo_mu);
	return same;
}

/* ---- the cut of a product over a team's parts ----------------------------------- */

/* cut[0..P] of n into P parts of about n/P, each boundary a multiple of a; 0 when that
 * leaves a part empty. */
int nn_cut_even(int n, int P, int a, int *cut)
{
	cut[0] = 0;
	for (int p = 1; p < P; p++) {
		int c = (int)((double)n * p / P / a + 0.5) * a;
		if (c <= cut[p - 1] || c >= n)
			return 0;
		cut[p] = c;
	}
	cut[P] = n;
	return 1;
}

/* Boundaries are tried at multiples of these, the most even cut first. OpenBLAS's
 * kernels tile by 4 to 24 (16 for SkylakeX's sgemm, 12 for Haswell's here). */
static const int ALIGNS[] = { 1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128 };

enum { NALIGNS = sizeof ALIGNS / sizeof *ALIGNS };

/* What the last choices found, to try first (each check costs two products): per
 * dimension (0 rows, 1 columns) the alignment that kept the bits, and whether no cut did.
 * With Haswell's kernel here column cuts never keep the bits and row cuts need multiples
 * of 12; remembering that takes a plan at B = 4096 from about 1.1 s to a tenth of that. */
static _Atomic int last_good[2], last_dead[2];

int nn_gemm_cut(int ta, int tb, int M, int N, int K, int beta, int P, nn_cut *out)
{
	/* the larger dimension first, unless its cuts kept nothing last time */
	int first_cols = N > M;
	if (last_dead[first_cols] && !last_dead[!first_cols])
		first_cols = !first_cols;
	for (int k = 0; k < 2; k++) {
		int cols = k ? !first_cols : first_cols, n = cols ? N : M;
		int c[NN_TEAM_MAX + 1], tried[NALIGNS + 1], ntried = 0, good = last_good[cols];
		for (int i = -1; i < NALIGNS; i++) {
			int a = i < 0 ? good : i; /* the last good alignment first */
			if (!nn_cut_even(n, P, ALIGNS[a], c))
				continue;
			int seen = 0;
			for (int j = 0; j < ntried; j++)
				seen |= tried[j] == c[1];
			if (seen)
				continue;
			tried[ntried++] = c[1];
			if (nn_gemm_split_same(ta, tb, M, N, K, beta, cols, c, P)) {
				last_good[cols] = a;
				last_dead[cols] = 0;
				out->cols = cols;
				memcpy(out->cut, c, (size_t)(P + 1) * sizeof *c);
				return 1;
			}
		}
		if (ntried)
			last_dead[cols] = 1;
	}
	nn_cut_whole(M, P, out);
	return 0;
}

/* All of C on part 0: the rows [0, M) for it, none for the others. */
void nn_cut_whole(int M, int P, nn_cut *c)
{
	c->cols = 0;
	c->cut[0] = 0;
	for (int p = 1; p <= P; p++)
		c->cut[p] = M;
}

/* Part p's rows and columns of C[M][N] under c. */
void nn_cut_box(const nn_cut *c, int p, int M, int N, int *r0, int *r1, int *c0, int *c1)
{
	*r0 = 0, *r1 = M, *c0 = 0, *c1 = N;
	if (c->cols)
		*c0 = c->cut[p], *c1 = c->cut[p + 1];
	else
		*r0 = c->cut[p], *r1 = c->cut[p + 1];
}

/* Part p's piece of C = alpha·op(A)·op(B) + beta·C: the sgemm of its box alone. */
void nn_gemm_piece(const nn_cut *c, int p, int ta, int tb, int M, int N, int K, float alpha,
		   const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
	int r0, r1, c0, c1;
	nn_cut_box(c, p, M, N, &r0, &r1, &c0, &c1);
	if (r1 <= r0 || c1 <= c0)
		return;
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
		    r1 - r0, c1 - c0, K, alpha, ta ? A + r0 : A + (size_t)r0 * lda, lda,
		    tb ? B + (size_t)c0 * ldb : B + c0, ldb, beta, C + (size_t)r0 * ldc + c0, ldc);
}

/* Zeroes part p's piece of C[M][N]: what a gradient summed with beta 1 starts from. */
void nn_gemm_piece_zero(const nn_cut *c, int p, int M, int N, float *C)
{
	int r0, r1, c0, c1;
	nn_cut_box(c, p, M, N, &r0, &r1, &c0, &c1);
	for (int r = r0; r < r1 && c1 > c0; r++)
		memset(C + (size_t)r * N + c0, 0, (size_t)(c1 - c0) * sizeof *C);
}
