/* fault.c — a test-only LD_PRELOAD shim that makes the disk look full: with
 * GGLAB_FAULT_ENOSPC set, write(2) to any file whose name contains ".tmp." (or the text of
 * GGLAB_FAULT_MATCH, when set) fails with ENOSPC. ".tmp." is where gglab's atomic saves
 * write before renaming, so a test can check that a save onto a full disk fails cleanly
 * and leaves the old file intact; GGLAB_FAULT_MATCH reaches the streams (--log, journal),
 * and GGLAB_FAULT_AFTER=N lets the first N bytes to matching files through (a disk that
 * fills up during the session). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (getenv("GGLAB_FAULT_ENOSPC")) {
		char link[64], path[4096];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t len = readlink(link, path, sizeof path - 1);
		if (len > 0) {
			path[len] = 0;
			const char *match = getenv("GGLAB_FAULT_MATCH");
			static long long passed; /* bytes let through so far */
			const char *after = getenv("GGLAB_FAULT_AFTER");
			if (strstr(path, match && *match ? match : ".tmp.") &&
			    (!after || (passed += (long long)n) > atoll(after))) {
				errno = ENOSPC;
				return -1;
			}
		}
	}
	return real(fd, buf, n);
}
