/* synth.c — synthetic data sets: the four 2-D problems of TensorFlow Playground and a
 * random-teacher problem in D dimensions.
 *
 * The 2-D sets follow the Playground's generators, rescaled from its [-5, 5] square to
 * [-1, 1] so they need no input normalization; classes alternate (point i has class i % 2),
 * so any prefix is balanced. Every number comes from a gg_rng seeded through
 * gg_rng_derive, so a (seed, stream) pair always yields the same points. */
#include "gglab/data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/rng.h"
#include "gglab/util.h"

#define PI 3.14159265358979f
#define INPUT_NOISE 0.03f /* standard deviation added to 2-D points: "a little" */
#define TEACHER_DIM 20
#define TEACHER_HIDDEN 32
#define TEACHER_CLASSES 10
#define TEACHER_CALIB 2000 /* points used to balance the teacher's classes */
#define TEACHER_ROUNDS 60

typedef void (*gen2d_fn)(gg_rng *r, int cls, float *p);

/* Two interleaved spirals, 1.75 turns each, the second rotated by half a turn. */
static void gen_spiral(gg_rng *r, int cls, float *p)
{
	float t = gg_rng_uniform(r);
	float a = 1.75f * 2.0f * PI * t + (cls ? PI : 0.0f);
	p[0] = t * sinf(a);
	p[1] = t * cosf(a);
}

/* Class 0: the disk of radius 0.5; class 1: the ring between 0.7 and 1. */
static void gen_circles(gg_rng *r, int cls, float *p)
{
	float rad = cls ? 0.7f + 0.3f * gg_rng_uniform(r) : 0.5f * gg_rng_uniform(r);
	float a = 2.0f * PI * gg_rng_uniform(r);
	p[0] = rad * sinf(a);
	p[1] = rad * cosf(a);
}

/* Quadrants: class 1 where x·y < 0. Points keep a small margin from the axes, as in the
 * Playground, so the label is never decided by the noise alone. */
static void gen_xor(gg_rng *r, int cls, float *p)
{
	const float pad = 0.06f;
	float sx = gg_rng_uniform(r) < 0.5f ? -1.0f : 1.0f;
	float sy = cls ? -sx : sx;
	p[0] = sx * (pad + (1.0f - pad) * gg_rng_uniform(r));
	p[1] = sy * (pad + (1.0f - pad) * gg_rng_uniform(r));
}

/* Two Gaussian blobs at ±(0.4, 0.4). */
static void gen_gauss(gg_rng *r, int cls, float *p)
{
	float c = cls ? -0.4f : 0.4f;
	p[0] = c + 0.15f * gg_rng_normal(r);
	p[1] = c + 0.15f * gg_rng_normal(r);
}

static const struct {
	const char *name;
	gen2d_fn gen;
} sets2d[] = {
	{"spiral", gen_spiral},
	{"circles", gen_circles},
	{"xor", gen_xor},
	{"gauss", gen_gauss},
};

static gen2d_fn find2d(const char *name)
{
	for (size_t i = 0; i < sizeof sets2d / sizeof sets2d[0]; i++)
		if (strcmp(name, sets2d[i].name) == 0)
			return sets2d[i].gen;
	return NULL;
}

int data_is_planar(const char *name)
{
	size_t n = strcspn(name, " ");
	for (size_t i = 0; i < sizeof sets2d / sizeof sets2d[0]; i++)
		if (strlen(sets2d[i].name) == n && strncmp(name, sets2d[i].name, n) == 0)
			return 1;
	return 0;
}

void data_planar_names(char *buf, size_t len, const char *sep)
{
	size_t l = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof sets2d / sizeof sets2d[0] && l < len; i++)
		l += (size_t)snprintf(buf + l, len - l, "%s%s", i ? sep : "", sets2d[i].name);
}

int data_synth_shape(const char *name, int dim_req, int *dim, int *classes)
{
	if (find2d(name)) {
		*dim = 2;
		*classes = 2;
		return 0;
	}
	if (strcmp(name, "teacher") == 0) {
		*dim = dim_req > 0 ? dim_req : TEACHER_DIM;
		*classes = TEACHER_CLASSES;
		return 0;
	}
	return -1;
}

/* ---- teacher ------------------------------------------------------------------------- */

typedef struct {
	int dim;
	float *w1; /* [TEACHER_HIDDEN][dim] */
	float b1[TEACHER_HIDDEN];
	float w2[TEACHER_CLASSES][TEACHER_HIDDEN];
	float b2[TEACHER_CLASSES];
} teacher;

static void teacher_hidden(const teacher *t, const float *x, float *h)
{
	for (int j = 0; j < TEACHER_HIDDEN; j++) {
		const float *w = t->w1 + (size_t)j * t->dim;
		float s = t->b1[j];
		for (int i = 0; i < t->dim; i++)
			s += w[i] * x[i];
		h[j] = tanhf(s);
	}
}

static int teacher_label(const teacher *t, const float *h)
{
	int best = 0;
	float best_v = -INFINITY;
	for (int k = 0; k < TEACHER_CLASSES; k++) {
		float s = t->b2[k];
		for (int j = 0; j < TEACHER_HIDDEN; j++)
			s += t->w2[k][j] * h[j];
		if (s > best_v) {
			best_v = s;
			best = k;
		}
	}
	return best;
}

static void teacher_point(gg_rng *r, int dim, float *x)
{
	for (int i = 0; i < dim; i++)
		x[i] = gg_rng_normal(r);
}

/* A random tanh network D→32→10. Its argmax alone would leave some classes nearly empty,
 * so the output biases are then nudged on a fixed calibration sample until every class
 * holds a fair share — still a pure function of the seed. */
static void teacher_init(teacher *t, int dim, uint64_t seed)
{
	gg_rng r;
	gg_rng_seed(&r, gg_rng_derive(seed, "teacher-net"));
	t->dim = dim;
	t->w1 = gg_xmalloc(sizeof(float) * TEACHER_HIDDEN * (size_t)dim);
	float s1 = 1.0f / sqrtf((float)dim); /* pre-activations ~ N(0, 1): tanh neither flat nor saturated */
	for (size_t i = 0; i < (size_t)TEACHER_HIDDEN * dim; i++)
		t->w1[i] = s1 * gg_rng_normal(&r);
	for (int j = 0; j < TEACHER_HIDDEN; j++)
		t->b1[j] = 0.1f * gg_rng_normal(&r);
	float s2 = 1.0f / sqrtf((float)TEACHER_HIDDEN);
	for (int k = 0; k < TEACHER_CLASSES; k++) {
		for (int j = 0; j < TEACHER_HIDDEN; j++)
			t->w2[k][j] = s2 * gg_rng_normal(&r);
		t->b2[k] = 0.0f;
	}

	float *h = gg_xmalloc(sizeof(float) * TEACHER_HIDDEN * TEACHER_CALIB);
	float *x = gg_xmalloc(sizeof(float) * (size_t)dim);
	gg_rng rc;
	gg_rng_seed(&rc, gg_rng_derive(seed, "teacher-calib"));
	for (int n = 0; n < TEACHER_CALIB; n++) {
		teacher_point(&rc, dim, x);
		teacher_hidden(t, x, h + (size_t)n * TEACHER_HIDDEN);
	}
	/* Multiplicative-weights style: raise the bias of a class with too few points, lower
	 * it for one with too many. The step shrinks and is clipped, since argmax counts jump
	 * and an undamped update only moves the imbalance from class to class. */
	for (int round = 0; round < TEACHER_ROUNDS; round++) {
		int count[TEACHER_CLASSES] = {0};
		for (int n = 0; n < TEACHER_CALIB; n++)
			count[teacher_label(t, h + (size_t)n * TEACHER_HIDDEN)]++;
		const float fair = (float)TEACHER_CALIB / TEACHER_CLASSES;
		const float lr = 0.3f / (1.0f + 0.1f * (float)round);
		for (int k = 0; k < TEACHER_CLASSES; k++) {
			float g = logf(((float)count[k] + 1.0f) / fair);
			g = g > 1.0f ? 1.0f : g < -1.0f ? -1.0f : g;
			t->b2[k] -= lr * g;
		}
	}
	free(x);
	free(h);
}

static void teacher_free(teacher *t)
{
	free(t->w1);
}

int data_synth_fill(const char *name, int dim, uint64_t seed, const char *stream, int n,
		    float *x, uint8_t *y)
{
	char sub[64];
	snprintf(sub, sizeof sub, "synth-%s", stream);
	gg_rng r;
	gg_rng_seed(&r, gg_rng_derive(seed, sub));

	gen2d_fn gen = find2d(name);
	if (gen) {
		for (int i = 0; i < n; i++) {
			int cls = i % 2;
			float *p = x + 2 * (size_t)i;
			gen(&r, cls, p);
			p[0] += INPUT_NOISE * gg_rng_normal(&r);
			p[1] += INPUT_NOISE * gg_rng_normal(&r);
			y[i] = (uint8_t)cls;
		}
		return 0;
	}
	if (strcmp(name, "teacher") != 0 || dim <= 0)
		return -1;
	teacher t;
	teacher_init(&t, dim, seed);
	float h[TEACHER_HIDDEN];
	for (int i = 0; i < n; i++) {
		float *p = x + (size_t)i * dim;
		teacher_point(&r, dim, p);
		teacher_hidden(&t, p, h);
		y[i] = (uint8_t)teacher_label(&t, h);
	}
	teacher_free(&t);
	return 0;
}
