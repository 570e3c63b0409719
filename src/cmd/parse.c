/* parse.c — parsing whole lines and files into calls before anything runs (`source`
 * expanded in place, every error reported with file:line and the usage), within limits
 * (line length, source depth, cycles and total), and executing a call. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gglab/cmd.h"
#include "gglab/lab.h"

/* Limits, so that no input can make the parser recurse, loop or allocate without end. */
#define SOURCE_DEPTH_MAX 8       /* files open at once through `source` */
#define SOURCE_FILES_MAX 1000    /* files sourced in one parse, in all */
#define LINE_BYTES_MAX (1 << 20) /* a script line without its newline (a journal's sync
				  * line names every run) */

/* The file being read, and the ones that sourced it: a file already here is a cycle. */
typedef struct open_file {
	dev_t dev;
	ino_t ino;
	const char *path;
	const struct open_file *up;
} open_file;

typedef struct {
	cmd_list *out;
	cmd_error_fn report;
	void *arg;
	int sourced;  /* files sourced so far */
	int stopped;  /* a limit was reached: nothing more is read */
} parse_ctx;

static cmd_call *list_add(cmd_list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->calls = gg_xrealloc(l->calls, (size_t)l->cap * sizeof *l->calls);
	}
	cmd_call *c = &l->calls[l->n++];
	memset(c, 0, sizeof *c);
	return c;
}

static void report_error(parse_ctx *px, const char *where, const cmd_entry *e, const char *msg)
{
	char buf[GG_ERRLEN * 2];
	int n = snprintf(buf, sizeof buf, "%s%s%s", where && *where ? where : "",
			 where && *where ? ": " : "", msg);
	if (e && n < (int)sizeof buf) {
		char *u = cmd_usage(e);
		snprintf(buf + n, sizeof buf - n, "\nusage: %s%s%s", e->name, *u ? " " : "", u);
		free(u);
	}
	px->report(px->arg, buf);
}

static int parse_file_in(parse_ctx *px, const char *path, const char *from, int depth,
			 const open_file *up);

/* `source PATH` at `where`: the file's commands in its place, unless that would make a
 * cycle or pass a limit. */
static int expand_source(parse_ctx *px, const char *path, const char *where, int depth,
			 const open_file *up)
{
	char err[GG_ERRLEN];
	if (depth >= SOURCE_DEPTH_MAX) {
		snprintf(err, sizeof err, "source nested deeper than %d files", SOURCE_DEPTH_MAX);
		report_error(px, where, NULL, err);
		return 1;
	}
	if (++px->sourced > SOURCE_FILES_MAX) {
		snprintf(err, sizeof err, "source: more than %d files sourced in all; stopping here",
			 SOURCE_FILES_MAX);
		report_error(px, where, NULL, err);
		px->stopped = 1;
		return 1;
	}
	struct stat st;
	for (const open_file *o = stat(path, &st) == 0 ? up : NULL; o; o = o->up)
		if (o->dev == st.st_dev && o->ino == st.st_ino) {
			snprintf(err, sizeof err, "source %s: a cycle (%s is being read already)", path,
				 o->path);
			report_error(px, where, NULL, err);
			return 1;
		}
	return parse_file_in(px, path, where, depth + 1, up);
}

static int parse_line_in(parse_ctx *px, const char *line, const char *where, int depth,
			 const open_file *up)
{
	char err[GG_ERRLEN];
	cmd_tokens t;
	if (cmd_tokenize(line, &t, err) < 0) {
		report_error(px, where, NULL, err);
		return 1;
	}
	int nerr = 0;
	for (int i = 0; i < t.n && !px->stopped; i++) {
		cmd_words *w = &t.cmds[i];
		const cmd_entry *e = NULL;
		cmd_call c;
		if (cmd_call_make(&c, w->argc, w->argv, where, &e, err) < 0) {
			report_error(px, where, e, err);
			nerr++;
			continue;
		}
		if (c.entry->flags & CMD_SOURCE) {
			/* Expanded now, so a tree of scripts is checked before any of it runs. */
			nerr += expand_source(px, c.pos[0].word, where, depth, up);
			cmd_call_free(&c);
			continue;
		}
		*list_add(px->out) = c;
	}
	cmd_tokens_free(&t);
	return nerr;
}

int cmd_parse_line(const char *line, const char *where, cmd_list *out, cmd_error_fn report,
		   void *arg)
{
	parse_ctx px = { out, report, arg, 0, 0 };
	return parse_line_in(&px, line, where, 0, NULL);
}

/* Reads one line into buf[LINE_BYTES_MAX + 1] (the newline dropped): its length, -1 at the
 * end of the file, -2 when it is longer than LINE_BYTES_MAX (the rest is not read). */
static long read_line(FILE *f, char *buf, int *nul)
{
	long n = 0;
	int c;
	*nul = 0;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (n == LINE_BYTES_MAX)
			return -2;
		*nul |= c == 0;
		buf[n++] = (char)c;
	}
	buf[n] = 0;
	return c == EOF && n == 0 ? -1 : n;
}

/* `from` is the "file:line" of the `source` that named this file, or NULL. */
static int parse_file_in(parse_ctx *px, const char *path, const char *from, int depth,
			 const open_file *up)
{
	char err[GG_ERRLEN];
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	if (is_stdin)
		path = "<stdin>";
	if (!f) {
		snprintf(err, sizeof err, "%s%s%s: cannot read the script: %s", from ? from : "",
			 from ? ": " : "", path, strerror(errno));
		px->report(px->arg, err);
		return 1;
	}
	open_file self = { 0, 0, path, up };
	struct stat st;
	if (fstat(fileno(f), &st) == 0) {
		self.dev = st.st_dev;
		self.ino = st.st_ino;
	}
	char *line = gg_xmalloc(LINE_BYTES_MAX + 1);
	int lineno = 0, nerr = 0, before = px->out->n, nul;
	long got;
	while (!px->stopped && (got = read_line(f, line, &nul)) != -1) {
		char where[272];
		lineno++;
		snprintf(where, sizeof where, "%s:%d", path, lineno);
		if (got == -2) {
			snprintf(err, sizeof err, "%s: line too long (more than %d bytes); reading stops here",
				 where, LINE_BYTES_MAX);
			px->report(px->arg, err);
			nerr++;
			break;
		}
		if (nul) {
			snprintf(err, sizeof err, "%s: a NUL byte in the line (is this a text file?)", where);
			px->report(px->arg, err);
			nerr++;
			break;
		}
		nerr += parse_line_in(px, line, where, depth, &self);
	}
	int rerr = ferror(f);
	free(line);
	if (!is_stdin)
		fclose(f);
	if (rerr) {
		snprintf(err, sizeof err, "%s: read error", path);
		px->report(px->arg, err);
		nerr++;
	} else if (nerr == 0 && px->out->n == before && !px->stopped) {
		snprintf(err, sizeof err, "%s: the script is empty (no commands, only blanks or comments)",
			 path);
		px->report(px->arg, err);
		nerr++;
	}
	return nerr;
}

int cmd_parse_file(const char *path, cmd_list *out, cmd_error_fn report, void *arg)
{
	parse_ctx px = { out, report, arg, 0, 0 };
	return parse_file_in(&px, path, NULL, 0, NULL);
}

int cmd_exec(cmd_ctx *ctx, const cmd_call *call, char *err)
{
	char e[GG_ERRLEN];
	if (call->entry->exec(ctx, call, e) == 0)
		return 0;
	return gg_fail(err, "%s%s%s", call->where, *call->where ? ": " : "", e);
}


/* ---- what the lab is given ------------------------------------------------------------ */

static int ops_exec(struct lab *L, const cmd_call *c, int script, char *err)
{
	cmd_ctx ctx = { .lab = L, .script = script };
	return cmd_exec(&ctx, c, err);
}

static int ops_parse(const char *text, const char *where, cmd_call *out, char *err)
{
	cmd_tokens t;
	const cmd_entry *e;
	if (cmd_tokenize(text, &t, err) < 0)
		return -1;
	int rc = t.n == 1 ? cmd_call_make(out, t.cmds[0].argc, t.cmds[0].argv, where, &e, err)
			  : gg_fail(err, "'%s' is not one command", text);
	cmd_tokens_free(&t);
	return rc;
}

const lab_cmd_ops cmd_lab_ops = { ops_exec, ops_parse, cmd_call_copy, cmd_call_free };
