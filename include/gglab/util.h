/* util.h — the ground everything stands on: allocation that never returns NULL, the
 * error-message convention, the state directory, a monotonic clock, and a byte buffer
 * with a bounds-checked reader.
 *
 * Convention (after Redis): functions that can fail return 0 on success and -1 on failure,
 * and write a one-line message with its context (file, line, value) into a caller-supplied
 * buffer `char *err` of GG_ERRLEN bytes. Allocation failure is not an error but the end:
 * gg_xmalloc prints and aborts. */
#ifndef GGLAB_UTIL_H
#define GGLAB_UTIL_H

#include <stddef.h>

#define GG_ERRLEN 512

void *gg_xmalloc(size_t n);
void *gg_xcalloc(size_t count, size_t size);
void *gg_xrealloc(void *p, size_t n);
char *gg_xstrdup(const char *s);

/* Formats into err (which may be NULL) and returns -1, so callers can `return gg_fail(…)`. */
int gg_fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* gglab's state directory, $XDG_STATE_HOME/gglab (default ~/.local/state/gglab), plus
 * "/sub" when sub is not NULL; created (with parents) if missing. */
int gg_state_dir(const char *sub, char *buf, size_t len, char *err);

/* The bound on what one model or one file read may take in memory: the limit set by
 * --max-memory, or else the memory the machine has available now (MemAvailable). */
size_t gg_mem_limit(void);
void gg_mem_set_limit(size_t bytes); /* before any thread starts; 0: back to the default */
/* "1.5 GiB" */
void gg_format_bytes(double bytes, char *buf, size_t len);

/* Monotonic clock in seconds. */
double gg_now(void);
/* CPU seconds of the calling thread: on a shared machine the wall clock measures the
 * neighbours too, so benchmarks give rates per CPU second as well. */
double gg_cpu_now(void);

/* A growable byte buffer (checkpoints, JSON lines) and a bounds-checked reader over one. Numbers
 * are written in the machine's byte order: a checkpoint is for the machine that wrote it
 * (its header says which order, and a reader on another refuses it). */
typedef struct {
	unsigned char *p;
	size_t n, cap;
} gg_buf;
void gg_buf_put(gg_buf *b, const void *data, size_t n);
void gg_buf_u64(gg_buf *b, unsigned long long v);
void gg_buf_str(gg_buf *b, const char *s);
void gg_buf_free(gg_buf *b);

typedef struct {
	const unsigned char *p;
	size_t n, off;
	int bad; /* set by the first read past the end; later reads return zeros */
} gg_reader;
void gg_read(gg_reader *r, void *out, size_t n);
unsigned long long gg_read_u64(gg_reader *r);
/* Reads a string written by gg_buf_str into out (len bytes, truncated if longer). */
void gg_read_str(gg_reader *r, char *out, size_t len);
/* A string of any length, allocated. */
char *gg_read_strdup(gg_reader *r);

#endif
