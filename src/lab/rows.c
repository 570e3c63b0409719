/* rows.c — one evaluation's row: its values by column, appended to a series of the store
 * and streamed to the --log file. Trainer thread only. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/util.h"
#include "internal.h"

int lab_log_open(lab *L, const char *path, char *err)
{
	L->log = gzopen(path, "wb");
	if (!L->log)
		return gg_fail(err, "%s: cannot open the log for writing: %s", path,
			       errno ? strerror(errno) : "zlib error");
	return 0;
}

void lab_log_close(lab *L)
{
	if (L->log)
		gzclose(L->log);
	L->log = NULL;
}

void lab_row_set(lab *L, lab_row *row, const char *name, double v)
{
	int c = series_col(L->series, name);
	for (int i = 0; i < row->n; i++)
		if (row->col[i] == c) {
			row->v[i] = v;
			return;
		}
	if (row->n < ROW_MAX) {
		row->col[row->n] = c;
		row->v[row->n++] = v;
	}
}

void lab_emit_row(lab *L, int sid, long step, const char *name, const lab_row *row)
{
	int ncols = series_ncols(L->series);
	double *vals = gg_xmalloc((size_t)ncols * sizeof *vals);
	for (int c = 0; c < ncols; c++)
		vals[c] = NAN;
	for (int i = 0; i < row->n; i++)
		vals[row->col[i]] = row->v[i];
	series_append(L->series, sid, step, vals, ncols);
	free(vals);
	if (!L->log)
		return;
	gzprintf(L->log, "{\"run\":\"%s\",\"step\":%ld", name, step);
	for (int i = 0; i < row->n; i++) {
		char col[64];
		series_colname(L->series, row->col[i], col, sizeof col);
		if (isfinite(row->v[i]))
			gzprintf(L->log, ",\"%s\":%.9g", col, row->v[i]);
		else
			gzprintf(L->log, ",\"%s\":null", col);
	}
	gzputs(L->log, "}\n");
	/* A sync flush makes every row readable while the run goes on and after a crash. */
	gzflush(L->log, Z_SYNC_FLUSH);
}

void lab_log_values(lab *L, const char *name, long step, const char *k1, double v1,
		    const char *k2, double v2)
{
	if (!L->log)
		return;
	gzprintf(L->log, "{\"run\":\"%s\",\"step\":%ld,\"%s\":%.9g,\"%s\":%.9g}\n", name, step,
		 k1, v1, k2, v2);
	gzflush(L->log, Z_SYNC_FLUSH);
}
