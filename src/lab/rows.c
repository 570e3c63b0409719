/* rows.c — what the series store records, as it is recorded: an evaluation's row (its
 * values by column) and an event, each added to a series of the store and streamed to the
 * --log file in the JSON lines of `export jsonl` (store/jsonl.c). The log gives each
 * series its header line before its first line, and again, final, when it is closed; a
 * sync flush after every line keeps it readable while the runs go on and after a crash.
 * A failed write of the log is an error, said once with the file and the reason; the log
 * stops there and the lab goes on. --log writes through whatever the path names (a FIFO,
 * /dev/stdout): it is a stream, never replaced. Trainer thread only. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/store.h"
#include "gglab/util.h"
#include "internal.h"

int lab_log_open(lab *L, const char *path, char *err)
{
	errno = 0;
	L->log = gzopen(path, "wb");
	if (!L->log)
		return gg_fail(err, "%s: cannot open the log for writing: %s", path,
			       errno ? strerror(errno) : "zlib error");
	return 0;
}

/* Writes b to the log and empties it; on failure the log is closed and the reason said.
 * A flush after every line, whatever the caller gathered: the gzip bytes are then a
 * function of the lines alone, so a resumed log that writes the interrupted one's lines
 * again (lab_log_resume) is the same file as a log that never stopped. */
static void log_write(lab *L, gg_buf *b)
{
	if (!L->log)
		return;
	errno = 0;
	int ok = 1;
	for (size_t at = 0, end; ok && at < b->n; at = end) {
		const unsigned char *nl = memchr(b->p + at, '\n', b->n - at);
		end = nl ? (size_t)(nl - b->p) + 1 : b->n;
		ok = gzwrite(L->log, b->p + at, (unsigned)(end - at)) == (int)(end - at) &&
		     gzflush(L->log, Z_SYNC_FLUSH) == Z_OK;
		if (ok)
			L->log_bytes += end - at;
	}
	b->n = 0;
	if (ok)
		return;
	int e = errno, zerr = Z_OK;
	gzerror(L->log, &zerr);
	gzclose(L->log);
	L->log = NULL;
	free(L->log_hdr);
	L->log_hdr = NULL;
	L->log_nhdr = 0;
	lab_write_failed(L, L->opt.log_path, "writing the log", zerr == Z_ERRNO ? e : EIO);
}

/* Before the first line of series sid: its header. Returns the series' name in st. */
static void log_header(lab *L, int sid, series_status *st, gg_buf *b)
{
	series_get_status(L->series, sid, st);
	if (sid >= L->log_nhdr) {
		int n = sid + 16;
		L->log_hdr = gg_xrealloc(L->log_hdr, (size_t)n);
		memset(L->log_hdr + L->log_nhdr, 0, (size_t)(n - L->log_nhdr));
		L->log_nhdr = n;
	}
	if (!L->log_hdr[sid]) {
		store_jsonl_header(b, st);
		L->log_hdr[sid] = 1;
	}
}

int lab_log_close(lab *L)
{
	if (!L->log)
		return 0;
	gg_buf b = { 0 };
	for (int sid = 0; sid < series_nruns(L->series); sid++) { /* where each series ended */
		series_status st;
		series_get_status(L->series, sid, &st);
		if (!st.dropped && sid < L->log_nhdr && L->log_hdr[sid])
			store_jsonl_header(&b, &st);
	}
	log_write(L, &b);
	gg_buf_free(&b);
	if (!L->log)
		return -1; /* said by log_write */
	errno = 0;
	int rc = gzclose(L->log);
	L->log = NULL;
	free(L->log_hdr);
	L->log_hdr = NULL;
	L->log_nhdr = 0;
	if (rc != Z_OK) {
		lab_write_failed(L, L->opt.log_path, "closing the log", rc == Z_ERRNO ? errno : EIO);
		return -1;
	}
	return 0;
}

void lab_row_set(lab *L, lab_row *row, const char *name, double v)
{
	int c = series_col(L->series, name);
	for (int i = 0; i < row->n; i++)
		if (row->col[i] == c) {
			row->v[i] = v;
			return;
		}
	if (row->n == row->cap) {
		row->cap = row->cap ? 2 * row->cap : 32;
		row->col = gg_xrealloc(row->col, (size_t)row->cap * sizeof *row->col);
		row->v = gg_xrealloc(row->v, (size_t)row->cap * sizeof *row->v);
	}
	row->col[row->n] = c;
	row->v[row->n++] = v;
}

void lab_row_free(lab_row *row)
{
	free(row->col);
	free(row->v);
	*row = (lab_row){ 0 };
}

void lab_emit_row(lab *L, int sid, long step, const lab_row *row)
{
	int ncols = series_ncols(L->series);
	double *vals = gg_xmalloc((size_t)ncols * sizeof *vals);
	for (int c = 0; c < ncols; c++)
		vals[c] = NAN;
	for (int i = 0; i < row->n; i++)
		vals[row->col[i]] = row->v[i];
	/* a second row at the same step (an evaluation where the geometric schedule put a row,
	 * the full sets' values of `eval`) fills in the one there */
	size_t n = series_nrows(L->series, sid);
	long last = -1;
	if (n)
		series_read(L->series, sid, 0, n - 1, 1, &last, NULL);
	if (n && last == step) {
		for (int i = 0; i < row->n; i++)
			if (!isnan(row->v[i])) /* what the first row had stays */
				series_update(L->series, sid, step, row->col[i], row->v[i]);
	} else {
		series_append(L->series, sid, step, vals, ncols);
	}
	free(vals);
	if (!L->log)
		return;
	char (*names)[64] = gg_xmalloc((size_t)(row->n ? row->n : 1) * sizeof *names);
	const char **name_of = gg_xmalloc((size_t)(row->n ? row->n : 1) * sizeof *name_of);
	for (int i = 0; i < row->n; i++) {
		series_colname(L->series, row->col[i], names[i], sizeof names[i]);
		name_of[i] = names[i];
	}
	gg_buf b = { 0 };
	series_status st;
	log_header(L, sid, &st, &b);
	store_jsonl_row(&b, st.name, step, row->n, name_of, row->v);
	log_write(L, &b);
	gg_buf_free(&b);
	free(name_of);
	free(names);
}

void lab_log_values(lab *L, int sid, long step, const char *k1, double v1, const char *k2,
		    double v2)
{
	if (!L->log)
		return;
	const char *names[2] = { k1, k2 };
	double vals[2] = { v1, v2 };
	gg_buf b = { 0 };
	series_status st;
	log_header(L, sid, &st, &b);
	store_jsonl_row(&b, st.name, step, k2 ? 2 : 1, names, vals);
	log_write(L, &b);
	gg_buf_free(&b);
}

void lab_log_cut(lab *L, int sid)
{
	if (sid < L->log_nhdr)
		L->log_hdr[sid] = 0;
}

void lab_log_series(lab *L, int sid)
{
	if (!L->log)
		return;
	gg_buf b = { 0 };
	series_status st;
	log_header(L, sid, &st, &b);
	b.n = 0; /* store_jsonl_series writes the header */
	store_jsonl_series(&b, L->series, sid);
	log_write(L, &b);
	gg_buf_free(&b);
}

void lab_mark(lab *L, int sid, long step, int kind, const char *fmt, ...)
{
	series_event e = { .step = step, .kind = kind };
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.text, sizeof e.text, fmt, ap);
	va_end(ap);
	series_mark(L->series, sid, step, kind, "%s", e.text);
	if (!L->log)
		return;
	gg_buf b = { 0 };
	series_status st;
	log_header(L, sid, &st, &b);
	store_jsonl_event(&b, st.name, &e);
	log_write(L, &b);
	gg_buf_free(&b);
}

void lab_log_loaded(lab *L)
{
	for (int i = 0; i < L->nruns; i++)
		lab_log_series(L, L->runs[i]->sid);
	for (int g = 1; g <= L->twin_groups; g++)
		lab_log_series(L, L->twin_sid[g]);
}

/* ---- a resumed log --------------------------------------------------------------------- */

void lab_log_save(lab *L, gg_buf *b)
{
	char *real = L->log ? realpath(L->opt.log_path, NULL) : NULL;
	if (!real)
		return; /* no log, or none a later session could find again */
	size_t at = store_rec_begin(b, "log");
	store_rec_put(b, "path", real, strlen(real));
	store_rec_u64(b, "bytes", (unsigned long long)L->log_bytes);
	for (int sid = 0; sid < L->log_nhdr && sid < series_nruns(L->series); sid++) {
		series_status st;
		series_get_status(L->series, sid, &st);
		if (L->log_hdr[sid] && !st.dropped)
			store_rec_put(b, "header", st.name, strlen(st.name));
	}
	store_rec_end(b, at);
	free(real);
}

/* The first n bytes of the gzip'd log at path, or NULL if it has fewer. */
static unsigned char *read_log(const char *path, size_t n)
{
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return NULL;
	unsigned char *p = gg_xmalloc(n ? n : 1);
	size_t have = 0;
	int got = 1;
	while (have < n && got > 0) {
		size_t want = n - have < (1u << 30) ? n - have : 1u << 30;
		got = gzread(gz, p + have, (unsigned)want);
		have += got > 0 ? (size_t)got : 0;
	}
	gzclose(gz);
	if (have < n) {
		free(p);
		return NULL;
	}
	return p;
}

int lab_log_resume(lab *L, const char *path, char *err)
{
	const unsigned char *rec = L->resume_log;
	gg_reader top = { .p = rec, .n = L->resume_log_n }, body;
	unsigned long long n = 0;
	unsigned char *old = NULL;
	char *real = rec ? realpath(path, NULL) : NULL;
	if (real && store_rec_find(&top, "path", &body) && body.n == strlen(real) &&
	    !memcmp(body.p, real, body.n) && store_rec_find(&top, "bytes", &body) &&
	    store_rec_get_u64(&body, &n) == 0 && n <= gg_mem_limit())
		old = read_log(path, (size_t)n); /* before the open below empties the file */
	free(real);
	L->opt.log_path = path;
	if (lab_log_open(L, path, err) < 0) {
		free(old);
		return -1;
	}
	if (!old) { /* another file, or not the log the checkpoint knew: everything, anew */
		lab_log_loaded(L);
		return 0;
	}
	gg_buf b = { .p = old, .n = (size_t)n, .cap = (size_t)n };
	log_write(L, &b); /* the lines the interrupted session had written, again */
	gg_buf_free(&b);
	/* the series whose header is among them do not get another */
	gg_reader it = top;
	char tag[16];
	while (store_rec_next(&it, tag, sizeof tag, &body) > 0) {
		if (strcmp(tag, "header") != 0)
			continue;
		for (int sid = 0; sid < series_nruns(L->series); sid++) {
			series_status st;
			series_get_status(L->series, sid, &st);
			if (!st.dropped && strlen(st.name) == body.n && !memcmp(st.name, body.p, body.n)) {
				gg_buf none = { 0 };
				log_header(L, sid, &st, &none); /* marks it written */
				gg_buf_free(&none);
			}
		}
	}
	return 0;
}
