/* sock.c — the sockets of --listen and gglab attach: where they live, creating one safely,
 * connecting to one, checking who is at the other end, and finding the user's running labs.
 *
 * Nothing here follows a name it did not check: a path is lstat'ed first, a socket is only
 * replaced when it is the user's own and nothing answers on it (its lab died), and
 * anything else found there is refused with what it is. The socket is created mode 0600
 * (umask around bind) and its directory must be the user's with no access for others. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

int remote_peer_uid(int fd, uid_t *uid, pid_t *pid)
{
	struct ucred cr;
	socklen_t len = sizeof cr;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return -1;
	*uid = cr.uid;
	*pid = cr.pid;
	return 0;
}

int remote_send_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The two places labs put their sockets: the runtime directory's, and /tmp's for a
 * session without one (a batch job); i = 0, 1. */
static void dir_name(int i, char *buf, size_t len)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	if (i == 0 && x && x[0] == '/')
		snprintf(buf, len, "%s/gglab", x);
	else
		snprintf(buf, len, "/tmp/gglab-%lu", (unsigned long)geteuid());
}

/* A directory only we can enter: ours, no permissions for group or others. */
static int private_dir(const char *dir, char *err)
{
	struct stat st;
	if (lstat(dir, &st) < 0)
		return gg_fail(err, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return gg_fail(err, "%s is not a private directory of yours (%s, owner uid %lu, mode %03o); "
				    "remove it or give --listen=PATH", dir,
			       S_ISDIR(st.st_mode) ? "a directory" : S_ISLNK(st.st_mode) ? "a symbolic link"
											 : "not a directory",
			       (unsigned long)st.st_uid, (unsigned)(st.st_mode & 0777));
	return 0;
}

int remote_dir(char *buf, size_t len, char *err)
{
	dir_name(0, buf, len);
	if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
		char want[REMOTE_PATH_MAX];
		snprintf(want, sizeof want, "%s", buf);
		dir_name(1, buf, len); /* e.g. a runtime directory that is gone */
		if (strcmp(want, buf) == 0 || (mkdir(buf, 0700) < 0 && errno != EEXIST))
			return gg_fail(err, "cannot create %s for the socket: %s", buf, strerror(errno));
	}
	return private_dir(buf, err);
}

int remote_default_path(char *buf, size_t len, char *err)
{
	char dir[REMOTE_PATH_MAX];
	if (remote_dir(dir, sizeof dir, err) < 0)
		return -1;
	if ((size_t)snprintf(buf, len, "%s/%ld.sock", dir, (long)getpid()) >= len ||
	    strlen(buf) >= REMOTE_PATH_MAX)
		return gg_fail(err, "%s: the socket's path would be too long (at most %d bytes); "
				    "give --listen=PATH", dir, REMOTE_PATH_MAX - 1);
	return 0;
}

static int path_addr(const char *path, struct sockaddr_un *a, char *err)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a->sun_path)
		return gg_fail(err, "%s: a socket's path has at most %zu bytes", path, sizeof a->sun_path - 1);
	strcpy(a->sun_path, path);
	return 0;
}

/* Connects a new socket to path: the fd, or -1 with errno (0 when the path cannot be one). */
static int dial(const char *path)
{
	struct sockaddr_un a;
	char err[GG_ERRLEN];
	if (path_addr(path, &a, err) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The directory a socket goes in must not let others replace it: ours or root's, and
 * writable by no one else unless sticky (/tmp). */
static int safe_parent(const char *path, char *err)
{
	char dir[REMOTE_PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	struct stat st;
	if (stat(dir, &st) < 0)
		return gg_fail(err, "%s: cannot create the socket there: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return gg_fail(err, "%s is not a directory", dir);
	if ((st.st_uid != geteuid() && st.st_uid != 0) || ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
		return gg_fail(err, "%s: others could replace a socket there (owner uid %lu, mode %03o); "
				    "choose a directory of your own", dir, (unsigned long)st.st_uid,
			       (unsigned)(st.st_mode & 0777));
	return 0;
}

int remote_bind(const char *path, dev_t *dev, ino_t *ino, char *err)
{
	struct sockaddr_un a;
	if (path_addr(path, &a, err) < 0 || safe_parent(path, err) < 0)
		return -1;
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return gg_fail(err, "%s exists and is not a socket: it is left alone; choose another "
					    "--listen path", path);
		if (st.st_uid != geteuid())
			return gg_fail(err, "%s is a socket of uid %lu: it is left alone; choose another "
					    "--listen path", path, (unsigned long)st.st_uid);
		int fd = dial(path);
		if (fd >= 0) {
			close(fd);
			return gg_fail(err, "%s: another lab is listening there (gglab attach %s)", path, path);
		}
		if (errno != ECONNREFUSED)
			return gg_fail(err, "%s: %s", path, strerror(errno));
		if (unlink(path) < 0) /* the socket of a lab that died: replaced */
			return gg_fail(err, "%s: cannot remove the stale socket: %s", path, strerror(errno));
	} else if (errno != ENOENT) {
		return gg_fail(err, "%s: %s", path, strerror(errno));
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return gg_fail(err, "socket: %s", strerror(errno));
	mode_t old = umask(0177); /* created 0600: no moment when others may connect */
	int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
	int e = errno;
	umask(old);
	if (rc < 0 || listen(fd, 16) < 0 || lstat(path, &st) < 0) {
		e = rc < 0 ? e : errno;
		close(fd);
		return gg_fail(err, "%s: cannot listen there: %s", path, strerror(e));
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	return fd;
}

int remote_dial(const char *path, char *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return gg_fail(err, "%s: %s; gglab attach without a socket lists your running labs", path,
			       errno == ENOENT ? "no lab listens there (no such socket)" : strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return gg_fail(err, "%s is not a socket: give the socket a lab printed at its start "
				    "(gglab attach alone lists them)", path);
	if (st.st_uid != geteuid())
		return gg_fail(err, "%s belongs to uid %lu, not to you: gglab attaches only to your own labs",
			       path, (unsigned long)st.st_uid);
	int fd = dial(path);
	if (fd < 0)
		return gg_fail(err, "%s: %s", path, errno == ECONNREFUSED
							   ? "no lab is listening there (it ended without removing it)"
							   : strerror(errno));
	uid_t uid = (uid_t)-1;
	pid_t pid;
	if (remote_peer_uid(fd, &uid, &pid) < 0 || uid != geteuid()) {
		close(fd);
		return gg_fail(err, "%s: the process there runs as uid %lu, not as you: refused", path,
			       (unsigned long)uid);
	}
	return fd;
}

/* Adds path for pid unless it is there; a socket of the user's, or nothing. */
static void add_lab(remote_lab *labs, int max, int *n, const char *path, long pid)
{
	struct stat st;
	if (strlen(path) >= REMOTE_PATH_MAX || lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    st.st_uid != geteuid())
		return;
	for (int i = 0; i < *n && i < max; i++)
		if (!strcmp(labs[i].path, path))
			return;
	if (*n < max) {
		snprintf(labs[*n].path, sizeof labs[*n].path, "%s", path);
		labs[*n].pid = pid;
	}
	(*n)++;
}

/* A small file, whole (at most len - 1 bytes, NUL-terminated; a symbolic link is not
 * followed); its length, or -1. */
static long read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	ssize_t r;
	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = 0;
	return (long)n;
}

int remote_note_path(const char *path, char *note, size_t len)
{
	char dir[REMOTE_PATH_MAX], err[GG_ERRLEN], abs[PATH_MAX];
	note[0] = 0;
	if (remote_dir(dir, sizeof dir, err) < 0 || !realpath(path, abs))
		return -1;
	if ((size_t)snprintf(note, len, "%s/%ld.where", dir, (long)getpid()) >= len) {
		note[0] = 0;
		return -1;
	}
	int fd = open(note, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	ssize_t n = (ssize_t)strlen(abs);
	if (fd < 0 || write(fd, abs, (size_t)n) != n) {
		if (fd >= 0)
			close(fd);
		unlink(note);
		note[0] = 0;
		return -1;
	}
	close(fd);
	return 0;
}

int remote_find(remote_lab *labs, int max)
{
	int n = 0;
	char dirs[2][REMOTE_PATH_MAX];
	dir_name(0, dirs[0], sizeof dirs[0]);
	dir_name(1, dirs[1], sizeof dirs[1]);
	for (int d = 0; d < 2; d++) {
		if (d == 1 && !strcmp(dirs[0], dirs[1]))
			break;
		char why[GG_ERRLEN];
		if (private_dir(dirs[d], why) < 0)
			continue; /* missing, or not to be trusted */
		DIR *D = opendir(dirs[d]);
		struct dirent *e;
		while (D && (e = readdir(D))) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);
			int sock = !strcmp(end, ".sock"), where = !strcmp(end, ".where");
			if (end == e->d_name || !(sock || where) || pid <= 0)
				continue;
			if (kill((pid_t)pid, 0) < 0 && errno != EPERM)
				continue; /* its lab died (killed); the next lab of that PID replaces it */
			char path[2 * REMOTE_PATH_MAX + 256];
			snprintf(path, sizeof path, "%s/%s", dirs[d], e->d_name);
			if (where) { /* a lab on a path of its own says where (remote_note_path) */
				char at[REMOTE_PATH_MAX + 1];
				if (read_small(path, at, sizeof at) <= 0)
					continue;
				snprintf(path, sizeof path, "%s", at);
			}
			add_lab(labs, max, &n, path, pid);
		}
		if (D)
			closedir(D);
	}
	return n;
}

void remote_describe(long pid, char *buf, size_t len)
{
	char name[64];
	snprintf(name, sizeof name, "/proc/%ld/cmdline", pid);
	long n = read_small(name, buf, len);
	if (n < 0) {
		buf[0] = 0;
		return;
	}
	for (long i = 0; i < n; i++)
		if (buf[i] == 0)
			buf[i] = ' ';
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = 0;
}
