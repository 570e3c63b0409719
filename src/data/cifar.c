/* cifar.c — reading CIFAR-10's binary batches and the seeded image augmentation.
 *
 * A batch file (data_batch_1.bin … data_batch_5.bin, test_batch.bin) is a sequence of
 * 3073-byte records: the label (0–9), then 1024 red, 1024 green and 1024 blue bytes of a
 * 32×32 image in row-major order — channel-major already, the [3][32][32] layout the
 * convolutional models read. Files are validated whole before use (size a multiple of the
 * record, every label a class), and every message starts with the path. */
#include "gglab/data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/util.h"

#define CIFAR_MAX_RECORDS 1000000

int data_cifar_read(const char *path, uint8_t **images, uint8_t **labels, int *n, char *err)
{
	errno = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return gg_fail(err, "%s: %s", path, errno ? strerror(errno) : "cannot open");
	long size = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		size = ftell(f);
	if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return gg_fail(err, "%s: cannot tell its size (not a regular file?)", path);
	}
	if (size == 0 || size % DATA_CIFAR_RECORD != 0) {
		fclose(f);
		return gg_fail(err, "%s: %ld bytes is not a whole number of %d-byte CIFAR-10 records "
			       "(label + 3x32x32 pixels)%s", path, size, DATA_CIFAR_RECORD,
			       size == 0 ? ": empty file" : "");
	}
	long count = size / DATA_CIFAR_RECORD;
	if (count > CIFAR_MAX_RECORDS) {
		fclose(f);
		return gg_fail(err, "%s: %ld records is implausible (at most %d)", path, count,
			       CIFAR_MAX_RECORDS);
	}
	uint8_t *raw = gg_xmalloc((size_t)size);
	size_t got = fread(raw, 1, (size_t)size, f);
	int rerr = ferror(f);
	fclose(f);
	if (got != (size_t)size) {
		free(raw);
		return gg_fail(err, "%s: %s after %zu of %ld bytes", path,
			       rerr ? "read error" : "file shrank while reading", got, size);
	}
	uint8_t *img = gg_xmalloc((size_t)count * DATA_CIFAR_PIXELS), *lab = gg_xmalloc((size_t)count);
	for (long i = 0; i < count; i++) {
		const uint8_t *rec = raw + (size_t)i * DATA_CIFAR_RECORD;
		if (rec[0] >= 10) {
			gg_fail(err, "%s: record %ld has label %d, not a class 0-9", path, i + 1, rec[0]);
			free(raw), free(img), free(lab);
			return -1;
		}
		lab[i] = rec[0];
		memcpy(img + (size_t)i * DATA_CIFAR_PIXELS, rec + 1, DATA_CIFAR_PIXELS);
	}
	free(raw);
	*images = img;
	*labels = lab;
	*n = (int)count;
	return 0;
}

/* ---- augmentation --------------------------------------------------------------------- */

/* Shifts one plane p[H][W] in place so that p'[y][x] = p[y+dy][x+dx] (0 outside): walking
 * away from the side the values come from never reads a value already overwritten. */
static void shift_plane(float *p, int H, int W, int dy, int dx)
{
	for (int yi = 0; yi < H; yi++) {
		int y = dy > 0 ? yi : H - 1 - yi;
		float *row = p + (size_t)y * W;
		int sy = y + dy;
		for (int xi = 0; xi < W; xi++) {
			int x = dx > 0 ? xi : W - 1 - xi, sx = x + dx;
			row[x] = sy >= 0 && sy < H && sx >= 0 && sx < W ? p[(size_t)sy * W + sx] : 0.0f;
		}
	}
}

void data_augment_image(float *x, int C, int H, int W, int crop, int flip, gg_rng *r)
{
	/* x[C][H][W]. A random crop of the image padded by `crop` zeros on every side is the
	 * image shifted by (dy, dx) ∈ [−crop, crop]², with zeros brought in. */
	int dy = 0, dx = 0, mirror = 0;
	if (crop > 0) {
		dy = (int)gg_rng_below(r, (uint32_t)(2 * crop + 1)) - crop;
		dx = (int)gg_rng_below(r, (uint32_t)(2 * crop + 1)) - crop;
	}
	if (flip)
		mirror = (int)gg_rng_below(r, 2);
	for (int c = 0; c < C; c++) {
		float *p = x + (size_t)c * H * W;
		if (dy || dx)
			shift_plane(p, H, W, dy, dx);
		for (int y = 0; mirror && y < H; y++) {
			float *row = p + (size_t)y * W;
			for (int i = 0, j = W - 1; i < j; i++, j--) {
				float t = row[i];
				row[i] = row[j];
				row[j] = t;
			}
		}
	}
}
