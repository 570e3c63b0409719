/* data.h — data sets: IDX files through zlib, synthetic generators, label noise, fixed
 * evaluation subsets and seeded batching.
 *
 * A data_set is immutable once loaded and may be shared by several runs; each run walks it
 * with its own data_cursor (a seeded permutation reshuffled every epoch). Inputs are float
 * features x[n][dim]; labels are class indices y[n] < classes. */
#ifndef GGLAB_DATA_H
#define GGLAB_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "gglab/rng.h"

/* ---- IDX files ---------------------------------------------------------------------- */

typedef struct {
	int ndim;      /* 1 (labels) or 3 (images) */
	int dims[3];   /* dims[0] = count */
	size_t size;   /* bytes of data = Π dims */
	uint8_t *data; /* unsigned bytes (type code 0x08 only) */
} data_idx;

/* Reads an IDX file, gzip-compressed or raw (zlib detects which). Validates the magic
 * (0x00 0x00 0x08 ndim), the dimensions, and that exactly Π dims bytes follow. Errors name
 * the file and what was wrong ("…: truncated: expected 47040000 bytes of data, got 1234"). */
int data_idx_read(const char *path, data_idx *out, char *err);
void data_idx_free(data_idx *d);

/* ---- data sets ---------------------------------------------------------------------- */

#define DATA_NAMES "fashion cifar10 spiral circles xor gauss teacher"

typedef struct {
	char name[16];   /* one of DATA_NAMES */
	int n;           /* training-subset size; 0 = the set's default (all of fashion, 1000 synthetic) */
	float noise;     /* label-noise fraction in [0, 1]: that share of training labels replaced */
	uint64_t seed;   /* subset, noise, synthetic points, evaluation subsets */
	int dim;         /* teacher: input dimension D (default 20) */
	/* cifar10: the directory of data_batch_1.bin … test_batch.bin; "" looks in
	 * $GGLAB_DATA/cifar-10-batches-bin, then $GGLAB_DATA, then /usr/share/datasets/cifar10 */
	char path[256];
	/* Seeded augmentation of training batches (image sets only): a random crop of the
	 * image zero-padded by `crop` pixels (0 ≤ crop ≤ half the side; 0 = none) and a random
	 * horizontal flip (flip = 1). Evaluation and held-out data are never augmented. */
	int crop, flip;
} data_spec;

typedef struct {
	data_spec spec;
	char source[512]; /* directory or file the images came from, or "synthetic" */
	int dim, classes;
	int img_c, img_w, img_h; /* 1×28×28 fashion, 3×32×32 cifar10; 0 for feature vectors */
	int n_train, n_test;
	float *train_x;   /* [n_train][dim] */
	uint8_t *train_y; /* [n_train] (noisy labels, if noise > 0) */
	float *test_x;    /* [n_test][dim] */
	uint8_t *test_y;  /* [n_test] */
	int n_eval;       /* size of each fixed evaluation subset */
	float *eval_train_x; uint8_t *eval_train_y; /* [n_eval] fixed subset of train, copied */
	float *eval_test_x;  uint8_t *eval_test_y;  /* [n_eval] fixed subset of test, copied */
	/* A held-out split disjoint from the training set and from the evaluation subsets, for
	 * the twins: their disagreement needs no labels, and their error is measured on the
	 * same points with these (true, never noisy) labels, so the two are comparable. fashion
	 * and cifar10 take training images the subset left out, else test images outside the
	 * test evaluation subset; synthetic sets draw fresh points. n_heldout may be 0 (every
	 * image in use). */
	int n_heldout;
	float *heldout_x;   /* [n_heldout][dim] */
	uint8_t *heldout_y; /* [n_heldout] */
} data_set;

/* Validates the spec (known name, n within the available data, noise in [0,1]) and loads.
 * fashion is looked for in $GGLAB_DATA, then /usr/share/datasets/fashion-mnist, then the
 * bundled mini subset (GGLAB_DATADIR, set by configure). */
int data_load(data_set **out, const data_spec *spec, char *err); /* *out untouched on error */
/* How far a load has come, for a progress line: called on the loading thread with what
 * is loaded ("Fashion-MNIST") and the percent done (0 to 100, in steps of 5 or more). Set
 * per thread (the trainer thread sets it for the loads it makes); NULL: none. */
typedef void (*data_progress_fn)(void *arg, const char *what, int percent);
void data_set_progress(data_progress_fn fn, void *arg);
/* For the loaders (progress.c): a load of total_bytes of files begins; a file of that
 * many bytes is done; the current file is `offset` bytes in (its compressed bytes). */
void data_progress_begin(const char *what, double total_bytes);
void data_progress_file_done(double bytes);
void data_progress_at(long long offset);
void data_free(data_set *ds);
void data_spec_default(data_spec *s); /* fashion, n 0, noise 0, seed 1, no path, crop 0, flip 0 */
/* The checks data_load makes before reading anything: 0, or -1 and a message (unknown
 * name, n < 0, noise outside [0, 1], crop= on a set that is not images or larger than half
 * the image: "crop=20 is larger than half the 32x32 image of cifar10 (at most 16)"). */
int data_spec_check(const data_spec *spec, char *err);
/* Whether two specs load the same data and batch it the same way (every field). */
int data_spec_equal(const data_spec *a, const data_spec *b);
/* One line, e.g. "fashion n=60000 test=10000 (/usr/share/datasets/fashion-mnist)". */
void data_describe(const data_set *ds, char *buf, size_t len);

/* ---- CIFAR-10 (cifar.c) ----------------------------------------------------------------- */

#define DATA_CIFAR_PIXELS 3072 /* 3×32×32, channel-major */
#define DATA_CIFAR_RECORD 3073 /* label byte + pixels */
/* Reads one binary batch file: images[n][3072] and labels[n], allocated. The size must be
 * a whole number of records and every label < 10; errors name the file (and the record). */
int data_cifar_read(const char *path, uint8_t **images, uint8_t **labels, int *n, char *err);
/* Augments one image x[C][H][W] in place with draws from r: shifted by a uniform (dy, dx)
 * in [−crop, crop]² with zeros brought in (a crop of the zero-padded image), then mirrored
 * left-right with probability ½ when flip. */
void data_augment_image(float *x, int C, int H, int W, int crop, int flip, gg_rng *r);

/* ---- synthetic generators (synth.c; data_load uses them, tests and tools may too) ----- */

/* Input dimension and class count of a synthetic set: 2 and 2 for spiral, circles, xor and
 * gauss; dim_req (0 = 20) and 10 for teacher. Returns -1 if name is not a synthetic set. */
int data_synth_shape(const char *name, int dim_req, int *dim, int *classes);
/* The 2-D sets (spiral, circles, xor, gauss: the screen draws their decision boundary).
 * data_is_planar takes a name or a description that starts with one ("circles n=400");
 * data_planar_names joins the names with sep. */
int data_is_planar(const char *name);
void data_planar_names(char *buf, size_t len, const char *sep);
/* Fills x[n][dim], y[n] (dim from data_synth_shape) with n points of the named set. The
 * problem itself (the teacher network) depends only on seed; the points also on stream
 * ("train", "test"), so a train and a test set of one problem share the teacher. Returns -1
 * if name is not a synthetic set. */
int data_synth_fill(const char *name, int dim, uint64_t seed, const char *stream, int n,
		    float *x, uint8_t *y);

/* ---- batching ----------------------------------------------------------------------- */

typedef struct {
	int n;       /* training examples */
	int *perm;   /* [n] current epoch's order */
	int pos;     /* next index into perm */
	long epoch;  /* completed epochs */
	gg_rng rng;  /* reshuffles at each epoch start */
	/* Augmentation draws depend only on (aug_seed, epoch, pos), not on a stream, so a
	 * cursor restored from its epoch, position and rng replays the same crops and flips. */
	uint64_t aug_seed;
} data_cursor;

void data_cursor_init(data_cursor *c, const data_set *ds, uint64_t seed);
/* A cursor over the part-th of `parts` disjoint subsets of the training set (a seeded
 * split from split_seed, the same for every part), for runs trained on disjoint data. */
void data_cursor_init_part(data_cursor *c, const data_set *ds, uint64_t seed, int part,
			   int parts, uint64_t split_seed);
void data_cursor_free(data_cursor *c);
void data_cursor_copy(data_cursor *dst, const data_cursor *src); /* dst uninitialized */
/* Copies the next B examples into x[B][dim], y[B], augmented as the spec says. A batch
 * that reaches the end of the epoch continues into a fresh shuffle, so every batch is full
 * and the position within the epoch survives batch-size changes. Fractional epochs seen =
 * epoch + pos / n. */
void data_next_batch(data_cursor *c, const data_set *ds, int B, float *x, uint8_t *y);

/* The same in two halves, so that the copy can be shared by threads: data_next_picks
 * advances the cursor as data_next_batch does and says which example goes where and with
 * what augmentation; data_fill writes rows [r0, r1) of x[B][dim] and y[B] from them. Both
 * together give data_next_batch's bytes. */
typedef struct {
	int index;    /* into the training set */
	uint64_t aug; /* the augmentation's seed (unused without crop or flip) */
} data_pick;
void data_next_picks(data_cursor *c, const data_set *ds, int B, data_pick *picks);
void data_fill(const data_set *ds, const data_pick *picks, int r0, int r1, float *x, uint8_t *y);
/* data_fill of an even share of the rows for part `part` of `parts`: a job for a team of
 * threads (nn_team_run), job a data_fill_job. */
typedef struct {
	const data_set *ds;
	const data_pick *picks;
	int B;
	float *x;
	uint8_t *y;
} data_fill_job;
void data_fill_part(void *job, int part, int parts);

#endif
