/* probes.c — NAIS-Net margins and twin agreement; see probes.h (the PH dimension is in
 * phdim.c). */
#include "gglab/probes.h"
#include "gglab/rng.h"
#include "gglab/util.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ==== NAIS-Net margins ================================================================= */

void margin_stable_matrix(float *A, const float *R, int n, float eps)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double s = 0; /* (RᵀR)_ij = Σ_k R_ki R_kj */
			for (int k = 0; k < n; k++)
				s += (double)R[(size_t)k * n + i] * R[(size_t)k * n + j];
			A[(size_t)i * n + j] = (float)(-s - (i == j ? eps : 0));
		}
}

static int margin_check(const float *A, int n, float h, const char *what, char *err)
{
	if (n < 1)
		return gg_fail(err, "%s: matrix size %d must be at least 1", what, n);
	if (!isfinite(h))
		return gg_fail(err, "%s: step h is not finite", what);
	for (size_t i = 0; i < (size_t)n * (size_t)n; i++)
		if (!isfinite(A[i]))
			return gg_fail(err, "%s: A[%zu][%zu] is not finite", what, i / (size_t)n,
				       i % (size_t)n);
	return 0;
}

/* out[n] = (I + hA)·v */
static void mat_apply(double *out, const float *A, int n, double h, const double *v)
{
	for (int i = 0; i < n; i++) {
		const float *a = A + (size_t)i * n;
		double s = 0;
		for (int j = 0; j < n; j++)
			s += (double)a[j] * v[j];
		out[i] = v[i] + h * s;
	}
}

/* out[n] = (I + hA)ᵀ·v */
static void mat_apply_t(double *out, const float *A, int n, double h, const double *v)
{
	for (int j = 0; j < n; j++)
		out[j] = v[j];
	for (int i = 0; i < n; i++) {
		const float *a = A + (size_t)i * n;
		double hv = h * v[i];
		for (int j = 0; j < n; j++)
			out[j] += hv * a[j];
	}
}

static double vdot(const double *a, const double *b, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* Scales v to unit length; returns its former norm. */
static double vnormalize(double *v, int n)
{
	double s = sqrt(vdot(v, v, n));
	if (s > 0)
		for (int i = 0; i < n; i++)
			v[i] /= s;
	return s;
}

/* v −= (v·q) q */
static void vorth(double *v, const double *q, int n)
{
	double c = vdot(v, q, n);
	for (int i = 0; i < n; i++)
		v[i] -= c * q[i];
}

/* A deterministic start vector, orthogonalized against q (if given) and normalized. */
static void vstart(double *v, int n, uint64_t stream, const double *q)
{
	gg_rng r;
	gg_rng_seed(&r, gg_rng_derive(stream, "margin-start"));
	for (int i = 0; i < n; i++)
		v[i] = gg_rng_normal(&r);
	if (q) {
		vorth(v, q, n);
		vorth(v, q, n);
	}
	vnormalize(v, n);
}

/* Largest |λ| of [[a, b], [c, d]]. */
static double eig2_maxabs(double a, double b, double c, double d)
{
	double tr = a + d, det = a * d - b * c;
	double disc = 0.25 * tr * tr - det;
	if (disc >= 0) {
		double s = sqrt(disc);
		return fmax(fabs(0.5 * tr + s), fabs(0.5 * tr - s));
	}
	return sqrt(det); /* complex pair: |λ|² = det > 0 */
}

#define MARGIN_DEFAULT_ITERS 2000
#define MARGIN_TOL 1e-10
#define MARGIN_SETTLE 5   /* consecutive iterations within tolerance */
#define MARGIN_LANCZOS 300 /* Krylov dimension cap for the symmetric path */

/* Symmetric to float rounding: |a_ij − a_ji| ≤ 1e-6·max|a|. (Symmetrizing such an A moves
 * eigenvalues by at most ‖(A − Aᵀ)/2‖₂ ≤ n·1e-6·max|a|·h, well below what the lab shows.) */
static int is_symmetric(const float *A, int n)
{
	double amax = 0;
	for (size_t i = 0; i < (size_t)n * (size_t)n; i++)
		amax = fmax(amax, fabs((double)A[i]));
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (fabs((double)A[(size_t)i * n + j] - A[(size_t)j * n + i]) > 1e-6 * amax)
				return 0;
	return 1;
}

/* Number of eigenvalues < x of the symmetric tridiagonal (a[m] diagonal, b[m−1] off). */
static int sturm_below(const double *a, const double *b, int m, double x)
{
	int cnt = 0;
	double d = 1;
	for (int i = 0; i < m; i++) {
		d = a[i] - x - (i > 0 ? b[i - 1] * b[i - 1] / d : 0);
		if (d == 0)
			d = -1e-300; /* x is an eigenvalue: count it below, keep going */
		cnt += d < 0;
	}
	return cnt;
}

/* Largest |λ| of that tridiagonal: its extreme eigenvalues by Sturm bisection inside the
 * Gershgorin interval, to full double precision. */
static double tridiag_rho(const double *a, const double *b, int m)
{
	double lo = INFINITY, hi = -INFINITY;
	for (int i = 0; i < m; i++) {
		double r = (i > 0 ? fabs(b[i - 1]) : 0) + (i < m - 1 ? fabs(b[i]) : 0);
		lo = fmin(lo, a[i] - r);
		hi = fmax(hi, a[i] + r);
	}
	double ext[2];
	for (int e = 0; e < 2; e++) { /* e = 0: smallest (count ≥ 1), 1: largest (count ≥ m) */
		double l = lo, u = hi;
		for (int it = 0; it < 200 && u - l > 1e-15 * fmax(fabs(l), fabs(u)); it++) {
			double mid = 0.5 * (l + u);
			if (mid <= l || mid >= u)
				break;
			if (sturm_below(a, b, m, mid) >= (e == 0 ? 1 : m))
				u = mid;
			else
				l = mid;
		}
		ext[e] = 0.5 * (l + u);
	}
	return fmax(fabs(ext[0]), fabs(ext[1]));
}

/* Lanczos with full reorthogonalization on a symmetric operator — M = I + hA for a
 * symmetric A, or MᵀM for any A when gram is set — with Krylov dimension up to
 * min(n, MARGIN_LANCZOS), stopping early once the extreme Ritz values settle or the Krylov
 * space becomes invariant (then they are exact). res->rho = max |λ| of the operator. */
static void spectral_lanczos(margin_spectral_result *res, const float *A, int n, double h,
			     int gram)
{
	int mmax = n < MARGIN_LANCZOS ? n : MARGIN_LANCZOS;
	double *V = gg_xmalloc((size_t)(mmax + 1) * (size_t)n * sizeof(double)); /* [m+1][n] */
	double *w = gg_xmalloc(2 * (size_t)n * sizeof(double)); /* [n], then [n] scratch */
	double *a = gg_xmalloc(2 * (size_t)mmax * sizeof(double)), *b = a + mmax; /* T */
	vstart(V, n, 1, NULL);
	double rho = 0, prev = -1;
	int m, settled = 0, done = 0;
	for (m = 1; m <= mmax && !done; m++) {
		double *v = V + (size_t)(m - 1) * n;
		if (gram) {
			mat_apply(w + n, A, n, h, v);
			mat_apply_t(w, A, n, h, w + n);
		} else {
			mat_apply(w, A, n, h, v);
		}
		a[m - 1] = vdot(w, v, n);
		for (int pass = 0; pass < 2; pass++) /* twice is enough (Kahan–Parlett) */
			for (int j = 0; j < m; j++)
				vorth(w, V + (size_t)j * n, n);
		double beta = sqrt(vdot(w, w, n));
		rho = tridiag_rho(a, b, m);
		if (m == n || beta <= 1e-12 * fmax(rho, fabs(a[m - 1])) || beta == 0) {
			done = 1; /* invariant subspace: the Ritz values are eigenvalues */
		} else {
			settled = fabs(rho - prev) <= 1e-14 * fmax(rho, DBL_MIN) ? settled + 1 : 0;
			done = settled >= MARGIN_SETTLE;
			b[m - 1] = beta;
			double *vn = V + (size_t)m * n;
			for (int i = 0; i < n; i++)
				vn[i] = w[i] / beta;
		}
		prev = rho;
	}
	res->iters = m - 1;
	res->converged = done;
	res->rho = rho;
	free(V);
	free(w);
	free(a);
}

/* General M: subspace iteration on a block of two with Rayleigh–Ritz, converged when the
 * block spans an invariant subspace (residual ‖MQ − QH‖_F ≤ 1e-10·‖H‖_F); otherwise the
 * Gelfand fallback described in probes.h. */
static void spectral_block2(margin_spectral_result *res, const float *A, int n, double h,
			    int max_iter)
{
	double *q1 = gg_xmalloc(4 * (size_t)n * sizeof(double)); /* [n] each */
	double *q2 = q1 + n, *z1 = q2 + n, *z2 = z1 + n;
	vstart(q1, n, 1, NULL);
	vstart(q2, n, 2, q1);
	double rho = 0, logsum = 0;
	int settled = 0, it, half = max_iter / 2, nlog = 0;
	for (it = 1; it <= max_iter; it++) {
		mat_apply(z1, A, n, h, q1);
		mat_apply(z2, A, n, h, q2);
		double h11 = vdot(q1, z1, n), h12 = vdot(q1, z2, n);
		double h21 = vdot(q2, z1, n), h22 = vdot(q2, z2, n);
		rho = eig2_maxabs(h11, h12, h21, h22);
		double r2 = 0; /* ‖Z − QH‖_F² */
		for (int i = 0; i < n; i++) {
			double e1 = z1[i] - q1[i] * h11 - q2[i] * h21;
			double e2 = z2[i] - q1[i] * h12 - q2[i] * h22;
			r2 += e1 * e1 + e2 * e2;
		}
		double hn2 = h11 * h11 + h12 * h12 + h21 * h21 + h22 * h22;
		settled = r2 <= MARGIN_TOL * MARGIN_TOL * hn2 ? settled + 1 : 0;
		if (settled >= MARGIN_SETTLE || hn2 == 0) {
			if (hn2 == 0 && vdot(z1, z1, n) + vdot(z2, z2, n) > 0)
				settled = 0; /* Q happened to be orthogonal to its image: not done */
			else
				break;
		}
		double g = vnormalize(z1, n);
		if (g == 0) { /* M·q1 = 0: restart the block from fresh directions */
			vstart(z1, n, 3 + (uint64_t)it, q1);
		} else if (it > half) {
			logsum += log(g);
			nlog++;
		}
		vorth(z2, z1, n);
		vorth(z2, z1, n);
		if (vnormalize(z2, n) <= 1e-13 * (g > 0 ? g : 1))
			vstart(z2, n, 7 + (uint64_t)it, z1);
		memcpy(q1, z1, (size_t)n * sizeof(double));
		memcpy(q2, z2, (size_t)n * sizeof(double));
	}
	res->converged = it <= max_iter;
	res->iters = res->converged ? it : max_iter;
	if (!res->converged && nlog > 0)
		rho = fmax(rho, exp(logsum / nlog));
	res->rho = rho;
	free(q1);
}

int margin_spectral(margin_spectral_result *res, const float *A, int n, float h, int max_iter,
		    char *err)
{
	memset(res, 0, sizeof *res);
	res->margin = res->rho = NAN;
	if (margin_check(A, n, h, "spectral margin", err) < 0)
		return -1;
	if (max_iter <= 0)
		max_iter = MARGIN_DEFAULT_ITERS;
	if (n == 1) {
		res->rho = fabs(1.0 + (double)h * A[0]);
		res->converged = 1;
	} else if (is_symmetric(A, n)) {
		spectral_lanczos(res, A, n, h, 0);
	} else {
		spectral_block2(res, A, n, h, max_iter);
	}
	res->margin = 1 - res->rho;
	return 0;
}

int margin_norm(double *out, const float *A, int n, float h, char *err)
{
	*out = NAN;
	if (margin_check(A, n, h, "norm margin", err) < 0)
		return -1;
	margin_spectral_result res;
	spectral_lanczos(&res, A, n, h, 1); /* λ_max(MᵀM) = ‖M‖₂² */
	*out = 1 - sqrt(res.rho);
	return 0;
}

double margin_gershgorin(const float *A, int n, float h)
{
	double g = INFINITY;
	for (int i = 0; i < n; i++) {
		const float *a = A + (size_t)i * n;
		double off = 0;
		for (int j = 0; j < n; j++)
			if (j != i)
				off += fabs((double)a[j]);
		double gi = 1 - fabs(1 + (double)h * a[i]) - (double)h * off;
		if (gi < g)
			g = gi;
	}
	return g;
}

int margin_contraction(double *out, int *used, const float *xkm2, const float *xkm1,
		       const float *xk, int B, int n, char *err)
{
	*out = NAN;
	if (used)
		*used = 0;
	if (B < 1 || n < 1)
		return gg_fail(err, "contraction ratio: batch %d × width %d is empty", B, n);
	double sum = 0;
	int cnt = 0;
	for (int b = 0; b < B; b++) {
		size_t o = (size_t)b * (size_t)n;
		double num = 0, den = 0;
		for (int i = 0; i < n; i++) {
			double a = (double)xk[o + i] - xkm1[o + i];
			double c = (double)xkm1[o + i] - xkm2[o + i];
			num += a * a;
			den += c * c;
		}
		if (den > 0) {
			sum += sqrt(num / den);
			cnt++;
		}
	}
	if (used)
		*used = cnt;
	if (cnt == 0)
		return gg_fail(err, "contraction ratio: no row of the %d-row probe batch moved "
			       "between stages K−2 and K−1", B);
	*out = sum / cnt;
	return 0;
}

/* LAPACK's symmetric eigenvalue driver, which OpenBLAS carries (Fortran calling convention:
 * every argument by address, then the lengths of the character arguments). */
void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
	     const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
	     const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
	     double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t,
	     size_t, size_t);

/* Every eigenvalue of M = −A − εI (symmetrized, in double) by LAPACK's dsyevr: Householder
 * tridiagonalization and the QR iteration without vectors, O(n³) once. The cyclic Jacobi
 * rotations this replaced took 30 sweeps of strided updates: 11 s at n = 512, on every
 * evaluation of a stable block. */
void margin_rtr_range(const float *A, int n, float eps, double *lo, double *hi)
{
	*lo = *hi = NAN;
	if (n < 1)
		return;
	double *M = gg_xmalloc((size_t)n * n * sizeof *M), *w = gg_xmalloc((size_t)n * sizeof *w);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			M[(size_t)i * n + j] = -0.5 * ((double)A[(size_t)i * n + j] + A[(size_t)j * n + i]) -
					       (i == j ? eps : 0);
	int lwork = 26 * n, liwork = 10 * n, one = 1, m = 0, info = 0, isuppz[2];
	double *work = gg_xmalloc((size_t)lwork * sizeof *work), zero = 0, z = 0;
	int *iwork = gg_xmalloc((size_t)liwork * sizeof *iwork);
	dsyevr_("N", "A", "U", &n, M, &n, &zero, &zero, &one, &one, &zero, &m, w, &z, &one, isuppz,
		work, &lwork, iwork, &liwork, &info, 1, 1, 1);
	if (info == 0 && m == n) { /* ascending */
		*lo = w[0];
		*hi = w[n - 1];
	}
	free(iwork);
	free(work);
	free(w);
	free(M);
}

/* ==== twin agreement =================================================================== */

static int agree_check(const float *probs, int R, int U, int C, char *err)
{
	if (R < 2)
		return gg_fail(err, "twin agreement needs at least 2 runs, have %d", R < 0 ? 0 : R);
	if (U < 1)
		return gg_fail(err, "twin agreement needs at least 1 held-out point, have %d", U);
	if (C < 2)
		return gg_fail(err, "twin agreement needs at least 2 classes, have %d", C);
	size_t per = (size_t)U * (size_t)C;
	for (size_t i = 0; i < (size_t)R * per; i++)
		if (!isfinite(probs[i]))
			return gg_fail(err, "twin agreement: run %zu has a non-finite probability "
				       "at held-out point %zu", i / per, (i % per) / (size_t)C);
	return 0;
}

static int argmax(const float *p, int C)
{
	int best = 0;
	for (int c = 1; c < C; c++)
		if (p[c] > p[best])
			best = c;
	return best;
}

static double clamp_log(double p)
{
	return log(p > AGREE_PMIN ? p : AGREE_PMIN);
}

int agree_disagreement(double *out, const float *probs, int R, int U, int C, char *err)
{
	*out = NAN;
	if (agree_check(probs, R, U, C, err) < 0)
		return -1;
	int *am = gg_xmalloc((size_t)R * sizeof(int)); /* [R] argmax per run at one point */
	long differ = 0;
	for (int u = 0; u < U; u++) {
		for (int r = 0; r < R; r++)
			am[r] = argmax(probs + ((size_t)r * U + u) * C, C);
		for (int r = 0; r < R; r++)
			for (int s = r + 1; s < R; s++)
				differ += am[r] != am[s];
	}
	free(am);
	*out = (double)differ / ((double)U * R * (R - 1) / 2);
	return 0;
}

int agree_error(double *out, const float *probs, const uint8_t *y, int R, int U, int C, char *err)
{
	*out = NAN;
	if (agree_check(probs, R, U, C, err) < 0)
		return -1;
	long wrong = 0;
	for (int r = 0; r < R; r++)
		for (int u = 0; u < U; u++)
			wrong += argmax(probs + ((size_t)r * U + u) * C, C) != y[u];
	*out = (double)wrong / ((double)U * R);
	return 0;
}

/* Σ over ordered pairs a ≠ b of KL(p_a ‖ p_b), with p[n][C] and lp[n][C] its clamped logs. */
static double kl_pairs(const double *p, const double *lp, int n, int C)
{
	double s = 0;
	for (int a = 0; a < n; a++)
		for (int b = 0; b < n; b++) {
			if (a == b)
				continue;
			const double *pa = p + (size_t)a * C;
			const double *la = lp + (size_t)a * C, *lb = lp + (size_t)b * C;
			for (int c = 0; c < C; c++)
				s += pa[c] * (la[c] - lb[c]);
		}
	return s;
}

int agree_inconsistency(double *out, const float *probs, int R, int U, int C, char *err)
{
	*out = NAN;
	if (agree_check(probs, R, U, C, err) < 0)
		return -1;
	double *p = gg_xmalloc(2 * (size_t)R * C * sizeof(double)); /* [R][C] at one point */
	double *lp = p + (size_t)R * C;                             /* [R][C] its logs */
	double sum = 0;
	for (int u = 0; u < U; u++) {
		for (int r = 0; r < R; r++)
			for (int c = 0; c < C; c++) {
				double v = probs[((size_t)r * U + u) * C + c];
				p[(size_t)r * C + c] = v;
				lp[(size_t)r * C + c] = clamp_log(v);
			}
		sum += kl_pairs(p, lp, R, C);
	}
	free(p);
	*out = sum / ((double)U * R * (R - 1));
	return 0;
}

int agree_instability(double *out, const float *probs, const int *set, int S, int R, int U,
		      int C, char *err)
{
	*out = NAN;
	if (agree_check(probs, R, U, C, err) < 0)
		return -1;
	if (S < 2)
		return gg_fail(err, "instability needs at least 2 training sets, have %d",
			       S < 0 ? 0 : S);
	int *cnt = gg_xcalloc((size_t)S, sizeof(int)); /* [S] runs per set */
	for (int r = 0; r < R; r++) {
		if (set[r] < 0 || set[r] >= S) {
			free(cnt);
			return gg_fail(err, "instability: run %d is in set %d, outside 0…%d", r,
				       set[r], S - 1);
		}
		cnt[set[r]]++;
	}
	for (int z = 0; z < S; z++)
		if (cnt[z] == 0) {
			free(cnt);
			return gg_fail(err, "instability: training set %d of %d has no runs", z, S);
		}
	double *f = gg_xmalloc(2 * (size_t)S * C * sizeof(double)); /* [S][C] f̄_Z at a point */
	double *lf = f + (size_t)S * C;                             /* [S][C] its logs */
	double sum = 0;
	for (int u = 0; u < U; u++) {
		memset(f, 0, (size_t)S * C * sizeof(double));
		for (int r = 0; r < R; r++)
			for (int c = 0; c < C; c++)
				f[(size_t)set[r] * C + c] += probs[((size_t)r * U + u) * C + c];
		for (int z = 0; z < S; z++)
			for (int c = 0; c < C; c++) {
				f[(size_t)z * C + c] /= cnt[z];
				lf[(size_t)z * C + c] = clamp_log(f[(size_t)z * C + c]);
			}
		sum += kl_pairs(f, lf, S, C);
	}
	free(f);
	free(cnt);
	*out = sum / ((double)U * S * (S - 1));
	return 0;
}
