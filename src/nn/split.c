/* split.c — one training step of a dense model split over a team of threads, with the
 * bits of the step on one thread (nn_model_grad_team).
 *
 * Every product of the step (each layer's forward, weight gradient and input gradient) is
 * cut into one piece a part, by the rows or by the columns of its result (an nn_cut), and
 * each part computes its piece with single-threaded BLAS, then the elementwise work on it
 * (bias, activation); the pieces of a product and of a dense layer are linear.c's, shared
 * with the conv models' step (convrun.c). A barrier follows each product, so the next one
 * reads whole inputs. Batch norm needs all of a column's rows, so it runs between two
 * barriers, each part on its columns (and the activation after it likewise). A NAIS-Net's
 * stages, its backward and its stable parametrization are products and elementwise work of
 * the same kind. A bias gradient is cut by columns and each row's loss is summed in order
 * afterwards, so no sum changes its order. Which cuts keep a product's bits is measured
 * (nn_gemm_split_same), and the plan of a step is chosen once per batch size. */
#include "convnet.h"
#include "mlp.h"
#include "gglab/nn.h"
#include "gglab/util.h"

#include <stdlib.h>
#include <string.h>

/* The dense layers of a step: l < nhid the hidden ones, l == nhid the head. */
enum { MAX_DENSE = 65 };

/* A NAIS-Net's products (every block has the same shapes; n the width, K the stages):
 * A = −RᵀR − εI (stable blocks), each stage's x·Aᵀ, the backward's g += dz·A, dA += Σ
 * dz(k)ᵀ·x(k) (one product over the K−1 slabs), dR += −R·(dA + dAᵀ), and the input term's
 * dense layer c = u·Bmᵀ + b with its weight and input gradients. */
typedef struct {
	nn_cut A, stage, g, dA, dR, cf, cdw, cdx;
	int cols[NN_TEAM_MAX + 1]; /* an even cut of the n columns (sym's rows) */
} nais_plan;

/* A step of B rows over `parts`: each dense layer's forward, weight gradient and input
 * gradient, and an even cut of the batch's rows (and of each layer's outputs) for the
 * elementwise work. */
struct team_plan {
	int B, parts;
	nn_cut fwd[MAX_DENSE], dw[MAX_DENSE], dx[MAX_DENSE];
	int rows[NN_TEAM_MAX + 1];
	int outs[MAX_DENSE][NN_TEAM_MAX + 1];
	nais_plan nais;
	double rowloss[]; /* [B] each row's loss, summed in order after the forward */
};

int nn_model_splits(const nn_model *m)
{
	if (m->conv)
		return 1;
	return m->cfg.kind == NN_NAIS || (m->cfg.kind == NN_MLP && m->cfg.depth + 1 <= MAX_DENSE);
}

static void dense_shape(const nn_model *m, int l, int *I, int *O)
{
	int nhid = m->work->nhid;
	*I = l ? m->cfg.width : m->cfg.in;
	*O = l < nhid ? m->cfg.width : m->cfg.classes;
}

/* An even cut of n, or all of it to part 0 when n has fewer elements than parts. */
static void even_or_first(int n, int P, int *cut)
{
	if (!nn_cut_even(n, P, 1, cut))
		for (int p = 1; p <= P; p++)
			cut[p] = n;
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
	nn_cut_even(B, P, 1, pl->rows);
	for (int l = 0; l < w->nhid + 1; l++) {
		int I, O;
		dense_shape(m, l, &I, &O);
		/* out[B][O] = in·Wᵀ (+ the bias, beta 1); dW[O][I] += doutᵀ·in; din[B][I] = dout·W */
		nn_gemm_cut(0, 1, B, O, I, 1, P, &pl->fwd[l]);
		nn_gemm_cut(1, 0, O, I, B, 1, P, &pl->dw[l]);
		if (l)
			nn_gemm_cut(0, 0, B, I, O, 0, P, &pl->dx[l]);
		else /* the first layer's input gradient has no consumer */
			nn_cut_whole(B, P, &pl->dx[l]);
		even_or_first(O, P, pl->outs[l]);
	}
	if (m->cfg.kind == NN_NAIS) {
		nais_plan *np = &pl->nais;
		int n = m->cfg.width, K = m->cfg.stages;
		if (m->cfg.stable) { /* a free block's A is a parameter */
			nn_gemm_cut(1, 0, n, n, n, 0, P, &np->A);
			nn_gemm_cut(0, 0, n, n, n, 1, P, &np->dR);
		}
		nn_gemm_cut(0, 1, B, n, n, 0, P, &np->stage);
		nn_gemm_cut(0, 0, B, n, n, 1, P, &np->g);
		if (K > 1)
			nn_gemm_cut(1, 0, n, n, (K - 1) * B, 1, P, &np->dA);
		else /* no product, only the zeroing */
			nn_cut_whole(n, P, &np->dA);
		nn_gemm_cut(0, 1, B, n, n, 1, P, &np->cf);
		nn_gemm_cut(1, 0, n, n, B, 1, P, &np->cdw);
		nn_gemm_cut(0, 0, B, n, n, 0, P, &np->cdx);
		even_or_first(n, P, np->cols);
	}
	return pl;
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

/* Part p's share of a dense layer's forward, out[B][O] = in[B][I]·Wᵀ + b
 * (nn_dense_forward_piece), and the activation on that share when act; then a barrier. */
static void dense_fwd(team_step *ts, int p, const nn_cut *s, const float *in, const float *W,
		      const float *b, float *out, int I, int O, int act)
{
	nn_dense_forward_piece(s, p, out, in, W, b, ts->B, I, O);
	if (act) {
		int r0, r1, c0, c1;
		nn_cut_box(s, p, ts->B, O, &r0, &r1, &c0, &c1);
		act_box(ts->m->cfg.act, out, NULL, O, r0, r1, c0, c1);
	}
	nn_team_barrier(ts->t);
}

/* Part p's share of nn_dense_backward (nn_dense_backward_piece: db, dW's piece, din's piece
 * when din is not NULL), then the backward of the activation whose output is a (when a is
 * not NULL) on din's piece; then a barrier. */
static void dense_bwd(team_step *ts, int p, const nn_cut *sdw, const nn_cut *sdx,
		      const float *d, const float *in, const float *W, float *dW, float *db,
		      float *din, const float *a, int I, int O)
{
	nn_dense_backward_piece(sdw, sdx, p, ts->pl->parts, din, dW, db, d, in, W, ts->B, I, O);
	if (din && a) {
		int r0, r1, c0, c1;
		nn_cut_box(sdx, p, ts->B, I, &r0, &r1, &c0, &c1);
		act_box(ts->m->cfg.act, din, a, I, r0, r1, c0, c1);
	}
	nn_team_barrier(ts->t);
}

/* The rows' losses and dlogits, each part its rows; then a barrier. */
static void loss_rows(team_step *ts, int p)
{
	struct nn_work *w = ts->m->work;
	int C = ts->m->cfg.classes, B = ts->B, r0 = ts->pl->rows[p], r1 = ts->pl->rows[p + 1];
	for (int r = r0; r < r1; r++) {
		float *lg = w->logits + (size_t)r * C;
		ts->pl->rowloss[r] = nn_xent_row(lg, lg, ts->y[r], C);
	}
	nn_xent_backward_rows(w->logits + (size_t)r0 * C, w->logits + (size_t)r0 * C, ts->y + r0,
			      r1 - r0, C, B);
	nn_team_barrier(ts->t);
}

/* One part of an mlp's nn_model_grad: the same calls as forward_train and backward, on
 * its pieces, with a barrier after each product so the next reads whole inputs. */
static void mlp_step_part(team_step *ts, int p)
{
	nn_model *m = ts->m;
	nn_team *t = ts->t;
	struct nn_work *w = m->work;
	struct team_plan *pl = ts->pl;
	int B = ts->B, nl = w->nhid + 1, G = nn_mlp_ghost(m);
	const float *in = ts->x;
	for (int l = 0; l < nl; l++) {
		int I, O;
		dense_shape(m, l, &I, &O);
		int hid = l < w->nhid, bn = hid && w->hid[l].gamma >= 0;
		const dense_plan *dp = hid ? &w->hid[l] : NULL;
		float *out = !hid ? w->logits : bn ? w->z[l] : w->a[l];
		dense_fwd(ts, p, &pl->fwd[l], in, par(m, hid ? dp->w : w->head_w),
			  par(m, hid ? dp->b : w->head_b), out, I, O, hid && !bn);
		if (bn) { /* a column's statistics need all its rows: each part its columns */
			int o0 = pl->outs[l][p], o1 = pl->outs[l][p + 1];
			nn_bn_forward_cols(w->a[l], w->z[l], w->rstd[l], w->z[l], par(m, dp->gamma),
					   par(m, dp->beta), m->buf + dp->run_mean,
					   m->buf + dp->run_var, B, O, o0, o1, G);
			act_box(m->cfg.act, w->a[l], NULL, O, 0, B, o0, o1);
			nn_team_barrier(t);
		}
		in = hid ? w->a[l] : NULL; /* nothing reads the head's */
	}
	loss_rows(ts, p);
	float *d = w->logits, *dn = w->d0; /* d[B][O]: dL/d(layer output), every row */
	for (int l = nl - 1; l >= 0; l--) {
		int I, O;
		dense_shape(m, l, &I, &O);
		int hid = l < w->nhid;
		const dense_plan *dp = hid ? &w->hid[l] : NULL;
		/* the first layer's input gradient has no consumer */
		dense_bwd(ts, p, &pl->dw[l], &pl->dx[l], d, l ? w->a[l - 1] : ts->x,
			  par(m, hid ? dp->w : w->head_w), grd(m, hid ? dp->w : w->head_w),
			  grd(m, hid ? dp->b : w->head_b), l ? dn : NULL, l ? w->a[l - 1] : NULL, I,
			  O);
		if (!l)
			break;
		const dense_plan *below = &w->hid[l - 1];
		if (below->gamma >= 0) { /* the norm's backward, each part its columns */
			int n0 = pl->outs[l - 1][p], n1 = pl->outs[l - 1][p + 1];
			float *dg = grd(m, below->gamma), *dbt = grd(m, below->beta);
			if (n1 > n0) {
				memset(dg + n0, 0, (size_t)(n1 - n0) * sizeof *dg);
				memset(dbt + n0, 0, (size_t)(n1 - n0) * sizeof *dbt);
			}
			nn_bn_backward_cols(dn, dg, dbt, dn, w->z[l - 1], w->rstd[l - 1],
					    par(m, below->gamma), B, I, n0, n1, G);
			nn_team_barrier(t);
		}
		/* the ping-pong of backward: every part has read d, the barrier says so */
		float *old = d == w->logits ? w->d1 : d;
		d = dn;
		dn = old;
	}
}

/* The elementwise work fn over part p's piece of a [B][n] matrix, one row segment at a
 * time: fn(ctx, offset, length). */
static void each_segment(const nn_cut *s, int p, int B, int n,
			 void (*fn)(void *ctx, size_t at, size_t len), void *ctx)
{
	int r0, r1, c0, c1;
	nn_cut_box(s, p, B, n, &r0, &r1, &c0, &c1);
	if (c1 <= c0 || r1 <= r0)
		return;
	if (c0 == 0 && c1 == n) {
		fn(ctx, (size_t)r0 * n, (size_t)(r1 - r0) * n);
		return;
	}
	for (int r = r0; r < r1; r++)
		fn(ctx, (size_t)r * n + c0, (size_t)(c1 - c0));
}

typedef struct {
	float *xn, *s, *dc;
	const float *x, *c, *g;
	float h;
	nn_act act;
	int last;
} nais_ew;

static void stage_seg(void *ctx, size_t at, size_t len)
{
	nais_ew *e = ctx;
	nn_nais_stage_act(e->xn + at, e->s + at, e->x ? e->x + at : NULL, e->c + at, len, e->h,
			  e->act);
}

static void dz_seg(void *ctx, size_t at, size_t len)
{
	nais_ew *e = ctx;
	nn_nais_dz(e->s + at, e->dc + at, e->g + at, len, e->h, e->act, e->last);
}

/* One part of a dense NAIS-Net's nn_model_grad (forward_train, backward, nais.c), on its
 * pieces. */
static void nais_step_part(team_step *ts, int p)
{
	nn_model *m = ts->m;
	nn_team *t = ts->t;
	struct nn_work *w = m->work;
	struct team_plan *pl = ts->pl;
	const nais_plan *np = &pl->nais;
	const nn_config *c = &m->cfg;
	int B = ts->B, n = c->width, K = c->stages, nb = c->blocks;
	size_t N = (size_t)B * n, last = (size_t)(K - 1) * N;
	const dense_plan *ip = &w->hid[0];
	/* the input projection, then each stable block's A = −RᵀR − εI */
	dense_fwd(ts, p, &pl->fwd[0], ts->x, par(m, ip->w), par(m, ip->b), w->a[0], c->in, n, 1);
	for (int i = 0; c->stable && i < nb; i++) {
		const float *R = par(m, w->blk[i].P);
		float *A = w->Amat[i];
		int r0, r1, c0, c1;
		nn_gemm_piece(&np->A, p, 1, 0, n, n, n, -1.0f, R, n, R, n, 0.0f, A, n);
		nn_cut_box(&np->A, p, n, n, &r0, &r1, &c0, &c1);
		for (int j = r0 > c0 ? r0 : c0; j < r1 && j < c1; j++)
			A[(size_t)j * n + j] -= c->eps;
	}
	if (c->stable)
		nn_team_barrier(t);
	const float *u = w->a[0];
	for (int i = 0; i < nb; i++) {
		const block_plan *bp = &w->blk[i];
		const float *A = c->stable ? w->Amat[i] : par(m, bp->P);
		dense_fwd(ts, p, &np->cf, u, par(m, bp->Bm), par(m, bp->b), w->c[i], n, n, 0);
		for (int k = 0; k < K; k++) {
			nais_ew e = { w->X[i] + k * N, w->S[i] + k * N, NULL,
				      k ? w->X[i] + (k - 1) * N : NULL, w->c[i], NULL, c->h, c->act, 0 };
			if (e.x)
				nn_gemm_piece(&np->stage, p, 0, 1, B, n, n, 1.0f, e.x, n, A, n, 0.0f,
					      e.s, n);
			each_segment(&np->stage, p, B, n, stage_seg, &e);
			nn_team_barrier(t);
		}
		u = w->X[i] + last; /* x(K) of block i is u of block i+1 */
	}
	dense_fwd(ts, p, &pl->fwd[1], u, par(m, w->head_w), par(m, w->head_b), w->logits, n,
		  c->classes, 0);
	loss_rows(ts, p);
	float *g = w->d0, *dc = w->d1; /* g: dL/dx of the block's output, then dL/du */
	dense_bwd(ts, p, &pl->dw[1], &pl->dx[1], w->logits, u, par(m, w->head_w), grd(m, w->head_w),
		  grd(m, w->head_b), g, NULL, n, c->classes);
	nn_cut rows = { 0, { 0 } };
	memcpy(rows.cut, pl->rows, sizeof rows.cut);
	for (int i = nb - 1; i >= 0; i--) {
		const block_plan *bp = &w->blk[i];
		const float *A = c->stable ? w->Amat[i] : par(m, bp->P);
		float *dA = c->stable ? w->dA : grd(m, bp->P);
		const float *bu = i ? w->X[i - 1] + last : w->a[0];
		for (int k = K - 1; k >= 0; k--) {
			nais_ew e = { NULL, w->S[i] + k * N, dc, NULL, NULL, g, c->h, c->act, k == K - 1 };
			each_segment(&rows, p, B, n, dz_seg, &e);
			nn_team_barrier(t);
			if (k > 0) { /* x(0) = 0: no gradient flows past the first stage */
				nn_gemm_piece(&np->g, p, 0, 0, B, n, n, 1.0f, e.s, n, A, n, 1.0f,
					      g, n);
				nn_team_barrier(t);
			}
		}
		/* dA = Σ_{k≥1} dz(k)ᵀ·x(k), one product over the stacked slabs */
		nn_gemm_piece_zero(&np->dA, p, n, n, dA);
		if (K > 1)
			nn_gemm_piece(&np->dA, p, 1, 0, n, n, (K - 1) * B, 1.0f, w->S[i] + N, n,
				      w->X[i], n, 1.0f, dA, n);
		/* c = u·Bmᵀ + b: du (into g, no longer read) = dc·Bm */
		dense_bwd(ts, p, &np->cdw, &np->cdx, dc, bu, par(m, bp->Bm), grd(m, bp->Bm),
			  grd(m, bp->b), g, NULL, n, n);
		if (c->stable) { /* dR = −R·(dA + dAᵀ) */
			float *sym = w->sym, *dR = grd(m, bp->P);
			for (int r = np->cols[p]; r < np->cols[p + 1]; r++)
				for (int j = 0; j < n; j++)
					sym[(size_t)r * n + j] = dA[(size_t)r * n + j] + dA[(size_t)j * n + r];
			nn_team_barrier(t);
			nn_gemm_piece_zero(&np->dR, p, n, n, dR);
			nn_gemm_piece(&np->dR, p, 0, 0, n, n, n, -1.0f, par(m, bp->P), n, sym, n,
				      1.0f, dR, n);
			nn_team_barrier(t); /* the next block zeroes dA and writes sym */
		}
	}
	/* the input projection: σ' on g, then its weight and bias gradients */
	int r0 = pl->rows[p], r1 = pl->rows[p + 1];
	act_box(c->act, g, w->a[0], n, r0, r1, 0, n);
	nn_team_barrier(t);
	dense_bwd(ts, p, &pl->dw[0], &pl->dx[0], g, ts->x, par(m, ip->w), grd(m, ip->w),
		  grd(m, ip->b), NULL, NULL, c->in, n);
}

static void team_step_part(void *ctx, int p, int P)
{
	(void)P;
	team_step *ts = ctx;
	if (ts->m->cfg.kind == NN_NAIS)
		nais_step_part(ts, p);
	else
		mlp_step_part(ts, p);
}

float nn_model_grad_team(nn_model *m, nn_team *t, const float *x, const uint8_t *y, int B)
{
	int P = nn_team_size(t);
	if (P < 2 || !nn_model_splits(m) || B < 2 * P)
		return nn_model_grad(m, x, y, B);
	if (m->conv)
		return nn_convnet_grad_team(m, t, x, y, B);
	nn_mlp_reserve_train(m, B);
	team_step ts = { m, t, x, y, B, plan_for(m, B, P) };
	nn_team_run(t, team_step_part, &ts);
	double loss = 0;
	for (int r = 0; r < B; r++) /* in row order, as nn_xent_forward sums */
		loss += ts.pl->rowloss[r];
	return (float)(loss / B);
}
