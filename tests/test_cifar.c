/* test_cifar.c — the CIFAR-10 binary loader on small files in that format that the test
 * writes (layout, lookup through $GGLAB_DATA, the errors for a wrong size, a bad label and a
 * missing batch), Fashion-MNIST seen as 1×28×28, and the seeded augmentation: the crop and
 * flip against a reference, the option checks, and batches that replay exactly. */
#include "gglab/data.h"
#include "gglab/rng.h"
#include "gglab/util.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const files[6] = {
	"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
	"data_batch_5.bin", "test_batch.bin",
};

/* The pixel value of byte j of image k (k counts over all files in order). */
static uint8_t pix(int k, int j)
{
	return (uint8_t)((k * 7 + j * 13 + (j >> 10) * 5) & 0xff);
}

/* Writes `count` records starting at image k0 (labels k % 10), plus `extra` stray bytes;
 * bad_label ≥ 0 puts label 10 on that record. */
static void write_batch(const char *dir, const char *name, int k0, int count, int extra,
			int bad_label)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	for (int k = k0; k < k0 + count; k++) {
		fputc(k - k0 == bad_label ? 10 : k % 10, f);
		for (int j = 0; j < DATA_CIFAR_PIXELS; j++)
			fputc(pix(k, j), f);
	}
	for (int i = 0; i < extra; i++)
		fputc(0, f);
	fclose(f);
}

static void write_set(const char *dir)
{
	mkdir(dir, 0700);
	for (int i = 0; i < 5; i++)
		write_batch(dir, files[i], 4 * i, 4, 0, -1);
	write_batch(dir, files[5], 100, 6, 0, -1);
}

static void remove_set(const char *dir)
{
	char path[512];
	for (int i = 0; i < 6; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void cifar_spec(data_spec *s, const char *dir)
{
	data_spec_default(s);
	snprintf(s->name, sizeof s->name, "cifar10");
	if (dir)
		snprintf(s->path, sizeof s->path, "%s", dir);
}

static void test_load(const char *tmp)
{
	char dir[512], err[GG_ERRLEN];
	snprintf(dir, sizeof dir, "%s/cifar-10-batches-bin", tmp);
	write_set(dir);
	data_spec s;
	cifar_spec(&s, dir);
	data_set *ds = NULL;
	CHECK(data_load(&ds, &s, err) == 0, "load: %s", err);
	if (!ds)
		return;
	CHECK(ds->n_train == 20 && ds->n_test == 6 && ds->dim == 3072 && ds->classes == 10,
	      "shape: %d train, %d test, dim %d", ds->n_train, ds->n_test, ds->dim);
	CHECK(ds->img_c == 3 && ds->img_h == 32 && ds->img_w == 32, "image %dx%dx%d", ds->img_c,
	      ds->img_h, ds->img_w);
	int bad = 0;
	for (int k = 0; k < 20; k++) {
		bad += ds->train_y[k] != k % 10;
		for (int j = 0; j < DATA_CIFAR_PIXELS; j += 97)
			bad += ds->train_x[(size_t)k * 3072 + j] != (float)pix(k, j) / 255.0f;
	}
	for (int k = 0; k < 6; k++)
		bad += ds->test_y[k] != (100 + k) % 10 ||
		       ds->test_x[(size_t)k * 3072 + 2048 + 33] != (float)pix(100 + k, 2048 + 33) / 255.0f;
	CHECK(bad == 0, "%d pixels or labels differ from the files (channel-major order)", bad);
	CHECK(ds->n_eval == 6, "evaluation subsets of %d", ds->n_eval);
	data_free(ds);

	/* a subset, and the lookup through $GGLAB_DATA/cifar-10-batches-bin */
	setenv("GGLAB_DATA", tmp, 1);
	cifar_spec(&s, NULL);
	s.n = 10;
	ds = NULL;
	CHECK(data_load(&ds, &s, err) == 0, "load through GGLAB_DATA: %s", err);
	if (ds) {
		CHECK(ds->n_train == 10 && strstr(ds->source, "cifar-10-batches-bin"),
		      "subset: %d from %s", ds->n_train, ds->source);
		char d[256];
		data_describe(ds, d, sizeof d);
		CHECK(!strncmp(d, "cifar10 n=10 test=6", 19), "describe: %s", d);
		data_free(ds);
	}
	s.n = 21;
	CHECK(data_load(&ds, &s, err) < 0 && strstr(err, "n=21"), "n too large: %s", err);
	unsetenv("GGLAB_DATA");

	/* a file of the wrong size */
	write_batch(dir, files[2], 8, 4, 10, -1);
	cifar_spec(&s, dir);
	CHECK(data_load(&ds, &s, err) < 0 && strstr(err, "data_batch_3.bin") && strstr(err, "3073"),
	      "wrong size: %s", err);
	write_batch(dir, files[2], 8, 0, 0, -1);
	CHECK(data_load(&ds, &s, err) < 0 && strstr(err, "data_batch_3.bin") && strstr(err, "empty"),
	      "empty file: %s", err);
	/* a label of 10 */
	write_batch(dir, files[2], 8, 4, 0, 2);
	CHECK(data_load(&ds, &s, err) < 0 && strstr(err, "data_batch_3.bin") &&
		      strstr(err, "record 3") && strstr(err, "label 10"),
	      "bad label: %s", err);
	/* a missing batch */
	char path[600];
	snprintf(path, sizeof path, "%s/%s", dir, files[3]);
	unlink(path);
	write_batch(dir, files[2], 8, 4, 0, -1);
	CHECK(data_load(&ds, &s, err) < 0 && strstr(err, "data_batch_4.bin"), "missing: %s", err);
	remove_set(dir);
	CHECK(data_load(&ds, &s, err) < 0 && strstr(err, "data_batch_1.bin"), "no set: %s", err);
}

static void test_checks(void)
{
	char err[GG_ERRLEN];
	data_spec s;
	cifar_spec(&s, "/nonexistent");
	s.crop = 16;
	CHECK(data_spec_check(&s, err) == 0, "crop=16 on cifar10 refused: %s", err);
	s.crop = 17;
	CHECK(data_spec_check(&s, err) < 0 && strstr(err, "half"), "crop=17: %s", err);
	data_spec_default(&s);
	s.crop = 14;
	CHECK(data_spec_check(&s, err) == 0, "crop=14 on fashion refused: %s", err);
	s.crop = 15;
	CHECK(data_spec_check(&s, err) < 0 && strstr(err, "28x28"), "crop=15 on fashion: %s", err);
	s.crop = -1;
	CHECK(data_spec_check(&s, err) < 0, "crop=-1 accepted");
	s.crop = 0, s.flip = 2;
	CHECK(data_spec_check(&s, err) < 0 && strstr(err, "flip"), "flip=2 accepted");
	snprintf(s.name, sizeof s.name, "spiral");
	s.flip = 1;
	CHECK(data_spec_check(&s, err) < 0 && strstr(err, "not an image"), "flip on spiral: %s", err);
	s.flip = 0, s.crop = 2;
	CHECK(data_spec_check(&s, err) < 0 && strstr(err, "crop"), "crop on spiral: %s", err);
	s.crop = 0;
	snprintf(s.path, sizeof s.path, "/tmp");
	CHECK(data_spec_check(&s, err) < 0 && strstr(err, "path"), "path on spiral: %s", err);
	data_spec a, b;
	data_spec_default(&a), data_spec_default(&b);
	CHECK(data_spec_equal(&a, &b), "equal specs differ");
	b.flip = 1;
	CHECK(!data_spec_equal(&a, &b), "flip ignored by data_spec_equal");
}

static void test_augment(void)
{
	enum { C = 2, H = 5, W = 6 };
	float x[C * H * W], y[C * H * W], ref[C * H * W];
	for (int i = 0; i < C * H * W; i++)
		x[i] = (float)(i + 1);
	gg_rng r, r2;
	gg_rng_seed(&r, 4);
	memcpy(y, x, sizeof x);
	data_augment_image(y, C, H, W, 0, 0, &r);
	CHECK(!memcmp(x, y, sizeof x), "crop 0 flip off changed the image");
	int shifted = 0, mirrored = 0;
	for (int t = 0; t < 40; t++) {
		r2 = r; /* the reference redraws the same numbers */
		int dy = (int)gg_rng_below(&r2, 5) - 2, dx = (int)gg_rng_below(&r2, 5) - 2;
		int mir = (int)gg_rng_below(&r2, 2);
		for (int c = 0; c < C; c++)
			for (int i = 0; i < H; i++)
				for (int j = 0; j < W; j++) {
					int jj = mir ? W - 1 - j : j; /* mirror after the shift */
					int sy = i + dy, sx = jj + dx;
					ref[(c * H + i) * W + j] =
						sy >= 0 && sy < H && sx >= 0 && sx < W ? x[(c * H + sy) * W + sx] : 0;
				}
		memcpy(y, x, sizeof x);
		data_augment_image(y, C, H, W, 2, 1, &r);
		CHECK(!memcmp(y, ref, sizeof y), "augmentation %d (shift %d,%d mirror %d) differs from "
		      "the padded crop", t, dy, dx, mir);
		shifted += dy || dx;
		mirrored += mir;
	}
	CHECK(shifted > 20 && mirrored > 5 && mirrored < 35, "draws: %d shifted, %d mirrored of 40",
	      shifted, mirrored);
}

static int batches_equal2(data_cursor *a, data_cursor *b, const data_set *ds, const data_set *dsb,
			  int B, int rounds)
{
	float *xa = gg_xmalloc(sizeof(float) * (size_t)B * ds->dim), *xb = gg_xmalloc(sizeof(float) * (size_t)B * ds->dim);
	uint8_t ya[64], yb[64];
	int same = 1;
	for (int i = 0; i < rounds; i++) {
		data_next_batch(a, ds, B, xa, ya);
		data_next_batch(b, dsb, B, xb, yb);
		same &= !memcmp(xa, xb, sizeof(float) * (size_t)B * ds->dim) && !memcmp(ya, yb, (size_t)B);
	}
	free(xa), free(xb);
	return same;
}

static int batches_equal(data_cursor *a, data_cursor *b, const data_set *ds, int B, int rounds)
{
	return batches_equal2(a, b, ds, ds, B, rounds);
}

static void test_replay(const char *tmp)
{
	char dir[512], err[GG_ERRLEN];
	snprintf(dir, sizeof dir, "%s/aug", tmp);
	write_set(dir);
	data_spec s;
	cifar_spec(&s, dir);
	s.crop = 4, s.flip = 1;
	data_set *ds = NULL, *plain = NULL;
	CHECK(data_load(&ds, &s, err) == 0, "augmented load: %s", err);
	s.crop = 0, s.flip = 0;
	CHECK(data_load(&plain, &s, err) == 0, "plain load: %s", err);
	if (!ds || !plain)
		return;
	data_cursor a, b, c;
	data_cursor_init(&a, ds, 9);
	data_cursor_init(&b, ds, 9);
	CHECK(batches_equal(&a, &b, ds, 7, 9), "two cursors of one seed draw different batches");
	/* a copy taken mid-epoch goes on exactly as the original */
	data_cursor_copy(&c, &a);
	CHECK(batches_equal(&a, &c, ds, 5, 9), "a copied cursor replays other augmentations");
	data_cursor_free(&c);
	/* a cursor rebuilt from its seed, order, position and rng (as a checkpoint does) */
	data_cursor_init(&c, ds, 9);
	memcpy(c.perm, a.perm, sizeof(int) * (size_t)a.n);
	c.pos = a.pos, c.epoch = a.epoch, c.rng = a.rng;
	CHECK(batches_equal(&a, &c, ds, 3, 9), "a restored cursor replays other augmentations");
	data_cursor_free(&c);
	/* the same order without augmentation gives other pixels, never evaluation data */
	data_cursor_init(&c, plain, 9);
	data_cursor_free(&b);
	data_cursor_init(&b, ds, 9);
	CHECK(!batches_equal2(&b, &c, ds, plain, 20, 1), "crop=4 flip=on changed no pixel of an epoch");
	CHECK(!memcmp(ds->eval_train_x, plain->eval_train_x, sizeof(float) * ds->n_eval * ds->dim),
	      "evaluation data were augmented");
	data_cursor_free(&a), data_cursor_free(&b), data_cursor_free(&c);
	/* the batch in two halves (data_next_picks, then data_fill_part for each part, here
	 * the second first): data_next_batch's bytes, augmentation included, across epochs */
	data_cursor_init(&a, ds, 5);
	data_cursor_init(&b, ds, 5);
	int same = 1;
	for (int round = 0; round < 12; round++) {
		enum { B = 37 };
		float *xa = gg_xmalloc(sizeof(float) * B * ds->dim), *xb = gg_xmalloc(sizeof(float) * B * ds->dim);
		uint8_t ya[B], yb[B];
		data_pick picks[B];
		data_next_batch(&a, ds, B, xa, ya);
		data_next_picks(&b, ds, B, picks);
		data_fill_job job = { ds, picks, B, xb, yb };
		data_fill_part(&job, 1, 2);
		data_fill_part(&job, 0, 2);
		same &= !memcmp(xa, xb, sizeof(float) * B * ds->dim) && !memcmp(ya, yb, B) &&
			a.pos == b.pos && a.epoch == b.epoch;
		free(xa), free(xb);
	}
	CHECK(same && a.epoch > 0, "picks and fills in parts differ from data_next_batch (epoch %ld)", a.epoch);
	data_cursor_free(&a), data_cursor_free(&b);
	data_free(ds), data_free(plain);
	remove_set(dir);
}

static void test_fashion_image(void)
{
	char err[GG_ERRLEN];
	setenv("GGLAB_DATA", GGLAB_SRCDIR "/data/fashion-mini", 1);
	data_spec s;
	data_spec_default(&s);
	data_set *ds = NULL;
	CHECK(data_load(&ds, &s, err) == 0, "fashion: %s", err);
	if (ds) {
		CHECK(ds->img_c == 1 && ds->img_h == 28 && ds->img_w == 28 && ds->dim == 784,
		      "fashion is %dx%dx%d", ds->img_c, ds->img_h, ds->img_w);
		data_free(ds);
	}
	unsetenv("GGLAB_DATA");
}

int main(void)
{
	char tmp[] = "/tmp/gglab-test-cifar-XXXXXX";
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_load(tmp);
	test_checks();
	test_augment();
	test_replay(tmp);
	test_fashion_image();
	rmdir(tmp);
	return test_report();
}
