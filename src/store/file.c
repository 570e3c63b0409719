/* file.c — how gglab replaces a file (exports, checkpoints): a temporary file beside the
 * target, created with the user's umask, written through a stream that remembers the real
 * errno of the first failed write, flushed, fsync'd and renamed over the target, then the
 * directory fsync'd. Only a regular file is replaced: a symbolic link, a FIFO, a device
 * node, a directory or a socket at the target is refused. A temporary file left by a
 * process that died while saving to the same place is removed at the next save there. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gglab/store.h"
#include "gglab/util.h"

struct store_out {
	FILE *f;
	int fd;
	int err; /* the errno of the first failed write, or 0 */
	char path[4096], tmp[4200];
};

static ssize_t out_write(void *cookie, const char *buf, size_t n)
{
	store_out *o = cookie;
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(o->fd, buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!o->err)
				o->err = w < 0 ? errno : EIO;
			errno = o->err;
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)n;
}

static int out_close(void *cookie)
{
	store_out *o = cookie;
	int rc = o->fd >= 0 ? close(o->fd) : 0;
	o->fd = -1;
	return rc;
}

/* What the target is when it is not something gglab replaces, or NULL. */
static const char *not_regular(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0 || S_ISREG(st.st_mode))
		return NULL;
	return S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISFIFO(st.st_mode) ? "a FIFO"
	       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device node"
	       : S_ISDIR(st.st_mode) ? "a directory" : "not a regular file";
}

/* The directory of path ("." when it has none) and where its last part begins. */
static const char *split(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		snprintf(dir, len, ".");
		return path;
	}
	snprintf(dir, len, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return slash + 1;
}

/* Removes BASE.tmp.PID.N files in dir whose process no longer exists. */
static void remove_stale(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t bl = strlen(base);
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *s = e->d_name;
		if (strncmp(s, base, bl) != 0 || strncmp(s + bl, ".tmp.", 5) != 0)
			continue;
		char *end;
		long pid = strtol(s + bl + 5, &end, 10);
		if (pid <= 0 || *end != '.' || pid == (long)getpid())
			continue;
		strtoul(end + 1, &end, 10);
		if (*end || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		unlinkat(dirfd(d), s, 0);
	}
	closedir(d);
}

store_out *store_out_open(const char *path, char *err)
{
	static atomic_uint counter;
	const char *what = not_regular(path);
	if (what) {
		gg_fail(err, "%s: is %s; gglab only replaces regular files (it writes a new file and "
			     "renames it over the old one): remove it or choose another name", path, what);
		return NULL;
	}
	if (strlen(path) >= 4096) {
		gg_fail(err, "%.64s...: the file name is too long", path);
		return NULL;
	}
	store_out *o = gg_xcalloc(1, sizeof *o);
	snprintf(o->path, sizeof o->path, "%s", path);
	char dir[4096];
	remove_stale(dir, split(path, dir, sizeof dir));
	o->fd = -1;
	for (int tries = 0; o->fd < 0 && tries < 100; tries++) {
		snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
		o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (o->fd < 0 && errno != EEXIST)
			break;
	}
	if (o->fd < 0) {
		if (errno == ENOENT) /* the usual cause: a directory that is not there */
			gg_fail(err, "%s: cannot create a file there: %s (the directory %s does not exist: "
				     "create it, or choose another path)", path, strerror(errno), dir);
		else
			gg_fail(err, "%s: cannot create a file there: %s", path, strerror(errno));
		free(o);
		return NULL;
	}
	cookie_io_functions_t io = { .write = out_write, .close = out_close };
	o->f = fopencookie(o, "w", io);
	if (!o->f) {
		gg_fail(err, "%s: %s", path, strerror(errno));
		close(o->fd);
		unlink(o->tmp);
		free(o);
		return NULL;
	}
	return o;
}

FILE *store_out_stream(store_out *o)
{
	return o->f;
}

int store_out_fd(store_out *o)
{
	return o->fd;
}

void store_out_fail(store_out *o, int errnum)
{
	if (!o->err)
		o->err = errnum ? errnum : EIO;
}

void store_out_abort(store_out *o)
{
	if (!o)
		return;
	fclose(o->f);
	unlink(o->tmp);
	free(o);
}

int store_out_commit(store_out *o, char *err)
{
	int bad = 0;
	if (fflush(o->f) != 0 || ferror(o->f))
		bad = o->err ? o->err : errno ? errno : EIO;
	bad = o->err ? o->err : bad;
	if (!bad && fsync(o->fd) != 0)
		bad = errno;
	if (fclose(o->f) != 0 && !bad)
		bad = errno ? errno : EIO;
	const char *what = bad ? NULL : not_regular(o->path); /* it may have changed meanwhile */
	if (what) {
		unlink(o->tmp);
		gg_fail(err, "%s: became %s while gglab wrote it; nothing was replaced", o->path, what);
		free(o);
		return -1;
	}
	if (!bad && rename(o->tmp, o->path) != 0)
		bad = errno;
	if (bad) {
		unlink(o->tmp);
		gg_fail(err, "%s: write failed (%s); the previous file, if any, is unchanged", o->path,
			strerror(bad));
		free(o);
		return -1;
	}
	/* The rename is durable only once the directory is on disk too. */
	char dir[4096];
	split(o->path, dir, sizeof dir);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;
	if (dfd >= 0) {
		if (fsync(dfd) != 0 && errno != EINVAL && errno != EROFS)
			rc = gg_fail(err, "%s: written, but its directory could not be synced: %s", o->path,
				     strerror(errno));
		close(dfd);
	}
	free(o);
	return rc;
}
