/* split.c — one training step of a dense model split over a team of threads, with the
 * bits of the step on one thread (nn_model_grad_team).
 *
 * Every product of the step (each layer's forward, weight gradient and input gradient) is
 * cut into one piece a part, by the rows or by the columns of its result, and each part
 * computes its piece with single-threaded BLAS, then the elementwise work on it (bias,
 * activation); a barrier follows each product, so the next one reads whole inputs. Batch
 * norm needs all of a column's rows, so it runs between two barriers, each part on its
 * columns (and the activation after it likewise). A bias gradient is cut by columns and
 * each row's loss is summed in order afterwards, so no sum changes its order. Which cuts
 * keep a product's bits is measured (nn_gemm_split_same), and the plan of a step is
 * chosen once per batch size. */
#include "mlp.h"
#include "gglab/nn.h"
#include "gglab/util.h"

#include <cblas.h>
/* OpenBLAS's config header includes <complex.h>, whose I macro would shadow the
 * I-for-input-features naming used with nn.h. */
#undef I
#include <stdlib.h>
#include <string.h>

/* The dense layers of a step: l < nhid the hidden ones, l == nhid the head. */
enum { MAX_DENSE = 65 };

/* How one product C[M][N] = op(A)·op(B) is shared: by C's rows, by its columns, or whole
 * by part 0 (when no cut keeps the bits). A part packs all of the operand it does not
 * cut and its share of the other, so cutting the larger of M and N packs less. */
typedef enum { WHOLE, ROWS, COLS } split_how;
typedef struct {
	split_how how;
	int cut[NN_TEAM_MAX + 1];
} split;

/* A step of B rows over `parts`: each layer's forward, weight gradient and input
 * gradient, and an even cut of the batch's rows (and of each layer's outputs) for the
 * elementwise work. */
struct team_plan {
	int B, parts;
	split fwd[MAX_DENSE], dw[MAX_DENSE], dx[MAX_DENSE];
	int rows[NN_TEAM_MAX + 1];
	int outs[MAX_DENSE][NN_TEAM_MAX + 1];
	double rowloss[]; /* [B] each row's loss, summed in order after the forward */
};

int nn_model_splits(const nn_model *m)
{
	return !m->conv && m->cfg.kind == NN_MLP && m->cfg.depth + 1 <= MAX_DENSE;
}

static void dense_shape(const nn_model *m, int l, int *I, int *O)
{
	int nhid = m->work->nhid;
	*I = l ? m->cfg.width : m->cfg.in;
	*O = l < nhid ? m->cfg.width : m->cfg.classes;
}

/* cut[0..P] of n into P parts of about n/P, each boundary a multiple of a; 0 when that
 * leaves a part empty. */
static int cut_even(int n, int P, int a, int *cut)
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

/* The most even cut of C's rows or columns that keeps the product's bits, the larger
 * dimension first (unless its cuts kept nothing last time); WHOLE when none does. */
static split choose(int ta, int tb, int M, int N, int K, int beta, int P)
{
	split s = { WHOLE, { 0 } };
	int first_cols = N > M;
	if (last_dead[first_cols] && !last_dead[!first_cols])
		first_cols = !first_cols;
	for (int k = 0; k < 2; k++) {
		int cols = k ? !first_cols : first_cols, n = cols ? N : M;
		int c[NN_TEAM_MAX + 1], tried[NALIGNS + 1], ntried = 0, good = last_good[cols];
		for (int i = -1; i < NALIGNS; i++) {
			int a = i < 0 ? good : i; /* the last good alignment first */
			if (!cut_even(n, P, ALIGNS[a], c))
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
				s.how = cols ? COLS : ROWS;
				memcpy(s.cut, c, (size_t)(P + 1) * sizeof *c);
				return s;
			}
		}
		if (ntried)
			last_dead[cols] = 1;
	}
	return s;
}

static struct team_plan *plan_for(nn_model *m, int B, int P)
{
	struct nn_work *w = m->work;
	struct team_plan *pl = w->plan;
	if (pl && pl->B == B && pl->parts == P)
		return pl;
	free(pl);
	pl = w->plan = gg_xcalloc(1, sizeof *pl + (size_t)B * sizeof *pl->rowloss);
	pl->B = B;
	pl->parts = P;
	cut_even(B, P, 1, pl->rows);
	for (int l = 0; l < w->nhid + 1; l++) {
		int I, O;
		dense_shape(m, l, &I, &O);
		/* out[B][O] = in·Wᵀ (+ the bias, beta 1); dW[O][I] += doutᵀ·in; din[B][I] = dout·W */
		pl->fwd[l] = choose(0, 1, B, O, I, 1, P);
		pl->dw[l] = choose(1, 0, O, I, B, 1, P);
		pl->dx[l] = l ? choose(0, 0, B, I, O, 0, P) : (split){ WHOLE, { 0 } };
		if (!cut_even(O, P, 1, pl->outs[l])) /* fewer outputs than parts: part 0 */
			for (int p = 1; p <= P; p++)
				pl->outs[l][p] = O;
	}
	return pl;
}

/* The rows [*r0, *r1) and columns [*c0, *c1) of C[M][N] that part p's piece covers. */
static void piece_box(const split *s, int p, int M, int N, int *r0, int *r1, int *c0, int *c1)
{
	*r0 = 0, *r1 = M, *c0 = 0, *c1 = N;
	if (s->how == WHOLE && p)
		*r1 = 0;
	if (s->how == ROWS)
		*r0 = s->cut[p], *r1 = s->cut[p + 1];
	if (s->how == COLS)
		*c0 = s->cut[p], *c1 = s->cut[p + 1];
}

/* Part p's piece of C[M][N] = op(A)·op(B) + beta·C (row-major, lda/ldb/ldc the full
 * matrices'). */
static void piece(const split *s, int p, int ta, int tb, int M, int N, int K, const float *A,
		  int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
	int r0, r1, c0, c1;
	piece_box(s, p, M, N, &r0, &r1, &c0, &c1);
	if (r1 <= r0 || c1 <= c0)
		return;
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
		    r1 - r0, c1 - c0, K, 1.0f, ta ? A + r0 : A + (size_t)r0 * lda, lda,
		    tb ? B + (size_t)c0 * ldb : B + c0, ldb, beta, C + (size_t)r0 * ldc + c0, ldc);
}

/* act over a box of x[..][ld] (in place), or its backward with the forward output out */
static void act_box(nn_act act, float *x, const float *out, int ld, int r0, int r1, int c0, int c1)
{
	if (c1 <= c0)
		return;
	for (int r = r0; r < r1; r++) {
		size_t at = (size_t)r * ld + c0;
		if (out)
			nn_act_backward(act, x + at, out + at, (size_t)(c1 - c0));
		else
			nn_act_forward(act, x + at, (size_t)(c1 - c0));
	}
}

typedef struct {
	nn_model *m;
	nn_team *t;
	const float *x;
	const uint8_t *y;
	int B;
	struct team_plan *pl;
} team_step;

/* One part of nn_model_grad: its piece of every product and the elementwise work on that
 * piece, with a barrier after each product so the next reads whole inputs. The same calls
 * as forward_train and backward, on slices. */
static void team_step_part(void *ctx, int p, int P)
{
	(void)P;
	team_step *ts = ctx;
	nn_model *m = ts->m;
	nn_team *t = ts->t;
	struct nn_work *w = m->work;
	struct team_plan *pl = ts->pl;
	const nn_config *c = &m->cfg;
	int B = ts->B, nl = w->nhid + 1, C = c->classes;
	const float *in = ts->x;
	for (int l = 0; l < nl; l++) {
		int I, O, r0, r1, c0, c1;
		dense_shape(m, l, &I, &O);
		int hid = l < w->nhid, bn = hid && w->hid[l].gamma >= 0;
		float *out = !hid ? w->logits : bn ? w->z[l] : w->a[l];
		const float *b = par(m, hid ? w->hid[l].b : w->head_b);
		/* out = bias, then out += in·Wᵀ, as nn_dense_forward */
		piece_box(&pl->fwd[l], p, B, O, &r0, &r1, &c0, &c1);
		for (int r = r0; r < r1 && c1 > c0; r++)
			memcpy(out + (size_t)r * O + c0, b + c0, (size_t)(c1 - c0) * sizeof *out);
		piece(&pl->fwd[l], p, 0, 1, B, O, I, in, I, par(m, hid ? w->hid[l].w : w->head_w), I,
		      1.0f, out, O);
		if (hid && !bn)
			act_box(c->act, out, NULL, O, r0, r1, c0, c1);
		nn_team_barrier(t);
		if (bn) { /* a column's statistics need all its rows: each part its columns */
			const dense_plan *dp = &w->hid[l];
			int o0 = pl->outs[l][p], o1 = pl->outs[l][p + 1];
			nn_bn_forward_cols(w->a[l], w->z[l], w->rstd[l], w->z[l], par(m, dp->gamma),
					   par(m, dp->beta), m->buf + dp->run_mean,
					   m->buf + dp->run_var, B, O, o0, o1, nn_mlp_ghost(m));
			act_box(c->act, w->a[l], NULL, O, 0, B, o0, o1);
			nn_team_barrier(t);
		}
		in = hid ? w->a[l] : NULL; /* nothing reads the head's */
	}
	int r0 = pl->rows[p], r1 = pl->rows[p + 1];
	for (int r = r0; r < r1; r++) {
		float *lg = w->logits + (size_t)r * C;
		pl->rowloss[r] = nn_xent_row(lg, lg, ts->y[r], C);
	}
	nn_xent_backward_rows(w->logits + (size_t)r0 * C, w->logits + (size_t)r0 * C, ts->y + r0,
			      r1 - r0, C, B);
	nn_team_barrier(t);
	float *d = w->logits, *dn = w->d0; /* d[B][O]: dL/d(layer output), every row */
	for (int l = nl - 1; l >= 0; l--) {
		int I, O;
		dense_shape(m, l, &I, &O);
		int hid = l < w->nhid;
		const float *lin = l ? w->a[l - 1] : ts->x; /* [B][I] */
		float *dW = grd(m, hid ? w->hid[l].w : w->head_w);
		float *db = grd(m, hid ? w->hid[l].b : w->head_b);
		const float *Wt = par(m, hid ? w->hid[l].w : w->head_w);
		/* db[O] = Σ_r d[r][·] over this part's outputs, rows in order */
		int o0 = pl->outs[l][p], o1 = pl->outs[l][p + 1];
		if (o1 > o0) {
			memset(db + o0, 0, (size_t)(o1 - o0) * sizeof *db);
			for (int r = 0; r < B; r++) {
				const float *dr = d + (size_t)r * O + o0;
				NN_EACH(o, o1 - o0, db[o0 + o] += dr[o]);
			}
		}
		/* dW = 0, then dW += doutᵀ·in over this part's piece */
		int wr0, wr1, wc0, wc1;
		piece_box(&pl->dw[l], p, O, I, &wr0, &wr1, &wc0, &wc1);
		for (int r = wr0; r < wr1 && wc1 > wc0; r++)
			memset(dW + (size_t)r * I + wc0, 0, (size_t)(wc1 - wc0) * sizeof *dW);
		piece(&pl->dw[l], p, 1, 0, O, I, B, d, O, lin, I, 1.0f, dW, I);
		if (!l)
			break; /* the first layer's input gradient has no consumer */
		/* din = dout·W, then the activation's backward on that piece */
		int xr0, xr1, xc0, xc1;
		piece(&pl->dx[l], p, 0, 0, B, I, O, d, O, Wt, I, 0.0f, dn, I);
		piece_box(&pl->dx[l], p, B, I, &xr0, &xr1, &xc0, &xc1);
		act_box(c->act, dn, w->a[l - 1], I, xr0, xr1, xc0, xc1);
		nn_team_barrier(t);
		const dense_plan *dp = &w->hid[l - 1];
		if (dp->gamma >= 0) { /* the norm's backward, each part its columns */
			int n0 = pl->outs[l - 1][p], n1 = pl->outs[l - 1][p + 1];
			float *dg = grd(m, dp->gamma), *dbt = grd(m, dp->beta);
			if (n1 > n0) {
				memset(dg + n0, 0, (size_t)(n1 - n0) * sizeof *dg);
				memset(dbt + n0, 0, (size_t)(n1 - n0) * sizeof *dbt);
			}
			nn_bn_backward_cols(dn, dg, dbt, dn, w->z[l - 1], w->rstd[l - 1],
					    par(m, dp->gamma), B, I, n0, n1, nn_mlp_ghost(m));
			nn_team_barrier(t);
		}
		/* the ping-pong of backward: every part has read d, the barrier says so */
		float *old = d == w->logits ? w->d1 : d;
		d = dn;
		dn = old;
	}
}

float nn_model_grad_team(nn_model *m, nn_team *t, const float *x, const uint8_t *y, int B)
{
	int P = nn_team_size(t);
	if (P < 2 || !nn_model_splits(m) || B < 2 * P)
		return nn_model_grad(m, x, y, B);
	nn_mlp_reserve_train(m, B);
	team_step ts = { m, t, x, y, B, plan_for(m, B, P) };
	nn_team_run(t, team_step_part, &ts);
	double loss = 0;
	for (int r = 0; r < B; r++) /* in row order, as nn_xent_forward sums */
		loss += ts.pl->rowloss[r];
	return (float)(loss / B);
}
