/* test_data.c — the data module: IDX validation (every error names the file and what was
 * wrong), Fashion-MNIST loading from the bundled subset, synthetic sets, label noise,
 * seeded subsets and the batching cursor.
 *
 * Broken IDX files are written into a mkdtemp directory under /tmp, removed at the end.
 * The bundled subset is found through GGLAB_SRCDIR (the source tree). */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "gglab/data.h"
#include "gglab/util.h"
#include "test.h"

#ifndef GGLAB_SRCDIR
#define GGLAB_SRCDIR "."
#endif

#define SYSTEM_FASHION "/usr/share/datasets/fashion-mnist"

static char tmpdir[256];

/* ---- helpers -------------------------------------------------------------------------- */

static const char *tpath(const char *name)
{
	static char buf[4][512]; /* a few paths alive at once in one expression */
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static void write_raw(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		perror(path);
		exit(2);
	}
	fclose(f);
}

static void write_gz(const char *path, const void *p, size_t n)
{
	gzFile gz = gzopen(path, "wb");
	if (!gz || gzwrite(gz, p, (unsigned)n) != (int)n) {
		fprintf(stderr, "%s: cannot write gzip\n", path);
		exit(2);
	}
	gzclose(gz);
}

static unsigned char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *p = gg_xmalloc((size_t)len);
	if (fread(p, 1, (size_t)len, f) != (size_t)len)
		exit(2);
	fclose(f);
	*n = (size_t)len;
	return p;
}

/* Builds an IDX file image: header (type, ndim, dims) followed by `extra` data bytes beyond
 * (or, if negative, short of) what the dims announce, filled by a simple pattern — labels
 * stay below 10 when ndim is 1. */
static unsigned char *idx_image(int type, int ndim, const unsigned *dims, long extra,
				size_t *len)
{
	size_t data = 1;
	for (int i = 0; i < ndim; i++)
		data *= dims[i];
	data = (size_t)((long)data + extra);
	size_t hdr = 4 + 4 * (size_t)ndim;
	unsigned char *p = gg_xmalloc(hdr + data);
	p[0] = 0;
	p[1] = 0;
	p[2] = (unsigned char)type;
	p[3] = (unsigned char)ndim;
	for (int i = 0; i < ndim; i++) {
		p[4 + 4 * i] = (unsigned char)(dims[i] >> 24);
		p[5 + 4 * i] = (unsigned char)(dims[i] >> 16);
		p[6 + 4 * i] = (unsigned char)(dims[i] >> 8);
		p[7 + 4 * i] = (unsigned char)dims[i];
	}
	for (size_t i = 0; i < data; i++)
		p[hdr + i] = (unsigned char)(ndim == 1 ? i % 10 : (i * 2654435761u) >> 13);
	*len = hdr + data;
	return p;
}

static void write_idx(const char *path, int gz, int type, int ndim, const unsigned *dims,
		      long extra)
{
	size_t len;
	unsigned char *p = idx_image(type, ndim, dims, extra, &len);
	if (gz)
		write_gz(path, p, len);
	else
		write_raw(path, p, len);
	free(p);
}

/* Expects data_idx_read to fail with a message that begins with the path and contains
 * phrase. */
static void expect_idx_error(const char *path, const char *phrase)
{
	char err[GG_ERRLEN] = "";
	data_idx d = {0};
	int rc = data_idx_read(path, &d, err);
	CHECK(rc == -1, "%s: read should fail", path);
	CHECK(strncmp(err, path, strlen(path)) == 0, "message should begin with the path: %s", err);
	CHECK(strstr(err, phrase) != NULL, "expected '%s' in: %s", phrase, err);
	if (rc == 0)
		data_idx_free(&d);
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static data_set *load(const char *name, int n, float noise, uint64_t seed)
{
	data_spec s;
	data_spec_default(&s);
	snprintf(s.name, sizeof s.name, "%s", name);
	s.n = n;
	s.noise = noise;
	s.seed = seed;
	data_set *ds = NULL;
	char err[GG_ERRLEN];
	if (data_load(&ds, &s, err)) {
		CHECK(0, "loading %s n=%d noise=%g: %s", name, n, (double)noise, err);
		return NULL;
	}
	return ds;
}

static void expect_load_error(const char *name, int n, float noise, const char *phrase)
{
	data_spec s;
	data_spec_default(&s);
	snprintf(s.name, sizeof s.name, "%s", name);
	s.n = n;
	s.noise = noise;
	data_set *ds = (data_set *)&s; /* must stay untouched on error */
	char err[GG_ERRLEN] = "";
	int rc = data_load(&ds, &s, err);
	CHECK(rc == -1, "%s n=%d noise=%g should fail", name, n, (double)noise);
	CHECK(strstr(err, phrase) != NULL, "expected '%s' in: %s", phrase, err);
	CHECK(ds == (data_set *)&s, "*out changed on error");
	if (rc == 0)
		data_free(ds);
}

/* Fails unless the data set refuses to load and names `path` and `phrase`. */
static void expect_dir_error(const char *dir, const char *path, const char *phrase)
{
	setenv("GGLAB_DATA", dir, 1);
	data_spec s;
	data_spec_default(&s);
	data_set *ds = NULL;
	char err[GG_ERRLEN] = "";
	int rc = data_load(&ds, &s, err);
	CHECK(rc == -1, "%s: load should fail", dir);
	CHECK(strstr(err, path) != NULL, "expected path %s in: %s", path, err);
	CHECK(strstr(err, phrase) != NULL, "expected '%s' in: %s", phrase, err);
	if (rc == 0)
		data_free(ds);
}

static int same_set(const data_set *a, const data_set *b)
{
	size_t d = (size_t)a->dim;
	return a->n_train == b->n_train && a->n_test == b->n_test && a->n_eval == b->n_eval &&
	       !memcmp(a->train_x, b->train_x, sizeof(float) * d * (size_t)a->n_train) &&
	       !memcmp(a->train_y, b->train_y, (size_t)a->n_train) &&
	       !memcmp(a->test_x, b->test_x, sizeof(float) * d * (size_t)a->n_test) &&
	       !memcmp(a->eval_train_x, b->eval_train_x, sizeof(float) * d * (size_t)a->n_eval) &&
	       !memcmp(a->eval_train_y, b->eval_train_y, (size_t)a->n_eval) &&
	       !memcmp(a->eval_test_x, b->eval_test_x, sizeof(float) * d * (size_t)a->n_eval) &&
	       !memcmp(a->eval_test_y, b->eval_test_y, (size_t)a->n_eval);
}

/* Index of row x among rows[n][dim], or -1. */
static int find_row(const float *rows, int n, int dim, const float *x)
{
	for (int i = 0; i < n; i++)
		if (!memcmp(rows + (size_t)i * dim, x, sizeof(float) * (size_t)dim))
			return i;
	return -1;
}

/* ---- IDX ------------------------------------------------------------------------------ */

static void test_idx_valid(void)
{
	unsigned ld[1] = {25}, id[3] = {3, 4, 5};
	char err[GG_ERRLEN];
	data_idx d;

	write_idx(tpath("labels"), 0, 0x08, 1, ld, 0);
	CHECK(data_idx_read(tpath("labels"), &d, err) == 0, "%s", err);
	CHECK(d.ndim == 1 && d.dims[0] == 25 && d.size == 25, "ndim %d dims[0] %d size %zu", d.ndim,
	      d.dims[0], d.size);
	CHECK(d.data[0] == 0 && d.data[13] == 3 && d.data[24] == 4, "label bytes");
	data_idx_free(&d);
	CHECK(d.data == NULL, "free clears the pointer");

	write_idx(tpath("images.gz"), 1, 0x08, 3, id, 0);
	CHECK(data_idx_read(tpath("images.gz"), &d, err) == 0, "%s", err);
	CHECK(d.ndim == 3 && d.dims[0] == 3 && d.dims[1] == 4 && d.dims[2] == 5 && d.size == 60,
	      "dims %d %d %d", d.dims[0], d.dims[1], d.dims[2]);
	size_t len;
	unsigned char *ref = idx_image(0x08, 3, id, 0, &len);
	CHECK(d.size == 60 && !memcmp(d.data, ref + 16, 60), "gzip data round-trips");
	free(ref);
	data_idx_free(&d);
}

static void test_idx_errors(void)
{
	unsigned ld[1] = {10}, id[3] = {4, 28, 28};

	expect_idx_error(tpath("does-not-exist.gz"), ": No such file or directory");

	write_raw(tpath("empty"), "", 0);
	expect_idx_error(tpath("empty"), "empty file");

	write_raw(tpath("magic"), "\x01\x02\x08\x01\x00\x00\x00\x01\x05", 9);
	expect_idx_error(tpath("magic"), "not an IDX file");
	write_raw(tpath("text"), "hello, world\n", 13);
	expect_idx_error(tpath("text"), "not an IDX file");

	write_idx(tpath("type"), 0, 0x0D, 1, ld, 0);
	expect_idx_error(tpath("type"), "unsupported element type 0x0D, gglab reads only 0x08");
	write_idx(tpath("type.gz"), 1, 0x0B, 3, id, 0);
	expect_idx_error(tpath("type.gz"), "unsupported element type 0x0B");

	unsigned d2[2] = {10, 10};
	write_idx(tpath("ndim"), 0, 0x08, 2, d2, 0);
	expect_idx_error(tpath("ndim"), "unsupported number of dimensions 2");

	write_raw(tpath("shorthdr"), "\x00\x00\x08\x03\x00\x00\x00\x04\x00\x00", 10);
	expect_idx_error(tpath("shorthdr"), "truncated header");

	unsigned zero[3] = {4, 0, 28};
	write_idx(tpath("zerodim"), 0, 0x08, 3, zero, 0);
	expect_idx_error(tpath("zerodim"), "dimension 2 is 0");

	/* Headers that announce absurd sizes are refused before anything is allocated. */
	write_raw(tpath("hugecount"), "\x00\x00\x08\x01\xff\xff\xff\xff\x01", 9);
	expect_idx_error(tpath("hugecount"), "implausible item count 4294967295");
	write_raw(tpath("hugeside"), "\x00\x00\x08\x03\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x1c", 16);
	expect_idx_error(tpath("hugeside"), "implausible image size 65536x28");

	write_idx(tpath("trunc"), 0, 0x08, 1, ld, -3);
	expect_idx_error(tpath("trunc"), "truncated: expected 10 bytes of data, got 7");
	write_idx(tpath("trunc.gz"), 1, 0x08, 3, id, -100);
	expect_idx_error(tpath("trunc.gz"), "truncated: expected 3136 bytes of data, got 3036");

	write_idx(tpath("trailing"), 0, 0x08, 1, ld, 6);
	expect_idx_error(tpath("trailing"), "unexpected bytes after the 10 bytes of data");
	write_idx(tpath("trailing.gz"), 1, 0x08, 3, id, 1);
	expect_idx_error(tpath("trailing.gz"), "unexpected bytes after the 3136 bytes of data");

	/* A gzip stream cut in half: zlib's complaint, with our path in front. */
	write_idx(tpath("full.gz"), 1, 0x08, 3, id, 0);
	size_t len;
	unsigned char *gz = read_all(tpath("full.gz"), &len);
	CHECK(len > 200, "test gzip file is %zu bytes", len);
	write_raw(tpath("cut.gz"), gz, len / 2);
	expect_idx_error(tpath("cut.gz"), "corrupt or truncated gzip data: unexpected end of file");
	/* Only the 8-byte trailer (CRC, length) missing: every data byte arrives, yet the file
	 * is still refused. */
	write_raw(tpath("notrailer.gz"), gz, len - 8);
	expect_idx_error(tpath("notrailer.gz"), "corrupt or truncated gzip data");
	/* Corrupt compressed bytes in the middle. */
	for (size_t i = len / 3; i < len / 3 + 16; i++)
		gz[i] ^= 0x5a;
	write_raw(tpath("corrupt.gz"), gz, len);
	expect_idx_error(tpath("corrupt.gz"), "corrupt or truncated gzip data");
	free(gz);

	/* A directory is not a file. */
	mkdir(tpath("adir"), 0700);
	expect_idx_error(tpath("adir"), tpath("adir"));
}

/* ---- Fashion-MNIST -------------------------------------------------------------------- */

/* Writes a complete small "Fashion-MNIST" into dir/ (raw or gzip), n_train and n_test
 * images of 28×28. */
static void write_fashion(const char *dir, int gz, unsigned n_train, unsigned n_test)
{
	char p[512];
	unsigned tr[3] = {n_train, 28, 28}, te[3] = {n_test, 28, 28};
	const char *sfx = gz ? ".gz" : "";
	mkdir(dir, 0700);
	snprintf(p, sizeof p, "%s/train-images-idx3-ubyte%s", dir, sfx);
	write_idx(p, gz, 0x08, 3, tr, 0);
	snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte%s", dir, sfx);
	write_idx(p, gz, 0x08, 1, tr, 0);
	snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte%s", dir, sfx);
	write_idx(p, gz, 0x08, 3, te, 0);
	snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte%s", dir, sfx);
	write_idx(p, gz, 0x08, 1, te, 0);
}

static void test_fashion_dirs(void)
{
	char dir[512], p[600], err[GG_ERRLEN];
	data_spec s;
	data_spec_default(&s);
	data_set *ds = NULL;

	/* Raw (uncompressed) files are found too. */
	snprintf(dir, sizeof dir, "%s/raw", tmpdir);
	write_fashion(dir, 0, 30, 20);
	setenv("GGLAB_DATA", dir, 1);
	CHECK(data_load(&ds, &s, err) == 0, "%s", err);
	if (ds) {
		CHECK(ds->n_train == 30 && ds->n_test == 20 && ds->n_eval == 20, "%d %d %d",
		      ds->n_train, ds->n_test, ds->n_eval);
		CHECK(!strcmp(ds->source, dir), "source %s", ds->source);
		CHECK(ds->train_y[13] == 3, "label read");
		data_free(ds);
		ds = NULL;
	}

	/* Labels that disagree with the images in count. */
	snprintf(dir, sizeof dir, "%s/count", tmpdir);
	write_fashion(dir, 1, 30, 20);
	unsigned nine[1] = {19};
	snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte.gz", dir);
	write_idx(p, 1, 0x08, 1, nine, 0);
	expect_dir_error(dir, p, "labels file has 19 entries but images file has 20");

	/* A broken file in the chosen directory is an error about it, not a reason to fall
	 * back to another copy of the data. */
	snprintf(dir, sizeof dir, "%s/broken", tmpdir);
	write_fashion(dir, 1, 30, 20);
	unsigned te[3] = {20, 28, 28};
	snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte.gz", dir);
	write_idx(p, 1, 0x08, 3, te, -500);
	expect_dir_error(dir, p, "truncated: expected 15680 bytes of data, got 15180");

	/* A missing file there, likewise. */
	snprintf(dir, sizeof dir, "%s/missing", tmpdir);
	write_fashion(dir, 1, 30, 20);
	snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte.gz", dir);
	unlink(p);
	expect_dir_error(dir, p, "No such file or directory");

	/* Images of the wrong size and labels out of range. */
	snprintf(dir, sizeof dir, "%s/size", tmpdir);
	write_fashion(dir, 1, 30, 20);
	unsigned big[3] = {30, 32, 32};
	snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", dir);
	write_idx(p, 1, 0x08, 3, big, 0);
	expect_dir_error(dir, p, "images are 32x32, expected 28x28");

	snprintf(dir, sizeof dir, "%s/label", tmpdir);
	write_fashion(dir, 0, 30, 20);
	snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", dir);
	write_raw(p, "\x00\x00\x08\x01\x00\x00\x00\x14" "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x00"
		     "\x01\x02\x0c\x04\x05\x06\x07\x08\x09\x00", 28);
	expect_dir_error(dir, p, "label 12 of entry 12 is not a class 0-9");

	snprintf(dir, sizeof dir, "%s/swapped", tmpdir);
	write_fashion(dir, 1, 30, 20);
	unsigned tr[1] = {30};
	snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", dir);
	write_idx(p, 1, 0x08, 1, tr, 0);
	expect_dir_error(dir, p, "expected 3 (an images file)");

	/* An empty $GGLAB_DATA is passed over: the system copy, else the bundled one is used,
	 * else the error lists where it looked. */
	snprintf(dir, sizeof dir, "%s/empty", tmpdir);
	mkdir(dir, 0700);
	setenv("GGLAB_DATA", dir, 1);
	const char *expect = NULL;
	if (access(SYSTEM_FASHION "/train-images-idx3-ubyte.gz", R_OK) == 0)
		expect = SYSTEM_FASHION;
#ifdef GGLAB_DATADIR
	else if (access(GGLAB_DATADIR "/fashion-mini/train-images-idx3-ubyte.gz", R_OK) == 0)
		expect = GGLAB_DATADIR "/fashion-mini";
#endif
	s.n = 100;
	int rc = data_load(&ds, &s, err);
	if (expect) {
		CHECK(rc == 0, "%s", err);
		if (rc == 0) {
			CHECK(!strcmp(ds->source, expect), "source %s, expected %s", ds->source, expect);
			CHECK(ds->n_train == 100, "n_train %d", ds->n_train);
			data_free(ds);
		}
	} else {
		CHECK(rc == -1 && strstr(err, "no Fashion-MNIST files") && strstr(err, dir), "%s", err);
	}
}

static void count_classes(const uint8_t *y, int n, int *count)
{
	memset(count, 0, sizeof(int) * 10);
	for (int i = 0; i < n; i++)
		count[y[i] < 10 ? y[i] : 0]++;
}

static void test_fashion_mini(void)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/data/fashion-mini", GGLAB_SRCDIR);
	setenv("GGLAB_DATA", dir, 1);
	data_set *ds = load("fashion", 0, 0.0f, 1);
	if (!ds)
		return;
	CHECK(ds->n_train == 2000 && ds->n_test == 1000, "n_train %d n_test %d", ds->n_train,
	      ds->n_test);
	CHECK(ds->dim == 784 && ds->img_w == 28 && ds->img_h == 28 && ds->classes == 10,
	      "dim %d %dx%d classes %d", ds->dim, ds->img_w, ds->img_h, ds->classes);
	CHECK(ds->n_eval == 1000, "n_eval = min(2000, n_train, n_test), got %d", ds->n_eval);
	CHECK(!strcmp(ds->source, dir), "source %s", ds->source);
	int count[10];
	count_classes(ds->train_y, ds->n_train, count);
	for (int c = 0; c < 10; c++)
		CHECK(count[c] == 200, "train class %d has %d", c, count[c]);
	count_classes(ds->test_y, ds->n_test, count);
	for (int c = 0; c < 10; c++)
		CHECK(count[c] == 100, "test class %d has %d", c, count[c]);
	float lo = 1, hi = 0;
	double sum = 0;
	for (size_t i = 0; i < (size_t)ds->n_train * 784; i++) {
		float v = ds->train_x[i];
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		sum += v;
	}
	CHECK(lo == 0.0f && hi == 1.0f, "pixels span [%g, %g], expected [0, 1]", lo, hi);
	double mean = sum / ((double)ds->n_train * 784);
	CHECK(mean > 0.2 && mean < 0.45, "mean pixel %g (Fashion-MNIST's is about 0.29)", mean);
	/* Every evaluation example is one of the set's own. */
	int ok = 1;
	for (int i = 0; i < 50; i++) {
		int j = find_row(ds->train_x, ds->n_train, 784, ds->eval_train_x + (size_t)i * 784);
		ok &= j >= 0 && ds->train_y[j] == ds->eval_train_y[i];
		j = find_row(ds->test_x, ds->n_test, 784, ds->eval_test_x + (size_t)i * 784);
		ok &= j >= 0 && ds->test_y[j] == ds->eval_test_y[i];
	}
	CHECK(ok, "evaluation rows come from the sets");
	char line[700];
	data_describe(ds, line, sizeof line);
	char want[700];
	snprintf(want, sizeof want, "fashion n=2000 test=1000 (%s)", dir);
	CHECK(!strcmp(line, want), "describe: %s", line);
	data_free(ds);

	/* Training subsets: class-balanced, seeded. */
	ds = load("fashion", 500, 0.0f, 7);
	if (ds) {
		count_classes(ds->train_y, ds->n_train, count);
		for (int c = 0; c < 10; c++)
			CHECK(count[c] == 50, "subset class %d has %d", c, count[c]);
		CHECK(ds->n_test == 1000 && ds->n_eval == 500, "test %d eval %d", ds->n_test,
		      ds->n_eval);
		data_set *same = load("fashion", 500, 0.0f, 7), *other = load("fashion", 500, 0.0f, 8);
		if (same && other) {
			CHECK(same_set(ds, same), "same seed, same subset");
			CHECK(memcmp(ds->train_x, other->train_x, sizeof(float) * 784 * 500) != 0,
			      "different seed, different subset");
			CHECK(memcmp(ds->eval_test_x, other->eval_test_x, sizeof(float) * 784 * 500) != 0,
			      "different seed, different evaluation subset");
		}
		data_free(same);
		data_free(other);
		data_free(ds);
	}
	ds = load("fashion", 503, 0.0f, 7);
	if (ds) {
		count_classes(ds->train_y, ds->n_train, count);
		int sum_c = 0, ok_c = 1;
		for (int c = 0; c < 10; c++) {
			sum_c += count[c];
			ok_c &= count[c] == 50 || count[c] == 51;
		}
		CHECK(ok_c && sum_c == 503, "503 = 7×50 + 3×51");
		data_free(ds);
	}

	expect_load_error("fashion", 5000, 0.0f, "n=5000 exceeds the 2000 training examples of fashion");

	/* Label noise: exactly round(noise·n) labels changed, the images untouched. */
	data_set *clean = load("fashion", 0, 0.0f, 3), *noisy = load("fashion", 0, 0.3f, 3);
	if (clean && noisy) {
		int changed = 0;
		for (int i = 0; i < 2000; i++)
			changed += clean->train_y[i] != noisy->train_y[i];
		CHECK(changed == 600, "noise=0.3 changed %d of 2000 labels", changed);
		CHECK(!memcmp(clean->train_x, noisy->train_x, sizeof(float) * 784 * 2000),
		      "noise leaves the images alone");
		CHECK(!memcmp(clean->test_y, noisy->test_y, 1000), "noise leaves the test set alone");
		char line2[700];
		data_describe(noisy, line2, sizeof line2);
		CHECK(strstr(line2, " noise=0.3 ") != NULL, "describe: %s", line2);
	}
	data_free(clean);
	data_free(noisy);
}

static void test_fashion_full(void)
{
	char probe[256];
	snprintf(probe, sizeof probe, "%s/train-images-idx3-ubyte.gz", SYSTEM_FASHION);
	if (access(probe, R_OK) != 0) {
		printf("skipping full Fashion-MNIST: %s not found\n", probe);
		return;
	}
	unsetenv("GGLAB_DATA");
	double t0 = gg_now();
	data_set *ds = load("fashion", 0, 0.0f, 1);
	double t = gg_now() - t0;
	if (!ds)
		return;
	printf("full Fashion-MNIST loaded in %.3f s\n", t);
	CHECK(ds->n_train == 60000 && ds->n_test == 10000 && ds->n_eval == 2000, "%d %d %d",
	      ds->n_train, ds->n_test, ds->n_eval);
	CHECK(!strcmp(ds->source, SYSTEM_FASHION), "source %s", ds->source);
	int count[10];
	count_classes(ds->train_y, ds->n_train, count);
	for (int c = 0; c < 10; c++)
		CHECK(count[c] == 6000, "class %d has %d", c, count[c]);
	char line[700];
	data_describe(ds, line, sizeof line);
	CHECK(!strcmp(line, "fashion n=60000 test=10000 (" SYSTEM_FASHION ")"), "describe: %s", line);
	data_free(ds);
	expect_load_error("fashion", 70000, 0.0f, "n=70000 exceeds the 60000 training examples of fashion");
}

/* ---- spec validation ------------------------------------------------------------------ */

static void test_spec(void)
{
	data_spec s;
	data_spec_default(&s);
	CHECK(!strcmp(s.name, "fashion") && s.n == 0 && s.noise == 0.0f && s.seed == 1,
	      "defaults %s %d %g %llu", s.name, s.n, (double)s.noise, (unsigned long long)s.seed);

	char err[GG_ERRLEN];
	data_set *ds = NULL;
	snprintf(s.name, sizeof s.name, "foo");
	CHECK(data_load(&ds, &s, err) == -1 && ds == NULL, "unknown name fails");
	CHECK(!strcmp(err, "unknown data set 'foo' (known: fashion cifar10 spiral circles xor gauss teacher)"),
	      "%s", err);

	expect_load_error("spiral", 0, -0.1f, "noise=-0.1 is outside [0, 1]");
	expect_load_error("fashion", 0, 1.5f, "noise=1.5 is outside [0, 1]");
	expect_load_error("xor", 0, NAN, "is outside [0, 1]");
	expect_load_error("gauss", -3, 0.0f, "n=-3 is negative");
	expect_load_error("circles", 2000000, 0.0f, "n=2000000 exceeds");

	data_spec_default(&s);
	snprintf(s.name, sizeof s.name, "teacher");
	s.dim = 100000;
	CHECK(data_load(&ds, &s, err) == -1 && strstr(err, "dim=100000"), "%s", err);
}

/* ---- synthetic ------------------------------------------------------------------------ */

static void test_synthetic(void)
{
	const char *names[4] = {"spiral", "circles", "xor", "gauss"};
	for (int k = 0; k < 4; k++) {
		data_set *ds = load(names[k], 0, 0.0f, 5);
		if (!ds)
			continue;
		CHECK(ds->n_train == 1000 && ds->n_test == 1000 && ds->n_eval == 1000, "%s: %d %d %d",
		      names[k], ds->n_train, ds->n_test, ds->n_eval);
		CHECK(ds->dim == 2 && ds->classes == 2 && ds->img_w == 0 && ds->img_h == 0,
		      "%s: dim %d classes %d", names[k], ds->dim, ds->classes);
		CHECK(!strcmp(ds->source, "synthetic"), "%s", ds->source);
		int c_tr[2] = {0}, c_te[2] = {0}, in_range = 1, agree = 0;
		for (int i = 0; i < 1000; i++) {
			c_tr[ds->train_y[i] & 1]++;
			c_te[ds->test_y[i] & 1]++;
			float x = ds->train_x[2 * i], y = ds->train_x[2 * i + 1];
			int cls = ds->train_y[i];
			in_range &= fabsf(x) < 1.5f && fabsf(y) < 1.5f && cls < 2;
			/* Each set's own geometry decides the label of nearly every point. */
			switch (k) {
			case 1: agree += (sqrtf(x * x + y * y) > 0.6f) == cls; break;
			case 2: agree += (x * y < 0) == cls; break;
			case 3: agree += (x + y < 0) == cls; break;
			default: agree++; break;
			}
		}
		CHECK(c_tr[0] == 500 && c_tr[1] == 500, "%s: train classes %d/%d", names[k], c_tr[0],
		      c_tr[1]);
		CHECK(c_te[0] > 0 && c_te[1] > 0, "%s: test classes %d/%d", names[k], c_te[0], c_te[1]);
		CHECK(in_range, "%s: features in roughly unit range", names[k]);
		CHECK(agree >= 980, "%s: %d of 1000 labels fit the geometry", names[k], agree);

		data_set *same = load(names[k], 0, 0.0f, 5), *other = load(names[k], 0, 0.0f, 6);
		if (same && other) {
			CHECK(same_set(ds, same), "%s: same seed, same data", names[k]);
			CHECK(memcmp(ds->train_x, other->train_x, sizeof(float) * 2000) != 0,
			      "%s: different seed, different data", names[k]);
			CHECK(memcmp(ds->eval_train_x, other->eval_train_x, sizeof(float) * 2000) != 0,
			      "%s: different seed, different evaluation subset", names[k]);
			CHECK(memcmp(ds->train_x, ds->test_x, sizeof(float) * 2000) != 0,
			      "%s: test points differ from training points", names[k]);
		}
		data_free(same);
		data_free(other);
		data_free(ds);
	}

	/* Spiral: the two arms are the same curve half a turn apart. */
	data_set *ds = load("spiral", 250, 0.0f, 9);
	if (ds) {
		CHECK(ds->n_train == 250 && ds->n_eval == 250, "n %d eval %d", ds->n_train, ds->n_eval);
		data_free(ds);
	}

	/* Teacher: D-dimensional inputs, 10 classes, none dropped. */
	ds = load("teacher", 0, 0.0f, 11);
	if (ds) {
		CHECK(ds->dim == 20 && ds->classes == 10 && ds->n_train == 1000, "dim %d classes %d",
		      ds->dim, ds->classes);
		int count[10];
		count_classes(ds->train_y, ds->n_train, count);
		for (int c = 0; c < 10; c++)
			CHECK(count[c] >= 30, "teacher class %d has only %d of 1000", c, count[c]);
		double m = 0, v = 0;
		for (int i = 0; i < 20000; i++) {
			m += ds->train_x[i];
			v += (double)ds->train_x[i] * ds->train_x[i];
		}
		m /= 20000;
		v = v / 20000 - m * m;
		CHECK(fabs(m) < 0.05 && fabs(v - 1) < 0.1, "teacher inputs ~ N(0, 1): mean %g var %g", m,
		      v);
		char line[200];
		data_describe(ds, line, sizeof line);
		CHECK(!strcmp(line, "teacher n=1000 test=1000 dim=20 (synthetic)"), "%s", line);
		data_set *same = load("teacher", 0, 0.0f, 11), *other = load("teacher", 0, 0.0f, 12);
		if (same && other) {
			CHECK(same_set(ds, same), "teacher: same seed, same data");
			CHECK(memcmp(ds->train_y, other->train_y, 1000) != 0,
			      "teacher: different seed, different labels");
		}
		data_free(same);
		data_free(other);
		data_free(ds);
	}
	data_spec s;
	data_spec_default(&s);
	snprintf(s.name, sizeof s.name, "teacher");
	s.dim = 7;
	s.n = 300;
	char err[GG_ERRLEN];
	CHECK(data_load(&ds, &s, err) == 0, "%s", err);
	if (ds) {
		CHECK(ds->dim == 7 && ds->n_train == 300 && ds->n_eval == 300, "dim %d n %d",
		      ds->dim, ds->n_train);
		data_free(ds);
	}

	/* Noise on a synthetic set: exactly round(0.3 · 1000), and noise = 1 flips all. */
	data_set *clean = load("xor", 0, 0.0f, 4), *noisy = load("xor", 0, 0.3f, 4),
		 *all = load("xor", 0, 1.0f, 4);
	if (clean && noisy && all) {
		int changed = 0, flipped = 0;
		for (int i = 0; i < 1000; i++) {
			changed += clean->train_y[i] != noisy->train_y[i];
			flipped += clean->train_y[i] != all->train_y[i];
		}
		CHECK(changed == 300, "noise=0.3 changed %d of 1000", changed);
		CHECK(flipped == 1000, "noise=1 changed %d of 1000", flipped);
	}
	data_free(clean);
	data_free(noisy);
	data_free(all);
}

/* ---- cursor --------------------------------------------------------------------------- */

/* Draws `total` examples in batches of the given sizes (cycled), recording the index of
 * each drawn example in ds->train_x. */
static void draw(data_cursor *c, const data_set *ds, const int *sizes, int nsizes, int total,
		 int *out)
{
	float x[64 * 2];
	uint8_t y[64];
	int got = 0;
	for (int k = 0; got < total; k++) {
		int B = sizes[k % nsizes];
		if (B > total - got)
			B = total - got;
		data_next_batch(c, ds, B, x, y);
		for (int b = 0; b < B; b++) {
			int i = find_row(ds->train_x, ds->n_train, 2, x + 2 * b);
			out[got++] = i;
			if (i < 0 || ds->train_y[i] != y[b])
				CHECK(0, "batch row %d is not a training example with its label", b);
		}
	}
}

static void test_cursor(void)
{
	data_set *ds = load("gauss", 103, 0.0f, 2); /* 103: batches never divide an epoch */
	if (!ds)
		return;
	enum { N = 103, EPOCHS = 3 };
	int seq[N * EPOCHS], seq2[N * EPOCHS];
	int sizes[] = {7, 13, 1, 64, 32};
	data_cursor c, d;
	data_cursor_init(&c, ds, 42);
	CHECK(c.n == N && c.pos == 0 && c.epoch == 0, "fresh cursor");
	draw(&c, ds, sizes, 5, N * EPOCHS, seq);
	CHECK(c.epoch == EPOCHS && c.pos == 0, "epoch %ld pos %d after 3 epochs", c.epoch, c.pos);
	for (int e = 0; e < EPOCHS; e++) {
		int seen[N] = {0}, once = 1;
		for (int i = 0; i < N; i++)
			if (seq[e * N + i] >= 0)
				seen[seq[e * N + i]]++;
		for (int i = 0; i < N; i++)
			once &= seen[i] == 1;
		CHECK(once, "epoch %d: every example exactly once", e);
	}
	CHECK(memcmp(seq, seq + N, sizeof(int) * N) != 0, "epoch 2 is reshuffled");
	CHECK(memcmp(seq + N, seq + 2 * N, sizeof(int) * N) != 0, "epoch 3 is reshuffled");

	/* The same seed gives the same stream, whatever the batch sizes; position survives
	 * changes of B, including across the epoch boundary. */
	int ones[] = {1}, big[] = {50, 3, 64};
	data_cursor_init(&d, ds, 42);
	draw(&d, ds, ones, 1, N * EPOCHS, seq2);
	CHECK(!memcmp(seq, seq2, sizeof seq), "same seed, same order, B=1 vs mixed B");
	data_cursor_free(&d);
	data_cursor_init(&d, ds, 42);
	draw(&d, ds, big, 3, 157, seq2);
	CHECK(d.epoch == 1 && d.pos == 157 - N, "epoch %ld pos %d after 157", d.epoch, d.pos);
	CHECK(!memcmp(seq, seq2, sizeof(int) * 157), "position survives changing B");
	data_cursor_free(&d);

	/* A copy continues exactly as the original. */
	data_cursor_init(&d, ds, 42);
	draw(&d, ds, big, 3, 60, seq2);
	data_cursor e;
	data_cursor_copy(&e, &d);
	int a[150], b[150];
	draw(&d, ds, sizes, 5, 150, a);
	draw(&e, ds, sizes, 5, 150, b);
	CHECK(!memcmp(a, b, sizeof a) && d.epoch == e.epoch && d.pos == e.pos, "copy continues alike");
	CHECK(!memcmp(a, seq + 60, sizeof a), "copy and original follow the seed's stream");
	data_cursor_free(&e);
	data_cursor_free(&d);

	data_cursor_init(&d, ds, 43);
	draw(&d, ds, ones, 1, N, seq2);
	CHECK(memcmp(seq, seq2, sizeof(int) * N) != 0, "different seed, different order");
	data_cursor_free(&d);
	data_cursor_free(&c);
	data_free(ds);
}

/* The held-out split (twin agreement) is disjoint from the training set and from the
 * evaluation subsets, and present for synthetic sets and fashion subsets. */
static int same_row(const float *a, const float *b, int dim)
{
	return memcmp(a, b, sizeof(float) * (size_t)dim) == 0;
}

static void test_heldout(void)
{
	char err[GG_ERRLEN], dir[600];
	data_spec s;
	data_set *ds = NULL;
	data_spec_default(&s);
	strcpy(s.name, "circles");
	CHECK(data_load(&ds, &s, err) == 0, "%s", err);
	if (ds) {
		CHECK(ds->n_heldout == 1000, "synthetic held-out points: %d", ds->n_heldout);
		int shared = 0;
		for (int i = 0; i < ds->n_heldout; i++)
			for (int j = 0; j < ds->n_train; j++)
				shared += same_row(ds->heldout_x + 2 * i, ds->train_x + 2 * j, 2);
		CHECK(shared == 0, "synthetic held-out points are fresh (%d shared)", shared);
		data_free(ds);
		ds = NULL;
	}
	snprintf(dir, sizeof dir, "%s/data/fashion-mini", GGLAB_SRCDIR);
	setenv("GGLAB_DATA", dir, 1);
	data_spec_default(&s);
	s.n = 500;
	CHECK(data_load(&ds, &s, err) == 0, "%s", err);
	if (ds) {
		CHECK(ds->n_heldout == 1500, "fashion held-out: the 1500 images the subset left out (%d)",
		      ds->n_heldout);
		int shared = 0;
		for (int i = 0; i < ds->n_heldout; i += 7)
			for (int j = 0; j < ds->n_train; j++)
				shared += same_row(ds->heldout_x + (size_t)i * 784, ds->train_x + (size_t)j * 784, 784);
		CHECK(shared == 0, "held-out images are not training images (%d shared)", shared);
		data_free(ds);
		ds = NULL;
	}
	s.n = 0; /* every mini training image in use, and the test set is all evaluation */
	CHECK(data_load(&ds, &s, err) == 0 && ds->n_heldout == 0, "no held-out split left: %d",
	      ds ? ds->n_heldout : -1);
	data_free(ds);
	unsetenv("GGLAB_DATA");
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/gglab-test-data-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_idx_valid();
	test_idx_errors();
	test_spec();
	test_synthetic();
	test_cursor();
	test_fashion_dirs();
	test_fashion_mini();
	test_fashion_full();
	test_heldout();
	remove_tree(tmpdir);
	return test_report();
}
