/* fault.c — a test-only LD_PRELOAD shim that makes the disk look full: with
 * GGLAB_FAULT_ENOSPC set, write(2) to any file whose name contains ".tmp." fails with
 * ENOSPC. That is where gglab's atomic saves write before renaming, so a test can check
 * that a save onto a full disk fails cleanly and leaves the old file intact. */
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
			if (strstr(path, ".tmp.")) {
				errno = ENOSPC;
				return -1;
			}
		}
	}
	return real(fd, buf, n);
}
