/* split.c — one training step of a dense model split over a team of threads, with the
 * bits of the step on one thread (nn_model_grad_team).
 *
 * Rows are independent until a weight gradient sums over them: each part runs the forward
 * of its slice of the batch's rows through every layer and the input gradients of its
 * slice back, and every part waits at a barrier before a weight gradient, which it then
 * computes for its slice of dW's rows (and db's columns) over all of the batch. Each part
 * calls single-threaded BLAS. Which cuts keep a product's bits is measured
 * (nn_gemm_split_same), so the plan of a step is chosen once per batch size. */
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

/* How a step of B rows splits over `parts`: the batch's row cut, shared by every product
 * whose rows are the batch (each layer's forward and input gradient), and the row cut of
 * each weight gradient dW[O][I]. A product whose pieces would not give the whole's bits
 * is done whole by part 0 between barriers. */
struct team_plan {
	int B, parts;
	int rows[NN_TEAM_MAX + 1];
	unsigned char fwd_whole[MAX_DENSE], dx_whole[MAX_DENSE], dw_whole[MAX_DENSE];
	int dw[MAX_DENSE][NN_TEAM_MAX + 1];
	double rowloss[]; /* [B] each row's loss, summed in order after the forward */
};

int nn_model_splits(const nn_model *m)
{
	if (m->conv || m->cfg.kind != NN_MLP || m->cfg.depth + 1 > MAX_DENSE)
		return 0;
	for (int l = 0; l < m->work->nhid; l++)
		if (m->work->hid[l].gamma >= 0)
			return 0;
	return 1;
}

static void dense_shape(const nn_model *m, int l, int *I, int *O)
{
	int nhid = m->work->nhid;
	*I = l ? m->cfg.width : m->cfg.in;
	*O = l < nhid ? m->cfg.width : m->cfg.classes;
}

/* cut[0..P] of M rows into P parts of about M/P, each boundary a multiple of a; 0 when
 * that leaves a part empty. */
static int cut_rows(int M, int P, int a, int *cut)
{
	cut[0] = 0;
	for (int p = 1; p < P; p++) {
		int c = (int)((double)M * p / P / a + 0.5) * a;
		if (c <= cut[p - 1] || c >= M)
			return 0;
		cut[p] = c;
	}
	cut[P] = M;
	return 1;
}

static double largest_part(const int *cut, int P)
{
	int big = 0;
	for (int p = 0; p < P; p++)
		big = cut[p + 1] - cut[p] > big ? cut[p + 1] - cut[p] : big;
	return big;
}

/* Boundaries are tried at multiples of these, the most even cut first. OpenBLAS's
 * kernels tile rows by 4 to 24 (16 for SkylakeX's sgemm, 12 for Haswell's here). */
static const int ALIGNS[] = { 1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128 };

typedef struct {
	int ta, tb, N, K, beta;
	double flops;
} product;

/* The cut of M rows over P parts with the least estimated time, a product that keeps its
 * bits taking largest part / M of its time and one that does not all of it; same[i]
 * receives whether product i keeps its bits at that cut. 0 when no cut beats one part. */
static int choose_cut(int M, int P, const product *pr, int n, int *cut, unsigned char *same)
{
	double best = 0;
	for (int i = 0; i < n; i++)
		best += pr[i].flops;
	best *= 0.999; /* a cut must gain something */
	int found = 0, c[NN_TEAM_MAX + 1], prev[NN_TEAM_MAX + 1] = { -1 };
	unsigned char s[MAX_DENSE * 2];
	for (size_t a = 0; a < sizeof ALIGNS / sizeof *ALIGNS; a++) {
		if (!cut_rows(M, P, ALIGNS[a], c) || !memcmp(c, prev, (size_t)(P + 1) * sizeof *c))
			continue;
		memcpy(prev, c, (size_t)(P + 1) * sizeof *c);
		double t = 0, frac = largest_part(c, P) / M;
		int all = 1;
		for (int i = 0; i < n; i++) {
			s[i] = (unsigned char)nn_gemm_split_same(pr[i].ta, pr[i].tb, M, pr[i].N, pr[i].K,
								 pr[i].beta, c, P);
			t += pr[i].flops * (s[i] ? frac : 1.0);
			all &= s[i];
		}
		if (t < best) {
			best = t;
			found = 1;
			memcpy(cut, c, (size_t)(P + 1) * sizeof *c);
			memcpy(same, s, (size_t)n);
		}
		if (all) /* later cuts are no more even */
			break;
	}
	return found;
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
	int nl = w->nhid + 1;
	/* the batch's rows: every layer's forward (beta 1 over the bias) and input gradient */
	product pr[MAX_DENSE * 2] = { { 0 } };
	int n = 0;
	for (int l = 0; l < nl; l++) {
		int I, O;
		dense_shape(m, l, &I, &O);
		pr[n++] = (product){ 0, 1, O, I, 1, 2.0 * O * I };
		if (l)
			pr[n++] = (product){ 0, 0, I, O, 0, 2.0 * O * I };
	}
	unsigned char same[MAX_DENSE * 2];
	if (!choose_cut(B, P, pr, n, pl->rows, same)) {
		pl->rows[1] = B; /* one part takes every row */
		for (int p = 2; p <= P; p++)
			pl->rows[p] = B;
		memset(same, 1, (size_t)n);
	}
	for (int l = 0, i = 0; l < nl; l++) {
		pl->fwd_whole[l] = !same[i++];
		pl->dx_whole[l] = l ? !same[i++] : 0;
		int I, O;
		dense_shape(m, l, &I, &O);
		product g = { 1, 0, I, B, 1, 2.0 * O * I };
		unsigned char ok;
		pl->dw_whole[l] = !choose_cut(O, P, &g, 1, pl->dw[l], &ok);
	}
	return pl;
}

typedef struct {
	nn_model *m;
	nn_team *t;
	const float *x;
	const uint8_t *y;
	int B;
	struct team_plan *pl;
} team_step;

/* Rows [r0, r1) of a dense layer's forward, or all of them by part 0 when whole. */
static void team_forward(nn_team *t, int p, int whole, int r0, int r1, float *out, const float *in,
			 const float *Wt, const float *b, int B, int I, int O)
{
	if (whole) {
		nn_team_barrier(t);
		if (!p)
			nn_dense_forward(out, in, Wt, b, B, I, O);
		nn_team_barrier(t);
	} else if (r1 > r0) {
		nn_dense_forward(out + (size_t)r0 * O, in + (size_t)r0 * I, Wt, b, r1 - r0, I, O);
	}
}

/* One part of nn_model_grad: the forward and the input gradients of its rows, the weight
 * gradients of its rows of dW (and columns of db), with a barrier wherever a product reads
 * rows another part wrote. The same calls as forward_train and backward, on slices. */
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
	int r0 = pl->rows[p], r1 = pl->rows[p + 1];
	const float *in = ts->x;
	for (int l = 0; l < nl; l++) {
		int I, O;
		dense_shape(m, l, &I, &O);
		int hid = l < w->nhid;
		float *out = hid ? w->a[l] : w->logits;
		team_forward(t, p, pl->fwd_whole[l], r0, r1, out, in,
			     par(m, hid ? w->hid[l].w : w->head_w), par(m, hid ? w->hid[l].b : w->head_b),
			     B, I, O);
		if (hid)
			nn_act_forward(c->act, out + (size_t)r0 * O, (size_t)(r1 - r0) * O);
		in = out;
	}
	for (int r = r0; r < r1; r++) {
		float *lg = w->logits + (size_t)r * C;
		pl->rowloss[r] = nn_xent_row(lg, lg, ts->y[r], C);
	}
	nn_xent_backward_rows(w->logits + (size_t)r0 * C, w->logits + (size_t)r0 * C, ts->y + r0,
			      r1 - r0, C, B);
	float *d = w->logits, *dn = w->d0, *spare = w->d1; /* d[B][O]: dL/d(layer output) */
	for (int l = nl - 1; l >= 0; l--) {
		int I, O;
		dense_shape(m, l, &I, &O);
		int hid = l < w->nhid;
		if (hid)
			nn_act_backward(c->act, d + (size_t)r0 * O, w->a[l] + (size_t)r0 * O,
				     (size_t)(r1 - r0) * O);
		nn_team_barrier(t); /* every row of d is in */
		const float *lin = l ? w->a[l - 1] : ts->x; /* [B][I] */
		float *dW = grd(m, hid ? w->hid[l].w : w->head_w);
		float *db = grd(m, hid ? w->hid[l].b : w->head_b);
		const float *Wt = par(m, hid ? w->hid[l].w : w->head_w);
		int whole = pl->dw_whole[l];
		if (!whole || !p) {
			int o0 = whole ? 0 : pl->dw[l][p], o1 = whole ? O : pl->dw[l][p + 1];
			memset(dW + (size_t)o0 * I, 0, (size_t)(o1 - o0) * I * sizeof *dW);
			memset(db + o0, 0, (size_t)(o1 - o0) * sizeof *db);
			for (int r = 0; r < B; r++) {
				const float *dr = d + (size_t)r * O + o0;
				NN_EACH(o, o1 - o0, db[o0 + o] += dr[o]);
			}
			if (o1 > o0)
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, o1 - o0, I, B, 1.0f,
					    d + o0, O, lin, I, 1.0f, dW + (size_t)o0 * I, I);
		}
		if (!l)
			break; /* the first layer's input gradient has no consumer */
		if (pl->dx_whole[l]) {
			nn_team_barrier(t);
			if (!p)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, I, O, 1.0f, d, O,
					    Wt, I, 0.0f, dn, I);
			nn_team_barrier(t);
		} else if (r1 > r0) {
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, I, O, 1.0f,
				    d + (size_t)r0 * O, O, Wt, I, 0.0f, dn + (size_t)r0 * I, I);
		}
		/* the ping-pong of backward: d is free again once every part has passed the next
		 * barrier, which comes before anything writes the buffer after next */
		float *old = d == w->logits ? spare : d;
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

