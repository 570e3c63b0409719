/* phdim.c — the PH⁰ dimension of a trajectory (Tan et al. 2024; see probes.h): the seeded
 * random projection of the iterates, the ring that keeps them, and the estimator. */
#include "gglab/probes.h"
#include "gglab/rng.h"
#include "gglab/util.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ==== random projection ================================================================ */

#define PROJ_BLOCK 256 /* parameters per seeded block of G */

/* The generator of G's block b: independent of P and of how the caller chunks its work. */
static void proj_block_rng(gg_rng *r, uint64_t seed, size_t block)
{
	gg_rng_seed(r, gg_rng_derive(seed, "phdim-projection") +
			       (uint64_t)block * 0x9E3779B97F4A7C15ULL);
}

/* Within a block, each group of 8 parameters draws ⌈k/8⌉ words; byte j of that stream holds
 * column j's signs for the group's 8 parameters, bit t for parameter t (set = negative). */
static void proj_group_bytes(uint8_t *bytes, gg_rng *r, int k)
{
	for (int q = 0; q < (k + 7) / 8; q++) {
		uint64_t x = gg_rng_next(r);
		for (int b = 0; b < 8; b++)
			bytes[8 * q + b] = (uint8_t)(x >> (8 * b));
	}
}

void phdim_project(double *y, const float *w, size_t P, int k, uint64_t seed)
{
	double S[256];                 /* S[m] = Σ_t (bit t of m ? −w_t : +w_t) over a group */
	uint8_t bytes[PHDIM_MAX_K + 8]; /* [k rounded up to 8] */
	gg_rng r;

	for (int j = 0; j < k; j++)
		y[j] = 0;
	for (size_t b0 = 0; b0 < P; b0 += PROJ_BLOCK) {
		size_t b1 = P - b0 < PROJ_BLOCK ? P : b0 + PROJ_BLOCK;
		proj_block_rng(&r, seed, b0 / PROJ_BLOCK);
		for (size_t g = b0; g < b1; g += 8) {
			double t[8] = {0};
			for (size_t i = g; i < g + 8 && i < b1; i++)
				t[i - g] = w[i];
			S[0] = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
			for (int bit = 0; bit < 8; bit++) {
				int half = 1 << bit;
				double d = -2.0 * t[bit];
				for (int m = 0; m < half; m++)
					S[half + m] = S[m] + d;
			}
			proj_group_bytes(bytes, &r, k);
			for (int j = 0; j < k; j++)
				y[j] += S[bytes[j]];
		}
	}
	double scale = 1.0 / sqrt((double)k);
	for (int j = 0; j < k; j++)
		y[j] *= scale;
}

void phdim_project_naive(double *y, const float *w, size_t P, int k, uint64_t seed)
{
	uint8_t bytes[PHDIM_MAX_K + 8];
	gg_rng r;

	for (int j = 0; j < k; j++)
		y[j] = 0;
	for (size_t b0 = 0; b0 < P; b0 += PROJ_BLOCK) {
		size_t b1 = P - b0 < PROJ_BLOCK ? P : b0 + PROJ_BLOCK;
		proj_block_rng(&r, seed, b0 / PROJ_BLOCK);
		for (size_t g = b0; g < b1; g += 8) {
			proj_group_bytes(bytes, &r, k);
			for (size_t i = g; i < g + 8 && i < b1; i++)
				for (int j = 0; j < k; j++) {
					int neg = (bytes[j] >> (i - g)) & 1;
					y[j] += (neg ? -1.0 : 1.0) / sqrt((double)k) * w[i];
				}
		}
	}
}

/* ==== the ring of iterates ============================================================= */

int phdim_ring_init(phdim_ring *r, int cap, int dim, size_t P, phdim_metric metric,
		    uint64_t seed, char *err)
{
	memset(r, 0, sizeof *r);
	if (cap < PHDIM_MIN_POINTS)
		return gg_fail(err, "PH dimension ring: %d iterates is too few (need at least %d)",
			       cap, PHDIM_MIN_POINTS);
	if (dim < 1)
		return gg_fail(err, "PH dimension ring: dimension %d must be at least 1", dim);
	if (P > 0 && dim > PHDIM_MAX_K)
		return gg_fail(err, "PH dimension ring: projection dimension %d exceeds %d", dim,
			       PHDIM_MAX_K);
	if (metric != PHDIM_L1 && metric != PHDIM_L2)
		return gg_fail(err, "PH dimension ring: unknown metric %d", (int)metric);
	r->cap = cap;
	r->dim = dim;
	r->P = P;
	r->metric = metric;
	r->seed = seed;
	r->pts = gg_xmalloc((size_t)cap * (size_t)dim * sizeof(float));
	if (P > 0) {
		r->anchor = gg_xcalloc((size_t)dim, sizeof(double));
		r->proj = gg_xcalloc((size_t)dim, sizeof(double));
	}
	return 0;
}

void phdim_ring_free(phdim_ring *r)
{
	free(r->pts);
	free(r->anchor);
	free(r->proj);
	memset(r, 0, sizeof *r);
}

void phdim_ring_clear(phdim_ring *r)
{
	r->pushed = 0;
	r->head = 0;
}

void phdim_ring_push_params(phdim_ring *r, const float *w)
{
	phdim_project(r->proj, w, r->P, r->dim, r->seed);
	if (r->pushed == 0)
		memcpy(r->anchor, r->proj, (size_t)r->dim * sizeof(double));
	float *dst = r->pts + (size_t)r->head * (size_t)r->dim;
	for (int j = 0; j < r->dim; j++)
		dst[j] = (float)(r->proj[j] - r->anchor[j]);
	r->head = (r->head + 1) % r->cap;
	r->pushed++;
}

void phdim_ring_push(phdim_ring *r, const float *v)
{
	memcpy(r->pts + (size_t)r->head * (size_t)r->dim, v, (size_t)r->dim * sizeof(float));
	r->head = (r->head + 1) % r->cap;
	r->pushed++;
}

int phdim_ring_count(const phdim_ring *r)
{
	return r->pushed < r->cap ? (int)r->pushed : r->cap;
}

int phdim_ring_snapshot(const phdim_ring *r, float *out)
{
	int n = phdim_ring_count(r);
	int first = n < r->cap ? 0 : r->head; /* oldest slot */
	size_t row = (size_t)r->dim * sizeof(float);
	for (int i = 0; i < n; i++)
		memcpy(out + (size_t)i * (size_t)r->dim,
		       r->pts + (size_t)((first + i) % r->cap) * (size_t)r->dim, row);
	return n;
}

/* ==== the estimator ==================================================================== */

/* Four partial sums keep the loops free of a serial dependency chain. */
static double dist_l2(const float *a, const float *b, int dim)
{
	float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	int j = 0;
	for (; j + 4 <= dim; j += 4) {
		float d0 = a[j] - b[j], d1 = a[j + 1] - b[j + 1];
		float d2 = a[j + 2] - b[j + 2], d3 = a[j + 3] - b[j + 3];
		s0 += d0 * d0;
		s1 += d1 * d1;
		s2 += d2 * d2;
		s3 += d3 * d3;
	}
	for (; j < dim; j++) {
		float d = a[j] - b[j];
		s0 += d * d;
	}
	return sqrt((double)((s0 + s1) + (s2 + s3)));
}

static double dist_l1(const float *a, const float *b, int dim)
{
	float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	int j = 0;
	for (; j + 4 <= dim; j += 4) {
		s0 += fabsf(a[j] - b[j]);
		s1 += fabsf(a[j + 1] - b[j + 1]);
		s2 += fabsf(a[j + 2] - b[j + 2]);
		s3 += fabsf(a[j + 3] - b[j + 3]);
	}
	for (; j < dim; j++)
		s0 += fabsf(a[j] - b[j]);
	return (double)((s0 + s1) + (s2 + s3));
}

static _Thread_local const atomic_int *cancel_flag; /* phdim_set_cancel */
#define CANCELLED() (cancel_flag && atomic_load_explicit(cancel_flag, memory_order_relaxed))

void phdim_set_cancel(const atomic_int *flag) { cancel_flag = flag; }

double phdim_mst_length(const float *pts, const int *idx, int n, int dim, phdim_metric metric,
			void *scratch)
{
	if (n < 2)
		return 0;
	double *key = scratch;          /* [n] distance from the tree to each remaining point */
	int *rem = (int *)(key + n);    /* [n] remaining point indices (key[] runs parallel) */
	size_t d = (size_t)dim;
	int nrem = n - 1;
	for (int i = 0; i < nrem; i++) {
		rem[i] = idx ? idx[i + 1] : i + 1;
		key[i] = DBL_MAX;
	}
	int cur = idx ? idx[0] : 0;
	double total = 0;
	while (nrem > 0) {
		if ((nrem & 63) == 0 && CANCELLED())
			return NAN;
		const float *pc = pts + (size_t)cur * d;
		int best = 0;
		for (int i = 0; i < nrem; i++) {
			const float *pv = pts + (size_t)rem[i] * d;
			double dv = metric == PHDIM_L1 ? dist_l1(pc, pv, dim) : dist_l2(pc, pv, dim);
			if (dv < key[i])
				key[i] = dv;
			if (key[i] < key[best])
				best = i;
		}
		total += key[best];
		cur = rem[best];
		nrem--;
		rem[best] = rem[nrem];
		key[best] = key[nrem];
	}
	return total;
}

/* Least squares log E = c + m·log n over the sizes (E > 0). */
static void loglog_fit(const int *n, const double *E, int k, double *m, double *c, double *r2)
{
	double sx = 0, sy = 0;
	for (int s = 0; s < k; s++) {
		sx += log((double)n[s]);
		sy += log(E[s]);
	}
	double mx = sx / k, my = sy / k, sxx = 0, sxy = 0, syy = 0;
	for (int s = 0; s < k; s++) {
		double dx = log((double)n[s]) - mx, dy = log(E[s]) - my;
		sxx += dx * dx;
		sxy += dx * dy;
		syy += dy * dy;
	}
	*m = sxy / sxx;
	*c = my - *m * mx;
	double ssres = 0;
	for (int s = 0; s < k; s++) {
		double e = log(E[s]) - (*c + *m * log((double)n[s]));
		ssres += e * e;
	}
	*r2 = syy > 0 ? 1 - ssres / syy : 1;
}

int phdim_estimate(phdim_result *res, const float *pts, int N, int dim, phdim_metric metric,
		   int nsizes, uint64_t seed, char *err)
{
	memset(res, 0, sizeof *res);
	res->dim = res->slope = res->intercept = res->r2 = res->dim_sd = NAN;
	if (N < PHDIM_MIN_POINTS)
		return gg_fail(err, "PH dimension needs at least %d iterates, have %d: %d more",
			       PHDIM_MIN_POINTS, N < 0 ? 0 : N, PHDIM_MIN_POINTS - (N < 0 ? 0 : N));
	if (dim < 1)
		return gg_fail(err, "PH dimension: point dimension %d must be at least 1", dim);
	if (metric != PHDIM_L1 && metric != PHDIM_L2)
		return gg_fail(err, "PH dimension: unknown metric %d", (int)metric);
	if (nsizes == 0)
		nsizes = PHDIM_DEFAULT_SIZES;
	if (nsizes < PHDIM_MIN_SIZES || nsizes > PHDIM_MAX_SIZES)
		return gg_fail(err, "PH dimension: %d subset sizes out of range (%d…%d)", nsizes,
			       PHDIM_MIN_SIZES, PHDIM_MAX_SIZES);
	for (size_t i = 0; i < (size_t)N * (size_t)dim; i++)
		if (!isfinite(pts[i]))
			return gg_fail(err, "PH dimension: point %zu has a non-finite coordinate",
				       i / (size_t)dim);

	/* Sizes evenly spread over [N/5, N]; N ≥ 40 and nsizes ≤ 32 keep them distinct. */
	int lo = N / 5;
	for (int s = 0; s < nsizes; s++)
		res->n[s] = lo + (int)lround((double)s * (N - lo) / (nsizes - 1));
	res->nsizes = nsizes;

	int *perm = gg_xmalloc((size_t)N * sizeof(int)); /* [N] */
	void *scratch = gg_xmalloc(PHDIM_MST_SCRATCH(N));
	for (int i = 0; i < N; i++)
		perm[i] = i;
	gg_rng r;
	gg_rng_seed(&r, gg_rng_derive(seed, "phdim-subsets"));
	/* PHDIM_REPEATS random subsets of every size but the whole set (which has one) */
	double Er[PHDIM_REPEATS][PHDIM_MAX_SIZES];
	for (int s = 0; s < nsizes; s++) {
		int n = res->n[s];
		res->E[s] = 0;
		for (int rep = 0; rep < PHDIM_REPEATS; rep++) {
			if (rep > 0 && n == N) {
				Er[rep][s] = Er[0][s];
			} else {
				/* Partial Fisher–Yates: a uniform n-subset whatever order perm is in. */
				for (int i = 0; i < n; i++) {
					int j = i + (int)gg_rng_below(&r, (uint32_t)(N - i));
					int t = perm[i];
					perm[i] = perm[j];
					perm[j] = t;
				}
				Er[rep][s] = phdim_mst_length(pts, perm, n, dim, metric, scratch);
			}
			res->E[s] += Er[rep][s] / PHDIM_REPEATS;
		}
	}
	free(perm);
	free(scratch);
	if (CANCELLED())
		return gg_fail(err, "PH dimension: cancelled");
	for (int s = 0; s < nsizes; s++)
		if (!(res->E[s] > 0))
			return gg_fail(err, "PH dimension: the %d sampled iterates are all identical "
				       "(MST length 0)", res->n[s]);
	loglog_fit(res->n, res->E, nsizes, &res->slope, &res->intercept, &res->r2);
	if (res->slope >= 1)
		return gg_fail(err, "PH dimension: fit slope %.3f ≥ 1 (R² %.3f), no finite "
			       "dimension", res->slope, res->r2);
	res->dim = 1.0 / (1 - res->slope); /* α = 1 */
	/* the spread: the dimension of each repeat's subsets alone */
	double d[PHDIM_REPEATS], m = 0, q = 0;
	res->dim_sd = NAN;
	for (int rep = 0; rep < PHDIM_REPEATS; rep++) {
		double b, c, r2;
		int ok = 1;
		for (int s = 0; s < nsizes; s++)
			ok &= Er[rep][s] > 0;
		if (!ok)
			return 0;
		loglog_fit(res->n, Er[rep], nsizes, &b, &c, &r2);
		if (!(b < 1))
			return 0;
		d[rep] = 1.0 / (1 - b);
		m += d[rep] / PHDIM_REPEATS;
	}
	for (int rep = 0; rep < PHDIM_REPEATS; rep++)
		q += (d[rep] - m) * (d[rep] - m);
	res->dim_sd = sqrt(q / (PHDIM_REPEATS - 1));
	return 0;
}
