/* test_phdim.c — the PH dimension's parts against references that share no code with
 * them: the projection against its entry-by-entry definition and the Johnson–Lindenstrauss
 * norm property; the ring of iterates; Prim's MST against Kruskal on a sorted edge list;
 * the PH⁰ estimator on point clouds of known dimension, and its bad inputs. */
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

/* ==== projection ======================================================================= */

static void test_projection(void)
{
	gg_rng r;
	gg_rng_seed(&r, 11);
	size_t P = 256 * 5 + 13; /* several blocks and a ragged last group */
	float *w = fvec(P);
	for (size_t i = 0; i < P; i++)
		w[i] = gg_rng_normal(&r);
	double y[PHDIM_MAX_K], z[PHDIM_MAX_K];
	int ks[] = {1, 7, 64, 128, 200, PHDIM_MAX_K};
	for (size_t t = 0; t < sizeof ks / sizeof ks[0]; t++) {
		int k = ks[t];
		phdim_project(y, w, P, k, 5);
		phdim_project_naive(z, w, P, k, 5);
		double worst = 0;
		for (int j = 0; j < k; j++)
			worst = fmax(worst, fabs(y[j] - z[j]));
		CHECK(worst < 1e-9, "k=%d: fast and naive projections differ by %g", k, worst);
	}

	/* Deterministic for a seed, different across seeds. */
	phdim_project(y, w, P, 128, 5);
	phdim_project(z, w, P, 128, 5);
	CHECK(memcmp(y, z, 128 * sizeof(double)) == 0, "same seed, different projection");
	phdim_project(z, w, P, 128, 6);
	CHECK(memcmp(y, z, 128 * sizeof(double)) != 0, "seed does not change the projection");

	/* G does not depend on P: trailing zeros change nothing. */
	float *wz = fvec(P + 1000);
	memcpy(wz, w, P * sizeof(float));
	phdim_project(z, wz, P + 1000, 128, 5);
	double worst = 0;
	for (int j = 0; j < 128; j++)
		worst = fmax(worst, fabs(y[j] - z[j]));
	CHECK(worst < 1e-9, "projection depends on the vector length: %g", worst);
	free(wz);

	/* Linear: G(a + 2b) = Ga + 2Gb. */
	float *b = fvec(P), *c = fvec(P);
	for (size_t i = 0; i < P; i++) {
		b[i] = gg_rng_normal(&r);
		c[i] = w[i] + 2 * b[i];
	}
	double yb[128], yc[128];
	phdim_project(yb, b, P, 128, 5);
	phdim_project(yc, c, P, 128, 5);
	worst = 0;
	for (int j = 0; j < 128; j++)
		worst = fmax(worst, fabs(yc[j] - (y[j] + 2 * yb[j])));
	CHECK(worst < 1e-4, "projection is not linear: %g", worst);

	/* JL: E‖Gv‖² = ‖v‖²; each ratio has relative sd √(2/k) ≈ 0.088 at k = 256, the mean of
	 * 40 has ≈ 0.014, so 0.05 is a 3.5σ band; every single ratio within 0.5. */
	double mean = 0, lo = 1e9, hi = 0;
	for (int t = 0; t < 40; t++) {
		double n2 = 0, m2 = 0;
		for (size_t i = 0; i < P; i++) {
			b[i] = gg_rng_normal(&r) * (i % 3 ? 1.0f : 0.1f);
			n2 += (double)b[i] * b[i];
		}
		phdim_project(z, b, P, 256, 99);
		for (int j = 0; j < 256; j++)
			m2 += z[j] * z[j];
		mean += m2 / n2 / 40;
		lo = fmin(lo, m2 / n2);
		hi = fmax(hi, m2 / n2);
	}
	CHECK_NEAR(mean, 1.0, 0.05, "mean ‖Gv‖²/‖v‖² over 40 vectors");
	CHECK(lo > 0.5 && hi < 1.5, "a single ratio strayed: [%g, %g]", lo, hi);
	free(b);
	free(c);
	free(w);
}


/* ==== ring ============================================================================= */

static void test_ring(void)
{
	char err[GG_ERRLEN];
	phdim_ring ring;
	CHECK(phdim_ring_init(&ring, 12, 4, 0, PHDIM_L1, 1, err) == -1, "tiny ring accepted");
	CHECK(strstr(err, "40") != NULL, "message: %s", err);
	CHECK(phdim_ring_init(&ring, 50, 0, 0, PHDIM_L1, 1, err) == -1, "dim 0 accepted");
	CHECK(phdim_ring_init(&ring, 50, 600, 1000, PHDIM_L2, 1, err) == -1, "k 600 accepted");

	/* Loss vectors: stored as given, snapshot oldest first across the wrap. */
	CHECK(phdim_ring_init(&ring, 40, 3, 0, PHDIM_L1, 1, err) == 0, "%s", err);
	float v[3], snap[40 * 3];
	for (int t = 0; t < 100; t++) {
		v[0] = (float)t;
		v[1] = (float)(2 * t);
		v[2] = -1;
		phdim_ring_push(&ring, v);
	}
	CHECK(phdim_ring_count(&ring) == 40, "count %d", phdim_ring_count(&ring));
	CHECK(phdim_ring_snapshot(&ring, snap) == 40, "snapshot count");
	int inorder = 1;
	for (int i = 0; i < 40; i++)
		inorder &= snap[3 * i] == (float)(60 + i) && snap[3 * i + 1] == (float)(120 + 2 * i);
	CHECK(inorder, "snapshot not oldest-first: first %g last %g", snap[0], snap[3 * 39]);
	phdim_ring_clear(&ring);
	CHECK(phdim_ring_count(&ring) == 0, "clear left %d", phdim_ring_count(&ring));
	phdim_ring_push(&ring, v);
	CHECK(phdim_ring_snapshot(&ring, snap) == 1 && snap[0] == 99, "after clear");
	phdim_ring_free(&ring);

	/* Projected iterates: stored minus the first projection, so differences between stored
	 * points match differences of projections even when ‖w‖ ≫ ‖Δw‖. */
	size_t P = 3000;
	int k = 32;
	CHECK(phdim_ring_init(&ring, 40, k, P, PHDIM_L2, 8, err) == 0, "%s", err);
	float *w = fvec(P);
	gg_rng r;
	gg_rng_seed(&r, 4);
	for (size_t i = 0; i < P; i++)
		w[i] = 100 + gg_rng_normal(&r);
	double y0[32], y1[32];
	phdim_project(y0, w, P, k, 8);
	phdim_ring_push_params(&ring, w);
	for (size_t i = 0; i < P; i++)
		w[i] += 1e-4f * (float)(i % 7) - 3e-4f;
	phdim_project(y1, w, P, k, 8);
	phdim_ring_push_params(&ring, w);
	float s2[2 * 32];
	CHECK(phdim_ring_snapshot(&ring, s2) == 2, "two points");
	double d_ring = 0, d_proj = 0;
	for (int j = 0; j < k; j++) {
		d_ring += ((double)s2[k + j] - s2[j]) * ((double)s2[k + j] - s2[j]);
		d_proj += (y1[j] - y0[j]) * (y1[j] - y0[j]);
	}
	CHECK(s2[0] == 0, "first stored point is the anchor itself: %g", s2[0]);
	CHECK_NEAR(sqrt(d_ring), sqrt(d_proj), 1e-3 * sqrt(d_proj), "stored distance");
	free(w);
	phdim_ring_free(&ring);
}

/* ==== MST reference: Kruskal over every edge =========================================== */

typedef struct {
	double w;
	int a, b;
} edge;

static int edge_cmp(const void *x, const void *y)
{
	double a = ((const edge *)x)->w, b = ((const edge *)y)->w;
	return (a > b) - (a < b);
}

static int uf_find(int *par, int x)
{
	while (par[x] != x)
		x = par[x] = par[par[x]];
	return x;
}

static double kruskal(const float *pts, int n, int dim, int l1)
{
	int m = n * (n - 1) / 2, e = 0;
	edge *E = gg_xmalloc((size_t)m * sizeof(edge));
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++) {
			double s = 0;
			for (int j = 0; j < dim; j++) {
				double d = (double)pts[a * dim + j] - pts[b * dim + j];
				s += l1 ? fabs(d) : d * d;
			}
			E[e++] = (edge){l1 ? s : sqrt(s), a, b};
		}
	qsort(E, (size_t)m, sizeof(edge), edge_cmp);
	int *par = gg_xmalloc((size_t)n * sizeof(int));
	for (int i = 0; i < n; i++)
		par[i] = i;
	double total = 0;
	for (int i = 0; i < m; i++) {
		int a = uf_find(par, E[i].a), b = uf_find(par, E[i].b);
		if (a != b) {
			par[a] = b;
			total += E[i].w;
		}
	}
	free(par);
	free(E);
	return total;
}

static void test_mst(void)
{
	gg_rng r;
	gg_rng_seed(&r, 21);
	int n = 150, dim = 5;
	float *pts = fvec((size_t)n * dim);
	void *scratch = gg_xmalloc(PHDIM_MST_SCRATCH(n));
	for (int trial = 0; trial < 4; trial++) {
		for (int i = 0; i < n * dim; i++)
			pts[i] = gg_rng_normal(&r);
		int l1 = trial & 1;
		double prim = phdim_mst_length(pts, NULL, n, dim, l1 ? PHDIM_L1 : PHDIM_L2, scratch);
		double ref = kruskal(pts, n, dim, l1);
		CHECK_NEAR(prim, ref, 1e-4 * ref, "trial %d (%s)", trial, l1 ? "L1" : "L2");
	}
	/* Through an index list: the subset {0, 2, 4, …} equals Kruskal on the copied subset. */
	int idx[75];
	float *sub = fvec((size_t)75 * dim);
	for (int i = 0; i < 75; i++) {
		idx[i] = 2 * i;
		memcpy(sub + i * dim, pts + 2 * i * dim, (size_t)dim * sizeof(float));
	}
	double prim = phdim_mst_length(pts, idx, 75, dim, PHDIM_L2, scratch);
	CHECK_NEAR(prim, kruskal(sub, 75, dim, 0), 1e-4 * prim, "indexed subset");
	/* Collinear points 0, 1, 3, 6: the MST is the chain, length 6. */
	float line[4] = {3, 0, 6, 1};
	CHECK_NEAR(phdim_mst_length(line, NULL, 4, 1, PHDIM_L2, scratch), 6.0, 1e-12, "chain");
	CHECK(phdim_mst_length(line, NULL, 1, 1, PHDIM_L2, scratch) == 0, "one point");
	free(sub);
	free(scratch);
	free(pts);
}

/* ==== PH⁰ dimension ==================================================================== */

enum { SEGMENT, SQUARE, CUBE };

/* N points [N][4]: a segment embedded obliquely in R⁴, a unit square, or a unit cube (the
 * unused coordinates are zero). */
static float *cloud(int shape, int N, uint64_t seed)
{
	gg_rng r;
	gg_rng_seed(&r, seed);
	float *p = fvec((size_t)N * 4);
	for (int i = 0; i < N; i++) {
		float *x = p + 4 * i;
		if (shape == SEGMENT) {
			float t = gg_rng_uniform(&r);
			x[0] = t;
			x[1] = 2 * t;
			x[2] = -t;
			x[3] = 0.5f;
		} else {
			for (int j = 0; j < (shape == SQUARE ? 2 : 3); j++)
				x[j] = gg_rng_uniform(&r);
		}
	}
	return p;
}

static void test_phdim_known(void)
{
	char err[GG_ERRLEN];
	const char *names[] = {"segment", "square", "cube"};
	for (int shape = SEGMENT; shape <= CUBE; shape++) {
		for (uint64_t seed = 1; seed <= 3; seed++) {
			int N = 1000 + 300 * (int)seed; /* 1300, 1600, 1900 */
			float *p = cloud(shape, N, 100 * seed + (uint64_t)shape);
			phdim_result res;
			int rc = phdim_estimate(&res, p, N, 4, PHDIM_L2, 0, seed, err);
			CHECK(rc == 0, "%s: %s", names[shape], err);
			double want = shape + 1;
			CHECK_NEAR(res.dim, want, 0.15 * want, "%s N=%d seed %d (R² %.3f)",
				   names[shape], N, (int)seed, res.r2);
			CHECK(res.r2 > 0.9 || shape == SEGMENT, "%s R² %.3f", names[shape], res.r2);
			CHECK(res.nsizes == PHDIM_DEFAULT_SIZES && res.n[0] == N / 5 &&
				      res.n[res.nsizes - 1] == N,
			      "sizes %d…%d", res.n[0], res.n[res.nsizes - 1]);
			CHECK(res.dim_sd > 0 && res.dim_sd < 0.1 * want, "%s: a spread over the draws of "
			      "subsets, small beside the dimension: %g", names[shape], res.dim_sd);
			printf("phdim %-7s N=%d seed %d: %.3f ± %.3f (R² %.4f)\n", names[shape], N,
			       (int)seed, res.dim, res.dim_sd, res.r2);
			free(p);
		}
	}
	/* L1 (the loss-vector variant's metric) sees the same dimension: any norm scales alike. */
	float *p = cloud(SQUARE, 1500, 77);
	phdim_result res;
	CHECK(phdim_estimate(&res, p, 1500, 4, PHDIM_L1, 12, 5, err) == 0, "%s", err);
	CHECK_NEAR(res.dim, 2.0, 0.3, "L1 square (R² %.3f)", res.r2);
	CHECK(res.nsizes == 12, "nsizes %d", res.nsizes);
	free(p);
}

static void test_phdim_errors(void)
{
	char err[GG_ERRLEN];
	phdim_result res, res2;
	float *p = cloud(SQUARE, 400, 9);
	CHECK(phdim_estimate(&res, p, 12, 4, PHDIM_L2, 0, 1, err) == -1, "12 points accepted");
	CHECK(strcmp(err, "PH dimension needs at least 40 iterates, have 12: 28 more") == 0,
	      "message: %s", err);
	CHECK(isnan(res.dim), "dim on failure: %g", res.dim);
	CHECK(phdim_estimate(&res, p, 39, 4, PHDIM_L2, 0, 1, err) == -1 &&
		      strstr(err, "have 39: 1 more"),
	      "39: %s", err);
	CHECK(phdim_estimate(&res, p, 40, 4, PHDIM_L2, 0, 1, err) == 0, "40 refused: %s", err);
	CHECK(res.n[0] == 8 && res.n[9] == 40, "sizes at the minimum: %d…%d", res.n[0], res.n[9]);
	int distinct = 1;
	for (int s = 1; s < res.nsizes; s++)
		distinct &= res.n[s] > res.n[s - 1];
	CHECK(distinct, "subset sizes not increasing");
	CHECK(phdim_estimate(&res, p, 400, 4, PHDIM_L2, 7, 1, err) == -1, "7 sizes accepted");
	CHECK(phdim_estimate(&res, p, 400, 4, PHDIM_L2, 33, 1, err) == -1, "33 sizes accepted");
	CHECK(phdim_estimate(&res, p, 400, 0, PHDIM_L2, 0, 1, err) == -1, "dim 0 accepted");

	/* Deterministic for a seed; another seed draws other subsets. */
	CHECK(phdim_estimate(&res, p, 400, 4, PHDIM_L2, 0, 42, err) == 0, "%s", err);
	CHECK(phdim_estimate(&res2, p, 400, 4, PHDIM_L2, 0, 42, err) == 0, "%s", err);
	CHECK(memcmp(&res, &res2, sizeof res) == 0, "same seed, different result");
	CHECK(phdim_estimate(&res2, p, 400, 4, PHDIM_L2, 0, 43, err) == 0, "%s", err);
	CHECK(res.E[0] != res2.E[0], "seed ignored");

	/* Identical points: no dimension. A NaN coordinate: refused. */
	float *same = fvec(100 * 4);
	CHECK(phdim_estimate(&res, same, 100, 4, PHDIM_L2, 0, 1, err) == -1 &&
		      strstr(err, "identical"),
	      "identical points: %s", err);
	p[17] = NAN;
	CHECK(phdim_estimate(&res, p, 400, 4, PHDIM_L2, 0, 1, err) == -1 &&
		      strstr(err, "point 4 "),
	      "NaN: %s", err);
	free(same);
	free(p);
}

int main(void)
{
	test_projection();
	test_ring();
	test_mst();
	test_phdim_known();
	test_phdim_errors();
	return test_report();
}
