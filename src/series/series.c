/* series.c — the per-run series store (see series.h). One mutex guards everything: writes
 * happen once per evaluation or step, reads a few times a second, so contention is nil and
 * a single lock keeps the invariants (every column of a run has nrows values) obvious. */
#include "gglab/series.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/util.h"

typedef struct {
	size_t nrows, cap;
	long *steps;      /* [cap] */
	double **vals;    /* [ncols][cap] */
	int ncols;        /* columns this run has storage for */
	int colcap;       /* entries of vals */
	size_t nev, evcap;
	series_event *ev;
	series_status status;
	series_grid *grid; /* NULL until a 2-D data set publishes one */
	/* Changes in place (late values, rollbacks, copies): the version after each and the
	 * first row and event it touched, the last SERIES_NCHANGES of them, for mirrors. */
	struct { uint64_t version; size_t row, ev; } changes[16];
	int nchanges;         /* recorded so far (the ring holds the last 16) */
	uint64_t lost;        /* the newest version whose record the ring no longer holds */
} series_run;
#define SERIES_NCHANGES 16

struct series_store {
	pthread_mutex_t mu;
	atomic_uint_fast64_t version;
	int nruns, runcap, current;
	series_run *runs;
	int ncols, colcap;
	char (*cols)[48];
	int *colhash;  /* [hcap] open addressing: column + 1, 0 empty (find_col in O(1)) */
	size_t hcap;
};

/* memcpy, but an empty copy may name NULL buffers (a run with no events yet). */
static void copy_bytes(void *dst, const void *src, size_t n)
{
	if (n)
		memcpy(dst, src, n);
}

static const char *state_names[] = { "IDLE", "RUNNING", "PAUSED", "DIVERGED", "DONE" };

const char *series_state_name(run_state s)
{
	return (unsigned)s < sizeof state_names / sizeof *state_names ? state_names[s] : "?";
}

series_store *series_new(void)
{
	series_store *s = gg_xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	return s;
}

void series_free(series_store *s)
{
	if (!s)
		return;
	for (int r = 0; r < s->nruns; r++) {
		series_run *R = &s->runs[r];
		for (int c = 0; c < R->ncols; c++)
			free(R->vals[c]);
		free(R->vals);
		free(R->steps);
		free(R->ev);
		free(R->grid);
	}
	free(s->runs);
	free(s->cols);
	free(s->colhash);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static void bump(series_store *s)
{
	atomic_fetch_add_explicit(&s->version, 1, memory_order_release);
}

/* After bump, under the lock: rows from `row` and events from `ev` of R changed in place. */
static void changed(series_store *s, series_run *R, size_t row, size_t ev)
{
	int slot = R->nchanges % SERIES_NCHANGES;
	if (R->nchanges >= SERIES_NCHANGES)
		R->lost = R->changes[slot].version;
	R->changes[slot].version = atomic_load_explicit(&s->version, memory_order_relaxed);
	R->changes[slot].row = row;
	R->changes[slot].ev = ev;
	R->nchanges++;
}

/* Gives run R storage for every registered column, NaN-filled for rows it already has. */
static void grow_cols(series_store *s, series_run *R)
{
	if (R->ncols == s->ncols)
		return;
	if (s->ncols > R->colcap) { /* geometric: a file of 100 000 columns stays linear */
		R->colcap = R->colcap * 2 > s->ncols ? R->colcap * 2 : s->ncols;
		R->vals = gg_xrealloc(R->vals, (size_t)R->colcap * sizeof *R->vals);
	}
	for (int c = R->ncols; c < s->ncols; c++) {
		R->vals[c] = gg_xmalloc((R->cap ? R->cap : 1) * sizeof(double));
		for (size_t i = 0; i < R->nrows; i++)
			R->vals[c][i] = NAN;
	}
	R->ncols = s->ncols;
}

int series_add_run(series_store *s, const char *name)
{
	pthread_mutex_lock(&s->mu);
	if (s->nruns == s->runcap) {
		s->runcap = s->runcap ? 2 * s->runcap : 16;
		s->runs = gg_xrealloc(s->runs, (size_t)s->runcap * sizeof *s->runs);
	}
	series_run *R = &s->runs[s->nruns];
	memset(R, 0, sizeof *R);
	snprintf(R->status.name, sizeof R->status.name, "%s", name);
	R->status.goal = -1;
	grow_cols(s, R);
	int id = s->nruns++;
	bump(s);
	pthread_mutex_unlock(&s->mu);
	return id;
}

static size_t name_hash(const char *name)
{
	size_t h = 1469598103934665603u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

static int find_col(series_store *s, const char *name)
{
	if (!s->hcap)
		return -1;
	for (size_t i = name_hash(name) & (s->hcap - 1);; i = (i + 1) & (s->hcap - 1)) {
		int c = s->colhash[i] - 1;
		if (c < 0 || strcmp(s->cols[c], name) == 0)
			return c;
	}
}

static void hash_col(series_store *s, int c)
{
	size_t i = name_hash(s->cols[c]) & (s->hcap - 1);
	while (s->colhash[i])
		i = (i + 1) & (s->hcap - 1);
	s->colhash[i] = c + 1;
}

int series_col(series_store *s, const char *name)
{
	pthread_mutex_lock(&s->mu);
	char key[48];
	snprintf(key, sizeof key, "%s", name); /* the name as stored */
	int c = find_col(s, key);
	if (c < 0) {
		if (s->ncols == s->colcap) {
			s->colcap = s->colcap ? 2 * s->colcap : 32;
			s->cols = gg_xrealloc(s->cols, (size_t)s->colcap * sizeof *s->cols);
		}
		memcpy(s->cols[s->ncols], key, sizeof key);
		c = s->ncols++;
		if (2 * (size_t)s->ncols > s->hcap) { /* at most half full */
			free(s->colhash);
			s->hcap = s->hcap ? 2 * s->hcap : 64;
			s->colhash = gg_xcalloc(s->hcap, sizeof *s->colhash);
			for (int k = 0; k < s->ncols; k++)
				hash_col(s, k);
		} else {
			hash_col(s, c);
		}
		for (int r = 0; r < s->nruns; r++)
			grow_cols(s, &s->runs[r]);
		bump(s);
	}
	pthread_mutex_unlock(&s->mu);
	return c;
}

void series_clear_run(series_store *s, int run)
{
	pthread_mutex_lock(&s->mu);
	s->runs[run].nrows = 0;
	s->runs[run].nev = 0;
	free(s->runs[run].grid); /* a new start: an old decision boundary means nothing */
	s->runs[run].grid = NULL;
	bump(s);
	changed(s, &s->runs[run], 0, 0);
	pthread_mutex_unlock(&s->mu);
}

static void reserve_rows(series_run *R, size_t need)
{
	if (need <= R->cap)
		return;
	size_t cap = R->cap ? R->cap : 256;
	while (cap < need)
		cap *= 2;
	R->steps = gg_xrealloc(R->steps, cap * sizeof *R->steps);
	for (int c = 0; c < R->ncols; c++)
		R->vals[c] = gg_xrealloc(R->vals[c], cap * sizeof(double));
	R->cap = cap;
}

void series_copy_run(series_store *s, int from, int to)
{
	pthread_mutex_lock(&s->mu);
	series_run *F = &s->runs[from], *T = &s->runs[to];
	grow_cols(s, F);
	grow_cols(s, T);
	reserve_rows(T, F->nrows);
	copy_bytes(T->steps, F->steps, F->nrows * sizeof *T->steps);
	for (int c = 0; c < s->ncols; c++)
		copy_bytes(T->vals[c], F->vals[c], F->nrows * sizeof(double));
	T->nrows = F->nrows;
	if (F->nev > T->evcap) {
		T->evcap = F->nev;
		T->ev = gg_xrealloc(T->ev, T->evcap * sizeof *T->ev);
	}
	copy_bytes(T->ev, F->ev, F->nev * sizeof *T->ev);
	T->nev = F->nev;
	bump(s);
	changed(s, T, 0, 0);
	pthread_mutex_unlock(&s->mu);
}

int series_update(series_store *s, int run, long step, int col, double v)
{
	int rc = -1;
	size_t at = 0;
	pthread_mutex_lock(&s->mu);
	series_run *R = &s->runs[run];
	grow_cols(s, R);
	for (size_t i = R->nrows; i-- > 0;) {
		if (R->steps[i] < step)
			break;
		if (R->steps[i] == step && col >= 0 && col < s->ncols) {
			R->vals[col][i] = v;
			rc = 0;
			at = i;
			break;
		}
	}
	bump(s);
	if (rc == 0)
		changed(s, R, at, R->nev);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

void series_truncate(series_store *s, int run, long step)
{
	pthread_mutex_lock(&s->mu);
	series_run *R = &s->runs[run];
	while (R->nrows && R->steps[R->nrows - 1] > step)
		R->nrows--;
	while (R->nev && R->ev[R->nev - 1].step > step)
		R->nev--;
	bump(s);
	changed(s, R, R->nrows, R->nev);
	pthread_mutex_unlock(&s->mu);
}

void series_append(series_store *s, int run, long step, const double *vals, int nvals)
{
	pthread_mutex_lock(&s->mu);
	series_run *R = &s->runs[run];
	grow_cols(s, R);
	reserve_rows(R, R->nrows + 1);
	R->steps[R->nrows] = step;
	for (int c = 0; c < R->ncols; c++)
		R->vals[c][R->nrows] = c < nvals ? vals[c] : NAN;
	R->nrows++;
	bump(s);
	pthread_mutex_unlock(&s->mu);
}

void series_mark(series_store *s, int run, long step, int kind, const char *fmt, ...)
{
	series_event e = { .step = step, .kind = kind };
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.text, sizeof e.text, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->mu);
	series_run *R = &s->runs[run];
	if (R->nev == R->evcap) {
		R->evcap = R->evcap ? 2 * R->evcap : 32;
		R->ev = gg_xrealloc(R->ev, R->evcap * sizeof *R->ev);
	}
	R->ev[R->nev++] = e;
	bump(s);
	pthread_mutex_unlock(&s->mu);
}

void series_set_status(series_store *s, int run, const series_status *st)
{
	pthread_mutex_lock(&s->mu);
	s->runs[run].status = *st;
	bump(s);
	pthread_mutex_unlock(&s->mu);
}

uint64_t series_version(series_store *s)
{
	return atomic_load_explicit(&s->version, memory_order_acquire);
}

int series_nruns(series_store *s)
{
	pthread_mutex_lock(&s->mu);
	int n = s->nruns;
	pthread_mutex_unlock(&s->mu);
	return n;
}

int series_ncols(series_store *s)
{
	pthread_mutex_lock(&s->mu);
	int n = s->ncols;
	pthread_mutex_unlock(&s->mu);
	return n;
}

int series_colname(series_store *s, int col, char *buf, size_t len)
{
	int rc = -1;
	pthread_mutex_lock(&s->mu);
	if (col >= 0 && col < s->ncols) {
		snprintf(buf, len, "%s", s->cols[col]);
		rc = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int series_find_col(series_store *s, const char *name)
{
	pthread_mutex_lock(&s->mu);
	int c = find_col(s, name);
	pthread_mutex_unlock(&s->mu);
	return c;
}

size_t series_nrows(series_store *s, int run)
{
	pthread_mutex_lock(&s->mu);
	size_t n = run >= 0 && run < s->nruns ? s->runs[run].nrows : 0;
	pthread_mutex_unlock(&s->mu);
	return n;
}

size_t series_read(series_store *s, int run, int col, size_t from, size_t max,
		   long *steps, double *vals)
{
	size_t n = 0;
	pthread_mutex_lock(&s->mu);
	/* the steps are the run's: with vals NULL, col is not looked at (a run may have rows
	 * before it has any column, as a viewer's mirror of a hostile lab can) */
	if (run >= 0 && run < s->nruns && (!vals || (col >= 0 && col < s->ncols))) {
		series_run *R = &s->runs[run];
		grow_cols(s, R);
		if (from < R->nrows) {
			n = R->nrows - from < max ? R->nrows - from : max;
			if (steps)
				copy_bytes(steps, R->steps + from, n * sizeof *steps);
			if (vals)
				copy_bytes(vals, R->vals[col] + from, n * sizeof *vals);
		}
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}

long series_last(series_store *s, int run, int col, double *val)
{
	long step = -1;
	*val = NAN;
	pthread_mutex_lock(&s->mu);
	if (run >= 0 && run < s->nruns && col >= 0 && col < s->ncols) {
		series_run *R = &s->runs[run];
		grow_cols(s, R);
		/* the last row that has it: rows between evaluations leave the loss columns empty */
		for (size_t i = R->nrows; i-- > 0;)
			if (!isnan(R->vals[col][i])) {
				step = R->steps[i];
				*val = R->vals[col][i];
				break;
			}
	}
	pthread_mutex_unlock(&s->mu);
	return step;
}

size_t series_nevents(series_store *s, int run)
{
	pthread_mutex_lock(&s->mu);
	size_t n = run >= 0 && run < s->nruns ? s->runs[run].nev : 0;
	pthread_mutex_unlock(&s->mu);
	return n;
}

size_t series_read_events(series_store *s, int run, size_t from, size_t max, series_event *out)
{
	size_t n = 0;
	pthread_mutex_lock(&s->mu);
	if (run >= 0 && run < s->nruns && from < s->runs[run].nev) {
		series_run *R = &s->runs[run];
		n = R->nev - from < max ? R->nev - from : max;
		copy_bytes(out, R->ev + from, n * sizeof *out);
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}

void series_get_status(series_store *s, int run, series_status *out)
{
	pthread_mutex_lock(&s->mu);
	if (run >= 0 && run < s->nruns)
		*out = s->runs[run].status;
	else
		memset(out, 0, sizeof *out);
	pthread_mutex_unlock(&s->mu);
}

void series_set_current(series_store *s, int run)
{
	pthread_mutex_lock(&s->mu);
	s->current = run;
	bump(s);
	pthread_mutex_unlock(&s->mu);
}

int series_current(series_store *s)
{
	pthread_mutex_lock(&s->mu);
	int r = s->current;
	pthread_mutex_unlock(&s->mu);
	return r;
}

void series_save_run(series_store *s, int run, void *out)
{
	gg_buf *b = out;
	pthread_mutex_lock(&s->mu);
	series_run *R = &s->runs[run];
	grow_cols(s, R);
	gg_buf_u64(b, (unsigned long long)s->ncols);
	for (int c = 0; c < s->ncols; c++)
		gg_buf_str(b, s->cols[c]);
	gg_buf_u64(b, R->nrows);
	gg_buf_put(b, R->steps, R->nrows * sizeof *R->steps);
	for (int c = 0; c < s->ncols; c++)
		gg_buf_put(b, R->vals[c], R->nrows * sizeof(double));
	gg_buf_u64(b, R->nev);
	gg_buf_put(b, R->ev, R->nev * sizeof *R->ev);
	pthread_mutex_unlock(&s->mu);
}

int series_load_run(series_store *s, int run, void *in)
{
	gg_reader *rd = in;
	unsigned long long ncols = gg_read_u64(rd);
	if (rd->bad || ncols > 100000)
		return -1;
	int *map = gg_xmalloc((ncols ? ncols : 1) * sizeof *map);
	for (unsigned long long c = 0; c < ncols; c++) {
		char name[48];
		gg_read_str(rd, name, sizeof name);
		map[c] = series_col(s, name);
	}
	unsigned long long n = gg_read_u64(rd);
	if (rd->bad || n > (rd->n - rd->off) / sizeof(long)) {
		free(map);
		return -1;
	}
	long *steps = gg_xmalloc((n ? n : 1) * sizeof *steps);
	gg_read(rd, steps, n * sizeof *steps);
	double *vals = gg_xmalloc((n ? n : 1) * (ncols ? ncols : 1) * sizeof *vals);
	for (unsigned long long c = 0; c < ncols; c++)
		gg_read(rd, vals + c * n, n * sizeof *vals);
	unsigned long long nev = gg_read_u64(rd);
	if (rd->bad || nev > (rd->n - rd->off) / sizeof(series_event)) {
		free(map);
		free(steps);
		free(vals);
		return -1;
	}
	series_event *ev = gg_xmalloc((nev ? nev : 1) * sizeof *ev);
	gg_read(rd, ev, nev * sizeof *ev);
	int ok = !rd->bad;
	if (ok) {
		pthread_mutex_lock(&s->mu);
		series_run *R = &s->runs[run];
		grow_cols(s, R);
		reserve_rows(R, n);
		copy_bytes(R->steps, steps, n * sizeof *steps);
		for (int c = 0; c < s->ncols; c++)
			for (unsigned long long i = 0; i < n; i++)
				R->vals[c][i] = NAN;
		for (unsigned long long c = 0; c < ncols; c++)
			copy_bytes(R->vals[map[c]], vals + c * n, n * sizeof *vals);
		R->nrows = n;
		if (nev > R->evcap) {
			R->evcap = nev;
			R->ev = gg_xrealloc(R->ev, R->evcap * sizeof *R->ev);
		}
		copy_bytes(R->ev, ev, nev * sizeof *ev);
		for (unsigned long long i = 0; i < nev; i++)
			R->ev[i].text[sizeof R->ev[i].text - 1] = 0;
		R->nev = nev;
		bump(s);
		changed(s, R, 0, 0);
		pthread_mutex_unlock(&s->mu);
	}
	free(map);
	free(steps);
	free(vals);
	free(ev);
	return ok ? 0 : -1;
}

void series_set_grid(series_store *s, int run, const series_grid *g)
{
	pthread_mutex_lock(&s->mu);
	series_run *R = &s->runs[run];
	if (!R->grid)
		R->grid = gg_xmalloc(sizeof *R->grid);
	*R->grid = *g;
	bump(s);
	pthread_mutex_unlock(&s->mu);
}

int series_get_grid(series_store *s, int run, series_grid *out)
{
	int rc = -1;
	pthread_mutex_lock(&s->mu);
	if (run >= 0 && run < s->nruns && s->runs[run].grid) {
		*out = *s->runs[run].grid;
		rc = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

void series_changed_since(series_store *s, int run, uint64_t since, size_t *row, size_t *ev)
{
	*row = *ev = SIZE_MAX;
	pthread_mutex_lock(&s->mu);
	if (run >= 0 && run < s->nruns) {
		series_run *R = &s->runs[run];
		if (R->lost > since) {
			*row = *ev = 0;
		} else {
			int n = R->nchanges < SERIES_NCHANGES ? R->nchanges : SERIES_NCHANGES;
			for (int i = 0; i < n; i++)
				if (R->changes[i].version > since) {
					*row = R->changes[i].row < *row ? R->changes[i].row : *row;
					*ev = R->changes[i].ev < *ev ? R->changes[i].ev : *ev;
				}
		}
	}
	pthread_mutex_unlock(&s->mu);
}

void series_cut(series_store *s, int run, size_t rows, size_t events)
{
	pthread_mutex_lock(&s->mu);
	series_run *R = &s->runs[run];
	if (rows < R->nrows)
		R->nrows = rows;
	if (events < R->nev)
		R->nev = events;
	bump(s);
	changed(s, R, R->nrows, R->nev);
	pthread_mutex_unlock(&s->mu);
}
