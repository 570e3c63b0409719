/* test_probes.c — the other instruments' mathematics against references that share no
 * code with them: spectral margins against matrices built with a known spectrum
 * (diagonal, orthogonally similar to diagonal, non-normal with a dominant rotation block)
 * and against cyclic Jacobi for symmetric ones; the contraction; agreement against
 * hand-computed cases. The PH dimension is in test_phdim.c. */
#include "gglab/probes.h"
#include "gglab/rng.h"
#include "gglab/util.h"
#include "test.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static float *fvec(size_t n)
{
	return gg_xcalloc(n, sizeof(float));
}

/* ==== NAIS-Net margins ================================================================= */

/* Cyclic Jacobi eigenvalues of a symmetric S[n][n] (destroyed) into ev[n]. */
static void jacobi(double *S, double *ev, int n)
{
	for (int sweep = 0; sweep < 100; sweep++) {
		double off = 0;
		for (int i = 0; i < n; i++)
			for (int j = i + 1; j < n; j++)
				off += S[i * n + j] * S[i * n + j];
		if (off < 1e-26)
			break;
		for (int p = 0; p < n; p++)
			for (int q = p + 1; q < n; q++) {
				double apq = S[p * n + q];
				if (fabs(apq) < 1e-300)
					continue;
				double th = (S[q * n + q] - S[p * n + p]) / (2 * apq);
				double t = (th >= 0 ? 1 : -1) / (fabs(th) + sqrt(th * th + 1));
				double c = 1 / sqrt(t * t + 1), s = t * c;
				for (int k = 0; k < n; k++) { /* columns p, q */
					double a = S[k * n + p], b = S[k * n + q];
					S[k * n + p] = c * a - s * b;
					S[k * n + q] = s * a + c * b;
				}
				for (int k = 0; k < n; k++) { /* rows p, q */
					double a = S[p * n + k], b = S[q * n + k];
					S[p * n + k] = c * a - s * b;
					S[q * n + k] = s * a + c * b;
				}
			}
	}
	for (int i = 0; i < n; i++)
		ev[i] = S[i * n + i];
}

/* A = (M − I)/h for M[n][n] given in double. */
static void a_from_m(float *A, const double *M, int n, double h)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			A[i * n + j] = (float)((M[i * n + j] - (i == j)) / h);
}

/* M = Q·D·Qᵀ with the Householder reflection Q = I − 2uuᵀ (‖u‖ = 1), D = diag(d). */
static void sym_known(double *M, const double *d, int n, gg_rng *r)
{
	double *u = gg_xmalloc((size_t)n * sizeof(double)), s = 0;
	for (int i = 0; i < n; i++) {
		u[i] = gg_rng_normal(r);
		s += u[i] * u[i];
	}
	for (int i = 0; i < n; i++)
		u[i] /= sqrt(s);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double v = 0;
			for (int k = 0; k < n; k++) {
				double qik = (i == k) - 2 * u[i] * u[k];
				double qjk = (j == k) - 2 * u[j] * u[k];
				v += qik * d[k] * qjk;
			}
			M[i * n + j] = v;
		}
	free(u);
}

/* M = T·D·T⁻¹ with D = blockdiag(s·Rot(θ), diag(rest)) and the non-orthogonal
 * T = I + u vᵀ, vᵀu = 0 (so T⁻¹ = I − u vᵀ): a non-normal matrix whose dominant
 * eigenvalues are the complex pair s·e^{±iθ}. */
static void rot_known(double *M, int n, double s, double th, const double *rest)
{
	double *D = gg_xcalloc((size_t)n * n, sizeof(double));
	double *TD = gg_xcalloc((size_t)n * n, sizeof(double));
	D[0] = s * cos(th);
	D[1] = -s * sin(th);
	D[n] = s * sin(th);
	D[n + 1] = s * cos(th);
	for (int i = 2; i < n; i++)
		D[i * n + i] = rest[i - 2];
	double u[64], v[64];
	for (int i = 0; i < n; i++) {
		u[i] = (i % 2) ? 0.7 : 0;   /* odd coordinates */
		v[i] = (i % 2) ? 0 : 0.9;   /* even coordinates: vᵀu = 0 */
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double a = 0;
			for (int k = 0; k < n; k++)
				a += ((i == k) + u[i] * v[k]) * D[k * n + j];
			TD[i * n + j] = a;
		}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double a = 0;
			for (int k = 0; k < n; k++)
				a += TD[i * n + k] * ((k == j) - u[k] * v[j]);
			M[i * n + j] = a;
		}
	free(D);
	free(TD);
}

static void test_stable_matrix(void)
{
	float R[4] = {1, 2, 3, 4}, A[4];
	margin_stable_matrix(A, R, 2, 0.01f);
	/* RᵀR = [[10, 14], [14, 20]] */
	CHECK_NEAR(A[0], -10.01, 1e-5, "A00");
	CHECK_NEAR(A[1], -14.0, 1e-5, "A01");
	CHECK_NEAR(A[2], -14.0, 1e-5, "A10");
	CHECK_NEAR(A[3], -20.01, 1e-5, "A11");
}

/* The reference for margin_rtr_range: cyclic Jacobi rotations on M = −A − εI, in double,
 * until the off-diagonal part is gone (what the lab computed before LAPACK did it). */
static void jacobi_range(const float *A, int n, float eps, double *lo, double *hi)
{
	double *M = malloc((size_t)n * n * sizeof *M);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			M[(size_t)i * n + j] = -0.5 * ((double)A[(size_t)i * n + j] + A[(size_t)j * n + i]) -
					       (i == j ? eps : 0);
	for (int sw = 0; sw < 50; sw++) {
		double off = 0, diag = 0;
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++)
				*(i == j ? &diag : &off) += M[(size_t)i * n + j] * M[(size_t)i * n + j];
		if (off <= 1e-30 * diag)
			break;
		for (int p = 0; p < n; p++)
			for (int q = p + 1; q < n; q++) {
				double apq = M[(size_t)p * n + q];
				if (apq == 0)
					continue;
				double theta = (M[(size_t)q * n + q] - M[(size_t)p * n + p]) / (2 * apq);
				double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
				double c = 1 / sqrt(t * t + 1), sn = t * c;
				for (int k = 0; k < n; k++) {
					double mkp = M[(size_t)k * n + p], mkq = M[(size_t)k * n + q];
					M[(size_t)k * n + p] = c * mkp - sn * mkq;
					M[(size_t)k * n + q] = sn * mkp + c * mkq;
				}
				for (int k = 0; k < n; k++) {
					double mpk = M[(size_t)p * n + k], mqk = M[(size_t)q * n + k];
					M[(size_t)p * n + k] = c * mpk - sn * mqk;
					M[(size_t)q * n + k] = sn * mpk + c * mqk;
				}
			}
	}
	*lo = INFINITY;
	*hi = -INFINITY;
	for (int i = 0; i < n; i++) {
		*lo = fmin(*lo, M[(size_t)i * n + i]);
		*hi = fmax(*hi, M[(size_t)i * n + i]);
	}
	free(M);
}

/* LAPACK's extreme eigenvalues against the Jacobi reference, on dense R of a few sizes. */
static void test_rtr_reference(void)
{
	static const int sizes[] = { 1, 2, 7, 40, 100 };
	gg_rng g;
	gg_rng_seed(&g, 9);
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		int n = sizes[k];
		float *R = malloc((size_t)n * n * sizeof *R), *A = malloc((size_t)n * n * sizeof *A);
		for (int i = 0; i < n * n; i++)
			R[i] = (float)(gg_rng_normal(&g) / sqrt((double)n));
		margin_stable_matrix(A, R, n, 0.02f);
		double lo, hi, rlo, rhi;
		margin_rtr_range(A, n, 0.02f, &lo, &hi);
		jacobi_range(A, n, 0.02f, &rlo, &rhi);
		double tol = 1e-12 * (fabs(rhi) + 1);
		CHECK(fabs(lo - rlo) <= tol && fabs(hi - rhi) <= tol,
		      "n=%d: LAPACK gives %.17g..%.17g, Jacobi %.17g..%.17g", n, lo, hi, rlo, rhi);
		free(R);
		free(A);
	}
}

/* λ_min and λ_max of RᵀR back from A = −RᵀR − εI: a diagonal R, then a dense one (its
 * eigenvalues sum to the trace and bound every Rayleigh quotient). */
static void test_rtr_range(void)
{
	enum { N = 6 };
	float R[N * N] = { 0 }, A[N * N];
	for (int i = 0; i < N; i++)
		R[i * N + i] = (float)(i + 1);
	margin_stable_matrix(A, R, N, 0.1f);
	double lo, hi;
	margin_rtr_range(A, N, 0.1f, &lo, &hi);
	CHECK_NEAR(lo, 1, 1e-5, "diagonal: the smallest is 1");
	CHECK_NEAR(hi, 36, 1e-4, "diagonal: the largest is 36");
	gg_rng g;
	gg_rng_seed(&g, 5);
	for (int i = 0; i < N * N; i++)
		R[i] = (float)(gg_rng_uniform(&g) - 0.5);
	margin_stable_matrix(A, R, N, 0.01f);
	margin_rtr_range(A, N, 0.01f, &lo, &hi);
	double tr = 0;
	for (int i = 0; i < N * N; i++)
		tr += (double)R[i] * R[i];
	CHECK(lo >= -1e-9 && lo <= hi && hi <= tr + 1e-6 && lo * N <= tr + 1e-6 && hi * N >= tr - 1e-6,
	      "dense: 0 <= %g <= %g, trace %g", lo, hi, tr);
	/* the margin of I + hA follows from them: 1 − max(|1 − h(λ+ε)|) */
	margin_spectral_result sr;
	char err[GG_ERRLEN];
	float h = 0.5f;
	CHECK(margin_spectral(&sr, A, N, h, 2000, err) == 0, "%s", err);
	double want = 1 - fmax(fabs(1 - h * (lo + 0.01)), fabs(1 - h * (hi + 0.01)));
	CHECK_NEAR(sr.margin, want, 1e-5, "the spectral margin agrees with λ_min, λ_max");
}

static void test_margin_diagonal(void)
{
	char err[GG_ERRLEN];
	int n = 6;
	float A[36] = {0};
	float d[6] = {-0.1f, -0.5f, -1.0f, -1.5f, -0.3f, -1.9f};
	for (int i = 0; i < n; i++)
		A[i * n + i] = d[i];
	margin_spectral_result res;
	for (int t = 0; t < 3; t++) {
		float h = t == 0 ? 0.5f : t == 1 ? 1.0f : 0.25f;
		double exact = 1e9;
		for (int i = 0; i < n; i++)
			exact = fmin(exact, 1 - fabs(1 + (double)h * d[i]));
		CHECK(margin_spectral(&res, A, n, h, 0, err) == 0, "%s", err);
		CHECK(res.converged, "diagonal h=%g did not converge (%d iters)", h, res.iters);
		CHECK_NEAR(res.margin, exact, 1e-7, "diagonal spectral h=%g", h);
		CHECK_NEAR(margin_gershgorin(A, n, h), exact, 1e-12, "diagonal Gershgorin h=%g", h);
		double nm;
		CHECK(margin_norm(&nm, A, n, h, err) == 0, "%s", err);
		CHECK_NEAR(nm, exact, 1e-7, "diagonal norm margin h=%g", h);
	}
	/* h = 1: −1.9 → |1 − 1.9| = 0.9 dominates 0.9 from −0.1 too; exact either way. A 1×1. */
	float a1 = -2.5f;
	CHECK(margin_spectral(&res, &a1, 1, 1.0f, 0, err) == 0 && fabs(res.margin + 0.5) < 1e-12,
	      "1×1 margin %g", res.margin);
	/* A = −I, h = 1: M = 0, ρ = 0. */
	float Z[4] = {-1, 0, 0, -1};
	CHECK(margin_spectral(&res, Z, 2, 1.0f, 0, err) == 0 && fabs(res.margin - 1) < 1e-12,
	      "zero M margin %g", res.margin);
}

static void test_margin_symmetric(void)
{
	char err[GG_ERRLEN];
	gg_rng r;
	gg_rng_seed(&r, 31);
	int n = 16;
	double d[16], M[256];
	float A[256];
	/* Known spectrum with a negative dominant eigenvalue: ρ = 0.9. */
	for (int i = 0; i < n; i++)
		d[i] = 0.8 - 0.1 * i; /* 0.8 … −0.7 */
	d[5] = -0.9;
	sym_known(M, d, n, &r);
	a_from_m(A, M, n, 0.5);
	margin_spectral_result res;
	CHECK(margin_spectral(&res, A, n, 0.5f, 0, err) == 0, "%s", err);
	CHECK_NEAR(res.rho, 0.9, 1e-5, "symmetric known spectrum (%d iters)", res.iters);
	CHECK(margin_gershgorin(A, n, 0.5f) <= res.margin + 1e-9, "Gershgorin above m_ρ");

	/* Outside the unit circle: ρ = 1.2 → margin −0.2. */
	d[5] = 1.2;
	sym_known(M, d, n, &r);
	a_from_m(A, M, n, 0.5);
	CHECK(margin_spectral(&res, A, n, 0.5f, 0, err) == 0, "%s", err);
	CHECK_NEAR(res.margin, -0.2, 1e-5, "unstable symmetric");
}

static void test_margin_nonsymmetric(void)
{
	char err[GG_ERRLEN];
	int n = 8;
	double M[64], rest[6] = {0.5, -0.6, 0.3, 0.1, -0.2, 0.7};
	float A[64];
	margin_spectral_result res;
	double s[] = {0.9, 1.05};
	for (int t = 0; t < 2; t++) {
		rot_known(M, n, s[t], 0.7, rest);
		a_from_m(A, M, n, 0.5);
		CHECK(margin_spectral(&res, A, n, 0.5f, 0, err) == 0, "%s", err);
		CHECK(res.converged, "rotation s=%g did not converge", s[t]);
		CHECK_NEAR(res.margin, 1 - s[t], 1e-5, "rotation-scaled non-normal (%d iters)",
			   res.iters);
		double nm;
		CHECK(margin_norm(&nm, A, n, 0.5f, err) == 0, "%s", err);
		CHECK(nm <= res.margin + 1e-9, "norm margin %g above spectral %g", nm, res.margin);
		/* ‖M‖₂ against Jacobi on MᵀM (M rebuilt from the float A). */
		double G[64], ev[8], Mf[64];
		for (int i = 0; i < 64; i++)
			Mf[i] = (i % 9 == 0) + 0.5 * A[i];
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++) {
				double g = 0;
				for (int k = 0; k < n; k++)
					g += Mf[k * n + i] * Mf[k * n + j];
				G[i * n + j] = g;
			}
		jacobi(G, ev, n);
		double smax = 0;
		for (int i = 0; i < n; i++)
			smax = fmax(smax, ev[i]);
		CHECK_NEAR(nm, 1 - sqrt(smax), 1e-9, "non-normal norm margin vs Jacobi");
		CHECK(nm < res.margin - 0.01, "non-normal: ‖M‖₂ should exceed ρ clearly (%g vs %g)",
		      nm, res.margin);
		CHECK(margin_gershgorin(A, n, 0.5f) <= res.margin + 1e-9, "Gershgorin above m_ρ");
	}
	CHECK(res.margin < 0, "expanding block has margin %g", res.margin);

	/* A plain 2×2 rotation by 90° scaled 0.8: a single power vector never settles. */
	float A2[4];
	double R2[4] = {0, -0.8, 0.8, 0};
	a_from_m(A2, R2, 2, 1.0);
	CHECK(margin_spectral(&res, A2, 2, 1.0f, 0, err) == 0, "%s", err);
	CHECK_NEAR(res.margin, 0.2, 1e-6, "2×2 rotation");
	double nm;
	CHECK(margin_norm(&nm, A2, 2, 1.0f, err) == 0 && fabs(nm - 0.2) < 1e-6, "norm %g", nm);

	/* Three eigenvalues of modulus 1 (a 3-cycle permutation): the block of two cannot
	 * settle; the Gelfand fallback still finds ρ = 1. */
	double C3[9] = {0, 0, 1, 1, 0, 0, 0, 1, 0};
	float A3[9];
	a_from_m(A3, C3, 3, 1.0);
	CHECK(margin_spectral(&res, A3, 3, 1.0f, 400, err) == 0, "%s", err);
	CHECK_NEAR(res.rho, 1.0, 1e-6, "3-cycle (converged %d)", res.converged);
}

/* A stable-parametrized A after the projection has m_ρ ≥ 0 for every h ≤ 1; checked
 * against Jacobi eigenvalues of the symmetric M. */
static void test_margin_stable(void)
{
	char err[GG_ERRLEN];
	gg_rng r;
	gg_rng_seed(&r, 41);
	int n = 24;
	float eps = 0.01f;
	float *R = fvec((size_t)n * n), *A = fvec((size_t)n * n);
	double *S = gg_xmalloc((size_t)n * n * sizeof(double)), ev[24];
	for (int trial = 0; trial < 3; trial++) {
		for (int i = 0; i < n * n; i++)
			R[i] = (trial + 1) * gg_rng_normal(&r);
		/* The projection: if ‖RᵀR‖_F > δ = 1 − 2ε, scale R by √(δ/‖RᵀR‖_F). */
		margin_stable_matrix(A, R, n, 0);
		double fro = 0;
		for (int i = 0; i < n * n; i++)
			fro += (double)A[i] * A[i];
		fro = sqrt(fro);
		double delta = 1 - 2 * eps;
		if (fro > delta)
			for (int i = 0; i < n * n; i++)
				R[i] *= (float)sqrt(delta / fro);
		margin_stable_matrix(A, R, n, eps);
		float hs[] = {0.1f, 0.5f, 1.0f};
		for (int t = 0; t < 3; t++) {
			float h = hs[t];
			margin_spectral_result res;
			CHECK(margin_spectral(&res, A, n, h, 0, err) == 0, "%s", err);
			CHECK(res.margin >= 0, "stable trial %d h=%g margin %g", trial, h, res.margin);
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					S[i * n + j] = (i == j) + (double)h * A[i * n + j];
			jacobi(S, ev, n);
			double rho = 0;
			for (int i = 0; i < n; i++)
				rho = fmax(rho, fabs(ev[i]));
			CHECK_NEAR(res.rho, rho, 1e-6, "stable trial %d h=%g vs Jacobi (%d iters)",
				   trial, h, res.iters);
			CHECK(res.margin >= h * eps * 0.999, "margin %g below hε", res.margin);
			double nm;
			CHECK(margin_norm(&nm, A, n, h, err) == 0, "%s", err);
			CHECK_NEAR(nm, 1 - rho, 1e-6, "symmetric: norm margin = spectral margin");
		}
	}
	/* Asymmetry at float-rounding level (a BLAS RᵀR need not be bitwise symmetric) still
	 * takes the symmetric path (at most n Lanczos steps) and gives the same ρ. */
	margin_spectral_result r0, r1;
	CHECK(margin_spectral(&r0, A, n, 0.5f, 0, err) == 0, "%s", err);
	A[1] = nextafterf(nextafterf(A[1], 1.0f), 1.0f);
	CHECK(margin_spectral(&r1, A, n, 0.5f, 0, err) == 0, "%s", err);
	CHECK(r1.iters <= n && r1.converged, "near-symmetric took %d iterations", r1.iters);
	CHECK_NEAR(r1.rho, r0.rho, 1e-6, "near-symmetric ρ");
	free(S);
	free(R);
	free(A);

	/* Gershgorin never exceeds m_ρ, on random non-symmetric matrices. */
	int ok = 1;
	for (int trial = 0; trial < 20; trial++) {
		float B[36];
		for (int i = 0; i < 36; i++)
			B[i] = 0.3f * gg_rng_normal(&r) - (i % 7 == 0 ? 1.0f : 0.0f);
		margin_spectral_result res;
		margin_spectral(&res, B, 6, 0.5f, 0, err);
		ok &= margin_gershgorin(B, 6, 0.5f) <= res.margin + 1e-9;
	}
	CHECK(ok, "Gershgorin exceeded the spectral margin");
}

static void test_margin_errors(void)
{
	char err[GG_ERRLEN];
	margin_spectral_result res;
	float A[4] = {0, 1, NAN, 0};
	CHECK(margin_spectral(&res, A, 2, 0.5f, 0, err) == -1 && strstr(err, "A[1][0]"),
	      "NaN: %s", err);
	CHECK(margin_spectral(&res, A, 0, 0.5f, 0, err) == -1, "n = 0 accepted");
	double nm;
	CHECK(margin_norm(&nm, A, 2, 0.5f, err) == -1, "norm with NaN accepted");
	A[2] = 0;
	CHECK(margin_spectral(&res, A, 2, INFINITY, 0, err) == -1, "h = inf accepted");
}

static void test_contraction(void)
{
	char err[GG_ERRLEN];
	int B = 5, n = 7;
	float *x[3];
	for (int k = 0; k < 3; k++)
		x[k] = fvec((size_t)B * n);
	gg_rng r;
	gg_rng_seed(&r, 51);
	double ratio = 0.6;
	/* x(k) = r^k·v per row (k = K−2, K−1, K as 3, 4, 5); row 2 is at rest (v = 0). */
	for (int b = 0; b < B; b++)
		for (int i = 0; i < n; i++) {
			double v = b == 2 ? 0 : gg_rng_normal(&r);
			for (int k = 0; k < 3; k++)
				x[k][b * n + i] = (float)(pow(ratio, 3 + k) * v);
		}
	double out;
	int used;
	CHECK(margin_contraction(&out, &used, x[0], x[1], x[2], B, n, err) == 0, "%s", err);
	CHECK_NEAR(out, ratio, 1e-5, "geometric sequence");
	CHECK(used == B - 1, "used %d rows", used);
	CHECK(margin_contraction(&out, NULL, x[0], x[0], x[0], B, n, err) == -1 &&
		      strstr(err, "moved"),
	      "all at rest: %s", err);
	CHECK(margin_contraction(&out, NULL, x[0], x[1], x[2], 0, n, err) == -1, "B = 0");
	for (int k = 0; k < 3; k++)
		free(x[k]);
}

/* ==== twin agreement =================================================================== */

static double kl2(double p0, double q0)
{
	return p0 * log(p0 / q0) + (1 - p0) * log((1 - p0) / (1 - q0));
}

static void test_agree(void)
{
	char err[GG_ERRLEN];
	double out;
	/* Identical runs: all three are 0. */
	float same[3][4][3];
	for (int r = 0; r < 3; r++)
		for (int u = 0; u < 4; u++) {
			same[r][u][0] = 0.2f + 0.1f * u;
			same[r][u][1] = 0.5f - 0.1f * u;
			same[r][u][2] = 0.3f;
		}
	int set3[3] = {0, 1, 1};
	CHECK(agree_disagreement(&out, &same[0][0][0], 3, 4, 3, err) == 0 && out == 0, "dis %g", out);
	CHECK(agree_inconsistency(&out, &same[0][0][0], 3, 4, 3, err) == 0 && out == 0, "C %g", out);
	CHECK(agree_instability(&out, &same[0][0][0], set3, 2, 3, 4, 3, err) == 0 && out == 0,
	      "S %g", out);

	/* Disagreement by hand: 3 runs, 4 points, argmaxes
	 *   run 0: 0 1 1 0    run 1: 0 0 1 1    run 2: 1 1 1 0
	 * pairs (0,1): 2/4, (0,2): 1/4, (1,2): 3/4 → mean 0.5. */
	int am[3][4] = {{0, 1, 1, 0}, {0, 0, 1, 1}, {1, 1, 1, 0}};
	float dp[3][4][2];
	for (int r = 0; r < 3; r++)
		for (int u = 0; u < 4; u++) {
			dp[r][u][am[r][u]] = 0.6f + 0.05f * r;
			dp[r][u][1 - am[r][u]] = 0.4f - 0.05f * r;
		}
	CHECK(agree_disagreement(&out, &dp[0][0][0], 3, 4, 2, err) == 0, "%s", err);
	CHECK_NEAR(out, 0.5, 1e-12, "hand disagreement");
	/* Their error on the same points, labels 0 1 1 1: run 0 misses 1, run 1 misses 1,
	 * run 2 misses 2 → 4 of 12. */
	uint8_t lab[4] = {0, 1, 1, 1};
	CHECK(agree_error(&out, &dp[0][0][0], lab, 3, 4, 2, err) == 0, "%s", err);
	CHECK_NEAR(out, 4.0 / 12, 1e-12, "hand error of the twins");
	/* Ties go to the lowest class: (0.5, 0.5) vs (0.4, 0.6) differ, vs (0.6, 0.4) agree. */
	float tie[3][1][2] = {{{0.5f, 0.5f}}, {{0.4f, 0.6f}}, {{0.6f, 0.4f}}};
	CHECK(agree_disagreement(&out, &tie[0][0][0], 3, 1, 2, err) == 0, "%s", err);
	CHECK_NEAR(out, 2.0 / 3, 1e-12, "ties (pairs 01 and 12 differ)");

	/* KL by hand and its asymmetry: C is the mean over ordered pairs. */
	float pq[2][1][2] = {{{0.5f, 0.5f}}, {{0.9f, 0.1f}}};
	double kpq = kl2(0.5, 0.9), kqp = kl2(0.9, 0.5);
	CHECK(fabs(kpq - kqp) > 0.1, "test case not asymmetric");
	CHECK(agree_inconsistency(&out, &pq[0][0][0], 2, 1, 2, err) == 0, "%s", err);
	CHECK_NEAR(out, 0.5 * (kpq + kqp), 1e-7, "two-run inconsistency");
	/* Three runs: six ordered pairs. */
	float p3[3][1][2] = {{{0.5f, 0.5f}}, {{0.9f, 0.1f}}, {{0.2f, 0.8f}}};
	double want = (kl2(.5, .9) + kl2(.9, .5) + kl2(.5, .2) + kl2(.2, .5) + kl2(.9, .2) +
		       kl2(.2, .9)) / 6;
	CHECK(agree_inconsistency(&out, &p3[0][0][0], 3, 1, 2, err) == 0, "%s", err);
	CHECK_NEAR(out, want, 1e-6, "three-run inconsistency");
	/* A hard zero stays finite through the clamp: KL((½,½) ‖ (1,0)) = ½ln½ + ½(ln½ − ln 1e-12). */
	float hz[2][1][2] = {{{0.5f, 0.5f}}, {{1.0f, 0.0f}}};
	want = 0.5 * ((0.5 * log(0.5) + 0.5 * (log(0.5) - log(1e-12))) + log(2.0));
	CHECK(agree_inconsistency(&out, &hz[0][0][0], 2, 1, 2, err) == 0 && isfinite(out), "%s", err);
	CHECK_NEAR(out, want, 1e-6, "clamped zero");

	/* Instability by hand: runs 0,1 in set 0, runs 2,3 in set 1, one point, two classes.
	 * f̄_0 = mean(0.6, 0.8) = 0.7, f̄_1 = mean(0.2, 0.4) = 0.3. */
	float ps[4][1][2] = {{{0.6f, 0.4f}}, {{0.8f, 0.2f}}, {{0.2f, 0.8f}}, {{0.4f, 0.6f}}};
	int set[4] = {0, 0, 1, 1};
	CHECK(agree_instability(&out, &ps[0][0][0], set, 2, 4, 1, 2, err) == 0, "%s", err);
	CHECK_NEAR(out, 0.5 * (kl2(0.7, 0.3) + kl2(0.3, 0.7)), 1e-6, "two sets");
	/* Three sets of unequal size (1, 2, 1 runs): f̄ = 0.6, (0.8+0.2)/2 = 0.5, 0.4. */
	int set3b[4] = {0, 1, 1, 2};
	want = (kl2(.6, .5) + kl2(.5, .6) + kl2(.6, .4) + kl2(.4, .6) + kl2(.5, .4) + kl2(.4, .5)) /
	       6;
	CHECK(agree_instability(&out, &ps[0][0][0], set3b, 3, 4, 1, 2, err) == 0, "%s", err);
	CHECK_NEAR(out, want, 1e-6, "three sets");
	/* Averaging inside a set: runs that differ but share a set mean give S = 0 < C. */
	float pm[4][1][2] = {{{0.6f, 0.4f}}, {{0.4f, 0.6f}}, {{0.4f, 0.6f}}, {{0.6f, 0.4f}}};
	CHECK(agree_instability(&out, &pm[0][0][0], set, 2, 4, 1, 2, err) == 0, "%s", err);
	CHECK_NEAR(out, 0.0, 1e-7, "equal set means");
	CHECK(agree_inconsistency(&out, &pm[0][0][0], 4, 1, 2, err) == 0 && out > 0.01, "C %g", out);
}

static void test_agree_errors(void)
{
	char err[GG_ERRLEN];
	double out;
	float p[2][2][2] = {{{0.5f, 0.5f}, {0.3f, 0.7f}}, {{0.5f, 0.5f}, {0.3f, 0.7f}}};
	int set[2] = {0, 1};
	CHECK(agree_disagreement(&out, &p[0][0][0], 1, 2, 2, err) == -1, "one run accepted");
	CHECK(strcmp(err, "twin agreement needs at least 2 runs, have 1") == 0, "message: %s", err);
	CHECK(isnan(out), "out on failure %g", out);
	CHECK(agree_inconsistency(&out, &p[0][0][0], 1, 2, 2, err) == -1, "C with one run");
	CHECK(agree_instability(&out, &p[0][0][0], set, 2, 1, 2, 2, err) == -1, "S with one run");
	CHECK(agree_instability(&out, &p[0][0][0], set, 1, 2, 2, 2, err) == -1 &&
		      strstr(err, "at least 2 training sets, have 1"),
	      "one set: %s", err);
	int bad[2] = {0, 2};
	CHECK(agree_instability(&out, &p[0][0][0], bad, 2, 2, 2, 2, err) == -1 && strstr(err, "run 1"),
	      "set out of range: %s", err);
	int empty[2] = {0, 0};
	CHECK(agree_instability(&out, &p[0][0][0], empty, 2, 2, 2, 2, err) == -1 &&
		      strstr(err, "set 1 of 2 has no runs"),
	      "empty set: %s", err);
	CHECK(agree_disagreement(&out, &p[0][0][0], 2, 0, 2, err) == -1, "U = 0 accepted");
	CHECK(agree_disagreement(&out, &p[0][0][0], 2, 2, 1, err) == -1, "C = 1 accepted");
	p[1][1][0] = NAN;
	CHECK(agree_inconsistency(&out, &p[0][0][0], 2, 2, 2, err) == -1 &&
		      strstr(err, "run 1") && strstr(err, "point 1"),
	      "NaN: %s", err);
}

int main(void)
{
	test_rtr_range();
	test_rtr_reference();
	test_stable_matrix();
	test_margin_diagonal();
	test_margin_symmetric();
	test_margin_nonsymmetric();
	test_margin_stable();
	test_margin_errors();
	test_contraction();
	test_agree();
	test_agree_errors();
	return test_report();
}
