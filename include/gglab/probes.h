/* probes.h — the numerical instruments: PH⁰ dimension of a trajectory (Tan et al. 2024),
 * NAIS-Net stability margins (Ciccone et al. 2018), and twin-run agreement (Jiang et al.
 * 2022; Johnson & Zhang 2023). Definitions follow ../shared/science.md §2–§4; the choices
 * that are ours rather than the papers' are marked "our choice" below.
 *
 * Pure functions over caller-owned arrays: no global state, no threads, deterministic for a
 * seed, so the trainer can snapshot the inputs and run the heavy ones in the background.
 * Functions that can fail return 0 / -1 and write a message into err[GG_ERRLEN] (util.h).
 * Row-major throughout; every array parameter has a shape comment. Prefixes: phdim_,
 * margin_, agree_. */
#ifndef GGLAB_PROBES_H
#define GGLAB_PROBES_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* ==== PH⁰ dimension ==================================================================== */

/* Random projection (our choice, for memory): w[P] ↦ y[k] = Gᵀw with G[P][k] a dense
 * Rademacher matrix, G_ij = ±1/√k with probability ½ each (Achlioptas 2003: the same
 * Johnson–Lindenstrauss guarantee as Gaussian N(0, 1/k) entries, E‖y‖² = ‖w‖²). G is never
 * stored: it is regenerated on every call, block by block (256 parameters per block), from
 * a gg_rng seeded by (seed, block index); each random 64-bit word gives 8 columns × 8
 * parameters of signs. The sum is formed by a 256-entry table of all ±-combinations of 8
 * parameters, so each parameter costs ~(256 + k)/8 additions rather than k multiply-adds.
 * Dense Gaussian regeneration was measured ~100× slower (Box–Muller per entry) and
 * rejected. Sums are in double. G depends only on (seed, k), not on P: a parameter's
 * column of signs is the same however long the vector. 1 ≤ k ≤ PHDIM_MAX_K.
 * Measured: P = 700 000, k = 128 takes 24 ms at -O2 on an idle 2.5 GHz Xeon core (36 ms with
 * another process busy); k = 256: 35 ms, k = 512: 57 ms. */
#define PHDIM_MAX_K 512
void phdim_project(double *y, const float *w, size_t P, int k, uint64_t seed);
/* The same G applied entry by entry (one sign per (i, j), no tables): the reference the
 * tests compare phdim_project against. O(P·k); do not use it in the trainer. */
void phdim_project_naive(double *y, const float *w, size_t P, int k, uint64_t seed);

typedef enum {
	PHDIM_L2, /* Euclidean: projected parameter iterates */
	PHDIM_L1  /* L1: the "data-dependent" variant, per-example losses on m fixed examples */
} phdim_metric;

/* Fewer points than this and the estimator refuses (subset sizes start at N/5 ≥ 8). */
#define PHDIM_MIN_POINTS 40
#define PHDIM_DEFAULT_SIZES 10
#define PHDIM_MIN_SIZES 8
#define PHDIM_MAX_SIZES 32

/* A ring of the last `cap` points (iterates), each dim floats.
 * - Projected iterates (P > 0): phdim_ring_push_params projects w[P] to dim = k coordinates.
 *   Distances between nearby iterates are tiny next to ‖w‖, so the ring stores each
 *   projection minus the projection of the first iterate pushed (kept in double): distances
 *   are unchanged and the floats keep their precision.
 * - Loss vectors (P == 0): phdim_ring_push stores v[dim] as given (dim = m examples). */
typedef struct {
	int cap;             /* N: points kept */
	int dim;             /* k (projected) or m (loss-vector variant) */
	size_t P;            /* length of a parameter vector; 0 when points are pushed directly */
	phdim_metric metric; /* PHDIM_L2 for projected iterates, PHDIM_L1 for loss vectors */
	uint64_t seed;       /* projection seed */
	long pushed;         /* points pushed so far (the ring holds min(pushed, cap)) */
	int head;            /* slot the next push writes */
	float *pts;          /* [cap][dim] */
	double *anchor;      /* [dim] projection of the first iterate (P > 0 only) */
	double *proj;        /* [dim] scratch for the projection */
} phdim_ring;

/* cap ≥ PHDIM_MIN_POINTS, 1 ≤ dim (≤ PHDIM_MAX_K when P > 0). */
int phdim_ring_init(phdim_ring *r, int cap, int dim, size_t P, phdim_metric metric,
		    uint64_t seed, char *err);
void phdim_ring_free(phdim_ring *r);
void phdim_ring_clear(phdim_ring *r); /* forget every point (and the anchor) */
void phdim_ring_push_params(phdim_ring *r, const float *w); /* w[P]; requires P > 0 */
void phdim_ring_push(phdim_ring *r, const float *v);        /* v[dim]; requires P == 0 */
int phdim_ring_count(const phdim_ring *r);
/* Copies the held points oldest first into out[count][dim] (a snapshot for a background
 * estimate); returns count. */
int phdim_ring_snapshot(const phdim_ring *r, float *out);

typedef struct {
	double dim;       /* α/(1 − m), α = 1 */
	double slope;     /* m in log E = c + m·log n */
	double intercept; /* c */
	double r2;        /* R² of that least-squares fit (uninformative when m ≈ 0, i.e. a
			   * dimension near 1: log E then barely varies and R² measures noise) */
	double dim_sd;    /* sample standard deviation of the dimension fitted to each of the
			   * PHDIM_REPEATS draws of subsets alone (NaN if one has no finite value) */
	int nsizes;
	int n[PHDIM_MAX_SIZES];    /* subset sizes, increasing */
	double E[PHDIM_MAX_SIZES]; /* MST length Σ|e|, the mean over PHDIM_REPEATS random subsets
				    * of that size (the whole set, the last size, has one) */
} phdim_result;

#define PHDIM_REPEATS 3 /* random subsets drawn per size */

/* PH⁰ dimension of pts[N][dim]: for nsizes (0: PHDIM_DEFAULT_SIZES; 8…32) sizes n spread
 * evenly over [N/5, N], draws n of the points without replacement (seeded; PHDIM_REPEATS
 * times, averaged, the spread reported as dim_sd), takes the length of their minimum spanning tree (Prim on the dense distance matrix, distances
 * computed on the fly: O(n²·dim) time, O(N) extra memory), and fits log E = c + m·log n.
 * Fails with "PH dimension needs at least 40 iterates, have 12: 28 more" when N is too small,
 * when every subset has MST length 0 (identical points), or when m ≥ 1 (no finite
 * dimension; res is still filled with the fit). Cost: N = 5000, dim = 128 takes ~3 s at
 * -O2 (N = 2000: 0.4 s) — run it off the training thread on a phdim_ring_snapshot. The
 * estimator is biased low at small N in higher dimension (boundary effects): uniform
 * points in a 3-cube with N = 1000–2000 give 2.79–3.02 over 20 seeds. */
int phdim_estimate(phdim_result *res, const float *pts, int N, int dim, phdim_metric metric,
		   int nsizes, uint64_t seed, char *err);
/* For the calling thread: while *flag is non-zero, phdim_mst_length returns NaN within a
 * few milliseconds and phdim_estimate fails with "cancelled" (NULL: never). */
void phdim_set_cancel(const atomic_int *flag);
/* Length Σ|e| (α = 1) of the minimum spanning tree of pts[idx[0..n)] (pts[·][dim]); idx
 * NULL means the first n points. scratch: PHDIM_MST_SCRATCH(n) bytes from malloc (n doubles
 * then n ints). */
#define PHDIM_MST_SCRATCH(n) ((size_t)(n) * (sizeof(double) + sizeof(int)))
double phdim_mst_length(const float *pts, const int *idx, int n, int dim, phdim_metric metric,
			void *scratch);

/* ==== NAIS-Net stability margins (our definitions) ===================================== */

/* A[n][n] = −RᵀR − εI from R[n][n] (the stable parametrization), accumulated in double. */
void margin_stable_matrix(float *A, const float *R, int n, float eps);

typedef struct {
	double margin;  /* m_ρ = 1 − ρ(I + hA); < 0: the linearized stage map expands */
	double rho;     /* the spectral radius estimate */
	int iters;      /* Lanczos steps or block iterations used */
	int converged;  /* 0: the fallback estimate below was used */
} margin_spectral_result;

/* Spectral margin m_ρ = 1 − ρ(M), M = I + hA, A[n][n], computed in double from fixed
 * internal start vectors (deterministic). Two paths, by the symmetry of A:
 * - Symmetric A (the stable parametrization; symmetric to 1e-6·max|a|): Lanczos with full
 *   reorthogonalization on M, Krylov dimension ≤ min(n, 300), and the extreme eigenvalues of
 *   the tridiagonal by Sturm bisection; ρ = max(|λ_min|, |λ_max|). Exact up to rounding when
 *   n ≤ 300 (O(n³) worst case, O(n²) per step). Plain power iteration was measured to stall
 *   ~1e-4 short after 2000 iterations here, because the top of this spectrum is clustered
 *   (1 − hε − h·λ_i(RᵀR) with many λ_i near 0).
 * - General A (stable=off; I + hA is not symmetric): subspace iteration with a block of two
 *   vectors (the first is plain power iteration) and each step the Rayleigh–Ritz 2×2 matrix
 *   QᵀMQ, whose eigenvalue of largest modulus is the estimate. A block of two captures a
 *   dominant complex-conjugate pair (a rotation-like M, where a single vector never
 *   settles) as well as a dominant real eigenvalue. Converged when the block spans an
 *   invariant subspace (‖MQ − QH‖_F ≤ 1e-10·‖H‖_F); then the estimate is exact up to
 *   rounding. If not after max_iter (0: 2000) iterations — e.g. three eigenvalues share the
 *   largest modulus, or the second and third nearly do, as is common for random matrices —
 *   ρ is the larger of the last Ritz value and the mean growth factor of the power iterate
 *   over the second half of the iterations (Gelfand's formula), and converged = 0. That
 *   errs, if at all, toward a larger ρ (a smaller margin). On random 16…128-wide matrices
 *   the unconverged value after 2000 iterations matched a 100× longer run to 7 digits.
 *   Cost ~18 ms for n = 64 when all 2000 iterations run.
 * Fails on n < 1 or a non-finite h or entry of A. */
int margin_spectral(margin_spectral_result *res, const float *A, int n, float h, int max_iter,
		    char *err);

/* Norm margin 1 − ‖I + hA‖₂ of A[n][n]: the spectral norm as √λ_max(MᵀM), by the same
 * Lanczos as the symmetric spectral path applied to MᵀM (exact up to rounding for
 * n ≤ 300). Since ρ ≤ ‖M‖₂ this is a lower bound on m_ρ, equal to it for symmetric A, and
 * when > 0 a certificate that the linear part of a stage contracts in the Euclidean norm. */
int margin_norm(double *out, const float *A, int n, float h, char *err);

/* Gershgorin margin g = min_i [1 − |1 + h·a_ii| − h·Σ_{j≠i}|a_ij|] of A[n][n]: every
 * eigenvalue of I + hA lies in a disc centred 1 + h·a_ii of radius h·Σ_{j≠i}|a_ij|, so g > 0
 * certifies ρ(I + hA) < 1; g ≤ m_ρ always. Exact (= m_ρ) for diagonal A. */
double margin_gershgorin(const float *A, int n, float h);

/* Empirical contraction of the last stage: the mean over the rows b of a probe batch of
 * ‖x(K)_b − x(K−1)_b‖ / ‖x(K−1)_b − x(K−2)_b‖, for xkm2 = x(K−2), xkm1 = x(K−1), xk = x(K),
 * each [B][n]. Rows whose denominator is 0 (already at rest) are skipped; fails if every
 * row is skipped, or if B < 1 or n < 1. *used (may be NULL) receives the rows averaged. */
int margin_contraction(double *out, int *used, const float *xkm2, const float *xkm1,
		       const float *xk, int B, int n, char *err);

/* The extreme eigenvalues of RᵀR = −A − εI for a stable block's A[n][n] (what the pinned
 * spectral margin h·ε does not show: how strongly the block contracts, and how far the
 * projection has squeezed R), in double, by LAPACK (OpenBLAS's dsyevr); NaN if it fails. */
void margin_rtr_range(const float *A, int n, float eps, double *lo, double *hi);

/* ==== twin agreement =================================================================== */

/* probs[R][U][C]: softmax outputs of R runs (twins) on the same U held-out points.
 * KL divergences clamp probabilities at AGREE_PMIN inside the logarithm (our choice, so a
 * hard zero cannot make a divergence infinite): KL(p‖q) = Σ_c p_c·(ln max(p_c, PMIN) −
 * ln max(q_c, PMIN)). A non-finite probability (a diverged twin) is an error naming the run
 * and point. Every function needs R ≥ 2 ("twin agreement needs at least 2 runs, have 1"),
 * U ≥ 1, C ≥ 2. */
#define AGREE_PMIN 1e-12

/* Mean over unordered pairs of runs of the fraction of points whose argmaxes differ
 * (Jiang et al.'s disagreement; ties go to the lowest class index). */
int agree_disagreement(double *out, const float *probs, int R, int U, int C, char *err);

/* The runs' mean error rate on the same U points, labels y[U]: the number to set beside
 * their disagreement (measured on the same points; argmax ties as there). */
int agree_error(double *out, const float *probs, const uint8_t *y, int R, int U, int C, char *err);

/* Inconsistency (Johnson & Zhang): mean over ordered pairs r ≠ r' and the U points of
 * KL(p_r ‖ p_r'). O(R²·U·C). */
int agree_inconsistency(double *out, const float *probs, int R, int U, int C, char *err);

/* Instability (Johnson & Zhang): set[R] assigns each run to a training set 0…S−1; S ≥ 2 and
 * every set has at least one run. With f̄_Z the mean softmax of set Z's runs, the mean over
 * ordered pairs Z ≠ Z' and the U points of KL(f̄_Z ‖ f̄_Z'). */
int agree_instability(double *out, const float *probs, const int *set, int S, int R, int U,
		      int C, char *err);

#endif
