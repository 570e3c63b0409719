/* nn.h — the neural-network core: layers, models, optimizers.
 *
 * Layers are free forward/backward functions over float arrays, llm.c style: outputs first,
 * sizes last, a shape comment on every tensor, and backward *accumulates* (+=) into parameter
 * gradients that the model zeroes once per step. A model keeps all of its parameters in one
 * contiguous buffer with named views; the gradients mirror that layout exactly, and so does
 * optimizer state, so an update, a distance ‖w − w₀‖ or a checkpoint is one loop over floats.
 * Matrix products go through cblas_sgemm; nn_matmul_naive is the reference the tests
 * compare against.
 *
 * Row-major throughout. A batch of B examples of D features is x[B][D]. A dense layer's
 * weight is W[O][I] (PyTorch's layout) and its bias b[O]. */
#ifndef GGLAB_NN_H
#define GGLAB_NN_H

#include <stddef.h>
#include <stdint.h>

/* NN_EACH(i, n, body): run `body` for size_t i in [0, n). gcc -O2 vectorizes only loops
 * whose trip count is a known multiple of the vector width and that need no runtime alias
 * check (its "very cheap" cost model), so the range runs as fixed blocks of 16 marked ivdep
 * plus a scalar tail. ivdep is a promise that iterations are independent: use NN_EACH only
 * for elementwise bodies, where even exact in-place aliasing (out == in) keeps it true. */
#define NN_EACH(i, n, ...)                                                             \
	do {                                                                           \
		size_t i##_blk = 0, i##_end = (size_t)(n);                             \
		for (; i##_blk + 16 <= i##_end; i##_blk += 16) {                       \
			_Pragma("GCC ivdep") for (size_t i = i##_blk; i < i##_blk + 16; i++) { \
				__VA_ARGS__;                                           \
			}                                                              \
		}                                                                      \
		for (size_t i = i##_blk; i < i##_end; i++) {                           \
			__VA_ARGS__;                                                   \
		}                                                                      \
	} while (0)

/* ---- configuration ------------------------------------------------------------------ */

typedef enum { NN_MLP, NN_NAIS, NN_CNN, NN_RESNET } nn_kind;
typedef enum { NN_RELU, NN_TANH } nn_act;
typedef enum { NN_NORM_NONE, NN_NORM_BN, NN_NORM_GBN } nn_norm;
typedef enum { NN_POOL_MAX, NN_POOL_AVG } nn_pool;

#define NN_MAX_CONV 8 /* conv stages of a cnn */

typedef struct {
	nn_kind kind;
	int in;      /* input features */
	int classes; /* output classes */
	int width;   /* hidden width (mlp) / state width n (nais) */
	int depth;   /* mlp: number of hidden layers */
	nn_act act;  /* mlp hidden activation; nais stage nonlinearity σ (tanh by default) */
	nn_norm norm; /* mlp only: none | bn | gbn (BN after each hidden dense, before act) */
	int ghost;   /* ghost batch size G used when norm == NN_NORM_GBN (default 128) */
	/* nais: input projection in→width (+act), `blocks` NAIS blocks, linear head width→classes */
	int blocks, stages; /* blocks ≥ 1, K stages per block */
	float h, eps;       /* step h (0 < h ≤ 1 for the guarantee), ε ∈ (0, ½) */
	int stable;         /* 1: A = −RᵀR − εI with projection; 0: A free */
	/* Convolutional models read x[B][in] as images [img_c][img_h][img_w] (in = c·h·w);
	 * like in and classes these come from the data set (0 for feature vectors). */
	int img_c, img_h, img_w;
	/* cnn: stage i is conv 3×3 pad 1 with conv[i] channels (+ norm) + ReLU + 2×2 pool of
	 * stride 2; then a dense layer of fc units (+ norm) + ReLU (none when fc == 0); head. */
	int nconv, conv[NN_MAX_CONV];
	int fc;
	nn_pool pool;
	/* resnet: depth 6·blocks+2 (three stages of `blocks` residual blocks, widths width,
	 * 2·width, 4·width; norm bn or gbn). nais with channels > 0: the convolutional NAIS-Net
	 * (conv 3×3 in→channels + σ, `blocks` conv NAIS blocks of K stages of 3×3 kernels,
	 * global average pooling, head); stable = the projection of nn_cnais_project. */
	int channels;
} nn_config;

/* Fills defaults for a kind: mlp 128x2 relu none G=128; nais width 64, 1 block, 4 stages,
 * h 0.5, eps 0.01, stable on, act tanh, channels 0 (dense); cnn 32,64 fc=128 pool=max relu
 * none; resnet blocks 3 (ResNet20) width 16 bn relu. in/classes/img_* are left 0 (set by
 * the data set). */
void nn_config_default(nn_config *c, nn_kind kind);
/* Checks ranges; 0 or -1 with a message naming the bad field and its allowed range. A
 * convolutional model (cnn, resnet, nais with channels > 0) needs an image input
 * (img_c·img_h·img_w == in): "model cnn needs an image data set (fashion, cifar10); ...".
 * A stage whose input is smaller than its kernel is named: "cnn stage 5: ...". */
int nn_config_check(const nn_config *c, char *err);
/* Convolutional kinds: cnn, resnet, and nais with channels > 0. */
int nn_config_is_conv(const nn_config *c);
/* One-line description, e.g. "mlp 784-512x3-10 relu bn" or "nais 784-64 1x4 h=0.5 stable".
 * Convolutional models give their shape and parameter count, e.g. "cnn 1x28x28
 * conv32-pool-conv64-pool-fc128-10 max, 421642 params". */
void nn_config_describe(const nn_config *c, char *buf, size_t len);
/* Trainable parameters of a configuration (0 for a convolutional one that cannot be built). */
size_t nn_config_params(const nn_config *c);

/* ---- model -------------------------------------------------------------------------- */

typedef struct {
	char name[24]; /* e.g. "fc1.w", "fc1.b", "bn1.gamma", "nais1.R", "head.w" */
	size_t off;    /* offset in floats into params (and grads, optimizer state) */
	int rows, cols; /* the view holds rows*cols floats; a vector has rows == 1 */
	int layer;     /* index of the layer the view belongs to (for per-layer distances) */
} nn_view;

struct nn_work; /* activations and scratch, sized for the largest batch seen */
struct nn_convnet; /* the same for convolutional models (src/nn/convnet.c) */

typedef struct {
	nn_config cfg;
	size_t nparams;
	float *params;  /* [nparams] all trainable parameters, one allocation */
	float *grads;   /* [nparams] same layout */
	int nviews;
	nn_view *views;
	size_t nbuf;
	float *buf;     /* [nbuf] non-trained state: BN running mean/var, one allocation */
	int nlayers;
	char (*layer_names)[24]; /* [nlayers] e.g. "fc1", "bn1", "nais1", "head" */
	struct nn_work *work;     /* mlp, dense nais */
	struct nn_convnet *conv; /* convolutional models (work is NULL) */
} nn_model;

/* Floating-point operations of one training step per example in its products (forward
 * and the two backward products; elementwise work not counted): what the trainer weighs
 * when it chooses threads and workers. Weights used many times count each time (a
 * convolution at every position, a NAIS block's A at every stage). */
double nn_model_flops(const nn_model *m);

/* Seeded He (ReLU) / Xavier (tanh) initialization. NULL and a message on a bad config. */
nn_model *nn_model_new(const nn_config *cfg, uint64_t seed, char *err);
nn_model *nn_model_clone(const nn_model *m);
void nn_model_free(nn_model *m);
const nn_view *nn_model_view(const nn_model *m, const char *name);

/* Train mode: zero grads, forward, softmax cross-entropy, backward.
 * x[B][in], y[B] class labels. Returns the mean loss over the batch (NaN/Inf propagate). */
float nn_model_grad(nn_model *m, const float *x, const uint8_t *y, int B);

/* ---- one step on several cores ------------------------------------------------------ */

/* A team: the caller and parts − 1 threads that work on one job together (src/nn/team.c).
 * NULL (and nn_team_new(1)) is a team of one: everything runs on the caller. */
#define NN_TEAM_MAX 16
typedef struct nn_team nn_team;
nn_team *nn_team_new(int parts); /* NULL for parts < 2; at most NN_TEAM_MAX used */
void nn_team_free(nn_team *t);
int nn_team_size(const nn_team *t);
/* fn(ctx, part, parts) for every part, the caller taking part 0; returns when all are done.
 * Inside, nn_team_barrier waits until every part has reached it. */
void nn_team_run(nn_team *t, void (*fn)(void *ctx, int part, int parts), void *ctx);
void nn_team_barrier(nn_team *t);
/* fn(ctx, i) for i in [0, n), each index taken by whichever part is free. */
void nn_team_each(nn_team *t, int n, void (*fn)(void *ctx, int i), void *ctx);

/* Alone or on the team, measured: both ways give the same bits, so the faster may be
 * chosen by timing. nn_pick_mode says which way to take the next step (0 alone, 1 on the
 * team): the two in turn for a few steps whenever key (what is being stepped) changes,
 * again after NN_PICK_FIRST steps, 8 times as many, and so on up to every NN_PICK_EVERY
 * steps; then the faster, where a change of a choice already made needs a 5 % margin.
 * nn_pick_done takes the step's time and returns 1 when the choice is made for a new key
 * or changes (best[] then holds the times it compared). A zeroed nn_pick is ready. */
#define NN_PICK_FIRST 64
#define NN_PICK_EVERY 4096
typedef struct {
	uint64_t key;
	long steps, every;
	int trial, use, decided, fresh;
	double best[2];
} nn_pick;
int nn_pick_mode(nn_pick *p, uint64_t key);
int nn_pick_done(nn_pick *p, int mode, double seconds);

/* Whether nn_model_grad_team splits this model's step over a team: a dense model (an mlp,
 * with or without batch norm, or a dense NAIS-Net) by its products' rows and columns, a
 * convolutional one by images, channels and its weight gradients' rows or columns. */
int nn_model_splits(const nn_model *m);
/* nn_model_grad with every product split over the team's parts by rows or by columns,
 * each part calling single-threaded BLAS on its piece. The bits are those of
 * nn_model_grad: a product is split only where nn_gemm_split_same found the pieces equal
 * to the whole, the rest is elementwise, and the loss is summed in row order.
 * Needs BLAS at one thread. Falls back to nn_model_grad for a model that does not split,
 * a NULL team or a small batch. */
float nn_model_grad_team(nn_model *m, nn_team *t, const float *x, const uint8_t *y, int B);
/* 1 when C[M][N] = op(A)·op(B) + beta·C (row-major cblas_sgemm, ta/tb: A/B transposed)
 * computed as the slices [cut[p], cut[p+1]) for p < parts of its rows (cols 0) or its
 * columns (cols 1) gives the same bits as one call: measured once per shape on seeded data
 * and remembered. (OpenBLAS computes an element with a kernel chosen by its place in the
 * kernel's tiling and by the product's size, so some cuts change the rounding.) */
int nn_gemm_split_same(int ta, int tb, int M, int N, int K, int beta, int cols, const int *cut,
		       int parts);
/* cut[0..P] of n into P parts of about n/P, each boundary a multiple of a; 0 when that
 * leaves a part empty. */
int nn_cut_even(int n, int P, int a, int *cut);
/* How a team shares one product C[M][N]: part p takes C's rows (cols 0) or columns (cols 1)
 * [cut[p], cut[p+1]); all of it on part 0 is the row cut 0, M, .., M. A part packs all of
 * the operand it does not cut and its share of the other, so cutting the larger of M and
 * N packs less. */
typedef struct {
	int cols;
	int cut[NN_TEAM_MAX + 1];
} nn_cut;
/* The most even cut of C[M][N]'s rows or columns over P parts that keeps the bits of
 * C = op(A)·op(B) + beta·C (nn_gemm_split_same), tried at boundaries of a few alignments;
 * when none does, 0 and all of C on part 0 (nn_cut_whole). */
int nn_gemm_cut(int ta, int tb, int M, int N, int K, int beta, int P, nn_cut *c);
/* All of C[M][..] on part 0 of P. */
void nn_cut_whole(int M, int P, nn_cut *c);
/* The rows [*r0, *r1) and columns [*c0, *c1) of C[M][N] that part p's piece covers. */
void nn_cut_box(const nn_cut *c, int p, int M, int N, int *r0, int *r1, int *c0, int *c1);
/* Part p's piece of C[M][N] = alpha·op(A)·op(B) + beta·C (row-major cblas_sgemm; lda, ldb
 * and ldc the whole matrices'); and zeroing part p's piece of C[M][N]. */
void nn_gemm_piece(const nn_cut *c, int p, int ta, int tb, int M, int N, int K, float alpha,
		   const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);
void nn_gemm_piece_zero(const nn_cut *c, int p, int M, int N, float *C);

/* Eval mode (BN running statistics; parameters and buffers unchanged), in internal chunks.
 * x[n][in], y[n]. Adds the summed loss to *loss_sum and the misclassified count to *nerr.
 * probs, if not NULL, receives softmax outputs [n][classes]. stages > 0 overrides K for
 * NAIS blocks (unrolling past the training depth). */
void nn_model_eval(nn_model *m, const float *x, const uint8_t *y, int n, int stages,
		   double *loss_sum, long *nerr, float *probs);

/* nn_model_eval takes this many rows at a time and adds their summed losses in order:
 * evaluating each block of that many rows by itself (on any copy of the model, e.g. on
 * another thread) and adding the blocks' sums in order gives the bits of one call. */
int nn_model_eval_rows(const nn_model *m);
/* dst's parameters and buffers (BN running statistics) become src's; dst is a clone of a
 * model of the same configuration (nn_model_clone). */
void nn_model_copy_weights(nn_model *dst, const nn_model *src);

/* Changes the ghost-batch size G (gbn models); takes effect at the next step. */
void nn_model_set_ghost(nn_model *m, int ghost);

/* NAIS stability projection (stable=on): for each block, if ‖RᵀR‖_F > δ = 1 − 2ε, rescale
 * R so that ‖RᵀR‖_F = δ; for a convolutional block, nn_cnais_project with δ = ε. Call after
 * every optimizer step. Returns how many blocks were changed; a no-op returning 0 for
 * other models. */
int nn_model_project(nn_model *m);

/* ---- layers (free functions; see src/nn/) ------------------------------------------- */

/* C[M][N] = A[M][K] · B[K][N], the naive triple loop the BLAS path is checked against. */
void nn_matmul_naive(float *C, const float *A, const float *B, int M, int N, int K);

/* out[B][O] = in[B][In] · W[Out][In]ᵀ + b[Out] */
void nn_dense_forward(float *out, const float *in, const float *W, const float *b,
		      int B, int In, int Out);
/* dW[Out][In] += doutᵀ·in, db[Out] += Σ dout, din[B][In] = dout·W (skipped when din is NULL) */
void nn_dense_backward(float *din, float *dW, float *db, const float *dout,
		       const float *in, const float *W, int B, int In, int Out);
/* Part p's piece of each over a team of P parts, with the bits of the whole call. The
 * forward: out's piece under c. The backward: dW's piece under cdw, din's under cdx (none
 * when din is NULL) and db's outputs [Out·p/P, Out·(p+1)/P); it zeroes its pieces of dW
 * and db before it adds to them, so its bits are the whole call's on zeroed gradients. */
void nn_dense_forward_piece(const nn_cut *c, int p, float *out, const float *in, const float *W,
			    const float *b, int B, int In, int Out);
void nn_dense_backward_piece(const nn_cut *cdw, const nn_cut *cdx, int p, int P, float *din,
			     float *dW, float *db, const float *dout, const float *in,
			     const float *W, int B, int In, int Out);

void nn_relu_forward(float *out, const float *in, size_t n);
void nn_relu_backward(float *din, const float *dout, const float *out, size_t n);
void nn_tanh_forward(float *out, const float *in, size_t n);
void nn_tanh_backward(float *din, const float *dout, const float *out, size_t n);
/* In place: x[n] = act(x); d[n] = d · act'(out) from the forward's output out[n]. */
void nn_act_forward(nn_act a, float *x, size_t n);
void nn_act_backward(nn_act a, float *d, const float *out, size_t n);

/* Batch norm over x[B][C], normalized per ghost batch of G rows (G ≤ 0 or G ≥ B: plain BN;
 * the last ghost batch may be smaller). train: per-ghost mean and biased variance, and one
 * EMA update of run_mean/run_var per ghost batch (momentum 0.1, unbiased variance as
 * PyTorch does); saves xhat[B][C] and rstd[nghost][C] for backward. !train: uses the running
 * statistics. */
#define NN_BN_EPS 1e-5f
#define NN_BN_MOMENTUM 0.1f
void nn_bn_forward(float *out, float *xhat, float *rstd, const float *in,
		   const float *gamma, const float *beta, float *run_mean, float *run_var,
		   int B, int C, int G, int train);
void nn_bn_backward(float *din, float *dgamma, float *dbeta, const float *dout,
		    const float *xhat, const float *rstd, const float *gamma, int B, int C, int G);
/* The training forward and the backward on columns [lo, hi) only (of rows C floats long),
 * with the bits the whole call gives them: a step split over a team (split.c) gives each
 * part its columns. */
void nn_bn_forward_cols(float *out, float *xhat, float *rstd, const float *in,
			const float *gamma, const float *beta, float *run_mean, float *run_var,
			int B, int C, int lo, int hi, int G);
void nn_bn_backward_cols(float *din, float *dgamma, float *dbeta, const float *dout,
			 const float *xhat, const float *rstd, const float *gamma, int B, int C,
			 int lo, int hi, int G);

/* Softmax cross-entropy: probs[B][C], returns Σ losses (not mean); dlogits = (probs−onehot)/B
 * is written by the backward. */
double nn_xent_forward(float *probs, const float *logits, const uint8_t *y, int B, int C);
void nn_xent_backward(float *dlogits, const float *probs, const uint8_t *y, int B, int C);
/* One row of each: p[C] = softmax(l[C]) (may alias l), returning the row's loss (0 when
 * y < 0); rows[C] of a batch of B, whose mean the gradient is of. nn_xent_forward is the
 * in-order sum of the rows' losses in double. */
double nn_xent_row(float *p, const float *l, int y, int C);
void nn_xent_backward_rows(float *dlogits, const float *probs, const uint8_t *y, int rows, int C,
			   int B);

/* NAIS-Net block (Ciccone et al. 2018): x(k+1) = x(k) + h·σ(A·x(k) + B·u + b), x(0) = 0,
 * k = 0…K−1, one weight-tied stage unrolled K times with the block input u fed to every
 * stage. With a batch as rows, A·x is x[B][n]·Aᵀ. Bm is the input matrix B[n][n] (renamed so
 * it does not clash with the batch size). */

/* A[n][n] = −RᵀR − εI (the stable parametrization). */
void nn_nais_matrix(float *A, const float *R, int n, float eps);
/* One stage: s[B][n] = σ(x·Aᵀ + c), xn[B][n] = x + h·s. x == NULL means x = 0 (the first
 * stage); xn may alias x. c[B][n] = u·Bmᵀ + b is the stage-invariant input term. */
void nn_nais_stage(float *xn, float *s, const float *x, const float *c, const float *A,
		   int B, int n, float h, nn_act act);
/* The elementwise half of a stage over N elements, s holding x·Aᵀ on entry (nothing when
 * x == NULL): s = σ(s + c), xn = x + h·s. Elementwise, so any range gives the whole call's
 * bits for it (split.c). */
void nn_nais_stage_act(float *xn, float *s, const float *x, const float *c, size_t N, float h,
		       nn_act act);
/* The elementwise step of the backward over N elements, s(k) in dz on entry:
 * dz = h·gx·σ'(z(k)); dc = dz at the last stage, dc += dz at the others. */
void nn_nais_dz(float *dz, float *dc, const float *gx, size_t N, float h, nn_act act, int last);
/* Training forward of a block. X[K][B][n] receives x(1)…x(K) (the block output is the
 * last slab), S[K][B][n] the stage outputs σ(z(k)), c[B][n] the input term. */
void nn_nais_forward(float *X, float *S, float *c, const float *u, const float *A,
		     const float *Bm, const float *b, int B, int n, int K, float h, nn_act act);
/* Backward of nn_nais_forward. gx[B][n] holds dL/dx(K) on entry and is destroyed; S is
 * overwritten with dL/dz(k); dc[B][n] is scratch. Accumulates dA[n][n], dBm[n][n], db[n];
 * writes du[B][n] (may alias gx; NULL skips it). */
void nn_nais_backward(float *du, float *dA, float *dBm, float *db, float *gx, float *dc,
		      const float *u, const float *A, const float *Bm, const float *X, float *S,
		      int B, int n, int K, float h, nn_act act);
/* Chain rule through A = −RᵀR − εI: dR[n][n] += −R·(dA + dAᵀ). sym[n][n] is scratch. */
void nn_nais_dR(float *dR, float *sym, const float *dA, const float *R, int n);

/* NAIS instruments. For block blk (0-based) of a nais model: copies its A[n][n] (formed
 * from R when stable) into A; runs x[B][in] (B ≤ 512, eval mode) up to the block's input
 * and unrolls K stages there (K ≤ 0: the training depth; K ≥ 3), leaving x(K−2), x(K−1),
 * x(K) in last3[3][B][n]. With tol > 0, used[B] receives the stages each row needed until
 * ‖x(k+1) − x(k)‖ ≤ tol·(1 + ‖x(k)‖), at most K (pattern-dependent depth). Returns -1 for
 * a model without NAIS blocks or a bad blk. */
int nn_nais_probe(nn_model *m, const float *x, int B, int blk, int K, float tol, float *A,
		  float *last3, int *used);

/* ---- convolutional layers (conv.c; NCHW: a batch of images is x[B][C][H][W]) ---------- */

/* Output side of a k-wide window of stride s over n with zero padding p: (n+2p−k)/s + 1. */
int nn_conv_out(int n, int k, int stride, int pad);
/* Floats of the scratch `col` that conv2d needs: one image's lowered columns
 * [C·k·k][Ho·Wo] and k·Ho·Wo for the masks of a same convolution. */
size_t nn_conv_scratch(int C, int k, int Ho, int Wo);
/* out[B][Co][Ho][Wo] = w[Co][C][k][k] ⋆ in[B][C][H][W] + b[Co] (b may be NULL) via im2col
 * and one sgemm per image; col is scratch of nn_conv_scratch floats. */
void nn_conv2d_forward(float *out, float *col, const float *in, const float *w, const float *b,
		       int B, int C, int H, int W, int Co, int k, int stride, int pad);
/* din[B][C][H][W] += (NULL skips), dw[Co][C·k·k] +=, db[Co] += (NULL skips), from
 * dout[B][Co][Ho][Wo]; col scratch as in the forward. */
void nn_conv2d_backward(float *din, float *dw, float *db, float *col, const float *dout,
			const float *in, const float *w, int B, int C, int H, int W, int Co, int k,
			int stride, int pad);
/* What one part of a team computes of that backward: dw's rows [o0, o1) and columns
 * [k0, k1), db's entries [d0, d1), and din for images [n0, n1); with the bits the whole
 * call gives them. The whole call is { 0, Co, 0, C·k·k, 0, Co, 0, B }. */
typedef struct {
	int o0, o1, k0, k1, d0, d1, n0, n1;
} nn_conv_part;
void nn_conv2d_backward_part(float *din, float *dw, float *db, float *col, const float *dout,
			     const float *in, const float *w, int B, int C, int H, int W, int Co,
			     int k, int stride, int pad, const nn_conv_part *pt);
/* Max / average pooling of k×k windows of stride s, no padding: out[B][C][Ho][Wo]. The
 * backwards write din[B][C][H][W] (not accumulate); max routes to the window's first
 * maximum, found again from in and out. */
void nn_maxpool_forward(float *out, const float *in, int B, int C, int H, int W, int k, int stride);
void nn_maxpool_backward(float *din, const float *dout, const float *in, const float *out, int B,
			 int C, int H, int W, int k, int stride);
void nn_avgpool_forward(float *out, const float *in, int B, int C, int H, int W, int k, int stride);
void nn_avgpool_backward(float *din, const float *dout, int B, int C, int H, int W, int k,
			 int stride);
/* Global average pooling: out[B][C] = mean of in[B][C][HW]; din written. */
void nn_gap_forward(float *out, const float *in, int B, int C, int HW);
void nn_gap_backward(float *din, const float *dout, int B, int C, int HW);
/* Batch norm over channels: per-channel statistics over the n·HW values of each ghost batch
 * of G images (G ≤ 0 or G ≥ B: plain BN), one running-stat update per ghost batch, exactly
 * as nn_bn_forward (which is the HW = 1 case). in/out[B][C][HW], rstd[⌈B/G⌉][C]. */
void nn_bn2d_forward(float *out, float *xhat, float *rstd, const float *in,
		     const float *gamma, const float *beta, float *run_mean, float *run_var,
		     int B, int C, int HW, int G, int train);
void nn_bn2d_backward(float *din, float *dgamma, float *dbeta, const float *dout,
		      const float *xhat, const float *rstd, const float *gamma, int B, int C, int HW,
		      int G);
/* The same on channels [lo, hi) only, with the bits the whole call gives them (a step
 * split over a team gives each part its channels). */
void nn_bn2d_forward_chans(float *out, float *xhat, float *rstd, const float *in,
			   const float *gamma, const float *beta, float *run_mean, float *run_var,
			   int B, int C, int HW, int G, int train, int lo, int hi);
void nn_bn2d_backward_chans(float *din, float *dgamma, float *dbeta, const float *dout,
			    const float *xhat, const float *rstd, const float *gamma, int B, int C,
			    int HW, int G, int lo, int hi);
/* Convolutional NAIS-Net (a stage: x ← x + h·σ(A ⋆ x + B ⋆ u + b), A[C][C][k][k]). Our
 * reading of the paper's Algorithm 2: clip the centre tap c_i of each self-kernel A[i][i]
 * into [−1/h + δ, −δ] and rescale the other taps of output channel i to absolute mass at
 * most |c_i| − δ. Returns 1 if A changed. */
int nn_cnais_project(float *A, int C, int k, float h, float delta);
/* The Gershgorin certificate min_i 1 − |1 + h·c_i| − h·m_i (m_i: off-centre mass). */
double nn_cnais_gershgorin(const float *A, int C, int k, float h);

/* The same instruments for block blk of a convolutional NAIS model (nn_nais_probe returns
 * -1 for one): *gersh = nn_cnais_gershgorin of its A (the spectral margin of a convolution
 * is not computed); x[B][in] with B ≤ 64; last3[3][B][n] with n = channels·img_h·img_w, the
 * block's state; K and tol as for nn_nais_probe. Returns -1 for another model or blk. */
int nn_nais_conv_probe(nn_model *m, const float *x, int B, int blk, int K, float tol,
		       double *gersh, float *last3, int *used);

/* Sets flush-to-zero and denormals-are-zero for the calling thread (x86 SSE; a no-op
 * elsewhere). Momentum of a dead unit decays into denormals, which makes every update
 * touching them an order of magnitude slower; the trainer thread and the benchmark call
 * this once. Results stay deterministic: the same mode on the same thread every time. */
void nn_fast_float_mode(void);

/* ---- optimizers --------------------------------------------------------------------- */

typedef enum { NN_SGD, NN_ADAMW } nn_opt_kind;

typedef struct {
	nn_opt_kind kind;
	float lr;       /* base learning rate */
	float momentum; /* sgd */
	int nesterov;   /* sgd */
	float wd;       /* sgd: L2 added to the gradient; adamw: decoupled decay */
	float clip;     /* global gradient L2-norm clip; ≤ 0 disables */
	float beta1, beta2, adam_eps; /* adamw */
} nn_opt_config;

typedef struct {
	nn_opt_config cfg;
	size_t n;
	float *m; /* [n] momentum buffer (sgd) / first moment (adamw) */
	float *v; /* [n] second moment (adamw only; NULL for sgd) */
	long t;   /* updates taken */
} nn_opt;

void nn_opt_config_default(nn_opt_config *c, nn_opt_kind kind); /* sgd: lr .1 m .9; adamw: lr 1e-3 wd .01 */
void nn_opt_init(nn_opt *o, const nn_opt_config *c, size_t n);
void nn_opt_free(nn_opt *o);
void nn_opt_copy(nn_opt *dst, const nn_opt *src); /* dst uninitialized */
/* Clips, then updates params in place with learning rate lr. Returns the global gradient
 * L2 norm measured before clipping. */
float nn_opt_step(nn_opt *o, float *params, float *grads, float lr);
/* The same over a team's parts, bit for bit: the update's ranges side by side, the norm
 * summed in order by part 0 (which takes a smaller range for it). */
float nn_opt_step_team(nn_opt *o, nn_team *t, float *params, float *grads, float lr);

/* Step schedule: lr = base · factor^(number of drop epochs ≤ epoch). */
#define NN_MAX_DROPS 16
typedef struct {
	int n;
	double at[NN_MAX_DROPS]; /* epochs, increasing */
	float factor;            /* e.g. 0.1 */
} nn_schedule;
float nn_schedule_lr(const nn_schedule *s, float base, double epoch);

#endif
