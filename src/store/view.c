/* view.c — reading finished metrics files back into a series store, for `gglab --view`:
 * the JSON lines (jsonl.c) that --log streams and `export jsonl` writes, gzip'd or plain.
 * Each line is one flat object: {"run":"r1","step":100,"train_loss":0.41,…} for an
 * evaluation, {"run":…,"model":…,"data":…,…} describing a run, {"run":…,"step":…,
 * "event":"…"} for an event. An evaluation line for a step the run already has fills that
 * row (--log writes a background result, the PH dimension, after its row); a description
 * whose final_step lies before the run's last row cuts the run back to it (cut_back). Only that shape
 * is accepted; anything else is an error naming file and line. The file is untrusted: a
 * line may be of any length (up to 64 MiB) and hold any number of keys, a number is range
 * checked before it becomes an integer, and the work is linear in lines, keys and runs
 * (run names and columns are found through hash tables). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gglab/store.h"
#include "gglab/util.h"

#define MAXLINE (64 << 20)

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

/* One flat object into *kvs (grown as needed, *cap entries); returns the count or -1. */
static int parse_object(const char *p, kv **kvsp, int *cap)
{
	int n = 0;
	p = skip(p);
	if (*p++ != '{')
		return -1;
	p = skip(p);
	if (*p == '}')
		return 0;
	for (;;) {
		if (n == *cap) {
			*cap *= 2;
			*kvsp = gg_xrealloc(*kvsp, (size_t)*cap * sizeof **kvsp);
		}
		kv *k = &(*kvsp)[n];
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

/* Run names to ids, by open addressing (names as the store keeps them: 31 bytes). */
typedef struct {
	char (*name)[32];
	int *id; /* -1: empty */
	size_t cap, n;
} name_map;

static size_t hash_name(const char *name)
{
	size_t h = 1469598103934665603u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

static int map_get(const name_map *m, const char *name)
{
	if (!m->cap)
		return -1;
	for (size_t i = hash_name(name) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (m->id[i] < 0 || !strcmp(m->name[i], name))
			return m->id[i];
}

static void map_put(name_map *m, const char *name, int id)
{
	if (2 * (m->n + 1) > m->cap) {
		name_map old = *m;
		m->cap = old.cap ? 2 * old.cap : 64;
		m->name = gg_xmalloc(m->cap * sizeof *m->name);
		m->id = gg_xmalloc(m->cap * sizeof *m->id);
		for (size_t i = 0; i < m->cap; i++)
			m->id[i] = -1;
		m->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.id[i] >= 0)
				map_put(m, old.name[i], old.id[i]);
		free(old.name);
		free(old.id);
	}
	size_t i = hash_name(name) & (m->cap - 1);
	while (m->id[i] >= 0 && strcmp(m->name[i], name))
		i = (i + 1) & (m->cap - 1);
	if (m->id[i] < 0)
		m->n++;
	snprintf(m->name[i], sizeof m->name[i], "%s", name);
	m->id[i] = id;
}

static void map_free(name_map *m)
{
	free(m->name);
	free(m->id);
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

/* A description after rows, whose final_step lies before the run's last row: the lab cut
 * the series back there (a rollback), or started it over (a restart: state IDLE at step
 * 0), and what follows replaces what was cut. */
static void cut_back(series_store *s, int r, const kv *kvs, int n)
{
	double fs = -1;
	int idle = 0;
	for (int i = 0; i < n; i++) {
		if (!strcmp(kvs[i].key, "final_step") && !kvs[i].is_str)
			fs = kvs[i].num;
		else if (!strcmp(kvs[i].key, "state") && kvs[i].is_str)
			idle = !strcmp(kvs[i].str, "IDLE");
	}
	size_t rows = series_nrows(s, r);
	long last = -1;
	if (!(fs >= 0 && fs <= 9007199254740992.0) || !rows)
		return;
	series_read(s, r, 0, rows - 1, 1, &last, NULL);
	if ((double)last <= fs)
		return;
	if (fs == 0 && idle)
		series_clear_run(s, r);
	else
		series_truncate(s, r, (long)fs);
	series_status st;
	series_get_status(s, r, &st);
	st.step = (long)fs;
	series_set_status(s, r, &st);
}

/* The next line of gz into *buf (grown as needed): 1, 0 at the end, -1 too long. */
static int read_line(gzFile gz, char **buf, size_t *cap)
{
	size_t len = 0;
	(*buf)[0] = 0;
	while (gzgets(gz, *buf + len, (int)(*cap - len))) {
		len += strlen(*buf + len);
		if (len && (*buf)[len - 1] == '\n')
			return 1;
		if (len + 1 < *cap) /* the end of the file without a newline */
			return 1;
		if (*cap >= MAXLINE)
			return -1;
		*cap *= 2;
		*buf = gg_xrealloc(*buf, *cap);
	}
	return len > 0;
}

int store_view_load(series_store *s, const char *path, char *err)
{
	errno = 0;
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return gg_fail(err, "%s: %s", path, errno ? strerror(errno) : "cannot open");
	name_map file_runs = { 0 }, taken = { 0 }; /* this file's names; every name shown */
	for (int r = 0; r < series_nruns(s); r++) {
		series_status st;
		series_get_status(s, r, &st);
		if (!st.dropped)
			map_put(&taken, st.name, r);
	}
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int kcap = 64;
	kv *kvs = gg_xmalloc((size_t)kcap * sizeof *kvs);
	size_t cap = 65536;
	char *line = gg_xmalloc(cap);
	int lineno = 0, rows = 0, rc = 0, got;
	double *vals = NULL;
	int nvals = 0;
	while ((got = read_line(gz, &line, &cap)) != 0) {
		lineno++;
		if (got < 0) {
			rc = gg_fail(err, "%s:%d: line too long (more than %d MiB)", path, lineno, MAXLINE >> 20);
			break;
		}
		if (line[strspn(line, " \t\r\n")] == 0)
			continue;
		int n = parse_object(line, &kvs, &kcap);
		const char *name = NULL;
		long step = -1;
		int bad_step = 0;
		for (int i = 0; i < n; i++) {
			if (!strcmp(kvs[i].key, "run") && kvs[i].is_str) {
				name = kvs[i].str;
			} else if (!strcmp(kvs[i].key, "step") && !kvs[i].is_str) {
				/* checked before it becomes an integer: 1e300 is no step */
				double v = kvs[i].num;
				if (!(v >= 0 && v <= 9007199254740992.0 && v == floor(v)))
					bad_step = 1;
				else
					step = (long)v;
			}
		}
		if (n < 0 || !name) {
			rc = gg_fail(err, "%s:%d: not a gglab metrics line (expected {\"run\":…})", path,
				     lineno);
			break;
		}
		if (bad_step) {
			rc = gg_fail(err, "%s:%d: \"step\" is not a step number (an integer from 0 to 2^53)",
				     path, lineno);
			break;
		}
		char key[32];
		snprintf(key, sizeof key, "%.31s", name);
		int r = map_get(&file_runs, key);
		if (r < 0) {
			/* A name an earlier file already used is shown as file:name. */
			char shown[32];
			if (map_get(&taken, key) >= 0)
				snprintf(shown, sizeof shown, "%.12s:%.18s", base, name);
			else
				snprintf(shown, sizeof shown, "%.31s", name);
			r = series_add_run(s, shown);
			series_status st;
			series_get_status(s, r, &st);
			st.state = RUN_DONE;
			snprintf(st.data, sizeof st.data, "%.95s", base);
			series_set_status(s, r, &st);
			map_put(&file_runs, key, r);
			map_put(&taken, shown, r);
		}
		const char *event = NULL;
		for (int i = 0; i < n; i++)
			if (!strcmp(kvs[i].key, "event") && kvs[i].is_str)
				event = kvs[i].str;
		series_status st;
		series_get_status(s, r, &st);
		if (event) {
			series_mark(s, r, step, SERIES_EV_INFO, "%s", event);
		} else if (step < 0) { /* a run's description, each text cut to its field */
			for (int i = 0; i < n; i++) {
				if (!kvs[i].is_str)
					continue;
				if (!strcmp(kvs[i].key, "model"))
					snprintf(st.model, sizeof st.model, "%.*s", (int)sizeof st.model - 1, kvs[i].str);
				else if (!strcmp(kvs[i].key, "data"))
					snprintf(st.data, sizeof st.data, "%.*s", (int)sizeof st.data - 1, kvs[i].str);
				else if (!strcmp(kvs[i].key, "opt"))
					snprintf(st.opt, sizeof st.opt, "%.*s", (int)sizeof st.opt - 1, kvs[i].str);
			}
			series_set_status(s, r, &st);
			cut_back(s, r, kvs, n);
		} else if (merge_row(s, r, step, kvs, n)) {
			/* a late value (--log writes a background result after its row) */
		} else {
			int first = 1, lo = 0, hi = -1; /* the columns this line sets */
			for (int i = 0; i < n; i++) {
				if (kvs[i].is_str || !strcmp(kvs[i].key, "step"))
					continue;
				int c = series_col(s, kvs[i].key);
				if (c >= nvals) { /* doubling: linear in the columns */
					int old = nvals;
					nvals = 2 * c + 16;
					vals = gg_xrealloc(vals, (size_t)nvals * sizeof *vals);
					for (int k = old; k < nvals; k++)
						vals[k] = NAN;
				}
				vals[c] = kvs[i].num;
				if (first || c < lo)
					lo = c;
				if (first || c > hi)
					hi = c;
				first = 0;
			}
			series_append(s, r, step, vals, hi + 1);
			for (int c = lo; c <= hi; c++) /* back to NaN for the next line */
				vals[c] = NAN;
			if (step > st.step)
				st.step = step;
			for (int i = 0; i < n; i++) { /* the status shows where the run ended */
				if (kvs[i].is_str || !isfinite(kvs[i].num))
					continue;
				if (!strcmp(kvs[i].key, "epoch"))
					st.epoch = kvs[i].num;
				else if (!strcmp(kvs[i].key, "lr"))
					st.lr = kvs[i].num,
					snprintf(st.lr_text, sizeof st.lr_text, "%.4g", st.lr);
				else if (!strcmp(kvs[i].key, "bs") && kvs[i].num >= 1 && kvs[i].num <= 1 << 30)
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
	free(line);
	free(kvs);
	free(vals);
	map_free(&file_runs);
	map_free(&taken);
	return rc;
}
