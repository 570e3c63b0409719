/* view.c — reading finished metrics files back into a series store, for `gglab --view`:
 * the JSON lines (jsonl.c) that --log streams and `export jsonl` writes, gzip'd or plain.
 * Each line is one flat object: {"run":"r1","step":100,"train_loss":0.41,…} for an
 * evaluation, {"run":…,"model":…,"data":…,…} describing a run, {"run":…,"step":…,
 * "event":"…"} for an event. An evaluation line for a step the run already has fills that
 * row (--log writes a background result, the PH dimension, after its row). Only that shape
 * is accepted; anything else is an error naming file and line. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gglab/store.h"
#include "gglab/util.h"

#define MAXKEYS 256

typedef struct {
	char key[48];
	int is_str;      /* a string value (in str), else a number (num, NaN for null) */
	char str[128];
	double num;
} kv;

/* Parses a JSON string at *p (after the opening quote) into out. */
static int json_string(const char **p, char *out, size_t len)
{
	size_t n = 0;
	const char *s = *p;
	for (; *s && *s != '"'; s++) {
		char c = *s;
		if (c == '\\') {
			s++;
			switch (*s) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'u': {
				unsigned v = 0;
				for (int i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)s[i]))
						return -1;
				sscanf(s + 1, "%4x", &v);
				s += 4;
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			case 0: return -1;
			default: c = *s;
			}
		}
		if (n + 1 < len)
			out[n++] = c;
	}
	if (*s != '"')
		return -1;
	out[n] = 0;
	*p = s + 1;
	return 0;
}

static const char *skip(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* One flat object into kvs; returns the count or -1. */
static int parse_object(const char *p, kv *kvs)
{
	int n = 0;
	p = skip(p);
	if (*p++ != '{')
		return -1;
	p = skip(p);
	if (*p == '}')
		return 0;
	for (;;) {
		if (n == MAXKEYS)
			return -1;
		kv *k = &kvs[n];
		p = skip(p);
		if (*p++ != '"' || json_string(&p, k->key, sizeof k->key) < 0)
			return -1;
		p = skip(p);
		if (*p++ != ':')
			return -1;
		p = skip(p);
		k->is_str = 0;
		if (*p == '"') {
			p++;
			k->is_str = 1;
			if (json_string(&p, k->str, sizeof k->str) < 0)
				return -1;
		} else if (!strncmp(p, "null", 4)) {
			k->num = NAN;
			p += 4;
		} else {
			char *end;
			k->num = strtod(p, &end);
			if (end == p)
				return -1;
			p = end;
		}
		n++;
		p = skip(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}')
			break;
		return -1;
	}
	p = skip(p + 1);
	return *p == 0 || *p == '\n' || *p == '\r' ? n : -1;
}

static int name_taken(series_store *s, const char *name)
{
	for (int r = 0; r < series_nruns(s); r++) {
		series_status st;
		series_get_status(s, r, &st);
		if (!st.dropped && !strcmp(st.name, name))
			return 1;
	}
	return 0;
}

/* A row line for a step the run has already: its values go into that row. */
static int merge_row(series_store *s, int r, long step, const kv *kvs, int n)
{
	int first = 1;
	for (int i = 0; i < n; i++) {
		if (kvs[i].is_str || !strcmp(kvs[i].key, "step"))
			continue;
		if (series_update(s, r, step, series_col(s, kvs[i].key), kvs[i].num) < 0)
			return 0; /* only the first can fail: then no row has this step */
		first = 0;
	}
	return !first;
}

/* This file's run names and the store ids they were given. */
typedef struct {
	char name[32];
	int id;
} file_run;

int store_view_load(series_store *s, const char *path, char *err)
{
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return gg_fail(err, "%s: %s", path, errno ? strerror(errno) : "cannot open");
	file_run *fr = NULL;
	int nfr = 0;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	kv *kvs = gg_xmalloc(MAXKEYS * sizeof *kvs);
	char line[65536];
	int lineno = 0, rows = 0, rc = 0;
	double *vals = NULL;
	int nvals = 0;
	while (gzgets(gz, line, sizeof line)) {
		lineno++;
		if (!strchr(line, '\n') && !gzeof(gz)) {
			rc = gg_fail(err, "%s:%d: line too long", path, lineno);
			break;
		}
		if (line[strspn(line, " \t\r\n")] == 0)
			continue;
		int n = parse_object(line, kvs);
		const char *name = NULL;
		long step = -1;
		for (int i = 0; i < n; i++) {
			if (!strcmp(kvs[i].key, "run") && kvs[i].is_str)
				name = kvs[i].str;
			else if (!strcmp(kvs[i].key, "step") && !kvs[i].is_str && isfinite(kvs[i].num))
				step = (long)kvs[i].num;
		}
		if (n < 0 || !name) {
			rc = gg_fail(err, "%s:%d: not a gglab metrics line (expected {\"run\":…})", path,
				     lineno);
			break;
		}
		int r = -1;
		for (int i = 0; i < nfr && r < 0; i++)
			if (!strncmp(fr[i].name, name, sizeof fr[i].name - 1))
				r = fr[i].id;
		if (r < 0) {
			/* A name an earlier file already used is shown as file:name. */
			char shown[32];
			if (name_taken(s, name))
				snprintf(shown, sizeof shown, "%.12s:%.18s", base, name);
			else
				snprintf(shown, sizeof shown, "%.31s", name);
			r = series_add_run(s, shown);
			series_status st;
			series_get_status(s, r, &st);
			st.state = RUN_DONE;
			snprintf(st.data, sizeof st.data, "%.95s", base);
			series_set_status(s, r, &st);
			fr = gg_xrealloc(fr, (size_t)(nfr + 1) * sizeof *fr);
			snprintf(fr[nfr].name, sizeof fr[nfr].name, "%.31s", name);
			fr[nfr++].id = r;
		}
		const char *event = NULL;
		for (int i = 0; i < n; i++)
			if (!strcmp(kvs[i].key, "event") && kvs[i].is_str)
				event = kvs[i].str;
		series_status st;
		series_get_status(s, r, &st);
		if (event) {
			series_mark(s, r, step, SERIES_EV_INFO, "%s", event);
		} else if (step < 0) { /* a run's description */
			for (int i = 0; i < n; i++) {
				if (!kvs[i].is_str)
					continue;
				if (!strcmp(kvs[i].key, "model"))
					snprintf(st.model, sizeof st.model, "%s", kvs[i].str);
				else if (!strcmp(kvs[i].key, "data"))
					snprintf(st.data, sizeof st.data, "%s", kvs[i].str);
				else if (!strcmp(kvs[i].key, "opt"))
					snprintf(st.opt, sizeof st.opt, "%s", kvs[i].str);
			}
			series_set_status(s, r, &st);
		} else if (merge_row(s, r, step, kvs, n)) {
			/* a late value (--log writes a background result after its row) */
		} else {
			int need = series_ncols(s) + n;
			if (need > nvals) {
				nvals = need;
				vals = gg_xrealloc(vals, (size_t)nvals * sizeof *vals);
			}
			for (int i = 0; i < nvals; i++)
				vals[i] = NAN;
			for (int i = 0; i < n; i++) {
				if (kvs[i].is_str || !strcmp(kvs[i].key, "step"))
					continue;
				int c = series_col(s, kvs[i].key);
				if (c >= nvals) {
					int old = nvals;
					nvals = c + 1;
					vals = gg_xrealloc(vals, (size_t)nvals * sizeof *vals);
					for (int k = old; k < nvals; k++)
						vals[k] = NAN;
				}
				vals[c] = kvs[i].num;
			}
			series_append(s, r, step, vals, series_ncols(s));
			if (step > st.step)
				st.step = step;
			for (int i = 0; i < n; i++) { /* the status shows where the run ended */
				if (kvs[i].is_str || !isfinite(kvs[i].num))
					continue;
				if (!strcmp(kvs[i].key, "epoch"))
					st.epoch = kvs[i].num;
				else if (!strcmp(kvs[i].key, "lr"))
					st.lr = kvs[i].num;
				else if (!strcmp(kvs[i].key, "bs"))
					st.bs = (int)kvs[i].num;
			}
			series_set_status(s, r, &st);
			rows++;
		}
	}
	int zerr = 0;
	const char *zmsg = gzerror(gz, &zerr);
	if (rc == 0 && zerr != Z_OK)
		rc = gg_fail(err, "%s: %s", path, zerr == Z_ERRNO ? strerror(errno) : zmsg);
	if (rc == 0 && rows == 0)
		rc = gg_fail(err, "%s: no evaluations in the file", path);
	gzclose(gz);
	free(kvs);
	free(vals);
	free(fr);
	return rc;
}
