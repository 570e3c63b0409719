/* journal.c — the session journal: every command that changed the lab, as applied, with
 * the steps of every run at that moment. It is a script: `sync RUN=STEP …` lines hold a
 * replay until the runs reach where they were, then the command applies, so
 * `gglab --batch JOURNAL` (same --seed, same --threads) reproduces every series bit for bit.
 * Trainer thread only; every line is flushed as it is written, and the file is fsync'd when
 * it is closed, so a dropped connection loses nothing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gglab/util.h"
#include "internal.h"

int journal_open(lab *L, const char *path, char *err)
{
	L->journal = fopen(path, "w");
	if (!L->journal)
		return gg_fail(err, "%s: cannot write the journal: %s", path, strerror(errno));
	time_t now = time(NULL);
	char when[64];
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&now));
	char threads[16];
	if (L->opt.threads > 0)
		snprintf(threads, sizeof threads, "%d", L->opt.threads);
	else
		snprintf(threads, sizeof threads, "auto");
	fprintf(L->journal,
		"# gglab %s journal, %s\n"
		"# Replay: gglab --batch %s --seed %llu --threads %s\n"
		"# (the session's seed and thread count give the same numbers bit for bit%s)\n",
		PACKAGE_VERSION, when, path, (unsigned long long)L->opt.seed, threads,
		L->opt.threads > 0 ? "" : " on a machine with as many cores");
	fflush(L->journal);
	return 0;
}

/* "sync r1=1200 r2=800": where every run is now. */
void journal_sync_text(lab *L, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "sync");
	for (int i = 0; i < L->nruns && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, " %s=%ld", L->runs[i]->name, L->runs[i]->step);
}

static void write_sync(lab *L, const char *sync)
{
	if (L->jsync && !strcmp(L->jsync, sync))
		return;
	fprintf(L->journal, "%s\n", sync);
	free(L->jsync);
	L->jsync = gg_xstrdup(sync);
}

void journal_command(lab *L, const char *sync, const cmd_call *c)
{
	if (!L->journal)
		return;
	/* sync is where the runs were just before the command: that is where it applied. */
	write_sync(L, sync);
	fprintf(L->journal, "%s\n", c->text);
	fflush(L->journal);
}

void journal_note(lab *L, const char *fmt, ...)
{
	if (!L->journal)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("# ", L->journal);
	vfprintf(L->journal, fmt, ap);
	fputc('\n', L->journal);
	va_end(ap);
	fflush(L->journal);
}

void journal_close(lab *L)
{
	if (!L->journal)
		return;
	int running = 0;
	for (int i = 0; i < L->nruns; i++)
		running |= L->runs[i]->state == RUN_RUNNING;
	char sync[4096];
	journal_sync_text(L, sync, sizeof sync);
	write_sync(L, sync);
	if (running)
		fputs("pause\n", L->journal);
	fputs("# end of the session\n", L->journal);
	fflush(L->journal);
	fsync(fileno(L->journal));
	fclose(L->journal);
	L->journal = NULL;
	free(L->jsync);
	L->jsync = NULL;
}
