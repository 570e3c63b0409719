/* test_data.c — the data sets gglab makes: spec validation, synthetic sets, label noise,
 * seeded subsets, the held-out split and the batching cursor. Reading files (IDX,
 * Fashion-MNIST) is in test_idx.c. */
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
		/* their labels are the generator's: circles puts class 1 on the outer ring */
		int wrong = 0;
		for (int i = 0; i < ds->n_heldout; i++) {
			float *x = ds->heldout_x + 2 * i;
			wrong += ds->heldout_y[i] > 1 || (x[0] * x[0] + x[1] * x[1] > 0.36f) != ds->heldout_y[i];
		}
		CHECK(wrong < ds->n_heldout / 20, "held-out labels follow the points (%d of %d off)", wrong,
		      ds->n_heldout);
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
		/* each held-out image carries the label of the same image in the full mini set */
		data_set *all = NULL;
		data_spec f = s;
		f.n = 0;
		int found = 0, right = 0;
		if (data_load(&all, &f, err) == 0) {
			for (int i = 0; i < ds->n_heldout; i += 50)
				for (int j = 0; j < all->n_train; j++)
					if (same_row(ds->heldout_x + (size_t)i * 784, all->train_x + (size_t)j * 784, 784)) {
						found++;
						right += all->train_y[j] == ds->heldout_y[i];
						break;
					}
			data_free(all);
		}
		CHECK(found > 20 && right == found, "held-out labels: %d of %d right", right, found);
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
	test_spec();
	test_synthetic();
	test_cursor();
	test_heldout();
	return test_report();
}
