/* dataset.c — loading a data set (Fashion-MNIST or a synthetic one), its training subset,
 * label noise and fixed evaluation subsets, and the per-run cursor that batches it.
 *
 * Every random choice draws from its own sub-stream of spec.seed (gg_rng_derive), so that
 * e.g. changing the noise level leaves the training subset and the evaluation subsets
 * exactly as they were: runs that differ in one setting differ only in it. */
#include "gglab/data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gglab/rng.h"
#include "gglab/util.h"

#ifndef GGLAB_DATADIR
#define GGLAB_DATADIR "data"
#endif

#define SYSTEM_FASHION_DIR "/usr/share/datasets/fashion-mnist"
#define BUNDLED_FASHION_DIR GGLAB_DATADIR "/fashion-mini"
#define HELDOUT_MAX 2000
#define FASHION_SIDE 28
#define FASHION_CLASSES 10
#define SYNTH_TRAIN 1000 /* default training-set size of a synthetic set */
#define SYNTH_TEST 1000
#define SYNTH_MAX_N 1000000
#define TEACHER_MAX_DIM 1024
#define EVAL_MAX 2000 /* evaluation subsets keep a probe's cost per evaluation bounded */

enum { TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS, FASHION_NFILES };

static const char *const fashion_files[FASHION_NFILES] = {
	"train-images-idx3-ubyte",
	"train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte",
	"t10k-labels-idx1-ubyte",
};

void data_spec_default(data_spec *s)
{
	memset(s, 0, sizeof *s);
	strcpy(s->name, "fashion");
	s->n = 0;
	s->noise = 0.0f;
	s->seed = 1;
	s->dim = 20;
}

/* ---- finding Fashion-MNIST ------------------------------------------------------------ */

static int file_exists(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	fclose(f);
	return 1;
}

/* dir/base.gz if it exists, else dir/base if that exists; when neither does, the .gz name,
 * so that the error message names the file we would prefer. Returns 1 if found. */
static int resolve_file(const char *dir, const char *base, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, base);
	char gz[sizeof(((data_set *)0)->source) + 64];
	snprintf(gz, sizeof gz, "%s/%s.gz", dir, base);
	if (file_exists(gz)) {
		snprintf(path, len, "%s", gz);
		return 1;
	}
	if (file_exists(path))
		return 1;
	snprintf(path, len, "%s", gz);
	return 0;
}

/* A directory holds the set if it holds any of its files: once it does, a missing or
 * broken file there is an error about that file, never a silent fall back to another copy
 * of the data that the user did not ask for. */
static int dir_has_fashion(const char *dir)
{
	char path[sizeof(((data_set *)0)->source) + 64];
	for (int i = 0; i < FASHION_NFILES; i++)
		if (resolve_file(dir, fashion_files[i], path, sizeof path))
			return 1;
	return 0;
}

static int find_fashion(char *dir, size_t len, char *err)
{
	const char *env = getenv("GGLAB_DATA");
	const char *cand[4];
	int nc = 0;
	if (env && *env)
		cand[nc++] = env;
	cand[nc++] = SYSTEM_FASHION_DIR;
	cand[nc++] = BUNDLED_FASHION_DIR;
	/* A gglab run from its build tree, not yet installed, finds the copy beside it. */
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 32);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			strcpy(slash, "/data/fashion-mini");
			cand[nc++] = exe;
		}
	}
	for (int i = 0; i < nc; i++) {
		if (strlen(cand[i]) >= len)
			return gg_fail(err, "%.200s...: data directory name too long", cand[i]);
		if (dir_has_fashion(cand[i])) {
			snprintf(dir, len, "%s", cand[i]);
			return 0;
		}
	}
	return gg_fail(err, "fashion: no Fashion-MNIST files (%s.gz ...) in %s%s%s, %s or %s; set "
		       "GGLAB_DATA or install the dataset-fashion-mnist package",
		       fashion_files[TRAIN_IMAGES], env && *env ? "$GGLAB_DATA=" : "",
		       env && *env ? env : "", env && *env ? "," : "", SYSTEM_FASHION_DIR,
		       BUNDLED_FASHION_DIR);
}

/* Reads one images/labels pair and checks that they belong together. */
static int load_pair(const char *dir, int which, data_idx *img, data_idx *lab, char *err)
{
	char ipath[sizeof(((data_set *)0)->source) + 64], lpath[sizeof ipath];
	resolve_file(dir, fashion_files[which], ipath, sizeof ipath);
	resolve_file(dir, fashion_files[which + 1], lpath, sizeof lpath);
	if (data_idx_read(ipath, img, err))
		return -1;
	if (img->ndim != 3 || img->dims[1] != FASHION_SIDE || img->dims[2] != FASHION_SIDE) {
		if (img->ndim != 3)
			gg_fail(err, "%s: has %d dimension(s), expected 3 (an images file)", ipath,
				img->ndim);
		else
			gg_fail(err, "%s: images are %dx%d, expected %dx%d", ipath, img->dims[1],
				img->dims[2], FASHION_SIDE, FASHION_SIDE);
		goto fail_img;
	}
	if (data_idx_read(lpath, lab, err))
		goto fail_img;
	if (lab->ndim != 1) {
		gg_fail(err, "%s: has %d dimensions, expected 1 (a labels file)", lpath, lab->ndim);
		goto fail_lab;
	}
	if (lab->dims[0] != img->dims[0]) {
		gg_fail(err, "%s: labels file has %d entries but images file has %d (%s)", lpath,
			lab->dims[0], img->dims[0], ipath);
		goto fail_lab;
	}
	for (size_t i = 0; i < lab->size; i++) {
		if (lab->data[i] >= FASHION_CLASSES) {
			gg_fail(err, "%s: label %d of entry %zu is not a class 0-%d", lpath,
				lab->data[i], i, FASHION_CLASSES - 1);
			goto fail_lab;
		}
	}
	return 0;
fail_lab:
	data_idx_free(lab);
fail_img:
	data_idx_free(img);
	return -1;
}

/* ---- subsets and noise ---------------------------------------------------------------- */

/* Chooses n of total examples, as evenly spread over the classes as the data allows (an
 * even share each; classes short of it are topped up at random), and writes their indices
 * in ascending order. */
static void select_balanced(const uint8_t *labels, int total, int classes, int n, uint64_t seed,
			    int *out)
{
	gg_rng r;
	gg_rng_seed(&r, gg_rng_derive(seed, "data-subset"));
	int *perm = gg_xmalloc(sizeof(int) * (size_t)total);
	for (int i = 0; i < total; i++)
		perm[i] = i;
	gg_rng_shuffle(&r, perm, total);
	/* The n % classes leftover slots go to randomly chosen classes. */
	int order[256], quota[256] = {0}, count[256] = {0};
	for (int c = 0; c < classes; c++)
		order[c] = c;
	gg_rng_shuffle(&r, order, classes);
	for (int c = 0; c < classes; c++)
		quota[order[c]] = n / classes + (c < n % classes);

	uint8_t *taken = gg_xcalloc((size_t)total, 1);
	int got = 0;
	for (int i = 0; i < total && got < n; i++) {
		int c = labels[perm[i]];
		if (count[c] < quota[c]) {
			count[c]++;
			taken[perm[i]] = 1;
			got++;
		}
	}
	for (int i = 0; i < total && got < n; i++) {
		if (!taken[perm[i]]) {
			taken[perm[i]] = 1;
			got++;
		}
	}
	for (int i = 0, k = 0; i < total; i++)
		if (taken[i])
			out[k++] = i;
	free(taken);
	free(perm);
}

/* Replaces exactly round(noise·n) labels, at distinct random positions, by a different
 * random class. */
static void add_label_noise(uint8_t *y, int n, int classes, float noise, uint64_t seed)
{
	int k = (int)lround((double)noise * n);
	if (k <= 0 || classes < 2)
		return;
	gg_rng r;
	gg_rng_seed(&r, gg_rng_derive(seed, "data-noise"));
	int *idx = gg_xmalloc(sizeof(int) * (size_t)n);
	for (int i = 0; i < n; i++)
		idx[i] = i;
	for (int i = 0; i < k; i++) { /* partial Fisher–Yates: idx[0..k) is a uniform k-subset */
		int j = i + (int)gg_rng_below(&r, (uint32_t)(n - i));
		int t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
	for (int i = 0; i < k; i++) {
		uint8_t *l = &y[idx[i]];
		*l = (uint8_t)((*l + 1 + gg_rng_below(&r, (uint32_t)classes - 1)) % (uint32_t)classes);
	}
	free(idx);
}

/* Copies k randomly chosen examples of x/y into ex/ey. */
/* k seeded picks copied into ex/ey, then h more (disjoint from them) into hx. */
static void pick_subset(const float *x, const uint8_t *y, int n, int dim, int k, uint64_t seed,
			const char *stream, float *ex, uint8_t *ey, int h, float *hx)
{
	gg_rng r;
	gg_rng_seed(&r, gg_rng_derive(seed, stream));
	int *idx = gg_xmalloc(sizeof(int) * (size_t)n);
	for (int i = 0; i < n; i++)
		idx[i] = i;
	for (int i = 0; i < k; i++) {
		int j = i + (int)gg_rng_below(&r, (uint32_t)(n - i));
		int t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		memcpy(ex + (size_t)i * dim, x + (size_t)idx[i] * dim, sizeof(float) * (size_t)dim);
		ey[i] = y[idx[i]];
	}
	for (int i = k; i < k + h && i < n; i++) { /* the partial shuffle goes on: disjoint picks */
		int j = i + (int)gg_rng_below(&r, (uint32_t)(n - i));
		int t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		memcpy(hx + (size_t)(i - k) * dim, x + (size_t)idx[i] * dim, sizeof(float) * (size_t)dim);
	}
	free(idx);
}

/* ---- loading -------------------------------------------------------------------------- */

/* Pixels to [0, 1]; a table keeps x/255 exact (the same floats as a division) but cheap. */
static void pixels_to_float(float *dst, const uint8_t *src, size_t n)
{
	float lut[256];
	for (int v = 0; v < 256; v++)
		lut[v] = (float)v / 255.0f;
	for (size_t i = 0; i < n; i++)
		dst[i] = lut[src[i]];
}

static int load_fashion(data_set *ds, char *err)
{
	char dir[sizeof ds->source];
	if (find_fashion(dir, sizeof dir, err))
		return -1;
	data_idx tr_img, tr_lab, te_img, te_lab;
	if (load_pair(dir, TRAIN_IMAGES, &tr_img, &tr_lab, err))
		return -1;
	if (load_pair(dir, TEST_IMAGES, &te_img, &te_lab, err)) {
		data_idx_free(&tr_img);
		data_idx_free(&tr_lab);
		return -1;
	}
	int avail = tr_img.dims[0];
	int n = ds->spec.n ? ds->spec.n : avail;
	if (n > avail) {
		data_idx_free(&tr_img);
		data_idx_free(&tr_lab);
		data_idx_free(&te_img);
		data_idx_free(&te_lab);
		return gg_fail(err, "n=%d exceeds the %d training examples of fashion (in %s)", n,
			       avail, dir);
	}

	snprintf(ds->source, sizeof ds->source, "%s", dir);
	ds->img_w = ds->img_h = FASHION_SIDE;
	ds->dim = FASHION_SIDE * FASHION_SIDE;
	ds->classes = FASHION_CLASSES;
	ds->n_train = n;
	ds->n_test = te_img.dims[0];
	size_t dim = (size_t)ds->dim;
	ds->train_x = gg_xmalloc(sizeof(float) * dim * (size_t)n);
	ds->train_y = gg_xmalloc((size_t)n);
	if (n == avail) {
		pixels_to_float(ds->train_x, tr_img.data, tr_img.size);
		memcpy(ds->train_y, tr_lab.data, (size_t)n);
	} else {
		int *sel = gg_xmalloc(sizeof(int) * (size_t)n);
		select_balanced(tr_lab.data, avail, FASHION_CLASSES, n, ds->spec.seed, sel);
		uint8_t *used = gg_xcalloc((size_t)avail, 1);
		for (int i = 0; i < n; i++) {
			pixels_to_float(ds->train_x + (size_t)i * dim,
					tr_img.data + (size_t)sel[i] * dim, dim);
			ds->train_y[i] = tr_lab.data[sel[i]];
			used[sel[i]] = 1;
		}
		/* the held-out split: training images the subset left out, a seeded choice */
		int nleft = avail - n, k = 0;
		int *left = gg_xmalloc(sizeof(int) * (size_t)(nleft ? nleft : 1));
		for (int i = 0; i < avail; i++)
			if (!used[i])
				left[k++] = i;
		gg_rng hr;
		gg_rng_seed(&hr, gg_rng_derive(ds->spec.seed, "data-heldout"));
		gg_rng_shuffle(&hr, left, nleft);
		ds->n_heldout = nleft < HELDOUT_MAX ? nleft : HELDOUT_MAX;
		ds->heldout_x = gg_xmalloc(sizeof(float) * dim * (size_t)(ds->n_heldout ? ds->n_heldout : 1));
		for (int i = 0; i < ds->n_heldout; i++)
			pixels_to_float(ds->heldout_x + (size_t)i * dim, tr_img.data + (size_t)left[i] * dim, dim);
		free(left);
		free(used);
		free(sel);
	}
	ds->test_x = gg_xmalloc(sizeof(float) * te_img.size);
	ds->test_y = gg_xmalloc((size_t)ds->n_test);
	pixels_to_float(ds->test_x, te_img.data, te_img.size);
	memcpy(ds->test_y, te_lab.data, (size_t)ds->n_test);
	data_idx_free(&tr_img);
	data_idx_free(&tr_lab);
	data_idx_free(&te_img);
	data_idx_free(&te_lab);
	return 0;
}

static void load_synth(data_set *ds, int dim, int classes)
{
	const data_spec *s = &ds->spec;
	snprintf(ds->source, sizeof ds->source, "synthetic");
	ds->dim = dim;
	ds->classes = classes;
	ds->img_w = ds->img_h = 0;
	ds->n_train = s->n ? s->n : SYNTH_TRAIN;
	ds->n_test = SYNTH_TEST;
	ds->train_x = gg_xmalloc(sizeof(float) * (size_t)dim * (size_t)ds->n_train);
	ds->train_y = gg_xmalloc((size_t)ds->n_train);
	ds->test_x = gg_xmalloc(sizeof(float) * (size_t)dim * (size_t)ds->n_test);
	ds->test_y = gg_xmalloc((size_t)ds->n_test);
	data_synth_fill(s->name, dim, s->seed, "train", ds->n_train, ds->train_x, ds->train_y);
	data_synth_fill(s->name, dim, s->seed, "test", ds->n_test, ds->test_x, ds->test_y);
	ds->n_heldout = SYNTH_TEST;
	ds->heldout_x = gg_xmalloc(sizeof(float) * (size_t)dim * (size_t)ds->n_heldout);
	uint8_t *unused = gg_xmalloc((size_t)ds->n_heldout);
	data_synth_fill(s->name, dim, s->seed, "heldout", ds->n_heldout, ds->heldout_x, unused);
	free(unused);
}

int data_load(data_set **out, const data_spec *spec, char *err)
{
	if (!memchr(spec->name, '\0', sizeof spec->name))
		return gg_fail(err, "data set name too long (known: " DATA_NAMES ")");
	int fashion = strcmp(spec->name, "fashion") == 0;
	int dim = 0, classes = 0;
	int synth = !fashion && data_synth_shape(spec->name, spec->dim, &dim, &classes) == 0;
	if (!fashion && !synth)
		return gg_fail(err, "unknown data set '%s' (known: " DATA_NAMES ")", spec->name);
	if (spec->n < 0)
		return gg_fail(err, "n=%d is negative (0 means the whole set)", spec->n);
	if (!(spec->noise >= 0.0f && spec->noise <= 1.0f)) /* also refuses NaN */
		return gg_fail(err, "noise=%g is outside [0, 1]", (double)spec->noise);
	if (synth && spec->n > SYNTH_MAX_N)
		return gg_fail(err, "n=%d exceeds the %d examples a synthetic set can have", spec->n,
			       SYNTH_MAX_N);
	if (strcmp(spec->name, "teacher") == 0 && (spec->dim < 0 || spec->dim > TEACHER_MAX_DIM))
		return gg_fail(err, "dim=%d is outside 1..%d for teacher (0 means 20)", spec->dim,
			       TEACHER_MAX_DIM);

	data_set *ds = gg_xcalloc(1, sizeof *ds);
	ds->spec = *spec;
	if (fashion) {
		if (load_fashion(ds, err)) {
			free(ds);
			return -1;
		}
	} else {
		load_synth(ds, dim, classes);
	}
	add_label_noise(ds->train_y, ds->n_train, ds->classes, spec->noise, spec->seed);

	int k = ds->n_train < ds->n_test ? ds->n_train : ds->n_test;
	ds->n_eval = k < EVAL_MAX ? k : EVAL_MAX;
	size_t d = (size_t)ds->dim;
	ds->eval_train_x = gg_xmalloc(sizeof(float) * d * (size_t)ds->n_eval);
	ds->eval_train_y = gg_xmalloc((size_t)ds->n_eval);
	ds->eval_test_x = gg_xmalloc(sizeof(float) * d * (size_t)ds->n_eval);
	ds->eval_test_y = gg_xmalloc((size_t)ds->n_eval);
	int h = 0; /* fashion with no training image left over holds out test images instead */
	if (fashion && ds->n_heldout == 0) {
		h = ds->n_test - ds->n_eval < HELDOUT_MAX ? ds->n_test - ds->n_eval : HELDOUT_MAX;
		ds->n_heldout = h;
		ds->heldout_x = gg_xmalloc(sizeof(float) * d * (size_t)(h ? h : 1));
	}
	pick_subset(ds->train_x, ds->train_y, ds->n_train, ds->dim, ds->n_eval, spec->seed,
		    "data-eval-train", ds->eval_train_x, ds->eval_train_y, 0, NULL);
	pick_subset(ds->test_x, ds->test_y, ds->n_test, ds->dim, ds->n_eval, spec->seed,
		    "data-eval-test", ds->eval_test_x, ds->eval_test_y, h, ds->heldout_x);
	*out = ds;
	return 0;
}

void data_free(data_set *ds)
{
	if (!ds)
		return;
	free(ds->train_x);
	free(ds->train_y);
	free(ds->test_x);
	free(ds->test_y);
	free(ds->eval_train_x);
	free(ds->eval_train_y);
	free(ds->eval_test_x);
	free(ds->eval_test_y);
	free(ds->heldout_x);
	free(ds);
}

void data_describe(const data_set *ds, char *buf, size_t len)
{
	char extra[64] = "";
	size_t e = 0;
	if (strcmp(ds->spec.name, "teacher") == 0)
		e += (size_t)snprintf(extra + e, sizeof extra - e, " dim=%d", ds->dim);
	if (ds->spec.noise > 0.0f)
		snprintf(extra + e, sizeof extra - e, " noise=%g", (double)ds->spec.noise);
	snprintf(buf, len, "%s n=%d test=%d%s (%s)", ds->spec.name, ds->n_train, ds->n_test, extra,
		 ds->source);
}

/* ---- batching ------------------------------------------------------------------------- */

void data_cursor_init(data_cursor *c, const data_set *ds, uint64_t seed)
{
	c->n = ds->n_train;
	c->perm = gg_xmalloc(sizeof(int) * (size_t)c->n);
	for (int i = 0; i < c->n; i++)
		c->perm[i] = i;
	c->pos = 0;
	c->epoch = 0;
	gg_rng_seed(&c->rng, gg_rng_derive(seed, "data-cursor"));
	gg_rng_shuffle(&c->rng, c->perm, c->n);
}

void data_cursor_init_part(data_cursor *c, const data_set *ds, uint64_t seed, int part,
			   int parts, uint64_t split_seed)
{
	if (parts <= 1) {
		data_cursor_init(c, ds, seed);
		return;
	}
	int n = ds->n_train;
	int *all = gg_xmalloc(sizeof(int) * (size_t)n);
	for (int i = 0; i < n; i++)
		all[i] = i;
	gg_rng split;
	gg_rng_seed(&split, gg_rng_derive(split_seed, "data-parts"));
	gg_rng_shuffle(&split, all, n);
	int lo = (int)((long)n * part / parts), hi = (int)((long)n * (part + 1) / parts);
	c->n = hi - lo;
	c->perm = gg_xmalloc(sizeof(int) * (size_t)(c->n ? c->n : 1));
	memcpy(c->perm, all + lo, sizeof(int) * (size_t)c->n);
	free(all);
	c->pos = 0;
	c->epoch = 0;
	gg_rng_seed(&c->rng, gg_rng_derive(seed, "data-cursor"));
	gg_rng_shuffle(&c->rng, c->perm, c->n);
}

void data_cursor_free(data_cursor *c)
{
	free(c->perm);
	c->perm = NULL;
}

void data_cursor_copy(data_cursor *dst, const data_cursor *src)
{
	*dst = *src;
	dst->perm = gg_xmalloc(sizeof(int) * (size_t)src->n);
	memcpy(dst->perm, src->perm, sizeof(int) * (size_t)src->n);
}

void data_next_batch(data_cursor *c, const data_set *ds, int B, float *x, uint8_t *y)
{
	size_t dim = (size_t)ds->dim;
	for (int b = 0; b < B && c->n > 0; b++) {
		int i = c->perm[c->pos];
		memcpy(x + (size_t)b * dim, ds->train_x + (size_t)i * dim, sizeof(float) * dim);
		y[b] = ds->train_y[i];
		/* Reshuffle as soon as an epoch is complete, so epoch + pos / n is exact between
		 * batches whatever the batch sizes were. */
		if (++c->pos == c->n) {
			c->pos = 0;
			c->epoch++;
			gg_rng_shuffle(&c->rng, c->perm, c->n);
		}
	}
}
