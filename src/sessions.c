/* sessions.c — the files earlier sessions left in the state directory (see sessions.h):
 * the autosave a start offers to resume, pruning to the newest few, and --sessions. A file
 * that cannot be read is listed as such and never stops the start. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gglab/sessions.h"
#include "gglab/store.h"
#include "gglab/util.h"

typedef struct {
	char dir[3072];
	char **names; /* newest first */
	int n;
} listing;

static int newest_first(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/* The files NAME.ext (not hidden) of the state subdirectory sub, newest first. */
static int list_files(const char *sub, const char *ext, listing *l, char *err)
{
	memset(l, 0, sizeof *l);
	if (gg_state_dir(sub, l->dir, sizeof l->dir, err) < 0)
		return -1;
	DIR *d = opendir(l->dir);
	if (!d)
		return gg_fail(err, "%s: cannot be read", l->dir);
	size_t el = strlen(ext);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t nl = strlen(e->d_name);
		if (e->d_name[0] == '.' || nl <= el || strcmp(e->d_name + nl - el, ext))
			continue;
		l->names = gg_xrealloc(l->names, (size_t)(l->n + 1) * sizeof *l->names);
		l->names[l->n++] = gg_xstrdup(e->d_name);
	}
	closedir(d);
	if (l->n > 1) /* qsort may not be given NULL, even for nothing */
		qsort(l->names, (size_t)l->n, sizeof *l->names, newest_first);
	return 0;
}

static void list_free(listing *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
}

/* "20261201-181502…" → "2026-12-01 18:15:02"; another name: its modification time. */
static void name_time(const char *dir, const char *name, char *buf, size_t len)
{
	int ok = strlen(name) >= 15 && name[8] == '-';
	for (int i = 0; i < 15 && ok; i++)
		ok = i == 8 || (name[i] >= '0' && name[i] <= '9');
	if (ok) {
		snprintf(buf, len, "%.4s-%.2s-%.2s %.2s:%.2s:%.2s", name, name + 4, name + 6, name + 9,
			 name + 11, name + 13);
		return;
	}
	char path[4200];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (stat(path, &st) == 0)
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", localtime(&st.st_mtime));
	else
		snprintf(buf, len, "?");
}

/* Runs and the largest step of a checkpoint, from its text ("run NAME step N …" lines). */
static int ckpt_summary(const char *path, int *runs, long *step)
{
	char *text, err[GG_ERRLEN];
	unsigned char *payload;
	size_t n;
	if (store_ckpt_read(path, &text, &payload, &n, err) < 0)
		return -1;
	*runs = 0;
	*step = 0;
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char name[64];
		long s;
		if (sscanf(p, "run %63s step %ld", name, &s) == 2) {
			(*runs)++;
			*step = s > *step ? s : *step;
		}
	}
	free(text);
	free(payload);
	return 0;
}

/* Runs and the largest step of a journal, from its last `sync RUN=STEP …` line. */
static int journal_summary(const char *path, int *runs, long *step)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *line = NULL, *last = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0)
		if (!strncmp(line, "sync ", 5)) {
			free(last);
			last = gg_xstrdup(line);
		}
	free(line);
	fclose(f);
	*runs = 0;
	*step = 0;
	for (char *p = last ? strchr(last, '=') : NULL; p; p = strchr(p + 1, '=')) {
		long s = strtol(p + 1, NULL, 10);
		(*runs)++;
		*step = s > *step ? s : *step;
	}
	free(last);
	return 0;
}

int sessions_autosave_note(char *buf, size_t len, int fresh)
{
	listing l;
	char err[GG_ERRLEN];
	if (list_files("autosave", ".gglab", &l, err) < 0 || !l.n) {
		list_free(&l);
		return 0;
	}
	char path[4200], mark[4200], seen[256] = "";
	snprintf(path, sizeof path, "%s/%s", l.dir, l.names[0]);
	snprintf(mark, sizeof mark, "%s/.announced", l.dir);
	FILE *f = fopen(mark, "r");
	if (f) {
		if (!fgets(seen, sizeof seen, f))
			seen[0] = 0;
		seen[strcspn(seen, "\n")] = 0;
		fclose(f);
	}
	int runs, found = 0;
	long step;
	if ((!fresh || strcmp(seen, l.names[0])) && ckpt_summary(path, &runs, &step) == 0) {
		char when[64];
		name_time(l.dir, l.names[0], when, sizeof when);
		snprintf(buf, len, "an autosave of step %ld (%d run%s) from %s exists: continue it "
			 "with gglab --resume %s", step, runs, runs == 1 ? "" : "s", when, path);
		found = 1;
		if (fresh && (f = fopen(mark, "w"))) {
			fprintf(f, "%s\n", l.names[0]);
			fclose(f);
		}
	}
	list_free(&l);
	return found;
}

static void prune(const char *sub, const char *ext, int keep)
{
	listing l;
	char err[GG_ERRLEN], path[4200];
	if (list_files(sub, ext, &l, err) == 0)
		for (int i = keep; i < l.n; i++) {
			snprintf(path, sizeof path, "%s/%s", l.dir, l.names[i]);
			unlink(path);
		}
	list_free(&l);
}

void sessions_prune(void)
{
	prune("journals", ".gg", SESSIONS_KEEP_JOURNALS);
	prune("autosave", ".gglab", SESSIONS_KEEP_AUTOSAVES);
}

int sessions_list(FILE *out, char *err)
{
	static const struct {
		const char *sub, *ext, *what;
	} kinds[] = { { "autosave", ".gglab", "autosave" }, { "journals", ".gg", "journal" } };
	for (int k = 0; k < 2; k++) {
		listing l;
		if (list_files(kinds[k].sub, kinds[k].ext, &l, err) < 0)
			return -1;
		fprintf(out, "%ss in %s (%d; the newest %d are kept):\n", kinds[k].what, l.dir, l.n,
			k ? SESSIONS_KEEP_JOURNALS : SESSIONS_KEEP_AUTOSAVES);
		for (int i = 0; i < l.n; i++) {
			char path[4200], when[64];
			int runs;
			long step;
			snprintf(path, sizeof path, "%s/%s", l.dir, l.names[i]);
			name_time(l.dir, l.names[i], when, sizeof when);
			int ok = k ? journal_summary(path, &runs, &step) : ckpt_summary(path, &runs, &step);
			if (ok < 0)
				fprintf(out, "  %s  (unreadable)        %s\n", when, path);
			else
				fprintf(out, "  %s  %3d run%s  step %-8ld %s\n", when, runs,
					runs == 1 ? " " : "s", step, path);
		}
		list_free(&l);
	}
	fprintf(out, "resume an autosave with gglab --resume PATH; replay a journal with "
		     "gglab --batch PATH\n");
	return 0;
}
