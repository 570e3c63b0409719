/* datatest.h — helpers of the data tests (test_data.c, test_idx.c): loading a set by
 * name, expecting a refusal, comparing sets and rows, counting classes. */
#ifndef GGLAB_DATATEST_H
#define GGLAB_DATATEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gglab/data.h"
#include "gglab/util.h"
#include "test.h"

static inline data_set *load(const char *name, int n, float noise, uint64_t seed)
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

static inline void expect_load_error(const char *name, int n, float noise, const char *phrase)
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

static inline int same_set(const data_set *a, const data_set *b)
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
static inline int find_row(const float *rows, int n, int dim, const float *x)
{
	for (int i = 0; i < n; i++)
		if (!memcmp(rows + (size_t)i * dim, x, sizeof(float) * (size_t)dim))
			return i;
	return -1;
}


static inline void count_classes(const uint8_t *y, int n, int *count)
{
	memset(count, 0, sizeof(int) * 10);
	for (int i = 0; i < n; i++)
		count[y[i] < 10 ? y[i] : 0]++;
}


#endif
