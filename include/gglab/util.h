/* util.h — allocation that never returns NULL, and the error-message convention.
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

/* Monotonic clock in seconds. */
double gg_now(void);

#endif
