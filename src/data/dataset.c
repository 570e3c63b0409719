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
#include <sys/stat.h>
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
#define SYSTEM_CIFAR_DIR "/usr/share/datasets/cifar10/cifar-10-batches-bin"
#define CIFAR_SIDE 32
#define CIFAR_NFILES 6
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

/* ---- progress (progress.c): by the files' compressed bytes ---------------------------- */

static long long file_size(const char *dir, int which)
{
	char path[4200];
	struct stat st;
	resolve_file(dir, fashion_files[which], path, sizeof path);
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* The four files in the order load_fashion reads them: train images, labels, test ... */
static void progress_file(const char *dir, int which)
{
	if (which == TRAIN_IMAGES) {
		double total = 0;
		for (int i = 0; i < FASHION_NFILES; i++)
			total += (double)file_size(dir, i);
		data_progress_begin("Fashion-MNIST", total);
	} else {
		data_progress_file_done((double)file_size(dir, which - 1));
	}
}

/* Reads one images/labels pair and checks that they belong together. */
static int load_pair(const char *dir, int which, data_idx *img, data_idx *lab, char *err)
{
	char ipath[sizeof(((data_set *)0)->source) + 64], lpath[sizeof ipath];
	resolve_file(dir, fashion_files[which], ipath, sizeof ipath);
	resolve_file(dir, fashion_files[which + 1], lpath, sizeof lpath);
	progress_file(dir, which);
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
	progress_file(dir, which + 1);
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
			const char *stream, float *ex, uint8_t *ey, int h, float *hx, uint8_t *hy)
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
		hy[i - k] = y[idx[i]];
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

/* Fills ds from avail training and nte test images of C×side×side bytes: the training
 * subset (balanced, seeded), the held-out split of the images it left out, pixels /255. */
static int set_images(data_set *ds, const uint8_t *trx, const uint8_t *tr_y, int avail,
		      const uint8_t *tex, const uint8_t *te_y, int nte, int C, int side,
		      int classes, const char *dir, char *err)
{
	int n = ds->spec.n ? ds->spec.n : avail;
	if (n > avail)
		return gg_fail(err, "n=%d exceeds the %d training examples of %s (in %s)", n, avail,
			       ds->spec.name, dir);
	snprintf(ds->source, sizeof ds->source, "%s", dir);
	ds->img_c = C;
	ds->img_w = ds->img_h = side;
	ds->dim = C * side * side;
	ds->classes = classes;
	ds->n_train = n;
	ds->n_test = nte;
	size_t dim = (size_t)ds->dim;
	ds->train_x = gg_xmalloc(sizeof(float) * dim * (size_t)n);
	ds->train_y = gg_xmalloc((size_t)n);
	if (n == avail) {
		pixels_to_float(ds->train_x, trx, dim * (size_t)n);
		memcpy(ds->train_y, tr_y, (size_t)n);
	} else {
		int *sel = gg_xmalloc(sizeof(int) * (size_t)n);
		select_balanced(tr_y, avail, classes, n, ds->spec.seed, sel);
		uint8_t *used = gg_xcalloc((size_t)avail, 1);
		for (int i = 0; i < n; i++) {
			pixels_to_float(ds->train_x + (size_t)i * dim, trx + (size_t)sel[i] * dim, dim);
			ds->train_y[i] = tr_y[sel[i]];
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
		ds->heldout_y = gg_xmalloc((size_t)(ds->n_heldout ? ds->n_heldout : 1));
		for (int i = 0; i < ds->n_heldout; i++) {
			pixels_to_float(ds->heldout_x + (size_t)i * dim, trx + (size_t)left[i] * dim, dim);
			ds->heldout_y[i] = tr_y[left[i]];
		}
		free(left);
		free(used);
		free(sel);
	}
	ds->test_x = gg_xmalloc(sizeof(float) * dim * (size_t)nte);
	ds->test_y = gg_xmalloc((size_t)nte);
	pixels_to_float(ds->test_x, tex, dim * (size_t)nte);
	memcpy(ds->test_y, te_y, (size_t)nte);
	return 0;
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
	int rc = set_images(ds, tr_img.data, tr_lab.data, tr_img.dims[0], te_img.data, te_lab.data,
			    te_img.dims[0], 1, FASHION_SIDE, FASHION_CLASSES, dir, err);
	data_idx_free(&tr_img);
	data_idx_free(&tr_lab);
	data_idx_free(&te_img);
	data_idx_free(&te_lab);
	return rc;
}

/* ---- CIFAR-10 ------------------------------------------------------------------------- */

static const char *const cifar_files[CIFAR_NFILES] = {
	"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
	"data_batch_5.bin", "test_batch.bin",
};

/* The directory: the spec's path, else the first candidate holding data_batch_1.bin. */
static int find_cifar(const data_spec *s, char *dir, size_t len, char *err)
{
	if (s->path[0]) {
		snprintf(dir, len, "%s", s->path);
		return 0;
	}
	const char *env = getenv("GGLAB_DATA");
	char cand[3][sizeof(((data_set *)0)->source)];
	int nc = 0;
	if (env && *env) {
		snprintf(cand[nc++], sizeof cand[0], "%.400s/cifar-10-batches-bin", env);
		snprintf(cand[nc++], sizeof cand[0], "%.400s", env);
	}
	snprintf(cand[nc++], sizeof cand[0], "%s", SYSTEM_CIFAR_DIR);
	for (int i = 0; i < nc; i++) {
		char path[sizeof cand[0] + 32];
		snprintf(path, sizeof path, "%.480s/%s", cand[i], cifar_files[0]);
		if (file_exists(path)) {
			snprintf(dir, len, "%.480s", cand[i]);
			return 0;
		}
	}
	return gg_fail(err, "cifar10: no %s in %s%s; give path=DIR or set GGLAB_DATA",
		       cifar_files[0], env && *env ? "$GGLAB_DATA/cifar-10-batches-bin, $GGLAB_DATA, " : "",
		       SYSTEM_CIFAR_DIR);
}

static int load_cifar(data_set *ds, char *err)
{
	char dir[sizeof ds->source];
	if (find_cifar(&ds->spec, dir, sizeof dir, err))
		return -1;
	uint8_t *img[CIFAR_NFILES] = {0}, *lab[CIFAR_NFILES] = {0};
	int cnt[CIFAR_NFILES] = {0}, rc = -1, ntr = 0;
	for (int i = 0; i < CIFAR_NFILES; i++) {
		char path[sizeof dir + 32];
		snprintf(path, sizeof path, "%s/%s", dir, cifar_files[i]);
		if (data_cifar_read(path, &img[i], &lab[i], &cnt[i], err))
			goto out;
		if (i < CIFAR_NFILES - 1)
			ntr += cnt[i];
	}
	/* the five training batches as one array */
	uint8_t *trx = gg_xmalloc((size_t)ntr * DATA_CIFAR_PIXELS), *try_ = gg_xmalloc((size_t)ntr);
	for (int i = 0, at = 0; i < CIFAR_NFILES - 1; at += cnt[i], i++) {
		memcpy(trx + (size_t)at * DATA_CIFAR_PIXELS, img[i], (size_t)cnt[i] * DATA_CIFAR_PIXELS);
		memcpy(try_ + at, lab[i], (size_t)cnt[i]);
	}
	int t = CIFAR_NFILES - 1;
	rc = set_images(ds, trx, try_, ntr, img[t], lab[t], cnt[t], 3, CIFAR_SIDE, 10, dir, err);
	free(trx);
	free(try_);
out:
	for (int i = 0; i < CIFAR_NFILES; i++) {
		free(img[i]);
		free(lab[i]);
	}
	return rc;
}

static void load_synth(data_set *ds, int dim, int classes)
{
	const data_spec *s = &ds->spec;
	snprintf(ds->source, sizeof ds->source, "synthetic");
	ds->dim = dim;
	ds->classes = classes;
	ds->img_c = ds->img_w = ds->img_h = 0;
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
	ds->heldout_y = gg_xmalloc((size_t)ds->n_heldout);
	data_synth_fill(s->name, dim, s->seed, "heldout", ds->n_heldout, ds->heldout_x, ds->heldout_y);
}

/* Side of the images of a named set (0: feature vectors, -1: unknown name). */
static int image_side(const char *name)
{
	if (!strcmp(name, "fashion"))
		return FASHION_SIDE;
	if (!strcmp(name, "cifar10"))
		return CIFAR_SIDE;
	int dim, classes;
	return data_synth_shape(name, 0, &dim, &classes) == 0 ? 0 : -1;
}

int data_spec_check(const data_spec *spec, char *err)
{
	if (!memchr(spec->name, '\0', sizeof spec->name))
		return gg_fail(err, "data set name too long (known: " DATA_NAMES ")");
	if (!memchr(spec->path, '\0', sizeof spec->path))
		return gg_fail(err, "path: longer than %zu characters", sizeof spec->path - 1);
	int side = image_side(spec->name);
	if (side < 0)
		return gg_fail(err, "unknown data set '%s' (known: " DATA_NAMES ")", spec->name);
	if (spec->n < 0)
		return gg_fail(err, "n=%d is negative (0 means the whole set)", spec->n);
	if (!(spec->noise >= 0.0f && spec->noise <= 1.0f)) /* also refuses NaN */
		return gg_fail(err, "noise=%g is outside [0, 1]", (double)spec->noise);
	if (side == 0 && spec->n > SYNTH_MAX_N)
		return gg_fail(err, "n=%d exceeds the %d examples a synthetic set can have", spec->n,
			       SYNTH_MAX_N);
	if (strcmp(spec->name, "teacher") == 0 && (spec->dim < 0 || spec->dim > TEACHER_MAX_DIM))
		return gg_fail(err, "dim=%d is outside 1..%d for teacher (0 means 20)", spec->dim,
			       TEACHER_MAX_DIM);
	if (spec->path[0] && strcmp(spec->name, "cifar10"))
		return gg_fail(err, "path= is for cifar10 (%s is found by itself)", spec->name);
	if ((spec->crop || spec->flip) && side == 0)
		return gg_fail(err, "%s= augments images; %s is not an image set (fashion, cifar10)",
			       spec->crop ? "crop" : "flip", spec->name);
	if (spec->crop < 0 || spec->crop > side / 2)
		return gg_fail(err, "crop=%d is %s half the %dx%d image of %s (0..%d)", spec->crop,
			       spec->crop < 0 ? "negative, not up to" : "larger than", side, side,
			       spec->name, side / 2);
	if (spec->flip != 0 && spec->flip != 1)
		return gg_fail(err, "flip=%d is not on (1) or off (0)", spec->flip);
	return 0;
}

int data_spec_equal(const data_spec *a, const data_spec *b)
{
	return strcmp(a->name, b->name) == 0 && a->n == b->n && a->noise == b->noise &&
	       a->seed == b->seed && a->dim == b->dim && strcmp(a->path, b->path) == 0 &&
	       a->crop == b->crop && a->flip == b->flip;
}

int data_load(data_set **out, const data_spec *spec, char *err)
{
	if (data_spec_check(spec, err) < 0)
		return -1;
	int fashion = strcmp(spec->name, "fashion") == 0, cifar = strcmp(spec->name, "cifar10") == 0;
	int dim = 0, classes = 0;
	if (!fashion && !cifar)
		data_synth_shape(spec->name, spec->dim, &dim, &classes);

	data_set *ds = gg_xcalloc(1, sizeof *ds);
	ds->spec = *spec;
	if (fashion || cifar) {
		if ((fashion ? load_fashion : load_cifar)(ds, err)) {
			data_free(ds);
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
	if ((fashion || cifar) && ds->n_heldout == 0) {
		h = ds->n_test - ds->n_eval < HELDOUT_MAX ? ds->n_test - ds->n_eval : HELDOUT_MAX;
		ds->n_heldout = h;
		ds->heldout_x = gg_xmalloc(sizeof(float) * d * (size_t)(h ? h : 1));
		ds->heldout_y = gg_xmalloc((size_t)(h ? h : 1));
	}
	pick_subset(ds->train_x, ds->train_y, ds->n_train, ds->dim, ds->n_eval, spec->seed,
		    "data-eval-train", ds->eval_train_x, ds->eval_train_y, 0, NULL, NULL);
	pick_subset(ds->test_x, ds->test_y, ds->n_test, ds->dim, ds->n_eval, spec->seed,
		    "data-eval-test", ds->eval_test_x, ds->eval_test_y, h, ds->heldout_x, ds->heldout_y);
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
	free(ds->heldout_y);
	free(ds);
}

void data_describe(const data_set *ds, char *buf, size_t len)
{
	char extra[64] = "";
	size_t e = 0;
	if (strcmp(ds->spec.name, "teacher") == 0)
		e += (size_t)snprintf(extra + e, sizeof extra - e, " dim=%d", ds->dim);
	if (ds->spec.noise > 0.0f)
		e += (size_t)snprintf(extra + e, sizeof extra - e, " noise=%g", (double)ds->spec.noise);
	if (ds->spec.crop && e < sizeof extra)
		e += (size_t)snprintf(extra + e, sizeof extra - e, " crop=%d", ds->spec.crop);
	if (ds->spec.flip && e < sizeof extra)
		snprintf(extra + e, sizeof extra - e, " flip=on");
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
	c->aug_seed = gg_rng_derive(seed, "data-augment");
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
	c->aug_seed = gg_rng_derive(seed, "data-augment");
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

/* The next example and its augmentation seed; advances the cursor. */
static data_pick next_pick(data_cursor *c)
{
	/* one augmentation stream per (epoch, position): replay needs no augmentation state */
	data_pick p = { c->perm[c->pos], c->aug_seed ^ ((uint64_t)c->epoch * 0x9E3779B97F4A7C15ULL +
						       (uint64_t)c->pos * 0xBF58476D1CE4E5B9ULL) };
	/* Reshuffle as soon as an epoch is complete, so epoch + pos / n is exact between
	 * batches whatever the batch sizes were. */
	if (++c->pos == c->n) {
		c->pos = 0;
		c->epoch++;
		gg_rng_shuffle(&c->rng, c->perm, c->n);
	}
	return p;
}

static void fill_row(const data_set *ds, const data_pick *p, float *x, uint8_t *y)
{
	size_t dim = (size_t)ds->dim;
	memcpy(x, ds->train_x + (size_t)p->index * dim, sizeof(float) * dim);
	*y = ds->train_y[p->index];
	if (ds->spec.crop || ds->spec.flip) {
		gg_rng ar;
		gg_rng_seed(&ar, p->aug);
		data_augment_image(x, ds->img_c, ds->img_h, ds->img_w, ds->spec.crop, ds->spec.flip, &ar);
	}
}

void data_next_batch(data_cursor *c, const data_set *ds, int B, float *x, uint8_t *y)
{
	for (int b = 0; b < B && c->n > 0; b++) {
		data_pick p = next_pick(c);
		fill_row(ds, &p, x + (size_t)b * ds->dim, y + b);
	}
}

void data_next_picks(data_cursor *c, const data_set *ds, int B, data_pick *picks)
{
	(void)ds;
	for (int b = 0; b < B && c->n > 0; b++)
		picks[b] = next_pick(c);
}

void data_fill(const data_set *ds, const data_pick *picks, int r0, int r1, float *x, uint8_t *y)
{
	for (int b = r0; b < r1; b++)
		fill_row(ds, &picks[b], x + (size_t)b * ds->dim, y + b);
}

void data_fill_part(void *job, int part, int parts)
{
	const data_fill_job *j = job;
	data_fill(j->ds, j->picks, (int)((long)j->B * part / parts), (int)((long)j->B * (part + 1) / parts),
		  j->x, j->y);
}
