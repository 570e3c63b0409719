/* jsonl.c — the one JSON-lines format of gglab's metrics, written by `export jsonl` and
 * streamed by --log, read back by --view (view.c). Three kinds of line, each one flat
 * object:
 *   {"run":"r1","model":"…","data":"…","opt":"…","state":"PAUSED","final_step":300}
 *   {"run":"r1","step":100,"epoch":0.5,…,"test_err":0.21,"phdim":null}
 *   {"run":"r1","step":120,"event":"lr 0.1->0.05"}
 * Numbers are printed with %.17g, so a double reads back bit for bit; a value that was
 * not computed is null. Each function appends one line, with its newline, to a buffer. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/store.h"
#include "gglab/util.h"

static void put_fmt(gg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_fmt(gg_buf *b, const char *fmt, ...)
{
	char s[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	gg_buf_put(b, s, n < (int)sizeof s ? (size_t)n : sizeof s - 1);
}

static void put_str(gg_buf *b, const char *s)
{
	gg_buf_put(b, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void put_json_str(gg_buf *b, const char *s)
{
	put_str(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			put_fmt(b, "\\%c", *p);
		else if (*p < 0x20)
			put_fmt(b, "\\u%04x", *p);
		else
			gg_buf_put(b, p, 1);
	}
	put_str(b, "\"");
}

void store_jsonl_header(gg_buf *b, const series_status *st)
{
	put_str(b, "{\"run\":");
	put_json_str(b, st->name);
	put_str(b, ",\"model\":");
	put_json_str(b, st->model);
	put_str(b, ",\"data\":");
	put_json_str(b, st->data);
	put_str(b, ",\"opt\":");
	put_json_str(b, st->opt);
	put_fmt(b, ",\"state\":\"%s\",\"final_step\":%ld}\n", series_state_name(st->state), st->step);
}

void store_jsonl_row(gg_buf *b, const char *run, long step, int n, const char *const *names,
		     const double *vals)
{
	put_str(b, "{\"run\":");
	put_json_str(b, run);
	put_fmt(b, ",\"step\":%ld", step);
	for (int c = 0; c < n; c++) {
		put_str(b, ",\"");
		put_str(b, names[c]);
		if (isfinite(vals[c]))
			put_fmt(b, "\":%.17g", vals[c]);
		else
			put_str(b, "\":null");
	}
	put_str(b, "}\n");
}

void store_jsonl_event(gg_buf *b, const char *run, const series_event *ev)
{
	put_str(b, "{\"run\":");
	put_json_str(b, run);
	put_fmt(b, ",\"step\":%ld,\"event\":", ev->step);
	put_json_str(b, ev->text);
	put_str(b, "}\n");
}

void store_jsonl_series(gg_buf *b, series_store *s, int run)
{
	series_status st;
	series_get_status(s, run, &st);
	store_jsonl_header(b, &st);
	int ncols = series_ncols(s);
	size_t n = series_nrows(s, run), k = n ? n : 1, kc = ncols ? (size_t)ncols : 1;
	char (*names)[64] = gg_xmalloc(kc * sizeof *names);
	const char **name_of = gg_xmalloc(kc * sizeof *name_of);
	for (int c = 0; c < ncols; c++) {
		series_colname(s, c, names[c], sizeof names[c]);
		name_of[c] = names[c];
	}
	long *steps = gg_xmalloc(k * sizeof *steps);
	double *vals = gg_xmalloc(k * kc * sizeof *vals), *row = gg_xmalloc(kc * sizeof *row);
	n = series_read(s, run, 0, 0, n, steps, NULL);
	for (int c = 0; c < ncols; c++)
		series_read(s, run, c, 0, n, NULL, vals + (size_t)c * n);
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < ncols; c++)
			row[c] = vals[(size_t)c * n + i];
		store_jsonl_row(b, st.name, steps[i], ncols, name_of, row);
	}
	size_t ne = series_nevents(s, run);
	series_event *ev = gg_xmalloc((ne ? ne : 1) * sizeof *ev);
	ne = series_read_events(s, run, 0, ne, ev);
	for (size_t i = 0; i < ne; i++)
		store_jsonl_event(b, st.name, &ev[i]);
	free(ev);
	free(steps);
	free(vals);
	free(row);
	free(name_of);
	free(names);
}
