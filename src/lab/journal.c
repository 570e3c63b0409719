/* journal.c — the session journal: every command that changed the lab, as applied, with
 * the steps of every run at that moment. It is a script: `sync RUN=STEP …` lines hold a
 * replay until the runs reach where they were, then the command applies, so
 * `gglab --batch JOURNAL` (same --seed, same --threads) reproduces every series bit for bit.
 * Trainer thread only; every line is flushed as it is written, and the file is fsync'd when
 * it is closed, so a dropped connection loses nothing. A failed write is an error, said
 * once with the file and the reason; the journal stops there and the lab goes on. The
 * journal is a stream: it writes through whatever the path names (a FIFO, a device). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gglab/util.h"
#include "internal.h"

/* Writes to the journal, a line at a time with write(2) on its descriptor (no stdio
 * buffer: each line is on its way at once, and a failure's errno is the real one); on the
 * first failure the journal is closed and the reason said. */
static void jprintf(lab *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jprintf(lab *L, const char *fmt, ...)
{
	if (!L->journal)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *line = NULL;
	int n = vasprintf(&line, fmt, ap);
	va_end(ap);
	int e = n < 0 ? ENOMEM : 0;
	for (int done = 0; !e && done < n;) {
		ssize_t w = write(fileno(L->journal), line + done, (size_t)(n - done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			e = w < 0 ? errno : EIO;
		else
			done += (int)w;
	}
	free(n < 0 ? NULL : line);
	if (e) {
		fclose(L->journal);
		L->journal = NULL;
		lab_write_failed(L, L->journal_path, "writing the journal", e);
	}
}

/* A journal file is created exclusively: it never overwrites another. A suggested name
 * (unique) that is taken, e.g. by a session started in the same second, becomes NAME-2.gg,
 * NAME-3.gg … A path naming a stream that exists (a FIFO, a device) is written through. */
static FILE *create(lab *L, const char *path, int unique, char *err)
{
	size_t len = strlen(path);
	const char *ext = len > 3 && !strcmp(path + len - 3, ".gg") ? ".gg" : "";
	int stem = (int)(len - strlen(ext));
	char *name = gg_xmalloc(len + 16);
	strcpy(name, path);
	for (int k = 2;; k++) {
		struct stat st;
		int stream = stat(name, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
		int fd = open(name, O_WRONLY | O_CLOEXEC | (stream ? 0 : O_CREAT | O_EXCL), 0666);
		if (fd >= 0) {
			L->journal_path = name;
			return fdopen(fd, "w");
		}
		if (errno != EEXIST || !unique || k > 1000) {
			gg_fail(err, "%s: cannot create the journal: %s%s", name, strerror(errno),
				errno == EEXIST ? " (a journal is never overwritten: choose another name)" : "");
			free(name);
			return NULL;
		}
		snprintf(name, len + 16, "%.*s-%d%s", stem, path, k, ext);
	}
}

int journal_open(lab *L, const char *want, int unique, char *err)
{
	if (!(L->journal = create(L, want, unique, err)))
		return -1;
	const char *path = L->journal_path;
	time_t now = time(NULL);
	char when[64];
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&now));
	char threads[16];
	if (L->opt.threads > 0)
		snprintf(threads, sizeof threads, "%d", L->opt.threads);
	else
		snprintf(threads, sizeof threads, "auto");
	jprintf(L,
		"# gglab %s journal, %s\n"
		"# Replay: gglab --batch %s --seed %llu --threads %s\n"
		"# (the session's seed and thread count give the same numbers bit for bit%s)\n",
		PACKAGE_VERSION, when, path, (unsigned long long)L->opt.seed, threads,
		L->opt.threads > 0 ? "" : " on a machine with as many cores");
	if (L->opt.listen_path)
		jprintf(L, "# listening on %s (watch and steer it with: gglab attach %s)\n",
			L->opt.listen_path, L->opt.listen_path);
	if (!L->journal) /* said as a message too: the lab is not running yet, so say it here */
		return gg_fail(err, "%s", L->write_err);
	return 0;
}

/* "sync r1=1200 r2=800": where every run is now (allocated). */
char *journal_sync_text(lab *L)
{
	gg_buf b = { 0 };
	gg_buf_put(&b, "sync", 4);
	for (int i = 0; i < L->nruns; i++) {
		char step[32];
		gg_buf_put(&b, " ", 1);
		gg_buf_put(&b, L->runs[i]->name, strlen(L->runs[i]->name));
		int n = snprintf(step, sizeof step, "=%ld", L->runs[i]->step);
		gg_buf_put(&b, step, (size_t)n);
	}
	gg_buf_put(&b, "", 1);
	return (char *)b.p;
}

static void write_sync(lab *L, const char *sync)
{
	if (L->jsync && !strcmp(L->jsync, sync))
		return;
	jprintf(L, "%s\n", sync);
	free(L->jsync);
	L->jsync = gg_xstrdup(sync);
}

/* "load "PATH"": the journal of a session that began from a checkpoint (--resume) begins
 * with it, by its absolute name, so the replay starts where the session did. */
void journal_load(lab *L, const char *sync, const char *path)
{
	if (!L->journal)
		return;
	char *abs = realpath(path, NULL);
	gg_buf b = { 0 };
	for (const char *p = abs ? abs : path; *p; p++) {
		if (*p == '"' || *p == '\\')
			gg_buf_put(&b, "\\", 1);
		gg_buf_put(&b, p, 1);
	}
	gg_buf_put(&b, "", 1);
	jprintf(L, "# the session began from the checkpoint %s\n", path);
	write_sync(L, sync);
	jprintf(L, "load \"%s\"\n", (char *)b.p);
	free(b.p);
	free(abs);
}

void journal_command(lab *L, const char *sync, const cmd_call *c)
{
	if (!L->journal)
		return;
	/* sync is where the runs were just before the command: that is where it applied. */
	write_sync(L, sync);
	jprintf(L, "%s\n", c->text);
}

void journal_note(lab *L, const char *fmt, ...)
{
	if (!L->journal)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	jprintf(L, "# %s\n", line);
}

int journal_close(lab *L)
{
	if (!L->journal) {
		free(L->jsync); /* a journal that failed leaves its last sync */
		L->jsync = NULL;
		return 0;
	}
	int running = 0;
	for (int i = 0; i < L->nruns; i++)
		running |= L->runs[i]->state == RUN_RUNNING;
	char *sync = journal_sync_text(L);
	write_sync(L, sync);
	free(sync);
	if (running)
		jprintf(L, "pause\n");
	jprintf(L, "# end of the session\n");
	free(L->jsync);
	L->jsync = NULL;
	if (!L->journal)
		return -1;
	errno = 0;
	/* a FIFO or a terminal cannot be synced (EINVAL): only real failures count */
	int bad = fsync(fileno(L->journal)) != 0 && errno != EINVAL && errno != EROFS ? errno : 0;
	if (fclose(L->journal) != 0 && !bad)
		bad = errno ? errno : EIO;
	L->journal = NULL;
	if (bad) {
		lab_write_failed(L, L->journal_path, "closing the journal", bad);
		return -1;
	}
	return 0;
}

const char *lab_journal_path(const lab *L)
{
	return L->journal_path;
}
