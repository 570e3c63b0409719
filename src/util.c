/* util.c — see util.h. */
#include "gglab/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "gglab: out of memory allocating %zu bytes\n", n);
	abort();
}

void *gg_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *gg_xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		oom(count * size);
	return p;
}

void *gg_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *gg_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(gg_xmalloc(n), s, n);
}

int gg_fail(char *err, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, GG_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static double clock_seconds(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double gg_now(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

double gg_cpu_now(void)
{
	return clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

void gg_buf_put(gg_buf *b, const void *data, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + n)
			cap *= 2;
		b->p = gg_xrealloc(b->p, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, data, n);
	b->n += n;
}

void gg_buf_u64(gg_buf *b, unsigned long long v)
{
	gg_buf_put(b, &v, sizeof v);
}

void gg_buf_str(gg_buf *b, const char *s)
{
	size_t n = strlen(s);
	gg_buf_u64(b, n);
	gg_buf_put(b, s, n);
}

void gg_buf_free(gg_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

void gg_read(gg_reader *r, void *out, size_t n)
{
	if (r->bad || n > r->n - r->off) {
		r->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->p + r->off, n);
	r->off += n;
}

unsigned long long gg_read_u64(gg_reader *r)
{
	unsigned long long v;
	gg_read(r, &v, sizeof v);
	return v;
}

char *gg_read_strdup(gg_reader *r)
{
	unsigned long long n = gg_read_u64(r);
	if (r->bad || n > r->n - r->off) {
		r->bad = 1;
		return gg_xstrdup("");
	}
	char *s = gg_xmalloc((size_t)n + 1);
	gg_read(r, s, (size_t)n);
	s[n] = 0;
	return s;
}

void gg_read_str(gg_reader *r, char *out, size_t len)
{
	/* in place, without a copy: the loader reads every record's tag this way */
	unsigned long long n = gg_read_u64(r);
	if (r->bad || n > r->n - r->off) {
		r->bad = 1;
		n = 0;
	}
	if (len == 0)
		return;
	size_t k = n < len - 1 ? (size_t)n : len - 1;
	if (k)
		memcpy(out, r->p + r->off, k);
	out[k] = 0;
	r->off += (size_t)n;
}

/* mkdir -p, for a path we built ourselves. */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

int gg_state_dir(const char *sub, char *buf, size_t len, char *err)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;
	if (state && *state == '/') /* the XDG spec: a relative path is to be ignored */
		n = snprintf(buf, len, "%s/gglab%s%s", state, sub ? "/" : "", sub ? sub : "");
	else if (home && *home)
		n = snprintf(buf, len, "%s/.local/state/gglab%s%s", home, sub ? "/" : "", sub ? sub : "");
	else
		return gg_fail(err, "neither XDG_STATE_HOME nor HOME is set: nowhere to keep state");
	if (n < 0 || (size_t)n >= len)
		return gg_fail(err, "state directory name too long");
	if (make_dirs(buf) < 0)
		return gg_fail(err, "%s: cannot create: %s", buf, strerror(errno));
	return 0;
}

/* ---- the memory bound ------------------------------------------------------------------- */

static size_t mem_limit; /* set once by main, before any thread starts; 0: not set */

void gg_mem_set_limit(size_t bytes)
{
	mem_limit = bytes;
}

size_t gg_mem_limit(void)
{
	if (mem_limit)
		return mem_limit;
	/* MemAvailable: what can be had without swapping; else the free pages */
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long long kb = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	if (kb)
		return (size_t)kb * 1024;
	long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	return pages > 0 && size > 0 ? (size_t)pages * (size_t)size : (size_t)-1;
}

void gg_format_bytes(double bytes, char *buf, size_t len)
{
	const char *unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	int u = 0;
	while (bytes >= 1024 && u < 6)
		bytes /= 1024, u++;
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
}
