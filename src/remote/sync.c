/* sync.c — what one viewer is sent of the lab's series store: the increments since its
 * last sync, read from the store (never queued), so a viewer that was slow is simply sent
 * more at once when its socket drains. The server thread calls it; the store's lock is
 * taken per read, never held while encoding.
 *
 * New columns and runs first (a viewer's mirror gets them in the lab's order, so their
 * indices agree); then per run the rows and events it lacks, from the first one that
 * changed in place (series_changed_since: a late result, a rollback, a fork) or from the
 * end of what it has; the status when it differs from the last sent; the decision
 * boundary when it is newer; the current run. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FRAME_BYTES (128u << 10) /* rows a frame carries: about this many bytes */
#define EVENTS_PER_FRAME 256

void remote_sync_init(remote_sync *st)
{
	memset(st, 0, sizeof *st);
	st->current = -2;
}

void remote_sync_free(remote_sync *st)
{
	free(st->rows);
	free(st->evs);
	free(st->status);
	free(st->grid_step);
	remote_sync_init(st);
}

static void grow(remote_sync *st, int nruns)
{
	if (nruns <= st->cap)
		return;
	int cap = st->cap ? st->cap : 8;
	while (cap < nruns)
		cap *= 2;
	st->rows = gg_xrealloc(st->rows, (size_t)cap * sizeof *st->rows);
	st->evs = gg_xrealloc(st->evs, (size_t)cap * sizeof *st->evs);
	st->status = gg_xrealloc(st->status, (size_t)cap * sizeof *st->status);
	st->grid_step = gg_xrealloc(st->grid_step, (size_t)cap * sizeof *st->grid_step);
	st->cap = cap;
}

static void sync_cols(remote_sync *st, series_store *S, gg_buf *out)
{
	int ncols = series_ncols(S);
	if (ncols <= st->ncols)
		return;
	int n = ncols - st->ncols;
	char (*names)[48] = gg_xcalloc((size_t)n, sizeof *names);
	for (int i = 0; i < n; i++)
		series_colname(S, st->ncols + i, names[i], sizeof names[i]);
	remote_put_cols(out, st->ncols, n, names);
	free(names);
	st->ncols = ncols;
}

/* Rows of run r from st->rows[r] on, until the budget is spent; 1 when all are out. */
static int sync_rows(remote_sync *st, series_store *S, int r, int cut, gg_buf *out, size_t stop)
{
	size_t nrows = series_nrows(S, r);
	if (nrows < st->rows[r]) {
		st->rows[r] = nrows;
		cut = 1;
	}
	int ncols = st->ncols;
	size_t per = FRAME_BYTES / (8 + 8 * (size_t)ncols);
	per = per ? per : 1;
	long *steps = NULL;
	double **vals = NULL;
	int all = 1;
	while (st->rows[r] < nrows || cut) {
		if (out->n >= stop) {
			all = 0;
			break;
		}
		size_t from = st->rows[r], n = nrows - from < per ? nrows - from : per;
		if (!steps) {
			steps = gg_xmalloc((per ? per : 1) * sizeof *steps);
			vals = gg_xcalloc((size_t)(ncols ? ncols : 1), sizeof *vals);
			for (int c = 0; c < ncols; c++)
				vals[c] = gg_xmalloc(per * sizeof **vals);
		}
		/* rows only grow between changes, and a change is caught on the next sync: a
		 * short read (a rollback meanwhile) sends what was there */
		size_t got = series_read(S, r, 0, from, n, steps, NULL);
		for (int c = 0; c < ncols; c++) {
			size_t k = series_read(S, r, c, from, got, NULL, vals[c]);
			got = k < got ? k : got;
		}
		remote_put_rows(out, r, from, ncols, got, steps, vals);
		st->rows[r] = from + got;
		cut = 0;
		if (got == 0)
			break;
	}
	if (vals)
		for (int c = 0; c < ncols; c++)
			free(vals[c]);
	free(vals);
	free(steps);
	return all;
}

static int sync_events(remote_sync *st, series_store *S, int r, int cut, gg_buf *out, size_t stop)
{
	size_t nev = series_nevents(S, r);
	if (nev < st->evs[r]) {
		st->evs[r] = nev;
		cut = 1;
	}
	series_event *ev = NULL;
	int all = 1;
	while (st->evs[r] < nev || cut) {
		if (out->n >= stop) {
			all = 0;
			break;
		}
		if (!ev)
			ev = gg_xmalloc(EVENTS_PER_FRAME * sizeof *ev);
		size_t from = st->evs[r];
		size_t got = series_read_events(S, r, from, EVENTS_PER_FRAME, ev);
		remote_put_events(out, r, from, got, ev);
		st->evs[r] = from + got;
		cut = 0;
		if (got == 0)
			break;
	}
	free(ev);
	return all;
}

int remote_sync_step(remote_sync *st, series_store *S, gg_buf *out, size_t budget)
{
	uint64_t v = series_version(S);
	size_t stop = out->n + budget;
	sync_cols(st, S, out);
	int nruns = series_nruns(S);
	grow(st, nruns);
	for (int r = st->nruns; r < nruns; r++) {
		series_status s;
		series_get_status(S, r, &s);
		remote_put_run(out, r, s.name);
		st->rows[r] = st->evs[r] = 0;
		memset(&st->status[r], 0, sizeof st->status[r]);
		st->status[r].step = -1;
		st->grid_step[r] = -1;
	}
	int changed = v != st->version || nruns != st->nruns || st->behind;
	st->nruns = nruns;
	int all = 1;
	for (int r = 0; r < nruns && changed; r++) {
		size_t row, ev;
		series_changed_since(S, r, st->version, &row, &ev);
		int cut_rows = row < st->rows[r], cut_evs = ev < st->evs[r];
		if (cut_rows)
			st->rows[r] = row;
		if (cut_evs)
			st->evs[r] = ev;
		all &= sync_rows(st, S, r, cut_rows, out, stop);
		all &= sync_events(st, S, r, cut_evs, out, stop);
		series_status s;
		series_get_status(S, r, &s);
		if (memcmp(&s, &st->status[r], sizeof s) != 0) {
			remote_put_status(out, r, &s);
			st->status[r] = s;
		}
		series_grid *g = gg_xmalloc(sizeof *g);
		if (series_get_grid(S, r, g) == 0 && g->step != st->grid_step[r]) {
			remote_put_grid(out, r, g);
			st->grid_step[r] = g->step;
		}
		free(g);
	}
	int cur = series_current(S);
	if (cur != st->current) {
		remote_put_current(out, cur);
		st->current = cur;
	}
	/* changes after v are caught next time; what the budget left is resumed from rows[] */
	st->version = v;
	st->behind = !all;
	return all;
}
