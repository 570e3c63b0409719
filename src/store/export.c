/* export.c — the exports of the series store: CSV, and JSON lines (in the format of
 * jsonl.c), each replacing its file through store_out (file.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gglab/store.h"
#include "gglab/util.h"

/* A copy of every row of run r: steps[n] and vals[ncols][n] (free both). */
static size_t read_run(series_store *s, int r, int ncols, long **steps, double **vals)
{
	size_t n = series_nrows(s, r);
	*steps = gg_xmalloc((n ? n : 1) * sizeof **steps);
	*vals = gg_xmalloc((n ? n : 1) * (size_t)(ncols ? ncols : 1) * sizeof **vals);
	n = series_read(s, r, 0, 0, n, *steps, NULL);
	for (int c = 0; c < ncols; c++)
		series_read(s, r, c, 0, n, NULL, *vals + (size_t)c * n);
	return n;
}

static size_t read_events(series_store *s, int r, series_event **ev)
{
	size_t ne = series_nevents(s, r);
	*ev = gg_xmalloc((ne ? ne : 1) * sizeof **ev);
	return series_read_events(s, r, 0, ne, *ev);
}

int store_export_csv(series_store *s, const char *path, char *err)
{
	store_out *o = store_out_open(path, err);
	if (!o)
		return -1;
	FILE *f = store_out_stream(o);
	int ncols = series_ncols(s), nruns = series_nruns(s);
	fputs("run,step", f);
	for (int c = 0; c < ncols; c++) {
		char name[64];
		series_colname(s, c, name, sizeof name);
		fprintf(f, ",%s", name);
	}
	fputs(",events\n", f);
	for (int r = 0; r < nruns; r++) {
		series_status st;
		series_get_status(s, r, &st);
		if (st.dropped)
			continue;
		long *steps;
		double *vals;
		size_t n = read_run(s, r, ncols, &steps, &vals);
		series_event *ev;
		size_t ne = read_events(s, r, &ev), e = 0;
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "%s,%ld", st.name, steps[i]);
			for (int c = 0; c < ncols; c++) {
				double v = vals[(size_t)c * n + i];
				if (isfinite(v))
					fprintf(f, ",%.9g", v);
				else
					fputc(',', f);
			}
			/* the events since the previous row (the last row takes any after it), quoted */
			fputc(',', f);
			int any = 0;
			for (; e < ne && (ev[e].step <= steps[i] || i + 1 == n); e++) {
				fputs(any ? "; " : "\"", f);
				for (const char *p = ev[e].text; *p; p++) {
					if (*p == '"') /* CSV doubles a quote inside a quoted field */
						fputc('"', f);
					fputc(*p, f);
				}
				fprintf(f, " @%ld", ev[e].step);
				any = 1;
			}
			if (any)
				fputc('"', f);
			fputc('\n', f);
		}
		free(ev);
		free(steps);
		free(vals);
	}
	return store_out_commit(o, err);
}

int store_export_jsonl(series_store *s, const char *path, char *err)
{
	store_out *o = store_out_open(path, err);
	if (!o)
		return -1;
	FILE *f = store_out_stream(o);
	gg_buf b = { 0 };
	for (int r = 0; r < series_nruns(s); r++) {
		series_status st;
		series_get_status(s, r, &st);
		if (st.dropped)
			continue;
		store_jsonl_series(&b, s, r);
		fwrite(b.p, 1, b.n, f);
		b.n = 0;
	}
	gg_buf_free(&b);
	return store_out_commit(o, err);
}
