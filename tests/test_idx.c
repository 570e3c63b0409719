/* test_idx.c — reading data files: IDX validation (every error names the file and what
 * was wrong) and Fashion-MNIST found in a directory, from the bundled subset, and from the
 * full set where the system has it.
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
#include "datatest.h"
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

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/gglab-test-data-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_idx_valid();
	test_idx_errors();
	test_fashion_dirs();
	test_fashion_mini();
	test_fashion_full();
	remove_tree(tmpdir);
	return test_report();
}
