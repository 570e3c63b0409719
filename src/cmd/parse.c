/* parse.c — parsing whole lines and files into calls before anything runs (`source`
 * expanded in place, every error reported with file:line and the usage), and executing a
 * call. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gglab/cmd.h"
#include "gglab/lab.h"

#define SOURCE_DEPTH_MAX 8

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

static void report_error(cmd_error_fn report, void *arg, const char *where,
			 const cmd_entry *e, const char *msg)
{
	char buf[GG_ERRLEN * 2];
	int n = snprintf(buf, sizeof buf, "%s%s%s", where && *where ? where : "",
			 where && *where ? ": " : "", msg);
	if (e && n < (int)sizeof buf) {
		char *u = cmd_usage(e);
		snprintf(buf + n, sizeof buf - n, "\nusage: %s%s%s", e->name, *u ? " " : "", u);
		free(u);
	}
	report(arg, buf);
}

static int parse_file_depth(const char *path, const char *from, cmd_list *out,
			    cmd_error_fn report, void *arg, int depth);

static int parse_line_depth(const char *line, const char *where, cmd_list *out,
			    cmd_error_fn report, void *arg, int depth)
{
	char err[GG_ERRLEN];
	cmd_tokens t;
	if (cmd_tokenize(line, &t, err) < 0) {
		report_error(report, arg, where, NULL, err);
		return 1;
	}
	int nerr = 0;
	for (int i = 0; i < t.n; i++) {
		cmd_words *w = &t.cmds[i];
		const cmd_entry *e = NULL;
		cmd_call c;
		if (cmd_call_make(&c, w->argc, w->argv, where, &e, err) < 0) {
			report_error(report, arg, where, e, err);
			nerr++;
			continue;
		}
		if (c.entry->flags & CMD_SOURCE) {
			if (depth >= SOURCE_DEPTH_MAX) {
				snprintf(err, sizeof err, "source nested deeper than %d files", SOURCE_DEPTH_MAX);
				report_error(report, arg, where, NULL, err);
				nerr++;
			} else {
				/* Expanded now, so a tree of scripts is checked before any of it runs. */
				nerr += parse_file_depth(c.pos[0].word, where, out, report, arg, depth + 1);
			}
			cmd_call_free(&c);
			continue;
		}
		*list_add(out) = c;
	}
	cmd_tokens_free(&t);
	return nerr;
}

int cmd_parse_line(const char *line, const char *where, cmd_list *out, cmd_error_fn report,
		   void *arg)
{
	return parse_line_depth(line, where, out, report, arg, 0);
}

/* `from` is the "file:line" of the `source` that named this file, or NULL. */
static int parse_file_depth(const char *path, const char *from, cmd_list *out,
			    cmd_error_fn report, void *arg, int depth)
{
	char err[GG_ERRLEN];
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	if (is_stdin)
		path = "<stdin>";
	if (!f) {
		snprintf(err, sizeof err, "%s%s%s: cannot read the script: %s", from ? from : "",
			 from ? ": " : "", path, strerror(errno));
		report(arg, err);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, nerr = 0, before = out->n;
	ssize_t got;
	while ((got = getline(&line, &cap, f)) >= 0) {
		char where[272];
		lineno++;
		snprintf(where, sizeof where, "%s:%d", path, lineno);
		if ((size_t)got != strlen(line)) {
			snprintf(err, sizeof err, "%s: a NUL byte in the line (is this a text file?)", where);
			report(arg, err);
			nerr++;
			break;
		}
		nerr += parse_line_depth(line, where, out, report, arg, depth);
	}
	int rerr = ferror(f);
	free(line);
	if (!is_stdin)
		fclose(f);
	if (rerr) {
		snprintf(err, sizeof err, "%s: read error", path);
		report(arg, err);
		nerr++;
	} else if (nerr == 0 && out->n == before) {
		snprintf(err, sizeof err, "%s: the script is empty (no commands, only blanks or comments)",
			 path);
		report(arg, err);
		nerr++;
	}
	return nerr;
}

int cmd_parse_file(const char *path, cmd_list *out, cmd_error_fn report, void *arg)
{
	return parse_file_depth(path, NULL, out, report, arg, 0);
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
